//! The numbers a run is judged by, computed from a [`LoopbackResult`]: what goes into
//! `report.json` and the printed summary.

use std::fmt::Write as _;

use cadenza_engine::format::Format;
use cadenza_engine::stream::{Direction, StreamStats};
use cadenza_engine::time::{CounterFrequency, Ticks, frames_to_ticks_ceil, ticks_to_frames};
use cadenza_hostsim::scenario::LoopbackResult;
use serde::Serialize;

use crate::compare::{Coincidence, Comparison, Verdict};
use crate::num::{f64_from, signed_diff};

/// The report's layout version: raised whenever a field is renamed, removed or changes
/// meaning (docs/report.md lists every field).
pub const SCHEMA: u32 = 2;

/// What was played, for the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SourceReport {
    /// "generated" (the chirp) or "file" (`--input`).
    pub kind: &'static str,
    /// The `--input` path, as given.
    pub file: Option<String>,
    /// The file's WAV format tag (`--input` only).
    pub format_tag: Option<&'static str>,
    /// The source's own format (the render format for the generated signal).
    pub format: FormatReport,
    /// Frames of the source (the whole file; for the generated signal, the frames played).
    pub frames: u64,
}

/// What the report needs besides the result itself.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub seed: u64,
    /// Counter value at which the scenario started the capture stream (the render stream
    /// starts `render_delay_ticks` later): the origin of both streams' packet grids.
    pub start: Ticks,
    pub config_file: Option<String>,
    pub cables: u8,
    /// The configuration's `DeviceKind` ("cable", "tone" or "null").
    pub device_kind: &'static str,
    /// The tone source's frequency (`ToneHz`), for a tone source.
    pub tone_hz: u32,
    /// Late-timer injection as asked for: (ppm, max µs).
    pub late: Option<(u32, u64)>,
    pub source: SourceReport,
    pub comparison: Comparison,
    /// The glitches logged around the first mismatch.
    pub first_mismatch_glitches: Vec<Coincidence>,
    pub wav: WavInfo,
    pub files: Files,
}

