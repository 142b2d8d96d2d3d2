//! Re-rating a period after a deck fix: a dry run (job `billing.rerate`, [`job`], with
//! progress) re-rates the period's CDRs against the decks and cards in force now and stores, per CDR, its rating before and after and, per customer,
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

use super::{CdrInput, IdOrName, Parsed};
use crate::audit::{Actor, Changes};
use crate::entities::{cdrs, customers, rerate_changes, rerate_lines, rerates};
use crate::error::ServiceError;
use crate::jobs::{JobKind, JobRequest};
use crate::ledger::{self, Posted, Posting};
use crate::state::Services;
use crate::tenancy::{find_scoped, in_tenant};
use chrono::Utc;
use domain::ledger::EntryKind;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

pub mod job;

/// Most CDRs one re-rating may cover (a month of a busy switch; the dry run is a job that
/// streams them): narrow the period (or pick a customer) beyond it.
pub const MAX_CDRS: u64 = 5_000_000;

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

/// The CDRs a run re-rates: the tenant's rated and unrated CDRs with a customer (of
/// `customer_id` when given) that started in `[start, end)`.
fn period_cdrs(
    tenant_id: i64,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
    customer_id: Option<i64>,
) -> sea_orm::Select<cdrs::Entity> {
    let select = cdrs::Entity::find()
        .filter(cdrs::Column::TenantId.eq(tenant_id))
        .filter(cdrs::Column::StartAt.gte(start))
        .filter(cdrs::Column::StartAt.lt(end))
        .filter(cdrs::Column::Status.is_in(["rated", "unrated"]))
        .filter(cdrs::Column::CustomerId.is_not_null());
    match customer_id {
        Some(id) => select.filter(cdrs::Column::CustomerId.eq(id)),
        None => select,
    }
}

/// Queues a dry run of the period (of `input.customer_id`, or all customers): the run is stored
/// as `queued`, audited, with how many CDRs the period holds, and job `billing.rerate`
/// ([`job`]) re-rates them against the decks and cards in force when it runs, without changing
/// them, showing its progress on the run.
///
/// # Errors
/// `Forbidden` unless staff; `Validation` naming `from` or `to` (not a date, reversed, longer
/// than [`MAX_DAYS`], more than [`MAX_CDRS`] CDRs); `NotFound` for another tenant's customer;
/// the job store's error when the job cannot be queued (the run is then `failed`).
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
    let count = period_cdrs(actor.tenant_id, start, end, input.customer_id)
        .count(db)
        .await?;
    if count > MAX_CDRS {
        return Err(ServiceError::field(
            "to",
            &format!(
                "the period holds {count} CDRs; re-rate at most {MAX_CDRS} at a time: pick fewer days or one customer"
            ),
        ));
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    let txn = db.begin().await?;
    let run = rerates::Entity::insert(rerates::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        period_from: Set(start),
        period_to: Set(end),
        customer_id: Set(input.customer_id),
        status: Set("queued".to_owned()),
        cdrs_checked: Set(0),
        cdrs_changed: Set(0),
        cdrs_skipped: Set(0),
        cdrs_total: Set(i64::try_from(count).unwrap_or(i64::MAX)),
        job_id: Set(job_id.clone()),
        notes: Set(String::new()),
        created_by: Set(actor.email.clone()),
        created_at: Set(Utc::now()),
        applied_by: Set(String::new()),
        applied_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
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
                .field("cdrs", serde_json::Value::Null, run.cdrs_total),
        )
        .await?;
    txn.commit().await?;
    let request = JobRequest {
        id: job_id,
        kind: JobKind::Rerate.key().to_owned(),
        payload: serde_json::json!({ "rerate_id": run.id }),
    };
    if let Err(e) = crate::jobs::push(&services.jobs, JobKind::Rerate, request).await {
        job::fail(db, run.id, &format!("could not be queued: {e}")).await?;
        return Err(e);
    }
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

/// One statement that re-rates the CDRs of run `$1` as its dry run computed, each only if its
/// status, price and cost are still what the dry run saw (NULL equal to NULL), so that the
/// number of rows it changes tells whether anything changed since.
fn apply_sql(backend: sea_orm::DatabaseBackend) -> String {
    let (run, same) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("$1", "IS NOT DISTINCT FROM"),
        _ => ("?", "IS"),
    };
    format!(
        "UPDATE cdrs SET status = r.new_status, cost_micros = r.new_cost, \
         cost_currency = r.new_cost_currency, price_micros = r.new_price, \
         price_currency = r.price_currency, prefix = r.new_prefix, \
         destination = r.new_destination, billed_secs = r.new_billed_secs, reason = r.new_reason, \
         sell_micros = r.new_sell_micros, sell_currency = r.new_sell_currency, \
         fx_rate = r.new_fx_rate, rerate_id = r.rerate_id \
         FROM rerate_changes AS r \
         WHERE r.rerate_id = {run} AND cdrs.id = r.cdr_id AND cdrs.status = r.old_status \
         AND cdrs.price_micros {same} r.old_price AND cdrs.cost_micros {same} r.old_cost"
    )
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
        "queued" | "running" => {
            return Err(ServiceError::field(
                "rerate",
                "its dry run is still running: apply it when it is done",
            ));
        }
        "failed" => {
            return Err(ServiceError::field(
                "rerate",
                "its dry run failed: start a new dry run",
            ));
        }
        _ => {}
    }
    if run.status == "dry_run" {
        let txn = db.begin().await?;
        let expected = rerate_changes::Entity::find()
            .filter(rerate_changes::Column::RerateId.eq(run.id))
            .count(&txn)
            .await?;
        let updated = txn
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                txn.get_database_backend(),
                apply_sql(txn.get_database_backend()),
                [run.id.into()],
            ))
            .await?;
        if updated.rows_affected() != expected {
            txn.rollback().await?;
            // Only a run still in dry run goes stale: an Apply sent twice at once must not
            // mark the run that the other one is applying.
            rerates::Entity::update_many()
                .col_expr(rerates::Column::Status, "stale".into())
                .filter(rerates::Column::Id.eq(run.id))
                .filter(rerates::Column::Status.eq("dry_run"))
                .exec(db)
                .await?;
            return Err(ServiceError::field(
                "rerate",
                "CDRs of this period changed after this dry run (charged, sent again or re-rated since): run a new dry run",
            ));
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
