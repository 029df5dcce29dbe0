//! Contacts in imports (issue 10, point 10), in two shapes:
//!
//! - **In the customers file**: up to [`SLOTS`] numbered column groups (`联系人1姓名`,
//!   `联系人1职务`, `联系人1手机`, `联系人1邮箱` … `联系人3邮箱`); each group with any cell
//!   filled is one contact of the row's customer, the first one primary. Chosen over repeating
//!   a customer's row because one row stays one customer: the duplicate rules of the file and
//!   of the database are untouched, and a file sorts and filters as a list of customers.
//! - **A file of contacts alone** (an import of kind [`KIND`]): each row names a customer on
//!   file by USCC or name (compared as the duplicate check compares names) and gives one or
//!   more contacts of it; a customer the importer does not see, or that is not there, refuses
//!   the row naming the customer.
//!
//! Every contact is checked with the contact form's rules (`crate::contacts::parse`). Contacts
//! are written in the same short transactions as the import's other rows and carry the
//! import's id (m0029): hidden until it is done, removed if it fails.

use std::collections::{HashMap, HashSet};

use salesdesk_domain::FieldError;
use salesdesk_domain::customer::{Uscc, match_key};
use salesdesk_store::contacts::{Contact, ContactFields};
use salesdesk_store::customers::{CustomerFields, Visible};
use salesdesk_store::entity::customers as customer_rows;
use salesdesk_store::import_contacts as store;
use serde_json::json;

use super::{
    Import, MAX_KEPT_ERRORS, Outcome, RowError, Target, file_of, join_error, lease, lease_lost,
    read_headers, stored_mapping, visit_rows,
};
use crate::contacts::ContactInput;
use crate::{App, AppError, Ctx, Result};

/// The kind of an import of contacts alone (`imports.kind`; the other kind is `customers`).
pub const KIND: &str = "contacts";

/// Contacts one customer row may carry.
pub const SLOTS: u8 = 3;

/// A field of a contact that an import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactField {
    Name,
    Title,
    Mobile,
    Email,
}

/// Every contact target, slot by slot.
pub const TARGETS: [Target; 12] = {
    use ContactField::*;
    [
        Target::Contact(1, Name),
        Target::Contact(1, Title),
        Target::Contact(1, Mobile),
        Target::Contact(1, Email),
        Target::Contact(2, Name),
        Target::Contact(2, Title),
        Target::Contact(2, Mobile),
        Target::Contact(2, Email),
        Target::Contact(3, Name),
        Target::Contact(3, Title),
        Target::Contact(3, Mobile),
        Target::Contact(3, Email),
    ]
};

/// The code of a contact target (`contact2_mobile`).
pub fn code(n: u8, f: ContactField) -> &'static str {
    use ContactField::*;
    match (n, f) {
        (1, Name) => "contact1_name",
        (1, Title) => "contact1_title",
        (1, Mobile) => "contact1_mobile",
        (1, Email) => "contact1_email",
        (2, Name) => "contact2_name",
        (2, Title) => "contact2_title",
        (2, Mobile) => "contact2_mobile",
        (2, Email) => "contact2_email",
        (3, Name) => "contact3_name",
        (3, Title) => "contact3_title",
        (3, Mobile) => "contact3_mobile",
        (_, Name) => "contact3_name",
        (_, Title) => "contact3_title",
        (_, Mobile) => "contact3_mobile",
        (_, Email) => "contact3_email",
    }
}

/// Header names (folded as `fold_header` folds them) meaning a contact field. The first group
/// also takes the unnumbered names (`联系人`, `手机`), so a file with one contact per row needs
/// no numbers; `邮箱` alone stays the customer's e-mail.
pub fn aliases(n: u8, f: ContactField) -> &'static [&'static str] {
    use ContactField::*;
    match (n, f) {
        (1, Name) => &[
            "联系人1姓名",
            "联系人1",
            "联系人姓名",
            "联系人",
            "姓名",
            "contact1name",
            "contactname",
            "contact",
        ],
        (1, Title) => &[
            "联系人1职务",
            "联系人职务",
            "职务",
            "职位",
            "contact1title",
            "contacttitle",
            "title",
        ],
        (1, Mobile) => &[
            "联系人1手机",
            "联系人手机",
            "手机",
            "手机号",
            "手机号码",
            "contact1mobile",
            "contactmobile",
            "mobile",
        ],
        (1, Email) => &["联系人1邮箱", "联系人邮箱", "contact1email", "contactemail"],
        (2, Name) => &["联系人2姓名", "联系人2", "contact2name"],
        (2, Title) => &["联系人2职务", "contact2title"],
        (2, Mobile) => &["联系人2手机", "contact2mobile"],
        (2, Email) => &["联系人2邮箱", "contact2email"],
        (_, Name) => &["联系人3姓名", "联系人3", "contact3name"],
        (_, Title) => &["联系人3职务", "contact3title"],
        (_, Mobile) => &["联系人3手机", "contact3mobile"],
        (_, Email) => &["联系人3邮箱", "contact3email"],
    }
}

