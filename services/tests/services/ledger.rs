//! Issue 7's prepaid ledger, on SQLite and PostgreSQL: 200 concurrent charges at one account
//! stop exactly at the credit limit, replays of the same keys change nothing, the cached balance
//! equals the sum of the entries; manual entries are staff-only, audited, and each bad field is
//! named; a customer reads only its own ledger; a customer with entries keeps its currency.

use super::helpers::{actor, services};
use crate::on_both_databases;
use domain::access::Role;
use domain::ledger::EntryKind;
use sea_orm::{DatabaseConnection, EntityTrait};
use services::ServiceError;
use services::customers::{self, CustomerInput};
use services::ledger::{self, AdjustmentInput, EntryFilter, Posted, Posting};

async fn customer(db: &DatabaseConnection, name: &str, limit: &str) -> i64 {
    customers::create_customer(
        db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: name.into(),
            contact_email: "ops@ledger.example".into(),
            billing_currency: "USD".into(),
            credit_limit: limit.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

fn charge(customer_id: i64, n: usize, micros: i64) -> Posting {
    Posting {
        customer_id,
        kind: EntryKind::CallCharge,
        amount_micros: micros,
        idempotency_key: format!("cdr:{n}"),
        description: format!("call {n}"),
        reference: format!("cdr:{n}"),
        fx: None,
    }
}

fn field_of(err: &ServiceError) -> Vec<String> {
    match err {
        ServiceError::Validation(v) => v.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn concurrent_charges_stop_at_the_credit_limit(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = svc.db.clone();
    let id = customer(&db, "Busy Caller Ltd", "5.00").await;
    let top_up = Posting {
        customer_id: id,
        kind: EntryKind::TopUp,
        amount_micros: 10_000_000,
        idempotency_key: "bank:2026-11-30".into(),
        description: "bank transfer".into(),
        reference: String::new(),
        fx: None,
    };
    assert!(matches!(
        ledger::post(&db, 1, "system", top_up.clone(), None)
            .await
            .unwrap(),
        Posted::New(_)
    ));

    // 10.00 paid in and 5.00 of credit: 15.00 may be spent. 200 calls of 0.1234 at once: 121 fit
    // (14.9314), the 122nd would pass the limit.
    let fire = |db: DatabaseConnection| async move {
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    ledger::post(&db, 1, "system", charge(id, n, -123_400), None).await
                })
            })
            .collect();
        let mut new = 0;
        let mut replayed = 0;
        let mut refused = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(Posted::New(_)) => new += 1,
                Ok(Posted::Replayed(_)) => replayed += 1,
                Err(ServiceError::Validation(v)) => {
                    assert_eq!(v[0].field, "amount");
                    assert!(v[0].message.contains("top up first"), "{}", v[0].message);
                    refused += 1;
                }
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        (new, replayed, refused)
    };
    assert_eq!(fire(db.clone()).await, (121, 0, 79));
    let balance = ledger::balance(&db, &actor(1, Role::Admin), id)
        .await
        .unwrap();
    assert_eq!(balance.balance_micros, 10_000_000 - 121 * 123_400);
    assert_eq!(balance.balance_micros, -4_931_400);
    assert_eq!(balance.available_micros, 68_600);
    assert_eq!(balance.entry_count, 122);

    // The same 200 keys again: the 121 posted are replayed, the rest still do not fit.
    assert_eq!(fire(db.clone()).await, (0, 121, 79));
    assert!(matches!(
        ledger::post(&db, 1, "system", top_up, None).await.unwrap(),
        Posted::Replayed(_)
    ));
    let (cached, summed, cached_count, counted) = ledger::verify(&db, id).await.unwrap();
    assert_eq!((cached, cached_count), (summed, counted));
    assert_eq!((summed, counted), (-4_931_400, 122));

    // Every entry's running balance is the sum up to it.
    let entries: Vec<_> = services::entities::ledger_entries::Entity::find()
        .all(&db)
        .await
        .unwrap();
    let mut ordered = entries.clone();
    ordered.sort_by_key(|e| e.id);
    let mut running = 0;
    for e in &ordered {
        running += e.amount_micros;
        assert_eq!(e.balance_after_micros, running, "entry {}", e.id);
        assert!(e.balance_after_micros >= -5_000_000);
    }

    // 20 requests with one key at once, for more than is left after the first: one posts, the
    // others are replays of it, none is refused.
    let same: Vec<_> = (0..20)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let posting = Posting {
                    idempotency_key: "one-key".into(),
                    ..charge(id, 0, -60_000)
                };
                ledger::post(&db, 1, "system", posting, None).await
            })
        })
        .collect();
    let mut kinds = (0, 0);
    for task in same {
        match task.await.unwrap().unwrap() {
            Posted::New(_) => kinds.0 += 1,
            Posted::Replayed(_) => kinds.1 += 1,
        }
    }
    assert_eq!(kinds, (1, 19));
    let (cached, summed, _, counted) = ledger::verify(&db, id).await.unwrap();
    assert_eq!((cached, summed, counted), (-4_991_400, -4_991_400, 123));

    // A key reused for another amount is a conflict; a charge must be a debit; zero moves nothing.
    // Which 121 of the 200 charges fitted depends on the race: reuse the key of one that did.
    let posted: usize = ordered
        .iter()
        .find_map(|e| e.idempotency_key.strip_prefix("cdr:")?.parse().ok())
        .unwrap();
    let err = ledger::post(&db, 1, "system", charge(id, posted, -1), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict { ref field } if field == "idempotency_key"));
    let err = ledger::post(&db, 1, "system", charge(id, 900, 5), None)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["amount"]);
    let err = ledger::post(&db, 1, "system", charge(id, 901, 0), None)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["amount"]);
    // Another tenant's request cannot touch this customer.
    let err = ledger::post(&db, 2, "system", charge(id, 902, -1), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound));
}

