//! Turning use-case errors into responses: `application/problem+json` (RFC 9457) for the API, an
//! HTML error page for the browser. A 500 says only that something failed; the detail is logged
//! with the request id.

use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use salesdesk_app::AppError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::i18n::{Lang, Tr};

/// One problem with one field of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name as sent (`login`, `email`, …).
    pub field: String,
    /// Stable machine-readable reason (`error.required`, `error.email`, …).
    pub code: String,
    /// The reason in the user's language.
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:salesdesk:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary in the user's language.
    pub title: String,
    pub status: u16,
    /// Explanation in the user's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field problems (validation and conflicts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For a duplicate: the existing record's id, when the caller may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<i64>,
    /// For a stale write (`stale`): the record's version now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// For a stale write: each field that changed since the version sent, with its value now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<ChangedField>,
}

/// A field of a record as it is now, in a stale write's problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedField {
    pub field: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// The status, the problem type's last part, and the title key of an error.
fn classify(e: &AppError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AppError::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "problem.validation",
        ),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "problem.conflict"),
        AppError::Duplicate { .. } => (StatusCode::CONFLICT, "duplicate", "problem.duplicate"),
        AppError::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            "bad-credentials",
            "problem.bad_credentials",
        ),
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "problem.unauthenticated",
        ),
        AppError::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            "problem.throttled",
        ),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not-found", "problem.not_found"),
        AppError::Forbidden | AppError::ForbiddenFields(_) => {
            (StatusCode::FORBIDDEN, "forbidden", "problem.forbidden")
        }
        AppError::Stale { .. } => (StatusCode::CONFLICT, "stale", "problem.stale"),
        AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "problem.internal",
        ),
    }
}

/// An API error in the caller's language.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub lang: Lang,
}

impl ApiError {
    pub fn new(error: AppError, lang: Lang) -> ApiError {
        ApiError { error, lang }
    }
}

/// A problem that does not come from a use case (malformed JSON, bad path parameter, too large).
pub fn problem_response(
    status: StatusCode,
    kind: &str,
    title: String,
    detail: Option<String>,
) -> Response {
    let body = Problem {
        kind: format!("urn:salesdesk:problem:{kind}"),
        title,
        status: status.as_u16(),
        detail,
        errors: vec![],
        existing_id: None,
        current_version: None,
        changed: vec![],
    };
    with_problem_type((status, Json(body)).into_response())
}

fn with_problem_type(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let tr = Tr(self.lang);
        let (status, kind, title) = classify(&self.error);
        let mut detail = None;
        let mut existing = None;
        let mut stale = (None, vec![]);
        let errors = match &self.error {
            AppError::Stale { version, changed } => {
                detail = Some(tr.t("problem.stale_detail").to_string());
                stale = (
                    Some(*version),
                    changed
                        .iter()
                        .map(|(field, value)| ChangedField {
                            field: field.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                );
                vec![]
            }
            AppError::Duplicate {
                field,
                owner_name,
                existing_id,
            } => {
                existing = *existing_id;
                detail = Some(duplicate_detail(tr, owner_name.as_deref()));
                vec![FieldProblem {
                    field: field.to_string(),
                    code: "error.duplicate_customer".into(),
                    message: tr.t("error.duplicate_customer").to_string(),
                }]
            }
            AppError::Validation(errs)
            | AppError::Conflict(errs)
            | AppError::ForbiddenFields(errs) => errs
                .0
                .iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    code: e.code.to_string(),
                    message: tr.t(e.code).to_string(),
                })
                .collect(),
            AppError::Throttled {
                until,
                retry_after_secs,
            } => {
                detail = Some(throttled_message(tr, *until, *retry_after_secs));
                vec![]
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "request failed");
                vec![]
            }
            _ => vec![],
        };
        let body = Problem {
            kind: format!("urn:salesdesk:problem:{kind}"),
            title: tr.t(title).to_string(),
            status: status.as_u16(),
            detail,
            errors,
            existing_id: existing,
            current_version: stale.0,
            changed: stale.1,
        };
        let mut r = with_problem_type((status, Json(body)).into_response());
        if let AppError::Throttled {
            retry_after_secs, ..
        } = &self.error
        {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        r
    }
}

