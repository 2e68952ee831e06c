//! The circuit model: what the driver publishes to ACX, derived from the configuration.
//!
//! Per cable there is a render circuit (AcxCircuitTypeRender) and a capture circuit
//! (AcxCircuitTypeCapture). Each has:
//! - a **host pin** (the streaming pin the audio engine connects to; KSCATEGORY_AUDIO, pin
//!   communication Sink; type Sink for render, Source for capture) carrying the data-format
//!   list;
//! - a **bridge pin** (communication None; KSNODETYPE_SPEAKER / KSNODETYPE_MICROPHONE) with one
//!   jack;
//! - a **volume** element (one channel per configured channel, range and stepping from the
//!   engine's [`Gain`](cadenza_engine::gain::Gain)) and a **mute** element (a master mute).
//!
//! The format list is every offered sample type at every offered rate with the configured
//! channel count, the configuration's default format first (ACX and the audio engine take the
//! first format of a list as its default). Stream creation accepts exactly what the pin's
//! [`PinCapabilities`] admit.

use alloc::vec::Vec;

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::format::range::PinCapabilities;
use cadenza_engine::format::{Format, SampleRate, SampleType};
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;

use crate::elements::{MUTE_CHANNELS, VolumeRange};
use crate::names::{self, MAX_CABLES};

/// The most formats one pin lists: every sample type at every standard rate.
pub const MAX_FORMATS: usize = SampleType::ALL.len() * SampleRate::STANDARD.len();

/// The most circuits a device has.
pub const MAX_CIRCUITS: usize = 2 * MAX_CABLES as usize;

// Tables sized by these hold everything a configuration can make: a render and a capture
// circuit per cable, and every sample type at every standard rate on a pin.
const _: () = assert!(MAX_CIRCUITS >= MAX_CABLES as usize + MAX_CABLES as usize);
const _: () = {
    let mut needed = 0;
    let mut t = 0;
    while t < SampleType::ALL.len() {
        needed += SampleRate::STANDARD.len();
        t += 1;
    }
    assert!(MAX_FORMATS >= needed);
};

/// A circuit: one direction of one cable. Only [`CircuitId::new`] makes one, so the cable is
/// always below [`MAX_CABLES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitId {
    cable: u8,
    direction: Direction,
}

impl CircuitId {
    /// The circuit of 0-based cable `cable` in `direction`, if the INF can name it.
    pub const fn new(cable: u8, direction: Direction) -> Option<CircuitId> {
        if cable < MAX_CABLES {
            Some(CircuitId { cable, direction })
        } else {
            None
        }
    }
    pub const fn cable(self) -> u8 {
        self.cable
    }
    pub const fn direction(self) -> Direction {
        self.direction
    }
    /// The circuit name (= the INF's interface reference string).
    pub fn name(self) -> &'static str {
        // `new` keeps the cable inside the table; the fallback is unreachable.
        names::circuit_name(self.cable, self.direction).unwrap_or("")
    }
    /// A dense index 0..[`MAX_CIRCUITS`] (render, capture of cable 0, then cable 1...).
    pub const fn index(self) -> usize {
        let d = match self.direction {
            Direction::Render => 0,
            Direction::Capture => 1,
        };
        self.cable as usize * 2 + d
    }
}

/// What a host pin does in the circuit (ACX_PIN_TYPE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinType {
    /// Data flows into the circuit through the pin (AcxPinTypeSink).
    Sink,
    /// Data flows out of the circuit through the pin (AcxPinTypeSource).
    Source,
}

/// A pin's KS communication (ACX_PIN_COMMUNICATION).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinCommunication {
    /// The audio engine connects to it (AcxPinCommunicationSink).
    Sink,
    /// A bridge pin: nothing connects (AcxPinCommunicationNone).
    None,
}

/// A pin's category GUID, by name (the edge maps it to the KS GUID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinCategory {
    /// KSCATEGORY_AUDIO.
    Audio,
    /// KSNODETYPE_SPEAKER.
    Speaker,
    /// KSNODETYPE_MICROPHONE.
    Microphone,
}

/// KSJACK_DESCRIPTION of the bridge pin's jack, in the terms ACX_JACK_CONFIG uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JackDescription {
    /// Speaker positions carried (the default channel mask for the configured channels).
    pub channel_mapping: u32,
    /// 0x00RRGGBB; black for a virtual device.
    pub color: u32,
    /// A virtual cable is part of the device: AcxPortConnIntegratedDevice,
    /// AcxConnTypeUnknown (connection type), AcxGeoLocNotApplicable, AcxGenLocInternal.
    pub integrated: bool,
    /// The cable is always "plugged in".
    pub connected: bool,
}

/// One pin of a circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinModel {
    pub pin_type: PinType,
    pub communication: PinCommunication,
    pub category: PinCategory,
    /// The bridge pin's jack.
    pub jack: Option<JackDescription>,
    /// How many streams may be open on the pin at once (ACX_PIN_CONFIG.MaxStreams): one on a
    /// host pin — a cable side carries one stream, as PortCls's host pin has one instance —
    /// none on a bridge pin.
    pub max_streams: u32,
}

