//! Long sheets' rows spliced into a workbook that rust_xlsxwriter saved without them.
//!
//! rust_xlsxwriter makes and deflates every sheet on one thread: at 100,000 units the
//! 各单位 and 异常清单 sheets (570 and 380 MB of XML) took most of rollup.xlsx's 10 s. Here
//! their rows are made and deflated in parallel, a chunk of rows per task, and written in
//! order a batch of chunks at a time, so that a sheet is never held whole. Each chunk is
//! deflated on its own and ends on a byte boundary (a sync flush; the last piece of a part
//! ends the deflate stream), so the chunks concatenate into one valid deflate stream; their
//! CRCs are combined.
//!
//! The zip is written here, to a stream that cannot seek. rust_xlsxwriter's other parts are
//! copied as they are (compressed bytes, CRC and sizes); a spliced part, whose CRC and sizes
//! are known only at its end, has them in a data descriptor after its data (flag bit 3), as
//! rust_xlsxwriter's own zip does, and the central directory has them too.
//!
//! A [`Template`] is the same zip written with a whole sheet in place of another: the
//! notices, a small workbook per unit.
//!
//! No zip64 ([`crate::zip_out`]): every part and the whole file must stay under 4 GiB, and
//! the parts under 65,535, or the workbook is refused (a county of 100,000 units makes a
//! 76 MB file whose largest part is 570 MB of XML).

use std::io::{self, Cursor, Read, Write};
use std::ops::Range;

use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;
use zip::ZipArchive;

use crate::zip_out::{fits, EntryMeta, ZipOut};

/// Rows per task: a chunk's XML (about 5 KB a row for the 各单位 sheet, so 1.4 MB) is made
/// and deflated by one thread. (1,024 rows held 11 MB of XML at once on two threads.)
const CHUNK_ROWS: usize = 256;

/// A sheet whose rows are spliced in after its own: rust_xlsxwriter wrote its first rows
/// (its headers), and `rows` rows follow them.
pub struct SheetRows<'a> {
    pub name: &'a str,
    pub rows: usize,
    /// Writes the XML of a range of the rows into a string, as whole `<row>` elements in
    /// the order of the range; called from several threads at once.
    pub xml: &'a (dyn Fn(Range<usize>, &mut String) + Sync),
    /// The deflate level of the sheet's part.
    pub level: u32,
}

/// Writes `book`, a workbook rust_xlsxwriter saved, to `w` with the rows of `sheets` put at
/// the end of their sheets.
pub fn splice_rows(w: &mut dyn Write, book: &[u8], sheets: &[SheetRows]) -> io::Result<()> {
    let mut archive = ZipArchive::new(Cursor::new(book)).map_err(unreadable)?;
    let sheet_parts = crate::read::sheet_parts(book);
    let parts = sheets
        .iter()
        .map(|sheet| sheet_part(&archive, &sheet_parts, sheet.name))
        .collect::<io::Result<Vec<String>>>()?;
    let mut zip = ZipOut::new(w);
    for i in 0..archive.len() {
        let mut file = archive.by_index_raw(i).map_err(unreadable)?;
        let meta = EntryMeta::of(&file)?;
        let Some(sheet) = parts.iter().position(|p| p.as_bytes() == meta.name) else {
            zip.copy(meta, &mut file)?;
            continue;
        };
        drop(file);
        let mut xml = String::new();
        archive
            .by_index(i)
            .map_err(unreadable)?
            .read_to_string(&mut xml)?;
        zip.begin_streamed(meta)?;
        let crc = spliced_part(&xml, &sheets[sheet], &mut |piece| {
            zip.streamed(&piece.deflated, piece.size)
        })?;
        zip.end_streamed(crc)?;
    }
    zip.finish()
}

/// A sheet's part, its XML `xml` as rust_xlsxwriter wrote it with `sheet`'s rows put in,
/// deflated in pieces handed in order to `write`; the part's CRC.
fn spliced_part(
    xml: &str,
    sheet: &SheetRows,
    write: &mut impl FnMut(&Piece) -> io::Result<()>,
) -> io::Result<u32> {
    let (head, tail) = split_sheet(xml, sheet.rows)?;
    let mut crc = crc32fast::Hasher::new();
    let mut write_piece = |piece: Piece| {
        crc.combine(&piece.crc);
        write(&piece)
    };
    let level = sheet.level;
    write_piece(deflate(head.as_bytes(), level, false)?)?;
    deflate_rows(sheet.rows, sheet.xml, level, &mut write_piece)?;
    write_piece(deflate(tail.as_bytes(), level, true)?)?;
    Ok(crc.finalize())
}

