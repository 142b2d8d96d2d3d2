//! Low-balance alerts and the hard credit stop.
//!
//! Each customer may have a low-balance threshold (micro-units of its billing currency). The
//! `billing.check_balances` job (every minute by default, and after a threshold changes) opens
//! an alert once per crossing: `low_balance` when the balance falls below the threshold,
//! `calls_stopped` when it reaches minus the credit limit. An alert queues a notice e-mail to the
//! customer's billing address (sent once communications exist) and stays open until the balance
//! is back above its level, which re-arms it; the database keeps one open alert per customer and
//! kind, so two jobs at once still notify once.
//!
//! [`CallBudget`] is what the routes API asks per call: whether the customer may place a new
//! call at all, and how much it may still spend (balance plus credit limit).

use crate::audit::{Actor, Changes};
use crate::entities::{balance_alerts, customer_balances, customers};
use crate::error::ServiceError;
use crate::ledger::{credit_limit_micros, currency_decimals, ledger_customer, parse_amount};
use chrono::Utc;
use domain::ledger::{display, floor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

/// Alert kind: the balance fell below the customer's threshold.
pub const LOW_BALANCE: &str = "low_balance";
/// Alert kind: the balance reached minus the credit limit; new calls are refused.
pub const CALLS_STOPPED: &str = "calls_stopped";

/// An alert's kind in words, for pages.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        LOW_BALANCE => "Low balance",
        CALLS_STOPPED => "Calls stopped",
        _ => "Alert",
    }
}

/// Sets the low-balance threshold of `customer_id` from form text in its billing currency
/// (`50`, `12.50`; empty for no alert), audited, and re-checks its alerts at once. Staff may
/// set any customer's; a customer user its own.
///
/// # Errors
/// `Validation{low_balance}` for text that is not an amount (or has more than 6 decimals);
/// `NotFound` / `Forbidden` as [`ledger_customer`].
pub async fn set_threshold(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
    text: &str,
) -> Result<customers::Model, ServiceError> {
    let customer = ledger_customer(db, actor, customer_id).await?;
    let micros = if text.trim().is_empty() {
        None
    } else {
        Some(parse_amount(text).map_err(|m| ServiceError::field("low_balance", &m))?)
    };
    let minor = currency_decimals(&customer.billing_currency);
    let shown = |m: Option<i64>| m.map_or_else(String::new, |m| display(m, minor));
    let before = shown(customer.low_balance_micros);
    let txn = db.begin().await?;
    let mut model: customers::ActiveModel = customer.into();
    model.low_balance_micros = Set(micros);
    model.updated_at = Set(Utc::now());
    let row = model.update(&txn).await?;
    actor
        .audit(
            &txn,
            "update",
            "customer",
            row.id,
            Changes::new().field("low_balance", before, shown(micros)),
        )
        .await?;
    txn.commit().await?;
    check_alerts(db, Some(row.id)).await?;
    Ok(row)
}

/// What [`check_alerts`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertReport {
    /// Customers looked at.
    pub checked: usize,
    /// Alerts opened now (each queues one notice).
    pub opened: Vec<balance_alerts::Model>,
    /// Open alerts closed because the balance is back.
    pub cleared: u64,
}

impl AlertReport {
    /// One line for the job dashboard, e.g. `3 customers checked: 1 alert opened, 0 cleared`.
    pub fn summary(&self) -> String {
        format!(
            "{} customers checked: {} alert{} opened, {} cleared",
            self.checked,
            self.opened.len(),
            if self.opened.len() == 1 { "" } else { "s" },
            self.cleared
        )
    }
}

