//! Issue 8's PayPal top-ups, on SQLite and PostgreSQL, against the local PayPal fake: an order
//! per top-up however often the form is sent; coming back unapproved fails with PayPal's
//! reason; an approved order is captured once and stays pending until PayPal's verified
//! webhook credits it, once; a delivery PayPal does not vouch for is refused; refunds and
//! disputes debit and a dispute won gives back; a wrong secret and missing keys say so.

use super::helpers::{actor, services_with};
use crate::on_both_databases;
use domain::access::Role;
use fakes::paypal::{Config, Delivery, PaypalFake};
use sea_orm::{DatabaseConnection, EntityTrait};
use services::audit::Actor;
use services::customers::{self, CustomerInput};
use services::entities::payments as payment_rows;
use services::payments::{self, EventOutcome, TopUpInput, WebhookError, paypal};
use services::{ServiceError, Services, ledger};

pub(super) const CLIENT: &str = "didtron-client";
pub(super) const SECRET: &str = "didtron-secret";
pub(super) const WEBHOOK: &str = "WH-DIDTRON-1";

pub(super) async fn setup(db: DatabaseConnection, secret: &str) -> (Services, PaypalFake) {
    let fake = PaypalFake::start(
        Config {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            webhook_id: WEBHOOK.into(),
            webhook_url: None,
        },
        0,
    )
    .await
    .unwrap();
    let svc = services_with(
        db,
        &[
            ("DIDTRON__PAYPAL__API_BASE", fake.base_url.as_str()),
            ("DIDTRON__PAYPAL__CLIENT_ID", CLIENT),
            ("DIDTRON__PAYPAL__CLIENT_SECRET", secret),
            ("DIDTRON__PAYPAL__WEBHOOK_ID", WEBHOOK),
        ],
    )
    .await;
    (svc, fake)
}

