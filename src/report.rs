//! The data of the report pages: per unit, its values as shown, the anomalies of each cell,
//! its key figures beside the county's (and last year's); for the county, the chart series
//! and the lists an office works from. `output::html` only renders this.

use std::collections::HashMap;

use crate::check::review::Resolved;
use crate::check::{Anomaly, ReviewOutcome, StatusCounts};
use crate::normalize::{Submission, Value};
use crate::prior::Prior;
use crate::rollup::{key_figures, LeftOut, Rollup, Tally, KEY_FIGURES, OUTCOME_FIGURES};
use crate::roster::{Roster, UnitIdx};
use crate::schema::{self, FIELD_COUNT};
use crate::text::format_number;

/// One key figure of a unit beside the county's.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRow {
    pub label: &'static str,
    pub unit: Option<f64>,
    pub last_year: Option<f64>,
    pub county: f64,
    /// The unit's share of the county, 0–1, where both are known and the county's is not 0.
    pub share: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct UnitPage<'a> {
    pub id: String,
    pub name: String,
    pub unit_type: String,
    pub year: Option<i32>,
    pub source_file: String,
    /// Why the submission is not in the totals, if it is not.
    pub left_out: Option<LeftOut>,
    /// Each field as the page shows it: the number, 0 for a blank, the text as written.
    pub shown: Vec<String>,
    /// For each field, the numbers (1-based, in `anomalies`) of the anomalies pointing at it.
    pub marks: Vec<Vec<usize>>,
    /// Fields an anomaly read without pointing at them (the parts of a broken total).
    pub involved: Vec<bool>,
    pub anomalies: Vec<&'a Anomaly>,
    pub key: Vec<KeyRow>,
    pub has_prior: bool,
}

/// What the pages need of a run, indexed once: a page is then built in time independent of
/// the county's size, so that pages can be made one at a time, in parallel.
pub struct Pages<'a> {
    submissions: &'a [Submission],
    rollup: &'a Rollup,
    roster: &'a Roster,
    prior: Option<&'a Prior>,
    county_key: Vec<Option<f64>>,
    /// Each roster unit's page submission: the one counted, else its first.
    shown_submission: Vec<Option<usize>>,
    /// Anomalies by unit id, in the order of the anomaly list.
    by_unit: HashMap<&'a str, Vec<&'a Anomaly>>,
    anomalies: &'a [Anomaly],
}

impl<'a> Pages<'a> {
    pub fn new(
        submissions: &'a [Submission],
        rollup: &'a Rollup,
        anomalies: &'a [Anomaly],
        roster: &'a Roster,
        prior: Option<&'a Prior>,
    ) -> Self {
        let mut first: Vec<Option<usize>> = vec![None; roster.units.len()];
        for (i, s) in submissions.iter().enumerate() {
            if let Some(u) = s.unit {
                first[u].get_or_insert(i);
            }
        }
        let shown_submission = first
            .iter()
            .enumerate()
            .map(|(u, f)| rollup.counted[u].or(*f))
            .collect();
        let mut by_unit: HashMap<&str, Vec<&Anomaly>> = HashMap::new();
        for a in anomalies {
            by_unit.entry(a.unit_id.as_str()).or_default().push(a);
        }
        Pages {
            submissions,
            rollup,
            roster,
            prior,
            county_key: key_figures(|f| Some(rollup.county.values[f])),
            shown_submission,
            by_unit,
            anomalies,
        }
    }

