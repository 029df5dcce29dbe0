//! Why an owner change happened, beyond its kind (issue 10, points 4 and 5).
//!
//! - `owner_history.note`: for a `release` the code of the reason chosen from the
//!   `release_reason` list (asked for on the confirmation page and by the API); for a `merge` the
//!   name of the record that was merged away, so the kept record's history says what it absorbed.
//! - The `release_reason` list, edited by the administrator like customer types and sources.

use super::prelude::*;
use super::schema::string_len_null;

pub struct Migration;

#[derive(DeriveIden)]
enum OwnerHistory {
    Table,
    Note,
}

/// Default reasons for giving a customer back to the pool: (code, zh, en).
const RELEASE_REASONS: &[(&str, &str, &str)] = &[
    ("no_need", "暂无需求", "No need at present"),
    ("unreachable", "长期联系不上", "Cannot be reached"),
    ("competitor", "已选择竞品", "Chose a competitor"),
    ("no_budget", "没有预算", "No budget"),
    ("out_of_scope", "不在服务范围内", "Outside what we serve"),
    ("closed", "公司已注销或停业", "Company closed"),
    ("other", "其他原因", "Other reason"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OwnerHistory::Table)
                .add_column(string_len_null(OwnerHistory::Note, 200))
                .to_owned(),
        )
        .await?;
        let mut insert = Query::insert()
            .into_table(Alias::new("choices"))
            .columns([
                Alias::new("list"),
                Alias::new("code"),
                Alias::new("name_zh"),
                Alias::new("name_en"),
                Alias::new("position"),
                Alias::new("active"),
            ])
            .to_owned();
        for (i, (code, zh, en)) in RELEASE_REASONS.iter().enumerate() {
            insert.values_panic([
                "release_reason".into(),
                (*code).into(),
                (*zh).into(),
                (*en).into(),
                (i as i32 + 1).into(),
                true.into(),
            ]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM choices WHERE list = 'release_reason'")
            .await?;
        m.alter_table(
            Table::alter()
                .table(OwnerHistory::Table)
                .drop_column(OwnerHistory::Note)
                .to_owned(),
        )
        .await
    }
}
