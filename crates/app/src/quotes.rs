//! Quotations (报价单, issue 13 point 2): a deal's versioned price offers, their approval when a
//! discount is above the director's limit, and the settings they print with.
//!
//! - **Visibility** is the deal's, so the customer's: outside the reader's scope a quotation is
//!   "not found". Making, editing, submitting and sending one is for whoever works on the deal
//!   (`Actor::may_work_deal`: its owner and the managers); approving and rejecting for the one
//!   asked (the customer's owner's manager, `users.manager_id`) or the director or VP
//!   (`domain::quote::may_decide`), never the one who asked.
//! - **Versions**: a new version copies the deal's latest one (v1 starts from the deal's
//!   products); its number is `max + 1`, held by the unique index `(deal_id, version)`: of two
//!   people making one at the same moment the second gets 409 and tries again.
//! - **Moves** are conditional UPDATEs on the state they leave (`store::quotes::transition`),
//!   so of N people approving or sending one quotation at once, one does it and the others get
//!   409 with the state it is in now; each move is audited and notifies who must know.
//! - **Settings** (`quotes` key): the company's name on the printed page, the discount limit
//!   (percent, two decimals) above which approval is needed, and the default validity in days.
//!   The director and the VP set them (and administrators).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use salesdesk_domain::Money;
use salesdesk_domain::quote::{
    self as rules, Action, LineAmounts, QuoteFields, QuoteInput, QuoteState,
};
use salesdesk_domain::{FieldError, FieldErrors, Position};
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::deals as dstore;
use salesdesk_store::quotes::{self as store, Totals, Transition, Waiting};
use salesdesk_store::{Page, Paged, audit, notifications, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

// ---- Settings ----

/// The quotation settings (stored under the `quotes` key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuoteSettings {
    /// The company's name as the printed quotation shows it (empty: the product's name).
    pub company_name: String,
    /// A line discount above this (basis points, 1000 = 10 %) needs the manager's approval.
    pub discount_limit_bp: u32,
    /// A new quotation is valid for this many days (1–365).
    pub validity_days: u32,
}

impl Default for QuoteSettings {
    fn default() -> Self {
        QuoteSettings {
            company_name: String::new(),
            discount_limit_bp: rules::DEFAULT_DISCOUNT_LIMIT,
            validity_days: rules::DEFAULT_VALIDITY_DAYS,
        }
    }
}

const SETTINGS_KEY: &str = "quotes";
/// Longest company name (characters).
pub const MAX_COMPANY_NAME: usize = 100;

/// The current settings (cached like other hot reads).
pub async fn settings(app: &App) -> Result<QuoteSettings> {
    app.cached("settings:quotes".into(), async {
        Ok(
            match salesdesk_store::settings::get(app.db.read(), SETTINGS_KEY).await? {
                Some(s) => serde_json::from_str(&s.value).unwrap_or_default(),
                None => QuoteSettings::default(),
            },
        )
    })
    .await
}

/// Who may change the settings: the director and the VP (the limit is the director's, S3.4
/// "control of business expenses"), and administrators.
pub fn may_set(ctx: &Ctx) -> bool {
    ctx.actor.can(salesdesk_domain::Capability::ManageSettings)
        || matches!(
            ctx.actor.position,
            Some(Position::SalesDirector | Position::SalesVp)
        )
}

/// The settings as typed in the form or the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsText {
    #[serde(default)]
    pub company_name: String,
    /// Percent, `12.5`.
    #[serde(default)]
    pub discount_limit: String,
    #[serde(default)]
    pub validity_days: String,
}

impl From<&QuoteSettings> for SettingsText {
    fn from(s: &QuoteSettings) -> Self {
        SettingsText {
            company_name: s.company_name.clone(),
            discount_limit: rules::percent_text(s.discount_limit_bp)
                .trim_end_matches('%')
                .to_string(),
            validity_days: s.validity_days.to_string(),
        }
    }
}

