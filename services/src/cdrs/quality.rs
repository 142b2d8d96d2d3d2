//! Traffic quality from the stored CDRs: attempts, answers, the callee's own failures,
//! connected seconds and post-dial delays (`domain::quality::CallCounts`, from which ASR, ACD,
//! NER and PDD follow), for a carrier's or a customer's calls, in total or split per day, per
//! hour, per destination, per customer or per carrier. Sums run in the database.

use crate::audit::Actor;
use crate::entities::{carriers, customers};
use crate::error::ServiceError;
use crate::tenancy::in_tenant;
use chrono::{DateTime, Utc};
use domain::quality::{CallCounts, USER_CODES};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::collections::HashMap;

/// Whose calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The calls a carrier carried (who may see the carrier: `crate::carriers::deck_owner`).
    Carrier(i64),
    /// The calls a customer sent (staff, or the customer's own users).
    Customer(i64),
}

/// How the calls are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// One line for all of them.
    Total,
    /// Per UTC day, `2026-11-30`.
    Day,
    /// Per UTC hour, `2026-11-30 16:00`.
    Hour,
    /// Per destination name.
    Destination,
    /// Per customer.
    Customer,
    /// Per carrier.
    Carrier,
}

/// One line: its label (a day, an hour, a destination, a name) and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityLine {
    /// What the line is.
    pub label: String,
    /// Its call counts.
    pub counts: CallCounts,
}

fn key(split: Split, backend: DatabaseBackend) -> &'static str {
    let pg = backend == DatabaseBackend::Postgres;
    match (split, pg) {
        (Split::Total, _) => "''",
        (Split::Hour, true) => "to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')",
        (Split::Day, _) => crate::reports::day_expr(backend),
        // SeaORM keeps SQLite times as RFC 3339 text in UTC: `2026-11-30T16:50:40.418+00:00`.
        (Split::Hour, false) => "replace(substr(start_at, 1, 13), 'T', ' ')",
        (Split::Destination, _) => "destination",
        (Split::Customer, _) => "CAST(customer_id AS TEXT)",
        (Split::Carrier, _) => "CAST(carrier_id AS TEXT)",
    }
}

/// The quality of `scope`'s calls that started in `[since, until)`, split as `split`: lines in
/// label order (days and hours oldest first), or by most attempts for names and destinations.
///
/// # Errors
/// `NotFound` for a carrier or customer the actor may not see; database errors.
pub async fn quality(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: Scope,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    split: Split,
) -> Result<Vec<QualityLine>, ServiceError> {
    let (column, id) = match scope {
        Scope::Carrier(id) => {
            crate::carriers::deck_owner(db, actor, id).await?;
            ("carrier_id", id)
        }
        Scope::Customer(id) => {
            crate::ledger::ledger_customer(db, actor, id).await?;
            ("customer_id", id)
        }
    };
    let backend = db.get_database_backend();
    let codes = USER_CODES
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let answered = "(answer_at IS NOT NULL OR duration_secs > 0)";
    let k = key(split, backend);
    // PostgreSQL refuses a constant in GROUP BY: the total is one aggregate row without it.
    let group = if split == Split::Total {
        String::new()
    } else {
        format!("GROUP BY {k}")
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {k} AS k, COUNT(*) AS attempts, \
                 CAST(COALESCE(SUM(CASE WHEN {answered} THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
                 CAST(COALESCE(SUM(CASE WHEN NOT {answered} AND sip_code IN ({codes}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS user_failures, \
                 CAST(COALESCE(SUM(CASE WHEN {answered} THEN duration_secs ELSE 0 END), 0) AS BIGINT) AS answered_secs, \
                 COUNT(pdd_ms) AS pdd_calls, \
                 CAST(COALESCE(SUM(pdd_ms), 0) AS BIGINT) AS pdd_ms \
                 FROM cdrs WHERE tenant_id = $1 AND {column} = $2 AND start_at >= $3 AND start_at < $4 \
                 {group}"
            ),
            [actor.tenant_id.into(), id.into(), since.into(), until.into()],
        ))
        .await?;
    let names: HashMap<String, String> = match split {
        Split::Customer => in_tenant::<customers::Entity>(actor.tenant_id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.company_name))
            .collect(),
        Split::Carrier => in_tenant::<carriers::Entity>(actor.tenant_id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name))
            .collect(),
        _ => HashMap::new(),
    };
    let mut lines = Vec::new();
    for row in rows {
        let count = |c: &str| -> Result<u64, ServiceError> {
            let v: i64 = row.try_get("", c)?;
            Ok(u64::try_from(v).unwrap_or(0))
        };
        let k: Option<String> = row.try_get("", "k")?;
        let k = k.unwrap_or_default();
        let label = match split {
            Split::Hour => format!("{k}:00"),
            Split::Customer | Split::Carrier if k.is_empty() => "(unknown)".to_owned(),
            Split::Customer | Split::Carrier => {
                names.get(&k).cloned().unwrap_or_else(|| format!("#{k}"))
            }
            Split::Destination if k.is_empty() => "(no destination)".to_owned(),
            _ => k,
        };
        lines.push(QualityLine {
            label,
            counts: CallCounts {
                attempts: count("attempts")?,
                answered: count("answered")?,
                user_failures: count("user_failures")?,
                answered_secs: count("answered_secs")?,
                pdd_calls: count("pdd_calls")?,
                pdd_ms: count("pdd_ms")?,
            },
        });
    }
    match split {
        Split::Day | Split::Hour | Split::Total => lines.sort_by(|a, b| a.label.cmp(&b.label)),
        _ => lines.sort_by(|a, b| {
            b.counts
                .attempts
                .cmp(&a.counts.attempts)
                .then_with(|| a.label.cmp(&b.label))
        }),
    }
    Ok(lines)
}
