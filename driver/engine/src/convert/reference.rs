//! Today's scalar conversion, kept as the reference the fast kernels ([`super::fast`]) must
//! match bit for bit, and for benchmarks to compare against.
//!
//! [`convert`] and [`convert_mapped`] here are the whole conversion exactly as it was before
//! the SIMD kernels: the same prelude (frames, rate check, mute, copy), the same channel
//! mapping and the same monomorphized per-sample loops ([`Codec`] per sample type, [`Domain`]
//! per intermediate). [`super::convert`] shares the prelude and every per-frame loop with
//! this module and replaces only the flat 1:1 loops, so the two can differ only there; the
//! tests in `convert::tests::equivalence` check that they do not.
//!
//! Not part of the engine's API: public (and hidden) only so that the benchmarks can call it.

use core::num::NonZeroUsize;

use super::ConvertError;
use crate::channel_map::{ChannelMap, Mix, Plan};
use crate::format::{Format, SampleType};
use crate::gain::Gain;

/// The reference [`super::convert`]: same contract, scalar loops only.
pub fn convert(
    src: &[u8],
    src_fmt: &Format,
    dst: &mut [u8],
    dst_fmt: &Format,
    gain: &Gain,
) -> Result<usize, ConvertError> {
    let map = ChannelMap::new(src_fmt.channels(), dst_fmt.channels());
    convert_mapped(src, src_fmt, dst, dst_fmt, gain, &map)
}

/// The reference [`super::convert_mapped`]: same contract, scalar loops only.
pub fn convert_mapped(
    src: &[u8],
    src_fmt: &Format,
    dst: &mut [u8],
    dst_fmt: &Format,
    gain: &Gain,
    map: &ChannelMap,
) -> Result<usize, ConvertError> {
    convert_with(src, src_fmt, dst, dst_fmt, gain, map, dispatch)
}

