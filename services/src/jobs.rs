//! Background jobs on apalis: the catalogue of job kinds (grouped in the seven categories of
//! domain.md), their payloads, retry policy, timeouts and progress, the queues (one per category,
//! in the platform's database: SQLite in the embedded mode, PostgreSQL in production, so every
//! worker process shares them and a job is locked by one worker at a time), and the workers.
//!
//! A job is a [`JobRequest`] (kind key + JSON payload + id). Handlers are idempotent: running one
//! twice has the effect of running it once. A handler's [`JobFailure::Transient`] is retried with
//! exponential backoff and jitter ([`backoff`]) up to the kind's attempts; a
//! [`JobFailure::Permanent`] fails the job at once with its reason.

pub mod catalogue;
mod system;

pub use catalogue::{JobCategory, JobKind};

use crate::entities::job_progress;
use crate::error::ServiceError;
use crate::state::Services;
use apalis::prelude::*;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseBackend, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What is queued: the kind's key, its payload (validated against the kind at enqueue) and an id
/// that handlers use as the idempotency key of their effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRequest {
    /// A UUID, unique per enqueued job.
    pub id: String,
    /// A [`JobKind`] key, e.g. `system.refresh_fx_rates`.
    pub kind: String,
    /// The kind's payload as JSON.
    pub payload: serde_json::Value,
}

/// Why a handler did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobFailure {
    /// Worth retrying later (a timeout, a 5xx, a 429, a database hiccup).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help (not configured, refused credentials, bad payload).
    #[error("{0}")]
    Permanent(String),
}

impl From<sea_orm::DbErr> for JobFailure {
    fn from(e: sea_orm::DbErr) -> Self {
        JobFailure::Transient(format!("database: {e}"))
    }
}

/// The delay before retry number `attempt` (1 = the first retry): 2 s doubled per attempt, at
/// most 10 minutes, with "equal jitter" (a random point in the upper half), so failing jobs of
/// many workers do not retry in lock step (AWS Architecture Blog, "Exponential Backoff And
/// Jitter").
pub fn backoff(attempt: usize) -> Duration {
    let exp = attempt.saturating_sub(1).min(16) as u32;
    let full = Duration::from_secs(2)
        .saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(600));
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// What a running handler can use: the platform's services, its job id, and progress reporting.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The platform's services.
    pub services: Services,
    /// The job's id.
    pub id: String,
    /// The job's kind.
    pub kind: JobKind,
}

