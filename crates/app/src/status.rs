//! Customer status changes (seed S4.3, S4.4): requested with evidence by the account manager,
//! approved or rejected by the sales manager; only then does the status change. The requests
//! are the customer's status history.

use salesdesk_domain::customer::{
    CustomerStatus, Evidence, InvalidReason, TransitionError, check_transition, may_approve,
};
use salesdesk_domain::{FieldError, FieldErrors, validate};
use salesdesk_store::customers as cstore;
use salesdesk_store::status_requests::{self as store, NewRequest};
use salesdesk_store::{audit, notifications, users};
use serde::Serialize;
use serde_json::json;

use crate::customers::visible;
use crate::{App, AppError, Ctx, Result};

/// A request as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRequest {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub from_status: CustomerStatus,
    pub to_status: CustomerStatus,
    pub need: Option<String>,
    pub budget: Option<String>,
    pub timeline: Option<String>,
    pub negotiation: Option<String>,
    pub invalid_reason: Option<InvalidReason>,
    pub note: Option<String>,
    pub requested_by: i64,
    pub requested_by_name: String,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub decided_by_name: Option<String>,
    pub decision_comment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the person asking may decide it now.
    pub can_decide: bool,
}

/// What the requester sends.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub to_status: String,
    pub need: String,
    pub budget: String,
    pub timeline: String,
    pub negotiation: String,
    pub invalid_reason: String,
    pub note: String,
}

/// The longest piece of evidence or note (characters), stated by the form.
pub const MAX_EVIDENCE: usize = 2000;

fn text(field: &str, s: &str, errs: &mut FieldErrors) -> Option<String> {
    errs.take(validate::optional_text(field, s, MAX_EVIDENCE))
        .flatten()
}

async fn views(
    app: &App,
    ctx: &Ctx,
    list: Vec<store::StatusRequest>,
) -> Result<Vec<StatusRequest>> {
    let mut ids: Vec<i64> = list
        .iter()
        .flat_map(|r| [Some(r.requested_by), r.decided_by])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::by_ids(app.db.read(), &ids).await?;
    let regions = salesdesk_store::regions::list(app.db.read()).await?;
    let name = |id: i64| {
        people
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.clone())
    };
    let mut customer_ids: Vec<i64> = list.iter().map(|r| r.customer_id).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let names = cstore::names(app.db.read(), &customer_ids).await?;
    let mut out = vec![];
    for r in list {
        let customer_name = names
            .iter()
            .find(|(id, _)| *id == r.customer_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let requester = people.iter().find(|u| u.id == r.requested_by);
        let can_decide = r.state == "pending"
            && requester.is_some_and(|u| {
                let region = u.region_id.map(|id| region_of(&regions, id));
                may_approve(&ctx.actor, u.manager_id, region, u.id)
            });
        out.push(StatusRequest {
            id: r.id,
            customer_id: r.customer_id,
            customer_name,
            from_status: CustomerStatus::parse(&r.from_status).unwrap_or(CustomerStatus::Lead),
            to_status: CustomerStatus::parse(&r.to_status).unwrap_or(CustomerStatus::Lead),
            need: r.need,
            budget: r.budget,
            timeline: r.timeline,
            negotiation: r.negotiation,
            invalid_reason: r.invalid_reason.as_deref().and_then(InvalidReason::parse),
            note: r.note,
            requested_by: r.requested_by,
            requested_by_name: name(r.requested_by).unwrap_or_default(),
            state: r.state,
            decided_by_name: r.decided_by.and_then(name),
            decision_comment: r.decision_comment,
            created_at: r.created_at,
            decided_at: r.decided_at,
            can_decide,
        });
    }
    Ok(out)
}

/// Asks for a customer's status to change. The evidence the seed requires is checked now
/// (basic: need, budget and timeline; potential: the negotiation; invalid: a reason); the status
/// itself changes only when a manager approves. One request may be pending per customer.
pub async fn request(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    input: &RequestInput,
) -> Result<StatusRequest> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let r = request_on(app, ctx, &tx, &v, customer_id, input).await?;
    app.db.commit(tx).await?;
    Ok(views(app, ctx, vec![r]).await?.remove(0))
}

