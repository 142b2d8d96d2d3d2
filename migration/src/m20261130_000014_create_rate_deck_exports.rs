//! Exports of carrier rate decks (CSV or XLSX), written by the `rate_cards.export_deck` job to
//! object storage: `queued`, `running`, `done` (with the object key, rate count and size) or
//! `failed` (with the reason).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateDeckExports::Table)
                    .col(
                        ColumnDef::new(RateDeckExports::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::DeckId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::Format)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::JobId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateDeckExports::ObjectKey).text().not_null())
                    .col(
                        ColumnDef::new(RateDeckExports::Rows)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::Bytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateDeckExports::Message).text().not_null())
                    .col(
                        ColumnDef::new(RateDeckExports::RequestedBy)
                            .string_len(320)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckExports::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateDeckExports::FinishedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rate_deck_exports_deck")
                            .from_col(RateDeckExports::DeckId)
                            .to(RateDecks::Table, RateDecks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rate_deck_exports_tenant")
                            .from_col(RateDeckExports::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_deck_exports_deck")
                    .table(RateDeckExports::Table)
                    .col(RateDeckExports::DeckId)
                    .col(RateDeckExports::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateDeckExports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RateDecks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RateDeckExports {
    Table,
    Id,
    TenantId,
    DeckId,
    Format,
    Status,
    JobId,
    ObjectKey,
    Rows,
    Bytes,
    Message,
    RequestedBy,
    CreatedAt,
    FinishedAt,
}
