//! xlsx and xlsm: the package checked against the limits, then its parts read here (the
//! cells in [`cells`]).
//!
//! Each part is unpacked once, whole, after [`check_package`] found its declared size within
//! the limits, inflated straight from the file's bytes into a buffer of that size, and a
//! sheet's cells are parsed from the unpacked bytes. calamine, which read them before, stays
//! for .xls, and for the test that reads workbooks both ways.

use std::borrow::Cow;
use std::io::Cursor;

use flate2::{Decompress, FlushDecompress, Status};
use quick_xml::events::BytesStart;
use zip::{CompressionMethod, ZipArchive};

use super::limits::{
    megabytes, MAX_CELLS, MAX_PACKING_RATIO, MAX_PART_BYTES, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES,
    RATIO_FLOOR_BYTES,
};
use super::sheets::{finish, push_sheet};
use super::ENCRYPTED;
use crate::formula::FormulaCell;
use crate::grid::Workbook;

mod cells;
mod scan;

use cells::{date_styles, read_sheet, Context, SharedStrings, SheetError};

/// Why a package is refused, whatever broke: what the zip or XML parser said is in English
/// and means nothing to a clerk, and what to do is the same.
fn damaged() -> String {
    "xlsx 文件已损坏或不完整，无法打开：请报送单位用 Excel/WPS 打开后重新保存，再报送".into()
}

/// Refuses a package whose parts unpack past the limits, or that is encrypted.
fn check_package(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, String> {
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "文件过大（压缩包中有 {} 个部件，上限 {MAX_ZIP_ENTRIES}），不是一份年度报告",
            zip.len()
        ));
    }
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        // The central directory's entry: no part is read yet.
        let part = zip.by_index_data(i).map_err(|_| damaged())?;
        if part.encrypted() {
            return Err(ENCRYPTED.into());
        }
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        let name = || String::from_utf8_lossy(part.name_raw());
        if size > MAX_PART_BYTES {
            return Err(format!(
                "解压后超过 {}（其中 {} 解压后 {}），不是一份正常的年度报告",
                megabytes(MAX_PART_BYTES),
                name(),
                megabytes(size)
            ));
        }
        if size > RATIO_FLOOR_BYTES && size / packed > MAX_PACKING_RATIO {
            return Err(format!(
                "解压后超过正常比例（{} 由 {} 解压为 {}，是压缩炸弹的特征）",
                name(),
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
    }
    Ok(zip)
}

/// The package's entries by name, as Excel and calamine look a part up: `\` as `/` and
/// ASCII case ignored, the last of entries whose names compare equal. Built once a
/// package: a package of 10,000 entries may name as many sheets.
struct PartNames(foldhash::HashMap<String, usize>);

impl PartNames {
    fn of(zip: &ZipArchive<Cursor<&[u8]>>) -> PartNames {
        // The names as the zip reader decodes them (code page 437 where not UTF-8).
        PartNames(
            zip.file_names()
                .enumerate()
                .filter_map(|(i, name)| {
                    Some((name.ok()?.replace('\\', "/").to_ascii_lowercase(), i))
                })
                .collect(),
        )
    }

    /// The entry for the part named `name`.
    fn entry(&self, name: &str) -> Option<usize> {
        self.0
            .get(&name.replace('\\', "/").to_ascii_lowercase())
            .copied()
    }
}

/// A package: its directory, its parts by name, and its bytes, from which a part is
/// inflated when it is asked for.
struct Package<'b> {
    zip: ZipArchive<Cursor<&'b [u8]>>,
    names: PartNames,
    bytes: &'b [u8],
}

impl<'b> Package<'b> {
    fn new(zip: ZipArchive<Cursor<&'b [u8]>>, bytes: &'b [u8]) -> Package<'b> {
        Package {
            names: PartNames::of(&zip),
            zip,
            bytes,
        }
    }

    /// A part by name, whole; empty if absent.
    fn part(&mut self, name: &str) -> Result<Vec<u8>, String> {
        match self.names.entry(name) {
            Some(i) => self.entry(i),
            None => Ok(Vec::new()),
        }
    }

    /// Entry `i`, whole ([`unpacked`]).
    fn entry(&mut self, i: usize) -> Result<Vec<u8>, String> {
        unpacked(&mut self.zip, self.bytes, i)
    }

    /// Where the workbook is, and its sheets: a part that cannot be read or parsed, or a
    /// workbook that is not there, is `None`.
    fn workbook(&mut self) -> Option<(WorkbookPlace, Vec<SheetPart>)> {
        let place = WorkbookPlace::of(&self.part(PACKAGE_RELS).ok()?).ok()?;
        let workbook = self.part(&place.workbook()).ok()?;
        if workbook.is_empty() {
            return None;
        }
        let sheets = place
            .sheets(&workbook, &self.part(&place.rels()).ok()?)
            .ok()?;
        Some((place, sheets))
    }
}

