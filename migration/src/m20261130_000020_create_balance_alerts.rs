//! Low-balance alerts: a threshold per customer (`customers.low_balance_micros`, micro-units of
//! its billing currency, `NULL` for none) and `balance_alerts`, one row per crossing: `low_balance`
//! when the balance fell below the threshold, `calls_stopped` when it reached minus the credit
//! limit and the routes API began refusing the customer's calls. A crossing is open until the
//! balance is back (`cleared_at`); a partial unique index keeps one open crossing per customer
//! and kind, so the notice (an e-mail, queued until communications sends it) goes out once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(
                        ColumnDef::new(Customers::LowBalanceMicros)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BalanceAlerts::Table)
                    .col(
                        ColumnDef::new(BalanceAlerts::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(BalanceAlerts::TenantId))
                    .col(big(BalanceAlerts::CustomerId))
                    .col(
                        ColumnDef::new(BalanceAlerts::Kind)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(big(BalanceAlerts::BalanceMicros))
                    .col(big(BalanceAlerts::LevelMicros))
                    .col(
                        ColumnDef::new(BalanceAlerts::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BalanceAlerts::EmailTo)
                            .string_len(320)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BalanceAlerts::EmailStatus)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BalanceAlerts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BalanceAlerts::ClearedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_balance_alerts_customer")
                            .from_col(BalanceAlerts::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Partial unique index (PostgreSQL and SQLite both have them): one open crossing.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_balance_alerts_open ON balance_alerts (customer_id, kind) \
                 WHERE cleared_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_balance_alerts_tenant_created")
                    .table(BalanceAlerts::Table)
                    .col(BalanceAlerts::TenantId)
                    .col(BalanceAlerts::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BalanceAlerts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::LowBalanceMicros)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    LowBalanceMicros,
}

#[derive(DeriveIden)]
enum BalanceAlerts {
    Table,
    Id,
    TenantId,
    CustomerId,
    Kind,
    BalanceMicros,
    LevelMicros,
    Currency,
    EmailTo,
    EmailStatus,
    CreatedAt,
    ClearedAt,
}
