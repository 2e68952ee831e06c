//! The byte layout of the live-status snapshot (version 2), its encoder and its validating
//! decoder. docs/status-property.md is the same table in prose; the tests below spell out
//! every offset by hand, so a change to the layout breaks them.
//!
//! Everything is little-endian and naturally aligned (every u64 sits at a multiple of 8 from
//! the start of the snapshot), so a C reader can overlay packed structures.
//!
//! ```text
//! header (24 bytes)
//!   0 u32 magic        0x54535A43 ("CZST" in memory)
//!   4 u32 version      1
//!   8 u32 header_size  24
//!  12 u32 total_size   24 + pair_count × 2 × record_size = 472
//!  16 u32 pair_count   1 (a filter describes its own endpoint pair)
//!  20 u32 record_size  224
//! records: the pair's render slot, then its capture slot (224 bytes each)
//!   0 u32 direction     0 render, 1 capture
//!   4 u32 slot          0 no endpoint, 1 endpoint without a stream, 2 stream open
//!   8 u32 ks_state      KSSTATE (0 STOP .. 3 RUN)
//!  12 u32 flags         bit 0 buffer attached, bit 1 event notifications, bit 2 packet mode
//!  16 u32 rate_hz
//!  20 u16 channels
//!  22 u16 sample_type   1 int16, 2 int24 (packed), 3 int24-in-32, 4 int32, 5 float32
//!  24 u16 container_bits
//!  26 u16 valid_bits
//!  28 u32 channel_mask  dwChannelMask
//!  32 u32 packet_frames 0 without a buffer
//!  36 u32 packet_count  0 without a buffer, else 1 or 2
//!  40 u64 position_frames, 48 u64 completed_packets, 56 u64 transferred_frames,
//!  64 u64 wakeups, 72 early_wakeups, 80 notifications, 88 missed_notifications,
//!  96 u64 max_lateness_hns, 104 total_lateness_hns, 112 underrun_frames, 120 late_packets,
//! 128 u64 overrun_packets, 136 overflow_packets, 144 dropped_frames,
//! 152 u32 level_window_frames  frames the last complete level window covered (0: none yet)
//! 156 u32 level_windows        level windows completed since the meter last started (a
//!                              request after an idle spell, a format set, a stop; saturates)
//! 160 u32 × 16 peak_q31        per channel, the largest magnitude in that window as a Q31
//!                              fraction of full scale (0x8000_0000 = full scale); channels
//!                              past the format's count are 0 (see `crate::level`)
//! ```
//!
//! Version 2 added the level fields (version 1 ended each 152-byte record at
//! `dropped_frames`); a reader refuses any other version rather than guess.
//!
//! A slot without an open stream is all zeros after its `slot` field. The decoder refuses
//! anything else, so a decoded [`Snapshot`] always re-encodes to the bytes it came from.

use crate::format::{ChannelMask, Channels, Format, SampleRate, SampleType};
use crate::geometry::PacketCount;
use crate::level::{FULL_SCALE_Q31, Levels, MAX_CHANNELS};
use crate::state::KsState;
use crate::stream::Direction;

/// `CZST` read as a little-endian u32: the first four bytes spell the name in a hex dump.
pub const MAGIC: u32 = u32::from_le_bytes(*b"CZST");
/// The layout version this module writes and reads.
pub const VERSION: u32 = 2;
/// Bytes of the header.
pub const HEADER_BYTES: usize = 24;
/// Bytes of one stream record.
pub const RECORD_BYTES: usize = 224;
/// Endpoint pairs one snapshot describes: a filter answers for its own pair.
pub const PAIRS: usize = 1;
/// Stream slots per pair: render, then capture.
pub const SLOTS_PER_PAIR: usize = 2;
/// Bytes of a whole version-2 snapshot (472).
pub const SNAPSHOT_BYTES: usize = HEADER_BYTES + PAIRS * SLOTS_PER_PAIR * RECORD_BYTES;

/// `flags` bit: a buffer is attached.
pub const FLAG_BUFFER: u32 = 1 << 0;
/// `flags` bit: the buffer was allocated with notifications (event-driven client).
pub const FLAG_NOTIFY: u32 = 1 << 1;
/// `flags` bit: the render client uses packet mode (has called SetWritePacket).
pub const FLAG_PACKET_MODE: u32 = 1 << 2;
const KNOWN_FLAGS: u32 = FLAG_BUFFER | FLAG_NOTIFY | FLAG_PACKET_MODE;

