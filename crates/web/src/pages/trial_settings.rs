//! The administrator's settings of trial applications (issue 12): `/settings/trials`, the form
//! of what `GET/PUT /api/v1/settings/trials` holds — the first-contact limit in working hours,
//! the reminder's lead, the fold window and the intake's rate limits — with field errors and
//! the use case's audit (`settings.trials`), and the website origins allowed to use the intake
//! from a browser (CORS, `crate::cors`). Working hours, the pre-sales plan, routing and
//! intake keys have pages of their own, linked from here.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::AppError;
use salesdesk_app::trials::{self as uc, SettingsText};
use salesdesk_domain::Capability;
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/trials", get(page).post(save))
}

struct Field {
    name: &'static str,
    label: String,
    unit: String,
    hint: String,
    value: String,
    error: Option<String>,
}

struct Group {
    legend: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "settings_trials.html")]
struct SettingsPage {
    l: Layout,
    groups: Vec<Group>,
    errors: FormErrors,
    lost_reasons: String,
    allowed_origins: String,
    origins_error: Option<String>,
}

/// (legend, [(field, unit)]): the form's layout; labels and hints are
/// `trial_settings.<field>` and `trial_settings.<field>_hint`.
const GROUPS: [(&str, &[(&str, &str)]); 2] = [
    (
        "trial_settings.handling",
        &[
            ("first_contact_hours", "trial_settings.unit_working_hours"),
            (
                "remind_before_minutes",
                "trial_settings.unit_working_minutes",
            ),
            ("fold_window_days", "settings.days"),
        ],
    ),
    (
        "trial_settings.abuse",
        &[
            ("per_address_per_hour", "trial_settings.unit_per_hour"),
            ("per_key_per_minute", "trial_settings.unit_per_minute"),
        ],
    ),
];

fn value_of<'a>(t: &'a SettingsText, field: &str) -> &'a str {
    match field {
        "first_contact_hours" => &t.first_contact_hours,
        "remind_before_minutes" => &t.remind_before_minutes,
        "fold_window_days" => &t.fold_window_days,
        "per_address_per_hour" => &t.per_address_per_hour,
        _ => &t.per_key_per_minute,
    }
}

async fn view(s: &AppState, u: &PageUser, t: &SettingsText, errors: FormErrors) -> SettingsPage {
    let tr = Tr(u.lang);
    let groups = GROUPS
        .iter()
        .map(|(legend, fields)| Group {
            legend: tr.t(legend).to_string(),
            fields: fields
                .iter()
                .map(|(name, unit)| Field {
                    name,
                    label: tr.t(&format!("trial_settings.{name}")).to_string(),
                    unit: tr.t(unit).to_string(),
                    hint: tr.t(&format!("trial_settings.{name}_hint")).to_string(),
                    value: value_of(t, name).to_string(),
                    error: errors.get(name).map(str::to_string),
                })
                .collect(),
        })
        .collect();
    let lost_reasons = salesdesk_domain::trial::LOST_REASONS
        .iter()
        .map(|r| {
            tr.t(&salesdesk_domain::trial::lost_reason_key(r))
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(tr.t("punct.list_sep"));
    SettingsPage {
        l: Layout::for_user(s, &u.ctx, "settings", "page.settings_trials").await,
        groups,
        origins_error: errors.get("allowed_origins").map(str::to_string),
        errors,
        lost_reasons,
        allowed_origins: t.allowed_origins.clone(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

fn admin_only(u: &PageUser) -> Option<Response> {
    (!u.ctx.actor.can(Capability::ManageSettings)).then(|| page_error(AppError::Forbidden, u.lang))
}

async fn page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    if let Some(r) = admin_only(&u) {
        return r;
    }
    let current = match uc::settings(&s.app).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let mut p = view(&s, &u, &SettingsText::from(&current), FormErrors::default()).await;
    p.l = p.l.with_flash(q.ok.as_deref());
    render(&p)
}

async fn save(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<SettingsText>,
) -> Response {
    match uc::put_settings_text(&s.app, &u.ctx, &f).await {
        Ok(_) => Redirect::to("/settings/trials?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            let r = render(&view(&s, &u, &f, errors).await);
            (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}
