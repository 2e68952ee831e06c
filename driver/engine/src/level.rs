//! Per-channel peak levels of the audio a stream moves, for the live-status property's meter.
//!
//! The data path already has every sample in cache when it copies or converts it; it hands the
//! bytes it just wrote (in the stream's own format) to [`Peaks::observe`], which keeps the
//! largest magnitude per channel, and adds the result to the stream's [`LevelMeter`] once per
//! transfer. The meter publishes a *window* when at least [`WINDOW_MILLIS`] of stream time has
//! been observed: the published peaks are those of the last complete window, so any number of
//! readers see the same values. Metering runs only while someone watches: every status
//! request arms the meter for the next [`ARMED_WINDOWS`] windows (5 s), and a stream nobody
//! asks about moves its audio with no metering at all.
//!
//! # Units
//! Published peaks are fractions of full scale in Q31: `2^31` (0x8000_0000) is full scale.
//! Int16 magnitudes are shifted left by 16, packed int24 by 8, int24-in-32 and int32 are taken
//! as they are (so the most negative sample, whose magnitude is `2^15`, `2^23` or `2^31`, reads
//! as exactly full scale); float32 magnitudes are `floor(|x| × 2^31)`, and `|x| ≥ 1.0` (or
//! infinity) reads as full scale. A NaN sample has no magnitude and is ignored.
//!
//! # Cost
//! No division, allocation or branch per sample on the common layouts: for channel counts that
//! divide 16 the kernels keep 16 lanes (lane `i` always holds channel `i % channels`, because a
//! run of 16 samples starts on a frame boundary). On x86_64 the lane kernels are SSE2, and the
//! cable's plain float32 copy is metered in the same pass as the copy
//! ([`Peaks::copy_observe`]); on aarch64 that fused copy is NEON and the other lane kernels are
//! the portable loops (`portable`), which the tests hold to the same contract. Other channel
//! counts and packed int24 take a scalar loop. `cadenza-bench` reports the cost next to the
//! copy.

use crate::format::{Format, SampleType};

/// Most channels a stream can have ([`crate::format::Channels::MAX`]).
pub const MAX_CHANNELS: usize = 16;

/// Stream time one published window covers at least, in milliseconds.
pub const WINDOW_MILLIS: u32 = 100;

/// Full scale in the published Q31 unit.
pub const FULL_SCALE_Q31: u32 = 1 << 31;

const LANES: usize = 16;

/// Largest magnitudes of the bytes observed so far, in the sample type's own unit (`|sample|`
/// for integers, the bits of `|x|` for float32, which order like the values), kept in 16
/// lanes: for a channel count that divides 16, lane `i` holds channel `i % channels` (runs of
/// 16 samples start on a frame boundary); for any other count, lane `c` is channel `c`. All
/// the peaks of one stream share its layout, so they merge lane by lane;
/// [`Self::channel_peaks`] folds the lanes into channels once per published window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peaks {
    lanes: [u32; LANES],
}

/// Whether `channels` takes the 16-lane layout (it divides 16: 1, 2, 4, 8 or 16 — the powers
/// of two up to 16, tested without the division a remainder would cost on every call).
#[inline]
const fn lanes_fit(channels: usize) -> bool {
    channels.is_power_of_two() && channels <= LANES
}

impl Peaks {
    pub const fn new() -> Peaks {
        Peaks { lanes: [0; LANES] }
    }

    /// The peak per channel (sample-type units) of a stream of `channels` channels; channels
    /// past `channels` are 0.
    pub fn channel_peaks(&self, channels: usize) -> [u32; MAX_CHANNELS] {
        let mut out = [0u32; MAX_CHANNELS];
        if lanes_fit(channels) {
            // channels is a power of two: the remainder is a mask.
            let mask = channels.wrapping_sub(1);
            for (i, &m) in self.lanes.iter().enumerate() {
                if let Some(slot) = out.get_mut(i & mask) {
                    *slot = (*slot).max(m);
                }
            }
        } else {
            for (o, &m) in out.iter_mut().zip(self.lanes.iter()).take(channels) {
                *o = m;
            }
        }
        out
    }

