//! Return notices (退回通知, step 4 of the office's year): for every unit with an open
//! problem, a workbook `notices/<单位名称>.xlsx` that lists its problems in plain Chinese, so
//! that the unit can correct its report without nianbao; and `notices/通知清单.xlsx`, the
//! list the office works from when sending them out.
//!
//! A notice holds the unit's open errors and warnings: those not marked 误报 or 已说明 in
//! the review. Info rows (提示: blank cells read as 0) are left out: nearly every report has
//! some, they ask nothing of the unit, and a notice for each would bury the units that must
//! act. The county's and the unit types' totals are the office's own. Notices go to the
//! units of the roster only: a report naming a unit not on it (UNIT.UNKNOWN), or a file no
//! unit can be told for, first needs the office's decision (a missing alias, a stray file),
//! and has no one to be sent to; the list counts those problems and points to anomalies.csv.
//! (It also keeps a run's cost in proportion: a notice costs a tenth of a millisecond, and
//! a file of twenty thousand unknown units would otherwise make twenty thousand.)
//!
//! The list is a workbook only, not also a CSV: it is printed and ticked off by the clerk who
//! sends the notices; an analyst has the same problems, one a row, in anomalies.csv.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::sheet_xml::{self, Style};
use super::workbook;
use super::xlsx_splice::Template;
use crate::check::{self, Anomaly, Severity, TOTALS_SOURCE};
use crate::grid::{column_name, Location};
use crate::roster::Roster;
use crate::text::safe_file_name;

use super::workbook::{cell_text, wrapped_lines, OFFICIAL_FONT, PAGE_FOOTER};

/// The list's file name in `notices/`; no unit's notice takes it.
pub const INDEX_FILE: &str = "通知清单.xlsx";

/// One unit's notice.
pub struct Notice<'a> {
    pub unit_id: String,
    pub unit_name: String,
    pub unit_type: String,
    /// Its file name in `notices/`, safe on Windows.
    pub file: String,
    /// Its open errors, then warnings, in the run's order.
    pub problems: Vec<&'a Anomaly>,
}

impl Notice<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|a| a.severity == severity)
            .count()
    }

    /// Whether the unit sent no report at all.
    pub fn missing(&self) -> bool {
        self.problems.iter().any(|a| a.rule == "UNIT.MISSING")
    }
}

/// An open error or warning, not about the totals: one a unit is to act on.
fn to_act_on(a: &Anomaly) -> bool {
    matches!(a.severity, Severity::Error | Severity::Warning)
        && a.is_open()
        && a.source_file != TOTALS_SOURCE
}

/// The notices of a run, and the problems none of them holds.
pub struct Plan<'a> {
    /// In the roster's order.
    pub notices: Vec<Notice<'a>>,
    /// The open problems no notice holds, the totals' apart: those of reports naming a unit
    /// not on the roster, and of files whose unit is not known.
    pub unattributed: usize,
}

/// The notices of a run: a unit's open errors and warnings go to its notice.
pub fn plan<'a>(anomalies: &'a [Anomaly], roster: &Roster) -> Plan<'a> {
    let places: std::collections::HashMap<&str, usize> = roster
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut by_unit: std::collections::BTreeMap<usize, Vec<&Anomaly>> = Default::default();
    let mut unattributed = 0;
    for a in anomalies.iter().filter(|a| to_act_on(a)) {
        match places.get(a.unit_id.as_str()) {
            Some(&place) => by_unit.entry(place).or_default().push(a),
            None => unattributed += 1,
        }
    }
    let mut taken = std::collections::HashSet::from([INDEX_FILE.to_lowercase()]);
    let notices = by_unit
        .into_iter()
        .map(|(place, mut problems)| {
            problems.sort_by_key(|a| a.severity);
            let unit = &roster.units[place];
            let stem = safe_file_name(&unit.name, &unit.id);
            let mut file = format!("{stem}.xlsx");
            // Two units of one name (or names equal but for case): the id tells them apart.
            let mut n = 1;
            while !taken.insert(file.to_lowercase()) {
                n += 1;
                let tag = if n > 2 {
                    n.to_string()
                } else {
                    safe_file_name(&unit.id, "")
                };
                file = format!("{stem}（{tag}）.xlsx");
            }
            Notice {
                unit_id: unit.id.clone(),
                unit_name: unit.name.clone(),
                unit_type: unit.unit_type.clone(),
                file,
                problems,
            }
        })
        .collect();
    Plan {
        notices,
        unattributed,
    }
}

