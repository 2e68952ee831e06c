//! What a kernel driver image must be: native subsystem, x64 or ARM64, exactly the intended
//! exports, and imports only from kernel modules and only functions the exports table lists
//! as present in the oldest supported Windows build.

use std::fmt::{self, Write as _};

use crate::table::ExportsTable;

/// `IMAGE_SUBSYSTEM_NATIVE`: a kernel driver (`/SUBSYSTEM:NATIVE`).
pub const SUBSYSTEM_NATIVE: u16 = 1;
/// `IMAGE_FILE_MACHINE_AMD64`.
pub const MACHINE_AMD64: u16 = 0x8664;
/// `IMAGE_FILE_MACHINE_ARM64`.
pub const MACHINE_ARM64: u16 = 0xAA64;
/// Windows 11 21H2, the oldest Windows the drivers support.
pub const DEFAULT_MAX_BUILD: u32 = 22000;

/// Kernel modules a driver may import from even when the table lists none of their functions.
pub const ALLOWED_MODULES: [&str; 5] = [
    "ntoskrnl.exe",
    "hal.dll",
    "portcls.sys",
    "ks.sys",
    "wdfldr.sys",
];

/// What an import names in its module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImportName {
    Name(String),
    Ordinal(u16),
}

impl fmt::Display for ImportName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Ordinal(ordinal) => write!(f, "#{ordinal}"),
        }
    }
}

/// One imported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: ImportName,
}

impl Import {
    pub fn named(module: &str, name: &str) -> Self {
        Self {
            module: module.to_owned(),
            name: ImportName::Name(name.to_owned()),
        }
    }
}

/// What the image says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// `IMAGE_FILE_HEADER.Machine`.
    pub machine: u16,
    /// `IMAGE_OPTIONAL_HEADER64.Subsystem`.
    pub subsystem: u16,
    /// Exported names; an export without a name appears as `#ordinal`.
    pub exports: Vec<String>,
    /// The import directory, in image order.
    pub imports: Vec<Import>,
    /// Modules of the delay-load import directory (the kernel loader does not resolve these).
    pub delay_load_modules: Vec<String>,
}

/// The policy's parameters (from the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Exactly the names the image must export.
    pub exports: Vec<String>,
    /// The newest Windows build an import may first appear in.
    pub max_build: u32,
}

/// One way the image breaks the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    UnsupportedMachine(u16),
    NotNative(u16),
    MissingExport(String),
    ExtraExport(String),
    ModuleNotAllowed {
        module: String,
        names: Vec<String>,
    },
    DelayLoad(String),
    ByOrdinal {
        module: String,
        ordinal: u16,
    },
    NotInTable {
        module: String,
        name: String,
    },
    TooNew {
        module: String,
        name: String,
        first_build: u32,
        max_build: u32,
    },
    /// A `--pdb` finding, already worded (see [`crate::pdb`]).
    Pdb(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedMachine(m) => {
                write!(
                    f,
                    "machine {m:#06x} is neither AMD64 (0x8664) nor ARM64 (0xaa64)"
                )
            }
            Self::NotNative(s) => write!(
                f,
                "subsystem is {s}, not NATIVE (1): a kernel driver links with /SUBSYSTEM:NATIVE /DRIVER"
            ),
            Self::MissingExport(name) => write!(f, "does not export `{name}`"),
            Self::ExtraExport(name) => write!(
                f,
                "exports `{name}`, which is not one of the intended exports (an accidental #[no_mangle] pub?)"
            ),
            Self::ModuleNotAllowed { module, names } => write!(
                f,
                "imports from `{module}`, which is not an allowed kernel module ({}; or a module of the exports table): {}",
                ALLOWED_MODULES.join(", "),
                names.join(" ")
            ),
            Self::DelayLoad(module) => write!(
                f,
                "delay-loads `{module}`: the kernel loader does not resolve delay-load imports"
            ),
            Self::ByOrdinal { module, ordinal } => write!(
                f,
                "imports `{module}` #{ordinal} by ordinal: kernel imports must be by name"
            ),
            Self::NotInTable { module, name } => write!(
                f,
                "imports `{module}!{name}`, which the kernel exports table does not list (add it with its first Windows build and doc page after checking it exists there)"
            ),
            Self::TooNew {
                module,
                name,
                first_build,
                max_build,
            } => write!(
                f,
                "imports `{module}!{name}`, first exported in build {first_build}, newer than the oldest supported build {max_build}: the driver would not load there"
            ),
            Self::Pdb(text) => f.write_str(text),
        }
    }
}

