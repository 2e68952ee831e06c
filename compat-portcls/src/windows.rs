//! The Windows edge of the PortCls driver (Windows targets, feature `wdk`): the PortCls and
//! kernel imports, AddDevice, StartDevice and the registry configuration. Everything here only
//! converts and forwards to the tested logic (`device`, `wave`, `topology`, `power`,
//! `registry`). `cadenza-pc-sys` calls [`initialize_adapter_driver`] from DriverEntry.
//!
//! | item | DDI | IRQL |
//! |---|---|---|
//! | [`initialize_adapter_driver`] | PcInitializeAdapterDriver | PASSIVE_LEVEL |
//! | `add_device` | PcAddAdapterDevice | PASSIVE_LEVEL |
//! | `start_device` | PcNewPort, IPort::Init, PcRegisterSubdevice, PcRegisterPhysicalConnection, PcRegisterAdapterPowerManagement | PASSIVE_LEVEL |
//! | `publish` | PcGetPhysicalDeviceObject, then cadenza-kernel's IoRegisterDeviceInterface / IoSetDeviceInterfacePropertyData / RtlFreeUnicodeString | PASSIVE_LEVEL |
//! | `read_config` | PcGetPhysicalDeviceObject, IoOpenDeviceRegistryKey, ZwQueryValueKey, ZwClose | PASSIVE_LEVEL |
//! | [`surprise_removed`], [`removed`] | (called from the driver's IRP_MJ_PNP hook) | PASSIVE_LEVEL |

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::config::{ConfigBuilder, DeviceConfig, KeyId, MissingKeys};
use cadenza_engine::platform::Platform;
use cadenza_engine::{Guid, NtStatus};
use cadenza_kernel::KernelPlatform;

use cadenza_engine::host::InterfaceProperty;

use crate::com::{IPort, IResourceList, IUnknown};
use crate::device::{SharedHost, create_hosts};
use crate::guids::{CLSID_PortTopology, CLSID_PortWaveRT, KSCATEGORY_AUDIO};
use crate::kernel::{DeviceObject, Irp};
use crate::names::{CableNames, MAX_CABLES};
use crate::object::{unknown_add_ref, unknown_release};
use crate::power::Adapter;
use crate::registry;
use crate::topology::{TOPO_PIN_CAPTURE_OUT, TOPO_PIN_RENDER_IN, TopologyMiniport};
use crate::wave::{WAVE_PIN_CAPTURE_BRIDGE, WAVE_PIN_RENDER_BRIDGE, WaveMiniport};

crate::kernel::opaque! {
    /// `DRIVER_OBJECT`.
    DriverObject = "DRIVER_OBJECT";
}

/// `UNICODE_STRING`.
#[derive(Debug)]
#[repr(C)]
pub struct UnicodeString {
    pub length: u16,
    pub maximum_length: u16,
    pub buffer: *mut u16,
}

/// `HANDLE`.
pub type Handle = *mut c_void;

/// `OBJECT_ATTRIBUTES` (x64: 48 bytes; `InitializeObjectAttributes` fills it).
#[derive(Debug)]
#[repr(C)]
pub struct ObjectAttributesBlock {
    pub length: u32,
    pub root_directory: Handle,
    pub object_name: *mut UnicodeString,
    pub attributes: u32,
    pub security_descriptor: *mut c_void,
    pub security_quality_of_service: *mut c_void,
}

/// `OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE`.
const OBJ_CASE_INSENSITIVE_KERNEL_HANDLE: u32 = 0x0000_0040 | 0x0000_0200;
// The value ntdef.h's two flags make together (0x40 + 0x200): the registry key handle is a
// kernel handle, not one in the calling process's table.
const _: () = assert!(OBJ_CASE_INSENSITIVE_KERNEL_HANDLE == 0x240);

/// `PCPFNSTARTDEVICE`.
pub type StartDevice = unsafe extern "system" fn(
    device: *mut DeviceObject,
    irp: *mut Irp,
    resources: *mut IResourceList,
) -> NtStatus;

