//! Business expenses and budgets (issue 14 point 1, `domain::expense`):
//!
//! - `expenses`: a claim as it stands now — the claimant, the region they belonged to when
//!   claiming (`region_id`; the budget it counts against), category (code of the
//!   `expense_category` list), the day spent and its month (`yyyymm`, the totals' key), the
//!   amount in fen (`CHECK amount_fen > 0`), description, the customer, deal or contract it was
//!   for, `state` (`pending_manager`, `pending_director`, `approved`, `returned`), `version`
//!   (1, 2, … one per submission), `needs_director` (above the threshold when submitted),
//!   `approver_id` (who is asked now) and who decided each step when. Every decision is a
//!   conditional UPDATE on (state, version) read, so of two approvers deciding at once one does
//!   it and the other gets 409.
//! - `expense_versions`: every submitted version's fields, `(expense_id, version)` unique.
//! - `expense_events`: who submitted, approved, returned, resubmitted which version, with the
//!   comment: the approval history finance exports.
//! - `expense_receipts`: the receipts (files in the attachments directory by SHA-256).
//! - `expense_budgets`: one amount per (region, period kind, period start), unique.
//! - `expense_totals`: the committed amount and number of claims per (region (0: none), month,
//!   category, approved 0/1) of every claim that is not returned, kept by the database as the
//!   receivables are (m0053/m0055): SQLite row triggers; PostgreSQL statement triggers that
//!   append to `expense_total_deltas`, folded by `store::expenses::fold_totals`. The budget page
//!   reads these (a few thousand rows a year) rather than the claims (500,000 a year).
//! - The `expense_category` list's six default entries.

use super::{delta_triggers, prelude::*, run_per_engine, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Expenses {
    Table,
    Id,
    ClaimantId,
    RegionId,
    Category,
    ExpenseDate,
    Month,
    AmountFen,
    Description,
    CustomerId,
    DealId,
    ContractId,
    State,
    Version,
    NeedsDirector,
    ApproverId,
    SubmittedAt,
    ManagerBy,
    ManagerAt,
    ApprovedBy,
    ApprovedAt,
    ReturnedBy,
    ReturnedAt,
    ReturnComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExpenseVersions {
    Table,
    Id,
    ExpenseId,
    Version,
    Category,
    ExpenseDate,
    AmountFen,
    Description,
    CustomerId,
    DealId,
    ContractId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExpenseEvents {
    Table,
    Id,
    ExpenseId,
    Version,
    Action,
    ActorId,
    FromState,
    ToState,
    Comment,
    At,
}

#[derive(DeriveIden)]
enum ExpenseReceipts {
    Table,
    Id,
    ExpenseId,
    Version,
    FileName,
    ContentType,
    Size,
    Sha256,
    AddedBy,
    AddedAt,
}

#[derive(DeriveIden)]
enum ExpenseBudgets {
    Table,
    Id,
    RegionId,
    PeriodKind,
    PeriodStart,
    AmountFen,
    SetBy,
    SetAt,
}

fn fk<T: IntoIden, U: IntoIden, V: IntoIden>(
    name: &str,
    from: T,
    col: U,
    to: V,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, col)
        .to(to, to_col)
        .on_delete(on_delete)
        .to_owned()
}

/// The categories a new installation starts with (`domain::expense::DEFAULT_CATEGORIES`,
/// copied: a migration's data never changes with later code).
const CATEGORIES: [(&str, &str, &str); 6] = [
    ("travel", "差旅费", "Travel"),
    ("entertainment", "业务招待费", "Entertainment"),
    ("gifts", "礼品费", "Gifts"),
    ("bidding", "投标费", "Bidding fees"),
    ("samples", "样品费", "Samples"),
    ("other", "其他", "Other"),
];

const TOTAL_COLUMNS: &str = "region_id BIGINT NOT NULL, month INTEGER NOT NULL, \
     category VARCHAR(32) NOT NULL, approved SMALLINT NOT NULL, \
     amount_fen BIGINT NOT NULL, lines BIGINT NOT NULL";
const KEY: [&str; 4] = ["region_id", "month", "category", "approved"];

/// A claim row's key in the totals.
fn key_of(r: &str) -> String {
    format!(
        "COALESCE({r}.region_id, 0), {r}.month, {r}.category, \
         CASE WHEN {r}.state = 'approved' THEN 1 ELSE 0 END"
    )
}

/// What a claim row adds: its amount and 1 unless it is returned.
fn counted(r: &str, what: &str) -> String {
    format!("CASE WHEN {r}.state <> 'returned' THEN {what} ELSE 0 END")
}

fn tables() -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE expense_totals ({TOTAL_COLUMNS}, PRIMARY KEY ({}))",
            KEY.join(", ")
        ),
        format!("CREATE TABLE expense_total_deltas ({TOTAL_COLUMNS})"),
    ]
}

