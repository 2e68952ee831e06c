//! DriverEntry and DriverUnload. Windows only.
//!
//! | item | DDI | IRQL |
//! |---|---|---|
//! | `driver_entry` | WdfDriverCreate (WdfDriverInitNoDispatchOverride), PcInitializeAdapterDriver | PASSIVE_LEVEL |
//! | `driver_unload` | PortCls's unload routine, then WdfDriverMiniportUnload | PASSIVE_LEVEL |

extern crate wdk_panic;

use core::sync::atomic::{AtomicUsize, Ordering};

use wdk_alloc::WdkAllocator;
use wdk_sys::{
    _WDF_DRIVER_INIT_FLAGS, DRIVER_OBJECT, NTSTATUS, PCUNICODE_STRING, PDRIVER_OBJECT, ULONG,
    WDF_DRIVER_CONFIG, WDF_NO_HANDLE, WDF_NO_OBJECT_ATTRIBUTES, WDFDRIVER,
    call_unsafe_wdf_function_binding,
};

/// Kernel pool for `alloc` (the miniport and stream objects, the cables' contexts).
#[global_allocator]
static GLOBAL_ALLOCATOR: WdkAllocator = WdkAllocator;

/// The unload routine PortCls installed (a function address, 0 if none): ours calls it
/// before unloading the WDF miniport.
static PORTCLS_UNLOAD: AtomicUsize = AtomicUsize::new(0);

type Unload = unsafe extern "C" fn(driver: *mut DRIVER_OBJECT);

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
        return status.0;
    }
    // SAFETY: the kernel's driver object, not yet shared with another thread.
    let object = unsafe { &mut *driver };
    if let Some(unload) = object.DriverUnload {
        PORTCLS_UNLOAD.store(unload as usize, Ordering::Release);
    }
    object.DriverUnload = Some(driver_unload);
    status.0
}

/// DriverUnload: PortCls's routine first, then the WDF miniport. PASSIVE_LEVEL.
unsafe extern "C" fn driver_unload(driver: *mut DRIVER_OBJECT) {
    let saved = PORTCLS_UNLOAD.load(Ordering::Acquire);
    if saved != 0 {
        // SAFETY: the address stored in DriverEntry is PortCls's PDRIVER_UNLOAD.
        let unload: Unload = unsafe { core::mem::transmute::<usize, Unload>(saved) };
        // SAFETY: the kernel's driver object, as PortCls expects.
        unsafe { unload(driver) };
    }
    // SAFETY: WdfGetDriver after a successful WdfDriverCreate.
    let wdf_driver = unsafe { call_unsafe_wdf_function_binding!(WdfGetDriver) };
    // SAFETY: the driver WdfDriverCreate made; unload it as a miniport.
    unsafe { call_unsafe_wdf_function_binding!(WdfDriverMiniportUnload, wdf_driver) };
}
