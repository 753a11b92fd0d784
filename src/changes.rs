//! What changed since the last run into the same `--out` (step 5 of the office's year): which
//! units sent a new, changed or no longer any report, which values changed, which problems
//! were fixed and which are new.
//!
//! The previous run is read back from the outputs it left in `--out` before they are
//! replaced: the file hashes of `manifest.json` at once ([`crate::output::read_previous`]),
//! `normalized.csv` and `anomalies.csv` a row at a time while compared ([`compare`]). This
//! run is compared as it is ([`Current`]), its values in the text `normalized.csv` gives them
//! (`value_text_is`), so that equal values compare equal. Neither side's values are held
//! whole, only the keys of the reports: at 100,000 units each side's text took about 100 MB.
//! Problems are keyed on their stable ids (`check::ids`), which do not depend on the file
//! or the cell.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::check::{Anomaly, Severity};
use crate::normalize::Submission;
use crate::output::{
    normalized_lead, previous_unreadable, value_text, value_text_is, FileEntry, NORMALIZED_LEAD,
    NORMALIZED_TAIL,
};
use crate::read::LineCounter;
use crate::roster::Roster;
use crate::schema;

/// The previous run's outputs in `--out`, opened for the comparison.
pub struct Previous {
    dir: PathBuf,
    /// The SHA-256 of every file the previous run read, by its path under `--inputs`.
    hashes: HashMap<String, crate::output::Sha256>,
}

/// This run, as compared: what its outputs are written from.
pub struct Current<'a> {
    pub submissions: &'a [Submission],
    pub anomalies: &'a [Anomaly],
    pub files: &'a [FileEntry],
    pub roster: &'a Roster,
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

/// A report's unit, year and file, as `normalized.csv` writes them.
struct Lead {
    unit_id: String,
    unit_name: String,
    year: String,
    source_file: String,
}

impl Lead {
    fn of(s: &Submission, roster: &Roster) -> Lead {
        let [unit_id, unit_name, _, year, source_file] = normalized_lead(s, roster);
        Lead {
            unit_id,
            unit_name,
            year,
            source_file,
        }
    }

    fn of_row(row: &csv::StringRecord) -> Lead {
        Lead {
            unit_id: row[0].into(),
            unit_name: row[1].into(),
            year: row[3].into(),
            source_file: row[4].into(),
        }
    }

    fn change(&self, kind: Kind) -> Change {
        Change::new(kind, &self.unit_id, &self.unit_name, &self.year)
    }
}

/// A report's key: its unit (the id, else the name it gave) and its year.
type ReportKey = (String, String);

/// The keys of a run's reports, given in their order: a second report of the same unit and
/// year (a duplicate submission) is told apart by its file, a third from the same file by
/// its number; both runs' keys are given alike, so that reports pair one to one.
#[derive(Default)]
struct Keys(HashSet<ReportKey>);

impl Keys {
    fn next(&mut self, lead: &Lead) -> ReportKey {
        let unit = if lead.unit_id.is_empty() {
            format!("name:{}", lead.unit_name)
        } else {
            format!("id:{}", lead.unit_id)
        };
        let mut key = (unit, lead.year.clone());
        if self.0.contains(&key) {
            key.0 = format!("{}#{}", key.0, lead.source_file);
            let from_file = key.0.clone();
            let mut n = 2;
            while self.0.contains(&key) {
                key.0 = format!("{from_file}#{n}");
                n += 1;
            }
        }
        self.0.insert(key.clone());
        key
    }
}

fn is_problem(severity: Severity) -> bool {
    matches!(severity, Severity::Error | Severity::Warning)
}

impl Previous {
    /// The previous run's outputs in `out`, whose manifest gave the hashes of the files it
    /// read ([`crate::output::read_previous`]). `normalized.csv` and `anomalies.csv` are
    /// read when compared, and an error in them is said then.
    pub fn new(out: &Path, hashes: HashMap<String, crate::output::Sha256>) -> Previous {
        Previous {
            dir: out.to_path_buf(),
            hashes,
        }
    }
}