/// The conversion with its last step, running the loops for the pair, supplied by the
/// caller: [`dispatch`] for the reference, the fast kernels' dispatch for
/// [`super::convert_mapped`]. Everything before it is shared.
pub(super) fn convert_with(
    src: &[u8],
    src_fmt: &Format,
    dst: &mut [u8],
    dst_fmt: &Format,
    gain: &Gain,
    map: &ChannelMap,
    run_pair: impl FnOnce(SampleType, SampleType, Job<'_>),
) -> Result<usize, ConvertError> {
    let (Some(src_block), Some(dst_block)) = (
        NonZeroUsize::new(usize::from(src_fmt.block_align())),
        NonZeroUsize::new(usize::from(dst_fmt.block_align())),
    ) else {
        return Ok(0); // a Format's block align is never zero
    };
    let frames = (src.len() / src_block).min(dst.len() / dst_block);
    // frames · block is at most the slice's length, so neither product can overflow.
    let (Some(src), Some(dst)) = (
        src.get(..frames * src_block.get()),
        dst.get_mut(..frames * dst_block.get()),
    ) else {
        return Ok(0);
    };
    if src_fmt.rate() != dst_fmt.rate() {
        dst.fill(0);
        return Err(ConvertError::RateMismatch);
    }
    if gain.is_muted() {
        dst.fill(0);
        return Ok(frames);
    }
    let same_layout =
        src_fmt.sample() == dst_fmt.sample() && src_fmt.channels() == dst_fmt.channels();
    if same_layout && gain.is_unity_for(dst_fmt.channels()) {
        // Same block align and frame count, so the lengths are equal by construction.
        dst.copy_from_slice(src);
        return Ok(frames);
    }
    let fresh;
    let map =
        if map.src_channels() == src_fmt.channels() && map.dst_channels() == dst_fmt.channels() {
            map
        } else {
            fresh = ChannelMap::new(src_fmt.channels(), dst_fmt.channels());
            &fresh
        };
    let job = Job {
        src,
        dst,
        src_block: src_block.get(),
        dst_block: dst_block.get(),
        src_channels: usize::from(src_fmt.channels().get()),
        dst_channels: usize::from(dst_fmt.channels().get()),
        gain,
        map,
    };
    run_pair(src_fmt.sample(), dst_fmt.sample(), job);
    Ok(frames)
}

/// One sample type's encoding: reads and writes a sample as a left-justified `i32` or as a
/// normalized `f32` (full scale ±1.0).
///
/// The `*4` forms handle four consecutive samples; they exist so that packed 24-bit samples
/// can be moved as three 32-bit words instead of twelve bytes.
pub(crate) trait Codec<const N: usize> {
    /// True when the `*4` forms are faster than four single calls.
    const GROUPED: bool = false;

    fn read_i32(b: &[u8; N]) -> i32;
    fn write_i32(v: i32) -> [u8; N];
    fn read_f32(b: &[u8; N]) -> f32;
    fn write_f32(v: f32) -> [u8; N];

    #[inline]
    fn read4_i32(b: &[[u8; N]; 4]) -> [i32; 4] {
        b.each_ref().map(Self::read_i32)
    }
    #[inline]
    fn write4_i32(v: [i32; 4]) -> [[u8; N]; 4] {
        v.map(Self::write_i32)
    }
    #[inline]
    fn read4_f32(b: &[[u8; N]; 4]) -> [f32; 4] {
        b.each_ref().map(Self::read_f32)
    }
    #[inline]
    fn write4_f32(v: [f32; 4]) -> [[u8; N]; 4] {
        v.map(Self::write_f32)
    }
}

pub(crate) mod codec {
    use super::Codec;

    const FULL_16: f32 = 32_768.0;
    const MAX_16_F: f32 = 32_767.0;
    const FULL_24: f64 = 8_388_608.0;
    const FULL_32: f64 = 2_147_483_648.0;
    const INV_16: f32 = 1.0 / 32_768.0;
    const INV_24: f32 = 1.0 / 8_388_608.0;
    const INV_32: f32 = 1.0 / 2_147_483_648.0;

    #[allow(clippy::cast_precision_loss)] // exact up to 24 significant bits; Int32 rounds by design
    #[inline]
    fn i32_to_f32(v: i32) -> f32 {
        v as f32
    }

    /// Clamps `x` to `lo..=hi`, mapping NaN to 0. Written as selects so it vectorizes.
    #[inline]
    fn clamp_f32(x: f32, lo: f32, hi: f32) -> f32 {
        let x = if x > hi { hi } else { x };
        // NaN fails both comparisons.
        if x >= lo {
            x
        } else if x < lo {
            lo
        } else {
            0.0
        }
    }

    /// Rounds an f32 with |x| <= 2^22 to the nearest integer, ties to even.
    ///
    /// Adding 1.5 · 2^23 moves `x` into the binade whose step is exactly 1, so the FPU's own
    /// round-to-nearest-even does the rounding, and the integer sits in the low mantissa
    /// bits. Unlike an `as` cast, which must saturate and so compiles to scalar branches,
    /// this is two SIMD operations.
    #[inline]
    fn round_small_f32(x: f32) -> i32 {
        const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23, bit pattern 0x4B40_0000
        (x + MAGIC)
            .to_bits()
            .cast_signed()
            .wrapping_sub(0x4B40_0000)
    }

    /// Rounds an f64 with |x| <= 2^31 to the nearest integer, ties to even: the f64 form of
    /// [`round_small_f32`], reading the integer from the low 32 bits of the mantissa.
    #[inline]
    pub(super) fn round_f64(x: f64) -> i32 {
        const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
        #[allow(clippy::cast_possible_truncation)] // the low 32 bits are the result
        let low = (x + MAGIC).to_bits() as u32;
        low.cast_signed()
    }

    /// Normalized float to int16 (full scale 2^15): clamp, NaN → 0, round ties to even.
    #[inline]
    fn f32_to_16(v: f32) -> i32 {
        round_small_f32(clamp_f32(v * FULL_16, -FULL_16, MAX_16_F))
    }

    /// Normalized float to an integer at `scale` per 1.0, clamped to `-scale..=scale - 1`,
    /// NaN → 0, rounded once (ties to even). The clamp runs in f32 (four lanes); the scaling
    /// and rounding in f64, where the scaled f32 is exact and every 24- or 32-bit integer is
    /// representable.
    #[inline]
    fn f32_to_wide(v: f32, scale: f64) -> i32 {
        let x = f64::from(clamp_f32(v, -1.0, 1.0)) * scale;
        // +1.0 is one step beyond the largest integer.
        let x = if x > scale - 1.0 { scale - 1.0 } else { x };
        round_f64(x)
    }

    #[derive(Debug)]
    pub(crate) struct Int16;
    #[derive(Debug)]
    pub(crate) struct Int24;
    #[derive(Debug)]
    pub(crate) struct Int24In32;
    #[derive(Debug)]
    pub(crate) struct Int32;
    #[derive(Debug)]
    pub(crate) struct Float32;

    impl Codec<2> for Int16 {
        #[inline]
        fn read_i32(b: &[u8; 2]) -> i32 {
            i32::from(i16::from_le_bytes(*b)) << 16
        }
        #[inline]
        fn write_i32(v: i32) -> [u8; 2] {
            let r = v.saturating_add(1 << 15).to_le_bytes();
            [r[2], r[3]]
        }
        #[inline]
        fn read_f32(b: &[u8; 2]) -> f32 {
            f32::from(i16::from_le_bytes(*b)) * INV_16
        }
        #[inline]
        fn write_f32(v: f32) -> [u8; 2] {
            let r = f32_to_16(v).to_le_bytes();
            [r[0], r[1]]
        }
    }

    /// Four packed 24-bit samples (12 bytes) as left-justified values, via three 32-bit words.
    #[inline]
    fn unpack24(b: &[[u8; 3]; 4]) -> [i32; 4] {
        let [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2], [d0, d1, d2]] = *b;
        let w0 = u32::from_le_bytes([a0, a1, a2, b0]);
        let w1 = u32::from_le_bytes([b1, b2, c0, c1]);
        let w2 = u32::from_le_bytes([c2, d0, d1, d2]);
        [
            w0 << 8,
            ((w0 >> 16) & 0xFF00) | (w1 << 16),
            ((w1 >> 8) & 0x00FF_FF00) | (w2 << 24),
            w2 & 0xFFFF_FF00,
        ]
        .map(u32::cast_signed)
    }

    /// Four 24-bit values (in the low bits; higher bits ignored) packed into 12 bytes.
    #[inline]
    fn pack24(v: [i32; 4]) -> [[u8; 3]; 4] {
        let [t0, t1, t2, t3] = v.map(i32::cast_unsigned);
        let [a0, a1, a2, b0] = ((t0 & 0x00FF_FFFF) | (t1 << 24)).to_le_bytes();
        let [b1, b2, c0, c1] = (((t1 >> 8) & 0xFFFF) | (t2 << 16)).to_le_bytes();
        let [c2, d0, d1, d2] = (((t2 >> 16) & 0xFF) | (t3 << 8)).to_le_bytes();
        [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2], [d0, d1, d2]]
    }

    impl Codec<3> for Int24 {
        const GROUPED: bool = true;

        #[inline]
        fn read_i32(b: &[u8; 3]) -> i32 {
            i32::from_le_bytes([0, b[0], b[1], b[2]])
        }
        #[inline]
        fn write_i32(v: i32) -> [u8; 3] {
            let r = v.saturating_add(1 << 7).to_le_bytes();
            [r[1], r[2], r[3]]
        }
        #[inline]
        fn read_f32(b: &[u8; 3]) -> f32 {
            i32_to_f32(Self::read_i32(b) >> 8) * INV_24
        }
        #[inline]
        fn write_f32(v: f32) -> [u8; 3] {
            let r = f32_to_wide(v, FULL_24).to_le_bytes();
            [r[0], r[1], r[2]]
        }
        #[inline]
        fn read4_i32(b: &[[u8; 3]; 4]) -> [i32; 4] {
            unpack24(b)
        }
        #[inline]
        fn write4_i32(v: [i32; 4]) -> [[u8; 3]; 4] {
            pack24(v.map(|v| v.saturating_add(1 << 7) >> 8))
        }
        #[inline]
        fn read4_f32(b: &[[u8; 3]; 4]) -> [f32; 4] {
            unpack24(b).map(|v| i32_to_f32(v >> 8) * INV_24)
        }
        #[inline]
        fn write4_f32(v: [f32; 4]) -> [[u8; 3]; 4] {
            pack24(v.map(|v| f32_to_wide(v, FULL_24)))
        }
    }

    impl Codec<4> for Int24In32 {
        #[inline]
        fn read_i32(b: &[u8; 4]) -> i32 {
            i32::from_le_bytes(*b) & !0xFF
        }
        #[inline]
        fn write_i32(v: i32) -> [u8; 4] {
            (v.saturating_add(1 << 7) & !0xFF).to_le_bytes()
        }
        #[inline]
        fn read_f32(b: &[u8; 4]) -> f32 {
            i32_to_f32(Self::read_i32(b)) * INV_32
        }
        #[inline]
        fn write_f32(v: f32) -> [u8; 4] {
            // The clamp keeps the value in 24 bits, so the shift cannot lose any.
            (f32_to_wide(v, FULL_24) << 8).to_le_bytes()
        }
    }

    impl Codec<4> for Int32 {
        #[inline]
        fn read_i32(b: &[u8; 4]) -> i32 {
            i32::from_le_bytes(*b)
        }
        #[inline]
        fn write_i32(v: i32) -> [u8; 4] {
            v.to_le_bytes()
        }
        #[inline]
        fn read_f32(b: &[u8; 4]) -> f32 {
            i32_to_f32(i32::from_le_bytes(*b)) * INV_32
        }
        #[inline]
        fn write_f32(v: f32) -> [u8; 4] {
            f32_to_wide(v, FULL_32).to_le_bytes()
        }
    }

    impl Codec<4> for Float32 {
        #[inline]
        fn read_i32(b: &[u8; 4]) -> i32 {
            f32_to_wide(f32::from_le_bytes(*b), FULL_32)
        }
        #[inline]
        fn write_i32(v: i32) -> [u8; 4] {
            (i32_to_f32(v) * INV_32).to_le_bytes()
        }
        #[inline]
        fn read_f32(b: &[u8; 4]) -> f32 {
            f32::from_le_bytes(*b)
        }
        #[inline]
        fn write_f32(v: f32) -> [u8; 4] {
            v.to_le_bytes()
        }
    }
}

