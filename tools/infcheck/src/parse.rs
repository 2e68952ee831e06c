//! A small INF parser: enough of SetupAPI's syntax to read a driver INF the way Windows does.
//!
//! What it understands:
//!
//! - `[Section]` headers (names compared case-insensitively; a section that appears twice is
//!   merged, as SetupAPI does, and reported);
//! - lines of the form `key = value, value, ...` or `value, value, ...` (the first unquoted `=`
//!   before any comma makes a key);
//! - `"quoted"` text, in which `;`, `,` and `=` are plain characters and `""` is one quote;
//!   unquoted whitespace around a field is trimmed;
//! - `;` comments outside quotes;
//! - line continuation: a `\` that is the last thing on a line (before whitespace or a comment)
//!   joins the next line;
//! - `%strkey%` substitution from `[Strings]` in keys and values (case-insensitive), `%%` for a
//!   literal percent sign; numeric `%13%` (a DIRID) is kept as written.
//!
//! Nothing here panics on any input: every problem becomes a [`Diagnostic`] naming the line,
//! and the parse goes on.

use std::collections::HashMap;
use std::fmt;

/// A problem the parser found, with the (1-based) line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One logical line of a section (continuations joined), after string substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    number: usize,
    key: Option<String>,
    values: Vec<String>,
}

impl Line {
    /// The 1-based number of the physical line the logical line starts on.
    pub fn number(&self) -> usize {
        self.number
    }

    /// The key (left of `=`), if the line has one.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Whether the key is `name` (case-insensitive, as SetupAPI compares keys).
    pub fn key_is(&self, name: &str) -> bool {
        self.key
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(name))
    }

    /// The comma-separated fields right of `=` (or the whole line without a key).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Field `index` of the values, or `""` if the line is shorter (an omitted field).
    pub fn value(&self, index: usize) -> &str {
        self.values.get(index).map_or("", String::as_str)
    }
}

/// One `[Section]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    name: String,
    line: usize,
    lines: Vec<Line>,
}

impl Section {
    /// The name as first written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The line of its (first) header.
    pub fn line(&self) -> usize {
        self.line
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The lines whose key is `key` (case-insensitive).
    pub fn lines_with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
        self.lines.iter().filter(move |l| l.key_is(key))
    }

    /// The first line whose key is `key`.
    pub fn first(&self, key: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.key_is(key))
    }
}

/// A parsed INF.
#[derive(Clone, Debug, Default)]
pub struct Inf {
    sections: Vec<Section>,
    by_name: HashMap<String, usize>,
    strings: HashMap<String, String>,
    diagnostics: Vec<Diagnostic>,
}

impl Inf {
    /// Parses `text`. Never fails: problems are in [`Inf::diagnostics`].
    pub fn parse(text: &str) -> Inf {
        let mut inf = Inf::default();
        let raw = tokenize(text, &mut inf.diagnostics);
        for (name, line, lines) in raw {
            let key = name.to_ascii_lowercase();
            if let Some(&at) = inf.by_name.get(&key) {
                let first = inf.sections.get(at).map_or(0, |s| s.line);
                inf.diagnostics.push(Diagnostic {
                    line,
                    message: format!(
                        "section [{name}] appears again (first at line {first}); Windows merges \
                         the two, which hides mistakes: write it once"
                    ),
                });
                if let Some(section) = inf.sections.get_mut(at) {
                    section.lines.extend(lines);
                }
            } else {
                inf.by_name.insert(key, inf.sections.len());
                inf.sections.push(Section { name, line, lines });
            }
        }
        inf.collect_strings();
        inf.substitute_all();
        inf
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The section called `name` (case-insensitive).
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.sections.get(i))
    }

    /// The `[Strings]` value of `key` (case-insensitive).
    pub fn string(&self, key: &str) -> Option<&str> {
        self.strings
            .get(&key.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Everything the parser found wrong, in line order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn collect_strings(&mut self) {
        let Some(section) = self.section("Strings") else {
            return;
        };
        let mut strings = HashMap::new();
        let mut diagnostics = Vec::new();
        for line in &section.lines {
            match &line.key {
                Some(key) => {
                    if line.values.len() > 1 {
                        diagnostics.push(Diagnostic {
                            line: line.number,
                            message: format!(
                                "[Strings] value of {key} has an unquoted comma; quote the whole \
                                 string"
                            ),
                        });
                    }
                    strings.insert(key.to_ascii_lowercase(), line.values.join(","));
                }
                None => diagnostics.push(Diagnostic {
                    line: line.number,
                    message: "[Strings] line without `key = value`".to_owned(),
                }),
            }
        }
        self.strings = strings;
        self.diagnostics.extend(diagnostics);
    }

    fn substitute_all(&mut self) {
        let strings = &self.strings;
        let diagnostics = &mut self.diagnostics;
        for section in &mut self.sections {
            if section.name.eq_ignore_ascii_case("Strings") {
                continue;
            }
            for line in &mut section.lines {
                let number = line.number;
                if let Some(key) = &mut line.key {
                    *key = substitute(key, strings, number, diagnostics);
                }
                for value in &mut line.values {
                    *value = substitute(value, strings, number, diagnostics);
                }
            }
        }
        diagnostics.sort_by_key(|d| d.line);
    }
}

/// Replaces `%key%` tokens in `text` from `strings`.
fn substitute(
    text: &str,
    strings: &HashMap<String, String>,
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(len) = after.find('%') else {
            diagnostics.push(Diagnostic {
                line,
                message: format!("unmatched % in {text:?}; write %% for a percent sign"),
            });
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..len];
        rest = &after[len + 1..];
        if name.is_empty() {
            out.push('%');
        } else if name.bytes().all(|b| b.is_ascii_digit()) {
            // A DIRID such as %13%: Windows resolves it at install time.
            out.push('%');
            out.push_str(name);
            out.push('%');
        } else if let Some(value) = strings.get(&name.to_ascii_lowercase()) {
            out.push_str(value);
        } else {
            diagnostics.push(Diagnostic {
                line,
                message: format!("%{name}% is not defined in [Strings]"),
            });
            out.push('%');
            out.push_str(name);
            out.push('%');
        }
    }
    out.push_str(rest);
    out
}

