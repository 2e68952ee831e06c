//! Multi-step state changes (ACX's EvtAcxStreamPrepareHardware STOP → ACQUIRE → PAUSE,
//! EvtAcxStreamReleaseHardware PAUSE → ACQUIRE → STOP, …) go through
//! `DeviceHost::set_state_path`. The promise to the framework: a callback that fails has
//! changed nothing — the stream is back in the state it started in, its notification timer is
//! armed exactly when that state is RUN, and the failing step's status is returned.
//!
//! With the virtual devices no step of a well-formed path fails while the host holds its lock,
//! so the refusals here come from paths with a step the KS state machine rejects (two states
//! apart), which `set_state_path` accepts from any caller. (A path whose last state is the
//! stream's current one is already done and succeeds without a step, so every refused path
//! here ends elsewhere.)

use cadenza_engine::format::Format;
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Stream};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::DriverUnderTest;

use KsState::{Acquire, Pause, Run, Stop};

/// 10 ms packets of 48 kHz stereo float, two per buffer.
const BUFFER_BYTES: u32 = 480 * 8 * 2;
const MS: u64 = 10_000;

/// One cable with an open capture stream (a capture stream needs no packets written to run).
fn capture(platform: &SimPlatform) -> EngineDriver {
    let mut d = EngineDriver::new(platform.clone()).expect("driver");
    d.open(Direction::Capture, &Format::DEFAULT).expect("open");
    d.allocate(Direction::Capture, BUFFER_BYTES, 2)
        .expect("buffer");
    d
}

fn state(d: &EngineDriver) -> KsState {
    d.host()
        .with_stream(Direction::Capture, Stream::state)
        .expect("open stream")
}

fn path(d: &EngineDriver, from: KsState, steps: &[KsState]) -> Result<(), NtStatus> {
    d.host().set_state_path(Direction::Capture, from, steps)
}

#[test]
fn a_path_refused_two_steps_in_walks_back_to_where_it_started() {
    let platform = SimPlatform::new(1);
    let d = capture(&platform);
    // ACQUIRE and PAUSE are taken; PAUSE → STOP is refused: both steps are undone.
    assert_eq!(
        path(&d, Stop, &[Acquire, Pause, Stop, Acquire]),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(state(&d), Stop);
    assert_eq!(
        platform.next_expiry(),
        None,
        "a stopped stream has no timer armed"
    );
    // The stream is usable afterwards: the well-formed path succeeds.
    assert_eq!(path(&d, Stop, &[Acquire, Pause]), Ok(()));
    assert_eq!(state(&d), Pause);
}

#[test]
fn a_refused_path_from_pause_cancels_the_timer_its_run_step_armed() {
    let platform = SimPlatform::new(2);
    let d = capture(&platform);
    assert_eq!(path(&d, Stop, &[Acquire, Pause]), Ok(()));
    // RUN arms the timer; RUN → STOP is refused; undoing RUN must cancel it again.
    assert_eq!(
        path(&d, Pause, &[Run, Stop]),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(state(&d), Pause);
    assert_eq!(
        platform.next_expiry(),
        None,
        "a paused stream has no timer armed"
    );
    platform.run_until(Ticks(platform.now().0 + 25 * MS));
    let position = d.host().position(Direction::Capture).expect("position");
    assert_eq!(
        position.frames, 0,
        "a paused stream does not move: {position:?}"
    );
}

#[test]
fn a_refused_path_from_run_leaves_the_stream_running_and_notifying() {
    let platform = SimPlatform::new(3);
    let mut d = capture(&platform);
    assert_eq!(path(&d, Stop, &[Acquire, Pause, Run]), Ok(()));
    let started = platform.now();
    // PAUSE and ACQUIRE are taken (cancelling the timer); ACQUIRE → RUN is refused; undoing
    // both steps returns to RUN, which arms the timer again.
    assert_eq!(
        path(&d, Run, &[Pause, Acquire, Run, Pause]),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(state(&d), Run);
    assert!(
        platform.next_expiry().is_some(),
        "a running stream must have its notification timer armed"
    );
    // 25 ms of running at 10 ms packets: two packet notifications.
    platform.run_until(Ticks(started.0 + 25 * MS));
    assert_eq!(d.take_notifications(Direction::Capture).len(), 2);
}

#[test]
fn a_path_refused_at_its_first_step_changes_nothing() {
    let platform = SimPlatform::new(4);
    let d = capture(&platform);
    // STOP → PAUSE is refused before anything moved.
    assert_eq!(
        path(&d, Stop, &[Pause, Run]),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(state(&d), Stop);
    // A caller that is wrong about where the stream is: refused, nothing taken.
    assert_eq!(path(&d, Pause, &[Run]), Err(NtStatus::INVALID_DEVICE_STATE));
    assert_eq!(state(&d), Stop);
    assert_eq!(platform.next_expiry(), None);
}
