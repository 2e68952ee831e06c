//! `positions.svg`: both streams' positions over time with their notifications marked, and
//! each notification's lateness after its packet boundary. Both panels share the time axis
//! (seconds since the capture stream started) and mark, as vertical lines, when glitches,
//! late timer wake-ups and stream state changes were logged.

use std::path::Path;

use anyhow::{Context as _, anyhow};
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use cadenza_hostsim::scenario::LoopbackResult;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::report::{
    delivery_times, notification_lateness, positions_of, ticks_to_seconds, ticks_to_us,
};
use crate::session::{Event, EventKind};

/// More line points than this per series are thinned out: the picture does not change, but a
/// long run's SVG would grow to megabytes.
const MAX_POINTS: usize = 2_000;
/// Markers beyond this per series only overlap each other at 1000 pixels of width.
const MAX_MARKERS: usize = 300;

const RENDER_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const CAPTURE_COLOR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const GLITCH_COLOR: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const LATE_COLOR: RGBColor = RGBColor(0x94, 0x67, 0xbd);
const STATE_COLOR: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

/// One kind of vertical marker: its legend label, colour and the times it marks.
struct Markers {
    label: &'static str,
    color: RGBColor,
    /// Every logged event of the kind (the legend's count).
    count: usize,
    /// Distinct times in seconds, thinned to at most [`MAX_MARKERS`].
    times: Vec<f64>,
}

/// Which logged events a kind of marker shows.
type Wanted = fn(EventKind) -> bool;

/// The logged events as the plot's three kinds of markers.
fn markers(
    events: &[Event],
    start: Ticks,
    freq: cadenza_engine::time::CounterFrequency,
) -> [Markers; 3] {
    let kinds: [(&'static str, RGBColor, Wanted); 3] = [
        ("glitch", GLITCH_COLOR, EventKind::is_glitch),
        ("late timer wake-up", LATE_COLOR, |k| {
            matches!(k, EventKind::LateTimer(_))
        }),
        ("state change", STATE_COLOR, |k| {
            matches!(k, EventKind::State(_))
        }),
    ];
    kinds.map(|(label, color, wanted)| {
        let mut ticks: Vec<Ticks> = events
            .iter()
            .filter(|e| wanted(e.kind))
            .map(|e| e.at)
            .collect();
        let count = ticks.len();
        ticks.dedup();
        let step = ticks.len().div_ceil(MAX_MARKERS).max(1);
        let times = ticks
            .into_iter()
            .step_by(step)
            .map(|t| ticks_to_seconds(t.since(start), freq))
            .collect();
        Markers {
            label,
            color,
            count,
            times,
        }
    })
}

struct Series {
    label: &'static str,
    color: RGBColor,
    /// (seconds since the capture start, frames).
    positions: Vec<(f64, f64)>,
    /// (seconds, frames at that notification).
    markers: Vec<(f64, f64)>,
    /// (seconds, µs late).
    lateness: Vec<(f64, f64)>,
}

fn series(r: &LoopbackResult, start: Ticks, direction: Direction) -> Series {
    // `start` is the capture start: the common time origin of both panels.
    let freq = r.freq;
    let (label, color, notes) = match direction {
        Direction::Render => ("render", RENDER_COLOR, &r.render_notifications),
        Direction::Capture => ("capture", CAPTURE_COLOR, &r.capture_notifications),
    };
    let secs = |t: Ticks| ticks_to_seconds(t.since(start), freq);
    let positions: Vec<(f64, f64)> = positions_of(r, direction)
        .map(|(t, f)| (secs(t), crate::num::f64_from(f)))
        .collect();
    // The scenario takes one position sample per notification, in order, when the client
    // handles it: markers sit where the stream was when each notification arrived.
    let delivered = delivery_times(r, direction);
    let markers = delivered
        .iter()
        .zip(&positions)
        .map(|(t, p)| (secs(*t), p.1))
        .collect();
    let late = notification_lateness(notes, &delivered);
    let lateness = notes
        .iter()
        .zip(late)
        .map(|(t, l)| (secs(*t), ticks_to_us(l, freq)))
        .collect();
    Series {
        label,
        color,
        positions,
        markers,
        lateness,
    }
}

/// Every n-th point, so that about `max` remain (the last one always kept).
fn thin(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    let step = points.len().div_ceil(max.max(1)).max(1);
    let mut out: Vec<_> = points.iter().copied().step_by(step).collect();
    if let Some(last) = points.last()
        && out.last() != Some(last)
    {
        out.push(*last);
    }
    out
}

/// The highest point of each run of consecutive points, so that about `max` remain: a single
/// late notification must stay visible however long the run.
fn thin_keeping_peaks(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    let step = points.len().div_ceil(max.max(1)).max(1);
    points
        .chunks(step)
        .filter_map(|c| {
            c.iter()
                .copied()
                .reduce(|a, b| if b.1 > a.1 { b } else { a })
        })
        .collect()
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, f64::max)
}

