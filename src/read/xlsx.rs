//! xlsx and xlsm, through calamine, after the package was checked here.
//!
//! calamine trusts what a package declares: it reserves room for as many shared strings as
//! the table's `uniqueCount` says (1e8 takes gigabytes, 2^64 panics), and a shared
//! formula's index `si` sizes a table (4e9 aborts). The zip reader bounds each part to the
//! size the package's directory declares, so [`check_package`] checks those sizes, and the
//! shared strings' count against the bytes present, before calamine opens it; shared
//! formulas are read without calamine's table (see [`read`]).

use std::borrow::Cow;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, XlsxFormulaMetadata};
use quick_xml::events::BytesStart;
use zip::ZipArchive;

use super::limits::{
    megabytes, MAX_CELLS, MAX_PACKING_RATIO, MAX_PART_BYTES, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES,
    RATIO_FLOOR_BYTES,
};
use super::sheets::{cell_from_data, finish, push_sheet, worksheets};
use super::ENCRYPTED;
use crate::formula::FormulaCell;
use crate::grid::{Cell, Workbook};
use crate::zip_out::{zip_len, EntryMeta, ZipOut};

/// What the zip or XML parser said is in English and means nothing to a clerk: the file is
/// damaged, and what to do is the same whatever broke. The parser's words are dropped.
fn damaged(_e: impl std::fmt::Display) -> String {
    "xlsx 文件已损坏或不完整，无法打开：请报送单位用 Excel/WPS 打开后重新保存，再报送".into()
}

/// Refuses a package whose parts unpack past the limits, that is encrypted, or whose
/// shared-string table declares more strings than its bytes can hold.
fn check_package(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, String> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "文件过大（压缩包中有 {} 个部件，上限 {MAX_ZIP_ENTRIES}），不是一份年度报告",
            zip.len()
        ));
    }
    let mut unpacked = 0u64;
    // Every part named like a shared-string table, in any folder: calamine reads the one in
    // the workbook's folder (which the package's relationships name), and a decoy checked
    // in its place would let a table of a trillion strings through (an abort, not a panic).
    let mut shared_strings = Vec::new();
    for i in 0..zip.len() {
        // The central directory's entry: no part is read yet.
        let part = zip.by_index_data(i).map_err(damaged)?;
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
        if ends_with_ignoring_case(part.name_raw(), b"sharedstrings.xml") {
            shared_strings.push((i, size));
        }
    }
    for (i, size) in shared_strings {
        let mut head = Vec::with_capacity(4096);
        zip.by_index(i)
            .map_err(damaged)?
            .take(4096)
            .read_to_end(&mut head)
            .map_err(damaged)?;
        // `<si/>` is the shortest entry: five bytes.
        if let Some(declared) = attribute_number(&head, b"uniqueCount=") {
            if declared > size / 5 + 1 {
                // Our own reason is in Chinese: said, after what to do.
                return Err(format!(
                    "{}（共享字符串表声明有 {declared} 项，而它只有 {size} 字节）",
                    damaged("")
                ));
            }
        }
    }
    Ok(zip)
}

fn ends_with_ignoring_case(text: &[u8], end: &[u8]) -> bool {
    text.len() >= end.len() && text[text.len() - end.len()..].eq_ignore_ascii_case(end)
}

/// The value of attribute `name` in the tag `tag` (the bytes between `<` and `>`).
fn attribute<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&tag[from..], name) {
        let start = from + at;
        from = start + name.len();
        // A whole attribute name: preceded by a space, followed by `=` and a quote.
        if start == 0 || !tag[start - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = tag[from..].strip_prefix(b"=")?;
        let quote = *rest.first()?;
        let value = &rest[1..];
        let end = memchr::memchr(quote, value)?;
        return Some(&value[..end]);
    }
    None
}

