//! `cadenza-sim`: runs Cadenza's loopback cable in simulated time against a framework's
//! driver — playing a generated chirp or the user's WAV file — checks the capture frame by
//! frame, and writes `capture.wav`, `report.json` and `positions.svg`. Run
//! `cadenza-sim --help` for the options; docs/report.md describes the report.

mod cli;
mod compare;
mod config_file;
mod expected;
mod framework;
mod num;
mod outdir;
mod plot;
mod progress;
mod report;
mod session;
mod trace;
mod wav;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, anyhow, bail};
use cadenza_engine::debug_registry::DebugFramework;
use cadenza_engine::platform::Platform as _;
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::debug_trace::Traced;
use cadenza_hostsim::scenario::{LoopbackResult, run_loopback};
use cadenza_hostsim::signal::render_frames;
use clap::Parser as _;

use crate::cli::{Args, EXIT_ERROR, EXIT_NOT_CLEAN, Settings};
use crate::compare::{Coincidence, Comparison, Played, coinciding_glitches, compare};
use crate::outdir::{Staging, write_atomically};
use crate::progress::Progress;
use crate::report::{Files, Report, RunInfo, SourceReport};
use crate::session::{Event, RenderAudio, Session};

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.check_config.clone() {
        Some(path) => check_config(&path),
        None => run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cadenza-sim: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `--check-config FILE`: warnings on stderr, the verdict and the resulting configuration on
/// stdout; status 0 clean, 1 with warnings.
fn check_config(path: &Path) -> anyhow::Result<ExitCode> {
    let checked = config_file::check(path)?;
    for w in &checked.warnings {
        eprintln!("cadenza-sim: warning: {w}");
    }
    print!("{}", config_file::verdict_lines(path, &checked));
    Ok(if checked.warnings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_CLEAN)
    })
}

/// The frames the render side played, in the render format: the file (as converted for the
/// render format), or the generated signal regenerated for every frame written.
fn played_render_bytes(settings: &Settings, result: &LoopbackResult) -> Vec<u8> {
    let format = &settings.loopback.render;
    let block = usize::from(format.block_align());
    let written = usize::try_from(result.rendered_frames).unwrap_or(usize::MAX);
    if let Some(input) = &settings.input {
        let len = input.render_bytes.len().min(written.saturating_mul(block));
        return input.render_bytes[..len].to_vec();
    }
    let mut bytes = vec![0u8; written * block];
    render_frames(format, 0, written, &mut bytes);
    bytes
}

/// What a completed simulation left to judge and write.
struct Simulated {
    result: LoopbackResult,
    /// Counter value at the capture start: time zero of the report and the plot.
    start: Ticks,
    events: Vec<Event>,
    trace_image: Vec<u8>,
}

/// Runs the scenario against the chosen framework's driver.
fn simulate(settings: &Settings, platform: &SimPlatform) -> anyhow::Result<Simulated> {
    let freq = platform.frequency();
    // The driver first: an unavailable framework is an error before anything is simulated.
    let driver = Traced::new(
        settings
            .framework
            .driver(platform.clone(), &settings.device)?,
        DebugFramework::Sim,
        None,
    );
    let config = &settings.loopback;
    let audio = settings.input.as_ref().map(|i| RenderAudio {
        format: config.render,
        bytes: i.render_bytes.clone(),
    });
    let mut driver = Session::new(driver, audio, config.packet_mode);

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
    Ok(Simulated {
        result,
        start,
        events: driver.events().to_vec(),
        trace_image: driver.inner().debug().trace_image(),
    })
}

/// The verdict on the capture, and the glitches logged around its first mismatch.
fn judge(settings: &Settings, sim: &Simulated) -> (Comparison, Vec<Coincidence>) {
    let config = &settings.loopback;
    let freq = sim.result.freq;
    let played = played_render_bytes(settings, &sim.result);
    let capture = &config.capture;
    let original_as_captured = match &settings.input {
        // "Bit-identical" is only claimed when nothing on the way could convert.
        Some(i) if i.audio.format == *capture && config.render == *capture => {
            let block = usize::from(capture.block_align());
            let frames = played.len() / usize::from(config.render.block_align());
            Some(&i.audio.data[..(frames * block).min(i.audio.data.len())])
        }
        Some(_) => None,
        None => (config.render == *capture).then_some(played.as_slice()),
    };
    let comparison = compare(
        &Played {
            render: &played,
            render_format: &config.render,
            original_as_captured,
            require_all: settings.input.is_some(),
        },
        capture,
        &sim.result.captured,
        report::nominal_offset(config, freq),
    );
    let period_ticks = cli::us_to_ticks(u64::from(config.period_us), freq);
    let late_max_ticks = settings
        .late
        .map_or(0, |(_, max_us)| cli::us_to_ticks(max_us, freq));
    let glitches = comparison.first_mismatch.map_or_else(Vec::new, |f| {
        coinciding_glitches(
            &sim.events,
            sim.start,
            f,
            capture.rate().hz(),
            freq,
            (
                period_ticks,
                2 * u64::from(config.packets) * period_ticks + late_max_ticks,
            ),
        )
    });
    (comparison, glitches)
}

