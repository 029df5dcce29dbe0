//! Payment plans, payments (回款) and receivables (issue 13 point 6).
//!
//! - **Plan**: a contract in force (signed, in delivery or completed: its total no longer
//!   changes) gets instalments that sum exactly to its tax-inclusive total. The plan may be
//!   replaced only while nothing has been paid on the contract — once money is allocated to
//!   instalments, moving them would rewrite what the customer was told they owed; a refund of
//!   everything does not reopen the plan (the payments stay on record).
//! - **Payments** go to the oldest due instalment first, or to the instalments named; never more
//!   than is open. **Refunds** are negative entries with a reason, taken off the latest paid
//!   instalments, never more than was paid. Each is one transaction: the contract's row is
//!   locked, the instalments read, the allocation computed by the domain, and each
//!   instalment's `paid_fen` moved by a conditional UPDATE that refuses to pass its amount (or
//!   zero) — so of N people paying the last open amount at once exactly one succeeds.
//! - **Visibility and rights** are the contract's (its customer's scope); recording is for the
//!   contract's owner and the managers (`domain::contract::may_work`).
//! - **Receivables**: open amounts of contracts in force by ageing bucket, grouped by customer,
//!   person (owner), region or the whole scope, over the customers the reader sees.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use salesdesk_domain::collection::{
    self as rules, Ageing, Bucket, InstalmentInput, InstalmentState, PaymentFields, PaymentInput,
};
use salesdesk_domain::contract::{self as crules, ContractStatus};
use salesdesk_domain::{FieldError, FieldErrors, Money};
use salesdesk_store::collections as store;
pub use salesdesk_store::collections::{GroupBy, ReceivableFilter};
use salesdesk_store::contracts as kstore;
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::{Page, audit, regions};
use serde_json::json;

use crate::contracts::today;
use crate::{App, AppError, Ctx, Result};

/// An instalment as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalmentView {
    pub id: i64,
    pub due_date: NaiveDate,
    pub amount: Money,
    pub paid: Money,
    pub open: Money,
    /// Where its open amount stands today.
    pub bucket: Bucket,
    pub days_overdue: i64,
}

/// A payment or a refund as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentView {
    pub id: i64,
    pub contract_id: i64,
    /// `payment` or `refund`.
    pub kind: String,
    pub received_on: NaiveDate,
    /// Signed: a refund is negative.
    pub amount: Money,
    pub reference: String,
    pub reason: String,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A contract's plan and payments.
#[derive(Debug, Clone)]
pub struct Plan {
    pub contract_id: i64,
    pub total: Money,
    pub planned: Money,
    pub paid: Money,
    pub open: Money,
    pub ageing: Ageing,
    pub instalments: Vec<InstalmentView>,
    pub payments: Vec<PaymentView>,
    /// The reader may write the plan now (works on it, in force, nothing paid yet).
    pub can_edit_plan: bool,
    /// Why the plan cannot be edited (an i18n key), when the reader works on the contract.
    pub plan_locked_reason: Option<&'static str>,
    /// The reader may record payments and refunds (works on it, in force, a plan exists).
    pub can_record: bool,
    pub signing_date: NaiveDate,
}

async fn scope(app: &App, ctx: &Ctx) -> Result<Visible> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

fn instalment_view(i: &store::Instalment, today: NaiveDate) -> InstalmentView {
    let open = Money::from_fen(i.amount_fen - i.paid_fen);
    InstalmentView {
        id: i.id,
        due_date: i.due_date,
        amount: Money::from_fen(i.amount_fen),
        paid: Money::from_fen(i.paid_fen),
        open,
        bucket: Bucket::of(i.due_date, today),
        days_overdue: rules::days_overdue(i.due_date, today).max(0),
    }
}

fn state(i: &store::Instalment) -> InstalmentState {
    InstalmentState {
        id: i.id,
        due_date: i.due_date,
        amount: Money::from_fen(i.amount_fen),
        paid: Money::from_fen(i.paid_fen),
    }
}

