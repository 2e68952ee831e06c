//! What a kernel debugger needs to find and read the driver's state on its own: a table of
//! live streams, and the well-known root that points at it and at the trace ring.
//!
//! ## The root
//! Each driver binary exports one [`CadenzaDebugRoot`] under the unmangled name
//! `CADENZA_DEBUG_ROOT`. A tool resolves that symbol in `cadenza_acx` or `cadenza_pc`, checks
//! [`ROOT_MAGIC`] and [`LAYOUT_VERSION`], and refuses a version it does not know — every
//! offset below belongs to one version and changes only with it.
//!
//! Root layout (version 1, 80 bytes, little-endian):
//!
//! | offset | field               | type      |                                         |
//! |-------:|---------------------|-----------|-----------------------------------------|
//! | 0      | magic               | [u8; 8]   | `"CADENZA\0"`                           |
//! | 8      | version             | u32       | [`LAYOUT_VERSION`]                      |
//! | 12     | root_size           | u32       | 80                                      |
//! | 16     | framework           | u32       | [`DebugFramework`] code                 |
//! | 20     | record_size         | u32       | trace record bytes (64)                 |
//! | 24     | ring_capacity       | u32       | trace records                           |
//! | 28     | ring_header_size    | u32       | bytes before the first record (64)      |
//! | 32     | slot_size           | u32       | stream slot bytes (256)                 |
//! | 36     | slot_count          | u32       | stream slots                            |
//! | 40     | table_header_size   | u32       | bytes before the first slot (64)        |
//! | 44     | reserved            | u32       | 0                                       |
//! | 48     | trace_ring          | pointer   | the [`TraceRing`]                       |
//! | 56     | stream_table        | pointer   | the [`StreamTable`]                     |
//! | 64     | qpc_frequency       | u64       | counter ticks per second (0 = unknown)  |
//! | 72     | reserved            | u64       | 0                                       |
//!
//! ## The stream table
//! A fixed array of [`StreamSlot`]s, each guarded by its own *seqlock*: a writer makes the
//! slot's sequence odd (compare-exchange, so two writers never interleave; the loser skips
//! its update — the next one refreshes the slot), stores the fields, and makes it even
//! again with Release ordering. A reader loads the sequence, copies the fields, and loads it
//! again; odd or changed means "mid-update": retry or skip. Nothing blocks, nothing
//! allocates, so the adapters can publish from the timer (DPC) path.
//!
//! Table header (64 bytes): `capacity: u32`, `slot_size: u32`, `refused: u64` (publishes that
//! found no free slot), reserved. Slot layout: see [`StreamSlot`].

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

use crate::format::SampleType;
use crate::geometry::BufferGeometry;
use crate::state::KsState;
use crate::stream::{Direction, Stream, StreamStats};
use crate::time::{CounterFrequency, Ticks};
use crate::trace::{RECORD_SIZE, RING_HEADER_SIZE, TraceRing, get_u32, get_u64, put_u32, put_u64};

/// The root's first eight bytes.
pub const ROOT_MAGIC: [u8; 8] = *b"CADENZA\0";
/// The layout version of the root, the trace ring and the stream table.
pub const LAYOUT_VERSION: u32 = 1;
/// Bytes of the root.
pub const ROOT_SIZE: usize = 80;
/// Bytes of one stream slot.
pub const SLOT_SIZE: usize = 256;
/// Bytes of the stream table header before the first slot.
pub const TABLE_HEADER_SIZE: usize = 64;
/// Stream slots both drivers use.
pub const DEFAULT_SLOTS: usize = 64;

/// Reader retries on a slot that is mid-update before it is skipped.
const READ_ATTEMPTS: u32 = 4;
/// A slot key's "in use" bit (so cable 0 / stream 0 is still a valid, non-free key).
const KEY_LIVE: u64 = 1 << 63;

/// Which driver a root or a stream belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum DebugFramework {
    Acx = 1,
    PortCls = 2,
    /// The host simulator (engine driven directly).
    Sim = 3,
}

impl DebugFramework {
    /// The framework a layout code stands for.
    pub const fn from_code(code: u64) -> Option<DebugFramework> {
        match code {
            1 => Some(DebugFramework::Acx),
            2 => Some(DebugFramework::PortCls),
            3 => Some(DebugFramework::Sim),
            _ => None,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            DebugFramework::Acx => "acx",
            DebugFramework::PortCls => "portcls",
            DebugFramework::Sim => "sim",
        }
    }
}

