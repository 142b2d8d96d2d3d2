//! The `promo_codes` table.

use sea_orm::entity::prelude::*;

/// A promo (bonus) code of a tenant: `kind` `percent` (of the top-up, `percent` as decimal
/// text) or `fixed` (`fixed_micros` in `currency`); the minimum top-up and the bonus cap in
/// micro-units of the customer's currency; validity (`valid_to` excluded); use limits in all
/// and per customer; the customer category it is limited to; `redeemed`, the uses taken
/// (reserved or applied).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promo_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub kind: String,
    pub percent: String,
    pub fixed_micros: i64,
    pub currency: String,
    pub min_top_up_micros: i64,
    pub max_bonus_micros: Option<i64>,
    pub max_uses: Option<i64>,
    pub max_uses_per_customer: Option<i64>,
    pub valid_from: Option<DateTimeUtc>,
    pub valid_to: Option<DateTimeUtc>,
    pub category_id: Option<i64>,
    pub active: bool,
    pub redeemed: i64,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
