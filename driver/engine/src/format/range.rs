//! Data ranges and DataRangeIntersection.
//!
//! A pin's capabilities are a product space — a set of sample types × 1..=`max_channels` × a set
//! of standard rates — with one preferred format inside it. From that this module derives the
//! KSDATARANGE_AUDIO entries a pin publishes ([`PinCapabilities::ks_audio_ranges`]) and answers a
//! client's range with one concrete format ([`PinCapabilities::intersect`]).
//!
//! # How a KSDATARANGE_AUDIO's bit range is read
//!
//! KSDATARANGE_AUDIO has one pair of bit bounds and cannot tell a container from valid bits, so
//! the engine takes the reading that never surprises a client: a sample type is inside
//! `MinimumBitsPerSample..=MaximumBitsPerSample` only when **both** its valid bits and its
//! container bits are. A client asking for 32..=32 gets Int32 or Float32, never 24 bits in a
//! 32-bit container; 24..=32 admits Int24, Int24In32 and Int32.
//!
//! # Choosing a format (documented order)
//!
//! 1. The pin's preferred format, if the client's range admits it.
//! 2. Otherwise each dimension is chosen on its own (the allowed space is a product):
//!    - sample type: the preferred one if admitted, else the first admitted in
//!      [`SampleType::ALL`] (best first);
//!    - channels: as many as the client allows up to the preferred count (a KSDATARANGE_AUDIO has
//!      only a maximum, so fewer channels than the preferred count only when the client caps
//!      them); the preferred channel mask is kept when the count is the preferred one, otherwise
//!      the conventional mask for the count;
//!    - rate: the pin rate inside the client's band nearest the preferred rate, the higher one
//!      on a tie.

use core::cmp::Reverse;

use super::parse::{
    self, KSDATAFORMAT_SIZE, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX, KSDATAFORMAT_SPECIFIER_WILDCARD,
    KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, KSDATAFORMAT_SUBTYPE_PCM, KSDATAFORMAT_SUBTYPE_WILDCARD,
    KSDATAFORMAT_TYPE_AUDIO, KSDATAFORMAT_TYPE_WILDCARD, KsHeader,
};
use super::{ChannelMask, Channels, Format, FormatError, SampleRate, SampleType};
use crate::guid::Guid;

/// sizeof(KSDATARANGE_AUDIO): the 64-byte KSDATARANGE header and five ULONGs.
pub const KSDATARANGE_AUDIO_SIZE: usize = 88;

/// KSDATARANGE.Flags bit: the range carries attributes the other side must support. The engine
/// supports no attributes, so such a range never matches.
pub const KSDATARANGE_REQUIRED_ATTRIBUTES: u32 = 1 << 2;

// Byte offsets of the KSDATARANGE_AUDIO fields after the header.
const RANGE_MAX_CHANNELS: usize = 64;
const RANGE_MIN_BITS: usize = 68;
const RANGE_MAX_BITS: usize = 72;
const RANGE_MIN_HZ: usize = 76;
const RANGE_MAX_HZ: usize = 80;

/// A set of [`SampleType`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SampleTypeSet(u8);

impl SampleTypeSet {
    pub const EMPTY: SampleTypeSet = SampleTypeSet(0);
    pub const ALL: SampleTypeSet = SampleTypeSet::of(&SampleType::ALL);

    // An explicit table rather than `as u8` on the enum, so reordering the enum cannot silently
    // change a published bit.
    const fn bit(t: SampleType) -> u8 {
        match t {
            SampleType::Int16 => 1 << 0,
            SampleType::Int24 => 1 << 1,
            SampleType::Int24In32 => 1 << 2,
            SampleType::Int32 => 1 << 3,
            SampleType::Float32 => 1 << 4,
        }
    }

    /// The set holding exactly `types`.
    pub const fn of(types: &[SampleType]) -> SampleTypeSet {
        let mut set = SampleTypeSet::EMPTY;
        let mut i = 0;
        while i < types.len() {
            set = set.with(types[i]);
            i += 1;
        }
        set
    }

    #[must_use]
    pub const fn with(self, t: SampleType) -> SampleTypeSet {
        SampleTypeSet(self.0 | Self::bit(t))
    }