/// A framework code's name (for decoders).
pub const fn framework_name(code: u64) -> &'static str {
    match DebugFramework::from_code(code) {
        Some(f) => f.name(),
        None => "?",
    }
}

/// The debug-layout code of a sample type (0 is "unknown").
pub const fn sample_type_code(t: SampleType) -> u32 {
    match t {
        SampleType::Int16 => 1,
        SampleType::Int24 => 2,
        SampleType::Int24In32 => 3,
        SampleType::Int32 => 4,
        SampleType::Float32 => 5,
    }
}

/// The debug-layout code of a direction.
pub const fn direction_code(d: Direction) -> u32 {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

/// Slot flag: the stream has a buffer.
pub const FLAG_BUFFER: u32 = 1 << 0;
/// Slot flag: the client asked for notifications.
pub const FLAG_NOTIFY: u32 = 1 << 1;
/// Slot flag: the render client uses packet mode.
pub const FLAG_PACKET_MODE: u32 = 1 << 2;
/// Slot flag: timed by a hardware position register (else by the counter).
pub const FLAG_HARDWARE: u32 = 1 << 3;

/// A stream's state as the debugger shows it: plain values, copied in and out of a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StreamSnapshot {
    pub stream_id: u32,
    pub cable: u32,
    /// [`DebugFramework`] code.
    pub framework: u32,
    /// 0 render, 1 capture.
    pub direction: u32,
    /// KSSTATE.
    pub state: u32,
    pub sample_rate: u32,
    pub channels: u32,
    /// [`sample_type_code`].
    pub sample_type: u32,
    pub block_align: u32,
    pub valid_bits: u32,
    pub channel_mask: u32,
    /// `FLAG_*` bits.
    pub flags: u32,
    /// Bytes of the cyclic buffer (0 without a buffer).
    pub buffer_bytes: u32,
    pub packet_frames: u32,
    pub packets: u32,
    pub stride: u32,
    /// Linear position (frames since the stream left STOP) at `updated_qpc`.
    pub linear_frames: u64,
    /// Frames the data path has moved.
    pub transferred: u64,
    /// Packets completely transferred at `updated_qpc`.
    pub completed_packets: u64,
    /// When the snapshot was taken.
    pub updated_qpc: u64,
    pub stats: StreamStats,
    /// [`StreamStats::glitches`] at `updated_qpc`.
    pub glitches: u64,
}

impl StreamSnapshot {
    /// The snapshot of `stream` at `now`, as one adapter (`framework`, `cable`) sees it.
    /// Pure: reads the stream, changes nothing.
    pub fn from_stream(framework: DebugFramework, cable: u32, stream: &Stream, now: Ticks) -> Self {
        let format = stream.format();
        let geometry = stream.geometry();
        let mut flags = 0;
        if let Some(g) = geometry {
            flags |= FLAG_BUFFER;
            if g.notify() {
                flags |= FLAG_NOTIFY;
            }
        }
        if stream.in_packet_mode() {
            flags |= FLAG_PACKET_MODE;
        }
        if !stream.timebase().is_virtual() {
            flags |= FLAG_HARDWARE;
        }
        let stats = *stream.stats();
        StreamSnapshot {
            stream_id: stream.id(),
            cable,
            framework: framework as u32,
            direction: direction_code(stream.direction()),
            state: stream.state().raw(),
            sample_rate: format.rate().hz(),
            channels: u32::from(format.channels().get()),
            sample_type: sample_type_code(format.sample()),
            block_align: u32::from(format.block_align()),
            valid_bits: u32::from(format.sample().valid_bits()),
            channel_mask: format.channel_mask().bits(),
            flags,
            buffer_bytes: geometry.map_or(0, BufferGeometry::span_bytes),
            packet_frames: geometry.map_or(0, BufferGeometry::packet_frames),
            packets: geometry.map_or(0, |g| g.packets().get()),
            stride: geometry.map_or(0, BufferGeometry::stride),
            linear_frames: stream.frames_at(now),
            transferred: stream.transferred(),
            completed_packets: stream.completed_packets(now),
            updated_qpc: now.get(),
            stats,
            glitches: stats.glitches(),
        }
    }

