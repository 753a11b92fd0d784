//! `reports/`: a self-contained page per unit and the county overview. Inline CSS and SVG,
//! no network; every text from a submission is escaped. The overview's unit table carries
//! one small inline script that only sorts and filters rows already in the page, so the
//! page reads the same with scripts off.

use std::fmt::Write;
use std::sync::LazyLock;

use crate::changes::{Comparison, Kind};
use crate::check::{Anomaly, Severity, Status, StatusCounts};
use crate::layout::{layout, Style, TCell, TSheet, UnitLine};
use crate::report::{CountyPage, UnitLine as CountyUnit, UnitPage};
use crate::schema::{FieldIdx, ACTIVE_TABLE, APPLY_TABLE, FIELD_COUNT, LITIGATION_TABLE};
use crate::text::format_number;

/// The file of a unit's page (the roster makes it unique and never `index`).
pub fn page_file(unit_id: &str) -> String {
    format!("{}.html", crate::roster::page_stem(unit_id))
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match entity(c) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
}

/// What [`escape`] writes for `c`, where it does not write `c` itself.
fn entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// The length of `s` once escaped ([`escape`]).
fn escaped_len(s: &str) -> usize {
    s.len()
        + s.chars()
            .filter_map(entity)
            .map(|e| e.len() - 1)
            .sum::<usize>()
}