/// A field being read: characters and whether each was inside quotes (so trimming keeps
/// quoted whitespace).
#[derive(Default)]
struct FieldBuf {
    chars: Vec<(char, bool)>,
}

impl FieldBuf {
    fn push(&mut self, c: char, quoted: bool) {
        self.chars.push((c, quoted));
    }

    fn finish(&mut self) -> String {
        let chars = std::mem::take(&mut self.chars);
        let is_blank = |&(c, quoted): &(char, bool)| !quoted && c.is_whitespace();
        let start = chars
            .iter()
            .position(|c| !is_blank(c))
            .unwrap_or(chars.len());
        let end = chars
            .iter()
            .rposition(|c| !is_blank(c))
            .map_or(start, |e| e + 1);
        chars
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|&(c, _)| c)
            .collect()
    }
}

/// A logical line being read.
struct LineBuf {
    number: usize,
    key: Option<String>,
    values: Vec<String>,
    field: FieldBuf,
}

impl LineBuf {
    fn new(number: usize) -> LineBuf {
        LineBuf {
            number,
            key: None,
            values: Vec::new(),
            field: FieldBuf::default(),
        }
    }

    fn finish(mut self) -> Line {
        let last = self.field.finish();
        self.values.push(last);
        // `key =` with nothing after it has no values, as SetupAPI counts them.
        if self.key.is_some() && self.values.len() == 1 && self.values[0].is_empty() {
            self.values.clear();
        }
        Line {
            number: self.number,
            key: self.key,
            values: self.values,
        }
    }
}

type RawSection = (String, usize, Vec<Line>);

/// Splits `text` into sections of logical lines (no substitution yet).
fn tokenize(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<RawSection> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection> = Vec::new();
    let mut current: Option<LineBuf> = None;
    let mut reported_outside = false;

    for (index, physical) in text.split('\n').enumerate() {
        let number = index + 1;
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        let mut line = if let Some(continued) = current.take() {
            continued
        } else {
            let trimmed = physical.trim_start();
            if trimmed.is_empty() || trimmed.starts_with(';') {
                continue;
            }
            if let Some(header) = trimmed.strip_prefix('[') {
                if let Some(name) = section_header(header, number, diagnostics) {
                    sections.push((name, number, Vec::new()));
                }
                continue;
            }
            LineBuf::new(number)
        };

        let continues = scan(physical, &mut line, diagnostics, number);
        if continues {
            current = Some(line);
            continue;
        }
        let done = line.finish();
        match sections.last_mut() {
            Some((_, _, lines)) => lines.push(done),
            None => {
                if !reported_outside {
                    reported_outside = true;
                    diagnostics.push(Diagnostic {
                        line: done.number,
                        message: "text before the first [Section] header".to_owned(),
                    });
                }
            }
        }
    }
    if let Some(line) = current {
        let done = line.finish();
        diagnostics.push(Diagnostic {
            line: done.number,
            message: "the last line ends with a continuation `\\`".to_owned(),
        });
        if let Some((_, _, lines)) = sections.last_mut() {
            lines.push(done);
        }
    }
    sections
}

/// The name in `header` (the text after `[`), or `None` with a diagnostic.
fn section_header(header: &str, line: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let Some(end) = header.find(']') else {
        diagnostics.push(Diagnostic {
            line,
            message: "section header without a closing `]`".to_owned(),
        });
        return None;
    };
    let name = header[..end].trim();
    let rest = header[end + 1..].trim_start();
    if !(rest.is_empty() || rest.starts_with(';')) {
        diagnostics.push(Diagnostic {
            line,
            message: format!("text after the section header [{name}]: {rest:?}"),
        });
    }
    if name.is_empty() {
        diagnostics.push(Diagnostic {
            line,
            message: "empty section name `[]`".to_owned(),
        });
        return None;
    }
    Some(name.to_owned())
}

