//! The measurements. Each function sets up outside the timed region and times only engine
//! work (or the baseline it is compared with), and returns figures ready for the report.

use std::cell::RefCell;
use std::hint::black_box;

use serde::Serialize;

use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::{Cable, DELAY_FRAMES};
use cadenza_engine::device::ops;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::gain::Gain;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{EventHandle, Platform};
use cadenza_engine::state::KsState;
use cadenza_engine::stream::{Direction, Stream};
use cadenza_engine::time::{CounterFrequency, Ticks, frames_to_ticks_ceil, ticks_to_frames};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{DriverUnderTest, LoopbackConfig, run_loopback};

use crate::cache::{Caches, Flusher};
use crate::classic::{ClassicDrift, ClassicPoller, classic_drift_exact, classic_drift_simulated};
use crate::copy::{CopyRow, FixedCost, MeterCost, Ratio, copy_matrix, fixed_cost, meter_costs};
use crate::fixture::{CableFixture, TrivialPlatform, format, noise, packet_frames};
use crate::memcpy::sse2_copy;
use crate::timing::{Sample, hot_jobs, per_call, timer_overhead_ns, wall_and_cpu};

/// How much work to do: the bench binary uses [`Effort::FULL`] (or [`Effort::QUICK`] with
/// `--quick`); the crate's tests use [`Effort::SMOKE`] to prove every experiment runs.
#[derive(Clone, Copy, Debug)]
pub struct Effort {
    /// Timed batches (repeated runs) per hot figure; min and median are taken over them.
    pub batches: usize,
    /// Scale factor on iteration counts (1.0 = full).
    pub iters: f64,
    /// Repeated runs per cold figure; min and median are taken over them.
    pub cold_runs: usize,
    /// Cold iterations per run (each after a cache flush; the run's value is their mean).
    pub cold_iters: usize,
    /// Loopback counts of the copy matrix.
    pub loopbacks: &'static [usize],
    /// Replays of each scale configuration (hot).
    pub scale_reps: usize,
    /// Cold-cache periods sampled per replay of a scale configuration.
    pub scale_cold_samples: usize,
    /// Simulated seconds of each wake-up / latency run.
    pub loopback_seconds: u64,
    /// Run the full 24-hour simulations (engine through the simulator, classic model).
    pub full_day: bool,
    /// Convert every layout and gain (else 2 ch -> 2 ch at unity only).
    pub all_conversions: bool,
}

impl Effort {
    pub const FULL: Effort = Effort {
        batches: 15,
        iters: 1.0,
        cold_runs: 7,
        cold_iters: 6,
        loopbacks: &[1, 8, 64],
        scale_reps: 7,
        scale_cold_samples: 64,
        loopback_seconds: 10,
        full_day: true,
        all_conversions: true,
    };
    /// CI-sized: every experiment, fewer repetitions, 1 and 8 loopbacks, 60 s instead of
    /// 24 h of simulated drift.
    pub const QUICK: Effort = Effort {
        batches: 5,
        iters: 0.1,
        cold_runs: 3,
        cold_iters: 2,
        loopbacks: &[1, 8],
        scale_reps: 3,
        scale_cold_samples: 16,
        loopback_seconds: 2,
        full_day: false,
        all_conversions: false,
    };
    pub const SMOKE: Effort = Effort {
        batches: 2,
        iters: 0.01,
        cold_runs: 2,
        cold_iters: 1,
        loopbacks: &[1, 2],
        scale_reps: 1,
        scale_cold_samples: 2,
        loopback_seconds: 1,
        full_day: false,
        all_conversions: false,
    };

    pub fn iters(&self, full: usize) -> usize {
        ((full as f64 * self.iters) as usize).max(2)
    }
}

const FREQ: CounterFrequency = CounterFrequency::TEN_MHZ;
const DAY_SECONDS: u64 = 86_400;

// ---------------------------------------------------------------------------------------
// 1. Cable copy and fixed cost: see `crate::copy`.
// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// 2. Format conversion
// ---------------------------------------------------------------------------------------

/// One conversion pair against an SSE2 memcpy of max(input, output) bytes.
#[derive(Clone, Debug, Serialize)]
pub struct ConvertFigure {
    pub src: &'static str,
    pub dst: &'static str,
    pub src_channels: u16,
    pub dst_channels: u16,
    pub gain: &'static str,
    /// Buffer duration at 48 kHz.
    pub period_ms: u32,
    pub frames: usize,
    pub in_bytes: usize,
    pub out_bytes: usize,
    /// `cadenza_engine::convert::convert` (the fast kernels where the engine has them).
    pub convert: Sample,
    /// The SSE2 memcpy of max(in_bytes, out_bytes).
    pub memcpy_sse2: Sample,
    /// max(in, out) bytes per second of the conversion's best run, GB/s.
    pub gb_per_s: f64,
    /// convert / memcpy_sse2 (1.00 = as fast as copying the larger side; lower is faster).
    pub ratio: Ratio,
    /// The engine's reference (scalar) conversion of the same buffer,
    /// `cadenza_engine::convert::reference::convert`.
    pub reference: Option<Sample>,
    /// reference / convert (the speed-up of the fast conversion).
    pub speedup: Option<Ratio>,
    /// Whether the fast and the reference conversion wrote the same bytes.
    pub matches_reference: Option<bool>,
}

/// Audio-like samples (pseudo-random within ±0.9 full scale) encoded in `t`.
pub fn encode_noise(t: SampleType, samples: usize, seed: u64) -> Vec<u8> {
    let mut raw = vec![0u8; samples * 4];
    noise(&mut raw, seed);
    let mut out = Vec::with_capacity(samples * usize::from(t.container_bytes()));
    for c in raw.chunks_exact(4) {
        // ±0.9 of full scale, as a left-justified i32.
        let v = (f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])) * 0.9) as i32;
        match t {
            SampleType::Int16 => out.extend_from_slice(&((v >> 16) as i16).to_le_bytes()),
            SampleType::Int24 => out.extend_from_slice(&v.to_le_bytes()[1..4]),
            SampleType::Int24In32 => out.extend_from_slice(&(v & !0xFF).to_le_bytes()),
            SampleType::Int32 => out.extend_from_slice(&v.to_le_bytes()),
            SampleType::Float32 => {
                out.extend_from_slice(&((f64::from(v) / 2_147_483_648.0) as f32).to_le_bytes());
            }
        }
    }
    out
}

/// Frames of the conversions' main buffer size: 10 ms at 48 kHz.
pub const CONVERT_FRAMES: usize = 480;

/// Buffer durations of the 2 ch -> 2 ch unity-gain matrix, ms at 48 kHz.
pub const CONVERT_PERIODS_MS: [u32; 3] = [1, 10, 100];

/// The channel layouts measured (at 10 ms) besides 2 -> 2.
pub const LAYOUTS: [(u16, u16); 4] = [(1, 2), (2, 1), (2, 8), (8, 2)];

