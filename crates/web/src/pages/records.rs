//! Contact-record pages: the record form and timeline on the customer page, the full timeline,
//! the follow-up list (待跟进), and reassigning customers.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::AppError;
use salesdesk_app::Page;
use salesdesk_app::customers as customers_uc;
use salesdesk_app::records::{self as uc, Due, Record, RecordInput};
use salesdesk_domain::DataScope;
use salesdesk_domain::customer::ContactKind;
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, query_string, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/{id}/records", get(timeline).post(create))
        .route("/customers/{id}/reassign", post(reassign_one))
        .route("/customers/reassign", post(reassign_many))
        .route("/followups", get(followups))
        .route("/customers/{id}/merge", get(merge_page).post(merge))
}

struct Candidate {
    id: i64,
    name: String,
    owner: String,
    status: &'static str,
    /// The same name with the place moved or bracketed (`customers::likely_duplicates`).
    likely: bool,
}

/// The confirmation step of a merge: what disappears and what moves (issue 10, point 4).
struct MergeConfirm {
    id: i64,
    name: String,
    owner: String,
    status: &'static str,
    /// "「X」将并入「Y」…" — what will happen, in numbers.
    what: String,
    notified: Option<String>,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    l: Layout,
    id: i64,
    keep_name: String,
    keep_status: &'static str,
    keep_owner: String,
    q: String,
    candidates: Vec<Candidate>,
    confirm: Option<MergeConfirm>,
}

#[derive(Debug, Default, Deserialize)]
struct MergeQuery {
    #[serde(default)]
    q: String,
    /// The record chosen for merging: the page then asks to confirm.
    #[serde(default)]
    duplicate_id: String,
}

/// Finds the duplicate to merge into this customer (managers).
async fn merge_page(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<MergeQuery>,
) -> Response {
    if !u
        .ctx
        .actor
        .can(salesdesk_domain::Capability::ManageCustomers)
    {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let c = match customers_uc::get(&s.app, &u.ctx, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, u.lang),
    };
    // Without a query, look for records whose name shares the first characters.
    let term = if q.q.trim().is_empty() {
        c.short_name
            .clone()
            .unwrap_or_else(|| c.name.chars().take(4).collect())
    } else {
        q.q.trim().to_string()
    };
    let query = salesdesk_app::customers::CustomerQuery {
        q: Some(term.clone()),
        ..Default::default()
    };
    let found = match customers_uc::list(&s.app, &u.ctx, &query, Page::new(Some(1), Some(20))).await
    {
        Ok(f) => f,
        Err(e) => return page_error(e, u.lang),
    };
    // Likely duplicates first (the same name with the place moved), then what the search found.
    let likely = match customers_uc::likely_duplicates(&s.app, &u.ctx, &c.name, Some(id)).await {
        Ok(l) => l,
        Err(e) => return page_error(e, u.lang),
    };
    let likely_ids: Vec<i64> = likely.iter().map(|x| x.id).collect();
    let candidates = likely
        .iter()
        .chain(found.items.iter().filter(|x| !likely_ids.contains(&x.id)))
        .filter(|x| x.id != id)
        .map(|x| Candidate {
            id: x.id,
            name: x.name.clone(),
            owner: x.owner_name.clone().unwrap_or_else(|| "—".into()),
            status: tr.t(&x.status.label_key()),
            likely: likely_ids.contains(&x.id),
        })
        .collect();
    let confirm = match q.duplicate_id.trim().parse::<i64>() {
        Ok(dup) if dup != id => match merge_confirm(&s, &u, tr, &c, dup).await {
            Ok(x) => Some(x),
            Err(e) => return page_error(e, u.lang),
        },
        _ => None,
    };
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "page.merge").await;
    l.title = format!("{} · {}", tr.t("page.merge"), c.name);
    render(&MergePage {
        l,
        id,
        keep_name: c.name.clone(),
        keep_status: tr.t(&c.status.label_key()),
        keep_owner: c.owner_name.clone().unwrap_or_else(|| "—".into()),
        q: term,
        candidates,
        confirm,
    })
    .into_response()
}

/// What merging `dup` into `keep` will do, read from both records as the merger sees them.
async fn merge_confirm(
    s: &AppState,
    u: &PageUser,
    tr: Tr,
    keep: &salesdesk_app::customers::Customer,
    dup: i64,
) -> Result<MergeConfirm, AppError> {
    let d = customers_uc::get(&s.app, &u.ctx, dup).await?;
    let contacts = salesdesk_app::contacts::list(&s.app, &u.ctx, dup)
        .await?
        .len();
    let records = salesdesk_app::records::list(&s.app, &u.ctx, dup, Page::new(Some(1), Some(1)))
        .await?
        .total;
    let what = tr.tf(
        "merge.confirm_what",
        &[
            ("name", d.name.as_str()),
            ("into", keep.name.as_str()),
            ("contacts", &contacts.to_string()),
            ("records", &records.to_string()),
        ],
    );
    let notified = d
        .owner_id
        .filter(|o| *o != u.ctx.actor.user_id)
        .and(d.owner_name.clone())
        .map(|n| tr.tf("merge.confirm_notified", &[("name", n.as_str())]));
    Ok(MergeConfirm {
        id: d.id,
        name: d.name.clone(),
        owner: d.owner_name.clone().unwrap_or_else(|| "—".into()),
        status: tr.t(&d.status.label_key()),
        what,
        notified,
    })
}

