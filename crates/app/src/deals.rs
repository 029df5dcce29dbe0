//! Deals (商机, issue 13 point 1): a potential customer's chances of a sale, the pipeline's
//! stages, moves between them with their history, the board, the list and the weighted
//! forecast by month.
//!
//! - **Visibility** is the customer's: a deal is read through its customer's data scope
//!   (`customers::visible`); outside it a deal is "not found". Creating, editing and moving a
//!   deal is for its owner and the managers (`Actor::may_work_deal`); reopening a won deal for
//!   the managers only; reassigning for the managers.
//! - **Create** only on a customer in status potential (S4.3: in commercial negotiation).
//! - **Moves** are one conditional UPDATE on the version read (`store::deals::move_stage`): of
//!   two managers moving the same deal at once, one wins and the other gets 409 `stale` with
//!   the stage it is in now. Each move writes a `deal_stage_history` row and an audit row in
//!   the same transaction.
//! - **Forecast**: open deals by the month of their expected signing date (amount and amount ×
//!   probability), deals won by the month they were won in the company's zone.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use salesdesk_domain::Money;
use salesdesk_domain::customer::CustomerStatus;
use salesdesk_domain::deal::{
    self as rules, DealFields, DealInput, Month, Move, OpenSums, StageKind, WonSums,
};
use salesdesk_domain::product::ProductCode;
use salesdesk_domain::{Capability, FieldError, FieldErrors, validate};
use salesdesk_store::customers::{self as cstore, Visible};
use salesdesk_store::deals::{self as store, DealFilter, StageFields};
use salesdesk_store::{Page, Paged, audit, users};
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Ctx, Result};

pub use salesdesk_store::deals::Stage;

// ---- Stages ----

/// Every stage, active or not, in board order (cached: every deal page reads it).
pub async fn stages(app: &App) -> Result<Arc<Vec<Stage>>> {
    app.cached_arc("deal_stages".into(), async {
        Ok(store::stages(app.db.read()).await?)
    })
    .await
}

/// A stage's kind (`open` for anything unknown).
pub fn kind_of(s: &Stage) -> StageKind {
    StageKind::parse(&s.kind).unwrap_or(StageKind::Open)
}

/// A stage's name in a language (`en…` English, else Chinese).
pub fn stage_name(s: &Stage, lang: &str) -> String {
    if lang.starts_with("en") {
        s.name_en.clone()
    } else {
        s.name_zh.clone()
    }
}

/// A stage as the administrator types it. `code` is read on creation only.
#[derive(Debug, Clone, Default)]
pub struct StageInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub probability: String,
    /// Empty: at the end (creation) or unchanged.
    pub position: String,
    pub active: bool,
}

fn position_of(s: &str) -> std::result::Result<Option<i32>, FieldError> {
    match s.trim() {
        "" => Ok(None),
        p => p
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=10_000).contains(p))
            .map(Some)
            .ok_or_else(|| FieldError::new("position", "error.deal_position")),
    }
}

