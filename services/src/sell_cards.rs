//! Sell rate cards: what customers pay per tier and customer category, generated from the buy
//! decks of the tier's carriers with a rule (base buy rate, markup, floor, decimals rounded up,
//! increments; `domain::sell`), reviewed with its rate changes against the card in force, then
//! published, which supersedes that card and queues a rate notice for each customer of the
//! category. A card whose rates go up cannot be published to take effect within its notice
//! period (7 days by default).

use crate::Services;
use crate::audit::{Actor, Changes};
use crate::entities::{
    customer_categories as categories, customers, rate_notices as notices, routing_tiers as tiers,
    sell_card_rows as rows, sell_cards as cards,
};
use crate::error::ServiceError;
use crate::jobs::{JobContext, JobFailure, JobKind};
use crate::tenancy::{find_scoped, in_tenant, scoped};
use crate::validate::Checks;
use chrono::{DateTime, Duration, Timelike as _, Utc};
use domain::features::Feature;
use domain::increment::Increment;
use domain::money::parse_currency;
use domain::sell::{BaseRate, Markup, SellRule, generate_sell_card};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;

mod generate;
mod read;

pub(crate) use generate::generate_job;
use generate::{fail_card, in_force};
pub use read::{
    all_rows, card_rows, cards_in_force, customer_cards, customer_choices, customer_notices,
    describe_rule, form_choices, get_card, list_cards, load_card,
};

/// Default notice period for increases, in days.
pub const DEFAULT_NOTICE_DAYS: u32 = 7;

/// What the operator asks for (form fields, as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellCardInput {
    /// The tier whose carriers' decks are the buy side.
    pub tier_id: i64,
    /// The customer category it is for; `None`: every category.
    pub category_id: Option<i64>,
    /// ISO 4217 code of the card (only buy decks in this currency are used).
    pub currency: String,
    /// `lowest`, `nth_lowest` or `average`.
    pub base: String,
    /// N for `nth_lowest` and `average`.
    pub base_n: String,
    /// `percent`, `fixed` (per minute) or `target_margin` (percent of the sell price).
    pub markup: String,
    /// The markup's amount.
    pub markup_value: String,
    /// Lowest sell rate per minute; empty for none.
    pub floor: String,
    /// Decimals of the sell rates, 4 to 8 (rounded up); empty: 4.
    pub decimals: String,
    /// Increments of the card, e.g. `60/60`; empty: each base carrier's.
    pub increment: String,
    /// Notice period for increases in days; empty: 7.
    pub notice_days: String,
    /// When the card takes effect; `None`: now.
    pub effective_from: Option<DateTime<Utc>>,
}

/// A card's rate changes against the card in force when it was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardReport {
    /// The card compared with, if any.
    pub previous_card_id: Option<i64>,
    /// Prefixes the previous card did not have.
    pub new: usize,
    /// Rates that go up.
    pub increased: usize,
    /// Rates that go down.
    pub decreased: usize,
    /// Rates that stay.
    pub unchanged: usize,
    /// Prefixes of the previous card this one drops.
    pub removed: usize,
}

/// Payload of [`JobKind::GenerateSellCard`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSellCardJob {
    /// The card to fill.
    pub card_id: i64,
}

