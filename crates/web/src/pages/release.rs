//! Giving a customer back to the pool asks first (issue 10, point 4): a page that says what will
//! happen — who stops owning it, who may take it — and asks for the reason from the list the
//! administrator keeps (`release_reason`), which the owner history then shows.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::{AppError, customers as customers_uc, pool};
use salesdesk_domain::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/customers/{id}/release", get(confirm).post(release))
}

struct Reason {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "release_confirm.html")]
struct ConfirmPage {
    l: Layout,
    id: i64,
    what: String,
    reasons: Vec<Reason>,
    chosen: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct ReleaseForm {
    #[serde(default)]
    reason_code: String,
}

async fn page(s: &AppState, u: &PageUser, id: i64, chosen: String, errors: FormErrors) -> Response {
    let tr = Tr(u.lang);
    let (c, lists) = match async {
        Ok::<_, AppError>((
            customers_uc::get(&s.app, &u.ctx, id).await?,
            salesdesk_app::choices::all(&s.app).await?,
        ))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let lang = u.lang.code();
    let reasons = lists
        .iter()
        .filter(|x| x.list == "release_reason" && x.active)
        .map(|x| Reason {
            code: x.code.clone(),
            name: if lang == "en" {
                x.name_en.clone()
            } else {
                x.name_zh.clone()
            },
        })
        .collect();
    let owner = c.owner_name.clone().unwrap_or_else(|| "—".into());
    let regions = salesdesk_app::org::list(&s.app, &u.ctx)
        .await
        .unwrap_or_default();
    let region = c
        .region_id
        .and_then(|r| regions.iter().find(|x| x.id == r))
        .map(|r| r.name_in(lang).to_string())
        .unwrap_or_else(|| "—".into());
    let what = tr.tf(
        "release.what",
        &[
            ("name", c.name.as_str()),
            ("owner", owner.as_str()),
            ("region", region.as_str()),
        ],
    );
    let mut l = Layout::for_user(s, &u.ctx, "customers", "page.release").await;
    l.title = format!("{} · {}", tr.t("page.release"), c.name);
    let status = if errors.get("reason_code").is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(&ConfirmPage {
        l,
        id,
        what,
        reasons,
        chosen,
        errors,
    });
    (status, page).into_response()
}

async fn confirm(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    page(&s, &u, id, String::new(), FormErrors::default()).await
}

async fn release(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReleaseForm>,
) -> Response {
    match pool::release(&s.app, &u.ctx, id, &f.reason_code).await {
        Ok(()) => Redirect::to("/customers?ok=released").into_response(),
        Err(AppError::Validation(errs)) if is_reason(&errs) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            page(&s, &u, id, f.reason_code, errors).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

fn is_reason(errs: &FieldErrors) -> bool {
    errs.0.iter().all(|e| e.field == "reason_code")
}
