//! Importing customers from a spreadsheet (issue 3, item 10).
//!
//! The flow: [`upload`] reads the file (CSV in UTF-8 or GBK, or XLSX), refuses what is not a
//! sheet or is too big, and keeps it in the `imports` table; [`preview`] shows the headers, the
//! guessed [`Target`] of each column and the first rows; [`start`] (web, in a tokio task) or
//! [`run_now`] (command line) checks every row with the same rules as creating one customer
//! ([`crate::customers::parse`]), finds duplicates in the database and inside the file, and —
//! only when no row was refused, or the user chose "import valid rows" — creates the customers
//! as leads in ONE transaction, with an audit row per customer and owner history.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

use salesdesk_domain::customer::{CompanySize, CustomerStatus};
use salesdesk_domain::{DataScope, FieldError};
use salesdesk_store::customers::{CustomerFields, Visible};
use salesdesk_store::imports::{self as store, Import, Outcome};
use salesdesk_store::{choices, regions, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::customers::{self, Lookup};
use crate::{App, AppError, Ctx, Result};

pub mod contacts;
pub mod sales;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 200_000;
/// Most columns in one file.
pub const MAX_COLUMNS: usize = 100;
/// Most bytes an XLSX may unpack to (a "zip bomb" is refused before calamine reads it).
pub const MAX_UNZIPPED_BYTES: u64 = 200 * 1024 * 1024;
/// Rows shown on the preview page.
pub const PREVIEW_ROWS: usize = 10;
/// Row errors kept per import (the report lists these; the counts are always exact).
const MAX_KEPT_ERRORS: usize = 50_000;

/// A sheet as text: the header row and the data rows (row `i` is spreadsheet row `i + 2`).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn file_error(code: &'static str) -> AppError {
    AppError::field("file", code)
}

/// Reads a CSV or XLSX file a row at a time, refusing anything else with a specific message, so
/// that a file of 200,000 rows is never held as a table (that costs several times the file).
///
/// `on_row(n, cells)` gets every data row with its number as a spreadsheet shows it (the header
/// is row 1), empty ones included, and says whether to go on. Returns the header row and the
/// number of data rows up to the last one that is not empty (Excel leaves empty rows at the
/// end). A file whose header row is empty, or that has no data row, is refused, unless
/// `on_row` stopped the reading first.
pub fn visit_rows(
    bytes: &[u8],
    mut on_row: impl FnMut(u32, Vec<String>) -> Result<bool>,
) -> Result<(Vec<String>, usize)> {
    let mut headers: Option<Vec<String>> = None;
    let mut filled: usize = 0;
    let mut stopped = false;
    visit(bytes, &mut |n, row| {
        if n == 1 {
            if row.iter().all(|h| h.trim().is_empty()) {
                return Err(file_error("error.import_empty"));
            }
            headers = Some(row);
            return Ok(true);
        }
        if !row.iter().all(|c| c.trim().is_empty()) {
            filled = n as usize - 1;
        }
        let go_on = on_row(n, row)?;
        stopped = !go_on;
        Ok(go_on)
    })?;
    let Some(headers) = headers else {
        return Err(file_error("error.import_empty"));
    };
    if filled == 0 && !stopped {
        return Err(file_error("error.import_no_rows"));
    }
    Ok((headers, filled))
}

/// Reads a whole CSV or XLSX file into a table (tests and small files; an import streams with
/// [`visit_rows`]). Row `i` of the table is spreadsheet row `i + 2`.
pub fn read_table(bytes: &[u8]) -> Result<Table> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (headers, filled) = visit_rows(bytes, |n, row| {
        // An XLSX has no rows for empty lines: keep the numbering.
        rows.resize_with(n as usize - 2, Vec::new);
        rows.push(row);
        Ok(true)
    })?;
    rows.truncate(filled);
    Ok(Table { headers, rows })
}

/// The header row of a file that was accepted at upload; reading stops there.
pub fn read_headers(bytes: &[u8]) -> Result<Vec<String>> {
    let mut headers = None;
    visit(bytes, &mut |_, row| {
        headers = Some(row);
        Ok(false)
    })?;
    headers.ok_or_else(|| file_error("error.import_empty"))
}

/// Every row of the file, the header row (1) first, until `f` says stop. The limits on size,
/// rows and columns are enforced here, as the rows go by.
fn visit(bytes: &[u8], f: &mut dyn FnMut(u32, Vec<String>) -> Result<bool>) -> Result<()> {
    if bytes.is_empty() {
        return Err(file_error("error.import_empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_error("error.import_too_large"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        visit_xlsx(bytes, f)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(file_error("error.import_old_xls"))
    } else {
        visit_csv(bytes, f)
    }
}

/// The text of a CSV file: UTF-8 (a BOM is dropped) when it is valid UTF-8, otherwise GBK (what
/// Chinese Excel saves); neither is refused. Binary files are refused as "not a spreadsheet".
/// UTF-8 is borrowed, not copied: the file can be 20 MB.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>> {
    const BINARY_MAGIC: &[&[u8]] = &[
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"GIF8",
        b"%PDF",
        b"\x1F\x8B",
        b"Rar!",
        b"7z\xBC\xAF",
    ];
    if BINARY_MAGIC.iter().any(|m| bytes.starts_with(m)) {
        return Err(file_error("error.import_not_spreadsheet"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| file_error("error.import_encoding"))?,
    };
    // Text files have no control characters but tab and line ends; binaries soon do.
    if text
        .chars()
        .take(64 * 1024)
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(file_error("error.import_not_spreadsheet"));
    }
    Ok(text)
}

/// Reads a CSV row by row (UTF-8 borrowed from the file, GBK decoded once).
fn visit_csv(bytes: &[u8], f: &mut dyn FnMut(u32, Vec<String>) -> Result<bool>) -> Result<()> {
    let text = decode_text(bytes)?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut n: u32 = 0;
    loop {
        match r.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(_) => return Err(file_error("error.import_bad_csv")),
        }
        if record.len() > MAX_COLUMNS {
            return Err(file_error("error.import_too_many_columns"));
        }
        n += 1;
        if n as usize > MAX_ROWS + 1 {
            return Err(file_error("error.import_too_many_rows"));
        }
        if !f(n, record.iter().map(str::to_string).collect())? {
            return Ok(());
        }
    }
}

/// Checks what every entry of the archive really unpacks to (declared sizes can lie) before
/// calamine reads it: shared strings are loaded whole, so a bomb there would exhaust memory.
fn check_zip(bytes: &[u8]) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| file_error("error.import_not_spreadsheet"))?;
    if zip.index_for_name("xl/workbook.xml").is_none() {
        return Err(file_error("error.import_not_spreadsheet"));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|_| file_error("error.import_broken_xlsx"))?;
        if entry.size() > MAX_UNZIPPED_BYTES {
            return Err(file_error("error.import_unzipped_too_large"));
        }
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|_| file_error("error.import_broken_xlsx"))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNZIPPED_BYTES {
                return Err(file_error("error.import_unzipped_too_large"));
            }
        }
    }
    Ok(())
}

fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match v {
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.clone(),
        D::SharedString(s) => (*s).to_string(),
        D::Int(i) => i.to_string(),
        // Phone numbers and codes typed as numbers come back as floats: no ".0".
        D::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        D::Float(f) => f.to_string(),
        D::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        D::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.as_f64().to_string(),
        },
        D::Error(_) | D::Empty => String::new(),
    }
}

/// The cell reader streams the sheet in row order: a row is handed on when the next one starts,
/// and a huge sheet is refused at the first cell beyond the limits instead of being loaded.
/// The header row is the first row with a cell that is not empty.
fn visit_xlsx(bytes: &[u8], f: &mut dyn FnMut(u32, Vec<String>) -> Result<bool>) -> Result<()> {
    use calamine::Reader;
    check_zip(bytes)?;
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|_| file_error("error.import_broken_xlsx"))?;
    let first = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_error("error.import_empty"))?;
    let mut cells = wb
        .worksheet_cells_reader(&first)
        .map_err(|_| file_error("error.import_broken_xlsx"))?;
    let mut top: Option<u32> = None;
    // The row being read: its number (1 = header) and cells.
    let mut line: Option<(u32, Vec<String>)> = None;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(file_error("error.import_broken_xlsx")),
        };
        let text = cell_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        let top = *top.get_or_insert(row);
        let Some(n) = row.checked_sub(top).and_then(|r| r.checked_add(1)) else {
            return Err(file_error("error.import_broken_xlsx"));
        };
        let c = col as usize;
        if c >= MAX_COLUMNS {
            return Err(file_error("error.import_too_many_columns"));
        }
        if n as usize > MAX_ROWS + 1 {
            return Err(file_error("error.import_too_many_rows"));
        }
        match &mut line {
            Some((at, _)) if *at == n => {}
            // Rows come in order; a sheet that goes back is not one Excel wrote.
            Some((at, _)) if *at > n => return Err(file_error("error.import_broken_xlsx")),
            _ => {
                if let Some((at, cells)) = line.take()
                    && !f(at, cells)?
                {
                    return Ok(());
                }
                line = Some((n, Vec::new()));
            }
        }
        if let Some((_, cells)) = &mut line {
            if cells.len() <= c {
                cells.resize(c + 1, String::new());
            }
            cells[c] = text;
        }
    }
    if let Some((at, cells)) = line {
        f(at, cells)?;
    }
    Ok(())
}

/// The customer field a column fills, or a field of one of the row's contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Name,
    ShortName,
    Uscc,
    Website,
    Email,
    Phone,
    Province,
    City,
    Address,
    Industry,
    Size,
    Type,
    Source,
    Background,
    Owner,
    Region,
    /// A field of the row's contact number 1 to [`contacts::SLOTS`] (`contact2_mobile`).
    Contact(u8, contacts::ContactField),
    /// A field of a contract (imports of kind [`sales::CONTRACTS`]; the contract number also
    /// names a payment's contract in kind [`sales::PAYMENTS`]).
    Contract(sales::ContractField),
    /// A field of a payment received (kind [`sales::PAYMENTS`]).
    Payment(sales::PaymentField),
}

impl Target {
    pub const ALL: [Target; 16 + contacts::TARGETS.len()] = [
        Target::Name,
        Target::ShortName,
        Target::Uscc,
        Target::Website,
        Target::Email,
        Target::Phone,
        Target::Province,
        Target::City,
        Target::Address,
        Target::Industry,
        Target::Size,
        Target::Type,
        Target::Source,
        Target::Background,
        Target::Owner,
        Target::Region,
        contacts::TARGETS[0],
        contacts::TARGETS[1],
        contacts::TARGETS[2],
        contacts::TARGETS[3],
        contacts::TARGETS[4],
        contacts::TARGETS[5],
        contacts::TARGETS[6],
        contacts::TARGETS[7],
        contacts::TARGETS[8],
        contacts::TARGETS[9],
        contacts::TARGETS[10],
        contacts::TARGETS[11],
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Name => "name",
            Target::ShortName => "short_name",
            Target::Uscc => "uscc",
            Target::Website => "website",
            Target::Email => "email",
            Target::Phone => "phone",
            Target::Province => "province",
            Target::City => "city",
            Target::Address => "address",
            Target::Industry => "industry",
            Target::Size => "size",
            Target::Type => "type",
            Target::Source => "source",
            Target::Background => "background",
            Target::Owner => "owner",
            Target::Region => "region",
            Target::Contact(n, f) => contacts::code(n, f),
            Target::Contract(f) => sales::contract_code(f),
            Target::Payment(f) => sales::payment_code(f),
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL
            .into_iter()
            .chain(sales::TARGETS)
            .find(|t| t.as_str() == s)
    }

    /// The fields a file of `kind` may fill, in the order its template and mapping show them:
    /// customers (and contacts alone) every customer and contact field; contracts and payments
    /// their own ([`sales::targets`]).
    pub fn of_kind(kind: &str) -> &'static [Target] {
        sales::targets(kind).unwrap_or(&Target::ALL)
    }

    /// The i18n key of the field's name (`export.col.<code>`, shared with the export headers,
    /// so an exported file imports again as it is).
    pub fn label_key(self) -> String {
        match self {
            Target::Contract(_) | Target::Payment(_) => format!("cimport.col.{}", self.as_str()),
            _ => format!("export.col.{}", self.as_str()),
        }
    }

    /// Header names (folded: lower case, no spaces or marks) that mean this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Target::Name => &[
                "客户名称",
                "公司名称",
                "企业名称",
                "客户全称",
                "单位名称",
                "名称",
                "name",
                "customername",
                "company",
                "companyname",
                "customer",
            ],
            Target::ShortName => &["简称", "客户简称", "公司简称", "shortname", "abbreviation"],
            Target::Uscc => &[
                "统一社会信用代码",
                "社会信用代码",
                "信用代码",
                "uscc",
                "creditcode",
            ],
            Target::Website => &["网址", "网站", "官网", "公司网址", "website", "url", "web"],
            Target::Email => &["邮箱", "电子邮箱", "邮件", "email", "mail"],
            Target::Phone => &[
                "电话",
                "联系电话",
                "公司电话",
                "座机",
                "phone",
                "tel",
                "telephone",
            ],
            Target::Province => &["省份", "省", "所在省份", "province"],
            Target::City => &["城市", "市", "所在城市", "city"],
            Target::Address => &["地址", "详细地址", "公司地址", "address"],
            Target::Industry => &["行业", "所属行业", "industry"],
            Target::Size => &[
                "企业规模",
                "公司规模",
                "人员规模",
                "规模",
                "companysize",
                "size",
            ],
            Target::Type => &["客户类型", "类型", "customertype", "type"],
            Target::Source => &["客户来源", "来源", "customersource", "source"],
            Target::Background => &["背景", "客户背景", "备注", "background", "notes", "remark"],
            Target::Owner => &["客户经理", "负责人", "销售", "accountmanager", "owner"],
            Target::Region => &["区域", "大区", "所属区域", "region"],
            Target::Contact(n, f) => contacts::aliases(n, f),
            Target::Contract(f) => sales::contract_aliases(f),
            Target::Payment(f) => sales::payment_aliases(f),
        }
    }
}

