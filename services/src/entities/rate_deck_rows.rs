//! The `rate_deck_rows` table.

use sea_orm::entity::prelude::*;

/// One rate of an imported deck. Rates and fees are exact decimal text in the deck's currency
/// (`rate`, `off_peak`, `weekend` per minute; `connection_fee` per call); increments, minimum
/// and grace in seconds; `line` is the file line (or spreadsheet row) it came from.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_deck_rows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deck_id: i64,
    pub prefix: String,
    pub destination: String,
    pub rate: String,
    pub off_peak: Option<String>,
    pub weekend: Option<String>,
    pub connection_fee: String,
    pub initial_increment: i32,
    pub next_increment: i32,
    pub minimum_seconds: i32,
    pub grace_seconds: i32,
    pub effective_from: DateTimeUtc,
    pub effective_to: Option<DateTimeUtc>,
    pub status: Option<String>,
    pub line: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
