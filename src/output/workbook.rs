//! `rollup.xlsx`: the county's totals in the official layout, a sheet per unit type, every
//! unit's normalized row, and the anomaly list.

use std::collections::BTreeMap;
use std::io::Write;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet,
    XlsxError,
};

use crate::check::{Anomaly, TOTALS_SOURCE};
use crate::grid::EXCEL_ROWS;
use crate::layout::{layout, Style, TCell, TSheet, Template, UnitLine};
use crate::normalize::Submission;
use crate::output::xlsx_splice::{self, SheetRows};
use crate::output::{neutralize, sheet_xml, ANOMALY_COLUMNS, NORMALIZED_LEAD};
use crate::rollup::{ReportedTotals, Rollup, Totals};
use crate::roster::Roster;
use crate::schema::{self, FieldIdx, Kind};
use crate::text::format_number;

/// How template cells look: labels, counts and amounts.
pub struct TemplateFormats {
    pub label: Format,
    pub title: Format,
    /// The tables' own headings (二、主动公开政府信息情况 …).
    pub heading: Format,
    pub count: Format,
    pub amount: Format,
}

/// The font offices print their tables in.
pub const OFFICIAL_FONT: &str = "宋体";

/// The footer of every printed page: 第 N 页，共 M 页, centred.
pub const PAGE_FOOTER: &str = "&C第 &P 页，共 &N 页";

impl TemplateFormats {
    /// Bordered cells in 宋体, centred wrapped labels, the fee with two decimals, the
    /// headings bold above their tables: ready to paste into an annual report.
    pub fn official() -> Self {
        let font = Format::new().set_font_name(OFFICIAL_FONT).set_font_size(10);
        let cell = font
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        TemplateFormats {
            label: cell.clone().set_text_wrap().set_align(FormatAlign::Center),
            title: font
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            heading: font
                .set_bold()
                .set_font_size(11)
                .set_align(FormatAlign::VerticalCenter),
            count: cell
                .clone()
                .set_num_format("0")
                .set_align(FormatAlign::Center),
            amount: cell.set_num_format("0.00").set_align(FormatAlign::Center),
        }
    }

    /// No decoration: how a clerk's file looks.
    pub fn plain() -> Self {
        let wrap = Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        TemplateFormats {
            label: wrap.clone(),
            title: Format::new(),
            heading: wrap.clone(),
            count: Format::new(),
            amount: Format::new(),
        }
    }
}

/// Writes a laid-out template into a worksheet: merged ranges, labels, numbers, formulas.
/// The first cell of each sheet is its title, written without a border.
pub fn write_template(
    ws: &mut Worksheet,
    sheet: &TSheet,
    formats: &TemplateFormats,
) -> Result<(), XlsxError> {
    let amount_cells: Vec<(u32, u32)> = sheet
        .fields
        .iter()
        .filter(|(f, _, _)| schema::fields()[*f].kind == Kind::AmountWan)
        .map(|&(_, r, c)| (r, c))
        .collect();
    let first = sheet.cells.keys().next().copied();
    let label_format = |at: (u32, u32)| {
        if Some(at) == first {
            &formats.title
        } else if sheet.is_heading(at) {
            &formats.heading
        } else {
            &formats.label
        }
    };
    for &(r1, c1, r2, c2) in &sheet.merges {
        let text = match sheet.cells.get(&(r1, c1)) {
            Some(TCell::Text(s)) => s.clone(),
            _ => String::new(),
        };
        let format = label_format((r1, c1));
        ws.merge_range(r1, c1 as u16, r2, c2 as u16, &text, format)?;
    }
    let merged: Vec<(u32, u32)> = sheet.merges.iter().map(|m| (m.0, m.1)).collect();
    for (&(r, c), cell) in &sheet.cells {
        let number_format = if amount_cells.contains(&(r, c)) {
            &formats.amount
        } else {
            &formats.count
        };
        match cell {
            TCell::Number(n) => {
                ws.write_number_with_format(r, c as u16, *n, number_format)?;
            }
            // A formula's cached result is not written: readers must compute it.
            TCell::Formula(f, _) => {
                ws.write_formula(r, c as u16, f.as_str())?;
            }
            TCell::Text(_) if merged.contains(&(r, c)) => {}
            TCell::Text(s) => {
                ws.write_string_with_format(r, c as u16, s, label_format((r, c)))?;
            }
        }
    }
    // Value cells left empty still get their border.
    for &(_, r, c) in &sheet.fields {
        if !sheet.cells.contains_key(&(r, c)) {
            ws.write_blank(r, c as u16, &formats.count)?;
        }
    }
    Ok(())
}

