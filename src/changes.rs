//! What changed since the last run into the same `--out` (step 5 of the office's year): which
//! units sent a new, changed or no longer any report, which values changed, which problems
//! were fixed and which are new.
//!
//! Both sides are a [`Snapshot`]: the previous run's, read back from the outputs it left in
//! `--out` (`normalized.csv`, `anomalies.csv`, `manifest.json`) before they are replaced, and
//! this run's, taken from the same data those files are written from, in the same text
//! (`value_text`), so that equal values compare equal. Problems are keyed on their stable
//! ids (`check::ids`), which do not depend on the file or the cell.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;

use crate::check::{Anomaly, Severity};
use crate::normalize::Submission;
use crate::output::{normalized_lead, value_text, FileEntry, NORMALIZED_LEAD, NORMALIZED_TAIL};
use crate::roster::Roster;
use crate::schema;

/// What the comparison takes from the previous manifest: each file's path and hash. Read
/// as just that, not as a tree of every value (at 100,000 units the manifest is 65 MB, and
/// its tree took several times as much memory).
#[derive(serde::Deserialize)]
struct PreviousManifest {
    files: Option<Vec<PreviousFile>>,
}

#[derive(serde::Deserialize)]
struct PreviousFile {
    path: Option<String>,
    sha256: Option<String>,
}

/// One run's reports, problems and file hashes, as plain text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    /// Keyed on the unit (its id, else the name it gave) and the year.
    pub reports: BTreeMap<(String, String), Report>,
    /// Open and reviewed errors and warnings alike, by anomaly id.
    pub problems: BTreeMap<String, Problem>,
    /// The SHA-256 of every file read, by its path under `--inputs`.
    pub hashes: HashMap<String, String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub unit_id: String,
    pub unit_name: String,
    pub source_file: String,
    /// The value of every field as `normalized.csv` writes it (a number, or empty), in the
    /// schema's order, joined by commas: one string per report rather than 200, as a
    /// province has a hundred thousand reports on each side.
    pub values: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Problem {
    pub unit_id: String,
    pub unit_name: String,
    pub rule: String,
    pub message: String,
}

/// What kind of change a row of `changes.csv` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    NewSubmission,
    RemovedSubmission,
    ChangedFile,
    ChangedValue,
    FixedProblem,
    NewProblem,
}

impl Kind {
    /// The `kind` column of `changes.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NewSubmission => "new_submission",
            Kind::RemovedSubmission => "removed_submission",
            Kind::ChangedFile => "changed_file",
            Kind::ChangedValue => "changed_value",
            Kind::FixedProblem => "fixed_problem",
            Kind::NewProblem => "new_problem",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::NewSubmission => "新报送",
            Kind::RemovedSubmission => "不再有报告",
            Kind::ChangedFile => "文件已更换",
            Kind::ChangedValue => "数值变化",
            Kind::FixedProblem => "问题已解决",
            Kind::NewProblem => "新问题",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub unit_id: String,
    pub unit_name: String,
    pub year: String,
    pub kind: Kind,
    pub field_id: String,
    pub label: String,
    pub before: String,
    pub after: String,
    pub anomaly_id: String,
    pub rule: String,
    pub message: String,
}

impl Change {
    /// A change of `kind` to a unit's report of `year`, its other columns empty.
    fn new(kind: Kind, unit_id: &str, unit_name: &str, year: &str) -> Change {
        Change {
            unit_id: unit_id.into(),
            unit_name: unit_name.into(),
            year: year.into(),
            kind,
            field_id: String::new(),
            label: String::new(),
            before: String::new(),
            after: String::new(),
            anomaly_id: String::new(),
            rule: String::new(),
            message: String::new(),
        }
    }
}

/// The comparison with the previous run, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// No previous outputs to compare with, or ones that could not be read: why, in Chinese.
    NotCompared(String),
    Compared(Vec<Change>),
}

