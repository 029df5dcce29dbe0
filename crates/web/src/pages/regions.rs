//! Regions and branch offices pages.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::AppError;
use salesdesk_app::org::{self as uc, RegionInput};
use salesdesk_domain::{Capability, RegionKind};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions", get(list).post(create))
        .route("/regions/new", get(new_form))
        .route("/regions/{id}", axum::routing::post(update))
        .route("/regions/{id}/edit", get(edit_form))
}

struct Row {
    id: i64,
    name: String,
    other_name: String,
    kind: &'static str,
    is_branch: bool,
    people: u64,
    active: bool,
    /// The display name of a region's assignment rule (branches follow their region's).
    rule: &'static str,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    can_manage: bool,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let regions = match uc::list_with_headcount(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let rules = match salesdesk_app::assignment::all_rules(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let mut rows = vec![];
    for (r, count) in regions {
        let mode = rules
            .iter()
            .find(|x| x.region_id == r.id)
            .map_or(salesdesk_app::assignment::MANUAL, |x| x.mode);
        let (name, other) = if u.lang == crate::i18n::Lang::En {
            (r.name_en.clone(), r.name.clone())
        } else {
            (r.name.clone(), r.name_en.clone())
        };
        rows.push(Row {
            id: r.id,
            name,
            other_name: other,
            kind: tr.t(&format!("kind.{}", r.kind.as_str())),
            is_branch: r.kind == RegionKind::Branch,
            people: count,
            active: r.active,
            rule: tr.t(&format!("assign_rule.{mode}")),
        });
    }
    render(&ListPage {
        l: Layout::for_user(&s, &u.ctx, "regions", "page.regions")
            .await
            .with_flash(q.ok.as_deref()),
        rows,
        can_manage: u.ctx.actor.can(Capability::ManageOrg),
    })
}

#[derive(Template)]
#[template(path = "region_form.html")]
struct FormPage {
    l: Layout,
    f: FormValues,
    action: String,
    parents: Vec<Choice<'static>>,
    errors: FormErrors,
}

struct FormValues {
    name: String,
    name_en: String,
    kind: String,
    active: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RegionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    active: Option<String>,
}

async fn form_page(
    s: &AppState,
    u: &PageUser,
    input: RegionInput,
    id: Option<i64>,
    errors: FormErrors,
) -> Response {
    let tr = Tr(u.lang);
    let regions = match uc::list(&s.app, &u.ctx).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let title = if id.is_some() {
        "page.edit_region"
    } else {
        "page.new_region"
    };
    let page = FormPage {
        l: Layout::for_user(s, &u.ctx, "regions", title).await,
        action: id
            .map(|i| format!("/regions/{i}"))
            .unwrap_or_else(|| "/regions".into()),
        parents: regions
            .iter()
            .filter(|r| r.kind == RegionKind::Region && Some(r.id) != id)
            .map(|r| {
                Choice::id(
                    r.id,
                    r.name_in(tr.lang().code()).to_string(),
                    Some(r.id) == input.parent_id,
                )
            })
            .collect(),
        f: FormValues {
            name: input.name,
            name_en: input.name_en,
            kind: input.kind,
            active: input.active,
        },
        errors,
    };
    let status = if page.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, render(&page)).into_response()
}

fn to_input(f: RegionForm) -> Result<RegionInput, RegionInput> {
    let parent = f.parent_id.trim();
    let parent_id = if parent.is_empty() {
        Ok(None)
    } else {
        parent.parse().map(Some)
    };
    let mut input = RegionInput {
        name: f.name,
        name_en: f.name_en,
        kind: f.kind,
        parent_id: None,
        active: f.active.is_some(),
    };
    match parent_id {
        Ok(p) => {
            input.parent_id = p;
            Ok(input)
        }
        Err(_) => Err(input),
    }
}

async fn new_form(State(s): State<AppState>, u: PageUser) -> Response {
    if !u.ctx.actor.can(Capability::ManageOrg) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let input = RegionInput {
        kind: "region".into(),
        active: true,
        ..Default::default()
    };
    form_page(&s, &u, input, None, FormErrors::default()).await
}

async fn edit_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    if !u.ctx.actor.can(Capability::ManageOrg) {
        return page_error(AppError::Forbidden, u.lang);
    }
    match uc::get(&s.app, &u.ctx, id).await {
        Ok(r) => {
            let input = RegionInput {
                name: r.name,
                name_en: r.name_en,
                kind: r.kind.as_str().into(),
                parent_id: r.parent_id,
                active: r.active,
            };
            form_page(&s, &u, input, Some(id), FormErrors::default()).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn save(s: AppState, u: PageUser, id: Option<i64>, f: RegionForm) -> Response {
    let tr = Tr(u.lang);
    let input = match to_input(f) {
        Ok(i) => i,
        Err(i) => {
            let errs = salesdesk_domain::FieldErrors(vec![salesdesk_domain::FieldError::new(
                "parent_id",
                "error.invalid_choice",
            )]);
            return form_page(&s, &u, i, id, FormErrors::from(&errs, tr)).await;
        }
    };
    let r = match id {
        Some(id) => uc::update(&s.app, &u.ctx, id, &input).await,
        None => uc::create(&s.app, &u.ctx, &input).await,
    };
    match r {
        Ok(_) => Redirect::to("/regions?ok=region_saved").into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            form_page(&s, &u, input, id, FormErrors::from(&errs, tr)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<RegionForm>,
) -> Response {
    save(s, u, None, f).await
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RegionForm>,
) -> Response {
    save(s, u, Some(id), f).await
}
