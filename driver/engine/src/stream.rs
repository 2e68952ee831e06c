//! One audio stream (one pin instance): KS state, format, cyclic buffer, position,
//! notification deadlines, packet-mode rules and glitch accounting.
//!
//! `Stream` is a pure state machine: it never reads the clock or arms a timer itself. Every
//! call takes the counter value `now`, and calls that need a timer return the absolute
//! deadline to arm. That makes every behaviour reproducible in a test and leaves locking and
//! OS calls to the layer above (see [`crate::device`]).
//!
//! ## Notifications and the late-timer policy
//! Packet `k` (0-based) completes when the position reaches `(k + 1) × packet_frames`; its
//! deadline is the first counter value at which the clock shows that many frames, computed
//! from the run's start (never accumulated). The timer is armed for exactly one deadline at a
//! time, so a stream with 10 ms packets wakes 100 times a second, not 1000.
//!
//! When a wake-up comes late — after one or more *further* boundaries have passed — the
//! stream delivers **one** notification for the newest completed packet (stale ones would only
//! make a client process packets that are already being overwritten), counts each boundary
//! that got no notification of its own as a missed notification (a glitch), and arms the
//! next deadline that is still in the future.

use heapless::Vec;

use crate::clock::{Frames, PositionClock};
use crate::format::Format;
use crate::geometry::{BufferError, BufferGeometry};
use crate::level::{LevelMeter, Levels};
use crate::platform::{DmaBuffer, EventHandle};
use crate::state::{KsState, StateError, Transition};
use crate::status::NtStatus;
use crate::time::{CounterFrequency, Ticks, ticks_to_hns};
use crate::timebase::{HwPosition, Timebase};

/// Which way audio flows through a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client → device (a speaker endpoint).
    Render,
    /// Device → client (a microphone endpoint).
    Capture,
}

/// Most notification events one stream accepts. Windows registers one; a few more cost
/// nothing and tolerate a client that re-registers before unregistering.
pub const MAX_EVENTS: usize = 4;

/// `KSSTREAM_HEADER_OPTIONSF_ENDOFSTREAM`, the only flag SetWritePacket accepts.
pub const WRITE_PACKET_FLAG_EOS: u32 = 0x0000_0200;

/// Counters a user reads to know whether a stream is healthy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Timer wake-ups handled while running.
    pub wakeups: u64,
    /// Wake-ups that came before their deadline and were re-armed.
    pub early_wakeups: u64,
    /// Packet notifications delivered.
    pub notifications: u64,
    /// Packet boundaries that passed without a notification of their own (late timers).
    pub missed_notifications: u64,
    /// Largest lateness of a wake-up after its deadline, in counter ticks.
    pub max_lateness_ticks: u64,
    /// Sum of lateness over all wake-ups, in counter ticks (mean jitter = sum / wakeups).
    pub total_lateness_ticks: u64,
    /// Render, packet mode: frames played from packets the client never wrote (replaced by
    /// silence) — the client stopped writing or fell behind.
    pub underrun_frames: u64,
    /// Render, packet mode: SetWritePacket calls refused as late.
    pub late_packets: u64,
    /// Render, packet mode: SetWritePacket calls refused as too far ahead.
    pub overrun_packets: u64,
    /// Capture, packet mode: packets overwritten before the client read them.
    pub overflow_packets: u64,
    /// Frames the data path could not deliver intact (e.g. cable data lost to a late reader).
    pub dropped_frames: u64,
}

impl StreamStats {
    /// Discontinuities a listener could hear or a client could see.
    pub const fn glitches(&self) -> u64 {
        self.missed_notifications
            + self.late_packets
            + self.overrun_packets
            + self.overflow_packets
            + (self.underrun_frames > 0) as u64
            + (self.dropped_frames > 0) as u64
    }
}

/// A stream position as KSAUDIO_POSITION reports it, plus the linear frame count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Frames since the stream last left STOP (never wraps).
    pub frames: Frames,
    /// Byte offset of the play (render) or record (capture) position in the buffer.
    pub play_offset: u32,
    /// Byte offset up to which the DMA engine has moved data.
    pub write_offset: u32,
}

/// KSAUDIO_PRESENTATION_POSITION: a frame count and the counter value it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresentationPosition {
    pub frames: Frames,
    pub qpc: Ticks,
}

