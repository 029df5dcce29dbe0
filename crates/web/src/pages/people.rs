//! People directory and management pages.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::people::{self as uc, PeopleQuery, Person, PersonInput};
use salesdesk_app::{AppError, Page, org};
use salesdesk_domain::Capability;
use serde::Deserialize;

use super::{Choice, position_choices};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(list).post(create))
        .route("/people/new", get(new_form))
        .route("/people/{id}", get(show).post(update))
        .route("/people/{id}/edit", get(edit_form))
        .route("/people/{id}/password", post(reset_password))
}

/// A person as a row or a detail page shows them, borrowed from the (cached) person.
pub struct Row<'a> {
    pub id: i64,
    pub login: &'a str,
    pub display_name: &'a str,
    pub position_label: &'static str,
    pub region: &'a str,
    pub manager: &'a str,
    pub manager_id: Option<i64>,
    pub email: &'a str,
    pub phone: &'a str,
    pub active: bool,
    /// "On leave until 2026-12-05" while the leave lasts, else empty.
    pub leave: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Row<'_> {
    /// Formatted only where a page shows it (the list does not).
    pub fn created(&self) -> String {
        fmt_time(self.created_at)
    }
}

fn row<'a>(
    tr: Tr,
    p: &'a Person,
    regions: &'a [org::Region],
    today: chrono::NaiveDate,
) -> Row<'a> {
    let region = p
        .region_id
        .and_then(|id| regions.iter().find(|r| r.id == id))
        .map(|r| r.name_in(tr.lang().code()))
        .unwrap_or("—");
    Row {
        position_label: match p.position {
            Some(x) => tr.t(x.label_key()),
            None if p.is_admin => tr.t("role.admin"),
            None => "—",
        },
        region,
        manager: p.manager_name.as_deref().unwrap_or("—"),
        manager_id: p.manager_id,
        email: p.email.as_deref().unwrap_or("—"),
        phone: p.phone.as_deref().unwrap_or("—"),
        created_at: p.created_at,
        id: p.id,
        login: &p.login,
        display_name: &p.display_name,
        active: p.active,
        leave: match p.on_leave_until {
            Some(d) if p.on_leave_on(today) => tr.tf(
                "people.on_leave_until",
                &[("date", &d.format("%Y-%m-%d").to_string())],
            ),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "people_list.html")]
struct ListPage<'a> {
    l: Layout,
    can_manage: bool,
    q: String,
    status: String,
    regions: Vec<Choice<'a>>,
    positions: Vec<Choice<'static>>,
    rows: Vec<Row<'a>>,
    count_text: String,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    region: Option<String>,
    position: Option<String>,
    status: Option<String>,
    page: Option<u64>,
    ok: Option<String>,
}

fn region_choices<'a>(
    tr: Tr,
    regions: &'a [org::Region],
    selected: Option<i64>,
) -> Vec<Choice<'a>> {
    regions
        .iter()
        .map(|r| {
            let name = r.name_in(tr.lang().code());
            let label: std::borrow::Cow<'a, str> = if r.parent_id.is_some() {
                format!("　└ {name}").into()
            } else {
                name.into()
            };
            Choice::id(r.id, label, Some(r.id) == selected)
        })
        .collect()
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let region_id = q.region.as_deref().and_then(|r| r.parse::<i64>().ok());
    let status = q.status.clone().unwrap_or_default();
    let query = PeopleQuery {
        q: q.q.clone(),
        region_id,
        position: q.position.clone(),
        active: match status.as_str() {
            "active" => Some(true),
            "disabled" => Some(false),
            _ => None,
        },
    };
    let regions = match org::list(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let today = salesdesk_app::records::today(&s.app);
    let paged = match uc::list(&s.app, &u.ctx, &query, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(AppError::Validation(_)) => {
            return Redirect::to("/people").into_response();
        }
        Err(e) => return page_error(e, u.lang),
    };
    let base = query_string(&[
        ("q", q.q.clone()),
        ("region", q.region.clone()),
        ("position", q.position.clone()),
        ("status", q.status.clone()),
    ]);
    let pager = Pager::new(&paged, "/people", &base);
    let page = ListPage {
        l: Layout::for_user(&s, &u.ctx, "people", "page.people")
            .await
            .with_flash(q.ok.as_deref()),
        can_manage: u.ctx.actor.can(Capability::ManagePeople),
        q: q.q.clone().unwrap_or_default(),
        status,
        regions: region_choices(tr, &regions, region_id),
        positions: position_choices(tr, q.position.as_deref()),
        count_text: tr.tn(
            "people.count",
            paged.total,
            &[("n", &paged.total.to_string())],
        ),
        rows: paged
            .items
            .iter()
            .map(|p| row(tr, p, &regions, today))
            .collect(),
        pager,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "person_show.html")]
struct ShowPage<'a> {
    l: Layout,
    p: Row<'a>,
    reports: Vec<Row<'a>>,
    can_manage: bool,
    can_reset: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

