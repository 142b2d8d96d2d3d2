//! Carrier rate decks end to end in the services: upload (to the local disk on SQLite, to the S3
//! server on PostgreSQL), preview, import as a job, rate-change report, activation and history,
//! with the real decks of shared/data/decks and the bad files an operator really gets.

use super::helpers::{actor, actor_in, services, services_with};
use super::tenants::{brand, fields};
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use domain::deck_import::{ColumnMapping, ColumnRole};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use services::ServiceError;
use services::carriers::{self, CarrierInput};
use services::decks::{self, DeckOptions, DeckState};
use services::jobs::{JobKind, JobRequest};
use services::state::Services;
use services::tenants;

pub(super) fn real(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/decks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// SQLite keeps uploads on the local disk; PostgreSQL runs with the S3 server of the test
/// command, in a bucket of its own.
pub(super) async fn platform(db: DatabaseConnection) -> Services {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return services(db).await;
    }
    let endpoint = std::env::var("DIDTRON_TEST_S3_URL")
        .expect("DIDTRON_TEST_S3_URL is not set: run the README's test command (scripts/test.sh)");
    let bucket = format!("didtron-decks-{}", uuid::Uuid::new_v4().simple());
    let store = services::storage::S3Store::new(&services::storage::S3Config {
        endpoint: endpoint.clone(),
        region: "us-east-1".into(),
        bucket: bucket.clone(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        path_style: true,
    });
    store.create_bucket().await.unwrap();
    services_with(
        db,
        &[
            ("DIDTRON__STORAGE__BACKEND", "s3"),
            ("DIDTRON__STORAGE__S3__ENDPOINT", &endpoint),
            ("DIDTRON__STORAGE__S3__BUCKET", &bucket),
            ("DIDTRON__STORAGE__S3__ACCESS_KEY_ID", "test"),
            ("DIDTRON__STORAGE__S3__SECRET_ACCESS_KEY", "test"),
        ],
    )
    .await
}

/// Runs the import job the way a worker does (no worker runs in these tests).
pub(super) async fn run_import(
    svc: &Services,
    job_id: &str,
    deck_id: i64,
) -> Result<String, String> {
    services::jobs::run(
        svc,
        &JobRequest {
            id: job_id.to_owned(),
            kind: JobKind::ImportDeck.key().to_owned(),
            payload: serde_json::json!({ "deck_id": deck_id }),
        },
    )
    .await
    .map_err(|e| e.to_string())
}

async fn deck_lifecycle(db: DatabaseConnection) {
    let svc = platform(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let carrier = carriers::create_carrier(
        db,
        &admin,
        CarrierInput {
            name: "Irontec Sample".into(),
            currency: "EUR".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cid = carrier.id;

    // Bad files are refused at upload, naming the file and what to do.
    for (name, bytes, expected) in [
        ("empty.csv", Vec::new(), "is empty (0 bytes)"),
        (
            "logo.png",
            b"\x89PNG\r\n".to_vec(),
            "is not a rate deck file",
        ),
        (
            "deck.csv",
            b"prefix,rate\n\x00\x01\x02".to_vec(),
            "is a binary file",
        ),
    ] {
        let err = decks::upload_deck(&svc, &admin, cid, name, bytes, None)
            .await
            .unwrap_err();
        let ServiceError::Validation(errors) = err else {
            panic!("{name}: {err:?}")
        };
        assert_eq!(errors[0].field, "deck");
        assert!(
            errors[0].message.contains(expected),
            "{name}: {}",
            errors[0].message
        );
    }

    // The real A-Z deck: preview, import, activate.
    let first = decks::upload_deck(
        &svc,
        &admin,
        cid,
        "C:\\decks\\ivozprovider_pricesSample.csv",
        real("ivozprovider_pricesSample.csv"),
        Some(Utc::now() - Duration::days(1)),
    )
    .await
    .unwrap();
    assert_eq!(first.file_name, "ivozprovider_pricesSample.csv");
    assert_eq!(
        (first.status.as_str(), first.currency.as_str()),
        ("uploaded", "EUR")
    );
    let preview = decks::preview_deck(&svc, &admin, cid, first.id, &DeckOptions::default(), None)
        .await
        .unwrap();
    assert_eq!((preview.rows, preview.error_count), (4743, 0));
    assert_eq!(preview.headers[1], "Prefix");
    assert_eq!(
        preview.sample[0],
        ["Afghanistan", "+9377", "0.273", "0.273", "1"]
    );
    assert_eq!(preview.mapping.get(ColumnRole::Rate), Some(2));
    let job = decks::start_import(&svc, &admin, cid, first.id, DeckOptions::default(), None)
        .await
        .unwrap();
    // Asking twice queues nothing more.
    assert_eq!(
        decks::start_import(&svc, &admin, cid, first.id, DeckOptions::default(), None)
            .await
            .unwrap(),
        job
    );
    let summary = run_import(&svc, &job, first.id).await.unwrap();
    assert!(summary.starts_with("imported 4743 rates"), "{summary}");
    // A second run of the same job (a retry after a crash) changes nothing.
    assert!(
        run_import(&svc, &job, first.id)
            .await
            .unwrap()
            .contains("nothing to do")
    );
    let info = decks::get_deck(db, &admin, cid, first.id).await.unwrap();
    assert_eq!(info.state, DeckState::Imported);
    assert_eq!((info.deck.row_count, info.deck.error_count), (4743, 0));
    assert_eq!(
        info.summary.new, info.deck.prefix_count as usize,
        "all new against no deck"
    );
    assert!(
        decks::in_force(db, 1, cid, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    decks::activate_deck(db, &admin, cid, first.id)
        .await
        .unwrap();
    let in_force = decks::in_force(db, 1, cid, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_force.id, first.id);
    let page = decks::deck_rows(db, &admin, cid, first.id, "9377", 1, 50)
        .await
        .unwrap();
    assert_eq!(page.items[0].prefix, "9377");
    assert_eq!(page.items[0].rate, "0.2730");
    assert_eq!(page.items[0].connection_fee, "0.273");

    // A new deck in two days: increases inside the 7-day notice are flagged; the first deck
    // stays in force until the new one's date.
    let csv = "Prefix,Destination,Rate\n9377,Afghanistan Mobile,0.3000\n9379,Afghanistan Mobile,0.2000\n999123,Testland,0.5\nABC,Bad row,1\n";
    let second = decks::upload_deck(&svc, &admin, cid, "update.csv", csv.into(), None)
        .await
        .unwrap();
    let starts = Utc::now() + Duration::days(2);
    let job = decks::start_import(
        &svc,
        &admin,
        cid,
        second.id,
        DeckOptions::default(),
        Some(starts),
    )
    .await
    .unwrap();
    run_import(&svc, &job, second.id).await.unwrap();
    let info = decks::get_deck(db, &admin, cid, second.id).await.unwrap();
    assert_eq!((info.deck.row_count, info.deck.error_count), (3, 1));
    let s = &info.summary;
    assert_eq!(s.previous_deck_id, Some(first.id));
    assert_eq!(
        (s.new, s.increased, s.decreased, s.short_notice),
        (1, 1, 1, 1)
    );
    assert_eq!(s.removed, 4743 - 2);
    let (refused, total) = decks::deck_errors(db, &admin, cid, second.id, 10)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(refused[0].line, 5);
    assert_eq!(refused[0].column_name.as_deref(), Some("Prefix"));
    assert_eq!(refused[0].row_text, "ABC,Bad row,1");
    let increased = decks::deck_changes(db, &admin, cid, second.id, Some("increased"), 10)
        .await
        .unwrap();
    assert_eq!(increased.len(), 1);
    assert_eq!(
        (
            increased[0].prefix.as_str(),
            increased[0].old_rate.as_deref(),
            increased[0].new_rate.as_deref(),
            increased[0].short_notice
        ),
        ("9377", Some("0.2730"), Some("0.3000"), true)
    );
    decks::activate_deck(db, &admin, cid, second.id)
        .await
        .unwrap();
    let listed = decks::list_decks(db, &admin, cid).await.unwrap();
    let states: Vec<_> = listed.iter().map(|d| (d.deck.id, d.state)).collect();
    assert_eq!(
        states,
        [
            (second.id, DeckState::Scheduled),
            (first.id, DeckState::InForce)
        ]
    );
    let later = decks::in_force(db, 1, cid, starts + Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.id, second.id);
    let err = decks::activate_deck(db, &admin, cid, second.id)
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["deck"]);

    // Not a deck at all: the preview says so; the import fails saying why; what is in force
    // stays in force.
    let rental = decks::upload_deck(
        &svc,
        &admin,
        cid,
        "csv-gamma-item-rental-6col.csv",
        real("asterisell_formats/csv-gamma-item-rental-6col.csv"),
        None,
    )
    .await
    .unwrap();
    let preview = decks::preview_deck(&svc, &admin, cid, rental.id, &DeckOptions::default(), None)
        .await
        .unwrap();
    let problem = preview.problem.unwrap();
    assert!(problem.contains("not a rate deck"), "{problem}");
    assert_eq!(preview.rows, 0);
    assert_eq!(
        preview.sample[0][0], "type",
        "the first rows are shown to map by hand"
    );
    let job = decks::start_import(&svc, &admin, cid, rental.id, DeckOptions::default(), None)
        .await
        .unwrap();
    let failure = run_import(&svc, &job, rental.id).await.unwrap_err();
    assert!(failure.contains("not a rate deck"), "{failure}");
    let info = decks::get_deck(db, &admin, cid, rental.id).await.unwrap();
    assert_eq!(info.state, DeckState::Failed);
    assert!(info.deck.message.contains("not a rate deck"));
    assert_eq!(
        decks::in_force(db, 1, cid, Utc::now())
            .await
            .unwrap()
            .unwrap()
            .id,
        first.id
    );

    // A deck without header needs a mapping; strict mode refuses the whole deck for one bad row.
    let a2b = decks::upload_deck(
        &svc,
        &admin,
        cid,
        "a2billing_ratecard_sample_simple.txt",
        real("a2billing_ratecard_sample_simple.txt"),
        None,
    )
    .await
    .unwrap();
    let mapped = DeckOptions {
        mapping: Some(
            ColumnMapping::new()
                .with(ColumnRole::Prefix, 0)
                .with(ColumnRole::Destination, 1)
                .with(ColumnRole::Rate, 3)
                .with(ColumnRole::EffectiveFrom, 4),
        ),
        has_header: Some(false),
        ..Default::default()
    };
    let unmapped = decks::preview_deck(&svc, &admin, cid, a2b.id, &DeckOptions::default(), None)
        .await
        .unwrap();
    assert!(unmapped.problem.unwrap().contains("no header row"));
    assert_eq!(unmapped.sample[0].len(), 10, "the first line's ten fields");
    let preview = decks::preview_deck(&svc, &admin, cid, a2b.id, &mapped, None)
        .await
        .unwrap();
    assert_eq!(
        (preview.rows, preview.error_count, preview.problem),
        (2, 3, None)
    );
    let strict = DeckOptions {
        strict: true,
        ..mapped.clone()
    };
    let job = decks::start_import(&svc, &admin, cid, a2b.id, strict, None)
        .await
        .unwrap();
    assert!(
        run_import(&svc, &job, a2b.id)
            .await
            .unwrap_err()
            .contains("3 bad rows")
    );
    // After a failure the deck can be imported again with other options.
    let job = decks::start_import(&svc, &admin, cid, a2b.id, mapped, None)
        .await
        .unwrap();
    run_import(&svc, &job, a2b.id).await.unwrap();
    let info = decks::get_deck(db, &admin, cid, a2b.id).await.unwrap();
    assert_eq!(
        (info.state, info.deck.row_count, info.deck.error_count),
        (DeckState::Imported, 2, 3)
    );

    // Another tenant sees none of it; a customer may not look.
    let root = actor(1, Role::SuperAdmin);
    let b = tenants::create_tenant(db, &root, brand("Bravo", "bravo.example"))
        .await
        .unwrap();
    let b_admin = actor_in(b.row.id, 1, Role::Admin);
    let err = decks::get_deck(db, &b_admin, cid, first.id)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound), "{err:?}");
    let err = decks::list_decks(db, &actor(9, Role::Customer), cid)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
}

on_both_databases!(deck_lifecycle,);
