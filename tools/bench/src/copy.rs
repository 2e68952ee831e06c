//! The cable copy against memcpy, and the cable's fixed cost per sync.
//!
//! A *loopback* is one cable set up as the adapters set it up (ring = 500 ms of the widest
//! frame, buffers of two packets) with its render and its capture stream running from the
//! same instant. One *sync* is `Cable::sync` at the next packet boundary: it pulls one packet
//! from the render buffer into the ring and fills one packet of the capture buffer, i.e.
//! render buffer → ring → capture buffer. The baseline for the same bytes is two memcpys of
//! the packet (render-buffer slot → ring, ring → capture-buffer slot) walking the same ring
//! addresses, done with the SSE2 loop of [`crate::memcpy`] and with `copy_from_slice`.
//!
//! With several loopbacks, one iteration syncs every cable once (and the baseline copies
//! every mirror once), so the working set grows with the count; figures are per sync.

use std::cell::RefCell;
use std::hint::black_box;

use serde::Serialize;

use cadenza_engine::device::AudioDevice;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::level::Peaks;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;

use crate::cache::Flusher;
use crate::experiments::Effort;
use crate::fixture::{CableFixture, format, noise, packet_frames};
use crate::memcpy::{Copier, ring_read, ring_write, sse2_copy};
use crate::timing::{Job, Sample, cold_jobs, hot_jobs, linear_fit, per_call};

/// A period as a client asks for it: a duration, or a frame count (e.g. 128 frames).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Period {
    Millis(u32),
    Frames(u32),
}

impl Period {
    /// Frames per packet at `rate`.
    pub fn frames(self, rate: u32) -> u32 {
        match self {
            Period::Millis(ms) => packet_frames(rate, ms * 1000),
            Period::Frames(f) => f,
        }
    }

    /// "1 ms", "128 frames (2.67 ms)".
    pub fn label(self, rate: u32) -> String {
        match self {
            Period::Millis(ms) => format!("{ms} ms"),
            Period::Frames(f) => format!(
                "{f} frames ({:.2} ms)",
                f64::from(f) * 1000.0 / f64::from(rate)
            ),
        }
    }
}

/// The periods every copy row is measured at.
pub const COPY_PERIODS: [Period; 4] = [
    Period::Millis(1),
    Period::Frames(128),
    Period::Millis(10),
    Period::Millis(100),
];

/// The two stream formats: the default (48 kHz stereo float32) and the widest a
/// configuration can offer (384 kHz, 16 channels, float32).
pub fn copy_formats() -> [Format; 2] {
    [Format::DEFAULT, format(SampleType::Float32, 16, 384_000)]
}

/// "48 kHz 2 ch float32".
pub fn format_label(f: &Format) -> String {
    format!(
        "{} kHz {} ch {}",
        f64::from(f.rate().hz()) / 1000.0,
        f.channels().get(),
        f.sample().name()
    )
}

/// Hot or cold caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CacheState {
    /// Iterations back to back: whatever the previous iteration left cached stays.
    Hot,
    /// The caches are flushed (≥ 2 × LLC written) before every timed iteration.
    Cold,
}

impl CacheState {
    pub const fn name(self) -> &'static str {
        match self {
            CacheState::Hot => "hot",
            CacheState::Cold => "cold",
        }
    }
}

/// `a / b` for the best runs and for the median runs.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Ratio {
    /// `a.min / b.min`: what the verdicts use.
    pub min: f64,
    /// `a.median / b.median`.
    pub median: f64,
}

impl Ratio {
    pub fn of(a: Sample, b: Sample) -> Ratio {
        Ratio {
            min: a.min_ns / b.min_ns,
            median: a.median_ns / b.median_ns,
        }
    }
}