    /// Takes in `bytes`, whole frames of `channels` interleaved `sample`s (a trailing partial
    /// frame is ignored). Channels beyond [`MAX_CHANNELS`] are not metered.
    #[inline]
    pub fn observe(&mut self, sample: SampleType, channels: usize, bytes: &[u8]) {
        if !lanes_fit(channels) {
            self.observe_scalar(sample, channels, bytes);
            return;
        }
        let bytes = whole_frames(sample, channels, bytes);
        let lanes = match sample {
            SampleType::Float32 => lanes_f32(bytes),
            SampleType::Int32 | SampleType::Int24In32 => lanes_i32(bytes),
            SampleType::Int16 => lanes_i16(bytes),
            SampleType::Int24 => {
                self.observe_scalar(sample, channels, bytes);
                return;
            }
        };
        self.merge_lanes(&lanes);
    }

    /// Copies `src` to `dst` (slices of equal length; otherwise nothing is copied and `false`
    /// returned) and takes in the copied bytes as [`Self::observe`] does. For float32 in the
    /// 16-lane layout on x86_64 the copy and the metering are one SSE2 pass (each vector is
    /// loaded once, stored and compared), so metering adds almost nothing to the copy.
    #[inline]
    pub fn copy_observe(
        &mut self,
        sample: SampleType,
        channels: usize,
        src: &[u8],
        dst: &mut [u8],
    ) -> bool {
        if src.len() != dst.len() {
            return false;
        }
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        if sample == SampleType::Float32 && lanes_fit(channels) {
            // The fused pass covers whole 64-byte runs (whole frames: 64 is a multiple of
            // every frame size of this layout); the rest goes the plain way.
            let split = src.len() & !63;
            if let (Some((src_runs, src_tail)), Some((dst_runs, dst_tail))) =
                (src.split_at_checked(split), dst.split_at_mut_checked(split))
            {
                fused_copy_f32(src_runs, dst_runs, &mut self.lanes);
                if !src_tail.is_empty() {
                    dst_tail.copy_from_slice(src_tail);
                    self.observe(sample, channels, dst_tail);
                }
                return true;
            }
        }
        dst.copy_from_slice(src);
        self.observe(sample, channels, dst);
        true
    }

    /// [`Self::copy_observe`] when `metering`, else a plain copy (equal lengths; `false` and
    /// nothing copied otherwise).
    #[inline]
    pub fn copy_maybe_observe(
        &mut self,
        metering: bool,
        sample: SampleType,
        channels: usize,
        src: &[u8],
        dst: &mut [u8],
    ) -> bool {
        if metering {
            return self.copy_observe(sample, channels, src, dst);
        }
        crate::copy::copy_bytes(dst, src)
    }

    #[inline]
    fn merge_lanes(&mut self, lanes: &[u32; LANES]) {
        for (a, &b) in self.lanes.iter_mut().zip(lanes.iter()) {
            *a = (*a).max(b);
        }
    }

    /// Any sample type, any channel count: frame by frame, into the lanes the layout gives.
    fn observe_scalar(&mut self, sample: SampleType, channels: usize, bytes: &[u8]) {
        let size = usize::from(sample.container_bytes());
        let Some(frame_bytes) = size.checked_mul(channels).filter(|&n| n > 0) else {
            return;
        };
        let mut lanes = [0u32; LANES];
        for frame in bytes.chunks_exact(frame_bytes) {
            for (slot, s) in lanes.iter_mut().zip(frame.chunks_exact(size)) {
                *slot = (*slot).max(magnitude_of(sample, s));
            }
        }
        // Channel c is in lane c, which is also lane `c % channels` of the 16-lane layout.
        self.merge_lanes(&lanes);
    }

    /// Keeps, lane by lane, the larger of the two (both of one stream's layout).
    pub fn merge(&mut self, other: &Peaks) {
        self.merge_lanes(&other.lanes);
    }
}

/// `bytes` cut to whole frames, for a layout whose frame size is a power of two (a mask, not a
/// division).
#[inline]
fn whole_frames(sample: SampleType, channels: usize, bytes: &[u8]) -> &[u8] {
    let frame_bytes = channels.saturating_mul(usize::from(sample.container_bytes()));
    if !frame_bytes.is_power_of_two() {
        return bytes;
    }
    bytes
        .get(..bytes.len() & !frame_bytes.wrapping_sub(1))
        .unwrap_or(bytes)
}

