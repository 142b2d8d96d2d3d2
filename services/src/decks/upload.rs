//! Storing an uploaded deck file: checks (size, name, binary content), the object in storage
//! and the `uploaded` deck row, audited; a row that cannot be written takes its file with it.

use super::{EXTENSIONS, MAX_DECK_BYTES, decks, whole_second};
use crate::audit::{Actor, Changes};
use crate::carriers::deck_owner;
use crate::error::ServiceError;
use crate::state::Services;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, TransactionTrait};

fn extension(file_name: &str) -> Option<String> {
    let (_, ext) = file_name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// Stores an uploaded deck file for carrier `carrier_id` and records it as `uploaded`, in the
/// carrier's currency, effective from `effective_from` (now when `None`) for rows without a date.
///
/// # Errors
/// `Validation{deck}` for an empty file, one over [`MAX_DECK_BYTES`], a name not ending in one
/// of [`EXTENSIONS`], or a binary file that is not a workbook; `NotFound` (another tenant's
/// carrier too); `Forbidden`; storage errors as `Unexpected`.
pub async fn upload_deck(
    services: &Services,
    actor: &Actor,
    carrier_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
    effective_from: Option<DateTime<Utc>>,
) -> Result<decks::Model, ServiceError> {
    let db = &services.db;
    let carrier = deck_owner(db, actor, carrier_id).await?;
    let file_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    let file_name: String = file_name.chars().take(255).collect();
    if file_name.is_empty() {
        return Err(ServiceError::field(
            "deck",
            "is required: choose the carrier's rate deck file",
        ));
    }
    if bytes.is_empty() {
        return Err(ServiceError::field(
            "deck",
            &format!("`{file_name}` is empty (0 bytes): choose the carrier's rate deck file"),
        ));
    }
    if bytes.len() > MAX_DECK_BYTES {
        return Err(ServiceError::field(
            "deck",
            &format!(
                "`{file_name}` is {} MiB; decks of at most {} MiB are accepted (split it, or zip-free XLSX)",
                bytes.len() / (1024 * 1024),
                MAX_DECK_BYTES / (1024 * 1024)
            ),
        ));
    }
    let Some(ext) = extension(&file_name) else {
        return Err(ServiceError::field(
            "deck",
            &format!(
                "`{file_name}` is not a rate deck file: upload CSV, TXT or XLSX ({})",
                EXTENSIONS.join(", ")
            ),
        ));
    };
    let workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0");
    if !workbook && bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(ServiceError::field(
            "deck",
            &format!("`{file_name}` is a binary file, not a text or spreadsheet rate deck"),
        ));
    }
    let key = format!(
        "decks/{}/{}/{:016x}.{ext}",
        actor.tenant_id,
        carrier.id,
        rand::random::<u64>()
    );
    let size = bytes.len() as i64;
    services
        .objects
        .put(&key, bytes)
        .await
        .map_err(|e| ServiceError::Unexpected(e.context("storing the deck file")))?;
    let now = Utc::now();
    let model = decks::ActiveModel {
        id: NotSet,
        tenant_id: Set(actor.tenant_id),
        carrier_id: Set(carrier.id),
        file_name: Set(file_name.clone()),
        object_key: Set(key.clone()),
        file_size: Set(size),
        currency: Set(carrier.currency.clone()),
        effective_from: Set(whole_second(effective_from.unwrap_or(now))),
        options: Set("{}".to_owned()),
        status: Set("uploaded".to_owned()),
        job_id: Set(None),
        row_count: Set(0),
        prefix_count: Set(0),
        error_count: Set(0),
        report: Set("{}".to_owned()),
        message: Set(String::new()),
        uploaded_by: Set(actor.email.clone()),
        created_at: Set(now),
        imported_at: Set(None),
        activated_at: Set(None),
        activated_by: Set(None),
    };
    let txn = db.begin().await?;
    let deck = match model.insert(&txn).await {
        Ok(d) => d,
        Err(e) => {
            drop(txn);
            // The row could not be written: do not leave the file behind.
            let _ = services.objects.delete(&key).await;
            return Err(e.into());
        }
    };
    actor
        .audit(
            &txn,
            "upload",
            "rate_deck",
            deck.id,
            Changes::new()
                .field("carrier_id", serde_json::Value::Null, carrier.id)
                .field("file_name", serde_json::Value::Null, file_name)
                .field("file_size", serde_json::Value::Null, size),
        )
        .await?;
    txn.commit().await?;
    Ok(deck)
}
