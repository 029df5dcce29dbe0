//! Correcting what was entered (issue 10, point 6): a contact's own edit page (with the version
//! it was read at, so a stale save comes back showing what changed meanwhile), a contact
//! record's edit page (its author, within the edit window) and a record's delete confirmation
//! (a manager). Each handler is extract → one use case → render.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::AppError;
use salesdesk_app::contacts::{self, ContactInput};
use salesdesk_app::records::{self as records_uc, RecordInput};

use super::Choice;
use super::customers::{ContactForm, Field, contact_fields};
use super::records::{self as records_view, RecordForm, RecordFormView, RecordLine};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/{id}/edit", get(contact_form).post(contact_save))
        .route("/records/{id}/edit", get(record_form).post(record_save))
        .route(
            "/records/{id}/delete",
            get(record_confirm).post(record_delete),
        )
}

#[derive(Template)]
#[template(path = "contact_edit.html")]
struct ContactPage {
    l: Layout,
    id: i64,
    customer_id: i64,
    version: i32,
    fields: Vec<Field>,
    roles: Vec<Choice<'static>>,
    is_primary: bool,
    errors: FormErrors,
    /// After a stale save: "field: value now" of what someone else changed meanwhile.
    stale: Vec<String>,
}

fn contact_page(
    l: Layout,
    tr: Tr,
    (id, customer_id, version): (i64, i64, i32),
    input: &ContactInput,
    errors: FormErrors,
    stale: Vec<String>,
) -> Response {
    let status = if !stale.is_empty() {
        StatusCode::CONFLICT
    } else if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ContactPage {
        l,
        id,
        customer_id,
        version,
        fields: contact_fields(tr, input),
        roles: contacts::ROLES
            .iter()
            .map(|r| Choice::new(*r, tr.t(&format!("contact_role.{r}")), input.role == *r))
            .collect(),
        is_primary: input.is_primary,
        errors,
        stale,
    };
    (status, render(&page)).into_response()
}

async fn contact_layout(s: &AppState, u: &PageUser, name: &str) -> Layout {
    let mut l = Layout::for_user(s, &u.ctx, "customers", "page.edit_contact").await;
    l.title = format!("{} · {name}", Tr(u.lang).t("page.edit_contact"));
    l
}

async fn contact_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match contacts::find(&s.app, &u.ctx, id).await {
        Ok(c) => {
            let l = contact_layout(&s, &u, &c.name).await;
            let input = contacts::input_of(&c);
            contact_page(
                l,
                Tr(u.lang),
                (c.id, c.customer_id, c.version),
                &input,
                FormErrors::default(),
                vec![],
            )
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn contact_save(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ContactForm>,
) -> Response {
    let tr = Tr(u.lang);
    let version = f.version.trim().parse::<i32>().ok();
    let input = f.input();
    let current = match contacts::find(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    match contacts::update(&s.app, &u.ctx, id, &input, version).await {
        Ok(c) => Redirect::to(&format!(
            "/customers/{}?ok=contact_saved#contacts",
            c.customer_id
        ))
        .into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let l = contact_layout(&s, &u, &current.name).await;
            let keep = (id, current.customer_id, version.unwrap_or(current.version));
            contact_page(l, tr, keep, &input, FormErrors::from(&errs, tr), vec![])
        }
        // Someone saved it meanwhile: what was typed stays, with what changed and the new
        // version, so that saving again is a decision made knowingly.
        Err(AppError::Stale { version, changed }) => {
            let stale = changed
                .iter()
                .map(|(field, value)| {
                    let shown = match value {
                        serde_json::Value::Null => "—".to_string(),
                        serde_json::Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    let key = match field.as_str() {
                        "name" => "field.display_name".to_string(),
                        f => format!("field.{f}"),
                    };
                    format!("{}: {shown}", tr.t(&key))
                })
                .collect();
            let l = contact_layout(&s, &u, &current.name).await;
            let keep = (id, current.customer_id, version);
            contact_page(l, tr, keep, &input, FormErrors::default(), stale)
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Template)]
#[template(path = "record_edit.html")]
struct RecordPage {
    l: Layout,
    id: i64,
    customer_id: i64,
    f: RecordFormView,
}

async fn record_page(s: &AppState, u: &PageUser, id: i64, input: Option<RecordForm>) -> Response {
    let tr = Tr(u.lang);
    let (r, people) = match async {
        let r = records_uc::get(&s.app, &u.ctx, id).await?;
        let people = contacts::list(&s.app, &u.ctx, r.customer_id).await?;
        Ok::<_, AppError>((r, people))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let status = if input.as_ref().is_some_and(|f| f.errors.any()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = input.unwrap_or_else(|| RecordForm {
        input: RecordInput {
            kind: r.kind.as_str().to_string(),
            happened_at: r
                .happened_at
                .with_timezone(&s.app.config.time_zone)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            summary: r.summary.clone(),
            outcome: r.outcome.clone().unwrap_or_default(),
            next_step: r.next_step.clone().unwrap_or_default(),
            next_contact_on: r
                .next_contact_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            contact_ids: r.contacts.iter().map(|c| c.id).collect(),
        },
        errors: FormErrors::default(),
    });
    // The customer's contacts, and any removed one the record still names.
    let mut names: Vec<(i64, String)> = people.into_iter().map(|c| (c.id, c.name)).collect();
    for c in r.contacts.iter().filter(|c| c.removed) {
        names.push((c.id, tr.tf("record.contact_removed", &[("name", &c.name)])));
    }
    let mut l = Layout::for_user(s, &u.ctx, "customers", "page.edit_record").await;
    l.title = tr.t("page.edit_record").to_string();
    let page = RecordPage {
        l,
        id,
        customer_id: r.customer_id,
        f: records_view::form_view(tr, form, &names),
    };
    (status, render(&page)).into_response()
}

async fn record_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    record_page(&s, &u, id, None).await
}

async fn record_save(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let input = records_view::read_form(pairs);
    match records_uc::correct(&s.app, &u.ctx, id, &input).await {
        Ok(r) => Redirect::to(&format!(
            "/customers/{}?ok=record_saved#activity",
            r.customer_id
        ))
        .into_response(),
        Err(AppError::Validation(errs)) => {
            let form = RecordForm {
                input,
                errors: FormErrors::from(&errs, Tr(u.lang)),
            };
            record_page(&s, &u, id, Some(form)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Template)]
#[template(path = "record_delete.html")]
struct DeletePage {
    l: Layout,
    id: i64,
    customer_id: i64,
    r: RecordLine,
}

/// Says what deleting the record does before it is done.
async fn record_confirm(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    let tr = Tr(u.lang);
    let r = match records_uc::get(&s.app, &u.ctx, id).await {
        Ok(r) if r.can_delete => r,
        Ok(_) => return page_error(AppError::Forbidden, u.lang),
        Err(e) => return page_error(e, u.lang),
    };
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "page.delete_record").await;
    l.title = tr.t("page.delete_record").to_string();
    render(&DeletePage {
        l,
        id,
        customer_id: r.customer_id,
        r: records_view::line(tr, r),
    })
}

async fn record_delete(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    let customer = match records_uc::get(&s.app, &u.ctx, id).await {
        Ok(r) => r.customer_id,
        Err(e) => return page_error(e, u.lang),
    };
    match records_uc::delete(&s.app, &u.ctx, id).await {
        Ok(()) => Redirect::to(&format!("/customers/{customer}?ok=record_deleted#activity"))
            .into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
