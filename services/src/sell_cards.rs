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

/// Rows written per `INSERT`.
const BATCH: usize = 500;

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

async fn fail_card(db: &DatabaseConnection, id: i64, message: &str) -> Result<(), sea_orm::DbErr> {
    cards::Entity::update_many()
        .col_expr(cards::Column::Status, "failed".into())
        .col_expr(cards::Column::Message, message.into())
        .filter(cards::Column::Id.eq(id))
        .filter(cards::Column::Status.eq("generating"))
        .exec(db)
        .await
        .map(|_| ())
}

/// The published card of (tenant, tier, category) in force: the latest published.
async fn in_force(
    db: &DatabaseConnection,
    card: &cards::Model,
) -> Result<Option<cards::Model>, sea_orm::DbErr> {
    let mut q = in_tenant::<cards::Entity>(card.tenant_id)
        .filter(cards::Column::TierId.eq(card.tier_id))
        .filter(cards::Column::Status.eq("published"));
    q = match card.category_id {
        Some(c) => q.filter(cards::Column::CategoryId.eq(c)),
        None => q.filter(cards::Column::CategoryId.is_null()),
    };
    q.order_by_desc(cards::Column::PublishedAt)
        .order_by_desc(cards::Column::Id)
        .one(db)
        .await
}

/// The `rate_cards.generate_sell_card` job: prices every prefix the tier's carriers have in
/// force at the card's effective date (buy decks in the card's currency; prefixes the tier
/// blocks left out), writes the rows with their change against the card in force, and marks
/// the card `generated` (or `failed`, saying why). A card no longer `generating` is left alone.
pub(crate) async fn generate_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: GenerateSellCardJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(card) = cards::Entity::find_by_id(p.card_id).one(db).await? else {
        return Ok(format!("sell card {} no longer exists", p.card_id));
    };
    if card.status != "generating" {
        return Ok(format!(
            "sell card {} is {}: nothing to do",
            card.id, card.status
        ));
    }
    match generate(ctx, &card).await {
        Ok(summary) => Ok(summary),
        Err(failure) => {
            let message = match failure {
                JobFailure::Permanent(m) | JobFailure::Transient(m) => m,
            };
            // Rows of a half-written attempt go with the failure.
            rows::Entity::delete_many()
                .filter(rows::Column::CardId.eq(card.id))
                .exec(db)
                .await?;
            fail_card(db, card.id, &message).await?;
            Err(JobFailure::Permanent(message))
        }
    }
}

