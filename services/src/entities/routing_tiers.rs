//! The `routing_tiers` table.

use sea_orm::entity::prelude::*;

/// A quality tier (routing plan) of a tenant. `carriers` is a JSON array of carrier ids (empty:
/// every active carrier); `strategy` is `lowest_cost`, `quality_weighted`, `priority` or
/// `percentage_split` with `strategy_config` JSON (target ACD, priority order, split weights);
/// `failover` JSON (`next_on_5xx`, `next_on_timeout`, `next_on`, `stop_on`); blocked prefixes
/// and A-Z types comma-separated; `margin` JSON of the margin protection, empty for none;
/// `public_rates`: its card for all customers is shown by the public rates endpoint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_tiers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub strategy: String,
    #[sea_orm(column_type = "Text")]
    pub strategy_config: String,
    #[sea_orm(column_type = "Text")]
    pub carriers: String,
    #[sea_orm(column_type = "Text")]
    pub failover: String,
    #[sea_orm(column_type = "Text")]
    pub blocked_prefixes: String,
    #[sea_orm(column_type = "Text")]
    pub blocked_kinds: String,
    #[sea_orm(column_type = "Text")]
    pub margin: String,
    pub public_rates: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
