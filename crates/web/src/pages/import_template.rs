//! The import template (issue 10, point 10): a file with the columns the import recognises and
//! one example row, as CSV, or as XLSX with a second sheet listing the values the list columns
//! accept (the same lists the import checks against: GB/T 2260 provinces and cities, GB/T 4754
//! sections, sizes, and the administrator's customer types and sources).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use salesdesk_app::export::{self, Sheet};
use salesdesk_app::import::contacts::ContactField;
use salesdesk_app::import::{self, Target};
use salesdesk_app::{AppError, choices};
use salesdesk_domain::customer::CompanySize;
use salesdesk_domain::geo;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageQuery, page_error};
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
            Target::Contact(n, f) => contact_example(tr, *n, *f),
            Target::Contract(_) | Target::Payment(_) => String::new(),
        })
        .collect()
}

/// The template of a contracts or payments file (`import::sales`): its columns and an example
/// row whose contract number the payments example names.
fn sales_sheet(tr: Tr, kind: &str, login: &str) -> Vec<Vec<String>> {
    use salesdesk_app::import::sales::{ContractField as C, PaymentField as P};
    let en = tr.lang() == Lang::En;
    let pick = |zh: &str, english: &str| if en { english } else { zh }.to_string();
    let columns = Target::of_kind(kind);
    let header = columns
        .iter()
        .map(|t| tr.t(&t.label_key()).to_string())
        .collect();
    let row = columns
        .iter()
        .map(|t| match t {
            Target::Name => "上海星河数据科技有限公司".to_string(),
            Target::Owner => login.to_string(),
            Target::Contract(C::Number) => "XH-2026-001".to_string(),
            Target::Contract(C::Title) => pick("数据平台年度服务", "Data platform, one year"),
            Target::Contract(C::SigningDate) => "2026-01-15".to_string(),
            Target::Contract(C::Amount) => "120,000.00".to_string(),
            Target::Contract(C::TaxRate) => "6%".to_string(),
            Target::Contract(C::Status) => pick("已签约", "signed"),
            Target::Contract(C::Plan) => "2026-03-31 60000; 2026-06-30 60000".to_string(),
            Target::Payment(P::ReceivedOn) => "2026-03-28".to_string(),
            Target::Payment(P::Amount) => "60,000.00".to_string(),
            Target::Payment(P::Reference) => pick("银行转账", "Bank transfer"),
            _ => String::new(),
        })
        .collect();
    vec![header, row]
}

/// How to fill a contracts or payments file, a line per paragraph.
fn sales_notes(tr: Tr, kind: &str) -> Vec<Vec<String>> {
    vec![
        vec![tr.t("import.notes_title").to_string()],
        vec![tr.t(&format!("cimport.notes.{kind}")).to_string()],
    ]
}

/// The example's contacts: two, in the first two groups; the third group stays empty.
fn contact_example(tr: Tr, n: u8, f: ContactField) -> String {
    let en = tr.lang() == Lang::En;
    match (n, f) {
        (1, ContactField::Name) => "王磊",
        (1, ContactField::Title) if en => "Purchasing manager",
        (1, ContactField::Title) => "采购经理",
        (1, ContactField::Mobile) => "13800138000",
        (1, ContactField::Email) => "wang.lei@example.com.cn",
        (2, ContactField::Name) => "李娜",
        (2, ContactField::Title) if en => "CTO",
        (2, ContactField::Title) => "技术总监",
        (2, ContactField::Mobile) => "13900139000",
        _ => "",
    }
    .to_string()
}

/// The template of a file of contacts alone: the customer's name and USCC, then one contact.
fn contacts_sheet(tr: Tr) -> Vec<Vec<String>> {
    let columns = [
        Target::Name,
        Target::Uscc,
        Target::Contact(1, ContactField::Name),
        Target::Contact(1, ContactField::Title),
        Target::Contact(1, ContactField::Mobile),
        Target::Contact(1, ContactField::Email),
    ];
    let header = columns
        .iter()
        .map(|t| tr.t(&t.label_key()).to_string())
        .collect();
    let row = |name: &str, n: u8| -> Vec<String> {
        columns
            .iter()
            .map(|t| match t {
                Target::Name => name.to_string(),
                Target::Contact(_, f) => contact_example(tr, n, *f),
                _ => String::new(),
            })
            .collect()
    };
    vec![
        header,
        row("上海星河数据科技有限公司", 1),
        // A second row of the same customer: a second contact.
        row("上海星河数据科技有限公司", 2),
    ]
}

/// Which template: `?kind=contacts` for a file of contacts alone, `?kind=contracts` or
/// `?kind=payments` for contracts or payments received.
#[derive(Debug, Default, serde::Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

impl KindQuery {
    fn contacts(&self) -> bool {
        self.kind.as_deref() == Some(import::contacts::KIND)
    }

    /// `contracts` or `payments`, when the template is one of those.
    fn sales(&self) -> Option<&str> {
        self.kind.as_deref().filter(|k| import::sales::is_sales(k))
    }
}

/// How to fill the template, a line per paragraph (the XLSX's last sheet).
fn notes(tr: Tr) -> Vec<Vec<String>> {
    [
        "import.notes_title",
        "import.notes_contacts",
        "import.notes_contacts_file",
        "import.notes_lists",
    ]
    .iter()
    .map(|k| vec![tr.t(k).to_string()])
    .collect()
}

fn file_name(tr: Tr, ext: &str) -> String {
    format!("{}.{ext}", tr.t("import.template_file"))
}

async fn csv(
    State(_s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<KindQuery>,
) -> Response {
    if !import::may_import(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    let rows = if let Some(kind) = q.sales() {
        sales_sheet(tr, kind, &u.ctx.login)
    } else if q.contacts() {
        contacts_sheet(tr)
    } else {
        vec![headers(tr), example(tr, &u.ctx.login)]
    };
    let mut body = b"\xEF\xBB\xBF".to_vec();
    for r in &rows {
        body.extend(export::csv_line(r));
    }
    crate::view::download(body, "text/csv; charset=utf-8", &file_name(tr, "csv"))
}

async fn xlsx(
    State(s): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<KindQuery>,
) -> Response {
    if !import::may_import(&u.ctx) {
        return page_error(AppError::Forbidden, u.lang);
    }
    let tr = Tr(u.lang);
    if let Some(kind) = q.sales() {
        let sheets = [
            Sheet {
                name: tr.t("import.template_sheet").to_string(),
                rows: sales_sheet(tr, kind, &u.ctx.login),
            },
            Sheet {
                name: tr.t("import.template_notes").to_string(),
                rows: sales_notes(tr, kind),
            },
        ];
        return workbook_response(tr, &sheets);
    }
    if q.contacts() {
        let sheets = [
            Sheet {
                name: tr.t("import.template_contacts_sheet").to_string(),
                rows: contacts_sheet(tr),
            },
            Sheet {
                name: tr.t("import.template_notes").to_string(),
                rows: notes(tr),
            },
        ];
        return workbook_response(tr, &sheets);
    }
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
        Sheet {
            name: tr.t("import.template_notes").to_string(),
            rows: notes(tr),
        },
    ];
    workbook_response(tr, &sheets)
}

fn workbook_response(tr: Tr, sheets: &[Sheet]) -> Response {
    match export::workbook(sheets) {
        Ok(bytes) => crate::view::download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &file_name(tr, "xlsx"),
        ),
        Err(e) => page_error(e, tr.lang()),
    }
    .into_response()
}
