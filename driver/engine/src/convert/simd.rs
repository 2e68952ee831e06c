//! The seam between the conversion kernels and `core::arch`: the only module of the
//! conversion that names an intrinsic or holds an `unsafe` block.
//!
//! [`Lanes`] is a small set of four-lane operations, each with an exact lane-wise contract
//! written in plain Rust terms (the `Portable` implementation, compiled for tests, is that
//! contract as code). The kernels in [`super::fast`] are safe Rust generic over it.
//!
//! ## x86_64
//! `X86` implements every operation with SSE2, part of the x86_64 baseline. Packed 24-bit
//! samples are shuffled with SSSE3 (`pshufb`) when the processor has it, known from one
//! `CPUID` (leaf 1, ECX bit 9) whose answer is cached in an atomic; `X86<true>` can only be
//! made after that answer was yes, and kernels given it run inside a function compiled with
//! `#[target_feature(enable = "ssse3")]`, so the shuffles inline into the loop. Without
//! SSSE3 the same operations use SSE2 shifts. SSSE3 works on the XMM registers SSE2 already
//! uses, so it needs no more saved state than the compiler's own SSE code. No AVX (or VEX
//! encoding) anywhere: kernel code must save the YMM state itself before using it
//! (KeSaveExtendedProcessorState; Microsoft, "Using extended processor features in Windows
//! drivers"), which a DPC converting a packet should not pay for. SSE4.1 is not used: the
//! SSE2 sequences here needed nothing it offers.
//!
//! The conversions (`cvtps2dq`, `cvtpd2dq`, `cvtdq2ps`) round by MXCSR, as do the additions
//! the reference rounds with: both assume round to nearest even, the x64 default.
//!
//! ## Other targets
//! ## aarch64
//! `Neon` (`simd/neon.rs`) implements every operation with NEON, part of the aarch64 baseline
//! (see docs/conversion.md for why a DPC may use it). Other targets run the scalar reference.

// `inline(always)` on purpose: the operations must inline into the kernel loops, including
// the ones compiled with SSSE3 enabled, whatever the inliner's size heuristics decide.
#![allow(clippy::inline_always)]

#[cfg(target_arch = "x86_64")]
pub(super) use x86::X86;

#[cfg(target_arch = "aarch64")]
mod neon;
#[cfg(target_arch = "aarch64")]
pub(super) use neon::Neon;

/// Four lanes of samples. Each implementation must meet every contract exactly, bit for bit
/// (the tests compare `X86` with `Portable`).
pub(super) trait Lanes: Copy {
    /// Four `f32`.
    type F: Copy;
    /// Four `i32`.
    type I: Copy;
    /// Four `f64` (gain factors).
    type G: Copy;

    /// Four little-endian `f32`.
    fn load_f(self, b: &[u8; 16]) -> Self::F;
    /// Stores four `f32`, little-endian.
    fn store_f(self, v: Self::F, b: &mut [u8; 16]);
    /// Four little-endian `i32`.
    fn load_i(self, b: &[u8; 16]) -> Self::I;
    /// Stores four `i32`, little-endian.
    fn store_i(self, v: Self::I, b: &mut [u8; 16]);
    /// The four values as lanes.
    fn f32s(self, v: [f32; 4]) -> Self::F;
    /// The four values as lanes.
    fn f64s(self, v: [f64; 4]) -> Self::G;
    /// `a * b`.
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    /// `v as f32`: round to nearest, ties to even.
    fn to_f32(self, v: Self::I) -> Self::F;
    /// NaN → 0; otherwise `v` rounded to the nearest integer (ties to even), saturated to
    /// `i32::MIN..=i32::MAX`.
    fn round_sat(self, v: Self::F) -> Self::I;
    /// NaN → 0; otherwise `v` clamped to `lo..=hi` and rounded to the nearest integer (ties
    /// to even). `lo <= hi` must be integers of magnitude at most 2^24.
    fn round_clamp(self, v: Self::F, lo: f32, hi: f32) -> Self::I;
    /// NaN → 0; otherwise `min(v, hi)` rounded to the nearest integer (ties to even),
    /// saturated to `i32::MIN` below. `hi` must be an integer of magnitude at most 2^24.
    fn round_min(self, v: Self::F, hi: f32) -> Self::I;
    /// `v & mask`.
    fn and(self, v: Self::I, mask: i32) -> Self::I;
    /// `v << 8` (the top byte is lost).
    fn shl8(self, v: Self::I) -> Self::I;
    /// `(v + 2^15) >> 16` computed without overflow (floor division), so in `-2^15..=2^15`.
    fn round_shr16(self, v: Self::I) -> Self::I;
    /// `v.saturating_add(1 << 7) >> 8`.
    fn round_shr8_sat(self, v: Self::I) -> Self::I;
    /// `v.saturating_add(1 << 7) & !0xFF`.
    fn round_low8_sat(self, v: Self::I) -> Self::I;
    /// `f64(v) * g` rounded to the nearest integer (ties to even). Each `g` must be in
    /// `0.0..=1.0`, so that the product is within the `i32` range and never saturates.
    fn scale(self, v: Self::I, g: Self::G) -> Self::I;
    /// Eight little-endian `i16`, each as `i32 << 16`, in order.
    fn widen16(self, b: &[u8; 16]) -> [Self::I; 2];
    /// Eight lanes saturated to `i16`, stored little-endian in order.
    fn narrow16(self, v: [Self::I; 2], b: &mut [u8; 16]);
    /// Sixteen packed little-endian 24-bit samples (48 bytes), each as `i32 << 8`.
    fn unpack24(self, b: &[[u8; 16]; 3]) -> [Self::I; 4];
    /// The low 24 bits of sixteen lanes, packed little-endian into 48 bytes.
    fn pack24(self, v: [Self::I; 4], b: &mut [[u8; 16]; 3]);
}

