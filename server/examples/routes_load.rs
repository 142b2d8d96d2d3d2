//! Load script for the LCR API (not a test): 20 carriers with 100,000-prefix decks each
//! (`domain::sample`, imported and activated through the real use cases), the three default
//! tiers, a switch key with `routes:read`, the real router served on loopback, then wrk
//! (Debian's package) asking `GET /api/v1/routes` for 10,000 different numbers: first paced at
//! about 2,000 requests/s, then as fast as it can.
//!
//! ```sh
//! cargo run --release -p server --example routes_load -- sqlite
//! cargo run --release -p server --example routes_load -- postgres://didtron:didtron@127.0.0.1:5432/postgres
//! ```
//! Optional further arguments: carriers (20), prefixes per carrier (100000), seconds per wrk run
//! (30). Prints the set-up times and wrk's reports; docs/benchmarks.md records them.

#[path = "load/mod.rs"]
mod load;

use std::net::SocketAddr;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "sqlite".to_owned());
    let carriers: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let rows: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(30);
    let db_url = load::fresh_db(&target).await;
    // The default limits: 600,000 route look-ups per key and minute is more than a 30 s run asks.
    let (settings, _data) = load::settings(&db_url);
    let svc = services::Services::start(settings).await.unwrap();
    services::seed::seed_demo(&svc.db).await.unwrap();
    let actor = load::demo_admin(&svc).await;
    let started = Instant::now();
    for n in 1..=carriers {
        load::carrier_with_deck(&svc, &actor, n, rows).await;
    }
    services::tiers::list_tiers(&svc.db, &actor).await.unwrap();
    let key = services::api_keys::create_key(&svc.db, &actor, "wrk", &["routes:read".to_owned()])
        .await
        .unwrap();
    println!(
        "set-up: {carriers} carriers x {rows} prefixes imported and activated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let snapshot = svc.routes.snapshot(1).await.unwrap();
    println!(
        "route snapshot: {} rates from {} decks built in {:.2} s",
        snapshot.rates,
        snapshot.index.carriers().len(),
        snapshot.build_time.as_secs_f64()
    );

    let router = server::build_router(svc.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let numbers: Vec<String> = domain::sample::numbers(42, 10_000)
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect();
    // 22 connections, each waiting 10 ms between answers: about 2,000 requests/s in all.
    let script = format!(
        "local numbers = {{{}}}\n\
         local paced = os.getenv(\"PACED\") == \"1\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {}\"\n\
         request = function()\n  \
           local n = numbers[math.random(#numbers)]\n  \
           return wrk.format(\"GET\", \"/api/v1/routes?tier=Standard&number=\" .. n)\n\
         end\n\
         delay = function()\n  if paced then return 10 else return 0 end\nend\n\
         done = function(summary, latency, requests)\n  \
           io.write(string.format(\"requests %d, errors (status, timeout, connect) %d %d %d, rate %.0f/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\\n\",\n    \
           summary.requests, summary.errors.status, summary.errors.timeout, summary.errors.connect,\n    \
           summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,\n    \
           latency:percentile(99.9) / 1000, latency.max / 1000))\n\
         end\n",
        numbers.join(","),
        key.token
    );
    let script_file = std::env::temp_dir().join(format!("routes-{}.lua", uuid::Uuid::new_v4()));
    std::fs::write(&script_file, script).unwrap();
    let sample = reqwest_free_get(addr, &key.token, &numbers[0].replace('"', "")).await;
    println!("one answer: {sample}");
    for (label, paced, connections) in [("paced ~2000/s", "1", "22"), ("flat out", "0", "8")] {
        let args = vec![
            "-t2".to_owned(),
            "-c".to_owned(),
            connections.to_owned(),
            "-d".to_owned(),
            format!("{seconds}s"),
            "--latency".to_owned(),
            "-s".to_owned(),
            script_file.to_string_lossy().into_owned(),
            format!("http://{addr}/"),
        ];
        // wrk blocks: run it off the runtime's workers, which serve the requests.
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("wrk")
                .env("PACED", paced)
                .args(args)
                .output()
                .expect("wrk: install it with `apt-get install wrk`")
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let summary = text.lines().last().unwrap_or_default();
        println!("wrk {label} ({connections} connections, {seconds} s): {summary}");
    }
}

/// One request by hand (a raw HTTP/1.1 GET), to show an answer and check the set-up.
async fn reqwest_free_get(addr: SocketAddr, token: &str, number: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /api/v1/routes?tier=Standard&number={number} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    let body = body.split("\r\n\r\n").nth(1).unwrap_or_default();
    body.chars().take(600).collect()
}
