//! `--prior`: last year's `normalized.csv` (this tool's own output), for the XYEAR rules.

use std::collections::BTreeMap;
use std::path::Path;

use crate::normalize::small_number;
use crate::read::{csv_with_header, decode_text};
use crate::schema::{self, FieldIdx, FIELD_COUNT};
use crate::text::{parse_value, ParsedValue};

/// Last year's numbers of one unit. A province's prior holds as many as its reports, so they
/// are kept as compactly as [`crate::normalize::Values`] keeps a report's: a whole number below
/// 65,534 in 16 bits ([`small_number`]; nearly every value of a report is one), any other
/// number aside: 400 bytes a unit rather than 3,200.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorReport {
    pub year: Option<i32>,
    small: Box<[u16]>,
    /// The numbers that are not small, by field, in field order.
    others: Vec<(FieldIdx, f64)>,
}

/// In [`PriorReport::small`]: last year's value was unknown (blank, text, no such column).
const UNKNOWN: u16 = u16::MAX;
/// In [`PriorReport::small`]: the number is in [`PriorReport::others`].
const OTHER: u16 = u16::MAX - 1;

impl PriorReport {
    /// A report from its fields' numbers, in schema order; `None` where unknown.
    pub fn new(year: Option<i32>, values: impl IntoIterator<Item = Option<f64>>) -> PriorReport {
        let mut others = Vec::new();
        let small: Box<[u16]> = values
            .into_iter()
            .enumerate()
            .map(|(f, value)| match value {
                None => UNKNOWN,
                Some(n) => small_number(n, u32::from(OTHER))
                    .and_then(|small| u16::try_from(small).ok())
                    .unwrap_or_else(|| {
                        others.push((f, n));
                        OTHER
                    }),
            })
            .collect();
        debug_assert_eq!(small.len(), FIELD_COUNT);
        PriorReport {
            year,
            small,
            others,
        }
    }

