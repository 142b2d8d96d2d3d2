//! Call detail records (`cdrs`): each call a switch reports, once per `call_id` within a tenant,
//! with its times, numbers, carrier, customer and tier, and what rating made of it: the matched
//! prefix and destination, billed seconds, the buy cost (carrier's currency) and the sell price
//! (card's currency) in micro-units, and `status`: `rated` (charged to the customer's ledger
//! when the price is above zero: `ledger_entry_id`), `unpaid` (rated, but the charge would pass
//! the credit limit), or `unrated` (`reason` says why: unknown carrier, no sell rate, bad
//! number ...).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn text<T: IntoIden>(col: T, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cdrs::Table)
                    .col(
                        ColumnDef::new(Cdrs::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(Cdrs::TenantId))
                    .col(text(Cdrs::CallId, 128))
                    .col(ColumnDef::new(Cdrs::CustomerId).big_integer())
                    .col(ColumnDef::new(Cdrs::CarrierId).big_integer())
                    .col(ColumnDef::new(Cdrs::TierId).big_integer())
                    .col(
                        ColumnDef::new(Cdrs::StartAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Cdrs::AnswerAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Cdrs::EndAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Cdrs::DurationSecs).integer().not_null())
                    .col(ColumnDef::new(Cdrs::BilledSecs).integer().not_null())
                    .col(text(Cdrs::ANumber, 64))
                    .col(text(Cdrs::BNumber, 64))
                    .col(ColumnDef::new(Cdrs::SipCode).integer().not_null())
                    .col(text(Cdrs::Prefix, 32))
                    .col(ColumnDef::new(Cdrs::Destination).text().not_null())
                    .col(ColumnDef::new(Cdrs::CostMicros).big_integer())
                    .col(text(Cdrs::CostCurrency, 3))
                    .col(ColumnDef::new(Cdrs::PriceMicros).big_integer())
                    .col(text(Cdrs::PriceCurrency, 3))
                    .col(text(Cdrs::Status, 16))
                    .col(ColumnDef::new(Cdrs::Reason).text().not_null())
                    .col(ColumnDef::new(Cdrs::LedgerEntryId).big_integer())
                    .col(text(Cdrs::Source, 16))
                    .col(
                        ColumnDef::new(Cdrs::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_cdrs_tenant_call")
                            .col(Cdrs::TenantId)
                            .col(Cdrs::CallId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_cdrs_customer_start", [Cdrs::CustomerId, Cdrs::StartAt]),
            ("ix_cdrs_carrier_start", [Cdrs::CarrierId, Cdrs::StartAt]),
            ("ix_cdrs_tenant_status", [Cdrs::TenantId, Cdrs::Status]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Cdrs::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Cdrs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Cdrs {
    Table,
    Id,
    TenantId,
    CallId,
    CustomerId,
    CarrierId,
    TierId,
    StartAt,
    AnswerAt,
    EndAt,
    DurationSecs,
    BilledSecs,
    ANumber,
    BNumber,
    SipCode,
    Prefix,
    Destination,
    CostMicros,
    CostCurrency,
    PriceMicros,
    PriceCurrency,
    Status,
    Reason,
    LedgerEntryId,
    Source,
    CreatedAt,
}
