//! One device host under both adapters: every documented setting takes effect in both drivers,
//! and a device leaving D0 or being removed behaves the same in both.
//!
//! Each configuration below runs through the engine driver, the PortCls miniports (through
//! their vtables and the adapter's power object) and the ACX adapter (through its callbacks and
//! its device power callbacks), from the drivers' own configuration path (the simulated
//! registry), each wrapped in the debugger trace. The three must agree on the captured bytes,
//! every position, notification and counter, the trace records, and what the driver told the
//! framework (the interface friendly name and packet-size constraints) — and those published
//! values, the tone and the power behaviour are checked against expectations worked out here by
//! hand, not by the code under test.

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::debug_registry::DebugFramework;
use cadenza_engine::device::Presence;
use cadenza_engine::format::SampleType;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::CounterFrequency;
use cadenza_engine::trace::TraceEntry;
use cadenza_hostsim::debug_trace::Traced;
use cadenza_hostsim::device_config::ParametersKey;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{
    DriverUnderTest, LoopbackConfig, LoopbackResult, PresenceEvent, Published, run_loopback,
};
use cadenza_hostsim::{Lateness, SimPlatform};

const FREQ: CounterFrequency = CounterFrequency::TEN_MHZ;
const FRAMEWORKS: [&str; 3] = ["engine", "portcls", "acx"];

/// The configuration as the drivers read it: written to the simulated `Parameters` key and
/// decoded by the drivers' registry path (with no warning allowed).
fn config(text: &str) -> DeviceConfig {
    let parsed = cadenza_engine::config::parse_text(text, &mut |w| panic!("{text}: {w}"));
    ParametersKey::from_config(&parsed).read_config(&mut |w| panic!("registry: {w}"))
}

/// Everything a client and a debugger could see of one run.
struct Seen {
    result: LoopbackResult,
    trace: Vec<TraceEntry>,
    published: Published,
    has: [bool; 2],
}

fn run(framework: &str, device: &DeviceConfig, job: &LoopbackConfig) -> Seen {
    let platform = SimPlatform::new(11);
    let inner: Box<dyn DriverUnderTest> = match framework {
        "engine" => Box::new(EngineDriver::with_config(platform, device).expect("engine")),
        "portcls" => Box::new(
            cadenza_portcls::sim::PortClsDriver::with_config(platform, device).expect("portcls"),
        ),
        "acx" => Box::new(cadenza_acx::sim::AcxDriver::with_config(platform, device).expect("acx")),
        other => panic!("unknown framework {other}"),
    };
    let mut traced = Traced::new(inner, DebugFramework::Sim, None);
    let has = [
        traced.has_endpoint(Direction::Render),
        traced.has_endpoint(Direction::Capture),
    ];
    let published = traced.published();
    let result = run_loopback(&mut traced, job, &mut |_| {}).expect(framework);
    let trace = traced
        .debug()
        .ring()
        .iter()
        .map(|e| TraceEntry { seq: 0, ..e })
        .collect();
    Seen {
        result,
        trace,
        published,
        has,
    }
}

fn assert_same(a: &Seen, b: &Seen, what: &str) {
    let (x, y) = (&a.result, &b.result);
    let who = format!("{what}: {} vs {}", x.framework, y.framework);
    assert_eq!(a.has, b.has, "{who}: endpoints");
    assert!(x.captured == y.captured, "{who}: captured bytes differ");
    assert_eq!(x.positions, y.positions, "{who}: positions");
    assert_eq!(x.render_notifications, y.render_notifications, "{who}");
    assert_eq!(x.capture_notifications, y.capture_notifications, "{who}");
    assert_eq!(x.render_stats, y.render_stats, "{who}: render counters");
    assert_eq!(x.capture_stats, y.capture_stats, "{who}: capture counters");
    assert_eq!(x.check, y.check, "{who}: loopback check");
    assert_eq!(
        (x.final_render_frames, x.final_capture_frames),
        (y.final_render_frames, y.final_capture_frames),
        "{who}: final positions"
    );
    assert_eq!(x.timer_expiries, y.timer_expiries, "{who}: timer wake-ups");
    assert_eq!(a.trace, b.trace, "{who}: trace records");
    assert_eq!(a.published, b.published, "{who}: what the driver published");
    assert_eq!(
        x.render_client_view, y.render_client_view,
        "{who}: packet counts / presentation positions"
    );
    assert!(x.violations.is_empty(), "{who}: {:?}", x.violations);
    assert!(y.violations.is_empty(), "{who}: {:?}", y.violations);
    assert_eq!(x.leaked_buffers, 0, "{who}: leaked buffers");
    assert_eq!(y.leaked_buffers, 0, "{who}: leaked buffers");
}

