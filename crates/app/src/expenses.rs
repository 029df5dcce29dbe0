//! Business expenses and budgets (业务费用, issue 14 point 1): claims with receipts, their
//! routed approval, budgets per region and period, the spend against them, and the export for
//! the finance department. The rules are `domain::expense`'s; this module runs them in one
//! transaction per use case.
//!
//! - **Who sees a claim**: its claimant; whoever it waits for; the people who lead the claimant
//!   (the managers' data scope: a regional manager their region's claims, the e-office manager
//!   their team's, the director and the VP every claim). Outside that a claim is "not found".
//! - **Claims are one's own**: the claimant is always the person signed in; an API call naming
//!   someone else is refused (`claimant_id`).
//! - **Approval**: see `domain::expense`. The first approver is the claimant's manager; the
//!   director's step follows above the threshold (`expenses` settings, the director's). The
//!   director is the active person in that position (the first by name when there are
//!   several); a vacant position is an error naming it, never a silent skip.
//! - **Budgets** are the director's and the VP's; the regional manager sees their region's.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use salesdesk_domain::expense::{
    self as rules, Action, BudgetUse, ExpenseFields, ExpenseInput, ExpenseState, Period,
    PeriodKind, Person,
};
use salesdesk_domain::{FieldError, FieldErrors, Money, Position};
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::expenses::{self as store, Decision, Fields, Filter, Scope};
use salesdesk_store::{Page, Paged, audit, notifications, regions, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::attachments::Attachments;
use crate::{App, AppError, Ctx, Result};

// ---- Settings ----

/// The expense settings (stored under the `expenses` key): the director's threshold and which
/// categories count as sales cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpenseSettings {
    /// Above this (fen) a claim needs the director's approval as well.
    pub threshold_fen: i64,
    /// The categories whose approved claims count as sales cost (`domain::expense::COST_RULE`).
    pub cost_categories: Vec<String>,
}

impl Default for ExpenseSettings {
    fn default() -> Self {
        ExpenseSettings {
            threshold_fen: rules::DEFAULT_THRESHOLD.fen(),
            cost_categories: rules::DEFAULT_CATEGORIES
                .iter()
                .map(|c| c.0.to_string())
                .collect(),
        }
    }
}

const SETTINGS_KEY: &str = "expenses";

/// The current settings (cached).
pub async fn settings(app: &App) -> Result<ExpenseSettings> {
    app.cached("settings:expenses".into(), async {
        Ok(
            match salesdesk_store::settings::get(app.db.read(), SETTINGS_KEY).await? {
                Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
                None => ExpenseSettings::default(),
            },
        )
    })
    .await
}

/// Who sets the threshold, the cost rule and budgets: the director and the VP.
pub fn may_set(ctx: &Ctx) -> bool {
    rules::may_set_budgets(ctx.actor.position)
}

/// The settings as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsText {
    #[serde(default)]
    pub threshold: String,
    #[serde(default)]
    pub cost_categories: Vec<String>,
}

/// Changes the settings, audited (`settings.expenses`). Errors name `threshold` and
/// `cost_categories`.
pub async fn put_settings(app: &App, ctx: &Ctx, t: &SettingsText) -> Result<ExpenseSettings> {
    if !may_set(ctx) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let threshold = errs.take(Money::parse_amount(
        "threshold",
        &t.threshold,
        rules::MAX_AMOUNT,
    ));
    let known = category_codes(app, true).await?;
    let mut cost = Vec::new();
    for c in &t.cost_categories {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        if !known.iter().any(|k| k == c) {
            errs.push(FieldError::new("cost_categories", "error.expense_category"));
            break;
        }
        if !cost.iter().any(|x: &String| x == c) {
            cost.push(c.to_string());
        }
    }
    errs.into_result()?;
    let new = ExpenseSettings {
        threshold_fen: threshold.map(Money::fen).unwrap_or_default(),
        cost_categories: cost,
    };
    let before = settings(app).await?;
    crate::settings::save_section(app, ctx, SETTINGS_KEY, &before, &new).await?;
    Ok(new)
}

/// The codes of the category list (only the active ones unless `all`), in display order.
pub async fn category_codes(app: &App, all: bool) -> Result<Vec<String>> {
    Ok(crate::choices::all(app)
        .await?
        .iter()
        .filter(|c| c.list == rules::CATEGORY_LIST && (all || c.active))
        .map(|c| c.code.clone())
        .collect())
}

// ---- Views ----

/// A receipt as pages and the API list it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptInfo {
    pub id: i64,
    pub version: i32,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub added_at: DateTime<Utc>,
}

/// A submitted version.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub version: i32,
    pub category: String,
    pub expense_date: NaiveDate,
    pub amount: Money,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// A step of the approval.
