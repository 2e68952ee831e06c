//! The live-status property: a private, read-only KS property set on each wave filter (PortCls)
//! and each circuit (ACX) that returns a versioned snapshot of the pair's streams — state,
//! format, buffer shape, position, the glitch counters and per-channel peak levels — for a
//! control tool.
//!
//! Defined once here, so both adapters answer with the same bytes: an adapter converts its
//! framework's request into [`Verb`] and a byte slice, calls
//! [`DeviceHost::status_property`](crate::host::DeviceHost::status_property), and reports the
//! [`Reply`]. The layout is in [`wire`]; docs/status-property.md describes it for readers.
//!
//! The snapshot reveals nothing but stream status: no buffer addresses, event handles, names,
//! configuration or audio data (peak levels are one number per channel per 100 ms window).
//!
//! # The request protocol (KS property conventions)
//! | request | status | bytes reported (Information / ValueSize) |
//! |---|---|---|
//! | GET, output length 0 | STATUS_BUFFER_OVERFLOW | [`wire::SNAPSHOT_BYTES`] (the size query) |
//! | GET, 0 < length < snapshot | STATUS_BUFFER_TOO_SMALL | 0, nothing written |
//! | GET, length ≥ snapshot | STATUS_SUCCESS | [`wire::SNAPSHOT_BYTES`] |
//! | BASICSUPPORT, length 0 | STATUS_BUFFER_OVERFLOW | 4 |
//! | BASICSUPPORT, length 1..3 | STATUS_BUFFER_TOO_SMALL | 0 |
//! | BASICSUPPORT, length ≥ 4 | STATUS_SUCCESS | 4: the ULONG access flags GET \| BASICSUPPORT |
//! | SET | STATUS_INVALID_DEVICE_REQUEST | 0 (the property is read-only) |
//! | an id other than [`PROPERTY_SNAPSHOT`] | STATUS_NOT_FOUND | 0 (what KS answers for a property a set does not have) |
//! | verb flags naming none or several of GET / SET / BASICSUPPORT | STATUS_INVALID_DEVICE_REQUEST | 0 |

pub mod wire;

use crate::guid::Guid;
use crate::status::NtStatus;
use crate::stream::Stream;
use crate::time::{CounterFrequency, Ticks, ticks_to_hns};

pub use wire::{
    BufferStatus, Counters, DecodeError, SNAPSHOT_BYTES, Slot, Snapshot, StreamStatus, decode,
    encode,
};

/// `KSPROPSETID_CadenzaStatus` {0D5BF987-CEC3-4278-9A37-A21090511491}: generated for Cadenza;
/// no other property set uses it.
pub const KSPROPSETID_CADENZA_STATUS: Guid =
    Guid::from_u128(0x0d5b_f987_cec3_4278_9a37_a210_9051_1491);

/// The property id of the snapshot in [`KSPROPSETID_CADENZA_STATUS`]. Ids start at 1, so a
/// zeroed KSPROPERTY never reads a snapshot by accident.
pub const PROPERTY_SNAPSHOT: u32 = 1;

/// `KSPROPERTY_TYPE_GET`.
pub const KSPROPERTY_TYPE_GET: u32 = 0x0000_0001;
/// `KSPROPERTY_TYPE_SET`.
pub const KSPROPERTY_TYPE_SET: u32 = 0x0000_0002;
/// `KSPROPERTY_TYPE_BASICSUPPORT`.
pub const KSPROPERTY_TYPE_BASICSUPPORT: u32 = 0x0000_0200;

/// Access flags BASICSUPPORT reports: GET and BASICSUPPORT, never SET.
pub const ACCESS_FLAGS: u32 = KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT;

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Set,
    BasicSupport,
}

