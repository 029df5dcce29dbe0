//! Customer pages: the list with search, the record, create and edit.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::contacts::{self, ContactInput};
use salesdesk_app::customers::{self as uc, Customer, CustomerInput};
use salesdesk_app::records;
use salesdesk_app::status::{self, RequestInput};
use salesdesk_app::{AppError, Page, org};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::{CompanySize, CustomerStatus, InvalidReason};
use serde::Deserialize;

use super::Choice;
use super::records::{self as records_view, RecordForm, RecordFormView, RecordLine};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, duplicate_detail, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(super::customer_list::list).post(create))
        .route("/customers/new", get(new_form))
        .route("/customers/{id}", get(show).post(update))
        .route("/customers/{id}/edit", get(edit_form))
        .route(
            "/customers/{id}/status-requests",
            axum::routing::post(request_status),
        )
        .route(
            "/status-requests/{id}/decision",
            axum::routing::post(decide),
        )
        .route("/approvals", get(approvals))
        .route("/customers/{id}/contacts", axum::routing::post(add_contact))
        .route("/customers/{id}/contacts.vcf", get(contacts_vcard))
        .route("/contacts/{id}/delete", axum::routing::post(delete_contact))
}

/// What the forms on the customer page hold when shown again after a mistake.
#[derive(Default)]
struct Forms {
    status: RequestInput,
    status_errors: FormErrors,
    contact: ContactInput,
    contact_errors: FormErrors,
    record: RecordForm,
}

/// The customer page with the contact-record form shown again after a mistake.
pub(super) async fn show_with_record_form(
    s: &AppState,
    u: &PageUser,
    id: i64,
    record: RecordForm,
) -> Response {
    let forms = Forms {
        record,
        ..Default::default()
    };
    show_page(s, u, id, forms, None).await
}

struct OwnerLine {
    at: String,
    from: String,
    to: String,
    reason: &'static str,
    by: String,
}

struct ContactLine {
    id: i64,
    name: String,
    title: Option<String>,
    role: Option<&'static str>,
    primary: bool,
    ways: Vec<String>,
}

