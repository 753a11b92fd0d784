//! Rules over the whole county: unreadable files, the roster, years, duplicates.

use std::collections::BTreeMap;

use super::{unit_names, Anomaly, County, FieldList, Finding};
use crate::normalize::{Evidence, Submission};

/// A file that could not be read, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadableFile {
    pub source_file: String,
    pub reason: String,
}

/// An input file byte for byte the same as another, which alone was read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCopy {
    pub source_file: String,
    pub original: String,
    /// The unit the original's first report names (id, name).
    pub unit: (String, String),
}

/// A finding with the unit (id, name), file and year of the report it belongs to.
type Placed = (String, String, String, Option<i32>, Finding);

/// What a county rule needs of the run to mean anything.
#[derive(Clone, Copy, PartialEq)]
enum Needs {
    Nothing,
    /// A roster to compare names with.
    Roster,
    /// The roster, and the inputs being the whole county (not a unit checking its file).
    WholeCounty,
}

/// A county rule: its id, what it needs, the function that checks it.
type CountyRule = (&'static str, Needs, fn(&County) -> Vec<Placed>);

const RULES: [CountyRule; 6] = [
    ("FILE.UNREADABLE", Needs::Nothing, file_unreadable),
    ("FILE.COPY", Needs::Nothing, file_copy),
    ("UNIT.UNKNOWN", Needs::Roster, unit_unknown),
    ("UNIT.MISSING", Needs::WholeCounty, unit_missing),
    ("UNIT.DUPLICATE", Needs::WholeCounty, unit_duplicate),
    ("YEAR.MISMATCH", Needs::Nothing, year_mismatch),
];

pub fn check(county: &County) -> Vec<Anomaly> {
    let has_roster = !county.roster.units.is_empty();
    let mut anomalies = Vec::new();
    for (id, needs, rule) in RULES {
        let Some(severity) = county.settings.severity(id) else {
            continue;
        };
        let applies = match needs {
            Needs::Nothing => true,
            Needs::Roster => has_roster,
            Needs::WholeCounty => has_roster && county.whole_county,
        };
        if !applies {
            continue;
        }
        for (unit_id, unit_name, source_file, year, finding) in rule(county) {
            anomalies.push(Anomaly {
                severity,
                rule: finding.rule,
                unit_id,
                unit_name,
                source_file,
                year: match id {
                    "UNIT.UNKNOWN" | "UNIT.DUPLICATE" => year,
                    _ => county.year,
                },
                finding,
                id: String::new(),
                decision: None,
                repeats_units: false,
            });
        }
    }
    anomalies
}

fn evidence_location(e: &Evidence) -> Option<crate::grid::Location> {
    match e {
        Evidence::Cell(at) | Evidence::Title(at) => Some(at.clone()),
        Evidence::FileName | Evidence::Argument | Evidence::RollupYear | Evidence::None => None,
    }
}

/// FILE.COPY: each copy, naming the file that was read in its place.
fn file_copy(county: &County) -> Vec<Placed> {
    county
        .copies
        .iter()
        .map(|c| {
            let finding = Finding {
                rule: "FILE.COPY",
                location: None,
                fields: FieldList::default(),
                expected: "每份报告一个文件".into(),
                actual: format!("与 {} 完全相同", c.original),
                message: format!(
                    "本文件与 {} 内容完全相同（重复的副本），只按 {} 计入一次；可删除本文件",
                    c.original, c.original
                ),
            };
            (
                c.unit.0.clone(),
                c.unit.1.clone(),
                c.source_file.clone(),
                None,
                finding,
            )
        })
        .collect()
}

/// FILE.UNREADABLE: the unit is named when the file name names one.
fn file_unreadable(county: &County) -> Vec<Placed> {
    county
        .unreadable
        .iter()
        .map(|f| {
            let name = f.source_file.rsplit('/').next().unwrap_or(&f.source_file);
            let unit = county.roster.within(name).map(|u| &county.roster.units[u]);
            (
                unit.map_or(String::new(), |u| u.id.clone()),
                unit.map_or(String::new(), |u| u.name.clone()),
                f.source_file.clone(),
                None,
                Finding {
                    rule: "FILE.UNREADABLE",
                    location: None,
                    fields: FieldList::default(),
                    expected: "可读取的年报文件".into(),
                    actual: f.reason.clone(),
                    message: format!("文件无法读取：{}", f.reason),
                },
            )
        })
        .collect()
}

/// UNIT.UNKNOWN: the submission names no roster unit.
fn unit_unknown(county: &County) -> Vec<Placed> {
    county
        .submissions
        .iter()
        .filter(|s| s.unit.is_none())
        .map(|s| {
            let nearest = county.roster.nearest(&s.claimed_unit);
            let message = match nearest {
                Some(u) => {
                    let unit = &county.roster.units[u];
                    format!(
                        "报告的单位“{}”（取自{}）不在单位名单中，不计入汇总。是否为名单中的“{}”（{}）？如是，请在 units.csv 中该单位的 aliases 加入“{}”，或请报送单位改正单位名称",
                        s.claimed_unit,
                        s.unit_evidence.describe(),
                        unit.name,
                        unit.id,
                        s.claimed_unit
                    )
                }
                None => format!(
                    "报告的单位“{}”（取自{}）不在单位名单中，不计入汇总；如是名单中单位的别名，请加入 units.csv 的 aliases",
                    s.claimed_unit,
                    s.unit_evidence.describe()
                ),
            };
            let finding = Finding {
                rule: "UNIT.UNKNOWN",
                location: evidence_location(&s.unit_evidence),
                fields: FieldList::default(),
                expected: nearest.map_or("单位名单（units.csv）中的单位".into(), |u| {
                    county.roster.units[u].name.clone()
                }),
                actual: s.claimed_unit.clone(),
                message,
            };
            (
                String::new(),
                s.claimed_unit.clone(),
                s.source_file.clone(),
                s.year,
                finding,
            )
        })
        .collect()
}

/// UNIT.MISSING: a roster unit that no readable submission names.
fn unit_missing(county: &County) -> Vec<Placed> {
    let submitted: std::collections::HashSet<usize> =
        county.submissions.iter().filter_map(|s| s.unit).collect();
    // The reports of no roster unit whose name nearly names one (did you mean).
    let mut near: BTreeMap<usize, Vec<&Submission>> = BTreeMap::new();
    for s in county.submissions.iter().filter(|s| s.unit.is_none()) {
        if let Some(u) = county.roster.nearest(&s.claimed_unit) {
            near.entry(u).or_default().push(s);
        }
    }
    county
        .roster
        .units
        .iter()
        .enumerate()
        // A level (a county above its townships) need not send a report of its own.
        .filter(|(u, _)| !submitted.contains(u) && !county.roster.is_parent(*u))
        .map(|(u, unit)| {
            let mut message = format!(
                "{}（{}）没有可读取的报告，汇总中缺少该单位",
                unit.name, unit.unit_type
            );
            if let Some(reports) = near.get(&u) {
                let named: Vec<String> = reports
                    .iter()
                    .map(|s| format!("“{}”（{}）", s.claimed_unit, s.source_file))
                    .collect();
                message.push_str(&format!(
                    "。报告{}的单位名称与之相近，是否即为该单位？如是，请在 units.csv 中该单位的 aliases 加入该名称",
                    named.join("、")
                ));
            }
            let finding = Finding {
                rule: "UNIT.MISSING",
                location: None,
                fields: FieldList::default(),
                expected: "1 份报告".into(),
                actual: "0".into(),
                message,
            };
            (
                unit.id.clone(),
                unit.name.clone(),
                String::new(),
                None,
                finding,
            )
        })
        .collect()
}

/// UNIT.DUPLICATE: more than one submission of the year for one unit; each is listed.
fn unit_duplicate(county: &County) -> Vec<Placed> {
    let mut by_unit: BTreeMap<usize, Vec<&Submission>> = BTreeMap::new();
    for s in county.submissions {
        if let Some(u) = s.unit.filter(|_| s.year == county.year) {
            by_unit.entry(u).or_default().push(s);
        }
    }
    let mut placed = Vec::new();
    // A Word report beside its unit's workbook is compared with it (DOC.MISMATCH), not a
    // second report.
    let companion: Vec<&str> = crate::rollup::companions(county.submissions, county.year)
        .into_iter()
        .map(|(d, _)| county.submissions[d].source_file.as_str())
        .collect();
    for group in by_unit.values_mut() {
        group.retain(|s| !companion.contains(&s.source_file.as_str()));
    }
    for group in by_unit.values().filter(|g| g.len() > 1) {
        let files: Vec<&str> = group.iter().map(|s| s.source_file.as_str()).collect();
        for s in group {
            let (unit_id, unit_name) = unit_names(s, county.roster);
            let others: Vec<&str> = files
                .iter()
                .copied()
                .filter(|f| *f != s.source_file)
                .collect();
            let finding = Finding {
                rule: "UNIT.DUPLICATE",
                location: evidence_location(&s.unit_evidence),
                fields: FieldList::default(),
                expected: "1 份报告".into(),
                actual: format!("{} 份：{}", files.len(), files.join("、")),
                message: format!(
                    "{unit_name}有 {} 份报告，本文件与 {} 重复；均不计入汇总，请确认保留哪一份",
                    files.len(),
                    others.join("、")
                ),
            };
            placed.push((unit_id, unit_name, s.source_file.clone(), s.year, finding));
        }
    }
    placed
}

/// YEAR.MISMATCH: a submission of another year, or of no year that could be found.
fn year_mismatch(county: &County) -> Vec<Placed> {
    county
        .submissions
        .iter()
        .filter(|s| s.year.is_none() || s.year != county.year)
        .map(|s| {
            let (unit_id, unit_name) = unit_names(s, county.roster);
            let wanted = county.year.map_or("（未知）".to_string(), |y| y.to_string());
            let (actual, message) = match s.year {
                Some(y) => (
                    y.to_string(),
                    format!(
                        "报告年度为 {y}（取自{}），本次汇总 {wanted} 年度，不计入汇总",
                        s.year_evidence.describe()
                    ),
                ),
                None => (
                    String::new(),
                    "未能确定报告年度（单元格、标题、文件名中都没有），不计入汇总；可用 --year 指定".into(),
                ),
            };
            let finding = Finding {
                rule: "YEAR.MISMATCH",
                location: evidence_location(&s.year_evidence),
                fields: FieldList::default(),
                expected: wanted,
                actual,
                message,
            };
            (unit_id, unit_name, s.source_file.clone(), None, finding)
        })
        .collect()
}