impl JobContext {
    /// Records progress: `done` of `total` with a short message (shown live on the dashboard).
    ///
    /// # Errors
    /// A transient failure when the database is unreachable.
    pub async fn progress(&self, done: u64, total: u64, message: &str) -> Result<(), JobFailure> {
        let row = job_progress::ActiveModel {
            job_id: Set(self.id.clone()),
            kind: Set(self.kind.key().to_owned()),
            done: Set(i64::try_from(done).unwrap_or(i64::MAX)),
            total: Set(i64::try_from(total).unwrap_or(i64::MAX)),
            message: Set(message.chars().take(512).collect()),
            updated_at: Set(Utc::now()),
        };
        job_progress::Entity::insert(row)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(job_progress::Column::JobId)
                    .update_columns([
                        job_progress::Column::Done,
                        job_progress::Column::Total,
                        job_progress::Column::Message,
                        job_progress::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.services.db)
            .await?;
        Ok(())
    }
}

/// Runs one job's handler with its timeout; returns a summary of what it did.
///
/// # Errors
/// The handler's [`JobFailure`], or a transient one when it exceeded the kind's timeout.
pub async fn run(services: &Services, request: &JobRequest) -> Result<String, JobFailure> {
    let kind: JobKind = request
        .kind
        .parse()
        .map_err(|e: catalogue::UnknownJobKind| JobFailure::Permanent(e.to_string()))?;
    let ctx = JobContext {
        services: services.clone(),
        id: request.id.clone(),
        kind,
    };
    let work = async {
        match kind {
            JobKind::HealthProbe => system::health_probe(&ctx).await,
            JobKind::RefreshFxRates => system::refresh_fx_rates(&ctx, &request.payload).await,
            JobKind::Cleanup => system::cleanup(&ctx, &request.payload).await,
            JobKind::Noop => system::noop(&ctx).await,
        }
    };
    match tokio::time::timeout(kind.timeout(), work).await {
        Ok(result) => result,
        Err(_) => Err(JobFailure::Transient(format!(
            "timed out after {} s",
            kind.timeout().as_secs()
        ))),
    }
}

/// Where the queues live.
#[derive(Debug, Clone)]
pub enum JobStore {
    /// The embedded SQLite database (apalis-sqlite).
    Sqlite(apalis_sqlite::SqlitePool),
    /// PostgreSQL (apalis-postgres): shared by every worker process.
    Postgres(apalis_postgres::PgPool),
}

impl JobStore {
    /// The queues in the platform's database, created (apalis' own migrations) when missing.
    ///
    /// # Errors
    /// The migrations failed.
    pub async fn open(db: &DatabaseConnection) -> anyhow::Result<JobStore> {
        use anyhow::Context;
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool().clone();
                apalis_postgres::PostgresStorage::<()>::migrations()
                    .run(&pool)
                    .await
                    .context("creating the job queues (apalis-postgres migrations)")?;
                Ok(JobStore::Postgres(pool))
            }
            _ => {
                // apalis' `setup` would also turn `synchronous` off on a pooled connection; the
                // ledger needs every commit durable, so only the migrations run here.
                let pool = db.get_sqlite_connection_pool().clone();
                apalis_sqlite::SqliteStorage::<()>::migrations()
                    .run(&pool)
                    .await
                    .context("creating the job queues (apalis-sqlite migrations)")?;
                Ok(JobStore::Sqlite(pool))
            }
        }
    }
}

/// Validates `payload` against `kind` and queues the job on its category's queue, with the
/// kind's attempts; returns its id.
///
/// # Errors
/// `Validation{payload.<field>}` naming the bad field; `Unexpected` when the queue is
/// unreachable.
pub async fn enqueue(
    store: &JobStore,
    kind: JobKind,
    payload: serde_json::Value,
) -> Result<String, ServiceError> {
    let payload = kind.validate(payload)?;
    let request = JobRequest {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.key().to_owned(),
        payload,
    };
    let id = request.id.clone();
    let task = TaskBuilder::new(request)
        .max_attempts(kind.max_attempts())
        .build();
    let queue = kind.category().queue();
    match store {
        JobStore::Sqlite(pool) => {
            let mut storage = apalis_sqlite::SqliteStorage::<JobRequest>::new(pool)
                .with_config(apalis_sqlite::Config::default().queue(queue));
            storage
                .push_task(task)
                .await
                .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("queueing a job: {e}")))?;
        }
        JobStore::Postgres(pool) => {
            let mut storage = apalis_postgres::PostgresStorage::<JobRequest>::new(pool)
                .with_config(apalis_postgres::Config::default().queue(queue));
            storage
                .push_task(task)
                .await
                .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("queueing a job: {e}")))?;
        }
    }
    Ok(id)
}

/// The apalis handler: runs the job and maps its failure to apalis' retry or abort.
async fn handle(
    request: JobRequest,
    services: Data<Services>,
    attempt: Attempt,
) -> Result<String, BoxDynError> {
    match run(&services, &request).await {
        Ok(summary) => {
            tracing::info!(job = request.id, kind = request.kind, "{summary}");
            Ok(summary)
        }
        Err(JobFailure::Transient(reason)) => {
            let wait = backoff(attempt.current().max(1));
            tracing::warn!(job = request.id, kind = request.kind, retry_in = ?wait, "{reason}");
            Err(Box::new(RetryAfterError::new(reason, wait)))
        }
        Err(JobFailure::Permanent(reason)) => {
            tracing::error!(job = request.id, kind = request.kind, "failed: {reason}");
            Err(Box::new(AbortError::new(reason)))
        }
    }
}

