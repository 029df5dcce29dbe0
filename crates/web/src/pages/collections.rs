//! Payment plans, payments (回款) and receivables on pages (issue 13 point 6): a contract's
//! collections page `/contracts/{id}/collections` (the plan editor while nothing is paid,
//! "record payment" and "refund", the payments), the receivables ageing `/receivables` (by
//! customer, person, region or the department, narrowed to an owner or a region, with saved
//! filters and CSV/XLSX export, and the largest overdue amounts) and a
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
use salesdesk_app::export::Export;
use salesdesk_app::saved_filters::ListKind;
use salesdesk_app::{AppError, Page};
use salesdesk_domain::Money;
use salesdesk_domain::collection::{self as rules, Ageing, Bucket, InstalmentInput, PaymentInput};
use serde::Deserialize;

use super::Choice;
use super::list_tools::{Exportable, ListFilter, ListTools, routes};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, query_string, render};

/// Rows of the plan editor.
const PLAN_ROWS: usize = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contracts/{id}/collections", get(show))
        .route("/contracts/{id}/plan", post(save_plan))
        .route("/contracts/{id}/payments", post(record))
        .route("/receivables", get(receivables))
        .merge(routes::<ReceivablesQ>())
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

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<super::FlashQ>,
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
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    region_id: String,
    page: Option<u64>,
    ok: Option<String>,
}

impl ReceivablesQ {
    fn by(&self) -> GroupBy {
        uc::parse_group(self.by.trim()).unwrap_or(GroupBy::Customer)
    }

    fn filter(&self) -> ReceivableFilter {
        let id = |s: &str| s.trim().parse().ok();
        ReceivableFilter {
            customer: id(&self.customer_id),
            owner: id(&self.owner_id),
            region: id(&self.region_id),
        }
    }
}

impl Exportable for ReceivablesQ {
    const KIND: ListKind = ListKind::Receivables;
    type Rows = salesdesk_app::list_export::ReceivableRows;

    async fn export(
        &self,
        app: &salesdesk_app::App,
        ctx: &salesdesk_app::Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<Self::Rows>, AppError> {
        salesdesk_app::list_export::receivables(app, ctx, self.by(), &self.filter(), tr).await
    }
}

impl ListFilter for ReceivablesQ {
    fn encoded(&self) -> String {
        let f = self.filter();
        query_string(&[
            ("by", Some(uc::group_str(self.by()).to_string())),
            ("owner_id", f.owner.map(|x| x.to_string())),
            ("region_id", f.region.map(|x| x.to_string())),
            ("customer_id", f.customer.map(|x| x.to_string())),
        ])
    }

    async fn page(self, s: &AppState, u: &PageUser, errors: FormErrors) -> Response {
        receivables_page(s, u, self, errors).await
    }
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
    /// The total row's and the whole-scope tab's name: "全部门" or "合计".
    total_label: String,
    today_note: String,
    largest: Vec<DueRow>,
    prev: Option<String>,
    next: Option<String>,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    /// The filter without the grouping, for the grouping tabs' links (`&…` or nothing).
    keep: String,
    customer_id: String,
    /// Saved filters, the save form and the export links.
    tools: ListTools,
}

async fn receivables(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ReceivablesQ>,
) -> Response {
    receivables_page(&s, &u, q, FormErrors::default()).await
}

async fn receivables_page(
    s: &AppState,
    u: &PageUser,
    q: ReceivablesQ,
    save_errors: FormErrors,
) -> Response {
    let tr = Tr(u.lang);
    let by = q.by();
    let page = Page::new(q.page, None);
    let filter = q.filter();
    let encoded = q.encoded();
    let tools = match ListTools::load(s, u, ListKind::Receivables, &encoded, save_errors).await {
        Ok(t) => t,
        Err(e) => return page_error(e, u.lang),
    };
    let r = match uc::receivables(&s.app, &u.ctx, by, &filter, page).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let largest = uc::largest_overdue(&s.app, &u.ctx, 10)
        .await
        .unwrap_or_default();
    let by_s = uc::group_str(by);
    // "全部门" only when the total is the whole department's; a region's or a person's is "合计".
    let total_key = if r.whole_department {
        "collection.by.department"
    } else {
        "collection.total"
    };
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
    let link = |n: u64| format!("/receivables?{encoded}&page={n}");
    let l = Layout::for_user(s, &u.ctx, "contracts", "page.receivables")
        .await
        .with_flash(q.ok.as_deref());
    let (owners, regions) = super::deals::scope_choices(s, u, filter.owner, filter.region).await;
    let keep = query_string(&[
        ("owner_id", filter.owner.map(|x| x.to_string())),
        ("region_id", filter.region.map(|x| x.to_string())),
        ("customer_id", filter.customer.map(|x| x.to_string())),
    ]);
    let status = if tools.save_errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ReceivablesPage {
        l,
        tools,
        owners,
        regions,
        keep: if keep.is_empty() {
            keep
        } else {
            format!("&{keep}")
        },
        customer_id: filter.customer.map(|c| c.to_string()).unwrap_or_default(),
        by: by_s,
        groups: ["customer", "owner", "region", "department"]
            .into_iter()
            .map(|g| {
                let label = if g == "department" {
                    tr.t(total_key).to_string()
                } else {
                    tr.t(&format!("collection.by.{g}")).to_string()
                };
                (g, label)
            })
            .collect(),
        total_label: tr.t(total_key).to_string(),
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
    };
    (status, render(&page)).into_response()
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