const CSS: &str = r#"
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:6px;border-bottom:2px solid #e4e7eb}
h3{font-size:15px;margin:18px 0 8px;color:#3e4c59}
.sub{color:#616e7c;margin:0 0 16px}a{color:#1d5fbf}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:12px;margin:16px 0}
.card{border:1px solid #e4e7eb;border-radius:8px;padding:10px 14px;background:#fafbfc}
.card b{display:block;font-size:24px}.card span{color:#616e7c;font-size:13px}
details.totals summary{cursor:pointer}details.totals summary h2{display:inline}
.card .lacking{display:block;color:#b54708;font-size:12px}
.card.err b{color:#b42318}.card.warn b{color:#b54708}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px}
th,td{border:1px solid #cbd2d9;padding:4px 7px}
table.grid th{background:#f0f4f8;font-weight:normal;text-align:center}
table.grid td.n{text-align:right;min-width:34px;font-variant-numeric:tabular-nums}
td.n.bad{background:#fde8e7;outline:2px solid #d92d20;outline-offset:-2px}
td.n.warn{background:#fef4e6;outline:2px solid #f79009;outline-offset:-2px}
td.n.part{background:#fff5f4}
table.grid th{min-width:3.4em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.n sup a{color:#b42318;text-decoration:none;font-weight:bold}
table.list th{background:#f0f4f8;text-align:left}table.list td{vertical-align:top}
.sev{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;color:#fff;white-space:nowrap}
table.list th{white-space:nowrap}
.sev.error{background:#d92d20}.sev.warning{background:#f79009}.sev.info{background:#7b8794}
.share{display:inline-block;width:120px;height:10px;background:#e4e7eb;border-radius:5px;vertical-align:middle;margin-right:6px}
.share span{display:block;height:10px;background:#1d5fbf;border-radius:5px}
.status{display:inline-block;padding:2px 8px;border-radius:10px;font-size:13px}
.status.in{background:#e3f8ec;color:#05603a}.status.out{background:#fde8e7;color:#912018}
.charts{display:flex;gap:28px;flex-wrap:wrap}
svg text{font-size:12px;fill:#1f2933}svg .v{fill:#52606d}
.muted{color:#7b8794}
tr.dismissed td{color:#7b8794;background:#f5f7fa}tr.dismissed .sev{opacity:.45}
td.n.seen{background:#f5f7fa;outline:2px dashed #9aa5b1;outline-offset:-2px}
.rv{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap;border:1px solid #cbd2d9}
.rv.confirmed{background:#fde8e7;color:#912018;border-color:#f04438}.rv.dismissed{background:#f0f4f8;color:#52606d}
code.id{font-size:12px;white-space:nowrap}
.tally{border:1px solid #e4e7eb;border-radius:8px;padding:10px 14px;background:#fafbfc;margin:12px 0}
.tally p{margin:4px 0}.tally b{font-size:16px}
[hidden]{display:none!important}
.filters{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;margin:8px 0;font-size:14px}
.filters input,.filters select{font:inherit;padding:3px 6px;border:1px solid #9aa5b1;border-radius:4px}
.filters input{width:14em}
table.sortable th[data-sort]{cursor:pointer;white-space:nowrap}
table.sortable th[data-sort]::after{content:" ↕";color:#9aa5b1}
table.sortable th[aria-sort=ascending]::after{content:" ▲";color:#1d5fbf}
table.sortable th[aria-sort=descending]::after{content:" ▼";color:#1d5fbf}
table.sortable th[data-sort]:focus-visible,.filters :focus-visible{outline:2px solid #1d5fbf;outline-offset:-2px}
tfoot th{background:#f0f4f8}table.list th.n{text-align:right}
@media print{
@page{size:A4;margin:12mm}
body{background:#fff}main{max-width:none;padding:0;min-height:0}
.filters,.back,.js-hint{display:none!important}
.sev,.status,td.n.bad,td.n.warn,td.n.part,td.n.seen,.share span,.rv{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}
h2,h3{break-after:avoid}
tr,.card,.tally,svg{break-inside:avoid}
thead{display:table-header-group}tfoot{display:table-row-group}
table{font-size:10.5px}th,td{padding:2px 4px}
table.grid th{min-width:0}
.charts{display:block}
table.sortable th[data-sort]::after{content:""}
}
"#;

/// A page's head, styles and the start of its body, into `html`.
fn page_start(html: &mut String, title: &str) {
    html.push_str(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
    );
    escape_into(html, title);
    html.push_str("</title><style>");
    html.push_str(CSS);
    html.push_str("</style></head><body><main>\n");
}

/// The end of a page begun by [`page_start`].
fn page_end(html: &mut String) {
    html.push_str("\n</main></body></html>\n");
}

fn severity_badge(s: Severity) -> String {
    format!("<span class=\"sev {}\">{}</span>", s.name(), s.zh())
}

fn share_cell(share: Option<f64>) -> String {
    match share {
        Some(s) => format!(
            "<span class=\"share\"><span style=\"width:{:.1}%\"></span></span>{:.1}%",
            (s * 100.0).clamp(0.0, 100.0),
            s * 100.0
        ),
        None => "<span class=\"muted\">—</span>".into(),
    }
}

/// A cell of the official tables as a page draws it.
enum Drawn {
    /// A header cell, the same on every page: its whole HTML, `<th …>…</th>`.
    Label(String),
    /// A value cell: its field, and its span attributes (` rowspan="…" colspan="…"`, or
    /// none).
    Field(FieldIdx, String),
}

/// One of the three tables: its heading and table tag, and its rows of cells.
struct Skeleton {
    head: String,
    rows: Vec<Vec<Drawn>>,
}

/// The official layout as HTML tables need it, worked out once for every page.
static SKELETONS: LazyLock<Vec<Skeleton>> = LazyLock::new(|| {
    let style = Style {
        unit_line: UnitLine::None,
        ..Style::official()
    };
    let template = layout("", 0, &[0.0; FIELD_COUNT], &style);
    let sheet = &template.sheets[0];
    table_bands(sheet)
        .into_iter()
        .map(|(title, top, bottom)| skeleton(sheet, title, top, bottom))
        .collect()
});

/// The rows of the sheet that belong to each of the three tables: below its title, down to
/// its last used row.
fn table_bands(sheet: &TSheet) -> Vec<(&'static str, u32, u32)> {
    let title_row = |title: &str| {
        sheet
            .cells
            .iter()
            .find(|(_, c)| **c == TCell::Text(title.into()))
            .map(|((r, _), _)| *r)
            .expect("the layout writes every table's title")
    };
    let used_rows: Vec<u32> = sheet
        .cells
        .keys()
        .map(|k| k.0)
        .chain(sheet.fields.iter().map(|f| f.1))
        .collect();
    let starts = [ACTIVE_TABLE, APPLY_TABLE, LITIGATION_TABLE].map(|t| (t, title_row(t)));
    starts
        .iter()
        .enumerate()
        .map(|(i, (title, r))| {
            let next = starts.get(i + 1).map_or(u32::MAX, |(_, next)| *next);
            let end = used_rows
                .iter()
                .copied()
                .filter(|u| *u > *r && *u < next)
                .max()
                .unwrap_or(*r);
            (*title, r + 1, end)
        })
        .collect()
}

fn skeleton(sheet: &TSheet, title: &'static str, top: u32, bottom: u32) -> Skeleton {
    let right = sheet
        .cells
        .keys()
        .copied()
        .chain(sheet.fields.iter().map(|&(_, r, c)| (r, c)))
        .filter(|(r, _)| (top..=bottom).contains(r))
        .map(|(_, c)| c)
        .max()
        .unwrap_or(0);
    let rows = (top..=bottom)
        .map(|r| {
            (0..=right)
                .filter_map(|c| {
                    let covered = sheet.merges.iter().any(|&(r1, c1, r2, c2)| {
                        (r1..=r2).contains(&r) && (c1..=c2).contains(&c) && (r, c) != (r1, c1)
                    });
                    if covered {
                        return None;
                    }
                    let span = sheet.merges.iter().find(|m| (m.0, m.1) == (r, c)).map_or(
                        String::new(),
                        |&(r1, c1, r2, c2)| {
                            let (rowspan, colspan) = (r2.min(bottom) - r1 + 1, c2 - c1 + 1);
                            format!(" rowspan=\"{rowspan}\" colspan=\"{colspan}\"")
                        },
                    );
                    let field = sheet.fields.iter().find(|(_, fr, fc)| (*fr, *fc) == (r, c));
                    let label = |text: &str| {
                        let text = escape(text).replace('\n', "<br>");
                        Drawn::Label(format!("<th{span}>{text}</th>"))
                    };
                    Some(match (field, sheet.cells.get(&(r, c))) {
                        (Some(&(f, _, _)), _) => Drawn::Field(f, span),
                        (None, Some(TCell::Text(t))) => label(t),
                        (None, _) => label(""),
                    })
                })
                .collect()
        })
        .collect();
    let head = format!("<h3>{}</h3><table class=\"grid\">", escape(title));
    Skeleton { head, rows }
}

/// The three tables of a report in the official layout, each value cell showing `shown`
/// and marked where an anomaly concerns it, appended to `html`.
fn tables(
    html: &mut String,
    shown: &[String],
    marks: &[Vec<usize>],
    involved: &[bool],
    severities: &[Option<Severity>],
) {
    for table in SKELETONS.iter() {
        html.push_str(&table.head);
        for row in &table.rows {
            html.push_str("<tr>");
            for drawn in row {
                match drawn {
                    Drawn::Field(f, span) => {
                        let f = *f;
                        // An anomaly marked 误报 or 已说明 still marks its cell, dashed grey.
                        let open = marks[f].iter().filter_map(|n| severities[n - 1]).min();
                        let class = match open {
                            Some(Severity::Error) => "n bad",
                            Some(_) => "n warn",
                            None if !marks[f].is_empty() => "n seen",
                            None if involved[f] => "n part",
                            None => "n",
                        };
                        // Pushed piece by piece: two hundred cells a page.
                        html.push_str("<td class=\"");
                        html.push_str(class);
                        html.push('"');
                        html.push_str(span);
                        html.push('>');
                        escape_into(html, &shown[f]);
                        for n in &marks[f] {
                            let _ = write!(html, "<sup><a href=\"#a{n}\">{n}</a></sup>");
                        }
                        html.push_str("</td>");
                    }
                    Drawn::Label(th) => html.push_str(th),
                }
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
}

/// The review status of an anomaly, with the note, as the lists show it.
fn review_cell(a: &Anomaly) -> String {
    let status = a.review().status;
    let class = match status {
        Status::Pending => "rv",
        Status::Confirmed => "rv confirmed",
        Status::FalseAlarm | Status::Explained => "rv dismissed",
    };
    let mut html = format!("<span class=\"{class}\">{}</span>", status.zh());
    if !a.review().note.is_empty() {
        let _ = write!(html, " {}", escape(&a.review().note));
    }
    html
}

fn anomaly_table(anomalies: &[&Anomaly], numbered: bool) -> String {
    if anomalies.is_empty() {
        return "<p>未发现问题。</p>".into();
    }
    let mut html = String::from(
        "<table class=\"list\"><tr><th>#</th><th>级别</th><th>规则</th><th>位置</th>\
         <th>说明</th><th>应为</th><th>实为</th><th>异常编号</th><th>审核</th></tr>",
    );
    for (i, a) in anomalies.iter().enumerate() {
        let id = if numbered {
            format!(" id=\"a{}\"", i + 1)
        } else {
            String::new()
        };
        let class = if a.is_open() {
            ""
        } else {
            " class=\"dismissed\""
        };
        let at = a
            .finding
            .location
            .as_ref()
            .map_or(String::new(), |l| l.to_string());
        let _ = write!(
            html,
            "<tr{id}{class}><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code class=\"id\">{}</code></td><td>{}</td></tr>",
            i + 1,
            severity_badge(a.severity),
            a.rule,
            escape(&at),
            escape(&a.finding.message),
            escape(&a.finding.expected),
            escape(&a.finding.actual),
            escape(&a.id),
            review_cell(a)
        );
    }
    html.push_str("</table>");
    html
}

/// The errors and warnings by review status, in a line.
fn review_line(c: &StatusCounts) -> String {
    format!(
        "<p class=\"sub\">错误和警告的审核情况：待处理 {}，已核实 {}，误报 {}，已说明 {}（误报和已说明不计入错误、警告数）</p>",
        c.open, c.confirmed, c.false_alarms, c.explained
    )
}

pub fn unit_html(p: &UnitPage) -> String {
    let title_year = p.year.map_or(String::new(), |y| format!("{y}年"));
    // A unit's page is about 16 KB: made in one buffer of about that size, not grown by
    // doubling and then copied into the page.
    let mut body = String::with_capacity(24 << 10);
    page_start(
        &mut body,
        &format!("{} {title_year}政府信息公开年报", p.name),
    );
    let year = p
        .year
        .map_or("年度未知".to_string(), |y| format!("{y} 年度"));
    let _ = write!(
        body,
        "<p class=\"sub back\"><a href=\"index.html\">← 全县汇总</a></p><h1>{}</h1>\
         <p class=\"sub\">{} · {year} · 来源文件 <code>{}</code></p>",
        escape(&p.name),
        escape(&p.unit_type),
        escape(&p.source_file)
    );
    let status = match p.left_out {
        None => "<span class=\"status in\">计入全县汇总</span>".to_string(),
        Some(why) => format!(
            "<span class=\"status out\">{}</span>",
            escape(why.describe())
        ),
    };
    // Errors and warnings marked 误报 or 已说明 are listed, not counted.
    let count = |s: Severity| {
        p.anomalies
            .iter()
            .filter(|a| a.severity == s && a.counts())
            .count()
    };
    let _ = write!(
        body,
        "<p>{status}</p><div class=\"cards\"><div class=\"card err\"><b>{}</b><span>错误</span></div>\
         <div class=\"card warn\"><b>{}</b><span>警告</span></div>\
         <div class=\"card\"><b>{}</b><span>提示</span></div></div>",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    body.push_str(&review_line(&StatusCounts::of(p.anomalies.iter().copied())));

    body.push_str(
        "<h2>主要数字与全县占比</h2><table class=\"list\"><tr><th>指标</th><th>本单位</th>",
    );
    if p.has_prior {
        body.push_str("<th>上年</th>");
    }
    body.push_str("<th>全县</th><th>占全县</th></tr>");
    for k in &p.key {
        let unit = k.unit.map_or("未知".into(), format_number);
        let _ = write!(body, "<tr><td>{}</td><td class=\"n\">{unit}</td>", k.label);
        if p.has_prior {
            let last = k.last_year.map_or("—".into(), format_number);
            let _ = write!(body, "<td class=\"n\">{last}</td>");
        }
        let _ = write!(
            body,
            "<td class=\"n\">{}</td><td>{}</td></tr>",
            format_number(k.county),
            share_cell(k.share)
        );
    }
    body.push_str("</table>");

    body.push_str("<h2>统计表</h2><p class=\"sub\">标红的单元格有错误，标橙的有警告，灰色虚线框的问题已审核为误报或已说明，上标数字对应下方问题清单；浅红的单元格是出错的合计所依据的数。</p>");
    let severities: Vec<Option<Severity>> = p
        .anomalies
        .iter()
        .map(|a| a.is_open().then_some(a.severity))
        .collect();
    tables(&mut body, &p.shown, &p.marks, &p.involved, &severities);
    body.push_str("<h2>问题清单</h2>");
    body.push_str(&anomaly_table(&p.anomalies, true));
    page_end(&mut body);
    body
}

/// A bar of a chart: its label, its value and the page it links to.
type Bar = (String, f64, Option<String>);

/// The most bars a chart of units draws; the rest share one grey bar.
pub const CHART_TOP: usize = 15;

/// The units left out of a chart: how many, and their sum.
struct Rest {
    units: usize,
    sum: f64,
}

/// Horizontal bars, one per item, scaled to the largest value; then, if given, one grey bar
/// for the rest, cut with a break mark where it is longer than the scale.
fn bar_chart(items: &[Bar], rest: Option<Rest>, width: u32) -> String {
    let rest_label = rest
        .as_ref()
        .map(|r| format!("其余 {} 个单位（合计）", r.units));
    // Room for the longest label, at about 13 px a Chinese character.
    let longest = items
        .iter()
        .map(|i| i.0.chars().count())
        .chain(rest_label.iter().map(|l| l.chars().count()))
        .max()
        .unwrap_or(0) as u32;
    let label_w = (longest * 13 + 12).clamp(80, width / 2);
    let bar_w = width.saturating_sub(label_w + 50).max(40) as f64;
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1.0);
    let rows = items.len() + usize::from(rest.is_some());
    let h = 22 * rows as u32 + 6;
    let mut svg = format!(
        "<svg width=\"{width}\" height=\"{h}\" viewBox=\"0 0 {width} {h}\" style=\"max-width:100%;height:auto\" role=\"img\">"
    );
    for (i, (label, v, href)) in items.iter().enumerate() {
        let y = 22 * i as u32 + 4;
        let w = (v / max * bar_w).round().max(0.0);
        let text = format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6,
            y + 13,
            escape(label)
        );
        match href {
            Some(h) => {
                let _ = write!(svg, "<a href=\"{}\">{text}</a>", escape(h));
            }
            None => svg.push_str(&text),
        }
        let _ = write!(
            svg,
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"16\" rx=\"3\" fill=\"#1d5fbf\"></rect>\
             <text class=\"v\" x=\"{}\" y=\"{}\">{}</text>",
            label_w as f64 + w + 5.0,
            y + 13,
            format_number(*v)
        );
    }
    if let (Some(r), Some(label)) = (rest, rest_label) {
        let y = 22 * items.len() as u32 + 4;
        let cut = r.sum > max;
        let w = (r.sum.min(max) / max * bar_w).round().max(0.0);
        let _ = write!(
            svg,
            "<g class=\"rest\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"16\" rx=\"3\" fill=\"#9aa5b1\"></rect>",
            label_w - 6,
            y + 13,
            escape(&label)
        );
        if cut {
            // Two white strokes across the bar: it is longer than the scale drawn.
            let x = label_w as f64 + w - 22.0;
            let _ = write!(
                svg,
                "<path d=\"M{x} {} l6 -20 M{} {} l6 -20\" stroke=\"#fff\" stroke-width=\"3\"></path>",
                y + 18,
                x + 6.0,
                y + 18
            );
        }
        let _ = write!(
            svg,
            "<text class=\"v\" x=\"{}\" y=\"{}\">{}</text></g>",
            label_w as f64 + w + 5.0,
            y + 13,
            format_number(r.sum)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The top `CHART_TOP` of `items` (already in order), and the rest as one: how many, and
/// the sum of their `value`.
fn top_and_rest<T>(mut items: Vec<T>, value: impl Fn(&T) -> f64) -> (Vec<T>, Option<Rest>) {
    if items.len() <= CHART_TOP + 1 {
        return (items, None);
    }
    let rest = items.split_off(CHART_TOP);
    let sum = rest.iter().map(value).sum();
    (
        items,
        Some(Rest {
            units: rest.len(),
            sum,
        }),
    )
}

/// How many units the totals count, how many they leave out and why, and every file left out.
fn counted_summary(c: &CountyPage) -> String {
    let not_counted = c.totals.missing_units();
    let mut html = if not_counted == 0 {
        format!(
            "<div class=\"tally\"><p>名单内 <b>{}</b> 个单位，全部计入全县汇总",
            c.totals.expected_units
        )
    } else {
        format!(
            "<div class=\"tally\"><p>名单内 <b>{}</b> 个单位：<b>{}</b> 个计入全县汇总，<b>{not_counted}</b> 个未计入",
            c.totals.expected_units, c.totals.counted_units
        )
    };
    let mut reasons: Vec<String> = Vec::new();
    if c.units_missing > 0 {
        reasons.push(format!("未报送 {} 个", c.units_missing));
    }
    for (why, n) in &c.units_left_out {
        reasons.push(format!("{} {n} 个", why.label()));
    }
    if reasons.is_empty() {
        html.push_str("。</p>");
    } else {
        let _ = write!(html, "（{}）。</p>", reasons.join("，"));
    }
    let files = c.totals.left_out_reports();
    if files > 0 {
        let _ = write!(
            html,
            "<p>未计入汇总的报告文件共 {files} 份：{}，见<a href=\"#left-out\">下方清单</a>。</p>",
            c.totals.left_out_zh("，")
        );
    }
    // At hundreds of units the table is far down the page.
    html.push_str(
        "<p class=\"back\">跳到：<a href=\"#unit-list\">各单位问题</a> · <a href=\"#missing\">未报送的单位</a></p></div>",
    );
    html
}

/// Sorts the unit table by a clicked header and filters its rows; it only reorders and
/// hides rows the page already holds. The headers become controls (focusable, Enter or
/// Space sorts) and the filter bar appears only when it runs, so without scripts the page is
/// the plain table. The headers themselves take the clicks: a button inside a header that
/// print repeats on every page prints blank in Chromium.
const UNIT_TABLE_SCRIPT: &str = r#"
(function(){
var table=document.getElementById('units');if(!table)return;
var body=table.tBodies[0],heads=table.tHead.rows[0].cells,rows=[].slice.call(body.rows);
rows.forEach(function(r,i){r.setAttribute('data-order',i);});
function key(row,col,kind){var t=row.cells[col].textContent.trim();
return kind==='number'?(parseFloat(t.replace(/,/g,''))||0):t;}
function sortBy(col,kind){var th=heads[col],now=th.getAttribute('aria-sort');
var dir=now==='none'?(kind==='number'?'descending':'ascending'):(now==='ascending'?'descending':'ascending');
var sign=dir==='ascending'?1:-1;
rows.sort(function(a,b){var x=key(a,col,kind),y=key(b,col,kind);
var c=kind==='number'?x-y:x.localeCompare(y,'zh-Hans-CN',{numeric:true});
return sign*c||(a.getAttribute('data-order')-b.getAttribute('data-order'));});
rows.forEach(function(r){body.appendChild(r);});
[].forEach.call(heads,function(h){if(h.hasAttribute('data-sort'))h.setAttribute('aria-sort','none');});
th.setAttribute('aria-sort',dir);}
[].forEach.call(heads,function(th,col){var kind=th.getAttribute('data-sort');if(!kind)return;
th.tabIndex=0;th.title='点击或按回车键按此列排序';
th.addEventListener('click',function(){sortBy(col,kind);});
th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(col,kind);}});});
table.className+=' sortable';
var bar=document.getElementById('unit-filters'),count=document.getElementById('f-count');
var name=document.getElementById('f-name'),status=document.getElementById('f-status'),
issue=document.getElementById('f-issue'),type=document.getElementById('f-type');
function filter(){var q=name.value.trim(),shown=0;
rows.forEach(function(r){var ok=(!q||r.cells[0].textContent.indexOf(q)>=0)&&
(!status.value||r.getAttribute('data-status')===status.value)&&
(!issue.value||(' '+r.getAttribute('data-issue')+' ').indexOf(' '+issue.value+' ')>=0)&&
(!type.value||r.getAttribute('data-type')===type.value);
r.hidden=!ok;if(ok)shown++;});
count.textContent='显示 '+shown+' / '+rows.length+' 个单位'+(shown<rows.length?'（合计行仍是全县的）':'');}
[name,status,issue,type].forEach(function(e){e.addEventListener('input',filter);e.addEventListener('change',filter);});
bar.hidden=false;document.getElementById('sort-hint').hidden=false;filter();
})();
"#;

/// What the overview's lists take, from the unit table on: each unit's row exactly (a bound
/// where an id has characters its page's name replaces), the type filter's choices, the
/// names of the units that did not submit, the files unreadable or left out, and room for
/// the markup around them and the page's end.
fn list_bytes(c: &CountyPage) -> usize {
    let rows: usize = c.units.iter().map(unit_row_len).sum();
    let types: usize = unit_types(c)
        .iter()
        .map(|t| OPTION.0.len() + escaped_len(t) + OPTION.1.len())
        .sum();
    let missing: usize = c
        .units
        .iter()
        .filter(|u| !u.has_page)
        .map(|u| NAME_SEPARATOR.len() + escaped_len(u.name))
        .sum();
    let unreadable: usize = c
        .unreadable
        .iter()
        .map(|(f, why)| file_row_len(f, &[why]))
        .sum();
    let left_out: usize = c
        .left_out
        .iter()
        .map(|(f, u, why)| file_row_len(f, &[u, why]))
        .sum();
    16 * 1024 + rows + types + missing + unreadable + left_out
}

/// The markup around a choice of the type filter.
const OPTION: (&str, &str) = ("<option>", "</option>");
/// Between the names of the units that did not submit.
const NAME_SEPARATOR: &str = "、";
/// A row of the files unreadable or left out: the file as code, then a cell per text.
const FILE_CELL: (&str, &str) = ("<tr><td><code>", "</code></td>");
const TEXT_CELL: (&str, &str) = ("<td>", "</td>");
const ROW_END: &str = "</tr>";

/// A row of the overview's file lists: `file`, then each of `texts`, escaped in place.
fn file_row(html: &mut String, file: &str, texts: &[&str]) {
    html.push_str(FILE_CELL.0);
    escape_into(html, file);
    html.push_str(FILE_CELL.1);
    for text in texts {
        html.push_str(TEXT_CELL.0);
        escape_into(html, text);
        html.push_str(TEXT_CELL.1);
    }
    html.push_str(ROW_END);
}

/// How long [`file_row`] makes the row.
fn file_row_len(file: &str, texts: &[&str]) -> usize {
    let cells: usize = texts
        .iter()
        .map(|t| TEXT_CELL.0.len() + escaped_len(t) + TEXT_CELL.1.len())
        .sum();
    FILE_CELL.0.len() + escaped_len(file) + FILE_CELL.1.len() + cells + ROW_END.len()
}

/// The decimal digits of `n`.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The units' types, each once, in the order they first come: the table's type filter.
fn unit_types<'a>(c: &CountyPage<'a>) -> Vec<&'a str> {
    let mut types: Vec<&str> = Vec::new();
    for u in &c.units {
        if !types.contains(&u.unit_type) {
            types.push(u.unit_type);
        }
    }
    types
}

/// The units' problems and status, one row each, sortable and filterable, into `html`.
fn unit_table(html: &mut String, c: &CountyPage) {
    let types = unit_types(c);
    html.push_str(
        "<h2 id=\"unit-list\">各单位问题</h2><p class=\"sub\">错误、警告：未审核为误报或已说明的；待处理至已说明：该单位全部错误和警告的审核情况。<span class=\"js-hint\" id=\"sort-hint\" hidden>点击表头可按该列排序，再点一次反向。</span></p>\
         <div class=\"filters\" id=\"unit-filters\" hidden>\
         <label>单位名称 <input type=\"search\" id=\"f-name\" placeholder=\"输入名称中的字\"></label>\
         <label>汇总 <select id=\"f-status\"><option value=\"\">全部</option><option value=\"in\">计入</option>\
         <option value=\"out\">已报送但未计入</option><option value=\"missing\">未报送</option></select></label>\
         <label>问题 <select id=\"f-issue\"><option value=\"\">全部</option><option value=\"error\">有错误</option>\
         <option value=\"warning\">有警告</option><option value=\"clean\">无错误和警告</option></select></label>\
         <label>类型 <select id=\"f-type\"><option value=\"\">全部</option>",
    );
    for t in &types {
        html.push_str(OPTION.0);
        escape_into(html, t);
        html.push_str(OPTION.1);
    }
    html.push_str(
        "</select></label><span id=\"f-count\" class=\"muted\" aria-live=\"polite\"></span></div>\
         <table class=\"list\" id=\"units\"><thead><tr>\
         <th data-sort=\"text\" aria-sort=\"none\">单位</th><th data-sort=\"text\" aria-sort=\"none\">类型</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"descending\">错误</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"none\">警告</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"none\">待处理</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"none\">已核实</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"none\">误报</th>\
         <th class=\"n\" data-sort=\"number\" aria-sort=\"none\">已说明</th>\
         <th data-sort=\"text\" aria-sort=\"none\">汇总</th></tr></thead><tbody>",
    );
    for u in &c.units {
        unit_row(html, u);
    }
    let r = &c.review;
    let _ = write!(
        html,
        "</tbody><tfoot><tr><th>合计（含合计数的问题和名单外的单位）</th><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th></th></tr></tfoot></table>\
         <script>{UNIT_TABLE_SCRIPT}</script>",
        c.errors, c.warnings, r.open, r.confirmed, r.false_alarms, r.explained
    );
}

/// A unit's row's `data-status` and `data-issue`, by which the page's script filters it.
fn row_keys(u: &CountyUnit) -> (&'static str, &'static str) {
    let status = match (u.has_page, u.left_out) {
        (false, _) => "missing",
        (true, Some(_)) => "out",
        (true, None) => "in",
    };
    let issue = match (u.errors > 0, u.warnings > 0) {
        (true, true) => "error warning",
        (true, false) => "error",
        (false, true) => "warning",
        (false, false) => "clean",
    };
    (status, issue)
}

/// The bytes of [`unit_row`]'s markup around its texts and numbers.
const ROW_MARKUP: usize = 192;
/// The bytes of the link around a unit's name, where it has a page.
const LINK_MARKUP: usize = 15;

/// How long [`unit_row`] makes `u`'s row: exactly, or a little more where the unit's id has
/// characters its page's name replaces by one byte.
fn unit_row_len(u: &CountyUnit) -> usize {
    let (status, issue) = row_keys(u);
    let link = if u.has_page {
        LINK_MARKUP + u.id.len() + ".html".len()
    } else {
        0
    };
    let r = &u.review;
    let numbers: usize = [
        u.errors,
        u.warnings,
        r.open,
        r.confirmed,
        r.false_alarms,
        r.explained,
    ]
    .into_iter()
    .map(digits)
    .sum();
    ROW_MARKUP
        + status.len()
        + issue.len()
        + link
        + escaped_len(u.name)
        + 2 * escaped_len(u.unit_type)
        + numbers
        + escaped_len(u.status)
}

fn unit_row(html: &mut String, u: &CountyUnit) {
    let (status, issue) = row_keys(u);
    // Written in place, each text escaped into the page: no string made for a row but its
    // page's name.
    let _ = write!(
        html,
        "<tr data-status=\"{status}\" data-issue=\"{issue}\" data-type=\""
    );
    escape_into(html, u.unit_type);
    html.push_str("\"><td>");
    if u.has_page {
        html.push_str("<a href=\"");
        escape_into(html, &page_file(u.id));
        html.push_str("\">");
        escape_into(html, u.name);
        html.push_str("</a>");
    } else {
        escape_into(html, u.name);
    }
    html.push_str("</td><td>");
    escape_into(html, u.unit_type);
    let _ = write!(
        html,
        "</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td>",
        u.errors,
        u.warnings,
        u.review.open,
        u.review.confirmed,
        u.review.false_alarms,
        u.review.explained,
    );
    escape_into(html, u.status);
    html.push_str("</td></tr>");
}

/// The overview's section 与上次运行相比: the summary line, then a row per unit that changed.
fn changes_section(comparison: &Comparison) -> String {
    let mut html = format!(
        "<h2>与上次运行相比</h2><p class=\"sub\">{}</p>",
        escape(&comparison.outline_zh())
    );
    let Comparison::Compared(changes) = comparison else {
        return html;
    };
    if changes.is_empty() {
        return html;
    }
    // Per unit, in the comparison's order: what happened to its report, then the counts.
    let units = changes.chunk_by(|a, b| (&a.unit_id, &a.unit_name) == (&b.unit_id, &b.unit_name));
    html.push_str(
        "<table class=\"list\"><tr><th>单位</th><th>报告</th><th>数值变化</th><th>问题已解决</th><th>新问题</th></tr>",
    );
    for unit in units {
        let report: Vec<&str> = unit
            .iter()
            .filter(|c| {
                !matches!(
                    c.kind,
                    Kind::ChangedValue | Kind::FixedProblem | Kind::NewProblem
                )
            })
            .map(|c| c.kind.zh())
            .collect();
        let counts = crate::changes::tally(unit);
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&unit[0].unit_name),
            report.join("、"),
            counts.values,
            counts.fixed,
            counts.new_problems
        );
    }
    html.push_str("</table>");
    html
}

pub fn index_html(c: &CountyPage, changes: &Comparison) -> String {
    let year = c.year.map_or(String::new(), |y| format!("{y} 年度"));
    // One buffer for the whole page: a province's list of units is tens of megabytes, and
    // made apart, then copied into the page, it was held three times over.
    let mut body = String::with_capacity(64 * 1024);
    page_start(&mut body, &format!("{year}政府信息公开年报 全县汇总"));
    let _ = write!(body, "<h1>{year}政府信息公开工作年度报告 · 全县汇总</h1>");
    body.push_str(&counted_summary(c));
    let _ = write!(
        body,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b><span>计入汇总的单位</span></div>\
         <div class=\"card err\"><b>{}</b><span>错误</span></div>\
         <div class=\"card warn\"><b>{}</b><span>警告</span></div>",
        c.totals.counted_units, c.errors, c.warnings
    );
    for ((label, v), lacking) in c
        .key
        .iter()
        .zip(&c.key_incomplete)
        .filter(|((l, _), _)| ["本年新收申请", "行政复议", "行政诉讼", "行政处罚"].contains(l))
    {
        // A sum that lacks units' unreadable values says so, so that it is not sent on as whole.
        let caveat = if *lacking > 0 {
            format!("<small class=\"lacking\">不含 {lacking} 个单位无法读取的数值</small>")
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<div class=\"card\"><b>{}</b><span>{label}</span>{caveat}</div>",
            format_number(*v)
        );
    }
    body.push_str("</div>");
    let r = &c.review;
    let _ = write!(
        body,
        "<h2>审核情况</h2><div class=\"cards\"><div class=\"card\"><b>{}</b><span>待处理</span></div>\
         <div class=\"card err\"><b>{}</b><span>已核实</span></div>\
         <div class=\"card\"><b>{}</b><span>误报</span></div>\
         <div class=\"card\"><b>{}</b><span>已说明</span></div>\
         <div class=\"card\"><b>{}</b><span>已解决</span></div></div>",
        r.open,
        r.confirmed,
        r.false_alarms,
        r.explained,
        c.resolved.len()
    );
    if c.review_files.is_empty() {
        body.push_str(
            "<p class=\"sub\">尚未读到审核文件（--config 文件夹中的 review.csv 或 review.xlsx，\
             空文件不算），全部错误和警告都是待处理。运行 nianbao review 生成 review.csv，\
             逐条填写审核决定后重新运行，这里即按决定统计。</p>",
        );
    } else {
        let _ = write!(
            body,
            "<p class=\"sub\">按 {} 中的审核决定统计全部错误和警告；误报和已说明的问题仍列出，\
             但不计入上面的错误、警告数。已解决：审核过的问题本次不再出现。</p>",
            escape(&c.review_files.join("、"))
        );
    }
    if !c.resolved.is_empty() {
        body.push_str(
            "<h3>已解决的审核决定</h3><table class=\"list\"><tr><th>异常编号</th><th>原审核状态</th><th>审核说明</th><th>出处</th></tr>",
        );
        for res in &c.resolved {
            let _ = write!(
                body,
                "<tr><td><code class=\"id\">{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&res.anomaly_id),
                res.status,
                escape(&res.note),
                escape(&res.line)
            );
        }
        body.push_str("</table>");
    }
    if !c.review_warnings.is_empty() {
        body.push_str("<h3>审核文件中未能采用的行</h3><ul>");
        for w in &c.review_warnings {
            let _ = write!(body, "<li>{}</li>", escape(w));
        }
        body.push_str("</ul>");
    }
    body.push_str(&changes_section(changes));

    if !c.totals_anomalies.is_empty() {
        let rows: Vec<&Anomaly> = c.totals_anomalies.iter().collect();
        if rows.iter().all(|a| a.repeats_units) {
            // Only the units' own problems again: folded, so that the units' list comes first
            // to the eye; one click shows how each total is explained.
            let _ = write!(
                body,
                "<details class=\"totals\"><summary><h2>合计的问题（{} 条，均随单位自身的问题而来，不另计数；点击展开）</h2></summary>\
                 <p class=\"sub\">合计数不符时，原因在于下列单位自身的表。</p>{}</details>",
                rows.len(),
                anomaly_table(&rows, false)
            );
        } else {
            body.push_str(
                "<h2>合计的问题</h2><p class=\"sub\">合计数不符时，原因在于下列单位自身的表。</p>",
            );
            body.push_str(&anomaly_table(&rows, false));
        }
    }
    body.push_str("<h2>全县主要数字</h2><table class=\"list\"><tr>");
    for (label, _) in &c.key {
        let _ = write!(body, "<th>{label}</th>");
    }
    body.push_str("</tr><tr>");
    for (_, v) in &c.key {
        let _ = write!(body, "<td class=\"n\">{}</td>", format_number(*v));
    }
    body.push_str("</tr></table>");

    // Ranked by reference; only the bars drawn get their texts (a province has 100,000 units).
    let mut received: Vec<(&CountyUnit, f64)> = c
        .units
        .iter()
        .filter_map(|u| u.received.map(|r| (u, r)))
        .collect();
    received.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(b.0.name)));
    let (top, rest) = top_and_rest(received, |(_, r)| *r);
    let top: Vec<Bar> = top
        .into_iter()
        .map(|(u, r)| (u.name.to_string(), r, Some(page_file(u.id))))
        .collect();
    if rest.is_some() {
        let _ = write!(
            body,
            "<h2>各单位本年新收申请</h2><p class=\"sub\">新收申请最多的 {CHART_TOP} 个单位；其余单位合为一条灰色的合计，各单位的数见其页面。</p>"
        );
    } else {
        body.push_str("<h2>各单位本年新收申请</h2>");
    }
    body.push_str(&bar_chart(&top, rest, 620));

    body.push_str("<div class=\"charts\"><div><h2>办理结果构成</h2>");
    let outcomes: Vec<Bar> = c
        .outcomes
        .iter()
        .map(|(l, v)| ((*l).to_string(), *v, None))
        .collect();
    body.push_str(&bar_chart(&outcomes, None, 420));
    body.push_str("</div><div><h2>行政复议、行政诉讼结果</h2>");
    for (group, results) in &c.litigation {
        let _ = write!(body, "<h3>{}</h3>", escape(&group.replace('/', " · ")));
        let items: Vec<Bar> = results
            .iter()
            .map(|(l, v)| ((*l).to_string(), *v, None))
            .collect();
        body.push_str(&bar_chart(&items, None, 420));
    }
    body.push_str("</div></div>");

    // Room for the rest at once, about its size: grown by doubling, the buffer would hold
    // up to twice the page.
    body.reserve_exact(list_bytes(c));
    unit_table(&mut body, c);

    body.push_str("<h2 id=\"missing\">未报送的单位</h2>");
    let mut missing = c.units.iter().filter(|u| !u.has_page).peekable();
    if missing.peek().is_none() {
        body.push_str("<p>名单内的单位都已报送。</p>");
    } else {
        body.push_str("<p>");
        for (i, u) in missing.enumerate() {
            if i > 0 {
                body.push_str(NAME_SEPARATOR);
            }
            escape_into(&mut body, u.name);
        }
        body.push_str("</p>");
    }
    if !c.unreadable.is_empty() {
        body.push_str(
            "<h3>无法读取的文件</h3><table class=\"list\"><tr><th>文件</th><th>原因</th></tr>",
        );
        for (file, why) in &c.unreadable {
            file_row(&mut body, file, &[why]);
        }
        body.push_str("</table>");
    }
    if !c.left_out.is_empty() {
        body.push_str("<h2 id=\"left-out\">未计入汇总的报告</h2><table class=\"list\"><tr><th>文件</th><th>单位</th><th>原因</th></tr>");
        for (file, unit, why) in &c.left_out {
            file_row(&mut body, file, &[unit, why]);
        }
        body.push_str("</table>");
    }
    page_end(&mut body);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    /// A province's overview is tens of megabytes: made in one buffer of about its size,
    /// not one grown by doubling (up to twice the page), with the lists in it whole.
    #[test]
    fn the_overview_is_made_in_one_buffer_of_about_its_size() {
        use crate::normalize::{Submission, Values};
        let mut units = String::from("unit_id,name,type,aliases\n");
        for i in 0..3000 {
            // Long names, and some with text to escape.
            let name = if i % 7 == 0 {
                format!("湘潭县第{i}号街道办事处&社区<服务>中心")
            } else {
                format!("第{i}号镇")
            };
            units.push_str(&format!("u{i},{name},乡镇,\n"));
        }
        let roster = crate::roster::Roster::parse(&units).unwrap();
        // Two units of three sent a report; of the rest, a hundred sent last year's (left out
        // of the totals), the others are listed as not having sent one.
        let submissions: Vec<Submission> = (0..3000)
            .filter(|i| i % 3 != 0 || *i < 300)
            .map(|i| {
                let (file, year) = match i % 3 {
                    0 => (format!("乡镇/u{i}-去年.xlsx"), 2023),
                    _ => (format!("乡镇/u{i}.xlsx"), 2024),
                };
                Submission::of_values(&file, Some(i), "", year, Values::all(1.0))
            })
            .collect();
        let rollup = crate::rollup::roll_up(&submissions, &roster, Some(2024));
        let pages = crate::report::Pages::new(&submissions, &rollup, &[], &roster, None);
        let unreadable: Vec<crate::check::UnreadableFile> = (0..500)
            .map(|i| crate::check::UnreadableFile {
                source_file: format!("其他/坏文件{i}.xlsx"),
                reason: "不是有效的 xlsx 文件（zip 结构损坏）".into(),
            })
            .collect();
        let county = pages.county(&unreadable, &Default::default());
        let html = index_html(&county, &Comparison::NotCompared("没有上次的输出".into()));
        assert_eq!(html.matches("<tr data-status").count(), 3000);
        assert_eq!(html.matches("坏文件").count(), 500);
        assert_eq!(html.matches("-去年.xlsx").count(), 100);
        assert!(html.contains("湘潭县第0号街道办事处&amp;社区&lt;服务&gt;中心"));
        // The lists' room is reserved with 16 KB to spare; grown by doubling, the buffer
        // would have hundreds of kilobytes unused.
        assert!(
            html.capacity() - html.len() <= 16 * 1024,
            "{} bytes in a buffer of {}",
            html.len(),
            html.capacity()
        );
    }

    #[test]
    fn a_unit_rows_length_is_known_before_it_is_made() {
        use crate::check::StatusCounts;
        use crate::rollup::LeftOut;
        let names = [
            "第1号镇",
            "",
            "A&B <镇> \"甲\" '乙'",
            "湘潭县易俗河镇人民政府",
        ];
        // The last id's page name replaces its `/` and `·` (three bytes) by `_`: a bound there.
        let ids = ["u1", "dept-00_7", "单位一", "科室/一·二"];
        let counts = [0, 9, 10, 12_345];
        for (k, name) in names.iter().enumerate() {
            for (j, id) in ids.iter().enumerate() {
                for (i, &n) in counts.iter().enumerate() {
                    let u = CountyUnit {
                        id,
                        name,
                        unit_type: if i % 2 == 0 {
                            "乡镇"
                        } else {
                            "县直<部门>"
                        },
                        errors: n,
                        warnings: counts[(i + j) % 4],
                        review: StatusCounts {
                            open: counts[(i + k) % 4],
                            confirmed: n,
                            false_alarms: counts[(j + k) % 4],
                            explained: 1,
                            open_errors: n,
                            open_warnings: 0,
                        },
                        status: ["计入", "年度不符", "未报送"][(i + j + k) % 3],
                        left_out: (i == 1).then_some(LeftOut::OtherYear),
                        has_page: (i + k) % 3 != 0,
                        received: None,
                    };
                    let mut row = String::new();
                    unit_row(&mut row, &u);
                    if crate::roster::page_stem(id) == *id || !u.has_page {
                        assert_eq!(unit_row_len(&u), row.len(), "{row}");
                    } else {
                        assert!(unit_row_len(&u) >= row.len(), "{row}");
                    }
                }
            }
        }
    }

    fn bars(n: usize) -> Vec<Bar> {
        (0..n)
            .map(|i| (format!("单位{i}"), (n - i) as f64, None))
            .collect()
    }

    #[test]
    fn a_chart_keeps_one_more_unit_rather_than_a_rest_of_one() {
        let (top, rest) = top_and_rest(bars(CHART_TOP + 1), |b| b.1);
        assert_eq!(top.len(), CHART_TOP + 1);
        assert!(rest.is_none());
    }

    #[test]
    fn the_rest_of_a_long_chart_is_one_grey_bar_of_its_sum_cut_when_longer() {
        let (top, rest) = top_and_rest(bars(500), |b| b.1);
        assert_eq!(top.len(), CHART_TOP);
        let rest = rest.expect("a rest");
        assert_eq!(rest.units, 500 - CHART_TOP);
        // 1 + 2 + … + 485
        assert_eq!(rest.sum, 485.0 * 486.0 / 2.0);
        let svg = bar_chart(&top, Some(rest), 620);
        assert_eq!(svg.matches("<rect").count(), CHART_TOP + 1);
        assert!(svg.contains("其余 485 个单位（合计）"));
        assert!(svg.contains(">117855</text>"));
        assert!(svg.contains("<path"), "longer than the scale: a break mark");
        // A rest shorter than the biggest bar is drawn to scale, without the mark.
        let small = Rest { units: 3, sum: 2.0 };
        assert!(!bar_chart(&top, Some(small), 620).contains("<path"));
    }

    #[test]
    fn the_tables_lay_out_every_field_once() {
        let shown: Vec<String> = (0..FIELD_COUNT).map(|f| format!("v{f}")).collect();
        let marks = vec![Vec::new(); FIELD_COUNT];
        let mut html = String::new();
        tables(&mut html, &shown, &marks, &[false; FIELD_COUNT], &[]);
        for f in 0..FIELD_COUNT {
            assert_eq!(html.matches(&format!(">v{f}<")).count(), 1, "field {f}");
        }
        assert_eq!(html.matches("<table").count(), 3);
    }
}
