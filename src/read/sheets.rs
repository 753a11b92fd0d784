//! What the two workbook readers share: the order of sheets, and how cells become a
//! [`Sheet`] and the sheets a [`Workbook`] with its formulas evaluated.

use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible};

use super::limits::MAX_TEXT_BYTES;
use crate::formula::{evaluate_workbook, FormulaCell};
use crate::grid::{Cell, Sheet, Workbook};

/// The worksheets of a workbook in the order to read them: visible first, so that a hidden
/// leftover copy of the template is the last to be considered.
pub(super) fn worksheets<'a, R: Reader<Cursor<&'a [u8]>>>(book: &R) -> Vec<(String, bool)> {
    let mut sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|m| m.typ == SheetType::WorkSheet)
        .map(|m| (m.name.clone(), m.visible != SheetVisible::Visible))
        .collect();
    sheets.sort_by_key(|(_, hidden)| *hidden);
    sheets
}

pub(super) fn push_sheet(
    workbook: &mut Workbook,
    name: &str,
    hidden: bool,
    mut cells: Vec<(u32, u32, Cell)>,
) {
    let mut clipped = 0;
    for (_, _, cell) in &mut cells {
        if let Cell::Text(text) = cell {
            if text.len() > MAX_TEXT_BYTES {
                let mut end = MAX_TEXT_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                *text = text[..end].into();
                clipped += 1;
            }
        }
    }
    if clipped > 0 {
        workbook.notes.push(format!(
            "工作表“{name}”有 {clipped} 个单元格的文字超过 {} KB，只读取了前 {} KB",
            MAX_TEXT_BYTES >> 10,
            MAX_TEXT_BYTES >> 10
        ));
    }
    let (sheet, left_out) = Sheet::from_cells(name, hidden, cells);
    if left_out > 0 {
        workbook.notes.push(format!(
            "工作表“{name}”有 {left_out} 个单元格在所读区域（自第一个单元格起 {} 行 {} 列，共 {} 个单元格）之外，未读取",
            crate::grid::MAX_ROWS,
            crate::grid::MAX_COLS,
            crate::grid::MAX_AREA
        ));
    }
    workbook.sheets.push(sheet);
}

pub(super) fn finish(
    mut workbook: Workbook,
    mut formulas: Vec<FormulaCell>,
) -> Result<Workbook, String> {
    // A formula outside the area read would grow the grid when its value is set.
    formulas.retain(|f| {
        let (r0, c0) = workbook.sheets[f.sheet].origin;
        let (rows, cols) = (crate::grid::MAX_ROWS, crate::grid::MAX_COLS);
        (r0.saturating_sub(rows)..r0 + rows).contains(&f.row)
            && (c0.saturating_sub(cols)..c0 + cols).contains(&f.col)
    });
    let notes = evaluate_workbook(&mut workbook.sheets, formulas);
    workbook.notes.extend(notes);
    if workbook.sheets.is_empty() {
        // Every sheet was skipped: the notes say why (damaged, out of bounds).
        return Err(match workbook.notes.first() {
            Some(why) => format!("文件已损坏，工作簿中没有可读取的工作表：{why}"),
            None => "工作簿中没有可读取的工作表".into(),
        });
    }
    Ok(workbook)
}

pub(super) fn cell_from_data(data: Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(i as f64),
        Data::Float(f) => Cell::Number(f),
        Data::String(s) => Cell::Text(s.into()),
        Data::Bool(b) => Cell::Text(if b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => Cell::Text(format!("日期{d}").into()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.into()),
        Data::Error(e) => Cell::Text(e.to_string().into()),
    }
}
