//! Issue 7's re-rating, on SQLite and PostgreSQL: a dry run changes nothing and says per
//! customer what would change; applying it re-rates the CDRs and posts one adjustment per
//! customer (hand-worked figures); applying it again, or a new dry run of the same period,
//! changes nothing; a dry run overtaken by another applied one goes stale; a re-rated call sent
//! again is not charged again.

use super::helpers::{actor, services};
use super::public_rates::published_card;
use super::routing::carrier_with_deck_from;
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use domain::ledger::EntryKind;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::ServiceError;
use services::cdrs::rerate::{self, Applied, RerateInput};
use services::cdrs::{CdrInput, IdOrName, ingest};
use services::customers::{self, CustomerInput};
use services::entities::{cdrs, ledger_entries, rerates};
use services::jobs::{JobKind, JobRequest};
use services::ledger::{self, Posting};
use services::sell_cards::SellCardInput;
use services::state::Services;
use services::tiers;

/// Runs the `billing.rerate` job of queued run `run`, as a worker would.
async fn run_job(svc: &Services, run: &rerates::Model) -> Result<String, String> {
    services::jobs::run(
        svc,
        &JobRequest {
            id: run.job_id.clone(),
            kind: JobKind::Rerate.key().to_owned(),
            payload: serde_json::json!({ "rerate_id": run.id }),
        },
    )
    .await
    .map_err(|e| format!("{e:?}"))
}