#[derive(Debug, Clone, Serialize)]
pub struct EventInfo {
    pub version: i32,
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// A budget the claim counts against, and how it stands with the claim in it.
#[derive(Debug, Clone)]
pub struct BudgetCheck {
    pub region_id: i64,
    pub region_name: String,
    pub period: String,
    pub budget: Money,
    /// Approved and pending, this claim included.
    pub committed: Money,
    pub over: bool,
}

/// A claim as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Expense {
    pub id: i64,
    pub claimant_id: i64,
    pub claimant_name: Option<String>,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub category: String,
    pub expense_date: NaiveDate,
    pub amount: Money,
    pub description: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub deal_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub state: ExpenseState,
    pub version: i32,
    pub needs_director: bool,
    pub approver_id: Option<i64>,
    pub approver_name: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub manager_by_name: Option<String>,
    pub manager_at: Option<DateTime<Utc>>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub returned_by_name: Option<String>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_comment: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The reader may approve or return it now.
    pub can_decide: bool,
    /// The reader is the claimant and it is returned: they may revise and resubmit it.
    pub can_revise: bool,
    /// The reader may add a receipt (the claimant, before the approval ends).
    pub can_attach: bool,
    /// Filled by [`get`] only.
    pub receipts: Vec<ReceiptInfo>,
    pub versions: Vec<VersionInfo>,
    pub events: Vec<EventInfo>,
    pub budgets: Vec<BudgetCheck>,
}

fn state_of(e: &store::Expense) -> ExpenseState {
    ExpenseState::parse(&e.state).unwrap_or(ExpenseState::PendingManager)
}

fn me(ctx: &Ctx) -> Person {
    Person {
        id: ctx.actor.user_id,
        position: ctx.actor.position,
    }
}

async fn views(app: &App, ctx: &Ctx, rows: Vec<store::Expense>) -> Result<Vec<Expense>> {
    let names = crate::people::display_names(app).await?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned());
    let region_names: HashMap<i64, String> = crate::people::regions_cached(app)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut customer_ids: Vec<i64> = rows.iter().filter_map(|e| e.customer_id).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let customers: HashMap<i64, String> = cstore::names(app.db.read(), &customer_ids)
        .await?
        .into_iter()
        .collect();
    let actor = me(ctx);
    Ok(rows
        .into_iter()
        .map(|e| {
            let state = state_of(&e);
            let mine = e.claimant_id == ctx.actor.user_id;
            Expense {
                id: e.id,
                claimant_id: e.claimant_id,
                claimant_name: name(Some(e.claimant_id)),
                region_id: e.region_id,
                region_name: e.region_id.and_then(|r| region_names.get(&r).cloned()),
                category: e.category.clone(),
                expense_date: e.expense_date,
                amount: Money::from_fen(e.amount_fen),
                description: e.description.clone(),
                customer_id: e.customer_id,
                customer_name: e.customer_id.and_then(|c| customers.get(&c).cloned()),
                deal_id: e.deal_id,
                contract_id: e.contract_id,
                state,
                version: e.version,
                needs_director: e.needs_director,
                approver_id: e.approver_id,
                approver_name: name(e.approver_id),
                submitted_at: e.submitted_at,
                manager_by_name: name(e.manager_by),
                manager_at: e.manager_at,
                approved_by_name: name(e.approved_by),
                approved_at: e.approved_at,
                returned_by_name: name(e.returned_by),
                returned_at: e.returned_at,
                return_comment: e.return_comment.clone(),
                updated_at: e.updated_at,
                can_decide: state.is_pending()
                    && rules::may_decide(actor, e.claimant_id, e.approver_id)
                    && (state != ExpenseState::PendingDirector
                        || rules::is_director_level(actor.position)
                        || e.approver_id == Some(actor.id)),
                can_revise: mine && state == ExpenseState::Returned,
                can_attach: mine && state != ExpenseState::Approved,
                receipts: vec![],
                versions: vec![],
                events: vec![],
                budgets: vec![],
            }
        })
        .collect())
}

/// The claims the reader sees.
pub async fn scope(app: &App, ctx: &Ctx) -> Result<Scope> {
    let me = ctx.actor.user_id;
    if rules::is_director_level(ctx.actor.position) {
        return Ok(Scope::All);
    }
    if rules::sees_others(ctx.actor.position) {
        let v = crate::customers::scope_of(app, ctx, ctx.actor.data_scope()).await?;
        if let Visible::Some { owners, regions } = v {
            return Ok(Scope::Some {
                me,
                claimants: owners,
                regions,
            });
        }
    }
    Ok(Scope::Some {
        me,
        claimants: vec![me],
        regions: vec![],
    })
}

/// One claim with its receipts, versions, approval steps and budgets ("not found" outside the
/// reader's view).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Expense> {
    let s = scope(app, ctx).await?;
    let db = app.db.read();
    let e = store::get(db, id, &s).await?.ok_or(AppError::NotFound)?;
    let counted = state_of(&e).counts_against_budget();
    let (region_id, date, amount) = (e.region_id, e.expense_date, e.amount_fen);
    let mut x = views(app, ctx, vec![e]).await?.remove(0);
    let names = crate::people::display_names(app).await?;
    x.receipts = store::receipts(db, id)
        .await?
        .into_iter()
        .map(|r| ReceiptInfo {
            id: r.id,
            version: r.version,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            added_at: r.added_at,
        })
        .collect();
    x.versions = store::versions(db, id)
        .await?
        .into_iter()
        .map(|v| VersionInfo {
            version: v.version,
            category: v.category,
            expense_date: v.expense_date,
            amount: Money::from_fen(v.amount_fen),
            description: v.description,
            created_at: v.created_at,
        })
        .collect();
    x.events = store::events(db, id)
        .await?
        .into_iter()
        .map(|v| EventInfo {
            version: v.version,
            action: v.action,
            actor_id: v.actor_id,
            actor_name: v.actor_id.and_then(|a| names.get(&a).cloned()),
            from_state: v.from_state,
            to_state: v.to_state,
            comment: v.comment,
            at: v.at,
        })
        .collect();
    if let Some(r) = region_id {
        let extra = if counted { 0 } else { amount };
        x.budgets = budget_checks(app, r, date, Money::from_fen(extra)).await?;
    }
    Ok(x)
}

