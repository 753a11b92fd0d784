//! Replays the fuzzing seeds (`fuzz/corpus/<target>/`), every crash the fuzzers found
//! (`tests/fuzz_regressions/<target>/`) and the small files of the hostile corpus
//! (`tests/hostile_files`) through `read::read` and `locate::locate`, as the fuzz targets
//! call them, on the stable toolchain: none may panic, not even one that the pipeline
//! would catch. Each file is run under
//! `catch_unwind`, so a failure names every file that panicked; an abort (a failed
//! allocation) kills this test binary, which fails the test too. The process is capped
//! (`RLIMIT_AS`, 3 GB) so that a runaway reader fails here instead of taking the machine.

mod hostile_files;

use std::path::{Path, PathBuf};

use hostile_files as make;

/// The fuzz targets: directory name, the extension the bytes are read as, and a prefix
/// (the long form's header) put before them.
const TARGETS: &[(&str, &str, &str)] = &[
    ("xlsx", "xlsx", ""),
    ("xls", "xls", ""),
    ("csv", "csv", ""),
    ("long_csv", "csv", "unit,year,field_id,value\n"),
    ("xlsx_parts", "xlsx", ""),
    ("docx", "docx", ""),
    ("html", "html", ""),
    ("text", "txt", ""),
    ("pdf", "pdf", ""),
];

/// What the `xlsx_parts` target reads: its bytes are a worksheet's XML and, after a NUL, the
/// shared strings' XML, packed into a zip of stored entries (here with the test's own zip
/// writer, so the package around them differs in detail from the fuzz target's).
fn xlsx_parts(data: &[u8]) -> Vec<u8> {
    let (sheet, strings) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    make::zip::xlsx(
        vec![make::zip::Entry::stored("xl/worksheets/sheet1.xml", sheet)],
        (!strings.is_empty()).then(|| make::zip::Entry::stored("xl/sharedStrings.xml", strings)),
    )
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"));
    files.sort();
    files
}

/// The hostile files small enough to read in this process: (name, extension, bytes).
fn small_hostile() -> Vec<(String, &'static str, Vec<u8>)> {
    let mut v: Vec<(String, &'static str, Vec<u8>)> = vec![
        (
            "xls-zero-bof".into(),
            "xls",
            make::xls_zero_length_sheet_bof(),
        ),
        (
            "xls-zero-codepage".into(),
            "xls",
            make::xls_zero_length_codepage(),
        ),
        (
            "xls-boundsheet".into(),
            "xls",
            make::xls_boundsheet_offset_ffffffff(),
        ),
        (
            "xls-dimensions".into(),
            "xls",
            make::xls_inverted_dimensions(),
        ),
        (
            "xls-cell-65535-255".into(),
            "xls",
            make::xls_cell_at(65535, 255),
        ),
        (
            "xls-cell-65535-16383".into(),
            "xls",
            make::xls_cell_at(65535, 16383),
        ),
        (
            "xls-cell-65535-65535".into(),
            "xls",
            make::xls_cell_at(65535, 65535),
        ),
        (
            "xls-chain-loop".into(),
            "xls",
            make::xls_directory_chain_loop(),
        ),
        ("xls-filepass".into(), "xls", make::xls_filepass()),
        ("xlsx-encrypted".into(), "xlsx", make::xlsx_encrypted()),
        (
            "xlsx-shared-formula-si".into(),
            "xlsx",
            make::xlsx_shared_formula_index("4000000000"),
        ),
        ("xlsx-far-corners".into(), "xlsx", make::xlsx_far_corners(3)),
    ];
    for r in ["ZZZZZZZZ1", "A99999999999"] {
        v.push((
            format!("xlsx-reference-{r}"),
            "xlsx",
            make::xlsx_cell_reference(r),
        ));
    }
    for cut in [8192, 8448, 8704, 8783] {
        v.push((format!("xls-cut-{cut}"), "xls", make::xls_truncated(cut)));
    }
    for n in [
        "100000000",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
    ] {
        v.push((
            format!("xlsx-unique-count-{n}"),
            "xlsx",
            make::xlsx_unique_count(n),
        ));
    }
    v
}

/// With `HOSTILE_SEEDS_DIR` set, writes the small hostile files there as
/// `<target>/<name>`, to seed the fuzzers.
#[test]
fn small_hostile_files_can_seed_the_fuzzers() {
    let files = small_hostile();
    assert!(files.iter().all(|(_, _, b)| b.len() < 64 * 1024));
    if let Ok(dir) = std::env::var("HOSTILE_SEEDS_DIR") {
        for (name, ext, bytes) in files {
            let d = Path::new(&dir).join(ext);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(name), bytes).unwrap();
        }
    }
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
            if *target == "xlsx_parts" {
                bytes = xlsx_parts(&bytes);
            }
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
                failures.push(format!(
                    "{}: {}",
                    path.strip_prefix(root).unwrap_or(&path).display(),
                    panic_text(&*e)
                ));
            }
        }
    }
    for (name, ext, bytes) in small_hostile() {
        count += 1;
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "fuzz replay: hostile {name}");
        let result = std::panic::catch_unwind(|| {
            if let Ok(book) = nianbao::read::read(&bytes, ext) {
                let _ = nianbao::locate::locate(&book);
            }
        });
        if let Err(e) = result {
            failures.push(format!("hostile {name}: {}", panic_text(&*e)));
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

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
