//! The data path's plain byte copy: what the cable uses to move a run of frames that needs no
//! conversion.
//!
//! Why not `copy_from_slice`: that calls the platform's `memcpy`, which is a different routine
//! in every place the engine runs — the C library's in the simulators (which picks AVX2 or
//! AVX-512 at run time and spends a few nanoseconds choosing; the data path's copies are often
//! only a few hundred bytes), and the kernel's in `cadenza_pc.sys` / `cadenza_acx.sys`. A copy
//! written here is the same code in the bench, the tests and the drivers, and it uses only
//! what a DPC may use without saving extended processor state: SSE2 on x86_64 (no AVX). Off
//! x86_64 it is `copy_from_slice` (on ARM64 the NEON registers the platform `memcpy` uses are
//! baseline, see docs/conversion.md).

/// Copies `src` into `dst` when the lengths are equal (`false`, and nothing copied,
/// otherwise).
#[inline]
pub fn copy_bytes(dst: &mut [u8], src: &[u8]) -> bool {
    if dst.len() != src.len() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sse2::copy` only needs SSE2, which is part of the x86_64 baseline: every
    // x86_64 processor has it and every x86_64 target enables it.
    unsafe {
        sse2::copy(dst, src);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
    true
}

/// SSE2 loads and stores (`movdqu`): the only code of the copy that names an intrinsic.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_storeu_si128};
    use core::sync::atomic::{Ordering, compiler_fence};

    #[target_feature(enable = "sse2")]
    #[inline]
    #[expect(
        clippy::cast_ptr_alignment,
        reason = "_mm_loadu_si128 takes an __m128i pointer but has no alignment requirement"
    )]
    fn load(s: &[u8; 16]) -> __m128i {
        // SAFETY: `s` is 16 readable bytes, exactly what the unaligned load reads.
        unsafe { _mm_loadu_si128(s.as_ptr().cast::<__m128i>()) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    #[expect(
        clippy::cast_ptr_alignment,
        reason = "_mm_storeu_si128 takes an __m128i pointer but has no alignment requirement"
    )]
    fn store(d: &mut [u8; 16], v: __m128i) {
        // SAFETY: `d` is 16 writable bytes, exactly what the unaligned store writes.
        unsafe { _mm_storeu_si128(d.as_mut_ptr().cast::<__m128i>(), v) }
    }

    /// Copies `src` into `dst` (equal lengths; with unequal ones the shorter decides). 64
    /// bytes a step, then 16-byte steps; a last partial vector is copied as the final 16
    /// bytes of the buffers (overlapping bytes already copied, with the same values), and
    /// buffers under 16 bytes go byte by byte.
    ///
    /// The compiler fence after each step keeps the optimiser from recognising the loop as a
    /// copy and replacing it with a call to the platform `memcpy` (it emits no instruction).
    #[target_feature(enable = "sse2")]
    pub fn copy(dst: &mut [u8], src: &[u8]) {
        let len = dst.len().min(src.len());
        let (Some(dst), Some(src)) = (dst.get_mut(..len), src.get(..len)) else {
            return;
        };
        {
            let (d64, d_rest) = dst.as_chunks_mut::<64>();
            let (s64, s_rest) = src.as_chunks::<64>();
            for (d, s) in d64.iter_mut().zip(s64) {
                let (sq, _) = s.as_chunks::<16>();
                let (dq, _) = d.as_chunks_mut::<16>();
                if let ([s0, s1, s2, s3], [d0, d1, d2, d3]) = (sq, dq) {
                    let v = [load(s0), load(s1), load(s2), load(s3)];
                    store(d0, v[0]);
                    store(d1, v[1]);
                    store(d2, v[2]);
                    store(d3, v[3]);
                }
                compiler_fence(Ordering::SeqCst);
            }
            let (d16, _) = d_rest.as_chunks_mut::<16>();
            let (s16, _) = s_rest.as_chunks::<16>();
            for (d, s) in d16.iter_mut().zip(s16) {
                store(d, load(s));
                compiler_fence(Ordering::SeqCst);
            }
        }
        if len.is_multiple_of(16) {
            return;
        }
        // A partial vector left: the last 16 bytes as one vector when there are that many.
        let last = len.saturating_sub(16);
        if let (Some(d), Some(s)) = (
            dst.get_mut(last..).and_then(<[u8]>::first_chunk_mut::<16>),
            src.get(last..).and_then(<[u8]>::first_chunk::<16>),
        ) {
            store(d, load(s));
            return;
        }
        // Under 16 bytes in all.
        for (o, v) in dst.iter_mut().zip(src) {
            *o = *v;
            compiler_fence(Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    proptest! {
        /// Every byte arrives, in order, whatever the length and the alignment of either
        /// buffer, and nothing outside `dst` is touched (the guard bytes around it).
        #[test]
        fn copies_every_byte_at_any_length_and_alignment(
            len in 0usize..600,
            src_at in 0usize..16,
            dst_at in 0usize..16,
            seed in any::<u8>(),
        ) {
            let src: Vec<u8> = (0..src_at + len).map(|i| u8::try_from(i % 256).unwrap().wrapping_mul(31).wrapping_add(seed)).collect();
            let mut dst = vec![0xA5u8; dst_at + len + 16];
            prop_assert!(copy_bytes(&mut dst[dst_at..dst_at + len], &src[src_at..]));
            prop_assert_eq!(&dst[dst_at..dst_at + len], &src[src_at..]);
            prop_assert!(dst[..dst_at].iter().chain(&dst[dst_at + len..]).all(|&b| b == 0xA5));
        }
    }

    #[test]
    fn unequal_lengths_copy_nothing() {
        let src = [1u8; 40];
        let mut dst = [0u8; 39];
        assert!(!copy_bytes(&mut dst, &src));
        assert_eq!(dst, [0u8; 39]);
        let mut long = [0u8; 41];
        assert!(!copy_bytes(&mut long, &src));
        assert_eq!(long, [0u8; 41]);
    }
}
