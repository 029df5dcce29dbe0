//! The customer list (S4): search, filters, sort, saved filters, and reassigning many at once.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use salesdesk_app::customers::{self as uc, Customer, CustomerQuery, SORTS};
use salesdesk_app::{AppError, Page, choices, org, saved_filters};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::{CompanySize, CustomerStatus};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/filters", post(save_filter))
        .route("/customers/filters/{id}/delete", post(delete_filter))
}

struct Row<'a> {
    id: i64,
    name: &'a str,
    short_name: Option<&'a str>,
    status: &'static str,
    status_code: &'static str,
    owner: &'a str,
    place: String,
    last_contact: String,
    updated: String,
}

struct Saved {
    id: i64,
    name: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "customers_list.html")]
struct ListPage<'a> {
    l: Layout,
    can_create: bool,
    f: ListQuery,
    statuses: Vec<Choice<'static>>,
    types: Vec<Choice<'static>>,
    sources: Vec<Choice<'static>>,
    sizes: Vec<Choice<'static>>,
    regions: Vec<Choice<'static>>,
    owners: Vec<Choice<'static>>,
    idle: Vec<Choice<'static>>,
    sorts: Vec<Choice<'static>>,
    more_open: bool,
    rows: Vec<Row<'a>>,
    count_text: String,
    pager: Pager,
    query: String,
    saved: Vec<Saved>,
    /// The filter as `?…` for the export links.
    export_query: String,
    save_errors: FormErrors,
    reassign_to: Vec<Choice<'static>>,
}

/// The list's query string as typed. Everything is text, so that an empty `<select>` or a
/// hand-edited URL never turns into an error page: a value that means nothing is ignored.
#[derive(Debug, Default, Deserialize, Clone)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    type_code: String,
    #[serde(default)]
    source_code: String,
    #[serde(default)]
    size_code: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    incomplete: String,
    #[serde(default)]
    no_contact_days: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    page: Option<u64>,
    ok: Option<String>,
}

impl ListQuery {
    pub(crate) fn query(&self) -> CustomerQuery {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        CustomerQuery {
            q: some(&self.q),
            status: some(&self.status).filter(|s| CustomerStatus::parse(s).is_some()),
            region_id: self.region_id.trim().parse().ok(),
            owner_id: self.owner_id.trim().parse().ok(),
            type_code: some(&self.type_code),
            source_code: some(&self.source_code),
            size_code: some(&self.size_code).filter(|s| CompanySize::parse(s).is_some()),
            industry: some(&self.industry),
            province: some(&self.province),
            incomplete: on(&self.incomplete).then_some(true),
            no_contact_days: self
                .no_contact_days
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d)),
            contacted_days: None,
            review: on(&self.review).then_some(true),
            sort: some(&self.sort).filter(|s| SORTS.contains(&s.as_str())),
            dir: some(&self.dir).filter(|d| d == "asc" || d == "desc"),
        }
    }

    /// The canonical query string of the filter (no page): for links, paging and saving.
    fn encoded(&self) -> String {
        let q = self.query();
        query_string(&[
            ("q", q.q),
            ("status", q.status),
            ("type_code", q.type_code),
            ("source_code", q.source_code),
            ("size_code", q.size_code),
            ("region_id", q.region_id.map(|r| r.to_string())),
            ("owner_id", q.owner_id.map(|o| o.to_string())),
            ("province", q.province),
            ("industry", q.industry),
            ("incomplete", q.incomplete.map(|_| "true".to_string())),
            ("no_contact_days", q.no_contact_days.map(|d| d.to_string())),
            ("review", q.review.map(|_| "true".to_string())),
            ("sort", q.sort),
            ("dir", q.dir),
        ])
    }
}

/// A checkbox or flag in a query string: `1` from the page, `true` from the API's spelling.
fn on(v: &str) -> bool {
    v == "1" || v == "true"
}

impl ListQuery {
    /// For the template: is the "incomplete" box ticked, is this the review list.
    fn incomplete_on(&self) -> bool {
        on(&self.incomplete)
    }

    fn review_on(&self) -> bool {
        on(&self.review)
    }
}

fn place(c: &Customer) -> String {
    match (c.province.as_deref(), c.city.as_deref()) {
        (Some(p), Some(city)) if p != city => format!("{p} {city}"),
        (_, Some(city)) => city.to_string(),
        (Some(p), None) => p.to_string(),
        (None, None) => "—".into(),
    }
}

pub(super) async fn list(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(f): PageQuery<ListQuery>,
) -> Response {
    list_page(&s, &u, f, FormErrors::default()).await
}