/// The magnitude of one sample in `sample`'s unit (`s` holds exactly one sample's bytes).
fn magnitude_of(sample: SampleType, s: &[u8]) -> u32 {
    match (sample, s) {
        (SampleType::Int16, &[lo, hi]) => u32::from(i16::from_le_bytes([lo, hi]).unsigned_abs()),
        (SampleType::Int24, &[lo, mid, hi]) => {
            // Sign-extend the 24-bit value held in the top three bytes of an i32.
            (i32::from_le_bytes([0, lo, mid, hi]) >> 8).unsigned_abs()
        }
        (SampleType::Int24In32 | SampleType::Int32, bytes) => read_i32(bytes).unsigned_abs(),
        (SampleType::Float32, bytes) => {
            let abs = read_i32(bytes).cast_unsigned() & 0x7fff_ffff;
            // NaN has no magnitude; every other value's bits order like the value.
            if abs > 0x7f80_0000 { 0 } else { abs }
        }
        _ => 0,
    }
}

/// Lane maxima of float32 magnitudes (as bits) over `bytes` in runs of 16 samples; NaN samples
/// count as 0.
#[inline]
fn lanes_f32(bytes: &[u8]) -> [u32; LANES] {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it and every
    // x86_64 target enables it, so a function that requires it may be called from any code.
    let lanes = unsafe { sse2::lanes_f32(bytes) };
    #[cfg(not(target_arch = "x86_64"))]
    let lanes = portable::lanes_f32(bytes);
    lanes
}

/// Lane maxima of int32 magnitudes over `bytes` in runs of 16 samples.
#[inline]
fn lanes_i32(bytes: &[u8]) -> [u32; LANES] {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it and every
    // x86_64 target enables it, so a function that requires it may be called from any code.
    let lanes = unsafe { sse2::lanes_i32(bytes) };
    #[cfg(not(target_arch = "x86_64"))]
    let lanes = portable::lanes_i32(bytes);
    lanes
}

/// Lane maxima of int16 magnitudes over `bytes` in runs of 16 samples.
#[inline]
fn lanes_i16(bytes: &[u8]) -> [u32; LANES] {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it and every
    // x86_64 target enables it, so a function that requires it may be called from any code.
    let lanes = unsafe { sse2::lanes_i16(bytes) };
    #[cfg(not(target_arch = "x86_64"))]
    let lanes = portable::lanes_i16(bytes);
    lanes
}

#[inline]
fn read_i32(b: &[u8]) -> i32 {
    match *b {
        [b0, b1, b2, b3] => i32::from_le_bytes([b0, b1, b2, b3]),
        _ => 0,
    }
}

/// The lane kernels in plain Rust: the contract the SIMD versions meet (the tests run both
/// against an independent expectation), and the code other targets (ARM64) compile.
#[cfg(any(test, not(target_arch = "x86_64")))]
mod portable {
    use super::{LANES, read_i32};

    /// Applies `each` to every sample (as its 4 bytes) with its lane, 16 samples a run; the
    /// tail (fewer than 16 samples) continues at lane 0.
    #[inline]
    fn for_lanes(bytes: &[u8], size: usize, mut each: impl FnMut(usize, &[u8])) {
        for run in bytes.chunks(size * LANES) {
            for (lane, sample) in run.chunks_exact(size).enumerate() {
                each(lane, sample);
            }
        }
    }

    pub fn lanes_f32(bytes: &[u8]) -> [u32; LANES] {
        let mut lanes = [0u32; LANES];
        for_lanes(bytes, 4, |lane, s| {
            let abs = read_i32(s).cast_unsigned() & 0x7fff_ffff;
            // NaN (above the infinity's bits) has no magnitude.
            let abs = if abs > 0x7f80_0000 { 0 } else { abs };
            if let Some(l) = lanes.get_mut(lane) {
                *l = (*l).max(abs);
            }
        });
        lanes
    }

    pub fn lanes_i32(bytes: &[u8]) -> [u32; LANES] {
        let mut lanes = [0u32; LANES];
        for_lanes(bytes, 4, |lane, s| {
            if let Some(l) = lanes.get_mut(lane) {
                *l = (*l).max(read_i32(s).unsigned_abs());
            }
        });
        lanes
    }

    pub fn lanes_i16(bytes: &[u8]) -> [u32; LANES] {
        let mut lanes = [0u32; LANES];
        for_lanes(bytes, 2, |lane, s| {
            if let (Some(l), &[lo, hi]) = (lanes.get_mut(lane), s) {
                *l = (*l).max(u32::from(i16::from_le_bytes([lo, hi]).unsigned_abs()));
            }
        });
        lanes
    }
}