/// KSRTAUDIO_HWLATENCY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwLatency {
    /// Bytes buffered in the hardware FIFO.
    pub fifo_bytes: u32,
    /// Chipset delay in 100-ns units.
    pub chipset_delay_hns: u32,
    /// Codec delay in 100-ns units.
    pub codec_delay_hns: u32,
}

/// A packet completion to report: the packet index and the counter value of its boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketNotice {
    /// The 0-based packet that just completed (counted since the stream left STOP).
    pub packet: u64,
    /// The exact counter value at which it completed.
    pub qpc: Ticks,
}

/// What a timer wake-up produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TimerOutcome {
    /// The notification to deliver (signal the events / call packet-complete), if any.
    pub notice: Option<PacketNotice>,
    /// The deadline to arm next, if the stream still wants one.
    pub next_deadline: Option<Ticks>,
}

/// What a state change asks of the timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerRequest {
    /// Leave the timer as it is.
    None,
    /// Arm the timer for this deadline.
    Arm(Ticks),
    /// Cancel any pending expiry.
    Cancel,
}

/// A captured packet for GetReadPacket / GetCapturePacket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPacket {
    /// Packet number as the DDI reports it (the low 32 bits of the linear packet index).
    pub number: u32,
    /// The counter value at which the packet's first frame was sampled.
    pub qpc: Ticks,
    /// Whether another complete packet is already waiting.
    pub more_data: bool,
}

/// Why a stream call was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    State(StateError),
    Buffer(BufferError),
    /// The call is not allowed in the current state (e.g. SetFormat while running, RUN with
    /// no buffer, packet calls on a stream of the other direction).
    WrongState,
    /// The new format is not supported by this stream's pin or device.
    Format(crate::format::FormatError),
    /// The event is already registered.
    DuplicateEvent,
    /// The event is not registered.
    UnknownEvent,
    /// No room for another event.
    TooManyEvents,
    /// SetWritePacket: the packet is playing or has played.
    PacketLate,
    /// SetWritePacket: the packet is further ahead than the buffer holds.
    PacketOverrun,
    /// SetWritePacket after end of stream.
    AfterEndOfStream,
    /// SetWritePacket: unknown flags or an EOS length larger than a packet.
    InvalidPacketArgument,
    /// GetReadPacket: no new packet yet.
    NotReady,
    /// The device behind the stream is gone (surprise removal) or powered down.
    DeviceGone,
    /// The pin already has a stream open.
    Busy,
    /// The device is powered down.
    PoweredDown,
}

impl From<StreamError> for NtStatus {
    fn from(e: StreamError) -> NtStatus {
        match e {
            StreamError::State(s) => s.into(),
            StreamError::Buffer(b) => b.into(),
            StreamError::Format(f) => f.into(),
            StreamError::WrongState | StreamError::AfterEndOfStream => {
                NtStatus::INVALID_DEVICE_STATE
            }
            StreamError::DuplicateEvent => NtStatus::DUPLICATE_OBJECTID,
            StreamError::UnknownEvent => NtStatus::NOT_FOUND,
            StreamError::TooManyEvents => NtStatus::INSUFFICIENT_RESOURCES,
            StreamError::PacketLate => NtStatus::DATA_LATE_ERROR,
            StreamError::PacketOverrun => NtStatus::DATA_OVERRUN,
            StreamError::InvalidPacketArgument => NtStatus::INVALID_PARAMETER,
            StreamError::NotReady => NtStatus::DEVICE_NOT_READY,
            StreamError::DeviceGone => NtStatus::DEVICE_REMOVED,
            StreamError::Busy => NtStatus::DEVICE_BUSY,
            StreamError::PoweredDown => NtStatus::DEVICE_POWERED_OFF,
        }
    }
}

impl From<StateError> for StreamError {
    fn from(e: StateError) -> Self {
        StreamError::State(e)
    }
}

impl From<BufferError> for StreamError {
    fn from(e: BufferError) -> Self {
        StreamError::Buffer(e)
    }
}

/// The buffer a stream streams through: where it is and how it is laid out.
#[derive(Debug)]
pub struct AttachedBuffer {
    pub memory: DmaBuffer,
    pub geometry: BufferGeometry,
}