/// Where the problem is, split for the notice: the sheet, and the cell in words with its
/// Excel address (`第8行第4列（D8）`); for other files the place as the anomaly names it.
fn place(location: Option<&Location>) -> (String, String) {
    match location {
        Some(Location::Sheet { sheet, row, col }) => (
            sheet.to_string(),
            format!(
                "第{}行第{}列（{}{}）",
                row + 1,
                col + 1,
                column_name(*col),
                row + 1
            ),
        ),
        Some(other) => (String::new(), other.to_string()),
        None => (String::new(), String::new()),
    }
}

/// Today in China's time, `2025年1月20日`: the date the office sends the notices.
pub fn today_zh() -> String {
    let (year, month, day) = crate::text::china_today();
    format!("{year}年{month}月{day}日")
}

/// The formats of a notice: 宋体 throughout, wrapped, aligned to the top.
struct Formats {
    title: Format,
    line: Format,
    head: Format,
    cell: Format,
    center: Format,
    error: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new()
            .set_font_name(OFFICIAL_FONT)
            .set_font_size(10.5);
        let cell = base
            .clone()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin);
        Formats {
            title: base
                .clone()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            line: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            head: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("D9D9D9"),
            center: cell.clone().set_align(FormatAlign::Center),
            error: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_bold()
                .set_font_color("C00000"),
            cell,
        }
    }
}

/// A4, fit to the page's width, the header row repeated on every page, page numbers below.
fn print_setup(ws: &mut Worksheet, landscape: bool, header_row: u32) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(header_row, header_row)?;
    ws.set_footer(PAGE_FOOTER);
    ws.set_freeze_panes(header_row + 1, 0)?;
    Ok(())
}

/// Points per line of 10.5-point 宋体, with the spacing Excel and WPS leave.
const LINE_HEIGHT: f64 = 14.5;

/// The height of a row whose cells hold `texts` in columns of `widths`. Rows are given a
/// height: LibreOffice and WPS keep a written file's rows one line high, and Excel does not
/// fit merged cells, so wrapped text would be cut off on the printed page.
fn row_height<'t>(cells: impl IntoIterator<Item = (&'t str, f64)>) -> f64 {
    let lines = cells
        .into_iter()
        // 宋体 at 10.5 points: a Chinese character is a little under two digits wide; a
        // column's width includes a little padding the text cannot use.
        .map(|(text, width)| wrapped_lines(text, (width - 1.0).max(1.0), 1.85))
        .fold(1.0, f64::max);
    (lines * LINE_HEIGHT + 3.0).min(MAX_ROW_HEIGHT)
}

/// The tallest row Excel has, in points: a taller one is a damaged file to it.
const MAX_ROW_HEIGHT: f64 = 409.0;

const NOTICE_COLUMNS: &[(&str, f64)] = &[
    ("序号", 5.0),
    ("级别", 6.0),
    ("文件", 20.0),
    ("工作表", 9.0),
    ("位置", 15.0),
    ("问题", 38.0),
    ("应为", 12.0),
    ("实填", 12.0),
    ("请这样修改", 34.0),
    ("问题编号", 20.0),
];

/// The one sheet of a notice or of the list: named, its columns' widths set, the title
/// `2024年度政府信息公开工作年度报告问题通知{suffix}` across them. Its last column and the
/// columns' width in all.
fn titled_sheet(
    ws: &mut Worksheet,
    name: &str,
    columns: &[(&str, f64)],
    year: Option<i32>,
    suffix: &str,
    f: &Formats,
) -> Result<(u16, f64), XlsxError> {
    ws.set_name(name)?;
    let last = (columns.len() - 1) as u16;
    let width: f64 = columns.iter().map(|(_, w)| w).sum();
    for (c, (_, w)) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let year_text = year.map_or(String::new(), |y| format!("{y}年度"));
    let title = format!("{year_text}政府信息公开工作年度报告问题通知{suffix}");
    ws.merge_range(0, 0, 0, last, &title, &f.title)?;
    ws.set_row_height(0, 30)?;
    Ok((last, width))
}

