//! Quotations on pages (issue 13 point 2): a new version from the deal page
//! (`POST /deals/{id}/quotes`), the quotation `/quotes/{id}` (edit the lines of a draft, submit,
//! approve or reject, mark sent, a new version), its printable A4 page `/quotes/{id}/print`
//! (no navigation; `@media print` in `quote-print.css`), the approver's queue
//! `/quotes/waiting`, and the settings `/settings/quotes` (company name, discount limit,
//! validity). The deal and customer pages list quotations through [`deal_rows`] and
//! [`customer_rows`].

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::quotes::{self as uc, SettingsText};
use salesdesk_app::{AppError, Page};
use salesdesk_domain::quote::{
    self as rules, Action, LineInput, QuoteInput, QuoteState, TAX_RATES,
};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deals/{id}/quotes", post(create))
        .route("/quotes/waiting", get(waiting))
        .route("/quotes/{id}", get(show).post(save))
        .route("/quotes/{id}/print", get(print))
        .route("/quotes/{id}/submit", post(submit))
        .route("/quotes/{id}/approve", post(approve))
        .route("/quotes/{id}/reject", post(reject))
        .route("/quotes/{id}/send", post(send))
        .route("/settings/quotes", get(settings_page).post(settings_save))
        .route("/static/quote-print.css", get(print_css))
}

async fn print_css() -> Response {
    super::asset(
        include_str!("../../static/quote-print.css"),
        "text/css; charset=utf-8",
    )
}

/// A quotation in a list (the deal page, the customer page, the queue).
pub(crate) struct QuoteRow {
    pub id: i64,
    pub version: i32,
    pub state: &'static str,
    pub state_label: &'static str,
    pub gross: String,
    pub valid_until: String,
    pub deal_id: i64,
    pub deal_name: String,
    pub customer_name: String,
    pub owner: String,
    pub discount: String,
    pub submitted_at: String,
}

fn row_of(tr: Tr, q: uc::Quote) -> QuoteRow {
    QuoteRow {
        id: q.id,
        version: q.version,
        state: q.state.as_str(),
        state_label: tr.t(&q.state.label_key()),
        gross: q.totals.gross.display(),
        valid_until: q.valid_until.to_string(),
        deal_id: q.deal_id,
        deal_name: q.deal_name,
        customer_name: q.customer_name,
        owner: q.owner_name.unwrap_or_default(),
        discount: rules::percent_text(q.max_discount_bp),
        submitted_at: q.submitted_at.map(fmt_time).unwrap_or_default(),
    }
}

/// The deal page's quotation versions, newest first, and whether the reader may add one.
pub(crate) async fn deal_rows(s: &AppState, u: &PageUser, deal_id: i64) -> Vec<QuoteRow> {
    let tr = Tr(u.lang);
    uc::for_deal(&s.app, &u.ctx, deal_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|q| row_of(tr, q))
        .collect()
}

