//! The commands, over [`System`] and [`Files`]: [`run`] is `cadenza` without its `main`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{self, Command, ConfigAction, Target};
use crate::inf::{Framework, Inf};
use crate::params;
use crate::status::{self, StatusFilter};
use crate::system::{
    DeviceInfo, Files, ParamsLocation, RawValue, Removal, Restart, SysError, System,
};

/// Exit codes, as `cadenza --help` and docs/cadenza-tool.md list them.
pub mod exit {
    pub const OK: i32 = 0;
    pub const SYSTEM: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NOT_ELEVATED: i32 = 3;
    pub const TEST_SIGNING_OFF: i32 = 4;
    pub const PACKAGE: i32 = 5;
    pub const ALREADY: i32 = 6;
    pub const NO_DEVICE: i32 = 7;
    pub const REFUSED: i32 = 8;
    pub const PENDING: i32 = 9;
    pub const NO_STATUS: i32 = 10;
}

/// A failed command: its exit code and message (printed after `cadenza: `).
#[derive(Debug)]
struct Failure {
    code: i32,
    message: String,
}

fn fail<T>(code: i32, message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure {
        code,
        message: message.into(),
    })
}

impl From<SysError> for Failure {
    fn from(e: SysError) -> Failure {
        let mut message = e.to_string();
        if e.code == 5 {
            message.push_str(" (run cadenza from an Administrator prompt)");
        }
        Failure {
            code: exit::SYSTEM,
            message,
        }
    }
}

/// What `run` needs besides the arguments.
pub struct Context<'a> {
    /// Where `--inf` defaults to: `cadenza.inf` in this directory (the executable's).
    pub exe_dir: Option<PathBuf>,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("exe_dir", &self.exe_dir)
            .finish_non_exhaustive()
    }
}

/// Runs `cadenza` with `args` (without the program name); returns the exit code.
pub fn run(args: &[String], sys: &mut dyn System, files: &dyn Files, cx: &mut Context<'_>) -> i32 {
    let command = match cli::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(
                cx.err,
                "cadenza: {}\n(`cadenza --help` lists the commands)",
                e.0
            );
            return exit::USAGE;
        }
    };
    let mut out = String::new();
    let result = match command {
        Command::Help => {
            out.push_str(cli::USAGE);
            Ok(exit::OK)
        }
        Command::Version => {
            out.push_str(concat!("cadenza ", env!("CARGO_PKG_VERSION"), "\n"));
            Ok(exit::OK)
        }
        Command::Install { framework, inf } => {
            let inf = inf_path(inf, cx.exe_dir.as_deref());
            install(sys, files, framework, &inf, &mut out)
        }
        Command::Uninstall => uninstall(sys, &mut out),
        Command::Switch { framework, inf } => {
            let inf = inf_path(inf, cx.exe_dir.as_deref());
            switch(sys, files, framework, &inf, &mut out)
        }
        Command::List => list(sys, &mut out),
        Command::Config {
            target,
            action,
            restart,
        } => config(sys, &target, &action, restart, &mut out),
        Command::Status {
            device,
            watch,
            count,
        } => status_command(sys, device.as_deref(), watch, count, cx.out),
    };
    let _ = cx.out.write_all(out.as_bytes());
    match result {
        Ok(code) => code,
        Err(f) => {
            let _ = writeln!(cx.err, "cadenza: {}", f.message);
            f.code
        }
    }
}

fn inf_path(given: Option<PathBuf>, exe_dir: Option<&Path>) -> PathBuf {
    given.unwrap_or_else(|| exe_dir.unwrap_or(Path::new(".")).join("cadenza.inf"))
}

/// Every Cadenza device, by the two hardware IDs.
fn cadenza_devices(sys: &dyn System) -> Result<Vec<DeviceInfo>, SysError> {
    let ids = Framework::ALL.map(Framework::hardware_id);
    sys.find_devices(&ids)
}

/// The framework a device's hardware IDs say it uses.
fn framework_of(device: &DeviceInfo) -> Option<Framework> {
    device
        .hardware_ids
        .iter()
        .find_map(|id| Framework::from_hardware_id(id))
}

fn framework_text(device: &DeviceInfo) -> String {
    framework_of(device).map_or_else(|| "unknown framework".to_owned(), |f| f.to_string())
}

fn require_admin(sys: &dyn System, what: &str) -> Result<(), Failure> {
    if sys.is_elevated()? {
        Ok(())
    } else {
        fail(
            exit::NOT_ELEVATED,
            format!("{what} needs an elevated prompt: run cadenza from an Administrator prompt"),
        )
    }
}

