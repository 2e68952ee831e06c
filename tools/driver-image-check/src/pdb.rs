//! The PDB checks, over the text `llvm-pdbutil` prints (LLVM 14 format):
//!
//! - `dump -globals -publics -streams`: the `S_PUB32` record of the debug root symbol, the
//!   `S_GDATA32` record naming its type index, and the named streams lld-link wrote for
//!   embedded natvis files (`/src/files/<path>.natvis`);
//! - `dump -types -type-index=0x…`: the type record behind that index (following `const`
//!   modifiers), whose name must contain the expected type.
//!
//! The natvis check compares content, not names: rustc copies each
//! `#![debugger_visualizer(natvis_file = …)]` file into a temporary directory under a
//! crate-derived name (`…\rustcck6fdy\cadenza_acx-0.natvis`) before passing it to the linker
//! as `/NATVIS:`, and lld-link stores the file's bytes unchanged in the `/src/files/…` stream
//! (read back with `llvm-pdbutil export --stream=<index>`).

/// What the PDB must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdbExpect {
    /// The exported symbol, e.g. `CADENZA_DEBUG_ROOT`.
    pub symbol: String,
    /// Part of its type's name, e.g. `cadenza_engine::debug_registry::CadenzaDebugRoot`.
    pub type_name: Option<String>,
    /// The natvis source file whose content must be embedded.
    pub natvis: Option<Natvis>,
}

/// A natvis source file: its path (for messages) and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Natvis {
    pub path: String,
    pub content: Vec<u8>,
}

/// One symbol record of `dump -globals` / `dump -publics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolRecord {
    /// `S_PUB32`, `S_GDATA32`, ...
    pub kind: String,
    pub name: String,
    /// The text of the record's continuation lines, joined with `, `.
    pub detail: String,
}

impl SymbolRecord {
    /// `0x1066` from `type = 0x1066 (…)`, not `original type = …`.
    pub fn type_index(&self) -> Option<u32> {
        let at = self
            .detail
            .match_indices("type = ")
            .find(|(i, _)| !self.detail[..*i].ends_with("original "))?
            .0;
        parse_hex(&self.detail[at + "type = ".len()..])
    }

    /// `0002:0000` from `addr = 0002:0000`.
    pub fn addr(&self) -> Option<&str> {
        let rest = &self.detail[self.detail.find("addr = ")? + "addr = ".len()..];
        Some(rest.split([',', ' ']).next().unwrap_or(rest))
    }

    /// The type name `llvm-pdbutil` printed in parentheses after the type index (possibly
    /// shortened with `...`; only trusted for simple types, which have no record to look up).
    fn type_hint(&self) -> Option<&str> {
        let rest = &self.detail[self.detail.find("type = 0x")?..];
        let open = rest.find(" (")?;
        let close = rest[open..]
            .find("),")
            .or_else(|| rest[open..].rfind(')'))?;
        Some(&rest[open + 2..open + close])
    }
}

/// The text of one section (`Global Symbols`, `Public Symbols`, `Streams`, `Types (TPI
/// Stream)`…): the lines after its `====` underline up to the next section title.
pub fn section<'a>(text: &'a str, title: &str) -> Option<Vec<&'a str>> {
    let lines: Vec<&str> = text.lines().collect();
    let is_title = |i: usize| {
        !lines[i].trim().is_empty()
            && lines
                .get(i + 1)
                .is_some_and(|l| l.trim_start().starts_with("===="))
    };
    let start = (0..lines.len()).find(|&i| is_title(i) && lines[i].trim() == title)? + 2;
    let end = (start..lines.len())
        .find(|&i| is_title(i))
        .unwrap_or(lines.len());
    Some(lines[start..end].to_vec())
}

