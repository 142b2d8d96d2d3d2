//! The effects of `system.noop` jobs, one row per job: how load and crash tests prove that each
//! job's effect is applied exactly once, however often its handler ran.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobEffects::Table)
                    .col(
                        ColumnDef::new(JobEffects::JobId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(JobEffects::Runs)
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(JobEffects::AppliedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobEffects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobEffects {
    Table,
    JobId,
    Runs,
    AppliedAt,
}
