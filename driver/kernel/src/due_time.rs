//! From the engine's absolute deadlines to the relative due times `ExSetTimer` takes.
//!
//! The engine computes every deadline as an absolute counter value (`start + k·period`); a
//! high-resolution EX_TIMER takes a due time in 100 ns units, negative meaning "relative to
//! now". Relative is the right choice: an absolute due time would be in *system time*, which
//! moves when the clock is adjusted, while QPC and the relative timer base do not.
//!
//! The conversion rounds *up*, so the timer never fires before the deadline. The remaining
//! imprecision is only ever lateness: the time between reading `now` and `ExSetTimer`, and the
//! timer's own expiry latency. Pure code, compiled and tested on every target.

use cadenza_engine::time::{CounterFrequency, Ticks};

/// 100 ns units per second.
pub const HNS_PER_SECOND: u64 = 10_000_000;

/// The shortest relative due time, 100 ns: what a deadline at or before `now` becomes (a zero
/// due time would mean "absolute time 0", not "now").
pub const SHORTEST_DUE_TIME: i64 = -1;

/// `ExSetTimer`'s `DueTime` for `deadline`, given the counter value `now` at which the timer is
/// being armed: `-ceil((deadline − now) × 10⁷ / frequency)`, at least 100 ns, and saturated at
/// `-i64::MAX` (29 000 years) instead of wrapping.
pub fn relative_due_time(deadline: Ticks, now: Ticks, frequency: CounterFrequency) -> i64 {
    let ticks = deadline.since(now);
    // < 2^64 · 2^24: no overflow in u128.
    let hns = (u128::from(ticks) * u128::from(HNS_PER_SECOND)).div_ceil(u128::from(frequency.hz()));
    let hns = i64::try_from(hns).unwrap_or(i64::MAX);
    if hns == 0 { SHORTEST_DUE_TIME } else { -hns }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::time::{hns_to_ticks_ceil, ticks_to_hns};
    use proptest::prelude::*;

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    #[test]
    fn ten_mhz_is_one_tick_per_hns() {
        assert_eq!(relative_due_time(Ticks(1_000), Ticks(0), F), -1_000);
        assert_eq!(relative_due_time(Ticks(15_000), Ticks(5_000), F), -10_000);
    }

    #[test]
    fn rounds_up_at_odd_frequencies() {
        // 3.579545 MHz: one tick is 2.79… hns, so one tick needs 3 hns.
        let f = CounterFrequency::new(3_579_545).unwrap();
        assert_eq!(relative_due_time(Ticks(101), Ticks(100), f), -3);
        assert_eq!(
            relative_due_time(Ticks(3_579_545), Ticks(0), f),
            -10_000_000
        );
        // 24 MHz: 1 tick = 0.41 hns → 1 hns; 24 ticks = 10 hns exactly.
        let f = CounterFrequency::new(24_000_000).unwrap();
        assert_eq!(relative_due_time(Ticks(1), Ticks(0), f), -1);
        assert_eq!(relative_due_time(Ticks(24), Ticks(0), f), -10);
        assert_eq!(relative_due_time(Ticks(25), Ticks(0), f), -11);
    }

    #[test]
    fn past_and_present_deadlines_get_the_shortest_delay() {
        assert_eq!(
            relative_due_time(Ticks(10), Ticks(10), F),
            SHORTEST_DUE_TIME
        );
        assert_eq!(
            relative_due_time(Ticks(10), Ticks(11), F),
            SHORTEST_DUE_TIME
        );
        assert_eq!(relative_due_time(Ticks(0), Ticks(u64::MAX), F), -1);
    }

    #[test]
    fn saturates_instead_of_wrapping() {
        let f = CounterFrequency::new(1).unwrap();
        assert_eq!(relative_due_time(Ticks(u64::MAX), Ticks(0), f), -i64::MAX);
        assert_eq!(relative_due_time(Ticks(u64::MAX), Ticks(0), F), -i64::MAX);
    }

    proptest! {
        /// The due time covers the whole interval (never early) and is the shortest that does
        /// (never a whole 100 ns late), in the engine's own conversions.
        #[test]
        fn never_early_and_minimal(
            now in 0u64..1 << 62,
            ahead in 1u64..1 << 40,
            hz in 1_000u64..=100_000_000,
        ) {
            let f = CounterFrequency::new(hz).unwrap();
            let due = relative_due_time(Ticks(now + ahead), Ticks(now), f);
            prop_assert!(due < 0);
            let hns = due.unsigned_abs();
            // `hns` of timer time span at least `ahead` ticks ...
            prop_assert!(u128::from(hns) * u128::from(hz) >= u128::from(ahead) * 10_000_000);
            prop_assert!(ticks_to_hns(ahead, f) <= hns);
            // ... and one 100 ns unit less would not.
            prop_assert!(u128::from(hns - 1) * u128::from(hz) < u128::from(ahead) * 10_000_000);
            prop_assert!(hns_to_ticks_ceil(hns - 1, f) <= ahead);
        }
    }
}
