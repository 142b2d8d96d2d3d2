//! The `ledger_entries` table.

use sea_orm::entity::prelude::*;

/// One change of a customer's balance: `kind` (`domain::ledger::EntryKind` key), signed
/// `amount_micros` (credits positive, micro-units of `currency`), the balance after it, the
/// caller's `idempotency_key` (unique per customer), a `description` for people, a `reference`
/// to what caused it (a CDR, a payment, a re-rating), and who posted it (an e-mail or `system`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub amount_micros: i64,
    pub currency: String,
    pub balance_after_micros: i64,
    pub idempotency_key: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub reference: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// What was converted into `amount_micros`, micro-units of `original_currency`; `None`
    /// when nothing was converted.
    pub original_micros: Option<i64>,
    /// The currency converted from, else empty.
    pub original_currency: String,
    /// `1 original_currency = fx_rate currency` (decimal text), else empty.
    pub fx_rate: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
