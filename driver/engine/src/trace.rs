//! The trace ring: a fixed-size, lock-free flight recorder of stream events that a kernel
//! debugger (or a crash dump) can read without any help from the driver.
//!
//! ## Where it lives
//! Each driver binary places one ring in a `static` (non-paged, always mapped), and publishes
//! its address through [`crate::debug_registry::CadenzaDebugRoot`]. The engine never
//! allocates it; the host simulator puts one on the heap.
//!
//! ## Writing (any IRQL, any number of writers, no lock)
//! 1. `head.fetch_add(1)` reserves a sequence number `seq`; the slot is `seq % N`.
//! 2. The writer claims the slot with a compare-exchange of its *stamp* to [`STAMP_BUSY`],
//!    but only if the stamp is not already busy and belongs to an older record. If a writer
//!    that lapped the ring holds the slot, or a newer record already sits there, the record
//!    is dropped and counted in `dropped` — a writer never waits, so the ring is safe to use
//!    from an ISR.
//! 3. The fields are written (relaxed atomic stores; a release fence orders them after the
//!    busy stamp).
//! 4. The stamp is published as `seq + 1` with Release ordering.
//!
//! ## Reading
//! A reader loads the stamp (Acquire), copies the fields, issues an Acquire fence and loads
//! the stamp again: the record is complete only if both loads show `seq + 1` and the record's
//! own `seq` field agrees. Anything else — empty (`0`), busy, or a stamp that changed while
//! reading — is a *torn* (or not-yet-written, or overwritten) record and is skipped. The
//! debugger does the same with two memory reads; in a crash dump nothing moves, so a busy
//! stamp marks the record a CPU was writing when the system stopped.
//!
//! ## Layout (version [`crate::debug_registry::LAYOUT_VERSION`])
//! Ring: a 64-byte header — `head: u64` (next sequence number), `dropped: u64`,
//! `capacity: u32`, `record_size: u32`, then reserved bytes — followed by `capacity`
//! records of [`RECORD_SIZE`] bytes:
//!
//! | offset | field    | type      |                                             |
//! |-------:|----------|-----------|---------------------------------------------|
//! | 0      | stamp    | u64       | 0 empty, `seq + 1` published, `!0` busy     |
//! | 8      | qpc      | u64       | counter value of the event                  |
//! | 16     | stream   | u32       | stream id (0: device-wide event)            |
//! | 20     | kind     | u16       | [`TraceKind`]                               |
//! | 22     | flags    | u16       | reserved, 0                                 |
//! | 24     | args     | [u64; 4]  | kind-specific arguments                     |
//! | 56     | seq      | u64       | the record's sequence number                |
//!
//! Everything is little-endian (x64 and ARM64).

use core::fmt;
use core::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering, fence};

/// Bytes per record.
pub const RECORD_SIZE: usize = 64;
/// Bytes of the ring header before the first record.
pub const RING_HEADER_SIZE: usize = 64;
/// The capacity both drivers use: 1024 records, 64 KiB of non-paged memory.
pub const DEFAULT_CAPACITY: usize = 1024;

/// Stamp of a slot never written.
pub const STAMP_EMPTY: u64 = 0;
/// Stamp of a slot a writer is filling.
pub const STAMP_BUSY: u64 = u64::MAX;
/// Compare-exchange attempts before a writer gives up on a contended slot (wait-free bound).
const CLAIM_ATTEMPTS: u32 = 4;

/// What happened. The numeric values are part of the debug layout: never renumber, only add.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum TraceKind {
    /// args: from KSSTATE, to KSSTATE.
    StateChange = 1,
    /// args: span bytes, packet frames, packets, packet stride.
    BufferAllocated = 2,
    /// args: span bytes.
    BufferFreed = 3,
    /// args: packet index, boundary counter value.
    Notification = 4,
    /// args: notifications missed, newest packet at that point.
    MissedNotifications = 5,
    /// args: packet number, flags, end-of-stream bytes.
    PacketWritten = 6,
    /// args: packet number, packet counter value, more data (0/1).
    PacketRead = 7,
    /// A timer wake-up came late. args: lateness in ticks, deadline.
    LateTimer = 8,
    /// Render data missing (packet mode). args: frames of silence, at linear frame.
    Underrun = 9,
    /// Capture packets overwritten unread. args: packets.
    Overflow = 10,
    /// args: NTSTATUS, caller-defined context.
    Error = 11,
    /// args: event handle.
    EventRegistered = 12,
    /// args: event handle.
    EventUnregistered = 13,
    /// args: direction (0 render, 1 capture), rate, channels, sample type code.
    StreamCreated = 14,
    /// No args.
    StreamDestroyed = 15,
    /// Surprise removal. No args.
    DeviceRemoved = 16,
    /// args: new device power state (0 = D0 … 3 = D3).
    Power = 17,
}

