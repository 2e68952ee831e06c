//! Volume and mute elements: the ACX element callbacks (EvtAcxVolumeAssignLevel /
//! RetrieveLevel, EvtAcxMuteAssignState / RetrieveState) on the engine's [`Gain`].
//!
//! Every value is validated before anything changes:
//! - a level outside [`VolumeRange::PUBLISHED`] is STATUS_INVALID_PARAMETER;
//! - a channel the element does not have is STATUS_NOT_FOUND (a distinct status, so a caller
//!   can tell "bad value" from "bad address");
//! - a mute state other than 0 or 1 is STATUS_INVALID_PARAMETER.
//!
//! Channel [`ALL_CHANNELS`] (`0xFFFF_FFFF`, the KS "master channel") addresses every channel:
//! an assignment sets all of them, a retrieval returns channel 0's value.
//!
//! The mute element has one channel (a master mute): the engine mutes a stream as a whole.
//! Per-channel mute would need a per-channel mute in [`Gain`].

use cadenza_engine::gain::{Gain, GainError};
use cadenza_engine::status::NtStatus;

/// The channel number that addresses every channel of an element.
pub const ALL_CHANNELS: u32 = u32::MAX;

/// Channels of the mute element.
pub const MUTE_CHANNELS: u32 = 1;

/// A volume element's published range, in KS 16.16 fixed-point dB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeRange {
    pub minimum: i32,
    pub maximum: i32,
    pub stepping: i32,
}

impl VolumeRange {
    /// What the engine's gain accepts.
    pub const PUBLISHED: VolumeRange = VolumeRange {
        minimum: Gain::MIN_LEVEL,
        maximum: Gain::MAX_LEVEL,
        stepping: Gain::STEP_LEVEL,
    };
}

/// Why an element request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementError {
    /// The channel is neither one of the element's channels nor [`ALL_CHANNELS`].
    NoSuchChannel,
    /// The level is outside the published range.
    LevelOutOfRange,
    /// A mute state other than 0 (off) or 1 (on).
    BadMuteState,
}

impl From<ElementError> for NtStatus {
    fn from(e: ElementError) -> NtStatus {
        match e {
            ElementError::NoSuchChannel => NtStatus::NOT_FOUND,
            ElementError::LevelOutOfRange | ElementError::BadMuteState => {
                NtStatus::INVALID_PARAMETER
            }
        }
    }
}

impl From<GainError> for ElementError {
    fn from(e: GainError) -> ElementError {
        match e {
            GainError::LevelOutOfRange => ElementError::LevelOutOfRange,
            GainError::NoSuchChannel => ElementError::NoSuchChannel,
        }
    }
}

/// Which channels a request addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    All,
    One(u32),
}

fn channel(channel: u32, channels: u32) -> Result<Channel, ElementError> {
    if channel == ALL_CHANNELS {
        Ok(Channel::All)
    } else if channel < channels {
        Ok(Channel::One(channel))
    } else {
        Err(ElementError::NoSuchChannel)
    }
}

/// EvtAcxVolumeAssignLevel on an element with `channels` channels. Nothing changes on error.
pub fn assign_volume(
    gain: &mut Gain,
    channels: u32,
    ch: u32,
    level: i32,
) -> Result<(), ElementError> {
    let target = channel(ch, channels)?;
    let r = VolumeRange::PUBLISHED;
    if !(r.minimum..=r.maximum).contains(&level) {
        return Err(ElementError::LevelOutOfRange);
    }
    match target {
        Channel::All => gain.set_all_db(level)?,
        Channel::One(c) => gain.set_channel_db(c, level)?,
    }
    Ok(())
}

/// EvtAcxVolumeRetrieveLevel.
pub fn retrieve_volume(gain: &Gain, channels: u32, ch: u32) -> Result<i32, ElementError> {
    let c = match channel(ch, channels)? {
        Channel::All => 0,
        Channel::One(c) => c,
    };
    Ok(gain.channel_db(c)?)
}

