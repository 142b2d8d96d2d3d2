//! A refused deck row keeps the row as it was read (`row_text`, its fields as one CSV line), so
//! the refused-rows download carries what to fix and send again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateDeckErrors {
    Table,
    RowText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RateDeckErrors::Table)
                    .add_column(
                        ColumnDef::new(RateDeckErrors::RowText)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RateDeckErrors::Table)
                    .drop_column(RateDeckErrors::RowText)
                    .to_owned(),
            )
            .await
    }
}
