//! What the cable must deliver.
//!
//! Sample types: a plain, one-sample-at-a-time model of the rules the engine documents
//! (`driver/engine/src/convert.rs`, module docs), written separately so the simulator judges
//! the engine's optimized conversion loops against code they do not share:
//!
//! - between integer types a sample is a left-justified `i32`; widening is exact, narrowing
//!   adds half an output step (saturating) and drops the low bits;
//! - when either side is float, the sample is an `f32` at full scale ±1.0: integers are
//!   divided by 2^15, 2^23 or 2^31; going back, the value is clamped to ±1.0 (NaN → 0),
//!   scaled and rounded once to nearest, ties to even (int16 in f32, wider types in f64,
//!   +1.0 giving the type's maximum);
//! - int24in32's low (padding) byte is ignored on reading and zero on writing;
//! - the same sample type (and channel count) is copied byte for byte.
//!
//! Channel counts: equal counts map one to one, which is all this model does. When the
//! counts differ, the expected audio is the engine's own conversion
//! ([`cadenza_engine::convert::convert`]) applied to the whole played signal at once: the
//! verdict then checks the data path (packets, positions, buffering, the cable's timing)
//! against the engine's mapping rules, which the engine's own tests check.
//!
//! The same function models the client's own conversion when `--input` is played in a
//! render format other than the file's.

use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::gain::Gain;

/// Full scale of each integer width, as the float domain sees it.
const FULL_16: f32 = 32_768.0;
const FULL_24: f64 = 8_388_608.0;
const FULL_32: f64 = 2_147_483_648.0;

fn sample_bytes(sample: SampleType) -> usize {
    usize::from(sample.container_bytes())
}

/// A sample of an integer type as a left-justified `i32`.
fn read_int(sample: SampleType, b: &[u8]) -> i32 {
    match sample {
        SampleType::Int16 => i32::from(i16::from_le_bytes([b[0], b[1]])) << 16,
        SampleType::Int24 => i32::from_le_bytes([0, b[0], b[1], b[2]]),
        // The low byte is padding the format declares zero; it is not part of the value.
        SampleType::Int24In32 => i32::from_le_bytes([0, b[1], b[2], b[3]]),
        SampleType::Int32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        SampleType::Float32 => unreachable!("float samples are read by read_float"),
    }
}

/// A left-justified `i32` narrowed (rounding to nearest, ties up, saturating) and stored.
fn write_int(sample: SampleType, v: i32, out: &mut Vec<u8>) {
    match sample {
        SampleType::Int16 => {
            let r = v.saturating_add(1 << 15) >> 16;
            out.extend_from_slice(&i16::try_from(r).unwrap_or(i16::MAX).to_le_bytes());
        }
        SampleType::Int24 => {
            let r = v.saturating_add(1 << 7).to_le_bytes();
            out.extend_from_slice(&r[1..4]);
        }
        SampleType::Int24In32 => {
            let r = v.saturating_add(1 << 7).to_le_bytes();
            out.extend_from_slice(&[0, r[1], r[2], r[3]]);
        }
        SampleType::Int32 => out.extend_from_slice(&v.to_le_bytes()),
        SampleType::Float32 => unreachable!("float samples are written by write_float"),
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "the engine's documented int32 → float rule: round to f32's 24-bit mantissa"
)]
fn i32_as_f32(v: i32) -> f32 {
    v as f32
}

/// A sample of any type at full scale ±1.0.
fn read_float(sample: SampleType, b: &[u8]) -> f32 {
    match sample {
        SampleType::Float32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        SampleType::Int16 => f32::from(i16::from_le_bytes([b[0], b[1]])) / FULL_16,
        // The 24-bit value itself, divided by 2^23 (exact: it has 24 significant bits).
        SampleType::Int24 => i32_as_f32(read_int(sample, b) >> 8) / 8_388_608.0,
        SampleType::Int24In32 | SampleType::Int32 => {
            i32_as_f32(read_int(sample, b)) / 2_147_483_648.0
        }
    }
}

/// Clamps to `lo..=hi`, NaN becoming 0.
fn clamp_or_zero(x: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() { 0.0 } else { x.clamp(lo, hi) }
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "the value is rounded and clamped to the target width first"
)]
fn to_i32(x: f64) -> i32 {
    x as i32
}

/// `v` (full scale ±1.0) at `scale` per 1.0, clamped to the type's range, rounded once.
fn float_to_wide(v: f32, scale: f64) -> i32 {
    let x = f64::from(clamp_or_zero(v, -1.0, 1.0)) * scale;
    to_i32(x.min(scale - 1.0).round_ties_even())
}

fn write_float(sample: SampleType, v: f32, out: &mut Vec<u8>) {
    match sample {
        SampleType::Float32 => out.extend_from_slice(&v.to_le_bytes()),
        SampleType::Int16 => {
            let x = clamp_or_zero(v * FULL_16, -FULL_16, FULL_16 - 1.0).round_ties_even();
            out.extend_from_slice(&to_i32(f64::from(x)).to_le_bytes()[..2]);
        }
        SampleType::Int24 => {
            out.extend_from_slice(&float_to_wide(v, FULL_24).to_le_bytes()[..3]);
        }
        SampleType::Int24In32 => {
            out.extend_from_slice(&(float_to_wide(v, FULL_24) << 8).to_le_bytes());
        }
        SampleType::Int32 => out.extend_from_slice(&float_to_wide(v, FULL_32).to_le_bytes()),
    }
}

