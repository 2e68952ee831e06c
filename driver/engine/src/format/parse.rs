//! Parsing KSDATAFORMAT + WAVEFORMATEX / WAVEFORMATEXTENSIBLE from untrusted bytes, and writing
//! the KSDATAFORMAT_WAVEFORMATEXTENSIBLE a pin hands back.
//!
//! Everything here reads a client's buffer through bounds-checked little-endian reads: a short or
//! lying buffer is an error, never a panic and never a read past the slice. The checks are the
//! whole contract of a format, so a [`Format`] that comes out of here needs no further checking.
//!
//! # Layouts (measured with the mingw-w64 headers and `x86_64-w64-mingw32-gcc`)
//!
//! | structure | size | notes |
//! |---|---|---|
//! | KSDATAFORMAT | 64 | 8-byte aligned (a union with a LONGLONG) |
//! | WAVEFORMATEX | 18 | `pack(1)`: cbSize ends at byte 18 |
//! | WAVEFORMATEXTENSIBLE | 40 | `pack(1)`: valid bits @18, dwChannelMask @20, SubFormat @24 |
//! | KSDATAFORMAT_WAVEFORMATEX | 82 | ksmedia.h wraps it in `pack(1)` |
//! | KSDATAFORMAT_WAVEFORMATEXTENSIBLE | 104 | not in mingw; declared as the SDK does, 64 + 40 |
//!
//! # Decisions
//!
//! - **FormatSize** must lie within the slice and must cover the structure that `cbSize` declares
//!   (`64 + 18 + cbSize`); it may exceed that by the tail padding an unpacked C declaration adds
//!   (up to the next multiple of 8, because KSDATAFORMAT is 8-aligned: a client that declares
//!   KSDATAFORMAT_WAVEFORMATEX without `pack(1)` sends 88 rather than 82). Anything larger is
//!   refused: bytes we would not read are bytes the client thinks mean something. The slice itself
//!   may be longer than FormatSize (an attribute list or a larger IRP buffer may follow); nothing
//!   past FormatSize is read.
//! - **cbSize**: WAVE_FORMAT_EXTENSIBLE needs exactly 22 (PCM and float carry nothing after the
//!   extensible fields); WAVE_FORMAT_IEEE_FLOAT needs 0. For WAVE_FORMAT_PCM the WAVEFORMATEX
//!   contract says cbSize is ignored, so any value is accepted, but the buffer (or FormatSize)
//!   must still cover the `cbSize` bytes it announces.
//! - **More than two channels in a plain WAVEFORMATEX** are accepted with the conventional
//!   layout for that count ([`ChannelMask::default_for`], e.g. 5.1 for six channels) rather than
//!   refused: WAVEFORMATEX has no mask to contradict it, and refusing would break clients that
//!   never learned WAVEFORMATEXTENSIBLE. Every plain WAVEFORMATEX gets that default mask; a client
//!   that cares about speaker positions says so with WAVEFORMATEXTENSIBLE.
//! - **wValidBitsPerSample == 0** means "every container bit is valid" (as if it equalled
//!   wBitsPerSample) rather than an error; clients that fill only the WAVEFORMATEX part leave it
//!   zero. The supported (wBitsPerSample, valid bits) pairs are PCM 16/16 → Int16, 24/24 → Int24,
//!   32/24 → Int24In32 (extensible only), 32/32 → Int32 and IEEE float 32/32 → Float32; every
//!   other pair is [`FormatError::BitsPerSample`].
//! - **Flags, SampleSize and Reserved** of KSDATAFORMAT are not checked: KS leaves SampleSize to
//!   the format (audio clients send 0 or nBlockAlign) and attributes, if flagged, follow
//!   FormatSize rather than living inside it.
//! - **SubFormat**: the KSDATAFORMAT SubFormat must be PCM or IEEE float and agree with
//!   wFormatTag (or, for WAVE_FORMAT_EXTENSIBLE, with the extensible SubFormat); disagreement is
//!   [`FormatError::SubFormat`].
//!
//! The checks run in a fixed order (header GUIDs, sizes, tag and cbSize, SubFormat agreement,
//! channels, rate, bits, nBlockAlign, nAvgBytesPerSec, channel mask), so a buffer with several
//! faults always reports the same one.

use super::{ChannelMask, Channels, Format, FormatError, SampleRate, SampleType};
use crate::guid::Guid;

/// KSDATAFORMAT_TYPE_AUDIO (`'auds'`): 73647561-0000-0010-8000-00AA00389B71.
pub const KSDATAFORMAT_TYPE_AUDIO: Guid =
    Guid::from_u128(0x7364_7561_0000_0010_8000_00AA_0038_9B71);
/// KSDATAFORMAT_SUBTYPE_PCM (WAVE_FORMAT_PCM in the first field).
pub const KSDATAFORMAT_SUBTYPE_PCM: Guid =
    Guid::from_u128(0x0000_0001_0000_0010_8000_00AA_0038_9B71);
/// KSDATAFORMAT_SUBTYPE_IEEE_FLOAT (WAVE_FORMAT_IEEE_FLOAT in the first field).
pub const KSDATAFORMAT_SUBTYPE_IEEE_FLOAT: Guid =
    Guid::from_u128(0x0000_0003_0000_0010_8000_00AA_0038_9B71);
/// KSDATAFORMAT_SPECIFIER_WAVEFORMATEX: a WAVEFORMATEX follows the KSDATAFORMAT header.
pub const KSDATAFORMAT_SPECIFIER_WAVEFORMATEX: Guid =
    Guid::from_u128(0x0558_9F81_C356_11CE_BF01_00AA_0055_595A);
