//! Deals on pages (issue 13): the pipeline board `/deals/board` (a column per stage; each card
//! moves to the neighbouring stage with a plain form button, so the board works without
//! JavaScript), the list `/deals` (saved filters, CSV/XLSX export), the forecast table `/deals/forecast`, a new deal
//! `/deals/new?customer_id=`, the deal page `/deals/{id}` (edit, move, won, lost, reopen,
//! history), and the administrator's stages `/settings/deal-stages`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::deals::{self as uc, DealQuery, ForecastQuery, MoveInput, StageInput, Target};
use salesdesk_app::export::Export;
use salesdesk_app::saved_filters::ListKind;
use salesdesk_app::{AppError, Page};
use salesdesk_domain::deal::{DealInput, LOST_REASONS, StageKind, lost_reason_key};
use serde::Deserialize;

use super::Choice;
use super::list_tools::{Exportable, ListFilter, ListTools, routes};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deals", get(list))
        .merge(routes::<FilterQ>())
        .route("/deals/board", get(board))
        .route("/deals/forecast", get(forecast))
        .route("/deals/new", get(new_page).post(create))
        .route("/deals/{id}", get(show).post(update))
        .route("/deals/{id}/move", post(move_stage))
        .route("/deals/{id}/won", post(won))
        .route("/deals/{id}/lost", post(lost))
        .route("/settings/deal-stages", get(stages_page).post(create_stage))
        .route("/settings/deal-stages/{id}", post(update_stage))
}

/// The filters the list, the board and the forecast share, as the address carries them.
#[derive(Debug, Default, Deserialize)]
struct FilterQ {
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    months: String,
    page: Option<u64>,
    ok: Option<String>,
}

fn id_of(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

impl FilterQ {
    fn query(&self) -> DealQuery {
        DealQuery {
            owner_id: id_of(&self.owner_id),
            region_id: id_of(&self.region_id),
            stage_id: id_of(&self.stage_id),
            state: Some(self.state.clone()).filter(|s| !s.is_empty()),
            month: Some(self.month.clone()).filter(|s| !s.is_empty()),
            customer_id: id_of(&self.customer_id),
        }
    }

    /// The owner and region part of the address (kept across the board's moves and tabs).
    fn scope_string(&self) -> String {
        query_string(&[
            ("owner_id", id_of(&self.owner_id).map(|x| x.to_string())),
            ("region_id", id_of(&self.region_id).map(|x| x.to_string())),
        ])
    }
}

/// Owner and region choices of the reader's scope, with the current ones selected (also the
/// contracts' filters).
pub(super) async fn scope_choices(
    s: &AppState,
    u: &PageUser,
    owner: Option<i64>,
    region: Option<i64>,
) -> (Vec<Choice<'static>>, Vec<Choice<'static>>) {
    let owners = salesdesk_app::customers::owner_choices(&s.app, &u.ctx)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| Choice::id(id, name, Some(id) == owner))
        .collect();
    let regions = if matches!(u.ctx.actor.data_scope(), salesdesk_domain::DataScope::All) {
        salesdesk_app::org::list(&s.app, &u.ctx)
            .await
            .map(|r| r.as_ref().clone())
            .unwrap_or_default()
            .iter()
            .map(|r| {
                Choice::id(
                    r.id,
                    r.name_in(&u.ctx.locale).to_string(),
                    Some(r.id) == region,
                )
            })
            .collect()
    } else {
        vec![]
    };
    (owners, regions)
}

fn lang_code(u: &PageUser) -> &'static str {
    if u.lang == Lang::En { "en" } else { "zh-CN" }
}

// ---- The board ----

struct Card {
    id: i64,
    name: String,
    customer: String,
    owner: String,
    amount: String,
    weighted: String,
    probability: u8,
    expected: String,
    version: i32,
    can_work: bool,
    /// (stage id, label) of the neighbouring open stages.
    back: Option<(i64, String)>,
    forward: Option<(i64, String)>,
}

struct BoardCol {
    id: i64,
    name: String,
    kind: &'static str,
    probability: i32,
    count: u64,
    amount: String,
    weighted: String,
    more: u64,
    cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "deals_board.html")]
struct BoardPage {
    l: Layout,
    tab: &'static str,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    columns: Vec<BoardCol>,
    /// Where a move returns to.
    back: String,
}