#[derive(Clone, Debug, Serialize)]
pub struct WavInfo {
    /// WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_EXTENSIBLE.
    pub format_tag: &'static str,
    /// Bits per sample (container) in the file.
    pub bits_per_sample: u16,
    /// "int" or "float".
    pub sample_format: &'static str,
    /// How the capture format maps to the file, when it is not one-to-one.
    pub note: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Files {
    pub capture_wav: String,
    pub report_json: String,
    pub positions_svg: String,
    /// The `--trace` file, if one was written.
    pub trace: Option<String>,
}

impl Files {
    /// Every file written, in the order the summary lists them.
    pub fn all(&self) -> Vec<&str> {
        let mut all = vec![
            self.capture_wav.as_str(),
            self.report_json.as_str(),
            self.positions_svg.as_str(),
        ];
        all.extend(self.trace.as_deref());
        all
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FormatReport {
    pub sample_type: &'static str,
    pub channels: u16,
    pub rate_hz: u32,
    pub block_align: u16,
}

impl From<&Format> for FormatReport {
    fn from(f: &Format) -> Self {
        FormatReport {
            sample_type: f.sample().name(),
            channels: f.channels().get(),
            rate_hz: f.rate().hz(),
            block_align: f.block_align(),
        }
    }
}

/// Lateness of a set of events after their ideal times, in µs rounded to 0.1 µs (a counter
/// tick at 10 MHz).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Jitter {
    pub mean_us: f64,
    pub max_us: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StreamReport {
    pub format: FormatReport,
    pub packet_frames: u32,
    /// Notifications the client received.
    pub notifications: u64,
    /// When each notification reached the client, after the packet boundary it announces.
    pub notification_lateness: Jitter,
    /// Notifications whose announced time is not exactly a packet boundary (start + k·packet
    /// rounded up to a tick): always 0 for exact timekeeping.
    pub notifications_off_grid: u64,
    /// The engine's own account of its timer wake-ups' lateness (StreamStats).
    pub wakeup_lateness: Jitter,
    pub wakeups: u64,
    pub early_wakeups: u64,
    /// Sum of the glitch counters below, as StreamStats::glitches counts them.
    pub glitches: u64,
    pub missed_notifications: u64,
    pub underrun_frames: u64,
    pub late_packets: u64,
    pub overrun_packets: u64,
    pub overflow_packets: u64,
    pub dropped_frames: u64,
    pub final_position_frames: u64,
    pub expected_position_frames: u64,
    /// final − expected: non-zero means the position clock drifted from exact time.
    pub drift_frames: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub framework: &'static str,
    pub seed: u64,
    pub config_file: Option<String>,
    /// Cables in the configuration; the simulator runs the first.
    pub cables: u8,
    /// What each endpoint pair is (`DeviceKind`): "cable", "tone" (capture only) or "null"
    /// (render only).
    pub device_kind: &'static str,
    /// The configuration's `ToneHz` (the tone source's frequency; used when `device_kind` is
    /// "tone").
    pub tone_hz: u32,
    pub period_us: u32,
    pub period_ms: f64,
    pub packets: u32,
    pub packet_mode: bool,
    /// Simulated render time asked for.
    pub duration_s: f64,
    /// Simulated time from the capture start to the end of the run.
    pub elapsed_s: f64,
    pub late_timers: Option<LateTimers>,
    pub source: SourceReport,
    pub frames_written: u64,
    pub frames_read: u64,
    pub frames_played: u64,
    pub frames_compared: u64,
    pub verdict: Verdict,
    /// Source, render and capture formats are all the same.
    pub same_format: bool,
    /// The capture is exactly what the cable must deliver (bit-identical, or identical to
    /// the expected conversion).
    pub capture_exact: bool,
    /// Capture frame at which played frame 0 appears.
    pub offset_frames: Option<u64>,
    pub offset_ms: Option<f64>,
    /// The offset minus the render stream's later start: what the cable itself adds.
    pub latency_frames: Option<i64>,
    pub latency_ms: Option<f64>,
    pub mismatched_frames: u64,
    pub first_mismatch_frame: Option<u64>,
    pub first_mismatch_ms: Option<f64>,
    pub first_mismatch_source_frame: Option<u64>,
    pub first_mismatch_glitches: Vec<Coincidence>,
    /// Glitches of both streams plus packets the render client had to skip.
    pub glitches: u64,
    pub client_skipped_packets: u64,
    pub notification_count: u64,
    pub timer_wakeups: u64,
    pub timer_wakeups_per_s: f64,
    pub leaked_buffers: usize,
    /// Contract breaks the framework's simulator saw (e.g. a GetPosition offset outside the
    /// buffer); empty for a correct driver. The engine framework has no contract to check.
    pub framework_violations: Vec<String>,
    pub render: StreamReport,
    pub capture: StreamReport,
    pub wav: WavInfo,
    pub files: Files,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct LateTimers {
    pub ppm: u32,
    pub max_us: u64,
}

/// `x` rounded to `decimals` decimal places (for the report: no float noise past the
/// precision a figure has).
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// Frames begun before the render stream starts: where played frame 0 lands in the capture
/// on a wire that adds nothing.
pub fn nominal_offset(
    config: &cadenza_hostsim::scenario::LoopbackConfig,
    freq: CounterFrequency,
) -> u64 {
    frames_ceil(config.render_delay_ticks, config.capture.rate().hz(), freq)
}

impl Report {
    pub fn new(r: &LoopbackResult, info: &RunInfo) -> Report {
        let cfg = &r.config;
        let freq = r.freq;
        let capture_rate = cfg.capture.rate().hz();
        let render_start = Ticks(info.start.0 + cfg.render_delay_ticks);
        let render = stream_report(
            &cfg.render,
            packet_frames(&cfg.render, cfg.period_us),
            &r.render_notifications,
            &delivery_times(r, Direction::Render),
            render_start,
            &r.render_stats,
            (r.final_render_frames, r.expected_render_frames),
            freq,
        );
        let capture = stream_report(
            &cfg.capture,
            packet_frames(&cfg.capture, cfg.period_us),
            &r.capture_notifications,
            &delivery_times(r, Direction::Capture),
            info.start,
            &r.capture_stats,
            (r.final_capture_frames, r.expected_capture_frames),
            freq,
        );
        let c = &info.comparison;
        let offset = c.offset;
        // Played frame 0 lines up with the first capture frame that starts at or after the
        // render start, so the start offset rounds up; the rest is what the cable adds.
        let latency = offset.map(|o| signed_diff(o, nominal_offset(cfg, freq)));
        let frames_ms = |frames: f64| round_to(frames * 1_000.0 / f64::from(capture_rate), 3);
        let source_format = info.source.format.clone();
        let capture_format = FormatReport::from(&cfg.capture);
        Report {
            schema: SCHEMA,
            tool: "cadenza-sim",
            version: env!("CARGO_PKG_VERSION"),
            framework: r.framework,
            seed: info.seed,
            config_file: info.config_file.clone(),
            cables: info.cables,
            device_kind: info.device_kind,
            tone_hz: info.tone_hz,
            period_us: cfg.period_us,
            period_ms: f64::from(cfg.period_us) / 1_000.0,
            packets: cfg.packets,
            packet_mode: cfg.packet_mode,
            duration_s: round_to(ticks_to_seconds(cfg.duration_ticks, freq), 6),
            elapsed_s: round_to(ticks_to_seconds(r.elapsed_ticks, freq), 6),
            late_timers: info.late.map(|(ppm, max_us)| LateTimers { ppm, max_us }),
            source: info.source.clone(),
            frames_written: r.rendered_frames,
            frames_read: r.captured.len() as u64 / u64::from(cfg.capture.block_align()),
            frames_played: c.played,
            frames_compared: c.compared,
            verdict: c.verdict,
            same_format: source_format == capture_format && render.format == capture_format,
            capture_exact: c.verdict.exact(),
            offset_frames: offset,
            offset_ms: offset.map(|o| frames_ms(f64_from(o))),
            latency_frames: latency,
            latency_ms: latency.map(|l| frames_ms(crate::num::f64_from_signed(l))),
            mismatched_frames: c.mismatched,
            first_mismatch_frame: c.first_mismatch,
            first_mismatch_ms: c.first_mismatch.map(|f| frames_ms(f64_from(f))),
            first_mismatch_source_frame: c
                .first_mismatch
                .zip(offset)
                .map(|(f, o)| f.saturating_sub(o)),
            first_mismatch_glitches: info.first_mismatch_glitches.clone(),
            glitches: render.glitches + capture.glitches + r.client_skipped_packets,
            client_skipped_packets: r.client_skipped_packets,
            notification_count: render.notifications + capture.notifications,
            timer_wakeups: r.timer_expiries,
            timer_wakeups_per_s: round_to(per_second(r.timer_expiries, r.elapsed_ticks, freq), 3),
            leaked_buffers: r.leaked_buffers,
            framework_violations: r.violations.clone(),
            render,
            capture,
            wav: info.wav.clone(),
            files: info.files.clone(),
        }
    }

    /// Exact, glitch-free and leak-free: what `--expect-bit-exact` demands.
    pub fn clean(&self) -> bool {
        self.capture_exact && self.glitches == 0 && self.leaked_buffers == 0
    }

    /// The capture's verdict in words, e.g. `bit-identical to the input file`.
    pub fn verdict_text(&self) -> String {
        let what = if self.source.kind == "file" {
            "the input file"
        } else {
            "the generated signal"
        };
        match self.verdict {
            Verdict::BitIdentical => format!("bit-identical to {what}"),
            Verdict::ExpectedConversion => format!(
                "identical to the expected conversion of {what} ({} -> {})",
                short(&self.source.format),
                short(&self.capture.format)
            ),
            Verdict::Incomplete => format!(
                "INCOMPLETE: the first {} of {} played frames match, the rest was not captured",
                self.frames_compared, self.frames_played
            ),
            Verdict::SignalNotFound => "SIGNAL NOT FOUND: the capture is silent".to_owned(),
            Verdict::NotCompared => format!(
                "not compared: {} frames played, {} captured",
                self.frames_played, self.frames_read
            ),
            Verdict::Differs => {
                let mut s = format!(
                    "DIFFERS from {}: {} of {} compared frames differ",
                    if self.same_format {
                        what.to_owned()
                    } else {
                        format!("the expected conversion of {what}")
                    },
                    self.mismatched_frames,
                    self.frames_compared
                );
                if let (Some(f), Some(ms), Some(src)) = (
                    self.first_mismatch_frame,
                    self.first_mismatch_ms,
                    self.first_mismatch_source_frame,
                ) {
                    let _ = write!(
                        s,
                        "; the first is capture frame {f} ({ms:.3} ms after the capture start, played frame {src})"
                    );
                    if self.first_mismatch_glitches.is_empty() {
                        s.push_str(", with no glitch logged near it");
                    } else {
                        let list: Vec<String> = self
                            .first_mismatch_glitches
                            .iter()
                            .map(|g| format!("{} {} at {:.6} s", g.stream, g.what, g.at_s))
                            .collect();
                        let _ = write!(s, ", coinciding with: {}", list.join("; "));
                    }
                }
                s
            }
        }
    }

    /// The short human summary.
    pub fn summary(&self, wall_seconds: f64) -> Vec<String> {
        let fmt =
            |f: &FormatReport| format!("{} Hz {} ch {}", f.rate_hz, f.channels, f.sample_type);
        let mut lines = vec![
            format!(
                "cadenza-sim: {} framework, {:.3} s simulated in {:.2} s wall time (seed {})",
                self.framework, self.duration_s, wall_seconds, self.seed
            ),
            match &self.source.file {
                _ if self.device_kind == "tone" => format!(
                    "  device: tone source (DeviceKind = tone, ToneHz = {} Hz): capture only, nothing played",
                    self.tone_hz
                ),
                _ if self.device_kind == "null" => format!(
                    "  device: null sink (DeviceKind = null): render only, {} frames played into nothing",
                    self.frames_played
                ),
                Some(file) => format!(
                    "  played: {file} ({}, {} frames = {:.3} s)",
                    fmt(&self.source.format),
                    self.source.frames,
                    f64_from(self.source.frames) / f64::from(self.source.format.rate_hz)
                ),
                None => format!(
                    "  played: generated log chirp 200 Hz -> 4 kHz (10 s sweep, -6 dBFS), {} frames",
                    self.frames_played
                ),
            },
            format!(
                "  render {} -> capture {}; {} ms packets x{}, {}",
                fmt(&self.render.format),
                fmt(&self.capture.format),
                self.period_ms,
                self.packets,
                if self.packet_mode {
                    "packet mode"
                } else {
                    "position mode"
                }
            ),
        ];
        let latency = match (self.latency_frames, self.latency_ms) {
            (Some(frames), Some(ms)) => format!("cable latency {frames} frames ({ms:.3} ms)"),
            _ => "cable latency unknown".to_owned(),
        };
        lines.push(format!("  capture: {}", self.verdict_text()));
        lines.push(format!(
            "    {} frames played, {} compared; {} frames written, {} read; {latency}",
            self.frames_played, self.frames_compared, self.frames_written, self.frames_read,
        ));
        lines.push(format!(
            "  glitches: {} (render {}, capture {}, client skipped {} packets)",
            self.glitches, self.render.glitches, self.capture.glitches, self.client_skipped_packets
        ));
        lines.push(format!(
            "  notifications: {}, delivered late by mean {:.1} / max {:.1} µs; timer wake-ups {:.1}/s",
            self.notification_count,
            self.render
                .notification_lateness
                .mean_us
                .max(self.capture.notification_lateness.mean_us),
            self.render
                .notification_lateness
                .max_us
                .max(self.capture.notification_lateness.max_us),
            self.timer_wakeups_per_s
        ));
        lines.push(format!(
            "  position drift: render {:+} frames, capture {:+} frames; leaked buffers: {}",
            self.render.drift_frames, self.capture.drift_frames, self.leaked_buffers
        ));
        for v in &self.framework_violations {
            lines.push(format!("  {} contract broken: {v}", self.framework));
        }
        lines.push(format!("  files: {}", self.files.all().join(", ")));
        lines
    }
}

/// `int16 x1` for the verdict line.
fn short(f: &FormatReport) -> String {
    format!("{} x{}", f.sample_type, f.channels)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call per direction; a struct for the pair would only rename them"
)]
fn stream_report(
    format: &Format,
    packet_frames: u32,
    notifications: &[Ticks],
    delivered: &[Ticks],
    start: Ticks,
    stats: &StreamStats,
    (final_frames, expected_frames): (u64, u64),
    freq: CounterFrequency,
) -> StreamReport {
    let lateness = notification_lateness(notifications, delivered);
    let off_grid = grid_offsets(
        notifications,
        start,
        packet_frames,
        format.rate().hz(),
        freq,
    );
    StreamReport {
        format: format.into(),
        packet_frames,
        notifications: notifications.len() as u64,
        notification_lateness: jitter(&lateness, freq),
        notifications_off_grid: off_grid.iter().filter(|o| **o != 0).count() as u64,
        wakeup_lateness: Jitter {
            mean_us: if stats.wakeups == 0 {
                0.0
            } else {
                round_to(
                    ticks_to_us(stats.total_lateness_ticks, freq) / f64_from(stats.wakeups),
                    1,
                )
            },
            max_us: round_to(ticks_to_us(stats.max_lateness_ticks, freq), 1),
        },
        wakeups: stats.wakeups,
        early_wakeups: stats.early_wakeups,
        glitches: stats.glitches(),
        missed_notifications: stats.missed_notifications,
        underrun_frames: stats.underrun_frames,
        late_packets: stats.late_packets,
        overrun_packets: stats.overrun_packets,
        overflow_packets: stats.overflow_packets,
        dropped_frames: stats.dropped_frames,
        final_position_frames: final_frames,
        expected_position_frames: expected_frames,
        drift_frames: signed_diff(final_frames, expected_frames),
    }
}

/// Frames begun within `ticks`: `ceil(ticks × rate / freq)`.
fn frames_ceil(ticks: u64, rate: u32, freq: CounterFrequency) -> u64 {
    let frames = (u128::from(ticks) * u128::from(rate)).div_ceil(u128::from(freq.hz()));
    u64::try_from(frames).unwrap_or(u64::MAX)
}

/// Frames per packet, as the scenario sizes the buffers: the period rounded down to whole
/// frames.
pub fn packet_frames(format: &Format, period_us: u32) -> u32 {
    let frames = u64::from(format.rate().hz()) * u64::from(period_us) / 1_000_000;
    u32::try_from(frames).unwrap_or(u32::MAX)
}

/// When the client got each notification (the scenario samples the position once per
/// notification, in order, at the moment it handles it).
pub fn delivery_times(r: &LoopbackResult, direction: Direction) -> Vec<Ticks> {
    positions_of(r, direction).map(|(at, _)| at).collect()
}

/// How late each notification reached the client: delivery time minus the boundary it
/// announces (a notification carries the exact counter value of its packet boundary, as
/// KSAUDIO notifications do, so lateness is only visible in when it arrives).
pub fn notification_lateness(announced: &[Ticks], delivered: &[Ticks]) -> Vec<u64> {
    announced
        .iter()
        .zip(delivered)
        .map(|(a, d)| d.since(*a))
        .collect()
}

/// Each time's distance after the latest packet boundary at or before it.
///
/// Packet boundary k of a stream that started at `start` is at `start + ceil(k·packet·freq /
/// rate)` — the first counter value at which k whole packets are complete, the engine's
/// exact deadline — so a notification's announced time must be at distance 0.
pub fn grid_offsets(
    times: &[Ticks],
    start: Ticks,
    packet_frames: u32,
    rate: u32,
    freq: CounterFrequency,
) -> Vec<u64> {
    let packet = u64::from(packet_frames.max(1));
    times
        .iter()
        .map(|t| {
            let since = t.since(start);
            let k = ticks_to_frames(since, rate, freq) / packet;
            since - frames_to_ticks_ceil(k * packet, rate, freq).min(since)
        })
        .collect()
}

/// Mean and maximum of `lateness` (ticks), in µs; zero for no events.
pub fn jitter(lateness: &[u64], freq: CounterFrequency) -> Jitter {
    if lateness.is_empty() {
        return Jitter::default();
    }
    let total: u128 = lateness.iter().map(|l| u128::from(*l)).sum();
    let max = lateness.iter().copied().max().unwrap_or(0);
    let mean_ticks = total / lateness.len() as u128;
    Jitter {
        mean_us: round_to(
            ticks_to_us(u64::try_from(mean_ticks).unwrap_or(u64::MAX), freq),
            1,
        ),
        max_us: round_to(ticks_to_us(max, freq), 1),
    }
}

/// Events per simulated second over `ticks`; zero for an empty interval.
pub fn per_second(events: u64, ticks: u64, freq: CounterFrequency) -> f64 {
    if ticks == 0 {
        return 0.0;
    }
    f64_from(events) * f64_from(freq.hz()) / f64_from(ticks)
}

pub fn ticks_to_seconds(ticks: u64, freq: CounterFrequency) -> f64 {
    f64_from(ticks) / f64_from(freq.hz())
}

pub fn ticks_to_us(ticks: u64, freq: CounterFrequency) -> f64 {
    f64_from(ticks) * 1e6 / f64_from(freq.hz())
}

/// The position samples of one direction.
pub fn positions_of(
    r: &LoopbackResult,
    direction: Direction,
) -> impl Iterator<Item = (Ticks, u64)> + '_ {
    r.positions
        .iter()
        .filter(move |p| p.direction == direction)
        .map(|p| (p.at, p.frames))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate, SampleType};
    use cadenza_hostsim::Lateness;
    use cadenza_hostsim::scenario::{LoopbackConfig, PositionSample};
    use cadenza_hostsim::signal::Check;

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    fn info() -> RunInfo {
        RunInfo {
            seed: 7,
            start: Ticks(1_000),
            config_file: None,
            cables: 1,
            device_kind: "cable",
            tone_hz: 440,
            late: None,
            source: SourceReport {
                kind: "generated",
                file: None,
                format_tag: None,
                format: FormatReport::from(&Format::DEFAULT),
                frames: 48_000,
            },
            comparison: Comparison {
                played: 48_000,
                offset: Some(480),
                compared: 48_000,
                mismatched: 0,
                first_mismatch: None,
                verdict: Verdict::BitIdentical,
            },
            first_mismatch_glitches: Vec::new(),
            wav: WavInfo {
                format_tag: "WAVE_FORMAT_IEEE_FLOAT",
                bits_per_sample: 32,
                sample_format: "float",
                note: None,
            },
            files: Files {
                capture_wav: "c.wav".into(),
                report_json: "r.json".into(),
                positions_svg: "p.svg".into(),
                trace: None,
            },
        }
    }