/// A target is written and read as its code (`name`, `contact1_mobile`).
impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Target::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("no import field {code:?}")))
    }
}

fn fold_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !"_-*:：()（）\u{feff}".contains(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Guesses each column's field from its header; each field is given to one column at most.
pub fn guess_mapping(headers: &[String]) -> Vec<Option<Target>> {
    guess_mapping_for("customers", headers)
}

/// As [`guess_mapping`], among the fields of a file of `kind` ([`Target::of_kind`]).
pub fn guess_mapping_for(kind: &str, headers: &[String]) -> Vec<Option<Target>> {
    let mut used = Vec::new();
    headers
        .iter()
        .map(|h| {
            let f = fold_header(h);
            let t = Target::of_kind(kind)
                .iter()
                .copied()
                .find(|t| !used.contains(t) && t.aliases().contains(&f.as_str()));
            if let Some(t) = t {
                used.push(t);
            }
            t
        })
        .collect()
}

/// One refused row: its spreadsheet row number, the field, the reason (an i18n key) and, for
/// duplicates, what it duplicates (a row number or the existing customer's owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: u32,
    pub field: String,
    pub code: String,
    pub arg: Option<String>,
}

/// An import as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    pub id: i64,
    /// `customers`, `contacts` (contacts alone, for customers on file), `contracts` or
    /// `payments`.
    pub kind: String,
    pub file_name: String,
    /// `uploaded`, `running`, `rejected` (rows were refused, nothing imported), `done`, `failed`.
    pub status: String,
    pub valid_only: bool,
    /// Data rows in the file.
    pub total: i64,
    /// Rows checked so far.
    pub done: i64,
    pub valid: i64,
    pub rejected: i64,
    pub imported: i64,
    /// Why a run failed (an i18n key).
    pub message: Option<String>,
    pub errors: Vec<RowError>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn view_of(i: &Import) -> ImportView {
    ImportView {
        id: i.id,
        kind: i.kind.clone(),
        file_name: i.file_name.clone(),
        status: i.status.clone(),
        valid_only: i.valid_only,
        total: i.total,
        done: i.done,
        valid: i.valid,
        rejected: i.rejected,
        imported: i.imported,
        message: i.message.clone(),
        errors: i
            .errors
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok())
            .unwrap_or_default(),
        created_at: i.created_at,
        finished_at: i.finished_at,
    }
}

async fn headers_blocking(bytes: Vec<u8>) -> Result<Vec<String>> {
    tokio::task::spawn_blocking(move || read_headers(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("reading the file: {e}")))?
}

async fn importer_scope(app: &App, ctx: &Ctx) -> Result<Visible> {
    let v = customers::visible(app, ctx).await?;
    if v == Visible::Nothing {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

/// Reads an uploaded file and keeps it for preview and run. Nothing is imported yet.
pub async fn upload(app: &App, ctx: &Ctx, file_name: &str, bytes: Vec<u8>) -> Result<ImportView> {
    upload_kind(app, ctx, file_name, bytes, "customers").await
}

/// As [`upload`], for a file of `kind` (`customers`, or `contacts`: [`contacts::KIND`]).
pub async fn upload_kind(
    app: &App,
    ctx: &Ctx,
    file_name: &str,
    bytes: Vec<u8>,
    kind: &str,
) -> Result<ImportView> {
    contacts::check_kind(kind)?;
    importer_scope(app, ctx).await?;
    // Only the row count is kept (the rows are read one at a time and dropped), and the file is
    // kept packed.
    let (rows, bytes) = tokio::task::spawn_blocking(move || {
        let (_, rows) = visit_rows(&bytes, |_, _| Ok(true))?;
        Ok::<_, AppError>((rows, pack(&bytes)?))
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading the file: {e}")))??;
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let name = if name.trim().is_empty() {
        "import".to_string()
    } else {
        name
    };
    let tx = app.db.begin().await?;
    let mut imp = store::insert(&tx, ctx.actor_id(), &name, bytes, rows as i64).await?;
    if kind != imp.kind {
        salesdesk_store::import_contacts::set_kind(&tx, imp.id, kind).await?;
        imp.kind = kind.to_string();
    }
    salesdesk_store::audit::insert(
        &tx,
        ctx.audit(
            "customer.import_upload",
            "import",
            Some(imp.id),
            None,
            Some(json!({"file": name, "rows": rows, "kind": kind})),
        ),
    )
    .await?;
    app.db.commit(tx).await?;
    Ok(view_of(&imp))
}

/// An import of this actor, without its file. An unfinished run whose lease ran out (its
/// process stopped) is taken over first: its rows are removed and it shows as interrupted.
async fn load(app: &App, ctx: &Ctx, id: i64) -> Result<Import> {
    let imp = match store::get(app.db.read(), id).await? {
        Some(i) if i.user_id == ctx.actor_id() => i,
        _ => return Err(AppError::NotFound),
    };
    let now = chrono::Utc::now();
    if store::HIDING.contains(&imp.status.as_str()) && imp.lease_until.is_none_or(|t| t < now) {
        if let Some(removal) = take_over(app, id, now).await? {
            // The removal goes on if this request ends; a small run's is over at once.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), removal).await;
        }
        return match store::get(app.db.read(), id).await? {
            Some(i) => Ok(i),
            None => Err(AppError::NotFound),
        };
    }
    Ok(imp)
}

/// How long a run's claim lasts without renewal (renewed every third of it): a run of a stopped
/// process is seen as interrupted this long after its last renewal at most.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(15);

/// Customers written per transaction of a run (`AppConfig::import_chunk_rows`).
pub const CHUNK_ROWS: usize = 100;

/// Customers removed per transaction when a run failed or was interrupted.
const REMOVE_ROWS: u64 = 1_000;

/// Awaited after each committed chunk of a run with the import id and the number of chunks
/// written so far (`AppConfig::import_chunk_hook`; tests pause a run here).
#[derive(Clone)]
pub struct ChunkHook(pub std::sync::Arc<ChunkHookFn>);

/// What a [`ChunkHook`] calls: `(import id, chunks written)` to a future the run awaits.
pub type ChunkHookFn =
    dyn Fn(i64, usize) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

impl std::fmt::Debug for ChunkHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChunkHook")
    }
}

/// Who holds a run: this process (id, host, start) and a number of its own for the run, so that
/// two runs — or two servers in one test process — never share a lease.
fn new_holder() -> String {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PROCESS: LazyLock<String> = LazyLock::new(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".into());
        format!(
            "pid {} on {host} started {}",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
        )
    });
    static RUNS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{} run {}",
        *PROCESS,
        RUNS.fetch_add(1, Ordering::Relaxed) + 1
    )
}

fn lease<'a>(app: &App, holder: &'a str) -> store::Lease<'a> {
    let lease = chrono::TimeDelta::from_std(app.config.import_lease)
        .unwrap_or(chrono::TimeDelta::seconds(15));
    store::Lease {
        holder,
        until: chrono::Utc::now() + lease,
    }
}