/// One row of the copy matrix.
#[derive(Clone, Debug, Serialize)]
pub struct CopyRow {
    pub format: String,
    pub rate: u32,
    pub channels: u16,
    pub period: Period,
    pub period_label: String,
    pub packet_frames: u32,
    /// Bytes of one packet (each side).
    pub packet_bytes: usize,
    pub ring_bytes: usize,
    pub loopbacks: usize,
    pub cache: CacheState,
    /// `Cable::sync` of one loopback, ns per sync.
    pub cable: Sample,
    /// Two SSE2 memcpys of the packet via the ring, ns.
    pub sse2: Sample,
    /// Two `copy_from_slice` of the packet via the ring, ns.
    pub libc: Sample,
    /// cable / sse2.
    pub ratio_sse2: Ratio,
    /// cable / libc.
    pub ratio_libc: Ratio,
}

/// One loopback: its cable and where its clock is.
///
/// The sync instants `ceil(k × pf × freq / rate)` are stepped exactly without a division
/// (quotient and remainder of one step added, the remainder carried), so the timed loop
/// charges the cable for its sync, not for the harness computing when to call it.
struct Loop {
    fx: CableFixture,
    rate: u64,
    /// Packet frames per step.
    pf: u64,
    /// `pf × freq` split by `rate`: what one step adds.
    step_q: u64,
    step_r: u64,
    /// `k × pf × freq = q × rate + r` with `r < rate`, at step `k`.
    q: u64,
    r: u64,
}

impl Loop {
    fn new(fmt: Format, pf: u32) -> Loop {
        let mut fx = CableFixture::loopback_frames(fmt, pf);
        fx.run(Direction::Capture, Ticks(0));
        fx.run(Direction::Render, Ticks(0));
        let mut l = Loop {
            fx,
            rate: u64::from(fmt.rate().hz()),
            pf: 0,
            step_q: 0,
            step_r: 0,
            q: 0,
            r: 0,
        };
        l.set_step(u64::from(pf));
        l
    }

    /// Syncs every `pf` frames from the current instant on.
    fn set_step(&mut self, pf: u64) {
        let per_step = pf * self.fx.freq.hz();
        self.pf = pf;
        self.step_q = per_step / self.rate;
        self.step_r = per_step % self.rate;
    }

    /// The counter value of the current step: `ceil(q + r / rate)`.
    #[inline]
    fn now(&self) -> Ticks {
        Ticks(self.q + u64::from(self.r != 0))
    }

    /// Syncs at the next packet boundary.
    #[inline]
    fn step(&mut self) {
        self.q += self.step_q;
        self.r += self.step_r;
        if self.r >= self.rate {
            self.r -= self.rate;
            self.q += 1;
        }
        self.fx.cable.sync(black_box(self.now()));
    }

    /// Panics if either side dropped a frame (the cable must really have moved everything).
    fn check(&self) {
        for d in [Direction::Render, Direction::Capture] {
            let st = self
                .fx
                .cable
                .stream(d)
                .map(|s| *s.stats())
                .unwrap_or_default();
            assert_eq!(st.dropped_frames, 0, "{d:?} dropped frames");
        }
    }
}

/// The baseline's memory for one loopback: a render buffer of two packets, a ring as large
/// as the cable's and a capture buffer of two packets.
struct Mirror {
    src: Vec<u8>,
    ring: Vec<u8>,
    dst: Vec<u8>,
    pb: usize,
    j: usize,
    w: usize,
}

impl Mirror {
    fn new(pb: usize, ring_len: usize, seed: u64) -> Mirror {
        // Every byte written once here, so no timed copy pays for a page's first touch.
        let mut src = vec![0u8; 2 * pb];
        noise(&mut src, seed);
        let mut ring = vec![0u8; ring_len];
        noise(&mut ring, seed + 1);
        let mut dst = vec![0u8; 2 * pb];
        noise(&mut dst, seed + 2);
        Mirror {
            src,
            ring,
            dst,
            pb,
            j: 0,
            w: 0,
        }
    }

    /// One packet: render slot → ring → capture slot.
    #[inline]
    fn step(&mut self, copier: Copier) {
        let pb = self.pb;
        let slot = (self.j % 2) * pb;
        self.j += 1;
        ring_write(
            copier,
            &mut self.ring,
            self.w,
            black_box(&self.src[slot..slot + pb]),
        );
        ring_read(copier, &self.ring, self.w, &mut self.dst[slot..slot + pb]);
        self.w = (self.w + pb) % self.ring.len();
    }
}

