use super::api::{
    CategoryItem, CreateCategory, CreateGroup, DeleteCategory, DeleteGroup, UpdateCategory,
    list_categories,
};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

/// Super Admin > Customers > Categories & groups.
#[component]
pub fn CategoriesPage() -> impl IntoView {
    let create = ServerAction::<CreateCategory>::new();
    let create_group = ServerAction::<CreateGroup>::new();
    let delete = ServerAction::<DeleteCategory>::new();
    let delete_group = ServerAction::<DeleteGroup>::new();
    let rename = ServerAction::<UpdateCategory>::new();
    let items = Resource::new(
        move || {
            (
                rename.version().get(),
                create.version().get(),
                create_group.version().get(),
                delete.version().get(),
                delete_group.version().get(),
            )
        },
        |_| list_categories(),
    );
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let group_error = Signal::derive(move || create_group.value().get().and_then(Result::err));
    let delete_error = Signal::derive(move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete_group.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Categories & groups"/>
        <div class="crumbs"><a href="/admin/customers">"Customers"</a>" / Categories & groups"</div>
        <div class="page-head">
            <h1>"Categories & groups"</h1>
            <a href="/admin/customer-categories/export.csv" class="btn btn-secondary" download="categories.csv">"Export CSV"</a>
        </div>
        <p class="muted">"Every customer sits in a category (Wholesale, Retail …) and optionally a group within it. Features and sell-rate markups are assigned to them."</p>
        <FormError error=delete_error fields=&[]/>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Ok(items) => view! { <CategoryTable items delete delete_group create_group group_error rename/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
        <h2>"New category"</h2>
        <ActionForm action=create>
            <FormError error fields=&["name", "description"]/>
            <div class="panel">
                <Field name="name" label="Name" required=true error help="For example Wholesale, Retail, Enterprise, Softswitch rental."/>
                <Field name="description" label="Description" error/>
                <button type="submit" class="btn btn-primary">"Add category"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn CategoryTable(
    items: Vec<CategoryItem>,
    delete: ServerAction<DeleteCategory>,
    delete_group: ServerAction<DeleteGroup>,
    create_group: ServerAction<CreateGroup>,
    group_error: Signal<Option<crate::error::AppError>>,
    rename: ServerAction<UpdateCategory>,
) -> impl IntoView {
    let rename_error = Signal::derive(move || rename.value().get().and_then(Result::err));
    if items.is_empty() {
        return view! { <p class="empty">"No category yet: add the first one below."</p> }
            .into_any();
    }
    let choices: Vec<(i64, String)> = items.iter().map(|c| (c.id, c.name.clone())).collect();
    let rename_choices: Vec<(String, String)> = choices
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    view! {
        <table class="data-table">
            <thead><tr><th scope="col">"Category"</th><th scope="col">"Groups"</th><th scope="col" class="num">"Customers"</th><th scope="col">""</th></tr></thead>
            <tbody>
                {items.into_iter().map(|c| view! {
                    <tr>
                        <td><a href=format!("/admin/customers?category={}", c.id)>{c.name}</a><br/><span class="muted">{c.description}</span></td>
                        <td>
                            {if c.groups.is_empty() { Some(view! { <span class="muted">"–"</span> }) } else { None }}
                            <ul class="chips">
                                {c.groups.into_iter().map(|(id, name, n)| view! {
                                    <li>
                                        <a href=format!("/admin/customers?group={id}")>{name}</a>" ("{n}")"
                                        <ActionForm action=delete_group attr:class="inline">
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="link-danger" title="Delete this group" aria-label="Delete this group">"×"</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </td>
                        <td class="num">{c.customers}</td>
                        <td>
                            <ActionForm action=delete attr:class="inline">
                                <input type="hidden" name="id" value=c.id/>
                                <button type="submit" class="btn btn-secondary btn-small">"Delete"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2>"New group"</h2>
        <ActionForm action=create_group>
            <FormError error=group_error fields=&["name", "category_id"]/>
            <div class="panel">
                <crate::ui::fields::SelectField name="category_id" label="Category" error=group_error
                    options=choices.into_iter().map(|(id, n)| (id.to_string(), n)).collect()/>
                <Field name="name" id="group-name" label="Group name" required=true error=group_error help="For example Gold, Silver, Resellers."/>
                <input type="hidden" name="description" value=""/>
                <button type="submit" class="btn btn-primary">"Add group"</button>
            </div>
        </ActionForm>
        <h2>"Rename a category"</h2>
        <ActionForm action=rename>
            <FormError error=rename_error fields=&["id", "name", "description"]/>
            <div class="panel">
                <crate::ui::fields::SelectField name="id" label="Category" error=rename_error
                    options=rename_choices/>
                <Field name="name" id="rename-name" label="New name" required=true error=rename_error/>
                <Field name="description" id="rename-description" label="Description" error=rename_error/>
                <button type="submit" class="btn btn-primary">"Rename"</button>
            </div>
        </ActionForm>
    }
    .into_any()
}
