//! The prepaid ledger: `ledger_entries`, one row per balance change of a customer (top-up, call
//! charge, DID charge, refund, bonus, referral reward, adjustment, re-rating), in the customer's
//! billing currency, amounts in whole micro-units (BIGINT: exact on SQLite and PostgreSQL), each
//! with an idempotency key unique per customer and the balance after it; and
//! `customer_balances`, the cached sum per customer that debits lock and check against the
//! credit limit (the sum of the entries stays the truth and is checked against it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomerBalances::Table)
                    .col(
                        ColumnDef::new(CustomerBalances::CustomerId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big(CustomerBalances::TenantId))
                    .col(
                        ColumnDef::new(CustomerBalances::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(big(CustomerBalances::BalanceMicros))
                    .col(big(CustomerBalances::EntryCount))
                    .col(at(CustomerBalances::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_balances_customer")
                            .from_col(CustomerBalances::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(
                        ColumnDef::new(LedgerEntries::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(LedgerEntries::TenantId))
                    .col(big(LedgerEntries::CustomerId))
                    .col(
                        ColumnDef::new(LedgerEntries::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(big(LedgerEntries::AmountMicros))
                    .col(
                        ColumnDef::new(LedgerEntries::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(big(LedgerEntries::BalanceAfterMicros))
                    .col(
                        ColumnDef::new(LedgerEntries::IdempotencyKey)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(LedgerEntries::Description).text().not_null())
                    .col(
                        ColumnDef::new(LedgerEntries::Reference)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LedgerEntries::CreatedBy)
                            .string_len(320)
                            .not_null(),
                    )
                    .col(at(LedgerEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ledger_entries_customer")
                            .from_col(LedgerEntries::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("ux_ledger_entries_customer_key")
                            .col(LedgerEntries::CustomerId)
                            .col(LedgerEntries::IdempotencyKey)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ledger_entries_tenant_created")
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::TenantId)
                    .col(LedgerEntries::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerEntries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CustomerBalances::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CustomerBalances {
    Table,
    CustomerId,
    TenantId,
    Currency,
    BalanceMicros,
    EntryCount,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    TenantId,
    CustomerId,
    Kind,
    AmountMicros,
    Currency,
    BalanceAfterMicros,
    IdempotencyKey,
    Description,
    Reference,
    CreatedBy,
    CreatedAt,
}
