//! The report: one Markdown table set (printed by the binary and pasted into
//! `docs/performance.md` between its markers), the JSON data and the SVG plots.

use std::fmt::Write as _;

use plotters::prelude::*;
use serde::Serialize;

use crate::experiments::{ConvertFigure, Figures, LAYOUTS};

/// Where the figures were taken.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    pub rustc: String,
    pub os: String,
}

fn first_line_with(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().to_string())
}

impl Machine {
    pub fn detect() -> Machine {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let rustc = std::process::Command::new(rustc)
            .arg("--version")
            .output()
            .ok()
            .map_or_else(
                || "unknown".into(),
                |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
            );
        let memory = first_line_with("/proc/meminfo", "MemTotal")
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or_else(
                || "unknown".into(),
                |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
            );
        let os = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
            |_| std::env::consts::OS.to_string(),
            |r| format!("Linux {}", r.trim()),
        );
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            cpu_model: first_line_with("/proc/cpuinfo", "model name")
                .unwrap_or_else(|| "unknown".into()),
            memory,
            rustc,
            os,
        }
    }
}

fn mark(met: bool) -> &'static str {
    if met { "met" } else { "**MISSED**" }
}

fn ns(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} us", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ns")
    } else {
        format!("{v:.1} ns")
    }
}

fn convert_matrix(out: &mut String, rows: &[&ConvertFigure], title: &str) {
    let types = ["int16", "int24", "int24in32", "int32", "float32"];
    let _ = writeln!(out, "\n{title}\n");
    let _ = writeln!(out, "| from \\ to | {} |", types.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(types.len()));
    for st in types {
        let cells: Vec<String> = types
            .iter()
            .map(|dt| {
                rows.iter()
                    .find(|f| f.src == st && f.dst == *dt)
                    .map_or_else(String::new, |f| {
                        let miss = f.met == Some(false);
                        format!(
                            "{}{:.2}x ({:.1} GB/s){}",
                            if miss { "**" } else { "" },
                            f.ratio,
                            f.gb_per_s,
                            if miss { "** MISSED" } else { "" }
                        )
                    })
            })
            .collect();
        let _ = writeln!(out, "| {st} | {} |", cells.join(" | "));
    }
}

/// Selects conversion figures for a summary line.
type ConvertFilter = fn(&ConvertFigure) -> bool;

