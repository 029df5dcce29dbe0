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
use salesdesk_app::timeline;
use salesdesk_app::{AppError, Page, org};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::{CompanySize, CustomerStatus, InvalidReason};
use serde::Deserialize;

use super::Choice;
use super::records::{self as records_view, RecordForm, RecordFormView};
use super::workspace::TimelineView;
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
}

/// What the forms on the customer page hold when shown again after a mistake.
#[derive(Default)]
struct Forms {
    status: RequestInput,
    status_errors: FormErrors,
    contact: ContactInput,
    contact_errors: FormErrors,
    record: RecordForm,
    focus: Focus,
}

/// What the page's address asks for: the timeline's filter and page, and which form to open
/// (the header's "record a contact" and "request a status change" work without JavaScript).
#[derive(Default)]
struct Focus {
    kind: timeline::Kind,
    page: u64,
    open_record: bool,
    open_status: bool,
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

struct ContactLine {
    id: i64,
    name: String,
    title: Option<String>,
    role: Option<&'static str>,
    primary: bool,
    ways: Vec<Way>,
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

/// The evidence a target status needs, each field required.
struct EvidenceSet {
    target: &'static str,
    /// "What basic needs".
    legend: String,
    shown: bool,
    fields: Vec<Field>,
    /// Invalid needs a reason from the list.
    needs_reason: bool,
}

/// A way to reach a contact or a customer: a phone as a `tel:` link, an e-mail as `mailto:`.
pub(super) struct Way {
    pub(super) label: &'static str,
    pub(super) text: String,
    pub(super) href: Option<String>,
}

impl Way {
    pub(super) fn phone(label: &'static str, number: &str) -> Way {
        Way {
            label,
            text: number.to_string(),
            href: Some(salesdesk_domain::validate::tel_uri(number)),
        }
    }

    pub(super) fn email(label: &'static str, address: &str) -> Way {
        Way {
            label,
            text: address.to_string(),
            href: Some(format!("mailto:{address}")),
        }
    }

