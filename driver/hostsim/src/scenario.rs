//! The loopback scenario, run against any framework's driver.
//!
//! A render client plays the known signal and a capture client records, both behaving like
//! event-driven WASAPI clients: they pre-fill (render) before RUN, then on every notification
//! ask for the position and move whole packets — in packet mode through SetWritePacket /
//! GetReadPacket, otherwise by position alone. The same scenario runs against the engine
//! directly, the PortCls miniport through its vtables and the ACX adapter through its
//! callbacks, and records enough (audio, notification times, positions) to prove the three
//! identical.

use cadenza_engine::device::Presence;
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
            // SAFETY: `first_byte..first_byte+len` is inside the mapping (asserted), which the
            // driver keeps mapped while the stream exists; the runs of one call are distinct
            // frames, so no other reference to these bytes is live during the call.
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
    /// Whether the device has an endpoint in `direction` (a tone source has no render
    /// endpoint, a null sink no capture endpoint).
    fn has_endpoint(&self, _direction: Direction) -> bool {
        true
    }
    /// What the driver told the framework about the endpoint pair (friendly name, packet-size
    /// constraints), as the framework recorded it.
    fn published(&self) -> Published;
    /// The device leaves D0 / returns to D0 / is surprise-removed, as the framework reports it
    /// to the driver (PortCls: IAdapterPowerManagement::PowerChangeState and
    /// IRP_MN_SURPRISE_REMOVAL; ACX: EvtDeviceD0Exit / D0Entry, EvtDeviceSurpriseRemoval).
    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus>;
    /// Render packets completed since STOP, as a client learns it through the framework
    /// (PortCls: GetPacketCount; ACX: GetCurrentPacket; the engine: the host), in the DDIs'
    /// 32 bits.
    fn render_packet_count(&mut self) -> Result<u32, NtStatus>;
    /// The render stream's presentation position through the framework (PortCls:
    /// GetOutputStreamPresentationPosition; ACX: GetPresentationPosition): frames and the
    /// counter value they were presented at.
    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus>;
    /// The contract breaks the framework's simulator saw (a simulator checks every answer it
    /// gets against the DDI's contract and its own model); empty for a correct driver.
    fn violations(&self) -> Vec<String> {
        Vec::new()
    }
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

/// What a driver published for its endpoint pair, as the framework stored it: each
/// device-interface property (format id, property id, `DEVPROP_TYPE_*`, value bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    pub properties: Vec<(cadenza_engine::Guid, u32, u32, Vec<u8>)>,
}

impl Published {
    /// Records what a driver sets from `properties` (the host's
    /// [`EndpointFacts::properties`](cadenza_engine::host::EndpointFacts::properties)).
    pub fn record(properties: &[cadenza_engine::host::InterfaceProperty<'_>]) -> Published {
        Published {
            properties: properties
                .iter()
                .map(|p| (p.key, p.pid, p.devprop_type, p.bytes.to_vec()))
                .collect(),
        }
    }

    /// The value of the property `key`, if published.
    pub fn value(&self, key: cadenza_engine::Guid) -> Option<&[u8]> {
        self.properties
            .iter()
            .find(|p| p.0 == key)
            .map(|p| p.3.as_slice())
    }

    /// The friendly name as text (without its NUL), if published.
    pub fn name(&self) -> Option<String> {
        let bytes = self.value(cadenza_engine::host::DEVPKEY_DEVICEINTERFACE_FRIENDLYNAME)?;
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0)
            .collect();
        Some(String::from_utf16_lossy(&units))
    }

    /// The packet-size constraints' `MinPacketPeriodInHns`, if published.
    pub fn min_packet_period_hns(&self) -> Option<u32> {
        let b = self.value(cadenza_engine::host::DEVPKEY_KSAUDIO_PACKETSIZE_CONSTRAINTS2)?;
        Some(u32::from_le_bytes(b.get(0..4)?.try_into().ok()?))
    }
}