impl Verb {
    /// Reads the verb of untrusted KSPROPERTY flags. Flags outside the three verbs (TOPOLOGY,
    /// serialization) are not ours to judge and are ignored; exactly one verb must be named.
    pub const fn from_ks_flags(flags: u32) -> Result<Verb, NtStatus> {
        match flags & (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT) {
            KSPROPERTY_TYPE_GET => Ok(Verb::Get),
            KSPROPERTY_TYPE_SET => Ok(Verb::Set),
            KSPROPERTY_TYPE_BASICSUPPORT => Ok(Verb::BasicSupport),
            _ => Err(NtStatus::INVALID_DEVICE_REQUEST),
        }
    }
}

/// The answer to a request: the status and the byte count to report (bytes written, or the
/// size needed for a size query).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: NtStatus,
    pub bytes: u32,
}

impl Reply {
    const fn fail(status: NtStatus) -> Reply {
        Reply { status, bytes: 0 }
    }
}

#[allow(clippy::cast_possible_truncation)] // the sizes are constants below 400
const fn u32_of(n: usize) -> u32 {
    n as u32
}

/// Answers request `id` / `verb` into `out` (the caller's whole output buffer), taking the
/// snapshot only for a GET that fits — so a size query or a refusal costs no lock.
pub fn answer(id: u32, verb: Verb, out: &mut [u8], snapshot: impl FnOnce() -> Snapshot) -> Reply {
    if id != PROPERTY_SNAPSHOT {
        return Reply::fail(NtStatus::NOT_FOUND);
    }
    match verb {
        Verb::Set => Reply::fail(NtStatus::INVALID_DEVICE_REQUEST),
        Verb::BasicSupport => {
            if out.is_empty() {
                return Reply {
                    status: NtStatus::BUFFER_OVERFLOW,
                    bytes: 4,
                };
            }
            match out.get_mut(..4) {
                Some(dst) => {
                    dst.copy_from_slice(&ACCESS_FLAGS.to_le_bytes());
                    Reply {
                        status: NtStatus::SUCCESS,
                        bytes: 4,
                    }
                }
                None => Reply::fail(NtStatus::BUFFER_TOO_SMALL),
            }
        }
        Verb::Get => {
            if out.is_empty() {
                return Reply {
                    status: NtStatus::BUFFER_OVERFLOW,
                    bytes: u32_of(SNAPSHOT_BYTES),
                };
            }
            let Some(dst) = out
                .get_mut(..SNAPSHOT_BYTES)
                .and_then(|d| <&mut [u8; SNAPSHOT_BYTES]>::try_from(d).ok())
            else {
                return Reply::fail(NtStatus::BUFFER_TOO_SMALL);
            };
            let n = encode(&snapshot(), dst);
            Reply {
                status: NtStatus::SUCCESS,
                bytes: u32_of(n),
            }
        }
    }
}

/// What `stream` looks like at counter value `now`: read-only (no data is moved, so the data
/// path's counters are as of its last run; the position is the clock's at `now`).
pub fn stream_status(stream: &Stream, now: Ticks, freq: CounterFrequency) -> StreamStatus {
    let stats = stream.stats();
    StreamStatus {
        state: stream.state(),
        format: *stream.format(),
        buffer: stream.geometry().map(|g| BufferStatus {
            packet_frames: g.packet_frames(),
            packets: g.packets(),
            notify: g.notify(),
        }),
        packet_mode: stream.in_packet_mode(),
        position_frames: stream.frames_at(now),
        completed_packets: stream.completed_packets(now),
        transferred_frames: stream.transferred(),
        counters: Counters {
            wakeups: stats.wakeups,
            early_wakeups: stats.early_wakeups,
            notifications: stats.notifications,
            missed_notifications: stats.missed_notifications,
            max_lateness_hns: ticks_to_hns(stats.max_lateness_ticks, freq),
            total_lateness_hns: ticks_to_hns(stats.total_lateness_ticks, freq),
            underrun_frames: stats.underrun_frames,
            late_packets: stats.late_packets,
            overrun_packets: stats.overrun_packets,
            overflow_packets: stats.overflow_packets,
            dropped_frames: stats.dropped_frames,
        },
        levels: *stream.levels(),
    }
}

#[cfg(test)]
mod tests;
