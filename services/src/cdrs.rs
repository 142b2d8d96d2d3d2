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

pub mod file_jobs;
pub mod files;
pub mod impact;
mod ingest;
pub mod list;
pub mod quality;
mod rate;
pub mod rerate;

pub use files::{CSV_COLUMNS, ingest_csv, read_csv};
pub use ingest::ingest;

use crate::error::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
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
