//! Reading stored CDRs: the operator's list (every CDR of the tenant, unrated ones with their
//! reasons) and a customer's own calls.

use crate::audit::Actor;
use crate::entities::cdrs;
use crate::error::{FieldError, ServiceError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Role;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

/// Which CDRs [`list_cdrs`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdrFilter {
    /// Only this status: `rated`, `unpaid` or `unrated`.
    pub status: Option<String>,
    /// Only CDRs whose call id or called number contains this text (spaces and `+` ignored in
    /// numbers).
    pub text: Option<String>,
}

/// The statuses a stored CDR can have.
pub const STATUSES: [&str; 3] = ["rated", "unpaid", "unrated"];

/// A page of CDRs, newest call first, and how many match: staff and switch operators see the
/// tenant's, a customer user only its own customer's.
///
/// # Errors
/// `Validation{status}` for an unknown status; `Forbidden` for carrier users.
pub async fn list_cdrs(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &CdrFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<cdrs::Model>, u64), ServiceError> {
    let mut select = cdrs::Entity::find().filter(cdrs::Column::TenantId.eq(actor.tenant_id));
    match actor.role {
        Role::SuperAdmin | Role::Admin | Role::SwitchOperator => {}
        Role::Customer => {
            let Some(customer) = actor.customer_id else {
                return Err(ServiceError::Forbidden);
            };
            select = select.filter(cdrs::Column::CustomerId.eq(customer));
        }
        Role::Carrier => return Err(ServiceError::Forbidden),
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        if !STATUSES.contains(&status) {
            return Err(ServiceError::field(
                "status",
                "choose rated, unpaid or unrated",
            ));
        }
        select = select.filter(cdrs::Column::Status.eq(status));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let mut any = Condition::any().add(cdrs::Column::CallId.contains(text));
        if !digits.is_empty() {
            any = any.add(cdrs::Column::BNumber.contains(&digits));
        }
        select = select.filter(any);
    }
    let paginator = select
        .order_by_desc(cdrs::Column::StartAt)
        .order_by_desc(cdrs::Column::Id)
        .paginate(db, per_page.clamp(1, 200));
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.max(1) - 1).await?;
    Ok((rows, total))
}

/// The call counts of carrier `carrier_id`'s CDRs that started at or after `since` (for
/// `domain::quality`): attempts, answered calls (an answer time or connected seconds), the
/// unanswered ones the called user ended (`domain::quality::USER_CODES`), connected seconds.
///
/// # Errors
/// `NotFound` for a carrier the actor may not see (`crate::carriers::deck_owner`); database
/// errors.
pub async fn carrier_counts(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<domain::quality::CallCounts, ServiceError> {
    use super::quality::{Scope, Split, quality};
    let until = chrono::Utc::now() + chrono::Duration::days(1);
    Ok(quality(
        db,
        actor,
        Scope::Carrier(carrier_id),
        since,
        until,
        Split::Total,
    )
    .await?
    .pop()
    .map(|l| l.counts)
    .unwrap_or_default())
}

/// The UTC period `[from 00:00, to + 1 day 00:00)` of two days typed as `YYYY-MM-DD`, at most
/// `max_days` long.
///
/// # Errors
/// `Validation` naming `from` or `to`: not a date, `to` before `from`, or too long.
pub fn day_range(
    from: &str,
    to: &str,
    max_days: i64,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ServiceError> {
    let mut errors = Vec::new();
    let mut day = |field: &str, text: &str| match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
    {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("`{}` is not a date like 2026-11-30", text.trim()),
            ));
            None
        }
    };
    let (from, to) = (day("from", from), day("to", to));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ServiceError::Validation(errors));
    };
    if to < from {
        return Err(ServiceError::field("to", "is before the first day"));
    }
    if (to - from).num_days() >= max_days {
        return Err(ServiceError::field(
            "to",
            &format!("choose at most {max_days} days"),
        ));
    }
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = (to + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    Ok((start, end))
}

/// The next `size` CDRs of `select` after id `after_id`, in id order, moving `after_id` past
/// them (keyset pagination, for walking a large period without holding it in memory); empty at
/// the end.
///
/// # Errors
/// Database errors.
pub async fn next_page(
    db: &DatabaseConnection,
    select: &sea_orm::Select<cdrs::Entity>,
    after_id: &mut i64,
    size: u64,
) -> Result<Vec<cdrs::Model>, ServiceError> {
    use sea_orm::QuerySelect;
    let page = select
        .clone()
        .filter(cdrs::Column::Id.gt(*after_id))
        .order_by_asc(cdrs::Column::Id)
        .limit(size)
        .all(db)
        .await?;
    if let Some(last) = page.last() {
        *after_id = last.id;
    }
    Ok(page)
}
