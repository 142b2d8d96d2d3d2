//! Customer statements (invoices of a period). A customer, or staff for it, asks for the
//! statement of a period ([`request`]); the `billing.statement` job ([`statement_job`]) reads the
//! ledger and the rated calls of the period, draws the PDF ([`pdf`]), stores it, and, in the
//! transaction that marks the statement done, gives it the tenant's next invoice number: a
//! statement that fails takes no number, so the numbers have no gaps.
//!
//! A statement shows the opening balance (the sum of the entries before the period), the
//! entries of the period grouped by kind, the usage by destination (rated calls, minutes and
//! what they cost), and the closing balance, which is the opening balance plus the entries of
//! the period: the figures are the ledger's, to the micro-unit.

use crate::audit::{Actor, Changes};
use crate::entities::{customers, statements, tenants};
use crate::error::ServiceError;
use crate::jobs::{JobContext, JobFailure, JobKind, JobRequest};
use crate::ledger::ledger_customer;
use crate::state::Services;
use crate::tenancy::{find_scoped, scoped};
use chrono::{DateTime, Utc};
use domain::ledger::EntryKind;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Statement, TransactionTrait,
};

pub mod pdf;

/// Payload of the `billing.statement` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementJob {
    /// The statement to generate.
    pub statement_id: i64,
}

/// Asks for the statement of `customer_id` from `from` to `to` (`YYYY-MM-DD`, UTC, both
/// included; at most 366 days, ending today at the latest) and queues its generation. Asking
/// again for the same period returns the statement already asked for (a failed one is queued
/// again). `locale` (a CLDR name such as `de`, empty for English) is how the PDF writes
/// numbers: the asker's.
///
/// # Errors
/// `Validation` naming `from` or `to`; `NotFound` for another tenant's or customer's account;
/// `Forbidden` for carrier and switch users.
pub async fn request(
    svc: &Services,
    actor: &Actor,
    customer_id: i64,
    from: &str,
    to: &str,
    locale: &str,
) -> Result<statements::Model, ServiceError> {
    let db = &svc.db;
    let customer = ledger_customer(db, actor, customer_id).await?;
    let (start, end) = crate::cdrs::list::day_range(from, to, crate::reports::MAX_DAYS)?;
    if end > Utc::now() + chrono::Duration::days(1) {
        return Err(ServiceError::field(
            "to",
            "is in the future: a statement ends today at the latest",
        ));
    }
    let existing = statements::Entity::find()
        .filter(statements::Column::CustomerId.eq(customer.id))
        .filter(statements::Column::PeriodFrom.eq(start))
        .filter(statements::Column::PeriodTo.eq(end))
        .one(db)
        .await?;
    let job_id = uuid::Uuid::new_v4().to_string();
    let statement = match existing {
        Some(s) if s.status != "failed" => return Ok(s),
        Some(s) => {
            let mut row = s.into_active_model();
            row.status = Set("queued".to_owned());
            row.message = Set(String::new());
            row.job_id = Set(job_id.clone());
            row.update(db).await?
        }
        None => {
            let txn = db.begin().await?;
            let inserted = statements::ActiveModel {
                tenant_id: Set(customer.tenant_id),
                customer_id: Set(customer.id),
                period_from: Set(start),
                period_to: Set(end),
                status: Set("queued".to_owned()),
                invoice_number: Set(None),
                currency: Set(customer.billing_currency.clone()),
                opening_micros: Set(0),
                credits_micros: Set(0),
                charges_micros: Set(0),
                closing_micros: Set(0),
                object_key: Set(String::new()),
                message: Set(String::new()),
                job_id: Set(job_id.clone()),
                created_by: Set(actor.email.clone()),
                locale: Set(locale.chars().take(35).collect()),
                created_at: Set(Utc::now()),
                finished_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            let statement = match inserted {
                Ok(s) => s,
                Err(err)
                    if matches!(
                        err.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
                {
                    txn.rollback().await?;
                    // Asked for at the same moment by another request: that one stands.
                    return statements::Entity::find()
                        .filter(statements::Column::CustomerId.eq(customer.id))
                        .filter(statements::Column::PeriodFrom.eq(start))
                        .filter(statements::Column::PeriodTo.eq(end))
                        .one(db)
                        .await?
                        .ok_or(ServiceError::NotFound);
                }
                Err(err) => return Err(err.into()),
            };
            actor
                .audit(
                    &txn,
                    "create",
                    "statement",
                    statement.id,
                    Changes::new()
                        .field("customer_id", serde_json::Value::Null, customer.id)
                        .field("from", serde_json::Value::Null, from.trim())
                        .field("to", serde_json::Value::Null, to.trim()),
                )
                .await?;
            txn.commit().await?;
            statement
        }
    };
    let request = JobRequest {
        id: job_id,
        kind: JobKind::Statement.key().to_owned(),
        payload: serde_json::json!({ "statement_id": statement.id }),
    };
    if let Err(e) = crate::jobs::push(&svc.jobs, JobKind::Statement, request).await {
        finish(
            db,
            &statement,
            "failed",
            &format!("could not be queued: {e}"),
        )
        .await?;
        return Err(e);
    }
    Ok(statement)
}

async fn finish(
    db: &DatabaseConnection,
    statement: &statements::Model,
    status: &str,
    message: &str,
) -> Result<(), ServiceError> {
    let mut row = statement.clone().into_active_model();
    row.status = Set(status.to_owned());
    row.message = Set(message.to_owned());
    row.finished_at = Set(Some(Utc::now()));
    row.update(db).await?;
    Ok(())
}

/// The statements of the tenant, newest first: a customer user's own, staff every customer's
/// (or `customer_id`'s). Returns each with its customer's company name.
///
/// # Errors
/// `NotFound` for another customer's; `Forbidden` for carrier and switch users.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    customer_id: Option<i64>,
) -> Result<Vec<(statements::Model, String)>, ServiceError> {
    let customer_id = crate::ledger::listed_customer(actor, customer_id)?;
    let mut query = scoped::<statements::Entity>(actor);
    if let Some(c) = customer_id {
        query = query.filter(statements::Column::CustomerId.eq(c));
    }
    let rows = query.order_by_desc(statements::Column::Id).all(db).await?;
    let names: std::collections::HashMap<i64, String> = scoped::<customers::Entity>(actor)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|s| {
            let name = names.get(&s.customer_id).cloned().unwrap_or_default();
            (s, name)
        })
        .collect())
}