/// A fixed creation time, so that the same inputs give the same bytes.
pub fn fixed_properties() -> DocProperties {
    let created = ExcelDateTime::from_ymd(2025, 1, 1).expect("a valid date");
    DocProperties::new().set_creation_datetime(&created)
}

/// How many lines `text` takes wrapped in `room` columns of Excel's width, a character
/// outside ASCII taking `wide` of them (about two), each line break starting a line.
pub fn wrapped_lines(text: &str, room: f64, wide: f64) -> f64 {
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { wide })
                .sum();
            (units / room).ceil().max(1.0)
        })
        .sum()
}

/// Row heights (points) that show every wrapped label whole, for the rows from `first_row`:
/// a label's width in Excel's units (a CJK character about two) over the width of its cell
/// or merged range, the lines shared among the rows a merged range spans. Excel and
/// LibreOffice do not fit rows of wrapped or merged cells in a file they did not save.
pub fn wrapped_row_heights(sheet: &TSheet, widths: &[f64], first_row: u32) -> Vec<(u32, f64)> {
    const LINE: f64 = 13.5;
    let width_of = |c: u32| widths.get(c as usize).copied().unwrap_or(8.43);
    let mut lines: BTreeMap<u32, f64> = BTreeMap::new();
    for (&(r, c), cell) in &sheet.cells {
        let TCell::Text(text) = cell else { continue };
        if r < first_row || sheet.is_heading((r, c)) {
            continue;
        }
        let (r2, c2) = sheet
            .merges
            .iter()
            .find(|m| (m.0, m.1) == (r, c))
            .map_or((r, c), |m| (m.2, m.3));
        let room = ((c..=c2).map(width_of).sum::<f64>() - 1.0).max(1.0);
        let needed = wrapped_lines(text, room, 2.0);
        let per_row = (needed / f64::from(r2 - r + 1)).ceil();
        let at = lines.entry(r).or_insert(1.0);
        *at = at.max(per_row);
    }
    lines
        .into_iter()
        .filter(|&(_, n)| n > 1.0)
        .map(|(r, n)| (r, n * LINE + 3.0))
        .collect()
}

/// Column widths of the totals sheets (Excel's units), for one sheet that holds all three
/// tables: table 三's three label columns (its long third-level labels in the third), then
/// numbers narrow enough that table 四's fifteen columns fill a landscape A4 page near full
/// size.
const TOTALS_WIDTHS: [f64; 15] = [
    12.0, 12.0, 26.0, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5,
];

/// Landscape A4 fitted to the page width, centred, without gridlines, the sheet's name above
/// and 第 N 页，共 M 页 below each page: how an office prints a table it pastes into a report.
pub fn print_setup(ws: &mut Worksheet) {
    list_print_setup(ws);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
}

/// Landscape A4 with the sheet's name and page numbers, for the long lists: too wide to fit
/// a page legibly, they print at full size across pages.
fn list_print_setup(ws: &mut Worksheet) {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_gridlines(false);
    // Inches: left, right, top, bottom, header, footer.
    ws.set_margins(0.5, 0.5, 0.75, 0.75, 0.3, 0.3);
    ws.set_header("&C&A");
    ws.set_footer(PAGE_FOOTER);
}

