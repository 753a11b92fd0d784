//! A minimal zip writer for hand-made xlsx packages: entries stored, deflated, or given as
//! a ready raw deflate stream (for bombs that would take minutes to compress for real).

use flate2::{Compress, Compression, FlushCompress};

/// One entry's bytes as they go into the archive.
pub struct Entry {
    pub name: String,
    /// 0 stored, 8 deflate.
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u32,
}

impl Entry {
    pub fn stored(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            method: 0,
            data: data.to_vec(),
            crc: crc(data),
            size: data.len() as u32,
        }
    }

    pub fn deflated(name: &str, data: &[u8]) -> Entry {
        let mut c = Compress::new(Compression::fast(), false);
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        deflate_into(&mut c, data, &mut out, FlushCompress::Finish);
        Entry {
            name: name.into(),
            method: 8,
            data: out,
            crc: crc(data),
            size: data.len() as u32,
        }
    }

    /// `prefix`, then `chunk` `times` times, then `suffix`, deflated without compressing
    /// the whole: the chunk is compressed twice (the second time against the first as
    /// history) and that second block repeated. `chunk` must be at least 32 KiB so that
    /// every repeat sees the same window.
    pub fn repeated(name: &str, prefix: &[u8], chunk: &[u8], times: u64, suffix: &[u8]) -> Entry {
        assert!(chunk.len() >= 32 * 1024 && times >= 2);
        let mut c = Compress::new(Compression::new(9), false);
        let mut head = Vec::new();
        deflate_into(&mut c, prefix, &mut head, FlushCompress::Sync);
        deflate_into(&mut c, chunk, &mut head, FlushCompress::Sync);
        let mut again = Vec::new();
        deflate_into(&mut c, chunk, &mut again, FlushCompress::Sync);
        let mut tail = Vec::new();
        deflate_into(&mut c, suffix, &mut tail, FlushCompress::Finish);
        let mut data = head;
        data.reserve(again.len() * (times as usize - 1) + tail.len());
        for _ in 1..times {
            data.extend_from_slice(&again);
        }
        data.extend_from_slice(&tail);

        let mut whole = flate2::Crc::new();
        whole.update(prefix);
        let mut one = flate2::Crc::new();
        one.update(chunk);
        for _ in 0..times {
            whole.combine(&one);
        }
        let mut end = flate2::Crc::new();
        end.update(suffix);
        whole.combine(&end);
        let size = prefix.len() as u64 + chunk.len() as u64 * times + suffix.len() as u64;
        Entry {
            name: name.into(),
            method: 8,
            data,
            crc: whole.sum(),
            size: u32::try_from(size).expect("under 4 GiB: no zip64 here"),
        }
    }
}

fn deflate_into(c: &mut Compress, mut input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) {
    loop {
        if out.capacity() - out.len() < 64 * 1024 {
            out.reserve(256 * 1024);
        }
        let before = c.total_in();
        let status = c.compress_vec(input, out, flush).expect("deflate");
        input = &input[(c.total_in() - before) as usize..];
        let done = match flush {
            FlushCompress::Finish => status == flate2::Status::StreamEnd,
            // A sync flush is complete once all input is taken and there was room left.
            _ => input.is_empty() && out.capacity() - out.len() > 1024,
        };
        if done {
            return;
        }
    }
}

pub fn crc(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// The archive: local headers and data, the central directory, the end record.
pub fn write(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&e.method.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // time
            h.extend_from_slice(&0x5821u16.to_le_bytes()); // date 2024-01-01
            h.extend_from_slice(&e.crc.to_le_bytes());
            h.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            h.extend_from_slice(&e.size.to_le_bytes());
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(e.name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(&e.data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The start of a worksheet part, up to and including `<sheetData>`.
pub fn sheet_head(dimension: Option<&str>) -> String {
    let dim = dimension.map_or(String::new(), |d| format!("<dimension ref=\"{d}\"/>"));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">{dim}<sheetData>"
    )
}

pub const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// A worksheet part from its `<sheetData>` content.
pub fn sheet(rows: &str, dimension: Option<&str>) -> Vec<u8> {
    format!("{}{rows}{SHEET_TAIL}", sheet_head(dimension)).into_bytes()
}

/// A shared-strings part with the given attributes and `<si>` content.
pub fn shared_strings(attrs: &str, items: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <sst xmlns=\"{MAIN_NS}\" {attrs}>{items}</sst>"
    )
    .into_bytes()
}

/// An xlsx package around ready worksheet entries (named `xl/worksheets/sheetN.xml`, in
/// order) and an optional shared-strings entry (`xl/sharedStrings.xml`).
pub fn xlsx(sheets: Vec<Entry>, shared: Option<Entry>) -> Vec<u8> {
    xlsx_with(sheets, shared, Vec::new())
}

/// [`xlsx`] with `others` after the sheets: parts no reader opens (images, printer settings).
pub fn xlsx_with(sheets: Vec<Entry>, shared: Option<Entry>, others: Vec<Entry>) -> Vec<u8> {
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    );
    let mut book_sheets = String::new();
    let mut rels = String::new();
    for (i, s) in sheets.iter().enumerate() {
        let n = i + 1;
        assert_eq!(s.name, format!("xl/worksheets/sheet{n}.xml"));
        types.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        book_sheets.push_str(&format!(
            "<sheet name=\"Sheet{n}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
    }
    if let Some(s) = &shared {
        assert_eq!(s.name, "xl/sharedStrings.xml");
        types.push_str(
            "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>",
        );
        rels.push_str(&format!(
            "<Relationship Id=\"rIdS\" Type=\"{REL_NS}/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        ));
    }
    types.push_str("</Types>");
    let root_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"{PKG_REL_NS}\"><Relationship Id=\"rId1\" \
         Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
    );
    let workbook = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><sheets>{book_sheets}</sheets></workbook>"
    );
    let book_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"{PKG_REL_NS}\">{rels}</Relationships>"
    );
    let mut entries = vec![
        Entry::stored("[Content_Types].xml", types.as_bytes()),
        Entry::stored("_rels/.rels", root_rels.as_bytes()),
        Entry::stored("xl/workbook.xml", workbook.as_bytes()),
        Entry::stored("xl/_rels/workbook.xml.rels", book_rels.as_bytes()),
    ];
    entries.extend(shared);
    entries.extend(sheets);
    entries.extend(others);
    write(&entries)
}
