//! Call detail records: ingestion (REST API batches, CSV uploads), rating against the route
//! snapshot (the carrier's deck in force for the buy cost, the customer's sell card of the
//! call's tier for the price) and charging each rated call once to the customer's ledger.
//!
//! A CDR is stored once per `call_id` within a tenant: a batch sent twice stores and charges
//! nothing the second time. A row that cannot be read (no call id, a start that is not a time,
//! an answer before the start) is refused and named, and the other rows go on. A row that can be
//! read but not rated (unknown carrier or customer, a number no deck prices, a card in another
//! currency than the customer's) is stored as `unrated` with the reason. A rated call with a
//! price is charged with the idempotency key `cdr:<call id>`; a charge that would pass the
//! customer's credit limit leaves the CDR `unpaid` with the reason. CDRs stored but not yet
//! charged (a crash between the two steps) are charged when the same call id arrives again.

pub mod files;
pub mod impact;
pub mod list;
pub mod quality;
mod rate;
pub mod rerate;

pub use files::{CSV_COLUMNS, ingest_csv, read_csv};

use crate::audit::Actor;
use crate::entities::{cdrs, customers};
use crate::error::{FieldError, ServiceError};
use crate::ledger::{self, Posted, Posting};
use crate::state::Services;
use chrono::{DateTime, Utc};
use domain::deck::RateDeck;
use domain::ledger::EntryKind;
use domain::number::DialContext;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// Decimals of a call's price (rounded up) and cost (rounded half-up), in the currency's units:
/// wholesale calls cost fractions of a cent, so they are kept to 4 decimals, not rounded to cents.
pub const AMOUNT_DECIMALS: u32 = 4;

/// Longest call accepted, in seconds (24 hours).
pub const MAX_CALL_SECS: u32 = 86_400;

/// Most CDRs one request may carry.
pub const MAX_BATCH: usize = 10_000;

/// A carrier, customer or tier named by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum IdOrName {
    /// Its id.
    Id(i64),
    /// Its name (case-insensitive), or its id as text.
    Name(String),
}

impl Default for IdOrName {
    fn default() -> Self {
        IdOrName::Name(String::new())
    }
}

impl IdOrName {
    /// The one item this names among `items` (id and name of each): by id, else by exact
    /// name, else by a name equal but for case, if only one is; `None` when nothing or several
    /// match.
    fn pick<'a, T>(
        &self,
        items: impl Iterator<Item = &'a T> + Clone,
        key: impl Fn(&T) -> (i64, &str),
    ) -> Option<&'a T> {
        let only = |found: Vec<&'a T>| (found.len() == 1).then(|| found[0]);
        match self {
            IdOrName::Id(i) => items.into_iter().find(|t| key(t).0 == *i),
            IdOrName::Name(text) => {
                let text = text.trim();
                if let Ok(id) = text.parse::<i64>() {
                    if let Some(t) = items.clone().find(|t| key(t).0 == id) {
                        return Some(t);
                    }
                }
                only(items.clone().filter(|t| key(t).1 == text).collect()).or_else(|| {
                    only(
                        items
                            .filter(|t| key(t).1.eq_ignore_ascii_case(text))
                            .collect(),
                    )
                })
            }
        }
    }

    fn text(&self) -> String {
        match self {
            IdOrName::Id(id) => id.to_string(),
            IdOrName::Name(text) => text.trim().to_owned(),
        }
    }
}