/// The package at `path`: read, checked to be Cadenza's, and complete. Returns the INF's
/// hardware ID for `framework` and its class name and GUID.
struct Package {
    hardware_id: String,
    class_name: String,
    class_guid: String,
    path: PathBuf,
}

fn read_package(files: &dyn Files, path: &Path, framework: Framework) -> Result<Package, Failure> {
    let bytes = files.read(path).map_err(|e| Failure {
        code: exit::PACKAGE,
        message: format!(
            "driver package missing: cannot read {} ({e}); give the stamped cadenza.inf with --inf PATH",
            path.display()
        ),
    })?;
    let text = decode_inf(&bytes).ok_or_else(|| Failure {
        code: exit::PACKAGE,
        message: format!(
            "{} is not an INF this tool can read (UTF-8, or UTF-16LE with a byte-order mark)",
            path.display()
        ),
    })?;
    let inf = Inf::parse(&text);
    let Some(hardware_id) = inf.hardware_id(framework) else {
        return fail(
            exit::PACKAGE,
            format!(
                "{} has no {} model (install section {}): is it Cadenza's INF?",
                path.display(),
                framework,
                framework.install_section()
            ),
        );
    };
    if !hardware_id.eq_ignore_ascii_case(framework.hardware_id()) {
        return fail(
            exit::PACKAGE,
            format!(
                "{} gives {framework} the hardware ID {hardware_id}, but this cadenza expects {}: \
                 use the cadenza.exe that came with this package",
                path.display(),
                framework.hardware_id()
            ),
        );
    }
    if text.contains("$ARCH$") || text.contains("$KMDFVERSION$") {
        return fail(
            exit::PACKAGE,
            format!(
                "{} is the unstamped template (it still has $ARCH$ / $KMDFVERSION$): \
                 install the stamped cadenza.inf of a built package",
                path.display()
            ),
        );
    }
    let Some((class_name, class_guid)) = inf.class() else {
        return fail(
            exit::PACKAGE,
            format!("{} has no Class / ClassGuid in [Version]", path.display()),
        );
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let missing: Vec<String> = inf
        .source_files()
        .into_iter()
        .filter(|f| !files.exists(&dir.join(f)))
        .collect();
    if !missing.is_empty() {
        return fail(
            exit::PACKAGE,
            format!(
                "driver package incomplete: {} missing beside {}",
                missing.join(", "),
                path.display()
            ),
        );
    }
    Ok(Package {
        hardware_id,
        class_name: class_name.to_owned(),
        class_guid: class_guid.to_owned(),
        path: path.to_owned(),
    })
}

/// UTF-8 (BOM or not) or UTF-16LE with a BOM.
fn decode_inf(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        return char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok();
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).ok()
}

/// Creates the device and installs the package on it; removes the device again if the
/// driver cannot be installed, so that a failed install leaves nothing behind.
fn create_and_install(
    sys: &mut dyn System,
    package: &Package,
    framework: Framework,
    out: &mut String,
) -> Result<(String, bool), Failure> {
    let instance = sys.create_root_device(
        &package.hardware_id,
        &package.class_name,
        &package.class_guid,
        &format!("Cadenza ({})", framework.name()),
    )?;
    let _ = writeln!(
        out,
        "Created device {instance} with hardware ID {}.",
        package.hardware_id
    );
    let installed = sys
        .install_driver(&package.hardware_id, &package.path)
        .and_then(|reboot| {
            // Success must mean the device has a driver now, i.e. a driver key. (Wine's newdev,
            // for one, reports success when no model of the INF matched the device.)
            let at = ParamsLocation::Device {
                instance_id: instance.clone(),
            };
            sys.read_values(&at).map(|_| reboot).map_err(|e| SysError {
                detail: format!(
                    "the driver install reported success, but the device has no driver key \
                     (no model of the INF was chosen for {}): {}",
                    package.hardware_id, e.detail
                ),
                ..e
            })
        });
    match installed {
        Ok(reboot) => {
            let _ = writeln!(
                out,
                "Installed the driver package {} on it: {framework}.",
                package.path.display()
            );
            Ok((instance, reboot))
        }
        Err(e) => {
            let undo = match sys.remove_device(&instance) {
                Ok(_) => format!("the device {instance} was removed again"),
                Err(u) => format!("removing the device {instance} again also failed: {u}"),
            };
            let mut f = Failure::from(e);
            f.message = format!("installing the driver failed: {}; {undo}", f.message);
            Err(f)
        }
    }
}