/// Runs `device` with the job its shared-mode client would run (the default format both
/// sides, the configured period) through all three frameworks; returns the engine's view
/// after checking the other two agree.
fn all_agree(what: &str, device_text: &str, adjust: impl Fn(&mut LoopbackConfig)) -> Seen {
    let device = config(device_text);
    let mut job = LoopbackConfig::default_for(FREQ);
    job.render = device.default_format();
    job.capture = device.default_format();
    job.period_us = device.period_us();
    job.duration_ticks = 10_000_000; // 1 s
    adjust(&mut job);
    let seen: Vec<Seen> = FRAMEWORKS.iter().map(|f| run(f, &device, &job)).collect();
    for other in &seen[1..] {
        assert_same(&seen[0], other, what);
    }
    seen.into_iter().next().expect("three runs")
}

/// `MinPacketPeriodInHns` and the default mode's `SamplesPerProcessingPacket` of the
/// published KSAUDIO_PACKETSIZE_CONSTRAINTS2.
fn constraints(p: &Published) -> (u32, u32) {
    let key = cadenza_engine::Guid::from_u128(0x9404f781_7191_409b_8b0b_80bf6ec229ae);
    let b = p.value(key).expect("packet constraints published");
    let word = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    // Four ULONGs, then the mode's GUID (16 bytes), then its frame count.
    (word(0), word(32))
}

#[test]
fn the_default_configuration_is_a_bit_exact_cable_named_cadenza_cable_1_at_10_ms() {
    let s = all_agree("default", "", |_| {});
    assert!(s.result.check.bit_exact(), "{:?}", s.result.check);
    assert_eq!(s.has, [true, true]);
    assert_eq!(s.published.name().as_deref(), Some("Cadenza Cable 1"));
    // 10 ms = 100 000 × 100 ns; 480 frames at 48 kHz.
    assert_eq!(constraints(&s.published), (100_000, 480));
}

#[test]
fn two_cables_of_eight_channels_at_96_khz() {
    let s = all_agree(
        "2 x 8 ch x 96 kHz",
        "Cables = 2\nChannels = 8\nSampleRates = 96000\nDefaultSampleRate = 96000",
        |_| {},
    );
    assert!(s.result.check.bit_exact(), "{:?}", s.result.check);
    assert_eq!(s.result.config.capture.channels().get(), 8);
    assert_eq!(s.result.config.capture.rate().hz(), 96_000);
    assert_eq!(constraints(&s.published), (100_000, 960));
    // One second of 96 kHz, 8 channels of float32.
    assert_eq!(
        s.result.final_capture_frames,
        s.result.expected_capture_frames
    );
}

#[test]
fn period_3000_us_is_what_the_driver_publishes_and_what_the_streams_run_at() {
    let s = all_agree("PeriodUs 3000", "PeriodUs = 3000", |_| {});
    // 3 ms = 30 000 × 100 ns; 144 frames at 48 kHz.
    assert_eq!(constraints(&s.published), (30_000, 144));
    // The client follows the published period: one notification per 3 ms, per stream.
    let notes = s.result.capture_notifications.len();
    assert!(
        (330..=334).contains(&notes),
        "{notes} capture notifications in 1 s"
    );
    assert!(s.result.check.bit_exact(), "{:?}", s.result.check);
}

#[test]
fn a_custom_cable_name_becomes_the_interface_friendly_name() {
    let s = all_agree("CableName", "CableName = \"Studio Bus {n}\"", |_| {});
    assert_eq!(s.published.name().as_deref(), Some("Studio Bus 1"));
    let expected: Vec<u8> = "Studio Bus 1\0"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let key = cadenza_engine::Guid::from_u128(0x026e516e_b814_414b_83cd_856d6fef4822);
    assert_eq!(s.published.value(key), Some(&expected[..]));
}