/// The customer page's quotations (the latest 20 changed).
pub(crate) async fn customer_rows(s: &AppState, u: &PageUser, customer_id: i64) -> Vec<QuoteRow> {
    let tr = Tr(u.lang);
    uc::for_customer(&s.app, &u.ctx, customer_id, Page::new(Some(1), Some(20)))
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .map(|q| row_of(tr, q))
        .collect()
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(deal_id): PagePath<i64>,
) -> Response {
    match uc::create_version(&s.app, &u.ctx, deal_id).await {
        Ok(q) => Redirect::to(&format!("/quotes/{}?ok=quote_created", q.id)).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- The quotation ----

/// Spare empty rows under a draft's lines.
const SPARE_ROWS: usize = 3;

struct FormLine {
    index: usize,
    products: Vec<Choice<'static>>,
    quantity: String,
    list_price: String,
    discount: String,
    taxes: Vec<Choice<'static>>,
    e_product: Option<String>,
    e_quantity: Option<String>,
    e_list_price: Option<String>,
    e_discount: Option<String>,
    e_tax_rate: Option<String>,
}

struct ShownLine {
    n: usize,
    product: String,
    quantity: i64,
    list_price: String,
    discount: String,
    net: String,
    tax_rate: String,
    tax: String,
    gross: String,
}

#[derive(Template)]
#[template(path = "quote_show.html")]
struct ShowPage {
    l: Layout,
    q: uc::Quote,
    state_label: &'static str,
    lines: Vec<ShownLine>,
    net: String,
    tax: String,
    gross: String,
    discount: String,
    limit: String,
    valid_until: String,
    note: String,
    form_lines: Vec<FormLine>,
    versions: Vec<QuoteRow>,
    history: Vec<(String, String)>,
    errors: FormErrors,
    /// Which form failed: `edit`, `reject`, `action`.
    failed: &'static str,
}

fn product_name(products: &[salesdesk_app::products::Product], code: &str, lang: Lang) -> String {
    products
        .iter()
        .find(|p| p.code == code)
        .map(|p| {
            if lang == Lang::En {
                p.name_en.clone()
            } else {
                p.name_zh.clone()
            }
        })
        .unwrap_or_else(|| code.to_string())
}

fn shown_lines(
    q: &uc::Quote,
    products: &[salesdesk_app::products::Product],
    lang: Lang,
) -> Vec<ShownLine> {
    q.lines
        .iter()
        .enumerate()
        .map(|(i, l)| ShownLine {
            n: i + 1,
            product: product_name(products, &l.product_code, lang),
            quantity: l.quantity,
            list_price: l.list_price.display(),
            discount: rules::percent_text(l.discount_bp),
            net: l.amounts.net.display(),
            tax_rate: rules::percent_text(l.tax_bp),
            tax: l.amounts.tax.display(),
            gross: l.amounts.gross.display(),
        })
        .collect()
}

fn text_of(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key).cloned().unwrap_or_default()
}

/// The form's rows, as typed (`rows` says how many the form had).
fn input_of(form: &HashMap<String, String>) -> QuoteInput {
    let rows = form
        .get("rows")
        .and_then(|r| r.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(rules::MAX_LINES + SPARE_ROWS);
    QuoteInput {
        valid_until: text_of(form, "valid_until"),
        note: text_of(form, "note"),
        lines: (0..rows)
            .map(|i| LineInput {
                product_code: text_of(form, &format!("product_{i}")),
                quantity: text_of(form, &format!("quantity_{i}")),
                list_price: text_of(form, &format!("list_price_{i}")),
                discount: text_of(form, &format!("discount_{i}")),
                tax_rate: text_of(form, &format!("tax_rate_{i}")),
            })
            .collect(),
    }
}

fn input_from_quote(q: &uc::Quote) -> QuoteInput {
    QuoteInput {
        valid_until: q.valid_until.to_string(),
        note: q.note.clone().unwrap_or_default(),
        lines: q
            .lines
            .iter()
            .map(|l| LineInput {
                product_code: l.product_code.clone(),
                quantity: l.quantity.to_string(),
                list_price: l.list_price.to_decimal(),
                discount: rules::percent_text(l.discount_bp)
                    .trim_end_matches('%')
                    .to_string(),
                tax_rate: rules::percent_text(l.tax_bp)
                    .trim_end_matches('%')
                    .to_string(),
            })
            .collect(),
    }
}

fn form_lines(
    input: &QuoteInput,
    products: &[salesdesk_app::products::Product],
    lang: Lang,
    errors: &FormErrors,
) -> Vec<FormLine> {
    let mut rows = input.lines.clone();
    let spare = SPARE_ROWS.min((rules::MAX_LINES + SPARE_ROWS).saturating_sub(rows.len()));
    rows.extend(std::iter::repeat_n(LineInput::default(), spare));
    rows.into_iter()
        .enumerate()
        .map(|(index, l)| {
            let code = l.product_code.trim().to_string();
            let tax_bp = match l.tax_rate.trim() {
                "" => Some(rules::DEFAULT_TAX_RATE),
                t => rules::parse_tax_rate("t", t).ok(),
            };
            let err = |f: &str| {
                errors
                    .get(&format!("lines[{index}].{f}"))
                    .map(str::to_string)
            };
            FormLine {
                index,
                products: products
                    .iter()
                    .filter(|p| p.active || p.code == code)
                    .map(|p| {
                        let label = if lang == Lang::En {
                            p.name_en.clone()
                        } else {
                            p.name_zh.clone()
                        };
                        Choice::new(p.code.clone(), label, p.code == code)
                    })
                    .collect(),
                quantity: l.quantity,
                list_price: l.list_price,
                discount: l.discount,
                taxes: TAX_RATES
                    .iter()
                    .map(|r| {
                        let t = rules::percent_text(*r);
                        Choice::new(t.trim_end_matches('%').to_string(), t, Some(*r) == tax_bp)
                    })
                    .collect(),
                e_product: err("product"),
                e_quantity: err("quantity"),
                e_list_price: err("list_price"),
                e_discount: err("discount"),
                e_tax_rate: err("tax_rate"),
            }
        })
        .collect()
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
    show_with(&s, &u, id, q.ok.as_deref(), None, FormErrors::default(), "").await
}

async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    typed: Option<QuoteInput>,
    errors: FormErrors,
    failed: &'static str,
) -> Response {
    let tr = Tr(u.lang);
    let q = match uc::get(&s.app, &u.ctx, id).await {
        Ok(q) => q,
        Err(e) => return page_error(e, u.lang),
    };
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let settings = uc::settings(&s.app).await.unwrap_or_default();
    let input = typed.unwrap_or_else(|| input_from_quote(&q));
    let mut history = vec![(
        fmt_time(q.created_at),
        tr.t("quote.history.created").to_string(),
    )];
    if let Some(at) = q.submitted_at {
        history.push((
            fmt_time(at),
            tr.tf(
                "quote.history.submitted",
                &[
                    ("who", q.submitted_by_name.as_deref().unwrap_or("—")),
                    ("approver", q.approver_name.as_deref().unwrap_or("—")),
                ],
            ),
        ));
    }
    if let Some(at) = q.decided_at {
        let key = if q.state == QuoteState::Rejected {
            "quote.history.rejected"
        } else {
            "quote.history.approved"
        };
        let mut line = tr.tf(key, &[("who", q.decided_by_name.as_deref().unwrap_or("—"))]);
        if let Some(c) = &q.decision_comment {
            line.push_str(&format!("{}{c}", crate::readable::colon(tr)));
        }
        history.push((fmt_time(at), line));
    }
    if let Some(at) = q.sent_at {
        history.push((
            fmt_time(at),
            tr.tf(
                "quote.history.sent",
                &[("who", q.sent_by_name.as_deref().unwrap_or("—"))],
            ),
        ));
    }
    let mut l = Layout::for_user(s, &u.ctx, "deals", "page.quote")
        .await
        .with_flash(ok);
    l.title = tr.tf(
        "quote.title",
        &[("deal", &q.deal_name), ("version", &q.version.to_string())],
    );
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ShowPage {
        state_label: tr.t(&q.state.label_key()),
        lines: shown_lines(&q, &products, u.lang),
        net: q.totals.net.display(),
        tax: q.totals.tax.display(),
        gross: q.totals.gross.display(),
        discount: rules::percent_text(q.max_discount_bp),
        limit: rules::percent_text(settings.discount_limit_bp),
        valid_until: input.valid_until.clone(),
        note: input.note.clone(),
        form_lines: form_lines(&input, &products, u.lang, &errors),
        versions: deal_rows(s, u, q.deal_id).await,
        history,
        errors,
        failed,
        l,
        q,
    };
    (status, render(&page)).into_response()
}

async fn save(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Response {
    let input = input_of(&f);
    let version = f.get("row_version").and_then(|v| v.trim().parse().ok());
    match uc::update(&s.app, &u.ctx, id, &input, version).await {
        Ok(_) => Redirect::to(&format!("/quotes/{id}?ok=quote_saved")).into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, Some(input), fe, "edit").await
        }
        Err(AppError::Stale { .. }) => {
            Redirect::to(&format!("/quotes/{id}?ok=quote_stale")).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    comment: String,
}

async fn do_act(s: &AppState, u: &PageUser, id: i64, action: Action, f: ActForm) -> Response {
    match uc::act(&s.app, &u.ctx, id, action, &f.comment).await {
        Ok(_) => {
            Redirect::to(&format!("/quotes/{id}?ok=quote_{}", action.as_str())).into_response()
        }
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            let failed = if action == Action::Reject {
                "reject"
            } else {
                "action"
            };
            show_with(s, u, id, None, None, fe, failed).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn submit(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    do_act(&s, &u, id, Action::Submit, f).await
}

async fn approve(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    do_act(&s, &u, id, Action::Approve, f).await
}

async fn reject(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    do_act(&s, &u, id, Action::Reject, f).await
}

async fn send(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    do_act(&s, &u, id, Action::Send, f).await
}

// ---- Print ----

#[derive(Template)]
#[template(path = "quote_print.html")]
struct PrintPage {
    tr: Tr,
    lang: &'static str,
    company: String,
    number: String,
    q: uc::Quote,
    date: String,
    lines: Vec<ShownLine>,
    list: String,
    net: String,
    tax: String,
    gross: String,
    gross_upper: String,
    /// Not approved or sent: printed as a draft for internal use.
    draft: bool,
}

async fn print(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    let tr = Tr(u.lang);
    let q = match uc::get(&s.app, &u.ctx, id).await {
        Ok(q) => q,
        Err(e) => return page_error(e, u.lang),
    };
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let settings = uc::settings(&s.app).await.unwrap_or_default();
    let company = if settings.company_name.trim().is_empty() {
        tr.t("quote.print.company_unset").to_string()
    } else {
        settings.company_name.clone()
    };
    let date = q
        .sent_at
        .or(q.decided_at)
        .unwrap_or(q.created_at)
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string();
    render(&PrintPage {
        tr,
        lang: tr.0.code(),
        company,
        number: format!("Q{:06}-V{}", q.id, q.version),
        date,
        lines: shown_lines(&q, &products, u.lang),
        list: q.totals.list.display(),
        net: q.totals.net.display(),
        tax: q.totals.tax.display(),
        gross: q.totals.gross.display(),
        gross_upper: if u.lang == Lang::En {
            String::new()
        } else {
            rules::upper_case_yuan(q.totals.gross)
        },
        draft: !matches!(q.state, QuoteState::Approved | QuoteState::Sent),
        q,
    })
}

// ---- The approver's queue ----

#[derive(Template)]
#[template(path = "quotes_waiting.html")]
struct WaitingPage {
    l: Layout,
    rows: Vec<QuoteRow>,
    pager: Pager,
    /// The reader sets the discount limit (the director, the VP): a link to the settings.
    can_set: bool,
}

#[derive(Debug, Default, Deserialize)]
struct PageQ {
    page: Option<u64>,
}

async fn waiting(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<PageQ>,
) -> Response {
    let tr = Tr(u.lang);
    let page = Page::new(q.page, Some(50));
    let p = match uc::waiting(&s.app, &u.ctx, page).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&p, "/quotes/waiting", "");
    render(&WaitingPage {
        l: Layout::for_user(&s, &u.ctx, "approvals", "page.quotes_waiting").await,
        rows: p.items.into_iter().map(|q| row_of(tr, q)).collect(),
        pager,
        can_set: uc::may_set(&u.ctx),
    })
}

// ---- Settings ----

#[derive(Template)]
#[template(path = "settings_quotes.html")]
struct SettingsPage {
    l: Layout,
    f: SettingsText,
    errors: FormErrors,
    admin: bool,
}

async fn settings_view(
    s: &AppState,
    u: &PageUser,
    f: SettingsText,
    errors: FormErrors,
) -> SettingsPage {
    SettingsPage {
        l: Layout::for_user(s, &u.ctx, "settings", "page.settings_quotes").await,
        f,
        errors,
        admin: u
            .ctx
            .actor
            .can(salesdesk_domain::Capability::ManageSettings),
    }
}

async fn settings_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQ>,
) -> Response {
    if !uc::may_set(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let current = match uc::settings(&s.app).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let mut p = settings_view(&s, &u, SettingsText::from(&current), FormErrors::default()).await;
    p.l = p.l.with_flash(q.ok.as_deref());
    render(&p)
}

async fn settings_save(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<SettingsText>,
) -> Response {
    match uc::put_settings(&s.app, &u.ctx, &f).await {
        Ok(_) => Redirect::to("/settings/quotes?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            let r = render(&settings_view(&s, &u, f, errors).await);
            (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}
