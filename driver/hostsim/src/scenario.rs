//! The loopback scenario, run against any framework's driver.
//!
//! A render client plays the known signal and a capture client records, both behaving like
//! event-driven WASAPI clients: they pre-fill (render) before RUN, then on every notification
//! ask for the position and move whole packets — in packet mode through SetWritePacket /
//! GetReadPacket, otherwise by position alone. The same scenario runs against the engine
//! directly, the PortCls miniport through its vtables and the ACX adapter through its
//! callbacks, and records enough (audio, notification times, positions) to prove the three
//! identical.

use cadenza_engine::format::Format;
use cadenza_engine::geometry::BufferGeometry;
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::{CounterFrequency, Ticks};

use crate::platform::{Lateness, SimPlatform};
use crate::signal::{Check, check_loopback, render_frames};

/// The client's view of a stream buffer: where it is mapped and how it is laid out.
#[derive(Clone, Copy, Debug)]
pub struct ClientBuffer {
    pub ptr: *mut u8,
    pub span: usize,
    pub geometry: BufferGeometry,
}

impl ClientBuffer {
    /// The bytes of packet slot `packet % packets`.
    fn packet_slice(&mut self, packet: u64) -> &mut [u8] {
        let g = &self.geometry;
        let slot = (packet % u64::from(g.packets().get())) as usize;
        let start = slot * g.stride() as usize;
        let len = g.packet_bytes() as usize;
        assert!(start + len <= self.span, "packet outside the client buffer");
        // SAFETY: `start + len <= span` (asserted above) keeps the pointer in the mapping.
        let first = unsafe { self.ptr.add(start) };
        // SAFETY: the driver under test keeps `ptr..ptr+span` mapped while the stream
        // exists, and the simulation is single-threaded, so no other reference to these
        // bytes is live while the client uses this slice.
        unsafe { std::slice::from_raw_parts_mut(first, len) }
    }
}

impl ClientBuffer {
    /// The bytes of each contiguous run holding linear frames `first..first + count`.
    fn frame_runs(&mut self, first: u64, count: u32) -> Vec<(u64, &mut [u8])> {
        let block = self.geometry.block_align() as usize;
        let mut out = Vec::new();
        for r in self.geometry.ranges(first, count) {
            let (start, len) = (r.offset as usize, r.frames as usize * block);
            assert!(start + len <= self.span, "frames outside the client buffer");
            // SAFETY: in range (asserted), mapped while the stream exists, and the runs of one
            // call never overlap (distinct frames of one buffer pass).
            let first_byte = unsafe { self.ptr.add(start) };
            // SAFETY: as above; no other reference to these bytes is live during the call.
            out.push((r.first_frame, unsafe {
                std::slice::from_raw_parts_mut(first_byte, len)
            }));
        }
        out
    }
}

/// One framework's driver, as the scenario sees it: the calls an audio client's requests
/// turn into, plus the notifications it receives.
pub trait DriverUnderTest {
    /// "engine", "portcls" or "acx".
    fn framework(&self) -> &'static str;
    /// Whether each notification signals the client's event through the platform (engine,
    /// PortCls), so signals and notifications must agree one to one. ACX reports a completed
    /// packet to the framework instead (AcxRtStreamNotifyPacketComplete) and says `false`.
    fn notifies_by_event(&self) -> bool {
        true
    }
    fn platform(&self) -> &SimPlatform;
    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus>;
    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus>;
    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus>;
    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus>;
    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus>;
    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus>;
    /// Counter values of the notifications delivered for `direction` since the last call.
    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks>;
    fn stats(&mut self, direction: Direction) -> Option<StreamStats>;
    /// Frees the buffer and destroys the stream.
    fn close(&mut self, direction: Direction) -> Result<(), NtStatus>;
}

/// What to run.
#[derive(Clone, Debug)]
pub struct LoopbackConfig {
    pub render: Format,
    pub capture: Format,
    /// Packet (notification period) length in microseconds.
    pub period_us: u32,
    /// Packets per buffer (NotificationCount): 1 or 2.
    pub packets: u32,
    /// Simulated run length in counter ticks, from the render start.
    pub duration_ticks: u64,
    /// Use SetWritePacket / GetReadPacket.
    pub packet_mode: bool,
    pub lateness: Lateness,
    /// Render starts this many ticks after capture.
    pub render_delay_ticks: u64,
    /// The render client stops writing after this many packets (misbehaving-client tests).
    pub render_stops_after: Option<u64>,
}

