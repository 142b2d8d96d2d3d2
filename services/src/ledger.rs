//! The prepaid ledger of each customer: every balance change is an entry with an idempotency
//! key, in the customer's billing currency, in exact micro-units (`domain::ledger`).
//!
//! [`post`] is the one way money moves. It keeps `customer_balances` (the cached sum) and the
//! entries in one transaction: the balance row is updated first, with the credit limit in the
//! `WHERE` (PostgreSQL locks the row, and re-checks the condition on the newest version when a
//! concurrent debit committed first; SQLite serialises writers), then the entry is inserted with
//! the balance after it. A replay of an idempotency key hits the unique index, rolls back its
//! balance change, and returns the entry first posted: nothing moves twice. [`verify`] compares
//! the cached figure with the sum of the entries.

use crate::audit::{Actor, Changes};
use crate::entities::{customer_balances, customers, ledger_entries};
use crate::error::ServiceError;
use crate::tenancy::find_scoped;
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::ledger::{self, EntryKind, LedgerError};
use domain::money::{minor_unit_decimals, parse_currency};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Statement, TransactionTrait,
};
use std::str::FromStr;

mod batch;
mod manual;
pub use batch::{BatchOutcome, post_batch, post_batches};
pub use manual::{AdjustmentInput, MANUAL_KINDS, adjust, parse_amount};

/// Longest idempotency key, in bytes.
pub const MAX_KEY_LEN: usize = 200;

/// One balance change to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The customer (of the tenant given to [`post`]).
    pub customer_id: i64,
    /// What it is for; fixes which sign `amount_micros` may have.
    pub kind: EntryKind,
    /// Signed micro-units of the customer's billing currency: credits positive.
    pub amount_micros: i64,
    /// The caller's key: the same key posts once (e.g. `cdr:42`, `stripe:pi_123`,
    /// `manual:<form token>`). At most [`MAX_KEY_LEN`] bytes.
    pub idempotency_key: String,
    /// For people, e.g. the reason of an adjustment.
    pub description: String,
    /// What caused it, e.g. `cdr:42`; may be empty.
    pub reference: String,
    /// What was converted into `amount_micros` from another currency; `None` when the amount
    /// was in the billing currency already.
    pub fx: Option<Conversion>,
}

/// An amount converted into the billing currency, kept on its entry (see [`domain::fx`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// Signed micro-units of `original_currency`, with the entry's sign.
    pub original_micros: i64,
    /// ISO 4217 code converted from.
    pub original_currency: String,
    /// `1 original_currency = rate` of the billing currency (decimal text).
    pub rate: String,
}

impl Posting {
    /// The entry columns of [`Posting::fx`]: original micro-units, currency, rate.
    pub(crate) fn fx_columns(&self) -> (Option<i64>, String, String) {
        self.fx
            .as_ref()
            .map_or((None, String::new(), String::new()), |c| {
                (
                    Some(c.original_micros),
                    c.original_currency.clone(),
                    c.rate.clone(),
                )
            })
    }
}

/// The outcome of [`post`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The entry was written now.
    New(ledger_entries::Model),
    /// The key had been posted before: that entry, unchanged, and nothing moved.
    Replayed(ledger_entries::Model),
}

impl Posted {
    /// The entry, new or replayed.
    pub fn entry(&self) -> &ledger_entries::Model {
        match self {
            Posted::New(e) | Posted::Replayed(e) => e,
        }
    }
}

fn ledger_field(field: &str, err: &LedgerError) -> ServiceError {
    ServiceError::field(field, &err.to_string())
}

