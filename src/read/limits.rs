//! The limits that keep one hostile file from taking the run's memory or time. Every
//! allocation a reader makes in proportion to what a file *declares* (a count, a size, a
//! cell's address) is checked against these, or against the bytes really present, before
//! it is made. A file past a limit is unreadable, and its reason names the limit.
//!
//! They are far above any real report: the official tables are some 60 rows by 20
//! columns, a report's workbook 10–50 KB, a county's consolidated workbook a few MB.

/// The largest file read at all.
pub const MAX_FILE_BYTES: u64 = 200 << 20;

/// The largest part of a zip package (a worksheet's XML, the shared strings), unpacked.
pub const MAX_PART_BYTES: u64 = 64 << 20;

/// All the parts of a zip package together, unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;

/// Unpacked ÷ packed size above which a part larger than [`RATIO_FLOOR_BYTES`] is taken
/// for a zip bomb: XML of a real sheet packs 5–50 times, runs of one byte a thousand.
pub const MAX_PACKING_RATIO: u64 = 1_000;
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// Entries in a zip package: a workbook has a few dozen.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// Non-empty cells kept from one file, all sheets together (16 bytes of address and 32 of
/// value each while reading).
pub const MAX_CELLS: usize = 1_000_000;

/// Cells of an .xls sheet's bounding rectangle: calamine makes the sheet a dense range of
/// that many values (32 bytes each), so cells that would stretch it further are left out
/// before it reads them.
pub const MAX_XLS_AREA: u64 = 1_000_000;

/// Rows of a long-form table (`unit,year,field_id,value`): 50,000 units' reports, at 20
/// bytes a row.
pub const MAX_LONG_ROWS: usize = 10_000_000;

/// Fields of one CSV record (as many columns as an xlsx sheet has). A file with a longer
/// line is refused before it is parsed: the csv reader would hold every field of it.
pub const MAX_CSV_FIELDS: usize = 16_384;

/// Bytes of a cell's text kept (a CSV field, a workbook cell): a label or a number is a
/// few dozen, Excel's own limit 32,767 characters.
pub const MAX_TEXT_BYTES: usize = 64 << 10;

/// A file larger than this, or a package that unpacks to more than
/// [`HEAVY_UNPACKED_BYTES`], is read while no other such file is: what the limits allow one
/// file is then not multiplied by the number of threads.
pub const HEAVY_FILE_BYTES: u64 = 1 << 20;
pub const HEAVY_UNPACKED_BYTES: u64 = 4 << 20;

/// `n` bytes as a clerk reads a size.
pub fn megabytes(n: u64) -> String {
    let mb = n as f64 / (1u64 << 20) as f64;
    if mb >= 10.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}
