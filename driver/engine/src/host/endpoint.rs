//! What a driver tells Windows about an endpoint pair before its interfaces are enabled: its
//! friendly name (`CableName`) and its packet-size constraints (`PeriodUs`). Both drivers set
//! exactly these bytes — PortCls on the wave filter's KSCATEGORY_AUDIO interface before
//! PcRegisterSubdevice, ACX on each circuit's audio interface alias right after the circuit is
//! created — and the simulators expose them, so tests check what Windows would read.

use crate::config::{DeviceConfig, NameString};
use crate::guid::Guid;

/// `DEVPKEY_KsAudio_PacketSize_Constraints2` (ksmedia.h): its format id; the property id is
/// [`PACKET_SIZE_CONSTRAINTS2_PID`].
pub const DEVPKEY_KSAUDIO_PACKETSIZE_CONSTRAINTS2: Guid =
    Guid::from_u128(0x9404f781_7191_409b_8b0b_80bf6ec229ae);
pub const PACKET_SIZE_CONSTRAINTS2_PID: u32 = 2;

/// `DEVPKEY_DeviceInterface_FriendlyName` (devpkey.h): format id; property id
/// [`INTERFACE_FRIENDLY_NAME_PID`].
pub const DEVPKEY_DEVICEINTERFACE_FRIENDLYNAME: Guid =
    Guid::from_u128(0x026e516e_b814_414b_83cd_856d6fef4822);
pub const INTERFACE_FRIENDLY_NAME_PID: u32 = 2;

/// `AUDIO_SIGNALPROCESSINGMODE_DEFAULT` (ksmedia.h).
pub const AUDIO_SIGNALPROCESSINGMODE_DEFAULT: Guid =
    Guid::from_u128(0xc18e2f7e_933d_4965_b7d1_1eef228d2af3);

/// `DEVPROP_TYPE_BINARY` (devpropdef.h): `DEVPROP_TYPEMOD_ARRAY | DEVPROP_TYPE_BYTE`.
pub const DEVPROP_TYPE_BINARY: u32 = 0x1000 | 0x3;
/// `DEVPROP_TYPE_STRING` (devpropdef.h): a NUL-terminated UTF-16 string.
pub const DEVPROP_TYPE_STRING: u32 = 0x12;

/// Bytes of a `KSAUDIO_PACKETSIZE_CONSTRAINTS2` with one processing-mode constraint: four
/// ULONGs, then one `{GUID, ULONG, ULONG}`.
pub const PACKET_CONSTRAINTS_BYTES: usize = 16 + 24;

/// The packet-size constraints of an endpoint: the configured period is the shortest packet
/// the driver supports and the packet of the default processing mode, so the shared-mode
/// audio engine runs at that period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketConstraints {
    /// `MinPacketPeriodInHns`: the period in 100-ns units.
    pub min_packet_period_hns: u32,
    /// `SamplesPerProcessingPacket` of the default mode: the period in whole frames at the
    /// default rate.
    pub default_mode_frames: u32,
    /// `ProcessingPacketDurationInHns` of the default mode (ignored by Windows when the
    /// frame count is non-zero; given for completeness).
    pub default_mode_hns: u32,
}

impl PacketConstraints {
    /// The constraints `config` asks for (`PeriodUs` at `DefaultSampleRate`).
    pub fn for_config(config: &DeviceConfig) -> PacketConstraints {
        // PeriodUs ≤ 100 000, so × 10 fits easily.
        let hns = config.period_us().saturating_mul(10);
        PacketConstraints {
            min_packet_period_hns: hns,
            default_mode_frames: config.period_frames(config.default_format().rate()),
            default_mode_hns: hns,
        }
    }

