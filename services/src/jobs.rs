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
pub mod control;
mod dashboard;
pub mod schedule;
mod system;

pub use catalogue::{JobCategory, JobKind};
pub use control::{PauseTarget, set_paused};
pub use dashboard::{
    CancelOutcome, FailedJob, JobsOverview, MinuteStats, PendingJob, QueueCounts, RunningJob,
    WorkerInfo, cancel, overview, retry, trigger,
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
            JobKind::Noop => system::noop(&ctx, &request.payload).await,
            JobKind::ImportDeck => crate::decks::import_job(&ctx, &request.payload).await,
            JobKind::ExportDeck => crate::decks::export_job(&ctx, &request.payload).await,
            JobKind::GenerateSellCard => {
                crate::sell_cards::generate_job(&ctx, &request.payload).await
            }
            JobKind::CheckBalances => crate::balances::check_job(&ctx).await,
            JobKind::RateCdrs => crate::cdrs::file_jobs::rate_job(&ctx, &request.payload).await,
            JobKind::Statement => crate::statements::statement_job(&ctx, &request.payload).await,
            JobKind::Rerate => crate::cdrs::rerate::job::dry_run_job(&ctx, &request.payload).await,
        }
    };
    // A cancel request (dashboard) stops the job within a second: the handler's future is
    // dropped and the job fails for good, saying who cancelled it.
    let cancelled = async {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Ok(Some(by)) = control::cancel_requested_by(&services.db, &request.id).await {
                return by;
            }
        }
    };
    tokio::select! {
        result = tokio::time::timeout(kind.timeout(), work) => match result {
            Ok(result) => result,
            Err(_) => Err(JobFailure::Transient(format!(
                "timed out after {} s",
                kind.timeout().as_secs()
            ))),
        },
        by = cancelled => Err(JobFailure::Permanent(format!("cancelled by {by}"))),
    }
}

/// Where the queues live.
#[derive(Debug, Clone)]
pub enum JobStore {
    /// A SQLite database (apalis-sqlite): the embedded database, or an in-memory one
    /// (`jobs.store = "memory"`).
    Sqlite(apalis_sqlite::SqlitePool),
    /// PostgreSQL (apalis-postgres): shared by every worker process.
    Postgres(apalis_postgres::PgPool),
}

impl JobStore {
    /// The queues in an in-memory SQLite database of this process (`jobs.store = "memory"`):
    /// nothing survives a restart, and only this process's workers see them.
    ///
    /// # Errors
    /// SQLite could not open the database or run apalis' migrations.
    pub async fn memory() -> anyhow::Result<JobStore> {
        use anyhow::Context;
        use apalis_sqlite::{SqliteConnectOptions, SqlitePoolOptions};
        // `sqlite::memory:` names a fresh shared-cache in-memory database, which lives as long as
        // one connection to it is open. The pool's connections may close (sqlx drops one whose
        // query was cancelled), so an anchor pool that nothing uses holds one open for the rest
        // of the process.
        let options = <SqliteConnectOptions as std::str::FromStr>::from_str("sqlite::memory:")
            .context("in-memory job store")?;
        let anchor = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .context("opening the in-memory job store")?;
        std::mem::forget(anchor);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .context("opening the in-memory job store")?;
        apalis_sqlite::SqliteStorage::<()>::migrations()
            .run(&pool)
            .await
            .context("creating the job queues (apalis-sqlite migrations)")?;
        Ok(JobStore::Sqlite(pool))
    }

    /// A SeaORM connection on the queues' database (for the dashboard's queries).
    pub fn conn(&self) -> DatabaseConnection {
        match self {
            JobStore::Sqlite(pool) => {
                sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool.clone())
            }
            JobStore::Postgres(pool) => {
                sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone())
            }
        }
    }

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

/// As [`enqueue`], for a job that must not start before `delay` has passed (it counts as
/// `Scheduled` until then).
///
/// # Errors
/// As [`enqueue`].
pub async fn enqueue_after(
    store: &JobStore,
    kind: JobKind,
    payload: serde_json::Value,
    delay: Duration,
) -> Result<String, ServiceError> {
    let payload = kind.validate(payload)?;
    let request = JobRequest {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.key().to_owned(),
        payload,
    };
    let id = request.id.clone();
    push_at(store, kind, request, Some(delay)).await?;
    Ok(id)
}

/// Puts `request` on `kind`'s queue with the kind's attempts (no validation: callers validate).
pub(crate) async fn push(
    store: &JobStore,
    kind: JobKind,
    request: JobRequest,
) -> Result<(), ServiceError> {
    push_at(store, kind, request, None).await
}

