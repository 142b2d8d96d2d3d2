//! Load script for CDR ingestion (not a test): 1,000,000 CDRs ingested, rated and charged on
//! SQLite or PostgreSQL through `services::cdrs::ingest`, the use case behind
//! `POST /api/v1/cdrs`, in batches of 10,000 (the API's largest), two batches at a time.
//!
//! Set-up (not timed): the demo data, 10 carriers with 20,000-prefix sample decks imported and
//! activated, the Standard tier's sell card generated (5 % markup) and published, 20 customers
//! with 1,000,000.00 USD paid in each. Then the CDRs: numbers of `domain::sample::numbers`
//! (all covered by the decks), 0 to 900 s (one in five unanswered), carriers and customers in
//! turn. Afterwards the script checks what a user would: every CDR stored once and rated, every
//! customer's cached balance equal to the sum of its entries and to the sum of its CDRs'
//! prices, and a replay of one batch changing nothing.
//!
//! ```sh
//! cargo run --release -p server --example cdr_load -- sqlite 1000000
//! cargo run --release -p server --example cdr_load -- postgres://didtron:didtron@127.0.0.1:5432/postgres 1000000
//! ```
//! Prints the set-up, progress every 100,000 CDRs and the totals; docs/benchmarks.md records them.

#[path = "load/mod.rs"]
mod load;

use chrono::{Duration, TimeZone, Utc};
use domain::access::Role;
use domain::ledger::EntryKind;
use services::audit::Actor;
use services::cdrs::{CdrInput, IdOrName, IngestReport};
use services::jobs::{JobKind, JobRequest};
use services::ledger::{Posting, post};
use std::time::Instant;

