//! The `balance_alerts` table.

use sea_orm::entity::prelude::*;

/// One crossing of a customer's balance: `kind` is `low_balance` (below its threshold) or
/// `calls_stopped` (at minus its credit limit: the routes API refuses its calls). The balance
/// and the level crossed (threshold, or minus the credit limit) are micro-units of `currency`.
/// The notice goes to `email_to`; `email_status` is `queued` until communications sends it.
/// `cleared_at` is set when the balance is back above the level, which re-arms the alert.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "balance_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub balance_micros: i64,
    pub level_micros: i64,
    pub currency: String,
    pub email_to: String,
    pub email_status: String,
    pub created_at: DateTimeUtc,
    pub cleared_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
