//! The `users` table: one row per person who can sign in.

use sea_orm::entity::prelude::*;

/// A user. `role` holds a [`domain::access::Role`] name; `password_hash` is a PHC argon2id string;
/// `ui_state` is the JSON of [`crate::preferences::UiState`]. A user belongs to one tenant; a
/// `customer` user also to one customer of it, a `carrier` user to one carrier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub theme: String,
    #[sea_orm(column_type = "Text")]
    pub ui_state: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    pub tenant_id: i64,
    pub customer_id: Option<i64>,
    pub carrier_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