    /// The page of a roster unit, if it submitted.
    pub fn unit(&self, u: UnitIdx) -> Option<UnitPage<'a>> {
        let unit = &self.roster.units[u];
        let i = self.shown_submission[u]?;
        let s = &self.submissions[i];
        let mine: Vec<&Anomaly> = self
            .by_unit
            .get(unit.id.as_str())
            .map_or(Vec::new(), |all| {
                all.iter()
                    .copied()
                    .filter(|a| a.source_file == s.source_file)
                    .collect()
            });
        let mut marks = vec![Vec::new(); FIELD_COUNT];
        let mut involved = vec![false; FIELD_COUNT];
        for (n, a) in mine.iter().enumerate() {
            // Blanks are listed, not marked: a mark on every empty cell would drown it.
            if a.rule == "VALUE.BLANK" {
                continue;
            }
            // The cell the anomaly points at gets its number; the others it read, a tint.
            let at = a.finding.location.as_ref();
            let pointed = a
                .finding
                .fields
                .iter()
                .find(|&f| at.is_some() && s.location(f).as_ref() == at);
            match pointed {
                Some(f) => {
                    marks[f].push(n + 1);
                    for other in a.finding.fields.iter() {
                        involved[other] |= other != f;
                    }
                }
                None => a.finding.fields.iter().for_each(|f| marks[f].push(n + 1)),
            }
        }
        let last = self
            .prior
            .zip(self.rollup.year)
            .and_then(|(p, y)| p.report(&unit.id, y - 1));
        let unit_key = key_figures(|f| s.values.number(f));
        let last_key = last.map(|l| key_figures(|f| l.value(f)));
        let key = KEY_FIGURES
            .iter()
            .enumerate()
            .map(|(k, (label, _))| KeyRow {
                label,
                unit: unit_key[k],
                last_year: last_key.as_ref().and_then(|l| l[k]),
                county: self.county_key[k].unwrap_or(0.0),
                // A submission left out of the totals has no share of them.
                share: unit_key[k]
                    .zip(self.county_key[k])
                    .filter(|(_, c)| *c > 0.0 && self.rollup.left_out[i].is_none())
                    .map(|(u, c)| u / c),
            })
            .collect();
        Some(UnitPage {
            id: unit.id.clone(),
            name: unit.name.clone(),
            unit_type: unit.unit_type.clone(),
            year: s.year,
            source_file: s.source_file.clone(),
            left_out: self.rollup.left_out[i],
            shown: s.values.iter().map(|v| shown(&v)).collect(),
            marks,
            involved,
            anomalies: mine,
            key,
            has_prior: last.is_some(),
        })
    }

    /// The county overview.
    pub fn county(
        &self,
        unreadable: &[crate::check::UnreadableFile],
        review: &ReviewOutcome,
    ) -> CountyPage<'a> {
        let (submissions, rollup, roster, anomalies) =
            (self.submissions, self.rollup, self.roster, self.anomalies);
        // Counted like the unit's page: the anomalies of the submission it shows, and those
        // about the unit itself (UNIT.MISSING has no file). 误报 and 已说明 are not open.
        let mine = |u: UnitIdx| -> Vec<&Anomaly> {
            let shown = self.shown_submission[u].map(|i| submissions[i].source_file.as_str());
            self.by_unit
                .get(roster.units[u].id.as_str())
                .map_or(Vec::new(), |all| {
                    all.iter()
                        .copied()
                        .filter(|a| {
                            a.source_file.is_empty() || Some(a.source_file.as_str()) == shown
                        })
                        .collect()
                })
        };
        let received = schema::field("apply.received.total");
        let mut units: Vec<UnitLine> = roster
            .units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                let left_out = match (rollup.counted[u], self.shown_submission[u]) {
                    (None, Some(i)) => rollup.left_out[i],
                    _ => None,
                };
                let status = match (rollup.counted[u], left_out) {
                    (Some(_), _) => "计入",
                    (None, Some(why)) => why.label(),
                    (None, None) => "未报送",
                };
                let counts = StatusCounts::of(mine(u));
                UnitLine {
                    left_out,
                    id: &unit.id,
                    name: &unit.name,
                    unit_type: &unit.unit_type,
                    errors: counts.open_errors,
                    warnings: counts.open_warnings,
                    review: counts,
                    status,
                    has_page: self.shown_submission[u].is_some(),
                    received: rollup.counted[u]
                        .and_then(|i| submissions[i].values.number(received)),
                }
            })
            .collect();
        units.sort_by(|a, b| b.errors.cmp(&a.errors).then_with(|| a.id.cmp(b.id)));
        let key: Vec<(&'static str, f64)> = KEY_FIGURES
            .iter()
            .zip(&self.county_key)
            .map(|((label, _), v)| (*label, v.unwrap_or(0.0)))
            .collect();
        // The counted units whose value in a key figure could not be read: its sum lacks them.
        let key_incomplete: Vec<usize> = KEY_FIGURES
            .iter()
            .map(|(_, ids)| {
                let mut lacking: Vec<usize> = ids
                    .iter()
                    .flat_map(|id| &rollup.county.unknown[schema::field(id)])
                    .copied()
                    .collect();
                lacking.sort_unstable();
                lacking.dedup();
                lacking.len()
            })
            .collect();
        let litigation = schema::LITIGATION_GROUPS
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let leaves = schema::LITIGATION_COLUMNS[..schema::LITIGATION_COLUMNS.len() - 1]
                    .iter()
                    .enumerate()
                    .map(|(l, leaf)| {
                        (
                            leaf.label,
                            rollup.county.values[schema::litigation_index(g, l)],
                        )
                    })
                    .collect();
                (group.label, leaves)
            })
            .collect();
        // The units the totals add up (a level is compared with its units, not added), as
        // the run's summary counts them: counted, sent a report that is left out, or none.
        let counts = rollup.tally(roster);
        let units_left_out = LeftOut::count(
            (0..roster.units.len())
                .filter(|&u| !roster.is_parent(u))
                .filter_map(|u| match (rollup.counted[u], self.shown_submission[u]) {
                    (None, Some(i)) => rollup.left_out[i],
                    _ => None,
                }),
        );
        let left_out_units: usize = units_left_out.iter().map(|(_, n)| n).sum();
        CountyPage {
            units_missing: counts.missing_units() - left_out_units,
            units_left_out,
            year: rollup.year,
            totals: counts,
            errors: review.counts.open_errors,
            warnings: review.counts.open_warnings,
            review: review.counts,
            resolved: review.resolved.clone(),
            review_warnings: review.warnings.clone(),
            review_files: review.files.clone(),
            outcomes: key[OUTCOME_FIGURES].to_vec(),
            key,
            key_incomplete,
            units,
            litigation,
            left_out: submissions
                .iter()
                .zip(&rollup.left_out)
                .filter_map(|(s, why)| {
                    let name = s.unit.map_or(&s.claimed_unit, |u| &roster.units[u].name);
                    why.map(|w| (s.source_file.clone(), name.clone(), w.describe()))
                })
                .collect(),
            unreadable: unreadable
                .iter()
                .map(|f| (f.source_file.clone(), f.reason.clone()))
                .collect(),
            totals_anomalies: anomalies
                .iter()
                .filter(|a| a.source_file == crate::check::TOTALS_SOURCE)
                .cloned()
                .collect(),
        }
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Number(n) => format_number(*n),
        Value::Blank => "0".into(),
        Value::NotNumber(text) => text.to_string(),
        Value::Missing => "缺".into(),
    }
}

