//! The A-Z destination database: one row per dial code with its country, destination name and
//! type (`fixed`, `mobile`, `toll_free`, `premium`, `satellite`, `special`). It is reference
//! data shared by every tenant, seeded from the numbering plan and replaced or extended by
//! imports (`source` says which).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Destinations::Table)
                    .col(
                        ColumnDef::new(Destinations::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Destinations::Prefix)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Destinations::Region)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Destinations::Country)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Destinations::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Destinations::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Destinations::Source)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Destinations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_destinations_prefix")
                            .col(Destinations::Prefix)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Destinations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Destinations {
    Table,
    Id,
    Prefix,
    Region,
    Country,
    Name,
    Kind,
    Source,
    UpdatedAt,
}