/// Changes the settings, audited (`settings.quotes`). Errors name `company_name`,
/// `discount_limit`, `validity_days`.
pub async fn put_settings(app: &App, ctx: &Ctx, t: &SettingsText) -> Result<QuoteSettings> {
    if !may_set(ctx) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let company_name = errs
        .take(salesdesk_domain::validate::optional_text(
            "company_name",
            &t.company_name,
            MAX_COMPANY_NAME,
        ))
        .flatten()
        .unwrap_or_default();
    let limit = errs.take(rules::parse_percent("discount_limit", &t.discount_limit));
    let days = match t.validity_days.trim().parse::<u32>() {
        Ok(d) if (1..=365).contains(&d) => Some(d),
        _ => {
            errs.push(FieldError::with_arg(
                "validity_days",
                "error.quote_validity_days",
                "1–365",
            ));
            None
        }
    };
    errs.into_result()?;
    let new = QuoteSettings {
        company_name,
        discount_limit_bp: limit.unwrap_or_default(),
        validity_days: days.unwrap_or(rules::DEFAULT_VALIDITY_DAYS),
    };
    let before = settings(app).await?;
    crate::settings::save_section(app, ctx, SETTINGS_KEY, &before, &new).await?;
    Ok(new)
}

// ---- Reading ----

/// A line as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Line {
    pub product_code: String,
    pub quantity: i64,
    pub list_price: Money,
    pub discount_bp: u32,
    pub tax_bp: u32,
    pub amounts: LineAmounts,
}

/// A quotation as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Quote {
    pub id: i64,
    pub deal_id: i64,
    pub deal_name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub version: i32,
    pub state: QuoteState,
    pub valid_until: NaiveDate,
    pub note: Option<String>,
    pub totals: LineAmounts,
    pub max_discount_bp: u32,
    /// Above the limit when last saved: approval before sending.
    pub needs_approval: bool,
    pub approver_id: Option<i64>,
    pub approver_name: Option<String>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    pub sent_by_name: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub row_version: i32,
    /// On one quotation only (empty in lists).
    pub lines: Vec<Line>,
    /// The reader may edit it (a draft they work on).
    pub can_edit: bool,
    /// The reader may submit it for approval.
    pub can_submit: bool,
    /// The reader may approve or reject it.
    pub can_decide: bool,
    /// The reader may mark it sent.
    pub can_send: bool,
    /// The reader may make a new version of the deal's quotation.
    pub can_new_version: bool,
}

fn state_of(q: &store::Quote) -> QuoteState {
    QuoteState::parse(&q.state).unwrap_or(QuoteState::Draft)
}

fn bp(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Whether the actor may approve or reject a quotation that asked `approver_id`, submitted by
/// `submitted_by`: the one asked, or the director or the VP; never the one who asked.
pub fn may_decide(ctx: &Ctx, approver_id: Option<i64>, submitted_by: Option<i64>) -> bool {
    let me = ctx.actor.user_id;
    if me == 0 || submitted_by == Some(me) {
        return false;
    }
    approver_id == Some(me)
        || matches!(
            ctx.actor.position,
            Some(Position::SalesDirector | Position::SalesVp)
        )
}

async fn views(app: &App, ctx: &Ctx, rows: Vec<store::Quote>) -> Result<Vec<Quote>> {
    let names = crate::people::display_names(app).await?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned());
    let mut deal_ids: Vec<i64> = rows.iter().map(|q| q.deal_id).collect();
    deal_ids.sort_unstable();
    deal_ids.dedup();
    let mut deals = std::collections::HashMap::new();
    for id in deal_ids {
        if let Some(d) = dstore::get(app.db.read(), id, &Visible::All).await? {
            deals.insert(id, d);
        }
    }
    let mut customer_ids: Vec<i64> = deals.values().map(|d| d.customer_id).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let customer_names: std::collections::HashMap<i64, String> =
        cstore::names(app.db.read(), &customer_ids)
            .await?
            .into_iter()
            .collect();
    let mut out = Vec::with_capacity(rows.len());
    for q in rows {
        let deal = deals.get(&q.deal_id);
        let owner_id = deal.and_then(|d| d.owner_id);
        let customer_id = deal.map(|d| d.customer_id).unwrap_or_default();
        let state = state_of(&q);
        let works = ctx.actor.may_work_deal(owner_id);
        let deal_open = deal.is_some_and(|d| d.state == "open");
        out.push(Quote {
            id: q.id,
            deal_id: q.deal_id,
            deal_name: deal.map(|d| d.name.clone()).unwrap_or_default(),
            customer_id,
            customer_name: customer_names
                .get(&customer_id)
                .cloned()
                .unwrap_or_default(),
            owner_id,
            owner_name: name(owner_id),
            version: q.version,
            state,
            valid_until: q.valid_until,
            note: q.note,
            totals: LineAmounts {
                list: Money::from_fen(q.list_fen),
                net: Money::from_fen(q.net_fen),
                tax: Money::from_fen(q.tax_fen),
                gross: Money::from_fen(q.gross_fen),
            },
            max_discount_bp: bp(q.max_discount_bp),
            needs_approval: q.needs_approval,
            approver_id: q.approver_id,
            approver_name: name(q.approver_id),
            submitted_by_name: name(q.submitted_by),
            submitted_at: q.submitted_at,
            decided_by_name: name(q.decided_by),
            decided_at: q.decided_at,
            decision_comment: q.decision_comment,
            sent_by_name: name(q.sent_by),
            sent_at: q.sent_at,
            created_at: q.created_at,
            updated_at: q.updated_at,
            row_version: q.row_version,
            lines: vec![],
            can_edit: works && state == QuoteState::Draft,
            can_submit: works && state == QuoteState::Draft && q.needs_approval,
            can_decide: state == QuoteState::Pending
                && may_decide(ctx, q.approver_id, q.submitted_by),
            can_send: works
                && (state == QuoteState::Approved
                    || (state == QuoteState::Draft && !q.needs_approval && q.gross_fen > 0)),
            can_new_version: works && deal_open,
        });
    }
    Ok(out)
}

