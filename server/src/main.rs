//! `didtron`: runs the platform. Settings come from `config/didtron.toml` (or `--config PATH`)
//! and `DIDTRON__SECTION__KEY` variables; see docs/operations.md.

use anyhow::Context;
use services::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;

#[tokio::main]
async fn main() {
    let code = match run().await {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("didtron: {err:#}");
            1
        }
    };
    // Exit now rather than wait, as dropping the runtime would, for every task and thread to
    // finish: what was in flight had its grace period (see `SHUTDOWN_GRACE`).
    std::process::exit(code);
}

/// How long a stop (Ctrl+C, SIGTERM) waits for requests and jobs in flight before the process
/// exits anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

async fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut config = PathBuf::from("config/didtron.toml");
    let mut roles_flag: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--roles" => {
                roles_flag = Some(
                    args.next()
                        .context("--roles needs web, worker or web,worker")?,
                )
            }
            "--config" => {
                config = args
                    .next()
                    .map(PathBuf::from)
                    .context("--config needs a path")?
            }
            "--help" | "-h" => {
                println!(
                    "usage: didtron [--config PATH] [--roles web,worker]\n  --roles  which roles this process runs: web (pages, API), worker (background jobs), or both (default: jobs.roles)\nsettings: docs/operations.md"
                );
                return Ok(());
            }
            other => anyhow::bail!("unknown argument `{other}` (try --help)"),
        }
    }
    let mut settings = Settings::load(&config)?;
    if let Some(roles) = roles_flag {
        settings.jobs.roles = roles;
        settings.validate()?;
    }
    let roles: Vec<String> = settings
        .jobs
        .roles
        .split(',')
        .map(|r| r.trim().to_owned())
        .collect();
    let (web, worker) = (
        roles.iter().any(|r| r == "web"),
        roles.iter().any(|r| r == "worker"),
    );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&settings.log.filter).context("log.filter")?,
        )
        .init();
    let addr = settings.server.addr;
    let public_url = settings.server.public_url.clone();
    let seed = settings.seed.demo;
    let services = services::Services::start(settings).await?;
    if seed
        && services::seed::seed_demo(&services.db)
            .await
            .map_err(|e| anyhow::anyhow!("seeding demo data: {e}"))?
    {
        tracing::info!("seeded the demo users");
    }
    // One shutdown signal (Ctrl+C or SIGTERM) for the web server and the workers.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        eprintln!(
            "didtron: requests or jobs still running {} s after the stop signal: exiting anyway",
            SHUTDOWN_GRACE.as_secs()
        );
        std::process::exit(1);
    });
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let workers = worker.then(|| {
        let name = format!(
            "{}-{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "didtron".to_owned()),
            std::process::id()
        );
        let (svc, store, signal) = (services.clone(), services.jobs.clone(), stopped());
        tracing::info!(worker = name, "running the job workers");
        tokio::spawn(async move { services::jobs::run_workers(svc, store, &name, signal).await })
    });
    if web {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} (server.addr)"))?;
        println!(
            "\nDIDTron is running at {public_url} (roles: {})\n",
            roles.join(",")
        );
        if seed {
            println!(
                "Demo sign-ins (password {}):",
                services::seed::DEMO_PASSWORD
            );
            for (email, _, role) in services::seed::DEMO_USERS {
                println!("  {:<16} {email}", role.label());
            }
            let (brand_host, brand_admin) = services::seed::DEMO_BRAND;
            let port = addr.port();
            println!(
                "\nSecond brand (white-label tenant VoiceHub): http://{brand_host}:{port}/login\n  {:<16} {brand_admin}",
                "Admin (staff)"
            );
            println!("API reference: {public_url}/docs/api");
            println!();
        }
        let router = server::build_router(services);
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped())
        .await
        .context("serving HTTP")?;
    } else {
        println!(
            "DIDTron worker running (roles: {}); Ctrl+C stops it",
            roles.join(",")
        );
        stopped().await;
    }
    if let Some(workers) = workers {
        workers.await.context("the job workers")??;
    }
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