    /// The `KSAUDIO_PACKETSIZE_CONSTRAINTS2` value, little-endian as Windows reads it:
    /// MinPacketPeriodInHns, PacketSizeFileAlignment (0: FILE_BYTE_ALIGNMENT), MaxPacketSizeInBytes
    /// (0: no maximum beyond the engine's own buffer limits), NumProcessingModeConstraints (1),
    /// then the default mode's {ProcessingMode, SamplesPerProcessingPacket,
    /// ProcessingPacketDurationInHns}.
    pub fn to_bytes(&self) -> [u8; PACKET_CONSTRAINTS_BYTES] {
        let mut out = [0u8; PACKET_CONSTRAINTS_BYTES];
        let words = [self.min_packet_period_hns, 0, 0, 1];
        let mut at = 0;
        for w in words {
            put(&mut out, &mut at, &w.to_le_bytes());
        }
        put(
            &mut out,
            &mut at,
            &AUDIO_SIGNALPROCESSINGMODE_DEFAULT.to_bytes(),
        );
        put(&mut out, &mut at, &self.default_mode_frames.to_le_bytes());
        put(&mut out, &mut at, &self.default_mode_hns.to_le_bytes());
        out
    }
}

fn put(out: &mut [u8], at: &mut usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(*at..*at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
    *at += bytes.len();
}

/// Longest friendly name in UTF-16 units, with its NUL.
pub const NAME_UTF16_MAX: usize = crate::config::NAME_MAX_UNITS + 1;

/// An endpoint pair's friendly name as the `DEVPROP_TYPE_STRING` value Windows reads: UTF-16,
/// NUL-terminated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FriendlyName {
    units: [u16; NAME_UTF16_MAX],
    len: usize,
}

impl FriendlyName {
    /// Encodes `name` (a configured name: at most [`crate::config::NAME_MAX_UNITS`] units).
    pub fn new(name: &str) -> FriendlyName {
        let mut units = [0u16; NAME_UTF16_MAX];
        let mut len = 0;
        for (slot, unit) in units
            .iter_mut()
            .take(NAME_UTF16_MAX - 1)
            .zip(name.encode_utf16())
        {
            *slot = unit;
            len += 1;
        }
        FriendlyName { units, len }
    }

    /// The UTF-16 units without the NUL.
    pub fn units(&self) -> &[u16] {
        self.units.get(..self.len).unwrap_or(&[])
    }

    /// The UTF-16 units with the NUL (what IoSetDeviceInterfacePropertyData is given).
    pub fn units_with_nul(&self) -> &[u16] {
        self.units.get(..=self.len).unwrap_or(&[])
    }
}

/// One device-interface property a driver sets (IoSetDeviceInterfacePropertyData) on an
/// endpoint's interface before enabling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterfaceProperty<'a> {
    /// The DEVPROPKEY's format id and property id.
    pub key: Guid,
    pub pid: u32,
    /// `DEVPROP_TYPE_*`.
    pub devprop_type: u32,
    /// The value as Windows stores it.
    pub bytes: &'a [u8],
}

/// Everything a driver publishes about endpoint pair `index` before enabling it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointFacts {
    /// The configured name of this pair (`CableName`, numbered).
    pub name: NameString,
    pub constraints: PacketConstraints,
    name_bytes: [u8; NAME_UTF16_MAX * 2],
    name_len: usize,
    constraint_bytes: [u8; PACKET_CONSTRAINTS_BYTES],
}

impl EndpointFacts {
    /// The facts of pair `index` (0-based) of `config`; `None` past the configured count.
    pub fn new(config: &DeviceConfig, index: u8) -> Option<EndpointFacts> {
        let name = config.cable_name(index)?;
        let constraints = PacketConstraints::for_config(config);
        let utf16 = FriendlyName::new(&name);
        let mut name_bytes = [0u8; NAME_UTF16_MAX * 2];
        let mut name_len = 0;
        for (dst, unit) in name_bytes
            .chunks_exact_mut(2)
            .zip(utf16.units_with_nul().iter())
        {
            dst.copy_from_slice(&unit.to_le_bytes());
            name_len += 2;
        }
        Some(EndpointFacts {
            name,
            constraints,
            name_bytes,
            name_len,
            constraint_bytes: constraints.to_bytes(),
        })
    }

    /// The friendly name as Windows stores it.
    pub fn friendly_name(&self) -> FriendlyName {
        FriendlyName::new(&self.name)
    }

