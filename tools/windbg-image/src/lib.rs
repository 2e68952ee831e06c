//! # cadenza-windbg-image
//!
//! Runs the loopback scenario on the host simulator with the driver's debug structures
//! attached (the engine's real trace ring, stream table and `CadenzaDebugRoot`), breaks in
//! mid-run like a debugger would, and writes what a debugger would see:
//!
//! - `memory.bin`: the root, the ring and the table at their real addresses (regions of
//!   `u64 address, u64 length, bytes`, little-endian);
//! - `symbols.json`: `"<module>!CADENZA_DEBUG_ROOT": "0x…"`;
//! - `expected.json`: what the Rust side knows at that instant — the live streams, the
//!   decoded trace (the engine's `Display` text), filtered views — for the extension's tests
//!   (`tools/windbg/test`) to compare against.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use cadenza_engine::debug_registry::{DEFAULT_SLOTS, StreamSnapshot, framework_name};
use cadenza_engine::time::{CounterFrequency, Ticks};
use cadenza_engine::trace::{
    TraceEntry, TraceKind, direction_name, ks_state_name, sample_type_name,
};
use cadenza_hostsim::debug_trace::{DebugState, Traced};
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{LoopbackConfig, run_loopback};
use cadenza_hostsim::{Lateness, SimPlatform};

/// What [`write_fixture`] produced.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub dir: PathBuf,
    pub module: String,
    /// Live streams at the break-in.
    pub streams: usize,
    /// Complete trace records at the break-in.
    pub records: usize,
    /// Records ever written at the break-in (more than the capacity: the ring wrapped).
    pub head: u64,
}

/// The scenario: 3 s of loopback, a few late timers, and a render client that stops writing
/// after 1.5 s (so the capture side gets silence and the render side counts an underrun).
/// The break-in comes at 2.5 s, after the 1024-record ring has wrapped.
pub fn scenario() -> LoopbackConfig {
    let mut c = LoopbackConfig::default_for(CounterFrequency::TEN_MHZ);
    c.duration_ticks = 30_000_000;
    c.render_stops_after = Some(150);
    c.lateness = Lateness::Scripted(vec![(40, 250_000), (41, 250_000), (90, 120_000)]);
    c
}

/// Runs [`scenario`] traced, writes the fixture files into `dir` when it breaks in at
/// 2.5 simulated seconds, and returns a summary.
pub fn write_fixture(dir: &Path, module: &str) -> Result<Fixture, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let platform = SimPlatform::new(7);
    let driver = EngineDriver::new(platform).map_err(|s| format!("driver: {s}"))?;
    let mut traced = Traced::engine(driver);
    let outcome: Rc<RefCell<Option<Result<Fixture, String>>>> = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&outcome);
    let (out_dir, module_name) = (dir.to_path_buf(), module.to_string());
    traced.break_in_at(Ticks(25_000_000), move |debug| {
        *slot.borrow_mut() = Some(capture(debug, &out_dir, &module_name));
    });
    run_loopback(&mut traced, &scenario(), &mut |_| {}).map_err(|s| format!("scenario: {s}"))?;
    let result = outcome.borrow_mut().take();
    result.unwrap_or_else(|| Err("the scenario ended before the break-in".into()))
}