/// What a list of changes counts: for the summary line, and for each unit on the overview.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCounts {
    pub units: usize,
    pub new_submissions: usize,
    pub removed: usize,
    pub changed_files: usize,
    pub values: usize,
    pub fixed: usize,
    pub new_problems: usize,
}

impl Comparison {
    /// The line the run prints.
    pub fn summary_zh(&self) -> String {
        format!("与上次运行相比：{}", self.outline_zh())
    }

    /// What the comparison found, in a sentence: the overview page shows it under its
    /// heading 与上次运行相比.
    pub fn outline_zh(&self) -> String {
        let changes = match self {
            Comparison::NotCompared(why) => return format!("未比较（{why}）"),
            Comparison::Compared(changes) => changes,
        };
        if changes.is_empty() {
            return "没有变化".into();
        }
        let t = tally(changes);
        format!(
            "{} 个单位有变化（新报送 {}，文件已更换 {}，不再有报告 {}），\
             {} 个数值变化，{} 个问题已解决，{} 个新问题；详见 changes.csv",
            t.units,
            t.new_submissions,
            t.changed_files,
            t.removed,
            t.values,
            t.fixed,
            t.new_problems
        )
    }
}

pub fn tally(changes: &[Change]) -> ChangeCounts {
    let count = |k: Kind| changes.iter().filter(|c| c.kind == k).count();
    // The county's and the unit types' totals (no unit id, no report) are no unit.
    let mut units: Vec<(&str, &str)> = changes
        .iter()
        .filter(|c| {
            !c.unit_id.is_empty() || !matches!(c.kind, Kind::FixedProblem | Kind::NewProblem)
        })
        .map(|c| (c.unit_id.as_str(), c.unit_name.as_str()))
        .collect();
    units.sort_unstable();
    units.dedup();
    ChangeCounts {
        units: units.len(),
        new_submissions: count(Kind::NewSubmission),
        removed: count(Kind::RemovedSubmission),
        changed_files: count(Kind::ChangedFile),
        values: count(Kind::ChangedValue),
        fixed: count(Kind::FixedProblem),
        new_problems: count(Kind::NewProblem),
    }
}

fn unit_key(unit_id: &str, unit_name: &str) -> String {
    if unit_id.is_empty() {
        format!("name:{unit_name}")
    } else {
        format!("id:{unit_id}")
    }
}

/// Adds a report under its unit and year; a second report of both (a duplicate submission)
/// is told apart by its file.
fn insert_report(reports: &mut BTreeMap<(String, String), Report>, year: String, r: Report) {
    let unit = unit_key(&r.unit_id, &r.unit_name);
    let key = if reports.contains_key(&(unit.clone(), year.clone())) {
        (format!("{unit}#{}", r.source_file), year)
    } else {
        (unit, year)
    };
    reports.insert(key, r);
}

fn is_problem(severity: Severity) -> bool {
    matches!(severity, Severity::Error | Severity::Warning)
}

impl Snapshot {
    /// This run's, from what its outputs are written from.
    pub fn of(
        submissions: &[Submission],
        anomalies: &[Anomaly],
        files: &[FileEntry],
        roster: &Roster,
    ) -> Snapshot {
        // Formatted on every thread (a province's twenty million values), kept in order.
        let made: Vec<(String, Report)> = submissions
            .par_iter()
            .map(|s| {
                // As normalized.csv writes them, which the next run reads back: the same
                // text on both sides, a name that starts with = included.
                let [unit_id, unit_name, _, year, source_file] = normalized_lead(s, roster);
                let values = s
                    .values
                    .iter()
                    .map(|v| value_text(&v))
                    .collect::<Vec<_>>()
                    .join(",");
                let report = Report {
                    unit_id,
                    unit_name,
                    source_file,
                    values,
                };
                (year, report)
            })
            .collect();
        let mut reports = BTreeMap::new();
        for (year, report) in made {
            insert_report(&mut reports, year, report);
        }
        let problems = anomalies
            .iter()
            .filter(|a| is_problem(a.severity))
            .map(|a| {
                let problem = Problem {
                    unit_id: a.unit_id.clone(),
                    unit_name: a.unit_name.clone(),
                    rule: a.rule.into(),
                    message: a.finding.message.clone(),
                };
                (a.id.clone(), problem)
            })
            .collect();
        let hashes = files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect();
        Snapshot {
            reports,
            problems,
            hashes,
        }
    }

