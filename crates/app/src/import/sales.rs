//! Contracts and payments from a spreadsheet (issue 13 point 7): two more kinds of import on
//! the customers' machinery — the same upload, preview with column mapping, run under a lease,
//! error report (row, column, value and what is allowed) and history.
//!
//! - **Contracts** ([`CONTRACTS`]): one row per contract — its customer by name or USCC (one
//!   the importer sees, neither archived nor invalid), the company's contract number (unique:
//!   in the file the first row keeps it, in the database `ux_contracts_number` holds it), title,
//!   signing date, tax-inclusive amount, VAT rate, owner (login or name; default the
//!   customer's owner), status (signed, the default, or draft), optionally a product code and a
//!   payment plan (`2026-12-31 50000; 2027-03-31 1.5万`). The fields are checked by the
//!   contract form's rules (`ContractFields::parse`): an imported contract has ONE line, the
//!   product given or none, quantity 1, priced at the amount. Who may import a row is who may
//!   create that contract (`may_work` for its owner). A signed row is signed as the sign action
//!   signs (above the director's threshold it waits for approval, unless the importer
//!   approves), its customer moves to signed by the same audited system transition, and it gets
//!   its plan — without one, a single instalment of the total due on the signing date.
//! - **Payments** ([`PAYMENTS`]): one row per payment received — the contract by its number
//!   (the company's, or `HT-000042`), date, amount, and a method or note kept as its reference;
//!   each recorded by the payment use case (`collections::record_in`): allocated to the oldest
//!   due instalments, refused when it is more than is open or dated before the contract, and
//!   only by those who may record payments on that contract. Rows count in file order: a
//!   second payment on a contract sees the first.
//!
//! All or nothing, as for customers: unless the user chose "import valid rows", a file with a
//! refused row writes nothing. The writes are ONE transaction (each payment row in a savepoint,
//! so a refused one leaves no trace), audited per contract or payment and for the run.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use salesdesk_domain::collection::{self as crules, InstalmentInput, PaymentInput};
use salesdesk_domain::contract::{self as rules, ContractFields, ContractInput, LineInput};
use salesdesk_domain::customer::CustomerStatus;
use salesdesk_domain::{FieldError, validate};
use salesdesk_store::StoreError;
use salesdesk_store::contracts as kstore;
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::import_contacts as named;
use serde_json::json;

use super::contacts::{Naming, customer_of};
use super::{
    Import, MAX_KEPT_ERRORS, Outcome, Preloaded, RowError, Target, file_of, join_error, lease,
    lease_lost, read_headers, stored_mapping, visit_rows,
};
use crate::contracts::Imported;
use crate::{App, AppError, Ctx, Result};

/// The kind of an import of contracts.
pub const CONTRACTS: &str = "contracts";
/// The kind of an import of payments received.
pub const PAYMENTS: &str = "payments";

/// Longest company contract number (`contracts.number`, m0051).
pub const MAX_NUMBER: usize = 50;

/// Whether `kind` is one of this module's.
pub fn is_sales(kind: &str) -> bool {
    kind == CONTRACTS || kind == PAYMENTS
}

/// A field of a contract that an import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractField {
    Number,
    Title,
    SigningDate,
    Amount,
    TaxRate,
    Status,
    Product,
    Plan,
}

/// A field of a payment received that an import fills (its contract is [`ContractField::Number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentField {
    ReceivedOn,
    Amount,
    Reference,
}

/// The fields of a contracts file, in template order.
pub const CONTRACT_TARGETS: [Target; 11] = [
    Target::Name,
    Target::Uscc,
    Target::Contract(ContractField::Number),
    Target::Contract(ContractField::Title),
    Target::Contract(ContractField::SigningDate),
    Target::Contract(ContractField::Amount),
    Target::Contract(ContractField::TaxRate),
    Target::Contract(ContractField::Status),
    Target::Owner,
    Target::Contract(ContractField::Product),
    Target::Contract(ContractField::Plan),
];

/// The fields of a payments file, in template order.
pub const PAYMENT_TARGETS: [Target; 4] = [
    Target::Contract(ContractField::Number),
    Target::Payment(PaymentField::ReceivedOn),
    Target::Payment(PaymentField::Amount),
    Target::Payment(PaymentField::Reference),
];

