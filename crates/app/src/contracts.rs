//! Contracts (合同, issue 13 point 3), their invoices and attachments, the approval threshold,
//! and revenue (销售收入, point 5).
//!
//! - **Visibility** is the customer's: a contract is read through its customer's data scope;
//!   outside it a contract is "not found". Creating, editing, signing, delivering and
//!   cancelling is for its owner and the managers (`domain::contract::may_work`); approving
//!   for the director and the VP (`may_approve`).
//! - **Create** on a customer the reader sees, not archived and not invalid; from a won deal
//!   (prefilled) or not. Lines are priced tax-inclusive; both totals are kept.
//! - **Status moves** are one conditional UPDATE on the status read
//!   (`store::contracts::move_status`): of a director approving and a manager cancelling the
//!   same contract at once, exactly one wins and the other gets 409. Signing above the
//!   director's threshold waits for approval. When a contract comes to count as signed, its
//!   customer moves to "signed" in the same transaction — a system transition recorded in the
//!   customer's status history (already approved, naming the contract) and in the audit log.
//! - **Invoices** add to `contracts.invoiced_fen` by a conditional UPDATE that never passes the
//!   total; numbers are unique (`ux_invoices_number`).
//! - **Revenue** for a period and scope is computed by [`revenue_in`] under the rule the
//!   administrator picked — the one place the KPI engine will read it from.

use chrono::{DateTime, NaiveDate, Utc};
use salesdesk_domain::contract::{
    self as rules, Action, ContractFields, ContractInput, ContractStatus, InvoiceFields,
    InvoiceInput, RevenueRule,
};
use salesdesk_domain::customer::CustomerStatus;
use salesdesk_domain::deal::Month;
use salesdesk_domain::{Capability, FieldError, FieldErrors, Money};
use salesdesk_store::contracts::{self as store, ContractFilter, RevenueScope};
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::{Page, Paged, audit, settings as settings_store, status_requests};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::attachments::Attachments;
use crate::{App, AppError, Ctx, Result};

// ---- Settings ----

/// The contracts' settings: the director's approval threshold and the administrator's revenue
/// rule. Stored as JSON under the key `contracts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSettings {
    /// Contracts whose tax-inclusive total is above this many fen need the director's approval.
    pub threshold_fen: i64,
    /// `on_signing`, `on_invoice`, `on_payment`.
    #[serde(with = "rule_text")]
    pub revenue_rule: RevenueRule,
    /// Days before an instalment's due date its owner is reminded (0: on the day); the
    /// director or the VP changes it. Settings saved before it existed read the default.
    #[serde(default = "default_remind_before")]
    pub remind_before_days: u32,
    /// Days after an unpaid instalment's due date its owner and the regional manager are
    /// reminded.
    #[serde(default = "default_remind_after")]
    pub remind_after_days: u32,
}

/// The reminder before a due date: three days ahead.
pub const DEFAULT_REMIND_BEFORE: u32 = 3;
/// The reminder after a due date: the day after.
pub const DEFAULT_REMIND_AFTER: u32 = 1;
/// The most days either reminder may be moved from the due date.
pub const MAX_REMIND_DAYS: u32 = 90;

fn default_remind_before() -> u32 {
    DEFAULT_REMIND_BEFORE
}

fn default_remind_after() -> u32 {
    DEFAULT_REMIND_AFTER
}

mod rule_text {
    use salesdesk_domain::contract::RevenueRule;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &RevenueRule, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RevenueRule, D::Error> {
        let s = String::deserialize(d)?;
        Ok(RevenueRule::parse(&s).unwrap_or_default())
    }
}

impl Default for ContractSettings {
    fn default() -> Self {
        ContractSettings {
            threshold_fen: rules::DEFAULT_THRESHOLD.fen(),
            revenue_rule: RevenueRule::default(),
            remind_before_days: DEFAULT_REMIND_BEFORE,
            remind_after_days: DEFAULT_REMIND_AFTER,
        }
    }
}

impl ContractSettings {
    pub fn threshold(&self) -> Money {
        Money::from_fen(self.threshold_fen)
    }
}

const SETTINGS_KEY: &str = "contracts";

/// The current contract settings (cached with the other settings).
pub async fn settings(app: &App) -> Result<ContractSettings> {
    app.cached("settings:contracts".into(), async {
        Ok(
            match settings_store::get(app.db.read(), SETTINGS_KEY).await? {
                Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
                None => ContractSettings::default(),
            },
        )
    })
    .await
}

/// Who may change the threshold (the director and the VP) and the revenue rule (the
/// administrator).
pub fn may_set_threshold(ctx: &Ctx) -> bool {
    rules::may_approve(&ctx.actor)
}

pub fn may_set_revenue_rule(ctx: &Ctx) -> bool {
    ctx.actor.can(Capability::ManageSettings)
}

/// A change of the contracts' settings, as typed; `None` leaves a setting as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsChange<'a> {
    /// Money as typed; the director or the VP.
    pub threshold: Option<&'a str>,
    /// `on_signing`, `on_invoice`, `on_payment`; the administrator.
    pub revenue_rule: Option<&'a str>,
    /// Whole days, `0..=MAX_REMIND_DAYS`; the director or the VP.
    pub remind_before_days: Option<&'a str>,
    pub remind_after_days: Option<&'a str>,
}