/// The fused float copy with NEON (the aarch64 baseline; the same rule as the conversion
/// kernels, docs/conversion.md): integer lanes of `|x|`'s bits, NaN (bits above infinity's)
/// dropped, unsigned max — the portable contract, four lanes at a time.
#[cfg(target_arch = "aarch64")]
mod neon {
    use super::LANES;
    use core::arch::aarch64::{
        uint32x4_t, vandq_u32, vbicq_u32, vcgtq_u32, vdupq_n_u32, vld1q_u8, vld1q_u32, vmaxq_u32,
        vreinterpretq_u8_u32, vreinterpretq_u32_u8, vst1q_u8, vst1q_u32,
    };

    #[inline]
    #[target_feature(enable = "neon")]
    fn load(v: &[u8; 16]) -> uint32x4_t {
        // SAFETY: `v` is 16 readable bytes; `vld1q_u8` reads 16 with no alignment requirement.
        vreinterpretq_u32_u8(unsafe { vld1q_u8(v.as_ptr()) })
    }

    #[inline]
    #[target_feature(enable = "neon")]
    fn store(d: &mut [u8; 16], v: uint32x4_t) {
        let bytes = vreinterpretq_u8_u32(v);
        // SAFETY: `d` is 16 writable bytes; `vst1q_u8` writes 16 with no alignment
        // requirement.
        unsafe { vst1q_u8(d.as_mut_ptr(), bytes) }
    }

    #[inline]
    #[target_feature(enable = "neon")]
    fn load_lanes(l: &[u32; 4]) -> uint32x4_t {
        // SAFETY: `l` is four readable u32; `vld1q_u32` reads four.
        unsafe { vld1q_u32(l.as_ptr()) }
    }

    #[inline]
    #[target_feature(enable = "neon")]
    fn store_lanes(l: &mut [u32; 4], v: uint32x4_t) {
        // SAFETY: `l` is four writable u32; `vst1q_u32` writes four.
        unsafe { vst1q_u32(l.as_mut_ptr(), v) }
    }

    /// Copies `src` (whole 64-byte runs; a remainder is left alone) to `dst` of the same
    /// length, keeping the float32 magnitude lanes in `lanes`.
    #[target_feature(enable = "neon")]
    pub fn copy_lanes_f32(src: &[u8], dst: &mut [u8], lanes: &mut [u32; LANES]) {
        let abs_mask = vdupq_n_u32(0x7fff_ffff);
        let infinity = vdupq_n_u32(0x7f80_0000);
        let (quads, _) = lanes.as_chunks_mut::<4>();
        let [q0, q1, q2, q3] = quads else {
            return;
        };
        let mut acc = [
            load_lanes(q0),
            load_lanes(q1),
            load_lanes(q2),
            load_lanes(q3),
        ];
        let (src_runs, _) = src.as_chunks::<64>();
        let (dst_runs, _) = dst.as_chunks_mut::<64>();
        for (s, d) in src_runs.iter().zip(dst_runs.iter_mut()) {
            let (sq, _) = s.as_chunks::<16>();
            let (dq, _) = d.as_chunks_mut::<16>();
            for ((a, s), d) in acc.iter_mut().zip(sq).zip(dq.iter_mut()) {
                let v = load(s);
                store(d, v);
                let abs = vandq_u32(v, abs_mask);
                // NaN (above infinity's bits) has no magnitude.
                let abs = vbicq_u32(abs, vcgtq_u32(abs, infinity));
                *a = vmaxq_u32(*a, abs);
            }
        }
        let [a0, a1, a2, a3] = acc;
        store_lanes(q0, a0);
        store_lanes(q1, a1);
        store_lanes(q2, a2);
        store_lanes(q3, a3);
    }
}

