//! Stage 2: bytes of one file → a [`Workbook`] of cells. The format is decided by the
//! content (a `.xls` that is really an xlsx, or HTML saved as `.xls`, is common), not only
//! by the file name.

mod cfb;
mod csv;
mod docx;
mod encoding;
mod html;
pub mod limits;
#[cfg(feature = "pdf")]
mod pdf;
mod sheets;
mod text;
mod xls;
mod xlsx;

pub use self::csv::csv_with_header;
pub(crate) use self::csv::LineCounter;
pub use encoding::{decode_text, DecodedText};
pub(crate) use xlsx::sheet_parts;

use crate::grid::Workbook;

/// The formats nianbao reads; any other file is reported, not silently ignored.
pub const READABLE: &[&str] = &[
    "xlsx", "xlsm", "xls", "csv", "docx", "doc", "html", "htm", "txt", "pdf",
];

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const PDF_MAGIC: &[u8] = b"%PDF";

/// A PDF, read where nianbao was built with the `pdf` feature; else say what to send instead.
fn pdf_unreadable(bytes: &[u8]) -> Result<Workbook, String> {
    if bytes.starts_with(PDF_MAGIC) {
        #[cfg(feature = "pdf")]
        return pdf::read(bytes);
        #[cfg(not(feature = "pdf"))]
        Err("此版本未含 PDF 读取，无法从 PDF 中读取表格数字：请提供 Word 或 Excel 版本".into())
    } else {
        Err(format!(
            "不是有效的 PDF 文件（{}），请提供 Word 或 Excel 版本",
            describe_content(bytes)
        ))
    }
}

/// The reason given for a password-protected file, whatever its form.
pub const ENCRYPTED: &str = "文件已加密，请去除密码后重新提交";

/// Reads one submission. `ext` is the lower-case file extension; the error is a reason in
/// Chinese, for the manifest and the anomaly list.
pub fn read(bytes: &[u8], ext: &str) -> Result<Workbook, String> {
    if !READABLE.contains(&ext) {
        return Err(format!(
            "不支持的文件格式 .{ext}，请提交 .xlsx、.xls、.csv、.docx、网页或 .txt"
        ));
    }
    if bytes.is_empty() {
        return Err("文件为空（0 字节）".into());
    }
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    if bytes.starts_with(ZIP_MAGIC) && docx::is_docx(bytes) {
        let mut book = docx::read(bytes)?;
        if ext != "docx" {
            book.notes.push(format!(
                "扩展名为 .{ext}，内容实为 Word 文档，已按 .docx 读取"
            ));
        }
        return Ok(book);
    }
    if cfb::Compound::is_compound(bytes)
        && cfb::Compound::parse(bytes).map_or(ext == "doc", |c| c.has("WordDocument"))
    {
        return Err(
            "这是旧版 Word（.doc）文件，无法直接读取：请用 Word 或 WPS 打开后另存为 .docx".into(),
        );
    }
    if bytes.starts_with(PDF_MAGIC) || ext == "pdf" {
        return pdf_unreadable(bytes);
    }
    if ext != "csv" && html::looks_like_html(bytes) {
        let mut book = html::read(bytes)?;
        if ext != "html" && ext != "htm" {
            book.notes
                .push(format!("扩展名为 .{ext}，内容实为网页 HTML，已按网页读取"));
        }
        return Ok(book);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        let mut book = xlsx::read(bytes)?;
        if ext != "xlsx" && ext != "xlsm" {
            book.notes
                .push(format!("扩展名为 .{ext}，内容实为 xlsx，已按 xlsx 读取"));
        }
        return Ok(book);
    }
    if cfb::Compound::is_compound(bytes) {
        let mut book = xls::read(bytes)?;
        if ext != "xls" {
            book.notes
                .push(format!("扩展名为 .{ext}，内容实为 xls，已按 xls 读取"));
        }
        return Ok(book);
    }
    match ext {
        "csv" => self::csv::read(bytes),
        "txt" | "html" | "htm" => text::read(bytes),
        "docx" | "doc" => Err(format!(
            "不是有效的 .{ext} 文件（{}），请用 Word 或 WPS 打开后另存为 .docx",
            describe_content(bytes)
        )),
        "xlsx" | "xlsm" => Err(format!(
            "不是有效的 .{ext} 文件（不是 zip 格式，{}）",
            describe_content(bytes)
        )),
        "xls" => Err(format!(
            "不是有效的 .xls 文件（{}），请用 Excel 或 WPS 打开后另存为 .xlsx",
            describe_content(bytes)
        )),
        _ => unreachable!("extensions outside READABLE were refused above"),
    }
}

/// Whether reading `bytes` may take far more memory than a report does: a file above
/// [`limits::HEAVY_FILE_BYTES`], or a package that unpacks to more than
/// [`limits::HEAVY_UNPACKED_BYTES`]. The pipeline reads such files one at a time.
pub fn is_heavy(bytes: &[u8]) -> bool {
    if bytes.len() as u64 > limits::HEAVY_FILE_BYTES {
        return true;
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return false;
    }
    let Ok(zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        // The central directory's entry: no local header is read.
        unpacked += zip.by_index_data(i).map_or(0, |part| part.size());
        if unpacked > limits::HEAVY_UNPACKED_BYTES {
            return true;
        }
    }
    false
}

/// The reason for a file above [`limits::MAX_FILE_BYTES`].
pub fn too_large(size: u64) -> String {
    format!(
        "文件过大（{}，上限 {}），不是一份年度报告",
        limits::megabytes(size),
        limits::megabytes(limits::MAX_FILE_BYTES)
    )
}

/// The character of a numeric reference, the digits between `&#` and `;` (`20013`,
/// `x4E2D`), in a web page or in an xlsx part.
fn numeric_reference(digits: &str) -> Option<char> {
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code)
}

fn describe_content(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if head.contains("<html") || head.contains("<table") || head.contains("<!doctype") {
        "内容是网页 HTML"
    } else if head.contains("<?xml") {
        "内容是 XML"
    } else {
        "无法识别的内容"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Cell;

    #[test]
    fn content_decides_the_format() {
        assert!(read(b"", "xlsx").unwrap_err().contains("为空"));
        assert!(read(b"<?xml version=\"1.0\"?><a/>", "xls")
            .unwrap_err()
            .contains("XML"));
        assert!(read(b"PK\x03\x04garbage", "xlsx")
            .unwrap_err()
            .contains("损坏"));
        assert!(read(b"hello", "docx").unwrap_err().contains("另存为 .docx"));
        assert!(read(b"hello", "odt").unwrap_err().contains("不支持"));
        let doc = [
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
            b"rest",
        ]
        .concat();
        assert!(read(&doc, "doc").unwrap_err().contains("另存为 .docx"));
        assert!(read(b"%PDF-1.4", "pdf")
            .unwrap_err()
            .contains("Word 或 Excel"));
        let book = read("a\tb\n1\t2\n".as_bytes(), "csv").unwrap();
        assert_eq!(book.sheets[0].get(1, 1), &Cell::Text("2".into()));
        assert_eq!(book.sheets[0].location(1, 1).to_string(), "第2行第2列");
        let crlf = read("a,b\r\n\"x\r\ny\",1\r\n\r\ne,f\r\n".as_bytes(), "csv").unwrap();
        let lines: Vec<String> = (0..3)
            .map(|r| crlf.sheets[0].location(r, 0).to_string())
            .collect();
        assert_eq!(lines, ["第1行第1列", "第2行第1列", "第5行第1列"]);
    }
}
