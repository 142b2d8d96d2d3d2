//! Worker control shared by every process through the database: pausing a queue or one worker
//! (`job_controls`), and cancelling a running job (`job_cancel_requests`, read by the job's own
//! runner every second).
//!
//! A paused worker takes no new job (its [`PauseGate`] holds it back); the job it is running
//! finishes. Each process's [`watch`] loop applies the table's state to its workers within a
//! second, and a gate looks at its flag four times a second, so a resumed worker starts again
//! at once (apalis' own `WorkerContext::pause`/`resume` was tried first: a resumed worker could
//! stay asleep, its wake-up lost).

use super::JobCategory;
use crate::error::ServiceError;
use crate::state::Services;
use apalis::prelude::{Backend, WorkerContext};
use apalis_core::backend::{BackendConfig, WireFormatBackend};
use chrono::Utc;
use futures::{Sink, SinkExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::HashSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// What can be paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PauseTarget {
    /// Every worker of a queue (a category's queue name, e.g. `system`).
    Queue(String),
    /// One worker, by its registered name (`<host>-<pid>-<queue>`).
    Worker(String),
}

impl PauseTarget {
    /// The `job_controls.target` key: `queue:<name>` or `worker:<name>`.
    pub fn key(&self) -> String {
        match self {
            PauseTarget::Queue(q) => format!("queue:{q}"),
            PauseTarget::Worker(w) => format!("worker:{w}"),
        }
    }
}

/// The paused targets' keys (see [`PauseTarget::key`]).
///
/// # Errors
/// Database errors.
pub async fn paused(db: &DatabaseConnection) -> Result<HashSet<String>, sea_orm::DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT target FROM job_controls",
        ))
        .await?;
    rows.into_iter()
        .map(|row| row.try_get::<String>("", "target"))
        .collect()
}

/// Pauses or resumes `target` for every process (the super admin only); audited. Pausing what
/// is paused, or resuming what runs, changes nothing.
///
/// # Errors
/// `Forbidden`; `Validation{queue}` for a queue that does not exist, `Validation{worker}` for an
/// empty worker name; database errors.
pub async fn set_paused(
    services: &Services,
    actor: &crate::audit::Actor,
    target: &PauseTarget,
    pause: bool,
) -> Result<(), ServiceError> {
    super::dashboard::super_admin(actor)?;
    match target {
        PauseTarget::Queue(q) if !JobCategory::ALL.iter().any(|c| c.queue() == q) => {
            return Err(ServiceError::field(
                "queue",
                &format!("`{q}` is not a queue"),
            ));
        }
        PauseTarget::Worker(w) if w.trim().is_empty() || w.len() > 190 => {
            return Err(ServiceError::field("worker", "name a registered worker"));
        }
        _ => {}
    }
    let db = &services.db;
    let backend = db.get_database_backend();
    let key = target.key();
    let statement = if pause {
        Statement::from_sql_and_values(
            backend,
            "INSERT INTO job_controls (target, paused_by, paused_at) VALUES ($1, $2, $3) \
             ON CONFLICT (target) DO NOTHING",
            [
                key.clone().into(),
                actor.email.clone().into(),
                Utc::now().into(),
            ],
        )
    } else {
        Statement::from_sql_and_values(
            backend,
            "DELETE FROM job_controls WHERE target = $1",
            [key.clone().into()],
        )
    };
    if db.execute_raw(statement).await?.rows_affected() > 0 {
        actor
            .audit(
                db,
                if pause { "pause" } else { "resume" },
                "job_queue",
                &key,
                crate::audit::Changes::new(),
            )
            .await?;
    }
    Ok(())
}

/// Asks the runner of job `job_id` (our request id) to stop; it fails the job as cancelled
/// within a second.
pub(super) async fn request_cancel(
    db: &DatabaseConnection,
    job_id: &str,
    by: &str,
) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO job_cancel_requests (job_id, requested_by, requested_at) VALUES ($1, $2, $3) \
         ON CONFLICT (job_id) DO NOTHING",
        [job_id.into(), by.into(), Utc::now().into()],
    ))
    .await
    .map(|_| ())
}

/// Who asked to cancel job `job_id`, when someone did.
pub(super) async fn cancel_requested_by(
    db: &DatabaseConnection,
    job_id: &str,
) -> Result<Option<String>, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT requested_by FROM job_cancel_requests WHERE job_id = $1",
            [job_id.into()],
        ))
        .await?;
    row.map(|r| r.try_get::<String>("", "requested_by"))
        .transpose()
}

/// Which of `job_ids` someone asked to cancel (one query).
pub(super) async fn cancel_requested(
    db: &DatabaseConnection,
    job_ids: &[String],
) -> Result<HashSet<String>, sea_orm::DbErr> {
    if job_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let placeholders = (1..=job_ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!("SELECT job_id FROM job_cancel_requests WHERE job_id IN ({placeholders})"),
            job_ids.iter().map(|id| id.clone().into()),
        ))
        .await?;
    rows.into_iter()
        .map(|row| row.try_get::<String>("", "job_id"))
        .collect()
}

/// A worker's pause switch: while it is set the worker starts no new fetch, so it takes no job.
/// Cloned into [`Gated`] and into the [`Registry`] that [`watch`] drives.
#[derive(Debug, Clone, Default)]
pub(super) struct PauseGate {
    paused: Arc<AtomicBool>,
}

