//! The `billing.rerate` job: a queued re-rating's dry run. It re-rates the run's CDRs against
//! the decks and cards in force when it runs, [`PAGE`] at a time, storing each changed CDR's
//! rating before and after and recording `cdrs_checked` after each page (the run's page shows
//! it as a progress bar); at the end it stores, per customer, what its calls were charged
//! before and after, and marks the run `dry_run`, in one transaction. A retry starts over: it
//! first drops what an earlier attempt stored. Nothing outside the run's own rows changes.

use super::{parsed, period_cdrs};
use crate::cdrs::rate;
use crate::entities::{customers, rerate_changes, rerate_lines, rerates};
use crate::error::ServiceError;
use crate::jobs::{JobContext, JobFailure};
use crate::tenancy::in_tenant;
use domain::deck::RateDeck;
use domain::number::DialContext;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// CDRs read and re-rated per page (one progress step).
pub const PAGE: u64 = 2_000;

/// Changed CDRs inserted per statement (19 columns, well under SQLite's 32,766 parameters).
const INSERT_ROWS: usize = 1_000;

/// Payload of the `billing.rerate` job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RerateJob {
    /// The run (`rerates.id`) whose dry run to compute.
    pub rerate_id: i64,
}

/// A customer's running totals in a dry run.
#[derive(Default)]
struct Totals {
    currency: String,
    cdrs: i64,
    before: i64,
    after: i64,
}

/// Marks run `rerate_id` `failed`, saying `why` in its notes, unless its dry run is no longer
/// queued or running (a finished run keeps its result).
///
/// # Errors
/// Database errors.
pub(crate) async fn fail(
    db: &DatabaseConnection,
    rerate_id: i64,
    why: &str,
) -> Result<(), ServiceError> {
    rerates::Entity::update_many()
        .col_expr(rerates::Column::Status, "failed".into())
        .col_expr(
            rerates::Column::Notes,
            format!("The dry run failed: {why}").into(),
        )
        .filter(rerates::Column::Id.eq(rerate_id))
        .filter(rerates::Column::Status.is_in(["queued", "running"]))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs the dry run of the payload's run when it is `queued` or `running` (a run in any other
/// state is left alone); a permanent failure marks the run `failed` with the reason.
pub(crate) async fn dry_run_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: RerateJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(run) = rerates::Entity::find_by_id(p.rerate_id).one(db).await? else {
        return Ok(format!("re-rating {} no longer exists", p.rerate_id));
    };
    if !matches!(run.status.as_str(), "queued" | "running") {
        return Ok(format!(
            "re-rating {} is {}: nothing to do",
            run.id, run.status
        ));
    }
    match compute(ctx, &run).await {
        Err(JobFailure::Permanent(why)) => {
            fail(db, run.id, &why)
                .await
                .map_err(|e| JobFailure::Transient(e.to_string()))?;
            Err(JobFailure::Permanent(why))
        }
        other => other,
    }
}

async fn compute(ctx: &JobContext, run: &rerates::Model) -> Result<String, JobFailure> {
    let services = &ctx.services;
    let db = &services.db;
    let transient = |e: ServiceError| JobFailure::Transient(e.to_string());
    // Start over: a retry drops what an earlier attempt stored.
    rerate_changes::Entity::delete_many()
        .filter(rerate_changes::Column::RerateId.eq(run.id))
        .exec(db)
        .await?;
    rerate_lines::Entity::delete_many()
        .filter(rerate_lines::Column::RerateId.eq(run.id))
        .exec(db)
        .await?;
    rerates::Entity::update_many()
        .col_expr(rerates::Column::Status, "running".into())
        .col_expr(rerates::Column::CdrsChecked, 0i64.into())
        .filter(rerates::Column::Id.eq(run.id))
        .exec(db)
        .await?;
    let total = u64::try_from(run.cdrs_total).unwrap_or(0);
    ctx.progress(0, total, "re-rating the period's calls")
        .await?;
    let select = period_cdrs(
        run.tenant_id,
        run.period_from,
        run.period_to,
        run.customer_id,
    );
    let snapshot = services
        .routes
        .snapshot(run.tenant_id)
        .await
        .map_err(transient)?;
    let decks: HashMap<u32, &RateDeck> = snapshot
        .index
        .carriers()
        .iter()
        .map(|c| (c.id.0, &c.deck))
        .collect();
    let tenant_customers = in_tenant::<customers::Entity>(run.tenant_id)
        .all(db)
        .await?;
    let dial = DialContext::international();
    let fx = rate::Fx::load(services).await?;
    let (mut checked, mut changed, mut pending, mut unratable) = (0i64, 0i64, 0i64, 0i64);
    let mut totals: BTreeMap<i64, Totals> = BTreeMap::new();
    let mut after_id = 0i64;
    loop {
        let page = crate::cdrs::list::next_page(db, &select, &mut after_id, PAGE)
            .await
            .map_err(transient)?;
        if page.is_empty() {
            break;
        }
        let mut changes = Vec::new();
        for cdr in &page {
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
                &parsed(cdr),
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
                rerate_id: Set(run.id),
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
        changed += i64::try_from(changes.len()).unwrap_or(i64::MAX);
        for chunk in changes.chunks(INSERT_ROWS) {
            rerate_changes::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await?;
        }
        rerates::Entity::update_many()
            .col_expr(rerates::Column::CdrsChecked, checked.into())
            .filter(rerates::Column::Id.eq(run.id))
            .exec(db)
            .await?;
        let done = u64::try_from(checked).unwrap_or(0);
        ctx.progress(done, total.max(done), "re-rating the period's calls")
            .await?;
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
    let txn = db.begin().await?;
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
    rerates::Entity::update_many()
        .col_expr(rerates::Column::Status, "dry_run".into())
        .col_expr(rerates::Column::CdrsChecked, checked.into())
        .col_expr(rerates::Column::CdrsChanged, changed.into())
        .col_expr(rerates::Column::CdrsSkipped, (pending + unratable).into())
        .col_expr(rerates::Column::Notes, notes.join(". ").into())
        .filter(rerates::Column::Id.eq(run.id))
        .filter(rerates::Column::Status.eq("running"))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(format!(
        "re-rating {}: {checked} CDR(s) checked, {changed} re-priced, {} left out",
        run.id,
        pending + unratable
    ))
}
