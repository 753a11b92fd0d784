//! The xlsx reader against calamine, which read these workbooks before: every cell, every
//! sheet's name, order and visibility, on workbooks from three writers (rust_xlsxwriter as
//! `nianbao template` and the demo county write them, openpyxl as the committed county's
//! were made, and one built here with each kind of cell).

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, XlsxFormulaMetadata};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook as XlsxBook};

use super::*;
use crate::grid::{Cell, Sheet};
use crate::read::sheets::{cell_from_data, worksheets};
use cells::Value;

/// The workbook as calamine reads it, through the same grid and formulas as [`read`].
fn read_with_calamine(bytes: &[u8]) -> Workbook {
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("calamine opens it");
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let mut cells = Vec::new();
        let mut reader = book.worksheet_cells_reader(&name).expect("a sheet");
        while let Some(cell) = reader.next_cell_with_formula_metadata().expect("a cell") {
            let (row, col) = cell.pos;
            if let Some(
                XlsxFormulaMetadata::Normal { formula }
                | XlsxFormulaMetadata::Shared { formula, .. },
            ) = cell.formula
            {
                if !formula.is_empty() {
                    formulas.push(FormulaCell {
                        sheet: workbook.sheets.len(),
                        row,
                        col,
                        text: formula,
                    });
                }
            }
            let value = cell_from_data(Data::from(cell.value));
            if value != Cell::Empty {
                cells.push((row, col, value));
            }
        }
        drop(reader);
        push_sheet(&mut workbook, &name, hidden, cells);
    }
    finish(workbook, formulas).expect("a sheet")
}

fn shape(sheet: &Sheet) -> (&str, bool, (u32, u32), &Vec<Vec<Cell>>) {
    (&sheet.name, sheet.hidden, sheet.origin, &sheet.rows)
}

/// Reads the same as calamine does, or is refused where calamine cannot open it.
fn assert_reads_as_calamine(what: &str, bytes: &[u8]) {
    let ours = match read(bytes) {
        Ok(ours) => ours,
        Err(why) => {
            assert!(Xlsx::new(Cursor::new(bytes)).is_err(), "{what}: {why}");
            return;
        }
    };
    let theirs = read_with_calamine(bytes);
    assert_eq!(
        ours.sheets.len(),
        theirs.sheets.len(),
        "{what}: {:?}",
        ours.notes
    );
    for (a, b) in ours.sheets.iter().zip(&theirs.sheets) {
        assert_eq!(shape(a), shape(b), "{what}");
    }
    assert_eq!(ours.notes, theirs.notes, "{what}");
}

