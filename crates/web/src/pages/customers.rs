//! Customer pages: the list with search, the record, create and edit.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use salesdesk_app::customers::{self as uc, Customer, CustomerInput, CustomerQuery};
use salesdesk_app::{AppError, Page, org};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::CustomerStatus;
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, duplicate_detail, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list).post(create))
        .route("/customers/new", get(new_form))
        .route("/customers/{id}", get(show).post(update))
        .route("/customers/{id}/edit", get(edit_form))
}

struct Row<'a> {
    id: i64,
    name: &'a str,
    short_name: Option<&'a str>,
    status: &'static str,
    status_code: &'static str,
    owner: &'a str,
    place: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "customers_list.html")]
struct ListPage<'a> {
    l: Layout,
    can_create: bool,
    q: String,
    statuses: Vec<Choice<'static>>,
    rows: Vec<Row<'a>>,
    count_text: String,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<u64>,
    ok: Option<String>,
}

fn place(c: &Customer) -> String {
    match (c.province.as_deref(), c.city.as_deref()) {
        (Some(p), Some(city)) if p != city => format!("{p} {city}"),
        (_, Some(city)) => city.to_string(),
        (Some(p), None) => p.to_string(),
        (None, None) => "—".into(),
    }
}

async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let query = CustomerQuery {
        q: q.q.clone(),
        status: q
            .status
            .clone()
            .filter(|s| CustomerStatus::parse(s).is_some()),
        ..Default::default()
    };
    let paged = match uc::list(&s.app, &u.ctx, &query, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let base = query_string(&[("q", q.q.clone()), ("status", query.status.clone())]);
    let page = ListPage {
        l: Layout::for_user(&s, &u.ctx, "customers", "page.customers")
            .await
            .with_flash(q.ok.as_deref()),
        can_create: !matches!(u.ctx.actor.data_scope(), DataScope::Nothing),
        q: q.q.clone().unwrap_or_default(),
        statuses: CustomerStatus::ALL
            .iter()
            .map(|st| {
                Choice::new(
                    st.as_str(),
                    tr.t(&st.label_key()),
                    query.status.as_deref() == Some(st.as_str()),
                )
            })
            .collect(),
        count_text: tr.tf("customers.count", &[("n", &paged.total.to_string())]),
        pager: Pager::new(&paged, "/customers", &base),
        rows: paged
            .items
            .iter()
            .map(|c| Row {
                id: c.id,
                name: &c.name,
                short_name: c.short_name.as_deref(),
                status: tr.t(&c.status.label_key()),
                status_code: c.status.as_str(),
                owner: c.owner_name.as_deref().unwrap_or("—"),
                place: place(c),
                updated: fmt_time(c.updated_at),
            })
            .collect(),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "customer_show.html")]
struct ShowPage {
    l: Layout,
    c: Customer,
    status: &'static str,
    status_code: &'static str,
    region: String,
    place: String,
    created: String,
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let c = match uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    let regions = org::list(&s.app, &u.ctx).await.unwrap_or_default();
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "page.customers")
        .await
        .with_flash(q.ok.as_deref());
    l.title = c.name.clone();
    let address = [
        c.province.as_deref(),
        c.city.as_deref(),
        c.address.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    render(&ShowPage {
        status: tr.t(&c.status.label_key()),
        status_code: c.status.as_str(),
        region: c
            .region_id
            .and_then(|r| regions.iter().find(|x| x.id == r))
            .map(|r| r.name_in(tr.lang().code()).to_string())
            .unwrap_or_else(|| "—".into()),
        place: if address.is_empty() {
            "—".into()
        } else {
            address
        },
        created: fmt_time(c.created_at),
        c,
        l,
    })
}

/// One text field of the form.
struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    required: bool,
    multiline: bool,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    l: Layout,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    owners: Vec<Choice<'static>>,
    errors: FormErrors,
    duplicate: Option<String>,
    duplicate_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
struct CustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    background: String,
    #[serde(default)]
    owner_id: String,
}

impl CustomerForm {
    fn input(self, keep: Option<&CustomerInput>) -> CustomerInput {
        CustomerInput {
            name: self.name,
            short_name: self.short_name,
            uscc: self.uscc,
            website: self.website,
            email: self.email,
            phone: self.phone,
            province: self.province,
            city: self.city,
            address: self.address,
            industry: self.industry,
            background: self.background,
            region_id: keep.and_then(|k| k.region_id),
            owner_id: self
                .owner_id
                .trim()
                .parse()
                .ok()
                .or(keep.and_then(|k| k.owner_id)),
        }
    }
}

