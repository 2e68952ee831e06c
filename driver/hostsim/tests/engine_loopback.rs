//! Scenario tests of the engine on the simulator: the loopback cable end to end.

// Test arithmetic on simulated sizes and times; 64-bit hosts only.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::time::CounterFrequency;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{LoopbackConfig, LoopbackResult, run_loopback};
use cadenza_hostsim::{Lateness, SimPlatform};

fn run(config: &LoopbackConfig, seed: u64) -> LoopbackResult {
    let platform = SimPlatform::new(seed);
    let mut driver = EngineDriver::new(platform).expect("driver");
    run_loopback(&mut driver, config, &mut |_| {}).expect("scenario")
}

fn short(seconds: u64) -> LoopbackConfig {
    let mut c = LoopbackConfig::default_for(CounterFrequency::TEN_MHZ);
    c.duration_ticks = seconds * 10_000_000;
    c
}

#[test]
fn default_loopback_is_bit_exact_and_glitch_free() {
    let r = run(&short(2), 1);
    assert!(r.check.bit_exact(), "{:?}", r.check);
    assert!(r.check.compared > 90_000, "{:?}", r.check);
    assert_eq!(r.render_stats.glitches(), 0, "{:?}", r.render_stats);
    assert_eq!(r.capture_stats.glitches(), 0, "{:?}", r.capture_stats);
    assert_eq!(r.leaked_buffers, 0);
    // One wake-up per notification: 100 per second per stream at 10 ms.
    assert_eq!(r.render_notifications.len(), 200);
    assert!(r.timer_expiries <= 402, "{}", r.timer_expiries);
    assert_eq!(r.final_render_frames, r.expected_render_frames);
    assert_eq!(r.final_capture_frames, r.expected_capture_frames);
}

#[test]
fn every_format_pair_and_packet_mode_choice_delivers_the_signal() {
    let rate = SampleRate::new(48_000).unwrap();
    for packet_mode in [true, false] {
        for (rt, ct, rc, cc) in [
            (SampleType::Int16, SampleType::Int16, 2, 2),
            (SampleType::Int24, SampleType::Int24, 6, 6),
            (SampleType::Int24In32, SampleType::Int24In32, 1, 1),
            (SampleType::Int32, SampleType::Int32, 8, 8),
            (SampleType::Float32, SampleType::Int16, 2, 2),
            (SampleType::Int16, SampleType::Float32, 2, 1),
            (SampleType::Int24, SampleType::Int32, 1, 2),
        ] {
            let mut c = short(1);
            c.packet_mode = packet_mode;
            c.render = Format::new(rt, Channels::new(rc).unwrap(), rate);
            c.capture = Format::new(ct, Channels::new(cc).unwrap(), rate);
            let r = run(&c, 3);
            assert!(
                r.check.bit_exact(),
                "{rt:?}x{rc} -> {ct:?}x{cc} packet_mode={packet_mode}: {:?}",
                r.check
            );
        }
    }
}

#[test]
fn late_timers_are_counted_caught_up_and_do_not_corrupt_audio() {
    let mut c = short(3);
    // A quarter of wake-ups late by up to 2.5 packets.
    c.lateness = Lateness::Random {
        ppm: 250_000,
        max_ticks: 250_000,
    };
    let r = run(&c, 11);
    assert!(
        r.render_stats.missed_notifications > 0,
        "{:?}",
        r.render_stats
    );
    assert!(r.render_stats.max_lateness_ticks > 100_000);
    // Notifications delivered + missed account for every boundary.
    let boundaries = r.final_render_frames / 480;
    assert_eq!(
        r.render_stats.notifications + r.render_stats.missed_notifications,
        boundaries
    );
    // The client kept up where it could; every skipped packet is silence, never stale data.
    assert!(r.check.offset.is_some());
}

#[test]
fn a_client_that_stops_writing_yields_silence_and_a_counted_underrun() {
    let mut c = short(1);
    c.render_stops_after = Some(50);
    let r = run(&c, 5);
    assert!(
        r.render_stats.underrun_frames >= 40 * 480,
        "{:?}",
        r.render_stats
    );
    assert!(r.render_stats.glitches() > 0);
    // What was written arrives intact; after it, only silence.
    assert!(r.check.bit_exact(), "{:?}", r.check);
    let offset = usize::try_from(r.check.offset.unwrap()).unwrap();
    let tail = &r.captured[(offset + 50 * 480 + 10) * 8..];
    assert!(
        tail.iter().all(|b| *b == 0),
        "stale audio after the client stopped"
    );
}

#[test]
fn runs_replay_from_their_seed() {
    let mut c = short(1);
    c.lateness = Lateness::Random {
        ppm: 300_000,
        max_ticks: 150_000,
    };
    let a = run(&c, 99);
    let b = run(&c, 99);
    assert_eq!(a.render_notifications, b.render_notifications);
    assert_eq!(a.captured, b.captured);
    let other = run(&c, 100);
    assert_ne!(a.render_notifications, other.render_notifications);
}

#[test]
fn one_packet_buffers_in_position_mode_are_bit_exact() {
    let mut c = short(1);
    c.packets = 1;
    c.packet_mode = false;
    let r = run(&c, 21);
    assert!(r.check.bit_exact(), "{:?}", r.check);
    assert_eq!(r.client_skipped_packets, 0);
    assert_eq!(r.render_stats.glitches() + r.capture_stats.glitches(), 0);
}
