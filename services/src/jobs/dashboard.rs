//! The jobs dashboard's queries and actions: counts per queue, running jobs with progress,
//! failures, waiting jobs, workers, throughput and latency per minute, schedules; trigger,
//! retry, cancel. The super admin only (queues are platform-wide).

use super::schedule::ScheduleInfo;
use super::{JobCategory, JobKind, JobRequest, JobStore, catalogue, enqueue};
use crate::entities::job_progress;
use crate::error::ServiceError;
use crate::state::Services;
use chrono::{DateTime, TimeZone as _, Utc};
use sea_orm::{ColumnTrait as _, EntityTrait, QueryFilter as _};
use std::collections::HashSet;

/// A queue's job counts by state: apalis' (`Pending`, `Queued`, `Running`, `Done`, `Failed`,
/// `Killed`), except that a job due later (a retry waiting out its backoff, or one scheduled) is
/// `Scheduled`, a failed job with attempts left and due now is `Pending`, and so `Failed` means
/// failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCounts {
    /// The queue (category) name.
    pub queue: String,
    /// (state, count), by state name.
    pub counts: Vec<(String, i64)>,
}

/// A failed or cancelled job.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedJob {
    /// apalis' task id.
    pub task_id: String,
    /// Its queue.
    pub queue: String,
    /// The request (kind, payload, our id), when readable.
    pub request: Option<JobRequest>,
    /// `Failed` or `Killed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The last error, as apalis stored it.
    pub error: String,
}

/// A worker as apalis registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Worker name (`<host>-<pid>-<queue>`).
    pub id: String,
    /// Its queue.
    pub queue: String,
    /// Seconds since its last heartbeat.
    pub heartbeat_age_seconds: i64,
    /// Jobs it is running now.
    pub running: i64,
}

/// A job waiting in a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingJob {
    /// apalis' task id (to cancel it).
    pub task_id: String,
    /// Its queue.
    pub queue: String,
    /// The request, when readable.
    pub request: Option<JobRequest>,
}

/// A job a worker is running now.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningJob {
    /// apalis' task id (to cancel it).
    pub task_id: String,
    /// Its queue.
    pub queue: String,
    /// The request, when readable.
    pub request: Option<JobRequest>,
    /// The worker running it.
    pub worker: String,
    /// When the worker took it.
    pub started_at: Option<DateTime<Utc>>,
    /// Its last reported progress.
    pub progress: Option<job_progress::Model>,
    /// Someone asked to cancel it (it stops within a second).
    pub cancelling: bool,
}

/// Jobs finished in one minute of the last hour.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteStats {
    /// The minute's start (UTC).
    pub minute: DateTime<Utc>,
    /// Jobs that finished (done, failed or cancelled) in it.
    pub finished: i64,
    /// Of those, the ones that failed or were cancelled.
    pub failed: i64,
    /// Mean wait from due to taken by a worker, in seconds (SQLite stores whole seconds).
    pub mean_latency_seconds: f64,
}

/// What the jobs dashboard shows: counts per queue, the newest failures, and jobs in progress.
#[derive(Debug, Clone)]
pub struct JobsOverview {
    /// Jobs running now, oldest first (at most 50).
    pub running: Vec<RunningJob>,
    /// The last 60 minutes, oldest first; minutes without finished jobs are absent.
    pub last_hour: Vec<MinuteStats>,
    /// Paused queues and workers (`queue:<name>`, `worker:<name>`).
    pub paused: HashSet<String>,
    /// The cron schedules.
    pub schedules: Vec<ScheduleInfo>,
    /// Registered workers, by name.
    pub workers: Vec<WorkerInfo>,
    /// The 20 oldest jobs waiting to run.
    pub pending: Vec<PendingJob>,
    /// Per queue, counts by state (every category listed, empty ones too).
    pub queues: Vec<QueueCounts>,
    /// The 20 newest failed or cancelled jobs.
    pub failures: Vec<FailedJob>,
}

