//! `reports/`: a self-contained page per unit and the county overview. Inline CSS and SVG,
//! no script, no network; every text from a submission is escaped.

use std::fmt::Write;
use std::sync::LazyLock;

use crate::changes::{Comparison, Kind};
use crate::check::{Anomaly, Severity, Status, StatusCounts};
use crate::layout::{layout, Style, TCell, TSheet, UnitLine};
use crate::report::{CountyPage, UnitPage};
use crate::schema::{FieldIdx, ACTIVE_TABLE, APPLY_TABLE, FIELD_COUNT, LITIGATION_TABLE};
use crate::text::format_number;

/// The file of a unit's page (the roster makes it unique and never `index`).
pub fn page_file(unit_id: &str) -> String {
    format!("{}.html", crate::roster::page_stem(unit_id))
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>\n{body}\n</main></body></html>\n",
        escape(title)
    )
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
    Label(String),
    Field(FieldIdx),
}

/// One of the three tables: its title, and its rows of (cell, rowspan, colspan).
struct Skeleton {
    title: &'static str,
    rows: Vec<Vec<(Drawn, u32, u32)>>,
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
                    let (rowspan, colspan) = sheet
                        .merges
                        .iter()
                        .find(|m| (m.0, m.1) == (r, c))
                        .map_or((1, 1), |&(r1, c1, r2, c2)| {
                            (r2.min(bottom) - r1 + 1, c2 - c1 + 1)
                        });
                    let field = sheet.fields.iter().find(|(_, fr, fc)| (*fr, *fc) == (r, c));
                    let drawn = match (field, sheet.cells.get(&(r, c))) {
                        (Some(&(f, _, _)), _) => Drawn::Field(f),
                        (None, Some(TCell::Text(t))) => Drawn::Label(t.clone()),
                        (None, _) => Drawn::Label(String::new()),
                    };
                    Some((drawn, rowspan, colspan))
                })
                .collect()
        })
        .collect();
    Skeleton { title, rows }
}

