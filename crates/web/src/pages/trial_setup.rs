//! The administrator's set-up for trial applications (issue 12): `/settings/products`,
//! `/settings/routing` (province/city → region) and `/settings/intake-keys`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesdesk_app::intake_keys::{self, IntakeKey};
use salesdesk_app::products::{self, ProductInput, ProductPatch};
use salesdesk_app::routing;
use salesdesk_app::{AppError, Page, org};
use salesdesk_domain::Capability;
use salesdesk_domain::geo::{self, PROVINCES};
use serde::Deserialize;

use super::Choice;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageForm, PagePath, PageQuery, page_error};
use crate::i18n::Tr;
use crate::view::{FormErrors, Layout, Pager, fmt_time, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/products", get(products_page).post(add_product))
        .route("/settings/products/{id}", post(save_product))
        .route("/settings/products/{id}/active", post(toggle_product))
        .route("/settings/routing", get(routing_page).post(set_route))
        .route("/settings/routing/remove", post(remove_route))
        .route("/settings/routing/defaults", post(apply_defaults))
        .route("/settings/intake-keys", get(keys_page).post(issue_key))
        .route("/settings/intake-keys/{id}/revoke", post(revoke_key))
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    ok: Option<String>,
    page: Option<u64>,
}

fn status_of(errors: bool, r: Response) -> Response {
    if errors {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

fn admin_only(u: &PageUser) -> Option<Response> {
    (!u.ctx.actor.can(Capability::ManageSettings)).then(|| page_error(AppError::Forbidden, u.lang))
}

// ---- products ------------------------------------------------------------------------------

struct ProductRow {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    position: String,
    active: bool,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "settings_products.html")]
struct ProductsPage {
    l: Layout,
    rows: Vec<ProductRow>,
    new: ProductForm,
    errors: FormErrors,
}

/// What failed on the page: the new-product form, or one product's form.
enum Failed {
    None,
    New(ProductForm, FormErrors),
    Edit(i64, ProductForm, FormErrors),
}

async fn render_products(s: &AppState, u: &PageUser, ok: Option<&str>, failed: Failed) -> Response {
    if let Some(r) = admin_only(u) {
        return r;
    }
    let all = match products::list(&s.app, &u.ctx).await {
        Ok(a) => a,
        Err(e) => return page_error(e, u.lang),
    };
    let any_error = !matches!(failed, Failed::None);
    let rows = all
        .iter()
        .map(|p| {
            let mut r = ProductRow {
                id: p.id,
                code: p.code.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
                position: p.position.to_string(),
                active: p.active,
                errors: FormErrors::default(),
            };
            if let Failed::Edit(id, f, errs) = &failed
                && *id == p.id
            {
                r.name_zh = f.name_zh.clone();
                r.name_en = f.name_en.clone();
                r.position = f.position.clone();
                r.errors = errs.clone();
            }
            r
        })
        .collect();
    let (new, errors) = match failed {
        Failed::New(f, e) => (f, e),
        _ => (ProductForm::default(), FormErrors::default()),
    };
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_products")
        .await
        .with_flash(ok);
    status_of(
        any_error,
        render(&ProductsPage {
            l,
            rows,
            new,
            errors,
        }),
    )
}

async fn products_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    render_products(&s, &u, q.ok.as_deref(), Failed::None).await
}

#[derive(Debug, Default, Clone, Deserialize)]
struct ProductForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    position: String,
}

/// A typed position: empty is none; anything but a whole number is the field's error.
fn position_of(s: &str) -> Result<Option<i32>, ()> {
    match s.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| ()),
    }
}

fn bad_position(tr: Tr) -> FormErrors {
    let mut e = salesdesk_domain::FieldErrors::new();
    e.push(salesdesk_domain::FieldError::with_arg(
        "position",
        "error.product_position_range",
        1_000_000,
    ));
    FormErrors::from(&e, tr)
}

