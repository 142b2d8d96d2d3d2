//! The `rate_deck_errors` table.

use sea_orm::entity::prelude::*;

/// A row of a deck that was not imported: its line, the column (header name or number) and
/// value at fault, why, and the row as read (`row_text`: its fields as one CSV line, empty for
/// decks imported before it was kept).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_deck_errors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deck_id: i64,
    pub line: i64,
    pub column_name: Option<String>,
    pub value: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub row_text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
