//! The `tenants` table.

use sea_orm::entity::prelude::*;

/// A white-label brand: its name, colour (`#RRGGBB`), support e-mail, default currency (ISO 4217)
/// and logo (an object-storage key and its content type).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub primary_color: String,
    pub support_email: String,
    pub default_currency: String,
    pub logo_key: Option<String>,
    pub logo_content_type: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
