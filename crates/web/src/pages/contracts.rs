//! Contracts on pages (issue 13): the list `/contracts` (filters by status, owner, region and
//! signing month, saved filters, CSV/XLSX export; the director's approval queue is
//! `?status=pending_approval`), a new contract `/contracts/new?customer_id=` or `?deal_id=`
//! (prefilled from a won deal), the contract page
//! `/contracts/{id}` (lines, status actions, approval, invoices, attachments), an attachment's
//! download, revenue `/contracts/revenue` (stating the rule), and the settings
//! `/settings/contracts` (threshold: the director; revenue rule: the administrator).

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::contracts::{self as uc, ContractQuery, RevenueQuery};
use salesdesk_app::export::Export;
use salesdesk_app::saved_filters::ListKind;
use salesdesk_app::{AppError, Page};
use salesdesk_domain::contract::{
    self as rules, Action, ContractInput, ContractStatus, InvoiceInput, InvoiceKind, LineInput,
    RevenueRule,
};
use salesdesk_domain::{FieldError, FieldErrors};
use serde::Deserialize;

use super::Choice;
use super::list_tools::{Exportable, ListFilter, ListTools, routes};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

/// Room for the multipart framing around the largest attachment.
pub(crate) const ATTACHMENT_BODY_LIMIT: usize = rules::MAX_ATTACHMENT_BYTES + 64 * 1024;
/// Line rows of the form.
const FORM_LINES: usize = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(list))
        .merge(routes::<FilterQ>())
        .route("/contracts/new", get(new_page).post(create))
        .route("/contracts/revenue", get(revenue))
        .route("/contracts/{id}", get(show).post(update))
        .route("/contracts/{id}/act", post(act))
        .route("/contracts/{id}/invoices", post(add_invoice))
        .route(
            "/contracts/{id}/attachments",
            post(attach).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .route("/contracts/{id}/attachments/{aid}", get(attachment))
        .route(
            "/settings/contracts",
            get(settings_page).post(save_settings),
        )
}

fn id_of(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

fn status_label(tr: Tr, s: ContractStatus) -> String {
    tr.t(&s.key()).to_string()
}

// ---- The list ----

#[derive(Debug, Default, Deserialize)]
struct FilterQ {
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    customer_id: String,
    page: Option<u64>,
    ok: Option<String>,
}

struct Row {
    id: i64,
    number: String,
    title: String,
    customer_id: i64,
    customer: String,
    status: &'static str,
    status_label: String,
    owner: String,
    total: String,
    signing_date: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "contracts_list.html")]
struct ListPage {
    l: Layout,
    /// `pending` for the approval queue, else `list`.
    tab: &'static str,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    statuses: Vec<Choice<'static>>,
    month: String,
    customer_id: String,
    rows: Vec<Row>,
    total: u64,
    pending: u64,
    /// The reader may open the contracts' settings.
    may_settings: bool,
    pager: Pager,
    errors: FormErrors,
    /// Saved filters, the save form and the export links.
    tools: ListTools,
}

impl FilterQ {
    fn query(&self) -> ContractQuery {
        ContractQuery {
            owner_id: id_of(&self.owner_id),
            region_id: id_of(&self.region_id),
            status: Some(self.status.trim().to_string()).filter(|x| !x.is_empty()),
            month: Some(self.month.trim().to_string()).filter(|x| !x.is_empty()),
            customer_id: id_of(&self.customer_id),
        }
    }
}

impl Exportable for FilterQ {
    const KIND: ListKind = ListKind::Contracts;
    type Rows = salesdesk_app::list_export::ContractRows;