/// Renders the plot as SVG text.
pub fn render_svg(r: &LoopbackResult, start: Ticks, events: &[Event]) -> anyhow::Result<String> {
    let all = [
        series(r, start, Direction::Render),
        series(r, start, Direction::Capture),
    ];
    let marks = markers(events, start, r.freq);
    let t_max = ticks_to_seconds(r.elapsed_ticks, r.freq).max(1e-3);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 720)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let (top, bottom) = root.split_vertically(440);
        draw_positions(&top, r.framework, &all, &marks, t_max)?;
        draw_lateness(&bottom, &all, &marks, t_max)?;
        root.present().map_err(|e| anyhow!("{e}"))?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Vertical lines at every marker's times, from 0 to `top`; with a legend entry when
/// `legend` (the top panel names them, the bottom one repeats the lines only).
fn draw_markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    marks: &[Markers],
    top: f64,
    legend: bool,
) -> anyhow::Result<()> {
    for m in marks {
        let color = m.color;
        let drawn = chart
            .draw_series(m.times.iter().map(|t| {
                PathElement::new(vec![(*t, 0.0), (*t, top)], color.mix(0.7).stroke_width(1))
            }))
            .map_err(|e| anyhow!("{e}"))?;
        if legend {
            drawn
                .label(format!("{} ({} logged)", m.label, m.count))
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x + 10, y - 6), (x + 10, y + 6)],
                        color.stroke_width(2),
                    )
                });
        }
    }
    Ok(())
}

/// The top panel: both streams' positions, their notifications, and the markers.
fn draw_positions(
    area: &Area<'_>,
    framework: &str,
    all: &[Series; 2],
    marks: &[Markers],
    t_max: f64,
) -> anyhow::Result<()> {
    let y_max = max_of(all.iter().flat_map(|s| s.positions.iter().map(|p| p.1))).max(1.0) * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("Cadenza {framework} loopback: stream positions"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..t_max, 0.0..y_max)
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("simulated time since capture start (s)")
        .y_desc("position (frames)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    // Render is drawn wider underneath: the two lines nearly coincide on a working cable.
    for (s, width) in all.iter().zip([4, 2]) {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(
                thin(&s.positions, MAX_POINTS),
                color.stroke_width(width),
            ))
            .map_err(|e| anyhow!("{e}"))?
            .label(format!("{} position", s.label))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
        chart
            .draw_series(
                thin(&s.markers, MAX_MARKERS)
                    .into_iter()
                    .map(|p| Circle::new(p, 2, color.filled())),
            )
            .map_err(|e| anyhow!("{e}"))?
            .label(format!("{} notification", s.label))
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
    }
    draw_markers(&mut chart, marks, y_max, true)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| anyhow!("{e}"))
}

/// The bottom panel: each notification's delivery after its packet boundary, in µs.
fn draw_lateness(
    area: &Area<'_>,
    all: &[Series; 2],
    marks: &[Markers],
    t_max: f64,
) -> anyhow::Result<()> {
    // A floor of 10 µs keeps the axis readable when every notification is on time.
    let late_max = max_of(all.iter().flat_map(|s| s.lateness.iter().map(|p| p.1))).max(10.0) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Notification delivery after the packet boundary",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..t_max, 0.0..late_max)
        .map_err(|e| anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("simulated time since capture start (s)")
        .y_desc("lateness (µs)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    draw_markers(&mut chart, marks, late_max, false)?;
    for s in all {
        let color = s.color;
        chart
            .draw_series(
                thin_keeping_peaks(&s.lateness, MAX_MARKERS)
                    .into_iter()
                    .map(|p| Cross::new(p, 3, color.stroke_width(1))),
            )
            .map_err(|e| anyhow!("{e}"))?
            .label(s.label)
            .legend(move |(x, y)| Cross::new((x + 10, y), 3, color.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| anyhow!("{e}"))
}

pub fn write_svg(
    path: &Path,
    r: &LoopbackResult,
    start: Ticks,
    events: &[Event],
) -> anyhow::Result<()> {
    let svg = render_svg(r, start, events).context("cannot draw the position plot")?;
    std::fs::write(path, svg).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_bounds_the_count() {
        let pts: Vec<(f64, f64)> = (0..10_001).map(|i| (f64::from(i), 0.0)).collect();
        let t = thin(&pts, MAX_POINTS);
        assert!(t.len() <= MAX_POINTS + 1);
        assert_eq!(t.first(), pts.first());
        assert_eq!(t.last(), pts.last());
        assert_eq!(thin(&pts[..5], MAX_POINTS), pts[..5].to_vec());
    }

    #[test]
    fn peak_thinning_keeps_a_lone_spike() {
        let mut pts: Vec<(f64, f64)> = (0..10_000).map(|i| (f64::from(i), 0.0)).collect();
        pts[4_321].1 = 900.0;
        let t = thin_keeping_peaks(&pts, 100);
        assert!(t.len() <= 100);
        assert!(t.contains(&(4_321.0, 900.0)));
    }
}
