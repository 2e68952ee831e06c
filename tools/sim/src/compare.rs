//! The verdict on a capture: where the played audio starts in it, and whether every frame is
//! what the cable must deliver — the source's own bytes when the formats are identical, the
//! conversion [`crate::expected`] computes otherwise.

use cadenza_engine::format::Format;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::{CounterFrequency, Ticks, frames_to_ticks_ceil};
use serde::Serialize;

use crate::expected;
use crate::session::Event;

/// Frames matched to find where the played audio starts in the capture.
const WINDOW: usize = 8;

/// The outcome, from the strictest claim down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Source and capture formats are identical and the capture holds the source's bytes.
    BitIdentical,
    /// Every compared frame equals the expected conversion of the source.
    ExpectedConversion,
    /// Every captured frame matched, but the capture ends before the played audio does.
    Incomplete,
    /// Some frames differ.
    Differs,
    /// The capture is silent where the source is not.
    SignalNotFound,
    /// Nothing to compare: nothing was played or nothing was captured (a device with only
    /// one endpoint).
    NotCompared,
}

impl Verdict {
    /// The capture is exactly what the cable must deliver.
    pub fn exact(self) -> bool {
        matches!(self, Verdict::BitIdentical | Verdict::ExpectedConversion)
    }
}

/// What was played, as the comparison needs it.
#[derive(Clone, Copy, Debug)]
pub struct Played<'a> {
    /// The frames the render side played, in the render format.
    pub render: &'a [u8],
    pub render_format: &'a Format,
    /// The same frames in the source's own format, when that is the capture format (the
    /// only case in which "bit-identical" can be claimed).
    pub original_as_captured: Option<&'a [u8]>,
    /// Every played frame must have been captured (`--input`); otherwise comparing the
    /// frames the capture holds is enough (the generated signal keeps playing to the end).
    pub require_all: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Source frames the render side played.
    pub played: u64,
    /// Capture frame at which played frame 0 appears.
    pub offset: Option<u64>,
    pub compared: u64,
    pub mismatched: u64,
    /// The first capture frame that differs.
    pub first_mismatch: Option<u64>,
    pub verdict: Verdict,
}

/// A frame count or index as a slice index (saturating: out of range means "to the end").
fn index(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn frames(bytes: &[u8], block: usize) -> std::slice::ChunksExact<'_, u8> {
    bytes.chunks_exact(block)
}

/// (mismatched, first mismatching frame index) of `got` against `want`, frame by frame.
fn count_mismatches(got: &[u8], want: &[u8], block: usize) -> (u64, Option<u64>) {
    let mut mismatched = 0;
    let mut first = None;
    for (i, (g, w)) in frames(got, block).zip(frames(want, block)).enumerate() {
        if g != w {
            mismatched += 1;
            first.get_or_insert(i as u64);
        }
    }
    (mismatched, first)
}

/// Where the played audio starts in `captured`: the offset the wire implies (`nominal`), or,
/// if the capture says otherwise, the offset at which its first sound appears in the
/// expected audio — whichever leaves fewer frames different.
fn offset_candidates(expected: &[u8], captured: &[u8], block: usize, nominal: u64) -> Vec<u64> {
    let mut out = vec![nominal];
    let nonzero = |f: &[u8]| f.iter().any(|b| *b != 0);
    let Some(p) = frames(captured, block).position(nonzero) else {
        return out;
    };
    let total = captured.len() / block;
    let w = WINDOW.min(total - p);
    let probe = &captured[p * block..(p + w) * block];
    let n = expected.len() / block;
    let found = (0..=n.saturating_sub(w))
        .find(|i| &expected[i * block..(i + w) * block] == probe)
        .or_else(|| frames(expected, block).position(nonzero));
    if let Some(i) = found
        && i <= p
        && (p - i) as u64 != nominal
    {
        out.push((p - i) as u64);
    }
    out
}

/// Compares `captured` (capture-format frames, capture frame 0 first) with what the cable
/// must deliver for `played`. `nominal` is the capture frame at which played frame 0 lands
/// on a wire that adds no latency.
pub fn compare(played: &Played<'_>, capture: &Format, captured: &[u8], nominal: u64) -> Comparison {
    let block = usize::from(capture.block_align());
    let expected = expected::convert(played.render, played.render_format, capture);
    let n = (expected.len() / block) as u64;
    let total = (captured.len() / block) as u64;
    if n == 0 || total == 0 {
        return Comparison {
            played: n,
            offset: None,
            compared: 0,
            mismatched: 0,
            first_mismatch: None,
            verdict: Verdict::NotCompared,
        };
    }
    let silent = |b: &[u8]| b.iter().all(|x| *x == 0);
    if silent(captured) && !silent(&expected) {
        return Comparison {
            played: n,
            offset: None,
            compared: 0,
            mismatched: 0,
            first_mismatch: None,
            verdict: Verdict::SignalNotFound,
        };
    }
    let mut best: Option<(u64, u64, u64, Option<u64>)> = None;
    for offset in offset_candidates(&expected, captured, block, nominal) {
        let compared = n.min(total.saturating_sub(offset));
        let start = index(offset.min(total)) * block;
        let len = index(compared) * block;
        let (mismatched, first) =
            count_mismatches(&captured[start..start + len], &expected[..len], block);
        if best.is_none_or(|b| mismatched < b.2) {
            best = Some((offset, compared, mismatched, first.map(|f| f + offset)));
        }
    }
    let (offset, compared, mismatched, first_mismatch) = best.unwrap_or((nominal, 0, 0, None));
    let complete = compared > 0 && (!played.require_all || compared == n);
    let verdict = if mismatched > 0 {
        Verdict::Differs
    } else if !complete {
        Verdict::Incomplete
    } else {
        let start = index(offset) * block;
        let len = index(compared) * block;
        match played.original_as_captured {
            Some(original) if original.get(..len) == Some(&captured[start..start + len]) => {
                Verdict::BitIdentical
            }
            _ => Verdict::ExpectedConversion,
        }
    };
    Comparison {
        played: n,
        offset: Some(offset),
        compared,
        mismatched,
        first_mismatch,
        verdict,
    }
}

