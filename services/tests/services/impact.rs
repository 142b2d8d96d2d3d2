//! Issue 7's deck impact preview, on SQLite and PostgreSQL: a carrier deck imported but not yet
//! in force, and a sell card generated but not yet published, price the last 30 days of rated
//! calls again; cost, revenue and margin change per destination and per customer (hand-worked
//! figures); a deck in force has nothing to preview.

use super::helpers::{actor, services};
use super::rerating::{call, card, funded_customer};
use super::routing::carrier_with_deck_from;
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::cdrs::impact::{card_impact, deck_impact};
use services::cdrs::ingest;
use services::decks::{self, DeckOptions};
use services::jobs::{JobKind, JobRequest};
use services::sell_cards::{self, SellCardInput};
use services::tiers;

async fn pending_decks_and_cards_show_their_impact(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let header = "Prefix,Destination,Rate,Connection fee,Increment\n";
    let carrier = carrier_with_deck_from(
        &svc,
        "Cheap Co",
        "active",
        &format!("{header}44,UK,0.0100,0,60/60\n4420,London,0.0080,0,60/60\n"),
        Utc::now() - Duration::days(1),
    )
    .await;
    let standard = tiers::list_tiers(db, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.row.name == "Standard")
        .unwrap()
        .row
        .id;
    card(&svc, standard, "50", "0.0120").await;
    funded_customer(&svc, "Caller Ltd").await;
    // London 2 minutes: cost 0.0160, price 0.0240; UK 1 minute: cost 0.0100, price 0.0150.
    let batch = vec![
        (1, call("i1", "+44 20 7946 0000", 120)),
        (2, call("i2", "+44 161 496 0000", 60)),
    ];
    assert_eq!(ingest(&svc, &admin, batch, "api").await.unwrap().rated, 2);

    // The deck in force has nothing to preview.
    let active = decks::list_decks(db, &admin, carrier).await.unwrap()[0]
        .deck
        .id;
    let err = deck_impact(db, &admin, carrier, active).await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::Validation(f) if f[0].field == "deck"),
        "{err:?}"
    );

    // A fix raises the UK to 0.0200 from next week: imported, not activated.
    let fix = decks::upload_deck(
        &svc,
        &admin,
        carrier,
        "fix.csv",
        format!("{header}44,UK,0.0200,0,60/60\n4420,London,0.0080,0,60/60\n").into(),
        Some(Utc::now() + Duration::days(7)),
    )
    .await
    .unwrap();
    let job = decks::start_import(&svc, &admin, carrier, fix.id, DeckOptions::default(), None)
        .await
        .unwrap();
    services::jobs::run(
        &svc,
        &JobRequest {
            id: job,
            kind: JobKind::ImportDeck.key().to_owned(),
            payload: serde_json::json!({ "deck_id": fix.id }),
        },
    )
    .await
    .unwrap();
    let impact = deck_impact(db, &admin, carrier, fix.id).await.unwrap();
    assert_eq!(impact.currency, "USD");
    let t = &impact.total;
    // Cost 0.0260 -> 0.0360; revenue 0.0390, so the margin falls from 0.0130 to 0.0030.
    assert_eq!(
        (t.calls, t.before, t.after, t.margin_before, t.margin_after),
        (2, 26_000, 36_000, Some(13_000), Some(3_000))
    );
    let uk = &impact.by_destination[0];
    assert_eq!(
        (uk.label.as_str(), uk.before, uk.after),
        ("UK", 10_000, 20_000)
    );
    assert_eq!(impact.by_destination[1].label, "London");
    assert_eq!(impact.by_customer[0].label, "Caller Ltd");
    assert_eq!(impact.unpriced, 0);
    // A customer may not see it.
    let mut customer = actor(9, Role::Customer);
    customer.customer_id = Some(1);
    assert!(deck_impact(db, &customer, carrier, fix.id).await.is_err());

    // A cheaper card, generated and not published: 25 % on cost, London 0.0100, UK 0.0125.
    let pending = sell_cards::generate_card(
        &svc,
        &admin,
        SellCardInput {
            tier_id: standard,
            category_id: None,
            currency: "USD".into(),
            base: "lowest".into(),
            markup: "percent".into(),
            markup_value: "25".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    services::jobs::run(
        &svc,
        &JobRequest {
            id: pending.job_id.clone().unwrap(),
            kind: JobKind::GenerateSellCard.key().to_owned(),
            payload: serde_json::json!({ "card_id": pending.id }),
        },
    )
    .await
    .unwrap();
    let impact = card_impact(db, &admin, pending.id).await.unwrap();
    let t = &impact.total;
    // Revenue 0.0390 -> 0.0200 + 0.0125 = 0.0325; cost 0.0260: margin 0.0130 -> 0.0065.
    assert_eq!(
        (t.calls, t.before, t.after, t.margin_before, t.margin_after),
        (2, 39_000, 32_500, Some(13_000), Some(6_500))
    );
    assert_eq!(impact.by_destination[0].label, "London");
}

on_both_databases!(pending_decks_and_cards_show_their_impact);
