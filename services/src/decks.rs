//! Carrier rate decks: upload to object storage, preview with the detected column mapping, import
//! as a job (`rate_cards.import_deck`) with progress, the rows it refused, its rate-change report
//! against the deck in force before it, activation, and history.
//!
//! An import writes the new deck's rows beside the deck in force, which stays in force until the
//! new one is activated (one `UPDATE`): an import that fails half-way leaves the deck in force
//! untouched and its own rows are deleted. The deck in force at an instant is the carrier's
//! `active` deck with the latest `effective_from` not after it (ties: the later activation).

use crate::audit::{Actor, Changes};
use crate::carriers::{deck_owner, get_carrier};
use crate::entities::rate_decks as decks;
use crate::error::ServiceError;
use crate::jobs::JobKind;
use crate::state::Services;
use crate::tenancy::{find_scoped, scoped};
use chrono::Timelike as _;
use chrono::{DateTime, Utc};
use domain::deck_import::{ColumnMapping, DateOrder, ImportOptions, ImportReport, RowError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

mod export;
mod import;
mod read;
mod upload;

pub(crate) use export::export_job;
pub use export::{
    EXPORT_FORMATS, ExportDeckJob, XLSX_MAX_ROWS, list_exports, read_export, start_export,
};
pub(crate) use import::import_job;
pub use import::{ImportDeckJob, row_text};
pub use read::{deck_changes, deck_errors, deck_rows, import_progress, load_deck};
pub use upload::upload_deck;

/// Effective dates are kept to the second, as deck files write them, so a deck exported and
/// imported again has the same dates.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(0).unwrap_or(at)
}

/// Largest deck file accepted, in bytes (100 MiB).
pub const MAX_DECK_BYTES: usize = 100 * 1024 * 1024;
/// Refused rows kept per deck (all are counted).
pub const STORED_ERRORS: usize = 10_000;
/// Refused rows a preview lists.
pub const PREVIEW_ERRORS: usize = 50;
/// Rows per `INSERT` statement (16 columns: well under SQLite's and PostgreSQL's parameter
/// limits).
const BATCH: usize = 1_000;
/// File name endings a deck may have.
pub const EXTENSIONS: [&str; 6] = ["csv", "txt", "tsv", "xlsx", "xls", "ods"];

/// How to read a deck, as chosen on its preview (stored on the deck as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeckOptions {
    /// Explicit columns; `None` detects them from the header.
    pub mapping: Option<ColumnMapping>,
    /// `Some(false)`: the deck has no header row; `None`: detect.
    pub has_header: Option<bool>,
    /// How to read all-numeric dates; `None` infers it.
    pub date_order: Option<DateOrder>,
    /// Digits removed from the front of every prefix (an access code such as `00` or `11`).
    pub strip_prefix: Option<String>,
    /// Refuse the whole deck when any row is bad.
    pub strict: bool,
    /// Days of notice a rate increase needs (default 7).
    pub notice_days: Option<u32>,
}

/// What a deck's preview shows: the file as read, the columns used, and a dry run's counts.
#[derive(Debug, Clone)]
pub struct DeckPreview {
    /// Header cells as written (empty without a header row).
    pub headers: Vec<String>,
    /// The first data rows' cells as written.
    pub sample: Vec<Vec<String>>,
    /// The columns used (detected, or the given mapping).
    pub mapping: ColumnMapping,
    /// Rows that would be imported.
    pub rows: usize,
    /// Distinct prefixes among them.
    pub prefixes: usize,
    /// The first [`PREVIEW_ERRORS`] refused rows.
    pub errors: Vec<RowError>,
    /// Refused rows in all.
    pub error_count: usize,
    /// Things to check (ambiguous dates, duplicate columns).
    pub warnings: Vec<String>,
    /// `UTF-8`, `windows-1252` or `xlsx`.
    pub encoding: String,
    /// The CSV delimiter, if text.
    pub delimiter: Option<char>,
    /// Why the file cannot be imported with these options (then `sample` holds its first rows
    /// as written, header included, to choose the columns by hand, and the counts are 0).
    pub problem: Option<String>,
}

