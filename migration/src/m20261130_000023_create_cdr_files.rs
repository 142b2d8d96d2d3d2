//! CDR files ingested by the `billing.rate_cdrs` job: files too large to rate in one request
//! (more than 10,000 lines) are stored in object storage and ingested in batches, with their
//! progress and counts on `cdr_files` (`lines_done` lets a retried job go on where it stopped)
//! and every line that was refused, left unrated or unpaid in `cdr_file_problems`, so the
//! operator can list and download them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
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
                    .table(CdrFiles::Table)
                    .col(
                        ColumnDef::new(CdrFiles::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(CdrFiles::TenantId))
                    .col(text(CdrFiles::FileName))
                    .col(text(CdrFiles::ObjectKey))
                    .col(big(CdrFiles::FileSize))
                    .col(ColumnDef::new(CdrFiles::Status).string_len(16).not_null())
                    .col(text(CdrFiles::JobId))
                    .col(big(CdrFiles::Lines))
                    .col(big(CdrFiles::LinesDone))
                    .col(big(CdrFiles::Received))
                    .col(big(CdrFiles::Rated))
                    .col(big(CdrFiles::Unpaid))
                    .col(big(CdrFiles::Unrated))
                    .col(big(CdrFiles::Duplicates))
                    .col(big(CdrFiles::Refused))
                    .col(text(CdrFiles::Message))
                    .col(text(CdrFiles::UploadedBy))
                    .col(at(CdrFiles::CreatedAt))
                    .col(
                        ColumnDef::new(CdrFiles::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cdr_files_tenant_created")
                    .table(CdrFiles::Table)
                    .col(CdrFiles::TenantId)
                    .col(CdrFiles::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CdrFileProblems::Table)
                    .col(
                        ColumnDef::new(CdrFileProblems::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big(CdrFileProblems::FileId))
                    .col(big(CdrFileProblems::Line))
                    .col(text(CdrFileProblems::CallId))
                    .col(
                        ColumnDef::new(CdrFileProblems::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(text(CdrFileProblems::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_cdr_file_problems_file")
                            .from_col(CdrFileProblems::FileId)
                            .to(CdrFiles::Table, CdrFiles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_cdr_file_problems_line")
                    .table(CdrFileProblems::Table)
                    .col(CdrFileProblems::FileId)
                    .col(CdrFileProblems::Line)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CdrFileProblems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CdrFiles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CdrFiles {
    Table,
    Id,
    TenantId,
    FileName,
    ObjectKey,
    FileSize,
    Status,
    JobId,
    Lines,
    LinesDone,
    Received,
    Rated,
    Unpaid,
    Unrated,
    Duplicates,
    Refused,
    Message,
    UploadedBy,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum CdrFileProblems {
    Table,
    Id,
    FileId,
    Line,
    CallId,
    Status,
    Reason,
}
