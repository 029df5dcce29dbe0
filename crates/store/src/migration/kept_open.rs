//! An open amount of the instalments kept per key by the database (m0055 per customer, m0056
//! per day): the amount is `amount − paid` of the open instalments of contracts in force
//! (m0054's `k_live`), the key some of the instalment's copies. What the two migrations share:
//! the tables, the fill from existing instalments, SQLite's row triggers, PostgreSQL's statement
//! triggers appending deltas ([`super::delta_triggers`]), and their removal.

/// One kept open amount.
pub(crate) struct KeptOpen {
    /// The totals (keyed) and the deltas PostgreSQL appends.
    pub totals: &'static str,
    pub deltas: &'static str,
    /// The key's column definitions, in key order (`name TYPE NOT NULL, …`).
    pub columns: String,
    /// The key's column names, comma-separated.
    pub key: &'static str,
    /// The key's values from an instalment row (`new`, `old` or an alias), in key order.
    pub key_of: fn(&str) -> String,
    /// The instalment's columns the amount or the key reads (SQLite's update trigger fires on
    /// a change of one of them).
    pub watched: &'static [&'static str],
    /// The triggers' names' prefix (`{trigger}_insert`, …) and PostgreSQL's function.
    pub trigger: &'static str,
    pub function: &'static str,
}

/// What an instalment row adds to its key: its open amount while its contract is in force.
fn open_of(row: &str) -> String {
    format!(
        "(CASE WHEN {row}.k_live AND {row}.paid_fen < {row}.amount_fen \
         THEN {row}.amount_fen - {row}.paid_fen ELSE 0 END)"
    )
}

impl KeptOpen {
    fn table(&self, name: &str, keyed: bool) -> String {
        let key = if keyed {
            format!(", PRIMARY KEY ({})", self.key)
        } else {
            String::new()
        };
        format!(
            "CREATE TABLE {name} ({}, open_fen BIGINT NOT NULL{key})",
            self.columns
        )
    }

    /// The two tables, and the totals filled from the instalments there are.
    pub fn create(&self) -> Vec<String> {
        vec![
            self.table(self.totals, true),
            self.table(self.deltas, false),
            format!(
                "INSERT INTO {} ({}, open_fen) \
                 SELECT {}, CAST(SUM({}) AS BIGINT) FROM instalments x \
                 WHERE x.k_live AND x.paid_fen < x.amount_fen GROUP BY 1, 2, 3, 4",
                self.totals,
                self.key,
                (self.key_of)("x"),
                open_of("x")
            ),
        ]
    }

    /// SQLite: one row's open amount (`sign` 1 or -1) added to its key.
    fn sqlite_add(&self, row: &str, sign: &str) -> String {
        let open = open_of(row);
        format!(
            "INSERT INTO {totals} ({key}, open_fen) \
             SELECT {}, {sign} * {open} WHERE {open} <> 0 \
             ON CONFLICT ({key}) DO UPDATE SET open_fen = open_fen + excluded.open_fen;",
            (self.key_of)(row),
            totals = self.totals,
            key = self.key,
        )
    }

    /// SQLite: row triggers after insert, delete and an update of a watched column.
    pub fn sqlite_triggers(&self) -> Vec<String> {
        let when: Vec<String> = self
            .watched
            .iter()
            .map(|c| format!("old.{c} IS NOT new.{c}"))
            .collect();
        vec![
            format!(
                "CREATE TRIGGER {}_insert AFTER INSERT ON instalments BEGIN {} END",
                self.trigger,
                self.sqlite_add("new", "1")
            ),
            format!(
                "CREATE TRIGGER {}_delete AFTER DELETE ON instalments BEGIN {} END",
                self.trigger,
                self.sqlite_add("old", "-1")
            ),
            format!(
                "CREATE TRIGGER {}_update AFTER UPDATE OF {} ON instalments \
                 WHEN {} BEGIN {} {} END",
                self.trigger,
                self.watched.join(", "),
                when.join(" OR "),
                self.sqlite_add("old", "-1"),
                self.sqlite_add("new", "1")
            ),
        ]
    }

    /// PostgreSQL: statement triggers appending each statement's changes to the deltas.
    pub fn postgres_triggers(&self) -> Vec<String> {
        let key_of = self.key_of;
        let rows = |table: &str, sign: &str| {
            format!(
                "SELECT {}, {sign} * {} AS a FROM {table} r",
                key_of("r"),
                open_of("r")
            )
        };
        super::delta_triggers(
            self.function,
            self.trigger,
            "instalments",
            self.deltas,
            &self.key.split(", ").collect::<Vec<_>>(),
            &["open_fen"],
            &rows,
        )
    }

    /// The triggers (and PostgreSQL's function) removed.
    pub fn drop_triggers(&self, postgres: bool) -> Vec<String> {
        let mut v: Vec<String> = ["insert", "delete", "update"]
            .iter()
            .map(|t| {
                let on = if postgres { " ON instalments" } else { "" };
                format!("DROP TRIGGER IF EXISTS {}_{t}{on}", self.trigger)
            })
            .collect();
        if postgres {
            v.push(format!("DROP FUNCTION IF EXISTS {}()", self.function));
        }
        v
    }

    /// The two tables removed.
    pub fn drop_tables(&self) -> Vec<String> {
        vec![
            format!("DROP TABLE {}", self.deltas),
            format!("DROP TABLE {}", self.totals),
        ]
    }
}
