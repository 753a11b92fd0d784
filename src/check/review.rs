//! The auditor's review: a decision per anomaly id, kept in `config/review.csv` (or a copy
//! of `rollup.xlsx`'s 异常清单 sheet saved as `config/review.xlsx`), applied to every run.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::ids::normalize_id;
use super::{Anomaly, Severity};
use crate::output::unneutralize;
use crate::read::{csv_with_header, decode_text, LineCounter};

pub const REVIEW_CSV: &str = "review.csv";
pub const REVIEW_XLSX: &str = "review.xlsx";

/// What the auditor decided an anomaly is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Not decided yet (no line, an empty status, or 待处理).
    #[default]
    Pending,
    /// 已核实: a real error, the unit must fix it.
    Confirmed,
    /// 误报: a false alarm.
    FalseAlarm,
    /// 已说明: explained (a township's delegated 规章, a fee that really is that large).
    Explained,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Confirmed,
        Status::FalseAlarm,
        Status::Explained,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Status::Pending => "待处理",
            Status::Confirmed => "已核实",
            Status::FalseAlarm => "误报",
            Status::Explained => "已说明",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        if s.is_empty() {
            return Some(Status::Pending);
        }
        Status::ALL.into_iter().find(|st| st.zh() == s)
    }

    /// 误报 and 已说明: no longer an open error or warning, though still listed.
    pub fn dismissed(self) -> bool {
        matches!(self, Status::FalseAlarm | Status::Explained)
    }
}

/// One line of a review file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    pub status: Status,
    pub note: String,
    pub reviewer: String,
    pub date: String,
    /// Where it was written: `config/review.csv 第 3 行`.
    pub line: String,
    /// The problem's message as the line gives it, when it does: a decision on figures that
    /// have changed since does not hold.
    pub seen: String,
}

/// No decision: 待处理.
pub static PENDING: Decision = Decision {
    status: Status::Pending,
    note: String::new(),
    reviewer: String::new(),
    date: String::new(),
    line: String::new(),
    seen: String::new(),
};

/// The decisions of the review files, by normalized id, and what was wrong with their lines.
#[derive(Debug, Default)]
pub struct Review {
    pub decisions: HashMap<String, Decision>,
    /// Ids as written, in file order, for the resolved list.
    pub order: Vec<String>,
    pub files: Vec<String>,
    pub warnings: Vec<String>,
}

/// Column names a review file may use, in lower case: those of `review.csv`, of
/// `anomalies.csv` and of the 异常清单 sheet.
const ID_NAMES: &[&str] = &["anomaly_id", "异常编号", "编号"];
const STATUS_NAMES: &[&str] = &["status", "review_status", "审核状态", "状态"];
const NOTE_NAMES: &[&str] = &["note", "review_note", "审核说明", "备注"];
const REVIEWER_NAMES: &[&str] = &["reviewer", "审核人"];
const DATE_NAMES: &[&str] = &["date", "审核日期", "日期"];
/// The problem as the auditor saw it when deciding (review.csv and 异常清单 carry it).
const MESSAGE_NAMES: &[&str] = &["message", "说明"];

struct Columns {
    id: usize,
    status: usize,
    note: Option<usize>,
    reviewer: Option<usize>,
    date: Option<usize>,
    message: Option<usize>,
}

impl Columns {
    fn find(header: &[String]) -> Option<Columns> {
        let col = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
        };
        Some(Columns {
            id: col(ID_NAMES)?,
            status: col(STATUS_NAMES)?,
            note: col(NOTE_NAMES),
            reviewer: col(REVIEWER_NAMES),
            date: col(DATE_NAMES),
            message: col(MESSAGE_NAMES),
        })
    }
}

