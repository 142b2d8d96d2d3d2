//! Typed settings, layered: built-in defaults (the embedded mode) <- `config/didtron.toml` <-
//! environment variables `DIDTRON__SECTION__KEY` (e.g. `DIDTRON__DATABASE__URL`).
//!
//! This is the only module that reads the environment. Secrets are [`SecretString`]s: their
//! `Debug` prints `[REDACTED]`, so logging the settings never leaks them.

use config::{Config, Environment, File};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every setting of a DIDTron process. See docs/operations.md for each key.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `[server]`: the HTTP listener and the site's files.
    pub server: ServerSettings,
    /// `[database]`: SQLite (default) or PostgreSQL.
    pub database: DatabaseSettings,
    /// `[redis]`: optional; when set, sessions and rate limits live in Redis.
    pub redis: RedisSettings,
    /// `[auth]`: sessions and sign-in limits.
    pub auth: AuthSettings,
    /// `[data]`: the data directory of the embedded mode.
    pub data: DataSettings,
    /// `[seed]`: demo data on first start.
    pub seed: SeedSettings,
    /// `[log]`: tracing filter.
    pub log: LogSettings,
    /// `[api]`: the REST API.
    pub api: ApiSettings,
    /// `[jobs]`: background jobs.
    pub jobs: JobSettings,
    /// `[fx]`: the exchange-rate provider.
    pub fx: FxSettings,
    /// `[storage]`: where uploads are kept.
    pub storage: StorageSettings,
    /// `[payments]`: top-up limits.
    pub payments: PaymentSettings,
    /// `[stripe]`: Stripe Checkout top-ups.
    pub stripe: StripeSettings,
    /// `[paypal]`: PayPal Orders v2 top-ups.
    pub paypal: PaypalSettings,
}

/// `[paypal]` settings (<https://developer.paypal.com/api/rest/>): top-ups through Orders v2,
/// credited only from webhooks PayPal verifies.
#[derive(Debug, Clone, Deserialize)]
pub struct PaypalSettings {
    /// API base URL: `https://api-m.paypal.com` (live), `https://api-m.sandbox.paypal.com`
    /// (sandbox); tests point it at a local fake.
    pub api_base: String,
    /// The REST app's client id; empty means PayPal is not configured.
    pub client_id: String,
    /// The REST app's secret.
    pub client_secret: SecretString,
    /// The id PayPal gave the webhook `https://<host>/webhooks/paypal` (its verification
    /// names it).
    pub webhook_id: String,
}

impl PaypalSettings {
    /// Whether the client id, secret and webhook id are set.
    pub fn configured(&self) -> bool {
        !self.client_id.is_empty()
            && !self.client_secret.expose_secret().is_empty()
            && !self.webhook_id.is_empty()
    }
}

/// `[payments]` settings: what a customer may top up at once, in its billing currency.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentSettings {
    /// The smallest top-up, decimal text in major units, e.g. `10`.
    pub min_top_up: String,
    /// The largest top-up, decimal text in major units, e.g. `10000`.
    pub max_top_up: String,
}

/// `[stripe]` settings (<https://docs.stripe.com/api>): top-ups through Stripe Checkout,
/// credited only from signed webhooks (<https://docs.stripe.com/webhooks#verify-events>).
#[derive(Debug, Clone, Deserialize)]
pub struct StripeSettings {
    /// API base URL, `https://api.stripe.com/` (tests point it at a local fake).
    pub api_base: String,
    /// The secret API key (`sk_live_…` or `sk_test_…`); empty means Stripe is not configured.
    pub secret_key: SecretString,
    /// The webhook endpoint's signing secret (`whsec_…`), for `POST /webhooks/stripe`.
    pub webhook_secret: SecretString,
}

impl StripeSettings {
    /// Whether both keys are set.
    pub fn configured(&self) -> bool {
        !self.secret_key.expose_secret().is_empty()
            && !self.webhook_secret.expose_secret().is_empty()
    }
}

/// `[storage]` settings: uploads on the local disk (embedded mode) or in an S3-compatible
/// bucket.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    /// `local` (files under `data.dir/objects`) or `s3`.
    pub backend: String,
    /// `[storage.s3]`: used when `backend = "s3"`.
    pub s3: S3Settings,
}

/// `[storage.s3]` settings (Amazon S3, Cloudflare R2, MinIO, any S3-compatible server).
#[derive(Debug, Clone, Deserialize)]
pub struct S3Settings {
    /// Endpoint URL, e.g. `https://<account>.r2.cloudflarestorage.com`; empty for AWS S3.
    pub endpoint: String,
    /// Region, e.g. `us-east-1`; `auto` for R2.
    pub region: String,
    /// Bucket name (it must exist).
    pub bucket: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Path-style addressing (`endpoint/bucket/key`), which MinIO and most self-hosted servers
    /// want; R2 and AWS take either.
    pub path_style: bool,
}