/// The intermediate a conversion runs in: `i32` (left-justified) between integer types,
/// `f32` (normalized) whenever either side is float.
pub(super) trait Domain: Copy {
    /// A per-channel gain factor in this domain.
    type Factor: Copy + PartialEq;
    const UNITY: Self::Factor;
    fn factors(gain: &Gain) -> [Self::Factor; Gain::CHANNELS];
    fn read<C: Codec<N>, const N: usize>(b: &[u8; N]) -> Self;
    fn write<C: Codec<N>, const N: usize>(self) -> [u8; N];
    fn read4<C: Codec<N>, const N: usize>(b: &[[u8; N]; 4]) -> [Self; 4];
    fn write4<C: Codec<N>, const N: usize>(v: [Self; 4]) -> [[u8; N]; 4];
    fn scale(self, factor: Self::Factor) -> Self;
    /// The mean of the samples of `frame` whose `include` flag is set; `count` of them (>= 1).
    fn mean<C: Codec<N>, const N: usize>(
        frame: &[[u8; N]],
        include: &[bool; Gain::CHANNELS],
        count: u16,
    ) -> Self;
    /// A weighted sum being formed for one output sample.
    type Acc: Copy;
    const ACC_ZERO: Self::Acc;
    /// A channel-map coefficient in this domain's factor type.
    fn coefficient(c: f32) -> Self::Factor;
    /// `acc + self · coefficient`.
    fn mac(self, acc: Self::Acc, coefficient: Self::Factor) -> Self::Acc;
    /// The finished sum scaled by a gain factor, rounded once to the domain.
    fn finish(acc: Self::Acc, factor: Self::Factor) -> Self;
}

