use super::*;
use std::collections::HashSet;
use std::string::ToString;
use std::sync::Arc;
use std::vec::Vec;

fn all(ring: &TraceRing<16>) -> Vec<TraceEntry> {
    ring.iter().collect()
}

#[test]
fn layout_is_the_documented_one() {
    assert_eq!(core::mem::size_of::<TraceRecord>(), RECORD_SIZE);
    assert_eq!(core::mem::align_of::<TraceRecord>(), 64);
    assert_eq!(core::mem::offset_of!(TraceRecord, stamp), 0);
    assert_eq!(core::mem::offset_of!(TraceRecord, qpc), 8);
    assert_eq!(core::mem::offset_of!(TraceRecord, stream), 16);
    assert_eq!(core::mem::offset_of!(TraceRecord, kind), 20);
    assert_eq!(core::mem::offset_of!(TraceRecord, flags), 22);
    assert_eq!(core::mem::offset_of!(TraceRecord, args), 24);
    assert_eq!(core::mem::offset_of!(TraceRecord, seq), 56);
    assert_eq!(core::mem::offset_of!(TraceHeader, head), 0);
    assert_eq!(core::mem::offset_of!(TraceHeader, dropped), 8);
    assert_eq!(core::mem::offset_of!(TraceHeader, capacity), 16);
    assert_eq!(core::mem::offset_of!(TraceHeader, record_size), 20);
    assert_eq!(
        core::mem::offset_of!(TraceRing<16>, records),
        RING_HEADER_SIZE
    );
    assert_eq!(
        TraceRing::<DEFAULT_CAPACITY>::image_size(),
        RING_HEADER_SIZE + DEFAULT_CAPACITY * RECORD_SIZE
    );
}

#[test]
fn kinds_round_trip_and_are_numbered_from_one() {
    for (i, k) in TraceKind::ALL.iter().enumerate() {
        assert_eq!(usize::from(k.raw()), i + 1);
        assert_eq!(TraceKind::from_raw(k.raw()), Some(*k));
    }
    assert_eq!(TraceKind::from_raw(0), None);
    assert_eq!(TraceKind::from_raw(18), None);
}

#[test]
fn single_writer_keeps_order_and_fields() {
    let ring = TraceRing::<16>::new();
    for i in 0..5u64 {
        let seq = ring.record(100 + i, 7, TraceKind::Notification, [i, 1000 + i, 0, 0]);
        assert_eq!(seq, Some(i));
    }
    let got = all(&ring);
    assert_eq!(got.len(), 5);
    for (i, e) in got.iter().enumerate() {
        let i = i as u64;
        assert_eq!(e.seq, i);
        assert_eq!(e.qpc, 100 + i);
        assert_eq!(e.stream, 7);
        assert_eq!(e.kind(), Some(TraceKind::Notification));
        assert_eq!(e.args, [i, 1000 + i, 0, 0]);
    }
    assert_eq!(ring.head(), 5);
    assert_eq!(ring.dropped(), 0);
}

#[test]
fn wrap_around_keeps_the_newest_capacity_records() {
    let ring = TraceRing::<16>::new();
    for i in 0..40u64 {
        ring.record(i, 1, TraceKind::PacketWritten, [i, 0, 0, 0]);
    }
    let got = all(&ring);
    assert_eq!(got.len(), 16);
    let seqs: Vec<u64> = got.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (24..40).collect::<Vec<_>>());
    // Older sequence numbers read as overwritten, not as stale data.
    assert_eq!(ring.read(23), SlotRead::Overwritten);
    assert_eq!(ring.read(0), SlotRead::Overwritten);
    // A smaller snapshot buffer gets the newest records, oldest first.
    let mut out = [TraceEntry::default(); 4];
    let info = ring.snapshot(&mut out);
    assert_eq!(info.copied, 4);
    assert_eq!(info.skipped, 0);
    assert_eq!(info.head, 40);
    assert_eq!(
        out.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [36, 37, 38, 39]
    );
}