impl TraceKind {
    /// Every kind, in numeric order.
    pub const ALL: [TraceKind; 17] = [
        TraceKind::StateChange,
        TraceKind::BufferAllocated,
        TraceKind::BufferFreed,
        TraceKind::Notification,
        TraceKind::MissedNotifications,
        TraceKind::PacketWritten,
        TraceKind::PacketRead,
        TraceKind::LateTimer,
        TraceKind::Underrun,
        TraceKind::Overflow,
        TraceKind::Error,
        TraceKind::EventRegistered,
        TraceKind::EventUnregistered,
        TraceKind::StreamCreated,
        TraceKind::StreamDestroyed,
        TraceKind::DeviceRemoved,
        TraceKind::Power,
    ];

    /// Parses a raw kind (from memory or a dump).
    pub const fn from_raw(raw: u16) -> Option<TraceKind> {
        let i = raw as usize;
        if i >= 1 && i <= Self::ALL.len() {
            Some(Self::ALL[i - 1])
        } else {
            None
        }
    }

    pub const fn raw(self) -> u16 {
        self as u16
    }

    /// The name the decoders print (and the debugger extension's kind filter accepts).
    pub const fn name(self) -> &'static str {
        match self {
            TraceKind::StateChange => "StateChange",
            TraceKind::BufferAllocated => "BufferAllocated",
            TraceKind::BufferFreed => "BufferFreed",
            TraceKind::Notification => "Notification",
            TraceKind::MissedNotifications => "MissedNotifications",
            TraceKind::PacketWritten => "PacketWritten",
            TraceKind::PacketRead => "PacketRead",
            TraceKind::LateTimer => "LateTimer",
            TraceKind::Underrun => "Underrun",
            TraceKind::Overflow => "Overflow",
            TraceKind::Error => "Error",
            TraceKind::EventRegistered => "EventRegistered",
            TraceKind::EventUnregistered => "EventUnregistered",
            TraceKind::StreamCreated => "StreamCreated",
            TraceKind::StreamDestroyed => "StreamDestroyed",
            TraceKind::DeviceRemoved => "DeviceRemoved",
            TraceKind::Power => "Power",
        }
    }
}

/// One slot of the ring, exactly as it sits in memory (see the module docs for the layout).
#[derive(Debug)]
#[repr(C, align(64))]
pub struct TraceRecord {
    stamp: AtomicU64,
    qpc: AtomicU64,
    stream: AtomicU32,
    kind: AtomicU16,
    flags: AtomicU16,
    args: [AtomicU64; 4],
    seq: AtomicU64,
}

impl TraceRecord {
    const fn new() -> TraceRecord {
        TraceRecord {
            stamp: AtomicU64::new(STAMP_EMPTY),
            qpc: AtomicU64::new(0),
            stream: AtomicU32::new(0),
            kind: AtomicU16::new(0),
            flags: AtomicU16::new(0),
            args: [const { AtomicU64::new(0) }; 4],
            seq: AtomicU64::new(0),
        }
    }

    /// The record as it would be read by the debugger: stamp first, then the fields.
    fn load_fields(&self) -> TraceEntry {
        TraceEntry {
            seq: self.seq.load(Ordering::Relaxed),
            qpc: self.qpc.load(Ordering::Relaxed),
            stream: self.stream.load(Ordering::Relaxed),
            kind: self.kind.load(Ordering::Relaxed),
            flags: self.flags.load(Ordering::Relaxed),
            args: [
                self.args[0].load(Ordering::Relaxed),
                self.args[1].load(Ordering::Relaxed),
                self.args[2].load(Ordering::Relaxed),
                self.args[3].load(Ordering::Relaxed),
            ],
        }
    }

    fn write_image(&self, out: &mut [u8]) {
        let e = self.load_fields();
        put_u64(out, 0, self.stamp.load(Ordering::Acquire));
        put_u64(out, 8, e.qpc);
        put_u32(out, 16, e.stream);
        put_u16(out, 20, e.kind);
        put_u16(out, 22, e.flags);
        for (i, a) in e.args.iter().enumerate() {
            put_u64(out, 24 + 8 * i, *a);
        }
        put_u64(out, 56, e.seq);
    }
}

