//! `nianbao run`: every submission of a county → normalized rows, anomalies, manifest.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::changes::{self, Comparison, Current, Previous};
use crate::check::{self, County, Review, ReviewOutcome, Severity};
use crate::discover::discover;
use crate::output::{self, html, notices, workbook, ChecksInfo, Manifest, Phase, RunInfo, Writer};
use crate::pipeline::{gather, process_all};
use crate::prior::Prior;
use crate::report;

use crate::rollup::{roll_up, Rollup, Tally};
use crate::roster::Roster;
use crate::settings::Settings;
use rayon::prelude::*;

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
    /// Open errors and warnings: those marked 误报 or 已说明 in the review are not counted.
    pub errors: usize,
    pub warnings: usize,
    pub totals: Tally,
    pub review: ReviewOutcome,
    pub out: PathBuf,
    /// What changed since the previous run into the same --out.
    pub changes: Comparison,
    /// What the clerk may have meant to do otherwise: a likely --year, a --prior at hand,
    /// the files skipped.
    pub hints: Vec<String>,
}

pub fn run(opts: &RunOptions) -> Result<Summary, String> {
    let jobs = opts.jobs.unwrap_or_else(rayon::current_num_threads).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| format!("无法启动 {jobs} 个工作线程（{e}）"))?;
    pool.install(|| run_on(opts, jobs))
}

