//! Channel mapping by speaker position, for conversions between different channel counts.
//!
//! Windows names channels by speaker position (WAVEFORMATEXTENSIBLE `dwChannelMask`). The
//! cable's two sides may run different counts, so [`crate::convert`] needs to know, for each
//! destination channel, which source channels feed it and at what weight. A [`ChannelMap`]
//! is that table, computed once for a pair of channel counts (no allocation; at most
//! [`MAX_TERMS`] weighted terms) and then applied to every frame.
//!
//! ## Layouts
//! Each side's positions are those of [`ChannelMask::default_for`] its channel count: the
//! masks the driver advertises (1 = FC; 2 = FL FR; 4 = quad FL FR BL BR; 6 = 5.1 FL FR FC LFE
//! BL BR; 8 = 7.1 FL FR FC LFE BL BR SL SR; every other count the lowest `n` mask bits, so 3 =
//! FL FR FC, 5 = FL FR FC LFE BL, 7 = 5.1 + FLC, 9 = 5.1 + FLC FRC BC, and 10..=16 add SL, SR,
//! TC, TFL, TFC, TFR, TBL in that order). A format's explicit mask is not consulted: equal
//! counts are always the same layout, and so always the identity.
//!
//! ## Rules
//! Let A = 1/√2 (−3 dB, [`MINUS_3_DB`]).
//! - **Same count**: identity, channel `c` to channel `c`.
//! - **Mono source → two or more channels**: the mono signal is a phantom centre, not a
//!   centre speaker: FL and FR each get it at A (the total power is the source's), nothing
//!   else does — not FC, not LFE, not the surrounds. (Every advertised layout of two or more
//!   channels has FL and FR; a layout with FC but without them would get it on FC at 1.)
//! - **Any source → mono**: the mean of every source channel except LFE (weight 1/k for k
//!   non-LFE channels); LFE is dropped. In the integer domain the mean truncates toward zero.
//! - **Otherwise**, per source position: a position the destination also has goes to that
//!   position at 1 (1:1); LFE goes only to LFE and is dropped when the destination has none; any
//!   other position is folded by the first alternative of [`FOLDS`] whose positions the
//!   destination all has:
//!
//! | source position | alternatives, first that fits | coefficient |
//! |---|---|---|
//! | FC | FL + FR | A each |
//! | FLC / FRC | FL / FR | 1 |
//! | BL / BR | SL / SR; else FL / FR | 1; A |
//! | SL / SR | BL / BR; else FL / FR | 1; A |
//! | BC | BL + BR; else SL + SR; else FL + FR | A each; A each; ½ each |
//! | TC, TFC | FC; else FL + FR | A; ½ each |
//! | TFL / TFR | FL / FR | A |
//! | TBL / TBR | BL / BR; else SL / SR; else FL / FR | A; A; ½ |
//! | TBC | BL + BR; else SL + SR; else FL + FR | ½ each; ½ each; A/2 each |
//!
//!   Positions only the destination has stay silent: stereo → 5.1 or 7.1 is FL → FL,
//!   FR → FR, and centre, LFE and surrounds silent (a conservative upmix, no synthesis).
//! - **Normalisation**: when a fold makes some destination channel's coefficients sum (in
//!   absolute value) to more than 1, every coefficient of the map is divided by the largest
//!   such sum. A full-scale signal on every source channel therefore cannot exceed full scale
//!   on any output, and the balance between channels is kept (a per-channel rescale would make
//!   FL and FR differ in level for a 5-channel destination, which has BL but no BR). The cost
//!   is level: 5.1 → stereo is L = (FL + A·FC + A·BL) / (1 + 2A), 7.1 → 5.1 halves every
//!   channel (BL = (BL + SL) / 2, FL = FL / 2).
//!
//! Consequences the tests check for every pair of counts: LFE reaches an output only from a
//! source LFE; a source position reaches only the positions the rules above name; no source
//! channel is amplified (the squares of its coefficients sum to at most 1) and every non-LFE
//! source channel reaches the output; no output's coefficients sum to more than 1 in
//! absolute value. When every source position exists in the destination (stereo → 5.1,
//! 5.1 → 7 channels, ...) the map is a plain routing at coefficient 1, which [`crate::convert`]
//! runs without arithmetic beyond a 1:1 conversion, so those outputs are exactly what a
//! same-count conversion would give.

use crate::format::{ChannelMask, Channels};

