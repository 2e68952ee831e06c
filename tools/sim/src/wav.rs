//! WAV files: the capture written as the client received it, and a user's file read for
//! `--input`.
//!
//! The writer stores the captured bytes unchanged after a header that says exactly what they
//! are: `WAVE_FORMAT_PCM` (16-byte `fmt `) for integer samples in one or two channels,
//! `WAVE_FORMAT_EXTENSIBLE` (40-byte `fmt `, with the channel mask) for integer samples in
//! more channels, and `WAVE_FORMAT_IEEE_FLOAT` with `cbSize = 0` (18-byte `fmt `) and a
//! `fact` chunk for float samples in any number of channels. Every non-PCM header carries
//! `cbSize`, as the WAV specification asks, so readers such as sox have nothing to complain
//! about (sox also warns about float in WAVE_FORMAT_EXTENSIBLE, hence the plain float tag). int24in32 is stored as 32-bit integer
//! samples: its bytes unchanged, the 24 bits left-justified over a zero byte, which is the
//! same audio at the same scale (sox and others refuse a header declaring 24 valid bits in
//! 32-bit containers).
//!
//! The reader accepts `WAVE_FORMAT_PCM` (16-, 24- and 32-bit integers),
//! `WAVE_FORMAT_IEEE_FLOAT` (32-bit) and `WAVE_FORMAT_EXTENSIBLE` with the PCM or IEEE float
//! subformat (the same, plus 24 valid bits in 32-bit containers: int24in32), at the rates and
//! channel counts the engine supports. Anything else is refused with a message that says what
//! the file holds and why it cannot be played.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};

use crate::report::WavInfo;

const TAG_PCM: u16 = 0x0001;
const TAG_IEEE_FLOAT: u16 = 0x0003;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// The tail shared by the `KSDATAFORMAT_SUBTYPE_*` GUIDs whose first two bytes are a format
/// tag: `{xxxxxxxx-0000-0010-8000-00aa00389b71}` in its little-endian byte order, from
/// byte 2 on.
const SUBTYPE_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// The header layout the writer uses for a format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Pcm,
    IeeeFloat,
    Extensible,
}

fn layout(format: &Format) -> Layout {
    if format.sample().is_float() {
        Layout::IeeeFloat
    } else if format.channels().get() > 2 {
        Layout::Extensible
    } else {
        Layout::Pcm
    }
}

/// How a capture format is stored in the file, for the report.
pub fn wav_info(format: &Format) -> WavInfo {
    let sample = format.sample();
    let format_tag = match layout(format) {
        Layout::Pcm => "WAVE_FORMAT_PCM",
        Layout::IeeeFloat => "WAVE_FORMAT_IEEE_FLOAT",
        Layout::Extensible => "WAVE_FORMAT_EXTENSIBLE",
    };
    WavInfo {
        format_tag,
        bits_per_sample: sample.container_bytes() * 8,
        sample_format: if sample.is_float() { "float" } else { "int" },
        note: (sample == SampleType::Int24In32).then_some(
            "int24in32 is stored as 32-bit integer samples, byte for byte as captured (the 24 \
             bits are left-justified over the zero padding byte)",
        ),
    }
}

