//! The `feature_assignments` table.

use sea_orm::entity::prelude::*;

/// A feature (a [`domain::features::Feature`] key) given to an audience: `scope` is `all`,
/// `category`, `group` or `customer` and `target_id` its id (0 for `all`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feature_assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub feature: String,
    pub scope: String,
    pub target_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
