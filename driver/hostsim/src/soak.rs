//! The soak: 32 loopback cables (64 streams) on ONE shared [`SimPlatform`], in one virtual
//! timeline, with seeded late timers and misbehaving clients on some cables — run against
//! any [`DriverUnderTest`], so the same hour goes through the engine directly
//! (`driver/hostsim/tests/soak.rs`), the PortCls miniport's vtables
//! (`compat-portcls/tests/soak.rs`) and the ACX adapter's callbacks
//! (`driver/acx/tests/soak.rs`).
//!
//! [`scenario::run_loopback`](crate::scenario::run_loopback) owns the platform's timeline for
//! one driver (it calls `fire_next` itself and its clients are private), so it cannot
//! interleave 32 drivers. The soak therefore has its own driver loop: every cable is its own
//! driver on the one platform; the loop fires the earliest timer of any stream, then hands
//! every notification that arrived to that cable's clients, which behave like the scenario's
//! event-driven WASAPI clients (pre-fill, then on each notification ask for the position and
//! move whole packets, or frames in position mode). The render client writes a per-cable
//! pattern (a hash of cable and frame, never zero), so a dropped, repeated or cross-wired
//! frame is caught; the capture side is checked as it arrives (an hour of audio is not kept).
//!
//! Behaviours (cable `i`): `i % 4 == 0` steady, packet mode; `1` steady, position mode;
//! `2` a misbehaving render client (stops writing / stalls and skips packets / writes ahead
//! and far ahead / changes state at random); `3` a capture client that stalls, on 3 ms
//! packets, so late timers also cross boundaries (missed notifications, render underruns).
//!
//! This is test tooling: a broken invariant panics with the cable and its counters, which
//! fails the calling test.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::missing_panics_doc,
    reason = "test arithmetic on simulated frame counts and times, 64-bit hosts only; \
              panicking is how the harness reports a broken invariant"
)]

use std::time::Instant;

use crate::scenario::{ClientBuffer, DriverUnderTest};
use crate::{Lateness, SimPlatform, SplitMix64};
use cadenza_engine::device::cable::DELAY_FRAMES;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, StreamStats};
use cadenza_engine::time::{CounterFrequency, Ticks, ticks_to_frames};

/// The default seed.
pub const SEED: u64 = 0x5EED_50A4;
/// Cables in the full run (64 streams).
pub const CABLES: usize = 32;
const FREQ: CounterFrequency = CounterFrequency::TEN_MHZ;
/// 10 % of timer expiries late by up to 6 ms: below the 10 ms packet of the steady cables
/// (so they must stay glitch-free), above the 3 ms packet of the fast ones.
const LATENESS: Lateness = Lateness::Random {
    ppm: 100_000,
    max_ticks: 60_000,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Steady,
    StopsWriting,
    StallsAndSkips,
    WritesAhead,
    ChangesState,
    CaptureStalls,
}

impl Behaviour {
    fn of(i: usize) -> (Behaviour, bool, u32) {
        match i % 4 {
            0 => (Behaviour::Steady, true, 10_000),
            1 => (Behaviour::Steady, false, 10_000),
            2 => (
                [
                    Behaviour::StopsWriting,
                    Behaviour::StallsAndSkips,
                    Behaviour::WritesAhead,
                    Behaviour::ChangesState,
                ][(i / 4) % 4],
                true,
                10_000,
            ),
            _ => (Behaviour::CaptureStalls, true, 3_000),
        }
    }
}

/// The render pattern: never zero, exactly representable, distinct per cable and frame.
fn sample(cable: usize, frame: u64, channel: u16) -> f32 {
    let mut z = ((cable as u64) << 50) ^ (frame << 3) ^ u64::from(channel);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let magnitude = ((z >> 41) | 1) as f32 / 16_777_216.0;
    if z & 1 == 0 { magnitude } else { -magnitude }
}

