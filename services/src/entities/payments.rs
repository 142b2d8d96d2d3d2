//! The `payments` table.

use sea_orm::entity::prelude::*;

/// A top-up a customer started with a payment provider (`stripe`): the amount in its billing
/// currency (micro-units), the provider's checkout session (`provider_ref`) and payment
/// (`provider_payment_ref`, e.g. a PaymentIntent id), the page the customer pays on
/// (`checkout_url`), its state (`created`, `pending`, `paid`, `failed`, `expired`), what
/// refunds and disputes took back (`reversed_micros`, positive), the ledger entry that
/// credited it, and the promo code it was started with and the bonus that code adds
/// (`bonus_micros`, credited with the top-up).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub customer_id: i64,
    pub provider: String,
    pub status: String,
    pub amount_micros: i64,
    pub currency: String,
    #[sea_orm(column_type = "Text")]
    pub provider_ref: String,
    #[sea_orm(column_type = "Text")]
    pub provider_payment_ref: String,
    #[sea_orm(column_type = "Text")]
    pub checkout_url: String,
    #[sea_orm(column_type = "Text")]
    pub idempotency_key: String,
    pub reversed_micros: i64,
    pub ledger_entry_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub promo_code_id: Option<i64>,
    pub bonus_micros: i64,
    /// The provider's id of the payer's account or card, e.g. `paypal:<payer id>`; empty when
    /// unknown.
    pub payer_fingerprint: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