/// What capture.wav holds: with --input, the recording from the file's first frame on, as
/// long as the file (so it lines up with the input frame for frame); otherwise everything
/// recorded.
fn wav_bytes<'a>(settings: &Settings, captured: &'a [u8], comparison: &Comparison) -> &'a [u8] {
    let block = usize::from(settings.loopback.capture.block_align());
    match (&settings.input, comparison.offset) {
        (Some(_), Some(offset)) => {
            let from = (usize::try_from(offset).unwrap_or(usize::MAX) * block).min(captured.len());
            let len = usize::try_from(comparison.played).unwrap_or(usize::MAX) * block;
            &captured[from..from.saturating_add(len).min(captured.len())]
        }
        _ => captured,
    }
}

fn source_report(settings: &Settings, comparison: &Comparison) -> SourceReport {
    match &settings.input {
        Some(i) => SourceReport {
            kind: "file",
            file: Some(i.path.display().to_string()),
            format_tag: Some(i.audio.format_tag),
            format: (&i.audio.format).into(),
            frames: i.audio.frames(),
        },
        None => SourceReport {
            kind: "generated",
            file: None,
            format_tag: None,
            format: (&settings.loopback.render).into(),
            frames: comparison.played,
        },
    }
}

/// Writes capture.wav, positions.svg and report.json into a staging directory and moves
/// them into place together, then the trace file; returns the report.
fn write_outputs(settings: &Settings, sim: &Simulated) -> anyhow::Result<Report> {
    let (comparison, first_mismatch_glitches) = judge(settings, sim);
    let capture = &settings.loopback.capture;
    let mut staging = Staging::new(&settings.out)?;
    let wav_path = staging.path("capture.wav");
    wav::write_wav(
        &wav_path,
        capture,
        wav_bytes(settings, &sim.result.captured, &comparison),
    )?;
    let svg_path = staging.path("positions.svg");
    plot::write_svg(&svg_path, &sim.result, sim.start, &sim.events)?;
    let json_path = staging.path("report.json");
    let files = Files {
        capture_wav: staging.final_path("capture.wav").display().to_string(),
        report_json: staging.final_path("report.json").display().to_string(),
        positions_svg: staging.final_path("positions.svg").display().to_string(),
        trace: settings.trace.as_ref().map(|t| t.display().to_string()),
    };
    let info = RunInfo {
        seed: settings.seed,
        start: sim.start,
        config_file: settings
            .config_file
            .as_ref()
            .map(|p| p.display().to_string()),
        cables: settings.cables,
        device_kind: settings.device.device_kind().name(),
        tone_hz: settings.device.tone_hz(),
        late: settings.late,
        source: source_report(settings, &comparison),
        comparison,
        first_mismatch_glitches,
        wav: wav::wav_info(capture),
        files,
    };
    let report = Report::new(&sim.result, &info);
    let mut json = serde_json::to_string_pretty(&report).context("cannot encode the report")?;
    json.push('\n');
    std::fs::write(&json_path, json)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    staging.commit()?;
    if let Some(path) = &settings.trace {
        write_atomically(path, &sim.trace_image)?;
    }
    Ok(report)
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let wall = Instant::now();
    let platform = SimPlatform::new(args.seed);
    let settings = Settings::resolve(args, platform.frequency(), &mut |n| {
        eprintln!("cadenza-sim: {n}");
    })?;
    outdir::check_target(&settings.out)?;
    if let Some(trace) = &settings.trace
        && let Some(parent) = trace.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
        && parent != settings.out
    {
        bail!(
            "the directory of --trace {} does not exist",
            trace.display()
        );
    }

    let sim = simulate(&settings, &platform)?;
    let decoded = match &settings.trace {
        Some(_) => Some(
            trace::decode(&sim.trace_image)
                .map_err(|e| anyhow!("cannot decode the trace: {e}"))?
                .0,
        ),
        None => None,
    };
    let report = write_outputs(&settings, &sim)?;

    // The trace listing is what --trace asked for: printed even with --quiet.
    if let Some(decoded) = decoded {
        print!("{decoded}");
    }
    if !settings.quiet {
        for line in report.summary(wall.elapsed().as_secs_f64()) {
            println!("{line}");
        }
    }
    if !report.framework_violations.is_empty() {
        for v in &report.framework_violations {
            eprintln!(
                "cadenza-sim: error: the driver broke the {} contract: {v}",
                report.framework
            );
        }
        return Ok(ExitCode::from(EXIT_NOT_CLEAN));
    }
    if settings.expect_bit_exact && !report.clean() {
        eprintln!(
            "cadenza-sim: error: --expect-bit-exact: the run was not clean (capture: {}; glitches: {}; leaked buffers: {})",
            report.verdict_text(),
            report.glitches,
            report.leaked_buffers
        );
        return Ok(ExitCode::from(EXIT_NOT_CLEAN));
    }
    Ok(ExitCode::SUCCESS)
}