/// [`request`] inside the caller's transaction (a trial's conversion asks for the customer's
/// new status in the same transaction as its own step).
pub(crate) async fn request_on(
    _app: &App,
    ctx: &Ctx,
    tx: &impl salesdesk_store::Conn,
    v: &salesdesk_store::customers::Visible,
    customer_id: i64,
    input: &RequestInput,
) -> Result<store::StatusRequest> {
    // Requests for one customer queue here; the index `ux_status_requests_pending` holds the
    // one-pending rule in any case (a violation answers as the check below does).
    cstore::lock(tx, customer_id).await?;
    let customer = cstore::get(tx, customer_id, v)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = CustomerStatus::parse(&customer.status).unwrap_or(CustomerStatus::Lead);
    let mut errs = FieldErrors::new();
    let to = CustomerStatus::parse(input.to_status.trim());
    if to.is_none() {
        errs.push(FieldError::new("to_status", "error.invalid_choice"));
    }
    let invalid_reason = match input.invalid_reason.trim() {
        "" => None,
        code => match InvalidReason::parse(code) {
            Some(r) => Some(r),
            None => {
                errs.push(FieldError::new("invalid_reason", "error.invalid_choice"));
                None
            }
        },
    };
    let evidence = Evidence {
        need: text("need", &input.need, &mut errs),
        budget: text("budget", &input.budget, &mut errs),
        timeline: text("timeline", &input.timeline, &mut errs),
        negotiation: text("negotiation", &input.negotiation, &mut errs),
        invalid_reason,
        note: text("note", &input.note, &mut errs),
    };
    if let Some(to) = to {
        match check_transition(from, to, &evidence) {
            Ok(()) => {}
            Err(TransitionError::Forbidden { .. }) => {
                errs.push(FieldError::new(
                    "to_status",
                    TransitionError::FORBIDDEN_CODE,
                ));
            }
            Err(TransitionError::MissingEvidence(missing)) => errs.0.extend(missing.0),
        }
    }
    errs.into_result()?;
    let to = to.unwrap_or(from);
    if store::pending_for(tx, customer_id).await?.is_some() {
        return Err(AppError::conflict("to_status", "error.request_pending"));
    }
    let r = store::insert(
        tx,
        NewRequest {
            customer_id,
            from_status: from.as_str().into(),
            to_status: to.as_str().into(),
            need: evidence.need,
            budget: evidence.budget,
            timeline: evidence.timeline,
            negotiation: evidence.negotiation,
            invalid_reason: evidence.invalid_reason.map(|r| r.as_str().to_string()),
            note: evidence.note,
            requested_by: ctx.actor.user_id,
        },
    )
    .await?;
    audit::insert(
        tx,
        ctx.audit(
            "customer.status_request",
            "customer",
            Some(customer_id),
            Some(json!({"status": from.as_str()})),
            Some(json!({"requested_status": to.as_str()})),
        ),
    )
    .await?;
    // The requester's manager is the one who decides; tell them.
    if let Some(me) = users::get(tx, ctx.actor.user_id).await?
        && let Some(manager) = me.manager_id
    {
        notifications::insert_about(
            tx,
            manager,
            "status_request",
            json!({"who": ctx.display_name, "customer": customer.name, "to": to.as_str()}),
            Some(format!("/customers/{customer_id}")),
            Some(("status_request", r.id)),
        )
        .await?;
    }
    Ok(r)
}

