//! Table 二: each item's row by its label, and its columns by the headers above it.

use super::labels::Labelled;
use super::{MissingPart, TableHit};
use crate::grid::Cell;
use crate::schema::{self, PartId, ACTIVE_ITEMS};
use crate::text::{parse_value, ParsedValue};

/// How far above an item row its column headers may stand.
const HEADER_REACH: u32 = 6;

pub(super) fn locate_active(sheet: &Labelled) -> Option<TableHit> {
    let (r, c) = (0..ACTIVE_ITEMS.len()).find_map(|item| sheet.find(PartId::ActiveRow(item)))?;
    let mut hit = TableHit {
        anchor: Some(sheet.sheet.location(r, c)),
        ..TableHit::default()
    };
    for (item_idx, item) in ACTIVE_ITEMS.iter().enumerate() {
        let Some((row, label_col)) = sheet.find(PartId::ActiveRow(item_idx)) else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表二缺少“{}”一行", item.row.label),
                fields: (0..item.columns.len())
                    .map(|c| schema::active_index(item_idx, c))
                    .collect(),
            });
            continue;
        };
        let header_cols = active_header(sheet, row, label_col, item_idx);
        for (col_idx, part) in item.columns.iter().enumerate() {
            let field = schema::active_index(item_idx, col_idx);
            match header_cols[col_idx] {
                Some(col) => {
                    let col = if item.columns.len() == 1 {
                        single_value_col(sheet, row, label_col, col)
                    } else {
                        col
                    };
                    hit.values.push((field, sheet.raw(row, col)));
                }
                None => hit.missing.push(MissingPart {
                    at: None,
                    what: format!("表二“{}”缺少“{}”一列", item.row.label, part.label),
                    fields: vec![field],
                }),
            }
        }
    }
    Some(hit)
}

/// Columns of an item's headers: the nearest row above it that names any of them.
fn active_header(sheet: &Labelled, row: u32, label_col: u32, item: usize) -> Vec<Option<u32>> {
    let columns = ACTIVE_ITEMS[item].columns.len();
    let top = row.saturating_sub(HEADER_REACH).max(sheet.sheet.origin.0);
    for r in (top..row).rev() {
        let labels = sheet.labels_in(r, label_col + 1..sheet.end_col());
        let cols: Vec<Option<u32>> = (0..columns)
            .map(|col| {
                labels
                    .iter()
                    .find(|l| l.names.has(PartId::ActiveColumn(item, col)))
                    .map(|l| l.col)
            })
            .collect();
        if cols.iter().any(Option::is_some) {
            return cols;
        }
    }
    vec![None; columns]
}

/// The template merges a single value over several columns; a unit that unmerged it may
/// have typed the number a cell or two to the right. Take the first number between the
/// label and a little past the header column, else the header column itself.
fn single_value_col(sheet: &Labelled, row: u32, label_col: u32, header_col: u32) -> u32 {
    if !sheet.sheet.get(row, header_col).is_empty() {
        return header_col;
    }
    (label_col + 1..header_col + 4)
        .find(|&c| {
            let cell = sheet.sheet.get(row, c);
            matches!(cell, Cell::Number(_))
                || cell
                    .text()
                    .is_some_and(|t| matches!(parse_value(t), ParsedValue::Number(_)))
        })
        .unwrap_or(header_col)
}
