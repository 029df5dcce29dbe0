//! What the OpenAPI document says beyond each handler's own annotation, applied to every
//! operation alike so that no handler can forget it: the `servers` entry (`/api/v1`), the bearer
//! scheme, the `Idempotency-Key` header of authenticated POSTs, and the error responses the
//! shared machinery can give — each an `application/problem+json` document of the one `Problem`
//! schema (`crate::error`). Which errors an operation can give follows from its shape:
//!
//! | status | when the operation … |
//! |---|---|
//! | 400 | takes a JSON body (not JSON of its shape) or query parameters (wrong type), or is an authenticated POST (malformed `Idempotency-Key`) |
//! | 401 | needs a signed-in caller (every one but `POST /sessions`) |
//! | 403 | changes state (a cross-site request is refused), plus whatever the handler declares |
//! | 404 | has a path parameter (a malformed or unknown id), plus the handler's own |
//! | 409 | is an authenticated POST (the same `Idempotency-Key` still running), plus the handler's |
//! | 413 | takes a body |
//! | 415 | takes a JSON body |
//! | 422 | takes a JSON body (a value breaks a rule), or is an authenticated POST (`Idempotency-Key` reused for another request), plus the handler's own |
//!
//! A handler's own error responses keep their description; only their content is made the
//! problem document.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::content::Content;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{RefOr, Required};

/// The content type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The header that makes a POST retry-safe (`crate::idempotency`).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Where the API lives; every path of the document is relative to it.
pub const BASE: &str = "/api/v1";

/// What each generic error response says when the handler gave no description of its own.
fn generic_description(status: &str) -> &'static str {
    match status {
        "400" => {
            "Malformed request: the body is not JSON of the declared shape, a query \
                  parameter has the wrong type, or the `Idempotency-Key` is not 1-255 visible \
                  ASCII characters (`malformed`, `malformed-query`)."
        }
        "401" => "Not signed in: no valid bearer token or session (`unauthenticated`).",
        "403" => "Not allowed (`forbidden`), or a cross-site request refused.",
        "404" => {
            "No such record, outside the caller's data scope, or a malformed id \
                  (`not-found`)."
        }
        "409" => {
            "Conflict (`conflict`, `duplicate`), or a request with the same \
                  `Idempotency-Key` is still running (`idempotency-in-progress`)."
        }
        "413" => "The body is larger than the server accepts (`too-large`).",
        "415" => "The body is not sent as `application/json` (`unsupported-media-type`).",
        "422" => {
            "A value breaks a rule; `errors` lists each field (`validation`); or the \
                  `Idempotency-Key` was used for another request (`idempotency-mismatch`)."
        }
        "423" => "Account locked after repeated failures (`account-locked`).",
        "429" => "Too many attempts (`too-many-attempts`).",
        _ => "Error (a problem document).",
    }
}

fn success_description(status: &str) -> &'static str {
    match status {
        "201" => "Created.",
        "202" => "Accepted: runs in the background.",
        "204" => "Done; no content.",
        _ => "OK.",
    }
}

/// The problem document response.
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

/// Applies the rules of the module comment to the whole document.
pub fn complete(doc: &mut OpenApiDoc) {
    doc.servers = Some(vec![Server::new(BASE)]);
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Trial intake from the company website (issue 12): an intake key, as a bearer token or
        // in `X-Intake-Key`.
        c.add_security_scheme(
            "intake_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_param = item.parameters.iter().flatten().any(is_path_param);
        let ops: [(&str, &mut Option<Operation>); 5] = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op.as_mut() {
                op.operation_id = Some(operation_id(method, path));
                complete_operation(method, op, has_path_param);
            }
        }
    }
}

/// A unique operation id from the method and the path (`post_customers_id_claim`): the
/// handlers' function names (`create`, `list`) repeat across modules.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for part in path
        .split(['/', '.', '-', '{', '}'])
        .filter(|p| !p.is_empty())
    {
        id.push('_');
        id.push_str(part);
    }
    id
}

fn is_path_param(p: &RefOr<utoipa::openapi::path::Parameter>) -> bool {
    matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path)
}

fn complete_operation(method: &str, op: &mut Operation, item_path_param: bool) {
    let anonymous = op.security.as_ref().is_some_and(|s| {
        s.iter()
            .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    });
    let params = op.parameters.iter().flatten();
    let path_param = item_path_param || params.clone().any(is_path_param);
    let query_params = params
        .clone()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    let body = op.request_body.as_ref().map(|b| match b {
        RefOr::T(b) => b.content.keys().any(|k| k == "application/json"),
        RefOr::Ref(_) => true,
    });
    let json_body = body == Some(true);
    let changes = method != "GET";
    let keyed = method == "POST" && !anonymous;

    let mut add = Vec::new();
    if json_body || query_params || keyed {
        add.push("400");
    }
    if !anonymous {
        add.push("401");
    }
    if changes {
        add.push("403");
    }
    if path_param {
        add.push("404");
    }
    if keyed {
        add.push("409");
    }
    if body.is_some() {
        add.push("413");
    }
    if json_body {
        add.push("415");
    }
    if json_body || keyed {
        add.push("422");
    }
    for status in add {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem(generic_description(status))));
    }
    // Every error response, the handler's own included, is a problem document; every
    // response has the description OpenAPI requires.
    for (status, r) in op.responses.responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            if let RefOr::T(r) = r
                && r.description.trim().is_empty()
            {
                r.description = success_description(status).to_string();
            }
            continue;
        }
        if let RefOr::T(r) = r {
            let description = if r.description.trim().is_empty() {
                generic_description(status).to_string()
            } else {
                r.description.clone()
            };
            *r = problem(&description);
        }
    }
    if keyed {
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(255))
            .pattern(Some("^[!-~]{1,255}$"));
        let p = ParameterBuilder::new()
            .name(IDEMPOTENCY_HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes the request retry-safe: up to 255 visible ASCII characters, unique per \
                 request (a UUID). A retry with the same key and request gets the first answer \
                 again without running it twice; for 24 hours.",
            ))
            .schema(Some(schema))
            .build();
        op.parameters.get_or_insert_with(Vec::new).push(RefOr::T(p));
    }
}