    fn text(label: &'static str, text: &str) -> Way {
        Way {
            label,
            text: text.to_string(),
            href: None,
        }
    }
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
    timeline: TimelineView,
    /// Open the contact-record form (asked for through the page's address).
    open_record: bool,
    targets: Vec<Choice<'static>>,
    reasons: Vec<Choice<'static>>,
    /// One set of evidence fields per target status; only the chosen target's is shown (and
    /// sent): the others are `hidden` and `disabled` until `app.js` or a reload picks them.
    evidence_sets: Vec<EvidenceSet>,
    note_field: Field,
    /// Open the status form (a target was picked through the page's address).
    status_open: bool,
    errors: FormErrors,
    contacts: Vec<ContactLine>,
    contact_fields: Vec<Field>,
    contact_errors: FormErrors,
    roles: Vec<Choice<'static>>,
    records_total: u64,
    record_form: RecordFormView,
    reassign_to: Vec<Choice<'static>>,
    industry: String,
    phone: Option<Way>,
    email: Option<Way>,
    type_label: String,
    source_label: String,
    size_label: String,
    last_contact: String,
    next_contact: String,
    completeness: u8,
    missing: Vec<&'static str>,
    can_release: bool,
    can_archive: bool,
    /// The customer's deals (issue 13) and whether the reader may add one (a potential
    /// customer they work on).
    deals: Vec<DealLine>,
    can_add_deal: bool,
    /// The customer's quotations (`pages::quotes`).
    quotes: Vec<super::quotes::QuoteRow>,
    /// The customer's contracts (issue 13) and whether the reader may make one.
    contracts: Vec<ContractLine>,
    can_add_contract: bool,
    /// What the customer owes on its contracts (collections): (open, overdue), when anything.
    owed: Option<(String, String)>,
    /// The customer's latest expense claims the reader sees (`pages::expenses`), and whether
    /// the reader may claim one for it.
    expenses: Vec<super::expenses::ClaimRow>,
    can_claim: bool,
}

/// A contract in the customer page's Contracts section.
struct ContractLine {
    id: i64,
    number: String,
    title: String,
    status: &'static str,
    status_label: String,
    total: String,
    signing_date: String,
}

/// A deal in the customer page's Deals section.
struct DealLine {
    id: i64,
    name: String,
    stage: String,
    state: String,
    amount: String,
    expected: String,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
    /// The target status whose evidence fields the status form shows (the form's "show the
    /// fields" button without JavaScript).
    to_status: Option<String>,
    /// The timeline's filter: `records`, `status`, `owner`, `edits` (else everything).
    kind: Option<String>,
    /// The timeline's page.
    page: Option<u64>,
    /// `record` or `status`: the form the header's action opens.
    open: Option<String>,
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
        focus,
    } = forms;
    let (c, requests, contact_list, recs, events, owners, settings, lists) = match async {
        Ok::<_, AppError>((
            uc::get(&s.app, &u.ctx, id).await?,
            status::history(&s.app, &u.ctx, id).await?,
            contacts::list(&s.app, &u.ctx, id).await?,
            // Only the count, for the link to the full list.
            records::list(&s.app, &u.ctx, id, Page::new(Some(1), Some(1))).await?,
            timeline::of_customer(&s.app, &u.ctx, id, focus.kind, focus.page).await?,
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
    let mut address = super::geo::place(tr, &c);
    address.extend(c.address.clone());
    let address = address.join(" ");
    let industry = super::geo::industry(tr, &c).unwrap_or_else(|| "—".into());
    let phone = c.phone.as_deref().map(|p| Way::phone("", p));
    let email = c.email.as_deref().map(|e| Way::email("", e));
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
    let allowed: Vec<CustomerStatus> = CustomerStatus::ALL
        .into_iter()
        .filter(|t| salesdesk_domain::customer::is_allowed(c.status, *t))
        .collect();
    // The target whose evidence is shown: the one asked for, else the first step up.
    let chosen = allowed
        .iter()
        .copied()
        .find(|t| t.as_str() == input.to_status)
        .or_else(|| allowed.first().copied());
    let status_open = !input.to_status.is_empty() || focus.open_status;
    let targets = allowed
        .iter()
        .map(|t| Choice::new(t.as_str(), tr.t(&t.label_key()), Some(*t) == chosen))
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
    let value_of = |name: &str| match name {
        "need" => input.need.clone(),
        "budget" => input.budget.clone(),
        "timeline" => input.timeline.clone(),
        "negotiation" => input.negotiation.clone(),
        _ => String::new(),
    };
    let evidence_sets = allowed
        .iter()
        .map(|t| {
            let needed = salesdesk_domain::customer::evidence_for(*t);
            EvidenceSet {
                target: t.as_str(),
                legend: tr.tf("status.evidence_for", &[("status", tr.t(&t.label_key()))]),
                shown: Some(*t) == chosen,
                needs_reason: needed.contains(&"invalid_reason"),
                fields: needed
                    .iter()
                    .filter(|n| **n != "invalid_reason")
                    .map(|n| {
                        let name: &'static str = n;
                        Field {
                            name,
                            label: tr.t(&format!("field.{name}")),
                            value: value_of(name),
                            required: true,
                            multiline: true,
                            max: Some(salesdesk_app::status::MAX_EVIDENCE),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let note_field = Field {
        name: "note",
        label: tr.t("field.note"),
        value: input.note.clone(),
        required: false,
        multiline: true,
        max: Some(salesdesk_app::status::MAX_EVIDENCE),
    };
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
                    .as_deref()
                    .map(|m| Way::phone(tr.t("field.mobile"), m)),
                k.phone
                    .as_deref()
                    .map(|p| Way::phone(tr.t("field.phone"), p)),
                k.email
                    .as_deref()
                    .map(|e| Way::email(tr.t("field.email"), e)),
                k.wechat
                    .as_deref()
                    .map(|w| Way::text(tr.t("field.wechat"), w)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            name: k.name,
            title: k.title,
            primary: k.is_primary,
        })
        .collect();
    let contact_fields = contact_fields(tr, &contact);
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
    let page = ShowPage {
        records_total: recs.total,
        timeline: super::workspace::view(tr, &lists, events),
        open_record: focus.open_record,
        record_form: records_view::form_view(tr, record, &people),
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
        can_archive: u.ctx.actor.may_archive(c.owner_id),
        deals: salesdesk_app::deals::for_customer(&s.app, &u.ctx, c.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|d| DealLine {
                stage: d.stage_name(lang).to_string(),
                amount: d.amount.display(),
                expected: d.expected_sign_date.to_string(),
                id: d.id,
                name: d.name,
                state: d.state,
            })
            .collect(),
        can_add_deal: c.status == CustomerStatus::Potential
            && u.ctx.actor.may_work_deal(c.owner_id),
        quotes: super::quotes::customer_rows(s, u, c.id).await,
        expenses: super::expenses::customer_rows(s, u, c.id).await,
        can_claim: super::expenses::may_claim(u),
        owed: salesdesk_app::collections::owed_by_customer(&s.app, &u.ctx, c.id)
            .await
            .ok()
            .filter(|a| a.total().fen() > 0)
            .map(|a| (a.total().display(), a.overdue().display())),
        contracts: salesdesk_app::contracts::for_customer(&s.app, &u.ctx, c.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|k| ContractLine {
                status: k.status.as_str(),
                status_label: tr.t(&k.status.key()).to_string(),
                total: k.total.display(),
                signing_date: k.signing_date.to_string(),
                id: k.id,
                number: k.number,
                title: k.title,
            })
            .collect(),
        can_add_contract: c.status != CustomerStatus::Invalid
            && salesdesk_domain::contract::may_work(&u.ctx.actor, c.owner_id),
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
        industry,
        phone,
        email,
        c,
        l,
        pending,
        targets,
        reasons,
        evidence_sets,
        note_field,
        status_open,
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
    let forms = Forms {
        status: RequestInput {
            to_status: q.to_status.unwrap_or_default(),
            ..RequestInput::default()
        },
        focus: Focus {
            kind: timeline::Kind::parse(q.kind.as_deref().unwrap_or("")),
            page: q.page.unwrap_or(1),
            open_record: q.open.as_deref() == Some("record"),
            open_status: q.open.as_deref() == Some("status"),
        },
        ..Forms::default()
    };
    show_page(&s, &u, id, forms, q.ok.as_deref()).await
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
    /// Quotations waiting for the reader (their own queue, `/quotes/waiting`).
    quotes_waiting: u64,
    /// Contracts waiting for the reader's approval (the director's and the VP's), the oldest
    /// change first: (id, number, customer, total).
    contracts: Vec<(i64, String, String, String)>,
    contracts_waiting: u64,
}

async fn approvals(State(s): State<AppState>, u: PageUser) -> Response {
    let tr = Tr(u.lang);
    let list = match status::queue(&s.app, &u.ctx).await {
        Ok(l) => l,
        Err(e) => return page_error(e, u.lang),
    };
    let pending = salesdesk_app::contracts::ContractQuery {
        status: Some("pending_approval".into()),
        ..Default::default()
    };
    let (contracts, contracts_waiting) = if salesdesk_domain::contract::may_approve(&u.ctx.actor) {
        match salesdesk_app::contracts::list(&s.app, &u.ctx, &pending, Page::new(None, None)).await
        {
            Ok(p) => (p.items, p.total),
            Err(e) => return page_error(e, u.lang),
        }
    } else {
        (vec![], 0)
    };
    render(&ApprovalsPage {
        l: Layout::for_user(&s, &u.ctx, "approvals", "page.approvals").await,
        contracts_waiting,
        contracts: contracts
            .into_iter()
            .map(|c| (c.id, c.number, c.customer_name, c.total.display()))
            .collect(),
        quotes_waiting: salesdesk_app::quotes::waiting_count(&s.app, &u.ctx)
            .await
            .unwrap_or(0),
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
pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) value: String,
    pub(super) required: bool,
    pub(super) multiline: bool,
    /// The most characters it takes: the input's `maxlength`, stated beside a text area.
    pub(super) max: Option<usize>,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    place: super::geo::PlaceSelects,
    selects: Vec<Select>,
    owners: Vec<Choice<'static>>,
    errors: FormErrors,
    duplicate: Option<String>,
    duplicate_id: Option<i64>,
    /// The duplicate is archived: the link restores it instead of opening it.
    duplicate_archived: bool,
    /// The version the form was read at (edits only), sent back as a hidden field.
    version: Option<i32>,
    /// After a stale save: "field: value now" of what someone else changed meanwhile.
    stale: Vec<String>,
    /// A new customer that is probably one of these: saved only once the person says it is
    /// another company.
    likely: Vec<LikelyShown>,
}

/// What a form page shows besides the fields: the version it edits, and after a refused save
/// the duplicate found or what changed meanwhile.
#[derive(Default)]
struct FormState {
    version: Option<i32>,
    /// (message, the record's id when the reader may open or restore it, whether it is
    /// archived).
    duplicate: Option<(String, Option<i64>, bool)>,
    stale: Vec<String>,
    /// Likely duplicates of a new customer (issue 10, point 5).
    likely: Vec<LikelyShown>,
}

/// A likely duplicate as the form shows it: a link only when the person may open it, its owner,
/// and why it matched ("same phone 021-6234 5678").
struct LikelyShown {
    id: Option<i64>,
    name: String,
    owner: String,
    why: String,
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
    /// `yes` once the person said the likely duplicates shown are other companies.
    #[serde(default)]
    distinct: String,
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
    let f = |name: &'static str,
             key: &'static str,
             value: &str,
             required: bool,
             multiline: bool,
             max: usize| Field {
        name,
        label: tr.t(key),
        value: value.to_string(),
        required,
        multiline,
        max: Some(max),
    };
    let fields = vec![
        f(
            "name",
            "field.customer_name",
            &i.name,
            true,
            false,
            uc::MAX_NAME,
        ),
        f(
            "short_name",
            "field.short_name",
            &i.short_name,
            false,
            false,
            uc::MAX_SHORT_NAME,
        ),
        f("uscc", "field.uscc", &i.uscc, false, false, 18),
        f("website", "field.website", &i.website, false, false, 255),
        f("email", "field.email", &i.email, false, false, 254),
        f("phone", "field.phone", &i.phone, false, false, 40),
        f(
            "address",
            "field.address",
            &i.address,
            false,
            false,
            uc::MAX_ADDRESS,
        ),
        f(
            "background",
            "field.background",
            &i.background,
            false,
            true,
            uc::MAX_BACKGROUND,
        ),
    ];
    let place = super::geo::selects(tr, &i.province, &i.city, &i.industry);
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
    let (duplicate, duplicate_id, duplicate_archived) = match dup {
        Some((d, id, archived)) => (Some(d), id, archived),
        None => (None, None, false),
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
        place,
        selects,
        owners: owners
            .into_iter()
            .map(|(oid, name)| Choice::id(oid, name, Some(oid) == i.owner_id))
            .collect(),
        errors,
        duplicate,
        duplicate_id,
        duplicate_archived,
        version: state.version,
        stale: state.stale,
        likely: state.likely,
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
    let distinct = form.distinct == "yes";
    let input = form.input(current.as_ref());
    // A new customer that looks like one already there is shown side by side first, with why;
    // one click ("another company") saves it (issue 10, point 5).
    let r = match id {
        Some(id) => uc::update(&s.app, &u.ctx, id, &input, version).await,
        None => uc::create_checked(&s.app, &u.ctx, &input, distinct).await,
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
        Err(AppError::LikelyDuplicates(list)) => {
            let state = FormState {
                likely: list
                    .into_iter()
                    .map(|l| LikelyShown {
                        why: l
                            .why
                            .iter()
                            .map(|w| crate::error::likely_reason(tr, w))
                            .collect::<Vec<_>>()
                            .join(tr.t("likely.reason_separator")),
                        id: l.id,
                        name: l.name,
                        owner: l.owner_name.unwrap_or_else(|| "—".into()),
                    })
                    .collect(),
                ..state
            };
            form_page(&s, &u, input, id, FormErrors::default(), state).await
        }
        Err(AppError::Duplicate {
            owner_name,
            existing_id,
            archived,
            ..
        }) => {
            let d = duplicate_detail(tr, owner_name.as_deref(), archived);
            let state = FormState {
                duplicate: Some((d, existing_id, archived)),
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

/// The text fields of the contact form (add on the customer page, edit on its own page).
pub(super) fn contact_fields(tr: Tr, contact: &ContactInput) -> Vec<Field> {
    let cf =
        |name: &'static str, key: &'static str, value: &str, required: bool, max: usize| Field {
            name,
            label: tr.t(key),
            value: value.to_string(),
            required,
            multiline: false,
            max: Some(max),
        };
    vec![
        cf(
            "name",
            "field.display_name",
            &contact.name,
            true,
            contacts::MAX_NAME,
        ),
        cf(
            "title",
            "field.title",
            &contact.title,
            false,
            contacts::MAX_TITLE,
        ),
        // `+86 138 0013 8000` fits; the parse keeps the 11 digits.
        cf("mobile", "field.mobile", &contact.mobile, false, 20),
        cf("phone", "field.phone", &contact.phone, false, 40),
        cf("email", "field.email", &contact.email, false, 254),
        cf(
            "wechat",
            "field.wechat",
            &contact.wechat,
            false,
            contacts::MAX_WECHAT,
        ),
        cf(
            "notes",
            "field.notes",
            &contact.notes,
            false,
            contacts::MAX_NOTES,
        ),
    ]
}

/// The contact form as posted (adding on the customer page, editing on the contact's page).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ContactForm {
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
    /// The version the edit form was read at.
    #[serde(default)]
    pub(super) version: String,
}

impl ContactForm {
    pub(super) fn input(self) -> ContactInput {
        ContactInput {
            name: self.name,
            title: self.title,
            role: self.role,
            mobile: self.mobile,
            phone: self.phone,
            email: self.email,
            wechat: self.wechat,
            notes: self.notes,
            is_primary: self.is_primary.is_some(),
        }
    }
}

async fn add_contact(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ContactForm>,
) -> Response {
    let input = f.input();
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

#[derive(Debug, Default, Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// Deletes (removes) a contact once the confirmation page said what happens; a post without
/// `confirm=yes` leads to that page (issue 10, point 4).
pub(super) async fn delete_contact(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ConfirmForm>,
) -> Response {
    if f.confirm != "yes" {
        return Redirect::to(&format!("/contacts/{id}/delete")).into_response();
    }
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
