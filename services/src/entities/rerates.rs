//! The `rerates` table.

use sea_orm::entity::prelude::*;

/// One re-rating of the CDRs that started in `[period_from, period_to)` (of one customer, or
/// all): `status` is `queued` or `running` (its dry run is job `job_id`, `cdrs_checked` of
/// `cdrs_total` done), `failed` (the job gave up; `notes` says why), `dry_run` (computed,
/// nothing changed yet), `applying`, `applied` (CDRs re-rated and one adjustment entry posted
/// per customer) or `stale` (a CDR changed after the dry run: run it again). `notes` says what
/// was left out and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rerates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub period_from: DateTimeUtc,
    pub period_to: DateTimeUtc,
    pub customer_id: Option<i64>,
    pub status: String,
    pub cdrs_checked: i64,
    pub cdrs_changed: i64,
    pub cdrs_skipped: i64,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub applied_by: String,
    pub applied_at: Option<DateTimeUtc>,
    pub job_id: String,
    pub cdrs_total: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
