//! Sell rate cards: the operator's list and generation form, a card's page (changes, rates,
//! publish) shared with customers, and the customer's "My rates".

use super::api::{
    CardPage, CardRow, CardsData, GenerateSellCard, MyRatesData, PublishSellCard, get_sell_card,
    list_sell_cards, my_rates,
};
use crate::features::reports::impact::{ImpactLink, ImpactPanel, ImpactResource, card_impact};
use crate::ui::fields::{Field, FormError, SelectField};
use crate::ui::page::{ErrorPanel, operator_base, query_string};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// Where card pages live in the current portal: `/customer/rates` or `/{admin|switch}/sell-cards`.
fn cards_base() -> String {
    if use_location()
        .pathname
        .get_untracked()
        .starts_with("/customer")
    {
        "/customer/rates".to_owned()
    } else {
        format!("{}/sell-cards", operator_base())
    }
}

fn status_badge(status: &str) -> impl IntoView + use<> {
    let (class, label) = match status {
        "published" => ("badge badge-ok", "Published"),
        "generated" => ("badge badge-warn", "To review"),
        "generating" => ("badge badge-warn", "Generating"),
        "failed" => ("badge badge-off", "Failed"),
        _ => ("badge badge-off", "Superseded"),
    };
    view! { <span class=class>{label}</span> }
}

const CARD_FIELDS: &[&str] = &[
    "tier_id",
    "category_id",
    "currency",
    "base",
    "base_n",
    "markup",
    "markup_value",
    "floor",
    "decimals",
    "increment",
    "notice_days",
    "effective_from",
];