async fn board(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    let dq = DealQuery {
        owner_id: id_of(&q.owner_id),
        region_id: id_of(&q.region_id),
        ..Default::default()
    };
    let cols = match uc::board(&s.app, &u.ctx, &dq).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let lang = lang_code(&u);
    let open: Vec<(i64, String)> = cols
        .iter()
        .filter(|c| c.kind == StageKind::Open)
        .map(|c| (c.stage.id, uc::stage_name(&c.stage, lang)))
        .collect();
    let columns = cols
        .into_iter()
        .map(|c| {
            let at = open.iter().position(|(id, _)| *id == c.stage.id);
            let back = at.and_then(|i| i.checked_sub(1)).map(|i| open[i].clone());
            let forward = at.and_then(|i| open.get(i + 1).cloned());
            BoardCol {
                id: c.stage.id,
                name: uc::stage_name(&c.stage, lang),
                kind: c.kind.as_str(),
                probability: c.stage.probability,
                count: c.count,
                amount: c.amount.display(),
                weighted: c.weighted.display(),
                more: c.count.saturating_sub(c.deals.len() as u64),
                cards: c
                    .deals
                    .into_iter()
                    .map(|d| Card {
                        id: d.id,
                        customer: d.customer_name.clone(),
                        owner: d.owner_name.clone().unwrap_or_default(),
                        amount: d.amount.display(),
                        weighted: d.weighted.display(),
                        probability: d.probability,
                        expected: d.expected_sign_date.to_string(),
                        version: d.version,
                        can_work: d.can_work && d.state == "open",
                        back: back.clone(),
                        forward: forward.clone(),
                        name: d.name,
                    })
                    .collect(),
            }
        })
        .collect();
    let (owners, regions) = scope_choices(&s, &u, dq.owner_id, dq.region_id).await;
    let scope = q.scope_string();
    let back = if scope.is_empty() {
        "/deals/board".to_string()
    } else {
        format!("/deals/board?{scope}")
    };
    let l = Layout::for_user(&s, &u.ctx, "deals", "page.deals_board")
        .await
        .with_flash(q.ok.as_deref());
    render(&BoardPage {
        l,
        tab: "board",
        owners,
        regions,
        columns,
        back,
    })
}

// ---- The list ----

struct Row {
    id: i64,
    name: String,
    customer_id: i64,
    customer: String,
    stage: String,
    state: String,
    owner: String,
    amount: String,
    probability: u8,
    weighted: String,
    expected: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "deals_list.html")]
struct ListPage {
    l: Layout,
    tab: &'static str,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    stages: Vec<Choice<'static>>,
    states: Vec<Choice<'static>>,
    month: String,
    customer_id: String,
    rows: Vec<Row>,
    total: u64,
    pager: Pager,
    errors: FormErrors,
    /// Saved filters, the save form and the export links.
    tools: ListTools,
}

impl Exportable for FilterQ {
    const KIND: ListKind = ListKind::Deals;
    type Rows = salesdesk_app::list_export::DealRows;

    async fn export(
        &self,
        app: &salesdesk_app::App,
        ctx: &salesdesk_app::Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<Self::Rows>, AppError> {
        salesdesk_app::list_export::deals(app, ctx, &self.query(), tr).await
    }
}

impl ListFilter for FilterQ {
    fn encoded(&self) -> String {
        let dq = self.query();
        query_string(&[
            ("owner_id", dq.owner_id.map(|x| x.to_string())),
            ("region_id", dq.region_id.map(|x| x.to_string())),
            ("stage_id", dq.stage_id.map(|x| x.to_string())),
            ("state", dq.state),
            ("month", dq.month),
            ("customer_id", dq.customer_id.map(|x| x.to_string())),
        ])
    }

