//! Writing XLSX files (Office Open XML spreadsheets): the customer export and the import
//! template. Only what those need — sheets, column widths, a bold frozen header row, text and
//! dates — in a few hundred lines over the `zip` crate the import already uses. The
//! rust_xlsxwriter crate did this before; it cost 42 s of a 9 min 40 s clean release build on
//! the path every first `cargo run --release` waits on (BENCHMARKS.md, "Build").
//!
//! Two ways in: [`Book`] streams rows into a sheet (the export: text is written inline, so
//! memory holds only the compressed file), and [`workbook`] writes a small workbook at once
//! with a shared-strings table, as Excel and WPS themselves write files.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The longest text a cell holds in Excel; longer text is cut there.
pub const MAX_CELL_CHARS: usize = 32_767;

/// A cell's style, by its index in the `cellXfs` of `styles.xml` below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Normal = 0,
    Bold = 1,
    /// `yyyy-mm-dd hh:mm`
    DateTime = 2,
    /// `yyyy-mm-dd`
    Date = 3,
    /// `¥#,##0.00`: an amount in yuan, exact to the fen.
    Money = 4,
}

/// One cell to write.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    /// A number; a date or time is one as Excel's serial number (days since 1899-12-30), shown
    /// with a date style.
    Number(f64, Style),
}

#[derive(Debug, thiserror::Error)]
#[error("xlsx: {0}")]
pub struct XlsxError(String);

impl From<zip::result::ZipError> for XlsxError {
    fn from(e: zip::result::ZipError) -> Self {
        XlsxError(e.to_string())
    }
}

impl From<std::io::Error> for XlsxError {
    fn from(e: std::io::Error) -> Self {
        XlsxError(e.to_string())
    }
}

type Res<T> = std::result::Result<T, XlsxError>;

/// `2026-11-27 14:05` or `2026-11-27` as Excel's serial number and the style that shows it.
pub fn serial(cell: &str) -> Option<(f64, Style)> {
    let (date, time) = cell.split_once(' ').unwrap_or((cell, ""));
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = (date - epoch).num_days() as f64;
    if time.is_empty() {
        return Some((days, Style::Date));
    }
    let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    let seconds = f64::from(chrono::Timelike::num_seconds_from_midnight(&t));
    Some((days + seconds / 86_400.0, Style::DateTime))
}

/// A workbook being written, one sheet after another.
pub struct Book {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    sheets: Vec<String>,
    /// Rows written to the open sheet; `None` when no sheet is open.
    row: Option<u32>,
    /// Shared strings (text → index) when the book uses a table, else text goes inline.
    shared: Option<HashMap<String, usize>>,
    shared_order: Vec<String>,
    buf: String,
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

impl Book {
    /// A book whose text is written inline in each sheet (for streaming many rows).
    pub fn streaming() -> Book {
        Book::new(None)
    }

    /// A book whose text goes to a shared-strings table written at the end.
    pub fn shared_strings() -> Book {
        Book::new(Some(HashMap::new()))
    }

    fn new(shared: Option<HashMap<String, usize>>) -> Book {
        Book {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
            sheets: Vec::new(),
            row: None,
            shared,
            shared_order: Vec::new(),
            buf: String::with_capacity(64 * 1024),
        }
    }

