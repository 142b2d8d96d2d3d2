//! Carriers > Revenue & margin (Super Admin) and Voice > Usage (Customer).

use super::api::{MarginLine, MarginPage, UsagePage, margin_data, usage_data};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

/// Revenue, cost and margin of the rated calls of a period by carrier, customer or destination.
#[component]
pub fn MarginReportPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || (param("from"), param("to"), param("by")),
        |(from, to, by)| margin_data(from, to, by),
    );
    view! {
        <Title text="Revenue & margin"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href="/admin/carriers">"Carriers"</a>" / Revenue & margin"</div>
                <h1>"Revenue & margin"</h1>
            </div>
        </div>
        <p class="muted">"Rated calls of the period: what customers were charged (revenue), what carriers bill (cost) and the difference. Unrated and unpaid calls are not counted."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading the report…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <MarginView page/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn lines(rows: Vec<MarginLine>, strong: bool) -> impl IntoView {
    rows.into_iter()
        .map(|r| {
            let name = if strong {
                view! { <th scope="row">{r.name}</th> }.into_any()
            } else {
                view! { <td>{r.name}</td> }.into_any()
            };
            view! {
                <tr>
                    {name}
                    <td class="num">{r.calls}</td><td class="num">{r.minutes}</td>
                    <td class="num nowrap">{r.revenue}</td><td class="num nowrap">{r.cost}</td>
                    <td class="num nowrap" class:negative=r.loss>{r.margin}</td><td class="num">{r.margin_pct}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn MarginView(page: MarginPage) -> impl IntoView {
    let MarginPage {
        from,
        to,
        by,
        rows,
        totals,
        currency,
        chart_svg,
    } = page;
    let heading = match by.as_str() {
        "customer" => "Customer",
        "destination" => "Destination",
        _ => "Carrier",
    };
    view! {
        <Form method="GET" action="" attr:class="filters" attr:id="margin-filters">
            <label class="inline-label">"From "<input type="date" name="from" value=from/></label>
            <label class="inline-label">"To "<input type="date" name="to" value=to/></label>
            <select name="by" aria-label="Rows">
                {[("carrier", "By carrier"), ("customer", "By customer"), ("destination", "By destination")].into_iter().map(|(k, l)| {
                    view! { <option value=k selected=by == k>{l}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="btn btn-secondary btn-small">"Show"</button>
        </Form>
        {if rows.is_empty() {
            view! { <p class="empty">"No rated call in this period."</p> }.into_any()
        } else {
            view! {
                {(!chart_svg.is_empty()).then(|| view! {
                    <div class="margin-chart" role="img" aria-label=format!("Revenue (bars), cost (second bars) and margin (line) per day, in {currency}") inner_html=chart_svg></div>
                    <p class="muted chart-legend"><span class="key-revenue">"■ revenue"</span>" "<span class="key-cost">"■ cost"</span>" "<span class="key-margin">"— margin"</span>{format!(" per day, calls billed in {currency}")}</p>
                })}
                <div class="table-scroll">
                <table class="data-table" id="margins">
                    <thead><tr>
                        <th scope="col">{heading}</th><th scope="col" class="num">"Calls"</th><th scope="col" class="num">"Minutes"</th>
                        <th scope="col" class="num">"Revenue"</th><th scope="col" class="num">"Cost"</th>
                        <th scope="col" class="num">"Margin"</th><th scope="col" class="num">"Margin %"</th>
                    </tr></thead>
                    <tbody>{lines(rows, false)}</tbody>
                    <tfoot>{lines(totals, true)}</tfoot>
                </table>
                </div>
            }.into_any()
        }}
    }
}

/// Customer portal > Voice > Usage: what the customer's calls cost, per day and per destination.
#[component]
pub fn MyUsagePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let data = Resource::new(
        move || (param("from"), param("to")),
        |(from, to)| usage_data(from, to),
    );
    view! {
        <Title text="Usage"/>
        <div class="page-head"><h1>"Usage"</h1></div>
        <Transition fallback=|| view! { <p class="empty">"Loading your usage…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <UsageView page/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UsageView(page: UsagePage) -> impl IntoView {
    let UsagePage {
        from,
        to,
        currency,
        chart_svg,
        by_destination,
        total,
    } = page;
    view! {
        <Form method="GET" action="" attr:class="filters" attr:id="usage-filters">
            <label class="inline-label">"From "<input type="date" name="from" value=from/></label>
            <label class="inline-label">"To "<input type="date" name="to" value=to/></label>
            <button type="submit" class="btn btn-secondary btn-small">"Show"</button>
        </Form>
        {if by_destination.is_empty() {
            view! { <p class="empty">"No charged call in this period."</p> }.into_any()
        } else {
            view! {
                <div class="margin-chart" role="img" aria-label=format!("What your calls cost per day, in {currency}") inner_html=chart_svg></div>
                <p class="muted chart-legend"><span class="key-revenue">"■ spend"</span>{format!(" per day, in {currency}")}</p>
                <table class="data-table" id="usage">
                    <thead><tr>
                        <th scope="col">"Destination"</th><th scope="col" class="num">"Calls"</th><th scope="col" class="num">"Minutes"</th>
                        <th scope="col" class="num">{format!("Spend ({currency})")}</th><th scope="col" class="num">"Share"</th>
                    </tr></thead>
                    <tbody>
                        {by_destination.into_iter().map(|u| view! {
                            <tr><td>{u.label}</td><td class="num">{u.calls}</td><td class="num">{u.minutes}</td><td class="num">{u.spend}</td><td class="num">{u.share}</td></tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot>
                        <tr><th scope="row">{total.label}</th><td class="num">{total.calls}</td><td class="num">{total.minutes}</td><td class="num">{total.spend}</td><td class="num">{total.share}</td></tr>
                    </tfoot>
                </table>
            }.into_any()
        }}
    }
}