/// Takes over a run whose lease ran out before `at` and removes its rows in the background;
/// `None` when it was not to be taken (still renewed, finished, or another process took it).
async fn take_over(
    app: &App,
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<tokio::task::JoinHandle<()>>> {
    let holder = new_holder();
    let tx = app.db.begin().await?;
    let taken =
        store::take_over(&tx, id, at, lease(app, &holder), "error.import_interrupted").await?;
    app.db.commit(tx).await?;
    if !taken {
        return Ok(None);
    }
    tracing::warn!(
        import = id,
        "import run interrupted (its lease ran out): removing its rows"
    );
    let app = app.clone();
    Ok(Some(tokio::spawn(async move {
        if let Err(e) = remove(&app, id, &holder).await {
            tracing::warn!(import = id, error = %e, "removing an interrupted import's rows failed");
        }
    })))
}

/// Removes the rows of a `removing` import this holder holds, in short transactions, renewing
/// the lease with each; then marks it `failed` (it may run again). Stops if the holder lost it.
async fn remove(app: &App, id: i64, holder: &str) -> Result<()> {
    loop {
        let tx = app.db.begin().await?;
        let n = store::remove_rows(&tx, id, REMOVE_ROWS).await?
            + contacts::remove_rows(&tx, id, REMOVE_ROWS).await?;
        let held = store::renew(&tx, id, lease(app, holder)).await?;
        app.db.commit(tx).await?;
        if !held {
            return Ok(());
        }
        if n == 0 {
            break;
        }
    }
    let tx = app.db.begin().await?;
    store::removed(&tx, id, holder).await?;
    app.db.commit(tx).await?;
    Ok(())
}

/// Takes over every run whose lease ran out — a process that stopped — removes its rows and
/// marks it interrupted (`serve` calls this on start and every few seconds). A run that is
/// still renewed, here or in another process, is left alone.
pub async fn reap_interrupted(app: &App) -> Result<u64> {
    let now = chrono::Utc::now();
    let mut n = 0;
    for id in store::expired(app.db.read(), now, None).await? {
        if let Some(removal) = take_over(app, id, now).await? {
            removal.await.map_err(join_error)?;
            n += 1;
        }
    }
    if n > 0 {
        tracing::warn!(imports = n, "marked interrupted import runs as failed");
    }
    Ok(n)
}

/// The uploaded file of an import that [`load`] found.
async fn file_of(app: &App, imp: &Import) -> Result<Vec<u8>> {
    let stored = store::content(app.db.read(), imp.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tokio::task::spawn_blocking(move || unpack(stored))
        .await
        .map_err(join_error)?
}

/// An uploaded file as it is kept: gzipped at the fastest level. A CSV of 100,000 Chinese
/// companies shrinks about five times, and so does every copy made on its way into and out of
/// the database (the driver and the database each copy a bound value once or twice).
fn pack(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    z.write_all(bytes)
        .and_then(|_| z.finish())
        .map_err(|e| AppError::Internal(format!("compressing the upload: {e}")))
}

/// The file kept by [`pack`]. Imports stored before files were packed hold the file itself,
/// which never starts with gzip's magic number (the upload refuses gzip as "not a sheet").
fn unpack(stored: Vec<u8>) -> Result<Vec<u8>> {
    if !stored.starts_with(&[0x1F, 0x8B]) {
        return Ok(stored);
    }
    let mut out = Vec::with_capacity(stored.len() * 5);
    flate2::read::GzDecoder::new(&stored[..])
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| AppError::Internal(format!("reading the kept upload: {e}")))?;
    Ok(out)
}

/// An import's state (the result page polls this; it does not read the file).
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ImportView> {
    Ok(view_of(&load(app, ctx, id).await?))
}

/// What the preview page shows: the headers, the mapping (guessed, or as last chosen) and the
/// first rows.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub import: ImportView,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<Target>>,
    pub rows: Vec<Vec<String>>,
}

fn stored_mapping(i: &Import, headers: &[String]) -> Vec<Option<Target>> {
    let stored: Option<Vec<Option<String>>> = i
        .mapping
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok());
    match stored {
        Some(m) if m.len() == headers.len() => m
            .iter()
            .map(|t| t.as_deref().and_then(Target::parse))
            .collect(),
        _ => guess_mapping_for(&i.kind, headers),
    }
}

pub async fn preview(app: &App, ctx: &Ctx, id: i64) -> Result<Preview> {
    let imp = load(app, ctx, id).await?;
    let content = file_of(app, &imp).await?;
    let (headers, rows) = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::with_capacity(PREVIEW_ROWS);
        let (headers, _) = visit_rows(&content, |_, row| {
            rows.push(row);
            Ok(rows.len() < PREVIEW_ROWS)
        })?;
        Ok::<_, AppError>((headers, rows))
    })
    .await
    .map_err(join_error)??;
    Ok(Preview {
        mapping: stored_mapping(&imp, &headers),
        import: view_of(&imp),
        rows,
        headers,
    })
}

/// Checks a chosen mapping (one column per field at most, a name column) and claims the import
/// for a run. The mapping has one entry per column; `None` keeps the stored or guessed one.
async fn claim(
    app: &App,
    ctx: &Ctx,
    id: i64,
    mapping: Option<Vec<Option<Target>>>,
    valid_only: bool,
) -> Result<String> {
    importer_scope(app, ctx).await?;
    let imp = load(app, ctx, id).await?;
    if !matches!(imp.status.as_str(), "uploaded" | "rejected" | "failed") {
        return Err(AppError::conflict("import", "error.import_not_runnable"));
    }
    let mapping = match mapping {
        Some(m) => m,
        None => {
            let headers = headers_blocking(file_of(app, &imp).await?).await?;
            stored_mapping(&imp, &headers)
        }
    };
    let mut seen = Vec::new();
    for t in mapping.iter().flatten() {
        if seen.contains(t) {
            return Err(AppError::field("mapping", "error.import_mapping_twice"));
        }
        if !Target::of_kind(&imp.kind).contains(t) {
            return Err(AppError::field("mapping", "error.invalid_choice"));
        }
        seen.push(*t);
    }
    if sales::is_sales(&imp.kind) {
        sales::check_mapping(&imp.kind, &seen)?;
    } else {
        contacts::check_mapping(&imp.kind, &seen)?;
    }
    let codes: Vec<Option<&str>> = mapping.iter().map(|t| t.map(Target::as_str)).collect();
    let json = serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into());
    let holder = new_holder();
    let tx = app.db.begin().await?;
    let claimed = store::claim(&tx, id, &json, valid_only, lease(app, &holder)).await?;
    app.db.commit(tx).await?;
    if !claimed {
        return Err(AppError::conflict("import", "error.import_not_runnable"));
    }
    Ok(holder)
}

/// Starts a run in the background and returns at once; the result page follows its progress.
pub async fn start(
    app: &App,
    ctx: &Ctx,
    id: i64,
    mapping: Option<Vec<Option<Target>>>,
    valid_only: bool,
) -> Result<()> {
    let holder = claim(app, ctx, id, mapping, valid_only).await?;
    let (app, ctx) = (app.clone(), ctx.clone());
    tokio::spawn(async move {
        let _ = run(&app, &ctx, id, &holder, &|_, _| {}).await;
    });
    Ok(())
}