fn sqlite_add(row: &str, sign: &str) -> String {
    format!(
        "INSERT INTO expense_totals ({key}, amount_fen, lines) \
         SELECT {}, {sign} * {row}.amount_fen, {sign} WHERE {row}.state <> 'returned' \
         ON CONFLICT ({key}) DO UPDATE SET amount_fen = amount_fen + excluded.amount_fen, \
         lines = lines + excluded.lines;",
        key_of(row),
        key = KEY.join(", "),
    )
}

const WATCHED: [&str; 5] = ["state", "amount_fen", "month", "category", "region_id"];

fn sqlite() -> Vec<String> {
    let when: Vec<String> = WATCHED
        .iter()
        .map(|c| format!("old.{c} IS NOT new.{c}"))
        .collect();
    let mut v = tables();
    v.extend([
        format!(
            "CREATE TRIGGER expense_totals_insert AFTER INSERT ON expenses BEGIN {} END",
            sqlite_add("new", "1")
        ),
        format!(
            "CREATE TRIGGER expense_totals_delete AFTER DELETE ON expenses BEGIN {} END",
            sqlite_add("old", "-1")
        ),
        format!(
            "CREATE TRIGGER expense_totals_update AFTER UPDATE OF {} ON expenses \
             WHEN {} BEGIN {} {} END",
            WATCHED.join(", "),
            when.join(" OR "),
            sqlite_add("old", "-1"),
            sqlite_add("new", "1")
        ),
    ]);
    v
}

fn postgres() -> Vec<String> {
    let rows = |t: &str, sign: &str| {
        format!(
            "SELECT {}, {sign} * {} AS a, {sign} * {} AS n FROM {t} r",
            key_of("r"),
            counted("r", "r.amount_fen"),
            counted("r", "1"),
        )
    };
    let mut v = tables();
    v.extend(delta_triggers(
        "expense_totals_apply",
        "expense_totals",
        "expenses",
        "expense_total_deltas",
        &KEY,
        &["amount_fen", "lines"],
        &rows,
    ));
    v.push(
        "ALTER TABLE expense_total_deltas SET (autovacuum_vacuum_scale_factor = 0, \
         autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, \
         autovacuum_vacuum_insert_threshold = 5000)"
            .into(),
    );
    v
}

fn drop_sqlite() -> Vec<String> {
    let mut v: Vec<String> = ["insert", "delete", "update"]
        .iter()
        .map(|t| format!("DROP TRIGGER IF EXISTS expense_totals_{t}"))
        .collect();
    v.push("DROP TABLE expense_total_deltas".into());
    v.push("DROP TABLE expense_totals".into());
    v
}

