//! Issue 12: hostile submissions. Each test writes one hostile file (made here, see
//! `hostile_files`) beside one good submission, runs the real binary on them, and asks what
//! a county clerk needs: exit 0, no panic, every file in manifest.json with a reason in
//! Chinese, the good submission still read, in seconds, under 1 GB of peak memory.
//!
//! The runs take turns (one at a time in this binary) so that their times and memory are
//! their own, and each child is capped (`RLIMIT_AS`, 4 GB unless `HOSTILE_RLIMIT_MB` says
//! otherwise) so that a reader that runs away fails here instead of taking the machine.
#![cfg(unix)]

mod common;
mod hostile_files;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use hostile_files as make;

/// Bound for one run of the debug binary on two files: wall-clock seconds, or CPU seconds
/// when the shared machine is so busy that the wall clock says more about it than about us.
const MAX_SECONDS: f64 = 20.0;
/// Peak resident memory bound.
const MAX_RSS_MB: f64 = 1024.0;
/// A run still going after this is killed and fails.
const KILL_AFTER: Duration = Duration::from_secs(60);

const GOOD: &str = "乡镇/易俗河镇2024年政府信息公开年报.xlsx";

static TURN: Mutex<()> = Mutex::new(());

fn nianbao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
}

/// A demo county of two clean units, made once per test binary.
fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = common::temp_dir("hostile-demo");
        let out = nianbao()
            .args(["demo", "--units", "2", "--clean", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

struct Run {
    case: String,
    dir: PathBuf,
    exit: Option<i32>,
    signal: Option<i32>,
    killed: bool,
    seconds: f64,
    /// User plus system CPU time of the child.
    cpu_seconds: f64,
    rss_mb: f64,
    stderr: String,
    manifest: Option<serde_json::Value>,
}

/// A county folder for `case` (the demo's config, its good submission and whatever `setup`
/// adds under `inputs/`), and one run of `nianbao run` on it.
fn run_case(case: &str, setup: impl FnOnce(&Path)) -> Run {
    let dir = common::temp_dir(&format!("hostile-{case}"));
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(inputs.join("乡镇")).unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::copy(
        demo().join("config/units.csv"),
        dir.join("config/units.csv"),
    )
    .unwrap();
    std::fs::copy(demo().join("inputs").join(GOOD), inputs.join(GOOD)).unwrap();
    setup(&inputs);
    let out = dir.join("out");
    let stderr_path = dir.join("stderr.txt");

    let limit_mb: u64 = std::env::var("HOSTILE_RLIMIT_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4096);
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let mut cmd = nianbao();
    cmd.arg("run")
        .arg("--inputs")
        .arg(&inputs)
        .arg("--config")
        .arg(dir.join("config"))
        .arg("--out")
        .arg(&out)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    {
        use std::os::unix::process::CommandExt;
        let bytes = limit_mb * 1024 * 1024;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let start = Instant::now();
    let child = cmd.spawn().expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: waiting on our own child, with valid pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > KILL_AFTER && !killed {
            // SAFETY: our child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let seconds = start.elapsed().as_secs_f64();
    drop(child); // reaped above
    let (exit, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    let stderr =
        String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap_or_default()).into_owned();
    let manifest = std::fs::read(out.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let run = Run {
        case: case.to_string(),
        dir,
        exit,
        signal,
        killed,
        seconds,
        cpu_seconds: [usage.ru_utime, usage.ru_stime]
            .iter()
            .map(|t| t.tv_sec as f64 + t.tv_usec as f64 / 1e6)
            .sum(),
        rss_mb: usage.ru_maxrss as f64 / 1024.0,
        stderr,
        manifest,
    };
    eprintln!("hostile {}: {}", run.case, run.summary());
    run
}

/// A run whose only input besides the good submission is `name` holding `bytes`.
fn run_file(case: &str, name: &str, bytes: &[u8]) -> Run {
    run_case(case, |inputs| {
        let path = inputs.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    })
}

impl Run {
    fn summary(&self) -> String {
        let end = match (self.exit, self.signal) {
            _ if self.killed => format!("killed after {} s", KILL_AFTER.as_secs()),
            (Some(c), _) => format!("exit {c}"),
            (_, Some(s)) => format!("signal {s}"),
            _ => "?".into(),
        };
        format!(
            "{end}, {:.2} s ({:.2} s CPU), peak RSS {:.0} MB",
            self.seconds, self.cpu_seconds, self.rss_mb
        )
    }

    fn file(&self, path: &str) -> Option<&serde_json::Value> {
        self.manifest.as_ref()?["files"]
            .as_array()?
            .iter()
            .find(|f| f["path"] == path)
    }

    /// What is wrong with this run, in words; empty when it is all right. `hostile` must be
    /// in the manifest with one of `statuses`, and, if `reasons` is not empty, a reason that
    /// contains one of them.
    fn problems(&self, hostile: &str, statuses: &[&str], reasons: &[&str]) -> Vec<String> {
        let mut p = Vec::new();
        if self.killed {
            p.push(format!("still running after {} s", KILL_AFTER.as_secs()));
        }
        match (self.exit, self.signal) {
            (Some(0), _) => {}
            (Some(c), _) => p.push(format!("exit status {c}, not 0")),
            (_, Some(s)) => p.push(format!("killed by signal {s} (6 is an abort)")),
            _ => p.push("no exit status".into()),
        }
        if let Some(line) = self.stderr.lines().find(|l| l.contains("panicked")) {
            p.push(format!("panic: {line}"));
        }
        if self.stderr.contains("memory allocation of") {
            p.push("a failed allocation aborted the process".into());
        }
        // Wall time, unless the machine was busy: a run that used less CPU than the bound
        // (two workers' worth included) was slowed by others, not by the file.
        if self.seconds > MAX_SECONDS && self.cpu_seconds > MAX_SECONDS {
            p.push(format!(
                "took {:.1} s, {:.1} s of CPU (bound {MAX_SECONDS} s)",
                self.seconds, self.cpu_seconds
            ));
        }
        if self.rss_mb > MAX_RSS_MB {
            p.push(format!(
                "peak RSS {:.0} MB (bound {MAX_RSS_MB} MB)",
                self.rss_mb
            ));
        }
        if self.manifest.is_none() {
            p.push("no manifest.json".into());
            return p;
        }
        match self.file(GOOD) {
            Some(f) if f["status"] == "read" => {}
            Some(f) => p.push(format!("the good submission was not read: {f}")),
            None => p.push("the good submission is not in the manifest".into()),
        }
        match self.file(hostile) {
            None => p.push(format!("{hostile} is not in the manifest")),
            Some(f) => {
                let status = f["status"].as_str().unwrap_or("");
                let reason = f["reason"].as_str().unwrap_or("");
                if !statuses.contains(&status) {
                    p.push(format!(
                        "{hostile}: status {status:?}, expected one of {statuses:?}"
                    ));
                }
                if status != "read"
                    && !reason
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                {
                    p.push(format!("{hostile}: reason {reason:?} is not in Chinese"));
                }
                if !reasons.is_empty() && !reasons.iter().any(|r| reason.contains(r)) {
                    p.push(format!(
                        "{hostile}: reason {reason:?} contains none of {reasons:?}"
                    ));
                }
            }
        }
        p
    }

    /// The problems, with what the run printed, for a failure message; the run's folder is
    /// kept when there is one, removed otherwise.
    fn report(&self, problems: Vec<String>) -> Option<String> {
        if problems.is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
            return None;
        }
        let tail: String = {
            let chars: Vec<char> = self.stderr.chars().collect();
            chars[chars.len().saturating_sub(2500)..].iter().collect()
        };
        Some(format!(
            "{} ({}; kept in {}):\n  - {}\n  stderr (end):\n{}",
            self.case,
            self.summary(),
            self.dir.display(),
            problems.join("\n  - "),
            tail
        ))
    }
}

/// Fails with every failed run's story.
fn conclude(failures: Vec<Option<String>>) {
    let failures: Vec<String> = failures.into_iter().flatten().collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

const READ_OR_NOT: &[&str] = &["unreadable", "read"];

fn check_file(
    case: &str,
    name: &str,
    bytes: &[u8],
    statuses: &[&str],
    reasons: &[&str],
) -> Option<String> {
    let run = run_file(case, name, bytes);
    if let Some(f) = run.file(name) {
        eprintln!("hostile {case}: {} {}", f["status"], f["reason"]);
    }
    run.report(run.problems(name, statuses, reasons))
}

// ---- the harness itself ---------------------------------------------------------------

#[test]
fn the_good_county_alone_runs_cleanly() {
    let run = run_case("baseline", |_| {});
    let problems = run.problems(GOOD, &["read"], &[]);
    conclude(vec![run.report(problems)]);
}

#[test]
fn the_fixture_mutations_parse_back() {
    let x = make::cfb::Xls::open(make::XLS_FIXTURE);
    assert!(x.records().len() > 100);
    for bytes in [
        make::xls_zero_length_sheet_bof(),
        make::xls_zero_length_codepage(),
        make::xls_filepass(),
        make::xls_cell_at(65535, 255),
    ] {
        assert_eq!(bytes.len(), make::XLS_FIXTURE.len());
        let y = make::cfb::Xls::open(&bytes);
        let ends: Vec<usize> = y.records().iter().map(|r| r.end()).collect();
        assert_eq!(ends.last(), x.records().last().map(|r| r.end()).as_ref());
    }
    let filepass = make::cfb::Xls::open(&make::xls_filepass());
    assert_eq!(filepass.records()[1].typ, 0x002F);
    let enc = make::xlsx_encrypted();
    let layout = make::cfb::Layout::parse(&enc);
    assert_eq!(layout.entry("EncryptedPackage").size, 12_008);
    assert_eq!(layout.entry("EncryptionInfo").size, 4096);
}

// ---- xls: one file must not kill the run ----------------------------------------------

#[test]
fn xls_truncated_copy() {
    let len = make::XLS_FIXTURE.len();
    assert_eq!(len, 9728);
    conclude(
        [8192, 8448, 8704, 8783]
            .into_iter()
            .map(|cut| {
                check_file(
                    &format!("xls-cut-{cut}"),
                    "乡镇/河口镇.xls",
                    &make::xls_truncated(cut),
                    &["unreadable"],
                    &[],
                )
            })
            .collect(),
    );
}

#[test]
fn xls_record_of_length_zero() {
    conclude(vec![
        check_file(
            "xls-zero-bof",
            "乡镇/河口镇.xls",
            &make::xls_zero_length_sheet_bof(),
            READ_OR_NOT,
            &[],
        ),
        check_file(
            "xls-zero-codepage",
            "乡镇/河口镇.xls",
            &make::xls_zero_length_codepage(),
            READ_OR_NOT,
            &[],
        ),
    ]);
}

#[test]
fn xls_boundsheet_offset_past_the_stream() {
    conclude(vec![check_file(
        "xls-boundsheet",
        "乡镇/河口镇.xls",
        &make::xls_boundsheet_offset_ffffffff(),
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn xls_dimensions_with_inverted_rows() {
    conclude(vec![check_file(
        "xls-dimensions",
        "乡镇/河口镇.xls",
        &make::xls_inverted_dimensions(),
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn xls_cell_beyond_the_last_column() {
    conclude(vec![
        check_file(
            "xls-cell-65535-16383",
            "乡镇/河口镇.xls",
            &make::xls_cell_at(65535, 16383),
            READ_OR_NOT,
            &[],
        ),
        check_file(
            "xls-cell-65535-65535",
            "乡镇/河口镇.xls",
            &make::xls_cell_at(65535, 65535),
            READ_OR_NOT,
            &[],
        ),
    ]);
}

#[test]
fn xls_cell_in_the_last_row() {
    conclude(vec![check_file(
        "xls-cell-65535-255",
        "乡镇/河口镇.xls",
        &make::xls_cell_at(65535, 255),
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn xls_loop_in_the_sector_chain() {
    conclude(vec![check_file(
        "xls-chain-loop",
        "乡镇/河口镇.xls",
        &make::xls_directory_chain_loop(),
        &["unreadable"],
        &[],
    )]);
}

// ---- encrypted ------------------------------------------------------------------------

#[test]
fn xls_with_a_password_says_so() {
    conclude(vec![check_file(
        "xls-filepass",
        "乡镇/河口镇.xls",
        &make::xls_filepass(),
        &["unreadable"],
        &["已加密"],
    )]);
}

#[test]
fn xlsx_with_a_password_says_so() {
    conclude(vec![check_file(
        "xlsx-encrypted",
        "乡镇/河口镇.xlsx",
        &make::xlsx_encrypted(),
        &["unreadable"],
        &["已加密"],
    )]);
}

// ---- xlsx: one file must not kill the run ---------------------------------------------

/// A shared-string table that declares far more strings than it holds (calamine reserved
/// room for the count it declared, gigabytes or an abort): the strings it has are read.
#[test]
fn xlsx_unique_count_out_of_reason_is_read_for_what_it_holds() {
    for declared in ["100000000", "18446744073709551616"] {
        let book = nianbao::read::read(&make::xlsx_unique_count(declared), "xlsx").expect(declared);
        assert_eq!(
            book.sheets[0].rows[0][0],
            nianbao::grid::Cell::Text("填报单位：河口镇".into())
        );
    }
}

#[test]
fn xlsx_shared_strings_unique_count_out_of_reason() {
    conclude(
        [
            "100000000",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
        ]
        .into_iter()
        .map(|n| {
            check_file(
                &format!("xlsx-unique-count-{n}"),
                "乡镇/河口镇.xlsx",
                &make::xlsx_unique_count(n),
                READ_OR_NOT,
                &[],
            )
        })
        .collect(),
    );
}

#[test]
fn xlsx_shared_formula_index_of_four_billion() {
    conclude(vec![check_file(
        "xlsx-shared-formula-si",
        "乡镇/河口镇.xlsx",
        &make::xlsx_shared_formula_index("4000000000"),
        READ_OR_NOT,
        &[],
    )]);
}

// ---- memory out of proportion ---------------------------------------------------------

#[test]
fn xlsx_zip_bomb() {
    let bytes = make::xlsx_zip_bomb(2_000_000_000);
    assert!(bytes.len() < 5_000_000, "{} bytes", bytes.len());
    conclude(vec![check_file(
        "xlsx-zip-bomb",
        "乡镇/河口镇.xlsx",
        &bytes,
        &["unreadable"],
        &["文件过大", "解压后超过"],
    )]);
}

/// Found by the xlsx fuzzer on merged main: calamine's reference parser multiplies without
/// checking (xlsx/mod.rs:3097 for columns, 3112 for rows): a panic in the debug build, a
/// wrapped position in release. The reader here parses addresses itself, within the sheet.
#[test]
fn xlsx_cell_reference_past_u32() {
    conclude(
        ["ZZZZZZZZ1", "A99999999999"]
            .into_iter()
            .map(|r| {
                check_file(
                    &format!("xlsx-reference-{r}"),
                    "乡镇/河口镇.xlsx",
                    &make::xlsx_cell_reference(r),
                    READ_OR_NOT,
                    &[],
                )
            })
            .collect(),
    );
}

#[test]
fn xlsx_zip_bomb_whose_sizes_lie() {
    let bytes = make::xlsx_zip_bomb_lying(2_000_000_000, 40_000);
    assert!(bytes.len() < 5_000_000, "{} bytes", bytes.len());
    conclude(vec![check_file(
        "xlsx-zip-bomb-lying",
        "乡镇/河口镇.xlsx",
        &bytes,
        &["unreadable"],
        &[],
    )]);
}

#[test]
fn xlsx_cells_at_a1_and_iv65536() {
    let bytes = make::xlsx_far_corners(3);
    assert!(bytes.len() < 16_000, "{} bytes", bytes.len());
    conclude(vec![check_file(
        "xlsx-far-corners",
        "乡镇/河口镇.xlsx",
        &bytes,
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn xlsx_dense_sheet() {
    let bytes = make::xlsx_dense_sheet();
    assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
    conclude(vec![check_file(
        "xlsx-dense",
        "乡镇/河口镇.xlsx",
        &bytes,
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn xlsx_shared_strings_of_400_mb() {
    let bytes = make::xlsx_big_shared_strings(400_000_000);
    assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
    conclude(vec![check_file(
        "xlsx-big-strings",
        "乡镇/河口镇.xlsx",
        &bytes,
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn csv_one_line_of_50_mb() {
    conclude(vec![check_file(
        "csv-long-line",
        "乡镇/河口镇.csv",
        &make::csv_one_long_line(50_000_000),
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn csv_five_million_short_rows() {
    conclude(vec![check_file(
        "csv-many-rows",
        "乡镇/河口镇.csv",
        &make::csv_many_short_rows(5_000_000),
        READ_OR_NOT,
        &[],
    )]);
}

// ---- time -----------------------------------------------------------------------------

#[test]
fn long_csv_of_20000_units_in_seconds() {
    conclude(vec![check_file(
        "long-csv-20000",
        "乡镇/全县长表.csv",
        &make::long_csv_units(20_000),
        READ_OR_NOT,
        &[],
    )]);
}

#[test]
fn long_csv_with_a_quoted_field_of_50_mb() {
    conclude(vec![check_file(
        "long-csv-quoted",
        "乡镇/河口镇长表.csv",
        &make::long_csv_quoted_field(50_000_000),
        READ_OR_NOT,
        &[],
    )]);
}

// ---- what is under --inputs -----------------------------------------------------------

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(r, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

#[test]
fn a_fifo_under_inputs_is_skipped() {
    let plain = run_case("fifo", |inputs| mkfifo(&inputs.join("乡镇/管道.csv")));
    let plain_problems = plain.problems("乡镇/管道.csv", &["skipped"], &["不是普通文件"]);
    let hidden = run_case("fifo-hidden", |inputs| mkfifo(&inputs.join(".pipe.csv")));
    let hidden_problems = hidden.problems(".pipe.csv", &["skipped"], &["不是普通文件", "隐藏"]);
    conclude(vec![
        plain.report(plain_problems),
        hidden.report(hidden_problems),
    ]);
}

/// Folders `depth` deep, each named with `len` bytes, made with *at() calls: the path to
/// the deepest is longer than PATH_MAX, so even root cannot list it by its path.
fn deep_folders(root: &Path, name: &str, depth: usize) {
    use std::os::unix::ffi::OsStrExt;
    let c = |b: &[u8]| std::ffi::CString::new(b).unwrap();
    let root = c(root.as_os_str().as_bytes());
    let name = c(name.as_bytes());
    // SAFETY: valid paths; every descriptor opened here is closed here.
    unsafe {
        let mut fd = libc::open(root.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..depth {
            assert_eq!(libc::mkdirat(fd, name.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let file = c(b"\xe6\xb7\xb1.csv"); // 深.csv
        let f = libc::openat(fd, file.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o644);
        assert!(f >= 0);
        libc::close(f);
        libc::close(fd);
    }
}

#[test]
fn a_folder_that_cannot_be_listed_does_not_stop_the_run() {
    let mut failures = Vec::new();
    // As root, chmod 000 does not stop reading; a path longer than PATH_MAX does.
    let deep = "d".repeat(250);
    let run = run_case("deep-folder", |inputs| {
        std::fs::create_dir_all(inputs.join("深层")).unwrap();
        deep_folders(&inputs.join("深层"), &deep, 20);
    });
    let mut problems = run.problems(GOOD, &["read"], &[]);
    let text = run
        .manifest
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_default();
    if run.manifest.is_some() && !text.contains("深层/") {
        problems.push("the folder that could not be listed is not in the manifest".into());
    }
    failures.push(run.report(problems));

    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        let run = run_case("locked-folder", |inputs| {
            use std::os::unix::fs::PermissionsExt;
            let locked = inputs.join("上锁");
            std::fs::create_dir_all(&locked).unwrap();
            std::fs::write(locked.join("a.csv"), "a\n").unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        });
        let mut problems = run.problems(GOOD, &["read"], &[]);
        let text = run
            .manifest
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default();
        if run.manifest.is_some() && !text.contains("上锁") {
            problems.push("the locked folder is not in the manifest".into());
        }
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(
            run.dir.join("inputs/上锁"),
            std::fs::Permissions::from_mode(0o755),
        );
        failures.push(run.report(problems));
    } else {
        eprintln!("running as root: chmod 000 does not stop root reading; the locked-folder case is skipped");
    }
    conclude(failures);
}

/// A sheet whose data fails its checksum is skipped with a note; the workbook's other
/// sheets are read. (The reader unpacks each part once, and parses nothing that failed.)
#[test]
fn xlsx_sheet_failing_its_checksum_is_skipped_and_the_rest_read() {
    use make::zip::{self, Entry};
    let cell = |text: &str| {
        format!("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>{text}</t></is></c></row>")
    };
    let mut damaged = Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(&cell("坏"), None));
    damaged.crc ^= 1;
    for first in [
        damaged,
        Entry::stored("xl/worksheets/sheet1.xml", b"<worksheet"),
    ] {
        let good = Entry::deflated("xl/worksheets/sheet2.xml", &zip::sheet(&cell("好"), None));
        let bytes = zip::xlsx(vec![first, good], None);
        let book = nianbao::read::read(&bytes, "xlsx").expect("the other sheet is read");
        let names: Vec<&str> = book.sheets.iter().map(|s| &*s.name).collect();
        assert_eq!(names, ["Sheet2"], "{:?}", book.notes);
        assert_eq!(
            book.sheets[0].rows[0][0],
            nianbao::grid::Cell::Text("好".into())
        );
        assert!(
            book.notes.iter().any(|n| n.contains("工作表“Sheet1”")),
            "{:?}",
            book.notes
        );
    }
}

/// A sheet whose directory entry says its packed data runs past the end of the file (a
/// flipped byte in the size): the data is read to the end of the file, and the sheet, whose
/// stream ends and whose checksum holds, is read, as the zip crate's reader read it.
#[test]
fn xlsx_sheet_whose_packed_size_runs_past_the_file_is_read() {
    use make::zip::{self, Entry};
    let rows = "<row r=\"1\"><c r=\"A1\"><v>7</v></c></row>";
    let sheet = Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(rows, None));
    let mut bytes = zip::xlsx(vec![sheet], None);
    // The central directory's entry: its name is the last of the name's occurrences, 46
    // bytes after the entry's start; the packed size is at 20.
    let name = b"xl/worksheets/sheet1.xml";
    let at = bytes.windows(name.len()).rposition(|w| w == name).unwrap() - 46;
    assert_eq!(bytes[at..at + 4], 0x0201_4b50u32.to_le_bytes());
    let past = (bytes.len() as u32 * 2).to_le_bytes();
    bytes[at + 20..at + 24].copy_from_slice(&past);
    let book = nianbao::read::read(&bytes, "xlsx").expect("the workbook is read");
    assert_eq!(book.sheets.len(), 1, "{:?}", book.notes);
    assert_eq!(book.sheets[0].rows[0][0], nianbao::grid::Cell::Number(7.0));
}

/// A part packed in a way the zip reader does not know (bzip2, method 12), that no reader
/// opens: the workbook is read as if it were not there.
#[test]
fn xlsx_with_a_part_in_an_unknown_packing_is_read() {
    use make::zip::{self, Entry};
    let rows = "<row r=\"1\"><c r=\"A1\"><v>7</v></c></row>";
    let sheet = Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(rows, None));
    let mut image = Entry::stored("xl/media/image1.png", b"BZh91AY&SY not really");
    image.method = 12;
    let book = nianbao::read::read(&zip::xlsx_with(vec![sheet], None, vec![image]), "xlsx")
        .expect("the workbook is read");
    assert_eq!(book.sheets.len(), 1, "{:?}", book.notes);
    assert_eq!(book.sheets[0].rows[0][0], nianbao::grid::Cell::Number(7.0));
}

/// A sheet packed in a way the reader does not know: it is skipped, and the note says why
/// (not that its data is damaged); the other sheet is read.
#[test]
fn xlsx_sheet_in_an_unknown_packing_is_skipped_saying_so() {
    use make::zip::{self, Entry};
    let rows = "<row r=\"1\"><c r=\"A1\"><v>7</v></c></row>";
    let mut odd = Entry::stored("xl/worksheets/sheet1.xml", &zip::sheet(rows, None));
    odd.method = 12;
    let good = Entry::deflated("xl/worksheets/sheet2.xml", &zip::sheet(rows, None));
    let book = nianbao::read::read(&zip::xlsx(vec![odd, good], None), "xlsx").expect("read");
    let names: Vec<&str> = book.sheets.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["Sheet2"], "{:?}", book.notes);
    assert!(
        book.notes
            .iter()
            .any(|n| n.contains("Sheet1") && n.contains("压缩方式不受支持")),
        "{:?}",
        book.notes
    );
}

/// An xlsx with `entries` after its content types and package relationships (a workbook at
/// `xl/workbook.xml` with a sheet `rId1`), for packages the usual builder cannot make.
fn xlsx_of(entries: Vec<make::zip::Entry>) -> Vec<u8> {
    package_of("xl/workbook.xml", entries)
}

/// The same with the package's relationships naming the workbook at `workbook`.
fn package_of(workbook: &str, entries: Vec<make::zip::Entry>) -> Vec<u8> {
    use make::zip::Entry;
    let types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";
    let root_rels = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"{workbook}\"/></Relationships>");
    let mut all = vec![
        Entry::stored("[Content_Types].xml", types.as_bytes()),
        Entry::stored("_rels/.rels", root_rels.as_bytes()),
    ];
    all.extend(entries);
    make::zip::write(&all)
}

fn workbook_xml(sheet: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"{sheet}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>").into_bytes()
}

const SHEET_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

/// Two parts whose names differ only in case (or `\` for `/`): the last is read, as calamine
/// and Excel read it (the workbook, and the sheet whose cells are read).
#[test]
fn xlsx_parts_named_alike_are_read_as_calamine_reads_them() {
    use make::zip::{self, Entry};
    let cell = "<row r=\"1\"><c r=\"A1\"><v>5</v></c></row>";
    // The workbook: the second of two names, same length, both packed.
    let bytes = xlsx_of(vec![
        Entry::deflated("xl/workbook.xml", &workbook_xml("AAAA")),
        Entry::deflated("XL/WORKBOOK.XML", &workbook_xml("BBBB")),
        Entry::stored("xl/_rels/workbook.xml.rels", SHEET_RELS.as_bytes()),
        Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(cell, None)),
    ]);
    let book = nianbao::read::read(&bytes, "xlsx").expect("read");
    let names: Vec<&str> = book.sheets.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["BBBB"], "{:?}", book.notes);
    // A sheet: the clean one first, then one whose reference is past the sheet's end.
    let bad = "<row r=\"1\"><c r=\"A99999999999\"><v>5</v></c></row>";
    for second in ["XL/WORKSHEETS/SHEET1.XML", "xl\\worksheets\\sheet1.xml"] {
        let bytes = xlsx_of(vec![
            Entry::stored("xl/workbook.xml", &workbook_xml("表")),
            Entry::stored("xl/_rels/workbook.xml.rels", SHEET_RELS.as_bytes()),
            Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(cell, None)),
            Entry::deflated(second, &zip::sheet(bad, None)),
        ]);
        let book = nianbao::read::read(&bytes, "xlsx").map(|b| b.notes);
        let said = format!("{book:?}");
        assert!(said.contains("超出工作表范围"), "{second}: {said}");
    }
}

/// Sheets of 9 MB each, nearly all of it a comment: each is unpacked and read whole, its
/// cells as written.
#[test]
fn xlsx_sheets_of_megabytes_of_comment_are_read() {
    use make::zip::{self, Entry};
    let filler = format!("<!--{}-->", "x".repeat(9 << 20));
    let sheet = |n: u32| {
        let rows = format!("<row r=\"1\"><c r=\"A1\"><v>{n}</v></c></row>");
        format!("{}{filler}{rows}{}", zip::sheet_head(None), zip::SHEET_TAIL).into_bytes()
    };
    let bytes = zip::xlsx(
        vec![
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(1)),
            Entry::deflated("xl/worksheets/sheet2.xml", &sheet(2)),
        ],
        None,
    );
    let book = nianbao::read::read(&bytes, "xlsx").expect("read");
    let values: Vec<&nianbao::grid::Cell> = book.sheets.iter().map(|s| &s.rows[0][0]).collect();
    assert_eq!(
        values,
        [
            &nianbao::grid::Cell::Number(1.0),
            &nianbao::grid::Cell::Number(2.0)
        ],
        "{:?}",
        book.notes
    );
}

/// A sheet whose part is where the theme usually is: it is read as a sheet.
#[test]
fn xlsx_sheet_stored_as_the_theme_is_read() {
    use make::zip::{self, Entry};
    let rels = SHEET_RELS.replace("worksheets/sheet1.xml", "theme/theme1.xml");
    let cell = "<row r=\"1\"><c r=\"A1\"><v>42</v></c></row>";
    let bytes = xlsx_of(vec![
        Entry::stored("xl/workbook.xml", &workbook_xml("T")),
        Entry::stored("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        Entry::deflated("xl/theme/theme1.xml", &zip::sheet(cell, None)),
    ]);
    let book = nianbao::read::read(&bytes, "xlsx").expect("read");
    assert_eq!(book.sheets.len(), 1, "{:?}", book.notes);
    assert_eq!(book.sheets[0].rows[0][0], nianbao::grid::Cell::Number(42.0));
}

/// A sheet is found, and its cells read (here a reference past the sheet's end, which is
/// noted), however the workbook names it: a sheet name with a character reference, a
/// relationship id under another prefix, prefixed elements, a workbook the package's
/// relationships put elsewhere.
#[test]
fn xlsx_sheets_named_unusually_are_found() {
    use make::zip::{self, Entry};
    let bad = "<row r=\"1\"><c r=\"A99999999999\"><v>5</v></c></row>";
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:q=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
    let workbooks = [
        format!("<workbook {ns}><sheets><sheet name=\"S&#49;\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        format!("<workbook {ns}><sheets><sheet name=\"S1\" sheetId=\"1\" q:id=\"rId1\"/></sheets></workbook>"),
        format!("<x:workbook {ns}><x:sheets><x:sheet name=\"S1\" sheetId=\"1\" r:id=\"rId1\"/></x:sheets></x:workbook>"),
    ];
    for workbook in &workbooks {
        let bytes = xlsx_of(vec![
            Entry::stored("xl/workbook.xml", workbook.as_bytes()),
            Entry::stored("xl/_rels/workbook.xml.rels", SHEET_RELS.as_bytes()),
            Entry::deflated("xl/worksheets/sheet1.xml", &zip::sheet(bad, None)),
        ]);
        let said = format!("{:?}", nianbao::read::read(&bytes, "xlsx").map(|b| b.notes));
        assert!(said.contains("超出工作表范围"), "{workbook}: {said}");
    }
    // The workbook at book/main.xml, as the package's relationships say.
    let bytes = package_of(
        "/book/main.xml",
        vec![
            Entry::stored("book/main.xml", &workbook_xml("S1")),
            Entry::stored("book/_rels/main.xml.rels", SHEET_RELS.as_bytes()),
            Entry::deflated("book/worksheets/sheet1.xml", &zip::sheet(bad, None)),
        ],
    );
    let said = format!("{:?}", nianbao::read::read(&bytes, "xlsx").map(|b| b.notes));
    assert!(said.contains("超出工作表范围"), "book/main.xml: {said}");
}