    async fn page(self, s: &AppState, u: &PageUser, errors: FormErrors) -> Response {
        list_page(s, u, self, errors).await
    }
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    list_page(&s, &u, q, FormErrors::default()).await
}

async fn list_page(s: &AppState, u: &PageUser, q: FilterQ, save_errors: FormErrors) -> Response {
    let tr = Tr(u.lang);
    let dq = q.query();
    let (paged, errors) = match uc::list(&s.app, &u.ctx, &dq, Page::new(q.page, None)).await {
        Ok(p) => (p, FormErrors::default()),
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, tr);
            let clean = DealQuery {
                state: None,
                month: None,
                ..dq.clone()
            };
            match uc::list(&s.app, &u.ctx, &clean, Page::new(q.page, None)).await {
                Ok(p) => (p, fe),
                Err(e) => return page_error(e, u.lang),
            }
        }
        Err(e) => return page_error(e, u.lang),
    };
    let lang = lang_code(u);
    let base = q.encoded();
    let tools = match ListTools::load(s, u, ListKind::Deals, &base, save_errors).await {
        Ok(t) => t,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/deals", &base);
    let rows = paged
        .items
        .iter()
        .map(|d| Row {
            id: d.id,
            name: d.name.clone(),
            customer_id: d.customer_id,
            customer: d.customer_name.clone(),
            stage: d.stage_name(lang).to_string(),
            state: d.state.clone(),
            owner: d.owner_name.clone().unwrap_or_default(),
            amount: d.amount.display(),
            probability: d.probability,
            weighted: d.weighted.display(),
            expected: d.expected_sign_date.to_string(),
            updated: fmt_time(d.updated_at),
        })
        .collect();
    let stages = uc::stages(&s.app)
        .await
        .map(|all| {
            all.iter()
                .map(|st| Choice::id(st.id, uc::stage_name(st, lang), Some(st.id) == dq.stage_id))
                .collect()
        })
        .unwrap_or_default();
    let states = StageKind::ALL
        .into_iter()
        .map(|k| {
            Choice::new(
                k.as_str(),
                tr.t(&format!("deal.state.{}", k.as_str())),
                dq.state.as_deref() == Some(k.as_str()),
            )
        })
        .collect();
    let (owners, regions) = scope_choices(s, u, dq.owner_id, dq.region_id).await;
    let l = Layout::for_user(s, &u.ctx, "deals", "page.deals")
        .await
        .with_flash(q.ok.as_deref());
    let status = if errors.any() || tools.save_errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ListPage {
            l,
            tools,
            tab: "list",
            owners,
            regions,
            stages,
            states,
            month: q.month.chars().take(7).collect(),
            customer_id: dq.customer_id.map(|c| c.to_string()).unwrap_or_default(),
            total: paged.total,
            rows,
            pager,
            errors,
        }),
    )
        .into_response()
}

// ---- The forecast ----

struct ForecastLine {
    month: String,
    open_deals: u64,
    pipeline: String,
    weighted: String,
    won_deals: u64,
    won: String,
}

#[derive(Template)]
#[template(path = "deals_forecast.html")]
struct ForecastPage {
    l: Layout,
    tab: &'static str,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    from: String,
    months: Vec<Choice<'static>>,
    rows: Vec<ForecastLine>,
    total: ForecastLine,
    errors: FormErrors,
}

async fn forecast(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    let tr = Tr(u.lang);
    let months: Option<u32> = q.months.trim().parse().ok();
    let fq = ForecastQuery {
        owner_id: id_of(&q.owner_id),
        region_id: id_of(&q.region_id),
        from: Some(q.from.clone()).filter(|f| !f.trim().is_empty()),
        months,
    };
    let (f, errors) = match uc::forecast(&s.app, &u.ctx, &fq).await {
        Ok(f) => (f, FormErrors::default()),
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, tr);
            let clean = ForecastQuery {
                from: None,
                months: None,
                ..fq.clone()
            };
            match uc::forecast(&s.app, &u.ctx, &clean).await {
                Ok(f) => (f, fe),
                Err(e) => return page_error(e, u.lang),
            }
        }
        Err(e) => return page_error(e, u.lang),
    };
    let rows = f
        .rows
        .iter()
        .map(|r| ForecastLine {
            month: r.month.to_string(),
            open_deals: r.open_deals,
            pipeline: r.pipeline.display(),
            weighted: r.weighted.display(),
            won_deals: r.won_deals,
            won: r.won.display(),
        })
        .collect();
    let total = ForecastLine {
        month: tr.t("deal.forecast_total").to_string(),
        open_deals: f.open_deals,
        pipeline: f.pipeline.display(),
        weighted: f.weighted.display(),
        won_deals: f.won_deals,
        won: f.won.display(),
    };
    let shown = fq.months.filter(|m| (1..=24).contains(m)).unwrap_or(6);
    let month_choices = [3u32, 6, 12, 24]
        .into_iter()
        .map(|m| Choice::new(m.to_string(), m.to_string(), m == shown))
        .collect();
    let (owners, regions) = scope_choices(&s, &u, fq.owner_id, fq.region_id).await;
    let from = f
        .rows
        .first()
        .map(|r| r.month.to_string())
        .unwrap_or_default();
    let l = Layout::for_user(&s, &u.ctx, "deals", "page.deals_forecast").await;
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ForecastPage {
            l,
            tab: "forecast",
            owners,
            regions,
            from,
            months: month_choices,
            rows,
            total,
            errors,
        }),
    )
        .into_response()
}

