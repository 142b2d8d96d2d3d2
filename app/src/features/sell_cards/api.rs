use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A card as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRow {
    /// Id.
    pub id: i64,
    /// `Standard · Wholesale` (tier and category, or all customers).
    pub name: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The rule in words.
    pub rule: String,
    /// `generating`, `generated`, `failed`, `published`, `superseded`.
    pub status: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub effective_from: String,
    /// Rates in it.
    pub rates: i64,
    /// `12 new, 3 up, 1 down, 200 unchanged, 0 withdrawn` once generated.
    pub changes: String,
    /// Increases in it.
    pub increases: usize,
    /// Notice period in days.
    pub notice_days: i32,
    /// Why it failed, or what was left out.
    pub message: String,
    /// `2026-11-30 07:00 UTC by someone`.
    pub created: String,
    /// `2026-11-30 07:10 UTC by someone`, once published.
    pub published: Option<String>,
}

/// The operator's cards page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardsData {
    /// Cards, newest first.
    pub cards: Vec<CardRow>,
    /// Tiers: (id, name).
    pub tiers: Vec<(i64, String)>,
    /// Customer categories: (id, name).
    pub categories: Vec<(i64, String)>,
}

/// A rate of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRate {
    /// Prefix.
    pub prefix: String,
    /// Destination.
    pub destination: String,
    /// Sell rate per minute.
    pub rate: String,
    /// Increments, `60/60`.
    pub increment: String,
    /// Connection fee.
    pub connection_fee: String,
    /// Lowest buy rate (operators only; empty for customers).
    pub base_rate: String,
    /// Carriers offering it (operators only).
    pub carriers: i32,
    /// `new`, `increased`, `decreased`, `unchanged`.
    pub change: String,
    /// The rate before, if it changed.
    pub old_rate: String,
}

/// A card's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPage {
    /// The card.
    pub card: CardRow,
    /// Whether the viewer runs the card (sees buy rates and may publish).
    pub operator: bool,
    /// A page of rates.
    pub rates: Vec<CardRate>,
    /// Rates matching the search.
    pub total: u64,
    /// The page shown.
    pub page: u64,
}

/// The customer's rates page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRatesData {
    /// Published cards the customer may use.
    pub cards: Vec<CardRow>,
    /// Rate notices: (date, summary, status).
    pub notices: Vec<(String, String, String)>,
}

#[cfg(feature = "ssr")]
pub(crate) mod convert {
    use super::CardRow;
    use crate::features::users::api::convert::time;
    use services::entities::sell_cards as cards;

    pub fn card(c: &cards::Model, tier: &str, category: Option<&str>) -> CardRow {
        let report = services::sell_cards::report_of(c);
        let generated = matches!(c.status.as_str(), "generated" | "published" | "superseded");
        CardRow {
            id: c.id,
            name: format!("{tier} · {}", category.unwrap_or("all customers")),
            currency: c.currency.clone(),
            rule: services::sell_cards::describe_rule(c),
            status: c.status.clone(),
            effective_from: time(c.effective_from),
            rates: c.row_count,
            changes: if generated {
                format!(
                    "{} new, {} up, {} down, {} unchanged, {} withdrawn",
                    report.new,
                    report.increased,
                    report.decreased,
                    report.unchanged,
                    report.removed
                )
            } else {
                String::new()
            },
            increases: report.increased,
            notice_days: c.notice_days,
            message: c.message.clone(),
            created: format!("{} by {}", time(c.created_at), c.created_by),
            published: c.published_at.map(|t| {
                format!(
                    "{} by {}",
                    time(t),
                    c.published_by.clone().unwrap_or_default()
                )
            }),
        }
    }
}

/// The operator's cards with the form's choices.
///
/// # Errors
/// `Forbidden` unless staff or switch operator.
#[server(endpoint = "list_sell_cards")]
pub async fn list_sell_cards() -> Result<CardsData, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let (tiers, categories) = services::sell_cards::form_choices(&svc.db, &actor)
        .await
        .map_err(fail)?;
    let name = |list: &[(i64, String)], id: i64| {
        list.iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let cards = services::sell_cards::list_cards(&svc.db, &actor)
        .await
        .map_err(fail)?
        .iter()
        .map(|c| {
            let category = c.category_id.map(|id| name(&categories, id));
            convert::card(c, &name(&tiers, c.tier_id), category.as_deref())
        })
        .collect();
    Ok(CardsData {
        cards,
        tiers,
        categories,
    })
}

