//! Top-ups through payment providers (Stripe Checkout first): `payments` holds each top-up a
//! customer starts (amount in its billing currency, the provider's session and payment ids, its
//! state, what has been refunded or disputed), and `payment_events` every provider event
//! received, once per provider event id, so that a replayed webhook moves no money twice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn short<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string_len(16).not_null().to_owned()
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
                    .table(Payments::Table)
                    .col(id(Payments::Id))
                    .col(big(Payments::TenantId))
                    .col(big(Payments::CustomerId))
                    .col(short(Payments::Provider))
                    .col(short(Payments::Status))
                    .col(big(Payments::AmountMicros))
                    .col(ColumnDef::new(Payments::Currency).string_len(3).not_null())
                    .col(text(Payments::ProviderRef))
                    .col(text(Payments::ProviderPaymentRef))
                    .col(text(Payments::CheckoutUrl))
                    .col(text(Payments::IdempotencyKey))
                    .col(big(Payments::ReversedMicros))
                    .col(ColumnDef::new(Payments::LedgerEntryId).big_integer().null())
                    .col(text(Payments::Message))
                    .col(text(Payments::CreatedBy))
                    .col(at(Payments::CreatedAt))
                    .col(at(Payments::UpdatedAt))
                    .col(
                        ColumnDef::new(Payments::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "ux_payments_customer_key",
                vec![Payments::CustomerId, Payments::IdempotencyKey],
                true,
            ),
            (
                "ix_payments_provider_ref",
                vec![Payments::Provider, Payments::ProviderRef],
                false,
            ),
            (
                "ix_payments_provider_payment",
                vec![Payments::Provider, Payments::ProviderPaymentRef],
                false,
            ),
            (
                "ix_payments_tenant_created",
                vec![Payments::TenantId, Payments::CreatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Payments::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PaymentEvents::Table)
                    .col(id(PaymentEvents::Id))
                    .col(short(PaymentEvents::Provider))
                    .col(text(PaymentEvents::EventId))
                    .col(text(PaymentEvents::EventType))
                    .col(
                        ColumnDef::new(PaymentEvents::PaymentId)
                            .big_integer()
                            .null(),
                    )
                    .col(text(PaymentEvents::Outcome))
                    .col(at(PaymentEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payment_events_provider_event")
                    .table(PaymentEvents::Table)
                    .col(PaymentEvents::Provider)
                    .col(PaymentEvents::EventId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaymentEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Payments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    Id,
    TenantId,
    CustomerId,
    Provider,
    Status,
    AmountMicros,
    Currency,
    ProviderRef,
    ProviderPaymentRef,
    CheckoutUrl,
    IdempotencyKey,
    ReversedMicros,
    LedgerEntryId,
    Message,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum PaymentEvents {
    Table,
    Id,
    Provider,
    EventId,
    EventType,
    PaymentId,
    Outcome,
    ReceivedAt,
}
