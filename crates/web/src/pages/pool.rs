//! The public pool page (公海) and the release / claim buttons.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::{Page, pool};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pool", get(list))
        .route("/customers/{id}/claim", post(claim))
}

struct Line {
    id: i64,
    name: String,
    status: &'static str,
    status_code: &'static str,
    since: String,
    last_contact: String,
}

#[derive(Template)]
#[template(path = "pool.html")]
struct PoolPage {
    l: Layout,
    rows: Vec<Line>,
    pager: Pager,
    hint: String,
    /// The pool is switched off: the page says so, and who may switch it on.
    off: bool,
    /// The reader may switch it on (a link to the settings).
    can_switch_on: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Q {
    page: Option<u64>,
    ok: Option<String>,
}

async fn list(State(s): State<AppState>, u: PageUser, PageQuery(q): PageQuery<Q>) -> Response {
    let tr = Tr(u.lang);
    let settings = match salesdesk_app::settings::get(&s.app).await {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    if !settings.pool_enabled {
        let l = Layout::for_user(&s, &u.ctx, "pool", "page.pool").await;
        return render(&PoolPage {
            l,
            rows: vec![],
            pager: Pager::new(
                &salesdesk_app::Paged::<()> {
                    items: vec![],
                    total: 0,
                    total_exact: true,
                    page: Page::new(None, None),
                },
                "/pool",
                "",
            ),
            hint: String::new(),
            off: true,
            can_switch_on: u
                .ctx
                .actor
                .can(salesdesk_domain::Capability::ManageSettings),
        });
    }
    let paged = match pool::list(&s.app, &u.ctx, Page::new(q.page, None)).await {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/pool", "");
    let rows = paged
        .items
        .into_iter()
        .map(|c| Line {
            id: c.id,
            status: tr.t(&c.status.label_key()),
            status_code: c.status.as_str(),
            since: c.pool_since.map(fmt_time).unwrap_or_default(),
            last_contact: c
                .last_contact_at
                .map(fmt_time)
                .unwrap_or_else(|| "—".into()),
            name: c.name,
        })
        .collect();
    let l = Layout::for_user(&s, &u.ctx, "pool", "page.pool")
        .await
        .with_flash(q.ok.as_deref());
    render(&PoolPage {
        l,
        rows,
        pager,
        hint: tr.tf(
            "pool.hint",
            &[("n", &settings.pool_claims_per_day.to_string())],
        ),
        off: false,
        can_switch_on: false,
    })
    .into_response()
}

async fn claim(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    match pool::claim(&s.app, &u.ctx, id).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}?ok=claimed")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