/// Whole days from 0 to [`MAX_REMIND_DAYS`], or a field error naming `field`.
fn remind_days(field: &str, s: &str) -> std::result::Result<u32, FieldError> {
    match s.trim() {
        "" => Err(FieldError::new(field, "error.required")),
        t => t
            .parse::<u32>()
            .ok()
            .filter(|d| *d <= MAX_REMIND_DAYS)
            .ok_or_else(|| FieldError::with_arg(field, "error.remind_days", MAX_REMIND_DAYS)),
    }
}

/// Changes the settings: the threshold and the reminder days by the director or the VP, the
/// revenue rule by the administrator; what is `None` stays. Audited. New reminder days apply
/// to plans written from then on (a plan's reminders are scheduled when it is written).
pub async fn put_settings(
    app: &App,
    ctx: &Ctx,
    change: SettingsChange<'_>,
) -> Result<ContractSettings> {
    let SettingsChange {
        threshold,
        revenue_rule,
        remind_before_days,
        remind_after_days,
    } = change;
    if threshold.is_none()
        && revenue_rule.is_none()
        && remind_before_days.is_none()
        && remind_after_days.is_none()
    {
        return settings(app).await;
    }
    let mut errs = FieldErrors::new();
    let before = settings(app).await?;
    let mut after = before;
    if let Some(t) = threshold {
        if !may_set_threshold(ctx) {
            return Err(AppError::Forbidden);
        }
        match t.trim() {
            "" => errs.push(FieldError::new("threshold", "error.required")),
            t => {
                if let Some(m) = errs.take(Money::parse_amount("threshold", t, rules::MAX_AMOUNT)) {
                    after.threshold_fen = m.fen();
                }
            }
        }
    }
    for (field, text, slot) in [
        (
            "remind_before_days",
            remind_before_days,
            &mut after.remind_before_days,
        ),
        (
            "remind_after_days",
            remind_after_days,
            &mut after.remind_after_days,
        ),
    ] {
        let Some(text) = text else { continue };
        if !may_set_threshold(ctx) {
            return Err(AppError::Forbidden);
        }
        if let Some(d) = errs.take(remind_days(field, text)) {
            *slot = d;
        }
    }
    if let Some(r) = revenue_rule {
        if !may_set_revenue_rule(ctx) {
            return Err(AppError::Forbidden);
        }
        match RevenueRule::parse(r.trim()) {
            Some(r) => after.revenue_rule = r,
            None => errs.push(FieldError::new("revenue_rule", "error.invalid_choice")),
        }
    }
    errs.into_result()?;
    let tx = app.db.begin().await?;
    let value = serde_json::to_string(&after).map_err(|e| AppError::Internal(e.to_string()))?;
    settings_store::put(&tx, SETTINGS_KEY, &value, ctx.actor_id()).await?;
    audit::insert(
        &tx,
        ctx.audit(
            "setting.contracts",
            "settings",
            None,
            serde_json::to_value(before).ok(),
            serde_json::to_value(after).ok(),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(after)
}

// ---- Reading ----

/// A line as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Line {
    pub product_code: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub discount_bp: i32,
    pub tax_bp: i32,
    pub amount: Money,
    pub amount_excl: Money,
}

/// An invoice as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: i64,
    pub contract_id: i64,
    pub number: String,
    /// `normal` or `special`.
    pub kind: String,
    pub issue_date: NaiveDate,
    pub amount: Money,
    pub amount_excl: Money,
    pub created_at: DateTime<Utc>,
}

/// An attachment as pages and the API list it.
#[derive(Debug, Clone)]
pub struct AttachmentInfo {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by_name: Option<String>,
}

/// A contract as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Contract {
    pub id: i64,
    /// `HT-000042`, or the company's own number when the contract was imported with one.
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub deal_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub signing_date: NaiveDate,
    pub status: ContractStatus,
    pub total: Money,
    pub total_excl: Money,
    pub tax: Money,
    pub invoiced: Money,
    /// What is left to invoice.
    pub open_to_invoice: Money,
    pub signed_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by_name: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// Above the threshold as it stands now (a draft signed now would wait for approval).
    pub needs_approval: bool,
    /// On one contract only (empty in lists).
    pub lines: Vec<Line>,
    pub invoices: Vec<Invoice>,
    pub attachments: Vec<AttachmentInfo>,
    /// The reader may edit, sign, deliver, cancel, invoice and attach.
    pub can_work: bool,
    /// The reader may approve or reject it (when pending).
    pub can_approve: bool,
}

