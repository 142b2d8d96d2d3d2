use super::api::{AuditPage, list_audit};
use crate::ui::page::{ErrorPanel, Pager, query_string};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Super Admin > Platform > Audit log.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let entries = Resource::new(
        move || {
            (
                [
                    param("actor"),
                    param("action"),
                    param("entity"),
                    param("entity_id"),
                    param("from"),
                    param("to"),
                    param("all"),
                ],
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |([actor, action, entity, entity_id, from, to, all], page)| {
            list_audit(actor, action, entity, entity_id, from, to, all, page)
        },
    );
    let export = move || {
        format!(
            "/admin/audit/export.csv{}",
            query_string(&query.read(), &[], &["page"])
        )
    };
    let input = move |name: &'static str, label: &'static str, kind: &'static str| {
        view! {
            <input type=kind name=name placeholder=label aria-label=label title=label value=move || param(name).unwrap_or_default()/>
        }
    };
    view! {
        <Title text="Audit log"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"Platform"</div>
                <h1>"Audit log"</h1>
            </div>
            <a href=export class="btn btn-secondary" download="audit-log.csv">"Export CSV"</a>
        </div>
        <Form method="GET" action="" attr:class="filters">
            {input("actor", "Who (e-mail)", "search")}
            {input("action", "Action, e.g. update", "text")}
            {input("entity", "Entity, e.g. customer", "text")}
            {input("entity_id", "Entity id", "text")}
            <label class="inline-label">"From "{input("from", "From (YYYY-MM-DD)", "date")}</label>
            <label class="inline-label">"To "{input("to", "To (YYYY-MM-DD)", "date")}</label>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
            <a href="/admin/audit" class="btn btn-ghost">"Clear"</a>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => view! { <AuditTable page/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    let query = use_query_map();
    let widened = query
        .read_untracked()
        .get("all")
        .is_some_and(|a| !a.is_empty());
    let widen = page.may_widen.then(|| {
        let href = if widened {
            query_string(&query.read_untracked(), &[], &["all", "page"])
        } else {
            query_string(&query.read_untracked(), &[("all", "1")], &["page"])
        };
        let label = if widened {
            "Show this tenant only"
        } else {
            "Show every tenant"
        };
        view! { <p><a href=format!("/admin/audit{href}")>{label}</a></p> }
    });
    if page.rows.is_empty() {
        return view! { {widen}<p class="empty">"No entry matches these filters. Widen the dates or clear the filters."</p> }.into_any();
    }
    view! {
        {widen}
        <table class="data-table audit">
            <thead>
                <tr>
                    <th scope="col">"When (UTC)"</th>
                    {widened.then(|| view! { <th scope="col">"Tenant"</th> })}
                    <th scope="col">"Who"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"On"</th>
                    <th scope="col">"Changes"</th>
                    <th scope="col">"From"</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|r| view! {
                    <tr>
                        <td class="nowrap">{r.at}</td>
                        {widened.then(|| view! { <td>{r.tenant_id}</td> })}
                        <td>{r.actor}</td>
                        <td>{r.action}</td>
                        <td>{format!("{} {}", r.entity, r.entity_id)}</td>
                        <td class="changes">{r.changes}</td>
                        <td><span title=r.user_agent>{r.ip}</span></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total page=page.page per_page=page.per_page/>
    }
    .into_any()
}
