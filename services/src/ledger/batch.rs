//! Posting many balance changes of one customer at once, inside the caller's transaction: the
//! CDR batches' call charges. The rules are those of [`super::post`], applied in the batch's
//! order against one locked balance: a key posted before (or earlier in the batch) is a replay
//! and moves nothing, a debit that would pass the credit limit is refused with the figures and
//! the next postings go on from the same balance.
//!
//! The customers' balance rows are locked first (PostgreSQL: `SELECT … ORDER BY customer_id FOR
//! UPDATE`, in ascending id order so that two batches never wait on each other in a cycle;
//! SQLite: an `UPDATE`, which takes the database's one write lock), so no other posting of these
//! customers runs between the key check and the inserts. Then one look-up of the keys, the
//! entries of every customer in a few multi-row `INSERT`s, and each cached balance written once:
//! a handful of statements for thousands of postings.

use super::{MAX_KEY_LEN, Posting, credit_limit_micros};
use crate::entities::{customers, ledger_entries};
use crate::error::ServiceError;
use chrono::Utc;
use domain::ledger;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Statement, Value,
};
use std::collections::HashMap;

/// Rows per multi-row `INSERT` of entries (14 values each: 28,000 in all, under SQLite's
/// 32,766 and PostgreSQL's 65,535 bind parameters), and keys per look-up.
const INSERT_ROWS: usize = 2_000;

/// What became of one posting of [`post_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Written now: the new entry's id.
    New(i64),
    /// Its key was posted before (or earlier in the same batch) with the same amount and kind:
    /// that entry's id; nothing moved.
    Replayed(i64),
    /// Not posted, and why: a debit past the credit limit (the balance, the limit and what to
    /// do), a key used before for another amount or kind, an empty or too long key, or an amount
    /// of the wrong sign for its kind.
    Refused(String),
}

impl BatchOutcome {
    /// The entry posted or replayed, if any.
    pub fn entry_id(&self) -> Option<i64> {
        match self {
            BatchOutcome::New(id) | BatchOutcome::Replayed(id) => Some(*id),
            BatchOutcome::Refused(_) => None,
        }
    }
}

/// Where a posting's entry comes from, before the inserts return the new ids.
enum Plan {
    Known(i64),
    Pending(usize),
    Refused(String),
}

/// Posts `postings` (all for `customer`, of tenant `tenant_id`) in order: [`post_batches`] for
/// one customer.
///
/// # Errors
/// As [`post_batches`].
pub async fn post_batch(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    created_by: &str,
    customer: &customers::Model,
    postings: &[Posting],
) -> Result<Vec<BatchOutcome>, ServiceError> {
    let mut out = post_batches(txn, tenant_id, created_by, &[(customer, postings)]).await?;
    Ok(out.pop().unwrap_or_default())
}

