//! Routing snapshots and the route cache that serves the LCR API.
//!
//! A [`RouteSnapshot`] is everything one tenant routes with at one instant: an [`LcrIndex`] over
//! the decks in force, the tiers as the domain routes with them, each carrier's technical prefix
//! and trunks, and the A-Z names. The LCR tester builds one for the instant it is asked about;
//! the [`RouteCache`] keeps one per tenant for "now" and answers switches from memory.
//!
//! Every write to routing data (a carrier, a trunk, a deck activation, a tier, an A-Z import)
//! calls [`changed`] in its transaction: it raises the tenant's counter in `routing_versions`
//! and, on PostgreSQL, sends `NOTIFY didtron_routes` at commit. Each process's cache listens
//! for that notification (and polls the counters every second on SQLite, every 30 s as a
//! safety net on PostgreSQL), rebuilds the snapshots that fell behind in the background and
//! swaps them in; lookups keep using the previous snapshot until then and never wait for a
//! rebuild. A snapshot also expires when a scheduled deck takes effect. At start the watcher
//! builds the snapshot of every tenant with an active deck before the first request asks.

use crate::decks::{in_force, load_deck};
use crate::entities::{
    carrier_trunks as trunks, carriers, destinations as az, rate_decks as decks,
    routing_tiers as tiers, routing_versions as versions,
};
use crate::error::ServiceError;
use crate::tenancy::in_tenant;
use crate::tiers::{FailoverConfig, NEVER_FAIL_OVER, TierInfo};
use chrono::{DateTime, Utc};
use domain::destinations::DestinationIndex;
use domain::lcr::{Carrier, CarrierId, LcrIndex, RoutePlan, RouteQuery, Tier};
use domain::number::{E164, Prefix};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

/// The PostgreSQL channel that carries routing changes (payload: the tenant id, `0` for A-Z).
pub const CHANNEL: &str = "didtron_routes";

/// The `routing_versions` key of the A-Z database shared by every tenant.
pub const AZ: i64 = 0;

/// Records, inside `txn`, that tenant `tenant_id`'s routing data changed (use [`AZ`] for the
/// A-Z destinations): raises its counter and, on PostgreSQL, notifies [`CHANNEL`] (delivered
/// when the transaction commits, so no node rebuilds from uncommitted data).
///
/// # Errors
/// Database errors.
pub async fn changed(txn: &impl ConnectionTrait, tenant_id: i64) -> Result<(), ServiceError> {
    versions::Entity::insert(versions::ActiveModel {
        tenant_id: Set(tenant_id),
        version: Set(1),
        changed_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(versions::Column::TenantId)
            .value(
                versions::Column::Version,
                Expr::col((versions::Entity, versions::Column::Version)).add(1),
            )
            .update_column(versions::Column::ChangedAt)
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), tenant_id.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Every counter: tenant id -> version.
async fn counters(db: &impl ConnectionTrait) -> Result<HashMap<i64, i64>, ServiceError> {
    Ok(versions::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.tenant_id, v.version))
        .collect())
}

/// A trunk as a switch dials it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkAddress {
    /// The trunk's name.
    pub name: String,
    /// IP address or host name.
    pub host: String,
    /// UDP/TCP/TLS port.
    pub port: u16,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Digest user name; empty when the carrier authenticates by IP.
    pub username: String,
    /// `sip:host:port;transport=...`.
    pub uri: String,
}

/// A carrier as routes name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierInfo {
    /// Its database id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Digits sent before the number, e.g. `4021#` (empty for none).
    pub technical_prefix: String,
    /// Its enabled trunks, by name.
    pub trunks: Vec<TrunkAddress>,
}

/// A tier as a snapshot routes with it.
#[derive(Debug, Clone)]
pub struct SnapshotTier {
    /// Its database id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The domain plan (A-Z types already turned into blocked prefixes).
    pub plan: Tier,
    /// Its failover settings as stored.
    pub failover: FailoverConfig,
    /// Whether its card for all customers is public (the public rates endpoint).
    pub public_rates: bool,
}

