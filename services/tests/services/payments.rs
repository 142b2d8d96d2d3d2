//! Issue 8's Stripe top-ups, on SQLite and PostgreSQL, against the local Stripe fake (`fakes`):
//! a top-up creates one Checkout Session however often its form is sent; only a signed webhook
//! credits it, once, whatever is replayed; refunds and disputes debit and a won dispute gives
//! back; a payment for another amount is not credited; bad amounts, a bad signature, an old
//! signature, a refusing or unreachable Stripe and a platform without keys each say so and move
//! nothing.

use super::helpers::{actor, actor_in, services_with};
use crate::on_both_databases;
use domain::access::Role;
use fakes::stripe::{Config, StripeFake};
use sea_orm::{DatabaseConnection, EntityTrait};
use services::ServiceError;
use services::audit::Actor;
use services::customers::{self, CustomerInput};
use services::entities::payments as payment_rows;
use services::ledger;
use services::payments::{self, EventOutcome, TopUpInput, WebhookError, stripe};

pub(super) const KEY: &str = "sk_test_didtron";
pub(super) const SECRET: &str = "whsec_didtron";

pub(super) async fn fake(key: &str) -> StripeFake {
    StripeFake::start(
        Config {
            secret_key: key.to_owned(),
            webhook_secret: SECRET.to_owned(),
            webhook_url: None,
        },
        0,
    )
    .await
    .expect("stripe fake")
}