#[derive(Debug, Default, Deserialize)]
struct MergeForm {
    #[serde(default)]
    duplicate_id: String,
    /// Set by the confirmation step's button; without it the form leads to that step.
    #[serde(default)]
    confirm: String,
}

async fn merge(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MergeForm>,
) -> Response {
    let Ok(dup) = f.duplicate_id.trim().parse::<i64>() else {
        return Redirect::to(&format!("/customers/{id}/merge")).into_response();
    };
    if f.confirm != "yes" {
        return Redirect::to(&format!("/customers/{id}/merge?duplicate_id={dup}")).into_response();
    }
    match customers_uc::merge(&s.app, &u.ctx, id, dup).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}?ok=merged")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

/// One record as the timeline shows it.
pub struct RecordLine {
    pub id: i64,
    /// The reader may still correct it / delete it (links shown).
    pub can_edit: bool,
    pub can_delete: bool,
    /// "edited 2026-11-27 14:05" when its author corrected it.
    pub edited: Option<String>,
    pub at: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub author: String,
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_contact_on: Option<String>,
    pub contacts: String,
}

pub fn line(tr: Tr, r: Record) -> RecordLine {
    RecordLine {
        id: r.id,
        can_edit: r.can_edit,
        can_delete: r.can_delete,
        edited: r
            .edited_at
            .map(|t| tr.tf("records.edited_at", &[("at", &fmt_time(t))])),
        at: fmt_time(r.happened_at),
        kind: tr.t(&r.kind.label_key()),
        kind_code: r.kind.as_str(),
        author: r.author_name.unwrap_or_else(|| "—".into()),
        summary: r.summary,
        outcome: r.outcome,
        next_step: r.next_step,
        next_contact_on: r.next_contact_on.map(|d| d.format("%Y-%m-%d").to_string()),
        contacts: r
            .contacts
            .into_iter()
            .map(|c| {
                if c.removed {
                    tr.tf("record.contact_removed", &[("name", &c.name)])
                } else {
                    c.name
                }
            })
            .collect::<Vec<_>>()
            .join(tr.t("punct.list_sep")),
    }
}

/// The record form as the customer page shows it (again, with errors, after a mistake).
#[derive(Default)]
pub struct RecordForm {
    pub input: RecordInput,
    pub errors: FormErrors,
}

/// What the customer page needs to show the form.
pub struct RecordFormView {
    pub kinds: Vec<Choice<'static>>,
    /// (id, name, checked) of the customer's contacts.
    pub people: Vec<(i64, String, bool)>,
    pub happened_at: String,
    pub summary: String,
    pub outcome: String,
    pub next_step: String,
    pub next_contact_on: String,
    pub errors: FormErrors,
    /// The limits the text areas state and enforce (`maxlength`).
    pub max_summary: usize,
    pub max_outcome: usize,
    pub max_next_step: usize,
}

pub fn form_view(tr: Tr, f: RecordForm, people: &[(i64, String)]) -> RecordFormView {
    let i = f.input;
    let kind = if i.kind.is_empty() {
        "call"
    } else {
        i.kind.as_str()
    };
    RecordFormView {
        kinds: ContactKind::ALL
            .into_iter()
            .map(|k| Choice::new(k.as_str(), tr.t(&k.label_key()), k.as_str() == kind))
            .collect(),
        people: people
            .iter()
            .map(|(id, n)| (*id, n.clone(), i.contact_ids.contains(id)))
            .collect(),
        happened_at: i.happened_at,
        summary: i.summary,
        outcome: i.outcome,
        next_step: i.next_step,
        next_contact_on: i.next_contact_on,
        errors: f.errors,
        max_summary: uc::MAX_SUMMARY,
        max_outcome: uc::MAX_OUTCOME,
        max_next_step: uc::MAX_NEXT_STEP,
    }
}

/// Reads the record form. Contacts come as repeated `contact_ids` checkboxes, which a plain
/// struct cannot hold, so the pairs are read one by one.
pub(super) fn read_form(pairs: Vec<(String, String)>) -> RecordInput {
    let mut i = RecordInput::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => i.kind = v,
            "happened_at" => i.happened_at = v,
            "summary" => i.summary = v,
            "outcome" => i.outcome = v,
            "next_step" => i.next_step = v,
            "next_contact_on" => i.next_contact_on = v,
            "contact_ids" => {
                if let Ok(id) = v.trim().parse() {
                    i.contact_ids.push(id);
                }
            }
            _ => {}
        }
    }
    i
}

async fn create(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let input = read_form(pairs);
    match uc::create(&s.app, &u.ctx, id, &input).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}?ok=record_saved#activity")).into_response(),
        Err(AppError::Validation(errs)) => {
            let form = RecordForm {
                input,
                errors: FormErrors::from(&errs, Tr(u.lang)),
            };
            super::customers::show_with_record_form(&s, &u, id, form).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Template)]