    /// A hand-made one-second run: 48 kHz stereo float, 10 ms packets, render starting
    /// 5 ms after capture.
    fn result() -> LoopbackResult {
        let mut config = LoopbackConfig::default_for(F);
        config.duration_ticks = F.hz();
        config.render_delay_ticks = 50_000;
        config.lateness = Lateness::OnTime;
        let start = 1_000;
        let rstart = start + 50_000;
        LoopbackResult {
            framework: "engine",
            config,
            freq: F,
            captured: vec![0; 48_480 * 8],
            rendered_frames: 48_000,
            check: Check {
                offset: Some(480),
                compared: 48_000,
                mismatched: 0,
                first_mismatch: None,
            },
            render_stats: StreamStats {
                wakeups: 100,
                notifications: 100,
                ..StreamStats::default()
            },
            capture_stats: StreamStats {
                wakeups: 100,
                total_lateness_ticks: 1_000,
                max_lateness_ticks: 600,
                missed_notifications: 1,
                ..StreamStats::default()
            },
            // Notifications announce exact boundaries; the render ones arrive on time, then 30 µs
            // late, then 100 µs late; the capture ones on time, then 5 ms late.
            render_notifications: vec![
                Ticks(rstart + 100_000),
                Ticks(rstart + 200_000),
                Ticks(rstart + 300_000),
            ],
            capture_notifications: vec![Ticks(start + 100_000), Ticks(start + 200_000)],
            positions: vec![
                sample(start + 100_000, Direction::Capture, 480),
                sample(rstart + 100_000, Direction::Render, 480),
                sample(rstart + 200_300, Direction::Render, 960),
                sample(start + 250_000, Direction::Capture, 1_200),
                sample(rstart + 301_000, Direction::Render, 1_444),
            ],
            timer_expiries: 210,
            elapsed_ticks: 10_500_000,
            final_render_frames: 48_002,
            final_capture_frames: 50_396,
            expected_render_frames: 48_000,
            expected_capture_frames: 50_400,
            client_skipped_packets: 0,
            leaked_buffers: 0,
            render_client_view: Vec::new(),
            violations: Vec::new(),
        }
    }