/// The `rows` rows' XML, made and deflated in parallel a chunk at a time, handed in order to
/// `write`, a batch of chunks at a time.
fn deflate_rows(
    rows: usize,
    row_xml: &(dyn Fn(Range<usize>, &mut String) + Sync),
    level: u32,
    write: &mut impl FnMut(Piece) -> io::Result<()>,
) -> io::Result<()> {
    let chunks: Vec<Range<usize>> = (0..rows)
        .step_by(CHUNK_ROWS)
        .map(|start| start..(start + CHUNK_ROWS).min(rows))
        .collect();
    for batch in chunks.chunks(super::BLOCKS_PER_THREAD * rayon::current_num_threads()) {
        let pieces: Vec<io::Result<Piece>> = batch
            .par_iter()
            .map(|range| {
                let mut xml = String::new();
                row_xml(range.clone(), &mut xml);
                deflate(xml.as_bytes(), level, false)
            })
            .collect();
        for piece in pieces {
            write(piece?)?;
        }
    }
    Ok(())
}

/// A workbook rust_xlsxwriter saved, to be written again and again with another XML for one
/// of its sheets. Its other parts are copied as they were compressed: a run's notices are
/// alike but for their sheet, and rust_xlsxwriter would make and deflate the theme, the
/// styles and the rest again for each (and start a thread for each one's sheet).
pub struct Template {
    /// Every part's entry and compressed bytes, in the workbook's order; the sheet's bytes
    /// are not kept.
    parts: Vec<(EntryMeta, Vec<u8>)>,
    /// Which of the parts is the sheet.
    sheet: usize,
    /// The sheet's XML as rust_xlsxwriter wrote it.
    sheet_xml: String,
}

impl Template {
    /// The template of `book`, whose sheet named `sheet_name` each copy replaces.
    pub fn new(book: &[u8], sheet_name: &str) -> io::Result<Template> {
        let mut archive = ZipArchive::new(Cursor::new(book)).map_err(unreadable)?;
        let sheet_part = sheet_part(&archive, &crate::read::sheet_parts(book), sheet_name)?;
        let mut parts = Vec::with_capacity(archive.len());
        let (mut sheet, mut sheet_xml) = (0, String::new());
        for i in 0..archive.len() {
            let mut file = archive.by_index_raw(i).map_err(unreadable)?;
            let meta = EntryMeta::of(&file)?;
            let mut raw = Vec::new();
            if meta.name == sheet_part.as_bytes() {
                drop(file);
                sheet = i;
                archive
                    .by_index(i)
                    .map_err(unreadable)?
                    .read_to_string(&mut sheet_xml)?;
            } else {
                file.read_to_end(&mut raw)?;
            }
            parts.push((meta, raw));
        }
        Ok(Template {
            parts,
            sheet,
            sheet_xml,
        })
    }

    /// The sheet's XML as rust_xlsxwriter wrote it.
    pub fn sheet_xml(&self) -> &str {
        &self.sheet_xml
    }

    /// Writes the workbook to `w` with `sheet_xml` as its sheet, deflated at `level`.
    pub fn write(&self, w: &mut dyn Write, sheet_xml: &str, level: u32) -> io::Result<()> {
        let mut zip = ZipOut::new(w);
        for (i, (meta, raw)) in self.parts.iter().enumerate() {
            if i == self.sheet {
                let piece = deflate(sheet_xml.as_bytes(), level, true)?;
                let mut meta = meta.clone();
                meta.method = 8;
                meta.crc = piece.crc.finalize();
                meta.compressed = fits(piece.deflated.len() as u64)?;
                meta.size = fits(piece.size)?;
                zip.copy(meta, &mut &piece.deflated[..])?;
            } else {
                zip.copy(meta.clone(), &mut &raw[..])?;
            }
        }
        zip.finish()
    }
}