/// The budgets of `region_id` and the regions above it whose period contains `date`, with
/// `extra` (a claim not counted yet) added to what is committed.
pub async fn budget_checks(
    app: &App,
    region_id: i64,
    date: NaiveDate,
    extra: Money,
) -> Result<Vec<BudgetCheck>> {
    let db = app.db.read();
    let all = crate::people::regions_cached(app).await?;
    let mut chain = vec![region_id];
    let mut cur = region_id;
    while let Some(p) = all.iter().find(|r| r.id == cur).and_then(|r| r.parent_id) {
        if chain.contains(&p) {
            break;
        }
        chain.push(p);
        cur = p;
    }
    let year = Period::containing(PeriodKind::Year, date);
    let budgets = store::budgets(db, year.start, year.end()).await?;
    let totals = store::totals(
        db,
        rules::month_key(year.start),
        rules::month_key(year.end()),
    )
    .await?;
    let mut out = Vec::new();
    for r in chain {
        for kind in PeriodKind::ALL {
            let p = Period::containing(kind, date);
            let Some(b) = budgets.iter().find(|b| {
                b.region_id == r && b.period_kind == kind.as_str() && b.period_start == p.start
            }) else {
                continue;
            };
            let branches = branches_of(&all, r);
            let u = use_of(&totals, &branches, p, Money::from_fen(b.amount_fen));
            let committed = u.committed().checked_add(extra).unwrap_or(u.committed());
            out.push(BudgetCheck {
                region_id: r,
                region_name: all
                    .iter()
                    .find(|x| x.id == r)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                period: p.label(),
                budget: u.budget,
                committed,
                over: committed > u.budget,
            });
        }
    }
    Ok(out)
}

/// A region and every unit below it.
fn branches_of(all: &[regions::Region], id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for r in all {
            if r.parent_id == Some(p) && !out.contains(&r.id) {
                out.push(r.id);
            }
        }
        i += 1;
    }
    out
}

fn use_of(totals: &[store::Total], regions: &[i64], p: Period, budget: Money) -> BudgetUse {
    let (from, to) = p.months();
    let (mut approved, mut pending) = (0i64, 0i64);
    for t in totals {
        if t.month >= from && t.month <= to && regions.contains(&t.region_id) {
            if t.approved {
                approved += t.amount_fen;
            } else {
                pending += t.amount_fen;
            }
        }
    }
    BudgetUse {
        budget,
        approved: Money::from_fen(approved),
        pending: Money::from_fen(pending),
    }
}

/// What a list of claims is filtered by, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub claimant_id: Option<i64>,
    #[serde(default)]
    pub region_id: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub customer_id: Option<i64>,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Only those waiting for the reader's decision.
    #[serde(default)]
    pub waiting: bool,
}

async fn store_filter(app: &App, ctx: &Ctx, f: &ListFilter) -> Result<Filter> {
    if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty())
        && ExpenseState::parse(s).is_none()
    {
        return Err(AppError::Validation(FieldErrors(vec![FieldError::new(
            "state",
            "error.invalid_choice",
        )])));
    }
    let regions = match f.region_id {
        Some(r) => Some(regions::with_branches(app.db.read(), r).await?),
        None => None,
    };
    Ok(Filter {
        state: f.state.clone().filter(|s| !s.is_empty()),
        claimant_id: f.claimant_id,
        regions,
        category: f.category.clone().filter(|s| !s.is_empty()),
        customer_id: f.customer_id,
        from: f.from,
        to: f.to,
        waiting_for: f.waiting.then_some(ctx.actor.user_id),
    })
}

/// A page of the claims the reader sees.
pub async fn list(app: &App, ctx: &Ctx, f: &ListFilter, page: Page) -> Result<Paged<Expense>> {
    let s = scope(app, ctx).await?;
    let filter = store_filter(app, ctx, f).await?;
    let p = store::list(app.db.read(), &filter, &s, page).await?;
    let items = views(app, ctx, p.items).await?;
    Ok(Paged {
        items,
        total: p.total,
        total_exact: p.total_exact,
        page: p.page,
    })
}

/// How many claims wait for the reader's decision.
pub async fn waiting_count(app: &App, ctx: &Ctx) -> Result<u64> {
    if ctx.actor.user_id == 0 {
        return Ok(0);
    }
    Ok(store::count_waiting(app.db.read(), ctx.actor.user_id).await?)
}

// ---- Claiming ----

/// A claim as typed, with what it was for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClaimInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub expense_date: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub customer_id: Option<i64>,
    #[serde(default)]
    pub deal_id: Option<i64>,
    #[serde(default)]
    pub contract_id: Option<i64>,
    /// Must be the person signed in when given: nobody claims on someone else's behalf.
    #[serde(default)]
    pub claimant_id: Option<i64>,
}