async fn reload(db: &DatabaseConnection, id: i64) -> rerates::Model {
    rerates::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn rerate_row_status(db: &DatabaseConnection, id: i64, status: &str) {
    rerates::Entity::update_many()
        .col_expr(rerates::Column::Status, status.into())
        .filter(rerates::Column::Id.eq(id))
        .exec(db)
        .await
        .unwrap();
}

/// Queues a dry run of `input` and runs its job: the run as the job left it.
pub(super) async fn dry_run_done(
    svc: &Services,
    actor: &services::audit::Actor,
    input: RerateInput,
) -> rerates::Model {
    let queued = rerate::dry_run(svc, actor, input).await.unwrap();
    run_job(svc, &queued).await.unwrap();
    reload(&svc.db, queued.id).await
}

pub(super) fn call(id: &str, number: &str, secs: i64) -> CdrInput {
    let start = Utc::now() - Duration::minutes(30);
    CdrInput {
        call_id: id.into(),
        start: start.to_rfc3339(),
        answer: Some(start.to_rfc3339()),
        end: Some((start + Duration::seconds(secs)).to_rfc3339()),
        b_number: number.into(),
        carrier: IdOrName::Name("Cheap Co".into()),
        customer: IdOrName::Name("Caller Ltd".into()),
        tier: IdOrName::Name("Standard".into()),
        ..Default::default()
    }
}

/// Publishes a Standard card for all customers with `markup` percent, in force from two hours
/// ago, and waits for the route cache to price London at `london` per minute.
pub(super) async fn card(svc: &Services, tier_id: i64, markup: &str, london: &str) {
    published_card(
        svc,
        SellCardInput {
            tier_id,
            category_id: None,
            currency: "USD".into(),
            base: "lowest".into(),
            markup: "percent".into(),
            markup_value: markup.into(),
            effective_from: Some(Utc::now() - Duration::hours(2)),
            ..Default::default()
        },
    )
    .await;
    let number = domain::number::E164::parse("+442079460000").unwrap();
    for _ in 0..100 {
        let snapshot = svc.routes.snapshot(1).await.unwrap();
        let rate = snapshot
            .sell_for(tier_id, None)
            .and_then(|d| d.lookup(number, Utc::now()))
            .map(|r| r.rate.to_string());
        if rate.as_deref() == Some(london) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the route cache never priced London at {london}");
}

/// Cheap Co with its deck in force since yesterday (UK 0.0100, London 0.0080 a minute, 60/60);
/// answers the Standard tier's id.
pub(super) async fn cheap_co_and_standard(svc: &Services) -> i64 {
    carrier_with_deck_from(
        svc,
        "Cheap Co",
        "active",
        "Prefix,Destination,Rate,Connection fee,Increment\n44,UK,0.0100,0,60/60\n4420,London,0.0080,0,60/60\n",
        Utc::now() - Duration::days(1),
    )
    .await;
    tiers::list_tiers(&svc.db, &actor(1, Role::Admin))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.row.name == "Standard")
        .unwrap()
        .row
        .id
}

/// A USD customer named `name` with 10.00 paid in.
pub(super) async fn funded_customer(
    svc: &Services,
    name: &str,
) -> services::entities::customers::Model {
    let c = customers::create_customer(
        &svc.db,
        &actor(1, Role::Admin),
        CustomerInput {
            company_name: name.into(),
            contact_email: "noc@caller.example".into(),
            billing_currency: "USD".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ledger::post(
        &svc.db,
        1,
        "system",
        Posting {
            customer_id: c.id,
            kind: EntryKind::TopUp,
            amount_micros: 10_000_000,
            idempotency_key: format!("top-up:{name}"),
            description: "top-up".into(),
            reference: String::new(),
            fx: None,
        },
        None,
    )
    .await
    .unwrap();
    c
}

fn period() -> RerateInput {
    let today = Utc::now().date_naive();
    RerateInput {
        from: (today - chrono::Days::new(1)).to_string(),
        to: today.to_string(),
        customer_id: None,
    }
}

async fn a_period_is_re_rated_after_a_dry_run_and_once(db: DatabaseConnection) {
    let svc = services(db).await;
    let db = &svc.db;
    let admin = actor(1, Role::Admin);
    let standard = cheap_co_and_standard(&svc).await;
    let caller = funded_customer(&svc, "Caller Ltd").await;
    let balance = || async {
        ledger::balance(db, &admin, caller.id)
            .await
            .unwrap()
            .balance_micros
    };

    // No card yet: both calls are kept unrated.
    let batch = vec![
        (1, call("r1", "+44 20 7946 0000", 60)),
        (2, call("r2", "+44 161 496 0000", 120)),
    ];
    let report = ingest(&svc, &admin, batch.clone(), "api").await.unwrap();
    assert_eq!(report.unrated, 2, "{report:#?}");

    // The card arrives, back-dated: 50 % on cost, London 0.0120 and UK 0.0150 a minute.
    card(&svc, standard, "50", "0.0120").await;
    let bad = rerate::dry_run(
        &svc,
        &admin,
        RerateInput {
            from: "30/11/2026".into(),
            to: "2026-11-01".into(),
            customer_id: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&bad, ServiceError::Validation(f) if f[0].field == "from"),
        "{bad:?}"
    );
    let mut customer_user = actor(9, Role::Customer);
    customer_user.customer_id = Some(caller.id);
    assert!(matches!(
        rerate::dry_run(&svc, &customer_user, period()).await,
        Err(ServiceError::Forbidden)
    ));

    // The dry run is queued as a job: until it is done, it cannot be applied.
    let queued = rerate::dry_run(&svc, &admin, period()).await.unwrap();
    assert_eq!(
        (
            queued.status.as_str(),
            queued.cdrs_total,
            queued.cdrs_checked
        ),
        ("queued", 2, 0)
    );
    let early = rerate::apply(db, &admin, queued.id).await.unwrap_err();
    assert!(
        matches!(&early, ServiceError::Validation(f) if f[0].field == "rerate" && f[0].message.contains("still running")),
        "{early:?}"
    );
    // The dry run: two calls would be charged 0.0120 + 0.0300; nothing moves yet.
    run_job(&svc, &queued).await.unwrap();
    // A retry of a job that had stored part of its work starts over and stores it once.
    rerate_row_status(db, queued.id, "running").await;
    run_job(&svc, &queued).await.unwrap();
    let dry = reload(db, queued.id).await;
    assert_eq!(
        (dry.status.as_str(), dry.cdrs_checked, dry.cdrs_changed),
        ("dry_run", 2, 2)
    );
    assert_eq!(
        rerate::view(db, &admin, dry.id, 10)
            .await
            .unwrap()
            .changes
            .len(),
        2
    );
    // The job run again finds nothing to do.
    assert!(run_job(&svc, &dry).await.unwrap().contains("nothing to do"));
    let view = rerate::view(db, &admin, dry.id, 10).await.unwrap();
    assert_eq!(view.lines.len(), 1);
    let (line, name) = &view.lines[0];
    assert_eq!(name, "Caller Ltd");
    assert_eq!(
        (line.cdrs, line.charged_before, line.charged_after),
        (2, 0, 42_000)
    );
    assert_eq!(balance().await, 10_000_000);
    let r1 = cdrs::Entity::find()
        .filter(cdrs::Column::CallId.eq("r1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r1.status, "unrated");

    // Applied: one re-rating entry of -0.0420, the CDRs rated.
    let applied = rerate::apply(db, &admin, dry.id).await.unwrap();
    assert!(matches!(&applied, Applied::Now(r) if r.status == "applied"));
    assert_eq!(balance().await, 10_000_000 - 42_000);
    let entries = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::Kind.eq("rerate"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].amount_micros, -42_000);
    assert_eq!(
        entries[0].idempotency_key,
        format!("rerate:{}:{}", dry.id, caller.id)
    );
    let r1 = cdrs::Entity::find_by_id(r1.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r1.status.as_str(), r1.price_micros, r1.rerate_id),
        ("rated", Some(12_000), Some(dry.id))
    );
    // Again: nothing.
    assert!(matches!(
        rerate::apply(db, &admin, dry.id).await.unwrap(),
        Applied::Before(_)
    ));
    assert_eq!(balance().await, 10_000_000 - 42_000);
    let again = dry_run_done(&svc, &admin, period()).await;
    assert_eq!(again.cdrs_changed, 0);
    // The same calls sent again are duplicates, and not charged a second time.
    let report = ingest(&svc, &admin, batch, "api").await.unwrap();
    assert_eq!(report.duplicates, 2);
    assert_eq!(balance().await, 10_000_000 - 42_000);

    // A cheaper card, back-dated: 25 %, London 0.0100 and UK 0.0125: 0.0100 + 0.0250 = 0.0350,
    // so 0.0070 comes back.
    card(&svc, standard, "25", "0.0100").await;
    let first = dry_run_done(&svc, &admin, period()).await;
    let second = dry_run_done(&svc, &admin, period()).await;
    let view = rerate::view(db, &admin, second.id, 10).await.unwrap();
    assert_eq!(
        (
            view.lines[0].0.charged_before,
            view.lines[0].0.charged_after
        ),
        (42_000, 35_000)
    );
    assert_eq!(view.changes.len(), 2);
    rerate::apply(db, &admin, second.id).await.unwrap();
    assert_eq!(balance().await, 10_000_000 - 35_000);
    // The first dry run saw the CDRs before the second was applied: it is stale now.
    let stale = rerate::apply(db, &admin, first.id).await.unwrap_err();
    assert!(
        matches!(&stale, ServiceError::Validation(f) if f[0].field == "rerate" && f[0].message.contains("run a new dry run")),
        "{stale:?}"
    );
    assert_eq!(balance().await, 10_000_000 - 35_000);
    assert_eq!(
        rerate::view(db, &admin, first.id, 0)
            .await
            .unwrap()
            .run
            .status,
        "stale"
    );
    // The cached balance is still the sum of the entries.
    let (cached, summed, ..) = ledger::verify(db, caller.id).await.unwrap();
    assert_eq!(cached, summed);
}

on_both_databases!(a_period_is_re_rated_after_a_dry_run_and_once);