/// The signature of `convert::convert` and `convert::reference::convert`.
type ConvertFn = fn(
    &[u8],
    &Format,
    &mut [u8],
    &Format,
    &Gain,
) -> Result<usize, cadenza_engine::convert::ConvertError>;

pub fn convert_pair(
    st: SampleType,
    dt: SampleType,
    (sc, dc): (u16, u16),
    gain_db: i32,
    period_ms: u32,
    effort: &Effort,
) -> ConvertFigure {
    let rate = 48_000;
    let frames = packet_frames(rate, period_ms * 1000) as usize;
    let sf = format(st, sc, rate);
    let df = format(dt, dc, rate);
    let src = encode_noise(st, frames * usize::from(sc), 11);
    let in_bytes = src.len();
    let out_bytes = frames * usize::from(df.block_align());
    let copy_bytes = in_bytes.max(out_bytes);
    let mut copy_src = vec![0u8; copy_bytes];
    noise(&mut copy_src, 3);
    let mut copy_dst = vec![0u8; copy_bytes];
    let mut gain = Gain::UNITY;
    if gain_db != 0 {
        gain.set_all_db(gain_db << 16).expect("gain in range");
    }
    // Side by side, the two must agree (the engine's own tests check this bit for bit); a
    // difference is reported, not hidden.
    let mut fast_out = vec![0u8; out_bytes];
    let mut ref_out = vec![0xA5u8; out_bytes];
    let _ = cadenza_engine::convert::convert(&src, &sf, &mut fast_out, &df, &gain);
    let _ = cadenza_engine::convert::reference::convert(&src, &sf, &mut ref_out, &df, &gain);
    let matches_reference = Some(fast_out == ref_out);
    // Both conversions read `src` and write the same `dst`, so neither gains from where its
    // buffers happen to lie.
    let dst = RefCell::new(vec![0u8; out_bytes]);
    let job = |convert: ConvertFn| {
        let (src, dst, sf, df, gain) = (&src, &dst, &sf, &df, &gain);
        move |n: usize| {
            let mut d = dst.borrow_mut();
            for _ in 0..n {
                black_box(convert(black_box(src), sf, black_box(&mut d), df, gain)).ok();
            }
        }
    };
    let mut convert_job = job(cadenza_engine::convert::convert);
    let mut reference_job = job(cadenza_engine::convert::reference::convert);
    let mut memcpy_job = |n: usize| {
        for _ in 0..n {
            sse2_copy(black_box(&mut copy_dst), black_box(&copy_src));
        }
    };
    let iters = effort.iters((1 << 20) / copy_bytes).clamp(2, 4096);
    let v = hot_jobs(
        effort.batches,
        iters,
        &mut [&mut convert_job, &mut reference_job, &mut memcpy_job],
    );
    let (convert, reference, memcpy_sse2) = (v[0], v[1], v[2]);
    ConvertFigure {
        src: st.name(),
        dst: dt.name(),
        src_channels: sc,
        dst_channels: dc,
        gain: if gain_db == 0 { "unity" } else { "-6 dB" },
        period_ms,
        frames,
        in_bytes,
        out_bytes,
        convert,
        memcpy_sse2,
        gb_per_s: copy_bytes as f64 / convert.min_ns,
        ratio: Ratio::of(convert, memcpy_sse2),
        reference: Some(reference),
        speedup: Some(Ratio::of(reference, convert)),
        matches_reference,
    }
}

