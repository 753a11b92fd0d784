//! xlsx and xlsm, through calamine, after the package was checked here.
//!
//! calamine trusts what a package declares: it reserves room for as many shared strings as
//! the table's `uniqueCount` says (1e8 takes gigabytes, 2^64 panics), and a shared
//! formula's index `si` sizes a table (4e9 aborts). The zip reader bounds each part to the
//! size the package's directory declares, so [`check_package`] checks those sizes, and the
//! shared strings' count against the bytes present, before calamine opens it; shared
//! formulas are read without calamine's table (see [`read`]).

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, XlsxFormulaMetadata};
use zip::ZipArchive;

use super::limits::{
    megabytes, MAX_CELLS, MAX_PACKING_RATIO, MAX_PART_BYTES, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES,
    RATIO_FLOOR_BYTES,
};
use super::sheets::{cell_from_data, finish, push_sheet, worksheets};
use super::ENCRYPTED;
use crate::formula::FormulaCell;
use crate::grid::{Cell, Workbook};

fn damaged(e: impl std::fmt::Display) -> String {
    format!("xlsx 文件已损坏或不完整，无法打开（{e}）")
}

/// Refuses a package whose parts unpack past the limits, that is encrypted, or whose
/// shared-string table declares more strings than its bytes can hold.
fn check_package(bytes: &[u8]) -> Result<(), String> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "文件过大（压缩包中有 {} 个部件，上限 {MAX_ZIP_ENTRIES}），不是一份年度报告",
            zip.len()
        ));
    }
    let mut unpacked = 0u64;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(damaged)?;
        if part.encrypted() {
            return Err(ENCRYPTED.into());
        }
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        let name = part.name().map_err(damaged)?.into_owned();
        if size > MAX_PART_BYTES {
            return Err(format!(
                "解压后超过 {}（其中 {name} 解压后 {}），不是一份正常的年度报告",
                megabytes(MAX_PART_BYTES),
                megabytes(size)
            ));
        }
        if size > RATIO_FLOOR_BYTES && size / packed > MAX_PACKING_RATIO {
            return Err(format!(
                "解压后超过正常比例（{name} 由 {} 解压为 {}，是压缩炸弹的特征）",
                megabytes(packed),
                megabytes(size)
            ));
        }
        unpacked += size;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(format!(
                "解压后超过 {}（各部件合计），不是一份正常的年度报告",
                megabytes(MAX_UNPACKED_BYTES)
            ));
        }
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            shared_strings = Some((i, size));
        }
    }
    if let Some((i, size)) = shared_strings {
        let mut head = Vec::with_capacity(4096);
        zip.by_index(i)
            .map_err(damaged)?
            .take(4096)
            .read_to_end(&mut head)
            .map_err(damaged)?;
        // `<si/>` is the shortest entry: five bytes.
        if let Some(declared) = attribute_number(&head, b"uniqueCount=") {
            if declared > size / 5 + 1 {
                return Err(damaged(format!(
                    "共享字符串表声明有 {declared} 项，而它只有 {size} 字节"
                )));
            }
        }
    }
    Ok(())
}

/// The number in `name"…"` (or `name'…'`) in `xml`; `u64::MAX` if it has more digits than
/// a u64 holds, as a lie would.
fn attribute_number(xml: &[u8], name: &[u8]) -> Option<u64> {
    let at = xml.windows(name.len()).position(|w| w == name)? + name.len();
    let digits: Vec<u8> = xml[at..]
        .iter()
        .skip(1)
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    if digits.is_empty() {
        return None;
    }
    Some(
        std::str::from_utf8(&digits)
            .ok()?
            .parse()
            .unwrap_or(u64::MAX),
    )
}

/// An xlsx, one cell at a time: a stray cell at XFD1048576 costs one short row, not a
/// dense range of seventeen billion cells; values and formulas come in one pass.
///
/// A shared formula is taken from its anchor cell only: the cells that share it keep the
/// value the file cached for them (Excel and WPS, which write shared formulas, always
/// cache), and calamine's expansion, whose table is sized by the file's `si`, is not used.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    check_package(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => ENCRYPTED.to_string(),
        e => damaged(e),
    })?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    let mut kept = 0usize;
    for (name, hidden) in worksheets(&book) {
        let mut cells = Vec::new();
        let mut full = false;
        let read = book.worksheet_cells_reader(&name).and_then(|mut reader| {
            while let Some(cell) = reader.next_cell_with_formula_metadata()? {
                let (row, col) = cell.pos;
                let text = match cell.formula {
                    Some(XlsxFormulaMetadata::Normal { formula })
                    | Some(XlsxFormulaMetadata::Shared { formula, .. }) => Some(formula),
                    _ => None,
                };
                if let Some(text) = text.filter(|f| !f.is_empty()) {
                    formulas.push(FormulaCell {
                        sheet: workbook.sheets.len(),
                        row,
                        col,
                        text,
                    });
                }
                let value = cell_from_data(&Data::from(cell.value));
                if value != Cell::Empty {
                    if kept == MAX_CELLS {
                        full = true;
                        break;
                    }
                    kept += 1;
                    cells.push((row, col, value));
                }
            }
            Ok(())
        });
        if let Err(e) = read {
            formulas.retain(|f| f.sheet != workbook.sheets.len());
            workbook
                .notes
                .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
            continue;
        }
        push_sheet(&mut workbook, &name, hidden, cells);
        if full {
            workbook.notes.push(format!(
                "单元格过多（超过 {MAX_CELLS} 个），工作表“{name}”未读完，其后的工作表未读取"
            ));
            break;
        }
    }
    finish(workbook, formulas)
}
