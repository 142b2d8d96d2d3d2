//! Manual entries: what staff post by hand (a payment received outside the platform, a refund,
//! a bonus, a correction), and reading an amount typed in a form.

use super::{Posted, Posting, post};
use crate::audit::Actor;
use crate::entities::customers;
use crate::error::ServiceError;
use crate::tenancy::find_scoped;
use domain::ledger::{self, EntryKind};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use std::str::FromStr;

/// The kinds staff may post by hand: a payment received outside the platform, a refund, a
/// bonus, a correction. Call and DID charges and re-ratings come from their own jobs.
pub const MANUAL_KINDS: [EntryKind; 4] = [
    EntryKind::TopUp,
    EntryKind::Refund,
    EntryKind::Bonus,
    EntryKind::Adjustment,
];

/// The form of a manual entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdjustmentInput {
    /// The customer.
    pub customer_id: i64,
    /// One of [`MANUAL_KINDS`] by key.
    pub kind: String,
    /// Signed decimal text in the customer's currency, e.g. `25.00` or `-3.10` (an adjustment
    /// may be negative; the other kinds are credits), at most 6 decimals.
    pub amount: String,
    /// Why (required, kept on the entry and in the audit log).
    pub reason: String,
    /// The form's one-time token, so a double submit posts once.
    pub idempotency_key: String,
}

/// Posts a manual entry for a customer by a staff member, audited.
///
/// # Errors
/// `Forbidden` unless staff; `Validation` naming `kind`, `amount` (not a number, too precise,
/// zero, wrong sign, past the credit limit) or `reason`; `NotFound`; `Conflict{idempotency_key}`.
pub async fn adjust(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AdjustmentInput,
) -> Result<Posted, ServiceError> {
    if !actor.role.is_staff() {
        return Err(ServiceError::Forbidden);
    }
    let customer = find_scoped::<customers::Entity>(db, actor, input.customer_id).await?;
    let mut errors = Vec::new();
    let kind = EntryKind::parse(input.kind.trim())
        .ok()
        .filter(|k| MANUAL_KINDS.contains(k));
    if kind.is_none() {
        errors.push(crate::error::FieldError::new(
            "kind",
            "choose top-up, refund, bonus or adjustment",
        ));
    }
    let micros = match parse_amount(&input.amount) {
        Ok(m) => Some(m),
        Err(message) => {
            errors.push(crate::error::FieldError::new("amount", message));
            None
        }
    };
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        errors.push(crate::error::FieldError::new(
            "reason",
            "say why, e.g. \"bank transfer 2026-11-30\" or \"credit for outage ticket 118\"",
        ));
    } else if reason.chars().count() > 500 {
        errors.push(crate::error::FieldError::new(
            "reason",
            "keep it under 500 characters",
        ));
    }
    if input.idempotency_key.trim().is_empty() {
        errors.push(crate::error::FieldError::new(
            "token",
            "the form has no token: reload the page and send it again",
        ));
    }
    let (Some(kind), Some(micros), true) = (kind, micros, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    post(
        db,
        actor.tenant_id,
        &actor.email,
        Posting {
            customer_id: customer.id,
            kind,
            amount_micros: micros,
            idempotency_key: format!("manual:{}", input.idempotency_key.trim()),
            description: reason,
            reference: String::new(),
            fx: None,
        },
        Some(actor),
    )
    .await
}

/// Reads an amount typed in a form (`25.00`, `-3.10`, `1 250.5`) into micro-units.
///
/// # Errors
/// The message for the field: not a number, or more than 6 decimals / too large.
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let plain = text.trim().replace(' ', "");
    match Decimal::from_str(&plain) {
        Ok(d) => ledger::to_micros(d).map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "`{}` is not an amount: write it like 25.00 or -3.10",
            text.trim()
        )),
    }
}