/// A presence change during a run, at a time from the render start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresenceEvent {
    pub after_render_start_ticks: u64,
    pub presence: Presence,
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
    /// Power changes and removal during the run, in time order. After a return to D0 the
    /// clients restart their streams (PAUSE → RUN), as the audio engine does; after removal
    /// they only shut down.
    pub presence_events: Vec<PresenceEvent>,
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
            presence_events: Vec::new(),
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
    /// At each render notification, what the render client learned through the framework
    /// besides the position: the completed packet count and the presentation position.
    pub render_client_view: Vec<(u32, u64, Ticks)>,
    /// The framework simulator's contract violations over the whole run.
    pub violations: Vec<String>,
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
            // At most one read per packet slot (plus the one that finds nothing): a driver that
            // keeps saying "more data" must fail the run, not hang it.
            let mut reads = 0u32;
            loop {
                reads += 1;
                assert!(
                    reads <= g.packets().get() + 2,
                    "capture: GetReadPacket said MoreData {reads} times in a row on a {}-packet \
                     buffer (packet {}): the driver is stuck",
                    g.packets().get(),
                    self.next_packet
                );
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
    render_view: Vec<(u32, u64, Ticks)>,
}

/// Lets each client react to the notifications it received since the last timer expiry.
fn deliver_notifications<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    render: &mut Option<RenderClient>,
    capture: &mut Option<CaptureClient>,
    packet_mode: bool,
    records: &mut Records,
) -> Result<(), NtStatus> {
    let now = d.platform().now();
    if let Some(render) = render.as_mut() {
        for t in d.take_notifications(Direction::Render) {
            records.render_notes.push(t);
            let frames = render.on_notification(d, packet_mode)?;
            let packets = d.render_packet_count()?;
            let (presented, at) = d.render_presentation()?;
            records.render_view.push((packets, presented, at));
            records.positions.push(PositionSample {
                at: now,
                direction: Direction::Render,
                frames,
            });
        }
    }
    if let Some(capture) = capture.as_mut() {
        for t in d.take_notifications(Direction::Capture) {
            records.capture_notes.push(t);
            let frames = capture.on_notification(d, packet_mode)?;
            records.positions.push(PositionSample {
                at: now,
                direction: Direction::Capture,
                frames,
            });
        }
    }
    Ok(())
}

/// Stops the open streams and destroys them, as a client closing its audio clients does.
fn shut_down<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    open: &[Direction],
    from: KsState,
) -> Result<(), NtStatus> {
    for &direction in open {
        step_to(d, direction, KsState::Stop, from)?;
        d.close(direction)?;
    }
    Ok(())
}

/// Frames a stream that ran over `intervals` (start, end ticks) has played: each running
/// stretch adds the exact frames of its own length (a paused stream resumes where it was).
fn exact_frames(intervals: &[(u64, u64)], rate: u32, freq: CounterFrequency) -> u64 {
    intervals
        .iter()
        .map(|&(a, b)| cadenza_engine::time::ticks_to_frames(b.saturating_sub(a), rate, freq))
        .sum()
}

/// Running stretches `(start, end)` of each stream, in counter ticks (`end` is `u64::MAX`
/// while running), for the exact expected positions.
#[derive(Default)]
struct Runs {
    render: Vec<(u64, u64)>,
    capture: Vec<(u64, u64)>,
}

impl Runs {
    fn start(list: &mut Vec<(u64, u64)>, now: u64) {
        list.push((now, u64::MAX));
    }

    fn stop_all(&mut self, now: u64) {
        for list in [&mut self.render, &mut self.capture] {
            if let Some(last) = list.last_mut()
                && last.1 == u64::MAX
            {
                last.1 = now;
            }
        }
    }
}

/// Opens, allocates and prepares the clients of the endpoints the device has.
fn open_clients<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    config: &LoopbackConfig,
) -> Result<(Option<RenderClient>, Option<CaptureClient>), NtStatus> {
    let mut capture = None;
    if d.has_endpoint(Direction::Capture) {
        d.open(Direction::Capture, &config.capture)?;
        let buffer = d.allocate(
            Direction::Capture,
            config.buffer_bytes(&config.capture),
            config.packets,
        )?;
        capture = Some(CaptureClient {
            buffer,
            captured: Vec::new(),
            next_packet: 0,
            read_frames: 0,
        });
    }
    let mut render = None;
    if d.has_endpoint(Direction::Render) {
        d.open(Direction::Render, &config.render)?;
        let buffer = d.allocate(
            Direction::Render,
            config.buffer_bytes(&config.render),
            config.packets,
        )?;
        render = Some(RenderClient {
            buffer,
            format: config.render,
            next_packet: 0,
            written_frames: 0,
            skipped: 0,
            stops_after: config.render_stops_after,
        });
    }
    Ok((render, capture))
}

