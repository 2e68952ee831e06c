//! The aarch64 [`Lanes`]: NEON (Advanced SIMD), part of the aarch64 baseline.
//!
//! NEON works on the same V registers the compiler already uses for every `f32`/`f64` in
//! the engine, so these kernels need no more saved state than ordinary floating-point code
//! in an ARM64 driver (the ARM64 counterpart of SSE2 on x64; see docs/conversion.md). Only
//! the FPCR defaults are assumed: round to nearest even, no flush-to-zero, which both the
//! scalar reference and these instructions follow.
//!
//! Several contracts are single instructions here: `FCVTNS` (`vcvtnq_s32_f32`) rounds to
//! nearest even, saturates and turns NaN into 0, exactly [`Lanes::round_sat`]; `SRSHR`
//! (`vrshrq_n_s32`) is [`Lanes::round_shr16`] without the overflow dance SSE2 needs; `TBL`
//! shuffles packed 24-bit samples as SSSE3's `pshufb` does.

use core::arch::aarch64::{float32x4_t, float64x2_t, int32x4_t};

use super::Lanes;

/// Calls a function compiled with `#[target_feature(enable = "neon")]`.
macro_rules! neon {
    ($call:expr) => {
        // SAFETY: NEON is part of the aarch64 baseline: every aarch64 processor Windows
        // runs on has it and every aarch64 target enables it, so a function that requires it
        // may be called from any aarch64 code.
        unsafe { $call }
    };
}

/// The aarch64 [`Lanes`].
#[derive(Clone, Copy, Debug)]
pub(in crate::convert) struct Neon;

impl Lanes for Neon {
    type F = float32x4_t;
    type I = int32x4_t;
    type G = [float64x2_t; 2];

    #[inline]
    fn load_f(self, b: &[u8; 16]) -> float32x4_t {
        neon!(ops::load_f(b))
    }
    #[inline]
    fn store_f(self, v: float32x4_t, b: &mut [u8; 16]) {
        neon!(ops::store_f(v, b));
    }
    #[inline]
    fn load_i(self, b: &[u8; 16]) -> int32x4_t {
        neon!(ops::load_i(b))
    }
    #[inline]
    fn store_i(self, v: int32x4_t, b: &mut [u8; 16]) {
        neon!(ops::store_i(v, b));
    }
    #[inline]
    fn f32s(self, v: [f32; 4]) -> float32x4_t {
        neon!(ops::f32s(&v))
    }
    #[inline]
    fn f64s(self, v: [f64; 4]) -> [float64x2_t; 2] {
        neon!(ops::f64s(&v))
    }
    #[inline]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        neon!(ops::mul(a, b))
    }
    #[inline]
    fn to_f32(self, v: int32x4_t) -> float32x4_t {
        neon!(ops::to_f32(v))
    }
    #[inline]
    fn round_sat(self, v: float32x4_t) -> int32x4_t {
        neon!(ops::round_sat(v))
    }
    #[inline]
    fn round_clamp(self, v: float32x4_t, lo: f32, hi: f32) -> int32x4_t {
        neon!(ops::round_clamp(v, lo, hi))
    }
    #[inline]
    fn round_min(self, v: float32x4_t, hi: f32) -> int32x4_t {
        neon!(ops::round_min(v, hi))
    }
    #[inline]
    fn and(self, v: int32x4_t, mask: i32) -> int32x4_t {
        neon!(ops::and(v, mask))
    }
    #[inline]
    fn shl8(self, v: int32x4_t) -> int32x4_t {
        neon!(ops::shl8(v))
    }
    #[inline]
    fn round_shr16(self, v: int32x4_t) -> int32x4_t {
        neon!(ops::round_shr16(v))
    }
    #[inline]
    fn round_shr8_sat(self, v: int32x4_t) -> int32x4_t {
        neon!(ops::round_shr8_sat(v))
    }
    #[inline]
    fn round_low8_sat(self, v: int32x4_t) -> int32x4_t {
        neon!(ops::round_low8_sat(v))
    }
    #[inline]
    fn scale(self, v: int32x4_t, g: [float64x2_t; 2]) -> int32x4_t {
        neon!(ops::scale(v, g))
    }
    #[inline]
    fn widen16(self, b: &[u8; 16]) -> [int32x4_t; 2] {
        neon!(ops::widen16(b))
    }
    #[inline]
    fn narrow16(self, v: [int32x4_t; 2], b: &mut [u8; 16]) {
        neon!(ops::narrow16(v, b));
    }
    #[inline]
    fn unpack24(self, b: &[[u8; 16]; 3]) -> [int32x4_t; 4] {
        neon!(ops::unpack24(b))
    }
    #[inline]
    fn pack24(self, v: [int32x4_t; 4], b: &mut [[u8; 16]; 3]) {
        neon!(ops::pack24(v, b));
    }
}

