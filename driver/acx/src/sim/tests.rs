use super::*;

use std::cell::Cell;

use cadenza_engine::config::parse_text;

use cadenza_engine::format::parse::{KSDATAFORMAT_SIZE, KSDATAFORMAT_TYPE_AUDIO};
use cadenza_engine::format::{Channels, SampleRate, SampleType};
use cadenza_engine::gain::Gain;
use cadenza_engine::platform::{DmaBuffer, EventHandle, RawLock, SpinRawLock, TimerTarget};
use cadenza_engine::time::CounterFrequency;
use cadenza_hostsim::scenario::{LoopbackConfig, run_loopback};
use cadenza_hostsim::{FaultPlan, Lateness};

use crate::elements::ALL_CHANNELS;

const P: fn() -> Passive = Passive::host;
const D: fn() -> AtMostDispatch = AtMostDispatch::host;

fn rate(hz: u32) -> SampleRate {
    SampleRate::new(hz).unwrap()
}

fn render() -> CircuitId {
    CircuitId::new(0, Direction::Render).unwrap()
}

fn capture() -> CircuitId {
    CircuitId::new(0, Direction::Capture).unwrap()
}

fn device(platform: &SimPlatform) -> AcxDevice<SimPlatform, PacketRecorder> {
    AcxDevice::new(platform.clone(), &DeviceConfig::default(), P()).unwrap()
}

/// A stream on `circuit` in the default format, its completions recorded (EvtAcxStreamCreate
/// as the tests make it).
fn open_default(
    dev: &AcxDevice<SimPlatform, PacketRecorder>,
    circuit: CircuitId,
    platform: &SimPlatform,
) -> AcxStream<SimPlatform, PacketRecorder> {
    dev.create_stream(
        circuit,
        &data_format_bytes(&Format::DEFAULT),
        PacketRecorder::new(platform.clone()),
        P(),
    )
    .unwrap()
}

fn lifecycle(packets: u32) -> LifecycleConfig {
    LifecycleConfig {
        format: Format::DEFAULT,
        packets,
        packet_frames: 480,
        run_ticks: CounterFrequency::TEN_MHZ.hz(),
        pause_ticks: CounterFrequency::TEN_MHZ.hz() / 10,
    }
}

#[test]
fn lifecycle_keeps_the_contract_with_two_packets() {
    let platform = SimPlatform::new(1);
    let dev = device(&platform);
    let report = run_lifecycle(&dev, &lifecycle(2)).unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    // Two runs of one second each at 10 ms packets: 100 completions per run, numbered on
    // across the pause.
    for done in [&report.render_completions, &report.capture_completions] {
        assert_eq!(done.len(), 200);
        assert!(done.iter().enumerate().all(|(i, c)| c.packet == i as u64));
    }
    // The first run's completions are exact boundaries: packet k completes (k+1)·10 ms after Run.
    let start = report.render_completions[0].qpc.0 - 100_000;
    for c in &report.render_completions[..100] {
        assert_eq!(c.qpc.0 - start, (c.packet + 1) * 100_000);
    }
    // The only render "glitches" are the simulator's own probes (one late and one overrun
    // SetRenderPacket per completion); nothing else may go wrong.
    let r = report.render_stats;
    assert_eq!((r.late_packets, r.overrun_packets), (200, 200));
    assert_eq!(
        (r.missed_notifications, r.underrun_frames, r.dropped_frames),
        (0, 0, 0)
    );
    assert_eq!(report.capture_stats.glitches(), 0);
    assert_eq!(report.capture_packets_read, 200);
    assert_eq!(report.render_packets_written, 202);
    // The device's own rings are still allocated; nothing else is.
    assert_eq!(platform.live_allocations().0, 1);
    assert_eq!(platform.live_timers(), 0);
}

#[test]
fn lifecycle_keeps_the_contract_with_one_timer_driven_packet() {
    let platform = SimPlatform::new(2);
    let dev = device(&platform);
    let report = run_lifecycle(&dev, &lifecycle(1)).unwrap();
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert_eq!(report.render_completions.len(), 200);
    assert_eq!(report.render_packets_written, 0);
}

