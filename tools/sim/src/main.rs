//! `cadenza-sim`: runs Cadenza's loopback cable in simulated time against a framework's
//! driver, checks the capture bit for bit, and writes `capture.wav`, `report.json` and
//! `positions.svg`. Run `cadenza-sim --help` for the options.

mod cli;
mod framework;
mod num;
mod plot;
mod progress;
mod report;
mod wav;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, anyhow};
use cadenza_engine::debug_registry::DebugFramework;
use cadenza_engine::platform::Platform as _;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::debug_trace::{Traced, decode_trace_dump};
use cadenza_hostsim::scenario::run_loopback;
use clap::Parser as _;

use crate::cli::{Args, Settings};
use crate::progress::Progress;
use crate::report::{Files, Report, RunInfo};

/// The run completed but did not meet `--expect-bit-exact`.
const EXIT_NOT_CLEAN: u8 = 1;
/// Bad input, or a run that could not complete (the same status clap uses for bad options).
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cadenza-sim: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let wall = Instant::now();
    let platform = SimPlatform::new(args.seed);
    let freq = platform.frequency();
    let settings = Settings::resolve(args, freq, &mut |w| eprintln!("cadenza-sim: warning: {w}"))?;

    // The driver first: an unavailable framework is an error before anything is written.
    let mut driver = Traced::new(
        settings
            .framework
            .driver(platform.clone(), &settings.device)?,
        DebugFramework::Sim,
        None,
    );
    std::fs::create_dir_all(&settings.out).with_context(|| {
        format!(
            "cannot create the output directory {}",
            settings.out.display()
        )
    })?;

    let config = &settings.loopback;
    let total_seconds =
        report::ticks_to_seconds(config.duration_ticks + config.render_delay_ticks, freq);
    let mut progress = Progress::new(!settings.quiet, total_seconds);
    // The scenario starts the capture stream at the current counter value: the origin of
    // both streams' packet grids, which the jitter figures are measured against.
    let start = platform.now();
    let result = run_loopback(&mut driver, config, &mut |done| progress.update(done));
    progress.finish();
    let result = result.map_err(|s| {
        let refusals = settings.refusals();
        if refusals.is_empty() {
            anyhow!(
                "the {} driver failed the loopback run: {s}",
                settings.framework.name()
            )
        } else {
            anyhow!(
                "the {} driver refused the stream ({s}): {}",
                settings.framework.name(),
                refusals.join("; ")
            )
        }
    })?;
    if let Some(trace) = &settings.trace {
        driver
            .debug()
            .write_trace_dump(trace)
            .with_context(|| format!("cannot write the trace to {}", trace.display()))?;
        let decoded = decode_trace_dump(trace)
            .with_context(|| format!("cannot decode the trace in {}", trace.display()))?;
        if !settings.quiet {
            print!("{decoded}");
        }
    }
    drop(driver);

    let path = |name: &str| settings.out.join(name);
    let (wav_path, json_path, svg_path) = (
        path("capture.wav"),
        path("report.json"),
        path("positions.svg"),
    );
    wav::write_wav(&wav_path, &config.capture, &result.captured)?;
    plot::write_svg(&svg_path, &result, start)?;

    let info = RunInfo {
        seed: settings.seed,
        start,
        config_file: settings
            .config_file
            .as_ref()
            .map(|p| p.display().to_string()),
        cables: settings.cables,
        late: settings.late,
        wav: wav::wav_info(config.capture.sample()),
        files: Files {
            capture_wav: wav_path.display().to_string(),
            report_json: json_path.display().to_string(),
            positions_svg: svg_path.display().to_string(),
        },
    };
    let report = Report::new(&result, &info);
    let mut json = serde_json::to_string_pretty(&report).context("cannot encode the report")?;
    json.push('\n');
    std::fs::write(&json_path, json)
        .with_context(|| format!("cannot write {}", json_path.display()))?;

    if !settings.quiet {
        for line in report.summary(wall.elapsed().as_secs_f64()) {
            println!("{line}");
        }
    }
    if settings.expect_bit_exact && !report.clean() {
        eprintln!(
            "cadenza-sim: --expect-bit-exact: the run was not clean (bit-exact: {}, glitches: {}, leaked buffers: {})",
            report.bit_exact, report.glitches, report.leaked_buffers
        );
        return Ok(ExitCode::from(EXIT_NOT_CLEAN));
    }
    Ok(ExitCode::SUCCESS)
}
