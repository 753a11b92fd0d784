//! `rollup.xlsx`: the county's totals in the official layout, a sheet per unit type, every
//! unit's normalized row, and the anomaly list.

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
fn totals_sheet(book: &mut Workbook, totals: &Totals, year: Option<i32>) -> Result<(), XlsxError> {
    let style = Style {
        unit_line: UnitLine::TitleOnly,
        ..Style::official()
    };
    let title = format!("{}合计（{} 个单位）", totals.name, totals.units.len());
    let template: Template = layout(&title, year.unwrap_or_default(), &totals.values, &style);
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(&totals.name))?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 30)?;
    for c in 3..15 {
        ws.set_column_width(c, 9)?;
    }
    write_template(ws, &template.sheets[0], &TemplateFormats::official())
}

/// Excel allows 31 characters and none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

pub fn rollup_xlsx(
    rollup: &Rollup,
    submissions: &[Submission],
    anomalies: &[Anomaly],
    roster: &Roster,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties());
    totals_sheet(&mut book, &rollup.county, rollup.year)?;
    for totals in &rollup.by_type {
        totals_sheet(&mut book, totals, rollup.year)?;
    }
    normalized_sheet(&mut book, rollup, submissions, roster)?;
    anomalies_sheet(&mut book, anomalies)?;
    book.save_to_buffer()
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
    ws.set_name("各单位")?;
    ws.set_column_width(4, 40)?;
    let header = header_format();
    let mut columns: Vec<&str> = NORMALIZED_LEAD.to_vec();
    columns.push("counted");
    columns.extend(schema::fields().iter().map(|f| f.id.as_str()));
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, s) in submissions.iter().enumerate() {
        let r = i as u32 + 1;
        let unit = s.unit.map(|u| &roster.units[u]);
        let lead = [
            unit.map_or(String::new(), |u| u.id.clone()),
            unit.map_or(s.claimed_unit.clone(), |u| u.name.clone()),
            unit.map_or(String::new(), |u| u.unit_type.clone()),
            s.year.map_or(String::new(), |y| y.to_string()),
            s.source_file.clone(),
            rollup.left_out[i].map_or("计入".to_string(), |why| why.describe().to_string()),
        ];
        for (c, text) in lead.iter().enumerate() {
            ws.write_string(r, c as u16, neutralize(text))?;
        }
        for (f, v) in s.values.iter().enumerate() {
            let c = (lead.len() + f) as u16;
            // Unknown values stay empty, as in normalized.csv.
            if let Some(n) = v.value.number() {
                ws.write_number(r, c, n)?;
            }
        }
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, submissions.len() as u32, (columns.len() - 1) as u16)?;
    Ok(())
}

fn anomalies_sheet(book: &mut Workbook, anomalies: &[Anomaly]) -> Result<(), XlsxError> {
    let ws = book.add_worksheet_with_constant_memory()?;
    ws.set_name("异常清单")?;
    for (c, width) in [8, 20, 12, 16, 36, 12, 24, 14, 14, 80].iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let header = header_format();
    for (c, name) in ANOMALY_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    for (i, a) in anomalies.iter().enumerate() {
        for (c, text) in crate::output::anomaly_row(a).iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, text)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(
        0,
        0,
        anomalies.len() as u32,
        (ANOMALY_COLUMNS.len() - 1) as u16,
    )?;
    Ok(())
}
