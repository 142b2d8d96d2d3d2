//! Large CDR files: an upload of more than [`MAX_BATCH`] lines is stored in object storage and
//! ingested by the `billing.rate_cdrs` job in batches of [`MAX_BATCH`] lines, each batch stored,
//! rated and charged in one transaction ([`super::ingest`]), with the job's progress, the counts
//! and every problem line (refused, unrated, unpaid) recorded as it goes. A retried job goes on
//! after the last batch it recorded; a batch stored but not recorded (a crash between the two)
//! is sent again and its calls count as sent before: nothing is charged twice.

use super::{CdrOutcome, IngestReport, MAX_BATCH, files::CdrFile, ingest, ingest_csv};
use crate::audit::Actor;
use crate::entities::{cdr_file_problems, cdr_files};
use crate::error::ServiceError;
use crate::jobs::{JobContext, JobFailure, JobKind, JobRequest};
use crate::state::Services;
use chrono::Utc;
use domain::access::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

/// Largest CDR file accepted, in bytes (about 1.5 million lines of a typical switch export).
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Payload of `billing.rate_cdrs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateCdrsJob {
    /// The `cdr_files` row.
    pub file_id: i64,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// A small file, ingested at once.
    Done(IngestReport),
    /// A large file, queued for `billing.rate_cdrs`: its row.
    Queued(cdr_files::Model),
}

/// Takes an uploaded CDR file: up to [`MAX_BATCH`] lines it is ingested at once
/// ([`ingest_csv`]); a larger one (up to [`MAX_FILE_BYTES`]) is checked (header), stored under
/// `cdrs/<tenant>/…` and queued.
///
/// # Errors
/// `Forbidden` unless staff or a switch operator; `Validation{file}` for an empty, binary or
/// too large file or a bad header; as [`ingest_csv`]; `Unexpected` when storage or the queue
/// fails (nothing is kept then).
pub async fn upload_file(
    services: &Services,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Upload, ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ServiceError::field(
            "file",
            &format!(
                "is {} MB: send at most {} MB per file, or split it",
                bytes.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(ServiceError::field(
            "file",
            "is a binary file, not a CSV of CDRs",
        ));
    }
    // Lines after the header (a quoted field spanning lines makes this a little high).
    let lines = bytecount_lines(&bytes).saturating_sub(1);
    if lines <= MAX_BATCH {
        return ingest_csv(services, actor, &bytes).await.map(Upload::Done);
    }
    // The header is checked now, so a wrong file is named at once.
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    CdrFile::open(bytes[..header_end].to_vec())?;
    let key = format!(
        "cdrs/{}/{:016x}.csv",
        actor.tenant_id,
        rand::random::<u64>()
    );
    let size = bytes.len() as i64;
    services
        .objects
        .put(&key, bytes)
        .await
        .map_err(|e| ServiceError::Unexpected(e.context("storing the CDR file")))?;
    let job_id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let txn = services.db.begin().await?;
    let file = cdr_files::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        file_name: Set(file_name.chars().take(200).collect()),
        object_key: Set(key.clone()),
        file_size: Set(size),
        status: Set("queued".to_owned()),
        job_id: Set(job_id.clone()),
        lines: Set(lines as i64),
        lines_done: Set(0),
        received: Set(0),
        rated: Set(0),
        unpaid: Set(0),
        unrated: Set(0),
        duplicates: Set(0),
        refused: Set(0),
        message: Set(String::new()),
        uploaded_by: Set(actor.email.clone()),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    actor
        .audit(
            &txn,
            "upload",
            "cdr_file",
            file.id,
            crate::audit::Changes::new()
                .field("file_name", serde_json::Value::Null, file.file_name.clone())
                .field("lines", serde_json::Value::Null, file.lines),
        )
        .await?;
    txn.commit().await?;
    let request = JobRequest {
        id: job_id,
        kind: JobKind::RateCdrs.key().to_owned(),
        payload: serde_json::json!({ "file_id": file.id }),
    };
    if let Err(e) = crate::jobs::push(&services.jobs, JobKind::RateCdrs, request).await {
        finish(
            &services.db,
            &file,
            "failed",
            &format!("could not be queued: {e}"),
        )
        .await?;
        services.objects.delete(&key).await.ok();
        return Err(e);
    }
    Ok(Upload::Queued(file))
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!bytes.ends_with(b"\n") && !bytes.is_empty())
}

async fn finish(
    db: &DatabaseConnection,
    file: &cdr_files::Model,
    status: &str,
    message: &str,
) -> Result<(), ServiceError> {
    let mut row = file.clone().into_active_model();
    row.status = Set(status.to_owned());
    row.message = Set(message.to_owned());
    row.finished_at = Set(Some(Utc::now()));
    row.update(db).await?;
    Ok(())
}

/// The `billing.rate_cdrs` job: ingests the file's lines after `lines_done` in batches of
/// [`MAX_BATCH`], recording counts, problem lines and progress after each; marks the file
/// `done` (or `failed`, saying why). A file no longer queued or running is left alone.
pub(crate) async fn rate_job(
    ctx: &JobContext,
    payload: &serde_json::Value,
) -> Result<String, JobFailure> {
    let p: RateCdrsJob = serde_json::from_value(payload.clone())
        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
    let db = &ctx.services.db;
    let Some(file) = cdr_files::Entity::find_by_id(p.file_id).one(db).await? else {
        return Ok(format!("CDR file {} no longer exists", p.file_id));
    };
    if !matches!(file.status.as_str(), "queued" | "running") {
        return Ok(format!(
            "CDR file {} is {}: nothing to do",
            file.id, file.status
        ));
    }
    match run(ctx, file.clone()).await {
        Ok(summary) => Ok(summary),
        Err(JobFailure::Permanent(why)) => {
            finish(db, &file, "failed", &why)
                .await
                .map_err(|e| JobFailure::Transient(e.to_string()))?;
            Err(JobFailure::Permanent(why))
        }
        Err(transient) => Err(transient),
    }
}

async fn run(ctx: &JobContext, file: cdr_files::Model) -> Result<String, JobFailure> {
    let db = &ctx.services.db;
    let failed = |e: ServiceError| match e {
        ServiceError::Validation(errors) => JobFailure::Permanent(
            errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => JobFailure::Transient(other.to_string()),
    };
    let bytes = ctx
        .services
        .objects
        .get(&file.object_key)
        .await
        .map_err(|e| JobFailure::Transient(format!("reading the file from storage: {e}")))?
        .ok_or_else(|| {
            JobFailure::Permanent("the file is no longer in storage: upload it again".to_owned())
        })?;
    let mut reader = CdrFile::open(bytes).map_err(failed)?;
    // The uploader was checked at upload; the batches run as staff of the file's tenant.
    let actor = Actor {
        tenant_id: file.tenant_id,
        user_id: 0,
        email: file.uploaded_by.clone(),
        role: Role::Admin,
        customer_id: None,
        carrier_id: None,
        ip: None,
        user_agent: None,
    };
    let mut row = file.clone().into_active_model();
    row.status = Set("running".to_owned());
    let mut file = row.update(db).await?;
    let resume_after = file.lines_done as usize;
    ctx.progress(file.lines_done as u64, file.lines as u64, "starting")
        .await?;
    while let Some(mut batch) = reader.next_batch(MAX_BATCH) {
        if batch.last_line <= resume_after + 1 {
            continue;
        }
        batch.rows.retain(|(line, _)| *line > resume_after + 1);
        batch.refused.retain(|o| o.row > resume_after + 1);
        let mut report = if batch.rows.is_empty() {
            IngestReport::default()
        } else {
            ingest(&ctx.services, &actor, batch.rows, "file")
                .await
                .map_err(failed)?
        };
        report.received += batch.refused.len();
        report.refused += batch.refused.len();
        report.outcomes.extend(batch.refused);
        file = record(db, file, &report, batch.last_line).await?;
        ctx.progress(
            (file.lines_done as u64).min(file.lines as u64),
            file.lines as u64,
            &summary(&file),
        )
        .await?;
    }
    if file.received == 0 {
        return Err(JobFailure::Permanent(
            "the file has a header row but no CDR".to_owned(),
        ));
    }
    let done = summary(&file);
    finish(db, &file, "done", &done)
        .await
        .map_err(|e| JobFailure::Transient(e.to_string()))?;
    Ok(done)
}

/// `1,000,000 lines read: 990,000 rated, …`: a file's counts in words.
pub fn summary(file: &cdr_files::Model) -> String {
    format!(
        "{} lines read: {} rated, {} unpaid, {} unrated, {} sent before, {} refused",
        file.received, file.rated, file.unpaid, file.unrated, file.duplicates, file.refused
    )
}

/// Adds a batch's counts and problem lines to the file, and where it got to, in one
/// transaction.
async fn record(
    db: &DatabaseConnection,
    file: cdr_files::Model,
    report: &IngestReport,
    last_line: usize,
) -> Result<cdr_files::Model, JobFailure> {
    let txn = db.begin().await?;
    let problems: Vec<cdr_file_problems::ActiveModel> = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.status.as_str(), "refused" | "unrated" | "unpaid"))
        .map(|o: &CdrOutcome| cdr_file_problems::ActiveModel {
            file_id: Set(file.id),
            line: Set(o.row as i64),
            call_id: Set(o.call_id.clone()),
            status: Set(o.status.clone()),
            reason: Set(o.reason.clone()),
            ..Default::default()
        })
        .collect();
    for chunk in problems.chunks(2_000) {
        cdr_file_problems::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                cdr_file_problems::Column::FileId,
                cdr_file_problems::Column::Line,
            ])
            .exec_without_returning(&txn)
            .await?;
    }
    let add = |n: usize| n as i64;
    let mut row = file.clone().into_active_model();
    row.lines_done = Set(last_line.saturating_sub(1) as i64);
    row.received = Set(file.received + add(report.received));
    row.rated = Set(file.rated + add(report.rated));
    row.unpaid = Set(file.unpaid + add(report.unpaid));
    row.unrated = Set(file.unrated + add(report.unrated));
    row.duplicates = Set(file.duplicates + add(report.duplicates));
    row.refused = Set(file.refused + add(report.refused));
    let file = row.update(&txn).await?;
    txn.commit().await?;
    Ok(file)
}

/// The tenant's CDR files, newest first (at most `limit`), each with its job's progress while it
/// runs (done, total, message).
///
/// # Errors
/// `Forbidden` unless staff or a switch operator; database errors.
pub async fn list_files(
    db: &DatabaseConnection,
    actor: &Actor,
    limit: u64,
) -> Result<Vec<(cdr_files::Model, Option<(i64, i64, String)>)>, ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    let files = cdr_files::Entity::find()
        .filter(cdr_files::Column::TenantId.eq(actor.tenant_id))
        .order_by_desc(cdr_files::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let progress = if matches!(file.status.as_str(), "queued" | "running") {
            crate::decks::import_progress(db, &file.job_id).await?
        } else {
            None
        };
        out.push((file, progress));
    }
    Ok(out)
}

/// A CDR file of the actor's tenant and its problem lines (refused, unrated, unpaid) in line
/// order, for a CSV download.
///
/// # Errors
/// `NotFound` for another tenant's file; `Forbidden` unless staff or a switch operator.
pub async fn file_problems(
    db: &DatabaseConnection,
    actor: &Actor,
    file_id: i64,
) -> Result<(cdr_files::Model, Vec<cdr_file_problems::Model>), ServiceError> {
    if !crate::carriers::manages_carriers(actor.role) {
        return Err(ServiceError::Forbidden);
    }
    let file = crate::tenancy::find_scoped::<cdr_files::Entity>(db, actor, file_id).await?;
    let problems = cdr_file_problems::Entity::find()
        .filter(cdr_file_problems::Column::FileId.eq(file.id))
        .order_by_asc(cdr_file_problems::Column::Line)
        .all(db)
        .await?;
    Ok((file, problems))
}