async fn list_page(s: &AppState, u: &PageUser, f: ListQuery, save_errors: FormErrors) -> Response {
    let tr = Tr(u.lang);
    let lang = u.lang.code();
    let query = f.query();
    let loaded = async {
        Ok::<_, AppError>((
            uc::list(&s.app, &u.ctx, &query, Page::new(f.page, None)).await?,
            choices::all(&s.app).await?,
            uc::owner_choices(&s.app, &u.ctx).await?,
            saved_filters::list(&s.app, &u.ctx).await?,
        ))
    }
    .await;
    let (paged, lists, owners, saved) = match loaded {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let manager = !matches!(
        u.ctx.actor.data_scope(),
        DataScope::Own | DataScope::Nothing
    );
    let may_reassign = u
        .ctx
        .actor
        .can(salesdesk_domain::Capability::ManageCustomers);
    let regions = if manager {
        org::list(&s.app, &u.ctx).await.unwrap_or_default()
    } else {
        Default::default()
    };
    let encoded = f.encoded();
    let pick = |list: &str, current: &Option<String>| -> Vec<Choice<'static>> {
        lists
            .iter()
            .filter(|c| c.list == list && c.active)
            .map(|c| {
                let label = if lang == "en" { &c.name_en } else { &c.name_zh };
                Choice::new(
                    c.code.clone(),
                    label.clone(),
                    current.as_deref() == Some(c.code.as_str()),
                )
            })
            .collect()
    };
    let more_open = query.type_code.is_some()
        || query.source_code.is_some()
        || query.size_code.is_some()
        || query.region_id.is_some()
        || query.owner_id.is_some()
        || query.province.is_some()
        || query.industry.is_some()
        || query.incomplete.is_some()
        || query.no_contact_days.is_some();
    let page = ListPage {
        l: Layout::for_user(s, &u.ctx, "customers", "page.customers")
            .await
            .with_flash(f.ok.as_deref()),
        can_create: !matches!(u.ctx.actor.data_scope(), DataScope::Nothing),
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
        types: pick("type", &query.type_code),
        sources: pick("source", &query.source_code),
        sizes: CompanySize::ALL
            .into_iter()
            .map(|z| {
                Choice::new(
                    z.as_str(),
                    tr.t(&z.label_key()),
                    query.size_code.as_deref() == Some(z.as_str()),
                )
            })
            .collect(),
        regions: regions
            .iter()
            .map(|r| {
                Choice::id(
                    r.id,
                    r.name_in(lang).to_string(),
                    query.region_id == Some(r.id),
                )
            })
            .collect(),
        owners: owners
            .iter()
            .map(|(id, n)| Choice::id(*id, n.clone(), query.owner_id == Some(*id)))
            .collect(),
        idle: [7u32, 14, 30, 60, 90, 180]
            .into_iter()
            .map(|d| {
                Choice::new(
                    d.to_string(),
                    tr.tf("customers.idle_days", &[("n", &d.to_string())]),
                    query.no_contact_days == Some(d),
                )
            })
            .collect(),
        sorts: SORTS
            .iter()
            .map(|k| {
                Choice::new(
                    *k,
                    tr.t(&format!("customers.sort_{k}")),
                    query.sort.as_deref().unwrap_or("updated") == *k,
                )
            })
            .collect(),
        more_open,
        count_text: tr.tn(
            if paged.total_exact {
                "customers.count"
            } else {
                "customers.count_at_least"
            },
            paged.total,
            &[("n", &paged.total.to_string())],
        ),
        pager: Pager::new(&paged, "/customers", &encoded),
        saved: saved
            .into_iter()
            .map(|x| Saved {
                current: x.query == encoded,
                href: if x.query.is_empty() {
                    "/customers".into()
                } else {
                    format!("/customers?{}", x.query)
                },
                id: x.id,
                name: x.name,
            })
            .collect(),
        save_errors,
        reassign_to: if may_reassign {
            owners
                .into_iter()
                .map(|(id, n)| Choice::id(id, n, false))
                .collect()
        } else {
            vec![]
        },
        export_query: if encoded.is_empty() {
            String::new()
        } else {
            format!("?{encoded}")
        },
        query: encoded,
        f,
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
                last_contact: c
                    .last_contact_at
                    .map(fmt_time)
                    .unwrap_or_else(|| "—".into()),
                updated: fmt_time(c.updated_at),
            })
            .collect(),
    };
    let status = if page.save_errors.any() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    (status, render(&page)).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// Saves the list's current filter under a name.
async fn save_filter(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(form): PageForm<SaveForm>,
) -> Response {
    // Re-read the query so that only a filter the list understands is stored, canonically.
    let f: ListQuery = serde_urlencoded_lenient(&form.query);
    let encoded = f.encoded();
    match saved_filters::create(&s.app, &u.ctx, &form.name, &encoded).await {
        Ok(_) => {
            let sep = if encoded.is_empty() { "" } else { "&" };
            Redirect::to(&format!("/customers?{encoded}{sep}ok=filter_saved")).into_response()
        }
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            list_page(&s, &u, f, FormErrors::from(&errs, Tr(u.lang))).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn delete_filter(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match saved_filters::delete(&s.app, &u.ctx, id).await {
        Ok(()) => Redirect::to("/customers?ok=filter_deleted").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

/// Reads a query string into the list's filter; anything unreadable is an empty filter.
fn serde_urlencoded_lenient(q: &str) -> ListQuery {
    axum::extract::Query::<ListQuery>::try_from_uri(
        &format!("/?{}", q.trim_start_matches('?'))
            .parse()
            .unwrap_or_else(|_| axum::http::Uri::from_static("/")),
    )
    .map(|x| x.0)
    .unwrap_or_default()
}