/// Runs an import to its end (the command line), reporting `(rows checked, total)`.
pub async fn run_now(
    app: &App,
    ctx: &Ctx,
    id: i64,
    mapping: Option<Vec<Option<Target>>>,
    valid_only: bool,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportView> {
    let holder = claim(app, ctx, id, mapping, valid_only).await?;
    run(app, ctx, id, &holder, progress).await
}

/// Runs a claimed import while renewing its lease. A failure removes what the run wrote (status
/// `removing`, then `failed` with the reason).
async fn run(
    app: &App,
    ctx: &Ctx,
    id: i64,
    holder: &str,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportView> {
    // The lease is renewed in the background while the rows are checked (no write happens
    // then) and by every chunk written; it stops when the run no longer holds the import.
    let renewer = {
        let (app, holder) = (app.clone(), holder.to_string());
        tokio::spawn(async move {
            let every = app.config.import_lease / 3;
            loop {
                tokio::time::sleep(every).await;
                let renewed = async {
                    let tx = app.db.begin().await?;
                    let held = store::renew(&tx, id, lease(&app, &holder)).await?;
                    app.db.commit(tx).await?;
                    Ok::<_, AppError>(held)
                };
                match renewed.await {
                    Ok(true) => {}
                    Ok(false) => return,
                    // The next renewal may work; the lease outlasts two missed ones.
                    Err(e) => {
                        tracing::warn!(import = id, error = %e, "renewing an import's lease failed")
                    }
                }
            }
        })
    };
    let result = execute(app, ctx, id, holder, progress).await;
    renewer.abort();
    if let Err(e) = result {
        tracing::warn!(import = id, error = %e, "import failed");
        let message = match &e {
            // A contract number another import wrote meanwhile (`ux_contracts_number`).
            AppError::Conflict(f)
                if f.0
                    .first()
                    .is_some_and(|x| x.code == "error.cimport_number_in_db") =>
            {
                "error.cimport_number_in_db"
            }
            AppError::Conflict(_) => "error.duplicate_customer",
            AppError::Forbidden => "problem.forbidden",
            _ => "error.import_failed",
        };
        let tx = app.db.begin().await?;
        let mine = store::fail(&tx, id, lease(app, holder), message).await?;
        app.db.commit(tx).await?;
        if mine {
            remove(app, id, holder).await?;
        }
        return Err(e);
    }
    get(app, ctx, id).await
}

/// The run's lease went to another process (it found the lease expired): stop writing, the
/// other process removes what was written.
fn lease_lost(id: i64) -> AppError {
    AppError::Internal(format!("import {id}: the run's lease was taken over"))
}

/// People, regions and list entries loaded once for the whole file.
struct Preloaded {
    users: HashMap<i64, users::User>,
    by_login: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
    regions: HashMap<i64, regions::Region>,
    region_by_name: HashMap<String, i64>,
    choices: std::sync::Arc<Vec<choices::Choice>>,
}

impl Lookup for Preloaded {
    async fn user(&self, id: i64) -> Result<Option<users::User>> {
        Ok(self.users.get(&id).cloned())
    }
    async fn region(&self, id: i64) -> Result<Option<regions::Region>> {
        Ok(self.regions.get(&id).cloned())
    }
    async fn choice(&self, list: &str, code: &str) -> Result<Option<choices::Choice>> {
        Ok(self
            .choices
            .iter()
            .find(|c| c.list == list && c.code == code)
            .cloned())
    }
}

impl Preloaded {
    async fn load(app: &App) -> Result<Preloaded> {
        let codes: Vec<&str> = salesdesk_domain::Position::ALL
            .iter()
            .map(|p| p.as_str())
            .collect();
        // Only active salespeople can own customers: `parse` refuses anyone else as unknown,
        // and refuses them the same way when they are not in this map.
        let people = users::active_with_positions(app.db.read(), &codes).await?;
        let mut by_login = HashMap::new();
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        for u in &people {
            by_login.insert(u.login.to_lowercase(), u.id);
            by_name
                .entry(u.display_name.clone())
                .or_default()
                .push(u.id);
        }
        let all_regions = regions::list(app.db.read()).await?;
        let mut region_by_name = HashMap::new();
        for r in all_regions.iter().filter(|r| r.active) {
            region_by_name.insert(r.name.clone(), r.id);
            region_by_name.insert(r.name_en.to_lowercase(), r.id);
        }
        Ok(Preloaded {
            users: people.into_iter().map(|u| (u.id, u)).collect(),
            by_login,
            by_name,
            regions: all_regions.into_iter().map(|r| (r.id, r)).collect(),
            region_by_name,
            choices: crate::choices::all(app).await?,
        })
    }

    /// A list entry by code, or by its Chinese or English name.
    fn choice_code(&self, list: &str, text: &str) -> String {
        let t = text.trim();
        self.choices
            .iter()
            .filter(|c| c.list == list)
            .find(|c| c.code == t || c.name_zh == t || c.name_en.eq_ignore_ascii_case(t))
            .map(|c| c.code.clone())
            .unwrap_or_else(|| t.to_string())
    }
}

/// A size band from its code or from a head count or a band label ("50–199人", "1000人以上").
fn size_code(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() || CompanySize::parse(t).is_some() {
        return t.to_string();
    }
    let digits: String = t
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    match digits.parse::<u64>() {
        Ok(n) if n < 50 => "s1_49",
        Ok(n) if n < 200 => "s50_199",
        Ok(n) if n < 1000 => "s200_999",
        Ok(_) => "s1000",
        Err(_) => t,
    }
    .to_string()
}

/// The import's name for a field `parse` reports.
fn field_name(parse_field: &str) -> String {
    match parse_field {
        "owner_id" => "owner",
        "region_id" => "region",
        "type_code" => "type",
        "source_code" => "source",
        "size_code" => "size",
        f => f,
    }
    .to_string()
}

/// A checked row: its fields, or its errors.
type Checking = std::result::Result<CustomerFields, Vec<RowError>>;

/// Checks one row; returns its fields or its errors.
async fn check_row(
    pre: &Preloaded,
    ctx: &Ctx,
    v: &Visible,
    mapping: &[Option<Target>],
    row: &[String],
    n: u32,
) -> Result<Checking> {
    let mut input = customers::CustomerInput::default();
    let mut errs = Vec::new();
    let err = |field: &str, code: &str| RowError {
        row: n,
        field: field.into(),
        code: code.into(),
        arg: None,
    };
    for (i, t) in mapping.iter().enumerate() {
        let (Some(t), Some(cell)) = (t, row.get(i)) else {
            continue;
        };
        let cell = cell.trim();
        match t {
            Target::Name => input.name = cell.into(),
            Target::ShortName => input.short_name = cell.into(),
            Target::Uscc => input.uscc = cell.into(),
            Target::Website => input.website = cell.into(),
            Target::Email => input.email = cell.into(),
            Target::Phone => input.phone = cell.into(),
            Target::Province => input.province = cell.into(),
            Target::City => input.city = cell.into(),
            Target::Address => input.address = cell.into(),
            Target::Industry => input.industry = cell.into(),
            Target::Background => input.background = cell.into(),
            Target::Size => input.size_code = size_code(cell),
            Target::Type => input.type_code = pre.choice_code("type", cell),
            Target::Source => input.source_code = pre.choice_code("source", cell),
            Target::Owner if cell.is_empty() => {}
            Target::Owner => {
                if let Some(id) = pre.by_login.get(&cell.to_lowercase()) {
                    input.owner_id = Some(*id);
                } else {
                    match pre.by_name.get(cell).map(Vec::as_slice) {
                        Some([id]) => input.owner_id = Some(*id),
                        Some(_) => errs.push(err("owner", "error.import_owner_ambiguous")),
                        None => errs.push(err("owner", "error.unknown_person")),
                    }
                }
            }
            // Checked by `contacts::of_row`; a contract's or payment's field is not in a
            // customers file (`claim` refuses it).
            Target::Contact(..) | Target::Contract(_) | Target::Payment(_) => {}
            Target::Region if cell.is_empty() => {}
            Target::Region => match pre
                .region_by_name
                .get(cell)
                .or_else(|| pre.region_by_name.get(&cell.to_lowercase()))
            {
                Some(id) => input.region_id = Some(*id),
                None => errs.push(err("region", "error.unknown_region")),
            },
        }
    }
    match customers::parse(pre, ctx, v, &input, None).await {
        Ok(f) if errs.is_empty() => Ok(Ok(f)),
        Ok(_) => Ok(Err(errs)),
        Err(AppError::Validation(fe)) => {
            errs.extend(
                fe.0.into_iter()
                    .map(|FieldError { field, code, arg }| RowError {
                        row: n,
                        field: field_name(&field),
                        code: code.into(),
                        arg,
                    }),
            );
            Ok(Err(errs))
        }
        Err(e) => Err(e),
    }
}

/// Checks one row from a blocking thread. The check never waits: [`Preloaded`] answers every
/// look-up from memory, so the future is ready at its first poll. Should the check ever start
/// to wait (a look-up that goes to the database), the run fails with an internal error instead
/// of blocking a thread.
fn check_now(input: &RunInput, row: &[String], n: u32) -> Result<Checking> {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let RunInput {
        pre,
        ctx,
        v,
        mapping,
    } = input;
    let mut fut = std::pin::pin!(check_row(pre, ctx, v, mapping, row, n));
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(AppError::Internal(
            "the import check waited on a look-up outside the preloaded data".into(),
        )),
    }
}

/// What the check pass keeps of a good row: its number and its duplicate keys. The checked
/// fields themselves are not kept (100,000 of them cost about 80 MB); the write pass checks the
/// row again.
struct RowKey {
    n: u32,
    name_key: String,
    uscc: Option<String>,
}

/// The outcome of the check pass.
struct Checked {
    total: u64,
    keys: Vec<RowKey>,
    errors: Vec<RowError>,
    rejected_rows: HashSet<u32>,
}

/// What the blocking threads of a run share.
struct RunInput {
    pre: Preloaded,
    ctx: Ctx,
    v: Visible,
    mapping: Vec<Option<Target>>,
}

/// Pass 1, in a blocking thread: reads the file and checks every row with the rules of creating
/// one customer. Each row is dropped once checked, and the table is freed by the thread that
/// allocated it (memory freed from another thread is not returned to the system promptly).
/// Reports `(rows looked at, total)` on `progress`.
fn check_pass(
    bytes: &[u8],
    input: &RunInput,
    total: u64,
    progress: &tokio::sync::mpsc::UnboundedSender<(u64, u64)>,
) -> Result<Checked> {
    let mut out = Checked {
        total,
        keys: Vec::new(),
        errors: Vec::new(),
        rejected_rows: HashSet::new(),
    };
    let (_, filled) = visit_rows(bytes, |n, row| {
        if !row.iter().all(|c| c.trim().is_empty()) {
            match (
                check_now(input, &row, n)?,
                contacts::of_row(&input.mapping, &row, n),
            ) {
                (Ok(f), Ok(_)) => out.keys.push(RowKey {
                    n,
                    name_key: f.name_key,
                    uscc: f.uscc,
                }),
                (customer, people) => {
                    out.rejected_rows.insert(n);
                    out.errors.extend(customer.err().unwrap_or_default());
                    out.errors.extend(people.err().unwrap_or_default());
                }
            }
        }
        let done = u64::from(n) - 1;
        if done.is_multiple_of(2_000) {
            // The receiver is gone only when the run has already failed.
            let _ = progress.send((done.min(total), total));
        }
        Ok(true)
    })?;
    out.total = filled as u64;
    Ok(out)
}

/// Pass 2, in a blocking thread: reads the file again and sends the checked fields of the rows
/// to import (`good`, ascending row numbers) in slices, so that only a few slices are in memory
/// while the write transaction runs, and the checking overlaps the database's work.
fn write_rows(
    bytes: &[u8],
    input: &RunInput,
    good: &[u32],
    chunk: usize,
    out: &tokio::sync::mpsc::Sender<Result<Vec<contacts::NewCustomer>>>,
) -> Result<()> {
    let mut slice = Vec::with_capacity(chunk);
    let mut wanted = good.iter().copied().peekable();
    let mut writer_gone = false;
    visit_rows(bytes, |n, row| {
        if wanted.peek() != Some(&n) {
            return Ok(wanted.peek().is_some());
        }
        wanted.next();
        match (
            check_now(input, &row, n)?,
            contacts::of_row(&input.mapping, &row, n),
        ) {
            (Ok(f), Ok(people)) => slice.push(contacts::NewCustomer::new(f, people)),
            // Same file, same rules, same data: a row that passed must pass again.
            _ => return Err(AppError::Internal(format!("import row {n} changed"))),
        }
        if slice.len() == chunk {
            let full = std::mem::replace(&mut slice, Vec::with_capacity(chunk));
            if out.blocking_send(Ok(full)).is_err() {
                writer_gone = true; // the writer stopped (it failed); nothing more to do
                return Ok(false);
            }
        }
        Ok(wanted.peek().is_some())
    })?;
    if writer_gone {
        return Ok(());
    }
    if let Some(n) = wanted.next() {
        return Err(AppError::Internal(format!("import row {n} vanished")));
    }
    if !slice.is_empty() {
        let _ = out.blocking_send(Ok(slice));
    }
    Ok(())
}

fn join_error(e: tokio::task::JoinError) -> AppError {
    AppError::Internal(format!("import thread: {e}"))
}

async fn execute(
    app: &App,
    ctx: &Ctx,
    id: i64,
    holder: &str,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<()> {
    let started = std::time::Instant::now();
    let v = importer_scope(app, ctx).await?;
    let imp = load(app, ctx, id).await?;
    if imp.kind == contacts::KIND {
        return contacts::execute(app, ctx, id, holder, progress, imp, v).await;
    }
    if sales::is_sales(&imp.kind) {
        return sales::execute(app, ctx, id, holder, progress, imp, v).await;
    }
    let total_rows = imp.total.max(0) as u64;
    let bytes = file_of(app, &imp).await?;
    let (headers, bytes) =
        tokio::task::spawn_blocking(move || read_headers(&bytes).map(|h| (h, bytes)))
            .await
            .map_err(join_error)??;
    let input = std::sync::Arc::new(RunInput {
        mapping: stored_mapping(&imp, &headers),
        pre: Preloaded::load(app).await?,
        ctx: ctx.clone(),
        v,
    });

    // 1. Every row with the rules of creating one customer.
    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel();
    let pass = {
        let input = input.clone();
        tokio::task::spawn_blocking(move || {
            check_pass(&bytes, &input, total_rows, &progress_tx).map(|c| (c, bytes))
        })
    };
    while let Some((done, total)) = progress_rx.recv().await {
        progress(done, total);
        if done.is_multiple_of(10_000) {
            let tx = app.db.begin().await?;
            store::set_done(&tx, id, done as i64).await?;
            app.db.commit(tx).await?;
        }
    }
    let (checked, bytes) = pass.await.map_err(join_error)??;
    let Checked {
        total,
        keys,
        mut errors,
        mut rejected_rows,
    } = checked;

    tracing::info!(
        import = id,
        ms = started.elapsed().as_millis() as u64,
        "rows checked"
    );
    // 2. Duplicates inside the file: the first occurrence stays, later ones are refused.
    let mut first_by_key: HashMap<&str, u32> = HashMap::new();
    let mut first_by_uscc: HashMap<&str, u32> = HashMap::new();
    let mut refused: HashSet<u32> = HashSet::new();
    for k in &keys {
        let earlier = match first_by_key.get(k.name_key.as_str()) {
            Some(r) => Some(("name", *r)),
            None => k
                .uscc
                .as_deref()
                .and_then(|u| first_by_uscc.get(u))
                .map(|r| ("uscc", *r)),
        };
        if let Some((field, r)) = earlier {
            errors.push(RowError {
                row: k.n,
                field: field.into(),
                code: "error.import_duplicate_in_file".into(),
                arg: Some(r.to_string()),
            });
            refused.insert(k.n);
            continue;
        }
        first_by_key.insert(&k.name_key, k.n);
        if let Some(u) = &k.uscc {
            first_by_uscc.insert(u, k.n);
        }
    }
    let keys: Vec<RowKey> = keys
        .into_iter()
        .filter(|k| !refused.contains(&k.n))
        .collect();

    // 3. Duplicates of customers already in the database (any scope; only the owner's name is
    // told, as when creating one).
    let name_keys: Vec<String> = keys.iter().map(|k| k.name_key.clone()).collect();
    let usccs: Vec<String> = keys.iter().filter_map(|k| k.uscc.clone()).collect();
    let existing = store::existing_keys(app.db.read(), &name_keys, &usccs).await?;
    let mut owner_of_key: HashMap<&str, Option<i64>> = HashMap::new();
    let mut owner_of_uscc: HashMap<&str, Option<i64>> = HashMap::new();
    for (k, u, o) in &existing {
        owner_of_key.insert(k.as_str(), *o);
        if let Some(u) = u {
            owner_of_uscc.insert(u.as_str(), *o);
        }
    }
    let owner_name = |o: Option<i64>| -> Option<String> {
        o.and_then(|o| input.pre.users.get(&o).map(|u| u.display_name.clone()))
    };
    let mut good: Vec<u32> = Vec::with_capacity(keys.len());
    for k in &keys {
        let hit = match k.uscc.as_deref().and_then(|u| owner_of_uscc.get(u)) {
            Some(o) => Some(("uscc", *o)),
            None => owner_of_key.get(k.name_key.as_str()).map(|o| ("name", *o)),
        };
        match hit {
            Some((field, o)) => {
                errors.push(RowError {
                    row: k.n,
                    field: field.into(),
                    code: "error.import_duplicate_in_db".into(),
                    arg: owner_name(o),
                });
                refused.insert(k.n);
            }
            None => good.push(k.n),
        }
    }
    rejected_rows.extend(refused);
    errors.sort_by_key(|e| e.row);
    let rejected = rejected_rows.len() as i64;
    let valid = good.len() as i64;
    errors.truncate(MAX_KEPT_ERRORS);
    let errors_json = Some(serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into()));
    drop(errors);
    progress(total, total);

    // 4. Nothing is imported from a file with refused rows unless the user chose so.
    if rejected > 0 && !imp.valid_only {
        let tx = app.db.begin().await?;
        let mine = store::finish(
            &tx,
            id,
            holder,
            Outcome {
                status: "rejected",
                done: total as i64,
                valid,
                rejected,
                imported: 0,
                errors: errors_json,
                message: None,
            },
        )
        .await?;
        if !mine {
            return Err(lease_lost(id));
        }
        app.db.commit(tx).await?;
        return Ok(());
    }

    // 5. Short transactions of `import_chunk_rows` customers each, with their audit rows and
    // owner history: other writes wait for one chunk at most, never for the whole run. The rows
    // carry the import's id and stay hidden from every read until the one-row update at the end
    // marks the import done; a failure removes them. A blocking thread checks the good rows
    // again and hands them over a chunk at a time, so that only a few chunks are in memory.
    let checked_ms = started.elapsed().as_millis();
    let chunk = app.config.import_chunk_rows.max(1);
    // The file row of each customer written, for the likely duplicates (issue 10, point 5).
    let rows_written = good.clone();
    let mut likely_seen = crate::likely::ImportSeen::default();
    let mut flagged: usize = 0;
    let (rows_tx, mut rows_rx) = tokio::sync::mpsc::channel(2);
    let producer = {
        let input = input.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = write_rows(&bytes, &input, &good, chunk, &rows_tx) {
                let _ = rows_tx.blocking_send(Err(e));
            }
        })
    };
    let mut imported: usize = 0;
    let mut chunks: usize = 0;
    while let Some(slice) = rows_rx.recv().await {
        let tx = app.db.begin().await?;
        // Each chunk renews the lease first, in its own transaction: once another process has
        // taken the run over (and may be removing its rows), not one more row is written. On
        // PostgreSQL the renewal locks the import's row, so a take-over waits for the chunk
        // and then finds the lease fresh.
        if !store::renew(&tx, id, lease(app, holder)).await? {
            return Err(lease_lost(id));
        }
        let (fields, people) = contacts::split(slice?);
        let made = match store::insert_customers(
            &tx,
            fields,
            CustomerStatus::Lead.as_str(),
            ctx.actor_id(),
            id,
        )
        .await
        {
            Ok(m) => m,
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::conflict("uscc", "error.duplicate_customer"));
            }
            Err(e) => return Err(e.into()),
        };
        let owners: Vec<(i64, i64)> = made
            .iter()
            .filter_map(|c| c.owner_id.map(|o| (c.id, o)))
            .collect();
        store::insert_owner_history(&tx, &owners, "import", ctx.actor_id()).await?;
        let people = contacts::insert_with_customers(&tx, &made, people, id).await?;
        flagged += crate::likely::import_chunk(
            &tx,
            id,
            &made,
            &people,
            rows_written
                .get(imported..imported + made.len())
                .unwrap_or_default(),
            &mut likely_seen,
        )
        .await?;
        imported += made.len();
        let audits: Vec<_> = made
            .iter()
            .zip(&people)
            .map(|(c, people)| {
                ctx.audit(
                    "customer.import",
                    "customer",
                    Some(c.id),
                    None,
                    Some(contacts::with_contacts(customers::snapshot(c), people)),
                )
            })
            .collect();
        store::insert_audits(&tx, audits).await?;
        app.db.commit(tx).await?;
        chunks += 1;
        if let Some(hook) = &app.config.import_chunk_hook {
            (hook.0)(id, chunks).await;
        }
    }
    producer.await.map_err(join_error)?;
    if imported as i64 != valid {
        return Err(AppError::Internal(format!(
            "import wrote {imported} of {valid} valid rows"
        )));
    }
    let tx = app.db.begin().await?;
    store::insert_audits(
        &tx,
        vec![ctx.audit(
            "customer.import_run",
            "import",
            Some(id),
            None,
            Some(json!({"file": imp.file_name, "imported": imported, "rejected": rejected, "likely": flagged})),
        )],
    )
    .await?;
    let mine = store::finish(
        &tx,
        id,
        holder,
        Outcome {
            status: "done",
            done: total as i64,
            valid,
            rejected,
            imported: imported as i64,
            errors: errors_json,
            message: None,
        },
    )
    .await?;
    if !mine {
        return Err(lease_lost(id));
    }
    app.db.commit(tx).await?;
    tracing::info!(
        import = id,
        rows = total,
        imported,
        rejected,
        flagged,
        check_ms = checked_ms as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "import done"
    );
    Ok(())
}