const CARRIERS: u64 = 10;
const DECK_ROWS: usize = 20_000;
const CUSTOMERS: usize = 20;
const BATCH: usize = 10_000;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "sqlite".to_owned());
    let total: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let db_url = load::fresh_db(&target).await;
    let (settings, _data) = load::settings(&db_url);
    let svc = services::Services::start(settings).await.unwrap();
    services::seed::seed_demo(&svc.db).await.unwrap();
    let admin = load::demo_admin(&svc).await;
    let started = Instant::now();
    let mut carriers = Vec::new();
    for n in 1..=CARRIERS {
        carriers.push(load::carrier_with_deck(&svc, &admin, n, DECK_ROWS).await);
    }
    let standard = services::tiers::list_tiers(&svc.db, &admin)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.row.name == "Standard")
        .expect("the default Standard tier");
    // In force before the calls (from 2 November 2026).
    let card = publish_card(&svc, &admin, standard.row.id, "5", (2026, 11, 1, 0, 0)).await;
    let mut customers = Vec::new();
    for n in 1..=CUSTOMERS {
        let customer = services::customers::create_customer(
            &svc.db,
            &admin,
            services::customers::CustomerInput {
                company_name: format!("Load customer {n:02}"),
                contact_email: format!("load{n}@example.com"),
                billing_currency: "USD".into(),
                billing_type: "prepaid".into(),
                credit_limit: "0".into(),
                status: "active".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        post(
            &svc.db,
            1,
            "load",
            Posting {
                customer_id: customer.id,
                kind: EntryKind::TopUp,
                amount_micros: 1_000_000 * 1_000_000,
                idempotency_key: format!("load-top-up-{n}"),
                description: "Load test top-up".into(),
                reference: String::new(),
                fx: None,
            },
            None,
        )
        .await
        .unwrap();
        customers.push(customer.id);
    }
    // The route snapshot is built on first use: build it before the clock starts.
    let snapshot = svc.routes.snapshot(1).await.unwrap();
    println!(
        "set-up: {CARRIERS} carriers x {DECK_ROWS} prefixes, a card of {} rates, {CUSTOMERS} customers, in {:.1} s",
        card_rows(&svc, card.id).await,
        started.elapsed().as_secs_f64()
    );
    drop(snapshot);

    let switch = Actor {
        role: Role::SwitchOperator,
        email: "switch@didtron.example".into(),
        ..admin.clone()
    };
    let numbers = domain::sample::numbers(42, 10_000);
    let day = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let batch_of = |b: usize| -> Vec<(usize, CdrInput)> {
        (b * BATCH..((b + 1) * BATCH).min(total))
            .map(|i| {
                let start = day + Duration::milliseconds(i as i64 * 250);
                let answered = i % 5 != 0;
                let secs = (i * 7919 % 901) as i64;
                let answer = start + Duration::seconds(4);
                (
                    i - b * BATCH + 1,
                    CdrInput {
                        call_id: format!("load-{i:07}"),
                        start: start.to_rfc3339(),
                        answer: answered.then(|| answer.to_rfc3339()),
                        end: Some(if answered {
                            (answer + Duration::seconds(secs)).to_rfc3339()
                        } else {
                            answer.to_rfc3339()
                        }),
                        duration: None,
                        a_number: "441632960000".into(),
                        b_number: numbers[i % numbers.len()].to_string(),
                        carrier: IdOrName::Id(carriers[i % carriers.len()]),
                        customer: IdOrName::Id(customers[i / 7 % customers.len()]),
                        tier: IdOrName::Name("Standard".into()),
                        sip_code: Some(if answered { 200 } else { 486 }),
                        ring: Some((start + Duration::milliseconds(1800)).to_rfc3339()),
                    },
                )
            })
            .collect()
    };
    let batches = total.div_ceil(BATCH);
    let started = Instant::now();
    let mut sum = IngestReport::default();
    let mut done = 0;
    let mut next = 0;
    while next < batches {
        // Two requests at a time, as two switch connections would send them.
        let pair: Vec<_> = (next..(next + 2).min(batches)).map(batch_of).collect();
        next += pair.len();
        let results = futures::future::join_all(
            pair.into_iter()
                .map(|rows| services::cdrs::ingest(&svc, &switch, rows, "api")),
        )
        .await;
        for report in results {
            let report = report.unwrap();
            sum.received += report.received;
            sum.rated += report.rated;
            sum.unpaid += report.unpaid;
            sum.unrated += report.unrated;
            sum.duplicates += report.duplicates;
            sum.refused += report.refused;
            if report.unrated > 0 {
                let first = report.outcomes.iter().find(|o| o.status == "unrated");
                println!("unrated, e.g. {first:?}");
            }
        }
        let before = done;
        done = sum.received;
        if done / 100_000 > before / 100_000 || next == batches {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{done:>9} CDRs in {secs:6.1} s ({:.0} CDR/s)",
                done as f64 / secs
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ingested, rated and charged {} CDRs in {secs:.1} s ({:.0} CDR/s): rated {}, unpaid {}, unrated {}, duplicates {}, refused {}",
        sum.received,
        sum.received as f64 / secs,
        sum.rated,
        sum.unpaid,
        sum.unrated,
        sum.duplicates,
        sum.refused
    );

    // What a user would check: the money is exact.
    let replay = Instant::now();
    let again = services::cdrs::ingest(&svc, &switch, batch_of(0), "api")
        .await
        .unwrap();
    assert_eq!(again.duplicates, again.received, "a replay stores nothing");
    println!(
        "replay of one batch: {} duplicates, nothing charged, in {:.2} s",
        again.duplicates,
        replay.elapsed().as_secs_f64()
    );
    check_money(&svc, &customers).await;

    // Re-rating (issue 7): a cheaper Standard card (3 % instead of 5 %) in force from a minute
    // after the first; a dry run of the whole period, run as the `billing.rerate` job runs it,
    // then applied (one UPDATE and one adjustment per customer); the money checked again.
    publish_card(&svc, &admin, standard.row.id, "3", (2026, 11, 1, 0, 1)).await;
    svc.routes.refresh().await.unwrap();
    let last_day = (day + Duration::milliseconds(total as i64 * 250)).format("%Y-%m-%d");
    let queued = services::cdrs::rerate::dry_run(
        &svc,
        &admin,
        services::cdrs::rerate::RerateInput {
            from: "2026-11-02".into(),
            to: last_day.to_string(),
            customer_id: None,
        },
    )
    .await
    .unwrap();
    let started = Instant::now();
    services::jobs::run(
        &svc,
        &JobRequest {
            id: queued.job_id.clone(),
            kind: JobKind::Rerate.key().to_owned(),
            payload: serde_json::json!({ "rerate_id": queued.id }),
        },
    )
    .await
    .unwrap();
    let dry = services::cdrs::rerate::view(&svc.db, &admin, queued.id, 0)
        .await
        .unwrap()
        .run;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "re-rating dry run (job): {} CDRs checked, {} re-priced, {} left out, in {secs:.1} s ({:.0} CDR/s)",
        dry.cdrs_checked,
        dry.cdrs_changed,
        dry.cdrs_skipped,
        dry.cdrs_checked as f64 / secs
    );
    assert_eq!(dry.status, "dry_run");
    let started = Instant::now();
    services::cdrs::rerate::apply(&svc.db, &admin, dry.id)
        .await
        .unwrap();
    println!(
        "re-rating applied: {} CDRs re-rated, {CUSTOMERS} adjustments posted, in {:.1} s",
        dry.cdrs_changed,
        started.elapsed().as_secs_f64()
    );
    check_money(&svc, &customers).await;
}

/// Generates the Standard card (`tier_id`) with `markup` percent on the lowest rate, in force
/// from `from` (year, month, day, hour, minute, UTC), runs its job and publishes it.
async fn publish_card(
    svc: &services::Services,
    admin: &Actor,
    tier_id: i64,
    markup: &str,
    from: (i32, u32, u32, u32, u32),
) -> services::entities::sell_cards::Model {
    let (y, mo, d, h, mi) = from;
    let card = services::sell_cards::generate_card(
        svc,
        admin,
        services::sell_cards::SellCardInput {
            tier_id,
            currency: "USD".into(),
            base: "lowest".into(),
            markup: "percent".into(),
            markup_value: markup.into(),
            effective_from: Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    services::jobs::run(
        svc,
        &JobRequest {
            id: card.job_id.clone().unwrap(),
            kind: JobKind::GenerateSellCard.key().to_owned(),
            payload: serde_json::json!({ "card_id": card.id }),
        },
    )
    .await
    .unwrap();
    services::sell_cards::publish_card(&svc.db, admin, card.id)
        .await
        .unwrap();
    card
}

/// What a user would check: every customer's cached balance equals the sum of its entries, and
/// the top-up less its charged CDRs' prices.
async fn check_money(svc: &services::Services, customers: &[i64]) {
    let mut charged = 0i64;
    for id in customers {
        let (cached, summed, cached_n, counted) =
            services::ledger::verify(&svc.db, *id).await.unwrap();
        assert_eq!((cached, cached_n), (summed, counted), "customer {id}");
        let prices = price_sum(svc, *id).await;
        assert_eq!(
            1_000_000 * 1_000_000 - cached,
            prices,
            "customer {id}: charges equal the CDRs' prices"
        );
        charged += prices;
    }
    println!(
        "checked: every balance equals the sum of its entries and the top-up less its CDRs' prices; {} USD charged in all",
        domain::ledger::display(charged, 4)
    );
}

async fn card_rows(svc: &services::Services, card_id: i64) -> i64 {
    use sea_orm::EntityTrait;
    services::entities::sell_cards::Entity::find_by_id(card_id)
        .one(&svc.db)
        .await
        .unwrap()
        .map_or(0, |c| c.row_count)
}

/// The sum of the prices of a customer's charged CDRs, micro-units.
async fn price_sum(svc: &services::Services, customer_id: i64) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = svc
        .db
        .query_one_raw(Statement::from_sql_and_values(
            svc.db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(price_micros), 0) AS BIGINT) AS total FROM cdrs \
             WHERE customer_id = $1 AND ledger_entry_id IS NOT NULL",
            [customer_id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "total").unwrap()
}