#[test]
fn lifecycle_reports_late_timers_as_skipped_packets_not_as_contract_breaks_in_the_engine() {
    let platform = SimPlatform::new(3);
    // The 5th expiry comes 25 ms late: two boundaries pass without their own notification.
    platform.set_lateness(Lateness::Scripted(vec![(4, 250_000)]));
    let dev = device(&platform);
    let report = run_lifecycle(&dev, &lifecycle(2)).unwrap();
    // The simulator must notice: packets are no longer consecutive.
    assert!(
        report.violations.iter().any(|v| v.contains("expected")),
        "{:#?}",
        report.violations
    );
    let missed =
        report.render_stats.missed_notifications + report.capture_stats.missed_notifications;
    assert!(missed >= 2, "missed {missed}");
    // Every completion still carries the exact boundary, never the late wake-up time.
    for c in report
        .render_completions
        .iter()
        .chain(&report.capture_completions)
    {
        assert!(c.qpc <= c.at);
        assert_eq!((c.qpc.0 - report.render_completions[0].qpc.0) % 100_000, 0);
    }
}

fn loopback(driver: &mut AcxDriver, packets: u32, packet_mode: bool) {
    let mut config = LoopbackConfig::default_for(driver.platform().frequency());
    config.packets = packets;
    config.packet_mode = packet_mode;
    config.duration_ticks = 2 * CounterFrequency::TEN_MHZ.hz();
    let r = run_loopback(driver, &config, &mut |_| {}).unwrap();
    assert_eq!(r.framework, "acx");
    assert!(r.check.bit_exact(), "{:?}", r.check);
    assert_eq!(
        r.render_stats.glitches(),
        0,
        "{packets} {packet_mode} {:?}",
        r.render_stats
    );
    assert_eq!(
        r.capture_stats.glitches(),
        0,
        "{packets} {packet_mode} {:?}",
        r.capture_stats
    );
    assert_eq!(r.final_render_frames, r.expected_render_frames);
    assert_eq!(r.final_capture_frames, r.expected_capture_frames);
    if packets == 2 {
        // With one packet the scenario's client cannot write ahead of the one playing, so
        // only two packets carry two seconds of signal through.
        assert_eq!(r.client_skipped_packets, 0);
        assert!(r.rendered_frames > 90_000, "{}", r.rendered_frames);
    }
    assert_eq!(r.leaked_buffers, 0);
    assert_eq!(driver.platform().live_timers(), 0);
}

#[test]
fn loopback_through_the_acx_callbacks_is_bit_exact_and_glitch_free() {
    for (packets, packet_mode) in [(2, true), (2, false), (1, false)] {
        let platform = SimPlatform::new(7);
        let mut driver = AcxDriver::new(platform.clone()).unwrap();
        loopback(&mut driver, packets, packet_mode);
        drop(driver);
        assert_eq!(platform.live_allocations(), (0, 0));
    }
}

#[test]
fn loopback_with_other_formats_on_each_side() {
    let platform = SimPlatform::new(8);
    // 44.1 kHz is not in the default configuration: offer it explicitly, as a user would.
    let offered = parse_text(
        "SampleRates = 44100, 48000\nSampleTypes = int16, float32\n",
        &mut |w| panic!("{w}"),
    );
    let mut driver = AcxDriver::with_config(platform.clone(), &offered).unwrap();
    let mut config = LoopbackConfig::default_for(platform.frequency());
    config.render = Format::new(SampleType::Int16, Channels::STEREO, rate(44_100));
    config.capture = Format::new(SampleType::Int16, Channels::STEREO, rate(44_100));
    config.duration_ticks = CounterFrequency::TEN_MHZ.hz();
    let r = run_loopback(&mut driver, &config, &mut |_| {}).unwrap();
    assert!(r.check.bit_exact(), "{:?}", r.check);
}

#[test]
fn the_mute_element_reaches_the_audio() {
    let platform = SimPlatform::new(9);
    let mut driver = AcxDriver::new(platform.clone()).unwrap();
    driver
        .device()
        .assign_mute(render(), ALL_CHANNELS, 1, P())
        .unwrap();
    let mut config = LoopbackConfig::default_for(platform.frequency());
    config.duration_ticks = CounterFrequency::TEN_MHZ.hz();
    let r = run_loopback(&mut driver, &config, &mut |_| {}).unwrap();
    assert!(!r.check.bit_exact());
    assert!(
        r.captured.iter().all(|&b| b == 0),
        "muted render must capture silence"
    );
}

