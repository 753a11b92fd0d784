//! `nianbao check FILE…`: a unit checks its own submission before sending it.

use std::path::PathBuf;

use crate::check::{self, Anomaly, County, Severity};
use crate::discover::InputFile;
use crate::pipeline::{gather, process_all, rollup_year};
use crate::prior::Prior;
use crate::roster::Roster;
use crate::settings::Settings;

pub struct CheckOptions {
    pub files: Vec<PathBuf>,
    pub config: PathBuf,
    pub prior: Option<PathBuf>,
    pub year: Option<i32>,
}

/// Prints each file's unit, year and anomalies; `Ok(true)` when any is an error.
pub fn check(opts: &CheckOptions) -> Result<bool, String> {
    // The roster and settings are optional here: a unit may check its file without them.
    let roster = if opts.config.join("units.csv").exists() {
        Roster::load(&opts.config)?
    } else {
        Roster::default()
    };
    let settings = Settings::load(&opts.config)?;
    let prior = opts.prior.as_deref().map(Prior::load).transpose()?;
    let files: Vec<InputFile> = opts
        .files
        .iter()
        .map(|path| {
            if !path.is_file() {
                return Err(format!("{} is not a file", path.display()));
            }
            Ok(InputFile {
                path: path.clone(),
                relative: path.to_string_lossy().replace('\\', "/"),
                ext: path
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default(),
                skip: None,
            })
        })
        .collect::<Result<_, _>>()?;
    let results = process_all(&files, &roster, opts.year, rayon::current_num_threads())?;
    let gathered = gather(results, &roster);
    let anomalies = check::check_county(&County {
        submissions: &gathered.submissions,
        unreadable: &gathered.unreadable,
        roster: &roster,
        year: rollup_year(&gathered.submissions, opts.year),
        prior: prior.as_ref(),
        settings: &settings,
        whole_county: false,
    });

    if roster.units.is_empty() {
        println!(
            "（未找到 {}，不检查单位名称）",
            opts.config.join("units.csv").display()
        );
    }
    for file in &gathered.files {
        println!();
        println!("{}", file.path);
        if let Some(reason) = &file.reason {
            println!("  无法读取：{reason}");
        }
        for s in &file.submissions {
            let year = s.year.map_or("未知".to_string(), |y| y.to_string());
            let id = s.unit_id.as_deref().unwrap_or("不在名单中");
            println!(
                "  单位：{}（{id}，取自{}）  年度：{year}（取自{}）",
                s.unit_name, s.unit_from, s.year_from
            );
        }
        let mine: Vec<&Anomaly> = anomalies
            .iter()
            .filter(|a| a.source_file == file.path)
            .collect();
        print_anomalies(&mine);
    }
    let errors = anomalies
        .iter()
        .filter(|a| a.severity == Severity::Error)
        .count();
    let warnings = anomalies
        .iter()
        .filter(|a| a.severity == Severity::Warning)
        .count();
    println!();
    println!("{errors} 个错误，{warnings} 个警告");
    Ok(errors > 0)
}

fn print_anomalies(anomalies: &[&Anomaly]) {
    if anomalies.is_empty() {
        println!("  未发现问题");
        return;
    }
    for a in anomalies {
        let mark = match a.severity {
            Severity::Error => "✗ 错误",
            Severity::Warning => "! 警告",
            Severity::Info => "· 提示",
        };
        let at = a
            .finding
            .location
            .as_ref()
            .map_or(String::new(), |l| format!(" {l}"));
        println!("  {mark} {}{at}", a.rule);
        println!("      {}", a.finding.message);
        if !a.finding.expected.is_empty() || !a.finding.actual.is_empty() {
            println!(
                "      应为：{}    实为：{}",
                a.finding.expected, a.finding.actual
            );
        }
    }
}
