use domain::access::Role;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use services::Services;
use services::audit::Actor;
use services::settings::Settings;
use std::path::Path;

/// Settings of the embedded mode with overrides.
pub fn settings(vars: &[(&str, &str)]) -> Settings {
    Settings::load_from_vars(
        Path::new("/nonexistent/didtron.toml"),
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
    .expect("test settings")
}

/// A fresh, migrated SQLite database in its own temporary file.
pub async fn sqlite() -> DatabaseConnection {
    let dir = std::env::temp_dir().join("didtron-tests");
    let file = dir.join(format!("{}.sqlite", uuid::Uuid::new_v4()));
    services::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", file.display()), 5)
        .await
        .expect("sqlite test database")
}

/// A fresh, migrated PostgreSQL database created for this test alone.
pub async fn postgres() -> DatabaseConnection {
    let admin_url = std::env::var("DIDTRON_TEST_POSTGRES_URL").expect(
        "DIDTRON_TEST_POSTGRES_URL is not set: run the README's test command (scripts/test.sh), \
         which starts PostgreSQL on 127.0.0.1 and sets it",
    );
    let name = format!("didtron_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url)
        .await
        .expect("connecting to the PostgreSQL test server");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creating a test database");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    services::db::connect_and_migrate(&format!("{base}/{name}"), 5)
        .await
        .expect("postgres test database")
}

/// The platform state on `db` with the embedded settings.
pub async fn services(db: DatabaseConnection) -> Services {
    services_with(db, &[]).await
}

/// The platform state on `db` with the embedded settings and `vars` (`DIDTRON__*`) on top; a
/// data directory of its own.
/// Settings that turn the default schedules off (health probe, cleanup, balance check), for
/// tests that count the jobs that ran.
pub const QUIET_SCHEDULES: &[(&str, &str)] = &[
    ("DIDTRON__JOBS__SCHEDULES__HEALTH_PROBE__CRON", ""),
    ("DIDTRON__JOBS__SCHEDULES__CLEANUP__CRON", ""),
    ("DIDTRON__JOBS__SCHEDULES__CHECK_BALANCES__CRON", ""),
];

pub async fn services_with(db: DatabaseConnection, vars: &[(&str, &str)]) -> Services {
    let dir = std::env::temp_dir().join(format!("didtron-tests/data-{}", uuid::Uuid::new_v4()));
    let mut all = vec![("DIDTRON__DATA__DIR", dir.to_str().unwrap().to_owned())];
    all.extend(vars.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let settings = settings(
        &all.iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    Services::with_db(settings, db).await.expect("services")
}

/// An actor with `role` and id `user_id` in the operator tenant (1).
pub fn actor(user_id: i64, role: Role) -> Actor {
    actor_in(1, user_id, role)
}

/// An actor with `role` and id `user_id` in tenant `tenant_id`.
pub fn actor_in(tenant_id: i64, user_id: i64, role: Role) -> Actor {
    Actor {
        tenant_id,
        customer_id: None,
        carrier_id: None,
        user_id,
        email: format!("actor{user_id}@didtron.example"),
        role,
        ip: Some("192.0.2.10".to_owned()),
        user_agent: Some("tests".to_owned()),
    }
}

/// Runs each named scenario (an `async fn(DatabaseConnection)`) once on SQLite and once on
/// PostgreSQL, each on a database of its own.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test]
                async fn sqlite() {
                    super::$scenario($crate::services::helpers::sqlite().await).await;
                }
                #[tokio::test]
                async fn postgres() {
                    super::$scenario($crate::services::helpers::postgres().await).await;
                }
            }
        )*
    };
}
