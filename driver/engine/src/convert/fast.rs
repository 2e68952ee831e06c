//! The SIMD kernels: the flat 1:1 loops of the reference ([`super::reference`]), sixteen
//! samples at a time, in safe Rust over the four-lane operations of [`super::simd`].
//!
//! They run when both formats have the same channel count (the identity channel map, so
//! both buffers are plain sample streams) and the gain fits a 16-sample block: one factor
//! for every channel (any count), or per-channel factors with 1, 2, 4, 8 or 16 channels
//! (a block then starts on a frame and lane `k` is channel `k mod channels`). Everything
//! else, and the last `< 16` samples of every call, runs the reference loops.
//!
//! Each kernel computes, lane by lane, exactly what the reference computes for the sample;
//! the arguments are in the comments of each read and write below and in the contracts of
//! [`Lanes`], and the tests (`convert::tests::equivalence`) compare the bytes.

// `inline(always)` on purpose in optimised builds: a kernel and everything it calls must
// inline into the one function that runs it, which for packed 24-bit kernels is compiled with
// SSSE3 enabled (`simd::run`); a call left out of line would run without the shuffles inlined.
// Not in unoptimised (debug-assertion) builds: there every inlined SIMD temporary gets its own
// stack slot, and `simd::run` reached a 4.3 KiB frame (a `__chkstk` probe the drivers cannot
// link; tools/stack-check.sh). Out of line, each call is the same `target_feature` function,
// so the results are the same, only slower.
#![allow(clippy::inline_always)]

use core::marker::PhantomData;

use super::reference::{self, Domain, Job, codec};
use super::simd::{self, Choice, Kernel, Lanes};
use crate::format::SampleType;
use crate::gain::Gain;

/// Samples per block: four lanes of four.
const BLOCK: usize = 16;
/// 2^-31: a left-justified `i32` to full scale ±1.0.
const INV_32: f32 = 1.0 / 2_147_483_648.0;
const FULL_16: f32 = 32_768.0;
const FULL_24: f32 = 8_388_608.0;
const FULL_32: f32 = 2_147_483_648.0;

/// A sample type read and written a block at a time (`V` vectors of 16 bytes) as `f32`: the
/// reference's `Codec::read_f32` / `write_f32` for 16 samples, with the power-of-two
/// scaling between the raw values and full scale ±1.0 left to the kernel, which folds it
/// into the gain factor (see [`FloatFlat`]).
pub(super) trait FloatIo<const V: usize> {
    /// What `read_raw` values are multiplied by to be normalized: 2^-31 for the integer
    /// types (read left-justified), 1 for `Float32`.
    const FROM_RAW: f32;
    /// What normalized values are multiplied by for `write_raw`: 2^15, 2^23 or 2^31 for the
    /// integer types, 1 for `Float32`.
    const TO_RAW: f32;
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; V]) -> [L::F; 4];
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; V]);
}

/// The same as left-justified `i32`: the reference's `Codec::read_i32` / `write_i32`.
pub(super) trait IntIo<const V: usize> {
    fn read_i<L: Lanes>(l: L, b: &[[u8; 16]; V]) -> [L::I; 4];
    fn write_i<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; V]);
}

#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn splat<L: Lanes>(l: L, x: f32) -> L::F {
    l.f32s([x; 4])
}

/// Left-justified integers as floats, `v as f32`; times [`INV_32`] they are the reference's
/// `sample as f32 · 2^-(bits - 1)`: for 16- and 24-bit samples both conversions are exact
/// and the products equal, and for `Int32` the formulas are the same.
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn int_to_float<L: Lanes>(l: L, v: [L::I; 4]) -> [L::F; 4] {
    v.map(|v| l.to_f32(v))
}

/// Floats already multiplied by `scale` (a power of two) to integers clamped to
/// `-scale..=scale - 1`, NaN → 0, rounded once (ties to even). The reference clamps the
/// normalized value to ±1.0 first and scales in f64; scaling by a power of two is exact in
/// f32 too (overflow gives ±∞, which clamps the same), and rounding commutes with clamping
/// to integer bounds, so the result is the same.
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn float_to_int<L: Lanes>(l: L, v: [L::F; 4], scale: f32) -> [L::I; 4] {
    v.map(|v| l.round_clamp(v, -scale, scale - 1.0))
}