/// The sheets' parts by sheet name, chart sheets' too ([`WorkbookPlace`]), of the package
/// `bytes`. (rollup.xlsx's writer finds its own long sheets with it: a workbook it made,
/// not put through [`check_package`].)
pub(crate) fn sheet_parts(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(zip) = ZipArchive::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let Some((_, sheets)) = Package::new(zip, bytes).workbook() else {
        return Vec::new();
    };
    sheets
        .into_iter()
        .filter_map(|sheet| Some((sheet.name, sheet.path?)))
        .collect()
}

/// The package's relationships, which name the workbook.
const PACKAGE_RELS: &str = "_rels/.rels";

/// Where the workbook is: the folder and name of the part the package's relationships give
/// as the office document, the last if several; `xl/` and `workbook.xml` where none does.
/// The shared strings and the styles are in the same folder.
struct WorkbookPlace {
    folder: String,
    name: String,
}

/// A sheet the workbook lists.
struct SheetPart {
    name: String,
    /// The part that holds it; `None` where the workbook's relationships do not say.
    path: Option<String>,
    /// A `state` other than `visible` (`hidden`, `veryHidden`).
    hidden: bool,
    /// A worksheet, not a chart sheet or a dialog sheet.
    is_worksheet: bool,
}

impl WorkbookPlace {
    fn of(package_rels: &[u8]) -> Result<WorkbookPlace, BrokenXml> {
        let mut target = None;
        each_element(package_rels, "Relationship", |e| {
            let office_document = attribute_of(e, |k| k == "Type")
                .is_some_and(|t| t.ends_with("/relationships/officeDocument"));
            if office_document {
                if let Some(t) = attribute_of(e, |k| k == "Target") {
                    target = Some(decoded(&t));
                }
            }
        })?;
        let mut place = WorkbookPlace {
            folder: "xl/".into(),
            name: "workbook.xml".into(),
        };
        if let Some(target) = target {
            let (folder, name) = target.split_at(target.rfind('/').map_or(0, |i| i + 1));
            place.folder = folder.strip_prefix('/').unwrap_or(folder).to_string();
            if !name.is_empty() {
                place.name = name.to_string();
            }
        }
        Ok(place)
    }

    fn workbook(&self) -> String {
        format!("{}{}", self.folder, self.name)
    }

    fn rels(&self) -> String {
        format!("{}_rels/{}.rels", self.folder, self.name)
    }

    /// A part of the workbook's folder: `sharedStrings.xml`, `styles.xml`, …
    fn part(&self, name: &str) -> String {
        format!("{}{name}", self.folder)
    }

    /// The sheets, in the workbook's order, from its XML and its relationships': elements
    /// and the relationship id by their local names (any prefix), a sheet's name unescaped,
    /// a relationship's target as written, the last of an id. A relationship without a type
    /// is taken for a worksheet's.
    fn sheets(&self, workbook: &[u8], rels: &[u8]) -> Result<Vec<SheetPart>, BrokenXml> {
        let mut targets: foldhash::HashMap<String, (String, bool)> = Default::default();
        each_element(rels, "Relationship", |e| {
            if let Some(id) = attribute_of(e, |k| k == "Id") {
                let target = attribute_of(e, |k| k == "Target").unwrap_or_default();
                let is_worksheet = attribute_of(e, |k| k == "Type")
                    .is_none_or(|t| t.rsplit('/').next() == Some("worksheet"));
                targets.insert(id.into_owned(), (target.into_owned(), is_worksheet));
            }
        })?;
        let mut sheets = Vec::new();
        each_element(workbook, "sheet", |e| {
            let name = attribute_of(e, |k| k == "name").map_or(String::new(), |n| decoded(&n));
            let is_id =
                |k: &str| k == "id" || k.strip_suffix("id").is_some_and(|p| p.ends_with(':'));
            let target = attribute_of(e, is_id).and_then(|id| targets.get(&*id));
            let path = target.map(|(target, _)| match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("{}{target}", self.folder),
            });
            let hidden = attribute_of(e, |k| k == "state").is_some_and(|s| s != "visible");
            sheets.push(SheetPart {
                name,
                path,
                hidden,
                is_worksheet: target.is_none_or(|(_, is_worksheet)| *is_worksheet),
            });
        })?;
        Ok(sheets)
    }
}

