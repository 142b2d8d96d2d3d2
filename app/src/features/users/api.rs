use super::dto::{UserDetail, UserPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod convert {
    use super::super::dto::{ActivityRow, UserRow};
    use services::entities::{audit_log, users};

    /// `amount` (decimal text) with the currency's minor-unit decimals and its code, e.g.
    /// `100.00 USD`; the text as stored when it does not parse.
    pub fn money(amount: &str, currency: &str) -> String {
        use std::str::FromStr;
        match (
            rust_decimal::Decimal::from_str(amount),
            domain::money::parse_currency(currency),
        ) {
            (Ok(mut d), Ok(c)) => {
                d.rescale(domain::money::minor_unit_decimals(c));
                format!("{d} {currency}")
            }
            _ => format!("{amount} {currency}"),
        }
    }

    /// `YYYY-MM-DD HH:MM UTC`.
    pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    pub fn user_row(u: users::Model) -> UserRow {
        UserRow {
            role: services::users::role(&u),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            disabled: u.disabled,
            created_at: time(u.created_at),
            last_login_at: u.last_login_at.map(time),
        }
    }

    pub fn activity_row(e: audit_log::Model) -> ActivityRow {
        let changes =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&e.changes)
                .unwrap_or_default()
                .into_iter()
                .map(|(field, change)| {
                    let show = |v: &serde_json::Value| match v {
                        serde_json::Value::Null => "–".to_owned(),
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!(
                        "{field}: {} → {}",
                        show(&change["before"]),
                        show(&change["after"])
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
        ActivityRow {
            at: time(e.created_at),
            actor: e.actor_email.unwrap_or_else(|| "system".to_owned()),
            action: e.action,
            target: match e.entity_id {
                Some(id) => format!("{} {id}", e.entity),
                None => e.entity,
            },
            changes,
            ip: e.ip,
        }
    }
}

/// Users matching `q` (in e-mail or name) and `role`, sorted by `sort` (`email`, `name`,
/// `newest`, `last_login`), 25 per page.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation{role}` / `Validation{sort}` for unknown values.
#[server(endpoint = "list_users")]
pub async fn list_users(
    q: Option<String>,
    role: Option<String>,
    sort: Option<String>,
    page: Option<u64>,
) -> Result<UserPage, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::{Portal, Role};
    use services::users::{UserQuery, UserSort};
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let role = match role.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(
            r.parse::<Role>()
                .map_err(|e| fail(services::ServiceError::field("role", &e.to_string())))?,
        ),
        None => None,
    };
    let sort = match sort.as_deref().unwrap_or("email") {
        "" | "email" => UserSort::Email,
        "name" => UserSort::Name,
        "newest" => UserSort::Newest,
        "last_login" => UserSort::LastLogin,
        _ => {
            return Err(fail(services::ServiceError::field(
                "sort",
                "must be email, name, newest or last_login",
            )));
        }
    };
    let query = UserQuery {
        search: q,
        role,
        sort,
        page: page.unwrap_or(1),
        per_page: 25,
    };
    let found = services::users::list_users(&svc.db, &me.actor(), &query)
        .await
        .map_err(fail)?;
    Ok(UserPage {
        rows: found.items.into_iter().map(convert::user_row).collect(),
        total: found.total,
        page: found.page,
        per_page: found.per_page,
    })
}

/// One user with its activity (the newest 50 entries about it or by it).
///
/// # Errors
/// `NotFound`, `Forbidden` for non-staff.
#[server(endpoint = "get_user")]
pub async fn get_user(id: i64) -> Result<UserDetail, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    use services::audit::{AuditFilter, recent};
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let user = services::users::get_user(&svc.db, &me.actor(), id)
        .await
        .map_err(fail)?;
    let about = AuditFilter {
        entity: Some(("user".into(), id.to_string())),
        actor_user_id: None,
    };
    let by = AuditFilter {
        entity: None,
        actor_user_id: Some(id),
    };
    let mut entries = recent(&svc.db, me.tenant.id, &about, 50)
        .await
        .map_err(|e| fail(services::ServiceError::from(e)))?;
    entries.extend(
        recent(&svc.db, me.tenant.id, &by, 50)
            .await
            .map_err(|e| fail(services::ServiceError::from(e)))?,
    );
    entries.sort_by(|a, b| b.id.cmp(&a.id));
    entries.dedup_by_key(|e| e.id);
    entries.truncate(50);
    let role = services::users::role(&user);
    Ok(UserDetail {
        manageable: me.role.may_manage(role) && user.id != me.user.id,
        user: convert::user_row(user),
        activity: entries.into_iter().map(convert::activity_row).collect(),
    })
}

/// Creates a user and opens its page.
///
/// # Errors
/// `Validation` naming each bad field, `Conflict{email}`, `Forbidden`.
#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let input = services::users::NewUser {
        email,
        display_name,
        role,
        password,
        customer_id: None,
        carrier_id: None,
    };
    let user = services::users::create_user(&svc.db, &me.actor(), input)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!("/admin/users/{}?created=1", user.id));
    Ok(user.id)
}

/// Adds a portal user to `owner` (`customer` or `carrier`) `owner_id`: role `customer` or
/// `carrier`, belonging to it (a carrier user sees and uploads that carrier's rate decks).
///
/// # Errors
/// `Validation` naming each bad field (`owner` for another owner kind), `Conflict{email}`,
/// `Forbidden`.
#[server(endpoint = "add_portal_user")]
pub async fn add_portal_user(
    owner: String,
    owner_id: i64,
    email: String,
    display_name: String,
    password: String,
) -> Result<i64, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let (customer_id, carrier_id) = match owner.as_str() {
        "customer" => (Some(owner_id), None),
        "carrier" => (None, Some(owner_id)),
        _ => {
            return Err(fail(services::ServiceError::field(
                "owner",
                "must be customer or carrier",
            )));
        }
    };
    let user = services::users::create_user(
        &svc.db,
        &me.actor(),
        services::users::NewUser {
            email,
            display_name,
            role: owner,
            password,
            customer_id,
            carrier_id,
        },
    )
    .await
    .map_err(fail)?;
    Ok(user.id)
}

/// Disables (`disabled = true`) or re-enables a user.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation{disabled}` for one's own account.
#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<bool, AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    let user = services::users::set_disabled(&svc.db, &me.actor(), id, disabled)
        .await
        .map_err(fail)?;
    svc.keys.forget();
    Ok(user.disabled)
}

/// Sets a new password for a user.
///
/// # Errors
/// `Validation{password}`, `NotFound`, `Forbidden`.
#[server(endpoint = "reset_user_password")]
pub async fn reset_user_password(id: i64, password: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in_to};
    use domain::access::Portal;
    let me = signed_in_to(Portal::Admin).await?;
    let svc = services()?;
    services::users::reset_password(&svc.db, &me.actor(), id, &password)
        .await
        .map_err(fail)
}