/// EvtAcxMuteAssignState (the mute element has [`MUTE_CHANNELS`] channel).
pub fn assign_mute(gain: &mut Gain, ch: u32, state: u32) -> Result<(), ElementError> {
    channel(ch, MUTE_CHANNELS)?;
    let muted = match state {
        0 => false,
        1 => true,
        _ => return Err(ElementError::BadMuteState),
    };
    gain.set_mute(muted);
    Ok(())
}

/// EvtAcxMuteRetrieveState: 1 when muted, else 0.
pub fn retrieve_mute(gain: &Gain, ch: u32) -> Result<u32, ElementError> {
    channel(ch, MUTE_CHANNELS)?;
    Ok(u32::from(gain.is_muted()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_sets_one_channel_or_all_and_reads_back_exactly() {
        let mut g = Gain::UNITY;
        assign_volume(&mut g, 2, 1, -6 << 16).unwrap();
        assert_eq!(retrieve_volume(&g, 2, 1), Ok(-6 << 16));
        assert_eq!(retrieve_volume(&g, 2, 0), Ok(0));
        // Off-step values inside the range are kept exactly as written.
        assign_volume(&mut g, 2, ALL_CHANNELS, -12_345).unwrap();
        assert_eq!(retrieve_volume(&g, 2, 0), Ok(-12_345));
        assert_eq!(retrieve_volume(&g, 2, 1), Ok(-12_345));
        assert_eq!(retrieve_volume(&g, 2, ALL_CHANNELS), Ok(-12_345));
        assign_volume(&mut g, 2, 0, Gain::MIN_LEVEL).unwrap();
        assign_volume(&mut g, 2, 0, Gain::MAX_LEVEL).unwrap();
    }

    #[test]
    fn bad_levels_and_channels_get_distinct_statuses_and_change_nothing() {
        let mut g = Gain::UNITY;
        assign_volume(&mut g, 2, 0, -3 << 16).unwrap();
        let before = g;
        for level in [Gain::MAX_LEVEL + 1, Gain::MIN_LEVEL - 1, i32::MAX, i32::MIN] {
            let e = assign_volume(&mut g, 2, 0, level).unwrap_err();
            assert_eq!(e, ElementError::LevelOutOfRange);
            assert_eq!(NtStatus::from(e), NtStatus::INVALID_PARAMETER);
            let e = assign_volume(&mut g, 2, ALL_CHANNELS, level).unwrap_err();
            assert_eq!(e, ElementError::LevelOutOfRange);
        }
        for ch in [2, 3, 15, 16, ALL_CHANNELS - 1] {
            let e = assign_volume(&mut g, 2, ch, 0).unwrap_err();
            assert_eq!(e, ElementError::NoSuchChannel);
            assert_eq!(NtStatus::from(e), NtStatus::NOT_FOUND);
            assert_eq!(retrieve_volume(&g, 2, ch), Err(ElementError::NoSuchChannel));
        }
        // An out-of-range level on a missing channel reports the channel first.
        assert_eq!(
            assign_volume(&mut g, 2, 9, i32::MAX),
            Err(ElementError::NoSuchChannel)
        );
        assert_eq!(g, before);
    }

    #[test]
    fn mute_is_a_master_mute_with_boolean_states() {
        let mut g = Gain::UNITY;
        assign_mute(&mut g, 0, 1).unwrap();
        assert!(g.is_muted());
        assert_eq!(retrieve_mute(&g, ALL_CHANNELS), Ok(1));
        assign_mute(&mut g, ALL_CHANNELS, 0).unwrap();
        assert_eq!(retrieve_mute(&g, 0), Ok(0));
        assert_eq!(assign_mute(&mut g, 0, 2), Err(ElementError::BadMuteState));
        assert_eq!(
            NtStatus::from(ElementError::BadMuteState),
            NtStatus::INVALID_PARAMETER
        );
        assert_eq!(assign_mute(&mut g, 1, 1), Err(ElementError::NoSuchChannel));
        assert_eq!(retrieve_mute(&g, 1), Err(ElementError::NoSuchChannel));
        assert!(!g.is_muted());
    }
}
