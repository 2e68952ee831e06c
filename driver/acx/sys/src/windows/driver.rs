//! DriverEntry, EvtDriverDeviceAdd, EvtDevicePrepareHardware, EvtDeviceReleaseHardware, and
//! the power and removal callbacks (EvtDeviceD0Entry, EvtDeviceD0Exit,
//! EvtDeviceSurpriseRemoval), which go to the engine's device hosts exactly as PortCls's power
//! object and PnP hook do.
//!
//! Order (Microsoft's ACX model): DriverEntry creates the WDFDRIVER (WdfDriverCreate) and
//! initialises ACX for it (AcxDriverInitialize). EvtDriverDeviceAdd calls
//! AcxDeviceInitInitialize **before** WdfDeviceCreate, AcxDeviceInitialize after it, builds the
//! [`AcxDevice`] and creates every circuit; the circuits are added to the device in
//! EvtDevicePrepareHardware (AcxDeviceAddCircuit) and removed in EvtDeviceReleaseHardware
//! (AcxDeviceRemoveCircuit).

use alloc::boxed::Box;
use core::mem::{size_of, zeroed};
use core::ptr::null_mut;

use cadenza_acx::AcxDevice;
use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::Presence;
use cadenza_engine::platform::Passive;
use cadenza_engine::status::NtStatus;
use wdk_sys::{
    DRIVER_OBJECT, NTSTATUS, PCUNICODE_STRING, PWDFDEVICE_INIT, WDF_DRIVER_CONFIG,
    WDF_NO_OBJECT_ATTRIBUTES, WDF_PNPPOWER_EVENT_CALLBACKS, WDFCMRESLIST, WDFDEVICE, WDFDRIVER,
    WDFOBJECT, call_unsafe_wdf_function_binding,
};

use super::bindings as acx;
use super::circuit::create_circuits;
use super::context::{self, DEVICE_CONTEXT};
use super::state::{DeviceState, device_state};
use super::{Kp, nt};
use crate::acx_call;

#[allow(clippy::cast_possible_truncation)] // structure sizes are small
const fn size32<T>() -> u32 {
    size_of::<T>() as u32
}

/// The debugger's way in: WinDbg's `cadenza.js` finds this symbol, checks its magic and
/// version, and follows it to the trace ring and the live-stream table. Exported unmangled and
/// kept even though nothing in the driver reads it.
#[unsafe(no_mangle)]
#[used]
pub static CADENZA_DEBUG_ROOT: cadenza_engine::debug_registry::CadenzaDebugRoot =
    cadenza_engine::debug_registry::CadenzaDebugRoot::new(
        cadenza_acx::debug::FRAMEWORK,
        &cadenza_acx::debug::TRACE,
        &cadenza_acx::debug::STREAMS,
    );

/// DriverEntry (PASSIVE_LEVEL): WdfDriverCreate, then AcxDriverInitialize.
///
/// # Safety
/// Called by the I/O manager with a valid driver object and registry path.
#[unsafe(export_name = "DriverEntry")]
pub unsafe extern "system" fn driver_entry(
    driver: &mut DRIVER_OBJECT,
    registry_path: PCUNICODE_STRING,
) -> NTSTATUS {
    let mut config = WDF_DRIVER_CONFIG {
        Size: size32::<WDF_DRIVER_CONFIG>(),
        EvtDriverDeviceAdd: Some(evt_device_add),
        EvtDriverUnload: None,
        DriverInitFlags: 0,
        DriverPoolTag: u32::from_le_bytes(*b"Cdza"),
    };
    let mut handle: WDFDRIVER = null_mut();
    // SAFETY: the arguments are what DriverEntry received and locals that outlive the call;
    // PASSIVE_LEVEL.
    let status = unsafe {
        call_unsafe_wdf_function_binding!(
            WdfDriverCreate,
            driver,
            registry_path,
            WDF_NO_OBJECT_ATTRIBUTES,
            &raw mut config,
            &raw mut handle
        )
    };
    if status < 0 {
        return status;
    }
    {
        use cadenza_engine::platform::Platform as _;
        CADENZA_DEBUG_ROOT.set_qpc_frequency(cadenza_kernel::KernelPlatform.frequency());
    }
    // SAFETY: ACX_DRIVER_CONFIG is plain data; zero is its ACX_DRIVER_CONFIG_INIT state but Size.
    let mut acx_config: acx::ACX_DRIVER_CONFIG = unsafe { zeroed() };
    acx_config.Size = size32::<acx::ACX_DRIVER_CONFIG>();
    // AcxDriverInitialize (PASSIVE_LEVEL): binds ACX to the WDFDRIVER.
    acx_call!(AcxDriverInitializeTableIndex as PFN_ACXDRIVERINITIALIZE(handle, &raw mut acx_config))
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED))
}