    /// The previous run's, read from the outputs in `out`. Errors say, in Chinese, why
    /// there is nothing to compare with.
    pub fn read(out: &Path) -> Result<Snapshot, String> {
        let manifest = out.join("manifest.json");
        if !manifest.exists() {
            return Err("没有上次运行的输出，这是第一次运行".into());
        }
        let unreadable = |name: &str, why: String| format!("上次的 {name} 无法读取：{why}");
        let previous: PreviousManifest = std::fs::read(&manifest)
            .map_err(|e| crate::discover::os_reason(&e))
            .and_then(|b| {
                serde_json::from_slice(&b).map_err(|_| "格式不对（文件可能不完整）".to_string())
            })
            .map_err(|e| unreadable("manifest.json", e))?;
        let files = previous
            .files
            .ok_or_else(|| unreadable("manifest.json", "没有 files 一项".into()))?;
        let hashes = files
            .into_iter()
            .filter_map(|f| Some((f.path?, f.sha256?)))
            .collect();

        let mut reports = BTreeMap::new();
        let field_ids: Vec<&str> = schema::fields().iter().map(|f| f.id.as_str()).collect();
        let lead = NORMALIZED_LEAD.len();
        let columns: Vec<&str> = NORMALIZED_LEAD.iter().chain(&field_ids).copied().collect();
        each_row(
            &out.join("normalized.csv"),
            |header| {
                // The counted columns at the end came later: a previous run's may lack them.
                let tail = header.iter().skip(columns.len());
                let same = header
                    .iter()
                    .take(columns.len())
                    .eq(columns.iter().copied())
                    && (header.len() == columns.len() || tail.eq(NORMALIZED_TAIL.iter().copied()));
                same.then_some(())
                    .ok_or_else(|| "它的列与本版本的字段表不同".to_string())
            },
            |(), row| {
                let report = Report {
                    unit_id: row[0].into(),
                    unit_name: row[1].into(),
                    source_file: row[4].into(),
                    values: row
                        .iter()
                        .skip(lead)
                        .take(field_ids.len())
                        .collect::<Vec<_>>()
                        .join(","),
                };
                insert_report(&mut reports, row[3].into(), report);
                Ok(())
            },
        )
        .map_err(|e| unreadable("normalized.csv", e))?;

        let mut problems = BTreeMap::new();
        each_row(
            &out.join("anomalies.csv"),
            |header| {
                let column = |name: &str| {
                    header
                        .iter()
                        .position(|h| h == name)
                        .ok_or(format!("没有 {name} 列"))
                };
                Ok([
                    column("severity")?,
                    column("anomaly_id")?,
                    column("unit_id")?,
                    column("unit_name")?,
                    column("rule")?,
                    column("message")?,
                ])
            },
            |&[severity, id, unit_id, unit_name, rule, message], row| {
                if !Severity::parse(&row[severity]).is_some_and(is_problem) || row[id].is_empty() {
                    return Ok(());
                }
                let problem = Problem {
                    unit_id: row[unit_id].into(),
                    unit_name: row[unit_name].into(),
                    rule: row[rule].into(),
                    message: row[message].into(),
                };
                problems.insert(row[id].to_string(), problem);
                Ok(())
            },
        )
        .map_err(|e| unreadable("anomalies.csv", e))?;
        Ok(Snapshot {
            reports,
            problems,
            hashes,
        })
    }
}

