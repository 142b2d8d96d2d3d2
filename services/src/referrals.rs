//! The referral programme: each customer has a sign-up link with its code
//! (`/signup?ref=CODE`); a customer who signs up with it is its referee, and each of the
//! referee's first paid top-ups earns the referrer a share as a `referral_reward` ledger entry,
//! once per payment (see [`domain::referral`] for the amounts and the guards).

use crate::audit::{Actor, Changes};
use crate::entities::{customers, referral_programs, referral_rewards, users};
use crate::error::ServiceError;
use crate::tenancy::{in_tenant, scoped};
use chrono::Utc;
use domain::access::Role;
use domain::ledger::to_micros;
use domain::referral::Programme;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::str::FromStr;

mod rewards;

pub(crate) use rewards::{claw_back, reward_top_up};

/// Letters and digits of referral codes (no 0/O, 1/I/L: codes are read aloud and typed).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Characters in a referral code.
pub const CODE_LEN: usize = 8;

/// The programme of a tenant that never saved one: off, 10 % of the first 3 top-ups, no cap.
fn default_programme(tenant_id: i64) -> referral_programs::Model {
    referral_programs::Model {
        tenant_id,
        enabled: false,
        share_percent: "10".to_owned(),
        rewarded_top_ups: 3,
        max_reward_micros: None,
        updated_at: chrono::DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// The tenant's programme as stored, or the default (off).
///
/// # Errors
/// The database failed.
pub async fn programme_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<referral_programs::Model, sea_orm::DbErr> {
    Ok(referral_programs::Entity::find_by_id(tenant_id)
        .one(db)
        .await?
        .unwrap_or_else(|| default_programme(tenant_id)))
}

/// The stored programme as the rules of [`domain::referral`].
pub fn rules(p: &referral_programs::Model) -> Programme {
    Programme {
        enabled: p.enabled,
        share_percent: Decimal::from_str(&p.share_percent).unwrap_or_default(),
        rewarded_top_ups: p.rewarded_top_ups,
        max_reward: p.max_reward_micros,
    }
}

/// The programme form of Super Admin > Customers > Referrals.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeInput {
    /// Whether new rewards are earned.
    pub enabled: bool,
    /// The share, percent, e.g. `10`.
    pub share_percent: String,
    /// How many first top-ups are rewarded, e.g. `3`.
    pub rewarded_top_ups: String,
    /// The most one referee earns its referrer, in the referrer's currency (e.g. `50.00`);
    /// empty: no cap.
    pub max_reward: String,
}

fn staff(actor: &Actor) -> Result<(), ServiceError> {
    if actor.role.is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Saves the tenant's programme (staff); audited.
///
/// # Errors
/// `Validation` naming `share_percent` (above 0, at most 100), `rewarded_top_ups` (1 to 100)
/// or `max_reward` (a positive amount); `Forbidden` for non-staff.
pub async fn save_programme(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: ProgrammeInput,
) -> Result<referral_programs::Model, ServiceError> {
    staff(actor)?;
    let mut errors = Vec::new();
    let share = domain::referral::check_share(&input.share_percent)
        .map_err(|m| errors.push(crate::error::FieldError::new("share_percent", m)))
        .ok();
    let top_ups = input
        .rewarded_top_ups
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    if top_ups.is_none() {
        errors.push(crate::error::FieldError::new(
            "rewarded_top_ups",
            "give a whole number from 1 to 100",
        ));
    }
    let max_reward = match input.max_reward.trim() {
        "" => None,
        text => {
            let micros = Decimal::from_str(text)
                .ok()
                .and_then(|d| to_micros(d).ok())
                .filter(|m| *m > 0);
            if micros.is_none() {
                errors.push(crate::error::FieldError::new(
                    "max_reward",
                    "give an amount like 50.00, or leave it empty for no cap",
                ));
            }
            micros
        }
    };
    let (Some(share), Some(top_ups), true) = (share, top_ups, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    // One read: the stored row (updated) or the default (inserted), whose values the audit
    // entry starts from.
    let stored = referral_programs::Entity::find_by_id(actor.tenant_id)
        .one(db)
        .await?;
    let before = stored
        .clone()
        .unwrap_or_else(|| default_programme(actor.tenant_id));
    let mut row = match &stored {
        Some(m) => m.clone().into_active_model(),
        None => referral_programs::ActiveModel {
            tenant_id: Set(actor.tenant_id),
            ..Default::default()
        },
    };
    row.enabled = Set(input.enabled);
    row.share_percent = Set(share.to_string());
    row.rewarded_top_ups = Set(top_ups);
    row.max_reward_micros = Set(max_reward);
    row.updated_at = Set(Utc::now());
    let saved = if stored.is_some() {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    actor
        .audit(
            db,
            "update",
            "referral_programme",
            actor.tenant_id,
            Changes::new()
                .field("enabled", before.enabled, saved.enabled)
                .field(
                    "share_percent",
                    before.share_percent,
                    saved.share_percent.clone(),
                )
                .field(
                    "rewarded_top_ups",
                    before.rewarded_top_ups,
                    saved.rewarded_top_ups,
                )
                .field(
                    "max_reward_micros",
                    before.max_reward_micros,
                    saved.max_reward_micros,
                ),
        )
        .await?;
    Ok(saved)
}

/// The customer of `tenant_id` whose referral code is `code` (case-insensitive).
///
/// # Errors
/// The database failed.
pub async fn referrer_by_code(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    code: &str,
) -> Result<Option<customers::Model>, sea_orm::DbErr> {
    in_tenant::<customers::Entity>(tenant_id)
        .filter(customers::Column::ReferralCode.eq(code.trim().to_ascii_uppercase()))
        .one(db)
        .await
}

/// Every e-mail address of `customer`: its contact and billing addresses and its users'.
///
/// # Errors
/// The database failed.
pub async fn emails_of(
    db: &impl ConnectionTrait,
    customer: &customers::Model,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let mut emails: Vec<String> = users::Entity::find()
        .filter(users::Column::CustomerId.eq(customer.id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    emails.extend(
        [&customer.contact_email, &customer.billing_email]
            .into_iter()
            .filter(|e| !e.is_empty())
            .cloned(),
    );
    Ok(emails)
}

fn new_code() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .take(CODE_LEN)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// The referral code of `customer`, made (and stored) the first time it is asked for.
///
/// # Errors
/// The database failed (a code taken meanwhile is retried).
pub async fn code_of(
    db: &impl ConnectionTrait,
    customer: &customers::Model,
) -> Result<String, ServiceError> {
    if let Some(code) = &customer.referral_code {
        return Ok(code.clone());
    }
    for _ in 0..5 {
        let code = new_code();
        let stored = customers::Entity::update_many()
            .col_expr(customers::Column::ReferralCode, Some(code.clone()).into())
            .filter(customers::Column::Id.eq(customer.id))
            .filter(customers::Column::ReferralCode.is_null())
            .exec(db)
            .await;
        match stored {
            Ok(_) => {
                // Whoever stored first wins; read it back.
                let now = customers::Entity::find_by_id(customer.id).one(db).await?;
                if let Some(code) = now.and_then(|c| c.referral_code) {
                    return Ok(code);
                }
            }
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unexpected(anyhow::anyhow!(
        "no free referral code after 5 tries"
    )))
}

/// A customer its referral brought, as the referrer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referee {
    /// Company name.
    pub company: String,
    /// When it signed up.
    pub joined: chrono::DateTime<Utc>,
    /// Its top-ups that earned a reward.
    pub rewarded: i64,
    /// What it earned the referrer, micro-units of the referrer's currency.
    pub earned_micros: i64,
}

/// The Referrals page of a customer: its code, the programme, and whom it brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyReferrals {
    /// The referral code.
    pub code: String,
    /// The tenant's programme.
    pub programme: referral_programs::Model,
    /// The customer's billing currency (rewards are in it).
    pub currency: String,
    /// The customers it referred, newest first.
    pub referees: Vec<Referee>,
    /// Rewards earned in all, micro-units.
    pub earned_micros: i64,
}

/// The signed-in customer's referrals (its code is made on the first visit).
///
/// # Errors
/// `Forbidden` for users who are not a customer's.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<MyReferrals, ServiceError> {
    let (Role::Customer, Some(customer_id)) = (actor.role, actor.customer_id) else {
        return Err(ServiceError::Forbidden);
    };
    let me = crate::tenancy::find_scoped::<customers::Entity>(db, actor, customer_id).await?;
    let code = code_of(db, &me).await?;
    let referred = scoped::<customers::Entity>(actor)
        .filter(customers::Column::ReferredBy.eq(me.id))
        .order_by_desc(customers::Column::Id)
        .all(db)
        .await?;
    let rewards = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::ReferrerId.eq(me.id))
        .filter(referral_rewards::Column::Status.eq("credited"))
        .all(db)
        .await?;
    let mut per: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in &rewards {
        let e = per.entry(r.referee_id).or_default();
        e.0 += 1;
        e.1 += r.amount_micros;
    }
    Ok(MyReferrals {
        code,
        programme: programme_of(db, actor.tenant_id).await?,
        currency: me.billing_currency.clone(),
        earned_micros: rewards.iter().map(|r| r.amount_micros).sum(),
        referees: referred
            .into_iter()
            .map(|c| {
                let (rewarded, earned_micros) = per.get(&c.id).copied().unwrap_or_default();
                Referee {
                    company: c.company_name,
                    joined: c.created_at,
                    rewarded,
                    earned_micros,
                }
            })
            .collect(),
    })
}

/// A reward as staff list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardRow {
    /// The row.
    pub reward: referral_rewards::Model,
    /// The referrer's company.
    pub referrer: String,
    /// The referee's company.
    pub referee: String,
}

/// The tenant's latest `limit` rewards, credited and refused, newest first, and how many
/// customers were referred in all (staff).
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn rewards(
    db: &impl ConnectionTrait,
    actor: &Actor,
    limit: u64,
) -> Result<(Vec<RewardRow>, u64), ServiceError> {
    staff(actor)?;
    let rows = referral_rewards::Entity::find()
        .filter(referral_rewards::Column::TenantId.eq(actor.tenant_id))
        .order_by_desc(referral_rewards::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let referred = scoped::<customers::Entity>(actor)
        .filter(customers::Column::ReferredBy.is_not_null())
        .count(db)
        .await?;
    let names: HashMap<i64, String> = scoped::<customers::Entity>(actor)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.company_name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok((
        rows.into_iter()
            .map(|reward| RewardRow {
                referrer: name(reward.referrer_id),
                referee: name(reward.referee_id),
                reward,
            })
            .collect(),
        referred,
    ))
}