/// EvtDriverDeviceAdd (PASSIVE_LEVEL).
///
/// # Safety
/// Only as the driver's EvtDriverDeviceAdd: `init` is the framework's PWDFDEVICE_INIT for this
/// call; PASSIVE_LEVEL.
unsafe extern "C" fn evt_device_add(_driver: WDFDRIVER, mut init: PWDFDEVICE_INIT) -> NTSTATUS {
    // SAFETY: plain-data config; ACX_DEVICEINIT_CONFIG_INIT zeroes it and sets Size.
    let mut init_config: acx::ACX_DEVICEINIT_CONFIG = unsafe { zeroed() };
    init_config.Size = size32::<acx::ACX_DEVICEINIT_CONFIG>();
    // AcxDeviceInitInitialize (PASSIVE_LEVEL), before WdfDeviceCreate.
    let status = acx_call!(AcxDeviceInitInitializeTableIndex as PFN_ACXDEVICEINITINITIALIZE(init, &raw mut init_config))
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
    if status < 0 {
        return status;
    }
    // SAFETY: plain-data callbacks structure; WDF_PNPPOWER_EVENT_CALLBACKS_INIT zeroes it.
    let mut pnp: WDF_PNPPOWER_EVENT_CALLBACKS = unsafe { zeroed() };
    pnp.Size = size32::<WDF_PNPPOWER_EVENT_CALLBACKS>();
    pnp.EvtDevicePrepareHardware = Some(evt_prepare_hardware);
    pnp.EvtDeviceReleaseHardware = Some(evt_release_hardware);
    pnp.EvtDeviceD0Entry = Some(evt_d0_entry);
    pnp.EvtDeviceD0Exit = Some(evt_d0_exit);
    pnp.EvtDeviceSurpriseRemoval = Some(evt_surprise_removal);
    // SAFETY: `init` is the framework's PWDFDEVICE_INIT for this call; PASSIVE_LEVEL.
    unsafe {
        call_unsafe_wdf_function_binding!(
            WdfDeviceInitSetPnpPowerEventCallbacks,
            init,
            &raw mut pnp
        );
    }
    let mut attributes = context::attributes(&DEVICE_CONTEXT, Some(evt_device_cleanup));
    let mut device: WDFDEVICE = null_mut();
    // SAFETY: `init` is the framework's PWDFDEVICE_INIT for this call (consumed on success);
    // `attributes` and `device` are live locals, the latter an out parameter. PASSIVE_LEVEL.
    let status = unsafe {
        call_unsafe_wdf_function_binding!(
            WdfDeviceCreate,
            &raw mut init,
            &raw mut attributes,
            &raw mut device
        )
    };
    if status < 0 {
        return status;
    }
    // SAFETY: plain-data config; ACX_DEVICE_CONFIG_INIT zeroes it and sets Size.
    let mut device_config: acx::ACX_DEVICE_CONFIG = unsafe { zeroed() };
    device_config.Size = size32::<acx::ACX_DEVICE_CONFIG>();
    // AcxDeviceInitialize (PASSIVE_LEVEL), after WdfDeviceCreate.
    let status = acx_call!(AcxDeviceInitializeTableIndex as PFN_ACXDEVICEINITIALIZE(device, &raw mut device_config))
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
    if status < 0 {
        return status;
    }
    // SAFETY: EvtDriverDeviceAdd runs at PASSIVE_LEVEL.
    let passive = unsafe { Passive::assume() };
    // SAFETY: `device` was created above; PASSIVE_LEVEL (EvtDriverDeviceAdd).
    let config: DeviceConfig = unsafe { super::registry::read_config(device, &Kp::new()) };
    let acx_device = match AcxDevice::new(Kp::new(), &config, passive) {
        Ok(d) => d,
        Err(e) => return nt(e),
    };
    // SAFETY: `device` is the WDFDEVICE just created; PASSIVE_LEVEL.
    let circuits = match unsafe { create_circuits(device, acx_device.model()) } {
        Ok(c) => c,
        Err(e) => return e,
    };
    // CableName and PeriodUs on each circuit's audio interface, before EvtDevicePrepareHardware
    // adds the circuits (which enables their interfaces).
    // SAFETY: the WDFDEVICE created above; PASSIVE_LEVEL (EvtDriverDeviceAdd).
    unsafe { publish_circuit_properties(device, &acx_device, &circuits) };
    let state = Box::new(DeviceState {
        device: acx_device,
        circuits,
    });
    // SAFETY: the device was created with DEVICE_CONTEXT attributes and its slot is empty.
    match unsafe { context::put(device as WDFOBJECT, &DEVICE_CONTEXT, state) } {
        Ok(()) => 0,
        Err(_) => nt(NtStatus::UNSUCCESSFUL),
    }
}

