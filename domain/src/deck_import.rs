//! Rate deck import from carrier CSV and XLSX files.
//!
//! Carriers send A-Z decks with their own column names, separators, encodings, number and date
//! spellings (see shared/data/decks/SOURCES.md). The importer detects the header row (any of the
//! first 10 rows naming at least two known columns, or one and no number), maps columns by the words carriers use
//! ([`ColumnRole`]), or takes an explicit [`ColumnMapping`], then reads each row. A bad row becomes a
//! [`RowError`] naming its line, column and reason; good rows are kept, unless
//! [`ImportOptions::strict`] rejects the whole deck. Rows with more or fewer fields than the header
//! (or, without a header, than the first row) are reported, never shifted.

mod header;
mod row;
mod source;
mod values;

pub use header::ColumnRole;
pub use values::DateOrder;

use crate::deck::{DeckError, RateDeck, RateRow};
use crate::increment::{Increment, IncrementError};
use crate::money::{Currency, MoneyError};
use crate::number::NumberError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use source::Sheet;
use std::collections::BTreeMap;
use values::Cell;

/// Which column (0-based) holds which [`ColumnRole`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// Role to 0-based column index.
    pub columns: BTreeMap<ColumnRole, usize>,
}

impl ColumnMapping {
    /// An empty mapping.
    pub fn new() -> Self {
        ColumnMapping::default()
    }

    /// This mapping with `role` read from 0-based `column`.
    pub fn with(mut self, role: ColumnRole, column: usize) -> Self {
        self.columns.insert(role, column);
        self
    }

    /// The column of `role`, if mapped.
    pub fn get(&self, role: ColumnRole) -> Option<usize> {
        self.columns.get(&role).copied()
    }
}

/// How to read a deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// The carrier's currency; a currency named in a rate or fee header must agree.
    pub currency: Currency,
    /// Explicit columns; `None` detects them from the header.
    pub mapping: Option<ColumnMapping>,
    /// `Some(false)` for a deck without header row, `Some(true)` to force the first row as header,
    /// `None` to detect it.
    pub has_header: Option<bool>,
    /// Reject the whole deck when any row is bad.
    pub strict: bool,
    /// How to read numeric dates; `None` infers it from the file (reporting ambiguity).
    pub date_order: Option<DateOrder>,
    /// Increments for rows whose deck gives none (default 60/60).
    pub default_increment: Increment,
    /// Effective date for rows without one (the caller's "now" or the announced date: this crate
    /// reads no clock).
    pub effective_from: DateTime<Utc>,
    /// Digits to remove from the front of every prefix, e.g. an international access code `"11"`.
    pub strip_prefix: Option<String>,
}

impl ImportOptions {
    /// Detect everything; rows without a date start at `effective_from`.
    pub fn new(currency: Currency, effective_from: DateTime<Utc>) -> Self {
        ImportOptions {
            currency,
            mapping: None,
            has_header: None,
            strict: false,
            date_order: None,
            default_increment: Increment::PER_MINUTE,
            effective_from,
            strip_prefix: None,
        }
    }
}

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowErrorKind {
    /// The row has fewer fields than the header (or first row) has columns, or values past
    /// its last column.
    #[error("{found} fields where the deck has {expected}")]
    FieldCount {
        /// Fields of the header or first row.
        expected: usize,
        /// Fields of this row.
        found: usize,
    },
    /// A required value is blank.
    #[error("missing value")]
    Missing,
    /// The prefix is not digits.
    #[error("bad prefix: {0}")]
    Prefix(NumberError),
    /// The rate is not a valid per-minute price.
    #[error("bad rate: {0}")]
    Rate(MoneyError),
    /// Not a number (fees, seconds).
    #[error("not a number")]
    NotANumber,
    /// Not whole seconds.
    #[error("not a whole number of seconds")]
    NotSeconds,
    /// Increments do not make sense.
    #[error("bad increment: {0}")]
    Increment(IncrementError),
    /// Not a date this importer reads.
    #[error("not a date")]
    Date,
    /// The end date is not after the effective date.
    #[error("ends at or before its effective date")]
    EndsBeforeStart,
    /// Not a known status word.
    #[error("unknown status")]
    Status,
    /// Same prefix and effective date as an earlier row.
    #[error("duplicate of line {first_line} (same prefix and effective date)")]
    Duplicate {
        /// The earlier row's line.
        first_line: u64,
    },
}