/// The line, as an editor numbers it, of byte `offset` after the BOM of the file at `path`:
/// the csv crate's own count is one short after CRLF, with which nianbao writes its CSVs.
/// The file is read again only to say where a damaged one went wrong.
fn line_in_file(path: &Path, offset: u64) -> u64 {
    let bytes = std::fs::read(path).unwrap_or_default();
    let after_bom = usize::try_from(offset).map_or(usize::MAX, |o| o.saturating_add(3));
    LineCounter::new(&bytes).line_at(after_bom)
}

/// Reads a CSV nianbao wrote (with a BOM) `batch` rows at a time: `columns` makes of its
/// header what each row needs (or refuses it), then `rows` is called with that and each
/// batch. A row of another length than the header is an error: the file was cut short.
fn each_batch<C>(
    path: &Path,
    batch: usize,
    columns: impl FnOnce(&csv::StringRecord) -> Result<C, String>,
    mut rows: impl FnMut(&C, &[csv::StringRecord]) -> Result<(), String>,
) -> Result<(), String> {
    // Unbuffered: the CSV reader has its own buffer, made larger than its 8 KB.
    let mut input = std::fs::File::open(path).map_err(|e| crate::discover::os_reason(&e))?;
    let mut bom = [0u8; 3];
    std::io::Read::read_exact(&mut input, &mut bom).map_err(|_| "文件是空的".to_string())?;
    if bom != *b"\xEF\xBB\xBF" {
        return Err("开头没有 BOM，不是 nianbao 写的文件".into());
    }
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let damaged = |e: csv::Error| match e.position() {
        Some(at) => format!(
            "第 {} 行格式不对（文件可能不完整）",
            line_in_file(path, at.byte())
        ),
        None => "格式不对（文件可能不完整）".to_string(),
    };
    let header = reader.headers().map_err(damaged)?.clone();
    let context = columns(&header)?;
    let mut records = vec![csv::StringRecord::new(); batch];
    loop {
        let mut filled = 0;
        while filled < batch && reader.read_record(&mut records[filled]).map_err(damaged)? {
            filled += 1;
        }
        rows(&context, &records[..filled])?;
        if filled < batch {
            return Ok(());
        }
    }
}

/// What became of a report of the previous run.
enum Compared {
    /// This run has a report of its unit and year, at this place among its reports, with
    /// these changes.
    Kept(usize, Vec<Change>),
    /// This run has none.
    Removed(ReportKey, Lead),
}

/// How a report of this run, `new` (`lead`), differs from the previous run's of the same
/// unit and year, `old`, a row of its `normalized.csv`.
fn report_changes(
    previous: &Previous,
    hashes: &HashMap<&str, crate::output::Sha256>,
    (lead, new): (&Lead, &Submission),
    old: &csv::StringRecord,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let old_file = &old[4];
    let same_file = match (
        previous.hashes.get(old_file),
        hashes.get(lead.source_file.as_str()),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => old_file == lead.source_file,
    };
    if !same_file {
        changes.push(Change {
            before: old_file.into(),
            after: lead.source_file.clone(),
            ..lead.change(Kind::ChangedFile)
        });
    }
    let fields = schema::fields();
    let was = old.iter().skip(NORMALIZED_LEAD.len()).take(fields.len());
    for (f, (was, now)) in was.zip(new.values.iter()).enumerate() {
        if !value_text_is(&now, was) {
            changes.push(Change {
                field_id: fields[f].id.clone(),
                label: schema::display_name(f),
                before: was.into(),
                after: value_text(&now),
                ..lead.change(Kind::ChangedValue)
            });
        }
    }
    changes
}

/// Everything that differs from the previous run to this one, unit by unit (the totals,
/// which have no unit, last); within a unit: its reports (by year; the file, then the
/// values in field order), reports no longer sent, problems fixed, then problems new.
/// An error if the previous run's CSVs cannot be read: why, in Chinese.
pub fn compare(previous: &Previous, now: &Current) -> Result<Vec<Change>, String> {
    // Two files read beside each other: the previous anomalies.csv is read on one thread
    // (66 ms of 33 MB at 10,000 units), while the reports are compared on the others.
    let (reports, problems) = rayon::join(
        || compare_reports(previous, now),
        || compare_problems(previous, now),
    );
    let mut changes = reports?;
    changes.extend(problems?);
    // Unit by unit, the totals (no unit id) last; within a unit, the order above (a stable
    // sort).
    changes.sort_by(|a, b| {
        (a.unit_id.is_empty(), &a.unit_id, &a.unit_name).cmp(&(
            b.unit_id.is_empty(),
            &b.unit_id,
            &b.unit_name,
        ))
    });
    Ok(changes)
}

