//! Issue 7's CDR ingestion, on SQLite and PostgreSQL: a batch is rated against the carrier's
//! deck in force and the customer's card (hand-worked figures), each rated call is charged to
//! the ledger once, unreadable rows are refused and named while the others go on, unrateable
//! ones are kept with their reason, a batch sent again changes nothing, and a call the balance
//! cannot cover stays unpaid until the customer tops up and it is sent again.

use super::helpers::{actor, services};
use super::public_rates::published_card;
use super::routing::carrier_with_deck_from;
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use domain::ledger::EntryKind;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::ServiceError;
use services::cdrs::{CdrInput, IdOrName, IngestReport, ingest};
use services::customers::{self, CustomerInput};
use services::entities::customers as customers_entity;
use services::ledger::{self, Posting};
use services::sell_cards::SellCardInput;
use services::state::Services;
use services::tiers;

pub(super) async fn top_up(svc: &Services, customer_id: i64, micros: i64, key: &str) {
    ledger::post(
        &svc.db,
        1,
        "system",
        Posting {
            customer_id,
            kind: EntryKind::TopUp,
            amount_micros: micros,
            idempotency_key: key.into(),
            description: "top-up".into(),
            reference: String::new(),
            fx: None,
        },
        None,
    )
    .await
    .unwrap();
}

/// A call that starts now (the card is in force from its publication a moment ago).
pub(super) fn call(id: &str, number: &str, answered_secs: Option<i64>) -> CdrInput {
    let start = Utc::now();
    CdrInput {
        call_id: id.into(),
        start: start.to_rfc3339(),
        answer: answered_secs.map(|_| (start + Duration::seconds(2)).to_rfc3339()),
        end: Some((start + Duration::seconds(2 + answered_secs.unwrap_or(0))).to_rfc3339()),
        duration: None,
        a_number: "+12025550123".into(),
        b_number: number.into(),
        carrier: IdOrName::Name("Cheap Co".into()),
        customer: IdOrName::Name("Caller Ltd".into()),
        tier: IdOrName::Name("standard".into()),
        sip_code: None,
        ring: None,
    }
}

pub(super) fn numbered(batch: Vec<CdrInput>) -> Vec<(usize, CdrInput)> {
    batch
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i + 1, c))
        .collect()
}

fn counts(r: &IngestReport) -> [usize; 7] {
    [
        r.received,
        r.stored,
        r.rated,
        r.unpaid,
        r.unrated,
        r.duplicates,
        r.refused,
    ]
}

