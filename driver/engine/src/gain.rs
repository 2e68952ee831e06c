//! Per-channel volume and mute that the engine applies to the audio it moves.
//!
//! Exposing a volume or mute node tells Windows that the device applies it, so the audio
//! engine stops scaling the stream in software. The cable therefore has to scale every frame
//! itself, or the endpoint slider would do nothing.
//!
//! ## Levels
//! Levels use the KSPROPERTY_AUDIO_VOLUMELEVEL encoding: signed 16.16 fixed-point decibels.
//! The node publishes [`Gain::MIN_LEVEL`] (-96 dB) to [`Gain::MAX_LEVEL`] (0 dB) in steps of
//! [`Gain::STEP_LEVEL`] (0.5 dB). Any value inside the range is accepted, on a step or not,
//! because clients may compute their own values; the level is stored exactly as written so a
//! read returns what the client set, and the linear factor is computed from the exact level.
//! -96 dB is a very quiet signal, not silence: silence is what mute is for.
//!
//! ## Linear factors
//! Each channel's factor is kept in two forms, both computed when the level is set (at
//! PASSIVE_LEVEL), never on the data path:
//! - unsigned Q2.30 (`u32`, 1.0 = `1 << 30`) for integer samples; the format could express up
//!   to just under +12 dB should the range ever grow, and the data path saturates anyway;
//! - `f32` (the Q2.30 value scaled by 2^-30) for float samples.
//!
//! 0 dB is exactly `1 << 30` and exactly `1.0`, so a unity gain is bit-exact on every path.
//!
//! ## 10^(dB/20) without libm
//! `10^(dB/20) = 2^(dB · log2(10)/20)`. The exponent is formed in Q60 from the 16.16 level and
//! a Q64 constant, split into an integer part (a shift) and a fraction `f` in [0, 1), and
//! `2^f = e^(f·ln 2)` is evaluated by its Taylor series in Q60 integer arithmetic (18 terms;
//! the argument is below ln 2, so the first omitted term is under 1e-20). The only error that
//! matters is the final rounding to Q2.30: the tests measure at most half a Q2.30 step against
//! `f64::powf` over the whole published range.

use crate::format::Channels;
use crate::status::NtStatus;

/// Why a volume property was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GainError {
    /// The level is outside [`Gain::MIN_LEVEL`]..=[`Gain::MAX_LEVEL`].
    LevelOutOfRange,
    /// The channel index names no channel of the node.
    NoSuchChannel,
}

impl From<GainError> for NtStatus {
    fn from(e: GainError) -> NtStatus {
        match e {
            // The request is well formed but the value is one the node does not accept.
            GainError::LevelOutOfRange => NtStatus::INVALID_PARAMETER,
            // The value may be fine; the channel it addresses does not exist.
            GainError::NoSuchChannel => NtStatus::NOT_FOUND,
        }
    }
}

/// Q2.30 unity.
const Q30_ONE: u32 = 1 << 30;

/// Gain and mute for up to [`Gain::CHANNELS`] channels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gain {
    /// Levels exactly as set, 16.16 dB.
    levels: [i32; Gain::CHANNELS],
    /// Linear factors, unsigned Q2.30.
    q30: [u32; Gain::CHANNELS],
    /// The same factors as `f32`.
    linear: [f32; Gain::CHANNELS],
    muted: bool,
}

impl Gain {
    /// Channels a gain can address: the most a [`Channels`] can hold.
    pub const CHANNELS: usize = Channels::MAX as usize;
    /// Lowest level the node accepts and publishes: -96 dB in 16.16.
    pub const MIN_LEVEL: i32 = -96 << 16;
    /// Highest level the node accepts and publishes: 0 dB.
    pub const MAX_LEVEL: i32 = 0;
    /// Step the node publishes: 0.5 dB in 16.16.
    pub const STEP_LEVEL: i32 = 1 << 15;
    /// The Q2.30 factor for 0 dB.
    pub const UNITY_Q30: u32 = Q30_ONE;

    /// Every channel at 0 dB, not muted.
    pub const UNITY: Gain = Gain {
        levels: [0; Gain::CHANNELS],
        q30: [Q30_ONE; Gain::CHANNELS],
        linear: [1.0; Gain::CHANNELS],
        muted: false,
    };

