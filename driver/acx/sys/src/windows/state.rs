//! What the WDFDEVICE's context holds, and how every callback reaches it: shared by the device
//! callbacks (driver), circuit creation, and the stream and element callbacks.

use cadenza_acx::AcxDevice;
use cadenza_acx::circuit::{CircuitId, MAX_CIRCUITS};
use wdk_sys::{WDFDEVICE, WDFOBJECT};

use super::Kp;
use super::bindings as acx;
use super::context::{self, DEVICE_CONTEXT};

/// The created circuits and which model circuit each is.
pub type CircuitHandles = heapless::Vec<(acx::ACXCIRCUIT, CircuitId), MAX_CIRCUITS>;

/// What the WDFDEVICE's context holds.
pub struct DeviceState {
    pub device: AcxDevice<Kp, super::notify::AcxNotify>,
    pub circuits: CircuitHandles,
}

/// The device's state.
///
/// # Safety
/// `device` must be a WDFDEVICE created by EvtDriverDeviceAdd (`driver::evt_device_add`), not
/// yet cleaned up, and the returned reference must not be used after its cleanup.
pub unsafe fn device_state<'a>(device: WDFDEVICE) -> Option<&'a DeviceState> {
    // SAFETY: `device` is live and not yet cleaned up (contract), so its cleanup's `take`
    // cannot run during this call; its DEVICE_CONTEXT slot is empty or holds the
    // `Box<DeviceState>` `evt_device_add` put there, and the reference is not used after
    // cleanup (contract).
    unsafe { context::get::<DeviceState>(device as WDFOBJECT, &DEVICE_CONTEXT) }
}
