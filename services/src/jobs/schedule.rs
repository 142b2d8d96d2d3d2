//! Recurring jobs: the `[jobs.schedules.<name>]` settings, each a cron expression (with seconds,
//! in UTC) that queues a job kind with a payload. Ticks come from apalis-cron's
//! [`CronScheduler`]; every worker process runs the scheduler, and a tick is queued once
//! however many processes see it: the first to insert `(schedule, tick)` into
//! `job_schedule_runs` queues the job, the others find the row there and do nothing.

use super::{JobKind, JobRequest, JobStore, push};
use crate::settings::ScheduleSettings;
use crate::state::Services;
use apalis_cron::CronScheduler;
use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Statement};
use std::str::FromStr;

/// Checks one schedule: its cron expression, its kind and its payload (validated against the
/// kind). An empty `cron` (schedule off) is fine.
///
/// # Errors
/// What is wrong, naming the part (`cron`, `kind`, `payload.<field>`).
pub fn check(schedule: &ScheduleSettings) -> Result<(), String> {
    if schedule.cron.trim().is_empty() {
        return Ok(());
    }
    cron::Schedule::from_str(schedule.cron.trim()).map_err(|e| {
        format!(
            "cron `{}` is not a cron expression with seconds (sec min hour day month weekday, e.g. `0 30 3 * * *`): {e}",
            schedule.cron
        )
    })?;
    request(schedule).map(|_| ())
}

/// The kind and validated payload of `schedule`.
fn request(schedule: &ScheduleSettings) -> Result<(JobKind, serde_json::Value), String> {
    let kind: JobKind = schedule
        .kind
        .parse()
        .map_err(|e: super::catalogue::UnknownJobKind| format!("kind: {e}"))?;
    let text = if schedule.payload.trim().is_empty() {
        "{}"
    } else {
        schedule.payload.as_str()
    };
    let payload: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("payload is not JSON: {e}"))?;
    let payload = kind.validate(payload).map_err(|e| e.to_string())?;
    Ok((kind, payload))
}

/// A schedule as the dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleInfo {
    /// The settings name (`[jobs.schedules.<name>]`).
    pub name: String,
    /// The cron expression; empty when off.
    pub cron: String,
    /// The kind key.
    pub kind: String,
    /// The next tick (UTC), when on.
    pub next_run: Option<DateTime<Utc>>,
    /// The last tick that queued a job, and that job's id.
    pub last_run: Option<(DateTime<Utc>, String)>,
    /// Why ticks queue nothing (e.g. the provider is not configured), when they do not.
    pub skipped_because: Option<String>,
}

/// Every configured schedule with its next and last run.
///
/// # Errors
/// Database errors.
pub async fn list(services: &Services) -> Result<Vec<ScheduleInfo>, sea_orm::DbErr> {
    let db = &services.db;
    let mut out = Vec::new();
    for (name, schedule) in &services.settings.jobs.schedules {
        let next_run = cron::Schedule::from_str(schedule.cron.trim())
            .ok()
            .and_then(|c| c.upcoming(Utc).next());
        let last = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT tick_at, job_id FROM job_schedule_runs WHERE schedule = $1 ORDER BY tick_at DESC LIMIT 1",
                [name.clone().into()],
            ))
            .await?;
        let last_run = match last {
            Some(row) => {
                let tick: i64 = row.try_get("", "tick_at")?;
                let id: String = row.try_get("", "job_id")?;
                Utc.timestamp_opt(tick, 0).single().map(|at| (at, id))
            }
            None => None,
        };
        let skipped_because = schedule
            .kind
            .parse::<JobKind>()
            .ok()
            .and_then(|k| k.not_configured(&services.settings));
        out.push(ScheduleInfo {
            name: name.clone(),
            cron: schedule.cron.clone(),
            kind: schedule.kind.clone(),
            next_run,
            last_run,
            skipped_because,
        });
    }
    Ok(out)
}

/// Queues `schedule`'s job for the tick at `tick` (Unix seconds) unless a process already did;
/// returns the job id when this call queued it.
///
/// # Errors
/// Database or queue errors.
pub async fn fire(
    services: &Services,
    store: &JobStore,
    name: &str,
    schedule: &ScheduleSettings,
    tick: i64,
) -> anyhow::Result<Option<String>> {
    let (kind, payload) = request(schedule).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    if let Some(reason) = kind.not_configured(&services.settings) {
        tracing::debug!(schedule = name, "skipped: {reason}");
        return Ok(None);
    }
    let db = &services.db;
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO job_schedule_runs (schedule, tick_at, job_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (schedule, tick_at) DO NOTHING",
            [
                name.into(),
                tick.into(),
                id.clone().into(),
                Utc::now().into(),
            ],
        ))
        .await?
        .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    let request = JobRequest {
        id: id.clone(),
        kind: kind.key().to_owned(),
        payload,
    };
    if let Err(e) = push(store, kind, request).await {
        // Leave no record of a tick that queued nothing.
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM job_schedule_runs WHERE schedule = $1 AND tick_at = $2",
            [name.into(), tick.into()],
        ))
        .await?;
        return Err(e.into());
    }
    tracing::info!(schedule = name, job = id, "scheduled job queued");
    Ok(Some(id))
}

/// Runs every schedule that is on until `shutdown` resolves.
pub async fn run_scheduler(
    services: Services,
    store: JobStore,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for (name, schedule) in services.settings.jobs.schedules.clone() {
        let Ok(cron) = cron::Schedule::from_str(schedule.cron.trim()) else {
            continue; // off (settings validation refused anything else)
        };
        let (services, store) = (services.clone(), store.clone());
        tasks.spawn(async move {
            let mut ticks = Box::pin(CronScheduler::new(cron).into_stream());
            while let Some(tick) = ticks.next().await {
                match tick {
                    Ok(tick) => {
                        let at = i64::try_from(tick.get_timestamp()).unwrap_or(i64::MAX);
                        if let Err(e) = fire(&services, &store, &name, &schedule, at).await {
                            tracing::warn!(
                                schedule = name,
                                "could not queue the scheduled job: {e:#}"
                            );
                        }
                    }
                    Err(e) => tracing::warn!(schedule = name, "cron: {e}"),
                }
            }
        });
    }
    shutdown.await;
    tasks.abort_all();
}
