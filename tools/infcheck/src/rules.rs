//! The rules `inf/cadenza.inx` must follow, each failing with a message that names the line.
//!
//! The expected names are imported, never copied: circuit names from `cadenza_acx::names`,
//! subdevice names from `cadenza_portcls::names`, KS category GUIDs from
//! `cadenza_portcls::guids`, and the driver parameters from `cadenza_engine::config::KEYS`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cadenza_acx::names as acx_names;
use cadenza_engine::Guid;
use cadenza_engine::config::{KEYS, KeyId, KeySpec, RegType};
use cadenza_portcls::{guids, names as pc_names};

use crate::parse::{Inf, Line, Section, parse_number};

/// The hardware ID that selects the ACX driver (`devgen /add /bus ROOT /hardwareid ...`).
pub const ACX_HARDWARE_ID: &str = "ROOT\\CadenzaAcx";
/// The hardware ID that selects the PortCls driver.
pub const PORTCLS_HARDWARE_ID: &str = "ROOT\\CadenzaPortCls";
/// The ACX driver binary (crate `cadenza-acx-sys`, lib `cadenza_acx`).
pub const ACX_BINARY: &str = "cadenza_acx.sys";
/// The PortCls driver binary (crate `cadenza-pc-sys`, lib `cadenza_pc`).
pub const PORTCLS_BINARY: &str = "cadenza_pc.sys";
/// The KMDF version both binaries are built for (their `package.metadata.wdk`); the template
/// may leave `$KMDFVERSION$` for `stampinf -k 1.33` to fill in.
pub const KMDF_VERSION: &str = "1.33";
/// The device setup class of audio devices (Class=MEDIA).
pub const MEDIA_CLASS_GUID: &str = "{4d36e96c-e325-11ce-bfc1-08002be10318}";
/// `CLSID_Proxy`: ksproxy.ax, the user-mode proxy every KS filter interface names.
pub const KS_PROXY_CLSID: Guid = Guid::from_u128(0x17CC_A71B_ECD7_11D0_B908_00A0_C922_3196);
/// `SPSVCINST_ASSOCSERVICE`: the AddService flag that makes a service the device's function
/// driver.
const SPSVCINST_ASSOCSERVICE: u64 = 0x2;
/// The DIRID of the driver store: the only destination a Windows Driver package may use.
const DIRID_DRIVER_STORE: &str = "13";
/// The architectures Cadenza ships a package for (stampinf's `-a`: x86_64-pc-windows-msvc and
/// aarch64-pc-windows-msvc); each needs a models section.
pub const ARCHITECTURES: [&str; 2] = ["amd64", "arm64"];

/// The architectures a [Manufacturer] decoration (`NT$ARCH$.10.0...22000`, `NTarm64`, ...)
/// makes its models section apply to: all for `NT$ARCH$` (stampinf fills in each package's
/// architecture) and an undecorated `NT`, one for `NT<arch>`, none otherwise (`NTx86`).
fn decoration_architectures(decoration: &str) -> Vec<&'static str> {
    let platform = decoration
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if platform == "nt$arch$" || platform == "nt" {
        return ARCHITECTURES.to_vec();
    }
    ARCHITECTURES
        .into_iter()
        .filter(|arch| platform.strip_prefix("nt") == Some(*arch))
        .collect()
}

/// Which rule a problem breaks (tests and fixtures match on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The text does not parse cleanly (quotes, headers, undefined %strings%).
    Syntax,
    /// A [Version] field stampinf or InfVerif needs is missing or wrong.
    Version,
    /// A directive names a section (or an included INF's section) that is not there.
    MissingSection,
    /// [Manufacturer] / models: hardware IDs and their install sections.
    Models,
    /// A DDInstall's Services, Wdf or Interfaces do not fit its framework.
    FrameworkFit,
    /// One framework's directives in the other's install section.
    CrossFramework,
    /// An interface reference string differs from the names the driver registers.
    ReferenceString,
    /// An interface lacks the KS proxy CLSID or the expected friendly name.
    InterfaceProperties,
    /// Driver parameter lines disagree with `config::KEYS`.
    Parameters,
    /// Source disks, copied files and destination directories.
    Files,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The line at fault (for a missing thing: the line that needs it).
    pub line: Option<usize>,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {} [{}]", self.message, self.rule),
            None => write!(f, "{} [{}]", self.message, self.rule),
        }
    }
}

/// The two drivers the INF offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    Acx,
    PortCls,
}

impl Framework {
    pub const ALL: [Framework; 2] = [Framework::Acx, Framework::PortCls];

    pub const fn name(self) -> &'static str {
        match self {
            Framework::Acx => "ACX",
            Framework::PortCls => "PortCls",
        }
    }

    pub const fn hardware_id(self) -> &'static str {
        match self {
            Framework::Acx => ACX_HARDWARE_ID,
            Framework::PortCls => PORTCLS_HARDWARE_ID,
        }
    }

    pub const fn binary(self) -> &'static str {
        match self {
            Framework::Acx => ACX_BINARY,
            Framework::PortCls => PORTCLS_BINARY,
        }
    }

    const fn other(self) -> Framework {
        match self {
            Framework::Acx => Framework::PortCls,
            Framework::PortCls => Framework::Acx,
        }
    }

    fn from_hardware_id(id: &str) -> Option<Framework> {
        Framework::ALL
            .into_iter()
            .find(|f| f.hardware_id().eq_ignore_ascii_case(id))
    }
}