    /// The KS state, if the raw value is one.
    pub fn ks_state(&self) -> Option<KsState> {
        KsState::from_raw(self.state).ok()
    }
}

/// One slot of the stream table, exactly as it sits in memory (256 bytes, little-endian).
///
/// | offset | field | | offset | field |
/// |---:|---|---|---:|---|
/// | 0 | seq: u64 (seqlock; odd = updating) | | 112 | wakeups: u64 |
/// | 8 | key: u64 (0 = free) | | 120 | early_wakeups |
/// | 16 | stream_id: u32 | | 128 | notifications |
/// | 20 | cable: u32 | | 136 | missed_notifications |
/// | 24 | framework: u32 | | 144 | max_lateness_ticks |
/// | 28 | direction: u32 | | 152 | total_lateness_ticks |
/// | 32 | state: u32 | | 160 | underrun_frames |
/// | 36 | sample_rate: u32 | | 168 | late_packets |
/// | 40 | channels: u32 | | 176 | overrun_packets |
/// | 44 | sample_type: u32 | | 184 | overflow_packets |
/// | 48 | block_align: u32 | | 192 | dropped_frames |
/// | 52 | valid_bits: u32 | | 200 | glitches |
/// | 56 | channel_mask: u32 | | 208 | reserved [u64; 6] |
/// | 60 | flags: u32 | | | |
/// | 64 | buffer_bytes: u32 | | | |
/// | 68 | packet_frames: u32 | | | |
/// | 72 | packets: u32 | | | |
/// | 76 | stride: u32 | | | |
/// | 80 | linear_frames: u64 | | | |
/// | 88 | transferred: u64 | | | |
/// | 96 | completed_packets: u64 | | | |
/// | 104 | updated_qpc: u64 | | | |
#[derive(Debug)]
#[repr(C, align(64))]
pub struct StreamSlot {
    seq: AtomicU64,
    key: AtomicU64,
    /// stream_id … stride, in the order of the table above.
    words: [AtomicU32; WORDS],
    /// linear_frames … glitches, in the order of the table above.
    quads: [AtomicU64; QUADS],
    reserved: [u64; 6],
}

/// u32 fields of a slot, from offset 16.
const WORDS: usize = 16;
/// u64 fields of a slot, from offset 80.
const QUADS: usize = 16;
const WORDS_OFFSET: usize = 16;
const QUADS_OFFSET: usize = 80;

impl StreamSnapshot {
    const fn words(&self) -> [u32; WORDS] {
        [
            self.stream_id,
            self.cable,
            self.framework,
            self.direction,
            self.state,
            self.sample_rate,
            self.channels,
            self.sample_type,
            self.block_align,
            self.valid_bits,
            self.channel_mask,
            self.flags,
            self.buffer_bytes,
            self.packet_frames,
            self.packets,
            self.stride,
        ]
    }

    const fn quads(&self) -> [u64; QUADS] {
        let s = &self.stats;
        [
            self.linear_frames,
            self.transferred,
            self.completed_packets,
            self.updated_qpc,
            s.wakeups,
            s.early_wakeups,
            s.notifications,
            s.missed_notifications,
            s.max_lateness_ticks,
            s.total_lateness_ticks,
            s.underrun_frames,
            s.late_packets,
            s.overrun_packets,
            s.overflow_packets,
            s.dropped_frames,
            self.glitches,
        ]
    }

    const fn from_parts(w: [u32; WORDS], q: [u64; QUADS]) -> StreamSnapshot {
        StreamSnapshot {
            stream_id: w[0],
            cable: w[1],
            framework: w[2],
            direction: w[3],
            state: w[4],
            sample_rate: w[5],
            channels: w[6],
            sample_type: w[7],
            block_align: w[8],
            valid_bits: w[9],
            channel_mask: w[10],
            flags: w[11],
            buffer_bytes: w[12],
            packet_frames: w[13],
            packets: w[14],
            stride: w[15],
            linear_frames: q[0],
            transferred: q[1],
            completed_packets: q[2],
            updated_qpc: q[3],
            stats: StreamStats {
                wakeups: q[4],
                early_wakeups: q[5],
                notifications: q[6],
                missed_notifications: q[7],
                max_lateness_ticks: q[8],
                total_lateness_ticks: q[9],
                underrun_frames: q[10],
                late_packets: q[11],
                overrun_packets: q[12],
                overflow_packets: q[13],
                dropped_frames: q[14],
            },
            glitches: q[15],
        }
    }