/// Render packet-mode bookkeeping (IMiniportWaveRTOutputStream / ACX SetRenderPacket).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RenderPackets {
    /// Set by the first SetWritePacket; until then the buffer is a classic looped buffer.
    active: bool,
    /// Which linear packet each buffer slot holds, as the client last wrote it (slot =
    /// packet % packets). A slot holds valid data for packet `p` only if `p` itself was
    /// written there: a packet the client skipped reads as missing, never as the stale
    /// audio left in its slot.
    slots: [Option<u64>; 2],
    /// Linear frame at which the data ends (end of stream), once announced. Only
    /// SetWritePacket announces it, and it sets `active` first: an end of stream implies
    /// packet mode (a looped buffer plays every frame, for ever).
    eos_frame: Option<Frames>,
}

/// Whether a run of render frames holds client data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderData {
    /// The client wrote these frames.
    Valid,
    /// Packet mode: the client has not written these frames (an underrun).
    Missing,
    /// After end of stream: silence by design.
    Ended,
}

/// One stream. See the module documentation.
#[derive(Debug)]
pub struct Stream {
    id: u32,
    direction: Direction,
    format: Format,
    state: KsState,
    buffer: Option<AttachedBuffer>,
    timebase: Timebase,
    /// Packet boundaries already notified (or passed before the run started).
    notified: u64,
    /// The deadline the timer is armed for, if any.
    armed: Option<Ticks>,
    events: Vec<EventHandle, MAX_EVENTS>,
    render_packets: RenderPackets,
    /// Capture packet mode: next linear packet GetReadPacket returns.
    next_read_packet: u64,
    /// Frames the data path has moved to/from the buffer (linear).
    transferred: Frames,
    latency: HwLatency,
    stats: StreamStats,
    /// Peak levels of the audio the data path moved (reset with the format and at STOP).
    level: LevelMeter,
}

impl Stream {
    /// A stream in KSSTATE_STOP with no buffer, timed by the counter.
    pub fn new_virtual(
        id: u32,
        direction: Direction,
        format: Format,
        freq: CounterFrequency,
    ) -> Stream {
        let clock = PositionClock::new(format.rate().hz(), freq);
        Self::with_timebase(id, direction, format, Timebase::Virtual(clock))
    }

    /// A stream in KSSTATE_STOP with no buffer, timed by a hardware position register.
    pub fn new_hardware(
        id: u32,
        direction: Direction,
        format: Format,
        freq: CounterFrequency,
    ) -> Stream {
        let hw = HwPosition {
            rate: format.rate().hz(),
            freq,
            frames: 0,
            at: Ticks::ZERO,
            running: false,
        };
        Self::with_timebase(id, direction, format, Timebase::Hardware(hw))
    }

    fn with_timebase(id: u32, direction: Direction, format: Format, timebase: Timebase) -> Stream {
        Stream {
            id,
            direction,
            format,
            state: KsState::Stop,
            buffer: None,
            timebase,
            notified: 0,
            armed: None,
            events: Vec::new(),
            render_packets: RenderPackets::default(),
            next_read_packet: 0,
            transferred: 0,
            latency: HwLatency {
                fifo_bytes: 0,
                chipset_delay_hns: 0,
                codec_delay_hns: 0,
            },
            stats: StreamStats::default(),
            level: LevelMeter::new(&format),
        }
    }

