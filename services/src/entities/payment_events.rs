//! The `payment_events` table.

use sea_orm::entity::prelude::*;

/// A provider event received by a webhook, once per (`provider`, `event_id`): its type, the
/// payment it concerned, and what DIDTron did with it (`outcome`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub provider: String,
    #[sea_orm(column_type = "Text")]
    pub event_id: String,
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    pub payment_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
