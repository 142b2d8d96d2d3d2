//! The System kinds' handlers: health probe, exchange-rate refresh, cleanup/retention.

use super::catalogue::{Cleanup, Noop, RefreshFxRates, typed};
use super::{JobContext, JobFailure, JobStore};
use crate::entities::{fx_rates, job_progress};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Checks that the database and, when configured, Redis answer.
pub(super) async fn health_probe(ctx: &JobContext) -> Result<String, JobFailure> {
    ctx.services
        .db
        .ping()
        .await
        .map_err(|e| JobFailure::Permanent(format!("database unreachable: {e}")))?;
    let redis = match ctx.services.settings.redis_url() {
        None => "not configured".to_owned(),
        Some(url) => {
            let client = redis::Client::open(url)
                .map_err(|e| JobFailure::Permanent(format!("redis.url: {e}")))?;
            let mut conn = client
                .get_multiplexed_async_connection()
                .await
                .map_err(|e| JobFailure::Permanent(format!("Redis unreachable: {e}")))?;
            let pong: String = redis::cmd("PING")
                .query_async(&mut conn)
                .await
                .map_err(|e| JobFailure::Permanent(format!("Redis: {e}")))?;
            pong.to_lowercase()
        }
    };
    Ok(format!("database ok; redis {redis}"))
}

/// The body of Open Exchange Rates' `latest.json`
/// (<https://docs.openexchangerates.org/reference/latest-json>); rates are read as their exact
/// decimal text.
#[derive(serde::Deserialize)]
struct Latest {
    timestamp: i64,
    base: String,
    rates: BTreeMap<String, Box<serde_json::value::RawValue>>,
}

/// Open Exchange Rates' error body.
#[derive(serde::Deserialize)]
struct ProviderError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    description: String,
}

/// Fetches the latest rates for the base currency and stores each (base, quote, as-of) once:
/// running it twice for the same publication stores nothing new.
pub(super) async fn refresh_fx_rates(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: RefreshFxRates =
        typed(payload.clone()).map_err(|e| JobFailure::Permanent(e.to_string()))?;
    let fx = &ctx.services.settings.fx;
    let app_id = fx.app_id.expose_secret();
    if app_id.is_empty() {
        return Err(JobFailure::Permanent(
            "exchange rates are not configured: set fx.app_id (DIDTRON__FX__APP_ID) to an Open Exchange Rates app id".to_owned(),
        ));
    }
    let base = p
        .base
        .unwrap_or_else(|| fx.base_currency.clone())
        .to_uppercase();
    let url = format!("{}/latest.json", fx.base_url.trim_end_matches('/'));
    let response = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| JobFailure::Permanent(format!("HTTP client: {e}")))?
        .get(&url)
        .query(&[("app_id", app_id), ("base", base.as_str())])
        .send()
        .await
        .map_err(|e| JobFailure::Transient(format!("Open Exchange Rates unreachable: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let body: ProviderError = response.json().await.unwrap_or(ProviderError {
            message: String::new(),
            description: String::new(),
        });
        let reason = format!(
            "Open Exchange Rates answered {status}: {} {}",
            body.message, body.description
        );
        return Err(if status.as_u16() == 429 || status.is_server_error() {
            JobFailure::Transient(reason)
        } else {
            JobFailure::Permanent(reason)
        });
    }
    let latest: Latest = response
        .json()
        .await
        .map_err(|e| JobFailure::Transient(format!("unreadable rates: {e}")))?;
    let as_of = DateTime::<Utc>::from_timestamp(latest.timestamp, 0)
        .ok_or_else(|| JobFailure::Permanent(format!("bad timestamp {}", latest.timestamp)))?;
    let total = latest.rates.len() as u64;
    let now = Utc::now();
    let mut rows = Vec::with_capacity(latest.rates.len());
    for (quote, raw) in &latest.rates {
        let text = raw.get();
        let rate = Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| {
                JobFailure::Permanent(format!("rate of {quote} is not a number: {text}"))
            })?;
        rows.push(fx_rates::ActiveModel {
            base: Set(latest.base.clone()),
            quote: Set(quote.clone()),
            rate: Set(rate.normalize().to_string()),
            as_of: Set(as_of),
            fetched_at: Set(now),
            ..Default::default()
        });
    }
    let mut stored = 0u64;
    for (i, chunk) in rows.chunks(200).enumerate() {
        let result = fx_rates::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    fx_rates::Column::Base,
                    fx_rates::Column::Quote,
                    fx_rates::Column::AsOf,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&ctx.services.db)
            .await;
        match result {
            Ok(n) => stored += n,
            Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
        let done = ((i + 1) * 200).min(rows.len()) as u64;
        ctx.progress(done, total, &format!("stored {done} of {total} rates"))
            .await?;
    }
    Ok(format!(
        "{total} rates for {} as of {as_of}: {stored} new",
        latest.base
    ))
}

