//! Counter time and exact conversions between counter ticks and audio frames.
//!
//! Positions are never accumulated from per-wake-up increments: every position and every
//! deadline is computed from an absolute start with one multiplication and one division in
//! u128, so no rounding error can build up, however long a stream runs.

use core::num::NonZeroU64;

/// A value of the monotonic performance counter (QPC on Windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ticks(pub u64);

impl Ticks {
    pub const ZERO: Ticks = Ticks(0);

    pub const fn get(self) -> u64 {
        self.0
    }

    /// Ticks from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn since(self, earlier: Ticks) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// The counter's frequency in ticks per second (never zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CounterFrequency(NonZeroU64);

impl CounterFrequency {
    /// 10 MHz, what Windows 10/11 report on most machines.
    // 1 + 9 999 999, built without an `unwrap` (nothing here can panic, even at compile time).
    pub const TEN_MHZ: CounterFrequency =
        CounterFrequency(NonZeroU64::MIN.saturating_add(9_999_999));

    pub const fn new(hz: u64) -> Option<CounterFrequency> {
        match NonZeroU64::new(hz) {
            Some(nz) => Some(CounterFrequency(nz)),
            None => None,
        }
    }

    pub const fn hz(self) -> u64 {
        self.0.get()
    }
}

/// `floor(n / d)` for a divisor `d` fixed in advance, by one widening multiply, a subtraction
/// and two shifts instead of a hardware division (10 to 40 cycles on x64, on every position
/// read of the data path).
///
/// The method is Granlund and Montgomery's for unsigned division by an invariant integer
/// ("Division by Invariant Integers using Multiplication", PLDI 1994, §4): with
/// `l = ceil(log2 d)` and `m = floor(2^64 × (2^l − d) / d) + 1` (below 2^64 because
/// `2^l − d < d`), `t = floor(m × n / 2^64)` and `q = (t + (n − t) / 2^s1) / 2^s2` with
/// `s1 = min(l, 1)`, `s2 = max(l − 1, 0)` equals `floor(n / d)` for every u64 `n` and every
/// `d ≥ 1`. The tests compare it with `/` on the edges of the range and on random operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Divisor {
    magic: u64,
    shift1: u8,
    shift2: u8,
}

impl Divisor {
    pub const fn new(d: NonZeroU64) -> Divisor {
        let d = d.get();
        // ceil(log2 d): 0 for d = 1, else the bit length of d − 1 (1 ..= 64).
        let l = if d == 1 {
            0
        } else {
            64 - (d - 1).leading_zeros()
        };
        // 2^l − d < d ≤ 2^64 − 1, so the shifted numerator is below 2^128 and the quotient
        // plus one below 2^64.
        let numerator = ((1u128 << l) - d as u128) << 64;
        // Below 2^64 (see above): the cast keeps every bit.
        #[allow(clippy::cast_possible_truncation)]
        let magic = (numerator / d as u128 + 1) as u64;
        // l ≤ 64: the shifts fit in u8.
        #[allow(clippy::cast_possible_truncation)]
        let shift2 = l.saturating_sub(1) as u8;
        Divisor {
            magic,
            shift1: if l > 0 { 1 } else { 0 },
            shift2,
        }
    }

    /// `floor(n / d)`.
    #[inline]
    pub const fn divide(self, n: u64) -> u64 {
        let t = ((self.magic as u128 * n as u128) >> 64) as u64;
        // t ≤ n (m < 2^64), so n − t does not wrap and t + (n − t) / 2 ≤ n does not overflow.
        (t + ((n - t) >> self.shift1)) >> self.shift2
    }
}

impl CounterFrequency {
    /// Division by this frequency without a division instruction (see [`Divisor`]).
    pub const fn divisor(self) -> Divisor {
        Divisor::new(self.0)
    }
}

/// Frames completed after `ticks` at `rate` frames per second: `floor(ticks × rate / freq)`.
///
/// The product fits in u128 for any u64 × u32; the quotient fits in u64 because
/// `rate ≤ 384 000` and `freq ≥ 1` make it at most `ticks × 384 000`, which would only
/// overflow after centuries at 10 MHz — saturate rather than wrap in that case.
///
/// Fast path: while `ticks × rate` fits in 64 bits (for 384 kHz: the first 40 days of counter
/// time at 10 MHz) one 64-bit multiply and divide give the same exact quotient; the 128-bit
/// division, a library call, is left for longer spans.
pub fn ticks_to_frames(ticks: u64, rate: u32, freq: CounterFrequency) -> u64 {
    if let Some(product) = ticks.checked_mul(u64::from(rate)) {
        return product / freq.hz();
    }
    let frames = u128::from(ticks) * u128::from(rate) / u128::from(freq.hz());
    u64::try_from(frames).unwrap_or(u64::MAX)
}

