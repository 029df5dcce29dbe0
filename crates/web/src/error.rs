//! Turning use-case errors into responses: `application/problem+json` (RFC 9457) for the API, an
//! HTML error page for the browser. A 500 says only that something failed; the detail is logged
//! with the request id.

use axum::Json;
use axum::extract::rejection::FormRejection;
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

/// An RFC 9457 problem document (`application/problem+json`): every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:salesdesk:problem:validation`
    /// (docs/API-DESIGN.md lists them).
    #[serde(rename = "type")]
    #[schema(pattern = "^urn:salesdesk:problem:[a-z-]+$")]
    pub kind: String,
    /// Short summary in the user's language.
    pub title: String,
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// Explanation in the user's language (absent when the title says it all).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// Per-field problems (validation, malformed bodies, conflicts); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldProblem>,
    /// For a duplicate: the existing record's id, when the caller may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub existing_id: Option<i64>,
    /// For a duplicate: true when the existing record is archived (in the recycle bin); it is
    /// restored (`POST /customers/{existing_id}/restore`, managers) rather than created again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    pub existing_archived: bool,
    /// For a stale write (`stale`): the record's version now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// For a stale write: each field that changed since the version sent, with its value now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<ChangedField>,
    /// For a likely duplicate (`likely-duplicate`): the customers the new one probably is,
    /// each with why. Send the request again with `"distinct": true` to save it anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub likely_duplicates: Vec<LikelyDuplicate>,
}

/// A customer that a new one probably duplicates (issue 10, point 5).
#[derive(Debug, Serialize, ToSchema)]
pub struct LikelyDuplicate {
    /// Given only when the caller may open that customer; otherwise only its name and owner
    /// are told.
    pub id: Option<i64>,
    pub name: String,
    /// Its account manager (absent: in the pool or unassigned).
    pub owner_name: Option<String>,
    /// What the two share, at least one.
    pub reasons: Vec<LikelyReason>,
}

/// One thing a new customer shares with an existing one.
#[derive(Debug, Serialize, ToSchema)]
pub struct LikelyReason {
    /// `name` (the same name with the place moved or bracketed), `phone`, `web` (web domain) or
    /// `mail` (e-mail domain; free mail providers never count).
    #[schema(pattern = "^(name|phone|web|mail)$")]
    pub reason: String,
    /// The new record's value that matched, as sent (`021-6234 5678`).
    pub value: String,
    /// The reason in the caller's language: "same phone 021-6234 5678".
    pub message: String,
}

/// "same phone 021-6234 5678": why a record is a likely duplicate, in the reader's language.
pub fn likely_reason(tr: Tr, why: &salesdesk_app::likely::Why) -> String {
    tr.tf(
        &format!("likely.why_{}", why.reason),
        &[("value", &why.value)],
    )
}

/// The likely duplicates of a refused create, for the API.
pub fn likely_dtos(tr: Tr, list: &[salesdesk_app::likely::Likely]) -> Vec<LikelyDuplicate> {
    list.iter()
        .map(|l| LikelyDuplicate {
            id: l.id,
            name: l.name.clone(),
            owner_name: l.owner_name.clone(),
            reasons: l
                .why
                .iter()
                .map(|w| LikelyReason {
                    reason: w.reason.to_string(),
                    value: w.value.clone(),
                    message: likely_reason(tr, w),
                })
                .collect(),
        })
        .collect()
}

/// A field of a record as it is now, in a stale write's problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedField {
    pub field: String,
    #[schema(schema_with = crate::api::codes::any_value)]
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
        AppError::LikelyDuplicates(_) => (
            StatusCode::CONFLICT,
            "likely-duplicate",
            "problem.likely_duplicate",
        ),
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
        existing_archived: false,
        current_version: None,
        changed: vec![],
        likely_duplicates: vec![],
    };
    problem_json(status, body)
}

/// The CSRF layer's refusal of a cross-site state-changing request: a problem document (the
/// layer cannot see the language; the default, Chinese, is used).
pub fn cross_site_refused(_: tower_http::csrf::ProtectionError) -> Response {
    problem_response(
        StatusCode::FORBIDDEN,
        "forbidden",
        Tr(Lang::default()).t("problem.forbidden").to_string(),
        None,
    )
}

/// A problem document as the response, with its content type.
pub fn problem_json(status: StatusCode, body: Problem) -> Response {
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
        let mut existing_archived = false;
        let mut stale = (None, vec![]);
        let mut likely = vec![];
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
                archived,
            } => {
                existing = *existing_id;
                existing_archived = *archived;
                detail = Some(duplicate_detail(tr, owner_name.as_deref(), *archived));
                vec![FieldProblem {
                    field: field.to_string(),
                    code: "error.duplicate_customer".into(),
                    message: tr.t("error.duplicate_customer").to_string(),
                }]
            }
            AppError::LikelyDuplicates(list) => {
                detail = Some(tr.t("problem.likely_duplicate_detail").to_string());
                likely = likely_dtos(tr, list);
                vec![]
            }
            AppError::Validation(errs)
            | AppError::Conflict(errs)
            | AppError::ForbiddenFields(errs) => errs
                .0
                .iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    code: e.code.to_string(),
                    message: tr.field(e.code, e.arg.as_deref()),
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
            existing_archived,
            current_version: stale.0,
            changed: stale.1,
            likely_duplicates: likely,
        };
        let mut r = problem_json(status, body);
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
pub fn duplicate_detail(tr: Tr, owner_name: Option<&str>, archived: bool) -> String {
    if archived {
        return tr.t("problem.duplicate_archived").to_string();
    }
    match owner_name {
        Some(o) => tr.tf("problem.duplicate_owned_by", &[("owner", o)]),
        None => tr.t("problem.duplicate_unowned").to_string(),
    }
}