/// The reports' changes: new, changed and kept ones in the order of this run's keys, then
/// the reports no longer sent in the order of the previous run's; the previous
/// `normalized.csv` is read a batch of rows at a time.
fn compare_reports(previous: &Previous, now: &Current) -> Result<Vec<Change>, String> {
    // This run's reports by key, sorted: a report's place among them orders its changes. A
    // report's lead is made again where it is needed, not kept: with the keys, 300 bytes a
    // report through the whole comparison.
    let reports: Vec<(ReportKey, usize)> = {
        let leads: Vec<Lead> = now
            .submissions
            .par_iter()
            .map(|s| Lead::of(s, now.roster))
            .collect();
        let mut keys = Keys::default();
        let mut reports: Vec<_> = leads.iter().map(|l| keys.next(l)).zip(0..).collect();
        reports.sort_unstable();
        reports
    };
    let lead = |i: usize| Lead::of(&now.submissions[i], now.roster);
    let hashes: HashMap<&str, crate::output::Sha256> = now
        .files
        .iter()
        .filter_map(|f| Some((f.path.as_str(), crate::output::sha256_of_hex(&f.sha256)?)))
        .collect();

    let mut compared = vec![false; reports.len()];
    let mut report_changes_by_place: Vec<(usize, Vec<Change>)> = Vec::new();
    let mut removed: Vec<(ReportKey, Change)> = Vec::new();
    let mut previous_keys = Keys::default();
    let field_ids: Vec<&str> = schema::fields().iter().map(|f| f.id.as_str()).collect();
    let columns: Vec<&str> = NORMALIZED_LEAD.iter().chain(&field_ids).copied().collect();
    // Rows compared on every thread at once: a row is about 600 bytes of text, and 1.6 KB
    // more for where its 200 fields end.
    each_batch(
        &previous.dir.join("normalized.csv"),
        1024,
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
        |(), rows| {
            let keyed: Vec<(ReportKey, Lead)> = rows
                .iter()
                .map(|row| {
                    let lead = Lead::of_row(row);
                    (previous_keys.next(&lead), lead)
                })
                .collect();
            let found: Vec<Compared> = keyed
                .into_par_iter()
                .zip(rows)
                .map(
                    |((key, old), row)| match reports.binary_search_by(|(k, _)| k.cmp(&key)) {
                        Ok(place) => {
                            let i = reports[place].1;
                            let new = (&lead(i), &now.submissions[i]);
                            Compared::Kept(place, report_changes(previous, &hashes, new, row))
                        }
                        Err(_) => Compared::Removed(key, old),
                    },
                )
                .collect();
            for f in found {
                match f {
                    Compared::Kept(place, changes) => {
                        compared[place] = true;
                        report_changes_by_place.push((place, changes));
                    }
                    Compared::Removed(key, old) => {
                        let change = Change {
                            before: old.source_file.clone(),
                            ..old.change(Kind::RemovedSubmission)
                        };
                        removed.push((key, change));
                    }
                }
            }
            Ok(())
        },
    )
    .map_err(|e| previous_unreadable("normalized.csv", e))?;
    for (place, (_, i)) in reports.iter().enumerate() {
        if !compared[place] {
            let lead = lead(*i);
            let change = Change {
                after: lead.source_file.clone(),
                ..lead.change(Kind::NewSubmission)
            };
            report_changes_by_place.push((place, vec![change]));
        }
    }
    report_changes_by_place.sort_by_key(|(place, _)| *place);
    removed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(report_changes_by_place
        .into_iter()
        .flat_map(|(_, changes)| changes)
        .chain(removed.into_iter().map(|(_, c)| c))
        .collect())
}