/// How often an idle worker looks for new jobs (apalis would otherwise wait for its 30 s
/// heartbeat): the upper bound of the latency from enqueue to start.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Runs one worker per queue (category) in this process until `shutdown` resolves; running jobs
/// are finished or released (their lease lapses and another worker takes them) on the way out.
///
/// # Errors
/// A worker stopped with an error.
pub async fn run_workers(
    services: Services,
    store: JobStore,
    name: &str,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = futures::FutureExt::shared(Box::pin(shutdown));
    // A worker that misses two heartbeats is dead: its jobs go back to the queue.
    let heartbeat = Duration::from_secs(u64::from(services.settings.jobs.heartbeat_seconds));
    let mut set = tokio::task::JoinSet::new();
    for category in JobCategory::ALL {
        let queue = category.queue();
        let worker_name = format!("{name}-{queue}");
        let svc = services.clone();
        let signal = shutdown.clone();
        match &store {
            JobStore::Sqlite(pool) => {
                let storage = apalis_sqlite::SqliteStorage::<JobRequest>::new(pool)
                    .with_config(
                        apalis_sqlite::Config::default()
                            .queue(queue)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(2),
                    )
                    .poll_with_interval(POLL_INTERVAL);
                let worker = WorkerBuilder::new(worker_name)
                    .backend(storage)
                    .data(svc)
                    .build(handle);
                set.spawn(async move {
                    worker
                        .run_until(async move {
                            signal.await;
                            Ok::<(), WorkerError>(())
                        })
                        .await
                        .map_err(anyhow::Error::from)
                });
            }
            JobStore::Postgres(pool) => {
                let storage = apalis_postgres::PostgresStorage::<JobRequest>::new(pool)
                    .with_config(
                        apalis_postgres::Config::default()
                            .queue(queue)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(2),
                    )
                    .poll_with_interval(POLL_INTERVAL);
                let worker = WorkerBuilder::new(worker_name)
                    .backend(storage)
                    .data(svc)
                    .build(handle);
                set.spawn(async move {
                    worker
                        .run_until(async move {
                            signal.await;
                            Ok::<(), WorkerError>(())
                        })
                        .await
                        .map_err(anyhow::Error::from)
                });
            }
        }
    }
    while let Some(done) = set.join_next().await {
        done??;
    }
    Ok(())
}

/// A queue's job counts by apalis state (`Pending`, `Queued`, `Running`, `Done`, `Failed`,
/// `Killed`).
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

/// What the jobs dashboard shows: counts per queue, the newest failures, and jobs in progress.
#[derive(Debug, Clone)]
pub struct JobsOverview {
    /// Registered workers, by name.
    pub workers: Vec<WorkerInfo>,
    /// The 20 oldest jobs waiting to run.
    pub pending: Vec<PendingJob>,
    /// Per queue, counts by state (every category listed, empty ones too).
    pub queues: Vec<QueueCounts>,
    /// The 20 newest failed or cancelled jobs.
    pub failures: Vec<FailedJob>,
    /// Progress rows of jobs not yet at their total, newest first (at most 20).
    pub in_progress: Vec<job_progress::Model>,
}