/// Deletes expired sessions, finished jobs and job progress older than the retention.
pub(super) async fn cleanup(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: Cleanup = typed(payload.clone()).map_err(|e| JobFailure::Permanent(e.to_string()))?;
    let days = p
        .older_than_days
        .unwrap_or(ctx.services.settings.jobs.retention_days)
        .max(1);
    let db = &ctx.services.db;
    let sessions = crate::session_store::DbSessionStore::new(db.clone())
        .delete_expired()
        .await?;
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    let progress = job_progress::Entity::delete_many()
        .filter(job_progress::Column::UpdatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected;
    let finished = "(status = 'Done' OR status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))";
    let queues = ctx.services.jobs.conn();
    let jobs = match &ctx.services.jobs {
        JobStore::Sqlite(_) => queues
            .execute_unprepared(&format!(
                "DELETE FROM Jobs WHERE {finished} AND COALESCE(done_at, run_at) < {}",
                cutoff.timestamp()
            ))
            .await?
            .rows_affected(),
        JobStore::Postgres(_) => queues
            .execute_unprepared(&format!(
                "DELETE FROM apalis.jobs WHERE {finished} AND COALESCE(done_at, run_at) < to_timestamp({})",
                cutoff.timestamp()
            ))
            .await?
            .rows_affected(),
    };
    ctx.progress(2, 4, "finished jobs deleted").await?;
    for (table, column) in [
        ("job_schedule_runs", "created_at"),
        ("job_cancel_requests", "requested_at"),
    ] {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            format!("DELETE FROM {table} WHERE {column} < $1"),
            [cutoff.into()],
        ))
        .await?;
    }
    let orphans = delete_orphaned_uploads(ctx).await?;
    ctx.progress(4, 4, "done").await?;
    Ok(format!(
        "deleted {sessions} expired sessions, {jobs} finished jobs and {progress} progress rows older than {days} days, and {orphans} orphaned uploads"
    ))
}

/// How long an upload may stay unreferenced before cleanup deletes it: longer than any upload
/// takes between storing the file and saving the row that points at it.
const ORPHAN_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// Deletes uploads nothing points at (a logo replaced while its old file could not be removed,
/// a write interrupted half-way) once they are older than [`ORPHAN_GRACE`].
async fn delete_orphaned_uploads(ctx: &JobContext) -> Result<u64, JobFailure> {
    use crate::entities::tenants;
    let referenced: std::collections::HashSet<String> = tenants::Entity::find()
        .all(&ctx.services.db)
        .await?
        .into_iter()
        .filter_map(|t| t.logo_key)
        .collect();
    let objects = &ctx.services.objects;
    let listed = objects
        .list("tenants/")
        .await
        .map_err(|e| JobFailure::Transient(format!("listing uploads: {e:#}")))?;
    let cutoff = Utc::now() - ORPHAN_GRACE;
    let mut deleted = 0;
    for object in listed {
        if object.modified < cutoff && !referenced.contains(&object.key) {
            objects
                .delete(&object.key)
                .await
                .map_err(|e| JobFailure::Transient(format!("deleting {}: {e:#}", object.key)))?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Waits the payload's seconds (progress each second), then records that the job ran: one
/// `job_effects` row per job (a rerun only counts the run).
pub(super) async fn noop(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    use sea_orm::{ConnectionTrait, Statement};
    let p: Noop = typed(payload.clone()).map_err(|e| JobFailure::Permanent(e.to_string()))?;
    for second in 0..p.seconds {
        ctx.progress(u64::from(second), u64::from(p.seconds), "waiting")
            .await?;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    if p.seconds > 0 {
        ctx.progress(u64::from(p.seconds), u64::from(p.seconds), "done")
            .await?;
    }
    let db = &ctx.services.db;
    let sql = "INSERT INTO job_effects (job_id, runs, applied_at) VALUES ($1, 1, $2) \
               ON CONFLICT (job_id) DO UPDATE SET runs = job_effects.runs + 1";
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [ctx.id.clone().into(), Utc::now().into()],
    ))
    .await?;
    Ok("ok".to_owned())
}
