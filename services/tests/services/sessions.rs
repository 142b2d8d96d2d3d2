use crate::on_both_databases;
use sea_orm::DatabaseConnection;
use services::session_store::DbSessionStore;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

fn record(expires_in: Duration) -> Record {
    Record {
        id: Id::default(),
        data: HashMap::from([("user_id".to_owned(), serde_json::json!(7))]),
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

async fn sessions_round_trip_and_expire(db: DatabaseConnection) {
    let store = DbSessionStore::new(db);
    let mut live = record(Duration::hours(1));
    store.create(&mut live).await.unwrap();
    let loaded = store.load(&live.id).await.unwrap().expect("stored");
    assert_eq!(loaded.data, live.data);

    live.data.insert("theme".into(), serde_json::json!("dark"));
    store.save(&live).await.unwrap();
    assert_eq!(store.load(&live.id).await.unwrap().unwrap().data.len(), 2);

    let mut expired = record(Duration::seconds(-5));
    store.create(&mut expired).await.unwrap();
    assert!(
        store.load(&expired.id).await.unwrap().is_none(),
        "expired sessions do not load"
    );
    assert_eq!(store.delete_expired().await.unwrap(), 1);

    store.delete(&live.id).await.unwrap();
    assert!(store.load(&live.id).await.unwrap().is_none());
}

on_both_databases!(sessions_round_trip_and_expire);
