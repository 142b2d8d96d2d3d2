use serde::{Deserialize, Serialize};

/// The address of carrier `carrier_id`'s decks in the portal at `base`: `/carrier/decks` in the
/// Carrier portal (a carrier user sees its own carrier only), `{base}/carriers/{id}/decks` in the
/// Super Admin and Softswitch portals. A deck is `{decks_path}/{deck_id}`.
pub fn decks_path(base: &str, carrier_id: i64) -> String {
    if base == "/carrier" {
        "/carrier/decks".to_owned()
    } else {
        format!("{base}/carriers/{carrier_id}/decks")
    }
}

/// Where the list of carrier `carrier_id`'s decks and the upload form are shown, with a query
/// string begun: the Carrier portal's `/carrier/decks?`, the carrier page's Rate decks tab
/// elsewhere (`{base}/carriers/{id}?tab=decks&`).
pub fn decks_list(base: &str, carrier_id: i64) -> String {
    if base == "/carrier" {
        "/carrier/decks?".to_owned()
    } else {
        format!("{base}/carriers/{carrier_id}?tab=decks&")
    }
}

/// A deck as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckRow {
    /// Id.
    pub id: i64,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its size, e.g. `1.2 MB`.
    pub size: String,
    /// State key: `uploaded`, `importing`, `failed`, `imported`, `in_force`, `scheduled`,
    /// `superseded`.
    pub state: String,
    /// State for people, e.g. `In force`.
    pub state_label: String,
    /// Effective from, `YYYY-MM-DD HH:MM UTC`.
    pub effective_from: String,
    /// Rates imported.
    pub rows: i32,
    /// Distinct prefixes.
    pub prefixes: i32,
    /// Rows refused.
    pub errors: i32,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When, `YYYY-MM-DD HH:MM UTC`.
    pub uploaded_at: String,
    /// Who activated it and when, if active.
    pub activated: Option<String>,
    /// Why it failed, or warnings of its import.
    pub message: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// One column of a deck's preview: its header, a few values, and the role it is read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewColumn {
    /// 0-based index.
    pub index: usize,
    /// Header text, or `Column N` without a header.
    pub header: String,
    /// The first values.
    pub samples: Vec<String>,
    /// Role key (`prefix`, `rate`, ...) or empty when ignored.
    pub role: String,
}

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRow {
    /// File line (or spreadsheet row).
    pub line: i64,
    /// Column name, if one is at fault.
    pub column: String,
    /// The value at fault.
    pub value: String,
    /// Why.
    pub reason: String,
    /// The row as read, as one CSV line (empty when not kept).
    pub row: String,
}

/// What an import would do, read without storing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewDto {
    /// Columns with their roles.
    pub columns: Vec<PreviewColumn>,
    /// Rates that would be imported.
    pub rows: usize,
    /// Distinct prefixes.
    pub prefixes: usize,
    /// Rows that would be refused.
    pub error_count: usize,
    /// The first refused rows.
    pub errors: Vec<RefusedRow>,
    /// Things to check.
    pub warnings: Vec<String>,
    /// e.g. `UTF-8, comma-separated`.
    pub format: String,
    /// Why the file cannot be imported with these options (columns then come from its first
    /// rows as written).
    pub problem: Option<String>,
}

/// The import options as the form shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsForm {
    /// `""` (detect), `yes` or `no`.
    pub header: String,
    /// `""` (detect), `dmy` or `mdy`.
    pub dates: String,
    /// Digits to strip from prefixes.
    pub strip: String,
    /// Refuse the whole deck on any bad row.
    pub strict: bool,
    /// Notice days for increases.
    pub notice: String,
    /// Effective from, `YYYY-MM-DDTHH:MM` (UTC).
    pub from: String,
    /// Explicit roles per column (role key or empty), when chosen.
    pub columns: Option<Vec<String>>,
}

/// A rate change against the previous deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// Prefix.
    pub prefix: String,
    /// Destination.
    pub destination: String,
    /// `new`, `removed`, `increased` or `decreased`.
    pub change: String,
    /// Old rate per minute.
    pub old_rate: String,
    /// New rate per minute.
    pub new_rate: String,
    /// Effective from.
    pub effective_from: String,
    /// An increase inside the notice period.
    pub short_notice: bool,
}

/// A stored rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLine {
    /// Prefix.
    pub prefix: String,
    /// Destination as the carrier names it.
    pub destination: String,
    /// The A-Z destination it falls in and its type, e.g. `US - New Jersey · Fixed`.
    pub az: String,
    /// Per minute.
    pub rate: String,
    /// Per call.
    pub connection_fee: String,
    /// e.g. `60/60`.
    pub increment: String,
    /// Effective from (and to).
    pub validity: String,
}

/// The rate-change summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeCounts {
    /// File name of the deck compared with, if any.
    pub previous: Option<String>,
    /// New prefixes.
    pub new: usize,
    /// Removed prefixes.
    pub removed: usize,
    /// Increases.
    pub increased: usize,
    /// Decreases.
    pub decreased: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Increases inside the notice period.
    pub short_notice: usize,
    /// Notice days.
    pub notice_days: u32,
}

/// Everything a deck's page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckPage {
    /// Carrier id.
    pub carrier_id: i64,
    /// Carrier name.
    pub carrier: String,
    /// The deck.
    pub deck: DeckRow,
    /// Before import: the preview with the chosen options, or why the file cannot be read.
    pub preview: Option<Result<PreviewDto, String>>,
    /// The options the form shows.
    pub options: OptionsForm,
    /// While importing: done, total, message.
    pub progress: Option<(i64, i64, String)>,
    /// After import: the change counts.
    pub counts: Option<ChangeCounts>,
    /// After import: the changes shown (filtered by `change`).
    pub changes: Vec<ChangeRow>,
    /// After import: the first refused rows.
    pub refused: Vec<RefusedRow>,
    /// After import: refused rows in all.
    pub refused_total: u64,
    /// After import: a page of rates.
    pub rates: Vec<RateLine>,
    /// Rates matching the prefix search.
    pub rates_total: u64,
    /// The rates page.
    pub rates_page: u64,
    /// After import: the latest exports, newest first.
    pub exports: Vec<ExportRow>,
}

/// An export of a deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRow {
    /// Id.
    pub id: i64,
    /// `CSV` or `XLSX`.
    pub format: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// What it holds (`500000 rates · 12.3 MB`), how far it is (`45% · reading the rates`) or
    /// why it failed.
    pub detail: String,
    /// When and by whom, `YYYY-MM-DD HH:MM UTC by someone@example.com`.
    pub requested: String,
    /// The download link, once done.
    pub href: Option<String>,
}