/// KSDATAFORMAT_SPECIFIER_NONE: no format structure follows the header.
pub const KSDATAFORMAT_SPECIFIER_NONE: Guid =
    Guid::from_u128(0x0F64_17D6_C318_11D0_A43F_00A0_C922_3196);
/// KSDATAFORMAT_TYPE_WILDCARD (GUID_NULL): a range that accepts any major format.
pub const KSDATAFORMAT_TYPE_WILDCARD: Guid = Guid::from_u128(0);
/// KSDATAFORMAT_SUBTYPE_WILDCARD (GUID_NULL): a range that accepts any subformat.
pub const KSDATAFORMAT_SUBTYPE_WILDCARD: Guid = Guid::from_u128(0);
/// KSDATAFORMAT_SPECIFIER_WILDCARD (GUID_NULL): a range that accepts any specifier.
pub const KSDATAFORMAT_SPECIFIER_WILDCARD: Guid = Guid::from_u128(0);

/// `wFormatTag` values we understand.
pub const WAVE_FORMAT_PCM: u16 = 0x0001;
pub const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
pub const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// sizeof(KSDATAFORMAT) (also sizeof(KSDATARANGE)).
pub const KSDATAFORMAT_SIZE: usize = 64;
/// sizeof(WAVEFORMATEX), packed.
pub const WAVEFORMATEX_SIZE: usize = 18;
/// sizeof(WAVEFORMATEXTENSIBLE), packed.
pub const WAVEFORMATEXTENSIBLE_SIZE: usize = 40;
/// The cbSize of a WAVEFORMATEXTENSIBLE: the bytes after the WAVEFORMATEX part.
pub const WAVEFORMATEXTENSIBLE_CB_SIZE: u16 = 22;
/// sizeof(KSDATAFORMAT_WAVEFORMATEX) as ksmedia.h declares it (`pack(1)`).
pub const KSDATAFORMAT_WAVEFORMATEX_SIZE: usize = KSDATAFORMAT_SIZE + WAVEFORMATEX_SIZE;
/// sizeof(KSDATAFORMAT_WAVEFORMATEXTENSIBLE): what [`write_data_format`] produces.
pub const KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE: usize =
    KSDATAFORMAT_SIZE + WAVEFORMATEXTENSIBLE_SIZE;

// Byte offsets inside KSDATAFORMAT.
const KS_FORMAT_SIZE: usize = 0;
const KS_FLAGS: usize = 4;
const KS_SAMPLE_SIZE: usize = 8;
const KS_MAJOR: usize = 16;
const KS_SUB: usize = 32;
const KS_SPECIFIER: usize = 48;

// Byte offsets inside WAVEFORMATEX / WAVEFORMATEXTENSIBLE.
const WF_TAG: usize = 0;
const WF_CHANNELS: usize = 2;
const WF_RATE: usize = 4;
const WF_AVG_BYTES: usize = 8;
const WF_BLOCK_ALIGN: usize = 12;
const WF_BITS: usize = 14;
const WF_CB_SIZE: usize = 16;
const WFX_VALID_BITS: usize = 18;
const WFX_CHANNEL_MASK: usize = 20;
const WFX_SUB: usize = 24;

/// The KSDATAFORMAT / KSDATARANGE header fields the engine looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KsHeader {
    /// FormatSize, already known to be within the slice and at least [`KSDATAFORMAT_SIZE`].
    pub(crate) format_size: usize,
    pub(crate) flags: u32,
    pub(crate) major: Guid,
    pub(crate) sub: Guid,
    pub(crate) specifier: Guid,
}

impl KsHeader {
    /// Reads the 64-byte header and checks FormatSize against the slice: a FormatSize beyond the
    /// slice is [`FormatError::TooShort`] (the buffer is shorter than what it claims to hold), one
    /// smaller than the header itself is [`FormatError::FormatSizeMismatch`].
    pub(crate) fn read(bytes: &[u8]) -> Result<KsHeader, FormatError> {
        if bytes.len() < KSDATAFORMAT_SIZE {
            return Err(FormatError::TooShort);
        }
        let format_size =
            usize::try_from(read_u32(bytes, KS_FORMAT_SIZE)?).map_err(|_| FormatError::TooShort)?;
        if format_size > bytes.len() {
            return Err(FormatError::TooShort);
        }
        if format_size < KSDATAFORMAT_SIZE {
            return Err(FormatError::FormatSizeMismatch);
        }
        Ok(KsHeader {
            format_size,
            flags: read_u32(bytes, KS_FLAGS)?,
            major: read_guid(bytes, KS_MAJOR)?,
            sub: read_guid(bytes, KS_SUB)?,
            specifier: read_guid(bytes, KS_SPECIFIER)?,
        })
    }
}

/// Parses a KSDATAFORMAT followed by a WAVEFORMATEX or WAVEFORMATEXTENSIBLE (a
/// KSDATAFORMAT_WAVEFORMATEX(TENSIBLE)) from untrusted bytes. See the module documentation for
/// how strict each check is.
pub fn parse_data_format(bytes: &[u8]) -> Result<Format, FormatError> {
    let header = KsHeader::read(bytes)?;
    parse_data_format_with_header(bytes, &header)
}

