//! The live-status property (`KSPROPSETID_CadenzaStatus`, docs/status-property.md) on every
//! circuit: the circuit's ACX_PROPERTY_ITEM (acxrequest.h), assigned with
//! AcxCircuitInitAssignProperties before AcxCircuitCreate (`circuit::create_circuit`), and its
//! EVT_ACX_OBJECT_PROCESS_REQUEST handler, which reads the request with
//! AcxRequestGetParameters, answers it with [`AcxDevice::status_property`] and completes it
//! with WdfRequestCompleteWithInformation (the reply's status, and its byte count as the
//! information).
//!
//! The handler runs at ≤ DISPATCH_LEVEL (ACX does not document the IRQL; everything it calls
//! allows DISPATCH_LEVEL): it allocates nothing, cannot panic, and keeps a small frame (the
//! 72-byte ACX_REQUEST_PARAMETERS and the engine's snapshot).
//!
//! [`AcxDevice::status_property`]: cadenza_acx::AcxDevice::status_property

use core::ffi::c_void;
use core::mem::{align_of, offset_of, size_of, zeroed};

use cadenza_acx::circuit::CircuitId;
use cadenza_engine::guid::Guid;
use cadenza_engine::live_status::{
    KSPROPERTY_TYPE_BASICSUPPORT, KSPROPERTY_TYPE_GET, KSPROPSETID_CADENZA_STATUS,
    PROPERTY_SNAPSHOT, Reply,
};
use cadenza_engine::status::NtStatus;
use wdk_sys::{
    GUID, ULONG_PTR, WDFDEVICE, WDFOBJECT, WDFREQUEST, call_unsafe_wdf_function_binding,
};

use super::bindings as acx;
use super::context::{self, CIRCUIT_CONTEXT};
use super::guid_cell::GuidCell;
use super::nt;
use super::state::device_state;
use crate::acx_call;

/// The property set the item names, in static memory (ACX reads `Set` through a pointer).
static STATUS_SET: GuidCell = GuidCell::new(KSPROPSETID_CADENZA_STATUS);

/// How many property items each circuit has.
pub const ITEM_COUNT: u32 = 1;

/// The circuit's property items: `KSPROPSETID_CadenzaStatus` / [`PROPERTY_SNAPSHOT`], GET and
/// BASICSUPPORT. No minimum control or value size (`ControlCb` / `ValueCb` 0): the size query
/// (an empty value buffer) must reach the handler, which answers it with the size needed.
pub fn property_items() -> [acx::ACX_PROPERTY_ITEM; ITEM_COUNT as usize] {
    // SAFETY: plain-data structure of pointers, integers and an Option of a function pointer,
    // for which all zeros is valid (null, 0, None); the fields that matter are set below.
    let mut item: acx::ACX_PROPERTY_ITEM = unsafe { zeroed() };
    item.Set = &raw const STATUS_SET.0;
    item.Id = PROPERTY_SNAPSHOT;
    item.Flags = acx::ACX_PROPERTY_ITEM_FLAG_GET | acx::ACX_PROPERTY_ITEM_FLAG_BASICSUPPORT;
    item.EvtAcxObjectProcessRequest = Some(evt_status_request);
    item.ControlCb = 0;
    item.ValueCb = 0;
    [item]
}

// The item's flags are the KSPROPERTY_TYPE_* bits BASICSUPPORT reports (acxrequest.h defines
// them as those bits; the engine's ACCESS_FLAGS is their union).
const _: () = assert!(acx::ACX_PROPERTY_ITEM_FLAG_GET == KSPROPERTY_TYPE_GET);
const _: () = assert!(acx::ACX_PROPERTY_ITEM_FLAG_BASICSUPPORT == KSPROPERTY_TYPE_BASICSUPPORT);