/// Adds an open stage (administrators); won and lost exist once each, shipped.
pub async fn create_stage(app: &App, ctx: &Ctx, i: &StageInput) -> Result<Stage> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let code = errs.take(ProductCode::parse("code", &i.code));
    let names = rules::parse_stage(&i.name_zh, &i.name_en, &i.probability, StageKind::Open);
    let position = errs.take(position_of(&i.position)).flatten();
    let (zh, en, p) = match names {
        Ok(x) => Some(x),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    }
    .unwrap_or_default();
    errs.into_result()?;
    let code = code.map(|c| c.as_str().to_string()).unwrap_or_default();
    let all = stages(app).await?;
    // Before the won and lost stages unless placed: new open stages join the open ones.
    let position = position.unwrap_or_else(|| {
        all.iter()
            .filter(|s| kind_of(s) == StageKind::Open)
            .map(|s| s.position + 1)
            .max()
            .unwrap_or(1)
    });
    let tx = app.db.begin().await?;
    let s = store::insert_stage(
        &tx,
        &code,
        StageFields {
            name_zh: zh,
            name_en: en,
            probability: i32::from(p),
            position,
            active: true,
        },
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            "deal_stage.create",
            "deal_stage",
            Some(s.id),
            None,
            Some(stage_json(&s)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(s)
}

fn stage_json(s: &Stage) -> serde_json::Value {
    json!({"code": s.code, "name_zh": s.name_zh, "name_en": s.name_en, "kind": s.kind,
           "probability": s.probability, "position": s.position, "active": s.active})
}

/// Renames, re-weights, moves or (de)activates a stage (administrators). Won and lost keep
/// their probability and stay active; an open stage with deals in it is not deactivated, and
/// one open stage always stays active.
pub async fn update_stage(app: &App, ctx: &Ctx, id: i64, i: &StageInput) -> Result<Stage> {
    if !ctx.actor.can(Capability::ManageSettings) {
        return Err(AppError::Forbidden);
    }
    let tx = app.db.begin().await?;
    let before = store::stage(&tx, id).await?.ok_or(AppError::NotFound)?;
    let kind = kind_of(&before);
    let mut errs = FieldErrors::new();
    let position = errs.take(position_of(&i.position)).flatten();
    let (zh, en, p) = match rules::parse_stage(&i.name_zh, &i.name_en, &i.probability, kind) {
        Ok(x) => x,
        Err(e) => {
            errs.0.extend(e.0);
            Default::default()
        }
    };
    if !i.active && before.active {
        if kind != StageKind::Open {
            errs.push(FieldError::new("active", "error.deal_stage_closed_kind"));
        } else if store::count_in_stage(&tx, id).await? > 0 {
            errs.push(FieldError::new("active", "error.deal_stage_in_use"));
        } else {
            let others = store::stages(&tx)
                .await?
                .into_iter()
                .filter(|s| s.id != id && s.active && kind_of(s) == StageKind::Open)
                .count();
            if others == 0 {
                errs.push(FieldError::new("active", "error.deal_stage_last_open"));
            }
        }
    }
    errs.into_result()?;
    store::update_stage(
        &tx,
        id,
        StageFields {
            name_zh: zh,
            name_en: en,
            probability: i32::from(p),
            position: position.unwrap_or(before.position),
            active: i.active || kind != StageKind::Open,
        },
    )
    .await?;
    let after = store::stage(&tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &tx,
        ctx.audit(
            "deal_stage.update",
            "deal_stage",
            Some(id),
            Some(stage_json(&before)),
            Some(stage_json(&after)),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(after)
}

// ---- Reading ----

/// A product line of a deal.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub product_code: String,
    pub quantity: i64,
}

/// A deal as pages and the API show it.
#[derive(Debug, Clone)]
pub struct Deal {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    pub amount: Money,
    pub expected_sign_date: NaiveDate,
    pub stage_id: i64,
    pub stage_code: String,
    pub stage_name_zh: String,
    pub stage_name_en: String,
    /// `open`, `won`, `lost`.
    pub state: String,
    pub probability: u8,
    /// amount × probability.
    pub weighted: Money,
    pub competitors: Option<String>,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub lost_note: Option<String>,
    pub won_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// On one deal only (empty in lists).
    pub lines: Vec<Line>,
    /// The reader may edit and move it.
    pub can_work: bool,
    /// The reader may reopen it (closed deals).
    pub can_reopen: bool,
}

impl Deal {
    pub fn stage_name(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.stage_name_en
        } else {
            &self.stage_name_zh
        }
    }
}

pub(crate) async fn views(app: &App, ctx: &Ctx, rows: Vec<store::Deal>) -> Result<Vec<Deal>> {
    let names = crate::people::display_names(app).await?;
    let stages = stages(app).await?;
    // One look-up of every customer's name (a board shows up to 50 cards a column).
    let mut ids: Vec<i64> = rows.iter().map(|d| d.customer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let customer_names: std::collections::HashMap<i64, String> = cstore::names(app.db.read(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        let customer_name = customer_names
            .get(&d.customer_id)
            .cloned()
            .unwrap_or_default();
        let stage = stages.iter().find(|s| s.id == d.stage_id);
        let can_work = ctx.actor.may_work_deal(d.owner_id);
        let can_reopen = match d.state.as_str() {
            "won" => ctx.actor.may_reopen_won_deal(),
            "lost" => can_work,
            _ => false,
        };
        let probability = u8::try_from(d.probability.clamp(0, 100)).unwrap_or(0);
        let amount = Money::from_fen(d.amount_fen);
        out.push(Deal {
            id: d.id,
            customer_id: d.customer_id,
            customer_name,
            name: d.name,
            owner_name: d.owner_id.and_then(|o| names.get(&o).cloned()),
            owner_id: d.owner_id,
            region_id: d.region_id,
            amount,
            expected_sign_date: d.expected_sign_date,
            stage_id: d.stage_id,
            stage_code: stage.map(|s| s.code.clone()).unwrap_or_default(),
            stage_name_zh: stage.map(|s| s.name_zh.clone()).unwrap_or_default(),
            stage_name_en: stage.map(|s| s.name_en.clone()).unwrap_or_default(),
            state: d.state,
            probability,
            weighted: rules::weighted(amount, probability),
            competitors: d.competitors,
            lost_reason: d.lost_reason,
            lost_to: d.lost_to,
            lost_note: d.lost_note,
            won_at: d.won_at,
            closed_at: d.closed_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
            version: d.version,
            lines: vec![],
            can_work,
            can_reopen,
        });
    }
    Ok(out)
}

/// One deal ("not found" outside the reader's scope), with its lines.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<Deal> {
    let v = crate::customers::visible(app, ctx).await?;
    let d = store::get(app.db.read(), id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = store::lines(app.db.read(), id).await?;
    let mut d = views(app, ctx, vec![d]).await?.remove(0);
    d.lines = lines
        .into_iter()
        .map(|l| Line {
            product_code: l.product_code,
            quantity: l.quantity,
        })
        .collect();
    Ok(d)
}

/// A customer's deals, newest first (its page's Deals section).
pub async fn for_customer(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Vec<Deal>> {
    let v = crate::customers::visible(app, ctx).await?;
    cstore::get(app.db.read(), customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = store::for_customer(app.db.read(), customer_id).await?;
    views(app, ctx, rows).await
}

/// A list's, the board's and the forecast's filters, as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DealQuery {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// `open`, `won`, `lost`.
    pub state: Option<String>,
    /// Expected signing month, `2026-12`.
    pub month: Option<String>,
    pub customer_id: Option<i64>,
}

impl DealQuery {
    pub(crate) fn filter(&self) -> Result<DealFilter> {
        let mut errs = FieldErrors::new();
        let state = match self.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match StageKind::parse(s) {
                Some(k) => Some(k.as_str().to_string()),
                None => {
                    errs.push(FieldError::new("state", "error.invalid_choice"));
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
        Ok(DealFilter {
            owner: self.owner_id,
            region: self.region_id,
            stage: self.stage_id,
            state,
            month,
            customer: self.customer_id,
        })
    }
}

/// The reader's visible customers, refusing someone who sees none.
async fn scope(app: &App, ctx: &Ctx) -> Result<Visible> {
    let v = crate::customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

/// A page of the deals the reader sees, the most recently changed first.
pub async fn list(app: &App, ctx: &Ctx, q: &DealQuery, page: Page) -> Result<Paged<Deal>> {
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

/// Cards a board column shows at most (the column states how many there are).
pub const BOARD_CARDS: u64 = 50;

/// One column of the board.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub stage: Stage,
    pub kind: StageKind,
    pub deals: Vec<Deal>,
    pub count: u64,
    pub amount: Money,
    pub weighted: Money,
}

/// The pipeline board: a column per active stage, in order, with the reader's deals
/// (filtered by owner or region) — open stages by expected signing date; won and lost show
/// their most recent.
pub async fn board(app: &App, ctx: &Ctx, q: &DealQuery) -> Result<Vec<BoardColumn>> {
    let v = scope(app, ctx).await?;
    let f = DealFilter {
        stage: None,
        state: None,
        ..q.filter()?
    };
    let shown: Vec<Stage> = stages(app)
        .await?
        .iter()
        .filter(|s| s.active)
        .cloned()
        .collect();
    let ids: Vec<i64> = shown.iter().map(|s| s.id).collect();
    let recent: Vec<i64> = shown
        .iter()
        .filter(|s| kind_of(s) != StageKind::Open)
        .map(|s| s.id)
        .collect();
    // PostgreSQL appends the totals' changes as deltas (m0053); once more than a few hundred
    // wait, this reader folds them, in a short transaction of its own, before reading.
    if store::board_deltas_waiting(app.db.read()).await? > store::BOARD_FOLD_AT {
        let tx = app.db.begin().await?;
        store::fold_board_deltas(&tx).await?;
        tx.commit()
            .await
            .map_err(salesdesk_store::StoreError::from)?;
    }
    // The totals kept by the database, and the cards by seeks (see store::board).
    let (rows, totals) = store::board(app.db.read(), &f, &v, &ids, &recent, BOARD_CARDS).await?;
    let mut cards = views(app, ctx, rows).await?;
    let mut out = Vec::with_capacity(shown.len());
    for s in shown {
        let t = totals
            .iter()
            .find(|t| t.stage_id == s.id)
            .copied()
            .unwrap_or_default();
        let (deals, rest) = cards.into_iter().partition(|d| d.stage_id == s.id);
        cards = rest;
        out.push(BoardColumn {
            kind: kind_of(&s),
            stage: s,
            deals,
            count: t.deals,
            amount: Money::from_fen(t.amount_fen),
            weighted: Money::from_fen(t.weighted)
                .checked_ratio(1, 100)
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The forecast's query: whose deals (a person, a region, or everything the reader sees: the
/// department for the director and the VP) and which months.
#[derive(Debug, Clone, Default)]
pub struct ForecastQuery {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    /// The first month, `2026-12`; default the current month in the company's zone.
    pub from: Option<String>,
    /// How many months, 1–24; default 6.
    pub months: Option<u32>,
}

/// The forecast table and its totals.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub rows: Vec<rules::ForecastRow>,
    pub open_deals: u64,
    pub pipeline: Money,
    pub weighted: Money,
    pub won_deals: u64,
    pub won: Money,
}

/// The weighted forecast by month for the reader's scope, one person or one region.
pub async fn forecast(app: &App, ctx: &Ctx, q: &ForecastQuery) -> Result<Forecast> {
    let v = scope(app, ctx).await?;
    let from = match q.from.as_deref().map(str::trim) {
        None | Some("") => Month::of(crate::records::today(app)),
        Some(m) => Month::parse(m).ok_or_else(|| AppError::field("from", "error.deal_month"))?,
    };
    let months = q.months.unwrap_or(6);
    if !(1..=24).contains(&months) {
        return Err(AppError::field("months", "error.deal_months"));
    }
    let mut to = from;
    for _ in 1..months {
        to = to.next();
    }
    let f = DealFilter {
        owner: q.owner_id,
        region: q.region_id,
        ..Default::default()
    };
    let open: Vec<OpenSums> = store::open_by_month(app.db.read(), &f, &v, from.key(), to.key())
        .await?
        .into_iter()
        .map(|(m, n, a, w)| OpenSums {
            month_key: m,
            deals: u64::try_from(n).unwrap_or(0),
            amount_fen: a,
            amount_percent: w,
        })
        .collect();
    let won: Vec<WonSums> = store::won_by_month(app.db.read(), &f, &v, from.key(), to.key())
        .await?
        .into_iter()
        .map(|(m, n, a)| WonSums {
            month_key: m,
            deals: u64::try_from(n).unwrap_or(0),
            amount_fen: a,
        })
        .collect();
    let rows = rules::forecast(from, to, &open, &won);
    let total =
        |f: fn(&rules::ForecastRow) -> Money| Money::sum(rows.iter().map(f)).unwrap_or_default();
    Ok(Forecast {
        open_deals: rows.iter().map(|r| r.open_deals).sum(),
        pipeline: total(|r| r.pipeline),
        weighted: total(|r| r.weighted),
        won_deals: rows.iter().map(|r| r.won_deals).sum(),
        won: total(|r| r.won),
        rows,
    })
}

/// A stage change as the deal page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub at: DateTime<Utc>,
    /// `create`, `move`, `won`, `lost`, `reopen`.
    pub action: String,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub probability: i32,
    pub amount_fen: i64,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub note: Option<String>,
    pub actor_name: Option<String>,
}

/// A deal's stage history, oldest first.
pub async fn history(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<Change>> {
    get(app, ctx, id).await?;
    let names = crate::people::display_names(app).await?;
    Ok(store::changes(app.db.read(), id)
        .await?
        .into_iter()
        .map(|h| Change {
            at: h.at,
            action: h.action,
            from_stage_id: h.from_stage_id,
            to_stage_id: h.to_stage_id,
            probability: h.probability,
            amount_fen: h.amount_fen,
            lost_reason: h.lost_reason,
            lost_to: h.lost_to,
            note: h.note,
            actor_name: h.actor_id.and_then(|a| names.get(&a).cloned()),
        })
        .collect())
}

// ---- Writing ----

/// Parses a deal's fields and checks its lines' products against the list (each a known,
/// active product), reporting every bad field at once.
async fn parse_deal(app: &App, input: &DealInput) -> Result<DealFields> {
    let products = crate::products::all(app).await?;
    let parsed = DealFields::parse(input);
    let mut errs = match &parsed {
        Ok(_) => FieldErrors::new(),
        Err(e) => e.clone(),
    };
    for (row, (code, _)) in input.lines.iter().enumerate() {
        let code = code.trim();
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

fn snapshot(d: &store::Deal) -> serde_json::Value {
    json!({"customer_id": d.customer_id, "name": d.name, "owner_id": d.owner_id,
           "region_id": d.region_id, "amount": Money::from_fen(d.amount_fen).to_decimal(),
           "expected_sign_date": d.expected_sign_date, "stage_id": d.stage_id,
           "state": d.state, "probability": d.probability, "competitors": d.competitors,
           "version": d.version})
}

/// Creates a deal on a customer in status potential (S4.3), in the first active open stage
/// unless another open stage is given; owned by the customer's owner (the creator when the
/// customer has none), in the customer's region.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    input: &DealInput,
    stage_id: Option<i64>,
) -> Result<Deal> {
    let v = scope(app, ctx).await?;
    let f = parse_deal(app, input).await?;
    let all = stages(app).await?;
    let stage = match stage_id {
        Some(id) => all
            .iter()
            .find(|s| s.id == id && s.active && kind_of(s) == StageKind::Open)
            .ok_or_else(|| AppError::field("stage_id", "error.invalid_choice"))?,
        None => all
            .iter()
            .find(|s| s.active && kind_of(s) == StageKind::Open)
            .ok_or_else(|| AppError::field("stage_id", "error.deal_no_open_stage"))?,
    };
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let c = cstore::get(&tx, customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.actor.may_work_deal(c.owner_id) {
        return Err(AppError::Forbidden);
    }
    if CustomerStatus::parse(&c.status) != Some(CustomerStatus::Potential) {
        return Err(AppError::conflict(
            "customer_id",
            "error.deal_customer_not_potential",
        ));
    }
    let owner_id = c.owner_id.or(Some(ctx.actor.user_id).filter(|u| *u != 0));
    let probability = i32::from(
        f.probability
            .unwrap_or(u8::try_from(stage.probability).unwrap_or(0)),
    );
    let d = store::insert(
        &tx,
        store::NewDeal {
            customer_id,
            name: f.name.clone(),
            owner_id,
            region_id: c.region_id,
            amount_fen: f.amount.fen(),
            expected_sign_date: f.expected_sign_date,
            expected_month: Month::of(f.expected_sign_date).key(),
            stage_id: stage.id,
            probability,
            competitors: f.competitors.clone(),
            created_by: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    store::set_lines(&tx, d.id, &f.lines).await?;
    store::insert_change(
        &tx,
        store::NewChange {
            deal_id: d.id,
            action: "create",
            from_stage_id: None,
            to_stage_id: stage.id,
            probability,
            amount_fen: d.amount_fen,
            lost_reason: None,
            lost_to: None,
            note: None,
            actor_id: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    let mut after = snapshot(&d);
    after["lines"] = json!(f.lines);
    audit::insert(
        &tx,
        ctx.audit("deal.create", "deal", Some(d.id), None, Some(after)),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, d.id).await
}

/// Edits an open deal: name, amount, expected date, competitors, probability (empty: the
/// stage's default), lines; and its owner (managers, to someone in their scope). `version` is
/// the one read: 409 `stale` when the deal changed since.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    input: &DealInput,
    owner_id: Option<i64>,
    version: Option<i32>,
) -> Result<Deal> {
    let v = scope(app, ctx).await?;
    let f = parse_deal(app, input).await?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let d = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !ctx.actor.may_work_deal(d.owner_id) {
        return Err(AppError::Forbidden);
    }
    let expected = version.unwrap_or(d.version);
    if expected != d.version {
        return Err(stale(&d));
    }
    if d.state != "open" {
        return Err(AppError::conflict("stage_id", "error.deal_closed_edit"));
    }
    let (owner, region) = match owner_id {
        Some(o) if Some(o) != d.owner_id => {
            if !ctx.actor.may_reassign_deal() {
                return Err(AppError::ForbiddenFields(FieldErrors(vec![
                    FieldError::new("owner_id", "error.deal_owner_managers"),
                ])));
            }
            match users::get(&tx, o).await? {
                Some(u)
                    if u.active
                        && u.position.is_some()
                        && crate::customers::may_see_owner(&v, u.id) =>
                {
                    (Some(u.id), u.region_id.or(d.region_id))
                }
                Some(u) if u.active && u.position.is_some() => {
                    return Err(AppError::field("owner_id", "error.owner_outside_scope"));
                }
                _ => return Err(AppError::field("owner_id", "error.unknown_person")),
            }
        }
        _ => (d.owner_id, d.region_id),
    };
    let stage_default = store::stage(&tx, d.stage_id)
        .await?
        .map_or(d.probability, |s| s.probability);
    let probability = f.probability.map_or(stage_default, i32::from);
    let ok = store::update(
        &tx,
        id,
        expected,
        store::DealUpdate {
            name: f.name.clone(),
            amount_fen: f.amount.fen(),
            expected_sign_date: f.expected_sign_date,
            expected_month: Month::of(f.expected_sign_date).key(),
            competitors: f.competitors.clone(),
            probability,
            owner_id: owner,
            region_id: region,
        },
        now,
    )
    .await?;
    if !ok {
        let now_d = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
        return Err(stale(&now_d));
    }
    let before_lines = store::lines(&tx, id).await?;
    store::set_lines(&tx, id, &f.lines).await?;
    let after = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    let mut before = snapshot(&d);
    before["lines"] = json!(
        before_lines
            .iter()
            .map(|l| (l.product_code.clone(), l.quantity))
            .collect::<Vec<_>>()
    );
    let mut after_json = snapshot(&after);
    after_json["lines"] = json!(f.lines);
    audit::insert(
        &tx,
        ctx.audit(
            "deal.update",
            "deal",
            Some(id),
            Some(before),
            Some(after_json),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

fn stale(d: &store::Deal) -> AppError {
    AppError::Stale {
        version: d.version,
        changed: vec![
            ("stage_id".into(), json!(d.stage_id)),
            ("state".into(), json!(d.state)),
        ],
    }
}

/// What a stage move sends (raw text where it has rules).
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    /// The version read; without it, the one the move reads (no protection against a change
    /// made just before).
    pub version: Option<i32>,
    /// Lost: a code of `domain::deal::LOST_REASONS`.
    pub lost_reason: String,
    /// Lost: the competitor who won it.
    pub lost_to: String,
    pub note: String,
}

/// Where a move goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Stage(i64),
    Won,
    Lost,
}

/// Moves a deal: to another open stage, to won, to lost (with a reason), or — a closed deal —
/// back to an open stage (a reopen: a won deal by a manager only). One conditional UPDATE on
/// the version; 409 `stale` when the deal moved since it was read.
pub async fn move_to(
    app: &App,
    ctx: &Ctx,
    id: i64,
    target: Target,
    input: &MoveInput,
) -> Result<Deal> {
    let v = scope(app, ctx).await?;
    let all = stages(app).await?;
    let to = match target {
        Target::Stage(s) => all.iter().find(|x| x.id == s && x.active),
        Target::Won => all
            .iter()
            .find(|x| x.active && kind_of(x) == StageKind::Won),
        Target::Lost => all
            .iter()
            .find(|x| x.active && kind_of(x) == StageKind::Lost),
    }
    .ok_or_else(|| AppError::field("stage_id", "error.invalid_choice"))?
    .clone();
    let note = validate::optional_long_text("note", &input.note, rules::MAX_NOTE)
        .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    let now = app.config.clock.now();
    let tx = app.db.begin().await?;
    let d = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
    if !ctx.actor.may_work_deal(d.owner_id) {
        return Err(AppError::Forbidden);
    }
    let expected = input.version.unwrap_or(d.version);
    if expected != d.version {
        return Err(stale(&d));
    }
    let from = store::stage(&tx, d.stage_id)
        .await?
        .map_or(StageKind::Open, |s| kind_of(&s));
    let mv = rules::check_move(from, kind_of(&to), d.stage_id == to.id)
        .map_err(|k| AppError::conflict("stage_id", k))?;
    let mut m = store::StageMove {
        stage_id: to.id,
        state: kind_of(&to).as_str().to_string(),
        probability: to.probability,
        lost_reason: None,
        lost_to: None,
        lost_note: None,
        won_at: None,
        won_month: None,
        closed_at: None,
    };
    let action = match mv {
        Move::Advance => "move",
        Move::Win => {
            m.won_at = Some(now);
            m.won_month = Some(Month::of_instant(now, &app.config.time_zone).key());
            m.closed_at = Some(now);
            "won"
        }
        Move::Lose => {
            let (reason, lost_to) = rules::parse_lost(&input.lost_reason, &input.lost_to)?;
            m.lost_reason = Some(reason);
            m.lost_to = lost_to;
            m.lost_note = note.clone();
            m.closed_at = Some(now);
            "lost"
        }
        Move::Reopen { was_won } => {
            if was_won && !ctx.actor.may_reopen_won_deal() {
                return Err(AppError::Forbidden);
            }
            "reopen"
        }
    };
    if !store::move_stage(&tx, id, expected, m.clone(), now).await? {
        let current = store::get(&tx, id, &v).await?.ok_or(AppError::NotFound)?;
        return Err(stale(&current));
    }
    store::insert_change(
        &tx,
        store::NewChange {
            deal_id: id,
            action,
            from_stage_id: Some(d.stage_id),
            to_stage_id: to.id,
            probability: m.probability,
            amount_fen: d.amount_fen,
            lost_reason: m.lost_reason.clone(),
            lost_to: m.lost_to.clone(),
            note: note.clone(),
            actor_id: ctx.actor_id(),
            at: now,
        },
    )
    .await?;
    audit::insert(
        &tx,
        ctx.audit(
            &format!("deal.{action}"),
            "deal",
            Some(id),
            Some(json!({"stage_id": d.stage_id, "state": d.state,
                        "probability": d.probability, "version": d.version})),
            Some(
                json!({"stage_id": to.id, "state": m.state, "probability": m.probability,
                        "lost_reason": m.lost_reason, "lost_to": m.lost_to, "note": note,
                        "version": d.version + 1}),
            ),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    get(app, ctx, id).await
}

/// The people a manager may give a deal to (their scope's salespeople); empty for others.
pub async fn owner_choices(app: &App, ctx: &Ctx) -> Result<Vec<(i64, String)>> {
    if !ctx.actor.may_reassign_deal() {
        return Ok(vec![]);
    }
    crate::customers::owner_choices(app, ctx).await
}
