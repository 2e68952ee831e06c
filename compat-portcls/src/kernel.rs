//! Kernel objects and kernel value types that cross the PortCls COM boundary.
//!
//! Objects the miniport only ever handles by pointer (MDL, IRP, KEVENT, ...) are opaque
//! zero-sized `#[repr(C)]` types: they can be named behind a raw pointer but never built,
//! moved or sized in Rust. Values passed by value (PHYSICAL_ADDRESS, POWER_STATE, the caching
//! type enum) have their exact C size and alignment.

use core::fmt;

/// Declares an opaque type: zero-sized, `#[repr(C)]`, `!Send`, `!Sync`, `!Unpin`, only ever
/// used behind a raw pointer.
macro_rules! opaque {
    ($($(#[$meta:meta])* $name:ident = $c_name:literal;)+) => {$(
        $(#[$meta])*
        #[doc = concat!("\n\nOpaque: the C `", $c_name, "` is only ever handled by pointer.")]
        #[repr(C)]
        pub struct $name {
            _opaque: [u8; 0],
            _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($c_name)
            }
        }
    )+};
}
pub(crate) use opaque;

opaque! {
    /// A memory descriptor list (`MDL`), describing the physical pages of a buffer.
    Mdl = "MDL";
    /// A device object (`DEVICE_OBJECT`).
    DeviceObject = "DEVICE_OBJECT";
    /// An I/O request packet (`IRP`).
    Irp = "IRP";
    /// A kernel event (`KEVENT`), as registered for WaveRT notifications.
    KEvent = "KEVENT";
    /// A raw or translated hardware resource list (`CM_RESOURCE_LIST`).
    CmResourceList = "CM_RESOURCE_LIST";
    /// A DMA adapter description (`DEVICE_DESCRIPTION`), filled by `GetDeviceDescription`.
    DeviceDescription = "DEVICE_DESCRIPTION";
    /// Device power capabilities (`DEVICE_CAPABILITIES`).
    DeviceCapabilities = "DEVICE_CAPABILITIES";
    /// Object attributes for registry keys (`OBJECT_ATTRIBUTES`).
    ObjectAttributes = "OBJECT_ATTRIBUTES";
    /// An enabled KS event (`KSEVENT_ENTRY`).
    KsEventEntry = "KSEVENT_ENTRY";
}

/// `DEVICE_REGISTRY_PROPERTY`: which property `IPort::GetDeviceProperty` reads (a C enum).
pub type DeviceRegistryProperty = i32;

/// `ACCESS_MASK`.
pub type AccessMask = u32;

/// `PHYSICAL_ADDRESS` (a `LARGE_INTEGER`): 8 bytes, 8-aligned. The C type is a union of
/// `QuadPart` with `{LowPart, HighPart}`; this is the `QuadPart` view, which has the same size,
/// alignment and by-value passing class (one integer register on x64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct PhysicalAddress(pub i64);

impl PhysicalAddress {
    /// The low 32 bits (`LowPart`).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // deliberate bit slice
    pub const fn low_part(self) -> u32 {
        self.0 as u32
    }

    /// The high 32 bits (`HighPart`).
    #[allow(clippy::cast_possible_truncation)] // deliberate bit slice
    pub const fn high_part(self) -> i32 {
        (self.0 >> 32) as i32
    }
}

/// `SYSTEM_POWER_STATE` (a C enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SystemPowerState(pub i32);

impl SystemPowerState {
    pub const UNSPECIFIED: Self = Self(0);
    pub const WORKING: Self = Self(1);
    pub const SLEEPING1: Self = Self(2);
    pub const SLEEPING2: Self = Self(3);
    pub const SLEEPING3: Self = Self(4);
    pub const HIBERNATE: Self = Self(5);
    pub const SHUTDOWN: Self = Self(6);
}

/// `DEVICE_POWER_STATE` (a C enum): D0 is fully on, D3 is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct DevicePowerState(pub i32);

impl DevicePowerState {
    pub const UNSPECIFIED: Self = Self(0);
    pub const D0: Self = Self(1);
    pub const D1: Self = Self(2);
    pub const D2: Self = Self(3);
    pub const D3: Self = Self(4);
}

/// `POWER_STATE`: a union of the system and the device power state (4 bytes), passed by value
/// to `IAdapterPowerManagement`. Which member is meaningful depends on the call (PortCls passes
/// a device state to `PowerChangeState`).
#[derive(Clone, Copy)]
#[repr(C)]
pub union PowerState {
    pub system_state: SystemPowerState,
    pub device_state: DevicePowerState,
}

impl PowerState {
    /// A power state holding a device power state.
    pub const fn device(state: DevicePowerState) -> Self {
        PowerState {
            device_state: state,
        }
    }

    /// The value read as a device power state.
    pub const fn device_state(self) -> DevicePowerState {
        // SAFETY: both members are `#[repr(transparent)]` wrappers of `i32` at offset 0, so
        // every bit pattern of either is a valid value of the other.
        unsafe { self.device_state }
    }

    /// The value read as a system power state.
    pub const fn system_state(self) -> SystemPowerState {
        // SAFETY: both members are `#[repr(transparent)]` wrappers of `i32` at offset 0, so
        // the 4 bytes are initialised whichever member was written, and any `i32` is a valid
        // `SystemPowerState`.
        unsafe { self.system_state }
    }
}

impl fmt::Debug for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PowerState({})", self.device_state().0)
    }
}