/// A loop over blocks, run by [`run`] with the best [`Lanes`] the processor has.
pub(super) trait Kernel {
    /// True when the kernel packs or unpacks 24-bit samples, where SSSE3 pays.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    const PACKED24: bool;
    fn run<L: Lanes>(self, lanes: L);
}

/// Which implementation [`run`] uses. Only tests choose anything but `Best`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Choice {
    /// x86_64: SSSE3 for packed 24-bit kernels when CPUID has it, SSE2 otherwise; aarch64:
    /// NEON.
    Best,
    /// x86_64: SSE2 only; aarch64: NEON.
    #[cfg(test)]
    Baseline,
    /// The lane-by-lane contract in plain Rust.
    #[cfg(test)]
    Portable,
}

/// Runs `kernel` with the [`Lanes`] `choice` names.
#[inline]
pub(super) fn run<K: Kernel>(kernel: K, choice: Choice) {
    match choice {
        #[cfg(target_arch = "x86_64")]
        Choice::Best => {
            if K::PACKED24
                && let Some(lanes) = X86::<true>::detect()
            {
                x86::run_ssse3(kernel, lanes);
            } else {
                kernel.run(X86::<false>::BASELINE);
            }
        }
        #[cfg(target_arch = "aarch64")]
        Choice::Best => kernel.run(Neon),
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        Choice::Best => kernel.run(Portable),
        #[cfg(all(test, target_arch = "x86_64"))]
        Choice::Baseline => kernel.run(X86::<false>::BASELINE),
        #[cfg(all(test, target_arch = "aarch64"))]
        Choice::Baseline => kernel.run(Neon),
        #[cfg(all(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
        Choice::Baseline => kernel.run(Portable),
        #[cfg(test)]
        Choice::Portable => kernel.run(Portable),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        __cpuid, __m128, __m128d, __m128i, _mm_add_epi32, _mm_and_ps, _mm_and_si128,
        _mm_castps_si128, _mm_castsi128_ps, _mm_cmpeq_ps, _mm_cmpgt_epi32, _mm_cmpnlt_ps,
        _mm_cvtepi32_pd, _mm_cvtepi32_ps, _mm_cvtpd_epi32, _mm_cvtps_epi32, _mm_loadu_si128,
        _mm_max_ps, _mm_min_ps, _mm_move_epi64, _mm_mul_pd, _mm_mul_ps, _mm_or_si128,
        _mm_packs_epi32, _mm_set_pd, _mm_set1_epi32, _mm_set1_epi64x, _mm_set1_ps, _mm_setr_epi8,
        _mm_setr_ps, _mm_setzero_si128, _mm_shuffle_epi8, _mm_shuffle_epi32, _mm_slli_epi32,
        _mm_slli_epi64, _mm_slli_si128, _mm_srai_epi32, _mm_srli_epi64, _mm_srli_si128,
        _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi16, _mm_unpacklo_epi64,
        _mm_xor_si128,
    };
    use core::sync::atomic::{AtomicU8, Ordering};

    use super::{Kernel, Lanes};

    /// Calls a function compiled with `#[target_feature(enable = "sse2")]`.
    macro_rules! sse2 {
        ($call:expr) => {
            // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it and
            // every x86_64 target enables it, so a function that requires it may be called
            // from any x86_64 code.
            unsafe { $call }
        };
    }

    /// The x86_64 [`Lanes`]: SSE2, and SSSE3 shuffles for packed 24-bit samples when
    /// `SSSE3` (which only [`X86::detect`] can make true).
    #[derive(Clone, Copy, Debug)]
    pub(in crate::convert) struct X86<const SSSE3: bool>(());

    impl X86<false> {
        /// SSE2 only: always available.
        pub(in crate::convert) const BASELINE: X86<false> = X86(());
    }

    impl X86<true> {
        /// `Some` only when the processor has SSSE3.
        #[inline]
        pub(in crate::convert) fn detect() -> Option<X86<true>> {
            (features() & SSSE3 != 0).then_some(X86(()))
        }
    }

    /// Runs `kernel` compiled with SSSE3 enabled, so that its shuffles are inlined.
    #[inline]
    pub(super) fn run_ssse3<K: Kernel>(kernel: K, lanes: X86<true>) {
        // SAFETY: `lanes` is an `X86<true>`, which `X86::detect` only returns when CPUID
        // reported SSSE3, the one feature `with_ssse3` enables.
        unsafe { with_ssse3(kernel, lanes) }
    }

    #[target_feature(enable = "ssse3")]
    fn with_ssse3<K: Kernel>(kernel: K, lanes: X86<true>) {
        kernel.run(lanes);
    }

    /// Set once CPUID has been read.
    const KNOWN: u8 = 1;
    /// CPUID.1:ECX bit 9.
    const SSSE3: u8 = 2;
    static FEATURES: AtomicU8 = AtomicU8::new(0);

    /// The cached CPUID answer. Racing first callers both read CPUID and store the same
    /// value, so relaxed ordering suffices.
    #[inline]
    fn features() -> u8 {
        let cached = FEATURES.load(Ordering::Relaxed);
        if cached & KNOWN != 0 {
            return cached;
        }
        let found = read_cpuid();
        FEATURES.store(found, Ordering::Relaxed);
        found
    }

    /// CPUID is an unprivileged instruction (in a virtual machine it may trap to the
    /// hypervisor, which is why the answer is cached). It reads no OS state: SSSE3 uses only
    /// the XMM registers, so unlike AVX it needs no OS support beyond SSE2's.
    #[cold]
    fn read_cpuid() -> u8 {
        // SAFETY: every x86_64 processor has CPUID. (Rust declares `__cpuid` safe since
        // late 2025; the block keeps the crate building with its minimum Rust, 1.88.)
        #[allow(unused_unsafe)]
        let max_leaf = unsafe { __cpuid(0) }.eax;
        if max_leaf < 1 {
            return KNOWN;
        }
        // SAFETY: every x86_64 processor has CPUID, and leaf 1 exists, since the maximum leaf
        // (checked above) is at least 1. (`unsafe` only for Rust before `__cpuid` was safe.)
        #[allow(unused_unsafe)]
        let ecx = unsafe { __cpuid(1) }.ecx;
        KNOWN | if ecx & (1 << 9) != 0 { SSSE3 } else { 0 }
    }

    #[cfg(test)]
    pub(super) fn cached_features() -> u8 {
        FEATURES.load(Ordering::Relaxed)
    }

    impl<const SSSE3: bool> Lanes for X86<SSSE3> {
        type F = __m128;
        type I = __m128i;
        type G = [__m128d; 2];

        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn load_f(self, b: &[u8; 16]) -> __m128 {
            sse2!(sse2::load_f(b))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn store_f(self, v: __m128, b: &mut [u8; 16]) {
            sse2!(sse2::store_f(v, b));
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn load_i(self, b: &[u8; 16]) -> __m128i {
            sse2!(sse2::load(b, 0))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn store_i(self, v: __m128i, b: &mut [u8; 16]) {
            sse2!(sse2::store(v, b));
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn f32s(self, v: [f32; 4]) -> __m128 {
            sse2!(sse2::f32s(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn f64s(self, v: [f64; 4]) -> [__m128d; 2] {
            sse2!(sse2::f64s(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn mul(self, a: __m128, b: __m128) -> __m128 {
            sse2!(sse2::mul(a, b))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn to_f32(self, v: __m128i) -> __m128 {
            sse2!(sse2::to_f32(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_sat(self, v: __m128) -> __m128i {
            sse2!(sse2::round_sat(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_clamp(self, v: __m128, lo: f32, hi: f32) -> __m128i {
            sse2!(sse2::round_clamp(v, lo, hi))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_min(self, v: __m128, hi: f32) -> __m128i {
            sse2!(sse2::round_min(v, hi))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn and(self, v: __m128i, mask: i32) -> __m128i {
            sse2!(sse2::and(v, mask))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn shl8(self, v: __m128i) -> __m128i {
            sse2!(sse2::shl8(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_shr16(self, v: __m128i) -> __m128i {
            sse2!(sse2::round_shr16(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_shr8_sat(self, v: __m128i) -> __m128i {
            sse2!(sse2::round_shr8_sat(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn round_low8_sat(self, v: __m128i) -> __m128i {
            sse2!(sse2::round_low8_sat(v))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn scale(self, v: __m128i, g: [__m128d; 2]) -> __m128i {
            sse2!(sse2::scale(v, g))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn widen16(self, b: &[u8; 16]) -> [__m128i; 2] {
            sse2!(sse2::widen16(b))
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn narrow16(self, v: [__m128i; 2], b: &mut [u8; 16]) {
            sse2!(sse2::narrow16(v, b));
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn unpack24(self, b: &[[u8; 16]; 3]) -> [__m128i; 4] {
            if SSSE3 {
                // SAFETY: an `X86<true>` exists only after CPUID reported SSSE3
                // (`X86::detect`), and `SSSE3` is true only for that type.
                unsafe { ssse3::unpack24(b) }
            } else {
                sse2!(sse2::unpack24(b))
            }
        }
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        fn pack24(self, v: [__m128i; 4], b: &mut [[u8; 16]; 3]) {
            if SSSE3 {
                // SAFETY: `pack24` only requires SSSE3; `SSSE3` is true only for an `X86<true>`,
                // which exists only after CPUID reported SSSE3 (`X86::detect`).
                unsafe { ssse3::pack24(v, b) }
            } else {
                sse2!(sse2::pack24(v, b));
            }
        }
    }

    /// The SSE2 bodies. Every function requires SSE2 (always present on x86_64).
    mod sse2 {
        use super::{
            __m128, __m128d, __m128i, _mm_add_epi32, _mm_and_ps, _mm_and_si128, _mm_castps_si128,
            _mm_castsi128_ps, _mm_cmpeq_ps, _mm_cmpgt_epi32, _mm_cmpnlt_ps, _mm_cvtepi32_pd,
            _mm_cvtepi32_ps, _mm_cvtpd_epi32, _mm_cvtps_epi32, _mm_loadu_si128, _mm_max_ps,
            _mm_min_ps, _mm_move_epi64, _mm_mul_pd, _mm_mul_ps, _mm_or_si128, _mm_packs_epi32,
            _mm_set_pd, _mm_set1_epi32, _mm_set1_epi64x, _mm_set1_ps, _mm_setr_ps,
            _mm_setzero_si128, _mm_shuffle_epi32, _mm_slli_epi32, _mm_slli_epi64, _mm_slli_si128,
            _mm_srai_epi32, _mm_srli_epi64, _mm_srli_si128, _mm_storeu_si128, _mm_unpackhi_epi16,
            _mm_unpacklo_epi16, _mm_unpacklo_epi64, _mm_xor_si128,
        };

        /// The 16 bytes of `b` from byte `at`.
        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn load<const N: usize>(b: &[u8; N], at: usize) -> __m128i {
            // Every caller passes a constant offset at most N - 16, so the check folds away
            // and the fallback is never taken.
            let Some(bytes) = b.get(at..).and_then(<[u8]>::first_chunk::<16>) else {
                return _mm_setzero_si128();
            };
            // SAFETY: `bytes` is a reference to 16 readable bytes; `loadu` has no alignment
            // requirement.
            unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn store(v: __m128i, b: &mut [u8; 16]) {
            // SAFETY: `b` is a unique reference to 16 writable bytes; `storeu` has no
            // alignment requirement.
            unsafe { _mm_storeu_si128(b.as_mut_ptr().cast(), v) }
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn load_f(b: &[u8; 16]) -> __m128 {
            _mm_castsi128_ps(load(b, 0))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn store_f(v: __m128, b: &mut [u8; 16]) {
            store(_mm_castps_si128(v), b);
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn f32s([a, b, c, d]: [f32; 4]) -> __m128 {
            _mm_setr_ps(a, b, c, d)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn f64s([a, b, c, d]: [f64; 4]) -> [__m128d; 2] {
            [_mm_set_pd(b, a), _mm_set_pd(d, c)]
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn mul(a: __m128, b: __m128) -> __m128 {
            _mm_mul_ps(a, b)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn to_f32(v: __m128i) -> __m128 {
            _mm_cvtepi32_ps(v)
        }

        /// `v` with NaN lanes replaced by +0.0 (a NaN is the one value unequal to itself).
        #[target_feature(enable = "sse2")]
        #[inline]
        fn nan_to_zero(v: __m128) -> __m128 {
            _mm_and_ps(v, _mm_cmpeq_ps(v, v))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_sat(v: __m128) -> __m128i {
            let v = nan_to_zero(v);
            // Out of range, `cvtps2dq` gives 0x8000_0000: right for v < -2^31; for
            // v >= 2^31 flipping every bit makes it 0x7FFF_FFFF.
            let r = _mm_cvtps_epi32(v);
            // "Not less than" is "at least" without NaN; it compiles without a register copy.
            let high = _mm_castps_si128(_mm_cmpnlt_ps(v, _mm_set1_ps(2_147_483_648.0)));
            _mm_xor_si128(r, high)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_clamp(v: __m128, lo: f32, hi: f32) -> __m128i {
            let v = nan_to_zero(v);
            let v = _mm_max_ps(_mm_min_ps(v, _mm_set1_ps(hi)), _mm_set1_ps(lo));
            _mm_cvtps_epi32(v)
        }

        /// Below -2^31, `cvtps2dq` gives 0x8000_0000: `i32::MIN`, the saturated value.
        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_min(v: __m128, hi: f32) -> __m128i {
            let v = nan_to_zero(v);
            _mm_cvtps_epi32(_mm_min_ps(v, _mm_set1_ps(hi)))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn and(v: __m128i, mask: i32) -> __m128i {
            _mm_and_si128(v, _mm_set1_epi32(mask))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn shl8(v: __m128i) -> __m128i {
            _mm_slli_epi32::<8>(v)
        }

        /// floor((v + 2^15) / 2^16) as floor((floor(v / 2^15) + 1) / 2), which cannot
        /// overflow.
        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_shr16(v: __m128i) -> __m128i {
            let q = _mm_add_epi32(_mm_srai_epi32::<15>(v), _mm_set1_epi32(1));
            _mm_srai_epi32::<1>(q)
        }

        /// `v + 2^7` and an all-ones mask where the addition wrapped (exactly when
        /// `v > i32::MAX - 2^7`: then the sum is below `v`). Where it wrapped, the sum is
        /// 0x8000_0000..=0x8000_007F, and flipping every bit gives 0x7FFF_FF80..=0x7FFF_FFFF:
        /// the saturated `i32::MAX` in every bit from 8 up.
        #[target_feature(enable = "sse2")]
        #[inline]
        fn add_half_step8(v: __m128i) -> __m128i {
            let sum = _mm_add_epi32(v, _mm_set1_epi32(1 << 7));
            let wrapped = _mm_cmpgt_epi32(v, sum);
            _mm_xor_si128(sum, wrapped)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_shr8_sat(v: __m128i) -> __m128i {
            _mm_srai_epi32::<8>(add_half_step8(v))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn round_low8_sat(v: __m128i) -> __m128i {
            _mm_and_si128(add_half_step8(v), _mm_set1_epi32(!0xFF))
        }

        /// The factors are within 0..=1 (the contract), so `|f64(v) · g| <= |v|` is within
        /// the `i32` range and `cvtpd2dq` rounds it exactly as the reference's saturating
        /// rounding would (which then never saturates).
        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn scale(v: __m128i, [g01, g23]: [__m128d; 2]) -> __m128i {
            let lo = _mm_mul_pd(_mm_cvtepi32_pd(v), g01);
            let hi = _mm_mul_pd(_mm_cvtepi32_pd(_mm_shuffle_epi32::<0b11_10_11_10>(v)), g23);
            _mm_unpacklo_epi64(_mm_cvtpd_epi32(lo), _mm_cvtpd_epi32(hi))
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn widen16(b: &[u8; 16]) -> [__m128i; 2] {
            let x = load(b, 0);
            let zero = _mm_setzero_si128();
            // Interleaving zero below each 16-bit sample makes it the top half of a lane.
            [_mm_unpacklo_epi16(zero, x), _mm_unpackhi_epi16(zero, x)]
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn narrow16([a, b]: [__m128i; 2], out: &mut [u8; 16]) {
            store(_mm_packs_epi32(a, b), out);
        }

        /// Four packed samples from the low 12 bytes of `w`, each as `i32 << 8`: the two
        /// 64-bit halves take samples 0-1 and 2-3 (bytes 0..6 and 6..12), and shifts put
        /// each sample's three bytes at the top of its lane.
        #[target_feature(enable = "sse2")]
        #[inline]
        fn expand24(w: __m128i) -> __m128i {
            let pairs = _mm_unpacklo_epi64(w, _mm_srli_si128::<6>(w));
            let first = _mm_and_si128(
                _mm_slli_epi64::<8>(pairs),
                _mm_set1_epi64x(0x0000_0000_FFFF_FF00),
            );
            let second = _mm_and_si128(
                _mm_slli_epi64::<16>(pairs),
                _mm_set1_epi64x(0xFFFF_FF00_0000_0000_u64.cast_signed()),
            );
            _mm_or_si128(first, second)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn unpack24(b: &[[u8; 16]; 3]) -> [__m128i; 4] {
            let b = b.as_flattened();
            let Some(b) = b.first_chunk::<48>() else {
                return [_mm_setzero_si128(); 4];
            };
            // Samples 0-3, 4-7, 8-11 start at bytes 0, 12, 24; samples 12-15 are the top
            // 12 bytes of the last 16.
            [
                expand24(load(b, 0)),
                expand24(load(b, 12)),
                expand24(load(b, 24)),
                expand24(_mm_srli_si128::<4>(load(b, 32))),
            ]
        }

        /// The low 24 bits of each lane of `v`, packed into the low 12 bytes (the top 4
        /// are zero).
        #[target_feature(enable = "sse2")]
        #[inline]
        fn compact24(v: __m128i) -> __m128i {
            // In each 64-bit half: lane 0's 24 bits, then lane 1's above them.
            let even = _mm_and_si128(v, _mm_set1_epi64x(0x0000_0000_00FF_FFFF));
            let odd = _mm_and_si128(
                _mm_srli_epi64::<8>(v),
                _mm_set1_epi64x(0x0000_FFFF_FF00_0000),
            );
            let halves = _mm_or_si128(even, odd);
            // The upper half's six bytes go right after the lower half's six.
            let upper = _mm_slli_si128::<6>(_mm_srli_si128::<8>(halves));
            _mm_or_si128(_mm_move_epi64(halves), upper)
        }

        #[target_feature(enable = "sse2")]
        #[inline]
        pub(super) fn pack24([a, b, c, d]: [__m128i; 4], out: &mut [[u8; 16]; 3]) {
            let (a, b, c, d) = (compact24(a), compact24(b), compact24(c), compact24(d));
            // 12 + 4 | 8 + 8 | 4 + 12 bytes.
            let [o0, o1, o2] = out;
            store(_mm_or_si128(a, _mm_slli_si128::<12>(b)), o0);
            store(
                _mm_or_si128(_mm_srli_si128::<4>(b), _mm_slli_si128::<8>(c)),
                o1,
            );
            store(
                _mm_or_si128(_mm_srli_si128::<8>(c), _mm_slli_si128::<4>(d)),
                o2,
            );
        }
    }

    /// The SSSE3 bodies: byte shuffles for packed 24-bit samples.
    mod ssse3 {
        use super::sse2::{load, store};
        use super::{__m128i, _mm_or_si128, _mm_setr_epi8, _mm_shuffle_epi8};

        /// `pshufb` index that zeroes the byte.
        const Z: i8 = -128;

        #[target_feature(enable = "ssse3")]
        #[inline]
        pub(super) fn unpack24(b: &[[u8; 16]; 3]) -> [__m128i; 4] {
            let b = b.as_flattened();
            let Some(b) = b.first_chunk::<48>() else {
                return [load(&[0; 16], 0); 4];
            };
            // Lane k takes the three bytes of sample k above a zero byte.
            let at0 = _mm_setr_epi8(Z, 0, 1, 2, Z, 3, 4, 5, Z, 6, 7, 8, Z, 9, 10, 11);
            // The last four samples are bytes 4..16 of the vector loaded at 32.
            let at4 = _mm_setr_epi8(Z, 4, 5, 6, Z, 7, 8, 9, Z, 10, 11, 12, Z, 13, 14, 15);
            [
                _mm_shuffle_epi8(load(b, 0), at0),
                _mm_shuffle_epi8(load(b, 12), at0),
                _mm_shuffle_epi8(load(b, 24), at0),
                _mm_shuffle_epi8(load(b, 32), at4),
            ]
        }

        #[target_feature(enable = "ssse3")]
        #[inline]
        pub(super) fn pack24([a, b, c, d]: [__m128i; 4], out: &mut [[u8; 16]; 3]) {
            // Output bytes 0..16: samples 0-3 (a) and sample 4 and the first byte of 5 (b).
            let a_0 = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z);
            let b_12 = _mm_setr_epi8(Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 0, 1, 2, 4);
            // Bytes 16..32: the rest of b (samples 5-7), samples 8-9 and two bytes of 10 (c).
            let b_0 = _mm_setr_epi8(5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z);
            let c_8 = _mm_setr_epi8(Z, Z, Z, Z, Z, Z, Z, Z, 0, 1, 2, 4, 5, 6, 8, 9);
            // Bytes 32..48: the rest of c (samples 10-11) and samples 12-15 (d).
            let c_0 = _mm_setr_epi8(10, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z);
            let d_4 = _mm_setr_epi8(Z, Z, Z, Z, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14);
            let [o0, o1, o2] = out;
            store(
                _mm_or_si128(_mm_shuffle_epi8(a, a_0), _mm_shuffle_epi8(b, b_12)),
                o0,
            );
            store(
                _mm_or_si128(_mm_shuffle_epi8(b, b_0), _mm_shuffle_epi8(c, c_8)),
                o1,
            );
            store(
                _mm_or_si128(_mm_shuffle_epi8(c, c_0), _mm_shuffle_epi8(d, d_4)),
                o2,
            );
        }
    }
}

/// The lane-wise contracts of [`Lanes`] as plain Rust, one lane at a time: the
/// specification the tests hold [`X86`] to, and a second implementation the kernels are
/// tested with.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(super) struct Portable;

#[cfg(test)]
mod portable {
    use super::{Lanes, Portable};

    fn words(b: &[u8; 16]) -> [[u8; 4]; 4] {
        let mut out = [[0; 4]; 4];
        for (o, w) in out.iter_mut().zip(b.as_chunks::<4>().0) {
            *o = *w;
        }
        out
    }

    fn store(words: [[u8; 4]; 4], b: &mut [u8; 16]) {
        for (o, w) in b.as_chunks_mut::<4>().0.iter_mut().zip(words) {
            *o = w;
        }
    }

    /// Round to nearest, ties to even, for |x| <= 2^51: adding 1.5 · 2^52 moves x to the
    /// binade whose step is 1.
    fn round_even(x: f64) -> f64 {
        const MAGIC: f64 = 6_755_399_441_055_744.0;
        (x + MAGIC) - MAGIC
    }

    /// Saturating; NaN is never passed.
    #[allow(clippy::cast_possible_truncation)] // `as` saturates, which is the contract
    fn to_i32(x: f64) -> i32 {
        round_even(x.clamp(-4e9, 4e9)) as i32
    }

    impl Lanes for Portable {
        type F = [f32; 4];
        type I = [i32; 4];
        type G = [f64; 4];

        fn load_f(self, b: &[u8; 16]) -> [f32; 4] {
            words(b).map(f32::from_le_bytes)
        }
        fn store_f(self, v: [f32; 4], b: &mut [u8; 16]) {
            store(v.map(f32::to_le_bytes), b);
        }
        fn load_i(self, b: &[u8; 16]) -> [i32; 4] {
            words(b).map(i32::from_le_bytes)
        }
        fn store_i(self, v: [i32; 4], b: &mut [u8; 16]) {
            store(v.map(i32::to_le_bytes), b);
        }
        fn f32s(self, v: [f32; 4]) -> [f32; 4] {
            v
        }
        fn f64s(self, v: [f64; 4]) -> [f64; 4] {
            v
        }
        fn mul(self, a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
            let mut out = a;
            for (o, b) in out.iter_mut().zip(b) {
                *o *= b;
            }
            out
        }
        #[allow(clippy::cast_precision_loss)] // rounding is the contract
        fn to_f32(self, v: [i32; 4]) -> [f32; 4] {
            v.map(|v| v as f32)
        }
        fn round_sat(self, v: [f32; 4]) -> [i32; 4] {
            v.map(|v| if v.is_nan() { 0 } else { to_i32(f64::from(v)) })
        }
        fn round_clamp(self, v: [f32; 4], lo: f32, hi: f32) -> [i32; 4] {
            v.map(|v| {
                if v.is_nan() {
                    0
                } else {
                    to_i32(f64::from(v.max(lo).min(hi)))
                }
            })
        }
        fn round_min(self, v: [f32; 4], hi: f32) -> [i32; 4] {
            v.map(|v| {
                if v.is_nan() {
                    0
                } else {
                    to_i32(f64::from(v.min(hi)))
                }
            })
        }
        fn and(self, v: [i32; 4], mask: i32) -> [i32; 4] {
            v.map(|v| v & mask)
        }
        fn shl8(self, v: [i32; 4]) -> [i32; 4] {
            v.map(|v| v << 8)
        }
        #[allow(clippy::cast_possible_truncation)] // the result is in -2^15..=2^15
        fn round_shr16(self, v: [i32; 4]) -> [i32; 4] {
            v.map(|v| ((i64::from(v) + (1 << 15)) >> 16) as i32)
        }
        fn round_shr8_sat(self, v: [i32; 4]) -> [i32; 4] {
            v.map(|v| v.saturating_add(1 << 7) >> 8)
        }
        fn round_low8_sat(self, v: [i32; 4]) -> [i32; 4] {
            v.map(|v| v.saturating_add(1 << 7) & !0xFF)
        }
        fn scale(self, v: [i32; 4], g: [f64; 4]) -> [i32; 4] {
            let mut out = v;
            for (o, g) in out.iter_mut().zip(g) {
                *o = to_i32(f64::from(*o) * g);
            }
            out
        }
        fn widen16(self, b: &[u8; 16]) -> [[i32; 4]; 2] {
            let mut out = [[0; 4]; 2];
            for (o, s) in out.as_flattened_mut().iter_mut().zip(b.as_chunks::<2>().0) {
                *o = i32::from(i16::from_le_bytes(*s)) << 16;
            }
            out
        }
        fn narrow16(self, v: [[i32; 4]; 2], b: &mut [u8; 16]) {
            for (o, v) in b.as_chunks_mut::<2>().0.iter_mut().zip(v.as_flattened()) {
                let s = i16::try_from(*v).unwrap_or(if *v < 0 { i16::MIN } else { i16::MAX });
                *o = s.to_le_bytes();
            }
        }
        fn unpack24(self, b: &[[u8; 16]; 3]) -> [[i32; 4]; 4] {
            let mut out = [[0; 4]; 4];
            let samples = b.as_flattened().as_chunks::<3>().0;
            for (o, &[low, mid, high]) in out.as_flattened_mut().iter_mut().zip(samples) {
                *o = i32::from_le_bytes([0, low, mid, high]);
            }
            out
        }
        fn pack24(self, v: [[i32; 4]; 4], b: &mut [[u8; 16]; 3]) {
            let samples = b.as_flattened_mut().as_chunks_mut::<3>().0;
            for (o, v) in samples.iter_mut().zip(v.as_flattened()) {
                let [low, mid, high, _] = v.to_le_bytes();
                *o = [low, mid, high];
            }
        }
    }
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
#[allow(clippy::many_single_char_names, clippy::cast_possible_truncation)]
mod tests;
