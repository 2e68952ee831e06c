//! Audio structures and property ids (mmreg.h, ksmedia.h).
//!
//! WAVEFORMATEX and everything that embeds it is byte-packed in the Windows headers, so those
//! structs are `#[repr(C, packed)]`: read their fields by value (`{ f.n_channels }`), never by
//! reference.

use core::ffi::c_void;

use crate::ks::{KsDataFormat, KsDataRange, KsProperty};

/// `WAVEFORMATEX`: 18 bytes, byte-packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C, packed)]
pub struct WaveFormatEx {
    pub w_format_tag: u16,
    pub n_channels: u16,
    pub n_samples_per_sec: u32,
    pub n_avg_bytes_per_sec: u32,
    pub n_block_align: u16,
    pub w_bits_per_sample: u16,
    /// Bytes of format-specific data that follow (22 for WAVEFORMATEXTENSIBLE).
    pub cb_size: u16,
}

/// `WAVEFORMATEXTENSIBLE`: 40 bytes, byte-packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C, packed)]
pub struct WaveFormatExtensible {
    pub format: WaveFormatEx,
    /// The C `Samples` union: `wValidBitsPerSample`, `wSamplesPerBlock` or `wReserved`, all one
    /// 16-bit word. For PCM and float it is the number of valid bits.
    pub samples: u16,
    pub dw_channel_mask: u32,
    pub sub_format: cadenza_engine::Guid,
}

/// `KSDATAFORMAT_WAVEFORMATEX`: byte-packed in ksmedia.h, so 82 bytes with alignment 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C, packed)]
pub struct KsDataFormatWaveFormatEx {
    pub data_format: KsDataFormat,
    pub wave_format_ex: WaveFormatEx,
}

/// `KSDATAFORMAT_WAVEFORMATEXTENSIBLE`: not packed (kmixer.h), so 104 bytes, 8-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsDataFormatWaveFormatExtensible {
    pub data_format: KsDataFormat,
    pub wave_format_ext: WaveFormatExtensible,
}

/// `KSDATARANGE_AUDIO`: what one pin accepts: channels, bits and rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsDataRangeAudio {
    pub data_range: KsDataRange,
    pub maximum_channels: u32,
    pub minimum_bits_per_sample: u32,
    pub maximum_bits_per_sample: u32,
    pub minimum_sample_frequency: u32,
    pub maximum_sample_frequency: u32,
}

/// `KSAUDIO_POSITION`: byte offsets into the cyclic buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsAudioPosition {
    pub play_offset: u64,
    pub write_offset: u64,
}

/// `KSAUDIO_PRESENTATION_POSITION` (`u64PositionInBlock`, `u64QPCPosition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsAudioPresentationPosition {
    /// Frames presented so far, in the block (buffer) position domain.
    pub position_in_block: u64,
    /// The performance-counter time at which that position was presented.
    pub qpc_position: u64,
}

/// `KSRTAUDIO_HWLATENCY`: the latency of the hardware path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsRtAudioHwLatency {
    /// Bytes of hardware FIFO.
    pub fifo_size: u32,
    /// Bus delay, in 100 ns units.
    pub chipset_delay: u32,
    /// Codec delay, in 100 ns units.
    pub codec_delay: u32,
}

/// `KSRTAUDIO_HWREGISTER`: a mapped position or clock register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct KsRtAudioHwRegister {
    pub register: *mut c_void,
    /// 32 or 64.
    pub width: u32,
    pub numerator: u64,
    pub denominator: u64,
    pub accuracy: u32,
}

/// `EPcxConnectionType` (a C enum): the physical connector of a jack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct ConnectionType(pub i32);

impl ConnectionType {
    pub const UNKNOWN: Self = Self(0);
    pub const JACK_3_5MM: Self = Self(1);
    pub const QUARTER: Self = Self(2);
    pub const ATAPI_INTERNAL: Self = Self(3);
    pub const RCA: Self = Self(4);
    pub const OPTICAL: Self = Self(5);
    pub const OTHER_DIGITAL: Self = Self(6);
    pub const OTHER_ANALOG: Self = Self(7);
}

/// `EPcxGeoLocation` (a C enum): where on the chassis a jack is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct GeoLocation(pub i32);

