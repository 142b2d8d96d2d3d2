//! The `destinations` table.

use sea_orm::entity::prelude::*;

/// An A-Z entry: dial code `prefix` (digits), ISO 3166-1 alpha-2 `region` (or `001`),
/// `country` and destination `name`, `kind` (`fixed`, `mobile`, `toll_free`, `premium`,
/// `satellite`, `special`), and `source` (`numbering` for the seed, `import` for a file).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "destinations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub prefix: String,
    pub region: String,
    pub country: String,
    pub name: String,
    pub kind: String,
    pub source: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
