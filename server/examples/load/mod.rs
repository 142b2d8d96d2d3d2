//! What the load scripts share: a fresh database and the platform's services on it.

use domain::access::Role;
use sea_orm::{ConnectionTrait, Database};
use services::audit::Actor;
use services::decks::{self, DeckOptions};
use services::jobs::{JobKind, JobRequest};
use services::settings::Settings;
use std::path::{Path, PathBuf};

/// A fresh database URL: a new SQLite file for `sqlite`, else a new database on the PostgreSQL
/// server of admin URL `target`.
pub async fn fresh_db(target: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    if target == "sqlite" {
        let file = std::env::temp_dir().join(format!("didtron-load-{id}.sqlite"));
        return format!("sqlite://{}?mode=rwc", file.display());
    }
    let admin = Database::connect(target)
        .await
        .expect("PostgreSQL admin URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE didtron_load_{id}"))
        .await
        .unwrap();
    // `postgres://user:pass@host/db?host=/var/run/postgresql` (a Unix socket) keeps its query.
    let (url, query) = target.split_once('?').unwrap_or((target, ""));
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!(
        "{}/didtron_load_{id}{query}",
        url.rsplit_once('/').unwrap().0
    )
}

/// The embedded settings on database `db_url` with data under a new temporary directory, and
/// that directory.
pub fn settings(db_url: &str) -> (Settings, PathBuf) {
    let data_dir = std::env::temp_dir().join(format!("didtron-load-{}", uuid::Uuid::new_v4()));
    let settings = Settings::load_from_vars(
        Path::new("/nonexistent/didtron.toml"),
        [
            ("DIDTRON__DATABASE__URL".to_owned(), db_url.to_owned()),
            (
                "DIDTRON__DATA__DIR".to_owned(),
                data_dir.to_string_lossy().into_owned(),
            ),
        ],
    )
    .unwrap();
    (settings, data_dir)
}

/// The demo data's super admin (`services::seed::seed_demo` must have run), as an actor.
#[allow(dead_code)]
pub async fn demo_admin(svc: &services::Services) -> Actor {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use services::entities::users;
    let admin = users::Entity::find()
        .filter(users::Column::Email.eq("superadmin@didtron.example"))
        .one(&svc.db)
        .await
        .unwrap()
        .expect("the demo super admin");
    Actor {
        tenant_id: 1,
        user_id: admin.id,
        email: admin.email.clone(),
        role: Role::SuperAdmin,
        customer_id: None,
        carrier_id: None,
        ip: None,
        user_agent: None,
    }
}

/// Creates active carrier `Load carrier <n>` (USD) with a trunk at 198.51.100.`n`, and imports
/// and activates the sample deck of seed `n` with `rows` prefixes through the real use cases
/// (upload effective 2026-01-01, the import job run in this process, activation). Returns the carrier's id.
#[allow(dead_code)]
pub async fn carrier_with_deck(
    svc: &services::Services,
    actor: &Actor,
    n: u64,
    rows: usize,
) -> i64 {
    let carrier = services::carriers::create_carrier(
        &svc.db,
        actor,
        services::carriers::CarrierInput {
            name: format!("Load carrier {n:02}"),
            currency: "USD".into(),
            status: "active".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    services::carriers::save_trunk(
        &svc.db,
        actor,
        carrier.id,
        None,
        services::carriers::TrunkInput {
            name: "Primary".into(),
            host: format!("198.51.100.{n}"),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let csv = domain::sample::deck_csv(n, rows).into_bytes();
    // In force from the date of its rows, so calls of the past month rate against it.
    let effective = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 1, 0, 0, 0).unwrap();
    let deck = decks::upload_deck(svc, actor, carrier.id, "load.csv", csv, Some(effective))
        .await
        .unwrap();
    let job = decks::start_import(
        svc,
        actor,
        carrier.id,
        deck.id,
        DeckOptions::default(),
        None,
    )
    .await
    .unwrap();
    services::jobs::run(
        svc,
        &JobRequest {
            id: job,
            kind: JobKind::ImportDeck.key().to_owned(),
            payload: serde_json::json!({ "deck_id": deck.id }),
        },
    )
    .await
    .unwrap();
    decks::activate_deck(&svc.db, actor, carrier.id, deck.id)
        .await
        .unwrap();
    carrier.id
}