fn saturate_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

impl Domain for i32 {
    /// The Q2.30 factor as f64 (exact: 31 significant bits). Scaling multiplies in f64, which
    /// SIMD units do well, where a 32×32→64-bit integer multiply would not vectorize; the
    /// product of an i32 and the factor is within 2^-22 of exact before the one rounding.
    type Factor = f64;
    const UNITY: f64 = 1.0;

    fn factors(gain: &Gain) -> [f64; Gain::CHANNELS] {
        gain.q30_factors()
            .map(|q| f64::from(q) * (1.0 / f64::from(Gain::UNITY_Q30)))
    }
    #[inline]
    fn read<C: Codec<N>, const N: usize>(b: &[u8; N]) -> i32 {
        C::read_i32(b)
    }
    #[inline]
    fn write<C: Codec<N>, const N: usize>(self) -> [u8; N] {
        C::write_i32(self)
    }
    #[inline]
    fn read4<C: Codec<N>, const N: usize>(b: &[[u8; N]; 4]) -> [i32; 4] {
        C::read4_i32(b)
    }
    #[inline]
    fn write4<C: Codec<N>, const N: usize>(v: [i32; 4]) -> [[u8; N]; 4] {
        C::write4_i32(v)
    }
    #[inline]
    fn scale(self, factor: f64) -> i32 {
        round_saturating(f64::from(self) * factor)
    }
    #[inline]
    fn mean<C: Codec<N>, const N: usize>(
        frame: &[[u8; N]],
        include: &[bool; Gain::CHANNELS],
        count: u16,
    ) -> i32 {
        // At most 16 terms of magnitude <= 2^31: far inside i64.
        let sum = frame
            .iter()
            .zip(include)
            .filter(|&(_, &inc)| inc)
            .fold(0i64, |acc, (s, _)| {
                acc.wrapping_add(i64::from(C::read_i32(s)))
            });
        sum.checked_div(i64::from(count)).map_or(0, saturate_i32)
    }