fn super_admin(actor: &crate::audit::Actor) -> Result<(), ServiceError> {
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
    use sea_orm::sea_query::ExprTrait as _;
    use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect, Statement};
    super_admin(actor)?;
    let db = &services.db;
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
    let (counts_sql, failures_sql) = match services.jobs {
        JobStore::Sqlite(_) => (
            "SELECT job_type AS queue, status, COUNT(*) AS n FROM Jobs GROUP BY job_type, status",
            "SELECT id, job_type AS queue, CAST(job AS TEXT) AS payload, status, attempts, max_attempts, \
             COALESCE(CAST(last_result AS TEXT), '') AS error FROM Jobs \
             WHERE status IN ('Failed', 'Killed') ORDER BY COALESCE(done_at, run_at) DESC LIMIT 20",
        ),
        JobStore::Postgres(_) => (
            "SELECT job_type AS queue, status, COUNT(*)::bigint AS n FROM apalis.jobs GROUP BY job_type, status",
            "SELECT id::text AS id, job_type AS queue, convert_from(job, 'UTF8') AS payload, status, \
             attempts::bigint AS attempts, max_attempts::bigint AS max_attempts, \
             COALESCE(last_result::text, '') AS error FROM apalis.jobs \
             WHERE status IN ('Failed', 'Killed') ORDER BY COALESCE(done_at, run_at) DESC LIMIT 20",
        ),
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
        let status: String = row.try_get("", "status")?;
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
    let failures = db
        .query_all_raw(Statement::from_string(backend, failures_sql))
        .await?
        .into_iter()
        .map(|row| -> Result<FailedJob, sea_orm::DbErr> {
            let payload: String = row.try_get("", "payload")?;
            Ok(FailedJob {
                task_id: row.try_get("", "id")?,
                queue: row.try_get("", "queue")?,
                request: serde_json::from_str(&payload).ok(),
                status: row.try_get("", "status")?,
                attempts: row.try_get("", "attempts")?,
                max_attempts: row.try_get("", "max_attempts")?,
                error: row.try_get("", "error")?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let in_progress = job_progress::Entity::find()
        .filter(
            sea_orm::sea_query::Expr::col(job_progress::Column::Done)
                .lt(sea_orm::sea_query::Expr::col(job_progress::Column::Total)),
        )
        .order_by_desc(job_progress::Column::UpdatedAt)
        .limit(20)
        .all(db)
        .await?;
    Ok(JobsOverview {
        workers,
        pending,
        queues,
        failures,
        in_progress,
    })
}

use sea_orm::QueryFilter as _;

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
    let failed = overview(services, actor)
        .await?
        .failures
        .into_iter()
        .find(|f| f.task_id == task_id)
        .ok_or(ServiceError::NotFound)?;
    let request = failed.request.ok_or(ServiceError::NotFound)?;
    let kind: JobKind = request
        .kind
        .parse()
        .map_err(|e: catalogue::UnknownJobKind| ServiceError::field("kind", &e.to_string()))?;
    let task = TaskBuilder::new(request.clone())
        .max_attempts(kind.max_attempts())
        .build();
    let queue = kind.category().queue();
    match &services.jobs {
        JobStore::Sqlite(pool) => apalis_sqlite::SqliteStorage::<JobRequest>::new(pool)
            .with_config(apalis_sqlite::Config::default().queue(queue))
            .push_task(task)
            .await
            .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("queueing a job: {e}")))?,
        JobStore::Postgres(pool) => apalis_postgres::PostgresStorage::<JobRequest>::new(pool)
            .with_config(apalis_postgres::Config::default().queue(queue))
            .push_task(task)
            .await
            .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("queueing a job: {e}")))?,
    }
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

/// Cancels a job that is still waiting (not yet taken by a worker): it is marked `Killed` and
/// never runs. Audited.
///
/// # Errors
/// `Forbidden`; `NotFound` when no waiting job has `task_id` (it may have started meanwhile).
pub async fn cancel(
    services: &Services,
    actor: &crate::audit::Actor,
    task_id: &str,
) -> Result<(), ServiceError> {
    use sea_orm::{ConnectionTrait, Statement};
    super_admin(actor)?;
    let db = &services.db;
    let backend = db.get_database_backend();
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
    if db.execute_raw(statement).await?.rows_affected() == 0 {
        return Err(ServiceError::NotFound);
    }
    actor
        .audit(db, "cancel", "job", task_id, crate::audit::Changes::new())
        .await?;
    Ok(())
}