/// `ACX_REQUEST_PARAMETERS.Parameters.Property` (acxrequest.h,
/// ns-acxrequest-acx_request_parameters), read from the start of the `Parameters` union. It is
/// declared here rather than reached through the bindings because bindgen emits that union as
/// `__BindgenUnionField`s whose member types carry generated names; the asserts below tie it to
/// the generated structure.
#[repr(C)]
struct PropertyParameters {
    set: GUID,
    id: u32,
    /// ACX_PROPERTY_VERB (a C enum: `int`).
    verb: i32,
    /// ACX_ITEM_TYPE.
    item_type: i32,
    item_id: u32,
    control: *mut c_void,
    control_cb: u32,
    value: *mut c_void,
    value_cb: u32,
}

const PARAMETERS_AT: usize = offset_of!(acx::ACX_REQUEST_PARAMETERS, Parameters);
// The property member lies inside the structure, at an offset aligned for it.
const _: () = assert!(PARAMETERS_AT.is_multiple_of(align_of::<PropertyParameters>()));
const _: () =
    assert!(align_of::<PropertyParameters>() <= align_of::<acx::ACX_REQUEST_PARAMETERS>());
const _: () = assert!(
    PARAMETERS_AT + size_of::<PropertyParameters>() <= size_of::<acx::ACX_REQUEST_PARAMETERS>()
);
// The documented 64-bit layout: USHORT Size, two UCHARs and the ACX_REQUEST_TYPE (8 bytes),
// then the union, whose largest members (Property, Method) are 64 bytes.
const _: () = assert!(PARAMETERS_AT == 8);
const _: () = assert!(size_of::<PropertyParameters>() == 64);
const _: () = assert!(size_of::<acx::ACX_REQUEST_PARAMETERS>() == 72);
const _: () = assert!(offset_of!(PropertyParameters, value) == 48);

/// ACX_REQUEST_PARAMETERS_INIT's `Size`: the structure's size, which fits a USHORT (asserted).
#[allow(clippy::cast_possible_truncation)]
const PARAMETERS_SIZE: u16 = size_of::<acx::ACX_REQUEST_PARAMETERS>() as u16;
const _: () = assert!(size_of::<acx::ACX_REQUEST_PARAMETERS>() <= u16::MAX as usize);

const fn refuse(status: NtStatus) -> Reply {
    Reply { status, bytes: 0 }
}

/// The engine's GUID from the DDI's.
fn guid_of(g: &GUID) -> Guid {
    let d1 = g.Data1.to_le_bytes();
    let d2 = g.Data2.to_le_bytes();
    let d3 = g.Data3.to_le_bytes();
    let d4 = g.Data4;
    Guid::from_bytes(&[
        d1[0], d1[1], d1[2], d1[3], d2[0], d2[1], d3[0], d3[1], d4[0], d4[1], d4[2], d4[3], d4[4],
        d4[5], d4[6], d4[7],
    ])
}

/// EVT_ACX_OBJECT_PROCESS_REQUEST of the circuits' `KSPROPSETID_CadenzaStatus` item
/// (≤ DISPATCH_LEVEL). Completes `request` exactly once, on every path.
///
/// # Safety
/// `object` must be a live circuit made by `circuit::create_circuit` and `request` the live,
/// uncompleted request ACX dispatched to its status item; this call completes it, so the caller
/// must not. ≤ DISPATCH_LEVEL.
pub unsafe extern "C" fn evt_status_request(object: acx::ACXOBJECT, request: WDFREQUEST) {
    // SAFETY: ACX passes the circuit the item was assigned to and the live request it
    // dispatched to this handler, which owns it until it completes it below.
    let reply = unsafe { answer(object, request) };
    // SAFETY: `request` is live and not yet completed (above): this is its only completion.
    // WdfRequestCompleteWithInformation (≤ DISPATCH_LEVEL); the information is the byte count.
    unsafe {
        call_unsafe_wdf_function_binding!(
            WdfRequestCompleteWithInformation,
            request,
            nt(reply.status),
            ULONG_PTR::from(reply.bytes)
        );
    }
}