/// Reads a CSV nianbao wrote (with a BOM) one row at a time: `columns` makes of its header
/// what each row needs (or refuses it), then `row` is called with that and each row. A row
/// of another length than the header is an error: the file was cut short.
fn each_row<C>(
    path: &Path,
    columns: impl FnOnce(&csv::StringRecord) -> Result<C, String>,
    mut row: impl FnMut(&C, &csv::StringRecord) -> Result<(), String>,
) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| crate::discover::os_reason(&e))?;
    let mut input = std::io::BufReader::new(file);
    let mut bom = [0u8; 3];
    std::io::Read::read_exact(&mut input, &mut bom).map_err(|_| "文件是空的".to_string())?;
    if bom != *b"\xEF\xBB\xBF" {
        return Err("开头没有 BOM，不是 nianbao 写的文件".into());
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let damaged = |e: csv::Error| match e.position() {
        Some(at) => format!("第 {} 行格式不对（文件可能不完整）", at.line()),
        None => "格式不对（文件可能不完整）".to_string(),
    };
    let header = reader.headers().map_err(damaged)?.clone();
    let context = columns(&header)?;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(damaged)? {
        row(&context, &record)?;
    }
    Ok(())
}

/// Everything that differs from `before` to `after`, unit by unit: reports first, then
/// values in field order, then problems fixed and new.
/// How a report of `year` in this run (`after`) differs from the previous run's of the same
/// unit and year, `old`, if there was one.
fn report_changes(
    before: &Snapshot,
    after: &Snapshot,
    year: &str,
    new: &Report,
    old: Option<&Report>,
) -> Vec<Change> {
    let change = |kind| Change::new(kind, &new.unit_id, &new.unit_name, year);
    let Some(old) = old else {
        return vec![Change {
            after: new.source_file.clone(),
            ..change(Kind::NewSubmission)
        }];
    };
    let mut changes = Vec::new();
    let same_file = match (
        before.hashes.get(&old.source_file),
        after.hashes.get(&new.source_file),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => old.source_file == new.source_file,
    };
    if !same_file {
        changes.push(Change {
            before: old.source_file.clone(),
            after: new.source_file.clone(),
            ..change(Kind::ChangedFile)
        });
    }
    let fields = schema::fields();
    let differing = old
        .values
        .split(',')
        .zip(new.values.split(','))
        .enumerate()
        .filter(|(_, (was, now))| was != now);
    for (f, (was, now)) in differing {
        changes.push(Change {
            field_id: fields[f].id.clone(),
            label: schema::display_name(f),
            before: was.into(),
            after: now.into(),
            ..change(Kind::ChangedValue)
        });
    }
    changes
}

pub fn compare(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    // A province's reports, compared on every thread, in order.
    let mut changes: Vec<Change> = after
        .reports
        .par_iter()
        .flat_map_iter(|(key, new)| {
            report_changes(before, after, &key.1, new, before.reports.get(key))
        })
        .collect();
    for (key, old) in &before.reports {
        if !after.reports.contains_key(key) {
            changes.push(Change {
                before: old.source_file.clone(),
                ..Change::new(
                    Kind::RemovedSubmission,
                    &old.unit_id,
                    &old.unit_name,
                    &key.1,
                )
            });
        }
    }
    let problem_change = |id: &String, p: &Problem, kind: Kind| Change {
        anomaly_id: id.clone(),
        rule: p.rule.clone(),
        message: p.message.clone(),
        ..Change::new(kind, &p.unit_id, &p.unit_name, "")
    };
    for (id, p) in &before.problems {
        if !after.problems.contains_key(id) {
            changes.push(problem_change(id, p, Kind::FixedProblem));
        }
    }
    for (id, p) in &after.problems {
        if !before.problems.contains_key(id) {
            changes.push(problem_change(id, p, Kind::NewProblem));
        }
    }
    // Unit by unit, the totals (no unit id) last; within a unit, the order pushed (a stable
    // sort).
    changes.sort_by(|a, b| {
        (a.unit_id.is_empty(), &a.unit_id, &a.unit_name).cmp(&(
            b.unit_id.is_empty(),
            &b.unit_id,
            &b.unit_name,
        ))
    });
    changes
}

