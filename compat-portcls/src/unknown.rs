//! The PortCls flavour of `IUnknown` (QueryInterface returns NTSTATUS): the base of every COM
//! interface in [`crate::com`], and what the filter descriptors ([`crate::descriptor`]) point
//! at. Its own module so both can use it without using each other.

use core::ffi::c_void;

use cadenza_engine::{Guid, NtStatus};

/// `IUnknown` (PortCls flavour): the vtable pointer.
#[derive(Debug)]
#[repr(C)]
pub struct IUnknown {
    pub vtbl: *const IUnknownVtbl,
}

/// `IUnknown` slots 0–2.
#[derive(Debug)]
#[repr(C)]
pub struct IUnknownVtbl<This = IUnknown> {
    /// 0: `NTSTATUS QueryInterface(REFIID, PVOID*)`.
    pub query_interface: unsafe extern "system" fn(
        this: *mut This,
        interface_id: *const Guid,
        interface: *mut *mut c_void,
    ) -> NtStatus,
    /// 1: `ULONG AddRef()`.
    pub add_ref: unsafe extern "system" fn(this: *mut This) -> u32,
    /// 2: `ULONG Release()`.
    pub release: unsafe extern "system" fn(this: *mut This) -> u32,
}