fn fill(cable: usize, format: &Format, first: u64, out: &mut [u8]) {
    let channels = format.channels().get();
    for (f, frame) in out
        .chunks_exact_mut(usize::from(format.block_align()))
        .enumerate()
    {
        for (c, s) in frame
            .chunks_exact_mut(4)
            .enumerate()
            .take(usize::from(channels))
        {
            s.copy_from_slice(&sample(cable, first + f as u64, c as u16).to_le_bytes());
        }
    }
}

/// The mapped bytes of linear frames `first..first + count`, run by run.
#[allow(
    clippy::mut_from_ref,
    reason = "the bytes are the driver's mapping, not the descriptor's"
)]
fn runs(buf: &ClientBuffer, first: u64, count: u32) -> Vec<(u64, &mut [u8])> {
    let block = buf.geometry.block_align() as usize;
    buf.geometry
        .ranges(first, count)
        .map(|r| {
            let (start, len) = (r.offset as usize, r.frames as usize * block);
            assert!(start + len <= buf.span, "frames outside the client buffer");
            // SAFETY: in range (asserted); the driver keeps the buffer mapped while the
            // stream exists; the simulation is single-threaded and the runs of one call are
            // distinct frames, so no other reference to these bytes is live.
            let first_byte = unsafe { buf.ptr.add(start) };
            // SAFETY: `first_byte..first_byte+len` lies in the mapped buffer (asserted above),
            // which stays mapped while the stream exists; the runs are distinct frames and the
            // simulation is single-threaded, so this is the only reference to these bytes.
            (r.first_frame, unsafe {
                std::slice::from_raw_parts_mut(first_byte, len)
            })
        })
        .collect()
}