/// The figures as Markdown (what the binary prints and the doc embeds).
pub fn markdown(f: &Figures, m: &Machine) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Machine: {} x {}, {} RAM, {}; {}. Wall-clock figures are the best (min) and median \
         of repeated batches on a machine shared with other work.",
        m.cpus, m.cpu_model, m.memory, m.os, m.rustc
    );

    let _ = writeln!(
        o,
        "\n### 1. Loopback copy, matching formats (one period through the cable)\n"
    );
    let _ = writeln!(
        o,
        "`Cable::sync` over one period with render and capture running (render buffer -> ring -> \
         capture buffer), against two `copy_from_slice` of the same packet bytes \
         (render buffer -> ring slot -> capture buffer) walking the same ring addresses, \
         and against the same two copies between cache-hot buffers.\n"
    );
    let _ = writeln!(
        o,
        "| stream | packet bytes | ring bytes | cable min / median | 2x memcpy via ring min | \
         2x memcpy hot min | cable / memcpy via ring | cable / memcpy hot | target <= 1.25x |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for c in &f.copy {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} / {} | {} | {} | {:.2}x | {:.2}x | {} |",
            c.label,
            c.packet_bytes,
            c.ring_bytes,
            ns(c.cable.min_ns),
            ns(c.cable.median_ns),
            ns(c.memcpy_ring.min_ns),
            ns(c.memcpy_hot.min_ns),
            c.ratio_ring,
            c.ratio_hot,
            mark(c.met)
        );
    }

    let _ = writeln!(
        o,
        "\n### 2. Format conversion (output bytes/s vs memcpy of the output bytes)\n"
    );
    let _ = writeln!(
        o,
        "{} frames per call at 48 kHz; cell = memcpy time / conversion time for the same output \
         bytes (1.00x = as fast as copying the output), with the conversion's output throughput. \
         Target >= 0.5x for equal channel counts (misses in bold); mixes are reported without a \
         target. Same type and channels at unity gain is the engine's memcpy fast path.",
        crate::experiments::CONVERT_FRAMES
    );
    for (sc, dc) in LAYOUTS {
        let rows: Vec<&ConvertFigure> = f
            .convert
            .iter()
            .filter(|c| {
                c.src_channels == sc
                    && c.dst_channels == dc
                    && c.gain == "unity"
                    && c.frames == crate::experiments::CONVERT_FRAMES
            })
            .collect();
        convert_matrix(
            &mut o,
            &rows,
            &format!("**{sc} ch -> {dc} ch, unity gain**"),
        );
    }
    let rows: Vec<&ConvertFigure> = f.convert.iter().filter(|c| c.gain != "unity").collect();
    convert_matrix(
        &mut o,
        &rows,
        "**2 ch -> 2 ch, -6 dB gain** (volume applied in the same pass)",
    );
    let rows: Vec<&ConvertFigure> = f
        .convert
        .iter()
        .filter(|c| c.frames == crate::experiments::CONVERT_FRAMES_LARGE)
        .collect();
    convert_matrix(
        &mut o,
        &rows,
        &format!(
            "**2 ch -> 2 ch, unity gain, large buffers** ({} frames per call: output up to \
             1 MiB, L2-resident, where memcpy itself is slower)",
            crate::experiments::CONVERT_FRAMES_LARGE
        ),
    );
    let groups: [(&str, ConvertFilter); 3] = [
        ("DPC-sized, unity gain", |c| {
            c.gain == "unity" && c.frames == crate::experiments::CONVERT_FRAMES
        }),
        ("DPC-sized, -6 dB", |c| c.gain != "unity"),
        ("large buffers, unity gain", |c| {
            c.frames == crate::experiments::CONVERT_FRAMES_LARGE
        }),
    ];
    let _ = writeln!(o);
    for (name, keep) in groups {
        let same: Vec<&ConvertFigure> = f
            .convert
            .iter()
            .filter(|c| c.target.is_some() && keep(c))
            .collect();
        let misses = same.iter().filter(|c| c.met == Some(false)).count();
        let worst = same
            .iter()
            .min_by(|a, b| a.ratio.total_cmp(&b.ratio))
            .map(|c| format!("{} -> {} {:.2}x", c.src, c.dst, c.ratio))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "- Equal channel counts, {name}: {} of {} pairs meet >= 0.5x; worst {worst}.",
            same.len() - misses,
            same.len(),
        );
    }

    let _ = writeln!(o, "\n### 3. Per-notification and GetPosition cost\n");
    let _ = writeln!(o, "| operation | min | median | what is timed |");
    let _ = writeln!(o, "|---|---:|---:|---|");
    for n in &f.notification {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            n.name,
            ns(n.ns.min_ns),
            ns(n.ns.median_ns),
            n.what
        );
    }

    let _ = writeln!(
        o,
        "\n### 4. Scale: DPC CPU time per second of audio (48 kHz stereo float, 2 packets per buffer)\n"
    );
    let _ = writeln!(
        o,
        "Every wake-up runs `ops::on_timer` on its cable (data moved both ways) and signals the \
         stream's event; streams start staggered over one period. Thread CPU time of exactly \
         that work for one simulated second (timer arming by the OS not included).\n"
    );
    let _ = writeln!(
        o,
        "| period | streams | cables | wake-ups/s | CPU per s of audio (min / median) | % of one core (median) | ns per wake-up | target |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---|");
    for s in &f.scale {
        let target = if s.period_us == 1_000 && s.streams == 64 {
            mark(s.core_percent < 1.0)
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "| {} ms | {} | {} | {} | {} / {} | {:.3} % | {:.0} | {} |",
            s.period_us / 1000,
            s.streams,
            s.cables,
            s.wakeups,
            ns(s.cpu_ns.min_ns),
            ns(s.cpu_ns.median_ns),
            s.core_percent,
            s.ns_per_wakeup,
            target
        );
    }
    for period in [1_000, 10_000] {
        let pts: Vec<_> = f.scale.iter().filter(|s| s.period_us == period).collect();
        if let (Some(a), Some(b)) = (pts.first(), pts.last()) {
            let _ = writeln!(
                o,
                "\n{} ms: cost per wake-up {:.0} ns at {} stream(s), {:.0} ns at {} streams \
                 ({:.2}x): {}.",
                period / 1000,
                a.ns_per_wakeup,
                a.streams,
                b.ns_per_wakeup,
                b.streams,
                b.ns_per_wakeup / a.ns_per_wakeup,
                if b.ns_per_wakeup / a.ns_per_wakeup < 2.0 {
                    "the cost per wake-up stays flat, so CPU time grows linearly with streams"
                } else {
                    "**the cost per wake-up grows with streams: not linear**"
                }
            );
        }
    }

    let _ = writeln!(
        o,
        "\n### 5. Timer wake-ups per second, per stream: Cadenza vs the classic 1 ms poller\n"
    );
    let _ = writeln!(
        o,
        "Cadenza: EngineDriver on SimPlatform running the loopback scenario \
         (the render stream's StreamStats per simulated second; SimPlatform::expiries over the \
         notifications of both streams). \
         Classic: the model in `tools/bench/src/classic.rs` (one periodic 1 ms timer).\n"
    );
    let _ = writeln!(
        o,
        "| rate | period | packet frames | packets/s | Cadenza wake-ups/s | Cadenza notifications/s | Cadenza timer expiries per notification | classic wake-ups/s | classic interval | classic notifications/s |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for w in &f.wakeups {
        let _ = writeln!(
            o,
            "| {} | {} ms | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {} ms | {:.2} |",
            w.rate,
            w.period_us / 1000,
            w.packet_frames,
            w.packet_rate,
            w.engine_wakeups_per_s,
            w.engine_notifications_per_s,
            w.engine_expiries_per_notification,
            w.classic_wakeups_per_s,
            w.classic_interval_ms,
            w.classic_notifications_per_s
        );
    }

    let _ = writeln!(o, "\n### 6. Drift after 24 hours\n");
    let _ = writeln!(
        o,
        "Cadenza: a stream started at an odd counter value (10 MHz), asked after exactly 24 h for \
         its position and its newest notification, compared with the ideal rational timeline \
         computed independently in the bench. Classic: the notification interval truncated to \
         whole ms (exact integer model); drift = frames the audio clock shows when the last \
         notification fires minus the frames that notification stands for (positive: \
         notifications lag the audio, negative: they run ahead). The classic model's position \
         itself has no drift (carried remainders) but is up to 1 ms stale between ticks.\n"
    );
    let _ = writeln!(
        o,
        "| rate | period | packet frames | Cadenza position error | Cadenza notification error (frames / ticks) | classic interval | classic notifications | classic drift (frames) | classic drift (s) |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for d in &f.drift {
        let _ = writeln!(
            o,
            "| {} | {} ms | {} | {} | {} / {} | {} ms | {} | {} | {:.3} |",
            d.rate,
            d.period_ms,
            d.packet_frames,
            d.engine.position_error_frames,
            d.engine.notification_error_frames,
            d.engine.notification_error_ticks,
            d.classic.interval_ms,
            d.classic.notifications,
            d.classic.drift_frames,
            d.classic_drift_seconds
        );
    }
    let v = &f.drift_validation;
    let _ = writeln!(
        o,
        "\nValidation by full simulation: Cadenza (EngineDriver + SimPlatform timers, {} Hz, \
         {} ms, counter {} Hz, {} s simulated in {:.1} s): {} timer expiries, {} notifications, \
         {} off the ideal timeline, final position error {} frames. Classic model ({} Hz, {} ms) \
         ticked {} times: drift {} frames, {} the exact model.",
        v.engine_rate,
        v.engine_period_ms,
        v.engine_counter_hz,
        v.classic_wakeups / 1000,
        v.engine_wall_s,
        v.engine_expiries,
        v.engine_notifications,
        v.engine_wrong_notifications,
        v.engine_position_error_frames,
        v.classic_rate,
        v.classic_period_ms,
        v.classic_wakeups,
        v.classic_simulated.drift_frames,
        if v.classic_agrees {
            "equal to"
        } else {
            "**DIFFERENT FROM**"
        }
    );

    let _ = writeln!(
        o,
        "\n### 7. Memory per stream (non-paged state, excluding audio buffers and the trace ring)\n"
    );
    let _ = writeln!(o, "| object | bytes | note |");
    let _ = writeln!(o, "|---|---:|---|");
    for mm in &f.memory {
        let _ = writeln!(o, "| {} | {} | {} |", mm.name, mm.bytes, mm.note);
    }
    if let Some(total) = f.memory.last() {
        let _ = writeln!(
            o,
            "\nTarget <= 2 KiB per stream: {} ({} bytes measured for PortCls).",
            mark(total.bytes <= 2048),
            total.bytes
        );
    }

    let _ = writeln!(
        o,
        "\n### 8. Loopback latency (48 kHz stereo float, packet mode, 2 packets per buffer)\n"
    );
    let _ = writeln!(
        o,
        "From the instant the render position passes a frame (it leaves the render buffer) to \
         the capture notification after which the capture client reads it, over every frame of \
         the run (`run_loopback`: the check's offset, the capture client's position samples). \
         Theoretical minimum for the worst frame: one packet + the reported hardware latency \
         (the cable's 1-frame delay). A render client's own write-ahead (up to one buffer) comes \
         on top, as on any device.\n"
    );
    let _ = writeln!(
        o,
        "| period | packet frames | offset (frames) | min | mean | max | one packet + HW latency | max vs theory |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---:|---:|---:|---:|---|");
    for l in &f.latency {
        let _ = writeln!(
            o,
            "| {} ms | {} | {} | {:.1} us | {:.1} us | {:.1} us | {:.1} us | {} |",
            l.period_us / 1000,
            l.packet_frames,
            l.offset_frames,
            l.min_us,
            l.mean_us,
            l.max_us,
            l.theoretical_us,
            if l.max_us <= l.theoretical_us + 0.1 {
                "within"
            } else {
                "**above**"
            }
        );
    }
    o
}

