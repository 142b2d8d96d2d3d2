//! The CDR pages: Carriers > CDRs for operators (upload, filters, unrated reasons) and
//! Voice > My calls for customers.

use super::api::{CdrFileRow, CdrPage, cdr_files, list_cdrs};
use crate::ui::page::{ErrorPanel, Pager, operator_base};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Operators: every CDR of the tenant, the CSV upload, and why calls are unrated or unpaid.
#[component]
pub fn CdrsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let data = calls();
    let base = operator_base();
    // While a file is being rated (CdrFiles says so), fetch the list again every second.
    let tick = RwSignal::new(0u32);
    let running = RwSignal::new(false);
    let files = Resource::new(move || tick.get(), |_| cdr_files());
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if running.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Title text="CDRs"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href=format!("{base}/carriers")>"Carriers"</a>" / CDRs"</div>
                <h1>"Call detail records"</h1>
            </div>
        </div>
        <p class="muted">"Each call is stored once per call id, rated against the carrier's deck in force and the customer's card of its tier, and charged to the customer's balance once. Switches send them to "<code>"POST /api/v1/cdrs"</code>" (see the API reference); a CSV file can be uploaded here."</p>
        {move || param("imported").map(|m| view! { <div class="notice-ok" role="status" id="cdr-import">{m}</div> })}
        {move || param("queued").map(|m| view! { <div class="notice-ok" role="status" id="cdr-queued">{m}</div> })}
        {move || param("import_error").map(|m| view! { <div class="notice-error" role="alert">{m}</div> })}
        <form method="post" action=format!("{base}/cdrs/import") enctype="multipart/form-data" class="panel upload" id="cdr-upload">
            <label for="cdr-file"><strong>"Upload a CDR file"</strong>" (CSV with a header row: call_id, start, answer, end, duration, a_number, b_number, carrier, customer, tier, sip_code, ring). Up to 10,000 lines are rated at once; a larger file (up to 256 MB) is rated in the background with its progress below."</label>
            <input id="cdr-file" type="file" name="file" accept=".csv,text/csv" required=true/>
            <button type="submit" class="btn btn-primary">"Upload CDRs"</button>
        </form>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match files.await {
                    Ok(rows) if rows.is_empty() => ().into_any(),
                    Ok(rows) => {
                        let busy = rows.iter().any(|f| matches!(f.status.as_str(), "queued" | "running"));
                        running.set(busy);
                        view! { <CdrFiles rows base busy/> }.into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
        <CdrTable data/>
    }
}

/// The CDR files rated in the background: state, progress bar while running, counts, and the
/// download of their problem lines.
#[component]
fn CdrFiles(rows: Vec<CdrFileRow>, base: &'static str, busy: bool) -> impl IntoView {
    view! {
        {busy.then(|| view! { <noscript><Meta http_equiv="refresh" content="2"/></noscript> })}
        <div class="panel">
            <h2>"CDR files"</h2>
            <div class="table-scroll">
            <table class="data-table" id="cdr-files">
                <thead><tr>
                    <th scope="col">"File"</th><th scope="col">"Uploaded"</th><th scope="col">"State"</th>
                    <th scope="col">"Outcome"</th><th scope="col">"Problem lines"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|f| {
                        let badge = match f.status.as_str() {
                            "done" => "badge badge-ok",
                            "failed" => "badge badge-off",
                            _ => "badge badge-warn",
                        };
                        let href = format!("{base}/cdrs/files/{}/problems.csv", f.id);
                        view! {
                            <tr>
                                <td>{f.file_name}</td>
                                <td class="nowrap">{f.uploaded}</td>
                                <td><span class=badge>{f.status.clone()}</span></td>
                                <td class="wrap">
                                    {f.progress.map(|(done, total)| view! {
                                        <progress max=total.max(1) value=done aria-label="Rating progress"></progress>
                                        " "{format!("{}% · ", done * 100 / total.max(1))}
                                    })}
                                    {f.summary}
                                </td>
                                <td class="num">
                                    {if f.problems > 0 {
                                        view! { <a href=href download="">{format!("{} (CSV)", f.problems)}</a> }.into_any()
                                    } else {
                                        view! { "0" }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </div>
    }
}

/// Customers: their own calls and what each cost.
#[component]
pub fn MyCallsPage() -> impl IntoView {
    let data = calls();
    view! {
        <Title text="My calls"/>
        <div class="page-head"><h1>"My calls"</h1></div>
        <CdrTable data/>
    }
}

/// The calls of the page's `status`, `q` and `page` query parameters. Created in the page
/// component itself, so that it hydrates with the page.
fn calls() -> Resource<Result<CdrPage, crate::error::AppError>> {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    Resource::new(
        move || {
            (
                param("status"),
                param("q"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(status, q, page)| list_cdrs(status, q, page),
    )
}

#[component]
fn CdrTable(data: Resource<Result<CdrPage, crate::error::AppError>>) -> impl IntoView {
    let query = use_query_map();
    let value = move |k: &str| query.read().get(k).unwrap_or_default();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:id="cdr-filters">
            <select name="status" aria-label="Status">
                {[("", "All calls"), ("rated", "Rated"), ("unpaid", "Unpaid"), ("unrated", "Unrated")].into_iter().map(|(k, l)| {
                    let selected = value("status") == k;
                    view! { <option value=k selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            <input type="search" name="q" placeholder="Call id or number" aria-label="Call id or number" value=value("q")/>
            <button type="submit" class="btn btn-secondary btn-small">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="empty">"Loading calls…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.rows.is_empty() => view! { <p class="empty">"No call matches."</p> }.into_any(),
                    Ok(page) => {
                        let operator = page.operator;
                        view! {
                            <div class="table-scroll">
                            <table class="data-table" id="cdrs">
                                <thead><tr>
                                    <th scope="col">"Start"</th><th scope="col">"Call"</th>
                                    {operator.then(|| view! { <th scope="col">"Customer"</th><th scope="col">"Carrier"</th> })}
                                    <th scope="col">"Number"</th><th scope="col">"Destination"</th>
                                    <th scope="col" class="num">"Seconds"</th><th scope="col" class="num">"Billed"</th>
                                    <th scope="col" class="num">"Price"</th>
                                    {operator.then(|| view! { <th scope="col" class="num">"Cost"</th> })}
                                    <th scope="col">"Status"</th>
                                </tr></thead>
                                <tbody>
                                    {page.rows.into_iter().map(|c| {
                                        let badge = match c.status.as_str() {
                                            "rated" => "badge badge-ok",
                                            "unpaid" => "badge badge-warn",
                                            _ => "badge badge-off",
                                        };
                                        view! {
                                            <tr>
                                                <td class="nowrap">{c.start}</td>
                                                <td>{c.call_id}</td>
                                                {operator.then(|| view! { <td>{c.customer.clone()}</td><td>{c.carrier.clone()}</td> })}
                                                <td class="nowrap">{c.number}</td>
                                                <td>{c.destination}</td>
                                                <td class="num">{c.duration}</td>
                                                <td class="num">{c.billed}</td>
                                                <td class="num nowrap">{c.price}</td>
                                                {operator.then(|| view! { <td class="num nowrap">{c.cost.clone()}</td> })}
                                                <td class="wrap"><span class=badge>{c.status.clone()}</span>
                                                    {(!c.reason.is_empty()).then(|| view! { <br/><span class="muted">{c.reason.clone()}</span> })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <Pager total=page.total page=page.page per_page=page.per_page/>
                        }.into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}