/// The last row and column a sheet's cells or merged ranges reach.
fn extent(sheet: &TSheet) -> (u32, u32) {
    let cells = sheet.cells.keys().copied();
    let merge_ends = sheet.merges.iter().map(|m| (m.2, m.3));
    cells
        .chain(merge_ends)
        .fold((0, 0), |(r, c), (r2, c2)| (r.max(r2), c.max(c2)))
}

/// Prints only the tables, each of tables 三 and 四 from a new page, the rows above the
/// tables up to `last_title_row` (the title, a unit's name) repeated at the top of every page.
pub fn print_tables(
    ws: &mut Worksheet,
    sheet: &TSheet,
    last_title_row: u32,
) -> Result<(), XlsxError> {
    let (last_row, last_col) = extent(sheet);
    ws.set_print_area(0, 0, last_row, last_col as u16)?;
    ws.set_repeat_rows(0, last_title_row)?;
    // Tables 三 and 四 each start a page.
    let breaks: Vec<u32> = sheet
        .headings
        .iter()
        .filter(|(table, _)| *table != schema::TableId::Active)
        .map(|&(_, (row, _))| row)
        .collect();
    ws.set_page_breaks(&breaks)?;
    Ok(())
}

/// Why a total's cell is marked: the identities its sheet's totals break, a level's own
/// report that differs from the sum of its units, a negative sum, a sum that lacks units'
/// unreadable values. Each line in Chinese, by field.
fn marks(
    totals: &Totals,
    reported: Option<&ReportedTotals>,
    anomalies: &[Anomaly],
    roster: &Roster,
) -> BTreeMap<FieldIdx, Vec<String>> {
    let mut why: BTreeMap<FieldIdx, Vec<String>> = BTreeMap::new();
    let name = crate::rollup::total_name(&totals.name);
    for a in anomalies {
        let on_these_totals = a.source_file == TOTALS_SOURCE && a.unit_name == name;
        if on_these_totals {
            if let Some(f) = crate::check::broken_total(&a.finding) {
                let line = format!("{}（{}）：{}", a.severity.zh(), a.rule, a.finding.message);
                why.entry(f).or_default().push(line);
            }
        }
    }
    if let Some(reported) = reported {
        // TOTAL.REPORTED names every field where the level's own report and the sum differ.
        let own = anomalies
            .iter()
            .filter(|a| a.rule == "TOTAL.REPORTED" && a.source_file == reported.source_file);
        for a in own {
            for f in a.finding.fields.iter() {
                let line = format!(
                    "{}（{}）：{}自报 {}，下属 {} 个单位之和为 {}",
                    a.severity.zh(),
                    a.rule,
                    a.unit_name,
                    reported.values[f].map_or("（空）".into(), format_number),
                    totals.units.len(),
                    format_number(totals.values[f])
                );
                why.entry(f).or_default().push(line);
            }
        }
    }
    for (f, &x) in totals.values.iter().enumerate() {
        if x < 0.0 {
            let line = format!(
                "合计为负数 {}：件数和金额不应为负，请查看异常清单中 VALUE.NEGATIVE 所列单位",
                format_number(x)
            );
            why.entry(f).or_default().push(line);
        }
    }
    for (f, units) in totals.unknown.iter().enumerate() {
        if units.is_empty() {
            continue;
        }
        const SHOWN: usize = 10;
        let names: Vec<&str> = units
            .iter()
            .take(SHOWN)
            .map(|&u| roster.units[u].name.as_str())
            .collect();
        let more = if units.len() > SHOWN { " 等" } else { "" };
        let line = format!(
            "合计不完整：{} 个单位此项的数值无法读取，未计入（{}{more}）；请核对后补充，见异常清单中的 VALUE.NOT_NUMBER 或 FIELD.MISSING",
            units.len(),
            names.join("、")
        );
        why.entry(f).or_default().push(line);
    }
    why
}