    type Acc = f64;
    const ACC_ZERO: f64 = 0.0;
    #[inline]
    fn coefficient(c: f32) -> f64 {
        f64::from(c)
    }
    #[inline]
    fn mac(self, acc: f64, coefficient: f64) -> f64 {
        // At most 16 terms, each below 2^31 in magnitude: no overflow, no NaN.
        acc + f64::from(self) * coefficient
    }
    #[inline]
    fn finish(acc: f64, factor: f64) -> i32 {
        round_saturating(acc * factor)
    }
}

/// Rounds a finite f64 to the nearest `i32`, ties to even, saturating. No NaN can arise from
/// integers and finite factors: two selects clamp the value.
#[inline]
fn round_saturating(x: f64) -> i32 {
    let x = if x > 2_147_483_647.0 {
        2_147_483_647.0
    } else {
        x
    };
    let x = if x < -2_147_483_648.0 {
        -2_147_483_648.0
    } else {
        x
    };
    codec::round_f64(x)
}

impl Domain for f32 {
    type Factor = f32;
    const UNITY: f32 = 1.0;

    fn factors(gain: &Gain) -> [f32; Gain::CHANNELS] {
        *gain.f32_factors()
    }
    #[inline]
    fn read<C: Codec<N>, const N: usize>(b: &[u8; N]) -> f32 {
        C::read_f32(b)
    }
    #[inline]
    fn write<C: Codec<N>, const N: usize>(self) -> [u8; N] {
        C::write_f32(self)
    }
    #[inline]
    fn read4<C: Codec<N>, const N: usize>(b: &[[u8; N]; 4]) -> [f32; 4] {
        C::read4_f32(b)
    }
    #[inline]
    fn write4<C: Codec<N>, const N: usize>(v: [f32; 4]) -> [[u8; N]; 4] {
        C::write4_f32(v)
    }
    #[inline]
    fn scale(self, factor: f32) -> f32 {
        self * factor
    }
    #[inline]
    fn mean<C: Codec<N>, const N: usize>(
        frame: &[[u8; N]],
        include: &[bool; Gain::CHANNELS],
        count: u16,
    ) -> f32 {
        let sum: f32 = frame
            .iter()
            .zip(include)
            .filter(|&(_, &inc)| inc)
            .map(|(s, _)| C::read_f32(s))
            .sum();
        sum / f32::from(count)
    }

    type Acc = f32;
    const ACC_ZERO: f32 = 0.0;
    #[inline]
    fn coefficient(c: f32) -> f32 {
        c
    }
    #[inline]
    fn mac(self, acc: f32, coefficient: f32) -> f32 {
        acc + self * coefficient
    }
    #[inline]
    fn finish(acc: f32, factor: f32) -> f32 {
        acc * factor
    }
}

/// A conversion with both buffers cut to the same whole number of frames.
pub(super) struct Job<'a> {
    pub(super) src: &'a [u8],
    pub(super) dst: &'a mut [u8],
    pub(super) src_block: usize,
    pub(super) dst_block: usize,
    pub(super) src_channels: usize,
    pub(super) dst_channels: usize,
    pub(super) gain: &'a Gain,
    pub(super) map: &'a ChannelMap,
}

