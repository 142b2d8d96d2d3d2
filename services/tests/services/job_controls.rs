//! Job control on SQLite and PostgreSQL: pausing and resuming a queue and a worker, cancelling
//! waiting and running jobs, cron schedules that queue each tick once however many processes
//! see it, the in-memory store, and the cleanup of orphaned uploads.

use super::helpers::{QUIET_SCHEDULES, actor, services_with};
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::json;
use services::Services;
use services::entities::tenants;
use services::jobs::{self, CancelOutcome, JobKind, JobRequest, PauseTarget};
use std::future::Future;
use std::time::Duration;

/// Waits up to `seconds` for `check` to hold, saying `what` when it never does.
async fn wait_for<F, Fut>(what: &str, seconds: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {seconds} s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How often job `id`'s effect was applied (`system.noop`), if ever.
async fn effect(db: &DatabaseConnection, id: &str) -> Option<i64> {
    db.query_one_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT runs FROM job_effects WHERE job_id = $1",
        [id.into()],
    ))
    .await
    .unwrap()
    .map(|row| row.try_get::<i64>("", "runs").unwrap())
}

/// Runs this process's workers until the returned sender fires.
fn start_workers(
    svc: &Services,
    name: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (svc, name) = (svc.clone(), name.to_owned());
    let handle = tokio::spawn(async move {
        jobs::run_workers(svc.clone(), svc.jobs.clone(), &name, async move {
            let _ = stopped.await;
        })
        .await
    });
    (stop, handle)
}

async fn stop_workers(
    (stop, handle): (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<anyhow::Result<()>>,
    ),
) {
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), handle)
        .await
        .expect("workers stop on shutdown")
        .unwrap()
        .unwrap();
}

async fn pending_task(svc: &Services, id: &str) -> Option<String> {
    let admin = actor(1, Role::SuperAdmin);
    jobs::overview(svc, &admin)
        .await
        .unwrap()
        .pending
        .into_iter()
        .find(|p| p.request.as_ref().is_some_and(|r| r.id == id))
        .map(|p| p.task_id)
}

