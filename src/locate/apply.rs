//! Table 三: its columns by the headers from 自然人 down, its rows by their labels.

use super::labels::{LabelAt, Labelled};
use super::{Claim, ClaimSource, MissingPart, TableHit, TwiceLine};
use crate::schema::{self, Matcher, PartId, ACTIVE_ITEMS, APPLY_COLUMNS, APPLY_ROWS};

/// Rows the column headers of table 三 may span, counted from the 自然人 cell.
const APPLY_HEADER_ROWS: u32 = 4;
/// Rows of table 三 below its header (25 in the template; room for spacer rows).
const APPLY_MAX_ROWS: u32 = 60;

fn apply_row_of(labels: &[LabelAt]) -> Option<usize> {
    // Right to left: the item (1.属于国家秘密) stands right of its group (（三）不予公开).
    labels.iter().rev().find_map(|l| l.names.apply_row())
}

fn is_table_end(labels: &[LabelAt]) -> bool {
    labels.iter().any(|l| {
        l.names.has(PartId::LitigationGroup(0))
            || l.core.contains("行政诉讼")
            || (0..ACTIVE_ITEMS.len()).any(|i| l.names.has(PartId::ActiveRow(i)))
    })
}

pub(super) fn locate_apply(sheet: &Labelled) -> Option<TableHit> {
    let (header_row, natural_col) = sheet.find(PartId::ApplyColumn(0))?;
    let mut hit = TableHit {
        anchor: Some(sheet.sheet.location(header_row, natural_col)),
        ..TableHit::default()
    };

    // Column headers: from the row above 自然人 down to the first data row.
    let first_header = header_row.saturating_sub(1).max(sheet.sheet.origin.0);
    let mut columns: Vec<Option<u32>> = vec![None; APPLY_COLUMNS.len()];
    // Where each column's header was found, and any other column with the same header.
    let mut header_of: Vec<Option<(u32, u32)>> = vec![None; APPLY_COLUMNS.len()];
    let mut other_columns: Vec<Vec<(u32, u32)>> = vec![Vec::new(); APPLY_COLUMNS.len()];
    let mut data_start = header_row + 1;
    for r in first_header..header_row + APPLY_HEADER_ROWS {
        let labels = sheet.labels_in(r, sheet.cols());
        if r > header_row && labels.iter().any(names_distinct_apply_row) {
            break;
        }
        for i in 0..APPLY_COLUMNS.len() {
            let mut matching = labels
                .iter()
                .filter(|l| l.names.names_apply_column(i))
                .map(|l| (r, l.col));
            if columns[i].is_none() {
                columns[i] = matching.next().map(|(_, c)| c);
                header_of[i] = columns[i].map(|c| (r, c));
            }
            other_columns[i].extend(matching.filter(|&(_, c)| Some(c) != columns[i]));
        }
        data_start = r + 1;
    }
    let label_end = columns.iter().flatten().copied().min().unwrap_or(0);
    for (i, part) in APPLY_COLUMNS.iter().enumerate() {
        if columns[i].is_none() {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表三缺少“{}”一列", part.label),
                fields: (0..APPLY_ROWS.len())
                    .map(|r| schema::apply_index(r, i))
                    .collect(),
            });
        }
    }

    let mut rows: Vec<Option<u32>> = vec![None; APPLY_ROWS.len()];
    let end = sheet.sheet.end_row().min(data_start + APPLY_MAX_ROWS);
    for r in data_start..end {
        let labels = sheet.labels_in(r, sheet.sheet.origin.1..label_end);
        if is_table_end(&labels) {
            break;
        }
        match apply_row_of(&labels) {
            Some(i) if rows[i].is_none() => rows[i] = Some(r),
            Some(i) => {
                let first = rows[i].expect("seen");
                let label_at = |row: u32| {
                    let col =
                        labels_col(sheet, row, label_end).unwrap_or(label_end.saturating_sub(1));
                    sheet.sheet.location(row, col)
                };
                let differs = columns
                    .iter()
                    .flatten()
                    .any(|&c| sheet.sheet.get(first, c) != sheet.sheet.get(r, c));
                let name = APPLY_ROWS[i].label.replace('/', " ");
                if differs {
                    hit.twice.push(TwiceLine {
                        what: format!("表三“{name}”一行"),
                        taken: label_at(first),
                        left: label_at(r),
                        fields: (0..APPLY_COLUMNS.len())
                            .map(|c| schema::apply_index(i, c))
                            .collect(),
                    });
                } else {
                    hit.notes.push(format!(
                        "表三“{name}”一行出现了两次（{}），数字相同，使用了第一次",
                        label_at(r)
                    ));
                }
            }
            None => {
                if let Some(l) = labels.iter().rev().find(|l| l.core.as_str() == "其他处理") {
                    let has_values = columns
                        .iter()
                        .flatten()
                        .any(|&vc| !sheet.sheet.get(r, vc).is_empty());
                    if has_values {
                        hit.old_format.push(Claim {
                            text: "（六）其他处理（一行，无细分项）".into(),
                            at: sheet.sheet.location(r, l.col),
                            source: ClaimSource::Labelled,
                            primary: true,
                        });
                    }
                }
            }
        }
        if rows[APPLY_ROWS.len() - 1].is_some() {
            break;
        }
    }

    for (ci, others) in other_columns.iter().enumerate() {
        let (Some(taken), Some((header_row, taken_col))) = (columns[ci], header_of[ci]) else {
            continue;
        };
        for &(r, c) in others {
            let differs = rows
                .iter()
                .flatten()
                .any(|&row| sheet.sheet.get(row, taken) != sheet.sheet.get(row, c));
            if differs {
                hit.twice.push(TwiceLine {
                    what: format!("表三“{}”一列", APPLY_COLUMNS[ci].label.replace('/', " ")),
                    taken: sheet.sheet.location(header_row, taken_col),
                    left: sheet.sheet.location(r, c),
                    fields: (0..APPLY_ROWS.len())
                        .map(|row| schema::apply_index(row, ci))
                        .collect(),
                });
            }
        }
    }

    for (ri, part) in APPLY_ROWS.iter().enumerate() {
        let Some(r) = rows[ri] else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表三缺少“{}”一行", part.label.replace('/', " ")),
                fields: (0..APPLY_COLUMNS.len())
                    .map(|c| schema::apply_index(ri, c))
                    .collect(),
            });
            continue;
        };
        for (ci, col) in columns.iter().enumerate() {
            if let Some(c) = col {
                hit.values
                    .push((schema::apply_index(ri, ci), sheet.raw(r, *c)));
            }
        }
    }
    Some(hit)
}

/// Whether a label names a table 三 row by a distinctive word (not by 其他 or 总计).
fn names_distinct_apply_row(label: &LabelAt) -> bool {
    APPLY_ROWS.iter().enumerate().any(|(i, p)| {
        matches!(p.matcher, Matcher::Contains(_)) && label.names.has(PartId::ApplyRow(i))
    })
}

/// The column of the last label of a row left of `end`: where a row's name is.
fn labels_col(sheet: &Labelled, row: u32, end: u32) -> Option<u32> {
    sheet
        .labels_in(row, sheet.sheet.origin.1..end)
        .last()
        .map(|l| l.col)
}