pub(crate) async fn views(
    app: &App,
    ctx: &Ctx,
    rows: Vec<store::Contract>,
) -> Result<Vec<Contract>> {
    let names = crate::people::display_names(app).await?;
    let threshold = settings(app).await?.threshold();
    let mut ids: Vec<i64> = rows.iter().map(|d| d.customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let customer_names: std::collections::HashMap<i64, String> = cstore::names(app.db.read(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|k| {
            let total = Money::from_fen(k.total_fen);
            let total_excl = Money::from_fen(k.total_excl_fen);
            let invoiced = Money::from_fen(k.invoiced_fen);
            let status = ContractStatus::parse(&k.status).unwrap_or(ContractStatus::Draft);
            Contract {
                id: k.id,
                number: k.number.unwrap_or_else(|| rules::number(k.id)),
                customer_name: customer_names
                    .get(&k.customer_id)
                    .cloned()
                    .unwrap_or_default(),
                customer_id: k.customer_id,
                deal_id: k.deal_id,
                title: k.title,
                owner_name: k.owner_id.and_then(|o| names.get(&o).cloned()),
                owner_id: k.owner_id,
                region_id: k.region_id,
                partner_id: k.partner_id,
                signing_date: k.signing_date,
                status,
                total,
                total_excl,
                tax: total.checked_sub(total_excl).unwrap_or_default(),
                invoiced,
                open_to_invoice: total.checked_sub(invoiced).unwrap_or_default(),
                signed_at: k.signed_at,
                approved_at: k.approved_at,
                approved_by_name: k.approved_by.and_then(|o| names.get(&o).cloned()),
                reason: k.reason,
                created_at: k.created_at,
                updated_at: k.updated_at,
                version: k.version,
                needs_approval: rules::needs_approval(total, threshold),
                lines: vec![],
                invoices: vec![],
                attachments: vec![],
                can_work: rules::may_work(&ctx.actor, k.owner_id),
                can_approve: rules::may_approve(&ctx.actor)
                    && status == ContractStatus::PendingApproval,
            }
        })
        .collect())
}

/// The reader's visible customers, refusing someone who sees none.
pub(crate) async fn scope(app: &App, ctx: &Ctx) -> Result<Visible> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

fn invoice_view(i: store::Invoice) -> Invoice {
    Invoice {
        id: i.id,
        contract_id: i.contract_id,
        number: i.number,
        kind: i.kind,
        issue_date: i.issue_date,
        amount: Money::from_fen(i.amount_fen),
        amount_excl: Money::from_fen(i.amount_excl_fen),
        created_at: i.created_at,
    }
}

/// One contract ("not found" outside the reader's scope), with its lines, invoices and
/// attachments.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Contract> {
    let v = scope(app, ctx).await?;
    let db = app.db.read();
    let k = store::get(db, id, &v).await?.ok_or(AppError::NotFound)?;
    let mut c = views(app, ctx, vec![k]).await?.remove(0);
    c.lines = store::lines(db, id)
        .await?
        .into_iter()
        .map(|l| Line {
            product_code: l.product_code,
            quantity: l.quantity,
            unit_price: Money::from_fen(l.unit_price_fen),
            discount_bp: l.discount_bp,
            tax_bp: l.tax_rate_bp,
            amount: Money::from_fen(l.amount_fen),
            amount_excl: Money::from_fen(l.amount_excl_fen),
        })
        .collect();
    c.invoices = store::invoices(db, id)
        .await?
        .into_iter()
        .map(invoice_view)
        .collect();
    let names = crate::people::display_names(app).await?;
    c.attachments = store::attachments(db, id)
        .await?
        .into_iter()
        .map(|a| AttachmentInfo {
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            uploaded_at: a.uploaded_at,
            uploaded_by_name: a.uploaded_by.and_then(|u| names.get(&u).cloned()),
        })
        .collect();
    Ok(c)
}

/// A customer's contracts, newest first (its page's Contracts section).
pub async fn for_customer(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Vec<Contract>> {
    let v = scope(app, ctx).await?;
    cstore::get_any(app.db.read(), customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = store::for_customer(app.db.read(), customer_id).await?;
    views(app, ctx, rows).await
}

/// The contracts made from a deal (its page links them).
pub async fn for_deal(app: &App, ctx: &Ctx, deal_id: i64) -> Result<Vec<Contract>> {
    crate::deals::get(app, ctx, deal_id).await?;
    let rows = store::for_deal(app.db.read(), deal_id).await?;
    views(app, ctx, rows).await
}

/// A list's filters, as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContractQuery {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// A [`ContractStatus`] code.
    pub status: Option<String>,
    /// Signing month, `2026-11`.
    pub month: Option<String>,
    pub customer_id: Option<i64>,
}

impl ContractQuery {
    pub(crate) fn filter(&self) -> Result<ContractFilter> {
        let mut errs = FieldErrors::new();
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match ContractStatus::parse(s) {
                Some(k) => Some(k.as_str().to_string()),
                None => {
                    errs.push(FieldError::new("status", "error.invalid_choice"));
                    None
                }
            },
        };
        let month = match self.month.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => match Month::parse(m) {
                Some(m) => Some(m.key()),
                None => {
                    errs.push(FieldError::new("month", "error.deal_month"));
                    None
                }
            },
        };
        errs.into_result()?;
        Ok(ContractFilter {
            owner: self.owner_id,
            region: self.region_id,
            status,
            month,
            customer: self.customer_id,
        })
    }
}

/// A page of the contracts the reader sees, the most recently changed first.
pub async fn list(app: &App, ctx: &Ctx, q: &ContractQuery, page: Page) -> Result<Paged<Contract>> {
    let v = scope(app, ctx).await?;
    let f = q.filter()?;
    let paged = store::list(app.db.read(), &f, &v, page).await?;
    let items = views(app, ctx, paged.items).await?;
    Ok(Paged {
        items,
        total: paged.total,
        total_exact: paged.total_exact,
        page: paged.page,
    })
}

