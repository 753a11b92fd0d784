//! The county's roster, `config/units.csv`: which units must report, and the names by which
//! submissions name them.

use std::collections::hash_map::Entry;
use std::path::Path;

use crate::read::{csv_with_header, decode_text, LineCounter};
use crate::text::fold;

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// Free text (乡镇, 县直部门, …); rollups group by it.
    pub unit_type: String,
    pub aliases: Vec<String>,
    /// The `unit_id` of the unit above it (a county above its townships, a city above its
    /// counties), from the roster's optional `parent` column.
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub units: Vec<Unit>,
    /// Every folded name (id, name, alias) → its unit, for matching in constant time.
    names: foldhash::HashMap<String, UnitIdx>,
    /// The longest name in characters: no longer piece of a text can be a name.
    longest: usize,
    /// The first two characters of every folded name: [`Roster::within`] looks a piece of
    /// text up only where one of them starts.
    name_starts: foldhash::HashSet<[char; 2]>,
    /// Each unit's parent, resolved.
    parent_of: Vec<Option<UnitIdx>>,
    /// Whether a unit is some other unit's parent: a level of the rollup.
    is_parent: Vec<bool>,
}

pub type UnitIdx = usize;

impl Roster {
    /// Loads `units.csv` from the config folder; UTF-8 or GBK as Excel saves it.
    pub fn load(config_dir: &Path) -> Result<Roster, String> {
        let path = config_dir.join("units.csv");
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "无法读取单位名单 {}（{}）：请在 --config 指定的文件夹中放置 units.csv",
                path.display(),
                crate::discover::os_reason(&e)
            )
        })?;
        let text = decode_text(&bytes).text;
        Roster::parse(&text).map_err(|e| format!("单位名单 {}：{e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Roster, String> {
        let (mut reader, headers) = csv_with_header(text)?;
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(id_col), Some(name_col)) = (col("unit_id"), col("name")) else {
            return Err("第一行应为列名 unit_id,name,type,aliases（可加 parent）".into());
        };
        let (type_col, alias_col, parent_col) = (col("type"), col("aliases"), col("parent"));
        // Sized once by its lines, not by doubling: a province's roster has 100,000.
        let mut units = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count());
        let mut record = csv::StringRecord::new();
        // Lines as the clerk's editor numbers them, CRLF (as Excel saves) or not.
        let mut lines = LineCounter::new(text.as_bytes());
        while reader.read_record(&mut record).map_err(|e| e.to_string())? {
            let line = lines.line_of(record.position());
            let field = |c: Option<usize>| {
                c.and_then(|c| record.get(c))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            let (id, name) = (field(Some(id_col)), field(Some(name_col)));
            if id.is_empty() && name.is_empty() {
                continue;
            }
            if id.is_empty() || name.is_empty() {
                return Err(format!("第 {line} 行：每个单位都要有 unit_id 和 name"));
            }
            let aliases = field(alias_col)
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect();
            let parent = Some(field(parent_col)).filter(|p| !p.is_empty());
            units.push(Unit {
                id,
                name,
                unit_type: field(type_col),
                aliases,
                parent,
            });
        }
        Roster::new(units)
    }

    pub fn new(units: Vec<Unit>) -> Result<Roster, String> {
        let mut pages = foldhash::HashMap::<String, &str>::with_capacity_and_hasher(
            units.len(),
            Default::default(),
        );
        for unit in &units {
            let page = page_stem(&unit.id);
            if page == "index" {
                return Err(format!("unit_id“{}”留给全县总览页使用，请换一个", unit.id));
            }
            if let Some(other) = pages.insert(page, &unit.id) {
                return Err(format!(
                    "unit_id“{other}”和“{}”会共用同一个报告页面文件名，请改其中一个",
                    unit.id
                ));
            }
        }
        let mut names = foldhash::HashMap::<String, UnitIdx>::with_capacity_and_hasher(
            units.iter().map(|u| 2 + u.aliases.len()).sum(),
            Default::default(),
        );
        let (mut longest, mut name_starts) = (0, foldhash::HashSet::default());
        for (i, unit) in units.iter().enumerate() {
            let own = [&unit.id, &unit.name].into_iter().chain(&unit.aliases);
            for name in own {
                let folded = fold(name);
                longest = longest.max(folded.chars().count());
                name_starts.extend(first_two(&folded));
                match names.entry(folded) {
                    Entry::Occupied(e) if *e.get() != i => {
                        return Err(format!(
                            "名称“{name}”同时属于 {} 和 {}，请删去其中一个",
                            units[*e.get()].id,
                            unit.id
                        ))
                    }
                    Entry::Occupied(_) => {}
                    Entry::Vacant(e) => {
                        e.insert(i);
                    }
                }
            }
        }
        let by_id: foldhash::HashMap<&str, UnitIdx> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), i))
            .collect();
        let mut parent_of = Vec::with_capacity(units.len());
        for unit in &units {
            parent_of.push(match &unit.parent {
                None => None,
                Some(parent) => Some(by_id.get(parent.as_str()).copied().ok_or_else(
                    || format!("单位 {} 的上级单位“{parent}”不在名单中（parent 一列应填上级单位的 unit_id）", unit.id),
                )?),
            });
        }
        for start in 0..units.len() {
            let (mut at, mut steps) = (start, 0);
            while let Some(up) = parent_of[at] {
                steps += 1;
                if up == start || steps > units.len() {
                    return Err(format!(
                        "名单中单位 {} 的上级关系成环（parent 一列）",
                        units[start].id
                    ));
                }
                at = up;
            }
        }
        let mut is_parent = vec![false; units.len()];
        for p in parent_of.iter().flatten() {
            is_parent[*p] = true;
        }
        Ok(Roster {
            units,
            names,
            longest,
            name_starts,
            parent_of,
            is_parent,
        })
    }

    /// Whether the unit is another's parent: its totals are its units' sum, and a report
    /// it sends of its own is compared with that sum, never added to it.
    pub fn is_parent(&self, u: UnitIdx) -> bool {
        self.is_parent[u]
    }

    /// The units above `u`, nearest first.
    pub fn ancestors(&self, u: UnitIdx) -> impl Iterator<Item = UnitIdx> + '_ {
        std::iter::successors(self.parent_of[u], |&p| self.parent_of[p])
    }

    /// The units that are parents, in roster order: the levels of the rollup.
    pub fn parents(&self) -> impl Iterator<Item = UnitIdx> + '_ {
        (0..self.units.len()).filter(|&u| self.is_parent[u])
    }

    /// The unit this text names exactly (id, name or alias), ignoring spaces and widths.
    pub fn exact(&self, text: &str) -> Option<UnitIdx> {
        self.names.get(&fold(text)).copied()
    }

    /// The unit whose longest name appears inside the text (a title, a file name, a
    /// 填报单位 with extra words). None when two different units fit equally well.
    /// Looks up each piece of the text, so a roster of 100,000 costs what one of ten does.
    pub fn within(&self, text: &str) -> Option<UnitIdx> {
        let key = fold(text);
        let starts: Vec<usize> = key
            .char_indices()
            .map(|(i, _)| i)
            .chain([key.len()])
            .collect();
        let mut best: Option<(usize, UnitIdx)> = None;
        let mut tied = false;
        for (a, &from) in starts.iter().enumerate() {
            if first_two(&key[from..]).is_none_or(|two| !self.name_starts.contains(&two)) {
                continue;
            }
            // A short id like "gt" must not match inside any word of a title: two or more.
            for (len, &to) in starts
                .iter()
                .enumerate()
                .skip(a + 2)
                .map(|(b, to)| (b - a, to))
            {
                if len > self.longest {
                    break;
                }
                let Some(&unit) = self.names.get(&key[from..to]) else {
                    continue;
                };
                match best {
                    Some((l, u)) if len < l || (len == l && u == unit) => {}
                    Some((l, _)) if len == l => tied = true,
                    _ => {
                        best = Some((len, unit));
                        tied = false;
                    }
                }
            }
        }
        if tied {
            None
        } else {
            best.map(|(_, u)| u)
        }
    }

    /// The one unit a name that matched none nearly names (did you mean): a name or alias
    /// one character off (茶恩市镇 for 茶恩寺镇), or, failing that, one the text abbreviates
    /// keeping its first and last characters, as 县人社局 does 县人力资源和社会保障局. None
    /// when no unit, or more than one, fits.
    pub fn nearest(&self, text: &str) -> Option<UnitIdx> {
        let key: Vec<char> = fold(text).chars().collect();
        if key.len() < 3 {
            return None;
        }
        let matching = |fits: &dyn Fn(&[char]) -> bool| -> Option<UnitIdx> {
            let mut found: Option<UnitIdx> = None;
            for (name, &unit) in &self.names {
                let name: Vec<char> = name.chars().collect();
                if name.len() < 3 || !fits(&name) {
                    continue;
                }
                match found {
                    Some(u) if u != unit => return None,
                    _ => found = Some(unit),
                }
            }
            found
        };
        matching(&|name| one_edit_apart(&key, name))
            .or_else(|| matching(&|name| abbreviates(&key, name)))
    }

    pub fn types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = Vec::new();
        for unit in &self.units {
            if !types.contains(&unit.unit_type.as_str()) {
                types.push(&unit.unit_type);
            }
        }
        types
    }
}