/// The positions a client can still read (0 for a missing endpoint).
fn final_positions<D: DriverUnderTest + ?Sized>(d: &mut D) -> Result<(u64, u64), NtStatus> {
    let mut at = |dir: Direction| -> Result<u64, NtStatus> {
        if d.has_endpoint(dir) {
            Ok(d.position(dir)?.frames)
        } else {
            Ok(0)
        }
    };
    Ok((at(Direction::Render)?, at(Direction::Capture)?))
}

/// What delivering a presence event did.
enum AfterEvent {
    /// The run goes on (`running`: the streams run).
    Continue { running: bool },
    /// The device was removed; the positions frozen at removal.
    Removed((u64, u64)),
}

/// Delivers `presence` to the driver at the current time, as the framework reports it, and
/// restarts the streams after a return to D0, as the audio engine does.
fn deliver_presence<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    presence: Presence,
    running: bool,
    open: &[Direction],
    runs: &mut Runs,
) -> Result<AfterEvent, NtStatus> {
    let now = d.platform().now().0;
    match presence {
        Presence::Present if !running => {
            d.set_presence(Presence::Present)?;
            // Capture first, as at the start.
            for dir in [Direction::Capture, Direction::Render] {
                if open.contains(&dir) {
                    d.set_state(dir, KsState::Run)?;
                }
            }
            Runs::start(&mut runs.render, now);
            Runs::start(&mut runs.capture, now);
            Ok(AfterEvent::Continue { running: true })
        }
        Presence::Present => Ok(AfterEvent::Continue { running }),
        Presence::PoweredDown => {
            d.set_presence(presence)?;
            runs.stop_all(now);
            Ok(AfterEvent::Continue { running: false })
        }
        Presence::Removed => {
            // What the clients saw last: removal freezes the streams here.
            let frozen = final_positions(d)?;
            d.set_presence(presence)?;
            runs.stop_all(now);
            Ok(AfterEvent::Removed(frozen))
        }
    }
}

/// The clients and what they recorded, while the scenario runs.
struct RunState {
    render: Option<RenderClient>,
    capture: Option<CaptureClient>,
    records: Records,
    runs: Runs,
    /// The streams run (false while the device is out of D0 or removed).
    running: bool,
    /// The positions frozen at removal, if the device was removed.
    removed_at: Option<(u64, u64)>,
}

/// Runs timers and delivers notifications and presence events until `end` (or removal).
fn drive<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    config: &LoopbackConfig,
    st: &mut RunState,
    (start, render_start, end): (Ticks, Ticks, Ticks),
    progress: &mut dyn FnMut(f64),
) -> Result<(), NtStatus> {
    let platform = d.platform().clone();
    let open: Vec<Direction> = [Direction::Render, Direction::Capture]
        .into_iter()
        .filter(|&dir| d.has_endpoint(dir))
        .collect();
    let mut events = config.presence_events.iter().peekable();
    let mut render_started = st.render.is_none();
    let mut last_progress = 0.0;
    // Timer expiries at one instant: a driver that re-arms for "now" forever would never let
    // time pass. Far more than two streams can need; the run fails naming the instant.
    let mut same_instant = (Ticks(0), 0u32);
    loop {
        let next_event = events
            .peek()
            .map(|e| Ticks(render_start.0.saturating_add(e.after_render_start_ticks)));
        let mut limit = if render_started { end } else { render_start };
        if let Some(at) = next_event.filter(|_| render_started) {
            limit = Ticks(limit.0.min(at.0));
        }
        if platform.fire_next(limit).is_none() {
            if !render_started {
                step_to(d, Direction::Render, KsState::Run, KsState::Pause)?;
                Runs::start(&mut st.runs.render, platform.now().0);
                render_started = true;
                continue;
            }
            let Some(event) = events.next_if(|_| next_event.is_some_and(|at| at <= end)) else {
                return Ok(());
            };
            platform.advance_to(limit);
            match deliver_presence(d, event.presence, st.running, &open, &mut st.runs)? {
                AfterEvent::Continue { running } => st.running = running,
                AfterEvent::Removed(frozen) => {
                    st.running = false;
                    st.removed_at = Some(frozen);
                    return Ok(());
                }
            }
            continue;
        }
        let now = platform.now();
        same_instant = if same_instant.0 == now {
            (now, same_instant.1 + 1)
        } else {
            (now, 1)
        };
        assert!(
            same_instant.1 <= 1_000,
            "{} timer expiries at counter value {} without time passing (render {:?}, capture \
             {:?}): the driver re-arms its timer for the past",
            same_instant.1,
            now.0,
            d.stats(Direction::Render),
            d.stats(Direction::Capture)
        );
        deliver_notifications(
            d,
            &mut st.render,
            &mut st.capture,
            config.packet_mode,
            &mut st.records,
        )?;
        let done = platform.now().since(start) as f64 / end.since(start).max(1) as f64;
        if done - last_progress >= 0.01 {
            last_progress = done;
            progress(done);
        }
    }
}