/// KSCATEGORY_AUDIO (ksmedia.h), as compat-portcls checks it against the mingw-w64 headers.
const KSCATEGORY_AUDIO: cadenza_engine::guid::Guid =
    cadenza_engine::guid::Guid::from_u128(0x6994_AD04_93EF_11D0_A3CC_00A0_C922_3196);

// The layouts cadenza-kernel passes to IoSetDeviceInterfacePropertyData are the headers'.
const _: () = assert!(
    size_of::<cadenza_kernel::interface::PropertyKeyRepr>() == size_of::<wdk_sys::DEVPROPKEY>()
);
const _: () = assert!(
    core::mem::offset_of!(cadenza_kernel::interface::PropertyKeyRepr, pid)
        == core::mem::offset_of!(wdk_sys::DEVPROPKEY, pid)
);
const _: () =
    assert!(size_of::<cadenza_kernel::interface::GuidRepr>() == size_of::<wdk_sys::GUID>());

/// Sets each circuit's friendly name and packet constraints on its KSCATEGORY_AUDIO interface
/// (reference string: the circuit name). A failure is reported on the debugger and is not
/// fatal: the endpoint then shows the INF's name and Windows' default period.
///
/// # Safety
/// `device` is the live WDFDEVICE of EvtDriverDeviceAdd; PASSIVE_LEVEL.
unsafe fn publish_circuit_properties(
    device: WDFDEVICE,
    acx_device: &AcxDevice<Kp, super::notify::AcxNotify>,
    circuits: &super::state::CircuitHandles,
) {
    use cadenza_engine::platform::Platform as _;
    // WdfDeviceWdmGetPhysicalDevice (≤ DISPATCH_LEVEL).
    // SAFETY: the framework's live WDFDEVICE.
    let pdo = unsafe { call_unsafe_wdf_function_binding!(WdfDeviceWdmGetPhysicalDevice, device) };
    for &(_, id) in circuits {
        let Some(properties) = acx_device.interface_properties(id.cable()) else {
            continue;
        };
        // SAFETY: the device's PDO; PASSIVE_LEVEL (contract).
        let result = unsafe {
            cadenza_kernel::interface::publish_interface_properties(
                pdo.cast(),
                &KSCATEGORY_AUDIO,
                id.name(),
                &properties,
            )
        };
        if let Err(e) = result {
            Kp::new().debug(format_args!(
                "{}: interface properties not set ({e:?}); the endpoint keeps the INF's name \
                 and Windows' default period",
                id.name()
            ));
        }
    }
}

/// EvtDeviceD0Entry (PASSIVE_LEVEL): the streams may run again (they wait in PAUSE for their
/// clients).
///
/// # Safety
/// `device` must be a WDFDEVICE created by [`evt_device_add`] and not yet cleaned up (WDF passes
/// ours); PASSIVE_LEVEL.
unsafe extern "C" fn evt_d0_entry(
    device: WDFDEVICE,
    _previous: wdk_sys::WDF_POWER_DEVICE_STATE,
) -> NTSTATUS {
    // SAFETY: the framework passes our live WDFDEVICE.
    if let Some(state) = unsafe { device_state(device) } {
        // SAFETY: the DDI runs at PASSIVE_LEVEL.
        let passive = unsafe { Passive::assume() };
        state.device.set_presence(Presence::Present, passive);
    }
    0
}

