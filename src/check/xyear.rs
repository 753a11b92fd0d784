//! Rules across years: this year's report against the same unit's report of last year.
//! Each runs only where `--prior` has the unit.

use super::{FieldList, Finding, Report};
use crate::schema::{
    self, apply_col_name, apply_row, display_name, Kind, APPLY_COLUMNS, FIELD_COUNT,
};
use crate::text::format_number;

/// XYEAR.CARRY: 二、上年结转 equals last year's 四、结转下年度继续办理, per column.
pub fn xyear_carry(report: &Report) -> Vec<Finding> {
    let Some(prior) = report.prior else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for c in 0..APPLY_COLUMNS.len() {
        let carried_in = schema::apply_index(apply_row("carried_in"), c);
        let carried_out = schema::apply_index(apply_row("carried_out"), c);
        let (Some(now), Some(then)) = (report.values.number(carried_in), prior.value(carried_out))
        else {
            continue;
        };
        if now != then {
            found.push(Finding {
                rule: "XYEAR.CARRY",
                location: report.location(carried_in),
                fields: vec![carried_in, carried_out].into(),
                expected: format_number(then),
                actual: format_number(now),
                message: format!(
                    "表三“{}”列：二、上年结转 {}，上年报告的四、结转下年度继续办理为 {}",
                    apply_col_name(c),
                    format_number(now),
                    format_number(then)
                ),
            });
        }
    }
    found
}

/// XYEAR.IN_FORCE: 现行有效 = last year's 现行有效 + 本年制发 − 本年废止.
pub fn xyear_in_force(report: &Report) -> Vec<Finding> {
    let Some(prior) = report.prior else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (item, name) in [("regulation", "规章"), ("normative", "行政规范性文件")] {
        let field = |c: &str| schema::field(&format!("active.{item}.{c}"));
        let (issued, repealed, in_force) = (field("issued"), field("repealed"), field("in_force"));
        let number = |f: usize| report.values.number(f);
        let (Some(last), Some(new), Some(gone), Some(now)) = (
            prior.value(in_force),
            number(issued),
            number(repealed),
            number(in_force),
        ) else {
            continue;
        };
        let expected = last + new - gone;
        if now != expected {
            found.push(Finding {
                rule: "XYEAR.IN_FORCE",
                location: report.location(in_force),
                fields: vec![in_force, issued, repealed].into(),
                expected: format_number(expected),
                actual: format_number(now),
                message: format!(
                    "{name}现行有效 {}，应为上年现行有效 {} + 本年制发 {} − 本年废止 {} = {}",
                    format_number(now),
                    format_number(last),
                    format_number(new),
                    format_number(gone),
                    format_number(expected)
                ),
            });
        }
    }
    found
}

/// XYEAR.COPIED: every number as last year, though not all 0.
pub fn xyear_copied(report: &Report) -> Vec<Finding> {
    let Some(prior) = report.prior else {
        return Vec::new();
    };
    let pairs: Vec<(f64, f64)> = (0..FIELD_COUNT)
        .filter_map(|f| Some((report.values.number(f)?, prior.value(f)?)))
        .collect();
    // Comparable on most fields, equal on all of them, and not an all-zero report.
    let copied = pairs.len() * 2 > FIELD_COUNT
        && pairs.iter().all(|(a, b)| a == b)
        && pairs.iter().any(|(a, _)| *a != 0.0);
    if !copied {
        return Vec::new();
    }
    vec![Finding {
        rule: "XYEAR.COPIED",
        location: None,
        fields: FieldList::default(),
        expected: "与上年不同的数字".into(),
        actual: format!("{} 个数字与上年完全相同", pairs.len()),
        message: format!(
            "全部 {} 个数字与上年报告完全相同（且不全为 0），疑似照抄上年报告",
            pairs.len()
        ),
    }]
}