/// Iterations per hot batch: about 4 MiB of packet bytes moved, at least 2.
fn hot_iters(effort: &Effort, bytes_per_iter: usize) -> usize {
    effort
        .iters((4 << 20) / bytes_per_iter.max(1))
        .clamp(2, 4096)
}

/// The hot and the cold row of one format, period and loopback count.
pub fn copy_rows(
    fmt: Format,
    period: Period,
    loopbacks: usize,
    effort: &Effort,
    flusher: &mut Flusher,
    overhead_ns: f64,
) -> [CopyRow; 2] {
    let rate = fmt.rate().hz();
    let pf = period.frames(rate);
    let pb = pf as usize * usize::from(fmt.block_align());
    let mut loops: Vec<Loop> = (0..loopbacks).map(|_| Loop::new(fmt, pf)).collect();
    let ring_bytes = loops[0].fx.ring_len();
    // One set of baseline buffers, walked by the SSE2 and the libc job in turn.
    let mirrors: RefCell<Vec<Mirror>> = RefCell::new(
        (0..loopbacks)
            .map(|i| Mirror::new(pb, ring_bytes, 7 + i as u64))
            .collect(),
    );
    let mirror_job = |copier: Copier| {
        let mirrors = &mirrors;
        move |n: usize| {
            let mut ms = mirrors.borrow_mut();
            for _ in 0..n {
                for m in ms.iter_mut() {
                    m.step(copier);
                }
            }
        }
    };
    let mut cable_job = |n: usize| {
        for _ in 0..n {
            for l in &mut loops {
                l.step();
            }
        }
    };
    let mut sse2_job = mirror_job(Copier::Sse2);
    let mut libc_job = mirror_job(Copier::Libc);
    let iters = hot_iters(effort, 2 * pb * loopbacks);
    let jobs: &mut [Job<'_>] = &mut [&mut cable_job, &mut sse2_job, &mut libc_job];
    let hot = hot_jobs(effort.batches, iters, jobs);
    let cold = cold_jobs(
        effort.cold_runs,
        effort.cold_iters,
        flusher,
        overhead_ns,
        jobs,
    );
    let per = loopbacks as f64;
    for l in &loops {
        l.check();
    }
    let scale = |s: Sample| Sample {
        min_ns: s.min_ns / per,
        median_ns: s.median_ns / per,
    };
    let row = |cache: CacheState, v: &[Sample]| {
        let (cable, sse2, libc) = (scale(v[0]), scale(v[1]), scale(v[2]));
        CopyRow {
            format: format_label(&fmt),
            rate,
            channels: fmt.channels().get(),
            period,
            period_label: period.label(rate),
            packet_frames: pf,
            packet_bytes: pb,
            ring_bytes,
            loopbacks,
            cache,
            cable,
            sse2,
            libc,
            ratio_sse2: Ratio::of(cable, sse2),
            ratio_libc: Ratio::of(cable, libc),
        }
    };
    [row(CacheState::Hot, &hot), row(CacheState::Cold, &cold)]
}

/// Every format × period × loopback count, hot and cold.
pub fn copy_matrix(
    effort: &Effort,
    flusher: &mut Flusher,
    overhead_ns: f64,
    progress: &mut dyn FnMut(&str),
) -> Vec<CopyRow> {
    let mut out = Vec::new();
    for fmt in copy_formats() {
        for period in COPY_PERIODS {
            for &n in effort.loopbacks {
                progress(&format!(
                    "  cable copy {}, {}, {n} loopback(s)",
                    format_label(&fmt),
                    period.label(fmt.rate().hz())
                ));
                out.extend(copy_rows(fmt, period, n, effort, flusher, overhead_ns));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Fixed cost per sync
// ---------------------------------------------------------------------------------------

/// One point of the cost-vs-frames line.
#[derive(Clone, Debug, Serialize)]
pub struct FitPoint {
    /// Frames moved each way per sync.
    pub frames: u32,
    pub cable: Sample,
    /// Two SSE2 memcpys of the same bytes via a ring.
    pub sse2: Sample,
}

/// What a `Cable::sync` costs beyond the bytes it moves (48 kHz stereo float32, hot).
#[derive(Clone, Debug, Serialize)]
pub struct FixedCost {
    /// `Cable::sync` again at the instant it last ran: both positions computed, nothing to
    /// move.
    pub idle_sync: Sample,
    /// The same with cold caches (information; the goal is for the hot figure).
    pub idle_sync_cold: Sample,
    pub points: Vec<FitPoint>,
    /// Least-squares fit of the per-point minima: ns at 0 frames and ns per frame.
    pub intercept_ns: f64,
    pub slope_ns_per_frame: f64,
    /// The same fit of the per-point medians.
    pub intercept_median_ns: f64,
    /// The fit of the SSE2 baseline's minima (what two bare memcpys cost at 0 frames).
    pub sse2_intercept_ns: f64,
    pub sse2_slope_ns_per_frame: f64,
}

/// Frames per sync of the fit (48 kHz: 21 µs to 10 ms).
pub const FIT_FRAMES: [u32; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 480];

pub fn fixed_cost(effort: &Effort, flusher: &mut Flusher, overhead_ns: f64) -> FixedCost {
    let fmt = Format::DEFAULT;
    let rate = fmt.rate().hz();
    let block = usize::from(fmt.block_align());
    let iters = effort.iters(200_000);

    // Idle: a 10 ms loopback synced once at t, then again and again at t.
    let mut idle = Loop::new(fmt, packet_frames(rate, 10_000));
    idle.step();
    let now = idle.now();
    let idle_sync = per_call(effort.batches, iters, || {
        idle.fx.cable.sync(black_box(now));
    });
    let mut idle_job = |n: usize| {
        for _ in 0..n {
            idle.fx.cable.sync(black_box(now));
        }
    };
    let idle_sync_cold = cold_jobs(
        effort.cold_runs,
        effort.cold_iters,
        flusher,
        overhead_ns,
        &mut [&mut idle_job],
    )[0];

    let mut points = Vec::new();
    for frames in FIT_FRAMES {
        // Packets of 10 ms (480 frames, two per buffer); the sync runs every `frames`.
        let mut l = Loop::new(fmt, packet_frames(rate, 10_000));
        l.set_step(u64::from(frames));
        let bytes = frames as usize * block;
        let mut m = Mirror::new(bytes, l.fx.ring_len(), 5);
        let it = effort.iters((2 << 20) / (2 * bytes)).clamp(2, 20_000);
        let mut cable_job = |n: usize| {
            for _ in 0..n {
                l.step();
            }
        };
        let mut sse2_job = |n: usize| {
            for _ in 0..n {
                m.step(Copier::Sse2);
            }
        };
        let v = hot_jobs(effort.batches, it, &mut [&mut cable_job, &mut sse2_job]);
        l.check();
        points.push(FitPoint {
            frames,
            cable: v[0],
            sse2: v[1],
        });
    }
    let fit = |f: fn(&FitPoint) -> f64| {
        let pts: Vec<(f64, f64)> = points.iter().map(|p| (f64::from(p.frames), f(p))).collect();
        linear_fit(&pts)
    };
    let (intercept_ns, slope_ns_per_frame) = fit(|p| p.cable.min_ns);
    let (intercept_median_ns, _) = fit(|p| p.cable.median_ns);
    let (sse2_intercept_ns, sse2_slope_ns_per_frame) = fit(|p| p.sse2.min_ns);
    FixedCost {
        idle_sync,
        idle_sync_cold,
        points,
        intercept_ns,
        slope_ns_per_frame,
        intercept_median_ns,
        sse2_intercept_ns,
        sse2_slope_ns_per_frame,
    }
}

/// What the level meter adds to the copy it rides on. The cable meters a plain float32 copy in
/// the same pass (`Peaks::copy_observe`: each vector loaded once, stored and compared), so the
/// figure is that fused copy of both sides' packet (render slot -> ring, ring -> capture slot)
/// against two SSE2 memcpys of the same bytes, timed in alternating batches, hot. The whole
/// cable sync of that packet (which includes the metering) is shown beside it.
#[derive(Clone, Debug, Serialize)]
pub struct MeterCost {
    pub period: Period,
    pub period_label: String,
    pub packet_frames: u32,
    /// The fused copy + metering of both sides' packet.
    pub metered_copy: Sample,
    /// Two SSE2 memcpys of the same bytes.
    pub sse2: Sample,
    /// The whole cable sync of that packet, per sync.
    pub sync: Sample,
    /// (metered copy − memcpy) / memcpy, from the minima and from the medians.
    pub share_min: f64,
    pub share_median: f64,
}

/// Periods of the metering figure (48 kHz stereo float32).
pub const METER_PERIODS: [Period; 3] = [Period::Millis(1), Period::Frames(128), Period::Millis(10)];

pub fn meter_costs(effort: &Effort) -> Vec<MeterCost> {
    let fmt = Format::DEFAULT;
    let rate = fmt.rate().hz();
    let channels = usize::from(fmt.channels().get());
    METER_PERIODS
        .iter()
        .map(|&period| {
            let pf = period.frames(rate);
            let pb = pf as usize * usize::from(fmt.block_align());
            let mut l = Loop::new(fmt, pf);
            // Two packets' worth: render slot -> ring, ring -> capture slot.
            let mut src = vec![0u8; 2 * pb];
            noise(&mut src, 11);
            let mut dst = vec![0u8; 2 * pb];
            noise(&mut dst, 12);
            let dst = RefCell::new(dst);
            let mut sink = Peaks::new();
            let mut metered_job = |n: usize| {
                let mut d = dst.borrow_mut();
                for _ in 0..n {
                    // As the cable does: observe into the window's peaks, hand them back.
                    let mut p = black_box(sink);
                    for (s, d) in src.chunks_exact(pb).zip(d.chunks_exact_mut(pb)) {
                        p.copy_observe(fmt.sample(), channels, black_box(s), d);
                    }
                    sink = p;
                }
            };
            let mut sse2_job = |n: usize| {
                let mut d = dst.borrow_mut();
                for _ in 0..n {
                    for (s, d) in src.chunks_exact(pb).zip(d.chunks_exact_mut(pb)) {
                        sse2_copy(d, black_box(s));
                    }
                }
            };
            let mut sync_job = |n: usize| {
                for _ in 0..n {
                    l.step();
                }
            };
            let iters = hot_iters(effort, 2 * pb);
            let jobs: &mut [Job<'_>] = &mut [&mut metered_job, &mut sse2_job, &mut sync_job];
            let v = hot_jobs(effort.batches, iters, jobs);
            black_box(&sink);
            l.check();
            let (metered_copy, sse2, sync) = (v[0], v[1], v[2]);
            let share = |m: f64, c: f64| (m - c) / c.max(f64::MIN_POSITIVE);
            MeterCost {
                period,
                period_label: period.label(rate),
                packet_frames: pf,
                metered_copy,
                sse2,
                sync,
                share_min: share(metered_copy.min_ns, sse2.min_ns),
                share_median: share(metered_copy.median_ns, sse2.median_ns),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The timed loop's division-free sync instants are exactly `ceil(k × pf × freq / rate)`
    /// (here against u128 arithmetic), for packet sizes that divide the counter evenly and
    /// ones that do not, across a change of step.
    #[test]
    fn loop_steps_land_on_the_exact_packet_instants() {
        let fmt = Format::DEFAULT;
        let mut l = Loop::new(fmt, 480);
        let (freq, rate) = (u128::from(l.fx.freq.hz()), u128::from(l.rate));
        let mut frames = 0u128;
        for (pf, steps) in [(480u64, 50), (7, 1000), (1, 300), (128, 500)] {
            l.set_step(pf);
            for _ in 0..steps {
                l.step();
                frames += u128::from(pf);
                let expected = (frames * freq).div_ceil(rate);
                assert_eq!(u128::from(l.now().0), expected, "after {frames} frames");
            }
        }
        l.check();
    }
}
