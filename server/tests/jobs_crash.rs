//! A worker killed mid-job (kill -9) loses nothing: two `didtron --roles worker` processes share
//! 1,000 jobs on PostgreSQL, one is killed half-way, and every job still completes with its
//! effect applied exactly once (one `job_effects` row per job).

use sea_orm::{ConnectionTrait, Database, Statement};
use services::jobs::JobKind;
use services::settings::Settings;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const JOBS: i64 = 1000;

/// A worker process, killed when dropped: a failing assertion leaves none running.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn worker(db_url: &str, data_dir: &Path) -> Worker {
    Worker(
        Command::new(env!("CARGO_BIN_EXE_didtron"))
            .args(["--config", "/nonexistent/didtron.toml", "--roles", "worker"])
            .env("DIDTRON__DATABASE__URL", db_url)
            .env("DIDTRON__DATA__DIR", data_dir)
            .env("DIDTRON__SEED__DEMO", "false")
            .env("DIDTRON__JOBS__HEARTBEAT_SECONDS", "1")
            // Scheduled jobs would add to the counts.
            .env("DIDTRON__JOBS__SCHEDULES__HEALTH_PROBE__CRON", "")
            .env("DIDTRON__JOBS__SCHEDULES__CLEANUP__CRON", "")
            .env("DIDTRON__JOBS__SCHEDULES__CHECK_BALANCES__CRON", "")
            .env("DIDTRON__LOG__FILTER", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting a worker process"),
    )
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_loses_no_job_and_applies_no_effect_twice() {
    let admin_url = std::env::var("DIDTRON_TEST_POSTGRES_URL")
        .expect("DIDTRON_TEST_POSTGRES_URL is not set: run scripts/test.sh");
    let name = format!("didtron_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    let db_url = format!("{base}/{name}");
    let data_dir = std::env::temp_dir().join(format!("didtron-tests/crash-{name}"));
    let settings = Settings::load_from_vars(
        Path::new("/nonexistent/didtron.toml"),
        [
            ("DIDTRON__DATABASE__URL".to_owned(), db_url.clone()),
            (
                "DIDTRON__DATA__DIR".to_owned(),
                data_dir.to_string_lossy().into_owned(),
            ),
        ],
    )
    .unwrap();
    let svc = services::Services::start(settings).await.unwrap();
    for _ in 0..JOBS {
        services::jobs::enqueue(&svc.jobs, JobKind::Noop, serde_json::json!({}))
            .await
            .unwrap();
    }

    let mut a = worker(&db_url, &data_dir);
    let mut b = worker(&db_url, &data_dir);
    let effects = "SELECT COUNT(*) FROM job_effects";
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&svc.db, effects).await < JOBS / 2 {
        assert!(
            Instant::now() < deadline,
            "half the jobs did not run in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.0.kill().expect("kill -9 the first worker"); // SIGKILL: no shutdown, no release
    a.0.wait().unwrap();
    let killed_at = count(&svc.db, effects).await;
    assert!(
        killed_at < JOBS,
        "the kill came after the end: nothing was proven"
    );

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = count(
            &svc.db,
            "SELECT COUNT(*) FROM apalis.jobs WHERE status = 'Done'",
        )
        .await;
        if done == JOBS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {JOBS} jobs done 120 s after the kill"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(b.0.id().to_string())
        .status();
    let _ = b.0.wait();
    assert_eq!(
        count(&svc.db, effects).await,
        JOBS,
        "one effect row per job"
    );
    assert_eq!(
        count(&svc.db, "SELECT COUNT(*) FROM job_effects WHERE runs < 1").await,
        0
    );
    let reruns = count(
        &svc.db,
        "SELECT COALESCE(SUM(runs - 1), 0)::bigint FROM job_effects",
    )
    .await;
    println!(
        "killed at {killed_at} effects; {reruns} handler runs repeated after the kill, each applied once"
    );
}