/// The PDF of statement `id` and its file name (`statement-<number>.pdf`), for its customer or
/// staff.
///
/// # Errors
/// `NotFound` for another tenant's or customer's statement, or one not generated yet.
pub async fn download(
    svc: &Services,
    actor: &Actor,
    id: i64,
) -> Result<(String, Vec<u8>), ServiceError> {
    let statement = find_scoped::<statements::Entity>(&svc.db, actor, id).await?;
    ledger_customer(&svc.db, actor, statement.customer_id).await?;
    let (Some(number), "done") = (statement.invoice_number, statement.status.as_str()) else {
        return Err(ServiceError::NotFound);
    };
    let bytes = svc
        .objects
        .get(&statement.object_key)
        .await
        .map_err(|e| ServiceError::Unexpected(e.context("reading the statement PDF")))?
        .ok_or(ServiceError::NotFound)?;
    Ok((format!("statement-{number:06}.pdf"), bytes))
}

/// One kind's entries in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindTotal {
    /// The kind.
    pub kind: EntryKind,
    /// How many entries.
    pub entries: i64,
    /// Their sum, micro-units (signed).
    pub micros: i64,
}

/// What a statement shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementData {
    /// The tenant's brand name.
    pub brand: String,
    /// The customer.
    pub customer: customers::Model,
    /// First instant of the period.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
    /// Balance before the period, micro-units.
    pub opening: i64,
    /// The period's entries by kind, in [`EntryKind::ALL`] order, kinds without entries left out.
    pub kinds: Vec<KindTotal>,
    /// Usage by destination, largest spend first.
    pub usage: Vec<crate::reports::Usage>,
    /// Balance after the period: `opening` plus every entry of the period.
    pub closing: i64,
}

impl StatementData {
    /// Credits of the period (positive entries), micro-units.
    pub fn credits(&self) -> i64 {
        self.kinds
            .iter()
            .filter(|k| k.micros > 0)
            .map(|k| k.micros)
            .sum()
    }

    /// Charges of the period (negative entries, as a positive figure), micro-units.
    pub fn charges(&self) -> i64 {
        -self
            .kinds
            .iter()
            .filter(|k| k.micros < 0)
            .map(|k| k.micros)
            .sum::<i64>()
    }
}

/// Reads what the statement of `customer` from `from` to `to` shows.
///
/// # Errors
/// Database errors.
pub async fn compute(
    db: &DatabaseConnection,
    customer: &customers::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<StatementData, ServiceError> {
    let backend = db.get_database_backend();
    let sum = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(backend, sql, values)
    };
    let opening: i64 = db
        .query_one_raw(sum(
            "SELECT CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT) AS total FROM ledger_entries \
             WHERE customer_id = $1 AND created_at < $2",
            vec![customer.id.into(), from.into()],
        ))
        .await?
        .map(|r| r.try_get("", "total"))
        .transpose()?
        .unwrap_or(0);
    let rows = db
        .query_all_raw(sum(
            "SELECT kind, COUNT(*) AS n, CAST(COALESCE(SUM(amount_micros), 0) AS BIGINT) AS total \
             FROM ledger_entries WHERE customer_id = $1 AND created_at >= $2 AND created_at < $3 \
             GROUP BY kind",
            vec![customer.id.into(), from.into(), to.into()],
        ))
        .await?;
    let mut found = std::collections::HashMap::new();
    for r in rows {
        let kind: String = r.try_get("", "kind")?;
        found.insert(
            kind,
            (r.try_get::<i64>("", "n")?, r.try_get::<i64>("", "total")?),
        );
    }
    let kinds: Vec<KindTotal> = EntryKind::ALL
        .into_iter()
        .filter_map(|kind| {
            found.get(kind.as_str()).map(|(n, total)| KindTotal {
                kind,
                entries: *n,
                micros: *total,
            })
        })
        .collect();
    let closing = opening + kinds.iter().map(|k| k.micros).sum::<i64>();
    let brand = tenants::Entity::find_by_id(customer.tenant_id)
        .one(db)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let usage = crate::reports::usage_between(db, customer, from, to).await?;
    Ok(StatementData {
        brand,
        customer: customer.clone(),
        from,
        to,
        opening,
        kinds,
        usage,
        closing,
    })
}

