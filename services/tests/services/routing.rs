//! Routing tiers and the LCR tester over real imported decks: default tiers, validation that
//! names each field (a busy code is never a failover code), ordering by strategy, exclusions
//! with their reasons (blocked A-Z type, carrier not active, not in the tier), and the cost of a
//! call on each route.

use super::helpers::{actor, actor_in, services};
use super::tenants::{brand, fields};
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::carriers::{self, CarrierInput, TrunkInput};
use services::decks::{self, DeckOptions};
use services::jobs::{JobKind, JobRequest};
use services::state::Services;
use services::tiers::{self, TierInput};
use services::{lcr, tenants};

async fn carrier_with_deck(svc: &Services, name: &str, status: &str, csv: &str) -> i64 {
    carrier_with_deck_from(
        svc,
        name,
        status,
        csv,
        chrono::Utc::now() - chrono::Duration::days(1),
    )
    .await
}

/// Creates carrier `name` in tenant 1 with one trunk and an active deck of `csv` effective
/// from `from`; returns its id.
pub async fn carrier_with_deck_from(
    svc: &Services,
    name: &str,
    status: &str,
    csv: &str,
    from: chrono::DateTime<chrono::Utc>,
) -> i64 {
    let admin = actor(1, Role::Admin);
    let c = carriers::create_carrier(
        &svc.db,
        &admin,
        CarrierInput {
            name: name.into(),
            currency: "USD".into(),
            status: status.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    carriers::save_trunk(
        &svc.db,
        &admin,
        c.id,
        None,
        TrunkInput {
            name: "Primary".into(),
            host: format!("sip.{}.example", name.to_lowercase().replace(' ', "-")),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let deck = decks::upload_deck(svc, &admin, c.id, "deck.csv", csv.into(), Some(from))
        .await
        .unwrap();
    let job = decks::start_import(svc, &admin, c.id, deck.id, DeckOptions::default(), None)
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
    decks::activate_deck(&svc.db, &admin, c.id, deck.id)
        .await
        .unwrap();
    c.id
}

async fn tiers_and_lcr_tester(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let header = "Prefix,Destination,Rate,Connection fee,Increment\n";
    carrier_with_deck(
        &svc,
        "Cheap Co",
        "active",
        &format!(
            "{header}44,UK,0.0100,0,60/60\n447,UK Mobile,0.0300,0,60/60\n881,Iridium,2.5,0,60/60\n"
        ),
    )
    .await;
    carrier_with_deck(
        &svc,
        "Dear Co",
        "active",
        &format!(
            "{header}44,UK,0.0200,0.01,30/6\n4420,London,0.0150,0,1/1\n881,Iridium,2.0,0,60/60\n"
        ),
    )
    .await;
    carrier_with_deck(
        &svc,
        "Test Co",
        "testing",
        &format!("{header}44,UK,0.0010,0,1/1\n"),
    )
    .await;

    // Premium, Standard and Economy come first.
    let all = tiers::list_tiers(db, &admin).await.unwrap();
    let names: Vec<_> = all.iter().map(|t| t.row.name.as_str()).collect();
    assert_eq!(names, ["Economy", "Premium", "Standard"]);
    let standard = all
        .iter()
        .find(|t| t.row.name == "Standard")
        .unwrap()
        .row
        .id;
    let economy = all.iter().find(|t| t.row.name == "Economy").unwrap().row.id;

    // Lowest cost: each carrier offers its own longest prefix (Dear Co's London 4420), then the
    // cheapest goes first.
    let t = lcr::test_route(db, &admin, "+44 20 7946 0000", standard, None, 95, None)
        .await
        .unwrap();
    assert_eq!(t.number, "442079460000");
    let order: Vec<_> = t
        .routes
        .iter()
        .map(|r| (r.carrier.1.as_str(), r.prefix.as_str(), r.rate.as_str()))
        .collect();
    assert_eq!(
        order,
        [("Cheap Co", "44", "0.0100"), ("Dear Co", "4420", "0.0150")]
    );
    // 95 s at 60/60 is 120 s billed: 0.02; at 1/1, 95 s: 0.02375 -> 0.02 half-up.
    assert_eq!(t.routes[0].cost, "0.02");
    assert_eq!(
        t.routes[0].trunks,
        ["sip:sip.cheap-co.example:5060;transport=udp"]
    );
    assert_eq!(
        t.excluded,
        [("Test Co".to_owned(), "the carrier is not active".to_owned())]
    );
    assert!(
        t.failover.contains("any 5xx, 408, timeouts"),
        "{}",
        t.failover
    );

    // Economy blocks satellite destinations (the A-Z type of +881).
    let t = lcr::test_route(db, &admin, "+881612345678", economy, None, 60, None)
        .await
        .unwrap();
    assert!(t.routes.is_empty());
    assert!(
        t.excluded
            .iter()
            .all(|(_, why)| why.contains("blocks this destination")),
        "{:?}",
        t.excluded
    );
    let t = lcr::test_route(db, &admin, "+881612345678", standard, None, 60, None)
        .await
        .unwrap();
    assert_eq!(t.routes[0].carrier.1, "Dear Co");

    // A priority tier with one carrier: the other is left out as not in the tier.
    let dear = carriers::list_carriers(
        db,
        &admin,
        &carriers::CarrierQuery {
            search: Some("dear".into()),
            page: 1,
            per_page: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .items[0]
        .carrier
        .id;
    let vip = tiers::save_tier(
        db,
        &admin,
        None,
        TierInput {
            name: "VIP".into(),
            strategy: "priority".into(),
            priority: "dear co".into(),
            carriers: vec![dear],
            next_on_5xx: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let t = lcr::test_route(db, &admin, "447700900123", vip.id, None, 60, None)
        .await
        .unwrap();
    assert_eq!(t.routes.len(), 1);
    assert_eq!(t.routes[0].carrier.1, "Dear Co");
    assert!(t.excluded.contains(&(
        "Cheap Co".to_owned(),
        "the carrier is not in this tier".to_owned()
    )));

    // Bad input names each field; a busy code is never a failover code.
    let err = tiers::save_tier(
        db,
        &admin,
        None,
        TierInput {
            name: "".into(),
            strategy: "random".into(),
            next_on: "486, 999".into(),
            blocked_prefixes: "44a".into(),
            margin_durations: "0".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "name",
            "strategy",
            "next_on",
            "next_on",
            "blocked_prefixes",
            "margin_durations"
        ]
    );
    let err = tiers::save_tier(
        db,
        &admin,
        None,
        TierInput {
            name: "Split".into(),
            strategy: "percentage_split".into(),
            split: "Nobody=50".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(fields(err), ["split"]);
    let err = tiers::save_tier(
        db,
        &admin,
        None,
        TierInput {
            name: "Split".into(),
            strategy: "percentage_split".into(),
            split: "Cheap Co=60".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    match err {
        ServiceError::Validation(f) => {
            assert_eq!(f[0].field, "split");
            assert!(
                f[0].message.contains("add up to 60, not 100"),
                "{}",
                f[0].message
            );
        }
        other => panic!("{other:?}"),
    }
    let err = lcr::test_route(db, &admin, "hello", standard, None, 60, None)
        .await
        .unwrap_err();
    assert_eq!(fields(err), ["number"]);

    // Tiers are the tenant's own.
    let root = actor(1, Role::SuperAdmin);
    let b = tenants::create_tenant(db, &root, brand("Bravo", "bravo.example"))
        .await
        .unwrap();
    let b_admin = actor_in(b.row.id, 1, Role::Admin);
    let err = lcr::test_route(db, &b_admin, "442079460000", standard, None, 60, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound), "{err:?}");
    let err = tiers::list_tiers(db, &actor(5, Role::Customer))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
}

on_both_databases!(tiers_and_lcr_tester,);
