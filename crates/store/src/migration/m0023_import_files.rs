//! An import's uploaded file moves out of the `imports` row into `import_files` (issue 9,
//! point 4: logins during an import on SQLite).
//!
//! A run updates its `imports` row with every chunk it writes (the lease renewal) and the
//! progress page reads it every second. With the file in that row, every such update made SQLite
//! walk the file's overflow pages (megabytes) to rebuild the row, inside the one writer
//! transaction that every login and every customer create waits for. The row is now a few
//! hundred bytes; the file is written once at upload and read when a run starts or a preview is
//! shown.

use super::prelude::*;
use super::schema::{big_integer, blob};

pub struct Migration;

#[derive(DeriveIden)]
enum ImportFiles {
    Table,
    ImportId,
    Content,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Content,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ImportFiles::Table)
                .col(big_integer(ImportFiles::ImportId).primary_key())
                .col(blob(ImportFiles::Content))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_import_files_import")
                        .from(ImportFiles::Table, ImportFiles::ImportId)
                        .to(Imports::Table, Imports::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO import_files (import_id, content) SELECT id, content FROM imports",
        )
        .await?;
        // Plain SQL on both engines (SQLite has had DROP COLUMN since 3.35).
        db.execute_unprepared("ALTER TABLE imports DROP COLUMN content")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Imports::Table)
                .add_column(blob(Imports::Content).default(Vec::<u8>::new()))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE imports SET content = \
                 (SELECT f.content FROM import_files f WHERE f.import_id = imports.id)",
            )
            .await?;
        m.drop_table(Table::drop().table(ImportFiles::Table).to_owned())
            .await
    }
}