async fn show_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    errors: FormErrors,
    ok: Option<&str>,
) -> Response {
    let tr = Tr(u.lang);
    let result = async {
        let p = uc::get(&s.app, &u.ctx, id).await?;
        let reports = uc::reports(&s.app, &u.ctx, id).await?;
        let regions = org::list(&s.app, &u.ctx).await?;
        Ok::<_, AppError>((p, reports, regions))
    }
    .await;
    let (p, reports, regions) = match result {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let today = salesdesk_app::records::today(&s.app);
    let mut l = Layout::for_user(s, &u.ctx, "people", "page.people")
        .await
        .with_flash(ok);
    l.title = p.display_name.clone();
    render(&ShowPage {
        l,
        p: row(tr, &p, &regions, today),
        reports: reports
            .iter()
            .map(|r| row(tr, r, &regions, today))
            .collect(),
        can_manage: u.ctx.actor.can(Capability::ManagePeople),
        can_reset: u.ctx.actor.can(Capability::ResetPasswords),
        errors,
    })
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    show_page(&s, &u, id, FormErrors::default(), q.ok.as_deref()).await
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage<'a> {
    l: Layout,
    f: PersonInput,
    action: String,
    cancel: String,
    creating: bool,
    can_grant_admin: bool,
    positions: Vec<Choice<'static>>,
    regions: Vec<Choice<'a>>,
    managers: Vec<Choice<'static>>,
    errors: FormErrors,
}

/// The form as posted (checkboxes are absent when unticked).
#[derive(Debug, Default, Deserialize)]
struct PersonForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    manager_id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    on_leave_until: String,
    is_admin: Option<String>,
    active: Option<String>,
}

impl PersonForm {
    /// Converts to use-case input; an id that is not a number is reported on its field.
    fn input(self, creating: bool) -> (PersonInput, FormErrorsRaw) {
        let mut bad = vec![];
        let mut id = |field: &'static str, v: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match v.parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad.push(field);
                    None
                }
            }
        };
        let region_id = id("region_id", &self.region_id);
        let manager_id = id("manager_id", &self.manager_id);
        (
            PersonInput {
                login: self.login,
                display_name: self.display_name,
                email: self.email,
                phone: self.phone,
                position: self.position,
                is_admin: self.is_admin.is_some(),
                region_id,
                manager_id,
                active: creating || self.active.is_some(),
                locale: self.locale,
                password: self.password,
                on_leave_until: self.on_leave_until,
            },
            bad,
        )
    }
}

type FormErrorsRaw = Vec<&'static str>;

async fn form_page(
    s: &AppState,
    u: &PageUser,
    f: PersonInput,
    existing: Option<i64>,
    errors: FormErrors,
) -> Response {
    let tr = Tr(u.lang);
    let regions = match org::list(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let managers = match uc::manager_choices(&s.app).await {
        Ok(m) => m,
        Err(e) => return page_error(e, u.lang),
    };
    let title = if existing.is_some() {
        "page.edit_person"
    } else {
        "page.new_person"
    };
    let page = FormPage {
        l: Layout::for_user(s, &u.ctx, "people", title).await,
        action: existing
            .map(|id| format!("/people/{id}"))
            .unwrap_or_else(|| "/people".into()),
        cancel: existing
            .map(|id| format!("/people/{id}"))
            .unwrap_or_else(|| "/people".into()),
        creating: existing.is_none(),
        can_grant_admin: u.ctx.actor.is_admin,
        positions: position_choices(tr, Some(f.position.as_str())),
        regions: region_choices(tr, &regions, f.region_id),
        managers: managers
            .into_iter()
            .filter(|m| Some(m.id) != existing)
            .map(|m| {
                let label = format!(
                    "{} · {}",
                    m.display_name,
                    m.position.map(|p| tr.t(p.label_key())).unwrap_or("")
                );
                Choice::id(m.id, label, Some(m.id) == f.manager_id)
            })
            .collect(),
        f,
        errors,
    };
    let status = if page.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&page)).into_response()
}

async fn new_form(State(s): State<AppState>, u: PageUser) -> Response {
    if !u.ctx.actor.can(Capability::ManagePeople) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let f = PersonInput {
        active: true,
        locale: "zh-CN".into(),
        ..Default::default()
    };
    form_page(&s, &u, f, None, FormErrors::default()).await
}

fn with_bad_ids(
    tr: Tr,
    errs: Option<&salesdesk_domain::FieldErrors>,
    bad: &[&'static str],
) -> FormErrors {
    let mut all = errs.cloned().unwrap_or_default();
    for f in bad {
        all.push(salesdesk_domain::FieldError::new(
            *f,
            "error.invalid_choice",
        ));
    }
    FormErrors::from(&all, tr)
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(form): PageForm<PersonForm>,
) -> Response {
    let tr = Tr(u.lang);
    let (mut input, bad) = form.input(true);
    if !bad.is_empty() {
        input.password.clear();
        return form_page(&s, &u, input, None, with_bad_ids(tr, None, &bad)).await;
    }
    match uc::create(&s.app, &u.ctx, &input).await {
        Ok(p) => Redirect::to(&format!("/people/{}?ok=person_created", p.id)).into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            input.password.clear();
            form_page(&s, &u, input, None, FormErrors::from(&errs, tr)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn edit_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    if !u.ctx.actor.can(Capability::ManagePeople) {
        return page_error(AppError::Forbidden, u.lang);
    }
    match uc::get(&s.app, &u.ctx, id).await {
        Ok(p) => form_page(&s, &u, uc::input_of(&p), Some(id), FormErrors::default()).await,
        Err(e) => page_error(e, u.lang),
    }
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<PersonForm>,
) -> Response {
    let tr = Tr(u.lang);
    let (input, bad) = form.input(false);
    if !bad.is_empty() {
        return form_page(&s, &u, input, Some(id), with_bad_ids(tr, None, &bad)).await;
    }
    match uc::update(&s.app, &u.ctx, id, &input).await {
        Ok(p) => Redirect::to(&format!("/people/{}?ok=person_saved", p.id)).into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            form_page(&s, &u, input, Some(id), FormErrors::from(&errs, tr)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ResetForm>,
) -> Response {
    match salesdesk_app::auth::reset_password(&s.app, &u.ctx, id, &f.password).await {
        Ok(()) => Redirect::to(&format!("/people/{id}?ok=password_reset")).into_response(),
        Err(AppError::Validation(errs)) => {
            let r = show_page(&s, &u, id, FormErrors::from(&errs, Tr(u.lang)), None).await;
            (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}
