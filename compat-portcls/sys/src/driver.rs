//! DriverEntry and DriverUnload. Windows only.
//!
//! | item | DDI | IRQL |
//! |---|---|---|
//! | `driver_entry` | WdfDriverCreate (WdfDriverInitNoDispatchOverride), PcInitializeAdapterDriver | PASSIVE_LEVEL |
//! | `driver_unload` | PortCls's unload routine, then WdfDriverMiniportUnload | PASSIVE_LEVEL |
//! | `pnp_dispatch` | IRP_MJ_PNP: IRP_MN_SURPRISE_REMOVAL and IRP_MN_REMOVE_DEVICE seen first, then PortCls's dispatch routine | PASSIVE_LEVEL |
//!
//! Two WDF calls the WDK provides only as C inline functions are written out here:
//! `WdfGetDriver` (wdfdriver.h: it reads `WdfDriverGlobals->Driver`, it is no function-table
//! entry) and `WdfDriverMiniportUnload` (wdfminiport.h, which wdf.h does not include, so wdk-sys
//! has its table index but no `PFN_` type).

extern crate wdk_panic;

use core::sync::atomic::{AtomicUsize, Ordering};

use wdk_alloc::WdkAllocator;
use wdk_sys::{
    _WDF_DRIVER_INIT_FLAGS, _WDFFUNCENUM, DRIVER_OBJECT, IRP_MJ_PNP, IRP_MN_REMOVE_DEVICE,
    IRP_MN_SURPRISE_REMOVAL, NTSTATUS, PCUNICODE_STRING, PDEVICE_OBJECT, PDRIVER_OBJECT, PIRP,
    PWDF_DRIVER_GLOBALS, ULONG, WDF_DRIVER_CONFIG, WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES,
    WDFDRIVER, WDFFUNC, call_unsafe_wdf_function_binding,
};

/// Kernel pool for `alloc` (the miniport and stream objects, the cables' contexts).
#[global_allocator]
static GLOBAL_ALLOCATOR: WdkAllocator = WdkAllocator;

/// The unload routine PortCls installed (a function address, 0 if none): ours calls it
/// before unloading the WDF miniport.
static PORTCLS_UNLOAD: AtomicUsize = AtomicUsize::new(0);

/// PortCls's IRP_MJ_PNP dispatch routine (a function address), which ours forwards every
/// IRP to.
static PORTCLS_PNP: AtomicUsize = AtomicUsize::new(0);