fn number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// Each tag `<name …>` of `xml`, as the bytes from `<` to before `>`.
fn tags<'x>(xml: &'x [u8], name: &'x [u8]) -> impl Iterator<Item = &'x [u8]> + 'x {
    let finder = memchr::memmem::Finder::new(name);
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let at = from + finder.find(&xml[from..])?;
        let after = at + name.len();
        from = after;
        let ends_name = xml
            .get(after)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
        if ends_name {
            let end = memchr::memchr(b'>', &xml[after..]).map_or(xml.len(), |e| after + e);
            return Some(&xml[at..end]);
        }
    })
}

/// The package's entries by name as calamine looks a part up: it compares an entry's name
/// with `\` as `/` and ASCII case ignored, and of entries that compare equal takes the last
/// (its map of names keeps the last); a name it does not find so it looks up as it is. The
/// checks here read the entry calamine reads, or a guard could look at one part while
/// calamine reads another. Built once a package: a package of 10,000 entries may name as
/// many sheets.
struct PartNames(foldhash::HashMap<String, usize>);

impl PartNames {
    fn of(zip: &ZipArchive<Cursor<&[u8]>>) -> PartNames {
        // The names as the zip reader decodes them (code page 437 where not UTF-8), as
        // calamine has them.
        PartNames(
            zip.file_names()
                .enumerate()
                // A name it cannot decode, calamine refuses the package for.
                .filter_map(|(i, name)| {
                    Some((name.ok()?.replace('\\', "/").to_ascii_lowercase(), i))
                })
                .collect(),
        )
    }

    /// The entry calamine reads for the part named `name`.
    fn entry(&self, zip: &ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<usize> {
        self.0
            .get(&name.to_ascii_lowercase())
            .copied()
            .or_else(|| zip.index_for_name(name))
    }
}

/// A part of the package by name, whole; empty if absent.
fn part_bytes(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    names: &PartNames,
    name: &str,
) -> Result<Vec<u8>, String> {
    let entry = names.entry(zip, name);
    entry_bytes(zip, entry)
}

/// An entry of the package, whole; empty if absent.
fn entry_bytes(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    entry: Option<usize>,
) -> Result<Vec<u8>, String> {
    entry.map_or(Ok(Vec::new()), |i| unpacked(zip, i))
}

/// The worksheet parts of the package by sheet name, found as calamine finds them
/// ([`WorkbookPlace`]). (rollup.xlsx's writer finds its own long sheets with it too.)
pub(crate) fn sheet_parts(zip: &mut ZipArchive<Cursor<&[u8]>>) -> Vec<(String, String)> {
    let names = PartNames::of(zip);
    let place = WorkbookPlace::of(&part_bytes(zip, &names, PACKAGE_RELS).unwrap_or_default());
    let workbook = part_bytes(zip, &names, &place.workbook()).unwrap_or_default();
    let rels = part_bytes(zip, &names, &place.rels()).unwrap_or_default();
    place.sheet_parts(&workbook, &rels)
}

/// The package's relationships, which name the workbook.
const PACKAGE_RELS: &str = "_rels/.rels";

/// Where the workbook is, as calamine finds it (`read_package_relationships`): the folder
/// and name of the part the package's relationships give as the office document, the last
/// if several; `xl/` and `workbook.xml` where none does (calamine refuses the package).
/// The shared strings, the styles and the theme are in the same folder.
struct WorkbookPlace {
    folder: String,
    name: String,
}

impl WorkbookPlace {
    fn of(package_rels: &[u8]) -> WorkbookPlace {
        let mut target = None;
        each_element(package_rels, "Relationship", |e| {
            let office_document = attribute_of(e, |k| k == "Type")
                .is_some_and(|t| t.ends_with("/relationships/officeDocument"));
            if office_document {
                if let Some(t) = attribute_of(e, |k| k == "Target") {
                    target = Some(decoded(&t));
                }
            }
        });
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
        place
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

    /// The worksheet parts by sheet name, from the workbook's XML and its relationships', as
    /// calamine reads them (`read_relationships`, `read_workbook`): elements and the
    /// relationship id by their local names (any prefix), a sheet's name unescaped, a
    /// relationship's target as written, the last of an id.
    fn sheet_parts(&self, workbook: &[u8], rels: &[u8]) -> Vec<(String, String)> {
        let mut targets: foldhash::HashMap<String, String> = Default::default();
        each_element(rels, "Relationship", |e| {
            if let Some(id) = attribute_of(e, |k| k == "Id") {
                let target = attribute_of(e, |k| k == "Target").unwrap_or_default();
                targets.insert(id.into_owned(), target.into_owned());
            }
        });
        let mut parts = Vec::new();
        each_element(workbook, "sheet", |e| {
            let name = attribute_of(e, |k| k == "name").map_or(String::new(), |n| decoded(&n));
            let is_id =
                |k: &str| k == "id" || k.strip_suffix("id").is_some_and(|p| p.ends_with(':'));
            let Some(target) = attribute_of(e, is_id).and_then(|id| targets.get(&*id)) else {
                return;
            };
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("{}{target}", self.folder),
            };
            parts.push((name, path));
        });
        parts
    }
}

/// Each element of `xml` whose local name is `local`, read the way calamine reads these
/// parts (quick-xml, end names not checked), handed to `each`.
fn each_element(xml: &[u8], local: &str, mut each: impl FnMut(&BytesStart)) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.trim_text(false);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => each(&e),
            Ok(Event::Eof) | Err(_) => return,
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

/// An attribute's value with its character references replaced, as calamine decodes names
/// (as written where that fails).
fn decoded(value: &str) -> String {
    quick_xml::escape::unescape(value).map_or_else(|_| value.to_string(), |v| v.into_owned())
}

/// The package's parts that calamine reads whole, each unpacked once, here: the package's
/// and the workbook's relationships, the workbook, its shared strings and styles, its
/// sheets. Unpacking was a tenth of a run, half of it twice over: the checks here read the
/// sheets, and calamine unpacked them again.
struct Package<'b> {
    /// The package again for calamine, those parts stored unpacked and the others copied as
    /// they were packed; or the package as it came, where it could not be written again (a
    /// part packed in a way this zip reader does not know) or would take too much memory
    /// unpacked at once ([`REPACKED_MAX_BYTES`]).
    zip: Cow<'b, [u8]>,
    /// Each sheet the workbook lists, by name.
    sheets: Vec<(String, SheetXml)>,
}

