//! Re-rating a period after a deck fix: a dry run re-rates the period's CDRs against the decks
//! and cards in force now and stores, per CDR, its rating before and after and, per customer,
//! what its calls were charged before and after; nothing else changes. Applying it updates
//! exactly those CDRs (each only if it is still as the dry run saw it) and posts the difference
//! as one `rerate` ledger entry per customer and run, keyed `rerate:<run>:<customer>`, so an
//! applied run applied again changes nothing, and a new dry run of the same period finds
//! nothing left to change.
//!
//! What a CDR was charged: a rated CDR charged to the ledger (or settled by an earlier
//! re-rating) was charged its price; an unrated one nothing. A rated CDR whose charge is still
//! pending, and a charged one that no longer rates (a prefix dropped by the fix), are left as
//! they are and counted in the run's notes: a re-rating never refunds a call by accident.
//! Unpaid CDRs are not re-rated: they are charged when their CDR is sent again.

use super::{CdrInput, IdOrName, Parsed, rate};
use crate::audit::{Actor, Changes};
use crate::entities::{cdrs, customers, rerate_changes, rerate_lines, rerates};
use crate::error::ServiceError;
use crate::ledger::{self, Posted, Posting};
use crate::state::Services;
use crate::tenancy::{find_scoped, in_tenant};
use chrono::Utc;
use domain::deck::RateDeck;
use domain::ledger::EntryKind;
use domain::number::DialContext;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

/// Most CDRs one re-rating may cover: narrow the period (or pick a customer) beyond it.
pub const MAX_CDRS: u64 = 200_000;

/// Longest period, in days.
pub const MAX_DAYS: i64 = 93;

/// The re-rating form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RerateInput {
    /// First day, `YYYY-MM-DD` (UTC), included.
    pub from: String,
    /// Last day, `YYYY-MM-DD` (UTC), included.
    pub to: String,
    /// Only this customer's CDRs; all customers when `None`.
    pub customer_id: Option<i64>,
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// A customer's running totals in a dry run.
#[derive(Default)]
struct Totals {
    currency: String,
    cdrs: i64,
    before: i64,
    after: i64,
}