#[derive(Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn set(&mut self, i: u64) {
        let w = (i / 64) as usize;
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (i % 64);
    }
    fn get(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// What one side of a cable saw, besides the audio.
#[derive(Default)]
struct Seen {
    notifications: u64,
    /// Packet boundaries the stream had crossed at its latest notification.
    boundaries: u64,
    stalled_for: u64,
    stalls: u64,
}

struct Cable<D> {
    id: usize,
    behaviour: Behaviour,
    packet_mode: bool,
    format: Format,
    pf: u64,
    driver: D,
    rng: SplitMix64,
    rbuf: ClientBuffer,
    cbuf: ClientBuffer,
    render: Seen,
    capture: Seen,
    // Render client.
    next_packet: u64,
    written_frames: u64,
    written: Bits,
    /// Packets skipped while already playing: their rest must play as silence, never as the
    /// stale audio left in the slot.
    stale: Bits,
    stale_frames: u64,
    skipped: u64,
    refused_late: u64,
    refused_overrun: u64,
    stop_after: Option<u64>,
    paused_until: Option<Ticks>,
    pauses: u64,
    restarts: u64,
    // Capture client.
    next_read: u64,
    read_frames: u64,
    gaps: u64,
    /// Packets GetReadPacket returned while their slot was already being overwritten.
    torn: u64,
    /// Virtual time the capture stream entered RUN (from STOP, at position 0).
    capture_run_at: Ticks,
    /// Virtual time the render stream first entered RUN (from STOP, at position 0).
    render_run_at: Option<Ticks>,
    /// Capture frame that carries render frame 0, from the engine's documented mapping.
    offset: Option<u64>,
    compared: u64,
    mismatched: u64,
    /// Written frames that arrived as silence (each must be a counted dropped frame).
    silenced: u64,
    /// Frames of skipped packets that arrived as stale audio instead of silence.
    stale_seen: u64,
    first_mismatch: Option<u64>,
}

fn step_to<D: DriverUnderTest>(d: &mut D, dir: Direction, from: KsState, to: KsState) {
    let mut s = from;
    while s != to {
        s = s.step_towards(to);
        d.set_state(dir, s).expect("state step");
    }
}

impl<D: DriverUnderTest> Cable<D> {
    fn new(id: usize, seed: u64, mut driver: D) -> Cable<D> {
        let (behaviour, packet_mode, period_us) = Behaviour::of(id);
        let format = Format::DEFAULT;
        assert_eq!(format.sample(), SampleType::Float32);
        let pf = u64::from(format.rate().hz()) * u64::from(period_us) / 1_000_000;
        let bytes = (pf * u64::from(format.block_align()) * 2) as u32;
        driver.open(Direction::Capture, &format).expect("open");
        driver.open(Direction::Render, &format).expect("open");
        let cbuf = driver
            .allocate(Direction::Capture, bytes, 2)
            .expect("buffer");
        let rbuf = driver
            .allocate(Direction::Render, bytes, 2)
            .expect("buffer");
        assert_eq!(u64::from(rbuf.geometry.packet_frames()), pf);
        let mut rng = SplitMix64::new(seed ^ (id as u64 + 1));
        let stop_after = (behaviour == Behaviour::StopsWriting).then(|| 200 + rng.below(600));
        Cable {
            id,
            behaviour,
            packet_mode,
            format,
            pf,
            driver,
            rng,
            rbuf,
            cbuf,
            render: Seen::default(),
            capture: Seen::default(),
            next_packet: 0,
            written_frames: 0,
            written: Bits::default(),
            stale: Bits::default(),
            stale_frames: 0,
            skipped: 0,
            refused_late: 0,
            refused_overrun: 0,
            stop_after,
            paused_until: None,
            pauses: 0,
            restarts: 0,
            next_read: 0,
            read_frames: 0,
            gaps: 0,
            torn: 0,
            capture_run_at: Ticks(0),
            render_run_at: None,
            offset: None,
            compared: 0,
            mismatched: 0,
            silenced: 0,
            stale_seen: 0,
            first_mismatch: None,
        }
    }

    fn start_capture(&mut self) {
        self.capture_run_at = self.driver.platform().now();
        step_to(
            &mut self.driver,
            Direction::Capture,
            KsState::Stop,
            KsState::Run,
        );
    }

    fn start_render(&mut self) {
        step_to(
            &mut self.driver,
            Direction::Render,
            KsState::Stop,
            KsState::Pause,
        );
        self.write_render(0);
        self.render_run_at
            .get_or_insert(self.driver.platform().now());
        step_to(
            &mut self.driver,
            Direction::Render,
            KsState::Pause,
            KsState::Run,
        );
    }

    /// Packet mode: writes packets up to `playing + 1` (the whole buffer ahead of the one
    /// playing). Position mode: keeps the buffer full up to one buffer ahead of `pos`.
    fn write_render(&mut self, pos: u64) {
        let playing = pos / self.pf;
        if !self.packet_mode {
            let end = pos + u64::from(self.rbuf.geometry.frames());
            let count = u32::try_from(end - self.written_frames.max(pos)).expect("count");
            let first = self.written_frames.max(pos);
            for (f, bytes) in runs(&self.rbuf, first, count) {
                fill(self.id, &self.format, f, bytes);
            }
            self.written_frames = end;
            return;
        }
        while self.next_packet < playing + 2 {
            let p = self.next_packet;
            if self.stop_after.is_some_and(|n| p >= n) {
                return;
            }
            let first = p * self.pf;
            for (f, bytes) in runs(&self.rbuf, first, self.pf as u32) {
                fill(self.id, &self.format, f, bytes);
            }
            match self.driver.write_packet(p as u32, 0, 0) {
                Ok(()) => self.written.set(p),
                Err(NtStatus::DATA_LATE_ERROR) => self.refused_late += 1,
                Err(e) => panic!("cable {}: SetWritePacket({p}): {e}", self.id),
            }
            self.next_packet += 1;
        }
    }

    fn on_render_notification(&mut self) {
        let pos = self
            .driver
            .position(Direction::Render)
            .expect("position")
            .frames;
        self.render.notifications += 1;
        self.render.boundaries = pos / self.pf;
        if self.render.stalled_for > 0 {
            self.render.stalled_for -= 1;
            return;
        }
        match self.behaviour {
            Behaviour::StallsAndSkips if self.rng.below(100) == 0 => {
                self.render.stalls += 1;
                self.render.stalled_for = 1 + self.rng.below(5);
                return;
            }
            Behaviour::StallsAndSkips if self.next_packet <= pos / self.pf => {
                // Back from a stall: try the oldest missed packet first (it is late).
                match self.driver.write_packet(self.next_packet as u32, 0, 0) {
                    Err(NtStatus::DATA_LATE_ERROR) => self.refused_late += 1,
                    other => panic!("cable {}: late packet accepted: {other:?}", self.id),
                }
            }
            Behaviour::ChangesState if self.rng.below(200) == 0 => {
                self.change_state();
                return;
            }
            _ => {}
        }
        let playing = pos / self.pf;
        if self.packet_mode && self.next_packet <= playing {
            // Packets at or before the one playing can no longer be written: skip them.
            // The rest of the packet playing must come out as silence, counted as underrun,
            // never as the stale audio left in its slot (finding 2 in docs/reliability.md,
            // fixed): frames of that packet that arrive as anything else are `stale_seen`,
            // which must stay 0 on every cable.
            self.skipped += playing + 1 - self.next_packet;
            self.next_packet = playing + 1;
            self.stale.set(playing);
            self.stale_frames += (playing + 1) * self.pf - pos;
        }
        self.write_render(pos);
        if self.behaviour == Behaviour::WritesAhead && self.rng.below(20) == 0 {
            let playing = pos / self.pf;
            // Ahead of the buffer (overrun), or so far ahead the 32-bit number wraps to the
            // past (late). Neither may touch the audio.
            let (number, late) = if self.rng.below(4) == 0 {
                ((playing + (1 << 31) + 7) as u32, true)
            } else {
                ((playing + 2 + self.rng.below(1000)) as u32, false)
            };
            match (self.driver.write_packet(number, 0, 0), late) {
                (Err(NtStatus::DATA_LATE_ERROR), true) => self.refused_late += 1,
                (Err(NtStatus::DATA_OVERRUN), false) => self.refused_overrun += 1,
                (other, _) => panic!("cable {}: write ahead {number}: {other:?}", self.id),
            }
        }
    }

    fn change_state(&mut self) {
        let now = self.driver.platform().now();
        if self.rng.below(2) == 0 {
            self.driver
                .set_state(Direction::Render, KsState::Pause)
                .expect("pause");
            self.pauses += 1;
            self.paused_until = Some(Ticks(now.0 + 50_000 + self.rng.below(450_000)));
        } else {
            step_to(
                &mut self.driver,
                Direction::Render,
                KsState::Run,
                KsState::Stop,
            );
            self.restarts += 1;
            self.next_packet = 0;
            self.start_render();
        }
    }

    /// The harness's own wake-up for a paused client (no notifications while paused).
    fn poll_paused(&mut self, now: Ticks) {
        if self.paused_until.is_some_and(|t| now >= t) {
            self.paused_until = None;
            self.driver
                .set_state(Direction::Render, KsState::Run)
                .expect("resume");
        }
    }

    fn on_capture_notification(&mut self) {
        let pos = self
            .driver
            .position(Direction::Capture)
            .expect("position")
            .frames;
        self.capture.notifications += 1;
        self.capture.boundaries = pos / self.pf;
        if self.capture.stalled_for > 0 {
            self.capture.stalled_for -= 1;
            return;
        }
        if self.behaviour == Behaviour::CaptureStalls && self.rng.below(50) == 0 {
            self.capture.stalls += 1;
            self.capture.stalled_for = 1 + self.rng.below(6);
            return;
        }
        if self.packet_mode {
            loop {
                match self.driver.read_packet() {
                    Ok(p) => {
                        let low = self.next_read as u32;
                        let linear = self
                            .next_read
                            .saturating_add_signed(i64::from(p.number.wrapping_sub(low) as i32));
                        assert!(
                            linear >= self.next_read,
                            "cable {}: packet went back",
                            self.id
                        );
                        self.gaps += linear - self.next_read;
                        self.next_read = linear + 1;
                        // Engine finding (see docs/reliability.md): after an overflow,
                        // GetReadPacket may return packet `completed - 2` while packet
                        // `completed` is already being written into the same slot, so its
                        // first frames are newer audio. Such torn packets are counted and not
                        // compared; the steady cables must have none.
                        if linear + 2 <= pos / self.pf && !pos.is_multiple_of(self.pf) {
                            self.torn += 1;
                        } else {
                            self.check(linear * self.pf, self.pf as u32);
                        }
                        if !p.more_data {
                            break;
                        }
                    }
                    Err(NtStatus::DEVICE_NOT_READY) => break,
                    Err(e) => panic!("cable {}: GetReadPacket: {e}", self.id),
                }
            }
        } else {
            let from = self
                .read_frames
                .max(pos.saturating_sub(u64::from(self.cbuf.geometry.frames())));
            self.check(from, (pos - from) as u32);
            self.read_frames = pos;
        }
    }

    /// Compares captured frames with what the render client wrote: the pattern where it
    /// wrote, silence where it did not (never stale audio).
    fn check(&mut self, first: u64, count: u32) {
        if self.behaviour == Behaviour::ChangesState {
            return; // restarts move the render-to-capture offset; counted, not compared
        }
        let block = usize::from(self.format.block_align());
        let mut expected = vec![0u8; block];
        let zero = vec![0u8; block];
        let cbuf = self.cbuf;
        for (f0, bytes) in runs(&cbuf, first, count) {
            for (i, got) in bytes.chunks_exact(block).enumerate() {
                let c = f0 + i as u64;
                let offset = self.render_offset();
                if c < offset {
                    // Captured before render's first frame reached the cable: silence.
                    self.compared += 1;
                    if got != zero.as_slice() {
                        self.mismatched += 1;
                        self.first_mismatch.get_or_insert(c);
                    }
                    continue;
                }
                self.compare(c, c - offset, got, &mut expected);
            }
        }
    }

    /// The capture frame that carries render frame 0. Not guessed from the data (a first
    /// render packet lost to a late timer would shift the guess): the cable documents that
    /// render frame `f` goes to cable index `f − p0 + c(t0)` and capture frame `g` reads
    /// index `g − q0 + c(t1) − DELAY_FRAMES`, with `c(t)` the cable clock and both streams
    /// starting from STOP (`p0 = q0 = 0`), so `g = f + c(t0) − c(t1) + DELAY_FRAMES`.
    fn render_offset(&mut self) -> u64 {
        if let Some(offset) = self.offset {
            return offset;
        }
        let rate = self.format.rate().hz();
        let cable_time = |t: Ticks| ticks_to_frames(t.0, rate, FREQ);
        let render = self
            .render_run_at
            .expect("render started before capture data is checked");
        let offset = cable_time(render) - cable_time(self.capture_run_at) + DELAY_FRAMES;
        self.offset = Some(offset);
        offset
    }

    fn compare(&mut self, c: u64, r: u64, got: &[u8], expected: &mut [u8]) {
        let written = if self.packet_mode {
            self.written.get(r / self.pf)
        } else {
            r < self.written_frames
        };
        if written {
            fill(self.id, &self.format, r, expected);
        } else {
            expected.fill(0);
        }
        self.compared += 1;
        if got == expected {
            return;
        }
        if self.packet_mode && self.stale.get(r / self.pf) {
            self.stale_seen += 1;
            return;
        }
        if written && got.iter().all(|b| *b == 0) {
            // Written but never delivered: must be a frame the engine counted as dropped.
            self.silenced += 1;
        } else {
            self.mismatched += 1;
            self.first_mismatch.get_or_insert(c);
        }
    }

    /// Render frames in `0..pos` of packets the client never wrote.
    fn unwritten_frames(&self, pos: u64) -> u64 {
        (0..pos.div_ceil(self.pf))
            .filter(|p| !self.written.get(*p))
            .map(|p| ((p + 1) * self.pf).min(pos) - p * self.pf)
            .sum()
    }
}

#[derive(Debug)]
struct Report {
    cable: usize,
    behaviour: Behaviour,
    render: StreamStats,
    capture: StreamStats,
    compared: u64,
    mismatched: u64,
    torn: u64,
    stale: u64,
}

/// What a run measured (printed by [`print`]).
#[derive(Debug)]
pub struct Figures {
    framework: &'static str,
    seed: u64,
    simulated_s: f64,
    wall_s: f64,
    expiries: u64,
    notifications: u64,
    signals: u64,
    peak_pool_bytes: usize,
    reports: Vec<Report>,
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// How long, how wide, which seed.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub cables: usize,
    pub seconds: u64,
    pub seed: u64,
    /// Progress on stderr every 300 simulated seconds.
    pub verbose: bool,
}

impl Options {
    /// The CI smoke run: 16 cables (every behaviour), 10 simulated seconds, default seed.
    pub const SMOKE: Options = Options {
        cables: 16,
        seconds: 10,
        seed: SEED,
        verbose: false,
    };

    /// The full run — 32 cables, one simulated hour, with progress — adjusted by
    /// `SOAK_SECONDS=n` and `SOAK_SEED=n` (decimal or 0x-hex) so any failure replays.
    pub fn full_from_env() -> Options {
        let var = |name| std::env::var(name).ok();
        Options {
            cables: CABLES,
            seconds: var("SOAK_SECONDS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(3600),
            seed: var("SOAK_SEED")
                .and_then(|s| match s.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16).ok(),
                    None => s.parse().ok(),
                })
                .unwrap_or(SEED),
            verbose: true,
        }
    }
}