    pub const fn contains(self, t: SampleType) -> bool {
        self.0 & Self::bit(t) != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, best first (the order of [`SampleType::ALL`]).
    pub fn iter(self) -> impl Iterator<Item = SampleType> {
        SampleType::ALL
            .into_iter()
            .filter(move |&t| self.contains(t))
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// The best member (the first in [`SampleType::ALL`] order); `None` only for an empty set.
    pub fn preferred(self) -> Option<SampleType> {
        self.iter().next()
    }
}

impl FromIterator<SampleType> for SampleTypeSet {
    fn from_iter<I: IntoIterator<Item = SampleType>>(iter: I) -> SampleTypeSet {
        iter.into_iter()
            .fold(SampleTypeSet::EMPTY, SampleTypeSet::with)
    }
}

/// A set of rates from [`SampleRate::STANDARD`] (bit `i` is `STANDARD[i]`). Only standard rates
/// can be offered, so a pin's rate list stays short and every rate has a published range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct RateSet(u16);

impl RateSet {
    pub const EMPTY: RateSet = RateSet(0);
    /// Every standard rate (bits 0..10).
    pub const ALL: RateSet = RateSet((1 << SampleRate::STANDARD.len()) - 1);

    const fn index(hz: u32) -> Option<u32> {
        let mut i = 0;
        while i < SampleRate::STANDARD.len() {
            if SampleRate::STANDARD[i] == hz {
                // i < 10: the cast cannot truncate.
                #[allow(clippy::cast_possible_truncation)]
                return Some(i as u32);
            }
            i += 1;
        }
        None
    }

    /// The set plus `hz`; `None` when `hz` is not a standard rate.
    #[must_use]
    pub const fn with(self, hz: u32) -> Option<RateSet> {
        match Self::index(hz) {
            Some(i) => Some(RateSet(self.0 | (1 << i))),
            None => None,
        }
    }

    /// The set holding exactly `rates`; `None` if any is not a standard rate.
    pub fn from_hz(rates: &[u32]) -> Option<RateSet> {
        rates
            .iter()
            .try_fold(RateSet::EMPTY, |set, &hz| set.with(hz))
    }

    pub const fn contains(self, rate: SampleRate) -> bool {
        match Self::index(rate.hz()) {
            Some(i) => self.0 & (1 << i) != 0,
            None => false,
        }
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// The members, lowest first.
    pub fn iter(self) -> impl Iterator<Item = SampleRate> {
        SampleRate::STANDARD
            .into_iter()
            .filter_map(|hz| SampleRate::new(hz).ok())
            .filter(move |&r| self.contains(r))
    }

    /// The lowest member; `None` only for an empty set.
    pub fn lowest(self) -> Option<SampleRate> {
        self.iter().next()
    }

    /// The member closest to `hz`, the higher one on a tie.
    pub fn nearest(self, hz: u32) -> Option<SampleRate> {
        self.iter()
            .min_by_key(|r| (r.hz().abs_diff(hz), u32::MAX - r.hz()))
    }
}

/// One KSDATARANGE_AUDIO: a SubFormat (or the wildcard) with bounds on channels, bits and rate.
/// The bounds are inclusive; see the module docs for how the bit bounds are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KsAudioRange {
    pub sub_format: Guid,
    pub max_channels: u32,
    pub min_bits: u32,
    pub max_bits: u32,
    pub min_hz: u32,
    pub max_hz: u32,
}

impl KsAudioRange {
    /// A range with no bounds, as a bare KSDATARANGE (no audio fields) means.
    pub const fn unbounded(sub_format: Guid) -> KsAudioRange {
        KsAudioRange {
            sub_format,
            max_channels: u32::MAX,
            min_bits: 0,
            max_bits: u32::MAX,
            min_hz: 0,
            max_hz: u32::MAX,
        }
    }

    /// True if the SubFormat and the bit bounds admit `t`.
    pub fn admits_sample(&self, t: SampleType) -> bool {
        let sub_ok = self.sub_format == KSDATAFORMAT_SUBTYPE_WILDCARD
            || self.sub_format == parse::sub_format_of(t);
        let bits = |b: u16| (self.min_bits..=self.max_bits).contains(&u32::from(b));
        sub_ok && bits(t.valid_bits()) && bits(t.container_bytes() * 8)
    }

    /// True if the range admits every part of `f`.
    pub fn admits(&self, f: &Format) -> bool {
        self.admits_sample(f.sample())
            && u32::from(f.channels().get()) <= self.max_channels
            && (self.min_hz..=self.max_hz).contains(&f.rate().hz())
    }

    /// Writes the range as a KSDATARANGE_AUDIO (MajorFormat audio, Specifier WAVEFORMATEX,
    /// Flags and SampleSize zero) and returns [`KSDATARANGE_AUDIO_SIZE`]; `out` too small is
    /// [`FormatError::TooShort`].
    pub fn write(&self, out: &mut [u8]) -> Result<usize, FormatError> {
        let out = out
            .get_mut(..KSDATARANGE_AUDIO_SIZE)
            .ok_or(FormatError::TooShort)?;
        out.fill(0);
        let size = u32::try_from(KSDATARANGE_AUDIO_SIZE).map_err(|_| FormatError::TooShort)?;
        parse::put(out, 0, &size.to_le_bytes())?;
        parse::put(out, 16, &KSDATAFORMAT_TYPE_AUDIO.to_bytes())?;
        parse::put(out, 32, &self.sub_format.to_bytes())?;
        parse::put(out, 48, &KSDATAFORMAT_SPECIFIER_WAVEFORMATEX.to_bytes())?;
        parse::put(out, RANGE_MAX_CHANNELS, &self.max_channels.to_le_bytes())?;
        parse::put(out, RANGE_MIN_BITS, &self.min_bits.to_le_bytes())?;
        parse::put(out, RANGE_MAX_BITS, &self.max_bits.to_le_bytes())?;
        parse::put(out, RANGE_MIN_HZ, &self.min_hz.to_le_bytes())?;
        parse::put(out, RANGE_MAX_HZ, &self.max_hz.to_le_bytes())?;
        Ok(KSDATARANGE_AUDIO_SIZE)
    }

    /// Reads the audio fields of a KSDATARANGE_AUDIO whose header is already checked.
    fn read(bytes: &[u8], sub_format: Guid) -> Result<KsAudioRange, FormatError> {
        Ok(KsAudioRange {
            sub_format,
            max_channels: parse::read_u32(bytes, RANGE_MAX_CHANNELS)?,
            min_bits: parse::read_u32(bytes, RANGE_MIN_BITS)?,
            max_bits: parse::read_u32(bytes, RANGE_MAX_BITS)?,
            min_hz: parse::read_u32(bytes, RANGE_MIN_HZ)?,
            max_hz: parse::read_u32(bytes, RANGE_MAX_HZ)?,
        })
    }
}

/// PCM sample types by depth: consecutive supported ones share one published bit band.
const PCM_BY_DEPTH: [SampleType; 4] = [
    SampleType::Int16,
    SampleType::Int24,
    SampleType::Int24In32,
    SampleType::Int32,
];

/// At most two PCM bands (runs in a list of four) and one float band.
const MAX_BANDS: usize = 3;

/// Capacity of [`PinCapabilities::ks_audio_ranges`]: one range per bit band per rate, because a
/// KSDATARANGE_AUDIO rate band is continuous and a pin offers discrete rates (a band from 44 100
/// to 48 000 would promise 45 000). 3 bands × 10 standard rates.
pub const MAX_KS_AUDIO_RANGES: usize = MAX_BANDS * SampleRate::STANDARD.len();

/// What a pin can stream, and the format it would rather stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PinCapabilities {
    sample_types: SampleTypeSet,
    max_channels: Channels,
    rates: RateSet,
    preferred: Format,
}

impl PinCapabilities {
    /// Validates the capabilities: both sets non-empty ([`FormatError::EmptyCapabilities`]) and
    /// `preferred` inside them ([`FormatError::NotInRange`]).
    pub fn new(
        sample_types: SampleTypeSet,
        max_channels: Channels,
        rates: RateSet,
        preferred: Format,
    ) -> Result<PinCapabilities, FormatError> {
        if sample_types.is_empty() || rates.is_empty() {
            return Err(FormatError::EmptyCapabilities);
        }
        let caps = PinCapabilities {
            sample_types,
            max_channels,
            rates,
            preferred,
        };
        caps.supports(&preferred)?;
        Ok(caps)
    }

    pub const fn sample_types(&self) -> SampleTypeSet {
        self.sample_types
    }
    pub const fn max_channels(&self) -> Channels {
        self.max_channels
    }
    pub const fn rates(&self) -> RateSet {
        self.rates
    }
    pub const fn preferred(&self) -> Format {
        self.preferred
    }

