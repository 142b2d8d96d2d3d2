//! What providers' webhooks do to payments: every event id is recorded once, a paid top-up is
//! credited once (with its promo bonus), refunds and disputes post `payment_reversal` entries
//! keyed by the provider's ids, and a payment's state never goes back from `paid`.

use super::promo;
use crate::entities::{ledger_entries, payment_events, payments};
use crate::error::ServiceError;
use crate::ledger::{self, Posted, Posting, currency_decimals};
use crate::state::Services;
use chrono::Utc;
use domain::ledger::{EntryKind, display, to_minor_units};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

/// What a verified provider event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Processed now; the text says what moved (for the provider's dashboard and the log).
    Processed(String),
    /// This event id was received before: nothing moved again.
    Replayed,
}

/// Why a webhook was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The provider is not configured here (503: the provider retries later).
    #[error("{0} is not configured on this platform")]
    NotConfigured(&'static str),
    /// The signature does not verify (401): nothing was read or credited.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// Signed, but unreadable (400).
    #[error("unreadable event: {0}")]
    BadEvent(String),
    /// The database failed (500: the provider retries; replays are safe).
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for WebhookError {
    fn from(err: sea_orm::DbErr) -> Self {
        WebhookError::Failed(err.into())
    }
}

/// Whether `provider`'s event `event_id` was recorded before.
pub(super) async fn seen(
    db: &impl ConnectionTrait,
    provider: &str,
    event_id: &str,
) -> Result<bool, sea_orm::DbErr> {
    Ok(payment_events::Entity::find()
        .filter(payment_events::Column::Provider.eq(provider))
        .filter(payment_events::Column::EventId.eq(event_id))
        .one(db)
        .await?
        .is_some())
}

/// Records a processed event; `Replayed` when a concurrent delivery recorded it first.
pub(super) async fn record_event(
    db: &impl ConnectionTrait,
    provider: &str,
    event_id: &str,
    event_type: &str,
    payment_id: Option<i64>,
    outcome: String,
) -> Result<EventOutcome, sea_orm::DbErr> {
    let row = payment_events::ActiveModel {
        provider: Set(provider.to_owned()),
        event_id: Set(event_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        payment_id: Set(payment_id),
        outcome: Set(outcome.clone()),
        received_at: Set(Utc::now()),
        ..Default::default()
    };
    match payment_events::Entity::insert(row).exec(db).await {
        Ok(_) => Ok(EventOutcome::Processed(outcome)),
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(EventOutcome::Replayed)
        }
        Err(err) => Err(err),
    }
}

/// The payment of `provider` whose `column` is `value`, in any tenant (webhooks carry no
/// session: the provider's ids find the payment, and its tenant comes from it).
pub(super) async fn find_by(
    db: &impl ConnectionTrait,
    provider: &str,
    column: payments::Column,
    value: &str,
) -> Result<Option<payments::Model>, sea_orm::DbErr> {
    if value.is_empty() {
        return Ok(None);
    }
    payments::Entity::find()
        .filter(payments::Column::Provider.eq(provider))
        .filter(column.eq(value))
        .one(db)
        .await
}

/// Credits a paid top-up once (keyed `<provider>:<provider_ref>`) and marks it paid, with the
/// provider's payment id. `paid_minor` is what the provider says was paid, in minor units of
/// `currency`: a payment whose amount or currency differs from the one started is not credited
/// and is marked failed with the reason (an operator then looks at it).
pub(super) async fn credit_paid(
    svc: &Services,
    payment: &payments::Model,
    paid_minor: Option<i64>,
    currency: &str,
    payment_ref: &str,
    label: &str,
) -> Result<String, WebhookError> {
    let db = &svc.db;
    let decimals = currency_decimals(&payment.currency);
    let expected = to_minor_units(payment.amount_micros, decimals);
    if !currency.eq_ignore_ascii_case(&payment.currency) || paid_minor != expected {
        let reason = format!(
            "paid {} {} but the top-up was {} {}: not credited",
            paid_minor.map_or("nothing".to_owned(), |m| m.to_string()),
            currency.to_uppercase(),
            expected.unwrap_or_default(),
            payment.currency
        );
        set_status(db, payment, "failed", &reason, payment_ref).await?;
        return Ok(reason);
    }
    let posted = ledger::post(
        db,
        payment.tenant_id,
        "system",
        Posting {
            customer_id: payment.customer_id,
            kind: EntryKind::TopUp,
            amount_micros: payment.amount_micros,
            idempotency_key: format!("{}:{}", payment.provider, payment.provider_ref),
            description: format!("Top-up by {label}"),
            reference: format!("payment:{}", payment.id),
            fx: None,
        },
        None,
    )
    .await?;
    let entry = posted.entry();
    let mut update: payments::ActiveModel = payment.clone().into();
    update.status = Set("paid".to_owned());
    update.ledger_entry_id = Set(Some(entry.id));
    if !payment_ref.is_empty() {
        update.provider_payment_ref = Set(payment_ref.to_owned());
    }
    if payment.completed_at.is_none() {
        update.completed_at = Set(Some(Utc::now()));
    }
    update.message = Set(String::new());
    update.updated_at = Set(Utc::now());
    update.update(db).await?;
    let amount = format!(
        "{} {}",
        display(payment.amount_micros, decimals),
        payment.currency
    );
    let mut said = match posted {
        Posted::New(_) => format!("credited {amount} to customer {}", payment.customer_id),
        Posted::Replayed(_) => format!("already credited {amount}"),
    };
    if payment.bonus_micros > 0 && promo::apply(db, payment).await? {
        let code = match payment.promo_code_id {
            Some(id) => crate::entities::promo_codes::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|p| p.code)
                .unwrap_or_default(),
            None => String::new(),
        };
        let bonus = ledger::post(
            db,
            payment.tenant_id,
            "system",
            Posting {
                customer_id: payment.customer_id,
                kind: EntryKind::Bonus,
                amount_micros: payment.bonus_micros,
                idempotency_key: format!("bonus:{}:{}", payment.provider, payment.provider_ref),
                description: format!("Bonus of code {code} on top-up {}", payment.id),
                reference: format!("payment:{}", payment.id),
                fx: None,
            },
            None,
        )
        .await?;
        if let Posted::New(_) = bonus {
            said.push_str(&format!(
                " and a bonus of {} {}",
                display(payment.bonus_micros, decimals),
                payment.currency
            ));
        }
    }
    let mut paid = payment.clone();
    if !payment_ref.is_empty() {
        paid.provider_payment_ref = payment_ref.to_owned();
    }
    if let Some(reward) = crate::referrals::reward_top_up(svc, &paid).await? {
        said.push_str(&format!("; {reward}"));
    }
    Ok(said)
}

