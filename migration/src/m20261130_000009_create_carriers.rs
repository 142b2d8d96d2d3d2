//! Carriers (the operator's suppliers of termination) and their SIP trunks, per tenant.
//!
//! `carriers.max_cps` and `max_channels` are 0 for "no limit". A trunk's `password` is the SIP
//! digest secret the switch sends to the carrier, so it is kept as given (the portals never show
//! it back); `codecs` is a comma-separated list in preference order.

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

fn text<T: IntoIden>(col: T, len: u32) -> ColumnDef {
    ColumnDef::new(col)
        .string_len(len)
        .not_null()
        .default("")
        .to_owned()
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
                    .table(Carriers::Table)
                    .col(id(Carriers::Id))
                    .col(ColumnDef::new(Carriers::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(Carriers::Name).string_len(120).not_null())
                    .col(ColumnDef::new(Carriers::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(Carriers::Status).string_len(16).not_null())
                    .col(text(Carriers::TechnicalPrefix, 16))
                    .col(
                        ColumnDef::new(Carriers::MaxCps)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Carriers::MaxChannels)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(text(Carriers::NocEmail, 254))
                    .col(text(Carriers::RatesEmail, 254))
                    .col(text(Carriers::BillingEmail, 254))
                    .col(
                        ColumnDef::new(Carriers::Notes)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(at(Carriers::CreatedAt))
                    .col(at(Carriers::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_carriers_name")
                            .col(Carriers::TenantId)
                            .col(Carriers::Name)
                            .unique(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_carriers_tenant")
                            .from_col(Carriers::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CarrierTrunks::Table)
                    .col(id(CarrierTrunks::Id))
                    .col(
                        ColumnDef::new(CarrierTrunks::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CarrierTrunks::CarrierId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CarrierTrunks::Name)
                            .string_len(60)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CarrierTrunks::Host)
                            .string_len(253)
                            .not_null(),
                    )
                    .col(ColumnDef::new(CarrierTrunks::Port).integer().not_null())
                    .col(
                        ColumnDef::new(CarrierTrunks::Transport)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(text(CarrierTrunks::Username, 64))
                    .col(text(CarrierTrunks::Password, 128))
                    .col(text(CarrierTrunks::Codecs, 120))
                    .col(
                        ColumnDef::new(CarrierTrunks::Enabled)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(at(CarrierTrunks::CreatedAt))
                    .col(at(CarrierTrunks::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_carrier_trunks_name")
                            .col(CarrierTrunks::CarrierId)
                            .col(CarrierTrunks::Name)
                            .unique(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_carrier_trunks_carrier")
                            .from_col(CarrierTrunks::CarrierId)
                            .to(Carriers::Table, Carriers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_carrier_trunks_tenant")
                    .table(CarrierTrunks::Table)
                    .col(CarrierTrunks::TenantId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CarrierTrunks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Carriers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Carriers {
    Table,
    Id,
    TenantId,
    Name,
    Currency,
    Status,
    TechnicalPrefix,
    MaxCps,
    MaxChannels,
    NocEmail,
    RatesEmail,
    BillingEmail,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CarrierTrunks {
    Table,
    Id,
    TenantId,
    CarrierId,
    Name,
    Host,
    Port,
    Transport,
    Username,
    Password,
    Codecs,
    Enabled,
    CreatedAt,
    UpdatedAt,
}
