//! Hostile submissions, made by the tests themselves: each function returns the bytes of
//! one file of the corpus of issue 12. The .xls cases are the committed xlwt fixture with
//! exact bytes patched (found by parsing its container and records, not by fixed offsets).
#![allow(dead_code)] // tests/hostile.rs and tests/fuzz_replay.rs each use a subset

pub mod cfb;
pub mod zip;

use cfb::Xls;

pub const XLS_FIXTURE: &[u8] = include_bytes!("../fixtures/official_2024.xls");

// ---- xls ------------------------------------------------------------------------------

/// An interrupted copy: the first `len` bytes.
pub fn xls_truncated(len: usize) -> Vec<u8> {
    assert!(len < XLS_FIXTURE.len());
    XLS_FIXTURE[..len].to_vec()
}

/// The worksheet's BOF record with length 0 (its 16 bytes become a filler record).
pub fn xls_zero_length_sheet_bof() -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let bof = x.find(0x0809, 1);
    x.replace(bof, bof, &[(0x0809, vec![])]);
    x.file
}

/// The workbook's CODEPAGE record with length 0 (it and the next record's bytes become a
/// filler record).
pub fn xls_zero_length_codepage() -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let records = x.records();
    let i = records.iter().position(|r| r.typ == 0x0042).unwrap();
    x.replace(records[i], records[i + 1], &[(0x0042, vec![])]);
    x.file
}

/// BOUNDSHEET pointing the sheet at stream offset 0xFFFFFFFF.
pub fn xls_boundsheet_offset_ffffffff() -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let r = x.find(0x0085, 0);
    x.patch(r.data().start, &0xFFFF_FFFFu32.to_le_bytes());
    x.file
}

/// DIMENSIONS whose first row lies after its last.
pub fn xls_inverted_dimensions() -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let r = x.find(0x0200, 0);
    let d = r.data().start;
    let last = u32::from_le_bytes(x.stream[d + 4..d + 8].try_into().unwrap());
    assert!(last > 1);
    // rwMic past rwMac: first row = last + 10.
    x.patch(d, &(last + 10).to_le_bytes());
    x.file
}

/// The last LABELSST cell moved to (`row`, `col`), both zero-based.
pub fn xls_cell_at(row: u16, col: u16) -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let n = x.records().iter().filter(|r| r.typ == 0x00FD).count();
    let r = x.find(0x00FD, n - 1);
    let mut rc = row.to_le_bytes().to_vec();
    rc.extend_from_slice(&col.to_le_bytes());
    x.patch(r.data().start, &rc);
    x.file
}

/// The directory's sector chain points back to itself.
pub fn xls_directory_chain_loop() -> Vec<u8> {
    let x = Xls::open(XLS_FIXTURE);
    let mut file = x.file.clone();
    let s = x.layout.dir_start;
    let at = x.layout.fat_entry_offset[s as usize];
    file[at..at + 4].copy_from_slice(&s.to_le_bytes());
    file
}

/// A FILEPASS record (RC4 encryption, as Excel writes for 打开权限密码) right after the
/// workbook's BOF; the records it displaces follow it.
pub fn xls_filepass() -> Vec<u8> {
    let mut x = Xls::open(XLS_FIXTURE);
    let records = x.records();
    let access = records.iter().position(|r| r.typ == 0x005C).unwrap();
    let mut new = Vec::new();
    let mut filepass = vec![1, 0, 1, 0, 1, 0]; // RC4; version 1.1
    filepass.extend((0..48u8).map(|i| i.wrapping_mul(37) ^ 0x5A)); // salt, verifier, hash
    new.push((0x002F, filepass));
    for r in &records[1..access] {
        new.push((r.typ, x.stream[r.data()].to_vec()));
    }
    x.replace(records[1], records[access], &new);
    x.file
}