    async fn export(
        &self,
        app: &salesdesk_app::App,
        ctx: &salesdesk_app::Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<Self::Rows>, AppError> {
        salesdesk_app::list_export::contracts(app, ctx, &self.query(), tr).await
    }
}

impl ListFilter for FilterQ {
    fn encoded(&self) -> String {
        let cq = self.query();
        query_string(&[
            ("owner_id", cq.owner_id.map(|x| x.to_string())),
            ("region_id", cq.region_id.map(|x| x.to_string())),
            ("status", cq.status),
            ("month", cq.month),
            ("customer_id", cq.customer_id.map(|x| x.to_string())),
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
    let cq = q.query();
    let (paged, errors) = match uc::list(&s.app, &u.ctx, &cq, Page::new(q.page, None)).await {
        Ok(p) => (p, FormErrors::default()),
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, tr);
            let clean = ContractQuery {
                status: None,
                month: None,
                ..cq.clone()
            };
            match uc::list(&s.app, &u.ctx, &clean, Page::new(q.page, None)).await {
                Ok(p) => (p, fe),
                Err(e) => return page_error(e, u.lang),
            }
        }
        Err(e) => return page_error(e, u.lang),
    };
    let base = q.encoded();
    let pager = Pager::new(&paged, "/contracts", &base);
    let tools = match ListTools::load(s, u, ListKind::Contracts, &base, save_errors).await {
        Ok(t) => t,
        Err(e) => return page_error(e, u.lang),
    };
    let rows = paged
        .items
        .iter()
        .map(|c| Row {
            id: c.id,
            number: c.number.clone(),
            title: c.title.clone(),
            customer_id: c.customer_id,
            customer: c.customer_name.clone(),
            status: c.status.as_str(),
            status_label: status_label(tr, c.status),
            owner: c.owner_name.clone().unwrap_or_default(),
            total: c.total.display(),
            signing_date: c.signing_date.to_string(),
            updated: fmt_time(c.updated_at),
        })
        .collect();
    let statuses = ContractStatus::ALL
        .into_iter()
        .map(|st| {
            Choice::new(
                st.as_str(),
                status_label(tr, st),
                cq.status.as_deref() == Some(st.as_str()),
            )
        })
        .collect();
    let (owners, regions) = super::deals::scope_choices(s, u, cq.owner_id, cq.region_id).await;
    let pending = uc::pending_count(&s.app, &u.ctx).await.unwrap_or(0);
    let l = Layout::for_user(s, &u.ctx, "contracts", "page.contracts")
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
            tab: if cq.status.as_deref() == Some("pending_approval") {
                "pending"
            } else {
                "list"
            },
            owners,
            regions,
            statuses,
            month: q.month.chars().take(7).collect(),
            customer_id: cq.customer_id.map(|c| c.to_string()).unwrap_or_default(),
            total: paged.total,
            pending,
            may_settings: uc::may_set_threshold(&u.ctx) || uc::may_set_revenue_rule(&u.ctx),
            rows,
            pager,
            errors,
        }),
    )
        .into_response()
}

// ---- The form ----

/// The contract form as posted: `title`, `signing_date`, `customer_id`, `deal_id`, `version`,
/// and per row `product_i`, `quantity_i`, `unit_price_i`, `discount_i`, `tax_rate_i`.
type ContractForm = HashMap<String, String>;