async fn pause_resume_and_cancel(db: DatabaseConnection) {
    // The default schedules (health probe, cleanup, balance check) would add to the counts.
    let svc = services_with(db.clone(), QUIET_SCHEDULES).await;
    let admin = actor(1, Role::SuperAdmin);
    let workers = start_workers(&svc, "ctl");
    wait_for("the workers register", 15, || async {
        jobs::overview(&svc, &admin).await.unwrap().workers.len() == 7
    })
    .await;

    // Only the super admin controls the queues, and only queues that exist.
    let staff = actor(2, Role::Admin);
    let system = PauseTarget::Queue("system".into());
    assert!(matches!(
        jobs::set_paused(&svc, &staff, &system, true).await,
        Err(services::error::ServiceError::Forbidden)
    ));
    let err = jobs::set_paused(&svc, &admin, &PauseTarget::Queue("nope".into()), true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("queue"), "{err}");

    // A paused queue takes no job; a waiting job can be cancelled and never runs.
    jobs::set_paused(&svc, &admin, &system, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waits = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({}))
        .await
        .unwrap();
    let doomed = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        effect(&db, &waits).await,
        None,
        "ran while its queue was paused"
    );
    let overview = jobs::overview(&svc, &admin).await.unwrap();
    assert!(overview.paused.contains("queue:system"));
    let task = pending_task(&svc, &doomed).await.expect("waiting");
    assert_eq!(
        jobs::cancel(&svc, &admin, &task).await.unwrap(),
        CancelOutcome::Cancelled
    );
    jobs::set_paused(&svc, &admin, &system, false)
        .await
        .unwrap();
    wait_for("the resumed queue runs its job", 15, || async {
        effect(&db, &waits).await == Some(1)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(effect(&db, &doomed).await, None, "a cancelled job ran");

    // A running job stops within a second of its cancel and fails saying who cancelled it.
    let long = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({ "seconds": 60 }))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let task = loop {
        let running = jobs::overview(&svc, &admin).await.unwrap().running;
        if let Some(r) = running
            .into_iter()
            .find(|r| r.request.as_ref().is_some_and(|q| q.id == long) && r.progress.is_some())
        {
            break r.task_id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the long job did not run and report progress in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        jobs::cancel(&svc, &admin, &task).await.unwrap(),
        CancelOutcome::Stopping
    );
    wait_for("the running job stops as cancelled", 10, || async {
        jobs::overview(&svc, &admin)
            .await
            .unwrap()
            .failures
            .iter()
            .any(|f| {
                f.task_id == task
                    && f.status == "Killed"
                    && f.error.contains("cancelled by actor1@didtron.example")
            })
    })
    .await;
    assert_eq!(effect(&db, &long).await, None);
    assert!(matches!(
        jobs::cancel(&svc, &admin, &task).await,
        Err(services::error::ServiceError::NotFound)
    ));

    // One worker paused by name: its queue's jobs wait until it resumes.
    let worker = jobs::overview(&svc, &admin)
        .await
        .unwrap()
        .workers
        .into_iter()
        .find(|w| w.queue == "system")
        .unwrap()
        .id;
    let target = PauseTarget::Worker(worker);
    jobs::set_paused(&svc, &admin, &target, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({}))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(effect(&db, &later).await, None, "ran on a paused worker");
    jobs::set_paused(&svc, &admin, &target, false)
        .await
        .unwrap();
    wait_for("the resumed worker runs the job", 15, || async {
        effect(&db, &later).await == Some(1)
    })
    .await;

    // The last hour counts what finished: 2 done, 2 cancelled (the last is acknowledged just
    // after its effect is written).
    wait_for(
        "the last hour counts 4 finished jobs, 2 of them cancelled",
        10,
        || async {
            let last_hour = jobs::overview(&svc, &admin).await.unwrap().last_hour;
            let finished: i64 = last_hour.iter().map(|m| m.finished).sum();
            let failed: i64 = last_hour.iter().map(|m| m.failed).sum();
            (finished, failed) == (4, 2)
        },
    )
    .await;
    stop_workers(workers).await;
}

async fn schedules_queue_each_tick_once(db: DatabaseConnection) {
    // The default schedules are off: the minutely balance check would add a job of its own
    // whenever the window below crosses a minute.
    let mut vars = QUIET_SCHEDULES.to_vec();
    vars.extend([
        ("DIDTRON__JOBS__SCHEDULES__PROBE__CRON", "* * * * * *"),
        ("DIDTRON__JOBS__SCHEDULES__PROBE__KIND", "system.noop"),
    ]);
    let svc = services_with(db.clone(), &vars).await;
    let admin = actor(1, Role::SuperAdmin);
    let probe = svc.settings.jobs.schedules["probe"].clone();

    // Two processes seeing the same tick queue one job.
    let tick = 1_900_000_000;
    let (a, b) = tokio::join!(
        jobs::schedule::fire(&svc, &svc.jobs, "probe", &probe, tick),
        jobs::schedule::fire(&svc, &svc.jobs, "probe", &probe, tick),
    );
    let queued: Vec<String> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(pending_task(&svc, &queued[0]).await.is_some());

    // Without an Open Exchange Rates app id the FX schedule queues nothing and says why.
    let fx = svc.settings.jobs.schedules["fx_rates"].clone();
    assert_eq!(
        jobs::schedule::fire(&svc, &svc.jobs, "fx_rates", &fx, tick)
            .await
            .unwrap(),
        None
    );

    // Two schedulers (as in two worker processes) on an every-second schedule for 3.5 s.
    let (stop_a, stopped_a) = tokio::sync::oneshot::channel::<()>();
    let (stop_b, stopped_b) = tokio::sync::oneshot::channel::<()>();
    let first = tokio::spawn(jobs::schedule::run_scheduler(
        svc.clone(),
        svc.jobs.clone(),
        async move {
            let _ = stopped_a.await;
        },
    ));
    let second = tokio::spawn(jobs::schedule::run_scheduler(
        svc.clone(),
        svc.jobs.clone(),
        async move {
            let _ = stopped_b.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(3500)).await;
    stop_a.send(()).unwrap();
    stop_b.send(()).unwrap();
    first.await.unwrap();
    second.await.unwrap();
    let ticks = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM job_schedule_runs WHERE schedule = $1",
            ["probe".into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert!((3..=6).contains(&ticks), "{ticks} ticks in 3.5 s");
    let overview = jobs::overview(&svc, &admin).await.unwrap();
    let pending: i64 = overview
        .queues
        .iter()
        .find(|q| q.queue == "system")
        .unwrap()
        .counts
        .iter()
        .filter(|(s, _)| s == "Pending" || s == "Queued")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(pending, ticks, "one job per tick, whoever saw it");

    // A job due later counts as scheduled, not pending.
    jobs::enqueue_after(
        &svc.jobs,
        JobKind::Noop,
        json!({}),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let counts = jobs::overview(&svc, &admin)
        .await
        .unwrap()
        .queues
        .into_iter()
        .find(|q| q.queue == "system")
        .unwrap()
        .counts;
    assert!(counts.contains(&("Scheduled".to_owned(), 1)), "{counts:?}");

    let listed = overview.schedules;
    let probe = listed.iter().find(|s| s.name == "probe").unwrap();
    assert!(probe.next_run.is_some() && probe.last_run.is_some());
    let fx = listed.iter().find(|s| s.name == "fx_rates").unwrap();
    assert!(
        fx.skipped_because
            .as_deref()
            .is_some_and(|r| r.contains("fx.app_id")),
        "{fx:?}"
    );
}

async fn failed_jobs_are_retried_with_the_same_request(db: DatabaseConnection) {
    let svc = services_with(db, QUIET_SCHEDULES).await;
    let admin = actor(1, Role::SuperAdmin);
    let workers = start_workers(&svc, "retry");
    // Without an app id the FX refresh fails at once, for good.
    let id = jobs::enqueue(&svc.jobs, JobKind::RefreshFxRates, json!({}))
        .await
        .unwrap();
    let failed_runs = || async {
        jobs::overview(&svc, &admin)
            .await
            .unwrap()
            .failures
            .into_iter()
            .filter(|f| f.request.as_ref().is_some_and(|r| r.id == id))
            .map(|f| f.task_id)
            .collect::<Vec<_>>()
    };
    wait_for("the FX refresh fails", 15, || async {
        failed_runs().await.len() == 1
    })
    .await;
    let task = failed_runs().await.remove(0);
    assert!(matches!(
        jobs::retry(&svc, &actor(2, Role::Admin), &task).await,
        Err(services::error::ServiceError::Forbidden)
    ));
    assert!(matches!(
        jobs::retry(&svc, &admin, "no-such-task").await,
        Err(services::error::ServiceError::NotFound)
    ));
    assert_eq!(jobs::retry(&svc, &admin, &task).await.unwrap(), id);
    wait_for("the retry runs the same request again", 15, || async {
        failed_runs().await.len() == 2
    })
    .await;
    stop_workers(workers).await;
}

on_both_databases!(
    pause_resume_and_cancel,
    schedules_queue_each_tick_once,
    failed_jobs_are_retried_with_the_same_request,
);

/// SQLite answers `database is locked` to a writer that waits past its busy timeout (5 s), and
/// apalis then stops that worker's poller for good. The worker is started again, so its queue
/// still runs jobs once the lock is gone.
#[tokio::test]
async fn a_worker_comes_back_after_sqlite_says_database_is_locked() {
    use sea_orm::TransactionTrait;
    let db = super::helpers::sqlite().await;
    let svc = services_with(db.clone(), QUIET_SCHEDULES).await;
    let admin = actor(1, Role::SuperAdmin);
    let workers = start_workers(&svc, "lock");
    wait_for("the workers register", 15, || async {
        jobs::overview(&svc, &admin).await.unwrap().workers.len() == 7
    })
    .await;

    // Another writer holds the write lock for longer than the workers' busy timeout.
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(
        "INSERT INTO job_controls (target, paused_by, paused_at) \
         VALUES ('queue:nowhere', 'test', '2026-01-01T00:00:00Z')",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(7)).await;
    txn.rollback().await.unwrap();

    let after = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({}))
        .await
        .unwrap();
    wait_for("a job queued after the lock runs", 40, || async {
        effect(&db, &after).await == Some(1)
    })
    .await;
    // A worker that stopped would stay silent; every one of them beats again (the heartbeat is
    // every 10 s), past the time a stopped one's last beat would have aged beyond that.
    tokio::time::sleep(Duration::from_secs(12)).await;
    wait_for("every worker beats again", 20, || async {
        let workers = jobs::overview(&svc, &admin).await.unwrap().workers;
        workers.len() == 7 && workers.iter().all(|w| w.heartbeat_age_seconds <= 11)
    })
    .await;
    stop_workers(workers).await;
}

#[tokio::test]
async fn the_memory_store_runs_jobs_without_touching_the_database() {
    let db = super::helpers::sqlite().await;
    let svc = services_with(db.clone(), &[("DIDTRON__JOBS__STORE", "memory")]).await;
    let admin = actor(1, Role::SuperAdmin);
    let workers = start_workers(&svc, "mem");
    let id = jobs::enqueue(&svc.jobs, JobKind::Noop, json!({}))
        .await
        .unwrap();
    wait_for("the in-memory queue runs the job", 15, || async {
        effect(&db, &id).await == Some(1)
    })
    .await;
    let overview = jobs::overview(&svc, &admin).await.unwrap();
    assert_eq!(overview.workers.len(), 7);
    let tables = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'Jobs'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(tables, 0, "the queues stayed in memory");
    stop_workers(workers).await;
}

#[tokio::test]
async fn cleanup_deletes_old_orphaned_uploads_only() {
    let db = super::helpers::sqlite().await;
    let svc = services_with(db.clone(), &[]).await;
    let root = svc.settings.data.dir.join("objects");
    for key in [
        "tenants/1/logo-orphan",
        "tenants/1/logo-new-orphan",
        "tenants/1/logo-kept",
        "tenants/1/logo-x.123.part",
    ] {
        svc.objects.put(key, b"png".to_vec()).await.unwrap();
    }
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 86_400);
    for key in [
        "tenants/1/logo-orphan",
        "tenants/1/logo-kept",
        "tenants/1/logo-x.123.part",
    ] {
        std::fs::File::options()
            .write(true)
            .open(root.join(key))
            .unwrap()
            .set_modified(two_days_ago)
            .unwrap();
    }
    let mut tenant: tenants::ActiveModel = tenants::Entity::find_by_id(1)
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .into();
    tenant.logo_key = sea_orm::ActiveValue::Set(Some("tenants/1/logo-kept".into()));
    tenants::Entity::update(tenant).exec(&db).await.unwrap();

    let summary = jobs::run(
        &svc,
        &JobRequest {
            id: uuid::Uuid::new_v4().to_string(),
            kind: JobKind::Cleanup.key().to_owned(),
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    assert!(summary.contains("2 orphaned uploads"), "{summary}");
    let left: Vec<String> = svc
        .objects
        .list("tenants/")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(left, ["tenants/1/logo-kept", "tenants/1/logo-new-orphan"]);
}