/// `[jobs]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// Which roles this process runs: `web`, `worker` or both (`web,worker`); the
    /// `--roles` flag overrides it.
    pub roles: String,
    /// Finished jobs and their progress are deleted after this many days (cleanup job).
    pub retention_days: u32,
    /// Seconds between worker heartbeats; a worker silent for two is dead and its running jobs
    /// go back to the queue.
    pub heartbeat_seconds: u32,
    /// Where the queues live: `database` (the platform's database: SQLite or PostgreSQL) or
    /// `memory` (an in-memory SQLite database of this process: nothing survives a restart, and
    /// the process must run both roles).
    pub store: String,
    /// Recurring jobs by name (`[jobs.schedules.<name>]`): a cron expression with seconds
    /// (`sec min hour day-of-month month day-of-week`, UTC), the kind and its payload. An empty
    /// `cron` turns a schedule off.
    pub schedules: BTreeMap<String, ScheduleSettings>,
}

/// One `[jobs.schedules.<name>]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScheduleSettings {
    /// Cron expression with seconds, in UTC, e.g. `0 30 3 * * *` (03:30:00 every day); empty
    /// means off.
    pub cron: String,
    /// Job kind key, e.g. `system.cleanup`.
    pub kind: String,
    /// The payload as JSON text; `{}` when absent.
    #[serde(default)]
    pub payload: String,
}

/// `[fx]` settings: Open Exchange Rates (<https://docs.openexchangerates.org/reference/latest-json>).
#[derive(Debug, Clone, Deserialize)]
pub struct FxSettings {
    /// API base URL, e.g. `https://openexchangerates.org/api` (tests point it at a local fake).
    pub base_url: String,
    /// The app id; empty means "not configured" (the refresh job then fails saying so).
    pub app_id: SecretString,
    /// The base currency to fetch rates for (ISO 4217).
    pub base_currency: String,
    /// The oldest rates a charge may be converted with, hours (default 48): older rates leave
    /// the CDR unrated, saying so, rather than charge at a stale rate.
    pub max_age_hours: i64,
}

/// `[api]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiSettings {
    /// Requests each API key may make per minute; the next is answered 429 with Retry-After.
    pub requests_per_minute: u32,
    /// Route look-ups (`GET /api/v1/routes`) each key may make per minute, counted apart: a
    /// switch asks once per call attempt.
    pub routes_requests_per_minute: u32,
    /// Public rate look-ups (`GET /public/v1/rates`, the price widget) each client IP may make
    /// per minute; no key is needed, so this is the only brake on scraping the price list.
    pub public_requests_per_minute: u32,
}

/// `[server]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// Address to listen on, e.g. `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// The URL users reach the platform at, e.g. `https://portal.example.com`. Its scheme decides
    /// whether session cookies are `Secure`; its origin is what state-changing requests must
    /// come from (CSRF check).
    pub public_url: String,
    /// Directory holding the built site (`pkg/` with the wasm, JS and CSS), e.g. `target/site`.
    pub site_root: PathBuf,
    /// Directory holding the built price widget (`trunk build`: `embed.js`, `widget.js`,
    /// `widget_bg.wasm`, `widget.css`, a demo `index.html`), served under `/widget/`.
    pub widget_root: PathBuf,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit_bytes: usize,
}

/// `[database]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `postgres://user:pass@host/db` or `sqlite://path?mode=rwc`; empty means the embedded SQLite
    /// file `didtron.sqlite` in the data directory.
    pub url: SecretString,
    /// Connection pool size.
    pub max_connections: u32,
}

/// `[redis]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// `redis://host:port/db`; empty means no Redis (in-process and database stores instead).
    pub url: SecretString,
}

/// `[auth]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Minutes of inactivity after which a session expires.
    pub session_idle_minutes: i64,
    /// Failed sign-ins allowed per account and per IP within the window; the next gets 429.
    pub login_max_failures: u32,
    /// The failure-counting window, in seconds.
    pub login_window_seconds: u64,
}

/// `[data]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct DataSettings {
    /// Directory for the embedded database and local files; created when missing.
    pub dir: PathBuf,
}

/// `[seed]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedSettings {
    /// Create one demo user per role when the database has no users.
    pub demo: bool,
}

/// `[log]` settings.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// A `tracing_subscriber::EnvFilter` directive, e.g. `info,sqlx=warn`.
    pub filter: String,
}

/// Why the settings could not be loaded: the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A source could not be read or a value has the wrong type (config's message names the key).
    #[error("settings: {0}")]
    Load(#[from] config::ConfigError),
    /// A value parsed but is not acceptable.
    #[error("settings: `{key}` {reason}")]
    Invalid {
        /// The dotted key, e.g. `auth.login_max_failures`.
        key: String,
        /// What is wrong and what would be right.
        reason: String,
    },
}

