//! Stage 6: the county's totals, and each unit type's, over the submissions that count.
//!
//! A roster unit counts when it has exactly one readable submission of the year being
//! rolled up; it counts as it reported, errors and all. A value that could not be read adds
//! nothing, and the totals remember which units left it unknown. Submissions of units not
//! on the roster, of another year, and both of a duplicated pair are left out.

use crate::normalize::Submission;
use crate::roster::{Roster, UnitIdx};
use crate::schema::{self, FIELD_COUNT};

/// The name of the county's totals; each unit type's are named after the type.
pub const COUNTY: &str = "全县";

/// How a set of totals is named where a unit's name would stand (anomalies, sheets):
/// 全县合计, 乡镇合计…
pub fn total_name(name: &str) -> String {
    format!("{name}合计")
}

/// Sums over a set of units.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// What the sums are of: 全县 or a unit type.
    pub name: String,
    pub values: Vec<f64>,
    /// For each field, the counted units whose value is unknown (not in the sum).
    pub unknown: Vec<Vec<UnitIdx>>,
    /// The roster units whose submissions are in the sums (each one's is
    /// [`Rollup::counted`]).
    pub units: Vec<UnitIdx>,
}

impl Totals {
    fn new(name: String) -> Self {
        Totals {
            name,
            values: vec![0.0; FIELD_COUNT],
            unknown: vec![Vec::new(); FIELD_COUNT],
            units: Vec::new(),
        }
    }

    /// Adds `unit`'s report, whose fields count as `numbers` (each field's
    /// [`Values::number`](crate::normalize::Values::number), read once for all the totals
    /// the unit is in).
    fn add(&mut self, unit: UnitIdx, numbers: &[Option<f64>; FIELD_COUNT]) {
        self.units.push(unit);
        for (f, n) in numbers.iter().enumerate() {
            match n {
                Some(n) => self.values[f] += n,
                None => self.unknown[f].push(unit),
            }
        }
    }

    /// Sums of decimals (the fee) carry binary noise: 0.1 + 0.2. Six places are exact
    /// for any amount a report states.
    fn round(&mut self) {
        for v in &mut self.values {
            *v = (*v * 1e6).round() / 1e6;
        }
    }
}

/// Why a submission is not in the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOut {
    NotOnRoster,
    OtherYear,
    Duplicate,
    /// A document (the Word report, its web page or PDF) sent with the same unit's workbook:
    /// the workbook counts, the document is compared with it.
    Companion,
    /// The report of a unit that is a level of the rollup (a county sending its own
    /// totals): compared with the sum of its units, never added to it.
    OwnTotals,
}

impl LeftOut {
    /// How many of `reasons` are each reason, in a fixed order, those with none left out.
    pub fn count(reasons: impl IntoIterator<Item = LeftOut>) -> Vec<(LeftOut, usize)> {
        use LeftOut::*;
        let mut counts = [NotOnRoster, OtherYear, Duplicate, Companion, OwnTotals].map(|w| (w, 0));
        for why in reasons {
            if let Some((_, n)) = counts.iter_mut().find(|(w, _)| *w == why) {
                *n += 1;
            }
        }
        counts.into_iter().filter(|&(_, n)| n > 0).collect()
    }