/// "Too many failed logins: try again in 8 seconds (after 14:05:30)." — the same words for
/// every login, known or not.
pub fn throttled_message(
    tr: Tr,
    until: chrono::DateTime<chrono::Utc>,
    retry_after_secs: u64,
) -> String {
    let wait = if retry_after_secs < 120 {
        tr.tn(
            "login_throttle.wait_seconds",
            retry_after_secs,
            &[("n", &retry_after_secs.to_string())],
        )
    } else {
        let m = retry_after_secs.div_ceil(60);
        tr.tn("login_throttle.wait_minutes", m, &[("n", &m.to_string())])
    };
    let at = until
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H:%M:%S")
        .to_string();
    tr.tf(
        "problem.throttled_until",
        &[("wait", wait.as_str()), ("until", at.as_str())],
    )
}

/// "Already on file, owned by 张伟" — the owner's name but nothing of the record itself.
pub fn duplicate_detail(tr: Tr, owner_name: Option<&str>) -> String {
    match owner_name {
        Some(o) => tr.tf("problem.duplicate_owned_by", &[("owner", o)]),
        None => tr.t("problem.duplicate_unowned").to_string(),
    }
}

/// The HTML page for an error that no form can show beside a field.
pub fn page_error(e: AppError, lang: Lang) -> Response {
    let tr = Tr(lang);
    let (status, _, title) = classify(&e);
    if let AppError::Internal(msg) = &e {
        tracing::error!(error = %msg, "page failed");
    }
    if matches!(e, AppError::Unauthenticated) {
        return axum::response::Redirect::to("/login").into_response();
    }
    let message = match &e {
        AppError::ForbiddenFields(errs) => errs
            .0
            .iter()
            .map(|f| tr.t(f.code))
            .collect::<Vec<_>>()
            .join(" "),
        _ => tr.t(title).to_string(),
    };
    let t = crate::pages::ErrorPage {
        l: crate::view::Layout::bare(lang, title),
        status: status.as_u16(),
        message,
    };
    (status, crate::view::render(&t)).into_response()
}

/// JSON body whose rejections are problem documents (400, 413, 415) instead of plain text.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(req.headers());
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej, lang)),
        }
    }
}

fn json_rejection(rej: JsonRejection, lang: Lang) -> Response {
    let tr = Tr(lang);
    let status = rej.status();
    let (kind, title) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "problem.too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "problem.unsupported_media_type")
        }
        _ => ("malformed", "problem.malformed"),
    };
    problem_response(status, kind, tr.t(title).to_string(), Some(rej.body_text()))
}

/// Path parameters: a malformed one (`/people/abc`) is simply "not found".
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(&parts.headers);
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(ApiError::new(AppError::NotFound, lang).into_response()),
        }
    }
}

/// Query string whose rejection is a 400 problem naming what was wrong.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(&parts.headers);
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(problem_response(
                StatusCode::BAD_REQUEST,
                "malformed-query",
                Tr(lang).t("problem.malformed").to_string(),
                Some(rej.body_text()),
            )),
        }
    }
}

/// Path parameters for pages: a malformed one shows the 404 page.
#[derive(Debug)]
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(&parts.headers);
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(_) => Err(page_error(AppError::NotFound, lang)),
        }
    }
}

/// Query string for pages: an unparsable one is treated as empty rather than failing the page.
#[derive(Debug)]
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(_) => Ok(PageQuery(T::default())),
        }
    }
}

/// Form body for pages; a malformed or oversized one gets a plain error page.
#[derive(Debug)]
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(req.headers());
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(rej) => {
                let status = match &rej {
                    FormRejection::BytesRejection(b) => b.status(),
                    other => other.status(),
                };
                let tr = Tr(lang);
                let key = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "problem.too_large"
                } else {
                    "problem.malformed"
                };
                let t = crate::pages::ErrorPage {
                    l: crate::view::Layout::bare(lang, key),
                    status: status.as_u16(),
                    message: tr.t(key).to_string(),
                };
                Err((status, crate::view::render(&t)).into_response())
            }
        }
    }
}

/// Renders a template into an HTML response, or a logged 500.
pub fn html(r: Result<String, askama::Error>) -> Response {
    match r {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
