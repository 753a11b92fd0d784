//! Warnings about numbers that are possible but unlikely; thresholds in nianbao.toml.

use super::{Finding, Report};
use crate::normalize::Value;
use crate::schema::field;
use crate::text::format_number;

/// T2.REGULATION_LEVEL: county-level units make no 规章.
pub fn t2_regulation_level(report: &Report) -> Vec<Finding> {
    let fields: Vec<usize> = ["issued", "repealed", "in_force"]
        .iter()
        .map(|c| field(&format!("active.regulation.{c}")))
        .collect();
    let nonzero: Vec<usize> = fields
        .iter()
        .copied()
        .filter(|&f| report.values.number(f).is_some_and(|n| n > 0.0))
        .collect();
    let Some(&first) = nonzero.first() else {
        return Vec::new();
    };
    let shown: Vec<String> = fields
        .iter()
        .map(|&f| {
            let n = report.values.number(f);
            n.map_or("?".into(), format_number)
        })
        .collect();
    vec![Finding {
        rule: "T2.REGULATION_LEVEL",
        location: report.location(first),
        fields: fields.into(),
        expected: "0".into(),
        actual: shown.join(" / "),
        message: format!(
            "报了规章（制发/废止/现行有效 {}）：乡镇和县直部门不制定规章，是否应填在“行政规范性文件”？",
            shown.join(" / ")
        ),
    }]
}

/// T2.FEE_UNIT: a fee that looks entered in 元 rather than 万元.
pub fn t2_fee_unit(report: &Report) -> Vec<Finding> {
    let f = field("active.fee.amount_wan");
    let max = report.thresholds.fee_wan_max;
    let (actual, why) = match report.values.get(f) {
        Value::Number(n) if n > max => (
            format_number(n),
            format!(
                "行政事业性收费 {} 万元（即 {} 元），超过 {} 万元，像是按元填写",
                format_number(n),
                format_number(n * 10_000.0),
                format_number(max)
            ),
        ),
        Value::NotNumber(text) if text.contains('元') && !text.contains("万元") => (
            text.to_string(),
            format!("行政事业性收费填的是“{text}”：单位应为万元"),
        ),
        _ => return Vec::new(),
    };
    vec![Finding {
        rule: "T2.FEE_UNIT",
        location: report.location(f),
        fields: vec![f].into(),
        expected: format!("≤ {} 万元", format_number(max)),
        actual,
        message: why,
    }]
}

/// T2.REPEALED: no more repealed than last year's in force plus this year's issued.
pub fn t2_repealed(report: &Report) -> Vec<Finding> {
    let Some(prior) = report.prior else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (item, name) in [("regulation", "规章"), ("normative", "行政规范性文件")] {
        let field = |c: &str| field(&format!("active.{item}.{c}"));
        let (issued, repealed, in_force) = (field("issued"), field("repealed"), field("in_force"));
        let (Some(last), Some(new), Some(gone)) = (
            prior.value(in_force),
            report.values.number(issued),
            report.values.number(repealed),
        ) else {
            continue;
        };
        if gone > last + new {
            found.push(Finding {
                rule: "T2.REPEALED",
                location: report.location(repealed),
                fields: vec![repealed, issued, in_force].into(),
                expected: format!("≤ {}", format_number(last + new)),
                actual: format_number(gone),
                message: format!(
                    "{name}本年废止 {} 件，多于上年现行有效 {} 件加本年制发 {} 件",
                    format_number(gone),
                    format_number(last),
                    format_number(new)
                ),
            });
        }
    }
    found
}

/// T4.REVIEW_BEFORE_SUIT: suits after review with no review this year (nor last).
pub fn t4_review_before_suit(report: &Report) -> Vec<Finding> {
    let (review, suits) = (field("review.total"), field("suit_after_review.total"));
    let (Some(reviews), Some(after)) = (report.values.number(review), report.values.number(suits))
    else {
        return Vec::new();
    };
    if after <= 0.0 || reviews != 0.0 {
        return Vec::new();
    }
    let last_year = match report.prior.map(|p| p.value(review)) {
        Some(Some(n)) if n > 0.0 => return Vec::new(),
        Some(Some(_)) => "上年行政复议也为 0",
        _ => "未提供上年数据，无法排除上年的复议",
    };
    vec![Finding {
        rule: "T4.REVIEW_BEFORE_SUIT",
        location: report.location(suits),
        fields: vec![suits, review].into(),
        expected: "行政复议 > 0".into(),
        actual: format!("复议后起诉 {}，行政复议 0", format_number(after)),
        message: format!(
            "复议后起诉 {} 件，但本年行政复议为 0（{last_year}）：复议是否漏填？",
            format_number(after)
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{prior_of, report_of, with, with_prior};

    #[test]
    fn regulations_fire_once_for_any_nonzero() {
        let v = with(&[
            ("active.regulation.issued", 2.0),
            ("active.regulation.in_force", 2.0),
        ]);
        let found = t2_regulation_level(&report_of(&v));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actual, "2 / 0 / 2");
        assert!(t2_regulation_level(&report_of(&with(&[]))).is_empty());
    }

    #[test]
    fn fees_in_yuan_are_caught() {
        let v = with(&[("active.fee.amount_wan", 35000.0)]);
        assert_eq!(t2_fee_unit(&report_of(&v)).len(), 1);
        let v = with(&[("active.fee.amount_wan", 12.5)]);
        assert!(t2_fee_unit(&report_of(&v)).is_empty());
        let mut v = with(&[]);
        v.set(
            field("active.fee.amount_wan"),
            Value::NotNumber(Box::new("1200元".into())),
        );
        assert_eq!(t2_fee_unit(&report_of(&v)).len(), 1);
        v.set(
            field("active.fee.amount_wan"),
            Value::NotNumber(Box::new("12万元".into())),
        );
        assert!(t2_fee_unit(&report_of(&v)).is_empty());
    }

    #[test]
    fn repealing_more_than_exists_needs_last_year() {
        let v = with(&[
            ("active.normative.issued", 1.0),
            ("active.normative.repealed", 6.0),
        ]);
        assert!(t2_repealed(&report_of(&v)).is_empty(), "no prior, no check");
        let prior = prior_of(&[("active.normative.in_force", 3.0)]);
        let r = with_prior(&v, &prior);
        let found = t2_repealed(&r);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("≤ 4", "6")
        );
        let enough = prior_of(&[("active.normative.in_force", 5.0)]);
        let r = with_prior(&v, &enough);
        assert!(t2_repealed(&r).is_empty());
    }

    #[test]
    fn suits_after_review_need_a_review() {
        let v = with(&[
            ("suit_after_review.upheld", 1.0),
            ("suit_after_review.total", 1.0),
        ]);
        let found = t4_review_before_suit(&report_of(&v));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("未提供上年数据"));
        let reviewed_last_year = prior_of(&[("review.total", 2.0)]);
        let r = with_prior(&v, &reviewed_last_year);
        assert!(t4_review_before_suit(&r).is_empty());
        let both = with(&[
            ("suit_after_review.total", 1.0),
            ("review.upheld", 1.0),
            ("review.total", 1.0),
        ]);
        assert!(t4_review_before_suit(&report_of(&both)).is_empty());
    }
}
