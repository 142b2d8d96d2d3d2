use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A key as the list shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Public prefix, e.g. `dtk_Ab3…`.
    pub prefix: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Created, `YYYY-MM-DD HH:MM UTC`.
    pub created_at: String,
    /// Last used, or `None`.
    pub last_used_at: Option<String>,
    /// Revoked at, or `None` while active.
    pub revoked_at: Option<String>,
}

/// The keys page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysData {
    /// The user's keys, newest first.
    pub keys: Vec<ApiKeyRow>,
    /// (scope, description) the user may choose.
    pub scopes: Vec<(String, String)>,
    /// The per-key request limits, in a sentence.
    pub limits: String,
}

/// A key just created: the token is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    /// The key's name.
    pub name: String,
    /// The full bearer token.
    pub token: String,
}

#[cfg(feature = "ssr")]
async fn me_for_keys() -> Result<services::users::SignedIn, AppError> {
    use domain::access::Role;
    let me = crate::ssr::signed_in().await?;
    match me.role {
        Role::SuperAdmin | Role::Admin | Role::SwitchOperator => Ok(me),
        Role::Customer => crate::ssr::require_feature(domain::features::Feature::ApiAccess).await,
        _ => Err(crate::ssr::fail(AppError::Forbidden)),
    }
}

/// The signed-in user's API keys and the scopes they may choose.
///
/// # Errors
/// `Forbidden` for a customer without the API access feature (audited) and for other roles.
#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<ApiKeysData, AppError> {
    use crate::features::users::api::convert::time;
    use crate::ssr::{fail, services};
    // Context is read before the first database await: a resource's future may be polled
    // later where the render's context is no longer current.
    let svc = services()?;
    let me = me_for_keys().await?;
    let keys = services::api_keys::list_keys(&svc.db, &me.actor())
        .await
        .map_err(fail)?;
    let scopes: Vec<(String, String)> = services::api_keys::SCOPES
        .iter()
        .filter(|s| s.allows(me.role))
        .map(|s| (s.name.to_owned(), s.description.to_owned()))
        .collect();
    let api = &svc.settings.api;
    Ok(ApiKeysData {
        keys: keys
            .into_iter()
            .map(|k| ApiKeyRow {
                id: k.id,
                name: k.name,
                prefix: format!("dtk_{}…", k.key_prefix),
                scopes: k.scopes.split_whitespace().map(str::to_owned).collect(),
                created_at: time(k.created_at),
                last_used_at: k.last_used_at.map(time),
                revoked_at: k.revoked_at.map(time),
            })
            .collect(),
        limits: if scopes.iter().any(|(s, _)| s == "routes:read") {
            format!(
                "Each key may make {} requests per minute, and {} route look-ups (GET /api/v1/routes); more are answered 429 with Retry-After.",
                api.requests_per_minute, api.routes_requests_per_minute
            )
        } else {
            format!(
                "Each key may make {} requests per minute; more are answered 429 with Retry-After.",
                api.requests_per_minute
            )
        },
        scopes,
    })
}

/// Creates a key named `name` with `scopes`; returns its token, shown once.
///
/// # Errors
/// `Validation{name|scopes}`, `Forbidden` without API access.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    scopes: Option<Vec<String>>,
) -> Result<CreatedApiKey, AppError> {
    use crate::ssr::{fail, services};
    // Context is read before the first database await: a resource's future may be polled
    // later where the render's context is no longer current.
    let svc = services()?;
    let me = me_for_keys().await?;
    let created =
        services::api_keys::create_key(&svc.db, &me.actor(), &name, &scopes.unwrap_or_default())
            .await
            .map_err(fail)?;
    Ok(CreatedApiKey {
        name: created.key.name,
        token: created.token,
    })
}

/// Revokes one of the user's keys.
///
/// # Errors
/// `NotFound`, `Forbidden` without API access.
#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    use crate::ssr::{fail, services};
    // Context is read before the first database await: a resource's future may be polled
    // later where the render's context is no longer current.
    let svc = services()?;
    let me = me_for_keys().await?;
    services::api_keys::revoke_key(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)?;
    svc.keys.forget();
    Ok(())
}
