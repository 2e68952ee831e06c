//! The system: everything `cadenza` asks Windows (SetupAPI, the registry, the process token),
//! as one small trait. The commands ([`crate::app`]) are plain Rust over it; the Windows
//! backend (`crate::windows`) implements it with windows-sys, and the tests use a fake.

use std::fmt;
use std::path::Path;

/// A registry value as stored: its `REG_*` type code and raw bytes (UTF-16LE for strings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawValue {
    pub name: String,
    pub reg_type: u32,
    pub data: Vec<u8>,
}

/// A device whose hardware IDs include one of Cadenza's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device instance ID, e.g. `ROOT\MEDIA\0000`.
    pub instance_id: String,
    /// Its hardware IDs (SPDRP_HARDWAREID), in order.
    pub hardware_ids: Vec<String>,
}

/// Where a `Parameters` key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsLocation {
    /// The `Parameters` subkey of this device's driver key (SetupDiOpenDevRegKey, DIREG_DRV).
    Device { instance_id: String },
    /// A registry key given by path (`--key`, for tests without a device), e.g.
    /// `HKCU\Software\CadenzaTest\Parameters`.
    Key { path: String },
}

impl fmt::Display for ParamsLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsLocation::Device { instance_id } => {
                write!(f, "the Parameters key of device {instance_id}")
            }
            ParamsLocation::Key { path } => write!(f, "registry key {path}"),
        }
    }
}

/// What a device restart did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restart {
    /// The device was stopped and started again; the driver has read the new values.
    Done,
    /// Windows could not stop the device now (for example, an application has one of its
    /// endpoints open) and will apply the change at the next reboot.
    RebootNeeded,
}

/// What removing a device did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Done,
    /// Removed, but Windows needs a reboot to finish (the driver could not be unloaded).
    RebootNeeded,
}

/// A failure the system reported: what was being done and Windows' error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysError {
    /// What failed, e.g. `SetupDiCallClassInstaller(DIF_REGISTERDEVICE)`.
    pub call: String,
    /// The Win32 error code (GetLastError, or a CONFIGRET mapped to one); 0 if none.
    pub code: u32,
    /// Extra words for the user, if any.
    pub detail: String,
}

impl SysError {
    pub fn new(call: impl Into<String>, code: u32) -> SysError {
        SysError {
            call: call.into(),
            code,
            detail: String::new(),
        }
    }

    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> SysError {
        self.detail = detail.into();
        self
    }
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.call)?;
        if self.code != 0 {
            write!(f, " (error {} / 0x{:08X}", self.code, self.code)?;
            if let Some(name) = win32_error_name(self.code) {
                write!(f, " {name}")?;
            }
            f.write_str(")")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Names of the Win32 errors these calls commonly return, so a message is readable without a
/// lookup. Values from winerror.h; the Windows build checks each against windows-sys.
pub fn win32_error_name(code: u32) -> Option<&'static str> {
    Some(match code {
        2 => "ERROR_FILE_NOT_FOUND",
        3 => "ERROR_PATH_NOT_FOUND",
        1 => "ERROR_INVALID_FUNCTION",
        5 => "ERROR_ACCESS_DENIED",
        87 => "ERROR_INVALID_PARAMETER",
        50 => "ERROR_NOT_SUPPORTED",
        122 => "ERROR_INSUFFICIENT_BUFFER",
        234 => "ERROR_MORE_DATA",
        259 => "ERROR_NO_MORE_ITEMS",
        1168 => "ERROR_NOT_FOUND",
        1170 => "ERROR_SET_NOT_FOUND",
        0xE000_0203 => "ERROR_NO_DRIVER_SELECTED",
        0xE000_0207 => "ERROR_DEVINST_ALREADY_EXISTS",
        0xE000_020B => "ERROR_NO_SUCH_DEVINST",
        0xE000_0211 => "ERROR_NO_DEVICE_SELECTED",
        0xE000_0219 => "ERROR_NO_ASSOCIATED_SERVICE",
        0xE000_0228 => "ERROR_NO_COMPAT_DRIVERS",
        0xE000_022F => "ERROR_NO_CATALOG_FOR_OEM_INF",
        0xE000_0243 => "ERROR_AUTHENTICODE_PUBLISHER_NOT_TRUSTED",
        0xE000_0247 => "ERROR_DRIVER_STORE_ADD_FAILED",
        0xE000_024B => "ERROR_FILE_HASH_NOT_IN_CATALOG",
        0x800B_0100 => "TRUST_E_NOSIGNATURE",
        0x800B_0109 => "CERT_E_UNTRUSTEDROOT",
        _ => return None,
    })
}

