//! Issue 7's bulk paths, on SQLite and PostgreSQL: a batch of postings in one transaction moves
//! money exactly as one posting at a time would (replays within and across batches, a refusal
//! at the credit limit that the next postings go on from), and a CDR file of more than 10,000
//! lines is rated by the `billing.rate_cdrs` job in batches, with progress, counts, its problem
//! lines named, and a second upload of the same file charging nothing.

use super::cdrs::caller_with_card;
use super::helpers::{actor, actor_in, services};
use crate::on_both_databases;
use chrono::{Duration, Utc};
use domain::access::Role;
use domain::ledger::EntryKind;
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use services::ServiceError;
use services::cdrs::file_jobs::{self, Upload};
use services::entities::{cdr_files, job_progress};
use services::jobs::{JobKind, JobRequest};
use services::ledger::{self, BatchOutcome, Posting};
use services::state::Services;

fn charge(customer_id: i64, micros: i64, key: &str) -> Posting {
    Posting {
        customer_id,
        kind: EntryKind::CallCharge,
        amount_micros: -micros,
        idempotency_key: key.into(),
        description: format!("charge {key}"),
        reference: String::new(),
        fx: None,
    }
}

async fn a_batch_of_postings_moves_money_once(db: DatabaseConnection) {
    let svc = services(db).await;
    // Caller Ltd: 1.00 USD paid in, no credit limit.
    let (caller, _) = caller_with_card(&svc).await;
    let batch = vec![
        charge(caller.id, 300_000, "k1"),
        charge(caller.id, 300_000, "k2"),
        charge(caller.id, 300_000, "k1"),
        charge(caller.id, 500_000, "k3"),
        charge(caller.id, 400_000, "k4"),
    ];
    let txn = svc.db.begin().await.unwrap();
    let first = ledger::post_batch(&txn, 1, "system", &caller, &batch)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let (k1, k2, k4) = match first.as_slice() {
        [
            BatchOutcome::New(k1),
            BatchOutcome::New(k2),
            BatchOutcome::Replayed(again),
            BatchOutcome::Refused(why),
            BatchOutcome::New(k4),
        ] => {
            assert_eq!(again, k1, "a key repeated within the batch is a replay");
            assert!(
                why.contains("the balance is 0.40 USD") && why.contains("top up"),
                "{why}"
            );
            (*k1, *k2, *k4)
        }
        other => panic!("{other:?}"),
    };
    let (cached, summed, cached_n, counted) = ledger::verify(&svc.db, caller.id).await.unwrap();
    assert_eq!((cached, cached_n), (summed, counted));
    assert_eq!(cached, 0, "1.00 less 0.30, 0.30 and 0.40");

    // The same batch again moves nothing; the refused debit is still refused.
    let txn = svc.db.begin().await.unwrap();
    let again = ledger::post_batch(&txn, 1, "system", &caller, &batch)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(again[0], BatchOutcome::Replayed(k1));
    assert_eq!(again[1], BatchOutcome::Replayed(k2));
    assert!(matches!(again[3], BatchOutcome::Refused(_)));
    assert_eq!(again[4], BatchOutcome::Replayed(k4));
    // A key used before for another amount is refused, and a rollback keeps nothing.
    let txn = svc.db.begin().await.unwrap();
    let other = ledger::post_batch(
        &txn,
        1,
        "system",
        &caller,
        &[
            charge(caller.id, 1, "k1"),
            Posting {
                kind: EntryKind::TopUp,
                amount_micros: 5_000_000,
                ..charge(caller.id, 0, "k5")
            },
        ],
    )
    .await
    .unwrap();
    assert!(
        matches!(&other[0], BatchOutcome::Refused(why) if why.contains("used before")),
        "{other:?}"
    );
    assert!(matches!(other[1], BatchOutcome::New(_)));
    txn.rollback().await.unwrap();
    let (cached, summed, cached_n, counted) = ledger::verify(&svc.db, caller.id).await.unwrap();
    assert_eq!((cached, summed, cached_n, counted), (0, 0, 4, 4));
}

/// A CDR file: `lines` London calls of 60 s (0.0120 each), line 5,001 with a bad start and
/// line 10,001 to a number the deck does not price.
fn cdr_file(lines: usize) -> Vec<u8> {
    let start = Utc::now();
    let mut csv = String::from("call_id,start,answer,end,b_number,carrier,customer,tier\n");
    for i in 0..lines {
        let line = i + 2;
        let begin = if line == 5_001 {
            "yesterday".to_owned()
        } else {
            start.to_rfc3339()
        };
        let number = if line == 10_001 {
            "+33123456789".to_owned()
        } else {
            format!("+4420794{:05}", i)
        };
        csv.push_str(&format!(
            "f{i:05},{begin},{},{},{number},Cheap Co,Caller Ltd,Standard\n",
            (start + Duration::seconds(2)).to_rfc3339(),
            (start + Duration::seconds(62)).to_rfc3339()
        ));
    }
    csv.into_bytes()
}