/// A unit in the county overview.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitLine<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub unit_type: &'a str,
    /// Open errors and warnings: not marked 误报 or 已说明.
    pub errors: usize,
    pub warnings: usize,
    /// Its errors and warnings by review status.
    pub review: StatusCounts,
    /// 计入 or why not (the reason's short label); 未报送 for a unit without a readable
    /// submission.
    pub status: &'static str,
    /// Why the submission its page shows is not in the totals, if it submitted and is not.
    pub left_out: Option<LeftOut>,
    pub has_page: bool,
    pub received: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct CountyPage<'a> {
    pub year: Option<i32>,
    /// The units the totals add up and count, and the reports left out, as the run's summary
    /// says them.
    pub totals: Tally,
    /// Roster units without a readable submission.
    pub units_missing: usize,
    /// Roster units that submitted but are not in the totals, by the reason of the
    /// submission their page shows.
    pub units_left_out: Vec<(LeftOut, usize)>,
    /// Open errors and warnings of the whole run: not marked 误报 or 已说明.
    pub errors: usize,
    pub warnings: usize,
    /// The run's errors and warnings by review status.
    pub review: StatusCounts,
    /// Decisions whose anomaly no longer occurs.
    pub resolved: Vec<Resolved>,
    /// Review lines that could not be applied.
    pub review_warnings: Vec<String>,
    /// The review files read; an empty one is not counted.
    pub review_files: Vec<String>,
    pub key: Vec<(&'static str, f64)>,
    /// For each of `key`, how many counted units' values in it could not be read.
    pub key_incomplete: Vec<usize>,
    /// Units, most errors first, then by id: borrowed from the roster (a province lists
    /// 100,000).
    pub units: Vec<UnitLine<'a>>,
    /// The outcomes of applications in the county: label, count.
    pub outcomes: Vec<(&'static str, f64)>,
    /// Table 四 per group: the group's label and its four results.
    pub litigation: Vec<(&'static str, Vec<(&'static str, f64)>)>,
    /// Submissions left out of the totals: file, unit as named, why.
    pub left_out: Vec<(String, String, &'static str)>,
    /// Files that could not be read: file, reason.
    pub unreadable: Vec<(String, String)>,
    /// Anomalies of the county's and the unit types' totals.
    pub totals_anomalies: Vec<Anomaly>,
}
