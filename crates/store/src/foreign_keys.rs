//! A scan of every foreign key against every delete the store can issue (tests only).
//!
//! A user action that deletes a row some other row still points at is a foreign-key failure —
//! a 500 on both engines (issue 9, point 6: deleting a contact that a contact record named).
//! This test reads the schema's foreign keys and the store's source for deletes, and fails when a
//! table the store deletes from is pointed at by a foreign key that neither cascades nor is
//! handled by a reviewed rule below.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    /// Parents whose children are handled by the code that deletes them: (parent table, store
    /// module, function, reason). Every child table of such a parent must be named in each of
    /// its functions (checked below).
    const HANDLED: &[(&str, &str, &str, &str)] = &[
        (
            "customers",
            "customers",
            "merge_into",
            "a merge first moves every child row to the kept customer",
        ),
        (
            "customers",
            "customers",
            "delete_with_children",
            "a failed import's hidden customers and a purged archived customer: children first",
        ),
        (
            "contacts",
            "customers",
            "delete_with_children",
            "only with their customer (failed import, purge), contact links first",
        ),
        (
            "contact_records",
            "contact_records",
            "delete",
            "a manager deletes one contact record, its contact links first",
        ),
        (
            "contact_records",
            "customers",
            "delete_with_children",
            "only with their customer (failed import, purge), contact links first",
        ),
    ];

    #[derive(Debug)]
    struct ForeignKey {
        child: String,
        column: String,
        parent: String,
        on_delete: String,
    }

    async fn foreign_keys() -> Vec<ForeignKey> {
        let (_dir, db) = crate::migration::test_db::at(u32::MAX).await;
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT m.name AS child, p.\"from\" AS col, p.\"table\" AS parent, \
                 p.on_delete AS on_delete FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
                 WHERE m.type = 'table' ORDER BY 1, 2",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| ForeignKey {
                child: r.try_get("", "child").unwrap(),
                column: r.try_get("", "col").unwrap(),
                parent: r.try_get("", "parent").unwrap(),
                on_delete: r.try_get("", "on_delete").unwrap(),
            })
            .collect()
    }

    /// The store's source files (this crate's `src/*.rs`, migrations excluded).
    fn sources() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((stem, std::fs::read_to_string(&p).unwrap()));
            }
        }
        out
    }

    /// Tables the store deletes rows from: `Entity::delete_many()`/`delete_by_id(` in a module
    /// named after its table, `<table>::Entity::delete…` anywhere, and `DELETE FROM <table>` in
    /// SQL text.
    fn deleted_tables(sources: &[(String, String)]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (stem, text) in sources {
            if stem == "foreign_keys" {
                continue;
            }
            for call in ["Entity::delete_many()", "Entity::delete_by_id("] {
                for (i, _) in text.match_indices(call) {
                    let path: String = text[..i]
                        .chars()
                        .rev()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    match path.trim_end_matches(':').rsplit("::").next() {
                        Some(table) if !table.is_empty() => out.insert(table.to_string()),
                        _ => out.insert(stem.clone()),
                    };
                }
            }
            let upper = text.to_ascii_uppercase();
            let mut rest = upper.as_str();
            while let Some(i) = rest.find("DELETE FROM ") {
                let after = &rest[i + "DELETE FROM ".len()..];
                let table: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !table.is_empty() {
                    out.insert(table.to_ascii_lowercase());
                }
                rest = after;
            }
        }
        out
    }

    #[tokio::test]
    async fn no_delete_the_store_can_issue_breaks_a_foreign_key() {
        let fks = foreign_keys().await;
        assert!(
            fks.len() >= 10,
            "the scan found the schema's foreign keys: {fks:?}"
        );
        let sources = sources();
        let deleted = deleted_tables(&sources);
        assert!(
            deleted.contains("sessions"),
            "the scan finds deletes: {deleted:?}"
        );
        let mut broken = Vec::new();
        for fk in &fks {
            if !deleted.contains(&fk.parent) {
                continue;
            }
            if matches!(fk.on_delete.as_str(), "CASCADE" | "SET NULL") {
                continue;
            }
            let rules: Vec<_> = HANDLED
                .iter()
                .filter(|(parent, ..)| *parent == fk.parent)
                .collect();
            for (_, module, function, _) in &rules {
                // The handling code must name the child table's entity.
                let text = &sources.iter().find(|(s, _)| s == module).unwrap().1;
                let start = text
                    .find(&format!("fn {function}("))
                    .unwrap_or_else(|| panic!("{module}.rs has no fn {function}"));
                let body = &text[start..];
                let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
                if !body.contains(&format!("{}::", fk.child)) {
                    broken.push(format!(
                        "{}.{} → {}: {module}::{function} does not move or remove {} rows",
                        fk.child, fk.column, fk.parent, fk.child
                    ));
                }
            }
            match rules.first() {
                Some(_) => {}
                None => broken.push(format!(
                    "{}.{} → {} (ON DELETE {}): the store deletes from {} and nothing handles \
                     the rows that point at it",
                    fk.child, fk.column, fk.parent, fk.on_delete, fk.parent
                )),
            }
        }
        assert!(broken.is_empty(), "{}", broken.join("\n"));
        // The reviewed rules name only tables that are still deleted from.
        for (parent, module, function, _) in HANDLED {
            assert!(deleted.contains(*parent), "stale rule for {parent}");
            let text = &sources.iter().find(|(s, _)| s == module).unwrap().1;
            assert!(
                text.contains(&format!("fn {function}(")),
                "stale rule: {module}::{function}"
            );
        }
    }
}
