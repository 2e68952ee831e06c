//! One core, two frameworks — proven: the same scenario (formats, period, signal, injected
//! late timers) through the engine directly, the PortCls miniports (through their vtables)
//! and the ACX adapter (through its callbacks) gives identical captured audio and identical
//! position / notification traces, to the frame.

use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::time::CounterFrequency;
use cadenza_hostsim::scenario::{DriverUnderTest, LoopbackConfig, LoopbackResult, run_loopback};
use cadenza_hostsim::{Lateness, SimPlatform};

fn run(framework: &str, config: &LoopbackConfig, seed: u64) -> LoopbackResult {
    let platform = SimPlatform::new(seed);
    let mut driver: Box<dyn DriverUnderTest> = match framework {
        "engine" => Box::new(cadenza_hostsim::engine_driver::EngineDriver::new(platform).unwrap()),
        "portcls" => Box::new(cadenza_portcls::sim::PortClsDriver::new(platform).unwrap()),
        "acx" => Box::new(cadenza_acx::sim::AcxDriver::new(platform).unwrap()),
        other => panic!("unknown framework {other}"),
    };
    run_loopback(driver.as_mut(), config, &mut |_| {}).unwrap()
}

fn assert_identical(a: &LoopbackResult, b: &LoopbackResult) {
    let who = format!("{} vs {}", a.framework, b.framework);
    assert_eq!(a.captured.len(), b.captured.len(), "{who}: captured length");
    assert!(a.captured == b.captured, "{who}: captured audio differs");
    assert_eq!(a.positions, b.positions, "{who}: position traces differ");
    assert_eq!(
        a.render_notifications.len(),
        b.render_notifications.len(),
        "{who}"
    );
    assert_eq!(
        a.capture_notifications.len(),
        b.capture_notifications.len(),
        "{who}"
    );
    assert_eq!(a.render_stats, b.render_stats, "{who}: render counters");
    assert_eq!(a.capture_stats, b.capture_stats, "{who}: capture counters");
    assert_eq!(a.check, b.check, "{who}: loopback check");
}

fn scenario(lateness: Lateness, packet_mode: bool) -> LoopbackConfig {
    let mut c = LoopbackConfig::default_for(CounterFrequency::TEN_MHZ);
    c.duration_ticks = 20_000_000; // 2 s
    c.render = Format::new(
        SampleType::Int24,
        Channels::STEREO,
        SampleRate::new(48_000).unwrap(),
    );
    c.capture = Format::new(
        SampleType::Float32,
        Channels::MONO,
        SampleRate::new(48_000).unwrap(),
    );
    c.period_us = 3_000;
    c.packet_mode = packet_mode;
    c.lateness = lateness;
    c
}

#[test]
fn acx_portcls_and_engine_agree_to_the_frame_with_on_time_timers() {
    let c = scenario(Lateness::OnTime, true);
    let engine = run("engine", &c, 7);
    assert!(engine.check.bit_exact(), "{:?}", engine.check);
    for fw in ["portcls", "acx"] {
        assert_identical(&engine, &run(fw, &c, 7));
    }
}

#[test]
fn acx_portcls_and_engine_agree_to_the_frame_with_injected_late_timers() {
    for packet_mode in [true, false] {
        let c = scenario(
            Lateness::Random {
                ppm: 200_000,
                max_ticks: 70_000,
            },
            packet_mode,
        );
        let engine = run("engine", &c, 42);
        assert!(
            engine.render_stats.missed_notifications > 0,
            "the scenario must actually be late"
        );
        for fw in ["portcls", "acx"] {
            assert_identical(&engine, &run(fw, &c, 42));
        }
    }
}
