//! The KS stream state machine: STOP ↔ ACQUIRE ↔ PAUSE ↔ RUN, one step at a time.
//!
//! PortCls always steps through neighbouring states; ACX's stream callbacks map onto the
//! same machine (see [`AcxTransition`]). A request to jump (STOP → RUN) is refused with
//! STATUS_INVALID_DEVICE_STATE rather than silently walked, so a caller's bug is visible.

use crate::status::NtStatus;

/// `KSSTATE`, with its documented numeric values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum KsState {
    Stop = 0,
    Acquire = 1,
    Pause = 2,
    Run = 3,
}

impl KsState {
    /// Parses an untrusted KSSTATE value.
    pub const fn from_raw(v: u32) -> Result<KsState, StateError> {
        match v {
            0 => Ok(KsState::Stop),
            1 => Ok(KsState::Acquire),
            2 => Ok(KsState::Pause),
            3 => Ok(KsState::Run),
            _ => Err(StateError::UnknownState),
        }
    }

    pub const fn raw(self) -> u32 {
        self as u32
    }

    /// The most single steps between two states (STOP to RUN): a loop that walks with
    /// [`Self::step_towards`] is bounded by this, so a bug can stop it short, never spin it.
    pub const MAX_STEPS: usize = 3;

    /// The state one step towards `target` (or `self` if already there).
    #[must_use]
    pub const fn step_towards(self, target: KsState) -> KsState {
        let (s, t) = (self as u32, target as u32);
        let next = if t > s {
            s + 1
        } else if t < s {
            s - 1
        } else {
            s
        };
        match next {
            0 => KsState::Stop,
            1 => KsState::Acquire,
            2 => KsState::Pause,
            _ => KsState::Run,
        }
    }

    /// Checks a single transition. Setting the current state again is a no-op success.
    pub const fn check_transition(self, to: KsState) -> Result<Transition, StateError> {
        let (s, t) = (self as u32, to as u32);
        if s == t {
            Ok(Transition::Same)
        } else if s + 1 == t || t + 1 == s {
            Ok(match (self, to) {
                (KsState::Stop, _) => Transition::StopToAcquire,
                (KsState::Acquire, KsState::Stop) => Transition::AcquireToStop,
                (KsState::Acquire, _) => Transition::AcquireToPause,
                (KsState::Pause, KsState::Acquire) => Transition::PauseToAcquire,
                (KsState::Pause, _) => Transition::PauseToRun,
                (KsState::Run, _) => Transition::RunToPause,
            })
        } else {
            Err(StateError::NotAdjacent { from: self, to })
        }
    }
}

/// A legal single-step transition, named so the engine can match on what must happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Same,
    StopToAcquire,
    AcquireToStop,
    AcquireToPause,
    PauseToAcquire,
    PauseToRun,
    RunToPause,
}

/// The ACX stream callbacks that move the state machine, in ACX's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcxTransition {
    /// EvtAcxStreamPrepareHardware: STOP → ACQUIRE → PAUSE.
    PrepareHardware,
    /// EvtAcxStreamRun: PAUSE → RUN.
    Run,
    /// EvtAcxStreamPause: RUN → PAUSE.
    Pause,
    /// EvtAcxStreamReleaseHardware: PAUSE → ACQUIRE → STOP.
    ReleaseHardware,
}

impl AcxTransition {
    /// The KS steps this callback stands for, in order, and the state it must start from.
    pub const fn steps(self) -> (KsState, &'static [KsState]) {
        match self {
            AcxTransition::PrepareHardware => (KsState::Stop, &[KsState::Acquire, KsState::Pause]),
            AcxTransition::Run => (KsState::Pause, &[KsState::Run]),
            AcxTransition::Pause => (KsState::Run, &[KsState::Pause]),
            AcxTransition::ReleaseHardware => (KsState::Pause, &[KsState::Acquire, KsState::Stop]),
        }
    }
}

/// Why a state change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateError {
    /// The requested state is not a KSSTATE value.
    UnknownState,
    /// The requested state is not next to the current one.
    NotAdjacent { from: KsState, to: KsState },
}

impl From<StateError> for NtStatus {
    fn from(e: StateError) -> NtStatus {
        match e {
            StateError::UnknownState => NtStatus::INVALID_PARAMETER,
            StateError::NotAdjacent { .. } => NtStatus::INVALID_DEVICE_STATE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [KsState; 4] = [
        KsState::Stop,
        KsState::Acquire,
        KsState::Pause,
        KsState::Run,
    ];

    #[test]
    fn only_neighbours_and_self_are_legal() {
        for from in ALL {
            for to in ALL {
                let distance = (from.raw()).abs_diff(to.raw());
                let r = from.check_transition(to);
                if distance <= 1 {
                    assert!(r.is_ok(), "{from:?} -> {to:?} should be legal");
                } else {
                    assert_eq!(r, Err(StateError::NotAdjacent { from, to }));
                    assert_eq!(
                        NtStatus::from(r.unwrap_err()),
                        NtStatus::INVALID_DEVICE_STATE
                    );
                }
            }
        }
    }

    #[test]
    fn raw_values_round_trip_and_unknown_is_rejected() {
        for s in ALL {
            assert_eq!(KsState::from_raw(s.raw()), Ok(s));
        }
        assert_eq!(KsState::from_raw(4), Err(StateError::UnknownState));
        assert_eq!(
            NtStatus::from(StateError::UnknownState),
            NtStatus::INVALID_PARAMETER
        );
    }

    #[test]
    fn stepping_walks_one_state_at_a_time() {
        use KsState::{Acquire as A, Pause as P, Run as R, Stop as S};
        assert_eq!(KsState::Stop.step_towards(KsState::Run), KsState::Acquire);
        assert_eq!(KsState::Run.step_towards(KsState::Stop), KsState::Pause);
        assert_eq!(KsState::Pause.step_towards(KsState::Pause), KsState::Pause);
        // Every pair, written out: row = from, column = towards (Stop, Acquire, Pause, Run).
        let want = [
            [S, A, A, A], // from Stop
            [S, A, P, P], // from Acquire
            [A, A, P, R], // from Pause
            [P, P, P, R], // from Run
        ];
        for (from, row) in [S, A, P, R].into_iter().zip(want) {
            for (to, next) in [S, A, P, R].into_iter().zip(row) {
                assert_eq!(from.step_towards(to), next, "{from:?} towards {to:?}");
            }
            // And every walk arrives within MAX_STEPS.
            for to in [S, A, P, R] {
                let mut at = from;
                for _ in 0..KsState::MAX_STEPS {
                    at = at.step_towards(to);
                }
                assert_eq!(at, to, "{from:?} to {to:?}");
            }
        }
    }

    #[test]
    fn acx_callbacks_walk_legal_paths() {
        for t in [
            AcxTransition::PrepareHardware,
            AcxTransition::Run,
            AcxTransition::Pause,
            AcxTransition::ReleaseHardware,
        ] {
            let (mut s, steps) = t.steps();
            for &next in steps {
                assert!(s.check_transition(next).is_ok());
                s = next;
            }
        }
    }
}
