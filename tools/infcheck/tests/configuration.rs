//! docs/configuration.md agrees with `config::KEYS`, and its example configuration (two
//! cables, 8 channels, 96 kHz) runs end to end through the engine-level simulator.

use cadenza_engine::config::{DeviceConfig, parse_text};
use cadenza_engine::format::SampleType;
use cadenza_engine::platform::Platform as _;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{LoopbackConfig, run_loopback};
use cadenza_infcheck::doc;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
const EXAMPLE_MARKER: &str = "<!-- example-config:";

fn read_doc() -> String {
    std::fs::read_to_string(DOC_PATH).expect("docs/configuration.md is readable")
}

#[test]
fn the_documented_key_table_is_config_keys() {
    let doc_text = read_doc();
    let embedded = doc::embedded_table(&doc_text).expect("the doc has the KEYS table markers");
    let generated = doc::config_table();
    assert_eq!(
        embedded,
        generated.trim_end(),
        "docs/configuration.md's key table differs from config::KEYS; paste the output of \
         `cargo run -p cadenza-infcheck -- --config-table` between the markers"
    );
}

/// The fenced block after the example marker.
fn example(doc_text: &str) -> String {
    let at = doc_text
        .find(EXAMPLE_MARKER)
        .expect("the doc has the example marker");
    let rest = &doc_text[at..];
    let open = rest.find("```").expect("a fenced block after the marker");
    let body = &rest[open..];
    let start = body.find('\n').expect("fence line") + 1;
    let end = body[start..].find("```").expect("closing fence") + start;
    body[start..end].to_owned()
}

fn documented_config() -> DeviceConfig {
    let mut warnings = Vec::new();
    let config = parse_text(&example(&read_doc()), &mut |w| warnings.push(w.to_string()));
    assert_eq!(
        warnings,
        Vec::<String>::new(),
        "the documented example warns"
    );
    config
}

#[test]
fn the_documented_example_is_two_8_channel_cables_at_96_khz() {
    let config = documented_config();
    assert_eq!(config.cables(), 2);
    assert_eq!(config.channels().get(), 8);
    assert_eq!(config.default_rate().hz(), 96_000);
    assert_eq!(config.rates().len(), 2);
    assert_eq!(config.cable_name(0).as_deref(), Some("Studio Bus 1"));
    assert_eq!(config.cable_name(1).as_deref(), Some("Studio Bus 2"));
    assert_ne!(config, DeviceConfig::default());
}

#[test]
fn the_documented_example_runs_end_to_end_on_every_cable() {
    let config = documented_config();
    let format = config.default_format();
    assert_eq!(format.channels().get(), 8);
    assert_eq!(format.rate().hz(), 96_000);
    assert_eq!(format.sample(), SampleType::Float32);
    for cable in 0..config.cables() {
        // One engine driver per cable: the cables are independent rings.
        let platform = SimPlatform::new(100 + u64::from(cable));
        let freq = platform.frequency();
        let mut driver = EngineDriver::new(platform).expect("driver");
        let mut job = LoopbackConfig::default_for(freq);
        job.render = format;
        job.capture = format;
        job.period_us = config.period_us();
        job.duration_ticks = freq.hz() / 2;
        let result = run_loopback(&mut driver, &job, &mut |_| {}).expect("loopback runs");
        let name = config.cable_name(cable).unwrap_or_default();
        assert!(result.check.bit_exact(), "{name}: {:?}", result.check);
        // Half a second at 96 kHz, less the start offset between the streams.
        assert!(result.check.compared > 40_000, "{name}: {:?}", result.check);
        assert_eq!(result.render_stats.glitches(), 0, "{name}");
        assert_eq!(result.capture_stats.glitches(), 0, "{name}");
        assert_eq!(result.final_capture_frames, result.expected_capture_frames);
        assert_eq!(result.leaked_buffers, 0, "{name}");
        let block = usize::from(format.block_align());
        assert_eq!(block, 8 * 4);
        assert_eq!(result.captured.len() % block, 0);
    }
}
