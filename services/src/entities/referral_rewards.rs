//! The `referral_rewards` table.

use sea_orm::entity::prelude::*;

/// What one paid top-up of a referred customer (`referee_id`) earned its referrer: `credited`
/// with the ledger entry, or `refused` with the reason; the amount in micro-units of `currency`
/// (the referrer's billing currency). One row per payment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_rewards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub referrer_id: i64,
    pub referee_id: i64,
    pub payment_id: i64,
    pub amount_micros: i64,
    pub currency: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub ledger_entry_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
