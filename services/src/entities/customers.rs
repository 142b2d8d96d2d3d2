//! The `customers` table.

use sea_orm::entity::prelude::*;

/// A customer account of a tenant. `credit_limit` is decimal text in `billing_currency` (ISO 4217);
/// `billing_type` is `prepaid` or `postpaid`; `status` is `active`, `suspended` or `closed`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub billing_email: String,
    pub billing_currency: String,
    pub billing_type: String,
    pub credit_limit: String,
    pub status: String,
    pub category_id: Option<i64>,
    pub group_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    /// Low-balance alert threshold in micro-units of `billing_currency`; `None` for no alert.
    pub low_balance_micros: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Its referral code (unique in the tenant), made the first time it is shown.
    pub referral_code: Option<String>,
    /// The customer whose referral code it signed up with.
    pub referred_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