/// Runs the soak with one driver per cable, each made by `make` on the shared platform, and
/// checks every invariant (see the module docs); panics on the first broken one.
#[allow(clippy::too_many_lines, reason = "one linear test script")]
pub fn run<D: DriverUnderTest>(
    options: &Options,
    mut make: impl FnMut(SimPlatform) -> Result<D, NtStatus>,
) -> Figures {
    let wall = Instant::now();
    let platform = SimPlatform::with_frequency(options.seed, FREQ);
    platform.set_lateness(LATENESS);
    let baseline = (platform.live_allocations(), platform.live_timers());
    let (mut framework, mut events) = ("", true);
    let mut cables: Vec<Cable<D>> = (0..options.cables)
        .map(|i| {
            let driver = make(platform.clone()).expect("driver");
            framework = driver.framework();
            events = driver.notifies_by_event();
            Cable::new(i, options.seed, driver)
        })
        .collect();
    for c in &mut cables {
        c.start_capture();
    }
    // Renders start 3.1 ms later, staggered by 37 µs per cable.
    for (i, c) in cables.iter_mut().enumerate() {
        platform.advance_to(Ticks(31_000 + 370 * i as u64));
        c.start_render();
    }
    let start = platform.now();
    let end = Ticks(start.0 + options.seconds * FREQ.hz());
    let signals_before = platform.signal_count();
    let mut fires = 0u64;
    let mut next_report = start.0 + 300 * FREQ.hz();
    while platform.fire_next(end).is_some() {
        fires += 1;
        let now = platform.now();
        for c in &mut cables {
            c.poll_paused(now);
            for _ in c.driver.take_notifications(Direction::Render) {
                c.on_render_notification();
            }
            for _ in c.driver.take_notifications(Direction::Capture) {
                c.on_capture_notification();
            }
        }
        if fires.is_multiple_of(4096) {
            // Drivers that do not consume their signals (the engine driver) would keep an
            // hour of them; those that do took theirs above. Counted by `signal_count`.
            drop(platform.take_signals());
        }
        if options.verbose && now.0 >= next_report {
            next_report += 300 * FREQ.hz();
            eprintln!(
                "  {:>5.0} s simulated, {:>6.1} s wall",
                now.since(start) as f64 / FREQ.hz() as f64,
                wall.elapsed().as_secs_f64()
            );
        }
    }
    let signals = platform.signal_count() - signals_before;

    let mut reports = Vec::new();
    for c in &mut cables {
        c.poll_paused(Ticks(u64::MAX));
        let rpos = c
            .driver
            .position(Direction::Render)
            .expect("position")
            .frames;
        let cpos = c
            .driver
            .position(Direction::Capture)
            .expect("position")
            .frames;
        let render = c.driver.stats(Direction::Render).expect("stats");
        let capture = c.driver.stats(Direction::Capture).expect("stats");
        verify(c, &render, &capture, rpos, cpos);
        reports.push(Report {
            cable: c.id,
            behaviour: c.behaviour,
            render,
            capture,
            compared: c.compared,
            mismatched: c.mismatched,
            torn: c.torn,
            stale: c.stale_seen,
        });
    }
    let total_notifications: u64 = reports
        .iter()
        .map(|r| r.render.notifications + r.capture.notifications)
        .sum();
    // One event per stream: every notification signalled exactly one event (where
    // notifications are events; ACX's packet-complete reports are counted per cable above).
    if events {
        assert_eq!(signals, total_notifications, "signals vs notifications");
    }
    for c in &mut cables {
        for dir in [Direction::Render, Direction::Capture] {
            let state = c.driver.stats(dir).map(|_| ());
            assert!(state.is_some());
        }
        step_to(
            &mut c.driver,
            Direction::Render,
            KsState::Run,
            KsState::Stop,
        );
        step_to(
            &mut c.driver,
            Direction::Capture,
            KsState::Run,
            KsState::Stop,
        );
        c.driver.close(Direction::Render).expect("close");
        c.driver.close(Direction::Capture).expect("close");
    }
    drop(cables);
    assert_eq!(
        (platform.live_allocations(), platform.live_timers()),
        baseline,
        "leak: (buffers, bytes), timers"
    );
    assert!(
        platform.debug_messages().is_empty(),
        "{:?}",
        platform.debug_messages()
    );
    Figures {
        framework,
        seed: options.seed,
        simulated_s: end.since(start) as f64 / FREQ.hz() as f64,
        wall_s: wall.elapsed().as_secs_f64(),
        expiries: platform.expiries(),
        notifications: total_notifications,
        signals,
        peak_pool_bytes: platform.peak_bytes(),
        reports,
    }
}