    fn sample(at: u64, direction: Direction, frames: u64) -> PositionSample {
        PositionSample {
            at: Ticks(at),
            direction,
            frames,
        }
    }

    #[test]
    fn grid_offsets_are_measured_from_the_exact_packet_grid() {
        // 44.1 kHz, 441-frame packets: boundaries every 100 000 ticks exactly at 10 MHz.
        let o = grid_offsets(
            &[Ticks(100_000), Ticks(200_007), Ticks(399_999)],
            Ticks(0),
            441,
            44_100,
            F,
        );
        assert_eq!(o, vec![0, 7, 99_999]);
        // 110 frames at 44.1 kHz is 24 943.3 ticks: boundary 1 is at ceil = 24 944.
        let o = grid_offsets(&[Ticks(24_944), Ticks(24_950)], Ticks(0), 110, 44_100, F);
        assert_eq!(o, vec![0, 6]);
        // A stream that started later has its grid shifted with it.
        let o = grid_offsets(&[Ticks(1_100_000)], Ticks(1_000_000), 441, 44_100, F);
        assert_eq!(o, vec![0]);
    }

    #[test]
    fn lateness_is_delivery_after_the_announced_boundary() {
        let l = notification_lateness(
            &[Ticks(100), Ticks(200), Ticks(300)],
            &[Ticks(100), Ticks(250), Ticks(301)],
        );
        assert_eq!(l, vec![0, 50, 1]);
        // Deliveries never precede what they announce; if a framework reported so, the
        // figure clamps at zero instead of wrapping.
        assert_eq!(notification_lateness(&[Ticks(100)], &[Ticks(90)]), vec![0]);
    }