/// The fused float32 copy-and-meter pass of this architecture (whole 64-byte runs).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline]
fn fused_copy_f32(src: &[u8], dst: &mut [u8], lanes: &mut [u32; LANES]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 processor has it and every
    // x86_64 target enables it.
    unsafe {
        sse2::copy_lanes_f32(src, dst, lanes);
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: NEON is part of the aarch64 baseline: every aarch64 processor has it and every
    // aarch64 target enables it.
    unsafe {
        neon::copy_lanes_f32(src, dst, lanes);
    }
}

/// The lane kernels with SSE2 (the x86_64 baseline: legal in a DPC without saving extended
/// state; no AVX). The only code of the meter that names an intrinsic or holds `unsafe`.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::LANES;
    use core::arch::x86_64::{
        __m128, __m128i, _mm_and_ps, _mm_and_si128, _mm_andnot_si128, _mm_castsi128_ps,
        _mm_cmpgt_epi32, _mm_loadu_ps, _mm_loadu_si128, _mm_max_epi16, _mm_max_ps, _mm_min_epi16,
        _mm_or_si128, _mm_set1_epi32, _mm_setzero_ps, _mm_setzero_si128, _mm_storeu_ps,
        _mm_storeu_si128,
    };

    #[target_feature(enable = "sse2")]
    fn store_ps(v: __m128) -> [u32; 4] {
        let mut out = [0u32; 4];
        // SAFETY: `out` is 16 writable bytes; `_mm_storeu_ps` writes 16 bytes at any
        // alignment.
        unsafe { _mm_storeu_ps(out.as_mut_ptr().cast(), v) };
        out
    }

    #[target_feature(enable = "sse2")]
    fn store_si(v: __m128i) -> [i32; 4] {
        let mut out = [0i32; 4];
        // SAFETY: `out` is 16 writable bytes; `_mm_storeu_si128` writes 16 bytes at any
        // alignment.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), v) };
        out
    }

    #[target_feature(enable = "sse2")]
    fn store_epi16(v: __m128i) -> [i16; 8] {
        let mut out = [0i16; 8];
        // SAFETY: `out` is 16 writable bytes; `_mm_storeu_si128` writes 16 bytes at any
        // alignment.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), v) };
        out
    }

    /// Lanes `at..at + 4` as four f32 (their bits).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load_lanes(lanes: &[u32; LANES], at: usize) -> __m128 {
        match lanes.get(at..at.wrapping_add(4)) {
            // SAFETY: the slice is four u32, 16 readable bytes; `_mm_loadu_ps` reads 16 at any
            // alignment.
            Some(v) => unsafe { _mm_loadu_ps(v.as_ptr().cast()) },
            None => _mm_setzero_ps(),
        }
    }

    /// Stores four f32 (their bits) into lanes `at..at + 4`.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn store_lanes(lanes: &mut [u32; LANES], at: usize, v: __m128) {
        if let Some(d) = lanes.get_mut(at..at.wrapping_add(4)) {
            // SAFETY: the slice is four u32, 16 writable bytes; `_mm_storeu_ps` writes 16 at
            // any alignment.
            unsafe { _mm_storeu_ps(d.as_mut_ptr().cast(), v) };
        }
    }

    /// One unaligned 16-byte load.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(v: &[u8; 16]) -> __m128i {
        // SAFETY: `v` is 16 readable bytes; `_mm_loadu_si128` reads 16 at any alignment.
        unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
    }

    /// One unaligned 16-byte store.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn store(d: &mut [u8; 16], v: __m128i) {
        // SAFETY: `d` is 16 writable bytes; `_mm_storeu_si128` writes 16 at any alignment.
        unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), v) }
    }

    /// The four 16-byte vectors of a 64-byte run.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load4(run: &[u8; 64]) -> [__m128i; 4] {
        let (q, _) = run.as_chunks::<16>();
        match q {
            [q0, q1, q2, q3] => [load(q0), load(q1), load(q2), load(q3)],
            _ => [_mm_setzero_si128(); 4],
        }
    }

    /// Stores four vectors as one 64-byte run.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn store4(run: &mut [u8; 64], v: [__m128i; 4]) {
        let (q, _) = run.as_chunks_mut::<16>();
        if let [q0, q1, q2, q3] = q {
            let [v0, v1, v2, v3] = v;
            store(q0, v0);
            store(q1, v1);
            store(q2, v2);
            store(q3, v3);
        }
    }

    /// The two 16-byte vectors of a 32-byte run.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load2(run: &[u8; 32]) -> [__m128i; 2] {
        let (q, _) = run.as_chunks::<16>();
        match q {
            [q0, q1] => [load(q0), load(q1)],
            _ => [_mm_setzero_si128(); 2],
        }
    }

    /// Copies one 64-byte run and keeps the float32 lane maxima of its four vectors in `acc`.
    /// Its own small function, so that an unoptimised build keeps each frame small (a kernel
    /// stack frame over a page would need `__chkstk`).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn copy_run(s: &[u8; 64], d: &mut [u8; 64], acc: &mut [__m128; 4], abs_mask: __m128) {
        let v = load4(s);
        store4(d, v);
        for (a, v) in acc.iter_mut().zip(v) {
            // maxps(x, a) is `x > a ? x : a`; the lanes hold the bits of non-negative floats
            // (or 0), which compare as floats.
            *a = _mm_max_ps(_mm_and_ps(_mm_castsi128_ps(v), abs_mask), *a);
        }
    }

    /// Copies `src` (a whole number of 64-byte runs; a remainder is left alone) to `dst` of
    /// the same length while keeping the float32 lane maxima in `lanes`, one pass.
    #[target_feature(enable = "sse2")]
    pub fn copy_lanes_f32(src: &[u8], dst: &mut [u8], lanes: &mut [u32; LANES]) {
        let abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fff_ffff));
        let mut a = [
            load_lanes(lanes, 0),
            load_lanes(lanes, 4),
            load_lanes(lanes, 8),
            load_lanes(lanes, 12),
        ];
        // 128 bytes a step with two sets of accumulators: the max chains then never hold
        // back the stores (two a cycle on recent cores), and sample `i` of a step still lands
        // in lane `i % 16` once the two sets are merged.
        let mut b = [_mm_setzero_ps(); 4];
        let (src_pairs, src_rest) = src.as_chunks::<128>();
        let (dst_pairs, dst_rest) = dst.as_chunks_mut::<128>();
        for (s, d) in src_pairs.iter().zip(dst_pairs.iter_mut()) {
            if let ([s0, s1], [d0, d1]) = (s.as_chunks::<64>().0, d.as_chunks_mut::<64>().0) {
                copy_run(s0, d0, &mut a, abs_mask);
                copy_run(s1, d1, &mut b, abs_mask);
            }
        }
        // Lanes hold non-negative values or 0 (never NaN), so merging is a plain max.
        for (a, b) in a.iter_mut().zip(b) {
            *a = _mm_max_ps(*a, b);
        }
        // At most one 64-byte run is left.
        let (src_runs, _) = src_rest.as_chunks::<64>();
        let (dst_runs, _) = dst_rest.as_chunks_mut::<64>();
        for (s, d) in src_runs.iter().zip(dst_runs.iter_mut()) {
            copy_run(s, d, &mut a, abs_mask);
        }
        let [a0, a1, a2, a3] = a;
        store_lanes(lanes, 0, a0);
        store_lanes(lanes, 4, a1);
        store_lanes(lanes, 8, a2);
        store_lanes(lanes, 12, a3);
    }

    #[target_feature(enable = "sse2")]
    pub fn lanes_f32(bytes: &[u8]) -> [u32; LANES] {
        let abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fff_ffff));
        let (mut a0, mut a1, mut a2, mut a3) = (
            _mm_setzero_ps(),
            _mm_setzero_ps(),
            _mm_setzero_ps(),
            _mm_setzero_ps(),
        );
        let runs = bytes.chunks_exact(64);
        let tail = runs.remainder();
        for run in runs {
            let Ok(run) = <&[u8; 64]>::try_from(run) else {
                continue;
            };
            let [v0, v1, v2, v3] = load4(run);
            // maxps(x, a) is `x > a ? x : a`: a NaN x leaves the lane as it was.
            a0 = _mm_max_ps(_mm_and_ps(_mm_castsi128_ps(v0), abs_mask), a0);
            a1 = _mm_max_ps(_mm_and_ps(_mm_castsi128_ps(v1), abs_mask), a1);
            a2 = _mm_max_ps(_mm_and_ps(_mm_castsi128_ps(v2), abs_mask), a2);
            a3 = _mm_max_ps(_mm_and_ps(_mm_castsi128_ps(v3), abs_mask), a3);
        }
        let mut lanes = [0u32; LANES];
        for (chunk, a) in lanes.chunks_exact_mut(4).zip([a0, a1, a2, a3]) {
            chunk.copy_from_slice(&store_ps(a));
        }
        // The tail (fewer than 16 samples) continues at lane 0, as the portable contract says.
        for (l, s) in lanes.iter_mut().zip(tail.chunks_exact(4)) {
            let abs = super::read_i32(s).cast_unsigned() & 0x7fff_ffff;
            if abs <= 0x7f80_0000 {
                *l = (*l).max(abs);
            }
        }
        lanes
    }

    /// `max(a, b)` of signed 32-bit lanes (SSE2 has no `pmaxsd`).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn max_epi32(a: __m128i, b: __m128i) -> __m128i {
        let gt = _mm_cmpgt_epi32(a, b);
        _mm_or_si128(_mm_and_si128(gt, a), _mm_andnot_si128(gt, b))
    }

    /// `min(a, b)` of signed 32-bit lanes (SSE2 has no `pminsd`).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn min_epi32(a: __m128i, b: __m128i) -> __m128i {
        let gt = _mm_cmpgt_epi32(b, a);
        _mm_or_si128(_mm_and_si128(gt, a), _mm_andnot_si128(gt, b))
    }

    #[target_feature(enable = "sse2")]
    pub fn lanes_i32(bytes: &[u8]) -> [u32; LANES] {
        let z = _mm_setzero_si128();
        let (mut h0, mut h1, mut h2, mut h3) = (z, z, z, z);
        let (mut l0, mut l1, mut l2, mut l3) = (z, z, z, z);
        let runs = bytes.chunks_exact(64);
        let tail = runs.remainder();
        for run in runs {
            let Ok(run) = <&[u8; 64]>::try_from(run) else {
                continue;
            };
            let [v0, v1, v2, v3] = load4(run);
            h0 = max_epi32(v0, h0);
            h1 = max_epi32(v1, h1);
            h2 = max_epi32(v2, h2);
            h3 = max_epi32(v3, h3);
            l0 = min_epi32(v0, l0);
            l1 = min_epi32(v1, l1);
            l2 = min_epi32(v2, l2);
            l3 = min_epi32(v3, l3);
        }
        let mut lanes = [0u32; LANES];
        for ((chunk, h), l) in lanes
            .chunks_exact_mut(4)
            .zip([h0, h1, h2, h3])
            .zip([l0, l1, l2, l3])
        {
            for ((o, h), l) in chunk.iter_mut().zip(store_si(h)).zip(store_si(l)) {
                *o = h.unsigned_abs().max(l.unsigned_abs());
            }
        }
        for (l, s) in lanes.iter_mut().zip(tail.chunks_exact(4)) {
            *l = (*l).max(super::read_i32(s).unsigned_abs());
        }
        lanes
    }

    #[target_feature(enable = "sse2")]
    pub fn lanes_i16(bytes: &[u8]) -> [u32; LANES] {
        let z = _mm_setzero_si128();
        let (mut h0, mut h1, mut l0, mut l1) = (z, z, z, z);
        let runs = bytes.chunks_exact(32);
        let tail = runs.remainder();
        for run in runs {
            let Ok(run) = <&[u8; 32]>::try_from(run) else {
                continue;
            };
            let [v0, v1] = load2(run);
            h0 = _mm_max_epi16(v0, h0);
            h1 = _mm_max_epi16(v1, h1);
            l0 = _mm_min_epi16(v0, l0);
            l1 = _mm_min_epi16(v1, l1);
        }
        let mut lanes = [0u32; LANES];
        for ((chunk, h), l) in lanes.chunks_exact_mut(8).zip([h0, h1]).zip([l0, l1]) {
            for ((o, h), l) in chunk.iter_mut().zip(store_epi16(h)).zip(store_epi16(l)) {
                *o = u32::from(h.unsigned_abs().max(l.unsigned_abs()));
            }
        }
        for (l, s) in lanes.iter_mut().zip(tail.chunks_exact(2)) {
            if let &[b0, b1] = s {
                *l = (*l).max(u32::from(i16::from_le_bytes([b0, b1]).unsigned_abs()));
            }
        }
        lanes
    }
}

