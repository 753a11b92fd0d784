//! What the clerk sees is what is read: rows and columns a unit hid (last year's numbers
//! kept out of sight beside this year's) are not taken where a visible twin exists.

mod common;

use common::{assert_values, only_submission, read_file, temp_dir};
use nianbao::demo;
use nianbao::layout::{layout, Style, TCell, TSheet};
use rust_xlsxwriter::Workbook;

/// The sheet with every cell at or right of `col` moved one column right (or at or below
/// `row` one row down), making room for a hidden copy.
fn shifted(sheet: &TSheet, row: u32, col: u32) -> TSheet {
    let cells = sheet
        .cells
        .iter()
        .map(|(&(r, c), cell)| {
            let r = if r >= row { r + 1 } else { r };
            let c = if c >= col { c + 1 } else { c };
            ((r, c), cell.clone())
        })
        .collect();
    TSheet {
        name: sheet.name.clone(),
        cells,
        ..TSheet::default()
    }
}

fn write(sheet: &TSheet, hide: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(&sheet.name).unwrap();
    for (&(r, c), cell) in &sheet.cells {
        match cell {
            TCell::Text(t) => ws.write_string(r, c as u16, t).map(|_| ()),
            TCell::Number(n) | TCell::Formula(_, n) => ws.write_number(r, c as u16, *n).map(|_| ()),
        }
        .unwrap();
    }
    hide(ws);
    book.save_to_buffer().unwrap()
}

fn text_at(sheet: &TSheet, text: &str) -> Vec<(u32, u32)> {
    sheet
        .cells
        .iter()
        .filter(|(_, c)| matches!(c, TCell::Text(t) if t.contains(text)))
        .map(|(&k, _)| k)
        .collect()
}

#[test]
fn a_hidden_total_column_beside_the_visible_one_is_not_read() {
    let dir = temp_dir("hidden-column");
    let values = demo::consistent_report(&mut demo::Rng::new(3));
    let sheet = layout("河口镇", 2024, &values, &Style::official())
        .sheets
        .remove(0);
    // Table 三's 总计 header: the 总计 in the row that also has 自然人.
    let natural_row = text_at(&sheet, "自然人")[0].0;
    let (_, total_col) = *text_at(&sheet, "总计")
        .iter()
        .find(|(r, _)| *r == natural_row)
        .expect("table 三's 总计 header");
    let mut moved = shifted(&sheet, u32::MAX, total_col);
    // Last year's 总计 column in the freed column: its header and other numbers.
    let rows: Vec<u32> = moved
        .cells
        .keys()
        .filter(|&&(r, c)| c == total_col + 1 && r >= natural_row)
        .map(|&(r, _)| r)
        .collect();
    for r in rows {
        let cell = match &moved.cells[&(r, total_col + 1)] {
            TCell::Text(t) => TCell::Text(t.clone()),
            TCell::Number(n) | TCell::Formula(_, n) => TCell::Number(n + 7.0),
        };
        moved.cells.insert((r, total_col), cell);
    }
    let bytes = write(&moved, |ws| {
        ws.set_column_hidden(total_col as u16).unwrap();
    });
    let result = read_file(&dir, "河口镇.xlsx", &bytes, None);
    let notes = result.notes.clone();
    let sub = only_submission(result);
    assert_values(&sub, &values, "hidden column");
    assert!(
        sub.notes.iter().chain(&notes).any(|n| n.contains("隐藏")),
        "the set-aside labels are said: {:?}",
        sub.notes
    );
}

#[test]
fn hidden_rows_of_last_year_above_this_years_are_not_read() {
    let dir = temp_dir("hidden-rows");
    let values = demo::consistent_report(&mut demo::Rng::new(4));
    let sheet = layout("河口镇", 2024, &values, &Style::official())
        .sheets
        .remove(0);
    let first = text_at(&sheet, "本年新收")[0].0;
    // Last year's 一 and 二 rows, hidden, just above this year's.
    let mut moved = shifted(&sheet, first, u32::MAX);
    moved = shifted(&moved, first, u32::MAX);
    for (offset, source) in [(0, first + 2), (1, first + 3)] {
        let copies: Vec<((u32, u32), TCell)> = moved
            .cells
            .iter()
            .filter(|(&(r, _), _)| r == source)
            .map(|(&(_, c), cell)| {
                let cell = match cell {
                    TCell::Text(t) => TCell::Text(t.clone()),
                    TCell::Number(n) | TCell::Formula(_, n) => TCell::Number(n + 5.0),
                };
                ((first + offset, c), cell)
            })
            .collect();
        moved.cells.extend(copies);
    }
    let bytes = write(&moved, |ws| {
        ws.set_row_hidden(first).unwrap();
        ws.set_row_hidden(first + 1).unwrap();
    });
    let sub = only_submission(read_file(&dir, "河口镇.xlsx", &bytes, None));
    assert_values(&sub, &values, "hidden rows");
}

#[test]
fn a_label_only_in_a_hidden_row_is_still_read_and_said() {
    let dir = temp_dir("hidden-only");
    let values = demo::consistent_report(&mut demo::Rng::new(5));
    let sheet = layout("河口镇", 2024, &values, &Style::official())
        .sheets
        .remove(0);
    let row = text_at(&sheet, "本年新收")[0].0;
    let bytes = write(&sheet, |ws| {
        ws.set_row_hidden(row).unwrap();
    });
    let sub = only_submission(read_file(&dir, "河口镇.xlsx", &bytes, None));
    assert_values(&sub, &values, "hidden only");
    assert!(
        sub.notes.iter().any(|n| n.contains("取自隐藏的行或列")),
        "{:?}",
        sub.notes
    );
}