    pub const fn id(&self) -> u32 {
        self.id
    }
    pub const fn direction(&self) -> Direction {
        self.direction
    }
    pub const fn format(&self) -> &Format {
        &self.format
    }
    pub const fn state(&self) -> KsState {
        self.state
    }
    pub const fn stats(&self) -> &StreamStats {
        &self.stats
    }
    pub fn stats_mut(&mut self) -> &mut StreamStats {
        &mut self.stats
    }
    pub fn geometry(&self) -> Option<&BufferGeometry> {
        self.buffer.as_ref().map(|b| &b.geometry)
    }
    pub fn buffer(&self) -> Option<&AttachedBuffer> {
        self.buffer.as_ref()
    }
    pub fn buffer_mut(&mut self) -> Option<&mut AttachedBuffer> {
        self.buffer.as_mut()
    }
    /// The buffer to write and the meter to account what is written, borrowed together.
    pub fn buffer_and_meter_mut(&mut self) -> Option<(&mut AttachedBuffer, &mut LevelMeter)> {
        self.buffer.as_mut().map(|b| (b, &mut self.level))
    }
    /// The peak-level meter.
    pub fn level_meter(&self) -> &LevelMeter {
        &self.level
    }
    /// The peak-level meter the data path feeds.
    pub fn level_meter_mut(&mut self) -> &mut LevelMeter {
        &mut self.level
    }
    /// The last complete window of peak levels.
    pub fn levels(&self) -> &Levels {
        self.level.levels()
    }
    pub fn events(&self) -> &[EventHandle] {
        &self.events
    }
    pub const fn timebase(&self) -> &Timebase {
        &self.timebase
    }
    pub fn timebase_mut(&mut self) -> &mut Timebase {
        &mut self.timebase
    }
    pub const fn armed_deadline(&self) -> Option<Ticks> {
        self.armed
    }
    /// Frames the data path has moved so far.
    pub const fn transferred(&self) -> Frames {
        self.transferred
    }
    /// Records that the data path moved frames up to `to`.
    pub fn set_transferred(&mut self, to: Frames) {
        self.transferred = to;
    }
    /// Whether the render client uses packet mode (has called SetWritePacket).
    pub const fn in_packet_mode(&self) -> bool {
        self.render_packets.active
    }

    /// Sets the latency this stream reports (the device knows it).
    pub fn set_latency(&mut self, latency: HwLatency) {
        self.latency = latency;
    }
    pub const fn hw_latency(&self) -> HwLatency {
        self.latency
    }

    /// Linear position at `now`.
    #[inline]
    pub fn frames_at(&self, now: Ticks) -> Frames {
        self.timebase.frames_at(now)
    }

    /// SetFormat: allowed while not running. A buffer already attached stays; its geometry is
    /// for the old block size, so a format with another block size needs a new buffer, and
    /// is refused while one is attached.
    pub fn set_format(&mut self, format: Format) -> Result<(), StreamError> {
        if self.state == KsState::Run {
            return Err(StreamError::WrongState);
        }
        if self.buffer.is_some() && format.block_align() != self.format.block_align() {
            return Err(StreamError::WrongState);
        }
        self.format = format;
        self.timebase.set_rate(format.rate().hz());
        self.level = LevelMeter::new(&format);
        Ok(())
    }

    /// Attaches a planned and allocated buffer. Only without a buffer, and not while running.
    pub fn attach_buffer(
        &mut self,
        memory: DmaBuffer,
        geometry: BufferGeometry,
    ) -> Result<(), (StreamError, DmaBuffer)> {
        if self.buffer.is_some() || self.state == KsState::Run {
            return Err((StreamError::Buffer(BufferError::WrongBufferState), memory));
        }
        if geometry.block_align() != self.format.block_align()
            || memory.len() < geometry.span_bytes() as usize
        {
            return Err((StreamError::Buffer(BufferError::TooSmall), memory));
        }
        self.buffer = Some(AttachedBuffer { memory, geometry });
        Ok(())
    }

    /// Detaches the buffer so its owner can free it. Not while running.
    pub fn detach_buffer(&mut self) -> Result<DmaBuffer, StreamError> {
        if self.state == KsState::Run {
            return Err(StreamError::WrongState);
        }
        self.buffer
            .take()
            .map(|b| b.memory)
            .ok_or(StreamError::Buffer(BufferError::WrongBufferState))
    }

    /// One KS state step. Returns what the timer must do.
    pub fn set_state(&mut self, to: KsState, now: Ticks) -> Result<TimerRequest, StreamError> {
        let transition = self.state.check_transition(to)?;
        let request = match transition {
            Transition::Same
            | Transition::StopToAcquire
            | Transition::AcquireToPause
            | Transition::PauseToAcquire => TimerRequest::None,
            Transition::AcquireToStop => {
                // KSSTATE_STOP resets the position and every packet counter.
                self.timebase.reset();
                self.notified = 0;
                self.transferred = 0;
                self.render_packets = RenderPackets::default();
                self.next_read_packet = 0;
                self.armed = None;
                self.level = LevelMeter::new(&self.format);
                TimerRequest::None
            }
            Transition::PauseToRun => {
                let Some(geometry) = self.geometry().copied() else {
                    return Err(StreamError::WrongState);
                };
                self.timebase.start(now);
                let pos = self.timebase.frames_at(now);
                self.notified = geometry.packet_of_frame(pos);
                match self.next_deadline(&geometry) {
                    Some(d) if geometry.notify() && self.timebase.is_virtual() => {
                        self.armed = Some(d);
                        TimerRequest::Arm(d)
                    }
                    _ => TimerRequest::None,
                }
            }
            Transition::RunToPause => {
                // Positions already revealed (data moved) are a floor: see `pause_at_least`.
                self.timebase.pause(now, self.transferred);
                self.armed = None;
                TimerRequest::Cancel
            }
        };
        self.state = to;
        Ok(request)
    }

