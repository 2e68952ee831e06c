//! The Windows backend of [`System`]: SetupAPI and newdev for devices (as devcon does), the
//! registry for the `Parameters` key and test signing, the process token for elevation, and
//! `DeviceIoControl(IOCTL_KS_PROPERTY)` on a filter's device interface for the live status.
//!
//! Every call is a thin wrapper: arguments are NUL-terminated UTF-16 buffers owned by the
//! caller for the call's duration, out-parameters are locals, and each handle is owned by a
//! guard that closes it once ([`DevInfoList`], [`Key`], [`Token`], [`File`]).

use std::path::Path;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Devices::DeviceAndDriverInstallation::{
    CM_Get_Device_Interface_PropertyW, CR_BUFFER_SMALL, CR_NO_SUCH_VALUE, CR_SUCCESS,
    DI_NEEDREBOOT, DI_NEEDRESTART, DI_REMOVEDEVICE_GLOBAL, DICD_GENERATE_ID,
    DICS_FLAG_CONFIGSPECIFIC, DICS_FLAG_GLOBAL, DICS_PROPCHANGE, DIF_PROPERTYCHANGE,
    DIF_REGISTERDEVICE, DIF_REMOVE, DIGCF_ALLCLASSES, DIGCF_DEVICEINTERFACE, DIGCF_PRESENT,
    DIREG_DRV, HDEVINFO, INSTALLFLAG_FORCE, SP_CLASSINSTALL_HEADER, SP_DEVICE_INTERFACE_DATA,
    SP_DEVICE_INTERFACE_DETAIL_DATA_W, SP_DEVINFO_DATA, SP_DEVINSTALL_PARAMS_W,
    SP_PROPCHANGE_PARAMS, SP_REMOVEDEVICE_PARAMS, SPDRP_HARDWAREID, SetupDiCallClassInstaller,
    SetupDiCreateDeviceInfoList, SetupDiCreateDeviceInfoW, SetupDiDestroyDeviceInfoList,
    SetupDiEnumDeviceInfo, SetupDiEnumDeviceInterfaces, SetupDiGetClassDevsW,
    SetupDiGetDeviceInstallParamsW, SetupDiGetDeviceInstanceIdW, SetupDiGetDeviceInterfaceDetailW,
    SetupDiGetDeviceRegistryPropertyW, SetupDiOpenDevRegKey, SetupDiOpenDeviceInfoW,
    SetupDiSetClassInstallParamsW, SetupDiSetDeviceRegistryPropertyW,
    UpdateDriverForPlugAndPlayDevicesW,
};
use windows_sys::Win32::Devices::Properties::{
    DEVPKEY_DeviceInterface_FriendlyName, DEVPROP_TYPE_STRING, DEVPROPTYPE,
};
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_FILE_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA,
    ERROR_NO_MORE_ITEMS, GENERIC_READ, GetLastError, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{
    ENABLE_VIRTUAL_TERMINAL_PROCESSING, GetConsoleMode, GetStdHandle, STD_OUTPUT_HANDLE,
    SetConsoleMode,
};
use windows_sys::Win32::System::IO::DeviceIoControl;
use windows_sys::Win32::System::Registry::{
    HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WRITE, REG_OPTION_NON_VOLATILE,
    RRF_RT_REG_SZ, RegCloseKey, RegCreateKeyExW, RegEnumValueW, RegGetValueW, RegOpenKeyExW,
    RegQueryInfoKeyW, RegSetValueExW,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows_sys::core::{BOOL, GUID};

use crate::status::{
    IOCTL_KS_PROPERTY, KSCATEGORY_AUDIO, KSPROPERTY_BYTES, MAX_STATUS_BYTES, snapshot_request,
};
use crate::system::{
    DeviceInfo, ParamsLocation, RawValue, Removal, Restart, RootKey, SysError, System, parse_guid,
    parse_key_path, win32_error_name,
};

// The error names of `win32_error_name` are the SDK's values.
const _: () = {
    use windows_sys::Win32::Foundation as F;
    assert!(F::ERROR_NO_SUCH_DEVINST == 0xE000_020B);
    assert!(F::ERROR_DEVINST_ALREADY_EXISTS == 0xE000_0207);
    assert!(F::ERROR_NO_DRIVER_SELECTED == 0xE000_0203);
    assert!(F::ERROR_NO_DEVICE_SELECTED == 0xE000_0211);
    assert!(F::ERROR_NO_ASSOCIATED_SERVICE == 0xE000_0219);
    assert!(F::ERROR_NO_COMPAT_DRIVERS == 0xE000_0228);
    assert!(F::ERROR_NO_CATALOG_FOR_OEM_INF == 0xE000_022F);
    assert!(F::ERROR_AUTHENTICODE_PUBLISHER_NOT_TRUSTED == 0xE000_0243);
    assert!(F::ERROR_DRIVER_STORE_ADD_FAILED == 0xE000_0247);
    assert!(F::ERROR_FILE_HASH_NOT_IN_CATALOG == 0xE000_024B);
    assert!(F::ERROR_NOT_FOUND == 1168);
    assert!(F::ERROR_NO_MORE_ITEMS == 259);
    assert!(F::ERROR_INVALID_FUNCTION == 1);
    assert!(F::ERROR_NOT_SUPPORTED == 50);
    assert!(F::ERROR_INSUFFICIENT_BUFFER == 122);
    assert!(F::ERROR_MORE_DATA == 234);
    assert!(F::ERROR_SET_NOT_FOUND == 1170);
};

// Our KS constants (crate::status, written from the documentation) are the SDK's.
const _: () = {
    use windows_sys::Win32::Media::KernelStreaming as Ks;
    assert!(Ks::IOCTL_KS_PROPERTY == IOCTL_KS_PROPERTY);
    assert!(size_of::<Ks::KSIDENTIFIER>() == KSPROPERTY_BYTES);
    assert!(align_of::<Ks::KSIDENTIFIER>() == 8);
    assert!(Ks::KSCATEGORY_AUDIO.data1 == KSCATEGORY_AUDIO.data1);
    assert!(Ks::KSCATEGORY_AUDIO.data2 == KSCATEGORY_AUDIO.data2);
    assert!(Ks::KSCATEGORY_AUDIO.data3 == KSCATEGORY_AUDIO.data3);
    assert!(
        u64::from_ne_bytes(Ks::KSCATEGORY_AUDIO.data4)
            == u64::from_ne_bytes(KSCATEGORY_AUDIO.data4)
    );
    assert!(Ks::KSPROPERTY_TYPE_GET == cadenza_engine::live_status::KSPROPERTY_TYPE_GET);
};

/// A `KSPROPERTY`'s memory image with the structure's 8-byte alignment (its union with a
/// LONGLONG), so the driver reads it as the structure it is.
#[repr(C, align(8))]
struct KsPropertyImage([u8; KSPROPERTY_BYTES]);

/// The real system.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowsSystem;

/// `text` as a NUL-terminated UTF-16 string.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

/// The text of a UTF-16 buffer up to its first NUL.
fn from_wide(units: &[u16]) -> String {
    let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    String::from_utf16_lossy(&units[..end])
}

fn last_error() -> u32 {
    // SAFETY: GetLastError has no preconditions; it reads this thread's last-error value.
    unsafe { GetLastError() }
}

fn fail(call: &str) -> SysError {
    SysError::new(call, last_error())
}

fn byte_len(data: &[u8]) -> Result<u32, SysError> {
    u32::try_from(data.len()).map_err(|_| SysError::new("sizing a registry value", 87))
}

fn struct_size<T>() -> u32 {
    // Every structure passed here is a few hundred bytes at most.
    u32::try_from(size_of::<T>()).unwrap_or(u32::MAX)
}

/// A device information set, destroyed once when dropped.
struct DevInfoList(HDEVINFO);

impl DevInfoList {
    /// Wraps a handle just returned by a SetupAPI call named `call`.
    fn new(handle: HDEVINFO, call: &str) -> Result<DevInfoList, SysError> {
        if handle == INVALID_HANDLE_VALUE as HDEVINFO {
            Err(fail(call))
        } else {
            Ok(DevInfoList(handle))
        }
    }

    /// An empty set with no class.
    fn empty() -> Result<DevInfoList, SysError> {
        // SAFETY: a null class GUID and a null window are both documented as allowed.
        let handle = unsafe { SetupDiCreateDeviceInfoList(null(), null_mut()) };
        DevInfoList::new(handle, "SetupDiCreateDeviceInfoList")
    }

    /// A set holding the one device `instance_id`, and its element.
    fn open(instance_id: &str) -> Result<(DevInfoList, SP_DEVINFO_DATA), SysError> {
        let list = DevInfoList::empty()?;
        let id = wide(instance_id);
        let mut data = SP_DEVINFO_DATA {
            cbSize: struct_size::<SP_DEVINFO_DATA>(),
            ..SP_DEVINFO_DATA::default()
        };
        // SAFETY: `list.0` is a live set (the guard owns it), `id` is NUL-terminated and
        // outlives the call, and `data` is a local with its cbSize set as required.
        let ok =
            unsafe { SetupDiOpenDeviceInfoW(list.0, id.as_ptr(), null_mut(), 0, &raw mut data) };
        if ok == 0 {
            return Err(fail("SetupDiOpenDeviceInfoW").with_detail(format!("device {instance_id}")));
        }
        Ok((list, data))
    }

    fn instance_id(&self, data: &SP_DEVINFO_DATA) -> Result<String, SysError> {
        let mut buffer = vec![0u16; 512];
        let mut needed = 0u32;
        let len = u32::try_from(buffer.len()).unwrap_or(0);
        // SAFETY: a live set and one of its elements; `buffer` holds `len` units and
        // `needed` is a local.
        let ok = unsafe {
            SetupDiGetDeviceInstanceIdW(
                self.0,
                &raw const *data,
                buffer.as_mut_ptr(),
                len,
                &raw mut needed,
            )
        };
        if ok == 0 {
            return Err(fail("SetupDiGetDeviceInstanceIdW"));
        }
        Ok(from_wide(&buffer))
    }
}

impl DevInfoList {
    /// Whether the class installer asked for a reboot (DI_NEEDREBOOT / DI_NEEDRESTART) for
    /// `data` after the last call.
    fn needs_reboot(&self, data: &SP_DEVINFO_DATA) -> bool {
        let mut install = SP_DEVINSTALL_PARAMS_W {
            cbSize: struct_size::<SP_DEVINSTALL_PARAMS_W>(),
            ..SP_DEVINSTALL_PARAMS_W::default()
        };
        // SAFETY: a live set and one of its elements; `install` is a local with cbSize set.
        let ok =
            unsafe { SetupDiGetDeviceInstallParamsW(self.0, &raw const *data, &raw mut install) };
        ok != 0 && install.Flags & (DI_NEEDREBOOT | DI_NEEDRESTART) != 0
    }
}

impl Drop for DevInfoList {
    fn drop(&mut self) {
        // SAFETY: the handle is a live set owned by this guard alone; it is destroyed once.
        unsafe { SetupDiDestroyDeviceInfoList(self.0) };
    }
}

/// An open registry key, closed once when dropped.
struct Key(HKEY);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the key is open and owned by this guard alone; it is closed once.
        unsafe { RegCloseKey(self.0) };
    }
}

