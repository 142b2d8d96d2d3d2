//! Users: create, list, disable, reset and change passwords, sign in, and per-user preferences.
//!
//! Every function takes the acting user ([`Actor`]) and checks on the server that its role may
//! do this ([`Role::may_manage`]); every write is audited in the same transaction.

use crate::audit::{self, Actor, Changes, Origin};
use crate::entities::users;
use crate::error::{FieldError, ServiceError, conflict_on};
use crate::passwords;
use crate::state::Services;
use chrono::Utc;
use domain::access::Role;
use sea_orm::sea_query::ExprTrait as _;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

mod sign_in;

pub use sign_in::{SignedIn, authenticate, belongs_to, count_by_role, find_active};

/// The input of [`create_user`], as typed in the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewUser {
    /// E-mail address, the sign-in name; stored lower-case.
    pub email: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// A [`Role`] name, e.g. `customer`.
    pub role: String,
    /// Initial password (policy: [`passwords::check_policy`]).
    pub password: String,
    /// The customer (of the actor's tenant) a `customer` user belongs to.
    pub customer_id: Option<i64>,
    /// The carrier (of the actor's tenant) a `carrier` user belongs to: the carrier whose rate
    /// decks it sees and uploads in the Carrier portal.
    pub carrier_id: Option<i64>,
}

/// How [`list_users`] sorts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// By e-mail, A-Z.
    #[default]
    Email,
    /// By display name, A-Z.
    Name,
    /// Newest first.
    Newest,
    /// Most recent sign-in first.
    LastLogin,
}

/// Filters, sort and page of [`list_users`].
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Text to find in e-mail or display name (case-insensitive).
    pub search: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Sort order.
    pub sort: UserSort,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1-200).
    pub per_page: u64,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows matching the filters, on all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

/// Normalises and checks an e-mail address: trimmed, lower-case, RFC 5322 address syntax.
///
/// # Errors
/// A message for the `email` field.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("is required".to_owned());
    }
    if email.len() > 254 {
        return Err("must be at most 254 characters".to_owned());
    }
    match email_address::EmailAddress::from_str(&email) {
        Ok(addr) if addr.domain().contains('.') || addr.domain() == "localhost" => Ok(email),
        _ => Err("is not a valid e-mail address (like name@example.com)".to_owned()),
    }
}

fn role_of(user: &users::Model) -> Role {
    Role::from_str(&user.role).unwrap_or(Role::Customer)
}

/// A user's role as stored.
pub fn role(user: &users::Model) -> Role {
    role_of(user)
}

