//! The `rerate_lines` table.

use sea_orm::entity::prelude::*;

/// A customer's part of a re-rating: `cdrs` calls re-priced, what they were charged before and
/// after (micro-units of `currency`), and the adjustment entry once applied (its amount is
/// `charged_before - charged_after`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rerate_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rerate_id: i64,
    pub customer_id: i64,
    pub currency: String,
    pub cdrs: i64,
    pub charged_before: i64,
    pub charged_after: i64,
    pub ledger_entry_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
