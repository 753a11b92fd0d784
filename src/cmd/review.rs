//! `nianbao review`: writes the auditor's starting `config/review.csv` from the last run's
//! `anomalies.csv`, keeping every decision already made.
//!
//! It reads the run's outputs rather than checking the inputs again: the list the auditor
//! goes down is the one the run wrote (the same ids, the same order, the overview they were
//! looking at), and a county's files are not read a second time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::check::ids::normalize_id;
use crate::check::review::REVIEW_CSV;
use crate::output::{neutralize, unneutralize, write_csv};
use crate::read::{csv_with_header, decode_text};

pub struct ReviewOptions {
    /// The outputs folder of the last run.
    pub out: PathBuf,
    pub config: PathBuf,
}

/// What `review` wrote.
pub struct Written {
    pub path: PathBuf,
    /// Lines for the run's anomalies.
    pub listed: usize,
    /// Of those, with a decision already (from review.csv, or review.xlsx through the run).
    pub decided: usize,
    /// Lines of the old file whose id is not in the run, kept at the end.
    pub kept: usize,
}

const COLUMNS: &[&str] = &[
    "anomaly_id",
    "status",
    "note",
    "reviewer",
    "date",
    "severity",
    "rule",
    "unit_id",
    "unit_name",
    "message",
];

/// The review columns of a line: status, note, reviewer, date.
type Decided = [String; 4];

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let text = decode_text(&bytes).text;
    let (mut reader, header) =
        csv_with_header(&text).map_err(|e| format!("{}：{e}", path.display()))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}：{e}", path.display()))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

pub fn review(opts: &ReviewOptions) -> Result<Written, String> {
    let list = opts.out.join("anomalies.csv");
    if !list.is_file() {
        return Err(format!(
            "{} 不存在：请先运行 nianbao run（--out 指向其输出目录）",
            list.display()
        ));
    }
    let (header, anomalies) = read_csv(&list)?;
    let col = |name: &str| column(&header, &[name]);
    let Some(id_col) = col("anomaly_id") else {
        return Err(format!(
            "{} 没有 anomaly_id 列：它是旧版本的输出，请用本版本重新运行 nianbao run",
            list.display()
        ));
    };
    let cell = |row: &Vec<String>, c: Option<usize>| {
        c.and_then(|c| row.get(c)).cloned().unwrap_or_default()
    };

    // The decisions already made, by id, and the old file's lines in order.
    let path = opts.config.join(REVIEW_CSV);
    let mut old: HashMap<String, Decided> = HashMap::new();
    let mut old_lines: Vec<(String, Decided)> = Vec::new();
    if path.is_file() {
        let (h, rows) = read_csv(&path)?;
        let c = |names: &[&str]| column(&h, names);
        let Some(id) = c(&["anomaly_id", "异常编号", "编号"]) else {
            return Err(format!(
                "{} 没有 anomaly_id 列；请修正或移走它后重试",
                path.display()
            ));
        };
        let cols = [
            c(&["status", "review_status", "审核状态", "状态"]),
            c(&["note", "review_note", "审核说明", "备注"]),
            c(&["reviewer", "审核人"]),
            c(&["date", "审核日期", "日期"]),
        ];
        for row in rows {
            let typed = cell(&row, Some(id)).trim().to_string();
            let decided: Decided = cols.map(|c| cell(&row, c).trim().to_string());
            if typed.is_empty() && decided.iter().all(String::is_empty) {
                continue;
            }
            let key = normalize_id(&typed).unwrap_or_else(|| typed.clone());
            if !old.contains_key(&key) {
                old.insert(key.clone(), decided.clone());
                old_lines.push((typed, decided));
            } else if decided[0] != "待处理" && !decided[0].is_empty() {
                old.insert(key, decided);
            }
        }
    }

    let severity = col("severity");
    let mut seen = HashSet::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut decided = 0;
    for a in &anomalies {
        let id = cell(a, Some(id_col));
        if id.is_empty() || !seen.insert(id.clone()) {
            continue;
        }
        let from_run: Decided = [
            cell(a, col("review_status")),
            // anomalies.csv writes a note beginning with = + - @ after a ' (see neutralize).
            unneutralize(cell(a, col("review_note"))),
            String::new(),
            String::new(),
        ];
        let had = old.get(&id);
        let is_info = cell(a, severity) == "info";
        let run_decided = !from_run[0].is_empty() && from_run[0] != "待处理";
        // Infos are listed only when someone decided on them: nothing to decide otherwise.
        if is_info && had.is_none() && !run_decided {
            continue;
        }
        let pending = |d: &Decided| d[0].is_empty() || d[0] == "待处理";
        let mut line: Decided = match had {
            Some(d) if pending(d) && run_decided => from_run,
            Some(d) => d.clone(),
            None if run_decided => from_run,
            None => ["待处理".into(), String::new(), String::new(), String::new()],
        };
        if line[0].is_empty() {
            line[0] = "待处理".into();
        }
        if line[0] != "待处理" {
            decided += 1;
        }
        let mut row = vec![id];
        row.extend(line);
        for name in ["severity", "rule", "unit_id", "unit_name", "message"] {
            row.push(neutralize(&cell(a, col(name))));
        }
        rows.push(row);
    }
    let listed = rows.len();
    // Lines of ids not in this run stay, at the end: the run reports their decisions as
    // resolved, or the line as mistyped; the auditor deletes them when done with them.
    let mut kept = 0;
    for (typed, line) in old_lines {
        let key = normalize_id(&typed).unwrap_or_else(|| typed.clone());
        // A line without a decision, for an anomaly no longer there, has nothing to keep.
        let line = old.get(&key).cloned().unwrap_or(line);
        let undecided =
            (line[0].is_empty() || line[0] == "待处理") && line[1..].iter().all(String::is_empty);
        if seen.contains(&key) || (undecided && normalize_id(&typed).is_some()) {
            continue;
        }
        let mut row = vec![typed];
        row.extend(line);
        row.extend(["", "", "", ""].map(String::from));
        row.push("（本次运行中未出现）".into());
        rows.push(row);
        kept += 1;
    }

    let mut bytes = Vec::new();
    write_csv(&mut bytes, COLUMNS, rows).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&opts.config)
        .map_err(|e| format!("无法创建 {}：{e}", opts.config.display()))?;
    let tmp = opts.config.join(".review.csv.nianbao-new");
    std::fs::write(&tmp, &bytes).map_err(|e| format!("无法写入 {}：{e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "无法替换 {}：{e}（如在 Excel 或 WPS 中打开着，请先关闭）",
            path.display()
        )
    })?;
    Ok(Written {
        path,
        listed,
        decided,
        kept,
    })
}
