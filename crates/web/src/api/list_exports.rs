//! `/deals/export.{csv,xlsx}`, `/contracts/export.{csv,xlsx}` and
//! `/receivables/export.{csv,xlsx}`: the lists as files, with the list's own filters (the list's
//! parameters; paging ones are ignored: a file holds every matching row), under the same
//! export rights as the customers' export (a refusal is 403 naming `export`). The customers'
//! own is `GET /customers/export.{csv,xlsx}`.

use axum::extract::State;
use axum::response::Response;
use salesdesk_app::export::{Export, Format};
use salesdesk_app::list_export::{self, ContractRows, DealRows, ReceivableRows};
use salesdesk_app::saved_filters::ListKind;
use salesdesk_app::{App, AppError, Ctx};

use super::collections::ReceivablesParams;
use super::contracts::ContractParams;
use super::customers::CustomerParams;
use super::deals::DealParams;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiQuery, Problem};
use crate::pages::list_tools::{Exportable, export_file};

impl Exportable for CustomerParams {
    const KIND: ListKind = ListKind::Customers;
    type Rows = salesdesk_app::export::CustomerRows;

    async fn export(
        &self,
        app: &App,
        ctx: &Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<Self::Rows>, AppError> {
        let labels = salesdesk_app::export::Labels::new(tr);
        salesdesk_app::export::open(app, ctx, &self.query(), labels).await
    }
}

impl Exportable for DealParams {
    const KIND: ListKind = ListKind::Deals;
    type Rows = DealRows;

    async fn export(
        &self,
        app: &App,
        ctx: &Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<DealRows>, AppError> {
        list_export::deals(app, ctx, &self.query(), tr).await
    }
}

impl Exportable for ContractParams {
    const KIND: ListKind = ListKind::Contracts;
    type Rows = ContractRows;

    async fn export(
        &self,
        app: &App,
        ctx: &Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<ContractRows>, AppError> {
        list_export::contracts(app, ctx, &self.query(), tr).await
    }
}

impl Exportable for ReceivablesParams {
    const KIND: ListKind = ListKind::Receivables;
    type Rows = ReceivableRows;

    async fn export(
        &self,
        app: &App,
        ctx: &Ctx,
        tr: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Export<ReceivableRows>, AppError> {
        list_export::receivables(app, ctx, self.by()?, &self.filter(), tr).await
    }
}

/// The export of `p` as the answer, or the problem.
async fn send<E: Exportable>(
    s: &AppState,
    u: &ApiUser,
    p: &E,
    f: Format,
) -> Result<Response, ApiError> {
    export_file(&s.app, &u.ctx, u.lang, p, f)
        .await
        .map_err(|e| ApiError::new(e, u.lang))
}

/// The deals the list shows with these filters, as CSV (UTF-8 with a BOM; amounts as
/// `1234.50`).
#[utoipa::path(get, path = "/deals/export.csv", tag = "deals", params(DealParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn deals_csv(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<DealParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Csv).await
}

/// The deals as an Excel workbook (amounts as numbers shown `¥1,234.50`).
#[utoipa::path(get, path = "/deals/export.xlsx", tag = "deals", params(DealParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn deals_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<DealParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Xlsx).await
}

/// The contracts the list shows with these filters, as CSV (amounts as `1234.50`).
#[utoipa::path(get, path = "/contracts/export.csv", tag = "contracts", params(ContractParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn contracts_csv(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ContractParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Csv).await
}

/// The contracts as an Excel workbook.
#[utoipa::path(get, path = "/contracts/export.xlsx", tag = "contracts", params(ContractParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn contracts_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ContractParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Xlsx).await
}

/// The receivables report's groups (every page) with these filters, as CSV: the group, the
/// open amount in each ageing bucket and the total open.
#[utoipa::path(get, path = "/receivables/export.csv", tag = "collections", params(ReceivablesParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn receivables_csv(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ReceivablesParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Csv).await
}

/// The receivables report as an Excel workbook.
#[utoipa::path(get, path = "/receivables/export.xlsx", tag = "collections", params(ReceivablesParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn receivables_xlsx(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ReceivablesParams>,
) -> Result<Response, ApiError> {
    send(&s, &u, &p, Format::Xlsx).await
}