/// One rejected row: where, which column, what it held and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("line {line}{}: {kind}{}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default(), if value.is_empty() { String::new() } else { format!(" (`{value}`)") })]
pub struct RowError {
    /// 1-based line of the file (or row of the sheet).
    pub line: u64,
    /// The column's header name, or `#n` (1-based) without header; `None` for whole-row errors.
    pub column: Option<String>,
    /// The offending value as written.
    pub value: String,
    /// The reason.
    #[serde(serialize_with = "serialize_display")]
    pub kind: RowErrorKind,
    /// The row's fields as read (trimmed; at most [`ROW_FIELDS`]), so that a person can fix the
    /// row and send it again.
    pub row: Vec<String>,
}

/// Most fields a [`RowError`] keeps of its row.
pub const ROW_FIELDS: usize = 64;

fn serialize_display<S: serde::Serializer>(kind: &RowErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(kind)
}

/// Why a whole file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// No rows at all.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not CSV or a workbook this importer reads.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    /// No header row was found and no mapping was given.
    #[error("no header row found: give a column mapping for a deck without header")]
    NoHeader,
    /// The file is not a rate deck (no prefix or no rate column).
    #[error("not a rate deck: {0}")]
    NotADeck(String),
    /// A header names another currency than the carrier's.
    #[error(
        "the deck is priced in {found}, the carrier in {expected}: ask the carrier for its deck in {expected}, or add a carrier billed in {found} for this one"
    )]
    CurrencyMismatch {
        /// The carrier's currency code.
        expected: String,
        /// The code in the header.
        found: String,
    },
    /// Strict mode: the deck has bad rows.
    #[error("{} bad rows; first: {}", .0.len(), .0[0])]
    Rejected(Vec<RowError>),
    /// The rows do not form a deck.
    #[error(transparent)]
    Deck(#[from] DeckError),
}

/// The result of importing a deck: the deck, its bad rows and what was detected.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The good rows.
    pub deck: RateDeck,
    /// The bad rows, in file order.
    pub errors: Vec<RowError>,
    /// Things a person should check (ambiguous dates, ignored duplicate columns).
    pub warnings: Vec<String>,
    /// The columns used.
    pub mapping: ColumnMapping,
    /// Line of the header row, if any.
    pub header_line: Option<u64>,
    /// Header names of columns not used.
    pub ignored_columns: Vec<String>,
    /// Text encoding (`"UTF-8"`, `"windows-1252"`); `"xlsx"` for workbooks.
    pub encoding: &'static str,
    /// CSV delimiter; `None` for workbooks.
    pub delimiter: Option<char>,
    /// The header row's cells as written (empty when the deck has no header row).
    pub headers: Vec<String>,
    /// The first [`SAMPLE_ROWS`] data rows' cells as written, for a preview next to the mapping.
    pub sample: Vec<Vec<String>>,
}

/// Data rows kept as written in [`ImportReport::sample`].
pub const SAMPLE_ROWS: usize = 10;

/// Imports a CSV (or other delimited text) deck.
///
/// Errors: [`ImportError`] for the whole file; bad rows are in [`ImportReport::errors`].
pub fn import_csv(bytes: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let (text, encoding) = source::decode(bytes);
    let delimiter = source::sniff_delimiter(&text);
    let sheet = source::CsvSheet::parse(&text, delimiter)?;
    let mut report = import_sheet(&sheet, options, encoding)?;
    report.delimiter = Some(char::from(delimiter));
    Ok(report)
}

