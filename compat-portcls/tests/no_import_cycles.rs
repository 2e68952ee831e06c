//! No two modules import each other, directly or through others, in the driver crates
//! (compat-portcls, driver/acx, driver/acx/sys, driver/engine).
//!
//! Reads every module file under each crate's `src`, takes every `crate::…`, `super::…` and
//! `self::…` path (in `use` trees, grouped or not, and inline paths such as
//! `crate::descriptor::PcFilterDescriptor`), resolves it to the module file it names (the
//! longest known module prefix; `super` from inside an inline `mod` climbs from there), and
//! fails naming every cycle of the resulting graph with the lines that make each edge.
//! A parent's `mod child;` declaration is not an import; bare `child::x` paths are not read;
//! `#[cfg(test)]` inline modules (unit tests) are not part of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Module path ("" is the crate root, else `a::b`) → the module paths it imports, each with
/// the place (file:line) of one import making the edge.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src` (`lib.rs`/`main.rs` → "", `a/mod.rs` → "a").
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

/// The source with comments, string and char literals blanked (newlines kept for line
/// numbers).
fn strip(source: &str) -> Vec<char> {
    let c: Vec<char> = source.chars().collect();
    let mut out = Vec::with_capacity(c.len());
    let mut i = 0;
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push(' ');
                    out.push(' ');
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push(' ');
                    out.push(' ');
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#'))
            && (i == 0 || !is_ident(c[i - 1]))
        {
            // Raw string r"…" / r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(c[i..j.min(c.len())].iter().map(|&ch| blank(ch)));
            i = j;
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' && (c.get(i + 2) == Some(&'\'') || c.get(i + 1) == Some(&'\\')) {
            // A char literal ('x', '\n', '\u{..}'); lifetimes ('a) are left alone.
            let mut j = i + 1;
            if c[j] == '\\' {
                j += 2;
            } else {
                j += 1;
            }
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            out.extend(c[i..=j.min(c.len() - 1)].iter().map(|&ch| blank(ch)));
            i = j + 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

struct Scanner<'a> {
    c: &'a [char],
    i: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.c.len() && self.c[self.i].is_whitespace() {
            self.i += 1;
        }
    }
    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.i;
        while self.i < self.c.len() && is_ident(self.c[self.i]) {
            self.i += 1;
        }
        (self.i > start).then(|| self.c[start..self.i].iter().collect())
    }
    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let n = s.chars().count();
        if self.c.len() >= self.i + n && self.c[self.i..self.i + n].iter().copied().eq(s.chars()) {
            self.i += n;
            true
        } else {
            false
        }
    }

    /// Reads a use tree / path continuing `prefix`, pushing every full path it names.
    fn tree(&mut self, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        loop {
            if self.eat("{") {
                loop {
                    if self.eat("}") {
                        return;
                    }
                    let before = self.i;
                    self.tree(path.clone(), out);
                    self.eat(",");
                    if self.i == before {
                        // Not a path (`*` handled in `tree`): give up on this group.
                        return;
                    }
                }
            }
            if self.eat("*") {
                out.push(path);
                return;
            }
            let Some(seg) = self.ident() else {
                out.push(path);
                return;
            };
            path.push(seg);
            let save = self.i;
            if !self.eat("::") || {
                self.skip_ws();
                self.c.get(self.i) == Some(&'<')
            } {
                self.i = save;
                out.push(path);
                return;
            }
        }
    }
}

/// Resolves `segments` (starting with crate/super/self) seen in module `at` (a list of
/// module names, inline modules included) to an absolute path.
fn resolve(at: &[String], segments: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = at.to_vec();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().filter(|s| s.as_str() != "self").cloned());
    Some(base)
}

