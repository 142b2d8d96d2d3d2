//! From a request's `Host` to its tenant: host names, the lookup, its per-process cache, and
//! the public host the operator's brand always answers on.

use super::*;

/// The host name of a `Host` header value: lower-case, without port or trailing dot.
pub fn host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let host = if let Some(rest) = host.strip_prefix('[') {
        // [::1]:3000
        rest.split(']').next().unwrap_or_default().to_owned()
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host.clone(), |(h, _)| h.to_owned())
    };
    host.trim_end_matches('.').to_owned()
}

/// The tenant serving `host` (a `Host` header value), or `None` for an unknown site.
///
/// # Errors
/// Database errors.
pub async fn resolve_host(
    db: &impl ConnectionTrait,
    host: &str,
) -> Result<Option<tenants::Model>, ServiceError> {
    let name = host_name(host);
    let Some(domain) = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::Domain.eq(name))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(tenants::Entity::find_by_id(domain.tenant_id)
        .one(db)
        .await?)
}

/// How long a host's tenant is remembered ([`HostCache`]).
pub const HOST_CACHE_SECONDS: u64 = 5;

/// [`resolve_host`] answers (the tenant, or none for an unknown host) remembered for
/// [`HOST_CACHE_SECONDS`], so a burst of API requests does not ask the database for the tenant
/// each time. This process forgets them all when it changes a tenant ([`HostCache::forget`]);
/// other processes see the change within the five seconds.
#[derive(Clone, Debug)]
pub struct HostCache(moka::future::Cache<String, Option<tenants::Model>>);

impl Default for HostCache {
    fn default() -> Self {
        HostCache(
            moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(std::time::Duration::from_secs(HOST_CACHE_SECONDS))
                .build(),
        )
    }
}

impl HostCache {
    /// The tenant serving `host` (as [`resolve_host`]).
    ///
    /// # Errors
    /// Database errors (nothing is remembered then).
    pub async fn resolve(
        &self,
        db: &impl ConnectionTrait,
        host: &str,
    ) -> Result<Option<tenants::Model>, ServiceError> {
        let name = host_name(host);
        if let Some(hit) = self.0.get(&name).await {
            return Ok(hit);
        }
        let found = resolve_host(db, &name).await?;
        self.0.insert(name, found.clone()).await;
        Ok(found)
    }

    /// Forgets every remembered host (after a tenant, its domains or its brand changed).
    pub fn forget(&self) {
        self.0.invalidate_all();
    }
}

/// Maps the host of `public_url` to the operator tenant unless some tenant already serves it, so
/// a fresh installation answers on the address it was configured with.
///
/// # Errors
/// Database errors.
pub async fn ensure_public_host(
    db: &DatabaseConnection,
    public_url: &str,
) -> Result<(), ServiceError> {
    let after = public_url.split_once("://").map_or(public_url, |(_, r)| r);
    let host = host_name(after.split('/').next().unwrap_or_default());
    if host.is_empty() || resolve_host(db, &host).await?.is_some() {
        return Ok(());
    }
    tenant_domains::ActiveModel {
        tenant_id: Set(OPERATOR_TENANT_ID),
        domain: Set(host),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