/// The file's header for `data_len` bytes of audio in `format`.
fn header(format: &Format, data_len: u32) -> Vec<u8> {
    let sample = format.sample();
    let channels = format.channels().get();
    let block = format.block_align();
    let layout = layout(format);
    let mut fmt = Vec::with_capacity(40);
    let tag = match layout {
        Layout::Pcm => TAG_PCM,
        Layout::IeeeFloat => TAG_IEEE_FLOAT,
        Layout::Extensible => TAG_EXTENSIBLE,
    };
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&format.rate().hz().to_le_bytes());
    fmt.extend_from_slice(&format.bytes_per_second().to_le_bytes());
    fmt.extend_from_slice(&block.to_le_bytes());
    fmt.extend_from_slice(&(sample.container_bytes() * 8).to_le_bytes());
    match layout {
        Layout::Pcm => {}
        Layout::IeeeFloat => fmt.extend_from_slice(&0u16.to_le_bytes()),
        Layout::Extensible => {
            fmt.extend_from_slice(&22u16.to_le_bytes());
            // Every bit of the container is declared valid (see the module docs).
            fmt.extend_from_slice(&(sample.container_bytes() * 8).to_le_bytes());
            fmt.extend_from_slice(&format.channel_mask().bits().to_le_bytes());
            let subtype = if sample.is_float() {
                TAG_IEEE_FLOAT
            } else {
                TAG_PCM
            };
            fmt.extend_from_slice(&subtype.to_le_bytes());
            fmt.extend_from_slice(&SUBTYPE_TAIL);
        }
    }
    let mut out = Vec::with_capacity(80);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&[0; 4]); // patched below
    out.extend_from_slice(b"WAVE");
    chunk_header(&mut out, *b"fmt ", fmt.len());
    out.extend_from_slice(&fmt);
    if sample.is_float() {
        // Non-PCM data carries its length in frames (`dwSampleLength`).
        let frames = data_len / u32::from(block);
        chunk_header(&mut out, *b"fact", 4);
        out.extend_from_slice(&frames.to_le_bytes());
    }
    chunk_header(&mut out, *b"data", data_len as usize);
    // RIFF size: everything after the size field, the data and its pad byte included.
    let riff = (out.len() - 8) as u64 + u64::from(data_len) + u64::from(data_len % 2);
    let riff = u32::try_from(riff).unwrap_or(u32::MAX);
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

fn chunk_header(out: &mut Vec<u8>, id: [u8; 4], len: usize) {
    out.extend_from_slice(&id);
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

/// Writes `audio` (interleaved frames in `format`, little-endian) to `path`, byte for byte.
/// A trailing partial frame is left out.
pub fn write_wav(path: &Path, format: &Format, audio: &[u8]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    write_to(std::io::BufWriter::new(file), format, audio)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_to<W: Write>(mut out: W, format: &Format, audio: &[u8]) -> anyhow::Result<()> {
    let block = usize::from(format.block_align());
    let whole = &audio[..audio.len() / block * block];
    let len = u32::try_from(whole.len())
        .ok()
        .filter(|n| *n <= u32::MAX - 128)
        .context("the audio is larger than a WAV file can hold (4 GiB)")?;
    out.write_all(&header(format, len))?;
    out.write_all(whole)?;
    if len % 2 == 1 {
        out.write_all(&[0])?; // RIFF chunks are padded to an even length
    }
    out.flush()?;
    Ok(())
}

/// The audio of a WAV file, in a format the engine can stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WavAudio {
    pub format: Format,
    /// Interleaved frames, little-endian, exactly as stored in the file's data chunk.
    pub data: Vec<u8>,
    /// How the file declared its samples, for messages: e.g. `WAVE_FORMAT_PCM`.
    pub format_tag: &'static str,
}

impl WavAudio {
    pub fn frames(&self) -> u64 {
        (self.data.len() / usize::from(self.format.block_align())) as u64
    }
}

/// Why a file cannot be played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WavError {
    /// Not a RIFF/WAVE file at all.
    NotWav,
    /// The file ends inside a chunk or before the data chunk.
    Truncated(String),
    /// A well-formed file whose encoding the engine does not stream.
    Unsupported(String),
    /// A header that contradicts itself.
    Malformed(String),
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::NotWav => {
                f.write_str("not a WAV file (a WAV file starts with `RIFF`, a length and `WAVE`)")
            }
            WavError::Truncated(why) => write!(f, "truncated WAV file: {why}"),
            WavError::Unsupported(why) => write!(
                f,
                "unsupported encoding: {why}; cadenza-sim plays PCM int16, int24, int32 \
                 (or 24 valid bits in 32: int24in32) and IEEE float32, as WAVE_FORMAT_PCM, \
                 WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_EXTENSIBLE"
            ),
            WavError::Malformed(why) => write!(f, "malformed WAV header: {why}"),
        }
    }
}

impl std::error::Error for WavError {}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The declared sample layout of a `fmt ` chunk.
struct FmtChunk {
    tag: u16,
    /// The tag the data really has: `tag`, or an EXTENSIBLE file's subformat.
    effective: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
    valid_bits: u16,
}