const DEFAULTS: &[(&str, &str)] = &[
    ("server.addr", "127.0.0.1:3000"),
    ("server.public_url", "http://127.0.0.1:3000"),
    ("server.site_root", "target/site"),
    ("server.widget_root", "target/widget"),
    ("server.body_limit_bytes", "2097152"),
    ("database.url", ""),
    ("database.max_connections", "10"),
    ("redis.url", ""),
    ("auth.session_idle_minutes", "720"),
    ("auth.login_max_failures", "10"),
    ("auth.login_window_seconds", "900"),
    ("data.dir", "data"),
    ("seed.demo", "true"),
    ("log.filter", "info,sqlx=warn,sea_orm=warn"),
    ("api.requests_per_minute", "120"),
    ("api.routes_requests_per_minute", "600000"),
    ("api.public_requests_per_minute", "60"),
    ("jobs.roles", "web,worker"),
    ("jobs.retention_days", "30"),
    ("jobs.heartbeat_seconds", "10"),
    ("jobs.store", "database"),
    ("jobs.schedules.cleanup.cron", "0 30 3 * * *"),
    ("jobs.schedules.cleanup.kind", "system.cleanup"),
    ("jobs.schedules.health_probe.cron", "0 */5 * * * *"),
    ("jobs.schedules.health_probe.kind", "system.health_probe"),
    ("jobs.schedules.fx_rates.cron", "0 5 * * * *"),
    ("jobs.schedules.fx_rates.kind", "system.refresh_fx_rates"),
    ("jobs.schedules.check_balances.cron", "0 * * * * *"),
    (
        "jobs.schedules.check_balances.kind",
        "billing.check_balances",
    ),
    ("fx.base_url", "https://openexchangerates.org/api"),
    ("fx.app_id", ""),
    ("fx.base_currency", "USD"),
    ("fx.max_age_hours", "48"),
    ("payments.min_top_up", "10"),
    ("payments.max_top_up", "10000"),
    ("stripe.api_base", "https://api.stripe.com/"),
    ("stripe.secret_key", ""),
    ("stripe.webhook_secret", ""),
    ("paypal.api_base", "https://api-m.paypal.com"),
    ("paypal.client_id", ""),
    ("paypal.client_secret", ""),
    ("paypal.webhook_id", ""),
    ("storage.backend", "local"),
    ("storage.s3.endpoint", ""),
    ("storage.s3.region", "us-east-1"),
    ("storage.s3.bucket", ""),
    ("storage.s3.access_key_id", ""),
    ("storage.s3.secret_access_key", ""),
    ("storage.s3.path_style", "true"),
];

impl Settings {
    /// Loads the layers: defaults, then `config_file` if it exists, then `DIDTRON__*` variables.
    ///
    /// # Errors
    /// [`SettingsError`] naming the key whose value is unreadable or unacceptable.
    pub fn load(config_file: &Path) -> Result<Settings, SettingsError> {
        Self::load_with_env(config_file, Environment::with_prefix("DIDTRON"))
    }

    /// Loads defaults and `config_file`, then the given variables instead of the process
    /// environment (tests use this to stay independent of each other).
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn load_from_vars(
        config_file: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let source = vars.into_iter().collect();
        Self::load_with_env(
            config_file,
            Environment::with_prefix("DIDTRON").source(Some(source)),
        )
    }

