//! The route cache behind the LCR API: it answers from a snapshot, rebuilds in the background
//! when routing data changes (a carrier disabled, a tier edited, a deck activated), rebuilds
//! when a scheduled deck takes effect, and on PostgreSQL a change made through one node reaches
//! another node's cache through `NOTIFY` (its poll is 30 s, so only the notification can make
//! it in time).

use super::helpers::{actor, postgres, services};
use super::routing::carrier_with_deck_from;
use crate::on_both_databases;
use chrono::{Duration, Timelike as _, Utc};
use domain::access::Role;
use domain::number::E164;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use services::carriers::{self, CarrierInput};
use services::routes::RouteSnapshot;
use services::state::Services;
use services::tiers::{self, TierInput};
use std::collections::HashMap;
use std::sync::Arc;

const DECK: &str = "Prefix,Destination,Rate\n44,UK,RATE\n";

fn deck(rate: &str) -> String {
    DECK.replace("RATE", rate)
}

/// Carrier names in the order `tier` routes a London number in `snapshot`.
fn order(snapshot: &RouteSnapshot, tier: &str) -> Vec<String> {
    let tier = snapshot.tier(tier).expect("tier");
    let quality = HashMap::new();
    let plan = snapshot.route(
        tier,
        E164::parse("+442079460000").unwrap(),
        Utc::now(),
        "call-1",
        &quality,
        None,
    );
    plan.routes
        .iter()
        .map(|r| snapshot.carrier(r.carrier).unwrap().name.clone())
        .collect()
}

/// Waits up to `secs` for `svc`'s snapshot of tenant 1 to satisfy `ready`, and returns it.
async fn wait_for(
    svc: &Services,
    secs: u64,
    ready: impl Fn(&RouteSnapshot) -> bool,
) -> Arc<RouteSnapshot> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let now = svc.routes.cached(1).expect("a snapshot");
        if ready(&now) {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the route cache was not rebuilt as expected within {secs} s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn rebuilds_on_changes(db: DatabaseConnection) {
    let svc = services(db).await;
    let admin = actor(1, Role::Admin);
    tiers::list_tiers(&svc.db, &admin).await.unwrap();
    let past = Utc::now() - Duration::days(1);
    let alpha = carrier_with_deck_from(&svc, "Alpha", "active", &deck("0.0100"), past).await;
    carrier_with_deck_from(&svc, "Beta", "active", &deck("0.0200"), past).await;

    let first = svc.routes.snapshot(1).await.unwrap();
    assert_eq!(order(&first, "standard"), ["Alpha", "Beta"]);
    assert_eq!(first.rates, 2);
    assert!(first.valid_until.is_none());
    assert_eq!(svc.routes.builds(), 1);
    // Asking again answers from memory.
    let again = svc.routes.snapshot(1).await.unwrap();
    assert!(Arc::ptr_eq(&first, &again));

    // Disabling Alpha: the cache rebuilds by itself; the old snapshot still answers meanwhile.
    let mut input = CarrierInput {
        name: "Alpha".into(),
        currency: "USD".into(),
        status: "disabled".into(),
        ..Default::default()
    };
    carriers::update_carrier(&svc.db, &admin, alpha, input.clone())
        .await
        .unwrap();
    assert_eq!(order(&first, "standard"), ["Alpha", "Beta"]);
    let second = wait_for(&svc, 5, |s| order(s, "standard") == ["Beta"]).await;
    assert_ne!(second.version, first.version);
    input.status = "active".into();
    carriers::update_carrier(&svc.db, &admin, alpha, input)
        .await
        .unwrap();
    let third = wait_for(&svc, 5, |s| order(s, "standard") == ["Alpha", "Beta"]).await;

    // A tier edit: Standard now carries Beta only.
    let standard = third.tier("Standard").unwrap().id;
    let beta = third
        .carriers
        .values()
        .find(|c| c.name == "Beta")
        .unwrap()
        .id;
    tiers::save_tier(
        &svc.db,
        &admin,
        Some(standard),
        TierInput {
            name: "Standard".into(),
            strategy: "lowest_cost".into(),
            carriers: vec![beta],
            next_on_5xx: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let fourth = wait_for(&svc, 5, |s| order(s, "standard") == ["Beta"]).await;
    assert_eq!(order(&fourth, "economy"), ["Alpha", "Beta"]);

    // A deck scheduled a few seconds ahead: the snapshot says until when it holds, then the cache
    // rebuilds and the new carrier routes.
    // (Effective dates are kept to the second.)
    let soon = (Utc::now() + Duration::seconds(3))
        .with_nanosecond(0)
        .unwrap();
    carrier_with_deck_from(&svc, "Gamma", "active", &deck("0.0050"), soon).await;
    if Utc::now() < soon - Duration::milliseconds(300) {
        let fifth = wait_for(&svc, 5, |s| s.valid_until.is_some()).await;
        assert_eq!(fifth.valid_until, Some(soon));
        assert_eq!(order(&fifth, "economy"), ["Alpha", "Beta"]);
    }
    let sixth = wait_for(&svc, 6, |s| order(s, "economy").len() == 3).await;
    assert_eq!(order(&sixth, "economy"), ["Gamma", "Alpha", "Beta"]);
    assert!(sixth.valid_until.is_none());
}

on_both_databases!(rebuilds_on_changes,);

/// Two nodes (two platform states, each with its own pool) on one PostgreSQL database.
#[tokio::test]
async fn a_change_on_one_node_reaches_the_other_through_notify() {
    let db = postgres().await;
    let name = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "name")
        .unwrap();
    let admin_url = std::env::var("DIDTRON_TEST_POSTGRES_URL").unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    let other = Database::connect(format!("{base}/{name}")).await.unwrap();
    let node_a = services(db).await;
    let node_b = services(other).await;
    let admin = actor(1, Role::Admin);
    tiers::list_tiers(&node_a.db, &admin).await.unwrap();
    let past = Utc::now() - Duration::days(1);
    let alpha = carrier_with_deck_from(&node_a, "Alpha", "active", &deck("0.0100"), past).await;
    // Let node B's listener start before the change.
    let before = node_b.routes.snapshot(1).await.unwrap();
    assert_eq!(order(&before, "standard"), ["Alpha"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    carriers::update_carrier(
        &node_a.db,
        &admin,
        alpha,
        CarrierInput {
            name: "Alpha".into(),
            currency: "USD".into(),
            status: "disabled".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    wait_for(&node_b, 5, |s| order(s, "standard").is_empty()).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "node B's poll is 30 s: only the notification is this quick"
    );
}