/// Posts `posting` for a customer of tenant `tenant_id`, by `created_by` (an e-mail or
/// `system`); `audit`, when given, records the entry in the audit log in the same transaction.
///
/// # Errors
/// `NotFound` for a customer of another tenant; `Validation` naming `amount` (zero, wrong sign
/// for the kind, or a debit past the credit limit: the message gives the balance, the limit and
/// what to do) or `idempotency_key` (empty or too long); `Conflict{idempotency_key}` when the key
/// was used before for a different amount, kind or customer.
pub async fn post(
    db: &DatabaseConnection,
    tenant_id: i64,
    created_by: &str,
    posting: Posting,
    audit: Option<&Actor>,
) -> Result<Posted, ServiceError> {
    let key = posting.idempotency_key.trim().to_owned();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ServiceError::field(
            "idempotency_key",
            "give a key of 1 to 200 characters that is unique for this balance change",
        ));
    }
    posting
        .kind
        .check_sign(posting.amount_micros)
        .map_err(|e| ledger_field("amount", &e))?;
    let customer = customers::Entity::find_by_id(posting.customer_id)
        .filter(customers::Column::TenantId.eq(tenant_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if let Some(done) = find_by_key(db, customer.id, &key).await? {
        return replayed(done, &posting);
    }
    let limit = credit_limit_micros(&customer);
    let backend = db.get_database_backend();
    let now = Utc::now();
    let txn = db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO customer_balances (customer_id, tenant_id, currency, balance_micros, entry_count, updated_at) \
         VALUES ($1, $2, $3, 0, 0, $4) ON CONFLICT (customer_id) DO NOTHING",
        [
            customer.id.into(),
            tenant_id.into(),
            customer.billing_currency.clone().into(),
            now.into(),
        ],
    ))
    .await?;
    let floor = if posting.kind.bound_by_credit_limit() {
        ledger::floor(limit)
    } else {
        i64::MIN
    };
    let updated = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE customer_balances SET balance_micros = balance_micros + $1, \
             entry_count = entry_count + 1, updated_at = $2 \
             WHERE customer_id = $3 AND ($1 >= 0 OR balance_micros + $1 >= $4) \
             RETURNING balance_micros",
            [
                posting.amount_micros.into(),
                now.into(),
                customer.id.into(),
                floor.into(),
            ],
        ))
        .await?;
    let Some(updated) = updated else {
        txn.rollback().await?;
        // The same key posted meanwhile by a concurrent request: that is a replay, not a refusal.
        if let Some(done) = find_by_key(db, customer.id, &key).await? {
            return replayed(done, &posting);
        }
        let balance = cached_balance(db, customer.id).await?;
        let err = ledger::insufficient(
            balance,
            posting.amount_micros,
            limit,
            &customer.billing_currency,
        );
        return Err(ledger_field("amount", &err));
    };
    let balance_after: i64 = updated.try_get("", "balance_micros")?;
    let entry = ledger_entries::ActiveModel {
        tenant_id: sea_orm::Set(tenant_id),
        customer_id: sea_orm::Set(customer.id),
        kind: sea_orm::Set(posting.kind.as_str().to_owned()),
        amount_micros: sea_orm::Set(posting.amount_micros),
        currency: sea_orm::Set(customer.billing_currency.clone()),
        balance_after_micros: sea_orm::Set(balance_after),
        idempotency_key: sea_orm::Set(key.clone()),
        description: sea_orm::Set(posting.description.clone()),
        reference: sea_orm::Set(posting.reference.clone()),
        created_by: sea_orm::Set(created_by.to_owned()),
        created_at: sea_orm::Set(now),
        original_micros: sea_orm::Set(posting.fx_columns().0),
        original_currency: sea_orm::Set(posting.fx_columns().1),
        fx_rate: sea_orm::Set(posting.fx_columns().2),
        ..Default::default()
    };
    let inserted = ledger_entries::Entity::insert(entry)
        .exec_with_returning(&txn)
        .await;
    let entry = match inserted {
        Ok(entry) => entry,
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            // Posted meanwhile by a concurrent request with the same key: undo ours.
            txn.rollback().await?;
            let done = find_by_key(db, customer.id, &key)
                .await?
                .ok_or_else(|| ServiceError::Unexpected(anyhow::anyhow!("ledger key vanished")))?;
            return replayed(done, &posting);
        }
        Err(err) => return Err(err.into()),
    };
    if let Some(actor) = audit {
        let minor = currency_decimals(&entry.currency);
        actor
            .audit(
                &txn,
                "create",
                "ledger_entry",
                entry.id,
                Changes::new()
                    .field("customer_id", serde_json::Value::Null, entry.customer_id)
                    .field("kind", serde_json::Value::Null, entry.kind.clone())
                    .field(
                        "amount",
                        serde_json::Value::Null,
                        format!(
                            "{} {}",
                            ledger::display(entry.amount_micros, minor),
                            entry.currency
                        ),
                    )
                    .field(
                        "description",
                        serde_json::Value::Null,
                        entry.description.clone(),
                    ),
            )
            .await?;
    }
    txn.commit().await?;
    Ok(Posted::New(entry))
}

fn replayed(done: ledger_entries::Model, posting: &Posting) -> Result<Posted, ServiceError> {
    if done.amount_micros == posting.amount_micros && done.kind == posting.kind.as_str() {
        Ok(Posted::Replayed(done))
    } else {
        Err(ServiceError::Conflict {
            field: "idempotency_key".to_owned(),
        })
    }
}