/// A receipt uploaded with a claim.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The claim's fields checked, its links checked against what the claimant sees.
async fn checked(app: &App, ctx: &Ctx, i: &ClaimInput) -> Result<Fields> {
    if i.claimant_id.is_some_and(|c| c != ctx.actor.user_id) {
        return Err(AppError::Validation(FieldErrors(vec![FieldError::new(
            "claimant_id",
            "error.expense_on_behalf",
        )])));
    }
    let codes = category_codes(app, false).await?;
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let today = crate::records::today(app);
    let mut errs = FieldErrors::new();
    let fields = match ExpenseFields::parse(
        &ExpenseInput {
            category: i.category.clone(),
            expense_date: i.expense_date.clone(),
            amount: i.amount.clone(),
            description: i.description.clone(),
        },
        today,
        &codes,
    ) {
        Ok(f) => Some(f),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    };
    let v = crate::customers::visible(app, ctx).await?;
    let db = app.db.read();
    let mut customer_id = i.customer_id;
    if let Some(k) = i.contract_id {
        match salesdesk_store::contracts::get(db, k, &v).await? {
            Some(c) => {
                if customer_id.is_some_and(|x| x != c.customer_id) {
                    errs.push(FieldError::new(
                        "contract_id",
                        "error.expense_link_mismatch",
                    ));
                }
                customer_id = Some(c.customer_id);
            }
            None => errs.push(FieldError::new("contract_id", "error.expense_link")),
        }
    }
    if let Some(d) = i.deal_id {
        match salesdesk_store::deals::get(db, d, &v).await? {
            Some(d) => {
                if customer_id.is_some_and(|x| x != d.customer_id) {
                    errs.push(FieldError::new("deal_id", "error.expense_link_mismatch"));
                }
                customer_id = Some(d.customer_id);
            }
            None => errs.push(FieldError::new("deal_id", "error.expense_link")),
        }
    }
    if let Some(c) = customer_id
        && i.deal_id.is_none()
        && i.contract_id.is_none()
        && cstore::get(db, c, &v).await?.is_none()
    {
        errs.push(FieldError::new("customer_id", "error.expense_link"));
    }
    errs.into_result()?;
    let f = fields.ok_or_else(|| AppError::Internal("checked fields".into()))?;
    Ok(Fields {
        category: f.category,
        expense_date: f.expense_date,
        month: rules::month_key(f.expense_date),
        amount_fen: f.amount.fen(),
        description: f.description,
        customer_id,
        deal_id: i.deal_id,
        contract_id: i.contract_id,
    })
}

/// The active person in a position (the first by name), as an approver.
async fn in_post(app: &App, position: Position) -> Result<Option<Person>> {
    Ok(
        users::active_with_positions(app.db.read(), &[position.as_str()])
            .await?
            .into_iter()
            .next()
            .map(|u| Person {
                id: u.id,
                position: Some(position),
            }),
    )
}

/// Who is asked first for the claimant's claim; a vacant position is a conflict naming it.
async fn first_approver(app: &App, claimant: &users::User) -> Result<i64> {
    let me = Person {
        id: claimant.id,
        position: claimant.position.as_deref().and_then(Position::parse),
    };
    let manager = match claimant.manager_id {
        Some(m) => users::get(app.db.read(), m)
            .await?
            .filter(|u| u.active)
            .map(|u| Person {
                id: u.id,
                position: u.position.as_deref().and_then(Position::parse),
            }),
        None => None,
    };
    let director = in_post(app, Position::SalesDirector).await?;
    let vp = in_post(app, Position::SalesVp).await?;
    rules::first_approver(me, manager, director, vp)
        .map(|p| p.id)
        .ok_or_else(|| AppError::conflict("approver", "error.expense_no_approver"))
}

/// Checks the receipts before anything is written.
fn check_uploads(uploads: &[Upload], already: usize) -> Result<Vec<(String, &'static str)>> {
    if uploads.len() + already > rules::MAX_RECEIPTS {
        return Err(AppError::Validation(FieldErrors(vec![
            FieldError::with_arg("file", "error.expense_receipts_many", rules::MAX_RECEIPTS),
        ])));
    }
    uploads
        .iter()
        .map(|u| {
            rules::check_receipt(&u.file_name, &u.bytes)
                .map_err(|e| AppError::Validation(FieldErrors(vec![e])))
        })
        .collect()
}

