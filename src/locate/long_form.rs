//! The long form (`unit,year,field_id,value`) and the wide form (a row per unit, a column
//! per field): several submissions in one table.

use std::collections::HashMap;

use super::{Claim, ClaimSource, MissingPart, RawSubmission, RawValue};
use crate::grid::{Cell, Location, LongTable, LongTableBuilder, Sheet};
use crate::schema::{self, FieldIdx, FIELD_COUNT};
use crate::text::fold;

/// A cell as the long form takes it: its text, a number as written (`12`, not `12.0`).
fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.to_string(),
        Cell::Number(n) => crate::text::format_number(*n),
        Cell::Empty => String::new(),
    }
}

/// A workbook's first sheet in the long form, as a [`LongTable`]: its first row with a
/// cell names the four columns.
pub(super) fn long_table_of(sheet: &Sheet) -> Option<LongTable> {
    let (row, _, _) = sheet.cells().next()?;
    // The header's texts from the sheet's first column, so that a position is a column.
    let (c0, end) = (sheet.origin.1, sheet.cols_in(row).end);
    let header: Vec<&str> = (0..end)
        .map(|c| {
            if c < c0 {
                ""
            } else {
                sheet.get(row, c).text().unwrap_or("")
            }
        })
        .collect();
    let cols = LongTable::columns_of(header.iter().copied())?;
    let mut table = LongTableBuilder::new(Some(sheet.name.clone()), cols);
    let text_at = |r: u32, c: u32| text_of(sheet.get(r, c));
    for r in row + 1..sheet.end_row() {
        let texts = cols.map(|c| text_at(r, c));
        if texts.iter().any(|t| !t.trim().is_empty()) {
            table.push(
                r,
                [&texts[0], &texts[1], &texts[2], &texts[3]].map(String::as_str),
            );
        }
    }
    Some(table.finish())
}

/// Header cells naming the unit and the year in the wide form.
const WIDE_UNIT: &[&str] = &["unit_name", "unit", "单位名称", "单位", "填报单位"];
const WIDE_YEAR: &[&str] = &["year", "年度", "年份"];

/// The field a wide table's column header names: its `field_id`, or its label as
/// [`schema::display_name`] writes it or as the table, row and column path of fields.csv,
/// punctuation and spaces aside. A label two fields share names neither.
fn field_of_header(header: &str) -> Option<FieldIdx> {
    static BY_HEADER: std::sync::LazyLock<HashMap<String, Option<FieldIdx>>> =
        std::sync::LazyLock::new(|| {
            let mut map: HashMap<String, Option<FieldIdx>> = HashMap::new();
            for (f, field) in schema::fields().iter().enumerate() {
                map.insert(field.id.to_lowercase(), Some(f));
                let table = field.table.title().split('、').next().unwrap_or("");
                let path = format!(
                    "表{table}{}{}{}",
                    field.group, field.row_label, field.col_label
                );
                for label in [schema::display_name(f), path] {
                    map.entry(header_key(&label))
                        .and_modify(|e| {
                            if *e != Some(f) {
                                *e = None
                            }
                        })
                        .or_insert(Some(f));
                }
            }
            map
        });
    let trimmed = header.trim().to_lowercase();
    BY_HEADER
        .get(&trimmed)
        .or_else(|| BY_HEADER.get(&header_key(header)))
        .copied()
        .flatten()
}