/// Reads `request`'s parameters and answers them for `circuit`'s pair, writing the value
/// buffer. Completes nothing.
///
/// # Safety
/// `circuit` must be a live circuit made by `circuit::create_circuit` and `request` the live,
/// uncompleted request ACX dispatched to its status item; ≤ DISPATCH_LEVEL.
unsafe fn answer(circuit: acx::ACXOBJECT, request: WDFREQUEST) -> Reply {
    // SAFETY: plain-data structure (integers, a GUID, pointers): all zeros is valid.
    // ACX_REQUEST_PARAMETERS_INIT zeroes it and sets Size.
    let mut params: acx::ACX_REQUEST_PARAMETERS = unsafe { zeroed() };
    params.Size = PARAMETERS_SIZE;
    // AcxRequestGetParameters (≤ DISPATCH_LEVEL): fills `params` from the live request.
    if acx_call!(
        AcxRequestGetParametersTableIndex as PFN_ACXREQUESTGETPARAMETERS(request, &raw mut params)
    )
    .is_none()
    {
        return refuse(NtStatus::NOT_SUPPORTED);
    }
    if params.Type != acx::_ACX_REQUEST_TYPE::AcxRequestTypeProperty {
        return refuse(NtStatus::INVALID_DEVICE_REQUEST);
    }
    // SAFETY: the union starts PARAMETERS_AT bytes into `params`, at an offset aligned for
    // `PropertyParameters` and with room for it (asserted above); for a property request
    // (checked) ACX filled its Property member, and every bit pattern of its integers and
    // pointers is a valid `PropertyParameters`.
    let property = unsafe {
        (&raw const params.Parameters)
            .cast::<PropertyParameters>()
            .read()
    };
    let value: &mut [u8] = if property.value.is_null() {
        if property.value_cb != 0 {
            return refuse(NtStatus::INVALID_PARAMETER);
        }
        &mut []
    } else {
        // SAFETY: ACX hands the handler the request's value buffer, `ValueCb` writable bytes
        // that stay valid, and that nothing else touches, until the request is completed;
        // the slice does not outlive this function, which runs before the completion.
        unsafe {
            core::slice::from_raw_parts_mut(property.value.cast::<u8>(), property.value_cb as usize)
        }
    };
    // SAFETY: `circuit` is live (contract) and was created with CIRCUIT_CONTEXT attributes;
    // its slot holds the CircuitId put after AcxCircuitCreate (empty before: refused below).
    let Some(id) =
        (unsafe { context::get::<CircuitId>(circuit as WDFOBJECT, &CIRCUIT_CONTEXT) }).copied()
    else {
        return refuse(NtStatus::INVALID_DEVICE_STATE);
    };
    // AcxCircuitGetWdfDevice (≤ DISPATCH_LEVEL).
    let Some(device): Option<WDFDEVICE> = acx_call!(
        AcxCircuitGetWdfDeviceTableIndex as PFN_ACXCIRCUITGETWDFDEVICE(circuit as acx::ACXCIRCUIT)
    ) else {
        return refuse(NtStatus::NOT_SUPPORTED);
    };
    // SAFETY: the circuit's WDFDEVICE, made by EvtDriverDeviceAdd, outlives its circuits; its
    // state is absent until EvtDriverDeviceAdd stored it (refused below).
    let Some(state) = (unsafe { device_state(device) }) else {
        return refuse(NtStatus::INVALID_DEVICE_STATE);
    };
    // A negative (never documented) verb is no verb: ACX_PROPERTY_VERB past Max, refused by
    // the adapter with STATUS_INVALID_DEVICE_REQUEST.
    let verb = u32::try_from(property.verb).unwrap_or(u32::MAX);
    state
        .device
        .status_property(id, &guid_of(&property.set), property.id, verb, value)
}