/// Speaker positions as bit indices of `dwChannelMask` (SPEAKER_FRONT_LEFT = bit 0).
pub mod speaker {
    pub const FRONT_LEFT: u8 = 0;
    pub const FRONT_RIGHT: u8 = 1;
    pub const FRONT_CENTER: u8 = 2;
    pub const LOW_FREQUENCY: u8 = 3;
    pub const BACK_LEFT: u8 = 4;
    pub const BACK_RIGHT: u8 = 5;
    pub const FRONT_LEFT_OF_CENTER: u8 = 6;
    pub const FRONT_RIGHT_OF_CENTER: u8 = 7;
    pub const BACK_CENTER: u8 = 8;
    pub const SIDE_LEFT: u8 = 9;
    pub const SIDE_RIGHT: u8 = 10;
    pub const TOP_CENTER: u8 = 11;
    pub const TOP_FRONT_LEFT: u8 = 12;
    pub const TOP_FRONT_CENTER: u8 = 13;
    pub const TOP_FRONT_RIGHT: u8 = 14;
    pub const TOP_BACK_LEFT: u8 = 15;
    pub const TOP_BACK_CENTER: u8 = 16;
    pub const TOP_BACK_RIGHT: u8 = 17;
    /// Number of defined positions.
    pub const COUNT: usize = 18;
}

use speaker::{
    BACK_LEFT as BL, BACK_RIGHT as BR, FRONT_CENTER as FC, FRONT_LEFT as FL, FRONT_RIGHT as FR,
    LOW_FREQUENCY as LFE, SIDE_LEFT as SL, SIDE_RIGHT as SR,
};

/// 1/√2: −3 dB, the constant-power weight of a signal split over two speakers or moved from
/// the surround (or height) ring to the one below it.
pub const MINUS_3_DB: f32 = core::f32::consts::FRAC_1_SQRT_2;
const A: f32 = MINUS_3_DB;
/// Two −3 dB steps.
const HALF: f32 = 0.5;
/// Three −3 dB steps.
const A_HALF: f32 = MINUS_3_DB * 0.5;

/// Most weighted terms a map holds: 16 source channels, each folded to at most two outputs.
pub const MAX_TERMS: usize = 2 * Channels::MAX as usize;

const CH: usize = Channels::MAX as usize;

/// Where a source position goes when the destination lacks it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fold {
    /// One destination position, at this coefficient.
    One(u8, f32),
    /// A left/right pair of destination positions, each at this coefficient.
    Pair(u8, u8, f32),
}

impl Fold {
    /// True when the destination mask has every position this fold names.
    const fn fits(self, mask: u32) -> bool {
        match self {
            Fold::One(p, _) => mask & bit(p) != 0,
            Fold::Pair(l, r, _) => mask & bit(l) != 0 && mask & bit(r) != 0,
        }
    }
}

/// For each position (indexed by its mask bit), the alternatives tried in order when the
/// destination lacks it; the first whose positions the destination all has is used. Empty:
/// the position is dropped (LFE always; FL and FR are in every advertised layout of two or
/// more channels, and mono destinations take the mean instead).
pub const FOLDS: [&[Fold]; speaker::COUNT] = [
    /* FL  */ &[],
    /* FR  */ &[],
    /* FC  */ &[Fold::Pair(FL, FR, A)],
    /* LFE */ &[],
    /* BL  */ &[Fold::One(SL, 1.0), Fold::One(FL, A)],
    /* BR  */ &[Fold::One(SR, 1.0), Fold::One(FR, A)],
    /* FLC */ &[Fold::One(FL, 1.0)],
    /* FRC */ &[Fold::One(FR, 1.0)],
    /* BC  */
    &[
        Fold::Pair(BL, BR, A),
        Fold::Pair(SL, SR, A),
        Fold::Pair(FL, FR, HALF),
    ],
    /* SL  */ &[Fold::One(BL, 1.0), Fold::One(FL, A)],
    /* SR  */ &[Fold::One(BR, 1.0), Fold::One(FR, A)],
    /* TC  */ &[Fold::One(FC, A), Fold::Pair(FL, FR, HALF)],
    /* TFL */ &[Fold::One(FL, A)],
    /* TFC */ &[Fold::One(FC, A), Fold::Pair(FL, FR, HALF)],
    /* TFR */ &[Fold::One(FR, A)],
    /* TBL */ &[Fold::One(BL, A), Fold::One(SL, A), Fold::One(FL, HALF)],
    /* TBC */
    &[
        Fold::Pair(BL, BR, HALF),
        Fold::Pair(SL, SR, HALF),
        Fold::Pair(FL, FR, A_HALF),
    ],
    /* TBR */ &[Fold::One(BR, A), Fold::One(SR, A), Fold::One(FR, HALF)],
];