/// XYEAR.JUMP: a count more than `jump_factor` times last year's or less than its inverse.
pub fn xyear_jump(report: &Report) -> Vec<Finding> {
    let Some(prior) = report.prior else {
        return Vec::new();
    };
    let t = report.thresholds;
    let fields = schema::fields();
    let mut found = Vec::new();
    for (f, v) in report.values.iter().enumerate() {
        let (Some(now), Some(then)) = (v.number(), prior.value(f)) else {
            continue;
        };
        if fields[f].kind != Kind::Count || now.max(then) < t.jump_floor {
            continue;
        }
        if now > then * t.jump_factor || now * t.jump_factor < then {
            found.push(Finding {
                rule: "XYEAR.JUMP",
                location: report.location(f),
                fields: vec![f].into(),
                expected: if then == 0.0 {
                    "上年为 0".to_string()
                } else {
                    format!(
                        "上年 {} 的 1/{factor}～{factor} 倍",
                        format_number(then),
                        factor = format_number(t.jump_factor)
                    )
                },
                actual: format_number(now),
                message: format!(
                    "{} 由上年 {} 变为 {}，变化超过 {} 倍，请核实",
                    display_name(f),
                    format_number(then),
                    format_number(now),
                    format_number(t.jump_factor)
                ),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{prior_of, report_of, with, with_prior};

    #[test]
    fn carried_applications_must_match_last_year() {
        let v = with(&[
            ("apply.carried_in.natural", 1.0),
            ("apply.carried_in.total", 1.0),
            ("apply.granted.natural", 1.0),
            ("apply.granted.total", 1.0),
            ("apply.handled_total.natural", 1.0),
            ("apply.handled_total.total", 1.0),
        ]);
        let p = prior_of(&[
            ("apply.carried_out.natural", 1.0),
            ("apply.carried_out.total", 1.0),
        ]);
        assert!(xyear_carry(&with_prior(&v, &p)).is_empty());
        let p = prior_of(&[
            ("apply.carried_out.natural", 2.0),
            ("apply.carried_out.total", 2.0),
        ]);
        let found = xyear_carry(&with_prior(&v, &p));
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("2", "1")
        );
        assert!(xyear_carry(&report_of(&v)).is_empty());
    }

    #[test]
    fn documents_in_force_follow_issuing_and_repealing() {
        let v = with(&[
            ("active.normative.issued", 3.0),
            ("active.normative.repealed", 1.0),
            ("active.normative.in_force", 22.0),
        ]);
        let ok = prior_of(&[("active.normative.in_force", 20.0)]);
        assert!(xyear_in_force(&with_prior(&v, &ok)).is_empty());
        let off = prior_of(&[("active.normative.in_force", 18.0)]);
        let found = xyear_in_force(&with_prior(&v, &off));
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("20", "22")
        );
    }

    #[test]
    fn a_copied_report_is_noticed_unless_all_zero() {
        let v = with(&[("active.penalty.decisions", 7.0)]);
        let same = prior_of(&[("active.penalty.decisions", 7.0)]);
        assert_eq!(xyear_copied(&with_prior(&v, &same)).len(), 1);
        let other = prior_of(&[("active.penalty.decisions", 8.0)]);
        assert!(xyear_copied(&with_prior(&v, &other)).is_empty());
        let zeros = with(&[]);
        let zero_prior = prior_of(&[]);
        assert!(xyear_copied(&with_prior(&zeros, &zero_prior)).is_empty());
    }

    #[test]
    fn jumps_above_the_floor_are_noted() {
        let v = with(&[
            ("active.penalty.decisions", 120.0),
            ("active.license.decisions", 4.0),
        ]);
        let p = prior_of(&[
            ("active.penalty.decisions", 12.0),
            ("active.license.decisions", 0.0),
        ]);
        let found = xyear_jump(&with_prior(&v, &p));
        assert_eq!(found.len(), 1, "4 from 0 is under the floor of 10");
        assert_eq!(found[0].actual, "120");
        assert_eq!(found[0].expected, "上年 12 的 1/5～5 倍");
    }
}
