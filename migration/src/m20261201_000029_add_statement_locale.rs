//! A statement keeps the locale of whoever asked for it (`locale`, a CLDR name such as `de`;
//! empty: English), so its PDF writes numbers as they read them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statements {
    Table,
    Locale,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Statements::Table)
                    .add_column(
                        ColumnDef::new(Statements::Locale)
                            .string_len(35)
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
                    .table(Statements::Table)
                    .drop_column(Statements::Locale)
                    .to_owned(),
            )
            .await
    }
}