/// Every target of this module (for reading a stored mapping's codes).
pub const TARGETS: [Target; 11] = [
    Target::Contract(ContractField::Number),
    Target::Contract(ContractField::Title),
    Target::Contract(ContractField::SigningDate),
    Target::Contract(ContractField::Amount),
    Target::Contract(ContractField::TaxRate),
    Target::Contract(ContractField::Status),
    Target::Contract(ContractField::Product),
    Target::Contract(ContractField::Plan),
    Target::Payment(PaymentField::ReceivedOn),
    Target::Payment(PaymentField::Amount),
    Target::Payment(PaymentField::Reference),
];

/// The fields of a file of `kind`, when it is one of this module's.
pub fn targets(kind: &str) -> Option<&'static [Target]> {
    match kind {
        CONTRACTS => Some(&CONTRACT_TARGETS),
        PAYMENTS => Some(&PAYMENT_TARGETS),
        _ => None,
    }
}

pub fn contract_code(f: ContractField) -> &'static str {
    match f {
        ContractField::Number => "contract_number",
        ContractField::Title => "contract_title",
        ContractField::SigningDate => "signing_date",
        ContractField::Amount => "contract_amount",
        ContractField::TaxRate => "tax_rate",
        ContractField::Status => "contract_status",
        ContractField::Product => "product",
        ContractField::Plan => "plan",
    }
}

pub fn payment_code(f: PaymentField) -> &'static str {
    match f {
        PaymentField::ReceivedOn => "received_on",
        PaymentField::Amount => "payment_amount",
        PaymentField::Reference => "payment_reference",
    }
}

/// Header names (folded: lower case, no spaces or marks) that mean a contract field.
pub fn contract_aliases(f: ContractField) -> &'static [&'static str] {
    match f {
        ContractField::Number => &[
            "合同编号",
            "合同号",
            "合同编码",
            "编号",
            "contractnumber",
            "contractno",
            "number",
            "no.",
        ],
        ContractField::Title => &["合同名称", "合同标题", "标题", "contracttitle", "title"],
        ContractField::SigningDate => &[
            "签约日期",
            "签订日期",
            "签署日期",
            "合同日期",
            "signingdate",
            "signedon",
        ],
        ContractField::Amount => &[
            "合同金额",
            "合同金额含税",
            "含税金额",
            "合同总额",
            "总金额",
            "金额",
            "contractamount",
            "amountincl.tax",
            "amount",
            "total",
        ],
        ContractField::TaxRate => &["税率", "增值税税率", "taxrate", "vatrate", "vat"],
        ContractField::Status => &["合同状态", "状态", "contractstatus", "status"],
        ContractField::Product => &["产品编码", "产品代码", "产品", "productcode", "product"],
        ContractField::Plan => &["回款计划", "付款计划", "paymentplan", "plan"],
    }
}

/// Header names (folded) that mean a payment field.
pub fn payment_aliases(f: PaymentField) -> &'static [&'static str] {
    match f {
        PaymentField::ReceivedOn => &[
            "回款日期",
            "到账日期",
            "收款日期",
            "付款日期",
            "日期",
            "receivedon",
            "datereceived",
            "paymentdate",
            "date",
        ],
        PaymentField::Amount => &[
            "回款金额",
            "到账金额",
            "收款金额",
            "金额",
            "paymentamount",
            "amountreceived",
            "amount",
        ],
        PaymentField::Reference => &[
            "付款方式/备注",
            "付款方式",
            "回款方式",
            "银行流水号",
            "流水号",
            "备注",
            "说明",
            "method/note",
            "method",
            "reference",
            "note",
            "remark",
        ],
    }
}

/// The columns a file of `kind` cannot do without.
pub(super) fn check_mapping(kind: &str, seen: &[Target]) -> Result<()> {
    let has = |f: ContractField| seen.contains(&Target::Contract(f));
    let ok = if kind == CONTRACTS {
        (seen.contains(&Target::Name) || seen.contains(&Target::Uscc))
            && has(ContractField::Number)
            && has(ContractField::Title)
            && has(ContractField::SigningDate)
            && has(ContractField::Amount)
    } else {
        has(ContractField::Number)
            && seen.contains(&Target::Payment(PaymentField::ReceivedOn))
            && seen.contains(&Target::Payment(PaymentField::Amount))
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "mapping",
            if kind == CONTRACTS {
                "error.cimport_contract_columns"
            } else {
                "error.cimport_payment_columns"
            },
        ))
    }
}

