//! One module per command; `main.rs` only parses the command line.

pub mod check;
pub mod docs;
pub mod help;
pub mod review;
pub mod rules;
pub mod run;
pub mod template;

/// The years a report can be of: a `--year` outside them is a typing mistake (24, 20244).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Refuses a `--year` that is not a plausible four-digit report year.
pub fn check_year(year: i32) -> Result<(), String> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "--year {year} 不是有效的报告年度：请填写四位数的年份（{}–{}），例如 --year 2024",
            YEARS.start(),
            YEARS.end()
        ))
    }
}