/// The name of the part that holds the sheet named `name`, among the workbook's
/// [`crate::read::sheet_parts`] (found as the readers find them: xl/workbook.xml gives the
/// sheet's relationship id, xl/_rels/workbook.xml.rels the part).
fn sheet_part(
    archive: &ZipArchive<Cursor<&[u8]>>,
    sheet_parts: &[(String, String)],
    name: &str,
) -> io::Result<String> {
    let (_, part) = sheet_parts
        .iter()
        .find(|(sheet, _)| sheet == name)
        .ok_or_else(|| not_found(&format!("工作表“{name}”")))?;
    if archive.index_for_name(part).is_none() {
        return Err(not_found(&format!("工作表“{name}”的部件 {part}")));
    }
    Ok(part.clone())
}

/// The sheet's XML before and after where the rows go (`</sheetData>`), its `<dimension>`
/// made to reach `rows` more rows. rust_xlsxwriter wrote the sheet's first rows, so the
/// dimension it wrote is `A1:<last column><last row>`, and the rows come after them.
fn split_sheet(xml: &str, rows: usize) -> io::Result<(String, &str)> {
    let misshapen = || io::Error::other("rust_xlsxwriter 写出的工作表不是预期的样子，无法加入各行");
    let rows_end = xml.find("</sheetData>").ok_or_else(misshapen)?;
    let (head, tail) = xml.split_at(rows_end);
    const DIMENSION: &str = r#"<dimension ref="A1:"#;
    let start = head.find(DIMENSION).ok_or_else(misshapen)? + DIMENSION.len();
    let end = start + head[start..].find('"').ok_or_else(misshapen)?;
    let column_end = head[start..end]
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(misshapen)?;
    let last_column = &head[start..start + column_end];
    let header_rows: usize = head[start + column_end..end]
        .parse()
        .map_err(|_| misshapen())?;
    let head = format!(
        "{}{last_column}{}{}",
        &head[..start],
        header_rows + rows,
        &head[end..]
    );
    Ok((head, tail))
}

/// Piece of a part, deflated on its own.
struct Piece {
    deflated: Vec<u8>,
    /// The length of the piece's XML, and its CRC.
    size: u64,
    crc: crc32fast::Hasher,
}

/// Deflates `data` (raw deflate, no zlib header) into a piece that ends on a byte boundary
/// and leaves the stream open (a sync flush), or if `last` ends the deflate stream.
fn deflate(data: &[u8], level: u32, last: bool) -> io::Result<Piece> {
    let mut compress = Compress::new(Compression::new(level), false);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut deflated = Vec::with_capacity(data.len() / 4 + 64);
    loop {
        let consumed = compress.total_in() as usize;
        let status = compress
            .compress_vec(&data[consumed..], &mut deflated, flush)
            .map_err(io::Error::other)?;
        let all_in = compress.total_in() as usize == data.len();
        // A flush is complete when it returns with room left in the output.
        let done = match status {
            Status::StreamEnd => true,
            Status::Ok | Status::BufError => {
                !last && all_in && deflated.len() < deflated.capacity()
            }
        };
        if done {
            break;
        }
        deflated.reserve(deflated.capacity().max(4096));
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(data);
    Ok(Piece {
        deflated,
        size: data.len() as u64,
        crc,
    })
}

fn unreadable(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("无法读回 rust_xlsxwriter 写出的工作簿：{e}"))
}