/// One CDR as a switch reports it (a JSON object of `POST /api/v1/cdrs`, a row of a CSV upload).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct CdrInput {
    /// The switch's unique call id (1-128 characters): a CDR is stored once per call id.
    pub call_id: String,
    /// When the call was set up, RFC 3339 (`2026-11-30T10:00:00Z`).
    pub start: String,
    /// When it was answered; empty or absent when it was not.
    #[serde(default)]
    pub answer: Option<String>,
    /// When it ended.
    #[serde(default)]
    pub end: Option<String>,
    /// Connected seconds; preferred over end minus answer when given.
    #[serde(default)]
    pub duration: Option<u32>,
    /// Calling number, as received.
    #[serde(default)]
    pub a_number: String,
    /// Called number, international format.
    pub b_number: String,
    /// The carrier that carried it: id or name.
    #[serde(default)]
    pub carrier: IdOrName,
    /// The customer that sent it: id or company name.
    #[serde(default)]
    pub customer: IdOrName,
    /// The routing tier the customer called through: id or name (`Standard`).
    #[serde(default)]
    pub tier: IdOrName,
    /// Final SIP code; when absent, 200 for an answered call and 487 otherwise.
    #[serde(default)]
    pub sip_code: Option<u16>,
    /// When the far end first rang or sent progress (SIP 180 or 183), RFC 3339 with
    /// milliseconds if known: the post-dial delay (PDD) is this less the start (RFC 6076
    /// section 4.5). Absent when the call never rang or the switch does not report it.
    #[serde(default)]
    pub ring: Option<String>,
}

/// What became of one CDR of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CdrOutcome {
    /// Its position in the batch (1-based; the line for a CSV file).
    pub row: usize,
    /// Its call id.
    pub call_id: String,
    /// `rated`, `unpaid`, `unrated`, `duplicate` (stored before: nothing changed) or `refused`
    /// (not stored: see `reason`).
    pub status: String,
    /// Why it is unrated, unpaid or refused; empty otherwise.
    pub reason: String,
    /// The price charged or due, decimal text with its currency (`0.3276 USD`), when rated.
    pub price: Option<String>,
}

/// The outcome of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct IngestReport {
    /// CDRs received.
    pub received: usize,
    /// CDRs stored now.
    pub stored: usize,
    /// CDRs stored before (same call id): nothing changed or charged again.
    pub duplicates: usize,
    /// Stored and rated (charged when their price is above zero).
    pub rated: usize,
    /// Rated, but the charge would pass the customer's credit limit.
    pub unpaid: usize,
    /// Stored without a rating (see each outcome's reason).
    pub unrated: usize,
    /// Not stored: the row could not be read.
    pub refused: usize,
    /// Every CDR's outcome, in the batch's order.
    pub outcomes: Vec<CdrOutcome>,
}

/// A CDR that could be read.
pub(super) struct Parsed {
    pub(super) row: usize,
    pub(super) input: CdrInput,
    pub(super) start: DateTime<Utc>,
    pub(super) answer: Option<DateTime<Utc>>,
    pub(super) end: Option<DateTime<Utc>>,
    /// Post-dial delay in milliseconds, when the call rang.
    pub(super) pdd_ms: Option<i32>,
}

fn time(field: &str, text: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                format!("`{}` is not a time like 2026-11-30T10:00:00Z", text.trim()),
            )
        })
}

fn optional_time(field: &str, text: &Option<String>) -> Result<Option<DateTime<Utc>>, FieldError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => time(field, t).map(Some),
    }
}

/// Reads one row; the error names the field.
fn parse(row: usize, input: CdrInput) -> Result<Parsed, FieldError> {
    let call_id = input.call_id.trim();
    if call_id.is_empty() || call_id.len() > 128 {
        return Err(FieldError::new(
            "call_id",
            "give the switch's call id (1 to 128 characters)",
        ));
    }
    let start = time("start", &input.start)?;
    let answer = optional_time("answer", &input.answer)?;
    let end = optional_time("end", &input.end)?;
    if answer.is_some_and(|a| a < start) {
        return Err(FieldError::new("answer", "is before the start"));
    }
    if let (Some(e), Some(from)) = (end, answer.or(Some(start))) {
        if e < from {
            return Err(FieldError::new(
                "end",
                "is before the answer (or the start)",
            ));
        }
    }
    let ring = optional_time("ring", &input.ring)?;
    if ring.is_some_and(|r| r < start) {
        return Err(FieldError::new("ring", "is before the start"));
    }
    if let (Some(r), Some(a)) = (ring, answer) {
        if r > a {
            return Err(FieldError::new(
                "ring",
                "is after the answer: give the first 180 or 183",
            ));
        }
    }
    // A call rings within seconds; a longer "delay" is a wrong time, kept out of the PDD.
    let pdd_ms = ring
        .map(|r| (r - start).num_milliseconds())
        .filter(|ms| *ms <= 120_000)
        .and_then(|ms| i32::try_from(ms).ok());
    if input.b_number.trim().is_empty() {
        return Err(FieldError::new("b_number", "give the called number"));
    }
    let longest = chrono::Duration::seconds(i64::from(MAX_CALL_SECS));
    if input.duration.is_some_and(|d| d > MAX_CALL_SECS)
        || end.is_some_and(|e| e - answer.unwrap_or(start) > longest)
    {
        return Err(FieldError::new(
            "duration",
            "is longer than 24 hours: no switch keeps a call up that long",
        ));
    }
    if input.sip_code.is_some_and(|c| !(100..700).contains(&c)) {
        return Err(FieldError::new(
            "sip_code",
            "is not a SIP code (100 to 699)",
        ));
    }
    Ok(Parsed {
        row,
        input: CdrInput {
            call_id: call_id.to_owned(),
            ..input
        },
        start,
        answer,
        end,
        pdd_ms,
    })
}

