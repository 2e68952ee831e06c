//! Audio data formats: the validated [`Format`] and the pieces it is made of.
//!
//! A `Format` can only be built from parts that are each valid on their own and consistent
//! with each other, so code that holds one never re-checks it. Raw KS bytes from a client are
//! turned into a `Format` by [`parse`]; data ranges and DataRangeIntersection live in [`range`].

pub mod parse;
pub mod range;

use crate::status::NtStatus;

/// Sample encodings the engine moves and converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SampleType {
    /// Signed 16-bit integer PCM.
    Int16,
    /// Signed 24-bit integer PCM, packed in 3 bytes.
    Int24,
    /// Signed 24-bit integer PCM, left-justified in a 4-byte container (low byte zero).
    Int24In32,
    /// Signed 32-bit integer PCM.
    Int32,
    /// IEEE 754 single-precision float, nominal range -1.0..=1.0.
    Float32,
}

impl SampleType {
    /// Every sample type, in the order the engine prefers them (best first).
    pub const ALL: [SampleType; 5] = [
        SampleType::Float32,
        SampleType::Int32,
        SampleType::Int24In32,
        SampleType::Int24,
        SampleType::Int16,
    ];

    /// Bytes one sample occupies in memory (`wBitsPerSample / 8`).
    pub const fn container_bytes(self) -> u16 {
        match self {
            SampleType::Int16 => 2,
            SampleType::Int24 => 3,
            SampleType::Int24In32 | SampleType::Int32 | SampleType::Float32 => 4,
        }
    }

    /// Bits that carry signal (`wValidBitsPerSample`).
    pub const fn valid_bits(self) -> u16 {
        match self {
            SampleType::Int16 => 16,
            SampleType::Int24 | SampleType::Int24In32 => 24,
            SampleType::Int32 | SampleType::Float32 => 32,
        }
    }

    /// True for IEEE float samples.
    pub const fn is_float(self) -> bool {
        matches!(self, SampleType::Float32)
    }

    /// A short, stable name used in reports and configuration (`int16`, `int24`, `int24in32`,
    /// `int32`, `float32`).
    pub const fn name(self) -> &'static str {
        match self {
            SampleType::Int16 => "int16",
            SampleType::Int24 => "int24",
            SampleType::Int24In32 => "int24in32",
            SampleType::Int32 => "int32",
            SampleType::Float32 => "float32",
        }
    }

    /// The inverse of [`SampleType::name`].
    pub fn from_name(name: &str) -> Option<SampleType> {
        SampleType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// A channel count the engine supports: 1 to 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Channels(u8);

impl Channels {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 16;
    pub const MONO: Channels = Channels(1);
    pub const STEREO: Channels = Channels(2);

    pub const fn new(count: u16) -> Result<Channels, FormatError> {
        if count >= Self::MIN as u16 && count <= Self::MAX as u16 {
            #[allow(clippy::cast_possible_truncation)] // checked just above: count <= 16
            Ok(Channels(count as u8))
        } else {
            Err(FormatError::ChannelCount)
        }
    }

    pub const fn get(self) -> u16 {
        self.0 as u16
    }
}

/// A sample rate the engine supports: 8 kHz to 384 kHz.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SampleRate(u32);

impl SampleRate {
    pub const MIN: u32 = 8_000;
    pub const MAX: u32 = 384_000;
    /// Rates offered in data ranges, lowest first.
    pub const STANDARD: [u32; 10] = [
        8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 96_000, 192_000, 384_000,
    ];

    pub const fn new(hz: u32) -> Result<SampleRate, FormatError> {
        if hz >= Self::MIN && hz <= Self::MAX {
            Ok(SampleRate(hz))
        } else {
            Err(FormatError::SampleRate)
        }
    }

    pub const fn hz(self) -> u32 {
        self.0
    }
}

/// A speaker-position mask (`dwChannelMask`) consistent with a channel count: either zero
/// (KSAUDIO_SPEAKER_DIRECTOUT, no positions) or exactly one defined speaker bit per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelMask(u32);

impl ChannelMask {
    /// SPEAKER_FRONT_LEFT .. SPEAKER_TOP_BACK_RIGHT: the 18 defined positions.
    pub const DEFINED_BITS: u32 = 0x0003_FFFF;
    pub const DIRECT_OUT: ChannelMask = ChannelMask(0);

    /// Validates `mask` against `channels`.
    pub const fn new(mask: u32, channels: Channels) -> Result<ChannelMask, FormatError> {
        if mask & !Self::DEFINED_BITS != 0 {
            return Err(FormatError::ChannelMaskReservedBits);
        }
        if mask != 0 && mask.count_ones() != channels.get() as u32 {
            return Err(FormatError::ChannelMaskMismatch);
        }
        Ok(ChannelMask(mask))
    }

    /// The conventional layout for a channel count (KSAUDIO_SPEAKER_MONO, _STEREO, _QUAD,
    /// _5POINT1, _7POINT1_SURROUND ...); counts with no convention get the lowest `n` bits.
    pub const fn default_for(channels: Channels) -> ChannelMask {
        let mask = match channels.get() {
            1 => 0x4,   // FRONT_CENTER
            2 => 0x3,   // FRONT_LEFT | FRONT_RIGHT
            4 => 0x33,  // FL FR BL BR
            6 => 0x3F,  // FL FR FC LFE BL BR
            8 => 0x63F, // FL FR FC LFE BL BR SL SR
            n => (1u32 << n) - 1,
        };
        ChannelMask(mask)
    }

    pub const fn bits(self) -> u32 {
        self.0
    }
}

/// A complete, validated PCM or float stream format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    sample: SampleType,
    channels: Channels,
    rate: SampleRate,
    mask: ChannelMask,
}

