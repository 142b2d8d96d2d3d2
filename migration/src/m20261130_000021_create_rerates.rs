//! Re-rating a period after a deck fix: `rerates` (one run: its period, optional customer, who
//! ran the dry run and who applied it), `rerate_lines` (per customer: the calls re-priced, what
//! they were charged before and after, and the adjustment entry once applied) and
//! `rerate_changes` (per CDR: its rating before and after, so nothing is rewritten silently).
//! `cdrs.rerate_id` names the run that last re-rated a CDR.

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

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
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

fn fk(
    name: &str,
    from: impl IntoIden,
    table: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_col(from)
        .to(table, to)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rerates::Table)
                    .col(id(Rerates::Id))
                    .col(big(Rerates::TenantId))
                    .col(at(Rerates::PeriodFrom))
                    .col(at(Rerates::PeriodTo))
                    .col(big_null(Rerates::CustomerId))
                    .col(text(Rerates::Status, 16))
                    .col(big(Rerates::CdrsChecked))
                    .col(big(Rerates::CdrsChanged))
                    .col(big(Rerates::CdrsSkipped))
                    .col(ColumnDef::new(Rerates::Notes).text().not_null())
                    .col(text(Rerates::CreatedBy, 320))
                    .col(at(Rerates::CreatedAt))
                    .col(text(Rerates::AppliedBy, 320))
                    .col(
                        ColumnDef::new(Rerates::AppliedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RerateLines::Table)
                    .col(id(RerateLines::Id))
                    .col(big(RerateLines::RerateId))
                    .col(big(RerateLines::CustomerId))
                    .col(text(RerateLines::Currency, 3))
                    .col(big(RerateLines::Cdrs))
                    .col(big(RerateLines::ChargedBefore))
                    .col(big(RerateLines::ChargedAfter))
                    .col(big_null(RerateLines::LedgerEntryId))
                    .foreign_key(&mut fk(
                        "fk_rerate_lines_rerate",
                        RerateLines::RerateId,
                        Rerates::Table,
                        Rerates::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_rerate_lines_customer",
                        RerateLines::CustomerId,
                        Customers::Table,
                        Customers::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RerateChanges::Table)
                    .col(id(RerateChanges::Id))
                    .col(big(RerateChanges::RerateId))
                    .col(big(RerateChanges::CdrId))
                    .col(big(RerateChanges::CustomerId))
                    .col(text(RerateChanges::OldStatus, 16))
                    .col(text(RerateChanges::NewStatus, 16))
                    .col(big_null(RerateChanges::OldCost))
                    .col(big_null(RerateChanges::NewCost))
                    .col(text(RerateChanges::OldCostCurrency, 3))
                    .col(text(RerateChanges::NewCostCurrency, 3))
                    .col(big_null(RerateChanges::OldPrice))
                    .col(big_null(RerateChanges::NewPrice))
                    .col(text(RerateChanges::PriceCurrency, 3))
                    .col(
                        ColumnDef::new(RerateChanges::NewPrefix)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RerateChanges::NewDestination)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RerateChanges::NewBilledSecs)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RerateChanges::NewReason).text().not_null())
                    .foreign_key(&mut fk(
                        "fk_rerate_changes_rerate",
                        RerateChanges::RerateId,
                        Rerates::Table,
                        Rerates::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rerate_changes_rerate")
                    .table(RerateChanges::Table)
                    .col(RerateChanges::RerateId)
                    .col(RerateChanges::CustomerId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cdrs::Table)
                    .add_column(ColumnDef::new(Cdrs::RerateId).big_integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cdrs::Table)
                    .drop_column(Cdrs::RerateId)
                    .to_owned(),
            )
            .await?;
        for table in [
            RerateChanges::Table.into_iden(),
            RerateLines::Table.into_iden(),
            Rerates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cdrs {
    Table,
    RerateId,
}

#[derive(DeriveIden)]
enum Rerates {
    Table,
    Id,
    TenantId,
    PeriodFrom,
    PeriodTo,
    CustomerId,
    Status,
    CdrsChecked,
    CdrsChanged,
    CdrsSkipped,
    Notes,
    CreatedBy,
    CreatedAt,
    AppliedBy,
    AppliedAt,
}

#[derive(DeriveIden)]
enum RerateLines {
    Table,
    Id,
    RerateId,
    CustomerId,
    Currency,
    Cdrs,
    ChargedBefore,
    ChargedAfter,
    LedgerEntryId,
}

#[derive(DeriveIden)]
enum RerateChanges {
    Table,
    Id,
    RerateId,
    CdrId,
    CustomerId,
    OldStatus,
    NewStatus,
    OldCost,
    NewCost,
    OldCostCurrency,
    NewCostCurrency,
    OldPrice,
    NewPrice,
    PriceCurrency,
    NewPrefix,
    NewDestination,
    NewBilledSecs,
    NewReason,
}
