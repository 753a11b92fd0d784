//! Reports as documents: Word, web pages and text, each written as a real file from one set
//! of 200 values and read back through the real pipeline: every value, and where it was read.

mod common;

use std::io::{Cursor, Read, Write};
use std::path::Path;

use common::*;
use nianbao::demo::{self, Rng};
use nianbao::layout::{Style, TCell, TSheet};
use nianbao::schema;
use nianbao::text::format_number;

/// The shared real reports, or `None` (and a line saying the test is skipped).
fn real_reports(test: &str) -> Option<&'static Path> {
    let dir = Path::new("../shared/real-reports");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("{test}: skipped, ../shared/real-reports is absent");
        None
    }
}

fn values(seed: u64) -> Vec<f64> {
    demo::consistent_report(&mut Rng::new(seed))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cell_text(cell: Option<&TCell>) -> String {
    match cell {
        Some(TCell::Text(s)) => s.clone(),
        Some(TCell::Number(n)) | Some(TCell::Formula(_, n)) => format_number(*n),
        None => String::new(),
    }
}

fn zip_bytes(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

// ---- Word ----------------------------------------------------------------------------

/// A Word paragraph; a label broken over lines alternates new paragraphs and `w:br`.
fn word_paragraphs(text: &str) -> String {
    let mut out = String::from("<w:p>");
    for (i, piece) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str(if i % 2 == 1 {
                "</w:p><w:p>"
            } else {
                "<w:r><w:br/></w:r>"
            });
        }
        // A run split in two, as Word does after an edit.
        let chars: Vec<char> = piece.chars().collect();
        let (a, b) = chars.split_at(chars.len() / 2);
        for part in [a, b] {
            let s: String = part.iter().collect();
            out.push_str(&format!(
                "<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>",
                xml_escape(&s)
            ));
        }
    }
    out.push_str("</w:p>");
    out
}

/// Rows `rows` of a template sheet as one `w:tbl`, its merges as gridSpan and vMerge.
fn word_table(sheet: &TSheet, rows: std::ops::Range<u32>, cols: u32) -> String {
    let mut out = String::from("<w:tbl><w:tblPr/><w:tblGrid>");
    for _ in 0..cols {
        out.push_str("<w:gridCol w:w=\"900\"/>");
    }
    out.push_str("</w:tblGrid>");
    for r in rows {
        out.push_str("<w:tr>");
        let mut c = 0;
        while c < cols {
            let merge = sheet
                .merges
                .iter()
                .find(|m| r >= m.0 && r <= m.2 && c >= m.1 && c <= m.3);
            let (span, vmerge, first) = match merge {
                Some(m) => (
                    m.3 - m.1 + 1,
                    if m.2 > m.0 {
                        if r == m.0 {
                            "<w:vMerge w:val=\"restart\"/>"
                        } else {
                            "<w:vMerge/>"
                        }
                    } else {
                        ""
                    },
                    r == m.0,
                ),
                None => (1, "", true),
            };
            let span_xml = if span > 1 {
                format!("<w:gridSpan w:val=\"{span}\"/>")
            } else {
                String::new()
            };
            let text = if first {
                cell_text(sheet.cells.get(&(r, c)))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"900\" w:type=\"dxa\"/>{span_xml}{vmerge}</w:tcPr>{}</w:tc>",
                word_paragraphs(&text)
            ));
            c += span;
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}

const WORD_NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

fn docx_of(body: &str) -> Vec<u8> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document {WORD_NS}><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    zip_bytes(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_vec(),
        ),
        ("word/document.xml", document.into_bytes()),
    ])
}

fn last_row_and_col(sheet: &TSheet) -> (u32, u32) {
    let used = sheet
        .cells
        .keys()
        .copied()
        .chain(sheet.fields.iter().map(|f| (f.1, f.2)));
    let (rows, cols) = used.fold((0, 0), |(r, c), (r1, c1)| (r.max(r1), c.max(c1)));
    (rows + 1, cols + 1)
}