/// The summary of a deck's rate-change report (stored on the deck as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangeSummary {
    /// The deck it was compared with (in force at the new deck's effective date), if any.
    pub previous_deck_id: Option<i64>,
    /// Prefixes not in the previous deck.
    pub new: usize,
    /// Prefixes of the previous deck that this one drops or deletes.
    pub removed: usize,
    /// Rates that go up.
    pub increased: usize,
    /// Rates that go down.
    pub decreased: usize,
    /// Rates that stay.
    pub unchanged: usize,
    /// Increases effective within the notice period.
    pub short_notice: usize,
    /// The notice period used, in days.
    pub notice_days: u32,
}

/// Where a deck stands for its carrier now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeckState {
    /// Stored, not imported yet.
    Uploaded,
    /// The import job is running or queued.
    Importing,
    /// The import failed (see the deck's message); nothing of it is used.
    Failed,
    /// Imported, waiting to be activated.
    Imported,
    /// Active and in force now.
    InForce,
    /// Active, takes over at its effective date.
    Scheduled,
    /// Active once, replaced by a later deck.
    Superseded,
}

impl DeckState {
    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            DeckState::Uploaded => "Uploaded",
            DeckState::Importing => "Importing",
            DeckState::Failed => "Failed",
            DeckState::Imported => "Ready to activate",
            DeckState::InForce => "In force",
            DeckState::Scheduled => "Scheduled",
            DeckState::Superseded => "Superseded",
        }
    }
}

/// A deck with where it stands.
#[derive(Debug, Clone)]
pub struct DeckInfo {
    /// The stored deck.
    pub deck: decks::Model,
    /// Its state now.
    pub state: DeckState,
    /// Its report's summary (default before import).
    pub summary: ChangeSummary,
}

fn options_of(deck: &decks::Model) -> DeckOptions {
    serde_json::from_str(&deck.options).unwrap_or_default()
}

fn summary_of(deck: &decks::Model) -> ChangeSummary {
    serde_json::from_str(&deck.report).unwrap_or_default()
}

fn import_options(
    currency: &str,
    effective_from: DateTime<Utc>,
    o: &DeckOptions,
) -> Result<ImportOptions, String> {
    let currency = domain::money::parse_currency(currency)
        .map_err(|_| format!("the carrier's currency `{currency}` is not an ISO 4217 code"))?;
    let mut options = ImportOptions::new(currency, effective_from);
    options.mapping = o.mapping.clone();
    options.has_header = o.has_header;
    options.date_order = o.date_order;
    options.strip_prefix = o.strip_prefix.clone().filter(|s| !s.is_empty());
    options.strict = o.strict;
    Ok(options)
}

/// Parses `bytes` on a blocking thread (a large deck takes a second or more of CPU).
async fn parse(bytes: Vec<u8>, options: ImportOptions) -> Result<ImportReport, String> {
    tokio::task::spawn_blocking(move || domain::deck_import::import_deck(&bytes, &options))
        .await
        .map_err(|e| format!("the import stopped: {e}"))?
        .map_err(|e| e.to_string())
}

/// Deck `deck_id` of carrier `carrier_id`, in the actor's tenant (a `carrier` user: of its own
/// carrier only, see [`deck_owner`]).
///
/// # Errors
/// `NotFound` (another tenant's or another carrier's deck too), `Forbidden`.
pub async fn get_deck(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
) -> Result<DeckInfo, ServiceError> {
    deck_owner(db, actor, carrier_id).await?;
    let deck = find_scoped::<decks::Entity>(db, actor, deck_id).await?;
    if deck.carrier_id != carrier_id {
        return Err(ServiceError::NotFound);
    }
    let in_force = in_force(db, actor.tenant_id, carrier_id, Utc::now()).await?;
    Ok(info(deck, in_force.as_ref().map(|d| d.id), Utc::now()))
}

fn info(deck: decks::Model, in_force: Option<i64>, now: DateTime<Utc>) -> DeckInfo {
    let state = match deck.status.as_str() {
        "uploaded" => DeckState::Uploaded,
        "importing" => DeckState::Importing,
        "failed" => DeckState::Failed,
        "imported" => DeckState::Imported,
        _ if in_force == Some(deck.id) => DeckState::InForce,
        _ if deck.effective_from > now => DeckState::Scheduled,
        _ => DeckState::Superseded,
    };
    let summary = summary_of(&deck);
    DeckInfo {
        deck,
        state,
        summary,
    }
}

