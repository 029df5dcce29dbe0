//! Trial applications on pages (issue 12): the public application form `/apply` (no login,
//! zh/en, a phone's width) and its confirmation, the list `/trials` (mine / my scope / the
//! director's queue / overdue, with filters), and the detail `/trials/{id}` with the routing
//! reason, the time limit in working time, the lifecycle steps and the history.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::trials::{self as uc, StepInput, TrialQuery, View};
use salesdesk_app::{AppError, Page};
use salesdesk_domain::trial::intake::IntakeInput;
use salesdesk_domain::trial::{LOST_REASONS, lost_reason_key};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::{ClientOrigin, LANG_COOKIE, PageUser, anonymous_lang};
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::worktime;
use crate::i18n::{Lang, Tr};
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply_page).post(apply_submit))
        .route("/apply/done", get(apply_done))
        .route("/trials", get(list))
        .route("/trials/{id}", get(show))
        .route("/trials/{id}/steps", post(step))
        .route("/trials/{id}/reassign", post(reassign))
}

// ---- The public form ----

#[derive(Debug, Default, Deserialize)]
struct ApplyForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    users: String,
    #[serde(default)]
    message: String,
    /// The honeypot (hidden from people).
    #[serde(default)]
    website: String,
    #[serde(default)]
    lang: String,
}

#[derive(Template)]
#[template(path = "trial_apply.html")]
struct ApplyPage {
    l: Layout,
    f: ApplyForm,
    lang_code: &'static str,
    products: Vec<Choice<'static>>,
    place: super::geo::PlaceSelects,
    errors: FormErrors,
    error: Option<String>,
    max_message_hint: String,
}

#[derive(Debug, Default, Deserialize)]
struct LangQ {
    lang: Option<String>,
}

fn lang_of(headers: &axum::http::HeaderMap, chosen: Option<&str>) -> Lang {
    chosen
        .filter(|l| !l.is_empty())
        .map(Lang::from_code)
        .unwrap_or_else(|| anonymous_lang(headers))
}

async fn apply_render(
    s: &AppState,
    lang: Lang,
    f: ApplyForm,
    errors: FormErrors,
    error: Option<String>,
) -> Response {
    let tr = Tr(lang);
    let products = match salesdesk_app::products::active(&s.app).await {
        Ok(p) => p,
        Err(e) => return page_error(e, lang),
    };
    let products = products
        .into_iter()
        .map(|p| {
            let label = if lang == Lang::En {
                p.name_en
            } else {
                p.name_zh
            };
            let sel = p.code == f.product;
            Choice::new(p.code, label, sel)
        })
        .collect();
    let place = super::geo::selects(tr, &f.province, &f.city, "");
    render(&ApplyPage {
        l: Layout::bare(lang, "page.trial_apply"),
        lang_code: lang.code(),
        f,
        products,
        place,
        errors,
        error,
        max_message_hint: Layout::bare(lang, "page.trial_apply").max_chars(&2000),
    })
}