/// The KS categories an audio filter interface is registered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Audio,
    Render,
    Capture,
    Realtime,
    Topology,
}

impl Category {
    const ALL: [Category; 5] = [
        Category::Audio,
        Category::Render,
        Category::Capture,
        Category::Realtime,
        Category::Topology,
    ];

    pub const fn guid(self) -> Guid {
        match self {
            Category::Audio => guids::KSCATEGORY_AUDIO,
            Category::Render => guids::KSCATEGORY_RENDER,
            Category::Capture => guids::KSCATEGORY_CAPTURE,
            Category::Realtime => guids::KSCATEGORY_REALTIME,
            Category::Topology => guids::KSCATEGORY_TOPOLOGY,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Category::Audio => "KSCATEGORY_AUDIO",
            Category::Render => "KSCATEGORY_RENDER",
            Category::Capture => "KSCATEGORY_CAPTURE",
            Category::Realtime => "KSCATEGORY_REALTIME",
            Category::Topology => "KSCATEGORY_TOPOLOGY",
        }
    }

    fn from_guid(guid: Guid) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.guid() == guid)
    }
}

/// One device interface a driver registers, as the INF must list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedInterface {
    /// The reference string (ACX circuit name or PortCls subdevice name).
    pub reference: &'static str,
    /// 1-based cable number.
    pub cable: usize,
    /// What the filter is, for messages ("render circuit", "topology filter").
    pub role: &'static str,
    pub categories: &'static [Category],
    /// The FriendlyName the INF writes for it.
    pub friendly_name: String,
}

const ACX_RENDER: &[Category] = &[Category::Audio, Category::Render, Category::Realtime];
const ACX_CAPTURE: &[Category] = &[Category::Audio, Category::Capture, Category::Realtime];
const PC_WAVE: &[Category] = &[
    Category::Audio,
    Category::Render,
    Category::Capture,
    Category::Realtime,
];
const PC_TOPOLOGY: &[Category] = &[Category::Audio, Category::Topology];

/// The default `CableName` numbered for cable `n` (1-based): what an unconfigured driver calls
/// the cable's endpoints, and so what the INF writes.
pub fn default_cable_name(n: usize) -> String {
    KeyId::CableName
        .spec()
        .default
        .replace("{n}", &n.to_string())
}

/// Every interface `framework`'s driver can register: all cables, in cable order.
pub fn expected_interfaces(framework: Framework) -> Vec<ExpectedInterface> {
    let mut out = Vec::new();
    match framework {
        Framework::Acx => {
            let names = acx_names::RENDER_CIRCUIT_NAMES
                .iter()
                .zip(acx_names::CAPTURE_CIRCUIT_NAMES)
                .zip(acx_names::INF_FRIENDLY_NAMES);
            for (i, ((render, capture), friendly)) in names.enumerate() {
                for (reference, role, categories) in [
                    (*render, "render circuit", ACX_RENDER),
                    (capture, "capture circuit", ACX_CAPTURE),
                ] {
                    out.push(ExpectedInterface {
                        reference,
                        cable: i + 1,
                        role,
                        categories,
                        friendly_name: friendly.to_owned(),
                    });
                }
            }
        }
        Framework::PortCls => {
            for (i, cable) in pc_names::CABLES.iter().enumerate() {
                for (reference, role, categories) in [
                    (cable.wave, "wave filter", PC_WAVE),
                    (cable.topology, "topology filter", PC_TOPOLOGY),
                ] {
                    out.push(ExpectedInterface {
                        reference,
                        cable: i + 1,
                        role,
                        categories,
                        friendly_name: default_cable_name(i + 1),
                    });
                }
            }
        }
    }
    out
}

/// The `HKR,Parameters,...` AddReg line for `spec`, as the INF writes it.
pub fn parameter_line(spec: &KeySpec) -> String {
    let flags = spec.reg_type.inf_addreg_flags();
    let mut line = format!("HKR,Parameters,{},0x{flags:08X}", spec.name);
    for item in spec.default_items() {
        line.push(',');
        if spec.reg_type == RegType::Dword {
            line.push_str(item);
        } else {
            line.push('"');
            line.push_str(item);
            line.push('"');
        }
    }
    line
}

/// Reads `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional, any case).
pub fn parse_guid(text: &str) -> Option<Guid> {
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    let groups: Vec<&str> = t.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lengths != [8, 4, 4, 4, 12] {
        return None;
    }
    let hex: String = groups.concat();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok().map(Guid::from_u128)
}

/// Checks `inf`; an empty result means it passes.
pub fn check(inf: &Inf) -> Vec<Problem> {
    let mut checker = Checker {
        inf,
        problems: Vec::new(),
        copied_files: BTreeSet::new(),
        copies_known: true,
    };
    checker.syntax();
    checker.version();
    let installs = checker.models();
    checker.copies_known &= installs.len() == Framework::ALL.len();
    for install in &installs {
        checker.install(install);
    }
    checker.source_files();
    let mut problems = checker.problems;
    problems.sort_by_key(|p| (p.line.unwrap_or(0), p.rule));
    problems
}