    /// The table key of this stream.
    const fn key(&self) -> u64 {
        slot_key(self.cable, self.stream_id)
    }
}

const fn slot_key(cable: u32, stream_id: u32) -> u64 {
    KEY_LIVE | ((cable as u64 & 0x7FFF_FFFF) << 32) | stream_id as u64
}

impl StreamSlot {
    const fn new() -> StreamSlot {
        StreamSlot {
            seq: AtomicU64::new(0),
            key: AtomicU64::new(0),
            words: [const { AtomicU32::new(0) }; WORDS],
            quads: [const { AtomicU64::new(0) }; QUADS],
            reserved: [0; 6],
        }
    }

    /// Seqlock write. Returns false (and writes nothing) if another writer is inside.
    fn write(&self, snap: &StreamSnapshot) -> bool {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq % 2 == 1
            || self
                .seq
                .compare_exchange(
                    seq,
                    seq.wrapping_add(1),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return false;
        }
        fence(Ordering::Release);
        for (cell, v) in self.words.iter().zip(snap.words()) {
            cell.store(v, Ordering::Relaxed);
        }
        for (cell, v) in self.quads.iter().zip(snap.quads()) {
            cell.store(v, Ordering::Relaxed);
        }
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        true
    }

    /// Seqlock read: `None` if the slot is free or stayed mid-update.
    fn read(&self) -> Option<StreamSnapshot> {
        for _ in 0..READ_ATTEMPTS {
            if self.key.load(Ordering::Acquire) == 0 {
                return None;
            }
            let first = self.seq.load(Ordering::Acquire);
            let mut w = [0u32; WORDS];
            for (dst, cell) in w.iter_mut().zip(&self.words) {
                *dst = cell.load(Ordering::Relaxed);
            }
            let mut q = [0u64; QUADS];
            for (dst, cell) in q.iter_mut().zip(&self.quads) {
                *dst = cell.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            let second = self.seq.load(Ordering::Relaxed);
            if first.is_multiple_of(2) && first == second {
                return Some(StreamSnapshot::from_parts(w, q));
            }
            core::hint::spin_loop();
        }
        None
    }

    fn write_image(&self, out: &mut [u8]) {
        put_u64(out, 0, self.seq.load(Ordering::Acquire));
        put_u64(out, 8, self.key.load(Ordering::Acquire));
        for (i, cell) in self.words.iter().enumerate() {
            put_u32(out, WORDS_OFFSET + 4 * i, cell.load(Ordering::Relaxed));
        }
        for (i, cell) in self.quads.iter().enumerate() {
            put_u64(out, QUADS_OFFSET + 8 * i, cell.load(Ordering::Relaxed));
        }
    }
}

/// The stream table header: the first 64 bytes of a [`StreamTable`].
#[derive(Debug)]
#[repr(C)]
pub struct TableHeader {
    capacity: u32,
    slot_size: u32,
    /// Publishes refused because every slot was taken.
    refused: AtomicU64,
    reserved: [u64; 6],
}

/// A table of `N` live-stream slots. See the module docs.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct StreamTable<const N: usize> {
    header: TableHeader,
    slots: [StreamSlot; N],
}

impl<const N: usize> Default for StreamTable<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> StreamTable<N> {
    pub const CAPACITY: usize = N;

    pub const fn new() -> StreamTable<N> {
        const {
            assert!(N > 0 && N <= u32::MAX as usize);
            assert!(core::mem::size_of::<StreamSlot>() == SLOT_SIZE);
            assert!(core::mem::size_of::<TableHeader>() == TABLE_HEADER_SIZE);
        }
        #[allow(clippy::cast_possible_truncation)] // checked at compile time above
        StreamTable {
            header: TableHeader {
                capacity: N as u32,
                slot_size: SLOT_SIZE as u32,
                refused: AtomicU64::new(0),
                reserved: [0; 6],
            },
            slots: [const { StreamSlot::new() }; N],
        }
    }

    /// Bytes the table occupies, the size of its memory image.
    pub const fn image_size() -> usize {
        core::mem::size_of::<Self>()
    }

