//! Load script for rate deck imports (not a test): a generated deck (500,000 rows by default,
//! `domain::sample`, shaped like the real decks) from upload to active on SQLite or PostgreSQL:
//! upload (file to object storage), preview (a dry run over the whole file, as the deck's page
//! does), the `rate_cards.import_deck` job (run in this process exactly as a worker runs it) and
//! activation, then the same again for a second deck, compared with the first.
//!
//! ```sh
//! cargo run --release -p server --example deck_load -- sqlite 500000
//! cargo run --release -p server --example deck_load -- postgres://didtron:didtron@127.0.0.1:5432/postgres 500000
//! ```
//! Prints one line per deck; docs/benchmarks.md records them.

#[path = "load/mod.rs"]
mod load;

use domain::access::Role;
use services::audit::Actor;
use services::decks::{self, DeckOptions};
use services::jobs::{JobKind, JobRequest};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "sqlite".to_owned());
    let rows: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(500_000);
    let db_url = load::fresh_db(&target).await;
    let (settings, _data) = load::settings(&db_url);
    let svc = services::Services::start(settings).await.unwrap();
    let actor = Actor {
        tenant_id: 1,
        user_id: 1,
        email: "load@didtron.example".to_owned(),
        role: Role::Admin,
        customer_id: None,
        carrier_id: None,
        ip: None,
        user_agent: None,
    };
    let carrier = services::carriers::create_carrier(
        &svc.db,
        &actor,
        services::carriers::CarrierInput {
            name: "Load test carrier".into(),
            currency: "USD".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = if target == "sqlite" {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    for (n, seed) in [1u64, 2].into_iter().enumerate() {
        let csv = domain::sample::deck_csv(seed, rows).into_bytes();
        let size = csv.len();
        let started = Instant::now();
        let deck = decks::upload_deck(&svc, &actor, carrier.id, "load.csv", csv, None)
            .await
            .unwrap();
        let uploaded = started.elapsed();
        let preview = decks::preview_deck(
            &svc,
            &actor,
            carrier.id,
            deck.id,
            &DeckOptions::default(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(preview.rows, rows);
        let previewed = started.elapsed();
        let job = decks::start_import(
            &svc,
            &actor,
            carrier.id,
            deck.id,
            DeckOptions::default(),
            None,
        )
        .await
        .unwrap();
        let summary = services::jobs::run(
            &svc,
            &JobRequest {
                id: job,
                kind: JobKind::ImportDeck.key().to_owned(),
                payload: serde_json::json!({ "deck_id": deck.id }),
            },
        )
        .await
        .unwrap();
        let imported = started.elapsed();
        decks::activate_deck(&svc.db, &actor, carrier.id, deck.id)
            .await
            .unwrap();
        let total = started.elapsed();
        println!(
            "{store} deck {} ({rows} rows, {:.1} MB): upload {:.2} s, preview {:.2} s, import job {:.2} s, activate {:.2} s; upload to active {:.2} s ({summary})",
            n + 1,
            size as f64 / 1e6,
            uploaded.as_secs_f64(),
            (previewed - uploaded).as_secs_f64(),
            (imported - previewed).as_secs_f64(),
            (total - imported).as_secs_f64(),
            total.as_secs_f64(),
        );
    }
}