    /// Starts a sheet (closing the open one) with column widths in characters, a bold header
    /// row and that row frozen when `header` is not empty.
    pub fn sheet(&mut self, name: &str, widths: &[f64], header: &[&str]) -> Res<()> {
        self.close_sheet()?;
        let name = sheet_name(name, self.sheets.len() + 1);
        self.sheets.push(name);
        self.zip.start_file(
            format!("xl/worksheets/sheet{}.xml", self.sheets.len()),
            options(),
        )?;
        let b = &mut self.buf;
        b.push_str(XML_HEAD);
        b.push_str(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">",
        );
        let selected = if self.sheets.len() == 1 {
            " tabSelected=\"1\""
        } else {
            ""
        };
        if header.is_empty() {
            let _ = write!(
                b,
                "<sheetViews><sheetView{selected} workbookViewId=\"0\"/></sheetViews>"
            );
        } else {
            let _ = write!(
                b,
                "<sheetViews><sheetView{selected} workbookViewId=\"0\">\
                 <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
                 <selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>\
                 </sheetView></sheetViews>"
            );
        }
        b.push_str("<sheetFormatPr defaultRowHeight=\"15\"/>");
        if !widths.is_empty() {
            b.push_str("<cols>");
            for (i, w) in widths.iter().enumerate() {
                let _ = write!(
                    b,
                    "<col min=\"{n}\" max=\"{n}\" width=\"{w:.2}\" customWidth=\"1\"/>",
                    n = i + 1
                );
            }
            b.push_str("</cols>");
        }
        b.push_str("<sheetData>");
        self.row = Some(0);
        if !header.is_empty() {
            let cells: Vec<Cell<'_>> = header.iter().map(|h| Cell::Text(h)).collect();
            self.styled_row(&cells, Style::Bold)?;
        }
        Ok(())
    }

    /// Appends a row to the open sheet; empty text cells are left out.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Res<()> {
        self.styled_row(cells, Style::Normal)
    }

