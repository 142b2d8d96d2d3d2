//! The `carrier_trunks` table.

use sea_orm::entity::prelude::*;

/// A SIP trunk of a carrier: where the switch sends calls (`host`: IPv4, IPv6 or DNS name;
/// `port`; `transport` `udp`, `tcp` or `tls`), the digest credentials it answers a challenge
/// with (empty for IP authentication), and the codecs it offers, comma-separated in preference
/// order (e.g. `PCMA,PCMU,G729`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "carrier_trunks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub carrier_id: i64,
    pub name: String,
    pub host: String,
    pub port: i32,
    pub transport: String,
    pub username: String,
    pub password: String,
    pub codecs: String,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