/// How many contracts wait for the reader's approval (0 for anyone who does not approve).
pub async fn pending_count(app: &App, ctx: &Ctx) -> Result<u64> {
    if !rules::may_approve(&ctx.actor) {
        return Ok(0);
    }
    let v = scope(app, ctx).await?;
    Ok(store::count_pending(app.db.read(), &v).await?)
}

// ---- Writing ----

/// The company's today (signing and invoice dates may not be later).
pub(crate) fn today(app: &App) -> NaiveDate {
    app.config
        .clock
        .now()
        .with_timezone(&app.config.time_zone)
        .date_naive()
}

/// Parses a contract's fields and checks its lines' products against the list.
async fn parse_contract(app: &App, input: &ContractInput) -> Result<ContractFields> {
    let products = crate::products::all(app).await?;
    let parsed = ContractFields::parse(input, today(app));
    let mut errs = match &parsed {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    for (row, l) in input.lines.iter().enumerate() {
        let code = l.product.trim();
        if !code.is_empty() && !products.iter().any(|p| p.active && p.code == code) {
            errs.push(FieldError::new(
                format!("lines[{row}].product"),
                "error.deal_unknown_product",
            ));
        }
    }
    errs.into_result()?;
    Ok(parsed?)
}

pub(crate) fn new_lines(f: &ContractFields) -> Vec<store::NewLine> {
    f.lines
        .iter()
        .map(|l| store::NewLine {
            product_code: l.product_code.clone(),
            quantity: l.quantity,
            unit_price_fen: l.unit_price.fen(),
            discount_bp: l.discount_bp,
            tax_rate_bp: l.tax_bp,
            amount_fen: l.amount.fen(),
            amount_excl_fen: l.amount_excl.fen(),
        })
        .collect()
}

pub(crate) fn snapshot(k: &store::Contract) -> serde_json::Value {
    json!({"customer_id": k.customer_id, "deal_id": k.deal_id, "title": k.title,
           "owner_id": k.owner_id, "region_id": k.region_id,
           "signing_date": k.signing_date, "status": k.status,
           "total": Money::from_fen(k.total_fen).to_decimal(),
           "total_excl": Money::from_fen(k.total_excl_fen).to_decimal(),
           "invoiced": Money::from_fen(k.invoiced_fen).to_decimal(),
           "version": k.version})
}

pub(crate) fn lines_json(f: &ContractFields) -> serde_json::Value {
    json!(
        f.lines
            .iter()
            .map(
                |l| json!({"product": l.product_code, "quantity": l.quantity,
                            "unit_price": l.unit_price.to_decimal(),
                            "discount_bp": l.discount_bp, "tax_bp": l.tax_bp,
                            "amount": l.amount.to_decimal()})
            )
            .collect::<Vec<_>>()
    )
}

/// Where a new contract goes: its customer, deal, owner, region and company number.
struct Placed {
    customer_id: i64,
    deal_id: Option<i64>,
    owner_id: Option<i64>,
    region_id: Option<i64>,
    number: Option<String>,
}

/// Inserts a draft contract and its lines in `tx` (one path for a contract created on screen
/// and one imported); returns the row and its audit snapshot with the lines.
async fn insert_draft(
    tx: &salesdesk_store::Tx,
    ctx: &Ctx,
    f: &ContractFields,
    at: Placed,
    now: DateTime<Utc>,
) -> Result<(store::Contract, serde_json::Value)> {
    let k = store::insert(
        tx,
        store::NewContract {
            customer_id: at.customer_id,
            deal_id: at.deal_id,
            title: f.title.clone(),
            owner_id: at.owner_id,
            region_id: at.region_id,
            signing_date: f.signing_date,
            signing_month: rules::month_key(f.signing_date),
            total_fen: f.total.fen(),
            total_excl_fen: f.total_excl.fen(),
            created_by: ctx.actor_id(),
            at: now,
            number: at.number,
        },
    )
    .await?;
    store::set_lines(tx, k.id, &new_lines(f)).await?;
    let mut after = snapshot(&k);
    after["lines"] = lines_json(f);
    Ok((k, after))
}

/// Creates a draft contract on a customer the reader sees — not archived (409) and not invalid
/// (409) — optionally from one of its deals. Owned by the deal's owner, else the customer's,
/// else the creator; in the customer's region.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    deal_id: Option<i64>,
    input: &ContractInput,
) -> Result<Contract> {
    let v = scope(app, ctx).await?;
    let f = parse_contract(app, input).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let c = cstore::get_any(&tx, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.archived_at.is_some() {
        return Err(AppError::conflict(
            "customer_id",
            "error.contract_customer_archived",
        ));
    }
    if CustomerStatus::parse(&c.status) == Some(CustomerStatus::Invalid) {
        return Err(AppError::conflict(
            "customer_id",
            "error.contract_customer_invalid",
        ));
    }
    let deal = match deal_id {
        Some(d) => {
            let deal = salesdesk_store::deals::get(&tx, d, &v)
                .await?
                .filter(|x| x.customer_id == customer_id)
                .ok_or_else(|| AppError::field("deal_id", "error.contract_deal_other"))?;
            Some(deal)
        }
        None => None,
    };
    let owner_id = deal
        .as_ref()
        .and_then(|d| d.owner_id)
        .or(c.owner_id)
        .or(ctx.actor_id());
    if !rules::may_work(&ctx.actor, owner_id) {
        return Err(AppError::Forbidden);
    }
    let (k, after) = insert_draft(
        &tx,
        ctx,
        &f,
        Placed {
            customer_id,
            deal_id,
            owner_id,
            region_id: c.region_id,
            number: None,
        },
        now,
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit("contract.create", "contract", Some(k.id), None, Some(after)),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, k.id).await
}

fn stale(k: &store::Contract) -> AppError {
    AppError::Stale {
        version: k.version,
        changed: vec![("status".into(), json!(k.status))],
    }
}

/// Edits a draft (title, signing date, lines). `version` is the one read: 409 `stale` when the
/// contract changed since; 409 when it is no longer a draft.
pub async fn update_draft(
    app: &App,
    ctx: &Ctx,
    id: i64,
    input: &ContractInput,
    version: Option<i32>,
) -> Result<Contract> {
    let v = scope(app, ctx).await?;
    let f = parse_contract(app, input).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let k = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !rules::may_work(&ctx.actor, k.owner_id) {
        return Err(AppError::Forbidden);
    }
    if k.status != "draft" {
        return Err(AppError::conflict("status", "error.contract_not_draft"));
    }
    let expected = version.unwrap_or(k.version);
    if expected != k.version {
        return Err(stale(&k));
    }
    let ok = store::update_draft(
        &tx,
        id,
        expected,
        store::DraftUpdate {
            title: f.title.clone(),
            signing_date: f.signing_date,
            signing_month: rules::month_key(f.signing_date),
            total_fen: f.total.fen(),
            total_excl_fen: f.total_excl.fen(),
        },
        now,
    )
    .await?;
    if !ok {
        let current = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
        return Err(stale(&current));
    }
    store::set_lines(&tx, id, &new_lines(&f)).await?;
    let after = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let mut after_json = snapshot(&after);
    after_json["lines"] = lines_json(&f);
    audit::insert(
        &tx,
        ctx.audit(
            "contract.update",
            "contract",
            Some(id),
            Some(snapshot(&k)),
            Some(after_json),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// Moves a contract's status (`Action`); a rejection and a cancellation need a reason. One
/// conditional UPDATE on the status read: of two people acting on the same contract at once,
/// one wins and the other gets 409 (`error.contract_changed`). When the contract comes to count
/// as signed, its customer becomes signed in the same transaction.
pub async fn act(app: &App, ctx: &Ctx, id: i64, action: Action, reason: &str) -> Result<Contract> {
    let v = scope(app, ctx).await?;
    let reason = if action.needs_reason() {
        Some(rules::parse_reason(reason)?)
    } else {
        None
    };
    let threshold = settings(app).await?.threshold();
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let k = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let allowed = match action {
        Action::Approve | Action::Reject => rules::may_approve(&ctx.actor),
        _ => rules::may_work(&ctx.actor, k.owner_id),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let from = ContractStatus::parse(&k.status).unwrap_or(ContractStatus::Draft);
    let total = Money::from_fen(k.total_fen);
    let to = rules::next_status(from, action, total, threshold)
        .map_err(|key| AppError::conflict("status", key))?;
    let customer = cstore::get_any(&tx, k.customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if to.counts_as_signed() && !from.counts_as_signed() {
        if customer.archived_at.is_some() {
            return Err(AppError::conflict(
                "customer_id",
                "error.contract_customer_archived",
            ));
        }
        if CustomerStatus::parse(&customer.status) == Some(CustomerStatus::Invalid) {
            return Err(AppError::conflict(
                "customer_id",
                "error.contract_customer_invalid",
            ));
        }
    }
    let mut m = store::StatusMove {
        reason: reason.clone(),
        ..Default::default()
    };
    if action == Action::Sign {
        m.signed = Some((now, ctx.actor_id()));
    }
    if action == Action::Approve {
        m.approved = Some((now, ctx.actor_id()));
    }
    if action == Action::Cancel {
        m.cancelled_at = Some(now);
    }
    if !store::move_status(&tx, id, from.as_str(), to.as_str(), m, now).await? {
        return Err(AppError::conflict("status", "error.contract_changed"));
    }
    audit::insert(
        &tx,
        ctx.audit(
            &format!("contract.{}", action.as_str()),
            "contract",
            Some(id),
            Some(json!({"status": from.as_str(), "version": k.version})),
            Some(json!({"status": to.as_str(), "reason": reason,
                        "total": total.to_decimal(), "threshold": threshold.to_decimal(),
                        "version": k.version + 1})),
        ),
    )
    .await?;
    if to.counts_as_signed() && !from.counts_as_signed() {
        customer_signed(ctx, &tx, &customer, &k, now).await?;
    }
    if to == ContractStatus::PendingApproval {
        notify_approvers(ctx, &tx, &k).await?;
    }
    if matches!(action, Action::Approve | Action::Reject) {
        salesdesk_store::notifications::mark_done(&tx, "contract", id).await?;
        if let Some(owner) = k.owner_id.filter(|o| Some(*o) != ctx.actor_id()) {
            salesdesk_store::notifications::insert(
                &tx,
                owner,
                if action == Action::Approve {
                    "contract_approved"
                } else {
                    "contract_rejected"
                },
                json!({"who": ctx.display_name, "contract": rules::number(id),
                       "title": k.title, "comment": reason.clone().unwrap_or_default()}),
                Some(format!("/contracts/{id}")),
            )
            .await?;
        }
    }
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The customer of a contract that came to count as signed becomes "signed" (unless it is
/// already): a system transition — no request, the contract is the evidence — kept in the
/// status history as an approved change naming the contract, and audited.
pub(crate) async fn customer_signed(
    ctx: &Ctx,
    tx: &salesdesk_store::Tx,
    customer: &cstore::Customer,
    k: &store::Contract,
    now: DateTime<Utc>,
) -> Result<()> {
    if customer.status == CustomerStatus::Signed.as_str() {
        return Ok(());
    }
    if !cstore::set_status(tx, customer.id, &customer.status, "signed", now).await? {
        return Err(AppError::conflict("status", "error.contract_changed"));
    }
    let evidence = format!("{} {}", rules::number(k.id), k.title);
    if let Some(by) = ctx.actor_id() {
        status_requests::insert_decided(
            tx,
            status_requests::NewRequest {
                customer_id: customer.id,
                from_status: customer.status.clone(),
                to_status: "signed".into(),
                note: Some(evidence.clone()),
                requested_by: by,
                ..Default::default()
            },
            format!("contract:{}", k.id),
            now,
        )
        .await?;
    }
    audit::insert(
        tx,
        ctx.audit(
            "customer.status_change",
            "customer",
            Some(customer.id),
            Some(json!({"status": customer.status})),
            Some(json!({"status": "signed", "contract_id": k.id, "system": true})),
        ),
    )
    .await?;
    Ok(())
}

/// Tells the director(s) and the VP that a contract waits for their approval.
pub(crate) async fn notify_approvers(
    ctx: &Ctx,
    tx: &salesdesk_store::Tx,
    k: &store::Contract,
) -> Result<()> {
    let people =
        salesdesk_store::users::active_with_positions(tx, &["sales_director", "sales_vp"]).await?;
    for u in people {
        if Some(u.id) == ctx.actor_id() {
            continue;
        }
        salesdesk_store::notifications::insert_about(
            tx,
            u.id,
            "contract_pending",
            json!({"who": ctx.display_name, "contract": rules::number(k.id), "title": k.title,
                   "amount": Money::from_fen(k.total_fen).display()}),
            Some(format!("/contracts/{}", k.id)),
            Some(("contract", k.id)),
        )
        .await?;
    }
    Ok(())
}

/// A contract read from an import row (`import::sales`), checked with [`create`]'s rules: its
/// customer (seen by the importer, neither archived nor invalid), owner, company number,
/// fields, whether it is signed, and the payment plan to give it once in force.
pub(crate) struct Imported {
    pub customer_id: i64,
    pub owner_id: Option<i64>,
    pub number: String,
    pub fields: ContractFields,
    pub sign: bool,
    pub plan: Vec<(NaiveDate, i64)>,
}

/// Writes one imported contract on the import's transaction the way [`create`] and then
/// [`act`] (sign, and approve when the importer is the one who approves) would: the draft with
/// its lines, audited as imported; signing through the same status rule and conditional move —
/// above the director's threshold it waits for approval unless the importer is an approver —
/// and, once it counts as signed, its customer moved to signed by the same audited system
/// transition, and its payment plan with its reminders. Returns the contract's status.
pub(crate) async fn write_imported(
    app: &App,
    ctx: &Ctx,
    tx: &salesdesk_store::Tx,
    v: &Visible,
    k: Imported,
    threshold: Money,
    import_id: i64,
) -> Result<ContractStatus> {
    let now = app.config.clock.now();
    let f = &k.fields;
    let customer = cstore::get_any(tx, k.customer_id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    let (row, mut after) = insert_draft(
        tx,
        ctx,
        f,
        Placed {
            customer_id: k.customer_id,
            deal_id: None,
            owner_id: k.owner_id,
            region_id: customer.region_id,
            number: Some(k.number.clone()),
        },
        now,
    )
    .await?;
    after["number"] = json!(k.number);
    after["import_id"] = json!(import_id);
    audit::insert(
        tx,
        ctx.audit(
            "contract.import",
            "contract",
            Some(row.id),
            None,
            Some(after),
        ),
    )
    .await?;
    if !k.sign {
        return Ok(ContractStatus::Draft);
    }
    let mut status = ContractStatus::Draft;
    let mut steps = vec![Action::Sign];
    if rules::needs_approval(f.total, threshold) && rules::may_approve(&ctx.actor) {
        steps.push(Action::Approve);
    }
    for action in steps {
        let to = rules::next_status(status, action, f.total, threshold)
            .map_err(|key| AppError::conflict("status", key))?;
        let mut m = store::StatusMove::default();
        if action == Action::Sign {
            m.signed = Some((now, ctx.actor_id()));
        } else {
            m.approved = Some((now, ctx.actor_id()));
        }
        if !store::move_status(tx, row.id, status.as_str(), to.as_str(), m, now).await? {
            return Err(AppError::conflict("status", "error.contract_changed"));
        }
        audit::insert(
            tx,
            ctx.audit(
                &format!("contract.{}", action.as_str()),
                "contract",
                Some(row.id),
                Some(json!({"status": status.as_str()})),
                Some(json!({"status": to.as_str(), "total": f.total.to_decimal(),
                            "threshold": threshold.to_decimal(), "import_id": import_id})),
            ),
        )
        .await?;
        status = to;
    }
    if status == ContractStatus::PendingApproval {
        notify_approvers(ctx, tx, &row).await?;
        return Ok(status);
    }
    customer_signed(ctx, tx, &customer, &row, now).await?;
    salesdesk_store::collections::replace_plan(tx, row.id, &k.plan, now).await?;
    crate::collection_reminders::schedule(app, tx, row.id).await?;
    let plan: Vec<_> = k
        .plan
        .iter()
        .map(|(d, a)| json!({"due_date": d, "amount": Money::from_fen(*a).to_decimal()}))
        .collect();
    audit::insert(
        tx,
        ctx.audit(
            "contract.plan",
            "contract",
            Some(row.id),
            Some(json!({"instalments": []})),
            Some(json!({"instalments": plan, "import_id": import_id})),
        ),
    )
    .await?;
    Ok(status)
}

// ---- Invoices ----

/// Records an invoice on a contract in force (signed, in delivery or completed): number unique
/// for the company, date neither in the future nor before the contract, amount at most what is
/// left to invoice. The sum is held by one conditional UPDATE of the contract.
pub async fn add_invoice(
    app: &App,
    ctx: &Ctx,
    contract_id: i64,
    input: &InvoiceInput,
) -> Result<Invoice> {
    let v = scope(app, ctx).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let k = store::get(&tx, contract_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::may_work(&ctx.actor, k.owner_id) {
        return Err(AppError::Forbidden);
    }
    let status = ContractStatus::parse(&k.status).unwrap_or(ContractStatus::Draft);
    if !status.counts_as_signed() {
        return Err(AppError::conflict(
            "status",
            "error.invoice_contract_not_signed",
        ));
    }
    let total = Money::from_fen(k.total_fen);
    let open = total
        .checked_sub(Money::from_fen(k.invoiced_fen))
        .unwrap_or_default();
    let f = InvoiceFields::parse(input, today(app), k.signing_date, open)?;
    if store::invoice_number_taken(&tx, &f.number).await? {
        return Err(AppError::conflict("number", "error.invoice_number_taken"));
    }
    let in_force = ["signed", "in_delivery", "completed"];
    if !store::add_invoiced(&tx, contract_id, f.amount.fen(), &in_force, now).await? {
        // Someone invoiced (or cancelled) meanwhile: say what is left now.
        let current = store::get(&tx, contract_id, &v)
            .await?
            .ok_or(AppError::NotFound)?;
        let left = Money::from_fen(current.total_fen - current.invoiced_fen);
        return Err(AppError::Conflict(FieldErrors(vec![FieldError::with_arg(
            "amount",
            "error.invoice_above_open",
            left.display(),
        )])));
    }
    let excl = rules::invoice_excl(f.amount, total, Money::from_fen(k.total_excl_fen));
    let i = store::insert_invoice(
        &tx,
        store::NewInvoice {
            contract_id,
            number: f.number.clone(),
            kind: f.kind.as_str().into(),
            issue_date: f.issue_date,
            issue_month: rules::month_key(f.issue_date),
            amount_fen: f.amount.fen(),
            amount_excl_fen: excl.fen(),
            created_by: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "contract.invoice",
            "contract",
            Some(contract_id),
            Some(json!({"invoiced": Money::from_fen(k.invoiced_fen).to_decimal()})),
            Some(
                json!({"invoice_id": i.id, "number": i.number, "kind": i.kind,
                        "issue_date": i.issue_date, "amount": f.amount.to_decimal(),
                        "invoiced": Money::from_fen(k.invoiced_fen + f.amount.fen()).to_decimal()}),
            ),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(invoice_view(i))
}

// ---- Attachments ----

/// Attaches a scanned contract or an image (PDF, PNG, JPEG by their bytes; at most 10 MiB) to a
/// contract the reader works on. The bytes go to the attachments directory (content-addressed,
/// in every backup); the row and the audit record in one transaction.
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    contract_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<AttachmentInfo> {
    let v = scope(app, ctx).await?;
    let k = store::get(app.db.read(), contract_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::may_work(&ctx.actor, k.owner_id) {
        return Err(AppError::Forbidden);
    }
    let (name, content_type) = rules::check_attachment(file_name, bytes)
        .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    // Written before the row: a file without a row is harmless (and shared by content); a row
    // without its file would not be.
    let files = Attachments::new(&app.config.attachments_dir);
    let key = files
        .store(bytes)
        .map_err(|e| AppError::Internal(format!("storing an attachment: {e}")))?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let a = store::insert_attachment(
        &tx,
        store::NewAttachment {
            contract_id,
            file_key: key.clone(),
            file_name: name,
            content_type: content_type.into(),
            size: bytes.len() as i64,
            uploaded_by: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "contract.attach",
            "contract",
            Some(contract_id),
            None,
            Some(json!({"attachment_id": a.id, "file_name": a.file_name,
                        "content_type": a.content_type, "size": a.size, "sha256": key})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(AttachmentInfo {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        uploaded_at: a.uploaded_at,
        uploaded_by_name: Some(ctx.display_name.clone()),
    })
}

/// An attachment's name, content type and bytes, for someone who sees its contract.
pub async fn attachment(
    app: &App,
    ctx: &Ctx,
    contract_id: i64,
    attachment_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let v = scope(app, ctx).await?;
    store::get(app.db.read(), contract_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = store::attachment(app.db.read(), attachment_id)
        .await?
        .filter(|a| a.contract_id == contract_id)
        .ok_or(AppError::NotFound)?;
    let bytes = Attachments::new(&app.config.attachments_dir)
        .read(&a.file_key)
        .map_err(|e| AppError::Internal(format!("reading attachment {}: {e}", a.id)))?;
    Ok((a.file_name, a.content_type, bytes))
}

// ---- From a deal ----

/// A won deal's contract form, prefilled: its customer, its name as the title, today as the
/// signing date, its products with their quantities — priced so that a single line comes to
/// the deal's amount — and its owner (set on create).
pub async fn prefill_from_deal(app: &App, ctx: &Ctx, deal_id: i64) -> Result<(i64, ContractInput)> {
    let d = crate::deals::get(app, ctx, deal_id).await?;
    if d.state != "won" {
        return Err(AppError::conflict("deal_id", "error.contract_deal_not_won"));
    }
    let single = d.lines.len() == 1;
    let mut lines: Vec<rules::LineInput> = d
        .lines
        .iter()
        .map(|l| rules::LineInput {
            product: l.product_code.clone(),
            quantity: l.quantity.to_string(),
            unit_price: if single {
                d.amount
                    .checked_ratio(1, l.quantity.max(1))
                    .unwrap_or_default()
                    .to_decimal()
            } else {
                String::new()
            },
            discount: String::new(),
            tax_rate: rules::percent_text(rules::DEFAULT_TAX_BP),
        })
        .collect();
    if lines.is_empty() {
        lines.push(rules::LineInput {
            quantity: "1".into(),
            unit_price: d.amount.to_decimal(),
            tax_rate: rules::percent_text(rules::DEFAULT_TAX_BP),
            ..Default::default()
        });
    }
    Ok((
        d.customer_id,
        ContractInput {
            title: d.name.clone(),
            signing_date: today(app).to_string(),
            lines,
        },
    ))
}

// ---- Revenue ----

/// Revenue's period and scope as typed: months `from..=to` (`2026-01`), optionally one owner
/// or one region (within the reader's scope).
#[derive(Debug, Clone, Default)]
pub struct RevenueQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
}

/// Sales revenue for a period and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revenue {
    pub rule: RevenueRule,
    pub from: Month,
    pub to: Month,
    /// Tax-exclusive (销售收入 proper) and tax-inclusive.
    pub amount_excl: Money,
    pub amount: Money,
    /// How many contracts (on signing) or invoices (on invoice) it counts.
    pub count: i64,
}

/// Revenue under the administrator's rule for months `from..=to` over the customers `v` shows,
/// narrowed to an owner or a region: the one place revenue is computed (the KPI engine reads
/// it here). Under "on payment" it is zero until payments exist (the next slice).
pub async fn revenue_in(
    app: &App,
    v: &Visible,
    owner: Option<i64>,
    region: Option<i64>,
    from: Month,
    to: Month,
) -> Result<Revenue> {
    let rule = settings(app).await?.revenue_rule;
    let s = RevenueScope { owner, region };
    let (incl, excl, n) = match rule {
        RevenueRule::OnSigning => {
            store::signed_sums(app.db.read(), &s, v, from.key(), to.key()).await?
        }
        RevenueRule::OnInvoice => {
            store::invoiced_sums(app.db.read(), &s, v, from.key(), to.key()).await?
        }
        RevenueRule::OnPayment => {
            salesdesk_store::collections::received_sums(
                app.db.read(),
                v,
                owner,
                region,
                from.key(),
                to.key(),
            )
            .await?
        }
    };
    Ok(Revenue {
        rule,
        from,
        to,
        amount_excl: Money::from_fen(excl),
        amount: Money::from_fen(incl),
        count: n,
    })
}

/// Revenue as the reader asks for it (default: this month).
pub async fn revenue(app: &App, ctx: &Ctx, q: &RevenueQuery) -> Result<Revenue> {
    let v = scope(app, ctx).await?;
    let this = Month::of(today(app));
    let mut errs = FieldErrors::new();
    let mut month = |field: &str, s: &Option<String>| match s.as_deref().map(str::trim) {
        None | Some("") => Some(this),
        Some(m) => match Month::parse(m) {
            Some(m) => Some(m),
            None => {
                errs.push(FieldError::new(field, "error.deal_month"));
                None
            }
        },
    };
    let from = month("from", &q.from);
    let to = month("to", &q.to);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errs.push(FieldError::new("to", "error.contract_period"));
    }
    errs.into_result()?;
    revenue_in(
        app,
        &v,
        q.owner_id,
        q.region_id,
        from.unwrap_or(this),
        to.unwrap_or(this),
    )
    .await
}
