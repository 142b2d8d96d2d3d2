//! The `rerate_changes` table.

use sea_orm::entity::prelude::*;

/// One CDR's rating before and after a re-rating: status, buy cost (micro-units of its
/// currency) and sell price (micro-units of `price_currency`), and the new prefix, destination,
/// billed seconds and reason (empty when rated).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rerate_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rerate_id: i64,
    pub cdr_id: i64,
    pub customer_id: i64,
    pub old_status: String,
    pub new_status: String,
    pub old_cost: Option<i64>,
    pub new_cost: Option<i64>,
    pub old_cost_currency: String,
    pub new_cost_currency: String,
    pub old_price: Option<i64>,
    pub new_price: Option<i64>,
    pub price_currency: String,
    pub new_prefix: String,
    #[sea_orm(column_type = "Text")]
    pub new_destination: String,
    pub new_billed_secs: i32,
    #[sea_orm(column_type = "Text")]
    pub new_reason: String,
    /// The new price in the sell card's currency when converted, else `None`.
    pub new_sell_micros: Option<i64>,
    /// The sell card's currency when converted, else empty.
    pub new_sell_currency: String,
    /// The rate applied (decimal text) when converted, else empty.
    pub new_fx_rate: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
