//! The floor for `bench/run.sh`: read every cell of every submission under a folder with
//! calamine or csv alone, in parallel, and nothing else. nianbao cannot be faster than this.
//!
//!     cargo run --release --example floor -- DIR

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto_from_rs, Data, Reader};
use rayon::prelude::*;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Non-empty cells of one file; 0 for a file neither reader opens.
fn cells(path: &Path) -> usize {
    let Ok(bytes) = std::fs::read(path) else {
        return 0;
    };
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    if ext.as_deref() == Some("csv") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let mut record = csv::ByteRecord::new();
        let mut n = 0;
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            n += record.iter().filter(|f| !f.is_empty()).count();
        }
        return n;
    }
    let Ok(mut book) = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)) else {
        return 0;
    };
    book.worksheets()
        .iter()
        .map(|(_, range)| {
            range
                .used_cells()
                .filter(|(_, _, d)| **d != Data::Empty)
                .count()
        })
        .sum()
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: floor DIR");
    let started = std::time::Instant::now();
    let mut all = Vec::new();
    files(Path::new(&dir), &mut all);
    // One file a task, as nianbao reads them: rayon's default split would leave a thread
    // reading a block of files alone at the end.
    let total: usize = all.par_iter().with_max_len(1).map(|p| cells(p)).sum();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} files, {total} cells, {seconds:.3} s, {:.0} files/s",
        all.len(),
        all.len() as f64 / seconds
    );
}
