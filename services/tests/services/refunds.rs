//! Issue 8's staff refunds, on SQLite and PostgreSQL, against the Stripe and PayPal fakes: staff
//! ask the provider to refund part or all of a paid top-up; the balance moves only when the
//! provider's webhook confirms it, once; the same form sent twice refunds once; more than is
//! left, a bad amount, an unpaid payment, a customer user and another tenant's payment are
//! refused, each saying why; a refusing provider's reason is shown.

use super::helpers::{actor, actor_in, services_with};
use super::payments::{KEY, SECRET, balance, customer, fake, field_of, payment, top_up};
use super::paypal as pp;
use crate::on_both_databases;
use domain::access::Role;
use sea_orm::DatabaseConnection;
use services::ServiceError;
use services::payments::refunds::refund;
use services::payments::{self, EventOutcome, paypal, stripe};

async fn stripe_refunds_move_money_when_stripe_confirms(db: DatabaseConnection) {
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
    let checkout = payments::start_top_up(&svc, &me, id, top_up("50", "r1"), site)
        .await
        .unwrap();
    let unpaid = payments::start_top_up(&svc, &me, id, top_up("25", "r2"), site)
        .await
        .unwrap();
    let session_id = checkout.url.rsplit('/').next().unwrap();
    let paid = stripe_fake.complete(session_id, true).unwrap();
    stripe::handle_webhook(&svc, &paid.payload, &paid.signature)
        .await
        .unwrap();
    assert_eq!(balance(&db, &me).await, 50_000_000);
    let staff = actor(1, Role::Admin);
    let pid = checkout.payment_id;

    // Refused before Stripe is asked, each naming why.
    assert!(matches!(
        refund(&svc, &me, pid, "10", "k0").await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        refund(&svc, &actor_in(2, 1, Role::Admin), pid, "10", "k0").await,
        Err(ServiceError::NotFound)
    ));
    for (amount, token, says) in [
        (
            "ten",
            "k0",
            "amount: give an amount like 10.00, at most 50.00 USD",
        ),
        ("-5", "k0", "amount: give an amount like 10.00"),
        (
            "10.001",
            "k0",
            "amount: USD amounts have 2 decimals at most",
        ),
        ("60", "k0", "amount: at most 50.00 USD of payment"),
        ("10", " ", "token: the form has no token"),
    ] {
        let text = field_of(&refund(&svc, &staff, pid, amount, token).await.unwrap_err());
        assert!(text.starts_with(says), "{amount}: {text}");
    }
    let text = field_of(
        &refund(&svc, &staff, unpaid.payment_id, "10", "k0")
            .await
            .unwrap_err(),
    );
    assert!(
        text.contains("only a paid top-up can be refunded"),
        "{text}"
    );
    assert!(stripe_fake.pending_events().is_empty());

    // 20.00 asked: nothing moves until Stripe's refund.created, which debits once.
    let said = refund(&svc, &staff, pid, "20", "k1").await.unwrap();
    assert!(said.contains("20.00 USD asked for"), "{said}");
    assert_eq!(balance(&db, &me).await, 50_000_000);
    // The same form sent again is the same refund at Stripe (its idempotency key).
    refund(&svc, &staff, pid, "20", "k1").await.unwrap();
    let events = stripe_fake.pending_events();
    assert_eq!(events.len(), 1);
    for _ in 0..2 {
        stripe::handle_webhook(&svc, &events[0].payload, &events[0].signature)
            .await
            .unwrap();
    }
    assert_eq!(balance(&db, &me).await, 30_000_000);
    assert_eq!(payment(&db, pid).await.reversed_micros, 20_000_000);

    // What Stripe refuses (more than it has left, asked before the last refund was
    // confirmed) comes back with Stripe's reason and moves nothing.
    refund(&svc, &staff, pid, "25", "k2").await.unwrap();
    let text = field_of(&refund(&svc, &staff, pid, "10", "k3").await.unwrap_err());
    assert!(
        text.starts_with("provider: Stripe refused the request (400")
            && text.contains("greater than unrefunded amount"),
        "{text}"
    );
    for e in stripe_fake.pending_events() {
        stripe::handle_webhook(&svc, &e.payload, &e.signature)
            .await
            .unwrap();
    }
    assert_eq!(balance(&db, &me).await, 5_000_000);
    let text = field_of(&refund(&svc, &staff, pid, "5.01", "k4").await.unwrap_err());
    assert_eq!(
        text,
        format!("amount: at most 5.00 USD of payment {pid} is left to refund")
    );
}

async fn paypal_refunds_move_money_when_paypal_confirms(db: DatabaseConnection) {
    let (svc, fake) = pp::setup(db, pp::SECRET).await;
    let db = svc.db.clone();
    let me = pp::customer(&db).await;
    let id = me.customer_id.unwrap();
    let checkout = payments::start_top_up(
        &svc,
        &me,
        id,
        pp::top_up("50", "pr1"),
        "https://portal.example",
    )
    .await
    .unwrap();
    let order_id = checkout.url.rsplit("token=").next().unwrap();
    assert!(fake.approve_order(order_id));
    paypal::capture_return(&svc, order_id).await.unwrap();
    // The capture's PAYMENT.CAPTURE.COMPLETED, as PayPal sends it after answering.
    let completed = fake.pending_deliveries();
    assert_eq!(completed.len(), 1);
    pp::deliver(&svc, &completed[0]).await.unwrap();
    assert_eq!(pp::balance(&svc, &me).await, 50_000_000);
    let staff = actor(1, Role::SuperAdmin);
    let pid = checkout.payment_id;

    let said = refund(&svc, &staff, pid, "15.50", "p1").await.unwrap();
    assert!(said.contains("15.50 USD asked for"), "{said}");
    refund(&svc, &staff, pid, "15.50", "p1").await.unwrap();
    let refunds = fake.pending_deliveries();
    assert_eq!(
        refunds.len(),
        1,
        "one refund however often the form is sent"
    );
    assert!(matches!(
        pp::deliver(&svc, &refunds[0]).await.unwrap(),
        EventOutcome::Processed(_)
    ));
    assert_eq!(pp::balance(&svc, &me).await, 34_500_000);

    // Asked beyond what PayPal has left: PayPal's reason, nothing moves.
    refund(&svc, &staff, pid, "30", "p2").await.unwrap();
    let text = field_of(&refund(&svc, &staff, pid, "10", "p3").await.unwrap_err());
    assert!(
        text.starts_with("provider: PayPal refused the request (422)")
            && text.contains("REFUND_AMOUNT_EXCEEDED"),
        "{text}"
    );
    for d in fake.pending_deliveries() {
        pp::deliver(&svc, &d).await.unwrap();
    }
    assert_eq!(pp::balance(&svc, &me).await, 4_500_000);
    let row = payment(&db, pid).await;
    assert_eq!(
        (row.status.as_str(), row.reversed_micros),
        ("paid", 45_500_000)
    );
}

on_both_databases!(
    stripe_refunds_move_money_when_stripe_confirms,
    paypal_refunds_move_money_when_paypal_confirms
);
