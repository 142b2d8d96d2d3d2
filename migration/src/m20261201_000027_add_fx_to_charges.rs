//! Charges converted between currencies keep what was converted and the rate applied: a CDR's
//! `sell_micros` and `sell_currency` are its price in the sell card's currency and `fx_rate`
//! the rate to the customer's billing currency (`1 sell_currency = fx_rate price_currency`,
//! decimal text; empty when no conversion was needed); a ledger entry keeps the same as
//! `original_micros`, `original_currency` and `fx_rate`; a re-rating's change keeps the new
//! ones (`new_sell_micros`, `new_sell_currency`, `new_fx_rate`) to write them when applied.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cdrs {
    Table,
    SellMicros,
    SellCurrency,
    FxRate,
}

#[derive(DeriveIden)]
enum RerateChanges {
    Table,
    NewSellMicros,
    NewSellCurrency,
    NewFxRate,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    OriginalMicros,
    OriginalCurrency,
    FxRate,
}

fn columns() -> Vec<(DynIden, ColumnDef)> {
    let text = |c: DynIden| {
        ColumnDef::new(c)
            .string_len(32)
            .not_null()
            .default("")
            .to_owned()
    };
    let amount = |c: DynIden| ColumnDef::new(c).big_integer().null().to_owned();
    vec![
        (
            Cdrs::Table.into_iden(),
            amount(Cdrs::SellMicros.into_iden()),
        ),
        (
            Cdrs::Table.into_iden(),
            text(Cdrs::SellCurrency.into_iden()),
        ),
        (Cdrs::Table.into_iden(), text(Cdrs::FxRate.into_iden())),
        (
            LedgerEntries::Table.into_iden(),
            amount(LedgerEntries::OriginalMicros.into_iden()),
        ),
        (
            LedgerEntries::Table.into_iden(),
            text(LedgerEntries::OriginalCurrency.into_iden()),
        ),
        (
            LedgerEntries::Table.into_iden(),
            text(LedgerEntries::FxRate.into_iden()),
        ),
        (
            RerateChanges::Table.into_iden(),
            amount(RerateChanges::NewSellMicros.into_iden()),
        ),
        (
            RerateChanges::Table.into_iden(),
            text(RerateChanges::NewSellCurrency.into_iden()),
        ),
        (
            RerateChanges::Table.into_iden(),
            text(RerateChanges::NewFxRate.into_iden()),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for (table, column) in columns() {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