macro_rules! dispatch_pairs {
    ($job:ident, $src:expr, $dst:expr;
     $(($s:ident, $sn:literal, $d:ident, $dn:literal, $v:ty)),* $(,)?) => {
        match ($src, $dst) {
            $((SampleType::$s, SampleType::$d) =>
                run::<$v, codec::$s, codec::$d, $sn, $dn>($job),)*
        }
    };
}

/// Runs the reference loops for the pair.
pub(super) fn dispatch(src: SampleType, dst: SampleType, job: Job<'_>) {
    dispatch_pairs!(job, src, dst;
        (Int16, 2, Int16, 2, i32),
        (Int16, 2, Int24, 3, i32),
        (Int16, 2, Int24In32, 4, i32),
        (Int16, 2, Int32, 4, i32),
        (Int16, 2, Float32, 4, f32),
        (Int24, 3, Int16, 2, i32),
        (Int24, 3, Int24, 3, i32),
        (Int24, 3, Int24In32, 4, i32),
        (Int24, 3, Int32, 4, i32),
        (Int24, 3, Float32, 4, f32),
        (Int24In32, 4, Int16, 2, i32),
        (Int24In32, 4, Int24, 3, i32),
        (Int24In32, 4, Int24In32, 4, i32),
        (Int24In32, 4, Int32, 4, i32),
        (Int24In32, 4, Float32, 4, f32),
        (Int32, 4, Int16, 2, i32),
        (Int32, 4, Int24, 3, i32),
        (Int32, 4, Int24In32, 4, i32),
        (Int32, 4, Int32, 4, i32),
        (Int32, 4, Float32, 4, f32),
        (Float32, 4, Int16, 2, f32),
        (Float32, 4, Int24, 3, f32),
        (Float32, 4, Int24In32, 4, f32),
        (Float32, 4, Int32, 4, f32),
        (Float32, 4, Float32, 4, f32),
    );
}

/// Chooses the channel mapping and the loop for one (source, destination) pair.
fn run<V, S, D, const SN: usize, const DN: usize>(mut job: Job<'_>)
where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let factors = V::factors(job.gain);
    let out = factors.get(..job.dst_channels).unwrap_or(&[]);
    let map = job.map;
    match map.plan() {
        Plan::Identity => match out.split_first() {
            Some((&first, rest)) if rest.iter().all(|&f| f == first) => {
                if first == V::UNITY {
                    flat::<V, S, D, SN, DN, false>(job.src, job.dst, first);
                } else {
                    flat::<V, S, D, SN, DN, true>(job.src, job.dst, first);
                }
            }
            _ => copy_channels::<V, S, D, SN, DN>(&mut job, out),
        },
        Plan::Route(route) => route_channels::<V, S, D, SN, DN>(&mut job, out, route),
        Plan::Mean { include, count } => {
            mix_to_mono::<V, S, D, SN, DN>(&mut job, out, include, *count);
        }
        Plan::Mix(mix) => mix_channels::<V, S, D, SN, DN>(&mut job, out, mix),
    }
}

/// Equal channel counts and one factor for all of them: the buffers are plain sample
/// streams, so there is no frame structure in the loop at all.
fn flat<V, S, D, const SN: usize, const DN: usize, const SCALE: bool>(
    src: &[u8],
    dst: &mut [u8],
    factor: V::Factor,
) where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let (src, _) = src.as_chunks::<SN>();
    let (dst, _) = dst.as_chunks_mut::<DN>();
    if !(S::GROUPED || D::GROUPED) {
        for (d, s) in dst.iter_mut().zip(src) {
            let v = V::read::<S, SN>(s);
            let v = if SCALE { v.scale(factor) } else { v };
            *d = v.write::<D, DN>();
        }
        return;
    }
    // Packed 24-bit moves as 32-bit words, four samples at a time; both sides hold the same
    // number of samples, so the groups and the rests line up.
    let (src4, src_rest) = src.as_chunks::<4>();
    let (dst4, dst_rest) = dst.as_chunks_mut::<4>();
    for (d, s) in dst4.iter_mut().zip(src4) {
        let v = V::read4::<S, SN>(s);
        let v = if SCALE { v.map(|v| v.scale(factor)) } else { v };
        *d = V::write4::<D, DN>(v);
    }
    for (d, s) in dst_rest.iter_mut().zip(src_rest) {
        let v = V::read::<S, SN>(s);
        let v = if SCALE { v.scale(factor) } else { v };
        *d = v.write::<D, DN>();
    }
}