fn drop_postgres() -> Vec<String> {
    let mut v: Vec<String> = ["insert", "delete", "update"]
        .iter()
        .map(|t| format!("DROP TRIGGER IF EXISTS expense_totals_{t} ON expenses"))
        .collect();
    v.push("DROP FUNCTION IF EXISTS expense_totals_apply()".into());
    v.push("DROP TABLE expense_total_deltas".into());
    v.push("DROP TABLE expense_totals".into());
    v
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        m.create_table(
            Table::create()
                .table(Expenses::Table)
                .col(big_pk_auto(Expenses::Id))
                .col(big_integer(Expenses::ClaimantId))
                .col(big_integer_null(Expenses::RegionId))
                .col(string_len(Expenses::Category, 32))
                .col(date(Expenses::ExpenseDate))
                .col(integer(Expenses::Month))
                .col(big_integer(Expenses::AmountFen).check(Expr::col(Expenses::AmountFen).gt(0)))
                .col(text(Expenses::Description))
                .col(big_integer_null(Expenses::CustomerId))
                .col(big_integer_null(Expenses::DealId))
                .col(big_integer_null(Expenses::ContractId))
                .col(string_len(Expenses::State, 20))
                .col(integer(Expenses::Version))
                .col(boolean(Expenses::NeedsDirector))
                .col(big_integer_null(Expenses::ApproverId))
                .col(timestamp_with_time_zone(Expenses::SubmittedAt))
                .col(big_integer_null(Expenses::ManagerBy))
                .col(timestamp_with_time_zone_null(Expenses::ManagerAt))
                .col(big_integer_null(Expenses::ApprovedBy))
                .col(timestamp_with_time_zone_null(Expenses::ApprovedAt))
                .col(big_integer_null(Expenses::ReturnedBy))
                .col(timestamp_with_time_zone_null(Expenses::ReturnedAt))
                .col(text_null(Expenses::ReturnComment))
                .col(timestamp_with_time_zone(Expenses::CreatedAt))
                .col(timestamp_with_time_zone(Expenses::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_expenses_claimant",
                    Expenses::Table,
                    Expenses::ClaimantId,
                    Users::Table,
                    Users::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_expenses_region",
                    Expenses::Table,
                    Expenses::RegionId,
                    Regions::Table,
                    Regions::Id,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_expenses_customer",
                    Expenses::Table,
                    Expenses::CustomerId,
                    Customers::Table,
                    Customers::Id,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_expenses_deal",
                    Expenses::Table,
                    Expenses::DealId,
                    Deals::Table,
                    Deals::Id,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_expenses_contract",
                    Expenses::Table,
                    Expenses::ContractId,
                    Contracts::Table,
                    Contracts::Id,
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    "fk_expenses_approver",
                    Expenses::Table,
                    Expenses::ApproverId,
                    Users::Table,
                    Users::Id,
                    SetNull,
                ))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_expenses_claimant",
                vec![Expenses::ClaimantId, Expenses::ExpenseDate, Expenses::Id],
            ),
            (
                "ix_expenses_queue",
                vec![
                    Expenses::State,
                    Expenses::ApproverId,
                    Expenses::SubmittedAt,
                    Expenses::Id,
                ],
            ),
            (
                "ix_expenses_region",
                vec![Expenses::RegionId, Expenses::ExpenseDate, Expenses::Id],
            ),
            (
                "ix_expenses_date",
                vec![Expenses::ExpenseDate, Expenses::Id],
            ),
            (
                "ix_expenses_customer",
                vec![Expenses::CustomerId, Expenses::ExpenseDate],
            ),
        ] {
            let mut ix = Index::create().name(name).table(Expenses::Table).to_owned();
            for c in cols {
                ix.col(c);
            }
            m.create_index(ix).await?;
        }

        m.create_table(
            Table::create()
                .table(ExpenseVersions::Table)
                .col(big_pk_auto(ExpenseVersions::Id))
                .col(big_integer(ExpenseVersions::ExpenseId))
                .col(integer(ExpenseVersions::Version))
                .col(string_len(ExpenseVersions::Category, 32))
                .col(date(ExpenseVersions::ExpenseDate))
                .col(big_integer(ExpenseVersions::AmountFen))
                .col(text(ExpenseVersions::Description))
                .col(big_integer_null(ExpenseVersions::CustomerId))
                .col(big_integer_null(ExpenseVersions::DealId))
                .col(big_integer_null(ExpenseVersions::ContractId))
                .col(big_integer_null(ExpenseVersions::CreatedBy))
                .col(timestamp_with_time_zone(ExpenseVersions::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_expense_versions_expense",
                    ExpenseVersions::Table,
                    ExpenseVersions::ExpenseId,
                    Expenses::Table,
                    Expenses::Id,
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_expense_versions")
                .table(ExpenseVersions::Table)
                .col(ExpenseVersions::ExpenseId)
                .col(ExpenseVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExpenseEvents::Table)
                .col(big_pk_auto(ExpenseEvents::Id))
                .col(big_integer(ExpenseEvents::ExpenseId))
                .col(integer(ExpenseEvents::Version))
                .col(string_len(ExpenseEvents::Action, 16))
                .col(big_integer_null(ExpenseEvents::ActorId))
                .col(string_len_null(ExpenseEvents::FromState, 20))
                .col(string_len(ExpenseEvents::ToState, 20))
                .col(text_null(ExpenseEvents::Comment))
                .col(timestamp_with_time_zone(ExpenseEvents::At))
                .foreign_key(&mut fk(
                    "fk_expense_events_expense",
                    ExpenseEvents::Table,
                    ExpenseEvents::ExpenseId,
                    Expenses::Table,
                    Expenses::Id,
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_expense_events_actor",
                    ExpenseEvents::Table,
                    ExpenseEvents::ActorId,
                    Users::Table,
                    Users::Id,
                    SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_expense_events_expense")
                .table(ExpenseEvents::Table)
                .col(ExpenseEvents::ExpenseId)
                .col(ExpenseEvents::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExpenseReceipts::Table)
                .col(big_pk_auto(ExpenseReceipts::Id))
                .col(big_integer(ExpenseReceipts::ExpenseId))
                .col(integer(ExpenseReceipts::Version))
                .col(string_len(ExpenseReceipts::FileName, 200))
                .col(string_len(ExpenseReceipts::ContentType, 64))
                .col(big_integer(ExpenseReceipts::Size))
                .col(string_len(ExpenseReceipts::Sha256, 64))
                .col(big_integer_null(ExpenseReceipts::AddedBy))
                .col(timestamp_with_time_zone(ExpenseReceipts::AddedAt))
                .foreign_key(&mut fk(
                    "fk_expense_receipts_expense",
                    ExpenseReceipts::Table,
                    ExpenseReceipts::ExpenseId,
                    Expenses::Table,
                    Expenses::Id,
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_expense_receipts_expense")
                .table(ExpenseReceipts::Table)
                .col(ExpenseReceipts::ExpenseId)
                .col(ExpenseReceipts::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExpenseBudgets::Table)
                .col(big_pk_auto(ExpenseBudgets::Id))
                .col(big_integer(ExpenseBudgets::RegionId))
                .col(string_len(ExpenseBudgets::PeriodKind, 8))
                .col(date(ExpenseBudgets::PeriodStart))
                .col(
                    big_integer(ExpenseBudgets::AmountFen)
                        .check(Expr::col(ExpenseBudgets::AmountFen).gte(0)),
                )
                .col(big_integer_null(ExpenseBudgets::SetBy))
                .col(timestamp_with_time_zone(ExpenseBudgets::SetAt))
                .foreign_key(&mut fk(
                    "fk_expense_budgets_region",
                    ExpenseBudgets::Table,
                    ExpenseBudgets::RegionId,
                    Regions::Table,
                    Regions::Id,
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_expense_budgets")
                .table(ExpenseBudgets::Table)
                .col(ExpenseBudgets::RegionId)
                .col(ExpenseBudgets::PeriodKind)
                .col(ExpenseBudgets::PeriodStart)
                .unique()
                .to_owned(),
        )
        .await?;

        run_per_engine(m, sqlite, postgres).await?;

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
        for (i, (code, zh, en)) in CATEGORIES.iter().enumerate() {
            insert.values_panic([
                "expense_category".into(),
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
        run_per_engine(m, drop_sqlite, drop_postgres).await?;
        for t in [
            "expense_budgets",
            "expense_receipts",
            "expense_events",
            "expense_versions",
            "expenses",
        ] {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE {t}"))
                .await?;
        }
        m.get_connection()
            .execute_unprepared("DELETE FROM choices WHERE list = 'expense_category'")
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DatabaseConnection;

    use crate::migration::{Migrator, test_db};

    /// (region, month, approved, amount, lines) of the kept totals that are not zero.
    async fn totals(db: &DatabaseConnection) -> Vec<Vec<i64>> {
        test_db::ints(
            db,
            "SELECT region_id, month, approved, amount_fen, lines FROM expense_totals \
             WHERE amount_fen <> 0 OR lines <> 0 ORDER BY 1, 2, 3",
            &["region_id", "month", "approved", "amount_fen", "lines"],
        )
        .await
    }

    fn claim(id: i64, region: &str, date: &str, month: i64, fen: i64, state: &str) -> String {
        format!(
            "INSERT INTO expenses (id, claimant_id, region_id, category, expense_date, month, \
             amount_fen, description, state, version, needs_director, submitted_at, \
             created_at, updated_at) VALUES ({id}, 7, {region}, 'travel', '{date}', {month}, \
             {fen}, 'x', '{state}', 1, 0, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', \
             '2026-11-01T00:00:00Z')"
        )
    }

    /// The totals follow the claims: a new claim counts as pending, an approval moves it to
    /// approved, a return takes it out, a resubmission with another amount and month puts it
    /// back; a zero or negative amount is refused by the database; down and up again work.
    #[tokio::test]
    async fn the_spend_per_region_and_month_follows_the_claims() {
        let (_dir, db) = test_db::at(46).await;
        Migrator::up(&db, None).await.unwrap();
        test_db::seed_contracts(&db, &[(7, "am")], &[], &[]).await;
        test_db::run(
            &db,
            "INSERT INTO regions (id, name, name_en, kind, active, created_at, updated_at) \
             VALUES (3, '华东', 'East', 'region', 1, '2026-11-01T00:00:00Z', \
             '2026-11-01T00:00:00Z')",
        )
        .await;
        test_db::run(
            &db,
            &claim(1, "3", "2026-11-02", 202611, 1000, "pending_manager"),
        )
        .await;
        test_db::run(&db, &claim(2, "3", "2026-11-05", 202611, 500, "approved")).await;
        test_db::run(
            &db,
            &claim(3, "NULL", "2026-10-05", 202610, 70, "pending_director"),
        )
        .await;
        assert_eq!(
            totals(&db).await,
            vec![
                vec![0, 202610, 0, 70, 1],
                vec![3, 202611, 0, 1000, 1],
                vec![3, 202611, 1, 500, 1]
            ]
        );
        test_db::run(&db, "UPDATE expenses SET state = 'approved' WHERE id = 1").await;
        test_db::run(&db, "UPDATE expenses SET state = 'returned' WHERE id = 3").await;
        assert_eq!(
            totals(&db).await,
            vec![vec![3, 202611, 1, 1500, 2]],
            "approved moves the amount, returned takes it out"
        );
        test_db::run(
            &db,
            "UPDATE expenses SET state = 'pending_manager', amount_fen = 90, \
             expense_date = '2026-11-20', month = 202611, region_id = 3 WHERE id = 3",
        )
        .await;
        test_db::run(&db, "UPDATE expenses SET description = 'y' WHERE id = 2").await;
        let want = vec![vec![3, 202611, 0, 90, 1], vec![3, 202611, 1, 1500, 2]];
        assert_eq!(totals(&db).await, want, "resubmitted in another month");
        let refused = sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            &claim(4, "3", "2026-11-02", 202611, 0, "pending_manager"),
        )
        .await;
        assert!(
            refused.is_err(),
            "a claim of ¥0.00 is refused by the database"
        );
        test_db::run(&db, "DELETE FROM expenses WHERE id = 1").await;
        let want = vec![vec![3, 202611, 0, 90, 1], vec![3, 202611, 1, 500, 1]];
        assert_eq!(totals(&db).await, want);
        Migrator::down(&db, Some(1)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert!(
            totals(&db).await.is_empty(),
            "up again starts with no claims"
        );
        let n = test_db::ints(
            &db,
            "SELECT COUNT(*) AS n FROM choices WHERE list = 'expense_category'",
            &["n"],
        )
        .await;
        assert_eq!(n, vec![vec![6]], "the six default categories, once");
    }
}
