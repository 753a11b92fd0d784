//! `rollup.xlsx`: the county's totals in the official layout, a sheet per unit type, every
//! unit's normalized row, and the anomaly list.

use std::io::Write;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::check::Anomaly;
use crate::layout::{layout, Style, TCell, Template, UnitLine};
use crate::normalize::Submission;
use crate::output::{neutralize, ANOMALY_COLUMNS, NORMALIZED_LEAD};
use crate::rollup::{Rollup, Totals};
use crate::roster::Roster;
use crate::schema::{self, Kind};

/// How template cells look: labels, counts and amounts.
pub struct TemplateFormats {
    pub label: Format,
    pub title: Format,
    pub count: Format,
    pub amount: Format,
}

impl TemplateFormats {
    /// Bordered cells, centred wrapped labels, the fee with two decimals: ready to paste
    /// into an annual report.
    pub fn official() -> Self {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_font_size(10);
        TemplateFormats {
            label: cell.clone().set_text_wrap().set_align(FormatAlign::Center),
            title: Format::new().set_bold().set_font_size(13),
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
            count: Format::new(),
            amount: Format::new(),
        }
    }
}

/// Writes a laid-out template into a worksheet: merged ranges, labels, numbers, formulas.
/// The first cell of each sheet is its title, written without a border.
pub fn write_template(
    ws: &mut Worksheet,
    sheet: &crate::layout::TSheet,
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
        } else {
            &formats.label
        }
    };
    for &(r1, c1, r2, c2) in &sheet.merges {
        let text = match sheet.cells.get(&(r1, c1)) {
            Some(TCell::Text(s)) => s.clone(),
            _ => String::new(),
        };
        ws.merge_range(r1, c1 as u16, r2, c2 as u16, &text, label_format((r1, c1)))?;
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

/// The official layout of some totals, on one sheet named after them.
fn totals_sheet(
    book: &mut Workbook,
    name: &str,
    totals: &Totals,
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
    template.sheets[0].cells.insert((0, 0), TCell::Text(title));
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 30)?;
    for c in 3..15 {
        ws.set_column_width(c, 9)?;
    }
    write_template(ws, &template.sheets[0], &TemplateFormats::official())
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

/// Excel's limit for the text of one cell.
const CELL_CHARS: usize = 32_767;

fn cell_text(s: &str) -> &str {
    match s.char_indices().nth(CELL_CHARS) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

const NORMALIZED_SHEET: &str = "各单位";
const ANOMALY_SHEET: &str = "异常清单";

/// Writes rollup.xlsx into `w` as it is made: a province's workbook is never held whole.
pub fn rollup_xlsx(
    w: &mut (dyn Write + Send),
    rollup: &Rollup,
    submissions: &[Submission],
    anomalies: &[Anomaly],
    roster: &Roster,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties());
    // At 100,000 units level 4 takes 10 s and makes 74 MB; the default 6, 14 s and 67 MB;
    // level 1, 9 s and 147 MB.
    book.set_zip_compression_level(4);
    let all: Vec<&Totals> = std::iter::once(&rollup.county)
        .chain(rollup.parts())
        .collect();
    let mut wishes: Vec<&str> = vec![NORMALIZED_SHEET, ANOMALY_SHEET];
    wishes.extend(all.iter().map(|t| t.name.as_str()));
    let names = sheet_names(&wishes);
    for (totals, name) in all.iter().zip(&names[2..]) {
        totals_sheet(&mut book, name, totals, rollup.year)?;
    }
    normalized_sheet(&mut book, rollup, submissions, roster)?;
    anomalies_sheet(&mut book, anomalies)?;
    book.save_to_writer(w)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("DDEBF7")
}

fn normalized_sheet(
    book: &mut Workbook,
    rollup: &Rollup,
    submissions: &[Submission],
    roster: &Roster,
) -> Result<(), XlsxError> {
    // Rows stream to a temporary file: a province's 20 million cells never sit in memory.
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name(NORMALIZED_SHEET)?;
    ws.set_column_width(4, 40)?;
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
    for (i, s) in submissions.iter().enumerate() {
        let r = i as u32 + 2;
        let unit = s.unit.map(|u| &roster.units[u]);
        let lead = [
            unit.map_or(String::new(), |u| u.id.clone()),
            unit.map_or(s.claimed_unit.clone(), |u| u.name.clone()),
            unit.map_or(String::new(), |u| u.unit_type.clone()),
            s.source_file.clone(),
            rollup.left_out[i].map_or("计入".to_string(), |why| why.describe().to_string()),
        ];
        for (c, text) in lead.iter().take(3).enumerate() {
            ws.write_string(r, c as u16, cell_text(&neutralize(text)))?;
        }
        if let Some(year) = s.year {
            ws.write_number(r, 3, f64::from(year))?;
        }
        for (c, text) in lead.iter().enumerate().skip(3) {
            ws.write_string(r, c as u16 + 1, cell_text(&neutralize(text)))?;
        }
        for f in 0..schema::FIELD_COUNT {
            let c = (NORMALIZED_LEAD.len() + 1 + f) as u16;
            // Unknown values stay empty, as in normalized.csv.
            if let Some(n) = s.values.number(f) {
                ws.write_number(r, c, n)?;
            }
        }
    }
    ws.set_freeze_panes(2, 2)?;
    ws.autofilter(
        1,
        0,
        submissions.len() as u32 + 1,
        (columns.len() - 1) as u16,
    )?;
    Ok(())
}

fn anomalies_sheet(book: &mut Workbook, anomalies: &[Anomaly]) -> Result<(), XlsxError> {
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
    for (i, a) in anomalies.iter().enumerate() {
        let mut row = crate::output::anomaly_row(a);
        row.push(neutralize(&a.review.reviewer));
        row.push(neutralize(&a.review.date));
        for (c, text) in row.iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, cell_text(text))?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, anomalies.len() as u32, (titles.len() - 1) as u16)?;
    Ok(())
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
    }
}