/// The ring header: the first 64 bytes of a [`TraceRing`].
#[derive(Debug)]
#[repr(C)]
pub struct TraceHeader {
    /// The next sequence number to reserve (= records ever reserved).
    head: AtomicU64,
    /// Records dropped because their slot was contended.
    dropped: AtomicU64,
    capacity: u32,
    record_size: u32,
    reserved: [u32; 10],
}

/// A trace ring of `N` records (`N` a power of two). See the module docs.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct TraceRing<const N: usize> {
    header: TraceHeader,
    records: [TraceRecord; N],
}

/// A complete record, copied out of the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TraceEntry {
    pub seq: u64,
    pub qpc: u64,
    pub stream: u32,
    /// Raw kind; see [`TraceEntry::kind`].
    pub kind: u16,
    pub flags: u16,
    pub args: [u64; 4],
}

impl TraceEntry {
    pub const fn kind(&self) -> Option<TraceKind> {
        TraceKind::from_raw(self.kind)
    }
}

/// What one sequence number's slot holds when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRead {
    /// The record, intact.
    Complete(TraceEntry),
    /// Being written, changed while read, or inconsistent: not usable.
    Torn,
    /// Overwritten by a newer record (the ring wrapped).
    Overwritten,
    /// Never written, or reserved but not yet published.
    Missing,
}

/// What [`TraceRing::snapshot`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SnapshotInfo {
    /// Complete records copied into the caller's buffer (oldest first).
    pub copied: usize,
    /// Sequence numbers in the window whose record was torn, missing or overwritten.
    pub skipped: u64,
    /// The ring's head when the snapshot started.
    pub head: u64,
    /// Records dropped by writers since the ring was created.
    pub dropped: u64,
}

impl<const N: usize> Default for TraceRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TraceRing<N> {
    /// Records the ring holds.
    pub const CAPACITY: usize = N;

    /// An empty ring. `N` must be a non-zero power of two (checked at compile time).
    pub const fn new() -> TraceRing<N> {
        const {
            assert!(
                N.is_power_of_two(),
                "trace ring capacity must be a power of two"
            );
            assert!(
                N <= u32::MAX as usize,
                "trace ring capacity must fit in u32"
            );
            assert!(core::mem::size_of::<TraceRecord>() == RECORD_SIZE);
            assert!(core::mem::size_of::<TraceHeader>() == RING_HEADER_SIZE);
        }
        #[allow(clippy::cast_possible_truncation)] // both checked at compile time above
        TraceRing {
            header: TraceHeader {
                head: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                capacity: N as u32,
                record_size: RECORD_SIZE as u32,
                reserved: [0; 10],
            },
            records: [const { TraceRecord::new() }; N],
        }
    }

    /// Bytes the ring occupies (header + records), the size of its memory image.
    pub const fn image_size() -> usize {
        core::mem::size_of::<Self>()
    }

    fn slot(&self, seq: u64) -> Option<&TraceRecord> {
        // N is a power of two, so the low bits are `seq % N`; usize holds any index < N.
        let mask = (N as u64).wrapping_sub(1);
        let index = usize::try_from(seq & mask).ok()?;
        self.records.get(index)
    }

    /// The next sequence number (= records ever reserved).
    pub fn head(&self) -> u64 {
        self.header.head.load(Ordering::Acquire)
    }

    /// Records writers dropped because their slot was contended.
    pub fn dropped(&self) -> u64 {
        self.header.dropped.load(Ordering::Relaxed)
    }

