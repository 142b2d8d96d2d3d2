//! Jobs: payload validation, the System handlers (against a local fake of Open Exchange Rates),
//! and the apalis queues and workers on SQLite and PostgreSQL.

use super::helpers::services_with;
use crate::on_both_databases;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::json;
use services::entities::{fx_rates, job_progress};
use services::jobs::{self, JobFailure, JobKind, JobRequest, JobStore};
use std::collections::HashMap;
use std::time::Duration;

/// A fake of Open Exchange Rates' `GET /latest.json` as documented
/// (<https://docs.openexchangerates.org/reference/latest-json>, errors at
/// <https://docs.openexchangerates.org/reference/errors>): app id `good-app-id`.
async fn fake_oxr() -> String {
    let app = axum::Router::new().route(
        "/api/latest.json",
        get(|Query(q): Query<HashMap<String, String>>| async move {
            match q.get("app_id").map(String::as_str) {
                Some("good-app-id") => (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    format!(
                        r#"{{"disclaimer":"Usage subject to terms","license":"https://openexchangerates.org/license","timestamp":1764374400,"base":"{}","rates":{{"EUR":0.862381,"GBP":0.756214,"JPY":156.09549999,"BTC":1.0723e-5}}}}"#,
                        q.get("base").cloned().unwrap_or_else(|| "USD".into())
                    ),
                ),
                Some("busy") => (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("content-type", "application/json")],
                    r#"{"error":true,"status":429,"message":"not_allowed","description":"Too many requests"}"#.to_owned(),
                ),
                _ => (
                    StatusCode::UNAUTHORIZED,
                    [("content-type", "application/json")],
                    r#"{"error":true,"status":401,"message":"invalid_app_id","description":"Invalid App ID provided. Please sign up at https://openexchangerates.org/signup, or contact support@openexchangerates.org."}"#.to_owned(),
                ),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/api")
}

fn request(kind: JobKind, payload: serde_json::Value) -> JobRequest {
    JobRequest {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.key().to_owned(),
        payload,
    }
}

async fn fx_refresh_is_exact_idempotent_and_says_when_not_configured(db: DatabaseConnection) {
    let base_url = fake_oxr().await;
    let unconfigured = services_with(db.clone(), &[("DIDTRON__FX__BASE_URL", &base_url)]).await;
    let err = jobs::run(&unconfigured, &request(JobKind::RefreshFxRates, json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobFailure::Permanent(m) if m.contains("not configured") && m.contains("fx.app_id")),
        "{err:?}"
    );

    let wrong = services_with(
        db.clone(),
        &[
            ("DIDTRON__FX__BASE_URL", &base_url),
            ("DIDTRON__FX__APP_ID", "nope"),
        ],
    )
    .await;
    let err = jobs::run(&wrong, &request(JobKind::RefreshFxRates, json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobFailure::Permanent(m) if m.contains("401") && m.contains("invalid_app_id")),
        "{err:?}"
    );
    let busy = services_with(
        db.clone(),
        &[
            ("DIDTRON__FX__BASE_URL", &base_url),
            ("DIDTRON__FX__APP_ID", "busy"),
        ],
    )
    .await;
    let err = jobs::run(&busy, &request(JobKind::RefreshFxRates, json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, JobFailure::Transient(_)),
        "429 is worth retrying"
    );

    let svc = services_with(
        db.clone(),
        &[
            ("DIDTRON__FX__BASE_URL", &base_url),
            ("DIDTRON__FX__APP_ID", "good-app-id"),
        ],
    )
    .await;
    let job = request(JobKind::RefreshFxRates, json!({ "base": "USD" }));
    let summary = jobs::run(&svc, &job).await.unwrap();
    assert!(
        summary.contains("4 rates for USD") && summary.contains("4 new"),
        "{summary}"
    );
    let rates: HashMap<String, String> = fx_rates::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.quote, r.rate))
        .collect();
    assert_eq!(rates["EUR"], "0.862381");
    assert_eq!(rates["JPY"], "156.09549999", "exact, not through a float");
    assert_eq!(rates["BTC"], "0.000010723");
    // Running it again for the same publication stores nothing new.
    let again = jobs::run(&svc, &request(JobKind::RefreshFxRates, json!({})))
        .await
        .unwrap();
    assert!(again.contains("0 new"), "{again}");
    assert_eq!(fx_rates::Entity::find().count(&db).await.unwrap(), 4);
    let progress = job_progress::Entity::find_by_id(job.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((progress.done, progress.total), (4, 4));
}

async fn workers_run_queued_jobs_and_bad_payloads_are_refused(db: DatabaseConnection) {
    let svc = services_with(db.clone(), &[]).await;
    let store = JobStore::open(&db).await.unwrap();
    JobStore::open(&db)
        .await
        .expect("opening twice is harmless");
    let err = jobs::enqueue(
        &store,
        JobKind::Cleanup,
        json!({ "older_than_days": "soon" }),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("payload.older_than_days"), "{err}");

    // An old progress row that the cleanup must delete, and a fresh one it must keep.
    for (id, age_days) in [("old", 90), ("new", 0)] {
        job_progress::Entity::insert(job_progress::ActiveModel {
            job_id: sea_orm::ActiveValue::Set(id.into()),
            kind: sea_orm::ActiveValue::Set("system.cleanup".into()),
            done: sea_orm::ActiveValue::Set(1),
            total: sea_orm::ActiveValue::Set(1),
            message: sea_orm::ActiveValue::Set("x".into()),
            updated_at: sea_orm::ActiveValue::Set(
                chrono::Utc::now() - chrono::Duration::days(age_days),
            ),
        })
        .exec(&db)
        .await
        .unwrap();
    }
    let id = jobs::enqueue(&store, JobKind::Cleanup, json!({ "older_than_days": 30 }))
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let workers = tokio::spawn(jobs::run_workers(
        svc.clone(),
        store.clone(),
        "test",
        async move {
            let _ = stopped.await;
        },
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if job_progress::Entity::find_by_id(id.clone())
            .one(&db)
            .await
            .unwrap()
            .is_some()
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cleanup job did not run in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        job_progress::Entity::find_by_id("old".to_owned())
            .one(&db)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        job_progress::Entity::find_by_id("new".to_owned())
            .one(&db)
            .await
            .unwrap()
            .is_some()
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), workers)
        .await
        .expect("workers stop on shutdown")
        .unwrap()
        .unwrap();
}

on_both_databases!(
    fx_refresh_is_exact_idempotent_and_says_when_not_configured,
    workers_run_queued_jobs_and_bad_payloads_are_refused,
);