/// Posts each customer's postings in their order, by `created_by`, in `txn`: for each
/// `(customer, postings)` (customers of tenant `tenant_id`, each once), one outcome per posting,
/// in the same order. Nothing is visible before the caller commits; a rollback undoes all of it.
///
/// # Errors
/// `Unexpected` when a posting names another customer than its group's, or a customer comes
/// twice; database errors. Refusals are outcomes.
pub async fn post_batches(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    created_by: &str,
    groups: &[(&customers::Model, &[Posting])],
) -> Result<Vec<Vec<BatchOutcome>>, ServiceError> {
    let mut ids: Vec<i64> = groups.iter().map(|(c, _)| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != groups.len()
        || groups.iter().any(|(c, _)| c.tenant_id != tenant_id)
        || groups
            .iter()
            .any(|(c, postings)| postings.iter().any(|p| p.customer_id != c.id))
    {
        return Err(ServiceError::Unexpected(anyhow::anyhow!(
            "a batch of postings names a customer twice or of another tenant, or a posting another customer"
        )));
    }
    if groups.iter().all(|(_, postings)| postings.is_empty()) {
        return Ok(groups.iter().map(|_| Vec::new()).collect());
    }
    let backend = txn.get_database_backend();
    let now = Utc::now();
    crate::db::custom_plans(txn).await?;
    let mut balances = lock_balances(txn, tenant_id, groups, now).await?;

    // Entries posted before under these keys: key -> (id, amount, kind), per customer.
    let mut planner = Planner {
        created_by,
        now,
        known: HashMap::new(),
        rows: Vec::new(),
    };
    let keys: Vec<String> = groups
        .iter()
        .flat_map(|(_, postings)| postings.iter().map(|p| p.idempotency_key.trim().to_owned()))
        .collect();
    for chunk in keys.chunks(INSERT_ROWS) {
        let found: Vec<(i64, i64, String, i64, String)> = ledger_entries::Entity::find()
            .select_only()
            .columns([
                ledger_entries::Column::Id,
                ledger_entries::Column::CustomerId,
                ledger_entries::Column::IdempotencyKey,
                ledger_entries::Column::AmountMicros,
                ledger_entries::Column::Kind,
            ])
            .filter(ledger_entries::Column::CustomerId.is_in(ids.iter().copied()))
            .filter(ledger_entries::Column::IdempotencyKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        for (id, customer_id, key, amount, kind) in found {
            planner.known.insert(
                (customer_id, key),
                Known {
                    id: Some(id),
                    pending: 0,
                    amount,
                    kind,
                },
            );
        }
    }

    let mut plans: Vec<Vec<Plan>> = Vec::with_capacity(groups.len());
    let mut written: HashMap<i64, i64> = HashMap::new();
    for (customer, postings) in groups {
        let balance = balances.entry(customer.id).or_default();
        let limit = credit_limit_micros(customer);
        let mut group = Vec::with_capacity(postings.len());
        for posting in postings.iter() {
            let before = planner.rows.len();
            group.push(planner.plan(posting, customer, limit, balance));
            if planner.rows.len() > before {
                *written.entry(customer.id).or_default() += 1;
            }
        }
        plans.push(group);
    }

    let rows = planner.rows;
    let keys_in_order: Vec<(i64, String)> = rows
        .iter()
        .map(|r| {
            (
                *r.customer_id.as_ref(),
                r.idempotency_key.as_ref().to_owned(),
            )
        })
        .collect();
    let mut new_ids: HashMap<(i64, String), i64> = HashMap::with_capacity(rows.len());
    let total = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_ROWS).collect();
        for entry in ledger_entries::Entity::insert_many(chunk)
            .exec_with_returning(txn)
            .await?
        {
            new_ids.insert((entry.customer_id, entry.idempotency_key), entry.id);
        }
    }
    for (customer_id, count) in &written {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE customer_balances SET balance_micros = $1, entry_count = entry_count + $2 \
             WHERE customer_id = $3",
            [
                balances
                    .get(customer_id)
                    .copied()
                    .unwrap_or_default()
                    .into(),
                (*count).into(),
                (*customer_id).into(),
            ],
        ))
        .await?;
    }
    let id_of = |pending: usize| -> Result<i64, ServiceError> {
        new_ids
            .get(&keys_in_order[pending])
            .copied()
            .ok_or_else(|| {
                ServiceError::Unexpected(anyhow::anyhow!("an inserted entry returned no id"))
            })
    };
    let mut first_use = vec![true; total];
    let mut outcomes = Vec::with_capacity(plans.len());
    for group in plans {
        let mut out = Vec::with_capacity(group.len());
        for plan in group {
            out.push(match plan {
                Plan::Known(id) => BatchOutcome::Replayed(id),
                Plan::Pending(i) if std::mem::take(&mut first_use[i]) => {
                    BatchOutcome::New(id_of(i)?)
                }
                Plan::Pending(i) => BatchOutcome::Replayed(id_of(i)?),
                Plan::Refused(why) => BatchOutcome::Refused(why),
            });
        }
        outcomes.push(out);
    }
    Ok(outcomes)
}

/// An entry posted before (`id`) or planned in this batch (`pending`, its row), with its amount
/// and kind.
struct Known {
    id: Option<i64>,
    pending: usize,
    amount: i64,
    kind: String,
}

/// The entries known so far (posted before, or planned) and the rows to insert.
struct Planner<'a> {
    created_by: &'a str,
    now: chrono::DateTime<Utc>,
    known: HashMap<(i64, String), Known>,
    rows: Vec<ledger_entries::ActiveModel>,
}