/// Runs the loopback scenario on `d`. `progress` is called with the fraction done.
///
/// The clients use the endpoints the device has: both for a cable, capture only for a tone
/// source, render only for a null sink. Presence events are delivered at their times; after
/// a return to D0 the clients restart their streams, after removal they shut them down and
/// the run ends there (positions are then the ones frozen at removal).
pub fn run_loopback<D: DriverUnderTest + ?Sized>(
    d: &mut D,
    config: &LoopbackConfig,
    progress: &mut dyn FnMut(f64),
) -> Result<LoopbackResult, NtStatus> {
    let platform = d.platform().clone();
    platform.set_lateness(config.lateness.clone());
    let freq = platform.frequency();
    let live_before = platform.live_allocations().0;
    let (render, capture) = open_clients(d, config)?;
    let mut st = RunState {
        render,
        capture,
        records: Records::default(),
        runs: Runs::default(),
        running: true,
        removed_at: None,
    };

    let start = platform.now();
    let expiries_before = platform.expiries();
    if st.capture.is_some() {
        step_to(d, Direction::Capture, KsState::Run, KsState::Stop)?;
        Runs::start(&mut st.runs.capture, start.0);
    }
    if let Some(r) = st.render.as_mut() {
        step_to(d, Direction::Render, KsState::Pause, KsState::Stop)?;
        // Pre-fill the whole buffer before RUN, as WASAPI does.
        r.prefill(d, config.packet_mode)?;
    }
    let render_start = Ticks(start.0 + config.render_delay_ticks);
    let end = Ticks(render_start.0 + config.duration_ticks);
    drive(d, config, &mut st, (start, render_start, end), progress)?;
    progress(1.0);

    st.runs.stop_all(platform.now().0);
    let (final_render, final_capture) = match st.removed_at {
        Some(frozen) => frozen,
        None => final_positions(d)?,
    };
    let elapsed = platform.now().since(start);
    let render_stats = d.stats(Direction::Render).unwrap_or_default();
    let capture_stats = d.stats(Direction::Capture).unwrap_or_default();
    let open: Vec<Direction> = [Direction::Render, Direction::Capture]
        .into_iter()
        .filter(|&dir| d.has_endpoint(dir))
        .collect();
    let from = if st.running {
        KsState::Run
    } else {
        KsState::Pause
    };
    shut_down(d, &open, from)?;

    let rendered_frames = st
        .render
        .as_ref()
        .map_or(0, |r| r.written_frames.min(final_render));
    let captured = st.capture.map(|c| c.captured).unwrap_or_default();
    let check = if open.len() == 2 {
        check_loopback(&config.render, &config.capture, rendered_frames, &captured)
    } else {
        Check::not_compared()
    };
    let expected =
        |runs: &[(u64, u64)], format: &Format| exact_frames(runs, format.rate().hz(), freq);
    Ok(LoopbackResult {
        framework: d.framework(),
        config: config.clone(),
        freq,
        captured,
        rendered_frames,
        check,
        render_stats,
        capture_stats,
        render_notifications: st.records.render_notes,
        capture_notifications: st.records.capture_notes,
        positions: st.records.positions,
        timer_expiries: platform.expiries() - expiries_before,
        elapsed_ticks: elapsed,
        final_render_frames: final_render,
        final_capture_frames: final_capture,
        expected_render_frames: expected(&st.runs.render, &config.render),
        expected_capture_frames: expected(&st.runs.capture, &config.capture),
        client_skipped_packets: st.render.as_ref().map_or(0, |r| r.skipped),
        leaked_buffers: platform.live_allocations().0.saturating_sub(live_before),
        render_client_view: st.records.render_view,
        violations: d.violations(),
    })
}
