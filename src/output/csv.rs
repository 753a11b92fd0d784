//! The CSV outputs: `normalized.csv`, `anomalies.csv`, `rollup.csv`, and the helpers the
//! workbook shares with them (spreadsheet-safe text, the column lists).

use std::io::Write;

use crate::check::Anomaly;
use crate::normalize::{Submission, Value};
use crate::rollup::LeftOut;
use crate::roster::Roster;
use crate::schema;
use crate::text::{format_number, with_number_text};

/// Text from a submission, made safe for a spreadsheet: a leading `=`, `+`, `-`, `@`, tab
/// or carriage return would make Excel or WPS run it as a formula. A plain number such as
/// `-3` is left as it is: a spreadsheet reads it as the number it is.
pub fn neutralize(text: &str) -> String {
    if text.trim() == text && text.parse::<f64>().is_ok_and(f64::is_finite) {
        return text.to_string();
    }
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// The text [`neutralize`] was given: a review file's note or message, read back.
pub fn unneutralize(text: String) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if neutralize(rest) == text => rest.to_string(),
        _ => text,
    }
}

/// A CSV in UTF-8 with a BOM, so that Excel opens Chinese text correctly.
pub fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&mut out, header, rows).expect("writing to memory");
    out
}

/// Writes a CSV with its BOM, row by row: a province's twenty million cells are never all
/// held as strings.
pub fn write_csv(
    w: &mut dyn Write,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv_writer(w);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

fn csv_writer<W: Write>(w: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(w)
}

/// Rows of normalized.csv made a block at a time: about 130 KB (a row is about 500 bytes).
const NORMALIZED_BLOCK: usize = 256;

/// Rows of anomalies.csv made a block at a time: about 230 KB where most rows list a
/// report's blank cells (VALUE.BLANK, 3.6 KB a row on average, up to 6 KB), up to 400 KB.
/// Blocks of 256 rows held 16 MB at once on two threads, their buffers grown by doubling.
const ANOMALY_BLOCK: usize = 64;

/// [`write_csv`] for `count` rows, `row(i, writer)` writing the i-th as one record: blocks
/// of `rows_per_block` rows are formatted side by side and written in order, a few blocks
/// per thread at a time, so that a province's rows are neither formatted by one thread nor
/// all held at once. The bytes are those [`write_csv`] writes.
fn write_csv_in_parallel(
    w: &mut dyn Write,
    header: &[&str],
    count: usize,
    rows_per_block: usize,
    row: impl Fn(usize, &mut ::csv::Writer<Vec<u8>>) -> ::csv::Result<()> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv_writer(&mut *w);
    writer.write_record(header)?;
    writer.flush()?;
    drop(writer);
    let blocks: Vec<std::ops::Range<usize>> = (0..count)
        .step_by(rows_per_block)
        .map(|start| start..(start + rows_per_block).min(count))
        .collect();
    for batch in blocks.chunks(super::BLOCKS_PER_THREAD * rayon::current_num_threads()) {
        let formatted: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|rows| {
                let mut writer = csv_writer(Vec::new());
                for i in rows.clone() {
                    row(i, &mut writer)?;
                }
                writer.into_inner().map_err(|e| e.into_error())
            })
            .collect::<std::io::Result<_>>()?;
        for block in &formatted {
            w.write_all(block)?;
        }
    }
    Ok(())
}

/// The value as `normalized.csv` shows it: blank as 0, unknown as empty.
pub fn value_text(value: &Value) -> String {
    with_value_text(value, str::to_string)
}

/// Whether [`value_text`] writes `text` for `value`: the next run compares each value
/// with the previous run's text without making its own.
pub fn value_text_is(value: &Value, text: &str) -> bool {
    with_value_text(value, |own| own == text)
}

/// [`value_text`]'s text handed to `f`, made without an allocation but for a fraction.
fn with_value_text<R>(value: &Value, f: impl FnOnce(&str) -> R) -> R {
    match value {
        Value::Number(n) => with_number_text(*n, f),
        Value::Blank => f("0"),
        Value::NotNumber(_) | Value::Missing => f(""),
    }
}

pub const NORMALIZED_LEAD: &[&str] = &["unit_id", "unit_name", "unit_type", "year", "source_file"];

/// The columns after the 200 fields of `normalized.csv`: whether the row is in the totals
/// (`1` or `0`, so that summing the counted rows gives `rollup.csv`'s county row), and why
/// not.
pub const NORMALIZED_TAIL: &[&str] = &["counted", "not_counted_reason"];

/// The [`NORMALIZED_LEAD`] columns of a submission's row, as `normalized.csv` writes them
/// (and as the next run reads them back to compare).
pub fn normalized_lead(s: &Submission, roster: &Roster) -> [String; 5] {
    let unit = s.unit.map(|u| &roster.units[u]);
    [
        unit.map_or(String::new(), |u| neutralize(&u.id)),
        neutralize(unit.map_or(&s.claimed_unit, |u| &u.name)),
        unit.map_or(String::new(), |u| neutralize(&u.unit_type)),
        s.year.map_or(String::new(), |y| y.to_string()),
        neutralize(&s.source_file),
    ]
}

