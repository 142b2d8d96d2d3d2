//! Issue 8's promo codes, on SQLite and PostgreSQL, with Stripe top-ups against the fake: a code
//! adds its bonus with the paid top-up, once; its use limits hold, also when top-ups start at
//! the same time; a failed or expired payment gives its use back; each rule (minimum, dates,
//! currency, category, per customer, off) refuses with its reason; each bad field of a new code
//! is named; only staff manage codes.

use super::helpers::{actor, services_with};
use crate::on_both_databases;
use domain::access::Role;
use fakes::stripe::{Config, StripeFake};
use sea_orm::{DatabaseConnection, EntityTrait};
use services::ServiceError;
use services::audit::Actor;
use services::customers::{self, CustomerInput};
use services::entities::{promo_codes, promo_redemptions};
use services::payments::promo::{self, PromoInput};
use services::payments::{self, TopUpInput, stripe};
use services::{Services, ledger};

const KEY: &str = "sk_test_promo";
const SECRET: &str = "whsec_promo";

async fn setup(db: DatabaseConnection) -> (Services, StripeFake) {
    let fake = StripeFake::start(
        Config {
            secret_key: KEY.into(),
            webhook_secret: SECRET.into(),
            webhook_url: None,
        },
        0,
    )
    .await
    .unwrap();
    let svc = services_with(
        db,
        &[
            ("DIDTRON__STRIPE__API_BASE", fake.base_url.as_str()),
            ("DIDTRON__STRIPE__SECRET_KEY", KEY),
            ("DIDTRON__STRIPE__WEBHOOK_SECRET", SECRET),
        ],
    )
    .await;
    (svc, fake)
}