/// A glitch logged close to a moment of interest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coincidence {
    /// "render" or "capture".
    pub stream: &'static str,
    /// What was logged, e.g. "underrun of 480 frames".
    pub what: String,
    /// When it was logged (at the notification that revealed it), in seconds since the
    /// capture start.
    pub at_s: f64,
}

/// Glitches listed with a mismatch, at most.
pub const MAX_COINCIDENCES: usize = 3;

/// The first glitches (at most [`MAX_COINCIDENCES`], in time order) logged from `before`
/// ticks before capture frame `frame` was recorded to `after` ticks after it. A glitch is
/// logged at the notification that reveals it, so it usually comes after the damage.
pub fn coinciding_glitches(
    events: &[Event],
    capture_start: Ticks,
    frame: u64,
    rate: u32,
    freq: CounterFrequency,
    (before, after): (u64, u64),
) -> Vec<Coincidence> {
    let t = capture_start.0 + frames_to_ticks_ceil(frame, rate, freq);
    events
        .iter()
        .filter(|e| e.kind.is_glitch())
        .filter(|e| e.at.0 + before >= t && e.at.0 <= t.saturating_add(after))
        .take(MAX_COINCIDENCES)
        .map(|e| Coincidence {
            stream: match e.direction {
                Direction::Render => "render",
                Direction::Capture => "capture",
            },
            what: e.kind.describe(),
            at_s: crate::report::round_to(
                crate::report::ticks_to_seconds(e.at.since(capture_start), freq),
                6,
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate, SampleType};

    fn int16_mono() -> Format {
        Format::new(
            SampleType::Int16,
            Channels::MONO,
            SampleRate::new(48_000).unwrap(),
        )
    }

    /// `n` frames of a recognisable ramp 1, 2, 3, ... as int16 mono.
    fn ramp(n: u16) -> Vec<u8> {
        (1..=n).flat_map(u16::to_le_bytes).collect()
    }

    fn played<'a>(bytes: &'a [u8], f: &'a Format) -> Played<'a> {
        Played {
            render: bytes,
            render_format: f,
            original_as_captured: Some(bytes),
            require_all: true,
        }
    }

    /// The promise: the played bytes found intact after the start delay are "bit-identical".
    #[test]
    fn an_exact_copy_after_silence_is_bit_identical() {
        let f = int16_mono();
        let src = ramp(100);
        let mut cap = vec![0u8; 2 * 10];
        cap.extend_from_slice(&src);
        cap.extend_from_slice(&[0; 8]);
        let c = compare(&played(&src, &f), &f, &cap, 10);
        assert_eq!(c.offset, Some(10));
        assert_eq!((c.compared, c.mismatched), (100, 0));
        assert_eq!(c.verdict, Verdict::BitIdentical);
    }

    /// The promise: a lost first packet does not move the alignment (and so does not turn
    /// one lost packet into "everything differs").
    #[test]
    fn a_lost_start_is_one_local_mismatch() {
        let f = int16_mono();
        let src = ramp(100);
        let mut cap = vec![0u8; 2 * 10];
        cap.extend_from_slice(&src);
        cap[20..40].fill(0); // frames 0..10 of the source lost
        let c = compare(&played(&src, &f), &f, &cap, 10);
        assert_eq!(c.offset, Some(10));
        assert_eq!(c.mismatched, 10);
        assert_eq!(c.first_mismatch, Some(10));
        assert_eq!(c.verdict, Verdict::Differs);
    }

    /// The promise: audio arriving later than the wire implies is found, and the latency
    /// measured, not assumed.
    #[test]
    fn a_late_start_is_measured() {
        let f = int16_mono();
        let src = ramp(50);
        let mut cap = vec![0u8; 2 * 13];
        cap.extend_from_slice(&src);
        let c = compare(&played(&src, &f), &f, &cap, 10);
        assert_eq!(c.offset, Some(13));
        assert_eq!(c.verdict, Verdict::BitIdentical);
    }

    /// The promise: a capture missing the end, or holding nothing, never counts as a match.
    #[test]
    fn a_short_capture_is_incomplete_and_silence_is_not_found() {
        let f = int16_mono();
        let src = ramp(50);
        let mut cap = vec![0u8; 2 * 10];
        cap.extend_from_slice(&src[..60]);
        let c = compare(&played(&src, &f), &f, &cap, 10);
        assert_eq!((c.compared, c.verdict), (30, Verdict::Incomplete));
        let c = compare(&played(&src, &f), &f, &[0; 200], 10);
        assert_eq!(c.verdict, Verdict::SignalNotFound);
    }

    /// The promise: a converted capture is "the expected conversion", never "bit-identical".
    #[test]
    fn a_conversion_is_the_expected_one_not_bit_identical() {
        let from = int16_mono();
        let to = Format::new(
            SampleType::Int24,
            Channels::MONO,
            SampleRate::new(48_000).unwrap(),
        );
        let src = ramp(20);
        // int16 v → int24: the same value with a zero low byte, by hand.
        let mut cap = vec![0u8; 3 * 4];
        for s in src.chunks_exact(2) {
            cap.extend_from_slice(&[0, s[0], s[1]]);
        }
        let p = Played {
            original_as_captured: None,
            ..played(&src, &from)
        };
        let c = compare(&p, &to, &cap, 4);
        assert_eq!(c.verdict, Verdict::ExpectedConversion);
    }
}
