//! The `rate_deck_changes` table.

use sea_orm::entity::prelude::*;

/// A prefix whose rate a deck changes against the deck in force before it: `change` is `new`,
/// `removed`, `increased` or `decreased`; rates are decimal text per minute; `short_notice`
/// marks an increase effective within the notice period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_deck_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deck_id: i64,
    pub prefix: String,
    pub destination: String,
    pub change: String,
    pub old_rate: Option<String>,
    pub new_rate: Option<String>,
    pub effective_from: DateTimeUtc,
    pub short_notice: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
