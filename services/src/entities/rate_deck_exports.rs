//! The `rate_deck_exports` table.

use sea_orm::entity::prelude::*;

/// An export of a rate deck: `format` `csv` or `xlsx`; `status` `queued`, `running`, `done` or
/// `failed` (`message` says why); the file under `object_key` once done, with `rows` rates and
/// `bytes` bytes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_deck_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub deck_id: i64,
    pub format: String,
    pub status: String,
    pub job_id: String,
    #[sea_orm(column_type = "Text")]
    pub object_key: String,
    pub rows: i64,
    pub bytes: i64,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub requested_by: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
