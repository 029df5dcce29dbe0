//! The import template (issue 10, point 10): a file with the columns the import recognises and
//! one example row, as CSV, or as XLSX with a second sheet listing the values the list columns
//! accept (the same lists the import checks against: GB/T 2260 provinces and cities, GB/T 4754
//! sections, sizes, and the administrator's customer types and sources).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use salesdesk_app::export::{self, Sheet};
use salesdesk_app::import::{self, Target};
use salesdesk_app::{AppError, choices};
use salesdesk_domain::customer::CompanySize;
use salesdesk_domain::geo;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::page_error;
use crate::i18n::{Lang, Tr};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/import/template.csv", get(csv))
        .route("/customers/import/template.xlsx", get(xlsx))
}

/// The header row: each field's name as the export writes it (the import reads these back).
fn headers(tr: Tr) -> Vec<String> {
    Target::ALL
        .iter()
        .map(|t| tr.t(&t.label_key()).to_string())
        .collect()
}

/// One example row, in the page's language, that imports as it is (the owner is the person
/// downloading it).
fn example(tr: Tr, login: &str) -> Vec<String> {
    let en = tr.lang() == Lang::En;
    let pick = |zh: &str, english: &str| if en { english } else { zh }.to_string();
    Target::ALL
        .iter()
        .map(|t| match t {
            Target::Name => "上海星河数据科技有限公司".to_string(),
            Target::ShortName => "星河数据".to_string(),
            Target::Uscc => String::new(),
            Target::Website => "https://www.example.com.cn".to_string(),
            Target::Email => "info@example.com.cn".to_string(),
            Target::Phone => "021-62345678 转 801".to_string(),
            Target::Province => pick("上海市", "Shanghai"),
            Target::City => pick("上海市", "Shanghai"),
            Target::Address => "浦东新区张江路 100 号".to_string(),
            Target::Industry => "I".to_string(),
            Target::Size => tr.t(&CompanySize::Medium.label_key()).to_string(),
            Target::Type => String::new(),
            Target::Source => String::new(),
            Target::Background => pick("展会认识的客户", "Met at a trade fair"),
            Target::Owner => login.to_string(),
            Target::Region => String::new(),
        })
        .collect()
}

fn file_name(tr: Tr, ext: &str) -> String {
    format!("{}.{ext}", tr.t("import.template_file"))
}

async fn csv(State(_s): State<AppState>, u: PageUser) -> Response {
    if !import::may_import(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(export::csv_line(&headers(tr)));
    body.extend(export::csv_line(&example(tr, &u.ctx.login)));
    crate::view::download(body, "text/csv; charset=utf-8", &file_name(tr, "csv"))
}

async fn xlsx(State(s): State<AppState>, u: PageUser) -> Response {
    if !import::may_import(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let lang = u.lang.code();
    let lists = match choices::all(&s.app).await {
        Ok(l) => l,
        Err(e) => return page_error(e, u.lang),
    };
    let active = |list: &str| -> Vec<String> {
        lists
            .iter()
            .filter(|c| c.list == list && c.active)
            .map(|c| choices::label(&lists, list, &c.code, lang).to_string())
            .collect()
    };
    let places: Vec<(String, String)> = geo::PROVINCES
        .iter()
        .flat_map(|p| {
            p.cities
                .iter()
                .map(move |c| (p.name(lang).to_string(), c.name(lang).to_string()))
        })
        .collect();
    let columns: Vec<Vec<String>> = vec![
        places.iter().map(|(p, _)| p.clone()).collect(),
        places.iter().map(|(_, c)| c.clone()).collect(),
        geo::INDUSTRIES
            .iter()
            .map(|i| format!("{} {}", i.code, i.name(lang)))
            .collect(),
        CompanySize::ALL
            .iter()
            .map(|z| tr.t(&z.label_key()).to_string())
            .collect(),
        active("type"),
        active("source"),
    ];
    let mut allowed = vec![vec![
        tr.t("export.col.province").to_string(),
        tr.t("export.col.city").to_string(),
        tr.t("export.col.industry").to_string(),
        tr.t("export.col.size").to_string(),
        tr.t("export.col.type").to_string(),
        tr.t("export.col.source").to_string(),
    ]];
    let longest = columns.iter().map(Vec::len).max().unwrap_or(0);
    for r in 0..longest {
        allowed.push(
            columns
                .iter()
                .map(|c| c.get(r).cloned().unwrap_or_default())
                .collect(),
        );
    }
    let sheets = [
        Sheet {
            name: tr.t("import.template_sheet").to_string(),
            rows: vec![headers(tr), example(tr, &u.ctx.login)],
        },
        Sheet {
            name: tr.t("import.template_allowed").to_string(),
            rows: allowed,
        },
    ];
    match export::workbook(&sheets) {
        Ok(bytes) => crate::view::download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &file_name(tr, "xlsx"),
        ),
        Err(e) => page_error(e, u.lang),
    }
    .into_response()
}
