//! The `carriers` table.

use sea_orm::entity::prelude::*;

/// A carrier (supplier of termination) of a tenant. `currency` is the ISO 4217 code of its rate
/// decks and invoices; `status` is `active`, `testing` or `disabled`; `max_cps` and
/// `max_channels` are 0 for no limit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "carriers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub currency: String,
    pub status: String,
    pub technical_prefix: String,
    pub max_cps: i32,
    pub max_channels: i32,
    pub noc_email: String,
    pub rates_email: String,
    pub billing_email: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
