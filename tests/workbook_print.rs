//! rollup.xlsx's official sheets as an office prints them: the page setup in the sheet's XML,
//! and the totals that break a rule marked where the layout puts them.

mod common;

use std::io::Read;
use std::path::Path;

use common::{run_ok, temp_dir};
use nianbao::demo::{self, Problem};
use nianbao::grid::column_name;
use nianbao::layout::{layout, Style, UnitLine};
use nianbao::schema;

/// A demo county of `n` units with the given problems, run; its rollup.xlsx as a zip.
fn county_workbook(name: &str, n: usize, problems: &[Option<Problem>]) -> Workbook {
    let dir = temp_dir(name);
    demo::write_county(&dir, n, 7, 2024, problems, false).unwrap();
    run_ok(&dir.join("inputs"), &dir.join("config"), &dir.join("out"));
    Workbook::open(&dir.join("out/rollup.xlsx"))
}

struct Workbook(zip::ZipArchive<std::fs::File>);

impl Workbook {
    fn open(path: &Path) -> Self {
        Workbook(zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap())
    }

    fn part(&mut self, name: &str) -> String {
        let mut text = String::new();
        self.0
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} is in the workbook"))
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// The comments part of the n-th sheet (1-based), by the sheet's relationships.
    fn comments_of_sheet(&mut self, n: usize) -> String {
        let rels = self.part(&format!("xl/worksheets/_rels/sheet{n}.xml.rels"));
        let target = rels
            .split("Target=\"")
            .skip(1)
            .map(|t| &t[..t.find('"').unwrap()])
            .find(|t| t.contains("comments"))
            .expect("the sheet has a comments part")
            .to_string();
        self.part(&format!("xl/{}", target.trim_start_matches("../")))
    }
}

/// Where the totals sheets put a field's value: the layout the writer uses, as A1.
fn cell_of(field: &str) -> String {
    let f = schema::index_of(field).unwrap();
    let style = Style {
        unit_line: UnitLine::TitleOnly,
        ..Style::official()
    };
    let values = vec![0.0; schema::FIELD_COUNT];
    let sheet = &layout("", 2024, &values, &style).sheets[0];
    let &(_, r, c) = sheet.fields.iter().find(|(g, _, _)| *g == f).unwrap();
    format!("{}{}", column_name(c), r + 1)
}

/// The value of `attr` in the first element that starts with `start`.
fn attribute<'a>(xml: &'a str, start: &str, attr: &str) -> Option<&'a str> {
    let element = &xml[xml.find(start)?..];
    let element = &element[..element.find('>')?];
    let at = element.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(&element[at..at + element[at..].find('"')?])
}

/// The fill colour of cell `a1` in a sheet's XML, through the styles' cellXfs and fills.
fn fill_of(sheet_xml: &str, styles_xml: &str, a1: &str) -> Option<String> {
    let style: usize = attribute(sheet_xml, &format!("<c r=\"{a1}\""), "s")?
        .parse()
        .ok()?;
    let xfs = &styles_xml[styles_xml.find("<cellXfs")?..];
    let xf = xfs.split("<xf ").nth(style + 1)?;
    let fill: usize = attribute(&format!("<xf {xf}"), "<xf", "fillId")?
        .parse()
        .ok()?;
    let fills = &styles_xml[styles_xml.find("<fills")?..];
    let fill_xml = fills.split("<fill>").nth(fill + 1)?;
    attribute(fill_xml, "<fgColor", "rgb").map(str::to_string)
}

#[test]
fn official_sheets_print_as_landscape_a4_pages_in_a_cjk_font() {
    let mut book = county_workbook("print-setup", 4, &[]);
    let workbook = book.part("xl/workbook.xml");
    // 全县 is the first sheet: its print titles (the title row) and its print area.
    for name in ["_xlnm.Print_Titles", "_xlnm.Print_Area"] {
        let defined = format!("<definedName name=\"{name}\" localSheetId=\"0\">");
        assert!(workbook.contains(&defined), "{name}: {workbook}");
    }
    assert!(workbook.contains("全县!$1:$1"), "{workbook}");
    assert!(workbook.contains("全县!$A$1:$O$"), "{workbook}");

    let sheet = book.part("xl/worksheets/sheet1.xml");
    assert_eq!(
        attribute(&sheet, "<pageSetup", "orientation"),
        Some("landscape")
    );
    assert_eq!(attribute(&sheet, "<pageSetup", "paperSize"), Some("9"));
    assert_eq!(attribute(&sheet, "<pageSetup", "fitToHeight"), Some("0"));
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    assert_eq!(
        attribute(&sheet, "<printOptions", "horizontalCentered"),
        Some("1")
    );
    assert!(sheet.contains("第 &amp;P 页，共 &amp;N 页"), "{sheet}");
    // Tables 三 and 四 each start a page: breaks before their heading rows.
    let breaks = attribute(&sheet, "<rowBreaks", "count");
    assert_eq!(breaks, Some("2"), "{sheet}");
    let styles = book.part("xl/styles.xml");
    assert!(styles.contains("<name val=\"宋体\"/>"), "{styles}");

    // The lists, the last two sheets, print landscape too, header rows repeated, and keep
    // their filters.
    let sheets = workbook.matches("<sheet ").count();
    for n in [sheets - 1, sheets] {
        let list = book.part(&format!("xl/worksheets/sheet{n}.xml"));
        assert_eq!(
            attribute(&list, "<pageSetup", "orientation"),
            Some("landscape")
        );
        assert!(list.contains("<autoFilter "), "sheet{n}");
        assert!(list.contains("state=\"frozen\""), "sheet{n}");
    }
    assert!(workbook.contains("各单位!$A:$B,各单位!$1:$2"), "{workbook}");
}

