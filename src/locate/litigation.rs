//! Table 四: its three groups of five numbers, laid out across, stacked or transposed.

use super::labels::Labelled;
use super::{MissingPart, TableHit};
use crate::grid::Cell;
use crate::schema::{self, PartId, LITIGATION_COLUMNS, LITIGATION_GROUPS};
use crate::text::{parse_value, ParsedValue};

/// How many rows below its group label a group's column headers may stand.
const LEAF_REACH: u32 = 3;

/// Where one group of table 四 keeps its five numbers.
struct GroupCells {
    /// Leaf → (header row, column).
    leaves: Vec<Option<(u32, u32)>>,
    /// The leaves head columns below the group label (the template), or the group label
    /// heads a row with the leaves in a header row above (a transposed table).
    transposed: bool,
    group_row: u32,
}

/// Table 四, one group at a time: the template's horizontal layout, the review block and
/// the suit blocks stacked one above the other, or the table transposed (groups as rows).
pub(super) fn locate_litigation(sheet: &Labelled) -> Option<TableHit> {
    let starts: Vec<Option<(u32, u32)>> = (0..LITIGATION_GROUPS.len())
        .map(|g| sheet.find(PartId::LitigationGroup(g)))
        .collect();
    if starts.iter().all(Option::is_none) {
        return None;
    }
    let groups: Vec<Option<GroupCells>> = starts
        .iter()
        .map(|s| s.map(|(r, c)| group_cells(sheet, r, c)))
        .collect();
    let anchor = starts
        .iter()
        .flatten()
        .next()
        .map(|&(r, c)| sheet.sheet.location(r, c));
    let mut hit = TableHit {
        anchor,
        ..TableHit::default()
    };
    for (g, group) in LITIGATION_GROUPS.iter().enumerate() {
        let Some(cells) = &groups[g] else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表四缺少“{}”一栏", group.label),
                fields: (0..LITIGATION_COLUMNS.len())
                    .map(|c| schema::litigation_index(g, c))
                    .collect(),
            });
            continue;
        };
        let value_row = if cells.transposed {
            cells.group_row
        } else {
            horizontal_value_row(sheet, cells, &groups)
        };
        for (l, leaf) in LITIGATION_COLUMNS.iter().enumerate() {
            let field = schema::litigation_index(g, l);
            match cells.leaves[l] {
                Some((_, c)) => hit.values.push((field, sheet.raw(value_row, c))),
                None => hit.missing.push(MissingPart {
                    at: None,
                    what: format!("表四“{}”缺少“{}”一列", group.label, leaf.label),
                    fields: vec![field],
                }),
            }
        }
    }
    Some(hit)
}

fn group_cells(sheet: &Labelled, row: u32, col: u32) -> GroupCells {
    // Horizontal: the leaves under the group label, up to the next label on its row
    // (the next group's, since a group label spans its own columns).
    let end = (col + 1..sheet.end_col())
        .find(|&c| !sheet.sheet.get(row, c).is_empty())
        .unwrap_or(sheet.end_col());
    let below = find_leaves(sheet, row + 1..row + 1 + LEAF_REACH, col..end);
    if below.iter().any(Option::is_some) {
        return GroupCells {
            leaves: below,
            transposed: false,
            group_row: row,
        };
    }
    // Transposed: the group label heads a row; the leaves head columns in a row above.
    let top = row.saturating_sub(2 * LEAF_REACH).max(sheet.sheet.origin.0);
    let above = (top..row)
        .rev()
        .map(|r| find_leaves(sheet, r..r + 1, col + 1..sheet.end_col()))
        .find(|leaves| leaves.iter().any(Option::is_some))
        .unwrap_or_else(|| vec![None; LITIGATION_COLUMNS.len()]);
    GroupCells {
        leaves: above,
        transposed: true,
        group_row: row,
    }
}

/// Each leaf's first cell, row by row, within the rows and columns given.
fn find_leaves(
    sheet: &Labelled,
    rows: std::ops::Range<u32>,
    cols: std::ops::Range<u32>,
) -> Vec<Option<(u32, u32)>> {
    (0..LITIGATION_COLUMNS.len())
        .map(|leaf| {
            rows.clone().find_map(|r| {
                cols.clone()
                    .find(|&c| sheet.names(r, c).has(PartId::LitigationColumn(leaf)))
                    .map(|c| (r, c))
            })
        })
        .collect()
}

/// The row of a horizontal group's numbers: below the lowest header row of the groups
/// that share its header band (the review group's headers are merged down beside the
/// suits' second header row), skipping empty spacer rows.
fn horizontal_value_row(
    sheet: &Labelled,
    cells: &GroupCells,
    groups: &[Option<GroupCells>],
) -> u32 {
    let leaf_rows = |g: &GroupCells| {
        g.leaves
            .iter()
            .flatten()
            .map(|(r, _)| *r)
            .collect::<Vec<_>>()
    };
    let own = leaf_rows(cells);
    let (low, high) = (
        own.iter().copied().min().unwrap_or(cells.group_row),
        own.iter().copied().max().unwrap_or(cells.group_row),
    );
    let band_bottom = groups
        .iter()
        .flatten()
        .filter(|g| !g.transposed)
        .flat_map(leaf_rows)
        .filter(|r| *r + 1 >= low && *r <= high + 1)
        .max()
        .unwrap_or(high);
    let cols: Vec<u32> = cells.leaves.iter().flatten().map(|(_, c)| *c).collect();
    // An empty spacer row may stand between the headers and the numbers; but when the
    // numbers were left blank, the row below may be a 填报人 line, never the values.
    let numeric = |cell: &Cell| match cell {
        Cell::Empty | Cell::Number(_) => true,
        Cell::Text(t) => !matches!(parse_value(t), ParsedValue::NotNumber(_)),
    };
    let first_filled = (band_bottom + 1..band_bottom + 4)
        .find(|&r| cols.iter().any(|&c| !sheet.sheet.get(r, c).is_empty()));
    match first_filled {
        Some(r) if cols.iter().all(|&c| numeric(sheet.sheet.get(r, c))) => r,
        _ => band_bottom + 1,
    }
}