fn parse_fmt(b: &[u8]) -> Result<FmtChunk, WavError> {
    let short =
        || WavError::Malformed(format!("the fmt chunk is {} bytes, fewer than 16", b.len()));
    let tag = u16_at(b, 0).ok_or_else(short)?;
    let channels = u16_at(b, 2).ok_or_else(short)?;
    let rate = u32_at(b, 4).ok_or_else(short)?;
    let block_align = u16_at(b, 12).ok_or_else(short)?;
    let bits = u16_at(b, 14).ok_or_else(short)?;
    let mut chunk = FmtChunk {
        tag,
        effective: tag,
        channels,
        rate,
        block_align,
        bits,
        valid_bits: bits,
    };
    if tag == TAG_EXTENSIBLE {
        let ext = || {
            WavError::Malformed(format!(
                "a WAVE_FORMAT_EXTENSIBLE fmt chunk needs 40 bytes, this one has {}",
                b.len()
            ))
        };
        let cb_size = u16_at(b, 16).ok_or_else(ext)?;
        if cb_size < 22 {
            return Err(WavError::Malformed(format!(
                "WAVE_FORMAT_EXTENSIBLE with cbSize {cb_size} (at least 22 is required)"
            )));
        }
        let valid = u16_at(b, 18).ok_or_else(ext)?;
        let guid = b.get(24..40).ok_or_else(ext)?;
        if guid[2..] != SUBTYPE_TAIL {
            return Err(WavError::Unsupported(
                "WAVE_FORMAT_EXTENSIBLE with a subformat GUID that is neither PCM nor IEEE float"
                    .into(),
            ));
        }
        chunk.effective = u16::from_le_bytes([guid[0], guid[1]]);
        // 0 means "all bits valid" in files written by some tools.
        chunk.valid_bits = if valid == 0 { bits } else { valid };
    }
    Ok(chunk)
}

fn sample_type(f: &FmtChunk) -> Result<SampleType, WavError> {
    let tag_name = match f.tag {
        TAG_PCM => "WAVE_FORMAT_PCM",
        TAG_IEEE_FLOAT => "WAVE_FORMAT_IEEE_FLOAT",
        TAG_EXTENSIBLE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "",
    };
    match (f.effective, f.bits, f.valid_bits) {
        (TAG_PCM, 16, 16) => Ok(SampleType::Int16),
        (TAG_PCM, 24, 24) => Ok(SampleType::Int24),
        (TAG_PCM, 32, 32) => Ok(SampleType::Int32),
        (TAG_PCM, 32, 24) => Ok(SampleType::Int24In32),
        (TAG_IEEE_FLOAT, 32, 32) => Ok(SampleType::Float32),
        (TAG_PCM, bits, valid) => Err(WavError::Unsupported(if bits == valid {
            format!("{tag_name} with {bits}-bit integer samples")
        } else {
            format!("{tag_name} with {valid} valid bits in {bits}-bit integer samples")
        })),
        (TAG_IEEE_FLOAT, bits, _) => Err(WavError::Unsupported(format!(
            "{tag_name} with {bits}-bit float samples"
        ))),
        (tag, _, _) if f.tag == TAG_EXTENSIBLE => Err(WavError::Unsupported(format!(
            "WAVE_FORMAT_EXTENSIBLE with subformat 0x{tag:04x}"
        ))),
        (tag, _, _) => Err(WavError::Unsupported(format!(
            "format tag 0x{tag:04x} (compressed or otherwise not linear PCM)"
        ))),
    }
}

