//! The kernel exports table: `module name first_build doc_page` per line.
//!
//! ```text
//! # comment
//! ntoskrnl.exe  ExAllocatePool2  19041  wdm/nf-wdm-exallocatepool2
//! ```
//!
//! `#` at the start of a line, or after whitespace, starts a comment; blank lines are ignored.
//! Modules compare case-insensitively (the loader does), names exactly.

use std::collections::HashMap;
use std::fmt;

/// One function a kernel module exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub module: String,
    pub name: String,
    /// The first Windows build that exports it (19041 = Windows 10 2004, 22000 = Windows 11 21H2).
    pub first_build: u32,
    /// The DDI documentation page, relative to `learn.microsoft.com/windows-hardware/drivers/ddi/`.
    pub doc_page: String,
    /// 1-based line in the table file.
    pub line: usize,
}

/// A line of the table that is not `module name first_build doc_page`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TableError {}

/// The parsed table.
#[derive(Debug, Clone, Default)]
pub struct ExportsTable {
    entries: Vec<Entry>,
    /// (lower-cased module, name) -> index into `entries`.
    index: HashMap<(String, String), usize>,
}

impl ExportsTable {
    /// Parses the table text. A malformed or duplicated line is an error naming its line number.
    pub fn parse(text: &str) -> Result<Self, TableError> {
        let mut table = Self::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = strip_comment(raw);
            let fields: Vec<&str> = content.split_whitespace().collect();
            if fields.is_empty() {
                continue;
            }
            let [module, name, build, doc_page] = fields[..] else {
                return Err(TableError {
                    line,
                    message: format!(
                        "expected 4 fields `module name first_build doc_page`, found {}: `{}`",
                        fields.len(),
                        content.trim()
                    ),
                });
            };
            let first_build = build.parse::<u32>().map_err(|_| TableError {
                line,
                message: format!("first_build `{build}` is not a Windows build number"),
            })?;
            let key = (module.to_ascii_lowercase(), name.to_owned());
            if let Some(&earlier) = table.index.get(&key) {
                return Err(TableError {
                    line,
                    message: format!(
                        "{module} {name} is listed twice (first at line {})",
                        table.entries[earlier].line
                    ),
                });
            }
            table.index.insert(key, table.entries.len());
            table.entries.push(Entry {
                module: module.to_owned(),
                name: name.to_owned(),
                first_build,
                doc_page: doc_page.to_owned(),
                line,
            });
        }
        Ok(table)
    }

    /// The entry for `module!name` (module case-insensitive, name exact).
    pub fn lookup(&self, module: &str, name: &str) -> Option<&Entry> {
        self.index
            .get(&(module.to_ascii_lowercase(), name.to_owned()))
            .map(|&i| &self.entries[i])
    }

    /// Every module the table names, lower-cased, each once.
    pub fn modules(&self) -> Vec<String> {
        let mut modules: Vec<String> = self
            .entries
            .iter()
            .map(|e| e.module.to_ascii_lowercase())
            .collect();
        modules.sort();
        modules.dedup();
        modules
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// The part of a line before its comment: `#` at the start or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return &line[..i];
        }
        prev_space = c.is_whitespace();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# module        name                   build  doc page
ntoskrnl.exe    ExAllocatePool2        19041  wdm/nf-wdm-exallocatepool2

HAL.dll         KeQueryPerformanceCounter 10240 wdm/nf-wdm-kequeryperformancecounter  # via hal
";

    #[test]
    fn entries_parse_and_modules_match_case_insensitively() {
        let table = ExportsTable::parse(SAMPLE).unwrap();
        assert_eq!(table.entries().len(), 2);
        let e = table.lookup("NTOSKRNL.EXE", "ExAllocatePool2").unwrap();
        assert_eq!(
            (e.first_build, e.doc_page.as_str(), e.line),
            (19041, "wdm/nf-wdm-exallocatepool2", 2)
        );
        // The trailing comment is not a fifth field, and the module is found under any case.
        let hal = table
            .lookup("hal.dll", "KeQueryPerformanceCounter")
            .unwrap();
        assert_eq!(hal.first_build, 10240);
        assert_eq!(table.modules(), ["hal.dll", "ntoskrnl.exe"]);
    }

    #[test]
    fn names_match_exactly() {
        let table = ExportsTable::parse(SAMPLE).unwrap();
        assert!(table.lookup("ntoskrnl.exe", "exallocatepool2").is_none());
    }

    #[test]
    fn a_malformed_table_line_is_reported_with_its_line_number() {
        let text = format!("{SAMPLE}ntoskrnl.exe KeBugCheckEx wdm/nf-wdm-kebugcheckex\n");
        let err = ExportsTable::parse(&text).unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        assert!(
            err.to_string().starts_with("line 5: expected 4 fields"),
            "{err}"
        );

        let text = format!("{SAMPLE}ntoskrnl.exe KeBugCheckEx 21H2 wdm/nf-wdm-kebugcheckex\n");
        let err = ExportsTable::parse(&text).unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("`21H2`"), "{err}");
    }

    #[test]
    fn a_duplicated_entry_names_both_lines() {
        let text =
            format!("{SAMPLE}NtOsKrnl.exe ExAllocatePool2 22000 wdm/nf-wdm-exallocatepool2\n");
        let err = ExportsTable::parse(&text).unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("first at line 2"), "{err}");
    }
}
