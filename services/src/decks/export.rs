//! Deck exports: any imported deck written back out as CSV or XLSX by the
//! `rate_cards.export_deck` job, stored in object storage and downloaded from the deck's page.
//! The columns are the importer's own names, so an exported deck imports again unchanged.

use super::get_deck;
use crate::Services;
use crate::audit::{Actor, Changes};
use crate::entities::{rate_deck_exports as exports, rate_deck_rows as rows, rate_decks as decks};
use crate::error::ServiceError;
use crate::jobs::{JobContext, JobFailure, JobKind};
use chrono::{DateTime, Utc};
use domain::deck_import::ColumnRole;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

/// Formats a deck can be exported in.
pub const EXPORT_FORMATS: [&str; 2] = ["csv", "xlsx"];

/// Most rows an XLSX sheet holds (1,048,576 with the header).
pub const XLSX_MAX_ROWS: usize = 1_048_575;

/// Exports a deck page lists.
pub const LISTED_EXPORTS: u64 = 10;

/// Rows read from the database at a time.
const BATCH: u64 = 20_000;

/// The payload of `rate_cards.export_deck`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDeckJob {
    /// The `rate_deck_exports` row to fill.
    pub export_id: i64,
}

/// The export columns, in order.
const COLUMNS: [ColumnRole; 13] = [
    ColumnRole::Prefix,
    ColumnRole::Destination,
    ColumnRole::Rate,
    ColumnRole::OffPeakRate,
    ColumnRole::WeekendRate,
    ColumnRole::ConnectionFee,
    ColumnRole::InitialIncrement,
    ColumnRole::NextIncrement,
    ColumnRole::MinimumDuration,
    ColumnRole::GraceTime,
    ColumnRole::EffectiveFrom,
    ColumnRole::EffectiveTo,
    ColumnRole::Status,
];

fn header(role: ColumnRole) -> &'static str {
    match role {
        ColumnRole::Status => "Status",
        other => other.label(),
    }
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One stored row as the export's cells (text).
fn cells(r: &rows::Model) -> [String; 13] {
    [
        r.prefix.clone(),
        crate::validate::spreadsheet_safe(r.destination.clone()),
        r.rate.clone(),
        r.off_peak.clone().unwrap_or_default(),
        r.weekend.clone().unwrap_or_default(),
        r.connection_fee.clone(),
        r.initial_increment.to_string(),
        r.next_increment.to_string(),
        r.minimum_seconds.to_string(),
        r.grace_seconds.to_string(),
        date(r.effective_from),
        r.effective_to.map(date).unwrap_or_default(),
        r.status.clone().unwrap_or_default(),
    ]
}

