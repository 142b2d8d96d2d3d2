//! Storing, rating and charging a batch of CDRs in one transaction: the batch's new calls are
//! rated against the route snapshot, all customers' charges are posted at once
//! ([`ledger::post_batches`], customers locked in ascending id order), and the CDRs are inserted with
//! their outcome and ledger entry. A failure anywhere leaves nothing of the batch behind.

use super::{AMOUNT_DECIMALS, CdrInput, CdrOutcome, IngestReport, MAX_BATCH, Parsed, parse, rate};
use crate::audit::Actor;
use crate::entities::{cdrs, customers};
use crate::error::ServiceError;
use crate::ledger::{self, BatchOutcome, Conversion, Posting};
use crate::state::Services;
use chrono::Utc;
use domain::deck::RateDeck;
use domain::ledger::EntryKind;
use domain::number::DialContext;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    TryInsertResult,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rows per multi-row `INSERT` of CDRs (28 values each: 30,800 in all, under SQLite's 32,766
/// and PostgreSQL's 65,535 bind parameters) and call ids per `IN (…)` look-up: few statements
/// per batch.
const CHUNK: usize = 1_100;

/// How often a batch is tried again when a concurrent request stored some of its call ids
/// between the duplicate check and the insert (the second try sees them as duplicates).
const ATTEMPTS: usize = 3;

/// Ingests a batch of CDRs for the actor's tenant from `source` (`api`, `csv`, `file`): stores
/// each new call once, rates it and charges it (see the module's documentation of
/// [`super`]). `rows` gives each CDR's position for the report (the CSV line, or the index
/// from 1).
///
/// # Errors
/// `Forbidden` unless staff or a switch operator; `Validation{cdrs}` for an empty batch or one
/// over [`MAX_BATCH`]; database errors. Row problems are outcomes, not errors.
pub async fn ingest(
    services: &Services,
    actor: &Actor,
    rows: Vec<(usize, CdrInput)>,
    source: &str,
) -> Result<IngestReport, ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    if rows.is_empty() || rows.len() > MAX_BATCH {
        return Err(ServiceError::field(
            "cdrs",
            &format!("send 1 to {MAX_BATCH} CDRs at a time"),
        ));
    }
    let received = rows.len();
    let mut outcomes: Vec<Option<CdrOutcome>> = vec![None; rows.len()];
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (i, (row, input)) in rows.into_iter().enumerate() {
        let call_id = input.call_id.trim().to_owned();
        match parse(row, input) {
            Ok(p) if !seen.insert(p.input.call_id.clone()) => {
                outcomes[i] = Some(outcome(
                    row,
                    call_id,
                    "duplicate",
                    "the same call id appears earlier in this batch",
                    None,
                ));
            }
            Ok(p) => parsed.push((i, p)),
            Err(e) => {
                outcomes[i] = Some(outcome(
                    row,
                    call_id,
                    "refused",
                    &format!("{}: {}", e.field, e.message),
                    None,
                ));
            }
        }
    }
    let mut attempt = 1;
    let stored = loop {
        match store(services, actor.tenant_id, &parsed, source).await? {
            Some(stored) => break stored,
            None if attempt < ATTEMPTS => attempt += 1,
            None => {
                return Err(ServiceError::Unexpected(anyhow::anyhow!(
                    "the batch kept meeting concurrent inserts of the same call ids"
                )));
            }
        }
    };
    for ((i, p), done) in parsed.iter().zip(stored) {
        outcomes[*i] = Some(match done {
            Stored::New {
                status,
                reason,
                price,
            } => outcome(p.row, p.input.call_id.clone(), &status, &reason, price),
            Stored::Before { status, price } => outcome(
                p.row,
                p.input.call_id.clone(),
                "duplicate",
                &format!("stored before: {status}"),
                price,
            ),
        });
    }
    let mut report = IngestReport {
        received,
        outcomes: outcomes.into_iter().flatten().collect(),
        ..Default::default()
    };
    for o in &report.outcomes {
        match o.status.as_str() {
            "rated" => report.rated += 1,
            "unpaid" => report.unpaid += 1,
            "unrated" => report.unrated += 1,
            "duplicate" => report.duplicates += 1,
            _ => report.refused += 1,
        }
    }
    report.stored = report.rated + report.unpaid + report.unrated;
    Ok(report)
}

