//! Customers of a tenant: company, contacts, billing currency and type, credit limit, status,
//! category and group, and their portal users.

use crate::audit::{Actor, Changes};
use crate::entities::{
    customer_categories as categories, customer_groups as groups, customers, users,
};
use crate::error::{ServiceError, conflict_on};
use crate::tenancy::{find_scoped, scoped};
use crate::users::Page;
use crate::validate::Checks;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Select, TransactionTrait,
};

/// The largest credit limit accepted, in the billing currency's units.
pub const MAX_CREDIT_LIMIT: i64 = 1_000_000_000;

/// Customer statuses.
pub const STATUSES: [&str; 3] = ["active", "suspended", "closed"];
/// Billing types: prepaid (the default, calls stop at zero balance minus the credit limit) or
/// postpaid.
pub const BILLING_TYPES: [&str; 2] = ["prepaid", "postpaid"];

/// The form of a customer. Empty `billing_type`/`status` take the defaults (`prepaid`,
/// `active`); an empty currency takes the tenant's default.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    /// Company name, unique within the tenant.
    pub company_name: String,
    /// Main contact's name.
    pub contact_name: String,
    /// Main contact's e-mail (required).
    pub contact_email: String,
    /// Main contact's phone, free text.
    pub contact_phone: String,
    /// Where invoices go (optional).
    pub billing_email: String,
    /// ISO 4217 code.
    pub billing_currency: String,
    /// `prepaid` or `postpaid`.
    pub billing_type: String,
    /// How far below zero the balance may go, in the billing currency (decimal, >= 0, 2 decimals).
    pub credit_limit: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    /// Category id, if any.
    pub category_id: Option<i64>,
    /// Group id (within the category), if any.
    pub group_id: Option<i64>,
    /// Internal notes.
    pub notes: String,
}

impl CustomerInput {
    /// The form filled with a stored customer's values.
    pub fn from_row(c: &customers::Model) -> Self {
        Self {
            company_name: c.company_name.clone(),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.clone(),
            contact_phone: c.contact_phone.clone(),
            billing_email: c.billing_email.clone(),
            billing_currency: c.billing_currency.clone(),
            billing_type: c.billing_type.clone(),
            credit_limit: c.credit_limit.clone(),
            status: c.status.clone(),
            category_id: c.category_id,
            group_id: c.group_id,
            notes: c.notes.clone(),
        }
    }
}

/// How [`list_customers`] sorts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    /// Company name A-Z.
    #[default]
    Company,
    /// Newest first.
    Newest,
    /// By status, then company.
    Status,
}

/// Filters, sort and page of [`list_customers`] and [`export_customers`].
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Text in company, contact name or contact e-mail (case-insensitive).
    pub search: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this category.
    pub category_id: Option<i64>,
    /// Only this group.
    pub group_id: Option<i64>,
    /// Sort order.
    pub sort: CustomerSort,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1-200).
    pub per_page: u64,
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

struct Checked {
    company_name: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    billing_email: String,
    billing_currency: String,
    billing_type: String,
    credit_limit: String,
    status: String,
    category_id: Option<i64>,
    group_id: Option<i64>,
    notes: String,
}