/// The records of a symbol section: `  280 | S_GDATA32 [size = 52] `name`` plus the indented
/// lines after it.
pub fn symbol_records(lines: &[&str]) -> Vec<SymbolRecord> {
    let mut out: Vec<SymbolRecord> = Vec::new();
    for line in lines {
        if let Some(record) = parse_record_header(line) {
            out.push(record);
        } else if let Some(last) = out.last_mut() {
            let more = line.trim();
            if !more.is_empty() {
                if !last.detail.is_empty() {
                    last.detail.push_str(", ");
                }
                last.detail.push_str(more);
            }
        }
    }
    out
}

fn parse_record_header(line: &str) -> Option<SymbolRecord> {
    let (offset, rest) = line.trim_start().split_once(" | ")?;
    if offset.is_empty() || !offset.chars().all(|c| c.is_ascii_hexdigit() || c == 'x') {
        return None;
    }
    let kind = rest.split_whitespace().next()?;
    let open = rest.find('`')?;
    let close = rest.rfind('`')?;
    (close > open).then(|| SymbolRecord {
        kind: kind.to_owned(),
        name: rest[open + 1..close].to_owned(),
        detail: String::new(),
    })
}

fn parse_hex(text: &str) -> Option<u32> {
    let digits = text.strip_prefix("0x")?;
    let end = digits
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(digits.len());
    u32::from_str_radix(&digits[..end], 16).ok()
}

/// Whether a record name is the symbol: `CADENZA_DEBUG_ROOT` or a Rust path ending in
/// `::CADENZA_DEBUG_ROOT` (global data records carry the full path, publics the linkage name).
fn names_symbol(name: &str, symbol: &str) -> bool {
    name == symbol || name.strip_suffix(symbol).is_some_and(|p| p.ends_with("::"))
}

/// A named stream of `dump -streams` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedStream {
    pub index: u32,
    pub size: u64,
    pub name: String,
}

/// The named streams in `dump -streams` output
/// (`  Stream 304 (   6004 bytes): [Named Stream "/src/files/\tmp\cadenza.natvis"]`).
pub fn named_streams(text: &str) -> Vec<NamedStream> {
    const MARK: &str = "[Named Stream \"";
    text.lines()
        .filter_map(|line| {
            let at = line.find(MARK)?;
            let rest = &line[at + MARK.len()..];
            let name = rest[..rest.rfind("\"]")?].to_owned();
            let (index, size) = line[..at].trim().strip_prefix("Stream")?.split_once('(')?;
            let size = size
                .trim()
                .strip_suffix("):")?
                .trim()
                .strip_suffix("bytes")?;
            Some(NamedStream {
                index: index.trim().parse().ok()?,
                size: size.trim().parse().ok()?,
                name,
            })
        })
        .collect()
}

/// The embedded-source streams of natvis files: `/src/files/….natvis` (any case).
pub fn natvis_streams(streams: &[NamedStream]) -> Vec<&NamedStream> {
    streams
        .iter()
        .filter(|s| {
            s.name.starts_with("/src/files/") && s.name.to_ascii_lowercase().ends_with(".natvis")
        })
        .collect()
}

/// Whether an embedded stream holds the natvis file: the same bytes once CRLF line ends are
/// read as LF (a checkout with `core.autocrlf` must not make the check fail) and a UTF-8 byte
/// order mark is ignored.
pub fn same_natvis(stream: &[u8], file: &[u8]) -> bool {
    fn normal(bytes: &[u8]) -> Vec<u8> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut out = Vec::with_capacity(bytes.len());
        for (i, &b) in bytes.iter().enumerate() {
            if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                out.push(b);
            }
        }
        out
    }
    stream == file || normal(stream) == normal(file)
}

/// A record of `dump -types -type-index=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRecord {
    pub index: u32,
    /// `LF_STRUCTURE`, `LF_MODIFIER`, ...
    pub kind: String,
    pub name: Option<String>,
    /// For `LF_MODIFIER`: the modified type, and its name when it is a simple type.
    pub referent: Option<(u32, Option<String>)>,
}

