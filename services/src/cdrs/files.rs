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

/// A CDR file being read: the header checked, then the lines in batches ([`CdrFile::next_batch`]),
/// so a file of a million lines is never held as rows all at once.
pub struct CdrFile {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    headers: Vec<String>,
}

/// Some lines of a [`CdrFile`]: the readable ones numbered by line, and the outcomes of those
/// that cannot be read (`refused`, naming the line and the column).
#[derive(Debug, Default)]
pub struct FileBatch {
    /// Readable lines: (line number, CDR).
    pub rows: Vec<(usize, CdrInput)>,
    /// Unreadable lines.
    pub refused: Vec<CdrOutcome>,
    /// The number of the batch's last line (0 for an empty batch).
    pub last_line: usize,
}

impl CdrFile {
    /// Opens a CDR file (UTF-8 CSV, with or without a byte-order mark, with a header row; bytes
    /// that are not UTF-8 read as U+FFFD) and checks its header.
    ///
    /// # Errors
    /// `Validation{file}` when the file is empty, has no header row or lacks a required column
    /// (`call_id`, `start`, `b_number`, `carrier`, `customer`, `tier`).
    pub fn open(bytes: Vec<u8>) -> Result<Self, ServiceError> {
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        if text.trim().trim_start_matches('\u{feff}').trim().is_empty() {
            return Err(ServiceError::field(
                "file",
                "the file is empty: send a CSV with a header row and one CDR per line",
            ));
        }
        let mut cursor = std::io::Cursor::new(text.into_bytes());
        if cursor.get_ref().starts_with("\u{feff}".as_bytes()) {
            cursor.set_position(3);
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(cursor);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| {
                ServiceError::field("file", &format!("the header row cannot be read: {e}"))
            })?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let missing: Vec<&str> = [
            "call_id", "start", "b_number", "carrier", "customer", "tier",
        ]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
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
        Ok(CdrFile { reader, headers })
    }

    /// The next lines, up to `max` of them; `None` at the end of the file.
    pub fn next_batch(&mut self, max: usize) -> Option<FileBatch> {
        let mut batch = FileBatch::default();
        let mut record = csv::StringRecord::new();
        while batch.rows.len() + batch.refused.len() < max.max(1) {
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    batch.last_line = line;
                    match self.row(line, &record) {
                        Ok(input) => batch.rows.push((line, input)),
                        Err(refused) => batch.refused.push(refused),
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    batch.last_line = batch.last_line.max(line);
                    batch.refused.push(CdrOutcome {
                        row: line,
                        call_id: String::new(),
                        status: "refused".into(),
                        reason: format!("line {line}: {e}"),
                        price: None,
                    });
                }
            }
        }
        (!batch.rows.is_empty() || !batch.refused.is_empty()).then_some(batch)
    }

    /// Reads one record (line `line`) into a CDR, or the outcome that refuses it.
    fn row(&self, line: usize, record: &csv::StringRecord) -> Result<CdrInput, CdrOutcome> {
        let get = |name: &str| {
            self.headers
                .iter()
                .position(|h| h == name)
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
            Ok((duration, sip_code)) => Ok(CdrInput {
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
            }),
            Err(reason) => Err(CdrOutcome {
                row: line,
                call_id: get("call_id"),
                status: "refused".into(),
                reason,
                price: None,
            }),
        }
    }
}

/// Reads a whole CDR file ([`CdrFile`]) into numbered rows for [`ingest`], and the outcomes of
/// the lines that cannot be read.
///
/// # Errors
/// As [`CdrFile::open`].
pub fn read_csv(bytes: &[u8]) -> Result<(Vec<(usize, CdrInput)>, Vec<CdrOutcome>), ServiceError> {
    let mut file = CdrFile::open(bytes.to_vec())?;
    let mut rows = Vec::new();
    let mut refused = Vec::new();
    while let Some(batch) = file.next_batch(usize::MAX) {
        rows.extend(batch.rows);
        refused.extend(batch.refused);
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
