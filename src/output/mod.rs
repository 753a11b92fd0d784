//! Stage 7: writing. Writers format what earlier stages computed; they compute nothing.
//! Every file is written to a temporary name and renamed into place.

pub mod html;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod workbook;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::Anomaly;
use crate::normalize::{Submission, Value};
use crate::roster::Roster;
use crate::schema;
use crate::text::format_number;

/// An output written under a temporary name, waiting to be renamed into place with the
/// others by [`commit`]. Dropped without being committed, it removes itself: an error
/// half-way through a run leaves the previous outputs as they were, and no litter.
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = if self.temp.is_dir() {
                std::fs::remove_dir_all(&self.temp)
            } else {
                std::fs::remove_file(&self.temp)
            };
        }
    }
}

fn failed(what: &Path, e: std::io::Error) -> String {
    format!("cannot write {}: {e}", what.display())
}

/// Stages `dir/name`, made as it is written: `write` streams through a buffer into the
/// temporary file, so a large output is never held whole in memory.
pub fn stage_file(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<Staged, String> {
    let staged = Staged {
        temp: dir.join(format!(".{name}.tmp")),
        target: dir.join(name),
        committed: false,
    };
    std::fs::File::create(&staged.temp)
        .and_then(|f| {
            let mut buffered = std::io::BufWriter::new(f);
            write(&mut buffered)?;
            buffered
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()
        })
        .map_err(|e| failed(&staged.target, e))?;
    Ok(staged)
}

/// Stages the folder `dir/name` with what `fill` writes into a fresh one; on commit it
/// replaces the old folder whole, so no page of a unit that is gone remains.
pub fn stage_folder(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&Folder) -> Result<(), String>,
) -> Result<Staged, String> {
    let staged = Staged {
        temp: dir.join(format!(".{name}.tmp")),
        target: dir.join(name),
        committed: false,
    };
    if staged.temp.exists() {
        std::fs::remove_dir_all(&staged.temp).map_err(|e| failed(&staged.temp, e))?;
    }
    std::fs::create_dir_all(&staged.temp).map_err(|e| failed(&staged.temp, e))?;
    // Only a real folder, which the commit removes, lends its files: a linked page must not
    // stay shared with anything once the run is done.
    let previous = std::fs::symlink_metadata(&staged.target)
        .is_ok_and(|m| m.is_dir())
        .then(|| staged.target.clone());
    fill(&Folder {
        temp: staged.temp.clone(),
        previous,
    })?;
    Ok(staged)
}

/// A folder being filled by [`stage_folder`], beside the previous run's.
///
/// A file whose bytes are the same as the previous run's is hard-linked from it rather than
/// written again. A rerun mostly makes the same pages, and creating a province's 100,000
/// files right after deleting as many is slow on ext4 (each new inode is checked against the
/// recently deleted ones); a link creates no inode, and the old folder's removal frees none.
pub struct Folder {
    temp: PathBuf,
    previous: Option<PathBuf>,
}

impl Folder {
    /// Whether the previous run's `name` holds exactly `bytes`. Only reads; safe to call
    /// from many threads, so the comparing can be done beside the rendering.
    /// Only a plain file with no other name is taken (not a symlink, not a file also linked
    /// elsewhere), so that after the commit the page is the new folder's alone.
    #[cfg(unix)]
    pub fn unchanged(&self, name: &str, bytes: &[u8]) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(name);
        std::fs::symlink_metadata(&old)
            .is_ok_and(|m| m.is_file() && m.nlink() == 1 && m.len() == bytes.len() as u64)
            && std::fs::read(&old).is_ok_and(|b| b == bytes)
    }

    /// Elsewhere every page is written: the cost it avoids is ext4's.
    #[cfg(not(unix))]
    pub fn unchanged(&self, _name: &str, _bytes: &[u8]) -> bool {
        false
    }

    /// Puts `name` in the folder: linked from the previous run's when `unchanged` (as
    /// [`Folder::unchanged`] found), written otherwise or if the link cannot be made.
    pub fn put(&self, name: &str, bytes: &[u8], unchanged: bool) -> Result<(), String> {
        let path = self.temp.join(name);
        if let (true, Some(previous)) = (unchanged, &self.previous) {
            if std::fs::hard_link(previous.join(name), &path).is_ok() {
                return Ok(());
            }
        }
        // Where two names are one file (a case-insensitive file system), the first may be a
        // link: replace it rather than write through it into the previous run's page.
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_file(&path).map_err(|e| failed(&path, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| failed(&path, e))
    }
}