/// The HTML page for an error that no form can show beside a field.
pub fn page_error(e: AppError, lang: Lang) -> Response {
    let (status, _, title) = classify(&e);
    if let AppError::Internal(msg) = &e {
        tracing::error!(error = %msg, "page failed");
    }
    if matches!(e, AppError::Unauthenticated) {
        return axum::response::Redirect::to("/login").into_response();
    }
    let message_keys = match &e {
        AppError::ForbiddenFields(errs) => errs.0.iter().map(|f| f.code).collect(),
        _ => vec![title],
    };
    let mark = ErrorPageMark {
        status: status.as_u16(),
        title,
        message_keys,
    };
    let t = crate::pages::ErrorPage {
        l: crate::view::Layout::bare(lang, title),
        status: mark.status,
        message: mark.message(Tr(lang)),
    };
    let mut r = (status, crate::view::render(&t)).into_response();
    r.extensions_mut().insert(mark);
    r
}

/// What an HTML error page says, kept on its response so that `pages::with_navigation` can
/// render it again inside the signed-in person's header and navigation.
#[derive(Debug, Clone)]
pub struct ErrorPageMark {
    pub status: u16,
    pub title: &'static str,
    pub message_keys: Vec<&'static str>,
}

impl ErrorPageMark {
    pub fn message(&self, tr: Tr) -> String {
        self.message_keys
            .iter()
            .map(|k| tr.t(k))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// JSON body whose rejections are problem documents instead of plain text.
///
/// The rule (docs/API-DESIGN.md, "Errors"): a body that is not JSON of the endpoint's declared
/// shape — broken syntax, a value of the wrong type, a required field missing, an unknown enum
/// value where serde checks it — is 400 `malformed`, naming the field where one can be named;
/// a well-formed body whose values break a rule is 422 `validation`, from the use case. Not
/// sent as JSON is 415; larger than `body_limit_bytes` is 413.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = crate::auth::anonymous_lang(req.headers());
        let tr = Tr(lang);
        if !is_json(req.headers()) {
            return Err(problem_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                tr.t("problem.unsupported_media_type").to_string(),
                None,
            ));
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(problem_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-large",
                    tr.t("problem.too_large").to_string(),
                    None,
                ));
            }
            Err(rej) => {
                return Err(problem_response(
                    StatusCode::BAD_REQUEST,
                    "malformed",
                    tr.t("problem.malformed").to_string(),
                    Some(rej.body_text()),
                ));
            }
        };
        parse_json(&bytes).map(ApiJson).map_err(|e| e.render(tr))
    }
}

/// `application/json`, or any `application/…+json`, parameters ignored.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Why a JSON body does not have the endpoint's shape.
#[derive(Debug)]
struct MalformedJson {
    /// The field at fault (`name`, `ids[2]`), when serde can tell.
    field: Option<String>,
    /// `error.required` for a missing field, else `error.json_type`.
    code: &'static str,
    /// serde's own words (English, technical), for the developer reading `detail`.
    detail: String,
}

impl MalformedJson {
    fn render(self, tr: Tr) -> Response {
        let mut body = Problem {
            kind: "urn:salesdesk:problem:malformed".into(),
            title: tr.t("problem.malformed").to_string(),
            status: 400,
            detail: Some(self.detail),
            errors: vec![],
            existing_id: None,
            existing_archived: false,
            current_version: None,
            changed: vec![],
            likely_duplicates: vec![],
        };
        if let Some(field) = self.field {
            body.errors.push(FieldProblem {
                field,
                code: self.code.into(),
                message: tr.t(self.code).to_string(),
            });
        }
        problem_json(StatusCode::BAD_REQUEST, body)
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, MalformedJson> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        // serde reports a missing field at its parent ("missing field `login`"): name it.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
            .map(|f| {
                if path == "." {
                    f.to_string()
                } else {
                    format!("{path}.{f}")
                }
            });
        let (field, code) = match missing {
            Some(f) => (Some(f), "error.required"),
            None if inner.is_data() && path != "." => (Some(path), "error.json_type"),
            None => (None, "error.json_type"),
        };
        MalformedJson {
            field,
            code,
            detail: message,
        }
    })?;
    de.end().map_err(|e| MalformedJson {
        field: None,
        code: "error.json_type",
        detail: e.to_string(),
    })?;
    Ok(value)
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
