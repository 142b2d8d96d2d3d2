use crate::features::users::api::list_users;
use crate::features::users::dto::UserPage;
use crate::ui::page::{ErrorPanel, Pager};
use domain::access::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Super Admin > Users: search, role filter, sortable columns, 25 per page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let users = Resource::new(
        move || {
            (
                param("q"),
                param("role"),
                param("sort"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(q, role, sort, page)| list_users(q, role, sort, page),
    );
    let sort_link = move |key: &'static str, label: &'static str| {
        let href = move || {
            let mut params = vec![format!("sort={key}")];
            if let Some(q) = param("q") {
                params.push(format!("q={}", crate::ui::page::percent_encode(&q)));
            }
            if let Some(r) = param("role") {
                params.push(format!("role={r}"));
            }
            format!("?{}", params.join("&"))
        };
        let current = move || (param("sort").as_deref().unwrap_or("email") == key).then_some(" ▾");
        view! { <a href=href>{label}{current}</a> }
    };
    view! {
        <Title text="Users"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"Users & access"</div>
                <h1>"Users"</h1>
            </div>
            <a href="/admin/users/new" class="btn btn-primary">"New user"</a>
        </div>
        <Form method="GET" action="" attr:class="filters">
            <input type="search" name="q" placeholder="Search e-mail or name" aria-label="Search e-mail or name"
                value=move || param("q").unwrap_or_default()/>
            <select name="role" aria-label="Role">
                <option value="">"All roles"</option>
                {Role::ALL.into_iter().map(|r| {
                    let selected = move || param("role").as_deref() == Some(r.as_str());
                    view! { <option value=r.as_str() selected=selected>{r.label()}</option> }
                }).collect_view()}
            </select>
            <input type="hidden" name="sort" value=move || param("sort").unwrap_or_default()/>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(page) => view! { <UsersTable page sort_link/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UsersTable<F, V>(page: UserPage, sort_link: F) -> impl IntoView
where
    F: Fn(&'static str, &'static str) -> V + Copy + Send + 'static,
    V: IntoView + 'static,
{
    if page.rows.is_empty() {
        return view! {
            <p class="empty">"No user matches these filters. Clear the search, or "<a href="/admin/users/new">"create a user"</a>"."</p>
        }
        .into_any();
    }
    view! {
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col">{sort_link("email", "E-mail")}</th>
                    <th scope="col">{sort_link("name", "Name")}</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">{sort_link("newest", "Created")}</th>
                    <th scope="col">{sort_link("last_login", "Last sign-in")}</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|u| view! {
                    <tr>
                        <td><a href=format!("/admin/users/{}", u.id)>{u.email}</a></td>
                        <td>{u.display_name}</td>
                        <td>{u.role.label()}</td>
                        <td>{if u.disabled {
                            view! { <span class="badge badge-off">"Disabled"</span> }
                        } else {
                            view! { <span class="badge badge-ok">"Active"</span> }
                        }}</td>
                        <td>{u.created_at}</td>
                        <td>{u.last_login_at.unwrap_or_else(|| "never".to_owned())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total page=page.page per_page=page.per_page/>
    }
    .into_any()
}
