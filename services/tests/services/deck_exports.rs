//! Deck exports: a real imported deck written out as CSV and as XLSX by the
//! `rate_cards.export_deck` job, downloaded, and uploaded again: the new deck's rate-change
//! report finds every rate unchanged and the stored rates are identical. Bad requests name the
//! field; another tenant cannot see the export.

use super::decks::{platform, real, run_import};
use super::helpers::{actor, actor_in};
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::carriers::{self, CarrierInput};
use services::decks::{self, DeckOptions};
use services::jobs::{JobKind, JobRequest};
use services::state::Services;

async fn run_export(svc: &Services, job_id: &str, export_id: i64) -> Result<String, String> {
    services::jobs::run(
        svc,
        &JobRequest {
            id: job_id.to_owned(),
            kind: JobKind::ExportDeck.key().to_owned(),
            payload: serde_json::json!({ "export_id": export_id }),
        },
    )
    .await
    .map_err(|e| e.to_string())
}

fn field(err: ServiceError) -> (String, String) {
    match err {
        ServiceError::Validation(f) => (f[0].field.clone(), f[0].message.clone()),
        other => panic!("{other:?}"),
    }
}

async fn exports_import_again_unchanged(db: DatabaseConnection) {
    let svc = platform(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let cid = carriers::create_carrier(
        db,
        &admin,
        CarrierInput {
            name: "Irontec Sample".into(),
            currency: "EUR".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let from = Utc::now() - Duration::days(1);
    let original = decks::upload_deck(
        &svc,
        &admin,
        cid,
        "ivozprovider_pricesSample.csv",
        real("ivozprovider_pricesSample.csv"),
        Some(from),
    )
    .await
    .unwrap();
    // Nothing to export before the import.
    let (f, m) = field(
        decks::start_export(&svc, &admin, cid, original.id, "csv")
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "deck");
    assert!(m.contains("only an imported deck"), "{m}");
    let job = decks::start_import(&svc, &admin, cid, original.id, DeckOptions::default(), None)
        .await
        .unwrap();
    run_import(&svc, &job, original.id).await.unwrap();
    decks::activate_deck(db, &admin, cid, original.id)
        .await
        .unwrap();
    let (f, _) = field(
        decks::start_export(&svc, &admin, cid, original.id, "pdf")
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "format");

    let stored = decks::load_deck(
        db,
        &decks::get_deck(db, &admin, cid, original.id)
            .await
            .unwrap()
            .deck,
    )
    .await
    .unwrap();
    for format in ["csv", "xlsx"] {
        let export = decks::start_export(&svc, &admin, cid, original.id, format)
            .await
            .unwrap();
        assert_eq!(export.status, "queued");
        let summary = run_export(&svc, &export.job_id, export.id).await.unwrap();
        assert_eq!(
            summary,
            format!("exported 4743 rates of deck {} as {format}", original.id)
        );
        // A rerun changes nothing.
        assert!(
            run_export(&svc, &export.job_id, export.id)
                .await
                .unwrap()
                .contains("already done")
        );
        let listed = decks::list_exports(db, &admin, cid, original.id)
            .await
            .unwrap();
        assert_eq!(listed[0].id, export.id);
        assert_eq!((listed[0].status.as_str(), listed[0].rows), ("done", 4743));
        let (name, mime, bytes) = decks::read_export(&svc, &admin, cid, original.id, export.id)
            .await
            .unwrap();
        assert_eq!(
            name,
            format!("ivozprovider_pricesSample-export-{}.{format}", export.id)
        );
        assert!(mime.contains(if format == "csv" {
            "text/csv"
        } else {
            "spreadsheetml"
        }));
        if format == "csv" {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(
                text.starts_with(
                    "Prefix,Destination,Rate per minute,Off-peak rate,Weekend rate,Connection fee,"
                ),
                "{}",
                &text[..200]
            );
        }
        // Another tenant's admin cannot read it.
        let other = decks::read_export(
            &svc,
            &actor_in(2, 9, Role::Admin),
            cid,
            original.id,
            export.id,
        )
        .await
        .unwrap_err();
        assert!(matches!(other, ServiceError::NotFound), "{other:?}");

        // Uploaded again, it imports to the same rates: every one unchanged.
        let again = decks::upload_deck(&svc, &admin, cid, &name, bytes, Some(from))
            .await
            .unwrap();
        let job = decks::start_import(&svc, &admin, cid, again.id, DeckOptions::default(), None)
            .await
            .unwrap();
        run_import(&svc, &job, again.id).await.unwrap();
        let info = decks::get_deck(db, &admin, cid, again.id).await.unwrap();
        assert_eq!(info.deck.error_count, 0, "{format}: {}", info.deck.message);
        let s = &info.summary;
        assert_eq!(
            (s.new, s.removed, s.increased, s.decreased, s.unchanged),
            (0, 0, 0, 0, 4743),
            "{format}"
        );
        let reread = decks::load_deck(db, &info.deck).await.unwrap();
        let rows = |d: &domain::deck::RateDeck| {
            let mut v: Vec<String> = d
                .rows()
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {} {} {} {:?}",
                        r.prefix,
                        r.destination,
                        r.rate,
                        r.connection_fee,
                        r.increment,
                        r.effective_from,
                        r.effective_to
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(rows(&reread), rows(&stored), "{format}");
    }
}

on_both_databases!(exports_import_again_unchanged,);