    fn styled_row(&mut self, cells: &[Cell<'_>], text_style: Style) -> Res<()> {
        let Some(r) = self.row.as_mut() else {
            return Err(XlsxError("a row written before any sheet".into()));
        };
        *r += 1;
        let r = *r;
        if r > 1_048_576 {
            return Err(XlsxError("more rows than a sheet holds (1,048,576)".into()));
        }
        let _ = write!(self.buf, "<row r=\"{r}\">");
        for (i, cell) in cells.iter().enumerate().take(16_384) {
            let mut reference = column_name(i);
            let _ = write!(reference, "{r}");
            match *cell {
                Cell::Text("") => {}
                Cell::Text(t) => {
                    let style = if text_style == Style::Normal {
                        String::new()
                    } else {
                        format!(" s=\"{}\"", text_style as u8)
                    };
                    match self.shared.as_mut() {
                        Some(table) => {
                            let next = table.len();
                            let index = *table.entry(t.to_string()).or_insert_with(|| {
                                self.shared_order.push(t.to_string());
                                next
                            });
                            let _ = write!(
                                self.buf,
                                "<c r=\"{reference}\"{style} t=\"s\"><v>{index}</v></c>"
                            );
                        }
                        None => {
                            let _ = write!(
                                self.buf,
                                "<c r=\"{reference}\"{style} t=\"inlineStr\"><is>"
                            );
                            text_element(&mut self.buf, t);
                            self.buf.push_str("</is></c>");
                        }
                    }
                }
                Cell::Number(v, style) => {
                    let _ = write!(
                        self.buf,
                        "<c r=\"{reference}\" s=\"{}\"><v>{v}</v></c>",
                        style as u8
                    );
                }
            }
        }
        self.buf.push_str("</row>");
        if self.buf.len() >= 60 * 1024 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Res<()> {
        self.zip.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        Ok(())
    }

    fn close_sheet(&mut self) -> Res<()> {
        if self.row.take().is_some() {
            self.buf.push_str("</sheetData></worksheet>");
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the workbook's other parts and returns the file.
    pub fn finish(mut self) -> Res<Vec<u8>> {
        if self.sheets.is_empty() {
            self.sheet("Sheet1", &[], &[])?;
        }
        self.close_sheet()?;
        let n = self.sheets.len();
        let shared = self.shared.is_some();

        let mut types = String::from(XML_HEAD);
        types.push_str(
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
        );
        for i in 1..=n {
            let _ = write!(
                types,
                "<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            );
        }
        if shared {
            types.push_str("<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>");
        }
        types.push_str("</Types>");
        self.part("[Content_Types].xml", &types)?;

        let root = format!(
            "{XML_HEAD}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
             </Relationships>"
        );
        self.part("_rels/.rels", &root)?;

        let mut book = String::from(XML_HEAD);
        book.push_str(
            "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <bookViews><workbookView/></bookViews><sheets>",
        );
        for (i, name) in self.sheets.iter().enumerate() {
            book.push_str("<sheet name=\"");
            escape(&mut book, name);
            let _ = write!(book, "\" sheetId=\"{id}\" r:id=\"rId{id}\"/>", id = i + 1);
        }
        book.push_str("</sheets></workbook>");
        self.part("xl/workbook.xml", &book)?;

        let mut rels = String::from(XML_HEAD);
        rels.push_str(
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for i in 1..=n {
            let _ = write!(
                rels,
                "<Relationship Id=\"rId{i}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"
            );
        }
        let _ = write!(
            rels,
            "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>",
            n + 1
        );
        if shared {
            let _ = write!(
                rels,
                "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>",
                n + 2
            );
        }
        rels.push_str("</Relationships>");
        self.part("xl/_rels/workbook.xml.rels", &rels)?;
        self.part("xl/styles.xml", &format!("{XML_HEAD}{STYLES}"))?;

        if shared {
            let strings = std::mem::take(&mut self.shared_order);
            let mut s = String::from(XML_HEAD);
            let _ = write!(
                s,
                "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{n}\" uniqueCount=\"{n}\">",
                n = strings.len()
            );
            for t in &strings {
                s.push_str("<si>");
                text_element(&mut s, t);
                s.push_str("</si>");
            }
            s.push_str("</sst>");
            self.part("xl/sharedStrings.xml", &s)?;
        }
        Ok(self.zip.finish()?.into_inner())
    }

    fn part(&mut self, name: &str, text: &str) -> Res<()> {
        self.zip.start_file(name, options())?;
        self.zip.write_all(text.as_bytes())?;
        Ok(())
    }
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Fonts: normal and bold; cell formats: normal, bold, date-time, date, money.
const STYLES: &str = "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm\"/><numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd\"/><numFmt numFmtId=\"166\" formatCode=\"&quot;¥&quot;#,##0.00\"/></numFmts>\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"5\">\
<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
<xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
<xf numFmtId=\"166\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
</cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column.
fn column_name(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A name Excel accepts: at most 31 characters, none of `[]:*?/\`, not empty.
fn sheet_name(name: &str, n: usize) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').to_string();
    if cleaned.is_empty() {
        format!("Sheet{n}")
    } else {
        cleaned
    }
}

/// `<t>` with the text, escaped; whitespace at either end is kept.
fn text_element(out: &mut String, text: &str) {
    let keep = text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace);
    out.push_str(if keep {
        "<t xml:space=\"preserve\">"
    } else {
        "<t>"
    });
    let cut = match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    escape(out, cut);
    out.push_str("</t>");
}

/// XML-escapes text. Characters XML cannot carry (controls other than tab and line breaks) are
/// dropped, and an `_xHHHH_` already in the text has its `_` escaped, since a spreadsheet would
/// otherwise read it as an escaped character.
fn escape(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            '_' if looks_escaped(&bytes[i..]) => out.push_str("_x005F_"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn looks_escaped(b: &[u8]) -> bool {
    b.len() >= 7
        && b[0] == b'_'
        && b[1] == b'x'
        && b[2..6].iter().all(u8::is_ascii_hexdigit)
        && b[6] == b'_'
}

/// One sheet of a small workbook written at once.
pub struct Sheet {
    pub name: String,
    /// The first row is a header (bold, frozen).
    pub rows: Vec<Vec<String>>,
}

/// How wide a text shows in a spreadsheet column, in Latin characters (a Chinese one counts two).
pub fn shown_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A small workbook of several sheets, each with a bold, frozen header row and columns as wide
/// as their longest value, its text in a shared-strings table.
pub fn workbook(sheets: &[Sheet]) -> Res<Vec<u8>> {
    let mut book = Book::shared_strings();
    for sheet in sheets {
        let columns = sheet.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<f64> = (0..columns)
            .map(|c| {
                let widest = sheet
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|v| shown_width(v))
                    .max()
                    .unwrap_or(8);
                (widest + 2).clamp(8, 60) as f64
            })
            .collect();
        let header: Vec<&str> = sheet
            .rows
            .first()
            .map(|r| r.iter().map(String::as_str).collect())
            .unwrap_or_default();
        book.sheet(&sheet.name, &widths, &header)?;
        for row in sheet.rows.iter().skip(1) {
            let cells: Vec<Cell<'_>> = row.iter().map(|v| Cell::Text(v)).collect();
            book.row(&cells)?;
        }
    }
    book.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn read(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<Data>>)> {
        let mut x: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("opens as xlsx");
        x.worksheets()
            .into_iter()
            .map(|(name, range)| {
                // `rows()` starts at the range's first used cell: read from A1 instead.
                let (h, w) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
                let grid = (0..h)
                    .map(|r| {
                        (0..w)
                            .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                            .collect()
                    })
                    .collect();
                (name, grid)
            })
            .collect()
    }

    #[test]
    fn a_streamed_sheet_reads_back_with_text_dates_and_gaps() {
        let mut b = Book::streaming();
        b.sheet("客户", &[36.0, 17.0, 12.0], &["名称", "创建时间", "城市"])
            .unwrap();
        let (t, s) = serial("2026-11-27 14:05").unwrap();
        b.row(&[
            Cell::Text("甲 & <乙> \"公司\""),
            Cell::Number(t, s),
            Cell::Text("深圳"),
        ])
        .unwrap();
        b.row(&[
            Cell::Text("  空格 "),
            Cell::Text(""),
            Cell::Text("a\u{1}b _x0041_"),
        ])
        .unwrap();
        let sheets = read(b.finish().unwrap());
        assert_eq!(sheets.len(), 1);
        let (name, grid) = &sheets[0];
        assert_eq!(name, "客户");
        assert_eq!(grid[0][0], Data::String("名称".into()));
        assert_eq!(grid[1][0], Data::String("甲 & <乙> \"公司\"".into()));
        match &grid[1][1] {
            Data::DateTime(d) => {
                assert_eq!(
                    d.as_datetime().unwrap().to_string(),
                    "2026-11-27 14:05:00",
                    "a date, not text"
                );
            }
            other => panic!("expected a date, got {other:?}"),
        }
        assert_eq!(grid[2][0], Data::String("  空格 ".into()));
        assert_eq!(grid[2][1], Data::Empty, "an empty cell stays empty");
        assert_eq!(
            grid[2][2],
            Data::String("ab _x0041_".into()),
            "control dropped, text kept"
        );
    }

    #[test]
    fn a_small_workbook_uses_shared_strings_and_keeps_its_sheets_in_order() {
        let bytes = workbook(&[
            Sheet {
                name: "导入模板".into(),
                rows: vec![
                    vec!["客户名称".into(), "城市".into()],
                    vec!["华为".into()],
                    vec![],
                    vec!["腾讯".into(), "深圳".into()],
                    vec!["华为".into(), "深圳".into()],
                ],
            },
            Sheet {
                name: "a/b:c*?[very long name that goes past thirty-one]".into(),
                rows: vec![vec!["说明".into()]],
            },
        ])
        .unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        assert!(zip.by_name("xl/sharedStrings.xml").is_ok());
        let sheets = read(bytes);
        assert_eq!(sheets[0].0, "导入模板");
        assert_eq!(sheets[1].0, "abcvery long name that goes pas");
        let grid = &sheets[0].1;
        assert_eq!(grid[1][0], Data::String("华为".into()));
        assert_eq!(grid[2][0], Data::Empty, "row 3 has no cell");
        assert_eq!(grid[3][1], Data::String("深圳".into()));
        assert_eq!(grid[4][0], Data::String("华为".into()), "a repeated text");
    }

    #[test]
    fn column_names_and_serials() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
        assert_eq!(serial("1900-03-01"), Some((61.0, Style::Date)));
        assert_eq!(serial("2026-11-27").map(|s| s.0), Some(46353.0));
        assert_eq!(serial("2026-11-27 12:00").map(|s| s.0), Some(46353.5));
        assert_eq!(serial("not a date"), None);
    }
}