/// Everything `cadenza` needs from Windows.
pub trait System {
    /// Whether this process runs elevated (an administrator's full token).
    fn is_elevated(&self) -> Result<bool, SysError>;

    /// Whether test signing is on (`TESTSIGNING` in `SystemStartOptions` under
    /// `HKLM\SYSTEM\CurrentControlSet\Control`).
    fn test_signing(&self) -> Result<bool, SysError>;

    /// Every device present or not (phantoms included) whose hardware IDs include one of
    /// `hardware_ids` (compared case-insensitively).
    fn find_devices(&self, hardware_ids: &[&str]) -> Result<Vec<DeviceInfo>, SysError>;

    /// Creates a root-enumerated device of class `class_guid` (`{...}` text) / `class_name`
    /// with `hardware_id` and registers it with PnP. Returns its instance ID.
    fn create_root_device(
        &mut self,
        hardware_id: &str,
        class_name: &str,
        class_guid: &str,
        description: &str,
    ) -> Result<String, SysError>;

    /// Adds the package `inf` to the driver store and installs it on every device with
    /// `hardware_id` (UpdateDriverForPlugAndPlayDevices). `Ok(true)` if a reboot is needed.
    fn install_driver(&mut self, hardware_id: &str, inf: &Path) -> Result<bool, SysError>;

    /// Removes the device and its driver keys.
    fn remove_device(&mut self, instance_id: &str) -> Result<Removal, SysError>;

    /// Every value of a `Parameters` key. An absent key reads as empty.
    fn read_values(&self, at: &ParamsLocation) -> Result<Vec<RawValue>, SysError>;

    /// Writes one value (creating the key if needed).
    fn write_value(&mut self, at: &ParamsLocation, value: &RawValue) -> Result<(), SysError>;

    /// Restarts a device so that its driver reads its parameters again.
    fn restart_device(&mut self, instance_id: &str) -> Result<Restart, SysError>;

    /// The device interface paths of the present KSCATEGORY_AUDIO filters of device
    /// `instance_id` (e.g. `\\?\root#media#0000#{6994ad04-...}\wave1`); empty if the device
    /// is not started.
    fn audio_filters(&self, instance_id: &str) -> Result<Vec<String>, SysError>;

    /// Reads the live-status property of the filter at `path`: a KS property GET of
    /// `KSPROPSETID_CADENZA_STATUS` / `PROPERTY_SNAPSHOT`, first with an empty output buffer to
    /// learn the size, then for real. Returns the bytes the driver wrote, undecoded.
    fn read_status(&self, path: &str) -> Result<Vec<u8>, SysError>;

    /// The name Windows shows for the device interface at `path`: its
    /// `DEVPKEY_DeviceInterface_FriendlyName` (which the drivers set from `CableName`), or
    /// `None` when the interface has none.
    fn interface_name(&self, path: &str) -> Result<Option<String>, SysError>;

    /// Prepares the console for `status --watch`'s redrawing (ANSI escape sequences).
    fn enable_ansi(&mut self);

    /// Waits `ms` milliseconds (between `status --watch` refreshes).
    fn wait(&mut self, ms: u32);
}

/// Reads a whole file; its own function so that the commands need no filesystem either.
pub trait Files {
    /// The file's bytes, or the I/O error's text.
    fn read(&self, path: &Path) -> Result<Vec<u8>, String>;
    /// Whether `path` is an existing file.
    fn exists(&self, path: &Path) -> bool;
}

/// The real filesystem.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFiles;

