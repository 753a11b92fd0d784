//! The per-file pipeline the commands share: read → locate → normalize, in parallel over
//! files, then the gathering of what became of each file, in a deterministic order.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::check::{unit_names, FileCopy, UnreadableFile};
use crate::discover::InputFile;
use crate::normalize::{normalize, Evidence, Submission};
use crate::output::{Counts, FileEntry, SubmissionEntry};
use crate::roster::Roster;
use crate::{locate, read};

/// What became of one input file.
#[derive(Debug)]
pub enum Outcome {
    Skipped(String),
    Unreadable(String),
    Read(Vec<Submission>),
}

#[derive(Debug)]
pub struct FileResult {
    pub relative: String,
    pub size: u64,
    pub sha256: String,
    pub outcome: Outcome,
    /// What the reader decided that the user should know (encoding, real format, …).
    pub notes: Vec<String>,
}

/// Lower-case hex, two digits a byte (a string made for each byte before: a province's
/// files' hashes are three million bytes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xF)]])
        .map(char::from)
        .collect()
}

/// Reads, locates and normalizes one file. Never panics on bad input: every failure is an
/// [`Outcome::Unreadable`] with its reason. Readers bound what they allocate by the file
/// (`read::limits`); a panic left in a dependency all the same is caught here, so that it
/// costs this file and not the run.
pub fn process_file(file: &InputFile, roster: &Roster, year: Option<i32>) -> FileResult {
    let mut result = FileResult {
        relative: file.relative.clone(),
        size: 0,
        sha256: String::new(),
        outcome: Outcome::Skipped(String::new()),
        notes: Vec::new(),
    };
    if let Some(reason) = &file.problem {
        result.outcome = Outcome::Unreadable(reason.clone());
        return result;
    }
    // Not opened when skipped: it may be a pipe. Its size comes from the directory.
    if let Some(reason) = &file.skip {
        result.size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
        result.outcome = Outcome::Skipped(reason.clone());
        return result;
    }
    let cannot_open = |e: std::io::Error| {
        let reason = crate::discover::os_reason(&e);
        Outcome::Unreadable(format!("文件无法打开（{reason}）"))
    };
    // Opened once, its size taken from the open file: not looked up by its path twice. One
    // that cannot be opened is still said to be too large if it is.
    let opened = std::fs::File::open(&file.path);
    let size = match &opened {
        Ok(input) => input.metadata(),
        Err(_) => std::fs::metadata(&file.path),
    }
    .map_or(0, |m| m.len());
    if size > read::limits::MAX_FILE_BYTES {
        result.size = size;
        result.outcome = Outcome::Unreadable(read::too_large(size));
        return result;
    }
    let mut input = match opened {
        Ok(input) => input,
        Err(e) => {
            result.outcome = cannot_open(e);
            return result;
        }
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    if let Err(e) = std::io::Read::read_to_end(&mut input, &mut bytes) {
        result.outcome = cannot_open(e);
        return result;
    }
    // Closed before the file is read into cells: no descriptor held through the heavy part.
    drop(input);
    result.size = bytes.len() as u64;
    result.sha256 = hex(&Sha256::digest(&bytes));
    // What the limits allow one file is not to be multiplied by the threads.
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_heavy_file_at_a_time = read::is_heavy(&bytes).then(|| {
        HEAVY
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    let processed = quietly_catching_panics(|| {
        let book = read::read(&bytes, &file.ext)?;
        // The reader's notes say why a file read in part had no tables: they stay.
        let located = locate::locate(&book).map(|raws| {
            raws.into_iter()
                .map(|raw| normalize(raw, &file.relative, roster, year))
                .collect()
        });
        Ok((book.notes, located))
    });
    result.outcome = match processed {
        Ok((notes, located)) => {
            result.notes = notes;
            match located {
                Ok(submissions) => Outcome::Read(submissions),
                Err(reason) => Outcome::Unreadable(reason),
            }
        }
        Err(reason) => Outcome::Unreadable(reason),
    };
    result
}

thread_local! {
    /// Set while a file is processed: a panic there is reported as the file's reason, not
    /// printed.
    static PROCESSING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `work`, turning a panic into the file's reason. The panic hook stays silent for
/// panics caught here and speaks as before for any other.
fn quietly_catching_panics<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !PROCESSING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    PROCESSING.with(|p| p.set(true));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    PROCESSING.with(|p| p.set(false));
    caught.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "文件已损坏，读取时出错；其他文件不受影响（内部信息：{message}）"
        ))
    })
}