impl SnapshotTier {
    /// SIP codes that end the call: the four of [`NEVER_FAIL_OVER`] and the tier's own.
    pub fn stop_codes(&self) -> Vec<u16> {
        let mut codes: Vec<u16> = NEVER_FAIL_OVER.to_vec();
        codes.extend(self.failover.stop_on.iter().copied());
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

/// What one tenant routes with at one instant.
#[derive(Debug)]
pub struct RouteSnapshot {
    /// The tenant.
    pub tenant_id: i64,
    /// The instant it was built for.
    pub at: DateTime<Utc>,
    /// The (tenant, A-Z) counters it reflects.
    pub version: (i64, i64),
    /// When a scheduled deck takes effect and the snapshot no longer holds.
    pub valid_until: Option<DateTime<Utc>>,
    /// How long the build took.
    pub build_time: Duration,
    /// The carriers' decks in force, indexed.
    pub index: LcrIndex,
    /// The tenant's tiers by name.
    pub tiers: Vec<SnapshotTier>,
    /// Carriers by their index id (the database id as `u32`).
    pub carriers: HashMap<u32, CarrierInfo>,
    /// Carriers with no deck in force, by name.
    pub without_deck: Vec<String>,
    /// The A-Z database.
    pub az: DestinationIndex,
    /// Sell cards in force: (tier id, customer category id or `None` for all) -> rates.
    pub sell: HashMap<(i64, Option<i64>), domain::deck::RateDeck>,
    /// Rates loaded in all.
    pub rates: usize,
}

fn index_id(id: i64) -> CarrierId {
    CarrierId(u32::try_from(id).unwrap_or(u32::MAX))
}

impl RouteSnapshot {
    /// The tier named `key` (case-insensitive) or with id `key`.
    pub fn tier(&self, key: &str) -> Option<&SnapshotTier> {
        let key = key.trim();
        self.tiers.iter().find(|t| {
            t.name.eq_ignore_ascii_case(key) || key.parse::<i64>().is_ok_and(|id| id == t.id)
        })
    }

    /// The tier with database id `id`.
    pub fn tier_by_id(&self, id: i64) -> Option<&SnapshotTier> {
        self.tiers.iter().find(|t| t.id == id)
    }

    /// The sell card in force for customers of category `category` in tier `tier_id`: the
    /// category's own card, else the card for all customers.
    pub fn sell_for(&self, tier_id: i64, category: Option<i64>) -> Option<&domain::deck::RateDeck> {
        category
            .and_then(|c| self.sell.get(&(tier_id, Some(c))))
            .or_else(|| self.sell.get(&(tier_id, None)))
    }

    /// Routes `number` in `tier` at `at` (which should fall within the snapshot's validity);
    /// `call_id` picks the carrier of a percentage split; with a customer's `sell` card, routes
    /// dearer than its rate are excluded and margin protection applies.
    pub fn route<'a>(
        &'a self,
        tier: &SnapshotTier,
        number: E164,
        at: DateTime<Utc>,
        call_id: &'a str,
        quality: &'a HashMap<CarrierId, domain::lcr::Quality>,
        sell: Option<&'a domain::deck::RateDeck>,
    ) -> RoutePlan<'a> {
        let query = RouteQuery {
            number,
            at,
            call_id,
            sell,
            quality,
            acd_secs: None,
        };
        self.index.route(&tier.plan, &query)
    }

    /// The carrier behind index id `id`.
    pub fn carrier(&self, id: CarrierId) -> Option<&CarrierInfo> {
        self.carriers.get(&id.0)
    }

    /// The carrier's deck currency (ISO 4217).
    pub fn currency(&self, id: CarrierId) -> &'static str {
        self.index
            .carriers()
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.deck.currency().code())
    }
}

