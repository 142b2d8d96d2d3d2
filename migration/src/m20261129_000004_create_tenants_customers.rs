//! White-label tenants and their domains, customer categories, groups and customers, feature
//! assignments and API keys; users, audit entries and everything after belong to a tenant.
//!
//! Tenant 1 is the operator's own brand ("DIDTron" on `localhost` and `127.0.0.1`): existing users
//! join it. Decimal amounts (credit limits) are stored as decimal text, exact on SQLite too.

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

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn tenant_fk<T: IntoIden + 'static>(from: T, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_col(from)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(id(Tenants::Id))
                    .col(ColumnDef::new(Tenants::Slug).string_len(63).not_null())
                    .col(ColumnDef::new(Tenants::Name).string_len(120).not_null())
                    .col(
                        ColumnDef::new(Tenants::PrimaryColor)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tenants::SupportEmail)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tenants::DefaultCurrency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Tenants::LogoKey).string_len(255).null())
                    .col(
                        ColumnDef::new(Tenants::LogoContentType)
                            .string_len(64)
                            .null(),
                    )
                    .col(at(Tenants::CreatedAt))
                    .col(at(Tenants::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_tenants_slug")
                            .col(Tenants::Slug)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TenantDomains::Table)
                    .col(id(TenantDomains::Id))
                    .col(
                        ColumnDef::new(TenantDomains::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantDomains::Domain)
                            .string_len(253)
                            .not_null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_tenant_domains_domain")
                            .col(TenantDomains::Domain)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(
                        TenantDomains::TenantId,
                        "fk_tenant_domains_tenant",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Tenants::Table)
                    .columns([
                        Tenants::Slug,
                        Tenants::Name,
                        Tenants::PrimaryColor,
                        Tenants::SupportEmail,
                        Tenants::DefaultCurrency,
                        Tenants::CreatedAt,
                        Tenants::UpdatedAt,
                    ])
                    .values_panic([
                        "didtron".into(),
                        "DIDTron".into(),
                        "#2563EB".into(),
                        "support@didtron.example".into(),
                        "USD".into(),
                        Expr::current_timestamp().into(),
                        Expr::current_timestamp().into(),
                    ])
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(TenantDomains::Table)
                    .columns([TenantDomains::TenantId, TenantDomains::Domain])
                    .values_panic([1.into(), "localhost".into()])
                    .values_panic([1.into(), "127.0.0.1".into()])
                    .to_owned(),
            )
            .await?;

        for (table, col) in [
            (Users::Table.into_iden(), Alias::new("tenant_id")),
            (AuditLog::Table.into_iden(), Alias::new("tenant_id")),
        ] {
            let mut def = ColumnDef::new(col);
            def.big_integer().not_null().default(1);
            manager
                .alter_table(Table::alter().table(table).add_column(def).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Alias::new("customer_id"))
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_tenant")
                    .table(AuditLog::Table)
                    .col(Alias::new("tenant_id"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomerCategories::Table)
                    .col(id(CustomerCategories::Id))
                    .col(
                        ColumnDef::new(CustomerCategories::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CustomerCategories::Name)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CustomerCategories::Description)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(at(CustomerCategories::CreatedAt))
                    .col(at(CustomerCategories::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_customer_categories_name")
                            .col(CustomerCategories::TenantId)
                            .col(CustomerCategories::Name)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(
                        CustomerCategories::TenantId,
                        "fk_categories_tenant",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerGroups::Table)
                    .col(id(CustomerGroups::Id))
                    .col(
                        ColumnDef::new(CustomerGroups::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CustomerGroups::CategoryId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CustomerGroups::Name)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CustomerGroups::Description)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(at(CustomerGroups::CreatedAt))
                    .col(at(CustomerGroups::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_customer_groups_name")
                            .col(CustomerGroups::CategoryId)
                            .col(CustomerGroups::Name)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(CustomerGroups::TenantId, "fk_groups_tenant"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_groups_category")
                            .from_col(CustomerGroups::CategoryId)
                            .to(CustomerCategories::Table, CustomerCategories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(id(Customers::Id))
                    .col(ColumnDef::new(Customers::TenantId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Customers::CompanyName)
                            .string_len(160)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Customers::ContactName)
                            .string_len(120)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Customers::ContactEmail)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Customers::ContactPhone)
                            .string_len(32)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Customers::BillingEmail)
                            .string_len(254)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Customers::BillingCurrency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Customers::BillingType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Customers::CreditLimit)
                            .string_len(40)
                            .not_null()
                            .default("0"),
                    )
                    .col(ColumnDef::new(Customers::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Customers::CategoryId).big_integer().null())
                    .col(ColumnDef::new(Customers::GroupId).big_integer().null())
                    .col(
                        ColumnDef::new(Customers::Notes)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(at(Customers::CreatedAt))
                    .col(at(Customers::UpdatedAt))
                    .index(
                        Index::create()
                            .name("ux_customers_company")
                            .col(Customers::TenantId)
                            .col(Customers::CompanyName)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(Customers::TenantId, "fk_customers_tenant"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customers_category")
                            .from_col(Customers::CategoryId)
                            .to(CustomerCategories::Table, CustomerCategories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customers_group")
                            .from_col(Customers::GroupId)
                            .to(CustomerGroups::Table, CustomerGroups::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FeatureAssignments::Table)
                    .col(id(FeatureAssignments::Id))
                    .col(
                        ColumnDef::new(FeatureAssignments::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FeatureAssignments::Feature)
                            .string_len(48)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FeatureAssignments::Scope)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FeatureAssignments::TargetId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(FeatureAssignments::CreatedAt))
                    .index(
                        Index::create()
                            .name("ux_feature_assignments")
                            .col(FeatureAssignments::TenantId)
                            .col(FeatureAssignments::Feature)
                            .col(FeatureAssignments::Scope)
                            .col(FeatureAssignments::TargetId)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(
                        FeatureAssignments::TenantId,
                        "fk_features_tenant",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id(ApiKeys::Id))
                    .col(ColumnDef::new(ApiKeys::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(ApiKeys::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ApiKeys::Name).string_len(80).not_null())
                    .col(ColumnDef::new(ApiKeys::KeyPrefix).string_len(16).not_null())
                    .col(
                        ColumnDef::new(ApiKeys::SecretHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApiKeys::Scopes).string_len(512).not_null())
                    .col(at(ApiKeys::CreatedAt))
                    .col(
                        ColumnDef::new(ApiKeys::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .index(
                        Index::create()
                            .name("ux_api_keys_prefix")
                            .col(ApiKeys::KeyPrefix)
                            .unique(),
                    )
                    .foreign_key(&mut tenant_fk(ApiKeys::TenantId, "fk_api_keys_tenant"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_user")
                            .from_col(ApiKeys::UserId)
                            .to(Users::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiKeys::Table.into_iden(),
            FeatureAssignments::Table.into_iden(),
            Customers::Table.into_iden(),
            CustomerGroups::Table.into_iden(),
            CustomerCategories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_log_tenant")
                    .table(AuditLog::Table)
                    .to_owned(),
            )
            .await?;
        for (table, col) in [
            (Users::Table.into_iden(), "customer_id"),
            (Users::Table.into_iden(), "tenant_id"),
            (AuditLog::Table.into_iden(), "tenant_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(TenantDomains::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Tenants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Slug,
    Name,
    PrimaryColor,
    SupportEmail,
    DefaultCurrency,
    LogoKey,
    LogoContentType,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TenantDomains {
    Table,
    Id,
    TenantId,
    Domain,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
}

#[derive(DeriveIden)]
enum CustomerCategories {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CustomerGroups {
    Table,
    Id,
    TenantId,
    CategoryId,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    TenantId,
    CompanyName,
    ContactName,
    ContactEmail,
    ContactPhone,
    BillingEmail,
    BillingCurrency,
    BillingType,
    CreditLimit,
    Status,
    CategoryId,
    GroupId,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FeatureAssignments {
    Table,
    Id,
    TenantId,
    Feature,
    Scope,
    TargetId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    TenantId,
    UserId,
    Name,
    KeyPrefix,
    SecretHash,
    Scopes,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}
