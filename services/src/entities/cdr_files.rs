//! The `cdr_files` table.

use sea_orm::entity::prelude::*;

/// A CDR file ingested by the `billing.rate_cdrs` job: where it is (`object_key`), its state
/// (`queued`, `running`, `done`, `failed` with `message`), its data `lines`, how many of them
/// the job has ingested (`lines_done`, where a retried job goes on) and what became of them
/// (the counts of `services::cdrs::IngestReport`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cdr_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    #[sea_orm(column_type = "Text")]
    pub file_name: String,
    #[sea_orm(column_type = "Text")]
    pub object_key: String,
    pub file_size: i64,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub job_id: String,
    pub lines: i64,
    pub lines_done: i64,
    pub received: i64,
    pub rated: i64,
    pub unpaid: i64,
    pub unrated: i64,
    pub duplicates: i64,
    pub refused: i64,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub uploaded_by: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