async fn customer(db: &DatabaseConnection, name: &str, currency: &str) -> Actor {
    let id = customers::create_customer(
        db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: name.into(),
            contact_email: "ops@promo.example".into(),
            billing_currency: currency.into(),
            credit_limit: "0".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    Actor {
        customer_id: Some(id),
        ..actor(100 + id, Role::Customer)
    }
}

fn code(code: &str, kind: &str, value: &str) -> PromoInput {
    PromoInput {
        code: code.into(),
        description: "Welcome bonus".into(),
        kind: kind.into(),
        value: value.into(),
        currency: "USD".into(),
        ..Default::default()
    }
}

async fn start(
    svc: &Services,
    me: &Actor,
    amount: &str,
    promo_code: &str,
    token: &str,
) -> Result<payments::Checkout, ServiceError> {
    payments::start_top_up(
        svc,
        me,
        me.customer_id.unwrap(),
        TopUpInput {
            amount: amount.into(),
            provider: "stripe".into(),
            token: token.into(),
            promo_code: promo_code.into(),
        },
        "https://portal.example",
    )
    .await
}

fn message(err: ServiceError) -> String {
    match err {
        ServiceError::Validation(v) => format!("{}: {}", v[0].field, v[0].message),
        other => format!("{other:?}"),
    }
}

async fn pay(svc: &Services, fake: &StripeFake, checkout: &payments::Checkout) {
    let session = checkout.url.rsplit('/').next().unwrap();
    let event = fake.complete(session, true).unwrap();
    stripe::handle_webhook(svc, &event.payload, &event.signature)
        .await
        .unwrap();
}

async fn balance(svc: &Services, me: &Actor) -> i64 {
    ledger::balance(&svc.db, me, me.customer_id.unwrap())
        .await
        .unwrap()
        .balance_micros
}

async fn redeemed(db: &DatabaseConnection, id: i64) -> i64 {
    promo_codes::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .redeemed
}

async fn a_code_adds_its_bonus_once_within_its_limits(db: DatabaseConnection) {
    let (svc, fake) = setup(db).await;
    let db = svc.db.clone();
    let staff = actor(1, Role::Admin);

    // Each bad field is named; a customer may not create codes; codes are unique per tenant.
    let err = promo::create(
        &db,
        &staff,
        PromoInput {
            code: "x".into(),
            kind: "free".into(),
            currency: "ZZZ".into(),
            min_top_up: "abc".into(),
            max_uses: "0".into(),
            valid_from: "2026-12-10".into(),
            valid_to: "2026-12-01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    let ServiceError::Validation(fields) = err else {
        panic!("expected field errors")
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        named,
        [
            "code",
            "currency",
            "kind",
            "min_top_up",
            "max_uses",
            "valid_to"
        ]
    );
    assert!(matches!(
        promo::create(&db, &staff, code("BIG", "percent", "150")).await,
        Err(ServiceError::Validation(ref v)) if v[0].field == "value"
    ));
    let me = customer(&db, "First Caller Ltd", "USD").await;
    assert!(matches!(
        promo::create(&db, &me, code("MINE", "percent", "10")).await,
        Err(ServiceError::Forbidden)
    ));

    // WELCOME10: 10 % of at least 20.00, at most 20.00 of bonus, two uses, one per customer.
    let welcome = promo::create(
        &db,
        &staff,
        PromoInput {
            min_top_up: "20".into(),
            max_bonus: "20".into(),
            max_uses: "2".into(),
            max_uses_per_customer: "1".into(),
            ..code("welcome10", "percent", "10")
        },
    )
    .await
    .unwrap();
    assert_eq!(welcome.code, "WELCOME10");
    assert!(matches!(
        promo::create(&db, &staff, code("Welcome10", "fixed", "5")).await,
        Err(ServiceError::Conflict { ref field }) if field == "code"
    ));

    // The bonus it will add, before paying; below the minimum it says so.
    let id = me.customer_id.unwrap();
    let (_, bonus, shown) = payments::quote_bonus(&svc, &me, id, "50", "welcome10")
        .await
        .unwrap();
    assert_eq!((bonus, shown.as_str()), (5_000_000, "WELCOME10"));
    assert_eq!(
        message(
            payments::quote_bonus(&svc, &me, id, "15", "WELCOME10")
                .await
                .unwrap_err()
        ),
        "promo_code: this code needs a top-up of at least 20.00 USD"
    );
    assert_eq!(
        message(
            payments::quote_bonus(&svc, &me, id, "50", "NOPE")
                .await
                .unwrap_err()
        ),
        "promo_code: there is no code NOPE"
    );

    // Paid: 50.00 and a bonus of 5.00, once, whatever is replayed.
    let first = start(&svc, &me, "50", "WELCOME10", "p1").await.unwrap();
    assert_eq!(redeemed(&db, welcome.id).await, 1);
    pay(&svc, &fake, &first).await;
    pay(&svc, &fake, &first).await;
    assert_eq!(balance(&svc, &me).await, 55_000_000);
    let (entries, _) = ledger::list_entries(&db, &me, id, &Default::default(), 1, 10)
        .await
        .unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["bonus", "top_up"]);
    assert_eq!(
        entries[0].description,
        format!("Bonus of code WELCOME10 on top-up {}", first.payment_id)
    );

    // The same customer again: its one use is taken.
    assert_eq!(
        message(start(&svc, &me, "50", "WELCOME10", "p2").await.unwrap_err()),
        "promo_code: you have already used this code as often as it may be"
    );

    // A second customer's expired payment gives its use back; a third takes it; a fourth
    // finds none left.
    let second = customer(&db, "Second Caller Ltd", "USD").await;
    let expiring = start(&svc, &second, "30", "WELCOME10", "s1").await.unwrap();
    assert_eq!(redeemed(&db, welcome.id).await, 2);
    let expired = fake
        .expire(expiring.url.rsplit('/').next().unwrap())
        .unwrap();
    stripe::handle_webhook(&svc, &expired.payload, &expired.signature)
        .await
        .unwrap();
    assert_eq!(redeemed(&db, welcome.id).await, 1);
    assert_eq!(balance(&svc, &second).await, 0);
    let third = customer(&db, "Third Caller Ltd", "USD").await;
    start(&svc, &third, "30", "WELCOME10", "t1").await.unwrap();
    let fourth = customer(&db, "Fourth Caller Ltd", "USD").await;
    assert_eq!(
        message(
            start(&svc, &fourth, "30", "WELCOME10", "f1")
                .await
                .unwrap_err()
        ),
        "promo_code: this code has been used as often as it may be"
    );
    let statuses: Vec<String> = promo_redemptions::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, ["applied", "released", "reserved"]);

    // Currency, category and the off switch.
    let euro = promo::create(
        &db,
        &staff,
        PromoInput {
            currency: "EUR".into(),
            ..code("EURO5", "fixed", "5")
        },
    )
    .await
    .unwrap();
    assert_eq!(promo::reward_text(&euro), "5.00 EUR");
    assert_eq!(
        message(start(&svc, &fourth, "30", "EURO5", "f2").await.unwrap_err()),
        "promo_code: this code is for top-ups in EUR"
    );
    let fixed = promo::create(&db, &staff, code("FIVE", "fixed", "5"))
        .await
        .unwrap();
    promo::set_active(&db, &staff, fixed.id, false)
        .await
        .unwrap();
    assert_eq!(
        message(start(&svc, &fourth, "30", "FIVE", "f3").await.unwrap_err()),
        "promo_code: this code is not active"
    );
    promo::set_active(&db, &staff, fixed.id, true)
        .await
        .unwrap();
    let five = start(&svc, &fourth, "30", "five", "f4").await.unwrap();
    pay(&svc, &fake, &five).await;
    assert_eq!(balance(&svc, &fourth).await, 35_000_000);

    // The list shows each code's use.
    let rows = promo::list(&db, &staff).await.unwrap();
    let row = rows.iter().find(|r| r.promo.code == "WELCOME10").unwrap();
    assert_eq!(
        (row.applied, row.bonus_micros, row.promo.redeemed),
        (1, 5_000_000, 2)
    );
    assert!(matches!(
        promo::list(&db, &me).await,
        Err(ServiceError::Forbidden)
    ));
}

async fn concurrent_top_ups_cannot_pass_a_codes_limit(db: DatabaseConnection) {
    let (svc, _fake) = setup(db).await;
    let db = svc.db.clone();
    let limited = promo::create(
        &db,
        &actor(1, Role::Admin),
        PromoInput {
            max_uses: "3".into(),
            ..code("FIRST3", "fixed", "2")
        },
    )
    .await
    .unwrap();
    let mut callers = Vec::new();
    for n in 0..8 {
        callers.push(customer(&db, &format!("Caller {n}"), "USD").await);
    }
    let tasks: Vec<_> = callers
        .into_iter()
        .enumerate()
        .map(|(n, me)| {
            let svc = svc.clone();
            tokio::spawn(async move { start(&svc, &me, "20", "FIRST3", &format!("c{n}")).await })
        })
        .collect();
    let mut started = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => started += 1,
            Err(err) => assert_eq!(
                message(err),
                "promo_code: this code has been used as often as it may be"
            ),
        }
    }
    assert_eq!(started, 3);
    assert_eq!(redeemed(&db, limited.id).await, 3);
}

on_both_databases!(
    a_code_adds_its_bonus_once_within_its_limits,
    concurrent_top_ups_cannot_pass_a_codes_limit
);