#[test]
fn volume_elements_validate_levels_and_channels() {
    let platform = SimPlatform::new(10);
    let dev = device(&platform);
    for c in [render(), capture()] {
        dev.assign_volume(c, 1, -20 << 16, P()).unwrap();
        assert_eq!(dev.retrieve_volume(c, 1, P()), Ok(-20 << 16));
        assert_eq!(dev.retrieve_volume(c, 0, P()), Ok(0));
        assert_eq!(
            dev.assign_volume(c, 0, 1, P()),
            Err(NtStatus::INVALID_PARAMETER)
        );
        assert_eq!(
            dev.assign_volume(c, 0, Gain::MIN_LEVEL - 1, P()),
            Err(NtStatus::INVALID_PARAMETER)
        );
        // The default configuration is stereo: channel 2 does not exist.
        assert_eq!(dev.assign_volume(c, 2, 0, P()), Err(NtStatus::NOT_FOUND));
        assert_eq!(dev.retrieve_volume(c, 2, P()), Err(NtStatus::NOT_FOUND));
        assert_eq!(
            dev.assign_mute(c, 0, 7, P()),
            Err(NtStatus::INVALID_PARAMETER)
        );
        assert_eq!(dev.assign_mute(c, 1, 1, P()), Err(NtStatus::NOT_FOUND));
        assert_eq!(dev.retrieve_mute(c, 0, P()), Ok(0));
        // Nothing changed by the refusals.
        assert_eq!(dev.retrieve_volume(c, 0, P()), Ok(0));
        assert_eq!(dev.retrieve_volume(c, 1, P()), Ok(-20 << 16));
    }
    // The render and capture elements are separate.
    dev.assign_mute(render(), 0, 1, P()).unwrap();
    assert_eq!(dev.retrieve_mute(render(), ALL_CHANNELS, P()), Ok(1));
    assert_eq!(dev.retrieve_mute(capture(), ALL_CHANNELS, P()), Ok(0));
    let other = CircuitId::new(1, Direction::Render).unwrap();
    assert_eq!(
        dev.assign_volume(other, 0, 0, P()),
        Err(NtStatus::INVALID_PARAMETER)
    );
}

#[test]
fn unsupported_formats_are_refused_and_leave_nothing_open() {
    let platform = SimPlatform::new(11);
    let dev = device(&platform);
    let live = platform.live_allocations();
    let rec = || PacketRecorder::new(platform.clone());
    let bad = [
        Format::new(SampleType::Float32, Channels::STEREO, rate(44_100)),
        Format::new(SampleType::Float32, Channels::new(3).unwrap(), rate(48_000)),
    ];
    for f in bad {
        let r = dev.create_stream(render(), &data_format_bytes(&f), rec(), P());
        assert_eq!(r.err(), Some(NtStatus::NO_MATCH), "{f:?}");
    }
    // Not audio at all, truncated, and garbage.
    let mut not_audio = data_format_bytes(&Format::DEFAULT);
    not_audio[16] ^= 0xFF;
    assert_eq!(
        dev.create_stream(render(), &not_audio, rec(), P()).err(),
        Some(NtStatus::NO_MATCH)
    );
    let good = data_format_bytes(&Format::DEFAULT);
    assert_eq!(
        dev.create_stream(render(), &good[..KSDATAFORMAT_SIZE + 4], rec(), P())
            .err(),
        Some(NtStatus::BUFFER_TOO_SMALL)
    );
    assert!(dev.create_stream(render(), &[0u8; 3], rec(), P()).is_err());
    assert!(!dev.has_stream(render()));
    assert_eq!(platform.live_allocations(), live);
    assert_eq!(platform.live_timers(), 0);
    let _ = KSDATAFORMAT_TYPE_AUDIO;
}

