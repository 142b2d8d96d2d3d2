//! The audit log: every write records who did what to which object, from where, in the same
//! transaction as the write itself.

use crate::entities::audit_log;
use chrono::Utc;
use domain::access::Role;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Map, Value, json};

/// Who performs a use case, and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The tenant the request is served for (from its Host): every query of the use case is
    /// scoped to it.
    pub tenant_id: i64,
    /// The signed-in user's id.
    pub user_id: i64,
    /// The signed-in user's e-mail (kept on the entry even if the user is renamed later).
    pub email: String,
    /// The signed-in user's role.
    pub role: Role,
    /// The customer a `customer` user belongs to.
    pub customer_id: Option<i64>,
    /// The carrier a `carrier` user belongs to.
    pub carrier_id: Option<i64>,
    /// The client's IP address, when known.
    pub ip: Option<String>,
    /// The client's User-Agent header, when sent (cut to 512 characters).
    pub user_agent: Option<String>,
}

/// Where an anonymous action (a sign-in) came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The client's IP address.
    pub ip: Option<String>,
    /// The client's User-Agent header.
    pub user_agent: Option<String>,
}

/// The changed fields of a write: field -> `{"before": .., "after": ..}`.
#[derive(Debug, Default, Clone)]
pub struct Changes(Map<String, Value>);

impl Changes {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a field going from `before` to `after`; equal values are skipped.
    pub fn field(mut self, name: &str, before: impl Into<Value>, after: impl Into<Value>) -> Self {
        let (before, after) = (before.into(), after.into());
        if before != after {
            self.0
                .insert(name.to_owned(), json!({ "before": before, "after": after }));
        }
        self
    }

    /// Records that a secret field changed, without its values.
    pub fn secret(mut self, name: &str) -> Self {
        self.0
            .insert(name.to_owned(), json!({ "before": "***", "after": "***" }));
        self
    }
}

/// Appends one entry. Call it on the write's transaction so both land or neither does.
///
/// # Errors
/// Database errors.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &impl ConnectionTrait,
    tenant_id: i64,
    actor_user_id: Option<i64>,
    actor_email: Option<&str>,
    origin: &Origin,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    changes: Changes,
) -> Result<(), sea_orm::DbErr> {
    let entry = audit_log::ActiveModel {
        tenant_id: Set(tenant_id),
        actor_user_id: Set(actor_user_id),
        actor_email: Set(actor_email.map(str::to_owned)),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        changes: Set(Value::Object(changes.0).to_string()),
        ip: Set(origin.ip.clone()),
        user_agent: Set(origin
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(512).collect())),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    audit_log::Entity::insert(entry).exec(conn).await?;
    Ok(())
}

impl Actor {
    /// Where this actor acts from.
    pub fn origin(&self) -> Origin {
        Origin {
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
        }
    }

    /// Appends an entry for a write by this actor.
    ///
    /// # Errors
    /// Database errors.
    pub async fn audit(
        &self,
        conn: &impl ConnectionTrait,
        action: &str,
        entity: &str,
        entity_id: impl ToString,
        changes: Changes,
    ) -> Result<(), sea_orm::DbErr> {
        record(
            conn,
            self.tenant_id,
            Some(self.user_id),
            Some(&self.email),
            &self.origin(),
            action,
            entity,
            Some(entity_id.to_string()),
            changes,
        )
        .await
    }
}

/// Which entries [`recent`] returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries about this entity type and id, e.g. (`user`, `7`).
    pub entity: Option<(String, String)>,
    /// Only entries by this user.
    pub actor_user_id: Option<i64>,
}

/// The newest `limit` entries of tenant `tenant_id` matching `filter`, newest first.
///
/// # Errors
/// Database errors.
pub async fn recent(
    conn: &impl ConnectionTrait,
    tenant_id: i64,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut select = crate::tenancy::in_tenant::<audit_log::Entity>(tenant_id);
    if let Some((entity, id)) = &filter.entity {
        select = select
            .filter(audit_log::Column::Entity.eq(entity.as_str()))
            .filter(audit_log::Column::EntityId.eq(id.as_str()));
    }
    if let Some(actor) = filter.actor_user_id {
        select = select.filter(audit_log::Column::ActorUserId.eq(actor));
    }
    select
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Filters of the audit log page and its CSV export.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this tenant's entries. Staff of a tenant always get their own tenant; the super admin
    /// gets the request's tenant unless `all_tenants` is set.
    pub all_tenants: bool,
    /// Text in the actor's e-mail (case-insensitive).
    pub actor: Option<String>,
    /// Exact action, e.g. `update`.
    pub action: Option<String>,
    /// Exact entity type, e.g. `customer`.
    pub entity: Option<String>,
    /// Exact entity id.
    pub entity_id: Option<String>,
    /// From this day (UTC, inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// Up to this day (UTC, inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1-500).
    pub per_page: u64,
}

fn audit_select(
    actor: &Actor,
    q: &AuditQuery,
) -> Result<sea_orm::Select<audit_log::Entity>, crate::ServiceError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if !actor.role.is_staff() {
        return Err(crate::ServiceError::Forbidden);
    }
    let mut select = audit_log::Entity::find();
    if !(q.all_tenants && actor.role == Role::SuperAdmin) {
        select = select.filter(audit_log::Column::TenantId.eq(actor.tenant_id));
    }
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    if let Some(a) = text(&q.actor) {
        // `%` and `_` typed in the filter are literal characters, not wildcards.
        let escaped = a
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        select = select.filter(
            audit_log::Column::ActorEmail
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(a) = text(&q.action) {
        select = select.filter(audit_log::Column::Action.eq(a));
    }
    if let Some(e) = text(&q.entity) {
        select = select.filter(audit_log::Column::Entity.eq(e));
    }
    if let Some(id) = text(&q.entity_id) {
        select = select.filter(audit_log::Column::EntityId.eq(id));
    }
    if let Some(from) = q.from {
        select = select.filter(
            audit_log::Column::CreatedAt.gte(from.and_time(chrono::NaiveTime::MIN).and_utc()),
        );
    }
    if let Some(to) = q.to.and_then(|d| d.succ_opt()) {
        select = select
            .filter(audit_log::Column::CreatedAt.lt(to.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    Ok(select.order_by_desc(audit_log::Column::Id))
}

/// One page of audit entries matching `q`, newest first.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_entries(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    q: &AuditQuery,
) -> Result<crate::users::Page<audit_log::Model>, crate::ServiceError> {
    use sea_orm::PaginatorTrait;
    let per_page = q.per_page.clamp(1, 500);
    let page = q.page.clamp(1, 1_000_000);
    let paginator = audit_select(actor, q)?.paginate(db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(crate::users::Page {
        items,
        total,
        page,
        per_page,
    })
}

/// At most `limit` entries matching `q`, newest first, for a CSV export.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn export_entries(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    q: &AuditQuery,
    limit: u64,
) -> Result<Vec<audit_log::Model>, crate::ServiceError> {
    use sea_orm::QuerySelect;
    Ok(audit_select(actor, q)?.limit(limit).all(db).await?)
}