pub(super) fn super_admin(actor: &crate::audit::Actor) -> Result<(), ServiceError> {
    if actor.role == domain::access::Role::SuperAdmin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The dashboard's figures (the super admin only: queues are platform-wide).
///
/// # Errors
/// `Forbidden`; database errors.
pub async fn overview(
    services: &Services,
    actor: &crate::audit::Actor,
) -> Result<JobsOverview, ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    super_admin(actor)?;
    let queues_db = services.jobs.conn();
    let db = &queues_db;
    let backend = db.get_database_backend();
    let (workers_sql, pending_sql) = match services.jobs {
        JobStore::Sqlite(_) => (
            "SELECT w.id, w.worker_type AS queue, CAST(strftime('%s', 'now') AS INTEGER) - w.last_seen AS age, \
             (SELECT COUNT(*) FROM Jobs j WHERE j.lock_by = w.id AND j.status = 'Running') AS running \
             FROM Workers w ORDER BY w.id",
            "SELECT id, job_type AS queue, CAST(job AS TEXT) AS payload FROM Jobs \
             WHERE status IN ('Pending', 'Queued') AND lock_by IS NULL ORDER BY run_at, id LIMIT 20",
        ),
        JobStore::Postgres(_) => (
            "SELECT w.id, w.worker_type AS queue, EXTRACT(EPOCH FROM now() - w.last_seen)::bigint AS age, \
             (SELECT COUNT(*) FROM apalis.jobs j WHERE j.lock_by = w.id AND j.status = 'Running')::bigint AS running \
             FROM apalis.workers w ORDER BY w.id",
            "SELECT id::text AS id, job_type AS queue, convert_from(job, 'UTF8') AS payload FROM apalis.jobs \
             WHERE status IN ('Pending', 'Queued') AND lock_by IS NULL ORDER BY run_at, id LIMIT 20",
        ),
    };
    let workers = db
        .query_all_raw(Statement::from_string(backend, workers_sql))
        .await?
        .into_iter()
        .map(|row| -> Result<WorkerInfo, sea_orm::DbErr> {
            Ok(WorkerInfo {
                id: row.try_get("", "id")?,
                queue: row.try_get("", "queue")?,
                heartbeat_age_seconds: row.try_get("", "age")?,
                running: row.try_get("", "running")?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pending = db
        .query_all_raw(Statement::from_string(backend, pending_sql))
        .await?
        .into_iter()
        .map(|row| -> Result<PendingJob, sea_orm::DbErr> {
            let payload: String = row.try_get("", "payload")?;
            Ok(PendingJob {
                task_id: row.try_get("", "id")?,
                queue: row.try_get("", "queue")?,
                request: serde_json::from_str(&payload).ok(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let counts_sql = match services.jobs {
        JobStore::Sqlite(_) => {
            "SELECT job_type AS queue, \
             CASE WHEN status IN ('Pending', 'Failed') AND attempts < max_attempts \
                       AND run_at > CAST(strftime('%s', 'now') AS INTEGER) THEN 'Scheduled' \
                  WHEN status = 'Failed' AND attempts < max_attempts THEN 'Pending' \
                  ELSE status END AS state, COUNT(*) AS n \
             FROM Jobs GROUP BY 1, 2"
        }
        JobStore::Postgres(_) => {
            "SELECT job_type AS queue, \
             CASE WHEN status IN ('Pending', 'Failed') AND attempts < max_attempts AND run_at > now() \
                       THEN 'Scheduled' \
                  WHEN status = 'Failed' AND attempts < max_attempts THEN 'Pending' \
                  ELSE status END AS state, COUNT(*)::bigint AS n \
             FROM apalis.jobs GROUP BY 1, 2"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, counts_sql))
        .await?;
    let mut queues: Vec<QueueCounts> = JobCategory::ALL
        .iter()
        .map(|c| QueueCounts {
            queue: c.queue().to_owned(),
            counts: Vec::new(),
        })
        .collect();
    for row in rows {
        let queue: String = row.try_get("", "queue")?;
        let status: String = row.try_get("", "state")?;
        let n: i64 = row.try_get("", "n")?;
        match queues.iter_mut().find(|q| q.queue == queue) {
            Some(q) => q.counts.push((status, n)),
            None => queues.push(QueueCounts {
                queue,
                counts: vec![(status, n)],
            }),
        }
    }
    for q in &mut queues {
        q.counts.sort();
    }
    let failures = failures(services, db, None).await?;
    let running = running(services, db).await?;
    let last_hour = last_hour(services, db).await?;
    Ok(JobsOverview {
        running,
        last_hour,
        paused: super::control::paused(&services.db).await?,
        schedules: super::schedule::list(services).await?,
        workers,
        pending,
        queues,
        failures,
    })
}

/// The 20 newest failed or cancelled jobs, or only the one with `task_id`.
async fn failures(
    services: &Services,
    db: &sea_orm::DatabaseConnection,
    task_id: Option<&str>,
) -> Result<Vec<FailedJob>, ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match services.jobs {
        JobStore::Sqlite(_) => {
            "SELECT id, job_type AS queue, CAST(job AS TEXT) AS payload, status, attempts, max_attempts, \
             COALESCE(CAST(last_result AS TEXT), '') AS error FROM Jobs \
             WHERE status IN ('Failed', 'Killed') AND ($1 IS NULL OR id = $1) \
             ORDER BY COALESCE(done_at, run_at) DESC LIMIT 20"
        }
        JobStore::Postgres(_) => {
            "SELECT id::text AS id, job_type AS queue, convert_from(job, 'UTF8') AS payload, status, \
             attempts::bigint AS attempts, max_attempts::bigint AS max_attempts, \
             COALESCE(last_result::text, '') AS error FROM apalis.jobs \
             WHERE status IN ('Failed', 'Killed') AND ($1::text IS NULL OR id::text = $1::text) \
             ORDER BY COALESCE(done_at, run_at) DESC LIMIT 20"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [task_id.map(str::to_owned).into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            let payload: String = row.try_get("", "payload")?;
            Ok(FailedJob {
                task_id: row.try_get("", "id")?,
                queue: row.try_get("", "queue")?,
                request: serde_json::from_str(&payload).ok(),
                status: row.try_get("", "status")?,
                attempts: row.try_get("", "attempts")?,
                max_attempts: row.try_get("", "max_attempts")?,
                error: readable_error(&row.try_get::<String>("", "error")?),
            })
        })
        .collect()
}

/// The reason in apalis' stored result (`{"Err":"AbortError: <reason>"}`), without its
/// wrapping; the raw text when it has another shape.
fn readable_error(raw: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(map)) => match map.get("Err") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => raw.to_owned(),
        },
        Ok(serde_json::Value::String(s)) => s,
        _ => raw.to_owned(),
    };
    ["AbortError: ", "RetryAfterError: ", "transient: "]
        .iter()
        .fold(text, |t, prefix| {
            t.strip_prefix(prefix).map(str::to_owned).unwrap_or(t)
        })
}

/// Jobs running now with their progress and whether a cancel was asked for.
async fn running(
    services: &Services,
    db: &sea_orm::DatabaseConnection,
) -> Result<Vec<RunningJob>, ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match services.jobs {
        JobStore::Sqlite(_) => {
            "SELECT id, job_type AS queue, CAST(job AS TEXT) AS payload, COALESCE(lock_by, '') AS worker, \
             lock_at FROM Jobs WHERE status = 'Running' ORDER BY lock_at, id LIMIT 50"
        }
        JobStore::Postgres(_) => {
            "SELECT id::text AS id, job_type AS queue, convert_from(job, 'UTF8') AS payload, \
             COALESCE(lock_by, '') AS worker, EXTRACT(EPOCH FROM lock_at)::bigint AS lock_at \
             FROM apalis.jobs WHERE status = 'Running' ORDER BY lock_at, id LIMIT 50"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        let payload: String = row.try_get("", "payload")?;
        let started: Option<i64> = row.try_get("", "lock_at")?;
        jobs.push(RunningJob {
            task_id: row.try_get("", "id")?,
            queue: row.try_get("", "queue")?,
            request: serde_json::from_str(&payload).ok(),
            worker: row.try_get("", "worker")?,
            started_at: started.and_then(|s| Utc.timestamp_opt(s, 0).single()),
            progress: None,
            cancelling: false,
        });
    }
    let ids: Vec<String> = jobs
        .iter()
        .filter_map(|j| j.request.as_ref().map(|r| r.id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(jobs);
    }
    let progress = job_progress::Entity::find()
        .filter(job_progress::Column::JobId.is_in(ids.clone()))
        .all(&services.db)
        .await?;
    let cancelling = super::control::cancel_requested(&services.db, &ids).await?;
    for job in &mut jobs {
        let Some(id) = job.request.as_ref().map(|r| r.id.as_str()) else {
            continue;
        };
        job.progress = progress.iter().find(|p| p.job_id == id).cloned();
        job.cancelling = cancelling.contains(id);
    }
    Ok(jobs)
}

/// Per minute of the last hour: jobs finished, failed, and their mean wait before a worker
/// took them.
async fn last_hour(
    services: &Services,
    db: &sea_orm::DatabaseConnection,
) -> Result<Vec<MinuteStats>, ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    let since = Utc::now().timestamp() / 60 * 60 - 59 * 60;
    let sql = match services.jobs {
        JobStore::Sqlite(_) => {
            "SELECT done_at / 60 * 60 AS minute, COUNT(*) AS finished, \
             SUM(CASE WHEN status = 'Done' THEN 0 ELSE 1 END) AS failed, \
             CAST(AVG(COALESCE(lock_at, done_at) - run_at) AS REAL) AS latency \
             FROM Jobs WHERE done_at >= $1 AND status IN ('Done', 'Failed', 'Killed') \
             GROUP BY done_at / 60 ORDER BY minute"
        }
        JobStore::Postgres(_) => {
            "SELECT (floor(EXTRACT(EPOCH FROM done_at) / 60) * 60)::bigint AS minute, COUNT(*)::bigint AS finished, \
             SUM(CASE WHEN status = 'Done' THEN 0 ELSE 1 END)::bigint AS failed, \
             AVG(EXTRACT(EPOCH FROM COALESCE(lock_at, done_at) - run_at))::float8 AS latency \
             FROM apalis.jobs WHERE done_at >= to_timestamp($1) AND status IN ('Done', 'Failed', 'Killed') \
             GROUP BY 1 ORDER BY 1"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [since.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            let minute: i64 = row.try_get("", "minute")?;
            Ok(MinuteStats {
                minute: Utc.timestamp_opt(minute, 0).single().unwrap_or_default(),
                finished: row.try_get("", "finished")?,
                failed: row.try_get("", "failed")?,
                mean_latency_seconds: row
                    .try_get::<Option<f64>>("", "latency")?
                    .unwrap_or(0.0)
                    .max(0.0),
            })
        })
        .collect()
}

/// Queues `kind` with `payload_json` (JSON text) for the super admin, audited.
///
/// # Errors
/// `Forbidden`; `Validation{kind}` for an unknown kind; `Validation{payload}` for text that is
/// not JSON, or `payload.<field>` naming the bad field.
pub async fn trigger(
    services: &Services,
    actor: &crate::audit::Actor,
    kind: &str,
    payload_json: &str,
) -> Result<String, ServiceError> {
    super_admin(actor)?;
    let kind: JobKind = kind
        .parse()
        .map_err(|e: catalogue::UnknownJobKind| ServiceError::field("kind", &e.to_string()))?;
    let text = if payload_json.trim().is_empty() {
        "{}"
    } else {
        payload_json
    };
    let payload: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ServiceError::field("payload", &format!("is not JSON: {e}")))?;
    let id = enqueue(&services.jobs, kind, payload.clone()).await?;
    actor
        .audit(
            &services.db,
            "trigger",
            "job",
            &id,
            crate::audit::Changes::new()
                .field("kind", None::<String>, kind.key())
                .field("payload", None::<String>, payload.to_string()),
        )
        .await?;
    Ok(id)
}

/// Queues a failed job again with the same request (same id, so its effects stay once).
///
/// # Errors
/// `Forbidden`; `NotFound` when no failed job has `task_id`.
pub async fn retry(
    services: &Services,
    actor: &crate::audit::Actor,
    task_id: &str,
) -> Result<String, ServiceError> {
    super_admin(actor)?;
    let failed = failures(services, &services.jobs.conn(), Some(task_id))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let request = failed.request.ok_or(ServiceError::NotFound)?;
    let kind: JobKind = request
        .kind
        .parse()
        .map_err(|e: catalogue::UnknownJobKind| ServiceError::field("kind", &e.to_string()))?;
    super::push(&services.jobs, kind, request.clone()).await?;
    actor
        .audit(
            &services.db,
            "retry",
            "job",
            &request.id,
            crate::audit::Changes::new(),
        )
        .await?;
    Ok(request.id)
}

/// What [`cancel`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job was waiting: it is marked `Killed` and never runs.
    Cancelled,
    /// The job is running: its runner stops it within a second and it fails as cancelled.
    Stopping,
}

/// Cancels a job: a waiting one at once (marked `Killed`, it never runs), a running one within a
/// second (its runner drops the handler and fails the job "cancelled by <email>"). Audited.
///
/// # Errors
/// `Forbidden`; `NotFound` when no waiting or running job has `task_id` (it may have finished
/// meanwhile).
pub async fn cancel(
    services: &Services,
    actor: &crate::audit::Actor,
    task_id: &str,
) -> Result<CancelOutcome, ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    super_admin(actor)?;
    let queues = services.jobs.conn();
    let backend = queues.get_database_backend();
    let reason = serde_json::to_string(&format!("cancelled by {}", actor.email))
        .unwrap_or_else(|_| "\"cancelled\"".to_owned());
    let statement = match services.jobs {
        JobStore::Sqlite(_) => Statement::from_sql_and_values(
            backend,
            "UPDATE Jobs SET status = 'Killed', done_at = CAST(strftime('%s', 'now') AS INTEGER), last_result = $1 \
             WHERE id = $2 AND status IN ('Pending', 'Queued') AND lock_by IS NULL",
            [reason.into(), task_id.into()],
        ),
        JobStore::Postgres(_) => Statement::from_sql_and_values(
            backend,
            "UPDATE apalis.jobs SET status = 'Killed', done_at = now(), last_result = $1::jsonb \
             WHERE id::text = $2 AND status IN ('Pending', 'Queued') AND lock_by IS NULL",
            [reason.into(), task_id.into()],
        ),
    };
    let outcome = if queues.execute_raw(statement).await?.rows_affected() > 0 {
        CancelOutcome::Cancelled
    } else {
        let job = running(services, &queues)
            .await?
            .into_iter()
            .find(|j| j.task_id == task_id)
            .and_then(|j| j.request)
            .ok_or(ServiceError::NotFound)?;
        super::control::request_cancel(&services.db, &job.id, &actor.email).await?;
        CancelOutcome::Stopping
    };
    actor
        .audit(
            &services.db,
            "cancel",
            "job",
            task_id,
            crate::audit::Changes::new(),
        )
        .await?;
    Ok(outcome)
}
