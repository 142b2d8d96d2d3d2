//! Issue 8's sign-up and referrals, on SQLite and PostgreSQL: a company signs up with a
//! customer's referral code (bad fields, an unknown code, the referrer's own domain, a taken
//! name or e-mail and too many sign-ups from one address are refused, creating nothing); once
//! staff turn the programme on, the referee's first paid top-ups earn the referrer its share,
//! rounded down and capped, once per payment, as `referral_reward` entries, and a refund takes
//! the same share back; a top-up paid with the referrer's own PayPal account or card earns
//! nothing and says why.

use super::helpers::{actor, services_with};
use super::payments::{KEY, SECRET, fake, field_of, top_up};
use super::paypal as pp;
use crate::on_both_databases;
use domain::access::Role;
use domain::ledger::EntryKind;
use fakes::paypal::{Config as PaypalConfig, PaypalFake};
use fakes::stripe::StripeFake;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use services::ServiceError;
use services::audit::{Actor, Origin};
use services::customers::{self, CustomerInput};
use services::entities::{customers as customer_rows, ledger_entries, referral_rewards};
use services::payments::{self, paypal, stripe};
use services::referrals::{self, ProgrammeInput};
use services::signup::{SignUpInput, sign_up};
use services::state::Services;

fn from(ip: &str) -> Origin {
    Origin {
        ip: Some(ip.to_owned()),
        user_agent: Some("tests".to_owned()),
    }
}

fn form(company: &str, email: &str, code: &str) -> SignUpInput {
    SignUpInput {
        company_name: company.into(),
        display_name: "Dana Ops".into(),
        email: email.into(),
        password: "a long enough passphrase".into(),
        billing_currency: "USD".into(),
        referral_code: code.into(),
    }
}