/// One quotation ("not found" outside the reader's scope), with its lines.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Quote> {
    let v = crate::customers::visible(app, ctx).await?;
    let q = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = store::lines(app.db.read(), id).await?;
    let mut q = views(app, ctx, vec![q]).await?.remove(0);
    q.lines = lines
        .into_iter()
        .map(|l| Line {
            product_code: l.product_code,
            quantity: l.quantity,
            list_price: Money::from_fen(l.list_price_fen),
            discount_bp: bp(l.discount_bp),
            tax_bp: bp(l.tax_bp),
            amounts: LineAmounts {
                list: Money::from_fen(l.list_fen),
                net: Money::from_fen(l.net_fen),
                tax: Money::from_fen(l.tax_fen),
                gross: Money::from_fen(l.gross_fen),
            },
        })
        .collect();
    Ok(q)
}

/// A deal's quotations, the newest version first.
pub async fn for_deal(app: &App, ctx: &Ctx, deal_id: i64) -> Result<Vec<Quote>> {
    let v = crate::customers::visible(app, ctx).await?;
    dstore::get(app.db.read(), deal_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = store::for_deal(app.db.read(), deal_id).await?;
    views(app, ctx, rows).await
}

/// A page of a customer's quotations, the most recently changed first.
pub async fn for_customer(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    page: Page,
) -> Result<Paged<Quote>> {
    let v = crate::customers::visible(app, ctx).await?;
    cstore::get(app.db.read(), customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = store::for_customer(app.db.read(), customer_id, page).await?;
    let items = views(app, ctx, p.items).await?;
    Ok(Paged {
        items,
        total: p.total,
        total_exact: p.total_exact,
        page: p.page,
    })
}

fn waiting_for(ctx: &Ctx) -> Option<Waiting> {
    match ctx.actor.position {
        Some(Position::SalesDirector | Position::SalesVp) => Some(Waiting::Any),
        Some(p) if p.is_manager() => Some(Waiting::For(ctx.actor.user_id)),
        _ => None,
    }
}

/// The quotations waiting for the reader's decision, the longest waiting first (a manager's
/// queue; empty for everyone else).
pub async fn waiting(app: &App, ctx: &Ctx, page: Page) -> Result<Paged<Quote>> {
    let Some(w) = waiting_for(ctx) else {
        return Ok(Paged {
            items: vec![],
            total: 0,
            total_exact: true,
            page,
        });
    };
    let v = crate::customers::visible(app, ctx).await?;
    let p = store::waiting(app.db.read(), w, &v, page).await?;
    let items = views(app, ctx, p.items)
        .await?
        .into_iter()
        .filter(|q| q.can_decide)
        .collect();
    Ok(Paged {
        items,
        total: p.total,
        total_exact: p.total_exact,
        page: p.page,
    })
}

/// How many quotations wait for the reader (the navigation's count; cached per person).
pub async fn waiting_count(app: &App, ctx: &Ctx) -> Result<u64> {
    let Some(w) = waiting_for(ctx) else {
        return Ok(0);
    };
    app.cached(format!("quotes_waiting:{}", ctx.actor.user_id), async {
        let v = crate::customers::visible(app, ctx).await?;
        Ok(store::count_waiting(app.db.read(), w, &v).await?)
    })
    .await
}

// ---- Writing ----

fn totals_of(f: &QuoteFields, limit_bp: u32) -> Totals {
    Totals {
        list_fen: f.totals.list.fen(),
        net_fen: f.totals.net.fen(),
        tax_fen: f.totals.tax.fen(),
        gross_fen: f.totals.gross.fen(),
        max_discount_bp: i32::try_from(f.max_discount_bp).unwrap_or(i32::MAX),
        needs_approval: rules::needs_approval(f.max_discount_bp, limit_bp),
    }
}

fn new_lines(f: &QuoteFields) -> Vec<store::NewLine> {
    f.lines
        .iter()
        .map(|l| store::NewLine {
            product_code: l.product_code.clone(),
            quantity: l.quantity,
            list_price_fen: l.list_price.fen(),
            discount_bp: i32::try_from(l.discount_bp).unwrap_or(0),
            tax_bp: i32::try_from(l.tax_bp).unwrap_or(0),
            list_fen: l.amounts.list.fen(),
            net_fen: l.amounts.net.fen(),
            tax_fen: l.amounts.tax.fen(),
            gross_fen: l.amounts.gross.fen(),
        })
        .collect()
}

fn lines_json(lines: &[store::NewLine]) -> serde_json::Value {
    json!(
        lines
            .iter()
            .map(
                |l| json!({"product_code": l.product_code, "quantity": l.quantity,
                "list_price": Money::from_fen(l.list_price_fen).to_decimal(),
                "discount_bp": l.discount_bp, "tax_bp": l.tax_bp,
                "net": Money::from_fen(l.net_fen).to_decimal(),
                "gross": Money::from_fen(l.gross_fen).to_decimal()})
            )
            .collect::<Vec<_>>()
    )
}

fn snapshot(q: &store::Quote) -> serde_json::Value {
    json!({"deal_id": q.deal_id, "version": q.version, "state": q.state,
           "valid_until": q.valid_until, "note": q.note,
           "net": Money::from_fen(q.net_fen).to_decimal(),
           "tax": Money::from_fen(q.tax_fen).to_decimal(),
           "gross": Money::from_fen(q.gross_fen).to_decimal(),
           "max_discount_bp": q.max_discount_bp, "needs_approval": q.needs_approval,
           "row_version": q.row_version})
}

/// Makes the deal's next version (a draft): a copy of its latest quotation, or — the first —
/// its products at a list price of ¥0.00 to fill in, valid for the settings' days. Only on an
/// open deal, by whoever works on it.
pub async fn create_version(app: &App, ctx: &Ctx, deal_id: i64) -> Result<Quote> {
    let v = crate::customers::visible(app, ctx).await?;
    let set = settings(app).await?;
    let today = crate::records::today(app);
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let d = dstore::get(&tx, deal_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_work_deal(d.owner_id) {
        return Err(AppError::Forbidden);
    }
    if d.state != "open" {
        return Err(AppError::conflict("deal_id", "error.quote_deal_closed"));
    }
    let latest = store::latest(&tx, deal_id).await?;
    let valid_until = today + Duration::days(i64::from(set.validity_days));
    let (version, note, lines, copied_from) = match &latest {
        Some(l) => {
            let lines = store::lines(&tx, l.id)
                .await?
                .into_iter()
                .map(|x| store::NewLine {
                    product_code: x.product_code,
                    quantity: x.quantity,
                    list_price_fen: x.list_price_fen,
                    discount_bp: x.discount_bp,
                    tax_bp: x.tax_bp,
                    list_fen: x.list_fen,
                    net_fen: x.net_fen,
                    tax_fen: x.tax_fen,
                    gross_fen: x.gross_fen,
                })
                .collect::<Vec<_>>();
            (l.version + 1, l.note.clone(), lines, Some(l.id))
        }
        None => {
            let lines = dstore::lines(&tx, deal_id)
                .await?
                .into_iter()
                .map(|x| store::NewLine {
                    product_code: x.product_code,
                    quantity: x.quantity,
                    list_price_fen: 0,
                    discount_bp: 0,
                    tax_bp: i32::try_from(rules::DEFAULT_TAX_RATE).unwrap_or(0),
                    list_fen: 0,
                    net_fen: 0,
                    tax_fen: 0,
                    gross_fen: 0,
                })
                .collect();
            (1, None, lines, None)
        }
    };
    let max_discount = lines.iter().map(|l| bp(l.discount_bp)).max().unwrap_or(0);
    let sum = |f: fn(&store::NewLine) -> i64| lines.iter().map(f).sum::<i64>();
    let totals = Totals {
        list_fen: sum(|l| l.list_fen),
        net_fen: sum(|l| l.net_fen),
        tax_fen: sum(|l| l.tax_fen),
        gross_fen: sum(|l| l.gross_fen),
        max_discount_bp: i32::try_from(max_discount).unwrap_or(0),
        needs_approval: rules::needs_approval(max_discount, set.discount_limit_bp),
    };
    let q = store::insert(
        &tx,
        store::NewQuote {
            deal_id,
            version,
            valid_until,
            note,
            totals,
            created_by: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    store::set_lines(&tx, q.id, &lines).await?;
    let mut after = snapshot(&q);
    after["lines"] = lines_json(&lines);
    after["copied_from"] = json!(copied_from);
    audit::insert(
        &tx,
        ctx.audit("quote.create", "quote", Some(q.id), None, Some(after)),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, q.id).await
}

/// Checks the fields and the lines' products (each active in the products list).
async fn parse_quote(app: &App, input: &QuoteInput) -> Result<QuoteFields> {
    let products = crate::products::all(app).await?;
    let today = crate::records::today(app);
    let parsed = QuoteFields::parse(input, today);
    let mut errs = match &parsed {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    for (row, l) in input.lines.iter().enumerate() {
        let code = l.product_code.trim();
        if !code.is_empty() && !products.iter().any(|p| p.active && p.code == code) {
            errs.push(FieldError::new(
                format!("lines[{row}].product"),
                "error.quote_unknown_product",
            ));
        }
    }
    errs.into_result()?;
    Ok(parsed?)
}

fn stale(q: &store::Quote) -> AppError {
    AppError::Stale {
        version: q.row_version,
        changed: vec![("state".into(), json!(q.state))],
    }
}

/// Edits a draft: validity, note and lines (replacing them). `row_version` is the one read
/// (409 `stale` when it changed since). A quotation no longer a draft — submitted, approved,
/// sent, rejected — is refused with 409 on `state`; nothing is written when any field is bad.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    input: &QuoteInput,
    row_version: Option<i32>,
) -> Result<Quote> {
    let v = crate::customers::visible(app, ctx).await?;
    let set = settings(app).await?;
    let now = app.config.clock.now();
    // Who may and whether it is a draft come first: a sent quotation is "sent", not "bad price".
    let q = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = dstore::get(app.db.read(), q.deal_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_work_deal(d.owner_id) {
        return Err(AppError::Forbidden);
    }
    if state_of(&q) != QuoteState::Draft {
        return Err(AppError::conflict("state", "error.quote_not_editable"));
    }
    let f = parse_quote(app, input).await?;
    if f.lines.is_empty() {
        return Err(AppError::field("lines", "error.quote_no_lines"));
    }
    let tx = app.db.begin().await?;
    let q = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let expected = row_version.unwrap_or(q.row_version);
    if state_of(&q) != QuoteState::Draft {
        return Err(AppError::conflict("state", "error.quote_not_editable"));
    }
    if expected != q.row_version {
        return Err(stale(&q));
    }
    let totals = totals_of(&f, set.discount_limit_bp);
    let ok = store::update_draft(
        &tx,
        id,
        expected,
        store::DraftUpdate {
            valid_until: f.valid_until,
            note: f.note.clone(),
            totals,
        },
        now,
    )
    .await?;
    if !ok {
        let cur = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
        return Err(stale(&cur));
    }
    let before_lines = store::lines(&tx, id).await?;
    let lines = new_lines(&f);
    store::set_lines(&tx, id, &lines).await?;
    let after = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let mut before = snapshot(&q);
    before["lines"] = json!(
        before_lines
            .iter()
            .map(
                |l| json!({"product_code": l.product_code, "quantity": l.quantity,
                "list_price": Money::from_fen(l.list_price_fen).to_decimal(),
                "discount_bp": l.discount_bp, "tax_bp": l.tax_bp})
            )
            .collect::<Vec<_>>()
    );
    let mut after_json = snapshot(&after);
    after_json["lines"] = lines_json(&lines);
    audit::insert(
        &tx,
        ctx.audit(
            "quote.update",
            "quote",
            Some(id),
            Some(before),
            Some(after_json),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The person asked to approve a quotation of `customer_owner` (or, without one, of the deal's
/// owner): their manager. `None` when they have none (the director or the VP decide).
async fn approver_for(tx: &salesdesk_store::Tx, owner: Option<i64>) -> Result<Option<i64>> {
    let Some(owner) = owner else {
        return Ok(None);
    };
    Ok(users::get(tx, owner)
        .await?
        .and_then(|u| u.manager_id)
        .filter(|m| *m != owner))
}

/// Does `action` to the quotation: submit (a draft above the limit → pending, asking the
/// customer's owner's manager), approve or reject (pending → approved / rejected; a
/// rejection needs a comment), send (approved, or a draft within the limit → sent). One
/// conditional UPDATE on the state read: 409 with the state it is in when someone else moved it
/// first, or when the move is not allowed from there.
pub async fn act(app: &App, ctx: &Ctx, id: i64, action: Action, comment: &str) -> Result<Quote> {
    let v = crate::customers::visible(app, ctx).await?;
    let comment = match action {
        Action::Reject => Some(
            rules::parse_comment(comment)
                .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?,
        ),
        Action::Approve => {
            salesdesk_domain::validate::optional_long_text("comment", comment, rules::MAX_COMMENT)
                .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?
        }
        _ => None,
    };
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let q = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let d = dstore::get(&tx, q.deal_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = state_of(&q);
    match action {
        Action::Submit | Action::Send => {
            if !ctx.actor.may_work_deal(d.owner_id) {
                return Err(AppError::Forbidden);
            }
        }
        Action::Approve | Action::Reject => {
            if from == QuoteState::Pending && !may_decide(ctx, q.approver_id, q.submitted_by) {
                return Err(AppError::Forbidden);
            }
        }
    }
    let to =
        rules::check(from, action, q.needs_approval).map_err(|k| AppError::conflict("state", k))?;
    // Nothing to offer: no lines, or every price still ¥0.00 (a first version's prefill).
    if matches!(action, Action::Submit | Action::Send) && q.gross_fen <= 0 {
        return Err(AppError::conflict("lines", "error.quote_empty"));
    }
    let mut t = Transition {
        to: to.as_str(),
        ..Default::default()
    };
    let mut approver = None;
    match action {
        Action::Submit => {
            let customer_owner = cstore::get(&tx, d.customer_id, &Visible::All)
                .await?
                .and_then(|c| c.owner_id)
                .or(d.owner_id);
            approver = approver_for(&tx, customer_owner).await?;
            t.approver_id = Some(approver);
            t.submitted_by = ctx.actor_id();
        }
        Action::Approve | Action::Reject => {
            t.decided_by = ctx.actor_id();
            t.decision_comment = comment.clone();
        }
        Action::Send => {
            t.sent_by = ctx.actor_id();
            t.only_within_limit = from == QuoteState::Draft;
        }
    }
    if !store::transition(&tx, id, from.as_str(), t, now).await? {
        let cur = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
        let key = match rules::check(state_of(&cur), action, cur.needs_approval) {
            Err(k) => k,
            Ok(_) => "error.quote_changed",
        };
        return Err(AppError::conflict("state", key));
    }
    audit::insert(
        &tx,
        ctx.audit(
            &format!("quote.{}", action.as_str()),
            "quote",
            Some(id),
            Some(json!({"state": from.as_str(), "row_version": q.row_version})),
            Some(json!({"state": to.as_str(), "approver_id": approver,
                        "comment": comment, "gross": Money::from_fen(q.gross_fen).to_decimal(),
                        "max_discount_bp": q.max_discount_bp})),
        ),
    )
    .await?;
    let customer_name = cstore::names(&tx, &[d.customer_id])
        .await?
        .into_iter()
        .next()
        .map(|x| x.1)
        .unwrap_or_default();
    let params = json!({"who": ctx.display_name, "customer": customer_name,
                        "deal": d.name, "version": q.version,
                        "comment": comment.clone().unwrap_or_default()});
    let link = Some(format!("/quotes/{id}"));
    match action {
        Action::Submit => {
            if let Some(a) = approver {
                notifications::insert_about(
                    &tx,
                    a,
                    "quote_submitted",
                    params,
                    link,
                    Some(("quote", id)),
                )
                .await?;
            }
        }
        Action::Approve | Action::Reject => {
            notifications::mark_done(&tx, "quote", id).await?;
            if let Some(by) = q.submitted_by.filter(|b| Some(*b) != ctx.actor_id()) {
                let kind = if action == Action::Approve {
                    "quote_approved"
                } else {
                    "quote_rejected"
                };
                notifications::insert(&tx, by, kind, params, link).await?;
            }
        }
        Action::Send => {}
    }
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}