/// EvtDeviceD0Exit (PASSIVE_LEVEL): every running stream freezes in PAUSE, its timer
/// cancelled; calls other than cleanup get STATUS_DEVICE_POWERED_OFF until D0.
///
/// # Safety
/// `device` must be a WDFDEVICE created by [`evt_device_add`] and not yet cleaned up (WDF passes
/// ours); PASSIVE_LEVEL.
unsafe extern "C" fn evt_d0_exit(
    device: WDFDEVICE,
    _target: wdk_sys::WDF_POWER_DEVICE_STATE,
) -> NTSTATUS {
    // SAFETY: the framework passes our live WDFDEVICE.
    if let Some(state) = unsafe { device_state(device) } {
        // SAFETY: the DDI runs at PASSIVE_LEVEL.
        let passive = unsafe { Passive::assume() };
        state.device.set_presence(Presence::PoweredDown, passive);
    }
    0
}

/// EvtDeviceSurpriseRemoval (PASSIVE_LEVEL): the streams freeze for good; calls other than
/// cleanup get STATUS_DEVICE_REMOVED.
///
/// # Safety
/// `device` must be a WDFDEVICE created by [`evt_device_add`] and not yet cleaned up (WDF passes
/// ours); PASSIVE_LEVEL.
unsafe extern "C" fn evt_surprise_removal(device: WDFDEVICE) {
    // SAFETY: the framework passes our live WDFDEVICE.
    if let Some(state) = unsafe { device_state(device) } {
        // SAFETY: the DDI runs at PASSIVE_LEVEL.
        let passive = unsafe { Passive::assume() };
        state.device.set_presence(Presence::Removed, passive);
    }
}

/// EvtDevicePrepareHardware (PASSIVE_LEVEL): AcxDeviceAddCircuit for every circuit.
///
/// # Safety
/// `device` must be a WDFDEVICE created by [`evt_device_add`] and not yet cleaned up (WDF passes
/// ours); PASSIVE_LEVEL.
unsafe extern "C" fn evt_prepare_hardware(
    device: WDFDEVICE,
    _: WDFCMRESLIST,
    _: WDFCMRESLIST,
) -> NTSTATUS {
    // SAFETY: the framework passes our live WDFDEVICE.
    let Some(state) = (unsafe { device_state(device) }) else {
        return nt(NtStatus::INVALID_DEVICE_STATE);
    };
    for &(circuit, _) in &state.circuits {
        // AcxDeviceAddCircuit (PASSIVE_LEVEL).
        let status =
            acx_call!(AcxDeviceAddCircuitTableIndex as PFN_ACXDEVICEADDCIRCUIT(device, circuit))
                .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
        if status < 0 {
            return status;
        }
    }
    0
}

/// EvtDeviceReleaseHardware (PASSIVE_LEVEL): AcxDeviceRemoveCircuit for every circuit.
///
/// # Safety
/// `device` must be a WDFDEVICE created by [`evt_device_add`] and not yet cleaned up (WDF passes
/// ours); PASSIVE_LEVEL.
unsafe extern "C" fn evt_release_hardware(device: WDFDEVICE, _: WDFCMRESLIST) -> NTSTATUS {
    // SAFETY: the framework passes our live WDFDEVICE.
    let Some(state) = (unsafe { device_state(device) }) else {
        return 0;
    };
    let mut result = 0;
    for &(circuit, _) in &state.circuits {
        // AcxDeviceRemoveCircuit (PASSIVE_LEVEL); keep going on failure, report the first.
        let status = acx_call!(
            AcxDeviceRemoveCircuitTableIndex as PFN_ACXDEVICEREMOVECIRCUIT(device, circuit)
        )
        .unwrap_or(nt(NtStatus::NOT_SUPPORTED));
        if status < 0 && result == 0 {
            result = status;
        }
    }
    result
}

/// EvtCleanupCallback of the WDFDEVICE (PASSIVE_LEVEL): drops the device state (frees the
/// cable rings once the last stream is gone).
///
/// # Safety
/// Only as the EvtCleanupCallback of a WDFDEVICE created by [`evt_device_add`] (DEVICE_CONTEXT
/// attributes): once, when no reference from `device_state` is used any more; PASSIVE_LEVEL.
unsafe extern "C" fn evt_device_cleanup(object: WDFOBJECT) {
    // SAFETY: the device's own cleanup; no other reference to the state is live any more.
    drop(unsafe { context::take::<DeviceState>(object, &DEVICE_CONTEXT) });
}
