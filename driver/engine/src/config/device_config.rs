//! The validated [`DeviceConfig`] and its accessors: what the drivers and the simulator read
//! once a configuration has been built.
//!
//! Depends on [`super::keys`] and [`super::values`]; the builder (which sets its fields) and
//! the text form (which writes them) build on it.

use crate::format::range::{RateSet, SampleTypeSet};
use crate::format::{Channels, Format, SampleRate, SampleType};

use super::keys::KeyId;
use super::values::{NUMBER_TOKEN, NameString, find_token};

/// The rates offered by default: 48 kHz only. Both sides of a cable must run at one rate (the
/// cable does not resample), so offering one rate by default means Windows can never open
/// them apart.
pub const DEFAULT_RATES: RateSet = match RateSet::EMPTY.with(48_000) {
    Some(set) => set,
    None => RateSet::EMPTY,
};

/// A complete, validated device configuration. Only [`Default`] and
/// [`ConfigBuilder`](super::ConfigBuilder) make one, so every field is in range and the fields
/// agree with each other. (The fields are visible to the `config` modules only: the builder
/// sets them, the text form writes them.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    pub(super) cables: u8,
    pub(super) channels: Channels,
    pub(super) rates: RateSet,
    pub(super) default_rate: SampleRate,
    pub(super) sample_types: SampleTypeSet,
    pub(super) period_us: u32,
    pub(super) cable_name: NameString,
    pub(super) tone_hz: u32,
    pub(super) device_kind: DeviceKind,
}

/// What each endpoint pair of the device is (the `DeviceKind` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DeviceKind {
    /// A render endpoint looped back to a capture endpoint.
    #[default]
    Cable,
    /// A capture endpoint recording a steady sine of `ToneHz`.
    Tone,
    /// A render endpoint that plays into nothing.
    Null,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 3] = [DeviceKind::Cable, DeviceKind::Tone, DeviceKind::Null];

    /// The configuration value naming this kind.
    pub const fn name(self) -> &'static str {
        match self {
            DeviceKind::Cable => "cable",
            DeviceKind::Tone => "tone",
            DeviceKind::Null => "null",
        }
    }

    /// The kind called `name` (ASCII case-insensitive, surrounding blanks ignored).
    pub fn from_name(name: &str) -> Option<DeviceKind> {
        let name = name.trim();
        DeviceKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Whether the kind has a pin in `direction`.
    pub const fn has_pin(self, direction: crate::stream::Direction) -> bool {
        match self {
            DeviceKind::Cable => true,
            DeviceKind::Tone => matches!(direction, crate::stream::Direction::Capture),
            DeviceKind::Null => matches!(direction, crate::stream::Direction::Render),
        }
    }
}

impl Default for DeviceConfig {
    fn default() -> Self {
        let mut cable_name = NameString::new();
        // Cannot fail: the default is 17 bytes; a failure would only leave the name empty,
        // which the table test would catch.
        let _ = cable_name.push_str(KeyId::CableName.spec().default);
        DeviceConfig {
            cables: 1,
            channels: Channels::STEREO,
            rates: DEFAULT_RATES,
            // The engine's default format and the configuration agree on 48 kHz.
            default_rate: Format::DEFAULT.rate(),
            sample_types: SampleTypeSet::ALL,
            period_us: 10_000,
            cable_name,
            tone_hz: 440,
            device_kind: DeviceKind::Cable,
        }
    }
}

impl DeviceConfig {
    /// Number of loopback cables, 1 to 8.
    pub const fn cables(&self) -> u8 {
        self.cables
    }

    /// Channel count of the endpoints' formats.
    pub const fn channels(&self) -> Channels {
        self.channels
    }

    /// What every pin of a configured device offers: the configured sample types, channel
    /// count and rates, with the default format preferred. Both adapters publish exactly this.
    pub fn pin_capabilities(
        &self,
    ) -> Result<crate::format::range::PinCapabilities, crate::format::FormatError> {
        crate::format::range::PinCapabilities::new(
            self.sample_types,
            self.channels,
            self.rates,
            self.default_format(),
        )
    }

    /// Sample rates the endpoints offer (never empty; always holds [`Self::default_rate`]).
    pub const fn rates(&self) -> RateSet {
        self.rates
    }

    /// Rate of the default format.
    pub const fn default_rate(&self) -> SampleRate {
        self.default_rate
    }

    /// Sample types the endpoints offer (never empty).
    pub const fn sample_types(&self) -> SampleTypeSet {
        self.sample_types
    }

    /// Device period in microseconds, 1 000 to 100 000.
    pub const fn period_us(&self) -> u32 {
        self.period_us
    }

