//! The layout, byte by byte, with every offset written out here by hand (not taken from the
//! encoder's constants), the decoder's refusals one by one, and the request protocol.

use proptest::prelude::*;

use super::*;
use crate::format::{ChannelMask, Channels, Format, SampleRate, SampleType};
use crate::geometry::PacketCount;
use crate::level::Levels;
use crate::state::KsState;

fn word(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn half(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn quad(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn stereo_float_48k() -> Format {
    Format::new(
        SampleType::Float32,
        Channels::new(2).unwrap(),
        SampleRate::new(48_000).unwrap(),
    )
}

fn stereo_levels() -> Levels {
    let mut peak_q31 = [0; 16];
    peak_q31[0] = 0x4000_0000;
    peak_q31[1] = 0x0123_4567;
    Levels {
        window_frames: 4_800,
        windows: 7,
        peak_q31,
    }
}

/// A running render stream with every counter distinct, and an idle capture side.
fn sample() -> Snapshot {
    Snapshot {
        render: Slot::Open(StreamStatus {
            state: KsState::Run,
            format: stereo_float_48k(),
            buffer: Some(BufferStatus {
                packet_frames: 480,
                packets: PacketCount::Two,
                notify: true,
            }),
            packet_mode: true,
            position_frames: 4800,
            completed_packets: 10,
            transferred_frames: 4321,
            counters: Counters {
                wakeups: 101,
                early_wakeups: 102,
                notifications: 103,
                missed_notifications: 104,
                max_lateness_hns: 105,
                total_lateness_hns: 106,
                underrun_frames: 107,
                late_packets: 108,
                overrun_packets: 109,
                overflow_packets: 110,
                dropped_frames: 111,
            },
            levels: stereo_levels(),
        }),
        capture: Slot::Idle,
    }
}

fn bytes_of(s: &Snapshot) -> [u8; 472] {
    let mut out = [0xAAu8; 472];
    assert_eq!(encode(s, &mut out), 472);
    out
}

#[test]
fn the_snapshot_is_a_24_byte_header_and_two_224_byte_records() {
    assert_eq!(SNAPSHOT_BYTES, 24 + 2 * 224);
    let b = bytes_of(&sample());
    assert_eq!(&b[0..4], b"CZST");
    assert_eq!(word(&b, 0), 0x5453_5A43);
    assert_eq!(word(&b, 4), 2, "version");
    assert_eq!(word(&b, 8), 24, "header size");
    assert_eq!(word(&b, 12), 472, "total size");
    assert_eq!(word(&b, 16), 1, "pair count");
    assert_eq!(word(&b, 20), 224, "record size");
}

#[test]
fn an_open_stream_record_has_every_field_at_its_documented_offset() {
    let b = bytes_of(&sample());
    let r = &b[24..248];
    assert_eq!(word(r, 0), 0, "render");
    assert_eq!(word(r, 4), 2, "open");
    assert_eq!(word(r, 8), 3, "KSSTATE_RUN");
    assert_eq!(word(r, 12), 0b111, "buffer | notify | packet mode");
    assert_eq!(word(r, 16), 48_000);
    assert_eq!(half(r, 20), 2);
    assert_eq!(half(r, 22), 5, "float32");
    assert_eq!(half(r, 24), 32, "container bits");
    assert_eq!(half(r, 26), 32, "valid bits");
    assert_eq!(word(r, 28), 0x3, "FRONT_LEFT | FRONT_RIGHT");
    assert_eq!(word(r, 32), 480);
    assert_eq!(word(r, 36), 2);
    assert_eq!(quad(r, 40), 4800);
    assert_eq!(quad(r, 48), 10);
    assert_eq!(quad(r, 56), 4321);
    // wakeups .. dropped_frames: 101..=111 at 64, 72, ..., 144.
    for (i, at) in (64..=144).step_by(8).enumerate() {
        assert_eq!(quad(r, at), 101 + i as u64, "counter at {at}");
    }
    assert_eq!(word(r, 152), 4_800, "level window frames");
    assert_eq!(word(r, 156), 7, "level windows");
    assert_eq!(word(r, 160), 0x4000_0000, "left peak: half scale");
    assert_eq!(word(r, 164), 0x0123_4567, "right peak");
    for at in (168..224).step_by(4) {
        assert_eq!(
            word(r, at),
            0,
            "channel {} of a stereo stream",
            (at - 160) / 4
        );
    }
}

#[test]
fn slots_without_a_stream_are_zero_after_their_code() {
    let mut s = sample();
    s.render = Slot::NoEndpoint;
    let b = bytes_of(&s);
    assert_eq!(word(&b, 24), 0, "render direction");
    assert_eq!(word(&b, 28), 0, "no endpoint");
    assert!(b[32..248].iter().all(|&x| x == 0));
    assert_eq!(word(&b, 248), 1, "capture direction");
    assert_eq!(word(&b, 252), 1, "idle");
    assert!(b[256..472].iter().all(|&x| x == 0));
}

#[test]
fn the_property_set_guid_has_the_windows_memory_image() {
    // {0D5BF987-CEC3-4278-9A37-A21090511491}: Data1..3 little-endian, Data4 as written.
    assert_eq!(
        KSPROPSETID_CADENZA_STATUS.to_bytes(),
        [
            0x87, 0xF9, 0x5B, 0x0D, 0xC3, 0xCE, 0x78, 0x42, 0x9A, 0x37, 0xA2, 0x10, 0x90, 0x51,
            0x14, 0x91
        ]
    );
    assert_eq!(PROPERTY_SNAPSHOT, 1);
}

#[test]
fn decode_reads_back_what_encode_wrote() {
    let b = bytes_of(&sample());
    assert_eq!(decode(&b), Ok(sample()));
    // Trailing bytes of a larger caller buffer are ignored.
    let mut longer = [0u8; 600];
    longer[..472].copy_from_slice(&b);
    assert_eq!(decode(&longer), Ok(sample()));
}

/// `bytes` with the u32 at `at` replaced.
fn with_word(at: usize, v: u32) -> [u8; 472] {
    let mut b = bytes_of(&sample());
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    b
}

#[test]
fn decode_refuses_each_kind_of_bad_snapshot() {
    let good = bytes_of(&sample());
    assert_eq!(decode(&good[..23]), Err(DecodeError::Short));
    assert_eq!(decode(&good[..471]), Err(DecodeError::Short));
    assert_eq!(decode(&with_word(0, 0x5453_5A44)), Err(DecodeError::Magic));
    assert_eq!(
        decode(&with_word(4, 1)),
        Err(DecodeError::Version),
        "version 1"
    );
    assert_eq!(decode(&with_word(4, 3)), Err(DecodeError::Version));
    assert_eq!(decode(&with_word(8, 28)), Err(DecodeError::Shape));
    assert_eq!(decode(&with_word(12, 328)), Err(DecodeError::Shape));
    assert_eq!(decode(&with_word(16, 2)), Err(DecodeError::Shape));
    assert_eq!(decode(&with_word(20, 152)), Err(DecodeError::Shape));
    // Render record at 24, capture record at 248.
    assert_eq!(decode(&with_word(24, 1)), Err(DecodeError::Direction));
    assert_eq!(decode(&with_word(248, 0)), Err(DecodeError::Direction));
    assert_eq!(decode(&with_word(28, 3)), Err(DecodeError::SlotCode));
    assert_eq!(decode(&with_word(248 + 100, 1)), Err(DecodeError::NotZero));
    assert_eq!(decode(&with_word(248 + 220, 1)), Err(DecodeError::NotZero));
    // Levels: above full scale, on a third channel of a stereo stream, or without a window.
    assert_eq!(
        decode(&with_word(24 + 160, 0x8000_0001)),
        Err(DecodeError::Levels)
    );
    assert_eq!(decode(&with_word(24 + 168, 1)), Err(DecodeError::Levels));
    assert_eq!(decode(&with_word(24 + 156, 0)), Err(DecodeError::Levels));
    assert_eq!(decode(&with_word(24 + 152, 0)), Err(DecodeError::Levels));
    assert!(
        decode(&with_word(24 + 160, 0x8000_0000)).is_ok(),
        "full scale"
    );
    assert_eq!(decode(&with_word(24 + 8, 4)), Err(DecodeError::KsState));
    assert_eq!(decode(&with_word(24 + 12, 0b1111)), Err(DecodeError::Flags));
    assert_eq!(decode(&with_word(24 + 16, 7_999)), Err(DecodeError::Format));
    assert_eq!(
        decode(&with_word(24 + 20, 17)),
        Err(DecodeError::Format),
        "17 channels"
    );
    assert_eq!(
        decode(&with_word(24 + 20, (6 << 16) | 2)),
        Err(DecodeError::Format),
        "type 6"
    );
    assert_eq!(
        decode(&with_word(24 + 24, (16 << 16) | 32)),
        Err(DecodeError::Format),
        "bits"
    );
    assert_eq!(
        decode(&with_word(24 + 28, 0x7)),
        Err(DecodeError::Format),
        "3-bit mask"
    );
    assert_eq!(decode(&with_word(24 + 36, 3)), Err(DecodeError::Buffer));
    assert_eq!(decode(&with_word(24 + 32, 0)), Err(DecodeError::Buffer));
    // No buffer flag but buffer fields set.
    assert_eq!(decode(&with_word(24 + 12, 0b100)), Err(DecodeError::Buffer));
    assert_eq!(decode(&with_word(24 + 12, 0b110)), Err(DecodeError::Buffer));
    // No buffer flag and any one buffer field set: each alone is refused.
    let no_buffer = |pf: u32, pc: u32, flags: u32| {
        let mut b = with_word(24 + 12, flags);
        b[24 + 32..24 + 36].copy_from_slice(&pf.to_le_bytes());
        b[24 + 36..24 + 40].copy_from_slice(&pc.to_le_bytes());
        decode(&b)
    };
    assert!(
        no_buffer(0, 0, 0).is_ok(),
        "an open stream without a buffer"
    );
    assert_eq!(
        no_buffer(480, 0, 0),
        Err(DecodeError::Buffer),
        "packet frames"
    );
    assert_eq!(no_buffer(0, 2, 0), Err(DecodeError::Buffer), "packet count");
    assert_eq!(
        no_buffer(0, 0, 0b10),
        Err(DecodeError::Buffer),
        "notify flag"
    );
    // Exactly a header's worth: judged as a header (a wrong magic is a wrong magic), then
    // short of its records.
    assert_eq!(
        decode(&with_word(0, 0x5453_5A44)[..24]),
        Err(DecodeError::Magic)
    );
    assert_eq!(decode(&good[..24]), Err(DecodeError::Short));
    // Packet mode on a capture stream.
    let mut s = sample();
    s.capture = s.render;
    let mut b = bytes_of(&s);
    b[248..252].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(decode(&b), Err(DecodeError::Flags));
}

#[test]
fn verbs_come_from_exactly_one_ks_verb_flag() {
    assert_eq!(Verb::from_ks_flags(0x1), Ok(Verb::Get));
    assert_eq!(Verb::from_ks_flags(0x2), Ok(Verb::Set));
    assert_eq!(Verb::from_ks_flags(0x200), Ok(Verb::BasicSupport));
    // KSPROPERTY_TYPE_TOPOLOGY (0x10000000) rides along with a verb.
    assert_eq!(Verb::from_ks_flags(0x1000_0001), Ok(Verb::Get));
    for bad in [0, 0x3, 0x201, 0x202, 0x100, 0x1000_0000] {
        assert_eq!(
            Verb::from_ks_flags(bad),
            Err(NtStatus::INVALID_DEVICE_REQUEST),
            "{bad:#x}"
        );
    }
}

fn must_not_snapshot() -> Snapshot {
    panic!("the snapshot was taken for a request that cannot return it")
}

#[test]
fn get_follows_the_ks_size_protocol() {
    let mut none: [u8; 0] = [];
    assert_eq!(
        answer(1, Verb::Get, &mut none, must_not_snapshot),
        Reply {
            status: NtStatus::BUFFER_OVERFLOW,
            bytes: 472
        }
    );
    let mut short = [0x55u8; 471];
    assert_eq!(
        answer(1, Verb::Get, &mut short, must_not_snapshot),
        Reply {
            status: NtStatus::BUFFER_TOO_SMALL,
            bytes: 0
        }
    );
    assert!(short.iter().all(|&b| b == 0x55), "nothing written");
    let mut big = [0x55u8; 500];
    assert_eq!(
        answer(1, Verb::Get, &mut big, sample),
        Reply {
            status: NtStatus::SUCCESS,
            bytes: 472
        }
    );
    assert_eq!(big[..472], bytes_of(&sample()));
    assert!(
        big[472..].iter().all(|&b| b == 0x55),
        "nothing past the snapshot"
    );
}

#[test]
fn set_unknown_ids_and_basic_support_are_answered_without_a_snapshot() {
    let mut buf = [0u8; 400];
    assert_eq!(
        answer(1, Verb::Set, &mut buf, must_not_snapshot),
        Reply {
            status: NtStatus::INVALID_DEVICE_REQUEST,
            bytes: 0
        }
    );
    for id in [0, 2, u32::MAX] {
        assert_eq!(
            answer(id, Verb::Get, &mut buf, must_not_snapshot).status,
            NtStatus::NOT_FOUND
        );
    }
    assert_eq!(
        answer(1, Verb::BasicSupport, &mut [], must_not_snapshot),
        Reply {
            status: NtStatus::BUFFER_OVERFLOW,
            bytes: 4
        }
    );
    assert_eq!(
        answer(1, Verb::BasicSupport, &mut [0; 3], must_not_snapshot).status,
        NtStatus::BUFFER_TOO_SMALL
    );
    assert_eq!(
        answer(1, Verb::BasicSupport, &mut buf, must_not_snapshot),
        Reply {
            status: NtStatus::SUCCESS,
            bytes: 4
        }
    );
    // KSPROPERTY_TYPE_GET (1) | KSPROPERTY_TYPE_BASICSUPPORT (0x200).
    assert_eq!(word(&buf, 0), 0x201);
}

fn any_format() -> impl Strategy<Value = Format> {
    (0usize..5, 1u16..=16, 8_000u32..=384_000, any::<bool>()).prop_map(|(s, c, hz, mask)| {
        let channels = Channels::new(c).unwrap();
        let mask = if mask {
            ChannelMask::default_for(channels)
        } else {
            ChannelMask::DIRECT_OUT
        };
        Format::with_mask(
            SampleType::ALL[s],
            channels,
            SampleRate::new(hz).unwrap(),
            mask,
        )
    })
}

/// Levels as a meter can publish them: none yet, or a window with peaks up to full scale.
fn any_levels() -> impl Strategy<Value = Levels> {
    prop_oneof![
        Just(Levels::default()),
        (
            1u32..,
            1u32..,
            proptest::array::uniform16(0u32..=0x8000_0000)
        )
            .prop_map(|(window_frames, windows, peak_q31)| Levels {
                window_frames,
                windows,
                peak_q31,
            }),
    ]
}

fn any_slot(render: bool) -> impl Strategy<Value = Slot> {
    let open = (
        0u32..4,
        any_format(),
        proptest::option::of((1u32.., any::<bool>(), any::<bool>())),
        any::<bool>(),
        any::<[u64; 3]>(),
        any::<[u64; 11]>(),
        any_levels(),
    )
        .prop_map(
            move |(state, format, buffer, packet_mode, pos, counters, levels)| {
                Slot::Open(StreamStatus {
                    state: KsState::from_raw(state).unwrap(),
                    format,
                    buffer: buffer.map(|(packet_frames, two, notify)| BufferStatus {
                        packet_frames,
                        packets: if two {
                            PacketCount::Two
                        } else {
                            PacketCount::One
                        },
                        notify,
                    }),
                    packet_mode: packet_mode && render,
                    position_frames: pos[0],
                    completed_packets: pos[1],
                    transferred_frames: pos[2],
                    counters: Counters::from_array(counters),
                    levels: Levels {
                        peak_q31: core::array::from_fn(|i| {
                            if i < usize::from(format.channels().get()) {
                                levels.peak_q31[i]
                            } else {
                                0
                            }
                        }),
                        ..levels
                    },
                })
            },
        );
    prop_oneof![Just(Slot::NoEndpoint), Just(Slot::Idle), open]
}

proptest! {
    #[test]
    fn every_snapshot_round_trips(render in any_slot(true), capture in any_slot(false)) {
        let s = Snapshot { render, capture };
        prop_assert_eq!(decode(&bytes_of(&s)), Ok(s));
    }

    /// The decoder accepts only canonical bytes: whatever it accepts re-encodes identically.
    #[test]
    fn whatever_decodes_re_encodes_to_the_same_bytes(
        seed in any_slot(true),
        flips in proptest::collection::vec((0usize..472, any::<u8>()), 0..4),
    ) {
        let mut b = bytes_of(&Snapshot { render: seed, capture: Slot::Idle });
        for (at, v) in flips {
            b[at] = v;
        }
        if let Ok(s) = decode(&b) {
            prop_assert_eq!(bytes_of(&s), b);
        }
    }
}
