//! White-label tenants: the brands DIDTron is sold under. The request's Host picks the tenant
//! ([`resolve_host`]); its users, customers and carriers belong to it. The super admin manages
//! every tenant; a tenant's admins see and edit only their own.

use crate::audit::{Actor, Changes};
use crate::entities::{tenant_domains, tenants};
use crate::error::{ServiceError, conflict_on};
use crate::storage::ObjectStore;
use crate::validate::Checks;
use chrono::Utc;
use domain::access::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, TransactionTrait,
};

mod hosts;

pub use hosts::{HOST_CACHE_SECONDS, HostCache, ensure_public_host, host_name, resolve_host};

/// The tenant that always exists: the operator's own brand.
pub const OPERATOR_TENANT_ID: i64 = 1;

/// Largest logo accepted, in bytes (2 MiB).
pub const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;

/// A tenant with its domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The tenant's row.
    pub row: tenants::Model,
    /// Its host names, sorted.
    pub domains: Vec<String>,
}

/// The form of a tenant.
#[derive(Debug, Clone, Default)]
pub struct TenantInput {
    /// Brand name shown in the header and page titles.
    pub name: String,
    /// Short id: lower-case letters, digits and `-`.
    pub slug: String,
    /// Host names, separated by commas, spaces or new lines (ports are ignored).
    pub domains: String,
    /// Primary colour: any CSS colour (`#0EA5E9`, `rgb(14 165 233)`, `teal`), stored as `#RRGGBB`.
    pub primary_color: String,
    /// Where customers write for help.
    pub support_email: String,
    /// ISO 4217 code of new customers' billing currency.
    pub default_currency: String,
}

fn parse_domains(checks: &mut Checks, text: &str) -> Vec<String> {
    let mut domains: Vec<String> = text
        .split([',', ' ', '\n', '\r', '\t'])
        .filter(|d| !d.trim().is_empty())
        .map(host_name)
        .collect();
    domains.sort();
    domains.dedup();
    if domains.is_empty() {
        checks.fail(
            "domains",
            "is required: at least one host name, like portal.example.com",
        );
    }
    for d in &domains {
        let ok = d.len() <= 253
            && d.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            checks.fail(
                "domains",
                format!("`{d}` is not a host name (like portal.example.com)"),
            );
        }
    }
    domains
}

/// Parses any CSS colour into `#RRGGBB` (upper-case).
///
/// # Errors
/// A message for the `primary_color` field.
pub fn parse_color(text: &str) -> Result<String, String> {
    let text = text.trim();
    match csscolorparser::parse(text) {
        Ok(c) if c.a >= 1.0 => {
            let [r, g, b, _] = c.to_rgba8();
            Ok(format!("#{r:02X}{g:02X}{b:02X}"))
        }
        Ok(_) => Err("must be opaque (no transparency)".to_owned()),
        Err(_) => Err(format!(
            "`{text}` is not a colour: use #RRGGBB (like #2563EB) or a CSS colour name"
        )),
    }
}

/// A darker shade of a `#RRGGBB` colour (85 %), for hover states.
pub fn hover_color(hex: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    let dark = |c: u8| (u16::from(c) * 85 / 100) as u8;
    format!(
        "#{:02X}{:02X}{:02X}",
        dark(channel(1)),
        dark(channel(3)),
        dark(channel(5))
    )
}

struct Checked {
    name: String,
    slug: String,
    domains: Vec<String>,
    primary_color: String,
    support_email: String,
    default_currency: String,
}

fn check(input: &TenantInput) -> Result<Checked, ServiceError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, 120, true);
    let slug = checks.text("slug", &input.slug, 63, true).to_lowercase();
    if !slug.is_empty()
        && !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        checks.fail("slug", "may contain only lower-case letters, digits and -");
    }
    let domains = parse_domains(&mut checks, &input.domains);
    let primary_color = parse_color(&input.primary_color)
        .map_err(|m| checks.fail("primary_color", m))
        .unwrap_or_default();
    let support_email = checks.email("support_email", &input.support_email, true);
    let default_currency = checks.currency("default_currency", &input.default_currency);
    checks.finish()?;
    Ok(Checked {
        name,
        slug,
        domains,
        primary_color,
        support_email,
        default_currency,
    })
}

