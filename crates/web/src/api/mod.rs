//! The JSON API under `/api/v1`. Every handler is registered through utoipa-axum's router, so
//! the OpenAPI document served at `/api/v1/openapi.json` is generated from the same code that
//! routes the requests and cannot drift from it.

mod archive;
mod backups;
mod calendar;
mod calendar_feed;
pub(crate) mod codes;
mod collections;
mod contacts;
mod contracts;
mod customers;
mod dashboard;
mod deals;
pub mod doc;
mod expenses;
mod export_rights;
mod imports;
mod jobs;
mod list_exports;
mod misc;
mod people;
mod pool;
mod presales;
mod quotes;
mod records;
mod regions;
mod sessions;
mod settings;
mod status;
mod throttles;
mod trial_setup;
mod trials;
mod trials_dashboard;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt as _;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "salesdesk API",
        description = "Sales-department management: organisation, people, audit. Authenticate with \
                       `POST /api/v1/sessions` and send the token as `Authorization: Bearer …`. \
                       Errors are RFC 9457 problem documents.",
        version = "1"
    ),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem, crate::error::FieldProblem))
)]
struct ApiDoc;

/// The API router and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, OpenApiDoc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sessions::create))
        .routes(routes!(sessions::delete_current))
        .routes(routes!(throttles::list))
        .routes(routes!(throttles::clear))
        .routes(routes!(misc::me, misc::update_me))
        .routes(routes!(misc::change_password))
        .routes(routes!(misc::positions))
        .routes(routes!(people::list, people::create))
        .routes(routes!(people::get_one, people::update))
        .routes(routes!(people::reset_password))
        .routes(routes!(regions::list, regions::create))
        .routes(routes!(regions::get_one, regions::update))
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::get_one, customers::update))
        .routes(
            routes!(customers::create_batch).layer(axum::extract::DefaultBodyLimit::max(
                customers::BATCH_BODY_LIMIT,
            )),
        )
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::update, contacts::delete))
        .routes(routes!(contacts::vcard))
        .routes(routes!(status::create, status::history))
        .routes(routes!(status::queue))
        .routes(routes!(status::decide))
        .routes(routes!(records::list, records::create))
        .routes(routes!(records::get, records::update, records::delete))
        .routes(routes!(records::followups))
        .routes(routes!(records::owner_history))
        .routes(routes!(records::reassign))
        .routes(routes!(records::merge))
        .routes(routes!(records::saved_filters, records::save_filter))
        .routes(routes!(records::delete_filter))
        .routes(routes!(pool::list))
        .routes(routes!(pool::release))
        .routes(routes!(pool::claim))
        .routes(routes!(archive::archive))
        .routes(routes!(archive::bin))
        .routes(routes!(archive::restore))
        .routes(routes!(
            settings::get_customer_settings,
            settings::put_customer_settings
        ))
        .routes(routes!(settings::list_choices, settings::create_choice))
        .routes(routes!(settings::update_choice))
        .routes(routes!(settings::get_rule, settings::put_rule))
        .routes(routes!(backups::status))
        .routes(routes!(backups::run))
        .routes(routes!(backups::get_settings, backups::put_settings))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::retry))
        .routes(routes!(jobs::schedules))
        .routes(routes!(
            calendar_feed::get,
            calendar_feed::issue,
            calendar_feed::revoke
        ))
        .routes(routes!(presales::list))
        .routes(routes!(presales::get_one))
        .routes(routes!(presales::record))
        .routes(routes!(presales::for_trial))
        .routes(routes!(presales::get_plan, presales::put_plan))
        .routes(routes!(trials_dashboard::get))
        .routes(routes!(
            export_rights::get_export_rights,
            export_rights::put_export_rights
        ))
        .routes(routes!(imports::upload))
        .routes(routes!(imports::get_one))
        .routes(routes!(imports::likely_duplicates))
        .routes(routes!(imports::preview))
        .routes(routes!(imports::run))
        .routes(routes!(imports::errors_csv))
        .routes(routes!(imports::export_csv))
        .routes(routes!(imports::export_xlsx))
        .routes(routes!(list_exports::deals_csv))
        .routes(routes!(list_exports::deals_xlsx))
        .routes(routes!(list_exports::contracts_csv))
        .routes(routes!(list_exports::contracts_xlsx))
        .routes(routes!(list_exports::receivables_csv))
        .routes(routes!(list_exports::receivables_xlsx))
        .routes(routes!(dashboard::get))
        .routes(routes!(calendar::deadline))
        .routes(routes!(calendar::working_time))
        .routes(routes!(calendar::get_calendar))
        .routes(routes!(calendar::put_hours))
        .routes(routes!(calendar::import_year))
        .routes(routes!(calendar::add_day))
        .routes(routes!(calendar::remove_day))
        .routes(routes!(misc::audit))
        .routes(routes!(misc::notifications))
        .routes(routes!(misc::read_notification))
        .routes(routes!(misc::read_all_notifications))
        .routes(routes!(contracts::list, contracts::create))
        .routes(routes!(contracts::revenue))
        .routes(routes!(contracts::get_one, contracts::update))
        .routes(routes!(contracts::act))
        .routes(routes!(contracts::add_invoice))
        .routes(routes!(contracts::attachment))
        .routes(
            routes!(contracts::attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::pages::contracts::ATTACHMENT_BODY_LIMIT,
            )),
        )
        .routes(routes!(contracts::for_customer))
        .routes(routes!(collections::get_plan, collections::put_plan))
        .routes(routes!(
            collections::list_payments,
            collections::record_payment
        ))
        .routes(routes!(collections::receivables))
        .routes(routes!(collections::collections))
        .routes(routes!(collections::overdue))
        .routes(routes!(contracts::get_settings, contracts::put_settings))
        .routes(routes!(deals::list, deals::create))
        .routes(routes!(deals::board))
        .routes(routes!(deals::forecast))
        .routes(routes!(deals::get_one, deals::update))
        .routes(routes!(deals::move_stage))
        .routes(routes!(deals::won))
        .routes(routes!(deals::lost))
        .routes(routes!(deals::history))
        .routes(routes!(deals::for_customer))
        .routes(routes!(deals::stages, deals::create_stage))
        .routes(routes!(deals::update_stage))
        .routes(routes!(quotes::for_deal, quotes::create))
        .routes(routes!(quotes::get_one, quotes::update))
        .routes(routes!(quotes::submit))
        .routes(routes!(quotes::approve))
        .routes(routes!(quotes::reject))
        .routes(routes!(quotes::send))
        .routes(routes!(quotes::waiting))
        .routes(routes!(quotes::for_customer))
        .routes(routes!(quotes::get_settings, quotes::put_settings))
        .routes(routes!(expenses::list, expenses::create))
        .routes(routes!(expenses::get_one))
        .routes(routes!(expenses::approve))
        .routes(routes!(expenses::return_claim))
        .routes(routes!(expenses::resubmit))
        .routes(
            routes!(expenses::attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::pages::contracts::ATTACHMENT_BODY_LIMIT,
            )),
        )
        .routes(routes!(expenses::receipt))
        .routes(routes!(expenses::board, expenses::set_budget))
        .routes(routes!(expenses::get_settings, expenses::put_settings))
        .routes(routes!(trials::intake))
        .routes(routes!(trials::list))
        .routes(routes!(trials::get_one))
        .routes(routes!(trials::history))
        .routes(routes!(trials::step))
        .routes(routes!(trials::reassign))
        .routes(routes!(trials::get_settings, trials::put_settings))
        .routes(routes!(
            trial_setup::list_products,
            trial_setup::create_product
        ))
        .routes(routes!(
            trial_setup::get_product,
            trial_setup::update_product
        ))
        .routes(routes!(trial_setup::list_routes))
        .routes(routes!(trial_setup::apply_defaults))
        .routes(routes!(trial_setup::put_route, trial_setup::delete_route))
        .routes(routes!(trial_setup::list_keys, trial_setup::issue_key))
        .routes(routes!(trial_setup::rename_key))
        .routes(routes!(trial_setup::revoke_key))
        .split_for_parts();
    doc::complete(&mut doc);
    let router = router
        .method_not_allowed_fallback(api_method_not_allowed)
        .route("/openapi.json", get(openapi))
        .fallback(api_not_found);
    (router, doc)
}