/// Cheap Co (UK 0.0100, London 0.0080, 60/60) in force, the Standard tier's card at 50 %
/// markup published, and customer Caller Ltd (USD) with 1.00 paid in; waits until the route
/// cache has the card. Returns the customer and the Standard tier's id.
pub(super) async fn caller_with_card(svc: &Services) -> (customers_entity::Model, i64) {
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    carrier_with_deck_from(
        svc,
        "Cheap Co",
        "active",
        "Prefix,Destination,Rate,Connection fee,Increment\n44,UK,0.0100,0,60/60\n4420,London,0.0080,0,60/60\n",
        Utc::now() - Duration::days(1),
    )
    .await;
    let standard = tiers::list_tiers(db, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.row.name == "Standard")
        .unwrap();
    published_card(
        svc,
        SellCardInput {
            tier_id: standard.row.id,
            category_id: None,
            currency: "USD".into(),
            base: "lowest".into(),
            markup: "percent".into(),
            markup_value: "50".into(),
            ..Default::default()
        },
    )
    .await;
    let caller = customers::create_customer(
        db,
        &admin,
        CustomerInput {
            company_name: "Caller Ltd".into(),
            contact_email: "noc@caller.example".into(),
            billing_currency: "USD".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    top_up(svc, caller.id, 1_000_000, "t1").await;
    // The route cache polls for changes every second.
    for _ in 0..100 {
        let snapshot = svc.routes.snapshot(1).await.unwrap();
        if snapshot.sell_for(standard.row.id, None).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    (caller, standard.row.id)
}

async fn cdrs_are_rated_charged_once_and_kept_when_unrated(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let (caller, _) = caller_with_card(&svc).await;

    let mut bad_start = call("c6", "+44 20 7946 0001", Some(10));
    bad_start.start = "yesterday".into();
    let mut nobody = call("c5", "+44 20 7946 0001", Some(10));
    nobody.carrier = IdOrName::Name("Nobody".into());
    let mut uk = call("c2", "+44 161 496 0000", None);
    uk.duration = Some(30);
    uk.sip_code = Some(200);
    let batch = vec![
        // London, 90 s: 2 minutes at 0.0120 (0.0080 + 50 %) = 0.0240; cost 0.0160.
        call("c1", "+44 20 7946 0000", Some(90)),
        // UK, 30 s given by the switch: 1 minute at 0.0150.
        uk,
        // Not answered: rated at 0, nothing charged.
        CdrInput {
            sip_code: Some(486),
            ..call("c3", "+44 20 7946 0002", None)
        },
        call("c4", "+33 1 23 45 67 89", Some(60)),
        nobody,
        bad_start,
        call("c7", "call me", Some(5)),
        call("c1", "+44 20 7946 0000", Some(90)),
    ];
    let report = ingest(&svc, &admin, numbered(batch.clone()), "api")
        .await
        .unwrap();
    assert_eq!(counts(&report), [8, 6, 3, 0, 3, 1, 1], "{report:#?}");
    let by_id = |id: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.call_id == id && o.status != "duplicate")
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("c1").price.as_deref(), Some("0.0240 USD"));
    assert_eq!(by_id("c2").price.as_deref(), Some("0.0150 USD"));
    assert_eq!(by_id("c3").price.as_deref(), Some("0.0000 USD"));
    assert_eq!(
        by_id("c4").reason,
        "Cheap Co's deck has no rate for +33123456789"
    );
    assert_eq!(by_id("c5").reason, "no carrier `Nobody` in this tenant");
    assert_eq!(
        by_id("c6").reason,
        "start: `yesterday` is not a time like 2026-11-30T10:00:00Z"
    );
    assert_eq!(by_id("c6").row, 6);
    assert!(
        by_id("c7").reason.starts_with("the called number"),
        "{:?}",
        by_id("c7")
    );

    let stored = services::entities::cdrs::Entity::find()
        .filter(services::entities::cdrs::Column::CallId.eq("c1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            stored.duration_secs,
            stored.billed_secs,
            stored.prefix.as_str(),
            stored.destination.as_str()
        ),
        (90, 120, "4420", "London")
    );
    assert_eq!(
        (stored.cost_micros, stored.price_micros),
        (Some(16_000), Some(24_000))
    );
    assert!(stored.ledger_entry_id.is_some());
    let balance = |svc: &Services| {
        let db = svc.db.clone();
        let id = caller.id;
        async move {
            ledger::balance(&db, &actor(1, Role::Admin), id)
                .await
                .unwrap()
                .balance_micros
        }
    };
    assert_eq!(balance(&svc).await, 1_000_000 - 24_000 - 15_000);

    // Cheap Co's quality: c1, c2, c3, c4 and c7 were its attempts (c5 named no carrier of the
    // tenant); four answered for 90 + 30 + 60 + 5 s, and c3's 486 was the callee's doing.
    let cheap = services::entities::cdrs::Entity::find()
        .filter(services::entities::cdrs::Column::CallId.eq("c3"))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .carrier_id
        .unwrap();
    let carried =
        services::cdrs::list::carrier_counts(db, &admin, cheap, Utc::now() - Duration::hours(24))
            .await
            .unwrap();
    assert_eq!(
        (
            carried.attempts,
            carried.answered,
            carried.user_failures,
            carried.answered_secs
        ),
        (5, 4, 1, 185)
    );
    let q = carried.quality();
    assert_eq!(
        (q.asr_percent, q.acd_secs, q.ner_percent),
        (Some(80.0), Some(46), Some(100.0))
    );

    // The same batch again: nothing stored, nothing charged.
    let again = ingest(&svc, &admin, numbered(batch), "api").await.unwrap();
    assert_eq!(counts(&again), [8, 0, 0, 0, 0, 7, 1], "{again:#?}");
    assert_eq!(balance(&svc).await, 961_000);

    // An hour to London is 0.72: the first fits, the second would pass the limit (0 credit).
    let hour = |id: &str| CdrInput {
        duration: Some(3600),
        ..call(id, "+44 20 7946 0000", Some(3600))
    };
    let report = ingest(&svc, &admin, numbered(vec![hour("c8"), hour("c9")]), "api")
        .await
        .unwrap();
    assert_eq!(counts(&report), [2, 2, 1, 1, 0, 0, 0], "{report:#?}");
    let unpaid = &report.outcomes[1];
    assert_eq!(unpaid.status, "unpaid");
    assert!(unpaid.reason.contains("top up first"), "{}", unpaid.reason);
    assert_eq!(balance(&svc).await, 241_000);

    // Topped up, the unpaid call sent again is charged once.
    top_up(&svc, caller.id, 5_000_000, "t2").await;
    let report = ingest(&svc, &admin, numbered(vec![hour("c9")]), "api")
        .await
        .unwrap();
    assert_eq!(report.outcomes[0].reason, "stored before: rated");
    assert_eq!(balance(&svc).await, 4_521_000);
    let report = ingest(&svc, &admin, numbered(vec![hour("c9")]), "api")
        .await
        .unwrap();
    assert_eq!(report.duplicates, 1);
    assert_eq!(balance(&svc).await, 4_521_000);
    let (cached, summed, cached_count, counted) = ledger::verify(db, caller.id).await.unwrap();
    assert_eq!((cached, cached_count), (summed, counted));

    // A CDR file: the unreadable line is named, the others go on.
    let start = Utc::now().to_rfc3339();
    let answer = (Utc::now() + Duration::seconds(3)).to_rfc3339();
    let file = format!(
        "\u{feff}call_id,start,answer,end,duration,b_number,carrier,customer,tier\n\
         f1,{start},{answer},,60,+44 20 7946 0000,Cheap Co,Caller Ltd,Standard\n\
         f2,{start},{answer},,ten,+44 20 7946 0000,Cheap Co,Caller Ltd,Standard\n\
         f3,{start},{answer},,60,+44 20 7946 0000,Cheap Co,,Standard\n"
    );
    let report = services::cdrs::ingest_csv(&svc, &admin, file.as_bytes())
        .await
        .unwrap();
    assert_eq!(counts(&report), [3, 2, 1, 0, 1, 0, 1], "{report:#?}");
    let lines: Vec<_> = report
        .outcomes
        .iter()
        .map(|o| (o.row, o.status.as_str(), o.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "rated", ""),
            (
                3,
                "refused",
                "line 3, column duration: `ten` is not a whole number"
            ),
            (4, "unrated", "the CDR names no customer"),
        ]
    );
    assert_eq!(balance(&svc).await, 4_521_000 - 12_000);
    let err = services::cdrs::ingest_csv(&svc, &admin, b"call_id,start\nx,y\n")
        .await
        .unwrap_err();
    match err {
        ServiceError::Validation(v) => {
            assert_eq!(v[0].field, "file");
            assert!(
                v[0].message
                    .contains("lacks b_number, carrier, customer, tier"),
                "{}",
                v[0].message
            );
        }
        other => panic!("{other:?}"),
    }

    // Only staff and switch operators send CDRs; an empty batch is named.
    let mut customer = actor(5, Role::Customer);
    customer.customer_id = Some(caller.id);
    assert!(matches!(
        ingest(&svc, &customer, numbered(vec![hour("c10")]), "api").await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        ingest(&svc, &admin, Vec::new(), "api").await,
        Err(ServiceError::Validation(ref v)) if v[0].field == "cdrs"
    ));
}

on_both_databases!(cdrs_are_rated_charged_once_and_kept_when_unrated);
