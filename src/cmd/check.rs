//! `nianbao check FILE…`: a unit checks its own submission before sending it.

use std::path::PathBuf;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::check::{self, Anomaly, County, Review};
use crate::discover::InputFile;
use crate::pipeline::{gather, process_all};
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
    if let Some(year) = opts.year {
        super::check_year(year)?;
    }
    let prior = opts.prior.as_deref().map(Prior::load).transpose()?;
    // The auditor's decisions, where the config folder has them: 误报 and 已说明 do not
    // count as errors, nor make the exit status 1.
    let review = Review::load(&opts.config)?;
    let files: Vec<InputFile> = opts
        .files
        .iter()
        .map(|path| {
            // A file that is missing is reported with the others, as one that cannot be read.
            if path.is_dir() {
                return Err(format!(
                    "{} 是文件夹：nianbao check 检查单个文件；汇总整个文件夹请用 nianbao run --inputs {}",
                    path.display(),
                    path.display()
                ));
            }
            Ok(InputFile::at(
                path.clone(),
                path.to_string_lossy().replace('\\', "/"),
            ))
        })
        .collect::<Result<_, _>>()?;
    let results = process_all(&files, &roster, opts.year);
    let gathered = gather(results, &roster, opts.year);
    if let (Some(prior), Some(year)) = (&prior, gathered.year) {
        prior.check_for(year)?;
    }
    let mut anomalies = check::check_county(&County {
        submissions: &gathered.submissions,
        unreadable: &gathered.unreadable,
        copies: &gathered.copies,
        roster: &roster,
        year: gathered.year,
        prior: prior.as_ref(),
        settings: &settings,
        whole_county: false,
    });
    check::ids::assign(&mut anomalies);
    let reviewed = review.apply(&mut anomalies);
    for warning in &reviewed.warnings {
        eprintln!("警告：{warning}");
    }

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
            let id = match (&s.unit_id, roster.units.is_empty()) {
                (Some(id), _) => id.as_str(),
                (None, true) => "未核对名单",
                (None, false) => "不在名单中",
            };
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
    let counts = reviewed.counts;
    let (errors, warnings) = (counts.open_errors, counts.open_warnings);
    println!();
    if counts.dismissed() > 0 {
        println!(
            "{errors} 个错误，{warnings} 个警告（另有 {} 个已审核为误报或已说明，不计）",
            counts.dismissed()
        );
    } else {
        println!("{errors} 个错误，{warnings} 个警告");
    }
    Ok(errors > 0)
}

fn print_anomalies(anomalies: &[&Anomaly]) {
    if anomalies.is_empty() {
        println!("  未发现问题");
        return;
    }
    let header = ["级别", "编号", "位置", "应为", "实为", "审核", "说明"];
    let rows: Vec<[String; 7]> = anomalies
        .iter()
        .map(|a| {
            let level = a.severity.zh();
            let f = &a.finding;
            let review = if a.review().note.is_empty() {
                a.review().status.zh().to_string()
            } else {
                format!("{}：{}", a.review().status.zh(), clip(&a.review().note, 16))
            };
            [
                level.to_string(),
                a.id.clone(),
                f.location.as_ref().map_or(String::new(), |l| l.to_string()),
                clip(&f.expected, 16),
                clip(&f.actual, 16),
                review,
                f.message.clone(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].width())
                .chain([header[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, text)| {
                let last = c + 1 == cells.len();
                let pad = if last { 0 } else { widths[c] - text.width() };
                format!("{text}{}", " ".repeat(pad))
            })
            .collect();
        println!("  {}", padded.join("  "));
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// Text cut to about `max` columns, so that one long value does not widen the table.
fn clip(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + c.width().unwrap_or(0) > max - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}