/// The first record of `dump -types -type-index=0x…` output.
pub fn parse_type_record(text: &str) -> Option<TypeRecord> {
    let lines = section(text, "Types (TPI Stream)")?;
    let mut record: Option<TypeRecord> = None;
    for line in lines {
        let trimmed = line.trim();
        if let Some((index, rest)) = trimmed.split_once(" | ") {
            if record.is_some() {
                break;
            }
            let Some(index) = parse_hex(index) else {
                continue;
            };
            let name = rest
                .find('`')
                .zip(rest.rfind('`'))
                .filter(|(a, b)| b > a)
                .map(|(a, b)| rest[a + 1..b].to_owned());
            record = Some(TypeRecord {
                index,
                kind: rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                name,
                referent: None,
            });
        } else if let (Some(r), Some(rest)) = (record.as_mut(), trimmed.strip_prefix("referent = "))
        {
            let hint = rest.find(" (").and_then(|open| {
                rest[open..]
                    .find(')')
                    .map(|close| rest[open + 2..open + close].to_owned())
            });
            r.referent = parse_hex(rest).map(|i| (i, hint));
        }
    }
    record
}

/// Simple (built-in) types have indices below 0x1000 and no type record.
pub const FIRST_RECORD_TYPE_INDEX: u32 = 0x1000;

