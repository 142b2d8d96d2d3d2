//! The `referral_programs` table.

use sea_orm::entity::prelude::*;

/// A tenant's referral programme: on or off, the referrer's share of each rewarded top-up
/// (percent, decimal text), how many of a referee's first paid top-ups are rewarded, and the
/// most one referee earns its referrer (micro-units; `None`: no cap).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    pub enabled: bool,
    pub share_percent: String,
    pub rewarded_top_ups: i64,
    pub max_reward_micros: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