/// The buffer a stream has attached, as far as a client can tell (no addresses, no stride:
/// ACX pads packets to pages and PortCls does not, and the snapshot must not differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferStatus {
    pub packet_frames: u32,
    pub packets: PacketCount,
    /// Allocated with notifications (events / packet-complete callbacks).
    pub notify: bool,
}

/// The stream counters as the wire carries them: [`crate::stream::StreamStats`] with the
/// lateness converted from counter ticks to 100-ns units, so a reader needs no counter
/// frequency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub wakeups: u64,
    pub early_wakeups: u64,
    pub notifications: u64,
    pub missed_notifications: u64,
    pub max_lateness_hns: u64,
    pub total_lateness_hns: u64,
    pub underrun_frames: u64,
    pub late_packets: u64,
    pub overrun_packets: u64,
    pub overflow_packets: u64,
    pub dropped_frames: u64,
}

impl Counters {
    /// The counters in wire order (offsets 64, 72, ... 144 of a record).
    pub const fn as_array(&self) -> [u64; 11] {
        [
            self.wakeups,
            self.early_wakeups,
            self.notifications,
            self.missed_notifications,
            self.max_lateness_hns,
            self.total_lateness_hns,
            self.underrun_frames,
            self.late_packets,
            self.overrun_packets,
            self.overflow_packets,
            self.dropped_frames,
        ]
    }

    /// The inverse of [`Counters::as_array`].
    pub const fn from_array(a: [u64; 11]) -> Counters {
        Counters {
            wakeups: a[0],
            early_wakeups: a[1],
            notifications: a[2],
            missed_notifications: a[3],
            max_lateness_hns: a[4],
            total_lateness_hns: a[5],
            underrun_frames: a[6],
            late_packets: a[7],
            overrun_packets: a[8],
            overflow_packets: a[9],
            dropped_frames: a[10],
        }
    }
}

/// One open stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamStatus {
    pub state: KsState,
    pub format: Format,
    pub buffer: Option<BufferStatus>,
    /// Render only: the client has called SetWritePacket.
    pub packet_mode: bool,
    /// Frames since the stream last left STOP, at the moment of the snapshot.
    pub position_frames: u64,
    /// Packets completed since the stream last left STOP.
    pub completed_packets: u64,
    /// Frames the data path has moved to or from the buffer.
    pub transferred_frames: u64,
    pub counters: Counters,
    /// Peak levels of the last complete window of audio the data path moved.
    pub levels: Levels,
}

/// One stream slot of a pair.
// A Copy value built once per request on the stack; boxing the open variant would need an
// allocator, which the drivers' request path does not use.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The device kind has no endpoint in this direction (a tone source has no render side).
    NoEndpoint,
    /// The endpoint exists; no stream is open on it.
    Idle,
    Open(StreamStatus),
}

/// A whole snapshot: one pair's render and capture slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub render: Slot,
    pub capture: Slot,
}

/// Why bytes are not a version-2 snapshot. Each check of [`decode`] has its own variant so a
/// tool can say what was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header, or than the header's total size.
    Short,
    Magic,
    Version,
    /// header_size, record_size, pair_count or total_size differ from version 2's.
    Shape,
    /// A record's direction is not the one its position says.
    Direction,
    /// A slot code other than 0, 1, 2.
    SlotCode,
    /// A slot without a stream carries non-zero fields.
    NotZero,
    KsState,
    /// Unknown flag bits, or packet mode on a capture stream.
    Flags,
    /// Rate, channels, sample type, bit widths or channel mask out of range or inconsistent.
    Format,
    /// Buffer fields inconsistent with the buffer flag, or a packet count other than 1 or 2.
    Buffer,
    /// A peak above full scale, a peak for a channel the format does not have, or levels
    /// without a completed window.
    Levels,
}

const SLOT_NO_ENDPOINT: u32 = 0;
const SLOT_IDLE: u32 = 1;
const SLOT_OPEN: u32 = 2;

/// The wire code of a sample type (our own numbering, documented in the layout).
pub const fn sample_code(s: SampleType) -> u16 {
    match s {
        SampleType::Int16 => 1,
        SampleType::Int24 => 2,
        SampleType::Int24In32 => 3,
        SampleType::Int32 => 4,
        SampleType::Float32 => 5,
    }
}

const fn sample_from_code(c: u16) -> Option<SampleType> {
    match c {
        1 => Some(SampleType::Int16),
        2 => Some(SampleType::Int24),
        3 => Some(SampleType::Int24In32),
        4 => Some(SampleType::Int32),
        5 => Some(SampleType::Float32),
        _ => None,
    }
}

