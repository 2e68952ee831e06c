//! The device host's calls that both adapters route their framework's requests through
//! (PortCls's topology properties and SetFormat, ACX's elements and stream callbacks): each
//! must do what its request asks and refuse what is out of range with its documented status,
//! changing nothing then.

use cadenza_engine::config::{DeviceConfig, parse_text};
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::gain::Gain;
use cadenza_engine::live_status::Slot;
use cadenza_engine::platform::EventHandle;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Stream};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::DriverUnderTest;

use Direction::{Capture, Render};

/// 1 dB in the 16.16 fixed point the volume properties use.
const DB: i32 = 1 << 16;

fn config(text: &str) -> DeviceConfig {
    parse_text(text, &mut |w| panic!("{text}: {w}"))
}

fn driver(text: &str) -> EngineDriver {
    EngineDriver::with_config(SimPlatform::new(5), &config(text)).expect("driver")
}

#[test]
fn volume_is_set_per_channel_or_for_all_and_a_channel_past_the_count_is_refused() {
    let d = driver("Channels = 2");
    let host = d.host();
    assert_eq!(host.set_volume(Render, Some(1), -6 * DB), Ok(()));
    assert_eq!(host.volume(Render, 1), Ok(-6 * DB));
    assert_eq!(
        host.volume(Render, 0),
        Ok(0),
        "the other channel is untouched"
    );
    // Channel 2 of a stereo endpoint does not exist: refused, nothing changes.
    assert_eq!(
        host.set_volume(Render, Some(2), -20 * DB),
        Err(NtStatus::INVALID_PARAMETER)
    );
    assert_eq!(host.volume(Render, 1), Ok(-6 * DB));
    assert_eq!(host.volume(Render, 0), Ok(0));
    // Every channel at once; the capture side keeps its own gain.
    assert_eq!(host.set_volume(Render, None, -3 * DB), Ok(()));
    assert_eq!(
        [host.volume(Render, 0), host.volume(Render, 1)],
        [Ok(-3 * DB), Ok(-3 * DB)]
    );
    assert_eq!(host.volume(Capture, 0), Ok(0));
    // Out of the published range: the closest available value.
    assert_eq!(host.set_volume(Capture, Some(0), 40 * DB), Ok(()));
    assert_eq!(host.volume(Capture, 0), Ok(Gain::MAX_LEVEL));
    assert_eq!(host.set_volume(Capture, Some(0), i32::MIN), Ok(()));
    assert_eq!(host.volume(Capture, 0), Ok(Gain::MIN_LEVEL));
}

#[test]
fn a_volume_change_keeps_the_mute_set_before_it() {
    let d = driver("Channels = 2");
    let host = d.host();
    assert_eq!(host.set_mute(Render, true), Ok(()));
    assert_eq!(host.set_volume(Render, None, -10 * DB), Ok(()));
    assert_eq!(host.mute(Render), Ok(true));
    assert_eq!(host.volume(Render, 0), Ok(-10 * DB));
    assert_eq!(host.set_mute(Render, false), Ok(()));
    assert_eq!(host.mute(Render), Ok(false));
}

#[test]
fn a_missing_endpoint_has_no_volume() {
    let d = driver("DeviceKind = tone");
    assert_eq!(
        d.host().set_volume(Render, None, 0),
        Err(NtStatus::INVALID_DEVICE_REQUEST)
    );
    assert_eq!(d.host().set_volume(Capture, None, -DB), Ok(()));
}

