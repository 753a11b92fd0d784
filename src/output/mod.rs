//! Stage 7: writing. Writers format what earlier stages computed; they compute nothing.
//! Every file is written to a temporary name and renamed into place.

pub mod html;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod workbook;

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::check::Anomaly;
use crate::normalize::{Submission, Value};
use crate::roster::Roster;
use crate::schema;
use crate::text::format_number;

/// Writes `bytes` to `dir/name` atomically: a crash leaves the old file or none, never half.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    write_atomic_with(dir, name, |w| w.write_all(bytes))
}

/// [`write_atomic`] for a file made as it is written: `write` streams into the temporary
/// file through a buffer, so a large output is never held whole in memory.
pub fn write_atomic_with(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let result = std::fs::File::create(&temp)
        .and_then(|f| {
            let mut buffered = std::io::BufWriter::new(f);
            write(&mut buffered)?;
            buffered
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, &target));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write {}: {e}", target.display())
    })
}

/// Replaces the folder `dir/name` with what `fill` writes into a fresh one, as one step:
/// the new folder is written beside the old and swapped in, so a crash leaves the old or
/// the new, and a rerun leaves nothing of a unit that is gone.
pub fn replace_dir(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    let target = dir.join(name);
    let fresh = dir.join(format!(".{name}.tmp"));
    let old = dir.join(format!(".{name}.old"));
    let fail = |what: &Path, e: std::io::Error| format!("cannot write {}: {e}", what.display());
    for stale in [&fresh, &old] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).map_err(|e| fail(stale, e))?;
        }
    }
    std::fs::create_dir_all(&fresh).map_err(|e| fail(&fresh, e))?;
    fill(&fresh)?;
    if target.exists() {
        std::fs::rename(&target, &old).map_err(|e| fail(&target, e))?;
    }
    std::fs::rename(&fresh, &target).map_err(|e| fail(&target, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| fail(&old, e))?;
    }
    Ok(())
}

/// Writes one file of a folder that [`replace_dir`] is filling.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

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
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The value as `normalized.csv` shows it: blank as 0, unknown as empty.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Number(n) => format_number(*n),
        Value::Blank => "0".into(),
        Value::NotNumber(_) | Value::Missing => String::new(),
    }
}

pub const NORMALIZED_LEAD: &[&str] = &["unit_id", "unit_name", "unit_type", "year", "source_file"];

/// `normalized.csv`: a row per submission, the 200 fields in `fields.csv` order.
pub fn normalized_csv(
    w: &mut dyn Write,
    submissions: &[Submission],
    roster: &Roster,
) -> std::io::Result<()> {
    let mut header: Vec<&str> = NORMALIZED_LEAD.to_vec();
    header.extend(schema::fields().iter().map(|f| f.id.as_str()));
    let rows = submissions.iter().map(|s| {
        let unit = s.unit.map(|u| &roster.units[u]);
        let mut row = vec![
            unit.map_or(String::new(), |u| neutralize(&u.id)),
            neutralize(unit.map_or(&s.claimed_unit, |u| &u.name)),
            unit.map_or(String::new(), |u| neutralize(&u.unit_type)),
            s.year.map_or(String::new(), |y| y.to_string()),
            neutralize(&s.source_file),
        ];
        row.extend(s.values.iter().map(|v| value_text(&v.value)));
        row
    });
    write_csv(w, &header, rows)
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
];

/// The cells of an `anomalies.csv` row (and of the anomaly sheet's), text made
/// spreadsheet-safe; `field_ids` are `|`-separated.
pub fn anomaly_row(a: &Anomaly) -> Vec<String> {
    let fields = schema::fields();
    let f = &a.finding;
    let ids: Vec<&str> = f.fields.iter().map(|&i| fields[i].id.as_str()).collect();
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
    ]
}

/// `anomalies.csv`, in the order the checks sorted it.
pub fn anomalies_csv(w: &mut dyn Write, anomalies: &[Anomaly]) -> std::io::Result<()> {
    write_csv(w, ANOMALY_COLUMNS, anomalies.iter().map(anomaly_row))
}

pub const ROLLUP_LEAD: &[&str] = &["field_id", "table", "row_label", "col_label", "county"];

/// `rollup.csv`: a row per field in `fields.csv` order, the county's total, then one column
/// per unit type. For table 四, whose rows are its groups, `row_label` is the group.
pub fn rollup_csv(rollup: &crate::rollup::Rollup) -> Vec<u8> {
    let mut header: Vec<&str> = ROLLUP_LEAD.to_vec();
    header.extend(rollup.by_type.iter().map(|t| t.name.as_str()));
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
        row.extend(rollup.by_type.iter().map(|t| format_number(t.values[i])));
        row
    });
    csv_bytes(&header, rows)
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: &'static str,
    pub version: &'static str,
    /// Wall-clock facts of this run: the only part that changes between identical reruns.
    pub run: RunInfo,
    pub inputs: String,
    pub config: String,
    pub year: Option<i32>,
    pub counts: Counts,
    pub checks: ChecksInfo,
    pub files: Vec<FileEntry>,
}

/// How the checks ran: with or without last year's data, which severities the county set.
#[derive(Debug, Serialize)]
pub struct ChecksInfo {
    pub prior: Option<String>,
    /// The year `--prior` was read for: the year before the one rolled up.
    pub prior_year: Option<i32>,
    /// Units with exactly one report of that year in `--prior`.
    pub prior_units: usize,
    /// Units with several reports of that year, which the XYEAR rules pass over.
    pub prior_ambiguous: Vec<String>,
    /// Rules that need `--prior` and did not run without it.
    pub skipped_rules: Vec<&'static str>,
    /// Severities changed in `nianbao.toml`.
    pub severity_changes: std::collections::BTreeMap<String, String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Debug, Serialize)]
pub struct RunInfo {
    pub started_unix: u64,
    pub seconds: f64,
    pub jobs: usize,
    /// Wall time of each phase: read, check and roll up, write tables, write reports.
    pub phases: Vec<Phase>,
}

#[derive(Debug, Serialize)]
pub struct Phase {
    pub name: &'static str,
    pub seconds: f64,
}

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub files: usize,
    pub read: usize,
    pub skipped: usize,
    pub unreadable: usize,
    pub submissions: usize,
    pub roster_units: usize,
}

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// `read`, `skipped` or `unreadable`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub submissions: Vec<SubmissionEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SubmissionEntry {
    pub unit_id: Option<String>,
    pub unit_name: String,
    pub unit_from: String,
    pub year: Option<i32>,
    pub year_from: String,
    pub fields_read: usize,
    pub fields_blank: usize,
    /// Fields left empty in `normalized.csv`, each with its cell and the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_folder_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("nianbao-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pages = |names: &'static [&'static str]| {
            move |d: &Path| {
                names
                    .iter()
                    .try_for_each(|n| write_file(d, n, n.as_bytes()))
            }
        };
        replace_dir(&dir, "reports", pages(&["a.html", "gone.html"])).unwrap();
        replace_dir(&dir, "reports", pages(&["a.html", "b.html"])).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.html", "b.html"]);
        assert!(!dir.join(".reports.tmp").exists() && !dir.join(".reports.old").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("nianbao-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_atomic(&dir, "f.csv", b"one").unwrap();
        write_atomic(&dir, "f.csv", b"two").unwrap();
        assert_eq!(std::fs::read(dir.join("f.csv")).unwrap(), b"two");
        assert!(!dir.join(".f.csv.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
