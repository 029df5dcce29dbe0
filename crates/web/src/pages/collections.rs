//! Payment plans, payments (回款) and receivables on pages (issue 13 point 6): a contract's
//! collections page `/contracts/{id}/collections` (the plan editor while nothing is paid,
//! "record payment" and "refund", the payments), the receivables ageing `/receivables` (by
//! customer, person, region or the department, with the largest overdue amounts) and a
//! person's collections for this week and this month `/receivables/collections`. The rules are
//! in `app::collections`.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::collections::{self as uc, GroupBy, ReceivableFilter};
use salesdesk_app::{AppError, Page};
use salesdesk_domain::Money;
use salesdesk_domain::collection::{self as rules, Ageing, Bucket, InstalmentInput, PaymentInput};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

/// Rows of the plan editor.
const PLAN_ROWS: usize = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contracts/{id}/collections", get(show))
        .route("/contracts/{id}/plan", post(save_plan))
        .route("/contracts/{id}/payments", post(record))
        .route("/receivables", get(receivables))
        .route("/receivables/collections", get(collections))
}

/// Open amounts by bucket, as shown.
pub struct AgeingCells {
    pub cells: Vec<String>,
    pub overdue: String,
    pub total: String,
}

impl AgeingCells {
    pub fn of(a: &Ageing) -> Self {
        AgeingCells {
            cells: Bucket::ALL.iter().map(|b| a.get(*b).display()).collect(),
            overdue: a.overdue().display(),
            total: a.total().display(),
        }
    }
}

struct InstalmentRow {
    due_date: String,
    amount: String,
    paid: String,
    open: String,
    bucket: String,
    overdue: bool,
    days_overdue: i64,
}

struct PaymentRow {
    kind: String,
    refund: bool,
    received_on: String,
    amount: String,
    reference: String,
    reason: String,
    by: String,
}

#[derive(Template)]
#[template(path = "contract_collections.html")]
struct ShowPage {
    l: Layout,
    id: i64,
    number: String,
    total: String,
    paid: String,
    open: String,
    ageing: AgeingCells,
    rows: Vec<InstalmentRow>,
    payments: Vec<PaymentRow>,
    can_edit_plan: bool,
    locked: Option<String>,
    can_record: bool,
    plan_hint: String,
    /// The editor's rows (due date, amount) and the payment form's values.
    plan_form: Vec<(String, String)>,
    pay: HashMap<String, String>,
    today: String,
    errors: FormErrors,
    /// Which form failed: `plan`, `payment`, `refund`.
    failed: &'static str,
}

impl ShowPage {
    fn pv(&self, k: &str) -> String {
        self.pay.get(k).cloned().unwrap_or_default()
    }

    fn row_error(&self, n: &usize, f: &str) -> Option<&str> {
        self.errors.get(&format!("instalments[{n}].{f}"))
    }
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
    show_with(
        &s,
        &u,
        id,
        q.ok.as_deref(),
        None,
        None,
        FormErrors::default(),
        "",
    )
    .await
}

fn today(s: &AppState) -> chrono::NaiveDate {
    rules::company_date(s.app.config.clock.now())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page with three forms that re-render"
)]
async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    plan_form: Option<Vec<(String, String)>>,
    pay: Option<HashMap<String, String>>,
    errors: FormErrors,
    failed: &'static str,
) -> Response {
    let tr = Tr(u.lang);
    let c = match salesdesk_app::contracts::get(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let p = match uc::plan(&s.app, &u.ctx, id).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let rows = p
        .instalments
        .iter()
        .map(|i| InstalmentRow {
            due_date: i.due_date.to_string(),
            amount: i.amount.display(),
            paid: i.paid.display(),
            open: i.open.display(),
            bucket: if i.open == Money::ZERO {
                String::new()
            } else {
                tr.t(&i.bucket.key()).to_string()
            },
            overdue: i.open > Money::ZERO && i.bucket != Bucket::NotDue,
            days_overdue: i.days_overdue,
        })
        .collect();
    let payments = p
        .payments
        .iter()
        .map(|x| PaymentRow {
            kind: tr.t(&format!("collection.kind.{}", x.kind)).to_string(),
            refund: x.kind == "refund",
            received_on: x.received_on.to_string(),
            amount: x.amount.display(),
            reference: x.reference.clone(),
            reason: x.reason.clone(),
            by: x.created_by_name.clone().unwrap_or_default(),
        })
        .collect();
    let plan_form = plan_form.unwrap_or_else(|| {
        let mut f: Vec<(String, String)> = p
            .instalments
            .iter()
            .map(|i| (i.due_date.to_string(), i.amount.to_decimal()))
            .collect();
        if f.is_empty() {
            // A proposal: three equal monthly instalments from the signing date.
            f = rules::equal_plan(p.total, 3, p.signing_date)
                .iter()
                .map(|i| (i.due_date.to_string(), i.amount.to_decimal()))
                .collect();
        }
        f
    });
    let mut plan_form = plan_form;
    plan_form.resize(
        PLAN_ROWS.max(plan_form.len()),
        (String::new(), String::new()),
    );
    let mut l = Layout::for_user(s, &u.ctx, "contracts", "collection.plan")
        .await
        .with_flash(ok);
    l.title = format!("{} {} · {}", c.number, c.title, tr.t("collection.plan"));
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ShowPage {
            id,
            number: c.number.clone(),
            total: p.total.display(),
            paid: p.paid.display(),
            open: p.open.display(),
            ageing: AgeingCells::of(&p.ageing),
            rows,
            payments,
            can_edit_plan: p.can_edit_plan,
            locked: p.plan_locked_reason.map(|k| tr.t(k).to_string()),
            can_record: p.can_record,
            plan_hint: tr
                .t("collection.plan_hint")
                .replace("{arg}", &p.total.display()),
            plan_form,
            pay: pay.unwrap_or_default(),
            today: today(s).to_string(),
            errors,
            failed,
            l,
        }),
    )
        .into_response()
}