/// The fewest ticks after which `frames` frames are complete: `ceil(frames × freq / rate)`.
/// `rate` of zero cannot come from a validated format; it yields `u64::MAX` (never).
pub fn frames_to_ticks_ceil(frames: u64, rate: u32, freq: CounterFrequency) -> u64 {
    if rate == 0 {
        return u64::MAX;
    }
    // Fast path as in `ticks_to_frames`: exact while the product fits in 64 bits.
    if let Some(product) = frames.checked_mul(freq.hz()) {
        return product.div_ceil(u64::from(rate));
    }
    let num = u128::from(frames) * u128::from(freq.hz());
    let ticks = num.div_ceil(u128::from(rate));
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Converts ticks to 100-ns units (the unit of kernel due times and KSRTAUDIO_HWLATENCY).
pub fn ticks_to_hns(ticks: u64, freq: CounterFrequency) -> u64 {
    let hns = u128::from(ticks) * 10_000_000 / u128::from(freq.hz());
    u64::try_from(hns).unwrap_or(u64::MAX)
}

/// Converts 100-ns units to ticks, rounding up (a timer must never fire early).
pub fn hns_to_ticks_ceil(hns: u64, freq: CounterFrequency) -> u64 {
    let ticks = (u128::from(hns) * u128::from(freq.hz())).div_ceil(10_000_000);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    /// Every position read divides by the counter frequency with a [`Divisor`]: it must be
    /// the hardware division's quotient exactly, for the edge operands of each divisor.
    #[test]
    fn divisor_equals_division_on_the_edges() {
        let divisors = [
            1u64,
            2,
            3,
            7,
            10,
            1_000,
            3_579_545,
            10_000_000,
            24_000_000,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for d in divisors {
            let div = Divisor::new(NonZeroU64::new(d).unwrap());
            let mut ns = vec![0, 1, 2, u64::MAX, u64::MAX - 1, u64::MAX / 2, d - 1, d];
            for k in [1u64, 2, 3, 1000, u64::MAX / d] {
                let m = d.saturating_mul(k);
                ns.extend([m.saturating_sub(1), m, m.saturating_add(1)]);
            }
            for n in ns {
                assert_eq!(div.divide(n), n / d, "{n} / {d}");
            }
        }
    }

    proptest! {
        /// [`Divisor`] is `/` for random operands, small and large divisors.
        #[test]
        fn divisor_equals_division(n in any::<u64>(), d in prop_oneof![1u64..=1 << 24, any::<u64>()]) {
            let d = d.max(1);
            prop_assert_eq!(Divisor::new(NonZeroU64::new(d).unwrap()).divide(n), n / d);
        }

        /// The 64-bit fast paths give exactly the 128-bit results, on both sides of the
        /// boundary where the product stops fitting in 64 bits.
        #[test]
        fn fast_paths_equal_the_128_bit_arithmetic(
            ticks in prop_oneof![0u64..1 << 40, (1u64 << 44)..(1 << 47), any::<u64>()],
            rate in 1u32..=384_000,
            hz in prop_oneof![Just(10_000_000u64), 1u64..=u64::from(u32::MAX), any::<u64>()],
        ) {
            let freq = CounterFrequency::new(hz.max(1)).unwrap();
            let wide = u128::from(ticks) * u128::from(rate) / u128::from(freq.hz());
            prop_assert_eq!(
                ticks_to_frames(ticks, rate, freq),
                u64::try_from(wide).unwrap_or(u64::MAX)
            );
            let wide = (u128::from(ticks) * u128::from(freq.hz())).div_ceil(u128::from(rate));
            prop_assert_eq!(
                frames_to_ticks_ceil(ticks, rate, freq),
                u64::try_from(wide).unwrap_or(u64::MAX)
            );
        }
    }

    #[test]
    fn one_second_is_rate_frames() {
        for rate in [44_100, 48_000, 96_000, 192_000, 384_000] {
            assert_eq!(ticks_to_frames(10_000_000, rate, F), u64::from(rate));
            assert_eq!(frames_to_ticks_ceil(u64::from(rate), rate, F), 10_000_000);
        }
    }

    #[test]
    fn frame_boundaries_are_exact_at_44k1() {
        // 441 frames at 44.1 kHz take exactly 100 000 ticks; 1 frame takes 226.75 ticks.
        assert_eq!(frames_to_ticks_ceil(441, 44_100, F), 100_000);
        assert_eq!(frames_to_ticks_ceil(1, 44_100, F), 227);
        assert_eq!(ticks_to_frames(226, 44_100, F), 0);
        assert_eq!(ticks_to_frames(227, 44_100, F), 1);
    }

    #[test]
    fn hns_round_trip_at_odd_frequency() {
        let f = CounterFrequency::new(3_579_545).unwrap();
        assert_eq!(ticks_to_hns(3_579_545, f), 10_000_000);
        assert_eq!(hns_to_ticks_ceil(10_000_000, f), 3_579_545);
        assert!(CounterFrequency::new(0).is_none());
    }

    proptest! {
        /// The deadline for frame n is the first tick at which the clock shows n frames.
        #[test]
        fn deadline_is_first_tick_showing_the_frame(
            frames in 0u64..1u64 << 40,
            rate in 8_000u32..=384_000,
            freq in 1_000_000u64..=100_000_000,
        ) {
            let f = CounterFrequency::new(freq).unwrap();
            let t = frames_to_ticks_ceil(frames, rate, f);
            prop_assert!(ticks_to_frames(t, rate, f) >= frames);
            if t > 0 {
                prop_assert!(ticks_to_frames(t - 1, rate, f) < frames);
            }
        }
    }
}