/// `PDRIVER_ADD_DEVICE`.
pub type AddDevice =
    unsafe extern "system" fn(driver: *mut DriverObject, pdo: *mut DeviceObject) -> NtStatus;

#[link(name = "portcls")]
unsafe extern "system" {
    /// PASSIVE_LEVEL; once, from DriverEntry, with the kernel's driver object and registry path.
    fn PcInitializeAdapterDriver(
        driver: *mut DriverObject,
        registry_path: *mut UnicodeString,
        add_device: AddDevice,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; from AddDevice, with the driver object and PDO PnP passed to it.
    fn PcAddAdapterDevice(
        driver: *mut DriverObject,
        pdo: *mut DeviceObject,
        start_device: StartDevice,
        max_objects: u32,
        device_extension_size: u32,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; `out_port` writable for one pointer, `class_id` a readable port CLSID.
    fn PcNewPort(out_port: *mut *mut IPort, class_id: *const Guid) -> NtStatus;
    /// PASSIVE_LEVEL; `device` PortCls's FDO, `name` NUL-terminated, `unknown` a live port.
    fn PcRegisterSubdevice(
        device: *mut DeviceObject,
        name: *const u16,
        unknown: *mut IUnknown,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; `device` PortCls's FDO, both unknowns ports registered on it.
    fn PcRegisterPhysicalConnection(
        device: *mut DeviceObject,
        from_unknown: *mut IUnknown,
        from_pin: u32,
        to_unknown: *mut IUnknown,
        to_pin: u32,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; `unknown` answers IAdapterPowerManagement, `context` is PortCls's FDO.
    fn PcRegisterAdapterPowerManagement(unknown: *mut IUnknown, context: *mut c_void) -> NtStatus;
    /// PASSIVE_LEVEL; `device` PortCls's FDO, `pdo` writable for one pointer.
    fn PcGetPhysicalDeviceObject(
        device: *mut DeviceObject,
        pdo: *mut *mut DeviceObject,
    ) -> NtStatus;
}

#[link(name = "ntoskrnl")]
unsafe extern "system" {
    /// PASSIVE_LEVEL; `device` a PDO, `key` writable; close the handle with ZwClose.
    fn IoOpenDeviceRegistryKey(
        device: *mut DeviceObject,
        key_type: u32,
        access: u32,
        key: *mut Handle,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; open `key`, valid `name`; `info` (`length` bytes), `result_length` writable.
    fn ZwQueryValueKey(
        key: Handle,
        name: *mut UnicodeString,
        class: u32,
        info: *mut c_void,
        length: u32,
        result_length: *mut u32,
    ) -> NtStatus;
    /// PASSIVE_LEVEL; `handle` an open kernel handle, closed once.
    fn ZwClose(handle: Handle) -> NtStatus;
    /// PASSIVE_LEVEL; `key` writable, `attributes` a valid block naming the key.
    fn ZwOpenKey(key: *mut Handle, access: u32, attributes: *mut ObjectAttributesBlock)
    -> NtStatus;
}

/// `PLUGPLAY_REGKEY_DRIVER`: the driver (software) key, where the INF's AddReg writes.
const PLUGPLAY_REGKEY_DRIVER: u32 = 2;
/// `KEY_READ`.
const KEY_READ: u32 = 0x0002_0019;
/// `KeyValuePartialInformation`.
const KEY_VALUE_PARTIAL_INFORMATION: u32 = 2;
/// The adapter object of each started device, for the IRP_MJ_PNP hook.
static ADAPTERS: crate::removal::Registry<8> = crate::removal::Registry::new();

/// IRP_MN_SURPRISE_REMOVAL of `device` (PortCls's FDO), from the driver's IRP_MJ_PNP hook
/// before PortCls handles the IRP: every pair's streams freeze for good, as ACX's
/// EvtDeviceSurpriseRemoval does. PASSIVE_LEVEL.
///
/// # Safety
/// `device` is the FDO the IRP was sent to; PASSIVE_LEVEL.
pub unsafe fn surprise_removed(device: *mut DeviceObject) {
    if let Some(adapter) = ADAPTERS.get(device as usize) {
        // SAFETY: the table holds a reference to this live adapter object (taken in
        // StartDevice, released in `removed`).
        unsafe { Adapter::<KernelPlatform>::surprise_removed(adapter as *mut IUnknown) };
    }
}

/// IRP_MN_REMOVE_DEVICE of `device`: forgets its adapter and drops the table's reference.
/// PASSIVE_LEVEL.
///
/// # Safety
/// `device` is the FDO the IRP was sent to; PASSIVE_LEVEL.
pub unsafe fn removed(device: *mut DeviceObject) {
    if let Some(adapter) = ADAPTERS.remove(device as usize) {
        // SAFETY: the reference `start_device` took for the table, released once.
        unsafe { unknown_release(adapter as *mut IUnknown) };
    }
}

/// Subdevices PortCls must make room for: wave + topology per cable.
#[allow(clippy::cast_possible_truncation)] // 16
const MAX_OBJECTS: u32 = (2 * MAX_CABLES) as u32;
// Room for every subdevice the largest configuration registers: a wave and a topology
// miniport for each cable (counted, not multiplied, so the check is independent of the
// formula above).
const _: () = {
    let mut needed: u32 = 0;
    let mut cable = 0;
    while cable < MAX_CABLES {
        needed += 2;
        cable += 1;
    }
    assert!(MAX_OBJECTS == needed);
};

/// DriverEntry's PortCls half: PcInitializeAdapterDriver with our AddDevice. PASSIVE_LEVEL.
///
/// # Safety
/// Call once from DriverEntry with the arguments the kernel passed it, after
/// WdfDriverCreate (WdfDriverInitNoDispatchOverride).
pub unsafe fn initialize_adapter_driver(
    driver: *mut DriverObject,
    registry_path: *mut UnicodeString,
) -> NtStatus {
    // SAFETY: the kernel's own arguments (contract); `add_device` has the PDRIVER_ADD_DEVICE
    // signature.
    unsafe { PcInitializeAdapterDriver(driver, registry_path, add_device) }
}

/// AddDevice: PcAddAdapterDevice with our StartDevice. PASSIVE_LEVEL.
///
/// # Safety
/// Only as the AddDevice routine PcInitializeAdapterDriver installs: `driver` is our driver object
/// and `pdo` the device's PDO, at PASSIVE_LEVEL.
unsafe extern "system" fn add_device(
    driver: *mut DriverObject,
    pdo: *mut DeviceObject,
) -> NtStatus {
    // SAFETY: PnP's arguments, passed through; `start_device` has PCPFNSTARTDEVICE's shape.
    unsafe { PcAddAdapterDevice(driver, pdo, start_device, MAX_OBJECTS, 0) }
}

/// StartDevice (IRP_MN_START_DEVICE). PASSIVE_LEVEL: reads the configuration, creates the
/// cables, and registers a wave and a topology subdevice per cable.
///
/// # Safety
/// Only as the StartDevice routine PcAddAdapterDevice installs: `device` is PortCls's FDO and `irp`
/// and `resources` are IRP_MN_START_DEVICE's, at PASSIVE_LEVEL.
unsafe extern "system" fn start_device(
    device: *mut DeviceObject,
    irp: *mut Irp,
    resources: *mut IResourceList,
) -> NtStatus {
    let platform = KernelPlatform::new();
    // SAFETY: PortCls's FDO at PASSIVE_LEVEL.
    let config = unsafe { read_config(device, &platform) };
    let cables = match create_hosts(&platform, &config) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let adapter = Adapter::create(cables.clone());
    // The PnP hook's reference: a surprise removal reaches the hosts through it.
    // SAFETY: the live adapter object just created.
    unsafe { unknown_add_ref(adapter) };
    match ADAPTERS.insert(device as usize, adapter as usize) {
        // A restart of the same device: the previous adapter's table reference goes.
        Ok(Some(old)) => {
            // SAFETY: the reference the previous StartDevice took, released once.
            unsafe { unknown_release(old as *mut IUnknown) };
        }
        Ok(None) => {}
        Err(()) => {
            platform.debug(format_args!(
                "more than 8 devices: surprise removal of this one is not seen"
            ));
            // SAFETY: the reference taken above, unused.
            unsafe { unknown_release(adapter) };
        }
    }
    let mut status = NtStatus::SUCCESS;
    for (cable, names) in cables.iter().zip(crate::names::CABLES.iter()) {
        // SAFETY: PortCls's arguments, at PASSIVE_LEVEL, and a live adapter object.
        status = unsafe { register_cable(device, irp, resources, adapter, cable, names) };
        if !status.is_success() {
            break;
        }
    }
    if status.is_success() {
        // SAFETY: a live adapter object answering IAdapterPowerManagement; PortCls keeps its
        // own reference.
        status = unsafe { PcRegisterAdapterPowerManagement(adapter, device.cast()) };
    }
    // SAFETY: our creation reference; the ports and PortCls hold theirs.
    unsafe { unknown_release(adapter) };
    status
}

/// Creates a port of `class`, initialises it with `miniport` and registers it as `name`.
/// Returns the port (the caller's reference) for the physical connections.
///
/// # Safety
/// PASSIVE_LEVEL, PortCls's StartDevice arguments, live `miniport` and `adapter` objects.
unsafe fn new_subdevice(
    device: *mut DeviceObject,
    irp: *mut Irp,
    resources: *mut IResourceList,
    adapter: *mut IUnknown,
    class: &Guid,
    miniport: *mut IUnknown,
    name: Option<[u16; crate::names::UTF16_NAME_UNITS]>,
) -> Result<*mut IPort, NtStatus> {
    let Some(name) = name else {
        return Err(NtStatus::INVALID_PARAMETER);
    };
    let mut port: *mut IPort = null_mut();
    // SAFETY: a writable out-pointer and a valid class id.
    let status = unsafe { PcNewPort(&raw mut port, class) };
    if !status.is_success() {
        return Err(status);
    }
    // SAFETY: PcNewPort returned a live port.
    let vtbl = unsafe { (*port).vtbl };
    // SAFETY: `vtbl` is a live port's vtable pointer, so it points at PortCls's valid,
    // immutable IPort vtable, which has the Init slot.
    let init = unsafe { (*vtbl).init };
    // SAFETY: IPort::Init with StartDevice's arguments and our miniport.
    let mut status = unsafe { init(port, device, irp, miniport, adapter, resources) };
    if status.is_success() {
        // SAFETY: a NUL-terminated name that outlives the call, and the initialised port.
        status = unsafe { PcRegisterSubdevice(device, name.as_ptr(), port.cast()) };
    }
    if status.is_success() {
        Ok(port)
    } else {
        // SAFETY: `port` is the live port PcNewPort returned, whose reference we own and do
        // not use again.
        unsafe { unknown_release(port.cast()) };
        Err(status)
    }
}

/// One cable: topology and wave subdevices and the two physical connections between them.
///
/// # Safety
/// PASSIVE_LEVEL; `device`, `irp` and `resources` are PortCls's StartDevice arguments, and
/// `adapter` is a live adapter object on which the caller holds a reference during the call.
unsafe fn register_cable(
    device: *mut DeviceObject,
    irp: *mut Irp,
    resources: *mut IResourceList,
    adapter: *mut IUnknown,
    cable: &SharedHost<KernelPlatform>,
    names: &CableNames,
) -> NtStatus {
    // CableName and PeriodUs, on the interfaces PcRegisterSubdevice is about to enable.
    let topology_properties = crate::interfaces::topology_interface_properties(cable);
    // SAFETY: StartDevice's FDO at PASSIVE_LEVEL (contract).
    unsafe { publish(device, names.topology, &topology_properties) };
    let wave_properties = crate::interfaces::interface_properties(cable);
    // SAFETY: `device` is StartDevice's FDO and we run at PASSIVE_LEVEL (our contract), which
    // is all `publish` requires.
    unsafe { publish(device, names.wave, &wave_properties) };
    let topo_miniport = TopologyMiniport::create(cable.clone());
    // SAFETY: StartDevice's arguments (contract) and a live miniport.
    let topo = unsafe {
        new_subdevice(
            device,
            irp,
            resources,
            adapter,
            &CLSID_PortTopology,
            topo_miniport,
            names.topology_utf16(),
        )
    };
    // SAFETY: our creation reference; the port took its own in Init.
    unsafe { unknown_release(topo_miniport) };
    let topo = match topo {
        Ok(p) => p,
        Err(e) => return e,
    };
    let wave_miniport = match WaveMiniport::create(cable.clone()) {
        Ok(m) => m,
        Err(e) => {
            // SAFETY: `topo` is the live port `new_subdevice` returned, whose reference we own
            // and do not use again.
            unsafe { unknown_release(topo.cast()) };
            return e;
        }
    };
    // SAFETY: PASSIVE_LEVEL, StartDevice's arguments and a live `adapter` (our contract), and
    // `wave_miniport` is live: we hold its creation reference until after the call.
    let wave = unsafe {
        new_subdevice(
            device,
            irp,
            resources,
            adapter,
            &CLSID_PortWaveRT,
            wave_miniport,
            names.wave_utf16(),
        )
    };
    // SAFETY: `wave_miniport` is live with the creation reference we own and do not use
    // again (a port that took the miniport holds its own).
    unsafe { unknown_release(wave_miniport) };
    let status = match wave {
        Ok(wave) => {
            // Render: wave bridge → topology input. Capture: topology output → wave bridge.
            // SAFETY: two registered ports of this device.
            let mut s = unsafe {
                PcRegisterPhysicalConnection(
                    device,
                    wave.cast(),
                    WAVE_PIN_RENDER_BRIDGE,
                    topo.cast(),
                    TOPO_PIN_RENDER_IN,
                )
            };
            if s.is_success() {
                // SAFETY: `device` is StartDevice's FDO and `topo` and `wave` are ports
                // registered on it, each kept live by the reference we still hold.
                s = unsafe {
                    PcRegisterPhysicalConnection(
                        device,
                        topo.cast(),
                        TOPO_PIN_CAPTURE_OUT,
                        wave.cast(),
                        WAVE_PIN_CAPTURE_BRIDGE,
                    )
                };
            }
            // SAFETY: our port reference; the registered subdevice keeps its own.
            unsafe { unknown_release(wave.cast()) };
            s
        }
        Err(e) => e,
    };
    // SAFETY: `topo` is the live port `new_subdevice` returned, whose reference we own and
    // do not use again.
    unsafe { unknown_release(topo.cast()) };
    if !status.is_success() {
        cable.platform().debug(format_args!(
            "cable {}: registration failed {status:?}",
            cable.index()
        ));
    }
    status
}

/// Sets `properties` on the KSCATEGORY_AUDIO interface with reference string `reference` of
/// the device's PDO, before PcRegisterSubdevice enables it. A failure is reported on the
/// debugger and is not fatal: the endpoint then shows the INF's name and Windows' default
/// period.
///
/// # Safety
/// PASSIVE_LEVEL, `device` PortCls's FDO.
unsafe fn publish(
    device: *mut DeviceObject,
    reference: &str,
    properties: &[InterfaceProperty<'_>],
) {
    let mut pdo: *mut DeviceObject = null_mut();
    // SAFETY: the FDO and a writable out-pointer.
    let status = unsafe { PcGetPhysicalDeviceObject(device, &raw mut pdo) };
    let result = if status.is_success() {
        // SAFETY: the device's PDO as PortCls returned it; PASSIVE_LEVEL (contract).
        unsafe {
            cadenza_kernel::interface::publish_interface_properties(
                pdo.cast(),
                &KSCATEGORY_AUDIO,
                reference,
                properties,
            )
        }
    } else {
        Err(status)
    };
    if let Err(e) = result {
        KernelPlatform::new().debug(format_args!(
            "{reference}: interface properties not set ({e:?}); the endpoint keeps the INF's \
             name and Windows' default period"
        ));
    }
}

/// Reads the configuration from the device's driver key; every problem is a warning on the
/// debugger and the key's default, never a failed start.
///
/// # Safety
/// PASSIVE_LEVEL, `device` PortCls's FDO.
unsafe fn read_config(device: *mut DeviceObject, platform: &KernelPlatform) -> DeviceConfig {
    let mut warn = |w: cadenza_engine::config::ConfigWarning| {
        platform.debug(format_args!("configuration: {w}"));
    };
    let mut builder = ConfigBuilder::new(MissingKeys::Report);
    let mut pdo: *mut DeviceObject = null_mut();
    let mut key: Handle = null_mut();
    // SAFETY: the FDO and a writable out-pointer.
    let opened = unsafe { PcGetPhysicalDeviceObject(device, &raw mut pdo) }.is_success()
        // SAFETY: the PDO PortCls returned, a writable handle.
        && unsafe { IoOpenDeviceRegistryKey(pdo, PLUGPLAY_REGKEY_DRIVER, KEY_READ, &raw mut key) }
            .is_success();
    // The INF writes the parameters into the driver key's `Parameters` subkey.
    let mut driver_key: Handle = null_mut();
    let opened = opened && {
        driver_key = key;
        let mut subkey_name: [u16; 10] = [
            u16::from(b'P'),
            u16::from(b'a'),
            u16::from(b'r'),
            u16::from(b'a'),
            u16::from(b'm'),
            u16::from(b'e'),
            u16::from(b't'),
            u16::from(b'e'),
            u16::from(b'r'),
            u16::from(b's'),
        ];
        let mut name = UnicodeString {
            length: 20,
            maximum_length: 20,
            buffer: subkey_name.as_mut_ptr(),
        };
        let mut attributes = ObjectAttributesBlock {
            length: u32::try_from(core::mem::size_of::<ObjectAttributesBlock>()).unwrap_or(48),
            root_directory: driver_key,
            object_name: &raw mut name,
            attributes: OBJ_CASE_INSENSITIVE_KERNEL_HANDLE,
            security_descriptor: null_mut(),
            security_quality_of_service: null_mut(),
        };
        // SAFETY: a writable handle, and attributes naming a subkey of the open driver key.
        unsafe { ZwOpenKey(&raw mut key, KEY_READ, &raw mut attributes) }.is_success()
    };
    if !driver_key.is_null() {
        // SAFETY: the driver key opened above, closed once; the subkey has its own handle.
        let _ = unsafe { ZwClose(driver_key) };
    }
    if opened {
        for id in KeyId::ALL {
            let mut name = [0u16; 64];
            let Some(units) = registry::utf16(id.name(), &mut name) else {
                continue;
            };
            #[allow(clippy::cast_possible_truncation)] // at most 64 units
            let bytes = (units * 2) as u16;
            let mut us = UnicodeString {
                length: bytes,
                maximum_length: bytes,
                buffer: name.as_mut_ptr(),
            };
            let mut info = [0u64; 160];
            let mut got = 0u32;
            // SAFETY: an open key, a valid name, and a writable 8-aligned buffer of its size.
            let status = unsafe {
                ZwQueryValueKey(
                    key,
                    &raw mut us,
                    KEY_VALUE_PARTIAL_INFORMATION,
                    info.as_mut_ptr().cast(),
                    1280,
                    &raw mut got,
                )
            };
            if !status.is_success() {
                // Absent (or too large): the builder reports missing keys at the end.
                continue;
            }
            // SAFETY: the buffer is 1280 initialised bytes.
            let bytes = unsafe { core::slice::from_raw_parts(info.as_ptr().cast::<u8>(), 1280) };
            let used = bytes.get(..got as usize).unwrap_or(bytes);
            let mut text = heapless::String::new();
            if let Some(value) = registry::decode(used, &mut text) {
                registry::apply(&mut builder, id.name(), value, &mut warn);
            }
        }
        // SAFETY: the key opened above, closed once.
        let _ = unsafe { ZwClose(key) };
    } else {
        platform.debug(format_args!(
            "configuration: no Parameters key; using defaults"
        ));
    }
    builder.finish(&mut warn)
}