#[test]
fn a_word_report_with_merges_nesting_a_page_break_and_broken_labels_reads_exactly() {
    let dir = temp_dir("docx-built");
    for (s, style) in [Style::official(), demo::styles()[2]].iter().enumerate() {
        let values = values(40 + s as u64);
        let style = Style {
            three_sheets: false,
            line_breaks: true,
            ..*style
        };
        let template = nianbao::layout::layout("河口镇", 2024, &values, &style);
        let sheet = &template.sheets[0];
        let (rows, cols) = last_row_and_col(sheet);
        // The page break falls inside table 三, after 本年新收's row.
        let received = sheet
            .fields
            .iter()
            .find(|f| f.0 == schema::field("apply.received.natural"))
            .unwrap()
            .1;
        let split = received + 1;
        // The whole report sits in a one-cell layout table (table 1); its two halves are
        // tables 2 and 3, nested in it.
        let inner = format!(
            "{}<w:p/><w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>{}",
            word_table(sheet, 0..split, cols),
            word_table(sheet, split..rows, cols)
        );
        let body = format!(
            "{}{}<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>{}",
            word_paragraphs("河口镇2024年政府信息公开工作年度报告"),
            word_paragraphs("本年度收到政府信息公开申请若干件。"),
            word_paragraphs("五、存在的主要问题及改进情况"),
        );
        // A file name that names neither unit nor year: both come from the title.
        let name = format!("report-{s}.docx");
        let result = read_file(&dir, &name, &docx_of(&body), None);
        let sub = only_submission(result);
        let ctx = format!("docx style {s}");
        assert_values(&sub, &values, &ctx);
        for &(field, r, c) in &sheet.fields {
            let (table, row) = if r < split {
                (2, r + 1)
            } else {
                (3, r - split + 1)
            };
            assert_eq!(
                sub.location(field).unwrap().to_string(),
                format!("第{table}个表格第{row}行第{}列", c + 1),
                "{ctx}: {}",
                schema::fields()[field].id
            );
        }
        let narrative: Vec<&str> = sub.narrative.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            narrative,
            [
                "河口镇2024年政府信息公开工作年度报告",
                "本年度收到政府信息公开申请若干件。",
                "五、存在的主要问题及改进情况"
            ],
            "{ctx}"
        );
        assert_eq!(sub.narrative[2].at.to_string(), "第3段");
        assert_eq!((sub.unit, sub.year), (Some(1), Some(2024)), "{ctx}");
    }
}

