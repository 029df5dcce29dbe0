//! Pre-sales follow-up calls (S5.2, 售前回访): the list (`/presales`: mine, my scope, missed,
//! recorded), one call with its recording form (`/presales/{id}`), and the administrator's plan
//! (`/settings/presales`). The owner's due calls also appear on the follow-up list
//! ([`call_lines`], used by `records::followups`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::presales::{self as uc, CallView, Due, RecordInput, View};
use salesdesk_app::{AppError, Page};
use salesdesk_domain::presales::{Anchor, CallOutcome, MAX_STEPS, Plan, StepInput};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/presales", get(list))
        .route("/presales/{id}", get(show).post(record))
        .route("/settings/presales", get(plan_page).post(save_plan))
}

/// One call as a table row.
pub struct CallLine {
    pub id: i64,
    pub trial_id: i64,
    pub reference: String,
    pub customer_id: i64,
    pub customer: String,
    pub owner: String,
    pub number: i32,
    pub due_on: String,
    pub due_code: &'static str,
    pub due_text: String,
    pub outcome: String,
    pub satisfaction: String,
    pub can_record: bool,
}

/// Rows of calls in the reader's language.
pub fn call_lines(tr: Tr, calls: Vec<CallView>) -> Vec<CallLine> {
    calls
        .into_iter()
        .map(|c| {
            let days = c.days.unsigned_abs();
            let n = days.to_string();
            let (due_code, due_text) = match c.due {
                Due::Missed => ("overdue", tr.tn("presales.missed_days", days, &[("n", &n)])),
                Due::Today => ("today", tr.t("followups.today").to_string()),
                Due::Upcoming => ("upcoming", tr.tn("followups.in_days", days, &[("n", &n)])),
                Due::Done => ("done", c.done_at.map(fmt_time).unwrap_or_default()),
                Due::Cancelled => (
                    "cancelled",
                    match c.cancel_reason.as_deref() {
                        Some("trial_converted") => tr.t("presales.cancelled_converted"),
                        _ => tr.t("presales.cancelled_lost"),
                    }
                    .to_string(),
                ),
            };
            CallLine {
                id: c.id,
                trial_id: c.trial_id,
                reference: c.trial_reference,
                customer_id: c.customer_id,
                customer: c.customer_name,
                owner: c.owner_name.unwrap_or_else(|| "—".into()),
                number: c.number,
                due_on: c.due_on.to_string(),
                due_code,
                due_text,
                outcome: c
                    .outcome
                    .as_deref()
                    .and_then(CallOutcome::parse)
                    .map(|o| tr.t(o.label_key()).to_string())
                    .unwrap_or_default(),
                satisfaction: c.satisfaction.map(|s| format!("{s}/5")).unwrap_or_default(),
                can_record: c.can_record,
            }
        })
        .collect()
}