#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn load4<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::I; 4] {
    b.each_ref().map(|b| l.load_i(b))
}

#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn store4<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; 4]) {
    for (b, v) in b.iter_mut().zip(v) {
        l.store_i(v, b);
    }
}

#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn narrow16x2<L: Lanes>(l: L, [v0, v1, v2, v3]: [L::I; 4], [o0, o1]: &mut [[u8; 16]; 2]) {
    l.narrow16([v0, v1], o0);
    l.narrow16([v2, v3], o1);
}

impl IntIo<2> for codec::Int16 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_i<L: Lanes>(l: L, [a, b]: &[[u8; 16]; 2]) -> [L::I; 4] {
        let [x0, x1] = l.widen16(a);
        let [x2, x3] = l.widen16(b);
        [x0, x1, x2, x3]
    }
    /// `(v + 2^15) >> 16` saturated to i16: where the reference's saturating add
    /// saturates, the unsaturated result is 2^15 and the narrowing saturates it instead.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_i<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; 2]) {
        narrow16x2(l, v.map(|v| l.round_shr16(v)), b);
    }
}

impl FloatIo<2> for codec::Int16 {
    const FROM_RAW: f32 = INV_32;
    const TO_RAW: f32 = FULL_16;
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; 2]) -> [L::F; 4] {
        int_to_float(l, Self::read_i(l, b))
    }
    /// The reference multiplies by 2^15 in f32, clamps to -2^15..=2^15 - 1 (NaN → 0) and
    /// rounds. Here the narrowing saturates the low side: rounding is monotone, so a value
    /// below -2^15 rounds to at most -2^15 and saturates to it, as the clamp would make it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; 2]) {
        narrow16x2(l, v.map(|v| l.round_min(v, FULL_16 - 1.0)), b);
    }
}

impl IntIo<3> for codec::Int24 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_i<L: Lanes>(l: L, b: &[[u8; 16]; 3]) -> [L::I; 4] {
        l.unpack24(b)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_i<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; 3]) {
        l.pack24(v.map(|v| l.round_shr8_sat(v)), b);
    }
}

impl FloatIo<3> for codec::Int24 {
    const FROM_RAW: f32 = INV_32;
    const TO_RAW: f32 = FULL_24;
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; 3]) -> [L::F; 4] {
        int_to_float(l, l.unpack24(b))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; 3]) {
        l.pack24(float_to_int(l, v, FULL_24), b);
    }
}

impl IntIo<4> for codec::Int24In32 {
    /// The low byte is ignored, as the reference ignores it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_i<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::I; 4] {
        load4(l, b).map(|v| l.and(v, !0xFF))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_i<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; 4]) {
        store4(l, v.map(|v| l.round_low8_sat(v)), b);
    }
}

impl FloatIo<4> for codec::Int24In32 {
    const FROM_RAW: f32 = INV_32;
    const TO_RAW: f32 = FULL_24;
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::F; 4] {
        int_to_float(l, Self::read_i(l, b))
    }
    /// The 24-bit value in the top three bytes: it is within ±2^23, so the shift keeps it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; 4]) {
        store4(l, float_to_int(l, v, FULL_24).map(|v| l.shl8(v)), b);
    }
}

impl IntIo<4> for codec::Int32 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_i<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::I; 4] {
        load4(l, b)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_i<L: Lanes>(l: L, v: [L::I; 4], b: &mut [[u8; 16]; 4]) {
        store4(l, v, b);
    }
}

impl FloatIo<4> for codec::Int32 {
    const FROM_RAW: f32 = INV_32;
    const TO_RAW: f32 = FULL_32;
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::F; 4] {
        int_to_float(l, load4(l, b))
    }
    /// The reference clamps to ±1.0, scales by 2^31 in f64 and caps at 2^31 - 1: the same
    /// as rounding `v · 2^31` (exact in f32) and saturating, NaN → 0.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; 4]) {
        store4(l, v.map(|v| l.round_sat(v)), b);
    }
}