struct PendingView {
    id: i64,
    who: String,
    to: &'static str,
    to_code: &'static str,
    at: String,
    evidence: Vec<(&'static str, String)>,
    can_decide: bool,
}

struct HistoryLine {
    at: String,
    who: String,
    from: &'static str,
    to: &'static str,
    state: &'static str,
    decided: Option<String>,
}

#[derive(Template)]
#[template(path = "customer_show.html")]
struct ShowPage {
    l: Layout,
    c: Customer,
    status: &'static str,
    status_code: &'static str,
    region: String,
    place: String,
    created: String,
    pending: Option<PendingView>,
    history: Vec<HistoryLine>,
    targets: Vec<Choice<'static>>,
    reasons: Vec<Choice<'static>>,
    evidence_fields: Vec<Field>,
    errors: FormErrors,
    contacts: Vec<ContactLine>,
    contact_fields: Vec<Field>,
    contact_errors: FormErrors,
    roles: Vec<Choice<'static>>,
    records: Vec<RecordLine>,
    records_total: u64,
    record_form: RecordFormView,
    owner_lines: Vec<OwnerLine>,
    reassign_to: Vec<Choice<'static>>,
    type_label: String,
    source_label: String,
    size_label: String,
    last_contact: String,
    next_contact: String,
    completeness: u8,
    missing: Vec<&'static str>,
    can_release: bool,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

fn state_label(tr: Tr, state: &str) -> &'static str {
    crate::readable::request_state(tr, state)
}

async fn show_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    forms: Forms,
    ok: Option<&str>,
) -> Response {
    let tr = Tr(u.lang);
    let Forms {
        status: input,
        status_errors: errors,
        contact,
        contact_errors,
        record,
    } = forms;
    let (c, requests, contact_list, recs, owner_changes, owners, settings, lists) = match async {
        Ok::<_, AppError>((
            uc::get(&s.app, &u.ctx, id).await?,
            status::history(&s.app, &u.ctx, id).await?,
            contacts::list(&s.app, &u.ctx, id).await?,
            records::list(&s.app, &u.ctx, id, Page::new(Some(1), Some(10))).await?,
            uc::owner_history(&s.app, &u.ctx, id).await?,
            uc::owner_choices(&s.app, &u.ctx).await?,
            salesdesk_app::settings::get(&s.app).await?,
            salesdesk_app::choices::all(&s.app).await?,
        ))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let regions = org::list(&s.app, &u.ctx).await.unwrap_or_default();
    let mut l = Layout::for_user(s, &u.ctx, "customers", "page.customers")
        .await
        .with_flash(ok);
    l.title = c.name.clone();
    let address = [
        c.province.as_deref(),
        c.city.as_deref(),
        c.address.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let pending = requests
        .iter()
        .find(|r| r.state == "pending")
        .map(|r| PendingView {
            id: r.id,
            who: r.requested_by_name.clone(),
            to: tr.t(&r.to_status.label_key()),
            to_code: r.to_status.as_str(),
            at: fmt_time(r.created_at),
            evidence: [
                ("field.need", r.need.clone()),
                ("field.budget", r.budget.clone()),
                ("field.timeline", r.timeline.clone()),
                ("field.negotiation", r.negotiation.clone()),
                (
                    "field.invalid_reason",
                    r.invalid_reason.map(|x| tr.t(&x.label_key()).to_string()),
                ),
                ("field.note", r.note.clone()),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (tr.t(k), v)))
            .collect(),
            can_decide: r.can_decide,
        });
    let history = requests
        .iter()
        .filter(|r| r.state != "pending")
        .map(|r| HistoryLine {
            at: fmt_time(r.decided_at.unwrap_or(r.created_at)),
            who: r.requested_by_name.clone(),
            from: tr.t(&r.from_status.label_key()),
            to: tr.t(&r.to_status.label_key()),
            state: state_label(tr, &r.state),
            decided: r
                .decided_by_name
                .as_ref()
                .map(|d| match &r.decision_comment {
                    Some(cm) => format!("{d}{}{cm}", crate::readable::colon(tr)),
                    None => d.clone(),
                }),
        })
        .collect();
    let targets = CustomerStatus::ALL
        .iter()
        .filter(|t| salesdesk_domain::customer::is_allowed(c.status, **t))
        .map(|t| {
            Choice::new(
                t.as_str(),
                tr.t(&t.label_key()),
                input.to_status == t.as_str(),
            )
        })
        .collect();
    let reasons = InvalidReason::ALL
        .iter()
        .map(|r| {
            Choice::new(
                r.as_str(),
                tr.t(&r.label_key()),
                input.invalid_reason == r.as_str(),
            )
        })
        .collect();
    let f = |name: &'static str, key: &'static str, value: &str| Field {
        name,
        label: tr.t(key),
        value: value.to_string(),
        required: false,
        multiline: true,
    };
    let evidence_fields = vec![
        f("need", "field.need", &input.need),
        f("budget", "field.budget", &input.budget),
        f("timeline", "field.timeline", &input.timeline),
        f("negotiation", "field.negotiation", &input.negotiation),
        f("note", "field.note", &input.note),
    ];
    let contact_list_ids: Vec<(i64, String)> = contact_list
        .iter()
        .map(|k| (k.id, k.name.clone()))
        .collect();
    let contacts = contact_list
        .into_iter()
        .map(|k| ContactLine {
            id: k.id,
            role: k
                .role
                .as_deref()
                .map(|r| tr.t(&format!("contact_role.{r}"))),
            ways: [
                k.mobile
                    .as_ref()
                    .map(|m| format!("{}{}{m}", tr.t("field.mobile"), crate::readable::colon(tr))),
                k.phone
                    .as_ref()
                    .map(|p| format!("{}{}{p}", tr.t("field.phone"), crate::readable::colon(tr))),
                k.email
                    .as_ref()
                    .map(|e| format!("{}{}{e}", tr.t("field.email"), crate::readable::colon(tr))),
                k.wechat
                    .as_ref()
                    .map(|w| format!("{}{}{w}", tr.t("field.wechat"), crate::readable::colon(tr))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            name: k.name,
            title: k.title,
            primary: k.is_primary,
        })
        .collect();
    let cf = |name: &'static str, key: &'static str, value: &str, required: bool| Field {
        name,
        label: tr.t(key),
        value: value.to_string(),
        required,
        multiline: false,
    };
    let contact_fields = vec![
        cf("name", "field.display_name", &contact.name, true),
        cf("title", "field.title", &contact.title, false),
        cf("mobile", "field.mobile", &contact.mobile, false),
        cf("phone", "field.phone", &contact.phone, false),
        cf("email", "field.email", &contact.email, false),
        cf("wechat", "field.wechat", &contact.wechat, false),
        cf("notes", "field.notes", &contact.notes, false),
    ];
    let roles = contacts::ROLES
        .iter()
        .map(|r| Choice::new(*r, tr.t(&format!("contact_role.{r}")), contact.role == *r))
        .collect();
    let status = if errors.any() || contact_errors.any() || record.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let people: Vec<(i64, String)> = contact_list_ids;
    let done = uc::completeness(&c, !people.is_empty(), &settings.required_items);
    let lang = u.lang.code();
    let reason = |r: &str| crate::readable::owner_reason(tr, r);
    let page = ShowPage {
        records_total: recs.total,
        records: recs
            .items
            .into_iter()
            .map(|r| records_view::line(tr, r))
            .collect(),
        record_form: records_view::form_view(tr, record, &people),
        owner_lines: owner_changes
            .into_iter()
            .map(|o| OwnerLine {
                at: fmt_time(o.at),
                from: o.from_name.unwrap_or_else(|| "—".into()),
                to: o.to_name.unwrap_or_else(|| "—".into()),
                reason: reason(&o.reason),
                by: o.by_name.unwrap_or_else(|| "—".into()),
            })
            .collect(),
        reassign_to: owners
            .into_iter()
            .filter(|_| {
                u.ctx
                    .actor
                    .can(salesdesk_domain::Capability::ManageCustomers)
            })
            .filter(|(oid, _)| Some(*oid) != c.owner_id)
            .map(|(oid, n)| Choice::id(oid, n, false))
            .collect(),
        type_label: c
            .type_code
            .as_deref()
            .map(|t| salesdesk_app::choices::label(&lists, "type", t, lang).to_string())
            .unwrap_or_else(|| "—".into()),
        source_label: c
            .source_code
            .as_deref()
            .map(|t| salesdesk_app::choices::label(&lists, "source", t, lang).to_string())
            .unwrap_or_else(|| "—".into()),
        size_label: c
            .size
            .map(|z| tr.t(&z.label_key()).to_string())
            .unwrap_or_else(|| "—".into()),
        last_contact: c
            .last_contact_at
            .map(fmt_time)
            .unwrap_or_else(|| "—".into()),
        next_contact: c
            .next_contact_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "—".into()),
        can_release: settings.pool_enabled && c.owner_id.is_some() && c.region_id.is_some(),
        completeness: done.percent,
        missing: done.missing.iter().map(|m| tr.t(&m.label_key())).collect(),
        contacts,
        contact_fields,
        contact_errors,
        roles,
        status: tr.t(&c.status.label_key()),
        status_code: c.status.as_str(),
        region: c
            .region_id
            .and_then(|r| regions.iter().find(|x| x.id == r))
            .map(|r| r.name_in(tr.lang().code()).to_string())
            .unwrap_or_else(|| "—".into()),
        place: if address.is_empty() {
            "—".into()
        } else {
            address
        },
        created: fmt_time(c.created_at),
        c,
        l,
        pending,
        history,
        targets,
        reasons,
        evidence_fields,
        errors,
    };
    (status, render(&page)).into_response()
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    show_page(&s, &u, id, Forms::default(), q.ok.as_deref()).await
}

#[derive(Debug, Default, Deserialize)]
struct RequestForm {
    #[serde(default)]
    to_status: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    budget: String,
    #[serde(default)]
    timeline: String,
    #[serde(default)]
    negotiation: String,
    #[serde(default)]
    invalid_reason: String,
    #[serde(default)]
    note: String,
}

async fn request_status(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RequestForm>,
) -> Response {
    let input = RequestInput {
        to_status: f.to_status,
        need: f.need,
        budget: f.budget,
        timeline: f.timeline,
        negotiation: f.negotiation,
        invalid_reason: f.invalid_reason,
        note: f.note,
    };
    match status::request(&s.app, &u.ctx, id, &input).await {
        Ok(_) => {
            Redirect::to(&format!("/customers/{id}?ok=status_requested#status")).into_response()
        }
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let forms = Forms {
                status: input,
                status_errors: FormErrors::from(&errs, Tr(u.lang)),
                ..Default::default()
            };
            show_page(&s, &u, id, forms, None).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn decide(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let approve = f.decision == "approve";
    match status::decide(&s.app, &u.ctx, id, approve, &f.comment).await {
        Ok(r) => {
            let ok = if approve {
                "status_approved"
            } else {
                "status_rejected"
            };
            Redirect::to(&format!("/customers/{}?ok={ok}#status", r.customer_id)).into_response()
        }
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let customer = salesdesk_app::status::customer_of(&s.app, &u.ctx, id).await;
            match customer {
                Ok(cid) => {
                    let forms = Forms {
                        status_errors: FormErrors::from(&errs, Tr(u.lang)),
                        ..Default::default()
                    };
                    show_page(&s, &u, cid, forms, None).await
                }
                Err(e) => page_error(e, u.lang),
            }
        }
        Err(e) => page_error(e, u.lang),
    }
}

struct QueueRow {
    customer_id: i64,
    customer: String,
    who: String,
    from: &'static str,
    to: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    l: Layout,
    rows: Vec<QueueRow>,
}

async fn approvals(State(s): State<AppState>, u: PageUser) -> Response {
    let tr = Tr(u.lang);
    let list = match status::queue(&s.app, &u.ctx).await {
        Ok(l) => l,
        Err(e) => return page_error(e, u.lang),
    };
    render(&ApprovalsPage {
        l: Layout::for_user(&s, &u.ctx, "approvals", "page.approvals").await,
        rows: list
            .into_iter()
            .map(|r| QueueRow {
                customer_id: r.customer_id,
                customer: r.customer_name,
                who: r.requested_by_name,
                from: tr.t(&r.from_status.label_key()),
                to: tr.t(&r.to_status.label_key()),
                at: fmt_time(r.created_at),
            })
            .collect(),
    })
}

/// One text field of the form.
struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    required: bool,
    multiline: bool,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    selects: Vec<Select>,
    owners: Vec<Choice<'static>>,
    errors: FormErrors,
    duplicate: Option<String>,
    duplicate_id: Option<i64>,
    /// The version the form was read at (edits only), sent back as a hidden field.
    version: Option<i32>,
    /// After a stale save: "field: value now" of what someone else changed meanwhile.
    stale: Vec<String>,
}

/// What a form page shows besides the fields: the version it edits, and after a refused save
/// the duplicate found or what changed meanwhile.
#[derive(Default)]
struct FormState {
    version: Option<i32>,
    duplicate: Option<(String, Option<i64>)>,
    stale: Vec<String>,
}

/// A drop-down of a form: one of a fixed or administered list, or nothing.
struct Select {
    name: &'static str,
    label: String,
    options: Vec<Choice<'static>>,
}

/// The options of an administered list (`type`, `source`) in the reader's language: active
/// entries, plus the current value even if it was deactivated since.
fn list_options(
    all: &[salesdesk_app::choices::Choice],
    list: &str,
    current: &str,
    lang: &str,
) -> Vec<Choice<'static>> {
    all.iter()
        .filter(|c| c.list == list && (c.active || c.code == current))
        .map(|c| {
            let label = if lang == "en" { &c.name_en } else { &c.name_zh };
            Choice::new(c.code.clone(), label.clone(), c.code == current)
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct CustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    background: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    type_code: String,
    #[serde(default)]
    source_code: String,
    #[serde(default)]
    size_code: String,
    /// The version the form was read at.
    #[serde(default)]
    version: String,
}

impl CustomerForm {
    fn input(self, keep: Option<&CustomerInput>) -> CustomerInput {
        CustomerInput {
            name: self.name,
            short_name: self.short_name,
            uscc: self.uscc,
            website: self.website,
            email: self.email,
            phone: self.phone,
            province: self.province,
            city: self.city,
            address: self.address,
            industry: self.industry,
            background: self.background,
            type_code: self.type_code,
            source_code: self.source_code,
            size_code: self.size_code,
            region_id: keep.and_then(|k| k.region_id),
            owner_id: self
                .owner_id
                .trim()
                .parse()
                .ok()
                .or(keep.and_then(|k| k.owner_id)),
        }
    }
}

async fn form_page(
    s: &AppState,
    u: &PageUser,
    i: CustomerInput,
    id: Option<i64>,
    errors: FormErrors,
    state: FormState,
) -> Response {
    let dup = state.duplicate;
    let tr = Tr(u.lang);
    let owners = match uc::owner_choices(&s.app, &u.ctx).await {
        Ok(o) => o,
        Err(e) => return page_error(e, u.lang),
    };
    let f =
        |name: &'static str, key: &'static str, value: &str, required: bool, multiline: bool| {
            Field {
                name,
                label: tr.t(key),
                value: value.to_string(),
                required,
                multiline,
            }
        };
    let fields = vec![
        f("name", "field.customer_name", &i.name, true, false),
        f(
            "short_name",
            "field.short_name",
            &i.short_name,
            false,
            false,
        ),
        f("uscc", "field.uscc", &i.uscc, false, false),
        f("website", "field.website", &i.website, false, false),
        f("email", "field.email", &i.email, false, false),
        f("phone", "field.phone", &i.phone, false, false),
        f("province", "field.province", &i.province, false, false),
        f("city", "field.city", &i.city, false, false),
        f("address", "field.address", &i.address, false, false),
        f("industry", "field.industry", &i.industry, false, false),
        f("background", "field.background", &i.background, false, true),
    ];
    let lists = match salesdesk_app::choices::all(&s.app).await {
        Ok(l) => l,
        Err(e) => return page_error(e, u.lang),
    };
    let lang = u.lang.code();
    let selects = vec![
        Select {
            name: "type_code",
            label: tr.t("field.type_code").to_string(),
            options: list_options(&lists, "type", &i.type_code, lang),
        },
        Select {
            name: "source_code",
            label: tr.t("field.source_code").to_string(),
            options: list_options(&lists, "source", &i.source_code, lang),
        },
        Select {
            name: "size_code",
            label: tr.t("field.size_code").to_string(),
            options: CompanySize::ALL
                .into_iter()
                .map(|z| {
                    Choice::new(
                        z.as_str(),
                        tr.t(&z.label_key()).to_string(),
                        z.as_str() == i.size_code,
                    )
                })
                .collect(),
        },
    ];
    let title = if id.is_some() {
        "page.edit_customer"
    } else {
        "page.new_customer"
    };
    let (duplicate, duplicate_id) = match dup {
        Some((d, id)) => (Some(d), id),
        None => (None, None),
    };
    let status = if !state.stale.is_empty() {
        StatusCode::CONFLICT
    } else if errors.any() || duplicate.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        l: Layout::for_user(s, &u.ctx, "customers", title).await,
        action: id
            .map(|x| format!("/customers/{x}"))
            .unwrap_or_else(|| "/customers".into()),
        cancel: id
            .map(|x| format!("/customers/{x}"))
            .unwrap_or_else(|| "/customers".into()),
        fields,
        selects,
        owners: owners
            .into_iter()
            .map(|(oid, name)| Choice::id(oid, name, Some(oid) == i.owner_id))
            .collect(),
        errors,
        duplicate,
        duplicate_id,
        version: state.version,
        stale: state.stale,
    };
    (status, render(&page)).into_response()
}

async fn new_form(State(s): State<AppState>, u: PageUser) -> Response {
    if matches!(u.ctx.actor.data_scope(), DataScope::Nothing) {
        return page_error(AppError::Forbidden, u.lang);
    }
    form_page(
        &s,
        &u,
        CustomerInput::default(),
        None,
        FormErrors::default(),
        FormState::default(),
    )
    .await
}

async fn edit_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => {
            form_page(
                &s,
                &u,
                uc::input_of(&c),
                Some(id),
                FormErrors::default(),
                FormState {
                    version: Some(c.version),
                    ..FormState::default()
                },
            )
            .await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn save(s: AppState, u: PageUser, id: Option<i64>, form: CustomerForm) -> Response {
    let tr = Tr(u.lang);
    let current = match id {
        Some(id) => match uc::get(&s.app, &u.ctx, id).await {
            Ok(c) => Some(uc::input_of(&c)),
            Err(e) => return page_error(e, u.lang),
        },
        None => None,
    };
    let version = form.version.trim().parse::<i32>().ok();
    let input = form.input(current.as_ref());
    let r = match id {
        Some(id) => uc::update(&s.app, &u.ctx, id, &input, version).await,
        None => uc::create(&s.app, &u.ctx, &input).await,
    };
    let state = FormState {
        version,
        ..FormState::default()
    };
    match r {
        Ok(c) => Redirect::to(&format!("/customers/{}?ok=customer_saved", c.id)).into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            form_page(&s, &u, input, id, FormErrors::from(&errs, tr), state).await
        }
        Err(AppError::Duplicate {
            owner_name,
            existing_id,
            ..
        }) => {
            let d = duplicate_detail(tr, owner_name.as_deref());
            let state = FormState {
                duplicate: Some((d, existing_id)),
                ..state
            };
            form_page(&s, &u, input, id, FormErrors::default(), state).await
        }
        // Someone saved it meanwhile: the form comes back with what was typed, what changed,
        // and the new version, so that saving again is a decision made knowingly.
        Err(AppError::Stale { version, changed }) => {
            let stale = changed
                .iter()
                .map(|(field, value)| {
                    let shown = match value {
                        serde_json::Value::Null => "—".to_string(),
                        serde_json::Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    let key = match field.as_str() {
                        "name" => "field.customer_name".to_string(),
                        f => format!("field.{f}"),
                    };
                    format!("{}: {shown}", tr.t(&key))
                })
                .collect();
            let state = FormState {
                version: Some(version),
                stale,
                ..FormState::default()
            };
            form_page(&s, &u, input, id, FormErrors::default(), state).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<CustomerForm>,
) -> Response {
    save(s, u, None, f).await
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<CustomerForm>,
) -> Response {
    save(s, u, Some(id), f).await
}

#[derive(Debug, Default, Deserialize)]
struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    wechat: String,
    #[serde(default)]
    notes: String,
    is_primary: Option<String>,
}

async fn add_contact(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ContactForm>,
) -> Response {
    let input = ContactInput {
        name: f.name,
        title: f.title,
        role: f.role,
        mobile: f.mobile,
        phone: f.phone,
        email: f.email,
        wechat: f.wechat,
        notes: f.notes,
        is_primary: f.is_primary.is_some(),
    };
    match contacts::create(&s.app, &u.ctx, id, &input).await {
        Ok(_) => {
            Redirect::to(&format!("/customers/{id}?ok=contact_saved#contacts")).into_response()
        }
        Err(AppError::Validation(errs)) => {
            let forms = Forms {
                contact: input,
                contact_errors: FormErrors::from(&errs, Tr(u.lang)),
                ..Default::default()
            };
            show_page(&s, &u, id, forms, None).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn delete_contact(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    let customer = match contacts::find(&s.app, &u.ctx, id).await {
        Ok(c) => c.customer_id,
        Err(e) => return page_error(e, u.lang),
    };
    match contacts::delete(&s.app, &u.ctx, id).await {
        Ok(()) => Redirect::to(&format!(
            "/customers/{customer}?ok=contact_deleted#contacts"
        ))
        .into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

async fn contacts_vcard(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match contacts::vcard(&s.app, &u.ctx, id, None).await {
        Ok((body, file)) => crate::view::download(body, "text/vcard; charset=utf-8", &file),
        Err(e) => page_error(e, u.lang),
    }
}