#[test]
fn torn_records_are_detected() {
    let ring = TraceRing::<16>::new();
    for i in 0..4u64 {
        ring.record(i, 2, TraceKind::StateChange, [0, 1, 0, 0]);
    }
    // A writer stopped half-way (as a crash dump would show it).
    ring.records[1].stamp.store(STAMP_BUSY, Ordering::Relaxed);
    assert_eq!(ring.read(1), SlotRead::Torn);
    // Fields that do not belong to the stamp (a lapped writer's leftovers).
    ring.records[2].seq.store(99, Ordering::Relaxed);
    assert_eq!(ring.read(2), SlotRead::Torn);
    // A stamp that changed between the reader's two loads.
    let e = TraceEntry {
        seq: 3,
        ..TraceEntry::default()
    };
    assert_eq!(classify(4, 20, 4, &e), SlotRead::Torn);
    assert_eq!(classify(4, 4, 4, &e), SlotRead::Complete(e));
    // Reserved but never published.
    assert_eq!(ring.read(4), SlotRead::Missing);

    let seqs: Vec<u64> = all(&ring).iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [0, 3]);
    let mut out = [TraceEntry::default(); 16];
    let info = ring.snapshot(&mut out);
    assert_eq!((info.copied, info.skipped), (2, 2));

    // The image decoder agrees.
    let mut image = std::vec![0u8; TraceRing::<16>::image_size()];
    ring.write_image(&mut image).unwrap();
    let parsed = RingImage::parse(&image).unwrap();
    assert_eq!(parsed.entries().map(|e| e.seq).collect::<Vec<_>>(), [0, 3]);
    assert_eq!(parsed.incomplete(), 2);
}

#[test]
fn a_busy_or_newer_slot_makes_the_writer_drop_not_wait() {
    let ring = TraceRing::<4>::new();
    ring.record(0, 0, TraceKind::Power, [0; 4]);
    // Pretend a writer is still inside slot 1 when seq 1 arrives.
    ring.records[1].stamp.store(STAMP_BUSY, Ordering::Relaxed);
    assert_eq!(ring.record(0, 0, TraceKind::Power, [1, 0, 0, 0]), None);
    assert_eq!(ring.dropped(), 1);
    // A newer record already in slot 2 (stamp of seq 6) beats the stale seq 2.
    ring.records[2].stamp.store(7, Ordering::Relaxed);
    assert_eq!(ring.record(0, 0, TraceKind::Power, [2, 0, 0, 0]), None);
    assert_eq!(ring.dropped(), 2);
    assert_eq!(ring.record(0, 0, TraceKind::Power, [3, 0, 0, 0]), Some(3));
    // A reader's snapshot reports the drops with what it copied.
    let mut out = [TraceEntry::default(); 4];
    let info = ring.snapshot(&mut out);
    assert_eq!(info.dropped, 2);
    assert_eq!(info.head, 4);
}

#[test]
fn concurrent_writers_publish_intact_unique_records() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 20_000;
    let ring = Arc::new(TraceRing::<1024>::new());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let ring = Arc::clone(&ring);
            std::thread::spawn(move || {
                let mut written = 0u64;
                for i in 0..PER_THREAD {
                    // Every argument is derived from (thread, i) so a mixed record shows.
                    let tag = (t << 32) | i;
                    if ring
                        .record(
                            tag,
                            u32::try_from(t).unwrap(),
                            TraceKind::PacketRead,
                            [tag, !tag, t, i],
                        )
                        .is_some()
                    {
                        written += 1;
                    }
                }
                written
            })
        })
        .collect();
    // Read while the writers run: every record a reader accepts must be intact.
    let mut seen_during = 0usize;
    while seen_during == 0 || !handles.iter().all(std::thread::JoinHandle::is_finished) {
        for e in ring.iter() {
            assert_intact(&e);
            seen_during += 1;
        }
    }
    let written: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(written + ring.dropped(), THREADS * PER_THREAD);
    assert_eq!(ring.head(), THREADS * PER_THREAD);

    let entries: Vec<TraceEntry> = ring.iter().collect();
    let mut seqs = HashSet::new();
    for e in &entries {
        assert_intact(e);
        assert!(seqs.insert(e.seq), "duplicate sequence number {}", e.seq);
        assert!(e.seq >= THREADS * PER_THREAD - 1024);
    }
    // Oldest first.
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq));
    // Quiescent: the last 1024 reservations are all published (or dropped).
    assert!(entries.len() as u64 + ring.dropped() >= 1024);
    assert!(seen_during > 0);
}

