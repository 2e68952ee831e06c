//! The driver's debug structures in the simulator: a trace ring, a stream table and the
//! debug root (the same engine types the drivers place in statics), filled by a
//! [`Traced`] wrapper around any [`DriverUnderTest`], and written to files:
//!
//! - [`DebugState::write_trace_dump`] / [`decode_trace_dump`]: the ring's memory image, and
//!   its decoded text (the same lines the WinDbg extension prints);
//! - [`DebugState::write_memory_image`]: root, ring and table at their real addresses, plus
//!   the symbol address of `CADENZA_DEBUG_ROOT` — what the extension's tests read through a
//!   mock of WinDbg's `host` object.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use cadenza_engine::debug_registry::{
    CadenzaDebugRoot, DEFAULT_SLOTS, DebugFramework, StreamSnapshot, StreamTable, direction_code,
    sample_type_code,
};
use cadenza_engine::device::Presence;
use cadenza_engine::format::Format;
use cadenza_engine::platform::Platform as _;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::Ticks;
use cadenza_engine::trace::{DEFAULT_CAPACITY, RingImage, TraceKind, TraceRing};

use crate::engine_driver::EngineDriver;
use crate::platform::SimPlatform;
use crate::scenario::{ClientBuffer, DriverUnderTest, Published};

/// The simulator's copy of what a driver binary keeps in statics.
pub struct DebugState {
    ring: Box<TraceRing<DEFAULT_CAPACITY>>,
    table: Box<StreamTable<DEFAULT_SLOTS>>,
    root: Box<CadenzaDebugRoot>,
}

impl std::fmt::Debug for DebugState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugState")
            .field("head", &self.ring.head())
            .finish_non_exhaustive()
    }
}

impl DebugState {
    pub fn new(framework: DebugFramework) -> DebugState {
        let ring = Box::new(TraceRing::new());
        let table = Box::new(StreamTable::new());
        // The boxes' contents never move, so the root's addresses stay right.
        let root = Box::new(CadenzaDebugRoot::new(framework, &*ring, &*table));
        DebugState { ring, table, root }
    }

    pub fn ring(&self) -> &TraceRing<DEFAULT_CAPACITY> {
        &self.ring
    }
    pub fn table(&self) -> &StreamTable<DEFAULT_SLOTS> {
        &self.table
    }
    pub fn root(&self) -> &CadenzaDebugRoot {
        &self.root
    }

    /// The ring's memory image.
    pub fn trace_image(&self) -> Vec<u8> {
        let mut image = vec![0u8; TraceRing::<DEFAULT_CAPACITY>::image_size()];
        let _ = self.ring.write_image(&mut image);
        image
    }

    /// Writes the ring's memory image to `path` (decode it with [`decode_trace_dump`]).
    pub fn write_trace_dump(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.trace_image())
    }

    /// Writes `memory.bin` (regions: `u64 address, u64 length, bytes`, little-endian) holding
    /// the root, the ring and the table at their real addresses, and `symbols.json` mapping
    /// `<module>!CADENZA_DEBUG_ROOT` to the root's address.
    pub fn write_memory_image(&self, dir: &Path, module: &str) -> io::Result<()> {
        let root_addr = std::ptr::from_ref(&*self.root).addr() as u64;
        let mut table = vec![0u8; StreamTable::<DEFAULT_SLOTS>::image_size()];
        let _ = self.table.write_image(&mut table);
        let regions: [(u64, Vec<u8>); 3] = [
            (root_addr, self.root.image().to_vec()),
            (self.root.trace_ring_addr(), self.trace_image()),
            (self.root.stream_table_addr(), table),
        ];
        let mut out = Vec::new();
        for (addr, bytes) in &regions {
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        std::fs::write(dir.join("memory.bin"), out)?;
        let symbols = format!("{{\n  \"{module}!CADENZA_DEBUG_ROOT\": \"0x{root_addr:x}\"\n}}\n");
        std::fs::write(dir.join("symbols.json"), symbols)
    }
}