/// A mono source spread over two or more channels.
pub const MONO_SOURCE: &[Fold] = &[Fold::Pair(FL, FR, A), Fold::One(FC, 1.0)];

/// The mask bit of a position; zero for an index past the mask.
const fn bit(position: u8) -> u32 {
    match 1u32.checked_shl(position as u32) {
        Some(b) => b,
        None => 0,
    }
}

/// The speaker position (mask bit index) of `channel` in the layout advertised for
/// `channels`, or `None` past the last channel.
pub fn speaker_position(channels: Channels, channel: usize) -> Option<u8> {
    positions(ChannelMask::default_for(channels).bits())
        .get(channel)
        .copied()
        .flatten()
}

/// The channel that carries `position` in the layout advertised for `channels`, if any.
pub fn channel_of(channels: Channels, position: u8) -> Option<usize> {
    index_in(ChannelMask::default_for(channels).bits(), position).map(usize::from)
}

/// The position of each channel of `mask`, lowest bit first.
fn positions(mask: u32) -> [Option<u8>; CH] {
    let mut out = [None; CH];
    let mut slots = out.iter_mut();
    for p in (0u8..).take(speaker::COUNT) {
        if mask & bit(p) != 0
            && let Some(slot) = slots.next()
        {
            *slot = Some(p);
        }
    }
    out
}

/// The channel index of `position` in `mask`: the number of positions below it.
fn index_in(mask: u32, position: u8) -> Option<u8> {
    let b = bit(position);
    if mask & b == 0 {
        return None;
    }
    u8::try_from((mask & b.wrapping_sub(1)).count_ones()).ok()
}

/// One weighted term: `coeff · source channel` added into a destination channel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Term {
    pub(crate) src: u8,
    pub(crate) dst: u8,
    pub(crate) coeff: f32,
}

/// A general weighted map: each destination channel is the sum of its terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Mix {
    /// Sorted by destination channel, so each channel's terms are one run.
    terms: [Term; MAX_TERMS],
    len: u8,
    /// `ends[d]`: where destination channel `d`'s run of terms ends (the runs are contiguous
    /// from 0); an empty run is a silent channel.
    pub(crate) ends: [u8; CH],
}

impl Mix {
    pub(crate) fn terms(&self) -> &[Term] {
        self.terms.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// How a map is applied, chosen when it is built.
// The engine has no allocator to box the large variant with, and a map is built once per
// stream pair (or once per call, on the stack: under 300 bytes).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Plan {
    /// Same layout: channel `c` to channel `c`.
    Identity,
    /// Each destination channel copies the named source channel at coefficient 1, or is
    /// silent.
    Route([Option<u8>; CH]),
    /// Mono destination: the mean of the included source channels (`count` of them, >= 1).
    Mean { include: [bool; CH], count: u16 },
    /// Weighted sums.
    Mix(Mix),
}

/// The channel mapping between two channel counts; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelMap {
    src: Channels,
    dst: Channels,
    plan: Plan,
}

impl ChannelMap {
    /// The map from the layout advertised for `src` channels to the one for `dst` channels.
    /// Costs a few hundred table lookups at most; compute it once per stream pair.
    pub fn new(src: Channels, dst: Channels) -> ChannelMap {
        let plan = if src == dst {
            Plan::Identity
        } else if dst == Channels::MONO {
            mean_plan(src)
        } else {
            mix_plan(src, dst)
        };
        ChannelMap { src, dst, plan }
    }

    pub fn src_channels(&self) -> Channels {
        self.src
    }

    pub fn dst_channels(&self) -> Channels {
        self.dst
    }

    /// True when channel `c` maps to channel `c` (equal counts).
    pub fn is_identity(&self) -> bool {
        matches!(self.plan, Plan::Identity)
    }

    /// The weight of source channel `src` in destination channel `dst` (0 for no path or
    /// out-of-range indices).
    pub fn coefficient(&self, dst: usize, src: usize) -> f32 {
        match &self.plan {
            Plan::Identity => {
                if dst == src && dst < usize::from(self.dst.get()) {
                    1.0
                } else {
                    0.0
                }
            }
            Plan::Route(route) => match route.get(dst) {
                Some(Some(s)) if usize::from(*s) == src => 1.0,
                _ => 0.0,
            },
            Plan::Mean { include, count } => {
                if dst == 0 && include.get(src) == Some(&true) {
                    1.0 / f32::from(*count)
                } else {
                    0.0
                }
            }
            Plan::Mix(mix) => mix
                .terms()
                .iter()
                .filter(|t| usize::from(t.dst) == dst && usize::from(t.src) == src)
                .map(|t| t.coeff)
                .sum(),
        }
    }