/// A label with only its letters and digits, folded: `表三“（一）予以公开 自然人”` and
/// `表三 (一)予以公开 自然人` are one key.
fn header_key(label: &str) -> String {
    fold(label)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A sheet in the wide form, one row per unit: a header row naming at least twenty fields
/// by id or label, a unit column, optionally a year column (nianbao's own normalized.csv is
/// one). Its values as a [`LongTable`] whose rows are the cells under the fields' headers.
pub(super) fn wide_table_of(sheet: &Sheet) -> Option<LongTable> {
    const FIELDS_TO_BE_WIDE: usize = 20;
    let (row, _, _) = sheet.cells().next()?;
    // Only texts can name fields: a title row is passed over at once.
    let texts = sheet.cols_in(row).filter(|&c| {
        sheet
            .get(row, c)
            .text()
            .is_some_and(|t| !t.trim().is_empty())
    });
    if texts.count() < FIELDS_TO_BE_WIDE {
        return None;
    }
    let header = |c: u32| match sheet.get(row, c) {
        Cell::Text(t) => t.trim().trim_start_matches('\u{feff}').to_lowercase(),
        _ => String::new(),
    };
    let col_named = |names: &[&str]| {
        sheet
            .cols_in(row)
            .find(|&c| names.contains(&header(c).as_str()))
    };
    let fields: Vec<(u32, FieldIdx)> = sheet
        .cols_in(row)
        .filter_map(|c| field_of_header(&header(c)).map(|f| (c, f)))
        .collect();
    if fields.len() < FIELDS_TO_BE_WIDE {
        return None;
    }
    let unit = col_named(WIDE_UNIT)?;
    let year = col_named(WIDE_YEAR);
    // Without a year column the year is the one rolled up.
    let own = LongTable::OWN_COLUMN;
    let mut table = LongTableBuilder::new(
        Some(sheet.name.clone()),
        [unit, year.unwrap_or(own), own, own],
    );
    let text_at = |r: u32, c: u32| text_of(sheet.get(r, c));
    for r in row + 1..sheet.end_row() {
        let unit_name = text_at(r, unit);
        let year_text = year.map(|c| text_at(r, c)).unwrap_or_default();
        if unit_name.trim().is_empty() {
            continue;
        }
        for &(c, f) in &fields {
            let id = schema::fields()[f].id.as_str();
            table.push_at(r, c, [&unit_name, &year_text, id, &text_at(r, c)]);
        }
    }
    let mut table = table.finish();
    table.wide = true;
    // A CSV's rows are its lines.
    if sheet.csv_lines.is_some() {
        table.sheet = None;
        for long_row in &mut table.rows {
            let line = sheet.location(long_row.row, 0);
            if let Location::Csv { line, .. } = line {
                long_row.row = u32::try_from(line).unwrap_or(u32::MAX);
            }
        }
    }
    Some(table)
}

/// Notes about rows of unknown fields: the first few, then how many more.
const ORPHAN_NOTES: usize = 20;

/// The long form's submissions: one per unit and year named, in the order first seen.
pub(super) fn locate_long_form(table: &LongTable) -> Result<Vec<RawSubmission>, String> {
    let mut groups: Vec<RawSubmission> = Vec::new();
    let mut group_of = foldhash::HashMap::<(u32, u32, u32), usize>::default();
    let mut orphans = 0usize;
    let mut orphan_notes = Vec::new();
    for row in &table.rows {
        let report = if table.wide { row.row } else { 0 };
        let idx = *group_of
            .entry((row.unit, row.year, report))
            .or_insert_with(|| {
                let mut sub = RawSubmission::empty();
                let claim = |which: usize, text: u32| Claim {
                    text: table.text(text).to_string(),
                    at: table.location(row, which),
                    source: ClaimSource::Labelled,
                    primary: true,
                };
                if row.unit != 0 {
                    sub.unit_claims.push(claim(LongTable::UNIT, row.unit));
                }
                if row.year != 0 {
                    sub.year_claims.push(claim(LongTable::YEAR, row.year));
                }
                groups.push(sub);
                groups.len() - 1
            });
        let sub = &mut groups[idx];
        let field_id = table.text(row.field_id);
        match schema::index_of(field_id) {
            Some(f) if sub.values[f].is_none() => {
                let value = table.text(row.value);
                sub.values[f] = Some(RawValue {
                    at: table.location(row, LongTable::VALUE),
                    cell: if value.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(value.into())
                    },
                })
            }
            Some(_) => sub.notes.push(format!(
                "{}：字段 {field_id} 重复出现，使用了第一次的值",
                table.location(row, LongTable::FIELD_ID)
            )),
            None => {
                orphans += 1;
                if orphans <= ORPHAN_NOTES {
                    orphan_notes.push(format!(
                        "{}：未知的字段编号“{field_id}”，该行未读取",
                        table.location(row, LongTable::FIELD_ID)
                    ));
                }
            }
        }
    }
    if groups.is_empty() {
        return Err("长表（unit,year,field_id,value）中没有数据行".into());
    }
    if orphans > ORPHAN_NOTES {
        orphan_notes.push(format!(
            "共有 {orphans} 行的字段编号未知，以上只列出前 {ORPHAN_NOTES} 行"
        ));
    }
    // The file's own notes, said once: they reach the manifest through its first submission.
    groups[0].notes.extend(orphan_notes);
    for sub in &mut groups {
        let absent: Vec<FieldIdx> = (0..FIELD_COUNT)
            .filter(|&f| sub.values[f].is_none())
            .collect();
        if !absent.is_empty() {
            let ids: Vec<&str> = absent
                .iter()
                .take(5)
                .map(|&f| schema::fields()[f].id.as_str())
                .collect();
            let more = if absent.len() > 5 {
                format!(" 等 {} 个字段", absent.len())
            } else {
                String::new()
            };
            sub.missing.push(MissingPart {
                at: None,
                what: format!("长表中缺少字段 {}{more}", ids.join("、")),
                fields: absent,
            });
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_named_by_its_id_and_by_its_labels() {
        for (f, field) in schema::fields().iter().enumerate() {
            let table = field.table.title().split('、').next().unwrap_or("");
            let path = format!(
                "表{table} {} {} {}",
                field.group, field.row_label, field.col_label
            );
            for header in [field.id.to_uppercase(), schema::display_name(f), path] {
                assert_eq!(field_of_header(&header), Some(f), "{header}");
            }
        }
        assert_eq!(field_of_header("总计"), None);
    }
}