/// Processes every file in parallel on the current rayon pool, with a progress bar when
/// stderr is a terminal. Results come back in the order of `files`.
pub fn process_all(files: &[InputFile], roster: &Roster, year: Option<i32>) -> Vec<FileResult> {
    let progress = progress_bar(files.len() as u64);
    // One file is one task. Files differ in cost (a PDF takes about 30–40 times a CSV), and
    // rayon's default split hands each thread whole blocks of them (a quarter of the files on
    // two threads) that no other thread can take over once begun: at 100,000 units a profile
    // showed one thread left reading alone for a second at the end.
    let results = files
        .par_iter()
        .with_max_len(1)
        .map(|f| {
            let r = process_file(f, roster, year);
            progress.inc(1);
            r
        })
        .collect();
    progress.finish_and_clear();
    results
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} 个文件 {elapsed}")
            .expect("a valid template"),
    );
    bar
}

/// Everything read, sorted: submissions by unit, files by path.
pub struct Gathered {
    /// The year being rolled up: `--year`, else the year most submissions state.
    pub year: Option<i32>,
    pub submissions: Vec<Submission>,
    pub unreadable: Vec<UnreadableFile>,
    pub copies: Vec<FileCopy>,
    pub files: Vec<FileEntry>,
    pub counts: Counts,
}

/// Gathers what became of every file. A submission that states no year is taken to be of
/// the year being rolled up, and says so.
pub fn gather(mut results: Vec<FileResult>, roster: &Roster, given_year: Option<i32>) -> Gathered {
    let copies = set_copies_aside(&mut results, roster);
    let stated: Vec<Option<i32>> = results
        .iter()
        .flat_map(|r| match &r.outcome {
            Outcome::Read(subs) => subs.iter().map(|s| s.year).collect(),
            _ => Vec::new(),
        })
        .collect();
    let year = given_year.or_else(|| most_common(&stated).map(|(year, _)| year));
    // Sized once: grown by doubling, a province's list would be held twice at the end.
    let mut submissions: Vec<Submission> = Vec::with_capacity(stated.len());
    let mut unreadable = Vec::new();
    let mut files = Vec::with_capacity(results.len());
    let mut counts = Counts {
        files: results.len(),
        roster_units: roster.units.len(),
        ..Counts::default()
    };
    // A submission that states no year is of the year rolled up: said before the manifest's
    // entries, which show the year, are made.
    if let Some(y) = year {
        let read = results.iter_mut().filter_map(|r| match &mut r.outcome {
            Outcome::Read(subs) => Some(subs),
            _ => None,
        });
        for s in read.flatten().filter(|s| s.year.is_none()) {
            s.year = Some(y);
            s.year_evidence = Evidence::RollupYear;
            s.notes
                .push(format!("报告中没有写明年度，按本次汇总的 {y} 年度处理"));
        }
    }
    // What the manifest says of each submission, made on every thread.
    let entries: Vec<Vec<SubmissionEntry>> = results
        .par_iter()
        .map(|r| match &r.outcome {
            Outcome::Read(subs) => subs.iter().map(|s| submission_entry(s, roster)).collect(),
            _ => Vec::new(),
        })
        .collect();
    for (r, entries) in results.into_iter().zip(entries) {
        let (status, reason, subs) = match r.outcome {
            Outcome::Skipped(reason) => {
                counts.skipped += 1;
                ("skipped", Some(reason), Vec::new())
            }
            Outcome::Unreadable(reason) => {
                counts.unreadable += 1;
                unreadable.push(UnreadableFile {
                    source_file: r.relative.clone(),
                    reason: reason.clone(),
                });
                ("unreadable", Some(reason), Vec::new())
            }
            Outcome::Read(subs) => {
                counts.read += 1;
                ("read", None, subs)
            }
        };
        let mut notes = r.notes;
        for s in &subs {
            notes.extend(s.notes.iter().cloned());
        }
        files.push(FileEntry {
            path: r.relative,
            size: r.size,
            sha256: r.sha256,
            status,
            reason,
            submissions: entries,
            notes,
        });
        submissions.extend(subs);
    }
    counts.submissions = submissions.len();
    submissions.sort_by_cached_key(|s| submission_order(s, roster));
    Gathered {
        year,
        submissions,
        unreadable,
        copies,
        files,
        counts,
    }
}

