//! Referrals: `referral_programs` holds each tenant's programme (on or off, the share of a
//! referred customer's first top-ups its referrer earns, how many top-ups count, and an optional
//! cap per referred customer); a customer gets a `referral_code` (unique in its tenant) for its
//! sign-up link and keeps who `referred_by` it; `referral_rewards` records one outcome per paid
//! top-up of a referred customer: `credited` (with its ledger entry) or `refused` with the
//! reason (a payment method its referrer also paid with, another currency without a rate).
//! A payment keeps its `payer_fingerprint`, the provider's id of the payer's account or card
//! (e.g. `paypal:<payer id>`), which is how "paid with the referrer's own method" is told.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReferralPrograms {
    Table,
    TenantId,
    Enabled,
    SharePercent,
    RewardedTopUps,
    MaxRewardMicros,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    TenantId,
    ReferralCode,
    ReferredBy,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    PayerFingerprint,
}

#[derive(DeriveIden)]
enum ReferralRewards {
    Table,
    Id,
    TenantId,
    ReferrerId,
    RefereeId,
    PaymentId,
    AmountMicros,
    Currency,
    Status,
    Reason,
    LedgerEntryId,
    CreatedAt,
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
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
                    .table(ReferralPrograms::Table)
                    .col(
                        ColumnDef::new(ReferralPrograms::TenantId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReferralPrograms::Enabled)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReferralPrograms::SharePercent)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(big(ReferralPrograms::RewardedTopUps))
                    .col(big_null(ReferralPrograms::MaxRewardMicros))
                    .col(at(ReferralPrograms::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for column in [
            ColumnDef::new(Customers::ReferralCode)
                .string_len(16)
                .null()
                .to_owned(),
            big_null(Customers::ReferredBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .add_column(
                        ColumnDef::new(Payments::PayerFingerprint)
                            .string_len(128)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_customers_tenant_referral_code")
                    .table(Customers::Table)
                    .col(Customers::TenantId)
                    .col(Customers::ReferralCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReferralRewards::Table)
                    .col(
                        ColumnDef::new(ReferralRewards::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(ReferralRewards::TenantId))
                    .col(big(ReferralRewards::ReferrerId))
                    .col(big(ReferralRewards::RefereeId))
                    .col(big(ReferralRewards::PaymentId))
                    .col(big(ReferralRewards::AmountMicros))
                    .col(
                        ColumnDef::new(ReferralRewards::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReferralRewards::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReferralRewards::Reason).text().not_null())
                    .col(big_null(ReferralRewards::LedgerEntryId))
                    .col(at(ReferralRewards::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_referral_rewards_payment")
                    .table(ReferralRewards::Table)
                    .col(ReferralRewards::PaymentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_referral_rewards_referrer")
                    .table(ReferralRewards::Table)
                    .col(ReferralRewards::ReferrerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReferralRewards::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_customers_tenant_referral_code")
                    .table(Customers::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .drop_column(Payments::PayerFingerprint)
                    .to_owned(),
            )
            .await?;
        for col in [Customers::ReferredBy, Customers::ReferralCode] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Customers::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ReferralPrograms::Table).to_owned())
            .await
    }
}
