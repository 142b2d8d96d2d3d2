//! Promo (bonus) codes on top-ups: `promo_codes` holds each code of a tenant with its reward
//! (a percentage or a fixed amount), minimum top-up, cap, validity, use limits and customer
//! category, and `redeemed`, the uses taken, counted up atomically so that a limit holds under
//! concurrent top-ups; `promo_redemptions` records each use by a payment (`reserved` while the
//! payment is open, `applied` once the bonus is credited, `released` when the payment failed).
//! A payment keeps the code and the bonus it was started with.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn at_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PromoCodes::Table)
                    .col(id(PromoCodes::Id))
                    .col(big(PromoCodes::TenantId))
                    .col(ColumnDef::new(PromoCodes::Code).string_len(32).not_null())
                    .col(text(PromoCodes::Description))
                    .col(ColumnDef::new(PromoCodes::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(PromoCodes::Percent)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(big(PromoCodes::FixedMicros))
                    .col(
                        ColumnDef::new(PromoCodes::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(big(PromoCodes::MinTopUpMicros))
                    .col(big_null(PromoCodes::MaxBonusMicros))
                    .col(big_null(PromoCodes::MaxUses))
                    .col(big_null(PromoCodes::MaxUsesPerCustomer))
                    .col(at_null(PromoCodes::ValidFrom))
                    .col(at_null(PromoCodes::ValidTo))
                    .col(big_null(PromoCodes::CategoryId))
                    .col(ColumnDef::new(PromoCodes::Active).boolean().not_null())
                    .col(big(PromoCodes::Redeemed))
                    .col(text(PromoCodes::CreatedBy))
                    .col(at(PromoCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_promo_codes_tenant_code")
                    .table(PromoCodes::Table)
                    .col(PromoCodes::TenantId)
                    .col(PromoCodes::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PromoRedemptions::Table)
                    .col(id(PromoRedemptions::Id))
                    .col(big(PromoRedemptions::TenantId))
                    .col(big(PromoRedemptions::PromoCodeId))
                    .col(big(PromoRedemptions::CustomerId))
                    .col(big(PromoRedemptions::PaymentId))
                    .col(big(PromoRedemptions::BonusMicros))
                    .col(
                        ColumnDef::new(PromoRedemptions::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(at(PromoRedemptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_promo_redemptions_code")
                            .from_col(PromoRedemptions::PromoCodeId)
                            .to(PromoCodes::Table, PromoCodes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_promo_redemptions_payment")
                    .table(PromoRedemptions::Table)
                    .col(PromoRedemptions::PaymentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_promo_redemptions_code_customer")
                    .table(PromoRedemptions::Table)
                    .col(PromoRedemptions::PromoCodeId)
                    .col(PromoRedemptions::CustomerId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .add_column(big_null(Payments::PromoCodeId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .add_column(
                        ColumnDef::new(Payments::BonusMicros)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Payments::BonusMicros, Payments::PromoCodeId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Payments::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(PromoRedemptions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PromoCodes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PromoCodes {
    Table,
    Id,
    TenantId,
    Code,
    Description,
    Kind,
    Percent,
    FixedMicros,
    Currency,
    MinTopUpMicros,
    MaxBonusMicros,
    MaxUses,
    MaxUsesPerCustomer,
    ValidFrom,
    ValidTo,
    CategoryId,
    Active,
    Redeemed,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoRedemptions {
    Table,
    Id,
    TenantId,
    PromoCodeId,
    CustomerId,
    PaymentId,
    BonusMicros,
    Status,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    PromoCodeId,
    BonusMicros,
}
