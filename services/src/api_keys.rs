//! API keys for the REST API (`/api/v1`): created by a user with scopes, shown once, stored as a
//! SHA-256 hash, revocable, with their last use recorded. Requests send
//! `Authorization: Bearer <token>`; [`authenticate`] turns the token into the key's user.
//!
//! Token shape: `dtk_<12 alphanumerics: the key's public prefix>_<32 alphanumerics: the secret>`.
//! The secret has about 190 bits of entropy, so one fast hash is the right store (a password hash
//! would only slow every API call down; see OWASP's API key guidance).

use crate::audit::{Actor, Changes};
use crate::entities::{api_keys, users};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::validate::Checks;
use chrono::Utc;
use domain::access::Role;
use domain::features::Feature;
use rand::Rng;
use rand::distributions::Alphanumeric;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use sha2::{Digest, Sha256};

/// A permission an API key can carry.
#[derive(Debug, Clone, Copy)]
pub struct ApiScope {
    /// The scope's name, e.g. `account:read`.
    pub name: &'static str,
    /// What it allows.
    pub description: &'static str,
    /// Which roles' keys may carry it.
    pub for_role: fn(Role) -> bool,
}

impl ApiScope {
    /// Whether a key of a user with `role` may carry this scope.
    pub fn allows(&self, role: Role) -> bool {
        (self.for_role)(role)
    }
}

fn anyone(_: Role) -> bool {
    true
}

fn staff(role: Role) -> bool {
    role.is_staff()
}

/// Every scope, with the endpoints that need it. Later features add theirs here.
pub const SCOPES: &[ApiScope] = &[
    ApiScope {
        name: "account:read",
        description: "Read the key's own account: user, tenant, customer and its features (GET /api/v1/account)",
        for_role: anyone,
    },
    ApiScope {
        name: "customers:read",
        description: "List the tenant's customers (GET /api/v1/customers)",
        for_role: staff,
    },
    ApiScope {
        name: "cdrs:write",
        description: "Send call detail records to be rated and charged (POST /api/v1/cdrs)",
        for_role: crate::carriers::manages_carriers,
    },
    ApiScope {
        name: "routes:read",
        description: "Look up the ordered carriers and trunks for a number in a tier, for a switch (GET /api/v1/routes)",
        for_role: crate::carriers::manages_carriers,
    },
];

/// A created key: its row and the token, which is shown only this once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The stored key.
    pub key: api_keys::Model,
    /// The full token for the `Authorization: Bearer` header.
    pub token: String,
}

/// The key behind a request, with its user.
#[derive(Debug, Clone)]
pub struct KeyUser {
    /// The key.
    pub key: api_keys::Model,
    /// Its user (active).
    pub user: users::Model,
}