async fn generate(ctx: &JobContext, card: &cards::Model) -> Result<String, JobFailure> {
    let db = &ctx.services.db;
    let permanent = |m: String| JobFailure::Permanent(m);
    ctx.progress(0, 100, "reading the decks in force").await?;
    let snapshot = crate::routes::build(db, card.tenant_id, card.effective_from)
        .await
        .map_err(|e| JobFailure::Transient(e.to_string()))?;
    let tier = snapshot
        .tier_by_id(card.tier_id)
        .ok_or_else(|| permanent("its tier no longer exists".to_owned()))?;
    let currency = parse_currency(&card.currency).map_err(|e| permanent(e.to_string()))?;
    let mut other_currency = Vec::new();
    let buy: Vec<&domain::deck::RateDeck> = snapshot
        .index
        .carriers()
        .iter()
        .filter(|c| c.enabled && tier.plan.carriers.contains(&c.id))
        .filter(|c| {
            let same = c.deck.currency() == currency;
            if !same {
                other_currency.push(format!("{} ({})", c.name, c.deck.currency().code()));
            }
            same
        })
        .map(|c| &c.deck)
        .collect();
    if buy.is_empty() {
        return Err(permanent(format!(
            "no active carrier of tier {} has a deck in force in {} at {}: activate a deck, or choose the currency of the carriers' decks",
            tier.name,
            card.currency,
            card.effective_from.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let rule: SellRule =
        serde_json::from_str(&card.rule).map_err(|e| permanent(format!("bad rule: {e}")))?;
    ctx.progress(20, 100, "pricing").await?;
    let at = card.effective_from;
    let sell =
        generate_sell_card(&buy, &rule, currency, at).map_err(|e| permanent(e.to_string()))?;
    let previous = in_force(db, card).await?;
    let mut old: HashMap<String, String> = HashMap::new();
    if let Some(prev) = &previous {
        for r in rows::Entity::find()
            .filter(rows::Column::CardId.eq(prev.id))
            .all(db)
            .await?
        {
            old.insert(r.prefix, r.rate);
        }
    }
    let mut report = CardReport {
        previous_card_id: previous.as_ref().map(|p| p.id),
        ..Default::default()
    };
    let mut models = Vec::with_capacity(sell.len());
    for row in sell.rows() {
        // Never sell what the tier never routes.
        if tier.plan.blocked.iter().any(|b| b.is_prefix_of(row.prefix)) {
            continue;
        }
        let number = row.prefix.as_number();
        let offers: Vec<Decimal> = buy
            .iter()
            .filter_map(|d| d.lookup(number, at))
            .map(|r| r.rate.per_minute())
            .collect();
        let base = offers.iter().copied().min().unwrap_or_default();
        let prefix = row.prefix.to_string();
        let rate = row.rate.to_string();
        let (change, old_rate) = match old.remove(&prefix) {
            None => {
                report.new += 1;
                ("new", None)
            }
            Some(before) => {
                let b = Decimal::from_str(&before).unwrap_or_default();
                let change = match row.rate.per_minute().cmp(&b) {
                    std::cmp::Ordering::Greater => {
                        report.increased += 1;
                        "increased"
                    }
                    std::cmp::Ordering::Less => {
                        report.decreased += 1;
                        "decreased"
                    }
                    std::cmp::Ordering::Equal => {
                        report.unchanged += 1;
                        "unchanged"
                    }
                };
                (change, Some(before))
            }
        };
        models.push(rows::ActiveModel {
            card_id: Set(card.id),
            prefix: Set(prefix),
            destination: Set(row.destination.clone()),
            rate: Set(rate),
            base_rate: Set(base.to_string()),
            connection_fee: Set(row.connection_fee.to_string()),
            initial_increment: Set(i32::try_from(row.increment.initial).unwrap_or(60)),
            next_increment: Set(i32::try_from(row.increment.next).unwrap_or(60)),
            carriers: Set(i32::try_from(offers.len()).unwrap_or(0)),
            change: Set(change.to_owned()),
            old_rate: Set(old_rate),
            ..Default::default()
        });
    }
    report.removed = old.len();
    let total = models.len();
    // Progress goes to the database through another connection: report before the write
    // transaction, which on SQLite holds the only write lock until it commits.
    ctx.progress(60, 100, &format!("writing {total} rates"))
        .await?;
    let txn = db.begin().await?;
    rows::Entity::delete_many()
        .filter(rows::Column::CardId.eq(card.id))
        .exec(&txn)
        .await?;
    let mut batch = Vec::with_capacity(BATCH);
    for model in models {
        batch.push(model);
        if batch.len() == BATCH {
            rows::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        rows::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    let message = if other_currency.is_empty() {
        String::new()
    } else {
        format!(
            "left out (decks in another currency): {}",
            other_currency.join(", ")
        )
    };
    cards::Entity::update_many()
        .col_expr(cards::Column::Status, "generated".into())
        .col_expr(cards::Column::RowCount, (total as i64).into())
        .col_expr(
            cards::Column::Report,
            serde_json::to_string(&report).unwrap_or_default().into(),
        )
        .col_expr(cards::Column::Message, message.into())
        .filter(cards::Column::Id.eq(card.id))
        .filter(cards::Column::Status.eq("generating"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    ctx.progress(100, 100, "generated").await?;
    Ok(format!(
        "generated {total} sell rates from {} decks for card {}",
        buy.len(),
        card.id
    ))
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

/// The tenant's cards, newest first.
///
/// # Errors
/// `Forbidden`.
pub async fn list_cards(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<cards::Model>, ServiceError> {
    operator(actor)?;
    Ok(scoped::<cards::Entity>(actor)
        .order_by_desc(cards::Column::Id)
        .all(db)
        .await?)
}

/// Card `card_id` for the operator, or for a customer when it is published for the customer's
/// category (or all).
///
/// # Errors
/// `NotFound` (another tenant's, or not visible to the customer).
pub async fn get_card(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<cards::Model, ServiceError> {
    let card = find_scoped::<cards::Entity>(db, actor, card_id).await?;
    if crate::carriers::manages_carriers(actor.role) {
        return Ok(card);
    }
    let visible = customer_cards(db, actor).await?;
    if visible.iter().any(|(c, _)| c.id == card.id) {
        Ok(card)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The voice feature a tier's cards need: Premium, Standard and Economy their own; any other
/// tier any of the three.
fn tier_allowed(tier: &str, features: &[Feature]) -> bool {
    let voice = [
        ("premium", Feature::VoicePremium),
        ("standard", Feature::VoiceStandard),
        ("economy", Feature::VoiceEconomy),
    ];
    match voice
        .iter()
        .find(|(name, _)| tier.eq_ignore_ascii_case(name))
    {
        Some((_, feature)) => features.contains(feature),
        None => voice.iter().any(|(_, f)| features.contains(f)),
    }
}

/// The published cards a customer user sees, with their tier names: those of its category
/// and those for all, of the tiers its voice features allow (Standard needs voice Standard...).
///
/// # Errors
/// `Forbidden` for a user without a customer.
pub async fn customer_cards(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(cards::Model, String)>, ServiceError> {
    let customer_id = actor.customer_id.ok_or(ServiceError::Forbidden)?;
    let customer = find_scoped::<customers::Entity>(db, actor, customer_id).await?;
    let features = crate::features::features_of_actor(db, actor).await?;
    let tier_names: HashMap<i64, String> = scoped::<tiers::Entity>(actor)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let all = scoped::<cards::Entity>(actor)
        .filter(cards::Column::Status.eq("published"))
        .order_by_asc(cards::Column::TierId)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|c| c.category_id.is_none() || c.category_id == customer.category_id)
        .filter_map(|c| {
            let tier = tier_names.get(&c.tier_id)?.clone();
            tier_allowed(&tier, &features).then_some((c, tier))
        })
        .collect())
}

/// A page of a card's rates whose prefix starts with `prefix` (all when empty), by prefix;
/// with the number of matching rates.
///
/// # Errors
/// As [`get_card`].
pub async fn card_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
    prefix: &str,
    page: u64,
    per_page: u64,
) -> Result<(Vec<rows::Model>, u64), ServiceError> {
    let card = get_card(db, actor, card_id).await?;
    let digits: String = prefix.chars().filter(char::is_ascii_digit).collect();
    let q = rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .filter(rows::Column::Prefix.starts_with(&digits))
        .order_by_asc(rows::Column::Prefix);
    let pages = q.paginate(db, per_page.max(1));
    let total = pages.num_items().await?;
    let items = pages.fetch_page(page.saturating_sub(1)).await?;
    Ok((items, total))
}

/// A customer's queued and sent rate notices, newest first.
///
/// # Errors
/// `Forbidden` for a user without a customer.
pub async fn customer_notices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<notices::Model>, ServiceError> {
    let customer_id = actor.customer_id.ok_or(ServiceError::Forbidden)?;
    Ok(scoped::<notices::Entity>(actor)
        .filter(notices::Column::CustomerId.eq(customer_id))
        .order_by_desc(notices::Column::Id)
        .all(db)
        .await?)
}

/// What the card form offers: the tenant's tiers and customer categories, (id, name) by name
/// (creating the default tiers the first time).
///
/// # Errors
/// `Forbidden`.
pub async fn form_choices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), ServiceError> {
    operator(actor)?;
    let tiers = crate::tiers::list_tiers(db, actor)
        .await?
        .into_iter()
        .map(|t| (t.row.id, t.row.name))
        .collect();
    let categories = scoped::<categories::Entity>(actor)
        .order_by_asc(categories::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok((tiers, categories))
}

/// Every rate of card `card_id`, by prefix (for the CSV download).
///
/// # Errors
/// As [`get_card`].
pub async fn all_rows(
    db: &DatabaseConnection,
    actor: &Actor,
    card_id: i64,
) -> Result<(cards::Model, Vec<rows::Model>), ServiceError> {
    let card = get_card(db, actor, card_id).await?;
    let rows = rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .order_by_asc(rows::Column::Prefix)
        .all(db)
        .await?;
    Ok((card, rows))
}

/// A rule in words, e.g. `lowest buy rate + 20 %, floor 0.01, 4 decimals up, 60/60`.
pub fn describe_rule(card: &cards::Model) -> String {
    let Ok(rule) = serde_json::from_str::<SellRule>(&card.rule) else {
        return String::new();
    };
    let base = match rule.base {
        BaseRate::Lowest => "lowest buy rate".to_owned(),
        BaseRate::NthLowest(n) => format!("buy rate no. {n} from the cheapest"),
        BaseRate::AverageOfLowest(n) => format!("average of the {n} lowest buy rates"),
    };
    let markup = match rule.markup {
        Markup::Percent(p) => format!("+ {p} %"),
        Markup::FixedPerMinute(a) => format!("+ {a} per minute"),
        Markup::TargetMargin(m) => format!("at a {m} % margin"),
    };
    let mut words = format!("{base} {markup}");
    if let Some(floor) = rule.floor {
        words.push_str(&format!(", at least {floor}"));
    }
    words.push_str(&format!(", {} decimals rounded up", rule.decimals));
    words.push_str(&match rule.increment {
        Some(i) => format!(", {i}"),
        None => ", the base carrier's increments".to_owned(),
    });
    words
}

/// The rates of card `card` as a [`domain::deck::RateDeck`] effective from the card's date (for
/// routing: rates above the customer's sell rate are excluded).
///
/// # Errors
/// Database errors; `Unexpected` when a stored row is invalid.
pub async fn load_card(
    db: &impl sea_orm::ConnectionTrait,
    card: &cards::Model,
) -> Result<domain::deck::RateDeck, ServiceError> {
    use domain::deck::{RateDeck, RateRow};
    use domain::money::Rate;
    use domain::number::Prefix;
    let bad = |what: &str, line: &str| {
        ServiceError::Unexpected(anyhow::anyhow!(
            "sell card {} prefix {line}: stored {what} is invalid",
            card.id
        ))
    };
    let currency =
        parse_currency(&card.currency).map_err(|e| ServiceError::Unexpected(e.into()))?;
    let mut out = Vec::new();
    for r in rows::Entity::find()
        .filter(rows::Column::CardId.eq(card.id))
        .all(db)
        .await?
    {
        let mut row = RateRow::new(
            Prefix::parse(&r.prefix).map_err(|_| bad("prefix", &r.prefix))?,
            r.destination.clone(),
            Rate::parse(&r.rate).map_err(|_| bad("rate", &r.prefix))?,
            card.effective_from,
        );
        row.connection_fee =
            Decimal::from_str(&r.connection_fee).map_err(|_| bad("fee", &r.prefix))?;
        row.increment = Increment::with_minimum(
            u32::try_from(r.initial_increment).unwrap_or(60),
            u32::try_from(r.next_increment).unwrap_or(60),
            0,
        )
        .map_err(|_| bad("increment", &r.prefix))?;
        out.push(row);
    }
    RateDeck::new(currency, out).map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("{e}")))
}

/// The cards in force at `at` for each (tier, category): among published and superseded
/// cards, the one with the latest effective date not after `at` (ties: the later
/// publication); and the next date a published card takes effect, if any.
///
/// # Errors
/// Database errors.
pub async fn cards_in_force(
    db: &impl sea_orm::ConnectionTrait,
    tenant_id: i64,
    at: DateTime<Utc>,
) -> Result<(Vec<cards::Model>, Option<DateTime<Utc>>), ServiceError> {
    let all = in_tenant::<cards::Entity>(tenant_id)
        .filter(cards::Column::Status.is_in(["published", "superseded"]))
        .order_by_asc(cards::Column::EffectiveFrom)
        .order_by_asc(cards::Column::PublishedAt)
        .order_by_asc(cards::Column::Id)
        .all(db)
        .await?;
    let next = all
        .iter()
        .filter(|c| c.status == "published" && c.effective_from > at)
        .map(|c| c.effective_from)
        .min();
    let mut chosen: HashMap<(i64, Option<i64>), cards::Model> = HashMap::new();
    for c in all.into_iter().filter(|c| c.effective_from <= at) {
        // Ascending order: a later card replaces an earlier one of the same key.
        chosen.insert((c.tier_id, c.category_id), c);
    }
    Ok((chosen.into_values().collect(), next))
}

/// The tenant's customers that are not closed, (id, company name) by name, for choosing whose
/// sell rates the LCR tester compares with.
///
/// # Errors
/// `Forbidden`.
pub async fn customer_choices(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, ServiceError> {
    operator(actor)?;
    Ok(scoped::<customers::Entity>(actor)
        .filter(customers::Column::Status.ne("closed"))
        .order_by_asc(customers::Column::CompanyName)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect())
}
