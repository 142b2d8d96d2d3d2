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

    // The customer's own usage: its two calls, per destination and per day.
    let caller = by_customer.rows[0].name.clone();
    assert_eq!(caller, "Caller Ltd");
    let caller_id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        services::entities::customers::Entity::find()
            .filter(services::entities::customers::Column::CompanyName.eq("Caller Ltd"))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let mut me = actor(7, Role::Customer);
    me.customer_id = Some(caller_id);
    let usage = services::reports::usage(db, &me, caller_id, &from, &to)
        .await
        .unwrap();
    assert_eq!(usage.currency, "USD");
    let spend: Vec<(&str, i64, i64, i64)> = usage
        .by_destination
        .iter()
        .map(|u| (u.label.as_str(), u.calls, u.billed_secs, u.spend))
        .collect();
    assert_eq!(spend, [("London", 1, 120, 24_000), ("UK", 1, 60, 15_000)]);
    assert_eq!((usage.total.calls, usage.total.spend), (2, 39_000));
    assert_eq!(usage.days.len(), 7);
    assert_eq!(usage.days.iter().map(|d| d.spend).sum::<i64>(), 39_000);
    // Another customer's usage is not found for it.
    assert!(matches!(
        services::reports::usage(db, &me, caller_id + 1, &from, &to).await,
        Err(ServiceError::NotFound)
    ));

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

async fn quality_is_split_by_day_hour_destination_and_customer(db: DatabaseConnection) {
    use services::cdrs::quality::{Scope, Split, quality};
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let standard = cheap_co_and_standard(&svc).await;
    card(&svc, standard, "50", "0.0120").await;
    funded_customer(&svc, "Caller Ltd").await;
    let start = Utc::now() - chrono::Duration::minutes(30);
    let at = |ms: i64| (start + chrono::Duration::milliseconds(ms)).to_rfc3339();
    let mut london = call("q1", "+44 20 7946 0000", 60);
    london.start = at(0);
    london.ring = Some(at(2_500));
    london.answer = Some(at(4_000));
    london.end = Some(at(64_000));
    let mut busy = call("q2", "+44 161 496 0000", 0);
    busy.start = at(0);
    busy.ring = Some(at(1_500));
    busy.answer = None;
    busy.end = Some(at(9_000));
    busy.sip_code = Some(486);
    let mut failed = call("q3", "+44 161 496 0001", 0);
    failed.start = at(0);
    failed.answer = None;
    failed.end = Some(at(3_000));
    failed.sip_code = Some(503);
    let mut bad = call("q4", "+44 161 496 0002", 0);
    bad.start = at(0);
    bad.ring = Some(at(-1_000));
    let report = ingest(
        &svc,
        &admin,
        vec![(1, london), (2, busy), (3, failed), (4, bad)],
        "api",
    )
    .await
    .unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(report.outcomes[3].reason, "ring: is before the start");
    let cheap = {
        use sea_orm::EntityTrait;
        services::entities::cdrs::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .carrier_id
            .unwrap()
    };
    let since = start - chrono::Duration::hours(1);
    let until = Utc::now() + chrono::Duration::hours(1);
    let split = |s: Split| quality(db, &admin, Scope::Carrier(cheap), since, until, s);
    let total = split(Split::Total).await.unwrap();
    assert_eq!(total.len(), 1);
    let q = total[0].counts.quality();
    // 3 attempts, 1 answered, 1 busy (the callee's doing), 1 network failure; two rang after
    // 2.5 and 1.5 s.
    assert_eq!(
        (
            total[0].counts.attempts,
            q.asr_percent,
            q.ner_percent,
            q.acd_secs,
            q.pdd_ms
        ),
        (3, Some(33.3), Some(66.7), Some(60), Some(2_000))
    );
    let days = split(Split::Day).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].label, start.format("%Y-%m-%d").to_string());
    let hours = split(Split::Hour).await.unwrap();
    assert_eq!(hours.len(), 1);
    assert_eq!(hours[0].label, start.format("%Y-%m-%d %H:00").to_string());
    let destinations: Vec<(String, u64)> = split(Split::Destination)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.label, l.counts.attempts))
        .collect();
    assert_eq!(
        destinations,
        [("UK".to_owned(), 2), ("London".to_owned(), 1)]
    );
    let customers = split(Split::Customer).await.unwrap();
    assert_eq!(
        (customers[0].label.as_str(), customers[0].counts.attempts),
        ("Caller Ltd", 3)
    );
    // Nothing in an empty window; another tenant's carrier is not found.
    let none = quality(
        db,
        &admin,
        Scope::Carrier(cheap),
        until,
        until + chrono::Duration::hours(1),
        Split::Total,
    )
    .await
    .unwrap();
    assert_eq!(none[0].counts.attempts, 0);
    let stranger = services::audit::Actor {
        tenant_id: 99,
        ..admin.clone()
    };
    assert!(
        quality(
            db,
            &stranger,
            Scope::Carrier(cheap),
            since,
            until,
            Split::Day
        )
        .await
        .is_err()
    );
}

on_both_databases!(
    the_margin_report_sums_rated_calls,
    quality_is_split_by_day_hour_destination_and_customer,
);