/// The `billing.statement` job: computes, draws and stores the statement, then numbers it and
/// marks it done in one transaction. A statement no longer queued or running is left alone.
pub(crate) async fn statement_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: StatementJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(statement) = statements::Entity::find_by_id(p.statement_id)
        .one(db)
        .await?
    else {
        return Ok(format!("statement {} no longer exists", p.statement_id));
    };
    if !matches!(statement.status.as_str(), "queued" | "running") {
        return Ok(format!(
            "statement {} is {}: nothing to do",
            statement.id, statement.status
        ));
    }
    let failed = |e: ServiceError| JobFailure::Transient(e.to_string());
    let mut row = statement.clone().into_active_model();
    row.status = Set("running".to_owned());
    row.update(db).await?;
    let Some(customer) = customers::Entity::find_by_id(statement.customer_id)
        .one(db)
        .await?
    else {
        finish(db, &statement, "failed", "the customer no longer exists")
            .await
            .map_err(failed)?;
        return Err(JobFailure::Permanent(
            "the customer no longer exists".into(),
        ));
    };
    ctx.progress(1, 3, "reading the ledger and the calls")
        .await?;
    let data = compute(db, &customer, statement.period_from, statement.period_to)
        .await
        .map_err(failed)?;
    ctx.progress(2, 3, "drawing the PDF").await?;
    // The number is known only inside the transaction below; the PDF shows the one it will get
    // if nothing else is numbered meanwhile, and is drawn again if another statement took it.
    for _ in 0..5 {
        let next = peek_number(db, statement.tenant_id).await.map_err(failed)?;
        let format = domain::locale::NumberFormat::for_tag(&statement.locale);
        let bytes = pdf::render(&data, next, Utc::now(), &format);
        let key = format!(
            "statements/{}/{}-{next}.pdf",
            statement.tenant_id, statement.id
        );
        ctx.services
            .objects
            .put(&key, bytes)
            .await
            .map_err(|e| JobFailure::Transient(format!("storing the PDF: {e}")))?;
        let txn = db.begin().await?;
        let number = take_number(&txn, statement.tenant_id)
            .await
            .map_err(failed)?;
        if number != next {
            txn.rollback().await?;
            ctx.services.objects.delete(&key).await.ok();
            continue;
        }
        let mut row = statement.clone().into_active_model();
        row.status = Set("done".to_owned());
        row.invoice_number = Set(Some(number));
        row.opening_micros = Set(data.opening);
        row.credits_micros = Set(data.credits());
        row.charges_micros = Set(data.charges());
        row.closing_micros = Set(data.closing);
        row.object_key = Set(key);
        row.message = Set(String::new());
        row.finished_at = Set(Some(Utc::now()));
        row.update(&txn).await?;
        txn.commit().await?;
        ctx.progress(3, 3, "done").await?;
        return Ok(format!(
            "statement {} of customer {} is invoice {number}",
            statement.id, customer.id
        ));
    }
    Err(JobFailure::Transient(
        "other statements kept taking the next invoice number".into(),
    ))
}

/// The number the tenant's next statement gets.
async fn peek_number(db: &DatabaseConnection, tenant_id: i64) -> Result<i64, ServiceError> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT last_number FROM invoice_counters WHERE tenant_id = $1",
            [tenant_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "last_number"))
        .transpose()?
        .unwrap_or(0)
        + 1)
}

/// Counts the tenant's invoice number up within `txn` and returns it (the row is locked until
/// the transaction ends, so concurrent statements are numbered one after the other).
async fn take_number(txn: &impl ConnectionTrait, tenant_id: i64) -> Result<i64, ServiceError> {
    let backend = txn.get_database_backend();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO invoice_counters (tenant_id, last_number) VALUES ($1, 0) \
         ON CONFLICT (tenant_id) DO NOTHING",
        [tenant_id.into()],
    ))
    .await?;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE invoice_counters SET last_number = last_number + 1 WHERE tenant_id = $1 \
             RETURNING last_number",
            [tenant_id.into()],
        ))
        .await?
        .ok_or_else(|| ServiceError::Unexpected(anyhow::anyhow!("no invoice counter")))?;
    Ok(row.try_get("", "last_number")?)
}