/// 2 -> 2 at unity for every pair at 1, 10 and 100 ms; then (full effort) the other layouts
/// and 2 -> 2 at -6 dB (the volume the cable applies when a user moves the slider) at 10 ms.
pub fn conversions(effort: &Effort) -> Vec<ConvertFigure> {
    let mut out = Vec::new();
    for period_ms in CONVERT_PERIODS_MS {
        for st in SampleType::ALL {
            for dt in SampleType::ALL {
                out.push(convert_pair(st, dt, (2, 2), 0, period_ms, effort));
            }
        }
    }
    if !effort.all_conversions {
        return out;
    }
    for layout in LAYOUTS {
        for st in SampleType::ALL {
            for dt in SampleType::ALL {
                out.push(convert_pair(st, dt, layout, 0, 10, effort));
            }
        }
    }
    for st in SampleType::ALL {
        for dt in SampleType::ALL {
            out.push(convert_pair(st, dt, (2, 2), -6, 10, effort));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// 3. Per-notification and GetPosition cost
// ---------------------------------------------------------------------------------------

/// A cost in nanoseconds per call.
#[derive(Clone, Debug, Serialize)]
pub struct NsFigure {
    pub name: &'static str,
    pub what: &'static str,
    pub ns: Sample,
}

/// A running stream outside any cable (render, 48 kHz stereo float, packets of `period_us`),
/// its buffer from `platform`; returns it and its first deadline.
fn lone_stream(platform: &SimPlatform, period_us: u32) -> (Stream, Ticks) {
    let fmt = Format::DEFAULT;
    let mut s = Stream::new_virtual(1, Direction::Render, fmt, FREQ);
    let pf = packet_frames(fmt.rate().hz(), period_us);
    let g = BufferGeometry::plan(
        &fmt,
        pf * u32::from(fmt.block_align()) * 2,
        PacketCount::Two,
        true,
        &BufferLimits::DEFAULT,
    )
    .expect("geometry");
    let memory = platform
        .allocate(g.span_bytes() as usize)
        .expect("buffer memory");
    s.attach_buffer(memory, g)
        .map_err(|(e, _)| e)
        .expect("attach");
    s.register_event(EventHandle::host(0x1000).expect("event"))
        .expect("register");
    let mut deadline = None;
    for st in [KsState::Acquire, KsState::Pause, KsState::Run] {
        if let cadenza_engine::stream::TimerRequest::Arm(d) =
            s.set_state(st, Ticks(0)).expect("state")
        {
            deadline = Some(d);
        }
    }
    (s, deadline.expect("armed at RUN"))
}

fn free_stream(platform: &SimPlatform, mut s: Stream) {
    for st in [KsState::Pause, KsState::Acquire, KsState::Stop] {
        let _ = s.set_state(st, Ticks(0));
    }
    if let Ok(m) = s.detach_buffer() {
        platform.free(m);
    }
}

pub fn notification_costs(effort: &Effort) -> Vec<NsFigure> {
    let iters = effort.iters(100_000);
    let batches = effort.batches;
    let platform = SimPlatform::new(1);
    let trivial = TrivialPlatform::default();
    let mut out = Vec::new();

    let (mut s, first) = lone_stream(&platform, 1_000);
    let mut d = first;
    out.push(NsFigure {
        name: "Stream::on_timer",
        what: "one notification at its deadline: late-timer policy, stats, packet boundary \
               and next deadline by exact u128 arithmetic (no data moved)",
        ns: per_call(batches, iters, || {
            let o = s.on_timer(black_box(d));
            d = o.next_deadline.unwrap_or(d);
            black_box(o.notice);
        }),
    });
    out.push(NsFigure {
        name: "Stream::on_timer + signal",
        what: "the same plus Platform::signal for each registered event (one atomic \
               increment standing in for KeSetEvent)",
        ns: per_call(batches, iters, || {
            let o = s.on_timer(black_box(d));
            if o.notice.is_some() {
                for e in s.events() {
                    trivial.signal(*e);
                }
            }
            d = o.next_deadline.unwrap_or(d);
        }),
    });
    let now = d;
    out.push(NsFigure {
        name: "Stream::position",
        what: "GetPosition on the stream alone: frames from the counter (u128 multiply and \
               divide) and the buffer offset",
        ns: per_call(batches, iters, || {
            black_box(s.position(black_box(now)));
        }),
    });
    free_stream(&platform, s);

    let mut fx = CableFixture::loopback(Format::DEFAULT, 1_000);
    fx.run(Direction::Capture, Ticks(0));
    fx.run(Direction::Render, Ticks(0));
    let mut d = fx.armed(Direction::Render).expect("armed");
    out.push(NsFigure {
        name: "ops::on_timer (cable, 1 ms)",
        what: "the whole DPC for a render stream of a cable with both sides running at 48 kHz \
               stereo float: sync (48 frames in and out of the ring) + Stream::on_timer + signal",
        ns: per_call(batches, iters, || {
            let o = ops::on_timer(&mut fx.cable, Direction::Render, black_box(d));
            if o.notice.is_some()
                && let Some(s) = fx.cable.stream(Direction::Render)
            {
                for e in s.events() {
                    trivial.signal(*e);
                }
            }
            d = o.next_deadline.unwrap_or(d);
        }),
    });
    let now = d;
    fx.cable.sync(now);
    out.push(NsFigure {
        name: "ops::position (idle cable)",
        what: "GetPosition through the device with nothing to move (both streams running, \
               data already moved up to this instant): the sync checks + Stream::position",
        ns: per_call(batches, iters, || {
            black_box(ops::position(&mut fx.cable, Direction::Render, black_box(now)).ok());
        }),
    });
    let mut t = now;
    out.push(NsFigure {
        name: "ops::position (every 100 us)",
        what: "GetPosition polled every 100 us of stream time: moves the ~5 frames each way \
               that became due, then reads the position",
        ns: per_call(batches, iters, || {
            t = Ticks(t.0 + 1_000);
            black_box(ops::position(&mut fx.cable, Direction::Render, black_box(t)).ok());
        }),
    });
    out
}

// ---------------------------------------------------------------------------------------
// 4. Scale
// ---------------------------------------------------------------------------------------

/// DPC work for one simulated second at a number of concurrent streams.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleFigure {
    pub streams: usize,
    pub cables: usize,
    pub period_us: u32,
    /// Timer wake-ups handled in the simulated second (all streams).
    pub wakeups: u64,
    pub notifications: u64,
    /// Wall time of the work, ns (best and median replay).
    pub wall_ns: Sample,
    /// Thread CPU time of the work, ns (best and median replay).
    pub cpu_ns: Sample,
    /// Median CPU time as a percentage of one core (per second of audio).
    pub core_percent: f64,
    /// The same from the best replay.
    pub core_percent_min: f64,
    /// Median CPU ns per wake-up.
    pub ns_per_wakeup: f64,
    /// Cold caches: wall ns of one period's wake-ups when the period starts right after a
    /// cache flush (min and median over the replays; each replay's value is the mean of its
    /// sampled periods).
    pub cold_ns_per_period: Option<Sample>,
    /// The same per wake-up.
    pub cold_ns_per_wakeup: Option<Sample>,
    /// `cold_ns_per_period × periods per second` as a percentage of one core (min, median).
    pub cold_core_percent: Option<Ratio>,
}

struct Farm {
    cables: Vec<CableFixture>,
    streams: Vec<(usize, Direction)>,
}

/// `n` streams on `ceil(n / 2)` cables (render and capture on each; the last cable has only
/// a render stream when `n` is odd), 48 kHz stereo float, started at staggered instants
/// spread over one period so that their timers do not all fire together. Returns the farm
/// and the instant the last stream started.
fn farm(n: usize, period_us: u32) -> (Farm, Ticks) {
    let fmt = Format::DEFAULT;
    let pf = packet_frames(fmt.rate().hz(), period_us);
    let side = crate::fixture::SideSpec {
        format: fmt,
        packet_frames: pf,
        packets: PacketCount::Two,
    };
    let mut cables = Vec::new();
    let mut streams = Vec::new();
    for c in 0..n.div_ceil(2) {
        let both = 2 * c + 1 < n;
        cables.push(CableFixture::new(Some(side), both.then_some(side)));
        streams.push((c, Direction::Render));
        if both {
            streams.push((c, Direction::Capture));
        }
    }
    let period_ticks = u64::from(period_us) * FREQ.hz() / 1_000_000;
    let mut last = Ticks(0);
    for (j, (c, dir)) in streams.iter().enumerate() {
        let start = Ticks(1 + j as u64 * period_ticks / n as u64);
        cables[*c].run(*dir, start);
        last = start;
    }
    (Farm { cables, streams }, last)
}

/// One wake-up of stream `j` at `now`: what the adapter's timer callback does with the
/// device lock held (ops::on_timer, then signal the events). Returns the next deadline and
/// whether a notification was delivered.
#[inline]
fn wake(farm: &mut Farm, j: usize, now: Ticks, p: &TrivialPlatform) -> (Option<Ticks>, bool) {
    let (c, dir) = farm.streams[j];
    let cable = &mut farm.cables[c].cable;
    let o = ops::on_timer(cable, dir, now);
    if o.notice.is_some()
        && let Some(s) = cable.stream(dir)
    {
        for e in s.events() {
            p.signal(*e);
        }
    }
    (o.next_deadline, o.notice.is_some())
}

/// The order in which the streams' timers fire up to one second after every stream has
/// started: a dry run on a farm of its own. Returns the events and the index of the first
/// one in the measured second.
fn schedule(n: usize, period_us: u32) -> (Vec<(Ticks, usize)>, usize) {
    let (mut dry, last_start) = farm(n, period_us);
    let platform = TrivialPlatform::default();
    let end = Ticks(last_start.0 + FREQ.hz());
    let mut next: Vec<Option<Ticks>> = dry
        .streams
        .iter()
        .map(|&(cable, dir)| dry.cables[cable].armed(dir))
        .collect();
    let mut events = Vec::new();
    let mut first = None;
    while let Some((stream, due)) = next
        .iter()
        .enumerate()
        .filter_map(|(j, t)| t.map(|t| (j, t)))
        .min_by_key(|&(j, t)| (t, j))
    {
        if due > end {
            break;
        }
        if due > last_start && first.is_none() {
            first = Some(events.len());
        }
        events.push((due, stream));
        next[stream] = wake(&mut dry, stream, due, &platform).0;
    }
    let first = first.unwrap_or(events.len());
    (events, first)
}

/// One scale configuration ready to replay: a fresh farm already brought up to the start of
/// the measured second, and the wake-ups of that second in firing order.
pub struct ScaleRun {
    farm: Farm,
    events: Vec<(Ticks, usize)>,
    first: usize,
    platform: TrivialPlatform,
}

impl std::fmt::Debug for ScaleRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScaleRun")
            .field("streams", &self.farm.streams.len())
            .field("wakeups", &(self.events.len() - self.first))
            .finish_non_exhaustive()
    }
}

