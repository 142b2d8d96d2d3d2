//! Signing in: the password check with its rate limits, the active user of a session, and the
//! signed-in user a request acts as ([`SignedIn`]).

use super::*;

/// Signs a user in: checks the rate limits (per account and per IP), the password and the
/// account's state, and records the attempt.
///
/// # Errors
/// `RateLimited` after `auth.login_max_failures` failures within the window (for the account or
/// the IP); `Unauthorized` for a wrong e-mail or password (one message for both; a user of
/// another tenant is unknown here) or a disabled account.
pub async fn authenticate(
    services: &Services,
    tenant_id: i64,
    email: &str,
    password: &str,
    origin: &Origin,
) -> Result<users::Model, ServiceError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(ServiceError::field("email", "is required"));
    }
    if password.is_empty() {
        return Err(ServiceError::field("password", "is required"));
    }
    let account_key = format!("account:{email}");
    let ip_key = origin.ip.as_ref().map(|ip| format!("ip:{ip}"));
    for key in std::iter::once(&account_key).chain(ip_key.as_ref()) {
        if let Some(retry_after_seconds) = services.limiter.blocked_for(key).await? {
            return Err(ServiceError::RateLimited {
                retry_after_seconds,
            });
        }
    }
    let db = &services.db;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(db)
        .await?
        .filter(|u| belongs_to(u, tenant_id));
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => passwords::dummy_hash().await.to_owned(),
    };
    let matches = passwords::verify(password, &hash).await;
    let Some(user) = user.filter(|_| matches) else {
        services.limiter.record_failure(&account_key).await?;
        if let Some(key) = &ip_key {
            services.limiter.record_failure(key).await?;
        }
        // Only a well-formed address is recorded: people type passwords into the e-mail field.
        let attempted = normalize_email(&email).ok();
        audit::record(
            db,
            tenant_id,
            None,
            attempted.as_deref(),
            origin,
            "sign_in_failed",
            "session",
            None,
            Changes::new(),
        )
        .await?;
        return Err(ServiceError::Unauthorized(
            "wrong e-mail or password".to_owned(),
        ));
    };
    if user.disabled {
        return Err(ServiceError::Unauthorized(
            "this account is disabled: ask your administrator to enable it".to_owned(),
        ));
    }
    services.limiter.reset(&account_key).await?;
    let txn = db.begin().await?;
    let mut model = user.clone().into_active_model();
    let now = Utc::now();
    model.last_login_at = Set(Some(now));
    let user = model.update(&txn).await?;
    audit::record(
        &txn,
        tenant_id,
        Some(user.id),
        Some(&user.email),
        origin,
        "sign_in",
        "session",
        None,
        Changes::new(),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Whether `user` may sign in on `tenant_id`'s domains: only its own tenant's. The super admin
/// belongs to the operator's tenant and manages the others (their settings and first admins)
/// from there, so the operator's password is never typed on a domain a reseller controls.
pub fn belongs_to(user: &users::Model, tenant_id: i64) -> bool {
    user.tenant_id == tenant_id
}

/// The user with `id` if it exists and is not disabled (the check behind every request).
///
/// # Errors
/// Database errors.
pub async fn find_active(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<users::Model>, ServiceError> {
    Ok(users::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| !u.disabled))
}

/// How many users have each role (all roles listed, zero included), for staff dashboards.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn count_by_role(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<(Role, u64)>, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    use sea_orm::QuerySelect;
    let rows: Vec<(String, i64)> = crate::tenancy::scoped::<users::Entity>(actor)
        .select_only()
        .column(users::Column::Role)
        .column_as(users::Column::Id.count(), "n")
        .group_by(users::Column::Role)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Role::ALL
        .into_iter()
        .map(|role| {
            let n = rows
                .iter()
                .find(|(r, _)| r == role.as_str())
                .map_or(0, |(_, n)| *n);
            (role, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}

/// The signed-in user of a request, resolved once per request from the session by the web
/// layer and handed to every use case.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user's row (checked not disabled when the request began).
    pub user: users::Model,
    /// The tenant of the request's host (the user's own, or any for the super admin).
    pub tenant: crate::entities::tenants::Model,
    /// The user's role.
    pub role: Role,
    /// Where the request came from.
    pub origin: Origin,
}

impl SignedIn {
    /// Wraps a user row, the request's tenant and origin.
    pub fn new(
        user: users::Model,
        tenant: crate::entities::tenants::Model,
        origin: Origin,
    ) -> Self {
        let role = role_of(&user);
        Self {
            user,
            tenant,
            role,
            origin,
        }
    }

    /// The actor of this request's use cases.
    pub fn actor(&self) -> Actor {
        Actor {
            tenant_id: self.tenant.id,
            customer_id: self.user.customer_id,
            carrier_id: self.user.carrier_id,
            user_id: self.user.id,
            email: self.user.email.clone(),
            role: self.role,
            ip: self.origin.ip.clone(),
            user_agent: self.origin.user_agent.clone(),
        }
    }
}