/// The body of [`parse_data_format`] once the header is read, shared with the range parser so it
/// does not read the header twice.
pub(crate) fn parse_data_format_with_header(
    bytes: &[u8],
    header: &KsHeader,
) -> Result<Format, FormatError> {
    if header.major != KSDATAFORMAT_TYPE_AUDIO {
        return Err(FormatError::MajorFormat);
    }
    if header.specifier != KSDATAFORMAT_SPECIFIER_WAVEFORMATEX {
        return Err(FormatError::Specifier);
    }
    if header.sub != KSDATAFORMAT_SUBTYPE_PCM && header.sub != KSDATAFORMAT_SUBTYPE_IEEE_FLOAT {
        return Err(FormatError::SubFormat);
    }
    // Only the bytes FormatSize covers belong to the format: a wave structure that needs more
    // than that means FormatSize is wrong, not that the buffer is short.
    let body = bytes
        .get(KSDATAFORMAT_SIZE..header.format_size)
        .ok_or(FormatError::FormatSizeMismatch)?;
    let (format, declared) = parse_wave(body, Some(header.sub)).map_err(|e| match e {
        FormatError::TooShort => FormatError::FormatSizeMismatch,
        other => other,
    })?;
    let needed = KSDATAFORMAT_SIZE
        .checked_add(declared)
        .ok_or(FormatError::FormatSizeMismatch)?;
    // Tail padding of an unpacked declaration: up to the next multiple of 8.
    let padded = needed
        .checked_next_multiple_of(8)
        .ok_or(FormatError::FormatSizeMismatch)?;
    if header.format_size < needed || header.format_size > padded {
        return Err(FormatError::FormatSizeMismatch);
    }
    Ok(format)
}

/// Parses a bare WAVEFORMATEX or WAVEFORMATEXTENSIBLE (no KSDATAFORMAT header) with the same
/// rules as [`parse_data_format`]. The slice must hold the `18 + cbSize` bytes the structure
/// declares; it may be longer.
pub fn parse_wave_format(bytes: &[u8]) -> Result<Format, FormatError> {
    parse_wave(bytes, None).map(|(format, _)| format)
}

/// Parses the wave structure at the start of `bytes`. `ks_sub` is the KSDATAFORMAT SubFormat the
/// wave structure must agree with, when there is a header. Returns the format and the length the
/// structure declares (`18 + cbSize`), which the caller checks against FormatSize.
fn parse_wave(bytes: &[u8], ks_sub: Option<Guid>) -> Result<(Format, usize), FormatError> {
    let tag = read_u16(bytes, WF_TAG)?;
    let n_channels = read_u16(bytes, WF_CHANNELS)?;
    let n_rate = read_u32(bytes, WF_RATE)?;
    let avg_bytes = read_u32(bytes, WF_AVG_BYTES)?;
    let block_align = read_u16(bytes, WF_BLOCK_ALIGN)?;
    let bits = read_u16(bytes, WF_BITS)?;
    let cb_size = read_u16(bytes, WF_CB_SIZE)?;
    let declared = WAVEFORMATEX_SIZE + usize::from(cb_size);

    // (SubFormat, wValidBitsPerSample, dwChannelMask if explicit)
    let (sub, valid_bits, mask) = match tag {
        WAVE_FORMAT_PCM => (KSDATAFORMAT_SUBTYPE_PCM, bits, None),
        WAVE_FORMAT_IEEE_FLOAT => {
            if cb_size != 0 {
                return Err(FormatError::CbSize);
            }
            (KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, bits, None)
        }
        WAVE_FORMAT_EXTENSIBLE => {
            if cb_size != WAVEFORMATEXTENSIBLE_CB_SIZE {
                return Err(FormatError::CbSize);
            }
            let valid = match read_u16(bytes, WFX_VALID_BITS)? {
                0 => bits,
                v => v,
            };
            let mask = read_u32(bytes, WFX_CHANNEL_MASK)?;
            let sub = read_guid(bytes, WFX_SUB)?;
            if sub != KSDATAFORMAT_SUBTYPE_PCM && sub != KSDATAFORMAT_SUBTYPE_IEEE_FLOAT {
                return Err(FormatError::SubFormat);
            }
            (sub, valid, Some(mask))
        }
        _ => return Err(FormatError::FormatTag),
    };
    // The structure must be all there, including PCM's ignored-but-announced extra bytes.
    if bytes.len() < declared {
        return Err(FormatError::TooShort);
    }
    if ks_sub.is_some_and(|k| k != sub) {
        return Err(FormatError::SubFormat);
    }

    let channels = Channels::new(n_channels)?;
    let rate = SampleRate::new(n_rate)?;
    let sample = sample_type_for(sub == KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, bits, valid_bits)
        .ok_or(FormatError::BitsPerSample)?;
    let mask = match mask {
        Some(bits) => Some(ChannelMask::new(bits, channels)?),
        None => None,
    };
    let format = match mask {
        Some(m) => Format::with_mask(sample, channels, rate, m),
        None => Format::new(sample, channels, rate),
    };
    if block_align != format.block_align() {
        return Err(FormatError::BlockAlign);
    }
    if avg_bytes != format.bytes_per_second() {
        return Err(FormatError::AvgBytesPerSec);
    }
    Ok((format, declared))
}

/// The sample type for a (float?, wBitsPerSample, wValidBitsPerSample) triple; `None` for
/// anything unsupported. Supported: PCM 16/16, 24/24, 32/32 and 24 valid in 32; float 32/32.
/// (A plain WAVEFORMATEX passes its wBitsPerSample as the valid bits, so 24-in-32 can only be
/// described by WAVEFORMATEXTENSIBLE.)
fn sample_type_for(float: bool, bits: u16, valid_bits: u16) -> Option<SampleType> {
    match (float, bits, valid_bits) {
        (false, 16, 16) => Some(SampleType::Int16),
        (false, 24, 24) => Some(SampleType::Int24),
        (false, 32, 24) => Some(SampleType::Int24In32),
        (false, 32, 32) => Some(SampleType::Int32),
        (true, 32, 32) => Some(SampleType::Float32),
        _ => None,
    }
}