/// The decks of carrier `carrier_id`, newest first, with their states.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn list_decks(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
) -> Result<Vec<DeckInfo>, ServiceError> {
    deck_owner(db, actor, carrier_id).await?;
    let now = Utc::now();
    let in_force = in_force(db, actor.tenant_id, carrier_id, now).await?;
    Ok(scoped::<decks::Entity>(actor)
        .filter(decks::Column::CarrierId.eq(carrier_id))
        .order_by_desc(decks::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|d| info(d, in_force.as_ref().map(|d| d.id), now))
        .collect())
}

/// The carrier's deck in force at `at`: its `active` deck with the latest effective date not
/// after `at` (ties: the later activation).
///
/// # Errors
/// Database errors.
pub async fn in_force(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    carrier_id: i64,
    at: DateTime<Utc>,
) -> Result<Option<decks::Model>, ServiceError> {
    Ok(decks::Entity::find()
        .filter(decks::Column::TenantId.eq(tenant_id))
        .filter(decks::Column::CarrierId.eq(carrier_id))
        .filter(decks::Column::Status.eq("active"))
        .filter(decks::Column::EffectiveFrom.lte(at))
        .order_by_desc(decks::Column::EffectiveFrom)
        .order_by_desc(decks::Column::ActivatedAt)
        .order_by_desc(decks::Column::Id)
        .one(db)
        .await?)
}

/// Reads deck `deck_id`'s file with `options` and reports what an import would do, without
/// storing anything. When the file cannot be imported with these options (no header, not a
/// deck, another currency), the preview says why in `problem` and shows the first rows as
/// written.
///
/// # Errors
/// `Validation{deck}` when the file cannot be read at all (gone from storage, not text or a
/// workbook); `NotFound`; `Forbidden`.
pub async fn preview_deck(
    services: &Services,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    options: &DeckOptions,
    effective_from: Option<DateTime<Utc>>,
) -> Result<DeckPreview, ServiceError> {
    let info = get_deck(&services.db, actor, carrier_id, deck_id).await?;
    let deck = info.deck;
    let bytes = read_file(services, &deck)
        .await
        .map_err(|m| ServiceError::field("deck", &m))?;
    let import = import_options(
        &deck.currency,
        effective_from.unwrap_or(deck.effective_from),
        options,
    )
    .map_err(|m| ServiceError::field("deck", &m))?;
    let report = match parse(bytes.clone(), import).await {
        Ok(report) => report,
        Err(problem) => {
            let sample = tokio::task::spawn_blocking(move || {
                domain::deck_import::peek(&bytes, domain::deck_import::SAMPLE_ROWS)
            })
            .await
            .map_err(|e| ServiceError::Unexpected(e.into()))?
            .map_err(|e| ServiceError::field("deck", &e.to_string()))?;
            return Ok(DeckPreview {
                headers: Vec::new(),
                sample,
                mapping: options.mapping.clone().unwrap_or_default(),
                rows: 0,
                prefixes: 0,
                errors: Vec::new(),
                error_count: 0,
                warnings: Vec::new(),
                encoding: String::new(),
                delimiter: None,
                problem: Some(problem),
            });
        }
    };
    Ok(DeckPreview {
        headers: report.headers,
        sample: report.sample,
        mapping: report.mapping,
        rows: report.deck.len(),
        prefixes: report.deck.prefix_count(),
        error_count: report.errors.len(),
        errors: report.errors.into_iter().take(PREVIEW_ERRORS).collect(),
        warnings: report.warnings,
        encoding: report.encoding.to_owned(),
        delimiter: report.delimiter,
        problem: None,
    })
}

async fn read_file(services: &Services, deck: &decks::Model) -> Result<Vec<u8>, String> {
    match services.objects.get(&deck.object_key).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!(
            "the file of `{}` is no longer in storage: upload it again",
            deck.file_name
        )),
        Err(e) => Err(format!("the file could not be read from storage: {e:#}")),
    }
}