type Unload = unsafe extern "C" fn(driver: *mut DRIVER_OBJECT);
type Dispatch = unsafe extern "C" fn(device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS;

/// The debugger's way in: WinDbg's `cadenza.js` finds this symbol, checks its magic and
/// version, and follows it to the trace ring and the live-stream table. Exported unmangled and
/// kept even though nothing in the driver reads it.
#[unsafe(no_mangle)]
#[used]
pub static CADENZA_DEBUG_ROOT: cadenza_engine::debug_registry::CadenzaDebugRoot =
    cadenza_engine::debug_registry::CadenzaDebugRoot::new(
        cadenza_portcls::debug::FRAMEWORK,
        &cadenza_portcls::debug::TRACE,
        &cadenza_portcls::debug::STREAMS,
    );

/// DriverEntry. PASSIVE_LEVEL.
///
/// # Safety
/// Called once by the kernel with its own driver object and registry path.
#[unsafe(export_name = "DriverEntry")]
pub unsafe extern "system" fn driver_entry(
    driver: PDRIVER_OBJECT,
    registry_path: PCUNICODE_STRING,
) -> NTSTATUS {
    #[allow(clippy::cast_possible_truncation)] // a small structure
    let mut config = WDF_DRIVER_CONFIG {
        Size: core::mem::size_of::<WDF_DRIVER_CONFIG>() as ULONG,
        DriverInitFlags: _WDF_DRIVER_INIT_FLAGS::WdfDriverInitNoDispatchOverride as ULONG,
        ..WDF_DRIVER_CONFIG::default()
    };
    // SAFETY: the kernel's arguments; PortCls owns the dispatch table, so WDF is told not
    // to override it.
    let status = unsafe {
        call_unsafe_wdf_function_binding!(
            WdfDriverCreate,
            driver,
            registry_path,
            WDF_NO_OBJECT_ATTRIBUTES,
            &raw mut config,
            WDF_NO_HANDLE.cast::<WDFDRIVER>()
        )
    };
    if status < 0 {
        return status;
    }
    {
        use cadenza_engine::platform::Platform as _;
        CADENZA_DEBUG_ROOT.set_qpc_frequency(cadenza_kernel::KernelPlatform.frequency());
    }
    // SAFETY: once, from DriverEntry, after WdfDriverCreate, with the kernel's arguments.
    let status = unsafe {
        cadenza_portcls::windows::initialize_adapter_driver(
            driver.cast(),
            registry_path.cast_mut().cast(),
        )
    };
    if status.0 < 0 {
        // As Microsoft's PortCls samples do: the WDF driver object made above must not outlive
        // a failed DriverEntry (the kernel calls no DriverUnload then).
        // SAFETY: WdfDriverCreate succeeded above; PASSIVE_LEVEL.
        unsafe { unload_wdf_miniport() };
        return status.0;
    }
    // SAFETY: the kernel's driver object, not yet shared with another thread.
    let object = unsafe { &mut *driver };
    if let Some(unload) = object.DriverUnload {
        PORTCLS_UNLOAD.store(unload as usize, Ordering::Release);
    }
    object.DriverUnload = Some(driver_unload);
    // PnP: PortCls's dispatch routine stays in charge; ours only looks at the IRP first.
    let pnp = IRP_MJ_PNP as usize;
    if let Some(slot) = object.MajorFunction.get_mut(pnp)
        && let Some(portcls) = *slot
    {
        PORTCLS_PNP.store(portcls as usize, Ordering::Release);
        *slot = Some(pnp_dispatch);
    }
    status.0
}

/// IRP_MJ_PNP: tells the adapter about a surprise removal (the streams freeze, as ACX's
/// EvtDeviceSurpriseRemoval makes them) and forgets it on removal, then hands the IRP to
/// PortCls, which completes it. PASSIVE_LEVEL (PnP IRPs are sent at PASSIVE_LEVEL).
///
/// # Safety
/// Only as the IRP_MJ_PNP dispatch routine DriverEntry installs (after saving PortCls's): `device`
/// is our FDO and `irp` a live PnP IRP with a current stack location for this driver, at
/// PASSIVE_LEVEL.
unsafe extern "C" fn pnp_dispatch(device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // IoGetCurrentIrpStackLocation (wdm.h, FORCEINLINE): `Irp->Tail.Overlay.CurrentStackLocation`.
    // SAFETY: the I/O manager passes a live IRP with a current stack location for this driver.
    let tail = unsafe { &(*irp).Tail };
    // SAFETY: while a driver owns an IRP, its Tail union holds the Overlay member.
    let overlay = unsafe { &tail.Overlay };
    // SAFETY: in the Overlay, CurrentStackLocation is the member in use (PacketType is only for
    // mini-packets the I/O manager never dispatches to drivers).
    let stack = unsafe {
        overlay
            .__bindgen_anon_2
            .__bindgen_anon_1
            .CurrentStackLocation
    };
    // SAFETY: the current stack location of a live IRP.
    let minor = u32::from(unsafe { (*stack).MinorFunction });
    if minor == IRP_MN_SURPRISE_REMOVAL {
        // SAFETY: PortCls's FDO, at PASSIVE_LEVEL.
        unsafe { cadenza_portcls::windows::surprise_removed(device.cast()) };
    } else if minor == IRP_MN_REMOVE_DEVICE {
        // SAFETY: `device` is the FDO the I/O manager sent this PnP IRP to (PortCls's), and
        // PnP IRPs arrive at PASSIVE_LEVEL, as `removed` requires.
        unsafe { cadenza_portcls::windows::removed(device.cast()) };
    }
    let saved = PORTCLS_PNP.load(Ordering::Acquire);
    // SAFETY: DriverEntry stored PortCls's PDRIVER_DISPATCH before installing this routine,
    // so `saved` is that function's address (never 0 here).
    let forward: Dispatch = unsafe { core::mem::transmute::<usize, Dispatch>(saved) };
    // SAFETY: PortCls's own dispatch routine with the I/O manager's arguments.
    unsafe { forward(device, irp) }
}

/// DriverUnload: PortCls's routine first, then the WDF miniport. PASSIVE_LEVEL.
///
/// # Safety
/// Only as the DriverUnload routine a successful DriverEntry installs: once, with the kernel's
/// driver object, at PASSIVE_LEVEL.
unsafe extern "C" fn driver_unload(driver: *mut DRIVER_OBJECT) {
    let saved = PORTCLS_UNLOAD.load(Ordering::Acquire);
    if saved != 0 {
        // SAFETY: the address stored in DriverEntry is PortCls's PDRIVER_UNLOAD.
        let unload: Unload = unsafe { core::mem::transmute::<usize, Unload>(saved) };
        // SAFETY: the kernel's driver object, as PortCls expects.
        unsafe { unload(driver) };
    }
    // SAFETY: DriverUnload runs only after a successful DriverEntry, so after WdfDriverCreate.
    unsafe { unload_wdf_miniport() };
}

/// The C type of wdfminiport.h's WdfDriverMiniportUnload table entry.
type MiniportUnload = unsafe extern "C" fn(PWDF_DRIVER_GLOBALS, WDFDRIVER);

/// `WdfDriverMiniportUnload(WdfGetDriver())` when there is a WDF driver object. PASSIVE_LEVEL.
///
/// # Safety
/// Only after WdfDriverCreate succeeded, once, at PASSIVE_LEVEL.
unsafe fn unload_wdf_miniport() {
    // SAFETY: the KMDF loader binds `WdfDriverGlobals` before DriverEntry runs and never moves
    // it; reading the pointer is a plain load of an initialised static.
    let globals: PWDF_DRIVER_GLOBALS = unsafe { wdk_sys::WdfDriverGlobals };
    if globals.is_null() {
        return;
    }
    // WdfGetDriver (wdfdriver.h, FORCEINLINE): `WdfDriverGlobals->Driver`.
    // SAFETY: non-null globals point at the loader's WDF_DRIVER_GLOBALS for this driver.
    let driver: WDFDRIVER = unsafe { (*globals).Driver };
    if driver.is_null() {
        return;
    }
    // WdfDriverMiniportUnload (wdfminiport.h, FORCEINLINE): entry
    // WdfDriverMiniportUnloadTableIndex of the WDF function table, called with the globals.
    let index = _WDFFUNCENUM::WdfDriverMiniportUnloadTableIndex as usize;
    // SAFETY: the loader sets the table length before DriverEntry; a plain load.
    let count = unsafe { wdk_sys::WdfFunctionCount } as usize;
    if index >= count {
        return;
    }
    // SAFETY: the loader binds the table pointer before DriverEntry; a plain load.
    let table: *const WDFFUNC = unsafe { wdk_sys::WdfFunctions };
    // SAFETY: `table` points at `count` bound entries and `index < count`.
    let slot = unsafe { table.add(index) };
    // SAFETY: `slot` is inside the bound table (above); entries are plain function pointers.
    let entry: WDFFUNC = unsafe { slot.read() };
    // SAFETY: both are `Option` of a function pointer (one pointer wide); the entry at this
    // index is WdfDriverMiniportUnload, whose C type `MiniportUnload` spells out.
    let unload: Option<MiniportUnload> =
        unsafe { core::mem::transmute::<WDFFUNC, Option<MiniportUnload>>(entry) };
    if let Some(unload) = unload {
        // SAFETY: the driver's own globals and WDF driver object; PASSIVE_LEVEL (caller).
        unsafe { unload(globals, driver) };
    }
}