/// A magnitude in `sample`'s unit as a Q31 fraction of full scale (see the module docs).
pub const fn to_q31(sample: SampleType, magnitude: u32) -> u32 {
    let q = match sample {
        SampleType::Int16 => magnitude.saturating_mul(1 << 16),
        SampleType::Int24 => magnitude.saturating_mul(1 << 8),
        SampleType::Int24In32 | SampleType::Int32 => magnitude,
        SampleType::Float32 => float_bits_to_q31(magnitude),
    };
    if q > FULL_SCALE_Q31 {
        FULL_SCALE_Q31
    } else {
        q
    }
}

/// `floor(x × 2^31)` for the non-negative float32 whose bits are `bits`, full scale for
/// `x ≥ 1.0`; integer arithmetic only (exact, and no floating point in the caller's context).
const fn float_bits_to_q31(bits: u32) -> u32 {
    if bits >= 0x3f80_0000 {
        return FULL_SCALE_Q31;
    }
    let exponent = bits >> 23;
    if exponent == 0 {
        // Zero or subnormal: below 2^-126, far under one Q31 step.
        return 0;
    }
    let mantissa = (bits & 0x007f_ffff) | 0x0080_0000;
    // x = mantissa × 2^(exponent - 127 - 23); × 2^31 shifts by exponent - 119, which is at
    // most 7 here (x < 1.0 means exponent ≤ 126), so the left shift cannot overflow.
    if exponent >= 119 {
        mantissa << (exponent - 119)
    } else if 119 - exponent < 32 {
        mantissa >> (119 - exponent)
    } else {
        0
    }
}

