//! Stage 7: writing. Writers format what earlier stages computed; they compute nothing.
//! Every output is written into a staging folder beside `--out`, and the staged set takes
//! the place of the previous one in one step once all were written ([`staging`]): a
//! failure or a kill at any instant leaves `--out` holding one run's complete set.

pub mod changes;
pub mod csv;
pub mod folder_list;
pub mod html;
pub mod manifest;
pub mod notices;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod sheet_xml;
pub mod staging;
pub mod workbook;
pub mod xlsx_splice;

/// Blocks of rows (a CSV's, a long sheet's) made side by side for each thread before they
/// are written in order: enough to keep every thread busy, few enough that only a few
/// megabytes wait to be written.
const BLOCKS_PER_THREAD: usize = 4;

pub use changes::{changes_csv, CHANGE_COLUMNS};
pub use csv::{
    anomalies_csv, anomaly_row, csv_bytes, neutralize, normalized_csv, normalized_lead, rollup_csv,
    unneutralize, value_text, value_text_is, write_csv, ANOMALY_COLUMNS, NORMALIZED_LEAD,
    NORMALIZED_TAIL, ROLLUP_LEAD,
};
pub use manifest::{
    previous_unreadable, read_previous, sha256_of_hex, ChecksInfo, Counts, FileEntry, Manifest,
    Phase, RunInfo, Sha256, SubmissionEntry, Writer,
};
pub use staging::{failpoint, Folder, Staging};
