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
mod dashboard;
mod system;

pub use catalogue::{JobCategory, JobKind};
pub use dashboard::{
    FailedJob, JobsOverview, PendingJob, QueueCounts, WorkerInfo, cancel, overview, retry, trigger,
};

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
    push(store, kind, request).await?;
    Ok(id)
}

/// Puts `request` on `kind`'s queue with the kind's attempts (no validation: callers validate).
pub(crate) async fn push(
    store: &JobStore,
    kind: JobKind,
    request: JobRequest,
) -> Result<(), ServiceError> {
    let task = TaskBuilder::new(request)
        .max_attempts(kind.max_attempts())
        .build();
    let queue = kind.category().queue();
    let queued = match store {
        JobStore::Sqlite(pool) => apalis_sqlite::SqliteStorage::<JobRequest>::new(pool)
            .with_config(apalis_sqlite::Config::default().queue(queue))
            .push_task(task)
            .await
            .map_err(|e| e.to_string()),
        JobStore::Postgres(pool) => apalis_postgres::PostgresStorage::<JobRequest>::new(pool)
            .with_config(apalis_postgres::Config::default().queue(queue))
            .push_task(task)
            .await
            .map_err(|e| e.to_string()),
    };
    queued.map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("queueing a job: {e}")))
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
