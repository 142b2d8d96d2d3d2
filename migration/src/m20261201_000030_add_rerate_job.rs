//! A re-rating's dry run runs as a job (`billing.rerate`): `job_id` names it and `cdrs_total`
//! is how many CDRs the period held when it was queued, so its page can show `cdrs_checked` of
//! `cdrs_total` while it runs.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rerates {
    Table,
    JobId,
    CdrsTotal,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Rerates::Table)
                    .add_column(
                        ColumnDef::new(Rerates::JobId)
                            .string_len(64)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rerates::Table)
                    .add_column(
                        ColumnDef::new(Rerates::CdrsTotal)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Rerates::JobId, Rerates::CdrsTotal] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Rerates::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
