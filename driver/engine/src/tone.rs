//! A sine tone generator for the tone source: phase-continuous, deterministic, integer math.
//!
//! ## Phase
//! The phase is a `u64` fraction of a turn. Per frame it advances by exactly
//! `f / rate` turns, with `f` in millihertz: the increment is split into the whole part of
//! `f·2^64 / (rate·1000)` and a remainder carried Bresenham-style, so after `n` frames the
//! phase is exactly `floor(n·f·2^64 / (rate·1000)) mod 2^64`. Nothing drifts, an integer
//! frequency repeats exactly every second, and the output depends only on how many frames
//! came before, not on how they were split into calls. Changing the frequency or format
//! keeps the phase, so the waveform stays continuous.
//!
//! ## Sine
//! The top two phase bits pick the quadrant; the rest, mirrored for quadrants 1 and 3, is
//! scaled to an angle in [0, π/2] in Q62. `sin x` is the Taylor series through x^21 in
//! nested form `x(1 - x²/6(1 - x²/20(...)))`, where every partial factor lies in (0, 1], so
//! it runs in unsigned Q62 with u128 products. The first omitted term is below 2e-18, under
//! the Q62 rounding; the tests measure the kernel and the whole generator against f64 `sin`.
//!
//! ## Amplitude and output
//! The amplitude is a 16.16 dBFS level in [`Gain::MIN_LEVEL`]..=0, turned into a Q2.30 factor
//! by the same [`db_to_q30`] as the volume node. A sample is `sin · amplitude` as a
//! left-justified `i32` (rounded, with +1.0 clamped to `i32::MAX`), then written in the
//! format's type with the same rounding as [`crate::convert`]. Every channel of a frame gets
//! the same sample.

use core::num::NonZeroU64;

use crate::convert::{Codec, codec};
use crate::format::{Format, SampleType};
use crate::gain::{Gain, db_to_q30};
use crate::status::NtStatus;

/// Why a tone setting was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToneError {
    /// Zero, or at or above half the sample rate (it would alias).
    Frequency,
    /// Outside [`Gain::MIN_LEVEL`]..=0 dBFS.
    Amplitude,
}

impl From<ToneError> for NtStatus {
    fn from(_: ToneError) -> NtStatus {
        NtStatus::INVALID_PARAMETER
    }
}

/// A phase-continuous sine for one [`Format`]. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToneGenerator {
    format: Format,
    millihertz: u32,
    level: i32,
    amplitude_q30: u32,
    /// Current phase, in 2^-64 turns.
    phase: u64,
    /// Carried remainder of the increment, in 1 / `denominator` of a phase unit.
    remainder: u64,
    /// Whole phase units per frame.
    step: u64,
    /// Remainder per frame, below `denominator`.
    step_remainder: u64,
    /// `rate · 1000`: millihertz per frame-turn.
    denominator: NonZeroU64,
}

impl ToneGenerator {
    /// A tone of `millihertz` at `level` dBFS (16.16), starting at phase zero.
    pub fn new(format: Format, millihertz: u32, level: i32) -> Result<ToneGenerator, ToneError> {
        let (step, step_remainder, denominator) = Self::increment(&format, millihertz)?;
        let amplitude_q30 = Self::amplitude(level)?;
        Ok(ToneGenerator {
            format,
            millihertz,
            level,
            amplitude_q30,
            phase: 0,
            remainder: 0,
            step,
            step_remainder,
            denominator,
        })
    }

    fn increment(format: &Format, millihertz: u32) -> Result<(u64, u64, NonZeroU64), ToneError> {
        let denominator =
            NonZeroU64::new(u64::from(format.rate().hz()) * 1000).ok_or(ToneError::Frequency)?;
        let f = u64::from(millihertz);
        if f == 0 || f * 2 >= denominator.get() {
            return Err(ToneError::Frequency);
        }
        // f < 2^32, so f · 2^64 < 2^96; f < denominator / 2, so the quotient fits u64.
        let scaled = u128::from(f) << 64;
        let d = u128::from(denominator.get());
        let step = u64::try_from(scaled / d).map_err(|_| ToneError::Frequency)?;
        let step_remainder = u64::try_from(scaled % d).map_err(|_| ToneError::Frequency)?;
        Ok((step, step_remainder, denominator))
    }