#[template(path = "records.html")]
struct TimelinePage {
    l: Layout,
    customer_id: i64,
    records: Vec<RecordLine>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
struct PageParam {
    page: Option<u64>,
}

async fn timeline(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<PageParam>,
) -> Response {
    let tr = Tr(u.lang);
    let (c, paged) = match async {
        Ok::<_, AppError>((
            customers_uc::get(&s.app, &u.ctx, id).await?,
            uc::list(&s.app, &u.ctx, id, Page::new(q.page, None)).await?,
        ))
    }
    .await
    {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, &format!("/customers/{id}/records"), "");
    let mut l = Layout::for_user(&s, &u.ctx, "customers", "records.title").await;
    l.title = format!("{} · {}", c.name, tr.t("records.title"));
    render(&TimelinePage {
        l,
        customer_id: id,
        records: paged.items.into_iter().map(|r| line(tr, r)).collect(),
        pager,
    })
    .into_response()
}

struct FollowLine {
    id: i64,
    name: String,
    status: &'static str,
    status_code: &'static str,
    owner: String,
    due_on: String,
    due_code: &'static str,
    due_text: String,
    last_contact: String,
}

#[derive(Template)]
#[template(path = "followups.html")]
struct FollowPage {
    l: Layout,
    rows: Vec<FollowLine>,
    /// The reader's pre-sales calls due this week (S5.2), beside the customers due.
    calls: Vec<super::presales::CallLine>,
    pager: Pager,
    team: bool,
    can_team: bool,
}

#[derive(Debug, Default, Deserialize)]
struct FollowQuery {
    page: Option<u64>,
    team: Option<String>,
}

async fn followups(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<FollowQuery>,
) -> Response {
    let tr = Tr(u.lang);
    let can_team = !matches!(
        u.ctx.actor.data_scope(),
        DataScope::Own | DataScope::Nothing
    );
    let team = can_team && q.team.as_deref() == Some("1");
    let paged = match uc::followups(&s.app, &u.ctx, team, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let base = query_string(&[("team", team.then(|| "1".to_string()))]);
    let pager = Pager::new(&paged, "/followups", &base);
    let rows = paged
        .items
        .into_iter()
        .map(|f| {
            let days = f.days.unsigned_abs();
            let n = days.to_string();
            let (due_code, due_text) = match f.due {
                Due::Overdue => (
                    "overdue",
                    tr.tn("followups.overdue_days", days, &[("n", &n)]),
                ),
                Due::Today => ("today", tr.t("followups.today").to_string()),
                Due::Upcoming => ("upcoming", tr.tn("followups.in_days", days, &[("n", &n)])),
            };
            FollowLine {
                id: f.customer.id,
                status: tr.t(&f.customer.status.label_key()),
                status_code: f.customer.status.as_str(),
                owner: f.customer.owner_name.clone().unwrap_or_else(|| "—".into()),
                name: f.customer.name,
                due_on: f.due_on.format("%Y-%m-%d").to_string(),
                due_code,
                due_text,
                last_contact: f
                    .customer
                    .last_contact_at
                    .map(fmt_time)
                    .unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    let l = Layout::for_user(&s, &u.ctx, "followups", "page.followups").await;
    let calls = match salesdesk_app::presales::due_for(&s.app, &u.ctx).await {
        Ok(c) => super::presales::call_lines(tr, c),
        Err(e) => return page_error(e, u.lang),
    };
    render(&FollowPage {
        l,
        rows,
        calls,
        pager,
        team,
        can_team,
    })
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct ReassignForm {
    #[serde(default)]
    owner_id: String,
}

async fn reassign_one(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReassignForm>,
) -> Response {
    let Ok(owner) = f.owner_id.trim().parse::<i64>() else {
        return Redirect::to(&format!("/customers/{id}?ok=nothing_changed#activity"))
            .into_response();
    };
    match customers_uc::reassign(&s.app, &u.ctx, &[id], owner).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}?ok=reassigned#activity")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

/// From the list: checked customers (`ids`, repeated) to the chosen owner.
async fn reassign_many(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let mut ids = vec![];
    let mut owner = None;
    let mut back = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "ids" => ids.extend(v.trim().parse::<i64>().ok()),
            "owner_id" => owner = v.trim().parse::<i64>().ok(),
            "back" => back = v,
            _ => {}
        }
    }
    // Only a query string of our own list may be returned to.
    let back = if back.starts_with('?') && !back.contains("//") {
        back
    } else {
        String::new()
    };
    let sep = if back.is_empty() { "?" } else { "&" };
    let (Some(owner), false) = (owner, ids.is_empty()) else {
        return Redirect::to(&format!("/customers{back}{sep}ok=nothing_selected")).into_response();
    };
    match customers_uc::reassign(&s.app, &u.ctx, &ids, owner).await {
        Ok(_) => Redirect::to(&format!("/customers{back}{sep}ok=reassigned")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