    fn next_deadline(&self, geometry: &BufferGeometry) -> Option<Ticks> {
        let frame = self
            .notified
            .checked_add(1)?
            .checked_mul(u64::from(geometry.packet_frames()))?;
        self.timebase.ticks_at(frame)
    }

    /// The timer fired at `now`. Applies the late-timer policy (module docs).
    pub fn on_timer(&mut self, now: Ticks) -> TimerOutcome {
        let Some(geometry) = self.geometry().copied() else {
            return TimerOutcome::default();
        };
        if self.state != KsState::Run || !geometry.notify() {
            self.armed = None;
            return TimerOutcome::default();
        }
        let Some(due) = self.next_deadline(&geometry) else {
            return TimerOutcome::default();
        };
        if now < due {
            // Early (or a stale expiry racing a re-arm): wait for the real deadline.
            self.stats.early_wakeups += 1;
            self.armed = Some(due);
            return TimerOutcome {
                notice: None,
                next_deadline: Some(due),
            };
        }
        self.stats.wakeups += 1;
        let lateness = now.since(due);
        self.stats.total_lateness_ticks = self.stats.total_lateness_ticks.saturating_add(lateness);
        self.stats.max_lateness_ticks = self.stats.max_lateness_ticks.max(lateness);

        let crossed = geometry.packet_of_frame(self.timebase.frames_at(now));
        // `now >= due` guarantees at least one new boundary; stay defensive all the same.
        let new = crossed.saturating_sub(self.notified).max(1);
        self.stats.missed_notifications += new - 1;
        self.notified = self.notified.saturating_add(new);
        self.stats.notifications += 1;
        let packet = self.notified - 1;
        let boundary = self
            .timebase
            .ticks_at(
                self.notified
                    .saturating_mul(u64::from(geometry.packet_frames())),
            )
            .unwrap_or(now);
        let next = self.next_deadline(&geometry);
        self.armed = next;
        TimerOutcome {
            notice: Some(PacketNotice {
                packet,
                qpc: boundary,
            }),
            next_deadline: next,
        }
    }

    /// A hardware interrupt reported that the DMA engine reached `frames`: the same
    /// notification policy as the timer, driven by position instead of a deadline.
    pub fn on_hw_position(&mut self, frames: Frames, now: Ticks) -> Option<PacketNotice> {
        self.timebase.observe(frames, now);
        let geometry = self.geometry().copied()?;
        if self.state != KsState::Run {
            return None;
        }
        let crossed = geometry.packet_of_frame(self.timebase.frames_at(now));
        if crossed <= self.notified {
            return None;
        }
        self.stats.wakeups += 1;
        self.stats.missed_notifications += crossed - self.notified - 1;
        self.notified = crossed;
        self.stats.notifications += 1;
        let qpc = self
            .timebase
            .ticks_at(crossed * u64::from(geometry.packet_frames()))
            .unwrap_or(now);
        Some(PacketNotice {
            packet: crossed - 1,
            qpc,
        })
    }

    /// GetPosition.
    pub fn position(&self, now: Ticks) -> Position {
        let frames = self.frames_at(now);
        let offset = self.geometry().map_or(0, |g| g.wrapped_offset(frames));
        Position {
            frames,
            play_offset: offset,
            write_offset: offset,
        }
    }

    /// GetPresentationPosition / GetOutputStreamPresentationPosition: the frames presented
    /// and the exact counter value at which that frame count was reached.
    pub fn presentation_position(&self, now: Ticks) -> PresentationPosition {
        let frames = self.frames_at(now);
        let qpc = if self.timebase.is_running() {
            self.timebase.ticks_at(frames).unwrap_or(now)
        } else {
            now
        };
        PresentationPosition { frames, qpc }
    }

