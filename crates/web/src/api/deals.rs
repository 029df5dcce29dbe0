//! Deals (issue 13): `GET/POST /deals`, `GET/PUT /deals/{id}`, the moves
//! `POST /deals/{id}/move`, `/won`, `/lost`, the history, the board `GET /deals/board`, the
//! forecast `GET /deals/forecast`, a customer's `GET /customers/{id}/deals`, and the stages
//! `GET/POST /deal-stages`, `PUT /deal-stages/{id}` (administrators change them). Amounts are
//! decimal strings of yuan (`"1234567.89"`); the rules are in `app::deals`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesdesk_app::deals::{self as uc, DealQuery, ForecastQuery, MoveInput, StageInput, Target};
use salesdesk_domain::deal::DealInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{PageOf, PageParams};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, Problem};

/// A product of a deal.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealLineDto {
    /// A code of the products list (`GET /products`).
    pub product_code: String,
    /// 1–1,000,000 (default 1).
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// A deal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealDto {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region_id: Option<i64>,
    /// The estimated amount in yuan, a decimal string with two decimals: `"1234567.89"`.
    pub amount: String,
    pub expected_sign_date: chrono::NaiveDate,
    pub stage_id: i64,
    pub stage_code: String,
    pub stage_name: String,
    /// `open`, `won` or `lost`.
    pub state: String,
    /// Win probability, 0–100.
    pub probability: u8,
    /// amount × probability, to the fen (halves away from zero), as `amount`.
    pub weighted_amount: String,
    pub competitors: Option<String>,
    /// Lost: a code of the lost reasons (`price`, `competitor`, `no_budget`, `no_decision`,
    /// `timing`, `requirements`, `other`).
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub lost_note: Option<String>,
    pub won_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Send it back with an edit or a move: 409 `stale` when the deal changed since.
    pub version: i32,
    /// On `GET /deals/{id}`; empty in lists.
    pub lines: Vec<DealLineDto>,
    /// The caller may edit and move it.
    pub can_work: bool,
    /// The caller may reopen it (a closed deal; a won one: managers).
    pub can_reopen: bool,
}