/// `x64`, `arm64`, or the machine number.
pub fn machine_name(machine: u16) -> String {
    match machine {
        MACHINE_AMD64 => "x64".to_owned(),
        MACHINE_ARM64 => "arm64".to_owned(),
        other => format!("machine {other:#06x}"),
    }
}

/// Checks the facts against the policy and the table. The order of the result is: machine,
/// subsystem, exports, then imports in image order.
pub fn check(facts: &ImageFacts, table: &ExportsTable, policy: &Policy) -> Vec<Violation> {
    let mut out = Vec::new();
    if !matches!(facts.machine, MACHINE_AMD64 | MACHINE_ARM64) {
        out.push(Violation::UnsupportedMachine(facts.machine));
    }
    if facts.subsystem != SUBSYSTEM_NATIVE {
        out.push(Violation::NotNative(facts.subsystem));
    }
    for name in &policy.exports {
        if !facts.exports.contains(name) {
            out.push(Violation::MissingExport(name.clone()));
        }
    }
    for name in &facts.exports {
        if !policy.exports.contains(name) {
            out.push(Violation::ExtraExport(name.clone()));
        }
    }

    let table_modules = table.modules();
    let allowed = |module: &str| {
        let lower = module.to_ascii_lowercase();
        ALLOWED_MODULES.contains(&lower.as_str()) || table_modules.contains(&lower)
    };
    for import in &facts.imports {
        if !allowed(&import.module) {
            // One violation per disallowed module, listing everything it supplies.
            let name = import.name.to_string();
            let earlier = out.iter_mut().find_map(|v| match v {
                Violation::ModuleNotAllowed { module, names }
                    if module.eq_ignore_ascii_case(&import.module) =>
                {
                    Some(names)
                }
                _ => None,
            });
            match earlier {
                Some(names) => names.push(name),
                None => out.push(Violation::ModuleNotAllowed {
                    module: import.module.clone(),
                    names: vec![name],
                }),
            }
            continue;
        }
        match &import.name {
            ImportName::Ordinal(ordinal) => {
                out.push(Violation::ByOrdinal {
                    module: import.module.clone(),
                    ordinal: *ordinal,
                });
            }
            ImportName::Name(name) => match table.lookup(&import.module, name) {
                None => out.push(Violation::NotInTable {
                    module: import.module.clone(),
                    name: name.clone(),
                }),
                Some(entry) if entry.first_build > policy.max_build => {
                    out.push(Violation::TooNew {
                        module: import.module.clone(),
                        name: name.clone(),
                        first_build: entry.first_build,
                        max_build: policy.max_build,
                    });
                }
                Some(_) => {}
            },
        }
    }
    for module in &facts.delay_load_modules {
        out.push(Violation::DelayLoad(module.clone()));
    }
    out
}