impl PauseGate {
    fn set(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    /// Wraps a worker's backend in this gate; `in_flight` tells whether the backend is part-way
    /// through a fetch, which the gate then lets finish (see [`Gated`]).
    pub(super) fn around<B>(&self, backend: B, in_flight: fn(&B) -> bool) -> Gated<B> {
        Gated {
            backend,
            paused: self.paused.clone(),
            recheck: None,
            in_flight,
        }
    }
}

/// How often a paused worker looks whether it was resumed.
const RECHECK: Duration = Duration::from_millis(250);

/// A job backend behind a [`PauseGate`].
///
/// The gate sits in front of the backend's `poll_next`, not in front of the job service: apalis
/// asks the service whether it is ready before it drives the backend, so a service that says
/// "not ready" also stops a fetch that is half-way through. On SQLite that fetch holds the
/// write lock of its transaction, and every other writer then waits and fails with
/// `database is locked` (seen as workers stopping for good while a queue was paused). So a
/// paused gate still drives a fetch in flight, and hands out what it fetched (those jobs were
/// taken before the pause); it only refuses to start the next fetch.
///
/// apalis-core 1.0 keeps its fetch state private; on SQLite the gate reads it from the
/// backend's `Debug` text ([`sqlite_fetch_in_flight`], pinned by a unit test). The PostgreSQL
/// backend has no `Debug`; there a fetch cut short by a pause holds only the rows it is taking
/// (`FOR UPDATE SKIP LOCKED`) and its connection until the worker resumes.
pub(super) struct Gated<B> {
    backend: B,
    paused: Arc<AtomicBool>,
    recheck: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    in_flight: fn(&B) -> bool,
}

/// Whether a SQLite job backend is part-way through a fetch or holds fetched jobs not yet handed
/// out: apalis-core 1.0's `Persisted` state `Fetch` or `Buffered`, read from its `Debug` text.
pub(super) fn sqlite_fetch_in_flight<B: std::fmt::Debug>(backend: &B) -> bool {
    debug_shows_fetch(&format!("{backend:?}"))
}

fn debug_shows_fetch(debug: &str) -> bool {
    debug.contains("state: Fetch") || debug.contains("state: Buffered")
}

impl<B: Backend> Backend for Gated<B> {
    type Task = B::Task;
    type Error = B::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        // Heartbeats and acknowledgements go on while paused.
        self.backend.poll_ready(cx, worker)
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Option<Result<Self::Task, Self::Error>>> {
        use std::future::Future as _;
        if self.paused.load(Ordering::Relaxed) && !(self.in_flight)(&self.backend) {
            let sleep = self
                .recheck
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(RECHECK)));
            if sleep.as_mut().poll(cx).is_ready() {
                sleep.as_mut().reset(tokio::time::Instant::now() + RECHECK);
                // Registers this task's waker for the next check.
                let _ = sleep.as_mut().poll(cx);
            }
            return Poll::Pending;
        }
        self.recheck = None;
        self.backend.poll_next(cx, worker)
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        self.backend.poll_close(cx, worker)
    }
}

apalis_core::delegate_sink!(Gated<B>, backend);
apalis_core::delegate_codec!(Gated<B>, backend);
apalis_core::delegate_config!(Gated<B>, backend);

/// Lets a stopped worker of this process register its name again at once: apalis refuses a
/// name seen within the last heartbeat (SQLite) or whose advisory lock another session holds
/// (PostgreSQL, where the restart then waits for the lock to go). Failures are only logged:
/// the restart tries again.
pub(super) async fn release_worker_name(queues_db: &DatabaseConnection, name: &str) {
    let sql = match queues_db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => "UPDATE Workers SET last_seen = 0 WHERE id = $1",
        _ => "UPDATE apalis.workers SET last_seen = to_timestamp(0) WHERE id = $1",
    };
    let statement =
        Statement::from_sql_and_values(queues_db.get_database_backend(), sql, [name.into()]);
    if let Err(e) = queues_db.execute_raw(statement).await {
        tracing::warn!(worker = name, "releasing the worker's name: {e}");
    }
}

/// The workers of this process, as (queue, worker name, gate).
pub(super) type Registry = Arc<Mutex<Vec<(String, String, PauseGate)>>>;

/// Every second until `shutdown`: closes the gates of this process's workers whose queue or
/// name is paused in `job_controls`, and opens the others.
pub(super) async fn watch(
    db: DatabaseConnection,
    workers: Registry,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {}
        }
        let paused = match paused(&db).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("reading job controls: {e}");
                continue;
            }
        };
        let gates = workers.lock().map(|w| w.clone()).unwrap_or_default();
        for (queue, name, gate) in gates {
            gate.set(
                paused.contains(&PauseTarget::Queue(queue).key())
                    || paused.contains(&PauseTarget::Worker(name).key()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gate reads apalis' fetch state from the SQLite backend's `Debug` text: this pins the
    /// `state: <variant>` form it relies on, so an apalis upgrade that changes it fails here.
    #[tokio::test]
    async fn the_sqlite_backend_shows_its_fetch_state() {
        let pool = apalis_sqlite::SqlitePool::connect_lazy("sqlite::memory:").unwrap();
        let storage = apalis_sqlite::SqliteStorage::<()>::new(&pool);
        let debug = format!("{storage:?}");
        assert!(debug.contains("state: NotBootstrapped"), "{debug}");
        assert!(!sqlite_fetch_in_flight(&storage));
        assert!(debug_shows_fetch(
            "Persisted { state: Fetch, heartbeat_timer: None }"
        ));
        assert!(debug_shows_fetch("Persisted { state: Buffered(2 items) }"));
        assert!(!debug_shows_fetch("Persisted { state: Ready }"));
    }
}
