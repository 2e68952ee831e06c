//! The engine device host as the ACX driver holds it (shared by the device and its streams,
//! so it lives in a module of its own that both import).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::pin::Pin;

use cadenza_engine::device::virtual_device::VirtualDevice;
use cadenza_engine::host::DeviceHost;

/// One endpoint pair's host as the ACX driver uses it: completions go to `N`
/// (AcxRtStreamNotifyPacketComplete on Windows).
pub type AcxHost<P, N> = DeviceHost<P, N, Box<VirtualDevice>>;

/// A host shared by the device and the streams of its circuits.
pub type SharedHost<P, N> = Pin<Arc<AcxHost<P, N>>>;
