//! The Redis-backed stores against a real Redis server (`DIDTRON_TEST_REDIS_URL`).

use services::rate_limit::{FailureLimiter, Limit, RedisLimiter};
use services::session_store::RedisSessionStore;
use std::collections::HashMap;
use std::time::Duration;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

async fn redis() -> redis::aio::ConnectionManager {
    let url = std::env::var("DIDTRON_TEST_REDIS_URL").expect(
        "DIDTRON_TEST_REDIS_URL is not set: run the README's test command (scripts/test.sh), \
         which starts Redis on 127.0.0.1 and sets it",
    );
    redis::aio::ConnectionManager::new(redis::Client::open(url).unwrap())
        .await
        .expect("connecting to Redis")
}

#[tokio::test]
async fn redis_limiter_counts_per_key_and_expires() {
    let prefix = format!("test:{}:", uuid::Uuid::new_v4());
    let limiter = RedisLimiter::new(
        Limit {
            max_failures: 2,
            window: Duration::from_secs(2),
        },
        redis().await,
        prefix,
    );
    limiter.record_failure("a").await.unwrap();
    assert_eq!(limiter.blocked_for("a").await.unwrap(), None);
    limiter.record_failure("a").await.unwrap();
    assert!(matches!(
        limiter.blocked_for("a").await.unwrap(),
        Some(1..=2)
    ));
    assert_eq!(limiter.blocked_for("b").await.unwrap(), None);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        limiter.blocked_for("a").await.unwrap(),
        None,
        "the window expired"
    );
    limiter.record_failure("a").await.unwrap();
    limiter.record_failure("a").await.unwrap();
    limiter.reset("a").await.unwrap();
    assert_eq!(limiter.blocked_for("a").await.unwrap(), None);
}

#[tokio::test]
async fn redis_request_limit_counts_and_refuses_atomically() {
    let prefix = format!("test:{}:", uuid::Uuid::new_v4());
    let limiter = std::sync::Arc::new(RedisLimiter::new(
        Limit {
            max_failures: 5,
            window: Duration::from_secs(30),
        },
        redis().await,
        prefix,
    ));
    // Twenty requests at once: exactly five are admitted, whatever the interleaving.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.hit("key:1").await.unwrap() })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            None => admitted += 1,
            Some(retry) => assert!((1..=30).contains(&retry), "{retry}"),
        }
    }
    assert_eq!(admitted, 5);
    assert_eq!(limiter.hit("key:2").await.unwrap(), None, "per key");
}

#[tokio::test]
async fn redis_sessions_round_trip() {
    let store = RedisSessionStore::new(redis().await);
    let mut rec = Record {
        id: Id::default(),
        data: HashMap::from([("user_id".to_owned(), serde_json::json!(42))]),
        expiry_date: OffsetDateTime::now_utc() + time::Duration::minutes(5),
    };
    store.create(&mut rec).await.unwrap();
    assert_eq!(store.load(&rec.id).await.unwrap().unwrap().data, rec.data);
    rec.data.insert("k".into(), serde_json::json!("v"));
    store.save(&rec).await.unwrap();
    assert_eq!(store.load(&rec.id).await.unwrap().unwrap().data.len(), 2);
    store.delete(&rec.id).await.unwrap();
    assert!(store.load(&rec.id).await.unwrap().is_none());
}