async fn push_at(
    store: &JobStore,
    kind: JobKind,
    request: JobRequest,
    delay: Option<Duration>,
) -> Result<(), ServiceError> {
    let builder = TaskBuilder::new(request).max_attempts(kind.max_attempts());
    let task = match delay {
        Some(delay) => builder.run_after(delay),
        None => builder,
    }
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

/// How often an idle worker looks for new jobs (apalis would otherwise wait for its next
/// heartbeat): the upper bound of the latency from enqueue to start.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Wakes a worker every `period` to look for jobs. apalis 1.0's `IntervalStrategy` arms its
/// next delay without polling it, so when the fetch that follows a tick comes back empty
/// nothing wakes the worker again until its next heartbeat (`jobs.heartbeat_seconds`; seen as
/// jobs left waiting that long). This strategy polls the new delay at once, which registers the
/// wake-up.
#[derive(Debug)]
struct EveryInterval {
    period: Duration,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl EveryInterval {
    fn new(period: Duration) -> Self {
        Self {
            period,
            sleep: Box::pin(tokio::time::sleep(period)),
        }
    }
}

impl PollStrategy for EveryInterval {
    fn poll_drive(
        &mut self,
        cx: &mut std::task::Context<'_>,
        _: &PollSnapshot,
    ) -> std::task::Poll<Option<()>> {
        use std::future::Future as _;
        if self.sleep.as_mut().poll(cx).is_pending() {
            return std::task::Poll::Pending;
        }
        self.sleep
            .as_mut()
            .reset(tokio::time::Instant::now() + self.period);
        // Registers `cx`'s waker for the next tick.
        let _ = self.sleep.as_mut().poll(cx);
        std::task::Poll::Ready(Some(()))
    }
}

/// Runs one worker per queue (category) in this process until `shutdown` resolves, with the
/// control loop (pause/resume, [`control::watch`]) and the cron schedules
/// ([`schedule::run_scheduler`]); running jobs are finished or released (their lease lapses and
/// another worker takes them) on the way out.
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
    let registry: control::Registry = Default::default();
    let mut set = tokio::task::JoinSet::new();
    // The same worker for either backend: only the storage's type differs. A worker whose
    // backend fails (on SQLite, `database is locked` past the busy timeout stops apalis'
    // poller for good) is started again, so a queue never stays without its worker.
    macro_rules! spawn_worker {
        ($make_storage:expr, $in_flight:expr, $worker_name:expr, $queue:expr, $svc:expr, $signal:expr) => {{
            let gate = control::PauseGate::default();
            if let Ok(mut workers) = registry.lock() {
                workers.push(($queue.to_owned(), $worker_name.clone(), gate.clone()));
            }
            let (name, svc, signal, make_storage) = ($worker_name, $svc, $signal, $make_storage);
            let queues_db = store.conn();
            set.spawn(async move {
                let mut backoff = Duration::from_secs(1);
                loop {
                    let worker = WorkerBuilder::new(name.clone())
                        .backend(gate.around(make_storage(), $in_flight))
                        .data(svc.clone())
                        .on_event(|ctx, event| {
                            if let Event::Error(e) = event {
                                tracing::warn!(worker = ctx.name(), "worker error: {e}");
                            }
                        })
                        .build(handle);
                    let stop = signal.clone();
                    let outcome = worker
                        .run_until(async move {
                            stop.await;
                            Ok::<(), WorkerError>(())
                        })
                        .await;
                    if futures::FutureExt::now_or_never(signal.clone()).is_some() {
                        return outcome.map_err(anyhow::Error::from);
                    }
                    tracing::warn!(
                        worker = %name,
                        "job worker stopped ({}); starting it again in {} s",
                        match &outcome {
                            Ok(()) => "its backend gave up".to_owned(),
                            Err(e) => e.to_string(),
                        },
                        backoff.as_secs()
                    );
                    control::release_worker_name(&queues_db, &name).await;
                    tokio::select! {
                        () = signal.clone() => return Ok(()),
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            });
        }};
    }
    for category in JobCategory::ALL {
        let queue = category.queue();
        let worker_name = format!("{name}-{queue}");
        let svc = services.clone();
        let signal = shutdown.clone();
        match &store {
            JobStore::Sqlite(pool) => {
                let pool = pool.clone();
                let make = move || {
                    let storage = apalis_sqlite::SqliteStorage::<JobRequest>::new(&pool)
                        .with_config(
                            apalis_sqlite::Config::default()
                                .queue(queue)
                                .heartbeat_interval(heartbeat)
                                .missed_heartbeats(2),
                        );
                    PollWith::new(storage, EveryInterval::new(POLL_INTERVAL))
                };
                let in_flight = control::sqlite_fetch_in_flight;
                spawn_worker!(make, in_flight, worker_name, queue, svc, signal);
            }
            JobStore::Postgres(pool) => {
                let pool = pool.clone();
                let make = move || {
                    let storage = apalis_postgres::PostgresStorage::<JobRequest>::new(&pool)
                        .with_config(
                            apalis_postgres::Config::default()
                                .queue(queue)
                                .heartbeat_interval(heartbeat)
                                .missed_heartbeats(2),
                        );
                    PollWith::new(storage, EveryInterval::new(POLL_INTERVAL))
                };
                spawn_worker!(make, |_| false, worker_name, queue, svc, signal);
            }
        }
    }
    let control = tokio::spawn(control::watch(
        services.db.clone(),
        registry,
        shutdown.clone(),
    ));
    let scheduler = tokio::spawn(schedule::run_scheduler(
        services.clone(),
        store.clone(),
        shutdown.clone(),
    ));
    while let Some(done) = set.join_next().await {
        done??;
    }
    let _ = control.await;
    let _ = scheduler.await;
    Ok(())
}