/// Every kind of cell a unit's workbook may hold.
fn every_kind_of_cell() -> Vec<u8> {
    let mut book = XlsxBook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("数据").unwrap();
    let texts = [
        "依申请公开",
        "  前后有空格  ",
        "两行\n文字",
        "回车\r\n换行",
        "<&>\"'",
        "_x000D_ 字面的转义",
        "𠀀 扩展区汉字",
        "",
    ];
    for (row, text) in texts.iter().enumerate() {
        sheet.write_string(row as u32, 0, *text).unwrap();
    }
    sheet.write_number(0, 1, 12.0).unwrap();
    sheet.write_number(1, 1, -0.5).unwrap();
    sheet.write_number(2, 1, 1e-7).unwrap();
    sheet.write_number(3, 1, 123_456_789_012.0).unwrap();
    sheet.write_boolean(4, 1, true).unwrap();
    sheet.write_boolean(5, 1, false).unwrap();
    let formats = [
        Format::new().set_num_format("yyyy-mm-dd"),
        Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\""),
        Format::new().set_num_format("[h]:mm:ss"),
        Format::new().set_num_format("h:mm AM/PM"),
        Format::new().set_num_format("0.00"),
        Format::new().set_num_format("#,##0\"件\""),
        Format::new().set_num_format("[Red]0;[Blue]-0"),
        Format::new().set_num_format_index(14),
        Format::new().set_num_format_index(31),
        Format::new().set_num_format_index(3),
        Format::new().set_num_format("General"),
        Format::new().set_num_format("@"),
    ];
    for (row, format) in formats.iter().enumerate() {
        sheet
            .write_number_with_format(row as u32, 2, 45_000.25, format)
            .unwrap();
    }
    let date = ExcelDateTime::from_ymd(2025, 1, 15).unwrap();
    sheet
        .write_datetime_with_format(0, 3, &date, &Format::new().set_num_format("yyyy/m/d"))
        .unwrap();
    sheet
        .write_formula(1, 3, Formula::new("=B1+B2").set_result("11.5"))
        .unwrap();
    sheet.write_formula(2, 3, "=SUM(B1:B4)").unwrap();
    sheet
        .write_formula(3, 3, Formula::new("=A1&\"乡\"").set_result("依申请公开乡"))
        .unwrap();
    sheet
        .write_formula(4, 3, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    sheet.write_array_formula(5, 3, 6, 3, "=B1:B2*2").unwrap();
    sheet.write_blank(7, 3, &Format::new().set_bold()).unwrap();
    let bold = Format::new().set_bold();
    let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
    sheet
        .write_rich_string(
            8,
            0,
            &[
                (&bold, "本年"),
                (&red, "新收"),
                (&Format::default(), " 申请 "),
            ],
        )
        .unwrap();
    sheet.set_row_hidden(6).unwrap();
    sheet.set_column_hidden(5).unwrap();
    sheet.write_number(6, 5, 3.0).unwrap();
    // Far from A1: the grid starts at the first used cell.
    let far = book.add_worksheet();
    far.set_name("远处").unwrap();
    far.write_number(1000, 200, 1.0).unwrap();
    far.write_string(1001, 201, "末尾").unwrap();
    let hidden = book.add_worksheet();
    hidden.set_name("隐藏的旧表").unwrap();
    hidden.write_string(0, 0, "旧").unwrap();
    hidden.set_hidden(true);
    let chart = book.add_chartsheet();
    chart.set_name("图表").unwrap();
    let mut column = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    column.add_series().set_values("'数据'!$B$1:$B$4");
    chart.insert_chart(0, 0, &column).unwrap();
    // Inline strings, as a writer that streams its rows makes them.
    let streamed = book.add_worksheet_with_constant_memory().unwrap();
    streamed.set_name("流式").unwrap();
    for row in 0..5u32 {
        streamed
            .write_string(row, 0, format!("第{row}行 "))
            .unwrap();
        streamed.write_number(row, 1, f64::from(row)).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn every_kind_of_cell_reads_as_calamine_reads_it() {
    let bytes = every_kind_of_cell();
    assert_reads_as_calamine("every kind of cell", &bytes);
    let book = read(&bytes).unwrap();
    let names: Vec<&str> = book.sheets.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["数据", "远处", "流式", "隐藏的旧表"]);
    let data = &book.sheets[0];
    let at = |row: usize, col: usize| &data.rows[row][col];
    assert_eq!(at(1, 0), &Cell::Text("  前后有空格  ".into()));
    assert_eq!(at(3, 0), &Cell::Text("回车\r\n换行".into()));
    assert_eq!(at(4, 0), &Cell::Text("<&>\"'".into()));
    assert_eq!(at(5, 0), &Cell::Text("_x000D_ 字面的转义".into()));
    assert_eq!(at(8, 0), &Cell::Text("本年新收 申请 ".into()));
    assert_eq!(at(4, 1), &Cell::Text("TRUE".into()));
    assert_eq!(at(0, 2), &Cell::Text("日期45000.25".into()));
    assert_eq!(at(4, 2), &Cell::Number(45_000.25));
    assert_eq!(at(4, 3), &Cell::Text("#DIV/0!".into()));
    assert_eq!(data.hidden_rows, [6]);
    assert_eq!(data.hidden_cols, [5]);
    assert_eq!(book.sheets[1].origin, (1000, 200));
    assert_eq!(book.sheets[2].rows[4][0], Cell::Text("第4行 ".into()));
    assert!(book.sheets[3].hidden);
}

#[test]
fn the_demo_countys_workbooks_read_as_calamine_reads_them() {
    for (i, style) in crate::demo::styles().iter().enumerate() {
        let values = crate::demo::yisuhe_2024();
        let template = crate::layout::layout("易俗河镇", 2024, &values, style);
        assert_reads_as_calamine(&format!("style {i}"), &crate::demo::xlsx_bytes(&template));
    }
}

/// The committed county's workbooks, made with openpyxl (tests/fixtures/make_fixtures.py).
#[test]
fn the_fixture_countys_workbooks_read_as_calamine_reads_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "xlsx") {
                assert_reads_as_calamine(
                    &path.display().to_string(),
                    &std::fs::read(&path).unwrap(),
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "{seen} workbooks");
}

