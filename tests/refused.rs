//! Mistakes caught before a wrong run: an implausible --year, a --prior that cannot be last
//! year's. Exit 2, one Chinese line naming the file and what to do, outputs untouched.

mod common;

use std::path::Path;
use std::process::Output;

use common::{nianbao, temp_dir};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn county(dir: &Path) {
    let made = nianbao(&["demo", "--units", "4", "--clean", "--out", &s(dir)]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

fn run(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let (inputs, config) = (s(&dir.join("inputs")), s(&dir.join("config")));
    let mut args = vec!["run", "--inputs", &inputs, "--config", &config];
    let out = s(out);
    args.extend(["--out", &out]);
    args.extend(extra);
    nianbao(&args)
}

/// Exit 2 with one line on stderr that holds every one of `words`.
fn refused(output: &Output, words: &[&str]) {
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

#[test]
fn an_implausible_year_is_refused() {
    let dir = temp_dir("refused-year");
    county(&dir);
    let out = dir.join("out");
    for year in ["24", "202", "20244", "1899", "2101"] {
        refused(
            &run(&dir, &out, &["--year", year]),
            &["不是有效的报告年度", "--year 2024"],
        );
        assert!(!out.exists(), "nothing written for --year {year}");
    }
    let any = dir.join("模板.xlsx");
    let made = nianbao(&["template", "--out", &s(&any)]);
    assert!(made.status.success());
    refused(
        &nianbao(&["check", &s(&any), "--year", "24"]),
        &["不是有效的报告年度"],
    );
    refused(
        &nianbao(&["template", "--year", "0"]),
        &["不是有效的报告年度"],
    );
    let demo = dir.join("demo");
    refused(
        &nianbao(&["demo", "--out", &s(&demo), "--year", "224"]),
        &["不是有效的报告年度"],
    );
    assert!(!demo.exists());
    // A plausible year runs.
    let ok = run(&dir, &out, &["--year", "2024"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn a_prior_that_cannot_be_last_years_is_refused() {
    let dir = temp_dir("refused-prior");
    county(&dir);
    let out = dir.join("out");
    // Last year's file, as the demo writes it: accepted.
    let last_year = dir.join("config/normalized-2023.csv");
    assert!(last_year.is_file());
    let ok = run(&dir, &out, &["--prior", &s(&last_year)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let anomalies = std::fs::read(out.join("anomalies.csv")).unwrap();

    // This year's own normalized.csv given as --prior: the same year.
    let this_year = dir.join("normalized-2024.csv");
    std::fs::copy(out.join("normalized.csv"), &this_year).unwrap();
    for extra in [vec![], vec!["--year", "2024"]] {
        let mut args = vec!["--prior", this_year.to_str().unwrap()];
        args.extend(extra);
        refused(
            &run(&dir, &out, &args),
            &[
                "normalized-2024.csv",
                "与本次统计的年度相同",
                "2023年",
                "--prior",
            ],
        );
    }
    // The previous outputs are as they were.
    assert_eq!(std::fs::read(out.join("anomalies.csv")).unwrap(), anomalies);

    // Rows of no year before the run's: last year's file against a run of 2022.
    refused(
        &run(&dir, &out, &["--prior", &s(&last_year), "--year", "2022"]),
        &["没有早于 2022年", "2023年", "normalized-2023.csv"],
    );

    // `check` refuses it too.
    let any = dir.join("模板.xlsx");
    let made = nianbao(&["template", "--out", &s(&any)]);
    assert!(made.status.success());
    refused(
        &nianbao(&[
            "check",
            &s(&any),
            "--prior",
            &s(&this_year),
            "--year",
            "2024",
        ]),
        &["与本次统计的年度相同"],
    );
}