impl Planner<'_> {
    /// Decides one posting against the customer's running `balance`: a replay, a refusal, or a new
    /// row (pushed to `rows`, the balance moved).
    fn plan(
        &mut self,
        posting: &Posting,
        customer: &customers::Model,
        limit: i64,
        balance: &mut i64,
    ) -> Plan {
        let key = posting.idempotency_key.trim().to_owned();
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Plan::Refused("the idempotency key must be 1 to 200 characters".to_owned());
        }
        if let Err(e) = posting.kind.check_sign(posting.amount_micros) {
            return Plan::Refused(e.to_string());
        }
        if let Some(k) = self.known.get(&(customer.id, key.clone())) {
            return if k.amount == posting.amount_micros && k.kind == posting.kind.as_str() {
                k.id.map_or(Plan::Pending(k.pending), Plan::Known)
            } else {
                Plan::Refused(format!(
                    "the key {key} was used before for another amount or kind"
                ))
            };
        }
        let floor = if posting.kind.bound_by_credit_limit() {
            ledger::floor(limit)
        } else {
            i64::MIN
        };
        match balance.checked_add(posting.amount_micros) {
            Some(after) if posting.amount_micros >= 0 || after >= floor => {
                *balance = after;
                self.known.insert(
                    (customer.id, key.clone()),
                    Known {
                        id: None,
                        pending: self.rows.len(),
                        amount: posting.amount_micros,
                        kind: posting.kind.as_str().to_owned(),
                    },
                );
                let (original_micros, original_currency, fx_rate) = posting.fx_columns();
                self.rows.push(ledger_entries::ActiveModel {
                    tenant_id: sea_orm::Set(customer.tenant_id),
                    customer_id: sea_orm::Set(customer.id),
                    kind: sea_orm::Set(posting.kind.as_str().to_owned()),
                    amount_micros: sea_orm::Set(posting.amount_micros),
                    currency: sea_orm::Set(customer.billing_currency.clone()),
                    balance_after_micros: sea_orm::Set(after),
                    idempotency_key: sea_orm::Set(key),
                    description: sea_orm::Set(posting.description.clone()),
                    reference: sea_orm::Set(posting.reference.clone()),
                    created_by: sea_orm::Set(self.created_by.to_owned()),
                    created_at: sea_orm::Set(self.now),
                    original_micros: sea_orm::Set(original_micros),
                    original_currency: sea_orm::Set(original_currency),
                    fx_rate: sea_orm::Set(fx_rate),
                    ..Default::default()
                });
                Plan::Pending(self.rows.len() - 1)
            }
            _ => Plan::Refused(
                ledger::insufficient(
                    *balance,
                    posting.amount_micros,
                    limit,
                    &customer.billing_currency,
                )
                .to_string(),
            ),
        }
    }
}

/// Creates the customers' balance rows that do not exist yet and locks them all; returns each
/// customer's balance, micro-units.
async fn lock_balances(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    groups: &[(&customers::Model, &[Posting])],
    now: chrono::DateTime<Utc>,
) -> Result<HashMap<i64, i64>, ServiceError> {
    let backend = txn.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let mut tuples = Vec::new();
    for (customer, _) in groups {
        let n = values.len();
        tuples.push(format!(
            "(${}, ${}, ${}, 0, 0, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ));
        values.extend([
            customer.id.into(),
            tenant_id.into(),
            customer.billing_currency.clone().into(),
            now.into(),
        ]);
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO customer_balances (customer_id, tenant_id, currency, balance_micros, entry_count, updated_at) \
             VALUES {} ON CONFLICT (customer_id) DO NOTHING",
            tuples.join(", ")
        ),
        values,
    ))
    .await?;
    let list: Vec<String> = groups.iter().map(|(c, _)| c.id.to_string()).collect();
    let list = list.join(", ");
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "SELECT customer_id, balance_micros FROM customer_balances \
             WHERE customer_id IN ({list}) ORDER BY customer_id FOR UPDATE"
        ),
        _ => format!(
            "UPDATE customer_balances SET updated_at = updated_at WHERE customer_id IN ({list}) \
             RETURNING customer_id, balance_micros"
        ),
    };
    let mut balances = HashMap::new();
    for row in txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        balances.insert(
            row.try_get::<i64>("", "customer_id")?,
            row.try_get::<i64>("", "balance_micros")?,
        );
    }
    Ok(balances)
}