    /// Packets completely transferred since the stream left STOP (GetPacketCount; ACX's
    /// current packet is the same number: the 0-based index of the packet in transfer).
    pub fn completed_packets(&self, now: Ticks) -> u64 {
        self.geometry()
            .map_or(0, |g| g.packet_of_frame(self.frames_at(now)))
    }

    /// RegisterNotificationEvent.
    pub fn register_event(&mut self, event: EventHandle) -> Result<(), StreamError> {
        if self.events.contains(&event) {
            return Err(StreamError::DuplicateEvent);
        }
        self.events
            .push(event)
            .map_err(|_| StreamError::TooManyEvents)
    }

    /// UnregisterNotificationEvent.
    pub fn unregister_event(&mut self, event: EventHandle) -> Result<(), StreamError> {
        let i = self
            .events
            .iter()
            .position(|e| *e == event)
            .ok_or(StreamError::UnknownEvent)?;
        self.events.swap_remove(i);
        Ok(())
    }

    /// SetWritePacket / SetRenderPacket. `number` is the DDI's 32-bit packet number.
    pub fn set_write_packet(
        &mut self,
        number: u32,
        flags: u32,
        eos_bytes: u32,
        now: Ticks,
    ) -> Result<(), StreamError> {
        if self.direction != Direction::Render {
            return Err(StreamError::WrongState);
        }
        let Some(geometry) = self.geometry().copied() else {
            return Err(StreamError::WrongState);
        };
        if self.render_packets.eos_frame.is_some() {
            return Err(StreamError::AfterEndOfStream);
        }
        if flags & !WRITE_PACKET_FLAG_EOS != 0 {
            return Err(StreamError::InvalidPacketArgument);
        }
        let eos = flags & WRITE_PACKET_FLAG_EOS != 0;
        if eos && eos_bytes > geometry.packet_bytes() {
            return Err(StreamError::InvalidPacketArgument);
        }
        let pos = self.frames_at(now);
        let playing = geometry.packet_of_frame(pos);
        // Before the first frame of a packet has played it is still writable.
        let started_playing =
            self.state == KsState::Run || !pos.is_multiple_of(u64::from(geometry.packet_frames()));
        let first_writable = if started_playing {
            playing + 1
        } else {
            playing
        };
        let n = expand_packet_number(number, first_writable);
        if n < first_writable {
            self.stats.late_packets += 1;
            return Err(StreamError::PacketLate);
        }
        // The buffer holds `packets` slots counted from the one playing (or about to play).
        if n >= playing + u64::from(geometry.packets().get()) {
            self.stats.overrun_packets += 1;
            return Err(StreamError::PacketOverrun);
        }
        self.render_packets.active = true;
        let slot = usize::try_from(n % u64::from(geometry.packets().get())).unwrap_or(0);
        if let Some(held) = self.render_packets.slots.get_mut(slot) {
            *held = Some(n);
        }
        if eos {
            let eos_frames = u64::from(eos_bytes / u32::from(geometry.block_align()));
            self.render_packets.eos_frame =
                Some(n * u64::from(geometry.packet_frames()) + eos_frames);
        }
        Ok(())
    }

    /// Whether every render frame holds client data: a looped buffer (no packet mode, so no
    /// end of stream either). [`Self::render_data`] then answers `Valid` for any run; the
    /// data path asks this first, without a call.
    #[inline]
    pub const fn plays_every_frame(&self) -> bool {
        !self.render_packets.active
    }

    /// Whether render frames starting at `frame` hold client data, and for how many frames
    /// (at most `max`) that answer holds.
    #[inline]
    pub fn render_data(&self, frame: Frames, max: u64) -> (RenderData, u64) {
        let rp = &self.render_packets;
        if !rp.active {
            // A looped buffer (which never has an end of stream).
            return (RenderData::Valid, max);
        }
        if let Some(eos) = rp.eos_frame
            && frame >= eos
        {
            return (RenderData::Ended, max);
        }
        let Some(g) = self.geometry() else {
            return (RenderData::Missing, max);
        };
        let pf = u64::from(g.packet_frames());
        let packet = frame / pf;
        // The answer holds to the end of this packet (or the end of stream, if sooner).
        let packet_end = (packet + 1) * pf;
        let run_end = rp.eos_frame.map_or(packet_end, |e| packet_end.min(e));
        let run = max.min(run_end - frame).max(1);
        let slot = usize::try_from(packet % u64::from(g.packets().get())).unwrap_or(0);
        if rp.slots.get(slot).copied().flatten() == Some(packet) {
            (RenderData::Valid, run)
        } else {
            (RenderData::Missing, run)
        }
    }

