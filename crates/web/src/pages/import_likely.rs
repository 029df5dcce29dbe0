//! `/customers/imports/{id}/likely`: the rows of an import that are probably duplicates of a
//! customer already there or of an earlier row of the file (issue 10, point 5), a page at a
//! time, each with both customers to open and why.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use salesdesk_app::{Page, likely as uc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PagePath, PageQuery, likely_reason, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, Pager, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/customers/imports/{id}/likely", get(list))
}

struct Row {
    row: u32,
    customer_id: i64,
    customer_name: String,
    other_id: Option<i64>,
    other_name: String,
    other_owner: String,
    /// "(row 3 of the file)" when the other one came from the same file.
    other_row: String,
    why: String,
}

#[derive(Template)]
#[template(path = "import_likely.html")]
struct LikelyPage {
    l: Layout,
    import_id: i64,
    rows: Vec<Row>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<u64>,
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let paged = match uc::of_import(&s.app, &u.ctx, id, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, &format!("/customers/imports/{id}/likely"), "");
    render(&LikelyPage {
        l: Layout::for_user(&s, &u.ctx, "customers", "import.likely_title").await,
        import_id: id,
        rows: paged
            .items
            .into_iter()
            .map(|r| Row {
                why: likely_reason(tr, &r.why),
                row: r.row,
                customer_id: r.customer_id,
                customer_name: r.customer_name,
                other_id: r.other_id,
                other_name: r.other_name,
                other_owner: r.other_owner_name.unwrap_or_else(|| "—".into()),
                other_row: r
                    .other_row
                    .map(|n| tr.tf("import.likely_other_row", &[("n", &n.to_string())]))
                    .unwrap_or_default(),
            })
            .collect(),
        pager,
    })
}