    /// Last year's number of field `f`, if it was known.
    pub fn value(&self, f: FieldIdx) -> Option<f64> {
        match self.small[f] {
            UNKNOWN => None,
            OTHER => self
                .others
                .binary_search_by_key(&f, |(g, _)| *g)
                .ok()
                .map(|i| self.others[i].1),
            n => Some(f64::from(n)),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// Every row, by unit id; a unit may have several (another year, a resubmission).
    rows: BTreeMap<String, Vec<PriorReport>>,
    pub source: String,
}

impl Prior {
    pub fn load(path: &Path) -> Result<Prior, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "无法读取 --prior 指定的上年数据 {}（{}）",
                path.display(),
                crate::discover::os_reason(&e)
            )
        })?;
        let mut prior = Prior::parse(&decode_text(&bytes).text)
            .map_err(|e| format!("--prior {}: {e}", path.display()))?;
        prior.source = path.to_string_lossy().into_owned();
        Ok(prior)
    }

    pub fn parse(text: &str) -> Result<Prior, String> {
        let (mut reader, header) = csv_with_header(text)?;
        let col = |name: &str| header.iter().position(|h| h == name);
        let unit_col = col("unit_id").ok_or("不是 nianbao 的 normalized.csv：没有 unit_id 列")?;
        let year_col = col("year");
        let field_cols: Vec<Option<usize>> = schema::fields().iter().map(|f| col(&f.id)).collect();
        if field_cols.iter().all(Option::is_none) {
            return Err("不是 nianbao 的 normalized.csv：没有一列是字段编号".into());
        }
        let mut rows: BTreeMap<String, Vec<PriorReport>> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| e.to_string())?;
            let unit = record.get(unit_col).unwrap_or("").trim();
            if unit.is_empty() {
                continue;
            }
            let number = |c: Option<usize>| match parse_value(c.and_then(|c| record.get(c))?) {
                ParsedValue::Number(n) => Some(n),
                ParsedValue::Blank | ParsedValue::NotNumber(_) => None,
            };
            let year = number(year_col).map(|y| y as i32);
            let report = PriorReport::new(year, field_cols.iter().map(|&c| number(c)));
            rows.entry(unit.to_string()).or_default().push(report);
        }
        Ok(Prior {
            rows,
            source: String::new(),
        })
    }

    /// A unit's report of `year`: its one row of that year. None when it has none, or
    /// several (a duplicate last year), since either could be the right one.
    pub fn report(&self, unit: &str, year: i32) -> Option<&PriorReport> {
        let mut of_year = self.rows.get(unit)?.iter().filter(|r| r.year == Some(year));
        match (of_year.next(), of_year.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// How many units have exactly one report of `year`.
    pub fn units_of(&self, year: i32) -> usize {
        self.rows
            .keys()
            .filter(|u| self.report(u, year).is_some())
            .count()
    }

    /// Refuses a prior file that cannot be last year's for a run of `year`: every row of
    /// that year or later, or of no year at all. The XYEAR rules would compare the year
    /// with itself, or with nothing, and say nothing wrong.
    pub fn check_for(&self, year: i32) -> Result<(), String> {
        let years: std::collections::BTreeSet<i32> = self
            .rows
            .values()
            .flatten()
            .filter_map(|r| r.year)
            .collect();
        if years.iter().any(|&y| y < year) {
            return Ok(());
        }
        let path = std::path::absolute(&self.source)
            .map_or(self.source.clone(), |p| p.display().to_string());
        let wanted = format!(
            "请用 --prior 指定上一年（{}年）运行得到的 normalized.csv",
            year - 1
        );
        let listed: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
        Err(match listed.as_slice() {
            [] if self.rows.is_empty() => format!("--prior 文件 {path} 中没有任何单位的数据：{wanted}"),
            [] => format!("--prior 文件 {path} 中各行都没有年度（year 列为空或缺失），无法与本次 {year}年 比较：{wanted}"),
            [only] if years.contains(&year) => {
                format!("--prior 文件 {path} 中的数据都是 {only} 的，与本次统计的年度相同：{wanted}")
            }
            _ => format!(
                "--prior 文件 {path} 中没有早于 {year}年 的数据（其中的年度：{}）：{wanted}",
                listed.join("、")
            ),
        })
    }

    /// Units with more than one report of `year`, which the XYEAR rules pass over.
    pub fn ambiguous(&self, year: i32) -> Vec<String> {
        self.rows
            .iter()
            .filter(|(_, rows)| rows.iter().filter(|r| r.year == Some(year)).count() > 1)
            .map(|(u, _)| u.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_normalized_csv_by_unit_and_year() {
        let text = "\u{feff}unit_id,unit_name,unit_type,year,source_file,apply.carried_out.natural,review.total\n\
                    hekou,河口镇,乡镇,2022,old.xlsx,9,1\n\
                    hekou,河口镇,乡镇,2023,a.xlsx,3,\n\
                    ,某乡,,2023,b.xlsx,1,1\n\
                    shebu,射埠镇,乡镇,2023,c.xlsx,1,1\n\
                    shebu,射埠镇,乡镇,2023,d.xlsx,2,1\n";
        let prior = Prior::parse(text).unwrap();
        let hekou = prior.report("hekou", 2023).unwrap();
        let carried = schema::index_of("apply.carried_out.natural").unwrap();
        assert_eq!(hekou.value(carried), Some(3.0), "2023's row, not 2022's");
        assert_eq!(hekou.value(schema::index_of("review.total").unwrap()), None);
        assert_eq!(hekou.value(0), None);
        assert_eq!(prior.report("hekou", 2024), None);
        assert_eq!(
            prior.report("shebu", 2023),
            None,
            "two 2023 rows: neither is trusted"
        );
        assert_eq!(prior.units_of(2023), 1);
        assert_eq!(prior.ambiguous(2023), ["shebu"]);
    }

    #[test]
    fn a_prior_of_the_same_year_or_none_before_is_refused() {
        let head = "unit_id,unit_name,unit_type,year,source_file,review.total\n";
        let of = |rows: &str| {
            let mut p = Prior::parse(&format!("{head}{rows}")).unwrap();
            p.source = "config/normalized.csv".into();
            p
        };
        assert!(of("hekou,河口镇,乡镇,2023,a.xlsx,1\n")
            .check_for(2024)
            .is_ok());
        assert!(
            of("hekou,河口镇,乡镇,2024,a.xlsx,1\nshebu,射埠镇,乡镇,2023,b.xlsx,1\n")
                .check_for(2024)
                .is_ok()
        );
        let same = of("hekou,河口镇,乡镇,2024,a.xlsx,1\n")
            .check_for(2024)
            .unwrap_err();
        assert!(
            same.contains("都是 2024年") && same.contains("与本次统计的年度相同"),
            "{same}"
        );
        assert!(
            same.contains("normalized.csv") && same.contains("2023年"),
            "{same}"
        );
        let later = of("hekou,河口镇,乡镇,2025,a.xlsx,1\nshebu,射埠镇,乡镇,2024,b.xlsx,1\n")
            .check_for(2024)
            .unwrap_err();
        assert!(
            later.contains("没有早于 2024年") && later.contains("2024年、2025年"),
            "{later}"
        );
        let none = of("hekou,河口镇,乡镇,,a.xlsx,1\n")
            .check_for(2024)
            .unwrap_err();
        assert!(none.contains("没有年度"), "{none}");
        assert!(!none.contains('\n'));
    }

    #[test]
    fn every_number_comes_back_as_it_was_read() {
        let numbers = [
            Some(0.0),
            Some(7.0),
            None,
            Some(0.5),
            Some(-0.0),
            Some(-3.0),
            // The largest kept in 16 bits, the two markers' own values, and past them.
            Some(65_533.0),
            Some(65_534.0),
            Some(65_535.0),
            Some(65_536.0),
            Some(4_294_967_294.0),
            Some(1e12),
        ];
        let values: Vec<Option<f64>> = numbers.iter().copied().cycle().take(FIELD_COUNT).collect();
        let report = PriorReport::new(Some(2023), values.clone());
        for (f, value) in values.iter().enumerate() {
            assert_eq!(
                report.value(f).map(f64::to_bits),
                value.map(f64::to_bits),
                "field {f}"
            );
        }
    }

    #[test]
    fn other_files_are_refused() {
        assert!(Prior::parse("a,b\n1,2\n").is_err());
        assert!(Prior::parse("unit_id,foo\nx,1\n").is_err());
    }
}