/// The line under a notice's title: the unit, the year, the date (cut to what a cell holds:
/// the unit's name is the roster's, of any length).
fn heading(n: &Notice, year: Option<i32>, date: &str) -> String {
    let heading = format!(
        "单位：{}　　年度：{}　　生成日期：{date}",
        n.unit_name,
        year.map_or("（未能确定）".to_string(), |y| y.to_string())
    );
    cell_text(&heading).to_string()
}

/// What a notice asks of the unit, its problems counted.
fn intro(n: &Notice) -> String {
    let (errors, warnings) = (n.count(Severity::Error), n.count(Severity::Warning));
    format!(
        "经核查，贵单位报送的年度报告有以下 {} 个问题（错误 {errors} 个，警告 {warnings} 个）。\
         “错误”请改正后重新报送；“警告”请核实，确实无误的请在重新报送时附书面说明。\
         “位置”指报送文件中的单元格，行、列从 1 数起，括号内为 Excel 中的单元格地址。\
         与政务公开办联系时请告知“问题编号”。",
        n.problems.len()
    )
}

/// A problem's texts in the notice's columns from 文件 on, each cut to what a cell holds.
fn problem_texts(a: &Anomaly) -> [String; 8] {
    let (sheet, cell) = place(a.finding.location.as_ref());
    let file = if a.source_file.is_empty() {
        "（没有可读取的报告）"
    } else {
        a.source_file.as_str()
    };
    let todo = check::rule(a.rule).map_or("", |r| r.doc.advice);
    [
        file,
        &sheet,
        &cell,
        &a.finding.message,
        &a.finding.expected,
        &a.finding.actual,
        todo,
        &a.id,
    ]
    .map(|text| cell_text(text).to_string())
}

/// The height of a problem's row.
fn problem_height(texts: &[String; 8]) -> f64 {
    let widths = NOTICE_COLUMNS[2..].iter().map(|(_, w)| *w);
    row_height(texts.iter().map(String::as_str).zip(widths))
}

/// The row of the notice's column heads (0-based): under the title, the heading and the
/// introduction; the problems follow it.
const COLUMN_HEADS_ROW: u32 = 3;
const FIRST_PROBLEM_ROW: u32 = COLUMN_HEADS_ROW + 1;

/// A unit's notice as rust_xlsxwriter writes it, its sheet streamed (constant-memory mode:
/// strings inline, as [`sheet_xml`] writes them). Saved once a run, for a sample unit, it is
/// the template of every notice ([`Notices`]), and the tests hold those to it.
///
/// In this mode rust_xlsxwriter 0.102 writes the last row's height a second time, as an empty
/// `<row>` after it: the template's rows are not kept, and the tests drop that row.
fn notice_by_rust_xlsxwriter(
    n: &Notice,
    year: Option<i32>,
    date: &str,
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Same problems on the same day, same bytes: a rerun links the notice it had.
    wb.set_properties(&super::workbook::fixed_properties());
    let ws = wb.add_worksheet_with_constant_memory()?;
    let (last, width) = titled_sheet(ws, NOTICE_SHEET, NOTICE_COLUMNS, year, "", &f)?;
    let heading = heading(n, year, date);
    ws.merge_range(1, 0, 1, last, &heading, &f.line)?;
    ws.set_row_height(1, HEADING_HEIGHT)?;
    let intro = intro(n);
    ws.merge_range(2, 0, 2, last, &intro, &f.line)?;
    ws.set_row_height(2, row_height([(intro.as_str(), width)]))?;
    for (c, (name, _)) in NOTICE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(COLUMN_HEADS_ROW, c as u16, *name, &f.head)?;
    }
    for (i, a) in n.problems.iter().enumerate() {
        let row = FIRST_PROBLEM_ROW + i as u32;
        let severity_format = if a.severity == Severity::Error {
            &f.error
        } else {
            &f.center
        };
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(row, 1, a.severity.zh(), severity_format)?;
        let texts = problem_texts(a);
        for (c, text) in texts.iter().enumerate() {
            ws.write_string_with_format(row, 2 + c as u16, text, &f.cell)?;
        }
        ws.set_row_height(row, problem_height(&texts))?;
    }
    print_setup(ws, true, COLUMN_HEADS_ROW)?;
    wb.save_to_buffer()
}

/// The height of the heading's row, in points.
const HEADING_HEIGHT: f64 = 20.0;

/// A notice is a few kilobytes and most of its cost was compressing its fixed parts: its
/// sheet is deflated at level 1.
const NOTICE_LEVEL: u32 = 1;