/// A volume element (KSNODETYPE_VOLUME).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeModel {
    pub channels: u32,
    pub range: VolumeRange,
}

/// A mute element (KSNODETYPE_MUTE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MuteModel {
    pub channels: u32,
}

/// Everything the driver publishes for one circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitModel {
    pub id: CircuitId,
    pub host_pin: PinModel,
    pub bridge_pin: PinModel,
    pub volume: VolumeModel,
    pub mute: MuteModel,
    /// The host pin's formats, default first (at most [`MAX_FORMATS`]). On the heap, like the
    /// circuits: inline they made every circuit over a kilobyte, and building the model a frame
    /// over a page in debug builds.
    pub formats: Vec<Format>,
    /// What the host pin can stream (stream creation checks formats against it).
    pub capabilities: PinCapabilities,
}

impl CircuitModel {
    /// Checks a stream's format against the host pin: STATUS_NO_MATCH if outside it.
    pub fn accepts(&self, format: &Format) -> Result<(), NtStatus> {
        self.capabilities.supports(format).map_err(NtStatus::from)
    }

    /// The default format (first in the list).
    pub fn default_format(&self) -> Option<&Format> {
        self.formats.first()
    }
}

/// The circuits of a device, in [`CircuitId::index`] order.
///
/// The circuits live on the heap: [`MAX_CIRCUITS`] of them inline would make the model about
/// 11 KB, and every function that built, returned or moved it (EvtDeviceAdd's through
/// [`AcxDevice`](crate::AcxDevice)) a frame of that size — over a page, so a `__chkstk` probe,
/// on a 12–24 KiB kernel stack (tools/stack-check.sh).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceModel {
    circuits: Vec<CircuitModel>,
    cables: u8,
}

impl DeviceModel {
    /// The model for `config`: per configured endpoint pair, a circuit for each direction its
    /// `DeviceKind` has (render and capture for a cable, capture for a tone source, render for
    /// a null sink), so Windows shows exactly the endpoints that work.
    pub fn from_config(config: &DeviceConfig) -> Result<DeviceModel, NtStatus> {
        let channels = config.channels();
        let default = config.default_format();
        let capabilities = config.pin_capabilities()?;
        let formats = format_list(config, default)?;
        let jack = JackDescription {
            channel_mapping: default.channel_mask().bits(),
            color: 0,
            integrated: true,
            connected: true,
        };
        let cables = config.cables().min(MAX_CABLES);
        let mut circuits = Vec::new();
        // Reserved up front, so the pushes below never reallocate and an allocation failure
        // is a status, not an abort.
        circuits
            .try_reserve_exact(2 * usize::from(cables))
            .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
        let kind = config.device_kind();
        for cable in 0..cables {
            for direction in [Direction::Render, Direction::Capture] {
                if !kind.has_pin(direction) {
                    continue;
                }
                let id = CircuitId::new(cable, direction).ok_or(NtStatus::INVALID_PARAMETER)?;
                let (host_type, bridge_type, bridge_category) = match direction {
                    Direction::Render => (PinType::Sink, PinType::Source, PinCategory::Speaker),
                    Direction::Capture => (PinType::Source, PinType::Sink, PinCategory::Microphone),
                };
                let model = CircuitModel {
                    id,
                    host_pin: PinModel {
                        pin_type: host_type,
                        communication: PinCommunication::Sink,
                        category: PinCategory::Audio,
                        jack: None,
                        max_streams: 1,
                    },
                    bridge_pin: PinModel {
                        pin_type: bridge_type,
                        communication: PinCommunication::None,
                        category: bridge_category,
                        jack: Some(jack),
                        max_streams: 0,
                    },
                    volume: VolumeModel {
                        channels: u32::from(channels.get()),
                        range: VolumeRange::PUBLISHED,
                    },
                    mute: MuteModel {
                        channels: MUTE_CHANNELS,
                    },
                    formats: try_clone(&formats)?,
                    capabilities,
                };
                circuits.push(model);
            }
        }
        Ok(DeviceModel { circuits, cables })
    }

    pub fn circuits(&self) -> &[CircuitModel] {
        &self.circuits
    }

    pub fn circuit(&self, id: CircuitId) -> Option<&CircuitModel> {
        self.circuits.iter().find(|c| c.id == id)
    }

    /// Endpoint pairs in the model.
    pub fn cables(&self) -> u8 {
        self.cables
    }
}

/// The host pin's format list: the default, then every other offered combination.
fn format_list(config: &DeviceConfig, default: Format) -> Result<Vec<Format>, NtStatus> {
    let mut list = Vec::new();
    // Reserved once; `push` then never reallocates (and never aborts).
    list.try_reserve_exact(MAX_FORMATS)
        .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
    list.push(default);
    for sample in config.sample_types().iter() {
        for rate in config.rates().iter() {
            let f = Format::new(sample, config.channels(), rate);
            if f != default {
                if list.len() == MAX_FORMATS {
                    return Err(NtStatus::INSUFFICIENT_RESOURCES);
                }
                list.push(f);
            }
        }
    }
    Ok(list)
}

