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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::create_host;
    use cadenza_engine::config::parse_text;
    use cadenza_hostsim::SimPlatform;

    #[test]
    fn the_wave_interface_gets_name_and_constraints_the_topology_interface_only_the_name() {
        let config = parse_text("Cables = 2\nCableName = Bus\nPeriodUs = 5000", &mut |w| {
            panic!("{w}")
        });
        let host = create_host(SimPlatform::new(1), 1, &config).unwrap();
        let wave = interface_properties(&host);
        let topology = topology_interface_properties(&host);
        // Two pairs and a name without {n}: the number is appended. UTF-16LE with its NUL.
        let name: std::vec::Vec<u8> = "Bus 2\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(wave[0].bytes, &name[..]);
        assert_eq!(topology, [wave[0]]);
        // 5 ms = 50 000 × 100 ns.
        assert_eq!(&wave[1].bytes[..4], &50_000u32.to_le_bytes());
    }
}
