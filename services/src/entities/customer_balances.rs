//! The `customer_balances` table.

use sea_orm::entity::prelude::*;

/// The cached balance of a customer: the sum of its ledger entries in micro-units of
/// `currency`, and how many entries that is. Debits update it under a row lock with the credit
/// limit in the `WHERE`, so concurrent charges never pass the limit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: i64,
    pub tenant_id: i64,
    pub currency: String,
    pub balance_micros: i64,
    pub entry_count: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