/// The trimmed cell of the column mapped to `target` ("" when none is).
fn cell<'a>(mapping: &[Option<Target>], row: &'a [String], target: Target) -> &'a str {
    mapping
        .iter()
        .position(|t| *t == Some(target))
        .and_then(|i| row.get(i))
        .map(|c| c.trim())
        .unwrap_or("")
}

fn row_error(n: u32, field: &str, code: &str, arg: Option<String>) -> RowError {
    RowError {
        row: n,
        field: field.into(),
        code: code.into(),
        arg,
    }
}

/// Field errors of a use case's parse as row errors, under the import's names for the fields.
fn row_errors(
    n: u32,
    errors: Vec<FieldError>,
    name: impl Fn(&str) -> &'static str,
) -> Vec<RowError> {
    errors
        .into_iter()
        .map(|FieldError { field, code, arg }| RowError {
            row: n,
            field: name(&field).into(),
            code: code.into(),
            arg,
        })
        .collect()
}

/// The rows of the file that are not empty, with their spreadsheet numbers, and the number of
/// data rows (read in a blocking thread; a contracts or payments file is small next to the
/// customers' 200,000 rows, so it is held).
async fn rows_of(
    app: &App,
    imp: &Import,
) -> Result<(Vec<Option<Target>>, Vec<(u32, Vec<String>)>, u64)> {
    let bytes = file_of(app, imp).await?;
    let imp = imp.clone();
    tokio::task::spawn_blocking(move || {
        let headers = read_headers(&bytes)?;
        let mapping = stored_mapping(&imp, &headers);
        let mut rows = Vec::new();
        let (_, filled) = visit_rows(&bytes, |n, row| {
            if !row.iter().all(|c| c.trim().is_empty()) {
                rows.push((n, row));
            }
            Ok(true)
        })?;
        Ok((mapping, rows, filled as u64))
    })
    .await
    .map_err(join_error)?
}

/// Runs an import of contracts or payments (claimed, lease held).
pub(super) async fn execute(
    app: &App,
    ctx: &Ctx,
    id: i64,
    holder: &str,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    imp: Import,
    v: Visible,
) -> Result<()> {
    let (mapping, rows, total) = rows_of(app, &imp).await?;
    progress(0, total);
    let run = Run {
        app,
        ctx,
        id,
        holder,
        v: &v,
        imp: &imp,
        total,
    };
    if imp.kind == CONTRACTS {
        contracts(&run, &mapping, rows).await?;
    } else {
        payments(&run, &mapping, rows).await?;
    }
    progress(total, total);
    Ok(())
}

/// What both kinds' runs share.
struct Run<'a> {
    app: &'a App,
    ctx: &'a Ctx,
    id: i64,
    holder: &'a str,
    v: &'a Visible,
    imp: &'a Import,
    total: u64,
}

impl Run<'_> {
    fn outcome(
        &self,
        status: &'static str,
        valid: i64,
        rejected: i64,
        imported: i64,
        errors: &mut Vec<RowError>,
    ) -> Outcome {
        errors.sort_by_key(|e| e.row);
        errors.truncate(MAX_KEPT_ERRORS);
        Outcome {
            status,
            done: self.total as i64,
            valid,
            rejected,
            imported,
            errors: Some(serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())),
            message: None,
        }
    }

    /// Records that rows were refused and nothing was imported.
    async fn reject(&self, valid: i64, rejected: i64, mut errors: Vec<RowError>) -> Result<()> {
        let tx = self.app.db.begin().await?;
        let o = self.outcome("rejected", valid, rejected, 0, &mut errors);
        if !super::store::finish(&tx, self.id, self.holder, o).await? {
            return Err(lease_lost(self.id));
        }
        self.app.db.commit(tx).await?;
        Ok(())
    }

    /// Audits the run and marks the import done on the writes' transaction, then commits it.
    async fn finish(
        &self,
        tx: salesdesk_store::Tx,
        action: &str,
        counts: (i64, i64, i64),
        mut errors: Vec<RowError>,
    ) -> Result<()> {
        let (valid, rejected, imported) = counts;
        super::store::insert_audits(
            &tx,
            vec![self.ctx.audit(
                action,
                "import",
                Some(self.id),
                None,
                Some(json!({"file": self.imp.file_name, "kind": self.imp.kind,
                            "imported": imported, "rejected": rejected})),
            )],
        )
        .await?;
        let o = self.outcome("done", valid, rejected, imported, &mut errors);
        if !super::store::finish(&tx, self.id, self.holder, o).await? {
            return Err(lease_lost(self.id));
        }
        self.app.db.commit(tx).await?;
        Ok(())
    }
}