fn run_on(opts: &RunOptions, jobs: usize) -> Result<Summary, String> {
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if let Some(year) = opts.year {
        super::check_year(year)?;
    }
    // The configuration is loaded while the inputs are listed (at 100,000 units, 0.4 s
    // each): the listing reads no file, and its errors still come after the
    // configuration's and the lock's. An --out in --inputs is left out even if another run,
    // holding the lock, makes it during the listing.
    let (config, listed) = rayon::join(
        || {
            let roster = Roster::load(&opts.config)?;
            let settings = Settings::load(&opts.config)?;
            let prior = opts.prior.as_deref().map(Prior::load).transpose()?;
            if let (Some(prior), Some(year)) = (&prior, opts.year) {
                prior.check_for(year)?;
            }
            let review = Review::load(&opts.config)?;
            Ok::<_, String>((roster, settings, prior, review))
        },
        || discover(&opts.inputs, &[&opts.out, &opts.config]),
    );
    let (roster, settings, prior, review) = config?;
    // The lock on --out is taken, and what an interrupted run left cleaned up, before
    // any input is read: a second run into the same --out stops here, once the inputs
    // are listed.
    let mut staging = output::Staging::begin(&opts.out, &[&opts.inputs, &opts.config])?;
    let mut files = listed?;
    // Where --out lies in the inputs folder, so does its lock file: no submission, not listed.
    files.retain(|f| !staging.keeps(&f.path));

    let mut phases = Phases::new();
    // The previous run's outputs are still in --out: its manifest is read beside the
    // inputs, its CSVs when compared, before they are replaced.
    let (results, previous) = rayon::join(
        || process_all(&files, &roster, opts.year),
        || output::read_previous(staging.out()),
    );
    let previous = previous.map(|manifest| {
        staging.recall(manifest.folder_files);
        Previous::new(staging.out(), manifest.input_hashes)
    });
    let gathered = gather(results, &roster, opts.year);
    // What was found is now in `gathered`: the list of paths (28 MB at 100,000 files) goes.
    drop(files);
    return_freed_memory();
    phases.done("read");
    let year = gathered.year;
    // The year the submissions state, when --year did not say it: checked before anything
    // is written, so that a wrong --prior leaves the previous outputs as they were.
    if let (Some(prior), Some(year)) = (&prior, year) {
        prior.check_for(year)?;
    }
    // Every output is written into the staging folder beside --out, and the staged set
    // takes the place of the previous one once all were made, manifest included: a failure
    // leaves the previous run's outputs whole.
    // normalized.csv (and .parquet) need only the reports and which of them the totals
    // count: written once the rollup is made, beside the units' checks, which need no
    // rollup. The totals' checks wait for both.
    let write_normalized = |rollup: &Rollup| -> Result<(), String> {
        staging.file("normalized.csv", |w| {
            output::normalized_csv(w, &gathered.submissions, &roster, &rollup.left_out)
        })?;
        #[cfg(feature = "parquet")]
        {
            let parquet = output::parquet::normalized_parquet(
                &gathered.submissions,
                &roster,
                &rollup.left_out,
            )?;
            staging.file("normalized.parquet", |w| w.write_all(&parquet))?;
        }
        Ok(())
    };
    let check_units = || {
        check::check_county(&County {
            submissions: &gathered.submissions,
            unreadable: &gathered.unreadable,
            copies: &gathered.copies,
            roster: &roster,
            year,
            prior: prior.as_ref(),
            settings: &settings,
            whole_county: true,
        })
    };
    let roll_up_and_write_normalized = || {
        let rollup = roll_up(&gathered.submissions, &roster, year);
        let normalized = timed("normalized.csv", || write_normalized(&rollup));
        (rollup, normalized)
    };
    let (mut anomalies, (rollup, (normalized, normalized_time))) =
        rayon::join(check_units, roll_up_and_write_normalized);
    normalized?;
    let totals = check::check_totals(
        &rollup,
        &gathered.submissions,
        &anomalies,
        &roster,
        &settings,
    );
    check::extend_exactly(&mut anomalies, totals);
    check::sort(&mut anomalies);
    check::ids::assign(&mut anomalies);
    let reviewed = review.apply(&mut anomalies);
    phases.done("check and roll up");

    let compare_with_previous = || {
        let now = Current {
            submissions: &gathered.submissions,
            anomalies: &anomalies,
            files: &gathered.files,
            roster: &roster,
        };
        changes::with_previous(previous, &now)
    };
    // The CSVs but changes.csv need no comparison: written beside it.
    let write_csvs = || -> Result<(), String> {
        staging.file("anomalies.csv", |w| output::anomalies_csv(w, &anomalies))?;
        let rollup_csv = output::rollup_csv(&rollup);
        staging.file("rollup.csv", |w| w.write_all(&rollup_csv))
    };
    // changes.csv as soon as the comparison is done, each timed on its own.
    let compare_and_write_changes = || {
        let compared = timed("compare with the previous run", compare_with_previous);
        let changes = timed("CSVs", || {
            staging.file("changes.csv", |w| output::changes_csv(w, &compared.0))
        });
        (compared, changes)
    };
    let write_workbook = || {
        staging.file("rollup.xlsx", |w| {
            // The writer's own I/O error as it is, so that a full disk is said to be one.
            output::workbook::rollup_xlsx(w, &rollup, &gathered.submissions, &anomalies, &roster)
                .map_err(|e| match e {
                    rust_xlsxwriter::XlsxError::IoError(e) => e,
                    e => std::io::Error::other(e),
                })
        })
    };
    let pages = report::Pages::new(
        &gathered.submissions,
        &rollup,
        &anomalies,
        &roster,
        prior.as_ref(),
    );
    // The units' pages need no comparison: made beside it and changes.csv. The county's
    // index, which says what changed, after them. The comparison and changes.csv's time
    // come out with the folder.
    let write_pages = || {
        staging.folder("reports", |folder| {
            let units: Vec<usize> = (0..roster.units.len()).collect();
            let ((compared, (changes, changes_time)), written) =
                rayon::join(compare_and_write_changes, || {
                    render_and_put(
                        &units,
                        |&u| {
                            Ok(pages.unit(u).map(|page| {
                                let (file, html) =
                                    (html::page_file(&page.id), html::unit_html(&page));
                                let look = folder.look(&file, html.as_bytes());
                                (file, html, look)
                            }))
                        },
                        |(file, page, look)| folder.put(&file, page.as_bytes(), look),
                    )
                });
            changes?;
            written?;
            let county = pages.county(&gathered.unreadable, &reviewed);
            let index = html::index_html(&county, &compared.0);
            let look = folder.look("index.html", index.as_bytes());
            folder.put("index.html", index.as_bytes(), look)?;
            Ok((compared, changes_time))
        })
    };
    // A notice per unit with open problems: each is a small workbook to compress.
    let write_notices = || {
        staging.folder("notices", |folder| {
            let plan = notices::plan(&anomalies, &roster);
            let date = notices::today_zh();
            let book = notices::Notices::new(year, &date)?;
            render_and_put(
                &plan.notices,
                |n| {
                    let bytes = book.notice(n)?;
                    let look = folder.look(&n.file, &bytes);
                    Ok(Some((n.file.as_str(), bytes, look)))
                },
                |(file, bytes, look)| folder.put(file, &bytes, look),
            )?;
            let index = notices::index_xlsx(&plan.notices, plan.unattributed, year, &date)
                .map_err(|e| format!("无法生成通知清单：{}", workbook::xlsx_reason(&e)))?;
            let look = folder.look(notices::INDEX_FILE, &index);
            folder.put(notices::INDEX_FILE, &index, look)
        })
    };
    // The workbook and the notices need only the checks; the pages and the CSVs also say
    // what changed since the previous run, but only the county's index and changes.csv wait
    // for the comparison. All are made side by side.
    let (
        ((workbook, workbook_time), (notices, notices_time)),
        ((reports, reports_time), (csvs, csvs_time)),
    ) = rayon::join(
        || {
            rayon::join(
                || timed("rollup.xlsx", write_workbook),
                || timed("notices/", write_notices),
            )
        },
        || {
            rayon::join(
                || timed("reports/", write_pages),
                || timed("CSVs", write_csvs),
            )
        },
    );
    csvs?;
    workbook?;
    let ((comparison, compare_time), changes_time) = reports?;
    notices?;
    // The CSVs' time: the two written beside the comparison, and changes.csv after it.
    let csvs_time = Writer {
        seconds: csvs_time.seconds + changes_time.seconds,
        ..csvs_time
    };
    phases.done("write outputs");
    // Each problem once: a total's anomaly that repeats the units' own is listed, not counted.
    let count = |s: Severity| {
        anomalies
            .iter()
            .filter(|a| a.severity == s && !a.repeats_units)
            .count()
    };
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
        repeats_of_units: anomalies.iter().filter(|a| a.repeats_units).count(),
    };
    let mut manifest = Manifest {
        tool: "nianbao",
        version: env!("CARGO_PKG_VERSION"),
        run: RunInfo {
            started_unix,
            seconds: started.elapsed().as_secs_f64(),
            jobs,
            phases: phases.list,
            writers: vec![
                normalized_time,
                compare_time,
                csvs_time,
                workbook_time,
                reports_time,
                notices_time,
            ],
        },
        inputs: display(&opts.inputs),
        config: display(&opts.config),
        year,
        counts: gathered.counts,
        totals: rollup.tally(&roster),
        checks,
        review: &reviewed,
        files: gathered.files,
        folder_files: staging.take_folder_files(),
    };
    let hints = hints(opts, &manifest, prior.is_some(), &gathered.submissions);
    output::failpoint("before-manifest");
    // What only the outputs needed is freed beside the manifest's writing and the switch,
    // not after them: 0.2 s at 100,000 units.
    let outputs_made_of = (gathered.submissions, anomalies, rollup);
    let (switched, ()) = rayon::join(
        || {
            // Written as it is made (84 MB of text at 100,000 files), its lists on every thread.
            staging.file("manifest.json", |w| manifest.write_to(w))?;
            staging.switch()
        },
        move || drop(outputs_made_of),
    );
    switched?;
    Ok(Summary {
        hints,
        files: manifest.counts.files,
        submissions: manifest.counts.submissions,
        unreadable: manifest.counts.unreadable,
        skipped: manifest.counts.skipped,
        errors: reviewed.counts.open_errors,
        warnings: reviewed.counts.open_warnings,
        totals: manifest.totals.clone(),
        review: reviewed.clone(),
        out: opts.out.clone(),
        changes: comparison,
    })
}