/// Decodes a trace dump written by [`DebugState::write_trace_dump`]: a summary line, then one
/// line per complete record, oldest first.
pub fn decode_trace_dump(path: &Path) -> io::Result<String> {
    let bytes = std::fs::read(path)?;
    decode_trace_image(&bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// [`decode_trace_dump`] on bytes.
pub fn decode_trace_image(bytes: &[u8]) -> Result<String, String> {
    let image = RingImage::parse(bytes).map_err(|e| e.to_string())?;
    let mut out = format!(
        "# cadenza trace: {} records written, capacity {}, {} dropped, {} incomplete\n",
        image.head(),
        image.capacity(),
        image.dropped(),
        image.incomplete()
    );
    for e in image.entries() {
        let _ = writeln!(out, "{e}");
    }
    Ok(out)
}

/// Reads a stream's real engine state from the driver under test, if the driver can.
pub type Inspector<D> = fn(&D, Direction, Ticks) -> Option<StreamSnapshot>;

/// The engine driver's streams, read under the device lock (a pure read).
pub fn inspect_engine(
    d: &EngineDriver,
    direction: Direction,
    now: Ticks,
) -> Option<StreamSnapshot> {
    d.host()
        .with_stream(direction, |s| {
            StreamSnapshot::from_stream(DebugFramework::Sim, 0, s, now)
        })
        .ok()
}

/// Error contexts the wrapper records with [`TraceKind::Error`] (argument 1).
pub mod context {
    pub const OPEN: u64 = 1;
    pub const ALLOCATE: u64 = 2;
    pub const SET_STATE: u64 = 3;
    pub const WRITE_PACKET: u64 = 4;
    pub const READ_PACKET: u64 = 5;
    pub const CLOSE: u64 = 6;
}

#[derive(Clone, Copy, Debug, Default)]
struct Side {
    id: u32,
    format: Option<Format>,
    buffer: Option<ClientBuffer>,
    state: Option<KsState>,
    stats: StreamStats,
    notifications: u64,
}

/// A [`DriverUnderTest`] that records what passes through it in the trace ring and keeps the
/// stream table current — what the adapters do in the drivers.
pub struct Traced<D> {
    inner: D,
    debug: DebugState,
    inspect: Option<Inspector<D>>,
    sides: [Side; 2],
    next_id: u32,
    break_in: Option<BreakIn>,
}

/// A "debugger break-in": a callback run once, on the first notification at or after `at`,
/// while the streams are live (e.g. to write a memory image).
type BreakIn = (Ticks, Box<dyn FnMut(&DebugState)>);

impl<D> std::fmt::Debug for Traced<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traced")
            .field("debug", &self.debug)
            .finish_non_exhaustive()
    }
}

