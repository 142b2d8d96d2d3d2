//! The post-dial delay of a call (`cdrs.pdd_ms`): milliseconds from the call's start (the
//! INVITE) to the first ringing or progress answer (180/183), RFC 6076 section 4.5; `NULL` when
//! the switch did not report when the call rang.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cdrs::Table)
                    .add_column(ColumnDef::new(Cdrs::PddMs).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cdrs::Table)
                    .drop_column(Cdrs::PddMs)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Cdrs {
    Table,
    PddMs,
}