async fn payment_view(app: &App, p: store::Payment) -> Result<PaymentView> {
    let names = crate::people::display_names(app).await?;
    Ok(PaymentView {
        id: p.id,
        contract_id: p.contract_id,
        kind: p.kind,
        received_on: p.received_on,
        amount: Money::from_fen(p.amount_fen),
        reference: p.reference,
        reason: p.reason,
        created_by_name: p.created_by.and_then(|u| names.get(&u).cloned()),
        created_at: p.created_at,
    })
}

fn status_of(k: &kstore::Contract) -> ContractStatus {
    ContractStatus::parse(&k.status).unwrap_or(ContractStatus::Draft)
}

/// A contract's plan and payments ("not found" outside the reader's scope).
pub async fn plan(app: &App, ctx: &Ctx, contract_id: i64) -> Result<Plan> {
    let v = scope(app, ctx).await?;
    let db = app.db.read();
    let k = kstore::get(db, contract_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today(app);
    let rows = store::instalments(db, contract_id).await?;
    let payments = store::payments(db, contract_id).await?;
    let mut ageing = Ageing::default();
    let instalments: Vec<InstalmentView> = rows.iter().map(|i| instalment_view(i, today)).collect();
    for i in &instalments {
        if i.open > Money::ZERO {
            ageing.add(i.bucket, i.open);
        }
    }
    let planned = Money::sum(instalments.iter().map(|i| i.amount)).unwrap_or_default();
    let paid = Money::sum(instalments.iter().map(|i| i.paid)).unwrap_or_default();
    let works = crules::may_work(&ctx.actor, k.owner_id);
    let in_force = status_of(&k).counts_as_signed();
    let plan_locked_reason = if !in_force {
        Some("collection.plan_needs_signed")
    } else if !payments.is_empty() {
        Some("collection.plan_has_payments")
    } else {
        None
    };
    let mut views = Vec::with_capacity(payments.len());
    for p in payments {
        views.push(payment_view(app, p).await?);
    }
    Ok(Plan {
        contract_id,
        total: Money::from_fen(k.total_fen),
        planned,
        paid,
        open: planned.checked_sub(paid).unwrap_or_default(),
        ageing,
        can_edit_plan: works && plan_locked_reason.is_none(),
        plan_locked_reason: if works { plan_locked_reason } else { None },
        can_record: works && in_force && !instalments.is_empty(),
        instalments,
        payments: views,
        signing_date: k.signing_date,
    })
}

/// Writes a contract's plan (replacing one not yet paid on). Checked by the domain: the
/// instalments sum exactly to the total, none due before the signing date. Audited.
pub async fn set_plan(
    app: &App,
    ctx: &Ctx,
    contract_id: i64,
    rows: &[InstalmentInput],
) -> Result<Plan> {
    let v = scope(app, ctx).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    store::lock_contract(&tx, contract_id).await?;
    let k = kstore::get(&tx, contract_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crules::may_work(&ctx.actor, k.owner_id) {
        return Err(AppError::Forbidden);
    }
    if !status_of(&k).counts_as_signed() {
        return Err(AppError::conflict("status", "error.plan_needs_signed"));
    }
    if store::has_payments(&tx, contract_id).await? {
        return Err(AppError::conflict("instalments", "error.plan_has_payments"));
    }
    let plan = rules::parse_plan(rows, k.signing_date, Money::from_fen(k.total_fen))?;
    let before: Vec<_> = store::instalments(&tx, contract_id)
        .await?
        .iter()
        .map(|i| json!({"due_date": i.due_date, "amount": Money::from_fen(i.amount_fen).to_decimal()}))
        .collect();
    let new_rows: Vec<(NaiveDate, i64)> =
        plan.iter().map(|i| (i.due_date, i.amount.fen())).collect();
    store::replace_plan(&tx, contract_id, &new_rows, now).await?;
    // The replaced instalments' reminders find them gone and send nothing.
    crate::collection_reminders::schedule(app, &tx, contract_id).await?;
    let after: Vec<_> = plan
        .iter()
        .map(|i| json!({"due_date": i.due_date, "amount": i.amount.to_decimal()}))
        .collect();
    audit::insert(
        &tx,
        ctx.audit(
            "contract.plan",
            "contract",
            Some(contract_id),
            Some(json!({"instalments": before})),
            Some(json!({"instalments": after})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    plan_after(app, ctx, contract_id).await
}

async fn plan_after(app: &App, ctx: &Ctx, contract_id: i64) -> Result<Plan> {
    plan(app, ctx, contract_id).await
}

/// Records a payment received (allocated oldest due first, or to `named` instalments) or, with
/// `refund`, a refund (a negative entry with a reason). One transaction, audited.
pub async fn record(
    app: &App,
    ctx: &Ctx,
    contract_id: i64,
    input: &PaymentInput,
    named: &[i64],
    refund: bool,
) -> Result<PaymentView> {
    let v = scope(app, ctx).await?;
    let tx = app.db.begin().await?;
    let p = record_in(app, ctx, &tx, &v, contract_id, input, named, refund).await?;
    app.db.commit(tx).await?;
    payment_view(app, p).await
}

/// [`record`]'s work on the caller's transaction (an import records many payments in one):
/// locks the contract, checks, allocates, writes and audits. Every refusal comes before the
/// first write but a lost race on an instalment, which the contract's lock (held to the end of
/// the transaction) rules out once this transaction has it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_in(
    app: &App,
    ctx: &Ctx,
    tx: &salesdesk_store::Tx,
    v: &Visible,
    contract_id: i64,
    input: &PaymentInput,
    named: &[i64],
    refund: bool,
) -> Result<store::Payment> {
    let now = app.config.clock.now();
    store::lock_contract(tx, contract_id).await?;
    let k = kstore::get(tx, contract_id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crules::may_work(&ctx.actor, k.owner_id) {
        return Err(AppError::Forbidden);
    }
    if !status_of(&k).counts_as_signed() {
        return Err(AppError::conflict(
            "status",
            "error.payment_contract_not_signed",
        ));
    }
    let f = PaymentFields::parse(input, today(app), k.signing_date, refund)?;
    let rows = store::instalments(tx, contract_id).await?;
    if rows.is_empty() {
        return Err(AppError::conflict("instalments", "error.payment_no_plan"));
    }
    let states: Vec<InstalmentState> = rows.iter().map(state).collect();
    let allocations = if refund {
        rules::allocate_refund(f.amount, &states)
    } else {
        rules::allocate(f.amount, &states, named)
    }
    .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    let signed = if refund {
        f.amount.checked_neg().unwrap_or_default()
    } else {
        f.amount
    };
    for (inst, amount) in &allocations {
        if !store::add_paid(tx, *inst, amount.fen()).await? {
            // Someone paid (or refunded) meanwhile: nothing of this one is kept.
            let code = if refund {
                "error.refund_above_paid"
            } else {
                "error.payment_above_open"
            };
            return Err(AppError::Conflict(FieldErrors(vec![FieldError::new(
                "amount", code,
            )])));
        }
    }
    let excl = crules::invoice_excl(
        signed,
        Money::from_fen(k.total_fen),
        Money::from_fen(k.total_excl_fen),
    );
    let alloc_fen: Vec<(i64, i64)> = allocations.iter().map(|(i, a)| (*i, a.fen())).collect();
    let p = store::insert_payment(
        tx,
        store::NewPayment {
            contract_id,
            kind: if refund { "refund" } else { "payment" },
            received_on: f.received_on,
            received_month: crules::month_key(f.received_on),
            amount_fen: signed.fen(),
            amount_excl_fen: excl.fen(),
            reference: f.reference.clone(),
            reason: f.reason.clone(),
            created_by: ctx.actor_id(),
            at: now,
        },
        &alloc_fen,
    )
    .await?;
    let paid_before = Money::sum(states.iter().map(|s| s.paid)).unwrap_or_default();
    audit::insert(
        tx,
        ctx.audit(
            if refund { "contract.refund" } else { "contract.payment" },
            "contract",
            Some(contract_id),
            Some(json!({"paid": paid_before.to_decimal()})),
            Some(json!({
                "payment_id": p.id,
                "received_on": f.received_on,
                "amount": signed.to_decimal(),
                "reference": f.reference,
                "reason": f.reason,
                "allocations": alloc_fen.iter().map(|(i, a)| json!({"instalment_id": i, "amount": Money::from_fen(*a).to_decimal()})).collect::<Vec<_>>(),
                "paid": paid_before.checked_add(signed).unwrap_or_default().to_decimal(),
            })),
        ),
    )
    .await?;
    Ok(p)
}

// ---- Receivables ----

/// What a receivables report is grouped by, as the query string says it.
pub fn parse_group(s: &str) -> Option<GroupBy> {
    match s {
        "" | "customer" => Some(GroupBy::Customer),
        "owner" | "person" => Some(GroupBy::Owner),
        "region" => Some(GroupBy::Region),
        "department" | "all" => Some(GroupBy::All),
        _ => None,
    }
}

pub fn group_str(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Customer => "customer",
        GroupBy::Owner => "owner",
        GroupBy::Region => "region",
        GroupBy::All => "department",
    }
}

/// One line of a receivables report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeingLine {
    /// The customer, person or region (none: unowned / no region / the whole scope).
    pub key: Option<i64>,
    pub name: String,
    pub ageing: Ageing,
}

/// A receivables report.
#[derive(Debug, Clone)]
pub struct Receivables {
    pub by: GroupBy,
    pub today: NaiveDate,
    pub lines: Vec<AgeingLine>,
    /// The whole scope (with the same filters).
    pub total: Ageing,
    /// The total is the whole department's: the reader sees every customer and no owner,
    /// region or customer narrows it (a regional manager's total is their region's, so the
    /// page says "total", not "department").
    pub whole_department: bool,
    pub page: Page,
    /// Another page follows.
    pub more: bool,
}

/// The buckets' latest due dates on `today`: 1–30, 31–60, 61–90, over 90.
fn bounds(today: NaiveDate) -> [NaiveDate; 4] {
    let b = |x: Bucket| x.due_on_or_before(today).unwrap_or(today);
    [
        b(Bucket::Days1To30),
        b(Bucket::Days31To60),
        b(Bucket::Days61To90),
        b(Bucket::Over90),
    ]
}

fn to_ageing(b: [i64; 5]) -> Ageing {
    Ageing(b.map(Money::from_fen))
}

/// The receivables report over the reader's scope, grouped by `by`, optionally narrowed.
pub async fn receivables(
    app: &App,
    ctx: &Ctx,
    by: GroupBy,
    filter: &ReceivableFilter,
    page: Page,
) -> Result<Receivables> {
    let v = scope(app, ctx).await?;
    let db = app.db.read();
    let today = today(app);
    let bounds = bounds(today);
    let waiting = fold_if_many_waiting(app).await?;
    let rows = match by {
        GroupBy::All => vec![],
        GroupBy::Customer if filter_is_empty(filter) => {
            customers_owing_most(app, &v, waiting, bounds, page).await?
        }
        _ => store::ageing(db, &v, filter, by, bounds, page.size + 1, page.offset()).await?,
    };
    // When the first page holds every group, the total is their sum (each open instalment is in
    // exactly one group, "nobody" included): no second pass over the instalments.
    let all_groups = by != GroupBy::All && page.offset() == 0 && rows.len() as u64 <= page.size;
    let total = if all_groups {
        let mut t = [0i64; 5];
        for r in &rows {
            for (sum, b) in t.iter_mut().zip(r.buckets) {
                *sum += b;
            }
        }
        to_ageing(t)
    } else {
        store::ageing(db, &v, filter, GroupBy::All, bounds, 1, 0)
            .await?
            .into_iter()
            .next()
            .map(|r| to_ageing(r.buckets))
            .unwrap_or_default()
    };
    let mut lines = named_lines(app, ctx, by, rows).await?;
    let more = lines.len() as u64 > page.size;
    lines.truncate(page.size as usize);
    let whole_department = *v.scope() == Visible::All && filter_is_empty(filter);
    Ok(Receivables {
        by,
        today,
        lines,
        total,
        whole_department,
        page,
        more,
    })
}

fn filter_is_empty(f: &ReceivableFilter) -> bool {
    f.owner.is_none() && f.region.is_none() && f.customer.is_none()
}

/// PostgreSQL appends the changes of what customers owe (m0055) and of the open amounts per day
/// (m0056) as deltas, which a report reads beside the kept amounts: once more than a few hundred
/// wait, the reader folds them first, in a short transaction of its own. The deltas of what
/// customers owe left waiting (0 on SQLite).
async fn fold_if_many_waiting(app: &App) -> Result<u64> {
    let db = app.db.read();
    let owed = store::owed_deltas_waiting(db).await?;
    let days = store::day_deltas_waiting(db).await?;
    if owed <= store::OWED_FOLD_AT && days <= store::OWED_FOLD_AT {
        return Ok(owed);
    }
    let tx = app.db.begin().await?;
    store::fold_receivable_deltas(&tx).await?;
    tx.commit()
        .await
        .map_err(salesdesk_store::StoreError::from)?;
    Ok(store::owed_deltas_waiting(db).await?)
}

/// The page (and one more) of the customers who owe most: chosen by seeks on what the database
/// keeps per customer (m0055), then only their instalments read for the buckets. PostgreSQL
/// appends the amounts' changes as deltas; once more than a few hundred wait, this reader folds
/// them first, in a short transaction of its own.
async fn customers_owing_most(
    app: &App,
    v: &Visible,
    waiting: u64,
    bounds: [NaiveDate; 4],
    page: Page,
) -> Result<Vec<store::AgeingRow>> {
    let db = app.db.read();
    let filter = ReceivableFilter::default();
    let Some(ids) =
        store::customers_owing_most(db, v, waiting, page.size + 1, page.offset()).await?
    else {
        return Ok(store::ageing(
            db,
            v,
            &filter,
            GroupBy::Customer,
            bounds,
            page.size + 1,
            page.offset(),
        )
        .await?);
    };
    let mut rows = store::ageing_of_customers(db, v, &ids, bounds).await?;
    // In the chosen order (the buckets sum to the same amounts, read a moment later).
    let rank: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    rows.sort_by_key(|r| {
        r.key
            .and_then(|k| rank.get(&k).copied())
            .unwrap_or(usize::MAX)
    });
    Ok(rows)
}

/// Up to `limit` groups' open amounts by bucket on `today`, from the `offset`th, the largest
/// first, named (the report's page and the export's pages).
#[expect(
    clippy::too_many_arguments,
    reason = "the report's scope, filter, grouping and page"
)]
pub(crate) async fn ageing_lines(
    app: &App,
    ctx: &Ctx,
    v: &Visible,
    by: GroupBy,
    filter: &ReceivableFilter,
    today: NaiveDate,
    limit: u64,
    offset: u64,
) -> Result<Vec<AgeingLine>> {
    let rows = store::ageing(app.db.read(), v, filter, by, bounds(today), limit, offset).await?;
    named_lines(app, ctx, by, rows).await
}

/// The groups' lines with their names.
async fn named_lines(
    app: &App,
    ctx: &Ctx,
    by: GroupBy,
    rows: Vec<store::AgeingRow>,
) -> Result<Vec<AgeingLine>> {
    let names = key_names(
        app,
        ctx,
        by,
        &rows.iter().filter_map(|r| r.key).collect::<Vec<_>>(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AgeingLine {
            name: r
                .key
                .and_then(|k| names.get(&k).cloned())
                .unwrap_or_default(),
            key: r.key,
            ageing: to_ageing(r.buckets),
        })
        .collect())
}

async fn key_names(
    app: &App,
    ctx: &Ctx,
    by: GroupBy,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    Ok(match by {
        GroupBy::Customer => cstore::names(app.db.read(), ids)
            .await?
            .into_iter()
            .collect(),
        GroupBy::Owner => (*crate::people::display_names(app).await?).clone(),
        GroupBy::Region => {
            let en = ctx.locale == "en";
            regions::list(app.db.read())
                .await?
                .into_iter()
                .map(|r| (r.id, if en { r.name_en } else { r.name }))
                .collect()
        }
        GroupBy::All => Default::default(),
    })
}

/// What one customer owes (the customer page), by bucket.
pub async fn owed_by_customer(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Ageing> {
    let v = scope(app, ctx).await?;
    let f = ReceivableFilter {
        customer: Some(customer_id),
        ..Default::default()
    };
    Ok(store::ageing(
        app.db.read(),
        &v,
        &f,
        GroupBy::All,
        bounds(today(app)),
        1,
        0,
    )
    .await?
    .into_iter()
    .next()
    .map(|r| to_ageing(r.buckets))
    .unwrap_or_default())
}

/// An open instalment in a list (collections, largest overdue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLine {
    pub instalment_id: i64,
    pub contract_id: i64,
    pub contract_number: String,
    pub title: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_name: Option<String>,
    pub due_date: NaiveDate,
    pub open: Money,
    pub days_overdue: i64,
}

async fn due_lines(
    app: &App,
    rows: Vec<store::OpenInstalment>,
    today: NaiveDate,
) -> Result<Vec<DueLine>> {
    let names = crate::people::display_names(app).await?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let customers: std::collections::HashMap<i64, String> = cstore::names(app.db.read(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| DueLine {
            instalment_id: r.instalment_id,
            contract_id: r.contract_id,
            contract_number: crules::number(r.contract_id),
            title: r.title,
            customer_name: customers.get(&r.customer_id).cloned().unwrap_or_default(),
            customer_id: r.customer_id,
            owner_name: r.owner_id.and_then(|o| names.get(&o).cloned()),
            due_date: r.due_date,
            open: Money::from_fen(r.amount_fen - r.paid_fen),
            days_overdue: rules::days_overdue(r.due_date, today).max(0),
        })
        .collect())
}

/// A person's collections: what is open and due this week (Monday to Sunday, overdue ones
/// included) and this month.
#[derive(Debug, Clone)]
pub struct Collections {
    pub today: NaiveDate,
    pub week_end: NaiveDate,
    pub month_end: NaiveDate,
    pub week: Vec<DueLine>,
    pub month: Vec<DueLine>,
}

/// The most lines each list shows.
pub const LIST_LIMIT: u64 = 200;

/// The collections of `owner` (default: the reader) over the reader's scope: open instalments
/// due by the end of this week and of this month, overdue ones first.
pub async fn collections(app: &App, ctx: &Ctx, owner: Option<i64>) -> Result<Collections> {
    let v = scope(app, ctx).await?;
    let today = today(app);
    let week_end = today
        .checked_add_days(Days::new(u64::from(
            6 - today.weekday().num_days_from_monday(),
        )))
        .unwrap_or(today);
    let month_end = (if today.month() == 12 {
        NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)
    })
    .and_then(|d| d.pred_opt())
    .unwrap_or(today);
    let f = ReceivableFilter {
        owner: owner.or(ctx.actor_id()),
        ..Default::default()
    };
    let db = app.db.read();
    let week = store::open_instalments(db, &v, &f, None, Some(week_end), false, LIST_LIMIT).await?;
    let month =
        store::open_instalments(db, &v, &f, None, Some(month_end), false, LIST_LIMIT).await?;
    Ok(Collections {
        today,
        week_end,
        month_end,
        week: due_lines(app, week, today).await?,
        month: due_lines(app, month, today).await?,
    })
}

/// The largest overdue amounts over the reader's scope (the director's view).
pub async fn largest_overdue(app: &App, ctx: &Ctx, limit: u64) -> Result<Vec<DueLine>> {
    let v = scope(app, ctx).await?;
    let today = today(app);
    let yesterday = today.pred_opt().unwrap_or(today);
    let rows = store::open_instalments(
        app.db.read(),
        &v,
        &ReceivableFilter::default(),
        None,
        Some(yesterday),
        true,
        limit.min(LIST_LIMIT),
    )
    .await?;
    due_lines(app, rows, today).await
}