impl Review {
    /// Reads `review.csv` and `review.xlsx` from the config folder, either or both; none is
    /// no review. A file that cannot be read, or has no `anomaly_id` and `status` columns,
    /// stops the run (as a bad roster does); a bad line is a warning naming it.
    pub fn load(config: &Path) -> Result<Review, String> {
        let mut review = Review::default();
        let csv = config.join(REVIEW_CSV);
        if csv.is_file() {
            let bytes =
                std::fs::read(&csv).map_err(|e| format!("无法读取 {}：{e}", csv.display()))?;
            let name = display(&csv);
            let rows = csv_rows(&bytes).map_err(|e| format!("{name}：{e}"))?;
            review.add(&name, rows)?;
        }
        let xlsx = config.join(REVIEW_XLSX);
        if xlsx.is_file() {
            let bytes =
                std::fs::read(&xlsx).map_err(|e| format!("无法读取 {}：{e}", xlsx.display()))?;
            let name = display(&xlsx);
            let rows = xlsx_rows(&bytes).map_err(|e| format!("{name}：{e}"))?;
            review.add(&name, rows)?;
        }
        Ok(review)
    }

    /// Adds a file's rows (line number, cells; the first is the header).
    fn add(&mut self, file: &str, rows: Vec<(usize, Vec<String>)>) -> Result<(), String> {
        let mut rows = rows.into_iter();
        let header = rows.next().map(|(_, h)| h).unwrap_or_default();
        // An empty file (an auditor who cleared it) is no review, not a broken one.
        if header.iter().all(|h| h.trim().is_empty()) && rows.len() == 0 {
            return Ok(());
        }
        let Some(cols) = Columns::find(&header) else {
            return Err(format!(
                "{file}：找不到 anomaly_id（异常编号）和 status（审核状态）列；第一行应为列名 anomaly_id,status,note"
            ));
        };
        self.files.push(file.to_string());
        for (line, cells) in rows {
            let cell = |c: Option<usize>| {
                c.and_then(|c| cells.get(c))
                    .map_or(String::new(), |s| s.trim().to_string())
            };
            let (typed, status_text) = (cell(Some(cols.id)), cell(Some(cols.status)));
            let at = format!("{file} 第 {line} 行");
            if typed.is_empty() {
                if !status_text.is_empty() && Status::parse(&status_text) != Some(Status::Pending) {
                    self.warnings.push(format!(
                        "{at}：审核状态为“{status_text}”，但没有异常编号；本行不生效"
                    ));
                }
                continue;
            }
            let Some(status) = Status::parse(&status_text) else {
                self.warnings.push(format!(
                    "{at}：{typed} 的审核状态“{status_text}”无法识别，应为 待处理、已核实、误报、已说明 之一；本行不生效"
                ));
                continue;
            };
            let Some(id) = normalize_id(&typed) else {
                self.warnings.push(format!(
                    "{at}：异常编号“{typed}”不存在（不是 nianbao 给出的编号，可能抄错了）；本行不生效"
                ));
                continue;
            };
            let decision = Decision {
                status,
                note: cell(cols.note),
                reviewer: cell(cols.reviewer),
                date: cell(cols.date),
                line: at,
                // As the CSV has it: a text beginning with = + - @ has a ' before it.
                seen: unneutralize(cell(cols.message)),
            };
            match self.decisions.get(&id) {
                // A later line that decides nothing leaves an earlier decision as it is.
                Some(_) if status == Status::Pending && decision.note.is_empty() => {}
                Some(before) => {
                    if (before.status, &before.note) != (status, &decision.note)
                        && before.status != Status::Pending
                    {
                        self.warnings.push(format!(
                            "{}：{id} 已在 {} 标为“{}”，此处改为“{}”；以此处为准",
                            decision.line,
                            before.line,
                            before.status.zh(),
                            status.zh()
                        ));
                    }
                    self.decisions.insert(id, decision);
                }
                None => {
                    self.order.push(id.clone());
                    self.decisions.insert(id, decision);
                }
            }
        }
        Ok(())
    }