/// The official layout of some totals, on one sheet named after them, set up to print;
/// the totals that break a rule filled and noted.
fn totals_sheet(
    book: &mut Workbook,
    name: &str,
    totals: &Totals,
    reported: Option<&ReportedTotals>,
    anomalies: &[Anomaly],
    roster: &Roster,
    year: Option<i32>,
) -> Result<(), XlsxError> {
    let style = Style {
        unit_line: UnitLine::TitleOnly,
        ..Style::official()
    };
    let mut template: Template = layout("", year.unwrap_or_default(), &totals.values, &style);
    let year = year.map_or(String::new(), |y| format!("{y}年"));
    let title = format!(
        "{}（{} 个单位）{year}政府信息公开工作年度报告统计表",
        crate::rollup::total_name(&totals.name),
        totals.units.len()
    );
    let sheet = &mut template.sheets[0];
    sheet.cells.insert((0, 0), TCell::Text(title.clone()));
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (c, width) in TOTALS_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let formats = TemplateFormats::official();
    write_template(ws, sheet, &formats)?;
    // The title centred over the tables.
    let (_, last_col) = extent(sheet);
    ws.merge_range(0, 0, 0, last_col as u16, &title, &formats.title)?;
    ws.set_row_height(0, 24)?;
    for (row, height) in wrapped_row_heights(sheet, &TOTALS_WIDTHS, 1) {
        ws.set_row_height(row, height)?;
    }
    print_setup(ws);
    ws.set_screen_gridlines(false);
    print_tables(ws, sheet, 0)?;

    for (f, lines) in marks(totals, reported, anomalies, roster) {
        let Some(&(_, r, c)) = sheet.fields.iter().find(|(g, _, _)| *g == f) else {
            continue;
        };
        let number = if schema::fields()[f].kind == Kind::AmountWan {
            &formats.amount
        } else {
            &formats.count
        };
        // Excel's own 浅红填充色深红色文本, as a clerk knows it from conditional formatting.
        let format = number
            .clone()
            .set_background_color("FFC7CE")
            .set_font_color("9C0006");
        ws.write_number_with_format(r, c as u16, totals.values[f], &format)?;
        let note = Note::new(lines.join("\n"))
            .add_author_prefix(false)
            .set_font_name(OFFICIAL_FONT)
            .set_width(360)
            .set_height(40 + 40 * lines.len() as u32);
        ws.insert_note(r, c as u16, &note)?;
    }
    Ok(())
}