/// `MEMORY_CACHING_TYPE` (a C enum): how a buffer is mapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct MemoryCachingType(pub i32);

impl MemoryCachingType {
    /// `MmNonCached`.
    pub const NON_CACHED: Self = Self(0);
    /// `MmCached`: what a virtual (memory-only) device hands out.
    pub const CACHED: Self = Self(1);
    /// `MmWriteCombined`.
    pub const WRITE_COMBINED: Self = Self(2);
}

/// The version-2 part of `DEVICE_DESCRIPTION` (every version starts with it), which
/// `IMiniportWaveRT::GetDeviceDescription` fills. Later versions append fields; writing this
/// prefix leaves them as the caller initialised them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct DeviceDescriptionV2 {
    pub version: u32,
    /// `BOOLEAN` fields: 0 or 1.
    pub master: u8,
    pub scatter_gather: u8,
    pub demand_mode: u8,
    pub auto_initialize: u8,
    pub dma32_bit_addresses: u8,
    pub ignore_count: u8,
    pub reserved1: u8,
    pub dma64_bit_addresses: u8,
    pub bus_number: u32,
    pub dma_channel: u32,
    /// `INTERFACE_TYPE` (a C enum).
    pub interface_type: i32,
    /// `DMA_WIDTH` (a C enum).
    pub dma_width: i32,
    /// `DMA_SPEED` (a C enum).
    pub dma_speed: i32,
    pub maximum_length: u32,
    pub dma_port: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    #[test]
    fn value_types_have_c_sizes() {
        assert_eq!(
            (size_of::<PhysicalAddress>(), align_of::<PhysicalAddress>()),
            (8, 8)
        );
        assert_eq!((size_of::<PowerState>(), align_of::<PowerState>()), (4, 4));
        assert_eq!(size_of::<MemoryCachingType>(), 4);
        assert_eq!(size_of::<Mdl>(), 0);
    }

    #[test]
    fn physical_address_parts() {
        let p = PhysicalAddress(-2);
        assert_eq!(p.low_part(), 0xFFFF_FFFE);
        assert_eq!(p.high_part(), -1);
        let p = PhysicalAddress(0x1_2345_6789);
        assert_eq!((p.high_part(), p.low_part()), (1, 0x2345_6789));
    }

    #[test]
    fn power_state_views() {
        let s = PowerState::device(DevicePowerState::D3);
        assert_eq!(s.device_state(), DevicePowerState::D3);
        assert_eq!(s.system_state(), SystemPowerState::SLEEPING3);
        assert_eq!(format!("{s:?}"), "PowerState(4)");
        assert_eq!(format!("{:?}", std::ptr::null::<Mdl>()), "0x0");
    }
}