/// Renames every staged output into place, one right after another, once all were made.
pub fn commit(staged: Vec<Staged>) -> Result<(), String> {
    for mut s in staged {
        if s.temp.is_dir() {
            let name = s.target.file_name().unwrap_or_default().to_string_lossy();
            let old = s.target.with_file_name(format!(".{name}.old"));
            if s.target.exists() {
                std::fs::rename(&s.target, &old).map_err(|e| failed(&s.target, e))?;
            }
            std::fs::rename(&s.temp, &s.target).map_err(|e| failed(&s.target, e))?;
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(|e| failed(&old, e))?;
            }
        } else {
            std::fs::rename(&s.temp, &s.target).map_err(|e| failed(&s.target, e))?;
        }
        s.committed = true;
    }
    Ok(())
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
        row.extend(s.values.iter().map(|v| value_text(&v)));
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
    let types: Vec<String> = rollup.by_type.iter().map(|t| neutralize(&t.name)).collect();
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
    fn outputs_are_replaced_together_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("nianbao-stage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // What the run does with each page: link it if unchanged, else write it.
        let same = |folder: &Folder, name: &str, bytes: &[u8]| {
            folder.put(name, bytes, folder.unchanged(name, bytes))
        };
        // Each page's bytes are its name and the text of the run.
        let pages = |text: &'static str, names: &'static [&'static str]| {
            move |folder: &Folder| {
                names
                    .iter()
                    .try_for_each(|n| same(folder, n, format!("{n} {text}").as_bytes()))
            }
        };
        let run = |text: &'static str, names: &'static [&'static str]| {
            let file = stage_file(&dir, "a.csv", |w| w.write_all(text.as_bytes())).unwrap();
            let folder = stage_folder(&dir, "reports", pages(text, names)).unwrap();
            commit(vec![file, folder]).unwrap();
        };
        run("one", &["a.html", "gone.html"]);
        run("two", &["a.html", "b.html"]);
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.join("reports/a.html")).unwrap(),
            b"a.html two"
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.html", "b.html"]);

        // A page the same as last run's is the same file, linked, not written again; a
        // changed page is written anew, and the old one left as it was until the commit.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
            let (a, b) = (inode("reports/a.html"), inode("reports/b.html"));
            let rerun = |folder: &Folder| {
                same(folder, "a.html", b"a.html two")?;
                same(folder, "b.html", b"b.html 3")
            };
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            assert_eq!(
                std::fs::read(dir.join("reports/b.html")).unwrap(),
                b"b.html two"
            );
            commit(vec![folder]).unwrap();
            assert_eq!(inode("reports/a.html"), a);
            assert_ne!(inode("reports/b.html"), b);
            assert_eq!(
                std::fs::read(dir.join("reports/b.html")).unwrap(),
                b"b.html 3"
            );
            assert_eq!(
                std::fs::metadata(dir.join("reports/a.html"))
                    .unwrap()
                    .nlink(),
                1
            );

            // A page that is a symlink, or has another name too, is written anew: nothing
            // stays shared with what the run replaces.
            std::fs::rename(dir.join("reports/a.html"), dir.join("a-kept.html")).unwrap();
            std::os::unix::fs::symlink(dir.join("a-kept.html"), dir.join("reports/a.html"))
                .unwrap();
            std::fs::hard_link(dir.join("reports/b.html"), dir.join("b-kept.html")).unwrap();
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            commit(vec![folder]).unwrap();
            for name in ["reports/a.html", "reports/b.html"] {
                let m = std::fs::symlink_metadata(dir.join(name)).unwrap();
                assert!(m.is_file() && m.nlink() == 1, "{name}");
            }
            assert_eq!(
                std::fs::read(dir.join("reports/a.html")).unwrap(),
                b"a.html two"
            );

            // Nor does a reports folder that is a symlink to another folder lend its files.
            std::fs::rename(dir.join("reports"), dir.join("elsewhere")).unwrap();
            std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("reports")).unwrap();
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            commit(vec![folder]).unwrap();
            assert_ne!(inode("elsewhere/a.html"), inode("reports/a.html"));
            assert_eq!(
                std::fs::metadata(dir.join("elsewhere/a.html"))
                    .unwrap()
                    .nlink(),
                1
            );
            for extra in ["a-kept.html", "b-kept.html"] {
                std::fs::remove_file(dir.join(extra)).unwrap();
            }
            std::fs::remove_dir_all(dir.join("elsewhere")).unwrap();
        }

        // A failure before the commit leaves the previous outputs and no temporary files.
        let staged = stage_file(&dir, "a.csv", |w| w.write_all(b"three")).unwrap();
        let failing = stage_folder(&dir, "reports", |_| Err("no".to_string()));
        assert!(failing.is_err());
        drop(staged);
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"two");
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.csv", "reports"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
