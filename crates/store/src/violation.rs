//! Which rule a refused write broke, told by the identity of the unique index the database
//! names — never by the wording of its message. PostgreSQL reports the index (constraint) name;
//! SQLite reports the indexed columns as `table.column, table.column` after its fixed
//! "UNIQUE constraint failed: " prefix. Each rule is listed once with both forms, so the app
//! can answer a write that lost a race with the same 409 its own check gives.

use sea_orm::{DbErr, RuntimeErr};

/// A rule over several rows that the database holds with a unique index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// One customer per duplicate key (`ux_customers_name_key`, m0014).
    CustomerNameKey,
    /// One customer per USCC (`ux_customers_uscc`, m0002).
    CustomerUscc,
    /// One pending status request per customer (`ux_status_requests_pending`, m0014).
    PendingStatusRequest,
    /// One primary contact per customer (`ux_contacts_primary`, m0014).
    PrimaryContact,
    /// One saved filter of a name per person and list (`ux_saved_filters_name`, m0014, m0048).
    SavedFilterName,
    /// Logins are unique (`ux_users_login`).
    UserLogin,
    /// Region names are unique (`ux_regions_name`).
    RegionName,
    /// A code once per list (`ux_choices_list_code`).
    ChoiceCode,
    /// Product codes are unique (`ux_products_code`, m0031).
    ProductCode,
    /// Product names are unique in each language (`ux_products_name_zh`, `ux_products_name_en`).
    ProductNameZh,
    ProductNameEn,
    /// Deal stage codes are unique (`ux_deal_stages_code`, m0038).
    DealStageCode,
    /// One quotation per deal and version number (`ux_quotes_deal_version`, m0043).
    QuoteVersion,
    /// Invoice numbers are unique for the company (`ux_invoices_number`, m0041).
    InvoiceNumber,
    /// A company's contract number once (`ux_contracts_number`, m0051).
    ContractNumber,
}

/// (rule, PostgreSQL index name, table, indexed columns: SQLite names them `table.column, …`).
const RULES: [(Violation, &str, &str, &[&str]); 16] = [
    (
        Violation::ContractNumber,
        "ux_contracts_number",
        "contracts",
        &["number"],
    ),
    (
        Violation::QuoteVersion,
        "ux_quotes_deal_version",
        "quotes",
        &["deal_id", "version"],
    ),
    (
        Violation::InvoiceNumber,
        "ux_invoices_number",
        "invoices",
        &["number"],
    ),
    (
        Violation::DealStageCode,
        "ux_deal_stages_code",
        "deal_stages",
        &["code"],
    ),
    (
        Violation::CustomerNameKey,
        "ux_customers_name_key",
        "customers",
        &["name_key"],
    ),
    (
        Violation::CustomerUscc,
        "ux_customers_uscc",
        "customers",
        &["uscc"],
    ),
    (
        Violation::PendingStatusRequest,
        "ux_status_requests_pending",
        "status_requests",
        &["customer_id"],
    ),
    (
        Violation::PrimaryContact,
        "ux_contacts_primary",
        "contacts",
        &["customer_id"],
    ),
    (
        Violation::SavedFilterName,
        "ux_saved_filters_name",
        "saved_filters",
        &["user_id", "list", "name"],
    ),
    // The same index before m0048 gave filters their list (SQLite names its columns).
    (
        Violation::SavedFilterName,
        "ux_saved_filters_name",
        "saved_filters",
        &["user_id", "name"],
    ),
    (Violation::UserLogin, "ux_users_login", "users", &["login"]),
    (
        Violation::RegionName,
        "ux_regions_name",
        "regions",
        &["name"],
    ),
    (
        Violation::ChoiceCode,
        "ux_choices_list_code",
        "choices",
        &["list", "code"],
    ),
    (
        Violation::ProductCode,
        "ux_products_code",
        "products",
        &["code"],
    ),
    (
        Violation::ProductNameZh,
        "ux_products_name_zh",
        "products",
        &["name_zh"],
    ),
    (
        Violation::ProductNameEn,
        "ux_products_name_en",
        "products",
        &["name_en"],
    ),
];

/// PostgreSQL's `unique_violation`.
const PG_UNIQUE: &str = "23505";
/// SQLite's extended codes `SQLITE_CONSTRAINT_UNIQUE` and `SQLITE_CONSTRAINT_PRIMARYKEY`.
const SQLITE_UNIQUE: [&str; 2] = ["2067", "1555"];
const SQLITE_PREFIX: &str = "UNIQUE constraint failed: ";

/// The rule a failed statement broke, if it broke one of the unique indexes above.
pub fn violation(e: &DbErr) -> Option<Violation> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else {
        return None;
    };
    let code = db.code()?;
    if code == PG_UNIQUE {
        let index = db.constraint()?;
        RULES.iter().find(|r| r.1 == index).map(|r| r.0)
    } else if SQLITE_UNIQUE.contains(&code.as_ref()) {
        let named = db.message().strip_prefix(SQLITE_PREFIX)?;
        RULES
            .iter()
            .find(|(_, _, table, columns)| {
                let listed = columns.iter().map(|c| format!("{table}.{c}"));
                listed.collect::<Vec<_>>().join(", ") == named
            })
            .map(|r| r.0)
    } else {
        None
    }
}