    /// Publishes a snapshot into the stream's slot, taking a free slot the first time.
    /// Lock-free; callable at any IRQL ≤ DISPATCH_LEVEL (and above, with non-paged memory).
    /// Returns false if the table is full or another writer was updating the slot.
    pub fn publish(&self, snap: &StreamSnapshot) -> bool {
        let key = snap.key();
        let slot = self
            .slots
            .iter()
            .find(|s| s.key.load(Ordering::Acquire) == key)
            .or_else(|| {
                self.slots.iter().find(|s| {
                    s.key
                        .compare_exchange(0, key, Ordering::AcqRel, Ordering::Relaxed)
                        .is_ok()
                })
            });
        if let Some(s) = slot {
            s.write(snap)
        } else {
            self.header.refused.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    /// Convenience for the adapters: [`StreamSnapshot::from_stream`] + [`Self::publish`].
    pub fn publish_stream(
        &self,
        framework: DebugFramework,
        cable: u32,
        stream: &Stream,
        now: Ticks,
    ) -> bool {
        self.publish(&StreamSnapshot::from_stream(framework, cable, stream, now))
    }

    /// Frees the slot of a destroyed stream. Returns whether it had one.
    pub fn retire(&self, cable: u32, stream_id: u32) -> bool {
        let key = slot_key(cable, stream_id);
        let Some(slot) = self
            .slots
            .iter()
            .find(|s| s.key.load(Ordering::Acquire) == key)
        else {
            return false;
        };
        // Clear the contents first so a reader never pairs the old key with new data.
        slot.write(&StreamSnapshot::default());
        slot.key.store(0, Ordering::Release);
        true
    }

    /// Publishes refused for lack of a free slot.
    pub fn refused(&self) -> u64 {
        self.header.refused.load(Ordering::Relaxed)
    }

    /// Copies every live, consistent slot into `out` (slot order). Returns how many.
    pub fn snapshot(&self, out: &mut [StreamSnapshot]) -> usize {
        let mut n = 0;
        for snap in self.slots.iter().filter_map(StreamSlot::read) {
            let Some(dst) = out.get_mut(n) else { break };
            *dst = snap;
            n += 1;
        }
        n
    }

    /// The live stream `(cable, stream_id)`, if it has a consistent slot.
    pub fn find(&self, cable: u32, stream_id: u32) -> Option<StreamSnapshot> {
        let key = slot_key(cable, stream_id);
        self.slots
            .iter()
            .find(|s| s.key.load(Ordering::Acquire) == key)
            .and_then(StreamSlot::read)
    }

    /// Writes the table's memory image into `out` (at least [`Self::image_size`] bytes).
    pub fn write_image(&self, out: &mut [u8]) -> Option<usize> {
        let size = Self::image_size();
        let out = out.get_mut(..size)?;
        out.fill(0);
        put_u32(out, 0, self.header.capacity);
        put_u32(out, 4, self.header.slot_size);
        put_u64(out, 8, self.header.refused.load(Ordering::Relaxed));
        let slots = out.get_mut(TABLE_HEADER_SIZE..)?;
        for (slot, chunk) in self.slots.iter().zip(slots.chunks_mut(SLOT_SIZE)) {
            slot.write_image(chunk);
        }
        Some(size)
    }
}

/// Decodes one slot from a memory image (`None` if free, mid-update or short).
pub fn decode_slot(bytes: &[u8]) -> Option<StreamSnapshot> {
    let seq = get_u64(bytes, 0)?;
    let key = get_u64(bytes, 8)?;
    if key == 0 || seq % 2 == 1 {
        return None;
    }
    let mut w = [0u32; WORDS];
    for (i, dst) in w.iter_mut().enumerate() {
        *dst = get_u32(bytes, WORDS_OFFSET + 4 * i)?;
    }
    let mut q = [0u64; QUADS];
    for (i, dst) in q.iter_mut().enumerate() {
        *dst = get_u64(bytes, QUADS_OFFSET + 8 * i)?;
    }
    Some(StreamSnapshot::from_parts(w, q))
}

/// The root a debugger finds by symbol. See the module docs for the layout.
#[derive(Debug)]
#[repr(C)]
pub struct CadenzaDebugRoot {
    magic: [u8; 8],
    version: u32,
    root_size: u32,
    framework: u32,
    record_size: u32,
    ring_capacity: u32,
    ring_header_size: u32,
    slot_size: u32,
    slot_count: u32,
    table_header_size: u32,
    reserved0: u32,
    trace_ring: *const u8,
    stream_table: *const u8,
    qpc_frequency: AtomicU64,
    reserved1: u64,
}

// SAFETY: the two pointers are never dereferenced through the root (it only describes where
// the ring and the table are, for a debugger); everything the root mutates is atomic.
unsafe impl Sync for CadenzaDebugRoot {}
// SAFETY: the root owns nothing thread-bound: its two pointers are addresses for a debugger,
// never dereferenced through it, and its only mutable field is atomic.
unsafe impl Send for CadenzaDebugRoot {}

impl CadenzaDebugRoot {
    /// The root describing `ring` and `table`. Usable in a `static` initializer:
    ///
    /// ```ignore
    /// static TRACE: TraceRing<DEFAULT_CAPACITY> = TraceRing::new();
    /// static STREAMS: StreamTable<DEFAULT_SLOTS> = StreamTable::new();
    /// #[unsafe(no_mangle)]
    /// #[used]
    /// pub static CADENZA_DEBUG_ROOT: CadenzaDebugRoot =
    ///     CadenzaDebugRoot::new(DebugFramework::Acx, &TRACE, &STREAMS);
    /// ```
    ///
    /// The root only records the addresses; it never reads through them.
    pub const fn new<const R: usize, const S: usize>(
        framework: DebugFramework,
        ring: &TraceRing<R>,
        table: &StreamTable<S>,
    ) -> CadenzaDebugRoot {
        #[allow(clippy::cast_possible_truncation)] // sizes and capacities checked to fit u32
        CadenzaDebugRoot {
            magic: ROOT_MAGIC,
            version: LAYOUT_VERSION,
            root_size: ROOT_SIZE as u32,
            framework: framework as u32,
            record_size: RECORD_SIZE as u32,
            ring_capacity: R as u32,
            ring_header_size: RING_HEADER_SIZE as u32,
            slot_size: SLOT_SIZE as u32,
            slot_count: S as u32,
            table_header_size: TABLE_HEADER_SIZE as u32,
            reserved0: 0,
            trace_ring: core::ptr::from_ref(ring).cast::<u8>(),
            stream_table: core::ptr::from_ref(table).cast::<u8>(),
            qpc_frequency: AtomicU64::new(0),
            reserved1: 0,
        }
    }

    /// Records the counter frequency so tools can turn ticks into time (DriverEntry).
    pub fn set_qpc_frequency(&self, freq: CounterFrequency) {
        self.qpc_frequency.store(freq.hz(), Ordering::Relaxed);
    }

    pub fn qpc_frequency(&self) -> u64 {
        self.qpc_frequency.load(Ordering::Relaxed)
    }
    pub const fn version(&self) -> u32 {
        self.version
    }
    pub const fn magic(&self) -> [u8; 8] {
        self.magic
    }
    /// Address of the trace ring (for images and tools).
    pub fn trace_ring_addr(&self) -> u64 {
        self.trace_ring.addr() as u64
    }
    /// Address of the stream table (for images and tools).
    pub fn stream_table_addr(&self) -> u64 {
        self.stream_table.addr() as u64
    }

    /// The root's memory image, exactly as the debugger reads it.
    pub fn image(&self) -> [u8; ROOT_SIZE] {
        let mut out = [0u8; ROOT_SIZE];
        if let Some(m) = out.get_mut(..8) {
            m.copy_from_slice(&self.magic);
        }
        let words = [
            self.version,
            self.root_size,
            self.framework,
            self.record_size,
            self.ring_capacity,
            self.ring_header_size,
            self.slot_size,
            self.slot_count,
            self.table_header_size,
            self.reserved0,
        ];
        for (i, w) in words.into_iter().enumerate() {
            put_u32(&mut out, 8 + 4 * i, w);
        }
        put_u64(&mut out, 48, self.trace_ring_addr());
        put_u64(&mut out, 56, self.stream_table_addr());
        put_u64(&mut out, 64, self.qpc_frequency());
        put_u64(&mut out, 72, self.reserved1);
        out
    }
}

#[cfg(test)]
mod tests;