/// The refused rows with their original cells, for the downloadable error report.
#[derive(Debug, Clone)]
pub struct Report {
    pub file_name: String,
    pub headers: Vec<String>,
    /// Row number, its cells as in the file, and its errors.
    pub rows: Vec<(u32, Vec<String>, Vec<RowError>)>,
}

pub async fn report(app: &App, ctx: &Ctx, id: i64) -> Result<Report> {
    let imp = load(app, ctx, id).await?;
    let content = file_of(app, &imp).await?;
    let errors = view_of(&imp).errors;
    // Only the refused rows' cells are kept while the file goes by.
    let wanted: HashSet<u32> = errors.iter().map(|e| e.row).collect();
    let (headers, mut cells_of) = tokio::task::spawn_blocking(move || {
        let mut cells: HashMap<u32, Vec<String>> = HashMap::with_capacity(wanted.len());
        let (headers, _) = visit_rows(&content, |n, row| {
            if wanted.contains(&n) {
                cells.insert(n, row);
            }
            Ok(cells.len() < wanted.len())
        })?;
        Ok::<_, AppError>((headers, cells))
    })
    .await
    .map_err(join_error)??;
    let mut rows: Vec<(u32, Vec<String>, Vec<RowError>)> = Vec::new();
    for e in errors {
        match rows.last_mut() {
            Some((n, _, list)) if *n == e.row => list.push(e),
            _ => {
                let row = cells_of.remove(&e.row).unwrap_or_default();
                rows.push((e.row, row, vec![e]));
            }
        }
    }
    Ok(Report {
        file_name: imp.file_name,
        headers,
        rows,
    })
}

