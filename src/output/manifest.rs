//! `manifest.json`: what the run read, what became of each file, how the checks ran, the
//! files of its folders. The entry types are filled by `pipeline.rs`; `cmd/run.rs`
//! assembles the whole. The next run reads back what it needs of it ([`read_previous`]).

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::folder_list::{FolderFile, FolderList};

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

impl Manifest<'_> {
    /// Writes the manifest into `w`: the bytes `serde_json::to_writer_pretty` writes, its two
    /// long lists made a block of entries at a time on every thread and written in order (at
    /// 100,000 files they are 84 MB of text, which took one thread 0.5 s, the last step
    /// before the switch).
    pub fn write_to(&mut self, w: &mut dyn Write) -> io::Result<()> {
        let files = std::mem::take(&mut self.files);
        let folder_files = std::mem::take(&mut self.folder_files);
        let written = write_with_last_lists(
            w,
            &*self,
            ("files", &files),
            ("folder_files", &folder_files),
        );
        self.files = files;
        self.folder_files = folder_files;
        written
    }
}

/// Writes `head` as `serde_json::to_writer_pretty` writes it with the arrays `first` and
/// `last` in its last two fields, which `head` holds empty: the fields before them as
/// serde_json lays them out, then the arrays' entries by [`write_entries`].
fn write_with_last_lists<A: Serialize + Sync, B: Serialize + Sync>(
    w: &mut dyn Write,
    head: &impl Serialize,
    (first_name, first): (&str, &[A]),
    (last_name, last): (&str, &[B]),
) -> io::Result<()> {
    let head = serde_json::to_vec_pretty(head)?;
    let empty_lists = format!("\n  \"{first_name}\": [],\n  \"{last_name}\": []\n}}");
    let before = head.strip_suffix(empty_lists.as_bytes()).ok_or_else(|| {
        io::Error::other(format!(
            "清单的结构与写法不符：最后两项应为 {first_name} 和 {last_name}"
        ))
    })?;
    w.write_all(before)?;
    write!(w, "\n  \"{first_name}\": ")?;
    write_entries(w, first)?;
    write!(w, ",\n  \"{last_name}\": ")?;
    write_entries(w, last)?;
    w.write_all(b"\n}")
}

/// Entries of a list made at once, a block on each thread.
const ENTRY_BLOCK: usize = 256;

/// An array in a field of the top object, as serde_json's pretty printer lays it out: `[]`
/// when empty, else each entry on lines of its own, indented by four spaces. Each entry is
/// printed alone and indented after each line break (a JSON text has none inside a string).
fn write_entries<T: Serialize + Sync>(w: &mut dyn Write, entries: &[T]) -> io::Result<()> {
    if entries.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    let blocks: Vec<(usize, &[T])> = entries
        .chunks(ENTRY_BLOCK)
        .enumerate()
        .map(|(i, block)| (i * ENTRY_BLOCK, block))
        .collect();
    for batch in blocks.chunks(super::BLOCKS_PER_THREAD * rayon::current_num_threads()) {
        let printed: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|&(start, block)| {
                let (mut out, mut entry) = (Vec::new(), Vec::new());
                for (i, e) in block.iter().enumerate() {
                    out.extend_from_slice(if start + i == 0 {
                        b"\n    "
                    } else {
                        b",\n    "
                    });
                    entry.clear();
                    serde_json::to_writer_pretty(&mut entry, e)?;
                    let mut lines = entry.split(|&b| b == b'\n');
                    out.extend_from_slice(lines.next().unwrap_or_default());
                    for line in lines {
                        out.extend_from_slice(b"\n    ");
                        out.extend_from_slice(line);
                    }
                }
                Ok(out)
            })
            .collect::<io::Result<_>>()?;
        for block in &printed {
            w.write_all(block)?;
        }
    }
    w.write_all(b"\n  ]")
}

/// What a run takes from the previous run's manifest in `--out`.
pub struct PreviousManifest {
    /// The SHA-256 of every file the previous run read, by its path under `--inputs`: for
    /// `changes.csv`.
    pub input_hashes: HashMap<String, Sha256>,
    /// The files of its folders, for the pages that did not change.
    pub folder_files: FolderList,
}

/// The manifest as read back: just those two, not a tree of every value (at 100,000 units
/// the manifest is 84 MB, and its tree took several times as much memory).
#[derive(Deserialize)]
struct Stored<'m> {
    files: Option<Vec<StoredFile>>,
    /// Read apart ([`readable_files`]). Absent from the manifests of earlier versions:
    /// their pages are all written again.
    #[serde(borrow)]
    folder_files: Option<&'m serde_json::value::RawValue>,
}

#[derive(Deserialize)]
struct StoredFile {
    path: Option<String>,
    sha256: Option<String>,
}

/// A SHA-256 as bytes: held for 100,000 files, its 64 hex digits took 7 MB more.
pub type Sha256 = [u8; 32];

/// The SHA-256 a manifest writes as 64 hex digits; none for anything else (a file not read
/// has an empty one).
pub fn sha256_of_hex(hex: &str) -> Option<Sha256> {
    let digits = hex.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let digit = |d: u8| char::from(d).to_digit(16);
        *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(bytes)
}

/// Why an output of the previous run could not be read back: `上次的 NAME 无法读取：WHY`.
pub fn previous_unreadable(name: &str, why: String) -> String {
    format!("上次的 {name} 无法读取：{why}")
}