/// The published result: the peaks of the last complete window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Levels {
    /// Frames the last complete window covered (0 before the first window completes).
    pub window_frames: u32,
    /// Windows completed since the meter was last reset or started after an idle spell
    /// (stays at `u32::MAX`, 13 years on).
    pub windows: u32,
    /// Q31 peak per channel; channels the stream does not have are 0.
    pub peak_q31: [u32; MAX_CHANNELS],
}

/// Windows a status request keeps a meter running for (5 s at 100 ms): a reader that asks at
/// least that often sees live levels; when nobody asks, the data path does not meter at all.
pub const ARMED_WINDOWS: u32 = 50;

/// A stream's meter: the window being filled and the last complete one. It runs only while
/// armed ([`Self::arm`], by every live-status request): metering is for someone watching, and
/// the data path should not pay for it otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelMeter {
    sample: SampleType,
    channels: usize,
    window_target: u32,
    filling: Peaks,
    filling_frames: u32,
    published: Levels,
    /// Windows left to meter; 0: not metering.
    armed: u32,
}

impl LevelMeter {
    /// A meter for `format` with nothing observed.
    pub fn new(format: &Format) -> LevelMeter {
        let rate = format.rate().hz();
        LevelMeter {
            sample: format.sample(),
            channels: usize::from(format.channels().get()),
            // Never 0: a window of at least one frame.
            window_target: (rate / (1000 / WINDOW_MILLIS)).max(1),
            filling: Peaks::new(),
            filling_frames: 0,
            published: Levels::default(),
            armed: 0,
        }
    }

