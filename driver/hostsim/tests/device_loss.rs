//! Device loss and power on the engine level: with every stream of many cables running, the
//! device is powered down (then back up) or surprise-removed, and then every stream
//! operation is called. Each must answer with its documented status
//! (STATUS_DEVICE_POWERED_OFF / STATUS_DEVICE_REMOVED), frozen streams must deliver nothing,
//! cleanup (stepping down to STOP, closing, freeing) must work, and nothing may leak.
//!
//! Small enough for Miri (2 cables under Miri, 32 otherwise):
//! `MIRIFLAGS=-Zmiri-disable-isolation cargo +nightly miri test -p cadenza-hostsim --test device_loss`

use cadenza_engine::device::ops;
use cadenza_engine::device::{AudioDevice, Presence};
use cadenza_engine::format::Format;
use cadenza_engine::platform::{EventHandle, Platform};
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, TimerRequest};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::DriverUnderTest;

const CABLES: usize = if cfg!(miri) { 2 } else { 32 };
/// 10 ms packets of 48 kHz stereo float, two per buffer.
const BUFFER_BYTES: u32 = 480 * 8 * 2;
const MS: u64 = 10_000;

fn step(d: &mut EngineDriver, dir: Direction, from: KsState, to: KsState) {
    let mut s = from;
    while s != to {
        s = s.step_towards(to);
        d.set_state(dir, s).expect("state step");
    }
}

/// `CABLES` cables, both streams running and notifying.
fn running(platform: &SimPlatform) -> Vec<EngineDriver> {
    let mut drivers = Vec::new();
    for _ in 0..CABLES {
        let mut d = EngineDriver::new(platform.clone()).expect("driver");
        for dir in [Direction::Capture, Direction::Render] {
            d.open(dir, &Format::DEFAULT).expect("open");
            d.allocate(dir, BUFFER_BYTES, 2).expect("buffer");
        }
        step(&mut d, Direction::Capture, KsState::Stop, KsState::Run);
        step(&mut d, Direction::Render, KsState::Stop, KsState::Pause);
        d.write_packet(0, 0, 0).expect("packet 0");
        d.write_packet(1, 0, 0).expect("packet 1");
        step(&mut d, Direction::Render, KsState::Pause, KsState::Run);
        drivers.push(d);
    }
    run_for(platform, 25 * MS);
    for d in &mut drivers {
        for dir in [Direction::Render, Direction::Capture] {
            assert_eq!(d.take_notifications(dir).len(), 2, "streams did not run");
        }
    }
    drivers
}

fn run_for(platform: &SimPlatform, ticks: u64) {
    platform.run_until(Ticks(platform.now().0 + ticks));
}

fn set_presence(d: &EngineDriver, presence: Presence) -> [(Direction, TimerRequest); 2] {
    let now = d.platform().now();
    d.host()
        .with_device(|c| ops::set_presence(c, presence, now))
}

/// Every operation on a cable that is not present: `expected`, except cleanup (stepping
/// down, unregistering, detaching, closing), which the device state never blocks.
fn every_op_refused(d: &mut EngineDriver, platform: &SimPlatform, expected: NtStatus) {
    let now = platform.now();
    let status = |r: Result<(), cadenza_engine::stream::StreamError>| match r {
        Ok(()) => NtStatus::SUCCESS,
        Err(e) => NtStatus::from(e),
    };
    // A third stream on a busy pin: refused for the device first.
    assert_eq!(d.open(Direction::Render, &Format::DEFAULT), Err(expected));
    // A new buffer: the adapter's rollback frees what it allocated (checked by the leak
    // accounting at the end).
    assert_eq!(
        d.allocate(Direction::Render, BUFFER_BYTES, 2).unwrap_err(),
        expected
    );
    for dir in [Direction::Render, Direction::Capture] {
        // Up: refused. The streams were frozen in PAUSE.
        assert_eq!(d.set_state(dir, KsState::Run), Err(expected), "{dir:?}");
        assert_eq!(d.position(dir).unwrap_err(), expected, "{dir:?}");
        d.host().with_device(|c| {
            assert_eq!(
                c.stream(dir).map(cadenza_engine::stream::Stream::state),
                Some(KsState::Pause)
            );
            assert_eq!(status(ops::set_format(c, dir, Format::DEFAULT)), expected);
            assert_eq!(
                status(ops::presentation_position(c, dir, now).map(|_| ())),
                expected
            );
            assert_eq!(
                status(ops::completed_packets(c, dir, now).map(|_| ())),
                expected
            );
            assert_eq!(status(ops::hw_latency(c, dir).map(|_| ())), expected);
            let event = EventHandle::host(0x9000).expect("event");
            assert_eq!(status(ops::register_event(c, dir, event)), expected);
            // Cleanup calls are never refused for the device, only for their own reasons
            // (here: an event that was never registered).
            assert_eq!(
                status(ops::unregister_event(c, dir, event)),
                NtStatus::NOT_FOUND
            );
            // A stale timer expiry is harmless: no notice, no re-arm.
            let out = ops::on_timer(c, dir, now);
            assert!(out.notice.is_none() && out.next_deadline.is_none());
        });
        let memory = platform.allocate(BUFFER_BYTES as usize).expect("memory");
        let geometry = d
            .with_cable(|c| c.stream(dir).and_then(|s| s.geometry().copied()))
            .expect("geometry");
        match d
            .host()
            .with_device(|c| ops::attach_buffer(c, dir, memory, geometry))
        {
            Ok(()) => panic!("buffer attached to a device that is not present"),
            Err((e, memory)) => {
                assert_eq!(NtStatus::from(e), expected);
                platform.free(memory);
            }
        }
    }
    assert_eq!(d.write_packet(2, 0, 0), Err(expected));
    assert_eq!(d.read_packet().unwrap_err(), expected);
    if expected == NtStatus::DEVICE_REMOVED {
        // FreeBuffer after removal: the buffer comes back (the stream is frozen in PAUSE)
        // and is freed; close then finds none. The leak accounting checks both.
        for dir in [Direction::Render, Direction::Capture] {
            let memory = d
                .with_cable(|c| ops::detach_buffer(c, dir))
                .expect("detach after removal");
            platform.free(memory);
        }
    }
    // Repeating the transition changes nothing.
    let again = set_presence(d, presence_of(expected));
    assert!(again.iter().all(|(_, r)| *r == TimerRequest::None));
}

