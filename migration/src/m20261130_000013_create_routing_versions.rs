//! One change counter per tenant's routing data (carriers, trunks, rate decks in force, tiers),
//! and one for the A-Z destinations shared by every tenant (`tenant_id` 0, hence no foreign key).
//! Every write to that data raises the counter in its own transaction; each web node's route
//! cache compares its snapshots with these counters (woken by PostgreSQL `NOTIFY
//! didtron_routes`, and polling every second as the fallback) and rebuilds the ones behind.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingVersions::Table)
                    .col(
                        ColumnDef::new(RoutingVersions::TenantId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RoutingVersions::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoutingVersions::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoutingVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RoutingVersions {
    Table,
    TenantId,
    Version,
    ChangedAt,
}