fn preflight(sys: &dyn System, what: &str) -> Result<(), Failure> {
    require_admin(sys, what)?;
    if !sys.test_signing()? {
        return fail(
            exit::TEST_SIGNING_OFF,
            "test signing is off, so Windows will not load Cadenza's test-signed drivers: \
             run `bcdedit /set testsigning on` as Administrator and reboot, then try again",
        );
    }
    Ok(())
}

fn install(
    sys: &mut dyn System,
    files: &dyn Files,
    framework: Framework,
    inf: &Path,
    out: &mut String,
) -> Result<i32, Failure> {
    preflight(sys, "install")?;
    let package = read_package(files, inf, framework)?;
    if let Some(d) = cadenza_devices(sys)?.first() {
        return fail(
            exit::ALREADY,
            format!(
                "a Cadenza device is already installed: {} ({}); use `cadenza switch` to change \
                 its framework or `cadenza uninstall` first",
                d.instance_id,
                framework_text(d)
            ),
        );
    }
    let (_, reboot) = create_and_install(sys, &package, framework, out)?;
    Ok(pending_if(reboot, out))
}

fn pending_if(reboot: bool, out: &mut String) -> i32 {
    if reboot {
        out.push_str("Windows needs a reboot to finish.\n");
        exit::PENDING
    } else {
        exit::OK
    }
}

fn uninstall(sys: &mut dyn System, out: &mut String) -> Result<i32, Failure> {
    require_admin(sys, "uninstall")?;
    let devices = cadenza_devices(sys)?;
    if devices.is_empty() {
        return fail(exit::NO_DEVICE, "no Cadenza device is installed");
    }
    let mut reboot = false;
    for d in &devices {
        let removal = sys.remove_device(&d.instance_id)?;
        reboot |= removal == Removal::RebootNeeded;
        let _ = writeln!(
            out,
            "Removed device {} ({}).",
            d.instance_id,
            framework_text(d)
        );
    }
    Ok(pending_if(reboot, out))
}

