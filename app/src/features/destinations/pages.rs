//! A-Z destinations: counts per type, search, the table, and the import form.

use super::api::{DestinationPage, list_destinations};
use crate::ui::page::{ErrorPanel, Pager, operator_base, query_string};
use domain::destinations::DestinationKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Carriers > A-Z destinations.
#[component]
pub fn DestinationsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let base = operator_base();
    let data = Resource::new(
        move || {
            (
                param("q"),
                param("kind"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(q, kind, page)| list_destinations(q, kind, page),
    );
    view! {
        <Title text="A-Z destinations"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href=format!("{base}/carriers")>"Carriers"</a>" / A-Z destinations"</div>
                <h1>"A-Z destinations"</h1>
            </div>
        </div>
        <p class="muted">"Every carrier's rates are named and grouped by these entries (longest prefix wins), and routing plans can block a type. Seeded from the ITU-T E.164 numbering plan (libphonenumber); an A-Z file adds mobile, premium and other ranges."</p>
        {move || param("imported").map(|n| view! {
            <div class="notice-ok" role="status">{format!("{n} entries imported.")}</div>
        })}
        {move || param("import_error").map(|m| view! { <div class="notice-error" role="alert">{m}</div> })}
        <Form method="GET" action="" attr:class="filters">
            <input type="search" name="q" placeholder="Prefix, country or name" aria-label="Search destinations"
                value=move || param("q").unwrap_or_default()/>
            <select name="kind" aria-label="Type">
                <option value="">"All types"</option>
                {DestinationKind::ALL.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=move || param("kind").as_deref() == Some(k.as_str())>{k.label()}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading destinations…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <DestinationsTable page/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DestinationsTable(page: DestinationPage) -> impl IntoView {
    let query = use_query_map();
    let kind_link = move |kind: &str| {
        query_string(
            &query.read_untracked(),
            &[("kind", kind)],
            &["page", "imported", "import_error"],
        )
    };
    let can_import = page.can_import;
    view! {
        <ul class="chips" id="kind-counts">
            {page.counts.into_iter().map(|(key, label, n)| {
                let href = kind_link(&key);
                view! { <li><a href=href>{format!("{label}: {n}")}</a></li> }
            }).collect_view()}
        </ul>
        {if page.rows.is_empty() {
            view! { <p class="empty">"No destination matches. Clear the search or the type."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="destinations">
                    <thead><tr>
                        <th scope="col">"Prefix"</th><th scope="col">"Destination"</th><th scope="col">"Country"</th>
                        <th scope="col">"Region"</th><th scope="col">"Type"</th><th scope="col">"Source"</th>
                    </tr></thead>
                    <tbody>
                        {page.rows.into_iter().map(|d| view! {
                            <tr>
                                <td>{d.prefix}</td><td>{d.name}</td><td>{d.country}</td><td>{d.region}</td>
                                <td><span class=format!("badge kind-{}", d.kind)>{d.kind_label}</span></td>
                                <td class="muted">{d.source}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager total=page.total page=page.page per_page=page.per_page/>
            }.into_any()
        }}
        {can_import.then(|| view! {
            <h2>"Import an A-Z file"</h2>
            <form method="post" action="/admin/destinations/import" enctype="multipart/form-data" class="panel" id="az-import">
                <div class="field">
                    <label for="az-file"><strong>"A-Z file (CSV)"</strong></label>
                    <input id="az-file" type="file" name="file" required=true accept=".csv,.txt"/>
                    <p class="muted">"A header with prefix, country, destination and type (fixed, mobile, toll-free, premium, satellite, special; region optional). Each row adds or replaces the entry of its prefix; bad rows are listed by line and the others kept."</p>
                </div>
                <button type="submit" class="btn btn-primary">"Import"</button>
            </form>
        })}
    }
}
