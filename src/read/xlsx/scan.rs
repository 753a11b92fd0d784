//! A part's XML read tag by tag, straight from its bytes: what a sheet's cells, its shared
//! strings and its styles need, and no more. Names are taken without their prefix (`c` of
//! `x:c`); comments, processing instructions, CDATA outside text and a document type are
//! passed over, and any other `<!` is refused. Nothing else is validated that the readers
//! do not use: a tag is read up to its `>` outside quotes, an attribute as `name="value"`
//! or `name='value'`.
//!
//! quick-xml, which reads the workbook's smaller parts, made events and checked names for
//! every cell: reading the sheets with it was 12.9% of a 1-thread run's samples on the
//! 2,000-unit demo county, with this scanner 9.4% (and the run's user time 0.97 against
//! 0.87 s).

use memchr::memmem;

/// What a tag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Start,
    End,
    /// `<name … />`: a start and its end.
    Empty,
}

/// A tag: its name without its prefix, and what follows the name up to `>` (or `/>`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tag<'x> {
    pub kind: Kind,
    pub name: &'x [u8],
    attributes: &'x [u8],
}

impl<'x> Tag<'x> {
    /// Whether this starts an element named `name` (an empty one too).
    pub fn starts(&self, name: &[u8]) -> bool {
        self.kind != Kind::End && self.name == name
    }

    /// Whether this ends an element named `name` (an empty one too).
    pub fn ends(&self, name: &[u8]) -> bool {
        self.kind != Kind::Start && self.name == name
    }

    /// Each attribute as its name (as written, with its prefix) and its value (as written).
    pub fn attributes(&self) -> impl Iterator<Item = (&'x [u8], &'x [u8])> {
        let mut rest = self.attributes;
        std::iter::from_fn(move || {
            let name_start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            let after_name = rest[name_start..]
                .iter()
                .position(|&b| b == b'=' || b.is_ascii_whitespace())?
                + name_start;
            let name = &rest[name_start..after_name];
            let quote_at = rest[after_name..]
                .iter()
                .position(|&b| b == b'"' || b == b'\'')?
                + after_name;
            let quote = rest[quote_at];
            let value_end = memchr::memchr(quote, &rest[quote_at + 1..])? + quote_at + 1;
            let value = &rest[quote_at + 1..value_end];
            rest = &rest[value_end + 1..];
            Some((name, value))
        })
    }

    /// The value of the attribute named `name` (as written), as written.
    pub fn attribute(&self, name: &[u8]) -> Option<&'x [u8]> {
        self.attributes()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value)
    }
}

/// XML the scanner cannot read.
#[derive(Debug)]
pub(super) enum BadXml {
    /// It ended inside a tag, a comment or an element: the part is cut short.
    EndsEarly,
    /// A `<!` that opens neither a comment, CDATA nor the document type: what follows
    /// cannot be told apart from markup passed over (a format hidden in it would shift the
    /// styles' numbers, and a date read as a count).
    UnknownDeclaration,
}

/// A cursor over a part's XML.
pub(super) struct Scan<'x> {
    xml: &'x [u8],
    at: usize,
}

impl<'x> Scan<'x> {
    pub fn new(xml: &'x [u8]) -> Scan<'x> {
        Scan { xml, at: 0 }
    }

    /// The next tag, its text passed over; `None` at the end of the part.
    pub fn next_tag(&mut self) -> Result<Option<Tag<'x>>, BadXml> {
        loop {
            let Some(lt) = memchr::memchr(b'<', &self.xml[self.at..]) else {
                self.at = self.xml.len();
                return Ok(None);
            };
            self.at += lt;
            if let Some(tag) = self.markup()? {
                return Ok(Some(tag));
            }
        }
    }

