//! The county's totals, and each unit type's, checked with the identities the units' own
//! tables obey. Sums of tables that obey an identity obey it too, so a broken total names
//! the units whose own tables break it, or whose unreadable values left the sum short.

use std::collections::BTreeSet;

use super::{check_report, Anomaly, Finding, Report};
use crate::normalize::{Submission, Values};
use crate::rollup::{total_name, Rollup, Totals};
use crate::roster::Roster;
use crate::settings::Settings;

/// The `source_file` of the totals' anomalies.
pub const TOTALS_SOURCE: &str = "rollup.csv";

/// The anomalies of the totals; `submissions` are the reports the rollup was made of, and
/// `unit_anomalies` those their own checks raised.
pub fn check_totals(
    rollup: &Rollup,
    submissions: &[Submission],
    unit_anomalies: &[Anomaly],
    roster: &Roster,
    settings: &Settings,
) -> Vec<Anomaly> {
    debug_assert_eq!(submissions.len(), rollup.left_out.len());
    let mut anomalies: Vec<Anomaly> = std::iter::once(&rollup.county)
        .chain(rollup.parts())
        .flat_map(|totals| {
            check_one(
                totals,
                rollup,
                submissions,
                unit_anomalies,
                roster,
                settings,
            )
        })
        .collect();
    if let Some(severity) = settings.severity("TOTAL.REPORTED") {
        anomalies.extend(total_reported(rollup, roster, severity));
    }
    anomalies
}

/// TOTAL.REPORTED: a level's own report (a county's totals sent to the city) against the
/// sum of its units, field by field; one finding per level listing the fields that differ.
fn total_reported(rollup: &Rollup, roster: &Roster, severity: super::Severity) -> Vec<Anomaly> {
    let fields = crate::schema::fields();
    rollup
        .reported
        .iter()
        .filter_map(|r| {
            let sums = &rollup.by_level[r.level];
            let differ: Vec<usize> = (0..fields.len())
                .filter(|&f| r.values[f].is_some_and(|v| (v - sums.values[f]).abs() > 1e-6))
                .collect();
            if differ.is_empty() {
                return None;
            }
            let shown: Vec<String> = differ
                .iter()
                .take(5)
                .map(|&f| {
                    format!(
                        "{} 自报 {}、下属单位合计 {}",
                        crate::schema::display_name(f),
                        crate::text::format_number(r.values[f].unwrap_or(0.0)),
                        crate::text::format_number(sums.values[f])
                    )
                })
                .collect();
            let more = if differ.len() > 5 {
                format!("等 {} 个字段", differ.len())
            } else {
                String::new()
            };
            let unit = &roster.units[r.unit];
            let finding = Finding {
                rule: "TOTAL.REPORTED",
                location: None,
                fields: differ.clone().into(),
                expected: format!("下属 {} 个单位之和", sums.units.len()),
                actual: format!("{} 个字段不同", differ.len()),
                message: format!(
                    "{}自报的合计与其下属单位之和不符：{}{more}",
                    unit.name,
                    shown.join("；")
                ),
            };
            Some(Anomaly {
                severity,
                rule: finding.rule,
                unit_id: unit.id.clone(),
                unit_name: unit.name.clone(),
                source_file: r.source_file.clone(),
                year: rollup.year,
                id: String::new(),
                finding,
                decision: None,
                repeats_units: false,
            })
        })
        .collect()
}

/// The anomalies of `totals`, one of `rollup`'s, whose counted reports are among
/// `submissions`.
fn check_one(
    totals: &Totals,
    rollup: &Rollup,
    submissions: &[Submission],
    unit_anomalies: &[Anomaly],
    roster: &Roster,
    settings: &Settings,
) -> Vec<Anomaly> {
    let values = Values::from_numbers(totals.values.clone());
    let report = Report::of(&values, &settings.thresholds);
    let name = total_name(&totals.name);
    let findings: Vec<_> = check_report(&report, settings)
        .into_iter()
        .filter(|(_, f)| super::rule(f.rule).is_some_and(|r| r.on_totals))
        .collect();
    if findings.is_empty() {
        return Vec::new();
    }
    // The counted submissions, by file: a unit's uncounted file of another year is no cause.
    // Made once for all the findings of these totals (a county's 10,000 files).
    let counted: foldhash::HashSet<&str> = totals
        .units
        .iter()
        .filter_map(|&u| rollup.counted[u])
        .map(|i| submissions[i].source_file.as_str())
        .collect();
    findings
        .into_iter()
        .filter_map(|(severity, finding)| {
            let (cause, repeats_units) =
                causes(&finding, totals, &counted, unit_anomalies, roster)?;
            Some(Anomaly {
                severity,
                rule: finding.rule,
                unit_id: String::new(),
                unit_name: name.clone(),
                source_file: TOTALS_SOURCE.into(),
                year: rollup.year,
                id: String::new(),
                decision: None,
                repeats_units,
                finding: Finding {
                    message: format!(
                        "{name}：{}。{cause}",
                        finding.message.replace("填报为", "各单位填报之和为")
                    ),
                    ..finding
                },
            })
        })
        .collect()
}

/// Which counted units explain a broken total, and whether they explain it all (the
/// total's anomaly then repeats theirs, and is not counted again). `None` when no unit's own table breaks the
/// identity and some units' values in it are unknown: like a unit's identity that needs an
/// unreadable cell, the total's identity is then unknown, not broken (the units' own
/// VALUE.NOT_NUMBER or FIELD.MISSING rows already say the sum lacks those values).
fn causes(
    finding: &Finding,
    totals: &Totals,
    counted: &foldhash::HashSet<&str>,
    unit_anomalies: &[Anomaly],
    roster: &Roster,
) -> Option<(String, bool)> {
    let broken: BTreeSet<&str> = unit_anomalies
        .iter()
        .filter(|a| {
            a.rule == finding.rule
                && a.finding.fields == finding.fields
                && counted.contains(a.source_file.as_str())
        })
        .map(|a| a.unit_name.as_str())
        .collect();
    let unknown: BTreeSet<&str> = finding
        .fields
        .iter()
        .flat_map(|f| &totals.unknown[f])
        .map(|&u| roster.units[u].name.as_str())
        .collect();
    if broken.is_empty() && !unknown.is_empty() {
        return None;
    }
    let repeats_units = !broken.is_empty() || !unknown.is_empty();
    let mut parts = Vec::new();
    if !broken.is_empty() {
        parts.push(format!(
            "原因在于以下单位自身的表不符：{}",
            some_of(&broken)
        ));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "另有以下单位的相关数值无法读取、未计入合计：{}",
            some_of(&unknown)
        ));
    }
    if repeats_units {
        parts.push("此项随上述单位的问题而来，列出以便核对，不另计入错误、警告数".into());
    } else {
        parts.push("各单位自身的表均相符，请核对汇总".into());
    }
    Some((parts.join("；"), repeats_units))
}

/// Units named in a message: the first twenty, then how many more, so that a province's
/// message stays readable (and within a spreadsheet cell's 32,767 characters).
fn some_of(names: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 20;
    let first: Vec<&str> = names.iter().take(SHOWN).copied().collect();
    if names.len() > SHOWN {
        format!("{} 等 {} 个单位", first.join("、"), names.len())
    } else {
        first.join("、")
    }
}