async fn domains_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<Vec<String>, ServiceError> {
    Ok(tenant_domains::Entity::find()
        .filter(tenant_domains::Column::TenantId.eq(tenant_id))
        .order_by_asc(tenant_domains::Column::Domain)
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.domain)
        .collect())
}

/// Replaces a tenant's domains; a domain of another tenant is a `Conflict{domains}` naming it.
async fn store_domains(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    domains: &[String],
) -> Result<(), ServiceError> {
    let taken = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::Domain.is_in(domains.iter().cloned()))
        .filter(tenant_domains::Column::TenantId.ne(tenant_id))
        .one(db)
        .await?;
    if let Some(taken) = taken {
        return Err(ServiceError::field(
            "domains",
            &format!("`{}` already serves another tenant", taken.domain),
        ));
    }
    tenant_domains::Entity::delete_many()
        .filter(tenant_domains::Column::TenantId.eq(tenant_id))
        .exec(db)
        .await?;
    tenant_domains::Entity::insert_many(domains.iter().map(|d| tenant_domains::ActiveModel {
        tenant_id: Set(tenant_id),
        domain: Set(d.clone()),
        ..Default::default()
    }))
    .exec(db)
    .await
    .map_err(conflict_on("domains"))?;
    Ok(())
}

/// Whether the actor may see tenant `id`: the super admin any, staff their own.
fn visible(actor: &Actor, id: i64) -> bool {
    actor.role == Role::SuperAdmin || (actor.role.is_staff() && actor.tenant_id == id)
}

/// Every tenant the actor may see (the super admin: all; a tenant admin: its own), by name.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_tenants(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<Tenant>, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let mut select = tenants::Entity::find().order_by_asc(tenants::Column::Name);
    if actor.role != Role::SuperAdmin {
        select = select.filter(tenants::Column::Id.eq(actor.tenant_id));
    }
    let rows = select.all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let domains = domains_of(db, row.id).await?;
        out.push(Tenant { row, domains });
    }
    Ok(out)
}