/// The official template with the k-th cell to fill (its empty cells that no vertical merge
/// continues, in document order: the 200 fields in schema order) holding `values[k]`.
fn fill_template(xml: &str, values: &[f64]) -> String {
    let mut out = String::new();
    let mut rest = xml;
    let mut k = 0;
    while let Some(start) = rest.find("<w:tc>") {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find("</w:tc>").unwrap() + "</w:tc>".len();
        let tc = &rest[start..end];
        let mut text = String::new();
        let mut t = tc;
        while let Some(i) = t.find("<w:t>").or_else(|| t.find("<w:t ")) {
            let open_end = i + t[i..].find('>').unwrap() + 1;
            let close = open_end + t[open_end..].find("</w:t>").unwrap();
            text.push_str(&t[open_end..close]);
            t = &t[close..];
        }
        let continues = tc.contains("<w:vMerge/>") || tc.contains("w:val=\"continue\"");
        if text.trim().is_empty() && !continues {
            let p_end = tc.rfind("</w:p>").unwrap();
            out.push_str(&tc[..p_end]);
            out.push_str(&format!(
                "<w:r><w:t>{}</w:t></w:r>",
                format_number(values[k])
            ));
            out.push_str(&tc[p_end..]);
            k += 1;
        } else {
            out.push_str(tc);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    assert_eq!(k, values.len(), "the template has 200 cells to fill");
    out
}

#[test]
fn the_official_word_template_filled_in_reads_all_200_values() {
    let Some(dir) = real_reports("the_official_word_template") else {
        return;
    };
    let template = std::fs::read(dir.join("政务公开年报模版.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(&template)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        parts.push((part.name().unwrap().to_string(), bytes));
    }
    let out = temp_dir("docx-template");
    for seed in 0..3 {
        let values = values(70 + seed);
        let filled: Vec<(&str, Vec<u8>)> = parts
            .iter()
            .map(|(name, bytes)| {
                let bytes = if name == "word/document.xml" {
                    fill_template(std::str::from_utf8(bytes).unwrap(), &values).into_bytes()
                } else {
                    bytes.clone()
                };
                (name.as_str(), bytes)
            })
            .collect();
        let name = format!("河口镇2024年度报告-{seed}.docx");
        let sub = only_submission(read_file(&out, &name, &zip_bytes(&filled), None));
        assert_values(&sub, &values, &format!("template seed {seed}"));
        assert!(location(&sub, "active.regulation.issued")
            .to_string()
            .starts_with("第1个表格第3行"));
    }
}

// ---- Web pages -------------------------------------------------------------------------

/// A template sheet as a CMS writes it: upper-case tags, `<td>` left unclosed, rowspan and
/// colspan, `<br>` inside labels, `&nbsp;` in blank cells, zeros left blank.
fn html_table(sheet: &TSheet, messy: bool) -> String {
    let (rows, cols) = last_row_and_col(sheet);
    let mut out = String::from(if messy {
        "<TABLE border=1>\n"
    } else {
        "<table>"
    });
    for r in 0..rows {
        out.push_str(if messy { "<TR>" } else { "<tr>" });
        for c in 0..cols {
            let merge = sheet
                .merges
                .iter()
                .find(|m| r >= m.0 && r <= m.2 && c >= m.1 && c <= m.3);
            let mut attrs = String::new();
            if let Some(m) = merge {
                if (r, c) != (m.0, m.1) {
                    continue;
                }
                if m.2 > m.0 {
                    attrs.push_str(&format!(" rowspan=\"{}\"", m.2 - m.0 + 1));
                }
                if m.3 > m.1 {
                    attrs.push_str(&format!(" colspan={}", m.3 - m.1 + 1));
                }
            }
            let mut text = xml_escape(&cell_text(sheet.cells.get(&(r, c)))).replace('\n', "<br>");
            if messy && text == "0" {
                text = "&nbsp;".into();
            }
            if messy {
                out.push_str(&format!("<TD{attrs} style=\"width:60px\"><P>{text}\n"));
            } else {
                out.push_str(&format!("<td{attrs}>{text}</td>"));
            }
        }
        out.push_str(if messy { "\n" } else { "</tr>" });
    }
    out.push_str(if messy { "</TABLE>" } else { "</table>" });
    out
}

fn page(title: &str, table: &str, charset: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\
         <title>{title}</title><style>td {{ border: 1px }} /* <table><tr><td>规章</td><td>9</td> */</style>\
         <script>var t = '<td>行政许可</td><td>9</td>'; if (a < b) {{}}</script></head>\
         <body><h1>{title}</h1><p>本年度收到政府信息公开申请若干件。<p>二、主动公开政府信息情况\
         {table}<div>五、存在的主要问题及改进情况</div></body></html>"
    )
}

#[test]
fn a_web_page_in_any_charset_reads_exactly_and_blank_cells_stay_in_place() {
    let dir = temp_dir("html");
    for (s, style) in demo::styles().iter().enumerate() {
        let values = values(200 + s as u64);
        let style = Style {
            three_sheets: false,
            ..*style
        };
        let template = nianbao::layout::layout("河口镇", 2024, &values, &style);
        let sheet = &template.sheets[0];
        for (variant, (messy, charset, ext)) in [
            (false, "utf-8", "html"),
            (true, "gb2312", "htm"),
            (true, "GBK", "xls"),
        ]
        .into_iter()
        .enumerate()
        {
            let title = "河口镇2024年政府信息公开工作年度报告";
            let html = page(title, &html_table(sheet, messy), charset);
            let bytes = if charset == "utf-8" {
                html.into_bytes()
            } else {
                encoding_rs::GBK.encode(&html).0.into_owned()
            };
            let name = format!("page-{s}-{variant}.{ext}");
            let result = read_file(&dir, &name, &bytes, None);
            let notes = result.notes.clone();
            let sub = only_submission(result);
            let ctx = format!("html style {s} variant {variant}");
            assert_values(&sub, &values, &ctx);
            for &(field, r, c) in &sheet.fields {
                let expected = format!("第1个表格第{}行第{}列", r + 1, c + 1);
                assert_eq!(sub.location(field).unwrap().to_string(), expected, "{ctx}");
            }
            assert_eq!((sub.unit, sub.year), (Some(1), Some(2024)), "{ctx}");
            assert_eq!(
                notes.iter().any(|n| n.contains("内容实为网页")),
                ext == "xls",
                "{ctx}: {notes:?}"
            );
            let narrative: Vec<&str> = sub.narrative.iter().map(|p| p.text.as_str()).collect();
            assert_eq!(
                narrative,
                [
                    title,
                    title,
                    "本年度收到政府信息公开申请若干件。",
                    "二、主动公开政府信息情况",
                    "五、存在的主要问题及改进情况"
                ],
                "{ctx}"
            );
        }
    }
}

// ---- Text ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum TextLayout {
    /// As the seed reads: a tab before each cell, a lone tab for an empty one, a blank line
    /// between rows.
    Tabs,
    /// One cell per line, a blank line between cells, empty cells gone.
    Cells,
    /// One cell per line ending in ` |`; an empty cell is a lone `|`.
    BarAfter,
    /// One cell per line and a lone `|` line after each; an empty cell is an empty line.
    BarLines,
    /// A row per line: `规章 | 0 | 0 | 0 |`.
    Inline,
    /// Markdown: `## 标题`, `| a | b |` rows and a rule under each table's first row.
    Markdown,
    /// The tab layout in traditional characters, as mirror sites publish it.
    Traditional,
    /// A row per line, cells apart by runs of spaces, as a PDF copied as text reads; empty
    /// cells gone, and the words of a label spaced out (总 计).
    Spaced,
}

const TRADITIONAL: &[(char, char)] = &[
    ('规', '規'),
    ('范', '範'),
    ('发', '發'),
    ('废', '廢'),
    ('数', '數'),
    ('现', '現'),
    ('许', '許'),
    ('处', '處'),
    ('决', '決'),
    ('罚', '罰'),
    ('强', '強'),
    ('业', '業'),
    ('费', '費'),
    ('额', '額'),
    ('单', '單'),
    ('万', '萬'),
    ('开', '開'),
    ('请', '請'),
    ('结', '結'),
    ('转', '轉'),
    ('办', '辦'),
    ('属', '屬'),
    ('国', '國'),
    ('稳', '穩'),
    ('护', '護'),
    ('权', '權'),
    ('类', '類'),
    ('务', '務'),
    ('过', '過'),
    ('执', '執'),
    ('询', '詢'),
    ('项', '項'),
    ('无', '無'),
    ('机', '機'),
    ('关', '關'),
    ('没', '沒'),
    ('补', '補'),
    ('后', '後'),
    ('确', '確'),
    ('访', '訪'),
    ('举', '舉'),
    ('报', '報'),
    ('诉', '訴'),
    ('复', '復'),
    ('议', '議'),
    ('当', '當'),
    ('获', '獲'),
    ('缴', '繳'),
    ('纳', '納'),
    ('总', '總'),
    ('计', '計'),
    ('继', '繼'),
    ('续', '續'),
    ('组', '組'),
    ('织', '織'),
    ('构', '構'),
    ('会', '會'),
    ('经', '經'),
    ('维', '維'),
    ('纠', '糾'),
    ('审', '審'),
    ('动', '動'),
    ('况', '況'),
    ('条', '條'),
    ('镇', '鎮'),
    ('内', '內'),
    ('于', '於'),
    ('制', '製'),
];

fn traditional(s: &str) -> String {
    s.chars()
        .map(|c| TRADITIONAL.iter().find(|p| p.0 == c).map_or(c, |p| p.1))
        .collect()
}

/// A template sheet flattened to text in `layout`, and the line each cell went to.
fn text_of(
    sheet: &TSheet,
    layout: TextLayout,
) -> (String, std::collections::HashMap<(u32, u32), u64>) {
    let (rows, cols) = last_row_and_col(sheet);
    let mut lines: Vec<String> = Vec::new();
    let mut at = std::collections::HashMap::new();
    for r in 0..rows {
        // The row's cells: (col, text), without those a colspan covers; a cell a rowspan
        // covers is an empty one.
        let cells: Vec<(u32, String)> = (0..cols)
            .filter_map(|c| {
                let merge = sheet
                    .merges
                    .iter()
                    .find(|m| r >= m.0 && r <= m.2 && c >= m.1 && c <= m.3);
                match merge {
                    Some(m) if c > m.1 => None,
                    Some(m) if r > m.0 => Some((c, String::new())),
                    _ => Some((c, cell_text(sheet.cells.get(&(r, c))).replace('\n', ""))),
                }
            })
            .collect();
        let filled: Vec<&(u32, String)> = cells.iter().filter(|c| !c.1.is_empty()).collect();
        let holds_values = sheet.fields.iter().any(|f| f.1 == r);
        if filled.is_empty() && !holds_values {
            continue;
        }
        let mut put = |lines: &mut Vec<String>, c: u32, text: String| {
            lines.push(text);
            at.insert((r, c), lines.len() as u64);
        };
        match layout {
            TextLayout::Tabs | TextLayout::Traditional => {
                for (c, t) in &cells {
                    put(&mut lines, *c, format!("\t{t}"));
                }
                lines.push(String::new());
            }
            TextLayout::Spaced => {
                let row: Vec<String> = filled
                    .iter()
                    .map(|(_, t)| {
                        if t == "总计" {
                            "总 计".to_string()
                        } else {
                            t.clone()
                        }
                    })
                    .collect();
                lines.push(format!("   {}", row.join("    ")));
                for (c, _) in &filled {
                    at.insert((r, *c), lines.len() as u64);
                }
            }
            TextLayout::Cells => {
                for (c, t) in filled {
                    put(&mut lines, *c, t.clone());
                    lines.push(String::new());
                }
            }
            TextLayout::BarAfter => {
                for (c, t) in &cells {
                    put(
                        &mut lines,
                        *c,
                        if t.is_empty() {
                            "|".into()
                        } else {
                            format!("{t} |")
                        },
                    );
                }
            }
            TextLayout::BarLines => {
                for (c, t) in &cells {
                    put(&mut lines, *c, t.clone());
                    lines.push("|".into());
                }
            }
            TextLayout::Inline | TextLayout::Markdown => {
                if filled.len() == 1 && !holds_values && layout == TextLayout::Markdown {
                    put(&mut lines, filled[0].0, format!("## {}", filled[0].1));
                    continue;
                }
                let row: Vec<&str> = cells.iter().map(|c| c.1.as_str()).collect();
                let line = if layout == TextLayout::Markdown {
                    format!("| {} |", row.join(" | "))
                } else {
                    format!("{} |", row.join(" | "))
                };
                lines.push(line);
                for (c, _) in &cells {
                    at.insert((r, *c), lines.len() as u64);
                }
                let rule_due = layout == TextLayout::Markdown
                    && lines.len() >= 2
                    && !lines[lines.len() - 2].starts_with('|');
                if rule_due {
                    lines.push(format!("|{}", "---|".repeat(cells.len())));
                }
            }
        }
    }
    let mut text = format!(
        "前言：本报告依据条例编制。\n\n{}\n五、存在的主要问题及改进情况\n",
        lines.join("\n")
    );
    // The preface shifts every line by two.
    for line in at.values_mut() {
        *line += 2;
    }
    if layout == TextLayout::Traditional {
        text = traditional(&text);
    }
    (text, at)
}

#[test]
fn text_in_every_layout_reads_all_200_values_with_their_lines() {
    let dir = temp_dir("text");
    let layouts = [
        TextLayout::Tabs,
        TextLayout::Cells,
        TextLayout::BarAfter,
        TextLayout::BarLines,
        TextLayout::Inline,
        TextLayout::Markdown,
        TextLayout::Traditional,
        TextLayout::Spaced,
    ];
    for (l, layout) in layouts.into_iter().enumerate() {
        for (s, style) in [Style::official(), demo::styles()[3]].iter().enumerate() {
            let values = values(300 + 10 * l as u64 + s as u64);
            // Where blank cells survive as text, zeros are left blank.
            let zero = if matches!(layout, TextLayout::Cells | TextLayout::Spaced) {
                "0"
            } else {
                ""
            };
            let style = Style {
                three_sheets: false,
                zero,
                ..*style
            };
            let template = nianbao::layout::layout("河口镇", 2024, &values, &style);
            let sheet = &template.sheets[0];
            let (text, at) = text_of(sheet, layout);
            // Style 3 has no title: its unit and year come from the file name.
            let name = format!("河口镇2024年报-{l}-{s}.txt");
            let sub = only_submission(read_file(&dir, &name, text.as_bytes(), None));
            let ctx = format!("{layout:?} style {s}");
            assert_values(&sub, &values, &ctx);
            for &(field, r, c) in &sheet.fields {
                let Some(line) = at.get(&(r, c)) else {
                    continue; // a blank cell dropped by the layout
                };
                assert_eq!(
                    sub.location(field).unwrap().to_string(),
                    format!("第{line}行"),
                    "{ctx}: {}",
                    schema::fields()[field].id
                );
            }
            assert_eq!(sub.year, Some(2024), "{ctx}");
            assert_eq!(sub.unit, Some(1), "{ctx}: {}", sub.claimed_unit);
            let narrative: Vec<&str> = sub.narrative.iter().map(|p| p.text.as_str()).collect();
            // The narrative keeps the text as written.
            let preface = "前言：本报告依据条例编制。";
            let preface = if layout == TextLayout::Traditional {
                traditional(preface)
            } else {
                preface.to_string()
            };
            assert_eq!(narrative.first(), Some(&preface.as_str()), "{ctx}");
        }
    }
}

#[test]
fn the_seed_page_as_text_reads_all_200_values() {
    let path = Path::new("../shared/seeds/000_61f640e52d4e149d.txt");
    if !path.is_file() {
        println!("the_seed_page_as_text: skipped, ../shared/seeds is absent");
        return;
    }
    let dir = temp_dir("seed-text");
    let sub = only_submission(read_file(
        &dir,
        "seed.txt",
        &std::fs::read(path).unwrap(),
        None,
    ));
    // Read off the page by hand: 行政处罚 3; 本年新收, 予以公开 and （七）总计 2 each from
    // 自然人 (总计 2); every other cell 0.
    assert_values(&sub, &demo::yisuhe_2024(), "seed");
    assert!(
        sub.claimed_unit.contains("易俗河镇"),
        "{}",
        sub.claimed_unit
    );
    assert_eq!(sub.unit, Some(0));
    assert_eq!(sub.year, Some(2024));
    assert!(sub
        .narrative
        .iter()
        .any(|p| p.text.contains("收到政府信息公开申请2条")));
}

// ---- PDF -------------------------------------------------------------------------------

#[cfg(feature = "pdf")]
fn read_pdf(name: &str) -> Option<nianbao::pipeline::FileResult> {
    let dir = real_reports("pdf")?;
    let bytes = std::fs::read(dir.join(name)).unwrap();
    Some(read_file(&temp_dir("pdf"), "report.pdf", &bytes, None))
}

#[cfg(feature = "pdf")]
fn found_values(sub: &nianbao::normalize::Submission) -> usize {
    sub.values
        .iter()
        .filter(|v| {
            matches!(
                v,
                nianbao::normalize::Value::Number(_) | nianbao::normalize::Value::Blank
            )
        })
        .count()
}

#[cfg(feature = "pdf")]
fn value(sub: &nianbao::normalize::Submission, id: &str) -> f64 {
    match sub.values.get(schema::field(id)) {
        nianbao::normalize::Value::Number(n) => n,
        nianbao::normalize::Value::Blank => 0.0,
        other => panic!("{id}: {other:?}"),
    }
}

/// The three real PDFs, each value checked against the page as printed.
#[cfg(feature = "pdf")]
#[test]
fn the_real_pdfs_read_as_printed() {
    let Some(result) = read_pdf("淮安市人民政府2024年政府信息公开工作年度报告.pdf")
    else {
        return;
    };
    let city = only_submission(result);
    assert_eq!(found_values(&city), 200, "{:?}", city.missing);
    for (id, x) in [
        ("active.regulation.issued", 1.0),
        ("active.regulation.in_force", 11.0),
        ("active.normative.repealed", 26.0),
        ("active.license.decisions", 447_228.0),
        ("active.penalty.decisions", 3_985_758.0),
        ("active.fee.amount_wan", 96_171.6),
        ("apply.received.natural", 3001.0),
        ("apply.received.legal", 61.0),
        ("apply.received.total", 3119.0),
        ("apply.partial.total", 454.0),
        ("apply.denied_law.commercial", 1.0),
        ("apply.denied_query.total", 105.0),
        ("apply.unable_not_held.total", 769.0),
        ("apply.rejected_confirm.total", 1.0),
        ("apply.other_no_correction.total", 71.0),
        ("apply.other_no_fee.total", 6.0),
        ("apply.other_other.total", 110.0),
        ("apply.handled_total.total", 3050.0),
        ("apply.carried_out.total", 103.0),
        ("review.total", 351.0),
        ("suit_direct.total", 26.0),
        ("suit_after_review.pending", 6.0),
    ] {
        assert_eq!(value(&city, id), x, "city {id}");
    }
    assert!(location(&city, "apply.received.total")
        .to_string()
        .starts_with("第4页第"));
    assert_eq!(city.year, Some(2024));
    assert_eq!(city.narrative[0].at.to_string(), "第1页第1行");
    assert!(city
        .narrative
        .iter()
        .any(|p| p.text.contains("政府信息公开行政复议351")));

    // 洪泽区 prints （六）其他处理 as one row: its three rows are missing, all else reads.
    let hongze = |name: &str| only_submission(read_pdf(name).unwrap());
    let h24 = hongze("淮安市洪泽区人民政府2024年政府信息公开工作年度报告.pdf");
    assert_eq!(found_values(&h24), 179, "{:?}", h24.missing);
    assert_eq!(h24.missing.len(), 3);
    assert!(h24
        .missing
        .iter()
        .all(|m| m.what.contains("（六）其他处理")));
    for (id, x) in [
        ("active.normative.in_force", 8.0),
        ("active.license.decisions", 9487.0),
        ("active.fee.amount_wan", 7545.0),
        ("apply.received.total", 95.0),
        ("apply.partial.natural", 9.0),
        ("apply.denied_safety.total", 1.0),
        ("apply.unable_not_held.natural", 31.0),
        ("apply.rejected_petition.total", 1.0),
        ("apply.handled_total.total", 95.0),
        ("review.upheld", 1.0),
        ("review.total", 2.0),
        ("suit_direct.total", 1.0),
        ("suit_after_review.other", 1.0),
        ("suit_after_review.total", 3.0),
    ] {
        assert_eq!(value(&h24, id), x, "洪泽 2024 {id}");
    }
    // Its 2.其他法律行政法规禁止公开 lost 法规禁 in the text layer: read by its place.
    assert_eq!(
        location(&h24, "apply.denied_law.total").to_string(),
        "第3页第26行"
    );
    let h23 = hongze("淮安市洪泽区人民政府2023年政府信息公开工作年度报告.pdf");
    assert_eq!(found_values(&h23), 179, "{:?}", h23.missing);
    assert_eq!(h23.year, Some(2023));
    // The real error: 行政复议 维持 10 + 纠正 1 with 总计 0.
    for (id, x) in [
        ("review.upheld", 10.0),
        ("review.corrected", 1.0),
        ("review.total", 0.0),
        ("suit_after_review.upheld", 5.0),
        ("active.fee.amount_wan", 7730.28),
        ("active.penalty.decisions", 4119.0),
        ("apply.received.total", 21.0),
    ] {
        assert_eq!(value(&h23, id), x, "洪泽 2023 {id}");
    }
}

/// A PDF whose page has no text (a scan) says what to send instead.
#[test]
fn a_pdf_without_text_asks_for_word_or_excel() {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 0 >>\nstream\n\nendstream",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    let result = read_file(&temp_dir("scan"), "scan.pdf", &pdf, None);
    match result.outcome {
        nianbao::pipeline::Outcome::Unreadable(why) => {
            assert!(why.contains("请提供 Word 或 Excel 版本"), "{why}");
            if cfg!(feature = "pdf") {
                assert!(why.contains("扫描件"), "{why}");
            }
        }
        other => panic!("{other:?}"),
    }
}

/// Every form cut short anywhere, or with bytes flipped, is read or refused, never a panic.
#[test]
fn damaged_documents_never_panic() {
    let dir = temp_dir("damaged");
    let values = values(900);
    let template = nianbao::layout::layout("河口镇", 2024, &values, &Style::official());
    let sheet = &template.sheets[0];
    let (rows, cols) = last_row_and_col(sheet);
    let docx = docx_of(&word_table(sheet, 0..rows, cols));
    let html = page("标题", &html_table(sheet, true), "utf-8").into_bytes();
    let text = text_of(sheet, TextLayout::Tabs).0.into_bytes();
    let mut forms: Vec<(&str, Vec<u8>)> = vec![("docx", docx), ("html", html), ("txt", text)];
    if let Some(dir) = real_reports("damaged pdf") {
        let pdf = std::fs::read(dir.join("淮安市洪泽区人民政府2024年政府信息公开工作年度报告.pdf"))
            .unwrap();
        forms.push(("pdf", pdf));
    }
    for (ext, bytes) in &forms {
        let step = (bytes.len() / 23).max(1);
        for cut in (1..bytes.len()).step_by(step) {
            let mut damaged = bytes[..cut].to_vec();
            let _ = read_file(&dir, &format!("cut.{ext}"), &damaged, None);
            damaged.extend(bytes[cut..].iter().map(|b| b ^ 0x5A));
            let _ = read_file(&dir, &format!("flipped.{ext}"), &damaged, None);
        }
    }
}

/// A Word report whose tables were typed as lines, a tab between cells (and more tabs to
/// line them up), with no Word table at all.
#[test]
fn a_word_report_with_tables_typed_as_tabbed_lines_reads_exactly() {
    let values = values(500);
    let style = Style {
        three_sheets: false,
        ..Style::official()
    };
    let template = nianbao::layout::layout("河口镇", 2024, &values, &style);
    let sheet = &template.sheets[0];
    let (rows, cols) = last_row_and_col(sheet);
    let mut body = word_paragraphs("河口镇2024年政府信息公开工作年度报告");
    let mut paragraph_of_row = std::collections::HashMap::new();
    let mut n = 1;
    for r in 0..rows {
        let cells: Vec<String> = (0..cols)
            .map(|c| cell_text(sheet.cells.get(&(r, c))).replace('\n', ""))
            .filter(|t| !t.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        n += 1;
        paragraph_of_row.insert(r, n);
        let runs: Vec<String> = cells
            .iter()
            .map(|t| format!("<w:r><w:t>{}</w:t></w:r>", xml_escape(t)))
            .collect();
        body.push_str(&format!(
            "<w:p>{}</w:p>",
            runs.join("<w:r><w:tab/><w:tab/></w:r>")
        ));
    }
    let result = read_file(
        &temp_dir("docx-tabbed"),
        "report.docx",
        &docx_of(&body),
        None,
    );
    assert!(
        result.notes.iter().any(|n| n.contains("制表符")),
        "{:?}",
        result.notes
    );
    let sub = only_submission(result);
    assert_values(&sub, &values, "tabbed docx");
    for &(field, r, _) in &sheet.fields {
        assert_eq!(
            sub.location(field).unwrap().to_string(),
            format!("第{}段", paragraph_of_row[&r]),
            "{}",
            schema::fields()[field].id
        );
    }
    assert_eq!((sub.unit, sub.year), (Some(1), Some(2024)));
    // The lines from the first row read to the last are the table's, not narrative.
    assert_eq!(
        sub.narrative[0].text,
        "河口镇2024年政府信息公开工作年度报告"
    );
    assert!(sub.narrative.iter().all(|p| !p.text.contains("本年新收")
        && !p.text.starts_with("规章")
        && !p.text.contains("结果维持")));
}

// ---- A Word report beside its workbook -------------------------------------------------

#[test]
fn a_document_sent_beside_its_workbook_is_compared_not_duplicated() {
    let dir = temp_dir("companion");
    let (inputs, config, out) = (dir.join("inputs"), dir.join("config"), dir.join("out"));
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("units.csv"),
        "unit_id,name,type,aliases\nhekou,河口镇,乡镇,\nyisuhe,易俗河镇,乡镇,\n",
    )
    .unwrap();
    let workbook_values = values(61);
    let book = nianbao::layout::layout("河口镇", 2024, &workbook_values, &Style::official());
    std::fs::write(
        inputs.join("河口镇2024年报表.xlsx"),
        demo::xlsx_bytes(&book),
    )
    .unwrap();
    // The published page: one number of table 二 otherwise, and the narrative states it.
    let field = schema::index_of("active.license.decisions").unwrap();
    let mut page_values = workbook_values.clone();
    page_values[field] += 4.0;
    let sheet = nianbao::layout::layout("河口镇", 2024, &page_values, &Style::official())
        .sheets
        .remove(0);
    let narrative = format!(
        "<p>本年度作出行政许可决定{}件。</p>",
        format_number(page_values[field])
    );
    let html = page(
        "河口镇2024年政府信息公开工作年度报告",
        &html_table(&sheet, false),
        "utf-8",
    )
    .replace(
        "<p>二、主动公开政府信息情况",
        &format!("{narrative}<p>二、主动公开政府信息情况"),
    );
    std::fs::write(inputs.join("河口镇年报.html"), html).unwrap();
    let other = nianbao::layout::layout("易俗河镇", 2024, &values(62), &Style::official());
    std::fs::write(inputs.join("易俗河镇.xlsx"), demo::xlsx_bytes(&other)).unwrap();

    run_ok(&inputs, &config, &out);
    let anomalies = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    assert!(!anomalies.contains("UNIT.DUPLICATE"), "{anomalies}");
    let mismatch: Vec<&str> = anomalies
        .lines()
        .filter(|l| l.contains("DOC.MISMATCH"))
        .collect();
    assert_eq!(mismatch.len(), 1, "{anomalies}");
    assert!(
        mismatch[0].contains("active.license.decisions") && mismatch[0].contains("河口镇年报.html")
    );
    let text: Vec<&str> = anomalies
        .lines()
        .filter(|l| l.contains("TEXT.MISMATCH"))
        .collect();
    assert_eq!(
        text.len(),
        1,
        "the narrative is read against the workbook: {anomalies}"
    );
    // The workbook's numbers count.
    let rollup = std::fs::read_to_string(out.join("rollup.csv")).unwrap();
    let line = rollup
        .lines()
        .find(|l| l.starts_with("active.license.decisions,"))
        .unwrap();
    let county: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
    let expected = workbook_values[field] + values(62)[field];
    assert_eq!(county, expected, "{line}");
}

/// Our own PDF, made from our own Word report (see tests/fixtures/README.md): every value is
/// read right, or left empty with the part that lacks it named; never a wrong number.
#[cfg(feature = "pdf")]
#[test]
fn our_own_pdf_reads_right_or_says_what_it_lacks() {
    let bytes = std::fs::read("tests/fixtures/own_report_2024.pdf").unwrap();
    let result = read_file(&temp_dir("own-pdf"), "河口镇2024年报.pdf", &bytes, None);
    let sub = only_submission(result);
    let expected = values(2024);
    let missing: Vec<usize> = sub.missing.iter().flat_map(|m| m.fields.clone()).collect();
    let mut read = 0;
    for (f, x) in expected.iter().enumerate() {
        match sub.values.number(f) {
            Some(n) => {
                assert_eq!(n, *x, "{}", schema::fields()[f].id);
                read += 1;
            }
            None => assert!(
                missing.contains(&f),
                "{} unread, no reason",
                schema::fields()[f].id
            ),
        }
    }
    assert!(read >= 160, "{read} of 200 read");
    assert_eq!((sub.unit, sub.year), (Some(1), Some(2024)), "河口镇, 2024");
}
