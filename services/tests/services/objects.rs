//! Object storage: the same scenario on the local disk (embedded mode) and on a real
//! S3-compatible server (moto on loopback, from `DIDTRON_TEST_S3_URL`; the test command starts
//! it), each on a directory or bucket of its own.

use services::storage::{LocalDisk, ObjectStore, S3Config, S3Store};

/// A bucket of its own on the test S3 server.
async fn s3() -> S3Store {
    let endpoint = std::env::var("DIDTRON_TEST_S3_URL").expect(
        "DIDTRON_TEST_S3_URL is not set: run the README's test command (scripts/test.sh), \
         which starts an S3-compatible server on 127.0.0.1:9000 and sets it",
    );
    let store = S3Store::new(&S3Config {
        endpoint,
        region: "us-east-1".into(),
        bucket: format!("didtron-test-{}", uuid::Uuid::new_v4().simple()),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        path_style: true,
    });
    store.create_bucket().await.unwrap();
    store.check().await.unwrap();
    store
}

async fn stores_reads_lists_and_deletes(store: &dyn ObjectStore) {
    assert_eq!(store.get("tenants/1/logo-a").await.unwrap(), None);
    store
        .put("tenants/1/logo-a", b"first".to_vec())
        .await
        .unwrap();
    store
        .put("tenants/1/logo-a", b"second".to_vec())
        .await
        .unwrap();
    assert_eq!(
        store.get("tenants/1/logo-a").await.unwrap(),
        Some(b"second".to_vec())
    );
    // Enough keys for several pages when a server pages at 1,000 (S3's maximum).
    for i in 0..3 {
        store
            .put(&format!("tenants/2/logo-{i}"), vec![i])
            .await
            .unwrap();
    }
    store
        .put("decks/9/source.csv", b"x".to_vec())
        .await
        .unwrap();
    let listed: Vec<String> = store
        .list("tenants/")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(
        listed,
        [
            "tenants/1/logo-a",
            "tenants/2/logo-0",
            "tenants/2/logo-1",
            "tenants/2/logo-2"
        ]
    );
    let all = store.list("").await.unwrap();
    assert_eq!(all.len(), 5);
    let now = chrono::Utc::now();
    assert!(
        all.iter()
            .all(|o| (now - o.modified).num_seconds().abs() < 300),
        "{all:?}"
    );
    store.delete("tenants/1/logo-a").await.unwrap();
    store.delete("tenants/1/logo-a").await.unwrap(); // absent: no error
    assert_eq!(store.get("tenants/1/logo-a").await.unwrap(), None);
    for bad in ["../x", "/etc/passwd", "a//b", "A", ""] {
        assert!(store.put(bad, vec![]).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn local_disk() {
    let dir = std::env::temp_dir().join(format!("didtron-objects-{}", uuid::Uuid::new_v4()));
    stores_reads_lists_and_deletes(&LocalDisk::new(dir.clone())).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn s3_compatible_server() {
    stores_reads_lists_and_deletes(&s3().await).await;
}

#[tokio::test]
async fn a_missing_bucket_is_reported_with_the_settings_to_check() {
    let endpoint = std::env::var("DIDTRON_TEST_S3_URL").expect("DIDTRON_TEST_S3_URL");
    let store = S3Store::new(&S3Config {
        endpoint,
        region: "us-east-1".into(),
        bucket: "didtron-no-such-bucket".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        path_style: true,
    });
    let err = store.check().await.unwrap_err().to_string();
    assert!(
        err.contains("didtron-no-such-bucket") && err.contains("storage.s3.bucket"),
        "{err}"
    );
}
