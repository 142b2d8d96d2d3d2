//! Load script for the job queues (not a test): throughput of `system.noop` jobs with 1 and 2
//! worker processes, and the latency from enqueue to start, on SQLite or PostgreSQL.
//!
//! ```sh
//! cargo build -p server --bin didtron
//! cargo run -p server --example jobs_load -- sqlite 2000
//! cargo run -p server --example jobs_load -- postgres://didtron:didtron@127.0.0.1:5432/postgres 2000
//! ```
//! Prints one line per measurement; docs/benchmarks.md records them.

#[path = "load/mod.rs"]
mod load;

use load::{fresh_db, settings};
use sea_orm::{ConnectionTrait, Statement};
use services::jobs::JobKind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/examples/jobs_load -> target/debug/didtron
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("didtron")
}

fn worker(db_url: &str, data_dir: &Path) -> Child {
    Command::new(binary())
        .args(["--config", "/nonexistent/didtron.toml", "--roles", "worker"])
        .env("DIDTRON__DATABASE__URL", db_url)
        .env("DIDTRON__DATA__DIR", data_dir)
        .env("DIDTRON__SEED__DEMO", "false")
        .env("DIDTRON__LOG__FILTER", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting a worker: build it first with cargo build -p server --bin didtron")
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn stop(children: Vec<Child>) {
    for mut c in children {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
        let _ = c.wait();
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "sqlite".to_owned());
    let jobs: i64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    for processes in [1, 2] {
        let db_url = fresh_db(&target).await;
        let (settings, data_dir) = settings(&db_url);
        let svc = services::Services::start(settings).await.unwrap();
        let started = Instant::now();
        for _ in 0..jobs {
            services::jobs::enqueue(&svc.jobs, JobKind::Noop, serde_json::json!({}))
                .await
                .unwrap();
        }
        let enqueue = started.elapsed();
        let children: Vec<Child> = (0..processes).map(|_| worker(&db_url, &data_dir)).collect();
        let started = Instant::now();
        while count(&svc.db, "SELECT COUNT(*) FROM job_effects").await < jobs {
            assert!(started.elapsed() < Duration::from_secs(600), "too slow");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let run = started.elapsed();
        // Latency from enqueue to start, with the workers idle: 20 single jobs.
        let mut latencies = Vec::new();
        for _ in 0..20 {
            let before = count(&svc.db, "SELECT COUNT(*) FROM job_effects").await;
            let t = Instant::now();
            services::jobs::enqueue(&svc.jobs, JobKind::Noop, serde_json::json!({}))
                .await
                .unwrap();
            while count(&svc.db, "SELECT COUNT(*) FROM job_effects").await == before {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            latencies.push(t.elapsed());
        }
        latencies.sort();
        stop(children).await;
        println!(
            "{target_name} processes={processes} jobs={jobs}: enqueue {:.0} jobs/s; run {:.0} jobs/s ({:.2} s); enqueue-to-done latency min {:.0} ms, median {:.0} ms, max {:.0} ms",
            jobs as f64 / enqueue.as_secs_f64(),
            jobs as f64 / run.as_secs_f64(),
            run.as_secs_f64(),
            latencies[0].as_secs_f64() * 1000.0,
            latencies[10].as_secs_f64() * 1000.0,
            latencies[19].as_secs_f64() * 1000.0,
            target_name = if target == "sqlite" {
                "SQLite"
            } else {
                "PostgreSQL"
            },
        );
    }
}