async fn add_product(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<ProductForm>,
) -> Response {
    let Ok(position) = position_of(&f.position) else {
        let e = bad_position(Tr(u.lang));
        return render_products(&s, &u, None, Failed::New(f, e)).await;
    };
    let input = ProductInput {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        position,
        active: true,
    };
    match products::create(&s.app, &u.ctx, &input).await {
        Ok(_) => Redirect::to("/settings/products?ok=product_saved").into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let e = FormErrors::from(&errs, Tr(u.lang));
            render_products(&s, &u, None, Failed::New(f, e)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn save_product(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ProductForm>,
) -> Response {
    let Ok(position) = position_of(&f.position) else {
        let e = bad_position(Tr(u.lang));
        return render_products(&s, &u, None, Failed::Edit(id, f, e)).await;
    };
    let p = ProductPatch {
        name_zh: Some(f.name_zh.clone()),
        name_en: Some(f.name_en.clone()),
        position,
        active: None,
    };
    match products::patch(&s.app, &u.ctx, id, &p).await {
        Ok(_) => Redirect::to("/settings/products?ok=product_saved").into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let e = FormErrors::from(&errs, Tr(u.lang));
            render_products(&s, &u, None, Failed::Edit(id, f, e)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ActiveForm {
    /// `1` to (re)activate, anything else to deactivate.
    #[serde(default)]
    active: String,
}

async fn toggle_product(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ActiveForm>,
) -> Response {
    let p = ProductPatch {
        active: Some(f.active == "1"),
        ..Default::default()
    };
    match products::patch(&s.app, &u.ctx, id, &p).await {
        Ok(_) => Redirect::to("/settings/products?ok=product_saved").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- province/city → region ----------------------------------------------------------------

struct ProvinceRow {
    code: &'static str,
    name: &'static str,
    /// The region's name, or empty when unmapped.
    region: String,
    regions: Vec<Choice<'static>>,
    /// City overrides under this province: (city code, city name, region name).
    cities: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "settings_routing.html")]
struct RoutingPage {
    l: Layout,
    rows: Vec<ProvinceRow>,
    unmapped: usize,
    /// For the city override form: every province's cities, grouped.
    city_groups: Vec<(String, &'static str, Vec<Choice<'static>>)>,
    regions: Vec<Choice<'static>>,
    errors: FormErrors,
}

async fn render_routing(
    s: &AppState,
    u: &PageUser,
    ok: Option<&str>,
    errors: FormErrors,
) -> Response {
    if let Some(r) = admin_only(u) {
        return r;
    }
    let tr = Tr(u.lang);
    let lang = tr.lang().code();
    let result = async {
        let rows = routing::list(&s.app, &u.ctx).await?;
        let regions = org::list(&s.app, &u.ctx).await?;
        Ok::<_, AppError>((rows, regions))
    }
    .await;
    let (mapping, regions) = match result {
        Ok(x) => x,
        Err(e) => return page_error(e, u.lang),
    };
    let active: Vec<&org::Region> = regions.iter().filter(|r| r.active).collect();
    let region_name = |id: i64| {
        regions
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name_in(lang).to_string())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let choices = |selected: Option<i64>| -> Vec<Choice<'static>> {
        active
            .iter()
            .map(|r| {
                let name = r.name_in(lang);
                let label = if r.parent_id.is_some() {
                    format!("　└ {name}")
                } else {
                    name.to_string()
                };
                Choice::id(r.id, label, Some(r.id) == selected)
            })
            .collect()
    };
    let rows: Vec<ProvinceRow> = PROVINCES
        .iter()
        .map(|p| {
            let own = mapping
                .iter()
                .find(|m| m.province_code == p.code && m.city_code.is_none());
            ProvinceRow {
                code: p.code,
                name: p.name(lang),
                region: own.map(|m| region_name(m.region_id)).unwrap_or_default(),
                regions: choices(own.map(|m| m.region_id)),
                cities: mapping
                    .iter()
                    .filter(|m| m.province_code == p.code)
                    .filter_map(|m| {
                        let c = m.city_code.as_deref()?;
                        let name = geo::city_by_code(c).map_or("?", |x| x.name(lang));
                        Some((c.to_string(), name, region_name(m.region_id)))
                    })
                    .collect(),
            }
        })
        .collect();
    let unmapped = rows.iter().filter(|r| r.region.is_empty()).count();
    let city_groups = PROVINCES
        .iter()
        .map(|p| {
            (
                p.code.to_string(),
                p.name(lang),
                p.cities
                    .iter()
                    .map(|c| Choice::new(c.code, c.name(lang), false))
                    .collect(),
            )
        })
        .collect();
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_routing")
        .await
        .with_flash(ok);
    let any = errors.any();
    status_of(
        any,
        render(&RoutingPage {
            l,
            rows,
            unmapped,
            city_groups,
            regions: choices(None),
            errors,
        }),
    )
}

async fn routing_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    render_routing(&s, &u, q.ok.as_deref(), FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
struct RouteForm {
    /// A province's or a city's code.
    #[serde(default)]
    place: String,
    #[serde(default)]
    region_id: String,
}

fn field_error(tr: Tr, field: &str, code: &'static str) -> FormErrors {
    let mut e = salesdesk_domain::FieldErrors::new();
    e.push(salesdesk_domain::FieldError::new(field, code));
    FormErrors::from(&e, tr)
}

async fn set_route(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<RouteForm>,
) -> Response {
    let tr = Tr(u.lang);
    let Some((p, c)) = routing::split_place(&f.place) else {
        return render_routing(&s, &u, None, field_error(tr, "place", "error.invalid_choice"))
            .await;
    };
    let Ok(region) = f.region_id.trim().parse::<i64>() else {
        return render_routing(&s, &u, None, field_error(tr, "region_id", "error.required"))
            .await;
    };
    match routing::set(&s.app, &u.ctx, &p, &c, region).await {
        Ok(_) => Redirect::to(&format!("/settings/routing?ok=route_saved#p{p}")).into_response(),
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            render_routing(&s, &u, None, FormErrors::from(&errs, tr)).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn remove_route(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<RouteForm>,
) -> Response {
    let Some((p, c)) = routing::split_place(&f.place) else {
        return page_error(AppError::NotFound, u.lang);
    };
    match routing::remove(&s.app, &u.ctx, &p, &c).await {
        Ok(()) => Redirect::to(&format!("/settings/routing?ok=route_removed#p{p}")).into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

async fn apply_defaults(State(s): State<AppState>, u: PageUser) -> Response {
    match routing::apply_defaults(&s.app, &u.ctx).await {
        Ok(_) => Redirect::to("/settings/routing?ok=route_defaults").into_response(),
        Err(e) => page_error(e, u.lang),
    }
}

// ---- intake keys ---------------------------------------------------------------------------

struct KeyRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    use_count: i64,
    revoked: String,
}

fn key_row(k: &IntakeKey) -> KeyRow {
    KeyRow {
        id: k.id,
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created: fmt_time(k.created_at),
        last_used: k.last_used_at.map(fmt_time).unwrap_or_else(|| "—".into()),
        use_count: k.use_count,
        revoked: k.revoked_at.map(fmt_time).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "settings_intake_keys.html")]
struct KeysPage {
    l: Layout,
    rows: Vec<KeyRow>,
    pager: Pager,
    /// The secret of the key just issued: shown on this one response, never again.
    issued: Option<(String, String)>,
    name: String,
    errors: FormErrors,
}

async fn render_keys(
    s: &AppState,
    u: &PageUser,
    q: &OkQuery,
    issued: Option<(String, String)>,
    name: String,
    errors: FormErrors,
) -> Response {
    if let Some(r) = admin_only(u) {
        return r;
    }
    let paged = match intake_keys::list(&s.app, &u.ctx, Page::new(q.page, None)).await {
        Ok(p) => p,
        Err(e) => return page_error(e, u.lang),
    };
    let pager = Pager::new(&paged, "/settings/intake-keys", "");
    let l = Layout::for_user(s, &u.ctx, "settings", "page.settings_intake_keys")
        .await
        .with_flash(q.ok.as_deref());
    let any = errors.any();
    let r = render(&KeysPage {
        l,
        rows: paged.items.iter().map(key_row).collect(),
        pager,
        issued,
        name,
        errors,
    });
    status_of(any, r)
}

async fn keys_page(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<OkQuery>,
) -> Response {
    render_keys(&s, &u, &q, None, String::new(), FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
struct KeyForm {
    #[serde(default)]
    name: String,
}

async fn issue_key(
    State(s): State<AppState>,
    u: PageUser,
    PageForm(f): PageForm<KeyForm>,
) -> Response {
    let q = OkQuery::default();
    match intake_keys::issue(&s.app, &u.ctx, &f.name).await {
        // Not a redirect: the secret exists only in this response.
        Ok(k) => {
            let r = render_keys(
                &s,
                &u,
                &q,
                Some((k.key.name.clone(), k.secret)),
                String::new(),
                FormErrors::default(),
            )
            .await;
            let mut r = r.into_response();
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(AppError::Validation(errs) | AppError::Conflict(errs)) => {
            let e = FormErrors::from(&errs, Tr(u.lang));
            render_keys(&s, &u, &q, None, f.name, e).await
        }
        Err(e) => page_error(e, u.lang),
    }
}

async fn revoke_key(
    State(s): State<AppState>,
    u: PageUser,
    PagePath(id): PagePath<i64>,
) -> Response {
    match intake_keys::revoke(&s.app, &u.ctx, id).await {
        Ok(_) | Err(AppError::Conflict(_)) => {
            Redirect::to("/settings/intake-keys?ok=intake_key_revoked").into_response()
        }
        Err(e) => page_error(e, u.lang),
    }
}