/// Ingests a batch of CDRs for the actor's tenant from `source` (`api`, `csv`): stores each new
/// call once, rates it and charges it (see the module's documentation). `rows` gives each CDR's
/// position for the report (the CSV line, or the index from 1).
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
    let db = &services.db;
    let tenant_id = actor.tenant_id;
    let mut report = IngestReport {
        received: rows.len(),
        ..Default::default()
    };
    let mut outcomes: Vec<Option<CdrOutcome>> = vec![None; rows.len()];
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for (i, (row, input)) in rows.into_iter().enumerate() {
        let call_id = input.call_id.trim().to_owned();
        match parse(row, input) {
            Ok(p) if !seen.insert(p.input.call_id.clone()) => {
                outcomes[i] = Some(CdrOutcome {
                    row,
                    call_id,
                    status: "duplicate".into(),
                    reason: "the same call id appears earlier in this batch".into(),
                    price: None,
                });
            }
            Ok(p) => parsed.push((i, p)),
            Err(e) => {
                outcomes[i] = Some(CdrOutcome {
                    row,
                    call_id,
                    status: "refused".into(),
                    reason: format!("{}: {}", e.field, e.message),
                    price: None,
                });
            }
        }
    }

    // Call ids stored before are duplicates (their charge is retried if it never happened).
    let ids: Vec<String> = parsed
        .iter()
        .map(|(_, p)| p.input.call_id.clone())
        .collect();
    let mut stored_before = HashSet::new();
    for chunk in ids.chunks(500) {
        let found = cdrs::Entity::find()
            .filter(cdrs::Column::TenantId.eq(tenant_id))
            .filter(cdrs::Column::CallId.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        stored_before.extend(found.into_iter().map(|c| c.call_id));
    }

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
    let now = Utc::now();
    let mut new_rows = Vec::new();
    for (_, p) in &parsed {
        if stored_before.contains(&p.input.call_id) {
            continue;
        }
        let r = rate::rate(p, &snapshot, &decks, &tenant_customers, &dial);
        let status = if r.reason.is_some() {
            "unrated"
        } else {
            "rated"
        };
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
            billed_secs: Set(i32::try_from(r.billed_secs).unwrap_or(i32::MAX)),
            a_number: Set(p.input.a_number.chars().take(64).collect()),
            // Stored as E.164 digits when it reads as a number (so searches find it), else as
            // received.
            b_number: Set(
                domain::number::E164::parse_with(&p.input.b_number, &dial).map_or_else(
                    |_| p.input.b_number.chars().take(64).collect(),
                    |n| n.to_string(),
                ),
            ),
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
            status: Set(status.to_owned()),
            reason: Set(r.reason.unwrap_or_default()),
            ledger_entry_id: Set(None),
            pdd_ms: Set(p.pdd_ms),
            source: Set(source.to_owned()),
            created_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in new_rows.chunks(500) {
        cdrs::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([cdrs::Column::TenantId, cdrs::Column::CallId])
            .exec(db)
            .await?;
    }

    // Charge every rated call of the batch not charged yet (new ones, and old ones whose charge
    // never happened); the ledger's key makes a second attempt a no-op.
    let mut stored = Vec::new();
    for chunk in ids.chunks(500) {
        stored.extend(
            cdrs::Entity::find()
                .filter(cdrs::Column::TenantId.eq(tenant_id))
                .filter(cdrs::Column::CallId.is_in(chunk.iter().cloned()))
                .all(db)
                .await?,
        );
    }
    let by_call: HashMap<String, (usize, usize)> = parsed
        .iter()
        .map(|(i, p)| (p.input.call_id.clone(), (*i, p.row)))
        .collect();
    for cdr in stored {
        let Some(&(i, row)) = by_call.get(&cdr.call_id) else {
            continue;
        };
        let before = stored_before.contains(&cdr.call_id);
        let mut status = cdr.status.clone();
        let mut reason = cdr.reason.clone();
        // A re-rated CDR was settled by its re-rating's adjustment: never charged again here.
        let due = matches!(cdr.status.as_str(), "rated" | "unpaid")
            && cdr.ledger_entry_id.is_none()
            && cdr.rerate_id.is_none();
        if let (true, Some(price), Some(customer_id)) = (due, cdr.price_micros, cdr.customer_id) {
            if price > 0 {
                (status, reason) = charge(db, tenant_id, &cdr, price, customer_id).await?;
            }
        }
        let price = cdr.price_micros.map(|m| {
            format!(
                "{} {}",
                domain::ledger::display(
                    m,
                    AMOUNT_DECIMALS.max(ledger::currency_decimals(&cdr.price_currency))
                ),
                cdr.price_currency
            )
        });
        outcomes[i] = Some(if before {
            CdrOutcome {
                row,
                call_id: cdr.call_id.clone(),
                status: "duplicate".to_owned(),
                reason: format!("stored before: {status}"),
                price,
            }
        } else {
            CdrOutcome {
                row,
                call_id: cdr.call_id.clone(),
                status,
                reason,
                price,
            }
        });
    }
    report.outcomes = outcomes.into_iter().flatten().collect();
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

/// Charges a rated CDR to its customer's ledger and records the outcome on the CDR:
/// (`rated`, "") when charged, (`unpaid`, why) when the charge would pass the credit limit.
async fn charge(
    db: &sea_orm::DatabaseConnection,
    tenant_id: i64,
    cdr: &cdrs::Model,
    price_micros: i64,
    customer_id: i64,
) -> Result<(String, String), ServiceError> {
    let posting = Posting {
        customer_id,
        kind: EntryKind::CallCharge,
        amount_micros: -price_micros,
        idempotency_key: format!("cdr:{}", cdr.call_id),
        description: format!(
            "Call to +{} ({}), {} s billed",
            cdr.b_number.trim_start_matches('+'),
            cdr.destination,
            cdr.billed_secs
        ),
        reference: format!("cdr:{}", cdr.call_id),
    };
    let (status, reason, entry) = match ledger::post(db, tenant_id, "system", posting, None).await {
        Ok(Posted::New(e) | Posted::Replayed(e)) => ("rated".to_owned(), String::new(), Some(e.id)),
        Err(ServiceError::Validation(errors)) => (
            "unpaid".to_owned(),
            errors
                .into_iter()
                .next()
                .map(|e| e.message)
                .unwrap_or_default(),
            None,
        ),
        Err(other) => return Err(other),
    };
    cdrs::Entity::update_many()
        .col_expr(
            cdrs::Column::Status,
            sea_orm::sea_query::Expr::value(status.clone()),
        )
        .col_expr(
            cdrs::Column::Reason,
            sea_orm::sea_query::Expr::value(reason.clone()),
        )
        .col_expr(
            cdrs::Column::LedgerEntryId,
            sea_orm::sea_query::Expr::value(entry),
        )
        .filter(cdrs::Column::Id.eq(cdr.id))
        // A concurrent request that charged it first wins: never turn a charged CDR unpaid.
        .filter(cdrs::Column::LedgerEntryId.is_null())
        .exec(db)
        .await?;
    Ok((status, reason))
}
