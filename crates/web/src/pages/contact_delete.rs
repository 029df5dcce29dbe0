//! Deleting a contact asks first (issue 10, point 4): the page says who goes, from where, and
//! that the contact records naming them stay (showing them as removed).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use salesdesk_app::{contacts, customers as customers_uc};

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PagePath, page_error};
use crate::i18n::Tr;
use crate::view::{Layout, render};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/contacts/{id}/delete",
        get(confirm).post(super::customers::delete_contact),
    )
}

#[derive(Template)]
#[template(path = "contact_delete.html")]
struct ConfirmPage {
    l: Layout,
    id: i64,
    customer_id: i64,
    what: String,
}

async fn confirm(State(s): State<AppState>, u: PageUser, PagePath(id): PagePath<i64>) -> Response {
    let tr = Tr(u.lang);
    let contact = match contacts::find(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let customer = match customers_uc::get(&s.app, &u.ctx, contact.customer_id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let what = tr.tf(
        "contact_delete.what",
        &[
            ("name", contact.name.as_str()),
            ("customer", customer.name.as_str()),
        ],
    );
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "page.contact_delete").await;
    l.title = format!("{} · {}", tr.t("page.contact_delete"), contact.name);
    render(&ConfirmPage {
        l,
        id,
        customer_id: contact.customer_id,
        what,
    })
    .into_response()
}