/// The bodies, each compiled with NEON enabled (the baseline) so the intrinsics are safe to
/// call; only the memory accesses hold `unsafe`.
mod ops {
    use core::arch::aarch64::{
        float32x4_t, float64x2_t, int32x4_t, uint8x16_t, vandq_s32, vcombine_s16, vcombine_s32,
        vcvtnq_s32_f32, vcvtnq_s64_f64, vcvtq_f32_s32, vcvtq_f64_s64, vdupq_n_f32, vdupq_n_f64,
        vdupq_n_s32, vget_high_s32, vget_low_s16, vget_low_s32, vld1q_f32, vld1q_f64, vld1q_u8,
        vmaxq_f32, vminq_f32, vmovl_high_s16, vmovl_s16, vmovl_s32, vmovn_s64, vmulq_f32,
        vmulq_f64, vorrq_u8, vqaddq_s32, vqmovn_s32, vqtbl1q_u8, vreinterpretq_f32_u8,
        vreinterpretq_s16_u8, vreinterpretq_s32_u8, vreinterpretq_u8_f32, vreinterpretq_u8_s16,
        vreinterpretq_u8_s32, vrshrq_n_s32, vshlq_n_s32, vshrq_n_s32, vst1q_u8,
    };

    /// A `TBL` index that yields a zero byte (any index past the 16-byte table).
    const Z: u8 = 0xFF;

    #[target_feature(enable = "neon")]
    #[inline]
    fn load(b: &[u8; 16]) -> uint8x16_t {
        // SAFETY: `b` is 16 readable bytes; `vld1q_u8` reads 16 bytes with no alignment
        // requirement.
        unsafe { vld1q_u8(b.as_ptr()) }
    }

    #[target_feature(enable = "neon")]
    #[inline]
    fn store(v: uint8x16_t, b: &mut [u8; 16]) {
        // SAFETY: `b` is 16 writable bytes; `vst1q_u8` writes 16 bytes with no alignment
        // requirement.
        unsafe { vst1q_u8(b.as_mut_ptr(), v) }
    }

    /// The 16 bytes of `b` from `at` on (zero if they are not all there; the callers'
    /// constant offsets into 48-byte blocks always are).
    #[target_feature(enable = "neon")]
    #[inline]
    fn load_at(b: &[u8; 48], at: usize) -> uint8x16_t {
        match b
            .get(at..at.wrapping_add(16))
            .and_then(|s| <&[u8; 16]>::try_from(s).ok())
        {
            Some(s) => load(s),
            None => load(&[0; 16]),
        }
    }

