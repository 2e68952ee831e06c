//! The exactness figures are checks, not only numbers: they must hold on every build.
//! (Timing figures are not asserted here; `cargo run --release -p cadenza-bench` reports them.)

use cadenza_bench::cache::Flusher;
use cadenza_bench::copy::{CacheState, Period, copy_formats, copy_rows, fixed_cost};
use cadenza_bench::experiments::{
    Effort, convert_pair, drift_table, engine_full_run, memory, scale_point, scale_point_cold,
};
use cadenza_bench::verdict::{Status, verdicts};
use cadenza_engine::format::SampleType;

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
fn memory_counts_the_ring_share_timer_and_framework_state() {
    let m = memory();
    assert_eq!(m.len(), 2);
    // Default: one cable of 500 ms x 48 kHz x 2 ch x 4 bytes.
    assert_eq!(m[0].ring_bytes_per_cable, 192_000);
    // Largest: 500 ms x 384 kHz x 16 ch x 4 bytes, eight cables.
    assert_eq!(m[1].ring_bytes_per_cable, 12_288_000);
    assert_eq!(m[1].cables, 8);
    for c in &m {
        assert_eq!(
            c.portcls_total - c.portcls_state,
            c.ring_bytes_per_cable / 2
        );
        assert_eq!(c.acx_total - c.acx_state, c.ring_bytes_per_cable / 2);
        let counted = |who: &str| -> usize {
            c.rows
                .iter()
                .filter(|r| r.counted_in == "both" || r.counted_in == who)
                .map(|r| r.bytes)
                .sum()
        };
        assert_eq!(counted("PortCls"), c.portcls_total);
        assert_eq!(counted("ACX"), c.acx_total);
        assert!(c.rows.iter().any(|r| r.name.contains("timer")));
    }
}

/// Every timed experiment runs at smoke size (figures are not checked: timing is not a test).
#[test]
fn copy_rows_fixed_cost_and_conversions_run() {
    let mut flusher = Flusher::new(1 << 20);
    for fmt in copy_formats() {
        for period in [Period::Millis(1), Period::Frames(128)] {
            let [hot, cold] = copy_rows(fmt, period, 2, &Effort::SMOKE, &mut flusher, 0.0);
            assert_eq!((hot.cache, cold.cache), (CacheState::Hot, CacheState::Cold));
            assert_eq!(hot.packet_frames, period.frames(fmt.rate().hz()));
            assert!(hot.cable.min_ns > 0.0 && cold.sse2.median_ns >= 0.0);
        }
    }
    let fc = fixed_cost(&Effort::SMOKE, &mut flusher, 0.0);
    assert_eq!(fc.points.len(), 10);
    assert!(fc.intercept_ns.is_finite());
    let c = convert_pair(
        SampleType::Float32,
        SampleType::Int24,
        (2, 2),
        0,
        10,
        &Effort::SMOKE,
    );
    assert_eq!((c.frames, c.in_bytes, c.out_bytes), (480, 3840, 2880));
    let mut s = scale_point(4, 10_000, &Effort::SMOKE);
    scale_point_cold(&mut s, &Effort::SMOKE, &mut flusher, 0.0);
    assert!(s.cold_core_percent.is_some());
}

#[test]
fn the_384_khz_100_ms_row_fits_its_buffers() {
    let mut flusher = Flusher::new(1 << 16);
    let fmt = copy_formats()[1];
    let [hot, _] = copy_rows(
        fmt,
        Period::Millis(100),
        1,
        &Effort::SMOKE,
        &mut flusher,
        0.0,
    );
    assert_eq!(hot.packet_bytes, 38_400 * 64);
    assert_eq!(hot.ring_bytes, 12_288_000);
}

/// The verdicts are computed (printed by the binary), and the ones that wait for other
/// work say so instead of failing.
#[test]
fn verdicts_cover_every_goal() {
    let effort = Effort::SMOKE;
    let mut flusher = Flusher::new(1 << 16);
    let caches = cadenza_bench::cache::Caches::detect();
    let f = cadenza_bench::experiments::all(&effort, &caches, &mut flusher, &mut |_| {});
    let v = verdicts(&f);
    assert!(
        v.iter()
            .filter(|v| v.goal.starts_with("cable copy"))
            .count()
            == 6
    );
    assert!(v.iter().any(|v| v.goal.starts_with("fixed cost")));
    assert!(v.iter().any(|v| v.goal.starts_with("64 streams")));
    assert!(v.iter().any(|v| v.goal.starts_with("drift")));
    let drift = v.iter().find(|v| v.goal.starts_with("drift")).unwrap();
    assert_eq!(drift.status, Status::Met, "{drift:?}");
    assert_eq!(
        v.iter()
            .filter(|v| v.goal.starts_with("conversion"))
            .count(),
        4
    );
}