/// Takes back (`minor` > 0: a refund or a dispute) or gives back (`minor` < 0: a dispute won)
/// part of a paid top-up, once per `key`, and updates the payment's reversed total from its
/// ledger entries.
pub(super) async fn reverse(
    svc: &Services,
    payment: &payments::Model,
    minor: i64,
    key: String,
    description: String,
) -> Result<String, WebhookError> {
    let db = &svc.db;
    let decimals = currency_decimals(&payment.currency);
    let micros = domain::ledger::from_minor_units(minor, decimals)
        .filter(|m| *m != 0)
        .ok_or_else(|| WebhookError::BadEvent(format!("amount {minor} is not usable")))?;
    let reference = format!("payment:{}", payment.id);
    let posted = ledger::post(
        db,
        payment.tenant_id,
        "system",
        Posting {
            customer_id: payment.customer_id,
            kind: EntryKind::PaymentReversal,
            amount_micros: -micros,
            idempotency_key: key,
            description,
            reference: reference.clone(),
            fx: None,
        },
        None,
    )
    .await?;
    let reversed: i64 = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::CustomerId.eq(payment.customer_id))
        .filter(ledger_entries::Column::Reference.eq(&reference))
        .filter(ledger_entries::Column::Kind.eq(EntryKind::PaymentReversal.as_str()))
        .all(db)
        .await?
        .iter()
        .map(|e| -e.amount_micros)
        .sum();
    let mut update: payments::ActiveModel = payment.clone().into();
    update.reversed_micros = Set(reversed);
    update.updated_at = Set(Utc::now());
    update.update(db).await?;
    let clawed = crate::referrals::claw_back(db, payment, reversed).await?;
    let amount = format!("{} {}", display(-micros, decimals), payment.currency);
    let said = match posted {
        Posted::New(_) => format!("posted {amount} on payment {}", payment.id),
        Posted::Replayed(_) => format!("already posted {amount}"),
    };
    Ok(match clawed {
        Some(c) => format!("{said}; {c}"),
        None => said,
    })
}

/// Sets a payment's state (never undoing `paid`) with a reason.
pub(super) async fn set_status(
    db: &sea_orm::DatabaseConnection,
    payment: &payments::Model,
    status: &str,
    message: &str,
    payment_ref: &str,
) -> Result<(), sea_orm::DbErr> {
    if payment.status == "paid" {
        return Ok(());
    }
    if matches!(status, "failed" | "expired") {
        promo::release(db, payment).await?;
    }
    let mut update: payments::ActiveModel = payment.clone().into();
    update.status = Set(status.to_owned());
    update.message = Set(message.to_owned());
    if !payment_ref.is_empty() {
        update.provider_payment_ref = Set(payment_ref.to_owned());
    }
    update.updated_at = Set(Utc::now());
    update.update(db).await?;
    Ok(())
}