/// An access token, closed once when dropped.
struct Token(HANDLE);

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: the handle is an open token owned by this guard alone; closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// An open file handle (a KS filter), closed once when dropped.
struct File(HANDLE);

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: the handle is open and owned by this guard alone; it is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

impl File {
    /// Opens the device interface `path` for reading (IOCTL_KS_PROPERTY is FILE_ANY_ACCESS).
    fn open(path: &str) -> Result<File, SysError> {
        let name = wide(path);
        // SAFETY: `name` is NUL-terminated and outlives the call; no security attributes and
        // no template (both documented as optional); OPEN_EXISTING creates nothing.
        let handle = unsafe {
            CreateFileW(
                name.as_ptr(),
                GENERIC_READ,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                null(),
                OPEN_EXISTING,
                FILE_ATTRIBUTE_NORMAL,
                null_mut(),
            )
        };
        if handle == INVALID_HANDLE_VALUE {
            return Err(fail("CreateFileW").with_detail(path.to_owned()));
        }
        Ok(File(handle))
    }

    /// `DeviceIoControl(IOCTL_KS_PROPERTY)` with `request` as input and `out` as output:
    /// `Ok(bytes returned)`, or the Win32 error and the bytes returned with it (the size KS
    /// reports for a size query comes with ERROR_MORE_DATA).
    fn ks_property(&self, request: &KsPropertyImage, out: &mut [u64]) -> Result<u32, (u32, u32)> {
        let out_len = u32::try_from(out.len() * 8).unwrap_or(0);
        let out_ptr = if out.is_empty() {
            null_mut()
        } else {
            out.as_mut_ptr().cast()
        };
        let mut returned = 0u32;
        // SAFETY: an open handle, synchronous (no FILE_FLAG_OVERLAPPED, so no OVERLAPPED);
        // the input is the KSPROPERTY image, 8-byte aligned and alive for the call, of its
        // size; the output is `out_len` bytes of `out` (or null with length 0); `returned` is
        // a local.
        let ok = unsafe {
            DeviceIoControl(
                self.0,
                IOCTL_KS_PROPERTY,
                (&raw const request.0).cast(),
                struct_size::<KsPropertyImage>(),
                out_ptr,
                out_len,
                &raw mut returned,
                null_mut(),
            )
        };
        if ok == 0 {
            Err((last_error(), returned))
        } else {
            Ok(returned)
        }
    }
}

