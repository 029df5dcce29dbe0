//! The private calendar feed (issue 12 point 8): `GET /ical/<secret>.ics` (no login: the
//! secret is the key) renders the person's items as iCalendar (`domain::ical`); the account
//! page issues, re-issues and revokes the URL (`/account/calendar-feed`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::calendar_feed::{self, Feed, Item};
use salesdesk_domain::ical::{self, Calendar, Event, When};

use crate::AppState;
use crate::auth::PageUser;
use crate::error::page_error;
use crate::i18n::{Lang, Tr};
use crate::view::FormErrors;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ical/{file}", get(ics))
        .route("/account/calendar-feed", post(issue))
        .route("/account/calendar-feed/revoke", post(revoke))
}

/// `https://host` of the request, for links a calendar application opens outside the browser.
pub fn origin_of(s: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if s.web.secure_cookies || forwarded_https {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The feed as an iCalendar document, in the person's language.
pub fn render_feed(feed: &Feed, origin: &str) -> String {
    let tr = Tr(Lang::from_code(&feed.locale));
    let events = feed
        .items
        .iter()
        .map(|item| match item {
            Item::FollowUp {
                customer_id,
                customer,
                on,
            } => Event {
                uid: format!("followup-{customer_id}-{}@salesdesk", feed.user_id),
                when: When::Day(*on),
                summary: tr.tf("ical.followup", &[("customer", customer)]),
                description: Some(tr.t("ical.followup_hint").to_string()),
                url: Some(format!("{origin}/customers/{customer_id}")),
            },
            Item::TrialDeadline {
                trial_id,
                reference,
                company,
                at,
            } => Event {
                uid: format!("trial-deadline-{trial_id}@salesdesk"),
                when: When::At(*at, 15),
                summary: tr.tf(
                    "ical.trial_deadline",
                    &[("company", company), ("reference", reference)],
                ),
                description: Some(tr.t("ical.trial_deadline_hint").to_string()),
                url: Some(format!("{origin}/trials/{trial_id}")),
            },
            Item::PresalesCall {
                call_id,
                number,
                trial_id: _,
                reference,
                company,
                on,
            } => Event {
                uid: format!("presales-call-{call_id}@salesdesk"),
                when: When::Day(*on),
                summary: tr.tf(
                    "ical.presales_call",
                    &[
                        ("company", company),
                        ("n", &number.to_string()),
                        ("reference", reference),
                    ],
                ),
                description: Some(tr.t("ical.presales_call_hint").to_string()),
                url: Some(format!("{origin}/presales/{call_id}")),
            },
        })
        .collect();
    ical::write(&Calendar {
        name: tr.tf("ical.calendar_name", &[("name", &feed.display_name)]),
        stamp: feed.generated_at,
        events,
    })
}

async fn ics(
    State(s): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found\n").into_response();
    let Some(secret) = file.strip_suffix(".ics") else {
        return not_found();
    };
    match calendar_feed::feed(&s.app, secret).await {
        Ok(Some(feed)) => {
            let body = render_feed(&feed, &origin_of(&s, &headers));
            let mut r = body.into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"salesdesk.ics\""),
            );
            r
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error\n").into_response()
        }
    }
}

/// Issues a new URL and shows it once, on the account page (not redirected: the secret must
/// not travel in a URL the browser keeps in its history).
async fn issue(State(s): State<AppState>, u: PageUser, headers: HeaderMap) -> Response {
    match calendar_feed::issue(&s.app, &u.ctx).await {
        Ok(secret) => {
            let url = format!("{}/ical/{secret}.ics", origin_of(&s, &headers));
            super::account::account_page_with_feed(&s, &u, FormErrors::default(), None, Some(url))
                .await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn revoke(State(s): State<AppState>, u: PageUser) -> Response {
    match calendar_feed::revoke(&s.app, &u.ctx).await {
        Ok(_) => Redirect::to("/account?ok=calendar_feed_revoked").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}