/// The problems fixed (in the order of their ids), then the new ones (likewise): this
/// run's errors and warnings by id, the previous `anomalies.csv` read a row at a time.
fn compare_problems(previous: &Previous, now: &Current) -> Result<Vec<Change>, String> {
    let mut problems: BTreeMap<&str, (&Anomaly, bool)> = now
        .anomalies
        .iter()
        .filter(|a| is_problem(a.severity))
        .map(|a| (a.id.as_str(), (a, false)))
        .collect();
    let mut fixed: Vec<(String, Change)> = Vec::new();
    // Looked up one after the other: a row can be 6 KB (a report's blank fields listed),
    // and each record of a batch keeps the room of the longest it held.
    each_batch(
        &previous.dir.join("anomalies.csv"),
        64,
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
        |&[severity, id, unit_id, unit_name, rule, message], rows| {
            for row in rows {
                if !Severity::parse(&row[severity]).is_some_and(is_problem) || row[id].is_empty() {
                    continue;
                }
                match problems.get_mut(&row[id]) {
                    Some((_, seen)) => *seen = true,
                    None => fixed.push((
                        row[id].to_string(),
                        Change {
                            anomaly_id: row[id].into(),
                            rule: row[rule].into(),
                            message: row[message].into(),
                            ..Change::new(Kind::FixedProblem, &row[unit_id], &row[unit_name], "")
                        },
                    )),
                }
            }
            Ok(())
        },
    )
    .map_err(|e| previous_unreadable("anomalies.csv", e))?;
    fixed.sort_by(|a, b| a.0.cmp(&b.0));
    let new_problems = problems
        .into_iter()
        .filter(|(_, (_, seen))| !seen)
        .map(|(id, (a, _))| Change {
            anomaly_id: id.into(),
            rule: a.rule.into(),
            message: a.finding.message.clone(),
            ..Change::new(Kind::NewProblem, &a.unit_id, &a.unit_name, "")
        });
    Ok(fixed
        .into_iter()
        .map(|(_, c)| c)
        .chain(new_problems)
        .collect())
}

