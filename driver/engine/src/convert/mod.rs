//! Sample-format and channel conversion with gain, for the cable's data path.
//!
//! Runs in a DPC: no allocation, no reachable panic, no blocking, and no per-sample branch on
//! the format. Each (source type, destination type) pair has its own monomorphized inner
//! loop, chosen once per call.
//!
//! ## Frames
//! [`convert`] converts `min(whole frames in src, whole frames in dst)` frames and returns
//! that count. Trailing bytes that do not make a whole frame are ignored in `src` and left
//! untouched in `dst`, as are destination frames beyond the count: filling them (with
//! [`fill_silence`]) is the caller's decision. A partial frame is not an error because
//! truncating can never read or write outside either buffer.
//!
//! The two formats must share a sample rate: this module does not resample, and copying
//! across rates would play at the wrong speed. A mismatch returns
//! [`ConvertError::RateMismatch`] after writing silence over the destination's whole frames,
//! so a caller that ignores the error still delivers silence, never stale data.
//!
//! ## Fast path
//! Same sample type, same channel count and a gain that is unity for those channels: one
//! `copy_from_slice`, bit-exact whatever the bytes are (float NaN payloads, a non-zero low
//! byte in `Int24In32`).
//!
//! ## Sample types
//! - **int → int** goes through a left-justified `i32` (the sample's bits at the top, zeros
//!   below). Widening is exact. Narrowing rounds to nearest, ties toward +∞ (add half an
//!   output step, saturating, then drop the low bits), so `Int32 → Int16` never wraps and
//!   `i32::MAX` becomes `i16::MAX`. No dither.
//! - **int → float** divides by the type's full scale (2^15, 2^23, 2^31; one power-of-two
//!   multiply, exact for 16- and 24-bit samples; `Int32` rounds to f32's 24-bit mantissa).
//! - **float → int** clamps to ±1.0 (NaN becomes 0, ±∞ clamp), multiplies by the same full
//!   scale, and rounds once to nearest, ties to even; +1.0 becomes the type's maximum (one
//!   step below the exact full scale). Int16 rounds in f32, the wider types in f64, where
//!   the scaled value is exact.
//! - **float → float** stays in f32.
//!
//! The scalar loops ([`reference`]) round by adding 1.5 · 2^mantissa-bits and reading the
//! integer out of the low mantissa bits, not with `as`: an `as` cast must saturate, which
//! compiles to scalar branches and kept these loops from vectorizing (measured 5–10×
//! slower).
//!
//! Consequently int16 → any type → int16 and int24 → any type except int16 → int24 are the
//! identity, which the tests check (exhaustively for int16).
//! `Int24In32` reads ignore the low byte the format says is zero.
//!
//! ## Channels
//! Channels map by speaker position, by a [`ChannelMap`] for the two channel counts (see
//! [`crate::channel_map`] for the rules): [`convert`] computes it per call (a few hundred
//! table lookups), [`convert_mapped`] takes one the caller computed once per stream pair.
//! - equal counts map 1:1 (the identity), through the same loops as before;
//! - when every source position exists in the destination (stereo → 5.1, …) each output
//!   is one input converted exactly as a 1:1 conversion would, or silence;
//! - N → mono is the mean of the non-LFE inputs (summed in i64 or f32, so it cannot overflow;
//!   the integer mean truncates toward zero);
//! - every other pair is a weighted sum per output: mono → FL and FR at 1/√2, downmixes fold
//!   per the rules and are normalised so full scale cannot clip. The sum is formed in f64
//!   for int → int (each term `f64(sample) · coefficient`) and in f32 otherwise, then scaled
//!   by the gain and rounded once, as the 1:1 path rounds a scaled sample. Outputs no input
//!   feeds get zero.
//!
//! ## Gain and mute
//! Each output channel `c` is scaled by the gain's channel `c` factor in the same pass. For
//! int → int the Q2.30 factor is used exactly as an f64 and the product is rounded once to
//! the `i32` intermediate (ties to even, saturating); otherwise the factor is an f32 applied
//! in the float domain. Unity is exact on both paths, so a frame that only changes channel
//! layout is still bit-exact. Mute writes silence over the converted frames.
//!
//! ## Speed
//!
//! ## Speed
//! The loops are chosen once per call: equal channel counts with one factor for every
//! channel (the usual case: master volume), or per-channel factors with 1, 2, 4, 8 or 16
//! channels, run as a flat sample stream with no frame structure, sixteen samples at a time
//! in SIMD kernels (`fast`, over the four-lane operations of `simd`: SSE2 on x86_64, SSSE3
//! shuffles for packed 24-bit samples when CPUID reports it, never AVX); other layouts, the
//! last `< 16` samples of a call, and every target other than x86_64 run the scalar loops of
//! [`reference`]. The kernels give the reference's results bit for bit, for every input
//! (tests `convert::tests::equivalence`). docs/conversion.md describes the kernels; the
//! ignored test `convert_throughput` prints the throughput of every pair against memcpy, and
//! the example `convert_speed` times the kernels against the reference at one 10 ms packet.

use core::num::NonZeroUsize;

use crate::channel_map::ChannelMap;
use crate::format::Format;
use crate::gain::Gain;
use crate::status::NtStatus;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64", test))]
mod fast;
#[doc(hidden)]
pub mod reference;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64", test))]
mod simd;
#[cfg(test)]
mod tests;

pub(crate) use reference::{Codec, codec};

/// The last step of [`convert_mapped`]: the SIMD kernels where there are some.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use fast::dispatch as run_pair;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
use reference::dispatch as run_pair;

/// Why a conversion was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConvertError {
    /// The two formats have different sample rates; this module does not resample.
    RateMismatch,
}

impl From<ConvertError> for NtStatus {
    fn from(e: ConvertError) -> NtStatus {
        match e {
            ConvertError::RateMismatch => NtStatus::NOT_SUPPORTED,
        }
    }
}

/// Converts whole frames from `src` (in `src_fmt`) to `dst` (in `dst_fmt`), applying `gain`
/// per output channel. Returns the number of frames written. See the module docs.
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

/// [`convert`] with a channel map computed once per stream pair by the caller. A map built
/// for other channel counts than the two formats' is not used: the right one is computed
/// for this call instead, so a stale map costs time, never wrong channels.
pub fn convert_mapped(
    src: &[u8],
    src_fmt: &Format,
    dst: &mut [u8],
    dst_fmt: &Format,
    gain: &Gain,
    map: &ChannelMap,
) -> Result<usize, ConvertError> {
    reference::convert_with(src, src_fmt, dst, dst_fmt, gain, map, run_pair)
}

/// Writes silence over the whole frames of `dst`; a trailing partial frame is left alone.
///
/// All-zero bytes are silence for every supported type: the integer types are signed two's
/// complement, where zero is the midpoint (there is no unsigned 8-bit type, whose silence
/// would be 0x80), and the all-zero IEEE 754 pattern is +0.0.
pub fn fill_silence(dst: &mut [u8], fmt: &Format) {
    let Some(block) = NonZeroUsize::new(usize::from(fmt.block_align())) else {
        return;
    };
    let whole = dst.len() / block * block.get();
    if let Some(frames) = dst.get_mut(..whole) {
        frames.fill(0);
    }
}