fn outcome(
    row: usize,
    call_id: String,
    status: &str,
    reason: &str,
    price: Option<String>,
) -> CdrOutcome {
    CdrOutcome {
        row,
        call_id,
        status: status.to_owned(),
        reason: reason.to_owned(),
        price,
    }
}

/// What became of one readable CDR.
enum Stored {
    /// Stored now: `rated`, `unpaid` or `unrated`, why, and the price.
    New {
        status: String,
        reason: String,
        price: Option<String>,
    },
    /// Stored before under its call id (charged now if its charge never happened).
    Before {
        status: String,
        price: Option<String>,
    },
}

/// `0.3276 USD`: a call's price with at least [`AMOUNT_DECIMALS`] decimals.
fn price_text(micros: Option<i64>, currency: &str) -> Option<String> {
    micros.map(|m| {
        format!(
            "{} {currency}",
            domain::ledger::display(m, AMOUNT_DECIMALS.max(ledger::currency_decimals(currency)))
        )
    })
}

/// One charge to post: the CDR it settles (a new row's index, or a stored CDR's id).
struct Charge {
    customer_id: i64,
    posting: Posting,
    target: Target,
}

#[derive(Clone, Copy)]
enum Target {
    New(usize),
    Stored(i64),
}

fn charge_of(
    customer_id: i64,
    price_micros: i64,
    call_id: &str,
    b_number: &str,
    destination: &str,
    billed_secs: i32,
    sell: Option<(i64, &str, &str)>,
    target: Target,
) -> Charge {
    Charge {
        customer_id,
        posting: Posting {
            customer_id,
            kind: EntryKind::CallCharge,
            amount_micros: -price_micros,
            idempotency_key: format!("cdr:{call_id}"),
            description: format!(
                "Call to +{} ({destination}), {billed_secs} s billed",
                b_number.trim_start_matches('+'),
            ),
            reference: format!("cdr:{call_id}"),
            fx: sell.map(|(micros, currency, rate)| Conversion {
                original_micros: -micros,
                original_currency: currency.to_owned(),
                rate: rate.to_owned(),
            }),
        },
        target,
    }
}