/// Builds tenant `tenant_id`'s snapshot for instant `at` from the database.
///
/// # Errors
/// Database errors; `Unexpected` when a stored deck row is invalid.
pub async fn build(
    db: &DatabaseConnection,
    tenant_id: i64,
    at: DateTime<Utc>,
) -> Result<RouteSnapshot, ServiceError> {
    let started = Instant::now();
    // Read the counters first: a change landing during the build leaves the snapshot behind
    // and the next check rebuilds it.
    let counts = counters(db).await?;
    let version = (
        counts.get(&tenant_id).copied().unwrap_or(0),
        counts.get(&AZ).copied().unwrap_or(0),
    );
    let az_index = crate::destinations::index(db).await?;
    let all = in_tenant::<carriers::Entity>(tenant_id)
        .order_by_asc(carriers::Column::Name)
        .all(db)
        .await?;
    let trunk_rows = in_tenant::<trunks::Entity>(tenant_id)
        .filter(trunks::Column::Enabled.eq(true))
        .order_by_asc(trunks::Column::Name)
        .all(db)
        .await?;
    let mut indexed = Vec::new();
    let mut without_deck = Vec::new();
    let mut infos = HashMap::new();
    let mut rates = 0;
    for c in &all {
        let id = index_id(c.id);
        infos.insert(
            id.0,
            CarrierInfo {
                id: c.id,
                name: c.name.clone(),
                technical_prefix: c.technical_prefix.clone(),
                trunks: trunk_rows
                    .iter()
                    .filter(|t| t.carrier_id == c.id)
                    .map(|t| TrunkAddress {
                        name: t.name.clone(),
                        host: t.host.clone(),
                        port: u16::try_from(t.port).unwrap_or(5060),
                        transport: t.transport.clone(),
                        username: t.username.clone(),
                        uri: crate::carriers::sip_uri(&t.host, t.port, &t.transport),
                    })
                    .collect(),
            },
        );
        let Some(deck) = in_force(db, tenant_id, c.id, at).await? else {
            without_deck.push(c.name.clone());
            continue;
        };
        let deck = load_deck(db, &deck)
            .await
            .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("{e}")))?;
        rates += deck.len();
        indexed.push(Carrier {
            id,
            name: c.name.clone(),
            enabled: c.status == "active",
            deck,
        });
    }
    let next_deck = in_tenant::<decks::Entity>(tenant_id)
        .filter(decks::Column::Status.eq("active"))
        .filter(decks::Column::EffectiveFrom.gt(at))
        .order_by_asc(decks::Column::EffectiveFrom)
        .one(db)
        .await?
        .map(|d| d.effective_from);
    let (cards, next_card) = crate::sell_cards::cards_in_force(db, tenant_id, at).await?;
    let valid_until = match (next_deck, next_card) {
        (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
        (a, b) => a.or(b),
    };
    let mut sell = HashMap::new();
    for card in &cards {
        sell.insert(
            (card.tier_id, card.category_id),
            crate::sell_cards::load_card(db, card).await?,
        );
    }
    let infos_of_tiers: Vec<TierInfo> = in_tenant::<tiers::Entity>(tenant_id)
        .order_by_asc(tiers::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(TierInfo::from_row)
        .collect();
    // The prefixes of every A-Z type some tier blocks.
    let kinds: HashSet<&str> = infos_of_tiers
        .iter()
        .flat_map(|t| t.blocked_kinds.iter().map(|k| k.as_str()))
        .collect();
    let blocked_kinds: Vec<(String, Prefix)> = if kinds.is_empty() {
        Vec::new()
    } else {
        az::Entity::find()
            .filter(az::Column::Kind.is_in(kinds))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|d| Some((d.kind, Prefix::parse(&d.prefix).ok()?)))
            .collect()
    };
    let carrier_ids: Vec<i64> = all.iter().map(|c| c.id).collect();
    let tiers = infos_of_tiers
        .iter()
        .map(|t| {
            let extra = blocked_kinds
                .iter()
                .filter(|(kind, _)| t.blocked_kinds.iter().any(|k| k.as_str() == kind))
                .map(|(_, p)| *p)
                .collect();
            SnapshotTier {
                id: t.row.id,
                name: t.row.name.clone(),
                plan: t.to_tier(&carrier_ids, extra),
                failover: t.failover.clone(),
                public_rates: t.row.public_rates,
            }
        })
        .collect();
    let index = tokio::task::spawn_blocking(move || LcrIndex::new(indexed))
        .await
        .map_err(|e| ServiceError::Unexpected(e.into()))?;
    Ok(RouteSnapshot {
        tenant_id,
        at,
        version,
        valid_until,
        build_time: started.elapsed(),
        index,
        tiers,
        carriers: infos,
        without_deck,
        az: az_index,
        sell,
        rates,
    })
}

/// One snapshot per tenant for "now", kept current in the background (see the module docs).
/// Cheap to share: hold it in an `Arc`.
#[derive(Debug)]
pub struct RouteCache {
    db: DatabaseConnection,
    snapshots: RwLock<HashMap<i64, Arc<RouteSnapshot>>>,
    /// Serialises first builds, so a burst of requests for a cold tenant builds once.
    first: tokio::sync::Mutex<()>,
    /// Snapshot (re)builds so far, for tests and the status line.
    builds: Mutex<u64>,
}

impl RouteCache {
    /// A cache over `db` with its watcher task running (it stops when the cache is dropped).
    /// The watcher listens on [`CHANNEL`] on PostgreSQL and polls the counters: every second
    /// on SQLite, every 30 s on PostgreSQL (in case a notification was missed while the
    /// listening connection was down).
    pub fn start(db: DatabaseConnection) -> Arc<RouteCache> {
        let cache = Arc::new(RouteCache {
            db,
            snapshots: RwLock::new(HashMap::new()),
            first: tokio::sync::Mutex::new(()),
            builds: Mutex::new(0),
        });
        tokio::spawn(watch(Arc::downgrade(&cache)));
        cache
    }

    /// Tenant `tenant_id`'s current snapshot; built now (waiting) only the first time, after
    /// which rebuilds happen in the background.
    ///
    /// # Errors
    /// The first build failed (database errors).
    pub async fn snapshot(&self, tenant_id: i64) -> Result<Arc<RouteSnapshot>, ServiceError> {
        if let Some(s) = self.cached(tenant_id) {
            return Ok(s);
        }
        let _only_one = self.first.lock().await;
        if let Some(s) = self.cached(tenant_id) {
            return Ok(s);
        }
        let s = Arc::new(build(&self.db, tenant_id, Utc::now()).await?);
        self.store(s.clone());
        Ok(s)
    }