/// The comparison of this run (made by `now`, only when there is something to compare it
/// with: at 100,000 units it is 100 MB of text) with the previous one, as
/// [`Snapshot::read`] found it in `--out`; never an error.
pub fn with_previous(
    previous: Result<Snapshot, String>,
    now: impl FnOnce() -> Snapshot,
) -> Comparison {
    match previous {
        Ok(before) => Comparison::Compared(compare(&before, &now())),
        Err(why) => Comparison::NotCompared(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report whose first field is `first` and the others 0.
    fn report(unit: &str, file: &str, first: &str) -> Report {
        let mut values = vec!["0"; schema::FIELD_COUNT];
        values[0] = first;
        Report {
            unit_id: unit.into(),
            unit_name: format!("{unit}镇"),
            source_file: file.into(),
            values: values.join(","),
        }
    }

    fn problem(unit: &str, rule: &str) -> Problem {
        Problem {
            unit_id: unit.into(),
            unit_name: format!("{unit}镇"),
            rule: rule.into(),
            message: "不平".into(),
        }
    }

    #[test]
    fn units_values_and_problems_are_compared() {
        let mut before = Snapshot::default();
        let key = |u: &str| (format!("id:{u}"), "2024".to_string());
        before.reports.insert(key("a"), report("a", "a.xlsx", "3"));
        before
            .reports
            .insert(key("gone"), report("gone", "g.xlsx", "1"));
        before.hashes.insert("a.xlsx".into(), "h1".into());
        before
            .problems
            .insert("T3.BALANCE-1".into(), problem("a", "T3.BALANCE"));
        let mut after = Snapshot::default();
        after.reports.insert(key("a"), report("a", "a.xlsx", "5"));
        after.reports.insert(key("b"), report("b", "b.csv", "1"));
        after.hashes.insert("a.xlsx".into(), "h2".into());
        after
            .problems
            .insert("T4.TOTAL-2".into(), problem("b", "T4.TOTAL"));

        let kinds: Vec<(String, Kind)> = compare(&before, &after)
            .into_iter()
            .map(|c| (c.unit_id, c.kind))
            .collect();
        let expected = [
            ("a", Kind::ChangedFile),
            ("a", Kind::ChangedValue),
            ("a", Kind::FixedProblem),
            ("b", Kind::NewSubmission),
            ("b", Kind::NewProblem),
            ("gone", Kind::RemovedSubmission),
        ];
        let expected: Vec<(String, Kind)> =
            expected.iter().map(|(u, k)| (u.to_string(), *k)).collect();
        assert_eq!(kinds, expected);
        let value = compare(&before, &after)
            .into_iter()
            .find(|c| c.kind == Kind::ChangedValue)
            .unwrap();
        assert_eq!((value.before.as_str(), value.after.as_str()), ("3", "5"));
        assert_eq!(value.field_id, schema::fields()[0].id);
        assert_eq!(value.label, schema::display_name(0));
        assert!(compare(&after, &after).is_empty());
    }

    #[test]
    fn missing_or_corrupt_outputs_are_no_comparison() {
        let dir = std::env::temp_dir().join(format!("nianbao-changes-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let now = Snapshot::default();
        let first = with_previous(Snapshot::read(&dir), || now.clone());
        assert!(matches!(&first, Comparison::NotCompared(w) if w.contains("第一次")));
        std::fs::write(dir.join("manifest.json"), b"{\"files\": [").unwrap();
        let corrupt = with_previous(Snapshot::read(&dir), || now.clone());
        assert!(
            matches!(&corrupt, Comparison::NotCompared(w) if w.contains("manifest.json") && w.contains("格式不对"))
        );
        std::fs::write(dir.join("manifest.json"), b"{\"files\": []}").unwrap();
        let no_csv = with_previous(Snapshot::read(&dir), || now.clone());
        // In Chinese, not the system's English.
        assert!(
            matches!(&no_csv, Comparison::NotCompared(w) if w.contains("normalized.csv") && w.contains("文件不存在"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