/// The notices of a run. rust_xlsxwriter saves one notice, for a sample unit with an error
/// and a warning: every notice's parts but its sheet are that workbook's, copied as they
/// were compressed ([`Template`]), and so are its sheet's XML around the rows, its title row
/// and the row of column heads. The rest of its rows are written here, in the formats the
/// sample's cells give. 1,821 notices took 1.04 s on one thread, and now 0.11–0.15 s.
pub struct Notices {
    template: Template,
    /// The sheet's XML up to the number of its last row in `<dimension ref="A1:J…"/>`, and
    /// from after it to the start of the rows.
    before_last_row: String,
    after_last_row: String,
    title_row: String,
    column_heads_row: String,
    /// From the end of the rows on: the merged ranges, the print setup.
    after_rows: String,
    styles: NoticeStyles,
    year: Option<i32>,
    date: String,
}

/// The formats of a notice's cells, by their numbers in its styles.
struct NoticeStyles {
    /// The heading and the introduction.
    line: Style,
    /// 序号, and a warning's 级别.
    center: Style,
    /// An error's 级别.
    error: Style,
    /// The problem's texts.
    cell: Style,
}

impl Notices {
    pub fn new(year: Option<i32>, date: &str) -> Result<Notices, String> {
        let sample = |severity, id: &str| Anomaly {
            severity,
            rule: "T3.BALANCE",
            unit_id: "样例".into(),
            unit_name: "样例单位".into(),
            source_file: "样例.xlsx".into(),
            year,
            finding: check::Finding {
                rule: "T3.BALANCE",
                location: None,
                fields: Default::default(),
                expected: "1".into(),
                actual: "2".into(),
                message: "样例".into(),
            },
            id: id.into(),
            decision: None,
            repeats_units: false,
        };
        let (error, warning) = (
            sample(Severity::Error, "样例-1"),
            sample(Severity::Warning, "样例-2"),
        );
        let notice = Notice {
            unit_id: "样例".into(),
            unit_name: "样例单位".into(),
            unit_type: String::new(),
            file: String::new(),
            problems: vec![&error, &warning],
        };
        let failed = |e: &dyn std::fmt::Display| format!("无法生成退回通知的样板：{e}");
        let book = notice_by_rust_xlsxwriter(&notice, year, date)
            .map_err(|e| failed(&workbook::xlsx_reason(&e)))?;
        let template = Template::new(&book, NOTICE_SHEET).map_err(|e| failed(&e))?;
        Notices::from_template(template, year, date)
            .ok_or_else(|| failed(&"rust_xlsxwriter 写出的通知不是预期的样子"))
    }

