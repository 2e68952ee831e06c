//! One core, two frameworks — proven: the same scenario (formats, period, signal, injected
//! late timers) through the engine directly, the PortCls miniports (through their vtables)
//! and the ACX adapter (through its callbacks) gives identical captured audio and identical
//! position / notification traces, to the frame.
//!
//! And as a user sees it: `cadenza-sim --framework engine|portcls|acx` with the same options
//! and `--config` writes the same report.json (every field but the framework's name and the
//! file paths, lateness included) and the same capture.wav bytes.

use std::path::Path;
use std::process::Command;

use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::time::CounterFrequency;
use cadenza_hostsim::scenario::{DriverUnderTest, LoopbackConfig, LoopbackResult, run_loopback};
use cadenza_hostsim::{Lateness, SimPlatform};

fn run(framework: &str, config: &LoopbackConfig, seed: u64) -> LoopbackResult {
    let platform = SimPlatform::new(seed);
    let mut driver: Box<dyn DriverUnderTest> = match framework {
        "engine" => Box::new(
            cadenza_hostsim::engine_driver::EngineDriver::with_config(
                platform,
                &cadenza_engine::config::DeviceConfig::default(),
            )
            .unwrap(),
        ),
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
    // The announced packet boundaries themselves, not just their count: the report's
    // notification lateness is measured against them.
    assert_eq!(
        a.render_notifications, b.render_notifications,
        "{who}: render notifications"
    );
    assert_eq!(
        a.capture_notifications, b.capture_notifications,
        "{who}: capture notifications"
    );
    assert_eq!(a.render_stats, b.render_stats, "{who}: render counters");
    assert_eq!(a.capture_stats, b.capture_stats, "{who}: capture counters");
    assert_eq!(a.check, b.check, "{who}: loopback check");
    // What the client learns through the framework besides positions: packet counts
    // (GetPacketCount / GetCurrentPacket) and presentation positions, at every notification.
    assert!(
        !a.render_client_view.is_empty(),
        "{who}: no client view recorded"
    );
    assert_eq!(
        a.render_client_view, b.render_client_view,
        "{who}: packet counts / presentation positions"
    );
    // The simulators check every answer against the DDI contract (a GetPosition byte offset
    // that is not the position wrapped to the buffer, a wrong interface from QueryInterface).
    for r in [a, b] {
        assert!(
            r.violations.is_empty(),
            "{}: contract broken: {:?}",
            r.framework,
            r.violations
        );
    }
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

#[test]
fn a_client_that_stops_writing_is_seen_the_same_in_every_framework() {
    // The render client writes 30 packets and then nothing: every framework must play silence,
    // count the same underrun and report the same packet counts, with late timers too.
    let mut c = scenario(
        Lateness::Random {
            ppm: 100_000,
            max_ticks: 40_000,
        },
        true,
    );
    c.render_stops_after = Some(30);
    let engine = run("engine", &c, 9);
    assert!(
        engine.render_stats.underrun_frames > 0,
        "the client must stop"
    );
    for fw in ["portcls", "acx"] {
        assert_identical(&engine, &run(fw, &c, 9));
    }
}

const FRAMEWORKS: [&str; 3] = ["engine", "portcls", "acx"];

/// docs/configuration.md, which tells users what to run.
fn configuration_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    std::fs::read_to_string(path).expect("docs/configuration.md")
}

/// Every `ini` block that follows an `<!-- example-config ... -->` marker in the doc.
fn doc_example_configs() -> Vec<String> {
    let doc = configuration_doc();
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(at) = rest.find("<!-- example-config") {
        rest = &rest[at..];
        let start = rest
            .find("```ini\n")
            .expect("an ini block after the marker")
            + 7;
        let len = rest[start..].find("```").expect("the ini block ends");
        out.push(rest[start..start + len].to_owned());
        rest = &rest[start + len..];
    }
    out
}

/// One `cadenza-sim` run in `dir`: its report (without the fields that name the framework
/// or where files went) and its capture.wav bytes.
fn sim_run(dir: &Path, framework: &str, args: &[&str]) -> (serde_json::Value, Vec<u8>) {
    let out_dir = dir.join(framework);
    let out = Command::new(env!("CARGO_BIN_EXE_cadenza-sim"))
        .current_dir(dir)
        .args(["--framework", framework, "--quiet", "--out"])
        .arg(&out_dir)
        .args(args)
        .output()
        .expect("cadenza-sim runs");
    assert!(
        out.status.success(),
        "{framework} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fields = report.as_object_mut().unwrap();
    assert_eq!(fields.remove("framework").unwrap(), framework);
    fields.remove("files").expect("files");
    let wav = std::fs::read(out_dir.join("capture.wav")).unwrap();
    (report, wav)
}

/// Runs every framework with `args` and asserts identical reports and WAV bytes; returns
/// the (common) report.
fn assert_frameworks_agree(config: Option<&str>, args: &[&str]) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    if let Some(text) = config {
        std::fs::write(tmp.path().join("device.cfg"), text).unwrap();
        all.extend(["--config", "device.cfg"]);
    }
    let (engine, engine_wav) = sim_run(tmp.path(), "engine", &all);
    for fw in &FRAMEWORKS[1..] {
        let (report, wav) = sim_run(tmp.path(), fw, &all);
        assert_eq!(
            report, engine,
            "{fw} vs engine: report.json differs for {all:?}"
        );
        assert!(
            wav == engine_wav,
            "{fw} vs engine: capture.wav differs for {all:?}"
        );
    }
    engine
}

/// The promise: with no --config, all three frameworks run the INF's default configuration
/// and report the same run, byte for byte.
#[test]
fn the_default_configuration_reports_the_same_in_every_framework() {
    let r = assert_frameworks_agree(None, &["--seconds", "1", "--expect-bit-exact"]);
    assert_eq!(r["capture"]["format"]["rate_hz"], 48_000);
    assert_eq!(r["capture"]["format"]["channels"], 2);
}

/// The doc's example configurations, as users copy them.
const STUDIO_CFG: &str = "\
; studio.cfg: two 8-channel cables at 96 kHz (48 kHz offered too)
Cables            = 2
Channels          = 8
SampleRates       = 48000, 96000
DefaultSampleRate = 96000
CableName         = \"Studio Bus {n}\"
";

/// The promise: docs/configuration.md's example still reads as this test runs it.
#[test]
fn the_doc_still_holds_the_example_configuration() {
    let examples = doc_example_configs();
    assert!(
        examples.iter().any(|e| e == STUDIO_CFG),
        "docs/configuration.md's example changed: {examples:?}"
    );
}

/// The promise: every example configuration in docs/configuration.md runs on all three
/// frameworks (PortCls once refused it with STATUS_NO_MATCH) with identical reports and audio.
#[test]
fn the_docs_example_configurations_report_the_same_in_every_framework() {
    let examples = doc_example_configs();
    assert!(!examples.is_empty(), "no example-config block in the doc");
    for example in &examples {
        let r = assert_frameworks_agree(Some(example), &["--seconds", "1", "--expect-bit-exact"]);
        assert_eq!(r["cables"], 2);
        assert_eq!(r["capture"]["format"]["channels"], 8);
        assert_eq!(r["capture"]["format"]["rate_hz"], 96_000);
    }
}

/// The promise: two cables of 8 channels at 96 kHz only (int24) run identically everywhere.
#[test]
fn two_cables_of_8_channels_at_96_khz_report_the_same_in_every_framework() {
    let config = "Cables = 2\nChannels = 8\nSampleRates = 96000\nDefaultSampleRate = 96000\n\
                  SampleTypes = int24\n";
    let r = assert_frameworks_agree(Some(config), &["--seconds", "1", "--expect-bit-exact"]);
    assert_eq!(r["cables"], 2);
    assert_eq!(r["render"]["format"]["sample_type"], "int24");
    assert_eq!(r["capture"]["format"]["channels"], 8);
    assert_eq!(r["capture"]["format"]["rate_hz"], 96_000);
}

/// The promise: injected late timers are reported alike — PortCls once reported a lateness
/// of 0.0 / 0.0 µs for the run the engine and ACX measured late.
#[test]
fn late_timers_report_the_same_lateness_in_every_framework() {
    let r = assert_frameworks_agree(None, &["--seconds", "2", "--late-ppm", "500000"]);
    for side in ["render", "capture"] {
        let late = &r[side]["notification_lateness"];
        assert!(late["max_us"].as_f64().unwrap() > 0.0, "{side}: {late}");
        assert!(late["mean_us"].as_f64().unwrap() > 0.0, "{side}: {late}");
    }
}