/// Reads the characters of one physical line into `line`. Returns whether the line continues
/// on the next physical line.
fn scan(
    physical: &str,
    line: &mut LineBuf,
    diagnostics: &mut Vec<Diagnostic>,
    number: usize,
) -> bool {
    let mut quoted = false;
    let mut chars = physical.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().is_some_and(|&(_, next)| next == '"') {
                    chars.next();
                    line.field.push('"', true);
                } else {
                    quoted = false;
                }
            } else {
                line.field.push(c, true);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ';' => break,
            '=' if line.key.is_none() && line.values.is_empty() => {
                let key = line.field.finish();
                if key.is_empty() {
                    diagnostics.push(Diagnostic {
                        line: line.number,
                        message: "`=` with nothing before it".to_owned(),
                    });
                }
                line.key = Some(key);
            }
            ',' => {
                let value = line.field.finish();
                line.values.push(value);
            }
            '\\' if is_line_end(physical.get(at + 1..).unwrap_or("")) => return true,
            other => line.field.push(other, false),
        }
    }
    if quoted {
        diagnostics.push(Diagnostic {
            line: number,
            message: "a quoted string is not closed before the end of the line".to_owned(),
        });
    }
    false
}

/// Whether `rest` is only whitespace, optionally followed by a comment.
fn is_line_end(rest: &str) -> bool {
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with(';')
}

/// Reads a number as INF fields write them: decimal, or hex with `0x`.
pub fn parse_number(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(inf: &Inf, section: &str) -> Vec<(Option<String>, Vec<String>)> {
        inf.section(section)
            .map(|s| {
                s.lines()
                    .iter()
                    .map(|l| (l.key().map(str::to_owned), l.values().to_vec()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn kv(key: Option<&str>, values: &[&str]) -> (Option<String>, Vec<String>) {
        (
            key.map(str::to_owned),
            values.iter().map(|v| (*v).to_owned()).collect(),
        )
    }

    #[test]
    fn keys_values_quotes_and_comments() {
        let inf = Inf::parse(
            "[A]\n key = one , \" two; \" ,three ; comment\nx,y\n\"a\"\"b\"=c\n e = \n f=1,,\n",
        );
        assert_eq!(inf.diagnostics(), []);
        assert_eq!(
            only(&inf, "a"),
            [
                kv(Some("key"), &["one", " two; ", "three"]),
                kv(None, &["x", "y"]),
                kv(Some("a\"b"), &["c"]),
                kv(Some("e"), &[]),
                kv(Some("f"), &["1", "", ""]),
            ]
        );
    }

    #[test]
    fn equals_after_a_comma_is_text() {
        let inf = Inf::parse("[A]\nx, y = z\n");
        assert_eq!(only(&inf, "A"), [kv(None, &["x", "y = z"])]);
    }

    #[test]
    fn continuation_joins_lines_and_keeps_the_first_line_number() {
        let inf = Inf::parse("[A]\nk = a, \\ ; more\n    b, \\\n c\nn = \"x\\\"\n");
        let s = inf.section("A").unwrap();
        assert_eq!(s.lines()[0].values(), ["a", "b", "c"]);
        assert_eq!(s.lines()[0].number(), 2);
        // A backslash inside quotes, or followed by text, is a character.
        assert_eq!(s.lines()[1].values(), ["x\\"]);
        assert_eq!(inf.diagnostics(), []);
    }

    #[test]
    fn strings_are_substituted_case_insensitively() {
        let inf = Inf::parse(
            "[A]\n%Name% = %name%, 100%%, %13%\\x.sys, %missing%\n[Strings]\nNAME = \"Cadenza Cable\"\n",
        );
        assert_eq!(
            only(&inf, "A"),
            [kv(
                Some("Cadenza Cable"),
                &["Cadenza Cable", "100%", "%13%\\x.sys", "%missing%"]
            )]
        );
        assert_eq!(inf.diagnostics().len(), 1);
        assert!(inf.diagnostics()[0].message.contains("%missing%"));
        assert_eq!(inf.string("name"), Some("Cadenza Cable"));
    }

    #[test]
    fn problems_are_reported_with_their_lines() {
        let inf = Inf::parse("stray\n[A\n[B] junk\nk = \"open\n[B]\nx=1\n[]\n");
        let lines: Vec<usize> = inf.diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 7], "{:?}", inf.diagnostics());
        // The duplicate section is merged.
        assert_eq!(inf.section("b").unwrap().lines().len(), 2);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0x00010001"), Some(0x1_0001));
        assert_eq!(parse_number(" 13 "), Some(13));
        assert_eq!(parse_number("0xZZ"), None);
        assert_eq!(parse_number(""), None);
    }
}
