//! The captured audio as a WAV file, in the capture format.

use std::io::{Seek, Write};
use std::path::Path;

use anyhow::Context as _;
use cadenza_engine::format::{Format, SampleType};

use crate::report::WavInfo;

/// How a capture sample type is stored in the file. hound writes 16/24/32-bit integer and
/// 32-bit float; int24in32 is stored as 32-bit integer, byte for byte as captured (its low
/// byte is the zero padding), so the file is exactly what the client received.
pub fn wav_info(sample: SampleType) -> WavInfo {
    let (bits_per_sample, sample_format, note) = match sample {
        SampleType::Int16 => (16, "int", None),
        SampleType::Int24 => (24, "int", None),
        SampleType::Int24In32 => (
            32,
            "int",
            Some(
                "int24in32 is written as 32-bit integer samples, byte for byte as captured (the 24 bits are left-justified)",
            ),
        ),
        SampleType::Int32 => (32, "int", None),
        SampleType::Float32 => (32, "float", None),
    };
    WavInfo {
        bits_per_sample,
        sample_format,
        note,
    }
}

/// Writes `captured` (interleaved frames in `format`, little-endian) to `path`.
pub fn write_wav(path: &Path, format: &Format, captured: &[u8]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    write_to(std::io::BufWriter::new(file), format, captured)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_to<W: Write + Seek>(out: W, format: &Format, captured: &[u8]) -> anyhow::Result<()> {
    let info = wav_info(format.sample());
    let spec = hound::WavSpec {
        channels: format.channels().get(),
        sample_rate: format.rate().hz(),
        bits_per_sample: info.bits_per_sample,
        sample_format: if format.sample().is_float() {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut writer = hound::WavWriter::new(out, spec)?;
    let width = usize::from(format.sample().container_bytes());
    // Only whole frames: a capture never ends mid-frame, but the file must not either.
    let whole =
        captured.len() / usize::from(format.block_align()) * usize::from(format.block_align());
    for sample in captured[..whole].chunks_exact(width) {
        match format.sample() {
            SampleType::Int16 => writer.write_sample(i16::from_le_bytes(array(sample)?))?,
            SampleType::Int24 => {
                let [low, mid, high] = array(sample)?;
                // Sign-extend the packed 24-bit sample: place it in the top three bytes, then
                // shift back down arithmetically.
                writer.write_sample(i32::from_le_bytes([0, low, mid, high]) >> 8)?;
            }
            SampleType::Int24In32 | SampleType::Int32 => {
                writer.write_sample(i32::from_le_bytes(array(sample)?))?;
            }
            SampleType::Float32 => writer.write_sample(f32::from_le_bytes(array(sample)?))?,
        }
    }
    writer.finalize()?;
    Ok(())
}

/// One sample's bytes as the array its decoder takes.
fn array<const N: usize>(sample: &[u8]) -> anyhow::Result<[u8; N]> {
    sample.try_into().map_err(|_| {
        anyhow::anyhow!(
            "a {}-byte sample where {N} bytes were expected",
            sample.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate};
    use std::io::Cursor;

    fn roundtrip(sample: SampleType, bytes: &[u8]) -> (hound::WavSpec, Vec<i64>) {
        let f = Format::new(sample, Channels::MONO, SampleRate::new(8_000).unwrap());
        let mut buf = Cursor::new(Vec::new());
        write_to(&mut buf, &f, bytes).unwrap();
        buf.set_position(0);
        let r = hound::WavReader::new(buf).unwrap();
        let spec = r.spec();
        let samples = r
            .into_samples::<i32>()
            .map(|s| i64::from(s.unwrap()))
            .collect();
        (spec, samples)
    }

    #[test]
    fn int24_is_sign_extended() {
        let (spec, s) = roundtrip(SampleType::Int24, &[0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x40]);
        assert_eq!(spec.bits_per_sample, 24);
        assert_eq!(s, vec![-1, 0x40_0000]);
    }

    #[test]
    fn int24in32_keeps_its_bytes() {
        let (spec, s) = roundtrip(SampleType::Int24In32, &[0x00, 0x01, 0x02, 0x83]);
        assert_eq!(spec.bits_per_sample, 32);
        assert_eq!(
            s,
            vec![i64::from(i32::from_le_bytes([0x00, 0x01, 0x02, 0x83]))]
        );
    }
}