impl GeoLocation {
    pub const REAR: Self = Self(1);
    pub const FRONT: Self = Self(2);
    pub const LEFT: Self = Self(3);
    pub const RIGHT: Self = Self(4);
    pub const TOP: Self = Self(5);
    pub const BOTTOM: Self = Self(6);
}

/// `EPcxGenLocation` (a C enum): which part of the system a jack belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct GenLocation(pub i32);

impl GenLocation {
    pub const PRIMARY_BOX: Self = Self(0);
    pub const INTERNAL: Self = Self(1);
    pub const SEPARATE: Self = Self(2);
    pub const OTHER: Self = Self(3);
}

/// `EPxcPortConnection` (a C enum; the misspelling is the header's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct PortConnection(pub i32);

impl PortConnection {
    pub const JACK: Self = Self(0);
    pub const INTEGRATED_DEVICE: Self = Self(1);
    pub const BOTH_INTEGRATED_AND_JACK: Self = Self(2);
    pub const UNKNOWN: Self = Self(3);
}

/// `KSJACK_DESCRIPTION`: the answer to KSPROPERTY_JACK_DESCRIPTION (one per channel group).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct KsJackDescription {
    /// The channel mask the jack carries.
    pub channel_mapping: u32,
    /// `COLORREF` (0x00BBGGRR).
    pub color: u32,
    pub connection_type: ConnectionType,
    pub geo_location: GeoLocation,
    pub gen_location: GenLocation,
    pub port_connection: PortConnection,
    /// `BOOL`: non-zero when something is plugged in.
    pub is_connected: i32,
}

/// `KSJACK_DESCRIPTION2`: the answer to KSPROPERTY_JACK_DESCRIPTION2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct KsJackDescription2 {
    /// Device state; 0 when the device is active.
    pub device_state_info: u32,
    /// `JACKDESC2_*` capability flags.
    pub jack_capabilities: u32,
}

/// `KSNODEPROPERTY`: a property request addressed to a topology node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsNodeProperty {
    pub property: KsProperty,
    pub node_id: u32,
    pub reserved: u32,
}

/// `KSNODEPROPERTY_AUDIO_CHANNEL`: a node property for one channel (-1 = all channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsNodePropertyAudioChannel {
    pub node_property: KsNodeProperty,
    pub channel: i32,
    pub reserved: u32,
}

/// `WAVE_FORMAT_PCM`, `WAVE_FORMAT_IEEE_FLOAT`, `WAVE_FORMAT_EXTENSIBLE`: the engine's format
/// parser owns these; re-exported for the miniport.
pub use cadenza_engine::format::parse::{
    WAVE_FORMAT_EXTENSIBLE, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_PCM,
};

/// `KSPROPERTY_AUDIO_LATENCY` (KSPROPSETID_Audio).
pub const KSPROPERTY_AUDIO_LATENCY: u32 = 1;
/// `KSPROPERTY_AUDIO_CHANNEL_CONFIG`.
pub const KSPROPERTY_AUDIO_CHANNEL_CONFIG: u32 = 3;
/// `KSPROPERTY_AUDIO_VOLUMELEVEL`: a LONG per channel, dB in 1/65536 steps.
pub const KSPROPERTY_AUDIO_VOLUMELEVEL: u32 = 4;
/// `KSPROPERTY_AUDIO_MUTE`: a BOOL per channel.
pub const KSPROPERTY_AUDIO_MUTE: u32 = 13;

/// `KSPROPERTY_JACK_DESCRIPTION` (KSPROPSETID_Jack).
pub const KSPROPERTY_JACK_DESCRIPTION: u32 = 1;
/// `KSPROPERTY_JACK_DESCRIPTION2`.
pub const KSPROPERTY_JACK_DESCRIPTION2: u32 = 2;
/// `KSPROPERTY_JACK_SINK_INFO`.
pub const KSPROPERTY_JACK_SINK_INFO: u32 = 3;
/// `KSPROPERTY_JACK_CONTAINERID`.
pub const KSPROPERTY_JACK_CONTAINERID: u32 = 4;

/// `JACKDESC2_PRESENCE_DETECT_CAPABILITY`.
pub const JACKDESC2_PRESENCE_DETECT_CAPABILITY: u32 = 0x0000_0001;
/// `JACKDESC2_DYNAMIC_FORMAT_CHANGE_CAPABILITY`.
pub const JACKDESC2_DYNAMIC_FORMAT_CHANGE_CAPABILITY: u32 = 0x0000_0002;