/// Opens (`create == false`) or creates `sub` under `parent`. `Ok(None)`: it does not exist.
fn open_subkey(parent: HKEY, sub: &str, create: bool) -> Result<Option<Key>, SysError> {
    let name = wide(sub);
    let mut key: HKEY = null_mut();
    let status = if create {
        // SAFETY: `parent` is an open key or a predefined root, `name` is NUL-terminated and
        // outlives the call, and `key` is a local; null class, security and disposition are
        // allowed.
        unsafe {
            RegCreateKeyExW(
                parent,
                name.as_ptr(),
                0,
                null(),
                REG_OPTION_NON_VOLATILE,
                KEY_READ | KEY_WRITE,
                null(),
                &raw mut key,
                null_mut(),
            )
        }
    } else {
        // SAFETY: `parent` is an open key or a predefined root, `name` is NUL-terminated and
        // outlives the call, and `key` is a local out-parameter.
        unsafe { RegOpenKeyExW(parent, name.as_ptr(), 0, KEY_READ, &raw mut key) }
    };
    match status {
        0 => Ok(Some(Key(key))),
        ERROR_FILE_NOT_FOUND if !create => Ok(None),
        code => Err(SysError::new(
            if create {
                "RegCreateKeyExW"
            } else {
                "RegOpenKeyExW"
            },
            code,
        )
        .with_detail(sub.to_owned())),
    }
}

