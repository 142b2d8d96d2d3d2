use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One queue's counts by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    /// Queue name.
    pub queue: String,
    /// Category title.
    pub title: String,
    /// Waiting and due (apalis' `Queued` and a retry that is due count as pending).
    pub pending: i64,
    /// Due later: a retry waiting out its backoff, or a job scheduled for later.
    pub scheduled: i64,
    /// Running now.
    pub running: i64,
    /// Finished.
    pub done: i64,
    /// Failed for good (no attempt left).
    pub failed: i64,
    /// Cancelled.
    pub killed: i64,
    /// Paused: its workers take no new job.
    pub paused: bool,
}

/// A job a worker is running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningRow {
    /// apalis' task id (to cancel it).
    pub task_id: String,
    /// Our job id.
    pub id: String,
    /// Kind key.
    pub kind: String,
    /// The worker running it.
    pub worker: String,
    /// When it started, `HH:MM:SS UTC`.
    pub started: String,
    /// Progress: done of total (0/0 before its first report) and the last message.
    pub done: i64,
    /// Total.
    pub total: i64,
    /// Last message.
    pub message: String,
    /// A cancel was asked for; it stops within a second.
    pub cancelling: bool,
}

/// A worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRow {
    /// Registered name.
    pub name: String,
    /// Its queue.
    pub queue: String,
    /// Seconds since its last heartbeat.
    pub heartbeat_age: i64,
    /// Jobs it runs now.
    pub running: i64,
    /// The kinds of the jobs it runs now, e.g. `system.cleanup`; empty when idle.
    pub current: String,
    /// Paused by itself (not through its queue).
    pub paused: bool,
}

/// A cron schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRow {
    /// Settings name.
    pub name: String,
    /// Cron expression (with seconds, UTC); empty when off.
    pub cron: String,
    /// Kind key.
    pub kind: String,
    /// Next run, `YYYY-MM-DD HH:MM:SS UTC`, or "off".
    pub next: String,
    /// Last run, or "never".
    pub last: String,
    /// Why its ticks queue nothing, when they do not.
    pub note: Option<String>,
}

/// A failed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRow {
    /// apalis' task id (to retry it).
    pub task_id: String,
    /// Kind key, when readable.
    pub kind: String,
    /// `Failed` or `Killed`.
    pub status: String,
    /// `attempts/max`.
    pub attempts: String,
    /// The error.
    pub error: String,
}

/// The dashboard's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobsData {
    /// Per queue.
    pub queues: Vec<QueueRow>,
    /// Running now.
    pub running: Vec<RunningRow>,
    /// The last hour as an SVG chart (drawn on the server).
    pub chart_svg: String,
    /// The last hour in words: finished, failed, mean latency.
    pub last_hour: String,
    /// Cron schedules.
    pub schedules: Vec<ScheduleRow>,
    /// Recent failures.
    pub failures: Vec<FailureRow>,
    /// (kind key, description, example payload JSON) for the trigger form.
    pub kinds: Vec<(String, String, String)>,
    /// Workers.
    pub workers: Vec<WorkerRow>,
    /// Waiting jobs as (task id, queue, kind).
    pub pending: Vec<(String, String, String)>,
}

/// The jobs dashboard's data (the super admin only).
///
/// # Errors
/// `Forbidden` for everyone else.
#[server(endpoint = "get_jobs")]
pub async fn get_jobs() -> Result<JobsData, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let o = services::jobs::overview(&svc, &me.actor())
        .await
        .map_err(fail)?;
    Ok(to_data(o))
}