/// Where a sheet's XML is.
enum SheetXml {
    /// Stored in the repacked zip, at this range of its bytes.
    Stored(std::ops::Range<usize>),
    /// The package's entry: unpacked when the sheet is read, one sheet at a time.
    Entry(usize),
    /// Could not be unpacked: why.
    Broken(String),
    /// The package has no such part.
    Absent,
}

/// A package whose parts for calamine come to more than this unpacked is given to calamine
/// as it came, and its sheets unpacked one at a time: held at once, a workbook of several
/// sheets of tens of megabytes would take several times the memory it did (a report is a
/// few hundred kilobytes).
const REPACKED_MAX_BYTES: u64 = 16 << 20;

impl<'b> Package<'b> {
    fn unpack(bytes: &'b [u8], zip: &mut ZipArchive<Cursor<&'b [u8]>>) -> Package<'b> {
        let names = PartNames::of(zip);
        let place = WorkbookPlace::of(&part_bytes(zip, &names, PACKAGE_RELS).unwrap_or_default());
        let (workbook_entry, rels_entry) = (
            names.entry(zip, &place.workbook()),
            names.entry(zip, &place.rels()),
        );
        let workbook = entry_bytes(zip, workbook_entry);
        let rels = entry_bytes(zip, rels_entry);
        let paths = place.sheet_parts(
            workbook.as_deref().unwrap_or_default(),
            rels.as_deref().unwrap_or_default(),
        );
        let sheet_entries: Vec<Option<usize>> = paths
            .iter()
            .map(|(_, path)| names.entry(zip, path))
            .collect();
        let mut sheets: Vec<(String, SheetXml)> = paths
            .into_iter()
            .zip(&sheet_entries)
            .map(|((name, _), entry)| (name, entry.map_or(SheetXml::Absent, SheetXml::Entry)))
            .collect();
        // The entries unpacked for calamine: the workbook and its relationships (unpacked
        // above), the other parts it reads whole, and the sheets.
        let theme = names.entry(zip, &place.part(THEME));
        let mut unpack: Vec<usize> = [
            PACKAGE_RELS.to_string(),
            place.part("sharedStrings.xml"),
            place.part("styles.xml"),
        ]
        .iter()
        .filter_map(|name| names.entry(zip, name))
        .chain(workbook_entry)
        .chain(rels_entry)
        .chain(sheet_entries.iter().flatten().copied())
        .collect();
        unpack.sort_unstable();
        unpack.dedup();
        let unpacked_size: u64 = unpack
            .iter()
            .filter_map(|&i| zip.by_index_data(i).ok().map(|part| part.size()))
            .sum();
        if unpacked_size > REPACKED_MAX_BYTES {
            return Package {
                zip: bytes.into(),
                sheets,
            };
        }
        let mut repacked = Vec::new();
        let mut stored: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        let mut repack = || -> std::io::Result<()> {
            repacked.reserve_exact(repacked_len(zip, &unpack));
            let mut writer = ZipOut::new(&mut repacked);
            for i in 0..zip.len() {
                let mut meta = EntryMeta::of(&zip.by_index_raw(i).map_err(std::io::Error::other)?)?;
                // Unless it is also a part calamine reads whole (a sheet, say).
                if Some(i) == theme && unpack.binary_search(&i).is_err() {
                    continue;
                }
                let part = if Some(i) == workbook_entry {
                    Some(workbook.clone())
                } else if Some(i) == rels_entry {
                    Some(rels.clone())
                } else if unpack.binary_search(&i).is_ok() {
                    Some(unpacked(zip, i))
                } else {
                    None
                };
                if let Some(Ok(part)) = &part {
                    meta.method = 0;
                    meta.compressed = meta.size;
                    let start = writer.copy(meta, &mut &part[..])? as usize;
                    stored.push((i, start..start + part.len()));
                    continue;
                }
                if let Some(Err(why)) = part {
                    if let Some(sheet) = sheet_entries.iter().position(|&e| e == Some(i)) {
                        sheets[sheet].1 = SheetXml::Broken(why);
                    }
                }
                // Copied as it is (one that could not be unpacked too: calamine finds it as
                // it was).
                writer.copy(
                    meta,
                    &mut zip.by_index_raw(i).map_err(std::io::Error::other)?,
                )?;
            }
            writer.finish()
        };
        if repack().is_err() {
            return Package {
                zip: bytes.into(),
                sheets,
            };
        }
        for (_, xml) in &mut sheets {
            if let SheetXml::Entry(i) = xml {
                // `stored` is in the order of the entries.
                if let Ok(at) = stored.binary_search_by_key(i, |(entry, _)| *entry) {
                    *xml = SheetXml::Stored(stored[at].1.clone());
                }
            }
        }
        Package {
            zip: repacked.into(),
            sheets,
        }
    }

    /// The XML of the sheet named `name`: empty if the package has no such part.
    fn sheet<'p>(
        &'p self,
        name: &str,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
    ) -> Result<Cow<'p, [u8]>, String> {
        match self
            .sheets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, xml)| xml)
        {
            Some(SheetXml::Stored(range)) => Ok(self.zip[range.clone()].into()),
            Some(SheetXml::Entry(i)) => unpacked(zip, *i).map(Into::into),
            Some(SheetXml::Broken(why)) => Err(why.clone()),
            Some(SheetXml::Absent) | None => Ok((&[][..]).into()),
        }
    }
}

