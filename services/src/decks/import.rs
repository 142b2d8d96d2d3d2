//! The `rate_cards.import_deck` job: parse the deck's file, compare it with the deck in force,
//! write its rates, refused rows and rate changes (multi-row `INSERT`s on SQLite, `COPY` on
//! PostgreSQL), and mark the deck imported or failed.

use super::{
    BATCH, ChangeSummary, STORED_ERRORS, import_options, in_force, load_deck, options_of, parse,
    read_file,
};
use crate::entities::{
    rate_deck_changes as changes, rate_deck_errors as errors, rate_deck_rows as rows,
    rate_decks as decks,
};
use crate::jobs::{JobContext, JobFailure};
use chrono::Utc;
use domain::deck::{RateDeck, RateRow, RateStatus};
use domain::diff::{Change, NoticePolicy, diff_decks};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};

/// Payload of [`JobKind::ImportDeck`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportDeckJob {
    /// The deck to import.
    pub deck_id: i64,
}

async fn fail_deck(db: &DatabaseConnection, deck_id: i64, message: &str) -> Result<(), JobFailure> {
    rows::Entity::delete_many()
        .filter(rows::Column::DeckId.eq(deck_id))
        .exec(db)
        .await?;
    decks::Entity::update_many()
        .col_expr(decks::Column::Status, "failed".into())
        .col_expr(decks::Column::Message, message.to_owned().into())
        .filter(decks::Column::Id.eq(deck_id))
        .filter(decks::Column::Status.eq("importing"))
        .exec(db)
        .await?;
    Ok(())
}

/// The `rate_cards.import_deck` job: parses the deck's file, compares it with the deck in force
/// at its effective date, writes its rows, refused rows and rate changes, and marks it
/// `imported` (or `failed`, saying why, on any error). Rerunning it after a crash starts the deck
/// over; a deck no longer `importing` is left alone.
pub(crate) async fn import_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: ImportDeckJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(deck) = decks::Entity::find_by_id(p.deck_id).one(db).await? else {
        return Ok(format!("deck {} no longer exists", p.deck_id));
    };
    if deck.status != "importing" {
        return Ok(format!(
            "deck {} is {}: nothing to do",
            deck.id, deck.status
        ));
    }
    // Any failure ends the import with the reason on the deck, which the user can import
    // again (a retry behind their back would leave the deck "importing" for minutes). A worker
    // that dies mid-import does not return here: the job runs again and starts over.
    match import(ctx, &deck).await {
        Ok(summary) => Ok(summary),
        Err(failure) => {
            let message = match failure {
                JobFailure::Permanent(m) => m,
                JobFailure::Transient(m) => format!("{m} (try the import again)"),
            };
            fail_deck(db, deck.id, &message).await?;
            Err(JobFailure::Permanent(message))
        }
    }
}