/// `normalized.csv`: a row per submission, the 200 fields in `fields.csv` order, then
/// [`NORMALIZED_TAIL`]; `left_out` is the rollup's, in the same order as `submissions`.
pub fn normalized_csv(
    w: &mut dyn Write,
    submissions: &[Submission],
    roster: &Roster,
    left_out: &[Option<LeftOut>],
) -> std::io::Result<()> {
    let mut header: Vec<&str> = NORMALIZED_LEAD.to_vec();
    header.extend(schema::fields().iter().map(|f| f.id.as_str()));
    header.extend(NORMALIZED_TAIL);
    // Field by field: two million values at 10,000 units, none of them made a String.
    write_csv_in_parallel(w, &header, submissions.len(), NORMALIZED_BLOCK, |i, row| {
        let (s, left_out) = (&submissions[i], left_out[i]);
        for lead in normalized_lead(s, roster) {
            row.write_field(lead)?;
        }
        for value in s.values.iter() {
            with_value_text(&value, |text| row.write_field(text))?;
        }
        row.write_field(if left_out.is_some() { "0" } else { "1" })?;
        row.write_field(left_out.map_or("", |l| l.label()))?;
        row.write_record(None::<&[u8]>)
    })
}

pub const ANOMALY_COLUMNS: &[&str] = &[
    "severity",
    "rule",
    "unit_id",
    "unit_name",
    "source_file",
    "location",
    "field_ids",
    "expected",
    "actual",
    "message",
    "anomaly_id",
    "review_status",
    "review_note",
];

/// The cells of an `anomalies.csv` row (and of the anomaly sheet's), text made
/// spreadsheet-safe; `field_ids` are `|`-separated. The id and the review come last: the
/// columns before them keep the places they had before there were ids.
pub fn anomaly_row(a: &Anomaly) -> Vec<String> {
    let fields = schema::fields();
    let f = &a.finding;
    let ids: Vec<&str> = f.fields.iter().map(|i| fields[i].id.as_str()).collect();
    vec![
        a.severity.name().to_string(),
        a.rule.to_string(),
        neutralize(&a.unit_id),
        neutralize(&a.unit_name),
        neutralize(&a.source_file),
        f.location
            .as_ref()
            .map_or(String::new(), |l| neutralize(&l.to_string())),
        ids.join("|"),
        neutralize(&f.expected),
        neutralize(&f.actual),
        neutralize(&f.message),
        a.id.clone(),
        a.review().status.zh().to_string(),
        neutralize(&a.review().note),
    ]
}

/// `anomalies.csv`, in the order the checks sorted it.
pub fn anomalies_csv(w: &mut dyn Write, anomalies: &[Anomaly]) -> std::io::Result<()> {
    write_csv_in_parallel(
        w,
        ANOMALY_COLUMNS,
        anomalies.len(),
        ANOMALY_BLOCK,
        |i, row| row.write_record(anomaly_row(&anomalies[i])),
    )
}

pub const ROLLUP_LEAD: &[&str] = &["field_id", "table", "row_label", "col_label", "county"];

/// `rollup.csv`: a row per field in `fields.csv` order, the county's total, then one column
/// per unit type, then one per level of the roster (a unit others name as `parent`). For table 四, whose rows are its groups, `row_label` is the group.
pub fn rollup_csv(rollup: &crate::rollup::Rollup) -> Vec<u8> {
    let mut header: Vec<&str> = ROLLUP_LEAD.to_vec();
    let types: Vec<String> = rollup.parts().map(|t| neutralize(&t.name)).collect();
    header.extend(types.iter().map(String::as_str));
    let rows = schema::fields().iter().enumerate().map(|(i, f)| {
        let row_label = if f.row_label.is_empty() {
            f.group
        } else {
            f.row_label
        };
        let mut row = vec![
            f.id.clone(),
            f.table.title().to_string(),
            row_label.to_string(),
            f.col_label.to_string(),
            format_number(rollup.county.values[i]),
        ];
        row.extend(rollup.parts().map(|t| format_number(t.values[i])));
        row
    });
    csv_bytes(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison with the previous run asks of a text what writing the value would
    /// have made.
    #[test]
    fn a_value_is_its_written_text_and_nothing_else() {
        let values = [
            Value::Number(0.0),
            Value::Number(-0.0),
            Value::Number(12.0),
            Value::Number(-3.0),
            Value::Number(0.25),
            Value::Number(1e15),
            Value::Number(123_456_789_012_345.0),
            Value::Blank,
            Value::NotNumber(Box::new("约5".into())),
            Value::Missing,
        ];
        let texts: Vec<String> = values.iter().map(value_text).collect();
        for (value, own) in values.iter().zip(&texts) {
            for text in texts
                .iter()
                .chain([&"12.0".to_string(), &" 12".to_string()])
            {
                assert_eq!(
                    value_text_is(value, text),
                    own == text,
                    "{value:?} {text:?}"
                );
            }
        }
    }

    #[test]
    fn a_neutralized_text_comes_back_as_written() {
        for note in [
            "=1+1 是笔误",
            "-3 属实",
            "\t前有制表符",
            "正常说明",
            "'引号开头",
        ] {
            assert_eq!(unneutralize(neutralize(note)), note);
        }
    }

    #[test]
    fn formula_like_text_is_neutralized() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("+1+1"), "'+1+1");
        assert_eq!(neutralize("-1+A1"), "'-1+A1");
        assert_eq!(neutralize("-3"), "-3");
        assert_eq!(neutralize("\t=1"), "'\t=1");
        assert_eq!(neutralize("@SUM"), "'@SUM");
        assert_eq!(neutralize("易俗河镇"), "易俗河镇");
    }

    #[test]
    fn csv_has_bom_and_quotes() {
        let bytes = csv_bytes(&["a", "b"], [vec!["x,y".into(), "中".into()]]);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(
            String::from_utf8(bytes[3..].to_vec()).unwrap(),
            "a,b\r\n\"x,y\",中\r\n"
        );
    }
}