    /// `Ok` if the pin can stream `f` (any valid channel mask), else [`FormatError::NotInRange`].
    pub fn supports(&self, f: &Format) -> Result<(), FormatError> {
        if self.sample_types.contains(f.sample())
            && f.channels() <= self.max_channels
            && self.rates.contains(f.rate())
        {
            Ok(())
        } else {
            Err(FormatError::NotInRange)
        }
    }

    /// The KSDATARANGE_AUDIO values this pin publishes: one per (bit band, rate). Float32 is its
    /// own band (32..=32, IEEE float); consecutive supported PCM depths in Int16, Int24,
    /// Int24In32, Int32 share a band from the first one's valid bits to the last one's container
    /// bits, so {Int16, Int32} publishes 16..=16 and 32..=32 rather than promising 24. (Int24In32
    /// without its neighbours is 24..=32, which a range cannot narrow further; `supports` and
    /// `intersect` stay exact.) The range holding the preferred format comes first, because
    /// KS's default intersection takes the first range that matches; the rest go by band, best
    /// type first, then rate, lowest first.
    pub fn ks_audio_ranges(&self) -> heapless::Vec<KsAudioRange, MAX_KS_AUDIO_RANGES> {
        let mut out = heapless::Vec::new();
        for band in self.bands() {
            for rate in self.rates.iter() {
                let range = KsAudioRange {
                    min_hz: rate.hz(),
                    max_hz: rate.hz(),
                    ..band
                };
                // Cannot fail: at most MAX_BANDS bands × STANDARD.len() rates, which is the
                // capacity.
                if out.push(range).is_err() {
                    break;
                }
            }
        }
        if let Some(i) = out.iter().position(|r| r.admits(&self.preferred))
            && let Some(head) = out.get_mut(..=i)
        {
            head.rotate_right(1);
        }
        out
    }

    /// The bit bands (rates unbounded), best type first.
    fn bands(&self) -> heapless::Vec<KsAudioRange, MAX_BANDS> {
        let mut bands: heapless::Vec<KsAudioRange, MAX_BANDS> = heapless::Vec::new();
        let band = |sub_format, min_bits, max_bits| KsAudioRange {
            sub_format,
            max_channels: u32::from(self.max_channels.get()),
            min_bits,
            max_bits,
            min_hz: 0,
            max_hz: u32::MAX,
        };
        if self.sample_types.contains(SampleType::Float32) {
            // Cannot fail: the first of MAX_BANDS.
            let _ = bands.push(band(KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, 32, 32));
        }
        // Runs of consecutive supported PCM depths, deepest run first (best type first).
        let mut runs: heapless::Vec<KsAudioRange, MAX_BANDS> = heapless::Vec::new();
        let mut start: Option<SampleType> = None;
        let mut last: Option<SampleType> = None;
        for t in PCM_BY_DEPTH.into_iter().map(Some).chain([None]) {
            match t {
                Some(t) if self.sample_types.contains(t) => {
                    start = start.or(Some(t));
                    last = Some(t);
                }
                _ => {
                    if let (Some(s), Some(l)) = (start.take(), last.take()) {
                        // Cannot fail: at most two runs.
                        let _ = runs.push(band(
                            KSDATAFORMAT_SUBTYPE_PCM,
                            u32::from(s.valid_bits()),
                            u32::from(l.container_bytes() * 8),
                        ));
                    }
                }
            }
        }
        for run in runs.iter().rev() {
            // Cannot fail: one float band plus at most two runs is MAX_BANDS.
            let _ = bands.push(*run);
        }
        bands
    }

    /// DataRangeIntersection for a client's range given as untrusted bytes: a bare KSDATARANGE
    /// (64 bytes: any audio format of its SubFormat), a KSDATARANGE_AUDIO (FormatSize 88), or a
    /// complete KSDATAFORMAT_WAVEFORMATEX(TENSIBLE) used as a range (any other FormatSize with the
    /// WAVEFORMATEX specifier), which matches only itself. MajorFormat, SubFormat and Specifier
    /// may be the wildcard in the first two forms.
    ///
    /// A padded KSDATAFORMAT_WAVEFORMATEX (FormatSize 88) cannot be told from a
    /// KSDATARANGE_AUDIO by size and is read as the range, which is what the size says; a
    /// client offering one exact format sends 82 or 104 bytes.
    ///
    /// Malformed input is its specific parse error; a foreign MajorFormat, Specifier or
    /// SubFormat is [`FormatError::MajorFormat`] / [`FormatError::Specifier`] /
    /// [`FormatError::SubFormat`] (all STATUS_NO_MATCH); a well-formed range with nothing in
    /// common with the pin, or one that requires attributes, is [`FormatError::NotInRange`].
    pub fn intersect(&self, client_range: &[u8]) -> Result<Format, FormatError> {
        let header = KsHeader::read(client_range)?;
        if header.major != KSDATAFORMAT_TYPE_AUDIO && header.major != KSDATAFORMAT_TYPE_WILDCARD {
            return Err(FormatError::MajorFormat);
        }
        if header.specifier != KSDATAFORMAT_SPECIFIER_WAVEFORMATEX
            && header.specifier != KSDATAFORMAT_SPECIFIER_WILDCARD
        {
            return Err(FormatError::Specifier);
        }
        if header.sub != KSDATAFORMAT_SUBTYPE_PCM
            && header.sub != KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
            && header.sub != KSDATAFORMAT_SUBTYPE_WILDCARD
        {
            return Err(FormatError::SubFormat);
        }
        if header.flags & KSDATARANGE_REQUIRED_ATTRIBUTES != 0 {
            return Err(FormatError::NotInRange);
        }
        match header.format_size {
            KSDATAFORMAT_SIZE => self.intersect_ks_audio(&KsAudioRange::unbounded(header.sub)),
            KSDATARANGE_AUDIO_SIZE => {
                let range = client_range
                    .get(..KSDATARANGE_AUDIO_SIZE)
                    .ok_or(FormatError::TooShort)?;
                self.intersect_ks_audio(&KsAudioRange::read(range, header.sub)?)
            }
            _ if header.specifier == KSDATAFORMAT_SPECIFIER_WAVEFORMATEX => {
                let f = parse::parse_data_format_with_header(client_range, &header)?;
                self.supports(&f)?;
                Ok(f)
            }
            _ => Err(FormatError::FormatSizeMismatch),
        }
    }