fn operator(actor: &Actor) -> Result<(), ServiceError> {
    if crate::carriers::manages_carriers(actor.role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn decimal(checks: &mut Checks, field: &str, text: &str) -> Option<Decimal> {
    match Decimal::from_str(text.trim()) {
        Ok(d) if !d.is_sign_negative() => Some(d),
        Ok(_) => {
            checks.fail(field, "must not be negative");
            None
        }
        Err(_) => {
            checks.fail(field, format!("`{}` is not a number", text.trim()));
            None
        }
    }
}

/// Checks the form into a rule, its currency code and notice period.
fn check(input: &SellCardInput) -> Result<(SellRule, String, u32), ServiceError> {
    let mut checks = Checks::new();
    let currency = match parse_currency(&input.currency) {
        Ok(c) => c.code().to_owned(),
        Err(_) => {
            checks.fail("currency", "must be an ISO 4217 code, like USD or EUR");
            String::new()
        }
    };
    let n = if input.base_n.trim().is_empty() {
        1
    } else {
        match input.base_n.trim().parse::<usize>() {
            Ok(n) if (1..=20).contains(&n) => n,
            _ => {
                checks.fail("base_n", "must be a whole number from 1 to 20");
                1
            }
        }
    };
    let base = match input.base.as_str() {
        "" | "lowest" => BaseRate::Lowest,
        "nth_lowest" => BaseRate::NthLowest(n),
        "average" => BaseRate::AverageOfLowest(n),
        _ => {
            checks.fail(
                "base",
                "choose lowest, Nth lowest or average of the N lowest",
            );
            BaseRate::Lowest
        }
    };
    let value = decimal(&mut checks, "markup_value", &input.markup_value).unwrap_or_default();
    let markup = match input.markup.as_str() {
        "percent" => Markup::Percent(value),
        "fixed" => Markup::FixedPerMinute(value),
        "target_margin" if value >= Decimal::ONE_HUNDRED => {
            checks.fail("markup_value", "a target margin must be below 100 %");
            Markup::TargetMargin(Decimal::ZERO)
        }
        "target_margin" => Markup::TargetMargin(value),
        _ => {
            checks.fail(
                "markup",
                "choose percent, fixed per minute or target margin",
            );
            Markup::Percent(value)
        }
    };
    let floor = if input.floor.trim().is_empty() {
        None
    } else {
        decimal(&mut checks, "floor", &input.floor)
    };
    let decimals = if input.decimals.trim().is_empty() {
        4
    } else {
        match input.decimals.trim().parse::<u32>() {
            Ok(d) if (4..=8).contains(&d) => d,
            _ => {
                checks.fail("decimals", "must be from 4 to 8");
                4
            }
        }
    };
    let increment = if input.increment.trim().is_empty() {
        None
    } else {
        match Increment::parse(input.increment.trim()) {
            Ok(i) => Some(i),
            Err(e) => {
                checks.fail("increment", format!("{e}: write it like 60/60 or 1/1"));
                None
            }
        }
    };
    let notice = if input.notice_days.trim().is_empty() {
        DEFAULT_NOTICE_DAYS
    } else {
        match input.notice_days.trim().parse::<u32>() {
            Ok(d) if d <= 365 => d,
            _ => {
                checks.fail("notice_days", "must be a whole number of days up to 365");
                DEFAULT_NOTICE_DAYS
            }
        }
    };
    checks.finish()?;
    Ok((
        SellRule {
            base,
            markup,
            floor,
            decimals,
            increment,
        },
        currency,
        notice,
    ))
}

/// Queues the generation of a sell card from `input`; returns the card, `generating`.
///
/// # Errors
/// `Validation` naming each bad field; `Validation{tier_id|category_id}` for another tenant's
/// or an unknown tier or category; `Forbidden` unless staff or switch operator.
pub async fn generate_card(
    services: &Services,
    actor: &Actor,
    input: SellCardInput,
) -> Result<cards::Model, ServiceError> {
    operator(actor)?;
    let db = &services.db;
    let (rule, currency, notice) = check(&input)?;
    if find_scoped::<tiers::Entity>(db, actor, input.tier_id)
        .await
        .is_err()
    {
        return Err(ServiceError::field("tier_id", "choose one of your tiers"));
    }
    if let Some(category) = input.category_id
        && find_scoped::<categories::Entity>(db, actor, category)
            .await
            .is_err()
    {
        return Err(ServiceError::field(
            "category_id",
            "choose one of your customer categories",
        ));
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let effective = input.effective_from.unwrap_or(now);
    let txn = db.begin().await?;
    let card = cards::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        tier_id: Set(input.tier_id),
        category_id: Set(input.category_id),
        currency: Set(currency.clone()),
        rule: Set(serde_json::to_string(&rule).unwrap_or_default()),
        notice_days: Set(i32::try_from(notice).unwrap_or(7)),
        status: Set("generating".to_owned()),
        job_id: Set(Some(job_id.clone())),
        effective_from: Set(effective.with_nanosecond(0).unwrap_or(effective)),
        row_count: Set(0),
        report: Set(String::new()),
        message: Set(String::new()),
        created_by: Set(actor.email.clone()),
        created_at: Set(now),
        published_at: Set(None),
        published_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    actor
        .audit(
            &txn,
            "generate",
            "sell_card",
            card.id,
            Changes::new()
                .field("tier_id", serde_json::Value::Null, input.tier_id)
                .field("category_id", serde_json::Value::Null, input.category_id)
                .field("currency", serde_json::Value::Null, currency.as_str())
                .field("rule", serde_json::Value::Null, card.rule.as_str()),
        )
        .await?;
    txn.commit().await?;
    let request = crate::jobs::JobRequest {
        id: job_id,
        kind: JobKind::GenerateSellCard.key().to_owned(),
        payload: serde_json::json!({ "card_id": card.id }),
    };
    if let Err(e) = crate::jobs::push(&services.jobs, JobKind::GenerateSellCard, request).await {
        fail_card(db, card.id, &format!("could not be queued: {e}")).await?;
        return Err(e);
    }
    Ok(card)
}

/// A card's change report (empty before generation).
pub fn report_of(card: &cards::Model) -> CardReport {
    serde_json::from_str(&card.report).unwrap_or_default()
}

/// Publishes generated card `card_id`: the card in force for its tier and category is
/// superseded, and every customer of the category (every customer, for a card of all
/// categories) gets a queued rate notice. Returns the card and how many notices were queued.
///
/// # Errors
/// `Validation{card}` unless generated; `Validation{effective_from}` when rates go up sooner
/// than the notice period allows (the message gives the first allowed date); `NotFound`;
/// `Forbidden`.
pub async fn publish_card(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<(cards::Model, usize), ServiceError> {
    operator(actor)?;
    let card = find_scoped::<cards::Entity>(db, actor, card_id).await?;
    if card.status != "generated" {
        return Err(ServiceError::field(
            "card",
            &format!("is {}: only a generated card can be published", card.status),
        ));
    }
    let report = report_of(&card);
    let now = Utc::now();
    let earliest = now + Duration::days(i64::from(card.notice_days));
    if report.increased > 0 && card.effective_from < earliest {
        return Err(ServiceError::field(
            "effective_from",
            &format!(
                "{} rates go up and customers get {} days' notice: generate the card again effective from {} or later",
                report.increased,
                card.notice_days,
                earliest.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    let tier = find_scoped::<tiers::Entity>(db, actor, card.tier_id).await?;
    let mut who = scoped::<customers::Entity>(actor).filter(customers::Column::Status.ne("closed"));
    if let Some(category) = card.category_id {
        who = who.filter(customers::Column::CategoryId.eq(category));
    }
    let recipients = who.all(db).await?;
    let summary = format!(
        "{} rates from {}: {} new, {} up, {} down, {} unchanged, {} withdrawn.",
        tier.name,
        card.effective_from.format("%Y-%m-%d %H:%M UTC"),
        report.new,
        report.increased,
        report.decreased,
        report.unchanged,
        report.removed
    );
    let previous = in_force(db, &card).await?;
    let txn = db.begin().await?;
    let moved = cards::Entity::update_many()
        .col_expr(cards::Column::Status, "published".into())
        .col_expr(cards::Column::PublishedAt, Some(now).into())
        .col_expr(cards::Column::PublishedBy, Some(actor.email.clone()).into())
        .filter(cards::Column::Id.eq(card.id))
        .filter(cards::Column::Status.eq("generated"))
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(ServiceError::field(
            "card",
            "was published meanwhile: reload the page",
        ));
    }
    if let Some(prev) = &previous {
        cards::Entity::update_many()
            .col_expr(cards::Column::Status, "superseded".into())
            .filter(cards::Column::Id.eq(prev.id))
            .exec(&txn)
            .await?;
    }
    for c in &recipients {
        notices::ActiveModel {
            tenant_id: Set(actor.tenant_id),
            customer_id: Set(c.id),
            card_id: Set(card.id),
            status: Set("queued".to_owned()),
            summary: Set(summary.clone()),
            effective_from: Set(card.effective_from),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    actor
        .audit(
            &txn,
            "publish",
            "sell_card",
            card.id,
            Changes::new()
                .field("status", "generated", "published")
                .field("notices", serde_json::Value::Null, recipients.len()),
        )
        .await?;
    // Routing compares buy rates with the customer's sell rates.
    crate::routes::changed(&txn, actor.tenant_id).await?;
    txn.commit().await?;
    let card = find_scoped::<cards::Entity>(db, actor, card.id).await?;
    Ok((card, recipients.len()))
}
