//! The `rate_notices` table.

use sea_orm::entity::prelude::*;

/// A customer's notice of a published sell card: `status` `queued` until communications send
/// it; `summary` says what changes and from when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub customer_id: i64,
    pub card_id: i64,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub effective_from: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