/// Carriers > Sell rate cards.
#[component]
pub fn SellCardsPage() -> impl IntoView {
    let generate = ServerAction::<GenerateSellCard>::new();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || (generate.version().get(), tick.get()),
        |_| list_sell_cards(),
    );
    let busy = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Title text="Sell rate cards"/>
        <div class="page-head">
            <div>
                <div class="crumbs"><a href=format!("{}/carriers", operator_base())>"Carriers"</a>" / Sell rate cards"</div>
                <h1>"Sell rate cards"</h1>
            </div>
        </div>
        <p class="muted">"A card is what a customer category pays in a tier: every prefix the tier's carriers have in force, priced from their buy rates with your markup and rounded up. Review its changes, then publish it: the card before it is superseded and each customer of the category gets a rate notice."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading cards…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        let working = data.cards.iter().any(|c| c.status == "generating");
                        busy.set(working);
                        view! { <CardsView data generate working/> }.into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CardsView(
    data: CardsData,
    generate: ServerAction<GenerateSellCard>,
    working: bool,
) -> impl IntoView {
    let base = cards_base();
    let error = Signal::derive(move || generate.value().get().and_then(Result::err));
    let CardsData {
        cards,
        tiers,
        categories,
    } = data;
    let standard = tiers
        .iter()
        .find(|(_, n)| n == "Standard")
        .or(tiers.first())
        .map(|(i, _)| i.to_string())
        .unwrap_or_default();
    let mut category_options = vec![(String::new(), "All customers".to_owned())];
    category_options.extend(categories.iter().map(|(i, n)| (i.to_string(), n.clone())));
    view! {
        {working.then(|| view! { <noscript><Meta http_equiv="refresh" content="2"/></noscript> })}
        {if cards.is_empty() {
            view! { <p class="empty">"No sell card yet: generate the first one below."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="cards">
                    <thead><tr>
                        <th scope="col">"Card"</th><th scope="col">"Status"</th><th scope="col">"Effective from"</th>
                        <th scope="col" class="num">"Rates"</th><th scope="col">"Changes"</th><th scope="col">"Rule"</th>
                    </tr></thead>
                    <tbody>
                        {cards.into_iter().map(|c| view! {
                            <tr>
                                <td><a href=format!("{base}/{}", c.id)>{c.name.clone()}</a><br/><span class="muted">{c.currency.clone()}</span></td>
                                <td>{status_badge(&c.status)}</td>
                                <td>{c.effective_from.clone()}</td>
                                <td class="num">{c.rates}</td>
                                <td class="wrap">{if c.status == "failed" { c.message.clone() } else { c.changes.clone() }}</td>
                                <td class="wrap muted">{c.rule.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Generate a card"</h2>
        <ActionForm action=generate attr:id="card-form">
            <FormError error fields=CARD_FIELDS/>
            <div class="panel">
                <SelectField name="tier_id" label="Tier" selected=standard error
                    options=tiers.iter().map(|(i, n)| (i.to_string(), n.clone())).collect()
                    help="Its carriers' decks in force are the buy side; prefixes it blocks are left out."/>
                <SelectField name="category_id" label="Customer category" error options=category_options
                    help="The customers who get this card and its notice."/>
                <Field name="currency" label="Currency" value="USD" error help="Only decks in this currency are used."/>
                <SelectField name="base" label="Base buy rate" selected="lowest" error
                    options=vec![
                        ("lowest".to_owned(), "Lowest".to_owned()),
                        ("nth_lowest".to_owned(), "Nth lowest".to_owned()),
                        ("average".to_owned(), "Average of the N lowest".to_owned()),
                    ]/>
                <Field name="base_n" label="N" kind="number" value="2" error help="For Nth lowest and average."/>
                <SelectField name="markup" label="Markup" selected="percent" error
                    options=vec![
                        ("percent".to_owned(), "Percent of the buy rate".to_owned()),
                        ("fixed".to_owned(), "Fixed amount per minute".to_owned()),
                        ("target_margin".to_owned(), "Target margin (% of the sell rate)".to_owned()),
                    ]/>
                <Field name="markup_value" label="Markup amount" value="20" error help="20 means +20 %, +0.0020 per minute or a 20 % margin."/>
                <Field name="floor" label="Lowest sell rate per minute" error help="Optional."/>
                <Field name="decimals" label="Decimals" kind="number" value="4" error help="4 to 8; sell rates are rounded up."/>
                <Field name="increment" label="Increments" error help="Like 60/60 or 1/1; empty keeps each base carrier's."/>
                <Field name="notice_days" label="Notice period for increases (days)" kind="number" value="7" error/>
                <Field name="effective_from" label="Effective from (UTC)" kind="datetime-local" error help="Empty: now. Increases need the notice period."/>
                <button type="submit" class="btn btn-primary">"Generate card"</button>
            </div>
        </ActionForm>
    }
}

/// A card's page (operators: review and publish; customers: their rates).
#[component]
pub fn SellCardPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let publish = ServerAction::<PublishSellCard>::new();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0),
                query.read().get("prefix"),
                query.read().get("page").and_then(|p| p.parse::<u64>().ok()),
                (publish.version().get(), tick.get()),
            )
        },
        |(id, prefix, page, _)| get_sell_card(id, prefix, page),
    );
    let busy = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy.get_untracked() {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let impact: ImpactResource = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0),
                query.read().get("impact").is_some(),
            )
        },
        |(id, show)| async move {
            if show {
                card_impact(id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        busy.set(data.card.status == "generating");
                        view! { <CardView data publish/> }.into_any()
                    }
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
        <ImpactPanel impact/>
    }
}

#[component]
fn CardView(data: CardPage, publish: ServerAction<PublishSellCard>) -> impl IntoView {
    let base = cards_base();
    let query = use_query_map();
    let published = move || query.read().get("published");
    let error = Signal::derive(move || publish.value().get().and_then(Result::err));
    let CardPage {
        card,
        operator,
        rates,
        total,
        page,
    } = data;
    let id = card.id;
    let pages = total.div_ceil(50).max(1);
    let prefix = query.read_untracked().get("prefix").unwrap_or_default();
    let csv = format!("{base}/{id}/rates.csv");
    let title = format!("Sell card {}", card.name);
    let crumbs = if operator {
        view! { <div class="crumbs"><a href=base.clone()>"Sell rate cards"</a>" / "{card.name.clone()}</div> }.into_any()
    } else {
        view! { <div class="crumbs"><a href=base.clone()>"My rates"</a>" / "{card.name.clone()}</div> }.into_any()
    };
    let pager = move |n: u64| {
        format!(
            "{base}/{id}{}",
            query_string(
                &query.read_untracked(),
                &[("page", &n.to_string())],
                &["published"]
            )
        )
    };
    view! {
        <Title text=title/>
        {(card.status == "generating").then(|| view! { <noscript><Meta http_equiv="refresh" content="2"/></noscript> })}
        {crumbs}
        <div class="page-head">
            <h1>{card.name.clone()}" "{status_badge(&card.status)}</h1>
            <div class="head-actions"><a class="btn btn-secondary" href=csv download="">"Download CSV"</a></div>
        </div>
        <p class="muted">{format!("{} · effective from {} · {} rates", card.currency, card.effective_from, card.rates)}</p>
        {published().map(|n| view! { <div class="notice-ok" role="status">{format!("Card published; {n} customer notice(s) queued.")}</div> })}
        {operator.then(|| view! {
            <div class="panel" id="card-summary">
                <p>{format!("Rule: {}.", card.rule)}</p>
                <p>{format!("Created {}.", card.created)}</p>
                {card.published.clone().map(|p| view! { <p>{format!("Published {p}.")}</p> })}
                {(!card.changes.is_empty()).then(|| view! { <p>{format!("Against the card in force: {}.", card.changes)}</p> })}
                {(!card.message.is_empty()).then(|| view! {
                    <p class=if card.status == "failed" { "notice-error" } else { "muted" }>{card.message.clone()}</p>
                })}
                {(card.status == "generating").then(|| view! { <p>"Pricing… this page updates by itself."</p> })}
                {(card.status == "generated").then(|| view! {
                    <ActionForm action=publish attr:class="inline">
                        <FormError error fields=&["card", "effective_from"]/>
                        <input type="hidden" name="id" value=id/>
                        {(card.increases > 0).then(|| view! {
                            <p>{format!("{} rates go up: customers get {} days' notice before they apply.", card.increases, card.notice_days)}</p>
                        })}
                        <button type="submit" class="btn btn-primary">"Publish card"</button>
                    </ActionForm>
                    <ImpactLink/>
                })}
            </div>
        })}
        <form method="GET" action="" class="filters">
            <input type="search" name="prefix" placeholder="Prefix starts with…" aria-label="Search rates by prefix" value=prefix inputmode="numeric"/>
            <button type="submit" class="btn btn-secondary">"Search"</button>
        </form>
        <table class="data-table" id="card-rates">
            <thead><tr>
                <th scope="col">"Prefix"</th><th scope="col">"Destination"</th><th scope="col" class="num">"Rate / min"</th>
                <th scope="col">"Increments"</th><th scope="col" class="num">"Connection"</th>
                {operator.then(|| view! { <th scope="col" class="num">"Lowest buy"</th><th scope="col" class="num">"Carriers"</th> })}
                <th scope="col">"Change"</th>
            </tr></thead>
            <tbody>
                {rates.into_iter().map(|r| {
                    let change = if r.old_rate.is_empty() || r.change == "unchanged" { r.change.clone() } else { format!("{} (was {})", r.change, r.old_rate) };
                    view! {
                        <tr>
                            <td>{r.prefix}</td><td>{r.destination}</td><td class="num">{r.rate}</td><td>{r.increment}</td><td class="num">{r.connection_fee}</td>
                            {operator.then(|| view! { <td class="num">{r.base_rate.clone()}</td><td class="num">{r.carriers}</td> })}
                            <td>{change}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted">
            {format!("Page {page} of {pages} · {total} rates ")}
            {(page > 1).then(|| view! { <a href=pager(page - 1) class="pager-link">"Previous"</a> })}
            {(page < pages).then(|| view! { <a href=pager(page + 1) class="pager-link">"Next"</a> })}
        </p>
    }
}

/// Customer > My rates: the published cards of the customer's tiers and its rate notices.
#[component]
pub fn MyRatesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_rates());
    view! {
        <Title text="My rates"/>
        <div class="page-head"><h1>"My rates"</h1></div>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <MyRatesView data/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MyRatesView(data: MyRatesData) -> impl IntoView {
    let MyRatesData { cards, notices } = data;
    view! {
        {if cards.is_empty() {
            view! { <p class="empty">"No rate card is published for your account yet."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="my-cards">
                    <thead><tr><th scope="col">"Card"</th><th scope="col">"Effective from"</th><th scope="col" class="num">"Rates"</th><th scope="col"></th></tr></thead>
                    <tbody>
                        {cards.into_iter().map(|c: CardRow| view! {
                            <tr>
                                <td><a href=format!("/customer/rates/{}", c.id)>{c.name.clone()}</a><br/><span class="muted">{c.currency.clone()}</span></td>
                                <td>{c.effective_from.clone()}</td>
                                <td class="num">{c.rates}</td>
                                <td class="row-actions"><a class="btn btn-secondary btn-small" href=format!("/customer/rates/{}/rates.csv", c.id) download="">"Download CSV"</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Rate notices"</h2>
        {if notices.is_empty() {
            view! { <p class="empty">"No notice yet."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="notices">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Notice"</th><th scope="col">"E-mail"</th></tr></thead>
                    <tbody>
                        {notices.into_iter().map(|(at, summary, status)| view! {
                            <tr><td>{at}</td><td class="wrap">{summary}</td><td>{if status == "queued" { "queued (sent once e-mail is set up)".to_owned() } else { status }}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