    #[test]
    fn jitter_is_mean_and_max_in_microseconds() {
        let j = jitter(&[0, 300, 10_000], F);
        assert!((j.mean_us - 343.3).abs() < 0.1, "{j:?}");
        assert!((j.max_us - 1_000.0).abs() < 1e-9);
        assert_eq!(jitter(&[], F), Jitter::default());
    }

    #[test]
    fn report_from_a_hand_made_result() {
        let r = Report::new(&result(), &info());
        assert_eq!(r.framework, "engine");
        assert!(r.capture_exact);
        assert_eq!(r.verdict, Verdict::BitIdentical);
        assert!(r.same_format);
        assert_eq!(r.frames_read, 48_480);
        // Render notifications: 0, 30 and 100 µs late.
        assert_eq!(r.render.notifications, 3);
        assert!((r.render.notification_lateness.max_us - 100.0).abs() < 1e-9);
        assert!((r.render.notification_lateness.mean_us - 43.3).abs() < 0.1);
        // Capture: the second notification arrived 5 ms after its boundary.
        assert!((r.capture.notification_lateness.max_us - 5_000.0).abs() < 1e-9);
        assert!((r.capture.notification_lateness.mean_us - 2_500.0).abs() < 1e-9);
        assert_eq!(r.render.notifications_off_grid, 0);
        assert_eq!(r.capture.notifications_off_grid, 0);
        // The engine's own lateness: 1000 ticks over 100 wake-ups = 1 µs mean, 60 µs max.
        assert!((r.capture.wakeup_lateness.mean_us - 1.0).abs() < 1e-9);
        assert!((r.capture.wakeup_lateness.max_us - 60.0).abs() < 1e-9);
        assert_eq!(r.render.drift_frames, 2);
        assert_eq!(r.capture.drift_frames, -4);
        // 210 expiries over 1.05 s.
        assert!((r.timer_wakeups_per_s - 200.0).abs() < 1e-9);
        // Offset 480 frames = 10 ms; render started 5 ms (240 frames) late, so the cable adds 5 ms.
        assert_eq!(r.offset_frames, Some(480));
        assert_eq!(r.latency_frames, Some(240));
        assert!((r.latency_ms.unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(r.glitches, 1);
        assert_eq!(r.notification_count, 5);
        assert!(!r.clean());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["capture"]["missed_notifications"], 1);
        assert_eq!(json["render"]["format"]["sample_type"], "float32");
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["verdict"], "bit-identical");
    }

