use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Entry id.
    pub id: i64,
    /// When, `YYYY-MM-DD HH:MM:SS UTC`.
    pub at: String,
    /// The tenant's id.
    pub tenant_id: i64,
    /// Who, or `system`.
    pub actor: String,
    /// What, e.g. `update`.
    pub action: String,
    /// Entity type.
    pub entity: String,
    /// Entity id.
    pub entity_id: String,
    /// Changed fields, `field: before → after`.
    pub changes: String,
    /// IP address.
    pub ip: String,
    /// User agent.
    pub user_agent: String,
}

/// One page of entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// Rows of this page, newest first.
    pub rows: Vec<AuditRow>,
    /// Entries matching on all pages.
    pub total: u64,
    /// This page.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// Whether the viewer may see every tenant's entries (the super admin).
    pub may_widen: bool,
}

/// Audit entries matching the filters (`from`/`to` as `YYYY-MM-DD`; `all` = every tenant, super
/// admin only), 50 per page, newest first.
///
/// # Errors
/// `Forbidden` for non-staff, `Validation{from|to}` for a malformed date.
#[server(endpoint = "list_audit")]
#[allow(clippy::too_many_arguments)]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    all: Option<String>,
    page: Option<u64>,
) -> Result<AuditPage, AppError> {
    use crate::features::users::api::convert::activity_row;
    use crate::ssr::{fail, services, signed_in_to};
    use services::ServiceError;
    let me = signed_in_to(domain::access::Portal::Admin).await?;
    let svc = services()?;
    let day = |field: &str, v: Option<String>| -> Result<Option<chrono::NaiveDate>, AppError> {
        match v.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| fail(ServiceError::field(field, "must be a date like 2026-11-29"))),
        }
    };
    let query = services::audit::AuditQuery {
        all_tenants: all.is_some_and(|a| !a.is_empty()),
        actor,
        action,
        entity,
        entity_id,
        from: day("from", from)?,
        to: day("to", to)?,
        page: page.unwrap_or(1),
        per_page: 50,
    };
    let found = services::audit::list_entries(&svc.db, &me.actor(), &query)
        .await
        .map_err(fail)?;
    Ok(AuditPage {
        rows: found
            .items
            .into_iter()
            .map(|e| {
                let (id, tenant_id, entity, entity_id, ua) = (
                    e.id,
                    e.tenant_id,
                    e.entity.clone(),
                    e.entity_id.clone().unwrap_or_default(),
                    e.user_agent.clone().unwrap_or_default(),
                );
                let at = e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
                let a = activity_row(e);
                AuditRow {
                    id,
                    at,
                    tenant_id,
                    actor: a.actor,
                    action: a.action,
                    entity,
                    entity_id,
                    changes: a.changes,
                    ip: a.ip.unwrap_or_default(),
                    user_agent: ua,
                }
            })
            .collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
        may_widen: me.role == domain::access::Role::SuperAdmin,
    })
}
