//! Reading Cadenza's INF: the two frameworks' hardware IDs, the device class, the driver files
//! and the `Parameters` defaults. A small reader of the INF syntax SetupAPI accepts (sections,
//! `;` comments outside quotes, `key = value`, comma-separated fields, `"quoted"` fields with
//! `""` for a quote, every field trimmed, `\` line continuation); `tools/infcheck` has the full checker.

use std::fmt;

use crate::system::{RawValue, multi_sz_bytes, sz_bytes};

/// The two drivers. One INF offers both; the hardware ID chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// `cadenza_acx.sys`.
    Acx,
    /// `cadenza_pc.sys`.
    PortCls,
}

impl Framework {
    pub const ALL: [Framework; 2] = [Framework::Acx, Framework::PortCls];

    /// The root-enumerated hardware ID of this framework's model in `inf/cadenza.inx` (a test
    /// reads the INF and checks it).
    pub const fn hardware_id(self) -> &'static str {
        match self {
            Framework::Acx => "ROOT\\CadenzaAcx",
            Framework::PortCls => "ROOT\\CadenzaPortCls",
        }
    }

    /// This framework's DDInstall section in the INF.
    pub const fn install_section(self) -> &'static str {
        match self {
            Framework::Acx => "Cadenza_Acx",
            Framework::PortCls => "Cadenza_PortCls",
        }
    }

    /// The name on the command line (`--framework acx|portcls`).
    pub const fn name(self) -> &'static str {
        match self {
            Framework::Acx => "acx",
            Framework::PortCls => "portcls",
        }
    }

    /// The framework named on the command line (case-insensitive).
    pub fn from_name(name: &str) -> Option<Framework> {
        Framework::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The framework whose hardware ID is `id` (case-insensitive, as PnP compares them).
    pub fn from_hardware_id(id: &str) -> Option<Framework> {
        Framework::ALL
            .into_iter()
            .find(|f| f.hardware_id().eq_ignore_ascii_case(id))
    }

    /// The other one.
    #[must_use]
    pub const fn other(self) -> Framework {
        match self {
            Framework::Acx => Framework::PortCls,
            Framework::PortCls => Framework::Acx,
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Acx => "ACX (cadenza_acx.sys)",
            Framework::PortCls => "PortCls (cadenza_pc.sys)",
        })
    }
}

/// One line of a section: the part before `=` (if any) and the comma-separated fields after it
/// (or of the whole line, when there is no `=`), unquoted and trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfLine {
    pub key: Option<String>,
    pub fields: Vec<String>,
}

/// An INF, as sections of lines, in file order.
#[derive(Clone, Debug, Default)]
pub struct Inf {
    sections: Vec<(String, Vec<InfLine>)>,
}

impl Inf {
    /// Reads INF text. Never fails: what is not a section header or a line is ignored, as
    /// SetupAPI ignores it.
    pub fn parse(text: &str) -> Inf {
        let mut inf = Inf::default();
        let mut pending = String::new();
        for raw in text.lines() {
            let code = strip_comment(raw);
            let trimmed = code.trim_end();
            // A `\` at the end of a line continues it on the next.
            if let Some(head) = trimmed.strip_suffix('\\') {
                pending.push_str(head);
                continue;
            }
            pending.push_str(trimmed);
            let line = std::mem::take(&mut pending);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                if let Some(end) = rest.find(']') {
                    inf.sections
                        .push((rest[..end].trim().to_owned(), Vec::new()));
                }
                continue;
            }
            if let Some((_, lines)) = inf.sections.last_mut() {
                lines.push(split_line(line));
            }
        }
        inf
    }

    /// The lines of the section called `name` (case-insensitive); sections given twice are
    /// joined, as SetupAPI joins them.
    pub fn section(&self, name: &str) -> Option<Vec<&InfLine>> {
        let mut found = false;
        let mut lines = Vec::new();
        for (section, section_lines) in &self.sections {
            if section.eq_ignore_ascii_case(name) {
                found = true;
                lines.extend(section_lines);
            }
        }
        found.then_some(lines)
    }

    /// The first field of `key = ...` in `section`.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?
            .into_iter()
            .find(|l| {
                l.key
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(key))
            })
            .and_then(|l| l.fields.first())
            .map(String::as_str)
    }

    /// The device class name and GUID of `[Version]` (`Class`, `ClassGuid`).
    pub fn class(&self) -> Option<(&str, &str)> {
        Some((
            self.value("Version", "Class")?,
            self.value("Version", "ClassGuid")?,
        ))
    }

    /// Every model: (install section, hardware and compatible IDs), from every models section
    /// `[Manufacturer]` names (the undecorated one and each decoration's).
    pub fn models(&self) -> Vec<(String, Vec<String>)> {
        let mut models = Vec::new();
        for manufacturer in self.section("Manufacturer").unwrap_or_default() {
            let Some((base, decorations)) = manufacturer.fields.split_first() else {
                continue;
            };
            let names = std::iter::once(base.clone())
                .chain(decorations.iter().map(|d| format!("{base}.{d}")));
            for name in names {
                for line in self.section(&name).unwrap_or_default() {
                    if let Some((install, ids)) = line.fields.split_first() {
                        models.push((install.clone(), ids.to_vec()));
                    }
                }
            }
        }
        models
    }

    /// The hardware ID of `framework`'s model (the first ID of the model whose install section
    /// is the framework's), if the INF has one.
    pub fn hardware_id(&self, framework: Framework) -> Option<String> {
        self.models()
            .into_iter()
            .find(|(install, _)| install.eq_ignore_ascii_case(framework.install_section()))
            .and_then(|(_, ids)| ids.into_iter().next())
    }

    /// The file names `[SourceDisksFiles]` lists: the files the package must have beside the INF.
    pub fn source_files(&self) -> Vec<String> {
        self.section("SourceDisksFiles")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| l.key.clone().or_else(|| l.fields.first().cloned()))
            .collect()
    }

    /// The values that `framework`'s install section writes under `HKR\Parameters` (through
    /// its `AddReg` sections), as the registry will hold them. Lines this reader does not
    /// understand (another key, a type other than REG_SZ / REG_DWORD / REG_MULTI_SZ) are
    /// returned as errors naming the line.
    pub fn parameter_values(&self, framework: Framework) -> Result<Vec<RawValue>, String> {
        let install = framework.install_section();
        let install_nt = format!("{install}.NT");
        let lines = self
            .section(&install_nt)
            .or_else(|| self.section(install))
            .ok_or_else(|| format!("the INF has no [{install_nt}] section"))?;
        let mut values = Vec::new();
        for line in lines {
            if !line
                .key
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("AddReg"))
            {
                continue;
            }
            for section in &line.fields {
                for reg in self.section(section).unwrap_or_default() {
                    let f = &reg.fields;
                    if f.len() < 4
                        || !f[0].eq_ignore_ascii_case("HKR")
                        || !f[1].eq_ignore_ascii_case("Parameters")
                    {
                        continue;
                    }
                    values.push(addreg_value(&f[2], &f[3], &f[4..])?);
                }
            }
        }
        Ok(values)
    }
}