    fn amplitude(level: i32) -> Result<u32, ToneError> {
        if (Gain::MIN_LEVEL..=0).contains(&level) {
            Ok(db_to_q30(level))
        } else {
            Err(ToneError::Amplitude)
        }
    }

    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The amplitude exactly as set, 16.16 dBFS.
    pub fn level(&self) -> i32 {
        self.level
    }

    /// Changes the frequency, keeping the phase. Nothing changes on error.
    pub fn set_frequency(&mut self, millihertz: u32) -> Result<(), ToneError> {
        let (step, step_remainder, denominator) = Self::increment(&self.format, millihertz)?;
        self.millihertz = millihertz;
        self.step = step;
        self.step_remainder = step_remainder;
        self.denominator = denominator;
        self.remainder = 0;
        Ok(())
    }

    /// Changes the amplitude (16.16 dBFS). Nothing changes on error.
    pub fn set_level(&mut self, level: i32) -> Result<(), ToneError> {
        self.amplitude_q30 = Self::amplitude(level)?;
        self.level = level;
        Ok(())
    }

    /// Changes the output format, keeping frequency and phase. Refused (nothing changes) if
    /// the frequency would be at or above the new Nyquist limit.
    pub fn set_format(&mut self, format: Format) -> Result<(), ToneError> {
        let (step, step_remainder, denominator) = Self::increment(&format, self.millihertz)?;
        self.format = format;
        self.step = step;
        self.step_remainder = step_remainder;
        self.denominator = denominator;
        self.remainder = 0;
        Ok(())
    }

    /// Back to phase zero: the next frame is the first of a fresh tone.
    pub fn reset(&mut self) {
        self.phase = 0;
        self.remainder = 0;
    }

    /// Writes whole frames into `dst` and returns how many. A trailing partial frame is left
    /// untouched.
    pub fn fill(&mut self, dst: &mut [u8]) -> usize {
        match self.format.sample() {
            SampleType::Int16 => self.fill_with::<codec::Int16, 2>(dst),
            SampleType::Int24 => self.fill_with::<codec::Int24, 3>(dst),
            SampleType::Int24In32 => self.fill_with::<codec::Int24In32, 4>(dst),
            SampleType::Int32 => self.fill_with::<codec::Int32, 4>(dst),
            SampleType::Float32 => self.fill_with::<codec::Float32, 4>(dst),
        }
    }

    fn fill_with<C: Codec<N>, const N: usize>(&mut self, dst: &mut [u8]) -> usize {
        let block = usize::from(self.format.block_align());
        if block == 0 {
            return 0;
        }
        let mut frames = 0;
        for frame in dst.chunks_exact_mut(block) {
            let sample = C::write_i32(self.next_sample());
            let (slots, _) = frame.as_chunks_mut::<N>();
            slots.fill(sample);
            frames += 1;
        }
        frames
    }

    /// The current frame's sample as a left-justified i32; advances one frame.
    fn next_sample(&mut self) -> i32 {
        let s = sin_q62(self.phase);
        // |s| <= 2^62 and amplitude <= 2^30, so the Q92 product fits i128 easily.
        let q92 = i128::from(s) * i128::from(self.amplitude_q30);
        let q31 = (q92 + (1 << 60)) >> 61;
        let out = i32::try_from(q31).unwrap_or(if q31 < 0 { i32::MIN } else { i32::MAX });
        self.advance();
        out
    }

    fn advance(&mut self) {
        self.phase = self.phase.wrapping_add(self.step);
        // Both terms are below the denominator (< 2^29), so the sum cannot overflow.
        self.remainder += self.step_remainder;
        if self.remainder >= self.denominator.get() {
            self.remainder -= self.denominator.get();
            self.phase = self.phase.wrapping_add(1);
        }
    }
}

/// Q62 one.
const Q62_ONE: u128 = 1 << 62;
/// π/2 in Q62.
const HALF_PI_Q62: u128 = 0x6487_ed51_10b4_611a;
/// `(2k)(2k+1)` for k = 10 down to 1: the nested Taylor series of sin through x^21.
const SIN_DIVISORS: [u128; 10] = [420, 342, 272, 210, 156, 110, 72, 42, 20, 6];