/// Parses a whole WAV file.
pub fn parse_wav(bytes: &[u8]) -> Result<WavAudio, WavError> {
    if bytes.len() < 12 {
        if bytes.starts_with(b"RIFF") {
            return Err(WavError::Truncated(format!(
                "{} bytes, shorter than a RIFF header",
                bytes.len()
            )));
        }
        return Err(WavError::NotWav);
    }
    if &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWav);
    }
    let mut at = 12usize;
    let mut fmt: Option<FmtChunk> = None;
    loop {
        let Some(id) = bytes.get(at..at + 4) else {
            return Err(WavError::Truncated(if fmt.is_some() {
                "the file ends before its data chunk".into()
            } else {
                "the file ends before its fmt chunk".into()
            }));
        };
        let Some(len) = u32_at(bytes, at + 4) else {
            return Err(WavError::Truncated(format!(
                "the file ends inside the header of its `{}` chunk",
                String::from_utf8_lossy(id)
            )));
        };
        let len = len as usize;
        let body_start = at + 8;
        let available = bytes.len() - body_start;
        if id == b"data" {
            let Some(f) = fmt else {
                return Err(WavError::Malformed(
                    "the data chunk comes before any fmt chunk".into(),
                ));
            };
            if len > available {
                return Err(WavError::Truncated(format!(
                    "the data chunk declares {len} bytes but only {available} follow"
                )));
            }
            return audio_of(&f, &bytes[body_start..body_start + len]);
        }
        if len > available {
            return Err(WavError::Truncated(format!(
                "the `{}` chunk declares {len} bytes but only {available} follow",
                String::from_utf8_lossy(id)
            )));
        }
        if id == b"fmt " {
            fmt = Some(parse_fmt(&bytes[body_start..body_start + len])?);
        }
        // Chunks are padded to an even length.
        at = body_start + len + len % 2;
    }
}

fn audio_of(f: &FmtChunk, data: &[u8]) -> Result<WavAudio, WavError> {
    let sample = sample_type(f)?;
    let channels = Channels::new(f.channels).map_err(|_| {
        WavError::Unsupported(format!(
            "{} channels (the engine supports {} to {})",
            f.channels,
            Channels::MIN,
            Channels::MAX
        ))
    })?;
    let rate = SampleRate::new(f.rate).map_err(|_| {
        WavError::Unsupported(format!(
            "a rate of {} Hz (the engine supports {} to {} Hz)",
            f.rate,
            SampleRate::MIN,
            SampleRate::MAX
        ))
    })?;
    let format = Format::new(sample, channels, rate);
    if f.block_align != format.block_align() {
        return Err(WavError::Malformed(format!(
            "block align {} for {} channels of {}-bit samples (expected {})",
            f.block_align,
            f.channels,
            f.bits,
            format.block_align()
        )));
    }
    let block = usize::from(format.block_align());
    if !data.len().is_multiple_of(block) {
        return Err(WavError::Truncated(format!(
            "the data chunk holds {} bytes, not a whole number of {block}-byte frames",
            data.len()
        )));
    }
    if data.is_empty() {
        return Err(WavError::Malformed("the data chunk holds no audio".into()));
    }
    Ok(WavAudio {
        format,
        data: data.to_vec(),
        format_tag: match f.tag {
            TAG_PCM => "WAVE_FORMAT_PCM",
            TAG_IEEE_FLOAT => "WAVE_FORMAT_IEEE_FLOAT",
            _ => "WAVE_FORMAT_EXTENSIBLE",
        },
    })
}

