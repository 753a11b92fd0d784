//! Excel 97–2003 .xls, through calamine.

use std::io::Cursor;

use calamine::{Reader, Xls};

use super::sheets::{cell_from_data, finish, push_sheet, worksheets};
use crate::formula::FormulaCell;
use crate::grid::{Cell, Workbook};

/// An xls: calamine's dense range is bounded by the format (65,536 rows by 256 columns).
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let mut book = Xls::new(Cursor::new(bytes))
        .map_err(|e| format!("xls 文件已损坏或不完整，无法打开（{e}）"))?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let range = match book.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => {
                workbook
                    .notes
                    .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
                continue;
            }
        };
        let cells = range
            .used_cells()
            .map(|(r, c, d)| (r as u32, c as u32, cell_from_data(d)))
            .filter(|(_, _, cell)| *cell != Cell::Empty);
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let cells: Vec<(u32, u32, Cell)> = cells.map(|(r, c, d)| (r0 + r, c0 + c, d)).collect();
        // Formulas are read separately: their cached values may be missing or wrong.
        if let Ok(f) = book.worksheet_formula(&name) {
            let (fr, fc) = f.start().unwrap_or((0, 0));
            for (r, c, text) in f.used_cells().filter(|(_, _, t)| !t.is_empty()) {
                formulas.push(FormulaCell {
                    sheet: workbook.sheets.len(),
                    row: fr + r as u32,
                    col: fc + c as u32,
                    text: text.clone(),
                });
            }
        }
        push_sheet(&mut workbook, &name, hidden, cells);
    }
    finish(workbook, formulas)
}