    /// Writes one record. Lock-free and wait-free; callable at any IRQL (the ring must be in
    /// non-paged memory). Returns the record's sequence number, or `None` if it was dropped.
    pub fn record(&self, qpc: u64, stream: u32, kind: TraceKind, args: [u64; 4]) -> Option<u64> {
        let seq = self.header.head.fetch_add(1, Ordering::Relaxed);
        let published = seq.wrapping_add(1);
        let claimed = published != STAMP_BUSY
            && self
                .slot(seq)
                .is_some_and(|slot| Self::claim(slot, published));
        if !claimed {
            self.header.dropped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let slot = self.slot(seq)?;
        // The busy stamp must be visible before any field store (seqlock writer side).
        fence(Ordering::Release);
        slot.qpc.store(qpc, Ordering::Relaxed);
        slot.stream.store(stream, Ordering::Relaxed);
        slot.kind.store(kind.raw(), Ordering::Relaxed);
        slot.flags.store(0, Ordering::Relaxed);
        for (cell, value) in slot.args.iter().zip(args) {
            cell.store(value, Ordering::Relaxed);
        }
        slot.seq.store(seq, Ordering::Relaxed);
        slot.stamp.store(published, Ordering::Release);
        Some(seq)
    }

    /// Takes the slot for the record stamped `published`, unless a writer holds it or a newer
    /// record is already there.
    fn claim(slot: &TraceRecord, published: u64) -> bool {
        let mut current = slot.stamp.load(Ordering::Relaxed);
        for _ in 0..CLAIM_ATTEMPTS {
            if current == STAMP_BUSY || current >= published {
                return false;
            }
            match slot.stamp.compare_exchange_weak(
                current,
                STAMP_BUSY,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
        false
    }

    /// Reads the record with sequence number `seq`.
    pub fn read(&self, seq: u64) -> SlotRead {
        let Some(slot) = self.slot(seq) else {
            return SlotRead::Missing;
        };
        let expected = seq.wrapping_add(1);
        let first = slot.stamp.load(Ordering::Acquire);
        let entry = slot.load_fields();
        fence(Ordering::Acquire);
        let second = slot.stamp.load(Ordering::Relaxed);
        classify(first, second, expected, &entry)
    }

    /// Copies the newest complete records, oldest first, into `out` (at most `out.len()`,
    /// at most `N`).
    pub fn snapshot(&self, out: &mut [TraceEntry]) -> SnapshotInfo {
        let head = self.head();
        let window = u64::try_from(out.len().min(N)).unwrap_or(u64::MAX);
        let mut info = SnapshotInfo {
            head,
            dropped: self.dropped(),
            ..SnapshotInfo::default()
        };
        for seq in head.saturating_sub(window)..head {
            match self.read(seq) {
                SlotRead::Complete(e) => {
                    if let Some(dst) = out.get_mut(info.copied) {
                        *dst = e;
                        info.copied += 1;
                    }
                }
                _ => info.skipped += 1,
            }
        }
        info
    }

    /// The complete records currently in the ring, oldest first.
    pub fn iter(&self) -> TraceIter<'_, N> {
        let end = self.head();
        let capacity = u64::try_from(N).unwrap_or(u64::MAX);
        TraceIter {
            ring: self,
            next: end.saturating_sub(capacity),
            end,
        }
    }

    /// Writes the ring's memory image (exactly as the debugger sees it) into `out`, which
    /// must hold [`Self::image_size`] bytes. Returns the bytes written, or `None` if `out`
    /// is too small.
    pub fn write_image(&self, out: &mut [u8]) -> Option<usize> {
        let size = Self::image_size();
        let out = out.get_mut(..size)?;
        out.fill(0);
        put_u64(out, 0, self.header.head.load(Ordering::Acquire));
        put_u64(out, 8, self.header.dropped.load(Ordering::Relaxed));
        put_u32(out, 16, self.header.capacity);
        put_u32(out, 20, self.header.record_size);
        let records = out.get_mut(RING_HEADER_SIZE..)?;
        for (record, chunk) in self.records.iter().zip(records.chunks_mut(RECORD_SIZE)) {
            record.write_image(chunk);
        }
        Some(size)
    }
}

fn classify(first: u64, second: u64, expected: u64, entry: &TraceEntry) -> SlotRead {
    if first != second || first == STAMP_BUSY {
        SlotRead::Torn
    } else if first == STAMP_EMPTY || first < expected {
        SlotRead::Missing
    } else if first > expected {
        SlotRead::Overwritten
    } else if entry.seq.wrapping_add(1) != expected {
        SlotRead::Torn
    } else {
        SlotRead::Complete(*entry)
    }
}

impl<'a, const N: usize> IntoIterator for &'a TraceRing<N> {
    type Item = TraceEntry;
    type IntoIter = TraceIter<'a, N>;

    fn into_iter(self) -> TraceIter<'a, N> {
        self.iter()
    }
}

/// Iterator over a ring's complete records, oldest first (see [`TraceRing::iter`]).
#[derive(Debug)]
pub struct TraceIter<'a, const N: usize> {
    ring: &'a TraceRing<N>,
    next: u64,
    end: u64,
}