async fn openapi(State(s): State<AppState>) -> Response {
    let mut r = s.openapi.as_str().to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn api_not_found(headers: axum::http::HeaderMap) -> ApiError {
    ApiError::new(
        salesdesk_app::AppError::NotFound,
        crate::auth::anonymous_lang(&headers),
    )
}

/// A method the path does not have: a problem document, like every other API error.
async fn api_method_not_allowed(headers: axum::http::HeaderMap) -> Response {
    let lang = crate::auth::anonymous_lang(&headers);
    crate::error::problem_response(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        crate::i18n::Tr(lang)
            .t("problem.method_not_allowed")
            .to_string(),
        None,
    )
}

/// Room per row of a listed page's JSON: a customer is about 750 bytes.
pub(crate) const JSON_BYTES_PER_ROW: usize = 1024;

/// A JSON answer written into a buffer of about its size. axum's `Json` starts at 128 bytes and
/// doubles, copying a 37 KB page of customers nine times (issue 11's profile of the list).
/// Same answer otherwise (`application/json`; a value that cannot be written is a 500).
pub struct SizedJson<T>(pub T, pub usize);

impl<T: Serialize> IntoResponse for SizedJson<T> {
    fn into_response(self) -> Response {
        let mut buf = Vec::with_capacity(self.1 + 256);
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                buf,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "writing a JSON answer failed");
                axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// Number of matching items over all pages; a lower bound when `total_exact` is false.
    pub total: u64,
    /// False when counting stopped early: at least `total` items match (the customer list
    /// counts up to 1000, and a one- or two-character search only past the page it returns).
    pub total_exact: bool,
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
}

impl<T> PageOf<T> {
    /// From a page that is shared (cached), mapping each item by reference.
    pub fn of<U>(p: &salesdesk_app::Paged<U>, f: impl FnMut(&U) -> T) -> PageOf<T> {
        PageOf {
            total: p.total,
            total_exact: p.total_exact,
            page: p.page.number,
            per_page: p.page.size,
            items: p.items.iter().map(f).collect(),
        }
    }

    pub fn from<U>(p: salesdesk_app::Paged<U>, f: impl FnMut(U) -> T) -> PageOf<T> {
        PageOf {
            total: p.total,
            total_exact: p.total_exact,
            page: p.page.number,
            per_page: p.page.size,
            items: p.items.into_iter().map(f).collect(),
        }
    }
}

/// `?page=&per_page=` of every list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

impl PageParams {
    pub fn page(&self) -> salesdesk_app::Page {
        salesdesk_app::Page::new(self.page, self.per_page)
    }
}
