//! What a sheet says outside the tables: the unit, the year, and labels of the 2019 format.

use super::labels::Labelled;
use super::{Claim, ClaimSource};
use crate::grid::{Cell, Sheet};
use crate::text::{drop_notes, fold, Searchable};

/// Labels that introduce the unit's name.
const UNIT_LABELS: &[&str] = &["填报单位", "单位名称", "报送单位", "编制单位", "填报机关"];
/// Words that end a unit name written in the same cell as other particulars.
const UNIT_NAME_ENDS: &[&str] = &[
    "填报日期",
    "日期",
    "填报人",
    "联系人",
    "联系电话",
    "电话",
    "时间",
];
/// Labels of the 2019 trial format that the 2021 format dropped.
const OLD_FORMAT_LABELS: &[&str] = &[
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "政府集中采购",
];
/// Labels that introduce the report year (never a 填报日期).
const YEAR_LABELS: &[&str] = &["报告年度", "统计年度", "所属年度", "填报年度", "年份"];

/// A cell that introduces the year: 报告年度：, 年度, 年份… but not 本年度办理结果.
fn is_year_label(folded: &Searchable) -> bool {
    YEAR_LABELS.iter().any(|l| folded.contains(l))
        || folded.as_str() == "年度"
        || folded.as_str().starts_with("年度:")
}

/// What one sheet says about the unit, the year and the format, outside the tables.
#[derive(Default)]
pub(super) struct SheetClaims {
    pub(super) units: Vec<Claim>,
    pub(super) years: Vec<Claim>,
    pub(super) old_format: Vec<Claim>,
}

/// Words of a title: a cell with one names the unit, and the year if it has one.
const TITLE_WORDS: &[&str] = &["年度报告", "年报", "政府信息公开工作", "统计表"];

/// Whether a folded text has any word [`scan_claims`] looks for: only such a cell can name
/// the unit or the year, or be a label of the 2019 format. Asked once a text a thread.
pub(super) fn mentions_claim(folded: &Searchable) -> bool {
    [
        UNIT_LABELS,
        OLD_FORMAT_LABELS,
        YEAR_LABELS,
        TITLE_WORDS,
        &["日期", "时间", "年度"],
    ]
    .iter()
    .any(|words| words.iter().any(|w| folded.contains(w)))
}

/// Longest cell taken for a title; longer text is narrative, whose years and names
/// (〔2021〕30号, other units) say nothing about this report.
const TITLE_MAX_CHARS: usize = 60;

pub(super) fn scan_claims(sheet: &Labelled) -> SheetClaims {
    let mut found = SheetClaims::default();
    for (row, col, label) in sheet.claiming() {
        let folded = sheet.folded(label);
        let text = Searchable::new(folded);
        let at = || sheet.sheet.location(row, col);
        let claim = |text: String, source| Claim {
            text,
            at: at(),
            source,
            primary: false,
        };
        if let Some(label) = UNIT_LABELS.iter().find(|l| text.contains(l)) {
            if let Some(name) = unit_after_label(sheet, row, col, folded, label) {
                found.units.push(claim(name, ClaimSource::Labelled));
            }
        }
        if let Some(label) = OLD_FORMAT_LABELS.iter().find(|l| text.contains(l)) {
            found
                .old_format
                .push(claim((*label).into(), ClaimSource::Labelled));
        }
        let is_date = text.contains("日期") || text.contains("时间");
        if is_date {
            continue;
        }
        if is_year_label(&text) && folded.chars().count() <= 20 {
            let value = if year_in(folded).is_some() {
                folded.to_string()
            } else {
                next_text_right(sheet.sheet, row, col).unwrap_or_default()
            };
            if let Some(year) = year_in(&value) {
                found
                    .years
                    .push(claim(year.to_string(), ClaimSource::Labelled));
                continue;
            }
        }
        let is_title = TITLE_WORDS.iter().any(|w| text.contains(w));
        if is_title && folded.chars().count() <= TITLE_MAX_CHARS {
            if let Some(year) = year_in(folded) {
                found
                    .years
                    .push(claim(year.to_string(), ClaimSource::Title));
            }
            found
                .units
                .push(claim(folded.to_string(), ClaimSource::Title));
        }
    }
    found
}

fn next_text_right(sheet: &Sheet, row: u32, col: u32) -> Option<String> {
    (col + 1..sheet.end_col().min(col + 8)).find_map(|c| match sheet.get(row, c) {
        Cell::Text(t) if !t.trim().is_empty() => Some(fold(t)),
        Cell::Number(n) => Some(crate::text::format_number(*n)),
        _ => None,
    })
}