#[test]
fn date_formats_are_told_from_number_formats() {
    for code in [
        "yyyy-mm-dd",
        "yyyy\"年\"m\"月\"",
        "h:mm",
        "[h]:mm",
        "[mm]:ss",
        "mmm-yy",
        "AM/PM h",
        "[$-804]yyyy/m/d",
    ] {
        assert!(cells::shows_a_date(code), "{code}");
    }
    for code in [
        "0.00",
        "#,##0\"件\"",
        "[Red]0",
        "General",
        "@",
        "0.00E+00",
        "\"年\"0",
        "0_);(0)",
        "\\d0",
        "0;yyyy",
    ] {
        assert!(!cells::shows_a_date(code), "{code}");
    }
}

#[test]
fn excels_escapes_are_resolved() {
    assert_eq!(cells::unescape_excel("a_x000D_b"), "a\rb");
    assert_eq!(cells::unescape_excel("_xD840__xDC00_"), "𠀀");
    assert_eq!(cells::unescape_excel("_xD840_"), "\u{FFFD}");
    assert_eq!(
        cells::unescape_excel("_x00_ _xZZZZ_ _x0041"),
        "_x00_ _xZZZZ_ _x0041"
    );
    assert_eq!(cells::unescape_excel("__x0041_"), "_A");
}

/// The parts of a workbook cut, and bytes changed, inserted and removed at random: the
/// readers of a sheet, of the shared strings and of the styles never panic. (200,000 rounds
/// were run once in the debug build, with its overflow checks; this keeps 20,000.)
#[test]
fn mangled_parts_never_panic() {
    let bytes = every_kind_of_cell();
    let mut zip = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let mut parts = Vec::new();
    let mut strings = SharedStrings::default();
    for i in 0..zip.len() {
        let name = zip.by_index(i).unwrap().name().unwrap().to_string();
        if name.ends_with(".xml") {
            let part = unpacked(&mut zip, &bytes, i).unwrap();
            if name.ends_with("sharedStrings.xml") {
                // The cells' strings found, and clipped, as the sheets are mangled.
                strings = SharedStrings::parse(&part).unwrap();
            }
            parts.push(part);
        }
    }
    let mut seed = 12345u64;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let context = Context {
        strings: &strings,
        date_styles: &[true, false],
    };
    let specials = b"<>/\"'&;=:!?[]- \r\nCDATAxrsctv0123";
    for round in 0..20_000 {
        let mut xml = parts[round % parts.len()].clone();
        let n = 1 + (rand() % 8) as usize;
        for _ in 0..n {
            if xml.is_empty() {
                break;
            }
            let at = (rand() as usize) % xml.len();
            match rand() % 4 {
                0 => xml[at] = specials[(rand() as usize) % specials.len()],
                1 => {
                    xml.truncate(at);
                }
                2 => {
                    xml.remove(at);
                }
                _ => xml.insert(at, specials[(rand() as usize) % specials.len()]),
            }
        }
        let _ = read_sheet(&xml, &context, 1000);
        let _ = SharedStrings::parse(&xml);
        let _ = date_styles(&xml);
    }
}

/// A package of `parts` (name, XML), stored, with the package's relationships naming
/// `xl/workbook.xml`.
fn package(parts: &[(&str, &str)]) -> Vec<u8> {
    let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, x)| (*n, x.as_bytes())).collect();
    package_bytes(&parts)
}

const WORKBOOK: &str = r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表" sheetId="1" r:id="rId1"/><sheet name="无部件" sheetId="2" r:id="rId9"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str =
    r#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn sheet_of(rows: &str) -> String {
    format!("<worksheet><sheetData>{rows}</sheetData></worksheet>")
}

/// One sheet of `rows`, with `styles` as its style table.
fn book_of(rows: &str, styles: &str) -> Result<Workbook, String> {
    read(&package(&[
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", &sheet_of(rows)),
        ("xl/styles.xml", styles),
    ]))
}

const DATE_STYLES: &str = r#"<styleSheet><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>"#;