/// sin(2π · phase / 2^64) in signed Q62.
fn sin_q62(phase: u64) -> i64 {
    let quadrant = phase >> 62;
    let within = u128::from(phase & ((1 << 62) - 1));
    // Quadrants 1 and 3 run the quarter wave backwards: sin(π - x) = sin x.
    let r = if quadrant & 1 == 1 {
        (1u128 << 62) - within
    } else {
        within
    };
    // r <= 2^62 and π/2 < 2^61 · 1.6, so the product is below 2^125.
    let x = (r * HALF_PI_Q62) >> 62; // angle in Q62, <= π/2
    let x2 = (x * x) >> 62; // <= 2.47 in Q62, below 2^64
    let mut t = Q62_ONE;
    for d in SIN_DIVISORS {
        // x²·t/d <= 2.47/6 < 1: t stays in (0, 1].
        t = Q62_ONE - ((x2 * t) >> 62) / d;
    }
    let magnitude = i64::try_from((x * t) >> 62).unwrap_or(i64::MAX);
    if quadrant >= 2 { -magnitude } else { magnitude }
}

#[cfg(test)]
// References are computed in f64 from wide integers on purpose; the bits f64 drops are far
// below every tolerance checked, and the f32 test inputs are rounded deliberately.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use crate::format::{Channels, SampleRate};
    use std::vec::Vec;

    fn fmt(sample: SampleType, channels: u16, rate: u32) -> Format {
        Format::new(
            sample,
            Channels::new(channels).unwrap(),
            SampleRate::new(rate).unwrap(),
        )
    }

    fn int32_samples(tone: &mut ToneGenerator, frames: usize) -> Vec<i32> {
        let block = usize::from(tone.format().block_align());
        let mut buf = vec![0u8; frames * block];
        assert_eq!(tone.fill(&mut buf), frames);
        buf.chunks_exact(block)
            .map(|f| i32::from_le_bytes([f[0], f[1], f[2], f[3]]))
            .collect()
    }

    /// The sine kernel alone, over 2^20 phases spread across the turn plus the quadrant
    /// edges, against f64 `sin` (itself good to about 1e-16).
    #[test]
    fn sine_kernel_matches_f64() {
        let mut worst = 0.0f64;
        let edges = (0..8u64).flat_map(|q| {
            let base = q << 61;
            [base, base.wrapping_sub(1), base + 1]
        });
        let spread = (0..1u64 << 20).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for phase in spread.chain(edges) {
            // Reduce to the quarter wave in integers first: f64 cannot carry a whole turn's
            // angle to better than about 1e-15, which would swamp the kernel's error.
            let q = phase >> 62;
            let within = phase & ((1 << 62) - 1);
            let r = if q & 1 == 1 {
                (1u64 << 62) - within
            } else {
                within
            };
            let x = r as f64 / 4_611_686_018_427_387_904.0 * core::f64::consts::FRAC_PI_2;
            let want = if q >= 2 { -x.sin() } else { x.sin() };
            let got = sin_q62(phase) as f64 / 4_611_686_018_427_387_904.0;
            worst = worst.max((got - want).abs());
        }
        println!("sin_q62 max error {worst:e}");
        assert!(worst < 1e-15, "{worst}");
        assert_eq!(sin_q62(0), 0);
        assert_eq!(sin_q62(1 << 63), 0);
        assert!((sin_q62(1 << 62) - (1 << 62)).abs() < 64);
        assert!((sin_q62(3 << 62) + (1 << 62)).abs() < 64);
    }

    /// Whole generator at 0 dBFS into int32 against f64 over one second each of three
    /// tones: measured 0.500 LSB of int32 (2.3e-10 of full scale), i.e. only the final
    /// rounding; phase quantization and the kernel add nothing visible.
    #[test]
    fn accuracy() {
        for (rate, mhz) in [(48_000, 997_000), (44_100, 1_234_567), (8_000, 3_999_999)] {
            let mut tone = ToneGenerator::new(fmt(SampleType::Int32, 1, rate), mhz, 0).unwrap();
            let got = int32_samples(&mut tone, rate as usize);
            let mut worst = 0.0f64;
            for (n, &g) in got.iter().enumerate() {
                // Exact phase in turns: n·f/rate, reduced with integers first.
                let num = (n as u128 * u128::from(mhz)) % (u128::from(rate) * 1000);
                let turns = num as f64 / (f64::from(rate) * 1000.0);
                let want = ((turns * core::f64::consts::TAU).sin() * 2_147_483_648.0)
                    .clamp(-2_147_483_648.0, 2_147_483_647.0);
                worst = worst.max((f64::from(g) - want).abs());
            }
            println!("tone {mhz} mHz @ {rate}: max error {worst:.3} int32 LSB");
            assert!(worst <= 0.501, "{worst} LSB");
        }
    }

    fn rising_zero_crossings(samples: &[i32]) -> usize {
        samples.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count()
    }

    #[test]
    fn frequency_is_exact_over_a_second() {
        for (rate, mhz, expect) in [
            (48_000, 1_000_000, 1000),
            (44_100, 440_000, 440),
            (96_000, 19_999_000, 19_999),
            (8_000, 1_000, 1), // 1 Hz
        ] {
            let mut tone = ToneGenerator::new(fmt(SampleType::Int32, 1, rate), mhz, 0).unwrap();
            // One second plus one frame, so the crossing at exactly t = 1 s is seen.
            let s = int32_samples(&mut tone, rate as usize + 1);
            assert_eq!(rising_zero_crossings(&s), expect, "{mhz} mHz @ {rate}");
            // An integer frequency comes back to exactly the same sample every second.
            let next = int32_samples(&mut tone, rate as usize);
            assert_eq!(&next[..], &s[1..], "period of one second");
        }
        // 1000.5 Hz: 2001 cycles in two seconds.
        let mut tone = ToneGenerator::new(fmt(SampleType::Int32, 1, 48_000), 1_000_500, 0).unwrap();
        let s = int32_samples(&mut tone, 96_001);
        assert_eq!(rising_zero_crossings(&s), 2001);
    }

    /// The tone never drifts: after any whole number of seconds a whole-hertz tone is back at
    /// phase zero exactly (the per-frame increment's remainder is carried, not rounded), so an
    /// hour of it is the first second repeated bit for bit.
    #[test]
    fn a_whole_hertz_tone_is_back_at_phase_zero_after_every_whole_second() {
        for (rate, millihertz) in [(44_100, 1_000_000), (48_000, 440_000), (44_100, 997_000)] {
            let f = fmt(SampleType::Int16, 1, rate);
            let fresh = ToneGenerator::new(f, millihertz, -(6 << 16)).unwrap();
            let mut tone = fresh.clone();
            let mut second = vec![0u8; rate as usize * 2];
            let mut first = Vec::new();
            for s in 0..3 {
                assert_eq!(tone.fill(&mut second), rate as usize);
                assert_eq!(
                    tone,
                    fresh,
                    "{millihertz} mHz at {rate} Hz after {} s",
                    s + 1
                );
                if s == 0 {
                    first.clone_from(&second);
                } else {
                    assert!(second == first, "second {} differs from the first", s + 1);
                }
            }
        }
    }

    #[test]
    fn output_is_the_same_however_it_is_split() {
        for t in SampleType::ALL {
            let f = fmt(t, 3, 44_100);
            let block = usize::from(f.block_align());
            let mut one = ToneGenerator::new(f, 1_234_567, -(3 << 16)).unwrap();
            let mut whole = vec![0u8; 1000 * block];
            assert_eq!(one.fill(&mut whole), 1000);
            let mut parts = ToneGenerator::new(f, 1_234_567, -(3 << 16)).unwrap();
            let mut pieces = vec![0u8; 1000 * block];
            for chunk in pieces.chunks_mut(100 * block) {
                assert_eq!(parts.fill(chunk), 100);
            }
            assert_eq!(whole, pieces, "{t:?}");
            assert_eq!(one, parts);
            // Uneven splits, including partial frames, too.
            let mut odd = ToneGenerator::new(f, 1_234_567, -(3 << 16)).unwrap();
            let mut out = Vec::new();
            let mut buf = vec![0u8; 37 * block + 2];
            while out.len() < whole.len() {
                let n = odd.fill(&mut buf);
                out.extend_from_slice(&buf[..n * block]);
            }
            assert_eq!(&out[..whole.len()], &whole[..], "{t:?} uneven");
        }
    }

    #[test]
    fn every_channel_gets_the_same_sample_and_partial_frames_are_untouched() {
        let f = fmt(SampleType::Int24, 5, 48_000);
        let mut tone = ToneGenerator::new(f, 440_000, 0).unwrap();
        let mut buf = vec![0xEEu8; 15 * 20 + 7];
        assert_eq!(tone.fill(&mut buf), 20);
        for frame in buf[..300].chunks_exact(15) {
            assert!(frame.chunks_exact(3).all(|s| s == &frame[..3]));
        }
        assert!(buf[300..].iter().all(|&b| b == 0xEE));
        assert!(
            buf[..300]
                .chunks_exact(15)
                .skip(1)
                .any(|f| f[..3] != [0, 0, 0])
        );
    }

    #[test]
    fn amplitude_follows_the_level_and_types_agree() {
        let rate = 48_000;
        let peak = |t: SampleType, level: i32| {
            let f = fmt(t, 1, rate);
            let mut tone = ToneGenerator::new(f, 1_000_000, level).unwrap();
            let block = usize::from(f.block_align());
            let mut buf = vec![0u8; 48 * block];
            tone.fill(&mut buf);
            buf.chunks_exact(block)
                .map(|b| match t {
                    SampleType::Int16 => f64::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
                    SampleType::Int24 => {
                        f64::from(i32::from_le_bytes([0, b[0], b[1], b[2]])) / 2_147_483_648.0
                    }
                    SampleType::Float32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    _ => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0,
                })
                .fold(0.0f64, |m, v| m.max(v.abs()))
        };
        for t in SampleType::ALL {
            // 48 frames of 1 kHz at 48 kHz include the exact peak (frame 12).
            assert!((peak(t, 0) - 1.0).abs() < 1e-4, "{t:?}");
            assert!(
                (peak(t, -(6 << 16)) - 10f64.powf(-6.0 / 20.0)).abs() < 1e-4,
                "{t:?}"
            );
            assert!((peak(t, -(40 << 16)) - 0.01).abs() < 1e-4, "{t:?}");
        }
    }

    #[test]
    fn settings_are_validated_and_phase_is_kept() {
        let f = fmt(SampleType::Int32, 1, 48_000);
        assert_eq!(ToneGenerator::new(f, 0, 0), Err(ToneError::Frequency));
        assert_eq!(
            ToneGenerator::new(f, 24_000_000, 0),
            Err(ToneError::Frequency)
        );
        assert!(ToneGenerator::new(f, 23_999_999, 0).is_ok());
        assert_eq!(
            ToneGenerator::new(f, 1_000_000, 1),
            Err(ToneError::Amplitude)
        );
        assert_eq!(
            ToneGenerator::new(f, 1_000_000, Gain::MIN_LEVEL - 1),
            Err(ToneError::Amplitude)
        );
        assert_eq!(
            NtStatus::from(ToneError::Frequency),
            NtStatus::INVALID_PARAMETER
        );

        let mut tone = ToneGenerator::new(f, 1_000_000, -(1 << 16)).unwrap();
        assert_eq!(tone.level(), -(1 << 16));
        let before = tone.clone();
        assert_eq!(tone.set_frequency(30_000_000), Err(ToneError::Frequency));
        assert_eq!(tone.set_level(5), Err(ToneError::Amplitude));
        assert_eq!(tone.set_format(fmt(SampleType::Int32, 1, 8_000)), Ok(()));
        assert_eq!(tone.set_format(fmt(SampleType::Int32, 1, 8_000)), Ok(()));
        tone.set_format(f).unwrap();
        assert_eq!(tone, before, "refused changes leave nothing behind");
        let mut low = tone.clone();
        low.set_frequency(4_000_000).unwrap();
        assert_eq!(
            low.set_format(fmt(SampleType::Int32, 1, 8_000)),
            Err(ToneError::Frequency)
        );

        // A frequency change mid-stream continues from the current phase: no jump.
        let first = int32_samples(&mut tone, 12); // phase now a quarter turn: the peak
        tone.set_frequency(2_000_000).unwrap();
        let next = int32_samples(&mut tone, 2);
        assert!(
            first[11] < next[0] && next[0] > next[1],
            "{first:?} {next:?}"
        );
        tone.reset();
        assert_eq!(int32_samples(&mut tone, 1), [0]);
    }
}
