//! Tests of loading and checking the settings.
use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_are_the_embedded_mode() {
    let s = Settings::load_from_vars(Path::new("/nonexistent.toml"), vars(&[])).unwrap();
    assert_eq!(s.database_url(), "sqlite://data/didtron.sqlite?mode=rwc");
    assert_eq!(s.redis_url(), None);
    assert_eq!(s.auth.login_max_failures, 10);
    assert!(!s.is_https());
}

#[test]
fn environment_overrides_and_secrets_are_not_printed() {
    let s = Settings::load_from_vars(
        Path::new("/nonexistent.toml"),
        vars(&[
            ("DIDTRON__DATABASE__URL", "postgres://u:hunter2@127.0.0.1/x"),
            ("DIDTRON__AUTH__LOGIN_MAX_FAILURES", "3"),
            (
                "DIDTRON__SERVER__PUBLIC_URL",
                "https://portal.example.com/app",
            ),
        ]),
    )
    .unwrap();
    assert_eq!(s.auth.login_max_failures, 3);
    assert!(s.is_https());
    assert_eq!(s.public_origin(), "https://portal.example.com");
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn a_bad_value_names_its_key() {
    let err = Settings::load_from_vars(
        Path::new("/nonexistent.toml"),
        vars(&[("DIDTRON__AUTH__LOGIN_MAX_FAILURES", "many")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("auth.login_max_failures"), "{err}");

    let err = Settings::load_from_vars(
        Path::new("/nonexistent.toml"),
        vars(&[("DIDTRON__DATABASE__URL", "mysql://x")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("database.url"), "{err}");
}

#[test]
fn job_schedules_the_memory_store_and_s3_storage_are_checked() {
    let load = |pairs: &[(&str, &str)]| {
        Settings::load_from_vars(Path::new("/nonexistent.toml"), vars(pairs))
    };
    let s = load(&[]).unwrap();
    assert_eq!(s.jobs.store, "database");
    assert_eq!(s.jobs.schedules["cleanup"].kind, "system.cleanup");
    let err = load(&[("DIDTRON__JOBS__SCHEDULES__CLEANUP__CRON", "every day")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("jobs.schedules.cleanup") && err.contains("cron `every day`"),
        "{err}"
    );
    let err = load(&[
        ("DIDTRON__JOBS__SCHEDULES__NIGHTLY__CRON", "0 0 1 * * *"),
        ("DIDTRON__JOBS__SCHEDULES__NIGHTLY__KIND", "system.cleanup"),
        (
            "DIDTRON__JOBS__SCHEDULES__NIGHTLY__PAYLOAD",
            r#"{"older_than_days": 0}"#,
        ),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("jobs.schedules.nightly") && err.contains("payload.older_than_days"),
        "{err}"
    );
    let err = load(&[("DIDTRON__JOBS__SCHEDULES__X__CRON", "0 0 1 * * *")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("jobs.schedules.x") || err.contains("kind"),
        "{err}"
    );
    // An empty cron turns a default schedule off.
    load(&[("DIDTRON__JOBS__SCHEDULES__FX_RATES__CRON", "")]).unwrap();
    let err = load(&[
        ("DIDTRON__JOBS__STORE", "memory"),
        ("DIDTRON__JOBS__ROLES", "worker"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("jobs.store") && err.contains("both roles"),
        "{err}"
    );
    load(&[("DIDTRON__JOBS__STORE", "memory")]).unwrap();
    let err = load(&[("DIDTRON__STORAGE__BACKEND", "s3")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("storage.s3.bucket"), "{err}");
    let err = load(&[
        ("DIDTRON__STORAGE__BACKEND", "s3"),
        ("DIDTRON__STORAGE__S3__BUCKET", "decks"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("storage.s3.access_key_id"), "{err}");
    let s = load(&[
        ("DIDTRON__STORAGE__BACKEND", "s3"),
        ("DIDTRON__STORAGE__S3__BUCKET", "decks"),
        ("DIDTRON__STORAGE__S3__ACCESS_KEY_ID", "AKIA"),
        ("DIDTRON__STORAGE__S3__SECRET_ACCESS_KEY", "very-secret"),
    ])
    .unwrap();
    assert!(!format!("{s:?}").contains("very-secret"));
    let err = load(&[("DIDTRON__JOBS__STORE", "redis")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("jobs.store"), "{err}");
}

#[test]
fn the_file_layer_sits_between_defaults_and_environment() {
    let dir = std::env::temp_dir().join(format!("didtron-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("didtron.toml");
    std::fs::write(
        &file,
        "[auth]\nlogin_max_failures = 5\nsession_idle_minutes = 30\n",
    )
    .unwrap();
    let s = Settings::load_from_vars(
        &file,
        vars(&[("DIDTRON__AUTH__SESSION_IDLE_MINUTES", "60")]),
    )
    .unwrap();
    assert_eq!(s.auth.login_max_failures, 5);
    assert_eq!(s.auth.session_idle_minutes, 60);
}
