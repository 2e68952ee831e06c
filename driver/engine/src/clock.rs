//! The position clock of a virtual (timer-driven) stream.
//!
//! Position is `base + floor((now − started) × rate / freq)` while running and `base` while
//! paused: exact integers, no accumulation. Pausing keeps whole frames only — a real DMA
//! engine also stops on a frame — and resuming starts a new segment from that frame.

use crate::time::{CounterFrequency, Divisor, Ticks, frames_to_ticks_ceil, ticks_to_frames};

/// Linear (never wrapping) stream position in frames.
pub type Frames = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionClock {
    rate: u32,
    freq: CounterFrequency,
    /// Division by `freq` without a division instruction: every position read divides.
    per_second: Divisor,
    /// Frames at the start of the current running segment (or the paused position).
    base: Frames,
    /// Counter value at which the current running segment started; `None` while stopped.
    started: Option<Ticks>,
}

impl PositionClock {
    pub const fn new(rate: u32, freq: CounterFrequency) -> PositionClock {
        PositionClock {
            rate,
            freq,
            per_second: freq.divisor(),
            base: 0,
            started: None,
        }
    }

    pub const fn frequency(&self) -> CounterFrequency {
        self.freq
    }

    pub const fn is_running(&self) -> bool {
        self.started.is_some()
    }

    /// The counter value at which the current segment started, if running.
    pub const fn started(&self) -> Option<Ticks> {
        self.started
    }

    /// Frames at the start of the current segment.
    pub const fn base(&self) -> Frames {
        self.base
    }

    /// Starts (or resumes) counting at `now`. Starting a running clock changes nothing.
    pub fn start(&mut self, now: Ticks) {
        if self.started.is_none() {
            self.started = Some(now);
        }
    }

    /// Stops counting at `now`, keeping the whole frames reached.
    pub fn pause(&mut self, now: Ticks) {
        self.pause_at_least(now, 0);
    }

    /// Stops counting at `now`, but never below `floor` frames. A caller that read the counter
    /// before taking the stream lock may pause with a `now` older than a position another
    /// caller has already revealed; the floor keeps positions from stepping backwards.
    pub fn pause_at_least(&mut self, now: Ticks, floor: Frames) {
        self.base = self.frames_at(now).max(floor);
        self.started = None;
    }

    /// Back to frame zero, stopped (KSSTATE_STOP).
    pub fn reset(&mut self) {
        self.base = 0;
        self.started = None;
    }

    /// Changes the rate (only meaningful while stopped: a new format).
    pub fn set_rate(&mut self, rate: u32) {
        self.rate = rate;
    }

    /// The linear position at `now`. A `now` before the segment start reads as the start.
    #[inline]
    pub fn frames_at(&self, now: Ticks) -> Frames {
        match self.started {
            Some(s) => {
                let ticks = now.since(s);
                // `ticks_to_frames`, with its 64-bit fast path's division done by multiplying.
                let frames = match ticks.checked_mul(u64::from(self.rate)) {
                    Some(product) => self.per_second.divide(product),
                    None => ticks_to_frames(ticks, self.rate, self.freq),
                };
                self.base.saturating_add(frames)
            }
            None => self.base,
        }
    }

    /// The first counter value at which the position reaches `frame`, if running. Frames
    /// before the segment start map to the segment start.
    pub fn ticks_at(&self, frame: Frames) -> Option<Ticks> {
        let s = self.started?;
        let ahead = frame.saturating_sub(self.base);
        Some(Ticks(s.0.saturating_add(frames_to_ticks_ceil(
            ahead, self.rate, self.freq,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    #[test]
    fn counts_only_while_running_and_resets_in_stop() {
        let mut c = PositionClock::new(48_000, F);
        assert_eq!(c.frames_at(Ticks(1_000_000)), 0);
        c.start(Ticks(1_000_000));
        assert_eq!(c.frames_at(Ticks(1_000_000)), 0);
        assert_eq!(c.frames_at(Ticks(1_100_000)), 480); // 10 ms
        c.pause(Ticks(1_100_000));
        assert_eq!(c.frames_at(Ticks(9_000_000)), 480);
        c.start(Ticks(9_000_000));
        assert_eq!(c.frames_at(Ticks(9_100_000)), 960);
        assert_eq!(c.ticks_at(960), Some(Ticks(9_100_000)));
        c.reset();
        assert_eq!(c.frames_at(Ticks(10_000_000)), 0);
        assert_eq!(c.ticks_at(0), None);
    }

    #[test]
    fn starting_twice_keeps_the_first_start() {
        let mut c = PositionClock::new(48_000, F);
        c.start(Ticks(0));
        c.start(Ticks(5_000));
        assert_eq!(c.started(), Some(Ticks(0)));
    }

    proptest! {
        /// Pausing and resuming any number of times never loses or invents a frame beyond the
        /// sub-frame fraction each pause discards, and positions never go backwards.
        #[test]
        fn monotonic_across_pause_resume(
            rate in prop::sample::select(&[44_100u32, 48_000, 96_000, 192_000][..]),
            segments in prop::collection::vec((1u64..50_000_000, 0u64..5_000_000), 1..20),
        ) {
            let mut c = PositionClock::new(rate, F);
            let mut now = 0u64;
            let mut last = 0u64;
            let mut running_ticks = 0u64;
            for (run, gap) in segments {
                c.start(Ticks(now));
                now += run;
                running_ticks += run;
                let p = c.frames_at(Ticks(now));
                prop_assert!(p >= last);
                last = p;
                c.pause(Ticks(now));
                now += gap;
                prop_assert_eq!(c.frames_at(Ticks(now)), last);
            }
            let ideal = ticks_to_frames(running_ticks, rate, F);
            prop_assert!(last <= ideal);
        }
    }
}