pub(super) async fn customer(db: &DatabaseConnection) -> Actor {
    let id = customers::create_customer(
        db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: "PayPal Caller Ltd".into(),
            contact_email: "ops@paypal-caller.example".into(),
            billing_currency: "USD".into(),
            credit_limit: "0".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    Actor {
        customer_id: Some(id),
        ..actor(50, Role::Customer)
    }
}

pub(super) fn top_up(amount: &str, token: &str) -> TopUpInput {
    TopUpInput {
        amount: amount.into(),
        provider: "paypal".into(),
        token: token.into(),
        promo_code: String::new(),
    }
}

pub(super) async fn deliver(svc: &Services, d: &Delivery) -> Result<EventOutcome, WebhookError> {
    let headers: Vec<(&str, String)> = d
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    paypal::handle_webhook(svc, &d.payload, &headers).await
}

pub(super) async fn balance(svc: &Services, me: &Actor) -> i64 {
    let id = me.customer_id.unwrap();
    let (cached, summed, count, counted) = ledger::verify(&svc.db, id).await.unwrap();
    assert_eq!(
        (cached, count),
        (summed, counted),
        "the cache equals the entries"
    );
    cached
}

async fn payment(db: &DatabaseConnection, id: i64) -> payment_rows::Model {
    payment_rows::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn paypal_orders_are_credited_from_verified_webhooks(db: DatabaseConnection) {
    let (svc, fake) = setup(db, SECRET).await;
    let db = svc.db.clone();
    let me = customer(&db).await;
    let id = me.customer_id.unwrap();
    let site = "https://portal.example";

    let checkout = payments::start_top_up(&svc, &me, id, top_up("50", "pp1"), site)
        .await
        .unwrap();
    let again = payments::start_top_up(&svc, &me, id, top_up("50", "pp1"), site)
        .await
        .unwrap();
    assert_eq!(checkout, again);
    assert_eq!(fake.orders().len(), 1);
    let order_id = checkout.url.rsplit("token=").next().unwrap().to_owned();
    let order = fake.order(&order_id).unwrap();
    let unit = &order["purchase_units"][0];
    assert_eq!(unit["amount"]["value"], "50.00");
    assert_eq!(unit["amount"]["currency_code"], "USD");
    assert_eq!(unit["custom_id"], checkout.payment_id.to_string());
    assert_eq!(
        order["experience"]["return_url"],
        format!("{site}/customer/top-up/paypal-return")
    );

    // Back without approving: PayPal refuses the capture and the payment says why.
    assert_eq!(
        paypal::capture_return(&svc, &order_id).await.unwrap(),
        checkout.payment_id
    );
    let row = payment(&db, checkout.payment_id).await;
    assert_eq!(row.status, "failed");
    assert!(
        row.message.contains("ORDER_NOT_APPROVED"),
        "{}",
        row.message
    );

    // Approved and back: captured once, pending until the webhook.
    assert!(fake.approve_order(&order_id));
    paypal::capture_return(&svc, &order_id).await.unwrap();
    paypal::capture_return(&svc, &order_id).await.unwrap();
    let row = payment(&db, checkout.payment_id).await;
    assert_eq!(row.status, "pending");
    let capture = fake.capture_of(&order_id).unwrap();
    assert_eq!(row.provider_payment_ref, capture["id"].as_str().unwrap());
    assert_eq!(balance(&svc, &me).await, 0);
    assert!(matches!(
        paypal::capture_return(&svc, "NO-SUCH-ORDER").await,
        Err(ServiceError::NotFound)
    ));

    // A delivery PayPal does not vouch for is refused and reads nothing.
    let completed = fake.event("PAYMENT.CAPTURE.COMPLETED", capture.clone());
    let mut forged = completed.clone();
    forged.headers[3].1 = "00".repeat(32);
    assert!(matches!(
        deliver(&svc, &forged).await,
        Err(WebhookError::BadSignature(_))
    ));
    let mut stripped = completed.clone();
    stripped
        .headers
        .retain(|(k, _)| k != "PAYPAL-TRANSMISSION-SIG");
    assert!(matches!(
        deliver(&svc, &stripped).await,
        Err(WebhookError::BadSignature(_))
    ));
    assert_eq!(balance(&svc, &me).await, 0);

    // The verified completion credits 50.00 once.
    let outcome = deliver(&svc, &completed).await.unwrap();
    assert!(
        matches!(outcome, EventOutcome::Processed(ref s) if s.starts_with("credited 50.00 USD"))
    );
    assert_eq!(
        deliver(&svc, &completed).await.unwrap(),
        EventOutcome::Replayed
    );
    let second = fake.event("PAYMENT.CAPTURE.COMPLETED", capture.clone());
    assert_eq!(
        deliver(&svc, &second).await.unwrap(),
        EventOutcome::Processed("already credited 50.00 USD".into())
    );
    assert_eq!(balance(&svc, &me).await, 50_000_000);
    assert_eq!(payment(&db, checkout.payment_id).await.status, "paid");

    // Refund 10.00, dispute 40.00, dispute won: 40.00 left; each once.
    let capture_id = capture["id"].as_str().unwrap();
    let refund = fake.refund(capture_id, "10.00").unwrap();
    deliver(&svc, &refund).await.unwrap();
    deliver(&svc, &refund).await.unwrap();
    assert_eq!(balance(&svc, &me).await, 40_000_000);
    let dispute = fake
        .dispute(capture_id, "40.00", "created", Some("PP-D-1"))
        .unwrap();
    deliver(&svc, &dispute).await.unwrap();
    assert_eq!(balance(&svc, &me).await, 0);
    let lost_by_buyer = fake
        .dispute(capture_id, "40.00", "seller", Some("PP-D-1"))
        .unwrap();
    deliver(&svc, &lost_by_buyer).await.unwrap();
    assert_eq!(balance(&svc, &me).await, 40_000_000);
    assert_eq!(
        payment(&db, checkout.payment_id).await.reversed_micros,
        10_000_000
    );

    // Events top-ups do not use are acknowledged.
    let other = fake.event("BILLING.PLAN.CREATED", serde_json::json!({ "id": "P-1" }));
    assert!(matches!(
        deliver(&svc, &other).await.unwrap(),
        EventOutcome::Processed(ref s) if s.starts_with("ignored")
    ));
}

async fn paypal_refusals_and_missing_keys_say_so(db: DatabaseConnection) {
    let (svc, _fake) = setup(db.clone(), "wrong-secret").await;
    let me = customer(&db).await;
    let id = me.customer_id.unwrap();
    let err = payments::start_top_up(&svc, &me, id, top_up("50", "w1"), "http://x")
        .await
        .unwrap_err();
    let ServiceError::Validation(v) = err else {
        panic!("expected a field error")
    };
    assert_eq!(v[0].field, "provider");
    assert_eq!(
        v[0].message,
        "PayPal refused the request (401): Client Authentication failed"
    );

    let bare = services_with(db.clone(), &[]).await;
    let err = payments::start_top_up(&bare, &me, id, top_up("50", "w2"), "http://x")
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("PayPal is not configured"),
        "{err:?}"
    );
    assert!(matches!(
        paypal::handle_webhook(&bare, "{}", &[]).await,
        Err(WebhookError::NotConfigured("PayPal"))
    ));
}

on_both_databases!(
    paypal_orders_are_credited_from_verified_webhooks,
    paypal_refusals_and_missing_keys_say_so
);
