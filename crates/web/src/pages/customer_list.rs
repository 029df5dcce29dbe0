//! The customer list (S4): search, filters, sort, saved filters, and reassigning many at once.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use salesdesk_app::customers::{self as uc, Customer, CustomerQuery, FOLLOWUPS, SORTS};
use salesdesk_app::export::Labels;
use salesdesk_app::saved_filters::ListKind;
use salesdesk_app::{AppError, Page, choices, org};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::{CompanySize, CustomerStatus};
use serde::Deserialize;

use super::Choice;
use super::list_tools::{Exportable, ListFilter, ListTools};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

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

#[derive(Template)]
#[template(path = "customers_list.html")]
struct ListPage<'a> {
    l: Layout,
    can_create: bool,
    /// A manager: the list links to the recycle bin.
    can_restore: bool,
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
    /// Saved filters, the save form and the export links.
    tools: ListTools,
    reassign_to: Vec<Choice<'static>>,
    /// For an empty list: the filters in force, as "label: value" — empty when none is, and
    /// the list is empty because the person has no customers yet.
    applied: Vec<String>,
    /// The dashboard's filters in force (see [`figure_filters`]).
    figure: Vec<String>,
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
    created_from: String,
    #[serde(default)]
    followup: String,
    #[serde(default)]
    no_owner: String,
    #[serde(default)]
    requested_by: String,
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
            created_from: self.created_from.trim().parse().ok(),
            followup: some(&self.followup).filter(|f| FOLLOWUPS.contains(&f.as_str())),
            no_owner: on(&self.no_owner).then_some(true),
            requested_by: self.requested_by.trim().parse().ok(),
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
            ("created_from", q.created_from.map(|d| d.to_string())),
            ("followup", q.followup),
            ("no_owner", q.no_owner.map(|_| "true".to_string())),
            ("requested_by", q.requested_by.map(|p| p.to_string())),
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

    /// The dashboard's filters in force, as (field, value) for hidden form fields, so that
    /// refining a dashboard figure's list keeps what the figure counted.
    fn figure_fields(&self) -> Vec<(&'static str, String)> {
        let q = self.query();
        [
            ("created_from", q.created_from.map(|d| d.to_string())),
            ("followup", q.followup),
            ("no_owner", q.no_owner.map(|_| "true".to_string())),
            ("requested_by", q.requested_by.map(|p| p.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
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
            ListTools::load(s, u, ListKind::Customers, &f.encoded(), save_errors).await?,
        ))
    }
    .await;
    let (paged, lists, owners, tools) = match loaded {
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
    let name_of = |id: i64| {
        if id == u.ctx.actor.user_id {
            u.ctx.display_name.clone()
        } else {
            person_name(&owners, id)
        }
    };
    let applied = if paged.items.is_empty() {
        let choice = |list: &[Choice<'static>]| {
            list.iter()
                .find(|c| c.selected)
                .map(|c| c.label.to_string())
        };
        let named = Named {
            regions: choice(&regions_choices(&regions, lang, query.region_id)),
            owner: query.owner_id.map(|id| person_name(&owners, id)),
            requester: query.requested_by.map(&name_of),
            type_label: choice(&pick("type", &query.type_code)),
            source_label: choice(&pick("source", &query.source_code)),
        };
        applied_filters(tr, &query, &named)
    } else {
        vec![]
    };
    let figure = figure_filters(tr, &query, query.requested_by.map(name_of).as_deref());
    let page = ListPage {
        applied,
        figure,
        l: Layout::for_user(s, &u.ctx, "customers", "page.customers")
            .await
            .with_flash(f.ok.as_deref()),
        can_create: !matches!(u.ctx.actor.data_scope(), DataScope::Nothing),
        can_restore: u.ctx.actor.may_restore(),
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
        regions: regions_choices(&regions, lang, query.region_id),
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
        reassign_to: if may_reassign {
            owners
                .into_iter()
                .map(|(id, n)| Choice::id(id, n, false))
                .collect()
        } else {
            vec![]
        },
        tools,
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
    let status = if page.tools.save_errors.any() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    (status, render(&page)).into_response()
}

fn regions_choices(
    regions: &[salesdesk_app::org::Region],
    lang: &str,
    current: Option<i64>,
) -> Vec<Choice<'static>> {
    regions
        .iter()
        .map(|r| Choice::id(r.id, r.name_in(lang).to_string(), current == Some(r.id)))
        .collect()
}

/// A person's name from the owner choices, or their id when not among them (staff see no
/// owner choices: a filter on someone else matches nothing of theirs anyway).
fn person_name(owners: &[(i64, String)], id: i64) -> String {
    owners
        .iter()
        .find(|(o, _)| *o == id)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

/// Names of the values of the filters that name a region, a person or a list entry.
struct Named {
    regions: Option<String>,
    owner: Option<String>,
    requester: Option<String>,
    type_label: Option<String>,
    source_label: Option<String>,
}

/// The filters in force, as "label: value", for the message of an empty list (issue 10, point
/// 1): the user sees which filter left nothing, not a generic "no match". The search text and
/// sort are not filters of what exists, except the text, which is named first.
fn applied_filters(tr: Tr, q: &CustomerQuery, n: &Named) -> Vec<String> {
    let pair = |label: &str, value: String| {
        tr.tf(
            "customers.filter_pair",
            &[("label", tr.t(label)), ("value", &value)],
        )
    };
    let mut out = vec![];
    if let Some(text) = &q.q {
        out.push(tr.tf("customers.filter_text", &[("q", text)]));
    }
    if let Some(st) = q.status.as_deref().and_then(CustomerStatus::parse) {
        out.push(pair("field.status", tr.t(&st.label_key()).to_string()));
    }
    for (label, value) in [
        (
            "field.region",
            n.regions.clone().or(q.region_id.map(|r| format!("#{r}"))),
        ),
        ("field.owner_id", n.owner.clone()),
        (
            "field.type_code",
            n.type_label.clone().or(q.type_code.clone()),
        ),
        (
            "field.source_code",
            n.source_label.clone().or(q.source_code.clone()),
        ),
        (
            "field.size_code",
            q.size_code
                .as_deref()
                .and_then(CompanySize::parse)
                .map(|z| tr.t(&z.label_key()).to_string()),
        ),
        ("field.province", q.province.clone()),
        ("field.industry", q.industry.clone()),
    ] {
        if let Some(v) = value {
            out.push(pair(label, v));
        }
    }
    if q.incomplete == Some(true) {
        out.push(tr.t("customers.only_incomplete").to_string());
    }
    if let Some(d) = q.no_contact_days {
        out.push(tr.tf("customers.idle_days", &[("n", &d.to_string())]));
    }
    if q.review == Some(true) {
        out.push(tr.t("customers.review").to_string());
    }
    out.extend(figure_filters(tr, q, n.requester.as_deref()));
    out
}

/// The filters only the dashboard's links set (the form has no field for them): named above
/// the list so that a number's list says what it counts, and kept as hidden fields.
fn figure_filters(tr: Tr, q: &CustomerQuery, requester: Option<&str>) -> Vec<String> {
    let mut out = vec![];
    if let Some(d) = q.created_from {
        out.push(tr.tf("customers.filter_created_from", &[("date", &d.to_string())]));
    }
    match q.followup.as_deref() {
        Some("overdue") => out.push(tr.t("customers.filter_overdue").to_string()),
        Some("today") => out.push(tr.t("customers.filter_due_today").to_string()),
        _ => {}
    }
    if q.no_owner == Some(true) {
        out.push(tr.t("customers.filter_no_owner").to_string());
    }
    if let Some(name) = requester {
        out.push(tr.tf("customers.filter_requested_by", &[("name", name)]));
    }
    out
}

impl Exportable for ListQuery {
    const KIND: ListKind = ListKind::Customers;
    type Rows = salesdesk_app::export::CustomerRows;

    async fn export(
        &self,
        app: &salesdesk_app::App,
        ctx: &salesdesk_app::Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<salesdesk_app::export::Exporter, AppError> {
        salesdesk_app::export::open(app, ctx, &self.query(), Labels::new(tr)).await
    }
}

impl ListFilter for ListQuery {
    fn encoded(&self) -> String {
        ListQuery::encoded(self)
    }

    async fn page(self, s: &AppState, u: &PageUser, errors: FormErrors) -> Response {
        list_page(s, u, self, errors).await
    }
}
