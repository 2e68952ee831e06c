//! The simulator's own layer between the loopback scenario and the driver: it plays the
//! user's audio (`--input`) in place of the scenario's generated signal, and it logs when
//! things happened — state changes, late timer wake-ups, glitches — for the plot and for
//! explaining a mismatch.
//!
//! ## Playing a file through an unchanged scenario
//! The scenario's render client writes its signal into the buffer it was given, then tells
//! the driver (packet mode: `SetWritePacket`; position mode: nothing — the driver reads the
//! looped buffer as it plays). [`Session`] hands the client a *shadow* buffer of the same
//! geometry instead of the driver's, and writes the file's frames into the driver's buffer
//! at the same linear frame numbers the client just wrote:
//!
//! - packet mode: on `write_packet(n)`, packet `n` of the file goes into packet slot
//!   `n mod packets`, before the call is passed on — exactly where and when the client put
//!   packet `n` of its signal;
//! - position mode: the client keeps frames `pos .. pos + buffer` written after every render
//!   position it reads (and after PAUSE, to pre-fill); the session writes the file's frames
//!   `pos .. pos + buffer` at the same moments. Frames already written are written again
//!   with the same bytes, which changes nothing.
//!
//! Past the end of the file the driver gets silence. The driver never sees the generated
//! signal, and the scenario never learns the difference.

use cadenza_engine::format::Format;
use cadenza_engine::platform::Platform as _;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::scenario::{ClientBuffer, DriverUnderTest};

/// Audio for the render side, already in the render format.
#[derive(Clone, Debug)]
pub struct RenderAudio {
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl RenderAudio {
    /// Fills `out` with the frames starting at linear frame `first`; silence past the end.
    fn fill(&self, first: u64, out: &mut [u8]) {
        let block = usize::from(self.format.block_align());
        let start = usize::try_from(first)
            .ok()
            .and_then(|f| f.checked_mul(block))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let n = out.len().min(self.bytes.len() - start);
        out[..n].copy_from_slice(&self.bytes[start..start + n]);
        out[n..].fill(0);
    }
}

/// What happened, for the plot and the mismatch explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The stream entered this state.
    State(KsState),
    /// Timer wake-ups handled since the last look were late by this many ticks in total.
    LateTimer(u64),
    /// Packet boundaries that passed without their own notification.
    MissedNotifications(u64),
    /// Render frames played from packets the client never wrote.
    Underrun(u64),
    /// Render packets refused as late.
    LatePackets(u64),
    /// Render packets refused as too far ahead.
    OverrunPackets(u64),
    /// Capture packets overwritten before the client read them.
    OverflowPackets(u64),
    /// Frames the data path could not deliver.
    DroppedFrames(u64),
    /// The render client had to skip a packet it was too late to write.
    ClientSkippedPacket,
}

impl EventKind {
    /// A discontinuity a listener could hear (everything but state changes and lateness).
    pub fn is_glitch(self) -> bool {
        !matches!(self, EventKind::State(_) | EventKind::LateTimer(_))
    }

    /// For people: `missed 2 notifications`.
    pub fn describe(self) -> String {
        match self {
            EventKind::State(s) => format!("entered {}", state_name(s)),
            EventKind::LateTimer(t) => format!("late timer ({t} ticks in total)"),
            EventKind::MissedNotifications(n) => format!("{n} missed notification(s)"),
            EventKind::Underrun(n) => format!("underrun of {n} frames"),
            EventKind::LatePackets(n) => format!("{n} packet(s) refused as late"),
            EventKind::OverrunPackets(n) => format!("{n} packet(s) refused as too far ahead"),
            EventKind::OverflowPackets(n) => format!("{n} packet(s) overwritten unread"),
            EventKind::DroppedFrames(n) => format!("{n} frames dropped by the data path"),
            EventKind::ClientSkippedPacket => "a packet skipped by the client (too late)".into(),
        }
    }
}

fn state_name(s: KsState) -> &'static str {
    match s {
        KsState::Stop => "STOP",
        KsState::Acquire => "ACQUIRE",
        KsState::Pause => "PAUSE",
        KsState::Run => "RUN",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: Ticks,
    pub direction: Direction,
    pub kind: EventKind,
}