/// `KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION` (KSPROPSETID_RtAudio).
pub const KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION: u32 = 0;
/// `KSPROPERTY_RTAUDIO_BUFFER`.
pub const KSPROPERTY_RTAUDIO_BUFFER: u32 = 1;
/// `KSPROPERTY_RTAUDIO_HWLATENCY`.
pub const KSPROPERTY_RTAUDIO_HWLATENCY: u32 = 2;
/// `KSPROPERTY_RTAUDIO_POSITIONREGISTER`.
pub const KSPROPERTY_RTAUDIO_POSITIONREGISTER: u32 = 3;
/// `KSPROPERTY_RTAUDIO_CLOCKREGISTER`.
pub const KSPROPERTY_RTAUDIO_CLOCKREGISTER: u32 = 4;
/// `KSPROPERTY_RTAUDIO_BUFFER_WITH_NOTIFICATION`.
pub const KSPROPERTY_RTAUDIO_BUFFER_WITH_NOTIFICATION: u32 = 5;
/// `KSPROPERTY_RTAUDIO_REGISTER_NOTIFICATION_EVENT`.
pub const KSPROPERTY_RTAUDIO_REGISTER_NOTIFICATION_EVENT: u32 = 6;
/// `KSPROPERTY_RTAUDIO_UNREGISTER_NOTIFICATION_EVENT`.
pub const KSPROPERTY_RTAUDIO_UNREGISTER_NOTIFICATION_EVENT: u32 = 7;
/// `KSPROPERTY_RTAUDIO_QUERY_NOTIFICATION_SUPPORT`.
pub const KSPROPERTY_RTAUDIO_QUERY_NOTIFICATION_SUPPORT: u32 = 8;
/// `KSPROPERTY_RTAUDIO_PACKETCOUNT`.
pub const KSPROPERTY_RTAUDIO_PACKETCOUNT: u32 = 9;
/// `KSPROPERTY_RTAUDIO_PRESENTATION_POSITION`.
pub const KSPROPERTY_RTAUDIO_PRESENTATION_POSITION: u32 = 10;
/// `KSPROPERTY_RTAUDIO_GETREADPACKET`.
pub const KSPROPERTY_RTAUDIO_GETREADPACKET: u32 = 11;
/// `KSPROPERTY_RTAUDIO_SETWRITEPACKET`.
pub const KSPROPERTY_RTAUDIO_SETWRITEPACKET: u32 = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    #[test]
    fn packed_formats_have_header_sizes() {
        assert_eq!(
            (size_of::<WaveFormatEx>(), align_of::<WaveFormatEx>()),
            (18, 1)
        );
        assert_eq!(size_of::<WaveFormatExtensible>(), 40);
        assert_eq!(
            (
                size_of::<KsDataFormatWaveFormatEx>(),
                align_of::<KsDataFormatWaveFormatEx>()
            ),
            (82, 1)
        );
        assert_eq!(
            (
                size_of::<KsDataFormatWaveFormatExtensible>(),
                align_of::<KsDataFormatWaveFormatExtensible>()
            ),
            (104, 8)
        );
        assert_eq!(size_of::<KsDataRangeAudio>(), 88);
        assert_eq!(size_of::<KsRtAudioHwRegister>(), 40);
        assert_eq!(size_of::<KsJackDescription>(), 28);
        assert_eq!(size_of::<KsNodePropertyAudioChannel>(), 40);
    }

    #[test]
    fn engine_parser_sizes_agree_with_these_structs() {
        use cadenza_engine::format::parse as p;
        assert_eq!(p::KSDATAFORMAT_SIZE, size_of::<crate::ks::KsDataFormat>());
        assert_eq!(p::WAVEFORMATEX_SIZE, size_of::<WaveFormatEx>());
        assert_eq!(
            p::WAVEFORMATEXTENSIBLE_SIZE,
            size_of::<WaveFormatExtensible>()
        );
        assert_eq!(
            usize::from(p::WAVEFORMATEXTENSIBLE_CB_SIZE),
            size_of::<WaveFormatExtensible>() - size_of::<WaveFormatEx>()
        );
        assert_eq!(
            p::KSDATAFORMAT_WAVEFORMATEX_SIZE,
            size_of::<KsDataFormatWaveFormatEx>()
        );
        assert_eq!(
            p::KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE,
            size_of::<KsDataFormatWaveFormatExtensible>()
        );
    }
}