fn field(f: &ContractForm, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn input_of(f: &ContractForm) -> ContractInput {
    ContractInput {
        title: field(f, "title"),
        signing_date: field(f, "signing_date"),
        lines: (0..FORM_LINES)
            .map(|i| LineInput {
                product: field(f, &format!("product_{i}")),
                quantity: field(f, &format!("quantity_{i}")),
                unit_price: field(f, &format!("unit_price_{i}")),
                discount: field(f, &format!("discount_{i}")),
                tax_rate: field(f, &format!("tax_rate_{i}")),
            })
            .collect(),
    }
}

fn form_of(i: &ContractInput) -> ContractForm {
    let mut f = ContractForm::new();
    f.insert("title".into(), i.title.clone());
    f.insert("signing_date".into(), i.signing_date.clone());
    for (n, l) in i.lines.iter().enumerate().take(FORM_LINES) {
        f.insert(format!("product_{n}"), l.product.clone());
        f.insert(format!("quantity_{n}"), l.quantity.clone());
        f.insert(format!("unit_price_{n}"), l.unit_price.clone());
        f.insert(format!("discount_{n}"), l.discount.clone());
        f.insert(format!("tax_rate_{n}"), l.tax_rate.clone());
    }
    f
}

/// A line row of the form, with its errors.
struct LineRow {
    index: usize,
    products: Vec<Choice<'static>>,
    quantity: String,
    unit_price: String,
    discount: String,
    tax_rate: String,
    errors: Vec<String>,
}

async fn line_rows(
    s: &AppState,
    u: &PageUser,
    f: &ContractForm,
    errors: &FormErrors,
) -> Vec<LineRow> {
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    (0..FORM_LINES)
        .map(|index| {
            let code = field(f, &format!("product_{index}"));
            let errs = ["product", "quantity", "unit_price", "discount", "tax_rate"]
                .iter()
                .filter_map(|n| {
                    errors
                        .get(&format!("lines[{index}].{n}"))
                        .map(str::to_string)
                })
                .collect();
            let tax = field(f, &format!("tax_rate_{index}"));
            LineRow {
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
                quantity: field(f, &format!("quantity_{index}")),
                unit_price: field(f, &format!("unit_price_{index}")),
                discount: field(f, &format!("discount_{index}")),
                tax_rate: if tax.is_empty() && code.is_empty() {
                    rules::percent_text(rules::DEFAULT_TAX_BP)
                } else {
                    tax
                },
                errors: errs,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "contract_form.html")]
struct NewPage {
    l: Layout,
    customer_id: i64,
    customer_name: String,
    deal_id: String,
    deal_hint: String,
    f: ContractForm,
    line_rows: Vec<LineRow>,
    threshold: String,
    errors: FormErrors,
}

impl NewPage {
    fn v(&self, k: &str) -> String {
        field(&self.f, k)
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQ {
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    deal_id: String,
}

async fn new_render(
    s: &AppState,
    u: &PageUser,
    customer_id: i64,
    f: ContractForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let c = match salesdesk_app::customers::get(&s.app, &u.ctx, customer_id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let deal_id = field(&f, "deal_id");
    let deal_hint = match id_of(&deal_id) {
        Some(d) => match salesdesk_app::deals::get(&s.app, &u.ctx, d).await {
            Ok(d) => Tr(u.lang).tf(
                "contract.from_deal",
                &[
                    ("deal", d.name.as_str()),
                    ("amount", d.amount.display().as_str()),
                ],
            ),
            Err(_) => String::new(),
        },
        None => String::new(),
    };
    let threshold = uc::settings(&s.app)
        .await
        .map(|x| x.threshold().display())
        .unwrap_or_default();
    let line_rows = line_rows(s, u, &f, &errors).await;
    let l = Layout::for_user(s, &u.ctx, "contracts", "page.contract_new").await;
    (
        status,
        render(&NewPage {
            l,
            customer_id,
            customer_name: c.name,
            deal_id,
            deal_hint,
            f,
            line_rows,
            threshold,
            errors,
        }),
    )
        .into_response()
}

async fn new_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<NewQ>,
) -> Response {
    if let Some(deal) = id_of(&q.deal_id) {
        return match uc::prefill_from_deal(&s.app, &u.ctx, deal).await {
            Ok((customer_id, input)) => {
                let mut f = form_of(&input);
                f.insert("deal_id".into(), deal.to_string());
                new_render(
                    &s,
                    &u,
                    customer_id,
                    f,
                    FormErrors::default(),
                    StatusCode::OK,
                )
                .await
            }
            Err(e) => page_error(e, u.lang),
        };
    }
    let Some(customer_id) = id_of(&q.customer_id) else {
        return page_error(AppError::NotFound, u.lang);
    };
    let mut f = ContractForm::new();
    f.insert("quantity_0".into(), "1".into());
    new_render(
        &s,
        &u,
        customer_id,
        f,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<ContractForm>,
) -> Response {
    let Some(customer_id) = id_of(&field(&f, "customer_id")) else {
        return page_error(AppError::NotFound, u.lang);
    };
    let deal_id = id_of(&field(&f, "deal_id"));
    match uc::create(&s.app, &u.ctx, customer_id, deal_id, &input_of(&f)).await {
        Ok(c) => Redirect::to(&format!("/contracts/{}?ok=contract_created", c.id)).into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            new_render(&s, &u, customer_id, f, fe, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- The contract ----

struct LineView {
    product: String,
    quantity: i64,
    unit_price: String,
    discount: String,
    tax_rate: String,
    amount: String,
    amount_excl: String,
}

struct InvoiceView {
    number: String,
    kind: String,
    issue_date: String,
    amount: String,
}

struct ActionView {
    code: &'static str,
    label: String,
    /// Needs a reason (reject, cancel).
    reason: bool,
    primary: bool,
}

struct FileView {
    id: i64,
    name: String,
    size: String,
    at: String,
    by: String,
}

#[derive(Template)]
#[template(path = "contract_show.html")]
struct ShowPage {
    l: Layout,
    c: uc::Contract,
    status: &'static str,
    status_label: String,
    signing_date: String,
    total: String,
    total_excl: String,
    tax: String,
    invoiced: String,
    open: String,
    threshold: String,
    lines: Vec<LineView>,
    invoices: Vec<InvoiceView>,
    files: Vec<FileView>,
    /// Status actions the reader may take now.
    actions: Vec<ActionView>,
    /// The draft's edit form.
    f: ContractForm,
    line_rows: Vec<LineRow>,
    kinds: Vec<Choice<'static>>,
    inv: HashMap<String, String>,
    today: String,
    errors: FormErrors,
    /// Which form failed: `edit`, `act`, `invoice`, `file`.
    failed: &'static str,
    /// The payment plan's summary (collections): (instalments, paid, open, overdue).
    plan: Option<(usize, String, String, String)>,
}

impl ShowPage {
    fn v(&self, k: &str) -> String {
        field(&self.f, k)
    }

    fn iv(&self, k: &str) -> String {
        self.inv.get(k).cloned().unwrap_or_default()
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

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

fn input_to_form(c: &uc::Contract) -> ContractForm {
    let mut f = ContractForm::new();
    f.insert("title".into(), c.title.clone());
    f.insert("signing_date".into(), c.signing_date.to_string());
    for (i, l) in c.lines.iter().enumerate().take(FORM_LINES) {
        f.insert(format!("product_{i}"), l.product_code.clone());
        f.insert(format!("quantity_{i}"), l.quantity.to_string());
        f.insert(format!("unit_price_{i}"), l.unit_price.to_decimal());
        f.insert(format!("discount_{i}"), rules::percent_text(l.discount_bp));
        f.insert(format!("tax_rate_{i}"), rules::percent_text(l.tax_bp));
    }
    f
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page with four forms that re-render"
)]
async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    form: Option<ContractForm>,
    inv: Option<HashMap<String, String>>,
    errors: FormErrors,
    failed: &'static str,
) -> Response {
    let tr = Tr(u.lang);
    let c = match uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let lines = c
        .lines
        .iter()
        .map(|l| LineView {
            product: products
                .iter()
                .find(|p| p.code == l.product_code)
                .map(|p| {
                    if u.lang == Lang::En {
                        p.name_en.clone()
                    } else {
                        p.name_zh.clone()
                    }
                })
                .unwrap_or_else(|| {
                    // An imported contract's one line without a product: its total.
                    if l.product_code.is_empty() {
                        Tr(u.lang).t("cimport.line_imported").to_string()
                    } else {
                        l.product_code.clone()
                    }
                }),
            quantity: l.quantity,
            unit_price: l.unit_price.display(),
            discount: format!("{}%", rules::percent_text(l.discount_bp)),
            tax_rate: format!("{}%", rules::percent_text(l.tax_bp)),
            amount: l.amount.display(),
            amount_excl: l.amount_excl.display(),
        })
        .collect();
    let invoices = c
        .invoices
        .iter()
        .map(|i| InvoiceView {
            number: i.number.clone(),
            kind: tr.t(&format!("invoice.kind.{}", i.kind)).to_string(),
            issue_date: i.issue_date.to_string(),
            amount: i.amount.display(),
        })
        .collect();
    let files = c
        .attachments
        .iter()
        .map(|a| FileView {
            id: a.id,
            name: a.file_name.clone(),
            size: size_text(a.size),
            at: fmt_time(a.uploaded_at),
            by: a.uploaded_by_name.clone().unwrap_or_default(),
        })
        .collect();
    let mut actions: Vec<ActionView> = vec![];
    let mut add = |code: &'static str, key: &str, reason: bool, primary: bool| {
        actions.push(ActionView {
            code,
            label: tr.t(key).to_string(),
            reason,
            primary,
        })
    };
    use ContractStatus::*;
    if c.can_work {
        match c.status {
            Draft if c.needs_approval => {
                add("sign", "contract.action.sign_for_approval", false, true)
            }
            Draft => add("sign", "contract.action.sign", false, true),
            Signed => add(
                "start_delivery",
                "contract.action.start_delivery",
                false,
                true,
            ),
            InDelivery => add("complete", "contract.action.complete", false, true),
            _ => {}
        }
    }
    if c.can_approve {
        add("approve", "contract.action.approve", false, true);
        add("reject", "contract.action.reject", true, false);
    }
    if c.can_work && !matches!(c.status, Completed | Cancelled) {
        add("cancel", "contract.action.cancel", true, false);
    }
    let f = form.unwrap_or_else(|| input_to_form(&c));
    let line_rows = line_rows(s, u, &f, &errors).await;
    let inv = inv.unwrap_or_default();
    let kind_sel = inv.get("kind").cloned().unwrap_or_default();
    let kinds = InvoiceKind::ALL
        .into_iter()
        .map(|k| {
            Choice::new(
                k.as_str(),
                tr.t(&format!("invoice.kind.{}", k.as_str())),
                kind_sel == k.as_str(),
            )
        })
        .collect();
    let today = s
        .app
        .config
        .clock
        .now()
        .with_timezone(&s.app.config.time_zone)
        .date_naive()
        .to_string();
    let threshold = uc::settings(&s.app)
        .await
        .map(|x| x.threshold().display())
        .unwrap_or_default();
    let plan = salesdesk_app::collections::plan(&s.app, &u.ctx, id)
        .await
        .ok()
        .map(|p| {
            (
                p.instalments.len(),
                p.paid.display(),
                p.open.display(),
                p.ageing.overdue().display(),
            )
        });
    let mut l = Layout::for_user(s, &u.ctx, "contracts", "page.contract")
        .await
        .with_flash(ok);
    l.title = format!("{} {}", c.number, c.title);
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&ShowPage {
            status: c.status.as_str(),
            status_label: status_label(tr, c.status),
            signing_date: c.signing_date.to_string(),
            total: c.total.display(),
            total_excl: c.total_excl.display(),
            tax: c.tax.display(),
            invoiced: c.invoiced.display(),
            open: c.open_to_invoice.display(),
            threshold,
            lines,
            invoices,
            files,
            actions,
            f,
            line_rows,
            kinds,
            inv,
            today,
            errors,
            failed,
            plan,
            l,
            c,
        }),
    )
        .into_response()
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ContractForm>,
) -> Response {
    let version = field(&f, "version").trim().parse().ok();
    match uc::update_draft(&s.app, &u.ctx, id, &input_of(&f), version).await {
        Ok(_) => Redirect::to(&format!("/contracts/{id}?ok=contract_saved")).into_response(),
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, Some(f), None, fe, "edit").await
        }
        Err(AppError::Stale { .. }) => {
            Redirect::to(&format!("/contracts/{id}?ok=contract_stale")).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActForm>,
) -> Response {
    let Some(action) = Action::parse(f.action.trim()) else {
        let fe = FormErrors::from(
            &FieldErrors(vec![FieldError::new("action", "error.invalid_choice")]),
            Tr(u.lang),
        );
        return show_with(&s, &u, id, None, None, None, fe, "act").await;
    };
    match uc::act(&s.app, &u.ctx, id, action, &f.reason).await {
        Ok(c) => {
            let key = match (action, c.status) {
                (Action::Sign, ContractStatus::PendingApproval) => "contract_pending",
                (Action::Sign, _) | (Action::Approve, _) => "contract_signed",
                _ => "contract_moved",
            };
            Redirect::to(&format!("/contracts/{id}?ok={key}")).into_response()
        }
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, None, None, fe, "act").await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn add_invoice(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = InvoiceInput {
        number: get("number"),
        kind: get("kind"),
        issue_date: get("issue_date"),
        amount: get("amount"),
    };
    match uc::add_invoice(&s.app, &u.ctx, id, &input).await {
        Ok(_) => {
            Redirect::to(&format!("/contracts/{id}?ok=invoice_added#invoices")).into_response()
        }
        Err(AppError::Validation(e)) | Err(AppError::Conflict(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, None, Some(f), fe, "invoice").await
        }
        Err(e) => page_error(e, u.lang),
    }
}

/// The file of the upload form: (name, bytes), or the field error of what was wrong.
/// The `file` part of an attachment's upload (the page's form and the API), or why there is
/// none: too large, or empty.
pub(crate) async fn read_file(mut m: Multipart) -> Result<(String, Vec<u8>), FieldError> {
    let too_large = || {
        FieldError::with_arg(
            "file",
            "error.attachment_too_large",
            rules::MAX_ATTACHMENT_BYTES / (1024 * 1024),
        )
    };
    loop {
        let part = match m.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(FieldError::new("file", "error.attachment_empty")),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(FieldError::new("file", "error.attachment_empty")),
        };
        if part.name() != Some("file") {
            continue;
        }
        let name = part.file_name().unwrap_or("").to_string();
        return match part.bytes().await {
            Ok(b) => Ok((name, b.to_vec())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(_) => Err(FieldError::new("file", "error.attachment_empty")),
        };
    }
}

async fn attach(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    m: Multipart,
) -> Response {
    let result = match read_file(m).await {
        Ok((name, bytes)) => uc::attach(&s.app, &u.ctx, id, &name, &bytes).await,
        Err(e) => Err(AppError::Validation(FieldErrors(vec![e]))),
    };
    match result {
        Ok(_) => {
            Redirect::to(&format!("/contracts/{id}?ok=attachment_added#files")).into_response()
        }
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            show_with(&s, &u, id, None, None, None, fe, "file").await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn attachment(
    State(s): State<AppState>,
    u: PageUser,
    PagePath((id, aid)): PagePath<(i64, i64)>,
) -> Response {
    match uc::attachment(&s.app, &u.ctx, id, aid).await {
        Ok((name, content_type, bytes)) => crate::view::stored_file(bytes, &content_type, &name),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- Revenue ----

#[derive(Debug, Default, Deserialize)]
struct RevenueQ {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    region_id: String,
}

#[derive(Template)]
#[template(path = "contracts_revenue.html")]
struct RevenuePage {
    l: Layout,
    owners: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    from: String,
    to: String,
    rule: &'static str,
    rule_text: String,
    amount_excl: String,
    amount: String,
    count: i64,
    errors: FormErrors,
}

async fn revenue(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<RevenueQ>,
) -> Response {
    let tr = Tr(u.lang);
    let rq = RevenueQuery {
        from: Some(q.from.clone()).filter(|x| !x.trim().is_empty()),
        to: Some(q.to.clone()).filter(|x| !x.trim().is_empty()),
        owner_id: id_of(&q.owner_id),
        region_id: id_of(&q.region_id),
    };
    let (r, errors) = match uc::revenue(&s.app, &u.ctx, &rq).await {
        Ok(r) => (r, FormErrors::default()),
        Err(AppError::Validation(e)) => {
            let clean = RevenueQuery {
                from: None,
                to: None,
                ..rq.clone()
            };
            match uc::revenue(&s.app, &u.ctx, &clean).await {
                Ok(r) => (r, FormErrors::from(&e, tr)),
                Err(e) => return page_error(e, u.lang),
            }
        }
        Err(e) => return page_error(e, u.lang),
    };
    let (owners, regions) = super::deals::scope_choices(&s, &u, rq.owner_id, rq.region_id).await;
    let l = Layout::for_user(&s, &u.ctx, "contracts", "page.contracts_revenue").await;
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        render(&RevenuePage {
            l,
            owners,
            regions,
            from: r.from.to_string(),
            to: r.to.to_string(),
            rule: r.rule.as_str(),
            rule_text: tr
                .t(&format!("revenue.rule.{}", r.rule.as_str()))
                .to_string(),
            amount_excl: r.amount_excl.display(),
            amount: r.amount.display(),
            count: r.count,
            errors,
        }),
    )
        .into_response()
}

// ---- Settings ----

#[derive(Template)]
#[template(path = "contracts_settings.html")]
struct SettingsPage {
    l: Layout,
    threshold: String,
    remind_before_days: String,
    remind_after_days: String,
    may_threshold: bool,
    may_rule: bool,
    rules: Vec<Choice<'static>>,
    errors: FormErrors,
}

async fn settings_render(
    s: &AppState,
    u: &PageUser,
    ok: Option<&str>,
    typed: Option<&SettingsForm>,
    errors: FormErrors,
) -> Response {
    let may_threshold = uc::may_set_threshold(&u.ctx);
    let may_rule = uc::may_set_revenue_rule(&u.ctx);
    if !may_threshold && !may_rule {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let cur = match uc::settings(&s.app).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let rules = RevenueRule::ALL
        .into_iter()
        .map(|r| {
            Choice::new(
                r.as_str(),
                tr.t(&format!("revenue.rule.{}", r.as_str())),
                r == cur.revenue_rule,
            )
        })
        .collect();
    let l = Layout::for_user(s, &u.ctx, "contracts", "page.settings_contracts")
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
                .and_then(|f| f.threshold.clone())
                .unwrap_or_else(|| cur.threshold().to_decimal()),
            remind_before_days: typed
                .and_then(|f| f.remind_before_days.clone())
                .unwrap_or_else(|| cur.remind_before_days.to_string()),
            remind_after_days: typed
                .and_then(|f| f.remind_after_days.clone())
                .unwrap_or_else(|| cur.remind_after_days.to_string()),
            may_threshold,
            may_rule,
            rules,
            errors,
        }),
    )
        .into_response()
}

async fn settings_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<super::FlashQ>,
) -> Response {
    settings_render(&s, &u, q.ok.as_deref(), None, FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    threshold: Option<String>,
    revenue_rule: Option<String>,
    remind_before_days: Option<String>,
    remind_after_days: Option<String>,
}

async fn save_settings(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<SettingsForm>,
) -> Response {
    // Each person sends the fields they may change; the others are left alone.
    let director = uc::may_set_threshold(&u.ctx);
    let change = uc::SettingsChange {
        threshold: f.threshold.as_deref().filter(|_| director),
        revenue_rule: f
            .revenue_rule
            .as_deref()
            .filter(|_| uc::may_set_revenue_rule(&u.ctx)),
        remind_before_days: f.remind_before_days.as_deref().filter(|_| director),
        remind_after_days: f.remind_after_days.as_deref().filter(|_| director),
    };
    match uc::put_settings(&s.app, &u.ctx, change).await {
        Ok(_) => Redirect::to("/settings/contracts?ok=settings_saved").into_response(),
        Err(AppError::Validation(e)) => {
            let fe = FormErrors::from(&e, Tr(u.lang));
            settings_render(&s, &u, None, Some(&f), fe).await
        }
        Err(e) => page_error(e, u.lang),
    }
}