/// A password-protected xlsx as Excel saves it: an OLE container holding EncryptionInfo
/// and EncryptedPackage, not a zip.
pub fn xlsx_encrypted() -> Vec<u8> {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n\
        <encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\" \
        xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">\
        <keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" \
        cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" \
        saltValue=\"AAAAAAAAAAAAAAAAAAAAAA==\"/><keyEncryptors><keyEncryptor \
        uri=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\"/>\
        </keyEncryptors></encryption>";
    let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0]; // agile: version 4.4, reserved 0x40
    info.extend_from_slice(xml.as_bytes());
    info.resize(4096, 0);
    let mut package = 12_000u64.to_le_bytes().to_vec();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    while package.len() < 12_008 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        package.push(state as u8);
    }
    cfb::write(&[("EncryptionInfo", &info), ("EncryptedPackage", &package)])
}

// ---- xlsx -----------------------------------------------------------------------------

/// One sheet whose A1 is shared string 0, and a shared-strings part declaring
/// `uniqueCount` (any text, as it is written in the XML).
pub fn xlsx_unique_count(unique_count: &str) -> Vec<u8> {
    let sheet = zip::sheet("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", None);
    let sst = zip::shared_strings(
        &format!("count=\"1\" uniqueCount=\"{unique_count}\""),
        "<si><t>填报单位：河口镇</t></si>",
    );
    zip::xlsx(
        vec![zip::Entry::deflated("xl/worksheets/sheet1.xml", &sheet)],
        Some(zip::Entry::deflated("xl/sharedStrings.xml", &sst)),
    )
}

/// A shared formula over A1:A2 whose index `si` is `si`.
pub fn xlsx_shared_formula_index(si: &str) -> Vec<u8> {
    let rows = format!(
        "<row r=\"1\"><c r=\"A1\"><f t=\"shared\" ref=\"A1:A2\" si=\"{si}\">B1+1</f><v>1</v></c>\
         <c r=\"B1\"><v>0</v></c></row>\
         <row r=\"2\"><c r=\"A2\"><f t=\"shared\" si=\"{si}\"/><v>1</v></c>\
         <c r=\"B2\"><v>0</v></c></row>"
    );
    let sheet = zip::sheet(&rows, None);
    zip::xlsx(
        vec![zip::Entry::deflated("xl/worksheets/sheet1.xml", &sheet)],
        None,
    )
}

/// One cell whose reference is `reference` (say `ZZZZZZZZ1`, past u32 columns), beside a
/// label, to reach the reader's reference parser.
pub fn xlsx_cell_reference(reference: &str) -> Vec<u8> {
    let rows = format!(
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>填报单位：河口镇</t></is></c>\
         <c r=\"{reference}\"><v>1</v></c></row>"
    );
    zip::xlsx(
        vec![zip::Entry::deflated(
            "xl/worksheets/sheet1.xml",
            &zip::sheet(&rows, None),
        )],
        None,
    )
}

/// The zip bomb of [`xlsx_zip_bomb`] whose headers lie: they declare `declared` bytes
/// uncompressed (and the CRC of the whole), so a check of the declared sizes passes it.
pub fn xlsx_zip_bomb_lying(uncompressed: u64, declared: u32) -> Vec<u8> {
    let chunk = dense_row(16_384).repeat(4);
    let times = uncompressed / chunk.len() as u64;
    let head = zip::sheet_head(None);
    let mut sheet = zip::Entry::repeated(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        chunk.as_bytes(),
        times,
        zip::SHEET_TAIL.as_bytes(),
    );
    sheet.size = declared;
    zip::xlsx(vec![sheet], None)
}

/// `sheets` sheets, each with one cell at A1 and one at IV65536 (and that dimension).
pub fn xlsx_far_corners(sheets: usize) -> Vec<u8> {
    let rows =
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>填报单位：河口镇</t></is></c></row>\
                <row r=\"65536\"><c r=\"IV65536\"><v>1</v></c></row>";
    let entries = (1..=sheets)
        .map(|n| {
            zip::Entry::deflated(
                &format!("xl/worksheets/sheet{n}.xml"),
                &zip::sheet(rows, Some("A1:IV65536")),
            )
        })
        .collect();
    zip::xlsx(entries, None)
}