/// Replaces the text between `<!-- figures:begin -->` and `<!-- figures:end -->` in `doc`.
pub fn splice(doc: &str, figures: &str) -> Option<String> {
    const BEGIN: &str = "<!-- figures:begin -->";
    const END: &str = "<!-- figures:end -->";
    let b = doc.find(BEGIN)? + BEGIN.len();
    let e = doc.find(END)?;
    (b <= e).then(|| format!("{}\n{}\n{}", &doc[..b], figures.trim_end(), &doc[e..]))
}

/// CPU % of one core against streams, one line per period, with the 1 % target.
pub fn scaling_svg(f: &Figures) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let y_max = f.scale.iter().map(|s| s.core_percent).fold(1.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Cadenza DPC CPU time per second of audio (48 kHz stereo, loopback cables)",
                ("sans-serif", 18),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..66f64, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("concurrent streams")
            .y_desc("% of one core (median)")
            .y_label_formatter(&|v| format!("{v:.2}"))
            .draw()
            .map_err(|e| e.to_string())?;
        for (period, color) in [(1_000, RED), (10_000, BLUE)] {
            let pts: Vec<(f64, f64)> = f
                .scale
                .iter()
                .filter(|s| s.period_us == period)
                .map(|s| (s.streams as f64, s.core_percent))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(format!("{} ms periods", period / 1000))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 1.0), (66.0, 1.0)],
                BLACK.mix(0.5).stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label("target at 64 streams, 1 ms: 1 % of one core")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Notification drift over 24 h for the configurations where the classic model drifts, one
