//! The `rate_decks` table.

use sea_orm::entity::prelude::*;

/// One uploaded carrier rate deck. `status` is `uploaded`, `importing`, `imported`, `failed` or
/// `active`; `options` is the JSON of the import options chosen (column mapping, header, date
/// order, prefix to strip); `report` the JSON summary of its rate-change report; `message` why
/// it failed, or warnings. `effective_from` is the date of rows that give none, and the instant
/// the deck takes over once active.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_decks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub carrier_id: i64,
    pub file_name: String,
    pub object_key: String,
    pub file_size: i64,
    pub currency: String,
    pub effective_from: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub options: String,
    pub status: String,
    pub job_id: Option<String>,
    pub row_count: i32,
    pub prefix_count: i32,
    pub error_count: i32,
    #[sea_orm(column_type = "Text")]
    pub report: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub uploaded_by: String,
    pub created_at: DateTimeUtc,
    pub imported_at: Option<DateTimeUtc>,
    pub activated_at: Option<DateTimeUtc>,
    pub activated_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