    /// The period in whole frames at `rate`, rounded down. At least 8 (1 ms at 8 kHz, the
    /// engine's smallest packet) and at most 38 400 (100 ms at 384 kHz), so two packets of
    /// the widest format (64-byte frames) stay under 5 MB.
    pub fn period_frames(&self, rate: SampleRate) -> u32 {
        let frames = u64::from(self.period_us) * u64::from(rate.hz()) / 1_000_000;
        // Cannot saturate: at most 100 000 × 384 000 / 10^6 = 38 400.
        u32::try_from(frames).unwrap_or(u32::MAX)
    }

    /// Frequency of the tone source in Hz; below half of every offered rate.
    pub const fn tone_hz(&self) -> u32 {
        self.tone_hz
    }

    /// What each endpoint pair is.
    pub const fn device_kind(&self) -> DeviceKind {
        self.device_kind
    }

    /// The default (shared-mode) format: the configured channels, the default rate and the
    /// preferred offered sample type.
    pub fn default_format(&self) -> Format {
        let sample = self.sample_types.preferred().unwrap_or(SampleType::Float32);
        Format::new(sample, self.channels, self.default_rate)
    }

    /// The name template as configured (with `{n}` if it has one).
    pub fn cable_name_template(&self) -> &str {
        &self.cable_name
    }

    /// The friendly name of cable `index` (0-based; the number shown is `index + 1`), or
    /// `None` if there is no such cable.
    pub fn cable_name(&self, index: u8) -> Option<NameString> {
        if index >= self.cables {
            return None;
        }
        let digit = char::from_digit(u32::from(index) + 1, 10)?;
        let mut out = NameString::new();
        let template = self.cable_name.as_str();
        let mut rest = template;
        let mut numbered = false;
        while let Some(at) = find_token(rest) {
            let (before, after) = rest.split_at(at);
            out.push_str(before).ok()?;
            out.push(digit).ok()?;
            rest = after.get(NUMBER_TOKEN.len()..)?;
            numbered = true;
        }
        out.push_str(rest).ok()?;
        if !numbered && self.cables > 1 {
            out.push(' ').ok()?;
            out.push(digit).ok()?;
        }
        Some(out)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::keys::{PERIOD_US_MAX, PERIOD_US_MIN, TONE_HZ_MAX, TONE_HZ_MIN};
    use crate::config::values::NAME_MAX_UNITS;
    use crate::config::values::{check_name, is_bad_name_char};
    use std::vec::Vec as StdVec;

    pub(crate) fn hz_list(set: RateSet) -> StdVec<u32> {
        set.iter().map(SampleRate::hz).collect()
    }

    /// Everything a `DeviceConfig` promises; `finished` adds the cross-field promises.
    pub(crate) fn check_invariants(c: &DeviceConfig, finished: bool) {
        assert!((1..=8).contains(&c.cables()), "cables {}", c.cables());
        assert!((1..=16).contains(&c.channels().get()));
        assert!(!c.rates().is_empty());
        // Every set bit is a standard rate: counting bits and iterating rates agree.
        assert_eq!(
            c.rates().iter().count(),
            c.rates().len() as usize,
            "rate bits beyond STANDARD"
        );
        assert!(SampleRate::STANDARD.contains(&c.default_rate().hz()));
        assert!(!c.sample_types().is_empty());
        assert_eq!(
            c.sample_types().iter().count(),
            c.sample_types().len() as usize
        );
        assert!((PERIOD_US_MIN..=PERIOD_US_MAX).contains(&c.period_us()));
        assert!((TONE_HZ_MIN..=TONE_HZ_MAX).contains(&c.tone_hz()));
        assert_eq!(
            check_name(c.cable_name_template()).as_deref(),
            Ok(c.cable_name_template())
        );
        for i in 0..c.cables() {
            let name = c.cable_name(i).expect("every cable has a name");
            assert!(!name.is_empty());
            assert!(name.encode_utf16().count() <= NAME_MAX_UNITS, "{name}");
            assert!(!name.chars().any(is_bad_name_char), "{name}");
        }
        assert_eq!(c.cable_name(c.cables()), None);
        if finished {
            assert!(c.rates().contains(c.default_rate()));
            let lowest = c.rates().lowest().unwrap().hz();
            assert!(c.tone_hz() * 2 < lowest);
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let d = DeviceConfig::default();
        assert_eq!(d.cables(), 1);
        assert_eq!(d.channels(), Channels::STEREO);
        assert_eq!(hz_list(d.rates()), [48_000]);
        assert_eq!(d.default_rate().hz(), 48_000);
        assert_eq!(d.sample_types().len(), 5);
        assert_eq!(d.period_us(), 10_000);
        assert_eq!(d.cable_name(0).as_deref(), Some("Cadenza Cable 1"));
        assert_eq!(d.tone_hz(), 440);
        assert_eq!(d.default_format(), Format::DEFAULT);
        check_invariants(&d, true);
    }
}
