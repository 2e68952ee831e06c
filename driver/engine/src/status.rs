//! NTSTATUS values the engine returns.
//!
//! The engine never returns a bare integer: every failure is a named [`NtStatus`], and every
//! engine error type converts into exactly one of these. The values are checked against the
//! mingw-w64 `ntstatus.h` by the ABI check in `compat-portcls`.

use core::fmt;

/// A Windows NTSTATUS code.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct NtStatus(pub i32);

// The `as i32` casts reinterpret the documented 32-bit pattern, which is what NTSTATUS is.
#[allow(clippy::cast_possible_wrap)]
impl NtStatus {
    pub const SUCCESS: Self = Self(0);
    pub const PENDING: Self = Self(0x0000_0103);
    pub const BUFFER_OVERFLOW: Self = Self(0x8000_0005_u32 as i32);
    pub const DEVICE_POWERED_OFF: Self = Self(0x8000_000F_u32 as i32);
    pub const DEVICE_BUSY: Self = Self(0x8000_0011_u32 as i32);
    pub const NO_MORE_ENTRIES: Self = Self(0x8000_001A_u32 as i32);
    pub const UNSUCCESSFUL: Self = Self(0xC000_0001_u32 as i32);
    pub const NOT_IMPLEMENTED: Self = Self(0xC000_0002_u32 as i32);
    pub const INVALID_PARAMETER: Self = Self(0xC000_000D_u32 as i32);
    pub const INVALID_DEVICE_REQUEST: Self = Self(0xC000_0010_u32 as i32);
    pub const BUFFER_TOO_SMALL: Self = Self(0xC000_0023_u32 as i32);
    pub const OBJECT_NAME_COLLISION: Self = Self(0xC000_0035_u32 as i32);
    pub const DATA_OVERRUN: Self = Self(0xC000_003C_u32 as i32);
    pub const DATA_LATE_ERROR: Self = Self(0xC000_003D_u32 as i32);
    pub const INTEGER_OVERFLOW: Self = Self(0xC000_0095_u32 as i32);
    pub const INSUFFICIENT_RESOURCES: Self = Self(0xC000_009A_u32 as i32);
    pub const DEVICE_NOT_READY: Self = Self(0xC000_00A3_u32 as i32);
    pub const NOT_SUPPORTED: Self = Self(0xC000_00BB_u32 as i32);
    pub const INVALID_DEVICE_STATE: Self = Self(0xC000_0184_u32 as i32);
    pub const INVALID_BUFFER_SIZE: Self = Self(0xC000_0206_u32 as i32);
    pub const NOT_FOUND: Self = Self(0xC000_0225_u32 as i32);
    pub const DUPLICATE_OBJECTID: Self = Self(0xC000_022A_u32 as i32);
    pub const NO_MATCH: Self = Self(0xC000_0272_u32 as i32);
    pub const DEVICE_REMOVED: Self = Self(0xC000_02B6_u32 as i32);
    pub const NOINTERFACE: Self = Self(0xC000_02B9_u32 as i32);

    /// Every named status, for tables and for the ABI check.
    pub const ALL: &'static [(&'static str, NtStatus)] = &[
        ("STATUS_SUCCESS", Self::SUCCESS),
        ("STATUS_PENDING", Self::PENDING),
        ("STATUS_BUFFER_OVERFLOW", Self::BUFFER_OVERFLOW),
        ("STATUS_DEVICE_POWERED_OFF", Self::DEVICE_POWERED_OFF),
        ("STATUS_DEVICE_BUSY", Self::DEVICE_BUSY),
        ("STATUS_NO_MORE_ENTRIES", Self::NO_MORE_ENTRIES),
        ("STATUS_UNSUCCESSFUL", Self::UNSUCCESSFUL),
        ("STATUS_NOT_IMPLEMENTED", Self::NOT_IMPLEMENTED),
        ("STATUS_INVALID_PARAMETER", Self::INVALID_PARAMETER),
        (
            "STATUS_INVALID_DEVICE_REQUEST",
            Self::INVALID_DEVICE_REQUEST,
        ),
        ("STATUS_BUFFER_TOO_SMALL", Self::BUFFER_TOO_SMALL),
        ("STATUS_OBJECT_NAME_COLLISION", Self::OBJECT_NAME_COLLISION),
        ("STATUS_DATA_OVERRUN", Self::DATA_OVERRUN),
        ("STATUS_DATA_LATE_ERROR", Self::DATA_LATE_ERROR),
        ("STATUS_INTEGER_OVERFLOW", Self::INTEGER_OVERFLOW),
        (
            "STATUS_INSUFFICIENT_RESOURCES",
            Self::INSUFFICIENT_RESOURCES,
        ),
        ("STATUS_DEVICE_NOT_READY", Self::DEVICE_NOT_READY),
        ("STATUS_NOT_SUPPORTED", Self::NOT_SUPPORTED),
        ("STATUS_INVALID_DEVICE_STATE", Self::INVALID_DEVICE_STATE),
        ("STATUS_INVALID_BUFFER_SIZE", Self::INVALID_BUFFER_SIZE),
        ("STATUS_NOT_FOUND", Self::NOT_FOUND),
        ("STATUS_DUPLICATE_OBJECTID", Self::DUPLICATE_OBJECTID),
        ("STATUS_NO_MATCH", Self::NO_MATCH),
        ("STATUS_DEVICE_REMOVED", Self::DEVICE_REMOVED),
        ("STATUS_NOINTERFACE", Self::NOINTERFACE),
    ];

    /// `NT_SUCCESS()`: success and informational codes are non-negative.
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// The documented name, if this is one of ours.
    pub fn name(self) -> Option<&'static str> {
        Self::ALL.iter().find(|(_, s)| *s == self).map(|(n, _)| *n)
    }

    /// Folds a `Result` into the status a DDI returns.
    pub fn from_result<E: Into<NtStatus>>(r: Result<(), E>) -> NtStatus {
        match r {
            Ok(()) => NtStatus::SUCCESS,
            Err(e) => e.into(),
        }
    }
}

impl fmt::Debug for NtStatus {
    #[allow(clippy::cast_sign_loss)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}(0x{:08X})", self.0 as u32),
            None => write!(f, "NTSTATUS(0x{:08X})", self.0 as u32),
        }
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_informational_codes_are_success() {
        assert!(NtStatus::SUCCESS.is_success());
        assert!(NtStatus::PENDING.is_success());
        assert!(!NtStatus::INVALID_PARAMETER.is_success());
        assert!(!NtStatus::BUFFER_OVERFLOW.is_success());
    }

    #[test]
    fn names_are_unique_and_debug_shows_them() {
        for (i, (name, s)) in NtStatus::ALL.iter().enumerate() {
            for (other_name, o) in &NtStatus::ALL[i + 1..] {
                assert_ne!(s, o, "{name} and {other_name} share a value");
            }
        }
        assert_eq!(
            format!("{:?}", NtStatus::DATA_LATE_ERROR),
            "STATUS_DATA_LATE_ERROR(0xC000003D)"
        );
        assert_eq!(format!("{:?}", NtStatus(0x1234)), "NTSTATUS(0x00001234)");
    }

    /// Error messages (the host tools, the simulator's report) print statuses with `{}`: the
    /// name and the code, as the debugger shows them.
    #[test]
    fn display_shows_the_name_and_the_code() {
        assert_eq!(
            format!("{}", NtStatus::INVALID_DEVICE_STATE),
            "STATUS_INVALID_DEVICE_STATE(0xC0000184)"
        );
        assert_eq!(format!("{}", NtStatus(-1)), "NTSTATUS(0xFFFFFFFF)");
    }
}
