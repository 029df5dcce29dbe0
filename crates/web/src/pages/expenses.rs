//! Business expenses on pages (issue 14 point 1): the claims `/expenses` (mine, waiting for
//! me, all I see; filters; the filter's CSV and XLSX export), a new claim `/expenses/new` with
//! its receipts, the claim `/expenses/{id}` (approve, return, revise and resubmit, add a
//! receipt; every version and every step), a receipt's download, the budgets `/budgets` (a
//! period's spend per region, the year by month, the sales cost; the director sets them), and
//! the settings `/settings/expenses` (threshold, which categories are sales cost). The
//! customer page lists the customer's claims through [`customer_rows`].
//!
//! The claim forms are multipart (fields and 0..n `file` parts); everything else is a plain
//! form. The forms that decide or revise a claim carry the version the reader saw, so that a
//! stale page gets the 409 message instead of deciding something it did not show.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use salesdesk_app::expenses::{self as uc, BudgetInput, ClaimInput, ListFilter, SettingsText};
use salesdesk_app::export::Format;
use salesdesk_app::{AppError, Page};
use salesdesk_domain::expense::{
    self as rules, Action, ExpenseState, MAX_RECEIPTS, Period, PeriodKind,
};
use salesdesk_domain::{FieldError, FieldErrors, Money, Position};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, Pager, download, fmt_time, query_string, render};

/// The largest claim form: a few receipts of the largest size at once (more are added one by
/// one on the claim's page), with room for the multipart framing.
const CLAIM_BODY_LIMIT: usize = 4 * salesdesk_domain::contract::MAX_ATTACHMENT_BYTES + 64 * 1024;
/// The most claims the customer page lists.
const CUSTOMER_ROWS: u64 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/expenses",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(CLAIM_BODY_LIMIT)),
        )
        .route("/expenses/new", get(new_page))
        .route("/expenses/export.csv", get(export_csv))
        .route("/expenses/export.xlsx", get(export_xlsx))
        .route("/expenses/{id}", get(show))
        .route("/expenses/{id}/approve", post(approve))
        .route("/expenses/{id}/return", post(give_back))
        .route(
            "/expenses/{id}/resubmit",
            post(resubmit).layer(DefaultBodyLimit::max(CLAIM_BODY_LIMIT)),
        )
        .route(
            "/expenses/{id}/receipts",
            post(attach).layer(DefaultBodyLimit::max(
                super::contracts::ATTACHMENT_BODY_LIMIT,
            )),
        )
        .route("/expenses/{id}/receipts/{rid}", get(receipt))
        .route("/budgets", get(budgets).post(set_budget))
        .route("/settings/expenses", get(settings_page).post(save_settings))
}

fn id_of(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn lang_code(lang: Lang) -> &'static str {
    if lang == Lang::En { "en" } else { "zh" }
}

/// The state's colour: the customer statuses' palette (amber waiting, green done, red back).
fn state_class(s: ExpenseState) -> &'static str {
    match s {
        ExpenseState::PendingManager | ExpenseState::PendingDirector => "status-potential",
        ExpenseState::Approved => "status-signed",
        ExpenseState::Returned => "status-invalid",
    }
}