/// Creates a user. Staff create non-staff users; only the super admin creates staff.
///
/// # Errors
/// `Validation` naming each bad field; `Conflict{email}` when the address is taken; `Forbidden`.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewUser,
) -> Result<users::Model, ServiceError> {
    let mut errors = Vec::new();
    let email = normalize_email(&input.email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    let display_name = input.display_name.trim().to_owned();
    if display_name.is_empty() {
        errors.push(FieldError::new("display_name", "is required"));
    } else if display_name.chars().count() > 120 {
        errors.push(FieldError::new(
            "display_name",
            "must be at most 120 characters",
        ));
    }
    let role = Role::from_str(&input.role)
        .map_err(|e| errors.push(FieldError::new("role", e.to_string())))
        .ok();
    if let Err(m) = passwords::check_policy(&input.password) {
        errors.push(FieldError::new("password", m));
    }
    if let Some(customer_id) = input.customer_id {
        if role.is_some_and(|r| r != Role::Customer) {
            errors.push(FieldError::new(
                "customer_id",
                "only users with the customer role belong to a customer",
            ));
        } else if crate::tenancy::find_scoped::<crate::entities::customers::Entity>(
            db,
            actor,
            customer_id,
        )
        .await
        .is_err()
        {
            errors.push(FieldError::new(
                "customer_id",
                "is not a customer of this tenant",
            ));
        }
    }
    if let Some(carrier_id) = input.carrier_id {
        if role.is_some_and(|r| r != Role::Carrier) {
            errors.push(FieldError::new(
                "carrier_id",
                "only users with the carrier role belong to a carrier",
            ));
        } else if crate::tenancy::find_scoped::<crate::entities::carriers::Entity>(
            db, actor, carrier_id,
        )
        .await
        .is_err()
        {
            errors.push(FieldError::new(
                "carrier_id",
                "is not a carrier of this tenant",
            ));
        }
    }
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    if !actor.role.may_manage(role) {
        return Err(ServiceError::Forbidden);
    }
    let password_hash = passwords::hash(&input.password).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut row = new_row(
        actor.tenant_id,
        &email,
        &display_name,
        role,
        password_hash,
        now,
    );
    row.customer_id = Set(input.customer_id);
    row.carrier_id = Set(input.carrier_id);
    let user = row.insert(&txn).await.map_err(conflict_on("email"))?;
    actor
        .audit(
            &txn,
            "create",
            "user",
            user.id,
            Changes::new()
                .field("email", None::<String>, email)
                .field("display_name", None::<String>, display_name)
                .field("role", None::<String>, role.as_str())
                .field("customer_id", None::<i64>, input.customer_id)
                .field("carrier_id", None::<i64>, input.carrier_id)
                .secret("password"),
        )
        .await?;
    txn.commit().await?;
    Ok(user)
}

/// A new, enabled user row with the default theme and an empty shell state.
pub(crate) fn new_row(
    tenant_id: i64,
    email: &str,
    display_name: &str,
    role: Role,
    password_hash: String,
    now: chrono::DateTime<Utc>,
) -> users::ActiveModel {
    users::ActiveModel {
        tenant_id: Set(tenant_id),
        customer_id: Set(None),
        carrier_id: Set(None),
        email: Set(email.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        disabled: Set(false),
        theme: Set("system".to_owned()),
        ui_state: Set("{}".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
}

/// Lists users the actor may see (staff only), filtered, sorted and paged.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_users(
    db: &DatabaseConnection,
    actor: &Actor,
    query: &UserQuery,
) -> Result<Page<users::Model>, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let mut select = crate::tenancy::scoped::<users::Entity>(actor);
    if let Some(text) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!("%{}%", text.to_lowercase());
        select = select.filter(
            Condition::any()
                .add(users::Column::Email.like(pattern.clone()))
                .add(
                    sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
                        sea_orm::sea_query::Expr::col(users::Column::DisplayName),
                    ))
                    .like(pattern),
                ),
        );
    }
    if let Some(role) = query.role {
        select = select.filter(users::Column::Role.eq(role.as_str()));
    }
    select = match query.sort {
        UserSort::Email => select.order_by_asc(users::Column::Email),
        UserSort::Name => select
            .order_by_asc(users::Column::DisplayName)
            .order_by_asc(users::Column::Id),
        UserSort::Newest => select
            .order_by_desc(users::Column::CreatedAt)
            .order_by_desc(users::Column::Id),
        UserSort::LastLogin => select
            .order_by_desc(users::Column::LastLoginAt)
            .order_by_asc(users::Column::Id),
    };
    let per_page = query.per_page.clamp(1, 200);
    let page = query.page.clamp(1, 1_000_000);
    let paginator = select.paginate(db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// One user, for staff.
///
/// # Errors
/// `NotFound`; `Forbidden` for non-staff.
pub async fn get_user(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<users::Model, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    crate::tenancy::find_scoped::<users::Entity>(db, actor, id).await
}

async fn managed_user(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<users::Model, ServiceError> {
    let user = get_user(db, actor, id).await?;
    if !actor.role.may_manage(role_of(&user)) {
        return Err(ServiceError::Forbidden);
    }
    Ok(user)
}

/// Disables (or re-enables) a user. A disabled user's sessions stop working at their next
/// request. Nobody disables their own account.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation` when disabling oneself.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    disabled: bool,
) -> Result<users::Model, ServiceError> {
    if id == actor.user_id && disabled {
        return Err(ServiceError::field(
            "disabled",
            "you cannot disable your own account",
        ));
    }
    let user = managed_user(db, actor, id).await?;
    if user.disabled == disabled {
        return Ok(user);
    }
    let txn = db.begin().await?;
    let mut model = user.clone().into_active_model();
    model.disabled = Set(disabled);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    let action = if disabled { "disable" } else { "enable" };
    actor
        .audit(
            &txn,
            action,
            "user",
            id,
            Changes::new().field("disabled", user.disabled, disabled),
        )
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sets a new password for another user (an administrator's reset).
///
/// # Errors
/// `Validation{password}`, `NotFound`, `Forbidden`.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    new_password: &str,
) -> Result<(), ServiceError> {
    passwords::check_policy(new_password).map_err(|m| ServiceError::field("password", &m))?;
    let user = managed_user(db, actor, id).await?;
    store_password(db, actor, user, new_password, "reset_password").await
}

/// Changes the actor's own password after checking the current one.
///
/// # Errors
/// `Validation{current_password}` when it is wrong, `Validation{new_password}` by the policy or
/// when it equals the current one.
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<(), ServiceError> {
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !passwords::verify(current, &user.password_hash).await {
        return Err(ServiceError::field(
            "current_password",
            "is not your current password",
        ));
    }
    passwords::check_policy(new).map_err(|m| ServiceError::field("new_password", &m))?;
    if new == current {
        return Err(ServiceError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    store_password(db, actor, user, new, "change_password").await
}

async fn store_password(
    db: &DatabaseConnection,
    actor: &Actor,
    user: users::Model,
    password: &str,
    action: &str,
) -> Result<(), ServiceError> {
    let hash = passwords::hash(password).await?;
    let txn = db.begin().await?;
    let id = user.id;
    let mut model = user.into_active_model();
    model.password_hash = Set(hash);
    model.updated_at = Set(Utc::now());
    model.update(&txn).await?;
    actor
        .audit(&txn, action, "user", id, Changes::new().secret("password"))
        .await?;
    txn.commit().await?;
    Ok(())
}
