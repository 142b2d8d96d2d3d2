//! Issue 7's revenue, cost and margin report, on SQLite and PostgreSQL: rated calls summed by
//! carrier, customer and destination (hand-worked figures), unrated calls left out, every day of
//! the period listed, bad dates named, staff only.

use super::helpers::{actor, services};
use super::rerating::{call, card, cheap_co_and_standard, funded_customer};
use crate::on_both_databases;
use chrono::Utc;
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::cdrs::{IdOrName, ingest};
use services::reports::{GroupBy, margin_report};

async fn the_margin_report_sums_rated_calls(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let standard = cheap_co_and_standard(&svc).await;
    card(&svc, standard, "50", "0.0120").await;
    for name in ["Caller Ltd", "Other Ltd"] {
        funded_customer(&svc, name).await;
    }
    let mut other = call("m3", "+44 20 7946 0001", 60);
    other.customer = IdOrName::Name("Other Ltd".into());
    let mut nowhere = call("m4", "+33 1 23 45 67 89", 60);
    nowhere.customer = IdOrName::Name("Other Ltd".into());
    let batch = vec![
        // London 2 minutes: price 0.0240, cost 0.0160.
        (1, call("m1", "+44 20 7946 0000", 120)),
        // UK 1 minute: price 0.0150, cost 0.0100.
        (2, call("m2", "+44 161 496 0000", 60)),
        // London 1 minute for Other Ltd: 0.0120, cost 0.0080.
        (3, other),
        // Unrated: not in the report.
        (4, nowhere),
    ];
    let report = ingest(&svc, &admin, batch, "api").await.unwrap();
    assert_eq!((report.rated, report.unrated), (3, 1), "{report:#?}");

    let today = Utc::now().date_naive();
    let from = (today - chrono::Days::new(6)).to_string();
    let to = today.to_string();
    let by_customer = margin_report(db, &admin, &from, &to, GroupBy::Customer)
        .await
        .unwrap();
    let rows: Vec<(&str, i64, i64, i64, i64, Option<i64>)> = by_customer
        .rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.calls,
                r.billed_secs,
                r.revenue.micros,
                r.cost.micros,
                r.margin,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Caller Ltd", 2, 180, 39_000, 26_000, Some(13_000)),
            ("Other Ltd", 1, 60, 12_000, 8_000, Some(4_000)),
        ]
    );
    assert_eq!(by_customer.totals.len(), 1);
    assert_eq!(
        (
            by_customer.totals[0].calls,
            by_customer.totals[0].revenue.micros,
            by_customer.totals[0].margin
        ),
        (3, 51_000, Some(17_000))
    );
    assert_eq!(by_customer.currency, "USD");
    // Seven days, the last two holding everything (the calls started 30 minutes ago).
    assert_eq!(by_customer.days.len(), 7);
    assert_eq!(by_customer.days.last().unwrap().day, to);
    let sum =
        |f: fn(&services::reports::DayTotals) -> i64| by_customer.days.iter().map(f).sum::<i64>();
    assert_eq!((sum(|d| d.revenue), sum(|d| d.cost)), (51_000, 34_000));
    assert!(by_customer.days[..5].iter().all(|d| d.revenue == 0));

    let by_destination = margin_report(db, &admin, &from, &to, GroupBy::Destination)
        .await
        .unwrap();
    let names: Vec<(&str, i64)> = by_destination
        .rows
        .iter()
        .map(|r| (r.name.as_str(), r.revenue.micros))
        .collect();
    assert_eq!(names, [("London", 36_000), ("UK", 15_000)]);
    let by_carrier = margin_report(db, &admin, &from, &to, GroupBy::Carrier)
        .await
        .unwrap();
    assert_eq!(by_carrier.rows.len(), 1);
    assert_eq!(
        (by_carrier.rows[0].name.as_str(), by_carrier.rows[0].margin),
        ("Cheap Co", Some(17_000))
    );

    // Bad input and other roles.
    let err = margin_report(db, &admin, "yesterday", &to, GroupBy::Carrier)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Validation(f) if f[0].field == "from"),
        "{err:?}"
    );
    assert!(GroupBy::parse("tier").is_err());
    let mut customer = actor(5, Role::Customer);
    customer.customer_id = Some(1);
    assert!(matches!(
        margin_report(db, &customer, &from, &to, GroupBy::Carrier).await,
        Err(ServiceError::Forbidden)
    ));
}

on_both_databases!(the_margin_report_sums_rated_calls);