const fn direction_code(d: Direction) -> u32 {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

// ---- encoding ------------------------------------------------------------------------------

fn put_u16(out: &mut [u8], at: usize, v: u16) {
    if let Some(dst) = out.get_mut(at..at + 2) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u32(out: &mut [u8], at: usize, v: u32) {
    if let Some(dst) = out.get_mut(at..at + 4) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_u64(out: &mut [u8], at: usize, v: u64) {
    if let Some(dst) = out.get_mut(at..at + 8) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

#[allow(clippy::cast_possible_truncation)] // the sizes are constants of a few hundred bytes
const fn u32_of(n: usize) -> u32 {
    n as u32
}

fn encode_record(direction: Direction, slot: &Slot, out: &mut [u8; RECORD_BYTES]) {
    // Zero first: a slot without a stream is all zeros after its slot code.
    *out = [0; RECORD_BYTES];
    put_u32(out, 0, direction_code(direction));
    let s = match slot {
        Slot::NoEndpoint => {
            put_u32(out, 4, SLOT_NO_ENDPOINT);
            return;
        }
        Slot::Idle => {
            put_u32(out, 4, SLOT_IDLE);
            return;
        }
        Slot::Open(s) => s,
    };
    put_u32(out, 4, SLOT_OPEN);
    put_u32(out, 8, s.state.raw());
    let mut flags = 0;
    if let Some(b) = s.buffer {
        flags |= FLAG_BUFFER;
        if b.notify {
            flags |= FLAG_NOTIFY;
        }
        put_u32(out, 32, b.packet_frames);
        put_u32(out, 36, b.packets.get());
    }
    if s.packet_mode {
        flags |= FLAG_PACKET_MODE;
    }
    put_u32(out, 12, flags);
    let f = &s.format;
    put_u32(out, 16, f.rate().hz());
    put_u16(out, 20, f.channels().get());
    put_u16(out, 22, sample_code(f.sample()));
    put_u16(out, 24, f.sample().container_bytes() * 8);
    put_u16(out, 26, f.sample().valid_bits());
    put_u32(out, 28, f.channel_mask().bits());
    put_u64(out, 40, s.position_frames);
    put_u64(out, 48, s.completed_packets);
    put_u64(out, 56, s.transferred_frames);
    for (i, v) in s.counters.as_array().iter().enumerate() {
        put_u64(out, 64 + 8 * i, *v);
    }
    put_u32(out, 152, s.levels.window_frames);
    put_u32(out, 156, s.levels.windows);
    for (i, q) in s.levels.peak_q31.iter().enumerate() {
        put_u32(out, 160 + 4 * i, *q);
    }
}

/// Writes `snapshot` into `out`, which has exactly the snapshot's size (the caller has
/// applied the size protocol, see [`super::answer`]). Returns the bytes written.
pub fn encode(snapshot: &Snapshot, out: &mut [u8; SNAPSHOT_BYTES]) -> usize {
    let (header, records) = out.split_at_mut(HEADER_BYTES);
    put_u32(header, 0, MAGIC);
    put_u32(header, 4, VERSION);
    put_u32(header, 8, u32_of(HEADER_BYTES));
    put_u32(header, 12, u32_of(SNAPSHOT_BYTES));
    put_u32(header, 16, u32_of(PAIRS));
    put_u32(header, 20, u32_of(RECORD_BYTES));
    let slots = [
        (Direction::Render, &snapshot.render),
        (Direction::Capture, &snapshot.capture),
    ];
    for ((direction, slot), chunk) in slots
        .into_iter()
        .zip(records.chunks_exact_mut(RECORD_BYTES))
    {
        if let Ok(record) = <&mut [u8; RECORD_BYTES]>::try_from(chunk) {
            encode_record(direction, slot, record);
        }
    }
    SNAPSHOT_BYTES
}

// ---- decoding ------------------------------------------------------------------------------

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn decode_format(r: &[u8]) -> Result<Format, DecodeError> {
    let rate = SampleRate::new(u32_at(r, 16)).map_err(|_| DecodeError::Format)?;
    let channels = Channels::new(u16_at(r, 20)).map_err(|_| DecodeError::Format)?;
    let sample = sample_from_code(u16_at(r, 22)).ok_or(DecodeError::Format)?;
    if u16_at(r, 24) != sample.container_bytes() * 8 || u16_at(r, 26) != sample.valid_bits() {
        return Err(DecodeError::Format);
    }
    let mask = ChannelMask::new(u32_at(r, 28), channels).map_err(|_| DecodeError::Format)?;
    Ok(Format::with_mask(sample, channels, rate, mask))
}

fn decode_record(direction: Direction, r: &[u8]) -> Result<Slot, DecodeError> {
    if u32_at(r, 0) != direction_code(direction) {
        return Err(DecodeError::Direction);
    }
    let code = u32_at(r, 4);
    if code == SLOT_NO_ENDPOINT || code == SLOT_IDLE {
        if r.get(8..RECORD_BYTES)
            .is_none_or(|rest| rest.iter().any(|&b| b != 0))
        {
            return Err(DecodeError::NotZero);
        }
        return Ok(if code == SLOT_IDLE {
            Slot::Idle
        } else {
            Slot::NoEndpoint
        });
    }
    if code != SLOT_OPEN {
        return Err(DecodeError::SlotCode);
    }
    let state = KsState::from_raw(u32_at(r, 8)).map_err(|_| DecodeError::KsState)?;
    let flags = u32_at(r, 12);
    let packet_mode = flags & FLAG_PACKET_MODE != 0;
    if flags & !KNOWN_FLAGS != 0 || (packet_mode && direction == Direction::Capture) {
        return Err(DecodeError::Flags);
    }
    let format = decode_format(r)?;
    let (packet_frames, packet_count) = (u32_at(r, 32), u32_at(r, 36));
    let buffer = if flags & FLAG_BUFFER == 0 {
        if packet_frames != 0 || packet_count != 0 || flags & FLAG_NOTIFY != 0 {
            return Err(DecodeError::Buffer);
        }
        None
    } else {
        let packets = PacketCount::from_raw(packet_count).map_err(|_| DecodeError::Buffer)?;
        if packet_frames == 0 {
            return Err(DecodeError::Buffer);
        }
        Some(BufferStatus {
            packet_frames,
            packets,
            notify: flags & FLAG_NOTIFY != 0,
        })
    };
    let mut counters = [0u64; 11];
    for (i, c) in counters.iter_mut().enumerate() {
        *c = u64_at(r, 64 + 8 * i);
    }
    let levels = decode_levels(r, &format)?;
    Ok(Slot::Open(StreamStatus {
        state,
        format,
        buffer,
        packet_mode,
        position_frames: u64_at(r, 40),
        completed_packets: u64_at(r, 48),
        transferred_frames: u64_at(r, 56),
        counters: Counters::from_array(counters),
        levels,
    }))
}

fn decode_levels(r: &[u8], format: &Format) -> Result<Levels, DecodeError> {
    let mut peak_q31 = [0u32; MAX_CHANNELS];
    for (i, q) in peak_q31.iter_mut().enumerate() {
        *q = u32_at(r, 160 + 4 * i);
    }
    let channels = usize::from(format.channels().get());
    let levels = Levels {
        window_frames: u32_at(r, 152),
        windows: u32_at(r, 156),
        peak_q31,
    };
    let over_scale = peak_q31.iter().any(|&q| q > FULL_SCALE_Q31);
    let past_channels = peak_q31.iter().skip(channels).any(|&q| q != 0);
    // Before the first window: nothing. After it: a window covers at least one frame.
    let inconsistent = (levels.windows == 0) != (levels.window_frames == 0)
        || (levels.windows == 0 && peak_q31.iter().any(|&q| q != 0));
    if over_scale || past_channels || inconsistent {
        return Err(DecodeError::Levels);
    }
    Ok(levels)
}

/// Validates untrusted bytes as a version-2 snapshot. Bytes past the header's total size
/// are ignored (a caller may pass its whole buffer).
pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    if bytes.len() < HEADER_BYTES {
        return Err(DecodeError::Short);
    }
    if u32_at(bytes, 0) != MAGIC {
        return Err(DecodeError::Magic);
    }
    if u32_at(bytes, 4) != VERSION {
        return Err(DecodeError::Version);
    }
    if u32_at(bytes, 8) != u32_of(HEADER_BYTES)
        || u32_at(bytes, 12) != u32_of(SNAPSHOT_BYTES)
        || u32_at(bytes, 16) != u32_of(PAIRS)
        || u32_at(bytes, 20) != u32_of(RECORD_BYTES)
    {
        return Err(DecodeError::Shape);
    }
    let records = bytes
        .get(HEADER_BYTES..SNAPSHOT_BYTES)
        .ok_or(DecodeError::Short)?;
    let (render, capture) = records.split_at(RECORD_BYTES);
    Ok(Snapshot {
        render: decode_record(Direction::Render, render)?,
        capture: decode_record(Direction::Capture, capture)?,
    })
}