async fn apply_page(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    PageQuery(q): PageQuery<LangQ>,
) -> Response {
    let lang = lang_of(&headers, q.lang.as_deref());
    let mut r = apply_render(&s, lang, ApplyForm::default(), FormErrors::default(), None).await;
    if q.lang.is_some()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn apply_submit(
    State(s): State<AppState>,
    ClientOrigin(origin, lang0): ClientOrigin,
    headers: axum::http::HeaderMap,
    PageForm(f): PageForm<ApplyForm>,
) -> Response {
    let _ = lang0;
    let lang = lang_of(&headers, Some(f.lang.as_str()));
    let tr = Tr(lang);
    let input = IntakeInput {
        company: f.company.clone(),
        uscc: f.uscc.clone(),
        contact_name: f.contact_name.clone(),
        mobile: f.mobile.clone(),
        email: f.email.clone(),
        province: f.province.clone(),
        city: f.city.clone(),
        product: f.product.clone(),
        users: f.users.clone(),
        message: f.message.clone(),
        website: f.website.clone(),
    };
    let src = uc::Source {
        channel: "form",
        key_id: None,
        ip: origin.ip.clone(),
        request_id: origin.request_id.clone(),
    };
    match uc::intake(&s.app, &src, &input).await {
        Ok(r) => Redirect::to(&format!(
            "/apply/done?ref={}&lang={}&folded={}",
            r.reference,
            lang.code(),
            u8::from(r.folded)
        ))
        .into_response(),
        Err(AppError::Validation(errs)) | Err(AppError::Conflict(errs)) => {
            let fe = FormErrors::from(&errs, tr);
            let mut r = apply_render(&s, lang, f, fe, Some(tr.t("trial.apply_fix").into())).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(AppError::Throttled { .. }) => {
            let mut r = apply_render(
                &s,
                lang,
                f,
                FormErrors::default(),
                Some(tr.t("trial.apply_too_many").into()),
            )
            .await;
            *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            r
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DoneQ {
    #[serde(rename = "ref")]
    reference: Option<String>,
    lang: Option<String>,
    folded: Option<u8>,
}

#[derive(Template)]
#[template(path = "trial_done.html")]
struct DonePage {
    l: Layout,
    reference: String,
    contact_by: String,
    folded: bool,
    lang_code: &'static str,
}

async fn apply_done(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    PageQuery(q): PageQuery<DoneQ>,
) -> Response {
    let lang = lang_of(&headers, q.lang.as_deref());
    let reference = q.reference.unwrap_or_default();
    // A robot's receipt names no stored application: the page looks the same without the time.
    let contact_by = match uc::confirmation(&s.app, &reference).await {
        Ok(c) => fmt_time(c.contact_by),
        Err(_) => String::new(),
    };
    let reference = reference.chars().take(40).collect();
    render(&DonePage {
        l: Layout::bare(lang, "page.trial_done"),
        reference,
        contact_by,
        folded: q.folded == Some(1),
        lang_code: lang.code(),
    })
}

// ---- The list ----

#[derive(Debug, Default, Deserialize)]
struct ListQ {
    view: Option<String>,
    state: Option<String>,
    product: Option<String>,
    region_id: Option<String>,
    page: Option<u64>,
}

struct Row {
    id: i64,
    reference: String,
    company: String,
    product: String,
    place: String,
    state: &'static str,
    state_code: String,
    owner: String,
    arrived: String,
    due: String,
    due_code: String,
    applications: i32,
}

struct Tab {
    href: String,
    label: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "trials_list.html")]
struct ListPage {
    l: Layout,
    tabs: Vec<Tab>,
    view: &'static str,
    states: Vec<Choice<'static>>,
    products: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    rows: Vec<Row>,
    pager: Pager,
}

fn due_text(tr: Tr, t: &uc::Trial) -> String {
    match t.due_state.as_str() {
        "met" => tr.t("trial.due_met").into(),
        "met_late" => tr.t("trial.due_met_late").into(),
        "overdue" => match t.due_in_minutes {
            Some(m) => worktime::due(tr, -m.abs()),
            None => tr.t("trial.due_overdue").into(),
        },
        _ => match t.due_in_minutes {
            Some(m) => worktime::due(tr, m),
            None => tr.tf("trial.due_by", &[("t", &fmt_time(t.first_contact_due_at))]),
        },
    }
}

/// A product's name in the reader's language; deactivated products keep theirs.
fn product_label(products: &[salesdesk_app::products::Product], code: &str, lang: Lang) -> String {
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

async fn list(State(s): State<AppState>, u: PageUser, PageQuery(q): PageQuery<ListQ>) -> Response {
    let tr = Tr(u.lang);
    // Managers land on what they lead (their scope), everyone else on their own applications.
    let view = q.view.as_deref().and_then(View::parse).unwrap_or(
        if u.ctx.actor.position.is_some_and(|p| p.is_manager()) {
            View::Scope
        } else {
            View::Mine
        },
    );
    let region_id = q.region_id.as_deref().and_then(|r| r.parse().ok());
    let query = TrialQuery {
        view,
        state: q.state.clone(),
        product: q.product.clone(),
        region_id,
    };
    let paged = match uc::list(&s.app, &u.ctx, &query, Page::new(q.page, None)).await {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let regions = salesdesk_app::org::list(&s.app, &u.ctx)
        .await
        .map(|r| r.as_ref().clone())
        .unwrap_or_default();
    let base = query_string(&[
        ("view", Some(view.as_str().to_string())),
        ("state", q.state.clone().filter(|x| !x.is_empty())),
        ("product", q.product.clone().filter(|x| !x.is_empty())),
        ("region_id", region_id.map(|r: i64| r.to_string())),
    ]);
    let pager = Pager::new(&paged, "/trials", &base);
    let lang = tr.lang().code();
    let rows = paged
        .items
        .iter()
        .map(|t| Row {
            id: t.id,
            reference: t.reference.clone(),
            company: t.customer_name.clone(),
            product: product_label(&products, &t.product_code, u.lang),
            place: uc::place_name(&t.province_code, t.city_code.as_deref(), lang),
            state: tr.t(&format!("trial.state.{}", t.state)),
            state_code: t.state.clone(),
            owner: t
                .owner_name
                .clone()
                .unwrap_or_else(|| tr.t("trial.queue_owner").into()),
            arrived: fmt_time(t.arrived_at),
            due: due_text(tr, t),
            due_code: t.due_state.clone(),
            applications: t.applications,
        })
        .collect();
    let tabs = View::ALL
        .into_iter()
        .map(|v| Tab {
            href: format!("/trials?view={}", v.as_str()),
            label: tr.t(&format!("trial.view.{}", v.as_str())),
            active: v == view,
        })
        .collect();
    let states = salesdesk_domain::trial::TrialState::ALL
        .into_iter()
        .map(|st| {
            Choice::new(
                st.as_str(),
                tr.t(&st.label_key()),
                q.state.as_deref() == Some(st.as_str()),
            )
        })
        .collect();
    let product_choices = products
        .iter()
        .map(|p| {
            Choice::new(
                p.code.clone(),
                product_label(&products, &p.code, u.lang),
                q.product.as_deref() == Some(p.code.as_str()),
            )
        })
        .collect();
    let region_choices = regions
        .iter()
        .map(|r| {
            Choice::id(
                r.id,
                r.name_in(&u.ctx.locale).to_string(),
                region_id == Some(r.id),
            )
        })
        .collect();
    let l = Layout::for_user(&s, &u.ctx, "trials", "page.trials").await;
    render(&ListPage {
        l,
        tabs,
        view: view.as_str(),
        states,
        products: product_choices,
        regions: region_choices,
        rows,
        pager,
    })
}

// ---- The detail ----

struct HistoryLine {
    at: String,
    what: String,
    who: String,
}

#[derive(Template)]
#[template(path = "trial_show.html")]
struct ShowPage {
    l: Layout,
    t: uc::Trial,
    product: String,
    place: String,
    state: &'static str,
    route_reason: String,
    matched_by: &'static str,
    due: String,
    due_at: String,
    contacted_at: String,
    arrived: String,
    suspicion: Vec<String>,
    actions: Vec<(String, &'static str)>,
    lost_reasons: Vec<Choice<'static>>,
    owners: Vec<Choice<'static>>,
    history: Vec<HistoryLine>,
    /// The trial's pre-sales follow-up calls (S5.2): planned, due, done, missed.
    calls: Vec<crate::pages::presales::CallLine>,
    errors: FormErrors,
    today: String,
    lost_label: String,
    /// The evidence the conversion's status request needs (only the fields it needs).
    evidence: Vec<(&'static str, &'static str)>,
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<super::FlashQ>,
) -> Response {
    show_with(&s, &u, id, q.ok.as_deref(), FormErrors::default()).await
}

async fn show_with(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    errors: FormErrors,
) -> Response {
    let tr = Tr(u.lang);
    let t = match uc::get(&s.app, &u.ctx, id).await {
        Ok(t) => t,
        Err(e) => return page_error(e, u.lang),
    };
    let history = uc::history(&s.app, &u.ctx, id).await.unwrap_or_default();
    let calls = salesdesk_app::presales::for_trial(&s.app, &u.ctx, id)
        .await
        .unwrap_or_default();
    let products = salesdesk_app::products::all(&s.app)
        .await
        .unwrap_or_default();
    let owners = if t.can_reassign {
        salesdesk_app::customers::owner_choices(&s.app, &u.ctx)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(oid, name)| Choice::id(oid, name, Some(oid) == t.owner_id))
            .collect()
    } else {
        vec![]
    };
    let lang = tr.lang().code();
    let suspicion = t
        .suspicion
        .as_ref()
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // The routing's own labels (`routing.reason.*`), else this slice's (`trial.route.*`).
    let route_reason = [
        format!("routing.reason.{}", t.route_reason),
        format!("trial.route.{}", t.route_reason),
    ]
    .iter()
    .map(|k| tr.t(k))
    .find(|k| !k.starts_with('⟦'))
    .map_or_else(|| t.route_reason.clone(), str::to_string);
    let l = Layout::for_user(s, &u.ctx, "trials", "page.trial")
        .await
        .with_flash(ok);
    let today = salesdesk_app::records::today(&s.app).to_string();
    render(&ShowPage {
        product: product_label(&products, &t.product_code, u.lang),
        place: uc::place_name(&t.province_code, t.city_code.as_deref(), lang),
        state: tr.t(&format!("trial.state.{}", t.state)),
        route_reason,
        matched_by: tr.t(&format!("trial.matched.{}", t.matched_by)),
        due: due_text(tr, &t),
        due_at: fmt_time(t.first_contact_due_at),
        contacted_at: t.first_contact_at.map(fmt_time).unwrap_or_default(),
        arrived: fmt_time(t.arrived_at),
        suspicion,
        actions: t
            .actions
            .iter()
            .map(|a| (a.clone(), tr.t(&format!("trial.action.{a}"))))
            .collect(),
        lost_reasons: LOST_REASONS
            .iter()
            .map(|r| Choice::new(*r, tr.t(&lost_reason_key(r)), false))
            .collect(),
        owners,
        history: history
            .into_iter()
            .map(|h| HistoryLine {
                at: fmt_time(h.at),
                what: tr.t(&format!("trial.history.{}", h.action)).to_string(),
                who: h.actor_name.unwrap_or_else(|| tr.t("trial.system").into()),
            })
            .collect(),
        calls: crate::pages::presales::call_lines(tr, calls),
        errors,
        today,
        lost_label: t
            .lost_reason
            .as_deref()
            .map(|r| tr.t(&lost_reason_key(r)).to_string())
            .unwrap_or_default(),
        evidence: ["need", "budget", "timeline", "negotiation"]
            .into_iter()
            .map(|f| (f, tr.t(&format!("field.{f}"))))
            .collect(),
        l,
        t,
    })
}

#[derive(Debug, Default, Deserialize)]
struct StepForm {
    #[serde(default)]
    action: String,
    version: Option<i32>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    trial_start: String,
    #[serde(default)]
    trial_end: String,
    #[serde(default)]
    edition: String,
    #[serde(default)]
    licence_note: String,
    #[serde(default)]
    lost_reason: String,
    #[serde(default)]
    competitor: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    budget: String,
    #[serde(default)]
    timeline: String,
    #[serde(default)]
    negotiation: String,
}

async fn step(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StepForm>,
) -> Response {
    let input = StepInput {
        version: f.version,
        note: f.note,
        trial_start: f.trial_start,
        trial_end: f.trial_end,
        edition: f.edition,
        licence_note: f.licence_note,
        lost_reason: f.lost_reason,
        competitor: f.competitor,
        request: salesdesk_app::status::RequestInput {
            need: f.need,
            budget: f.budget,
            timeline: f.timeline,
            negotiation: f.negotiation,
            ..Default::default()
        },
    };
    match uc::step(&s.app, &u.ctx, id, &f.action, &input).await {
        Ok(_) => Redirect::to(&format!("/trials/{id}?ok=trial_step")).into_response(),
        Err(AppError::Validation(errs)) | Err(AppError::Conflict(errs)) => {
            let fe = FormErrors::from(&errs, Tr(u.lang));
            let mut r = show_with(&s, &u, id, None, fe).await;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ReassignForm {
    #[serde(default)]
    owner_id: String,
    version: Option<i32>,
}

async fn reassign(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReassignForm>,
) -> Response {
    let Ok(owner) = f.owner_id.trim().parse::<i64>() else {
        let fe = FormErrors::from(
            &salesdesk_domain::FieldErrors(vec![salesdesk_domain::FieldError::new(
                "owner_id",
                "error.required",
            )]),
            Tr(u.lang),
        );
        return show_with(&s, &u, id, None, fe).await;
    };
    match uc::reassign(&s.app, &u.ctx, id, owner, f.version).await {
        Ok(_) => Redirect::to(&format!("/trials/{id}?ok=trial_reassigned")).into_response(),
        Err(AppError::Validation(errs)) | Err(AppError::Conflict(errs)) => {
            let fe = FormErrors::from(&errs, Tr(u.lang));
            show_with(&s, &u, id, None, fe).await
        }
        Err(e) => page_error(e, u.lang),
    }
}