impl FloatIo<4> for codec::Float32 {
    const FROM_RAW: f32 = 1.0;
    const TO_RAW: f32 = 1.0;
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn read_raw<L: Lanes>(l: L, b: &[[u8; 16]; 4]) -> [L::F; 4] {
        b.each_ref().map(|b| l.load_f(b))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_raw<L: Lanes>(l: L, v: [L::F; 4], b: &mut [[u8; 16]; 4]) {
        for (b, v) in b.iter_mut().zip(v) {
            l.store_f(v, b);
        }
    }
}

/// The gain of a flat loop, as the reference's `run` decides it.
#[derive(Clone, Copy, Debug)]
enum Scale<T> {
    /// Every channel at unity: no multiplication at all.
    Unity,
    /// The factor of each lane of a block (lane `k` is channel `k mod channels`).
    Lanes([[T; 4]; 4]),
}

/// The reference multiplies every sample by its channel's factor unless every factor is
/// the domain's unity. `None` when the factors differ and a block cannot hold whole frames,
/// or when `usable` refuses one.
fn lane_factors<V: Domain>(
    gain: &Gain,
    channels: usize,
    usable: impl Fn(V::Factor) -> bool,
) -> Option<Scale<V::Factor>> {
    let factors = V::factors(gain);
    let out = factors.get(..channels)?;
    let (&first, rest) = out.split_first()?;
    let uniform = rest.iter().all(|&f| f == first);
    if uniform && first == V::UNITY {
        return Some(Scale::Unity);
    }
    if !out.iter().all(|&f| usable(f)) {
        return None;
    }
    if uniform {
        return Some(Scale::Lanes([[first; 4]; 4]));
    }
    // 16 is a multiple of the channel count exactly when the count is a power of two.
    if !channels.is_power_of_two() {
        return None;
    }
    let mut lanes = [[first; 4]; 4];
    for (f, &c) in lanes.as_flattened_mut().iter_mut().zip(out.iter().cycle()) {
        *f = c;
    }
    Some(Scale::Lanes(lanes))
}

/// Float-domain kernel: read as f32, scale, write. Either side is `Float32`, so at most
/// one of `S::FROM_RAW` and `D::TO_RAW` is not 1.
///
/// At unity that one power of two is the only multiplication, as in the reference. With a
/// gain `g`, the reference computes `(raw · FROM_RAW) · g` and writes that `· TO_RAW`; the
/// kernel multiplies once, by `g · FROM_RAW · TO_RAW` (exact: `g` is 0 or a normal number
/// of at least 2^-64, see [`float_flat`]). Both are the exactly rounded product of the same
/// three numbers: power-of-two scaling commutes with rounding wherever the result is a
/// normal number, which it is for reads (`|raw| >= 1` for a non-zero integer, so
/// `|raw · g · 2^-31| >= 2^-95`); for writes a product that is not normal is below 2^-126
/// in magnitude either way and rounds to the integer 0 (overflow is ±∞ either way and
/// clamps the same, and NaN stays NaN).
struct FloatFlat<'a, S, D, const SV: usize, const DV: usize> {
    src: &'a [[[u8; 16]; SV]],
    dst: &'a mut [[[u8; 16]; DV]],
    scale: Scale<f32>,
    types: PhantomData<(S, D)>,
}

impl<S, D, const SV: usize, const DV: usize> Kernel for FloatFlat<'_, S, D, SV, DV>
where
    S: FloatIo<SV>,
    D: FloatIo<DV>,
{
    const PACKED24: bool = SV == 3 || DV == 3;

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn run<L: Lanes>(self, l: L) {
        let blocks = self.src.iter().zip(self.dst.iter_mut());
        match self.scale {
            // Float to float at unity: no multiplication at all, so NaN payloads pass.
            Scale::Unity if (S::FROM_RAW * D::TO_RAW).to_bits() == 1f32.to_bits() => {
                for (s, d) in blocks {
                    D::write_raw(l, S::read_raw(l, s), d);
                }
            }
            Scale::Unity => {
                let k = splat(l, S::FROM_RAW * D::TO_RAW);
                for (s, d) in blocks {
                    let v = S::read_raw(l, s);
                    D::write_raw(l, v.map(|v| l.mul(v, k)), d);
                }
            }
            Scale::Lanes(factors) => {
                let [g0, g1, g2, g3] =
                    factors.map(|g| l.f32s(g.map(|g| g * S::FROM_RAW * D::TO_RAW)));
                for (s, d) in blocks {
                    let [v0, v1, v2, v3] = S::read_raw(l, s);
                    let scaled = [l.mul(v0, g0), l.mul(v1, g1), l.mul(v2, g2), l.mul(v3, g3)];
                    D::write_raw(l, scaled, d);
                }
            }
        }
    }
}