/// The render stream's two buffers while `--input` plays.
#[derive(Debug)]
struct Shadow {
    /// The driver's buffer.
    real: ClientBuffer,
    /// What the scenario's client writes into instead; never read. Its heap block stays put
    /// while the `Vec` lives, which is until the stream is closed.
    _memory: Vec<u8>,
    /// Packet mode: the next packet number expected, to widen the DDI's 32-bit numbers.
    next_packet: u64,
}

/// See the module documentation.
pub struct Session<D> {
    inner: D,
    audio: Option<RenderAudio>,
    packet_mode: bool,
    shadow: Option<Shadow>,
    events: Vec<Event>,
    last_stats: [StreamStats; 2],
}

impl<D> std::fmt::Debug for Session<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

fn side(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

impl<D: DriverUnderTest> Session<D> {
    /// Wraps `inner`; with `audio`, the render side plays it instead of the scenario's signal.
    /// `packet_mode` must be the scenario's.
    pub fn new(inner: D, audio: Option<RenderAudio>, packet_mode: bool) -> Session<D> {
        Session {
            inner,
            audio,
            packet_mode,
            shadow: None,
            events: Vec::new(),
            last_stats: [StreamStats::default(); 2],
        }
    }

    pub fn inner(&self) -> &D {
        &self.inner
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn log(&mut self, direction: Direction, kind: EventKind) {
        let at = self.inner.platform().now();
        self.events.push(Event {
            at,
            direction,
            kind,
        });
    }

    /// Logs what the stream's counters say happened since the last look.
    fn log_stat_changes(&mut self, direction: Direction) {
        let Some(now) = self.inner.stats(direction) else {
            return;
        };
        let before = self.last_stats[side(direction)];
        self.last_stats[side(direction)] = now;
        let d = |a: u64, b: u64| a.saturating_sub(b);
        let changes = [
            (
                d(now.total_lateness_ticks, before.total_lateness_ticks),
                EventKind::LateTimer as fn(u64) -> EventKind,
            ),
            (
                d(now.missed_notifications, before.missed_notifications),
                EventKind::MissedNotifications,
            ),
            (
                d(now.underrun_frames, before.underrun_frames),
                EventKind::Underrun,
            ),
            (
                d(now.late_packets, before.late_packets),
                EventKind::LatePackets,
            ),
            (
                d(now.overrun_packets, before.overrun_packets),
                EventKind::OverrunPackets,
            ),
            (
                d(now.overflow_packets, before.overflow_packets),
                EventKind::OverflowPackets,
            ),
            (
                d(now.dropped_frames, before.dropped_frames),
                EventKind::DroppedFrames,
            ),
        ];
        for (delta, kind) in changes {
            if delta > 0 {
                self.log(direction, kind(delta));
            }
        }
    }

    /// Writes the file's frames `first .. first + count` into the driver's render buffer.
    fn write_frames(&self, first: u64, count: u32) {
        let (Some(shadow), Some(audio)) = (&self.shadow, &self.audio) else {
            return;
        };
        let real = shadow.real;
        let block = usize::from(real.geometry.block_align());
        for r in real.geometry.ranges(first, count) {
            let (start, len) = (r.offset as usize, r.frames as usize * block);
            assert!(start + len <= real.span, "frames outside the render buffer");
            // SAFETY: `start + len <= span` (asserted) keeps the pointer inside the mapping the
            // driver handed out.
            let first = unsafe { real.ptr.add(start) };
            // SAFETY: `first .. first + len` lies in that mapping, which stays valid until the
            // stream is closed (the shadow is dropped then). The simulation is single-threaded
            // and the scenario writes only to the shadow, so nothing else references these
            // bytes during this call.
            let bytes = unsafe { std::slice::from_raw_parts_mut(first, len) };
            audio.fill(r.first_frame, bytes);
        }
    }

    /// Packet mode: packet `number` of the file into its slot.
    fn write_packet_audio(&mut self, number: u32) {
        let Some(shadow) = &mut self.shadow else {
            return;
        };
        // Widen the 32-bit packet number against the next one expected, as the engine does.
        let low = u32::try_from(shadow.next_packet & u64::from(u32::MAX)).unwrap_or(0);
        let linear = shadow
            .next_packet
            .saturating_add_signed(i64::from(number.wrapping_sub(low).cast_signed()));
        shadow.next_packet = linear + 1;
        let g = shadow.real.geometry;
        let pf = u64::from(g.packet_frames());
        self.write_frames(linear * pf, g.packet_frames());
    }

    /// Position mode: the frames the client keeps written after render position `pos`.
    fn write_ahead_of(&mut self, pos: u64) {
        if let Some(shadow) = &self.shadow {
            let frames = shadow.real.geometry.frames();
            self.write_frames(pos, frames);
        }
    }
}

impl<D: DriverUnderTest> DriverUnderTest for Session<D> {
    fn framework(&self) -> &'static str {
        self.inner.framework()
    }

    fn notifies_by_event(&self) -> bool {
        self.inner.notifies_by_event()
    }

    fn platform(&self) -> &SimPlatform {
        self.inner.platform()
    }

    fn has_endpoint(&self, direction: Direction) -> bool {
        self.inner.has_endpoint(direction)
    }

    fn published(&self) -> cadenza_hostsim::scenario::Published {
        self.inner.published()
    }

    fn render_packet_count(&mut self) -> Result<u32, NtStatus> {
        self.inner.render_packet_count()
    }

    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus> {
        self.inner.render_presentation()
    }

    fn violations(&self) -> Vec<String> {
        self.inner.violations()
    }

    fn set_presence(&mut self, presence: cadenza_engine::device::Presence) -> Result<(), NtStatus> {
        self.inner.set_presence(presence)
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        self.last_stats[side(direction)] = StreamStats::default();
        self.inner.open(direction, format)
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let real = self
            .inner
            .allocate(direction, requested_bytes, notifications)?;
        if direction == Direction::Capture || self.audio.is_none() {
            return Ok(real);
        }
        let mut memory = vec![0u8; real.span];
        let client = ClientBuffer {
            ptr: memory.as_mut_ptr(),
            span: real.span,
            geometry: real.geometry,
        };
        self.shadow = Some(Shadow {
            real,
            _memory: memory,
            next_packet: 0,
        });
        Ok(client)
    }

    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        self.inner.set_state(direction, state)?;
        self.log(direction, EventKind::State(state));
        // Position mode pre-fills the buffer once the stream is paused, before RUN.
        if direction == Direction::Render && state == KsState::Pause && !self.packet_mode {
            self.write_ahead_of(0);
        }
        Ok(())
    }

    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        let pos = self.inner.position(direction)?;
        if direction == Direction::Render && !self.packet_mode {
            self.write_ahead_of(pos.frames);
        }
        Ok(pos)
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        self.write_packet_audio(number);
        let result = self.inner.write_packet(number, flags, eos_bytes);
        if result == Err(NtStatus::DATA_LATE_ERROR) {
            self.log(Direction::Render, EventKind::ClientSkippedPacket);
        }
        result
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        self.inner.read_packet()
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        let notes = self.inner.take_notifications(direction);
        self.log_stat_changes(direction);
        notes
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.inner.stats(direction)
    }

    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        self.log_stat_changes(direction);
        let result = self.inner.close(direction);
        if direction == Direction::Render && result.is_ok() {
            // The driver's buffer is gone: forget it (and free the shadow).
            self.shadow = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::format::{Channels, SampleRate, SampleType};

    /// The promise: after the end of the file the driver is given silence, never stale data.
    #[test]
    fn audio_past_the_end_is_silence() {
        let a = RenderAudio {
            format: Format::new(
                SampleType::Int16,
                Channels::MONO,
                SampleRate::new(8_000).unwrap(),
            ),
            bytes: vec![1, 2, 3, 4, 5, 6],
        };
        let mut out = [9u8; 4];
        a.fill(1, &mut out);
        assert_eq!(out, [3, 4, 5, 6]);
        a.fill(2, &mut out);
        assert_eq!(out, [5, 6, 0, 0]);
        a.fill(u64::MAX, &mut out);
        assert_eq!(out, [0; 4]);
    }
}