/// The PDB check over `dump -globals -publics -streams` output. `types` runs `dump -types
/// -type-index=<index>` (only for indices ≥ 0x1000); `stream` returns the bytes of a stream
/// by index (`export --stream=<index>`; only for `/src/files/….natvis` streams, and only when
/// a natvis file is expected). Returns the lines to print and the problems found, each one
/// line.
pub fn check(
    dump: &str,
    expect: &PdbExpect,
    types: &mut dyn FnMut(u32) -> anyhow::Result<String>,
    stream: &mut dyn FnMut(u32) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut report = Vec::new();
    let mut problems = Vec::new();
    let symbol = &expect.symbol;

    let publics = section(dump, "Public Symbols")
        .map(|l| symbol_records(&l))
        .unwrap_or_default();
    let globals = section(dump, "Global Symbols")
        .map(|l| symbol_records(&l))
        .unwrap_or_default();
    let public = publics
        .iter()
        .find(|r| r.kind == "S_PUB32" && r.name == *symbol);
    let data: Vec<&SymbolRecord> = globals
        .iter()
        .filter(|r| r.kind == "S_GDATA32" && names_symbol(&r.name, symbol))
        .collect();
    // Prefer the global data record at the public symbol's address.
    let global = data
        .iter()
        .find(|r| public.is_some_and(|p| p.addr().is_some() && p.addr() == r.addr()))
        .or_else(|| data.first())
        .copied();

    match public {
        Some(p) => report.push(format!(
            "pdb: public `{}` at {}",
            p.name,
            p.addr().unwrap_or("?")
        )),
        None => problems.push(format!("the PDB has no public symbol `{symbol}`")),
    }
    match global {
        None => problems.push(format!(
            "the PDB has no global data record (S_GDATA32) for `{symbol}`, so a debugger cannot type it"
        )),
        Some(g) => {
            let index = g.type_index();
            report.push(format!(
                "pdb: global data `{}` at {}, type {}",
                g.name,
                g.addr().unwrap_or("?"),
                index.map_or_else(|| "?".to_owned(), |i| format!("{i:#06x}"))
            ));
            if let Some(expected) = &expect.type_name {
                match index {
                    None => problems.push(format!("the global data record of `{}` names no type", g.name)),
                    Some(index) => {
                        let found = resolve_type(index, g.type_hint(), types)?;
                        report.push(format!("pdb: type {index:#06x} is `{found}`"));
                        if !found.contains(expected.as_str()) {
                            problems.push(format!(
                                "the PDB types `{}` as `{found}`, not `{expected}`",
                                g.name
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(natvis) = &expect.natvis {
        let streams = named_streams(dump);
        let candidates = natvis_streams(&streams);
        let mut found = None;
        for s in &candidates {
            let bytes = stream(s.index)?;
            if same_natvis(&bytes, &natvis.content) {
                found = Some(s);
                break;
            }
        }
        match found {
            Some(s) => report.push(format!(
                "pdb: natvis {} embedded as stream {} `{}` ({} bytes)",
                natvis.path, s.index, s.name, s.size
            )),
            None if candidates.is_empty() => problems.push(format!(
                "the PDB embeds no natvis file, so not {} (a `/src/files/….natvis` stream: \
                 `#![debugger_visualizer(natvis_file = …)]` or /NATVIS:<path>)",
                natvis.path
            )),
            None => problems.push(format!(
                "no natvis stream of the PDB holds {} ({} bytes); its natvis streams: {}",
                natvis.path,
                natvis.content.len(),
                candidates
                    .iter()
                    .map(|s| format!("{} `{}` ({} bytes)", s.index, s.name, s.size))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    Ok((report, problems))
}

/// The name of a type index, following `const`/`volatile` modifiers.
fn resolve_type(
    mut index: u32,
    hint: Option<&str>,
    types: &mut dyn FnMut(u32) -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    let mut hint = hint.map(str::to_owned);
    for _ in 0..8 {
        if index < FIRST_RECORD_TYPE_INDEX {
            return Ok(hint.unwrap_or_else(|| format!("simple type {index:#06x}")));
        }
        let text = types(index)?;
        let record = parse_type_record(&text).ok_or_else(|| {
            anyhow::anyhow!("llvm-pdbutil printed no type record for {index:#06x}")
        })?;
        if record.index != index {
            anyhow::bail!(
                "llvm-pdbutil printed type {:#06x} for {index:#06x}",
                record.index
            );
        }
        match (record.kind.as_str(), record.name, record.referent) {
            ("LF_MODIFIER", _, Some((referent, referent_hint))) => {
                index = referent;
                hint = referent_hint;
            }
            (_, Some(name), _) => return Ok(name),
            (kind, None, _) => return Ok(format!("unnamed {kind} {index:#06x}")),
        }
    }
    anyhow::bail!("type {index:#06x}: too many modifiers")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Excerpts of `llvm-pdbutil dump -globals -publics -streams` (LLVM 14) on a PDB that
    /// rust-lld wrote for a no_std cdylib linked with `/DRIVER /SUBSYSTEM:NATIVE`, whose
    /// `driver::CADENZA_DEBUG_ROOT` is a `debug_registry::CadenzaDebugRoot`. The streams are
    /// those of the real `cadenza_acx.pdb` (x64 debug), plus a second natvis stream.
    const DUMP: &str = r#"

                          Streams
============================================================
  Stream   0 (      0 bytes): [Old MSF Directory]
  Stream   5 (      0 bytes): [Named Stream "/LinkInfo"]
  Stream 301 (  22856 bytes): [Named Stream "/names"]
  Stream 302 (     41 bytes): [Named Stream "/src/files/\work\main\src\notes.txt"]
  Stream 303 (    128 bytes): [Named Stream "/src/headerblock"]
  Stream 304 (     17 bytes): [Named Stream "/src/files/\work\main\target\wdk-check\target\x86_64-pc-windows-msvc\debug\deps\rustcck6fdy\cadenza_acx-0.natvis"]
  Stream 305 (     22 bytes): [Named Stream "/src/files/\work\main\target\wdk-check\target\x86_64-pc-windows-msvc\debug\deps\rustcck6fdy\cadenza_acx-1.NATVIS"]


                       Global Symbols
============================================================
  Records
    2404 | S_UDT [size = 36] `tinydrv::debug_registry::CadenzaDebugRoot`
           original type = 0x1002
     932 | S_CONSTANT [size = 92] `enum2$<core::result::Result<tuple$<>,core::fmt::Error> >::Variant1::DISCR_EXACT`
           type = 0x102C (const unsigned __int64), value = 1
     280 | S_GDATA32 [size = 52] `tinydrv::driver::CADENZA_DEBUG_ROOT`
           type = 0x1002 (tinydrv::debug_registry::Cadenza...), addr = 0002:0000
    2440 | S_PROCREF [size = 36] `tinydrv::DriverEntry`
           module = 2, sum name = 0, offset = 208

                       Public Symbols
============================================================
  Records
       0 | S_PUB32 [size = 36] `CADENZA_DEBUG_ROOT`
           flags = none, addr = 0002:0000
     160 | S_PUB32 [size = 36] `__imp_ExAllocatePool2`
           flags = none, addr = 0002:0280
      36 | S_PUB32 [size = 28] `DriverEntry`
           flags = function, addr = 0001:0000
"#;

    /// `llvm-pdbutil dump -types -type-index=0x1002` on the same PDB.
    const TYPE_1002: &str = r"

                     Types (TPI Stream)
============================================================
  Showing 1 records.
  0x1002 | LF_STRUCTURE [size = 100] `tinydrv::debug_registry::CadenzaDebugRoot`
           unique name: `c9896e342491bea6fa7ad0d6cc1c3bc3`
           vtable: <no type>, base list: <no type>, field list: 0x1001
           options: has unique name, sizeof 8
";

    /// `llvm-pdbutil dump -types -type-index=0x104F`: a `const` modifier.
    const TYPE_104F: &str = r"

                     Types (TPI Stream)
============================================================
  Showing 1 records.
  0x104F | LF_MODIFIER [size = 12]
           referent = 0x1002, modifiers = const
";

    const ACX_0: &str = r"\work\main\target\wdk-check\target\x86_64-pc-windows-msvc\debug\deps\rustcck6fdy\cadenza_acx-0.natvis";
    const ACX_1: &str = r"\work\main\target\wdk-check\target\x86_64-pc-windows-msvc\debug\deps\rustcck6fdy\cadenza_acx-1.NATVIS";

    /// The content of `cadenza.natvis` in these samples.
    const NATVIS: &[u8] = b"<AutoVisualizer>\n</x>\n";
    /// The content of another crate's natvis file.
    const OTHER_NATVIS: &[u8] = b"<AutoVisualizer/>";

    fn dump() -> String {
        DUMP.to_owned()
    }

    fn expect() -> PdbExpect {
        PdbExpect {
            symbol: "CADENZA_DEBUG_ROOT".into(),
            type_name: Some("debug_registry::CadenzaDebugRoot".into()),
            natvis: Some(Natvis {
                path: "driver/engine/natvis/cadenza.natvis".into(),
                content: NATVIS.to_vec(),
            }),
        }
    }

    /// `llvm-pdbutil export --stream=<index>` on the sample: only natvis streams may be read.
    fn stream(index: u32) -> anyhow::Result<Vec<u8>> {
        match index {
            304 => Ok(OTHER_NATVIS.to_vec()),
            305 => Ok(NATVIS.to_vec()),
            other => anyhow::bail!("stream {other} is not a natvis stream"),
        }
    }

    /// `check` with the sample type records and streams.
    fn run(dump: &str, expect: &PdbExpect) -> (Vec<String>, Vec<String>) {
        check(dump, expect, &mut types, &mut stream).unwrap()
    }

    fn types(index: u32) -> anyhow::Result<String> {
        match index {
            0x1002 => Ok(TYPE_1002.to_owned()),
            0x104F => Ok(TYPE_104F.to_owned()),
            other => anyhow::bail!("no sample for {other:#x}"),
        }
    }

    #[test]
    fn named_streams_are_read_with_index_and_size() {
        let streams = named_streams(&dump());
        assert_eq!(streams.len(), 6, "{streams:?}");
        assert_eq!(
            streams[0],
            NamedStream {
                index: 5,
                size: 0,
                name: "/LinkInfo".into()
            }
        );
        assert_eq!(
            streams[4],
            NamedStream {
                index: 304,
                size: 17,
                name: format!("/src/files/{ACX_0}")
            }
        );
        // The narrow format of a small PDB parses too.
        let small = r#"  Stream 18 ( 228 bytes): [Named Stream "/src/files/\tmp\cadenza.natvis"]"#;
        assert_eq!(
            named_streams(small),
            [NamedStream {
                index: 18,
                size: 228,
                name: r"/src/files/\tmp\cadenza.natvis".into()
            }]
        );
    }

    #[test]
    fn only_embedded_natvis_files_are_natvis_streams() {
        let streams = named_streams(&dump());
        let natvis: Vec<u32> = natvis_streams(&streams).iter().map(|s| s.index).collect();
        // Not `/src/headerblock` nor the embedded `notes.txt`; `.NATVIS` in any case.
        assert_eq!(natvis, [304, 305]);
    }

    #[test]
    fn natvis_content_compares_bytes_with_crlf_and_bom_read_as_plain() {
        assert!(same_natvis(NATVIS, NATVIS));
        assert!(same_natvis(b"<A>\r\n</A>\r\n", b"<A>\n</A>\n"));
        assert!(same_natvis(b"\xEF\xBB\xBF<A>\n", b"<A>\r\n"));
        assert!(!same_natvis(NATVIS, OTHER_NATVIS));
        assert!(!same_natvis(b"<A>\n", b"<A>\n\n"));
        // A lone CR is content.
        assert!(!same_natvis(b"<A>\r</A>", b"<A></A>"));
    }

    #[test]
    fn the_global_data_record_and_its_type_index_are_read() {
        let globals = symbol_records(&section(&dump(), "Global Symbols").unwrap());
        let g = globals.iter().find(|r| r.kind == "S_GDATA32").unwrap();
        assert_eq!(g.name, "tinydrv::driver::CADENZA_DEBUG_ROOT");
        assert_eq!(g.type_index(), Some(0x1002));
        assert_eq!(g.addr(), Some("0002:0000"));
        // `original type` of an S_UDT is not a data record's type.
        let udt = globals.iter().find(|r| r.kind == "S_UDT").unwrap();
        assert_eq!(udt.type_index(), None);
    }

    #[test]
    fn a_captured_pdb_with_root_type_and_natvis_passes() {
        let (report, problems) = run(&dump(), &expect());
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            report,
            [
                "pdb: public `CADENZA_DEBUG_ROOT` at 0002:0000".to_owned(),
                "pdb: global data `tinydrv::driver::CADENZA_DEBUG_ROOT` at 0002:0000, type 0x1002"
                    .to_owned(),
                "pdb: type 0x1002 is `tinydrv::debug_registry::CadenzaDebugRoot`".to_owned(),
                format!(
                    "pdb: natvis driver/engine/natvis/cadenza.natvis embedded as stream 305 \
                     `/src/files/{ACX_1}` (22 bytes)"
                ),
            ]
        );
    }

    #[test]
    fn the_natvis_stream_is_matched_by_content_whatever_its_name() {
        // The first natvis stream holds the file now: it is found there, by content, though
        // its name (`cadenza_acx-0.natvis`) has nothing of `cadenza.natvis`.
        let mut stream = |index: u32| match index {
            304 => Ok(NATVIS.to_vec()),
            other => anyhow::bail!("stream {other} read after the match"),
        };
        let (report, problems) = check(&dump(), &expect(), &mut types, &mut stream).unwrap();
        assert_eq!(problems, Vec::<String>::new());
        assert!(
            report
                .last()
                .is_some_and(|l| l.contains(&format!("stream 304 `/src/files/{ACX_0}`"))),
            "{report:?}"
        );
    }

    #[test]
    fn no_stream_is_read_when_no_natvis_is_expected() {
        let expect = PdbExpect {
            natvis: None,
            ..expect()
        };
        let mut stream = |index: u32| -> anyhow::Result<Vec<u8>> {
            panic!("stream {index} read though no natvis is expected")
        };
        let (report, problems) = check(&dump(), &expect, &mut types, &mut stream).unwrap();
        assert_eq!((report.len(), problems.len()), (3, 0), "{problems:?}");
    }

    #[test]
    fn a_wrong_root_type_fails() {
        let expect = PdbExpect {
            type_name: Some("cadenza_engine::debug_registry::CadenzaDebugRoot".into()),
            ..expect()
        };
        let (_, problems) = run(&dump(), &expect);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("as `tinydrv::debug_registry::CadenzaDebugRoot`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_missing_symbol_fails_for_both_public_and_global_data() {
        let expect = PdbExpect {
            symbol: "CADENZA_OTHER_ROOT".into(),
            ..expect()
        };
        let (_, problems) = run(&dump(), &expect);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("no public symbol `CADENZA_OTHER_ROOT`"));
        assert!(problems[1].contains("no global data record"));
    }

    #[test]
    fn a_symbol_name_is_matched_whole_not_as_a_suffix() {
        // `DEBUG_ROOT` is a suffix of the record names but not the symbol.
        let expect = PdbExpect {
            symbol: "DEBUG_ROOT".into(),
            type_name: None,
            natvis: None,
        };
        let (_, problems) = run(&dump(), &expect);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn a_pdb_whose_natvis_streams_hold_other_content_fails_naming_them() {
        // A stream named like the file but holding another version is not it.
        let dump = dump().replace(ACX_0, r"\tmp\cadenza.natvis");
        let expect = PdbExpect {
            natvis: Some(Natvis {
                path: "driver/engine/natvis/cadenza.natvis".into(),
                content: b"<AutoVisualizer>\n<Type/>\n</x>\n".to_vec(),
            }),
            ..expect()
        };
        let (_, problems) = run(&dump, &expect);
        assert_eq!(
            problems,
            [format!(
                "no natvis stream of the PDB holds driver/engine/natvis/cadenza.natvis (30 bytes); \
                 its natvis streams: 304 `/src/files/\\tmp\\cadenza.natvis` (17 bytes), \
                 305 `/src/files/{ACX_1}` (22 bytes)"
            )]
        );
    }

    #[test]
    fn a_pdb_without_natvis_streams_fails() {
        let dump = dump()
            .replace(".natvis\"]", ".txt\"]")
            .replace(".NATVIS\"]", ".txt\"]");
        let (_, problems) = run(&dump, &expect());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "the PDB embeds no natvis file, so not driver/engine/natvis/cadenza.natvis"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_const_modifier_is_followed_to_the_named_type() {
        let dump = dump().replace("type = 0x1002 (tinydrv", "type = 0x104F (const tinydrv");
        let (report, problems) = run(&dump, &expect());
        assert_eq!(problems, Vec::<String>::new());
        assert!(
            report.contains(
                &"pdb: type 0x104f is `tinydrv::debug_registry::CadenzaDebugRoot`".to_owned()
            ),
            "{report:?}"
        );
    }

    #[test]
    fn a_simple_type_is_named_from_the_globals_line_without_a_lookup() {
        let dump = dump().replace(
            "type = 0x1002 (tinydrv::debug_registry::Cadenza...)",
            "type = 0x0075 (unsigned)",
        );
        // `types` would fail for 0x75: it must not be asked.
        let (report, problems) = run(&dump, &expect());
        assert!(
            report.contains(&"pdb: type 0x0075 is `unsigned`".to_owned()),
            "{report:?}"
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