/// Queues the generation of a card, then shows the cards.
///
/// # Errors
/// `Validation` naming each bad field; `Forbidden`.
#[server(endpoint = "generate_sell_card")]
#[allow(clippy::too_many_arguments)]
pub async fn generate_sell_card(
    tier_id: String,
    category_id: String,
    currency: String,
    base: String,
    base_n: String,
    markup: String,
    markup_value: String,
    floor: String,
    decimals: String,
    increment: String,
    notice_days: String,
    effective_from: String,
) -> Result<i64, AppError> {
    use crate::features::customers::api::optional_id;
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let base_path = me.role.portal().base_path();
    let effective_from = match effective_from.trim() {
        "" => None,
        t => Some(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                .map_err(|_| {
                    fail(services::ServiceError::field(
                        "effective_from",
                        "must be a date and time, like 2026-12-08T00:00 (UTC)",
                    ))
                })?
                .and_utc(),
        ),
    };
    let tier_id = optional_id("tier_id", &tier_id)?
        .ok_or_else(|| fail(services::ServiceError::field("tier_id", "choose a tier")))?;
    let input = services::sell_cards::SellCardInput {
        tier_id,
        category_id: optional_id("category_id", &category_id)?,
        currency,
        base,
        base_n,
        markup,
        markup_value,
        floor,
        decimals,
        increment,
        notice_days,
        effective_from,
    };
    let card = services::sell_cards::generate_card(&svc, &me.actor(), input)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!("{base_path}/sell-cards/{}", card.id));
    Ok(card.id)
}

/// A card with a page of its rates (`prefix` search, `page` from 1), for its operator or a
/// customer it is published for.
///
/// # Errors
/// `NotFound` (another tenant's card, or one the customer may not see).
#[server(endpoint = "get_sell_card")]
pub async fn get_sell_card(
    id: i64,
    prefix: Option<String>,
    page: Option<u64>,
) -> Result<CardPage, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let operator = services::carriers::manages_carriers(actor.role);
    let card = services::sell_cards::get_card(&svc.db, &actor, id)
        .await
        .map_err(fail)?;
    let (tier, category) = if operator {
        let (tiers, categories) = services::sell_cards::form_choices(&svc.db, &actor)
            .await
            .map_err(fail)?;
        let find =
            |l: &[(i64, String)], id: i64| l.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone());
        (
            find(&tiers, card.tier_id).unwrap_or_default(),
            card.category_id.and_then(|c| find(&categories, c)),
        )
    } else {
        let visible = services::sell_cards::customer_cards(&svc.db, &actor)
            .await
            .map_err(fail)?;
        let tier = visible
            .into_iter()
            .find(|(c, _)| c.id == card.id)
            .map(|(_, t)| t)
            .unwrap_or_default();
        (tier, card.category_id.map(|_| "your category".to_owned()))
    };
    let page = page.unwrap_or(1).max(1);
    let (rows, total) = services::sell_cards::card_rows(
        &svc.db,
        &actor,
        id,
        prefix.as_deref().unwrap_or(""),
        page,
        50,
    )
    .await
    .map_err(fail)?;
    Ok(CardPage {
        card: convert::card(&card, &tier, category.as_deref()),
        operator,
        rates: rows
            .into_iter()
            .map(|r| CardRate {
                prefix: r.prefix,
                destination: r.destination,
                rate: r.rate,
                increment: format!("{}/{}", r.initial_increment, r.next_increment),
                connection_fee: r.connection_fee,
                base_rate: if operator { r.base_rate } else { String::new() },
                carriers: if operator { r.carriers } else { 0 },
                change: r.change,
                old_rate: r.old_rate.unwrap_or_default(),
            })
            .collect(),
        total,
        page,
    })
}

/// Publishes a generated card, then shows it.
///
/// # Errors
/// `Validation{card|effective_from}`; `NotFound`; `Forbidden`.
#[server(endpoint = "publish_sell_card")]
pub async fn publish_sell_card(id: i64) -> Result<usize, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let base = me.role.portal().base_path();
    let (_, notices) = services::sell_cards::publish_card(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!("{base}/sell-cards/{id}?published={notices}"));
    Ok(notices)
}

/// The customer's published cards and rate notices.
///
/// # Errors
/// `Forbidden` for a user without a customer.
#[server(endpoint = "my_rates")]
pub async fn my_rates() -> Result<MyRatesData, AppError> {
    use crate::features::users::api::convert::time;
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let actor = me.actor();
    let cards = services::sell_cards::customer_cards(&svc.db, &actor)
        .await
        .map_err(fail)?
        .iter()
        .map(|(c, tier)| convert::card(c, tier, c.category_id.map(|_| "your category")))
        .collect();
    let notices = services::sell_cards::customer_notices(&svc.db, &actor)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|n| (time(n.created_at), n.summary, n.status))
        .collect();
    Ok(MyRatesData { cards, notices })
}