impl<const N: usize> Iterator for TraceIter<'_, N> {
    type Item = TraceEntry;

    fn next(&mut self) -> Option<TraceEntry> {
        while self.next < self.end {
            let seq = self.next;
            self.next += 1;
            if let SlotRead::Complete(e) = self.ring.read(seq) {
                return Some(e);
            }
        }
        None
    }
}

// ---- Host-side decoding of a memory image (a dump file, or bytes read from a target) ----

/// Why a ring image could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than its header says.
    Truncated,
    /// A record size this decoder does not know.
    RecordSize(u32),
    /// Capacity zero or not a power of two.
    Capacity(u32),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Truncated => f.write_str("trace image is truncated"),
            ImageError::RecordSize(n) => write!(f, "unknown trace record size {n}"),
            ImageError::Capacity(n) => write!(f, "invalid trace ring capacity {n}"),
        }
    }
}

/// A ring's memory image, validated: header fields and records read from bytes.
#[derive(Clone, Copy, Debug)]
pub struct RingImage<'a> {
    bytes: &'a [u8],
    head: u64,
    dropped: u64,
    capacity: u32,
}

impl<'a> RingImage<'a> {
    /// Checks the header and the length of an image made by [`TraceRing::write_image`] (or
    /// read from a target's memory).
    pub fn parse(bytes: &'a [u8]) -> Result<RingImage<'a>, ImageError> {
        let head = get_u64(bytes, 0).ok_or(ImageError::Truncated)?;
        let dropped = get_u64(bytes, 8).ok_or(ImageError::Truncated)?;
        let capacity = get_u32(bytes, 16).ok_or(ImageError::Truncated)?;
        let record_size = get_u32(bytes, 20).ok_or(ImageError::Truncated)?;
        if usize::try_from(record_size).ok() != Some(RECORD_SIZE) {
            return Err(ImageError::RecordSize(record_size));
        }
        if !capacity.is_power_of_two() {
            return Err(ImageError::Capacity(capacity));
        }
        let needed = usize::try_from(capacity)
            .ok()
            .and_then(|c| c.checked_mul(RECORD_SIZE))
            .and_then(|r| r.checked_add(RING_HEADER_SIZE))
            .ok_or(ImageError::Truncated)?;
        if bytes.len() < needed {
            return Err(ImageError::Truncated);
        }
        Ok(RingImage {
            bytes,
            head,
            dropped,
            capacity,
        })
    }

    pub const fn head(&self) -> u64 {
        self.head
    }
    pub const fn dropped(&self) -> u64 {
        self.dropped
    }
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Reads the record with sequence number `seq` (the same checks as [`TraceRing::read`];
    /// an image is frozen, so both stamp reads are the same).
    pub fn read(&self, seq: u64) -> SlotRead {
        let index = seq & u64::from(self.capacity).wrapping_sub(1);
        let Some(at) = usize::try_from(index)
            .ok()
            .and_then(|i| i.checked_mul(RECORD_SIZE))
            .and_then(|o| o.checked_add(RING_HEADER_SIZE))
        else {
            return SlotRead::Missing;
        };
        let Some(rec) = self.bytes.get(at..at.saturating_add(RECORD_SIZE)) else {
            return SlotRead::Missing;
        };
        let stamp = get_u64(rec, 0).unwrap_or(STAMP_EMPTY);
        let entry = TraceEntry {
            qpc: get_u64(rec, 8).unwrap_or(0),
            stream: get_u32(rec, 16).unwrap_or(0),
            kind: get_u16(rec, 20).unwrap_or(0),
            flags: get_u16(rec, 22).unwrap_or(0),
            args: [
                get_u64(rec, 24).unwrap_or(0),
                get_u64(rec, 32).unwrap_or(0),
                get_u64(rec, 40).unwrap_or(0),
                get_u64(rec, 48).unwrap_or(0),
            ],
            seq: get_u64(rec, 56).unwrap_or(0),
        };
        classify(stamp, stamp, seq.wrapping_add(1), &entry)
    }

    /// Complete records, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = TraceEntry> + '_ {
        let start = self.head.saturating_sub(u64::from(self.capacity));
        (start..self.head).filter_map(|seq| match self.read(seq) {
            SlotRead::Complete(e) => Some(e),
            _ => None,
        })
    }

    /// Sequence numbers in the window whose record is not complete.
    pub fn incomplete(&self) -> u64 {
        let start = self.head.saturating_sub(u64::from(self.capacity));
        let complete = self.entries().count();
        (self.head - start).saturating_sub(u64::try_from(complete).unwrap_or(u64::MAX))
    }
}

// ---- Text form, shared with tools/windbg/cadenza.js (keep the two in step) ----

/// `KSSTATE` names as the decoders print them.
pub const fn ks_state_name(raw: u64) -> &'static str {
    match raw {
        0 => "STOP",
        1 => "ACQUIRE",
        2 => "PAUSE",
        3 => "RUN",
        _ => "?",
    }
}