async fn manual_entries_are_staff_only_audited_and_checked(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let id = customer(db, "Manual Co", "0").await;
    let other = customer(db, "Other Co", "0").await;
    let admin = actor(1, Role::Admin);
    let input = |kind: &str, amount: &str, reason: &str, key: &str| AdjustmentInput {
        customer_id: id,
        kind: kind.into(),
        amount: amount.into(),
        reason: reason.into(),
        idempotency_key: key.into(),
    };

    let err = ledger::adjust(db, &admin, input("subscription", "ten", "", "k0"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["kind", "amount", "reason"]);
    let err = ledger::adjust(db, &admin, input("top_up", "1.0000001", "wire", "k0"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["amount"]);
    let err = ledger::adjust(db, &admin, input("top_up", "-5", "wire", "k0"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["amount"]);
    // Prepaid without credit: a correction may not take the balance below zero.
    let err = ledger::adjust(db, &admin, input("adjustment", "-1", "fix", "k0"))
        .await
        .unwrap_err();
    match err {
        ServiceError::Validation(v) => assert_eq!(
            v[0].message,
            "the balance is 0.00 USD and the credit limit 0.00 USD: a debit of 1.00 USD would leave -1.00 USD; top up first"
        ),
        other => panic!("{other:?}"),
    }

    let posted = ledger::adjust(
        db,
        &admin,
        input("top_up", "25.50", "bank transfer 2026-11-30", "k1"),
    )
    .await
    .unwrap();
    assert!(matches!(posted, Posted::New(_)));
    // The same form sent twice posts once.
    let again = ledger::adjust(
        db,
        &admin,
        input("top_up", "25.50", "bank transfer 2026-11-30", "k1"),
    )
    .await
    .unwrap();
    assert!(matches!(again, Posted::Replayed(_)));
    ledger::adjust(
        db,
        &admin,
        input("adjustment", "-0.004", "rounding on ticket 118", "k2"),
    )
    .await
    .unwrap();
    let audit = services::audit::recent(
        db,
        1,
        &services::audit::AuditFilter {
            entity: None,
            actor_user_id: Some(1),
        },
        50,
    )
    .await
    .unwrap();
    let ledger_audits: Vec<_> = audit
        .iter()
        .filter(|a| a.entity == "ledger_entry")
        .collect();
    assert_eq!(ledger_audits.len(), 2);
    assert!(
        ledger_audits
            .iter()
            .any(|a| a.changes.contains("25.50 USD"))
    );
    assert!(
        ledger_audits
            .iter()
            .any(|a| a.changes.contains("-0.004 USD"))
    );

    // Staff only; a customer reads its own ledger and no other.
    let mut me = actor(7, Role::Customer);
    me.customer_id = Some(id);
    assert!(matches!(
        ledger::adjust(db, &me, input("bonus", "5", "gift", "k3")).await,
        Err(ServiceError::Forbidden)
    ));
    let mine = ledger::balance(db, &me, id).await.unwrap();
    assert_eq!(mine.balance_micros, 25_496_000);
    assert!(matches!(
        ledger::balance(db, &me, other).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        ledger::balance(db, &actor(9, Role::Carrier), id).await,
        Err(ServiceError::Forbidden)
    ));

    let only_top_ups = EntryFilter {
        kind: Some(EntryKind::TopUp),
        ..Default::default()
    };
    let (rows, total) = ledger::list_entries(db, &me, id, &only_top_ups, 1, 50)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(rows[0].description, "bank transfer 2026-11-30");
    let found = EntryFilter {
        text: Some("ticket 118".into()),
        ..Default::default()
    };
    let (rows, _) = ledger::list_entries(db, &admin, id, &found, 1, 50)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].amount_micros, -4_000);

    // With entries in USD, the customer's billing currency stays USD.
    let row = services::entities::customers::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut form = CustomerInput::from_row(&row);
    form.billing_currency = "EUR".into();
    let err = customers::update_customer(db, &admin, id, form)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), ["billing_currency"]);
}

on_both_databases!(
    concurrent_charges_stop_at_the_credit_limit,
    manual_entries_are_staff_only_audited_and_checked,
);
