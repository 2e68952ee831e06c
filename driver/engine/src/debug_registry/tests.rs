use super::*;
use crate::format::{Channels, Format, SampleRate, SampleType};
use crate::geometry::PacketCount;
use crate::trace::{DEFAULT_CAPACITY, TraceKind};
use std::string::{String, ToString};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::vec;
use std::vec::Vec;

const F: CounterFrequency = CounterFrequency::TEN_MHZ;

fn running_stream() -> Stream {
    let format = Format::new(
        SampleType::Int24,
        Channels::new(6).unwrap(),
        SampleRate::new(48_000).unwrap(),
    );
    let mut s = Stream::new_virtual(42, Direction::Capture, format, F);
    s.attach_test_buffer(480, PacketCount::Two, true);
    for st in [KsState::Acquire, KsState::Pause, KsState::Run] {
        s.set_state(st, Ticks(1_000)).unwrap();
    }
    s
}

#[test]
fn layouts_are_the_documented_ones() {
    assert_eq!(core::mem::size_of::<CadenzaDebugRoot>(), ROOT_SIZE);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, version), 8);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, framework), 16);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, record_size), 20);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, ring_capacity), 24);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, slot_size), 32);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, slot_count), 36);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, trace_ring), 48);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, stream_table), 56);
    assert_eq!(core::mem::offset_of!(CadenzaDebugRoot, qpc_frequency), 64);
    assert_eq!(core::mem::size_of::<StreamSlot>(), SLOT_SIZE);
    assert_eq!(core::mem::offset_of!(StreamSlot, seq), 0);
    assert_eq!(core::mem::offset_of!(StreamSlot, key), 8);
    assert_eq!(core::mem::offset_of!(StreamSlot, words), WORDS_OFFSET);
    assert_eq!(core::mem::offset_of!(StreamSlot, quads), QUADS_OFFSET);
    assert_eq!(core::mem::offset_of!(StreamSlot, reserved), 208);
    assert_eq!(
        core::mem::offset_of!(StreamTable<4>, slots),
        TABLE_HEADER_SIZE
    );
    assert_eq!(core::mem::offset_of!(TableHeader, refused), 8);
}

// The statics exactly as an adapter places them.
static TRACE: TraceRing<DEFAULT_CAPACITY> = TraceRing::new();
static STREAMS: StreamTable<DEFAULT_SLOTS> = StreamTable::new();
static ROOT: CadenzaDebugRoot = CadenzaDebugRoot::new(DebugFramework::Acx, &TRACE, &STREAMS);

#[test]
fn the_root_describes_its_ring_and_table() {
    ROOT.set_qpc_frequency(F);
    TRACE.record(1, 0, TraceKind::Power, [0; 4]);
    let image = ROOT.image();
    assert_eq!(&image[..8], b"CADENZA\0");
    assert_eq!(get_u32(&image, 8), Some(LAYOUT_VERSION));
    assert_eq!(get_u32(&image, 12), Some(80));
    assert_eq!(get_u32(&image, 16), Some(1));
    assert_eq!(get_u32(&image, 20), Some(64));
    assert_eq!(get_u32(&image, 24), Some(1024));
    assert_eq!(get_u32(&image, 28), Some(64));
    assert_eq!(get_u32(&image, 32), Some(256));
    assert_eq!(get_u32(&image, 36), Some(64));
    assert_eq!(get_u32(&image, 40), Some(64));
    assert_eq!(
        get_u64(&image, 48),
        Some(core::ptr::from_ref(&TRACE).addr() as u64)
    );
    assert_eq!(
        get_u64(&image, 56),
        Some(core::ptr::from_ref(&STREAMS).addr() as u64)
    );
    assert_eq!(get_u64(&image, 64), Some(10_000_000));
    assert_eq!(ROOT.version(), LAYOUT_VERSION);
    assert_eq!(ROOT.magic(), ROOT_MAGIC);
}

#[test]
fn from_stream_copies_format_geometry_position_and_counters() {
    let mut s = running_stream();
    s.stats_mut().missed_notifications = 3;
    s.stats_mut().underrun_frames = 10;
    let now = Ticks(1_000 + 150_000); // 15 ms after RUN at 10 MHz
    let snap = StreamSnapshot::from_stream(DebugFramework::PortCls, 2, &s, now);
    assert_eq!(snap.stream_id, 42);
    assert_eq!(snap.cable, 2);
    assert_eq!(snap.framework, 2);
    assert_eq!(snap.direction, 1);
    assert_eq!(snap.ks_state(), Some(KsState::Run));
    assert_eq!(
        (snap.sample_rate, snap.channels, snap.sample_type),
        (48_000, 6, 2)
    );
    assert_eq!((snap.block_align, snap.valid_bits), (18, 24));
    assert_eq!(snap.channel_mask, s.format().channel_mask().bits());
    assert_eq!(snap.flags, FLAG_BUFFER | FLAG_NOTIFY);
    assert_eq!((snap.packet_frames, snap.packets), (480, 2));
    assert_eq!(snap.buffer_bytes, 480 * 18 * 2);
    assert_eq!(snap.linear_frames, 720);
    assert_eq!(snap.completed_packets, 1);
    assert_eq!(snap.updated_qpc, now.get());
    assert_eq!(snap.stats.missed_notifications, 3);
    assert_eq!(snap.glitches, 4);
}