/// Sheet names for the given wishes, valid and distinct whatever a roster's unit types are:
/// Excel allows 31 characters, none of `[]:*?/\`, no leading or trailing apostrophe, and
/// compares names without case.
fn sheet_names(wishes: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for wish in wishes {
        let cleaned: String = wish
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .collect();
        let cleaned = cleaned.trim_matches('\'').trim();
        let base: String = if cleaned.is_empty() {
            "未分类"
        } else {
            cleaned
        }
        .chars()
        .take(27)
        .collect();
        let taken = |n: &str| names.iter().any(|m| m.to_lowercase() == n.to_lowercase());
        let mut name = base.clone();
        let mut k = 2;
        while taken(&name) {
            name = format!("{base}({k})");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Excel's limit for the text of one cell, in UTF-16 units: a character beyond U+FFFF (an
/// emoji, a rare 汉字 of the extensions) counts two, as rust_xlsxwriter counted when it
/// refused longer text.
pub(crate) const CELL_CHARS: usize = 32_767;

/// Why a workbook could not be made, for the clerk: the system's reason for an I/O error,
/// else what rust_xlsxwriter said (a limit of Excel's), after a Chinese word.
pub fn xlsx_reason(e: &XlsxError) -> String {
    match e {
        XlsxError::IoError(io) => crate::output::staging::reason(io),
        e => format!("超出了 Excel 表格的限制（{e}）"),
    }
}

pub(crate) fn cell_text(s: &str) -> &str {
    let mut units = 0;
    for (at, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > CELL_CHARS {
            return &s[..at];
        }
    }
    s
}

const NORMALIZED_SHEET: &str = "各单位";
const ANOMALY_SHEET: &str = "异常清单";

/// The deflate level of rollup.xlsx. At 100,000 units (before the 各单位 sheet was made in
/// parallel) level 4 took 10 s and made 74 MB; the default 6, 14 s and 67 MB; level 1, 9 s
/// and 147 MB.
const ZIP_LEVEL: u8 = 4;

/// The 各单位 sheet's own level: numbers, which the fast levels pack nearly as well in a
/// fraction of the time. Its 55 MB of XML at 10,000 units, in chunks as they are deflated
/// (zlib-rs, one thread): level 1 82 ms and 9.78 MB, level 2 161 ms and 6.84 MB, level 3
/// 209 ms and 6.17 MB, level 4 353 ms and 6.06 MB, level 6 832 ms and 5.72 MB. (The 异常清单
/// sheet's sentences take as long at 3 as at 4, and 50% more room.)
const NORMALIZED_LEVEL: u32 = 2;

/// Writes rollup.xlsx into `w`. rust_xlsxwriter makes the workbook with only the header rows
/// of its two long lists, 各单位 and 异常清单, in memory (small); their rows are then made
/// and deflated in parallel and spliced in as they are written ([`xlsx_splice`]): a
/// province's workbook is never held whole.
pub fn rollup_xlsx(
    w: &mut (dyn Write + Send),
    rollup: &Rollup,
    submissions: &[Submission],
    anomalies: &[Anomaly],
    roster: &Roster,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties());
    book.set_zip_compression_level(ZIP_LEVEL);
    let all: Vec<&Totals> = std::iter::once(&rollup.county)
        .chain(rollup.parts())
        .collect();
    let mut wishes: Vec<&str> = vec![NORMALIZED_SHEET, ANOMALY_SHEET];
    wishes.extend(all.iter().map(|t| t.name.as_str()));
    let names = sheet_names(&wishes);
    for (totals, name) in all.iter().zip(&names[2..]) {
        // A level's own report, if it sent one, is compared with these sums.
        let reported = rollup.reported.iter().find(|r| {
            rollup
                .by_level
                .get(r.level)
                .is_some_and(|level| std::ptr::eq(level, *totals))
        });
        totals_sheet(
            &mut book,
            name,
            totals,
            reported,
            anomalies,
            roster,
            rollup.year,
        )?;
    }
    // A sheet holds 1,048,576 rows: a province's anomalies may not fit. Those that do are
    // listed, and a last row says where the rest are; no county has a million units.
    if submissions.len() > EXCEL_ROWS as usize - NORMALIZED_HEADER_ROWS as usize {
        return Err(XlsxError::IoError(std::io::Error::other(format!(
            "单位超过 Excel 一个工作表的行数（{} 份报告），请用 normalized.csv",
            submissions.len()
        ))));
    }
    let listed = anomalies.len().min(EXCEL_ROWS as usize - 2);
    let rest = anomalies.len() - listed;
    let anomaly_lines = listed + usize::from(rest > 0);
    normalized_sheet(&mut book, submissions.len())?;
    anomalies_sheet(&mut book, anomaly_lines)?;
    let book = book.save_to_buffer()?;
    let units = NormalizedRows {
        rollup,
        submissions,
        roster,
    };
    let sheets = [
        SheetRows {
            name: NORMALIZED_SHEET,
            rows: submissions.len(),
            xml: &|range, out| units.write(range, out),
            level: NORMALIZED_LEVEL,
        },
        SheetRows {
            name: ANOMALY_SHEET,
            rows: anomaly_lines,
            xml: &|range, out| {
                let end = range.end.min(listed);
                if range.start < end {
                    anomaly_rows(&anomalies[range.start..end], range.start, out);
                }
                if range.end > listed {
                    let r = listed as u32 + 1;
                    sheet_xml::start_row(out, r);
                    let note = format!("另有 {rest} 条问题超出工作表的行数，见 anomalies.csv");
                    sheet_xml::text_cell(out, r, 0, &note);
                    sheet_xml::end_row(out);
                }
            },
            level: u32::from(ZIP_LEVEL),
        },
    ];
    xlsx_splice::splice_rows(w, &book, &sheets).map_err(XlsxError::IoError)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("DDEBF7")
}

/// The 各单位 sheet's header rows, above where the unit rows go.
const NORMALIZED_HEADER_ROWS: u32 = 2;

/// The 各单位 sheet as rust_xlsxwriter makes it: its two header rows, its widths, panes and
/// print setup, and an autofilter over the `units` rows that are spliced in after it is
/// saved ([`NormalizedRows`]).
fn normalized_sheet(book: &mut Workbook, units: usize) -> Result<(), XlsxError> {
    // In constant-memory mode, as the spliced rows are written: strings inline, no spans.
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(NORMALIZED_SHEET)?;
    // 单位编号, 单位, 类型, 年度, 文件, 是否计入汇总; the values keep Excel's width.
    for (c, width) in [12, 24, 10, 6, 40, 14].iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let header = header_format();
    // Row 1 says in Chinese what each column is; row 2 has the stable ids of normalized.csv.
    let mut labels: Vec<String> = ["单位编号", "单位", "类型", "年度", "文件", "是否计入汇总"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    labels.extend((0..schema::FIELD_COUNT).map(schema::display_name));
    let mut columns: Vec<&str> = NORMALIZED_LEAD.to_vec();
    columns.push("counted");
    columns.extend(schema::fields().iter().map(|f| f.id.as_str()));
    // A streamed sheet is written row by row: all of row 1, then all of row 2.
    for (c, label) in labels.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, label, &header)?;
    }
    for (c, id) in columns.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *id, &header)?;
    }
    ws.set_freeze_panes(2, 2)?;
    list_print_setup(ws);
    ws.set_repeat_rows(0, 1)?;
    ws.set_repeat_columns(0, 1)?;
    ws.autofilter(
        1,
        0,
        NORMALIZED_HEADER_ROWS + units as u32 - 1,
        (columns.len() - 1) as u16,
    )?;
    Ok(())
}