/// Whether one character changed, added or removed turns `a` into `b` (and `a` ≠ `b`).
/// A text's first two characters, if it has two.
fn first_two(text: &str) -> Option<[char; 2]> {
    let mut chars = text.chars();
    Some([chars.next()?, chars.next()?])
}

fn one_edit_apart(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 || a == b {
        return false;
    }
    let head = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[head + 1..] == long[head + 1..]
    } else {
        short[head..] == long[head + 1..]
    }
}

/// Whether `short` is `long` with characters left out, its first and last kept: 县人社局 of
/// 县人力资源和社会保障局.
fn abbreviates(short: &[char], long: &[char]) -> bool {
    if short.len() >= long.len() || short.first() != long.first() || short.last() != long.last() {
        return false;
    }
    let mut rest = long.iter();
    short.iter().all(|c| rest.any(|l| l == c))
}

/// The name of a unit's page without `.html`: its id, with anything a path could misread
/// replaced by `_`.
pub fn page_stem(unit_id: &str) -> String {
    unit_id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Roster {
        Roster::parse(
            "unit_id,name,type,aliases\n\
             yisuhe,易俗河镇,乡镇,易俗河镇人民政府|易俗河\n\
             hekou,河口镇,乡镇,\n\
             jiaoyu,县教育局,县直部门,湘潭县教育局\n",
        )
        .unwrap()
    }

    #[test]
    fn a_near_miss_suggests_the_one_unit_it_nearly_names() {
        let r = Roster::parse(
            "unit_id,name,type,aliases\n\
             chaensi,茶恩寺镇,乡镇,\n\
             rensheju,县人力资源和社会保障局,县直部门,\n\
             hekou,河口镇,乡镇,\n\
             hekouxiang,河口乡,乡镇,\n",
        )
        .unwrap();
        assert_eq!(r.nearest("茶恩市镇"), Some(0), "one character changed");
        assert_eq!(r.nearest("茶恩寺寺镇"), Some(0), "one character added");
        assert_eq!(r.nearest("县人社局"), Some(1), "an abbreviation");
        assert_eq!(
            r.nearest("河口村"),
            None,
            "河口镇 and 河口乡 are both one off"
        );
        assert_eq!(r.nearest("花石镇"), None);
        assert_eq!(r.nearest("县局"), None, "too short to say");
    }

    #[test]
    fn names_match_exactly_or_within_text() {
        let r = roster();
        assert_eq!(r.exact(" 易俗河镇人民政府 "), Some(0));
        assert_eq!(r.exact("yisuhe"), Some(0));
        assert_eq!(r.exact("易俗河镇党政办"), None);
        assert_eq!(
            r.within("湘潭县易俗河镇2024年政府信息公开工作年度报告"),
            Some(0)
        );
        assert_eq!(r.within("湘潭县教育局2024年报"), Some(2));
        assert_eq!(r.within("某某乡年报"), None);
    }

    #[test]
    fn a_name_given_to_two_units_is_refused() {
        let err = Roster::parse("unit_id,name,type,aliases\na,甲镇,乡镇,乙\nb,乙镇,乡镇,乙\n")
            .unwrap_err();
        assert!(err.contains("乙"), "{err}");
    }

    #[test]
    fn ids_that_would_share_a_page_are_refused() {
        let err =
            Roster::parse("unit_id,name,type,aliases\nx.y,甲,乡镇,\nx_y,乙,乡镇,\n").unwrap_err();
        assert!(err.contains("共用"), "{err}");
        assert!(Roster::parse("unit_id,name,type,aliases\nindex,甲,乡镇,\n").is_err());
    }

    /// The line named is the line in the file, whether its lines end in CRLF (as Excel
    /// saves a CSV) or LF, blank lines counted.
    #[test]
    fn a_row_without_a_name_is_named_by_its_line() {
        for end in ["\n", "\r\n"] {
            let roster = ["unit_id,name", "a,甲镇", "", "b,乙镇", "c,"].join(end) + end;
            let err = Roster::parse(&roster).unwrap_err();
            assert!(err.starts_with("第 5 行"), "{end:?}: {err}");
        }
    }

    #[test]
    fn a_header_without_unit_id_is_refused() {
        assert!(Roster::parse("id,name\n1,甲\n").is_err());
    }
}
