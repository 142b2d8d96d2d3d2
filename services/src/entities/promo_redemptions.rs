//! The `promo_redemptions` table.

use sea_orm::entity::prelude::*;

/// One use of a promo code by a payment: the bonus it gives (micro-units) and its state
/// (`reserved` while the payment is open, `applied` once credited, `released` when the payment
/// failed or expired).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_redemptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub promo_code_id: i64,
    pub customer_id: i64,
    pub payment_id: i64,
    pub bonus_micros: i64,
    pub status: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
