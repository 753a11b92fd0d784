//! `nianbao run`: every submission of a county → normalized rows, anomalies, manifest.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::check::{self, County, Severity};
use crate::discover::discover;
use crate::output::{self, html, ChecksInfo, Manifest, RunInfo};
use crate::pipeline::{gather, process_all};
use crate::prior::Prior;
use crate::report;
use crate::rollup::roll_up;
use crate::roster::Roster;
use crate::settings::Settings;

pub struct RunOptions {
    pub inputs: PathBuf,
    pub config: PathBuf,
    pub out: PathBuf,
    pub year: Option<i32>,
    pub prior: Option<PathBuf>,
    pub jobs: Option<usize>,
}

/// What the run found, for the one-line summary.
pub struct Summary {
    pub files: usize,
    pub submissions: usize,
    pub unreadable: usize,
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub out: PathBuf,
}

pub fn run(opts: &RunOptions) -> Result<Summary, String> {
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let roster = Roster::load(&opts.config)?;
    let settings = Settings::load(&opts.config)?;
    let prior = opts.prior.as_deref().map(Prior::load).transpose()?;
    let files = discover(&opts.inputs)?;
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| format!("cannot create --out {}: {e}", opts.out.display()))?;

    let jobs = opts.jobs.unwrap_or_else(rayon::current_num_threads).max(1);
    let results = process_all(&files, &roster, opts.year, jobs)?;
    let gathered = gather(results, &roster, opts.year);
    let year = gathered.year;
    let mut anomalies = check::check_county(&County {
        submissions: &gathered.submissions,
        unreadable: &gathered.unreadable,
        roster: &roster,
        year,
        prior: prior.as_ref(),
        settings: &settings,
        whole_county: true,
    });
    let rollup = roll_up(&gathered.submissions, &roster, year);
    let totals = check::check_totals(&rollup, &anomalies, &roster, &settings);
    anomalies.extend(totals);
    check::sort(&mut anomalies);

    output::write_atomic(
        &opts.out,
        "normalized.csv",
        &output::normalized_csv(&gathered.submissions, &roster),
    )?;
    output::write_atomic(
        &opts.out,
        "anomalies.csv",
        &output::anomalies_csv(&anomalies),
    )?;
    #[cfg(feature = "parquet")]
    output::write_atomic(
        &opts.out,
        "normalized.parquet",
        &output::parquet::normalized_parquet(&gathered.submissions, &roster)?,
    )?;
    output::write_atomic(&opts.out, "rollup.csv", &output::rollup_csv(&rollup))?;
    let workbook =
        output::workbook::rollup_xlsx(&rollup, &gathered.submissions, &anomalies, &roster)
            .map_err(|e| format!("cannot write rollup.xlsx: {e}"))?;
    output::write_atomic(&opts.out, "rollup.xlsx", &workbook)?;
    let mut pages: Vec<(String, Vec<u8>)> = report::unit_pages(
        &gathered.submissions,
        &rollup,
        &anomalies,
        &roster,
        prior.as_ref(),
    )
    .iter()
    .map(|p| (html::page_file(&p.id), html::unit_html(p).into_bytes()))
    .collect();
    let county = report::county_page(
        &gathered.submissions,
        &rollup,
        &anomalies,
        &roster,
        &gathered.unreadable,
    );
    pages.push(("index.html".into(), html::index_html(&county).into_bytes()));
    output::write_dir_atomic(&opts.out, "reports", &pages)?;
    let count = |s: Severity| anomalies.iter().filter(|a| a.severity == s).count();
    let checks = ChecksInfo {
        prior: prior.as_ref().map(|p| p.source.clone()),
        prior_year: prior.as_ref().and(year).map(|y| y - 1),
        prior_units: prior
            .as_ref()
            .zip(year)
            .map_or(0, |(p, y)| p.units_of(y - 1)),
        prior_ambiguous: prior
            .as_ref()
            .zip(year)
            .map_or(Vec::new(), |(p, y)| p.ambiguous(y - 1)),
        skipped_rules: check::skipped_without_prior(prior.as_ref(), year),
        severity_changes: settings.changed(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    };
    let manifest = Manifest {
        tool: "nianbao",
        version: env!("CARGO_PKG_VERSION"),
        run: RunInfo {
            started_unix,
            seconds: started.elapsed().as_secs_f64(),
            jobs,
        },
        inputs: display(&opts.inputs),
        config: display(&opts.config),
        year,
        counts: gathered.counts,
        checks,
        files: gathered.files,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes");
    output::write_atomic(&opts.out, "manifest.json", &json)?;
    Ok(Summary {
        files: manifest.counts.files,
        submissions: manifest.counts.submissions,
        unreadable: manifest.counts.unreadable,
        skipped: manifest.counts.skipped,
        errors: manifest.checks.errors,
        warnings: manifest.checks.warnings,
        out: opts.out.clone(),
    })
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
