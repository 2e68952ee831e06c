//! The known signal the render client plays, and the check that the capture side got it.
//!
//! The signal is a logarithmic chirp (200 Hz → 4 kHz over 10 s, then again), with a small
//! phase offset per channel so a channel swap is caught. It never repeats within a run, so a
//! dropped or duplicated frame cannot line up by accident, and it is pleasant enough to
//! listen to in the WAV the simulator writes. Frame 0 is non-zero in every channel, which
//! lets the checker find where the signal starts in the capture.

use cadenza_engine::convert::convert;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::gain::Gain;

/// The ideal value of `channel` at `frame`, in -0.5..=0.5.
pub fn ideal_sample(frame: u64, channel: u16, rate: u32) -> f64 {
    const SWEEP_SECONDS: f64 = 10.0;
    let (f0, f1) = (200.0_f64, 4_000.0_f64);
    let t = (frame as f64 / f64::from(rate)) % SWEEP_SECONDS;
    let k = (f1 / f0).ln() / SWEEP_SECONDS;
    let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
    0.5 * (phase + f64::from(channel) * 0.4 + 0.3).cos()
}

/// Writes frames `first..first + frames` of the signal into `out` in `format`.
pub fn render_frames(format: &Format, first: u64, frames: usize, out: &mut [u8]) {
    let channels = format.channels().get();
    let rate = format.rate().hz();
    let width = usize::from(format.sample().container_bytes());
    let mut i = 0;
    for f in 0..frames as u64 {
        for c in 0..channels {
            let v = ideal_sample(first + f, c, rate);
            let Some(dst) = out.get_mut(i..i + width) else {
                return;
            };
            encode(format.sample(), v, dst);
            i += width;
        }
    }
}

fn encode(sample: SampleType, v: f64, dst: &mut [u8]) {
    let scaled = |bits: u32| (v * f64::from(1u32 << (bits - 1))).round() as i64;
    match sample {
        SampleType::Int16 => dst.copy_from_slice(&(scaled(16) as i16).to_le_bytes()),
        SampleType::Int24 => dst.copy_from_slice(&(scaled(24) as i32).to_le_bytes()[..3]),
        SampleType::Int24In32 => dst.copy_from_slice(&((scaled(24) as i32) << 8).to_le_bytes()),
        SampleType::Int32 => dst.copy_from_slice(&(scaled(32) as i32).to_le_bytes()),
        SampleType::Float32 => dst.copy_from_slice(&(v as f32).to_le_bytes()),
    }
}

/// The outcome of comparing a capture with the rendered signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Capture frame at which render frame 0 appears (the loopback latency plus the start
    /// offset between the two streams), if the signal was found at all.
    pub offset: Option<u64>,
    /// Frames compared after the offset.
    pub compared: u64,
    /// Frames that differ from the expected bytes.
    pub mismatched: u64,
    /// The first capture frame that differs.
    pub first_mismatch: Option<u64>,
}

impl Check {
    /// The outcome when there is nothing to compare (a device with one endpoint).
    pub const fn not_compared() -> Check {
        Check {
            offset: None,
            compared: 0,
            mismatched: 0,
            first_mismatch: None,
        }
    }

    /// Every compared frame matched, and there was something to compare.
    pub fn bit_exact(&self) -> bool {
        self.offset.is_some() && self.compared > 0 && self.mismatched == 0
    }
}

/// Compares `captured` (capture-format bytes, capture frame 0 first) with the render signal
/// as the cable must deliver it: converted from `render` to `capture` format at unity gain.
/// Only the first `rendered_frames` render frames are expected.
pub fn check_loopback(
    render: &Format,
    capture: &Format,
    rendered_frames: u64,
    captured: &[u8],
) -> Check {
    const CHUNK: u64 = 4096;
    let cblock = usize::from(capture.block_align());
    let rblock = usize::from(render.block_align());
    let total = (captured.len() / cblock) as u64;
    let offset = captured
        .chunks_exact(cblock)
        .position(|f| f.iter().any(|b| *b != 0))
        .map(|p| p as u64);
    let Some(offset) = offset else {
        return Check {
            offset: None,
            compared: 0,
            mismatched: 0,
            first_mismatch: None,
        };
    };
    let compared = rendered_frames.min(total - offset);
    let mut mismatched = 0;
    let mut first_mismatch = None;
    let mut rbuf = vec![0u8; CHUNK as usize * rblock];
    let mut ebuf = vec![0u8; CHUNK as usize * cblock];
    let mut done = 0u64;
    while done < compared {
        let n = CHUNK.min(compared - done) as usize;
        render_frames(render, done, n, &mut rbuf[..n * rblock]);
        let _ = convert(
            &rbuf[..n * rblock],
            render,
            &mut ebuf[..n * cblock],
            capture,
            &Gain::UNITY,
        );
        let start = (offset + done) as usize * cblock;
        let got = &captured[start..start + n * cblock];
        for (i, (g, e)) in got
            .chunks_exact(cblock)
            .zip(ebuf.chunks_exact(cblock))
            .enumerate()
        {
            if g != e {
                mismatched += 1;
                first_mismatch.get_or_insert(offset + done + i as u64);
            }
        }
        done += n as u64;
    }
    Check {
        offset: Some(offset),
        compared,
        mismatched,
        first_mismatch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate};

    fn fmt(t: SampleType) -> Format {
        Format::new(t, Channels::STEREO, SampleRate::new(48_000).unwrap())
    }

    #[test]
    fn frame_zero_is_audible_in_every_format() {
        for t in SampleType::ALL {
            let f = fmt(t);
            let mut b = vec![0u8; usize::from(f.block_align())];
            render_frames(&f, 0, 1, &mut b);
            for ch in b.chunks_exact(usize::from(t.container_bytes())) {
                assert!(ch.iter().any(|x| *x != 0), "{t:?}");
            }
        }
    }

    #[test]
    fn the_checker_finds_the_offset_and_catches_a_dropped_frame() {
        let f = fmt(SampleType::Int16);
        let n = 2000;
        let mut captured = vec![0u8; (100 + n) * 4];
        render_frames(&f, 0, n, &mut captured[400..]);
        let ok = check_loopback(&f, &f, n as u64, &captured);
        assert!(ok.bit_exact());
        assert_eq!(ok.offset, Some(100));
        // Drop frame 500: everything after it shifts by one.
        captured.drain(600 * 4..601 * 4);
        let bad = check_loopback(&f, &f, n as u64, &captured);
        assert!(!bad.bit_exact());
        assert_eq!(bad.first_mismatch, Some(600));
    }
}