fn fields(err: &ServiceError) -> Vec<String> {
    match err {
        ServiceError::Validation(v) => v
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn customers_named(db: &DatabaseConnection, name: &str) -> u64 {
    customer_rows::Entity::find()
        .filter(customer_rows::Column::CompanyName.eq(name))
        .count(db)
        .await
        .unwrap()
}

/// Acme Telecom Ltd (noc@acme-telecom.example), the referrer, and its referral code.
async fn referrer(svc: &Services) -> (customer_rows::Model, String) {
    let acme = customers::create_customer(
        &svc.db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: "Acme Referrer Ltd".into(),
            contact_email: "noc@acme-telecom.example".into(),
            billing_currency: "USD".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let me = Actor {
        customer_id: Some(acme.id),
        ..actor(90, Role::Customer)
    };
    let code = referrals::mine(&svc.db, &me).await.unwrap().code;
    assert_eq!(code.len(), referrals::CODE_LEN);
    assert_eq!(
        referrals::mine(&svc.db, &me).await.unwrap().code,
        code,
        "kept"
    );
    (acme, code)
}

/// Pays a top-up by card; returns its Checkout Session id.
async fn pay_by_card(
    svc: &Services,
    stripe_fake: &StripeFake,
    me: &Actor,
    amount: &str,
    token: &str,
) -> String {
    let id = me.customer_id.unwrap();
    let checkout =
        payments::start_top_up(svc, me, id, top_up(amount, token), "https://portal.example")
            .await
            .unwrap();
    let session = checkout.url.rsplit('/').next().unwrap();
    let paid = stripe_fake.complete(session, true).unwrap();
    for _ in 0..2 {
        stripe::handle_webhook(svc, &paid.payload, &paid.signature)
            .await
            .unwrap();
    }
    session.to_owned()
}

async fn pay_by_paypal(
    svc: &Services,
    paypal_fake: &PaypalFake,
    me: &Actor,
    amount: &str,
    token: &str,
) {
    let id = me.customer_id.unwrap();
    let checkout = payments::start_top_up(
        svc,
        me,
        id,
        pp::top_up(amount, token),
        "https://portal.example",
    )
    .await
    .unwrap();
    let order = checkout.url.rsplit("token=").next().unwrap();
    assert!(paypal_fake.approve_order(order));
    paypal::capture_return(svc, order).await.unwrap();
    for d in paypal_fake.pending_deliveries() {
        pp::deliver(svc, &d).await.unwrap();
    }
}

async fn rewards_of(db: &DatabaseConnection, referrer: i64) -> Vec<i64> {
    ledger_entries::Entity::find()
        .filter(ledger_entries::Column::CustomerId.eq(referrer))
        .filter(ledger_entries::Column::Kind.eq(EntryKind::ReferralReward.as_str()))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_micros)
        .collect()
}

async fn referred_sign_ups_earn_their_referrer_a_share(db: DatabaseConnection) {
    let stripe_fake = fake(KEY).await;
    let paypal_fake = PaypalFake::start(
        PaypalConfig {
            client_id: pp::CLIENT.into(),
            client_secret: pp::SECRET.into(),
            webhook_id: pp::WEBHOOK.into(),
            webhook_url: None,
        },
        0,
    )
    .await
    .unwrap();
    let svc = services_with(
        db,
        &[
            ("DIDTRON__STRIPE__API_BASE", stripe_fake.base_url.as_str()),
            ("DIDTRON__STRIPE__SECRET_KEY", KEY),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", SECRET),
            ("DIDTRON__PAYPAL__API_BASE", paypal_fake.base_url.as_str()),
            ("DIDTRON__PAYPAL__CLIENT_ID", pp::CLIENT),
            ("DIDTRON__PAYPAL__CLIENT_SECRET", pp::SECRET),
            ("DIDTRON__PAYPAL__WEBHOOK_ID", pp::WEBHOOK),
        ],
    )
    .await;
    let db = svc.db.clone();
    let (acme, code) = referrer(&svc).await;

    // Refused sign-ups name their fields and create nothing.
    let err = sign_up(
        &svc,
        1,
        SignUpInput {
            company_name: " ".into(),
            email: "not an address".into(),
            password: "short".into(),
            ..form("", "", "")
        },
        &from("203.0.113.1"),
    )
    .await
    .unwrap_err();
    let said = fields(&err);
    for field in ["email: ", "password: ", "company_name: "] {
        assert!(said.iter().any(|s| s.starts_with(field)), "{said:?}");
    }
    let err = sign_up(
        &svc,
        1,
        form("NewCo Ltd", "ops@newco.example", "NOSUCH99"),
        &from("203.0.113.2"),
    )
    .await
    .unwrap_err();
    assert!(field_of(&err).starts_with("referral_code: matches no customer"));
    let err = sign_up(
        &svc,
        1,
        form("Acme Again Ltd", "boss@ACME-telecom.example", &code),
        &from("203.0.113.3"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_of(&err),
        "referral_code: belongs to a company on your own domain (acme-telecom.example): a customer cannot refer itself, so leave it empty"
    );
    assert_eq!(customers_named(&db, "Acme Again Ltd").await, 0);

    // A good sign-up: the company (prepaid, no credit) and its user, referred by Acme.
    let user = sign_up(
        &svc,
        1,
        form("NewCo Ltd", "Ops@NewCo.example", &code.to_lowercase()),
        &from("203.0.113.4"),
    )
    .await
    .unwrap();
    assert_eq!(
        (user.email.as_str(), user.role.as_str()),
        ("ops@newco.example", "customer")
    );
    let newco = customer_rows::Entity::find_by_id(user.customer_id.unwrap())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newco.referred_by, Some(acme.id));
    assert_eq!(
        (newco.billing_type.as_str(), newco.credit_limit.as_str()),
        ("prepaid", "0")
    );
    // A taken name or e-mail creates nothing.
    let err = sign_up(
        &svc,
        1,
        form("NewCo Ltd", "other@newco2.example", ""),
        &from("203.0.113.5"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ServiceError::Conflict { ref field } if field == "company_name"),
        "{err:?}"
    );
    let err = sign_up(
        &svc,
        1,
        form("NewCo Two Ltd", "ops@newco.example", ""),
        &from("203.0.113.6"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ServiceError::Conflict { ref field } if field == "email"),
        "{err:?}"
    );
    assert_eq!(
        customers_named(&db, "NewCo Two Ltd").await,
        0,
        "both or neither"
    );
    // Ten sign-ups per address in the limiter's window, then 429.
    let mut limited = None;
    for i in 0..11 {
        if let Err(e) = sign_up(&svc, 1, form("", "", ""), &from("198.51.100.9")).await
            && matches!(e, ServiceError::RateLimited { .. })
        {
            limited = Some(i);
            break;
        }
    }
    assert_eq!(limited, Some(10));

    // The programme is off until staff turn it on: a paid top-up earns nothing.
    let newco_user = Actor {
        customer_id: Some(newco.id),
        ..actor(user.id, Role::Customer)
    };
    pay_by_card(&svc, &stripe_fake, &newco_user, "50", "n1").await;
    assert!(rewards_of(&db, acme.id).await.is_empty());
    let staff = actor(1, Role::Admin);
    let bad = ProgrammeInput {
        enabled: true,
        share_percent: "0".into(),
        rewarded_top_ups: "none".into(),
        max_reward: "-5".into(),
    };
    let said = fields(
        &referrals::save_programme(&db, &staff, bad.clone())
            .await
            .unwrap_err(),
    );
    assert_eq!(said.len(), 3, "{said:?}");
    assert!(matches!(
        referrals::save_programme(&db, &newco_user, bad).await,
        Err(ServiceError::Forbidden)
    ));
    referrals::save_programme(
        &db,
        &staff,
        ProgrammeInput {
            enabled: true,
            share_percent: "10".into(),
            rewarded_top_ups: "3".into(),
            max_reward: "8.00".into(),
        },
    )
    .await
    .unwrap();

    // The 2nd paid top-up (55.55) earns 5.55; the 3rd (60.00) 6.00 capped to 2.45 (8.00 in
    // all); the 4th nothing. Webhooks replayed move nothing twice.
    let second = pay_by_card(&svc, &stripe_fake, &newco_user, "55.55", "n2").await;
    pay_by_card(&svc, &stripe_fake, &newco_user, "60", "n3").await;
    pay_by_card(&svc, &stripe_fake, &newco_user, "70", "n4").await;
    assert_eq!(rewards_of(&db, acme.id).await, vec![5_550_000, 2_450_000]);
    // Refunds of a rewarded top-up take its reward back in proportion, rounded down to the
    // cent: 27.78 of 55.55 takes 5.55 × 27.78 / 55.55 = 2.7755 → 2.77, the rest 2.78.
    for minor in [2778, 2777] {
        let refund = stripe_fake.refund(&second, minor).unwrap();
        for _ in 0..2 {
            stripe::handle_webhook(&svc, &refund.payload, &refund.signature)
                .await
                .unwrap();
        }
    }
    let taken: Vec<i64> = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::CustomerId.eq(acme.id))
        .filter(ledger_entries::Column::Kind.eq(EntryKind::PaymentReversal.as_str()))
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_micros)
        .collect();
    assert_eq!(taken, vec![-2_770_000, -2_780_000]);
    let acme_user = Actor {
        customer_id: Some(acme.id),
        ..actor(90, Role::Customer)
    };
    let mine = referrals::mine(&db, &acme_user).await.unwrap();
    assert_eq!(mine.earned_micros, 8_000_000);
    assert_eq!(
        (mine.referees[0].company.as_str(), mine.referees[0].rewarded),
        ("NewCo Ltd", 2)
    );

    // A referee paying with the referrer's own PayPal account earns it nothing.
    pay_by_paypal(&svc, &paypal_fake, &acme_user, "20", "a1").await;
    let other = sign_up(
        &svc,
        1,
        form("Third Party Ltd", "ops@third.example", &code),
        &from("203.0.113.7"),
    )
    .await
    .unwrap();
    let third = Actor {
        customer_id: other.customer_id,
        ..actor(other.id, Role::Customer)
    };
    pay_by_paypal(&svc, &paypal_fake, &third, "30", "t1").await;
    let refused = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::RefereeId.eq(other.customer_id.unwrap()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refused.status, "refused");
    assert!(
        refused
            .reason
            .starts_with("paid with a payment method the referrer also paid with")
    );
    assert_eq!(rewards_of(&db, acme.id).await.len(), 2);
    // Nor does one paying with a card the referrer also paid with (Stripe's card fingerprint);
    // another card earns.
    pay_by_card(&svc, &stripe_fake, &acme_user, "25", "a2").await;
    let fourth = sign_up(
        &svc,
        1,
        form("Fourth Line Ltd", "ops@fourth.example", &code),
        &from("203.0.113.8"),
    )
    .await
    .unwrap();
    let fourth = Actor {
        customer_id: fourth.customer_id,
        ..actor(fourth.id, Role::Customer)
    };
    pay_by_card(&svc, &stripe_fake, &fourth, "40", "f1").await;
    let refused = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::RefereeId.eq(fourth.customer_id.unwrap()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refused.status, "refused", "{refused:?}");
    let checkout = payments::start_top_up(
        &svc,
        &fourth,
        fourth.customer_id.unwrap(),
        top_up("40", "f2"),
        "https://portal.example",
    )
    .await
    .unwrap();
    let session = checkout.url.rsplit('/').next().unwrap();
    let paid = stripe_fake
        .complete_with_card(session, true, "5555 5555 5555 4444")
        .unwrap();
    stripe::handle_webhook(&svc, &paid.payload, &paid.signature)
        .await
        .unwrap();
    assert_eq!(
        rewards_of(&db, acme.id).await,
        vec![5_550_000, 2_450_000, 4_000_000]
    );
    let (rows, referred) = referrals::rewards(&db, &staff, 50).await.unwrap();
    assert_eq!((rows.len(), referred), (5, 3));
    assert!(matches!(
        referrals::rewards(&db, &acme_user, 50).await,
        Err(ServiceError::Forbidden)
    ));
}

on_both_databases!(referred_sign_ups_earn_their_referrer_a_share);