pub(super) async fn customer(db: &DatabaseConnection, tenant: i64) -> Actor {
    let id = customers::create_customer(
        db,
        &actor_in(tenant, 1, Role::Admin),
        CustomerInput {
            company_name: "Pay As You Go Ltd".into(),
            contact_email: "ops@payg.example".into(),
            billing_email: "billing@payg.example".into(),
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
        ..actor_in(tenant, 7, Role::Customer)
    }
}

pub(super) fn top_up(amount: &str, token: &str) -> TopUpInput {
    TopUpInput {
        amount: amount.into(),
        provider: "stripe".into(),
        token: token.into(),
        promo_code: String::new(),
    }
}

pub(super) fn field_of(err: &ServiceError) -> String {
    match err {
        ServiceError::Validation(v) => format!("{}: {}", v[0].field, v[0].message),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

pub(super) async fn balance(db: &DatabaseConnection, me: &Actor) -> i64 {
    let id = me.customer_id.unwrap();
    let b = ledger::balance(db, me, id).await.unwrap();
    let (cached, summed, count, counted) = ledger::verify(db, id).await.unwrap();
    assert_eq!(
        (cached, count),
        (summed, counted),
        "the cache equals the entries"
    );
    b.balance_micros
}

pub(super) async fn payment(db: &DatabaseConnection, id: i64) -> payment_rows::Model {
    payment_rows::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn stripe_top_ups_credit_once_and_reverse(db: DatabaseConnection) {
    let stripe_fake = fake(KEY).await;
    let svc = services_with(
        db,
        &[
            ("DIDTRON__STRIPE__API_BASE", stripe_fake.base_url.as_str()),
            ("DIDTRON__STRIPE__SECRET_KEY", KEY),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", SECRET),
        ],
    )
    .await;
    let db = svc.db.clone();
    let me = customer(&db, 1).await;
    let id = me.customer_id.unwrap();
    let site = "https://portal.example";

    // Bad amounts name the field and create nothing.
    for (amount, says) in [
        ("fifty", "give an amount like 50"),
        ("5", "the smallest top-up is 10.00 USD"),
        ("10.001", "USD amounts have 2 decimals at most"),
        ("20000", "the largest top-up is 10000.00 USD"),
    ] {
        let err = payments::start_top_up(&svc, &me, id, top_up(amount, "t0"), site)
            .await
            .unwrap_err();
        let text = field_of(&err);
        assert!(
            text.starts_with("amount: ") && text.contains(says),
            "{amount}: {text}"
        );
    }
    assert!(stripe_fake.sessions().is_empty());

    // A top-up of 50.00: one Checkout Session, however often the form is sent.
    let checkout = payments::start_top_up(&svc, &me, id, top_up("50", "t1"), site)
        .await
        .unwrap();
    let again = payments::start_top_up(&svc, &me, id, top_up("50.00", "t1"), site)
        .await
        .unwrap();
    assert_eq!(checkout, again);
    assert_eq!(stripe_fake.sessions().len(), 1);
    let session_id = checkout.url.rsplit('/').next().unwrap().to_owned();
    let session = stripe_fake.session(&session_id).unwrap();
    assert_eq!(session["amount_total"], 5000);
    assert_eq!(session["currency"], "usd");
    assert_eq!(
        session["client_reference_id"],
        checkout.payment_id.to_string()
    );
    assert_eq!(session["customer_email"], "billing@payg.example");
    assert_eq!(
        session["success_url"],
        format!("{site}/customer/top-up?paid={}", checkout.payment_id)
    );
    let err = payments::start_top_up(&svc, &me, id, top_up("60", "t1"), site)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict { ref field } if field == "token"));

    // Coming back from the payment page credits nothing: only the webhook does. A bad or an old
    // signature is refused and reads nothing.
    assert_eq!(balance(&db, &me).await, 0);
    let paid = stripe_fake.complete(&session_id, true).unwrap();
    let forged =
        fakes::stripe::signature(&paid.payload, "whsec_wrong", chrono::Utc::now().timestamp());
    assert!(matches!(
        stripe::handle_webhook(&svc, &paid.payload, &forged).await,
        Err(WebhookError::BadSignature(_))
    ));
    let old = fakes::stripe::signature(&paid.payload, SECRET, chrono::Utc::now().timestamp() - 600);
    assert!(matches!(
        stripe::handle_webhook(&svc, &paid.payload, &old).await,
        Err(WebhookError::BadSignature(_))
    ));
    assert!(matches!(
        stripe::handle_webhook(&svc, &paid.payload, "").await,
        Err(WebhookError::BadSignature(_))
    ));
    assert_eq!(balance(&db, &me).await, 0);

    // The signed event credits 50.00 once; its replay and a second event about the same
    // session move nothing.
    let outcome = stripe::handle_webhook(&svc, &paid.payload, &paid.signature)
        .await
        .unwrap();
    assert!(
        matches!(outcome, EventOutcome::Processed(ref s) if s.starts_with("credited 50.00 USD"))
    );
    assert_eq!(balance(&db, &me).await, 50_000_000);
    assert_eq!(
        stripe::handle_webhook(&svc, &paid.payload, &paid.signature)
            .await
            .unwrap(),
        EventOutcome::Replayed
    );
    let second = stripe_fake.async_paid(&session_id).unwrap();
    let outcome = stripe::handle_webhook(&svc, &second.payload, &second.signature)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        EventOutcome::Processed("already credited 50.00 USD".into())
    );
    assert_eq!(balance(&db, &me).await, 50_000_000);
    let row = payment(&db, checkout.payment_id).await;
    assert_eq!(row.status, "paid");
    assert_eq!(row.provider_payment_ref, format!("pi_{}", &session_id[3..]));
    assert!(row.ledger_entry_id.is_some());

    // A refund of 10.00 and a dispute of 40.00 debit, even below zero; the dispute won gives
    // the 40.00 back. Each once.
    let refund = stripe_fake.refund(&session_id, 1000).unwrap();
    stripe::handle_webhook(&svc, &refund.payload, &refund.signature)
        .await
        .unwrap();
    assert_eq!(
        stripe::handle_webhook(&svc, &refund.payload, &refund.signature)
            .await
            .unwrap(),
        EventOutcome::Replayed
    );
    assert_eq!(balance(&db, &me).await, 40_000_000);
    let dispute = stripe_fake
        .dispute(&session_id, 4000, "needs_response", Some("dp_test_1"))
        .unwrap();
    stripe::handle_webhook(&svc, &dispute.payload, &dispute.signature)
        .await
        .unwrap();
    assert_eq!(balance(&db, &me).await, 0);
    assert_eq!(
        payment(&db, checkout.payment_id).await.reversed_micros,
        50_000_000
    );
    let won = stripe_fake
        .dispute(&session_id, 4000, "won", Some("dp_test_1"))
        .unwrap();
    stripe::handle_webhook(&svc, &won.payload, &won.signature)
        .await
        .unwrap();
    let won_again = stripe_fake
        .dispute(&session_id, 4000, "won", Some("dp_test_1"))
        .unwrap();
    stripe::handle_webhook(&svc, &won_again.payload, &won_again.signature)
        .await
        .unwrap();
    assert_eq!(balance(&db, &me).await, 40_000_000);
    assert_eq!(
        payment(&db, checkout.payment_id).await.reversed_micros,
        10_000_000
    );

    // A session paid for another amount than the top-up is not credited.
    let other = payments::start_top_up(&svc, &me, id, top_up("20", "t2"), site)
        .await
        .unwrap();
    let other_session = other.url.rsplit('/').next().unwrap().to_owned();
    let mut object = stripe_fake.session(&other_session).unwrap();
    object["amount_total"] = 100.into();
    object["payment_status"] = "paid".into();
    object["status"] = "complete".into();
    let tampered = stripe_fake.event("checkout.session.completed", object);
    stripe::handle_webhook(&svc, &tampered.payload, &tampered.signature)
        .await
        .unwrap();
    let row = payment(&db, other.payment_id).await;
    assert_eq!(row.status, "failed");
    assert_eq!(
        row.message,
        "paid 100 USD but the top-up was 2000 USD: not credited"
    );
    assert_eq!(balance(&db, &me).await, 40_000_000);

    // An expired page marks its payment expired.
    let third = payments::start_top_up(&svc, &me, id, top_up("15", "t3"), site)
        .await
        .unwrap();
    let expired = stripe_fake
        .expire(third.url.rsplit('/').next().unwrap())
        .unwrap();
    stripe::handle_webhook(&svc, &expired.payload, &expired.signature)
        .await
        .unwrap();
    assert_eq!(payment(&db, third.payment_id).await.status, "expired");

    // Who sees what: the customer its own payments, staff all, another tenant nothing, a
    // carrier user is refused.
    let (mine, total) = payments::list(&db, &me, None, 1, 50).await.unwrap();
    assert_eq!((mine.len(), total), (3, 3));
    assert_eq!(mine[0].company, "Pay As You Go Ltd");
    let (all, _) = payments::list(&db, &actor(1, Role::Admin), None, 1, 50)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let (none, _) = payments::list(&db, &actor_in(2, 1, Role::Admin), None, 1, 50)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(matches!(
        payments::list(&db, &actor(1, Role::Carrier), None, 1, 50).await,
        Err(ServiceError::Forbidden)
    ));
    let stranger = Actor {
        customer_id: Some(id),
        ..actor_in(2, 9, Role::Customer)
    };
    assert!(matches!(
        payments::start_top_up(&svc, &stranger, id, top_up("50", "t9"), site).await,
        Err(ServiceError::NotFound)
    ));
}

async fn stripe_refusals_and_missing_keys_say_so(db: DatabaseConnection) {
    // No keys: the top-up and the webhook both say Stripe is not configured.
    let bare = services_with(db.clone(), &[]).await;
    let me = customer(&db, 1).await;
    let id = me.customer_id.unwrap();
    let err = payments::start_top_up(&bare, &me, id, top_up("50", "n1"), "http://x")
        .await
        .unwrap_err();
    assert!(field_of(&err).contains("not configured"), "{err:?}");
    assert!(matches!(
        stripe::handle_webhook(&bare, "{}", "t=1,v1=00").await,
        Err(WebhookError::NotConfigured("Stripe"))
    ));

    // A key Stripe refuses: the payment is failed with Stripe's reason.
    let stripe_fake = fake("sk_test_other").await;
    let refused = services_with(
        db.clone(),
        &[
            ("DIDTRON__STRIPE__API_BASE", stripe_fake.base_url.as_str()),
            ("DIDTRON__STRIPE__SECRET_KEY", KEY),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", SECRET),
        ],
    )
    .await;
    let err = payments::start_top_up(&refused, &me, id, top_up("50", "n2"), "http://x")
        .await
        .unwrap_err();
    let text = field_of(&err);
    assert!(
        text.starts_with("provider: Stripe refused the request (401): Invalid API Key"),
        "{text}"
    );

    // Stripe unreachable.
    let down = services_with(
        db.clone(),
        &[
            ("DIDTRON__STRIPE__API_BASE", "http://127.0.0.1:9"),
            ("DIDTRON__STRIPE__SECRET_KEY", KEY),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", SECRET),
        ],
    )
    .await;
    let err = payments::start_top_up(&down, &me, id, top_up("50", "n3"), "http://x")
        .await
        .unwrap_err();
    assert!(
        field_of(&err).contains("Stripe could not be reached"),
        "{err:?}"
    );
    let (rows, _) = payments::list(&db, &me, None, 1, 50).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.payment.status == "failed"));
    assert_eq!(balance(&db, &me).await, 0);
}

on_both_databases!(
    stripe_top_ups_credit_once_and_reverse,
    stripe_refusals_and_missing_keys_say_so
);