impl Format {
    /// A format with the conventional channel mask for its channel count.
    pub const fn new(sample: SampleType, channels: Channels, rate: SampleRate) -> Format {
        Format {
            sample,
            channels,
            rate,
            mask: ChannelMask::default_for(channels),
        }
    }

    /// A format with an explicit mask (already validated against `channels`).
    pub const fn with_mask(
        sample: SampleType,
        channels: Channels,
        rate: SampleRate,
        mask: ChannelMask,
    ) -> Format {
        Format {
            sample,
            channels,
            rate,
            mask,
        }
    }

    /// 48 kHz stereo float: the engine's default format.
    pub const DEFAULT: Format =
        Format::new(SampleType::Float32, Channels::STEREO, SampleRate(48_000));

    pub const fn sample(&self) -> SampleType {
        self.sample
    }
    pub const fn channels(&self) -> Channels {
        self.channels
    }
    pub const fn rate(&self) -> SampleRate {
        self.rate
    }
    pub const fn channel_mask(&self) -> ChannelMask {
        self.mask
    }

    /// Bytes per frame (`nBlockAlign`); at most 16 × 4 = 64.
    pub const fn block_align(&self) -> u16 {
        self.channels.get() * self.sample.container_bytes()
    }

    /// `nAvgBytesPerSec`; at most 384 000 × 64, well inside u32.
    pub const fn bytes_per_second(&self) -> u32 {
        self.rate.hz() * self.block_align() as u32
    }

    /// Bytes for a whole number of frames.
    pub const fn frames_to_bytes(&self, frames: u64) -> u64 {
        frames * self.block_align() as u64
    }

    /// Whole frames in `bytes` (rounding down).
    pub const fn bytes_to_frames(&self, bytes: u64) -> u64 {
        bytes / self.block_align() as u64
    }
}

