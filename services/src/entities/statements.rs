//! The `statements` table.

use sea_orm::entity::prelude::*;

/// A customer's statement of a period (`period_from` included, `period_to` excluded): its state
/// (`queued`, `running`, `done`, `failed` with `message`), its invoice number once done
/// (sequential per tenant, without gaps), its figures in micro-units of `currency`, and the
/// PDF's `object_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub customer_id: i64,
    pub period_from: DateTimeUtc,
    pub period_to: DateTimeUtc,
    pub status: String,
    pub invoice_number: Option<i64>,
    pub currency: String,
    pub opening_micros: i64,
    pub credits_micros: i64,
    pub charges_micros: i64,
    pub closing_micros: i64,
    #[sea_orm(column_type = "Text")]
    pub object_key: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub job_id: String,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    /// The CLDR locale of whoever asked for it (e.g. `de`); empty: English.
    pub locale: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
