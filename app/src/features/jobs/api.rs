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
    /// Counts: pending, running, done, failed, killed (apalis' `Queued` counts as pending).
    pub pending: i64,
    /// Running now.
    pub running: i64,
    /// Finished.
    pub done: i64,
    /// Failed for good, or waiting for a retry.
    pub failed: i64,
    /// Cancelled.
    pub killed: i64,
}

/// A job in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressRow {
    /// Our job id.
    pub id: String,
    /// Kind key.
    pub kind: String,
    /// Done so far.
    pub done: i64,
    /// Total.
    pub total: i64,
    /// Last message.
    pub message: String,
    /// Last update, `HH:MM:SS UTC`.
    pub at: String,
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
    /// In progress.
    pub in_progress: Vec<ProgressRow>,
    /// Recent failures.
    pub failures: Vec<FailureRow>,
    /// (kind key, description, example payload JSON) for the trigger form.
    pub kinds: Vec<(String, String, String)>,
    /// Workers as (name, queue, seconds since heartbeat, running jobs).
    pub workers: Vec<(String, String, i64, i64)>,
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
    use services::jobs::{JobCategory, JobKind};
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
            .map(|w| {
                (
                    w.id.clone(),
                    w.queue.clone(),
                    w.heartbeat_age_seconds,
                    w.running,
                )
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
                running: count(&q.counts, &["Running"]),
                done: count(&q.counts, &["Done"]),
                failed: count(&q.counts, &["Failed"]),
                killed: count(&q.counts, &["Killed"]),
            })
            .collect(),
        in_progress: o
            .in_progress
            .into_iter()
            .map(|p| ProgressRow {
                id: p.job_id,
                kind: p.kind,
                done: p.done,
                total: p.total,
                message: p.message,
                at: p.updated_at.format("%H:%M:%S UTC").to_string(),
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

/// Cancels waiting job `task_id`.
///
/// # Errors
/// `Forbidden`, `NotFound` (it started meanwhile, or does not exist).
#[server(endpoint = "cancel_job")]
pub async fn cancel_job(task_id: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    services::jobs::cancel(&svc, &me.actor(), &task_id)
        .await
        .map_err(fail)
}