/// Why a client's format was refused. Each reason is its own variant so a test can name it,
/// and each maps to one NTSTATUS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormatError {
    /// The buffer is shorter than the structure it claims to hold.
    TooShort,
    /// KSDATAFORMAT.FormatSize disagrees with the bytes given or with the structure it holds.
    FormatSizeMismatch,
    /// MajorFormat is not KSDATAFORMAT_TYPE_AUDIO.
    MajorFormat,
    /// Specifier is not KSDATAFORMAT_SPECIFIER_WAVEFORMATEX.
    Specifier,
    /// SubFormat / wFormatTag is not PCM or IEEE float (or is inconsistent between the two).
    SubFormat,
    /// wFormatTag is not WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_EXTENSIBLE.
    FormatTag,
    /// cbSize is wrong for the format tag.
    CbSize,
    /// nChannels outside 1..=16.
    ChannelCount,
    /// nSamplesPerSec outside 8 000..=384 000.
    SampleRate,
    /// wBitsPerSample / wValidBitsPerSample is not a supported combination.
    BitsPerSample,
    /// nBlockAlign != nChannels × wBitsPerSample / 8.
    BlockAlign,
    /// nAvgBytesPerSec != nSamplesPerSec × nBlockAlign.
    AvgBytesPerSec,
    /// dwChannelMask uses bits outside the defined speaker positions.
    ChannelMaskReservedBits,
    /// dwChannelMask has a different number of positions than nChannels.
    ChannelMaskMismatch,
    /// The format is valid but not within any range this pin offers.
    NotInRange,
    /// A pin's capabilities were built with an empty set of sample types or rates (a
    /// configuration fault, not a client's).
    EmptyCapabilities,
}

impl From<FormatError> for NtStatus {
    fn from(e: FormatError) -> NtStatus {
        match e {
            FormatError::TooShort => NtStatus::BUFFER_TOO_SMALL,
            FormatError::FormatSizeMismatch => NtStatus::INVALID_BUFFER_SIZE,
            FormatError::MajorFormat
            | FormatError::Specifier
            | FormatError::SubFormat
            | FormatError::FormatTag
            | FormatError::NotInRange => NtStatus::NO_MATCH,
            FormatError::CbSize
            | FormatError::ChannelCount
            | FormatError::SampleRate
            | FormatError::BitsPerSample
            | FormatError::BlockAlign
            | FormatError::AvgBytesPerSec
            | FormatError::ChannelMaskReservedBits
            | FormatError::ChannelMaskMismatch
            | FormatError::EmptyCapabilities => NtStatus::INVALID_PARAMETER,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_accept_one_to_sixteen_only() {
        assert_eq!(Channels::new(0), Err(FormatError::ChannelCount));
        assert_eq!(Channels::new(17), Err(FormatError::ChannelCount));
        for n in 1..=16 {
            assert_eq!(Channels::new(n).map(Channels::get), Ok(n));
        }
    }

    #[test]
    fn rates_accept_8k_to_384k_only() {
        assert_eq!(SampleRate::new(7_999), Err(FormatError::SampleRate));
        assert_eq!(SampleRate::new(384_001), Err(FormatError::SampleRate));
        assert!(SampleRate::new(8_000).is_ok());
        assert!(SampleRate::new(384_000).is_ok());
    }

    #[test]
    fn channel_mask_must_match_count_or_be_direct_out() {
        let st = Channels::STEREO;
        assert!(ChannelMask::new(0x3, st).is_ok());
        assert!(ChannelMask::new(0, st).is_ok());
        assert_eq!(
            ChannelMask::new(0x7, st),
            Err(FormatError::ChannelMaskMismatch)
        );
        assert_eq!(
            ChannelMask::new(0x4_0000 | 1, st),
            Err(FormatError::ChannelMaskReservedBits)
        );
        for n in 1..=16 {
            let c = Channels::new(n).unwrap();
            let d = ChannelMask::default_for(c);
            assert_eq!(
                ChannelMask::new(d.bits(), c),
                Ok(d),
                "default mask for {n} channels"
            );
        }
    }

    #[test]
    fn derived_sizes() {
        let f = Format::new(
            SampleType::Int24,
            Channels::new(6).unwrap(),
            SampleRate::new(96_000).unwrap(),
        );
        assert_eq!(f.block_align(), 18);
        assert_eq!(f.bytes_per_second(), 1_728_000);
        assert_eq!(f.frames_to_bytes(10), 180);
        assert_eq!(f.bytes_to_frames(179), 9);
        let max = Format::new(
            SampleType::Float32,
            Channels::new(16).unwrap(),
            SampleRate::new(384_000).unwrap(),
        );
        assert_eq!(max.block_align(), 64);
    }

    #[test]
    fn sample_type_names_round_trip() {
        for t in SampleType::ALL {
            assert_eq!(SampleType::from_name(t.name()), Some(t));
        }
        assert_eq!(SampleType::from_name("int8"), None);
    }
}
