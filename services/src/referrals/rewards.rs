//! What referrals move: a referee's paid top-up rewards its referrer, and a refund or dispute
//! of it takes the same share of the reward back.

use super::{programme_of, rules};
use crate::entities::{customers, payments, referral_rewards};
use crate::error::ServiceError;
use crate::ledger::{self, Posted, Posting, currency_decimals};
use crate::state::Services;
use chrono::Utc;
use domain::ledger::{EntryKind, display, to_micros};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

/// Records `payment`'s reward row (once per payment: a second call changes nothing).
async fn record(
    db: &impl ConnectionTrait,
    payment: &payments::Model,
    referrer: &customers::Model,
    amount_micros: i64,
    status: &str,
    reason: &str,
    entry: Option<i64>,
) -> Result<(), sea_orm::DbErr> {
    let row = referral_rewards::ActiveModel {
        tenant_id: Set(payment.tenant_id),
        referrer_id: Set(referrer.id),
        referee_id: Set(payment.customer_id),
        payment_id: Set(payment.id),
        amount_micros: Set(amount_micros),
        currency: Set(referrer.billing_currency.clone()),
        status: Set(status.to_owned()),
        reason: Set(reason.to_owned()),
        ledger_entry_id: Set(entry),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    referral_rewards::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(referral_rewards::Column::PaymentId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Takes back from the referrer the part of `payment`'s credited reward that the top-up's
/// refunds and disputes took back (`reversed`, micro-units of the top-up in all, as the
/// payment now stands): `reward × reversed / top-up`, rounded down to the referrer's minor
/// unit, less what was taken back before; a dispute won gives it back. Posted as
/// `payment_reversal` entries on the referrer (the money left with the refund, so the credit
/// limit does not stop it), keyed by the reversed total, so a replayed event moves nothing.
/// Returns what was done, for the webhook's log.
///
/// # Errors
/// The database failed.
pub(crate) async fn claw_back(
    db: &sea_orm::DatabaseConnection,
    payment: &payments::Model,
    reversed: i64,
) -> Result<Option<String>, ServiceError> {
    let Some(reward) = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::PaymentId.eq(payment.id))
        .filter(referral_rewards::Column::Status.eq("credited"))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(referrer) = customers::Entity::find_by_id(reward.referrer_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let decimals = currency_decimals(&referrer.billing_currency);
    let share = i128::from(reward.amount_micros)
        * i128::from(reversed.clamp(0, payment.amount_micros))
        / i128::from(payment.amount_micros.max(1));
    let owed = domain::ledger::floor_to_minor(i64::try_from(share).unwrap_or(0), decimals);
    let reference = format!("referral:{}", payment.id);
    let taken: i64 = crate::entities::ledger_entries::Entity::find()
        .filter(crate::entities::ledger_entries::Column::CustomerId.eq(referrer.id))
        .filter(crate::entities::ledger_entries::Column::Reference.eq(&reference))
        .filter(
            crate::entities::ledger_entries::Column::Kind.eq(EntryKind::PaymentReversal.as_str()),
        )
        .all(db)
        .await?
        .iter()
        .map(|e| -e.amount_micros)
        .sum();
    let change = owed - taken;
    if change == 0 {
        return Ok(None);
    }
    ledger::post(
        db,
        payment.tenant_id,
        "system",
        Posting {
            customer_id: referrer.id,
            kind: EntryKind::PaymentReversal,
            amount_micros: -change,
            idempotency_key: format!("referral-back:{}:{reversed}", payment.id),
            description: if change > 0 {
                format!(
                    "Referral reward taken back: top-up {} was refunded or disputed",
                    payment.id
                )
            } else {
                format!(
                    "Referral reward given back: the dispute on top-up {} was won",
                    payment.id
                )
            },
            reference,
            fx: None,
        },
        None,
    )
    .await?;
    Ok(Some(format!(
        "referral reward of {} {} {} customer {}",
        display(change.abs(), decimals),
        referrer.billing_currency,
        if change > 0 {
            "taken back from"
        } else {
            "given back to"
        },
        referrer.id
    )))
}

/// Rewards the referrer of `payment`'s customer for this paid top-up, when the programme says
/// so; returns what was done, for the webhook's log (`None`: the customer was not referred, or
/// the top-up earns nothing).
///
/// A top-up paid with a payment method its referrer also paid with (same
/// `payer_fingerprint`) earns nothing and is recorded as refused, as is one in another currency
/// than the referrer's when no exchange rate is fresh enough.
///
/// # Errors
/// The database failed.
pub(crate) async fn reward_top_up(
    svc: &Services,
    payment: &payments::Model,
) -> Result<Option<String>, ServiceError> {
    let db = &svc.db;
    let Some(referee) = customers::Entity::find_by_id(payment.customer_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(referrer_id) = referee.referred_by else {
        return Ok(None);
    };
    let Some(referrer) = customers::Entity::find_by_id(referrer_id).one(db).await? else {
        return Ok(None);
    };
    let programme = rules(&programme_of(db, payment.tenant_id).await?);
    let nth = payments::Entity::find()
        .filter(payments::Column::CustomerId.eq(referee.id))
        .filter(payments::Column::Status.eq("paid"))
        .filter(payments::Column::Id.lte(payment.id))
        .count(db)
        .await? as i64;
    if !programme.enabled || nth > programme.rewarded_top_ups {
        return Ok(None);
    }
    let earned: i64 = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::RefereeId.eq(referee.id))
        .filter(referral_rewards::Column::Status.eq("credited"))
        .filter(referral_rewards::Column::PaymentId.ne(payment.id))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount_micros)
        .sum();
    // The top-up in the referrer's currency.
    let top_up = if payment.currency == referrer.billing_currency {
        Ok(payment.amount_micros)
    } else {
        match crate::fx::latest(db).await? {
            Some(rates) => rates
                .convert(
                    domain::ledger::from_micros(payment.amount_micros),
                    &payment.currency,
                    &referrer.billing_currency,
                    6,
                    Utc::now(),
                    svc.settings.fx.max_age_hours,
                )
                .map_err(|e| e.to_string())
                .and_then(|c| to_micros(c.amount).map_err(|e| e.to_string())),
            None => Err("no exchange rates are stored yet".to_owned()),
        }
    };
    let decimals = currency_decimals(&referrer.billing_currency);
    let top_up = match top_up {
        Ok(micros) => micros,
        Err(why) => {
            let reason = format!(
                "the top-up is in {} and the referrer is billed in {}: {why}",
                payment.currency, referrer.billing_currency
            );
            record(db, payment, &referrer, 0, "refused", &reason, None).await?;
            return Ok(Some(format!("referral reward refused: {reason}")));
        }
    };
    let amount = domain::referral::reward(&programme, top_up, nth, earned, decimals);
    if amount == 0 {
        return Ok(None);
    }
    if !payment.payer_fingerprint.is_empty() {
        let shared = payments::Entity::find()
            .filter(payments::Column::CustomerId.eq(referrer.id))
            .filter(payments::Column::PayerFingerprint.eq(payment.payer_fingerprint.clone()))
            .count(db)
            .await?;
        if shared > 0 {
            let reason = "paid with a payment method the referrer also paid with: a customer cannot refer itself";
            record(db, payment, &referrer, amount, "refused", reason, None).await?;
            return Ok(Some(format!("referral reward refused: {reason}")));
        }
    }
    let posted = ledger::post(
        db,
        payment.tenant_id,
        "system",
        Posting {
            customer_id: referrer.id,
            kind: EntryKind::ReferralReward,
            amount_micros: amount,
            idempotency_key: format!("referral:{}", payment.id),
            description: format!(
                "Referral reward: {} % of top-up {} by {}",
                programme.share_percent, payment.id, referee.company_name
            ),
            reference: format!("payment:{}", payment.id),
            fx: None,
        },
        None,
    )
    .await?;
    let entry = posted.entry().id;
    record(db, payment, &referrer, amount, "credited", "", Some(entry)).await?;
    let text = format!(
        "{} {}",
        display(amount, decimals),
        referrer.billing_currency
    );
    Ok(Some(match posted {
        Posted::New(_) => format!("referral reward of {text} to customer {}", referrer.id),
        Posted::Replayed(_) => format!("referral reward of {text} already credited"),
    }))
}