/// The KS SubFormat GUID of a sample type.
pub const fn sub_format_of(sample: SampleType) -> Guid {
    if sample.is_float() {
        KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    } else {
        KSDATAFORMAT_SUBTYPE_PCM
    }
}

/// Writes `f` as a KSDATAFORMAT_WAVEFORMATEXTENSIBLE (always the extensible form, so the channel
/// mask and 24-in-32 survive) into the start of `out` and returns the bytes written,
/// [`KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE`]. `out` too small is [`FormatError::TooShort`] and
/// leaves `out` untouched. SampleSize is nBlockAlign, Flags and Reserved are zero.
pub fn write_data_format(f: &Format, out: &mut [u8]) -> Result<usize, FormatError> {
    let out = out
        .get_mut(..KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE)
        .ok_or(FormatError::TooShort)?;
    out.fill(0);
    // The sizes are small constants; the conversion cannot fail, but stay checked anyway.
    let size =
        u32::try_from(KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE).map_err(|_| FormatError::TooShort)?;
    put(out, KS_FORMAT_SIZE, &size.to_le_bytes())?;
    put(
        out,
        KS_SAMPLE_SIZE,
        &u32::from(f.block_align()).to_le_bytes(),
    )?;
    put(out, KS_MAJOR, &KSDATAFORMAT_TYPE_AUDIO.to_bytes())?;
    put(out, KS_SUB, &sub_format_of(f.sample()).to_bytes())?;
    put(
        out,
        KS_SPECIFIER,
        &KSDATAFORMAT_SPECIFIER_WAVEFORMATEX.to_bytes(),
    )?;
    let wave = out
        .get_mut(KSDATAFORMAT_SIZE..)
        .ok_or(FormatError::TooShort)?;
    write_wave_format(f, wave)?;
    Ok(KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE)
}

/// Writes `f` as a bare WAVEFORMATEXTENSIBLE into the start of `out` and returns the bytes
/// written, [`WAVEFORMATEXTENSIBLE_SIZE`]; [`FormatError::TooShort`] if `out` is smaller.
pub fn write_wave_format(f: &Format, out: &mut [u8]) -> Result<usize, FormatError> {
    let out = out
        .get_mut(..WAVEFORMATEXTENSIBLE_SIZE)
        .ok_or(FormatError::TooShort)?;
    let bits = f.sample().container_bytes() * 8;
    put(out, WF_TAG, &WAVE_FORMAT_EXTENSIBLE.to_le_bytes())?;
    put(out, WF_CHANNELS, &f.channels().get().to_le_bytes())?;
    put(out, WF_RATE, &f.rate().hz().to_le_bytes())?;
    put(out, WF_AVG_BYTES, &f.bytes_per_second().to_le_bytes())?;
    put(out, WF_BLOCK_ALIGN, &f.block_align().to_le_bytes())?;
    put(out, WF_BITS, &bits.to_le_bytes())?;
    put(out, WF_CB_SIZE, &WAVEFORMATEXTENSIBLE_CB_SIZE.to_le_bytes())?;
    put(out, WFX_VALID_BITS, &f.sample().valid_bits().to_le_bytes())?;
    put(
        out,
        WFX_CHANNEL_MASK,
        &f.channel_mask().bits().to_le_bytes(),
    )?;
    put(out, WFX_SUB, &sub_format_of(f.sample()).to_bytes())?;
    Ok(WAVEFORMATEXTENSIBLE_SIZE)
}

/// Little-endian, bounds-checked reads; a read past the end is [`FormatError::TooShort`].
pub(crate) fn read_u16(buf: &[u8], offset: usize) -> Result<u16, FormatError> {
    read_array(buf, offset).map(u16::from_le_bytes)
}

pub(crate) fn read_u32(buf: &[u8], offset: usize) -> Result<u32, FormatError> {
    read_array(buf, offset).map(u32::from_le_bytes)
}

pub(crate) fn read_guid(buf: &[u8], offset: usize) -> Result<Guid, FormatError> {
    Guid::read(buf, offset).ok_or(FormatError::TooShort)
}

fn read_array<const N: usize>(buf: &[u8], offset: usize) -> Result<[u8; N], FormatError> {
    buf.get(offset..)
        .and_then(<[u8]>::first_chunk::<N>)
        .copied()
        .ok_or(FormatError::TooShort)
}