/// Files read whose bytes are another's: downloaded twice, saved as `…(1).xlsx`. The
/// shortest name of each set stays; the others become [`Outcome::Skipped`], so that their
/// unit counts once and not as a duplicate.
fn set_copies_aside(results: &mut [FileResult], roster: &Roster) -> Vec<FileCopy> {
    let mut original_of: foldhash::HashMap<&str, usize> =
        foldhash::HashMap::with_capacity_and_hasher(results.len(), Default::default());
    for (i, r) in results.iter().enumerate() {
        if matches!(r.outcome, Outcome::Read(_)) && !r.sha256.is_empty() {
            let best = original_of.entry(r.sha256.as_str()).or_insert(i);
            let key = |j: usize| (results[j].relative.chars().count(), &results[j].relative);
            if key(i) < key(*best) {
                *best = i;
            }
        }
    }
    // Each file's original, looked up before any is changed: not a copy of every hash.
    let originals: Vec<Option<usize>> = results
        .iter()
        .map(|r| original_of.get(r.sha256.as_str()).copied())
        .collect();
    let mut copies = Vec::new();
    for (i, original) in originals.into_iter().enumerate() {
        let r = &results[i];
        let original = match original {
            Some(o) if o != i && matches!(r.outcome, Outcome::Read(_)) => o,
            _ => continue,
        };
        let name = results[original].relative.clone();
        let unit = match &results[original].outcome {
            Outcome::Read(subs) => subs.first().map(|s| unit_names(s, roster)),
            _ => None,
        };
        let r = &mut results[i];
        copies.push(FileCopy {
            source_file: r.relative.clone(),
            original: name.clone(),
            unit: unit.unwrap_or_default(),
        });
        r.notes.clear();
        r.outcome = Outcome::Skipped(format!("与 {name} 内容完全相同（重复的副本），只计一次"));
    }
    copies
}

/// What the manifest says of a submission: how its unit and year were found, how many
/// fields were read, and every field left empty with its cell and the reason.
pub fn submission_entry(s: &Submission, roster: &Roster) -> SubmissionEntry {
    let fields = crate::schema::fields();
    let mut unread = Vec::new();
    for part in &s.missing {
        unread.push(format!("{}（{} 个字段）", part.what, part.fields.len()));
    }
    for (i, text) in s.values.texts() {
        if let Some(at) = s.location(i) {
            unread.push(format!("{} {}：“{}”不是数字", at, fields[i].id, text));
        }
    }
    for claim in &s.old_format {
        unread.push(format!(
            "{} 是 2019 年试行格式的标签“{}”",
            claim.at, claim.text
        ));
    }
    let unit = s.unit.map(|u| &roster.units[u]);
    SubmissionEntry {
        unit_id: unit.map(|u| u.id.clone()),
        unit_name: unit.map_or(s.claimed_unit.clone(), |u| u.name.clone()),
        unit_from: s.unit_evidence.describe(),
        year: s.year,
        year_from: s.year_evidence.describe(),
        fields_read: s.values.numbers_known(),
        fields_blank: s.values.blanks_count(),
        unread,
    }
}

/// Roster units first in `unit_id` order, then unknown units by the name they gave.
fn submission_order(s: &Submission, roster: &Roster) -> (bool, String, Option<i32>, String) {
    let name = match s.unit {
        Some(u) => roster.units[u].id.clone(),
        None => s.claimed_unit.clone(),
    };
    (s.unit.is_none(), name, s.year, s.source_file.clone())
}

/// The year most submissions state, and how many state it; the later one on a tie.
pub fn most_common(years: &[Option<i32>]) -> Option<(i32, usize)> {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for y in years.iter().flatten() {
        *counts.entry(*y).or_default() += 1;
    }
    counts.into_iter().max_by_key(|&(y, n)| (n, y))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_are_written_in_lower_case_hex() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let expected: String = every_byte.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::hex(&every_byte), expected);
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
