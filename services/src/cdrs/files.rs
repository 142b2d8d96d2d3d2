//! CDR files: a CSV with a header row, read into rows for [`super::ingest`], each unreadable
//! line named by its number.

use super::{CdrInput, CdrOutcome, IdOrName, IngestReport, ingest};
use crate::audit::Actor;
use crate::error::ServiceError;
use crate::state::Services;

/// The columns of a CDR file, by header name (any order, case-insensitive; extra columns are
/// ignored): `call_id`, `start`, `answer`, `end`, `duration`, `a_number`, `b_number`, `carrier`,
/// `customer`, `tier`, `sip_code`, `ring`.
pub const CSV_COLUMNS: [&str; 12] = [
    "call_id", "start", "answer", "end", "duration", "a_number", "b_number", "carrier", "customer",
    "tier", "sip_code", "ring",
];

/// Reads a CDR file (UTF-8 CSV with a header row) into numbered rows for [`ingest`], and the
/// outcomes of the lines that cannot be read (`refused`, naming the line and the column).
///
/// # Errors
/// `Validation{file}` when the file is empty, has no header row or lacks a required column
/// (`call_id`, `start`, `b_number`, `carrier`, `customer`, `tier`).
pub fn read_csv(bytes: &[u8]) -> Result<(Vec<(usize, CdrInput)>, Vec<CdrOutcome>), ServiceError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ServiceError::field(
            "file",
            "the file is empty: send a CSV with a header row and one CDR per line",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ServiceError::field("file", &format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let missing: Vec<&str> = [
        "call_id", "start", "b_number", "carrier", "customer", "tier",
    ]
    .into_iter()
    .filter(|c| column(c).is_none())
    .collect();
    if !missing.is_empty() {
        return Err(ServiceError::field(
            "file",
            &format!(
                "the header row lacks {}: the columns are {}",
                missing.join(", "),
                CSV_COLUMNS.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut refused = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                refused.push(CdrOutcome {
                    row: line,
                    call_id: String::new(),
                    status: "refused".into(),
                    reason: format!("line {line}: {e}"),
                    price: None,
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let get = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        let optional = |name: &str| Some(get(name)).filter(|v| !v.is_empty());
        let number = |name: &str| -> Result<Option<u32>, String> {
            optional(name)
                .map(|v| {
                    v.parse::<u32>().map_err(|_| {
                        format!("line {line}, column {name}: `{v}` is not a whole number")
                    })
                })
                .transpose()
        };
        let parsed = number("duration").and_then(|duration| {
            let sip = number("sip_code")?;
            let sip_code = sip
                .map(|s| {
                    u16::try_from(s)
                        .ok()
                        .filter(|s| (100..700).contains(s))
                        .ok_or_else(|| {
                            format!("line {line}, column sip_code: `{s}` is not a SIP code")
                        })
                })
                .transpose()?;
            Ok((duration, sip_code))
        });
        match parsed {
            Ok((duration, sip_code)) => rows.push((
                line,
                CdrInput {
                    call_id: get("call_id"),
                    start: get("start"),
                    answer: optional("answer"),
                    end: optional("end"),
                    duration,
                    a_number: get("a_number"),
                    b_number: get("b_number"),
                    carrier: IdOrName::Name(get("carrier")),
                    customer: IdOrName::Name(get("customer")),
                    tier: IdOrName::Name(get("tier")),
                    sip_code,
                    ring: optional("ring"),
                },
            )),
            Err(reason) => refused.push(CdrOutcome {
                row: line,
                call_id: get("call_id"),
                status: "refused".into(),
                reason,
                price: None,
            }),
        }
    }
    Ok((rows, refused))
}

/// Reads a CDR file ([`read_csv`]) and ingests its readable lines ([`ingest`]); the report's
/// outcomes name file lines, and the unreadable lines are among them as `refused`.
///
/// # Errors
/// As [`read_csv`] and [`ingest`] (a file of more than [`MAX_BATCH`] lines is refused whole).
pub async fn ingest_csv(
    services: &Services,
    actor: &Actor,
    bytes: &[u8],
) -> Result<IngestReport, ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    let (rows, refused) = read_csv(bytes)?;
    let mut report = if rows.is_empty() {
        IngestReport::default()
    } else {
        ingest(services, actor, rows, "csv").await?
    };
    report.received += refused.len();
    report.refused += refused.len();
    report.outcomes.extend(refused);
    report.outcomes.sort_by_key(|o| o.row);
    if report.received == 0 {
        return Err(ServiceError::field(
            "file",
            "the file has a header row but no CDR",
        ));
    }
    Ok(report)
}