/// A status cell: signed (also the default) or draft, in either language.
fn signs(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "signed" | "已签约" | "已签" | "签约" | "已签订" => Some(true),
        "draft" | "草稿" => Some(false),
        _ => None,
    }
}

/// A plan cell: instalments `date amount` separated by `;` (or `；`, a line end); the date and
/// the amount apart by spaces, `:` or `=`.
fn plan_rows(text: &str) -> Vec<InstalmentInput> {
    text.split([';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (date, amount) = item
                .split_once(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '='))
                .unwrap_or((item, ""));
            InstalmentInput {
                due_date: date.trim().to_string(),
                amount: amount.trim().to_string(),
            }
        })
        .collect()
}

/// The product of an imported line when the file gives none: any code the list cannot hold
/// (codes have no spaces), stored as an empty code — "the imported total".
const NO_PRODUCT: &str = "imported total";

/// A contracts row that passed the row checks, waiting for its customer.
struct ContractRow {
    n: u32,
    naming: Naming,
    number: String,
    owner: Option<i64>,
    fields: ContractFields,
    sign: bool,
    plan: Option<Vec<(NaiveDate, i64)>>,
}

/// Checks one contracts row by itself (its customer is looked up with the others').
fn check_contract(
    pre: &Preloaded,
    products: &[salesdesk_store::products::Product],
    today: NaiveDate,
    mapping: &[Option<Target>],
    row: &[String],
    n: u32,
) -> std::result::Result<ContractRow, Vec<RowError>> {
    let c = |f: ContractField| cell(mapping, row, Target::Contract(f));
    let mut errs = Vec::new();
    let naming = customer_of(mapping, row, n).map_err(|e| errs.push(e)).ok();
    let number = validate::required_text("contract_number", c(ContractField::Number), MAX_NUMBER)
        .map_err(|e| errs.extend(row_errors(n, vec![e], |_| "contract_number")))
        .ok();
    let sign = signs(c(ContractField::Status));
    if sign.is_none() {
        errs.push(row_error(
            n,
            "contract_status",
            "error.cimport_status",
            Some(c(ContractField::Status).to_string()),
        ));
    }
    let owner = match cell(mapping, row, Target::Owner) {
        "" => None,
        o => match pre.by_login.get(&o.to_lowercase()) {
            Some(id) => Some(*id),
            None => match pre.by_name.get(o).map(Vec::as_slice) {
                Some([id]) => Some(*id),
                Some(_) => {
                    errs.push(row_error(n, "owner", "error.import_owner_ambiguous", None));
                    None
                }
                None => {
                    errs.push(row_error(
                        n,
                        "owner",
                        "error.cimport_unknown_owner",
                        Some(o.to_string()),
                    ));
                    None
                }
            },
        },
    };
    let product = c(ContractField::Product);
    if !product.is_empty() && !products.iter().any(|p| p.active && p.code == product) {
        errs.push(row_error(
            n,
            "product",
            "error.cimport_unknown_product",
            Some(product.to_string()),
        ));
    }
    let input = ContractInput {
        title: c(ContractField::Title).to_string(),
        signing_date: c(ContractField::SigningDate).to_string(),
        lines: vec![LineInput {
            product: if product.is_empty() {
                NO_PRODUCT.to_string()
            } else {
                product.to_string()
            },
            quantity: String::new(),
            unit_price: c(ContractField::Amount).to_string(),
            discount: String::new(),
            tax_rate: c(ContractField::TaxRate).to_string(),
        }],
    };
    let fields = match ContractFields::parse(&input, today) {
        Ok(mut f) => {
            for l in &mut f.lines {
                if l.product_code == NO_PRODUCT {
                    l.product_code = String::new();
                }
            }
            Some(f)
        }
        Err(fe) => {
            errs.extend(row_errors(n, fe.0, |field| match field {
                "title" => "contract_title",
                "signing_date" => "signing_date",
                f if f.ends_with("tax_rate") => "tax_rate",
                f if f.ends_with("product") => "product",
                _ => "contract_amount",
            }));
            None
        }
    };
    let plan_text = c(ContractField::Plan);
    let plan = match (&fields, plan_text.is_empty()) {
        (_, true) | (None, _) => None,
        (Some(_), false) if sign == Some(false) => {
            errs.push(row_error(n, "plan", "error.plan_needs_signed", None));
            None
        }
        (Some(f), false) => {
            match crules::parse_plan(&plan_rows(plan_text), f.signing_date, f.total) {
                Ok(p) => Some(p.iter().map(|i| (i.due_date, i.amount.fen())).collect()),
                Err(fe) => {
                    errs.extend(row_errors(n, fe.0, |_| "plan"));
                    None
                }
            }
        }
    };
    match (naming, number, sign, fields) {
        (Some(naming), Some(number), Some(sign), Some(fields)) if errs.is_empty() => {
            Ok(ContractRow {
                n,
                naming,
                number,
                owner,
                fields,
                sign,
                plan,
            })
        }
        _ => Err(errs),
    }
}