/// Every discontinuity is accounted for; the steady cables have none.
fn verify<D: DriverUnderTest>(
    c: &Cable<D>,
    render: &StreamStats,
    capture: &StreamStats,
    rpos: u64,
    cpos: u64,
) {
    let who = format!("cable {} ({:?})", c.id, c.behaviour);
    // Every notification reached the client, once.
    assert_eq!(render.notifications, c.render.notifications, "{who}");
    assert_eq!(capture.notifications, c.capture.notifications, "{who}");
    // Dropped frames (no wake-up for longer than a buffer) only where timers can be late by
    // more than a packet; each written frame that arrived as silence is one of them.
    // (Random state changes drop nothing: the one frame the first one-hour run counted on
    // such a cable was a false count, fixed — see docs/reliability.md, finding 4.)
    if c.behaviour != Behaviour::CaptureStalls {
        assert_eq!(render.dropped_frames + capture.dropped_frames, 0, "{who}");
    }
    assert!(
        c.silenced <= render.dropped_frames + capture.dropped_frames,
        "{who}: {} written frames lost ({} mismatched, first at capture frame {:?}; \
         offset {:?}), {render:?} {capture:?}",
        c.silenced,
        c.mismatched,
        c.first_mismatch,
        c.offset
    );
    // Notifications + missed = boundaries crossed at the latest wake-up (a restart resets
    // the count, so only streams that ran once).
    if c.behaviour != Behaviour::ChangesState {
        assert_eq!(
            render.notifications + render.missed_notifications,
            c.render.boundaries,
            "{who}: render boundaries"
        );
        assert!(rpos / c.pf - c.render.boundaries <= 2, "{who}");
        // Underrun frames = played frames the client never wrote, less any of those the
        // engine had already counted as dropped (equal when nothing was dropped).
        if c.packet_mode {
            let unwritten = c.unwritten_frames(rpos);
            assert!(
                render.underrun_frames <= unwritten
                    && unwritten <= render.underrun_frames + render.dropped_frames + c.stale_frames,
                "{who}: {unwritten} unwritten, {render:?}"
            );
        }
        assert!(c.compared > 0, "{who}: nothing compared");
        assert_eq!(
            c.mismatched, 0,
            "{who}: capture frame {:?} differs",
            c.first_mismatch
        );
    }
    assert_eq!(
        capture.notifications + capture.missed_notifications,
        c.capture.boundaries,
        "{who}: capture boundaries"
    );
    assert!(cpos / c.pf - c.capture.boundaries <= 3, "{who}");
    // Refusals the client saw are the engine's counts.
    assert_eq!(render.late_packets, c.refused_late, "{who}");
    assert_eq!(render.overrun_packets, c.refused_overrun, "{who}");
    // Packets the capture client never got are the engine's overflow count.
    assert_eq!(capture.overflow_packets, c.gaps, "{who}");
    // Findings 1 and 2 stay fixed everywhere: no torn capture packet, no stale render audio.
    assert_eq!(c.torn, 0, "{who}: torn capture packets");
    assert_eq!(c.stale_seen, 0, "{who}: skipped packets played stale audio");
    match c.behaviour {
        Behaviour::Steady => {
            assert_eq!(c.torn, 0, "{who}");
            assert_eq!(c.stale_frames + c.stale_seen + c.silenced, 0, "{who}");
            assert_eq!(
                render.glitches() + capture.glitches(),
                0,
                "{who}: {render:?} {capture:?}"
            );
            assert_eq!(c.skipped, 0, "{who}");
        }
        Behaviour::StopsWriting => assert!(render.underrun_frames > 0, "{who}"),
        Behaviour::StallsAndSkips => {
            assert!(c.render.stalls > 0 && render.late_packets > 0, "{who}");
            assert!(render.underrun_frames > 0, "{who}");
        }
        Behaviour::WritesAhead => {
            assert!(
                render.overrun_packets > 0 && render.late_packets > 0,
                "{who}"
            );
            assert_eq!(render.underrun_frames, 0, "{who}");
        }
        Behaviour::ChangesState => assert!(c.pauses + c.restarts > 0, "{who}"),
        Behaviour::CaptureStalls => {
            assert!(capture.overflow_packets > 0, "{who}");
            assert!(
                capture.missed_notifications > 0,
                "{who}: late timers had no effect"
            );
        }
    }
}