async fn run_job(svc: &Services, file: &cdr_files::Model) -> Result<String, String> {
    services::jobs::run(
        svc,
        &JobRequest {
            id: file.job_id.clone(),
            kind: JobKind::RateCdrs.key().to_owned(),
            payload: serde_json::json!({ "file_id": file.id }),
        },
    )
    .await
    .map_err(|e| e.to_string())
}

async fn reload(svc: &Services, id: i64) -> cdr_files::Model {
    cdr_files::Entity::find_by_id(id)
        .one(&svc.db)
        .await
        .unwrap()
        .unwrap()
}

async fn a_large_cdr_file_is_rated_by_a_job(db: DatabaseConnection) {
    let svc = services(db).await;
    let admin = actor(1, Role::Admin);
    let (caller, _) = caller_with_card(&svc).await;
    ledger::post(
        &svc.db,
        1,
        "system",
        Posting {
            kind: EntryKind::TopUp,
            amount_micros: 200_000_000,
            ..charge(caller.id, 0, "top-up-200")
        },
        None,
    )
    .await
    .unwrap();

    // A wrong header is named at once, before anything is queued.
    let mut bad = b"call,begin\n".to_vec();
    bad.extend(b"1,2\n".repeat(10_100));
    let err = file_jobs::upload_file(&svc, &admin, "bad.csv", bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Validation(e) if e[0].field == "file" && e[0].message.contains("lacks call_id")),
        "{err:?}"
    );
    // Customers cannot upload CDRs.
    let customer = services::audit::Actor {
        customer_id: Some(caller.id),
        ..actor(1, Role::Customer)
    };
    assert!(matches!(
        file_jobs::upload_file(&svc, &customer, "x.csv", cdr_file(3)).await,
        Err(ServiceError::Forbidden)
    ));

    let bytes = cdr_file(10_050);
    let Upload::Queued(file) = file_jobs::upload_file(&svc, &admin, "november.csv", bytes.clone())
        .await
        .unwrap()
    else {
        panic!("a file of 10,050 lines is queued");
    };
    assert_eq!((file.status.as_str(), file.lines), ("queued", 10_050));
    let summary = run_job(&svc, &file).await.unwrap();
    let done = reload(&svc, file.id).await;
    assert_eq!(
        (
            done.status.as_str(),
            done.lines_done,
            done.received,
            done.rated,
            done.unrated,
            done.refused,
            done.duplicates
        ),
        ("done", 10_050, 10_050, 10_048, 1, 1, 0),
        "{summary}"
    );
    assert_eq!(summary, file_jobs::summary(&done));
    let progress = job_progress::Entity::find_by_id(file.job_id.clone())
        .one(&svc.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((progress.done, progress.total), (10_050, 10_050));
    let (_, problems) = file_jobs::file_problems(&svc.db, &admin, file.id)
        .await
        .unwrap();
    let named: Vec<(i64, &str)> = problems
        .iter()
        .map(|p| (p.line, p.status.as_str()))
        .collect();
    assert_eq!(named, [(5_001, "refused"), (10_001, "unrated")]);
    assert!(problems[0].reason.contains("yesterday"), "{problems:?}");
    // 1.00 + 200.00 - 10,048 x 0.0120 = 80.424 USD.
    let (cached, summed, _, _) = ledger::verify(&svc.db, caller.id).await.unwrap();
    assert_eq!((cached, summed), (80_424_000, 80_424_000));

    // The job run again, and the same file uploaded again, charge nothing.
    run_job(&svc, &file).await.unwrap();
    assert_eq!(reload(&svc, file.id).await, done);
    let Upload::Queued(second) = file_jobs::upload_file(&svc, &admin, "again.csv", bytes)
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    run_job(&svc, &second).await.unwrap();
    let second = reload(&svc, second.id).await;
    assert_eq!(
        (second.duplicates, second.refused, second.rated),
        (10_049, 1, 0)
    );
    assert_eq!(
        ledger::verify(&svc.db, caller.id).await.unwrap().0,
        80_424_000
    );
    // Another tenant's staff cannot read the file.
    assert!(matches!(
        file_jobs::file_problems(&svc.db, &actor_in(2, 1, Role::Admin), file.id).await,
        Err(ServiceError::NotFound)
    ));
}

on_both_databases!(
    a_batch_of_postings_moves_money_once,
    a_large_cdr_file_is_rated_by_a_job
);