fn capture(debug: &DebugState, dir: &Path, module: &str) -> Result<Fixture, String> {
    debug
        .write_memory_image(dir, module)
        .map_err(|e| format!("memory image: {e}"))?;
    let mut streams = [StreamSnapshot::default(); DEFAULT_SLOTS];
    let n = debug.table().snapshot(&mut streams);
    let streams = streams.get(..n).unwrap_or_default();
    let trace: Vec<TraceEntry> = debug.ring().iter().collect();
    let json = expected_json(debug, module, streams, &trace);
    std::fs::write(dir.join("expected.json"), json).map_err(|e| format!("expected.json: {e}"))?;
    Ok(Fixture {
        dir: dir.to_path_buf(),
        module: module.to_string(),
        streams: n,
        records: trace.len(),
        head: debug.ring().head(),
    })
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lines_json(entries: &[TraceEntry], keep: impl Fn(&TraceEntry) -> bool) -> String {
    let lines: Vec<String> = entries
        .iter()
        .filter(|e| keep(e))
        .map(|e| quote(&e.to_string()))
        .collect();
    format!("[\n    {}\n  ]", lines.join(",\n    "))
}

/// One stream as the extension's `streams()` reports it: u32 fields as numbers, u64 fields
/// as exact decimal strings.
fn stream_json(s: &StreamSnapshot) -> String {
    let mut o = String::from("{");
    let _ = write!(
        o,
        "\"stream\": {}, \"cable\": {}, \"framework\": {}, \"direction\": {}, \"state\": {}, \
         \"rate\": {}, \"channels\": {}, \"sample_type\": {}, \"block_align\": {}, \
         \"buffer_bytes\": {}, \"packet_frames\": {}, \"packets\": {}, \"flags\": {}, ",
        s.stream_id,
        s.cable,
        quote(framework_name(u64::from(s.framework))),
        quote(direction_name(u64::from(s.direction))),
        quote(ks_state_name(u64::from(s.state))),
        s.sample_rate,
        s.channels,
        quote(sample_type_name(u64::from(s.sample_type))),
        s.block_align,
        s.buffer_bytes,
        s.packet_frames,
        s.packets,
        s.flags,
    );
    let st = &s.stats;
    let quads = [
        ("linear_frames", s.linear_frames),
        ("transferred", s.transferred),
        ("completed_packets", s.completed_packets),
        ("updated_qpc", s.updated_qpc),
        ("wakeups", st.wakeups),
        ("notifications", st.notifications),
        ("missed_notifications", st.missed_notifications),
        ("max_lateness_ticks", st.max_lateness_ticks),
        ("underrun_frames", st.underrun_frames),
        ("late_packets", st.late_packets),
        ("overrun_packets", st.overrun_packets),
        ("overflow_packets", st.overflow_packets),
        ("dropped_frames", st.dropped_frames),
        ("glitches", s.glitches),
    ];
    let fields: Vec<String> = quads
        .iter()
        .map(|(k, v)| format!("\"{k}\": \"{v}\""))
        .collect();
    o.push_str(&fields.join(", "));
    o.push('}');
    o
}

fn expected_json(
    debug: &DebugState,
    module: &str,
    streams: &[StreamSnapshot],
    trace: &[TraceEntry],
) -> String {
    let root = debug.root();
    let render = streams
        .iter()
        .find(|s| s.direction == 0)
        .map_or(0, |s| s.stream_id);
    let stream_rows: Vec<String> = streams.iter().map(stream_json).collect();
    let mut o = String::from("{\n");
    let _ = writeln!(o, "  \"module\": {},", quote(module));
    let _ = writeln!(o, "  \"version\": {},", root.version());
    let _ = writeln!(o, "  \"framework\": \"sim\",");
    let _ = writeln!(o, "  \"qpc_frequency\": \"{}\",", root.qpc_frequency());
    let _ = writeln!(o, "  \"head\": \"{}\",", debug.ring().head());
    let _ = writeln!(o, "  \"dropped\": \"{}\",", debug.ring().dropped());
    let _ = writeln!(
        o,
        "  \"streams\": [\n    {}\n  ],",
        stream_rows.join(",\n    ")
    );
    let _ = writeln!(o, "  \"trace\": {},", lines_json(trace, |_| true));
    let _ = writeln!(o, "  \"render_stream\": {render},");
    let _ = writeln!(
        o,
        "  \"trace_render\": {},",
        lines_json(trace, |e| e.stream == render)
    );
    let _ = writeln!(
        o,
        "  \"trace_underrun\": {},",
        lines_json(trace, |e| e.kind() == Some(TraceKind::Underrun))
    );
    let _ = writeln!(
        o,
        "  \"trace_render_packets\": {}",
        lines_json(trace, |e| {
            e.stream == render && e.kind() == Some(TraceKind::PacketWritten)
        })
    );
    o.push_str("}\n");
    o
}
