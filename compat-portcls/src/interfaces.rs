//! What StartDevice sets on each pair's device interfaces before PcRegisterSubdevice enables
//! them (KSAUDIO_PACKETSIZE_CONSTRAINTS2's page: "The driver sets this property before calling
//! PcRegisterSubdevice"). The values come from the engine's device host; the Windows edge
//! (`windows.rs`) writes them with IoSetDeviceInterfacePropertyData, and the PortCls simulator
//! records exactly this list as what the framework was told.

use cadenza_engine::host::InterfaceProperty;
use cadenza_engine::platform::Platform;

use crate::device::PcHost;

/// The wave filter's KSCATEGORY_AUDIO interface: the friendly name (`CableName`) and the
/// packet-size constraints (`PeriodUs`).
pub fn interface_properties<P: Platform>(host: &PcHost<P>) -> [InterfaceProperty<'_>; 2] {
    host.facts().properties()
}

/// The topology filter's interface: the friendly name only (it streams nothing).
pub fn topology_interface_properties<P: Platform>(host: &PcHost<P>) -> [InterfaceProperty<'_>; 1] {
    let [name, _] = host.facts().properties();
    [name]
}