async fn form_page(
    s: &AppState,
    u: &PageUser,
    i: CustomerInput,
    id: Option<i64>,
    errors: FormErrors,
    dup: Option<(String, Option<i64>)>,
) -> Response {
    let tr = Tr(u.lang);
    let owners = match uc::owner_choices(&s.app, &u.ctx).await {
        Ok(o) => o,
        Err(e) => return page_error(e, u.lang),
    };
    let f =
        |name: &'static str, key: &'static str, value: &str, required: bool, multiline: bool| {
            Field {
                name,
                label: tr.t(key),
                value: value.to_string(),
                required,
                multiline,
            }
        };
    let fields = vec![
        f("name", "field.customer_name", &i.name, true, false),
        f(
            "short_name",
            "field.short_name",
            &i.short_name,
            false,
            false,
        ),
        f("uscc", "field.uscc", &i.uscc, false, false),
        f("website", "field.website", &i.website, false, false),
        f("email", "field.email", &i.email, false, false),
        f("phone", "field.phone", &i.phone, false, false),
        f("province", "field.province", &i.province, false, false),
        f("city", "field.city", &i.city, false, false),
        f("address", "field.address", &i.address, false, false),
        f("industry", "field.industry", &i.industry, false, false),
        f("background", "field.background", &i.background, false, true),
    ];
    let title = if id.is_some() {
        "page.edit_customer"
    } else {
        "page.new_customer"
    };
    let (duplicate, duplicate_id) = match dup {
        Some((d, id)) => (Some(d), id),
        None => (None, None),
    };
    let status = if errors.any() || duplicate.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        l: Layout::for_user(s, &u.ctx, "customers", title).await,
        action: id
            .map(|x| format!("/customers/{x}"))
            .unwrap_or_else(|| "/customers".into()),
        cancel: id
            .map(|x| format!("/customers/{x}"))
            .unwrap_or_else(|| "/customers".into()),
        fields,
        owners: owners
            .into_iter()
            .map(|(oid, name)| Choice::id(oid, name, Some(oid) == i.owner_id))
            .collect(),
        errors,
        duplicate,
        duplicate_id,
    };
    (status, render(&page)).into_response()
}

async fn new_form(State(s): State<AppState>, u: PageUser) -> Response {
    if matches!(u.ctx.actor.data_scope(), DataScope::Nothing) {
        return page_error(AppError::Forbidden, u.lang);
    }
    form_page(
        &s,
        &u,
        CustomerInput::default(),
        None,
        FormErrors::default(),
        None,
    )
    .await
}

async fn edit_form(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => {
            form_page(
                &s,
                &u,
                uc::input_of(&c),
                Some(id),
                FormErrors::default(),
                None,
            )
            .await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn save(s: AppState, u: PageUser, id: Option<i64>, form: CustomerForm) -> Response {
    let tr = Tr(u.lang);
    let current = match id {
        Some(id) => match uc::get(&s.app, &u.ctx, id).await {
            Ok(c) => Some(uc::input_of(&c)),
            Err(e) => return page_error(e, u.lang),
        },
        None => None,
    };
    let input = form.input(current.as_ref());
    let r = match id {
        Some(id) => uc::update(&s.app, &u.ctx, id, &input).await,
        None => uc::create(&s.app, &u.ctx, &input).await,
    };
    match r {
        Ok(c) => Redirect::to(&format!("/customers/{}?ok=customer_saved", c.id)).into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            form_page(&s, &u, input, id, FormErrors::from(&errs, tr), None).await
        }
        Err(AppError::Duplicate {
            owner_name,
            existing_id,
            ..
        }) => {
            let d = duplicate_detail(tr, owner_name.as_deref());
            form_page(
                &s,
                &u,
                input,
                id,
                FormErrors::default(),
                Some((d, existing_id)),
            )
            .await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<CustomerForm>,
) -> Response {
    save(s, u, None, f).await
}

async fn update(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<CustomerForm>,
) -> Response {
    save(s, u, Some(id), f).await
}