// ---- New and edit ----

/// The deal form: five product rows (`product_0` / `quantity_0` …).
#[derive(Debug, Default, Deserialize, Clone)]
struct DealForm {
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    expected_sign_date: String,
    #[serde(default)]
    competitors: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    product_0: String,
    #[serde(default)]
    quantity_0: String,
    #[serde(default)]
    product_1: String,
    #[serde(default)]
    quantity_1: String,
    #[serde(default)]
    product_2: String,
    #[serde(default)]
    quantity_2: String,
    #[serde(default)]
    product_3: String,
    #[serde(default)]
    quantity_3: String,
    #[serde(default)]
    product_4: String,
    #[serde(default)]
    quantity_4: String,
}

impl DealForm {
    fn lines(&self) -> Vec<(String, String)> {
        vec![
            (self.product_0.clone(), self.quantity_0.clone()),
            (self.product_1.clone(), self.quantity_1.clone()),
            (self.product_2.clone(), self.quantity_2.clone()),
            (self.product_3.clone(), self.quantity_3.clone()),
            (self.product_4.clone(), self.quantity_4.clone()),
        ]
    }

    fn input(&self) -> DealInput {
        DealInput {
            name: self.name.clone(),
            amount: self.amount.clone(),
            expected_sign_date: self.expected_sign_date.clone(),
            competitors: self.competitors.clone(),
            probability: self.probability.clone(),
            lines: self.lines(),
        }
    }

    fn of(d: &uc::Deal) -> DealForm {
        let mut f = DealForm {
            customer_id: d.customer_id.to_string(),
            name: d.name.clone(),
            amount: d.amount.to_decimal(),
            expected_sign_date: d.expected_sign_date.to_string(),
            competitors: d.competitors.clone().unwrap_or_default(),
            probability: d.probability.to_string(),
            stage_id: d.stage_id.to_string(),
            owner_id: d.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            version: d.version.to_string(),
            ..Default::default()
        };
        let slots: [(&mut String, &mut String); 5] = [
            (&mut f.product_0, &mut f.quantity_0),
            (&mut f.product_1, &mut f.quantity_1),
            (&mut f.product_2, &mut f.quantity_2),
            (&mut f.product_3, &mut f.quantity_3),
            (&mut f.product_4, &mut f.quantity_4),
        ];
        for ((p, q), l) in slots.into_iter().zip(&d.lines) {
            *p = l.product_code.clone();
            *q = l.quantity.to_string();
        }
        f
    }
}

/// A product row of the form.
struct LineRow {
    index: usize,
    products: Vec<Choice<'static>>,
    quantity: String,
    /// The field names its errors come under: `lines[0].product`, `lines[0].quantity`.
    product_field: String,
    quantity_field: String,
}