/// Whether this actor may import at all (staff import for themselves; others within scope).
pub fn may_import(ctx: &Ctx) -> bool {
    !matches!(ctx.actor.data_scope(), DataScope::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_map_to_fields() {
        let h: Vec<String> = [
            "客户名称",
            "统一社会信用代码",
            " Email ",
            "客户经理",
            "备注",
            "名称",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            guess_mapping(&h),
            vec![
                Some(Target::Name),
                Some(Target::Uscc),
                Some(Target::Email),
                Some(Target::Owner),
                Some(Target::Background),
                None, // the name is taken by the first column
            ]
        );
    }

    /// Rows are handed on one at a time with the numbers a spreadsheet shows, an empty row in
    /// an XLSX keeps the numbering, empty rows at the end are not counted, and a reader that
    /// has seen enough can stop.
    #[test]
    fn rows_stream_with_their_spreadsheet_numbers() {
        let csv = "客户名称,城市\n华为,深圳\n,\n腾讯,深圳\n,\n\n".as_bytes();
        let mut seen = Vec::new();
        let (headers, filled) = visit_rows(csv, |n, row| {
            seen.push((n, row.first().cloned().unwrap_or_default()));
            Ok(true)
        })
        .unwrap();
        assert_eq!(headers, vec!["客户名称", "城市"]);
        assert_eq!(
            filled, 3,
            "rows 2 to 4; the empty ones after are not counted"
        );
        assert_eq!(
            &seen[..3],
            &[(2, "华为".into()), (3, String::new()), (4, "腾讯".into())]
        );

        let text = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let xlsx = crate::xlsx::workbook(&[crate::xlsx::Sheet {
            name: "Sheet1".into(),
            rows: vec![
                text(&["客户名称"]),
                text(&["华为"]),
                vec![],
                text(&["腾讯", "", "深圳"]),
            ],
        }])
        .unwrap();
        let table = read_table(&xlsx).unwrap();
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.rows[0], vec!["华为"]);
        assert!(table.rows[1].is_empty(), "row 3 has no cell");
        assert_eq!(table.rows[2], vec!["腾讯", "", "深圳"]);

        let mut firsts = 0;
        visit_rows(&xlsx, |_, _| {
            firsts += 1;
            Ok(false)
        })
        .unwrap();
        assert_eq!(firsts, 1, "stopped after the first row");
        assert_eq!(read_headers(&xlsx).unwrap(), vec!["客户名称"]);
    }

    #[test]
    fn gbk_text_is_decoded_and_binary_is_refused() {
        let (gbk, _, _) = encoding_rs::GBK.encode("客户名称,城市\n华为,深圳\n");
        let t = read_table(&gbk).unwrap();
        assert_eq!(t.headers, vec!["客户名称", "城市"]);
        assert_eq!(t.rows, vec![vec!["华为".to_string(), "深圳".to_string()]]);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let e = read_table(png).unwrap_err();
        assert!(
            matches!(e, AppError::Validation(f) if f.0[0].code == "error.import_not_spreadsheet")
        );
        let bom = b"\xEF\xBB\xBFname\nACME\n";
        assert_eq!(read_table(bom).unwrap().headers, vec!["name"]);
        let header_only = read_table("客户名称\n\n".as_bytes()).unwrap_err();
        assert!(
            matches!(header_only, AppError::Validation(f) if f.0[0].code == "error.import_no_rows")
        );
    }

    #[test]
    fn sizes_are_read_from_codes_counts_and_labels() {
        assert_eq!(size_code("s50_199"), "s50_199");
        assert_eq!(size_code("50–199人"), "s50_199");
        assert_eq!(size_code("1,000+ people"), "s1000");
        assert_eq!(size_code("巨大"), "巨大");
    }
}