/// A model line: which framework, which DDInstall section, where.
#[derive(Debug)]
struct Install {
    framework: Framework,
    base: String,
    line: usize,
}

struct Checker<'a> {
    inf: &'a Inf,
    problems: Vec<Problem>,
    /// Lower-cased names of every file a DDInstall copies.
    copied_files: BTreeSet<String>,
    /// False once a model or CopyFiles section is missing: then the copied files are not all
    /// known, and "listed but never copied" would only repeat that problem.
    copies_known: bool,
}

impl<'a> Checker<'a> {
    fn report(&mut self, line: Option<usize>, rule: Rule, message: String) {
        self.problems.push(Problem {
            line,
            rule,
            message,
        });
    }

    /// The section `name`, or a MissingSection problem at `line` naming `directive`.
    fn referenced(
        &mut self,
        name: &str,
        line: &Line,
        directive: &str,
        from: &str,
    ) -> Option<&'a Section> {
        let inf = self.inf;
        let found = inf.section(name);
        if found.is_none() {
            self.report(
                Some(line.number()),
                Rule::MissingSection,
                format!("{directive} in [{from}] names section [{name}], which does not exist"),
            );
        }
        found
    }

    fn syntax(&mut self) {
        for d in self.inf.diagnostics() {
            self.report(Some(d.line), Rule::Syntax, d.message.clone());
        }
    }

    fn version(&mut self) {
        let Some(version) = self.inf.section("Version") else {
            self.report(
                None,
                Rule::Version,
                "there is no [Version] section".to_owned(),
            );
            return;
        };
        let at = version.line();
        let field = |this: &mut Self, key: &str| -> Option<&'a Line> {
            let line = version.first(key);
            match line {
                Some(l) if !l.value(0).is_empty() => Some(l),
                _ => {
                    this.report(
                        Some(line.map_or(at, Line::number)),
                        Rule::Version,
                        format!("[Version] has no {key} (stampinf and InfVerif need it)"),
                    );
                    None
                }
            }
        };
        let expect = [
            ("Signature", "$Windows NT$"),
            ("Class", "MEDIA"),
            ("ClassGuid", MEDIA_CLASS_GUID),
            ("PnpLockdown", "1"),
        ];
        for (key, wanted) in expect {
            if let Some(line) = field(self, key)
                && !line.value(0).eq_ignore_ascii_case(wanted)
            {
                self.report(
                    Some(line.number()),
                    Rule::Version,
                    format!(
                        "[Version] {key} is {:?}; it must be {wanted}",
                        line.value(0)
                    ),
                );
            }
        }
        field(self, "Provider");
        if let Some(line) = field(self, "CatalogFile")
            && !line.value(0).to_ascii_lowercase().ends_with(".cat")
        {
            self.report(
                Some(line.number()),
                Rule::Version,
                format!(
                    "[Version] CatalogFile {:?} is not a .cat file",
                    line.value(0)
                ),
            );
        }
        if let Some(line) = field(self, "DriverVer") {
            let date_ok = line.value(0).split('/').count() == 3;
            let version_ok = line.value(1).split('.').count() == 4;
            if !(date_ok && version_ok) {
                self.report(
                    Some(line.number()),
                    Rule::Version,
                    "[Version] DriverVer must read `mm/dd/yyyy,w.x.y.z` (stampinf -d * -v * \
                     rewrites it)"
                        .to_owned(),
                );
            }
        }
    }

    /// Reads [Manufacturer] and the models sections; returns one install per framework found.
    fn models(&mut self) -> Vec<Install> {
        let inf = self.inf;
        let Some(manufacturer) = inf.section("Manufacturer") else {
            self.report(
                None,
                Rule::Models,
                "there is no [Manufacturer] section".to_owned(),
            );
            return Vec::new();
        };
        let mut installs: Vec<Install> = Vec::new();
        let mut covered: BTreeSet<&'static str> = BTreeSet::new();
        for line in manufacturer.lines() {
            let base = line.value(0);
            let decorations = line.values().get(1..).unwrap_or(&[]);
            let names: Vec<String> = if decorations.is_empty() {
                // An undecorated models section applies to every architecture.
                covered.extend(ARCHITECTURES);
                vec![base.to_owned()]
            } else {
                for d in decorations {
                    covered.extend(decoration_architectures(d));
                }
                decorations.iter().map(|d| format!("{base}.{d}")).collect()
            };
            for name in names {
                let Some(models) = self.referenced(&name, line, "A manufacturer", "Manufacturer")
                else {
                    continue;
                };
                // One models section per architecture: each lists every hardware ID once, and
                // the same ID in two sections (NTamd64 and NTarm64) is one install.
                let mut found: Vec<Install> = Vec::new();
                for model in models.lines() {
                    self.model_line(models, model, &mut found);
                }
                self.merge_installs(found, &mut installs);
            }
        }
        for arch in ARCHITECTURES {
            if !covered.contains(arch) {
                self.report(
                    Some(manufacturer.line()),
                    Rule::Models,
                    format!(
                        "no models section for {arch}: [Manufacturer] needs an NT{arch} \
                         decoration (or NT$ARCH$, which stampinf fills in per package), or the \
                         {arch} package installs on no device"
                    ),
                );
            }
        }
        for framework in Framework::ALL {
            if !installs.iter().any(|i| i.framework == framework) {
                self.report(
                    Some(manufacturer.line()),
                    Rule::Models,
                    format!(
                        "no model installs {} (the {} driver)",
                        framework.hardware_id(),
                        framework.name()
                    ),
                );
            }
        }
        if let [a, b] = installs.as_slice()
            && a.base.eq_ignore_ascii_case(&b.base)
        {
            self.report(
                Some(b.line),
                Rule::Models,
                format!(
                    "both frameworks install with [{}]; each needs its own DDInstall section",
                    b.base
                ),
            );
        }
        installs
    }

    /// Adds one models section's installs to `installs`: a framework another architecture's
    /// section already installs must use the same DDInstall section there.
    fn merge_installs(&mut self, found: Vec<Install>, installs: &mut Vec<Install>) {
        for install in found {
            match installs.iter().find(|i| i.framework == install.framework) {
                Some(first) if !first.base.eq_ignore_ascii_case(&install.base) => {
                    let message = format!(
                        "{} installs with [{}] here but with [{}] at line {}; every \
                         architecture's models section must use the same install section",
                        install.framework.hardware_id(),
                        install.base,
                        first.base,
                        first.line
                    );
                    self.report(Some(install.line), Rule::Models, message);
                }
                Some(_) => {}
                None => installs.push(install),
            }
        }
    }

    fn model_line(&mut self, models: &Section, model: &Line, installs: &mut Vec<Install>) {
        let base = model.value(0);
        let ids = model.values().get(1..).unwrap_or(&[]);
        if base.is_empty() || ids.is_empty() {
            self.report(
                Some(model.number()),
                Rule::Models,
                format!(
                    "model line in [{}] needs `description = install-section, hardware-id`",
                    models.name()
                ),
            );
            return;
        }
        for id in ids {
            let Some(framework) = Framework::from_hardware_id(id) else {
                self.report(
                    Some(model.number()),
                    Rule::Models,
                    format!(
                        "hardware ID {id:?} is neither {ACX_HARDWARE_ID} nor {PORTCLS_HARDWARE_ID}"
                    ),
                );
                continue;
            };
            if let Some(first) = installs.iter().find(|i| i.framework == framework) {
                let message = format!(
                    "{} is installed twice (first at line {})",
                    framework.hardware_id(),
                    first.line
                );
                self.report(Some(model.number()), Rule::Models, message);
                continue;
            }
            installs.push(Install {
                framework,
                base: base.to_owned(),
                line: model.number(),
            });
        }
    }

    /// Every rule for one framework's DDInstall section family.
    fn install(&mut self, install: &Install) {
        let inf = self.inf;
        let fw = install.framework;
        let nt_name = format!("{}.NT", install.base);
        let Some(nt) = inf.section(&nt_name) else {
            self.report(
                Some(install.line),
                Rule::MissingSection,
                format!(
                    "the {} model installs with [{nt_name}], which does not exist",
                    fw.name()
                ),
            );
            return;
        };
        let part = |suffix: &str, what: &str, this: &mut Self| {
            let name = format!("{nt_name}.{suffix}");
            let found = inf.section(&name);
            if found.is_none() {
                this.report(
                    Some(nt.line()),
                    Rule::FrameworkFit,
                    format!("the {} install has no [{name}] section ({what})", fw.name()),
                );
            }
            found
        };
        let services = part("Services", "it must install the driver's service", self);
        let wdf = part(
            "Wdf",
            "both drivers are KMDF 1.33 and need KmdfService",
            self,
        );
        let interfaces = part(
            "Interfaces",
            "the audio filters' interfaces and friendly names",
            self,
        );

        self.copy_files(fw, nt);
        let (addreg, complete) = self.addreg_closure(nt);
        self.include_needs(fw, nt, &addreg, complete);
        if complete {
            self.parameters(nt, &addreg);
        }
        let service = services.and_then(|s| self.services(fw, s));
        if let Some(wdf) = wdf {
            self.wdf(fw, wdf, service.as_deref());
        }
        if let Some(interfaces) = interfaces {
            self.interfaces(fw, interfaces);
        }
    }

    /// Records the files `nt` copies, checking the binaries and their destinations.
    fn copy_files(&mut self, fw: Framework, nt: &Section) {
        let inf = self.inf;
        let mut files = BTreeSet::new();
        let mut complete = true;
        for line in nt.lines_with_key("CopyFiles") {
            for target in line.values() {
                if let Some(file) = target.strip_prefix('@') {
                    files.insert(file.to_ascii_lowercase());
                    continue;
                }
                let Some(section) = self.referenced(target, line, "CopyFiles", nt.name()) else {
                    complete = false;
                    continue;
                };
                for entry in section.lines() {
                    files.insert(entry.value(0).to_ascii_lowercase());
                }
                let dest = inf
                    .section("DestinationDirs")
                    .and_then(|d| d.first(target).or_else(|| d.first("DefaultDestDir")));
                match dest {
                    Some(d) if d.value(0) == DIRID_DRIVER_STORE => {}
                    Some(d) => self.report(
                        Some(d.number()),
                        Rule::Files,
                        format!(
                            "[{target}] is copied to DIRID {}; a Windows Driver package runs \
                             from the driver store (13)",
                            d.value(0)
                        ),
                    ),
                    None => self.report(
                        Some(line.number()),
                        Rule::Files,
                        format!("[DestinationDirs] has no entry for [{target}] (use 13)"),
                    ),
                }
            }
        }
        self.copies_known &= complete;
        if complete && !files.contains(fw.binary()) {
            self.report(
                Some(nt.line()),
                Rule::FrameworkFit,
                format!(
                    "the {} install [{}] does not copy {}",
                    fw.name(),
                    nt.name(),
                    fw.binary()
                ),
            );
        }
        if files.contains(fw.other().binary()) {
            self.report(
                Some(nt.line()),
                Rule::CrossFramework,
                format!(
                    "the {} install [{}] copies {}, the {} driver",
                    fw.name(),
                    nt.name(),
                    fw.other().binary(),
                    fw.other().name()
                ),
            );
        }
        self.copied_files.extend(files);
    }

    /// Every line of every section `section`'s AddReg directives name, and whether all of
    /// those sections exist (the missing ones are reported here).
    fn addreg_closure(&mut self, section: &Section) -> (Vec<&'a Line>, bool) {
        let mut out = Vec::new();
        let mut complete = true;
        for line in section.lines_with_key("AddReg") {
            for target in line.values() {
                match self.referenced(target, line, "AddReg", section.name()) {
                    Some(s) => out.extend(s.lines()),
                    None => complete = false,
                }
            }
        }
        (out, complete)
    }

    /// Include / Needs and the wdmaud registration: PortCls needs them, ACX must not have them.
    fn include_needs(&mut self, fw: Framework, nt: &Section, addreg: &[&Line], complete: bool) {
        let includes: Vec<(&Line, &String)> = nt
            .lines_with_key("Include")
            .flat_map(|l| l.values().iter().map(move |v| (l, v)))
            .collect();
        let needs: Vec<(&Line, &String)> = nt
            .lines_with_key("Needs")
            .flat_map(|l| l.values().iter().map(move |v| (l, v)))
            .collect();
        let wdmaud: Vec<&Line> = addreg
            .iter()
            .copied()
            .filter(|l| {
                l.values()
                    .iter()
                    .any(|v| v.to_ascii_lowercase().contains("wdmaud"))
            })
            .collect();
        match fw {
            Framework::Acx => self.acx_without_portcls(nt, &includes, &needs, &wdmaud),
            Framework::PortCls => {
                self.portcls_registration(nt, &includes, &needs);
                let registers_wave = wdmaud.iter().any(|l| {
                    l.value(1).eq_ignore_ascii_case("Drivers\\wave\\wdmaud.drv")
                        && l.value(2).eq_ignore_ascii_case("Driver")
                        && l.value(4).eq_ignore_ascii_case("wdmaud.drv")
                });
                if complete && !registers_wave {
                    self.report(
                        Some(nt.line()),
                        Rule::FrameworkFit,
                        format!(
                            "the PortCls install [{}] lacks the wdmaud AddReg \
                             (HKR,Drivers\\wave\\wdmaud.drv,Driver,,wdmaud.drv)",
                            nt.name()
                        ),
                    );
                }
            }
        }
    }

    /// ACX drivers use neither ks.inf/wdmaudio.inf nor the wdmaud registration.
    fn acx_without_portcls(
        &mut self,
        nt: &Section,
        includes: &[(&Line, &String)],
        needs: &[(&Line, &String)],
        wdmaud: &[&Line],
    ) {
        let directives = includes
            .iter()
            .map(|(l, v)| (l, format!("Include={v}")))
            .chain(needs.iter().map(|(l, v)| (l, format!("Needs={v}"))));
        for (line, what) in directives {
            self.report(
                Some(line.number()),
                Rule::CrossFramework,
                format!(
                    "{what} in the ACX install [{}] is PortCls-only (ACX drivers do not use \
                     ks.inf/wdmaudio.inf)",
                    nt.name()
                ),
            );
        }
        for line in wdmaud {
            self.report(
                Some(line.number()),
                Rule::CrossFramework,
                format!(
                    "wdmaud registration in the ACX install [{}] is PortCls-only",
                    nt.name()
                ),
            );
        }
    }

    /// A PortCls adapter Includes ks.inf and wdmaudio.inf and Needs their registration
    /// sections; every Needs must come from an included INF.
    fn portcls_registration(
        &mut self,
        nt: &Section,
        includes: &[(&Line, &String)],
        needs: &[(&Line, &String)],
    ) {
        /// The sections we Need, and the in-box INF each comes from.
        const NEEDS: [(&str, &str); 2] = [
            ("KS.Registration", "ks.inf"),
            ("WDMAUDIO.Registration", "wdmaudio.inf"),
        ];
        let is_included = |name: &str| includes.iter().any(|(_, v)| v.eq_ignore_ascii_case(name));
        for (section, inf_name) in NEEDS {
            if !is_included(inf_name) {
                self.report(
                    Some(nt.line()),
                    Rule::FrameworkFit,
                    format!(
                        "the PortCls install [{}] must Include {inf_name}",
                        nt.name()
                    ),
                );
            }
            if !needs.iter().any(|(_, v)| v.eq_ignore_ascii_case(section)) {
                self.report(
                    Some(nt.line()),
                    Rule::FrameworkFit,
                    format!("the PortCls install [{}] must Need {section}", nt.name()),
                );
            }
        }
        for (line, need) in needs {
            let message = match NEEDS.iter().find(|(s, _)| s.eq_ignore_ascii_case(need)) {
                Some((_, from)) if is_included(from) => continue,
                Some((_, from)) => format!(
                    "Needs={need} comes from {from}, which [{}] does not Include",
                    nt.name()
                ),
                None => format!(
                    "Needs={need} names a section of no included INF this check knows \
                     (ks.inf, wdmaudio.inf)"
                ),
            };
            self.report(Some(line.number()), Rule::MissingSection, message);
        }
    }

    /// The `HKR,Parameters,...` lines must be exactly [`KEYS`].
    fn parameters(&mut self, nt: &Section, addreg: &[&Line]) {
        let mut seen: BTreeMap<KeyId, usize> = BTreeMap::new();
        let lines = addreg.iter().filter(|l| {
            l.value(0).eq_ignore_ascii_case("HKR") && l.value(1).eq_ignore_ascii_case("Parameters")
        });
        for line in lines {
            let name = line.value(2);
            let Some(id) = KeyId::from_name(name) else {
                self.report(
                    Some(line.number()),
                    Rule::Parameters,
                    format!(
                        "parameter {name:?} is not a configuration key (config::KEYS has {})",
                        KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    ),
                );
                continue;
            };
            let spec = id.spec();
            if let Some(first) = seen.insert(id, line.number()) {
                self.report(
                    Some(line.number()),
                    Rule::Parameters,
                    format!(
                        "parameter {} is written twice (first at line {first})",
                        spec.name
                    ),
                );
                continue;
            }
            self.parameter(line, spec);
        }
        for spec in KEYS {
            if !seen.contains_key(&spec.id) {
                self.report(
                    Some(nt.line()),
                    Rule::Parameters,
                    format!(
                        "[{}] does not write parameter {} ({}); add `{}`",
                        nt.name(),
                        spec.name,
                        spec.reg_type.name(),
                        parameter_line(spec)
                    ),
                );
            }
        }
    }

    fn parameter(&mut self, line: &Line, spec: &KeySpec) {
        let expected = parameter_line(spec);
        let mut wrong = Vec::new();
        if line.value(2) != spec.name {
            wrong.push(format!("the name is spelled {}", spec.name));
        }
        let flags = if line.value(3).is_empty() {
            Some(0)
        } else {
            parse_number(line.value(3))
        };
        let wanted_flags = u64::from(spec.reg_type.inf_addreg_flags());
        if flags != Some(wanted_flags) {
            // The user's edits survive a driver update only with FLG_ADDREG_NOCLOBBER.
            wrong.push(format!(
                "flags {:?} are not 0x{wanted_flags:08X} ({}, with FLG_ADDREG_NOCLOBBER so a \
                 driver update keeps the user's value)",
                line.value(3),
                spec.reg_type.name()
            ));
        }
        let values: Vec<&str> = line
            .values()
            .get(4..)
            .unwrap_or(&[])
            .iter()
            .map(String::as_str)
            .collect();
        let defaults: Vec<&str> = spec.default_items().collect();
        if values != defaults {
            wrong.push(format!(
                "the value {values:?} is not the default {defaults:?}"
            ));
        }
        if !wrong.is_empty() {
            self.report(
                Some(line.number()),
                Rule::Parameters,
                format!(
                    "parameter {} disagrees with config::KEYS: {}; write `{expected}`",
                    spec.name,
                    wrong.join("; ")
                ),
            );
        }
    }

    /// Checks the .Services section; returns the associated service's name.
    fn services(&mut self, fw: Framework, services: &Section) -> Option<String> {
        let mut associated: Option<(String, usize)> = None;
        for line in services.lines_with_key("AddService") {
            let name = line.value(0).to_owned();
            let flags = parse_number(line.value(1)).unwrap_or(0);
            if flags & SPSVCINST_ASSOCSERVICE != 0 {
                if let Some((first, at)) = &associated {
                    let message = format!(
                        "a second function-driver service {name} (first: {first} at line {at})"
                    );
                    self.report(Some(line.number()), Rule::FrameworkFit, message);
                } else {
                    associated = Some((name.clone(), line.number()));
                }
            }
            if let Some(install) =
                self.referenced(line.value(2), line, "AddService", services.name())
            {
                self.service_install(fw, install);
            }
        }
        if associated.is_none() {
            self.report(
                Some(services.line()),
                Rule::FrameworkFit,
                format!(
                    "[{}] has no AddService with flag 0x2 (SPSVCINST_ASSOCSERVICE): the {} \
                     device would have no function driver",
                    services.name(),
                    fw.name()
                ),
            );
        }
        associated.map(|(name, _)| name)
    }

    fn service_install(&mut self, fw: Framework, install: &Section) {
        let binary = install.first("ServiceBinary");
        let expected = format!("%13%\\{}", fw.binary());
        match binary {
            Some(b) if b.value(0).eq_ignore_ascii_case(&expected) => {}
            Some(b) => {
                let other = format!("%13%\\{}", fw.other().binary());
                let rule = if b.value(0).eq_ignore_ascii_case(&other) {
                    Rule::CrossFramework
                } else {
                    Rule::FrameworkFit
                };
                self.report(
                    Some(b.number()),
                    rule,
                    format!(
                        "the {} service binary is {:?}; it must be {expected}",
                        fw.name(),
                        b.value(0)
                    ),
                );
            }
            None => self.report(
                Some(install.line()),
                Rule::FrameworkFit,
                format!("[{}] has no ServiceBinary", install.name()),
            ),
        }
        for (key, wanted, meaning) in [
            ("ServiceType", 1, "SERVICE_KERNEL_DRIVER"),
            ("StartType", 3, "SERVICE_DEMAND_START"),
            ("ErrorControl", 1, "SERVICE_ERROR_NORMAL"),
        ] {
            let value = install.first(key);
            if value.and_then(|l| parse_number(l.value(0))) != Some(wanted) {
                self.report(
                    Some(value.map_or(install.line(), Line::number)),
                    Rule::FrameworkFit,
                    format!("[{}] {key} must be {wanted} ({meaning})", install.name()),
                );
            }
        }
    }

    fn wdf(&mut self, fw: Framework, wdf: &Section, service: Option<&str>) {
        let Some(line) = wdf.first("KmdfService") else {
            self.report(
                Some(wdf.line()),
                Rule::FrameworkFit,
                format!(
                    "[{}] has no KmdfService: the {} driver is KMDF",
                    wdf.name(),
                    fw.name()
                ),
            );
            return;
        };
        if let Some(service) = service
            && !line.value(0).eq_ignore_ascii_case(service)
        {
            self.report(
                Some(line.number()),
                Rule::FrameworkFit,
                format!(
                    "KmdfService names service {:?}, but the {} install's function driver is {service:?}",
                    line.value(0),
                    fw.name()
                ),
            );
        }
        let Some(section) = self.referenced(line.value(1), line, "KmdfService", wdf.name()) else {
            return;
        };
        let version = section.first("KmdfLibraryVersion");
        let ok = version.is_some_and(|v| {
            v.value(0) == KMDF_VERSION || v.value(0).eq_ignore_ascii_case("$KMDFVERSION$")
        });
        if !ok {
            self.report(
                Some(version.map_or(section.line(), Line::number)),
                Rule::FrameworkFit,
                format!(
                    "[{}] KmdfLibraryVersion must be {KMDF_VERSION} (or $KMDFVERSION$ for \
                     stampinf -k {KMDF_VERSION})",
                    section.name()
                ),
            );
        }
    }

    fn interfaces(&mut self, fw: Framework, section: &Section) {
        let expected = expected_interfaces(fw);
        let other = expected_interfaces(fw.other());
        // Reference string -> (categories, first line, install sections).
        let mut found: BTreeMap<String, (BTreeSet<Category>, usize, Vec<&'a Section>)> =
            BTreeMap::new();
        for line in section.lines_with_key("AddInterface") {
            let reference = line.value(1).to_owned();
            let category = parse_guid(line.value(0)).and_then(Category::from_guid);
            let Some(category) = category else {
                self.report(
                    Some(line.number()),
                    Rule::FrameworkFit,
                    format!(
                        "AddInterface class {:?} is not an audio KS category",
                        line.value(0)
                    ),
                );
                continue;
            };
            let install = self.referenced(line.value(2), line, "AddInterface", section.name());
            let entry = found
                .entry(reference)
                .or_insert_with(|| (BTreeSet::new(), line.number(), Vec::new()));
            entry.0.insert(category);
            entry.2.extend(install);
        }
        for (reference, (categories, at, installs)) in &found {
            let Some(want) = expected.iter().find(|e| e.reference == reference) else {
                let (rule, why) = if other.iter().any(|e| e.reference == reference) {
                    (
                        Rule::CrossFramework,
                        format!("it is a name of the {} driver", fw.other().name()),
                    )
                } else {
                    (Rule::ReferenceString, "no cable has it".to_owned())
                };
                self.report(
                    Some(*at),
                    rule,
                    format!(
                        "reference string {reference:?} is not a name {} registers ({why}; the \
                         names come from {})",
                        fw.binary(),
                        names_module(fw)
                    ),
                );
                continue;
            };
            self.interface_categories(fw, want, categories, *at);
            for install in installs {
                self.interface_properties(want, install, *at);
            }
        }
        for want in &expected {
            if !found.contains_key(want.reference) {
                self.report(
                    Some(section.line()),
                    Rule::ReferenceString,
                    format!(
                        "[{}] has no AddInterface for {:?}, the {} of cable {} ({})",
                        section.name(),
                        want.reference,
                        want.role,
                        want.cable,
                        names_module(fw)
                    ),
                );
            }
        }
    }

    fn interface_categories(
        &mut self,
        fw: Framework,
        want: &ExpectedInterface,
        categories: &BTreeSet<Category>,
        at: usize,
    ) {
        let wanted: BTreeSet<Category> = want.categories.iter().copied().collect();
        if *categories == wanted {
            return;
        }
        let missing: Vec<&str> = wanted.difference(categories).map(|c| c.name()).collect();
        let extra: Vec<&str> = categories.difference(&wanted).map(|c| c.name()).collect();
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!("missing {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            why.push(format!("not expected {}", extra.join(", ")));
        }
        self.report(
            Some(at),
            Rule::FrameworkFit,
            format!(
                "{:?} (the {} {} of cable {}) must be registered under {}: {}",
                want.reference,
                fw.name(),
                want.role,
                want.cable,
                want.categories
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                why.join("; ")
            ),
        );
    }

    fn interface_properties(&mut self, want: &ExpectedInterface, install: &Section, at: usize) {
        let (lines, complete) = self.addreg_closure(install);
        if !complete {
            return;
        }
        let value = |name: &str| {
            lines
                .iter()
                .find(|l| {
                    l.value(0).eq_ignore_ascii_case("HKR")
                        && l.value(1).is_empty()
                        && l.value(2).eq_ignore_ascii_case(name)
                })
                .copied()
        };
        match value("CLSID") {
            Some(l) if parse_guid(l.value(4)) == Some(KS_PROXY_CLSID) => {}
            found => self.report(
                Some(found.map_or(at, Line::number)),
                Rule::InterfaceProperties,
                format!(
                    "the interface install [{}] must write HKR,,CLSID,,{{{KS_PROXY_CLSID}}} \
                     (the KS proxy)",
                    install.name()
                ),
            ),
        }
        match value("FriendlyName") {
            Some(l) if l.value(4) == want.friendly_name => {}
            found => self.report(
                Some(found.map_or(at, Line::number)),
                Rule::InterfaceProperties,
                format!(
                    "the interface install [{}] for {:?} must write FriendlyName {:?} (cable \
                     {}'s default CableName){}",
                    install.name(),
                    want.reference,
                    want.friendly_name,
                    want.cable,
                    found.map_or(String::new(), |l| format!(", not {:?}", l.value(4)))
                ),
            ),
        }
    }

    /// [SourceDisksNames] / [SourceDisksFiles]: every copied file has a source, every source
    /// file is copied, every disk is named.
    fn source_files(&mut self) {
        let inf = self.inf;
        let (Some(names), Some(files)) = (
            inf.section("SourceDisksNames"),
            inf.section("SourceDisksFiles"),
        ) else {
            self.report(
                None,
                Rule::Files,
                "[SourceDisksNames] and [SourceDisksFiles] are both required".to_owned(),
            );
            return;
        };
        let mut listed = BTreeSet::new();
        for line in files.lines() {
            let file = line.key().unwrap_or_else(|| line.value(0));
            listed.insert(file.to_ascii_lowercase());
            let disk = if line.key().is_some() {
                line.value(0)
            } else {
                line.value(1)
            };
            if names.first(disk).is_none() {
                self.report(
                    Some(line.number()),
                    Rule::Files,
                    format!("{file} is on disk {disk:?}, which [SourceDisksNames] does not name"),
                );
            }
            if self.copies_known && !self.copied_files.contains(&file.to_ascii_lowercase()) {
                self.report(
                    Some(line.number()),
                    Rule::Files,
                    format!("{file} is in [SourceDisksFiles] but no install copies it"),
                );
            }
        }
        let copied = self.copied_files.clone();
        for file in copied.difference(&listed) {
            self.report(
                Some(files.line()),
                Rule::Files,
                format!("{file} is copied but not listed in [SourceDisksFiles]"),
            );
        }
    }
}