/// Each element of `xml` whose local name is `local` (end names not checked), handed to
/// `each`; an error where the XML is broken (the elements before it were handed over).
fn each_element(
    xml: &[u8],
    local: &str,
    mut each: impl FnMut(&BytesStart),
) -> Result<(), BrokenXml> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.trim_text(false);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => each(&e),
            Ok(Event::Eof) => return Ok(()),
            Err(_) => return Err(BrokenXml),
            _ => {}
        }
    }
}

/// The value of the last attribute of `e` whose name `matches`, as written.
fn attribute_of<'e>(e: &'e BytesStart, matches: impl Fn(&str) -> bool) -> Option<Cow<'e, str>> {
    e.attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .filter(|a| matches(a.key.as_ref()))
        .last()
        .map(|a| a.value)
}

/// An attribute's value with its character references replaced (as written where that
/// fails).
fn decoded(value: &str) -> String {
    quick_xml::escape::unescape(value).map_or_else(|_| value.to_string(), |v| v.into_owned())
}

/// Entry `i` of the package `bytes` unpacked whole: inflated straight from the file's
/// bytes into a buffer of the size its directory declares (checked by [`check_package`] for
/// a submission).
/// The zip crate's reader zeroed that buffer first and went through three readers, a
/// quarter of the time of unpacking. As that reader does, refuses a part that is
/// encrypted, packed by another method, larger than declared or fails its checksum: what
/// it unpacked is not parsed.
fn unpacked(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    bytes: &[u8],
    i: usize,
) -> Result<Vec<u8>, String> {
    // The part's name is looked up only on failure.
    let failed = |zip: &ZipArchive<Cursor<&[u8]>>, why: &str| {
        let name = zip
            .by_index_data(i)
            .map(|part| String::from_utf8_lossy(part.name_raw()).into_owned())
            .unwrap_or_default();
        format!("{name} 无法解压（{why}）")
    };
    const DAMAGED: &str = "压缩数据已损坏";
    let entry = zip
        .by_index_raw(i)
        .ok()
        .filter(|part| !part.encrypted())
        .and_then(|part| {
            // Where the local header says the data starts, and as long as the directory says
            // but no further than the file goes, as the zip crate's reader read it: a part
            // whose stream ends and whose checksum holds is read, whatever the size said.
            let len = bytes.len() as u64;
            let start = part.data_start()?;
            let end = start.checked_add(part.compressed_size())?.min(len);
            let packed = &bytes[start.min(len) as usize..end as usize];
            Some((packed, part.compression(), part.size(), part.crc32()))
        });
    let (packed, method, size, crc) = entry.ok_or_else(|| failed(zip, DAMAGED))?;
    let unpacked = match method {
        CompressionMethod::Stored if packed.len() as u64 <= size => Some(packed.to_vec()),
        CompressionMethod::Stored => None,
        CompressionMethod::Deflated => inflated(packed, size as usize),
        _ => return Err(failed(zip, "压缩方式不受支持")),
    };
    unpacked
        .filter(|unpacked| crc32fast::hash(unpacked) == crc)
        .ok_or_else(|| failed(zip, DAMAGED))
}

/// Raw deflate data inflated, if its stream ends within `size` bytes. Room is made for
/// one byte more, which tells a part larger than declared.
fn inflated(packed: &[u8], size: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(size + 1);
    let status = Decompress::new(false)
        .decompress_vec(packed, &mut out, FlushDecompress::Finish)
        .ok()?;
    (status == Status::StreamEnd && out.len() <= size).then_some(out)
}

/// XML the parts' parser could not read.
struct BrokenXml;

/// A note where a part is not UTF-8, as every writer of xlsx writes it (a part in another
/// encoding is read with U+FFFD where its bytes are not UTF-8).
fn not_utf8(what: &str, xml: &[u8]) -> Option<String> {
    std::str::from_utf8(xml).is_err().then(|| {
        format!("{what}不是 UTF-8 编码（文件可能由不规范的软件生成），无法识别的文字显示为 �")
    })
}

/// The XML of a sheet's part, or why there is none. A part that an earlier sheet read is
/// not read again: a workbook of a million `<sheet>`s naming one part would read it a
/// million times.
fn sheet_xml(
    package: &mut Package,
    sheet: &SheetPart,
    entries_read: &mut foldhash::HashSet<usize>,
) -> Result<Vec<u8>, String> {
    let path = sheet.path.as_ref().ok_or("工作簿中找不到它的部件")?;
    let entry = package
        .names
        .entry(path)
        .ok_or_else(|| format!("文件中没有它的部件 {path}"))?;
    if !entries_read.insert(entry) {
        return Err(format!("它的部件 {path} 已作为另一张工作表读取"));
    }
    package.entry(entry)
}

/// The notes of sheets left out: the first [`SkippedSheets::IN_FULL`] in full, the others
/// counted (a workbook may name a million broken sheets).
#[derive(Default)]
struct SkippedSheets {
    count: usize,
}