async fn line_rows(s: &AppState, u: &PageUser, f: &DealForm) -> Vec<LineRow> {
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    f.lines()
        .into_iter()
        .enumerate()
        .map(|(index, (code, quantity))| LineRow {
            index,
            products: products
                .iter()
                .filter(|p| p.active || p.code == code)
                .map(|p| {
                    let label = if u.lang == Lang::En {
                        p.name_en.clone()
                    } else {
                        p.name_zh.clone()
                    };
                    Choice::new(p.code.clone(), label, p.code == code)
                })
                .collect(),
            quantity,
            product_field: format!("lines[{index}].product"),
            quantity_field: format!("lines[{index}].quantity"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "deal_form.html")]
struct NewPage {
    l: Layout,
    customer_name: String,
    f: DealForm,
    stages: Vec<Choice<'static>>,
    line_rows: Vec<LineRow>,
    errors: FormErrors,
}

async fn new_render(
    s: &AppState,
    u: &PageUser,
    f: DealForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let Some(cid) = id_of(&f.customer_id) else {
        return page_error(AppError::NotFound, u.lang);
    };
    let c = match salesdesk_app::customers::get(&s.app, &u.ctx, cid).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let lang = lang_code(u);
    let stage_id = id_of(&f.stage_id);
    let stages = uc::stages(&s.app)
        .await
        .map(|all| {
            all.iter()
                .filter(|st| st.active && uc::kind_of(st) == StageKind::Open)
                .map(|st| {
                    Choice::id(
                        st.id,
                        format!("{} ({}%)", uc::stage_name(st, lang), st.probability),
                        Some(st.id) == stage_id,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let line_rows = line_rows(s, u, &f).await;
    let l = Layout::for_user(s, &u.ctx, "deals", "page.deal_new").await;
    (
        status,
        render(&NewPage {
            l,
            customer_name: c.name,
            f,
            stages,
            line_rows,
            errors,
        }),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct NewQ {
    #[serde(default)]
    customer_id: String,
}

async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<NewQ>,
) -> Response {
    let f = DealForm {
        customer_id: q.customer_id,
        quantity_0: "1".into(),
        ..Default::default()
    };
    new_render(&s, &u, f, FormErrors::default(), StatusCode::OK).await
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<DealForm>,
) -> Response {
    let Some(cid) = id_of(&f.customer_id) else {
        return page_error(AppError::NotFound, u.lang);
    };
    match uc::create(&s.app, &u.ctx, cid, &f.input(), id_of(&f.stage_id)).await {
        Ok(d) => Redirect::to(&format!("/deals/{}?ok=deal_created", d.id)).into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            new_render(&s, &u, f, fe, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- The deal ----

struct HistoryLine {
    at: String,
    what: String,
    detail: String,
    who: String,
}

#[derive(Template)]
#[template(path = "deal_show.html")]
struct ShowPage {
    l: Layout,
    d: uc::Deal,
    stage: String,
    state_label: &'static str,
    amount: String,
    weighted: String,
    won_at: String,
    lost_label: String,
    lines: Vec<(String, i64)>,
    history: Vec<HistoryLine>,
    /// The edit form (open deals the reader works on).
    f: DealForm,
    line_rows: Vec<LineRow>,
    owners: Vec<Choice<'static>>,
    /// Stages a move may go to: other open stages (or, closed, the reopen's targets).
    targets: Vec<Choice<'static>>,
    lost_reasons: Vec<Choice<'static>>,
    errors: FormErrors,
    /// Which form failed: `edit`, `move`, `lost`.
    failed: &'static str,
    /// The deal's quotation versions (`pages::quotes`).
    quotes: Vec<super::quotes::QuoteRow>,
}

#[derive(Debug, Default, Deserialize)]
struct ShowQ {
    ok: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<ShowQ>,
) -> Response {
    show_with(&s, &u, id, q.ok.as_deref(), None, FormErrors::default(), "").await
}

async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    form: Option<DealForm>,
    errors: FormErrors,
    failed: &'static str,
) -> Response {
    let tr = Tr(u.lang);
    let d = match uc::get(&s.app, &u.ctx, id).await {
        Ok(d) => d,
        Err(e) => return page_error(e, u.lang),
    };
    let lang = lang_code(u);
    let stages = uc::stages(&s.app).await.unwrap_or_default();
    let name_of = |sid: Option<i64>| {
        sid.and_then(|sid| stages.iter().find(|x| x.id == sid))
            .map(|x| uc::stage_name(x, lang))
            .unwrap_or_default()
    };
    let history = uc::history(&s.app, &u.ctx, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            let mut detail = match h.from_stage_id {
                Some(_) => format!(
                    "{} → {}",
                    name_of(h.from_stage_id),
                    name_of(Some(h.to_stage_id))
                ),
                None => name_of(Some(h.to_stage_id)),
            };
            detail.push_str(&format!(" · {}%", h.probability));
            if let Some(r) = &h.lost_reason {
                detail.push_str(&format!(" · {}", tr.t(&lost_reason_key(r))));
            }
            if let Some(c) = &h.lost_to {
                detail.push_str(&format!(" · {c}"));
            }
            if let Some(n) = &h.note {
                detail.push_str(&format!(" · {n}"));
            }
            HistoryLine {
                at: fmt_time(h.at),
                what: tr.t(&format!("deal.history.{}", h.action)).to_string(),
                detail,
                who: h.actor_name.unwrap_or_else(|| tr.t("deal.system").into()),
            }
        })
        .collect();
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let lines = d
        .lines
        .iter()
        .map(|l| {
            let name = products
                .iter()
                .find(|p| p.code == l.product_code)
                .map(|p| {
                    if u.lang == Lang::En {
                        p.name_en.clone()
                    } else {
                        p.name_zh.clone()
                    }
                })
                .unwrap_or_else(|| l.product_code.clone());
            (name, l.quantity)
        })
        .collect();
    let f = form.unwrap_or_else(|| DealForm::of(&d));
    let line_rows = line_rows(s, u, &f).await;
    let owner_sel = id_of(&f.owner_id);
    let owners = uc::owner_choices(&s.app, &u.ctx)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(oid, name)| Choice::id(oid, name, Some(oid) == owner_sel))
        .collect();
    let targets = stages
        .iter()
        .filter(|x| x.active && uc::kind_of(x) == StageKind::Open && x.id != d.stage_id)
        .map(|x| {
            Choice::id(
                x.id,
                format!("{} ({}%)", uc::stage_name(x, lang), x.probability),
                false,
            )
        })
        .collect();
    let lost_reasons = LOST_REASONS
        .iter()
        .map(|r| Choice::new(*r, tr.t(&lost_reason_key(r)), false))
        .collect();
    let mut l = Layout::for_user(s, &u.ctx, "deals", "page.deal")
        .await
        .with_flash(ok);
    l.title = d.name.clone();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ShowPage {
            stage: d.stage_name(lang).to_string(),
            state_label: tr.t(&format!("deal.state.{}", d.state)),
            amount: d.amount.display(),
            weighted: d.weighted.display(),
            won_at: d.won_at.map(fmt_time).unwrap_or_default(),
            lost_label: d
                .lost_reason
                .as_deref()
                .map(|r| tr.t(&lost_reason_key(r)).to_string())
                .unwrap_or_default(),
            lines,
            history,
            f,
            line_rows,
            owners,
            targets,
            lost_reasons,
            errors,
            failed,
            quotes: super::quotes::deal_rows(s, u, id).await,
            l,
            d,
        }),
    )
        .into_response()
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DealForm>,
) -> Response {
    let version = f.version.trim().parse().ok();
    match uc::update(&s.app, &u.ctx, id, &f.input(), id_of(&f.owner_id), version).await {
        Ok(_) => Redirect::to(&format!("/deals/{id}?ok=deal_saved")).into_response(),
        Err(AppError::Validation(e))
        | Err(AppError::Conflict(e))
        | Err(AppError::ForbiddenFields(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, Some(f), fe, "edit").await
        }
        Err(AppError::Stale { .. }) => {
            Redirect::to(&format!("/deals/{id}?ok=deal_stale")).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct MoveForm {
    #[serde(default)]
    stage_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    lost_reason: String,
    #[serde(default)]
    lost_to: String,
    #[serde(default)]
    note: String,
    /// Where to go afterwards: the board (with its filters) or the deal page.
    #[serde(default)]
    back: String,
}

/// The page a move returns to: a local `/deals…` address, else the deal.
fn back_to(back: &str, id: i64) -> String {
    if back.starts_with("/deals") && !back.starts_with("//") && !back.contains(['\r', '\n']) {
        back.to_string()
    } else {
        format!("/deals/{id}")
    }
}

fn with_ok(url: &str, key: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}ok={key}")
}

async fn do_move(s: &AppState, u: &PageUser, id: i64, target: Target, f: MoveForm) -> Response {
    let input = MoveInput {
        version: f.version.trim().parse().ok(),
        lost_reason: f.lost_reason.clone(),
        lost_to: f.lost_to.clone(),
        note: f.note.clone(),
    };
    let back = back_to(&f.back, id);
    match uc::move_to(&s.app, &u.ctx, id, target, &input).await {
        Ok(_) => Redirect::to(&with_ok(&back, "deal_moved")).into_response(),
        Err(AppError::Stale { .. }) => Redirect::to(&with_ok(&back, "deal_stale")).into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            let failed = if target == Target::Lost {
                "lost"
            } else {
                "move"
            };
            show_with(s, u, id, None, None, fe, failed).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn move_stage(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MoveForm>,
) -> Response {
    let Some(stage) = id_of(&f.stage_id) else {
        let fe = FormErrors::from(
            &salesdesk_domain::FieldErrors(vec![salesdesk_domain::FieldError::new(
                "stage_id",
                "error.required",
            )]),
            Tr(u.lang),
        );
        return show_with(&s, &u, id, None, None, fe, "move").await;
    };
    do_move(&s, &u, id, Target::Stage(stage), f).await
}

async fn won(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MoveForm>,
) -> Response {
    do_move(&s, &u, id, Target::Won, f).await
}

async fn lost(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MoveForm>,
) -> Response {
    do_move(&s, &u, id, Target::Lost, f).await
}

// ---- Stages (administrators) ----

#[derive(Debug, Default, Deserialize, Clone)]
struct StageForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    probability: String,
    #[serde(default)]
    position: String,
    /// `1` active, `0` not; the edit form sends it.
    #[serde(default)]
    active: String,
}

impl StageForm {
    fn input(&self) -> StageInput {
        StageInput {
            code: self.code.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            probability: self.probability.clone(),
            position: self.position.clone(),
            active: self.active != "0",
        }
    }
}

struct StageRow {
    id: i64,
    code: String,
    kind: &'static str,
    kind_label: &'static str,
    f: StageForm,
    fixed: bool,
    active: bool,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "settings_deal_stages.html")]
struct StagesPage {
    l: Layout,
    rows: Vec<StageRow>,
    new: StageForm,
    errors: FormErrors,
}

enum Failed {
    None,
    New(StageForm, FormErrors),
    Edit(i64, StageForm, FormErrors),
}

async fn stages_render(s: &AppState, u: &PageUser, ok: Option<&str>, failed: Failed) -> Response {
    if !u
        .ctx
        .actor
        .can(salesdesk_domain::Capability::ManageSettings)
    {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let all = match uc::stages(&s.app).await {
        Ok(a) => a,
        Err(e) => return page_error(e, u.lang),
    };
    let any_error = !matches!(failed, Failed::None);
    let rows = all
        .iter()
        .map(|st| {
            let kind = uc::kind_of(st);
            let mut r = StageRow {
                id: st.id,
                code: st.code.clone(),
                kind: kind.as_str(),
                kind_label: tr.t(&format!("deal.state.{}", kind.as_str())),
                f: StageForm {
                    code: st.code.clone(),
                    name_zh: st.name_zh.clone(),
                    name_en: st.name_en.clone(),
                    probability: st.probability.to_string(),
                    position: st.position.to_string(),
                    active: if st.active { "1" } else { "0" }.into(),
                },
                fixed: kind != StageKind::Open,
                active: st.active,
                errors: FormErrors::default(),
            };
            if let Failed::Edit(id, f, e) = &failed
                && *id == st.id
            {
                r.f = f.clone();
                r.errors = e.clone();
            }
            r
        })
        .collect();
    let (new, errors) = match failed {
        Failed::New(f, e) => (f, e),
        _ => (StageForm::default(), FormErrors::default()),
    };
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_deal_stages")
        .await
        .with_flash(ok);
    let r = render(&StagesPage {
        l,
        rows,
        new,
        errors,
    });
    if any_error {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

async fn stages_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ShowQ>,
) -> Response {
    stages_render(&s, &u, q.ok.as_deref(), Failed::None).await
}

async fn create_stage(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<StageForm>,
) -> Response {
    match uc::create_stage(&s.app, &u.ctx, &f.input()).await {
        Ok(_) => Redirect::to("/settings/deal-stages?ok=deal_stages_saved").into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            stages_render(&s, &u, None, Failed::New(f, fe)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn update_stage(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StageForm>,
) -> Response {
    match uc::update_stage(&s.app, &u.ctx, id, &f.input()).await {
        Ok(_) => Redirect::to("/settings/deal-stages?ok=deal_stages_saved").into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            stages_render(&s, &u, None, Failed::Edit(id, f, fe)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}
