use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A tenant as its pages show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantItem {
    /// Id (0 for a new one).
    pub id: i64,
    /// Brand name.
    pub name: String,
    /// Short id.
    pub slug: String,
    /// Host names, one per line.
    pub domains: Vec<String>,
    /// `#RRGGBB`.
    pub primary_color: String,
    /// Support e-mail.
    pub support_email: String,
    /// ISO 4217 code.
    pub default_currency: String,
    /// Whether it has a logo.
    pub has_logo: bool,
    /// Whether the viewer is the operator (may change domains and the short id, add admins).
    pub operator: bool,
    /// Its admins as (id, e-mail, name).
    pub admins: Vec<(i64, String, String)>,
}

#[cfg(feature = "ssr")]
fn item(t: services::tenants::Tenant) -> TenantItem {
    TenantItem {
        operator: false,
        admins: Vec::new(),
        id: t.row.id,
        name: t.row.name,
        slug: t.row.slug,
        domains: t.domains,
        primary_color: t.row.primary_color,
        support_email: t.row.support_email,
        default_currency: t.row.default_currency,
        has_logo: t.row.logo_key.is_some(),
    }
}

/// The tenants the user may see (the super admin: all; a tenant admin: its own).
///
/// # Errors
/// `Forbidden` for non-staff.
#[server(endpoint = "list_tenants")]
pub async fn list_tenants() -> Result<Vec<TenantItem>, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    Ok(services::tenants::list_tenants(&svc.db, &me.actor())
        .await
        .map_err(fail)?
        .into_iter()
        .map(item)
        .collect())
}

/// One tenant.
///
/// # Errors
/// `NotFound` (another tenant for a tenant admin too).
#[server(endpoint = "get_tenant")]
pub async fn get_tenant(id: i64) -> Result<TenantItem, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let actor = me.actor();
    let mut tenant = services::tenants::get_tenant(&svc.db, &actor, id)
        .await
        .map(item)
        .map_err(fail)?;
    tenant.operator = me.role == domain::access::Role::SuperAdmin;
    tenant.admins = services::tenants::tenant_admins(&svc.db, &actor, id)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|u| (u.id, u.email, u.display_name))
        .collect();
    Ok(tenant)
}

/// Adds an admin to tenant `tenant_id` (the super admin only).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Validation` naming each bad field, `Conflict{email}`.
#[server(endpoint = "add_tenant_admin")]
pub async fn add_tenant_admin(
    tenant_id: i64,
    email: String,
    display_name: String,
    password: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let user = services::tenants::add_tenant_admin(
        &svc.db,
        &me.actor(),
        tenant_id,
        &email,
        &display_name,
        &password,
    )
    .await
    .map_err(fail)?;
    Ok(user.id)
}

/// Creates (`id` 0) or updates a tenant, then opens its page.
///
/// # Errors
/// `Validation` naming each bad field (a domain of another tenant, a colour that is not a
/// colour, an unknown currency), `Conflict{slug}`, `NotFound`, `Forbidden`.
#[server(endpoint = "save_tenant")]
pub async fn save_tenant(
    id: i64,
    name: String,
    slug: String,
    domains: String,
    primary_color: String,
    support_email: String,
    default_currency: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let input = services::tenants::TenantInput {
        name,
        slug,
        domains,
        primary_color,
        support_email,
        default_currency,
    };
    let saved = if id == 0 {
        services::tenants::create_tenant(&svc.db, &me.actor(), input).await
    } else {
        services::tenants::update_tenant(&svc.db, &me.actor(), id, input).await
    }
    .map_err(fail)?;
    svc.hosts.forget();
    leptos_axum::redirect(&format!("/admin/tenants/{}?saved=1", saved.row.id));
    Ok(saved.row.id)
}
