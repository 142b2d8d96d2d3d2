//! The `sell_card_rows` table.

use sea_orm::entity::prelude::*;

/// One prefix of a sell card: its sell `rate` per minute, the `base_rate` it was marked up from,
/// how many carriers offered it, and its `change` against the card in force (`new`,
/// `increased`, `decreased`, `unchanged`; `old_rate` the rate before).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sell_card_rows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub card_id: i64,
    pub prefix: String,
    #[sea_orm(column_type = "Text")]
    pub destination: String,
    pub rate: String,
    pub base_rate: String,
    pub connection_fee: String,
    pub initial_increment: i32,
    pub next_increment: i32,
    pub carriers: i32,
    pub change: String,
    pub old_rate: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
