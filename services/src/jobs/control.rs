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
use apalis::prelude::{Layer, Service};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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

/// A worker's pause switch, as a tower layer around its job service: while the flag is set the
/// service says it is not ready, so the worker fetches nothing; a timer of its own re-checks the
/// flag every 250 ms, so clearing it needs no wake-up from outside.
#[derive(Debug, Clone, Default)]
pub(super) struct PauseGate {
    paused: Arc<AtomicBool>,
}

impl PauseGate {
    fn set(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }
}

impl<S> Layer<S> for PauseGate {
    type Service = Gated<S>;
    fn layer(&self, inner: S) -> Gated<S> {
        Gated {
            inner,
            paused: self.paused.clone(),
            recheck: None,
        }
    }
}

/// The service behind a [`PauseGate`].
#[derive(Debug)]
pub(super) struct Gated<S> {
    inner: S,
    paused: Arc<AtomicBool>,
    recheck: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S: Clone> Clone for Gated<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            paused: self.paused.clone(),
            recheck: None,
        }
    }
}

/// How often a paused worker looks whether it was resumed.
const RECHECK: Duration = Duration::from_millis(250);

impl<S: Service<R>, R> Service<R> for Gated<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        use std::future::Future as _;
        if !self.paused.load(Ordering::Relaxed) {
            self.recheck = None;
            return self.inner.poll_ready(cx);
        }
        let sleep = self
            .recheck
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(RECHECK)));
        if sleep.as_mut().poll(cx).is_ready() {
            sleep.as_mut().reset(tokio::time::Instant::now() + RECHECK);
            // Registers this task's waker for the next check.
            let _ = sleep.as_mut().poll(cx);
        }
        std::task::Poll::Pending
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.inner.call(request)
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
