//! The administrator's settings pages (`/settings/customers`, `/settings/lists`) and a region's
//! assignment rule page (`/regions/{id}/assignment`, found by regional managers via
//! `/assignment`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::assignment::{self, MODES};
use salesdesk_app::choices::{self, ChoiceInput, ChoicePatch};
use salesdesk_app::settings::{self, SettingsInput};
use salesdesk_app::{AppError, org};
use salesdesk_domain::customer::{CustomerStatus, ProfileItem};
use salesdesk_domain::{Capability, Position};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/customers") }),
        )
        .route(
            "/settings/customers",
            get(customer_settings).post(save_customer_settings),
        )
        .route("/settings/lists", get(lists).post(add_choice))
        .route("/settings/lists/{id}", post(rename_choice))
        .route("/settings/lists/{id}/active", post(toggle_choice))
        .route("/assignment", get(my_assignment))
        .route(
            "/regions/{id}/assignment",
            get(assignment_page).post(save_assignment),
        )
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

fn with_status(errors: &FormErrors, r: Response) -> Response {
    if errors.any() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

// ---- customer settings --------------------------------------------------------------------

struct ItemBox {
    code: &'static str,
    label: &'static str,
    checked: bool,
}

struct DaysRow {
    field: String,
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "settings_customers.html")]
struct SettingsPage {
    l: Layout,
    items: Vec<ItemBox>,
    days: Vec<DaysRow>,
    pool_enabled: bool,
    pool_idle_days: String,
    pool_claims_per_day: String,
    record_edit_hours: String,
    max_record_edit_hours: u32,
    archive_retention_days: String,
    errors: FormErrors,
}