/// The unit name after a label such as 填报单位（盖章）：, in the same cell or the next.
fn unit_after_label(
    sheet: &Labelled,
    row: u32,
    col: u32,
    folded: &str,
    label: &str,
) -> Option<String> {
    let after = &folded[folded.find(label)? + label.len()..];
    let mut name = drop_notes(after)
        .trim_start_matches([':', '：'])
        .to_string();
    if let Some(end) = UNIT_NAME_ENDS.iter().filter_map(|w| name.find(w)).min() {
        name.truncate(end);
    }
    let name = name
        .trim_end_matches([':', '：', ',', '，', ';', '；'])
        .to_string();
    if !name.is_empty() {
        return Some(name);
    }
    next_text_right(sheet.sheet, row, col).map(|n| drop_notes(&n))
}

/// Chinese digits as they are written in years: 二〇二四, 二零二四.
fn arabic_digit(c: char) -> Option<char> {
    let digits = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    match c {
        '零' | 'O' | 'o' => Some('0'),
        _ => digits
            .iter()
            .position(|d| *d == c)
            .and_then(|i| char::from_digit(i as u32, 10)),
    }
}

/// A year like 2024 in `2024年度`, `2024年政府…`, `二〇二四年` or `2024`; never in a date
/// (`2025年1月`, `2025-01-10`), a document number (`〔2021〕30号`) or a serial number
/// (`第2000号`). A year followed by 年 wins over a bare one.
pub fn year_in(s: &str) -> Option<i32> {
    let chars: Vec<char> = s.chars().collect();
    let mut bare = None;
    for i in 0..chars.len().saturating_sub(3) {
        let window = &chars[i..i + 4];
        let arabic = window.iter().all(char::is_ascii_digit);
        // Chinese digits count only as a year written out: four of them, then 年.
        let written = !arabic
            && window
                .iter()
                .all(|c| arabic_digit(*c).is_some() && !c.is_ascii())
            && chars.get(i + 4) == Some(&'年');
        if !arabic && !written {
            continue;
        }
        let digits: String = if arabic {
            window.iter().collect()
        } else {
            window.iter().filter_map(|c| arabic_digit(*c)).collect()
        };
        let before = i.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i + 4).copied();
        let next_digit = |c: Option<char>| {
            c.is_some_and(|c| c.is_ascii_digit() || (written && arabic_digit(c).is_some()))
        };
        if next_digit(before) || next_digit(after) {
            continue;
        }
        // 〔2021〕 is a document number's year, as in 国办公开办函〔2021〕30号.
        let in_number = matches!(before, Some('〔' | '[')) && matches!(after, Some('〕' | ']'));
        let is_date = after.is_some_and(|c| matches!(c, '-' | '/' | '.'))
            || (after == Some('年')
                && chars
                    .get(i + 5)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '元'));
        let serial = after == Some('号');
        let Ok(year) = digits.parse::<i32>() else {
            continue;
        };
        if in_number || is_date || serial || !(2000..=2100).contains(&year) {
            continue;
        }
        if after == Some('年') {
            return Some(year);
        }
        bare = bare.or(Some(year));
    }
    bare
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_not_taken_from_dates() {
        assert_eq!(
            year_in("易俗河镇2024年政府信息公开工作年度报告"),
            Some(2024)
        );
        assert_eq!(year_in("2024年度"), Some(2024));
        assert_eq!(year_in("报告年度:2023"), Some(2023));
        assert_eq!(year_in("填报日期:2025年1月10日"), None);
        assert_eq!(year_in("2025-01-10"), None);
        assert_eq!(year_in("电话12345678"), None);
        assert_eq!(year_in("2025年1月10日制2024年度报告"), Some(2024));
        assert_eq!(year_in("二〇二四年政府信息公开工作年度报告"), Some(2024));
        assert_eq!(year_in("二零二三年度"), Some(2023));
        assert_eq!(year_in("国办公开办函〔2021〕30号"), None);
        assert_eq!(year_in("年度报告(2024)"), Some(2024));
        assert_eq!(year_in("〔2021〕30号要求，2024年"), Some(2024));
        assert_eq!(year_in("二〇二五年元月"), None);
        assert_eq!(year_in("一二三四五"), None);
        assert_eq!(
            year_in("第2000号县直部门2024年政府信息公开年报"),
            Some(2024)
        );
        assert_eq!(year_in("第2000号县直部门"), None);
        assert_eq!(year_in("2030 第二版 2024年"), Some(2024));
    }
}