#[test]
fn one_stream_per_circuit_and_one_rate_per_cable() {
    let platform = SimPlatform::new(12);
    let config = parse_text("SampleRates = 44100, 48000\n", &mut |w| panic!("{w}"));
    let dev = AcxDevice::new(platform.clone(), &config, P()).unwrap();
    let rec = || PacketRecorder::new(platform.clone());
    let f48 = data_format_bytes(&Format::DEFAULT);
    let f44 = data_format_bytes(&Format::new(
        SampleType::Float32,
        Channels::STEREO,
        rate(44_100),
    ));
    let s = dev.create_stream(render(), &f48, rec(), P()).unwrap();
    assert_eq!(
        dev.create_stream(render(), &f48, rec(), P()).err(),
        Some(NtStatus::DEVICE_BUSY)
    );
    // The cable does not resample: the capture side must use the render side's rate.
    assert_eq!(
        dev.create_stream(capture(), &f44, rec(), P()).err(),
        Some(NtStatus::NO_MATCH)
    );
    let c = dev.create_stream(capture(), &f48, rec(), P()).unwrap();
    drop((s, c));
    assert_eq!(platform.live_timers(), 0);
    assert!(dev.create_stream(capture(), &f44, rec(), P()).is_ok());
}

#[test]
fn bad_packet_requests_change_nothing() {
    let platform = SimPlatform::new(13);
    let dev = device(&platform);
    let s = open_default(&dev, render(), &platform);
    let live = platform.live_allocations();
    for count in [0, 3, 4, u32::MAX] {
        assert_eq!(
            s.allocate_rt_packets(count, 3840, P()).err(),
            Some(NtStatus::INVALID_PARAMETER)
        );
    }
    // Not whole frames (8-byte frames), too small, too large.
    assert_eq!(
        s.allocate_rt_packets(2, 3841, P()).err(),
        Some(NtStatus::INVALID_PARAMETER)
    );
    assert_eq!(
        s.allocate_rt_packets(2, 0, P()).err(),
        Some(NtStatus::INVALID_BUFFER_SIZE)
    );
    assert_eq!(
        s.allocate_rt_packets(2, 8, P()).err(),
        Some(NtStatus::INVALID_BUFFER_SIZE)
    );
    assert_eq!(
        s.allocate_rt_packets(2, 64 << 20, P()).err(),
        Some(NtStatus::INSUFFICIENT_RESOURCES)
    );
    assert_eq!(platform.live_allocations(), live);
    assert!(s.geometry().is_none());
    // An allocation failure is reported and leaves the stream as it was; a retry succeeds.
    let next = platform.allocation_calls();
    platform.set_faults(FaultPlan {
        fail_allocations: vec![next],
        fail_timers: vec![],
    });
    assert_eq!(
        s.allocate_rt_packets(2, 3840, P()).err(),
        Some(NtStatus::INSUFFICIENT_RESOURCES)
    );
    assert!(s.geometry().is_none());
    let layout = s.allocate_rt_packets(2, 3840, P()).unwrap();
    assert_eq!(layout.buffer_bytes, 8192);
    assert_eq!(
        (layout.offset(0), layout.offset(1), layout.offset(2)),
        (Some(0), Some(3840), None)
    );
    // SAFETY: the layout's buffer is `buffer_bytes` long and stays attached while `s` lives.
    let all = unsafe { std::slice::from_raw_parts(layout.buffer, layout.buffer_bytes) };
    assert!(all.iter().all(|&b| b == 0), "packets must start zeroed");
}

