//! The revenue, cost and margin report: the rated calls of a period summed by carrier, customer
//! or destination, and by day. Revenue is what customers were charged (sell price), cost what
//! carriers bill (buy cost); the margin is their difference where both are in one currency.
//! Amounts are micro-units; sums run in the database (`SUM` over BIGINT, exact).

use crate::audit::Actor;
use crate::cdrs::list::day_range;
use crate::entities::{carriers, customers};
use crate::error::ServiceError;
use crate::tenancy::in_tenant;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::collections::{BTreeMap, HashMap};

/// Longest period of the report, in days.
pub const MAX_DAYS: i64 = 366;

/// What the report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per carrier.
    Carrier,
    /// One row per customer.
    Customer,
    /// One row per destination name.
    Destination,
}

impl GroupBy {
    /// Reads `carrier`, `customer` or `destination` (empty: carrier).
    ///
    /// # Errors
    /// `Validation{by}` for anything else.
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        match text.trim() {
            "" | "carrier" => Ok(GroupBy::Carrier),
            "customer" => Ok(GroupBy::Customer),
            "destination" => Ok(GroupBy::Destination),
            other => Err(ServiceError::field(
                "by",
                &format!("`{other}` is not carrier, customer or destination"),
            )),
        }
    }

    fn column(self) -> &'static str {
        match self {
            GroupBy::Carrier => "CAST(carrier_id AS TEXT)",
            GroupBy::Customer => "CAST(customer_id AS TEXT)",
            GroupBy::Destination => "destination",
        }
    }
}

/// Money in one currency: micro-units and the ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// Micro-units.
    pub micros: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// One row: a carrier, customer or destination, in one pair of currencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginRow {
    /// The carrier's or customer's name, or the destination.
    pub name: String,
    /// Rated calls.
    pub calls: i64,
    /// Billed seconds (sell side).
    pub billed_secs: i64,
    /// Sum of the prices.
    pub revenue: Amount,
    /// Sum of the costs.
    pub cost: Amount,
    /// Revenue less cost, when both are in one currency.
    pub margin: Option<i64>,
}

/// One day's totals in the report's main currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Revenue, micro-units.
    pub revenue: i64,
    /// Cost, micro-units.
    pub cost: i64,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginReport {
    /// The period, `[start, end)`.
    pub start: DateTime<Utc>,
    /// Its end (exclusive).
    pub end: DateTime<Utc>,
    /// Rows, largest revenue first.
    pub rows: Vec<MarginRow>,
    /// Totals per (revenue currency, cost currency): calls, revenue, cost.
    pub totals: Vec<MarginRow>,
    /// The currency the days are in: the one with the most calls where price and cost share it.
    pub currency: String,
    /// Every day of the period, in `currency` (zero for days without calls).
    pub days: Vec<DayTotals>,
}

/// The SQL of a CDR's UTC day, `YYYY-MM-DD`, for `GROUP BY`.
pub(crate) fn day_expr(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        // SeaORM stores times as text beginning with the UTC date.
        _ => "substr(start_at, 1, 10)",
    }
}