impl LoopbackConfig {
    /// The default job: 48 kHz stereo float both sides, 10 ms packets, two per buffer,
    /// packet mode, 10 simulated seconds, on-time timers.
    pub fn default_for(freq: CounterFrequency) -> LoopbackConfig {
        LoopbackConfig {
            render: Format::DEFAULT,
            capture: Format::DEFAULT,
            period_us: 10_000,
            packets: 2,
            duration_ticks: 10 * freq.hz(),
            packet_mode: true,
            lateness: Lateness::OnTime,
            render_delay_ticks: freq.hz() / 1000 * 3 + 1_234,
            render_stops_after: None,
        }
    }

    /// The buffer a client requests: `packets` packets of the configured period.
    fn buffer_bytes(&self, format: &Format) -> u32 {
        self.packet_frames(format) * u32::from(format.block_align()) * self.packets
    }

    fn packet_frames(&self, format: &Format) -> u32 {
        u32::try_from(u64::from(format.rate().hz()) * u64::from(self.period_us) / 1_000_000)
            .unwrap_or(u32::MAX)
    }
}

/// One position observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionSample {
    pub at: Ticks,
    pub direction: Direction,
    pub frames: u64,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct LoopbackResult {
    pub framework: &'static str,
    pub config: LoopbackConfig,
    pub freq: CounterFrequency,
    /// Capture-format bytes, capture frame 0 first.
    pub captured: Vec<u8>,
    /// Render frames the client wrote that were played.
    pub rendered_frames: u64,
    pub check: Check,
    pub render_stats: StreamStats,
    pub capture_stats: StreamStats,
    pub render_notifications: Vec<Ticks>,
    pub capture_notifications: Vec<Ticks>,
    pub positions: Vec<PositionSample>,
    /// Timer expiries over the whole run.
    pub timer_expiries: u64,
    /// Ticks from capture start to the end of the run.
    pub elapsed_ticks: u64,
    /// Final positions, and what exact arithmetic says they must be.
    pub final_render_frames: u64,
    pub final_capture_frames: u64,
    pub expected_render_frames: u64,
    pub expected_capture_frames: u64,
    /// Packets the render client could not write in time (it skipped them).
    pub client_skipped_packets: u64,
    /// Buffers allocated during the run and still allocated after every stream was closed.
    pub leaked_buffers: usize,
}

struct RenderClient {
    buffer: ClientBuffer,
    format: Format,
    next_packet: u64,
    written_frames: u64,
    skipped: u64,
    stops_after: Option<u64>,
}

impl RenderClient {
    fn write<D: DriverUnderTest + ?Sized>(
        &mut self,
        d: &mut D,
        packet_mode: bool,
        upto: u64,
    ) -> Result<(), NtStatus> {
        let g = self.buffer.geometry;
        let pf = u64::from(g.packet_frames());
        let count = u64::from(g.packets().get());
        while self.next_packet < upto + count {
            if self.stops_after.is_some_and(|n| self.next_packet >= n) {
                return Ok(());
            }
            let p = self.next_packet;
            render_frames(
                &self.format,
                p * pf,
                pf as usize,
                self.buffer.packet_slice(p),
            );
            if packet_mode {
                #[allow(clippy::cast_possible_truncation)] // the DDI's packet numbers are 32-bit
                match d.write_packet(p as u32, 0, 0) {
                    Ok(()) => {}
                    Err(NtStatus::DATA_LATE_ERROR) => self.skipped += 1,
                    Err(e) => return Err(e),
                }
            }
            self.written_frames = (p + 1) * pf;
            self.next_packet += 1;
        }
        Ok(())
    }

    /// Fills the whole buffer before RUN, as WASAPI does.
    fn prefill<D: DriverUnderTest + ?Sized>(
        &mut self,
        d: &mut D,
        packet_mode: bool,
    ) -> Result<(), NtStatus> {
        if packet_mode {
            self.write(d, true, 0)
        } else {
            self.write_by_position(0);
            Ok(())
        }
    }

