//! The debug structures in the simulator: tracing changes nothing in a run, the trace tells
//! the run's story, and a dump decodes to the same text.

use cadenza_engine::debug_registry::StreamSnapshot;
use cadenza_engine::time::CounterFrequency;
use cadenza_engine::trace::{TraceEntry, TraceKind};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::debug_trace::{Traced, decode_trace_dump, decode_trace_image};
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{LoopbackConfig, run_loopback};

fn config() -> LoopbackConfig {
    let mut c = LoopbackConfig::default_for(CounterFrequency::TEN_MHZ);
    c.duration_ticks = 5_000_000; // 0.5 s: the whole story fits in the ring
    c
}

fn count(entries: &[TraceEntry], stream: u32, kind: TraceKind) -> usize {
    entries
        .iter()
        .filter(|e| e.stream == stream && e.kind() == Some(kind))
        .count()
}

#[test]
fn tracing_changes_nothing_and_tells_the_story() {
    let plain = {
        let mut d = EngineDriver::new(SimPlatform::new(3)).unwrap();
        run_loopback(&mut d, &config(), &mut |_| {}).unwrap()
    };
    let mut traced = Traced::engine(EngineDriver::new(SimPlatform::new(3)).unwrap());
    let r = run_loopback(&mut traced, &config(), &mut |_| {}).unwrap();
    assert_eq!(r.captured, plain.captured);
    assert_eq!(r.render_notifications, plain.render_notifications);
    assert_eq!(r.capture_notifications, plain.capture_notifications);
    assert!(r.check.bit_exact());

    let ring = traced.debug().ring();
    let entries: Vec<TraceEntry> = ring.iter().collect();
    assert_eq!(
        entries.len() as u64,
        ring.head(),
        "nothing overwritten or torn"
    );
    // EngineDriver numbers streams in open order: capture first (1), then render (2).
    let (capture, render) = (1, 2);
    assert_eq!(count(&entries, capture, TraceKind::StreamCreated), 1);
    assert_eq!(count(&entries, render, TraceKind::StreamCreated), 1);
    assert_eq!(
        count(&entries, render, TraceKind::Notification),
        r.render_notifications.len()
    );
    assert_eq!(
        count(&entries, capture, TraceKind::Notification),
        r.capture_notifications.len()
    );
    assert_eq!(count(&entries, render, TraceKind::StateChange), 6); // up to RUN and back
    assert_eq!(count(&entries, capture, TraceKind::StreamDestroyed), 1);
    assert_eq!(count(&entries, render, TraceKind::StreamDestroyed), 1);
    assert!(count(&entries, render, TraceKind::PacketWritten) > 40);
    assert!(count(&entries, capture, TraceKind::PacketRead) > 40);
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.kind() == Some(TraceKind::Error))
            .count(),
        0
    );
    // Every stream was retired from the table when it closed.
    let mut live = [StreamSnapshot::default(); 4];
    assert_eq!(traced.debug().table().snapshot(&mut live), 0);
}

#[test]
fn a_dump_decodes_to_the_same_lines() {
    let mut traced = Traced::engine(EngineDriver::new(SimPlatform::new(5)).unwrap());
    run_loopback(&mut traced, &config(), &mut |_| {}).unwrap();
    let path = std::env::temp_dir().join(format!("cadenza-trace-{}.bin", std::process::id()));
    traced.debug().write_trace_dump(&path).unwrap();
    let text = decode_trace_dump(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut lines = text.lines();
    let summary = lines.next().unwrap();
    assert!(summary.starts_with("# cadenza trace: "), "{summary}");
    assert!(
        summary.contains("capacity 1024, 0 dropped, 0 incomplete"),
        "{summary}"
    );
    let direct: Vec<String> = traced
        .debug()
        .ring()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(lines.map(str::to_string).collect::<Vec<_>>(), direct);
    assert!(direct[0].ends_with("StreamCreated capture rate=48000 channels=2 type=float32"));
    assert!(direct.iter().any(|l| l.contains("StateChange PAUSE->RUN")));
    assert!(
        decode_trace_image(&[0u8; 10])
            .unwrap_err()
            .contains("truncated")
    );
}

#[test]
fn a_live_break_in_sees_running_streams() {
    let mut traced = Traced::engine(EngineDriver::new(SimPlatform::new(9)).unwrap());
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = std::rc::Rc::clone(&seen);
    traced.break_in_at(cadenza_engine::time::Ticks(2_000_000), move |debug| {
        let mut live = [StreamSnapshot::default(); 4];
        let n = debug.table().snapshot(&mut live);
        sink.borrow_mut().extend_from_slice(&live[..n]);
    });
    run_loopback(&mut traced, &config(), &mut |_| {}).unwrap();
    let seen = seen.borrow();
    assert_eq!(seen.len(), 2);
    for s in seen.iter() {
        assert_eq!(s.ks_state(), Some(cadenza_engine::state::KsState::Run));
        assert!(s.linear_frames > 0 && s.stats.notifications > 0, "{s:?}");
        assert_eq!(
            (s.sample_rate, s.channels, s.packet_frames),
            (48_000, 2, 480)
        );
    }
}

#[test]
fn a_boxed_driver_of_any_framework_can_be_traced() {
    use cadenza_engine::debug_registry::DebugFramework;
    use cadenza_hostsim::scenario::DriverUnderTest;
    let boxed: Box<dyn DriverUnderTest> = Box::new(EngineDriver::new(SimPlatform::new(4)).unwrap());
    let mut traced = Traced::new(boxed, DebugFramework::Sim, None);
    let r = run_loopback(&mut traced, &config(), &mut |_| {}).unwrap();
    assert!(r.check.bit_exact());
    let entries: Vec<TraceEntry> = traced.debug().ring().iter().collect();
    // Without an inspector the wrapper numbers streams itself, in open order.
    assert_eq!(
        count(&entries, 2, TraceKind::Notification),
        r.render_notifications.len()
    );
    assert_eq!(count(&entries, 1, TraceKind::StreamCreated), 1);
}