/// The 各单位 sheet's unit rows, one per submission, as normalized.csv has them. Every row
/// has its 是否计入汇总, so none is empty (rust_xlsxwriter writes no `<row>` for an empty
/// one).
struct NormalizedRows<'a> {
    rollup: &'a Rollup,
    submissions: &'a [Submission],
    roster: &'a Roster,
}

impl NormalizedRows<'_> {
    /// The rows of the submissions in `range`, as XML.
    fn write(&self, range: std::ops::Range<usize>, out: &mut String) {
        for i in range {
            self.write_row(i, out);
        }
    }

    fn write_row(&self, i: usize, out: &mut String) {
        let s = &self.submissions[i];
        let r = NORMALIZED_HEADER_ROWS + i as u32;
        let unit = s.unit.map(|u| &self.roster.units[u]);
        let lead = [
            unit.map_or(String::new(), |u| u.id.clone()),
            unit.map_or(s.claimed_unit.clone(), |u| u.name.clone()),
            unit.map_or(String::new(), |u| u.unit_type.clone()),
            s.source_file.clone(),
            self.rollup.left_out[i].map_or("计入".to_string(), |why| why.describe().to_string()),
        ];
        let text_cell = |out: &mut String, c: u32, text: &str| {
            sheet_xml::text_cell(out, r, c, cell_text(&neutralize(text)));
        };
        sheet_xml::start_row(out, r);
        for (c, t) in lead.iter().take(3).enumerate() {
            text_cell(out, c as u32, t);
        }
        if let Some(year) = s.year {
            sheet_xml::number_cell(out, r, 3, f64::from(year));
        }
        for (c, t) in lead.iter().enumerate().skip(3) {
            text_cell(out, c as u32 + 1, t);
        }
        for f in 0..schema::FIELD_COUNT {
            let c = (NORMALIZED_LEAD.len() + 1 + f) as u32;
            // Unknown values stay empty, as in normalized.csv.
            if let Some(n) = s.values.number(f) {
                sheet_xml::number_cell(out, r, c, n);
            }
        }
        sheet_xml::end_row(out);
    }
}

