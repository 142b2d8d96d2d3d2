//! Issue 7's low-balance alerts and hard credit stop, on SQLite and PostgreSQL: an alert opens
//! once per crossing (two checks at once still open one), closes when the balance is back and
//! opens again on the next crossing; reaching minus the credit limit opens `calls_stopped` and
//! the call budget refuses new calls with the figures; a suspended customer is refused; the
//! threshold is checked, audited, and a customer may set only its own.

use super::helpers::{actor, services};
use crate::on_both_databases;
use domain::access::Role;
use domain::ledger::EntryKind;
use sea_orm::{DatabaseConnection, EntityTrait};
use services::ServiceError;
use services::balances::{self, CALLS_STOPPED, LOW_BALANCE};
use services::customers::{self, CustomerInput};
use services::ledger::{self, Posting};

async fn post(db: &DatabaseConnection, customer_id: i64, kind: EntryKind, micros: i64, key: &str) {
    ledger::post(
        db,
        1,
        "system",
        Posting {
            customer_id,
            kind,
            amount_micros: micros,
            idempotency_key: key.into(),
            description: key.into(),
            reference: String::new(),
            fx: None,
        },
        None,
    )
    .await
    .unwrap();
}

async fn open_alerts(db: &DatabaseConnection, customer_id: i64) -> Vec<String> {
    let mut kinds: Vec<String> =
        balances::list_alerts(db, &actor(1, Role::Admin), customer_id, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.cleared_at.is_none())
            .map(|a| a.kind)
            .collect();
    kinds.sort();
    kinds
}