/// The region names in the reader's language (the claims carry the Chinese name).
async fn region_names(s: &AppState, u: &PageUser) -> HashMap<i64, String> {
    salesdesk_app::org::list(&s.app, &u.ctx)
        .await
        .map(|r| {
            r.iter()
                .map(|x| (x.id, x.name_in(&u.ctx.locale).to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The category list's entries, for labels and the select.
async fn categories(s: &AppState) -> Vec<salesdesk_app::choices::Choice> {
    salesdesk_app::choices::all(&s.app)
        .await
        .map(|a| {
            a.iter()
                .filter(|c| c.list == rules::CATEGORY_LIST)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn category_label(all: &[salesdesk_app::choices::Choice], code: &str, lang: Lang) -> String {
    salesdesk_app::choices::label(all, rules::CATEGORY_LIST, code, lang_code(lang)).to_string()
}

/// The active categories as choices, and the one selected even when it was deactivated since.
fn category_choices(
    all: &[salesdesk_app::choices::Choice],
    selected: &str,
    lang: Lang,
) -> Vec<Choice<'static>> {
    all.iter()
        .filter(|c| c.active || c.code == selected)
        .map(|c| {
            let label = if lang == Lang::En {
                c.name_en.clone()
            } else {
                c.name_zh.clone()
            };
            Choice::new(c.code.clone(), label, c.code == selected)
        })
        .collect()
}

/// Whether the reader sees the budget page (the director, the VP, a regional manager).
fn sees_budgets(u: &PageUser) -> bool {
    rules::is_director_level(u.ctx.actor.position)
        || u.ctx.actor.position == Some(Position::RegionalManager)
}

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

// ---- Rows (the list and the customer page) ----

/// A claim in a list.
pub(crate) struct ClaimRow {
    pub id: i64,
    pub number: String,
    pub date: String,
    pub claimant: String,
    pub region: String,
    pub category: String,
    pub amount: String,
    pub state_label: &'static str,
    pub state_class: &'static str,
    /// Who it waits for, or who approved or returned it.
    pub approver: String,
}

fn row_of(
    tr: Tr,
    e: &uc::Expense,
    cats: &[salesdesk_app::choices::Choice],
    regions: &HashMap<i64, String>,
) -> ClaimRow {
    let approver = match e.state {
        ExpenseState::PendingManager | ExpenseState::PendingDirector => e.approver_name.clone(),
        ExpenseState::Approved => e.approved_by_name.clone(),
        ExpenseState::Returned => e.returned_by_name.clone(),
    };
    ClaimRow {
        id: e.id,
        number: uc::number(e.id),
        date: e.expense_date.to_string(),
        claimant: e.claimant_name.clone().unwrap_or_default(),
        region: e
            .region_id
            .and_then(|r| regions.get(&r).cloned())
            .or_else(|| e.region_name.clone())
            .unwrap_or_default(),
        category: category_label(cats, &e.category, tr.0),
        amount: e.amount.display(),
        state_label: tr.t(&e.state.label_key()),
        state_class: state_class(e.state),
        approver: approver.unwrap_or_default(),
    }
}

/// The customer page's claims: the latest [`CUSTOMER_ROWS`] the reader sees.
pub(crate) async fn customer_rows(s: &AppState, u: &PageUser, customer_id: i64) -> Vec<ClaimRow> {
    let f = ListFilter {
        customer_id: Some(customer_id),
        ..Default::default()
    };
    let Ok(p) = uc::list(&s.app, &u.ctx, &f, Page::new(Some(1), Some(CUSTOMER_ROWS))).await else {
        return vec![];
    };
    let tr = Tr(u.lang);
    let cats = categories(s).await;
    let regions = region_names(s, u).await;
    p.items
        .iter()
        .map(|e| row_of(tr, e, &cats, &regions))
        .collect()
}

/// Whether the reader may claim expenses (anyone in a sales position).
pub(crate) fn may_claim(u: &PageUser) -> bool {
    u.ctx.actor.position.is_some()
}

// ---- The list ----

#[derive(Debug, Default, Deserialize)]
struct FilterQ {
    /// `mine`, `waiting` or `all`.
    #[serde(default)]
    tab: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    customer_id: String,
    page: Option<u64>,
    ok: Option<String>,
}

impl FilterQ {
    /// The tab shown: as asked, else "all" for those who see others' claims and "mine" for
    /// the rest.
    fn tab(&self, u: &PageUser) -> &'static str {
        match self.tab.as_str() {
            "mine" => "mine",
            "waiting" => "waiting",
            "all" => "all",
            _ if rules::sees_others(u.ctx.actor.position) => "all",
            _ => "mine",
        }
    }

    /// The use case's filter, and the errors of dates that do not read as dates.
    fn filter(&self, u: &PageUser) -> (ListFilter, FieldErrors) {
        let mut errs = FieldErrors::new();
        let mut date = |field: &str, s: &str| {
            if s.trim().is_empty() {
                return None;
            }
            let d = date_of(s);
            if d.is_none() {
                errs.push(FieldError::new(field, "error.date_format"));
            }
            d
        };
        let from = date("from", &self.from);
        let to = date("to", &self.to);
        let tab = self.tab(u);
        (
            ListFilter {
                state: Some(self.state.trim().to_string()).filter(|x| !x.is_empty()),
                claimant_id: (tab == "mine").then_some(u.ctx.actor.user_id),
                region_id: id_of(&self.region_id),
                category: Some(self.category.trim().to_string()).filter(|x| !x.is_empty()),
                customer_id: id_of(&self.customer_id),
                from,
                to,
                waiting: tab == "waiting",
            },
            errs,
        )
    }

    /// The canonical query string (no page), for the pager and the export links.
    fn encoded(&self, u: &PageUser) -> String {
        query_string(&[
            ("tab", Some(self.tab(u).to_string())),
            ("state", Some(self.state.trim().to_string())),
            ("category", Some(self.category.trim().to_string())),
            ("region_id", id_of(&self.region_id).map(|x| x.to_string())),
            ("from", date_of(&self.from).map(|d| d.to_string())),
            ("to", date_of(&self.to).map(|d| d.to_string())),
            (
                "customer_id",
                id_of(&self.customer_id).map(|x| x.to_string()),
            ),
        ])
    }
}

#[derive(Template)]
#[template(path = "expenses_list.html")]
struct ListPage {
    l: Layout,
    tab: &'static str,
    /// Tabs beside "mine": the waiting one (with its count) and "all".
    show_waiting: bool,
    show_all: bool,
    waiting: u64,
    states: Vec<Choice<'static>>,
    categories: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    from: String,
    to: String,
    customer_id: String,
    rows: Vec<ClaimRow>,
    total: String,
    pager: Pager,
    /// `?…` of the current filter, for the export links.
    export_query: String,
    may_claim: bool,
    sees_budgets: bool,
    may_set: bool,
    errors: FormErrors,
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    let tr = Tr(u.lang);
    let (f, date_errors) = q.filter(&u);
    let page = Page::new(q.page, None);
    let (paged, mut errs) = match uc::list(&s.app, &u.ctx, &f, page).await {
        Ok(p) => (p, FieldErrors::new()),
        Err(AppError::Validation(e)) => {
            let clean = ListFilter {
                state: None,
                ..f.clone()
            };
            match uc::list(&s.app, &u.ctx, &clean, page).await {
                Ok(p) => (p, e),
                Err(e) => return page_error(e, u.lang),
            }
        }
        Err(e) => return page_error(e, u.lang),
    };
    errs.0.extend(date_errors.0);
    let errors = FormErrors::from(&errs, tr);
    let tab = q.tab(&u);
    let base = q.encoded(&u);
    let pager = Pager::new(&paged, "/expenses", &base);
    let cats = categories(&s).await;
    let names = region_names(&s, &u).await;
    let rows = paged
        .items
        .iter()
        .map(|e| row_of(tr, e, &cats, &names))
        .collect();
    let waiting = uc::waiting_count(&s.app, &u.ctx).await.unwrap_or(0);
    let sees_others = rules::sees_others(u.ctx.actor.position);
    let states = ExpenseState::ALL
        .into_iter()
        .map(|st| {
            Choice::new(
                st.as_str(),
                tr.t(&st.label_key()),
                f.state.as_deref() == Some(st.as_str()),
            )
        })
        .collect();
    let selected_category = f.category.clone().unwrap_or_default();
    let categories = cats
        .iter()
        .map(|c| {
            let label = if u.lang == Lang::En {
                c.name_en.clone()
            } else {
                c.name_zh.clone()
            };
            Choice::new(c.code.clone(), label, c.code == selected_category)
        })
        .collect();
    let regions = if sees_others {
        region_choices(&s, &u, f.region_id).await
    } else {
        vec![]
    };
    let l = Layout::for_user(&s, &u.ctx, "expenses", "page.expenses")
        .await
        .with_flash(q.ok.as_deref());
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ListPage {
            l,
            tab,
            show_waiting: sees_others || waiting > 0,
            show_all: sees_others,
            waiting,
            states,
            categories,
            regions,
            from: f.from.map(|d| d.to_string()).unwrap_or_default(),
            to: f.to.map(|d| d.to_string()).unwrap_or_default(),
            customer_id: f.customer_id.map(|c| c.to_string()).unwrap_or_default(),
            rows,
            total: if paged.total_exact {
                paged.total.to_string()
            } else {
                format!("{}+", paged.total)
            },
            pager,
            export_query: if base.is_empty() {
                String::new()
            } else {
                format!("?{base}")
            },
            may_claim: may_claim(&u),
            sees_budgets: sees_budgets(&u),
            may_set: uc::may_set(&u.ctx),
            errors,
        }),
    )
        .into_response()
}

/// The regions the reader may filter by: every one for the director and the VP, else their
/// own region and its branch offices.
async fn region_choices(s: &AppState, u: &PageUser, selected: Option<i64>) -> Vec<Choice<'static>> {
    let all = salesdesk_app::org::list(&s.app, &u.ctx)
        .await
        .map(|r| r.as_ref().clone())
        .unwrap_or_default();
    let everyone = rules::is_director_level(u.ctx.actor.position);
    let mine = u.ctx.actor.region_id;
    all.iter()
        .filter(|r| everyone || Some(r.id) == mine || (mine.is_some() && r.parent_id == mine))
        .map(|r| {
            let name = if r.parent_id.is_some() {
                format!("— {}", r.name_in(&u.ctx.locale))
            } else {
                r.name_in(&u.ctx.locale).to_string()
            };
            Choice::id(r.id, name, Some(r.id) == selected)
        })
        .collect()
}

// ---- Export ----

async fn export_csv(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    export(&s, &u, &q, Format::Csv).await
}

async fn export_xlsx(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FilterQ>,
) -> Response {
    export(&s, &u, &q, Format::Xlsx).await
}

/// The claims of the list's filter as a file for finance: CSV (UTF-8 with a BOM, so that
/// Excel opens it) or XLSX, headed in the reader's language.
async fn export(s: &AppState, u: &PageUser, q: &FilterQ, format: Format) -> Response {
    let tr = Tr(u.lang);
    let (f, _) = q.filter(u);
    let names = |k: &str| tr.t(k).to_string();
    let rows = match uc::export_rows(&s.app, &u.ctx, &f, lang_code(u.lang), &names).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let stem = tr.t("expense.export_file");
    let file = salesdesk_app::export::named_file(&s.app, stem, format);
    match format {
        Format::Csv => {
            let mut body = vec![0xEF, 0xBB, 0xBF];
            for r in &rows {
                body.extend(salesdesk_app::export::csv_line(r));
            }
            download(body, "text/csv; charset=utf-8", &file)
        }
        Format::Xlsx => {
            let sheet = salesdesk_app::export::Sheet {
                name: stem.to_string(),
                rows,
            };
            match salesdesk_app::export::workbook(&[sheet]) {
                Ok(bytes) => download(
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &file,
                ),
                Err(e) => page_error(e, u.lang),
            }
        }
    }
}

// ---- The claim form ----

/// A multipart claim form as posted: its text fields and its receipts.
#[derive(Default)]
struct Posted {
    fields: HashMap<String, String>,
    files: Vec<uc::Upload>,
}

impl Posted {
    fn get(&self, k: &str) -> String {
        self.fields.get(k).cloned().unwrap_or_default()
    }
}

/// Reads a multipart form. A body above the limit (or broken) ends the reading with the
/// fields read so far and the error to show beside the file input. An empty file input
/// (no file chosen) is no receipt.
async fn read_posted(mut m: Multipart) -> (Posted, Option<FieldError>) {
    let mut p = Posted::default();
    let fail = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            FieldError::with_arg(
                "file",
                "error.expense_receipts_too_large",
                CLAIM_BODY_LIMIT / (1024 * 1024),
            )
        } else {
            FieldError::new("file", "error.attachment_empty")
        }
    };
    loop {
        let part = match m.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => return (p, None),
            Err(e) => return (p, Some(fail(e.status()))),
        };
        let name = part.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = part.file_name().unwrap_or("").to_string();
            match part.bytes().await {
                Ok(b) if b.is_empty() && file_name.is_empty() => {}
                Ok(b) => p.files.push(uc::Upload {
                    file_name,
                    bytes: b.to_vec(),
                }),
                Err(e) => return (p, Some(fail(e.status()))),
            }
        } else {
            match part.text().await {
                Ok(t) => {
                    p.fields.insert(name, t);
                }
                Err(e) => return (p, Some(fail(e.status()))),
            }
        }
    }
}