impl DealDto {
    fn of(d: uc::Deal, lang: &str) -> DealDto {
        DealDto {
            stage_name: d.stage_name(lang).to_string(),
            id: d.id,
            customer_id: d.customer_id,
            customer_name: d.customer_name,
            name: d.name,
            owner_id: d.owner_id,
            owner_name: d.owner_name,
            region_id: d.region_id,
            amount: d.amount.to_decimal(),
            expected_sign_date: d.expected_sign_date,
            stage_id: d.stage_id,
            stage_code: d.stage_code,
            state: d.state,
            probability: d.probability,
            weighted_amount: d.weighted.to_decimal(),
            competitors: d.competitors,
            lost_reason: d.lost_reason,
            lost_to: d.lost_to,
            lost_note: d.lost_note,
            won_at: d.won_at,
            closed_at: d.closed_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
            version: d.version,
            lines: d
                .lines
                .into_iter()
                .map(|l| DealLineDto {
                    product_code: l.product_code,
                    quantity: Some(l.quantity),
                })
                .collect(),
            can_work: d.can_work,
            can_reopen: d.can_reopen,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealParams {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// `open`, `won` or `lost`.
    pub state: Option<String>,
    /// Expected signing month, `2026-12`.
    pub month: Option<String>,
    pub customer_id: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl DealParams {
    pub(crate) fn query(&self) -> DealQuery {
        DealQuery {
            owner_id: self.owner_id,
            region_id: self.region_id,
            stage_id: self.stage_id,
            state: self.state.clone(),
            month: self.month.clone(),
            customer_id: self.customer_id,
        }
    }
}

/// Deals the caller sees (like their customers), the most recently changed first.
#[utoipa::path(get, path = "/deals", tag = "deals", params(DealParams),
    responses((status = 200, body = PageOf<DealDto>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<DealParams>,
) -> Result<Json<PageOf<DealDto>>, ApiError> {
    let page = PageParams {
        page: p.page,
        per_page: p.per_page,
    }
    .page();
    let r = uc::list(&s.app, &u.ctx, &p.query(), page)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let lang = u.ctx.locale.clone();
    Ok(Json(PageOf::from(r, |d| DealDto::of(d, &lang))))
}

/// A new deal, or the fields of an edit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DealBody {
    /// Create only: a customer in status `potential`.
    #[serde(default)]
    pub customer_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    /// Yuan as text: `"1234567.89"`, `"1,234,567.89"`, `"¥1,234"`, `"123.4万"`; at most two
    /// decimals (six with 万), not negative, at most ¥10,000,000,000.00.
    #[serde(default)]
    pub amount: String,
    /// `2026-12-20`.
    #[serde(default)]
    pub expected_sign_date: String,
    #[serde(default)]
    pub competitors: String,
    /// 0–100; left out: the stage's default.
    #[serde(default)]
    pub probability: Option<i64>,
    /// Create only: an open stage (default: the first).
    #[serde(default)]
    pub stage_id: Option<i64>,
    #[serde(default)]
    pub lines: Vec<DealLineDto>,
    /// Edit only: give the deal to another person (managers, within their scope).
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Edit: the version read.
    #[serde(default)]
    pub version: Option<i32>,
}

impl DealBody {
    fn input(&self) -> DealInput {
        DealInput {
            name: self.name.clone(),
            amount: self.amount.clone(),
            expected_sign_date: self.expected_sign_date.clone(),
            competitors: self.competitors.clone(),
            probability: self.probability.map(|p| p.to_string()).unwrap_or_default(),
            lines: self
                .lines
                .iter()
                .map(|l| {
                    (
                        l.product_code.clone(),
                        l.quantity.map(|q| q.to_string()).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
}

/// Create a deal on a customer in status `potential` (its owner or a manager over them). 409
/// when the customer is in another status; 422 names each bad field.
#[utoipa::path(post, path = "/deals", tag = "deals", request_body = DealBody,
    responses((status = 201, body = DealDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<DealBody>,
) -> Result<(StatusCode, Json<DealDto>), ApiError> {
    let Some(customer_id) = b.customer_id else {
        return Err(ApiError::new(
            salesdesk_app::AppError::field("customer_id", "error.required"),
            u.lang,
        ));
    };
    let d = uc::create(&s.app, &u.ctx, customer_id, &b.input(), b.stage_id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(DealDto::of(d, &u.ctx.locale))))
}

/// One deal, with its products.
#[utoipa::path(get, path = "/deals/{id}", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    responses((status = 200, body = DealDto), (status = 404, body = Problem)))]
pub async fn get_one(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DealDto>, ApiError> {
    let d = uc::get(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(DealDto::of(d, &u.ctx.locale)))
}

/// Edit an open deal (every field is sent; lines replace the deal's). 409 when it is closed
/// or changed since `version`.
#[utoipa::path(put, path = "/deals/{id}", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    request_body = DealBody,
    responses((status = 200, body = DealDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DealBody>,
) -> Result<Json<DealDto>, ApiError> {
    let d = uc::update(&s.app, &u.ctx, id, &b.input(), b.owner_id, b.version)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(DealDto::of(d, &u.ctx.locale)))
}

/// A move.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MoveBody {
    /// `/move` only: the stage to move to (an open stage; a won or lost one works like `/won`
    /// and `/lost`; from a closed deal, an open stage reopens it).
    #[serde(default)]
    pub stage_id: Option<i64>,
    /// The version read; 409 `stale` when the deal moved since.
    #[serde(default)]
    pub version: Option<i32>,
    /// Lost: `price`, `competitor`, `no_budget`, `no_decision`, `timing`, `requirements`,
    /// `other` (required).
    #[serde(default)]
    pub lost_reason: String,
    /// Lost: who won it.
    #[serde(default)]
    pub lost_to: String,
    #[serde(default)]
    pub note: String,
}

impl MoveBody {
    fn input(&self) -> MoveInput {
        MoveInput {
            version: self.version,
            lost_reason: self.lost_reason.clone(),
            lost_to: self.lost_to.clone(),
            note: self.note.clone(),
        }
    }
}

async fn do_move(
    s: &AppState,
    u: &ApiUser,
    id: i64,
    target: Target,
    b: &MoveBody,
) -> Result<Json<DealDto>, ApiError> {
    let d = uc::move_to(&s.app, &u.ctx, id, target, &b.input())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(DealDto::of(d, &u.ctx.locale)))
}

/// Move a deal to another stage (its owner or a manager). Reopening a won deal is for the
/// managers. 409 `stale` when another move came first; 409 when the move is not allowed
/// (a closed deal to a closed stage, the same stage).
#[utoipa::path(post, path = "/deals/{id}/move", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    request_body = MoveBody,
    responses((status = 200, body = DealDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_stage(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<Json<DealDto>, ApiError> {
    let Some(stage) = b.stage_id else {
        return Err(ApiError::new(
            salesdesk_app::AppError::field("stage_id", "error.required"),
            u.lang,
        ));
    };
    do_move(&s, &u, id, Target::Stage(stage), &b).await
}

/// Mark an open deal won (final, except for a manager's reopen).
#[utoipa::path(post, path = "/deals/{id}/won", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    request_body = MoveBody,
    responses((status = 200, body = DealDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn won(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<Json<DealDto>, ApiError> {
    do_move(&s, &u, id, Target::Won, &b).await
}

/// Mark an open deal lost, with a reason from the list and optionally the competitor.
#[utoipa::path(post, path = "/deals/{id}/lost", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    request_body = MoveBody,
    responses((status = 200, body = DealDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn lost(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<Json<DealDto>, ApiError> {
    do_move(&s, &u, id, Target::Lost, &b).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub at: chrono::DateTime<chrono::Utc>,
    /// `create`, `move`, `won`, `lost`, `reopen`.
    pub action: String,
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub probability: i32,
    /// The deal's amount at the time, as `DealDto.amount`.
    pub amount: String,
    pub lost_reason: Option<String>,
    pub lost_to: Option<String>,
    pub note: Option<String>,
    pub actor_name: Option<String>,
}

/// A deal's stage history, oldest first.
#[utoipa::path(get, path = "/deals/{id}/history", tag = "deals",
    params(("id" = i64, Path, description = "deal id")),
    responses((status = 200, body = Vec<ChangeDto>), (status = 404, body = Problem)))]
pub async fn history(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ChangeDto>>, ApiError> {
    let h = uc::history(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(
        h.into_iter()
            .map(|h| ChangeDto {
                at: h.at,
                action: h.action,
                from_stage_id: h.from_stage_id,
                to_stage_id: h.to_stage_id,
                probability: h.probability,
                amount: salesdesk_domain::Money::from_fen(h.amount_fen).to_decimal(),
                lost_reason: h.lost_reason,
                lost_to: h.lost_to,
                note: h.note,
                actor_name: h.actor_name,
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
}

/// A column of the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardColumnDto {
    pub stage: StageDto,
    /// How many deals are in the stage (the column lists at most 50).
    pub count: u64,
    pub amount: String,
    pub weighted_amount: String,
    pub deals: Vec<DealDto>,
}

/// The pipeline board: a column per active stage with the caller's deals (everything they see,
/// or one owner's or region's): open stages by expected signing date, won and lost the most
/// recent first.
#[utoipa::path(get, path = "/deals/board", tag = "deals", params(BoardParams),
    responses((status = 200, body = Vec<BoardColumnDto>), (status = 403, body = Problem)))]
pub async fn board(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<BoardParams>,
) -> Result<Json<Vec<BoardColumnDto>>, ApiError> {
    let q = DealQuery {
        owner_id: p.owner_id,
        region_id: p.region_id,
        ..Default::default()
    };
    let cols = uc::board(&s.app, &u.ctx, &q)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let lang = u.ctx.locale.clone();
    Ok(Json(
        cols.into_iter()
            .map(|c| BoardColumnDto {
                stage: StageDto::from(&c.stage),
                count: c.count,
                amount: c.amount.to_decimal(),
                weighted_amount: c.weighted.to_decimal(),
                deals: c.deals.into_iter().map(|d| DealDto::of(d, &lang)).collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// One person's deals.
    pub owner_id: Option<i64>,
    /// One region's deals.
    pub region_id: Option<i64>,
    /// The first month, `2026-12` (default: this month in the company's zone).
    pub from: Option<String>,
    /// Months, 1–24 (default 6).
    pub months: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastRowDto {
    /// `2026-12`.
    pub month: String,
    /// Open deals expected to sign in the month.
    pub open_deals: u64,
    /// Their amounts.
    pub pipeline: String,
    /// Σ amount × probability, rounded once to the fen.
    pub weighted: String,
    /// Deals won in the month (Asia/Shanghai).
    pub won_deals: u64,
    pub won: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastDto {
    pub rows: Vec<ForecastRowDto>,
    pub open_deals: u64,
    pub pipeline: String,
    pub weighted: String,
    pub won_deals: u64,
    pub won: String,
}

/// The weighted forecast by month: open deals by expected signing month (amount and amount ×
/// probability) and deals won by the month won, for the caller's scope (the department for
/// the director and VP), one person or one region.
#[utoipa::path(get, path = "/deals/forecast", tag = "deals", params(ForecastParams),
    responses((status = 200, body = ForecastDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn forecast(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<ForecastParams>,
) -> Result<Json<ForecastDto>, ApiError> {
    let q = ForecastQuery {
        owner_id: p.owner_id,
        region_id: p.region_id,
        from: p.from,
        months: p.months,
    };
    let f = uc::forecast(&s.app, &u.ctx, &q)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(ForecastDto {
        rows: f
            .rows
            .iter()
            .map(|r| ForecastRowDto {
                month: r.month.to_string(),
                open_deals: r.open_deals,
                pipeline: r.pipeline.to_decimal(),
                weighted: r.weighted.to_decimal(),
                won_deals: r.won_deals,
                won: r.won.to_decimal(),
            })
            .collect(),
        open_deals: f.open_deals,
        pipeline: f.pipeline.to_decimal(),
        weighted: f.weighted.to_decimal(),
        won_deals: f.won_deals,
        won: f.won.to_decimal(),
    }))
}

/// A customer's deals, newest first.
#[utoipa::path(get, path = "/customers/{id}/deals", tag = "deals",
    params(("id" = i64, Path, description = "customer id")),
    responses((status = 200, body = Vec<DealDto>), (status = 404, body = Problem)))]
pub async fn for_customer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DealDto>>, ApiError> {
    let d = uc::for_customer(&s.app, &u.ctx, id)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    let lang = u.ctx.locale.clone();
    Ok(Json(d.into_iter().map(|d| DealDto::of(d, &lang)).collect()))
}

/// A stage of the pipeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageDto {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `open`, `won`, `lost`.
    pub kind: String,
    /// The default win probability of a deal in the stage, 0–100.
    pub probability: i32,
    pub position: i32,
    pub active: bool,
}

impl From<&uc::Stage> for StageDto {
    fn from(s: &uc::Stage) -> Self {
        StageDto {
            id: s.id,
            code: s.code.clone(),
            name_zh: s.name_zh.clone(),
            name_en: s.name_en.clone(),
            kind: s.kind.clone(),
            probability: s.probability,
            position: s.position,
            active: s.active,
        }
    }
}

/// The pipeline's stages in board order, active or not (anyone signed in).
#[utoipa::path(get, path = "/deal-stages", tag = "deals",
    responses((status = 200, body = Vec<StageDto>)))]
pub async fn stages(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<Vec<StageDto>>, ApiError> {
    let all = uc::stages(&s.app)
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(all.iter().map(StageDto::from).collect()))
}

/// A stage as the administrator sends it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StageBody {
    /// Create only: lower-case letters, digits, `_`, `-`; unique; never changes.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// 0–100 (won and lost keep 100 and 0).
    #[serde(default)]
    pub probability: Option<i64>,
    /// Board order; left out: at the end of the open stages (create) or unchanged.
    #[serde(default)]
    pub position: Option<i64>,
    /// Default true. An open stage with deals in it cannot be deactivated.
    #[serde(default)]
    pub active: Option<bool>,
}

impl StageBody {
    fn input(&self) -> StageInput {
        StageInput {
            code: self.code.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            probability: self.probability.map(|p| p.to_string()).unwrap_or_default(),
            position: self.position.map(|p| p.to_string()).unwrap_or_default(),
            active: self.active.unwrap_or(true),
        }
    }
}

/// Add an open stage (administrators).
#[utoipa::path(post, path = "/deal-stages", tag = "deals", request_body = StageBody,
    responses((status = 201, body = StageDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_stage(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<StageBody>,
) -> Result<(StatusCode, Json<StageDto>), ApiError> {
    let st = uc::create_stage(&s.app, &u.ctx, &b.input())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok((StatusCode::CREATED, Json(StageDto::from(&st))))
}

/// Change a stage (administrators): names, probability, order, active.
#[utoipa::path(put, path = "/deal-stages/{id}", tag = "deals",
    params(("id" = i64, Path, description = "stage id")),
    request_body = StageBody,
    responses((status = 200, body = StageDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_stage(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StageBody>,
) -> Result<Json<StageDto>, ApiError> {
    let st = uc::update_stage(&s.app, &u.ctx, id, &b.input())
        .await
        .map_err(|e| ApiError::new(e, u.lang))?;
    Ok(Json(StageDto::from(&st)))
}