impl ScaleRun {
    /// Sets up `n` streams of `period_us` (untimed).
    pub fn prepare(n: usize, period_us: u32) -> ScaleRun {
        let (events, first) = schedule(n, period_us);
        Self::with_schedule(n, period_us, events, first)
    }

    fn with_schedule(
        n: usize,
        period_us: u32,
        events: Vec<(Ticks, usize)>,
        first: usize,
    ) -> ScaleRun {
        let (mut farm, _) = farm(n, period_us);
        let platform = TrivialPlatform::default();
        for &(t, j) in &events[..first] {
            wake(&mut farm, j, t, &platform);
        }
        ScaleRun {
            farm,
            events,
            first,
            platform,
        }
    }

    /// The measured work: every wake-up of one simulated second. Returns the notifications
    /// delivered.
    pub fn run(&mut self) -> u64 {
        let mut delivered = 0u64;
        for &(t, j) in &self.events[self.first..] {
            delivered += u64::from(wake(&mut self.farm, j, black_box(t), &self.platform).1);
        }
        delivered
    }

    pub fn wakeups(&self) -> u64 {
        (self.events.len() - self.first) as u64
    }

    /// The measured second with cold caches, period by period: the wake-ups are grouped
    /// into windows of one period from the start of the second; every `stride`-th window
    /// starts right after a cache flush and its wake-ups (run back to back) are timed
    /// together; the others run untimed, so the streams advance exactly as in
    /// [`Self::run`]. Returns the mean ns of a timed window (less `overhead_ns`) and the
    /// mean number of wake-ups in one.
    pub fn run_cold(
        &mut self,
        flusher: &mut Flusher,
        period_ticks: u64,
        stride: usize,
        overhead_ns: f64,
    ) -> (f64, f64) {
        let stride = stride.max(1);
        let events = &self.events[self.first..];
        let Some(&(t0, _)) = events.first() else {
            return (0.0, 0.0);
        };
        let window = |t: Ticks| ((t.0 - t0.0) / period_ticks.max(1)) as usize;
        let (mut total, mut timed, mut timed_wakeups) = (0.0, 0u32, 0usize);
        let mut i = 0;
        while i < events.len() {
            let w = window(events[i].0);
            let end = i + events[i..].iter().take_while(|e| window(e.0) == w).count();
            if w % stride == 0 {
                flusher.flush();
                let start = std::time::Instant::now();
                for &(t, j) in &events[i..end] {
                    wake(&mut self.farm, j, black_box(t), &self.platform);
                }
                total += start.elapsed().as_nanos() as f64;
                timed += 1;
                timed_wakeups += end - i;
            } else {
                for &(t, j) in &events[i..end] {
                    wake(&mut self.farm, j, black_box(t), &self.platform);
                }
            }
            i = end;
        }
        let timed = f64::from(timed.max(1));
        (
            (total / timed - overhead_ns).max(0.0),
            timed_wakeups as f64 / timed,
        )
    }
}

/// Hot figures of `n` streams at `period_us` (see [`scale_point_cold`] for the cold ones).
pub fn scale_point(n: usize, period_us: u32, effort: &Effort) -> ScaleFigure {
    let (events, first) = schedule(n, period_us);
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut notifications = 0;
    let mut wakeups = 0;
    for _ in 0..effort.scale_reps.max(1) {
        let mut r = ScaleRun::with_schedule(n, period_us, events.clone(), first);
        let (wall, cpu, delivered) = wall_and_cpu(|| r.run());
        assert_eq!(
            delivered,
            r.wakeups(),
            "every wake-up delivers a notification"
        );
        notifications = delivered;
        wakeups = r.wakeups();
        walls.push(wall as f64);
        cpus.push(cpu as f64);
    }
    let cpu_ns = Sample::of(cpus);
    ScaleFigure {
        streams: n,
        cables: n.div_ceil(2),
        period_us,
        wakeups,
        notifications,
        wall_ns: Sample::of(walls),
        cpu_ns,
        core_percent: cpu_ns.median_ns / 1e9 * 100.0,
        core_percent_min: cpu_ns.min_ns / 1e9 * 100.0,
        ns_per_wakeup: cpu_ns.median_ns / wakeups.max(1) as f64,
        cold_ns_per_period: None,
        cold_ns_per_wakeup: None,
        cold_core_percent: None,
    }
}

/// Adds the cold-cache figures to `fig`: `effort.cold_runs` replays of the second, each
/// timing `effort.scale_cold_samples` periods spread evenly over it, each period starting
/// right after a cache flush (see [`ScaleRun::run_cold`]).
pub fn scale_point_cold(
    fig: &mut ScaleFigure,
    effort: &Effort,
    flusher: &mut Flusher,
    overhead_ns: f64,
) {
    let (events, first) = schedule(fig.streams, fig.period_us);
    let period_ticks = u64::from(fig.period_us) * FREQ.hz() / 1_000_000;
    let periods_per_s = 1e6 / f64::from(fig.period_us);
    let stride = (periods_per_s as usize).div_ceil(effort.scale_cold_samples.max(1));
    let mut per_window = Vec::new();
    let mut per_wakeup = Vec::new();
    for _ in 0..effort.cold_runs.max(1) {
        let mut r = ScaleRun::with_schedule(fig.streams, fig.period_us, events.clone(), first);
        let (window_ns, wakeups) = r.run_cold(flusher, period_ticks, stride, overhead_ns);
        per_window.push(window_ns);
        per_wakeup.push(window_ns / wakeups.max(1.0));
    }
    let window = Sample::of(per_window);
    fig.cold_ns_per_wakeup = Some(Sample::of(per_wakeup));
    fig.cold_ns_per_period = Some(window);
    fig.cold_core_percent = Some(Ratio {
        min: window.min_ns * periods_per_s / 1e9 * 100.0,
        median: window.median_ns * periods_per_s / 1e9 * 100.0,
    });
}