/// The summary line and the import table, grouped by module (image order of first appearance),
/// one line per name (sorted) with its table build and doc page:
///
/// ```text
/// cadenza_pc.dll: x64, subsystem native, exports: CADENZA_DEBUG_ROOT DriverEntry
/// imports (2):
///   ntoskrnl.exe  ExAllocatePool2  19041  wdm/nf-wdm-exallocatepool2
///   ntoskrnl.exe  KeBugCheckEx     10240  wdm/nf-wdm-kebugcheckex
/// ```
pub fn report(image: &str, facts: &ImageFacts, table: &ExportsTable) -> String {
    let subsystem = if facts.subsystem == SUBSYSTEM_NATIVE {
        "native".to_owned()
    } else {
        format!("{} (not native)", facts.subsystem)
    };
    let mut exports = facts.exports.clone();
    exports.sort();
    let exports = if exports.is_empty() {
        "(none)".to_owned()
    } else {
        exports.join(" ")
    };
    let mut out = format!(
        "{image}: {}, subsystem {subsystem}, exports: {exports}\nimports ({}):\n",
        machine_name(facts.machine),
        facts.imports.len()
    );

    let mut modules: Vec<&str> = Vec::new();
    for import in &facts.imports {
        if !modules
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&import.module))
        {
            modules.push(&import.module);
        }
    }
    let mut rows: Vec<[String; 4]> = Vec::new();
    for module in modules {
        let mut names: Vec<&ImportName> = facts
            .imports
            .iter()
            .filter(|i| i.module.eq_ignore_ascii_case(module))
            .map(|i| &i.name)
            .collect();
        names.sort();
        for name in names {
            let entry = match name {
                ImportName::Name(n) => table.lookup(module, n),
                ImportName::Ordinal(_) => None,
            };
            let (build, doc) = match entry {
                Some(e) => (e.first_build.to_string(), e.doc_page.clone()),
                None => ("-".to_owned(), "(not in the exports table)".to_owned()),
            };
            rows.push([module.to_owned(), name.to_string(), build, doc]);
        }
    }
    let width = |col: usize| rows.iter().map(|r| r[col].len()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [module, name, build, doc] in &rows {
        let _ = writeln!(out, "  {module:<w0$}  {name:<w1$}  {build:>w2$}  {doc}");
    }
    for module in &facts.delay_load_modules {
        let _ = writeln!(out, "delay-load imports from {module}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample table (not the real one).
    const TABLE: &str = "\
ntoskrnl.exe ExAllocatePool2 19041 wdm/nf-wdm-exallocatepool2
ntoskrnl.exe KeBugCheckEx 10240 wdm/nf-wdm-kebugcheckex
ntoskrnl.exe ExNewIn24H2 26100 wdm/nf-wdm-exnewin24h2
acx01000.sys AcxDriverInitialize 22000 acxdriver/nf-acxdriver-acxdriverinitialize
";

    fn table() -> ExportsTable {
        ExportsTable::parse(TABLE).unwrap()
    }

    fn policy() -> Policy {
        Policy {
            exports: vec!["DriverEntry".into(), "CADENZA_DEBUG_ROOT".into()],
            max_build: DEFAULT_MAX_BUILD,
        }
    }

    /// An image that passes: every later test changes one thing.
    fn good() -> ImageFacts {
        ImageFacts {
            machine: MACHINE_AMD64,
            subsystem: SUBSYSTEM_NATIVE,
            exports: vec!["CADENZA_DEBUG_ROOT".into(), "DriverEntry".into()],
            imports: vec![
                Import::named("ntoskrnl.exe", "ExAllocatePool2"),
                Import::named("NTOSKRNL.EXE", "KeBugCheckEx"),
            ],
            delay_load_modules: vec![],
        }
    }

    #[test]
    fn a_conforming_image_passes() {
        assert_eq!(check(&good(), &table(), &policy()), []);
        let mut arm = good();
        arm.machine = MACHINE_ARM64;
        assert_eq!(check(&arm, &table(), &policy()), []);
    }

    #[test]
    fn a_non_native_subsystem_fails() {
        let mut facts = good();
        facts.subsystem = 3; // IMAGE_SUBSYSTEM_WINDOWS_CUI
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::NotNative(3)]
        );
    }

    #[test]
    fn a_machine_other_than_x64_or_arm64_fails() {
        let mut facts = good();
        facts.machine = 0x014c; // i386
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::UnsupportedMachine(0x014c)]
        );
    }

    #[test]
    fn an_extra_export_fails() {
        let mut facts = good();
        facts.exports.push("cadenza_helper".into());
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::ExtraExport("cadenza_helper".into())]
        );
    }

    #[test]
    fn a_missing_export_fails() {
        let mut facts = good();
        facts.exports.retain(|e| e != "DriverEntry");
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::MissingExport("DriverEntry".into())]
        );
    }

    #[test]
    fn an_import_missing_from_the_table_fails() {
        let mut facts = good();
        facts
            .imports
            .push(Import::named("ntoskrnl.exe", "MmMapIoSpace"));
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::NotInTable {
                module: "ntoskrnl.exe".into(),
                name: "MmMapIoSpace".into()
            }]
        );
    }

    #[test]
    fn an_import_under_the_wrong_module_fails() {
        // The table lists KeBugCheckEx for ntoskrnl.exe, not hal.dll.
        let mut facts = good();
        facts.imports.push(Import::named("hal.dll", "KeBugCheckEx"));
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::NotInTable {
                module: "hal.dll".into(),
                name: "KeBugCheckEx".into()
            }]
        );
    }

    #[test]
    fn an_import_newer_than_21h2_fails() {
        let mut facts = good();
        facts
            .imports
            .push(Import::named("ntoskrnl.exe", "ExNewIn24H2"));
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::TooNew {
                module: "ntoskrnl.exe".into(),
                name: "ExNewIn24H2".into(),
                first_build: 26100,
                max_build: 22000
            }]
        );
        // ... and passes once the oldest supported build is raised.
        let newer = Policy {
            max_build: 26100,
            ..policy()
        };
        assert_eq!(check(&facts, &table(), &newer), []);
    }

    #[test]
    fn a_module_outside_the_allowed_set_fails_once_with_its_names() {
        let mut facts = good();
        facts
            .imports
            .push(Import::named("kernel32.dll", "CreateFileW"));
        facts
            .imports
            .push(Import::named("KERNEL32.dll", "ReadFile"));
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::ModuleNotAllowed {
                module: "kernel32.dll".into(),
                names: vec!["CreateFileW".into(), "ReadFile".into()]
            }]
        );
    }

    #[test]
    fn a_module_named_in_the_table_is_allowed() {
        let mut facts = good();
        facts
            .imports
            .push(Import::named("Acx01000.sys", "AcxDriverInitialize"));
        assert_eq!(check(&facts, &table(), &policy()), []);
    }

    #[test]
    fn an_allowed_module_still_needs_its_names_in_the_table() {
        // ks.sys is allowed though the sample table lists none of its functions.
        let mut facts = good();
        facts.imports.push(Import::named("ks.sys", "KsCreatePin"));
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::NotInTable {
                module: "ks.sys".into(),
                name: "KsCreatePin".into()
            }]
        );
    }

    #[test]
    fn an_import_by_ordinal_fails() {
        let mut facts = good();
        facts.imports.push(Import {
            module: "ntoskrnl.exe".into(),
            name: ImportName::Ordinal(7),
        });
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::ByOrdinal {
                module: "ntoskrnl.exe".into(),
                ordinal: 7
            }]
        );
    }

    #[test]
    fn a_delay_load_import_fails() {
        let mut facts = good();
        facts.delay_load_modules.push("ntoskrnl.exe".into());
        assert_eq!(
            check(&facts, &table(), &policy()),
            [Violation::DelayLoad("ntoskrnl.exe".into())]
        );
    }

    #[test]
    fn the_report_groups_imports_by_module_with_build_and_doc_page() {
        let mut facts = good();
        facts
            .imports
            .insert(0, Import::named("ks.sys", "KsCreatePin"));
        let text = report("cadenza_pc.dll", &facts, &table());
        assert_eq!(
            text,
            "\
cadenza_pc.dll: x64, subsystem native, exports: CADENZA_DEBUG_ROOT DriverEntry
imports (3):
  ks.sys        KsCreatePin          -  (not in the exports table)
  ntoskrnl.exe  ExAllocatePool2  19041  wdm/nf-wdm-exallocatepool2
  ntoskrnl.exe  KeBugCheckEx     10240  wdm/nf-wdm-kebugcheckex
"
        );
    }

    #[test]
    fn violations_read_as_one_line_naming_the_import() {
        let v = Violation::TooNew {
            module: "ntoskrnl.exe".into(),
            name: "ExNewIn24H2".into(),
            first_build: 26100,
            max_build: 22000,
        };
        let line = v.to_string();
        assert!(!line.contains('\n'));
        assert!(
            line.contains("ntoskrnl.exe!ExNewIn24H2")
                && line.contains("26100")
                && line.contains("22000"),
            "{line}"
        );
    }
}