    /// A few words, for counts and lists: 重复报送 2 份.
    pub fn label(self) -> &'static str {
        match self {
            LeftOut::NotOnRoster => "不在名单中",
            LeftOut::OtherYear => "年度不符",
            LeftOut::Duplicate => "重复报送",
            LeftOut::Companion => "随报表报送的文档",
            LeftOut::OwnTotals => "上级单位自报的合计",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            LeftOut::NotOnRoster => "单位不在名单中，不计入汇总",
            LeftOut::OtherYear => "不是本次汇总的年度，不计入汇总",
            LeftOut::Duplicate => "同一单位有多份报告，均不计入汇总",
            LeftOut::Companion => {
                "与同一单位的 Excel 报表一同报送的文档：以报表的数字计入汇总，文档与报表逐格比较"
            }
            LeftOut::OwnTotals => "上级单位自报的合计：与其下属单位之和比较，不重复计入汇总",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rollup {
    pub year: Option<i32>,
    pub county: Totals,
    /// One per unit type, in roster order of first appearance.
    pub by_type: Vec<Totals>,
    /// One per level: each roster unit that is another's parent (a county, a city), over
    /// the units below it, in roster order; named after the unit.
    pub by_level: Vec<Totals>,
    /// The reports the levels sent of their own, to compare with their sums.
    pub reported: Vec<ReportedTotals>,
    /// For each submission (same order as the input), counted (`None`) or why not.
    pub left_out: Vec<Option<LeftOut>>,
    /// For each roster unit, the submission counted for it.
    pub counted: Vec<Option<usize>>,
}

/// A level's own report: which of [`Rollup::by_level`] it is, and its values.
#[derive(Debug, Clone)]
pub struct ReportedTotals {
    pub level: usize,
    pub unit: UnitIdx,
    pub source_file: String,
    pub values: Vec<Option<f64>>,
}

/// How many units the totals count, and why reports were not counted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Roster units whose report is in the totals.
    pub counted_units: usize,
    /// Roster units the totals add up: all but the levels, which are compared, not added.
    pub expected_units: usize,
    /// Reports read but not counted, by reason ([`LeftOut::label`]), in a fixed order.
    pub left_out: Vec<(&'static str, usize)>,
}

impl Tally {
    /// Units of the roster with no report counted (none sent, or only uncounted ones).
    pub fn missing_units(&self) -> usize {
        self.expected_units - self.counted_units
    }

    /// Reports read but not counted.
    pub fn left_out_reports(&self) -> usize {
        self.left_out.iter().map(|(_, n)| n).sum()
    }

    /// Why, in Chinese: `不在名单中 2 份、年度不符 1 份` with `、` as `separator`.
    pub fn left_out_zh(&self, separator: &str) -> String {
        let why: Vec<String> = self
            .left_out
            .iter()
            .map(|(label, n)| format!("{label} {n} 份"))
            .collect();
        why.join(separator)
    }
}

impl Rollup {
    pub fn tally(&self, roster: &Roster) -> Tally {
        let left_out = LeftOut::count(self.left_out.iter().flatten().copied())
            .into_iter()
            .map(|(why, n)| (why.label(), n))
            .collect();
        Tally {
            counted_units: self.counted.iter().flatten().count(),
            expected_units: (0..roster.units.len())
                .filter(|&u| !roster.is_parent(u))
                .count(),
            left_out,
        }
    }

    /// The totals below the county's, as the outputs list them: unit types, then levels.
    pub fn parts(&self) -> impl Iterator<Item = &Totals> {
        self.by_type.iter().chain(&self.by_level)
    }
}

/// Documents sent beside their unit's workbook, each with that workbook: for every roster
/// unit whose reports of `year` are one workbook (or CSV) and one or more documents (the
/// Word report, its web page or PDF, as offices ask for both). `(document, workbook)`, as
/// indices into `submissions`.
pub fn companions(submissions: &[Submission], year: Option<i32>) -> Vec<(usize, usize)> {
    let mut per_unit: std::collections::BTreeMap<UnitIdx, Vec<usize>> = Default::default();
    for (i, s) in submissions.iter().enumerate() {
        if let Some(u) = s.unit.filter(|_| s.year.is_some() && s.year == year) {
            per_unit.entry(u).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for subs in per_unit.values().filter(|s| s.len() > 1) {
        let (documents, workbooks): (Vec<usize>, Vec<usize>) =
            subs.iter().partition(|&&i| submissions[i].is_document());
        if let ([workbook], false) = (workbooks.as_slice(), documents.is_empty()) {
            pairs.extend(documents.iter().map(|&d| (d, *workbook)));
        }
    }
    pairs
}

pub fn roll_up(submissions: &[Submission], roster: &Roster, year: Option<i32>) -> Rollup {
    let mut per_unit: Vec<Vec<usize>> = vec![Vec::new(); roster.units.len()];
    let mut left_out: Vec<Option<LeftOut>> = vec![None; submissions.len()];
    let companion: Vec<usize> = companions(submissions, year).iter().map(|p| p.0).collect();
    for (i, s) in submissions.iter().enumerate() {
        match s.unit {
            _ if companion.contains(&i) => left_out[i] = Some(LeftOut::Companion),
            None => left_out[i] = Some(LeftOut::NotOnRoster),
            Some(_) if s.year.is_none() || s.year != year => left_out[i] = Some(LeftOut::OtherYear),
            Some(u) => per_unit[u].push(i),
        }
    }
    // The types of the units summed: a level's own type (县, 市) has no column.
    let types: Vec<&str> = roster
        .types()
        .into_iter()
        .filter(|t| {
            (0..roster.units.len()).any(|u| roster.units[u].unit_type == *t && !roster.is_parent(u))
        })
        .collect();
    let mut county = Totals::new(COUNTY.into());
    let mut by_type: Vec<Totals> = types.iter().map(|t| Totals::new((*t).into())).collect();
    let mut counted = vec![None; roster.units.len()];
    let levels: Vec<UnitIdx> = roster.parents().collect();
    let mut by_level: Vec<Totals> = levels
        .iter()
        .map(|&u| Totals::new(roster.units[u].name.clone()))
        .collect();
    let mut reported = Vec::new();
    for (u, subs) in per_unit.iter().enumerate() {
        match subs.as_slice() {
            [one] if roster.is_parent(u) => {
                left_out[*one] = Some(LeftOut::OwnTotals);
                let s = &submissions[*one];
                reported.push(ReportedTotals {
                    level: levels.iter().position(|&l| l == u).expect("a parent"),
                    unit: u,
                    source_file: s.source_file.clone(),
                    values: (0..FIELD_COUNT).map(|f| s.values.number(f)).collect(),
                });
            }
            [one] => {
                let s = &submissions[*one];
                let numbers: [Option<f64>; FIELD_COUNT] =
                    std::array::from_fn(|f| s.values.number(f));
                for level in roster.ancestors(u) {
                    let l = levels.iter().position(|&p| p == level).expect("a parent");
                    by_level[l].add(u, &numbers);
                }
                counted[u] = Some(*one);
                county.add(u, &numbers);
                let t = types
                    .iter()
                    .position(|t| *t == roster.units[u].unit_type)
                    .expect("every unit's type is listed");
                by_type[t].add(u, &numbers);
            }
            many => {
                for &i in many {
                    left_out[i] = Some(LeftOut::Duplicate);
                }
            }
        }
    }
    county.round();
    by_type.iter_mut().for_each(Totals::round);
    by_level.iter_mut().for_each(Totals::round);
    Rollup {
        year,
        county,
        by_type,
        by_level,
        reported,
        left_out,
        counted,
    }
}

/// The figures a report page compares with the county: a label and the fields summed.
/// Entries 1 to 6 are the outcomes of applications, in the order of table 三.
pub const KEY_FIGURES: &[(&str, &[&str])] = &[
    ("本年新收申请", &["apply.received.total"]),
    ("予以公开", &["apply.granted.total"]),
    ("部分公开", &["apply.partial.total"]),
    (
        "不予公开",
        &[
            "apply.denied_secret.total",
            "apply.denied_law.total",
            "apply.denied_safety.total",
            "apply.denied_third_party.total",
            "apply.denied_internal.total",
            "apply.denied_process.total",
            "apply.denied_enforcement.total",
            "apply.denied_query.total",
        ],
    ),
    (
        "无法提供",
        &[
            "apply.unable_not_held.total",
            "apply.unable_needs_creation.total",
            "apply.unable_unclear.total",
        ],
    ),
    (
        "不予处理",
        &[
            "apply.rejected_petition.total",
            "apply.rejected_duplicate.total",
            "apply.rejected_publication.total",
            "apply.rejected_abusive.total",
            "apply.rejected_confirm.total",
        ],
    ),
    (
        "其他处理",
        &[
            "apply.other_no_correction.total",
            "apply.other_no_fee.total",
            "apply.other_other.total",
        ],
    ),
    ("行政复议", &["review.total"]),
    (
        "行政诉讼",
        &["suit_direct.total", "suit_after_review.total"],
    ),
    ("行政处罚", &["active.penalty.decisions"]),
];

/// Which of [`KEY_FIGURES`] are the outcomes of applications.
pub const OUTCOME_FIGURES: std::ops::Range<usize> = 1..7;

/// The key figures of a report, `None` where a field they need is unknown.
pub fn key_figures(value: impl Fn(usize) -> Option<f64>) -> Vec<Option<f64>> {
    KEY_FIGURES
        .iter()
        .map(|(_, ids)| ids.iter().map(|id| value(schema::field(id))).sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Value, Values};

    fn submission(unit: Option<usize>, year: i32, penalty: Value) -> Submission {
        let mut values = Values::all(1.0);
        values.set(
            schema::index_of("active.penalty.decisions").unwrap(),
            penalty,
        );
        values.set(
            schema::index_of("active.fee.amount_wan").unwrap(),
            Value::Number(0.1),
        );
        Submission::of_values(&format!("{unit:?}-{year}.xlsx"), unit, "x", year, values)
    }

    #[test]
    fn only_units_with_exactly_one_submission_of_the_year_count() {
        let roster = Roster::parse(
            "unit_id,name,type,aliases\na,甲镇,乡镇,\nb,乙镇,乡镇,\nc,丙局,县直部门,\nd,丁局,县直部门,\n",
        )
        .unwrap();
        let subs = vec![
            submission(Some(0), 2024, Value::Number(5.0)),
            submission(Some(1), 2024, Value::NotNumber(Box::new("约5".into()))),
            submission(Some(2), 2024, Value::Blank),
            submission(Some(3), 2024, Value::Number(7.0)),
            submission(Some(3), 2024, Value::Number(7.0)),
            submission(Some(2), 2023, Value::Number(9.0)),
            submission(None, 2024, Value::Number(11.0)),
        ];
        let r = roll_up(&subs, &roster, Some(2024));
        let penalty = schema::index_of("active.penalty.decisions").unwrap();
        let fee = schema::index_of("active.fee.amount_wan").unwrap();
        assert_eq!(r.county.values[penalty], 5.0);
        assert_eq!(r.county.unknown[penalty], vec![1]);
        assert_eq!(
            r.county.values[fee], 0.3,
            "rounded, not 0.30000000000000004"
        );
        assert_eq!(r.county.values[0], 3.0);
        assert_eq!(r.by_type[0].name, "乡镇");
        assert_eq!(r.by_type[0].values[penalty], 5.0);
        assert_eq!(r.by_type[1].values[0], 1.0);
        assert_eq!(r.counted, vec![Some(0), Some(1), Some(2), None]);
        use LeftOut::*;
        assert_eq!(
            r.left_out,
            vec![
                None,
                None,
                None,
                Some(Duplicate),
                Some(Duplicate),
                Some(OtherYear),
                Some(NotOnRoster)
            ]
        );
    }

    #[test]
    fn key_figures_sum_their_fields() {
        let figures = key_figures(|f| Some(if f == 0 { 0.0 } else { 1.0 }));
        assert_eq!(figures[0], Some(1.0));
        assert_eq!(figures[3], Some(8.0), "eight kinds of 不予公开");
        assert!(key_figures(|_| None).iter().all(Option::is_none));
    }
}