/// Lines for the clerk after the summary: a --year that no report has while most name
/// another; last year's data in the config folder, unused; the files skipped and why.
fn hints(
    opts: &RunOptions,
    manifest: &Manifest,
    with_prior: bool,
    submissions: &[crate::normalize::Submission],
) -> Vec<String> {
    let mut hints = Vec::new();
    if let (Some(year), 0) = (opts.year, manifest.totals.counted_units) {
        let stated: Vec<Option<i32>> = submissions.iter().map(|s| s.year).collect();
        if let Some((stated, n)) = crate::pipeline::most_common(&stated) {
            hints.push(format!(
                "没有一份报告计入 {year} 年度的汇总，而 {n} 份报告写的是 {stated} 年度：--year 是否写错了？"
            ));
        }
    }
    if !with_prior {
        let earlier = |(y, _): &(i32, PathBuf)| manifest.year.is_none_or(|run| *y < run);
        if let Some((_, last)) = prior_beside(&opts.config).filter(earlier) {
            hints.push(format!(
                "配置文件夹中有上年数据 {0}：加 --prior {0} 可运行与上年比较的规则",
                last.display()
            ));
        }
    }
    let skipped: Vec<String> = manifest
        .files
        .iter()
        .filter(|f| f.status == "skipped")
        .map(|f| format!("{}（{}）", f.path, f.reason.as_deref().unwrap_or("")))
        .collect();
    if !skipped.is_empty() {
        const SHOWN: usize = 5;
        let more = if skipped.len() > SHOWN {
            format!(" 等 {} 个，见 manifest.json", skipped.len())
        } else {
            String::new()
        };
        hints.push(format!(
            "跳过的文件：{}{more}",
            skipped[..skipped.len().min(SHOWN)].join("、")
        ));
    }
    hints
}