fn settings_page(l: Layout, tr: Tr, i: &SettingsInput, errors: FormErrors) -> Response {
    let page = SettingsPage {
        l,
        items: ProfileItem::ALL
            .into_iter()
            .map(|p| ItemBox {
                code: p.as_str(),
                label: tr.t(&p.label_key()),
                checked: i.required_items.iter().any(|c| c == p.as_str()),
            })
            .collect(),
        days: CustomerStatus::ALL
            .into_iter()
            .map(|st| DaysRow {
                field: format!("review_days.{}", st.as_str()),
                label: tr.t(&st.label_key()),
                value: i
                    .review_days
                    .iter()
                    .find(|(k, _)| k == st.as_str())
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        pool_enabled: i.pool_enabled,
        pool_idle_days: i.pool_idle_days.clone(),
        pool_claims_per_day: i.pool_claims_per_day.clone(),
        record_edit_hours: i.record_edit_hours.clone(),
        max_record_edit_hours: settings::MAX_RECORD_EDIT_HOURS,
        archive_retention_days: i.archive_retention_days.clone(),
        errors,
    };
    with_status(&page.errors, render(&page))
}

async fn customer_settings(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    let current = match settings::for_admin(&s.app, &u.ctx).await {
        Ok(v) => v,
        Err(e) => return page_error(e, u.lang),
    };
    let l = Layout::for_user(&s, &u.ctx, "settings", "page.settings_customers")
        .await
        .with_flash(q.ok.as_deref());
    settings_page(
        l,
        Tr(u.lang),
        &SettingsInput::of(&current),
        FormErrors::default(),
    )
}

/// The settings form arrives as pairs: one `required` pair per ticked item.
async fn save_customer_settings(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // A form from before a setting existed leaves that setting as it is.
    let now = match settings::get(&s.app).await {
        Ok(now) => now,
        Err(e) => return page_error(e, u.lang),
    };
    let kept = |k: &str, current: u32| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or_else(|| current.to_string(), |(_, v)| v.clone())
    };
    let input = SettingsInput {
        required_items: pairs
            .iter()
            .filter(|(k, _)| k == "required")
            .map(|(_, v)| v.clone())
            .collect(),
        review_days: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("review_days.")
                    .map(|st| (st.to_string(), v.clone()))
            })
            .collect(),
        pool_enabled: pairs.iter().any(|(k, _)| k == "pool_enabled"),
        pool_idle_days: value("pool_idle_days"),
        pool_claims_per_day: value("pool_claims_per_day"),
        record_edit_hours: kept("record_edit_hours", now.record_edit_hours),
        archive_retention_days: kept("archive_retention_days", now.archive_retention_days),
    };
    match settings::put_input(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to("/settings/customers?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let l = Layout::for_user(&s, &u.ctx, "settings", "page.settings_customers").await;
            settings_page(l, Tr(u.lang), &input, FormErrors::from(&errs, Tr(u.lang)))
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- customer types and sources ------------------------------------------------------------

struct Entry {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    active: bool,
    /// The rename form of this entry holds what was typed and the errors.
    errors: FormErrors,
}

struct ListCard {
    list: &'static str,
    title: &'static str,
    entries: Vec<Entry>,
    new_code: String,
    new_zh: String,
    new_en: String,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "settings_lists.html")]
struct ListsPage {
    l: Layout,
    cards: Vec<ListCard>,
}

/// What failed on the lists page: which form, what was typed, why.
enum Failed {
    None,
    New(ChoiceInput, FormErrors),
    Rename(i64, ChoiceInput, FormErrors),
}

async fn lists_page(s: &AppState, u: &PageUser, ok: Option<&str>, failed: Failed) -> Response {
    if !u.ctx.actor.can(Capability::ManageSettings) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let all = match choices::all(&s.app).await {
        Ok(a) => a,
        Err(e) => return page_error(e, u.lang),
    };
    let tr = Tr(u.lang);
    let any_error = !matches!(failed, Failed::None);
    let cards = [
        ("type", "field.type_code"),
        ("source", "field.source_code"),
        ("release_reason", "field.release_reason"),
        ("expense_category", "field.expense_category"),
    ]
    .into_iter()
    .map(|(list, title)| {
        let mut card = ListCard {
            list,
            title: tr.t(title),
            entries: all
                .iter()
                .filter(|c| c.list == list)
                .map(|c| {
                    let mut e = Entry {
                        id: c.id,
                        code: c.code.clone(),
                        name_zh: c.name_zh.clone(),
                        name_en: c.name_en.clone(),
                        active: c.active,
                        errors: FormErrors::default(),
                    };
                    if let Failed::Rename(id, i, errs) = &failed
                        && *id == c.id
                    {
                        e.name_zh = i.name_zh.clone();
                        e.name_en = i.name_en.clone();
                        e.errors = errs.clone();
                    }
                    e
                })
                .collect(),
            new_code: String::new(),
            new_zh: String::new(),
            new_en: String::new(),
            errors: FormErrors::default(),
        };
        if let Failed::New(i, errs) = &failed
            && i.list == list
        {
            card.new_code = i.code.clone();
            card.new_zh = i.name_zh.clone();
            card.new_en = i.name_en.clone();
            card.errors = errs.clone();
        }
        card
    })
    .collect();
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_lists")
        .await
        .with_flash(ok);
    let page = ListsPage { l, cards };
    let r = render(&page);
    if any_error {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

async fn lists(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    lists_page(&s, &u, q.ok.as_deref(), Failed::None).await
}

#[derive(Debug, Default, Deserialize)]
struct ChoiceForm {
    #[serde(default)]
    list: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
}

async fn add_choice(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<ChoiceForm>,
) -> Response {
    let input = ChoiceInput {
        list: f.list,
        code: f.code,
        name_zh: f.name_zh,
        name_en: f.name_en,
        active: true,
    };
    match choices::create(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to("/settings/lists?ok=choice_saved").into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let errs = FormErrors::from(&errs, Tr(u.lang));
            lists_page(&s, &u, None, Failed::New(input, errs)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn rename_choice(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ChoiceForm>,
) -> Response {
    let p = ChoicePatch {
        name_zh: Some(f.name_zh.clone()),
        name_en: Some(f.name_en.clone()),
        active: None,
    };
    match choices::patch(&s.app, &u.ctx, id, &p).await {
        Ok(_) => Redirect::to("/settings/lists?ok=choice_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let input = ChoiceInput {
                name_zh: f.name_zh,
                name_en: f.name_en,
                ..Default::default()
            };
            let errs = FormErrors::from(&errs, Tr(u.lang));
            lists_page(&s, &u, None, Failed::Rename(id, input, errs)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ActiveForm {
    /// `1` to (re)activate, anything else to deactivate.
    #[serde(default)]
    active: String,
}

async fn toggle_choice(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActiveForm>,
) -> Response {
    let p = ChoicePatch {
        active: Some(f.active == "1"),
        ..Default::default()
    };
    match choices::patch(&s.app, &u.ctx, id, &p).await {
        Ok(_) => Redirect::to("/settings/lists?ok=choice_saved").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- assignment rule ------------------------------------------------------------------------

struct ModeOption {
    code: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

struct MemberRow {
    name: String,
    open_load: u64,
    next: bool,
}

#[derive(Template)]
#[template(path = "assignment.html")]
struct AssignmentPage {
    l: Layout,
    region_id: i64,
    region_name: String,
    mode_label: &'static str,
    modes: Vec<ModeOption>,
    members: Vec<MemberRow>,
    can_change: bool,
    errors: FormErrors,
}

async fn assignment_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    chosen: Option<String>,
    errors: FormErrors,
    ok: Option<&str>,
) -> Response {
    let tr = Tr(u.lang);
    let rule = match assignment::get_rule(&s.app, &u.ctx, id).await {
        Ok(r) => r,
        Err(e) => return page_error(e, u.lang),
    };
    let (region, members) = match tokio::try_join!(
        org::get(&s.app, &u.ctx, id),
        assignment::members(&s.app, &u.ctx, id)
    ) {
        Ok(v) => v,
        Err(e) => return page_error(e, u.lang),
    };
    let chosen = chosen.unwrap_or_else(|| rule.mode.to_string());
    let page = AssignmentPage {
        l: Layout::for_user(s, &u.ctx, "assignment", "page.assignment")
            .await
            .with_flash(ok),
        region_id: id,
        region_name: region.name_in(tr.lang().code()).to_string(),
        mode_label: tr.t(&format!("assign_rule.{}", rule.mode)),
        modes: MODES
            .into_iter()
            .map(|m| ModeOption {
                code: m,
                label: tr.t(&format!("assign_rule.{m}")),
                hint: tr.t(&format!("assign_rule_hint.{m}")),
                checked: chosen == m,
            })
            .collect(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                name: m.name,
                open_load: m.open_load,
                next: m.next,
            })
            .collect(),
        can_change: assignment::may_set(&u.ctx.actor, id),
        errors,
    };
    with_status(&page.errors, render(&page))
}

async fn assignment_page(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    assignment_view(&s, &u, id, None, FormErrors::default(), q.ok.as_deref()).await
}

#[derive(Debug, Default, Deserialize)]
struct ModeForm {
    #[serde(default)]
    mode: String,
}

async fn save_assignment(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ModeForm>,
) -> Response {
    match assignment::set_rule(&s.app, &u.ctx, id, &f.mode).await {
        Ok(_) => Redirect::to(&format!("/regions/{id}/assignment?ok=rule_saved")).into_response(),
        Err(AppError::Validation(errs)) => {
            let errs = FormErrors::from(&errs, Tr(u.lang));
            assignment_view(&s, &u, id, Some(f.mode), errs, None).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

/// The navigation's "assignment rule" entry: a regional manager's own region; anyone else
/// chooses a region on the regions page.
/// A manager of a branch office is sent to the rule of the branch's region.
async fn my_assignment(State(s): State<AppState>, u: PageUser) -> Response {
    match (u.ctx.actor.position, u.ctx.actor.region_id) {
        (Some(Position::RegionalManager), Some(r)) => {
            let region = match org::get(&s.app, &u.ctx, r).await {
                Ok(region) => region.parent_id.unwrap_or(region.id),
                Err(e) => return page_error(e, u.lang),
            };
            Redirect::to(&format!("/regions/{region}/assignment")).into_response()
        }
        _ => Redirect::to("/regions").into_response(),
    }
}
