//! The impact preview of a pending carrier deck or sell card (its server functions and the
//! panel the deck and card pages show under `?impact=1`).

use crate::error::AppError;
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A line of the impact: all calls, a destination or a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactRow {
    /// What it is.
    pub label: String,
    /// Calls priced again.
    pub calls: i64,
    /// Cost (or revenue) as charged.
    pub before: String,
    /// With the pending rates.
    pub after: String,
    /// After less before, signed (`+0.0100`).
    pub change: String,
    /// Margin as charged, or `–`.
    pub margin_before: String,
    /// Margin with the pending rates, or `–`.
    pub margin_after: String,
    /// Whether the margin after is below zero.
    pub loss: bool,
}

/// The impact as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactView {
    /// `Cost` (a deck) or `Revenue` (a card).
    pub side: String,
    /// Its currency.
    pub currency: String,
    /// The first day priced again, `YYYY-MM-DD`.
    pub since: String,
    /// All calls.
    pub total: ImpactRow,
    /// Calls its rates do not price.
    pub unpriced: i64,
    /// Calls charged in another currency.
    pub other_currency: i64,
    /// Per destination.
    pub by_destination: Vec<ImpactRow>,
    /// Per customer.
    pub by_customer: Vec<ImpactRow>,
}

#[cfg(feature = "ssr")]
fn view_of(i: services::cdrs::impact::Impact) -> ImpactView {
    use services::cdrs::impact::{ImpactLine, Side};
    let decimals =
        services::cdrs::AMOUNT_DECIMALS.max(services::ledger::currency_decimals(&i.currency));
    let money = |m: i64| domain::ledger::display(m, decimals);
    let signed = |m: i64| {
        if m > 0 {
            format!("+{}", money(m))
        } else {
            money(m)
        }
    };
    let row = |l: &ImpactLine| ImpactRow {
        label: l.label.clone(),
        calls: l.calls,
        before: money(l.before),
        after: money(l.after),
        change: signed(l.after - l.before),
        margin_before: l.margin_before.map_or_else(|| "–".to_owned(), money),
        margin_after: l.margin_after.map_or_else(|| "–".to_owned(), money),
        loss: l.margin_after.is_some_and(|m| m < 0),
    };
    ImpactView {
        side: match i.side {
            Side::Cost => "Cost",
            Side::Revenue => "Revenue",
        }
        .to_owned(),
        since: i.since.format("%Y-%m-%d").to_string(),
        total: row(&i.total),
        unpriced: i.unpriced,
        other_currency: i.other_currency,
        by_destination: i.by_destination.iter().take(50).map(row).collect(),
        by_customer: i.by_customer.iter().take(50).map(row).collect(),
        currency: i.currency,
    }
}

/// The impact of deck `deck_id` of carrier `carrier_id` on the last 30 days of calls.
///
/// # Errors
/// `Validation{deck}` when it is not pending; `NotFound`; `Forbidden` for carrier users.
#[server(endpoint = "deck_impact")]
pub async fn deck_impact(carrier_id: i64, deck_id: i64) -> Result<ImpactView, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let svc = services()?;
    let me = signed_in().await?;
    let actor = me.actor();
    if !services::carriers::manages_carriers(actor.role) {
        return Err(fail(services::ServiceError::Forbidden));
    }
    services::cdrs::impact::deck_impact(&svc.db, &actor, carrier_id, deck_id)
        .await
        .map(view_of)
        .map_err(fail)
}

/// The impact of sell card `card_id` on the last 30 days of calls.
///
/// # Errors
/// `Validation{card}` when it is not pending; `NotFound`; `Forbidden`.
#[server(endpoint = "card_impact")]
pub async fn card_impact(card_id: i64) -> Result<ImpactView, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let svc = services()?;
    let me = signed_in().await?;
    services::cdrs::impact::card_impact(&svc.db, &me.actor(), card_id)
        .await
        .map(view_of)
        .map_err(fail)
}

/// A resource of an impact, loaded only while the page's query asks for it (`?impact=1`).
pub type ImpactResource = Resource<Result<Option<ImpactView>, AppError>>;

/// The link that asks for the impact.
#[component]
pub fn ImpactLink() -> impl IntoView {
    view! {
        <p><a class="btn btn-secondary" href="?impact=1#impact">"Preview the impact on the last 30 days of calls"</a></p>
    }
}

fn table(
    id: &'static str,
    heading: &'static str,
    side: &str,
    rows: Vec<ImpactRow>,
) -> impl IntoView {
    view! {
        <table class="data-table" id=id>
            <thead><tr>
                <th scope="col">{heading}</th><th scope="col" class="num">"Calls"</th>
                <th scope="col" class="num">{format!("{side} now")}</th><th scope="col" class="num">{format!("{side} with these rates")}</th>
                <th scope="col" class="num">"Change"</th><th scope="col" class="num">"Margin now"</th><th scope="col" class="num">"Margin with these rates"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.label}</td><td class="num">{r.calls}</td>
                        <td class="num nowrap">{r.before}</td><td class="num nowrap">{r.after}</td>
                        <td class="num nowrap">{r.change}</td><td class="num nowrap">{r.margin_before}</td>
                        <td class="num nowrap" class:negative=r.loss>{r.margin_after}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The impact, when asked for: totals, then per destination and per customer.
#[component]
pub fn ImpactPanel(impact: ImpactResource) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="empty">"Pricing the last 30 days of calls…"</p> }>
            {move || Suspend::new(async move {
                match impact.await {
                    Ok(None) => ().into_any(),
                    Ok(Some(i)) => {
                        let side = i.side.clone();
                        let note = format!(
                            "The rated calls since {} priced again with these rates, in {}{}{}.",
                            i.since,
                            i.currency,
                            if i.unpriced > 0 { format!("; {} call(s) these rates do not price are left out", i.unpriced) } else { String::new() },
                            if i.other_currency > 0 { format!("; {} call(s) charged in another currency are left out", i.other_currency) } else { String::new() },
                        );
                        view! {
                            <section class="panel" id="impact">
                                <h2>"Impact on the last 30 days"</h2>
                                <p class="muted">{note}</p>
                                {table("impact-total", "Traffic", &side, vec![i.total])}
                                {(!i.by_destination.is_empty()).then(|| view! {
                                    <h3>"Per destination"</h3>
                                    {table("impact-destinations", "Destination", &side, i.by_destination)}
                                    <h3>"Per customer"</h3>
                                    {table("impact-customers", "Customer", &side, i.by_customer)}
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(err) => view! { <div id="impact"><ErrorPanel err/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}