    /// GetReadPacket / GetCapturePacket: the oldest captured packet not yet read. When the
    /// client fell so far behind that packets were overwritten, the overwritten ones are
    /// skipped (counted as overflow) and the oldest intact one is returned.
    pub fn read_packet(&mut self, now: Ticks) -> Result<ReadPacket, StreamError> {
        if self.direction != Direction::Capture {
            return Err(StreamError::WrongState);
        }
        let Some(geometry) = self.geometry().copied() else {
            return Err(StreamError::WrongState);
        };
        let completed = geometry.packet_of_frame(self.frames_at(now));
        if self.next_read_packet >= completed {
            return Err(StreamError::NotReady);
        }
        // The packet in progress is overwriting the slot of the packet `packets` before it:
        // once it has begun (the position is past its first frame), that one is no longer
        // intact. Overflow overwrites the oldest data first.
        let pos = self.frames_at(now);
        let started = pos.div_ceil(u64::from(geometry.packet_frames()));
        let oldest_intact = started.saturating_sub(u64::from(geometry.packets().get()));
        if self.next_read_packet < oldest_intact {
            self.stats.overflow_packets += oldest_intact - self.next_read_packet;
            self.next_read_packet = oldest_intact;
        }
        let p = self.next_read_packet;
        self.next_read_packet += 1;
        let qpc = self
            .timebase
            .ticks_at(p * u64::from(geometry.packet_frames()))
            .unwrap_or(now);
        // The DDI's packet number is 32 bits and wraps; the low bits are the number.
        #[allow(clippy::cast_possible_truncation)]
        let number = p as u32;
        Ok(ReadPacket {
            number,
            qpc,
            more_data: self.next_read_packet < completed,
        })
    }

    /// KSRTAUDIO_HWLATENCY for a virtual device delaying `delay_frames`.
    pub fn latency_for_delay(
        format: &Format,
        delay_frames: u32,
        freq: CounterFrequency,
    ) -> HwLatency {
        let ticks =
            crate::time::frames_to_ticks_ceil(u64::from(delay_frames), format.rate().hz(), freq);
        let hns = u32::try_from(ticks_to_hns(ticks, freq)).unwrap_or(u32::MAX);
        HwLatency {
            fifo_bytes: 0,
            chipset_delay_hns: 0,
            codec_delay_hns: hns,
        }
    }
}

/// Turns a wrapping 32-bit packet number into the linear packet nearest `reference`.
fn expand_packet_number(number: u32, reference: u64) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // deliberately the low 32 bits
    let low = reference as u32;
    // The signed 32-bit distance from the reference picks the nearest linear number.
    #[allow(clippy::cast_possible_wrap)]
    let delta = number.wrapping_sub(low) as i32;
    reference.saturating_add_signed(i64::from(delta))
}

#[cfg(test)]
impl Stream {
    /// Test fixture: plans and attaches a buffer of `packets` packets of `packet_frames` frames
    /// in the stream's format, in leaked test memory ([`DmaBuffer::leaked`]). Panics if the
    /// geometry is refused.
    pub(crate) fn attach_test_buffer(
        &mut self,
        packet_frames: u32,
        packets: crate::geometry::PacketCount,
        notify: bool,
    ) {
        let bytes = packet_frames * u32::from(self.format.block_align()) * packets.get();
        let g = BufferGeometry::plan(
            &self.format,
            bytes,
            packets,
            notify,
            &crate::geometry::BufferLimits::DEFAULT,
        )
        .unwrap();
        self.attach_buffer(DmaBuffer::leaked(g.span_bytes() as usize), g)
            .map_err(|(e, _)| e)
            .unwrap();
    }
}

#[cfg(test)]
mod tests;