/// Refuses an import kind other than `customers`, [`KIND`] and the sales kinds
/// ([`super::sales`]).
pub fn check_kind(kind: &str) -> Result<()> {
    match kind {
        "customers" | KIND | super::sales::CONTRACTS | super::sales::PAYMENTS => Ok(()),
        _ => Err(AppError::field("kind", "error.invalid_choice")),
    }
}

/// The columns an import of `kind` cannot do without: a customer's name; for contacts alone,
/// the customer's name or USCC and a contact's name.
pub(super) fn check_mapping(kind: &str, seen: &[Target]) -> Result<()> {
    if kind != KIND {
        if !seen.contains(&Target::Name) {
            return Err(AppError::field("mapping", "error.import_no_name_column"));
        }
        return Ok(());
    }
    if !seen.contains(&Target::Name) && !seen.contains(&Target::Uscc) {
        return Err(AppError::field(
            "mapping",
            "error.import_no_customer_column",
        ));
    }
    if !seen
        .iter()
        .any(|t| matches!(t, Target::Contact(_, ContactField::Name)))
    {
        return Err(AppError::field("mapping", "error.import_no_contact_column"));
    }
    Ok(())
}

/// The contacts of one row, checked with the contact form's rules: one per numbered group with
/// a cell filled, the first one primary. Errors name the group's field (`contact2_mobile`).
pub(super) fn of_row(
    mapping: &[Option<Target>],
    row: &[String],
    n: u32,
) -> std::result::Result<Vec<ContactFields>, Vec<RowError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for slot in 1..=SLOTS {
        let mut input = ContactInput::default();
        let mut any = false;
        for (i, t) in mapping.iter().enumerate() {
            let (Some(Target::Contact(s, f)), Some(cell)) = (t, row.get(i)) else {
                continue;
            };
            if *s != slot || cell.trim().is_empty() {
                continue;
            }
            any = true;
            let to = match f {
                ContactField::Name => &mut input.name,
                ContactField::Title => &mut input.title,
                ContactField::Mobile => &mut input.mobile,
                ContactField::Email => &mut input.email,
            };
            *to = cell.trim().to_string();
        }
        if !any {
            continue;
        }
        input.is_primary = out.is_empty() && errors.is_empty();
        match crate::contacts::parse(&input, None) {
            Ok(f) => out.push(f),
            Err(AppError::Validation(fe)) => {
                errors.extend(
                    fe.0.into_iter()
                        .map(|FieldError { field, code, arg }| RowError {
                            row: n,
                            field: format!("contact{slot}_{field}"),
                            code: code.into(),
                            arg,
                        }),
                );
            }
            Err(_) => errors.push(RowError {
                row: n,
                field: format!("contact{slot}_name"),
                code: "error.invalid_choice".into(),
                arg: None,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A checked customer row and its contacts; its search text covers the contacts.
pub(super) struct NewCustomer {
    fields: CustomerFields,
    contacts: Vec<ContactFields>,
}

impl NewCustomer {
    pub(super) fn new(mut fields: CustomerFields, contacts: Vec<ContactFields>) -> NewCustomer {
        for c in &contacts {
            for part in crate::customers::contact_search_parts(
                &c.name,
                c.mobile.as_deref(),
                c.phone.as_deref(),
            ) {
                if !part.is_empty() {
                    fields.search_key.push(' ');
                    fields.search_key.push_str(&part);
                }
            }
        }
        NewCustomer { fields, contacts }
    }
}

/// The customers' fields, and beside them (same order) their contacts.
pub(super) fn split(rows: Vec<NewCustomer>) -> (Vec<CustomerFields>, Vec<Vec<ContactFields>>) {
    rows.into_iter().map(|r| (r.fields, r.contacts)).unzip()
}

/// Writes the contacts of customers just written (`made[i]` has `people[i]`); returns each
/// customer's contacts as stored, in the same order.
pub(super) async fn insert_with_customers(
    c: &impl salesdesk_store::Conn,
    made: &[customer_rows::Model],
    people: Vec<Vec<ContactFields>>,
    import_id: i64,
) -> Result<Vec<Vec<Contact>>> {
    let rows: Vec<(i64, ContactFields)> = made
        .iter()
        .zip(people)
        .flat_map(|(m, people)| people.into_iter().map(move |p| (m.id, p)))
        .collect();
    let mut by_customer: HashMap<i64, Vec<Contact>> = HashMap::new();
    for contact in store::insert(c, rows, import_id).await? {
        by_customer
            .entry(contact.customer_id)
            .or_default()
            .push(contact);
    }
    Ok(made
        .iter()
        .map(|m| by_customer.remove(&m.id).unwrap_or_default())
        .collect())
}

/// A customer's import audit snapshot with its contacts, when it has some.
pub(super) fn with_contacts(
    mut snapshot: serde_json::Value,
    people: &[Contact],
) -> serde_json::Value {
    if !people.is_empty()
        && let Some(map) = snapshot.as_object_mut()
    {
        map.insert(
            "contacts".into(),
            people.iter().map(crate::contacts::snapshot).collect(),
        );
    }
    snapshot
}

/// Deletes up to `limit` of the contacts an import wrote (a failed or interrupted run).
pub(super) async fn remove_rows(
    c: &impl salesdesk_store::Conn,
    import_id: i64,
    limit: u64,
) -> Result<u64> {
    Ok(store::remove_rows(c, import_id, limit).await?)
}

/// The customer a row of a contacts file names.
pub(super) struct Naming {
    /// What the row calls the customer, for the message when it is not found, and the column.
    pub(super) label: String,
    pub(super) field: &'static str,
    pub(super) name_key: Option<String>,
    pub(super) uscc: Option<String>,
}

/// One checked row of a contacts file: the customer it names and its contacts.
struct ContactRow {
    n: u32,
    customer: Naming,
    contacts: Vec<ContactFields>,
}

/// The outcome of the check pass of a contacts file.
struct Pass {
    total: u64,
    rows: Vec<ContactRow>,
    errors: Vec<RowError>,
    rejected: HashSet<u32>,
}

/// The customer a row names: its USCC (checked as on the customer form) or its name.
pub(super) fn customer_of(
    mapping: &[Option<Target>],
    row: &[String],
    n: u32,
) -> std::result::Result<Naming, RowError> {
    let cell = |target: Target| {
        mapping
            .iter()
            .position(|t| *t == Some(target))
            .and_then(|i| row.get(i))
            .map(|c| c.trim())
            .unwrap_or("")
    };
    let (name, uscc) = (cell(Target::Name), cell(Target::Uscc));
    let err = |field: &str, code: &str, arg: Option<String>| RowError {
        row: n,
        field: field.into(),
        code: code.into(),
        arg,
    };
    let uscc = match uscc {
        "" => None,
        u => Some(
            Uscc::parse("uscc", u)
                .map(Uscc::into_string)
                .map_err(|e| err("uscc", e.code, e.arg))?,
        ),
    };
    if name.is_empty() && uscc.is_none() {
        return Err(err("name", "error.import_no_customer", None));
    }
    let name_key = (!name.is_empty()).then(|| match_key(name));
    let (label, field) = match &uscc {
        Some(u) if name.is_empty() => (u.clone(), "uscc"),
        _ => (name.to_string(), "name"),
    };
    Ok(Naming {
        label,
        field,
        name_key,
        uscc,
    })
}

/// Pass 1 of a contacts file, in a blocking thread: every row's customer and contacts.
fn check_pass(bytes: &[u8], mapping: &[Option<Target>]) -> Result<Pass> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut rejected = HashSet::new();
    let (_, filled) = visit_rows(bytes, |n, row| {
        if row.iter().all(|c| c.trim().is_empty()) {
            return Ok(true);
        }
        let customer = customer_of(mapping, &row, n);
        let people = of_row(mapping, &row, n);
        match (customer, people) {
            (Ok(_), Ok(people)) if people.is_empty() => {
                rejected.insert(n);
                errors.push(RowError {
                    row: n,
                    field: "contact1_name".into(),
                    code: "error.import_no_contact".into(),
                    arg: None,
                });
            }
            (Ok(customer), Ok(contacts)) => rows.push(ContactRow {
                n,
                customer,
                contacts,
            }),
            (customer, people) => {
                rejected.insert(n);
                errors.extend(customer.err());
                errors.extend(people.err().unwrap_or_default());
            }
        }
        Ok(true)
    })?;
    Ok(Pass {
        total: filled as u64,
        rows,
        errors,
        rejected,
    })
}

/// Runs an import of contacts alone (claimed, lease held): checks every row, finds each row's
/// customer within the importer's scope, and — when no row was refused, or the user chose the
/// valid rows — writes the contacts in chunks, hidden until the import is done.
pub(super) async fn execute(
    app: &App,
    ctx: &Ctx,
    id: i64,
    holder: &str,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    imp: Import,
    v: Visible,
) -> Result<()> {
    let bytes = file_of(app, &imp).await?;
    let (valid_only, file_name) = (imp.valid_only, imp.file_name.clone());
    let pass = tokio::task::spawn_blocking(move || {
        let headers = read_headers(&bytes)?;
        check_pass(&bytes, &stored_mapping(&imp, &headers))
    })
    .await
    .map_err(join_error)??;
    let Pass {
        total,
        rows,
        mut errors,
        mut rejected,
    } = pass;

    // The customers the rows name, within the importer's scope; others are "not found".
    let name_keys: Vec<String> = rows
        .iter()
        .filter_map(|r| r.customer.name_key.clone())
        .collect();
    let usccs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.customer.uscc.clone())
        .collect();
    let found = store::customers_named(app.db.read(), &v, &name_keys, &usccs).await?;
    let by_uscc: HashMap<&str, i64> = found
        .iter()
        .filter_map(|c| c.uscc.as_deref().map(|u| (u, c.id)))
        .collect();
    let by_key: HashMap<&str, i64> = found.iter().map(|c| (c.name_key.as_str(), c.id)).collect();
    let mut good: Vec<(i64, Vec<ContactFields>)> = Vec::with_capacity(rows.len());
    for r in rows {
        let named = &r.customer;
        let hit = named
            .uscc
            .as_deref()
            .and_then(|u| by_uscc.get(u))
            .or_else(|| named.name_key.as_deref().and_then(|k| by_key.get(k)));
        match hit {
            Some(customer) => good.push((*customer, r.contacts)),
            None => {
                rejected.insert(r.n);
                errors.push(RowError {
                    row: r.n,
                    field: r.customer.field.into(),
                    code: "error.import_customer_not_found".into(),
                    arg: Some(r.customer.label),
                });
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    errors.truncate(MAX_KEPT_ERRORS);
    let errors = Some(serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into()));
    let rejected = rejected.len() as i64;
    let valid = good.len() as i64;
    progress(total, total);
    let outcome = |status, imported| Outcome {
        status,
        done: total as i64,
        valid,
        rejected,
        imported,
        errors: errors.clone(),
        message: None,
    };
    if rejected > 0 && !valid_only {
        let tx = app.db.begin().await?;
        if !super::store::finish(&tx, id, holder, outcome("rejected", 0)).await? {
            return Err(lease_lost(id));
        }
        app.db.commit(tx).await?;
        return Ok(());
    }

    // Short transactions of `import_chunk_rows` rows; the first contact a customer gets in this
    // run is its primary one when it has none yet.
    let chunk = app.config.import_chunk_rows.max(1);
    let mut given_primary: HashSet<i64> = HashSet::new();
    let mut imported: i64 = 0;
    let mut chunks = 0;
    let mut touched: Vec<i64> = Vec::new();
    let mut rest = good.into_iter().peekable();
    while rest.peek().is_some() {
        let slice: Vec<(i64, Vec<ContactFields>)> = rest.by_ref().take(chunk).collect();
        let tx = app.db.begin().await?;
        if !super::store::renew(&tx, id, lease(app, holder)).await? {
            return Err(lease_lost(id));
        }
        let ids: Vec<i64> = slice.iter().map(|(c, _)| *c).collect();
        let has_primary = store::with_primary(&tx, &ids).await?;
        let mut rows = Vec::new();
        for (customer, people) in slice {
            for mut p in people {
                p.is_primary = !has_primary.contains(&customer) && given_primary.insert(customer);
                rows.push((customer, p));
            }
            touched.push(customer);
        }
        let made = store::insert(&tx, rows, id).await?;
        imported += made.len() as i64;
        let audits = made
            .iter()
            .map(|c| {
                ctx.audit(
                    "contact.import",
                    "contact",
                    Some(c.id),
                    None,
                    Some(crate::contacts::snapshot(c)),
                )
            })
            .collect();
        super::store::insert_audits(&tx, audits).await?;
        app.db.commit(tx).await?;
        chunks += 1;
        if let Some(hook) = &app.config.import_chunk_hook {
            (hook.0)(id, chunks).await;
        }
    }
    let tx = app.db.begin().await?;
    super::store::insert_audits(
        &tx,
        vec![ctx.audit(
            "contact.import_run",
            "import",
            Some(id),
            None,
            Some(json!({"file": file_name, "imported": imported, "rejected": rejected})),
        )],
    )
    .await?;
    if !super::store::finish(&tx, id, holder, outcome("done", imported)).await? {
        return Err(lease_lost(id));
    }
    app.db.commit(tx).await?;

    // Now shown: the customers' search text takes in their new contacts, a chunk of customers
    // per transaction.
    touched.sort_unstable();
    touched.dedup();
    for ids in touched.chunks(chunk) {
        let tx = app.db.begin().await?;
        for customer in ids {
            crate::customers::refresh_search(&tx, *customer).await?;
        }
        app.db.commit(tx).await?;
    }
    Ok(())
}