/// PostgreSQL's deadlock (`40P01`) and serialization failure (`40001`): the transaction was
/// rolled back because another one touched the same rows at the same moment (say, two bulk
/// transfers whose customers' deals share board totals, m0053, in opposite order). Nothing of
/// it was written; the same request again succeeds.
const PG_COLLISIONS: [&str; 2] = ["40P01", "40001"];

/// The write collided with a concurrent one and was rolled back whole ([`PG_COLLISIONS`]).
pub fn collided(e: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else {
        return false;
    };
    db.code()
        .is_some_and(|c| PG_COLLISIONS.contains(&c.as_ref()))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

    use super::{Violation, violation};

    /// Breaks every rule once on a fresh migrated database (so the first region, person and
    /// customer get id 1) and checks the rule is recognised.
    async fn each_rule_is_told_apart(db: &DatabaseConnection) {
        let t = "'2026-01-01T00:00:00+00:00'";
        let ok = [
            format!("INSERT INTO regions (name, name_en, kind, active, created_at, updated_at) VALUES ('华北', 'North', 'region', TRUE, {t}, {t})"),
            format!("INSERT INTO users (login, display_name, is_admin, password_hash, must_change_password, active, locale, created_at, updated_at) VALUES ('am', 'AM', FALSE, 'x', FALSE, TRUE, 'zh', {t}, {t})"),
            format!("INSERT INTO customers (name, name_key, search_key, search_grams, uscc, status, status_changed_at, created_at, updated_at) VALUES ('甲', 'k', 'k', '', '91110000000000000X', 'lead', {t}, {t}, {t})"),
            format!("INSERT INTO status_requests (customer_id, from_status, to_status, requested_by, state, created_at) VALUES (1, 'lead', 'basic', 1, 'pending', {t})"),
            format!("INSERT INTO contacts (customer_id, name, is_primary, created_at, updated_at) VALUES (1, '王', TRUE, {t}, {t})"),
            format!("INSERT INTO saved_filters (user_id, name, query, created_at) VALUES (1, '我的', '', {t})"),
            "INSERT INTO choices (list, code, name_zh, name_en, position, active) VALUES ('type', 'x1', 'x', 'x', 99, TRUE)".to_string(),
            format!("INSERT INTO products (code, name_zh, name_en, position, active, created_at, updated_at) VALUES ('p1', '甲', 'A', 1, TRUE, {t}, {t})"),
            format!("INSERT INTO contracts (customer_id, title, signing_date, signing_month, status, total_fen, total_excl_fen, invoiced_fen, created_at, updated_at, version, number) VALUES (1, '合同', '2026-11-27', 202611, 'signed', 100, 90, 0, {t}, {t}, 1, 'C-1')"),
            format!("INSERT INTO invoices (contract_id, number, kind, issue_date, issue_month, amount_fen, amount_excl_fen, created_at) VALUES (1, '04400001', 'normal', '2026-11-27', 202611, 10, 9, {t})"),
        ];
        for sql in ok {
            db.execute_unprepared(&sql).await.expect(&sql);
        }
        let cases = [
            (Violation::RegionName, format!("INSERT INTO regions (name, name_en, kind, active, created_at, updated_at) VALUES ('华北', 'N2', 'region', TRUE, {t}, {t})")),
            (Violation::UserLogin, format!("INSERT INTO users (login, display_name, is_admin, password_hash, must_change_password, active, locale, created_at, updated_at) VALUES ('am', 'B', FALSE, 'x', FALSE, TRUE, 'zh', {t}, {t})")),
            (Violation::CustomerNameKey, format!("INSERT INTO customers (name, name_key, search_key, search_grams, status, status_changed_at, created_at, updated_at) VALUES ('甲2', 'k', 'k', '', 'lead', {t}, {t}, {t})")),
            (Violation::CustomerUscc, format!("INSERT INTO customers (name, name_key, search_key, search_grams, uscc, status, status_changed_at, created_at, updated_at) VALUES ('乙', 'k2', 'k2', '', '91110000000000000X', 'lead', {t}, {t}, {t})")),
            (Violation::PendingStatusRequest, format!("INSERT INTO status_requests (customer_id, from_status, to_status, requested_by, state, created_at) VALUES (1, 'lead', 'invalid', 1, 'pending', {t})")),
            (Violation::PrimaryContact, format!("INSERT INTO contacts (customer_id, name, is_primary, created_at, updated_at) VALUES (1, '李', TRUE, {t}, {t})")),
            (Violation::SavedFilterName, format!("INSERT INTO saved_filters (user_id, name, query, created_at) VALUES (1, '我的', 'q=1', {t})")),
            (Violation::ChoiceCode, "INSERT INTO choices (list, code, name_zh, name_en, position, active) VALUES ('type', 'x1', 'y', 'y', 100, TRUE)".to_string()),
            (Violation::ProductCode, format!("INSERT INTO products (code, name_zh, name_en, position, active, created_at, updated_at) VALUES ('p1', '乙', 'B', 2, TRUE, {t}, {t})")),
            (Violation::ProductNameZh, format!("INSERT INTO products (code, name_zh, name_en, position, active, created_at, updated_at) VALUES ('p2', '甲', 'B', 2, TRUE, {t}, {t})")),
            (Violation::ProductNameEn, format!("INSERT INTO products (code, name_zh, name_en, position, active, created_at, updated_at) VALUES ('p3', '丙', 'A', 2, TRUE, {t}, {t})")),
            (Violation::InvoiceNumber, format!("INSERT INTO invoices (contract_id, number, kind, issue_date, issue_month, amount_fen, amount_excl_fen, created_at) VALUES (1, '04400001', 'special', '2026-11-28', 202611, 5, 4, {t})")),
            (Violation::ContractNumber, format!("INSERT INTO contracts (customer_id, title, signing_date, signing_month, status, total_fen, total_excl_fen, invoiced_fen, created_at, updated_at, version, number) VALUES (1, '合同2', '2026-11-27', 202611, 'signed', 100, 90, 0, {t}, {t}, 1, 'C-1')")),
        ];
        for (rule, sql) in cases {
            let e = db.execute_unprepared(&sql).await.unwrap_err();
            assert_eq!(violation(&e), Some(rule), "{sql}: {e}");
        }
        // What is allowed stays allowed: a second request once the first is decided, a second
        // contact that is not primary.
        for sql in [
            "UPDATE status_requests SET state = 'approved'".to_string(),
            format!(
                "INSERT INTO status_requests (customer_id, from_status, to_status, requested_by, state, created_at) VALUES (1, 'basic', 'potential', 1, 'pending', {t})"
            ),
            format!(
                "INSERT INTO contacts (customer_id, name, is_primary, created_at, updated_at) VALUES (1, '赵', FALSE, {t}, {t})"
            ),
        ] {
            db.execute_unprepared(&sql).await.expect(&sql);
        }
        // Any other error is no rule of ours.
        let e = db
            .execute_unprepared("INSERT INTO contacts (customer_id, name, is_primary, created_at, updated_at) VALUES (999, 'x', FALSE, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
            .await
            .unwrap_err();
        assert_eq!(violation(&e), None, "{e}");
    }

    #[tokio::test]
    async fn every_unique_rule_is_recognised_by_its_index_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("v.db").display());
        let db = Database::connect(&url).await.unwrap();
        db.execute_unprepared("PRAGMA foreign_keys = ON")
            .await
            .unwrap();
        crate::migration::Migrator::up(&db, None).await.unwrap();
        each_rule_is_told_apart(&db).await;
    }

    /// The same on PostgreSQL, in a database of its own, when SALESDESK_TEST_POSTGRES_URL is set.
    #[tokio::test]
    async fn every_unique_rule_is_recognised_by_its_index_on_postgres() {
        let Ok(admin_url) = std::env::var("SALESDESK_TEST_POSTGRES_URL") else {
            eprintln!("skipped: SALESDESK_TEST_POSTGRES_URL is not set");
            return;
        };
        let name = format!("sd_violation_{}", std::process::id());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .await
            .unwrap();
        let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
        let url = format!("{base}/{name}");
        let db = Database::connect(&url).await.unwrap();
        crate::migration::Migrator::up(&db, None).await.unwrap();
        each_rule_is_told_apart(&db).await;
        db.close().await.unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }

    /// Two transactions that lock two rows in opposite order: PostgreSQL rolls one back as a
    /// deadlock, and [`super::collided`] recognises it (the use case answers 409 "try again").
    #[tokio::test]
    async fn a_deadlock_on_postgres_is_a_collision() {
        use sea_orm::TransactionTrait;
        let Ok(url) = std::env::var("SALESDESK_TEST_POSTGRES_URL") else {
            eprintln!("skipped: SALESDESK_TEST_POSTGRES_URL is not set");
            return;
        };
        let db = Database::connect(&url).await.unwrap();
        let table = format!("sd_collision_{}", std::process::id());
        db.execute_unprepared(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id INT PRIMARY KEY); \
             INSERT INTO {table} VALUES (1), (2)"
        ))
        .await
        .unwrap();
        let lock = |id: i32| format!("UPDATE {table} SET id = id WHERE id = {id}");
        let a = db.begin().await.unwrap();
        let b = db.begin().await.unwrap();
        a.execute_unprepared(&lock(1)).await.unwrap();
        b.execute_unprepared(&lock(2)).await.unwrap();
        let (second_a, second_b) = (lock(2), lock(1));
        let (ra, rb) = tokio::join!(
            a.execute_unprepared(&second_a),
            b.execute_unprepared(&second_b)
        );
        let failed: Vec<sea_orm::DbErr> = [ra.err(), rb.err()].into_iter().flatten().collect();
        assert_eq!(failed.len(), 1, "one of the two is rolled back: {failed:?}");
        assert!(super::collided(&failed[0]), "{:?}", failed[0]);
        assert!(super::violation(&failed[0]).is_none());
        drop((a, b));
        db.execute_unprepared(&format!("DROP TABLE {table}"))
            .await
            .unwrap();
    }
}