    /// Position mode (a looped buffer, no packet calls): keep the buffer full up to one
    /// buffer ahead of the play position, frame by frame, as a timer-driven client does.
    fn write_by_position(&mut self, pos: u64) {
        let g = self.buffer.geometry;
        let limit = self
            .stops_after
            .map_or(u64::MAX, |n| n * u64::from(g.packet_frames()));
        if self.written_frames < pos {
            // Frames already played can no longer be written.
            self.skipped += (pos - self.written_frames).div_ceil(u64::from(g.packet_frames()));
            self.written_frames = pos;
        }
        let end = (pos + u64::from(g.frames())).min(limit.max(self.written_frames));
        let Ok(count) = u32::try_from(end.saturating_sub(self.written_frames)) else {
            return;
        };
        let format = self.format;
        for (first, bytes) in self.buffer.frame_runs(self.written_frames, count) {
            let frames = bytes.len() / usize::from(format.block_align());
            render_frames(&format, first, frames, bytes);
        }
        self.written_frames = end;
    }

    fn on_notification<D: DriverUnderTest + ?Sized>(
        &mut self,
        d: &mut D,
        packet_mode: bool,
    ) -> Result<u64, NtStatus> {
        let pf = u64::from(self.buffer.geometry.packet_frames());
        let pos = d.position(Direction::Render)?;
        if !packet_mode {
            self.write_by_position(pos.frames);
            return Ok(pos.frames);
        }
        let playing = pos.frames / pf;
        // Packets at or before the one playing can no longer be written: skip them.
        if self.next_packet <= playing {
            self.skipped += playing + 1 - self.next_packet;
            self.next_packet = playing + 1;
        }
        self.write(d, packet_mode, playing)?;
        Ok(pos.frames)
    }
}

struct CaptureClient {
    buffer: ClientBuffer,
    captured: Vec<u8>,
    next_packet: u64,
    /// Position mode: frames read so far.
    read_frames: u64,
}

impl CaptureClient {
    fn store(&mut self, packet: u64) {
        let g = self.buffer.geometry;
        let bytes = g.packet_bytes() as usize;
        let at = packet as usize * bytes;
        if self.captured.len() < at + bytes {
            self.captured.resize(at + bytes, 0);
        }
        let src = self.buffer.packet_slice(packet);
        self.captured[at..at + bytes].copy_from_slice(src);
    }

    fn on_notification<D: DriverUnderTest + ?Sized>(
        &mut self,
        d: &mut D,
        packet_mode: bool,
    ) -> Result<u64, NtStatus> {
        let g = self.buffer.geometry;
        if packet_mode {
            loop {
                match d.read_packet() {
                    Ok(p) => {
                        let linear = expand(p.number, self.next_packet);
                        self.store(linear);
                        self.next_packet = linear + 1;
                        if !p.more_data {
                            break;
                        }
                    }
                    Err(NtStatus::DEVICE_NOT_READY) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(d.position(Direction::Capture)?.frames)
        } else {
            // Position mode: read every frame recorded since the last look (at most the last
            // buffer's worth: older frames have been overwritten).
            let pos = d.position(Direction::Capture)?.frames;
            let from = self
                .read_frames
                .max(pos.saturating_sub(u64::from(g.frames())));
            let count = u32::try_from(pos.saturating_sub(from)).unwrap_or(0);
            let block = usize::from(g.block_align());
            let end = pos as usize * block;
            if self.captured.len() < end {
                self.captured.resize(end, 0);
            }
            for (first, bytes) in self.buffer.frame_runs(from, count) {
                let at = first as usize * block;
                self.captured[at..at + bytes.len()].copy_from_slice(bytes);
            }
            self.read_frames = pos;
            Ok(pos)
        }
    }
}

fn expand(number: u32, reference: u64) -> u64 {
    let low = reference as u32;
    #[allow(clippy::cast_possible_wrap)]
    let delta = number.wrapping_sub(low) as i32;
    reference.saturating_add_signed(i64::from(delta))
}

fn step_to<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    direction: Direction,
    target: KsState,
    from: KsState,
) -> Result<(), NtStatus> {
    let mut s = from;
    while s != target {
        s = s.step_towards(target);
        d.set_state(direction, s)?;
    }
    Ok(())
}

/// What the clients saw, in order.
#[derive(Default)]
struct Records {
    positions: Vec<PositionSample>,
    render_notes: Vec<Ticks>,
    capture_notes: Vec<Ticks>,
}

/// Lets each client react to the notifications it received since the last timer expiry.
fn deliver_notifications<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    render: &mut RenderClient,
    capture: &mut CaptureClient,
    packet_mode: bool,
    records: &mut Records,
) -> Result<(), NtStatus> {
    let now = d.platform().now();
    for t in d.take_notifications(Direction::Render) {
        records.render_notes.push(t);
        let frames = render.on_notification(d, packet_mode)?;
        records.positions.push(PositionSample {
            at: now,
            direction: Direction::Render,
            frames,
        });
    }
    for t in d.take_notifications(Direction::Capture) {
        records.capture_notes.push(t);
        let frames = capture.on_notification(d, packet_mode)?;
        records.positions.push(PositionSample {
            at: now,
            direction: Direction::Capture,
            frames,
        });
    }
    Ok(())
}