/// Integer-domain kernel: read as left-justified i32, scale in f64, write.
struct IntFlat<'a, S, D, const SV: usize, const DV: usize> {
    src: &'a [[[u8; 16]; SV]],
    dst: &'a mut [[[u8; 16]; DV]],
    scale: Scale<f64>,
    types: PhantomData<(S, D)>,
}

impl<S, D, const SV: usize, const DV: usize> Kernel for IntFlat<'_, S, D, SV, DV>
where
    S: IntIo<SV>,
    D: IntIo<DV>,
{
    const PACKED24: bool = SV == 3 || DV == 3;

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn run<L: Lanes>(self, l: L) {
        let blocks = self.src.iter().zip(self.dst.iter_mut());
        match self.scale {
            Scale::Unity => {
                for (s, d) in blocks {
                    D::write_i(l, S::read_i(l, s), d);
                }
            }
            Scale::Lanes(factors) => {
                let [g0, g1, g2, g3] = factors.map(|g| l.f64s(g));
                for (s, d) in blocks {
                    let [v0, v1, v2, v3] = S::read_i(l, s);
                    let scaled = [
                        l.scale(v0, g0),
                        l.scale(v1, g1),
                        l.scale(v2, g2),
                        l.scale(v3, g3),
                    ];
                    D::write_i(l, scaled, d);
                }
            }
        }
    }
}

/// Whole blocks of `b`: 16 samples of `V` 16-byte vectors each.
fn blocks<const V: usize>(b: &[u8]) -> &[[[u8; 16]; V]] {
    b.as_chunks::<16>().0.as_chunks::<V>().0
}

fn blocks_mut<const V: usize>(b: &mut [u8]) -> &mut [[[u8; 16]; V]] {
    b.as_chunks_mut::<16>().0.as_chunks_mut::<V>().0
}

/// The samples after the first `done` (the last `< 16` of the call) through the reference.
fn finish<const SN: usize, const DN: usize>(
    src_type: SampleType,
    dst_type: SampleType,
    job: Job<'_>,
    done: usize,
) {
    let Job {
        src,
        dst,
        src_block,
        dst_block,
        src_channels,
        dst_channels,
        gain,
        map,
    } = job;
    let (Some(src), Some(dst)) = (
        src.get(done.saturating_mul(SN)..),
        dst.get_mut(done.saturating_mul(DN)..),
    ) else {
        return;
    };
    if src.is_empty() {
        return;
    }
    let tail = Job {
        src,
        dst,
        src_block,
        dst_block,
        src_channels,
        dst_channels,
        gain,
        map,
    };
    reference::dispatch(src_type, dst_type, tail);
}

fn float_flat<S, D, const SN: usize, const DN: usize, const SV: usize, const DV: usize>(
    choice: Choice,
    src_type: SampleType,
    dst_type: SampleType,
    job: Job<'_>,
) where
    S: FloatIo<SV>,
    D: FloatIo<DV>,
{
    // Folding the raw scaling into the factor is exact for factors that are 0 or normal
    // numbers of at least 2^-64 (every gain level makes one of at least 2^-16).
    let usable = |f: f32| f == 0.0 || (f32::from_bits(0x1F80_0000)..=1.0).contains(&f);
    let Some(scale) = lane_factors::<f32>(job.gain, job.dst_channels, usable) else {
        reference::dispatch(src_type, dst_type, job);
        return;
    };
    let src = blocks::<SV>(job.src);
    let dst = blocks_mut::<DV>(job.dst);
    // Both sides hold the same number of samples, so the same number of blocks.
    let done = src.len().min(dst.len()).saturating_mul(BLOCK);
    simd::run(
        FloatFlat::<S, D, SV, DV> {
            src,
            dst,
            scale,
            types: PhantomData,
        },
        choice,
    );
    finish::<SN, DN>(src_type, dst_type, job, done);
}