/// The margin report of the rated calls that started from `from` to `to` (`YYYY-MM-DD`, UTC,
/// both included), grouped `by`; staff only.
///
/// # Errors
/// `Forbidden` unless staff; `Validation` naming `from` or `to` (see [`day_range`], at most
/// [`MAX_DAYS`]).
pub async fn margin_report(
    db: &DatabaseConnection,
    actor: &Actor,
    from: &str,
    to: &str,
    by: GroupBy,
) -> Result<MarginReport, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let (start, end) = day_range(from, to, MAX_DAYS)?;
    let backend = db.get_database_backend();
    let sums = "COUNT(*) AS calls, CAST(COALESCE(SUM(billed_secs), 0) AS BIGINT) AS secs, \
                CAST(COALESCE(SUM(price_micros), 0) AS BIGINT) AS revenue, \
                CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS cost";
    let filter =
        "FROM cdrs WHERE tenant_id = $1 AND status = 'rated' AND start_at >= $2 AND start_at < $3";
    let values =
        || -> Vec<sea_orm::Value> { vec![actor.tenant_id.into(), start.into(), end.into()] };
    let grouped = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {key} AS k, price_currency, cost_currency, {sums} {filter} \
                 GROUP BY {key}, price_currency, cost_currency",
                key = by.column()
            ),
            values(),
        ))
        .await?;
    let names: HashMap<String, String> = match by {
        GroupBy::Carrier => in_tenant::<carriers::Entity>(actor.tenant_id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect(),
        GroupBy::Customer => in_tenant::<customers::Entity>(actor.tenant_id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.company_name))
            .collect(),
        GroupBy::Destination => HashMap::new(),
    };
    let mut rows = Vec::new();
    let mut totals: BTreeMap<(String, String), MarginRow> = BTreeMap::new();
    for r in grouped {
        let key: Option<String> = r.try_get("", "k")?;
        let key = key.unwrap_or_default();
        let revenue = Amount {
            micros: r.try_get("", "revenue")?,
            currency: r.try_get("", "price_currency")?,
        };
        let cost = Amount {
            micros: r.try_get("", "cost")?,
            currency: r.try_get("", "cost_currency")?,
        };
        let row = MarginRow {
            name: match by {
                GroupBy::Destination if key.is_empty() => "(no destination)".to_owned(),
                GroupBy::Destination => key.clone(),
                _ => names
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| format!("#{key}")),
            },
            calls: r.try_get("", "calls")?,
            billed_secs: r.try_get("", "secs")?,
            margin: (revenue.currency == cost.currency).then(|| revenue.micros - cost.micros),
            revenue,
            cost,
        };
        let total = totals
            .entry((row.revenue.currency.clone(), row.cost.currency.clone()))
            .or_insert_with(|| MarginRow {
                name: "Total".to_owned(),
                calls: 0,
                billed_secs: 0,
                revenue: Amount {
                    micros: 0,
                    currency: row.revenue.currency.clone(),
                },
                cost: Amount {
                    micros: 0,
                    currency: row.cost.currency.clone(),
                },
                margin: row.margin.map(|_| 0),
            });
        total.calls += row.calls;
        total.billed_secs += row.billed_secs;
        total.revenue.micros += row.revenue.micros;
        total.cost.micros += row.cost.micros;
        if let (Some(t), Some(m)) = (total.margin.as_mut(), row.margin) {
            *t += m;
        }
        rows.push(row);
    }
    rows.sort_by(|a, b| {
        b.revenue
            .micros
            .cmp(&a.revenue.micros)
            .then_with(|| a.name.cmp(&b.name))
    });
    let currency = totals
        .values()
        .filter(|t| t.margin.is_some())
        .max_by_key(|t| t.calls)
        .map(|t| t.revenue.currency.clone())
        .unwrap_or_default();
    let by_day = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {day} AS d, {sums} {filter} AND price_currency = $4 AND cost_currency = $4 \
                 GROUP BY {day}",
                day = day_expr(backend)
            ),
            {
                let mut v = values();
                v.push(currency.clone().into());
                v
            },
        ))
        .await?;
    let mut found: HashMap<String, (i64, i64)> = HashMap::new();
    for r in by_day {
        let d: String = r.try_get("", "d")?;
        found.insert(d, (r.try_get("", "revenue")?, r.try_get("", "cost")?));
    }
    let mut days = Vec::new();
    let mut day = start.date_naive();
    while day < end.date_naive() {
        let key = day.to_string();
        let (revenue, cost) = found.get(&key).copied().unwrap_or_default();
        days.push(DayTotals {
            day: key,
            revenue,
            cost,
        });
        day = day + chrono::Days::new(1);
    }
    Ok(MarginReport {
        start,
        end,
        rows,
        totals: totals.into_values().collect(),
        currency,
        days,
    })
}

/// A customer's spend on one day or destination: rated calls, billed seconds and what they
/// were charged (micro-units of its billing currency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// `YYYY-MM-DD` (UTC) or a destination name.
    pub label: String,
    /// Rated calls.
    pub calls: i64,
    /// Billed seconds.
    pub billed_secs: i64,
    /// Charged, micro-units.
    pub spend: i64,
}

