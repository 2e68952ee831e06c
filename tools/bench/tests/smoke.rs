//! The exactness figures are checks, not only numbers: they must hold on every build.
//! (Timing figures are not asserted here; `cargo run --release -p cadenza-bench` reports them.)

use cadenza_bench::experiments::{Effort, drift_table, engine_full_run, memory, scale_point};

#[test]
fn engine_positions_and_notifications_do_not_drift_in_24_hours() {
    for d in drift_table() {
        assert_eq!(d.engine.position_error_frames, 0, "{d:?}");
        assert_eq!(d.engine.notification_error_frames, 0, "{d:?}");
        assert_eq!(d.engine.notification_error_ticks, 0, "{d:?}");
    }
}

#[test]
fn every_simulated_notification_is_on_the_ideal_timeline() {
    // 20 simulated seconds through EngineDriver and SimPlatform timers on a 3.579545 MHz
    // counter (the bench binary runs the full 24 hours).
    let v = engine_full_run(44_100, 10, 20, 3_579_545);
    assert_eq!(v.engine_notifications, 2_000);
    assert_eq!(v.engine_expiries, 2_000);
    assert_eq!(v.engine_wrong_notifications, 0);
    assert_eq!(v.engine_position_error_frames, 0);
    assert!(v.classic_agrees);
}

#[test]
fn one_wakeup_per_notification_at_scale() {
    let s = scale_point(4, 10_000, &Effort::SMOKE);
    assert_eq!(s.wakeups, 400);
    assert_eq!(s.notifications, 400);
}

#[test]
fn per_stream_state_fits_in_two_kib() {
    let total = memory().last().map(|m| m.bytes).unwrap();
    assert!(total <= 2048, "{total} bytes");
}
