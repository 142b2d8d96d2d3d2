//! Job control state shared by every worker process: paused queues and workers
//! (`job_controls`), requests to cancel running jobs (`job_cancel_requests`), and the cron ticks
//! already queued (`job_schedule_runs`, so that a tick seen by several processes queues one job).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobControls::Table)
                    .col(
                        ColumnDef::new(JobControls::Target)
                            .string_len(200)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(JobControls::PausedBy)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobControls::PausedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobCancelRequests::Table)
                    .col(
                        ColumnDef::new(JobCancelRequests::JobId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(JobCancelRequests::RequestedBy)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobCancelRequests::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobScheduleRuns::Table)
                    .col(
                        ColumnDef::new(JobScheduleRuns::Schedule)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobScheduleRuns::TickAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobScheduleRuns::JobId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobScheduleRuns::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(JobScheduleRuns::Schedule)
                            .col(JobScheduleRuns::TickAt),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobScheduleRuns::Table.into_iden(),
            JobCancelRequests::Table.into_iden(),
            JobControls::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum JobControls {
    Table,
    /// `queue:<name>` or `worker:<name>`.
    Target,
    PausedBy,
    PausedAt,
}

#[derive(DeriveIden)]
enum JobCancelRequests {
    Table,
    JobId,
    RequestedBy,
    RequestedAt,
}

#[derive(DeriveIden)]
enum JobScheduleRuns {
    Table,
    Schedule,
    TickAt,
    JobId,
    CreatedAt,
}
