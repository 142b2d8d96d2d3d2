//! The public rates behind the price widget, on SQLite and PostgreSQL: nothing until a tier is
//! marked public; then that tier's card for all customers prices a number (longest prefix, in
//! the card's currency, with its increments), never a category's own card nor a buy rate; a bad
//! number is named.

use super::helpers::{actor, services};
use super::routing::carrier_with_deck_from;
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::jobs::{JobKind, JobRequest};
use services::public_rates::{PublicAnswer, public_rates};
use services::sell_cards::{self, SellCardInput};
use services::state::Services;
use services::{categories, tiers};

/// Generates the card `input` (running its job) and publishes it, as an admin of tenant 1.
pub(super) async fn published_card(svc: &Services, input: SellCardInput) {
    let admin = actor(1, Role::Admin);
    let card = sell_cards::generate_card(svc, &admin, input).await.unwrap();
    services::jobs::run(
        svc,
        &JobRequest {
            id: card.job_id.clone().unwrap(),
            kind: JobKind::GenerateSellCard.key().to_owned(),
            payload: serde_json::json!({ "card_id": card.id }),
        },
    )
    .await
    .unwrap();
    sell_cards::publish_card(&svc.db, &admin, card.id)
        .await
        .unwrap();
}

/// Asks until the route cache has caught up with the last change (it polls every second).
async fn answer_when(
    svc: &Services,
    number: &str,
    done: impl Fn(&PublicAnswer) -> bool,
) -> PublicAnswer {
    for _ in 0..100 {
        let answer = public_rates(svc, 1, number).await.unwrap();
        if done(&answer) {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the public rates never changed for {number}");
}

async fn only_public_tiers_are_shown(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let header = "Prefix,Destination,Rate,Connection fee,Increment\n";
    carrier_with_deck_from(
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
        .unwrap();
    let vip = categories::create_category(db, &admin, "VIP", "")
        .await
        .unwrap();
    let all = SellCardInput {
        tier_id: standard.row.id,
        category_id: None,
        currency: "USD".into(),
        base: "lowest".into(),
        markup: "percent".into(),
        markup_value: "50".into(),
        ..Default::default()
    };
    published_card(&svc, all.clone()).await;
    // A category's own card is never public.
    published_card(
        &svc,
        SellCardInput {
            category_id: Some(vip.id),
            markup_value: "10".into(),
            ..all
        },
    )
    .await;

    let none = public_rates(&svc, 1, "+44 20 7946 0000").await.unwrap();
    assert!(!none.published && none.rates.is_empty(), "{none:?}");

    tiers::save_tier(
        db,
        &admin,
        Some(standard.row.id),
        tiers::TierInput {
            name: "Standard".into(),
            strategy: "lowest_cost".into(),
            next_on_5xx: true,
            next_on_timeout: true,
            next_on: "408".into(),
            public_rates: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let london = answer_when(&svc, "+44 20 7946 0000", |a| !a.rates.is_empty()).await;
    assert!(london.published);
    assert_eq!(london.number, "442079460000");
    let got: Vec<_> = london
        .rates
        .iter()
        .map(|r| {
            (
                r.tier.as_str(),
                r.prefix.as_str(),
                r.rate_per_minute.as_str(),
                r.currency.as_str(),
                r.increment.as_str(),
                r.billing.as_str(),
            )
        })
        .collect();
    // London's 0.0080 + 50 %: the card for all customers, not VIP's 10 %.
    assert_eq!(
        got,
        [("Standard", "4420", "0.0120", "USD", "60/60", "per minute")]
    );

    // A destination the card does not price: published, but no rate.
    let elsewhere = public_rates(&svc, 1, "+33 1 23 45 67 89").await.unwrap();
    assert!(elsewhere.published && elsewhere.rates.is_empty());

    let err = public_rates(&svc, 1, "call me").await.unwrap_err();
    let ServiceError::Validation(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].field, "number");
    assert!(
        errors[0].message.contains("international format"),
        "{}",
        errors[0].message
    );
}

on_both_databases!(only_public_tiers_are_shown);