/// Writes checked receipts' files (before the rows: a file without a row is harmless, a row
/// without its file would not be) and returns their keys.
fn store_files(app: &App, uploads: &[Upload]) -> Result<Vec<String>> {
    let files = Attachments::new(&app.config.attachments_dir);
    uploads
        .iter()
        .map(|u| {
            files
                .store(&u.bytes)
                .map_err(|e| AppError::Internal(format!("storing a receipt: {e}")))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn insert_receipts(
    tx: &salesdesk_store::Tx,
    ctx: &Ctx,
    id: i64,
    version: i32,
    uploads: &[Upload],
    checked: &[(String, &'static str)],
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    for ((u, (name, kind)), key) in uploads.iter().zip(checked).zip(keys) {
        store::insert_receipt(
            tx,
            store::NewReceipt {
                expense_id: id,
                version,
                file_name: name.clone(),
                content_type: (*kind).into(),
                size: u.bytes.len() as i64,
                sha256: key.clone(),
                added_by: ctx.actor_id(),
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

fn snapshot(f: &Fields) -> serde_json::Value {
    json!({"category": f.category, "expense_date": f.expense_date,
           "amount": Money::from_fen(f.amount_fen).to_decimal(),
           "description": f.description, "customer_id": f.customer_id,
           "deal_id": f.deal_id, "contract_id": f.contract_id})
}

/// Claims an expense for the person signed in, with its receipts: it waits for their manager.
/// One transaction: the claim, its version 1, its receipts, the audit record and the
/// approver's notification.
pub async fn create(app: &App, ctx: &Ctx, i: &ClaimInput, uploads: &[Upload]) -> Result<Expense> {
    if ctx.actor.position.is_none() {
        return Err(AppError::Forbidden);
    }
    let fields = checked(app, ctx, i).await?;
    let checked_files = check_uploads(uploads, 0)?;
    let claimant = users::get(app.db.read(), ctx.actor.user_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let approver = first_approver(app, &claimant).await?;
    let threshold = Money::from_fen(settings(app).await?.threshold_fen);
    let needs_director = rules::needs_director(Money::from_fen(fields.amount_fen), threshold);
    let keys = store_files(app, uploads)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let e = store::insert(
        &tx,
        store::NewExpense {
            claimant_id: claimant.id,
            region_id: claimant.region_id,
            fields: fields.clone(),
            needs_director,
            approver_id: approver,
            at: now,
        },
    )
    .await?;
    insert_receipts(&tx, ctx, e.id, 1, uploads, &checked_files, &keys, now).await?;
    store::insert_event(
        &tx,
        e.id,
        1,
        "submit",
        ctx.actor_id(),
        None,
        ExpenseState::PendingManager.as_str(),
        None,
        now,
    )
    .await?;
    let mut after = snapshot(&fields);
    after["approver_id"] = json!(approver);
    after["needs_director"] = json!(needs_director);
    after["receipts"] = json!(keys);
    audit::insert(
        &tx,
        ctx.audit("expense.create", "expense", Some(e.id), None, Some(after)),
    )
    .await?;
    notify_approver(&tx, ctx, approver, e.id, fields.amount_fen).await?;
    app.db.commit(tx).await?;
    get(app, ctx, e.id).await
}

async fn notify_approver(
    tx: &salesdesk_store::Tx,
    ctx: &Ctx,
    approver: i64,
    id: i64,
    amount_fen: i64,
) -> Result<()> {
    notifications::insert_about(
        tx,
        approver,
        "expense_submitted",
        json!({"who": ctx.display_name, "amount": Money::from_fen(amount_fen).display()}),
        Some(format!("/expenses/{id}")),
        Some(("expense", id)),
    )
    .await?;
    Ok(())
}

/// Approves or returns a pending claim. `version`, when given, is the version the decider saw:
/// a claim resubmitted since is not decided blindly. One conditional UPDATE on the state and
/// version read: of two deciders at once one does it, the other gets 409.
pub async fn decide(
    app: &App,
    ctx: &Ctx,
    id: i64,
    action: Action,
    comment: &str,
    version: Option<i32>,
) -> Result<Expense> {
    let comment = match action {
        Action::Return => Some(
            rules::parse_comment(comment)
                .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?,
        ),
        Action::Approve => {
            salesdesk_domain::validate::optional_long_text("comment", comment, rules::MAX_COMMENT)
                .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?
        }
        Action::Resubmit => return Err(AppError::Forbidden),
    };
    let s = scope(app, ctx).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let e = store::get(&tx, id, &s).await?.ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != e.version) {
        return Err(AppError::conflict("version", "error.expense_changed"));
    }
    let from = state_of(&e);
    let actor = me(ctx);
    if e.claimant_id == actor.id {
        return Err(AppError::conflict("state", "error.expense_own"));
    }
    if from.is_pending() && !rules::may_decide(actor, e.claimant_id, e.approver_id) {
        // The manager who gave the first approval, a moment ago or in another tab: the claim
        // has moved on to the director, which is a state to explain, not a refusal.
        if from == ExpenseState::PendingDirector && e.manager_by == Some(actor.id) {
            return Err(AppError::conflict("state", "error.expense_director_step"));
        }
        return Err(AppError::Forbidden);
    }
    let by_director = rules::is_director_level(actor.position);
    let to = rules::check(from, action, e.needs_director, by_director)
        .map_err(|k| AppError::conflict("state", k))?;
    let mut next_approver = None;
    if to == ExpenseState::PendingDirector {
        let claimant = Person {
            id: e.claimant_id,
            position: users::get(&tx, e.claimant_id)
                .await?
                .and_then(|u| u.position.as_deref().and_then(Position::parse)),
        };
        let director = in_post(app, Position::SalesDirector).await?;
        let vp = in_post(app, Position::SalesVp).await?;
        next_approver = Some(
            rules::second_approver(claimant, director, vp)
                .map(|p| p.id)
                .ok_or_else(|| AppError::conflict("approver", "error.expense_no_director"))?,
        );
    }
    let decision = Decision {
        to: to.as_str(),
        approver_id: next_approver,
        by: actor.id,
        manager_step: from == ExpenseState::PendingManager && action == Action::Approve,
        approved: to == ExpenseState::Approved,
        returned_comment: comment.clone().filter(|_| action == Action::Return),
    };
    if !store::decide(&tx, id, from.as_str(), e.version, decision, now).await? {
        return Err(AppError::conflict("state", "error.expense_changed"));
    }
    store::insert_event(
        &tx,
        id,
        e.version,
        action.as_str(),
        ctx.actor_id(),
        Some(from.as_str()),
        to.as_str(),
        comment.clone(),
        now,
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            &format!("expense.{}", action.as_str()),
            "expense",
            Some(id),
            Some(json!({"state": from.as_str(), "version": e.version})),
            Some(json!({"state": to.as_str(), "approver_id": next_approver,
                        "comment": comment,
                        "amount": Money::from_fen(e.amount_fen).to_decimal()})),
        ),
    )
    .await?;
    notifications::mark_done(&tx, "expense", id).await?;
    let params = json!({"who": ctx.display_name,
                        "amount": Money::from_fen(e.amount_fen).display(),
                        "comment": comment.clone().unwrap_or_default()});
    let link = Some(format!("/expenses/{id}"));
    match to {
        ExpenseState::PendingDirector => {
            if let Some(a) = next_approver {
                notify_approver(&tx, ctx, a, id, e.amount_fen).await?;
            }
        }
        ExpenseState::Approved => {
            notifications::insert(&tx, e.claimant_id, "expense_approved", params, link).await?;
        }
        ExpenseState::Returned => {
            notifications::insert(&tx, e.claimant_id, "expense_returned", params, link).await?;
        }
        ExpenseState::PendingManager => {}
    }
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The claimant's revision of a returned claim, with more receipts if any: a new version that
/// waits for the first approver again. `version` is the returned version the claimant revised.
pub async fn resubmit(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &ClaimInput,
    uploads: &[Upload],
    version: Option<i32>,
) -> Result<Expense> {
    let s = scope(app, ctx).await?;
    let e = store::get(app.db.read(), id, &s)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.claimant_id != ctx.actor.user_id {
        return Err(AppError::Forbidden);
    }
    rules::check(state_of(&e), Action::Resubmit, false, false)
        .map_err(|k| AppError::conflict("state", k))?;
    let version = version.unwrap_or(e.version);
    if version != e.version {
        return Err(AppError::conflict("version", "error.expense_changed"));
    }
    let fields = checked(app, ctx, i).await?;
    let already = store::receipts(app.db.read(), id).await?.len();
    let checked_files = check_uploads(uploads, already)?;
    let claimant = users::get(app.db.read(), ctx.actor.user_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let approver = first_approver(app, &claimant).await?;
    let threshold = Money::from_fen(settings(app).await?.threshold_fen);
    let needs_director = rules::needs_director(Money::from_fen(fields.amount_fen), threshold);
    let keys = store_files(app, uploads)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    if !store::resubmit(
        &tx,
        id,
        version,
        &fields,
        needs_director,
        approver,
        claimant.id,
        now,
    )
    .await?
    {
        return Err(AppError::conflict("state", "error.expense_changed"));
    }
    insert_receipts(
        &tx,
        ctx,
        id,
        version + 1,
        uploads,
        &checked_files,
        &keys,
        now,
    )
    .await?;
    store::insert_event(
        &tx,
        id,
        version + 1,
        "resubmit",
        ctx.actor_id(),
        Some(ExpenseState::Returned.as_str()),
        ExpenseState::PendingManager.as_str(),
        None,
        now,
    )
    .await?;
    let mut after = snapshot(&fields);
    after["version"] = json!(version + 1);
    after["approver_id"] = json!(approver);
    audit::insert(
        &tx,
        ctx.audit(
            "expense.resubmit",
            "expense",
            Some(id),
            Some(snapshot(&store::fields_of(&e))),
            Some(after),
        ),
    )
    .await?;
    notifications::mark_done(&tx, "expense", id).await?;
    notify_approver(&tx, ctx, approver, id, fields.amount_fen).await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// Adds a receipt to one's own claim before its approval ends.
pub async fn attach(app: &App, ctx: &Ctx, id: i64, upload: Upload) -> Result<Expense> {
    let s = scope(app, ctx).await?;
    let e = store::get(app.db.read(), id, &s)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.claimant_id != ctx.actor.user_id {
        return Err(AppError::Forbidden);
    }
    if state_of(&e) == ExpenseState::Approved {
        return Err(AppError::conflict(
            "state",
            "error.expense_already_approved",
        ));
    }
    let already = store::receipts(app.db.read(), id).await?.len();
    let uploads = [upload];
    let checked_files = check_uploads(&uploads, already)?;
    let keys = store_files(app, &uploads)?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    insert_receipts(
        &tx,
        ctx,
        id,
        e.version,
        &uploads,
        &checked_files,
        &keys,
        now,
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "expense.attach",
            "expense",
            Some(id),
            None,
            Some(json!({"file_name": checked_files[0].0, "sha256": keys[0],
                        "size": uploads[0].bytes.len()})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// A receipt's name, content type and bytes, for someone who sees its claim.
pub async fn receipt(
    app: &App,
    ctx: &Ctx,
    id: i64,
    receipt_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let s = scope(app, ctx).await?;
    store::get(app.db.read(), id, &s)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = store::receipt(app.db.read(), receipt_id)
        .await?
        .filter(|r| r.expense_id == id)
        .ok_or(AppError::NotFound)?;
    let bytes = Attachments::new(&app.config.attachments_dir)
        .read(&r.sha256)
        .map_err(|e| AppError::Internal(format!("reading receipt {}: {e}", r.id)))?;
    Ok((r.file_name, r.content_type, bytes))
}

// ---- Budgets ----

/// One region's row of the budget page.
#[derive(Debug, Clone)]
pub struct RegionSpend {
    pub region_id: i64,
    pub region_name: String,
    /// A branch office's parent.
    pub parent_id: Option<i64>,
    /// The selected period's budget (`None`: not set), approved and pending (the region and its
    /// branches).
    pub budget: Option<Money>,
    pub approved: Money,
    pub pending: Money,
    pub left: Option<Money>,
    pub percent_used: Option<i64>,
    pub over: bool,
    /// Approved per month of the year, January first, and each month's budget when set.
    pub months: Vec<Money>,
    pub month_budgets: Vec<Option<Money>>,
    /// Approved sales cost of the year (the cost categories).
    pub cost: Money,
}

/// The budget page: every visible region's spend against the budget of a period, and its
/// approved spend per month of the period's year.
#[derive(Debug, Clone)]
pub struct BudgetBoard {
    pub period: String,
    pub year: i32,
    pub rows: Vec<RegionSpend>,
    pub total_budget: Money,
    pub total_approved: Money,
    pub total_pending: Money,
    pub may_set: bool,
    /// The categories counting as sales cost.
    pub cost_categories: Vec<String>,
}

/// Which regions the reader sees budgets of: every one for the director and the VP, their
/// region and its branches for a regional manager; anyone else is refused.
async fn budget_regions(app: &App, ctx: &Ctx) -> Result<Vec<regions::Region>> {
    let all = crate::people::regions_cached(app).await?;
    if rules::is_director_level(ctx.actor.position) {
        return Ok(all);
    }
    if ctx.actor.position == Some(Position::RegionalManager)
        && let Some(r) = ctx.actor.region_id
    {
        let mine = branches_of(&all, r);
        return Ok(all.into_iter().filter(|x| mine.contains(&x.id)).collect());
    }
    Err(AppError::Forbidden)
}

/// The budget page for `period` (`2026`, `2026-Q4`, `2026-11`; the current month by default).
pub async fn board(app: &App, ctx: &Ctx, period: Option<&str>) -> Result<BudgetBoard> {
    let visible = budget_regions(app, ctx).await?;
    let today = crate::records::today(app);
    let p = match period.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            Period::parse("period", s).map_err(|e| AppError::Validation(FieldErrors(vec![e])))?
        }
        None => Period::containing(PeriodKind::Month, today),
    };
    let year = Period::containing(PeriodKind::Year, p.start);
    let db = app.db.read();
    if store::deltas_waiting(db).await? > store::FOLD_AT {
        let tx = app.db.begin().await?;
        store::fold_totals(&tx).await?;
        app.db.commit(tx).await?;
    }
    let all = crate::people::regions_cached(app).await?;
    let budgets = store::budgets(db, year.start, year.end()).await?;
    let totals = store::totals(
        db,
        rules::month_key(year.start),
        rules::month_key(year.end()),
    )
    .await?;
    let cost_categories = settings(app).await?.cost_categories;
    let mut rows = Vec::with_capacity(visible.len());
    let (mut tb, mut ta, mut tp) = (0i64, 0i64, 0i64);
    for r in &visible {
        let branches = branches_of(&all, r.id);
        let budget = budgets
            .iter()
            .find(|b| {
                b.region_id == r.id && b.period_kind == p.kind.as_str() && b.period_start == p.start
            })
            .map(|b| Money::from_fen(b.amount_fen));
        let u = use_of(&totals, &branches, p, budget.unwrap_or_default());
        let mut months = Vec::with_capacity(12);
        let mut month_budgets = Vec::with_capacity(12);
        for m in 1..=12 {
            let start = NaiveDate::from_ymd_opt(year.start.year(), m, 1).unwrap_or(year.start);
            let mp = Period {
                kind: PeriodKind::Month,
                start,
            };
            months.push(use_of(&totals, &branches, mp, Money::default()).approved);
            month_budgets.push(
                budgets
                    .iter()
                    .find(|b| {
                        b.region_id == r.id && b.period_kind == "month" && b.period_start == start
                    })
                    .map(|b| Money::from_fen(b.amount_fen)),
            );
        }
        let cost: i64 = totals
            .iter()
            .filter(|t| {
                t.approved
                    && branches.contains(&t.region_id)
                    && cost_categories.contains(&t.category)
            })
            .map(|t| t.amount_fen)
            .sum();
        // Top-level rows add up to the company (branches are inside their region).
        if r.parent_id.is_none() {
            tb += budget.map(Money::fen).unwrap_or(0);
            ta += u.approved.fen();
            tp += u.pending.fen();
        }
        rows.push(RegionSpend {
            region_id: r.id,
            region_name: r.name.clone(),
            parent_id: r.parent_id,
            budget,
            approved: u.approved,
            pending: u.pending,
            left: budget.map(|_| u.left()),
            percent_used: budget.and_then(|_| u.percent_used()),
            over: budget.is_some() && u.committed() > u.budget,
            months,
            month_budgets,
            cost: Money::from_fen(cost),
        });
    }
    Ok(BudgetBoard {
        period: p.label(),
        year: year.start.year(),
        rows,
        total_budget: Money::from_fen(tb),
        total_approved: Money::from_fen(ta),
        total_pending: Money::from_fen(tp),
        may_set: may_set(ctx),
        cost_categories,
    })
}

/// A budget as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BudgetInput {
    #[serde(default)]
    pub region_id: Option<i64>,
    /// `2026`, `2026-Q4` or `2026-11`.
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub amount: String,
}

/// Sets a region's budget for a period that has not ended (the director and the VP), audited
/// with the amount it replaces. Errors name `region_id`, `period`, `amount`.
pub async fn set_budget(app: &App, ctx: &Ctx, i: &BudgetInput) -> Result<BudgetBoard> {
    if !may_set(ctx) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let period = errs.take(Period::parse("period", &i.period));
    if let Some(p) = period
        && p.is_closed(crate::records::today(app))
    {
        errs.push(FieldError::new("period", "error.budget_period_closed"));
    }
    let amount = errs.take(rules::parse_budget("amount", &i.amount));
    let region = match i.region_id {
        Some(r) => regions::get(app.db.read(), r).await?,
        None => None,
    };
    if region.is_none() {
        errs.push(FieldError::new(
            "region_id",
            if i.region_id.is_some() {
                "error.budget_region"
            } else {
                "error.required"
            },
        ));
    }
    errs.into_result()?;
    let (Some(p), Some(amount), Some(region)) = (period, amount, region) else {
        return Err(AppError::Internal("checked budget".into()));
    };
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let before = store::budget(&tx, region.id, p.kind.as_str(), p.start).await?;
    store::set_budget(
        &tx,
        region.id,
        p.kind.as_str(),
        p.start,
        amount.fen(),
        ctx.actor_id(),
        now,
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "expense.budget",
            "region",
            Some(region.id),
            before.map(|b| json!({"period": p.label(), "amount": Money::from_fen(b.amount_fen).to_decimal()})),
            Some(json!({"period": p.label(), "amount": amount.to_decimal()})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    board(app, ctx, Some(&p.label())).await
}

// ---- Export ----

/// The most claims one export holds.
pub const EXPORT_CAP: u64 = 100_000;

/// The claims of a filter as rows for finance, with their approvals: a header then one row per
/// claim. `lang` chooses the header's language, `tr` names the states and steps (catalog keys).
/// Under the administrator's export rights; audited (`expense.export`, the filter and count).
pub async fn export_rows(
    app: &App,
    ctx: &Ctx,
    f: &ListFilter,
    lang: &str,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<Vec<String>>> {
    // The administrator's export rights apply here as to every list (403 naming why).
    crate::export_rights::require(app, ctx).await?;
    let s = scope(app, ctx).await?;
    let filter = store_filter(app, ctx, f).await?;
    let rows = store::all(app.db.read(), &filter, &s, EXPORT_CAP).await?;
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let events = store::events_of(app.db.read(), &ids).await?;
    let names = crate::people::display_names(app).await?;
    let choices = crate::choices::all(app).await?;
    let views = views(app, ctx, rows).await?;
    let en = lang == "en";
    let header: Vec<String> = if en {
        vec![
            "No.",
            "Claimant",
            "Region",
            "Category",
            "Date",
            "Amount (CNY)",
            "Description",
            "Customer",
            "State",
            "Version",
            "Manager approval",
            "Final approval",
            "History",
        ]
    } else {
        vec![
            "编号",
            "报销人",
            "区域",
            "类别",
            "日期",
            "金额（元）",
            "说明",
            "客户",
            "状态",
            "版本",
            "经理审批",
            "最终批准",
            "审批记录",
        ]
    }
    .into_iter()
    .map(str::to_string)
    .collect();
    let mut out = vec![header];
    let tz = app.config.time_zone;
    let t = |d: DateTime<Utc>| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    for e in views {
        let history: Vec<String> = events
            .iter()
            .filter(|x| x.expense_id == e.id)
            .map(|x| {
                let who = x
                    .actor_id
                    .and_then(|a| names.get(&a).cloned())
                    .unwrap_or_default();
                let c = x
                    .comment
                    .clone()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default();
                let action = tr(&format!("expense.action.{}", x.action));
                format!("{} v{} {} {}{}", t(x.at), x.version, who, action, c)
            })
            .collect();
        out.push(vec![
            format!("BX-{:06}", e.id),
            e.claimant_name.clone().unwrap_or_default(),
            e.region_name.clone().unwrap_or_default(),
            crate::choices::label(&choices, rules::CATEGORY_LIST, &e.category, lang).to_string(),
            e.expense_date.to_string(),
            e.amount.to_decimal(),
            e.description.clone(),
            e.customer_name.clone().unwrap_or_default(),
            tr(&e.state.label_key()),
            e.version.to_string(),
            match (&e.manager_by_name, e.manager_at) {
                (Some(n), Some(a)) => format!("{n} {}", t(a)),
                _ => String::new(),
            },
            match (&e.approved_by_name, e.approved_at) {
                (Some(n), Some(a)) => format!("{n} {}", t(a)),
                _ => String::new(),
            },
            history.join("; "),
        ]);
    }
    let tx = app.db.begin().await?;
    audit::insert(
        &tx,
        ctx.audit(
            "expense.export",
            "expense",
            None,
            None,
            Some(
                json!({"rows": out.len() - 1, "state": f.state, "claimant_id": f.claimant_id,
                        "region_id": f.region_id, "category": f.category,
                        "customer_id": f.customer_id, "from": f.from, "to": f.to,
                        "waiting": f.waiting}),
            ),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(out)
}

/// The claim's number as shown: `BX-000042` (报销).
pub fn number(id: i64) -> String {
    format!("BX-{id:06}")
}
