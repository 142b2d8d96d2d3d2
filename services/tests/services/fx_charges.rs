//! Issue 8's multi-currency charges, on SQLite and PostgreSQL: a customer billed in EUR calling
//! on a USD card is charged in EUR at the newest rate of the FX job, and the CDR and its ledger
//! entry keep the USD price and the rate applied; without rates, or with rates older than
//! `fx.max_age_hours`, the call stays unrated saying why and nothing is charged.

use super::cdrs::{call, caller_with_card, numbered, top_up};
use super::helpers::{actor, services};
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::cdrs::{IdOrName, ingest};
use services::customers::{self, CustomerInput};
use services::entities::{cdrs, fx_rates, ledger_entries};
use services::ledger;

async fn store_rates(db: &DatabaseConnection, as_of: chrono::DateTime<Utc>, eur: &str) {
    for (quote, rate) in [("EUR", eur), ("GBP", "0.787654")] {
        fx_rates::Entity::insert(fx_rates::ActiveModel {
            base: Set("USD".into()),
            quote: Set(quote.into()),
            rate: Set(rate.into()),
            as_of: Set(as_of),
            fetched_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
    }
}

async fn cdr(db: &DatabaseConnection, call_id: &str) -> cdrs::Model {
    cdrs::Entity::find()
        .filter(cdrs::Column::CallId.eq(call_id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn charges_in_another_currency_use_the_stored_rate(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    caller_with_card(&svc).await;
    let euro = customers::create_customer(
        db,
        &admin,
        CustomerInput {
            company_name: "Euro Calls GmbH".into(),
            contact_email: "noc@euro-calls.example".into(),
            billing_currency: "EUR".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    top_up(&svc, euro.id, 10_000_000, "e1").await;
    let euro_call = |id: &str| {
        let mut c = call(id, "+44 20 7946 0000", Some(60));
        c.customer = IdOrName::Name("Euro Calls GmbH".into());
        c
    };

    // Before the FX job has fetched anything: unrated, saying why; nothing charged.
    let report = ingest(&svc, &admin, numbered(vec![euro_call("fx1")]), "api")
        .await
        .unwrap();
    assert_eq!(report.unrated, 1, "{report:#?}");
    assert_eq!(
        report.outcomes[0].reason,
        "the Standard card is in USD but Euro Calls GmbH is billed in EUR, and no exchange rates are stored yet: set fx.app_id so the FX job fetches them"
    );

    // With rates of an hour ago (and older ones beside them): London, 60 s at 0.0120 USD is
    // 0.0120 × 0.922337 = 0.011068… → 0.0111 EUR, converted at the newest rate.
    store_rates(db, Utc::now() - Duration::hours(30), "0.95").await;
    store_rates(db, Utc::now() - Duration::hours(1), "0.922337").await;
    let report = ingest(&svc, &admin, numbered(vec![euro_call("fx2")]), "api")
        .await
        .unwrap();
    assert_eq!(report.rated, 1, "{report:#?}");
    assert_eq!(report.outcomes[0].price.as_deref(), Some("0.0111 EUR"));
    let row = cdr(db, "fx2").await;
    assert_eq!(
        (row.price_micros, row.price_currency.as_str()),
        (Some(11_100), "EUR")
    );
    assert_eq!(
        (
            row.sell_micros,
            row.sell_currency.as_str(),
            row.fx_rate.as_str()
        ),
        (Some(12_000), "USD", "0.922337")
    );
    let entry = ledger_entries::Entity::find_by_id(row.ledger_entry_id.unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (entry.amount_micros, entry.currency.as_str()),
        (-11_100, "EUR")
    );
    assert_eq!(
        (
            entry.original_micros,
            entry.original_currency.as_str(),
            entry.fx_rate.as_str()
        ),
        (Some(-12_000), "USD", "0.922337")
    );
    let (cached, summed, _, _) = ledger::verify(db, euro.id).await.unwrap();
    assert_eq!((cached, summed), (9_988_900, 9_988_900));
    // A USD customer's calls are not converted.
    let usd = ingest(
        &svc,
        &admin,
        numbered(vec![call("usd1", "+44 20 7946 0000", Some(60))]),
        "api",
    )
    .await
    .unwrap();
    assert_eq!(usd.outcomes[0].price.as_deref(), Some("0.0120 USD"));
    let plain = cdr(db, "usd1").await;
    assert_eq!((plain.sell_micros, plain.fx_rate.as_str()), (None, ""));

    // Rates older than fx.max_age_hours (48) are not used.
    fx_rates::Entity::delete_many().exec(db).await.unwrap();
    store_rates(db, Utc::now() - Duration::hours(49), "0.922337").await;
    let report = ingest(&svc, &admin, numbered(vec![euro_call("fx3")]), "api")
        .await
        .unwrap();
    assert_eq!(report.unrated, 1, "{report:#?}");
    let reason = &report.outcomes[0].reason;
    assert!(
        reason.starts_with("the Standard card is in USD but Euro Calls GmbH is billed in EUR, and the USD→EUR exchange rate is from ")
            && reason.ends_with("older than 48 h: the FX job must fetch fresh rates"),
        "{reason}"
    );
    assert_eq!(cdr(db, "fx3").await.price_micros, None);
    let (cached, _, _, _) = ledger::verify(db, euro.id).await.unwrap();
    assert_eq!(cached, 9_988_900);
}

on_both_databases!(charges_in_another_currency_use_the_stored_rate);