#[test]
fn a_broken_total_gets_a_fill_and_a_note_that_says_why() {
    // The first unit's 予以公开 total is one more than its applicants: so is the county's.
    let mut book = county_workbook("print-broken", 2, &[Some(Problem::RowTotal), None]);
    let total = cell_of("apply.granted.total");
    let comments = book.comments_of_sheet(1);
    let note = comments
        .split("<comment ")
        .find(|c| c.starts_with(&format!("ref=\"{total}\"")))
        .unwrap_or_else(|| panic!("no note on {total}: {comments}"));
    assert!(note.contains("T3.ROW_TOTAL"), "{note}");
    assert!(note.contains("总计应为六类申请人之和"), "{note}");
    assert!(note.contains("各单位填报之和为"), "{note}");
    // The note is on that cell alone: the applicants' cells of the row are not marked.
    let natural = cell_of("apply.granted.natural");
    assert!(
        !comments.contains(&format!("ref=\"{natural}\"")),
        "{comments}"
    );

    let sheet = book.part("xl/worksheets/sheet1.xml");
    let styles = book.part("xl/styles.xml");
    assert_eq!(
        fill_of(&sheet, &styles, &total).as_deref(),
        Some("FFFFC7CE")
    );
    assert_eq!(fill_of(&sheet, &styles, &natural), None);
}

#[test]
fn a_negative_total_gets_a_fill_and_a_note() {
    // One unit, whose 行政许可 decisions are -3: the county's total is -3 as well.
    let mut book = county_workbook("print-negative", 1, &[Some(Problem::Negative)]);
    let cell = cell_of("active.license.decisions");
    let sheet = book.part("xl/worksheets/sheet1.xml");
    let styles = book.part("xl/styles.xml");
    assert_eq!(fill_of(&sheet, &styles, &cell).as_deref(), Some("FFFFC7CE"));
    let comments = book.comments_of_sheet(1);
    let note = comments
        .split("<comment ")
        .find(|c| c.starts_with(&format!("ref=\"{cell}\"")))
        .unwrap_or_else(|| panic!("no note on {cell}: {comments}"));
    assert!(note.contains("合计为负数 -3"), "{note}");
}

#[test]
fn a_levels_own_total_that_differs_from_its_units_is_noted_on_its_sheet() {
    let dir = temp_dir("print-reported");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    common::nianbao_ok(&["demo", "--units", "4", "--clean", "--out", &s(&dir)]);
    let (config, inputs) = (dir.join("config"), dir.join("inputs"));
    // Every unit under 甲县, which sends its own totals: all zero but 本年新收, 5.
    let roster = std::fs::read_to_string(config.join("units.csv")).unwrap();
    let mut lines = roster.trim_start_matches('\u{feff}').lines();
    let mut out = format!("{},parent\n", lines.next().unwrap());
    for line in lines.filter(|l| !l.trim().is_empty()) {
        out += &format!("{line},jiaxian\n");
    }
    out += "jiaxian,甲县,县,,\n";
    std::fs::write(config.join("units.csv"), out).unwrap();
    let wrong = "apply.received.total";
    let mut long = String::from("unit,year,field_id,value\n");
    for field in schema::fields() {
        let v = if field.id == wrong { 5 } else { 0 };
        long += &format!("甲县,2024,{},{v}\n", field.id);
    }
    std::fs::write(inputs.join("甲县汇总.csv"), long).unwrap();
    run_ok(&inputs, &config, &dir.join("out"));

    let mut book = Workbook::open(&dir.join("out/rollup.xlsx"));
    let workbook = book.part("xl/workbook.xml");
    let sheet_number = workbook
        .split("<sheet ")
        .skip(1)
        .position(|s| s.starts_with("name=\"甲县\""))
        .expect("a sheet for 甲县")
        + 1;
    let comments = book.comments_of_sheet(sheet_number);
    let cell = cell_of(wrong);
    let note = comments
        .split("<comment ")
        .find(|c| c.starts_with(&format!("ref=\"{cell}\"")))
        .unwrap_or_else(|| panic!("no note on {cell}: {comments}"));
    assert!(note.contains("TOTAL.REPORTED"), "{note}");
    assert!(note.contains("甲县自报 5，下属 4 个单位之和为"), "{note}");
}

#[test]
fn the_template_prints_a_table_a_page_with_the_units_lines_on_each() {
    let dir = temp_dir("print-template");
    let path = dir.join("模板.xlsx");
    common::nianbao_ok(&["template", "--out", path.to_str().unwrap()]);
    let mut book = Workbook::open(&path);
    let workbook = book.part("xl/workbook.xml");
    assert!(workbook.contains("统计表!$1:$3"), "{workbook}");
    let sheet = book.part("xl/worksheets/sheet1.xml");
    assert_eq!(
        attribute(&sheet, "<pageSetup", "orientation"),
        Some("landscape")
    );
    assert_eq!(attribute(&sheet, "<rowBreaks", "count"), Some("2"));
    assert!(sheet.contains("第 &amp;P 页，共 &amp;N 页"), "{sheet}");
}