/// The claim's fields as typed (the form's values).
#[derive(Debug, Clone, Default)]
struct ClaimForm {
    category: String,
    expense_date: String,
    amount: String,
    description: String,
    customer_id: String,
}

impl ClaimForm {
    fn of(p: &Posted) -> ClaimForm {
        ClaimForm {
            category: p.get("category"),
            expense_date: p.get("expense_date"),
            amount: p.get("amount"),
            description: p.get("description"),
            customer_id: p.get("customer_id").trim().to_string(),
        }
    }

    fn of_claim(e: &uc::Expense) -> ClaimForm {
        ClaimForm {
            category: e.category.clone(),
            expense_date: e.expense_date.to_string(),
            amount: e.amount.to_decimal(),
            description: e.description.clone(),
            customer_id: e.customer_id.map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    /// The use case's input; a customer number that is not a number is a field error.
    fn input(&self) -> Result<ClaimInput, FieldError> {
        let customer_id = if self.customer_id.is_empty() {
            None
        } else {
            Some(
                id_of(&self.customer_id)
                    .ok_or_else(|| FieldError::new("customer_id", "error.expense_customer_id"))?,
            )
        };
        Ok(ClaimInput {
            category: self.category.clone(),
            expense_date: self.expense_date.clone(),
            amount: self.amount.clone(),
            description: self.description.clone(),
            customer_id,
            ..Default::default()
        })
    }
}

/// The customer a form links to, by name, when the reader sees it.
async fn customer_name(s: &AppState, u: &PageUser, id: &str) -> Option<String> {
    let id = id_of(id)?;
    salesdesk_app::customers::get(&s.app, &u.ctx, id)
        .await
        .ok()
        .map(|c| c.name)
}

#[derive(Template)]
#[template(path = "expense_new.html")]
struct NewPage {
    l: Layout,
    f: ClaimForm,
    customer_name: Option<String>,
    categories: Vec<Choice<'static>>,
    today: String,
    max_receipts: usize,
    threshold: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct NewQ {
    #[serde(default)]
    customer_id: String,
}

async fn new_render(
    s: &AppState,
    u: &PageUser,
    f: ClaimForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    if !may_claim(u) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let cats = categories(s).await;
    let threshold = uc::settings(&s.app)
        .await
        .map(|x| Money::from_fen(x.threshold_fen).display())
        .unwrap_or_default();
    let page = NewPage {
        l: Layout::for_user(s, &u.ctx, "expenses", "page.expense_new").await,
        customer_name: customer_name(s, u, &f.customer_id).await,
        categories: category_choices(&cats, &f.category, u.lang),
        today: salesdesk_app::records::today(&s.app).to_string(),
        max_receipts: MAX_RECEIPTS,
        threshold,
        f,
        errors,
    };
    (status, render(&page)).into_response()
}

async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<NewQ>,
) -> Response {
    let f = ClaimForm {
        expense_date: salesdesk_app::records::today(&s.app).to_string(),
        customer_id: id_of(&q.customer_id)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    new_render(&s, &u, f, FormErrors::default(), StatusCode::OK).await
}

/// The field errors an error of a claim form shows, with its status; `None` for an error no
/// form shows (the error page).
fn form_errors(e: &AppError) -> Option<(&FieldErrors, StatusCode)> {
    match e {
        AppError::Validation(errs) => Some((errs, StatusCode::UNPROCESSABLE_ENTITY)),
        AppError::Conflict(errs) => Some((errs, StatusCode::CONFLICT)),
        _ => None,
    }
}

async fn create(State(s): State<AppState>, u: PageUser, m: Multipart) -> Response {
    let (p, read_error) = read_posted(m).await;
    let f = ClaimForm::of(&p);
    let result = match (read_error, f.input()) {
        (Some(e), _) | (None, Err(e)) => Err(AppError::Validation(FieldErrors(vec![e]))),
        (None, Ok(input)) => uc::create(&s.app, &u.ctx, &input, &p.files).await,
    };
    match result {
        Ok(e) => Redirect::to(&format!("/expenses/{}?ok=expense_created", e.id)).into_response(),
        Err(e) => match form_errors(&e) {
            Some((errs, status)) => {
                let fe = FormErrors::from(errs, Tr(u.lang));
                new_render(&s, &u, f, fe, status).await
            }
            None => page_error(e, u.lang),
        },
    }
}

// ---- The claim ----

struct ReceiptView {
    id: i64,
    version: i32,
    name: String,
    size: String,
    at: String,
}

struct VersionView {
    version: i32,
    category: String,
    date: String,
    amount: String,
    description: String,
    at: String,
}

struct EventView {
    at: String,
    who: String,
    what: String,
    version: i32,
    to: &'static str,
    comment: Option<String>,
}

/// A budget the claim counts against, as a sentence; `over` marks a warning.
struct BudgetLine {
    text: String,
    over: bool,
}

#[derive(Template)]
#[template(path = "expense_show.html")]
struct ShowPage {
    l: Layout,
    e: uc::Expense,
    state_label: &'static str,
    state_class: &'static str,
    state: &'static str,
    category: String,
    region: String,
    amount: String,
    submitted_at: String,
    manager_at: String,
    approved_at: String,
    returned_at: String,
    budgets: Vec<BudgetLine>,
    receipts: Vec<ReceiptView>,
    versions: Vec<VersionView>,
    events: Vec<EventView>,
    /// The resubmit form's values and categories.
    f: ClaimForm,
    categories: Vec<Choice<'static>>,
    customer_name: Option<String>,
    today: String,
    max_receipts: usize,
    /// What was typed in the approve or return form that failed.
    comment: String,
    errors: FormErrors,
    /// Which form failed: `approve`, `return`, `resubmit`, `file`, or nothing.
    failed: &'static str,
}

impl ShowPage {
    /// An error of the whole claim (a stale page, a state changed meanwhile, a vacant
    /// approver), shown above the forms.
    fn claim_error(&self) -> Option<&str> {
        ["version", "state", "approver", "claimant_id"]
            .iter()
            .find_map(|k| self.errors.get(k))
    }
}

#[derive(Debug, Default, Deserialize)]
struct OkQ {
    ok: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<OkQ>,
) -> Response {
    show_with(
        &s,
        &u,
        id,
        q.ok.as_deref(),
        Failed::default(),
        StatusCode::OK,
    )
    .await
}

/// A form of the claim's page that failed, with what was typed.
#[derive(Default)]
struct Failed {
    form: &'static str,
    errors: FormErrors,
    claim: Option<ClaimForm>,
    comment: String,
}

async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    failed: Failed,
    status: StatusCode,
) -> Response {
    let tr = Tr(u.lang);
    let e = match uc::get(&s.app, &u.ctx, id).await {
        Ok(e) => e,
        Err(e) => return page_error(e, u.lang),
    };
    let cats = categories(s).await;
    let names = region_names(s, u).await;
    let budgets = e
        .budgets
        .iter()
        .map(|b| {
            let region = names
                .get(&b.region_id)
                .cloned()
                .unwrap_or_else(|| b.region_name.clone());
            let args = [
                ("region", region.as_str()),
                ("period", b.period.as_str()),
                ("committed", &b.committed.display()),
                ("budget", &b.budget.display()),
            ];
            BudgetLine {
                text: tr.tf(
                    match (b.over, e.state) {
                        (true, ExpenseState::Returned) => "expense.over_budget_if_resubmitted",
                        (true, _) => "expense.over_budget",
                        (false, _) => "expense.within_budget",
                    },
                    &args,
                ),
                over: b.over,
            }
        })
        .collect();
    let receipts = e
        .receipts
        .iter()
        .map(|r| ReceiptView {
            id: r.id,
            version: r.version,
            name: r.file_name.clone(),
            size: size_text(r.size),
            at: fmt_time(r.added_at),
        })
        .collect();
    let versions = e
        .versions
        .iter()
        .rev()
        .map(|v| VersionView {
            version: v.version,
            category: category_label(&cats, &v.category, u.lang),
            date: v.expense_date.to_string(),
            amount: v.amount.display(),
            description: v.description.clone(),
            at: fmt_time(v.created_at),
        })
        .collect();
    let events = e
        .events
        .iter()
        .map(|x| EventView {
            at: fmt_time(x.at),
            who: x.actor_name.clone().unwrap_or_else(|| "—".into()),
            what: {
                let key = format!("expense.event.{}", x.action);
                if crate::i18n::has(&key) {
                    tr.t(&key).to_string()
                } else {
                    x.action.clone()
                }
            },
            version: x.version,
            to: ExpenseState::parse(&x.to_state)
                .map(|st| tr.t(&st.label_key()))
                .unwrap_or(""),
            comment: x.comment.clone(),
        })
        .collect();
    let f = failed.claim.unwrap_or_else(|| ClaimForm::of_claim(&e));
    let mut l = Layout::for_user(s, &u.ctx, "expenses", "page.expense")
        .await
        .with_flash(ok);
    l.title = format!("{} {}", tr.t("page.expense"), uc::number(e.id));
    let page = ShowPage {
        l,
        state_label: tr.t(&e.state.label_key()),
        state_class: state_class(e.state),
        state: e.state.as_str(),
        category: category_label(&cats, &e.category, u.lang),
        region: e
            .region_id
            .and_then(|r| names.get(&r).cloned())
            .or_else(|| e.region_name.clone())
            .unwrap_or_else(|| "—".into()),
        amount: e.amount.display(),
        submitted_at: fmt_time(e.submitted_at),
        manager_at: e.manager_at.map(fmt_time).unwrap_or_default(),
        approved_at: e.approved_at.map(fmt_time).unwrap_or_default(),
        returned_at: e.returned_at.map(fmt_time).unwrap_or_default(),
        budgets,
        receipts,
        versions,
        events,
        categories: category_choices(&cats, &f.category, u.lang),
        customer_name: if f.customer_id == e.customer_id.map(|c| c.to_string()).unwrap_or_default()
        {
            e.customer_name.clone()
        } else {
            customer_name(s, u, &f.customer_id).await
        },
        f,
        today: salesdesk_app::records::today(&s.app).to_string(),
        max_receipts: MAX_RECEIPTS,
        comment: failed.comment,
        errors: failed.errors,
        failed: failed.form,
        e,
    };
    (status, render(&page)).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct DecideForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: String,
}

async fn decide(s: &AppState, u: &PageUser, id: i64, action: Action, f: DecideForm) -> Response {
    let version = f.version.trim().parse().ok();
    match uc::decide(&s.app, &u.ctx, id, action, &f.comment, version).await {
        Ok(e) => {
            let key = match (action, e.state) {
                (Action::Return, _) => "expense_returned",
                (_, ExpenseState::PendingDirector) => "expense_to_director",
                _ => "expense_approved",
            };
            Redirect::to(&format!("/expenses/{id}?ok={key}")).into_response()
        }
        Err(e) => match form_errors(&e) {
            Some((errs, status)) => {
                let failed = Failed {
                    form: if action == Action::Return {
                        "return"
                    } else {
                        "approve"
                    },
                    errors: FormErrors::from(errs, Tr(u.lang)),
                    claim: None,
                    comment: f.comment,
                };
                show_with(s, u, id, None, failed, status).await
            }
            None => page_error(e, u.lang),
        },
    }
}

async fn approve(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Response {
    decide(&s, &u, id, Action::Approve, f).await
}

async fn give_back(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecideForm>,
) -> Response {
    decide(&s, &u, id, Action::Return, f).await
}

async fn resubmit(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    m: Multipart,
) -> Response {
    let (p, read_error) = read_posted(m).await;
    let f = ClaimForm::of(&p);
    let version = p.get("version").trim().parse().ok();
    let result = match (read_error, f.input()) {
        (Some(e), _) | (None, Err(e)) => Err(AppError::Validation(FieldErrors(vec![e]))),
        (None, Ok(input)) => uc::resubmit(&s.app, &u.ctx, id, &input, &p.files, version).await,
    };
    match result {
        Ok(_) => Redirect::to(&format!("/expenses/{id}?ok=expense_resubmitted")).into_response(),
        Err(e) => match form_errors(&e) {
            Some((errs, status)) => {
                let failed = Failed {
                    form: "resubmit",
                    errors: FormErrors::from(errs, Tr(u.lang)),
                    claim: Some(f),
                    comment: String::new(),
                };
                show_with(&s, &u, id, None, failed, status).await
            }
            None => page_error(e, u.lang),
        },
    }
}

async fn attach(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    m: Multipart,
) -> Response {
    let result = match super::contracts::read_file(m).await {
        Ok((file_name, bytes)) => {
            uc::attach(&s.app, &u.ctx, id, uc::Upload { file_name, bytes }).await
        }
        Err(e) => Err(AppError::Validation(FieldErrors(vec![e]))),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/expenses/{id}?ok=receipt_added#receipts")).into_response(),
        Err(e) => match form_errors(&e) {
            Some((errs, status)) => {
                let failed = Failed {
                    form: "file",
                    errors: FormErrors::from(errs, Tr(u.lang)),
                    ..Default::default()
                };
                show_with(&s, &u, id, None, failed, status).await
            }
            None => page_error(e, u.lang),
        },
    }
}

async fn receipt(
    State(s): State<AppState>,
    u: PageUser,
    PagePath((id, rid)): PagePath<(i64, i64)>,
) -> Response {
    match uc::receipt(&s.app, &u.ctx, id, rid).await {
        Ok((name, content_type, bytes)) => crate::view::stored_file(bytes, &content_type, &name),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- Budgets ----

#[derive(Debug, Default, Deserialize)]
struct BudgetQ {
    #[serde(default)]
    period: String,
    ok: Option<String>,
}

/// A link of the period selector.
struct PeriodLink {
    label: String,
    href: String,
    current: bool,
}

struct BudgetRow {
    region: String,
    branch: bool,
    budget: String,
    approved: String,
    pending: String,
    left: String,
    used: String,
    over: bool,
}

/// A month of the year's table: the approved spend of each column's region, with the
/// month's budget when one is set.
struct MonthLine {
    label: String,
    cells: Vec<(String, Option<String>)>,
}

/// A region's sales cost of the year.
struct CostRow {
    region: String,
    branch: bool,
    cost: String,
}

#[derive(Template)]
#[template(path = "budgets.html")]
struct BudgetsPage {
    l: Layout,
    period: String,
    years: Vec<PeriodLink>,
    quarters: Vec<PeriodLink>,
    months: Vec<PeriodLink>,
    rows: Vec<BudgetRow>,
    total_budget: String,
    total_approved: String,
    total_pending: String,
    /// The year's table: the regions as columns (the top-level ones, or one region and its
    /// branch offices), the months as rows, the year last.
    month_columns: Vec<String>,
    month_lines: Vec<MonthLine>,
    year_cells: Vec<String>,
    cost_rows: Vec<CostRow>,
    year: i32,
    cost_categories: String,
    may_set: bool,
    /// The set-budget form.
    regions: Vec<Choice<'static>>,
    form_period: String,
    form_amount: String,
    /// Why the period asked for in the address was not shown.
    period_error: Option<String>,
    /// The set-budget form's errors.
    errors: FormErrors,
}

/// "11月" or "Nov".
fn month_label(tr: Tr, m: u32) -> String {
    match tr.0 {
        Lang::En => NaiveDate::from_ymd_opt(2000, m, 1)
            .map(|d| d.format("%b").to_string())
            .unwrap_or_default(),
        Lang::Zh => tr.tf("budget.month_n", &[("n", &m.to_string())]),
    }
}

fn period_links(tr: Tr, p: Period) -> (Vec<PeriodLink>, Vec<PeriodLink>, Vec<PeriodLink>) {
    let y = p.start.year();
    let link = |q: Period, label: String| PeriodLink {
        href: format!("/budgets?period={}", q.label()),
        current: q == p,
        label,
    };
    let at = |m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(p.start);
    let years = (y - 1..=y + 1)
        .filter_map(|x| NaiveDate::from_ymd_opt(x, 1, 1))
        .map(|d| {
            let q = Period::containing(PeriodKind::Year, d);
            link(q, q.label())
        })
        .collect();
    let quarters = (0..4)
        .map(|i| {
            let q = Period::containing(PeriodKind::Quarter, at(i * 3 + 1));
            link(q, format!("Q{}", i + 1))
        })
        .collect();
    let months = (1..=12)
        .map(|m| {
            link(
                Period::containing(PeriodKind::Month, at(m)),
                month_label(tr, m),
            )
        })
        .collect();
    (years, quarters, months)
}

async fn budgets_render(
    s: &AppState,
    u: &PageUser,
    period: &str,
    ok: Option<&str>,
    typed: Option<&BudgetInput>,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let tr = Tr(u.lang);
    // A period in the address that does not read as one: the current month, and why.
    let (board, period_error) = match uc::board(&s.app, &u.ctx, Some(period)).await {
        Ok(b) => (b, None),
        Err(AppError::Validation(e)) => match uc::board(&s.app, &u.ctx, None).await {
            Ok(b) => (
                b,
                FormErrors::from(&e, tr).get("period").map(str::to_string),
            ),
            Err(e) => return page_error(e, u.lang),
        },
        Err(e) => return page_error(e, u.lang),
    };
    let status = if period_error.is_some() && status == StatusCode::OK {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
    };
    let Ok(p) = Period::parse("period", &board.period) else {
        return page_error(AppError::Internal("the board's period".into()), u.lang);
    };
    let names = region_names(s, u).await;
    let name = |r: &uc::RegionSpend| {
        names
            .get(&r.region_id)
            .cloned()
            .unwrap_or_else(|| r.region_name.clone())
    };
    let dash = || "—".to_string();
    let rows = board
        .rows
        .iter()
        .map(|r| BudgetRow {
            region: name(r),
            branch: r.parent_id.is_some(),
            budget: r.budget.map(Money::display).unwrap_or_else(dash),
            approved: r.approved.display(),
            pending: r.pending.display(),
            left: r.left.map(Money::display).unwrap_or_else(dash),
            used: r.percent_used.map(|x| format!("{x}%")).unwrap_or_else(dash),
            over: r.over,
        })
        .collect();
    // Months as rows and regions as columns, so that twelve months fit a page: the top-level
    // regions (their branch offices are inside them), or for one region its branch offices too.
    let top = board.rows.iter().filter(|r| r.parent_id.is_none()).count();
    let columns: Vec<&uc::RegionSpend> = board
        .rows
        .iter()
        .filter(|r| top <= 1 || r.parent_id.is_none())
        .collect();
    let month_lines = (0..12)
        .map(|i| MonthLine {
            label: month_label(tr, i as u32 + 1),
            cells: columns
                .iter()
                .map(|r| {
                    (
                        r.months.get(i).copied().unwrap_or_default().display(),
                        r.month_budgets
                            .get(i)
                            .copied()
                            .flatten()
                            .map(Money::display),
                    )
                })
                .collect(),
        })
        .collect();
    let year_cells = columns
        .iter()
        .map(|r| {
            Money::sum(r.months.iter().copied())
                .unwrap_or_default()
                .display()
        })
        .collect();
    let month_columns = columns.iter().map(|r| name(r)).collect();
    let cost_rows = board
        .rows
        .iter()
        .map(|r| CostRow {
            region: name(r),
            branch: r.parent_id.is_some(),
            cost: r.cost.display(),
        })
        .collect();
    let cats = categories(s).await;
    let cost_categories = board
        .cost_categories
        .iter()
        .map(|c| category_label(&cats, c, u.lang))
        .collect::<Vec<_>>()
        .join(crate::readable::list_sep(tr));
    let (years, quarters, months) = period_links(tr, p);
    let regions = if board.may_set {
        let chosen = typed.and_then(|t| t.region_id);
        region_choices(s, u, chosen).await
    } else {
        vec![]
    };
    let l = Layout::for_user(s, &u.ctx, "expenses", "page.budgets")
        .await
        .with_flash(ok);
    let page = BudgetsPage {
        l,
        years,
        quarters,
        months,
        rows,
        total_budget: board.total_budget.display(),
        total_approved: board.total_approved.display(),
        total_pending: board.total_pending.display(),
        month_columns,
        month_lines,
        year_cells,
        cost_rows,
        year: board.year,
        cost_categories,
        may_set: board.may_set,
        regions,
        form_period: typed
            .map(|t| t.period.clone())
            .unwrap_or_else(|| board.period.clone()),
        form_amount: typed.map(|t| t.amount.clone()).unwrap_or_default(),
        period: board.period,
        period_error,
        errors,
    };
    (status, render(&page)).into_response()
}

async fn budgets(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<BudgetQ>,
) -> Response {
    budgets_render(
        &s,
        &u,
        &q.period,
        q.ok.as_deref(),
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct BudgetForm {
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    amount: String,
}

async fn set_budget(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<BudgetForm>,
) -> Response {
    let input = BudgetInput {
        region_id: id_of(&f.region_id),
        period: f.period.clone(),
        amount: f.amount.clone(),
    };
    match uc::set_budget(&s.app, &u.ctx, &input).await {
        Ok(b) => {
            Redirect::to(&format!("/budgets?period={}&ok=budget_saved", b.period)).into_response()
        }
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            // The page shows the period typed when it reads as one, else the current one.
            let shown = if Period::parse("period", &f.period).is_ok() {
                f.period.trim().to_string()
            } else {
                String::new()
            };
            budgets_render(
                &s,
                &u,
                &shown,
                None,
                Some(&input),
                fe,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- Settings ----

/// A category as a checkbox of the settings form.
struct CostBox {
    code: String,
    label: String,
    checked: bool,
    active: bool,
}

#[derive(Template)]
#[template(path = "settings_expenses.html")]
struct SettingsPage {
    l: Layout,
    threshold: String,
    boxes: Vec<CostBox>,
    /// The reader keeps the category list (the administrator): a link to it.
    admin: bool,
    errors: FormErrors,
}

async fn settings_render(
    s: &AppState,
    u: &PageUser,
    ok: Option<&str>,
    typed: Option<&SettingsText>,
    errors: FormErrors,
) -> Response {
    if !uc::may_set(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let cur = match uc::settings(&s.app).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let chosen: Vec<String> = typed
        .map(|t| t.cost_categories.clone())
        .unwrap_or_else(|| cur.cost_categories.clone());
    let boxes = categories(s)
        .await
        .iter()
        .map(|c| CostBox {
            code: c.code.clone(),
            label: if u.lang == Lang::En {
                c.name_en.clone()
            } else {
                c.name_zh.clone()
            },
            checked: chosen.contains(&c.code),
            active: c.active,
        })
        .collect();
    let l = Layout::for_user(s, &u.ctx, "expenses", "page.settings_expenses")
        .await
        .with_flash(ok);
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&SettingsPage {
            l,
            threshold: typed
                .map(|t| t.threshold.clone())
                .unwrap_or_else(|| Money::from_fen(cur.threshold_fen).to_decimal()),
            boxes,
            admin: u
                .ctx
                .actor
                .can(salesdesk_domain::Capability::ManageSettings),
            errors,
        }),
    )
        .into_response()
}

async fn settings_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQ>,
) -> Response {
    settings_render(&s, &u, q.ok.as_deref(), None, FormErrors::default()).await
}

async fn save_settings(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    // Checkboxes repeat their name (`cost_categories=travel&cost_categories=gifts`): read as
    // pairs, collected here.
    let mut t = SettingsText::default();
    for (k, v) in pairs {
        match k.as_str() {
            "threshold" => t.threshold = v,
            "cost_categories" => t.cost_categories.push(v),
            _ => {}
        }
    }
    match uc::put_settings(&s.app, &u.ctx, &t).await {
        Ok(_) => Redirect::to("/settings/expenses?ok=settings_saved").into_response(),
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            settings_render(&s, &u, None, Some(&t), fe).await
        }
        Err(e) => page_error(e, u.lang),
    }
}