async fn check(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &CustomerInput,
    default_currency: &str,
) -> Result<Checked, ServiceError> {
    let mut checks = Checks::new();
    let company_name = checks.text("company_name", &input.company_name, 160, true);
    let contact_name = checks.text("contact_name", &input.contact_name, 120, false);
    let contact_email = checks.email("contact_email", &input.contact_email, true);
    let contact_phone = checks.text("contact_phone", &input.contact_phone, 32, false);
    if contact_phone
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
    {
        checks.fail(
            "contact_phone",
            "may contain only digits, spaces and + - ( ) .",
        );
    }
    let billing_email = checks.email("billing_email", &input.billing_email, false);
    let currency = if input.billing_currency.trim().is_empty() {
        default_currency
    } else {
        &input.billing_currency
    };
    let billing_currency = checks.currency("billing_currency", currency);
    let billing_type = if input.billing_type.trim().is_empty() {
        "prepaid".to_owned()
    } else {
        checks.one_of("billing_type", &input.billing_type, &BILLING_TYPES)
    };
    // As many decimals as the currency's minor unit (2 for USD, 0 for JPY, 3 for BHD).
    let decimals = domain::money::parse_currency(&billing_currency)
        .map_or(2, domain::money::minor_unit_decimals);
    let credit_limit = checks
        .amount(
            "credit_limit",
            &input.credit_limit,
            decimals,
            rust_decimal::Decimal::from(MAX_CREDIT_LIMIT),
        )
        .to_string();
    let status = if input.status.trim().is_empty() {
        "active".to_owned()
    } else {
        checks.one_of("status", &input.status, &STATUSES)
    };
    let notes = checks.text("notes", &input.notes, 5000, false);
    let mut category_id = input.category_id;
    let group_id = input.group_id;
    if let Some(gid) = group_id {
        match find_scoped::<groups::Entity>(db, actor, gid).await {
            Ok(group) => match category_id {
                None => category_id = Some(group.category_id),
                Some(cid) if cid != group.category_id => {
                    checks.fail("group_id", "belongs to another category");
                }
                Some(_) => {}
            },
            Err(_) => checks.fail("group_id", "is not a group of this tenant"),
        }
    }
    if let Some(cid) = category_id
        && find_scoped::<categories::Entity>(db, actor, cid)
            .await
            .is_err()
    {
        checks.fail("category_id", "is not a category of this tenant");
    }
    checks.finish()?;
    Ok(Checked {
        company_name,
        contact_name,
        contact_email,
        contact_phone,
        billing_email,
        billing_currency,
        billing_type,
        credit_limit,
        status,
        category_id,
        group_id,
        notes,
    })
}

async fn tenant_currency(db: &DatabaseConnection, actor: &Actor) -> Result<String, ServiceError> {
    Ok(
        crate::entities::tenants::Entity::find_by_id(actor.tenant_id)
            .one(db)
            .await?
            .map_or_else(|| "USD".to_owned(), |t| t.default_currency),
    )
}

fn changes(before: Option<&customers::Model>, c: &Checked) -> Changes {
    let b =
        |f: fn(&customers::Model) -> serde_json::Value| before.map_or(serde_json::Value::Null, f);
    Changes::new()
        .field(
            "company_name",
            b(|m| m.company_name.clone().into()),
            c.company_name.clone(),
        )
        .field(
            "contact_name",
            b(|m| m.contact_name.clone().into()),
            c.contact_name.clone(),
        )
        .field(
            "contact_email",
            b(|m| m.contact_email.clone().into()),
            c.contact_email.clone(),
        )
        .field(
            "contact_phone",
            b(|m| m.contact_phone.clone().into()),
            c.contact_phone.clone(),
        )
        .field(
            "billing_email",
            b(|m| m.billing_email.clone().into()),
            c.billing_email.clone(),
        )
        .field(
            "billing_currency",
            b(|m| m.billing_currency.clone().into()),
            c.billing_currency.clone(),
        )
        .field(
            "billing_type",
            b(|m| m.billing_type.clone().into()),
            c.billing_type.clone(),
        )
        .field(
            "credit_limit",
            b(|m| m.credit_limit.clone().into()),
            c.credit_limit.clone(),
        )
        .field("status", b(|m| m.status.clone().into()), c.status.clone())
        .field("category_id", b(|m| m.category_id.into()), c.category_id)
        .field("group_id", b(|m| m.group_id.into()), c.group_id)
        .field("notes", b(|m| m.notes.clone().into()), c.notes.clone())
}

fn apply(model: &mut customers::ActiveModel, c: Checked) {
    model.company_name = Set(c.company_name);
    model.contact_name = Set(c.contact_name);
    model.contact_email = Set(c.contact_email);
    model.contact_phone = Set(c.contact_phone);
    model.billing_email = Set(c.billing_email);
    model.billing_currency = Set(c.billing_currency);
    model.billing_type = Set(c.billing_type);
    model.credit_limit = Set(c.credit_limit);
    model.status = Set(c.status);
    model.category_id = Set(c.category_id);
    model.group_id = Set(c.group_id);
    model.notes = Set(c.notes);
    model.updated_at = Set(Utc::now());
}

