//! **A model of the classic design** (not Cadenza code): the WaveRT sample pattern in which
//! one periodic 1 ms timer drives everything, as in the SYSVAD-style miniports.
//!
//! On every 1 ms tick the model
//! 1. measures the time elapsed since the last tick in *whole milliseconds*, carrying the
//!    sub-millisecond remainder to the next tick;
//! 2. advances the position by `elapsed_ms × rate / 1000` frames, carrying the fractional
//!    frame (so the position itself does not drift);
//! 3. counts the elapsed milliseconds against the notification interval, which is the packet
//!    duration *truncated to whole milliseconds* (at least 1), and signals the notification
//!    event when an interval has passed.
//!
//! So it wakes 1000 times a second whatever the period, and where a packet is not a whole
//! number of milliseconds long its notifications run at the wrong rate against the audio
//! clock. Cadenza instead arms one timer per notification at the exact counter value where
//! the packet boundary falls.

use serde::Serialize;

/// The classic 1 ms poller for one stream.
#[derive(Clone, Debug)]
pub struct ClassicPoller {
    rate: u64,
    packet_frames: u64,
    ticks_per_ms: u64,
    /// Notification interval in whole milliseconds (packet duration, truncated, ≥ 1).
    pub interval_ms: u64,
    last_tick: u64,
    carry_ticks: u64,
    carry_frame_num: u64,
    since_notify_ms: u64,
    /// Frames of position (advanced in whole ms with carried remainders).
    pub frames: u64,
    /// Milliseconds the model has counted.
    pub elapsed_ms: u64,
    pub wakeups: u64,
    pub notifications: u64,
}

impl ClassicPoller {
    /// A stream at `rate` with packets of `packet_frames`, started at counter value `start`
    /// of a counter running at `freq` Hz.
    pub fn new(rate: u32, packet_frames: u32, freq: u64, start: u64) -> ClassicPoller {
        let interval_ms = (u64::from(packet_frames) * 1000 / u64::from(rate)).max(1);
        ClassicPoller {
            rate: u64::from(rate),
            packet_frames: u64::from(packet_frames),
            ticks_per_ms: freq / 1000,
            interval_ms,
            last_tick: start,
            carry_ticks: 0,
            carry_frame_num: 0,
            since_notify_ms: 0,
            frames: 0,
            elapsed_ms: 0,
            wakeups: 0,
            notifications: 0,
        }
    }

    /// The 1 ms timer fired at counter value `now`. Returns whether it signalled.
    pub fn tick(&mut self, now: u64) -> bool {
        self.wakeups += 1;
        let ticks = now - self.last_tick + self.carry_ticks;
        self.last_tick = now;
        let ms = ticks / self.ticks_per_ms;
        self.carry_ticks = ticks % self.ticks_per_ms;
        self.elapsed_ms += ms;
        let num = ms * self.rate + self.carry_frame_num;
        self.frames += num / 1000;
        self.carry_frame_num = num % 1000;
        self.since_notify_ms += ms;
        if self.since_notify_ms >= self.interval_ms {
            self.since_notify_ms -= self.interval_ms;
            self.notifications += 1;
            true
        } else {
            false
        }
    }

    /// How far the newest notification is from the audio clock, in frames: the frames the
    /// audio clock had played when the event was signalled, minus the frames the
    /// notification stands for (`notifications × packet_frames`). Positive: notifications
    /// lag the audio; negative: they run ahead of it.
    pub fn notification_drift_frames(&self, last_signal_ms: u64) -> i128 {
        let audio = i128::from(last_signal_ms) * i128::from(self.rate) / 1000;
        audio - i128::from(self.notifications) * i128::from(self.packet_frames)
    }
}

/// The classic model's result after a run, analytical or simulated.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct ClassicDrift {
    pub interval_ms: u64,
    pub notifications: u64,
    /// See [`ClassicPoller::notification_drift_frames`].
    pub drift_frames: i128,
    /// Position error at the last tick (frames): zero, thanks to the carried remainders.
    pub position_error_frames: i128,
}

/// The classic model's drift after `duration_ms`, by exact integer arithmetic (an ideal
/// 1 ms timer: the n-th tick at exactly n ms).
pub fn classic_drift_exact(rate: u32, packet_frames: u32, duration_ms: u64) -> ClassicDrift {
    let interval_ms = (u64::from(packet_frames) * 1000 / u64::from(rate)).max(1);
    let notifications = duration_ms / interval_ms;
    let last_signal_ms = notifications * interval_ms;
    let audio = i128::from(last_signal_ms) * i128::from(rate) / 1000;
    ClassicDrift {
        interval_ms,
        notifications,
        drift_frames: audio - i128::from(notifications) * i128::from(packet_frames),
        position_error_frames: 0,
    }
}

/// The classic model simulated tick by tick for `duration_ms` with an ideal 1 ms timer.
pub fn classic_drift_simulated(
    rate: u32,
    packet_frames: u32,
    duration_ms: u64,
    freq: u64,
) -> (ClassicDrift, u64) {
    let start = 12_345;
    let mut p = ClassicPoller::new(rate, packet_frames, freq, start);
    let mut last_signal_ms = 0;
    for n in 1..=duration_ms {
        if p.tick(start + n * freq / 1000) {
            last_signal_ms = p.elapsed_ms;
        }
    }
    let exact_frames = i128::from(duration_ms) * i128::from(rate) / 1000;
    (
        ClassicDrift {
            interval_ms: p.interval_ms,
            notifications: p.notifications,
            drift_frames: p.notification_drift_frames(last_signal_ms),
            position_error_frames: i128::from(p.frames) - exact_frames,
        },
        p.wakeups,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_ms_packets_do_not_drift() {
        let d = classic_drift_exact(48_000, 480, 60_000);
        assert_eq!(d.interval_ms, 10);
        assert_eq!(d.drift_frames, 0);
    }

    #[test]
    fn simulation_matches_the_exact_model() {
        for (rate, pf) in [(44_100, 44), (44_100, 132), (48_000, 480), (96_000, 288)] {
            let (sim, wakeups) = classic_drift_simulated(rate, pf, 20_000, 10_000_000);
            assert_eq!(sim, classic_drift_exact(rate, pf, 20_000), "{rate} {pf}");
            assert_eq!(wakeups, 20_000);
        }
    }

    #[test]
    fn late_ticks_carry_their_remainder() {
        let mut p = ClassicPoller::new(44_100, 441, 10_000_000, 0);
        // Ticks at 1.5 ms and 3.0 ms: 1 ms then 2 ms counted, 3 ms of frames in total.
        p.tick(15_000);
        p.tick(30_000);
        assert_eq!(p.elapsed_ms, 3);
        assert_eq!(p.frames, 132);
    }
}