async fn save_plan(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Response {
    let get = |k: String| f.get(&k).cloned().unwrap_or_default();
    let form: Vec<(String, String)> = (0..PLAN_ROWS)
        .map(|n| (get(format!("due_date_{n}")), get(format!("amount_{n}"))))
        .collect();
    let rows: Vec<InstalmentInput> = form
        .iter()
        .map(|(d, a)| InstalmentInput {
            due_date: d.clone(),
            amount: a.clone(),
        })
        .collect();
    match uc::set_plan(&s.app, &u.ctx, id, &rows).await {
        Ok(_) => {
            Redirect::to(&format!("/contracts/{id}/collections?ok=plan_saved")).into_response()
        }
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, Some(form), None, fe, "plan").await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn record(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let refund = get("kind") == "refund";
    let input = PaymentInput {
        received_on: get("received_on"),
        amount: get("amount"),
        reference: get("reference"),
        reason: get("reason"),
    };
    match uc::record(&s.app, &u.ctx, id, &input, &[], refund).await {
        Ok(_) => {
            let key = if refund {
                "refund_recorded"
            } else {
                "payment_recorded"
            };
            Redirect::to(&format!("/contracts/{id}/collections?ok={key}")).into_response()
        }
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            let which = if refund { "refund" } else { "payment" };
            show_with(&s, &u, id, None, None, Some(f), fe, which).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- Receivables ----

#[derive(Debug, Default, Deserialize)]
struct ReceivablesQ {
    #[serde(default)]
    by: String,
    /// One customer's receivables (the customer page links here).
    #[serde(default)]
    customer_id: String,
    page: Option<u64>,
}

struct AgeingRowView {
    href: Option<String>,
    name: String,
    a: AgeingCells,
}

struct DueRow {
    contract_id: i64,
    contract: String,
    customer: String,
    owner: String,
    due_date: String,
    open: String,
    days_overdue: i64,
}

fn due_rows(lines: Vec<uc::DueLine>) -> Vec<DueRow> {
    lines
        .into_iter()
        .map(|d| DueRow {
            contract_id: d.contract_id,
            contract: format!("{} {}", d.contract_number, d.title),
            customer: d.customer_name,
            owner: d.owner_name.unwrap_or_default(),
            due_date: d.due_date.to_string(),
            open: d.open.display(),
            days_overdue: d.days_overdue,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "receivables.html")]
struct ReceivablesPage {
    l: Layout,
    by: &'static str,
    groups: Vec<(&'static str, String)>,
    heads: Vec<String>,
    rows: Vec<AgeingRowView>,
    total: AgeingCells,
    today_note: String,
    largest: Vec<DueRow>,
    prev: Option<String>,
    next: Option<String>,
}

async fn receivables(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ReceivablesQ>,
) -> Response {
    let tr = Tr(u.lang);
    let by = uc::parse_group(q.by.trim()).unwrap_or(GroupBy::Customer);
    let page = Page::new(q.page, None);
    let customer = q.customer_id.trim().parse().ok();
    let filter = ReceivableFilter {
        customer,
        ..Default::default()
    };
    let r = match uc::receivables(&s.app, &u.ctx, by, &filter, page).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let largest = uc::largest_overdue(&s.app, &u.ctx, 10)
        .await
        .unwrap_or_default();
    let by_s = uc::group_str(by);
    let rows = r
        .lines
        .iter()
        .map(|x| AgeingRowView {
            href: match (by, x.key) {
                (GroupBy::Customer, Some(k)) => Some(format!("/customers/{k}")),
                _ => None,
            },
            name: if x.name.is_empty() {
                tr.t("collection.nobody").to_string()
            } else {
                x.name.clone()
            },
            a: AgeingCells::of(&x.ageing),
        })
        .collect();
    let link = |n: u64| match customer {
        Some(k) => format!("/receivables?by={by_s}&customer_id={k}&page={n}"),
        None => format!("/receivables?by={by_s}&page={n}"),
    };
    let l = Layout::for_user(&s, &u.ctx, "contracts", "page.receivables").await;
    render(&ReceivablesPage {
        l,
        by: by_s,
        groups: ["customer", "owner", "region", "department"]
            .into_iter()
            .map(|g| (g, tr.t(&format!("collection.by.{g}")).to_string()))
            .collect(),
        heads: Bucket::ALL
            .iter()
            .map(|b| tr.t(&b.key()).to_string())
            .collect(),
        rows,
        total: AgeingCells::of(&r.total),
        today_note: tr
            .t("collection.today_is")
            .replace("{arg}", &r.today.to_string()),
        largest: due_rows(largest),
        prev: (r.page.number > 1).then(|| link(r.page.number - 1)),
        next: r.more.then(|| link(r.page.number + 1)),
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "receivables_collections.html")]
struct CollectionsPage {
    l: Layout,
    week_end: String,
    month_end: String,
    week: Vec<DueRow>,
    month: Vec<DueRow>,
}

#[derive(Debug, Default, Deserialize)]
struct CollectionsQ {
    #[serde(default)]
    owner_id: String,
}

async fn collections(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<CollectionsQ>,
) -> Response {
    let owner = q.owner_id.trim().parse().ok();
    let c = match uc::collections(&s.app, &u.ctx, owner).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let l = Layout::for_user(&s, &u.ctx, "contracts", "page.collections").await;
    render(&CollectionsPage {
        l,
        week_end: c.week_end.to_string(),
        month_end: c.month_end.to_string(),
        week: due_rows(c.week),
        month: due_rows(c.month),
    })
    .into_response()
}