/// The length of the repacked zip: the `unpack` entries stored at their size, the others at
/// their packed size.
fn repacked_len(zip: &ZipArchive<Cursor<&[u8]>>, unpack: &[usize]) -> usize {
    zip_len((0..zip.len()).filter_map(|i| {
        let part = zip.by_index_data(i).ok()?;
        let data = if unpack.binary_search(&i).is_ok() {
            part.size()
        } else {
            part.compressed_size()
        };
        Some((part.name_raw().len(), data))
    })) as usize
}

/// The theme, in the workbook's folder, left out of calamine's package: calamine reads its
/// colors for the cells' styles, which nothing here uses, and takes its defaults when there
/// is none. It was a fiftieth of a run.
const THEME: &str = "theme/theme1.xml";

/// Entry `i` unpacked whole (its size was checked by [`check_package`]). An error if it
/// cannot be unpacked or fails its checksum: calamine would parse what it unpacked before it
/// found out.
fn unpacked(zip: &mut ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<Vec<u8>, String> {
    let name = zip
        .file_names_raw()
        .nth(i)
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .unwrap_or_default();
    // The zip reader's words (a checksum, an invalid stream) are in English: dropped.
    let failed = || format!("{name} 无法解压（压缩数据已损坏）");
    let mut part = zip.by_index(i).map_err(|_| failed())?;
    // Room for all of it at once: read a little at a time, the inflater takes its slow path.
    let mut bytes = Vec::with_capacity(part.size() as usize + 1);
    part.read_to_end(&mut bytes).map_err(|_| failed())?;
    Ok(bytes)
}

/// The first cell reference (`r="…"`, `ref="…"`) past a sheet's bounds (column XFD, row
/// 1,048,576) that calamine would read: it multiplies such a reference out without a check.
/// Every cell has one: this is done without allocating.
fn reference_out_of_bounds(xml: &[u8]) -> Option<String> {
    [&b" r=\""[..], &b" ref=\""[..]]
        .into_iter()
        .flat_map(|attribute| {
            memchr::memmem::find_iter(xml, attribute).map(move |at| &xml[at + attribute.len()..])
        })
        .find_map(|value| {
            let end = memchr::memchr(b'"', value).unwrap_or(value.len()).min(64);
            bad_reference(&value[..end]).map(|bad| String::from_utf8_lossy(bad).into_owned())
        })
}

/// The reference, or the range, that is out of bounds in an attribute's value.
fn bad_reference(value: &[u8]) -> Option<&[u8]> {
    // Nearly every value is one cell's plain reference, such as `B3`: passed at once.
    let letters = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &value[letters..];
    let row = || {
        digits
            .iter()
            .fold(0u32, |row, &b| row * 10 + u32::from(b - b'0'))
    };
    if (1..=3).contains(&letters)
        && (1..=7).contains(&digits.len())
        && digits.iter().all(u8::is_ascii_digit)
        && row() <= 1_048_576
    {
        return None;
    }
    // A range whose end comes before its start: calamine subtracts one from the other.
    let mut ends = value.split(|&b| b == b':');
    if let (Some(start), Some(end), None) = (ends.next(), ends.next(), ends.next()) {
        if let (Some((r0, c0)), Some((r1, c1))) = (cell_numbers(start), cell_numbers(end)) {
            if r1 < r0 || c1 < c0 {
                return Some(value);
            }
        }
    }
    value.split(|&b| b == b':' || b == b' ').find(|reference| {
        let letters = reference
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let digits = &reference[letters..];
        // Eight digits or more make a row past 1,048,576; a row with other characters
        // than digits is not a row calamine reads.
        let row = || {
            digits.iter().try_fold(0u64, |row, &b| {
                b.is_ascii_digit().then(|| row * 10 + u64::from(b - b'0'))
            })
        };
        letters > 3 || digits.len() > 7 || row().is_some_and(|row| row > 1_048_576)
    })
}

/// A reference's row and column numbers (`B3` is row 3, column 2), if it is one.
fn cell_numbers(reference: &[u8]) -> Option<(u64, u64)> {
    let letters = reference
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = reference[..letters].iter().fold(0u64, |c, b| {
        c * 26 + u64::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row = std::str::from_utf8(&reference[letters..])
        .ok()?
        .parse()
        .ok()?;
    Some((row, col))
}

/// Columns as narrow as this (in characters), and rows as low (in points), are hidden to
/// the eye: WPS and Excel users hide a column by dragging it shut as often as by the menu.
const HIDDEN_SIZE: f64 = 0.5;

/// The rows and columns a sheet hides, 0-based and sorted: `hidden` on `<row>` and
/// `<col>`, or a column dragged shut, or a row of no height.
fn hidden_lines(xml: &[u8]) -> (Vec<u32>, Vec<u32>) {
    let mentions = |word: &[u8]| memchr::memmem::find(xml, word).is_some();
    if !mentions(b"hidden") && !mentions(b"customWidth") && !mentions(b"customHeight") {
        return (Vec::new(), Vec::new());
    }
    let is_true = |v: Option<&[u8]>| matches!(v, Some(b"1") | Some(b"true"));
    let small = |v: Option<&[u8]>| v.and_then(number::<f64>).is_some_and(|w| w <= HIDDEN_SIZE);
    let mut cols = Vec::new();
    for tag in tags(xml, b"<col") {
        let hidden = is_true(attribute(tag, b"hidden"))
            || (is_true(attribute(tag, b"customWidth")) && small(attribute(tag, b"width")));
        let (Some(min), Some(max)) = (
            attribute(tag, b"min").and_then(number::<u32>),
            attribute(tag, b"max").and_then(number::<u32>),
        ) else {
            continue;
        };
        // A range past the sheet's 16,384 columns is cut there.
        if hidden && min >= 1 {
            cols.extend(min - 1..max.min(16_384));
        }
    }
    let mut rows = Vec::new();
    for tag in tags(xml, b"<row") {
        let hidden = is_true(attribute(tag, b"hidden"))
            || (is_true(attribute(tag, b"customHeight")) && small(attribute(tag, b"ht")));
        if let Some(r) = attribute(tag, b"r")
            .and_then(number::<u32>)
            .filter(|_| hidden)
        {
            rows.extend(r.checked_sub(1));
        }
    }
    for lines in [&mut rows, &mut cols] {
        lines.sort_unstable();
        lines.dedup();
    }
    (rows, cols)
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
    let mut zip = check_package(bytes)?;
    let package = Package::unpack(bytes, &mut zip);
    let mut book = Xlsx::new(Cursor::new(&package.zip[..])).map_err(|e| match e {
        calamine::XlsxError::Password => ENCRYPTED.to_string(),
        e => damaged(e),
    })?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    let mut kept = 0usize;
    for (name, hidden) in worksheets(&book) {
        let xml = match package.sheet(&name, &mut zip) {
            Ok(xml) => xml,
            Err(e) => {
                workbook
                    .notes
                    .push(format!("工作表“{name}”已损坏（{e}），已跳过"));
                continue;
            }
        };
        if let Some(reference) = reference_out_of_bounds(&xml) {
            workbook.notes.push(format!(
                "工作表“{name}”已损坏（单元格地址“{reference}”超出工作表范围），已跳过"
            ));
            continue;
        }
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
                let value = cell_from_data(Data::from(cell.value));
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
        let (rows, cols) = hidden_lines(&xml);
        let sheet = workbook.sheets.last_mut().expect("just pushed");
        sheet.hidden_rows = rows;
        sheet.hidden_cols = cols;
        if full {
            workbook.notes.push(format!(
                "单元格过多（超过 {MAX_CELLS} 个），工作表“{name}”未读完，其后的工作表未读取"
            ));
            break;
        }
    }
    finish(workbook, formulas)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook as Excel-like writers make it is given to calamine repacked, its sheets
    /// stored as they unpack and its theme left out, and reads the same: the saving cannot
    /// silently turn into the fallback.
    #[test]
    fn a_plain_workbook_is_repacked() {
        let mut book = rust_xlsxwriter::Workbook::new();
        for (name, n) in [("甲", 1.0), ("乙", 2.0)] {
            let sheet = book.add_worksheet();
            sheet.set_name(name).unwrap();
            sheet.write_number(0, 0, n).unwrap();
            sheet.write_string(1, 0, "文字").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let mut zip = check_package(&bytes).unwrap();
        let package = Package::unpack(&bytes, &mut zip);
        assert!(matches!(package.zip, Cow::Owned(_)));
        let names = PartNames::of(&zip);
        let mut repacked = ZipArchive::new(Cursor::new(&package.zip[..])).unwrap();
        for (name, xml) in &package.sheets {
            let SheetXml::Stored(range) = xml else {
                panic!("{name} not stored");
            };
            let path = format!(
                "xl/worksheets/sheet{}.xml",
                if name == "甲" { 1 } else { 2 }
            );
            let entry = names.entry(&zip, &path).unwrap();
            let original = unpacked(&mut zip, entry).unwrap();
            assert_eq!(&package.zip[range.clone()], &original[..]);
        }
        assert!(zip.index_for_name("xl/theme/theme1.xml").is_some());
        assert!(repacked.index_for_name("xl/theme/theme1.xml").is_none());
        assert_eq!(repacked.len(), zip.len() - 1);
        for i in 0..repacked.len() {
            let mut part = Vec::new();
            repacked
                .by_index(i)
                .unwrap()
                .read_to_end(&mut part)
                .unwrap();
        }
        let read = read(&bytes).unwrap();
        let cells: Vec<(&str, &Cell, &Cell)> = read
            .sheets
            .iter()
            .map(|s| (&*s.name, &s.rows[0][0], &s.rows[1][0]))
            .collect();
        let text = Cell::Text("文字".into());
        assert_eq!(
            cells,
            [
                ("甲", &Cell::Number(1.0), &text),
                ("乙", &Cell::Number(2.0), &text)
            ]
        );
    }

    fn bad(xml: &str) -> Option<String> {
        reference_out_of_bounds(xml.as_bytes())
    }

    #[test]
    fn references_past_the_sheet_are_found() {
        let fine = r#"<dimension ref="A1:XFD1048576"/><row r="3"><c r="B3" s="1"><v>1</v></c></row>
            <mergeCell ref="A1:B2"/><selection sqref="A1 B2:C3"/>"#;
        assert_eq!(bad(fine), None);
        assert_eq!(bad(r#"<c r="XFDA1">"#).as_deref(), Some("XFDA1"));
        assert_eq!(bad(r#"<c r="A1048577">"#).as_deref(), Some("A1048577"));
        assert_eq!(bad(r#"<c r="A12345678">"#).as_deref(), Some("A12345678"));
        assert_eq!(bad(r#"<c r="A00000001">"#).as_deref(), Some("A00000001"));
        assert_eq!(bad(r#"<c r="XFD1048576"><c r="a1">"#), None);
        assert_eq!(
            bad(r#"<c r="A99999999999999999999999999">"#).as_deref(),
            Some("A99999999999999999999999999")
        );
        assert_eq!(bad(r#"<dimension ref="C3:A1"/>"#).as_deref(), Some("C3:A1"));
        assert_eq!(
            bad(r#"<mergeCell ref="A1:XFDZ9"/>"#).as_deref(),
            Some("XFDZ9")
        );
        // A cell's reference is looked at before a range's.
        assert_eq!(
            bad(r#"<dimension ref="C3:A1"/><c r="A1048577">"#).as_deref(),
            Some("A1048577")
        );
    }
}