impl Files for RealFiles {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| e.to_string())
    }

    fn exists(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// Turns text into the UTF-16LE bytes of a `REG_SZ` (with its terminating NUL).
pub fn sz_bytes(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Turns items into the UTF-16LE bytes of a `REG_MULTI_SZ` (each item NUL-terminated, then a
/// final NUL).
pub fn multi_sz_bytes<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut units: Vec<u16> = Vec::new();
    for item in items {
        units.extend(item.encode_utf16());
        units.push(0);
    }
    units.push(0);
    units.into_iter().flat_map(u16::to_le_bytes).collect()
}

/// The system off Windows: every call fails, saying that `cadenza` runs on Windows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unsupported;

impl Unsupported {
    fn no<T>(call: &str) -> Result<T, SysError> {
        Err(SysError::new(call, 0)
            .with_detail("cadenza manages a Windows device and runs on Windows only"))
    }
}

impl System for Unsupported {
    fn is_elevated(&self) -> Result<bool, SysError> {
        Self::no("checking elevation")
    }
    fn test_signing(&self) -> Result<bool, SysError> {
        Self::no("reading SystemStartOptions")
    }
    fn find_devices(&self, _: &[&str]) -> Result<Vec<DeviceInfo>, SysError> {
        Self::no("SetupDiGetClassDevs")
    }
    fn create_root_device(
        &mut self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<String, SysError> {
        Self::no("SetupDiCreateDeviceInfo")
    }
    fn install_driver(&mut self, _: &str, _: &Path) -> Result<bool, SysError> {
        Self::no("UpdateDriverForPlugAndPlayDevices")
    }
    fn remove_device(&mut self, _: &str) -> Result<Removal, SysError> {
        Self::no("SetupDiCallClassInstaller(DIF_REMOVE)")
    }
    fn read_values(&self, _: &ParamsLocation) -> Result<Vec<RawValue>, SysError> {
        Self::no("reading the registry")
    }
    fn write_value(&mut self, _: &ParamsLocation, _: &RawValue) -> Result<(), SysError> {
        Self::no("writing the registry")
    }
    fn restart_device(&mut self, _: &str) -> Result<Restart, SysError> {
        Self::no("restarting the device")
    }
    fn audio_filters(&self, _: &str) -> Result<Vec<String>, SysError> {
        Self::no("SetupDiGetClassDevs(KSCATEGORY_AUDIO)")
    }
    fn read_status(&self, _: &str) -> Result<Vec<u8>, SysError> {
        Self::no("DeviceIoControl(IOCTL_KS_PROPERTY)")
    }
    fn interface_name(&self, _: &str) -> Result<Option<String>, SysError> {
        Self::no("CM_Get_Device_Interface_PropertyW")
    }
    fn enable_ansi(&mut self) {}
    fn wait(&mut self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
    }
}

/// A GUID from its registry text form `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`: the three
/// leading fields and the eight trailing bytes.
pub fn parse_guid(text: &str) -> Option<(u32, u16, u16, [u8; 8])> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let parts: Vec<&str> = inner.split('-').collect();
    let [first, second, third, fourth, fifth] = parts.as_slice() else {
        return None;
    };
    let lengths = [
        first.len(),
        second.len(),
        third.len(),
        fourth.len(),
        fifth.len(),
    ];
    if lengths != [8, 4, 4, 4, 12] || !inner.chars().all(|ch| ch == '-' || ch.is_ascii_hexdigit()) {
        return None;
    }
    let tail = format!("{fourth}{fifth}");
    let mut bytes = [0u8; 8];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&tail[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some((
        u32::from_str_radix(first, 16).ok()?,
        u16::from_str_radix(second, 16).ok()?,
        u16::from_str_radix(third, 16).ok()?,
        bytes,
    ))
}

/// The root of a `--key` path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKey {
    CurrentUser,
    LocalMachine,
}

/// Splits `HKCU\Sub\Key` (or `HKEY_CURRENT_USER\...`, `HKLM\...`, `HKEY_LOCAL_MACHINE\...`)
/// into its root and subkey. The subkey may not be empty.
pub fn parse_key_path(path: &str) -> Option<(RootKey, &str)> {
    let (root, sub) = path.split_once('\\')?;
    let root = match root.to_ascii_uppercase().as_str() {
        "HKCU" | "HKEY_CURRENT_USER" => RootKey::CurrentUser,
        "HKLM" | "HKEY_LOCAL_MACHINE" => RootKey::LocalMachine,
        _ => return None,
    };
    let sub = sub.trim_matches('\\');
    (!sub.is_empty()).then_some((root, sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_key_paths_parse() {
        assert_eq!(
            parse_guid("{4d36e96c-e325-11ce-bfc1-08002be10318}"),
            Some((
                0x4d36_e96c,
                0xe325,
                0x11ce,
                [0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18]
            ))
        );
        assert_eq!(parse_guid("4d36e96c-e325-11ce-bfc1-08002be10318"), None);
        assert_eq!(parse_guid("{4d36e96c-e325-11ce-bfc1-08002be1031}"), None);
        assert_eq!(parse_guid("{4d36e96c-e325-11ce-bfc1-08002be1031g}"), None);
        assert_eq!(
            parse_key_path("hkcu\\Software\\T\\Parameters"),
            Some((RootKey::CurrentUser, "Software\\T\\Parameters"))
        );
        assert_eq!(
            parse_key_path("HKEY_LOCAL_MACHINE\\X\\"),
            Some((RootKey::LocalMachine, "X"))
        );
        assert_eq!(parse_key_path("HKCR\\X"), None);
        assert_eq!(parse_key_path("HKCU\\"), None);
        assert_eq!(parse_key_path("HKCU"), None);
    }
}