    /// DataRangeIntersection for an already-decoded KSDATARANGE_AUDIO, by the order in the module
    /// docs. [`FormatError::NotInRange`] when the range and the pin share no format (including an
    /// unknown SubFormat, zero channels, or bounds with min > max).
    pub fn intersect_ks_audio(&self, range: &KsAudioRange) -> Result<Format, FormatError> {
        // Step 1 of the order. (The per-dimension choice below would pick the preferred format
        // too; returning it here keeps its exact channel mask obvious.)
        if range.admits(&self.preferred) {
            return Ok(self.preferred);
        }
        let pref = self.preferred;
        let sample =
            if self.sample_types.contains(pref.sample()) && range.admits_sample(pref.sample()) {
                pref.sample()
            } else {
                self.sample_types
                    .iter()
                    .find(|&t| range.admits_sample(t))
                    .ok_or(FormatError::NotInRange)?
            };
        // The preferred count is within the pin's maximum (checked by `new`), so capping by it
        // also caps by the pin.
        let cap = range.max_channels.min(u32::from(pref.channels().get()));
        let channels = u16::try_from(cap)
            .map_err(|_| FormatError::NotInRange)
            .and_then(Channels::new)
            .map_err(|_| FormatError::NotInRange)?;
        let rate = nearest_rate(self.rates, range.min_hz, range.max_hz, pref.rate().hz())
            .ok_or(FormatError::NotInRange)?;
        let mask = if channels == pref.channels() {
            pref.channel_mask()
        } else {
            ChannelMask::default_for(channels)
        };
        Ok(Format::with_mask(sample, channels, rate, mask))
    }
}

/// The rate of `rates` within `min_hz..=max_hz` nearest `target`, the higher one on a tie.
fn nearest_rate(rates: RateSet, min_hz: u32, max_hz: u32, target: u32) -> Option<SampleRate> {
    rates
        .iter()
        .filter(|r| (min_hz..=max_hz).contains(&r.hz()))
        .min_by_key(|r| (r.hz().abs_diff(target), Reverse(r.hz())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse::tests::{any_format, ext_image};
    use crate::format::parse::{KSDATAFORMAT_SPECIFIER_NONE, write_data_format};
    use crate::status::NtStatus;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn ch(n: u16) -> Channels {
        Channels::new(n).unwrap()
    }
    fn hz(v: u32) -> SampleRate {
        SampleRate::new(v).unwrap()
    }
    fn fmt(sample: SampleType, channels: u16, rate: u32) -> Format {
        Format::new(sample, ch(channels), hz(rate))
    }
    fn rates(list: &[u32]) -> RateSet {
        RateSet::from_hz(list).unwrap()
    }

    /// Float32 + Int16 + Int24, up to 8 channels, 44.1/48/96 kHz, preferring 48 kHz stereo float.
    fn pin() -> PinCapabilities {
        PinCapabilities::new(
            SampleTypeSet::of(&[SampleType::Float32, SampleType::Int16, SampleType::Int24]),
            ch(8),
            rates(&[44_100, 48_000, 96_000]),
            fmt(SampleType::Float32, 2, 48_000),
        )
        .unwrap()
    }

    fn range(sub: Guid, max_ch: u32, bits: (u32, u32), hz: (u32, u32)) -> KsAudioRange {
        KsAudioRange {
            sub_format: sub,
            max_channels: max_ch,
            min_bits: bits.0,
            max_bits: bits.1,
            min_hz: hz.0,
            max_hz: hz.1,
        }
    }

    fn range_bytes(r: &KsAudioRange) -> Vec<u8> {
        let mut b = vec![0u8; KSDATARANGE_AUDIO_SIZE];
        assert_eq!(r.write(&mut b), Ok(KSDATARANGE_AUDIO_SIZE));
        b
    }

    fn header_only(major: Guid, sub: Guid, spec: Guid) -> Vec<u8> {
        let mut b = range_bytes(&KsAudioRange::unbounded(sub));
        b.truncate(KSDATAFORMAT_SIZE);
        b[0..4].copy_from_slice(&64u32.to_le_bytes());
        b[16..32].copy_from_slice(&major.to_bytes());
        b[48..64].copy_from_slice(&spec.to_bytes());
        b
    }

    fn assert_err(r: Result<Format, FormatError>, want: FormatError, status: NtStatus) {
        assert_eq!(r, Err(want));
        assert_eq!(NtStatus::from(want), status);
    }

    // ---- sets ----------------------------------------------------------------------------------

    #[test]
    fn sample_type_set_iterates_best_first() {
        let s = SampleTypeSet::of(&[SampleType::Int16, SampleType::Float32, SampleType::Int24]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [SampleType::Float32, SampleType::Int24, SampleType::Int16]
        );
        assert!(!s.contains(SampleType::Int32));
        assert_eq!(s, s.iter().collect());
        assert!(SampleTypeSet::EMPTY.is_empty());
        assert_eq!(SampleTypeSet::ALL.iter().count(), 5);
    }

    #[test]
    fn rate_set_holds_standard_rates_only() {
        assert_eq!(RateSet::EMPTY.with(48_000).map(RateSet::len), Some(1));
        assert_eq!(RateSet::EMPTY.with(47_999), None);
        assert_eq!(RateSet::from_hz(&[44_100, 12_345]), None);
        let s = rates(&[96_000, 8_000, 48_000]);
        assert_eq!(
            s.iter().map(SampleRate::hz).collect::<Vec<_>>(),
            [8_000, 48_000, 96_000]
        );
        assert!(!s.contains(hz(44_100)));
        assert!(!s.contains(hz(12_345)));
        assert_eq!(RateSet::ALL.len(), 10);
        assert!(
            RateSet::ALL
                .iter()
                .eq(SampleRate::STANDARD.into_iter().map(hz))
        );
    }

    // ---- capabilities --------------------------------------------------------------------------

    #[test]
    fn capabilities_refuse_empty_sets() {
        let pref = Format::DEFAULT;
        for (types, rs) in [
            (SampleTypeSet::EMPTY, RateSet::ALL),
            (SampleTypeSet::ALL, RateSet::EMPTY),
        ] {
            let r = PinCapabilities::new(types, ch(2), rs, pref);
            assert_eq!(r, Err(FormatError::EmptyCapabilities));
            assert_eq!(
                NtStatus::from(FormatError::EmptyCapabilities),
                NtStatus::INVALID_PARAMETER
            );
        }
    }

    #[test]
    fn capabilities_refuse_a_preferred_format_outside_them() {
        let all = SampleTypeSet::ALL;
        let cases = [
            (
                all,
                ch(1),
                RateSet::ALL,
                fmt(SampleType::Float32, 2, 48_000),
            ),
            (
                all,
                ch(2),
                rates(&[44_100]),
                fmt(SampleType::Float32, 2, 48_000),
            ),
            (
                all,
                ch(2),
                RateSet::ALL,
                fmt(SampleType::Float32, 2, 12_345),
            ),
            (
                SampleTypeSet::of(&[SampleType::Int16]),
                ch(2),
                RateSet::ALL,
                fmt(SampleType::Float32, 2, 48_000),
            ),
        ];
        for (types, max, rs, pref) in cases {
            assert_eq!(
                PinCapabilities::new(types, max, rs, pref),
                Err(FormatError::NotInRange)
            );
        }
    }

    #[test]
    fn supports_is_exact() {
        let p = pin();
        assert_eq!(p.supports(&fmt(SampleType::Int16, 8, 44_100)), Ok(()));
        assert_eq!(p.supports(&fmt(SampleType::Int24, 1, 96_000)), Ok(()));
        for bad in [
            fmt(SampleType::Int32, 2, 48_000),
            fmt(SampleType::Int16, 9, 48_000),
            fmt(SampleType::Int16, 2, 32_000),
            fmt(SampleType::Int16, 2, 48_001),
        ] {
            assert_err(
                p.supports(&bad).map(|()| bad),
                FormatError::NotInRange,
                NtStatus::NO_MATCH,
            );
        }
    }

    // ---- published ranges ----------------------------------------------------------------------

    #[test]
    fn published_ranges_split_bands_and_rates() {
        let got = pin().ks_audio_ranges();
        let float = KSDATAFORMAT_SUBTYPE_IEEE_FLOAT;
        let pcm = KSDATAFORMAT_SUBTYPE_PCM;
        let want = [
            range(float, 8, (32, 32), (48_000, 48_000)), // the preferred one first
            range(float, 8, (32, 32), (44_100, 44_100)),
            range(float, 8, (32, 32), (96_000, 96_000)),
            range(pcm, 8, (16, 24), (44_100, 44_100)),
            range(pcm, 8, (16, 24), (48_000, 48_000)),
            range(pcm, 8, (16, 24), (96_000, 96_000)),
        ];
        assert_eq!(got.as_slice(), want.as_slice());
    }

    #[test]
    fn published_pcm_bands_do_not_promise_missing_depths() {
        let p = PinCapabilities::new(
            SampleTypeSet::of(&[SampleType::Int16, SampleType::Int32]),
            ch(2),
            rates(&[48_000]),
            fmt(SampleType::Int16, 2, 48_000),
        )
        .unwrap();
        let bits: Vec<_> = p
            .ks_audio_ranges()
            .iter()
            .map(|r| (r.min_bits, r.max_bits))
            .collect();
        assert_eq!(bits, [(16, 16), (32, 32)]);

        let p = PinCapabilities::new(
            SampleTypeSet::of(&[SampleType::Int24In32, SampleType::Int32, SampleType::Int16]),
            ch(2),
            rates(&[48_000]),
            fmt(SampleType::Int32, 2, 48_000),
        )
        .unwrap();
        let bits: Vec<_> = p
            .ks_audio_ranges()
            .iter()
            .map(|r| (r.min_bits, r.max_bits))
            .collect();
        assert_eq!(bits, [(24, 32), (16, 16)]);
    }

    #[test]
    fn every_capability_fits_in_the_published_capacity() {
        let p = PinCapabilities::new(
            SampleTypeSet::of(&[
                SampleType::Float32,
                SampleType::Int16,
                SampleType::Int24In32,
            ]),
            ch(16),
            RateSet::ALL,
            fmt(SampleType::Int16, 2, 8_000),
        )
        .unwrap();
        let r = p.ks_audio_ranges();
        assert_eq!(r.len(), MAX_KS_AUDIO_RANGES);
        assert!(r[0].admits(&p.preferred()));
    }

    #[test]
    fn range_image_layout() {
        let r = range(KSDATAFORMAT_SUBTYPE_PCM, 6, (16, 24), (44_100, 48_000));
        let b = range_bytes(&r);
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        assert_eq!(u32_at(0), 88);
        assert_eq!(
            [u32_at(64), u32_at(68), u32_at(72), u32_at(76), u32_at(80)],
            [6, 16, 24, 44_100, 48_000]
        );
        assert_eq!(Guid::read(&b, 16), Some(KSDATAFORMAT_TYPE_AUDIO));
        assert_eq!(Guid::read(&b, 32), Some(KSDATAFORMAT_SUBTYPE_PCM));
        assert_eq!(
            Guid::read(&b, 48),
            Some(KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)
        );
        assert_eq!(r.write(&mut [0u8; 87]), Err(FormatError::TooShort));
    }

    // ---- intersection choices ------------------------------------------------------------------

    #[test]
    fn preferred_is_chosen_when_admitted() {
        let p = pin();
        let wide = range(KSDATAFORMAT_SUBTYPE_WILDCARD, 16, (8, 32), (8_000, 192_000));
        assert_eq!(p.intersect(&range_bytes(&wide)), Ok(p.preferred()));
        let float = range(
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
            2,
            (32, 32),
            (48_000, 48_000),
        );
        assert_eq!(p.intersect(&range_bytes(&float)), Ok(p.preferred()));
    }

    #[test]
    fn fallback_takes_the_first_admitted_type_in_all_order() {
        // PCM only: Float32 is out; of Int24 and Int16 the deeper (earlier in ALL) wins.
        let p = pin();
        let pcm = range(KSDATAFORMAT_SUBTYPE_PCM, 2, (16, 24), (48_000, 48_000));
        assert_eq!(
            p.intersect(&range_bytes(&pcm)),
            Ok(fmt(SampleType::Int24, 2, 48_000))
        );
        let pcm16 = range(KSDATAFORMAT_SUBTYPE_PCM, 2, (16, 16), (48_000, 48_000));
        assert_eq!(
            p.intersect(&range_bytes(&pcm16)),
            Ok(fmt(SampleType::Int16, 2, 48_000))
        );
    }

    #[test]
    fn fallback_keeps_the_preferred_type_when_only_the_rate_is_out() {
        let p = PinCapabilities::new(
            SampleTypeSet::ALL,
            ch(2),
            RateSet::ALL,
            fmt(SampleType::Int16, 2, 48_000),
        )
        .unwrap();
        let r = range(KSDATAFORMAT_SUBTYPE_WILDCARD, 2, (16, 32), (44_100, 44_100));
        assert_eq!(
            p.intersect(&range_bytes(&r)),
            Ok(fmt(SampleType::Int16, 2, 44_100))
        );
        // Without Int16 in the client's bits, the best admitted type in ALL order.
        let r = range(KSDATAFORMAT_SUBTYPE_WILDCARD, 2, (24, 32), (48_000, 48_000));
        assert_eq!(
            p.intersect(&range_bytes(&r)),
            Ok(fmt(SampleType::Float32, 2, 48_000))
        );
        let r = range(KSDATAFORMAT_SUBTYPE_PCM, 2, (24, 32), (48_000, 48_000));
        assert_eq!(
            p.intersect(&range_bytes(&r)),
            Ok(fmt(SampleType::Int32, 2, 48_000))
        );
        // 24..=24 admits only packed 24: 24-in-32 has a 32-bit container.
        let r = range(KSDATAFORMAT_SUBTYPE_PCM, 2, (24, 24), (48_000, 48_000));
        assert_eq!(
            p.intersect(&range_bytes(&r)),
            Ok(fmt(SampleType::Int24, 2, 48_000))
        );
    }

    #[test]
    fn bit_bounds_must_hold_both_valid_and_container_bits() {
        let p = PinCapabilities::new(
            SampleTypeSet::of(&[SampleType::Int24In32]),
            ch(2),
            rates(&[48_000]),
            fmt(SampleType::Int24In32, 2, 48_000),
        )
        .unwrap();
        let pcm = |lo, hi| range(KSDATAFORMAT_SUBTYPE_PCM, 2, (lo, hi), (48_000, 48_000));
        assert_eq!(
            p.intersect_ks_audio(&pcm(32, 32)),
            Err(FormatError::NotInRange)
        );
        assert_eq!(
            p.intersect_ks_audio(&pcm(24, 24)),
            Err(FormatError::NotInRange)
        );
        assert_eq!(p.intersect_ks_audio(&pcm(24, 32)), Ok(p.preferred()));
        assert_eq!(p.intersect_ks_audio(&pcm(16, 32)), Ok(p.preferred()));
        assert!(!pcm(32, 32).admits_sample(SampleType::Int24In32));
        assert!(pcm(32, 32).admits_sample(SampleType::Int32));
        assert!(!pcm(32, 32).admits_sample(SampleType::Float32));
    }

    #[test]
    fn channels_go_up_to_the_preferred_count() {
        let ch6 = Channels::new(6).unwrap();
        let surround = Format::with_mask(
            SampleType::Float32,
            ch6,
            hz(48_000),
            ChannelMask::new(0x60F, ch6).unwrap(), // 5.1 with side speakers
        );
        let p = PinCapabilities::new(SampleTypeSet::ALL, ch(8), RateSet::ALL, surround).unwrap();
        // The client allows 8: the preferred 6, with the preferred mask (it is the preferred).
        let r = range(KSDATAFORMAT_SUBTYPE_WILDCARD, 8, (16, 32), (44_100, 44_100));
        let got = p.intersect(&range_bytes(&r)).unwrap();
        assert_eq!(
            (got.channels(), got.channel_mask()),
            (ch6, surround.channel_mask())
        );
        assert_eq!(got.rate(), hz(44_100));
        // The client caps at 4: 4 channels with the quad mask.
        let r = range(KSDATAFORMAT_SUBTYPE_WILDCARD, 4, (16, 32), (48_000, 48_000));
        let got = p.intersect(&range_bytes(&r)).unwrap();
        assert_eq!(got, fmt(SampleType::Float32, 4, 48_000));
        assert_eq!(got.channel_mask().bits(), 0x33);
    }

    #[test]
    fn rate_is_the_nearest_to_the_preferred() {
        let p = pin(); // 44.1, 48, 96; prefers 48
        let up = range(
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
            2,
            (32, 32),
            (50_000, 200_000),
        );
        assert_eq!(
            p.intersect(&range_bytes(&up)).map(|f| f.rate().hz()),
            Ok(96_000)
        );
        let down = range(
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
            2,
            (32, 32),
            (8_000, 47_999),
        );
        assert_eq!(
            p.intersect(&range_bytes(&down)).map(|f| f.rate().hz()),
            Ok(44_100)
        );
    }

    #[test]
    fn equally_near_rates_prefer_the_higher() {
        // Through `intersect` a tie cannot arise (the preferred rate is in the pin's set and a
        // client band holding both neighbours holds it too), so the rule is tested directly.
        let set = rates(&[16_000, 48_000]);
        let pick = |lo, hi, target| nearest_rate(set, lo, hi, target).map(SampleRate::hz);
        assert_eq!(pick(0, u32::MAX, 32_000), Some(48_000));
        assert_eq!(pick(0, 47_999, 32_000), Some(16_000));
        assert_eq!(pick(0, u32::MAX, 31_999), Some(16_000));
        assert_eq!(pick(16_001, 47_999, 32_000), None);
    }

    #[test]
    fn wildcards_and_bare_ksdatarange_match_anything_audio() {
        let p = pin();
        let w = KSDATAFORMAT_SUBTYPE_WILDCARD;
        for (major, spec) in [
            (KSDATAFORMAT_TYPE_WILDCARD, KSDATAFORMAT_SPECIFIER_WILDCARD),
            (KSDATAFORMAT_TYPE_AUDIO, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX),
            (KSDATAFORMAT_TYPE_AUDIO, KSDATAFORMAT_SPECIFIER_WILDCARD),
        ] {
            assert_eq!(p.intersect(&header_only(major, w, spec)), Ok(p.preferred()));
        }
        // A bare KSDATARANGE for PCM: the best PCM type at the preferred channels and rate.
        let b = header_only(
            KSDATAFORMAT_TYPE_WILDCARD,
            KSDATAFORMAT_SUBTYPE_PCM,
            KSDATAFORMAT_SPECIFIER_WILDCARD,
        );
        assert_eq!(p.intersect(&b), Ok(fmt(SampleType::Int24, 2, 48_000)));
        // A KSDATARANGE_AUDIO with wildcard major and specifier.
        let mut r = range_bytes(&range(w, 1, (16, 16), (96_000, 96_000)));
        r[16..32].copy_from_slice(&[0; 16]);
        r[48..64].copy_from_slice(&[0; 16]);
        assert_eq!(p.intersect(&r), Ok(fmt(SampleType::Int16, 1, 96_000)));
    }

    #[test]
    fn a_full_format_as_range_matches_only_itself() {
        let p = pin();
        let ch6 = Channels::new(6).unwrap();
        let f = Format::with_mask(
            SampleType::Int24,
            ch6,
            hz(96_000),
            ChannelMask::new(0x60F, ch6).unwrap(),
        );
        assert_eq!(p.intersect(&ext_image(&f)), Ok(f));
        // Plain, packed KSDATAFORMAT_WAVEFORMATEX (82 bytes).
        let mut plain = ext_image(&fmt(SampleType::Int16, 2, 44_100));
        plain.truncate(82);
        plain[0..4].copy_from_slice(&82u32.to_le_bytes());
        plain[64..66].copy_from_slice(&1u16.to_le_bytes());
        plain[80..82].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(p.intersect(&plain), Ok(fmt(SampleType::Int16, 2, 44_100)));
        // Valid but unsupported.
        for g in [
            fmt(SampleType::Int32, 2, 48_000),
            fmt(SampleType::Int16, 2, 32_000),
            fmt(SampleType::Int16, 10, 48_000),
        ] {
            assert_err(
                p.intersect(&ext_image(&g)),
                FormatError::NotInRange,
                NtStatus::NO_MATCH,
            );
        }
    }

    #[test]
    fn no_match_is_not_in_range() {
        let p = pin();
        let pcm = KSDATAFORMAT_SUBTYPE_PCM;
        let cases = [
            range(pcm, 2, (8, 8), (8_000, 384_000)),   // no depth
            range(pcm, 2, (32, 32), (8_000, 384_000)), // Int32 not offered
            range(pcm, 0, (16, 32), (8_000, 384_000)), // no channels
            range(pcm, 2, (16, 32), (8_000, 32_000)),  // no rate
            range(pcm, 2, (16, 32), (48_001, 95_999)), // between rates
            range(pcm, 2, (32, 16), (8_000, 384_000)), // empty bit bounds
            range(pcm, 2, (16, 32), (96_000, 44_100)), // empty rate bounds
            range(KSDATAFORMAT_SPECIFIER_NONE, 2, (16, 32), (8_000, 384_000)), // foreign sub
        ];
        for (i, r) in cases.iter().enumerate() {
            assert_eq!(
                p.intersect_ks_audio(r),
                Err(FormatError::NotInRange),
                "case {i}"
            );
        }
        for r in &cases[..7] {
            assert_err(
                p.intersect(&range_bytes(r)),
                FormatError::NotInRange,
                NtStatus::NO_MATCH,
            );
        }
        // A range that requires attributes the engine does not have.
        let mut req = range_bytes(&range(pcm, 2, (16, 32), (8_000, 384_000)));
        req[4..8].copy_from_slice(&KSDATARANGE_REQUIRED_ATTRIBUTES.to_le_bytes());
        assert_err(
            p.intersect(&req),
            FormatError::NotInRange,
            NtStatus::NO_MATCH,
        );
        // Optional attributes (KSDATARANGE_ATTRIBUTES) do not stop a match.
        req[4..8].copy_from_slice(&(1u32 << 1).to_le_bytes());
        assert!(p.intersect(&req).is_ok());
    }

    #[test]
    fn malformed_ranges_are_their_parse_error() {
        let p = pin();
        let good = range_bytes(&range(
            KSDATAFORMAT_SUBTYPE_PCM,
            2,
            (16, 32),
            (8_000, 384_000),
        ));
        assert_err(
            p.intersect(&good[..63]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        assert_err(
            p.intersect(&good[..87]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        let with = |at: usize, bytes: &[u8]| {
            let mut b = good.clone();
            b[at..at + bytes.len()].copy_from_slice(bytes);
            b
        };
        assert_err(
            p.intersect(&with(0, &63u32.to_le_bytes())),
            FormatError::FormatSizeMismatch,
            NtStatus::INVALID_BUFFER_SIZE,
        );
        // Neither a range size nor a WAVEFORMATEX format: 72 bytes with the WAVEFORMATEX
        // specifier is a format whose FormatSize cannot hold one.
        assert_err(
            p.intersect(&with(0, &72u32.to_le_bytes())),
            FormatError::FormatSizeMismatch,
            NtStatus::INVALID_BUFFER_SIZE,
        );
        let mut wild_spec = with(48, &[0; 16]);
        wild_spec[0..4].copy_from_slice(&72u32.to_le_bytes());
        assert_err(
            p.intersect(&wild_spec),
            FormatError::FormatSizeMismatch,
            NtStatus::INVALID_BUFFER_SIZE,
        );
        let video = Guid::from_u128(0x7364_6976_0000_0010_8000_00AA_0038_9B71); // 'vids'
        assert_err(
            p.intersect(&with(16, &video.to_bytes())),
            FormatError::MajorFormat,
            NtStatus::NO_MATCH,
        );
        let dsound = Guid::from_u128(0x5185_90A2_A184_11D0_8522_00C0_4FD9_BAF3);
        assert_err(
            p.intersect(&with(48, &dsound.to_bytes())),
            FormatError::Specifier,
            NtStatus::NO_MATCH,
        );
        assert_err(
            p.intersect(&with(48, &KSDATAFORMAT_SPECIFIER_NONE.to_bytes())),
            FormatError::Specifier,
            NtStatus::NO_MATCH,
        );
        let ac3 = Guid::from_u128(0x0000_0092_0000_0010_8000_00AA_0038_9B71);
        assert_err(
            p.intersect(&with(32, &ac3.to_bytes())),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
        // A full format with a bad field reports that field.
        let mut bad = ext_image(&fmt(SampleType::Int16, 2, 48_000));
        bad[64 + 12..64 + 14].copy_from_slice(&3u16.to_le_bytes());
        assert_err(
            p.intersect(&bad),
            FormatError::BlockAlign,
            NtStatus::INVALID_PARAMETER,
        );
        // A format with a wildcard SubFormat is not a format.
        let mut wild = ext_image(&fmt(SampleType::Int16, 2, 48_000));
        wild[32..48].copy_from_slice(&[0; 16]);
        assert_err(
            p.intersect(&wild),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
    }

    #[test]
    fn resultant_format_round_trips() {
        let p = pin();
        let r = range(KSDATAFORMAT_SUBTYPE_PCM, 1, (16, 16), (44_100, 44_100));
        let f = p.intersect(&range_bytes(&r)).unwrap();
        let mut out = [0u8; 104];
        assert_eq!(write_data_format(&f, &mut out), Ok(104));
        assert_eq!(p.intersect(&out), Ok(f));
    }

    // ---- properties ----------------------------------------------------------------------------

    fn any_pin() -> impl Strategy<Value = PinCapabilities> {
        (
            1u8..32,
            1u16..=16,
            1u16..1024,
            any::<proptest::sample::Index>(),
            any_format(),
        )
            .prop_map(|(type_bits, max, rate_bits, pick, seed_fmt)| {
                let types: SampleTypeSet = SampleType::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| type_bits & (1 << i) != 0)
                    .map(|(_, t)| t)
                    .collect();
                let rs = RateSet(rate_bits);
                let type_list: Vec<_> = types.iter().collect();
                let rate_list: Vec<_> = rs.iter().collect();
                let sample = *pick.get(&type_list);
                let rate = *pick.get(&rate_list);
                let n = seed_fmt.channels().get().min(max);
                let pref = Format::new(sample, ch(n), rate);
                PinCapabilities::new(types, ch(max), rs, pref).unwrap()
            })
    }

    fn interesting_u32(values: &'static [u32]) -> impl Strategy<Value = u32> {
        prop_oneof![proptest::sample::select(values), any::<u32>()]
    }

    fn any_client_range() -> impl Strategy<Value = KsAudioRange> {
        const BITS: &[u32] = &[0, 8, 16, 20, 24, 32, 64];
        const CH: &[u32] = &[0, 1, 2, 4, 6, 8, 16, u32::MAX];
        const HZ: &[u32] = &[
            0,
            8_000,
            11_025,
            16_000,
            22_050,
            32_000,
            44_100,
            48_000,
            96_000,
            192_000,
            384_000,
            u32::MAX,
        ];
        let subs = vec![
            KSDATAFORMAT_SUBTYPE_PCM,
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
            KSDATAFORMAT_SUBTYPE_WILDCARD,
        ];
        (
            proptest::sample::select(subs),
            interesting_u32(CH),
            interesting_u32(BITS),
            interesting_u32(BITS),
            interesting_u32(HZ),
            interesting_u32(HZ),
        )
            .prop_map(
                |(sub_format, max_channels, min_bits, max_bits, min_hz, max_hz)| KsAudioRange {
                    sub_format,
                    max_channels,
                    min_bits,
                    max_bits,
                    min_hz,
                    max_hz,
                },
            )
    }

    /// Every format the pin supports, with the conventional mask.
    fn all_supported(p: &PinCapabilities) -> Vec<Format> {
        let mut v = Vec::new();
        for t in p.sample_types().iter() {
            for n in 1..=p.max_channels().get() {
                for r in p.rates().iter() {
                    v.push(Format::new(t, ch(n), r));
                }
            }
        }
        v
    }

    proptest! {
        #[test]
        fn intersect_returns_only_supported_formats_inside_the_range(
            p in any_pin(),
            r in any_client_range(),
        ) {
            let direct = p.intersect_ks_audio(&r);
            // The byte path agrees with the decoded path.
            prop_assert_eq!(p.intersect(&range_bytes(&r)), direct);
            match direct {
                Ok(f) => {
                    prop_assert_eq!(p.supports(&f), Ok(()));
                    prop_assert!(r.admits(&f), "{:?} outside {:?}", f, r);
                    if r.admits(&p.preferred()) {
                        prop_assert_eq!(f, p.preferred());
                    }
                }
                Err(e) => {
                    prop_assert_eq!(e, FormatError::NotInRange);
                    // Complete: nothing supported lies in the range.
                    prop_assert!(all_supported(&p).iter().all(|f| !r.admits(f)));
                }
            }
        }

        #[test]
        fn published_ranges_cover_exactly_what_is_supported(p in any_pin()) {
            let ranges = p.ks_audio_ranges();
            prop_assert!(!ranges.is_empty());
            prop_assert!(ranges[0].admits(&p.preferred()));
            prop_assert_eq!(p.intersect_ks_audio(&ranges[0]), Ok(p.preferred()));
            for r in &ranges {
                let f = p.intersect_ks_audio(r);
                prop_assert!(f.is_ok_and(|f| p.supports(&f).is_ok() && r.admits(&f)));
                prop_assert_eq!(r.min_hz, r.max_hz);
                prop_assert!(p.rates().contains(hz(r.min_hz)));
            }
            for f in all_supported(&p) {
                prop_assert!(ranges.iter().any(|r| r.admits(&f)), "{:?} unpublished", f);
            }
        }

        #[test]
        fn a_format_used_as_a_range_is_returned_iff_supported(
            p in any_pin(),
            f in any_format(),
        ) {
            let got = p.intersect(&ext_image(&f));
            if p.supports(&f).is_ok() {
                prop_assert_eq!(got, Ok(f));
            } else {
                prop_assert_eq!(got, Err(FormatError::NotInRange));
            }
        }

        #[test]
        fn intersect_on_arbitrary_bytes_never_panics_and_stays_supported(
            p in any_pin(),
            bytes in proptest::collection::vec(any::<u8>(), 0..160),
            size in prop_oneof![Just(64u32), Just(88), Just(82), Just(104), any::<u32>()],
            audio_header in any::<bool>(),
        ) {
            let mut bytes = bytes;
            if audio_header && bytes.len() >= 64 {
                // Steer past the header checks so the bodies get exercised too.
                bytes[0..4].copy_from_slice(&size.to_le_bytes());
                bytes[4..8].copy_from_slice(&0u32.to_le_bytes());
                bytes[16..32].copy_from_slice(&KSDATAFORMAT_TYPE_AUDIO.to_bytes());
                bytes[32..48].copy_from_slice(&KSDATAFORMAT_SUBTYPE_WILDCARD.to_bytes());
                bytes[48..64].copy_from_slice(&KSDATAFORMAT_SPECIFIER_WILDCARD.to_bytes());
            }
            if let Ok(f) = p.intersect(&bytes) {
                prop_assert_eq!(p.supports(&f), Ok(()));
            }
        }
    }
}