    fn index(channel: u32) -> Result<usize, GainError> {
        usize::try_from(channel)
            .ok()
            .filter(|&c| c < Self::CHANNELS)
            .ok_or(GainError::NoSuchChannel)
    }

    fn check_level(level: i32) -> Result<(), GainError> {
        if (Self::MIN_LEVEL..=Self::MAX_LEVEL).contains(&level) {
            Ok(())
        } else {
            Err(GainError::LevelOutOfRange)
        }
    }

    /// Sets one channel's level (16.16 dB). Nothing changes on error.
    pub fn set_channel_db(&mut self, channel: u32, level: i32) -> Result<(), GainError> {
        let c = Self::index(channel)?;
        Self::check_level(level)?;
        let q = db_to_q30(level);
        if let (Some(l), Some(g), Some(f)) = (
            self.levels.get_mut(c),
            self.q30.get_mut(c),
            self.linear.get_mut(c),
        ) {
            *l = level;
            *g = q;
            *f = q30_to_f32(q);
        }
        Ok(())
    }

    /// Sets every channel to one level (16.16 dB), e.g. for a master-channel request.
    pub fn set_all_db(&mut self, level: i32) -> Result<(), GainError> {
        Self::check_level(level)?;
        let q = db_to_q30(level);
        self.levels = [level; Self::CHANNELS];
        self.q30 = [q; Self::CHANNELS];
        self.linear = [q30_to_f32(q); Self::CHANNELS];
        Ok(())
    }

    /// One channel's level exactly as last set (16.16 dB).
    pub fn channel_db(&self, channel: u32) -> Result<i32, GainError> {
        let c = Self::index(channel)?;
        self.levels.get(c).copied().ok_or(GainError::NoSuchChannel)
    }

    /// One channel's linear factor in unsigned Q2.30.
    pub fn channel_linear_q30(&self, channel: u32) -> Result<u32, GainError> {
        let c = Self::index(channel)?;
        self.q30.get(c).copied().ok_or(GainError::NoSuchChannel)
    }

    pub fn set_mute(&mut self, muted: bool) {
        self.muted = muted;
    }

    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// True when not muted and every channel is at exactly 0 dB: the data path may copy.
    pub fn is_unity(&self) -> bool {
        !self.muted && self.q30.iter().all(|&g| g == Q30_ONE)
    }

    /// True when not muted and the first `channels` channels are at exactly 0 dB (the others
    /// cannot affect a stream with that many channels).
    pub fn is_unity_for(&self, channels: Channels) -> bool {
        !self.muted
            && self
                .q30
                .iter()
                .take(usize::from(channels.get()))
                .all(|&g| g == Q30_ONE)
    }

    pub(crate) fn q30_factors(&self) -> &[u32; Self::CHANNELS] {
        &self.q30
    }

    pub(crate) fn f32_factors(&self) -> &[f32; Self::CHANNELS] {
        &self.linear
    }
}

impl Default for Gain {
    fn default() -> Gain {
        Gain::UNITY
    }
}

fn q30_to_f32(q: u32) -> f32 {
    // Exact power-of-two scaling; the u32 -> f32 rounding (24-bit mantissa) is the only
    // approximation, and unity (1 << 30) converts exactly.
    #[allow(clippy::cast_precision_loss)] // rounding to f32's mantissa is intended
    let f = q as f32;
    f * (1.0 / 1_073_741_824.0)
}

/// Q60 one.
const Q60_ONE: u128 = 1 << 60;
/// log2(10) / 20 in Q64: turns decibels into a power of two.
const LOG2_10_OVER_20_Q64: u128 = 0x2a85_4b42_5c38_b566;
/// ln 2 in Q64.
const LN2_Q64: u128 = 0xb172_17f7_d1cf_79ac;
/// Taylor terms of e^y: with y < ln 2 the first omitted term, y^19/19!, is below 1e-20.
const EXP_TERMS: u128 = 18;

/// e^y for `y` in Q60 with 0 <= y < 1, result in Q60.
fn exp_q60(y: u128) -> u128 {
    // Horner form 1 + y(1 + y/2(1 + y/3(...))): every partial value stays in [1, e), so the
    // products are below 2^62 · 2^60 and fit u128 with room to spare.
    let mut acc = Q60_ONE;
    let mut k = EXP_TERMS;
    while k > 0 {
        acc = Q60_ONE + ((acc * y) >> 60) / k;
        k -= 1;
    }
    acc
}