#[test]
fn publish_find_retire_and_a_full_table() {
    let table = StreamTable::<2>::new();
    let s = running_stream();
    assert!(table.publish_stream(DebugFramework::Acx, 0, &s, Ticks(5)));
    // Same stream again: same slot, updated.
    assert!(table.publish_stream(DebugFramework::Acx, 0, &s, Ticks(6)));
    assert_eq!(table.find(0, 42).unwrap().updated_qpc, 6);
    // Another cable, same id: a different stream.
    assert!(table.publish_stream(DebugFramework::Acx, 1, &s, Ticks(7)));
    let mut out = [StreamSnapshot::default(); 4];
    assert_eq!(table.snapshot(&mut out), 2);
    // Full.
    let other = StreamSnapshot {
        stream_id: 9,
        ..StreamSnapshot::default()
    };
    assert!(!table.publish(&other));
    assert_eq!(table.refused(), 1);
    // Retire frees the slot.
    assert!(table.retire(0, 42));
    assert!(!table.retire(0, 42));
    assert!(table.find(0, 42).is_none());
    assert!(table.publish(&other));
    assert_eq!(table.snapshot(&mut out), 2);
}

#[test]
fn a_slot_mid_update_is_skipped_by_readers_and_writers() {
    let table = StreamTable::<2>::new();
    let snap = StreamSnapshot {
        stream_id: 1,
        state: 3,
        ..StreamSnapshot::default()
    };
    assert!(table.publish(&snap));
    // A writer is inside (odd sequence): readers skip, a second writer backs off.
    table.slots[0].seq.fetch_add(1, Ordering::Relaxed);
    assert!(table.find(0, 1).is_none());
    assert!(!table.publish(&snap));
    let mut image = vec![0u8; StreamTable::<2>::image_size()];
    table.write_image(&mut image).unwrap();
    assert!(decode_slot(&image[TABLE_HEADER_SIZE..]).is_none());
    table.slots[0].seq.fetch_add(1, Ordering::Relaxed);
    assert_eq!(table.find(0, 1), Some(snap));
    table.write_image(&mut image).unwrap();
    assert_eq!(decode_slot(&image[TABLE_HEADER_SIZE..]), Some(snap));
    assert!(decode_slot(&image[TABLE_HEADER_SIZE + SLOT_SIZE..]).is_none());
}

#[test]
fn concurrent_publishers_never_show_a_mixed_snapshot() {
    let table = Arc::new(StreamTable::<4>::new());
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3u64)
        .map(|t| {
            let table = Arc::clone(&table);
            std::thread::spawn(move || {
                for i in 0..20_000u64 {
                    let v = (t << 40) | i;
                    // Every field carries the same value: a torn read would mix values.
                    let snap = StreamSnapshot {
                        stream_id: 5,
                        linear_frames: v,
                        transferred: v,
                        completed_packets: v,
                        updated_qpc: v,
                        glitches: v,
                        stats: StreamStats {
                            wakeups: v,
                            dropped_frames: v,
                            ..StreamStats::default()
                        },
                        ..StreamSnapshot::default()
                    };
                    table.publish(&snap);
                }
            })
        })
        .collect();
    let reader = {
        let table = Arc::clone(&table);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut seen = 0u64;
            loop {
                let done = stop.load(Ordering::Relaxed);
                if let Some(s) = table.find(0, 5) {
                    let v = s.linear_frames;
                    assert_eq!(
                        [
                            s.transferred,
                            s.completed_packets,
                            s.updated_qpc,
                            s.glitches,
                            s.stats.wakeups,
                            s.stats.dropped_frames
                        ],
                        [v; 6]
                    );
                    seen += 1;
                }
                if done {
                    return seen;
                }
            }
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    // One stream, one slot.
    let mut out = [StreamSnapshot::default(); 4];
    assert_eq!(table.snapshot(&mut out), 1);
}

/// The names WinDbg prints come from `tools/windbg/cadenza.js`, which decodes the same codes
/// with its own tables (`FRAMEWORKS`, `DIRECTIONS`): the driver's codes must index them.
#[test]
fn framework_and_direction_codes_match_the_debugger_scripts_tables() {
    const SCRIPT: &str = include_str!("../../../../tools/windbg/cadenza.js");
    // `const NAME = [a, b, ...];` → its entries, quotes removed (`null` stays `null`).
    let table = |name: &str| -> Vec<String> {
        let start = SCRIPT
            .find(&format!("const {name} = ["))
            .unwrap_or_else(|| panic!("cadenza.js has no table {name}"));
        let rest = &SCRIPT[start..];
        let open = rest.find('[').unwrap() + 1;
        let close = rest.find(']').unwrap();
        rest[open..close]
            .split(',')
            .map(|e| e.trim().trim_matches('"').to_string())
            .collect()
    };
    let frameworks = table("FRAMEWORKS");
    assert_eq!(frameworks[0], "null", "code 0 is no framework");
    let all = [
        DebugFramework::Acx,
        DebugFramework::PortCls,
        DebugFramework::Sim,
    ];
    assert_eq!(frameworks.len(), all.len() + 1);
    for f in all {
        let code = f as u64;
        assert_eq!(
            frameworks[usize::try_from(code).unwrap()],
            f.name(),
            "{f:?}"
        );
        assert_eq!(framework_name(code), f.name(), "{f:?}");
        assert_eq!(DebugFramework::from_code(code), Some(f));
    }
    for unknown in [0, 4, u64::MAX] {
        assert_eq!(framework_name(unknown), "?");
        assert_eq!(DebugFramework::from_code(unknown), None);
    }
    let directions = table("DIRECTIONS");
    assert_eq!(directions.len(), 2);
    for (d, name) in [
        (Direction::Render, "render"),
        (Direction::Capture, "capture"),
    ] {
        assert_eq!(
            directions[usize::try_from(direction_code(d)).unwrap()],
            name
        );
    }
}