fn not_found(what: &str) -> io::Error {
    io::Error::other(format!("rust_xlsxwriter 写出的工作簿里找不到{what}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::sheet_xml;
    use rust_xlsxwriter::{Workbook, XlsxError};

    /// Seventeen chunks and a short one: several batches of chunks where the tests run on
    /// fewer than five threads (CI has two), and a last chunk part full.
    const ROWS: usize = CHUNK_ROWS * 17 + 7;

    /// Text that needs escaping, whitespace kept, a control character, a literal escape.
    fn text(i: usize) -> String {
        match i % 5 {
            0 => format!(" 单位&<{i}>"),
            1 => format!("文件\x01{i}\t"),
            2 => format!("_x0041_{i}"),
            3 => String::new(),
            _ => format!("第{i}行"),
        }
    }

    fn number(i: usize) -> f64 {
        (i as f64) * 0.37 - 100.0
    }

    /// A workbook with a small sheet and two big ones, the big ones' rows 1.. from `rows`.
    fn workbook(rows: std::ops::Range<usize>) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        book.set_properties(&crate::output::workbook::fixed_properties());
        book.set_zip_compression_level(4);
        for name in ["大表", "小表", "另一大表"] {
            if name == "小表" {
                let small = book.add_worksheet();
                small.set_name(name)?;
                small.write_string(0, 0, "不动")?;
                small.write_number(1, 1, 42)?;
                continue;
            }
            let big = book.add_worksheet_with_constant_memory()?;
            big.set_name(name)?;
            big.write_string(0, 0, "名称")?;
            big.write_string(0, 1, "数")?;
            big.write_string(0, 2, "末列")?;
            for i in rows.clone() {
                let r = i as u32 + 1;
                big.write_string(r, 0, text(i))?;
                big.write_number(r, 1, number(i))?;
            }
            big.set_freeze_panes(1, 0)?;
            big.autofilter(0, 0, ROWS as u32, 2)?;
        }
        book.save_to_buffer()
    }

    fn rows_xml(range: Range<usize>, out: &mut String) {
        for i in range {
            let r = i as u32 + 1;
            sheet_xml::start_row(out, r);
            sheet_xml::text_cell(out, r, 0, &text(i));
            sheet_xml::number_cell(out, r, 1, number(i));
            sheet_xml::end_row(out);
        }
    }

    /// Every part of a zip by name, unpacked.
    pub(crate) fn parts(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                // The zip crate checks each part's CRC as it reads it to the end.
                file.read_to_end(&mut bytes).unwrap();
                (file.name().unwrap().to_string(), bytes)
            })
            .collect()
    }

    #[test]
    fn spliced_rows_read_as_rust_xlsxwriters_own() {
        let without = workbook(0..0).unwrap();
        let mut spliced = Vec::new();
        // Each sheet at its own level.
        let sheets = [("大表", 3), ("另一大表", 4)].map(|(name, level)| SheetRows {
            name,
            rows: ROWS,
            xml: &rows_xml,
            level,
        });
        splice_rows(&mut spliced, &without, &sheets).unwrap();
        // Every part, the big sheet's included, holds the bytes rust_xlsxwriter writes when it
        // writes all the rows itself.
        let whole = workbook(0..ROWS).unwrap();
        let (spliced_parts, whole_parts) = (parts(&spliced), parts(&whole));
        assert_eq!(spliced_parts.len(), whole_parts.len());
        for ((name, bytes), (whole_name, whole_bytes)) in spliced_parts.iter().zip(&whole_parts) {
            assert_eq!(name, whole_name);
            assert!(bytes == whole_bytes, "{name} differs");
        }
        // The parts not spliced are copied as they were compressed.
        let mut before = ZipArchive::new(Cursor::new(&without[..])).unwrap();
        let mut after = ZipArchive::new(Cursor::new(&spliced[..])).unwrap();
        let spliced_parts = ["大表", "另一大表"]
            .map(|name| sheet_part(&before, &crate::read::sheet_parts(&without), name).unwrap());
        assert_eq!(
            spliced_parts,
            ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"]
        );
        for i in 0..before.len() {
            let raw = |archive: &mut ZipArchive<Cursor<&[u8]>>| {
                let mut file = archive.by_index_raw(i).unwrap();
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).unwrap();
                (file.name().unwrap().to_string(), file.crc32(), bytes)
            };
            let (name, crc, bytes) = raw(&mut before);
            if !spliced_parts.contains(&name) {
                assert!(raw(&mut after) == (name, crc, bytes));
            }
        }
    }

    #[test]
    fn a_sheet_not_in_the_workbook_is_refused() {
        let book = workbook(0..0).unwrap();
        let sheet = SheetRows {
            name: "无此表",
            rows: 0,
            xml: &rows_xml,
            level: 4,
        };
        let err = splice_rows(&mut Vec::new(), &book, &[sheet]).unwrap_err();
        assert!(err.to_string().contains("找不到工作表“无此表”"), "{err}");
    }
}