    pub(crate) fn plan(&self) -> &Plan {
        &self.plan
    }
}

/// Mono destination: every source channel but LFE, equally weighted.
fn mean_plan(src: Channels) -> Plan {
    let mut include = [false; CH];
    let mut count = 0u16;
    for (inc, pos) in include
        .iter_mut()
        .zip(positions(ChannelMask::default_for(src).bits()))
    {
        if let Some(p) = pos
            && p != LFE
        {
            *inc = true;
            count += 1;
        }
    }
    Plan::Mean {
        include,
        // Every advertised layout of two or more channels has FL; never zero in practice.
        count: count.max(1),
    }
}

/// Two or more destination channels, a different count from the source.
fn mix_plan(src: Channels, dst: Channels) -> Plan {
    let dmask = ChannelMask::default_for(dst).bits();
    let mono_source = src == Channels::MONO;
    let mut mix = Mix {
        terms: [Term {
            src: 0,
            dst: 0,
            coeff: 0.0,
        }; MAX_TERMS],
        len: 0,
        ends: [0; CH],
    };
    let mut feeds = [0u8; CH];
    let mut row_sum = [0f32; CH];
    let mut push = |mix: &mut Mix, src: u8, position: u8, coeff: f32| {
        let Some(dst) = index_in(dmask, position) else {
            return;
        };
        let d = usize::from(dst);
        let (Some(slot), Some(n), Some(sum)) = (
            mix.terms.get_mut(usize::from(mix.len)),
            feeds.get_mut(d),
            row_sum.get_mut(d),
        ) else {
            return;
        };
        *slot = Term { src, dst, coeff };
        mix.len += 1;
        *n += 1;
        *sum += coeff.abs();
    };
    for (ch, pos) in (0u8..).zip(positions(ChannelMask::default_for(src).bits())) {
        let Some(pos) = pos else { break };
        let direct = [Fold::One(pos, 1.0)];
        let alternatives: &[Fold] = if mono_source {
            MONO_SOURCE
        } else if dmask & bit(pos) != 0 {
            &direct
        } else {
            FOLDS.get(usize::from(pos)).copied().unwrap_or(&[])
        };
        match alternatives.iter().find(|f| f.fits(dmask)) {
            Some(&Fold::One(p, c)) => push(&mut mix, ch, p, c),
            Some(&Fold::Pair(l, r, c)) => {
                push(&mut mix, ch, l, c);
                push(&mut mix, ch, r, c);
            }
            None => {} // dropped
        }
    }
    let len = usize::from(mix.len);
    if let Some(terms) = mix.terms.get_mut(..len) {
        // (dst, src) is unique per term, so the order is fully determined.
        terms.sort_unstable_by_key(|t| (t.dst, t.src));
    }
    let mut end = 0u8;
    for (e, &n) in mix.ends.iter_mut().zip(&feeds) {
        end += n;
        *e = end;
    }
    let largest = row_sum.iter().copied().fold(0.0, f32::max);
    if largest > 1.0 {
        let scale = 1.0 / largest;
        for t in mix.terms.iter_mut().take(len) {
            t.coeff *= scale;
        }
        return Plan::Mix(mix);
    }
    // Exactly 1, not nearly: a routing skips the multiply, so it must be the same number.
    #[allow(clippy::float_cmp)]
    let routing = mix.terms().iter().all(|t| t.coeff == 1.0) && feeds.iter().all(|&n| n <= 1);
    if !routing {
        return Plan::Mix(mix);
    }
    let mut route = [None; CH];
    for t in mix.terms() {
        if let Some(r) = route.get_mut(usize::from(t.dst)) {
            *r = Some(t.src);
        }
    }
    Plan::Route(route)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::vec::Vec;

    /// Channel counts whose pairs every property is checked on (all 1..=16 are, below).
    fn ch(n: u16) -> Channels {
        Channels::new(n).unwrap()
    }

    fn all_counts() -> impl Iterator<Item = Channels> + Clone {
        (1..=16).map(ch)
    }

    /// 1/√2 in f64, independently of the module's constant.
    fn a() -> f64 {
        0.5f64.sqrt()
    }

    /// The full matrix, `[dst][src]`, as f64.
    fn matrix(src: u16, dst: u16) -> Vec<Vec<f64>> {
        let m = ChannelMap::new(ch(src), ch(dst));
        (0..usize::from(dst))
            .map(|d| {
                (0..usize::from(src))
                    .map(|s| f64::from(m.coefficient(d, s)))
                    .collect()
            })
            .collect()
    }

    fn assert_matrix(src: u16, dst: u16, want: &[&[f64]]) {
        let got = matrix(src, dst);
        assert_eq!(got.len(), want.len(), "{src}->{dst} rows");
        for (d, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(g.len(), w.len(), "{src}->{dst} row {d}");
            for (s, (g, w)) in g.iter().zip(w.iter()).enumerate() {
                assert!(
                    (g - w).abs() < 1e-6,
                    "{src}->{dst} [{d}][{s}] = {g}, want {w}\n{got:?}"
                );
            }
        }
    }

    // Positions by name, written out here rather than taken from the module.
    pub(crate) const P_FL: u8 = 0;
    pub(crate) const P_FR: u8 = 1;
    pub(crate) const P_FC: u8 = 2;
    pub(crate) const P_LFE: u8 = 3;
    const P_BL: u8 = 4;
    const P_BR: u8 = 5;
    const P_FLC: u8 = 6;
    const P_FRC: u8 = 7;
    const P_BC: u8 = 8;
    const P_SL: u8 = 9;
    const P_SR: u8 = 10;
    const P_TC: u8 = 11;
    const P_TFL: u8 = 12;
    const P_TFC: u8 = 13;
    const P_TFR: u8 = 14;
    const P_TBL: u8 = 15;

    /// The advertised layouts, written out from the KSAUDIO_SPEAKER_* conventions.
    pub(crate) fn layout(n: u16) -> Vec<u8> {
        match n {
            1 => vec![P_FC],
            2 => vec![P_FL, P_FR],
            4 => vec![P_FL, P_FR, P_BL, P_BR],
            6 => vec![P_FL, P_FR, P_FC, P_LFE, P_BL, P_BR],
            8 => vec![P_FL, P_FR, P_FC, P_LFE, P_BL, P_BR, P_SL, P_SR],
            n => (0..u8::try_from(n).unwrap()).collect(),
        }
    }

    #[test]
    fn positions_follow_the_advertised_layouts() {
        for n in 1..=16 {
            let got: Vec<u8> = (0..16).map_while(|c| speaker_position(ch(n), c)).collect();
            assert_eq!(got, layout(n), "{n} channels");
            for (c, &p) in layout(n).iter().enumerate() {
                assert_eq!(channel_of(ch(n), p), Some(c));
            }
        }
        assert_eq!(channel_of(ch(2), P_FC), None);
    }

    #[test]
    fn equal_counts_are_the_identity() {
        for c in all_counts() {
            let m = ChannelMap::new(c, c);
            assert!(m.is_identity());
            let n = usize::from(c.get());
            // Indices past the channel count have no path, the diagonal's included.
            assert_eq!(
                m.coefficient(n, n).to_bits(),
                0,
                "{n}: channel {n} does not exist"
            );
            for other in all_counts().filter(|&o| o != c) {
                assert!(!ChannelMap::new(c, other).is_identity(), "{n} -> {other:?}");
            }
            for d in 0..n {
                for s in 0..n {
                    let want: f32 = if d == s { 1.0 } else { 0.0 };
                    assert_eq!(m.coefficient(d, s).to_bits(), want.to_bits());
                }
            }
        }
    }

    #[test]
    fn mono_goes_to_front_left_and_right_at_minus_3_db() {
        let a = a();
        assert_matrix(1, 2, &[&[a], &[a]]);
        // 5.1: FL FR only; not FC, not LFE, not the surrounds.
        assert_matrix(1, 6, &[&[a], &[a], &[0.0], &[0.0], &[0.0], &[0.0]]);
        assert_matrix(1, 3, &[&[a], &[a], &[0.0]]);
        for dst in 2..=16 {
            let m = matrix(1, dst);
            assert!((m[0][0] - a).abs() < 1e-7, "1->{dst}");
            assert_eq!(m[0][0].to_bits(), m[1][0].to_bits(), "1->{dst}: FL = FR");
            assert!(m[2..].iter().all(|r| r[0] == 0.0), "1->{dst}");
        }
    }

    #[test]
    fn stereo_upmix_is_conservative() {
        // FL -> FL, FR -> FR at exactly 1; centre, LFE and surrounds silent.
        let z = &[0.0, 0.0][..];
        assert_matrix(2, 6, &[&[1.0, 0.0], &[0.0, 1.0], z, z, z, z]);
        assert_matrix(2, 8, &[&[1.0, 0.0], &[0.0, 1.0], z, z, z, z, z, z]);
        assert_matrix(2, 4, &[&[1.0, 0.0], &[0.0, 1.0], z, z]);
        assert!(matches!(
            ChannelMap::new(ch(2), ch(6)).plan(),
            Plan::Route(_)
        ));
    }

    #[test]
    fn surround_downmixes_to_stereo_itu_style_normalised() {
        let a = a();
        // 5.1 (FL FR FC LFE BL BR): L = FL + a·FC + a·BL, R likewise; LFE dropped; the
        // largest row sums to 1 + 2a, so everything is divided by it.
        let k = 1.0 / (1.0 + 2.0 * a);
        assert_matrix(
            6,
            2,
            &[
                &[k, 0.0, a * k, 0.0, a * k, 0.0],
                &[0.0, k, a * k, 0.0, 0.0, a * k],
            ],
        );
        // 7.1 (… BL BR SL SR): back and side surrounds both at a; row sum 1 + 3a.
        let k = 1.0 / (1.0 + 3.0 * a);
        assert_matrix(
            8,
            2,
            &[
                &[k, 0.0, a * k, 0.0, a * k, 0.0, a * k, 0.0],
                &[0.0, k, a * k, 0.0, 0.0, a * k, 0.0, a * k],
            ],
        );
        // Quad: L = FL + a·BL.
        let k = 1.0 / (1.0 + a);
        assert_matrix(4, 2, &[&[k, 0.0, a * k, 0.0], &[0.0, k, 0.0, a * k]]);
        // 3.0: L = FL + a·FC.
        assert_matrix(3, 2, &[&[k, 0.0, a * k], &[0.0, k, a * k]]);
        // 5 channels (FL FR FC LFE BL): L has BL, R has none; one scale for both keeps the
        // FL/FR balance.
        let k = 1.0 / (1.0 + 2.0 * a);
        assert_matrix(
            5,
            2,
            &[&[k, 0.0, a * k, 0.0, a * k], &[0.0, k, a * k, 0.0, 0.0]],
        );
    }

    #[test]
    fn surround_to_surround_keeps_common_positions() {
        let a = a();
        // 7.1 -> 5.1: sides fold into the backs at 1; the back rows sum to 2.
        let h = 0.5;
        assert_matrix(
            8,
            6,
            &[
                &[h, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                &[0.0, h, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                &[0.0, 0.0, h, 0.0, 0.0, 0.0, 0.0, 0.0],
                &[0.0, 0.0, 0.0, h, 0.0, 0.0, 0.0, 0.0],
                &[0.0, 0.0, 0.0, 0.0, h, 0.0, h, 0.0],
                &[0.0, 0.0, 0.0, 0.0, 0.0, h, 0.0, h],
            ],
        );
        // 5.1 -> quad: FC splits over FL and FR, LFE dropped, backs 1:1.
        let k = 1.0 / (1.0 + a);
        assert_matrix(
            6,
            4,
            &[
                &[k, 0.0, a * k, 0.0, 0.0, 0.0],
                &[0.0, k, a * k, 0.0, 0.0, 0.0],
                &[0.0, 0.0, 0.0, 0.0, k, 0.0],
                &[0.0, 0.0, 0.0, 0.0, 0.0, k],
            ],
        );
        // Quad -> 5.1: every position exists, at 1; FC and LFE silent.
        let z = &[0.0; 4][..];
        assert_matrix(
            4,
            6,
            &[
                &[1.0, 0.0, 0.0, 0.0],
                &[0.0, 1.0, 0.0, 0.0],
                z,
                z,
                &[0.0, 0.0, 1.0, 0.0],
                &[0.0, 0.0, 0.0, 1.0],
            ],
        );
        // 5.1 -> 7.1 is the first six channels.
        let mut want = vec![vec![0.0; 6]; 8];
        for (i, row) in want.iter_mut().enumerate().take(6) {
            row[i] = 1.0;
        }
        let want: Vec<&[f64]> = want.iter().map(Vec::as_slice).collect();
        assert_matrix(6, 8, &want);
    }

    #[test]
    fn sixteen_channels_fold_to_stereo() {
        let a = a();
        // FL FR FC LFE BL BR FLC FRC BC SL SR TC TFL TFC TFR TBL, with stereo's rules:
        // FC a; BL a; FLC 1; BC ½; SL a; TC ½; TFL a; TFC ½; TBL ½ (into FL). Left sums to
        // 1 + a + a + 1 + ½ + a + ½ + a + ½ + ½ = 4 + 4a, right to 3.5 + 4a (no TBR).
        let k = 1.0 / (4.0 + 4.0 * a);
        let l = [
            1.0, 0.0, a, 0.0, a, 0.0, 1.0, 0.0, 0.5, a, 0.0, 0.5, a, 0.5, 0.0, 0.5,
        ]
        .map(|c| c * k);
        let r = [
            0.0, 1.0, a, 0.0, 0.0, a, 0.0, 1.0, 0.5, 0.0, a, 0.5, 0.0, 0.5, a, 0.0,
        ]
        .map(|c| c * k);
        assert_matrix(16, 2, &[&l, &r]);
    }

    #[test]
    fn mono_destination_is_the_mean_without_lfe() {
        assert_matrix(2, 1, &[&[0.5, 0.5]]);
        let f = 1.0 / 5.0;
        assert_matrix(6, 1, &[&[f, f, f, 0.0, f, f]]);
        let f = 1.0 / 3.0;
        assert_matrix(3, 1, &[&[f, f, f]]);
        let f = 1.0 / 15.0;
        let mut row = [f; 16];
        row[3] = 0.0;
        assert_matrix(16, 1, &[&row]);
    }

    /// Every destination position the documented rules allow source position `p` to reach
    /// (the union of its alternatives), from the table in the module docs.
    pub(crate) fn allowed(p: u8) -> Vec<u8> {
        match p {
            P_FC => vec![P_FL, P_FR],
            P_BL => vec![P_SL, P_FL],
            P_BR => vec![P_SR, P_FR],
            P_FLC | P_TFL => vec![P_FL],
            P_FRC | P_TFR => vec![P_FR],
            P_BC => vec![P_BL, P_BR, P_SL, P_SR, P_FL, P_FR],
            P_SL => vec![P_BL, P_FL],
            P_SR => vec![P_BR, P_FR],
            P_TC | P_TFC => vec![P_FC, P_FL, P_FR],
            P_TBL => vec![P_BL, P_SL, P_FL],
            _ => vec![], // FL, FR and LFE are never folded
        }
    }

    #[test]
    fn every_pair_keeps_the_promises() {
        for sc in all_counts() {
            for dc in all_counts() {
                let m = ChannelMap::new(sc, dc);
                let (sn, dn) = (usize::from(sc.get()), usize::from(dc.get()));
                let (sl, dl) = (layout(sc.get()), layout(dc.get()));
                // No output can clip: each row's absolute coefficients sum to at most 1.
                for d in 0..dn {
                    let sum: f32 = (0..sn).map(|s| m.coefficient(d, s).abs()).sum();
                    assert!(sum <= 1.0 + 1e-6, "{sn}->{dn} row {d} sums to {sum}");
                }
                for (s, &sp) in sl.iter().enumerate() {
                    let col: Vec<f32> = (0..dn).map(|d| m.coefficient(d, s)).collect();
                    let energy: f32 = col.iter().map(|c| c * c).sum();
                    assert!(
                        col.iter().all(|&c| c >= 0.0),
                        "{sn}->{dn}: no phase inversion"
                    );
                    assert!(energy <= 1.0 + 1e-6, "{sn}->{dn} ch {s}: amplified");
                    let reached: Vec<u8> = col
                        .iter()
                        .zip(&dl)
                        .filter(|(c, _)| **c != 0.0)
                        .map(|(_, &p)| p)
                        .collect();
                    if sp == P_LFE {
                        // LFE reaches only LFE, and only when both sides have it.
                        let want = if dl.contains(&P_LFE) {
                            vec![P_LFE]
                        } else {
                            vec![]
                        };
                        assert_eq!(reached, want, "{sn}->{dn} LFE");
                        continue;
                    }
                    assert!(energy > 0.0, "{sn}->{dn} ch {s} dropped");
                    assert!(!reached.contains(&P_LFE), "{sn}->{dn} ch {s} into LFE");
                    let want: Vec<u8> = if sn == dn {
                        vec![sp]
                    } else if dn == 1 {
                        vec![P_FC]
                    } else if sn == 1 {
                        vec![P_FL, P_FR]
                    } else if dl.contains(&sp) {
                        vec![sp]
                    } else {
                        allowed(sp)
                    };
                    assert!(
                        reached.iter().all(|p| want.contains(p)),
                        "{sn}->{dn} position {sp} reached {reached:?}, allowed {want:?}"
                    );
                    if sn == dn || (sn > 1 && dn > 1 && dl.contains(&sp)) {
                        assert_eq!(reached, vec![sp], "{sn}->{dn}: common positions 1:1");
                    }
                }
            }
        }
    }

    /// The fold a missing source position takes, written out from the table in the module
    /// docs: its alternatives in order, each a list of destination positions and the
    /// coefficient each gets (before normalisation).
    fn documented_alternatives(p: u8) -> Vec<(Vec<u8>, f64)> {
        let a = a();
        match p {
            P_FC => vec![(vec![P_FL, P_FR], a)],
            P_FLC => vec![(vec![P_FL], 1.0)],
            P_FRC => vec![(vec![P_FR], 1.0)],
            P_BL => vec![(vec![P_SL], 1.0), (vec![P_FL], a)],
            P_BR => vec![(vec![P_SR], 1.0), (vec![P_FR], a)],
            P_SL => vec![(vec![P_BL], 1.0), (vec![P_FL], a)],
            P_SR => vec![(vec![P_BR], 1.0), (vec![P_FR], a)],
            P_BC => vec![
                (vec![P_BL, P_BR], a),
                (vec![P_SL, P_SR], a),
                (vec![P_FL, P_FR], 0.5),
            ],
            P_TC | P_TFC => vec![(vec![P_FC], a), (vec![P_FL, P_FR], 0.5)],
            P_TFL => vec![(vec![P_FL], a)],
            P_TFR => vec![(vec![P_FR], a)],
            P_TBL => vec![(vec![P_BL], a), (vec![P_SL], a), (vec![P_FL], 0.5)],
            _ => vec![],
        }
    }

    /// Promise: a position the destination lacks goes to the first documented alternative
    /// whose speakers the destination has *all* of — never to half of a pair (a 5-channel
    /// destination has BL but not BR, so a back-centre source goes to FL + FR at ½, not to
    /// BL alone) — at the documented coefficient relative to the 1:1 channels.
    #[test]
    fn each_missing_position_takes_the_first_alternative_the_destination_has_in_full() {
        let mut checked = 0;
        for sn in 2..=16u16 {
            for dn in 2..=16u16 {
                let (sl, dl) = (layout(sn), layout(dn));
                let m = ChannelMap::new(ch(sn), ch(dn));
                // FL is in every layout of two or more channels and goes 1:1, so its
                // coefficient is the map's normalisation factor.
                let k = f64::from(m.coefficient(0, 0));
                assert!(k > 0.0, "{sn}->{dn}: FL->FL");
                for (s, &sp) in sl.iter().enumerate() {
                    if dl.contains(&sp) || sp == P_LFE {
                        continue;
                    }
                    let alternatives = documented_alternatives(sp);
                    let Some((targets, coeff)) = alternatives
                        .iter()
                        .find(|(targets, _)| targets.iter().all(|t| dl.contains(t)))
                    else {
                        panic!("{sn}->{dn}: position {sp} has no documented fold that fits");
                    };
                    for (d, &dp) in dl.iter().enumerate() {
                        let got = f64::from(m.coefficient(d, s)) / k;
                        let want = if targets.contains(&dp) { *coeff } else { 0.0 };
                        assert!(
                            (got - want).abs() < 1e-5,
                            "{sn}->{dn}: position {sp} into {dp} at {got}, want {want}"
                        );
                    }
                    checked += 1;
                }
            }
        }
        // Every layout pair with a missing position was looked at (a loop that skipped
        // everything would pass the asserts above vacuously).
        assert!(checked > 500, "only {checked} folds checked");
    }

    #[test]
    fn a_map_is_small() {
        // The DPC may build one on its stack per call: keep it within the documented bound.
        assert!(core::mem::size_of::<ChannelMap>() <= 300);
    }

    #[test]
    fn plans_route_only_at_unity() {
        for sc in all_counts() {
            for dc in all_counts() {
                let m = ChannelMap::new(sc, dc);
                let (sn, dn) = (usize::from(sc.get()), usize::from(dc.get()));
                let subset = layout(sc.get())
                    .iter()
                    .all(|p| layout(dc.get()).contains(p));
                let plan_is_route = matches!(m.plan(), Plan::Route(_));
                // Routing exactly when every source position exists in a wider destination.
                assert_eq!(plan_is_route, sn != dn && sn > 1 && subset, "{sn}->{dn}");
                if let Plan::Mix(mix) = m.plan() {
                    assert!(mix.terms().len() <= MAX_TERMS);
                }
            }
        }
    }
}