/// Last year's outputs kept in the config folder as `normalized-<year>.csv`, the latest year.
pub fn prior_beside(config: &Path) -> Option<(i32, PathBuf)> {
    std::fs::read_dir(config)
        .ok()?
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let year: i32 = name
                .strip_prefix("normalized-")?
                .strip_suffix(".csv")?
                .parse()
                .ok()?;
            Some((year, config.join(name)))
        })
        .max()
}

/// Runs one writer of the outputs and notes how long it took.
fn timed<T>(name: &'static str, write: impl FnOnce() -> T) -> (T, Writer) {
    let started = Instant::now();
    let result = write();
    let seconds = started.elapsed().as_secs_f64();
    (result, Writer { name, seconds })
}

/// Pages (or notices) rendered at once before they are written: a batch of pages is about
/// 2 MB, and two are held (one rendered, one being written).
const PAGE_BATCH: usize = 128;

/// Renders `items` (`None`: nothing to write) a batch at a time in parallel, and writes each
/// batch from one thread while the next one is rendered. Files are created one at a time:
/// two threads creating files in one folder only contend for its lock (the profile shows
/// them spinning). Written beside the rendering, they are not a serial step after it; and a
/// province's pages are never all in memory at once.
fn render_and_put<'a, T: Sync, R: Send + Sync>(
    items: &'a [T],
    render: impl Fn(&'a T) -> Result<Option<R>, String> + Sync,
    put: impl Fn(R) -> Result<(), String> + Sync,
) -> Result<(), String> {
    let mut ready: Vec<R> = Vec::new();
    for batch in items.chunks(PAGE_BATCH) {
        let to_put = std::mem::take(&mut ready);
        let (rendered, written) = rayon::join(
            || {
                batch
                    .par_iter()
                    .filter_map(|item| render(item).transpose())
                    .collect::<Result<Vec<R>, String>>()
            },
            || to_put.into_iter().try_for_each(&put),
        );
        written?;
        ready = rendered?;
    }
    ready.into_iter().try_for_each(put)
}

/// Has every thread of the pool take back what other threads freed of its memory, and give
/// the system what is then unused, at the end of a phase that freed much. mimalloc does it
/// lazily, when the thread next allocates: the memory the reading freed stayed held in some
/// runs, and at 100,000 units the checks' peak came 40–50 MB higher.
fn return_freed_memory() {
    #[cfg(not(target_env = "musl"))]
    // SAFETY: mi_collect only frees memory no allocation holds; it takes no pointers.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(false) });
}