fn side(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

impl Traced<EngineDriver> {
    /// The engine driver, traced, with its real stream state in the table.
    pub fn engine(inner: EngineDriver) -> Traced<EngineDriver> {
        Traced::new(inner, DebugFramework::Sim, Some(inspect_engine))
    }
}

impl<D: DriverUnderTest> Traced<D> {
    pub fn new(inner: D, framework: DebugFramework, inspect: Option<Inspector<D>>) -> Traced<D> {
        let debug = DebugState::new(framework);
        debug.root().set_qpc_frequency(inner.platform().frequency());
        Traced {
            inner,
            debug,
            inspect,
            sides: [Side::default(); 2],
            next_id: 1,
            break_in: None,
        }
    }

    /// Runs `f` once on the debug state at the first notification at or after `at` — the
    /// moment a debugger would break in. Replaces an earlier break-in not yet taken.
    pub fn break_in_at(&mut self, at: Ticks, f: impl FnMut(&DebugState) + 'static) {
        self.break_in = Some((at, Box::new(f)));
    }

    fn maybe_break_in(&mut self) {
        let now = self.now();
        if self.break_in.as_ref().is_some_and(|(at, _)| now >= *at)
            && let Some((_, mut f)) = self.break_in.take()
        {
            f(&self.debug);
        }
    }

    pub fn inner(&self) -> &D {
        &self.inner
    }
    pub fn debug(&self) -> &DebugState {
        &self.debug
    }

    fn now(&self) -> Ticks {
        self.inner.platform().now()
    }

    fn record(&self, qpc: Ticks, direction: Direction, kind: TraceKind, args: [u64; 4]) {
        let id = self.sides[side(direction)].id;
        self.debug.ring.record(qpc.get(), id, kind, args);
    }

    fn error(&self, direction: Direction, status: NtStatus, context: u64) {
        self.record(
            self.now(),
            direction,
            TraceKind::Error,
            [u64::from(status.0 as u32), context, 0, 0],
        );
    }

    /// Publishes the stream's snapshot: the real engine state when the driver can be
    /// inspected, else what the wrapper has seen.
    fn publish(&mut self, direction: Direction) {
        let now = self.now();
        let s = self.sides[side(direction)];
        if let Some(snap) = self.inspect.and_then(|f| f(&self.inner, direction, now)) {
            self.sides[side(direction)].id = snap.stream_id;
            self.debug.table.publish(&snap);
            return;
        }
        let Some(format) = s.format else { return };
        let g = s.buffer.map(|b| b.geometry);
        let stats = self.inner.stats(direction).unwrap_or(s.stats);
        let snap = StreamSnapshot {
            stream_id: s.id,
            framework: DebugFramework::Sim as u32,
            direction: direction_code(direction),
            state: s.state.map_or(0, KsState::raw),
            sample_rate: format.rate().hz(),
            channels: u32::from(format.channels().get()),
            sample_type: sample_type_code(format.sample()),
            block_align: u32::from(format.block_align()),
            valid_bits: u32::from(format.sample().valid_bits()),
            channel_mask: format.channel_mask().bits(),
            buffer_bytes: g.map_or(0, |g| g.span_bytes()),
            packet_frames: g.map_or(0, |g| g.packet_frames()),
            packets: g.map_or(0, |g| g.packets().get()),
            stride: g.map_or(0, |g| g.stride()),
            updated_qpc: now.get(),
            stats,
            glitches: stats.glitches(),
            ..StreamSnapshot::default()
        };
        self.debug.table.publish(&snap);
    }

    /// Records what the stream's counters say happened since the last look.
    fn record_stat_changes(&mut self, direction: Direction) {
        let Some(now_stats) = self.inner.stats(direction) else {
            return;
        };
        let now = self.now();
        let before = self.sides[side(direction)].stats;
        let delta = |a: u64, b: u64| a.saturating_sub(b);
        let missed = delta(now_stats.missed_notifications, before.missed_notifications);
        if missed > 0 {
            self.record(
                now,
                direction,
                TraceKind::MissedNotifications,
                [missed, now_stats.notifications, 0, 0],
            );
        }
        let late = delta(now_stats.total_lateness_ticks, before.total_lateness_ticks);
        if late > 0 {
            self.record(now, direction, TraceKind::LateTimer, [late, 0, 0, 0]);
        }
        let underrun = delta(now_stats.underrun_frames, before.underrun_frames);
        if underrun > 0 {
            let at = self
                .inspect
                .and_then(|f| f(&self.inner, direction, now))
                .map_or(0, |s| s.linear_frames);
            self.record(now, direction, TraceKind::Underrun, [underrun, at, 0, 0]);
        }
        let overflow = delta(now_stats.overflow_packets, before.overflow_packets);
        if overflow > 0 {
            self.record(now, direction, TraceKind::Overflow, [overflow, 0, 0, 0]);
        }
        self.sides[side(direction)].stats = now_stats;
    }
}

impl<D: DriverUnderTest> DriverUnderTest for Traced<D> {
    fn framework(&self) -> &'static str {
        self.inner.framework()
    }

    fn platform(&self) -> &SimPlatform {
        self.inner.platform()
    }

    fn has_endpoint(&self, direction: Direction) -> bool {
        self.inner.has_endpoint(direction)
    }

    fn published(&self) -> Published {
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

    /// Records the change as the drivers' debug link does (DeviceRemoved, or Power with 3
    /// for D3 and 0 for D0), on no stream.
    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus> {
        let result = self.inner.set_presence(presence);
        if result.is_ok() {
            let (kind, args) = match presence {
                Presence::Removed => (TraceKind::DeviceRemoved, [0; 4]),
                Presence::PoweredDown => (TraceKind::Power, [3, 0, 0, 0]),
                Presence::Present => (TraceKind::Power, [0; 4]),
            };
            self.debug.ring.record(self.now().get(), 0, kind, args);
            for d in [Direction::Render, Direction::Capture] {
                self.record_stat_changes(d);
            }
        }
        result
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        let result = self.inner.open(direction, format);
        match result {
            Ok(()) => {
                self.sides[side(direction)] = Side {
                    id: self.next_id,
                    format: Some(*format),
                    state: Some(KsState::Stop),
                    ..Side::default()
                };
                self.next_id += 1;
                // Learn the engine's own stream id before the first record.
                self.publish(direction);
                self.record(
                    self.now(),
                    direction,
                    TraceKind::StreamCreated,
                    [
                        u64::from(direction_code(direction)),
                        u64::from(format.rate().hz()),
                        u64::from(format.channels().get()),
                        u64::from(sample_type_code(format.sample())),
                    ],
                );
            }
            Err(e) => self.error(direction, e, context::OPEN),
        }
        result
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let result = self
            .inner
            .allocate(direction, requested_bytes, notifications);
        match result {
            Ok(buffer) => {
                let g = buffer.geometry;
                self.sides[side(direction)].buffer = Some(buffer);
                self.record(
                    self.now(),
                    direction,
                    TraceKind::BufferAllocated,
                    [
                        u64::from(g.span_bytes()),
                        u64::from(g.packet_frames()),
                        u64::from(g.packets().get()),
                        u64::from(g.stride()),
                    ],
                );
                self.publish(direction);
            }
            Err(e) => self.error(direction, e, context::ALLOCATE),
        }
        result
    }

    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        let from = self.sides[side(direction)].state;
        let result = self.inner.set_state(direction, state);
        match result {
            Ok(()) => {
                self.sides[side(direction)].state = Some(state);
                self.record(
                    self.now(),
                    direction,
                    TraceKind::StateChange,
                    [
                        u64::from(from.map_or(u32::MAX, KsState::raw)),
                        u64::from(state.raw()),
                        0,
                        0,
                    ],
                );
                self.publish(direction);
            }
            Err(e) => self.error(direction, e, context::SET_STATE),
        }
        result
    }

    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        self.inner.position(direction)
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        let result = self.inner.write_packet(number, flags, eos_bytes);
        match result {
            Ok(()) => self.record(
                self.now(),
                Direction::Render,
                TraceKind::PacketWritten,
                [u64::from(number), u64::from(flags), u64::from(eos_bytes), 0],
            ),
            Err(e) => self.error(Direction::Render, e, context::WRITE_PACKET),
        }
        result
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        let result = self.inner.read_packet();
        match result {
            Ok(p) => self.record(
                self.now(),
                Direction::Capture,
                TraceKind::PacketRead,
                [u64::from(p.number), p.qpc.get(), u64::from(p.more_data), 0],
            ),
            // Polling an empty capture stream is normal, not an error worth a record.
            Err(e) if e == NtStatus::DEVICE_NOT_READY => {}
            Err(e) => self.error(Direction::Capture, e, context::READ_PACKET),
        }
        result
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        let notes = self.inner.take_notifications(direction);
        for qpc in &notes {
            let n = self.sides[side(direction)].notifications;
            self.sides[side(direction)].notifications += 1;
            self.record(
                *qpc,
                direction,
                TraceKind::Notification,
                [n, qpc.get(), 0, 0],
            );
        }
        self.record_stat_changes(direction);
        // The timer path: refresh the live table.
        self.publish(direction);
        self.maybe_break_in();
        notes
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.inner.stats(direction)
    }

    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        self.record_stat_changes(direction);
        let s = self.sides[side(direction)];
        let result = self.inner.close(direction);
        match result {
            Ok(()) => {
                if let Some(b) = s.buffer {
                    self.record(
                        self.now(),
                        direction,
                        TraceKind::BufferFreed,
                        [u64::from(b.geometry.span_bytes()), 0, 0, 0],
                    );
                }
                self.record(self.now(), direction, TraceKind::StreamDestroyed, [0; 4]);
                self.debug.table.retire(0, s.id);
                self.sides[side(direction)] = Side::default();
            }
            Err(e) => self.error(direction, e, context::CLOSE),
        }
        result
    }
}

