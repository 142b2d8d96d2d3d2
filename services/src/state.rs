//! The shared handles every request and job uses: database, settings, limiter, session store.

use crate::rate_limit::{FailureLimiter, Limit, MemoryLimiter, RedisLimiter};
use crate::session_store::{DbSessionStore, RedisSessionStore};
use crate::settings::Settings;
use crate::storage::{LocalDisk, ObjectStore};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret as _;
use std::sync::Arc;
use std::time::Duration;

/// The platform's shared state, cheap to clone.
#[derive(Clone, Debug)]
pub struct Services {
    /// The migrated database.
    pub db: DatabaseConnection,
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// Sign-in failure counters (Redis when configured, else in-process).
    pub limiter: Arc<dyn FailureLimiter>,
    /// Where sessions live.
    pub sessions: SessionBackend,
    /// Requests per API key per minute (Redis when configured, else in-process).
    pub api_limiter: Arc<dyn FailureLimiter>,
    /// Route look-ups per API key per minute, counted apart (Redis when configured).
    pub routes_limiter: Arc<dyn FailureLimiter>,
    /// Public rate look-ups (the price widget) per client IP per minute (Redis when configured).
    pub public_limiter: Arc<dyn FailureLimiter>,
    /// Uploaded files (`<data.dir>/objects`).
    pub objects: Arc<dyn ObjectStore>,
    /// The job queues, in the platform's database.
    pub jobs: crate::jobs::JobStore,
    /// Routing snapshots for the LCR API, kept current in the background.
    pub routes: Arc<crate::routes::RouteCache>,
    /// Hosts' tenants, remembered for a few seconds.
    pub hosts: crate::tenants::HostCache,
    /// Authenticated API keys, remembered for a few seconds.
    pub keys: crate::api_keys::KeyCache,
}

/// Sign-in, API, route look-up and public look-up limiters.
type Limiters = [Arc<dyn FailureLimiter>; 4];

/// The session store in use.
#[derive(Clone, Debug)]
pub enum SessionBackend {
    /// The `sessions` table.
    Database(DbSessionStore),
    /// Redis.
    Redis(RedisSessionStore),
}

impl Services {
    /// Connects to the database (migrating it) and, when configured, to Redis.
    ///
    /// # Errors
    /// A store is unreachable; the message names it.
    pub async fn start(settings: Settings) -> anyhow::Result<Services> {
        let db = crate::db::connect_and_migrate(
            &settings.database_url(),
            settings.database.max_connections,
        )
        .await?;
        Self::with_db(settings, db).await
    }

    /// Builds the state on an already migrated `db`.
    ///
    /// # Errors
    /// Redis is configured but unreachable.
    pub async fn with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Services> {
        // Clients that build rustls with the process' default provider (Stripe's) need one
        // chosen: two are compiled in. Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let per_minute = |n: u32| Limit {
            max_failures: n,
            window: Duration::from_secs(60),
        };
        // (limit, Redis key prefix) of the sign-in, API, route look-up and public limiters.
        let limits = [
            (
                Limit {
                    max_failures: settings.auth.login_max_failures,
                    window: Duration::from_secs(settings.auth.login_window_seconds),
                },
                "didtron:login-failures:",
            ),
            (
                per_minute(settings.api.requests_per_minute),
                "didtron:api-requests:",
            ),
            (
                per_minute(settings.api.routes_requests_per_minute),
                "didtron:api-route-requests:",
            ),
            (
                per_minute(settings.api.public_requests_per_minute),
                "didtron:public-requests:",
            ),
        ];
        let (limiters, sessions): (Limiters, SessionBackend) = match settings.redis_url() {
            Some(url) => {
                let client = redis::Client::open(url).context("redis.url")?;
                let conn = redis::aio::ConnectionManager::new(client)
                    .await
                    .context("connecting to Redis (redis.url)")?;
                (
                    limits.map(|(limit, prefix)| {
                        Arc::new(RedisLimiter::new(limit, conn.clone(), prefix))
                            as Arc<dyn FailureLimiter>
                    }),
                    SessionBackend::Redis(RedisSessionStore::new(conn)),
                )
            }
            None => (
                limits.map(|(limit, _)| {
                    Arc::new(MemoryLimiter::new(limit)) as Arc<dyn FailureLimiter>
                }),
                SessionBackend::Database(DbSessionStore::new(db.clone())),
            ),
        };
        let [limiter, api_limiter, routes_limiter, public_limiter] = limiters;
        crate::tenants::ensure_public_host(&db, &settings.server.public_url)
            .await
            .context("mapping server.public_url's host to the operator tenant")?;
        crate::destinations::seed(&db)
            .await
            .context("seeding the A-Z destinations from the numbering plan")?;
        let objects: Arc<dyn ObjectStore> = if settings.storage.backend == "s3" {
            let s3 = &settings.storage.s3;
            let store = crate::storage::S3Store::new(&crate::storage::S3Config {
                endpoint: s3.endpoint.clone(),
                region: s3.region.clone(),
                bucket: s3.bucket.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.expose_secret().to_owned(),
                path_style: s3.path_style,
            });
            store.check().await?;
            Arc::new(store)
        } else {
            Arc::new(LocalDisk::new(settings.data.dir.join("objects")))
        };
        let jobs = if settings.jobs.store == "memory" {
            crate::jobs::JobStore::memory().await?
        } else {
            crate::jobs::JobStore::open(&db).await?
        };
        Ok(Services {
            routes: crate::routes::RouteCache::start(db.clone()),
            hosts: crate::tenants::HostCache::default(),
            keys: crate::api_keys::KeyCache::default(),
            jobs,
            api_limiter,
            routes_limiter,
            public_limiter,
            objects,
            db,
            settings: Arc::new(settings),
            limiter,
            sessions,
        })
    }
}

#[async_trait::async_trait]
impl tower_sessions::SessionStore for SessionBackend {
    async fn create(
        &self,
        record: &mut tower_sessions::session::Record,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            SessionBackend::Database(s) => s.create(record).await,
            SessionBackend::Redis(s) => s.create(record).await,
        }
    }

    async fn save(
        &self,
        record: &tower_sessions::session::Record,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            SessionBackend::Database(s) => s.save(record).await,
            SessionBackend::Redis(s) => s.save(record).await,
        }
    }

    async fn load(
        &self,
        id: &tower_sessions::session::Id,
    ) -> tower_sessions::session_store::Result<Option<tower_sessions::session::Record>> {
        match self {
            SessionBackend::Database(s) => s.load(id).await,
            SessionBackend::Redis(s) => s.load(id).await,
        }
    }

    async fn delete(
        &self,
        id: &tower_sessions::session::Id,
    ) -> tower_sessions::session_store::Result<()> {
        match self {
            SessionBackend::Database(s) => s.delete(id).await,
            SessionBackend::Redis(s) => s.delete(id).await,
        }
    }
}
