//! Excel 97–2003 .xls, through calamine, after its records were checked here.
//!
//! calamine reads every sheet of an .xls when it opens it, into a dense range as large as
//! the rectangle around the sheet's cells, and trusts the records' numbers: a DIMENSIONS
//! record whose last row comes before its first makes it reserve billions of cells, a cell
//! at column 16,383 (an .xls has 256) makes a range of a billion, a cell record too short
//! for its kind fails the whole workbook. So the `Workbook` stream is walked first (see
//! [`mend`]) and such records are blanked in a copy of the file: a DIMENSIONS record to an
//! empty rectangle, a cell to a BLANK record, which calamine skips. What was left out is
//! noted.

use std::io::Cursor;

use calamine::{Reader, Xls};

use super::cfb::{Compound, Stream};
use super::limits::MAX_XLS_AREA;
use super::sheets::{cell_from_data, finish, push_sheet, worksheets};
use super::ENCRYPTED;
use crate::formula::FormulaCell;
use crate::grid::{Cell, Workbook};

pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let compound = Compound::parse(bytes).map_err(|e| format!("xls {e}"))?;
    if compound.has("EncryptedPackage") || compound.has("EncryptionInfo") {
        return Err(ENCRYPTED.into());
    }
    let stream = match compound.stream("Workbook")? {
        Some(s) => s,
        None => match compound.stream("Book")? {
            Some(s) => s,
            None if compound.has("WordDocument") => {
                return Err("这是旧版 Word 文件（.doc），无法读取：请在 Word 或 WPS 中另存为 .docx，或提交 Excel 版本".into())
            }
            None => return Err("不是 Excel 文件（文件中没有工作簿数据）".into()),
        },
    };
    let mended = mend(&stream)?;
    let mut notes = Vec::new();
    let patched;
    let bytes = if mended.patches.is_empty() {
        bytes
    } else {
        let mut copy = bytes.to_vec();
        for (at, value) in &mended.patches {
            if let Some(offset) = stream.file_offset(*at) {
                copy[offset] = *value;
            }
        }
        patched = copy;
        &patched
    };
    if mended.bad_dimensions > 0 {
        notes.push(format!(
            "有 {} 个工作表的尺寸记录（DIMENSIONS）无效，已忽略",
            mended.bad_dimensions
        ));
    }
    if mended.damaged_cells > 0 {
        notes.push(format!(
            "有 {} 个单元格记录已损坏（长度不符或列号超过 256 列），已跳过",
            mended.damaged_cells
        ));
    }
    if mended.far_cells > 0 {
        notes.push(format!(
            "有 {} 个单元格远离表格（所读区域最多 {MAX_XLS_AREA} 个单元格），未读取",
            mended.far_cells
        ));
    }
    let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => ENCRYPTED.to_string(),
        _ => {
            "xls 文件已损坏或不完整，无法打开：请报送单位用 Excel/WPS 打开后重新保存，再报送".into()
        }
    })?;
    let mut workbook = Workbook {
        notes,
        ..Workbook::default()
    };
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let range = match book.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => {
                workbook
                    .notes
                    .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
                continue;
            }
        };
        let cells = range
            .used_cells()
            .map(|(r, c, d)| (r as u32, c as u32, cell_from_data(d.clone())))
            .filter(|(_, _, cell)| *cell != Cell::Empty);
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let cells: Vec<(u32, u32, Cell)> = cells.map(|(r, c, d)| (r0 + r, c0 + c, d)).collect();
        // Formulas are read separately: their cached values may be missing or wrong.
        if let Ok(f) = book.worksheet_formula(&name) {
            let (fr, fc) = f.start().unwrap_or((0, 0));
            for (r, c, text) in f.used_cells().filter(|(_, _, t)| !t.is_empty()) {
                formulas.push(FormulaCell {
                    sheet: workbook.sheets.len(),
                    row: fr + r as u32,
                    col: fc + c as u32,
                    text: text.clone(),
                });
            }
        }
        push_sheet(&mut workbook, &name, hidden, cells);
        if let Some((_, rows, cols)) = mended.hidden.iter().find(|(n, _, _)| *n == name) {
            let sheet = workbook.sheets.last_mut().expect("just pushed");
            sheet.hidden_rows.clone_from(rows);
            sheet.hidden_cols.clone_from(cols);
        }
    }
    finish(workbook, formulas)
}