#[test]
fn a_sheet_the_workbook_cannot_place_is_noted_and_a_relationship_without_type_is_read() {
    let book = book_of(r#"<row r="1"><c r="A1"><v>7</v></c></row>"#, DATE_STYLES).unwrap();
    assert_eq!(book.sheets.len(), 1);
    assert_eq!(book.sheets[0].rows[0][0], Cell::Number(7.0));
    assert!(
        book.notes
            .iter()
            .any(|n| n.contains("“无部件”") && n.contains("找不到它的部件")),
        "{:?}",
        book.notes
    );
}

#[test]
fn broken_parts_that_give_the_cells_meaning_refuse_the_file() {
    let date = r#"<row r="1"><c r="A1" s="1"><v>45000</v></c></row>"#;
    assert_eq!(
        book_of(date, DATE_STYLES).unwrap().sheets[0].rows[0][0],
        Cell::Text("日期45000".into())
    );
    // Cut short inside the formats, or a format hidden in a declaration: the date would
    // read as a count.
    for broken in [
        r#"<styleSheet><cellXfs><xf numFmtId="0"/><!-- <xf numFmtId="14"/></cellXfs>"#,
        r#"<styleSheet><cellXfs><xf numFmtId="0"/><!x <xf numFmtId="14"/></cellXfs>"#,
    ] {
        assert!(book_of(date, broken)
            .unwrap_err()
            .starts_with("xlsx 文件已损坏"));
    }
    let broken_workbook = WORKBOOK.replace("<sheet name=\"无部件\"", "<!x <sheet name=\"无部件\"");
    let bytes = package(&[
        ("xl/workbook.xml", &broken_workbook),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", &sheet_of(date)),
    ]);
    assert!(read(&bytes).unwrap_err().starts_with("xlsx 文件已损坏"));
}

#[test]
fn values_unlike_their_type_are_read_as_written_and_noted() {
    let rows = r#"<row r="1"><c r="A1" t="b"><v>2</v></c><c r="B1"><v>12件</v></c>
        <c r="C1" t="x"><v>9</v></c><c r="D1" t="e"><v/></c><c r="E1" t="e"><v>#SPILL!</v></c>
        <c r="F1" t="s"><v>5</v></c></row>"#;
    let book = book_of(rows, DATE_STYLES).unwrap();
    let texts = |s: &str| Cell::Text(s.into());
    assert_eq!(
        book.sheets[0].rows[0],
        [
            texts("2"),
            texts("12件"),
            texts("9"),
            Cell::Empty,
            texts("#SPILL!")
        ]
    );
    let said = book.notes.join("\n");
    assert!(said.contains("有 3 个单元格的值与其类型不符"), "{said}");
    assert!(said.contains("有 1 个单元格的共享字符串编号无效"), "{said}");
}

#[test]
fn parts_not_in_utf8_are_noted() {
    let mut bytes = sheet_of(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>X</t></is></c></row>"#);
    bytes = bytes.replace('X', "\u{1}");
    let mut sheet = bytes.into_bytes();
    let at = sheet.iter().position(|&b| b == 1).unwrap();
    sheet.splice(at..=at, [0xC4, 0xEA]); // 年 in GBK
    let book = read(&package_bytes(&[
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", &sheet),
    ]))
    .unwrap();
    assert!(
        book.notes.iter().any(|n| n.contains("不是 UTF-8")),
        "{:?}",
        book.notes
    );
}

/// [`package`] of parts given as bytes.
fn package_bytes(parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    for (name, bytes) in [("_rels/.rels", rels.as_bytes())].iter().chain(parts) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet that hides every column 20,000 times over is read in one pass of bits; a
/// shared string of a megabyte is cut as each cell copies it, not after (a million cells
/// of it would be a terabyte).
#[test]
fn repeated_hiding_and_a_huge_shared_string_stay_in_proportion() {
    let cols = r#"<col min="1" max="16384" hidden="1"/>"#.repeat(20_000);
    let big = "长".repeat(400_000);
    let bytes = package(&[
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        (
            "xl/worksheets/sheet1.xml",
            &format!("<worksheet><cols>{cols}</cols><sheetData><row r=\"1\"><c t=\"s\"><v>0</v></c></row></sheetData></worksheet>"),
        ),
        ("xl/sharedStrings.xml", &format!("<sst><si><t>{big}</t></si></sst>")),
    ]);
    let book = read(&bytes).unwrap();
    assert_eq!(book.sheets[0].hidden_cols.len(), 16_384);
    let strings =
        SharedStrings::parse(format!("<sst><si><t>{big}</t></si></sst>").as_bytes()).unwrap();
    let Value::Read(Cell::Text(copy)) = cells::value_of(b"s", "0", false, &strings) else {
        panic!("a shared string");
    };
    let limit = crate::read::limits::MAX_TEXT_BYTES;
    assert!(
        copy.len() > limit && copy.len() <= limit + 4,
        "{}",
        copy.len()
    );
}

/// Rows and cells without an address follow the ones before them.
#[test]
fn rows_and_cells_without_an_address() {
    let xml = sheet_of(
        r#"<row r="2"><c r="B2"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>
        <row/><row hidden="1"><c><v>4</v></c></row>"#,
    );
    let context = Context {
        strings: &SharedStrings::default(),
        date_styles: &[],
    };
    let Ok(sheet) = read_sheet(xml.as_bytes(), &context, 100) else {
        panic!("read");
    };
    let at: Vec<(u32, u32)> = sheet.values.iter().map(|&(r, c, _)| (r, c)).collect();
    assert_eq!(at, [(1, 1), (1, 2), (2, 0), (4, 0)]);
    assert_eq!(sheet.hidden_rows, [4]);
}

/// Sheets that name one part read it once; sheets without a part are noted, twenty in full
/// and the rest counted.
#[test]
fn sheets_naming_one_part_or_none_stay_in_proportion() {
    let sheets: String = (0..40)
        .map(|i| {
            let id = if i < 10 { "rId1" } else { "rId9" };
            format!(r#"<sheet name="S{i}" sheetId="{i}" r:id="{id}"/>"#)
        })
        .collect();
    let workbook = format!(
        r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let bytes = package(&[
        ("xl/workbook.xml", &workbook),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        (
            "xl/worksheets/sheet1.xml",
            &sheet_of(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
        ),
    ]);
    let book = read(&bytes).unwrap();
    assert_eq!(book.sheets.len(), 1);
    let said = book.notes.join("\n");
    assert!(said.contains("工作表“S1”已损坏（它的部件"), "{said}");
    assert_eq!(book.notes.len(), 21, "{said}");
    assert!(said.contains("另有 19 个工作表同样无法读取"), "{said}");
}

/// Values and formulas share one budget across the sheets: sheets of formulas alone
/// cannot pass it.
#[test]
fn formulas_count_toward_the_cells_of_a_file() {
    let context = Context {
        strings: &SharedStrings::default(),
        date_styles: &[],
    };
    let rows: String = (1..=10)
        .map(|r| {
            format!(
                r#"<row r="{r}"><c r="A{r}"><f>1+1</f></c><c r="B{r}"><f>2</f><v>2</v></c></row>"#
            )
        })
        .collect();
    let Ok(sheet) = read_sheet(sheet_of(&rows).as_bytes(), &context, 7) else {
        panic!("read");
    };
    assert!(sheet.full);
    assert_eq!(sheet.values.len() + sheet.formulas.len(), 7);
    assert_eq!((sheet.values.len(), sheet.formulas.len()), (2, 5));
}

#[test]
fn hidden_columns_by_ranges() {
    let cols = r#"<cols><col min="3" max="3" hidden="1"/><col min="70" max="65" hidden="1"/>
        <col min="60" max="130" hidden="true"/><col min="5" max="5" customWidth="1" width="0.2"/>
        <col min="6" max="6" customWidth="1" width="8"/><col min="16000" max="99999" hidden="1"/>
        <col min="0" max="2" hidden="1"/></cols>"#;
    let context = Context {
        strings: &SharedStrings::default(),
        date_styles: &[],
    };
    let xml = format!("<worksheet>{cols}<sheetData/></worksheet>");
    let Ok(sheet) = read_sheet(xml.as_bytes(), &context, 10) else {
        panic!("read");
    };
    let expected: Vec<u32> = [2, 4]
        .into_iter()
        .chain(59..130)
        .chain(15_999..16_384)
        .collect();
    assert_eq!(sheet.hidden_cols, expected);
}

/// A part inflates only when its deflate stream ends within the size the directory
/// declares: one byte more, or a stream cut short, and it is refused.
#[test]
fn a_part_inflates_only_to_its_declared_size() {
    use flate2::{Compress, Compression, FlushCompress};
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut packed = Vec::with_capacity(8000);
    Compress::new(Compression::default(), false)
        .compress_vec(&data, &mut packed, FlushCompress::Finish)
        .unwrap();
    assert_eq!(inflated(&packed, data.len()), Some(data.clone()));
    assert_eq!(inflated(&packed, data.len() + 100), Some(data.clone()));
    assert_eq!(inflated(&packed, data.len() - 1), None);
    assert_eq!(inflated(&packed[..packed.len() / 2], data.len()), None);
    assert_eq!(inflated(b"not deflate at all", data.len()), None);
}