#[test]
fn render_packet_numbers_behind_or_far_ahead_are_refused() {
    let platform = SimPlatform::new(14);
    let dev = device(&platform);
    let s = open_default(&dev, render(), &platform);
    assert_eq!(
        s.set_render_packet(0, 0, 0, P()),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    s.allocate_rt_packets(2, 3840, P()).unwrap();
    s.prepare_hardware(P()).unwrap();
    s.set_render_packet(0, 0, 0, P()).unwrap();
    s.set_render_packet(1, 0, 0, P()).unwrap();
    assert_eq!(
        s.set_render_packet(2, 0, 0, P()),
        Err(NtStatus::DATA_OVERRUN)
    );
    assert_eq!(
        s.set_render_packet(u32::MAX / 2, 0, 0, P()),
        Err(NtStatus::DATA_OVERRUN)
    );
    s.run(P()).unwrap();
    platform.run_until(Ticks(platform.now().0 + 250_000)); // 2.5 packets
    assert_eq!(s.get_current_packet(D()), Ok(2));
    assert_eq!(
        s.set_render_packet(1, 0, 0, P()),
        Err(NtStatus::DATA_LATE_ERROR)
    );
    assert_eq!(
        s.set_render_packet(2, 0, 0, P()),
        Err(NtStatus::DATA_LATE_ERROR)
    );
    // Behind by a wrap of the 32-bit number.
    assert_eq!(
        s.set_render_packet(u32::MAX, 0, 0, P()),
        Err(NtStatus::DATA_LATE_ERROR)
    );
    assert_eq!(
        s.set_render_packet(5, 0, 0, P()),
        Err(NtStatus::DATA_OVERRUN)
    );
    assert_eq!(
        s.set_render_packet(3, 0x1, 0, P()),
        Err(NtStatus::INVALID_PARAMETER)
    );
    assert_eq!(
        s.set_render_packet(3, 0x200, 3841, P()),
        Err(NtStatus::INVALID_PARAMETER)
    );
    s.set_render_packet(3, 0x200, 100, P()).unwrap();
    assert_eq!(
        s.set_render_packet(4, 0, 0, P()),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    let stats = s.stats().unwrap();
    assert_eq!((stats.late_packets, stats.overrun_packets), (3, 3));
    // Capture-only callbacks on a render stream.
    assert_eq!(
        s.get_capture_packet(P()).err(),
        Some(NtStatus::INVALID_DEVICE_STATE)
    );
}

#[test]
fn capture_packets_wait_for_completion_and_skip_overwritten_ones() {
    let platform = SimPlatform::new(15);
    let dev = device(&platform);
    let s = open_default(&dev, capture(), &platform);
    assert_eq!(
        s.set_render_packet(0, 0, 0, P()),
        Err(NtStatus::INVALID_DEVICE_STATE)
    );
    s.allocate_rt_packets(2, 3840, P()).unwrap();
    s.prepare_hardware(P()).unwrap();
    s.run(P()).unwrap();
    let t0 = platform.now().0;
    assert_eq!(
        s.get_capture_packet(P()).err(),
        Some(NtStatus::DEVICE_NOT_READY)
    );
    // Five packets go by unread: the three oldest are overwritten.
    platform.run_until(Ticks(t0 + 500_000));
    let first = s.get_capture_packet(P()).unwrap();
    assert_eq!(
        (first.packet, first.qpc_start, first.more_data),
        (3, t0 + 300_000, true)
    );
    let second = s.get_capture_packet(P()).unwrap();
    assert_eq!((second.packet, second.more_data), (4, false));
    assert_eq!(s.stats().unwrap().overflow_packets, 3);
    let (frames, qpc) = s.get_presentation_position(D()).unwrap();
    assert_eq!((frames, qpc), (2_400, t0 + 500_000));
    let hw = s.get_hw_latency(P()).unwrap();
    assert_eq!(hw.fifo_bytes, 0);
}

#[test]
fn a_failed_timer_leaves_no_stream_behind() {
    let platform = SimPlatform::new(16);
    let dev = device(&platform);
    platform.set_faults(FaultPlan {
        fail_allocations: vec![],
        fail_timers: vec![platform.timer_calls()],
    });
    let r = dev.create_stream(
        render(),
        &data_format_bytes(&Format::DEFAULT),
        PacketRecorder::new(platform.clone()),
        P(),
    );
    assert_eq!(r.err(), Some(NtStatus::INSUFFICIENT_RESOURCES));
    assert!(!dev.has_stream(render()));
    assert!(
        dev.create_stream(
            render(),
            &data_format_bytes(&Format::DEFAULT),
            PacketRecorder::new(platform.clone()),
            P()
        )
        .is_ok()
    );
}

#[test]
fn destroying_a_running_stream_releases_everything() {
    let platform = SimPlatform::new(17);
    let dev = device(&platform);
    let live = platform.live_allocations();
    let s = open_default(&dev, render(), &platform);
    s.allocate_rt_packets(1, 3840, P()).unwrap();
    s.prepare_hardware(P()).unwrap();
    s.run(P()).unwrap();
    platform.run_until(Ticks(platform.now().0 + 1_000_000));
    assert_eq!(s.notifier().take().len(), 10);
    drop(s);
    assert_eq!(platform.live_allocations(), live);
    assert_eq!(platform.live_timers(), 0);
    assert!(!dev.has_stream(render()));
    platform.run_until(Ticks(platform.now().0 + 1_000_000));
}

#[test]
fn a_device_that_cannot_allocate_its_rings_frees_what_it_had() {
    let platform = SimPlatform::new(18);
    let config = parse_text("Cables = 3\n", &mut |w| panic!("{w}"));
    platform.set_faults(FaultPlan {
        fail_allocations: vec![2],
        fail_timers: vec![],
    });
    assert_eq!(
        AcxDevice::<_, PacketRecorder>::new(platform.clone(), &config, P()).err(),
        Some(NtStatus::INSUFFICIENT_RESOURCES)
    );
    assert_eq!(platform.live_allocations(), (0, 0));
    let dev = AcxDevice::<_, PacketRecorder>::new(platform.clone(), &config, P()).unwrap();
    assert_eq!(dev.model().circuits().len(), 6);
    assert_eq!(platform.live_allocations().0, 3);
    drop(dev);
    assert_eq!(platform.live_allocations(), (0, 0));
}

// --- packet_complete is never called with the device lock held ------------------------------

thread_local! {
    static HELD: Cell<u32> = const { Cell::new(0) };
}

/// A spin lock that counts its holders on this thread.
struct CountingLock(SpinRawLock);

// SAFETY: delegates to `SpinRawLock`, which admits one holder; the counter is bookkeeping only.
unsafe impl RawLock for CountingLock {
    type Token = ();
    fn new() -> Self {
        CountingLock(SpinRawLock::new())
    }
    fn acquire(&self) {
        self.0.acquire();
        HELD.with(|h| h.set(h.get() + 1));
    }
    unsafe fn release(&self, (): ()) {
        HELD.with(|h| h.set(h.get() - 1));
        // SAFETY: our caller's token came from the matching `acquire` on this lock (contract),
        // which took the inner lock exactly once; this releases that hold once.
        unsafe { self.0.release(()) };
    }
}

#[derive(Clone, Debug)]
struct CountingPlatform(SimPlatform);

impl Platform for CountingPlatform {
    type Lock = CountingLock;
    type Timer = cadenza_hostsim::platform::SimTimer;
    fn now(&self) -> Ticks {
        self.0.now()
    }
    fn frequency(&self) -> CounterFrequency {
        self.0.frequency()
    }
    fn create_timer(&self, target: TimerTarget) -> Result<Self::Timer, NtStatus> {
        self.0.create_timer(target)
    }
    fn signal(&self, event: EventHandle) {
        self.0.signal(event);
    }
    fn allocate(&self, bytes: usize) -> Result<DmaBuffer, NtStatus> {
        self.0.allocate(bytes)
    }
    fn free(&self, buffer: DmaBuffer) {
        self.0.free(buffer);
    }
    fn debug(&self, message: std::fmt::Arguments<'_>) {
        self.0.debug(message);
    }
}

#[derive(Clone)]
struct LockFreeCheck(std::sync::Arc<std::sync::Mutex<Vec<u32>>>);

impl PacketNotify for LockFreeCheck {
    fn packet_complete(&self, _: u64, _: Ticks) {
        let held = HELD.with(Cell::get);
        self.0.lock().unwrap().push(held);
    }
}

#[test]
fn packet_complete_is_called_outside_the_device_lock() {
    let sim = SimPlatform::new(19);
    let platform = CountingPlatform(sim.clone());
    let dev = AcxDevice::new(platform, &DeviceConfig::default(), P()).unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = dev
        .create_stream(
            render(),
            &data_format_bytes(&Format::DEFAULT),
            LockFreeCheck(log.clone()),
            P(),
        )
        .unwrap();
    s.allocate_rt_packets(2, 3840, P()).unwrap();
    s.prepare_hardware(P()).unwrap();
    s.run(P()).unwrap();
    sim.run_until(Ticks(sim.now().0 + 1_000_000));
    let held = log.lock().unwrap().clone();
    // 0.1 s of 10 ms packets.
    assert_eq!(held.len(), 10);
    assert!(
        held.iter().all(|&h| h == 0),
        "packet_complete ran with {held:?} locks held"
    );
    assert_eq!(HELD.with(Cell::get), 0);
}

#[test]
fn the_status_property_refuses_a_foreign_set_a_bad_verb_and_an_unconfigured_cable() {
    let p = SimPlatform::new(1);
    let dev = device(&p);
    let ours = cadenza_engine::live_status::KSPROPSETID_CADENZA_STATUS;
    let mut value = [0u8; 600];
    // Cable 1 is nameable (below MAX_CABLES) but the default configuration has one cable.
    let second = CircuitId::new(1, Direction::Render).unwrap();
    let r = dev.status_property(second, &ours, 1, 1, &mut value);
    assert_eq!((r.status, r.bytes), (NtStatus::INVALID_PARAMETER, 0));
    let r = dev.status_property(
        render(),
        &cadenza_engine::Guid::from_u128(9),
        1,
        1,
        &mut value,
    );
    assert_eq!((r.status, r.bytes), (NtStatus::NOT_FOUND, 0));
    // AcxPropertyVerbSetSupport (4).
    let r = dev.status_property(render(), &ours, 1, 4, &mut value);
    assert_eq!((r.status, r.bytes), (NtStatus::INVALID_DEVICE_REQUEST, 0));
    // Both circuits answer with the same 472 bytes.
    let mut other = [0u8; 600];
    let a = dev.status_property(render(), &ours, 1, 1, &mut value);
    let b = dev.status_property(capture(), &ours, 1, 1, &mut other);
    assert_eq!((a.status, a.bytes), (NtStatus::SUCCESS, 472));
    assert_eq!(a, b);
    assert_eq!(value[..472], other[..472]);
}

/// Promise: the debugger's and tests' view of a circuit — `has_stream` — is true exactly while
/// a stream object exists on that circuit, and only on that circuit.
#[test]
fn has_stream_is_true_exactly_while_a_stream_is_open_on_that_circuit() {
    let platform = SimPlatform::new(23);
    let dev = device(&platform);
    assert!(!dev.has_stream(render()));
    let s = open_default(&dev, render(), &platform);
    assert!(dev.has_stream(render()), "open on the render circuit");
    assert!(!dev.has_stream(capture()), "nothing on the capture circuit");
    drop(s);
    assert!(!dev.has_stream(render()), "closed");
}

/// Promise: packet completions go to the notifier the driver hands over with `set_notify`
/// (ACX gives the ACXSTREAM only after the stream exists), not to the one the stream was
/// created with.
#[test]
fn packet_completions_go_to_the_notifier_given_by_set_notify() {
    let platform = SimPlatform::new(29);
    let dev = device(&platform);
    let mut s = open_default(&dev, render(), &platform);
    let first = s.notifier().clone();
    let second = PacketRecorder::new(platform.clone());
    s.set_notify(second.clone());
    s.allocate_rt_packets(2, 3840, P()).unwrap();
    s.prepare_hardware(P()).unwrap();
    s.run(P()).unwrap();
    // 0.1 s of 10 ms packets.
    platform.run_until(Ticks(platform.now().0 + 1_000_000));
    assert_eq!(
        second.take().len(),
        10,
        "the new notifier gets every completion"
    );
    assert!(first.take().is_empty(), "the old one gets none");
    assert_eq!(
        s.notifier().take().len(),
        0,
        "s.notifier() is the new one (drained)"
    );
}

/// Promise: packets are allocated once per stream: a second EvtAcxStreamAllocateRtPackets with
/// packets already attached is refused with STATUS_INVALID_DEVICE_STATE and changes nothing;
/// and a stream without packets cannot be prepared.
#[test]
fn a_second_packet_allocation_is_refused_and_keeps_the_first() {
    let platform = SimPlatform::new(31);
    let dev = device(&platform);
    let s = open_default(&dev, render(), &platform);
    s.allocate_rt_packets(2, 3840, P()).unwrap();
    let live = platform.live_allocations();
    assert_eq!(
        s.allocate_rt_packets(1, 1920, P()).err(),
        Some(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(platform.live_allocations(), live, "nothing allocated");
    assert_eq!(s.geometry().map(|g| g.packet_frames()), Some(480));
    // A stream cannot leave STOP without packets, so STOP-with-packets is the only other
    // state an allocation can meet: PrepareHardware first is refused.
    let c = open_default(&dev, capture(), &platform);
    assert_eq!(
        c.prepare_hardware(P()).err(),
        Some(NtStatus::INVALID_DEVICE_STATE)
    );
    assert_eq!(c.state(), Ok(KsState::Stop));
}