async fn alerts_open_once_per_crossing_and_calls_stop_at_the_limit(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let c = customers::create_customer(
        db,
        &admin,
        CustomerInput {
            company_name: "Thrifty Ltd".into(),
            contact_email: "noc@thrifty.example".into(),
            billing_email: "billing@thrifty.example".into(),
            billing_currency: "USD".into(),
            credit_limit: "5".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    post(db, c.id, EntryKind::TopUp, 20_000_000, "top-up-1").await;

    // A bad threshold names the field; nothing changes.
    let err = balances::set_threshold(db, &admin, c.id, "ten dollars")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Validation(f) if f[0].field == "low_balance" && f[0].message.contains("not an amount")),
        "{err:?}"
    );
    // Another customer's user may not set it.
    let mut other = actor(7, Role::Customer);
    other.customer_id = Some(c.id + 1000);
    assert!(matches!(
        balances::set_threshold(db, &other, c.id, "1").await,
        Err(ServiceError::NotFound)
    ));
    // The customer itself may.
    let mut me = actor(8, Role::Customer);
    me.customer_id = Some(c.id);
    let row = balances::set_threshold(db, &me, c.id, "10.00")
        .await
        .unwrap();
    assert_eq!(row.low_balance_micros, Some(10_000_000));
    let audit = services::entities::audit_log::Entity::find()
        .all(db)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.entity == "customer" && a.changes.contains("10.00")),
        "the threshold change is audited"
    );

    // 20.00 is above 10.00: nothing to say.
    let report = balances::check_alerts(db, None).await.unwrap();
    assert!(report.opened.is_empty(), "{report:?}");
    // Down to 9.50: one alert, however many checks run, even two at once.
    post(db, c.id, EntryKind::CallCharge, -10_500_000, "cdr:1").await;
    let (a, b) = tokio::join!(
        balances::check_alerts(db, None),
        balances::check_alerts(db, Some(c.id))
    );
    assert_eq!(a.unwrap().opened.len() + b.unwrap().opened.len(), 1);
    assert!(
        balances::check_alerts(db, None)
            .await
            .unwrap()
            .opened
            .is_empty()
    );
    let alerts = balances::list_alerts(db, &me, c.id, 10).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, LOW_BALANCE);
    assert_eq!(alerts[0].balance_micros, 9_500_000);
    assert_eq!(alerts[0].level_micros, 10_000_000);
    assert_eq!(alerts[0].email_to, "billing@thrifty.example");
    assert_eq!(alerts[0].email_status, "queued");
    // Still money to spend: calls go on.
    let budget = balances::call_budget(db, &row).await.unwrap();
    assert_eq!(budget.available_micros, 14_500_000);
    assert_eq!(budget.refusal, None);

    // A top-up back above the threshold closes the crossing; the next one opens a new alert.
    post(db, c.id, EntryKind::TopUp, 5_000_000, "top-up-2").await;
    let report = balances::check_alerts(db, None).await.unwrap();
    assert_eq!((report.opened.len(), report.cleared), (0, 1));
    assert!(open_alerts(db, c.id).await.is_empty());
    post(db, c.id, EntryKind::CallCharge, -19_500_000, "cdr:2").await;
    // 14.50 - 19.50 = -5.00: the whole credit limit is used; both alerts open.
    let report = balances::check_alerts(db, None).await.unwrap();
    assert_eq!(report.opened.len(), 2, "{report:?}");
    assert_eq!(open_alerts(db, c.id).await, [CALLS_STOPPED, LOW_BALANCE]);
    let stopped = report
        .opened
        .iter()
        .find(|a| a.kind == CALLS_STOPPED)
        .unwrap();
    assert_eq!(
        (stopped.balance_micros, stopped.level_micros),
        (-5_000_000, -5_000_000)
    );
    let budget = balances::call_budget(db, &row).await.unwrap();
    assert_eq!(budget.available_micros, 0);
    assert_eq!(
        budget.refusal.as_deref(),
        Some(
            "Thrifty Ltd's balance is -5.00 USD and its credit limit 5.00 USD: new calls are refused until it tops up"
        )
    );
    assert_eq!(
        balances::list_alerts(db, &me, c.id, 10)
            .await
            .unwrap()
            .len(),
        3
    );

    // A top-up of 1.00 lets calls through again (but stays below the threshold).
    post(db, c.id, EntryKind::TopUp, 1_000_000, "top-up-3").await;
    let report = balances::check_alerts(db, Some(c.id)).await.unwrap();
    assert_eq!((report.opened.len(), report.cleared), (0, 1));
    assert_eq!(open_alerts(db, c.id).await, [LOW_BALANCE]);
    assert_eq!(balances::call_budget(db, &row).await.unwrap().refusal, None);

    // Turning the alert off closes it at once.
    balances::set_threshold(db, &admin, c.id, " ")
        .await
        .unwrap();
    assert!(open_alerts(db, c.id).await.is_empty());

    // A suspended customer is refused whatever its balance.
    let mut form = CustomerInput::from_row(&row);
    form.status = "suspended".into();
    let suspended = customers::update_customer(db, &admin, c.id, form)
        .await
        .unwrap();
    assert_eq!(
        balances::call_budget(db, &suspended)
            .await
            .unwrap()
            .refusal
            .as_deref(),
        Some("Thrifty Ltd is suspended: its calls are refused")
    );
}

async fn the_check_runs_as_a_job(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let c = customers::create_customer(
        db,
        &admin,
        CustomerInput {
            company_name: "Job Ltd".into(),
            contact_email: "noc@job.example".into(),
            billing_currency: "USD".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    post(db, c.id, EntryKind::TopUp, 1_000_000, "top-up").await;
    balances::set_threshold(db, &admin, c.id, "2")
        .await
        .unwrap();
    // set_threshold checked at once; the job finds nothing new.
    assert_eq!(open_alerts(db, c.id).await, [LOW_BALANCE]);
    let request = services::jobs::JobRequest {
        id: uuid::Uuid::new_v4().to_string(),
        kind: services::jobs::JobKind::CheckBalances.key().to_owned(),
        payload: serde_json::json!({}),
    };
    let summary = services::jobs::run(&svc, &request).await.unwrap();
    assert!(summary.ends_with("0 alerts opened, 0 cleared"), "{summary}");
}

on_both_databases!(
    alerts_open_once_per_crossing_and_calls_stop_at_the_limit,
    the_check_runs_as_a_job,
);