fn int_flat<S, D, const SN: usize, const DN: usize, const SV: usize, const DV: usize>(
    choice: Choice,
    src_type: SampleType,
    dst_type: SampleType,
    job: Job<'_>,
) where
    S: IntIo<SV>,
    D: IntIo<DV>,
{
    // `Lanes::scale` needs factors within 0..=1, as every gain level (at most 0 dB) makes
    // them; anything else would take the reference's saturating loop.
    let usable = |f: f64| (0.0..=1.0).contains(&f);
    let Some(scale) = lane_factors::<i32>(job.gain, job.dst_channels, usable) else {
        reference::dispatch(src_type, dst_type, job);
        return;
    };
    let src = blocks::<SV>(job.src);
    let dst = blocks_mut::<DV>(job.dst);
    let done = src.len().min(dst.len()).saturating_mul(BLOCK);
    simd::run(
        IntFlat::<S, D, SV, DV> {
            src,
            dst,
            scale,
            types: PhantomData,
        },
        choice,
    );
    finish::<SN, DN>(src_type, dst_type, job, done);
}

/// The fast conversion's last step (see [`reference::convert_with`]).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) fn dispatch(src: SampleType, dst: SampleType, job: Job<'_>) {
    dispatch_with(Choice::Best, src, dst, job);
}

macro_rules! fast_pairs {
    ($choice:ident, $job:ident, $src:ident, $dst:ident;
     $(($kernel:ident, $s:ident, $sn:literal, $sv:literal, $d:ident, $dn:literal, $dv:literal)),*
     $(,)?) => {
        match ($src, $dst) {
            $((SampleType::$s, SampleType::$d) =>
                $kernel::<codec::$s, codec::$d, $sn, $dn, $sv, $dv>($choice, $src, $dst, $job),)*
        }
    };
}

/// [`dispatch`] with the [`Lanes`] implementation chosen (tests try each).
pub(super) fn dispatch_with(choice: Choice, src: SampleType, dst: SampleType, job: Job<'_>) {
    if job.src_channels != job.dst_channels {
        reference::dispatch(src, dst, job);
        return;
    }
    fast_pairs!(choice, job, src, dst;
        (int_flat, Int16, 2, 2, Int16, 2, 2),
        (int_flat, Int16, 2, 2, Int24, 3, 3),
        (int_flat, Int16, 2, 2, Int24In32, 4, 4),
        (int_flat, Int16, 2, 2, Int32, 4, 4),
        (float_flat, Int16, 2, 2, Float32, 4, 4),
        (int_flat, Int24, 3, 3, Int16, 2, 2),
        (int_flat, Int24, 3, 3, Int24, 3, 3),
        (int_flat, Int24, 3, 3, Int24In32, 4, 4),
        (int_flat, Int24, 3, 3, Int32, 4, 4),
        (float_flat, Int24, 3, 3, Float32, 4, 4),
        (int_flat, Int24In32, 4, 4, Int16, 2, 2),
        (int_flat, Int24In32, 4, 4, Int24, 3, 3),
        (int_flat, Int24In32, 4, 4, Int24In32, 4, 4),
        (int_flat, Int24In32, 4, 4, Int32, 4, 4),
        (float_flat, Int24In32, 4, 4, Float32, 4, 4),
        (int_flat, Int32, 4, 4, Int16, 2, 2),
        (int_flat, Int32, 4, 4, Int24, 3, 3),
        (int_flat, Int32, 4, 4, Int24In32, 4, 4),
        (int_flat, Int32, 4, 4, Int32, 4, 4),
        (float_flat, Int32, 4, 4, Float32, 4, 4),
        (float_flat, Float32, 4, 4, Int16, 2, 2),
        (float_flat, Float32, 4, 4, Int24, 3, 3),
        (float_flat, Float32, 4, 4, Int24In32, 4, 4),
        (float_flat, Float32, 4, 4, Int32, 4, 4),
        (float_flat, Float32, 4, 4, Float32, 4, 4),
    );
}
