//! The `fx_rates` table.

use sea_orm::entity::prelude::*;

/// One exchange rate: 1 `base` = `rate` `quote` (decimal text) as of `as_of`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fx_rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub base: String,
    pub quote: String,
    pub rate: String,
    pub as_of: DateTimeUtc,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
