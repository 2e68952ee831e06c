//! Where a stream's position comes from: the counter (virtual devices) or a hardware
//! position register (real DMA), behind one interface so the rest of the stream logic is
//! the same for both.

use crate::clock::{Frames, PositionClock};
use crate::time::{CounterFrequency, Ticks, frames_to_ticks_ceil};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timebase {
    /// Position computed exactly from the counter.
    Virtual(PositionClock),
    /// Position read from a DMA position register and extended to 64 bits by the device,
    /// which calls [`Timebase::observe`] before every use.
    Hardware(HwPosition),
}

/// The last linear position observed from hardware and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwPosition {
    pub rate: u32,
    pub freq: CounterFrequency,
    pub frames: Frames,
    pub at: Ticks,
    pub running: bool,
}

impl Timebase {
    #[inline]
    pub fn frames_at(&self, now: Ticks) -> Frames {
        match self {
            Timebase::Virtual(c) => c.frames_at(now),
            Timebase::Hardware(h) => {
                let _ = now;
                h.frames
            }
        }
    }

    /// When `frame` was (or will be) reached, if the stream is running.
    pub fn ticks_at(&self, frame: Frames) -> Option<Ticks> {
        match self {
            Timebase::Virtual(c) => c.ticks_at(frame),
            Timebase::Hardware(h) if h.running => {
                // Estimated from the last observation at the nominal rate.
                if frame >= h.frames {
                    let ahead = frames_to_ticks_ceil(frame - h.frames, h.rate, h.freq);
                    Some(Ticks(h.at.0.saturating_add(ahead)))
                } else {
                    let behind = frames_to_ticks_ceil(h.frames - frame, h.rate, h.freq);
                    Some(Ticks(h.at.0.saturating_sub(behind)))
                }
            }
            Timebase::Hardware(_) => None,
        }
    }

    /// Virtual streams need a timer for their notifications; hardware ones get interrupts.
    pub const fn is_virtual(&self) -> bool {
        matches!(self, Timebase::Virtual(_))
    }

    pub fn is_running(&self) -> bool {
        match self {
            Timebase::Virtual(c) => c.is_running(),
            Timebase::Hardware(h) => h.running,
        }
    }

    pub fn start(&mut self, now: Ticks) {
        match self {
            Timebase::Virtual(c) => c.start(now),
            Timebase::Hardware(h) => {
                h.running = true;
                h.at = now;
            }
        }
    }

    /// Stops at `now`, never below `floor` frames (see [`PositionClock::pause_at_least`]).
    pub fn pause(&mut self, now: Ticks, floor: Frames) {
        match self {
            Timebase::Virtual(c) => c.pause_at_least(now, floor),
            Timebase::Hardware(h) => {
                h.running = false;
                h.at = now;
            }
        }
    }

    pub fn reset(&mut self) {
        match self {
            Timebase::Virtual(c) => c.reset(),
            Timebase::Hardware(h) => {
                h.frames = 0;
                h.running = false;
            }
        }
    }

    pub fn set_rate(&mut self, rate: u32) {
        match self {
            Timebase::Virtual(c) => c.set_rate(rate),
            Timebase::Hardware(h) => h.rate = rate,
        }
    }

    /// Records a hardware position observation (ignored for virtual time). Positions never
    /// go backwards: a stale read is ignored.
    pub fn observe(&mut self, frames: Frames, now: Ticks) {
        if let Timebase::Hardware(h) = self
            && frames >= h.frames
        {
            h.frames = frames;
            h.at = now;
        }
    }
}