impl SkippedSheets {
    const IN_FULL: usize = 20;

    fn note(&mut self, workbook: &mut Workbook, note: String) {
        self.count += 1;
        if self.count <= Self::IN_FULL {
            workbook.notes.push(note);
        }
    }

    fn finish(self, workbook: &mut Workbook) {
        if self.count > Self::IN_FULL {
            workbook.notes.push(format!(
                "另有 {} 个工作表同样无法读取，已跳过",
                self.count - Self::IN_FULL
            ));
        }
    }
}

/// An xlsx, one cell at a time: a stray cell at XFD1048576 costs one short row, not a
/// dense range of seventeen billion cells; values and formulas come in one pass. A sheet
/// that cannot be read is left out with a note, and the others are read.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let mut package = Package::new(check_package(bytes)?, bytes);
    // The parts that say where the sheets are and what their cells mean: where one is
    // broken the file is refused, as calamine refused it, rather than read in part.
    let (place, sheets) = package.workbook().ok_or_else(damaged)?;
    let mut part = |name: &str| package.part(name).map_err(|_| damaged());
    let strings_xml = part(&place.part("sharedStrings.xml"))?;
    let strings = SharedStrings::parse(&strings_xml).map_err(|_| damaged())?;
    let strings_note = not_utf8("共享字符串表", &strings_xml);
    drop(strings_xml);
    // A broken style table would read a date as a count.
    let date_styles = date_styles(&part(&place.part("styles.xml"))?).map_err(|_| damaged())?;
    let context = Context {
        strings: &strings,
        date_styles: &date_styles,
    };
    let mut sheets: Vec<SheetPart> = sheets
        .into_iter()
        .filter(|sheet| sheet.is_worksheet)
        .collect();
    // Visible first: a hidden leftover copy of the template is the last to be considered.
    sheets.sort_by_key(|sheet| sheet.hidden);
    let mut workbook = Workbook::default();
    let mut skipped = SkippedSheets::default();
    let mut formulas = Vec::new();
    // Cells with a value and formulas read so far, against [`MAX_CELLS`].
    let mut kept = 0usize;
    let mut entries_read = foldhash::HashSet::default();
    for sheet in sheets {
        let name = &sheet.name;
        let xml = match sheet_xml(&mut package, &sheet, &mut entries_read) {
            Ok(xml) => xml,
            Err(why) => {
                skipped.note(
                    &mut workbook,
                    format!("工作表“{name}”已损坏（{why}），已跳过"),
                );
                continue;
            }
        };
        let cells = match read_sheet(&xml, &context, MAX_CELLS - kept) {
            Ok(cells) => cells,
            Err(error) => {
                let why = match error {
                    SheetError::OutOfBounds(address) => {
                        format!("已损坏（单元格地址“{address}”超出工作表范围）")
                    }
                    SheetError::NotAnAddress(address) => {
                        format!("已损坏（单元格地址“{address}”不是有效的地址）")
                    }
                    SheetError::Xml(why) => format!("无法读取（{why}）"),
                };
                skipped.note(&mut workbook, format!("工作表“{name}”{why}，已跳过"));
                continue;
            }
        };
        workbook
            .notes
            .extend(not_utf8(&format!("工作表“{name}”"), &xml));
        if cells.missing_strings > 0 {
            workbook.notes.push(format!(
                "工作表“{name}”有 {} 个单元格的共享字符串编号无效（文件已损坏），按空白读取",
                cells.missing_strings
            ));
        }
        if cells.odd_values > 0 {
            workbook.notes.push(format!(
                "工作表“{name}”有 {} 个单元格的值与其类型不符（如标为数字却写着文字），按所写文字读取",
                cells.odd_values
            ));
        }
        kept += cells.values.len() + cells.formulas.len();
        let index = workbook.sheets.len();
        formulas.extend(
            cells
                .formulas
                .into_iter()
                .map(|(row, col, text)| FormulaCell {
                    sheet: index,
                    row,
                    col,
                    text,
                }),
        );
        push_sheet(&mut workbook, name, sheet.hidden, cells.values);
        let pushed = workbook.sheets.last_mut().expect("just pushed");
        pushed.hidden_rows = cells.hidden_rows;
        pushed.hidden_cols = cells.hidden_cols;
        if cells.full {
            workbook.notes.push(format!(
                "单元格过多（超过 {MAX_CELLS} 个），工作表“{name}”未读完，其后的工作表未读取"
            ));
            break;
        }
    }
    skipped.finish(&mut workbook);
    // After the sheets' notes: where no sheet could be read, the first says why.
    workbook.notes.extend(strings_note);
    finish(workbook, formulas)
}

#[cfg(test)]
mod tests;