fn switch(
    sys: &mut dyn System,
    files: &dyn Files,
    framework: Framework,
    inf: &Path,
    out: &mut String,
) -> Result<i32, Failure> {
    preflight(sys, "switch")?;
    let package = read_package(files, inf, framework)?;
    let device = match cadenza_devices(sys)?.as_slice() {
        [] => {
            return fail(
                exit::NO_DEVICE,
                format!(
                    "no Cadenza device is installed: use `cadenza install --framework {}`",
                    framework.name()
                ),
            );
        }
        [one] => one.clone(),
        several => {
            return fail(
                exit::USAGE,
                format!(
                    "{} Cadenza devices are installed ({}); `cadenza uninstall` and install one",
                    several.len(),
                    several
                        .iter()
                        .map(|d| d.instance_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    };
    if framework_of(&device) == Some(framework) {
        return fail(
            exit::ALREADY,
            format!("device {} already uses {framework}", device.instance_id),
        );
    }
    // Keep the user's configuration: read it before the old device (and its driver key) goes.
    let old = ParamsLocation::Device {
        instance_id: device.instance_id.clone(),
    };
    let kept: Vec<RawValue> = sys.read_values(&old)?;
    let mut reboot = sys.remove_device(&device.instance_id)? == Removal::RebootNeeded;
    let _ = writeln!(
        out,
        "Removed device {} ({}).",
        device.instance_id,
        framework_text(&device)
    );
    let (instance, installed_reboot) = match create_and_install(sys, &package, framework, out) {
        Ok(done) => done,
        Err(mut f) => {
            // The old device is gone: say how to get it back, and what its configuration was.
            let was: Vec<String> = kept
                .iter()
                .map(|v| format!("{} = {}", v.name, params::display_value(v)))
                .collect();
            let _ = write!(
                f.message,
                "\nThe {} device {} was already removed: `cadenza install --framework {}` \
                 brings it back; its configuration was: {}",
                framework_text(&device),
                device.instance_id,
                framework.other().name(),
                was.join("; ")
            );
            return Err(f);
        }
    };
    reboot |= installed_reboot;
    let new = ParamsLocation::Device {
        instance_id: instance.clone(),
    };
    let known: Vec<&RawValue> = kept
        .iter()
        .filter(|v| cadenza_engine::config::KeyId::from_name(&v.name).is_some())
        .collect();
    for v in &known {
        sys.write_value(&new, v)?;
    }
    if !known.is_empty() {
        let _ = writeln!(
            out,
            "Copied the configuration ({} values) to the new device.",
            known.len()
        );
        match sys.restart_device(&instance) {
            Ok(Restart::Done) => out.push_str("Restarted the device with it.\n"),
            Ok(Restart::RebootNeeded) => reboot = true,
            Err(e) => {
                let _ = writeln!(
                    out,
                    "The device could not be restarted ({e}); it uses the copied configuration \
                     after its next restart."
                );
                reboot = true;
            }
        }
    }
    Ok(pending_if(reboot, out))
}

fn list(sys: &mut dyn System, out: &mut String) -> Result<i32, Failure> {
    let devices = cadenza_devices(sys)?;
    if devices.is_empty() {
        return fail(
            exit::NO_DEVICE,
            "no Cadenza device is installed (`cadenza install --framework acx|portcls` installs one)",
        );
    }
    for d in &devices {
        let _ = writeln!(out, "{}\n  framework: {}", d.instance_id, framework_text(d));
        let at = ParamsLocation::Device {
            instance_id: d.instance_id.clone(),
        };
        match sys.read_values(&at) {
            Ok(values) => {
                let (config, _) = params::driver_read(&values);
                let _ = writeln!(
                    out,
                    "  endpoint names (from its configuration): {}",
                    params::endpoint_names(&config).join(", ")
                );
            }
            Err(e) => {
                let _ = writeln!(out, "  endpoint names: unknown ({e})");
            }
        }
        list_published_names(sys, &d.instance_id, out);
    }
    Ok(exit::OK)
}

/// The names Windows shows for the device's endpoints right now: the friendly name of each
/// wave filter (PortCls) or circuit (ACX) interface the running driver registered, by cable.
fn list_published_names(sys: &dyn System, instance_id: &str, out: &mut String) {
    let filters = match sys.audio_filters(instance_id) {
        Ok(paths) => {
            let mut filters: Vec<_> = paths
                .iter()
                .filter_map(|p| status::status_filter(p))
                .collect();
            filters.sort_by_key(|f| (f.cable, f.role));
            filters
        }
        Err(e) => {
            let _ = writeln!(out, "  endpoint names Windows shows: unknown ({e})");
            return;
        }
    };
    if filters.is_empty() {
        let _ = writeln!(
            out,
            "  endpoint names Windows shows: none (no Cadenza filter interface is present: the \
             device is not started)"
        );
        return;
    }
    let _ = writeln!(out, "  endpoint names Windows shows:");
    for f in &filters {
        let role = match f.role {
            status::FilterRole::Render => "render circuit",
            status::FilterRole::Capture => "capture circuit",
            status::FilterRole::Wave => "wave filter",
        };
        let name = match sys.interface_name(&f.path) {
            Ok(Some(name)) => format!("\"{name}\""),
            Ok(None) => "no friendly name set".to_owned(),
            Err(e) => format!("unknown ({e})"),
        };
        let _ = writeln!(out, "    cable {} {role} {}: {name}", f.cable, f.reference);
    }
}

/// The `Parameters` key `target` names, and the device to restart after a change (none for
/// `--key`).
fn locate(sys: &dyn System, target: &Target) -> Result<(ParamsLocation, Option<String>), Failure> {
    match target {
        Target::Key(path) => Ok((ParamsLocation::Key { path: path.clone() }, None)),
        Target::Device(id) => {
            let devices = cadenza_devices(sys)?;
            let Some(d) = devices
                .iter()
                .find(|d| d.instance_id.eq_ignore_ascii_case(id))
            else {
                return fail(
                    exit::NO_DEVICE,
                    format!("{id} is not a Cadenza device (`cadenza list` lists them)"),
                );
            };
            Ok(device_location(d))
        }
        Target::OnlyDevice => match cadenza_devices(sys)?.as_slice() {
            [] => fail(exit::NO_DEVICE, "no Cadenza device is installed"),
            [one] => Ok(device_location(one)),
            several => fail(
                exit::USAGE,
                format!(
                    "{} Cadenza devices are installed; choose one with --device ({})",
                    several.len(),
                    several
                        .iter()
                        .map(|d| d.instance_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        },
    }
}

fn device_location(d: &DeviceInfo) -> (ParamsLocation, Option<String>) {
    (
        ParamsLocation::Device {
            instance_id: d.instance_id.clone(),
        },
        Some(d.instance_id.clone()),
    )
}

fn config(
    sys: &mut dyn System,
    target: &Target,
    action: &ConfigAction,
    restart: bool,
    out: &mut String,
) -> Result<i32, Failure> {
    let (at, device) = locate(sys, target)?;
    if device.is_some() && !matches!(action, ConfigAction::Show) {
        require_admin(sys, "changing a device's configuration")?;
    }
    match action {
        ConfigAction::Show => {
            let values = sys.read_values(&at)?;
            let _ = writeln!(out, "Configuration in {at}:");
            out.push_str(&params::show(&values));
            Ok(exit::OK)
        }
        ConfigAction::Set { key, value } => {
            let current = sys.read_values(&at)?;
            let accepted = match params::prepare_set(&current, key, value) {
                Ok(a) => a,
                Err(warnings) => {
                    let lines: Vec<String> = warnings
                        .iter()
                        .map(|w| format!("  {}", params::driver_line(w)))
                        .collect();
                    return fail(
                        exit::REFUSED,
                        format!(
                            "refused {key} = {value:?}: the driver would not use it; it would log\n{}\nNothing was written.",
                            lines.join("\n")
                        ),
                    );
                }
            };
            sys.write_value(&at, &accepted.value)?;
            let _ = writeln!(
                out,
                "Set {} = {} in {at}.",
                accepted.value.name,
                params::display_value(&accepted.value)
            );
            for w in &accepted.side_effects {
                let _ = writeln!(
                    out,
                    "Note: because of this change the driver will log: {}",
                    params::driver_line(w)
                );
            }
            Ok(apply_change(sys, device.as_deref(), restart, out))
        }
        ConfigAction::Reset => {
            for v in params::default_values() {
                sys.write_value(&at, &v)?;
            }
            let _ = writeln!(out, "Wrote every key's INF default to {at}.");
            Ok(apply_change(sys, device.as_deref(), restart, out))
        }
    }
}

/// Restarts the device after a change, or says why the change is not in effect yet.
fn apply_change(
    sys: &mut dyn System,
    device: Option<&str>,
    restart: bool,
    out: &mut String,
) -> i32 {
    let Some(instance) = device else {
        out.push_str("No device restarted (--key names a registry key, not a device).\n");
        return exit::OK;
    };
    if !restart {
        let _ = writeln!(
            out,
            "Not restarted (--no-restart): the driver reads the change when {instance} next starts."
        );
        return exit::OK;
    }
    match sys.restart_device(instance) {
        Ok(Restart::Done) => {
            let _ = writeln!(out, "Restarted {instance}; the driver now uses the change.");
            exit::OK
        }
        Ok(Restart::RebootNeeded) => {
            let _ = writeln!(
                out,
                "Windows could not restart {instance} now (an application may have one of its \
                 endpoints open): the change takes effect after a reboot, or after closing those \
                 applications and running `pnputil /restart-device \"{instance}\"`."
            );
            exit::PENDING
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "The change is written, but restarting {instance} failed: {e}. Restart it with \
                 `pnputil /restart-device \"{instance}\"` (as Administrator) for the driver to use it."
            );
            exit::PENDING
        }
    }
}

/// The Cadenza device `status` reads: `--device ID`, or the only one.
fn status_device(sys: &dyn System, device: Option<&str>) -> Result<DeviceInfo, Failure> {
    let devices = cadenza_devices(sys)?;
    match device {
        Some(id) => devices
            .into_iter()
            .find(|d| d.instance_id.eq_ignore_ascii_case(id))
            .ok_or_else(|| Failure {
                code: exit::NO_DEVICE,
                message: format!("{id} is not a Cadenza device (`cadenza list` lists them)"),
            }),
        None => match devices.as_slice() {
            [] => fail(exit::NO_DEVICE, "no Cadenza device is installed"),
            [one] => Ok(one.clone()),
            several => fail(
                exit::USAGE,
                format!(
                    "{} Cadenza devices are installed; choose one with --device ({})",
                    several.len(),
                    several
                        .iter()
                        .map(|d| d.instance_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        },
    }
}

/// `cadenza status`: one report, or `--watch` redrawing one every
/// [`status::WATCH_PERIOD_MS`] until Ctrl+C or `count` reports. Writes straight to `out` so
/// each report shows as soon as it is read.
fn status_command(
    sys: &mut dyn System,
    device: Option<&str>,
    watch: bool,
    count: Option<u32>,
    out: &mut dyn Write,
) -> Result<i32, Failure> {
    let device = status_device(sys, device)?;
    if !watch {
        let (mut text, mut code, unmetered) = status_report(sys, &device)?;
        if unmetered {
            // The request just started the meters of streams nobody watched: one level window
            // later they have levels to show.
            sys.wait(status::LEVEL_WAIT_MS);
            (text, code, _) = status_report(sys, &device)?;
        }
        let _ = out.write_all(text.as_bytes());
        return Ok(code);
    }
    sys.enable_ansi();
    let mut shown = 0u32;
    loop {
        let (text, code, _) = status_report(sys, &device)?;
        let _ = write!(
            out,
            "{}{text}\nRefreshing every {} ms; Ctrl+C stops.\n",
            status::CLEAR_SCREEN,
            status::WATCH_PERIOD_MS
        );
        let _ = out.flush();
        shown += 1;
        if count.is_some_and(|n| shown >= n) {
            return Ok(code);
        }
        sys.wait(status::WATCH_PERIOD_MS);
    }
}

/// One report of every cable of `device`, its exit code (0 if every cable's snapshot was read,
/// [`exit::NO_STATUS`] if some cable's was not), and whether a running stream had no level
/// window yet (its meter was idle until this request). Fails with [`exit::NO_STATUS`] if the
/// device has no filter to ask, or no filter answered.
fn status_report(sys: &dyn System, device: &DeviceInfo) -> Result<(String, i32, bool), Failure> {
    let id = &device.instance_id;
    let paths = sys.audio_filters(id)?;
    if paths.is_empty() {
        return fail(
            exit::NO_STATUS,
            format!(
                "device {id} has no audio filter interface: its driver is not running (the \
                 device is not started, disabled, or its driver failed to start; \
                 `pnputil /enum-devices /instance-id \"{id}\"` shows its status)"
            ),
        );
    }
    let mut filters: Vec<StatusFilter> = paths
        .iter()
        .filter_map(|p| status::status_filter(p))
        .collect();
    if filters.is_empty() {
        return fail(
            exit::NO_STATUS,
            format!(
                "device {id} has {} audio filter interface(s), but none named as a Cadenza \
                 wave filter or circuit (Wave<n>, CadenzaRender<n>, CadenzaCapture<n>)",
                paths.len()
            ),
        );
    }
    // Per cable: ACX's render circuit, then its capture circuit (either answers for the whole
    // pair), or PortCls's wave filter.
    filters.sort_by_key(|f| (f.cable, f.role));
    let mut text = format!("Cadenza live status: {id}, {}\n", framework_text(device));
    let mut answered = 0usize;
    let mut all_read = true;
    let mut unmetered = false;
    let mut refusals: Vec<String> = Vec::new();
    let mut cables: Vec<u8> = filters.iter().map(|f| f.cable).collect();
    cables.dedup();
    for cable in cables {
        let mut errors: Vec<String> = Vec::new();
        let mut shown = false;
        for f in filters.iter().filter(|f| f.cable == cable) {
            match sys.read_status(&f.path) {
                Ok(bytes) => {
                    answered += 1;
                    text.push('\n');
                    match cadenza_engine::live_status::decode(&bytes) {
                        Ok(snapshot) => {
                            unmetered |= status::running_without_levels(&snapshot);
                            text.push_str(&status::render_cable(cable, &f.reference, &snapshot));
                        }
                        Err(e) => {
                            all_read = false;
                            let _ = writeln!(
                                text,
                                "Cable {cable} (filter {})\n  unreadable answer ({} bytes): {}",
                                f.reference,
                                bytes.len(),
                                status::decode_error_text(e)
                            );
                        }
                    }
                    shown = true;
                    break;
                }
                Err(e) => errors.push(format!("{}: {e}", f.reference)),
            }
        }
        if !shown {
            all_read = false;
            let _ = writeln!(text, "\nCable {cable}\n  no answer: {}", errors.join("; "));
            refusals.extend(errors);
        }
    }
    if answered == 0 {
        return fail(
            exit::NO_STATUS,
            format!(
                "the driver of device {id} did not answer the live-status property \
                 ({{{}}}, id {}) on any filter: {}.",
                cadenza_engine::live_status::KSPROPSETID_CADENZA_STATUS,
                cadenza_engine::live_status::PROPERTY_SNAPSHOT,
                refusals.join("; ")
            ),
        );
    }
    Ok((
        text,
        if all_read { exit::OK } else { exit::NO_STATUS },
        unmetered,
    ))
}