/// Imports the first sheet of an XLSX (or XLS/ODS) workbook.
///
/// Errors: as [`import_csv`].
#[cfg(feature = "xlsx")]
pub fn import_xlsx(bytes: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let sheet = source::XlsxSheet::parse(bytes)?;
    import_sheet(&sheet, options, "xlsx")
}

/// Imports a deck of either kind, recognising workbooks by their zip or OLE signature.
///
/// Errors: as [`import_csv`].
pub fn import_deck(bytes: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0");
    if workbook {
        #[cfg(feature = "xlsx")]
        return import_xlsx(bytes, options);
        #[cfg(not(feature = "xlsx"))]
        return Err(ImportError::Unreadable(
            "workbooks need the `xlsx` feature".into(),
        ));
    }
    import_csv(bytes, options)
}

/// The first `rows` rows of a deck's file as written (a header row included), to choose the
/// columns by hand when the importer cannot read the file as it is (no header, unknown words).
///
/// Errors: [`ImportError::Empty`] or [`ImportError::Unreadable`] when the file cannot be read
/// as CSV or a workbook at all.
pub fn peek(bytes: &[u8], rows: usize) -> Result<Vec<Vec<String>>, ImportError> {
    let workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0");
    let first = |sheet: &dyn Sheet| {
        (0..sheet.row_count().min(rows))
            .map(|i| {
                (0..sheet.width(i))
                    .map(|c| sheet.cell(i, c).text())
                    .collect()
            })
            .collect::<Vec<Vec<String>>>()
    };
    let found = if workbook {
        #[cfg(feature = "xlsx")]
        {
            first(&source::XlsxSheet::parse(bytes)?)
        }
        #[cfg(not(feature = "xlsx"))]
        return Err(ImportError::Unreadable(
            "workbooks need the `xlsx` feature".into(),
        ));
    } else {
        let (text, _) = source::decode(bytes);
        let delimiter = source::sniff_delimiter(&text);
        first(&source::CsvSheet::parse(&text, delimiter)?)
    };
    if found.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(found)
}

const HEADER_SCAN_ROWS: usize = 10;

