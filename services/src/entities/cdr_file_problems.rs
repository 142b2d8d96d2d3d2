//! The `cdr_file_problems` table.

use sea_orm::entity::prelude::*;

/// A line of a CDR file (`file_id`) that was `refused`, left `unrated` or `unpaid`, with its
/// call id (empty when unreadable) and the reason; one row per file and line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cdr_file_problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub line: i64,
    #[sea_orm(column_type = "Text")]
    pub call_id: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
