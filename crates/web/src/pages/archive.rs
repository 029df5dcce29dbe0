//! Archiving a customer asks first, and the recycle bin gives it back (issue 10, point 4):
//! `/customers/{id}/archive` says what happens and until when it can be undone,
//! `/customers/archived` lists a manager's archived customers, and `/customers/{id}/restore`
//! brings one back. The rules are in `app::archive`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::{AppError, Page, archive as uc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/archived", get(bin))
        .route("/customers/{id}/archive", get(confirm).post(archive))
        .route(
            "/customers/{id}/restore",
            get(confirm_restore).post(restore),
        )
}

#[derive(Template)]
#[template(path = "archive_confirm.html")]
struct ConfirmPage {
    l: Layout,
    id: i64,
    what: String,
    until: String,
    reason: String,
    max_reason: usize,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct ArchiveForm {
    #[serde(default)]
    reason: String,
    /// `yes` from the confirmation page's button; anything else leads back to the page.
    #[serde(default)]
    confirm: String,
}

async fn page(s: &AppState, u: &PageUser, id: i64, reason: String, errors: FormErrors) -> Response {
    let tr = Tr(u.lang);
    let (c, until) = match async {
        Ok::<_, AppError>((
            uc::archivable(&s.app, &u.ctx, id).await?,
            uc::restorable_until(&s.app).await?,
        ))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let until = fmt_time(until);
    let what = tr.tf(
        "archive.what",
        &[("name", c.name.as_str()), ("until", until.as_str())],
    );
    let mut l = Layout::for_user(s, &u.ctx, "customers", "page.archive").await;
    l.title = format!("{} · {}", tr.t("page.archive"), c.name);
    let status = if errors.any() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = render(&ConfirmPage {
        l,
        id,
        what,
        until,
        reason,
        max_reason: uc::MAX_REASON,
        errors,
    });
    (status, page).into_response()
}

async fn confirm(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    page(&s, &u, id, String::new(), FormErrors::default()).await
}

async fn archive(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ArchiveForm>,
) -> Response {
    if f.confirm != "yes" {
        return Redirect::to(&format!("/customers/{id}/archive")).into_response();
    }
    match uc::archive(&s.app, &u.ctx, id, &f.reason).await {
        Ok(()) => Redirect::to("/customers?ok=archived").into_response(),
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, Tr(u.lang));
            page(&s, &u, id, f.reason, errors).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

struct Line {
    id: i64,
    name: String,
    owner: String,
    by: String,
    at: String,
    reason: String,
    purge: String,
}

#[derive(Template)]
#[template(path = "archived.html")]
struct BinPage {
    l: Layout,
    rows: Vec<Line>,
    pager: Pager,
    retention_days: u32,
}

#[derive(Debug, Default, Deserialize)]
struct BinQuery {
    page: Option<u64>,
    ok: Option<String>,
}

fn line(a: uc::Archived) -> Line {
    Line {
        id: a.customer.id,
        name: a.customer.name,
        owner: a.customer.owner_name.unwrap_or_else(|| "—".into()),
        by: a.archived_by_name.unwrap_or_else(|| "—".into()),
        at: fmt_time(a.archived_at),
        reason: a.reason.unwrap_or_else(|| "—".into()),
        purge: fmt_time(a.purge_after),
    }
}

async fn bin(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<BinQuery>,
) -> Response {
    let r = async {
        Ok::<_, AppError>((
            uc::bin(&s.app, &u.ctx, Page::new(q.page, None)).await?,
            salesdesk_app::settings::get(&s.app).await?,
        ))
    }
    .await;
    let (paged, settings) = match r {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/customers/archived", "");
    let l = Layout::for_user(&s, &u.ctx, "customers", "page.archived")
        .await
        .with_flash(q.ok.as_deref());
    render(&BinPage {
        l,
        rows: paged.items.into_iter().map(line).collect(),
        pager,
        retention_days: settings.archive_retention_days,
    })
}

#[derive(Template)]
#[template(path = "restore_confirm.html")]
struct RestorePage {
    l: Layout,
    r: Line,
}

async fn confirm_restore(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    let a = match uc::get(&s.app, &u.ctx, id).await {
        Ok(a) => a,
        Err(e) => return page_error(e, u.lang),
    };
    let tr = Tr(u.lang);
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "page.restore").await;
    l.title = format!("{} · {}", tr.t("page.restore"), a.customer.name);
    render(&RestorePage { l, r: line(a) })
}

async fn restore(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    match uc::restore(&s.app, &u.ctx, id).await {
        Ok(c) => Redirect::to(&format!("/customers/{}?ok=restored", c.id)).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