/// Re-rates the CDRs of the period (of `input.customer_id`, or all customers) against the decks
/// and cards in force now, without changing them, and stores the run as a dry run, audited.
///
/// # Errors
/// `Forbidden` unless staff; `Validation` naming `from` or `to` (not a date, reversed, longer
/// than [`MAX_DAYS`], more than [`MAX_CDRS`] CDRs); `NotFound` for another tenant's customer.
pub async fn dry_run(
    services: &Services,
    actor: &Actor,
    input: RerateInput,
) -> Result<rerates::Model, ServiceError> {
    staff(actor)?;
    let db = &services.db;
    let (start, end) = super::list::day_range(&input.from, &input.to, MAX_DAYS)?;
    if let Some(id) = input.customer_id {
        find_scoped::<customers::Entity>(db, actor, id).await?;
    }
    let tenant_id = actor.tenant_id;
    let mut select = cdrs::Entity::find()
        .filter(cdrs::Column::TenantId.eq(tenant_id))
        .filter(cdrs::Column::StartAt.gte(start))
        .filter(cdrs::Column::StartAt.lt(end))
        .filter(cdrs::Column::Status.is_in(["rated", "unrated"]))
        .filter(cdrs::Column::CustomerId.is_not_null());
    if let Some(id) = input.customer_id {
        select = select.filter(cdrs::Column::CustomerId.eq(id));
    }
    let count = select.clone().count(db).await?;
    if count > MAX_CDRS {
        return Err(ServiceError::field(
            "to",
            &format!(
                "the period holds {count} CDRs; re-rate at most {MAX_CDRS} at a time: pick fewer days or one customer"
            ),
        ));
    }
    let snapshot = services.routes.snapshot(tenant_id).await?;
    let decks: HashMap<u32, &RateDeck> = snapshot
        .index
        .carriers()
        .iter()
        .map(|c| (c.id.0, &c.deck))
        .collect();
    let tenant_customers = in_tenant::<customers::Entity>(tenant_id).all(db).await?;
    let dial = DialContext::international();
    let fx = rate::Fx::load(services).await?;
    let (mut checked, mut pending, mut unratable) = (0i64, 0i64, 0i64);
    let mut changes = Vec::new();
    let mut totals: BTreeMap<i64, Totals> = BTreeMap::new();
    let mut after_id = 0i64;
    loop {
        let page = super::list::next_page(db, &select, &mut after_id, 2000).await?;
        if page.is_empty() {
            break;
        }
        for cdr in page {
            checked += 1;
            let Some(customer_id) = cdr.customer_id else {
                continue;
            };
            let old_price = cdr.price_micros.unwrap_or(0);
            let before = if cdr.status == "rated" {
                let settled =
                    old_price == 0 || cdr.ledger_entry_id.is_some() || cdr.rerate_id.is_some();
                if !settled {
                    pending += 1;
                    continue;
                }
                old_price
            } else {
                0
            };
            let r = rate::rate(
                &parsed(&cdr),
                &snapshot,
                &decks,
                &tenant_customers,
                &dial,
                &fx,
            );
            let new_status = if r.reason.is_some() {
                "unrated"
            } else {
                "rated"
            };
            if cdr.status == "rated" && new_status == "unrated" {
                unratable += 1;
                continue;
            }
            let new_cost = r.cost.as_ref().map(|(m, _)| *m);
            let new_cost_currency = r.cost.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            let new_price = r.price.as_ref().map(|(m, _)| *m);
            let price_currency = r.price.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
            let new_sell = r.sell.as_ref().map(|(m, _)| *m);
            if new_status == cdr.status
                && new_price == cdr.price_micros
                && new_sell == cdr.sell_micros
                && new_cost == cdr.cost_micros
                && new_cost_currency == cdr.cost_currency
            {
                continue;
            }
            let after = if new_status == "rated" {
                new_price.unwrap_or(0)
            } else {
                0
            };
            let t = totals.entry(customer_id).or_default();
            if t.currency.is_empty() {
                t.currency = if price_currency.is_empty() {
                    cdr.price_currency.clone()
                } else {
                    price_currency.clone()
                };
            }
            t.cdrs += 1;
            t.before += before;
            t.after += after;
            changes.push(rerate_changes::ActiveModel {
                cdr_id: Set(cdr.id),
                customer_id: Set(customer_id),
                old_status: Set(cdr.status.clone()),
                new_status: Set(new_status.to_owned()),
                old_cost: Set(cdr.cost_micros),
                new_cost: Set(new_cost),
                old_cost_currency: Set(cdr.cost_currency.clone()),
                new_cost_currency: Set(new_cost_currency),
                old_price: Set(cdr.price_micros),
                new_price: Set(new_price),
                price_currency: Set(price_currency),
                new_prefix: Set(r.prefix.chars().take(32).collect()),
                new_destination: Set(r.destination),
                new_billed_secs: Set(i32::try_from(r.billed_secs).unwrap_or(i32::MAX)),
                new_reason: Set(r.reason.unwrap_or_default()),
                new_sell_micros: Set(new_sell),
                new_sell_currency: Set(r.sell.map(|(_, c)| c).unwrap_or_default()),
                new_fx_rate: Set(r.fx_rate),
                ..Default::default()
            });
        }
    }
    let mut notes = Vec::new();
    if pending > 0 {
        notes.push(format!(
            "{pending} rated CDR(s) whose charge is still pending were left out: send them again to charge them, then re-rate"
        ));
    }
    if unratable > 0 {
        notes.push(format!(
            "{unratable} charged CDR(s) no longer rate with the rates in force now and were left as charged: check the decks and cards"
        ));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let run = rerates::Entity::insert(rerates::ActiveModel {
        tenant_id: Set(tenant_id),
        period_from: Set(start),
        period_to: Set(end),
        customer_id: Set(input.customer_id),
        status: Set("dry_run".to_owned()),
        cdrs_checked: Set(checked),
        cdrs_changed: Set(i64::try_from(changes.len()).unwrap_or(i64::MAX)),
        cdrs_skipped: Set(pending + unratable),
        notes: Set(notes.join(". ")),
        created_by: Set(actor.email.clone()),
        created_at: Set(now),
        applied_by: Set(String::new()),
        applied_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    for (customer_id, t) in &totals {
        rerate_lines::Entity::insert(rerate_lines::ActiveModel {
            rerate_id: Set(run.id),
            customer_id: Set(*customer_id),
            currency: Set(t.currency.clone()),
            cdrs: Set(t.cdrs),
            charged_before: Set(t.before),
            charged_after: Set(t.after),
            ledger_entry_id: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }
    for chunk in changes.chunks_mut(500) {
        for c in chunk.iter_mut() {
            c.rerate_id = Set(run.id);
        }
        rerate_changes::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    actor
        .audit(
            &txn,
            "create",
            "rerate",
            run.id,
            Changes::new()
                .field(
                    "period",
                    serde_json::Value::Null,
                    format!("{} to {}", input.from.trim(), input.to.trim()),
                )
                .field("cdrs_changed", serde_json::Value::Null, run.cdrs_changed),
        )
        .await?;
    txn.commit().await?;
    Ok(run)
}

/// A stored CDR as the rating of a new one reads it: the same ids, times, seconds and code.
fn parsed(cdr: &cdrs::Model) -> Parsed {
    let id = |v: Option<i64>| v.map_or_else(IdOrName::default, IdOrName::Id);
    Parsed {
        row: 0,
        input: CdrInput {
            call_id: cdr.call_id.clone(),
            start: String::new(),
            answer: None,
            end: None,
            duration: Some(u32::try_from(cdr.duration_secs).unwrap_or(0)),
            a_number: cdr.a_number.clone(),
            b_number: cdr.b_number.clone(),
            carrier: id(cdr.carrier_id),
            customer: id(cdr.customer_id),
            tier: id(cdr.tier_id),
            sip_code: u16::try_from(cdr.sip_code).ok(),
            ring: None,
        },
        start: cdr.start_at,
        answer: cdr.answer_at,
        end: cdr.end_at,
        pdd_ms: cdr.pdd_ms,
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Applied now: the CDRs re-rated and the adjustments posted.
    Now(rerates::Model),
    /// It had been applied before: nothing changed.
    Before(rerates::Model),
}

fn equal_or_null(column: cdrs::Column, value: Option<i64>) -> Condition {
    Condition::all().add(match value {
        Some(v) => column.eq(v),
        None => column.is_null(),
    })
}

/// Applies dry run `rerate_id`: re-rates its CDRs as it computed (each only if it is unchanged
/// since) and posts one `rerate` entry per customer whose charges change, audited.
///
/// # Errors
/// `Forbidden` unless staff; `NotFound` for another tenant's run; `Validation{rerate}` when a
/// CDR changed after the dry run (the run is then marked stale: run a new dry run).
pub async fn apply(
    db: &DatabaseConnection,
    actor: &Actor,
    rerate_id: i64,
) -> Result<Applied, ServiceError> {
    staff(actor)?;
    let run = rerates::Entity::find_by_id(rerate_id)
        .filter(rerates::Column::TenantId.eq(actor.tenant_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    match run.status.as_str() {
        "applied" => return Ok(Applied::Before(run)),
        "stale" => {
            return Err(ServiceError::field(
                "rerate",
                "CDRs of this period changed after this dry run: run a new dry run",
            ));
        }
        _ => {}
    }
    if run.status == "dry_run" {
        let changes = rerate_changes::Entity::find()
            .filter(rerate_changes::Column::RerateId.eq(run.id))
            .all(db)
            .await?;
        let txn = db.begin().await?;
        for c in &changes {
            let updated = cdrs::Entity::update_many()
                .col_expr(cdrs::Column::Status, c.new_status.clone().into())
                .col_expr(cdrs::Column::CostMicros, c.new_cost.into())
                .col_expr(
                    cdrs::Column::CostCurrency,
                    c.new_cost_currency.clone().into(),
                )
                .col_expr(cdrs::Column::PriceMicros, c.new_price.into())
                .col_expr(cdrs::Column::PriceCurrency, c.price_currency.clone().into())
                .col_expr(cdrs::Column::Prefix, c.new_prefix.clone().into())
                .col_expr(cdrs::Column::Destination, c.new_destination.clone().into())
                .col_expr(cdrs::Column::BilledSecs, c.new_billed_secs.into())
                .col_expr(cdrs::Column::Reason, c.new_reason.clone().into())
                .col_expr(cdrs::Column::SellMicros, c.new_sell_micros.into())
                .col_expr(
                    cdrs::Column::SellCurrency,
                    c.new_sell_currency.clone().into(),
                )
                .col_expr(cdrs::Column::FxRate, c.new_fx_rate.clone().into())
                .col_expr(cdrs::Column::RerateId, Some(run.id).into())
                .filter(cdrs::Column::Id.eq(c.cdr_id))
                .filter(cdrs::Column::Status.eq(c.old_status.clone()))
                .filter(equal_or_null(cdrs::Column::PriceMicros, c.old_price))
                .filter(equal_or_null(cdrs::Column::CostMicros, c.old_cost))
                .exec(&txn)
                .await?;
            if updated.rows_affected != 1 {
                txn.rollback().await?;
                rerates::Entity::update_many()
                    .col_expr(rerates::Column::Status, "stale".into())
                    .filter(rerates::Column::Id.eq(run.id))
                    .exec(db)
                    .await?;
                return Err(ServiceError::field(
                    "rerate",
                    "CDRs of this period changed after this dry run (charged, sent again or re-rated since): run a new dry run",
                ));
            }
        }
        // From here the CDRs are re-rated; a crash before the entries are posted leaves the run
        // `applying`, and applying it again posts them (their keys make that once).
        rerates::Entity::update_many()
            .col_expr(rerates::Column::Status, "applying".into())
            .filter(rerates::Column::Id.eq(run.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    let lines = rerate_lines::Entity::find()
        .filter(rerate_lines::Column::RerateId.eq(run.id))
        .all(db)
        .await?;
    let days = format!(
        "{} to {}",
        run.period_from.format("%Y-%m-%d"),
        (run.period_to - chrono::Duration::days(1)).format("%Y-%m-%d")
    );
    for line in lines {
        let amount = line.charged_before - line.charged_after;
        if amount == 0 {
            continue;
        }
        let posted = ledger::post(
            db,
            run.tenant_id,
            &actor.email,
            Posting {
                customer_id: line.customer_id,
                kind: EntryKind::Rerate,
                amount_micros: amount,
                idempotency_key: format!("rerate:{}:{}", run.id, line.customer_id),
                description: format!("Re-rating #{} of {} call(s) from {days}", run.id, line.cdrs),
                reference: format!("rerate:{}", run.id),
                fx: None,
            },
            Some(actor),
        )
        .await?;
        let entry_id = match posted {
            Posted::New(e) | Posted::Replayed(e) => e.id,
        };
        rerate_lines::Entity::update_many()
            .col_expr(rerate_lines::Column::LedgerEntryId, Some(entry_id).into())
            .filter(rerate_lines::Column::Id.eq(line.id))
            .exec(db)
            .await?;
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    rerates::Entity::update_many()
        .col_expr(rerates::Column::Status, "applied".into())
        .col_expr(rerates::Column::AppliedBy, actor.email.clone().into())
        .col_expr(rerates::Column::AppliedAt, Some(now).into())
        .filter(rerates::Column::Id.eq(run.id))
        .exec(&txn)
        .await?;
    actor
        .audit(
            &txn,
            "update",
            "rerate",
            run.id,
            Changes::new().field("status", run.status.clone(), "applied"),
        )
        .await?;
    txn.commit().await?;
    let run = rerates::Entity::find_by_id(run.id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Applied::Now(run))
}

/// A run with its lines (and each line's customer name), and up to `sample` of its changed
/// CDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerateView {
    /// The run.
    pub run: rerates::Model,
    /// Its customer lines, by company name.
    pub lines: Vec<(rerate_lines::Model, String)>,
    /// Some of its changed CDRs, with their call ids and numbers.
    pub changes: Vec<(rerate_changes::Model, cdrs::Model)>,
}

/// Run `rerate_id` of the actor's tenant (staff only), with up to `sample` changed CDRs.
///
/// # Errors
/// `Forbidden` unless staff; `NotFound`.
pub async fn view(
    db: &DatabaseConnection,
    actor: &Actor,
    rerate_id: i64,
    sample: u64,
) -> Result<RerateView, ServiceError> {
    staff(actor)?;
    let run = rerates::Entity::find_by_id(rerate_id)
        .filter(rerates::Column::TenantId.eq(actor.tenant_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let names: HashMap<i64, String> = in_tenant::<customers::Entity>(actor.tenant_id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect();
    let mut lines: Vec<(rerate_lines::Model, String)> = rerate_lines::Entity::find()
        .filter(rerate_lines::Column::RerateId.eq(run.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            let name = names.get(&l.customer_id).cloned().unwrap_or_default();
            (l, name)
        })
        .collect();
    lines.sort_by(|a, b| a.1.cmp(&b.1));
    let changed = rerate_changes::Entity::find()
        .filter(rerate_changes::Column::RerateId.eq(run.id))
        .order_by_asc(rerate_changes::Column::Id)
        .limit(sample)
        .all(db)
        .await?;
    let calls: HashMap<i64, cdrs::Model> = cdrs::Entity::find()
        .filter(cdrs::Column::Id.is_in(changed.iter().map(|c| c.cdr_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let changes = changed
        .into_iter()
        .filter_map(|c| calls.get(&c.cdr_id).cloned().map(|cdr| (c, cdr)))
        .collect();
    Ok(RerateView {
        run,
        lines,
        changes,
    })
}

/// The tenant's latest runs, newest first (staff only).
///
/// # Errors
/// `Forbidden` unless staff.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    limit: u64,
) -> Result<Vec<rerates::Model>, ServiceError> {
    staff(actor)?;
    Ok(rerates::Entity::find()
        .filter(rerates::Column::TenantId.eq(actor.tenant_id))
        .order_by_desc(rerates::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
