//! Carrier rate decks: each upload (`rate_decks`), the rows of an imported deck
//! (`rate_deck_rows`, rates as exact decimal text), the rows it refused (`rate_deck_errors`) and
//! its rate-change report against the deck in force before it (`rate_deck_changes`, unchanged
//! prefixes left out; their count is on the deck).
//!
//! A deck's `status` goes `uploaded` -> `importing` -> `imported` (or `failed`) -> `active`.
//! The deck in force for a carrier at an instant is its `active` deck with the latest
//! `effective_from` not after that instant, so a deck can be scheduled and history is kept.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn int<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .default(0)
        .to_owned()
}

fn text<T: IntoIden>(col: T, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn deck_fk<T: IntoIden + 'static>(from: T, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_col(from)
        .to(RateDecks::Table, RateDecks::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateDecks::Table)
                    .col(id(RateDecks::Id))
                    .col(big(RateDecks::TenantId))
                    .col(big(RateDecks::CarrierId))
                    .col(text(RateDecks::FileName, 255))
                    .col(text(RateDecks::ObjectKey, 255))
                    .col(big(RateDecks::FileSize))
                    .col(text(RateDecks::Currency, 3))
                    .col(at(RateDecks::EffectiveFrom))
                    .col(ColumnDef::new(RateDecks::Options).text().not_null())
                    .col(text(RateDecks::Status, 16))
                    .col(ColumnDef::new(RateDecks::JobId).string_len(64).null())
                    .col(int(RateDecks::RowCount))
                    .col(int(RateDecks::PrefixCount))
                    .col(int(RateDecks::ErrorCount))
                    .col(ColumnDef::new(RateDecks::Report).text().not_null())
                    .col(ColumnDef::new(RateDecks::Message).text().not_null())
                    .col(text(RateDecks::UploadedBy, 254))
                    .col(at(RateDecks::CreatedAt))
                    .col(at_null(RateDecks::ImportedAt))
                    .col(at_null(RateDecks::ActivatedAt))
                    .col(
                        ColumnDef::new(RateDecks::ActivatedBy)
                            .string_len(254)
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rate_decks_carrier")
                            .from_col(RateDecks::CarrierId)
                            .to(Carriers::Table, Carriers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_decks_carrier")
                    .table(RateDecks::Table)
                    .col(RateDecks::TenantId)
                    .col(RateDecks::CarrierId)
                    .col(RateDecks::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateDeckRows::Table)
                    .col(id(RateDeckRows::Id))
                    .col(big(RateDeckRows::DeckId))
                    .col(text(RateDeckRows::Prefix, 20))
                    .col(text(RateDeckRows::Destination, 200))
                    .col(text(RateDeckRows::Rate, 40))
                    .col(ColumnDef::new(RateDeckRows::OffPeak).string_len(40).null())
                    .col(ColumnDef::new(RateDeckRows::Weekend).string_len(40).null())
                    .col(text(RateDeckRows::ConnectionFee, 40))
                    .col(int(RateDeckRows::InitialIncrement))
                    .col(int(RateDeckRows::NextIncrement))
                    .col(int(RateDeckRows::MinimumSeconds))
                    .col(int(RateDeckRows::GraceSeconds))
                    .col(at(RateDeckRows::EffectiveFrom))
                    .col(at_null(RateDeckRows::EffectiveTo))
                    .col(ColumnDef::new(RateDeckRows::Status).string_len(16).null())
                    .col(big(RateDeckRows::Line))
                    .foreign_key(&mut deck_fk(RateDeckRows::DeckId, "fk_rate_deck_rows_deck"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_deck_rows_deck_prefix")
                    .table(RateDeckRows::Table)
                    .col(RateDeckRows::DeckId)
                    .col(RateDeckRows::Prefix)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateDeckErrors::Table)
                    .col(id(RateDeckErrors::Id))
                    .col(big(RateDeckErrors::DeckId))
                    .col(big(RateDeckErrors::Line))
                    .col(
                        ColumnDef::new(RateDeckErrors::ColumnName)
                            .string_len(120)
                            .null(),
                    )
                    .col(text(RateDeckErrors::Value, 200))
                    .col(ColumnDef::new(RateDeckErrors::Message).text().not_null())
                    .foreign_key(&mut deck_fk(
                        RateDeckErrors::DeckId,
                        "fk_rate_deck_errors_deck",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_deck_errors_deck")
                    .table(RateDeckErrors::Table)
                    .col(RateDeckErrors::DeckId)
                    .col(RateDeckErrors::Line)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateDeckChanges::Table)
                    .col(id(RateDeckChanges::Id))
                    .col(big(RateDeckChanges::DeckId))
                    .col(text(RateDeckChanges::Prefix, 20))
                    .col(text(RateDeckChanges::Destination, 200))
                    .col(text(RateDeckChanges::Change, 16))
                    .col(
                        ColumnDef::new(RateDeckChanges::OldRate)
                            .string_len(40)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RateDeckChanges::NewRate)
                            .string_len(40)
                            .null(),
                    )
                    .col(at(RateDeckChanges::EffectiveFrom))
                    .col(
                        ColumnDef::new(RateDeckChanges::ShortNotice)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(&mut deck_fk(
                        RateDeckChanges::DeckId,
                        "fk_rate_deck_changes_deck",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_deck_changes_deck")
                    .table(RateDeckChanges::Table)
                    .col(RateDeckChanges::DeckId)
                    .col(RateDeckChanges::Prefix)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RateDeckChanges::Table.into_iden(),
            RateDeckErrors::Table.into_iden(),
            RateDeckRows::Table.into_iden(),
            RateDecks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Carriers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RateDecks {
    Table,
    Id,
    TenantId,
    CarrierId,
    FileName,
    ObjectKey,
    FileSize,
    Currency,
    EffectiveFrom,
    Options,
    Status,
    JobId,
    RowCount,
    PrefixCount,
    ErrorCount,
    Report,
    Message,
    UploadedBy,
    CreatedAt,
    ImportedAt,
    ActivatedAt,
    ActivatedBy,
}

#[derive(DeriveIden)]
enum RateDeckRows {
    Table,
    Id,
    DeckId,
    Prefix,
    Destination,
    Rate,
    OffPeak,
    Weekend,
    ConnectionFee,
    InitialIncrement,
    NextIncrement,
    MinimumSeconds,
    GraceSeconds,
    EffectiveFrom,
    EffectiveTo,
    Status,
    Line,
}

#[derive(DeriveIden)]
enum RateDeckErrors {
    Table,
    Id,
    DeckId,
    Line,
    ColumnName,
    Value,
    Message,
}

#[derive(DeriveIden)]
enum RateDeckChanges {
    Table,
    Id,
    DeckId,
    Prefix,
    Destination,
    Change,
    OldRate,
    NewRate,
    EffectiveFrom,
    ShortNotice,
}