async fn find_by_key(
    db: &impl ConnectionTrait,
    customer_id: i64,
    key: &str,
) -> Result<Option<ledger_entries::Model>, ServiceError> {
    Ok(ledger_entries::Entity::find()
        .filter(ledger_entries::Column::CustomerId.eq(customer_id))
        .filter(ledger_entries::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

async fn cached_balance(db: &impl ConnectionTrait, customer_id: i64) -> Result<i64, ServiceError> {
    Ok(customer_balances::Entity::find_by_id(customer_id)
        .one(db)
        .await?
        .map_or(0, |b| b.balance_micros))
}

/// The customer's credit limit in micro-units (0 when empty or unreadable: the customer form
/// validates it).
pub(crate) fn credit_limit_micros(customer: &customers::Model) -> i64 {
    Decimal::from_str(customer.credit_limit.trim())
        .ok()
        .and_then(|d| ledger::to_micros(d).ok())
        .unwrap_or(0)
        .max(0)
}

/// The minor-unit decimals of an ISO 4217 code (2 when unknown).
pub fn currency_decimals(code: &str) -> u32 {
    parse_currency(code).map_or(2, minor_unit_decimals)
}

/// A customer's balance as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The customer.
    pub customer_id: i64,
    /// Its billing currency.
    pub currency: String,
    /// The balance, micro-units (the cached figure).
    pub balance_micros: i64,
    /// Its credit limit, micro-units (how far below zero it may go).
    pub credit_limit_micros: i64,
    /// What may still be spent: balance plus credit limit, micro-units.
    pub available_micros: i64,
    /// Number of entries.
    pub entry_count: i64,
}

/// The customer a request may read the ledger of: staff any customer of the tenant, a customer
/// user only its own.
///
/// # Errors
/// `NotFound` for another tenant's customer or another customer's (as if it did not exist);
/// `Forbidden` for carrier and switch users.
pub async fn ledger_customer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    customer_id: i64,
) -> Result<customers::Model, ServiceError> {
    match actor.role {
        Role::SuperAdmin | Role::Admin => {}
        Role::Customer if actor.customer_id == Some(customer_id) => {}
        Role::Customer => return Err(ServiceError::NotFound),
        Role::Carrier | Role::SwitchOperator => return Err(ServiceError::Forbidden),
    }
    find_scoped::<customers::Entity>(db, actor, customer_id).await
}

/// Whose money records (payments, statements) a list shows: staff those of `customer_id` or,
/// with `None`, every customer's in the tenant (the caller scopes the query to the tenant); a
/// customer user only its own, whatever it asks for.
///
/// # Errors
/// `NotFound` when a customer user names another customer; `Forbidden` for carrier and switch
/// users and for a customer user without a customer.
pub fn listed_customer(
    actor: &Actor,
    customer_id: Option<i64>,
) -> Result<Option<i64>, ServiceError> {
    match actor.role {
        Role::SuperAdmin | Role::Admin => Ok(customer_id),
        Role::Customer => {
            let own = actor.customer_id.ok_or(ServiceError::Forbidden)?;
            if customer_id.is_some_and(|c| c != own) {
                return Err(ServiceError::NotFound);
            }
            Ok(Some(own))
        }
        Role::Carrier | Role::SwitchOperator => Err(ServiceError::Forbidden),
    }
}

/// The balance of `customer_id` (see [`ledger_customer`] for who may read it).
///
/// # Errors
/// As [`ledger_customer`].
pub async fn balance(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
) -> Result<Balance, ServiceError> {
    let customer = ledger_customer(db, actor, customer_id).await?;
    balance_of(db, &customer).await
}

/// The balance of `customer`, already found with [`ledger_customer`].
///
/// # Errors
/// Database errors.
pub async fn balance_of(
    db: &DatabaseConnection,
    customer: &customers::Model,
) -> Result<Balance, ServiceError> {
    let cached = customer_balances::Entity::find_by_id(customer.id)
        .one(db)
        .await?;
    let limit = credit_limit_micros(customer);
    let (balance_micros, entry_count) =
        cached.map_or((0, 0), |b| (b.balance_micros, b.entry_count));
    Ok(Balance {
        customer_id: customer.id,
        currency: customer.billing_currency.clone(),
        balance_micros,
        credit_limit_micros: limit,
        available_micros: balance_micros.saturating_add(limit),
        entry_count,
    })
}

/// The cached balance and entry count of a customer against the sum and count of its entries:
/// `(cached, summed, cached_count, counted)`. Equal pairs mean the cache is true.
///
/// # Errors
/// Database errors.
pub async fn verify(
    db: &DatabaseConnection,
    customer_id: i64,
) -> Result<(i64, i64, i64, i64), ServiceError> {
    let cached = customer_balances::Entity::find_by_id(customer_id)
        .one(db)
        .await?;
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT) AS total, COUNT(*) AS n \
             FROM ledger_entries WHERE customer_id = $1",
            [customer_id.into()],
        ))
        .await?
        .ok_or_else(|| ServiceError::Unexpected(anyhow::anyhow!("no aggregate row")))?;
    let summed: i64 = row.try_get("", "total")?;
    let counted: i64 = row.try_get("", "n")?;
    let (balance, count) = cached.map_or((0, 0), |b| (b.balance_micros, b.entry_count));
    Ok((balance, summed, count, counted))
}

