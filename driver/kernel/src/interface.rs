//! Device-interface properties: how both drivers publish what the engine's device host says
//! about an endpoint pair (its friendly name and packet-size constraints) on the pair's
//! `KSCATEGORY_AUDIO` interface before the interface is enabled.
//!
//! The interface is found by registering it: `IoRegisterDeviceInterface` with the PDO, the
//! class and the reference string the framework will register it with (PortCls: the
//! `PcRegisterSubdevice` name; ACX: the circuit name) returns the existing symbolic link when
//! the interface is already registered, and registers it otherwise — the framework's own later
//! registration then finds it. Each property is set with `IoSetDeviceInterfacePropertyData`,
//! and the link is freed with `RtlFreeUnicodeString`.
//!
//! The layouts passed to the DDIs ([`GuidRepr`], [`PropertyKeyRepr`]) are the documented
//! `GUID` and `DEVPROPKEY`; the .sys crates assert them equal to wdk-sys's bindings of the
//! headers at compile time.

use cadenza_engine::guid::Guid;

/// A `GUID` in memory: its 16 bytes in the documented field order (`Data1`..`Data3` little
/// endian, then `Data4`), 4-aligned like the C structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(4))]
pub struct GuidRepr(pub [u8; 16]);

impl GuidRepr {
    pub const fn new(g: &Guid) -> GuidRepr {
        GuidRepr(g.to_bytes())
    }
}

/// A `DEVPROPKEY`: `{ GUID fmtid; ULONG pid; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct PropertyKeyRepr {
    pub fmtid: GuidRepr,
    pub pid: u32,
}

const _: () = assert!(core::mem::size_of::<GuidRepr>() == 16);
const _: () = assert!(core::mem::align_of::<GuidRepr>() == 4);
const _: () = assert!(core::mem::size_of::<PropertyKeyRepr>() == 20);
const _: () = assert!(core::mem::offset_of!(PropertyKeyRepr, pid) == 16);

/// Longest reference string, in UTF-16 units (the drivers' are short ASCII names).
pub const REFERENCE_MAX_UNITS: usize = 32;

/// `reference` as UTF-16 for a `UNICODE_STRING` (no NUL), or `None` if it is empty or longer
/// than [`REFERENCE_MAX_UNITS`].
pub fn reference_units(reference: &str) -> Option<([u16; REFERENCE_MAX_UNITS], usize)> {
    let mut units = [0u16; REFERENCE_MAX_UNITS];
    let mut len = 0;
    for unit in reference.encode_utf16() {
        *units.get_mut(len)? = unit;
        len += 1;
    }
    (len > 0).then_some((units, len))
}

#[cfg(windows)]
pub use windows::publish_interface_properties;

#[cfg(windows)]
mod windows {
    use core::ptr::null_mut;

    use cadenza_engine::guid::Guid;
    use cadenza_engine::host::InterfaceProperty;
    use cadenza_engine::status::NtStatus;

    use super::{GuidRepr, PropertyKeyRepr, reference_units};
    use crate::ddi::{
        DEVICE_OBJECT, DEVPROPKEY, GUID, IoRegisterDeviceInterface,
        IoSetDeviceInterfacePropertyData, RtlFreeUnicodeString, UNICODE_STRING,
    };

    /// Sets `properties` on the `category` interface with `reference` of `pdo`. PASSIVE_LEVEL.
    ///
    /// Statuses: STATUS_INVALID_PARAMETER for an empty or over-long reference or a property
    /// over 4 GB; otherwise the first failing DDI's status (every property is still tried).
    ///
    /// # Safety
    /// `pdo` must be the device's live physical device object; PASSIVE_LEVEL.
    pub unsafe fn publish_interface_properties(
        pdo: *mut DEVICE_OBJECT,
        category: &Guid,
        reference: &str,
        properties: &[InterfaceProperty<'_>],
    ) -> Result<(), NtStatus> {
        let (mut units, len) = reference_units(reference).ok_or(NtStatus::INVALID_PARAMETER)?;
        // At most 32 units: the byte counts fit a USHORT.
        let bytes = u16::try_from(len * 2).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let mut reference = UNICODE_STRING {
            Length: bytes,
            MaximumLength: bytes,
            Buffer: units.as_mut_ptr(),
        };
        let class = GuidRepr::new(category);
        let mut link = UNICODE_STRING {
            Length: 0,
            MaximumLength: 0,
            Buffer: null_mut(),
        };
        // SAFETY: a live PDO (contract); `class` and `reference` outlive the call and describe
        // valid memory (`reference`'s buffer holds `len` units); `link` is written by the
        // kernel. PASSIVE_LEVEL (contract).
        let status = NtStatus(unsafe {
            IoRegisterDeviceInterface(
                pdo,
                (&raw const class).cast::<GUID>(),
                &raw mut reference,
                &raw mut link,
            )
        });
        if !status.is_success() {
            return Err(status);
        }
        let mut first_error = None;
        for p in properties {
            let key = PropertyKeyRepr {
                fmtid: GuidRepr::new(&p.key),
                pid: p.pid,
            };
            let Ok(size) = u32::try_from(p.bytes.len()) else {
                first_error.get_or_insert(NtStatus::INVALID_PARAMETER);
                continue;
            };
            // SAFETY: `link` is the symbolic link the kernel just returned; `key` and the value
            // bytes outlive the call, which only reads `size` bytes of the value (the DDI's
            // PVOID is not written through). PASSIVE_LEVEL (contract).
            let status = NtStatus(unsafe {
                IoSetDeviceInterfacePropertyData(
                    &raw mut link,
                    (&raw const key).cast::<DEVPROPKEY>(),
                    0,
                    0,
                    p.devprop_type,
                    size,
                    p.bytes.as_ptr().cast_mut().cast(),
                )
            });
            if !status.is_success() {
                first_error.get_or_insert(status);
            }
        }
        // SAFETY: `link` came from IoRegisterDeviceInterface and is freed once.
        unsafe { RtlFreeUnicodeString(&raw mut link) };
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_laid_out_as_the_documented_structure() {
        // KSCATEGORY_AUDIO {6994AD04-93EF-11D0-A3CC-00A0C9223196}: Data1..Data3 little-endian.
        let g = GuidRepr::new(&Guid::from_u128(0x6994_AD04_93EF_11D0_A3CC_00A0_C922_3196));
        assert_eq!(
            g.0,
            [
                0x04, 0xAD, 0x94, 0x69, 0xEF, 0x93, 0xD0, 0x11, 0xA3, 0xCC, 0x00, 0xA0, 0xC9, 0x22,
                0x31, 0x96
            ]
        );
    }

    #[test]
    fn reference_strings_must_be_short_and_non_empty() {
        let (units, len) = reference_units("Wave1").unwrap();
        assert_eq!(&units[..len], &[87, 97, 118, 101, 49]);
        assert!(reference_units("").is_none());
        assert!(reference_units(&"x".repeat(33)).is_none());
        assert!(reference_units(&"x".repeat(32)).is_some());
    }
}
