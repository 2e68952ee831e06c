//! The driver's parameters: `HKR\Parameters` (the driver key's `Parameters` subkey, where the
//! INF's AddReg writes them), read at EvtDriverDeviceAdd into the engine's shared, host-tested
//! configuration parser. Windows only (compiled on Linux by tools/wdk-check).
//!
//! | item | DDI | IRQL |
//! |---|---|---|
//! | `read_config` | WdfDeviceOpenRegistryKey, WdfRegistryOpenKey, WdfRegistryQueryValue, WdfRegistryClose | PASSIVE_LEVEL |
//!
//! A missing or bad value is reported through DbgPrintEx and replaced by its default by the
//! parser; nothing here can make the device fail to start.

use core::ptr::null_mut;

use cadenza_engine::config::{
    ConfigBuilder, DeviceConfig, KeyId, MAX_REGISTRY_TEXT, MissingKeys, decode_registry_data,
};
use cadenza_engine::platform::Platform as _;
use wdk_sys::{
    UNICODE_STRING, WDF_NO_OBJECT_ATTRIBUTES, WDFDEVICE, WDFKEY, call_unsafe_wdf_function_binding,
};

use super::Kp;

/// `PLUGPLAY_REGKEY_DRIVER`: the driver (software) key.
const PLUGPLAY_REGKEY_DRIVER: u32 = 2;
/// `KEY_READ` (STANDARD_RIGHTS_READ | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY).
const KEY_READ: u32 = 0x0002_0019;
/// The largest value we read; longer ones are reported and defaulted.
const MAX_VALUE_BYTES: usize = 2 * MAX_REGISTRY_TEXT;
/// The same, as WdfRegistryQueryValue's ULONG length (a small constant: checked at compile time).
#[allow(clippy::cast_possible_truncation)]
const MAX_VALUE_BYTES_U32: u32 = {
    assert!(MAX_VALUE_BYTES <= u32::MAX as usize);
    MAX_VALUE_BYTES as u32
};

/// `s` as UTF-16 in `out`, and a UNICODE_STRING over it (no NUL: the length carries it).
fn unicode(s: &str, out: &mut [u16; 64]) -> Option<UNICODE_STRING> {
    let mut n = 0usize;
    for (slot, unit) in out.iter_mut().zip(s.encode_utf16()) {
        *slot = unit;
        n += 1;
    }
    let bytes = u16::try_from(n.checked_mul(2)?).ok()?;
    Some(UNICODE_STRING {
        Length: bytes,
        MaximumLength: bytes,
        Buffer: out.as_mut_ptr(),
    })
}

/// Reads the configuration of `device`.
///
/// # Safety
/// `device` is a WDFDEVICE created by WdfDeviceCreate; the caller runs at PASSIVE_LEVEL.
pub unsafe fn read_config(device: WDFDEVICE, platform: &Kp) -> DeviceConfig {
    let mut warn = |w: cadenza_engine::config::ConfigWarning| {
        platform.debug(format_args!("configuration: {w}"));
    };
    let mut builder = ConfigBuilder::new(MissingKeys::Report);
    let mut driver_key: WDFKEY = null_mut();
    // SAFETY: a created device and a writable handle; PASSIVE_LEVEL.
    let status = unsafe {
        call_unsafe_wdf_function_binding!(
            WdfDeviceOpenRegistryKey,
            device,
            PLUGPLAY_REGKEY_DRIVER,
            KEY_READ,
            WDF_NO_OBJECT_ATTRIBUTES,
            &raw mut driver_key
        )
    };
    if status < 0 {
        platform.debug(format_args!(
            "configuration: no driver key ({status:#x}); defaults"
        ));
        return builder.finish(&mut warn);
    }
    let mut name_units = [0u16; 64];
    let mut params: WDFKEY = null_mut();
    let opened = match unicode("Parameters", &mut name_units) {
        Some(name) => {
            // SAFETY: an open key, a valid name, a writable handle; PASSIVE_LEVEL.
            let status = unsafe {
                call_unsafe_wdf_function_binding!(
                    WdfRegistryOpenKey,
                    driver_key,
                    &raw const name,
                    KEY_READ,
                    WDF_NO_OBJECT_ATTRIBUTES,
                    &raw mut params
                )
            };
            status >= 0
        }
        None => false,
    };
    // SAFETY: the driver key opened above, closed once.
    unsafe { call_unsafe_wdf_function_binding!(WdfRegistryClose, driver_key) };
    if !opened {
        platform.debug(format_args!("configuration: no Parameters key; defaults"));
        return builder.finish(&mut warn);
    }
    for id in KeyId::ALL {
        let Some(name) = unicode(id.name(), &mut name_units) else {
            continue;
        };
        let mut data = [0u8; MAX_VALUE_BYTES];
        let mut got: u32 = 0;
        let mut reg_type: u32 = 0;
        // SAFETY: an open key, a valid name, a writable buffer of the stated length and two
        // writable ULONGs; PASSIVE_LEVEL.
        let status = unsafe {
            call_unsafe_wdf_function_binding!(
                WdfRegistryQueryValue,
                params,
                &raw const name,
                MAX_VALUE_BYTES_U32,
                data.as_mut_ptr().cast(),
                &raw mut got,
                &raw mut reg_type
            )
        };
        if status < 0 {
            // Absent or too large: the builder reports missing keys at the end; a value too
            // large to read is reported as unreadable.
            continue;
        }
        let used = data.get(..got as usize).unwrap_or(&data);
        let mut text = heapless::String::<MAX_REGISTRY_TEXT>::new();
        let value = decode_registry_data(reg_type, used, &mut text);
        if let Some(w) = builder.apply(id.name(), value) {
            warn(w);
        }
    }
    // SAFETY: the Parameters key opened above, closed once.
    unsafe { call_unsafe_wdf_function_binding!(WdfRegistryClose, params) };
    builder.finish(&mut warn)
}