/// `FLG_ADDREG_*` bits (setupapi.h) this reader understands.
const FLG_ADDREG_BINVALUETYPE: u32 = 0x0000_0001;
const FLG_ADDREG_NOCLOBBER: u32 = 0x0000_0002;
const FLG_ADDREG_TYPE_MULTI_SZ: u32 = 0x0001_0000;
const FLG_ADDREG_TYPE_DWORD: u32 = 0x0001_0001;

/// One `HKR,Parameters,name,flags,value...` line as the value it writes.
fn addreg_value(name: &str, flags: &str, data: &[String]) -> Result<RawValue, String> {
    let what = || format!("AddReg line for {name}");
    let flags = parse_inf_number(flags).ok_or_else(|| format!("{}: bad flags {flags}", what()))?;
    let type_bits = flags & !FLG_ADDREG_NOCLOBBER;
    let (reg_type, bytes) = if type_bits == FLG_ADDREG_TYPE_DWORD {
        let text = data.first().map_or("", String::as_str);
        let n = parse_inf_number(text).ok_or_else(|| format!("{}: bad number {text}", what()))?;
        (4, n.to_le_bytes().to_vec())
    } else if type_bits == FLG_ADDREG_TYPE_MULTI_SZ {
        (7, multi_sz_bytes(data.iter().map(String::as_str)))
    } else if type_bits == 0 {
        (1, sz_bytes(data.first().map_or("", String::as_str)))
    } else {
        let _ = FLG_ADDREG_BINVALUETYPE;
        return Err(format!("{}: flags 0x{flags:08X} not understood", what()));
    };
    Ok(RawValue {
        name: name.to_owned(),
        reg_type,
        data: bytes,
    })
}

/// A number as INF fields write them: decimal, or hex with `0x`.
fn parse_inf_number(text: &str) -> Option<u32> {
    match text.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => u32::from_str_radix(&text[2..], 16).ok(),
        _ => text.parse().ok(),
    }
}

/// The line up to its first `;` outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Splits a line at its first `=` outside quotes, and the value at commas outside quotes.
fn split_line(line: &str) -> InfLine {
    let mut quoted = false;
    let mut eq = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => {
                eq = Some(i);
                break;
            }
            _ => {}
        }
    }
    let (key, rest) = match eq {
        Some(i) => (Some(unquote(line[..i].trim())), &line[i + 1..]),
        None => (None, line),
    };
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field).trim().to_owned()),
            _ => field.push(c),
        }
    }
    fields.push(field.trim().to_owned());
    InfLine { key, fields }
}

fn unquote(text: &str) -> String {
    text.trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_setupapi() {
        let inf =
            Inf::parse("[A]\n  key = \"a;b\", c ,\"d\"\"e\" ; comment\nx,y\\\n,z\n[a]\nmore = 1\n");
        let lines = inf.section("a").unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].key.as_deref(), Some("key"));
        assert_eq!(lines[0].fields, ["a;b", "c", "d\"e"]);
        assert_eq!(lines[1].key, None);
        assert_eq!(lines[1].fields, ["x", "y", "z"]);
        assert_eq!(inf.value("A", "MORE"), Some("1"));
    }

    #[test]
    fn addreg_flags_give_registry_types() {
        let dword = addreg_value("N", "0x00010003", &["48000".into()]).unwrap();
        assert_eq!((dword.reg_type, dword.data), (4, vec![0x80, 0xBB, 0, 0]));
        let sz = addreg_value("N", "0x00000002", &["ab".into()]).unwrap();
        assert_eq!((sz.reg_type, sz.data), (1, vec![b'a', 0, b'b', 0, 0, 0]));
        let multi = addreg_value("N", "0x00010000", &["a".into(), "b".into()]).unwrap();
        assert_eq!(
            (multi.reg_type, multi.data),
            (7, vec![b'a', 0, 0, 0, b'b', 0, 0, 0, 0, 0])
        );
        assert!(addreg_value("N", "0x00000001", &["01".into()]).is_err());
    }
}
