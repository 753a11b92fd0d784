//! Replays the fuzzing seeds (`fuzz/corpus/<target>/`) and every crash the fuzzers found
//! (`tests/fuzz_regressions/<target>/`) through `read::read` and `locate::locate`, as the
//! fuzz targets call them, on the stable toolchain: none may panic. Each file is run under
//! `catch_unwind`, so a failure names every file that panicked; an abort (a failed
//! allocation) kills this test binary, which fails the test too. The process is capped
//! (`RLIMIT_AS`, 3 GB) so that a runaway reader fails here instead of taking the machine.

use std::path::{Path, PathBuf};

/// The fuzz targets: directory name, the extension the bytes are read as, and a prefix
/// (the long form's header) put before them.
const TARGETS: &[(&str, &str, &str)] = &[
    ("xlsx", "xlsx", ""),
    ("xls", "xls", ""),
    ("csv", "csv", ""),
    ("long_csv", "csv", "unit,year,field_id,value\n"),
];

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"));
    files.sort();
    files
}

#[cfg(unix)]
fn cap_memory() {
    let bytes = 3072 * 1024 * 1024;
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: a valid rlimit; lowering our own limit.
    unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) };
}

#[cfg(not(unix))]
fn cap_memory() {}

#[test]
fn no_fuzz_input_panics_the_readers() {
    cap_memory();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let mut count = 0;
    for (target, ext, prefix) in TARGETS {
        let dirs = [
            root.join("fuzz/corpus").join(target),
            root.join("tests/fuzz_regressions").join(target),
        ];
        for path in dirs.iter().flat_map(|d| files_in(d)) {
            let mut bytes = prefix.as_bytes().to_vec();
            bytes.extend(std::fs::read(&path).unwrap());
            count += 1;
            if path.starts_with(&dirs[1]) {
                // Straight to stderr, past the test harness's capture: if this input aborts
                // the process, the last line names it.
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "fuzz replay: {}", path.display());
            }
            let result = std::panic::catch_unwind(|| {
                if let Ok(book) = nianbao::read::read(&bytes, ext) {
                    let _ = nianbao::locate::locate(&book);
                }
            });
            if let Err(e) = result {
                let message = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!(
                    "{}: {message}",
                    path.strip_prefix(root).unwrap_or(&path).display()
                ));
            }
        }
    }
    assert!(count > 0, "no corpus found");
    assert!(
        failures.is_empty(),
        "{} of {count} inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