/// A boxed driver is a driver (so `cadenza-sim`'s `Box<dyn DriverUnderTest>` can be traced).
impl<D: DriverUnderTest + ?Sized> DriverUnderTest for Box<D> {
    fn framework(&self) -> &'static str {
        (**self).framework()
    }
    fn platform(&self) -> &SimPlatform {
        (**self).platform()
    }
    fn has_endpoint(&self, direction: Direction) -> bool {
        (**self).has_endpoint(direction)
    }
    fn published(&self) -> Published {
        (**self).published()
    }
    fn render_packet_count(&mut self) -> Result<u32, NtStatus> {
        (**self).render_packet_count()
    }
    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus> {
        (**self).render_presentation()
    }
    fn violations(&self) -> Vec<String> {
        (**self).violations()
    }
    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus> {
        (**self).set_presence(presence)
    }
    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        (**self).open(direction, format)
    }
    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        (**self).allocate(direction, requested_bytes, notifications)
    }
    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        (**self).set_state(direction, state)
    }
    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        (**self).position(direction)
    }
    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        (**self).write_packet(number, flags, eos_bytes)
    }
    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        (**self).read_packet()
    }
    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        (**self).take_notifications(direction)
    }
    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        (**self).stats(direction)
    }
    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        (**self).close(direction)
    }
}
