//! What the load scripts share: a fresh database and the platform's services on it.

use sea_orm::{ConnectionTrait, Database};
use services::settings::Settings;
use std::path::{Path, PathBuf};

/// A fresh database URL: a new SQLite file for `sqlite`, else a new database on the PostgreSQL
/// server of admin URL `target`.
pub async fn fresh_db(target: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    if target == "sqlite" {
        let file = std::env::temp_dir().join(format!("didtron-load-{id}.sqlite"));
        return format!("sqlite://{}?mode=rwc", file.display());
    }
    let admin = Database::connect(target)
        .await
        .expect("PostgreSQL admin URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE didtron_load_{id}"))
        .await
        .unwrap();
    format!("{}/didtron_load_{id}", target.rsplit_once('/').unwrap().0)
}

/// The embedded settings on database `db_url` with data under a new temporary directory, and
/// that directory.
pub fn settings(db_url: &str) -> (Settings, PathBuf) {
    let data_dir = std::env::temp_dir().join(format!("didtron-load-{}", uuid::Uuid::new_v4()));
    let settings = Settings::load_from_vars(
        Path::new("/nonexistent/didtron.toml"),
        [
            ("DIDTRON__DATABASE__URL".to_owned(), db_url.to_owned()),
            (
                "DIDTRON__DATA__DIR".to_owned(),
                data_dir.to_string_lossy().into_owned(),
            ),
        ],
    )
    .unwrap();
    (settings, data_dir)
}
