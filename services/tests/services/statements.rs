//! Issue 8's statements, on SQLite and PostgreSQL: a customer asks for the statement of a
//! period; the `billing.statement` job draws a PDF whose opening balance, entries by kind,
//! usage by destination and closing balance are the ledger's to the micro-unit; invoice numbers
//! follow each other per tenant without gaps, also when statements are generated at once;
//! asking twice gives the same statement; bad periods are named; only the customer and staff
//! may download it.

use super::helpers::{actor, actor_in, services};
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use domain::ledger::EntryKind;
use printpdf::{Op, PdfDocument, PdfParseOptions, TextItem};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use services::audit::Actor;
use services::customers::{self, CustomerInput};
use services::entities::{cdrs, ledger_entries, statements as rows};
use services::jobs::{JobKind, JobRequest};
use services::ledger::{self, Posting};
use services::{ServiceError, Services, statements};

async fn customer(db: &DatabaseConnection, name: &str) -> Actor {
    let id = customers::create_customer(
        db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: name.into(),
            contact_email: "ops@statement.example".into(),
            billing_email: "billing@statement.example".into(),
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
        ..actor(200 + id, Role::Customer)
    }
}

async fn post(db: &DatabaseConnection, id: i64, kind: EntryKind, micros: i64, key: &str) {
    ledger::post(
        db,
        1,
        "system",
        Posting {
            customer_id: id,
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

async fn rated_call(
    db: &DatabaseConnection,
    id: i64,
    n: i64,
    destination: &str,
    secs: i32,
    price: i64,
) {
    let at = Utc::now() - Duration::minutes(5);
    cdrs::Entity::insert(cdrs::ActiveModel {
        tenant_id: Set(1),
        call_id: Set(format!("st-{id}-{n}")),
        customer_id: Set(Some(id)),
        carrier_id: Set(None),
        tier_id: Set(None),
        start_at: Set(at),
        answer_at: Set(Some(at)),
        end_at: Set(Some(at + Duration::seconds(i64::from(secs)))),
        duration_secs: Set(secs),
        billed_secs: Set(secs),
        a_number: Set("441234567890".into()),
        b_number: Set("4479001234".into()),
        sip_code: Set(200),
        prefix: Set("447".into()),
        destination: Set(destination.into()),
        cost_micros: Set(Some(price / 2)),
        cost_currency: Set("USD".into()),
        price_micros: Set(Some(price)),
        price_currency: Set("USD".into()),
        status: Set("rated".into()),
        reason: Set(String::new()),
        ledger_entry_id: Set(None),
        source: Set("api".into()),
        rerate_id: Set(None),
        pdd_ms: Set(None),
        created_at: Set(at),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
}

async fn generate(svc: &Services, s: &rows::Model) -> Result<String, String> {
    services::jobs::run(
        svc,
        &JobRequest {
            id: s.job_id.clone(),
            kind: JobKind::Statement.key().to_owned(),
            payload: serde_json::json!({ "statement_id": s.id }),
        },
    )
    .await
    .map_err(|e| e.to_string())
}

async fn reload(db: &DatabaseConnection, id: i64) -> rows::Model {
    rows::Entity::find_by_id(id).one(db).await.unwrap().unwrap()
}

/// Every piece of text the PDF shows, in drawing order.
fn texts(pdf: &[u8]) -> Vec<String> {
    let doc = PdfDocument::parse(pdf, &PdfParseOptions::default(), &mut Vec::new()).unwrap();
    doc.pages
        .iter()
        .flat_map(|p| p.ops.iter())
        .filter_map(|op| match op {
            Op::ShowText { items } => Some(
                items
                    .iter()
                    .filter_map(|i| match i {
                        TextItem::Text(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect()
}

async fn a_statement_is_the_ledger_of_its_period(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = svc.db.clone();
    let me = customer(&db, "Statement Caller Ltd").await;
    let id = me.customer_id.unwrap();
    let today = Utc::now().date_naive();
    let yesterday = today - chrono::Days::new(1);

    // Before the period: a top-up of 20.00 forty days ago.
    ledger_entries::Entity::insert(ledger_entries::ActiveModel {
        tenant_id: Set(1),
        customer_id: Set(id),
        kind: Set("top_up".into()),
        amount_micros: Set(20_000_000),
        currency: Set("USD".into()),
        balance_after_micros: Set(20_000_000),
        idempotency_key: Set("old".into()),
        description: Set("bank transfer".into()),
        reference: Set(String::new()),
        created_by: Set("system".into()),
        created_at: Set(Utc::now() - Duration::days(40)),
        ..Default::default()
    })
    .exec(&db)
    .await
    .unwrap();
    // In the period: 100.00 paid in, 5.00 of bonus, calls of 0.1234567 and 2.50, a refund of
    // 1.00 to the card.
    post(&db, id, EntryKind::TopUp, 100_000_000, "t1").await;
    post(&db, id, EntryKind::Bonus, 5_000_000, "b1").await;
    post(&db, id, EntryKind::CallCharge, -123_457, "c1").await;
    post(&db, id, EntryKind::CallCharge, -2_500_000, "c2").await;
    post(&db, id, EntryKind::PaymentReversal, -1_000_000, "r1").await;
    rated_call(&db, id, 1, "United Kingdom - Mobile", 90, 123_457).await;
    rated_call(&db, id, 2, "Germany - Fixed", 600, 2_500_000).await;

    // Bad periods are named; asking twice gives one statement.
    for (from, to, field) in [
        ("2026-13-01", "2026-12-01", "from"),
        ("2026-11-02", "2026-11-01", "to"),
    ] {
        match statements::request(&svc, &me, id, from, to, "").await {
            Err(ServiceError::Validation(v)) => assert_eq!(v[0].field, field),
            other => panic!("{from}..{to}: {other:?}"),
        }
    }
    let future = (today + chrono::Days::new(3)).to_string();
    assert!(matches!(
        statements::request(&svc, &me, id, &today.to_string(), &future, "").await,
        Err(ServiceError::Validation(ref v)) if v[0].field == "to"
    ));
    let asked = statements::request(
        &svc,
        &me,
        id,
        &yesterday.to_string(),
        &today.to_string(),
        "de",
    )
    .await
    .unwrap();
    let again = statements::request(
        &svc,
        &me,
        id,
        &yesterday.to_string(),
        &today.to_string(),
        "de",
    )
    .await
    .unwrap();
    assert_eq!(asked.id, again.id);
    assert_eq!(asked.status, "queued");
    assert!(matches!(
        statements::download(&svc, &me, asked.id).await,
        Err(ServiceError::NotFound)
    ));

    let said = generate(&svc, &asked).await.unwrap();
    assert_eq!(
        said,
        format!("statement {} of customer {id} is invoice 1", asked.id)
    );
    let done = reload(&db, asked.id).await;
    assert_eq!(done.status, "done");
    assert_eq!(done.invoice_number, Some(1));
    assert_eq!(
        (
            done.opening_micros,
            done.credits_micros,
            done.charges_micros,
            done.closing_micros
        ),
        (20_000_000, 105_000_000, 3_623_457, 121_376_543)
    );
    let (cached, ..) = ledger::verify(&db, id).await.unwrap();
    assert_eq!(done.closing_micros - done.opening_micros, cached);

    // The PDF says the same, in the asker's locale (German here).
    let (name, pdf) = statements::download(&svc, &me, done.id).await.unwrap();
    assert_eq!(name, "statement-000001.pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = texts(&pdf);
    let has = |t: &str| assert!(text.iter().any(|x| x.contains(t)), "{t} not in {text:?}");
    has("No. 000001");
    has("Statement Caller Ltd");
    has(&format!("{yesterday} to {today} (UTC)"));
    has("20,00 USD");
    has("105,00 USD");
    has("-3,623457 USD");
    has("121,376543 USD");
    has("Payment reversal");
    has("United Kingdom - Mobile");
    has("1,50");
    has("0,123457");
    has("Germany - Fixed");

    // Another customer's user and carriers may not have it; staff may.
    let other = customer(&db, "Someone Else Ltd").await;
    assert!(matches!(
        statements::download(&svc, &other, done.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        statements::download(&svc, &actor_in(2, 1, Role::Admin), done.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        statements::download(&svc, &actor(1, Role::Admin), done.id)
            .await
            .is_ok()
    );
    assert!(matches!(
        statements::list(&db, &actor(1, Role::Carrier), None).await,
        Err(ServiceError::Forbidden)
    ));
    let mine = statements::list(&db, &me, None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(
        statements::list(&db, &other, None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn invoice_numbers_follow_each_other_without_gaps(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = svc.db.clone();
    let today = Utc::now().date_naive();
    let mut asked = Vec::new();
    for n in 0..6 {
        let me = customer(&db, &format!("Numbered {n} Ltd")).await;
        let id = me.customer_id.unwrap();
        post(&db, id, EntryKind::TopUp, 10_000_000, "t").await;
        let from = (today - chrono::Days::new(n)).to_string();
        asked.push(
            statements::request(&svc, &me, id, &from, &today.to_string(), "")
                .await
                .unwrap(),
        );
    }
    // A statement asked for but not generated takes no number.
    asked.remove(2);
    let tasks: Vec<_> = asked
        .iter()
        .cloned()
        .map(|s| {
            let svc = svc.clone();
            tokio::spawn(async move { generate(&svc, &s).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut numbers = Vec::new();
    for s in &asked {
        numbers.push(reload(&db, s.id).await.invoice_number.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
}

on_both_databases!(
    a_statement_is_the_ledger_of_its_period,
    invoice_numbers_follow_each_other_without_gaps
);