pub const SCALE_STREAMS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// Stream counts that also get cold-cache figures.
pub const SCALE_COLD_STREAMS: [usize; 3] = [1, 8, 64];

pub fn scale(effort: &Effort, flusher: &mut Flusher, overhead_ns: f64) -> Vec<ScaleFigure> {
    let mut out = Vec::new();
    for period_us in [1_000, 10_000] {
        for n in SCALE_STREAMS {
            let mut fig = scale_point(n, period_us, effort);
            if SCALE_COLD_STREAMS.contains(&n) {
                scale_point_cold(&mut fig, effort, flusher, overhead_ns);
            }
            out.push(fig);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// 5. Timer wake-ups per second
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct WakeupFigure {
    pub rate: u32,
    pub period_us: u32,
    pub packet_frames: u32,
    pub seconds: u64,
    /// SimPlatform timer expiries over the run divided by the notifications both streams
    /// delivered: 1.00 = one wake-up per notification, nothing else wakes.
    pub engine_expiries_per_notification: f64,
    /// StreamStats::wakeups per second (render stream).
    pub engine_wakeups_per_s: f64,
    /// StreamStats::notifications per second (render stream).
    pub engine_notifications_per_s: f64,
    /// rate / packet_frames: one notification per packet.
    pub packet_rate: f64,
    pub classic_wakeups_per_s: f64,
    pub classic_notifications_per_s: f64,
    pub classic_interval_ms: u64,
}

fn loopback_config(rate: u32, period_us: u32, seconds: u64) -> LoopbackConfig {
    let mut c = LoopbackConfig::default_for(FREQ);
    let fmt = format(SampleType::Float32, 2, rate);
    c.render = fmt;
    c.capture = fmt;
    c.period_us = period_us;
    c.duration_ticks = seconds * FREQ.hz();
    c
}

pub fn wakeups(effort: &Effort) -> Vec<WakeupFigure> {
    let mut out = Vec::new();
    for rate in [48_000, 44_100] {
        for period_us in [1_000, 3_000, 10_000, 20_000] {
            let seconds = effort.loopback_seconds;
            let config = loopback_config(rate, period_us, seconds);
            let mut d = EngineDriver::new(SimPlatform::new(5)).expect("driver");
            let r = run_loopback(&mut d, &config, &mut |_| {}).expect("loopback run");
            assert!(r.check.bit_exact(), "loopback not bit-exact");
            let pf = packet_frames(rate, period_us);
            let ms = seconds * 1000;
            let mut classic = ClassicPoller::new(rate, pf, FREQ.hz(), 0);
            for n in 1..=ms {
                classic.tick(n * FREQ.hz() / 1000);
            }
            out.push(WakeupFigure {
                rate,
                period_us,
                packet_frames: pf,
                seconds,
                engine_expiries_per_notification: r.timer_expiries as f64
                    / (r.render_stats.notifications + r.capture_stats.notifications).max(1) as f64,
                engine_wakeups_per_s: r.render_stats.wakeups as f64 / seconds as f64,
                engine_notifications_per_s: r.render_stats.notifications as f64 / seconds as f64,
                packet_rate: f64::from(rate) / f64::from(pf),
                classic_wakeups_per_s: classic.wakeups as f64 / seconds as f64,
                classic_notifications_per_s: classic.notifications as f64 / seconds as f64,
                classic_interval_ms: classic.interval_ms,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// 6. Drift over 24 hours
// ---------------------------------------------------------------------------------------

/// The ideal timeline: the first counter value `t` at which `frames` frames have passed,
/// i.e. the least `t` with `t × rate ≥ frames × freq`. Found by bisection on that defining
/// inequality (multiplications only), so it shares no formula with the engine's
/// `frames_to_ticks_ceil` (a division rounded up): the two agreeing is evidence, not an echo.
fn ideal_ticks(frames: u64, rate: u32, freq: u64) -> u64 {
    let target = u128::from(frames) * u128::from(freq);
    let reached = |t: u64| u128::from(t) * u128::from(rate) >= target;
    let (mut lo, mut hi) = (0u64, u64::MAX);
    if !reached(hi) {
        return u64::MAX;
    }
    // Invariant: reached(hi), and every t < lo is not reached.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    hi
}

#[cfg(test)]
mod ideal_tests {
    use super::ideal_ticks;

    #[test]
    fn the_ideal_boundary_is_the_least_tick_reaching_the_frames() {
        // Worked by hand: 480 frames at 48 kHz on 10 MHz is exactly 100 000 ticks; 441 frames
        // at 44.1 kHz likewise; one frame at 44.1 kHz is 226.75... ticks, so 227.
        assert_eq!(ideal_ticks(480, 48_000, 10_000_000), 100_000);
        assert_eq!(ideal_ticks(441, 44_100, 10_000_000), 100_000);
        assert_eq!(ideal_ticks(1, 44_100, 10_000_000), 227);
        assert_eq!(ideal_ticks(0, 48_000, 10_000_000), 0);
    }
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct EngineDrift {
    /// Position after 24 h minus 24 h × rate.
    pub position_error_frames: i128,
    /// Packets completed in 24 h (the newest notification's packet count).
    pub packets: u64,
    /// The newest notification's counter value minus the ideal boundary's (ceil).
    pub notification_error_ticks: i128,
    /// Frames the audio clock shows at the newest notification minus the frames it stands for.
    pub notification_error_frames: i128,
}

#[derive(Clone, Debug, Serialize)]
pub struct DriftFigure {
    pub rate: u32,
    pub period_ms: u32,
    pub packet_frames: u32,
    pub engine: EngineDrift,
    pub classic: ClassicDrift,
    /// The classic drift as time: frames / rate.
    pub classic_drift_seconds: f64,
}

/// The engine's error after `seconds`: a stream started at an odd counter value, asked for
/// its position and its newest notification after exactly `seconds`.
pub fn engine_drift(rate: u32, pf: u32, seconds: u64, freq: CounterFrequency) -> EngineDrift {
    let fmt = format(SampleType::Float32, 2, rate);
    let platform = SimPlatform::new(1);
    let mut s = Stream::new_virtual(1, Direction::Render, fmt, freq);
    let g = BufferGeometry::plan(
        &fmt,
        pf * u32::from(fmt.block_align()) * 2,
        PacketCount::Two,
        true,
        &BufferLimits::DEFAULT,
    )
    .expect("geometry");
    let memory = platform.allocate(g.span_bytes() as usize).expect("memory");
    s.attach_buffer(memory, g)
        .map_err(|(e, _)| e)
        .expect("attach");
    let start = Ticks(1_234_567);
    for st in [KsState::Acquire, KsState::Pause, KsState::Run] {
        s.set_state(st, start).expect("state");
    }
    let end = Ticks(start.0 + seconds * freq.hz());
    let position = s.position(end).frames;
    let notice = s.on_timer(end).notice.expect("a notification is due");
    let packets = notice.packet + 1;
    let ideal = start.0 + ideal_ticks(packets * u64::from(pf), rate, freq.hz());
    let at_notice = ticks_to_frames(notice.qpc.0 - start.0, rate, freq);
    free_stream(&platform, s);
    EngineDrift {
        position_error_frames: i128::from(position) - i128::from(seconds * u64::from(rate)),
        packets,
        notification_error_ticks: i128::from(notice.qpc.0) - i128::from(ideal),
        notification_error_frames: i128::from(at_notice) - i128::from(packets * u64::from(pf)),
    }
}

pub const DRIFT_RATES: [u32; 4] = [44_100, 48_000, 96_000, 192_000];
pub const DRIFT_PERIODS_MS: [u32; 4] = [1, 3, 10, 20];

pub fn drift_table() -> Vec<DriftFigure> {
    let mut out = Vec::new();
    for rate in DRIFT_RATES {
        for period_ms in DRIFT_PERIODS_MS {
            let pf = packet_frames(rate, period_ms * 1000);
            let engine = engine_drift(rate, pf, DAY_SECONDS, FREQ);
            let classic = classic_drift_exact(rate, pf, DAY_SECONDS * 1000);
            out.push(DriftFigure {
                rate,
                period_ms,
                packet_frames: pf,
                engine,
                classic,
                classic_drift_seconds: classic.drift_frames as f64 / f64::from(rate),
            });
        }
    }
    out
}

/// One point of a drift curve: (hour, Cadenza's notification error, the classic model's
/// drift), in frames.
pub type DriftPoint = (u64, i128, i128);

/// Hour-by-hour drift of one configuration, for the plot.
pub fn drift_series(rate: u32, period_ms: u32) -> Vec<DriftPoint> {
    let pf = packet_frames(rate, period_ms * 1000);
    (0..=24)
        .map(|h| {
            let engine = if h == 0 {
                0
            } else {
                engine_drift(rate, pf, h * 3600, FREQ).notification_error_frames
            };
            let classic = classic_drift_exact(rate, pf, h * 3_600_000).drift_frames;
            (h, engine, classic)
        })
        .collect()
}

/// The full-day simulations that validate the exact figures.
#[derive(Clone, Debug, Serialize)]
pub struct DriftValidation {
    /// Engine: EngineDriver (cable + timer callbacks) on SimPlatform for 24 simulated hours.
    pub engine_rate: u32,
    pub engine_period_ms: u32,
    pub engine_counter_hz: u64,
    /// Simulated seconds.
    pub engine_seconds: u64,
    pub engine_expiries: u64,
    pub engine_notifications: u64,
    /// Notifications whose counter value differed from the ideal boundary (must be 0).
    pub engine_wrong_notifications: u64,
    pub engine_position_error_frames: i128,
    pub engine_wall_s: f64,
    /// Classic model: ticked 86.4 million times.
    pub classic_rate: u32,
    pub classic_period_ms: u32,
    pub classic_simulated: ClassicDrift,
    pub classic_exact: ClassicDrift,
    pub classic_wakeups: u64,
    pub classic_agrees: bool,
}

/// Runs EngineDriver for `seconds` (render stream only, 44.1 kHz stereo float, packets of
/// `period_ms`) on a SimPlatform whose counter runs at `freq` Hz, and checks every
/// notification against the ideal timeline.
pub fn engine_full_run(rate: u32, period_ms: u32, seconds: u64, freq: u64) -> DriftValidation {
    let platform =
        SimPlatform::with_frequency(9, CounterFrequency::new(freq).expect("non-zero frequency"));
    platform.advance_to(Ticks(777));
    let mut d = EngineDriver::new(platform.clone()).expect("driver");
    let fmt = format(SampleType::Float32, 2, rate);
    let pf = packet_frames(rate, period_ms * 1000);
    d.open(Direction::Render, &fmt).expect("open");
    d.allocate(Direction::Render, pf * u32::from(fmt.block_align()) * 2, 2)
        .expect("allocate");
    let start = platform.now();
    let t0 = std::time::Instant::now();
    for st in [KsState::Acquire, KsState::Pause, KsState::Run] {
        d.set_state(Direction::Render, st).expect("state");
    }
    let mut k = 0u64;
    let mut wrong = 0u64;
    let chunk = 600u64.min(seconds);
    let mut done = 0u64;
    while done < seconds {
        done = (done + chunk).min(seconds);
        platform.run_until(Ticks(start.0 + done * freq));
        platform.take_signals();
        for qpc in d.take_notifications(Direction::Render) {
            k += 1;
            if qpc.0 != start.0 + ideal_ticks(k * u64::from(pf), rate, freq) {
                wrong += 1;
            }
        }
    }
    let position = d.position(Direction::Render).expect("position").frames;
    let wall = t0.elapsed().as_secs_f64();
    let expiries = platform.expiries();
    let _ = d.close(Direction::Render);
    // The classic model on the usual 10 MHz counter (its whole-millisecond arithmetic
    // assumes a whole number of ticks per millisecond).
    let classic_pf = packet_frames(44_100, 3_000);
    let classic_ms = seconds * 1000;
    let (classic_simulated, classic_wakeups) =
        classic_drift_simulated(44_100, classic_pf, classic_ms, FREQ.hz());
    let classic_exact = classic_drift_exact(44_100, classic_pf, classic_ms);
    DriftValidation {
        engine_rate: rate,
        engine_period_ms: period_ms,
        engine_counter_hz: freq,
        engine_seconds: seconds,
        engine_expiries: expiries,
        engine_notifications: k,
        engine_wrong_notifications: wrong,
        engine_position_error_frames: i128::from(position) - i128::from(seconds * u64::from(rate)),
        engine_wall_s: wall,
        classic_rate: 44_100,
        classic_period_ms: 3,
        classic_simulated,
        classic_exact,
        classic_wakeups,
        classic_agrees: classic_simulated == classic_exact,
    }
}

/// The validation runs: 24 h when `effort.full_day`, otherwise 60 s.
pub fn drift_validation(effort: &Effort) -> DriftValidation {
    let seconds = if effort.full_day { DAY_SECONDS } else { 60 };
    // 44.1 kHz, 10 ms on the 3.579545 MHz ACPI PM-timer frequency: 35 795.45 counter ticks
    // per packet, so every deadline needs the exact rounding.
    engine_full_run(44_100, 10, seconds, 3_579_545)
}

// ---------------------------------------------------------------------------------------
// 7. Memory
// ---------------------------------------------------------------------------------------

/// One line of a memory breakdown, bytes per stream.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryFigure {
    pub name: String,
    pub bytes: usize,
    /// Which per-stream totals include the line: "both", "PortCls", "ACX", or "" for a
    /// breakdown line already inside another.
    pub counted_in: &'static str,
    pub note: &'static str,
}

/// Memory per stream of one configuration.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryConfig {
    pub name: &'static str,
    /// The configuration, in the simulator's text form.
    pub config_text: &'static str,
    pub cables: u8,
    /// Ring of one cable, bytes, as the platform handed it out when the hosts were created.
    pub ring_bytes_per_cable: usize,
    pub rows: Vec<MemoryFigure>,
    /// Per stream through PortCls: everything counted, and without the ring share.
    pub portcls_total: usize,
    pub portcls_state: usize,
    /// Per stream through ACX.
    pub acx_total: usize,
    pub acx_state: usize,
    /// A client buffer of two 10 ms packets in the configuration's default format (not in
    /// the totals: its size is the client's choice).
    pub example_buffer_bytes: usize,
}

/// Notifies nothing (sizes only).
#[derive(Clone, Debug)]
struct NoNotify;

impl cadenza_acx::PacketNotify for NoNotify {
    fn packet_complete(&self, _packet: u64, _qpc: Ticks) {}
}

/// The default configuration and the largest one.
pub const MEMORY_CONFIGS: [(&str, &str); 2] = [
    ("default (1 cable, 2 ch, 48 kHz)", ""),
    (
        "largest (8 cables x 16 ch x 384 kHz, all sample types)",
        "Cables = 8\nChannels = 16\nSampleRates = 8000, 11025, 16000, 22050, 32000, 44100, 48000, \
         96000, 192000, 384000\nDefaultSampleRate = 384000\n\
         SampleTypes = float32, int32, int24in32, int24, int16\n",
    ),
];

/// A pair's object split between its two streams.
const fn half(bytes: usize) -> usize {
    bytes / 2
}

/// Bytes of an `Arc`'s two reference counts (the host lives in a `Pin<Arc<_>>`).
const ARC_COUNTS: usize = 2 * size_of::<usize>();

/// Creates every cable host of `text` (both adapters' host types) on a simulator platform
/// and measures the ring the platform hands out, and the per-stream share of each object.
pub fn memory_config(name: &'static str, text: &'static str) -> MemoryConfig {
    use cadenza_engine::config::parse_text;
    use cadenza_engine::device::virtual_device::VirtualDevice;
    use cadenza_engine::platform::TimerTarget;

    let mut warnings = Vec::new();
    let config = parse_text(text, &mut |w| warnings.push(format!("{w:?}")));
    assert!(warnings.is_empty(), "{name}: {warnings:?}");
    let cables = config.cables();

    // The ring is what the platform hands out per host (PortCls and ACX size it alike).
    let platform = SimPlatform::new(1);
    let (_, before) = platform.live_allocations();
    let hosts: Vec<_> = (0..cables)
        .map(|i| cadenza_portcls::device::create_host(platform.clone(), i, &config).expect("host"))
        .collect();
    let (_, after) = platform.live_allocations();
    let ring = (after - before) / usize::from(cables);
    assert_eq!(ring, Cable::ring_bytes_for(&config), "{name}: ring size");
    drop(hosts);
    let acx_platform = SimPlatform::new(1);
    let acx: Vec<_> = (0..cables)
        .map(|i| {
            cadenza_acx::host::AcxHost::<SimPlatform, NoNotify>::new(
                acx_platform.clone(),
                i,
                &config,
                Box::new(VirtualDevice::null()),
                None,
            )
            .expect("ACX host")
        })
        .collect();
    let (_, acx_ring) = acx_platform.live_allocations();
    assert_eq!(
        acx_ring / usize::from(cables),
        ring,
        "{name}: ACX ring size"
    );
    drop(acx);

    let device = size_of::<VirtualDevice>();
    let pc_host = size_of::<cadenza_portcls::device::PcHost<SimPlatform>>();
    let acx_host = size_of::<cadenza_acx::host::AcxHost<SimPlatform, NoNotify>>();
    let wave = size_of::<
        cadenza_portcls::object::ComObject<cadenza_portcls::stream::WaveStream<SimPlatform>>,
    >();
    let acx_stream = size_of::<cadenza_acx::AcxStream<SimPlatform, NoNotify>>();
    let timer = size_of::<<SimPlatform as Platform>::Timer>();
    let target = size_of::<TimerTarget>();
    let row =
        |name: &str, bytes: usize, counted_in: &'static str, note: &'static str| MemoryFigure {
            name: name.to_string(),
            bytes,
            counted_in,
            note,
        };
    let rows = vec![
        row(
            "ring share (ring / 2)",
            ring / 2,
            "both",
            "the cable's ring (500 ms of the widest configured frame at the highest rate), \
             measured as the bytes the platform allocated per host, shared by the pair's two \
             streams",
        ),
        row(
            "device share (VirtualDevice / 2)",
            device / 2,
            "both",
            "size_of::<VirtualDevice>(): the boxed cable with both engine Streams, ring \
             descriptor, gains (16 channels each) and channel map",
        ),
        row(
            "  of which: Stream",
            size_of::<Stream>(),
            "",
            "size_of::<Stream>(): state, format, timebase, deadlines, events, packet \
             bookkeeping, stats",
        ),
        row(
            "PortCls host share ((PcHost + Arc counts) / 2)",
            half(pc_host + ARC_COUNTS),
            "PortCls",
            "size_of::<PcHost<SimPlatform>>() + the Arc's two counts: lock, device box \
             pointer, two timer slots (lock + platform timer + notifier), pin capabilities, \
             endpoint facts (name, packet constraints)",
        ),
        row(
            "ACX host share ((AcxHost + Arc counts) / 2)",
            half(acx_host + ARC_COUNTS),
            "ACX",
            "size_of::<AcxHost<SimPlatform, _>>() + the Arc's two counts",
        ),
        row(
            "  of which: platform timer (per stream)",
            timer,
            "",
            "size_of::<<SimPlatform as Platform>::Timer>() in the stream's timer slot of the \
             host (the kernel's KernelTimer holds the EX_TIMER and target-block pointers)",
        ),
        row(
            "timer target block (per stream)",
            target,
            "both",
            "size_of::<TimerTarget>(): the kernel platform allocates it (ExAllocatePool2) as \
             the timer callback's context. The EX_TIMER object itself is allocated by the \
             kernel (ExAllocateTimer) and opaque: not measurable here, not included",
        ),
        row(
            "PortCls stream object (ComObject<WaveStream>)",
            wave,
            "PortCls",
            "size_of::<ComObject<WaveStream<SimPlatform>>>(): COM vtable and reference count \
             around the stream's data (packet vtable, direction, host handle, port stream, \
             buffer slot)",
        ),
        row(
            "ACX AcxStream",
            acx_stream,
            "ACX",
            "size_of::<AcxStream<SimPlatform, _>>(): host handle, circuit, format, notifier",
        ),
    ];
    let common = ring / 2 + device / 2 + target;
    let portcls_total = common + half(pc_host + ARC_COUNTS) + wave;
    let acx_total = common + half(acx_host + ARC_COUNTS) + acx_stream;
    let fmt = config.default_format();
    let pf = packet_frames(fmt.rate().hz(), 10_000);
    let example_buffer_bytes = BufferGeometry::plan(
        &fmt,
        pf * u32::from(fmt.block_align()) * 2,
        PacketCount::Two,
        true,
        &BufferLimits::DEFAULT,
    )
    .map_or(0, |g| g.span_bytes() as usize);
    MemoryConfig {
        name,
        config_text: text,
        cables,
        ring_bytes_per_cable: ring,
        rows,
        portcls_total,
        portcls_state: portcls_total - ring / 2,
        acx_total,
        acx_state: acx_total - ring / 2,
        example_buffer_bytes,
    }
}

pub fn memory() -> Vec<MemoryConfig> {
    MEMORY_CONFIGS
        .iter()
        .map(|&(name, text)| memory_config(name, text))
        .collect()
}

// ---------------------------------------------------------------------------------------
// 8. Latency
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct LatencyFigure {
    pub rate: u32,
    pub period_us: u32,
    pub packet_frames: u32,
    /// Capture frame index of render frame 0 (from the loopback check).
    pub offset_frames: u64,
    /// Latency over every render frame of the run (µs): from the instant the render
    /// position passes the frame (it leaves the render buffer) to the capture notification
    /// after which the capture client reads it.
    pub min_us: f64,
    pub mean_us: f64,
    pub max_us: f64,
    /// One packet plus the hardware latency the capture stream reports (KSRTAUDIO_HWLATENCY).
    pub theoretical_us: f64,
    pub reported_hw_latency_us: f64,
}

pub fn latency(effort: &Effort) -> Vec<LatencyFigure> {
    let mut out = Vec::new();
    let rate = 48_000;
    for period_us in [1_000, 3_000, 10_000, 20_000] {
        let config = loopback_config(rate, period_us, effort.loopback_seconds.min(5));
        let mut driver = EngineDriver::new(SimPlatform::new(3)).expect("driver");
        let r = run_loopback(&mut driver, &config, &mut |_| {}).expect("loopback run");
        let offset = r.check.offset.expect("signal found");
        let pf = packet_frames(rate, period_us);
        let render_start = config.render_delay_ticks;
        let reads: Vec<(u64, u64)> = r
            .positions
            .iter()
            .filter(|p| p.direction == Direction::Capture)
            .map(|p| (p.at.0, p.frames))
            .collect();
        let (mut min, mut max, mut sum, mut count) = (u64::MAX, 0u64, 0u128, 0u64);
        let mut i = 0;
        for f in u64::from(pf) * 4..r.rendered_frames.saturating_sub(u64::from(pf) * 4) {
            let played = render_start + frames_to_ticks_ceil(f + 1, rate, FREQ);
            let g = f + offset;
            while i < reads.len() && reads[i].1 <= g {
                i += 1;
            }
            let Some(&(at, _)) = reads.get(i) else { break };
            let lat = at - played;
            min = min.min(lat);
            max = max.max(lat);
            sum += u128::from(lat);
            count += 1;
        }
        let hw = Stream::latency_for_delay(&config.capture, DELAY_FRAMES as u32, FREQ);
        let hw_us = f64::from(hw.codec_delay_hns + hw.chipset_delay_hns) / 10.0;
        let us = |ticks: f64| ticks / (FREQ.hz() as f64 / 1e6);
        out.push(LatencyFigure {
            rate,
            period_us,
            packet_frames: pf,
            offset_frames: offset,
            min_us: us(min as f64),
            mean_us: us(sum as f64 / count.max(1) as f64),
            max_us: us(max as f64),
            theoretical_us: f64::from(pf) * 1e6 / f64::from(rate) + hw_us,
            reported_hw_latency_us: hw_us,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Everything
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// The caches read from sysfs and the flush size of the cold figures.
    pub caches: Caches,
    /// What one timed region adds (subtracted from cold single-iteration timings), ns.
    pub timer_overhead_ns: f64,
    /// Hot batches and cold runs per figure (min and median are over these).
    pub batches: usize,
    pub cold_runs: usize,
    pub cold_iters: usize,
    pub copy: Vec<CopyRow>,
    pub fixed: FixedCost,
    /// What the per-channel peak meter adds to a cable sync.
    pub meter: Vec<MeterCost>,
    pub convert: Vec<ConvertFigure>,
    pub notification: Vec<NsFigure>,
    pub scale: Vec<ScaleFigure>,
    pub wakeups: Vec<WakeupFigure>,
    pub drift: Vec<DriftFigure>,
    pub drift_validation: DriftValidation,
    /// Hour-by-hour drift for the plot: (rate, period_ms, [(hour, engine, classic)]).
    pub drift_series: Vec<(u32, u32, Vec<DriftPoint>)>,
    pub memory: Vec<MemoryConfig>,
    pub latency: Vec<LatencyFigure>,
}

/// Runs every experiment; `progress` is told which one starts. Cold figures flush with
/// `flusher` (normally [`Flusher::new`]`(caches.flush_bytes)`).
pub fn all(
    effort: &Effort,
    caches: &Caches,
    flusher: &mut Flusher,
    progress: &mut dyn FnMut(&str),
) -> Figures {
    let overhead = timer_overhead_ns();
    progress("cable copy vs memcpy (hot and cold)");
    let copy = copy_matrix(effort, flusher, overhead, progress);
    progress("fixed cost per cable sync");
    let fixed = fixed_cost(effort, flusher, overhead);
    progress("level metering");
    let meter = meter_costs(effort);
    progress("format conversion");
    let convert = conversions(effort);
    progress("per-notification and GetPosition cost");
    let notification = notification_costs(effort);
    progress("scale (hot and cold)");
    let scale = scale(effort, flusher, overhead);
    progress("wake-ups");
    let wakeups = wakeups(effort);
    progress("drift");
    let drift = drift_table();
    let drift_series = [(44_100, 1), (44_100, 3)]
        .into_iter()
        .map(|(r, p)| (r, p, drift_series(r, p)))
        .collect();
    progress(if effort.full_day {
        "24 h simulation, notification by notification"
    } else {
        "60 s simulation, notification by notification (24 h in the full run)"
    });
    let drift_validation = drift_validation(effort);
    progress("latency");
    let latency = latency(effort);
    progress("memory");
    let memory = memory();
    Figures {
        caches: caches.clone(),
        timer_overhead_ns: overhead,
        batches: effort.batches,
        cold_runs: effort.cold_runs,
        cold_iters: effort.cold_iters,
        copy,
        fixed,
        meter,
        convert,
        notification,
        scale,
        wakeups,
        drift,
        drift_validation,
        drift_series,
        memory,
        latency,
    }
}