/// The comparison of this run with the previous one, as its manifest in `--out` was found
/// ([`crate::output::read_previous`]); never an error.
pub fn with_previous(previous: Result<Previous, String>, now: &Current) -> Comparison {
    match previous.and_then(|previous| compare(&previous, now)) {
        Ok(changes) => Comparison::Compared(changes),
        Err(why) => Comparison::NotCompared(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Finding;
    use crate::normalize::{Value, Values};

    fn roster() -> Roster {
        Roster::parse("unit_id,name,type,aliases\na,a镇,乡镇,\nb,b镇,乡镇,\ngone,gone镇,乡镇,\n")
            .unwrap()
    }

    /// Unit `unit`'s report of 2024 from `file`, its first field `first` and the others 0.
    fn report(roster: &Roster, unit: &str, file: &str, first: f64) -> Submission {
        let mut values = Values::all(0.0);
        values.set(0, Value::Number(first));
        let on_roster = roster.units.iter().position(|u| u.id == unit);
        Submission::of_values(file, on_roster, &format!("{unit}镇"), 2024, values)
    }

    fn problem(unit: &str, rule: &'static str, id: &str) -> Anomaly {
        Anomaly {
            severity: Severity::Error,
            rule,
            unit_id: unit.into(),
            unit_name: format!("{unit}镇"),
            source_file: String::new(),
            year: Some(2024),
            finding: Finding {
                rule,
                location: None,
                fields: Default::default(),
                expected: String::new(),
                actual: String::new(),
                message: "不平".into(),
            },
            id: id.into(),
            decision: None,
            repeats_units: false,
        }
    }

    /// A file read, its SHA-256 made of `hash` (64 hex digits, as a manifest has them).
    fn file(path: &str, hash: &str) -> FileEntry {
        assert!(hash.len() <= 32, "a hash label of at most 32 bytes");
        let hex = crate::pipeline::hex(hash.as_bytes());
        FileEntry {
            path: path.into(),
            size: 0,
            sha256: format!("{hex:0>64}"),
            status: "read",
            reason: None,
            submissions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The previous run in `dir`, as a run opens it.
    fn open(dir: &Path) -> Result<Previous, String> {
        crate::output::read_previous(dir).map(|m| Previous::new(dir, m.input_hashes))
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("nianbao-changes-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The outputs a previous run of `now` left in `dir`, written by the writers a run uses.
    fn write_previous(dir: &Path, now: &Current) {
        let mut normalized = Vec::new();
        let left_out = vec![None; now.submissions.len()];
        crate::output::normalized_csv(&mut normalized, now.submissions, now.roster, &left_out)
            .unwrap();
        std::fs::write(dir.join("normalized.csv"), normalized).unwrap();
        let mut anomalies = Vec::new();
        crate::output::anomalies_csv(&mut anomalies, now.anomalies).unwrap();
        std::fs::write(dir.join("anomalies.csv"), anomalies).unwrap();
        let files: Vec<serde_json::Value> = now
            .files
            .iter()
            .map(|f| serde_json::json!({"path": f.path, "sha256": f.sha256}))
            .collect();
        let manifest = serde_json::json!({ "files": files });
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn units_values_and_problems_are_compared() {
        let roster = roster();
        let dir = temp("compared");
        let before_reports = [
            report(&roster, "a", "a.xlsx", 3.0),
            report(&roster, "gone", "g.xlsx", 1.0),
        ];
        let before_problems = [problem("a", "T3.BALANCE", "T3.BALANCE-1")];
        let before_files = [file("a.xlsx", "h1"), file("g.xlsx", "h0")];
        let before = Current {
            submissions: &before_reports,
            anomalies: &before_problems,
            files: &before_files,
            roster: &roster,
        };
        write_previous(&dir, &before);

        let after_reports = [
            report(&roster, "a", "a.xlsx", 5.0),
            report(&roster, "b", "b.csv", 1.0),
        ];
        let after_problems = [problem("b", "T4.TOTAL", "T4.TOTAL-2")];
        let after_files = [file("a.xlsx", "h2"), file("b.csv", "h3")];
        let after = Current {
            submissions: &after_reports,
            anomalies: &after_problems,
            files: &after_files,
            roster: &roster,
        };
        let changes = compare(&open(&dir).unwrap(), &after).unwrap();
        let kinds: Vec<(&str, Kind)> = changes
            .iter()
            .map(|c| (c.unit_id.as_str(), c.kind))
            .collect();
        let expected = [
            ("a", Kind::ChangedFile),
            ("a", Kind::ChangedValue),
            ("a", Kind::FixedProblem),
            ("b", Kind::NewSubmission),
            ("b", Kind::NewProblem),
            ("gone", Kind::RemovedSubmission),
        ];
        assert_eq!(kinds, expected);
        let value = changes
            .iter()
            .find(|c| c.kind == Kind::ChangedValue)
            .unwrap();
        assert_eq!((value.before.as_str(), value.after.as_str()), ("3", "5"));
        assert_eq!(value.field_id, schema::fields()[0].id);
        assert_eq!(value.label, schema::display_name(0));
        assert_eq!(value.year, "2024");
        let fixed = changes
            .iter()
            .find(|c| c.kind == Kind::FixedProblem)
            .unwrap();
        assert_eq!(
            (
                fixed.anomaly_id.as_str(),
                fixed.rule.as_str(),
                fixed.message.as_str()
            ),
            ("T3.BALANCE-1", "T3.BALANCE", "不平")
        );

        // A run compared with itself: nothing changed.
        write_previous(&dir, &after);
        assert!(compare(&open(&dir).unwrap(), &after).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Two reports of one unit and year (a duplicate submission) are told apart by their
    /// files, on both sides alike; more reports than a batch of rows are all compared.
    #[test]
    fn duplicates_and_many_reports_are_compared_one_to_one() {
        let roster = Roster::parse(
            &std::iter::once("unit_id,name,type,aliases\n".to_string())
                .chain((0..5000).map(|i| format!("u{i},{i}号镇,乡镇,\n")))
                .collect::<String>(),
        )
        .unwrap();
        let dir = temp("many");
        let reports: Vec<Submission> = (0..5000)
            .map(|i| report(&roster, &format!("u{i}"), &format!("{i}.csv"), i as f64))
            .chain([report(&roster, "u7", "u7-again.csv", 70.0)])
            .collect();
        let files: Vec<FileEntry> = reports
            .iter()
            .map(|r| file(&r.source_file, "same"))
            .collect();
        let before = Current {
            submissions: &reports,
            anomalies: &[],
            files: &files,
            roster: &roster,
        };
        write_previous(&dir, &before);
        assert!(compare(&open(&dir).unwrap(), &before).unwrap().is_empty());

        let mut changed = reports.clone();
        changed[4999].values.set(0, Value::Number(1.5));
        changed[5000].values.set(0, Value::Number(71.0));
        let after = Current {
            submissions: &changed,
            ..before
        };
        let values: Vec<(String, String, String)> = compare(&open(&dir).unwrap(), &after)
            .unwrap()
            .into_iter()
            .map(|c| (c.unit_id, c.before, c.after))
            .collect();
        let expected = [("u4999", "4999", "1.5"), ("u7", "70", "71")];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(u, b, a)| (u.to_string(), b.to_string(), a.to_string()))
            .collect();
        assert_eq!(values, expected);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Three reports of one unit and year, two of them from one file (two sheets that give
    /// no unit but the file's name): each is compared with its own of the previous run.
    #[test]
    fn reports_of_one_unit_year_and_file_pair_in_order() {
        let roster = roster();
        let dir = temp("same-file");
        let reports = [
            report(&roster, "a", "A.csv", 1.0),
            report(&roster, "a", "B.csv", 2.0),
            report(&roster, "a", "B.csv", 3.0),
        ];
        let files = [file("A.csv", "h1"), file("B.csv", "h2")];
        let before = Current {
            submissions: &reports,
            anomalies: &[],
            files: &files,
            roster: &roster,
        };
        write_previous(&dir, &before);
        assert_eq!(compare(&open(&dir).unwrap(), &before).unwrap(), []);
        let mut changed = reports.clone();
        changed[2].values.set(0, Value::Number(4.0));
        let after = Current {
            submissions: &changed,
            ..before
        };
        let values: Vec<(Kind, String, String)> = compare(&open(&dir).unwrap(), &after)
            .unwrap()
            .into_iter()
            .map(|c| (c.kind, c.before, c.after))
            .collect();
        assert_eq!(values, [(Kind::ChangedValue, "3".into(), "4".into())]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_or_corrupt_outputs_are_no_comparison() {
        let roster = roster();
        let dir = temp("corrupt");
        let now = Current {
            submissions: &[],
            anomalies: &[],
            files: &[],
            roster: &roster,
        };
        let first = with_previous(open(&dir), &now);
        assert!(matches!(&first, Comparison::NotCompared(w) if w.contains("第一次")));
        std::fs::write(dir.join("manifest.json"), b"{\"files\": [").unwrap();
        let corrupt = with_previous(open(&dir), &now);
        assert!(
            matches!(&corrupt, Comparison::NotCompared(w) if w.contains("manifest.json") && w.contains("格式不对"))
        );
        std::fs::write(dir.join("manifest.json"), b"{\"files\": []}").unwrap();
        let no_csv = with_previous(open(&dir), &now);
        // In Chinese, not the system's English.
        assert!(
            matches!(&no_csv, Comparison::NotCompared(w) if w.contains("normalized.csv") && w.contains("文件不存在"))
        );
        // A previous normalized.csv whose last row was cut short.
        write_previous(&dir, &now);
        let mut cut = std::fs::read(dir.join("normalized.csv")).unwrap();
        // Its lines end in CRLF; the line named is the cut one, as an editor numbers it.
        let cut_line = cut.iter().filter(|&&b| b == b'\n').count() + 1;
        cut.extend(b"a,a\xe9\x95\x87,\xe4\xb9\xa1\xe9\x95\x87,2024\n");
        std::fs::write(dir.join("normalized.csv"), cut).unwrap();
        let damaged = with_previous(open(&dir), &now);
        assert!(
            matches!(&damaged, Comparison::NotCompared(w) if w.contains("normalized.csv") && w.contains(&format!("第 {cut_line} 行格式不对"))),
            "{damaged:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