/// The dashboard's data from the services' overview (also sent live by the server's
/// `/admin/jobs/events` stream).
#[cfg(feature = "ssr")]
pub fn to_data(o: services::jobs::JobsOverview) -> JobsData {
    use services::jobs::{JobCategory, JobKind, PauseTarget};
    let now = chrono::Utc::now();
    let time = |at: chrono::DateTime<chrono::Utc>| at.format("%H:%M:%S UTC").to_string();
    let is_paused = |target: PauseTarget| o.paused.contains(&target.key());
    let (finished, failed) = o
        .last_hour
        .iter()
        .fold((0, 0), |(f, x), m| (f + m.finished, x + m.failed));
    let mean_latency = if finished > 0 {
        o.last_hour
            .iter()
            .map(|m| m.mean_latency_seconds * m.finished as f64)
            .sum::<f64>()
            / finished as f64
    } else {
        0.0
    };
    let count = |counts: &[(String, i64)], states: &[&str]| {
        counts
            .iter()
            .filter(|(s, _)| states.contains(&s.as_str()))
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    JobsData {
        workers: o
            .workers
            .iter()
            .map(|w| WorkerRow {
                name: w.id.clone(),
                queue: w.queue.clone(),
                heartbeat_age: w.heartbeat_age_seconds,
                running: w.running,
                current: o
                    .running
                    .iter()
                    .filter(|r| r.worker == w.id)
                    .filter_map(|r| r.request.as_ref().map(|q| q.kind.clone()))
                    .collect::<Vec<_>>()
                    .join(", "),
                paused: is_paused(PauseTarget::Worker(w.id.clone())),
            })
            .collect(),
        running: o
            .running
            .iter()
            .map(|r| RunningRow {
                task_id: r.task_id.clone(),
                id: r.request.as_ref().map(|q| q.id.clone()).unwrap_or_default(),
                kind: r
                    .request
                    .as_ref()
                    .map_or_else(|| "?".to_owned(), |q| q.kind.clone()),
                worker: r.worker.clone(),
                started: r.started_at.map(time).unwrap_or_default(),
                done: r.progress.as_ref().map_or(0, |p| p.done),
                total: r.progress.as_ref().map_or(0, |p| p.total),
                message: r
                    .progress
                    .as_ref()
                    .map(|p| p.message.clone())
                    .unwrap_or_default(),
                cancelling: r.cancelling,
            })
            .collect(),
        chart_svg: super::chart::last_hour_svg(&o.last_hour, now),
        last_hour: format!(
            "Last hour: {finished} finished, {failed} failed or cancelled, mean wait before start {mean_latency:.1} s"
        ),
        schedules: o
            .schedules
            .iter()
            .map(|s| ScheduleRow {
                name: s.name.clone(),
                cron: s.cron.clone(),
                kind: s.kind.clone(),
                next: s.next_run.map_or_else(
                    || "off".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                ),
                last: s.last_run.as_ref().map_or_else(
                    || "never".to_owned(),
                    |(t, _)| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                ),
                note: s.skipped_because.clone(),
            })
            .collect(),
        pending: o
            .pending
            .iter()
            .map(|p| {
                (
                    p.task_id.clone(),
                    p.queue.clone(),
                    p.request
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), |r| r.kind.clone()),
                )
            })
            .collect(),
        queues: o
            .queues
            .iter()
            .map(|q| QueueRow {
                title: JobCategory::ALL
                    .iter()
                    .find(|c| c.queue() == q.queue)
                    .map_or(q.queue.clone(), |c| c.title().to_owned()),
                queue: q.queue.clone(),
                pending: count(&q.counts, &["Pending", "Queued"]),
                scheduled: count(&q.counts, &["Scheduled"]),
                running: count(&q.counts, &["Running"]),
                done: count(&q.counts, &["Done"]),
                failed: count(&q.counts, &["Failed"]),
                killed: count(&q.counts, &["Killed"]),
                paused: is_paused(PauseTarget::Queue(q.queue.clone())),
            })
            .collect(),
        failures: o
            .failures
            .into_iter()
            .map(|f| FailureRow {
                kind: f.request.map(|r| r.kind).unwrap_or_else(|| "?".to_owned()),
                task_id: f.task_id,
                status: f.status,
                attempts: format!("{}/{}", f.attempts, f.max_attempts),
                error: f.error,
            })
            .collect(),
        kinds: JobKind::ALL
            .iter()
            .map(|k| {
                (
                    k.key().to_owned(),
                    k.description().to_owned(),
                    k.example_payload().to_string(),
                )
            })
            .collect(),
    }
}

/// Queues a job of `kind` with `payload` (JSON text); returns its id.
///
/// # Errors
/// `Forbidden`, `Validation{kind|payload|payload.<field>}`.
#[server(endpoint = "trigger_job")]
pub async fn trigger_job(kind: String, payload: String) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::jobs::trigger(&svc, &me.actor(), &kind, &payload)
        .await
        .map_err(fail)
}

/// Queues failed job `task_id` again (same request).
///
/// # Errors
/// `Forbidden`, `NotFound`.
#[server(endpoint = "retry_job")]
pub async fn retry_job(task_id: String) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::jobs::retry(&svc, &me.actor(), &task_id)
        .await
        .map_err(fail)
}

/// Cancels job `task_id`, waiting or running; returns what happened, in words.
///
/// # Errors
/// `Forbidden`, `NotFound` (it finished meanwhile, or does not exist).
#[server(endpoint = "cancel_job")]
pub async fn cancel_job(task_id: String) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let outcome = services::jobs::cancel(&svc, &me.actor(), &task_id)
        .await
        .map_err(fail)?;
    Ok(match outcome {
        services::jobs::CancelOutcome::Cancelled => format!("Job {task_id} cancelled."),
        services::jobs::CancelOutcome::Stopping => {
            format!("Job {task_id} is stopping (within a second).")
        }
    })
}

/// Pauses or resumes a queue or a worker: `target` is `queue` or `worker`, `name` its name,
/// `action` `pause` or `resume`.
///
/// # Errors
/// `Forbidden`; `Validation{target|action|queue|worker}`.
#[server(endpoint = "pause_jobs")]
pub async fn pause_jobs(target: String, name: String, action: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use services::error::ServiceError;
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let target = match target.as_str() {
        "queue" => services::jobs::PauseTarget::Queue(name),
        "worker" => services::jobs::PauseTarget::Worker(name),
        _ => {
            return Err(fail(ServiceError::field(
                "target",
                "must be queue or worker",
            )));
        }
    };
    let pause = match action.as_str() {
        "pause" => true,
        "resume" => false,
        _ => {
            return Err(fail(ServiceError::field(
                "action",
                "must be pause or resume",
            )));
        }
    };
    services::jobs::set_paused(&svc, &me.actor(), &target, pause)
        .await
        .map_err(fail)
}