fn header_roles(sheet: &dyn Sheet, row: usize) -> usize {
    let mut roles: Vec<ColumnRole> = (0..sheet.width(row))
        .filter_map(|c| match sheet.cell(row, c) {
            Cell::Text(t) => header::role_of(t),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles.len()
}

/// A header names two known columns, or one known column and holds no number at all.
fn looks_like_header(sheet: &dyn Sheet, row: usize) -> bool {
    let roles = header_roles(sheet, row);
    let has_number =
        (0..sheet.width(row)).any(|c| values::parse_decimal(sheet.cell(row, c)).is_some());
    roles >= 2 || (roles == 1 && !has_number)
}

fn import_sheet(
    sheet: &dyn Sheet,
    options: &ImportOptions,
    encoding: &'static str,
) -> Result<ImportReport, ImportError> {
    if sheet.row_count() == 0 {
        return Err(ImportError::Empty);
    }
    let header_row = match options.has_header {
        Some(false) => None,
        Some(true) => Some(0),
        None => (0..sheet.row_count().min(HEADER_SCAN_ROWS)).find(|&r| looks_like_header(sheet, r)),
    };
    let headers: Vec<String> = header_row
        .map(|r| {
            (0..sheet.width(r))
                .map(|c| sheet.cell(r, c).text())
                .collect()
        })
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let mut ignored_columns = Vec::new();
    let mapping = match (&options.mapping, header_row) {
        (Some(mapping), _) => mapping.clone(),
        (None, None) => return Err(ImportError::NoHeader),
        (None, Some(_)) => {
            let mut mapping = ColumnMapping::new();
            for (c, name) in headers.iter().enumerate() {
                match header::role_of(name) {
                    Some(role) if mapping.get(role).is_none() => mapping = mapping.with(role, c),
                    Some(role) => {
                        warnings.push(format!("column `{name}` also reads as {role:?}; ignored"));
                        ignored_columns.push(name.clone());
                    }
                    None => ignored_columns.push(name.clone()),
                }
            }
            mapping
        }
    };
    let has_prefix =
        mapping.get(ColumnRole::Prefix).is_some() || mapping.get(ColumnRole::CountryCode).is_some();
    let missing = match (has_prefix, mapping.get(ColumnRole::Rate).is_some()) {
        (false, _) => Some("prefix (dial code)"),
        (true, false) => Some("rate per minute"),
        _ => None,
    };
    if let Some(missing) = missing {
        return Err(ImportError::NotADeck(format!(
            "no {missing} column among: {}",
            headers.join(", ")
        )));
    }
    for role in [ColumnRole::Rate, ColumnRole::ConnectionFee] {
        let code = mapping
            .get(role)
            .and_then(|c| headers.get(c))
            .and_then(|h| header::currency_in(h));
        if let Some(code) = code
            && code != options.currency.code()
        {
            return Err(ImportError::CurrencyMismatch {
                expected: options.currency.code().into(),
                found: code,
            });
        }
    }
    let first_data = header_row.map_or(0, |r| r + 1);
    let expected = match header_row {
        Some(r) => sheet.width(r),
        None => sheet.width(first_data.min(sheet.row_count() - 1)),
    };
    let column_name = |c: usize| match headers.get(c) {
        Some(name) if !name.is_empty() => name.clone(),
        _ => format!("#{}", c + 1),
    };
    let sample = (first_data..sheet.row_count().min(first_data + SAMPLE_ROWS))
        .map(|i| {
            (0..sheet.width(i))
                .map(|c| sheet.cell(i, c).text())
                .collect()
        })
        .collect();
    let order = options
        .date_order
        .unwrap_or_else(|| infer_date_order(sheet, first_data, &mapping, &mut warnings));
    let reader = row::RowReader {
        sheet,
        mapping: &mapping,
        options,
        order,
        last_date: std::cell::RefCell::new(None),
    };
    let mut rows = Vec::with_capacity(sheet.row_count());
    // Each error with the index of its sheet row, so duplicates (found after the loop) merge back
    // into file order.
    let mut errors: Vec<(usize, RowError)> = Vec::new();
    for i in first_data..sheet.row_count() {
        let line = sheet.line(i);
        // A row needs a field for every column (blank trailing ones included, as spreadsheets
        // write them) and no value past the last: a missing field shifts the values after it,
        // an extra one is a stray delimiter.
        let (width, fields) = (sheet.width(i), sheet.fields(i));
        if fields < expected || width > expected {
            errors.push((
                i,
                RowError {
                    line,
                    column: None,
                    value: String::new(),
                    row: Vec::new(),
                    kind: RowErrorKind::FieldCount {
                        expected,
                        found: if width > expected { width } else { fields },
                    },
                },
            ));
            continue;
        }
        match reader.row(i) {
            Ok(row) => rows.push((i, row)),
            Err((column, value, kind)) => errors.push((
                i,
                RowError {
                    line,
                    column: column.map(column_name),
                    value,
                    kind,
                    row: Vec::new(),
                },
            )),
        }
    }
    // Sort the good rows as the deck keeps them (prefix key, effective date, line); a row with
    // the prefix and effective date of an earlier one is a duplicate of the first such row. The
    // sort is of small keys, then the rows are moved into place once.
    let mut order: Vec<(u64, DateTime<Utc>, u64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(n, (_, row))| (row.prefix.key(), row.effective_from, row.line, n as u32))
        .collect();
    order.sort_unstable_by_key(|&(key, from, line, n)| (key, from, line, n));
    let mut keep: Vec<u32> = Vec::with_capacity(order.len());
    let mut duplicates: Vec<u32> = Vec::new();
    for group in order.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        // File order within the group (rows are read in file order): the first is kept.
        let first = group
            .iter()
            .map(|g| g.3)
            .min()
            .expect("groups are not empty");
        keep.push(first);
        for &(_, _, _, n) in group {
            if n != first {
                let (i, row) = &rows[n as usize];
                errors.push((
                    *i,
                    RowError {
                        line: row.line,
                        column: mapping.get(ColumnRole::Prefix).map(column_name),
                        value: row.prefix.to_string(),
                        kind: RowErrorKind::Duplicate {
                            first_line: rows[first as usize].1.line,
                        },
                        row: Vec::new(),
                    },
                ));
                duplicates.push(n);
            }
        }
    }
    errors.sort_by_key(|(i, _)| *i);
    let errors: Vec<RowError> = errors
        .into_iter()
        .map(|(i, mut e)| {
            e.row = (0..sheet.fields(i).min(ROW_FIELDS))
                .map(|c| sheet.cell(i, c).text())
                .collect();
            e
        })
        .collect();
    if options.strict && !errors.is_empty() {
        return Err(ImportError::Rejected(errors));
    }
    // Permute in place: position j takes the row `keep[j]`, duplicates go last and are dropped.
    let mut source: Vec<u32> = keep;
    let kept = source.len();
    source.extend(duplicates);
    let mut rows: Vec<RateRow> = rows.into_iter().map(|(_, row)| row).collect();
    permute(&mut rows, &mut source);
    rows.truncate(kept);
    Ok(ImportReport {
        deck: RateDeck::new(options.currency, rows)?,
        errors,
        warnings,
        mapping,
        header_line: header_row.map(|r| sheet.line(r)),
        ignored_columns,
        encoding,
        delimiter: None,
        headers,
        sample,
    })
}

/// Reorders `items` so that position `j` holds the item that was at `source[j]` (a permutation of
/// `0..items.len()`), by swaps along its cycles; `source` is left as the identity.
fn permute<T>(items: &mut [T], source: &mut [u32]) {
    debug_assert_eq!(items.len(), source.len());
    for start in 0..source.len() {
        let mut j = start;
        loop {
            let k = source[j] as usize;
            source[j] = j as u32;
            if k == start || k == j {
                break;
            }
            items.swap(j, k);
            j = k;
        }
    }
}

/// Day-first unless the file's dates prove month-first; ambiguity is reported as a warning.
fn infer_date_order(
    sheet: &dyn Sheet,
    first_data: usize,
    mapping: &ColumnMapping,
    warnings: &mut Vec<String>,
) -> DateOrder {
    let columns: Vec<usize> = [ColumnRole::EffectiveFrom, ColumnRole::EffectiveTo]
        .iter()
        .filter_map(|r| mapping.get(*r))
        .collect();
    let (mut day_first, mut month_first, mut numeric) = (false, false, false);
    for i in first_data..sheet.row_count() {
        for &c in &columns {
            if let Cell::Text(t) = sheet.cell(i, c)
                && let Some((a, b, _)) = values::numeric_date_parts(t)
            {
                numeric = true;
                day_first |= a > 12;
                month_first |= b > 12;
            }
        }
    }
    match (day_first, month_first) {
        (true, false) => DateOrder::DayMonthYear,
        (false, true) => DateOrder::MonthDayYear,
        (true, true) => {
            warnings.push(
                "dates are written both day-first and month-first; read as day/month/year".into(),
            );
            DateOrder::DayMonthYear
        }
        (false, false) => {
            if numeric {
                warnings.push(
                    "numeric dates are ambiguous (no day above 12); read as day/month/year: set date_order if wrong".into(),
                );
            }
            DateOrder::DayMonthYear
        }
    }
}

#[cfg(test)]
mod tests;