/// The previous run's manifest in `out`. Errors say, in Chinese, why there is nothing to
/// compare with.
pub fn read_previous(out: &Path) -> Result<PreviousManifest, String> {
    let manifest = out.join("manifest.json");
    if !manifest.exists() {
        return Err("没有上次运行的输出，这是第一次运行".into());
    }
    let unreadable = |why| previous_unreadable("manifest.json", why);
    let text = std::fs::read(&manifest)
        .map_err(|e| crate::discover::os_reason(&e))
        .map_err(unreadable)?;
    let stored: Stored = serde_json::from_slice(&text)
        .map_err(|_| unreadable("格式不对（文件可能不完整）".to_string()))?;
    let files = stored
        .files
        .ok_or_else(|| unreadable("没有 files 一项".into()))?;
    Ok(PreviousManifest {
        input_hashes: files
            .into_iter()
            .filter_map(|f| Some((f.path?, sha256_of_hex(&f.sha256?)?)))
            .collect(),
        // Made compact here, beside the reading of the inputs, not after it at its peak.
        folder_files: FolderList::of(stored.folder_files.map_or(Vec::new(), readable_files)),
    })
}

/// The entries of a folder list that can be read, each read on its own, and none if the
/// list is not a list: a listing that cannot be read only means that its pages are written
/// again, not that the run has nothing to compare with. (Bytes that are not UTF-8, anywhere
/// in the manifest, still make it unreadable.)
fn readable_files(list: &serde_json::value::RawValue) -> Vec<FolderFile> {
    let entries: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(list.get()).unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|entry| serde_json::from_str(entry.get()).ok())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Entry {
        path: String,
        notes: Vec<String>,
        inner: Option<Box<Entry>>,
    }

    #[derive(Serialize)]
    struct Document {
        tool: &'static str,
        nested: Vec<Vec<u32>>,
        empty: Vec<u32>,
        first: Vec<Entry>,
        last: Vec<u32>,
    }

    /// The lists made block by block read as serde_json's own pretty printing, byte for
    /// byte: empty or not, a block or many, entries with nested objects, line breaks,
    /// quotes and Chinese in their strings.
    #[test]
    fn the_lists_are_printed_as_serde_json_prints_the_whole() {
        let entry = |i: usize| Entry {
            path: format!("乡镇/第{i}号\"镇\"\n.xlsx"),
            notes: (0..i % 3).map(|n| format!("注{n}\t")).collect(),
            inner: i.is_multiple_of(2).then(|| {
                Box::new(Entry {
                    path: String::new(),
                    notes: Vec::new(),
                    inner: None,
                })
            }),
        };
        for (firsts, lasts) in [(0, 0), (1, 0), (0, 3), (3, 1), (ENTRY_BLOCK * 9 + 5, 700)] {
            let mut document = Document {
                tool: "nianbao",
                nested: vec![vec![1, 2], Vec::new()],
                empty: Vec::new(),
                first: (0..firsts).map(entry).collect(),
                last: (0..lasts as u32).collect(),
            };
            let expected = serde_json::to_vec_pretty(&document).unwrap();
            let (first, last) = (
                std::mem::take(&mut document.first),
                std::mem::take(&mut document.last),
            );
            // On one thread, a batch is four blocks: the longest list is written in three.
            let one_thread = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let mut written = Vec::new();
            one_thread
                .install(|| {
                    write_with_last_lists(
                        &mut written,
                        &document,
                        ("first", &first),
                        ("last", &last),
                    )
                })
                .unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{firsts} and {lasts} entries"
            );
        }
    }

    /// A folder list that cannot be read, whole or in part, costs only the pages it lists:
    /// the input hashes are read all the same.
    #[test]
    fn an_unreadable_folder_list_is_passed_over() {
        let dir = std::env::temp_dir().join(format!("nianbao-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = r#"{"path": "reports/a.html", "size": 3, "digest": "00000000000000000000000a", "modified_ns": 5}"#;
        let hash = "ab".repeat(32);
        for (list, readable) in [
            (format!("[{good}]"), 1),
            (
                format!(
                    r#"[{good}, {{"path": 1}}, {{"path": "reports/b.html", "size": -1, "digest": "x", "modified_ns": 5}}, 7, null]"#
                ),
                1,
            ),
            (
                format!(
                    r#"[{{"path": "reports/b.html", "size": 1e300, "digest": "00000000000000000000000a", "modified_ns": 5}}, {good}]"#
                ),
                1,
            ),
            ("null".to_string(), 0),
            ("{}".to_string(), 0),
            (r#"{"a": [1, 2]}"#.to_string(), 0),
            ("\"reports\"".to_string(), 0),
            ("-3.5".to_string(), 0),
            ("true".to_string(), 0),
            (
                format!("[{}{}, {good}]", "[".repeat(300), "]".repeat(300)),
                1,
            ),
        ] {
            let manifest = format!(
                r#"{{"files": [{{"path": "a.csv", "sha256": "{hash}"}}], "folder_files": {list}}}"#
            );
            std::fs::write(dir.join("manifest.json"), manifest).unwrap();
            let read = read_previous(&dir).unwrap_or_else(|e| panic!("{list}: {e}"));
            assert_eq!(read.input_hashes.len(), 1, "{list}");
            assert_eq!(read.folder_files.len(), readable, "{list}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_sha256_is_read_from_its_64_hex_digits_only() {
        let hex = "00ff".repeat(16);
        let bytes = sha256_of_hex(&hex).unwrap();
        assert_eq!(bytes[..2], [0x00, 0xff]);
        assert_eq!(sha256_of_hex(&hex.to_uppercase()), Some(bytes));
        for bad in [
            "",
            "00ff",
            &"0".repeat(63),
            &"0".repeat(65),
            &format!("+{}", "0".repeat(63)),
        ] {
            assert_eq!(sha256_of_hex(bad), None, "{bad}");
        }
        assert_eq!(sha256_of_hex(&format!("{}g", "0".repeat(63))), None);
    }
}
