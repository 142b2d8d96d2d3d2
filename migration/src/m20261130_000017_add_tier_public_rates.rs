//! A routing tier can publish its sell rates (`routing_tiers.public_rates`): the card in force
//! for all customers of a tier so marked is what the public rates endpoint and the embeddable
//! price widget show on the tenant's own website.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RoutingTiers::Table)
                    .add_column(
                        ColumnDef::new(RoutingTiers::PublicRates)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RoutingTiers::Table)
                    .drop_column(RoutingTiers::PublicRates)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum RoutingTiers {
    Table,
    PublicRates,
}
