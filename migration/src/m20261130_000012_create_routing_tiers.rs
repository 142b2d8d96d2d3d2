//! Quality tiers (routing plans) per tenant: which carriers carry a tier's calls, how they are
//! ordered (`strategy`: `lowest_cost`, `quality_weighted`, `priority`, `percentage_split`, with
//! its `strategy_config` JSON), when to fail over (`failover` JSON), what is never routed
//! (blocked prefixes and A-Z types, comma-separated) and margin protection (`margin` JSON, empty
//! for none).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingTiers::Table)
                    .col(
                        ColumnDef::new(RoutingTiers::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RoutingTiers::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoutingTiers::Name).string_len(60).not_null())
                    .col(text(RoutingTiers::Description))
                    .col(
                        ColumnDef::new(RoutingTiers::Strategy)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(text(RoutingTiers::StrategyConfig))
                    .col(text(RoutingTiers::Carriers))
                    .col(text(RoutingTiers::Failover))
                    .col(text(RoutingTiers::BlockedPrefixes))
                    .col(text(RoutingTiers::BlockedKinds))
                    .col(text(RoutingTiers::Margin))
                    .col(
                        ColumnDef::new(RoutingTiers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoutingTiers::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_routing_tiers_name")
                            .col(RoutingTiers::TenantId)
                            .col(RoutingTiers::Name)
                            .unique(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_routing_tiers_tenant")
                            .from_col(RoutingTiers::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoutingTiers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RoutingTiers {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    Strategy,
    StrategyConfig,
    Carriers,
    Failover,
    BlockedPrefixes,
    BlockedKinds,
    Margin,
    CreatedAt,
    UpdatedAt,
}