async fn import(ctx: &JobContext, deck: &decks::Model) -> Result<String, JobFailure> {
    let db = &ctx.services.db;
    ctx.progress(0, 100, "reading the file").await?;
    let bytes = read_file(&ctx.services, deck)
        .await
        .map_err(JobFailure::Permanent)?;
    let options = options_of(deck);
    let import = import_options(&deck.currency, deck.effective_from, &options)
        .map_err(JobFailure::Permanent)?;
    ctx.progress(5, 100, "parsing").await?;
    let report = parse(bytes, import).await.map_err(JobFailure::Permanent)?;
    if report.deck.is_empty() {
        let first = report
            .errors
            .first()
            .map_or_else(String::new, |e| format!("; first: {e}"));
        return Err(JobFailure::Permanent(format!(
            "no row could be imported ({} refused{first})",
            report.errors.len()
        )));
    }
    ctx.progress(20, 100, "comparing with the deck in force")
        .await?;
    let previous = in_force(db, deck.tenant_id, deck.carrier_id, deck.effective_from)
        .await
        .map_err(|e| JobFailure::Transient(e.to_string()))?;
    let notice = NoticePolicy {
        days: options.notice_days.unwrap_or(NoticePolicy::default().days),
    };
    let old = match &previous {
        Some(prev) => load_deck(db, prev).await?,
        None => RateDeck::new(report.deck.currency(), Vec::new())
            .map_err(|e| JobFailure::Permanent(e.to_string()))?,
    };
    let diff = diff_decks(&old, &report.deck, Utc::now(), notice);
    let summary = ChangeSummary {
        previous_deck_id: previous.as_ref().map(|d| d.id),
        new: diff.count(Change::New),
        removed: diff.count(Change::Removed),
        increased: diff.count(Change::Increased),
        decreased: diff.count(Change::Decreased),
        unchanged: diff.count(Change::Unchanged),
        short_notice: diff.short_notice().count(),
        notice_days: notice.days,
    };
    // A rerun starts over.
    rows::Entity::delete_many()
        .filter(rows::Column::DeckId.eq(deck.id))
        .exec(db)
        .await?;
    errors::Entity::delete_many()
        .filter(errors::Column::DeckId.eq(deck.id))
        .exec(db)
        .await?;
    changes::Entity::delete_many()
        .filter(changes::Column::DeckId.eq(deck.id))
        .exec(db)
        .await?;
    let all = report.deck.rows();
    let total = all.len();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let chunk_rows = if postgres { COPY_CHUNK } else { BATCH * 10 };
    for (n, chunk) in all.chunks(chunk_rows).enumerate() {
        if postgres {
            copy_in(db, ROWS_COPY, chunk.iter().map(|r| row_record(deck.id, r))).await?;
        } else {
            let txn = db.begin().await?;
            for batch in chunk.chunks(BATCH) {
                rows::Entity::insert_many(batch.iter().map(|r| row_model(deck.id, r)))
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await?;
        }
        let done = (n * chunk_rows + chunk.len()).min(total);
        ctx.progress(
            20 + (70 * done / total) as u64,
            100,
            &format!("stored {done} of {total} rates"),
        )
        .await?;
    }
    ctx.progress(90, 100, "storing the rate-change report")
        .await?;
    let changed: Vec<&domain::diff::DiffEntry> = diff
        .entries
        .iter()
        .filter(|e| e.change != Change::Unchanged)
        .collect();
    if postgres {
        for chunk in changed.chunks(COPY_CHUNK) {
            copy_in(
                db,
                CHANGES_COPY,
                chunk.iter().map(|e| change_record(deck.id, e)),
            )
            .await?;
        }
    } else {
        let txn = db.begin().await?;
        for batch in changed.chunks(BATCH) {
            changes::Entity::insert_many(batch.iter().map(|e| change_model(deck.id, e)))
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    let txn = db.begin().await?;
    let refused: Vec<errors::ActiveModel> = report
        .errors
        .iter()
        .take(STORED_ERRORS)
        .map(|e| errors::ActiveModel {
            id: NotSet,
            deck_id: Set(deck.id),
            line: Set(e.line as i64),
            column_name: Set(e.column.as_ref().map(|c| c.chars().take(120).collect())),
            value: Set(e.value.chars().take(200).collect()),
            message: Set(e.kind.to_string()),
            row_text: Set(row_text(&e.row)),
        })
        .collect();
    for batch in refused.chunks(BATCH) {
        errors::Entity::insert_many(batch.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let mut model = deck.clone().into_active_model();
    model.status = Set("imported".to_owned());
    model.row_count = Set(total as i32);
    model.prefix_count = Set(report.deck.prefix_count() as i32);
    model.error_count = Set(report.errors.len() as i32);
    model.report = Set(serde_json::to_string(&summary).unwrap_or_default());
    model.message = Set(report.warnings.join("\n"));
    model.imported_at = Set(Some(Utc::now()));
    model.update(&txn).await?;
    txn.commit().await?;
    ctx.progress(100, 100, "imported").await?;
    Ok(format!(
        "imported {total} rates ({} prefixes), refused {} rows; {} new, {} increased, {} decreased, {} removed",
        report.deck.prefix_count(),
        report.errors.len(),
        summary.new,
        summary.increased,
        summary.decreased,
        summary.removed
    ))
}

/// PostgreSQL takes a deck's rows with `COPY` (an order of magnitude faster than multi-row
/// `INSERT`s), this many rows a statement, with progress between them.
const COPY_CHUNK: usize = 50_000;

const ROWS_COPY: &str = "COPY rate_deck_rows (deck_id, prefix, destination, rate, off_peak, weekend, \
    connection_fee, initial_increment, next_increment, minimum_seconds, grace_seconds, \
    effective_from, effective_to, status, line) FROM STDIN WITH (FORMAT csv, NULL '\\N')";

const CHANGES_COPY: &str = "COPY rate_deck_changes (deck_id, prefix, destination, change, \
    old_rate, new_rate, effective_from, short_notice) FROM STDIN WITH (FORMAT csv, NULL '\\N')";

/// Streams `records` (one `None` per SQL NULL) into `statement`, a `COPY ... FROM STDIN` in CSV
/// with `\N` for NULL, on one pooled PostgreSQL connection.
async fn copy_in<const N: usize>(
    db: &DatabaseConnection,
    statement: &str,
    records: impl Iterator<Item = [Option<String>; N]>,
) -> Result<(), JobFailure> {
    use sqlx::postgres::PgPoolCopyExt;
    let failed = |e: &dyn std::fmt::Display| JobFailure::Transient(format!("database: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    for record in records {
        out.write_record(record.iter().map(|f| f.as_deref().unwrap_or("\\N")))
            .map_err(|e| failed(&e))?;
    }
    let body = out.into_inner().map_err(|e| failed(&e))?;
    let mut copy = db
        .get_postgres_connection_pool()
        .copy_in_raw(statement)
        .await
        .map_err(|e| failed(&e))?;
    if let Err(e) = copy.send(body).await {
        let _ = copy.abort(e.to_string()).await;
        return Err(failed(&e));
    }
    copy.finish().await.map_err(|e| failed(&e))?;
    Ok(())
}

fn row_record(deck_id: i64, r: &RateRow) -> [Option<String>; 15] {
    [
        Some(deck_id.to_string()),
        Some(r.prefix.to_string()),
        Some(r.destination.chars().take(200).collect()),
        Some(r.rate.to_string()),
        r.off_peak.map(|x| x.to_string()),
        r.weekend.map(|x| x.to_string()),
        Some(r.connection_fee.to_string()),
        Some(r.increment.initial.to_string()),
        Some(r.increment.next.to_string()),
        Some(r.increment.minimum.to_string()),
        Some(r.grace_seconds.to_string()),
        Some(r.effective_from.to_rfc3339()),
        r.effective_to.map(|t| t.to_rfc3339()),
        r.status.map(|s| status_key(s).to_owned()),
        Some(r.line.to_string()),
    ]
}

fn change_record(deck_id: i64, e: &domain::diff::DiffEntry) -> [Option<String>; 8] {
    [
        Some(deck_id.to_string()),
        Some(e.prefix.to_string()),
        Some(e.destination.chars().take(200).collect()),
        Some(change_key(e.change).to_owned()),
        e.old_rate.map(|r| r.to_string()),
        e.new_rate.map(|r| r.to_string()),
        Some(e.effective_from.to_rfc3339()),
        Some(e.short_notice.to_string()),
    ]
}

fn change_model(deck_id: i64, e: &domain::diff::DiffEntry) -> changes::ActiveModel {
    changes::ActiveModel {
        id: NotSet,
        deck_id: Set(deck_id),
        prefix: Set(e.prefix.to_string()),
        destination: Set(e.destination.chars().take(200).collect()),
        change: Set(change_key(e.change).to_owned()),
        old_rate: Set(e.old_rate.map(|r| r.to_string())),
        new_rate: Set(e.new_rate.map(|r| r.to_string())),
        effective_from: Set(e.effective_from),
        short_notice: Set(e.short_notice),
    }
}

fn change_key(change: Change) -> &'static str {
    match change {
        Change::New => "new",
        Change::Removed => "removed",
        Change::Increased => "increased",
        Change::Decreased => "decreased",
        Change::Unchanged => "unchanged",
    }
}

fn status_key(status: RateStatus) -> &'static str {
    match status {
        RateStatus::New => "new",
        RateStatus::Increase => "increase",
        RateStatus::Decrease => "decrease",
        RateStatus::Unchanged => "unchanged",
        RateStatus::Deleted => "deleted",
    }
}

fn row_model(deck_id: i64, r: &RateRow) -> rows::ActiveModel {
    rows::ActiveModel {
        id: NotSet,
        deck_id: Set(deck_id),
        prefix: Set(r.prefix.to_string()),
        destination: Set(r.destination.chars().take(200).collect()),
        rate: Set(r.rate.to_string()),
        off_peak: Set(r.off_peak.map(|x| x.to_string())),
        weekend: Set(r.weekend.map(|x| x.to_string())),
        connection_fee: Set(r.connection_fee.to_string()),
        initial_increment: Set(r.increment.initial as i32),
        next_increment: Set(r.increment.next as i32),
        minimum_seconds: Set(r.increment.minimum as i32),
        grace_seconds: Set(r.grace_seconds as i32),
        effective_from: Set(r.effective_from),
        effective_to: Set(r.effective_to),
        status: Set(r.status.map(|s| status_key(s).to_owned())),
        line: Set(r.line as i64),
    }
}

/// `fields` as one CSV line (comma-separated, quoted where needed, no line end), at most 2,000
/// characters: a refused row as it can be fixed and sent again.
pub fn row_text(fields: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if fields.is_empty() || writer.write_record(fields).is_err() {
        return String::new();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .chars()
        .take(2_000)
        .collect()
}