/// Whether `number` is one of this system's own (`HT-000042`): a file may not take it.
fn own_number(number: &str) -> bool {
    number
        .strip_prefix("HT-")
        .or_else(|| number.strip_prefix("ht-"))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

async fn contracts(
    run: &Run<'_>,
    mapping: &[Option<Target>],
    rows: Vec<(u32, Vec<String>)>,
) -> Result<()> {
    let Run { app, ctx, v, .. } = *run;
    let pre = Preloaded::load(app).await?;
    let products = crate::products::all(app).await?;
    let today = crate::contracts::today(app);
    let threshold = crate::contracts::settings(app).await?.threshold();
    let mut errors = Vec::new();
    let mut rejected: HashSet<u32> = HashSet::new();
    let mut checked = Vec::with_capacity(rows.len());
    for (n, row) in &rows {
        match check_contract(&pre, &products, today, mapping, row, *n) {
            Ok(r) => checked.push(r),
            Err(e) => {
                rejected.insert(*n);
                errors.extend(e);
            }
        }
    }
    drop(rows);

    // The customers named, within the importer's scope; others are "not found".
    let name_keys: Vec<String> = checked
        .iter()
        .filter_map(|r| r.naming.name_key.clone())
        .collect();
    let usccs: Vec<String> = checked
        .iter()
        .filter_map(|r| r.naming.uscc.clone())
        .collect();
    let found = named::customers_named(app.db.read(), v, &name_keys, &usccs).await?;
    let by_uscc: HashMap<&str, i64> = found
        .iter()
        .filter_map(|c| c.uscc.as_deref().map(|u| (u, c.id)))
        .collect();
    let by_key: HashMap<&str, i64> = found.iter().map(|c| (c.name_key.as_str(), c.id)).collect();
    let numbers: Vec<String> = checked.iter().map(|r| r.number.clone()).collect();
    let taken: HashSet<String> = kstore::with_numbers(app.db.read(), &numbers)
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut customers: HashMap<i64, Option<cstore::Customer>> = HashMap::new();
    let mut first_of_number: HashMap<String, u32> = HashMap::new();
    let mut good: Vec<Imported> = Vec::with_capacity(checked.len());
    for r in checked {
        let n = r.n;
        let mut refuse = |field: &str, code: &str, arg: Option<String>| {
            errors.push(row_error(n, field, code, arg));
            rejected.insert(n);
        };
        if let Some(first) = first_of_number.get(&r.number) {
            refuse(
                "contract_number",
                "error.import_duplicate_in_file",
                Some(first.to_string()),
            );
            continue;
        }
        first_of_number.insert(r.number.clone(), n);
        if taken.contains(&r.number) || own_number(&r.number) {
            refuse(
                "contract_number",
                "error.cimport_number_in_db",
                Some(r.number.clone()),
            );
            continue;
        }
        let hit = r
            .naming
            .uscc
            .as_deref()
            .and_then(|u| by_uscc.get(u))
            .or_else(|| r.naming.name_key.as_deref().and_then(|k| by_key.get(k)))
            .copied();
        let Some(customer_id) = hit else {
            refuse(
                r.naming.field,
                "error.import_customer_not_found",
                Some(r.naming.label.clone()),
            );
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = customers.entry(customer_id) {
            e.insert(cstore::get_any(app.db.read(), customer_id, v).await?);
        }
        let Some(customer) = customers.get(&customer_id).and_then(Option::as_ref) else {
            refuse(
                r.naming.field,
                "error.import_customer_not_found",
                Some(r.naming.label.clone()),
            );
            continue;
        };
        if customer.archived_at.is_some() {
            refuse(
                r.naming.field,
                "error.cimport_customer_archived",
                Some(r.naming.label.clone()),
            );
            continue;
        }
        if CustomerStatus::parse(&customer.status) == Some(CustomerStatus::Invalid) {
            refuse(
                r.naming.field,
                "error.cimport_customer_invalid",
                Some(r.naming.label.clone()),
            );
            continue;
        }
        let owner_id = r.owner.or(customer.owner_id).or(ctx.actor_id());
        if !rules::may_work(&ctx.actor, owner_id) {
            let who = owner_id
                .and_then(|o| pre.users.get(&o))
                .map(|u| u.display_name.clone());
            refuse("owner", "error.cimport_not_yours", who);
            continue;
        }
        // Pending approval once imported: no plan until the director approves.
        let pending =
            rules::needs_approval(r.fields.total, threshold) && !rules::may_approve(&ctx.actor);
        if r.sign && pending && r.plan.is_some() {
            refuse("plan", "error.cimport_plan_pending", None);
            continue;
        }
        let plan = r
            .plan
            .unwrap_or_else(|| vec![(r.fields.signing_date, r.fields.total.fen())]);
        good.push(Imported {
            customer_id,
            owner_id,
            number: r.number,
            fields: r.fields,
            sign: r.sign,
            plan,
        });
    }
    let valid = good.len() as i64;
    let refused = rejected.len() as i64;
    if refused > 0 && !run.imp.valid_only {
        return run.reject(valid, refused, errors).await;
    }

    // One transaction for every contract: the lease renewed first (on PostgreSQL that locks
    // the import's row, so a take-over waits for this run and then finds it done).
    let tx = app.db.begin().await?;
    if !super::store::renew(&tx, run.id, lease(app, run.holder)).await? {
        return Err(lease_lost(run.id));
    }
    let mut imported = 0i64;
    for k in good {
        // A number another import wrote meanwhile breaks `ux_contracts_number`: the run fails
        // with `error.cimport_number_in_db` and nothing of it stays.
        crate::contracts::write_imported(app, ctx, &tx, v, k, threshold, run.id).await?;
        imported += 1;
    }
    run.finish(
        tx,
        "contract.import_run",
        (valid, refused, imported),
        errors,
    )
    .await
}

/// A payments row that passed the row checks.
struct PaymentRow {
    n: u32,
    number: String,
    input: PaymentInput,
}

/// The contract a payment names: by the company's number, or this system's `HT-000042`.
fn contract_id_of(number: &str, by_number: &HashMap<String, i64>) -> Option<i64> {
    by_number.get(number).copied().or_else(|| {
        own_number(number)
            .then(|| number[3..].parse::<i64>().ok())
            .flatten()
    })
}

/// The import's name of a field the payment use case reports.
fn payment_field(field: &str) -> &'static str {
    match field {
        "received_on" => "received_on",
        "reference" => "payment_reference",
        "amount" => "payment_amount",
        // `status` (not signed) and `instalments` (no plan) are the contract's.
        _ => "contract_number",
    }
}

async fn payments(
    run: &Run<'_>,
    mapping: &[Option<Target>],
    rows: Vec<(u32, Vec<String>)>,
) -> Result<()> {
    let Run { app, ctx, v, .. } = *run;
    let mut errors = Vec::new();
    let mut rejected: HashSet<u32> = HashSet::new();
    let mut checked = Vec::with_capacity(rows.len());
    for (n, row) in &rows {
        let number = cell(mapping, row, Target::Contract(ContractField::Number));
        if number.is_empty() {
            errors.push(row_error(*n, "contract_number", "error.required", None));
            rejected.insert(*n);
            continue;
        }
        let p = |f: PaymentField| cell(mapping, row, Target::Payment(f)).to_string();
        checked.push(PaymentRow {
            n: *n,
            number: number.to_string(),
            input: PaymentInput {
                received_on: p(PaymentField::ReceivedOn),
                amount: p(PaymentField::Amount),
                reference: p(PaymentField::Reference),
                reason: String::new(),
            },
        });
    }
    drop(rows);
    let numbers: Vec<String> = checked.iter().map(|r| r.number.clone()).collect();
    let by_number: HashMap<String, i64> = kstore::with_numbers(app.db.read(), &numbers)
        .await?
        .into_iter()
        .collect();

    // Every payment in file order on one transaction, each in a savepoint: a refused row is
    // rolled back alone, and the next payment on the same contract sees the ones before.
    let tx = app.db.begin().await?;
    if !super::store::renew(&tx, run.id, lease(app, run.holder)).await? {
        return Err(lease_lost(run.id));
    }
    let mut imported = 0i64;
    for r in checked {
        let n = r.n;
        let not_found = || {
            row_error(
                n,
                "contract_number",
                "error.cimport_contract_not_found",
                Some(r.number.clone()),
            )
        };
        let Some(contract_id) = contract_id_of(&r.number, &by_number) else {
            errors.push(not_found());
            rejected.insert(n);
            continue;
        };
        let sp = salesdesk_store::savepoint(&tx).await?;
        match crate::collections::record_in(app, ctx, &sp, v, contract_id, &r.input, &[], false)
            .await
        {
            Ok(_) => {
                sp.commit().await.map_err(StoreError::from)?;
                imported += 1;
            }
            Err(e) => {
                sp.rollback().await.map_err(StoreError::from)?;
                rejected.insert(n);
                match e {
                    AppError::Validation(fe) | AppError::Conflict(fe) => {
                        errors.extend(row_errors(n, fe.0, payment_field));
                    }
                    AppError::NotFound => errors.push(not_found()),
                    AppError::Forbidden => errors.push(row_error(
                        n,
                        "contract_number",
                        "error.cimport_payment_not_yours",
                        Some(r.number.clone()),
                    )),
                    e => return Err(e),
                }
            }
        }
    }
    let refused = rejected.len() as i64;
    if refused > 0 && !run.imp.valid_only {
        drop(tx);
        return run.reject(imported, refused, errors).await;
    }
    run.finish(
        tx,
        "contract.payment_import_run",
        (imported, refused, imported),
        errors,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_statuses_and_numbers_are_read() {
        let p = plan_rows("2026-12-31 50000；2027-03-31: 1.5万\n");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].due_date, "2026-12-31");
        assert_eq!(p[0].amount, "50000");
        assert_eq!(p[1].amount, "1.5万");
        assert_eq!(signs(""), Some(true));
        assert_eq!(signs("草稿"), Some(false));
        assert_eq!(signs("Signed"), Some(true));
        assert_eq!(signs("作废"), None);
        assert!(own_number("HT-000042"));
        assert!(!own_number("HT-2026-01"));
        let by: HashMap<String, i64> = [("C-9".to_string(), 7)].into_iter().collect();
        assert_eq!(contract_id_of("C-9", &by), Some(7));
        assert_eq!(contract_id_of("HT-000042", &by), Some(42));
        assert_eq!(contract_id_of("X", &by), None);
    }

    #[test]
    fn headers_map_to_the_kinds_fields() {
        let h: Vec<String> = [
            "客户名称",
            "合同编号",
            "合同名称",
            "签约日期",
            "金额",
            "备注",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = super::super::guess_mapping_for(CONTRACTS, &h);
        assert_eq!(m[0], Some(Target::Name));
        assert_eq!(m[4], Some(Target::Contract(ContractField::Amount)));
        assert_eq!(m[5], None, "a contract has no notes column");
        let m = super::super::guess_mapping_for(PAYMENTS, &h);
        assert_eq!(m[1], Some(Target::Contract(ContractField::Number)));
        assert_eq!(m[4], Some(Target::Payment(PaymentField::Amount)));
        assert_eq!(m[5], Some(Target::Payment(PaymentField::Reference)));
    }
}