fn presence_of(status: NtStatus) -> Presence {
    if status == NtStatus::DEVICE_REMOVED {
        Presence::Removed
    } else {
        Presence::PoweredDown
    }
}

/// Cleanup always works: step down to STOP, close, free; then nothing is left.
fn close_all(drivers: Vec<EngineDriver>, platform: &SimPlatform) {
    for mut d in drivers {
        for dir in [Direction::Render, Direction::Capture] {
            let from = d
                .with_cable(|c| c.stream(dir).map(cadenza_engine::stream::Stream::state))
                .expect("stream");
            step(&mut d, dir, from, KsState::Stop);
            d.close(dir).expect("close");
        }
    }
    assert_eq!(platform.live_allocations(), (0, 0), "leaked buffers");
    assert_eq!(platform.live_timers(), 0, "leaked timers");
    assert!(
        platform.debug_messages().is_empty(),
        "{:?}",
        platform.debug_messages()
    );
}

fn freeze(drivers: &[EngineDriver], presence: Presence) {
    for d in drivers {
        let requests = set_presence(d, presence);
        // Both streams were running: both timers must be cancelled.
        assert!(
            requests.iter().all(|(_, r)| *r == TimerRequest::Cancel),
            "{requests:?}"
        );
    }
}

#[test]
fn power_down_refuses_every_op_freezes_streams_and_powers_back_up() {
    let platform = SimPlatform::new(7);
    let mut drivers = running(&platform);
    freeze(&drivers, Presence::PoweredDown);
    for d in &mut drivers {
        every_op_refused(d, &platform, NtStatus::DEVICE_POWERED_OFF);
    }
    // The adapter here does not carry out the Cancel requests, so each stream's timer still
    // fires once: frozen streams must not notify or re-arm.
    run_for(&platform, 50 * MS);
    for d in &mut drivers {
        for dir in [Direction::Render, Direction::Capture] {
            assert!(
                d.take_notifications(dir).is_empty(),
                "frozen stream notified"
            );
        }
    }
    // Back to D0: the streams wait in PAUSE for their clients, who restart them.
    for d in &mut drivers {
        let requests = set_presence(d, Presence::Present);
        assert!(requests.iter().all(|(_, r)| *r == TimerRequest::None));
        d.set_state(Direction::Capture, KsState::Run)
            .expect("restart");
        let playing = d.position(Direction::Render).expect("position").frames / 480;
        #[allow(
            clippy::cast_possible_truncation,
            reason = "the DDI's 32-bit packet number"
        )]
        d.write_packet(playing as u32 + 1, 0, 0).expect("packet");
        d.set_state(Direction::Render, KsState::Run)
            .expect("restart");
    }
    run_for(&platform, 25 * MS);
    for d in &mut drivers {
        for dir in [Direction::Render, Direction::Capture] {
            assert!(
                !d.take_notifications(dir).is_empty(),
                "{dir:?} did not resume"
            );
        }
    }
    close_all(drivers, &platform);
}

#[test]
fn surprise_removal_refuses_every_op_for_good_and_cleans_up() {
    let platform = SimPlatform::new(8);
    let mut drivers = running(&platform);
    freeze(&drivers, Presence::Removed);
    for d in &mut drivers {
        every_op_refused(d, &platform, NtStatus::DEVICE_REMOVED);
        // Removal is final: "power up" changes nothing.
        let requests = set_presence(d, Presence::Present);
        assert!(requests.iter().all(|(_, r)| *r == TimerRequest::None));
        assert_eq!(
            d.host().with_device(|c| AudioDevice::presence(c)),
            Presence::Removed
        );
        assert_eq!(
            d.set_state(Direction::Render, KsState::Run),
            Err(NtStatus::DEVICE_REMOVED)
        );
    }
    run_for(&platform, 50 * MS);
    for d in &mut drivers {
        for dir in [Direction::Render, Direction::Capture] {
            assert!(
                d.take_notifications(dir).is_empty(),
                "removed stream notified"
            );
        }
    }
    close_all(drivers, &platform);
}

#[test]
fn removal_while_powered_down_is_removal() {
    let platform = SimPlatform::new(9);
    let mut drivers = running(&platform);
    freeze(&drivers, Presence::PoweredDown);
    for d in &mut drivers {
        // Already frozen: nothing more to cancel.
        let requests = set_presence(d, Presence::Removed);
        assert!(requests.iter().all(|(_, r)| *r == TimerRequest::None));
        every_op_refused(d, &platform, NtStatus::DEVICE_REMOVED);
    }
    close_all(drivers, &platform);
}