impl KeyUser {
    /// Whether the key carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.key.scopes.split_whitespace().any(|s| s == scope)
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// Who may hold keys: staff, switch operators (for the LCR API), and customer users whose
/// customer has [`Feature::ApiAccess`].
async fn may_hold_keys(db: &DatabaseConnection, actor: &Actor) -> Result<(), ServiceError> {
    match actor.role {
        Role::SuperAdmin | Role::Admin | Role::SwitchOperator => Ok(()),
        Role::Customer => crate::features::require_feature(db, actor, Feature::ApiAccess).await,
        _ => Err(ServiceError::Forbidden),
    }
}

/// Creates a key for the actor with `scopes` (names from [`SCOPES`]).
///
/// # Errors
/// `Validation{name|scopes}` (an unknown scope, a staff-only scope on a customer's key, none
/// chosen), `Forbidden` without API access.
pub async fn create_key(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    scopes: &[String],
) -> Result<CreatedKey, ServiceError> {
    may_hold_keys(db, actor).await?;
    let mut checks = Checks::new();
    let name = checks.text("name", name, 80, true);
    let mut chosen: Vec<&str> = Vec::new();
    for s in scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match SCOPES.iter().find(|scope| scope.name == s) {
            None => checks.fail("scopes", format!("`{s}` is not a scope")),
            Some(scope) if !scope.allows(actor.role) => {
                checks.fail("scopes", format!("`{s}` is not available to your role"));
            }
            Some(scope) => chosen.push(scope.name),
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    let active = scoped::<api_keys::Entity>(actor)
        .filter(api_keys::Column::UserId.eq(actor.user_id))
        .filter(api_keys::Column::RevokedAt.is_null())
        .count(db)
        .await?;
    if active >= MAX_ACTIVE_KEYS {
        checks.fail(
            "name",
            format!("you already have {active} active keys (at most {MAX_ACTIVE_KEYS}): revoke one first"),
        );
    }
    if chosen.is_empty() && checks.is_ok() {
        checks.fail("scopes", "choose at least one scope");
    }
    checks.finish()?;
    let prefix = random(12);
    let token = format!("dtk_{prefix}_{}", random(32));
    let txn = db.begin().await?;
    let key = api_keys::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        user_id: Set(actor.user_id),
        name: Set(name.clone()),
        key_prefix: Set(prefix.clone()),
        secret_hash: Set(hash(&token)),
        scopes: Set(chosen.join(" ")),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(conflict_on("name"))?;
    actor
        .audit(
            &txn,
            "create",
            "api_key",
            key.id,
            Changes::new()
                .field("name", None::<String>, name)
                .field("prefix", None::<String>, prefix)
                .field("scopes", None::<String>, chosen.join(" "))
                .secret("secret"),
        )
        .await?;
    txn.commit().await?;
    Ok(CreatedKey { key, token })
}

/// The actor's keys, newest first (revoked ones included, marked).
///
/// # Errors
/// `Forbidden` without API access.
pub async fn list_keys(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<api_keys::Model>, ServiceError> {
    may_hold_keys(db, actor).await?;
    Ok(scoped::<api_keys::Entity>(actor)
        .filter(api_keys::Column::UserId.eq(actor.user_id))
        .order_by_desc(api_keys::Column::Id)
        .all(db)
        .await?)
}

/// Revokes one of the actor's keys; it stops working at once.
///
/// # Errors
/// `NotFound` (another user's or tenant's key too), `Forbidden` without API access.
pub async fn revoke_key(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<api_keys::Model, ServiceError> {
    may_hold_keys(db, actor).await?;
    let key = find_scoped::<api_keys::Entity>(db, actor, id).await?;
    if key.user_id != actor.user_id {
        return Err(ServiceError::NotFound);
    }
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let txn = db.begin().await?;
    let mut model = key.into_active_model();
    let now = Utc::now();
    model.revoked_at = Set(Some(now));
    let key = model.update(&txn).await?;
    actor
        .audit(
            &txn,
            "revoke",
            "api_key",
            id,
            Changes::new().field("revoked", false, true),
        )
        .await?;
    txn.commit().await?;
    Ok(key)
}

/// The key and user of a bearer `token` presented on `tenant_id`'s host (reads only: call
/// [`record_use`] once the request is admitted).
///
/// # Errors
/// `Unauthorized` with the reason (malformed, unknown, revoked, user disabled) when the token
/// does not authenticate.
pub async fn authenticate(
    db: &DatabaseConnection,
    tenant_id: i64,
    token: &str,
) -> Result<KeyUser, ServiceError> {
    let unauthorized = |m: &str| ServiceError::Unauthorized(m.to_owned());
    let prefix = token
        .strip_prefix("dtk_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(prefix, _)| prefix)
        .ok_or_else(|| {
            unauthorized("malformed API key: expected `Authorization: Bearer dtk_...`")
        })?;
    let key = api_keys::Entity::find()
        .filter(api_keys::Column::KeyPrefix.eq(prefix))
        .filter(api_keys::Column::TenantId.eq(tenant_id))
        .one(db)
        .await?
        .filter(|k| {
            let given = hash(token);
            given.len() == k.secret_hash.len()
                && given
                    .bytes()
                    .zip(k.secret_hash.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
        .ok_or_else(|| unauthorized("unknown API key"))?;
    if key.revoked_at.is_some() {
        return Err(unauthorized("this API key was revoked: create a new one"));
    }
    let user = crate::users::find_active(db, key.user_id)
        .await?
        .ok_or_else(|| unauthorized("the key's user is disabled"))?;
    Ok(KeyUser { key, user })
}

/// How long an authenticated key is remembered ([`KeyCache`]).
pub const KEY_CACHE_SECONDS: u64 = 5;

/// Keys that authenticated, remembered for [`KEY_CACHE_SECONDS`] by tenant and token hash, so
/// a switch asking for routes hundreds of times a second is not looked up in the database each
/// time. Only successes are remembered. This process forgets them all when a key is revoked or
/// a user disabled ([`KeyCache::forget`]); other processes stop accepting such a key within the
/// five seconds.
#[derive(Clone, Debug)]
pub struct KeyCache(moka::future::Cache<(i64, String), KeyUser>);

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache(
            moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_secs(KEY_CACHE_SECONDS))
                .build(),
        )
    }
}

impl KeyCache {
    /// As [`authenticate`], answering from memory when the key authenticated moments ago.
    ///
    /// # Errors
    /// As [`authenticate`].
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        tenant_id: i64,
        token: &str,
    ) -> Result<KeyUser, ServiceError> {
        let key = (tenant_id, hash(token));
        if let Some(hit) = self.0.get(&key).await {
            return Ok(hit);
        }
        let who = authenticate(db, tenant_id, token).await?;
        self.0.insert(key, who.clone()).await;
        Ok(who)
    }

    /// Forgets every remembered key.
    pub fn forget(&self) {
        self.0.invalidate_all();
    }
}

/// Records that an admitted request used the key (its `last_used_at`).
///
/// # Errors
/// Database errors.
pub async fn record_use(db: &DatabaseConnection, who: KeyUser) -> Result<KeyUser, ServiceError> {
    let mut model = who.key.into_active_model();
    model.last_used_at = Set(Some(Utc::now()));
    let key = model.update(db).await?;
    Ok(KeyUser {
        key,
        user: who.user,
    })
}

/// Most active keys one user may hold.
pub const MAX_ACTIVE_KEYS: u64 = 20;