/// Reads and parses the WAV file at `path`.
pub fn read_wav(path: &Path) -> anyhow::Result<WavAudio> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_wav(&bytes).with_context(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(sample: SampleType, channels: u16, rate: u32) -> Format {
        Format::new(
            sample,
            Channels::new(channels).unwrap(),
            SampleRate::new(rate).unwrap(),
        )
    }

    fn encode(format: &Format, audio: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_to(&mut out, format, audio).unwrap();
        out
    }

    /// The promise: what the simulator writes, it reads back unchanged, in every format.
    #[test]
    fn every_format_round_trips_byte_for_byte() {
        for sample in SampleType::ALL {
            for channels in [1, 2, 3, 8] {
                let f = fmt(sample, channels, 44_100);
                // 7 frames of distinct bytes: an odd length for the packed types, so the pad
                // byte is exercised too.
                let n = 7 * usize::from(f.block_align());
                let audio: Vec<u8> = (0..n)
                    .map(|i| u8::try_from(i * 37 % 251).unwrap())
                    .collect();
                let file = encode(&f, &audio);
                assert_eq!(
                    file.len() % 2,
                    0,
                    "{sample:?} {channels}: RIFF pads to even"
                );
                let back = parse_wav(&file).unwrap();
                // int24in32 is stored as (and so reads back as) 32-bit samples, same bytes.
                let stored = if sample == SampleType::Int24In32 {
                    SampleType::Int32
                } else {
                    sample
                };
                assert_eq!(
                    back.format,
                    fmt(stored, channels, 44_100),
                    "{sample:?} {channels}"
                );
                assert_eq!(back.data, audio, "{sample:?} {channels}");
            }
        }
    }

    /// The promise: a float file's header has `cbSize` (18-byte fmt) and a fact chunk, the
    /// layout the WAV spec asks of non-PCM data.
    #[test]
    fn float_headers_carry_cb_size_and_fact() {
        let file = encode(&fmt(SampleType::Float32, 2, 48_000), &[0; 16]);
        assert_eq!(&file[12..16], b"fmt ");
        assert_eq!(u32_at(&file, 16), Some(18));
        assert_eq!(u16_at(&file, 20), Some(TAG_IEEE_FLOAT));
        assert_eq!(u16_at(&file, 36), Some(0), "cbSize");
        assert_eq!(&file[38..42], b"fact");
        assert_eq!(u32_at(&file, 46), Some(2), "two frames");
        assert_eq!(&file[50..54], b"data");
        // RIFF length: file length minus the 8 bytes of RIFF id and size.
        assert_eq!(
            u32_at(&file, 4),
            Some(u32::try_from(file.len() - 8).unwrap())
        );
    }

    /// The promise: headers say what the bytes are in a way common readers accept.
    #[test]
    fn int24in32_is_stored_as_32_bit_pcm_and_many_channels_as_extensible() {
        let file = encode(&fmt(SampleType::Int24In32, 2, 48_000), &[0; 16]);
        assert_eq!(u32_at(&file, 16), Some(16));
        assert_eq!(u16_at(&file, 20), Some(TAG_PCM));
        assert_eq!(u16_at(&file, 34), Some(32), "container bits");
        let file = encode(&fmt(SampleType::Int24, 6, 48_000), &[0; 18]);
        assert_eq!(u32_at(&file, 16), Some(40));
        assert_eq!(u16_at(&file, 20), Some(TAG_EXTENSIBLE));
        assert_eq!(u16_at(&file, 36), Some(22), "cbSize");
        assert_eq!(u16_at(&file, 38), Some(24), "valid bits");
        assert_eq!(u32_at(&file, 40), Some(0x3F), "5.1 mask");
    }

    /// The promise: a file that cannot be played is refused with what is wrong with it.
    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let good = encode(&fmt(SampleType::Int16, 1, 8_000), &[1, 0, 2, 0]);
        assert_eq!(parse_wav(b"hello, world"), Err(WavError::NotWav));
        assert_eq!(parse_wav(b""), Err(WavError::NotWav));
        // Cut inside the data chunk.
        let cut = parse_wav(&good[..good.len() - 1]).unwrap_err();
        assert!(
            matches!(&cut, WavError::Truncated(w) if w.contains("declares 4 bytes but only 3")),
            "{cut}"
        );
        // Cut inside the fmt chunk.
        assert!(matches!(
            parse_wav(&good[..30]),
            Err(WavError::Truncated(_))
        ));
        // 8-bit PCM and ADPCM.
        let mut eight = good.clone();
        eight[34] = 8;
        let e = parse_wav(&eight).unwrap_err().to_string();
        assert!(e.contains("8-bit integer samples"), "{e}");
        let mut adpcm = good.clone();
        adpcm[20] = 2;
        let e = parse_wav(&adpcm).unwrap_err().to_string();
        assert!(e.contains("format tag 0x0002"), "{e}");
        // Too many channels.
        let mut many = good;
        many[22] = 17;
        let e = parse_wav(&many).unwrap_err().to_string();
        assert!(e.contains("17 channels"), "{e}");
    }

    /// The promise: chunks other than fmt and data (LIST, odd-sized and padded) do not stop a
    /// file from playing.
    #[test]
    fn unknown_chunks_are_skipped() {
        let f = fmt(SampleType::Int16, 1, 8_000);
        let file = encode(&f, &[1, 0, 2, 0]);
        // Insert an odd-length LIST chunk (padded) between fmt and data.
        let mut with_list = file[..36].to_vec();
        with_list.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00");
        with_list.extend_from_slice(&file[36..]);
        let back = parse_wav(&with_list).unwrap();
        assert_eq!(back.data, vec![1, 0, 2, 0]);
    }
}