/// 2^x for `x` in signed Q60, as unsigned Q2.30 rounded to nearest (saturating at
/// `u32::MAX`, flushing to 0 below half a step).
fn exp2_q60_to_q30(x: i128) -> u32 {
    let n = x >> 60; // floor of the exponent
    let frac = x - (n << 60); // in [0, 2^60)
    let Ok(frac) = u128::try_from(frac) else {
        return 0;
    };
    let mantissa = exp_q60((frac * LN2_Q64) >> 64); // 2^frac in Q60, in [1, 2)
    // value = mantissa · 2^n / 2^60 in units of 2^-30: shift right by 30 - n.
    let shift = 30 - n;
    if shift <= 0 {
        return u32::MAX; // 2^n >= 2^30: far above anything Q2.30 holds
    }
    if shift >= 64 {
        return 0; // mantissa < 2^61, so the result rounds to zero
    }
    let Ok(shift) = u32::try_from(shift) else {
        return 0;
    };
    let rounded = (mantissa + (1u128 << (shift - 1))) >> shift;
    u32::try_from(rounded).unwrap_or(u32::MAX)
}

/// 10^(level/20) in unsigned Q2.30, for a 16.16 dB level. Defined for every `i32`: levels
/// above about +12 dB saturate at `u32::MAX`, levels below about -192 dB give 0.
pub fn db_to_q30(level: i32) -> u32 {
    // |level| < 2^31 and the constant < 2^62, so the Q80 product fits i128 easily.
    let Ok(c) = i128::try_from(LOG2_10_OVER_20_Q64) else {
        return 0;
    };
    let x_q80 = i128::from(level) * c;
    let x_q60 = (x_q80 + (1 << 19)) >> 20;
    exp2_q60_to_q30(x_q60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(level: i32) -> f64 {
        f64::from(level) / 65536.0
    }

    fn exact_q30(level: i32) -> f64 {
        10f64.powf(db(level) / 20.0) * f64::from(Q30_ONE)
    }

    #[test]
    fn zero_db_is_exact_unity() {
        assert_eq!(db_to_q30(0), Q30_ONE);
        let mut g = Gain::UNITY;
        g.set_channel_db(3, 0).unwrap();
        assert_eq!(g, Gain::UNITY);
        assert!(g.is_unity());
        assert_eq!(g.f32_factors()[3].to_bits(), 1.0f32.to_bits());
    }

    /// Max error against f64 over the published range, sampled at 7/65536 dB intervals
    /// (about 900 000 levels) plus every step and both ends: at most 0.5 Q2.30 step
    /// (4.7e-10 absolute), i.e. relative error below 3e-5 at -96 dB and 5e-10 at 0 dB.
    #[test]
    fn db_to_linear_matches_f64_within_half_a_step() {
        let mut worst = 0.0f64;
        let mut worst_at = 0;
        let levels = (Gain::MIN_LEVEL..=Gain::MAX_LEVEL)
            .step_by(7)
            .chain((Gain::MIN_LEVEL..=Gain::MAX_LEVEL).step_by(Gain::STEP_LEVEL as usize))
            .chain([Gain::MIN_LEVEL, Gain::MAX_LEVEL, -1, Gain::MIN_LEVEL + 1]);
        for level in levels {
            let err = (f64::from(db_to_q30(level)) - exact_q30(level)).abs();
            if err > worst {
                worst = err;
                worst_at = level;
            }
        }
        println!(
            "db_to_q30 max error {worst:.6} Q2.30 steps at {} dB",
            db(worst_at)
        );
        assert!(
            worst <= 0.500_001,
            "error {worst} steps at {}",
            db(worst_at)
        );
    }

    #[test]
    fn known_levels() {
        // -6.0206 dB is one half; check a few round numbers to the step.
        let half = db_to_q30(-394_566); // -6.0206 dB, rounded to 16.16
        assert!((f64::from(half) / f64::from(Q30_ONE) - 0.5).abs() < 1e-5);
        assert_eq!(db_to_q30(-20 << 16), 107_374_182); // 0.1 · 2^30 = 107374182.4
        assert_eq!(db_to_q30(-40 << 16), 10_737_418); // 0.01 · 2^30 = 10737418.24
    }

    #[test]
    fn extreme_levels_saturate_or_flush() {
        assert_eq!(db_to_q30(i32::MAX), u32::MAX);
        assert_eq!(db_to_q30(i32::MIN), 0);
        assert_eq!(db_to_q30(-300 << 16), 0);
        // +12 dB is 3.98: still inside Q2.30.
        let g12 = db_to_q30(12 << 16);
        assert!((f64::from(g12) - exact_q30(12 << 16)).abs() <= 0.5);
        // Positive levels are monotonic up to saturation.
        let mut last = 0;
        for level in (Gain::MIN_LEVEL..=(13 << 16)).step_by(4099) {
            let q = db_to_q30(level);
            assert!(q >= last, "not monotonic at {}", db(level));
            last = q;
        }
    }

    #[test]
    fn levels_read_back_exactly_as_set() {
        let mut g = Gain::UNITY;
        for (ch, level) in [(0u32, -1), (1, Gain::MIN_LEVEL), (15, -123_457), (7, 0)] {
            g.set_channel_db(ch, level).unwrap();
            assert_eq!(g.channel_db(ch), Ok(level));
            assert_eq!(g.channel_linear_q30(ch), Ok(db_to_q30(level)));
        }
        assert_eq!(g.channel_db(2), Ok(0));
        assert!(!g.is_unity());
    }

    #[test]
    fn out_of_range_levels_and_channels_are_refused_distinctly() {
        let mut g = Gain::UNITY;
        assert_eq!(g.set_channel_db(0, 1), Err(GainError::LevelOutOfRange));
        assert_eq!(
            g.set_channel_db(0, Gain::MIN_LEVEL - 1),
            Err(GainError::LevelOutOfRange)
        );
        assert_eq!(g.set_channel_db(16, 0), Err(GainError::NoSuchChannel));
        assert_eq!(g.set_channel_db(u32::MAX, 0), Err(GainError::NoSuchChannel));
        // A bad channel wins over a bad level: the request addresses nothing.
        assert_eq!(g.set_channel_db(16, 1), Err(GainError::NoSuchChannel));
        assert_eq!(g.channel_db(16), Err(GainError::NoSuchChannel));
        assert_eq!(g.set_all_db(1), Err(GainError::LevelOutOfRange));
        assert_eq!(g, Gain::UNITY, "a refused request changes nothing");
        assert_eq!(
            NtStatus::from(GainError::LevelOutOfRange),
            NtStatus::INVALID_PARAMETER
        );
        assert_eq!(
            NtStatus::from(GainError::NoSuchChannel),
            NtStatus::NOT_FOUND
        );
    }

    #[test]
    fn unity_tracks_mute_and_relevant_channels() {
        let mut g = Gain::UNITY;
        g.set_mute(true);
        assert!(g.is_muted());
        assert!(!g.is_unity());
        assert!(!g.is_unity_for(Channels::MONO));
        g.set_mute(false);
        g.set_channel_db(2, -Gain::STEP_LEVEL).unwrap();
        assert!(!g.is_unity());
        assert!(g.is_unity_for(Channels::STEREO));
        assert!(!g.is_unity_for(Channels::new(3).unwrap()));
        g.set_all_db(0).unwrap();
        assert!(g.is_unity());
        g.set_all_db(-6 << 16).unwrap();
        assert!(g.q30_factors().iter().all(|&q| q == db_to_q30(-6 << 16)));
    }

    #[test]
    fn f32_factors_follow_q30() {
        let mut g = Gain::UNITY;
        for (i, level) in (Gain::MIN_LEVEL..=0)
            .step_by(Gain::STEP_LEVEL as usize * 12)
            .enumerate()
        {
            let ch = u32::try_from(i % Gain::CHANNELS).unwrap();
            g.set_channel_db(ch, level).unwrap();
            let f = f64::from(g.f32_factors()[i % Gain::CHANNELS]);
            let q = f64::from(g.q30_factors()[i % Gain::CHANNELS]) / f64::from(Q30_ONE);
            assert!((f - q).abs() <= q * 1e-7, "{f} vs {q}");
        }
    }
}
