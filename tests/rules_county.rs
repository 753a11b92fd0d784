//! A built county in which every problem of the demo generator is injected once: the run
//! must find exactly the expected (rule, unit) pairs, nothing more, with and without
//! last year's data.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::temp_dir;
use nianbao::cmd::run::{run, RunOptions};
use nianbao::demo::{self, Problem, Rng};
use nianbao::layout::Style;

type Pairs = BTreeSet<(String, String)>;

fn build(dir: &Path) -> Vec<demo::PlannedUnit> {
    let problems: Vec<Option<Problem>> = Problem::ALL.iter().copied().map(Some).collect();
    let planned =
        demo::write_county(dir, Problem::ALL.len() + 6, 11, 2024, &problems, false).unwrap();
    // And a unit that is not on the roster.
    let mut rng = Rng::new(3);
    let values = demo::consistent_report(&mut rng);
    let t = nianbao::layout::layout("某某乡", 2024, &values, &Style::official());
    std::fs::write(dir.join("inputs/某某乡2024年报.xlsx"), demo::xlsx_bytes(&t)).unwrap();
    planned
}

fn expected(planned: &[demo::PlannedUnit], with_prior: bool) -> Pairs {
    let mut pairs = Pairs::new();
    for unit in planned {
        let rules = unit.problem.map_or(&[][..], Problem::rules);
        for rule in rules {
            let needs_prior = rule.starts_with("XYEAR.") || *rule == "T2.REPEALED";
            if with_prior || !needs_prior {
                pairs.insert((rule.to_string(), unit.id.clone()));
            }
            // A counted unit's broken identity breaks the county's and its type's totals.
            if nianbao::check::rule(rule).is_some_and(|r| r.on_totals) {
                pairs.insert((rule.to_string(), "全县合计".into()));
                pairs.insert((rule.to_string(), format!("{}合计", unit.unit_type)));
            }
        }
        let read = !matches!(
            unit.problem,
            Some(Problem::NoSubmission | Problem::Unreadable)
        );
        if unit.has_blanks && read {
            pairs.insert(("VALUE.BLANK".into(), unit.id.clone()));
        }
    }
    pairs.insert(("UNIT.UNKNOWN".into(), "某某乡".into()));
    pairs
}

fn found(dir: &Path, prior: bool) -> Pairs {
    let out = dir.join(if prior { "out-prior" } else { "out" });
    run(&RunOptions {
        inputs: dir.join("inputs"),
        config: dir.join("config"),
        out: out.clone(),
        year: None,
        prior: prior.then(|| dir.join("config/normalized-2023.csv")),
        jobs: Some(2),
    })
    .unwrap();
    let bytes = std::fs::read(out.join("anomalies.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let unit = if r[2].is_empty() { &r[3] } else { &r[2] };
            (r[1].to_string(), unit.to_string())
        })
        .collect()
}

fn assert_same(found: &Pairs, expected: &Pairs) {
    let extra: Vec<_> = found.difference(expected).collect();
    let missed: Vec<_> = expected.difference(found).collect();
    assert!(
        extra.is_empty() && missed.is_empty(),
        "false alarms: {extra:?}\nmissed: {missed:?}"
    );
}

#[test]
fn every_injected_problem_is_found_and_nothing_else() {
    let dir = temp_dir("rules-county");
    let planned = build(&dir);
    assert_same(&found(&dir, true), &expected(&planned, true));
    assert_same(&found(&dir, false), &expected(&planned, false));
    // The county's total is listed before the unit types' totals.
    let list = std::fs::read_to_string(dir.join("out/anomalies.csv")).unwrap();
    let first = |name: &str| list.find(&format!(",{name},")).unwrap();
    assert!(first("全县合计") < first("乡镇合计"));
}

#[test]
fn every_checked_rule_is_exercised_by_the_built_county() {
    let mut covered: BTreeSet<&str> = Problem::ALL
        .iter()
        .flat_map(|p| p.rules())
        .copied()
        .collect();
    covered.extend(["UNIT.UNKNOWN", "VALUE.BLANK"]);
    // The demo county's workbooks and CSVs have no narrative to disagree with its tables:
    // TEXT.MISMATCH is tested on narratives in check::narrative.
    covered.insert("TEXT.MISMATCH");
    // A flat roster has no levels: TOTAL.REPORTED is tested on a three-level one in
    // tests/levels.rs.
    covered.insert("TOTAL.REPORTED");
    for rule in nianbao::check::RULES
        .iter()
        .filter(|r| r.severity.is_some())
    {
        assert!(covered.contains(rule.id), "{} is not injected", rule.id);
    }
}