/// Queues an export of deck `deck_id` of carrier `carrier_id` as `format` (`csv` or `xlsx`);
/// returns the export, `queued`.
///
/// # Errors
/// `Validation{format}` for another format; `Validation{deck}` when the deck has no rates yet
/// (not imported) or is too long for one XLSX sheet; `NotFound`; `Forbidden`.
pub async fn start_export(
    services: &Services,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    format: &str,
) -> Result<exports::Model, ServiceError> {
    let db = &services.db;
    let deck = get_deck(db, actor, carrier_id, deck_id).await?.deck;
    let format = format.trim().to_ascii_lowercase();
    if !EXPORT_FORMATS.contains(&format.as_str()) {
        return Err(ServiceError::field("format", "choose CSV or XLSX"));
    }
    if !matches!(deck.status.as_str(), "imported" | "active") {
        return Err(ServiceError::field(
            "deck",
            &format!(
                "is {}: only an imported deck has rates to export",
                deck.status
            ),
        ));
    }
    if format == "xlsx" && usize::try_from(deck.row_count).unwrap_or(0) > XLSX_MAX_ROWS {
        return Err(ServiceError::field(
            "format",
            &format!(
                "an XLSX sheet holds at most {XLSX_MAX_ROWS} rates and this deck has {}: export it as CSV",
                deck.row_count
            ),
        ));
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    let txn = db.begin().await?;
    let row = exports::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        deck_id: Set(deck.id),
        format: Set(format.clone()),
        status: Set("queued".to_owned()),
        job_id: Set(job_id.clone()),
        object_key: Set(String::new()),
        rows: Set(0),
        bytes: Set(0),
        message: Set(String::new()),
        requested_by: Set(actor.email.clone()),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    actor
        .audit(
            &txn,
            "export",
            "rate_deck",
            deck.id,
            Changes::new().field("format", serde_json::Value::Null, format.as_str()),
        )
        .await?;
    txn.commit().await?;
    let request = crate::jobs::JobRequest {
        id: job_id,
        kind: JobKind::ExportDeck.key().to_owned(),
        payload: serde_json::json!({ "export_id": row.id }),
    };
    if let Err(e) = crate::jobs::push(&services.jobs, JobKind::ExportDeck, request).await {
        finish(
            db,
            row.id,
            "failed",
            &format!("could not be queued: {e}"),
            None,
        )
        .await?;
        return Err(e);
    }
    Ok(row)
}

/// The latest [`LISTED_EXPORTS`] exports of a deck, newest first.
///
/// # Errors
/// `NotFound`, `Forbidden`.
pub async fn list_exports(
    db: &DatabaseConnection,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
) -> Result<Vec<exports::Model>, ServiceError> {
    let deck = get_deck(db, actor, carrier_id, deck_id).await?.deck;
    Ok(exports::Entity::find()
        .filter(exports::Column::DeckId.eq(deck.id))
        .order_by_desc(exports::Column::Id)
        .limit(LISTED_EXPORTS)
        .all(db)
        .await?)
}

/// A finished export's file: its download name, content type and bytes.
///
/// # Errors
/// `NotFound` (another deck's export too, or one not finished); `Forbidden`; `Unexpected`
/// when the file is gone from object storage.
pub async fn read_export(
    services: &Services,
    actor: &Actor,
    carrier_id: i64,
    deck_id: i64,
    export_id: i64,
) -> Result<(String, &'static str, Vec<u8>), ServiceError> {
    let deck = get_deck(&services.db, actor, carrier_id, deck_id)
        .await?
        .deck;
    let export = exports::Entity::find_by_id(export_id)
        .filter(exports::Column::DeckId.eq(deck.id))
        .filter(exports::Column::Status.eq("done"))
        .one(&services.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bytes = services
        .objects
        .get(&export.object_key)
        .await
        .map_err(ServiceError::Unexpected)?
        .ok_or_else(|| {
            ServiceError::Unexpected(anyhow::anyhow!(
                "export {} is missing from object storage ({})",
                export.id,
                export.object_key
            ))
        })?;
    let stem = deck
        .file_name
        .rsplit_once('.')
        .map_or(deck.file_name.as_str(), |(stem, _)| stem);
    let (ext, mime) = if export.format == "xlsx" {
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        ("csv", "text/csv; charset=utf-8")
    };
    Ok((format!("{stem}-export-{}.{ext}", export.id), mime, bytes))
}

async fn finish(
    db: &DatabaseConnection,
    id: i64,
    status: &str,
    message: &str,
    done: Option<(String, usize, usize)>,
) -> Result<(), sea_orm::DbErr> {
    let mut update = exports::Entity::update_many()
        .col_expr(exports::Column::Status, status.into())
        .col_expr(exports::Column::Message, message.into())
        .col_expr(exports::Column::FinishedAt, Some(Utc::now()).into());
    if let Some((key, count, bytes)) = done {
        update = update
            .col_expr(exports::Column::ObjectKey, key.into())
            .col_expr(exports::Column::Rows, (count as i64).into())
            .col_expr(exports::Column::Bytes, (bytes as i64).into());
    }
    update
        .filter(exports::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// The `rate_cards.export_deck` job: reads the deck's rates in prefix order, writes the file,
/// stores it and marks the export `done` (or `failed` with the reason). An export already done
/// is left alone, so a rerun changes nothing.
pub(crate) async fn export_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: ExportDeckJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(export) = exports::Entity::find_by_id(p.export_id).one(db).await? else {
        return Ok(format!("export {} no longer exists", p.export_id));
    };
    if export.status == "done" {
        return Ok(format!("export {} is already done", export.id));
    }
    let Some(deck) = decks::Entity::find_by_id(export.deck_id).one(db).await? else {
        finish(db, export.id, "failed", "the deck no longer exists", None).await?;
        return Err(JobFailure::Permanent(
            "the deck no longer exists".to_owned(),
        ));
    };
    finish(db, export.id, "running", "", None).await?;
    match export_file(ctx, &export, &deck).await {
        Ok((key, count, bytes)) => {
            finish(db, export.id, "done", "", Some((key, count, bytes))).await?;
            Ok(format!(
                "exported {count} rates of deck {} as {}",
                deck.id, export.format
            ))
        }
        Err(failure) => {
            let message = match &failure {
                JobFailure::Permanent(m) | JobFailure::Transient(m) => m.clone(),
            };
            finish(db, export.id, "failed", &message, None).await?;
            Err(JobFailure::Permanent(message))
        }
    }
}

async fn export_file(
    ctx: &JobContext,
    export: &exports::Model,
    deck: &decks::Model,
) -> Result<(String, usize, usize), JobFailure> {
    let db = &ctx.services.db;
    let total = u64::try_from(deck.row_count.max(1)).unwrap_or(1);
    ctx.progress(0, total, "reading the rates").await?;
    let mut all: Vec<[String; 13]> = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut last_id = 0i64;
    loop {
        // Keyset pages by id, then one sort by prefix: no OFFSET scans over a large deck.
        let page = rows::Entity::find()
            .filter(rows::Column::DeckId.eq(deck.id))
            .filter(rows::Column::Id.gt(last_id))
            .order_by_asc(rows::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        last_id = last.id;
        all.extend(page.iter().map(cells));
        ctx.progress(
            (all.len() as u64).min(total) / 2,
            total,
            &format!("read {} of {} rates", all.len(), deck.row_count),
        )
        .await?;
    }
    all.sort_by(|a, b| a[0].cmp(&b[0]).then_with(|| a[10].cmp(&b[10])));
    let count = all.len();
    ctx.progress(
        total / 2,
        total,
        &format!("writing {}", export.format.to_uppercase()),
    )
    .await?;
    let format = export.format.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        if format == "xlsx" {
            xlsx(&all)
        } else {
            csv(&all)
        }
    })
    .await
    .map_err(|e| JobFailure::Permanent(format!("writing the file: {e}")))?
    .map_err(JobFailure::Permanent)?;
    let key = format!(
        "tenants/{}/decks/{}/exports/{}.{}",
        deck.tenant_id, deck.id, export.id, export.format
    );
    let size = bytes.len();
    ctx.progress(total * 9 / 10, total, "storing the file")
        .await?;
    ctx.services
        .objects
        .put(&key, bytes)
        .await
        .map_err(|e| JobFailure::Transient(format!("storing the file: {e}")))?;
    ctx.progress(total, total, "exported").await?;
    Ok((key, count, size))
}

fn csv(rows: &[[String; 13]]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 64));
    let fail = |e: csv::Error| format!("writing CSV: {e}");
    w.write_record(COLUMNS.map(header)).map_err(fail)?;
    for r in rows {
        w.write_record(r).map_err(fail)?;
    }
    w.into_inner().map_err(|e| format!("writing CSV: {e}"))
}

fn xlsx(rows: &[[String; 13]]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| format!("writing XLSX: {e}");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Rates").map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, role) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, header(*role), &bold)
            .map_err(fail)?;
    }
    // Rates, fees and seconds as numbers (spreadsheet users sum and sort them); a stored rate
    // has at most 8 decimals, which an f64 carries and the importer reads back exactly.
    const NUMERIC: [bool; 13] = [
        false, false, true, true, true, true, true, true, true, true, false, false, false,
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| "too many rows for XLSX".to_owned())?;
        for (c, value) in r.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let col = c as u16;
            match value.parse::<f64>() {
                Ok(n) if NUMERIC[c] => sheet.write_number(row, col, n).map_err(fail)?,
                _ => sheet.write_string(row, col, value).map_err(fail)?,
            };
        }
    }
    book.save_to_buffer().map_err(fail)
}
