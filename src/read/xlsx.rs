//! xlsx and xlsm, through calamine.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::sheets::{cell_from_data, finish, push_sheet, worksheets};
use crate::formula::FormulaCell;
use crate::grid::{Cell, Workbook};

/// An xlsx, one cell at a time: a stray cell at XFD1048576 costs one short row, not a
/// dense range of seventeen billion cells; values and formulas come in one pass.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("xlsx 文件已损坏或不完整，无法打开（{e}）"))?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let mut cells = Vec::new();
        let read = book.worksheet_cells_reader(&name).and_then(|mut reader| {
            while let Some(cell) = reader.next_cell_with_formula()? {
                let (row, col) = cell.pos;
                if let Some(text) = cell.formula.filter(|f| !f.is_empty()) {
                    formulas.push(FormulaCell {
                        sheet: workbook.sheets.len(),
                        row,
                        col,
                        text,
                    });
                }
                let value = cell_from_data(&Data::from(cell.value));
                if value != Cell::Empty {
                    cells.push((row, col, value));
                }
            }
            Ok(())
        });
        if let Err(e) = read {
            formulas.retain(|f| f.sheet != workbook.sheets.len());
            workbook
                .notes
                .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
            continue;
        }
        push_sheet(&mut workbook, &name, hidden, cells);
    }
    finish(workbook, formulas)
}