/// Output channel `c` takes input channel `c` while both exist; extra outputs get zero.
fn copy_channels<V, S, D, const SN: usize, const DN: usize>(job: &mut Job<'_>, out: &[V::Factor])
where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let mapped = job.src_channels.min(job.dst_channels);
    let src_frames = job.src.chunks_exact(job.src_block);
    let dst_frames = job.dst.chunks_exact_mut(job.dst_block);
    for (sf, df) in src_frames.zip(dst_frames) {
        let (s, _) = sf.as_chunks::<SN>();
        let (d, _) = df.as_chunks_mut::<DN>();
        let Some((head, tail)) = d.split_at_mut_checked(mapped) else {
            continue;
        };
        for ((d, s), &f) in head.iter_mut().zip(s).zip(out) {
            *d = V::read::<S, SN>(s).scale(f).write::<D, DN>();
        }
        tail.fill([0; DN]);
    }
}

/// Output channel `c` takes the input channel `route[c]` names, converted as a 1:1
/// conversion would convert it, or zero.
fn route_channels<V, S, D, const SN: usize, const DN: usize>(
    job: &mut Job<'_>,
    out: &[V::Factor],
    route: &[Option<u8>; Gain::CHANNELS],
) where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let src_frames = job.src.chunks_exact(job.src_block);
    let dst_frames = job.dst.chunks_exact_mut(job.dst_block);
    for (sf, df) in src_frames.zip(dst_frames) {
        let (s, _) = sf.as_chunks::<SN>();
        let (d, _) = df.as_chunks_mut::<DN>();
        for ((d, &f), r) in d.iter_mut().zip(out).zip(route) {
            *d = match r.and_then(|i| s.get(usize::from(i))) {
                Some(s) => V::read::<S, SN>(s).scale(f).write::<D, DN>(),
                None => [0; DN],
            };
        }
    }
}

/// Each output channel is the weighted sum of its terms, at its own gain; outputs without
/// terms get zero.
fn mix_channels<V, S, D, const SN: usize, const DN: usize>(
    job: &mut Job<'_>,
    out: &[V::Factor],
    mix: &Mix,
) where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let terms = mix.terms();
    let src_frames = job.src.chunks_exact(job.src_block);
    let dst_frames = job.dst.chunks_exact_mut(job.dst_block);
    for (sf, df) in src_frames.zip(dst_frames) {
        let (s, _) = sf.as_chunks::<SN>();
        let (d, _) = df.as_chunks_mut::<DN>();
        let mut start = 0;
        for ((d, &f), &end) in d.iter_mut().zip(out).zip(&mix.ends) {
            let end = usize::from(end);
            let row = terms.get(start..end).unwrap_or(&[]);
            start = end;
            if row.is_empty() {
                *d = [0; DN];
                continue;
            }
            let mut acc = V::ACC_ZERO;
            for t in row {
                if let Some(x) = s.get(usize::from(t.src)) {
                    acc = V::read::<S, SN>(x).mac(acc, V::coefficient(t.coeff));
                }
            }
            *d = V::finish(acc, f).write::<D, DN>();
        }
    }
}

/// Mono out: the mean of the included input channels (all but LFE), at channel 0's gain.
fn mix_to_mono<V, S, D, const SN: usize, const DN: usize>(
    job: &mut Job<'_>,
    out: &[V::Factor],
    include: &[bool; Gain::CHANNELS],
    count: u16,
) where
    V: Domain,
    S: Codec<SN>,
    D: Codec<DN>,
{
    let factor = out.first().copied().unwrap_or(V::UNITY);
    let src_frames = job.src.chunks_exact(job.src_block);
    let (dst, _) = job.dst.as_chunks_mut::<DN>();
    for (sf, d) in src_frames.zip(dst) {
        let (s, _) = sf.as_chunks::<SN>();
        *d = V::mean::<S, SN>(s, include, count)
            .scale(factor)
            .write::<D, DN>();
    }
}