fn assert_intact(e: &TraceEntry) {
    let tag = e.qpc;
    let t = tag >> 32;
    let i = tag & 0xFFFF_FFFF;
    assert_eq!(e.args, [tag, !tag, t, i], "mixed record {e:?}");
    assert_eq!(u64::from(e.stream), t);
    assert_eq!(e.kind(), Some(TraceKind::PacketRead));
}

#[test]
fn image_round_trips_through_the_decoder() {
    let ring = TraceRing::<16>::new();
    ring.record(5, 1, TraceKind::StateChange, [2, 3, 0, 0]);
    ring.record(6, 1, TraceKind::Error, [0xC000_0184, 9, 0, 0]);
    let mut image = std::vec![0u8; TraceRing::<16>::image_size()];
    assert_eq!(ring.write_image(&mut image), Some(image.len()));
    let parsed = RingImage::parse(&image).unwrap();
    assert_eq!((parsed.head(), parsed.capacity()), (2, 16));
    let direct: Vec<_> = ring.iter().collect();
    let decoded: Vec<_> = parsed.entries().collect();
    assert_eq!(direct, decoded);
    assert_eq!(
        RingImage::parse(&image[..100]).unwrap_err(),
        ImageError::Truncated
    );
    let mut bad = image.clone();
    bad[20] = 48;
    assert_eq!(
        RingImage::parse(&bad).unwrap_err(),
        ImageError::RecordSize(48)
    );
    assert!(ring.write_image(&mut [0u8; 10]).is_none());
}

#[test]
fn display_is_the_shared_text_form() {
    let e = |kind: TraceKind, args: [u64; 4]| TraceEntry {
        seq: 3,
        qpc: 1234,
        stream: 2,
        kind: kind.raw(),
        flags: 0,
        args,
    };
    let cases = [
        (
            e(TraceKind::StateChange, [2, 3, 0, 0]),
            "#3 qpc=1234 s2 StateChange PAUSE->RUN",
        ),
        (
            e(TraceKind::BufferAllocated, [3840, 480, 2, 3840]),
            "#3 qpc=1234 s2 BufferAllocated bytes=3840 packet_frames=480 packets=2 stride=3840",
        ),
        (
            e(TraceKind::Error, [0xC000_0184, 7, 0, 0]),
            "#3 qpc=1234 s2 Error status=0xc0000184 context=7",
        ),
        (
            e(TraceKind::StreamCreated, [1, 48000, 2, 5]),
            "#3 qpc=1234 s2 StreamCreated capture rate=48000 channels=2 type=float32",
        ),
        (
            e(TraceKind::PacketWritten, [9, 0x200, 100, 0]),
            "#3 qpc=1234 s2 PacketWritten packet=9 flags=0x200 eos_bytes=100",
        ),
        (e(TraceKind::Power, [3, 0, 0, 0]), "#3 qpc=1234 s2 Power D3"),
        (
            e(TraceKind::EventRegistered, [0x1000, 0, 0, 0]),
            "#3 qpc=1234 s2 EventRegistered event=0x1000",
        ),
    ];
    for (entry, text) in cases {
        assert_eq!(entry.to_string(), text);
    }
    let unknown = TraceEntry {
        kind: 99,
        ..e(TraceKind::Power, [1, 2, 3, 4])
    };
    assert_eq!(
        unknown.to_string(),
        "#3 qpc=1234 s2 Kind99 args=0x1,0x2,0x3,0x4"
    );
}