/// Every value of an open key.
fn read_all(key: &Key) -> Result<Vec<RawValue>, SysError> {
    let mut count = 0u32;
    let mut max_name = 0u32;
    let mut max_data = 0u32;
    // SAFETY: an open key; every out-parameter is a local or null (documented as optional).
    let status = unsafe {
        RegQueryInfoKeyW(
            key.0,
            null_mut(),
            null_mut(),
            null(),
            null_mut(),
            null_mut(),
            null_mut(),
            &raw mut count,
            &raw mut max_name,
            &raw mut max_data,
            null_mut(),
            null_mut(),
        )
    };
    if status != 0 {
        return Err(SysError::new("RegQueryInfoKeyW", status));
    }
    let mut values = Vec::new();
    for index in 0..count {
        let mut name = vec![0u16; max_name as usize + 1];
        let mut data = vec![0u8; max_data as usize];
        let mut name_len = max_name + 1;
        let mut data_len = max_data;
        let mut reg_type = 0u32;
        // SAFETY: an open key; `name` holds `name_len` units and `data` `data_len` bytes
        // (the maxima the key reported), the other out-parameters are locals.
        let status = unsafe {
            RegEnumValueW(
                key.0,
                index,
                name.as_mut_ptr(),
                &raw mut name_len,
                null(),
                &raw mut reg_type,
                data.as_mut_ptr(),
                &raw mut data_len,
            )
        };
        if status == ERROR_NO_MORE_ITEMS {
            break;
        }
        if status != 0 {
            return Err(SysError::new("RegEnumValueW", status));
        }
        data.truncate(data_len as usize);
        values.push(RawValue {
            name: String::from_utf16_lossy(&name[..name_len as usize]),
            reg_type,
            data,
        });
    }
    Ok(values)
}

/// Opens the `Parameters` key at `at` (creating it if `create`).
fn open_params(at: &ParamsLocation, create: bool) -> Result<Option<Key>, SysError> {
    match at {
        ParamsLocation::Key { path } => {
            let Some((root, sub)) = parse_key_path(path) else {
                return Err(SysError::new("parsing --key", 87)
                    .with_detail(format!("{path} is not HKCU\\... or HKLM\\...")));
            };
            let root = match root {
                RootKey::CurrentUser => HKEY_CURRENT_USER,
                RootKey::LocalMachine => HKEY_LOCAL_MACHINE,
            };
            open_subkey(root, sub, create)
        }
        ParamsLocation::Device { instance_id } => {
            let (list, data) = DevInfoList::open(instance_id)?;
            let access = if create {
                KEY_READ | KEY_WRITE
            } else {
                KEY_READ
            };
            // SAFETY: a live set and its element; DICS_FLAG_GLOBAL with profile 0 and DIREG_DRV
            // name the device's driver key, as documented.
            let driver = unsafe {
                SetupDiOpenDevRegKey(
                    list.0,
                    &raw const data,
                    DICS_FLAG_GLOBAL,
                    0,
                    DIREG_DRV,
                    access,
                )
            };
            if std::ptr::eq(driver, INVALID_HANDLE_VALUE) {
                return Err(fail("SetupDiOpenDevRegKey(DIREG_DRV)").with_detail(format!(
                    "device {instance_id} has no driver key (is its driver installed?)"
                )));
            }
            let driver = Key(driver);
            open_subkey(driver.0, "Parameters", create)
        }
    }
}

/// The detail of interface `iface` of `list`: its path and the instance ID of its device.
fn interface_detail(
    list: &DevInfoList,
    iface: &SP_DEVICE_INTERFACE_DATA,
) -> Result<(String, String), SysError> {
    let mut needed = 0u32;
    // SAFETY: a live set and one of its interfaces; no buffer (size 0) asks for the size,
    // which lands in the local `needed`; no device data wanted.
    let ok = unsafe {
        SetupDiGetDeviceInterfaceDetailW(
            list.0,
            &raw const *iface,
            null_mut(),
            0,
            &raw mut needed,
            null_mut(),
        )
    };
    let code = last_error();
    if ok != 0 || code != ERROR_INSUFFICIENT_BUFFER || needed < 8 {
        return Err(SysError::new("SetupDiGetDeviceInterfaceDetailW", code));
    }
    // u32 elements: the structure's alignment (its first field is a DWORD).
    let mut buffer = vec![0u32; (needed as usize).div_ceil(4)];
    let size = u32::try_from(buffer.len() * 4).unwrap_or(0);
    if let Some(first) = buffer.first_mut() {
        // cbSize is the size of the fixed part (8 on 64-bit Windows), not of the buffer.
        *first = struct_size::<SP_DEVICE_INTERFACE_DETAIL_DATA_W>();
    }
    let mut data = SP_DEVINFO_DATA {
        cbSize: struct_size::<SP_DEVINFO_DATA>(),
        ..SP_DEVINFO_DATA::default()
    };
    // SAFETY: a live set and one of its interfaces; `buffer` is `size` bytes, at least the
    // size just reported, aligned for the structure and starting with its cbSize; `data` is a
    // local with its cbSize set.
    let ok = unsafe {
        SetupDiGetDeviceInterfaceDetailW(
            list.0,
            &raw const *iface,
            buffer
                .as_mut_ptr()
                .cast::<SP_DEVICE_INTERFACE_DETAIL_DATA_W>(),
            size,
            null_mut(),
            &raw mut data,
        )
    };
    if ok == 0 {
        return Err(fail("SetupDiGetDeviceInterfaceDetailW"));
    }
    // DevicePath starts right after cbSize (offset 4) and is NUL-terminated.
    let units: Vec<u16> = buffer
        .iter()
        .skip(1)
        .flat_map(|w| {
            let b = w.to_ne_bytes();
            [
                u16::from_ne_bytes([b[0], b[1]]),
                u16::from_ne_bytes([b[2], b[3]]),
            ]
        })
        .collect();
    Ok((from_wide(&units), list.instance_id(&data)?))
}