/// A customer's usage over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    /// Its billing currency.
    pub currency: String,
    /// Every day of the period, oldest first (zero for days without calls).
    pub days: Vec<Usage>,
    /// Per destination, largest spend first.
    pub by_destination: Vec<Usage>,
    /// All of it.
    pub total: Usage,
}

/// The rated calls of `customer` charged in its billing currency from `start` (included) to
/// `end` (excluded), grouped by `key` (an SQL expression over `cdrs`).
fn usage_query(
    customer: &crate::entities::customers::Model,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    key: &str,
    backend: sea_orm::DatabaseBackend,
) -> Statement {
    Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT {key} AS k, COUNT(*) AS calls, \
             CAST(COALESCE(SUM(billed_secs), 0) AS BIGINT) AS secs, \
             CAST(COALESCE(SUM(price_micros), 0) AS BIGINT) AS spend \
             FROM cdrs WHERE tenant_id = $1 AND customer_id = $2 AND status = 'rated' \
             AND price_currency = $3 AND start_at >= $4 AND start_at < $5 GROUP BY {key}"
        ),
        [
            customer.tenant_id.into(),
            customer.id.into(),
            customer.billing_currency.clone().into(),
            start.into(),
            end.into(),
        ],
    )
}

fn read_usage(rows: Vec<sea_orm::QueryResult>) -> Result<Vec<Usage>, ServiceError> {
    rows.into_iter()
        .map(|r| {
            let label: Option<String> = r.try_get("", "k")?;
            Ok(Usage {
                label: label.unwrap_or_default(),
                calls: r.try_get("", "calls")?,
                billed_secs: r.try_get("", "secs")?,
                spend: r.try_get("", "spend")?,
            })
        })
        .collect()
}

/// `customer`'s usage per destination from `start` (included) to `end` (excluded): rated calls
/// charged in its billing currency, largest spend first (statements use it).
///
/// # Errors
/// Database errors.
pub async fn usage_between(
    db: &DatabaseConnection,
    customer: &crate::entities::customers::Model,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Usage>, ServiceError> {
    let backend = db.get_database_backend();
    let mut rows = read_usage(
        db.query_all_raw(usage_query(customer, start, end, "destination", backend))
            .await?,
    )?;
    rows.sort_by(|a, b| b.spend.cmp(&a.spend).then_with(|| a.label.cmp(&b.label)));
    Ok(rows)
}

/// The usage of customer `customer_id` from `from` to `to` (`YYYY-MM-DD`, UTC, both included):
/// its rated calls charged in its billing currency, per day and per destination. Staff may read
/// any customer's, a customer user its own.
///
/// # Errors
/// `NotFound` / `Forbidden` as `crate::ledger::ledger_customer`; `Validation` naming `from` or
/// `to`.
pub async fn usage(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: i64,
    from: &str,
    to: &str,
) -> Result<UsageReport, ServiceError> {
    let customer = crate::ledger::ledger_customer(db, actor, customer_id).await?;
    let (start, end) = day_range(from, to, MAX_DAYS)?;
    let backend = db.get_database_backend();
    let found: HashMap<String, Usage> = read_usage(
        db.query_all_raw(usage_query(
            &customer,
            start,
            end,
            day_expr(backend),
            backend,
        ))
        .await?,
    )?
    .into_iter()
    .map(|u| (u.label.clone(), u))
    .collect();
    let by_destination = usage_between(db, &customer, start, end).await?;
    let mut total = Usage {
        label: "Total".to_owned(),
        ..Default::default()
    };
    for u in &by_destination {
        total.calls += u.calls;
        total.billed_secs += u.billed_secs;
        total.spend += u.spend;
    }
    let mut days = Vec::new();
    let mut day = start.date_naive();
    while day < end.date_naive() {
        let key = day.to_string();
        days.push(found.get(&key).cloned().unwrap_or(Usage {
            label: key,
            ..Default::default()
        }));
        day = day + chrono::Days::new(1);
    }
    Ok(UsageReport {
        currency: customer.billing_currency,
        days,
        by_destination,
        total,
    })
}