/// panel each, Cadenza's (zero) alongside.
pub fn drift_svg(f: &Figures) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let panels = root.split_evenly((1, f.drift_series.len().max(1)));
        for ((rate, period, series), area) in f.drift_series.iter().zip(panels.iter()) {
            let to_s = |frames: i128| frames as f64 / f64::from(*rate);
            let lo = series.iter().map(|p| to_s(p.2)).fold(0.0, f64::min);
            let hi = series.iter().map(|p| to_s(p.2)).fold(0.0, f64::max);
            let pad = (hi - lo).max(1.0) * 0.08;
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!(
                        "{:.1} kHz, {period} ms packets: notification drift",
                        f64::from(*rate) / 1000.0
                    ),
                    ("sans-serif", 16),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(80)
                .build_cartesian_2d(0f64..24f64, (lo - pad)..(hi + pad))
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc("hours")
                .y_desc("drift (seconds of audio)")
                .y_label_formatter(&|v| format!("{v:.0}"))
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new(
                    series.iter().map(|p| (p.0 as f64, to_s(p.2))),
                    RED.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label("classic 1 ms poller (interval truncated to whole ms)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
            chart
                .draw_series(LineSeries::new(
                    series.iter().map(|p| (p.0 as f64, to_s(p.1))),
                    BLUE.stroke_width(3),
                ))
                .map_err(|e| e.to_string())?
                .label("Cadenza (exact deadlines): 0")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
            chart
                .configure_series_labels()
                .position(if hi > 0.0 {
                    SeriesLabelPosition::UpperLeft
                } else {
                    SeriesLabelPosition::LowerLeft
                })
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