    #[test]
    fn an_announced_time_off_the_grid_is_counted() {
        let mut res = result();
        res.capture_notifications[1] = Ticks(1_000 + 200_001);
        let r = Report::new(&res, &info());
        assert_eq!(r.capture.notifications_off_grid, 1);
    }

    #[test]
    fn a_clean_run_is_clean() {
        let mut res = result();
        res.capture_stats.missed_notifications = 0;
        let r = Report::new(&res, &info());
        assert!(r.clean());
        let lines = r.summary(0.5);
        assert!((5..=10).contains(&lines.len()));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("capture: bit-identical to the generated signal")),
            "{lines:?}"
        );
        let mut res = result();
        res.capture_stats.missed_notifications = 0;
        res.leaked_buffers = 1;
        assert!(!Report::new(&res, &info()).clean());
    }

    /// The promise: a one-frame latency is visible in milliseconds (not rounded to 0.00).
    #[test]
    fn a_one_frame_latency_shows_in_frames_and_milliseconds() {
        let mut i = info();
        // The hand-made run starts render 240 frames after capture: 241 is one frame late.
        i.comparison.offset = Some(241);
        let r = Report::new(&result(), &i);
        assert_eq!(r.latency_frames, Some(1));
        // 1 / 48 000 s = 0.0208 ms, to 3 decimals.
        assert_eq!(r.latency_ms, Some(0.021));
        let lines = r.summary(0.1);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("cable latency 1 frames (0.021 ms)")),
            "{lines:?}"
        );
    }

    #[test]
    fn wakeups_per_second_of_nothing_is_zero() {
        assert!(per_second(5, 0, F).abs() < f64::EPSILON);
        assert!((per_second(100, 5_000_000, F) - 200.0).abs() < 1e-9);
    }

    #[test]
    fn the_start_offset_rounds_up_to_whole_frames() {
        // The default scenario starts render 3.1234 ms after capture: 149.92 frames at 48 kHz,
        // so render frame 0 is expected at capture frame 150.
        assert_eq!(frames_ceil(31_234, 48_000, F), 150);
        assert_eq!(frames_ceil(50_000, 48_000, F), 240);
    }

    #[test]
    fn packet_frames_round_down() {
        let f = Format::new(
            SampleType::Int16,
            Channels::STEREO,
            SampleRate::new(44_100).unwrap(),
        );
        assert_eq!(packet_frames(&f, 2_500), 110);
        assert_eq!(packet_frames(&Format::DEFAULT, 10_000), 480);
    }
}
