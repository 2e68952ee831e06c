//! Volume and mute element callbacks (acxelements.h), all PASSIVE_LEVEL. Each finds the
//! element's circuit (its context) and the device (the circuit's parent WDFDEVICE) and calls
//! `AcxDevice`'s validated element handling.

use cadenza_acx::circuit::CircuitId;
use cadenza_engine::platform::Passive;
use cadenza_engine::status::NtStatus;
use wdk_sys::{NTSTATUS, WDFDEVICE, WDFOBJECT};

use super::bindings as acx;
use super::context::{self, ELEMENT_CONTEXT};
use super::state::{DeviceState, device_state};
use super::{nt, nt_result};
use crate::acx_call;

/// The element's circuit and the device state.
///
/// # Safety
/// `element` must be a live volume or mute element created by `circuit::add_elements`.
unsafe fn lookup<'a>(element: WDFOBJECT) -> Result<(CircuitId, &'a DeviceState), NtStatus> {
    // SAFETY: `element` is a live volume or mute element from `circuit::add_elements`
    // (contract), made with ELEMENT_CONTEXT attributes, whose slot holds nothing or the
    // `Box<CircuitId>` put there; its cleanup takes it only after the element's callbacks, and
    // the reference is copied out at once.
    let id = unsafe { context::get::<CircuitId>(element, &ELEMENT_CONTEXT) }
        .copied()
        .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
    // AcxElementGetContainer / the circuit's WDFDEVICE: AcxCircuitGetWdfDevice (≤ DISPATCH).
    let circuit = acx_call!(AcxElementGetContainerTableIndex as PFN_ACXELEMENTGETCONTAINER(element as acx::ACXELEMENT))
        .ok_or(NtStatus::NOT_SUPPORTED)?;
    let device: WDFDEVICE = acx_call!(AcxCircuitGetWdfDeviceTableIndex as PFN_ACXCIRCUITGETWDFDEVICE(circuit as acx::ACXCIRCUIT))
        .ok_or(NtStatus::NOT_SUPPORTED)?;
    // SAFETY: the device outlives its circuits' elements.
    let state = unsafe { device_state(device) }.ok_or(NtStatus::INVALID_DEVICE_STATE)?;
    Ok((id, state))
}

/// EVT_ACX_VOLUME_ASSIGN_LEVEL (PASSIVE_LEVEL).
///
/// # Safety
/// `volume` must be a live volume element created by `circuit::add_elements` (ACX passes ours);
/// PASSIVE_LEVEL.
pub unsafe extern "C" fn evt_volume_assign_level(
    volume: acx::ACXVOLUME,
    channel: u32,
    level: i32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { Passive::assume() };
    // SAFETY: ACX passes our live element.
    let r = unsafe { lookup(volume as WDFOBJECT) }
        .and_then(|(id, s)| s.device.assign_volume(id, channel, level, irql));
    nt_result(r)
}

/// EVT_ACX_VOLUME_RETRIEVE_LEVEL (PASSIVE_LEVEL).
///
/// # Safety
/// `volume` must be a live volume element created by `circuit::add_elements` (ACX passes ours),
/// and `level` null (refused) or writable for a LONG; PASSIVE_LEVEL.
pub unsafe extern "C" fn evt_volume_retrieve_level(
    volume: acx::ACXVOLUME,
    channel: u32,
    level: *mut i32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { Passive::assume() };
    // SAFETY: ACX passes our live element.
    let r = unsafe { lookup(volume as WDFOBJECT) }
        .and_then(|(id, s)| s.device.retrieve_volume(id, channel, irql));
    match r {
        Ok(v) if !level.is_null() => {
            // SAFETY: ACX passes a writable LONG for the out parameter (checked non-null).
            unsafe { level.write(v) };
            0
        }
        Ok(_) => nt(NtStatus::INVALID_PARAMETER),
        Err(e) => nt(e),
    }
}

/// EVT_ACX_MUTE_ASSIGN_STATE (PASSIVE_LEVEL).
///
/// # Safety
/// `mute` must be a live mute element created by `circuit::add_elements` (ACX passes ours);
/// PASSIVE_LEVEL.
pub unsafe extern "C" fn evt_mute_assign_state(
    mute: acx::ACXMUTE,
    channel: u32,
    state: u32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { Passive::assume() };
    // SAFETY: ACX passes our live element.
    let r = unsafe { lookup(mute as WDFOBJECT) }
        .and_then(|(id, s)| s.device.assign_mute(id, channel, state, irql));
    nt_result(r)
}

/// EVT_ACX_MUTE_RETRIEVE_STATE (PASSIVE_LEVEL).
///
/// # Safety
/// `mute` must be a live mute element created by `circuit::add_elements` (ACX passes ours),
/// and `state` null (refused) or writable for a ULONG; PASSIVE_LEVEL.
pub unsafe extern "C" fn evt_mute_retrieve_state(
    mute: acx::ACXMUTE,
    channel: u32,
    state: *mut u32,
) -> NTSTATUS {
    // SAFETY: the DDI runs at PASSIVE_LEVEL.
    let irql = unsafe { Passive::assume() };
    // SAFETY: ACX passes our live element.
    let r = unsafe { lookup(mute as WDFOBJECT) }
        .and_then(|(id, s)| s.device.retrieve_mute(id, channel, irql));
    match r {
        Ok(v) if !state.is_null() => {
            // SAFETY: ACX passes a writable ULONG for the out parameter (checked non-null).
            unsafe { state.write(v) };
            0
        }
        Ok(_) => nt(NtStatus::INVALID_PARAMETER),
        Err(e) => nt(e),
    }
}