/// The 异常清单 sheet as rust_xlsxwriter makes it: its header row, widths, panes and print
/// setup, and an autofilter over the `count` rows spliced in after it is saved
/// ([`anomaly_rows`]).
fn anomalies_sheet(book: &mut Workbook, count: usize) -> Result<(), XlsxError> {
    // In constant-memory mode, as the spliced rows are written: strings inline, no spans.
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(ANOMALY_SHEET)?;
    let widths = [8, 20, 12, 16, 36, 12, 24, 14, 14, 80, 26, 10, 30, 10, 12];
    for (c, width) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let header = header_format();
    // The columns of anomalies.csv, then the reviewer and the date of the decision: a copy
    // of this sheet with the 审核 columns filled in, saved as config/review.xlsx, is a
    // review file (review.rs finds the columns by these names).
    let titles = [
        "级别",
        "规则",
        "单位编号",
        "单位",
        "文件",
        "位置",
        "字段",
        "应为",
        "实为",
        "说明",
        "异常编号",
        "审核状态",
        "审核说明",
        "审核人",
        "审核日期",
    ];
    debug_assert_eq!(titles.len(), ANOMALY_COLUMNS.len() + 2);
    debug_assert_eq!(titles.len(), widths.len());
    for (c, title) in titles.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *title, &header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    list_print_setup(ws);
    ws.set_repeat_rows(0, 0)?;
    ws.autofilter(0, 0, count as u32, (titles.len() - 1) as u16)?;
    Ok(())
}

/// The 异常清单 sheet's rows for `anomalies`, the first of them the `first`-th anomaly,
/// under the header row. Every row has its 级别, so none is empty.
fn anomaly_rows(anomalies: &[Anomaly], first: usize, out: &mut String) {
    for (i, a) in anomalies.iter().enumerate() {
        let r = (first + i) as u32 + 1;
        let mut row = crate::output::anomaly_row(a);
        // 错误/警告/提示 for the person who reads the sheet; anomalies.csv keeps error….
        row[0] = a.severity.zh().to_string();
        row.push(neutralize(&a.review().reviewer));
        row.push(neutralize(&a.review().date));
        sheet_xml::start_row(out, r);
        for (c, text) in row.iter().enumerate() {
            sheet_xml::text_cell(out, r, c as u32, cell_text(text));
        }
        sheet_xml::end_row(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_unit_types_make_valid_distinct_sheet_names() {
        let names = sheet_names(&[
            "各单位",
            "异常清单",
            "全县",
            "乡镇/街道",
            "乡镇_街道",
            "",
            "'镇'",
            "各单位",
        ]);
        assert_eq!(
            names,
            [
                "各单位",
                "异常清单",
                "全县",
                "乡镇_街道",
                "乡镇_街道(2)",
                "未分类",
                "镇",
                "各单位(2)"
            ]
        );
        let long = "很长的类型名称".repeat(10);
        assert!(sheet_names(&[&long])[0].chars().count() <= 31);
    }

    #[test]
    fn cell_text_is_cut_at_excels_limit() {
        let long = "字".repeat(40_000);
        assert_eq!(cell_text(&long).chars().count(), CELL_CHARS);
        assert_eq!(cell_text("短"), "短");
        let wide = "𠀀".repeat(20_000);
        assert_eq!(cell_text(&wide).chars().count(), CELL_CHARS / 2);
    }
}