    /// Takes the sample notice's sheet apart; `None` if it is not as expected.
    fn from_template(template: Template, year: Option<i32>, date: &str) -> Option<Notices> {
        let xml = template.sheet_xml();
        const DIMENSION: &str = r#"<dimension ref="A1:"#;
        let last_row_at = xml.find(DIMENSION)? + DIMENSION.len() + last_column().len();
        let last_row_end = last_row_at + xml[last_row_at..].find('"')?;
        let rows_at = xml.find("<sheetData>")? + "<sheetData>".len();
        let rows_end = xml.find("</sheetData>")?;
        let starts: Vec<usize> = xml[rows_at..rows_end]
            .match_indices("<row ")
            .map(|(at, _)| rows_at + at)
            .chain([rows_end])
            .collect();
        let row = |r: u32| Some(&xml[*starts.get(r as usize)?..*starts.get(r as usize + 1)?]);
        // The format of the cell at row `r`, column `c` (0-based) of the sample.
        let style = |r: u32, c: u32| -> Option<Style> {
            let tag = format!(r#"<c r="{}{}" s=""#, column_name(c), r + 1);
            let row = row(r)?;
            let at = row.find(&tag)? + tag.len();
            row[at..at + row[at..].find('"')?].parse().ok()
        };
        // The sample's problems: an error, then a warning.
        let (error_row, warning_row) = (FIRST_PROBLEM_ROW, FIRST_PROBLEM_ROW + 1);
        let center = style(error_row, 0)?;
        let styles = NoticeStyles {
            line: style(1, 0)?,
            center,
            error: style(error_row, 1)?,
            cell: style(error_row, 2)?,
        };
        let (title_row, column_heads_row) = (row(0)?, row(COLUMN_HEADS_ROW)?);
        let starts_row = |xml: &str, r: u32| xml.starts_with(&format!(r#"<row r="{}""#, r + 1));
        let as_expected = xml[last_row_at..last_row_end] == (warning_row + 1).to_string()
            && starts_row(title_row, 0)
            && starts_row(column_heads_row, COLUMN_HEADS_ROW)
            && style(warning_row, 1)? == center;
        if !as_expected {
            return None;
        }
        let (before_last_row, after_last_row) = (
            xml[..last_row_at].to_string(),
            xml[last_row_end..rows_at].to_string(),
        );
        let (title_row, column_heads_row) = (title_row.to_string(), column_heads_row.to_string());
        let after_rows = xml[rows_end..].to_string();
        Some(Notices {
            template,
            before_last_row,
            after_last_row,
            title_row,
            column_heads_row,
            after_rows,
            styles,
            year,
            date: date.to_string(),
        })
    }

    /// A unit's notice as the bytes of an xlsx.
    pub fn notice(&self, n: &Notice) -> Result<Vec<u8>, String> {
        let s = &self.styles;
        let last = NOTICE_COLUMNS.len() as u32 - 1;
        let mut xml =
            String::with_capacity(self.template.sheet_xml().len() + 1024 * n.problems.len());
        xml.push_str(&self.before_last_row);
        xml.push_str(itoa::Buffer::new().format(FIRST_PROBLEM_ROW as usize + n.problems.len()));
        xml.push_str(&self.after_last_row);
        xml.push_str(&self.title_row);
        let width: f64 = NOTICE_COLUMNS.iter().map(|(_, w)| w).sum();
        let intro = intro(n);
        let intro_height = row_height([(intro.as_str(), width)]);
        let merged = [
            (heading(n, self.year, &self.date), HEADING_HEIGHT),
            (intro, intro_height),
        ];
        for (r, (text, height)) in (1..).zip(&merged) {
            sheet_xml::start_row_with_height(&mut xml, r, *height);
            sheet_xml::styled_text_cell(&mut xml, r, 0, text, s.line);
            for c in 1..=last {
                sheet_xml::blank_cell(&mut xml, r, c, s.line);
            }
            sheet_xml::end_row(&mut xml);
        }
        xml.push_str(&self.column_heads_row);
        for (i, a) in n.problems.iter().enumerate() {
            let row = FIRST_PROBLEM_ROW + i as u32;
            let texts = problem_texts(a);
            sheet_xml::start_row_with_height(&mut xml, row, problem_height(&texts));
            sheet_xml::styled_number_cell(&mut xml, row, 0, (i + 1) as f64, s.center);
            let severity_style = if a.severity == Severity::Error {
                s.error
            } else {
                s.center
            };
            sheet_xml::styled_text_cell(&mut xml, row, 1, a.severity.zh(), severity_style);
            for (c, text) in (2..).zip(&texts) {
                sheet_xml::styled_text_cell(&mut xml, row, c, text, s.cell);
            }
            sheet_xml::end_row(&mut xml);
        }
        xml.push_str(&self.after_rows);
        let mut bytes = Vec::with_capacity(8 * 1024 + xml.len() / 4);
        self.template
            .write(&mut bytes, &xml, NOTICE_LEVEL)
            .map_err(|e| format!("无法生成退回通知：{e}"))?;
        Ok(bytes)
    }
}

/// The name of a notice's sheet.
const NOTICE_SHEET: &str = "问题通知";

/// The letter of a notice's last column.
fn last_column() -> String {
    column_name(NOTICE_COLUMNS.len() as u32 - 1)
}

/// `通知清单.xlsx`: every unit given a notice, its counts and its file; and how many
/// problems no unit can be sent.
pub fn index_xlsx(
    notices: &[Notice],
    unattributed: usize,
    year: Option<i32>,
    date: &str,
) -> Result<Vec<u8>, XlsxError> {
    const COLUMNS: &[(&str, f64)] = &[
        ("序号", 5.0),
        ("单位编号", 12.0),
        ("单位名称", 26.0),
        ("单位类型", 10.0),
        ("错误", 6.0),
        ("警告", 6.0),
        ("通知文件", 30.0),
        ("备注", 16.0),
    ];
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Same problems on the same day, same bytes: a rerun links the notice it had.
    wb.set_properties(&super::workbook::fixed_properties());
    let ws = wb.add_worksheet();
    let (last, width) = titled_sheet(ws, "通知清单", COLUMNS, year, "清单", &f)?;
    let errors: usize = notices.iter().map(|n| n.count(Severity::Error)).sum();
    let warnings: usize = notices.iter().map(|n| n.count(Severity::Warning)).sum();
    let mut summary = format!(
        "生成日期：{date}。{} 个单位有待处理的问题（错误 {errors} 个，警告 {warnings} 个），\
         每个单位一份通知，在本文件夹中；没有问题的单位不发通知。",
        notices.len()
    );
    if unattributed > 0 {
        summary.push_str(&format!(
            "另有 {unattributed} 个问题属于不在单位名单中的单位或无法确定单位的文件，未发通知：\
             请先核对单位名单（名称、别名）或这些文件，见 anomalies.csv。"
        ));
    }
    ws.merge_range(1, 0, 1, last, &summary, &f.line)?;
    ws.set_row_height(1, row_height([(summary.as_str(), width)]))?;
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *name, &f.head)?;
    }
    for (i, n) in notices.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(row, 1, cell_text(&n.unit_id), &f.cell)?;
        ws.write_string_with_format(row, 2, cell_text(&n.unit_name), &f.cell)?;
        ws.write_string_with_format(row, 3, cell_text(&n.unit_type), &f.cell)?;
        ws.write_number_with_format(row, 4, n.count(Severity::Error) as f64, &f.center)?;
        ws.write_number_with_format(row, 5, n.count(Severity::Warning) as f64, &f.center)?;
        ws.write_string_with_format(row, 6, cell_text(&n.file), &f.cell)?;
        let note = if n.missing() {
            "没有可读取的报告"
        } else {
            ""
        };
        ws.write_string_with_format(row, 7, note, &f.cell)?;
        let widths = COLUMNS[1..].iter().map(|(_, w)| *w);
        let texts = [
            &n.unit_id,
            &n.unit_name,
            &n.unit_type,
            "",
            "",
            &n.file,
            note,
        ];
        ws.set_row_height(row, row_height(texts.into_iter().zip(widths)))?;
    }
    print_setup(ws, false, 2)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::workbook::CELL_CHARS;
    use crate::output::xlsx_splice;