    /// The snapshot held for the tenant, if any (never builds).
    pub fn cached(&self, tenant_id: i64) -> Option<Arc<RouteSnapshot>> {
        self.snapshots
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&tenant_id)
            .cloned()
    }

    /// How many snapshots were built so far.
    pub fn builds(&self) -> u64 {
        *self
            .builds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn store(&self, snapshot: Arc<RouteSnapshot>) {
        *self
            .builds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        tracing::info!(
            tenant = snapshot.tenant_id,
            version = ?snapshot.version,
            rates = snapshot.rates,
            ms = snapshot.build_time.as_millis() as u64,
            "route snapshot built"
        );
        self.snapshots
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(snapshot.tenant_id, snapshot);
    }

    /// Builds the snapshot of every tenant with an active deck, so the first switch request
    /// after a start does not wait for it (requests that come meanwhile wait for this build
    /// rather than start their own).
    ///
    /// # Errors
    /// Database errors.
    async fn warm(&self) -> Result<(), ServiceError> {
        let tenants: Vec<i64> = decks::Entity::find()
            .select_only()
            .column(decks::Column::TenantId)
            .distinct()
            .filter(decks::Column::Status.eq("active"))
            .into_tuple()
            .all(&self.db)
            .await?;
        for tenant in tenants {
            self.snapshot(tenant).await?;
        }
        Ok(())
    }

    /// Whether some held snapshot is past its validity (a scheduled deck took effect).
    fn expired(&self) -> bool {
        let now = Utc::now();
        self.snapshots
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .any(|s| s.valid_until.is_some_and(|t| t <= now))
    }

    /// Rebuilds every held snapshot that is behind its counters or past its validity.
    ///
    /// # Errors
    /// Database errors (the stale snapshots stay in use).
    pub async fn refresh(&self) -> Result<(), ServiceError> {
        let held: Vec<Arc<RouteSnapshot>> = self
            .snapshots
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        let counts = counters(&self.db).await?;
        let now = Utc::now();
        for s in held {
            let want = (
                counts.get(&s.tenant_id).copied().unwrap_or(0),
                counts.get(&AZ).copied().unwrap_or(0),
            );
            if want != s.version || s.valid_until.is_some_and(|t| t <= now) {
                let fresh = build(&self.db, s.tenant_id, Utc::now()).await?;
                self.store(Arc::new(fresh));
            }
        }
        Ok(())
    }
}

/// The watcher: wakes on a notification or the poll tick and refreshes the cache, until the
/// cache is dropped (noticed within a second, which also closes the listening connection).
async fn watch(cache: Weak<RouteCache>) {
    if let Some(c) = cache.upgrade()
        && let Err(e) = c.warm().await
    {
        tracing::warn!(error = %e, "building route snapshots at start");
    }
    let mut listener = match cache.upgrade() {
        Some(c) if c.db.get_database_backend() == DatabaseBackend::Postgres => {
            let pool = c.db.get_postgres_connection_pool().clone();
            drop(c);
            listen(&pool).await
        }
        Some(_) => None,
        None => return,
    };
    let mut since_poll = Duration::ZERO;
    loop {
        let tick = Duration::from_secs(1);
        let mut wake = false;
        match listener.as_mut() {
            Some(l) => {
                tokio::select! {
                    n = l.try_recv() => match n {
                        Ok(_) => wake = true,
                        Err(e) => {
                            tracing::warn!(error = %e, "route notifications lost: polling every second");
                            listener = None;
                        }
                    },
                    () = tokio::time::sleep(tick) => since_poll += tick,
                }
            }
            None => {
                tokio::time::sleep(tick).await;
                since_poll += tick;
            }
        }
        let Some(c) = cache.upgrade() else { return };
        // With a listener, poll only every 30 s in case a notification was missed; a snapshot
        // whose scheduled deck took effect is rebuilt within the second either way.
        let due = listener.is_none() || since_poll >= Duration::from_secs(30);
        if wake || due || c.expired() {
            since_poll = Duration::ZERO;
            if let Err(e) = c.refresh().await {
                tracing::warn!(error = %e, "refreshing route snapshots");
            }
        }
    }
}

async fn listen(pool: &sqlx::PgPool) -> Option<sqlx::postgres::PgListener> {
    let mut l = match sqlx::postgres::PgListener::connect_with(pool).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "no connection to LISTEN on: polling every second");
            return None;
        }
    };
    match l.listen(CHANNEL).await {
        Ok(()) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "LISTEN {CHANNEL} failed: polling every second");
            None
        }
    }
}