/// What [`mend`] changes in the `Workbook` stream, and why.
#[derive(Debug, Default)]
struct Mended {
    /// (offset in the stream, new byte).
    patches: Vec<(usize, u8)>,
    /// Each sheet's name with the rows and the columns it hides, sorted.
    hidden: Vec<(String, Vec<u32>, Vec<u32>)>,
    bad_dimensions: usize,
    damaged_cells: usize,
    far_cells: usize,
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const BLANK: u16 = 0x0201;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;
const MULRK: u16 = 0x00BD;
const ROW: u16 = 0x0208;
const CONTINUE: u16 = 0x003C;
const CODEPAGE: u16 = 0x0042;
const DATEMODE: u16 = 0x0022;
const EXTERNSHEET: u16 = 0x0017;
const LBL: u16 = 0x0018;
const SST: u16 = 0x00FC;
const MERGECELLS: u16 = 0x00E5;
const COLINFO: u16 = 0x007D;

/// The shortest record calamine parses without an error, for each kind of cell it reads.
fn shortest_cell(typ: u16) -> Option<usize> {
    match typ {
        0x0203 => Some(14),         // NUMBER
        0x0204 | 0x00D6 => Some(8), // LABEL, RSTRING
        0x0205 => Some(8),          // BOOLERR
        0x027E => Some(10),         // RK
        0x00FD => Some(10),         // LABELSST
        FORMULA => Some(20),
        MULRK => Some(6),
        _ => None,
    }
}

/// A BIFF record: its kind, where its four-byte header starts and its data.
struct Record {
    typ: u16,
    at: usize,
    data: std::ops::Range<usize>,
}

/// The records from `start` on; stops at the first one cut short by the stream's end.
fn records(stream: &[u8], start: usize) -> impl Iterator<Item = Record> + '_ {
    let mut at = start;
    std::iter::from_fn(move || {
        let header = stream.get(at..at.checked_add(4)?)?;
        let typ = u16::from_le_bytes([header[0], header[1]]);
        let len = u16::from_le_bytes([header[2], header[3]]) as usize;
        let data = at + 4..at + 4 + len;
        if data.end > stream.len() {
            return None;
        }
        let record = Record { typ, at, data };
        at = record.data.end;
        Some(record)
    })
}

fn u16_in(data: &[u8], at: usize) -> u32 {
    u32::from(u16::from_le_bytes([data[at], data[at + 1]]))
}