    fn anomaly(severity: Severity, rule: &'static str, texts: [&str; 5], n: usize) -> Anomaly {
        let [message, expected, actual, file, id] = texts;
        let location = match n % 3 {
            0 => Some(Location::Sheet {
                sheet: "表三".into(),
                row: n as u32,
                col: 27,
            }),
            1 => None,
            _ => Some(Location::Table {
                table: 2,
                row: n as u32,
                col: 3,
            }),
        };
        Anomaly {
            severity,
            rule,
            unit_id: "a".into(),
            unit_name: "甲镇".into(),
            source_file: file.into(),
            year: Some(2024),
            finding: check::Finding {
                rule,
                location,
                fields: Default::default(),
                expected: expected.into(),
                actual: actual.into(),
                message: message.into(),
            },
            id: id.into(),
            decision: None,
            repeats_units: false,
        }
    }

    fn notice<'a>(problems: &[&'a Anomaly]) -> Notice<'a> {
        Notice {
            unit_id: "a".into(),
            unit_name: " 甲镇&<人民政府>\u{1}".into(),
            unit_type: "乡镇".into(),
            file: "甲镇.xlsx".into(),
            problems: problems.to_vec(),
        }
    }

    /// rust_xlsxwriter in constant-memory mode writes the last row's height again as an
    /// empty row: that row dropped.
    fn without_repeated_last_row(xml: &[u8]) -> Vec<u8> {
        let xml = std::str::from_utf8(xml).expect("UTF-8");
        let end = xml.find("</sheetData>").expect("rows");
        let last = xml[..end].rfind("<row ").expect("a row");
        // `<row r="5" ht="…" customHeight="1"/>` after row 5's own.
        let number = &xml[last..last + xml[last..].find(" ht=").expect("a height")];
        let repeated = xml[last..end].ends_with("/>") && xml[..last].contains(number);
        let mut kept = xml.to_string();
        if repeated {
            kept.replace_range(last..end, "");
        }
        kept.into_bytes()
    }

    /// Each notice holds, part for part, what rust_xlsxwriter writes when it makes the
    /// whole workbook: texts to escape, blanks, long texts, one problem and many.
    #[test]
    fn notices_are_rust_xlsxwriters_own() {
        let long = "字".repeat(40_000);
        let texts: [[&str; 5]; 4] = [
            [
                "本年新收 + 上年结转 ≠ 办理结果",
                "12",
                "13",
                "甲镇.xlsx",
                "T3.BALANCE-1",
            ],
            [" a&b<c> _x0041_\t", "", "\u{1}", "", "VALUE.BLANK-2"],
            [&long, &long, "5", &long, "T3.ROW_TOTAL-3"],
            ["短", "1", "2", "文件\n两行.csv", "NO.SUCH.RULE-4"],
        ];
        let rules = ["T3.BALANCE", "VALUE.BLANK", "T3.ROW_TOTAL", "NO.SUCH.RULE"];
        let anomalies: Vec<Anomaly> = (0..23)
            .map(|n| {
                let severity = if n % 2 == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                anomaly(severity, rules[n % 4], texts[n % 4], n)
            })
            .collect();
        let all: Vec<&Anomaly> = anomalies.iter().collect();
        for year in [Some(2024), None] {
            let notices = Notices::new(year, "2025年1月2日").expect("the template");
            for problems in [&all[..1], &all[1..2], &all[2..3], &all[..]] {
                let n = notice(problems);
                let made = xlsx_splice::tests::parts(&notices.notice(&n).expect("a notice"));
                let whole = notice_by_rust_xlsxwriter(&n, year, "2025年1月2日").unwrap();
                let whole = xlsx_splice::tests::parts(&whole);
                assert_eq!(made.len(), whole.len());
                // rust_xlsxwriter writes only the formats a workbook uses. The template has an
                // error, so its 6th format is an error's 级别 and its 7th the problems' texts.
                // A notice of warnings alone has the error's format too, unused: its texts are
                // in the 7th format, where rust_xlsxwriter would have them in the 6th.
                let warnings_only = problems.iter().all(|a| a.severity == Severity::Warning);
                for ((name, bytes), (whole_name, whole_bytes)) in made.iter().zip(&whole) {
                    assert_eq!(name, whole_name);
                    if warnings_only && name.ends_with("styles.xml") {
                        continue;
                    }
                    let mut expected = whole_bytes.clone();
                    if name.contains("worksheets/") {
                        expected = without_repeated_last_row(&expected);
                        if warnings_only {
                            let xml = String::from_utf8(expected).unwrap();
                            expected = xml.replace(r#" s="5""#, r#" s="6""#).into_bytes();
                        }
                    }
                    assert!(
                        *bytes == expected,
                        "{name} differs:\n{}\n{}",
                        String::from_utf8_lossy(bytes),
                        String::from_utf8_lossy(&expected)
                    );
                }
            }
        }
    }

    /// A cell holds 32,767 characters in Excel: a longer text (a unit's pasted narrative in a
    /// message, a long file name) is cut, not a failed notice; the row is as tall as Excel
    /// allows.
    #[test]
    fn texts_longer_than_a_cell_are_cut() {
        let long = "字".repeat(40_000);
        let anomaly = anomaly(
            Severity::Error,
            "T3.BALANCE",
            [&long, &long, "5", &long, "T3.BALANCE-1"],
            1,
        );
        let mut notice = notice(&[&anomaly]);
        notice.file = long.clone();
        notice.unit_name = long.clone();
        let notices = Notices::new(Some(2024), "2025年1月1日").expect("the template");
        let bytes = notices.notice(&notice).expect("a notice");
        // rust_xlsxwriter refuses a longer text: the heading, with the unit's name, is cut too.
        notice_by_rust_xlsxwriter(&notice, Some(2024), "2025年1月1日").expect("cut to fit");
        let sheet = xlsx_splice::tests::parts(&bytes)
            .into_iter()
            .find(|(name, _)| name.contains("worksheets/"))
            .expect("a sheet")
            .1;
        let sheet = String::from_utf8(sheet).unwrap();
        assert!(sheet.contains(r#"<row r="5" ht="408.75" customHeight="1">"#));
        assert!(!sheet.contains(&"字".repeat(CELL_CHARS + 1)));
        index_xlsx(&[notice], 0, Some(2024), "2025年1月1日").expect("the list");
    }
}
