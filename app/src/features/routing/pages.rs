//! Routing: the tiers (table and form) and the LCR tester.

use super::api::{LcrResult, SaveTier, TierRow, TiersData, list_tiers, test_lcr};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::ErrorPanel;
use crate::ui::page::operator_base;
use domain::destinations::DestinationKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const STRATEGIES: [(&str, &str); 4] = [
    ("lowest_cost", "Lowest cost"),
    ("quality_weighted", "Quality weighted (ASR, ACD)"),
    ("priority", "Priority list"),
    ("percentage_split", "Percentage split"),
];

fn strategy_label(key: &str) -> &'static str {
    STRATEGIES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("Lowest cost", |(_, l)| *l)
}

/// Carriers > Routing tiers.
#[component]
pub fn TiersPage() -> impl IntoView {
    let save = ServerAction::<SaveTier>::new();
    let data = Resource::new(move || save.version().get(), |_| list_tiers());
    view! {
        <Title text="Routing tiers"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href=format!("{}/carriers", operator_base())>"Carriers"</a>" / Routing tiers"</div>
                <h1>"Routing tiers"</h1>
            </div>
            <div class="head-actions"><a href=format!("{}/lcr-tester", operator_base()) class="btn btn-secondary">"LCR tester"</a></div>
        </div>
        <p class="muted">"A tier (quality level) says which carriers carry its calls, in what order, when a failed attempt moves to the next route, what it never routes, and how margins are protected."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading tiers…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <TiersView data save/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TiersView(data: TiersData, save: ServerAction<SaveTier>) -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let base = operator_base();
    let TiersData {
        tiers,
        carriers,
        site_origin,
        ..
    } = data;
    let public: Vec<String> = tiers
        .iter()
        .filter(|t| t.public_rates)
        .map(|t| t.name.clone())
        .collect();
    let all = tiers.clone();
    let form = move || {
        let editing = query
            .read()
            .get("tier")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|id| all.iter().find(|t| t.id == id).cloned());
        view! { <TierForm editing carriers=carriers.clone() save/> }
    };
    view! {
        <Show when=saved><div class="notice-ok" role="status">"Tier saved."</div></Show>
        <table class="data-table" id="tiers">
            <thead><tr>
                <th scope="col">"Tier"</th><th scope="col">"Strategy"</th><th scope="col">"Carriers"</th>
                <th scope="col">"Blocked"</th><th scope="col">"Failover on"</th><th scope="col">"Margin protection"</th><th scope="col"></th>
            </tr></thead>
            <tbody>
                {tiers.into_iter().map(|t| {
                    let mut blocked: Vec<String> = t.blocked_kinds.iter()
                        .filter_map(|k| DestinationKind::parse(k).ok()).map(|k| k.label().to_owned()).collect();
                    if !t.blocked_prefixes.is_empty() { blocked.push(t.blocked_prefixes.clone()); }
                    let mut failover = Vec::new();
                    if t.next_on_5xx { failover.push("5xx".to_owned()); }
                    if !t.next_on.is_empty() { failover.push(t.next_on.clone()); }
                    if t.next_on_timeout { failover.push("timeout".to_owned()); }
                    view! {
                        <tr>
                            <td class="wrap"><strong>{t.name.clone()}</strong>{t.public_rates.then_some(" · public rates")}<br/><span class="muted">{t.description.clone()}</span></td>
                            <td>{strategy_label(&t.strategy)}</td>
                            <td>{t.carrier_names.clone()}</td>
                            <td>{if blocked.is_empty() { "–".to_owned() } else { blocked.join(", ") }}</td>
                            <td>{failover.join(", ")}</td>
                            <td class="wrap">{if t.margin_durations.is_empty() && !t.margin_acd { "rate per minute only".to_owned() } else {
                                format!("{} s{}{}", t.margin_durations, if t.margin_acd { " and the ACD" } else { "" }, if t.margin_exclude { ", losers excluded" } else { ", losers flagged" })
                            }}</td>
                            <td class="row-actions"><a class="btn btn-secondary btn-small" href=format!("{base}/routing?tier={}", t.id) aria-label=format!("Edit tier {}", t.name)>"Edit"</a></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <WidgetSnippet origin=site_origin public/>
        {form}
    }
}

/// How to put the price widget on the tenant's website: the two lines to paste, with this
/// portal's origin, and which tiers it shows.
#[component]
fn WidgetSnippet(origin: String, public: Vec<String>) -> impl IntoView {
    let snippet = format!(
        "<div data-didtron-rates><a href=\"{origin}/widget/\">Our call rates</a></div>\n<script src=\"{origin}/widget/embed.js\" async></script>"
    );
    view! {
        <section class="panel" id="price-widget" aria-labelledby="price-widget-title">
            <h2 id="price-widget-title">"Price widget for your website"</h2>
            {if public.is_empty() {
                view! { <p class="muted">"No tier publishes its rates yet: edit a tier and tick "<strong>"Website"</strong>" to show its card for all customers."</p> }.into_any()
            } else {
                view! { <p>"Visitors of your website can look up the rates of "<strong>{public.join(", ")}</strong>" (the card for all customers, in your brand colour). Paste these lines where the widget should appear; the link inside is what visitors without JavaScript see."</p> }.into_any()
            }}
            <pre class="snippet" id="widget-snippet"><code>{snippet}</code></pre>
            <p><a href=format!("{origin}/widget/") target="_blank" rel="noopener">"Preview the widget"</a></p>
        </section>
    }
}

const TIER_FIELDS: &[&str] = &[
    "name",
    "description",
    "strategy",
    "carriers",
    "priority",
    "split",
    "target_acd",
    "next_on",
    "stop_on",
    "blocked_prefixes",
    "blocked_kinds",
    "margin_durations",
    "id",
];

#[component]
fn TierForm(
    editing: Option<TierRow>,
    carriers: Vec<(i64, String)>,
    save: ServerAction<SaveTier>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let t = editing.clone().unwrap_or(TierRow {
        strategy: "lowest_cost".into(),
        next_on_5xx: true,
        next_on_timeout: true,
        next_on: "408".into(),
        margin_durations: "15, 60".into(),
        margin_exclude: true,
        ..Default::default()
    });
    let heading = editing
        .as_ref()
        .map_or("New tier".to_owned(), |t| format!("Edit tier {}", t.name));
    let id = editing
        .as_ref()
        .map(|t| t.id.to_string())
        .unwrap_or_default();
    view! {
        <h2>{heading}</h2>
        <ActionForm action=save attr:id="tier-form">
            <FormError error fields=TIER_FIELDS/>
            <input type="hidden" name="id" value=id/>
            <div class="panel">
                <Field name="name" label="Name" required=true value=t.name.clone() error/>
                <Field name="description" label="Description" value=t.description.clone() error/>
                <SelectField name="strategy" label="Strategy" selected=t.strategy.clone() error
                    options=STRATEGIES.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()
                    help="Lowest cost: cheapest first. Quality weighted: rate divided by ASR and ACD. Priority: your order. Split: the first carrier drawn by weight per call."/>
                <Field name="priority" label="Priority order" value=t.priority.clone() error help="Priority list: carrier names in order, comma-separated."/>
                <Field name="split" label="Split weights" value=t.split.clone() error help="Percentage split: like Northwind Voice=70, Contoso Telecom=30; the weights total 100."/>
                <Field name="target_acd" label="Target ACD (seconds)" kind="number" value=t.target_acd.clone() error help="Quality weighted: the ACD that earns full marks (default 60)."/>
                <fieldset class="scopes">
                    <legend><strong>"Carriers"</strong>" (none ticked: every carrier)"</legend>
                    {carriers.into_iter().enumerate().map(|(i, (cid, name))| {
                        let id = format!("tier-carrier-{cid}");
                        view! {
                            <div class="check">
                                <input type="checkbox" id=id.clone() name=format!("carriers[{i}]") value=cid checked=t.carriers.contains(&cid)/>
                                <label for=id>" "{name}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <fieldset class="scopes">
                    <legend><strong>"Failover"</strong></legend>
                    <div class="check"><input type="checkbox" id="f-5xx" name="next_on_5xx" value="on" checked=t.next_on_5xx/><label for="f-5xx">" Try the next route on any 5xx"</label></div>
                    <div class="check"><input type="checkbox" id="f-timeout" name="next_on_timeout" value="on" checked=t.next_on_timeout/><label for="f-timeout">" Try the next route on a timeout"</label></div>
                    <Field name="next_on" label="Also on these codes" value=t.next_on.clone() error help="Comma-separated, like 408. 404, 480, 486 and 603 always end the call: the callee answered."/>
                    <Field name="stop_on" label="Stop on these 5xx codes" value=t.stop_on.clone() error help="Comma-separated: codes a carrier uses for a final answer."/>
                </fieldset>
                <fieldset class="scopes">
                    <legend><strong>"Never route"</strong></legend>
                    {DestinationKind::ALL.into_iter().map(|k| {
                        let id = format!("kind-{}", k.as_str());
                        let i = DestinationKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
                        view! {
                            <div class="check">
                                <input type="checkbox" id=id.clone() name=format!("blocked_kinds[{i}]") value=k.as_str() checked=t.blocked_kinds.iter().any(|b| b == k.as_str())/>
                                <label for=id>" "{k.label()}" destinations"</label>
                            </div>
                        }
                    }).collect_view()}
                    <Field name="blocked_prefixes" label="Blocked prefixes" value=t.blocked_prefixes.clone() error help="Comma-separated, like 88213, 99199 (fraud-prone ranges)."/>
                </fieldset>
                <fieldset class="scopes">
                    <legend><strong>"Margin protection"</strong></legend>
                    <Field name="margin_durations" label="Check calls of (seconds)" value=t.margin_durations.clone() error help="Buy cost and sell price of calls this long, with both sides' increments and fees; empty compares rates per minute only."/>
                    <div class="check"><input type="checkbox" id="m-acd" name="margin_acd" value="on" checked=t.margin_acd/><label for="m-acd">" Also at the destination's ACD"</label></div>
                    <div class="check"><input type="checkbox" id="m-exclude" name="margin_exclude" value="on" checked=t.margin_exclude/><label for="m-exclude">" Exclude losing routes (else keep them, flagged)"</label></div>
                </fieldset>
                <fieldset class="scopes">
                    <legend><strong>"Website"</strong></legend>
                    <div class="check"><input type="checkbox" id="t-public" name="public_rates" value="on" checked=t.public_rates/><label for="t-public">" Publish this tier's rates (its card for all customers) on your website's price widget"</label></div>
                </fieldset>
                <button type="submit" class="btn btn-primary">{if editing.is_some() { "Save tier" } else { "Create tier" }}</button>
            </div>
        </ActionForm>
    }
}

/// Carriers > LCR tester.
#[component]
pub fn LcrTesterPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let tiers = Resource::new(|| (), |_| list_tiers());
    let result = Resource::new(
        move || {
            (
                param("number"),
                param("tier"),
                param("duration"),
                param("at"),
                param("customer"),
            )
        },
        |(number, tier, duration, at, customer)| async move {
            match number {
                Some(number) => Some(
                    test_lcr(
                        number,
                        tier.and_then(|t| t.parse::<i64>().ok()),
                        duration,
                        at,
                        customer.and_then(|c| c.parse::<i64>().ok()),
                    )
                    .await,
                ),
                None => None,
            }
        },
    );
    view! {
        <Title text="LCR tester"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href=format!("{}/carriers", operator_base())>"Carriers"</a>" / LCR tester"</div>
                <h1>"LCR tester"</h1>
            </div>
            <div class="head-actions"><a href=format!("{}/routing", operator_base()) class="btn btn-secondary">"Routing tiers"</a></div>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (tiers, customers) = tiers.await.map(|d| (d.tiers, d.customers)).unwrap_or_default();
                view! {
                    <Form method="GET" action="" attr:class="filters" attr:id="lcr-form">
                        <input type="text" name="number" placeholder="Number, like +44 20 7946 0000" aria-label="Number" required=true
                            value=move || param("number").unwrap_or_default()/>
                        <select name="tier" aria-label="Tier">
                            {tiers.into_iter().map(|t| {
                                let id = t.id.to_string();
                                let standard = t.name == "Standard";
                                let selected = { let id = id.clone(); move || param("tier").as_deref() == Some(id.as_str()) || (param("tier").is_none() && standard) };
                                view! { <option value=id selected=selected>{t.name}</option> }
                            }).collect_view()}
                        </select>
                        <input type="number" name="duration" min="0" placeholder="Seconds (60)" aria-label="Call duration in seconds"
                            value=move || param("duration").unwrap_or_default()/>
                        <input type="datetime-local" name="at" aria-label="When (UTC), now if empty" value=move || param("at").unwrap_or_default()/>
                        <select name="customer" aria-label="Customer (their sell rate and margin)">
                            <option value="">"No customer"</option>
                            {customers.into_iter().map(|(id, name)| {
                                let id = id.to_string();
                                let selected = { let id = id.clone(); move || param("customer").as_deref() == Some(id.as_str()) };
                                view! { <option value=id selected=selected>{name}</option> }
                            }).collect_view()}
                        </select>
                        <button type="submit" class="btn btn-primary">"Route"</button>
                    </Form>
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="empty">"Routing…"</p> }>
            {move || Suspend::new(async move {
                match result.await {
                    None => view! { <p class="empty">"Give a number and a tier: the carriers come back in the order the tier tries them, with every carrier left out and why."</p> }.into_any(),
                    Some(Ok(r)) => view! { <LcrResultView r/> }.into_any(),
                    Some(Err(err)) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LcrResultView(r: LcrResult) -> impl IntoView {
    let with_sell = r.sell.is_some();
    let summary = format!(
        "+{} · {} · tier {} · at {} · a {} s call",
        r.number,
        r.destination
            .clone()
            .unwrap_or_else(|| "no A-Z destination".to_owned()),
        r.tier,
        r.at,
        r.duration_secs
    );
    view! {
        <p id="lcr-summary"><strong>{summary}</strong></p>
        {r.sell.clone().map(|s| view! { <p id="lcr-sell">{s}</p> })}
        {if r.routes.is_empty() {
            view! { <div class="notice-error" role="alert">"No route: no carrier of this tier has a rate in force for this number (see the reasons below)."</div> }.into_any()
        } else {
            view! {
                <table class="data-table" id="routes">
                    <thead><tr><th scope="col" class="num">"#"</th><th scope="col">"Carrier"</th><th scope="col">"Prefix"</th><th scope="col">"Destination"</th>
                        <th scope="col" class="num">"Rate / min"</th><th scope="col">"Increments"</th><th scope="col" class="num">"Connection"</th><th scope="col" class="num">"Call cost"</th>{with_sell.then(|| view! { <th scope="col" class="num">"Margin / min"</th> })}<th scope="col">"Trunks"</th></tr></thead>
                    <tbody>
                        {r.routes.into_iter().enumerate().map(|(i, route)| view! {
                            <tr>
                                <td class="num">{i + 1}</td><td>{route.carrier}</td><td>{route.prefix}</td><td>{route.destination}</td>
                                <td class="num">{route.rate}</td><td>{route.increment}</td><td class="num">{route.connection_fee}</td><td class="num">{route.cost}</td>{with_sell.then(|| view! { <td class="num">{route.margin.clone()}</td> })}
                                <td><code>{route.trunks.join(" ")}</code>{(!route.flags.is_empty()).then(|| view! { <br/><span class="badge badge-warn">{route.flags.join("; ")}</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <p class="muted">{r.failover}</p>
        {(!r.excluded.is_empty()).then(|| view! {
            <h2>"Left out"</h2>
            <table class="data-table" id="excluded">
                <thead><tr><th scope="col">"Carrier"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>{r.excluded.into_iter().map(|(c, why)| view! { <tr><td>{c}</td><td class="wrap">{why}</td></tr> }).collect_view()}</tbody>
            </table>
        })}
        {(!r.without_deck.is_empty()).then(|| view! {
            <p class="muted">{format!("No deck in force at that time: {}.", r.without_deck.join(", "))}</p>
        })}
    }
}