/// One tenant with its domains.
///
/// # Errors
/// `NotFound` when it does not exist or the actor may not see it.
pub async fn get_tenant(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<Tenant, ServiceError> {
    if !visible(actor, id) {
        return Err(ServiceError::NotFound);
    }
    let row = tenants::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let domains = domains_of(db, id).await?;
    Ok(Tenant { row, domains })
}

/// Creates a tenant (super admin only).
///
/// # Errors
/// `Validation` naming each bad field (a domain of another tenant included), `Conflict{slug}`,
/// `Forbidden`.
pub async fn create_tenant(
    db: &DatabaseConnection,
    actor: &Actor,
    input: TenantInput,
) -> Result<Tenant, ServiceError> {
    if actor.role != Role::SuperAdmin {
        return Err(ServiceError::Forbidden);
    }
    let c = check(&input)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = tenants::ActiveModel {
        slug: Set(c.slug.clone()),
        name: Set(c.name.clone()),
        primary_color: Set(c.primary_color.clone()),
        support_email: Set(c.support_email.clone()),
        default_currency: Set(c.default_currency.clone()),
        logo_key: Set(None),
        logo_content_type: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(conflict_on("slug"))?;
    store_domains(&txn, row.id, &c.domains).await?;
    actor
        .audit(
            &txn,
            "create",
            "tenant",
            row.id,
            Changes::new()
                .field("name", None::<String>, c.name)
                .field("slug", None::<String>, c.slug)
                .field("domains", None::<String>, c.domains.join(", "))
                .field("primary_color", None::<String>, c.primary_color)
                .field("support_email", None::<String>, c.support_email)
                .field("default_currency", None::<String>, c.default_currency),
        )
        .await?;
    txn.commit().await?;
    Ok(Tenant {
        row,
        domains: c.domains,
    })
}

/// Updates a tenant: the super admin any, a tenant admin its own name, colour, support e-mail
/// and currency (domains and the short id decide which host serves which brand: only the
/// operator changes them).
///
/// # Errors
/// `Validation` (a tenant admin changing `domains` or `slug` included), `Conflict{slug}`,
/// `NotFound` (another tenant's id for a tenant admin).
pub async fn update_tenant(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: TenantInput,
) -> Result<Tenant, ServiceError> {
    let before = get_tenant(db, actor, id).await?;
    let c = check(&input)?;
    if actor.role != Role::SuperAdmin {
        let mut refused = Vec::new();
        if c.domains != before.domains {
            refused.push(crate::FieldError::new(
                "domains",
                "can be changed only by the platform operator: ask them to add or remove a domain",
            ));
        }
        if c.slug != before.row.slug {
            refused.push(crate::FieldError::new(
                "slug",
                "can be changed only by the platform operator",
            ));
        }
        if !refused.is_empty() {
            return Err(ServiceError::Validation(refused));
        }
    }
    let txn = db.begin().await?;
    let mut model = before.row.clone().into_active_model();
    model.name = Set(c.name.clone());
    model.slug = Set(c.slug.clone());
    model.primary_color = Set(c.primary_color.clone());
    model.support_email = Set(c.support_email.clone());
    model.default_currency = Set(c.default_currency.clone());
    model.updated_at = Set(Utc::now());
    let row = model.update(&txn).await.map_err(conflict_on("slug"))?;
    store_domains(&txn, id, &c.domains).await?;
    let b = &before.row;
    actor
        .audit(
            &txn,
            "update",
            "tenant",
            id,
            Changes::new()
                .field("name", b.name.clone(), c.name)
                .field("slug", b.slug.clone(), c.slug)
                .field("domains", before.domains.join(", "), c.domains.join(", "))
                .field("primary_color", b.primary_color.clone(), c.primary_color)
                .field("support_email", b.support_email.clone(), c.support_email)
                .field(
                    "default_currency",
                    b.default_currency.clone(),
                    c.default_currency,
                ),
        )
        .await?;
    txn.commit().await?;
    Ok(Tenant {
        row,
        domains: c.domains,
    })
}

/// The staff users (admins) of tenant `id`, by e-mail: the super admin sees any tenant's, a
/// tenant admin its own.
///
/// # Errors
/// `NotFound` when the actor may not see the tenant.
pub async fn tenant_admins(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<Vec<crate::entities::users::Model>, ServiceError> {
    use crate::entities::users;
    get_tenant(db, actor, id).await?;
    Ok(crate::tenancy::in_tenant::<users::Entity>(id)
        .filter(users::Column::Role.is_in([Role::Admin.as_str(), Role::SuperAdmin.as_str()]))
        .order_by_asc(users::Column::Email)
        .all(db)
        .await?)
}

/// Creates an admin (role `admin`) of tenant `id`: how the operator gives a new brand its first
/// administrator, who then manages the brand's users and customers on its own domains.
///
/// # Errors
/// `Forbidden` unless the actor is the super admin; `NotFound`; `Validation` naming each bad
/// field; `Conflict{email}`.
pub async fn add_tenant_admin(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<crate::entities::users::Model, ServiceError> {
    if actor.role != Role::SuperAdmin {
        return Err(ServiceError::Forbidden);
    }
    get_tenant(db, actor, id).await?;
    let in_that_tenant = Actor {
        tenant_id: id,
        ..actor.clone()
    };
    crate::users::create_user(
        db,
        &in_that_tenant,
        crate::users::NewUser {
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            role: Role::Admin.as_str().to_owned(),
            password: password.to_owned(),
            customer_id: None,
            carrier_id: None,
        },
    )
    .await
}

/// A fresh object key for a tenant's logo: each upload gets its own, and the row switches to it
/// in the same transaction as its audit entry, so a failed save never serves a new image under
/// the old content type.
fn logo_key(tenant_id: i64) -> String {
    format!("tenants/{tenant_id}/logo-{:016x}", rand::random::<u64>())
}

/// Stores a new logo for tenant `id`: PNG, JPEG, GIF or WebP (recognised by its content, not its
/// name), at most [`MAX_LOGO_BYTES`].
///
/// # Errors
/// `Validation{logo}` for an empty, oversized or non-image file; `NotFound`; storage errors.
pub async fn set_logo(
    db: &DatabaseConnection,
    objects: &dyn ObjectStore,
    actor: &Actor,
    id: i64,
    bytes: Vec<u8>,
) -> Result<Tenant, ServiceError> {
    let before = get_tenant(db, actor, id).await?;
    if bytes.is_empty() {
        return Err(ServiceError::field(
            "logo",
            "is required: choose an image file",
        ));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ServiceError::field(
            "logo",
            &format!(
                "is {:.1} MB: at most 2 MB is accepted; export a smaller PNG or WebP",
                bytes.len() as f64 / 1_048_576.0
            ),
        ));
    }
    let mime = match infer::get(&bytes).map(|t| t.mime_type()) {
        Some(m @ ("image/png" | "image/jpeg" | "image/gif" | "image/webp")) => m,
        _ => {
            return Err(ServiceError::field(
                "logo",
                "is not a PNG, JPEG, GIF or WebP image",
            ));
        }
    };
    let key = logo_key(id);
    objects.put(&key, bytes).await?;
    let old_key = before.row.logo_key.clone();
    let txn = db.begin().await?;
    let mut model = before.row.clone().into_active_model();
    model.logo_key = Set(Some(key.clone()));
    model.logo_content_type = Set(Some(mime.to_owned()));
    model.updated_at = Set(Utc::now());
    let row = model.update(&txn).await?;
    actor
        .audit(
            &txn,
            "set_logo",
            "tenant",
            id,
            Changes::new().field("logo", before.row.logo_content_type, mime),
        )
        .await?;
    if let Err(e) = txn.commit().await {
        let _ = objects.delete(&key).await;
        return Err(e.into());
    }
    if let Some(old) = old_key {
        // The old image is no longer referenced; a failure here only leaves a stray file.
        if let Err(e) = objects.delete(&old).await {
            tracing::warn!(error = ?e, key = old, "deleting a replaced logo");
        }
    }
    Ok(Tenant {
        row,
        domains: before.domains,
    })
}

/// The logo of `tenant` as (content type, bytes), when it has one.
///
/// # Errors
/// Storage errors.
pub async fn logo(
    objects: &dyn ObjectStore,
    tenant: &tenants::Model,
) -> Result<Option<(String, Vec<u8>)>, ServiceError> {
    let (Some(key), Some(mime)) = (&tenant.logo_key, &tenant.logo_content_type) else {
        return Ok(None);
    };
    Ok(objects.get(key).await?.map(|b| (mime.clone(), b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_drop_ports_case_and_trailing_dots() {
        assert_eq!(host_name("Portal.Example.com:8443"), "portal.example.com");
        assert_eq!(host_name("127.0.0.1:3000"), "127.0.0.1");
        assert_eq!(host_name("example.com."), "example.com");
        assert_eq!(host_name("[::1]:3000"), "::1");
    }

    #[test]
    fn colours_are_normalised_or_refused() {
        assert_eq!(parse_color("#0ea5e9"), Ok("#0EA5E9".to_owned()));
        assert_eq!(parse_color("red"), Ok("#FF0000".to_owned()));
        assert_eq!(parse_color("#fff"), Ok("#FFFFFF".to_owned()));
        assert!(parse_color("blurple").unwrap_err().contains("not a colour"));
        assert!(parse_color("rgba(0,0,0,0.5)").is_err());
        assert_eq!(hover_color("#2563EB"), "#1F54C7");
    }
}