/// Stops both streams and destroys them, as a client closing its audio clients does.
fn shut_down<D: DriverUnderTest + ?Sized>(d: &mut D) -> Result<(), NtStatus> {
    for direction in [Direction::Render, Direction::Capture] {
        step_to(d, direction, KsState::Stop, KsState::Run)?;
        d.close(direction)?;
    }
    Ok(())
}

/// Runs the loopback scenario on `d`. `progress` is called with the fraction done.
pub fn run_loopback<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    config: &LoopbackConfig,
    progress: &mut dyn FnMut(f64),
) -> Result<LoopbackResult, NtStatus> {
    let platform = d.platform().clone();
    platform.set_lateness(config.lateness.clone());
    let freq = platform.frequency();
    let live_before = platform.live_allocations().0;

    d.open(Direction::Capture, &config.capture)?;
    d.open(Direction::Render, &config.render)?;
    let cbuf = d.allocate(
        Direction::Capture,
        config.buffer_bytes(&config.capture),
        config.packets,
    )?;
    let rbuf = d.allocate(
        Direction::Render,
        config.buffer_bytes(&config.render),
        config.packets,
    )?;

    let mut render = RenderClient {
        buffer: rbuf,
        format: config.render,
        next_packet: 0,
        written_frames: 0,
        skipped: 0,
        stops_after: config.render_stops_after,
    };
    let mut capture = CaptureClient {
        buffer: cbuf,
        captured: Vec::new(),
        next_packet: 0,
        read_frames: 0,
    };
    let mut records = Records::default();

    let start = platform.now();
    let expiries_before = platform.expiries();
    step_to(d, Direction::Capture, KsState::Run, KsState::Stop)?;
    step_to(d, Direction::Render, KsState::Pause, KsState::Stop)?;
    // Pre-fill the whole buffer before RUN, as WASAPI does.
    render.prefill(d, config.packet_mode)?;

    let render_start = Ticks(start.0 + config.render_delay_ticks);
    let end = Ticks(render_start.0 + config.duration_ticks);
    let mut render_started = false;
    let mut last_progress = 0.0;
    loop {
        let limit = if render_started { end } else { render_start };
        let fired = platform.fire_next(limit);
        if fired.is_none() {
            if render_started {
                break;
            }
            step_to(d, Direction::Render, KsState::Run, KsState::Pause)?;
            render_started = true;
            continue;
        }
        deliver_notifications(
            d,
            &mut render,
            &mut capture,
            config.packet_mode,
            &mut records,
        )?;
        let done = platform.now().since(start) as f64 / end.since(start).max(1) as f64;
        if done - last_progress >= 0.01 {
            last_progress = done;
            progress(done);
        }
    }
    progress(1.0);

    let final_render = d.position(Direction::Render)?.frames;
    let final_capture = d.position(Direction::Capture)?.frames;
    let elapsed = platform.now().since(start);
    let render_stats = d.stats(Direction::Render).unwrap_or_default();
    let capture_stats = d.stats(Direction::Capture).unwrap_or_default();
    shut_down(d)?;

    let rendered_frames = render.written_frames.min(final_render);
    let check = check_loopback(
        &config.render,
        &config.capture,
        rendered_frames,
        &capture.captured,
    );
    let exact = |ticks: u64, rate: u32| cadenza_engine::time::ticks_to_frames(ticks, rate, freq);
    Ok(LoopbackResult {
        framework: d.framework(),
        config: config.clone(),
        freq,
        captured: capture.captured,
        rendered_frames,
        check,
        render_stats,
        capture_stats,
        render_notifications: records.render_notes,
        capture_notifications: records.capture_notes,
        positions: records.positions,
        timer_expiries: platform.expiries() - expiries_before,
        elapsed_ticks: elapsed,
        final_render_frames: final_render,
        final_capture_frames: final_capture,
        expected_render_frames: exact(end.since(render_start), config.render.rate().hz()),
        expected_capture_frames: exact(elapsed, config.capture.rate().hz()),
        client_skipped_packets: render.skipped,
        leaked_buffers: platform.live_allocations().0.saturating_sub(live_before),
    })
}