/// A copy of `formats`; an allocation failure is a status, not an abort.
fn try_clone(formats: &[Format]) -> Result<Vec<Format>, NtStatus> {
    let mut copy = Vec::new();
    copy.try_reserve_exact(formats.len())
        .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
    copy.extend_from_slice(formats);
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::config::parse_text;
    use cadenza_engine::format::Channels;

    fn config(text: &str) -> DeviceConfig {
        parse_text(text, &mut |w| panic!("config warning: {w}"))
    }

    #[test]
    fn default_config_makes_one_cable_with_render_and_capture() {
        let m = DeviceModel::from_config(&DeviceConfig::default()).unwrap();
        assert_eq!(m.cables(), 1);
        let names: std::vec::Vec<_> = m.circuits().iter().map(|c| c.id.name()).collect();
        assert_eq!(names, ["CadenzaRender1", "CadenzaCapture1"]);
        let r = &m.circuits()[0];
        assert_eq!(r.host_pin.pin_type, PinType::Sink);
        assert_eq!(r.host_pin.communication, PinCommunication::Sink);
        assert_eq!(r.bridge_pin.category, PinCategory::Speaker);
        assert_eq!(r.bridge_pin.jack.map(|j| j.channel_mapping), Some(0x3));
        let c = &m.circuits()[1];
        assert_eq!(c.host_pin.pin_type, PinType::Source);
        assert_eq!(c.bridge_pin.pin_type, PinType::Sink);
        assert_eq!(c.bridge_pin.category, PinCategory::Microphone);
        assert_eq!(r.volume.channels, 2);
        assert_eq!(r.volume.range.minimum, -96 << 16);
        assert_eq!(r.volume.range.maximum, 0);
        assert_eq!(r.volume.range.stepping, 1 << 15);
        assert_eq!(r.mute.channels, 1);
    }

    /// Promise: the largest configuration — all five sample types at all ten standard rates —
    /// gives each host pin all 50 formats (5 × 10, counted here by hand), default first.
    #[test]
    fn every_sample_type_at_every_standard_rate_is_offered() {
        let cfg = config(
            "SampleRates = 8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000, \
             384000\nSampleTypes = float32, int32, int24in32, int24, int16\n",
        );
        let m = DeviceModel::from_config(&cfg).unwrap();
        for c in m.circuits() {
            assert_eq!(c.formats.len(), 50, "{}", c.id.name());
            assert_eq!(c.default_format(), c.formats.first());
            let mut unique = c.formats.clone();
            unique.sort_by_key(|f| {
                (
                    f.rate().hz(),
                    f.sample().container_bytes(),
                    f.sample().valid_bits(),
                )
            });
            unique.dedup();
            assert_eq!(unique.len(), 50, "no format twice");
        }
    }

    #[test]
    fn formats_list_the_default_first_and_every_offered_combination_once() {
        let cfg = config(
            "Cables = 3\nChannels = 6\nSampleRates = 44100, 48000, 96000\nSampleTypes = int16, float32\n",
        );
        let m = DeviceModel::from_config(&cfg).unwrap();
        assert_eq!(m.circuits().len(), 6);
        for c in m.circuits() {
            assert_eq!(c.default_format(), Some(&cfg.default_format()));
            assert_eq!(c.formats.len(), 6);
            let mut seen = std::collections::BTreeSet::new();
            for f in &c.formats {
                assert!(seen.insert(format!("{f:?}")), "{f:?} listed twice");
                assert_eq!(f.channels().get(), 6);
                assert!(c.accepts(f).is_ok());
            }
        }
        assert_eq!(
            m.circuit(CircuitId::new(2, Direction::Capture).unwrap())
                .map(|c| c.id.name()),
            Some("CadenzaCapture3")
        );
        assert!(
            m.circuit(CircuitId::new(3, Direction::Render).unwrap())
                .is_none()
        );
    }

    #[test]
    fn formats_outside_the_pin_are_no_match() {
        let cfg = config("SampleRates = 48000\nSampleTypes = float32\nChannels = 2\n");
        let m = DeviceModel::from_config(&cfg).unwrap();
        let c = &m.circuits()[0];
        let rate = |hz| SampleRate::new(hz).unwrap();
        let bad = [
            Format::new(SampleType::Int16, Channels::STEREO, rate(48_000)),
            Format::new(SampleType::Float32, Channels::STEREO, rate(44_100)),
            Format::new(SampleType::Float32, Channels::new(3).unwrap(), rate(48_000)),
        ];
        for f in bad {
            assert_eq!(c.accepts(&f), Err(NtStatus::NO_MATCH), "{f:?}");
        }
        assert!(
            c.accepts(&Format::new(
                SampleType::Float32,
                Channels::MONO,
                rate(48_000)
            ))
            .is_ok()
        );
    }

    #[test]
    fn circuit_ids_stop_at_the_inf_table() {
        assert!(CircuitId::new(7, Direction::Capture).is_some());
        assert!(CircuitId::new(8, Direction::Render).is_none());
        assert_eq!(CircuitId::new(7, Direction::Capture).unwrap().index(), 15);
    }
}