/// Which entries [`list_entries`] and [`export_entries`] return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only this kind (`EntryKind` key).
    pub kind: Option<EntryKind>,
    /// Only entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only entries whose description or reference contains this text.
    pub text: Option<String>,
}

impl EntryFilter {
    /// Reads a filter form: `kind` (an `EntryKind` key, empty for all), `from` and `to` (dates
    /// `YYYY-MM-DD`, both included, UTC), `text`.
    ///
    /// # Errors
    /// `Validation` naming `kind`, `from` or `to`.
    pub fn parse(
        kind: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        text: Option<&str>,
    ) -> Result<Self, ServiceError> {
        let mut errors = Vec::new();
        let present = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let kind = match present(kind) {
            None => None,
            Some(k) => match EntryKind::parse(&k) {
                Ok(k) => Some(k),
                Err(e) => {
                    errors.push(crate::error::FieldError::new("kind", e.to_string()));
                    None
                }
            },
        };
        let mut day = |field: &str, v: Option<String>| -> Option<chrono::NaiveDate> {
            let v = v?;
            match chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(crate::error::FieldError::new(
                        field,
                        format!("`{v}` is not a date like 2026-11-30"),
                    ));
                    None
                }
            }
        };
        let from = day("from", present(from));
        let to = day("to", present(to));
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let start = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok(EntryFilter {
            kind,
            from: from.and_then(start),
            to: to.and_then(|d| d.succ_opt()).and_then(start),
            text: present(text),
        })
    }
}

fn entry_select(customer_id: i64, filter: &EntryFilter) -> Select<ledger_entries::Entity> {
    let mut select =
        ledger_entries::Entity::find().filter(ledger_entries::Column::CustomerId.eq(customer_id));
    if let Some(kind) = filter.kind {
        select = select.filter(ledger_entries::Column::Kind.eq(kind.as_str()));
    }
    if let Some(from) = filter.from {
        select = select.filter(ledger_entries::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(ledger_entries::Column::CreatedAt.lt(to));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let text = text.trim();
        select = select.filter(
            sea_orm::Condition::any()
                .add(ledger_entries::Column::Description.contains(text))
                .add(ledger_entries::Column::Reference.contains(text)),
        );
    }
    select.order_by_desc(ledger_entries::Column::Id)
}

/// A page of a customer's entries, newest first, and how many match in all.
///
/// # Errors
/// As [`ledger_customer`].
pub async fn list_entries(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
    filter: &EntryFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<ledger_entries::Model>, u64), ServiceError> {
    let customer = ledger_customer(db, actor, customer_id).await?;
    entries_of(db, &customer, filter, page, per_page).await
}

/// [`list_entries`] of `customer`, already found with [`ledger_customer`].
///
/// # Errors
/// Database errors.
pub async fn entries_of(
    db: &DatabaseConnection,
    customer: &customers::Model,
    filter: &EntryFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<ledger_entries::Model>, u64), ServiceError> {
    let per_page = per_page.clamp(1, 200);
    let paginator = entry_select(customer.id, filter).paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.max(1) - 1).await?;
    Ok((rows, total))
}

/// Up to `limit` of a customer's entries matching `filter`, newest first, for a CSV export.
///
/// # Errors
/// As [`ledger_customer`].
pub async fn export_entries(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
    filter: &EntryFilter,
    limit: u64,
) -> Result<Vec<ledger_entries::Model>, ServiceError> {
    let customer = ledger_customer(db, actor, customer_id).await?;
    Ok(entry_select(customer.id, filter)
        .limit(limit)
        .all(db)
        .await?)
}

/// Whether the customer has ledger entries (its billing currency is then fixed).
///
/// # Errors
/// Database errors.
pub async fn has_entries(
    db: &impl ConnectionTrait,
    customer_id: i64,
) -> Result<bool, ServiceError> {
    Ok(ledger_entries::Entity::find()
        .filter(ledger_entries::Column::CustomerId.eq(customer_id))
        .count(db)
        .await?
        > 0)
}