struct ViewTab {
    value: &'static str,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "presales_list.html")]
struct ListPage {
    l: Layout,
    tabs: Vec<ViewTab>,
    calls: Vec<CallLine>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    view: Option<String>,
    page: Option<u64>,
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let view = match q.view.as_deref().filter(|v| !v.is_empty()) {
        None => View::Mine,
        Some(v) => match View::parse(v) {
            Some(v) => v,
            None => return page_error(AppError::field("view", "error.invalid_choice"), u.lang),
        },
    };
    let paged = match uc::list(&s.app, &u.ctx, view, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/presales", &format!("view={}", view.as_str()));
    let tabs = View::ALL
        .into_iter()
        .map(|v| ViewTab {
            value: v.as_str(),
            label: tr.t(&format!("presales.view_{}", v.as_str())).to_string(),
            current: v == view,
        })
        .collect();
    render(&ListPage {
        l: Layout::for_user(&s, &u.ctx, "presales", "page.presales").await,
        tabs,
        calls: call_lines(tr, paged.items),
        pager,
    })
}

#[derive(Template)]
#[template(path = "presales_call.html")]
struct CallPage {
    l: Layout,
    c: CallLine,
    state_done: bool,
    note: String,
    done_by: String,
    outcomes: Vec<Choice<'static>>,
    scores: Vec<(u8, bool)>,
    form_note: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    ok: Option<String>,
}

async fn call_page(
    s: &AppState,
    u: &PageUser,
    id: i64,
    ok: Option<&str>,
    form: Option<(RecordInput, FormErrors)>,
) -> Response {
    let tr = Tr(u.lang);
    let call = match uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let state_done = call.due == Due::Done;
    let note = call.note.clone().unwrap_or_default();
    let done_by = call.done_by_name.clone().unwrap_or_default();
    let (input, errors) = form.unwrap_or_default();
    let invalid = errors.any();
    let outcomes = CallOutcome::ALL
        .into_iter()
        .map(|o| Choice::new(o.as_str(), tr.t(o.label_key()), input.outcome == o.as_str()))
        .collect();
    let scores = (1..=5u8)
        .map(|v| (v, input.satisfaction == v.to_string()))
        .collect();
    let c = call_lines(tr, vec![call]).remove(0);
    let r = render(&CallPage {
        l: Layout::for_user(s, &u.ctx, "presales", "page.presales_call")
            .await
            .with_flash(ok),
        c,
        state_done,
        note,
        done_by,
        outcomes,
        scores,
        form_note: input.note,
        errors,
    });
    if invalid {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Response {
    call_page(&s, &u, id, q.ok.as_deref(), None).await
}

#[derive(Debug, Default, Deserialize)]
struct RecordForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    note: String,
}

async fn record(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RecordForm>,
) -> Response {
    let input = RecordInput {
        outcome: f.outcome,
        satisfaction: f.satisfaction,
        note: f.note,
    };
    match uc::record(&s.app, &u.ctx, id, &input).await {
        Ok(_) => Redirect::to(&format!("/presales/{id}?ok=presales_recorded")).into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            call_page(&s, &u, id, None, Some((input, errors))).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

// ---- the administrator's plan ----

struct StepRow {
    index: usize,
    from: Vec<Choice<'static>>,
    days: String,
    working: bool,
    from_error: Option<String>,
    days_error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings_presales.html")]
struct PlanPage {
    l: Layout,
    rows: Vec<StepRow>,
    errors: FormErrors,
}

fn rows_of(tr: Tr, steps: &[StepInput], errors: &FormErrors) -> Vec<StepRow> {
    (0..MAX_STEPS)
        .map(|i| {
            let s = steps.get(i).cloned().unwrap_or_default();
            let from = [Anchor::Start, Anchor::End]
                .into_iter()
                .map(|a| {
                    Choice::new(
                        a.as_str(),
                        tr.t(if a == Anchor::Start {
                            "presales.from_start"
                        } else {
                            "presales.from_end"
                        }),
                        s.from == a.as_str(),
                    )
                })
                .collect();
            StepRow {
                index: i,
                from,
                days: s.days,
                working: s.working,
                from_error: errors.get(&format!("steps[{i}].from")).map(str::to_string),
                days_error: errors.get(&format!("steps[{i}].days")).map(str::to_string),
            }
        })
        .collect()
}

fn inputs_of(p: &Plan) -> Vec<StepInput> {
    p.steps
        .iter()
        .map(|s| StepInput {
            from: s.from.as_str().into(),
            days: s.days.to_string(),
            working: s.working,
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct PlanQuery {
    ok: Option<String>,
}

async fn plan_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<PlanQuery>,
) -> Response {
    let p = match uc::plan_for_admin(&s.app, &u.ctx).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    render(&PlanPage {
        l: Layout::for_user(&s, &u.ctx, "settings", "page.settings_presales")
            .await
            .with_flash(q.ok.as_deref()),
        rows: rows_of(Tr(u.lang), &inputs_of(&p), &FormErrors::default()),
        errors: FormErrors::default(),
    })
}

/// The plan form: `from_0`, `days_0`, `working_0` … up to [`MAX_STEPS`] rows.
async fn save_plan(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<std::collections::HashMap<String, String>>,
) -> Response {
    let steps: Vec<StepInput> = (0..MAX_STEPS)
        .map(|i| StepInput {
            from: f.get(&format!("from_{i}")).cloned().unwrap_or_default(),
            days: f.get(&format!("days_{i}")).cloned().unwrap_or_default(),
            working: f.contains_key(&format!("working_{i}")),
        })
        .collect();
    match uc::put_plan(&s.app, &u.ctx, &steps).await {
        Ok(_) => Redirect::to("/settings/presales?ok=settings_saved").into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            let r = render(&PlanPage {
                l: Layout::for_user(&s, &u.ctx, "settings", "page.settings_presales").await,
                rows: rows_of(Tr(u.lang), &steps, &errors),
                errors,
            });
            (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}