#[test]
fn set_format_changes_the_stream_within_the_pins_and_refuses_the_rest() {
    let mut d = driver("SampleRates = 44100, 48000");
    d.open(Render, &Format::DEFAULT).expect("open");
    let at = |rate| {
        Format::new(
            SampleType::Float32,
            Channels::new(2).unwrap(),
            SampleRate::new(rate).unwrap(),
        )
    };
    let format = |d: &EngineDriver| d.host().with_stream(Render, |s: &Stream| *s.format());
    assert_eq!(d.host().set_format(Render, at(44_100)), Ok(()));
    assert_eq!(format(&d), Ok(at(44_100)));
    // 96 kHz is a valid format, but not one these pins offer: refused, the stream keeps 44.1.
    assert_eq!(
        d.host().set_format(Render, at(96_000)),
        Err(NtStatus::NO_MATCH)
    );
    assert_eq!(format(&d), Ok(at(44_100)));
    // No stream on the capture pin: nothing to change.
    assert_eq!(
        d.host().set_format(Capture, at(44_100)),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
}

#[test]
fn an_event_is_unregistered_once_and_an_unknown_one_is_refused() {
    let mut d = driver("");
    d.open(Render, &Format::DEFAULT).expect("open");
    let event = EventHandle::host(0x5000).expect("event");
    let other = EventHandle::host(0x6000).expect("event");
    assert_eq!(d.host().register_event(Render, event), Ok(()));
    assert_eq!(
        d.host().unregister_event(Render, other),
        Err(NtStatus::NOT_FOUND)
    );
    assert_eq!(d.host().unregister_event(Render, event), Ok(()));
    assert_eq!(
        d.host().unregister_event(Render, event),
        Err(NtStatus::NOT_FOUND)
    );
}

#[test]
fn the_status_snapshot_shows_missing_idle_and_open_endpoints() {
    let tone = driver("DeviceKind = tone");
    let s = tone.host().status_snapshot();
    assert_eq!(s.render, Slot::NoEndpoint);
    assert_eq!(s.capture, Slot::Idle);
    let mut cable = driver("");
    let s = cable.host().status_snapshot();
    assert_eq!((s.render, s.capture), (Slot::Idle, Slot::Idle));
    cable.open(Capture, &Format::DEFAULT).expect("open");
    let s = cable.host().status_snapshot();
    assert_eq!(s.render, Slot::Idle);
    assert!(matches!(s.capture, Slot::Open(_)), "{:?}", s.capture);
}

/// Power through the host (PortCls's PowerChangeState, ACX's D0Exit/D0Entry): a running
/// stream is frozen in PAUSE with its timer cancelled, stream calls are refused while the
/// device is down, and back in D0 the stream waits, paused, for its client.
#[test]
fn power_down_through_the_host_freezes_the_stream_and_power_up_leaves_it_paused() {
    use cadenza_engine::device::Presence;
    use cadenza_engine::state::KsState;
    let platform = SimPlatform::new(6);
    let mut d = EngineDriver::with_config(platform.clone(), &config("")).expect("driver");
    d.open(Capture, &Format::DEFAULT).expect("open");
    d.allocate(Capture, 480 * 8 * 2, 2).expect("buffer");
    for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
        d.set_state(Capture, s).expect("state");
    }
    assert!(platform.next_expiry().is_some(), "running: timer armed");
    assert_eq!(d.host().presence(), Presence::Present);

    d.host().set_presence(Presence::PoweredDown);
    assert_eq!(d.host().presence(), Presence::PoweredDown);
    let state = |d: &EngineDriver| d.host().with_stream(Capture, Stream::state);
    assert_eq!(state(&d), Ok(KsState::Pause), "frozen in PAUSE");
    assert_eq!(platform.next_expiry(), None, "its timer cancelled");
    assert_eq!(
        d.set_state(Capture, KsState::Run),
        Err(NtStatus::DEVICE_POWERED_OFF)
    );

    d.host().set_presence(Presence::Present);
    assert_eq!(d.host().presence(), Presence::Present);
    assert_eq!(state(&d), Ok(KsState::Pause), "still paused for the client");
    assert_eq!(d.set_state(Capture, KsState::Run), Ok(()));
    assert!(
        platform.next_expiry().is_some(),
        "running again: timer armed"
    );
}