/// Wall time and process CPU time of each phase of a run, for the manifest.
struct Phases {
    last: Instant,
    last_cpu: Option<f64>,
    list: Vec<Phase>,
}

impl Phases {
    fn new() -> Self {
        Phases {
            last: Instant::now(),
            last_cpu: process_cpu_seconds(),
            list: Vec::new(),
        }
    }

    fn done(&mut self, name: &'static str) {
        let now = Instant::now();
        let cpu = process_cpu_seconds();
        self.list.push(Phase {
            name,
            seconds: (now - self.last).as_secs_f64(),
            cpu_seconds: cpu.zip(self.last_cpu).map(|(now, last)| now - last),
            peak_mb: peak_memory_mb(),
        });
        self.last = now;
        self.last_cpu = cpu;
    }
}

/// CPU time used so far by every thread of this process.
#[cfg(target_os = "linux")]
fn process_cpu_seconds() -> Option<f64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
}

#[cfg(not(target_os = "linux"))]
fn process_cpu_seconds() -> Option<f64> {
    None
}

/// The peak resident memory of this process so far (`VmHWM`), in MB.
#[cfg(target_os = "linux")]
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

#[cfg(not(target_os = "linux"))]
fn peak_memory_mb() -> Option<f64> {
    None
}

/// A folder as the manifest names it: as given, in the system's own form. On Windows that is
/// `D:\年报\inputs`, backslashes and drive letter, as the clerk typed or Explorer shows it;
/// elsewhere a `\` is written `/`, as it always was.
fn display(p: &Path) -> String {
    #[cfg(windows)]
    return p.to_string_lossy().into_owned();
    #[cfg(not(windows))]
    return p.to_string_lossy().replace('\\', "/");
}

/// What a run prints: the review file's warnings on stderr, then the one-line summary with
/// the open errors and warnings, and the decisions whose anomaly no longer occurs.
pub fn print_summary(s: &Summary) {
    for warning in &s.review.warnings {
        eprintln!("警告：{warning}");
    }
    let dismissed = s.review.counts.dismissed();
    let dismissed = if dismissed > 0 {
        format!("（另有 {dismissed} 个已审核为误报或已说明，不计）")
    } else {
        String::new()
    };
    println!(
        "{} 个文件：{} 份报告，{} 个无法读取，{} 个跳过；{} 个错误，{} 个警告{dismissed}。输出在 {}",
        s.files,
        s.submissions,
        s.unreadable,
        s.skipped,
        s.errors,
        s.warnings,
        s.out.display()
    );
    println!("{}", totals_line(&s.totals));
    for hint in &s.hints {
        println!("提示：{hint}");
    }
    println!("{}", s.changes.summary_zh());
    if !s.review.resolved.is_empty() {
        println!(
            "审核：{} 条决定所针对的问题本次已不再出现（已解决）：",
            s.review.resolved.len()
        );
        for r in &s.review.resolved {
            let note = if r.note.is_empty() {
                String::new()
            } else {
                format!("，{}", r.note)
            };
            println!("  {}（原为{}{note}；{}）", r.anomaly_id, r.status, r.line);
        }
    }
}

/// 汇总计入 10/12 个单位；2 个单位没有计入的报告；另有 3 份报告未计入：不在名单中 2 份、年度不符 1 份.
fn totals_line(t: &Tally) -> String {
    let mut line = format!("汇总计入 {}/{} 个单位", t.counted_units, t.expected_units);
    if t.missing_units() > 0 {
        line.push_str(&format!(
            "；{} 个单位没有计入汇总的报告（见 anomalies.csv）",
            t.missing_units()
        ));
    }
    if t.left_out_reports() > 0 {
        line.push_str(&format!(
            "；另有 {} 份报告未计入：{}",
            t.left_out_reports(),
            t.left_out_zh("、")
        ));
    }
    line.push('。');
    line
}