fn u32_in(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// A cell record of a sheet: its row and the columns it covers.
struct CellRecord {
    at: usize,
    row: u32,
    cols: (u32, u32),
    /// The STRING record holding this formula's text result, blanked with it.
    string_at: Option<usize>,
}

/// Walks the workbook stream as calamine will, and lists what must be blanked for
/// calamine to read it in bounded memory and without failing the whole file.
fn mend(stream: &Stream) -> Result<Mended, String> {
    let data = &stream.data;
    let mut mended = Mended::default();
    let mut sheets = Vec::new();
    let globals: Vec<Record> = records(data, 0).take_while(|r| r.typ != EOF).collect();
    for (i, r) in globals.iter().enumerate() {
        let body = &data[r.data.clone()];
        if r.typ == FILEPASS {
            return Err(ENCRYPTED.into());
        }
        // Its CONTINUE records: calamine reads a record's data across them.
        let continued: Vec<&[u8]> = globals[i + 1..]
            .iter()
            .take_while(|c| c.typ == CONTINUE)
            .map(|c| &data[c.data.clone()])
            .collect();
        if !global_fits(r.typ, body, &continued) {
            return Err(format!(
                "xls 文件已损坏（记录 0x{:04X} 的长度与内容不符）",
                r.typ
            ));
        }
        if r.typ == BOUNDSHEET {
            let pos = u32_in(data, r.data.start) as usize;
            if pos >= data.len() {
                return Err("xls 文件已损坏（工作表的位置超出文件）".into());
            }
            sheets.push((pos, sheet_name(body)));
        }
    }
    for (pos, name) in sheets {
        let (rows, cols) = mend_sheet(data, pos, &mut mended);
        if let Some(name) = name.filter(|_| !rows.is_empty() || !cols.is_empty()) {
            mended.hidden.push((name, rows, cols));
        }
    }
    Ok(mended)
}

/// Whether a workbook-globals record is as long as what calamine reads of it without
/// checking (it indexes its data directly: a short record panics).
fn global_fits(typ: u16, body: &[u8], continued: &[&[u8]]) -> bool {
    let len = body.len();
    match typ {
        BOF | CODEPAGE | DATEMODE | EXTERNSHEET => len >= 2,
        BOUNDSHEET => {
            // Position, state and type, then the name: its length, a flag, its characters.
            len >= 8 && {
                let width = if body[7] & 1 == 1 { 2 } else { 1 };
                len >= 8 + body[6] as usize * width
            }
        }
        LBL => {
            // A 14-byte header (cch at 3, cce at 4), the name (a flag byte, then cch
            // characters), the formula: cce bytes at the end.
            len >= 14 && {
                let (cch, cce) = (body[3] as usize, u16_in(body, 4) as usize);
                let width = match body.get(14) {
                    Some(flags) if flags & 1 == 1 => 2,
                    _ => 1,
                };
                len >= 15 + cch * width + cce
            }
        }
        SST => len >= 8 && sst_fits(&body[8..], continued),
        _ => true,
    }
}

/// Walks the shared strings as calamine reads them, across CONTINUE records: each string's
/// header (length, flags, and the counts its flags announce) must lie whole in one record.
fn sst_fits(first: &[u8], continued: &[&[u8]]) -> bool {
    let segments: Vec<&[u8]> = std::iter::once(first)
        .chain(continued.iter().copied())
        .collect();
    let (mut seg, mut pos) = (0usize, 0usize);
    loop {
        while pos >= segments[seg].len() {
            seg += 1;
            pos = 0;
            if seg == segments.len() {
                return true;
            }
        }
        let d = segments[seg];
        if d.len() - pos < 3 {
            return false;
        }
        let cch = u16_in(d, pos) as usize;
        let flags = d[pos + 2];
        pos += 3;
        let mut width = if flags & 1 == 1 { 2 } else { 1 };
        let mut extra = 0usize;
        if flags & 8 != 0 {
            if d.len() - pos < 2 {
                return false;
            }
            extra += 4 * u16_in(d, pos) as usize;
            pos += 2;
        }
        if flags & 4 != 0 {
            if d.len() - pos < 4 {
                return false;
            }
            extra += u32_in(d, pos) as usize;
            pos += 4;
        }
        // The characters, a continuation starting with its own flags byte.
        let mut left = cch;
        loop {
            let take = ((segments[seg].len() - pos) / width).min(left);
            pos += take * width;
            left -= take;
            if left == 0 {
                break;
            }
            seg += 1;
            match segments.get(seg) {
                Some(next) if !next.is_empty() => {
                    width = if next[0] & 1 == 1 { 2 } else { 1 };
                    pos = 1;
                }
                _ => return false,
            }
        }
        // The formatting runs and the phonetic block, skipped.
        while extra > 0 {
            let take = (segments[seg].len() - pos).min(extra);
            pos += take;
            extra -= take;
            if extra > 0 {
                seg += 1;
                pos = 0;
                if seg == segments.len() {
                    return false;
                }
            }
        }
    }
}

fn blank(mended: &mut Mended, at: usize) {
    let [lo, hi] = BLANK.to_le_bytes();
    mended.patches.push((at, lo));
    mended.patches.push((at + 1, hi));
}

/// A BIFF8 BOUNDSHEET's sheet name: a length, a flag for two-byte characters, the
/// characters. `None` if cut short.
fn sheet_name(body: &[u8]) -> Option<String> {
    let len = *body.get(6)? as usize;
    let wide = body.get(7)? & 1 == 1;
    let chars = body.get(8..)?;
    if wide {
        let units: Vec<u16> = chars
            .get(..len * 2)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        Some(chars.get(..len)?.iter().map(|&b| char::from(b)).collect())
    }
}

/// Mends one sheet's records (see [`mend`]); gives back the rows and columns it hides:
/// a ROW record with its height zeroed (fDyZero), a COLINFO with fHidden.
fn mend_sheet(data: &[u8], pos: usize, mended: &mut Mended) -> (Vec<u32>, Vec<u32>) {
    let (mut hidden_rows, mut hidden_cols) = (Vec::new(), Vec::new());
    let mut cells: Vec<CellRecord> = Vec::new();
    let (mut seen_bof, mut depth) = (false, 0usize);
    let mut last_formula: Option<usize> = None;
    for r in records(data, pos) {
        // Nested substreams (charts) are skipped by calamine: so here.
        if depth > 0 {
            match r.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let body = &data[r.data.clone()];
        match r.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => {
                if !dimensions_fit(body) {
                    mended.bad_dimensions += 1;
                    for at in r.data.clone() {
                        mended.patches.push((at, 0));
                    }
                }
            }
            STRING => {
                if let Some(i) = last_formula.take() {
                    cells[i].string_at = Some(r.at);
                }
            }
            MERGECELLS if body.len() < 2 || body.len() < 2 + 8 * u16_in(body, 0) as usize => {
                mended.damaged_cells += 1;
                blank(mended, r.at);
            }
            ROW if body.len() >= 16 && u16_in(body, 12) & 0x20 != 0 => {
                hidden_rows.push(u16_in(body, 0));
            }
            COLINFO if body.len() >= 10 && u16_in(body, 8) & 1 != 0 => {
                let (first, last) = (u16_in(body, 0), u16_in(body, 2).min(255));
                hidden_cols.extend(first..=last);
            }
            typ => {
                let Some(shortest) = shortest_cell(typ) else {
                    continue;
                };
                let row = if body.len() >= 4 { u16_in(body, 0) } else { 0 };
                let first = if body.len() >= 4 { u16_in(body, 2) } else { 0 };
                let last = if typ == MULRK && body.len() >= 6 {
                    u16_in(body, body.len() - 2)
                } else {
                    first
                };
                let mulrk_fits = typ != MULRK
                    || (last >= first && body.len() == 6 + 6 * (last - first + 1) as usize);
                // A formula's tokens: a length, then that many bytes within the record.
                let formula_fits = typ != FORMULA
                    || (body.len() >= 22 && body.len() >= 22 + u16_in(body, 20) as usize);
                if body.len() < shortest || !mulrk_fits || !formula_fits || last > 255 {
                    mended.damaged_cells += 1;
                    blank(mended, r.at);
                    last_formula = None;
                    continue;
                }
                last_formula = (typ == FORMULA).then_some(cells.len());
                cells.push(CellRecord {
                    at: r.at,
                    row,
                    cols: (first, last),
                    string_at: None,
                });
            }
        }
    }
    // The rectangle calamine will make: as wide as the columns used, and as many rows
    // from the first as keep it within the area.
    for lines in [&mut hidden_rows, &mut hidden_cols] {
        lines.sort_unstable();
        lines.dedup();
    }
    let Some(first_row) = cells.iter().map(|c| c.row).min() else {
        return (hidden_rows, hidden_cols);
    };
    let first_col = cells.iter().map(|c| c.cols.0).min().unwrap_or(0);
    let last_col = cells.iter().map(|c| c.cols.1).max().unwrap_or(0);
    let width = u64::from(last_col - first_col + 1);
    let rows = (MAX_XLS_AREA / width).max(1);
    for cell in cells {
        if u64::from(cell.row - first_row) >= rows {
            mended.far_cells += (cell.cols.1 - cell.cols.0 + 1) as usize;
            blank(mended, cell.at);
            if let Some(at) = cell.string_at {
                blank(mended, at);
            }
        }
    }
    (hidden_rows, hidden_cols)
}

/// Whether calamine can take a DIMENSIONS record as it is: first before last, and a
/// rectangle within [`MAX_XLS_AREA`] (it reserves room for that many cells).
fn dimensions_fit(body: &[u8]) -> bool {
    let (rf, rl, cf, cl) = match body.len() {
        10 => (
            u16_in(body, 0),
            u16_in(body, 2),
            u16_in(body, 4),
            u16_in(body, 6),
        ),
        14 | 16 => (
            u32_in(body, 0),
            u32_in(body, 4),
            u16_in(body, 8),
            u16_in(body, 10),
        ),
        // calamine refuses other lengths with an error: the whole file would fail.
        _ => return false,
    };
    // calamine takes the last row and column as one past the end (0 for none) and makes
    // the rectangle (last − 1) − first + 1 tall: a last not past the first underflows.
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl == 0 || cl == 0 {
        return true;
    }
    if rl <= rf || cl <= cf {
        return false;
    }
    u64::from(rl - rf) * u64::from(cl - cf) <= MAX_XLS_AREA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_calamine_would_trust_too_far_are_refused() {
        let d10 = |rf: u16, rl: u16, cf: u16, cl: u16| {
            [rf, rl, cf, cl, 0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>()
        };
        assert!(dimensions_fit(&d10(0, 60, 0, 20)));
        assert!(dimensions_fit(&d10(0, 0, 0, 0)));
        assert!(!dimensions_fit(&d10(50, 10, 0, 20)));
        assert!(!dimensions_fit(&d10(5, 5, 0, 20)));
        assert!(!dimensions_fit(&d10(0, 65_535, 0, 255)));
        assert!(!dimensions_fit(&[0; 4]));
    }
}