/// Queues the import of deck `deck_id` with `options`, effective from `effective_from` (the
/// deck's date when `None`); returns the job id. Asking again while it is importing returns the
/// same job.
///
/// # Errors
/// `Validation{deck}` when the deck is already active; `Validation{notice_days}` over 365;
/// `NotFound`; `Forbidden`; `Unexpected` when the queue is unreachable.
pub async fn start_import(
    services: &Services,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    options: DeckOptions,
    effective_from: Option<DateTime<Utc>>,
) -> Result<String, ServiceError> {
    let db = &services.db;
    let deck = get_deck(db, actor, carrier_id, deck_id).await?.deck;
    match deck.status.as_str() {
        "importing" => {
            if let Some(job) = deck.job_id {
                return Ok(job);
            }
        }
        "active" => {
            return Err(ServiceError::field(
                "deck",
                "is already active: upload a new deck to change rates",
            ));
        }
        _ => {}
    }
    if options.notice_days.is_some_and(|d| d > 365) {
        return Err(ServiceError::field("notice_days", "must be at most 365"));
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    let txn = db.begin().await?;
    // Only one request moves the deck to `importing` (the status is checked in the UPDATE).
    let moved = decks::Entity::update_many()
        .col_expr(decks::Column::Status, "importing".into())
        .col_expr(decks::Column::JobId, Some(job_id.clone()).into())
        .col_expr(
            decks::Column::Options,
            serde_json::to_string(&options).unwrap_or_default().into(),
        )
        .col_expr(
            decks::Column::EffectiveFrom,
            whole_second(effective_from.unwrap_or(deck.effective_from)).into(),
        )
        .col_expr(decks::Column::Message, String::new().into())
        .filter(decks::Column::Id.eq(deck.id))
        .filter(decks::Column::Status.is_in(["uploaded", "failed", "imported"]))
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        drop(txn);
        let now = get_deck(db, actor, carrier_id, deck_id).await?.deck;
        return now.job_id.ok_or_else(|| {
            ServiceError::field(
                "deck",
                "changed while you were looking at it: reload the page",
            )
        });
    }
    actor
        .audit(
            &txn,
            "import",
            "rate_deck",
            deck.id,
            Changes::new().field(
                "options",
                serde_json::Value::Null,
                serde_json::to_value(&options).unwrap_or_default(),
            ),
        )
        .await?;
    txn.commit().await?;
    let request = crate::jobs::JobRequest {
        id: job_id.clone(),
        kind: JobKind::ImportDeck.key().to_owned(),
        payload: serde_json::json!({ "deck_id": deck.id }),
    };
    if let Err(e) = crate::jobs::push(&services.jobs, JobKind::ImportDeck, request).await {
        // Not queued: give the deck back to the user, saying why.
        decks::Entity::update_many()
            .col_expr(decks::Column::Status, "failed".into())
            .col_expr(
                decks::Column::Message,
                format!("the import could not be queued: {e}").into(),
            )
            .filter(decks::Column::Id.eq(deck.id))
            .exec(db)
            .await?;
        return Err(e);
    }
    Ok(job_id)
}

/// Activates imported deck `deck_id`: from its effective date it is the carrier's deck in force
/// (at once when that date has passed).
///
/// # Errors
/// `Validation{deck}` unless the deck is `imported`; `NotFound`; `Forbidden` (a carrier's own
/// users upload decks, the operator activates them).
pub async fn activate_deck(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
) -> Result<decks::Model, ServiceError> {
    get_carrier(db, actor, carrier_id).await?;
    let deck = get_deck(db, actor, carrier_id, deck_id).await?.deck;
    if deck.status != "imported" {
        return Err(ServiceError::field(
            "deck",
            &format!("is {}: only an imported deck can be activated", deck.status),
        ));
    }
    let txn = db.begin().await?;
    let now = Utc::now();
    let moved = decks::Entity::update_many()
        .col_expr(decks::Column::Status, "active".into())
        .col_expr(decks::Column::ActivatedAt, Some(now).into())
        .col_expr(decks::Column::ActivatedBy, Some(actor.email.clone()).into())
        .filter(decks::Column::Id.eq(deck.id))
        .filter(decks::Column::Status.eq("imported"))
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(ServiceError::field(
            "deck",
            "was activated meanwhile: reload the page",
        ));
    }
    actor
        .audit(
            &txn,
            "activate",
            "rate_deck",
            deck.id,
            Changes::new().field("status", "imported", "active").field(
                "effective_from",
                serde_json::Value::Null,
                deck.effective_from.to_rfc3339(),
            ),
        )
        .await?;
    crate::routes::changed(&txn, actor.tenant_id).await?;
    txn.commit().await?;
    decks::Entity::find_by_id(deck.id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}