/// Stores, rates and charges `parsed` in one transaction; one result per parsed CDR, in order.
/// `None` when a concurrent request stored one of the call ids meanwhile (nothing was kept:
/// try again).
async fn store(
    services: &Services,
    tenant_id: i64,
    parsed: &[(usize, Parsed)],
    source: &str,
) -> Result<Option<Vec<Stored>>, ServiceError> {
    let db = &services.db;
    let ids: Vec<String> = parsed
        .iter()
        .map(|(_, p)| p.input.call_id.clone())
        .collect();
    let before = stored_cdrs(db, tenant_id, &ids).await?;

    let snapshot = services.routes.snapshot(tenant_id).await?;
    let decks: HashMap<u32, &RateDeck> = snapshot
        .index
        .carriers()
        .iter()
        .map(|c| (c.id.0, &c.deck))
        .collect();
    let tenant_customers = crate::tenancy::in_tenant::<customers::Entity>(tenant_id)
        .all(db)
        .await?;
    let dial = DialContext::international();
    let fx = rate::Fx::load(services).await?;
    let now = Utc::now();
    let mut new_rows: Vec<cdrs::ActiveModel> = Vec::new();
    let mut charges: Vec<Charge> = Vec::new();
    for (_, p) in parsed {
        if let Some(cdr) = before.get(&p.input.call_id) {
            // A re-rated CDR was settled by its re-rating's adjustment: never charged here.
            let due = matches!(cdr.status.as_str(), "rated" | "unpaid")
                && cdr.ledger_entry_id.is_none()
                && cdr.rerate_id.is_none();
            if let (true, Some(price), Some(customer_id)) = (due, cdr.price_micros, cdr.customer_id)
                && price > 0
            {
                charges.push(charge_of(
                    customer_id,
                    price,
                    &cdr.call_id,
                    &cdr.b_number,
                    &cdr.destination,
                    cdr.billed_secs,
                    cdr.sell_micros
                        .map(|m| (m, cdr.sell_currency.as_str(), cdr.fx_rate.as_str())),
                    Target::Stored(cdr.id),
                ));
            }
            continue;
        }
        let r = rate::rate(p, &snapshot, &decks, &tenant_customers, &dial, &fx);
        let status = if r.reason.is_some() {
            "unrated"
        } else {
            "rated"
        };
        // Stored as E.164 digits when it reads as a number (so searches find it), else as
        // received.
        let b_number = domain::number::E164::parse_with(&p.input.b_number, &dial).map_or_else(
            |_| p.input.b_number.chars().take(64).collect(),
            |n| n.to_string(),
        );
        let billed_secs = i32::try_from(r.billed_secs).unwrap_or(i32::MAX);
        if let (Some((price, _)), Some(customer)) = (&r.price, &r.customer)
            && r.reason.is_none()
            && *price > 0
        {
            charges.push(charge_of(
                customer.id,
                *price,
                &p.input.call_id,
                &b_number,
                &r.destination,
                billed_secs,
                r.sell
                    .as_ref()
                    .map(|(m, c)| (*m, c.as_str(), r.fx_rate.as_str())),
                Target::New(new_rows.len()),
            ));
        }
        new_rows.push(cdrs::ActiveModel {
            tenant_id: Set(tenant_id),
            call_id: Set(p.input.call_id.clone()),
            customer_id: Set(r.customer.as_ref().map(|c| c.id)),
            carrier_id: Set(r.carrier_id),
            tier_id: Set(r.tier_id),
            start_at: Set(p.start),
            answer_at: Set(p.answer),
            end_at: Set(p.end),
            duration_secs: Set(i32::try_from(r.duration_secs).unwrap_or(i32::MAX)),
            billed_secs: Set(billed_secs),
            a_number: Set(p.input.a_number.chars().take(64).collect()),
            b_number: Set(b_number),
            sip_code: Set(i32::from(
                p.input
                    .sip_code
                    .unwrap_or(if p.answer.is_some() { 200 } else { 487 }),
            )),
            prefix: Set(r.prefix),
            destination: Set(r.destination),
            cost_micros: Set(r.cost.as_ref().map(|(m, _)| *m)),
            cost_currency: Set(r.cost.map(|(_, c)| c).unwrap_or_default()),
            price_micros: Set(r.price.as_ref().map(|(m, _)| *m)),
            price_currency: Set(r.price.map(|(_, c)| c).unwrap_or_default()),
            sell_micros: Set(r.sell.as_ref().map(|(m, _)| *m)),
            sell_currency: Set(r.sell.map(|(_, c)| c).unwrap_or_default()),
            fx_rate: Set(r.fx_rate),
            status: Set(status.to_owned()),
            reason: Set(r.reason.unwrap_or_default()),
            ledger_entry_id: Set(None),
            pdd_ms: Set(p.pdd_ms),
            source: Set(source.to_owned()),
            created_at: Set(now),
            ..Default::default()
        });
    }

    let txn = db.begin().await?;
    crate::db::custom_plans(&txn).await?;
    // Every customer's charges at once (the ledger locks the customers in ascending id order).
    let mut by_customer: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, c) in charges.iter().enumerate() {
        by_customer.entry(c.customer_id).or_default().push(i);
    }
    let mut groups: Vec<(&customers::Model, Vec<Posting>, Vec<usize>)> = Vec::new();
    for (customer_id, indexes) in by_customer {
        let Some(customer) = tenant_customers.iter().find(|c| c.id == customer_id) else {
            continue;
        };
        let postings = indexes
            .iter()
            .map(|&i| charges[i].posting.clone())
            .collect();
        groups.push((customer, postings, indexes));
    }
    let posted = ledger::post_batches(
        &txn,
        tenant_id,
        "system",
        &groups
            .iter()
            .map(|(c, postings, _)| (*c, postings.as_slice()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut settled_before: Vec<(i64, BatchOutcome)> = Vec::new();
    for ((_, _, indexes), results) in groups.iter().zip(posted) {
        for (&i, result) in indexes.iter().zip(results) {
            match charges[i].target {
                Target::New(row) => settle(&mut new_rows[row], &result),
                Target::Stored(id) => settled_before.push((id, result)),
            }
        }
    }
    let mut inserted = 0;
    let mut results = Vec::with_capacity(new_rows.len());
    for chunk in new_rows.chunks(CHUNK) {
        inserted += match cdrs::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([cdrs::Column::TenantId, cdrs::Column::CallId])
            .exec_without_returning(&txn)
            .await?
        {
            TryInsertResult::Inserted(n) => n,
            TryInsertResult::Empty | TryInsertResult::Conflicted => 0,
        };
        results.extend(chunk.iter().map(|row| Stored::New {
            status: row.status.clone().unwrap(),
            reason: row.reason.clone().unwrap(),
            price: price_text(
                row.price_micros.clone().unwrap(),
                &row.price_currency.clone().unwrap(),
            ),
        }));
    }
    if inserted != new_rows.len() as u64 {
        txn.rollback().await?;
        return Ok(None);
    }
    for (id, result) in &settled_before {
        let (status, reason, entry) = settlement(result);
        cdrs::Entity::update_many()
            .col_expr(
                cdrs::Column::Status,
                sea_orm::sea_query::Expr::value(status),
            )
            .col_expr(
                cdrs::Column::Reason,
                sea_orm::sea_query::Expr::value(reason),
            )
            .col_expr(
                cdrs::Column::LedgerEntryId,
                sea_orm::sea_query::Expr::value(entry),
            )
            .filter(cdrs::Column::Id.eq(*id))
            // Charged meanwhile by a concurrent request: never turn a charged CDR unpaid.
            .filter(cdrs::Column::LedgerEntryId.is_null())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;

    let settled: HashMap<i64, BatchOutcome> = settled_before.into_iter().collect();
    let mut results = results.into_iter();
    Ok(Some(
        parsed
            .iter()
            .map(|(_, p)| match before.get(&p.input.call_id) {
                Some(cdr) => Stored::Before {
                    status: settled
                        .get(&cdr.id)
                        .map_or_else(|| cdr.status.clone(), |r| settlement(r).0.to_owned()),
                    price: price_text(cdr.price_micros, &cdr.price_currency),
                },
                None => results.next().unwrap_or(Stored::Before {
                    status: String::new(),
                    price: None,
                }),
            })
            .collect(),
    ))
}

/// A charge's outcome as a CDR records it: (`rated`, "", entry) when charged or charged before,
/// (`unpaid`, why, none) when refused.
fn settlement(result: &BatchOutcome) -> (&'static str, String, Option<i64>) {
    match result {
        BatchOutcome::New(id) | BatchOutcome::Replayed(id) => ("rated", String::new(), Some(*id)),
        BatchOutcome::Refused(why) => ("unpaid", why.clone(), None),
    }
}

fn settle(row: &mut cdrs::ActiveModel, result: &BatchOutcome) {
    let (status, reason, entry) = settlement(result);
    row.status = Set(status.to_owned());
    row.reason = Set(reason);
    row.ledger_entry_id = Set(entry);
}

/// The tenant's CDRs among `call_ids`, by call id.
async fn stored_cdrs(
    db: &DatabaseConnection,
    tenant_id: i64,
    call_ids: &[String],
) -> Result<HashMap<String, cdrs::Model>, ServiceError> {
    let mut found = HashMap::new();
    // Read-only: a transaction only so that PostgreSQL plans each look-up for its keys.
    let txn = db.begin().await?;
    crate::db::custom_plans(&txn).await?;
    for chunk in call_ids.chunks(CHUNK) {
        for cdr in cdrs::Entity::find()
            .filter(cdrs::Column::TenantId.eq(tenant_id))
            .filter(cdrs::Column::CallId.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            found.insert(cdr.call_id.clone(), cdr);
        }
    }
    txn.commit().await?;
    Ok(found)
}