#[test]
fn a_tone_source_at_1000_hz_records_a_1000_hz_sine_at_minus_12_dbfs() {
    let s = all_agree("tone", "DeviceKind = tone\nToneHz = 1000", |_| {});
    assert_eq!(
        s.has,
        [false, true],
        "a tone source is a capture endpoint only"
    );
    assert_eq!(s.result.config.capture.sample(), SampleType::Float32);
    let channels = usize::from(s.result.config.capture.channels().get());
    let left: Vec<f32> = s
        .result
        .captured
        .chunks_exact(4 * channels)
        .map(|f| f32::from_le_bytes(f[..4].try_into().unwrap()))
        .collect();
    // Half a second after the first packet: 500 cycles of 1 kHz.
    assert!(left.len() >= 24_480, "{} frames captured", left.len());
    let second = &left[480..24_480];
    let rising = second
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count();
    assert!((499..=501).contains(&rising), "{rising} cycles in 0.5 s");
    // −12 dBFS = 10^(−12/20) ≈ 0.2512 of full scale.
    let peak = second.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((0.2500..0.2520).contains(&peak), "peak {peak}");
}

#[test]
fn a_null_sink_plays_at_the_nominal_rate_into_nothing() {
    let s = all_agree("null", "DeviceKind = null", |_| {});
    assert_eq!(
        s.has,
        [true, false],
        "a null sink is a render endpoint only"
    );
    assert!(s.result.captured.is_empty());
    assert_eq!(
        s.result.final_render_frames,
        s.result.expected_render_frames
    );
    // One second at 48 kHz, 10 ms packets: 100 notifications (±1 at the edges).
    let notes = s.result.render_notifications.len();
    assert!((99..=101).contains(&notes), "{notes} render notifications");
    assert_eq!(s.result.render_stats.missed_notifications, 0);
}

/// 0.3 s into the run the device leaves D0, and 0.2 s later comes back.
fn power_cycle(job: &mut LoopbackConfig) {
    job.presence_events = vec![
        PresenceEvent {
            after_render_start_ticks: 3_000_000,
            presence: Presence::PoweredDown,
        },
        PresenceEvent {
            after_render_start_ticks: 5_000_000,
            presence: Presence::Present,
        },
    ];
}

#[test]
fn leaving_d0_mid_stream_freezes_both_streams_and_they_resume_after_d0() {
    let s = all_agree("D3 and back", "", power_cycle);
    let r = &s.result;
    // Positions count running time only: 1 s of run minus 0.2 s in D3.
    assert_eq!(r.final_render_frames, r.expected_render_frames);
    assert_eq!(r.expected_render_frames, 48_000 - 9_600);
    // No notification in the 0.2 s without power (render start + 0.3 s .. + 0.5 s).
    let start = r.positions.first().map_or(0, |p| p.at.0);
    let silent = r
        .render_notifications
        .iter()
        .chain(&r.capture_notifications)
        .filter(|t| t.0 > start + 3_000_000 && t.0 < start + 5_000_000)
        .count();
    assert_eq!(silent, 0, "notifications while powered down");
    // Power changes are in the trace: D3, then D0.
    let power: Vec<u64> = s
        .trace
        .iter()
        .filter(|e| e.kind() == Some(cadenza_engine::trace::TraceKind::Power))
        .map(|e| e.args[0])
        .collect();
    assert_eq!(power, [3, 0]);
    assert_eq!(r.leaked_buffers, 0);
}

#[test]
fn surprise_removal_mid_stream_freezes_everything_and_cleanup_leaks_nothing() {
    let s = all_agree("surprise removal", "", |job| {
        job.presence_events = vec![PresenceEvent {
            after_render_start_ticks: 4_000_000,
            presence: Presence::Removed,
        }];
    });
    let r = &s.result;
    // Frozen at removal: 0.4 s of render at 48 kHz.
    assert_eq!(r.final_render_frames, 19_200);
    assert_eq!(r.expected_render_frames, 19_200);
    let removed = s
        .trace
        .iter()
        .filter(|e| e.kind() == Some(cadenza_engine::trace::TraceKind::DeviceRemoved))
        .count();
    assert_eq!(removed, 1);
    assert_eq!(r.leaked_buffers, 0);
}

#[test]
fn late_timers_are_reported_the_same_by_every_framework() {
    let s = all_agree("late timers", "PeriodUs = 5000", |job| {
        job.lateness = Lateness::Random {
            ppm: 200_000,
            max_ticks: 60_000,
        };
    });
    assert!(
        s.result.render_stats.max_lateness_ticks > 0,
        "no late timer injected"
    );
}