    /// Gives each anomaly its decision; what became of the decisions.
    pub fn apply(&self, anomalies: &mut [Anomaly]) -> ReviewOutcome {
        let mut found = std::collections::HashSet::new();
        let mut warnings = self.warnings.clone();
        for a in anomalies.iter_mut() {
            if let Some(d) = self.decisions.get(&a.id) {
                found.insert(a.id.as_str().to_owned());
                // The same problem with other figures (应为 3 实为 4, now 实为 5): the auditor
                // decided on what they saw, not on this, so it is theirs to decide again.
                let changed = !d.seen.is_empty() && d.seen != a.finding.message;
                if changed && d.status != Status::Pending {
                    warnings.push(format!(
                        "{}：{} 的内容已变（审核时：{}；现在：{}），原审核决定“{}”不再适用，已改回待处理，请重新审核",
                        d.line,
                        a.id,
                        d.seen,
                        a.finding.message,
                        d.status.zh()
                    ));
                    continue;
                }
                a.decision = Some(Box::new(d.clone()));
            }
        }
        let resolved = self
            .order
            .iter()
            .filter(|id| !found.contains(*id))
            .filter_map(|id| {
                let d = &self.decisions[id];
                (d.status != Status::Pending).then(|| Resolved {
                    anomaly_id: id.clone(),
                    status: d.status.zh(),
                    note: d.note.clone(),
                    line: d.line.clone(),
                })
            })
            .collect();
        ReviewOutcome {
            files: self.files.clone(),
            decisions: self
                .decisions
                .values()
                .filter(|d| d.status != Status::Pending)
                .count(),
            counts: StatusCounts::of(anomalies.iter()),
            resolved,
            warnings,
        }
    }
}

/// A decision whose anomaly no longer occurs: the unit fixed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    pub anomaly_id: String,
    pub status: &'static str,
    pub note: String,
    pub line: String,
}

/// Errors and warnings by review status (infos are not counted: nothing to decide).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    /// Undecided (待处理).
    pub open: usize,
    /// 已核实.
    pub confirmed: usize,
    /// 误报.
    pub false_alarms: usize,
    /// 已说明.
    pub explained: usize,
    /// Errors and warnings still to count: open and confirmed.
    pub open_errors: usize,
    pub open_warnings: usize,
}

impl StatusCounts {
    pub fn of<'a>(anomalies: impl IntoIterator<Item = &'a Anomaly>) -> StatusCounts {
        let mut c = StatusCounts::default();
        for a in anomalies {
            // A total's anomaly that repeats units' own problems waits on theirs: not one
            // more to decide, though a decision taken on it is counted.
            let waits_on_units = a.repeats_units && a.review().status == Status::Pending;
            if a.severity == Severity::Info || waits_on_units {
                continue;
            }
            match a.review().status {
                Status::Pending => c.open += 1,
                Status::Confirmed => c.confirmed += 1,
                Status::FalseAlarm => c.false_alarms += 1,
                Status::Explained => c.explained += 1,
            }
            if a.counts() {
                match a.severity {
                    Severity::Error => c.open_errors += 1,
                    Severity::Warning => c.open_warnings += 1,
                    Severity::Info => {}
                }
            }
        }
        c
    }

    /// Errors and warnings marked 误报 or 已说明.
    pub fn dismissed(&self) -> usize {
        self.false_alarms + self.explained
    }
}

/// What the review files did to a run, for the summary, the overview and the manifest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewOutcome {
    /// The review files read.
    pub files: Vec<String>,
    /// Lines with a decision (not 待处理).
    pub decisions: usize,
    pub counts: StatusCounts,
    pub resolved: Vec<Resolved>,
    /// Lines that could not be applied, each naming its file and line.
    pub warnings: Vec<String>,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The rows of a review CSV, UTF-8 (with or without BOM) or GBK, with their line numbers.
fn csv_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = decode_text(bytes).text;
    let (mut reader, header) = csv_with_header(&text)?;
    let mut rows = vec![(1, header)];
    let mut lines = LineCounter::new(text.as_bytes());
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = lines.line_of(record.position());
        rows.push((line as usize, record.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}

/// The rows of a review workbook: the sheet 异常清单 if there is one, else the first sheet
/// with an anomaly_id column; rows numbered as Excel shows them, from its header row.
fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("无法打开工作簿（{e}）"))?;
    let mut names = book.sheet_names();
    if let Some(p) = names.iter().position(|n| n == "异常清单") {
        let preferred = names.remove(p);
        names.insert(0, preferred);
    }
    for name in names {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let rows: Vec<(usize, Vec<String>)> = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                let mut cells = vec![String::new(); first_col];
                cells.extend(row.iter().map(cell_text));
                (first_row + i + 1, cells)
            })
            .collect();
        // The header is the first row naming an id column, within the first few.
        if let Some(h) = rows.iter().take(10).position(|(_, cells)| {
            cells
                .iter()
                .any(|c| ID_NAMES.contains(&c.trim().to_lowercase().as_str()))
        }) {
            return Ok(rows.into_iter().skip(h).collect());
        }
    }
    Err("没有一张工作表有 anomaly_id（异常编号）列".into())
}