    fn load_with_env(config_file: &Path, env: Environment) -> Result<Settings, SettingsError> {
        let mut builder = Config::builder();
        for (key, value) in DEFAULTS {
            builder = builder.set_default(*key, *value)?;
        }
        let settings: Settings = builder
            .add_source(File::from(config_file).required(false))
            .add_source(env.prefix_separator("__").separator("__").try_parsing(true))
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the values that parse but make no sense.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming the first bad key.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, reason: &str| {
            Err(SettingsError::Invalid {
                key: key.to_owned(),
                reason: reason.to_owned(),
            })
        };
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return invalid("server.public_url", "must start with http:// or https://");
        }
        if self.server.body_limit_bytes < 1024 {
            return invalid("server.body_limit_bytes", "must be at least 1024");
        }
        let url = self.database.url.expose_secret();
        if !(url.is_empty() || url.starts_with("sqlite:") || url.starts_with("postgres")) {
            return invalid(
                "database.url",
                "must be empty (embedded SQLite), sqlite://... or postgres://...",
            );
        }
        if self.database.max_connections == 0 {
            return invalid("database.max_connections", "must be at least 1");
        }
        let redis = self.redis.url.expose_secret();
        if !(redis.is_empty() || redis.starts_with("redis://") || redis.starts_with("rediss://")) {
            return invalid(
                "redis.url",
                "must be empty or start with redis:// or rediss://",
            );
        }
        if self.auth.session_idle_minutes < 1 {
            return invalid("auth.session_idle_minutes", "must be at least 1");
        }
        if self.auth.login_max_failures == 0 {
            return invalid("auth.login_max_failures", "must be at least 1");
        }
        if self.auth.login_window_seconds == 0 {
            return invalid("auth.login_window_seconds", "must be at least 1");
        }
        if !self
            .jobs
            .roles
            .split(',')
            .map(str::trim)
            .all(|r| r == "web" || r == "worker")
        {
            return invalid("jobs.roles", "must be web, worker or web,worker");
        }
        if self.jobs.heartbeat_seconds == 0 {
            return invalid("jobs.heartbeat_seconds", "must be at least 1");
        }
        match self.jobs.store.as_str() {
            "database" => {}
            "memory" => {
                let roles: Vec<&str> = self.jobs.roles.split(',').map(str::trim).collect();
                if !(roles.contains(&"web") && roles.contains(&"worker")) {
                    return invalid(
                        "jobs.store",
                        "memory keeps the queues inside one process, so that process must run both roles (jobs.roles = \"web,worker\"); use database to split them",
                    );
                }
            }
            _ => return invalid("jobs.store", "must be database or memory"),
        }
        for (name, schedule) in &self.jobs.schedules {
            if let Err(reason) = crate::jobs::schedule::check(schedule) {
                return Err(SettingsError::Invalid {
                    key: format!("jobs.schedules.{name}"),
                    reason,
                });
            }
        }
        if !(self.fx.base_url.starts_with("http://") || self.fx.base_url.starts_with("https://")) {
            return invalid("fx.base_url", "must start with http:// or https://");
        }
        if self.fx.max_age_hours < 1 {
            return invalid("fx.max_age_hours", "must be 1 or more");
        }
        if !(self.stripe.api_base.starts_with("http://")
            || self.stripe.api_base.starts_with("https://"))
        {
            return invalid("stripe.api_base", "must start with http:// or https://");
        }
        if !(self.paypal.api_base.starts_with("http://")
            || self.paypal.api_base.starts_with("https://"))
        {
            return invalid("paypal.api_base", "must start with http:// or https://");
        }
        for (key, text) in [
            ("payments.min_top_up", &self.payments.min_top_up),
            ("payments.max_top_up", &self.payments.max_top_up),
        ] {
            match rust_decimal::Decimal::from_str_exact(text.trim()) {
                Ok(d) if d > rust_decimal::Decimal::ZERO => {}
                _ => return invalid(key, "must be a positive amount, like 10 or 25.50"),
            }
        }
        match self.storage.backend.as_str() {
            "local" => {}
            "s3" => {
                let s3 = &self.storage.s3;
                if s3.bucket.trim().is_empty() {
                    return invalid(
                        "storage.s3.bucket",
                        "is required when storage.backend = \"s3\"",
                    );
                }
                if s3.access_key_id.trim().is_empty()
                    || s3.secret_access_key.expose_secret().is_empty()
                {
                    return invalid(
                        "storage.s3.access_key_id",
                        "and storage.s3.secret_access_key are required when storage.backend = \"s3\"",
                    );
                }
                if !(s3.endpoint.is_empty()
                    || s3.endpoint.starts_with("http://")
                    || s3.endpoint.starts_with("https://"))
                {
                    return invalid(
                        "storage.s3.endpoint",
                        "must be empty (AWS) or start with http:// or https://",
                    );
                }
            }
            _ => return invalid("storage.backend", "must be local or s3"),
        }
        if self.api.requests_per_minute == 0 {
            return invalid("api.requests_per_minute", "must be at least 1");
        }
        if self.api.routes_requests_per_minute == 0 {
            return invalid("api.routes_requests_per_minute", "must be at least 1");
        }
        if self.api.public_requests_per_minute == 0 {
            return invalid("api.public_requests_per_minute", "must be at least 1");
        }
        Ok(())
    }

    /// The database URL to connect to: the configured one, or the embedded SQLite file in the
    /// data directory.
    pub fn database_url(&self) -> String {
        let url = self.database.url.expose_secret();
        if url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data.dir.join("didtron.sqlite").display()
            )
        } else {
            url.to_owned()
        }
    }

    /// The Redis URL, when Redis is configured.
    pub fn redis_url(&self) -> Option<&str> {
        Some(self.redis.url.expose_secret()).filter(|u| !u.is_empty())
    }

    /// Whether the platform is served over https (session cookies are then `Secure`).
    pub fn is_https(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    /// The origin (`scheme://host[:port]`) of [`ServerSettings::public_url`], without a path.
    pub fn public_origin(&self) -> &str {
        let url = self.server.public_url.as_str();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        }
    }
}

#[cfg(test)]
mod tests;
