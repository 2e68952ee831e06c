//! The Windows edge of cadenza_acx.sys (`#[cfg(windows)]`: the target). Compiled on Linux by
//! tools/wdk-check (x64 and ARM64, clippy -D warnings, linked with rust-lld); it needs
//! wdk-sys and the ACX bindings the build script generates from the WDK.
//!
//! Everything here is thin: each item converts arguments, calls `cadenza-acx` (host-tested) with
//! [`cadenza_kernel::KernelPlatform`], and converts the result. Each names its DDI and IRQL.
//!
//! | module | what |
//! |---|---|
//! | [`bindings`] | the generated ACX bindings and `acx_call!` (calls through `AcxFunctions`) |
//! | [`context`] | WDF object contexts holding the Rust objects |
//! | [`driver`] | DriverEntry, EvtDriverDeviceAdd, EvtDevicePrepareHardware / ReleaseHardware |
//! | [`circuit`] | circuit, pin, jack, element and data-format creation from the model |
//! | [`stream`] | EvtAcxCircuitCreateStream and every ACX (RT) stream callback |
//! | [`elements`] | volume and mute element callbacks |
//! | [`guid_cell`] | `GuidCell`: GUIDs in DDI layout for statics (pin categories, property set) |
//! | [`status`] | the circuits' live-status property item and its request handler |
//! | [`state`] | the WDFDEVICE context's `DeviceState` and how callbacks reach it |

// `acx_call!` expands its arguments inside the unsafe DDI call (see bindings.rs).
#![allow(clippy::macro_metavars_in_unsafe)]

#[cfg(not(test))]
extern crate wdk_panic;

#[cfg(not(test))]
use wdk_alloc::WdkAllocator;

/// The kernel pool allocator (ExAllocatePool2 / ExFreePool) for `alloc`; used at PASSIVE_LEVEL
/// only (stream and device creation).
#[cfg(not(test))]
#[global_allocator]
static GLOBAL_ALLOCATOR: WdkAllocator = WdkAllocator;

pub mod bindings;
pub mod circuit;
pub mod context;
pub mod driver;
pub mod elements;
pub mod guid_cell;
pub mod notify;
pub mod registry;
pub mod state;
pub mod status;
pub mod stream;

use cadenza_engine::status::NtStatus;
use wdk_sys::NTSTATUS;

/// The engine's status as the DDI's NTSTATUS.
pub fn nt(status: NtStatus) -> NTSTATUS {
    status.0
}

/// `Ok(())` → STATUS_SUCCESS, `Err(s)` → `s`.
pub fn nt_result(r: Result<(), NtStatus>) -> NTSTATUS {
    nt(r.err().unwrap_or(NtStatus::SUCCESS))
}

/// Our platform on Windows.
pub type Kp = cadenza_kernel::KernelPlatform;
