//! The `cdrs` table.

use sea_orm::entity::prelude::*;

/// A call detail record and its rating (see the migration `create_cdrs` for each column's
/// meaning): amounts in micro-units of their currency, `status` `rated`, `unpaid` or `unrated`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cdrs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub call_id: String,
    pub customer_id: Option<i64>,
    pub carrier_id: Option<i64>,
    pub tier_id: Option<i64>,
    pub start_at: DateTimeUtc,
    pub answer_at: Option<DateTimeUtc>,
    pub end_at: Option<DateTimeUtc>,
    pub duration_secs: i32,
    pub billed_secs: i32,
    pub a_number: String,
    pub b_number: String,
    pub sip_code: i32,
    pub prefix: String,
    #[sea_orm(column_type = "Text")]
    pub destination: String,
    pub cost_micros: Option<i64>,
    pub cost_currency: String,
    pub price_micros: Option<i64>,
    pub price_currency: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub ledger_entry_id: Option<i64>,
    pub source: String,
    /// The re-rating that last changed this CDR's rating, if any.
    pub rerate_id: Option<i64>,
    /// Post-dial delay in milliseconds (start to first ringing), when reported.
    pub pdd_ms: Option<i32>,
    pub created_at: DateTimeUtc,
    /// The price in the sell card's currency when it differs from the billing currency
    /// (`price_*`), micro-units; `None` otherwise.
    pub sell_micros: Option<i64>,
    /// The sell card's currency when converted, else empty.
    pub sell_currency: String,
    /// `1 sell_currency = fx_rate price_currency` (decimal text) when converted, else empty.
    pub fx_rate: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