/// A row of `cols` numeric cells without references (readers count positions).
fn dense_row(cols: usize) -> String {
    format!("<row>{}</row>", "<c><v>1</v></c>".repeat(cols))
}

/// A sheet of 65,536 rows by 256 columns, every cell the number 1: 0.6 MB zipped, 270 MB
/// of XML.
pub fn xlsx_dense_sheet() -> Vec<u8> {
    let chunk = dense_row(256).repeat(64);
    let head = zip::sheet_head(Some("A1:IV65536"));
    let sheet = zip::Entry::repeated(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        chunk.as_bytes(),
        65_536 / 64,
        zip::SHEET_TAIL.as_bytes(),
    );
    zip::xlsx(vec![sheet], None)
}

/// A zip bomb: a worksheet that inflates to about `uncompressed` bytes (rounded down to
/// whole chunks) of rows of 16,384 numbers (4 MB zipped for 2 GB); the sizes in the zip
/// are honest.
pub fn xlsx_zip_bomb(uncompressed: u64) -> Vec<u8> {
    let chunk = dense_row(16_384).repeat(4); // 1 MB
    let times = uncompressed / chunk.len() as u64;
    let head = zip::sheet_head(None);
    let sheet = zip::Entry::repeated(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        chunk.as_bytes(),
        times,
        zip::SHEET_TAIL.as_bytes(),
    );
    zip::xlsx(vec![sheet], None)
}

/// Shared strings that inflate to about `uncompressed` bytes (strings of 10,000 characters).
pub fn xlsx_big_shared_strings(uncompressed: u64) -> Vec<u8> {
    let item = format!("<si><t>{}</t></si>", "年".repeat(10_000));
    let chunk = item.repeat(4);
    let times = uncompressed / chunk.len() as u64;
    let full = String::from_utf8(zip::shared_strings("", "")).unwrap();
    let head = &full[..full.len() - "</sst>".len()];
    let sst = zip::Entry::repeated(
        "xl/sharedStrings.xml",
        head.as_bytes(),
        chunk.as_bytes(),
        times,
        b"</sst>",
    );
    let sheet = zip::sheet("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", None);
    zip::xlsx(
        vec![zip::Entry::deflated("xl/worksheets/sheet1.xml", &sheet)],
        Some(sst),
    )
}

// ---- csv ------------------------------------------------------------------------------

/// One line of `a,` repeated to `bytes` bytes.
pub fn csv_one_long_line(bytes: usize) -> Vec<u8> {
    let mut v = b"a,".repeat(bytes / 2);
    v.push(b'\n');
    v
}

/// `rows` rows of one short field.
pub fn csv_many_short_rows(rows: usize) -> Vec<u8> {
    b"a\n".repeat(rows)
}

pub const LONG_HEADER: &str = "unit,year,field_id,value\n";

/// The long form with `units` units of one row each.
pub fn long_csv_units(units: usize) -> Vec<u8> {
    let mut s = String::from(LONG_HEADER);
    for i in 0..units {
        s.push_str(&format!(
            "单位{i},2024,active.regulation.issued,{}\n",
            i % 7
        ));
    }
    s.into_bytes()
}

/// The long form with one quoted value of `bytes` bytes.
pub fn long_csv_quoted_field(bytes: usize) -> Vec<u8> {
    let mut v = LONG_HEADER.as_bytes().to_vec();
    v.extend_from_slice("河口镇,2024,active.regulation.issued,\"".as_bytes());
    v.extend(std::iter::repeat_n(b'x', bytes));
    v.extend_from_slice(b"\"\n");
    v
}