/// Copies `bytes` to `offset` of `out`; out of bounds is [`FormatError::TooShort`].
pub(crate) fn put(out: &mut [u8], offset: usize, bytes: &[u8]) -> Result<(), FormatError> {
    let end = offset
        .checked_add(bytes.len())
        .ok_or(FormatError::TooShort)?;
    out.get_mut(offset..end)
        .ok_or(FormatError::TooShort)?
        .copy_from_slice(bytes);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::status::NtStatus;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn fmt(sample: SampleType, channels: u16, hz: u32) -> Format {
        Format::new(
            sample,
            Channels::new(channels).unwrap(),
            SampleRate::new(hz).unwrap(),
        )
    }

    /// A valid KSDATAFORMAT_WAVEFORMATEXTENSIBLE image of `f`.
    pub(crate) fn ext_image(f: &Format) -> Vec<u8> {
        let mut buf = vec![0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE];
        assert_eq!(write_data_format(f, &mut buf), Ok(buf.len()));
        buf
    }

    /// A valid KSDATAFORMAT_WAVEFORMATEX (plain, packed, 82 bytes) image of `f`.
    fn plain_image(f: &Format) -> Vec<u8> {
        let mut buf = ext_image(f);
        buf.truncate(KSDATAFORMAT_WAVEFORMATEX_SIZE);
        set_u32(&mut buf, 0, 82);
        let tag = if f.sample().is_float() {
            WAVE_FORMAT_IEEE_FLOAT
        } else {
            WAVE_FORMAT_PCM
        };
        set_u16(&mut buf, 64 + WF_TAG, tag);
        set_u16(&mut buf, 64 + WF_CB_SIZE, 0);
        buf
    }

    fn set_u16(buf: &mut [u8], at: usize, v: u16) {
        buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn set_u32(buf: &mut [u8], at: usize, v: u32) {
        buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn set_guid(buf: &mut [u8], at: usize, g: Guid) {
        buf[at..at + 16].copy_from_slice(&g.to_bytes());
    }

    /// Asserts both the variant and the NTSTATUS it becomes.
    fn assert_rejected(r: Result<Format, FormatError>, want: FormatError, status: NtStatus) {
        assert_eq!(r, Err(want));
        assert_eq!(NtStatus::from(want), status, "{want:?}");
    }

    fn stereo48(sample: SampleType) -> Format {
        fmt(sample, 2, 48_000)
    }

    // ---- GUIDs and layout facts --------------------------------------------------------------

    #[test]
    fn guids_match_the_mingw_memory_images() {
        // Byte images dumped from an object file built with x86_64-w64-mingw32-gcc from the
        // STATIC_KSDATAFORMAT_* initialisers in ks.h / ksmedia.h.
        let hex = |s: &str| -> [u8; 16] {
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
            }
            out
        };
        let cases = [
            (KSDATAFORMAT_TYPE_AUDIO, "61756473000010008000"),
            (KSDATAFORMAT_SUBTYPE_PCM, "01000000000010008000"),
            (KSDATAFORMAT_SUBTYPE_IEEE_FLOAT, "03000000000010008000"),
        ];
        for (g, head) in cases {
            let want = hex(&format!("{head}00aa00389b71"));
            assert_eq!(g.to_bytes(), want, "{g}");
        }
        assert_eq!(
            KSDATAFORMAT_SPECIFIER_WAVEFORMATEX.to_bytes(),
            hex("819f580556c3ce11bf0100aa0055595a")
        );
        assert_eq!(
            KSDATAFORMAT_SPECIFIER_NONE.to_bytes(),
            hex("d617640f18c3d011a43f00a0c9223196")
        );
        for g in [
            KSDATAFORMAT_TYPE_WILDCARD,
            KSDATAFORMAT_SUBTYPE_WILDCARD,
            KSDATAFORMAT_SPECIFIER_WILDCARD,
        ] {
            assert_eq!(g.to_bytes(), [0u8; 16]);
        }
        assert_eq!(
            format!("{KSDATAFORMAT_SPECIFIER_WAVEFORMATEX}"),
            "05589F81-C356-11CE-BF01-00AA0055595A"
        );
    }

    #[test]
    fn sizes_match_the_mingw_layouts() {
        // sizeof values measured with x86_64-w64-mingw32-gcc (see the module docs).
        assert_eq!(KSDATAFORMAT_SIZE, 64);
        assert_eq!(WAVEFORMATEX_SIZE, 18);
        assert_eq!(WAVEFORMATEXTENSIBLE_SIZE, 40);
        assert_eq!(KSDATAFORMAT_WAVEFORMATEX_SIZE, 82);
        assert_eq!(KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, 104);
        assert_eq!(
            usize::from(WAVEFORMATEXTENSIBLE_CB_SIZE),
            WAVEFORMATEXTENSIBLE_SIZE - WAVEFORMATEX_SIZE
        );
        assert_eq!((WFX_CHANNEL_MASK, WFX_SUB), (20, 24));
    }

    #[test]
    fn written_image_has_the_documented_fields() {
        let f = fmt(SampleType::Int24In32, 6, 96_000);
        let b = ext_image(&f);
        assert_eq!(read_u32(&b, 0), Ok(104));
        assert_eq!(read_u32(&b, KS_FLAGS), Ok(0));
        assert_eq!(read_u32(&b, KS_SAMPLE_SIZE), Ok(24));
        assert_eq!(read_u32(&b, 12), Ok(0));
        assert_eq!(read_guid(&b, KS_MAJOR), Ok(KSDATAFORMAT_TYPE_AUDIO));
        assert_eq!(read_guid(&b, KS_SUB), Ok(KSDATAFORMAT_SUBTYPE_PCM));
        assert_eq!(
            read_guid(&b, KS_SPECIFIER),
            Ok(KSDATAFORMAT_SPECIFIER_WAVEFORMATEX)
        );
        let w = &b[64..];
        assert_eq!(read_u16(w, WF_TAG), Ok(0xFFFE));
        assert_eq!(read_u16(w, WF_CHANNELS), Ok(6));
        assert_eq!(read_u32(w, WF_RATE), Ok(96_000));
        assert_eq!(read_u32(w, WF_AVG_BYTES), Ok(96_000 * 24));
        assert_eq!(read_u16(w, WF_BLOCK_ALIGN), Ok(24));
        assert_eq!(read_u16(w, WF_BITS), Ok(32));
        assert_eq!(read_u16(w, WF_CB_SIZE), Ok(22));
        assert_eq!(read_u16(w, WFX_VALID_BITS), Ok(24));
        assert_eq!(read_u32(w, WFX_CHANNEL_MASK), Ok(0x3F));
        assert_eq!(read_guid(w, WFX_SUB), Ok(KSDATAFORMAT_SUBTYPE_PCM));
    }

    // ---- accepted formats ----------------------------------------------------------------------

    #[test]
    fn every_sample_type_channel_count_and_rate_is_accepted_extensible() {
        for sample in SampleType::ALL {
            for channels in [1, 2, 6, 8, 16] {
                for hz in [8_000, 44_100, 48_000, 192_000, 384_000, 12_345] {
                    let f = fmt(sample, channels, hz);
                    assert_eq!(parse_data_format(&ext_image(&f)), Ok(f), "{f:?}");
                    assert_eq!(parse_wave_format(&ext_image(&f)[64..]), Ok(f), "{f:?}");
                }
            }
        }
    }

    #[test]
    fn plain_waveformatex_is_accepted_for_every_type_but_24_in_32() {
        for sample in SampleType::ALL {
            for channels in [1, 2, 6] {
                for hz in [8_000, 44_100, 96_000] {
                    let f = fmt(sample, channels, hz);
                    let img = plain_image(&f);
                    let r = parse_data_format(&img);
                    let w = parse_wave_format(&img[64..]);
                    if sample == SampleType::Int24In32 {
                        // A plain header says 32 bits, which is Int32 ... whose nBlockAlign
                        // matches, so the image *is* a valid Int32 format.
                        let as32 = fmt(SampleType::Int32, channels, hz);
                        assert_eq!(r, Ok(as32));
                        assert_eq!(w, Ok(as32));
                    } else {
                        assert_eq!(r, Ok(f), "{f:?}");
                        assert_eq!(w, Ok(f), "{f:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn plain_multichannel_gets_the_default_mask() {
        let f = fmt(SampleType::Int16, 6, 48_000);
        let parsed = parse_data_format(&plain_image(&f)).unwrap();
        assert_eq!(parsed.channel_mask().bits(), 0x3F);
    }

    #[test]
    fn explicit_masks_survive_including_direct_out() {
        let ch = Channels::new(2).unwrap();
        for mask in [0, 0x3, 0x5, 0x3_0000] {
            let f = Format::with_mask(
                SampleType::Int16,
                ch,
                SampleRate::new(48_000).unwrap(),
                ChannelMask::new(mask, ch).unwrap(),
            );
            assert_eq!(parse_data_format(&ext_image(&f)), Ok(f));
        }
    }

    #[test]
    fn zero_valid_bits_means_all_container_bits() {
        for sample in [SampleType::Int16, SampleType::Int32, SampleType::Float32] {
            let f = stereo48(sample);
            let mut img = ext_image(&f);
            set_u16(&mut img, 64 + WFX_VALID_BITS, 0);
            assert_eq!(parse_data_format(&img), Ok(f));
        }
    }

    #[test]
    fn format_size_may_include_tail_padding_but_no_more() {
        let f = stereo48(SampleType::Int16);
        let mut img = plain_image(&f);
        img.resize(96, 0);
        for (size, ok) in [
            (82, true),
            (88, true),
            (89, false),
            (96, false),
            (81, false),
        ] {
            set_u32(&mut img, 0, size);
            let r = parse_data_format(&img);
            if ok {
                assert_eq!(r, Ok(f), "FormatSize {size}");
            } else {
                assert_rejected(
                    r,
                    FormatError::FormatSizeMismatch,
                    NtStatus::INVALID_BUFFER_SIZE,
                );
            }
        }
        // The extensible form is already a multiple of 8: no slack.
        let mut ext = ext_image(&f);
        ext.resize(112, 0);
        set_u32(&mut ext, 0, 112);
        assert_rejected(
            parse_data_format(&ext),
            FormatError::FormatSizeMismatch,
            NtStatus::INVALID_BUFFER_SIZE,
        );
    }

    #[test]
    fn a_longer_slice_than_format_size_is_fine_and_not_read() {
        let f = stereo48(SampleType::Float32);
        let mut img = ext_image(&f);
        img.extend_from_slice(&[0xAB; 40]);
        assert_eq!(parse_data_format(&img), Ok(f));
        assert_eq!(parse_wave_format(&img[64..]), Ok(f));
    }

    #[test]
    fn pcm_cb_size_is_ignored_but_must_be_covered() {
        let f = stereo48(SampleType::Int16);
        let mut img = plain_image(&f);
        set_u16(&mut img, 64 + WF_CB_SIZE, 6);
        // 64 + 18 + 6 = 88: FormatSize 82 no longer covers it.
        assert_rejected(
            parse_data_format(&img),
            FormatError::FormatSizeMismatch,
            NtStatus::INVALID_BUFFER_SIZE,
        );
        assert_rejected(
            parse_wave_format(&img[64..]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        img.resize(88, 0);
        set_u32(&mut img, 0, 88);
        assert_eq!(parse_data_format(&img), Ok(f));
        assert_eq!(parse_wave_format(&img[64..]), Ok(f));
    }

    // ---- one test per rejection ------------------------------------------------------------------

    #[test]
    fn too_short() {
        let img = ext_image(&stereo48(SampleType::Int16));
        for len in [0, 1, 63] {
            assert_rejected(
                parse_data_format(&img[..len]),
                FormatError::TooShort,
                NtStatus::BUFFER_TOO_SMALL,
            );
        }
        // FormatSize claims more than the slice holds.
        assert_rejected(
            parse_data_format(&img[..103]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        let mut huge = img.clone();
        set_u32(&mut huge, 0, u32::MAX);
        assert_rejected(
            parse_data_format(&huge),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        // Bare: shorter than WAVEFORMATEX, and an extensible cut before its tail.
        assert_rejected(
            parse_wave_format(&img[64..64 + 17]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
        assert_rejected(
            parse_wave_format(&img[64..103]),
            FormatError::TooShort,
            NtStatus::BUFFER_TOO_SMALL,
        );
    }

    #[test]
    fn format_size_mismatch() {
        let f = stereo48(SampleType::Int16);
        let mut img = ext_image(&f);
        // Smaller than the header, smaller than a WAVEFORMATEX, and cutting the extensible tail.
        for size in [0, 63, 64, 81, 82, 103] {
            set_u32(&mut img, 0, size);
            assert_rejected(
                parse_data_format(&img),
                FormatError::FormatSizeMismatch,
                NtStatus::INVALID_BUFFER_SIZE,
            );
        }
    }

    fn with_header_guid(at: usize, g: Guid) -> Vec<u8> {
        let mut img = ext_image(&stereo48(SampleType::Int16));
        set_guid(&mut img, at, g);
        img
    }

    #[test]
    fn major_format() {
        for g in [KSDATAFORMAT_TYPE_WILDCARD, KSDATAFORMAT_SUBTYPE_PCM] {
            assert_rejected(
                parse_data_format(&with_header_guid(KS_MAJOR, g)),
                FormatError::MajorFormat,
                NtStatus::NO_MATCH,
            );
        }
    }

    #[test]
    fn specifier() {
        for g in [
            KSDATAFORMAT_SPECIFIER_NONE,
            KSDATAFORMAT_SPECIFIER_WILDCARD,
            // KSDATAFORMAT_SPECIFIER_DSOUND
            Guid::from_u128(0x5185_90A2_A184_11D0_8522_00C0_4FD9_BAF3),
        ] {
            assert_rejected(
                parse_data_format(&with_header_guid(KS_SPECIFIER, g)),
                FormatError::Specifier,
                NtStatus::NO_MATCH,
            );
        }
    }

    #[test]
    fn sub_format() {
        // Header SubFormat unknown or wildcard.
        for g in [
            KSDATAFORMAT_SUBTYPE_WILDCARD,
            Guid::from_u128(0x0000_0092_0000_0010_8000_00AA_0038_9B71), // Dolby AC3 SPDIF
        ] {
            assert_rejected(
                parse_data_format(&with_header_guid(KS_SUB, g)),
                FormatError::SubFormat,
                NtStatus::NO_MATCH,
            );
        }
        // Header says float, extensible says PCM.
        assert_rejected(
            parse_data_format(&with_header_guid(KS_SUB, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT)),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
        // Extensible SubFormat unknown (bare and with a header).
        let mut img = ext_image(&stereo48(SampleType::Int16));
        set_guid(&mut img, 64 + WFX_SUB, KSDATAFORMAT_SPECIFIER_NONE);
        assert_rejected(
            parse_data_format(&img),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
        assert_rejected(
            parse_wave_format(&img[64..]),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
        // Plain PCM tag under a float header.
        let mut plain = plain_image(&stereo48(SampleType::Int16));
        set_guid(&mut plain, KS_SUB, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT);
        assert_rejected(
            parse_data_format(&plain),
            FormatError::SubFormat,
            NtStatus::NO_MATCH,
        );
    }

    #[test]
    fn format_tag() {
        for tag in [0, 2, 0x0092, 0xFFFF] {
            let mut img = ext_image(&stereo48(SampleType::Int16));
            set_u16(&mut img, 64 + WF_TAG, tag);
            assert_rejected(
                parse_data_format(&img),
                FormatError::FormatTag,
                NtStatus::NO_MATCH,
            );
            assert_rejected(
                parse_wave_format(&img[64..]),
                FormatError::FormatTag,
                NtStatus::NO_MATCH,
            );
        }
    }

    #[test]
    fn cb_size() {
        for cb in [0, 21, 23, 0xFFFF] {
            let mut img = ext_image(&stereo48(SampleType::Int16));
            set_u16(&mut img, 64 + WF_CB_SIZE, cb);
            assert_rejected(
                parse_data_format(&img),
                FormatError::CbSize,
                NtStatus::INVALID_PARAMETER,
            );
        }
        let mut float = plain_image(&stereo48(SampleType::Float32));
        set_u16(&mut float, 64 + WF_CB_SIZE, 22);
        assert_rejected(
            parse_wave_format(&float[64..]),
            FormatError::CbSize,
            NtStatus::INVALID_PARAMETER,
        );
    }

    #[test]
    fn channel_count() {
        for n in [0, 17, 0xFFFF] {
            let mut img = ext_image(&stereo48(SampleType::Int16));
            set_u16(&mut img, 64 + WF_CHANNELS, n);
            assert_rejected(
                parse_data_format(&img),
                FormatError::ChannelCount,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn sample_rate() {
        for hz in [0, 7_999, 384_001, u32::MAX] {
            let mut img = ext_image(&stereo48(SampleType::Int16));
            set_u32(&mut img, 64 + WF_RATE, hz);
            assert_rejected(
                parse_data_format(&img),
                FormatError::SampleRate,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn bits_per_sample() {
        // (float, bits, valid) combinations that are not supported.
        let cases = [
            (false, 8, 8),
            (false, 20, 20),
            (false, 24, 20),
            (false, 32, 20),
            (false, 32, 16),
            (false, 16, 24),
            (true, 64, 64),
            (true, 32, 24),
            (true, 16, 16),
        ];
        for (float, bits, valid) in cases {
            let sample = if float {
                SampleType::Float32
            } else {
                SampleType::Int16
            };
            let mut img = ext_image(&stereo48(sample));
            set_u16(&mut img, 64 + WF_BITS, bits);
            set_u16(&mut img, 64 + WFX_VALID_BITS, valid);
            assert_rejected(
                parse_data_format(&img),
                FormatError::BitsPerSample,
                NtStatus::INVALID_PARAMETER,
            );
        }
        // Plain 8-bit PCM.
        let mut plain = plain_image(&stereo48(SampleType::Int16));
        set_u16(&mut plain, 64 + WF_BITS, 8);
        assert_rejected(
            parse_data_format(&plain),
            FormatError::BitsPerSample,
            NtStatus::INVALID_PARAMETER,
        );
    }

    #[test]
    fn block_align() {
        let mut img = ext_image(&stereo48(SampleType::Int24));
        for wrong in [0, 5, 8, 0xFFFF] {
            set_u16(&mut img, 64 + WF_BLOCK_ALIGN, wrong);
            assert_rejected(
                parse_data_format(&img),
                FormatError::BlockAlign,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn avg_bytes_per_sec() {
        let mut img = ext_image(&stereo48(SampleType::Int16));
        for wrong in [0, 192_001, 48_000] {
            set_u32(&mut img, 64 + WF_AVG_BYTES, wrong);
            assert_rejected(
                parse_data_format(&img),
                FormatError::AvgBytesPerSec,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn channel_mask_reserved_bits() {
        let mut img = ext_image(&stereo48(SampleType::Int16));
        // SPEAKER_ALL (0x80000000) and SPEAKER_RESERVED are not positions.
        for mask in [0x8000_0000, 0x0004_0001] {
            set_u32(&mut img, 64 + WFX_CHANNEL_MASK, mask);
            assert_rejected(
                parse_data_format(&img),
                FormatError::ChannelMaskReservedBits,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn channel_mask_mismatch() {
        let mut img = ext_image(&stereo48(SampleType::Int16));
        for mask in [0x1, 0x7, 0x3F] {
            set_u32(&mut img, 64 + WFX_CHANNEL_MASK, mask);
            assert_rejected(
                parse_data_format(&img),
                FormatError::ChannelMaskMismatch,
                NtStatus::INVALID_PARAMETER,
            );
        }
    }

    #[test]
    fn write_needs_room() {
        let f = stereo48(SampleType::Int16);
        let mut small = [0x5Au8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE - 1];
        assert_eq!(
            write_data_format(&f, &mut small),
            Err(FormatError::TooShort)
        );
        assert!(small.iter().all(|&b| b == 0x5A), "untouched on failure");
        let mut wave = [0u8; WAVEFORMATEXTENSIBLE_SIZE - 1];
        assert_eq!(write_wave_format(&f, &mut wave), Err(FormatError::TooShort));
        let mut big = [0u8; 200];
        assert_eq!(write_data_format(&f, &mut big), Ok(104));
        assert_eq!(parse_data_format(&big), Ok(f));
    }

    // ---- properties ------------------------------------------------------------------------------

    pub(crate) fn any_format() -> impl Strategy<Value = Format> {
        (
            proptest::sample::select(SampleType::ALL.to_vec()),
            1u16..=16,
            SampleRate::MIN..=SampleRate::MAX,
            any::<u32>(),
            0u8..3,
        )
            .prop_map(|(sample, n, hz, seed, mask_kind)| {
                let ch = Channels::new(n).unwrap();
                let rate = SampleRate::new(hz).unwrap();
                let mask = match mask_kind {
                    0 => ChannelMask::default_for(ch),
                    1 => ChannelMask::DIRECT_OUT,
                    _ => {
                        // n distinct defined positions chosen by the seed.
                        let mut bits = 0u32;
                        let mut s = seed;
                        while bits.count_ones() < u32::from(n) {
                            bits |= 1 << (s % 18);
                            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223) >> 3;
                        }
                        ChannelMask::new(bits, ch).unwrap()
                    }
                };
                Format::with_mask(sample, ch, rate, mask)
            })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_data_format(&bytes);
            let _ = parse_wave_format(&bytes);
        }

        #[test]
        fn corrupted_valid_images_never_panic_and_never_accept_garbage(
            f in any_format(),
            edits in proptest::collection::vec((0usize..104, any::<u8>()), 1..6),
            cut in 0usize..=104,
        ) {
            let mut img = ext_image(&f);
            for (at, v) in edits {
                img[at] = v;
            }
            img.truncate(cut);
            if let Ok(g) = parse_data_format(&img) {
                // Whatever survives must be what the bytes say.
                prop_assert_eq!(read_u16(&img, 64 + WF_CHANNELS), Ok(g.channels().get()));
                prop_assert_eq!(read_u32(&img, 64 + WF_RATE), Ok(g.rate().hz()));
                prop_assert_eq!(read_u16(&img, 64 + WF_BLOCK_ALIGN), Ok(g.block_align()));
                prop_assert_eq!(read_u32(&img, 64 + WF_AVG_BYTES), Ok(g.bytes_per_second()));
                prop_assert_eq!(read_guid(&img, KS_SUB), Ok(sub_format_of(g.sample())));
            }
            let _ = parse_wave_format(img.get(64..).unwrap_or(&[]));
        }

        #[test]
        fn written_then_parsed_is_equal(f in any_format()) {
            let img = ext_image(&f);
            prop_assert_eq!(parse_data_format(&img), Ok(f));
            let mut wave = [0u8; WAVEFORMATEXTENSIBLE_SIZE];
            prop_assert_eq!(write_wave_format(&f, &mut wave), Ok(WAVEFORMATEXTENSIBLE_SIZE));
            prop_assert_eq!(parse_wave_format(&wave), Ok(f));
        }
    }
}