/// The three tables of a report in the official layout, each value cell showing `shown`
/// and marked where an anomaly concerns it.
fn tables(
    shown: &[String],
    marks: &[Vec<usize>],
    involved: &[bool],
    severities: &[Option<Severity>],
) -> String {
    let mut html = String::with_capacity(24 * 1024);
    for table in SKELETONS.iter() {
        let _ = write!(
            html,
            "<h3>{}</h3><table class=\"grid\">",
            escape(table.title)
        );
        for row in &table.rows {
            html.push_str("<tr>");
            for (drawn, rowspan, colspan) in row {
                let span = if (*rowspan, *colspan) == (1, 1) {
                    String::new()
                } else {
                    format!(" rowspan=\"{rowspan}\" colspan=\"{colspan}\"")
                };
                match drawn {
                    Drawn::Field(f) => {
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
                        let _ = write!(html, "<td class=\"{class}\"{span}>{}", escape(&shown[f]));
                        for n in &marks[f] {
                            let _ = write!(html, "<sup><a href=\"#a{n}\">{n}</a></sup>");
                        }
                        html.push_str("</td>");
                    }
                    Drawn::Label(text) => {
                        let _ = write!(
                            html,
                            "<th{span}>{}</th>",
                            escape(text).replace('\n', "<br>")
                        );
                    }
                }
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
    html
}

/// The review status of an anomaly, with the note, as the lists show it.
fn review_cell(a: &Anomaly) -> String {
    let status = a.review.status;
    let class = match status {
        Status::Pending => "rv",
        Status::Confirmed => "rv confirmed",
        Status::FalseAlarm | Status::Explained => "rv dismissed",
    };
    let mut html = format!("<span class=\"{class}\">{}</span>", status.zh());
    if !a.review.note.is_empty() {
        let _ = write!(html, " {}", escape(&a.review.note));
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
    let mut body = String::new();
    let title_year = p.year.map_or(String::new(), |y| format!("{y}年"));
    let year = p
        .year
        .map_or("年度未知".to_string(), |y| format!("{y} 年度"));
    let _ = write!(
        body,
        "<p class=\"sub\"><a href=\"index.html\">← 全县汇总</a></p><h1>{}</h1>\
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
            .filter(|a| a.severity == s && a.is_open())
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
    body.push_str(&tables(&p.shown, &p.marks, &p.involved, &severities));
    body.push_str("<h2>问题清单</h2>");
    body.push_str(&anomaly_table(&p.anomalies, true));
    page(&format!("{} {title_year}政府信息公开年报", p.name), &body)
}

/// Horizontal bars, one per item, scaled to the largest value.
fn bar_chart(items: &[(String, f64, Option<String>)], width: u32) -> String {
    // Room for the longest label, at about 13 px a Chinese character.
    let longest = items.iter().map(|i| i.0.chars().count()).max().unwrap_or(0) as u32;
    let label_w = (longest * 13 + 12).clamp(80, width / 2);
    let bar_w = width.saturating_sub(label_w + 50).max(40) as f64;
    let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(1.0);
    let h = 22 * items.len() as u32 + 6;
    let mut svg = format!("<svg width=\"{width}\" height=\"{h}\" role=\"img\">");
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
    svg.push_str("</svg>");
    svg
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
    struct UnitChanges<'c> {
        unit: (&'c str, &'c str),
        report: Vec<&'static str>,
        values: usize,
        fixed: usize,
        new: usize,
    }
    let mut units: Vec<UnitChanges> = Vec::new();
    for c in changes {
        let unit = (c.unit_id.as_str(), c.unit_name.as_str());
        if units.last().is_none_or(|u| u.unit != unit) {
            units.push(UnitChanges {
                unit,
                report: Vec::new(),
                values: 0,
                fixed: 0,
                new: 0,
            });
        }
        let u = units.last_mut().expect("pushed");
        match c.kind {
            Kind::ChangedValue => u.values += 1,
            Kind::FixedProblem => u.fixed += 1,
            Kind::NewProblem => u.new += 1,
            k => u.report.push(k.zh()),
        }
    }
    html.push_str(
        "<table class=\"list\"><tr><th>单位</th><th>报告</th><th>数值变化</th><th>问题已解决</th><th>新问题</th></tr>",
    );
    for u in &units {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(u.unit.1),
            u.report.join("、"),
            u.values,
            u.fixed,
            u.new
        );
    }
    html.push_str("</table>");
    html
}

pub fn index_html(c: &CountyPage) -> String {
    let year = c.year.map_or(String::new(), |y| format!("{y} 年度"));
    let mut body = format!(
        "<h1>{year}政府信息公开工作年度报告 · 全县汇总</h1>\
         <p class=\"sub\">名单内 {} 个单位，{} 个计入汇总</p>",
        c.roster_units, c.counted
    );
    let _ = write!(
        body,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b><span>计入汇总的单位</span></div>\
         <div class=\"card err\"><b>{}</b><span>错误</span></div>\
         <div class=\"card warn\"><b>{}</b><span>警告</span></div>",
        c.counted, c.errors, c.warnings
    );
    for (label, v) in c
        .key
        .iter()
        .filter(|(l, _)| ["本年新收申请", "行政复议", "行政诉讼", "行政处罚"].contains(l))
    {
        let _ = write!(
            body,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
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
         <div class=\"card\"><b>{}</b><span>已解决</span></div></div>\
         <p class=\"sub\">按 config/review.csv（或 review.xlsx）中的审核决定统计全部错误和警告；\
         误报和已说明的问题仍列出，但不计入上面的错误、警告数。已解决：审核过的问题本次不再出现。</p>",
        r.open,
        r.confirmed,
        r.false_alarms,
        r.explained,
        c.resolved.len()
    );
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
    body.push_str(&changes_section(&c.changes));

    if !c.totals_anomalies.is_empty() {
        body.push_str(
            "<h2>合计的问题</h2><p class=\"sub\">合计数不符时，原因在于下列单位自身的表。</p>",
        );
        let rows: Vec<&Anomaly> = c.totals_anomalies.iter().collect();
        body.push_str(&anomaly_table(&rows, false));
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

    let mut received: Vec<(String, f64, Option<String>)> = c
        .units
        .iter()
        .filter_map(|u| {
            u.received
                .map(|r| (u.name.clone(), r, Some(page_file(&u.id))))
        })
        .collect();
    received.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    body.push_str("<h2>各单位本年新收申请</h2>");
    body.push_str(&bar_chart(&received, 620));

    body.push_str("<div class=\"charts\"><div><h2>办理结果构成</h2>");
    let outcomes: Vec<(String, f64, Option<String>)> = c
        .outcomes
        .iter()
        .map(|(l, v)| ((*l).to_string(), *v, None))
        .collect();
    body.push_str(&bar_chart(&outcomes, 420));
    body.push_str("</div><div><h2>行政复议、行政诉讼结果</h2>");
    for (group, results) in &c.litigation {
        let _ = write!(body, "<h3>{}</h3>", escape(&group.replace('/', " · ")));
        let items: Vec<(String, f64, Option<String>)> = results
            .iter()
            .map(|(l, v)| ((*l).to_string(), *v, None))
            .collect();
        body.push_str(&bar_chart(&items, 420));
    }
    body.push_str("</div></div>");

    body.push_str(
        "<h2>各单位问题</h2><p class=\"sub\">错误、警告：未审核为误报或已说明的；待处理至已说明：该单位全部错误和警告的审核情况。</p>\
         <table class=\"list\"><tr><th>单位</th><th>类型</th><th>错误</th>\
         <th>警告</th><th>待处理</th><th>已核实</th><th>误报</th><th>已说明</th><th>汇总</th></tr>",
    );
    for u in &c.units {
        let name = if u.has_page {
            format!(
                "<a href=\"{}\">{}</a>",
                escape(&page_file(&u.id)),
                escape(&u.name)
            )
        } else {
            escape(&u.name)
        };
        let _ = write!(
            body,
            "<tr><td>{name}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&u.unit_type),
            u.errors,
            u.warnings,
            u.review.open,
            u.review.confirmed,
            u.review.false_alarms,
            u.review.explained,
            escape(&u.status)
        );
    }
    let _ = write!(
        body,
        "<tr><th>合计（含合计数的问题和名单外的单位）</th><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
         <th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th></th></tr>",
        c.errors, c.warnings, r.open, r.confirmed, r.false_alarms, r.explained
    );
    body.push_str("</table>");

    let missing: Vec<&str> = c
        .units
        .iter()
        .filter(|u| !u.has_page)
        .map(|u| u.name.as_str())
        .collect();
    body.push_str("<h2>未报送的单位</h2>");
    if missing.is_empty() {
        body.push_str("<p>名单内的单位都已报送。</p>");
    } else {
        let _ = write!(body, "<p>{}</p>", escape(&missing.join("、")));
    }
    if !c.unreadable.is_empty() {
        body.push_str(
            "<h3>无法读取的文件</h3><table class=\"list\"><tr><th>文件</th><th>原因</th></tr>",
        );
        for (file, why) in &c.unreadable {
            let _ = write!(
                body,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                escape(file),
                escape(why)
            );
        }
        body.push_str("</table>");
    }
    if !c.left_out.is_empty() {
        body.push_str("<h2>未计入汇总的报告</h2><table class=\"list\"><tr><th>文件</th><th>单位</th><th>原因</th></tr>");
        for (file, unit, why) in &c.left_out {
            let _ = write!(
                body,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(file),
                escape(unit),
                escape(why)
            );
        }
        body.push_str("</table>");
    }
    page(&format!("{year}政府信息公开年报 全县汇总"), &body)
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

    #[test]
    fn the_tables_lay_out_every_field_once() {
        let shown: Vec<String> = (0..FIELD_COUNT).map(|f| format!("v{f}")).collect();
        let marks = vec![Vec::new(); FIELD_COUNT];
        let html = tables(&shown, &marks, &[false; FIELD_COUNT], &[]);
        for f in 0..FIELD_COUNT {
            assert_eq!(html.matches(&format!(">v{f}<")).count(), 1, "field {f}");
        }
        assert_eq!(html.matches("<table").count(), 3);
    }
}