/// Creates a customer in the actor's tenant.
///
/// # Errors
/// `Validation` naming each bad field (an unknown currency, a group of another category ...),
/// `Conflict{company_name}`, `Forbidden`.
pub async fn create_customer(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CustomerInput,
) -> Result<customers::Model, ServiceError> {
    staff(actor)?;
    let (model, audit) = checked_row(db, actor, &input).await?;
    let txn = db.begin().await?;
    let row = model
        .insert(&txn)
        .await
        .map_err(conflict_on("company_name"))?;
    actor
        .audit(&txn, "create", "customer", row.id, audit)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Checks `input` as a new customer of the actor's tenant (its currency defaulting to the
/// tenant's): the row to insert and its audit changes.
///
/// # Errors
/// `Validation` naming each bad field.
pub(crate) async fn checked_row(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &CustomerInput,
) -> Result<(customers::ActiveModel, Changes), ServiceError> {
    let currency = tenant_currency(db, actor).await?;
    let c = check(db, actor, input, &currency).await?;
    let audit = changes(None, &c);
    let mut model = customers::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut model, c);
    Ok((model, audit))
}

/// Updates a customer; the audit entry holds the changed fields only.
///
/// # Errors
/// `Validation`, `Conflict{company_name}`, `NotFound` (another tenant's id too), `Forbidden`.
pub async fn update_customer(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: CustomerInput,
) -> Result<customers::Model, ServiceError> {
    staff(actor)?;
    let before = find_scoped::<customers::Entity>(db, actor, id).await?;
    let c = check(db, actor, &input, &before.billing_currency).await?;
    if c.billing_currency != before.billing_currency && crate::ledger::has_entries(db, id).await? {
        return Err(ServiceError::field(
            "billing_currency",
            &format!(
                "the customer's ledger is in {}: its billing currency cannot change once entries exist",
                before.billing_currency
            ),
        ));
    }
    let audit = changes(Some(&before), &c);
    let mut model = before.into_active_model();
    apply(&mut model, c);
    let txn = db.begin().await?;
    let row = model
        .update(&txn)
        .await
        .map_err(conflict_on("company_name"))?;
    actor.audit(&txn, "update", "customer", id, audit).await?;
    txn.commit().await?;
    Ok(row)
}

/// One customer of the actor's tenant (staff), or the actor's own customer (a customer user).
///
/// # Errors
/// `NotFound` (another tenant's or another customer's id too).
pub async fn get_customer(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<customers::Model, ServiceError> {
    if !actor.role.is_staff() && actor.customer_id != Some(id) {
        return Err(ServiceError::NotFound);
    }
    find_scoped::<customers::Entity>(db, actor, id).await
}

fn filtered(actor: &Actor, q: &CustomerQuery) -> Select<customers::Entity> {
    let mut select = scoped::<customers::Entity>(actor);
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        let lower = |col: customers::Column| Expr::expr(Func::lower(Expr::col(col)));
        select = select.filter(
            Condition::any()
                .add(lower(customers::Column::CompanyName).like(pattern.clone()))
                .add(lower(customers::Column::ContactName).like(pattern.clone()))
                .add(customers::Column::ContactEmail.like(pattern)),
        );
    }
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        select = select.filter(customers::Column::Status.eq(status));
    }
    if let Some(cid) = q.category_id {
        select = select.filter(customers::Column::CategoryId.eq(cid));
    }
    if let Some(gid) = q.group_id {
        select = select.filter(customers::Column::GroupId.eq(gid));
    }
    match q.sort {
        CustomerSort::Company => select.order_by_asc(customers::Column::CompanyName),
        CustomerSort::Newest => select.order_by_desc(customers::Column::Id),
        CustomerSort::Status => select
            .order_by_asc(customers::Column::Status)
            .order_by_asc(customers::Column::CompanyName),
    }
}

/// One page of the tenant's customers matching `q`.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_customers(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &CustomerQuery,
) -> Result<Page<customers::Model>, ServiceError> {
    staff(actor)?;
    let per_page = q.per_page.clamp(1, 200);
    let page = q.page.clamp(1, 1_000_000);
    let paginator = filtered(actor, q).paginate(db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Every customer matching `q` (sort applies, paging does not), for a CSV export.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn export_customers(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &CustomerQuery,
) -> Result<Vec<customers::Model>, ServiceError> {
    staff(actor)?;
    Ok(filtered(actor, q).all(db).await?)
}

/// The portal users of customer `id`, by e-mail.
///
/// # Errors
/// `NotFound`, `Forbidden` for non-staff.
pub async fn customer_users(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<Vec<users::Model>, ServiceError> {
    staff(actor)?;
    find_scoped::<customers::Entity>(db, actor, id).await?;
    Ok(scoped::<users::Entity>(actor)
        .filter(users::Column::CustomerId.eq(id))
        .order_by_asc(users::Column::Email)
        .all(db)
        .await?)
}
