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
fn a_timer_missing_for_ten_packets_is_one_notification_ten_misses_and_no_burst() {
    use cadenza_engine::stream::Direction;
    let mut c = short(1);
    // The 41st wake-up of the run (a render or capture one, about 200 ms in) comes 100 ms =
    // ten packets late: to the client the timer is gone for five buffers.
    c.lateness = Lateness::Scripted(vec![(40, 1_000_000)]);
    let r = run(&c, 5);
    let (late, notes) = if r.render_stats.max_lateness_ticks >= 1_000_000 {
        (r.render_stats, &r.render_notifications)
    } else {
        (r.capture_stats, &r.capture_notifications)
    };
    assert!(late.max_lateness_ticks >= 1_000_000, "{late:?}");
    // The late wake-up notifies once, for the newest packet; the nine or ten boundaries it
    // slept through are counted, not replayed.
    assert!((9..=10).contains(&late.missed_notifications), "{late:?}");
    let gap = notes
        .windows(2)
        .map(|w| w[1].since(w[0]))
        .max()
        .unwrap_or(0);
    assert!(gap >= 1_000_000, "no notification gap: {gap}");
    let burst = notes
        .windows(2)
        .filter(|w| w[1].since(w[0]) < 100_000)
        .count();
    assert_eq!(burst, 0, "notifications closer than one packet apart");
    // Every boundary is either a notification or a counted miss, on both streams.
    let boundaries = r.final_render_frames / 480;
    assert_eq!(
        r.render_stats.notifications + r.render_stats.missed_notifications,
        boundaries
    );
    // Positions stayed exact and monotonic through the gap.
    for d in [Direction::Render, Direction::Capture] {
        let frames: Vec<u64> = r
            .positions
            .iter()
            .filter(|p| p.direction == d)
            .map(|p| p.frames)
            .collect();
        assert!(frames.windows(2).all(|w| w[0] <= w[1]), "{d:?} went back");
    }
    assert_eq!(r.final_render_frames, r.expected_render_frames);
    assert_eq!(r.final_capture_frames, r.expected_capture_frames);
    assert_eq!(r.leaked_buffers, 0);
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