    /// Appends the text up to the end tag named `name` to `text` (its entities resolved,
    /// CDATA as it is, line ends as `\n`), and goes past that tag. The text of elements
    /// inside is taken too.
    pub fn text_until_end(&mut self, name: &[u8], text: &mut String) -> Result<(), BadXml> {
        loop {
            let lt = memchr::memchr(b'<', &self.xml[self.at..]).ok_or(BadXml::EndsEarly)? + self.at;
            push_text(&self.xml[self.at..lt], text);
            self.at = lt;
            if let Some(cdata) = self.xml[lt..].strip_prefix(b"<![CDATA[") {
                let end = memmem::find(cdata, b"]]>").ok_or(BadXml::EndsEarly)?;
                push_line_ends(&String::from_utf8_lossy(&cdata[..end]), text);
                self.at = lt + b"<![CDATA[".len() + end + 3;
                continue;
            }
            if let Some(tag) = self.markup()? {
                if tag.ends(name) {
                    return Ok(());
                }
            }
        }
    }

    /// Goes past the end of the element `start` began (at once if it was empty).
    pub fn skip_element(&mut self, start: &Tag) -> Result<(), BadXml> {
        if start.kind == Kind::Empty {
            return Ok(());
        }
        let mut depth = 0usize;
        loop {
            let tag = self.next_tag()?.ok_or(BadXml::EndsEarly)?;
            match tag.kind {
                Kind::Start if tag.name == start.name => depth += 1,
                Kind::End if tag.name == start.name => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
    }

    /// The markup at `self.at` (a `<`): a tag, or `None` for a comment, a processing
    /// instruction, CDATA or a declaration, each passed over.
    fn markup(&mut self) -> Result<Option<Tag<'x>>, BadXml> {
        let rest = &self.xml[self.at..];
        for (open, close) in [
            (&b"<!--"[..], &b"-->"[..]),
            (b"<![CDATA[", b"]]>"),
            (b"<?", b"?>"),
            (b"<!DOCTYPE", b">"),
        ] {
            if rest.starts_with(open) {
                let end = memmem::find(&rest[open.len()..], close).ok_or(BadXml::EndsEarly)?;
                self.at += open.len() + end + close.len();
                return Ok(None);
            }
        }
        if rest.starts_with(b"<!") {
            return Err(BadXml::UnknownDeclaration);
        }
        let end = tag_end(rest).ok_or(BadXml::EndsEarly)?;
        self.at += end + 1;
        let mut inner = &rest[1..end];
        let mut kind = Kind::Start;
        if let Some(name) = inner.strip_prefix(b"/") {
            (kind, inner) = (Kind::End, name);
        } else if let Some(tag) = inner.strip_suffix(b"/") {
            (kind, inner) = (Kind::Empty, tag);
        }
        let name_end = inner
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(inner.len());
        let qualified = &inner[..name_end];
        let name = match memchr::memchr(b':', qualified) {
            Some(colon) => &qualified[colon + 1..],
            None => qualified,
        };
        Ok(Some(Tag {
            kind,
            name,
            attributes: &inner[name_end..],
        }))
    }
}

/// Where the tag that starts `markup` (at its `<`) ends: its `>` outside quoted values.
fn tag_end(markup: &[u8]) -> Option<usize> {
    let mut at = 1;
    loop {
        at += memchr::memchr3(b'>', b'"', b'\'', &markup[at..])?;
        match markup[at] {
            b'>' => return Some(at),
            quote => at += 1 + memchr::memchr(quote, &markup[at + 1..])? + 1,
        }
    }
}

/// Appends text as XML writes it to `text`: `&amp;`, `&#20013;` and `&#x4E2D;` resolved (a
/// reference XML does not define is kept as written), line ends made `\n`, bytes that are
/// not UTF-8 as U+FFFD.
pub(super) fn push_text(raw: &[u8], text: &mut String) {
    let mut rest = raw;
    while let Some(amp) = memchr::memchr(b'&', rest) {
        push_line_ends(&String::from_utf8_lossy(&rest[..amp]), text);
        rest = &rest[amp..];
        let reference = memchr::memchr(b';', &rest[..rest.len().min(12)])
            .and_then(|semi| Some((semi, resolve(&rest[1..semi])?)));
        match reference {
            Some((semi, c)) => {
                text.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                text.push('&');
                rest = &rest[1..];
            }
        }
    }
    push_line_ends(&String::from_utf8_lossy(rest), text);
}

/// The character a reference names (what is between `&` and `;`).
fn resolve(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    match name.strip_prefix('#') {
        Some(digits) => crate::read::numeric_reference(digits),
        None => quick_xml::escape::resolve_xml_entity(name)?.chars().next(),
    }
}

/// `\r\n` and a lone `\r` as `\n`, as an XML reader gives line ends.
fn push_line_ends(part: &str, text: &mut String) {
    if !part.contains('\r') {
        text.push_str(part);
        return;
    }
    let mut lines = part.split('\r');
    text.push_str(lines.next().unwrap_or_default());
    for line in lines {
        text.push('\n');
        text.push_str(line.strip_prefix('\n').unwrap_or(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tag as its kind, name and attributes.
    type Found = (Kind, String, Vec<(String, String)>);

    fn tags(xml: &str) -> Vec<Found> {
        let mut scan = Scan::new(xml.as_bytes());
        let mut all = Vec::new();
        while let Some(tag) = scan.next_tag().unwrap() {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            all.push((
                tag.kind,
                text(tag.name),
                tag.attributes().map(|(n, v)| (text(n), text(v))).collect(),
            ));
        }
        all
    }

    #[test]
    fn tags_with_prefixes_quotes_and_comments() {
        let found = tags(
            "<?xml version=\"1.0\"?><!-- <c r=\"Z9\"> --><x:row r = '3' spans=\"1:2\">\
             <c r=\"A3\" t=\"s\" note=\"a>b\"/><![CDATA[<c>]]></x:row>",
        );
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            found,
            [
                (
                    Kind::Start,
                    "row".into(),
                    pairs(&[("r", "3"), ("spans", "1:2")])
                ),
                (
                    Kind::Empty,
                    "c".into(),
                    pairs(&[("r", "A3"), ("t", "s"), ("note", "a>b")])
                ),
                (Kind::End, "row".into(), vec![]),
            ]
        );
    }

    #[test]
    fn text_with_references_cdata_and_line_ends() {
        let mut scan = Scan::new(
            "<v>a&lt;b&amp;&#20013;&#x6587; &nbsp; &#xD800; &<![CDATA[<i>\r\n]]>x\ry</v><w/>"
                .as_bytes(),
        );
        let start = scan.next_tag().unwrap().unwrap();
        let mut text = String::new();
        scan.text_until_end(start.name, &mut text).unwrap();
        assert_eq!(text, "a<b&中文 &nbsp; &#xD800; &<i>\nx\ny");
        assert!(scan.next_tag().unwrap().unwrap().starts(b"w"));
    }

    #[test]
    fn parts_cut_short_say_so() {
        for xml in ["<v>1", "<c r=\"A1", "<!-- x", "<v><![CDATA[x</v>"] {
            let mut scan = Scan::new(xml.as_bytes());
            let cut = match scan.next_tag() {
                Err(BadXml::EndsEarly) => true,
                Err(BadXml::UnknownDeclaration) => false,
                Ok(start) => {
                    let start = start.unwrap();
                    matches!(
                        scan.text_until_end(start.name, &mut String::new()),
                        Err(BadXml::EndsEarly)
                    )
                }
            };
            assert!(cut, "{xml}");
        }
    }

    /// A declaration other than the document type is not passed over: what it hides (a
    /// style's `<xf>`) would shift what follows.
    #[test]
    fn a_declaration_no_part_has_is_refused() {
        let mut scan = Scan::new(b"<!DOCTYPE x><a><!x <xf numFmtId=\"14\"/>");
        assert!(scan.next_tag().unwrap().unwrap().starts(b"a"));
        assert!(matches!(scan.next_tag(), Err(BadXml::UnknownDeclaration)));
        let mut text = String::new();
        let mut scan = Scan::new(b"<t>a<!x b</t>");
        scan.next_tag().unwrap();
        assert!(matches!(
            scan.text_until_end(b"t", &mut text),
            Err(BadXml::UnknownDeclaration)
        ));
    }
}