impl System for WindowsSystem {
    fn is_elevated(&self) -> Result<bool, SysError> {
        let mut token: HANDLE = null_mut();
        // SAFETY: GetCurrentProcess has no preconditions; it returns a pseudo-handle.
        let process = unsafe { GetCurrentProcess() };
        // SAFETY: the current process pseudo-handle, a query right, and a local out-parameter.
        if unsafe { OpenProcessToken(process, TOKEN_QUERY, &raw mut token) } == 0 {
            return Err(fail("OpenProcessToken"));
        }
        let token = Token(token);
        let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
        let mut returned = 0u32;
        // SAFETY: an open token with TOKEN_QUERY; the buffer is a TOKEN_ELEVATION of the size
        // given, as TokenElevation requires; `returned` is a local.
        let ok = unsafe {
            GetTokenInformation(
                token.0,
                TokenElevation,
                (&raw mut elevation).cast(),
                struct_size::<TOKEN_ELEVATION>(),
                &raw mut returned,
            )
        };
        if ok == 0 {
            return Err(fail("GetTokenInformation(TokenElevation)"));
        }
        Ok(elevation.TokenIsElevated != 0)
    }

    fn test_signing(&self) -> Result<bool, SysError> {
        let sub = wide("SYSTEM\\CurrentControlSet\\Control");
        let name = wide("SystemStartOptions");
        let mut buffer = vec![0u16; 1024];
        let mut size = u32::try_from(buffer.len() * 2).unwrap_or(0);
        // SAFETY: a predefined root, NUL-terminated names that outlive the call, a buffer of
        // `size` bytes and a local size; RRF_RT_REG_SZ restricts the type to REG_SZ.
        let status = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                sub.as_ptr(),
                name.as_ptr(),
                RRF_RT_REG_SZ,
                null_mut(),
                buffer.as_mut_ptr().cast(),
                &raw mut size,
            )
        };
        match status {
            0 => Ok(from_wide(&buffer)
                .to_ascii_uppercase()
                .contains("TESTSIGNING")),
            // No boot options recorded: not test signing.
            ERROR_FILE_NOT_FOUND => Ok(false),
            code => Err(SysError::new(
                "RegGetValueW(HKLM\\SYSTEM\\CurrentControlSet\\Control, SystemStartOptions)",
                code,
            )),
        }
    }

    fn find_devices(&self, hardware_ids: &[&str]) -> Result<Vec<DeviceInfo>, SysError> {
        // SAFETY: no class, enumerator or window (all documented as optional with
        // DIGCF_ALLCLASSES); without DIGCF_PRESENT, devices not present are included.
        let handle = unsafe { SetupDiGetClassDevsW(null(), null(), null_mut(), DIGCF_ALLCLASSES) };
        let list = DevInfoList::new(handle, "SetupDiGetClassDevsW")?;
        let mut found = Vec::new();
        for index in 0.. {
            let mut data = SP_DEVINFO_DATA {
                cbSize: struct_size::<SP_DEVINFO_DATA>(),
                ..SP_DEVINFO_DATA::default()
            };
            // SAFETY: a live set; `data` is a local with cbSize set.
            if unsafe { SetupDiEnumDeviceInfo(list.0, index, &raw mut data) } == 0 {
                let code = last_error();
                if code == ERROR_NO_MORE_ITEMS {
                    break;
                }
                return Err(SysError::new("SetupDiEnumDeviceInfo", code));
            }
            let mut buffer = vec![0u8; 4096];
            let mut reg_type = 0u32;
            let len = u32::try_from(buffer.len()).unwrap_or(0);
            // SAFETY: a live set and its element; `buffer` holds `len` bytes; the type and
            // the (unused) required size are locals or null.
            let ok = unsafe {
                SetupDiGetDeviceRegistryPropertyW(
                    list.0,
                    &raw const data,
                    SPDRP_HARDWAREID,
                    &raw mut reg_type,
                    buffer.as_mut_ptr(),
                    len,
                    null_mut(),
                )
            };
            if ok == 0 {
                // Devices without hardware IDs (or with more than fit) are not Cadenza's.
                continue;
            }
            let units: Vec<u16> = buffer
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let ids: Vec<String> = units
                .split(|&u| u == 0)
                .take_while(|s| !s.is_empty())
                .map(String::from_utf16_lossy)
                .collect();
            let ours = ids
                .iter()
                .any(|id| hardware_ids.iter().any(|h| h.eq_ignore_ascii_case(id)));
            if ours {
                found.push(DeviceInfo {
                    instance_id: list.instance_id(&data)?,
                    hardware_ids: ids,
                });
            }
        }
        Ok(found)
    }

    fn create_root_device(
        &mut self,
        hardware_id: &str,
        class_name: &str,
        class_guid: &str,
        description: &str,
    ) -> Result<String, SysError> {
        let Some((data1, data2, data3, data4)) = parse_guid(class_guid) else {
            return Err(SysError::new("reading the INF's ClassGuid", 87)
                .with_detail(format!("{class_guid} is not a GUID")));
        };
        let guid = GUID {
            data1,
            data2,
            data3,
            data4,
        };
        // SAFETY: `guid` is a local that outlives the call; a null window is allowed.
        let handle = unsafe { SetupDiCreateDeviceInfoList(&raw const guid, null_mut()) };
        let list = DevInfoList::new(handle, "SetupDiCreateDeviceInfoList")?;
        let name = wide(class_name);
        let desc = wide(description);
        let mut data = SP_DEVINFO_DATA {
            cbSize: struct_size::<SP_DEVINFO_DATA>(),
            ..SP_DEVINFO_DATA::default()
        };
        // SAFETY: a live set; NUL-terminated name and description that outlive the call; the
        // class GUID is a local; DICD_GENERATE_ID makes ROOT\<class>\NNNN from the name;
        // `data` is a local with cbSize set.
        let ok = unsafe {
            SetupDiCreateDeviceInfoW(
                list.0,
                name.as_ptr(),
                &raw const guid,
                desc.as_ptr(),
                null_mut(),
                DICD_GENERATE_ID,
                &raw mut data,
            )
        };
        if ok == 0 {
            return Err(fail("SetupDiCreateDeviceInfoW"));
        }
        // REG_MULTI_SZ: the one ID, its NUL, the list's NUL.
        let ids: Vec<u8> = hardware_id
            .encode_utf16()
            .chain([0, 0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let ids_len = byte_len(&ids)?;
        // SAFETY: a live set and its element; `ids` holds `ids_len` bytes of REG_MULTI_SZ.
        let ok = unsafe {
            SetupDiSetDeviceRegistryPropertyW(
                list.0,
                &raw mut data,
                SPDRP_HARDWAREID,
                ids.as_ptr(),
                ids_len,
            )
        };
        if ok == 0 {
            return Err(fail("SetupDiSetDeviceRegistryPropertyW(SPDRP_HARDWAREID)"));
        }
        // SAFETY: a live set and its element, whose hardware ID is set.
        if unsafe { SetupDiCallClassInstaller(DIF_REGISTERDEVICE, list.0, &raw const data) } == 0 {
            return Err(fail("SetupDiCallClassInstaller(DIF_REGISTERDEVICE)"));
        }
        list.instance_id(&data)
    }

    fn install_driver(&mut self, hardware_id: &str, inf: &Path) -> Result<bool, SysError> {
        let full = std::path::absolute(inf)
            .map_err(|e| SysError::new("resolving the INF path", 0).with_detail(e.to_string()))?;
        let id = wide(hardware_id);
        let path = wide(&full.to_string_lossy());
        let mut reboot: BOOL = 0;
        // SAFETY: NUL-terminated hardware ID and full INF path that outlive the call, no
        // window, and a local for the reboot flag.
        let ok = unsafe {
            UpdateDriverForPlugAndPlayDevicesW(
                null_mut(),
                id.as_ptr(),
                path.as_ptr(),
                INSTALLFLAG_FORCE,
                &raw mut reboot,
            )
        };
        if ok == 0 {
            let e = fail("UpdateDriverForPlugAndPlayDevicesW");
            let hint = match win32_error_name(e.code) {
                Some("ERROR_AUTHENTICODE_PUBLISHER_NOT_TRUSTED" | "CERT_E_UNTRUSTEDROOT") => {
                    "the package's signing certificate is not trusted: import it into the \
                     Trusted Root and Trusted Publishers stores (docs/install.md)"
                }
                Some("ERROR_NO_CATALOG_FOR_OEM_INF" | "ERROR_FILE_HASH_NOT_IN_CATALOG") => {
                    "the package's catalog (cadenza.cat) is missing or does not match its files"
                }
                _ => "",
            };
            return Err(e.with_detail(hint));
        }
        Ok(reboot != 0)
    }

    fn remove_device(&mut self, instance_id: &str) -> Result<Removal, SysError> {
        // DIF_REMOVE, as devcon's `remove` does (DiUninstallDevice would also do, but Wine's
        // newdev only has a stub of it, and this is the call both can run).
        let (list, data) = DevInfoList::open(instance_id)?;
        let params = SP_REMOVEDEVICE_PARAMS {
            ClassInstallHeader: SP_CLASSINSTALL_HEADER {
                cbSize: struct_size::<SP_CLASSINSTALL_HEADER>(),
                InstallFunction: DIF_REMOVE,
            },
            Scope: DI_REMOVEDEVICE_GLOBAL,
            HwProfile: 0,
        };
        // SAFETY: a live set and its element; `params` is a local SP_REMOVEDEVICE_PARAMS
        // whose header starts it, passed with its full size as DIF_REMOVE requires.
        let ok = unsafe {
            SetupDiSetClassInstallParamsW(
                list.0,
                &raw const data,
                &raw const params.ClassInstallHeader,
                struct_size::<SP_REMOVEDEVICE_PARAMS>(),
            )
        };
        // Without the parameters, DIF_REMOVE's default handler (SetupDiRemoveDevice) still
        // removes the device: a removal limited to one hardware profile is only ever asked for
        // by the parameters. Wine's SetupDiSetClassInstallParamsW is a stub that fails, so
        // carrying on is what lets `uninstall` run there.
        let _ = ok;
        // SAFETY: a live set and its element, with the removal parameters set.
        if unsafe { SetupDiCallClassInstaller(DIF_REMOVE, list.0, &raw const data) } == 0 {
            return Err(fail("SetupDiCallClassInstaller(DIF_REMOVE)")
                .with_detail(format!("device {instance_id}")));
        }
        Ok(if list.needs_reboot(&data) {
            Removal::RebootNeeded
        } else {
            Removal::Done
        })
    }

    fn read_values(&self, at: &ParamsLocation) -> Result<Vec<RawValue>, SysError> {
        match open_params(at, false)? {
            Some(key) => read_all(&key),
            None => Ok(Vec::new()),
        }
    }

    fn write_value(&mut self, at: &ParamsLocation, value: &RawValue) -> Result<(), SysError> {
        let Some(key) = open_params(at, true)? else {
            return Err(SysError::new("RegCreateKeyExW", ERROR_FILE_NOT_FOUND));
        };
        let name = wide(&value.name);
        let len = byte_len(&value.data)?;
        // SAFETY: an open key with KEY_WRITE, a NUL-terminated name that outlives the call,
        // and `len` bytes of data.
        let status = unsafe {
            RegSetValueExW(
                key.0,
                name.as_ptr(),
                0,
                value.reg_type,
                value.data.as_ptr(),
                len,
            )
        };
        if status != 0 {
            return Err(SysError::new("RegSetValueExW", status).with_detail(value.name.clone()));
        }
        Ok(())
    }

    fn restart_device(&mut self, instance_id: &str) -> Result<Restart, SysError> {
        let (list, data) = DevInfoList::open(instance_id)?;
        let params = SP_PROPCHANGE_PARAMS {
            ClassInstallHeader: SP_CLASSINSTALL_HEADER {
                cbSize: struct_size::<SP_CLASSINSTALL_HEADER>(),
                InstallFunction: DIF_PROPERTYCHANGE,
            },
            StateChange: DICS_PROPCHANGE,
            Scope: DICS_FLAG_CONFIGSPECIFIC,
            HwProfile: 0,
        };
        // SAFETY: a live set and its element; `params` is a local SP_PROPCHANGE_PARAMS whose
        // header starts it, passed with its full size as DIF_PROPERTYCHANGE requires.
        let ok = unsafe {
            SetupDiSetClassInstallParamsW(
                list.0,
                &raw const data,
                &raw const params.ClassInstallHeader,
                struct_size::<SP_PROPCHANGE_PARAMS>(),
            )
        };
        if ok == 0 {
            return Err(fail("SetupDiSetClassInstallParamsW(DICS_PROPCHANGE)"));
        }
        // SAFETY: a live set and its element, with the property-change parameters set.
        if unsafe { SetupDiCallClassInstaller(DIF_PROPERTYCHANGE, list.0, &raw const data) } == 0 {
            return Err(fail("SetupDiCallClassInstaller(DIF_PROPERTYCHANGE)"));
        }
        Ok(if list.needs_reboot(&data) {
            Restart::RebootNeeded
        } else {
            Restart::Done
        })
    }

    fn audio_filters(&self, instance_id: &str) -> Result<Vec<String>, SysError> {
        let class = GUID {
            data1: KSCATEGORY_AUDIO.data1,
            data2: KSCATEGORY_AUDIO.data2,
            data3: KSCATEGORY_AUDIO.data3,
            data4: KSCATEGORY_AUDIO.data4,
        };
        // SAFETY: `class` is a local that outlives the call; no enumerator and no window
        // (documented as optional); DIGCF_DEVICEINTERFACE makes `class` an interface class.
        let handle = unsafe {
            SetupDiGetClassDevsW(
                &raw const class,
                null(),
                null_mut(),
                DIGCF_DEVICEINTERFACE | DIGCF_PRESENT,
            )
        };
        let list = DevInfoList::new(handle, "SetupDiGetClassDevsW(KSCATEGORY_AUDIO)")?;
        let mut found = Vec::new();
        for index in 0.. {
            let mut iface = SP_DEVICE_INTERFACE_DATA {
                cbSize: struct_size::<SP_DEVICE_INTERFACE_DATA>(),
                ..SP_DEVICE_INTERFACE_DATA::default()
            };
            // SAFETY: a live set; no device filter (null); `class` is a local; `iface` is a
            // local with its cbSize set.
            let ok = unsafe {
                SetupDiEnumDeviceInterfaces(list.0, null(), &raw const class, index, &raw mut iface)
            };
            if ok == 0 {
                let code = last_error();
                if code == ERROR_NO_MORE_ITEMS {
                    break;
                }
                return Err(SysError::new("SetupDiEnumDeviceInterfaces", code));
            }
            let (path, device) = interface_detail(&list, &iface)?;
            if device.eq_ignore_ascii_case(instance_id) {
                found.push(path);
            }
        }
        Ok(found)
    }

    fn read_status(&self, path: &str) -> Result<Vec<u8>, SysError> {
        const CALL: &str = "DeviceIoControl(IOCTL_KS_PROPERTY)";
        let file = File::open(path)?;
        let request = KsPropertyImage(snapshot_request());
        // The size query: an empty output buffer. KS answers STATUS_BUFFER_OVERFLOW with the
        // size, which DeviceIoControl reports as ERROR_MORE_DATA with that many bytes
        // "returned"; a driver may also simply succeed with the size.
        let size = match file.ks_property(&request, &mut []) {
            Ok(n) | Err((ERROR_MORE_DATA, n)) if n > 0 => n,
            Ok(_) | Err((ERROR_MORE_DATA, _)) => {
                return Err(SysError::new(CALL, 0)
                    .with_detail("the size query reported 0 bytes".to_owned()));
            }
            Err((code, _)) => return Err(SysError::new(CALL, code)),
        };
        if size > MAX_STATUS_BYTES {
            return Err(SysError::new(CALL, 0).with_detail(format!(
                "the size query reported {size} bytes, more than a snapshot can be"
            )));
        }
        let mut out = vec![0u64; (size as usize).div_ceil(8)];
        let n = file
            .ks_property(&request, &mut out)
            .map_err(|(code, _)| SysError::new(CALL, code))?;
        let bytes: Vec<u8> = out.iter().flat_map(|w| w.to_ne_bytes()).collect();
        Ok(bytes[..(n as usize).min(bytes.len())].to_vec())
    }

    fn interface_name(&self, path: &str) -> Result<Option<String>, SysError> {
        const CALL: &str =
            "CM_Get_Device_Interface_PropertyW(DEVPKEY_DeviceInterface_FriendlyName)";
        let interface = wide(path);
        let key = DEVPKEY_DeviceInterface_FriendlyName;
        let mut kind: DEVPROPTYPE = 0;
        let mut size: u32 = 0;
        // SAFETY: `interface` is a NUL-terminated local and `key` a local, both outliving the
        // call; `kind` and `size` are locals; a null buffer with size 0 asks for the size.
        let cr = unsafe {
            CM_Get_Device_Interface_PropertyW(
                interface.as_ptr(),
                &raw const key,
                &raw mut kind,
                null_mut(),
                &raw mut size,
                0,
            )
        };
        match cr {
            CR_NO_SUCH_VALUE => return Ok(None),
            CR_BUFFER_SMALL => {}
            CR_SUCCESS => return Ok(Some(String::new())),
            other => {
                return Err(SysError::new(CALL, 0).with_detail(format!("CONFIGRET {other}")));
            }
        }
        // UTF-16 units, rounded up: the buffer holds at least `size` bytes.
        let mut buffer = vec![0u16; (size as usize).div_ceil(2)];
        // SAFETY: `interface` (NUL-terminated) and `key` are locals outliving the call; `kind`
        // and `size` are locals; `buffer` is a local of at least `size` bytes, the size passed.
        let cr = unsafe {
            CM_Get_Device_Interface_PropertyW(
                interface.as_ptr(),
                &raw const key,
                &raw mut kind,
                buffer.as_mut_ptr().cast(),
                &raw mut size,
                0,
            )
        };
        if cr != CR_SUCCESS {
            return Err(SysError::new(CALL, 0).with_detail(format!("CONFIGRET {cr}")));
        }
        if kind != DEVPROP_TYPE_STRING {
            return Err(SysError::new(CALL, 0).with_detail(format!(
                "the property has type {kind}, not DEVPROP_TYPE_STRING"
            )));
        }
        let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
        Ok(Some(String::from_utf16_lossy(&buffer[..end])))
    }

    fn enable_ansi(&mut self) {
        // SAFETY: GetStdHandle has no preconditions.
        let handle = unsafe { GetStdHandle(STD_OUTPUT_HANDLE) };
        let mut mode = 0u32;
        // SAFETY: a handle from GetStdHandle (any value: the call fails for one that is not a
        // console, e.g. a pipe) and a local out-parameter.
        if unsafe { GetConsoleMode(handle, &raw mut mode) } != 0 {
            // SAFETY: the same console handle; the mode it reported plus one documented flag.
            // Failure (a console without VT support) leaves the escapes printed as text.
            unsafe { SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) };
        }
    }

    fn wait(&mut self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
    }
}
