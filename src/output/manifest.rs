//! `manifest.json`: what the run read, what became of each file, how the checks ran, the
//! files of its folders. The entry types are filled by `pipeline.rs`; `cmd/run.rs`
//! assembles the whole. The next run reads back what it needs of it ([`read_previous`]).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::staging::FolderFile;

#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    /// Wall-clock facts of this run: with the folder files' times, the only part that
    /// changes between identical reruns.
    pub run: RunInfo,
    pub inputs: String,
    pub config: String,
    pub year: Option<i32>,
    pub counts: Counts,
    /// How many roster units the totals count, and the reports left out of them, by reason.
    pub totals: crate::rollup::Tally,
    pub checks: ChecksInfo,
    /// What `config/review.csv` and `review.xlsx` did: the counts by review status, the
    /// decisions whose anomaly no longer occurs, the lines that could not be applied.
    pub review: &'a crate::check::ReviewOutcome,
    pub files: Vec<FileEntry>,
    /// Each file of `reports/` and `notices/`, by path: the next run links those it would
    /// write the same ([`FolderFile`]).
    pub folder_files: Vec<FolderFile>,
}

/// What a run takes from the previous run's manifest in `--out`.
pub struct PreviousManifest {
    /// The SHA-256 of every file the previous run read, by its path under `--inputs`: for
    /// `changes.csv`.
    pub input_hashes: HashMap<String, String>,
    /// The files of its folders, for the pages that did not change.
    pub folder_files: Vec<FolderFile>,
}

/// The manifest as read back: just those two, not a tree of every value (at 100,000 units
/// the manifest is 65 MB, and its tree took several times as much memory).
#[derive(Deserialize)]
struct Stored {
    files: Option<Vec<StoredFile>>,
    /// Absent from the manifests of earlier versions: their pages are all written again.
    #[serde(default)]
    folder_files: Vec<FolderFile>,
}

#[derive(Deserialize)]
struct StoredFile {
    path: Option<String>,
    sha256: Option<String>,
}

/// The previous run's manifest in `out`. Errors say, in Chinese, why there is nothing to
/// compare with.
pub fn read_previous(out: &Path) -> Result<PreviousManifest, String> {
    let manifest = out.join("manifest.json");
    if !manifest.exists() {
        return Err("没有上次运行的输出，这是第一次运行".into());
    }
    let unreadable = |why| crate::changes::unreadable("manifest.json", why);
    let stored: Stored = std::fs::read(&manifest)
        .map_err(|e| crate::discover::os_reason(&e))
        .and_then(|b| {
            serde_json::from_slice(&b).map_err(|_| "格式不对（文件可能不完整）".to_string())
        })
        .map_err(unreadable)?;
    let files = stored
        .files
        .ok_or_else(|| unreadable("没有 files 一项".into()))?;
    Ok(PreviousManifest {
        input_hashes: files
            .into_iter()
            .filter_map(|f| Some((f.path?, f.sha256?)))
            .collect(),
        folder_files: stored.folder_files,
    })
}

/// How the checks ran: with or without last year's data, which severities the county set.
#[derive(Debug, Serialize)]
pub struct ChecksInfo {
    pub prior: Option<String>,
    /// The year `--prior` was read for: the year before the one rolled up.
    pub prior_year: Option<i32>,
    /// Units with exactly one report of that year in `--prior`.
    pub prior_units: usize,
    /// Units with several reports of that year, which the XYEAR rules pass over.
    pub prior_ambiguous: Vec<String>,
    /// Rules that need `--prior` and did not run without it.
    pub skipped_rules: Vec<&'static str>,
    /// Severities changed in `nianbao.toml`.
    pub severity_changes: std::collections::BTreeMap<String, String>,
    /// Every error, warning and info found, whatever the review says of it (the open ones
    /// are in `review.counts`), each problem once: the totals' anomalies that repeat the
    /// units' own are not among them.
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The totals' anomalies that repeat the units' own problems (listed in anomalies.csv).
    pub repeats_of_units: usize,
}

#[derive(Debug, Serialize)]
pub struct RunInfo {
    pub started_unix: u64,
    pub seconds: f64,
    pub jobs: usize,
    /// Wall time and CPU time of each phase: read (the inputs, and the previous run's outputs
    /// beside them), check and roll up, write outputs.
    pub phases: Vec<Phase>,
    /// Wall time of each output's task: normalized.csv (and .parquet), written beside the
    /// checks in the phase "check and roll up"; then, side by side in the phase "write
    /// outputs", the comparison with the previous run, the other CSVs, rollup.xlsx, the
    /// pages and the notices. The comparison runs within the pages' task, beside the units'
    /// pages (the county's index waits for it), so the two overlap; the CSVs' time is that
    /// of anomalies.csv and rollup.csv, written beside the comparison, plus that of
    /// changes.csv, written after it.
    pub writers: Vec<Writer>,
}

#[derive(Debug, Serialize)]
pub struct Writer {
    pub name: &'static str,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct Phase {
    pub name: &'static str,
    /// Wall time.
    pub seconds: f64,
    /// CPU time of the whole process (every thread, user and system) during the phase;
    /// `cpu_seconds / seconds` is how many cores the phase kept busy. Null where the
    /// system does not say (outside Linux).
    pub cpu_seconds: Option<f64>,
    /// The process's peak resident memory so far, at the end of the phase, in MB: the phase
    /// whose figure first reaches the run's peak is the one that set it. Null outside Linux.
    pub peak_mb: Option<f64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub files: usize,
    pub read: usize,
    pub skipped: usize,
    pub unreadable: usize,
    pub submissions: usize,
    pub roster_units: usize,
}

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// `read`, `skipped` or `unreadable`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub submissions: Vec<SubmissionEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SubmissionEntry {
    pub unit_id: Option<String>,
    pub unit_name: String,
    pub unit_from: String,
    pub year: Option<i32>,
    pub year_from: String,
    pub fields_read: usize,
    pub fields_blank: usize,
    /// Fields left empty in `normalized.csv`, each with its cell and the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}