/// Converts whole frames of `src` (in `from`) to `to`, as the cable must. The rates are not
/// looked at: the cable never resamples, so callers only pair formats of one rate.
pub fn convert(src: &[u8], from: &Format, to: &Format) -> Vec<u8> {
    if from.channels() != to.channels() {
        let frames = src.len() / usize::from(from.block_align());
        let mut out = vec![0u8; frames * usize::from(to.block_align())];
        // Same-rate formats cannot be refused; a different rate would leave silence.
        let _ = cadenza_engine::convert::convert(src, from, &mut out, to, &Gain::UNITY);
        return out;
    }
    let (sin, sout) = (from.sample(), to.sample());
    let whole = src.len() / usize::from(from.block_align()) * usize::from(from.block_align());
    if sin == sout {
        // The same layout is copied byte for byte, whatever the bytes are.
        return src[..whole].to_vec();
    }
    let (win, wout) = (sample_bytes(sin), sample_bytes(sout));
    let mut out = Vec::with_capacity(whole / win * wout);
    let float = sin.is_float() || sout.is_float();
    for sample in src[..whole].chunks_exact(win) {
        if float {
            write_float(sout, read_float(sin, sample), &mut out);
        } else {
            write_int(sout, read_int(sin, sample), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate};
    use cadenza_hostsim::SplitMix64;

    fn fmt(sample: SampleType, channels: u16) -> Format {
        Format::new(
            sample,
            Channels::new(channels).unwrap(),
            SampleRate::new(48_000).unwrap(),
        )
    }

    /// The promise: the model follows the engine's documented rules; hand-computed values,
    /// one rule each.
    #[test]
    fn the_documented_rules_by_hand() {
        let mono = |t| fmt(t, 1);
        // int16 0x4000 (0.5) → float 0.5.
        let f = convert(
            &0x4000i16.to_le_bytes(),
            &mono(SampleType::Int16),
            &mono(SampleType::Float32),
        );
        assert_eq!(f, 0.5f32.to_le_bytes());
        // float 1.0 → int16 max (one step below full scale); -1.0 → min; NaN → 0.
        for (v, want) in [
            (1.0f32, i16::MAX),
            (-1.0, i16::MIN),
            (f32::NAN, 0),
            (2.0, i16::MAX),
        ] {
            let out = convert(
                &v.to_le_bytes(),
                &mono(SampleType::Float32),
                &mono(SampleType::Int16),
            );
            assert_eq!(out, want.to_le_bytes(), "{v}");
        }
        // float 0.5 / 2^23 (half a 24-bit step) rounds to even: 0.
        let half_step = 0.5f32 / 8_388_608.0;
        let out = convert(
            &half_step.to_le_bytes(),
            &mono(SampleType::Float32),
            &mono(SampleType::Int24),
        );
        assert_eq!(out, [0, 0, 0]);
        // int24 0x000180 → int16: 0x0180 / 0x100 = 1.5 steps, ties up → 2.
        let out = convert(
            &[0x80, 0x01, 0x00],
            &mono(SampleType::Int24),
            &mono(SampleType::Int16),
        );
        assert_eq!(out, 2i16.to_le_bytes());
        // int24in32 ignores its padding byte.
        let out = convert(
            &[0xFF, 0x00, 0x00, 0x40],
            &mono(SampleType::Int24In32),
            &mono(SampleType::Int32),
        );
        assert_eq!(out, [0x00, 0x00, 0x00, 0x40]);
    }

    fn random_sample(t: SampleType, rng: &mut SplitMix64, out: &mut Vec<u8>) {
        if t.is_float() {
            // Ordinary values in ±1.5 (so clamping is exercised) and the edges.
            let v = match rng.next_u64() % 16 {
                0 => 1.0,
                1 => -1.0,
                2 => 0.0,
                3 => f32::INFINITY,
                _ => {
                    let unit = f64::from(u32::try_from(rng.next_u64() >> 40).unwrap())
                        / f64::from(1u32 << 24);
                    #[expect(clippy::cast_possible_truncation, reason = "test values")]
                    let v = ((unit - 0.5) * 3.0) as f32;
                    v
                }
            };
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            let b = rng.next_u64().to_le_bytes();
            out.extend_from_slice(&b[..usize::from(t.container_bytes())]);
        }
    }

    /// The promise: the model and the engine's optimized loops agree on every pair of sample
    /// types (the engine's tests check the rules themselves; this keeps the simulator's
    /// verdict honest).
    #[test]
    fn the_model_agrees_with_the_engine_on_every_pair() {
        let mut rng = SplitMix64::new(17);
        for from_t in SampleType::ALL {
            for to_t in SampleType::ALL {
                for (cin, cout) in [(1, 1), (2, 2), (3, 3), (8, 8)] {
                    let (from, to) = (fmt(from_t, cin), fmt(to_t, cout));
                    let mut src = Vec::new();
                    for _ in 0..97 * usize::from(cin) {
                        random_sample(from_t, &mut rng, &mut src);
                    }
                    let mut engine = vec![0u8; 97 * usize::from(to.block_align())];
                    cadenza_engine::convert::convert(&src, &from, &mut engine, &to, &Gain::UNITY)
                        .unwrap();
                    assert!(
                        convert(&src, &from, &to) == engine,
                        "{from_t:?} x{cin} -> {to_t:?} x{cout}"
                    );
                }
            }
        }
    }
}
