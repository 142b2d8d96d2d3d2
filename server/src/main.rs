//! `didtron`: runs the platform. Settings come from `config/didtron.toml` (or `--config PATH`)
//! and `DIDTRON__SECTION__KEY` variables; see docs/operations.md.

use anyhow::Context;
use services::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("didtron: {err:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut config = PathBuf::from("config/didtron.toml");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => {
                config = args
                    .next()
                    .map(PathBuf::from)
                    .context("--config needs a path")?
            }
            "--help" | "-h" => {
                println!("usage: didtron [--config PATH]\nsettings: docs/operations.md");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument `{other}` (try --help)"),
        }
    }
    let settings = Settings::load(&config)?;
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr} (server.addr)"))?;
    println!("\nDIDTron is running at {public_url}\n");
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
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serving HTTP")
}