/// Sample type names by their debug-layout code (see `debug_registry::sample_type_code`).
pub const fn sample_type_name(code: u64) -> &'static str {
    match code {
        1 => "int16",
        2 => "int24",
        3 => "int24in32",
        4 => "int32",
        5 => "float32",
        _ => "?",
    }
}

/// Direction names by their debug-layout code (0 render, 1 capture).
pub const fn direction_name(code: u64) -> &'static str {
    match code {
        0 => "render",
        1 => "capture",
        _ => "?",
    }
}

impl fmt::Display for TraceEntry {
    /// `#<seq> qpc=<ticks> s<stream> <Kind> <details>` — the exact text the WinDbg extension
    /// prints for the same record.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a0, a1, a2, a3] = self.args;
        write!(f, "#{} qpc={} s{} ", self.seq, self.qpc, self.stream)?;
        let Some(kind) = self.kind() else {
            return write!(
                f,
                "Kind{} args={:#x},{:#x},{:#x},{:#x}",
                self.kind, a0, a1, a2, a3
            );
        };
        f.write_str(kind.name())?;
        match kind {
            TraceKind::StateChange => {
                write!(f, " {}->{}", ks_state_name(a0), ks_state_name(a1))
            }
            TraceKind::BufferAllocated => {
                write!(f, " bytes={a0} packet_frames={a1} packets={a2} stride={a3}")
            }
            TraceKind::BufferFreed => write!(f, " bytes={a0}"),
            TraceKind::Notification => write!(f, " packet={a0} boundary={a1}"),
            TraceKind::MissedNotifications => write!(f, " missed={a0} packet={a1}"),
            TraceKind::PacketWritten => {
                write!(f, " packet={a0} flags={a1:#x} eos_bytes={a2}")
            }
            TraceKind::PacketRead => write!(f, " packet={a0} qpc={a1} more={a2}"),
            TraceKind::LateTimer => write!(f, " late_ticks={a0} deadline={a1}"),
            TraceKind::Underrun => write!(f, " frames={a0} at_frame={a1}"),
            TraceKind::Overflow => write!(f, " packets={a0}"),
            TraceKind::Error => write!(f, " status={:#010x} context={a1}", a0 & 0xFFFF_FFFF),
            TraceKind::EventRegistered | TraceKind::EventUnregistered => {
                write!(f, " event={a0:#x}")
            }
            TraceKind::StreamCreated => write!(
                f,
                " {} rate={a1} channels={a2} type={}",
                direction_name(a0),
                sample_type_name(a3)
            ),
            TraceKind::StreamDestroyed | TraceKind::DeviceRemoved => Ok(()),
            TraceKind::Power => write!(f, " D{a0}"),
        }
    }
}

// ---- little-endian helpers (no panics: out-of-range writes are ignored, reads are None) ----

pub(crate) fn put_u64(out: &mut [u8], at: usize, v: u64) {
    if let Some(dst) = out.get_mut(at..at.saturating_add(8)) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}
pub(crate) fn put_u32(out: &mut [u8], at: usize, v: u32) {
    if let Some(dst) = out.get_mut(at..at.saturating_add(4)) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}
pub(crate) fn put_u16(out: &mut [u8], at: usize, v: u16) {
    if let Some(dst) = out.get_mut(at..at.saturating_add(2)) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}
pub(crate) fn get_u64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at.checked_add(8)?)?
        .try_into()
        .ok()
        .map(u64::from_le_bytes)
}
pub(crate) fn get_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)?
        .try_into()
        .ok()
        .map(u32::from_le_bytes)
}
pub(crate) fn get_u16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)?
        .try_into()
        .ok()
        .map(u16::from_le_bytes)
}

#[cfg(test)]
mod tests;