/// Cable 0's stream 0 is a stream like any other: its table key must not look like a free
/// slot's (all zero).
#[test]
fn stream_zero_of_cable_zero_is_published_found_and_retired() {
    let table = StreamTable::<2>::new();
    let zero = StreamSnapshot {
        cable: 0,
        stream_id: 0,
        updated_qpc: 11,
        ..StreamSnapshot::default()
    };
    assert!(table.publish(&zero));
    assert_eq!(table.find(0, 0).map(|s| s.updated_qpc), Some(11));
    let mut out = [StreamSnapshot::default(); 2];
    assert_eq!(table.snapshot(&mut out), 1);
    // A second stream fills the other slot; republishing stream 0 reuses its own slot.
    let other = StreamSnapshot {
        stream_id: 1,
        ..StreamSnapshot::default()
    };
    assert!(table.publish(&other));
    assert!(table.publish(&StreamSnapshot {
        updated_qpc: 12,
        ..zero
    }));
    assert_eq!(table.find(0, 0).map(|s| s.updated_qpc), Some(12));
    assert!(table.retire(0, 0));
    assert!(table.find(0, 0).is_none());
    assert_eq!(table.snapshot(&mut out), 1);
}

/// The `flags` column WinDbg shows is the raw word; docs/debugging.md gives its bits:
/// 1 buffer attached, 2 notifications, 4 packet mode, 8 hardware-timed.
#[test]
fn flags_carry_the_documented_bits() {
    let format = Format::DEFAULT;
    let stopped = Stream::new_virtual(1, Direction::Render, format, F);
    let snap = StreamSnapshot::from_stream(DebugFramework::Acx, 0, &stopped, Ticks(0));
    assert_eq!(snap.flags, 0, "no buffer, counter-timed");
    // A render stream with a buffer without notifications, in packet mode, timed by a
    // position register.
    let mut s = Stream::new_hardware(2, Direction::Render, format, F);
    s.attach_test_buffer(480, PacketCount::Two, false);
    let snap = StreamSnapshot::from_stream(DebugFramework::Acx, 0, &s, Ticks(0));
    assert_eq!(snap.flags, 1 | 8, "buffer, hardware");
    s.set_write_packet(0, 0, 0, Ticks(0)).unwrap();
    assert!(s.in_packet_mode());
    let snap = StreamSnapshot::from_stream(DebugFramework::Acx, 0, &s, Ticks(0));
    assert_eq!(snap.flags, 1 | 4 | 8, "buffer, packet mode, hardware");
    // Notifications: the running capture stream of the other tests.
    let snap = StreamSnapshot::from_stream(DebugFramework::Acx, 0, &running_stream(), Ticks(0));
    assert_eq!(snap.flags, 1 | 2, "buffer, notifications, counter-timed");
}

/// What WinDbg and `cadenza-sim --debug-trace` read is the table's memory image: a published
/// slot must decode from it to exactly the snapshot that was published, every word and quad
/// at its own offset.
#[test]
fn a_published_slot_decodes_from_the_memory_image_unchanged() {
    let table = StreamTable::<2>::new();
    let mut snap = StreamSnapshot::from_stream(DebugFramework::Acx, 1, &running_stream(), Ticks(7));
    // Distinct values in every 64-bit field, so two fields written over each other show.
    snap.linear_frames = 0x0101_0101_0101_0101;
    snap.transferred = 0x0202_0202_0202_0202;
    snap.completed_packets = 3;
    snap.stats.wakeups = 4;
    snap.stats.dropped_frames = 5;
    snap.glitches = 6;
    assert!(table.publish(&snap));
    let mut image = vec![0u8; StreamTable::<2>::image_size()];
    assert_eq!(table.write_image(&mut image), Some(image.len()));
    let first = &image[TABLE_HEADER_SIZE..TABLE_HEADER_SIZE + SLOT_SIZE];
    assert_eq!(decode_slot(first), Some(snap));
    let second = &image[TABLE_HEADER_SIZE + SLOT_SIZE..TABLE_HEADER_SIZE + 2 * SLOT_SIZE];
    assert_eq!(decode_slot(second), None, "the free slot decodes as free");
}