/// A cell as text: a date typed into 审核日期 as the date, not Excel's serial number.
fn cell_text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::DateTime(t) => {
            let (y, m, day, ..) = t.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        d => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ids::id_of;

    #[test]
    fn statuses_and_bad_lines() {
        let good = id_of("T3.BALANCE", "a");
        let other = id_of("UNIT.MISSING", "b");
        let text = format!(
            "anomaly_id,status,note\r\n{good},误报,确有其事\n{other},已处理,x\r\nT3.BALANCE-0000000001,误报,\n,,\n{other},,\n"
        );
        let mut review = Review::default();
        review
            .add("review.csv", csv_rows(text.as_bytes()).unwrap())
            .unwrap();
        assert_eq!(review.decisions[&good].status, Status::FalseAlarm);
        assert_eq!(review.decisions[&good].note, "确有其事");
        assert_eq!(review.decisions[&other].status, Status::Pending);
        assert_eq!(review.warnings.len(), 2, "{:?}", review.warnings);
        assert!(review.warnings[0].contains("第 3 行"));
        assert!(review.warnings[0].contains("已处理"));
        assert!(review.warnings[1].contains("第 4 行"));
        assert!(review.warnings[1].contains("不存在"));
    }

    #[test]
    fn an_empty_file_is_no_review() {
        let mut review = Review::default();
        review.add("review.csv", csv_rows(b"").unwrap()).unwrap();
        review
            .add("review.csv", csv_rows(b"\xEF\xBB\xBF").unwrap())
            .unwrap();
        assert!(review.decisions.is_empty() && review.warnings.is_empty());
        assert!(review
            .add("review.csv", csv_rows(b"a,b\n1,2\n").unwrap())
            .is_err());
    }

    #[test]
    fn gbk_is_read() {
        let good = id_of("T3.BALANCE", "a");
        let text = format!("anomaly_id,status,note\r\n{good},已说明,乡镇受委托制发\r\n");
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let mut review = Review::default();
        review.add("review.csv", csv_rows(&gbk).unwrap()).unwrap();
        assert_eq!(review.decisions[&good].status, Status::Explained);
        assert_eq!(review.decisions[&good].note, "乡镇受委托制发");
    }

    #[test]
    fn a_decision_on_figures_that_changed_since_does_not_hold() {
        let id = id_of("T3.BALANCE", "a");
        let seen = "表三“自然人”一列：应为 3，填报为 4";
        let text = format!("anomaly_id,status,note,message\n{id},误报,撤回一件,{seen}\n");
        let mut review = Review::default();
        review
            .add("review.csv", csv_rows(text.as_bytes()).unwrap())
            .unwrap();
        let anomaly = |message: &str| Anomaly {
            severity: Severity::Error,
            rule: "T3.BALANCE",
            unit_id: "a".into(),
            unit_name: "甲镇".into(),
            source_file: "a.xlsx".into(),
            year: Some(2024),
            finding: crate::check::Finding {
                rule: "T3.BALANCE",
                location: None,
                fields: Default::default(),
                expected: "3".into(),
                actual: "5".into(),
                message: message.into(),
            },
            id: id.clone(),
            decision: None,
            repeats_units: false,
        };
        let mut same = [anomaly(seen)];
        let outcome = review.apply(&mut same);
        assert_eq!(same[0].review().status, Status::FalseAlarm);
        assert!(outcome.warnings.is_empty());

        let mut changed = [anomaly("表三“自然人”一列：应为 3，填报为 5")];
        let outcome = review.apply(&mut changed);
        assert_eq!(changed[0].review().status, Status::Pending);
        assert_eq!(outcome.counts.open_errors, 1);
        assert!(
            outcome.warnings[0].contains("内容已变") && outcome.warnings[0].contains("填报为 5"),
            "{:?}",
            outcome.warnings
        );
    }
}
