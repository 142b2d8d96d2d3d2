//! The `sell_cards` table.

use sea_orm::entity::prelude::*;

/// A sell rate card of a tier for a customer category (`category_id` `None`: all). `rule` is
/// the JSON of `domain::sell::SellRule`; `status` `generating`, `generated`, `failed`,
/// `published` or `superseded`; `report` the JSON of its change counts against the card in
/// force when it was generated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sell_cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub tier_id: i64,
    pub category_id: Option<i64>,
    pub currency: String,
    #[sea_orm(column_type = "Text")]
    pub rule: String,
    pub notice_days: i32,
    pub status: String,
    pub job_id: Option<String>,
    pub effective_from: DateTimeUtc,
    pub row_count: i64,
    #[sea_orm(column_type = "Text")]
    pub report: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