/// The run's figures and per-cable table, on stdout.
pub fn print(f: &Figures) {
    println!(
        "soak ({}): {} cables ({} streams), one SimPlatform, seed {:#x}, lateness {LATENESS:?}",
        f.framework,
        f.reports.len(),
        f.reports.len() * 2,
        f.seed
    );
    println!(
        "simulated {:.0} s in {:.1} s wall ({:.0}x real time); {} timer expiries, {} notifications, {} event signals",
        f.simulated_s,
        f.wall_s,
        f.simulated_s / f.wall_s,
        f.expiries,
        f.notifications,
        f.signals
    );
    println!(
        "memory: simulated non-paged peak {:.1} MiB; process peak RSS {}",
        f.peak_pool_bytes as f64 / 1_048_576.0,
        peak_rss_kib().map_or_else(|| "n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    println!(
        "{:>5} {:<15} {:>9} {:>7} {:>9} {:>6} {:>7} {:>9} {:>7} {:>8} {:>7} {:>8} {:>11} {:>5} {:>5} {:>6}",
        "cable",
        "behaviour",
        "r.notif",
        "r.miss",
        "underrun",
        "late",
        "overrun",
        "c.notif",
        "c.miss",
        "overflow",
        "dropped",
        "glitches",
        "compared",
        "bad",
        "torn",
        "stale"
    );
    for r in &f.reports {
        println!(
            "{:>5} {:<15} {:>9} {:>7} {:>9} {:>6} {:>7} {:>9} {:>7} {:>8} {:>7} {:>8} {:>11} {:>5} {:>5} {:>6}",
            r.cable,
            format!("{:?}", r.behaviour),
            r.render.notifications,
            r.render.missed_notifications,
            r.render.underrun_frames,
            r.render.late_packets,
            r.render.overrun_packets,
            r.capture.notifications,
            r.capture.missed_notifications,
            r.capture.overflow_packets,
            r.render.dropped_frames + r.capture.dropped_frames,
            r.render.glitches() + r.capture.glitches(),
            r.compared,
            r.mismatched,
            r.torn,
            r.stale
        );
    }
}