    #[target_feature(enable = "neon")]
    #[inline]
    fn table(t: [u8; 16]) -> uint8x16_t {
        load(&t)
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn load_f(b: &[u8; 16]) -> float32x4_t {
        vreinterpretq_f32_u8(load(b))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn store_f(v: float32x4_t, b: &mut [u8; 16]) {
        store(vreinterpretq_u8_f32(v), b);
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn load_i(b: &[u8; 16]) -> int32x4_t {
        vreinterpretq_s32_u8(load(b))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn store_i(v: int32x4_t, b: &mut [u8; 16]) {
        store(vreinterpretq_u8_s32(v), b);
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn f32s(v: &[f32; 4]) -> float32x4_t {
        // SAFETY: `v` is four readable f32; `vld1q_f32` reads four.
        unsafe { vld1q_f32(v.as_ptr()) }
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn f64s(v: &[f64; 4]) -> [float64x2_t; 2] {
        let [lo, hi] = v.as_chunks::<2>().0 else {
            return [vdupq_n_f64(0.0); 2];
        };
        [f64x2(lo), f64x2(hi)]
    }

    #[target_feature(enable = "neon")]
    #[inline]
    fn f64x2(v: &[f64; 2]) -> float64x2_t {
        // SAFETY: `v` is two readable f64; `vld1q_f64` reads two.
        unsafe { vld1q_f64(v.as_ptr()) }
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn mul(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        vmulq_f32(a, b)
    }

    /// `SCVTF`: rounds by FPCR, nearest even.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn to_f32(v: int32x4_t) -> float32x4_t {
        vcvtq_f32_s32(v)
    }

    /// `FCVTNS`: nearest, ties to even; saturating; NaN → 0. The contract as it stands.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_sat(v: float32x4_t) -> int32x4_t {
        vcvtnq_s32_f32(v)
    }

    /// `FMIN` / `FMAX` keep a NaN, which `FCVTNS` then turns into 0.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_clamp(v: float32x4_t, lo: f32, hi: f32) -> int32x4_t {
        vcvtnq_s32_f32(vmaxq_f32(vminq_f32(v, vdupq_n_f32(hi)), vdupq_n_f32(lo)))
    }

    /// Below -2^31 `FCVTNS` saturates to `i32::MIN`; a NaN stays NaN through `FMIN` and
    /// becomes 0.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_min(v: float32x4_t, hi: f32) -> int32x4_t {
        vcvtnq_s32_f32(vminq_f32(v, vdupq_n_f32(hi)))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn and(v: int32x4_t, mask: i32) -> int32x4_t {
        vandq_s32(v, vdupq_n_s32(mask))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn shl8(v: int32x4_t) -> int32x4_t {
        vshlq_n_s32::<8>(v)
    }

    /// `SRSHR #16` adds 2^15 before shifting, in a wider intermediate: no overflow.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_shr16(v: int32x4_t) -> int32x4_t {
        vrshrq_n_s32::<16>(v)
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_shr8_sat(v: int32x4_t) -> int32x4_t {
        vshrq_n_s32::<8>(vqaddq_s32(v, vdupq_n_s32(1 << 7)))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn round_low8_sat(v: int32x4_t) -> int32x4_t {
        vandq_s32(vqaddq_s32(v, vdupq_n_s32(1 << 7)), vdupq_n_s32(!0xFF))
    }

    /// Exact widening to f64, one multiply, `FCVTNS` to i64 (nearest even), narrowing: the
    /// factors are within 0..=1 (the contract), so the product fits an i32 and the narrowing
    /// loses nothing.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn scale(v: int32x4_t, [g01, g23]: [float64x2_t; 2]) -> int32x4_t {
        let lo = vmulq_f64(vcvtq_f64_s64(vmovl_s32(vget_low_s32(v))), g01);
        let hi = vmulq_f64(vcvtq_f64_s64(vmovl_s32(vget_high_s32(v))), g23);
        vcombine_s32(vmovn_s64(vcvtnq_s64_f64(lo)), vmovn_s64(vcvtnq_s64_f64(hi)))
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn widen16(b: &[u8; 16]) -> [int32x4_t; 2] {
        let x = vreinterpretq_s16_u8(load(b));
        [
            vshlq_n_s32::<16>(vmovl_s16(vget_low_s16(x))),
            vshlq_n_s32::<16>(vmovl_high_s16(x)),
        ]
    }

    /// `SQXTN`: saturating narrowing to i16.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn narrow16([a, b]: [int32x4_t; 2], out: &mut [u8; 16]) {
        store(
            vreinterpretq_u8_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b))),
            out,
        );
    }

    /// Lane k takes the three bytes of sample k above a zero byte (the `pshufb` tables of the
    /// SSSE3 path, with 0xFF for "zero").
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn unpack24(b: &[[u8; 16]; 3]) -> [int32x4_t; 4] {
        let Some(b) = b.as_flattened().first_chunk::<48>() else {
            return [vdupq_n_s32(0); 4];
        };
        let at0 = table([Z, 0, 1, 2, Z, 3, 4, 5, Z, 6, 7, 8, Z, 9, 10, 11]);
        // The last four samples are bytes 4..16 of the vector loaded at 32.
        let at4 = table([Z, 4, 5, 6, Z, 7, 8, 9, Z, 10, 11, 12, Z, 13, 14, 15]);
        [
            vreinterpretq_s32_u8(vqtbl1q_u8(load_at(b, 0), at0)),
            vreinterpretq_s32_u8(vqtbl1q_u8(load_at(b, 12), at0)),
            vreinterpretq_s32_u8(vqtbl1q_u8(load_at(b, 24), at0)),
            vreinterpretq_s32_u8(vqtbl1q_u8(load_at(b, 32), at4)),
        ]
    }

    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn pack24([a, b, c, d]: [int32x4_t; 4], out: &mut [[u8; 16]; 3]) {
        let (a, b, c, d) = (
            vreinterpretq_u8_s32(a),
            vreinterpretq_u8_s32(b),
            vreinterpretq_u8_s32(c),
            vreinterpretq_u8_s32(d),
        );
        // Output bytes 0..16: samples 0-3 (a), sample 4 and the first byte of 5 (b).
        let a_0 = table([0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z]);
        let b_12 = table([Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 0, 1, 2, 4]);
        // Bytes 16..32: the rest of b (samples 5-7), samples 8-9 and two bytes of 10 (c).
        let b_0 = table([5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z]);
        let c_8 = table([Z, Z, Z, Z, Z, Z, Z, Z, 0, 1, 2, 4, 5, 6, 8, 9]);
        // Bytes 32..48: the rest of c (samples 10-11) and samples 12-15 (d).
        let c_0 = table([10, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z]);
        let d_4 = table([Z, Z, Z, Z, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]);
        let [o0, o1, o2] = out;
        store(vorrq_u8(vqtbl1q_u8(a, a_0), vqtbl1q_u8(b, b_12)), o0);
        store(vorrq_u8(vqtbl1q_u8(b, b_0), vqtbl1q_u8(c, c_8)), o1);
        store(vorrq_u8(vqtbl1q_u8(c, c_0), vqtbl1q_u8(d, d_4)), o2);
    }
}
