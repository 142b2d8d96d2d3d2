//! Promo (bonus) codes: staff create them (Super Admin > Customers > Promo codes); a customer
//! gives one on the Top up page and the bonus (`domain::promo::bonus`) is credited as a
//! `bonus` entry with the paid top-up, once. A code's amounts are in its currency and it applies
//! to customers billed in that currency (and, when it names one, of that category).
//!
//! A use is taken when the top-up starts (`reserve`: `redeemed` counted up in the same
//! statement that checks the limit, so concurrent top-ups cannot pass it), given back when the
//! payment fails or expires (`release`), and kept when it is paid (`apply`).

use crate::audit::{Actor, Changes};
use crate::entities::{customer_categories, customers, payments, promo_codes, promo_redemptions};
use crate::error::{FieldError, ServiceError};
use crate::ledger::currency_decimals;
use crate::tenancy::{find_scoped, scoped};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Role;
use domain::ledger::{display, to_micros, to_minor_units};
use domain::promo::{PromoError, PromoRules, Reward};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, Statement, TransactionTrait,
};
use std::str::FromStr;

/// What staff fill in to create a code; every amount is decimal text in `currency`, empty
/// optional fields mean no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoInput {
    /// 3 to 32 letters, digits, `-` or `_`; stored in capitals, e.g. `WELCOME10`.
    pub code: String,
    /// For staff and the customer, e.g. `Welcome bonus`.
    pub description: String,
    /// `percent` or `fixed`.
    pub kind: String,
    /// The percentage (more than 0, at most 100) or the fixed amount.
    pub value: String,
    /// ISO 4217 code of the amounts; the code applies to customers billed in it.
    pub currency: String,
    /// Smallest top-up it applies to; empty: any.
    pub min_top_up: String,
    /// Largest bonus it gives; empty: no cap.
    pub max_bonus: String,
    /// Uses in all; empty: no limit.
    pub max_uses: String,
    /// Uses per customer; empty: no limit.
    pub max_uses_per_customer: String,
    /// First day (`YYYY-MM-DD`, UTC); empty: from now.
    pub valid_from: String,
    /// Last day, included (`YYYY-MM-DD`, UTC); empty: no end.
    pub valid_to: String,
    /// The customer category it is limited to; `None`: every customer.
    pub category_id: Option<i64>,
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    match actor.role {
        Role::SuperAdmin | Role::Admin => Ok(()),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The rules of a stored code.
pub fn rules(p: &promo_codes::Model) -> PromoRules {
    PromoRules {
        reward: if p.kind == "fixed" {
            Reward::Fixed(p.fixed_micros)
        } else {
            Reward::Percent(Decimal::from_str(&p.percent).unwrap_or_default())
        },
        min_top_up: p.min_top_up_micros,
        max_bonus: p.max_bonus_micros,
        valid_from: p.valid_from,
        valid_to: p.valid_to,
        max_uses: p.max_uses,
        max_uses_per_customer: p.max_uses_per_customer,
        active: p.active,
    }
}

/// What a code gives, for people: `10 % (at most 20.00 USD)` or `5.00 USD`.
pub fn reward_text(p: &promo_codes::Model) -> String {
    let minor = currency_decimals(&p.currency);
    let cap = p
        .max_bonus_micros
        .map(|c| format!(" (at most {} {})", display(c, minor), p.currency))
        .unwrap_or_default();
    if p.kind == "fixed" {
        format!("{} {}", display(p.fixed_micros, minor), p.currency)
    } else {
        format!("{} %{cap}", p.percent)
    }
}

/// Creates a code in the actor's tenant (staff only), audited.
///
/// # Errors
/// `Validation` naming each bad field (`code`, `kind`, `value`, `currency`, `min_top_up`,
/// `max_bonus`, `max_uses`, `max_uses_per_customer`, `valid_from`, `valid_to`, `category_id`);
/// `Conflict{code}` when the tenant has the code already; `Forbidden` for non-staff.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: PromoInput,
) -> Result<promo_codes::Model, ServiceError> {
    staff(actor)?;
    let mut errors = Vec::new();
    let code = input.code.trim().to_uppercase();
    if !(3..=32).contains(&code.len())
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(FieldError::new(
            "code",
            "use 3 to 32 letters, digits, - or _ (like WELCOME10)",
        ));
    }
    let currency = input.currency.trim().to_uppercase();
    let minor = match domain::money::parse_currency(&currency) {
        Ok(c) => domain::money::minor_unit_decimals(c),
        Err(_) => {
            errors.push(FieldError::new(
                "currency",
                "give an ISO 4217 code like USD or EUR",
            ));
            2
        }
    };
    let amount = |field: &str, text: &str, errors: &mut Vec<FieldError>| -> Option<i64> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let micros = Decimal::from_str(&text.replace(',', "."))
            .ok()
            .and_then(|d| to_micros(d).ok())
            .filter(|m| *m > 0 && to_minor_units(*m, minor).is_some());
        if micros.is_none() {
            errors.push(FieldError::new(
                field,
                &format!("give a positive amount with at most {minor} decimals, like 25.00"),
            ));
        }
        micros
    };
    let count = |field: &str, text: &str, errors: &mut Vec<FieldError>| -> Option<i64> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let n = text.parse::<i64>().ok().filter(|n| *n > 0);
        if n.is_none() {
            errors.push(FieldError::new(field, "give a whole number of at least 1"));
        }
        n
    };
    let (mut percent, mut fixed) = (String::new(), 0);
    match input.kind.as_str() {
        "percent" => match Decimal::from_str(input.value.trim()) {
            Ok(p) if p > Decimal::ZERO && p <= Decimal::from(100) && p.scale() <= 4 => {
                percent = p.normalize().to_string();
            }
            _ => errors.push(FieldError::new(
                "value",
                "give a percentage above 0 and at most 100, like 10 or 7.5",
            )),
        },
        "fixed" => match amount("value", &input.value, &mut errors) {
            Some(m) => fixed = m,
            None if input.value.trim().is_empty() => {
                errors.push(FieldError::new("value", "give the bonus amount, like 5.00"));
            }
            None => {}
        },
        _ => errors.push(FieldError::new(
            "kind",
            "choose a percentage or a fixed amount",
        )),
    }
    let min_top_up = amount("min_top_up", &input.min_top_up, &mut errors).unwrap_or(0);
    let max_bonus = amount("max_bonus", &input.max_bonus, &mut errors);
    let max_uses = count("max_uses", &input.max_uses, &mut errors);
    let per_customer = count(
        "max_uses_per_customer",
        &input.max_uses_per_customer,
        &mut errors,
    );
    let day = |field: &str, text: &str, errors: &mut Vec<FieldError>| -> Option<NaiveDate> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if d.is_none() {
            errors.push(FieldError::new(field, "give a date like 2026-12-31"));
        }
        d
    };
    let from = day("valid_from", &input.valid_from, &mut errors);
    let to = day("valid_to", &input.valid_to, &mut errors);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push(FieldError::new(
            "valid_to",
            "the last day is before the first",
        ));
    }
    if let Some(category) = input.category_id
        && find_scoped::<customer_categories::Entity>(db, actor, category)
            .await
            .is_err()
    {
        errors.push(FieldError::new(
            "category_id",
            "choose a category of this site",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let midnight =
        |d: NaiveDate| -> DateTime<Utc> { d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() };
    let row = promo_codes::ActiveModel {
        tenant_id: Set(actor.tenant_id),
        code: Set(code.clone()),
        description: Set(input.description.trim().to_owned()),
        kind: Set(input.kind.clone()),
        percent: Set(percent),
        fixed_micros: Set(fixed),
        currency: Set(currency),
        min_top_up_micros: Set(min_top_up),
        max_bonus_micros: Set(max_bonus),
        max_uses: Set(max_uses),
        max_uses_per_customer: Set(per_customer),
        valid_from: Set(from.map(midnight)),
        valid_to: Set(to.and_then(|t| t.succ_opt()).map(midnight)),
        category_id: Set(input.category_id),
        active: Set(true),
        redeemed: Set(0),
        created_by: Set(actor.email.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let saved = match promo_codes::Entity::insert(row)
        .exec_with_returning(&txn)
        .await
    {
        Ok(saved) => saved,
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return Err(ServiceError::Conflict {
                field: "code".to_owned(),
            });
        }
        Err(err) => return Err(err.into()),
    };
    actor
        .audit(
            &txn,
            "create",
            "promo_code",
            saved.id,
            Changes::new()
                .field("code", serde_json::Value::Null, saved.code.clone())
                .field("reward", serde_json::Value::Null, reward_text(&saved)),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Turns code `id` on or off (staff only), audited.
///
/// # Errors
/// `NotFound` for another tenant's code; `Forbidden` for non-staff.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    active: bool,
) -> Result<promo_codes::Model, ServiceError> {
    staff(actor)?;
    let code = find_scoped::<promo_codes::Entity>(db, actor, id).await?;
    let txn = db.begin().await?;
    let mut update: promo_codes::ActiveModel = code.clone().into();
    update.active = Set(active);
    let saved = update.update(&txn).await?;
    actor
        .audit(
            &txn,
            "update",
            "promo_code",
            id,
            Changes::new().field("active", code.active, active),
        )
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A code with its use: bonuses credited (applied uses and their sum, micro-units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoRow {
    /// The code.
    pub promo: promo_codes::Model,
    /// Uses whose bonus was credited.
    pub applied: i64,
    /// The bonus credited in all, micro-units of the code's currency.
    pub bonus_micros: i64,
}

/// The tenant's codes, newest first, with their use (staff only).
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<PromoRow>, ServiceError> {
    staff(actor)?;
    let codes = scoped::<promo_codes::Entity>(actor)
        .order_by_desc(promo_codes::Column::Id)
        .all(db)
        .await?;
    let used = promo_redemptions::Entity::find()
        .filter(promo_redemptions::Column::TenantId.eq(actor.tenant_id))
        .filter(promo_redemptions::Column::Status.eq("applied"))
        .all(db)
        .await?;
    Ok(codes
        .into_iter()
        .map(|promo| {
            let mine = used.iter().filter(|r| r.promo_code_id == promo.id);
            PromoRow {
                applied: mine.clone().count() as i64,
                bonus_micros: mine.map(|r| r.bonus_micros).sum(),
                promo,
            }
        })
        .collect())
}

/// Uses of `promo` by `customer_id` that count (reserved or applied).
async fn uses_by(
    db: &impl ConnectionTrait,
    promo: i64,
    customer_id: i64,
) -> Result<i64, sea_orm::DbErr> {
    Ok(promo_redemptions::Entity::find()
        .filter(promo_redemptions::Column::PromoCodeId.eq(promo))
        .filter(promo_redemptions::Column::CustomerId.eq(customer_id))
        .filter(promo_redemptions::Column::Status.ne("released"))
        .all(db)
        .await?
        .len() as i64)
}

fn promo_field(err: &PromoError) -> ServiceError {
    ServiceError::field("promo_code", &err.to_string())
}

/// The code `text` (any case) for a top-up of `amount` micro-units by `customer`, and the
/// bonus it would add now.
///
/// # Errors
/// `Validation` naming `promo_code`: unknown, for another currency or category, or any
/// [`PromoError`].
pub async fn quote(
    db: &impl ConnectionTrait,
    customer: &customers::Model,
    text: &str,
    amount: i64,
) -> Result<(promo_codes::Model, i64), ServiceError> {
    let code = text.trim().to_uppercase();
    let promo = promo_codes::Entity::find()
        .filter(promo_codes::Column::TenantId.eq(customer.tenant_id))
        .filter(promo_codes::Column::Code.eq(&code))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::field("promo_code", &format!("there is no code {code}")))?;
    if promo.currency != customer.billing_currency {
        return Err(ServiceError::field(
            "promo_code",
            &format!("this code is for top-ups in {}", promo.currency),
        ));
    }
    if promo.category_id.is_some() && promo.category_id != customer.category_id {
        return Err(ServiceError::field(
            "promo_code",
            "this code is not for your account",
        ));
    }
    let minor = currency_decimals(&promo.currency);
    let used_by_customer = uses_by(db, promo.id, customer.id).await?;
    let bonus = domain::promo::bonus(
        &rules(&promo),
        amount,
        minor,
        Utc::now(),
        promo.redeemed,
        used_by_customer,
        |m| format!("{} {}", display(m, minor), promo.currency),
    )
    .map_err(|e| promo_field(&e))?;
    Ok((promo, bonus))
}

/// Takes one use of `promo` for `payment` within `txn`: counts `redeemed` up only while under
/// the limit, then checks the customer's own limit, and records the redemption.
///
/// # Errors
/// `Validation` naming `promo_code` when a concurrent top-up took the last use.
pub(super) async fn reserve(
    txn: &impl ConnectionTrait,
    promo: &promo_codes::Model,
    payment: &payments::Model,
    bonus: i64,
) -> Result<(), ServiceError> {
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE promo_codes SET redeemed = redeemed + 1 \
             WHERE id = $1 AND active AND (max_uses IS NULL OR redeemed < max_uses)",
            [promo.id.into()],
        ))
        .await?
        .rows_affected();
    if taken == 0 {
        return Err(promo_field(&PromoError::Exhausted));
    }
    if let Some(max) = promo.max_uses_per_customer
        && uses_by(txn, promo.id, payment.customer_id).await? >= max
    {
        return Err(promo_field(&PromoError::ExhaustedForCustomer));
    }
    promo_redemptions::Entity::insert(promo_redemptions::ActiveModel {
        tenant_id: Set(payment.tenant_id),
        promo_code_id: Set(promo.id),
        customer_id: Set(payment.customer_id),
        payment_id: Set(payment.id),
        bonus_micros: Set(bonus),
        status: Set("reserved".to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Gives back the use a failed or expired `payment` had taken (once).
pub(super) async fn release(
    db: &DatabaseConnection,
    payment: &payments::Model,
) -> Result<(), sea_orm::DbErr> {
    let Some(promo) = payment.promo_code_id else {
        return Ok(());
    };
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let released = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE promo_redemptions SET status = 'released' WHERE payment_id = $1 AND status = 'reserved'",
            [payment.id.into()],
        ))
        .await?
        .rows_affected();
    if released == 1 {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE promo_codes SET redeemed = redeemed - 1 WHERE id = $1 AND redeemed > 0",
            [promo.into()],
        ))
        .await?;
    }
    txn.commit().await
}

/// Whether `payment`'s bonus may be credited (its use is reserved or applied), marking it
/// applied.
pub(super) async fn apply(
    db: &DatabaseConnection,
    payment: &payments::Model,
) -> Result<bool, sea_orm::DbErr> {
    let Some(row) = promo_redemptions::Entity::find()
        .filter(promo_redemptions::Column::PaymentId.eq(payment.id))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    match row.status.as_str() {
        "applied" => Ok(true),
        "reserved" => {
            let mut update: promo_redemptions::ActiveModel = row.into();
            update.status = Set("applied".to_owned());
            update.update(db).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
