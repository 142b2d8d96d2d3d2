//! Exchange rates fetched by the refresh-FX job (decimal text, exact on SQLite too), and the
//! progress that running jobs report (done/total and a message) for the jobs dashboard.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FxRates::Table)
                    .col(
                        ColumnDef::new(FxRates::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FxRates::Base).string_len(3).not_null())
                    .col(ColumnDef::new(FxRates::Quote).string_len(3).not_null())
                    .col(ColumnDef::new(FxRates::Rate).string_len(40).not_null())
                    .col(
                        ColumnDef::new(FxRates::AsOf)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FxRates::FetchedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_fx_rates_pair_time")
                            .col(FxRates::Base)
                            .col(FxRates::Quote)
                            .col(FxRates::AsOf)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobProgress::Table)
                    .col(
                        ColumnDef::new(JobProgress::JobId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(JobProgress::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(JobProgress::Done).big_integer().not_null())
                    .col(ColumnDef::new(JobProgress::Total).big_integer().not_null())
                    .col(
                        ColumnDef::new(JobProgress::Message)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobProgress::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobProgress::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FxRates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FxRates {
    Table,
    Id,
    Base,
    Quote,
    Rate,
    AsOf,
    FetchedAt,
}

#[derive(DeriveIden)]
enum JobProgress {
    Table,
    JobId,
    Kind,
    Done,
    Total,
    Message,
    UpdatedAt,
}