    /// The interface properties both drivers set, in this order: the friendly name
    /// (`DEVPKEY_DeviceInterface_FriendlyName`, on every interface of the pair) and the packet
    /// constraints (`DEVPKEY_KsAudio_PacketSize_Constraints2`, on the streaming interface).
    pub fn properties(&self) -> [InterfaceProperty<'_>; 2] {
        [
            InterfaceProperty {
                key: DEVPKEY_DEVICEINTERFACE_FRIENDLYNAME,
                pid: INTERFACE_FRIENDLY_NAME_PID,
                devprop_type: DEVPROP_TYPE_STRING,
                bytes: self.name_bytes.get(..self.name_len).unwrap_or(&[]),
            },
            InterfaceProperty {
                key: DEVPKEY_KSAUDIO_PACKETSIZE_CONSTRAINTS2,
                pid: PACKET_SIZE_CONSTRAINTS2_PID,
                devprop_type: DEVPROP_TYPE_BINARY,
                bytes: &self.constraint_bytes,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_text;

    #[test]
    fn period_3000_us_becomes_30000_hns_and_144_frames_at_48k() {
        let config = parse_text("PeriodUs = 3000", &mut |w| panic!("{w}"));
        let c = PacketConstraints::for_config(&config);
        assert_eq!(c.min_packet_period_hns, 30_000);
        assert_eq!(c.default_mode_frames, 144);
        let b = c.to_bytes();
        // Hand-assembled: 30000 = 0x7530.
        assert_eq!(&b[0..4], &[0x30, 0x75, 0, 0]);
        assert_eq!(&b[4..12], &[0; 8]);
        assert_eq!(&b[12..16], &[1, 0, 0, 0]);
        // GUID C18E2F7E-933D-4965-B7D1-1EEF228D2AF3 in its in-memory (mixed-endian) layout.
        assert_eq!(
            &b[16..32],
            &[
                0x7e, 0x2f, 0x8e, 0xc1, 0x3d, 0x93, 0x65, 0x49, 0xb7, 0xd1, 0x1e, 0xef, 0x22, 0x8d,
                0x2a, 0xf3
            ]
        );
        assert_eq!(&b[32..36], &[144, 0, 0, 0]);
        assert_eq!(&b[36..40], &[0x30, 0x75, 0, 0]);
    }

    /// The longest name the configuration accepts (31 UTF-16 units, see `NAME_MAX_UNITS`)
    /// reaches Windows whole, NUL-terminated: 32 units.
    #[test]
    fn a_name_of_the_longest_accepted_length_is_kept_whole_with_its_nul() {
        let longest = "Studio Bus 1234567890 abcdefghi";
        assert_eq!(longest.encode_utf16().count(), 31);
        let n = FriendlyName::new(longest);
        assert_eq!(std::string::String::from_utf16(n.units()).unwrap(), longest);
        assert_eq!(n.units_with_nul().len(), 32);
        assert_eq!(n.units_with_nul()[31], 0);
    }

    #[test]
    fn the_default_period_is_10_ms() {
        let c = PacketConstraints::for_config(&DeviceConfig::default());
        assert_eq!(
            (c.min_packet_period_hns, c.default_mode_frames),
            (100_000, 480)
        );
    }

    #[test]
    fn custom_names_are_numbered_and_encoded_as_nul_terminated_utf16() {
        let config = parse_text("Cables = 2\nCableName = \"Kabel für {n}\"", &mut |w| {
            panic!("{w}")
        });
        let f = EndpointFacts::new(&config, 1).unwrap();
        assert_eq!(f.name.as_str(), "Kabel für 2");
        let expected: std::vec::Vec<u16> = "Kabel für 2\0".encode_utf16().collect();
        assert_eq!(f.friendly_name().units_with_nul(), &expected[..]);
        assert!(EndpointFacts::new(&config, 2).is_none());
        let [name, constraints] = f.properties();
        let name_le: std::vec::Vec<u8> = expected.iter().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(name.bytes, &name_le[..]);
        assert_eq!((name.devprop_type, name.pid), (0x12, 2));
        assert_eq!(constraints.bytes.len(), 40);
        assert_eq!((constraints.devprop_type, constraints.pid), (0x1003, 2));
    }
}