/// Approves or rejects a pending request. Only someone `may_approve` allows (the requester's
/// manager, their region's manager, the director or the VP — never the requester) may decide; a
/// rejection needs a comment. On approval the status changes in the same transaction.
pub async fn decide(
    app: &App,
    ctx: &Ctx,
    request_id: i64,
    approve: bool,
    comment: &str,
) -> Result<StatusRequest> {
    let v = visible(app, ctx).await?;
    let tx = app.db.begin().await?;
    let r = store::get(&tx, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = cstore::get(&tx, r.customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let requester = users::get(&tx, r.requested_by)
        .await?
        .ok_or(AppError::NotFound)?;
    let region = match requester.region_id {
        Some(id) => Some(region_of(&salesdesk_store::regions::list(&tx).await?, id)),
        None => None,
    };
    if !may_approve(&ctx.actor, requester.manager_id, region, requester.id) {
        return Err(AppError::Forbidden);
    }
    if r.state != "pending" {
        return Err(AppError::conflict("state", "error.request_decided"));
    }
    let comment = validate::optional_text("comment", comment, 2000)
        .map_err(|e| AppError::Validation(FieldErrors(vec![e])))?;
    if !approve && comment.is_none() {
        return Err(AppError::field("comment", "error.reject_needs_comment"));
    }
    if approve && customer.status != r.from_status {
        return Err(AppError::conflict("state", "error.status_changed_since"));
    }
    let t = salesdesk_store::now();
    let state = if approve { "approved" } else { "rejected" };
    if !store::decide(&tx, r.id, state, ctx.actor.user_id, comment.clone(), t).await? {
        return Err(AppError::conflict("state", "error.request_decided"));
    }
    // Conditional on the status the request was made from: of two decisions racing on one
    // customer, the second finds the status moved and is refused.
    if approve && !cstore::set_status(&tx, customer.id, &r.from_status, &r.to_status, t).await? {
        return Err(AppError::conflict("state", "error.status_changed_since"));
    }
    if approve {
        audit::insert(
            &tx,
            ctx.audit(
                "customer.status_change",
                "customer",
                Some(customer.id),
                Some(json!({"status": r.from_status})),
                Some(json!({"status": r.to_status, "request_id": r.id})),
            ),
        )
        .await?;
    }
    audit::insert(
        &tx,
        ctx.audit(
            "customer.status_decision",
            "customer",
            Some(customer.id),
            None,
            Some(json!({"request_id": r.id, "decision": state, "comment": comment})),
        ),
    )
    .await?;
    // The notifications that asked for this decision are done, whoever decided.
    notifications::mark_done(&tx, "status_request", r.id).await?;
    notifications::insert(
        &tx,
        r.requested_by,
        if approve { "status_approved" } else { "status_rejected" },
        json!({"who": ctx.display_name, "customer": customer.name, "to": r.to_status, "comment": comment.clone().unwrap_or_default()}),
        Some(format!("/customers/{}", customer.id)),
    )
    .await?;
    app.db.commit(tx).await?;
    let updated = store::get(app.db.read(), r.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views(app, ctx, vec![updated]).await?.remove(0))
}

/// A customer's requests, newest first (its status history).
pub async fn history(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Vec<StatusRequest>> {
    let v = visible(app, ctx).await?;
    cstore::get(app.db.read(), customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = store::for_customer(app.db.read(), customer_id).await?;
    views(app, ctx, list).await
}

/// The region a person works in for approvals: a branch office counts as its region, so the
/// regional manager approves the requests of everyone in the region's branches too (S4.4).
fn region_of(regions: &[salesdesk_store::regions::Region], id: i64) -> i64 {
    regions
        .iter()
        .find(|r| r.id == id)
        .map(salesdesk_store::regions::top_of)
        .unwrap_or(id)
}

/// The pending requests this person may decide, oldest first: the manager's queue.
pub async fn queue(app: &App, ctx: &Ctx) -> Result<Vec<StatusRequest>> {
    let v = visible(app, ctx).await?;
    let list = store::pending_visible(app.db.read(), &v).await?;
    Ok(views(app, ctx, list)
        .await?
        .into_iter()
        .filter(|r| r.can_decide)
        .collect())
}

/// The customer a request is about, if the actor may see it (for pages that return to it).
pub async fn customer_of(app: &App, ctx: &Ctx, request_id: i64) -> Result<i64> {
    let v = visible(app, ctx).await?;
    let r = store::get(app.db.read(), request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    cstore::get(app.db.read(), r.customer_id, &v)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(r.customer_id)
}
