//! The memcpy baselines.
//!
//! - [`Copier::Sse2`]: a copy loop written here with SSE2 only (`_mm_loadu_si128` /
//!   `_mm_storeu_si128`, 64 bytes per step, then 16-byte steps, then bytes). SSE2 is what a
//!   Windows DPC may use freely on x64; AVX and AVX-512 state may only be touched inside
//!   `KeSaveExtendedProcessorState`, so this is the memcpy a kernel data path is held to.
//!   On other architectures it is a scalar 8-bytes-per-step loop.
//! - [`Copier::Libc`]: `copy_from_slice`, i.e. the C library's `memcpy` (glibc picks an
//!   AVX2 / AVX-512 variant at run time where the CPU has them), for comparison only.
//!
//! The loops keep a compiler fence per step so that the optimiser cannot recognise them as a
//! copy and replace them with a call to the library `memcpy` (which would defeat the point);
//! the fence emits no instruction.

use std::sync::atomic::{Ordering, compiler_fence};

use serde::Serialize;

/// Which copy routine a baseline uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Copier {
    /// The SSE2-only loop of this module (scalar off x86_64).
    Sse2,
    /// `copy_from_slice` (the C library's memcpy).
    Libc,
}

impl Copier {
    pub const fn name(self) -> &'static str {
        match self {
            Copier::Sse2 => SSE2_NAME,
            Copier::Libc => "copy_from_slice (libc memcpy)",
        }
    }

    /// Copies `src` into `dst`; the lengths must be equal (panics otherwise, as
    /// `copy_from_slice` does).
    #[inline]
    pub fn copy(self, dst: &mut [u8], src: &[u8]) {
        match self {
            Copier::Sse2 => sse2_copy(dst, src),
            Copier::Libc => dst.copy_from_slice(src),
        }
    }
}

#[cfg(target_arch = "x86_64")]
const SSE2_NAME: &str = "SSE2 loop (_mm_loadu_si128/_mm_storeu_si128)";
#[cfg(not(target_arch = "x86_64"))]
const SSE2_NAME: &str = "scalar loop (8 bytes per step; not x86_64)";

/// Copies `src` into `dst` with SSE2 loads and stores only. Panics if the lengths differ.
#[inline]
pub fn sse2_copy(dst: &mut [u8], src: &[u8]) {
    assert_eq!(dst.len(), src.len(), "sse2_copy: length mismatch");
    copy_impl(dst, src);
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};

    /// One unaligned 16-byte SSE2 load (`movdqu`).
    #[inline]
    #[expect(
        clippy::cast_ptr_alignment,
        reason = "_mm_loadu_si128 takes an __m128i pointer but has no alignment requirement"
    )]
    pub(super) fn load(s: &[u8; 16]) -> __m128i {
        // SAFETY: `s` is 16 readable bytes and the load has no alignment requirement; SSE2
        // is part of the x86_64 baseline.
        unsafe { _mm_loadu_si128(s.as_ptr().cast::<__m128i>()) }
    }

    /// One unaligned 16-byte SSE2 store (`movdqu`).
    #[inline]
    #[expect(
        clippy::cast_ptr_alignment,
        reason = "_mm_storeu_si128 takes an __m128i pointer but has no alignment requirement"
    )]
    pub(super) fn store(d: &mut [u8; 16], v: __m128i) {
        // SAFETY: `d` is 16 writable bytes and the store has no alignment requirement.
        unsafe { _mm_storeu_si128(d.as_mut_ptr().cast::<__m128i>(), v) }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn copy_impl(dst: &mut [u8], src: &[u8]) {
    use sse2::{load, store};

    let (d64, d_tail) = dst.as_chunks_mut::<64>();
    let (s64, s_tail) = src.as_chunks::<64>();
    for (d, s) in d64.iter_mut().zip(s64) {
        let (sq, _) = s.as_chunks::<16>();
        let (dq, _) = d.as_chunks_mut::<16>();
        let v = [load(&sq[0]), load(&sq[1]), load(&sq[2]), load(&sq[3])];
        for (o, x) in dq.iter_mut().zip(v) {
            store(o, x);
        }
        compiler_fence(Ordering::SeqCst);
    }
    let (d16, d_bytes) = d_tail.as_chunks_mut::<16>();
    let (s16, s_bytes) = s_tail.as_chunks::<16>();
    for (d, s) in d16.iter_mut().zip(s16) {
        store(d, load(s));
        compiler_fence(Ordering::SeqCst);
    }
    for (o, v) in d_bytes.iter_mut().zip(s_bytes) {
        *o = *v;
        compiler_fence(Ordering::SeqCst);
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn copy_impl(dst: &mut [u8], src: &[u8]) {
    let (d8, d_bytes) = dst.as_chunks_mut::<8>();
    let (s8, s_bytes) = src.as_chunks::<8>();
    for (o, v) in d8.iter_mut().zip(s8) {
        *o = *v;
        compiler_fence(Ordering::SeqCst);
    }
    for (o, v) in d_bytes.iter_mut().zip(s_bytes) {
        *o = *v;
        compiler_fence(Ordering::SeqCst);
    }
}

/// Copies `src` into `ring` at byte `at`, wrapping at the ring's end.
#[inline]
pub fn ring_write(copier: Copier, ring: &mut [u8], at: usize, src: &[u8]) {
    let first = src.len().min(ring.len() - at);
    copier.copy(&mut ring[at..at + first], &src[..first]);
    copier.copy(&mut ring[..src.len() - first], &src[first..]);
}

/// Copies from `ring` at byte `at` into `dst`, wrapping at the ring's end.
#[inline]
pub fn ring_read(copier: Copier, ring: &[u8], at: usize, dst: &mut [u8]) {
    let first = dst.len().min(ring.len() - at);
    copier.copy(&mut dst[..first], &ring[at..at + first]);
    let rest = dst.len() - first;
    copier.copy(&mut dst[first..], &ring[..rest]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_every_length_and_alignment() {
        let src: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..200 {
            for off in 0..17 {
                let mut dst = vec![0xAAu8; 260];
                sse2_copy(&mut dst[off..off + len], &src[off + 3..off + 3 + len]);
                assert_eq!(&dst[off..off + len], &src[off + 3..off + 3 + len]);
                assert!(dst[..off].iter().all(|&b| b == 0xAA));
                assert!(dst[off + len..].iter().all(|&b| b == 0xAA));
            }
        }
    }

    #[test]
    fn ring_copies_wrap() {
        let mut ring = vec![0u8; 10];
        ring_write(Copier::Sse2, &mut ring, 7, &[1, 2, 3, 4, 5]);
        assert_eq!(ring, [4, 5, 0, 0, 0, 0, 0, 1, 2, 3]);
        let mut out = [0u8; 5];
        ring_read(Copier::Libc, &ring, 7, &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5]);
    }
}
