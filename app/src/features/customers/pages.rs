//! The customer pages: list, new, detail.

use super::api::{
    SaveCustomer, get_customer, list_category_options, list_customers, new_customer_form,
};
use super::dto::{CategoryOption, CustomerDetail, CustomerForm, CustomerPage};
use crate::features::ledger::pages::{Ledger, LedgerPanel};
use crate::features::users::api::AddPortalUser;
use crate::features::users::pages::portal_users::PortalUsers;
use crate::ui::dock::{ActionDock, DockedForm};
use crate::ui::fields::{Field, FormError, SelectField, TextAreaField};
use crate::ui::page::{ActivityTable, ContentTabs, ErrorPanel, Pager, query_string};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

const STATUSES: [(&str, &str); 3] = [
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("closed", "Closed"),
];

fn status_badge(status: &str) -> impl IntoView + use<> {
    let class = match status {
        "active" => "badge badge-ok",
        "suspended" => "badge badge-warn",
        _ => "badge badge-off",
    };
    let label = STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or(status.to_owned(), |(_, l)| (*l).to_owned());
    view! { <span class=class>{label}</span> }
}

/// Super Admin > Customers: search, status/category/group filters, sortable columns, pages, CSV.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let customers = Resource::new(
        move || {
            (
                param("q"),
                param("status"),
                param("category"),
                param("group"),
                param("sort"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(q, status, category, group, sort, page)| {
            list_customers(q, status, category, group, sort, page)
        },
    );
    let options = Resource::new(|| (), |_| list_category_options());
    let sort_link = move |key: &'static str, label: &'static str| {
        let href = move || query_string(&query.read(), &[("sort", key)], &["page"]);
        let current =
            move || (param("sort").as_deref().unwrap_or("company") == key).then_some(" ▾");
        view! { <a href=href>{label}{current}</a> }
    };
    let export = move || {
        format!(
            "/admin/customers/export.csv{}",
            query_string(&query.read(), &[], &["page"])
        )
    };
    view! {
        <Title text="Customers"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"Customers"</div>
                <h1>"Customers"</h1>
            </div>
            <div class="head-actions">
                <a href=export class="btn btn-secondary" download="customers.csv">"Export CSV"</a>
                <a href="/admin/customers/new" class="btn btn-primary">"New customer"</a>
            </div>
        </div>
        <Form method="GET" action="" attr:class="filters">
            <input type="search" name="q" placeholder="Search company, contact or e-mail" aria-label="Search customers"
                value=move || param("q").unwrap_or_default()/>
            <select name="status" aria-label="Status">
                <option value="">"All statuses"</option>
                {STATUSES.into_iter().map(|(k, l)| view! { <option value=k selected=move || param("status").as_deref() == Some(k)>{l}</option> }).collect_view()}
            </select>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let opts = options.await.unwrap_or_default();
                    view! { <CategoryFilters opts/> }
                })}
            </Suspense>
            <input type="hidden" name="sort" value=move || param("sort").unwrap_or_default()/>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading customers…"</p> }>
            {move || Suspend::new(async move {
                match customers.await {
                    Ok(page) => view! { <CustomersTable page sort_link/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CategoryFilters(opts: Vec<CategoryOption>) -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let groups: Vec<(i64, String)> = opts
        .iter()
        .flat_map(|c| {
            c.groups
                .iter()
                .map(move |(id, g)| (*id, format!("{} › {g}", c.name)))
        })
        .collect();
    view! {
        <select name="category" aria-label="Category">
            <option value="">"All categories"</option>
            {opts.into_iter().map(|c| {
                let id = c.id.to_string();
                let selected = { let id = id.clone(); move || param("category").as_deref() == Some(id.as_str()) };
                view! { <option value=id selected=selected>{c.name}</option> }
            }).collect_view()}
        </select>
        <select name="group" aria-label="Group">
            <option value="">"All groups"</option>
            {groups.into_iter().map(|(id, name)| {
                let id = id.to_string();
                let selected = { let id = id.clone(); move || param("group").as_deref() == Some(id.as_str()) };
                view! { <option value=id selected=selected>{name}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn CustomersTable<F, V>(page: CustomerPage, sort_link: F) -> impl IntoView
where
    F: Fn(&'static str, &'static str) -> V + Copy + Send + 'static,
    V: IntoView + 'static,
{
    if page.rows.is_empty() {
        return view! {
            <p class="empty">"No customer matches these filters. Clear the search, or "<a href="/admin/customers/new">"add a customer"</a>"."</p>
        }
        .into_any();
    }
    view! {
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col">{sort_link("company", "Company")}</th>
                    <th scope="col">"Contact"</th>
                    <th scope="col">"Category"</th>
                    <th scope="col">"Billing"</th>
                    <th scope="col" class="num">"Credit limit"</th>
                    <th scope="col">{sort_link("status", "Status")}</th>
                    <th scope="col">{sort_link("newest", "Created")}</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|c| view! {
                    <tr>
                        <td><a href=format!("/admin/customers/{}", c.id)>{c.company_name}</a></td>
                        <td>{c.contact_name}<br/><span class="muted">{c.contact_email}</span></td>
                        <td>{match (c.category, c.group) {
                            (Some(cat), Some(g)) => format!("{cat} › {g}"),
                            (Some(cat), None) => cat,
                            _ => "–".to_owned(),
                        }}</td>
                        <td>{format!("{} · {}", c.billing_currency, c.billing_type)}</td>
                        <td class="num">{c.credit_limit}</td>
                        <td>{status_badge(&c.status)}</td>
                        <td>{c.created_at}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total page=page.page per_page=page.per_page/>
    }
    .into_any()
}

const FORM_FIELDS: &[&str] = &[
    "company_name",
    "contact_name",
    "contact_email",
    "contact_phone",
    "billing_email",
    "billing_currency",
    "billing_type",
    "credit_limit",
    "status",
    "category_id",
    "group_id",
    "notes",
];

/// The customer form for a new (`id` None) or an existing customer. An existing one is split in
/// General and Billing content tabs (`tab`; each tab's Save keeps the other's stored values); a
/// new one shows both sections on one page, so it can be filled in one go without JavaScript.
#[component]
fn CustomerEditor(
    id: Option<i64>,
    form: CustomerForm,
    categories: Vec<CategoryOption>,
    #[prop(into)] tab: Signal<String>,
) -> impl IntoView {
    let tabbed = id.is_some();
    let save = ServerAction::<SaveCustomer>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let mut category_options = vec![(String::new(), "No category".to_owned())];
    category_options.extend(
        categories
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone())),
    );
    let mut group_options = vec![(String::new(), "No group".to_owned())];
    group_options.extend(categories.iter().flat_map(|c| {
        c.groups
            .iter()
            .map(move |(id, g)| (id.to_string(), format!("{} › {g}", c.name)))
    }));
    let cancel = id.map_or("/admin/customers".to_owned(), |id| {
        format!("/admin/customers/{id}")
    });
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let general_hidden = move || tabbed && !matches!(tab.get().as_str(), "" | "general");
    let billing_hidden = move || tabbed && tab.get() != "billing";
    view! {
        <DockedForm saved=Signal::derive(move || save.version().get())>
            <ActionForm action=save>
                <FormError error fields=FORM_FIELDS/>
                <input type="hidden" name="id" value=opt(id)/>
                <div class="panel form-section" hidden=general_hidden>
                    <h2 class:form-section-title=tabbed>"General"</h2>
                    <Field name="company_name" label="Company" required=true value=form.company_name error/>
                    <Field name="contact_name" label="Contact name" value=form.contact_name error/>
                    <Field name="contact_email" label="Contact e-mail" kind="email" required=true value=form.contact_email error/>
                    <Field name="contact_phone" label="Contact phone" kind="tel" value=form.contact_phone error help="Digits, spaces and + - ( ) only."/>
                    <SelectField name="status" label="Status" selected=form.status error
                        options=STATUSES.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()
                        help="Suspended customers cannot place calls; closed accounts are kept for their history."/>
                    <SelectField name="category_id" label="Category" selected=opt(form.category_id) options=category_options error/>
                    <SelectField name="group_id" label="Group" selected=opt(form.group_id) options=group_options error
                        help="Choosing a group also sets its category. Features and markups follow the category and group."/>
                    <TextAreaField name="notes" label="Internal notes" value=form.notes error/>
                </div>
                <div class="panel form-section" hidden=billing_hidden>
                    <h2 class:form-section-title=tabbed>"Billing"</h2>
                    <Field name="billing_currency" label="Billing currency" required=true value=form.billing_currency error
                        help="ISO 4217 code, like USD or EUR. Balances, rates and invoices use it."/>
                    <SelectField name="billing_type" label="Billing type" selected=form.billing_type error
                        options=vec![("prepaid".into(), "Prepaid".into()), ("postpaid".into(), "Postpaid".into())]
                        help="Pay-as-you-go: prepaid accounts stop at zero balance minus the credit limit."/>
                    <Field name="credit_limit" label="Credit limit" value=form.credit_limit error
                        help="How far below zero the balance may go, in the billing currency (e.g. 100 or 99.50)."/>
                    <Field name="billing_email" label="Invoice e-mail" kind="email" value=form.billing_email error help="Optional; invoices go to the contact otherwise."/>
                </div>
                <ActionDock save_label=if id.is_some() { "Save customer" } else { "Create customer" } cancel_href=cancel pending=save.pending()/>
            </ActionForm>
        </DockedForm>
    }
}

fn current_tab() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || {
        query
            .read()
            .get("tab")
            .unwrap_or_else(|| "general".to_owned())
    })
}

/// Super Admin > Customers > New customer.
#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| new_customer_form());
    let tab = current_tab();
    view! {
        <Title text="New customer"/>
        <div class="crumbs"><a href="/admin/customers">"Customers"</a>" / New"</div>
        <h1>"New customer"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((form, categories)) => view! { <CustomerEditor id=None form categories tab/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Super Admin > Customers > one customer: General, Billing, Users, Features, Activity.
#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let add_user = ServerAction::<AddPortalUser>::new();
    let detail = Resource::new(
        move || (id(), add_user.version().get()),
        |(id, _)| get_customer(id),
    );
    let tab = current_tab();
    let ledger = Ledger::new(move || Some(id()));
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <CustomerView detail tab add_user ledger/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CustomerView(
    detail: CustomerDetail,
    tab: Signal<String>,
    add_user: ServerAction<AddPortalUser>,
    ledger: Ledger,
) -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let CustomerDetail {
        id,
        form,
        placement,
        users,
        features,
        activity,
        categories,
    } = detail;
    let title = format!("{} · Customers", form.company_name);
    let name = form.company_name.clone();
    let status = form.status.clone();
    let users_view = view! { <PortalUsers users owner="customer" owner_id=id action=add_user/> };
    let features_view = view! {
        <div class="panel">
            <p>"Features come from assignments to all customers, to the category and group ("{placement.clone()}"), or to this customer by name. "
               <a href="/admin/features">"Manage feature assignments"</a>"."</p>
            {if features.is_empty() {
                view! { <p class="empty">"This customer has no feature yet: its portal shows only the dashboard."</p> }.into_any()
            } else {
                view! { <ul class="chips">{features.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> }.into_any()
            }}
        </div>
    };
    view! {
        <Title text=title/>
        <div class="crumbs"><a href="/admin/customers">"Customers"</a>" / "{name.clone()}</div>
        <div class="page-head">
            <h1>{name}" "{status_badge(&status)}</h1>
            <span class="muted">{placement}</span>
        </div>
        <Show when=saved><div class="notice-ok" role="status">"Customer saved."</div></Show>
        <ContentTabs tabs=&[("general", "General"), ("billing", "Billing"), ("balance", "Balance"), ("users", "Users"), ("features", "Features"), ("activity", "Activity")] current=tab/>
        <div hidden=move || !matches!(tab.get().as_str(), "general" | "billing")>
            <CustomerEditor id=Some(id) form categories tab/>
        </div>
        <div hidden=move || tab.get() != "balance"><LedgerPanel ledger tab="balance"/></div>
        <div hidden=move || tab.get() != "users">{users_view}</div>
        <div hidden=move || tab.get() != "features">{features_view}</div>
        <div hidden=move || tab.get() != "activity"><ActivityTable rows=activity/></div>
    }
}