    /// Keeps the meter running for the next [`ARMED_WINDOWS`] windows. A meter that was not
    /// running starts afresh: no window yet (nothing older than this request is published as
    /// if it were current), the first one complete 100 ms of audio later.
    pub fn arm(&mut self) {
        if self.armed == 0 {
            self.filling = Peaks::new();
            self.filling_frames = 0;
            self.published = Levels::default();
        }
        self.armed = ARMED_WINDOWS;
    }

    /// Whether the data path should meter (a reader asked within the last [`ARMED_WINDOWS`]
    /// windows).
    #[inline]
    pub const fn is_armed(&self) -> bool {
        self.armed > 0
    }

    /// The sample type and channel count [`Peaks::observe`] must be called with.
    pub const fn layout(&self) -> (SampleType, usize) {
        (self.sample, self.channels)
    }

    /// Adds the peaks of `frames` frames just moved; publishes the window when it is full.
    #[inline]
    pub fn add(&mut self, peaks: &Peaks, frames: u32) {
        self.filling.merge(peaks);
        self.count(frames);
    }

    /// The peaks of the window being filled, for a data path that keeps observing into this
    /// copy and hands it back with [`Self::put_back`] — no merge per transfer.
    #[inline]
    pub const fn filling(&self) -> Peaks {
        self.filling
    }

    /// Takes back the window's peaks, `peaks` being what [`Self::filling`] returned with the
    /// `frames` frames just moved observed into it; publishes the window when it is full.
    #[inline]
    pub fn put_back(&mut self, peaks: Peaks, frames: u32) {
        self.filling = peaks;
        self.count(frames);
    }

    #[inline]
    fn count(&mut self, frames: u32) {
        if self.armed == 0 {
            // Not metering: nothing observed counts (a caller that ignored `is_armed`).
            self.filling = Peaks::new();
            return;
        }
        self.filling_frames = self.filling_frames.saturating_add(frames);
        if self.filling_frames >= self.window_target {
            self.publish();
        }
    }

    fn publish(&mut self) {
        let mut peak_q31 = [0u32; MAX_CHANNELS];
        let peaks = self.filling.channel_peaks(self.channels);
        for (q, &m) in peak_q31.iter_mut().zip(peaks.iter()) {
            *q = to_q31(self.sample, m);
        }
        self.published = Levels {
            window_frames: self.filling_frames,
            windows: self.published.windows.saturating_add(1),
            peak_q31,
        };
        self.filling = Peaks::new();
        self.filling_frames = 0;
        self.armed = self.armed.saturating_sub(1);
    }

    /// The last complete window.
    pub const fn levels(&self) -> &Levels {
        &self.published
    }
}

#[cfg(test)]
mod tests;
