//! The CDR pages: Carriers > CDRs for operators (upload, filters, unrated reasons) and
//! Voice > My calls for customers.

use super::api::{CdrPage, list_cdrs};
use crate::ui::page::{ErrorPanel, Pager, operator_base};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Operators: every CDR of the tenant, the CSV upload, and why calls are unrated or unpaid.
#[component]
pub fn CdrsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let data = calls();
    let base = operator_base();
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
        {move || param("import_error").map(|m| view! { <div class="notice-error" role="alert">{m}</div> })}
        <form method="post" action=format!("{base}/cdrs/import") enctype="multipart/form-data" class="panel upload" id="cdr-upload">
            <label for="cdr-file"><strong>"Upload a CDR file"</strong>" (CSV with a header row: call_id, start, answer, end, duration, a_number, b_number, carrier, customer, tier, sip_code, ring; up to 10,000 lines)"</label>
            <input id="cdr-file" type="file" name="file" accept=".csv,text/csv" required=true/>
            <button type="submit" class="btn btn-primary">"Upload CDRs"</button>
        </form>
        <CdrTable data/>
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