/// Opens an alert for each crossing and closes the crossings that are over, for every active
/// customer with a balance (or only `only`). Safe to run concurrently and repeatedly: an open
/// alert is never opened twice.
///
/// # Errors
/// Database errors.
pub async fn check_alerts(
    db: &DatabaseConnection,
    only: Option<i64>,
) -> Result<AlertReport, ServiceError> {
    let mut balances = customer_balances::Entity::find();
    let mut customers_q = customers::Entity::find().filter(customers::Column::Status.eq("active"));
    let mut open_q =
        balance_alerts::Entity::find().filter(balance_alerts::Column::ClearedAt.is_null());
    if let Some(id) = only {
        balances = balances.filter(customer_balances::Column::CustomerId.eq(id));
        customers_q = customers_q.filter(customers::Column::Id.eq(id));
        open_q = open_q.filter(balance_alerts::Column::CustomerId.eq(id));
    }
    let balances: HashMap<i64, i64> = balances
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.customer_id, b.balance_micros))
        .collect();
    let open: HashSet<(i64, String)> = open_q
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.customer_id, a.kind))
        .collect();
    let mut report = AlertReport::default();
    let now = Utc::now();
    for customer in customers_q.all(db).await? {
        let Some(&balance) = balances.get(&customer.id) else {
            continue;
        };
        report.checked += 1;
        let stop_level = floor(credit_limit_micros(&customer));
        let levels = [
            (
                LOW_BALANCE,
                customer.low_balance_micros,
                customer.low_balance_micros.is_some_and(|t| balance < t),
            ),
            (CALLS_STOPPED, Some(stop_level), balance <= stop_level),
        ];
        for (kind, level, crossed) in levels {
            let is_open = open.contains(&(customer.id, kind.to_owned()));
            if crossed && !is_open {
                let email_to = if customer.billing_email.trim().is_empty() {
                    customer.contact_email.clone()
                } else {
                    customer.billing_email.clone()
                };
                let alert = balance_alerts::ActiveModel {
                    tenant_id: Set(customer.tenant_id),
                    customer_id: Set(customer.id),
                    kind: Set(kind.to_owned()),
                    balance_micros: Set(balance),
                    level_micros: Set(level.unwrap_or_default()),
                    currency: Set(customer.billing_currency.clone()),
                    email_to: Set(email_to),
                    email_status: Set("queued".to_owned()),
                    created_at: Set(now),
                    cleared_at: Set(None),
                    ..Default::default()
                };
                match balance_alerts::Entity::insert(alert)
                    .exec_with_returning(db)
                    .await
                {
                    Ok(row) => report.opened.push(row),
                    // Opened meanwhile by another run: once per crossing.
                    Err(e)
                        if matches!(
                            e.sql_err(),
                            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                        ) => {}
                    Err(e) => return Err(e.into()),
                }
            } else if !crossed && is_open {
                report.cleared += balance_alerts::Entity::update_many()
                    .col_expr(
                        balance_alerts::Column::ClearedAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(balance_alerts::Column::CustomerId.eq(customer.id))
                    .filter(balance_alerts::Column::Kind.eq(kind))
                    .filter(balance_alerts::Column::ClearedAt.is_null())
                    .exec(db)
                    .await?
                    .rows_affected;
            }
        }
    }
    Ok(report)
}

/// The latest alerts of a customer, newest first (at most `limit`); who may read them as
/// [`ledger_customer`].
///
/// # Errors
/// As [`ledger_customer`].
pub async fn list_alerts(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
    limit: u64,
) -> Result<Vec<balance_alerts::Model>, ServiceError> {
    let customer = ledger_customer(db, actor, customer_id).await?;
    alerts_of(db, customer.id, limit).await
}

/// [`list_alerts`] of a customer already found with [`ledger_customer`].
///
/// # Errors
/// Database errors.
pub async fn alerts_of(
    db: &DatabaseConnection,
    customer_id: i64,
    limit: u64,
) -> Result<Vec<balance_alerts::Model>, ServiceError> {
    Ok(balance_alerts::Entity::find()
        .filter(balance_alerts::Column::CustomerId.eq(customer_id))
        .order_by_desc(balance_alerts::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// What a customer may still spend on calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBudget {
    /// The customer's billing currency.
    pub currency: String,
    /// Its balance, micro-units.
    pub balance_micros: i64,
    /// Its credit limit, micro-units.
    pub credit_limit_micros: i64,
    /// Balance plus credit limit, micro-units: what a new call may cost at most.
    pub available_micros: i64,
    /// Why new calls are refused, when they are: the customer is not active, or nothing is
    /// available.
    pub refusal: Option<String>,
}

/// The call budget of `customer` (already scoped to the caller's tenant).
///
/// # Errors
/// Database errors.
pub async fn call_budget(
    db: &impl ConnectionTrait,
    customer: &customers::Model,
) -> Result<CallBudget, ServiceError> {
    let balance = customer_balances::Entity::find_by_id(customer.id)
        .one(db)
        .await?
        .map_or(0, |b| b.balance_micros);
    let limit = credit_limit_micros(customer);
    let available = balance.saturating_add(limit);
    let minor = currency_decimals(&customer.billing_currency);
    let money = |m: i64| format!("{} {}", display(m, minor), customer.billing_currency);
    let refusal = if customer.status != "active" {
        Some(format!(
            "{} is {}: its calls are refused",
            customer.company_name, customer.status
        ))
    } else if available <= 0 {
        Some(format!(
            "{}'s balance is {} and its credit limit {}: new calls are refused until it tops up",
            customer.company_name,
            money(balance),
            money(limit)
        ))
    } else {
        None
    };
    Ok(CallBudget {
        currency: customer.billing_currency.clone(),
        balance_micros: balance,
        credit_limit_micros: limit,
        available_micros: available,
        refusal,
    })
}

/// The `billing.check_balances` job: [`check_alerts`] over every customer.
pub(crate) async fn check_job(
    ctx: &crate::jobs::JobContext,
) -> Result<String, crate::jobs::JobFailure> {
    check_alerts(&ctx.services.db, None)
        .await
        .map(|r| r.summary())
        .map_err(|e| crate::jobs::JobFailure::Transient(e.to_string()))
}