/// Builds the import graph of the crate whose sources are under `src`.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(src, f), f.clone()))
        .collect();
    let mut g = Graph::new();
    for (module, file) in &modules {
        let text = fs::read_to_string(file).expect("read source");
        let c = strip(&text);
        g.entry(module.clone()).or_default();
        let file_path: Vec<String> = if module.is_empty() {
            Vec::new()
        } else {
            module.split("::").map(str::to_string).collect()
        };
        // Inline `mod x {` stack: (name, brace depth inside it, whether it is `#[cfg(test)]`).
        let mut inline: Vec<(String, usize, bool)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < c.len() {
            let ch = c[i];
            if ch == '{' {
                depth += 1;
                i += 1;
                continue;
            }
            if ch == '}' {
                if inline.last().is_some_and(|(_, d, _)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            if !is_ident(ch) || (i > 0 && (is_ident(c[i - 1]) || c[i - 1] == '$')) {
                i += 1;
                continue;
            }
            let mut s = Scanner { c: &c, i };
            let word = s.ident().expect("an identifier starts here");
            if word == "mod" {
                if let Some(name) = s.ident()
                    && s.eat("{")
                {
                    depth += 1;
                    let before: String = c[..i].iter().collect();
                    let before = before.trim_end();
                    let before = before.strip_suffix("pub").unwrap_or(before).trim_end();
                    inline.push((name, depth, before.ends_with("#[cfg(test)]")));
                    i = s.i;
                    continue;
                }
            } else if matches!(word.as_str(), "crate" | "super" | "self") && s.eat("::") {
                let mut paths = Vec::new();
                s.tree(vec![word], &mut paths);
                if inline.iter().any(|(_, _, test)| *test) {
                    // Unit tests may use anything; they are not part of the module graph.
                    i = s.i;
                    continue;
                }
                let mut at = file_path.clone();
                at.extend(inline.iter().map(|(n, _, _)| n.clone()));
                let line = c[..i].iter().filter(|&&x| x == '\n').count() + 1;
                for p in paths {
                    let Some(abs) = resolve(&at, &p) else {
                        continue;
                    };
                    // The longest prefix that is a module file.
                    let target = (0..=abs.len())
                        .rev()
                        .map(|n| abs[..n].join("::"))
                        .find(|m| modules.contains_key(m));
                    if let Some(t) = target
                        && t != *module
                    {
                        let place = format!("{}:{line}", file.display());
                        g.get_mut(module).expect("node").entry(t).or_insert(place);
                    }
                }
                i = s.i;
                continue;
            }
            i = s.i;
        }
    }
    g
}

fn name(m: &str) -> &str {
    if m.is_empty() { "(crate root)" } else { m }
}

/// Every cycle of `g` as text (one per strongly connected component of more than one
/// module), empty if there is none.
fn cycles(g: &Graph) -> Vec<String> {
    let nodes: Vec<&String> = g.keys().collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for t in g.get(&n).into_iter().flat_map(BTreeMap::keys) {
                if seen.insert(t.clone()) {
                    stack.push(t.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reaches[n].contains(*n) {
            continue;
        }
        // Shortest path n → … → n (BFS), for the message.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*n).clone()]);
        'bfs: while let Some(x) = queue.pop_front() {
            for t in g[&x].keys() {
                if t == *n {
                    prev.insert("<end>".into(), x.clone());
                    break 'bfs;
                }
                if !prev.contains_key(t) {
                    prev.insert(t.clone(), x.clone());
                    queue.push_back(t.clone());
                }
            }
        }
        let mut middle = Vec::new();
        let mut at = prev["<end>"].clone();
        while at != **n {
            middle.push(at.clone());
            at = prev[&at].clone();
        }
        middle.reverse();
        let mut path = vec![(*n).clone()];
        path.extend(middle);
        path.push((*n).clone());
        let mut text = path
            .iter()
            .map(|m| name(m))
            .collect::<Vec<_>>()
            .join(" -> ");
        for w in path.windows(2) {
            let _ = write!(
                text,
                "\n    {} uses {} at {}",
                name(&w[0]),
                name(&w[1]),
                g[&w[0]][&w[1]]
            );
        }
        for m in g
            .keys()
            .filter(|m| reaches[n].contains(*m) && reaches[*m].contains(*n))
        {
            done.insert(m.clone());
        }
        found.push(text);
    }
    found
}

fn check(crate_dir: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    let g = graph(&src);
    assert!(g.len() > 1, "no modules found under {}", src.display());
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "import cycles in {crate_dir}:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn compat_portcls_has_no_import_cycles() {
    check("compat-portcls");
}

#[test]
fn acx_has_no_import_cycles() {
    check("driver/acx");
}

#[test]
fn acx_sys_has_no_import_cycles() {
    check("driver/acx/sys");
}

#[test]
fn engine_has_no_import_cycles() {
    check("driver/engine");
}

/// The checker itself finds a planted cycle (through a grouped `use super::{…}` and an inline
/// `crate::` path) and ignores comments, strings and inline test modules' `use super::*`.
#[test]
fn a_planted_cycle_is_found() {
    let dir = std::env::temp_dir().join(format!("cadenza-cycles-{}", std::process::id()));
    let src = dir.join("src");
    fs::create_dir_all(src.join("a")).unwrap();
    fs::write(src.join("lib.rs"), "mod a;\nmod b;\n// crate::b::x\n").unwrap();
    fs::write(src.join("a/mod.rs"), "mod c;\nuse super::{b::X, b};\n").unwrap();
    fs::write(src.join("a/c.rs"), "const S: &str = \"crate::b\";\n").unwrap();
    fs::write(
        src.join("b.rs"),
        "fn f() -> crate::a::T { todo!() }\nmod m { use super::*; }\n#[cfg(test)]\nmod tests { use crate::a::c::T; }\n",
    )
    .unwrap();
    let g = graph(&src);
    let found = cycles(&g);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("a -> b -> a"), "{}", found[0]);
    // a::c -> b is not there (a string), nor root -> b (a comment), nor b -> b (the tests).
    assert!(!g["a::c"].contains_key("b"));
    assert!(!g[""].contains_key("b"));
    assert!(g["b"].contains_key("a") && !g["b"].contains_key("b"));
    assert!(!g["b"].contains_key("a::c"));
}