fn names_module(fw: Framework) -> &'static str {
    match fw {
        Framework::Acx => "cadenza_acx::names",
        Framework::PortCls => "cadenza_portcls::names",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_parse_in_any_case() {
        assert_eq!(
            parse_guid("{6994ad04-93ef-11d0-a3cc-00a0c9223196}"),
            Some(guids::KSCATEGORY_AUDIO)
        );
        assert_eq!(
            parse_guid("6994AD04-93EF-11D0-A3CC-00A0C9223196"),
            Some(guids::KSCATEGORY_AUDIO)
        );
        assert_eq!(parse_guid("{6994AD04-93EF-11D0-A3CC-00A0C922319}"), None);
        assert_eq!(parse_guid("{6994AD04-93EF-11D0-A3CC-00A0C922319G}"), None);
        assert_eq!(parse_guid("{+994AD04-93EF-11D0-A3CC-00A0C9223196}"), None);
    }

    #[test]
    fn parameter_lines_follow_the_table() {
        let cables = KeyId::Cables.spec();
        assert_eq!(parameter_line(cables), "HKR,Parameters,Cables,0x00010003,1");
        let types = KeyId::SampleTypes.spec();
        assert!(parameter_line(types).starts_with("HKR,Parameters,SampleTypes,0x00010002,\""));
        let name = KeyId::CableName.spec();
        assert_eq!(
            parameter_line(name),
            "HKR,Parameters,CableName,0x00000002,\"Cadenza Cable {n}\""
        );
    }

    #[test]
    fn every_cable_of_both_frameworks_is_expected() {
        let acx = expected_interfaces(Framework::Acx);
        let pc = expected_interfaces(Framework::PortCls);
        assert_eq!(acx.len(), 2 * usize::from(acx_names::MAX_CABLES));
        assert_eq!(pc.len(), 2 * pc_names::MAX_CABLES);
        // The ACX friendly names are the numbered default CableName too.
        for e in &acx {
            assert_eq!(e.friendly_name, default_cable_name(e.cable));
        }
    }
}
