use super::*;
use crate::NtStatus;
use crate::device::ops;
use crate::format::{Channels, SampleRate, SampleType};
use crate::geometry::{BufferGeometry, BufferLimits, PacketCount};
use crate::stream::{TimerRequest, WRITE_PACKET_FLAG_EOS};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

const F: CounterFrequency = CounterFrequency::TEN_MHZ;

fn fmt(t: SampleType, ch: u16) -> Format {
    Format::new(
        t,
        Channels::new(ch).unwrap(),
        SampleRate::new(48_000).unwrap(),
    )
}

/// A cable with both streams open, buffers of `packet_frames` × 2, in PAUSE.
fn cable(render: Format, capture: Format, rpf: u32, cpf: u32) -> Cable {
    let c = Cable::new(DmaBuffer::leaked(Cable::ring_bytes(48_000, 64, 500)), F);
    wired(c, render, capture, rpf, cpf)
}

/// [`cable`] as the device host holds it (which owns presence).
fn hosted_cable(
    render: Format,
    capture: Format,
    rpf: u32,
    cpf: u32,
) -> crate::device::virtual_device::VirtualDevice {
    let ring = DmaBuffer::leaked(Cable::ring_bytes(48_000, 64, 500));
    let c = crate::device::virtual_device::VirtualDevice::cable(ring, F);
    wired(c, render, capture, rpf, cpf)
}

fn wired<D: AudioDevice>(mut c: D, render: Format, capture: Format, rpf: u32, cpf: u32) -> D {
    ops::open(&mut c, 1, Direction::Render, render, F).unwrap();
    ops::open(&mut c, 2, Direction::Capture, capture, F).unwrap();
    for (d, f, pf) in [
        (Direction::Render, render, rpf),
        (Direction::Capture, capture, cpf),
    ] {
        let g = BufferGeometry::plan(
            &f,
            pf * u32::from(f.block_align()) * 2,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        ops::attach_buffer(&mut c, d, DmaBuffer::leaked(g.span_bytes() as usize), g)
            .map_err(|(e, _)| e)
            .unwrap();
        ops::set_state(&mut c, d, KsState::Acquire, Ticks(0)).unwrap();
        ops::set_state(&mut c, d, KsState::Pause, Ticks(0)).unwrap();
    }
    c
}

/// Test pattern: frame f, byte i → a value that differs for every frame and byte position.
fn pattern(f: u64, i: usize) -> u8 {
    ((f * 7 + i as u64 * 13 + 1) % 251) as u8 + 1
}

/// The most frames a test client moves in one call: minutes of audio. A position that runs
/// away (a broken clock) fails the test here, with the numbers, instead of keeping the
/// client busy for hours.
const MAX_CLIENT_FRAMES: u64 = 1 << 24;

fn assert_client_span(what: &str, from: u64, to: u64) {
    assert!(
        to.saturating_sub(from) <= MAX_CLIENT_FRAMES,
        "{what} of frames {from}..{to}: the stream position ran away"
    );
}

/// Writes render frames [from, to) into the render buffer (as a client would).
fn client_write(c: &mut Cable, from: u64, to: u64) {
    assert_client_span("client_write", from, to);
    let s = c.stream_mut(Direction::Render).unwrap();
    let block = usize::from(s.format().block_align());
    let b = s.buffer_mut().unwrap();
    let g = b.geometry;
    for f in from..to {
        let off = g.wrapped_offset(f) as usize;
        let bytes = b.memory.slice_mut(off, block).unwrap();
        for (i, x) in bytes.iter_mut().enumerate() {
            *x = pattern(f, i);
        }
    }
}

/// Reads capture frames [from, to) out of the capture buffer.
fn client_read(c: &Cable, from: u64, to: u64) -> Vec<Vec<u8>> {
    assert_client_span("client_read", from, to);
    let s = c.stream(Direction::Capture).unwrap();
    let block = usize::from(s.format().block_align());
    let b = s.buffer().unwrap();
    (from..to)
        .map(|f| {
            b.memory
                .slice(b.geometry.wrapped_offset(f) as usize, block)
                .unwrap()
                .to_vec()
        })
        .collect()
}

/// Drives both streams with events at arbitrary times, the render client always one buffer
/// ahead, and returns every captured frame.
fn run_interleaved(c: &mut Cable, times: &[u64]) -> Vec<Vec<u8>> {
    let rframes = u64::from(
        c.stream(Direction::Render)
            .unwrap()
            .geometry()
            .unwrap()
            .frames(),
    );
    let cframes = u64::from(
        c.stream(Direction::Capture)
            .unwrap()
            .geometry()
            .unwrap()
            .frames(),
    );
    client_write(c, 0, rframes);
    let mut written = rframes;
    ops::set_state(c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let mut captured = Vec::new();
    let mut read = 0;
    for &t in times {
        let now = Ticks(t);
        // Whichever side looks, the data path is brought up to `now` first.
        let rpos = ops::position(c, Direction::Render, now).unwrap().frames;
        let cpos = ops::position(c, Direction::Capture, now).unwrap().frames;
        assert!(
            rpos + rframes >= written,
            "test client must stay within one buffer"
        );
        client_write(c, written, rpos + rframes);
        written = rpos + rframes;
        assert!(
            cpos - read <= cframes,
            "test reader fell more than a buffer behind"
        );
        captured.extend(client_read(c, read, cpos));
        read = cpos;
    }
    captured
}

#[test]
fn matching_formats_loop_back_bit_exact_with_a_one_frame_delay() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    let times: Vec<u64> = (1..=300).map(|k| k * 100_000).collect();
    let captured = run_interleaved(&mut c, &times);
    // Both streams start at tick 0: capture frame g carries render frame g − 1.
    assert_eq!(captured[0], vec![0; 4]);
    for (g, frame) in captured.iter().enumerate().skip(1) {
        let expected: Vec<u8> = (0..4).map(|i| pattern(g as u64 - 1, i)).collect();
        assert_eq!(frame, &expected, "capture frame {g}");
    }
    assert_eq!(
        c.stream(Direction::Capture).unwrap().stats().dropped_frames,
        0
    );
    // That one-frame delay is what the capture side reports as its latency:
    // ⌈10^7 / 48 000⌉ = 209 ticks of the 10 MHz counter, 209 × 100 ns.
    assert_eq!(
        ops::hw_latency(&mut c, Direction::Capture),
        Ok(crate::stream::HwLatency {
            fifo_bytes: 0,
            chipset_delay_hns: 0,
            codec_delay_hns: 209
        })
    );
}

#[test]
fn a_second_stream_at_another_rate_is_refused() {
    let mut c = Cable::new(DmaBuffer::leaked(1 << 16), F);
    ops::open(&mut c, 1, Direction::Render, fmt(SampleType::Int16, 2), F).unwrap();
    let other = Format::new(
        SampleType::Int16,
        Channels::STEREO,
        SampleRate::new(44_100).unwrap(),
    );
    let e = ops::open(&mut c, 2, Direction::Capture, other, F).unwrap_err();
    assert_eq!(NtStatus::from(e), NtStatus::NO_MATCH);
    assert_eq!(
        NtStatus::from(
            ops::open(&mut c, 3, Direction::Render, fmt(SampleType::Int16, 2), F).unwrap_err()
        ),
        NtStatus::DEVICE_BUSY
    );
    // Another sample type and channel count at the same rate is fine: the cable converts.
    ops::open(
        &mut c,
        4,
        Direction::Capture,
        fmt(SampleType::Float32, 1),
        F,
    )
    .unwrap();
}

#[test]
fn capture_before_render_starts_reads_silence_without_counting_drops() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::position(&mut c, Direction::Capture, Ticks(50_000)).unwrap();
    assert!(
        client_read(&c, 0, 240)
            .iter()
            .all(|fr| fr.iter().all(|b| *b == 0))
    );
    assert_eq!(
        c.stream(Direction::Capture).unwrap().stats().dropped_frames,
        0
    );
}

#[test]
fn unwritten_packets_become_silence_and_count_as_an_underrun() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    client_write(&mut c, 0, 960);
    ops::set_write_packet(&mut c, 0, 0, 0, Ticks(0)).unwrap();
    ops::set_write_packet(&mut c, 1, 0, 0, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    // The client never writes packet 2; the old data still in its slot must not replay.
    ops::position(&mut c, Direction::Capture, Ticks(300_000)).unwrap(); // 1440 frames
    let cap = client_read(&c, 962, 1440);
    assert!(
        cap.iter().all(|fr| fr.iter().all(|b| *b == 0)),
        "stale buffer replayed"
    );
    let r = c.stream(Direction::Render).unwrap().stats();
    assert_eq!(r.underrun_frames, 480);
    assert_eq!(c.underrun_episodes(), 1);
    assert!(r.glitches() > 0);
}

#[test]
fn end_of_stream_is_silence_but_not_an_underrun() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    client_write(&mut c, 0, 960);
    ops::set_write_packet(&mut c, 0, WRITE_PACKET_FLAG_EOS, 400, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    ops::position(&mut c, Direction::Capture, Ticks(200_000)).unwrap();
    let cap = client_read(&c, 1, 960);
    assert!(cap[..100].iter().all(|fr| fr.iter().any(|b| *b != 0)));
    assert!(cap[100..].iter().all(|fr| fr.iter().all(|b| *b == 0)));
    assert_eq!(
        c.stream(Direction::Render).unwrap().stats().underrun_frames,
        0
    );
}

#[test]
fn mute_and_gain_are_applied_on_the_way_through() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    c.gain_mut(Direction::Render).set_mute(true);
    let times: Vec<u64> = (1..=10).map(|k| k * 100_000).collect();
    let cap = run_interleaved(&mut c, &times);
    assert!(
        cap.iter().all(|fr| fr.iter().all(|b| *b == 0)),
        "mute must silence the cable"
    );
    let mut c = cable(f, f, 480, 480);
    c.gain_mut(Direction::Capture).set_all_db(-6 << 16).unwrap();
    let cap = run_interleaved(&mut c, &times);
    let expected: Vec<u8> = (0..4).map(|i| pattern(499, i)).collect();
    assert_ne!(cap[500], expected, "gain must change the samples");
}

#[test]
fn different_formats_are_converted_not_copied() {
    let mut c = cable(
        fmt(SampleType::Int16, 2),
        fmt(SampleType::Int32, 2),
        480,
        441,
    );
    let times: Vec<u64> = (1..=50).map(|k| k * 91_873).collect();
    let cap = run_interleaved(&mut c, &times);
    // int16 → int32 widening is exact: the high half carries the int16 sample.
    for (g, fr) in cap.iter().enumerate().skip(1).take(2000) {
        let expected = [pattern(g as u64 - 1, 0), pattern(g as u64 - 1, 1)];
        assert_eq!([fr[2], fr[3]], expected, "frame {g}");
        assert_eq!([fr[0], fr[1]], [0, 0]);
    }
}

proptest! {
    /// However the two clients' wake-ups interleave, with any packet sizes and start
    /// offsets, matching formats stay bit-exact.
    #[test]
    fn bit_exact_for_any_interleaving(
        rpf in 64u32..2000,
        cpf in 64u32..2000,
        gaps in prop::collection::vec(1u64..100_000, 1..300),
    ) {
        let f = fmt(SampleType::Int24, 3);
        let mut c = cable(f, f, rpf, cpf);
        // Keep every gap under the smaller buffer so the test clients stay within a buffer.
        let limit = u64::from(rpf.min(cpf)) * 2 * 10_000_000 / 48_000;
        let mut t = 0;
        let times: Vec<u64> = gaps.iter().map(|g| { t += g % limit.max(2) + 1; t }).collect();
        let cap = run_interleaved(&mut c, &times);
        for (g, frame) in cap.iter().enumerate().skip(1) {
            let expected: Vec<u8> = (0..9).map(|i| pattern(g as u64 - 1, i)).collect();
            prop_assert_eq!(frame, &expected, "capture frame {}", g);
        }
    }
}

#[test]
fn power_down_freezes_running_streams_and_refuses_calls_until_power_returns() {
    use crate::device::Presence;
    let f = fmt(SampleType::Int16, 2);
    let mut c = hosted_cable(f, f, 480, 480);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let req = ops::set_presence(&mut c, Presence::PoweredDown, Ticks(150_000));
    assert_eq!(
        req,
        [
            (Direction::Render, TimerRequest::Cancel),
            (Direction::Capture, TimerRequest::Cancel)
        ]
    );
    for d in [Direction::Render, Direction::Capture] {
        assert_eq!(c.stream(d).unwrap().state(), KsState::Pause);
        assert_eq!(
            c.stream(d).unwrap().frames_at(Ticks(900_000)),
            720,
            "frozen where power went"
        );
        let e = ops::position(&mut c, d, Ticks(200_000)).unwrap_err();
        assert_eq!(NtStatus::from(e), NtStatus::DEVICE_POWERED_OFF);
        let e = ops::set_state(&mut c, d, KsState::Run, Ticks(200_000)).unwrap_err();
        assert_eq!(NtStatus::from(e), NtStatus::DEVICE_POWERED_OFF);
        // Setting the state it already has is a no-op that succeeds, powered or not (KS
        // may repeat a state); only stepping up needs power.
        assert_eq!(
            ops::set_state(&mut c, d, KsState::Pause, Ticks(200_000)),
            Ok(TimerRequest::None)
        );
    }
    ops::set_presence(&mut c, Presence::Present, Ticks(300_000));
    assert!(matches!(
        ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(300_000)),
        Ok(TimerRequest::Arm(_))
    ));
}

#[test]
fn after_surprise_removal_only_cleanup_works_and_nothing_leaks() {
    use crate::device::Presence;
    let f = fmt(SampleType::Int16, 2);
    let mut c = hosted_cable(f, f, 480, 480);
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    ops::set_presence(&mut c, Presence::Removed, Ticks(10_000));
    // Coming back is impossible once removed.
    ops::set_presence(&mut c, Presence::Present, Ticks(20_000));
    let e = ops::set_write_packet(&mut c, 0, 0, 0, Ticks(20_000)).unwrap_err();
    assert_eq!(NtStatus::from(e), NtStatus::DEVICE_REMOVED);
    let e = ops::open(&mut c, 9, Direction::Render, f, F).unwrap_err();
    assert_eq!(NtStatus::from(e), NtStatus::DEVICE_REMOVED);
    // Teardown: down to STOP, free the buffers, close.
    for d in [Direction::Render, Direction::Capture] {
        ops::set_state(&mut c, d, KsState::Acquire, Ticks(30_000)).unwrap();
        ops::set_state(&mut c, d, KsState::Stop, Ticks(30_000)).unwrap();
        assert!(
            ops::close(&mut c, d, Ticks(30_000)).is_some(),
            "buffer handed back for freeing"
        );
        assert!(c.stream(d).is_none());
    }
}

/// Soak finding: a capture read landing within one frame after the render side restarts
/// found the restart gap not yet filled (render had not advanced a frame, so nothing had
/// moved the ring's write end) and counted a frame of that gap as dropped. The gap is time
/// render was not running: it is silence, not loss.
#[test]
fn a_capture_read_right_after_render_restarts_counts_no_dropped_frame() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    client_write(&mut c, 0, 960);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    // Render plays 480 frames (10 ms at 10 MHz), then pauses for about 10 ms.
    ops::set_state(&mut c, Direction::Render, KsState::Pause, Ticks(100_000)).unwrap();
    ops::position(&mut c, Direction::Capture, Ticks(150_000)).unwrap();
    // Restart at cable time 960.48; 110 ticks (0.53 frame) later cable time is 961.008:
    // the render position has not moved, the capture side has one more frame to read.
    let restart = Ticks(200_100);
    ops::set_state(&mut c, Direction::Render, KsState::Run, restart).unwrap();
    ops::position(&mut c, Direction::Capture, Ticks(200_210)).unwrap();
    assert_eq!(
        c.stream(Direction::Render)
            .unwrap()
            .frames_at(Ticks(200_210)),
        c.stream(Direction::Render).unwrap().frames_at(restart),
        "the scenario needs a read before render's first frame after the restart"
    );
    assert_eq!(
        c.stream(Direction::Capture).unwrap().stats().dropped_frames,
        0
    );
    // A later read, with render playing again, still counts nothing lost.
    ops::position(&mut c, Direction::Capture, Ticks(210_000)).unwrap();
    assert_eq!(
        c.stream(Direction::Capture).unwrap().stats().dropped_frames,
        0
    );
}

#[test]
fn capture_after_render_stops_is_silence_never_the_buffers_old_audio() {
    // Render plays 2 buffers' worth and pauses; capture keeps running for 4 more buffers. Every
    // capture frame after the last rendered one (plus the cable's one-frame delay) must be
    // silence — in particular not the audio still lying in the capture buffer from its first
    // pass round the ring — and the capture client reads every frame as it comes.
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    let (frames, pf) = (960u64, 480u64);
    client_write(&mut c, 0, frames);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let mut captured = Vec::new();
    let mut read = 0;
    let mut written = frames;
    // 10 ms steps (one packet); render pauses after 20 ms (960 frames played).
    for k in 1..=10u64 {
        let now = Ticks(k * 100_000);
        if k == 2 {
            ops::position(&mut c, Direction::Render, now).unwrap();
            ops::set_state(&mut c, Direction::Render, KsState::Pause, now).unwrap();
        } else if k < 2 {
            let rpos = ops::position(&mut c, Direction::Render, now)
                .unwrap()
                .frames;
            client_write(&mut c, written, rpos + frames);
            written = rpos + frames;
        }
        let cpos = ops::position(&mut c, Direction::Capture, now)
            .unwrap()
            .frames;
        captured.extend(client_read(&c, read, cpos));
        read = cpos;
    }
    assert_eq!(read, 10 * pf, "capture ran 100 ms");
    // Capture frame g carries render frame g − 1; render played frames 0..960.
    for (g, frame) in captured.iter().enumerate().skip(1).take(959) {
        let expected: Vec<u8> = (0..4).map(|i| pattern(g as u64 - 1, i)).collect();
        assert_eq!(frame, &expected, "capture frame {g} (render playing)");
    }
    for (g, frame) in captured.iter().enumerate().skip(961) {
        assert_eq!(
            frame,
            &vec![0u8; 4],
            "capture frame {g} after render paused"
        );
    }
}

/// What a gain is set to in [`gains_take_effect_from_the_next_sync_across_ring_wraps`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Level {
    Unity,
    Muted,
    Minus6,
}

fn set_level(c: &mut Cable, d: Direction, level: Level) {
    let g = c.gain_mut(d);
    g.set_mute(level == Level::Muted);
    g.set_all_db(if level == Level::Minus6 { -6 << 16 } else { 0 })
        .unwrap();
}

proptest! {
    /// The data path remembers whether each gain is unity (and copies instead of converting):
    /// any change through `gain_mut` takes effect from the next sync, on both sides, in both
    /// directions (to and from unity), while a ring of an odd size wraps many times under
    /// packets of any size. A frame is bit-exact exactly when both gains were unity when it
    /// moved, silent when either side was muted.
    #[test]
    fn gains_take_effect_from_the_next_sync_across_ring_wraps(
        rpf in 64u32..700,
        cpf in 64u32..700,
        extra in 2u64..500,
        steps in prop::collection::vec(
            (1u64..40_000, prop::sample::select(&[Level::Unity, Level::Muted, Level::Minus6][..]),
             prop::sample::select(&[Level::Unity, Level::Muted, Level::Minus6][..]), 0u8..4),
            1..200,
        ),
    ) {
        let f = fmt(SampleType::Int16, 2);
        let block = u64::from(f.block_align());
        // Room for the frames between capture's read position and render's write end, and
        // not a multiple of either buffer.
        let ring_frames = 2 * u64::from(rpf.max(cpf)) + extra;
        let c = Cable::new(DmaBuffer::leaked(usize::try_from(ring_frames * block).unwrap()), F);
        let mut c = wired(c, f, f, rpf, cpf);
        let (rframes, cframes) = (2 * u64::from(rpf), 2 * u64::from(cpf));
        client_write(&mut c, 0, rframes);
        ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
        ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
        let limit = rframes.min(cframes) * 10_000_000 / 48_000;
        // Render frames pulled into the ring under each render level, capture frames filled
        // under each capture level.
        let (mut rlevel, mut clevel) = (Vec::new(), Vec::new());
        let (mut written, mut rpos, mut read, mut t) = (rframes, 0u64, 0u64, 0u64);
        let (mut rl, mut cl) = (Level::Unity, Level::Unity);
        let mut captured = Vec::new();
        for (gap, r, cap, which) in steps {
            // Change one side, the other, both or neither before this sync.
            if which & 1 != 0 { rl = r; set_level(&mut c, Direction::Render, r); }
            if which & 2 != 0 { cl = cap; set_level(&mut c, Direction::Capture, cap); }
            t += gap % limit.max(2) + 1;
            let now = Ticks(t);
            let new_rpos = ops::position(&mut c, Direction::Render, now).unwrap().frames;
            let cpos = ops::position(&mut c, Direction::Capture, now).unwrap().frames;
            assert_client_span("the render level record", rpos, new_rpos);
            assert_client_span("the capture level record", read, cpos);
            rlevel.extend((rpos..new_rpos).map(|_| rl));
            rpos = new_rpos;
            client_write(&mut c, written, rpos + rframes);
            written = rpos + rframes;
            prop_assert!(cpos - read <= cframes);
            clevel.extend((read..cpos).map(|_| cl));
            captured.extend(client_read(&c, read, cpos));
            read = cpos;
        }
        for (g, frame) in captured.iter().enumerate().skip(1) {
            let (rl, cl) = (rlevel[g - 1], clevel[g]);
            let pattern: Vec<u8> = (0..4).map(|i| pattern(g as u64 - 1, i)).collect();
            if rl == Level::Muted || cl == Level::Muted {
                prop_assert_eq!(frame, &vec![0u8; 4], "frame {} muted", g);
            } else if rl == Level::Unity && cl == Level::Unity {
                prop_assert_eq!(frame, &pattern, "frame {} at unity", g);
            } else {
                prop_assert_ne!(frame, &pattern, "frame {} at -6 dB", g);
            }
        }
        let st = c.stream(Direction::Capture).unwrap().stats();
        prop_assert_eq!(st.dropped_frames, 0);
    }

    /// The ring's slot bookkeeping (a tracked write slot, reads placed relative to it) agrees
    /// with `index % capacity` after any sequence of writes, gaps, jumps and resets.
    #[test]
    fn ring_slots_equal_index_modulo_capacity(
        frames in 1usize..300,
        block in prop::sample::select(&[2u16, 4, 6, 9, 64][..]),
        start in 0u64..1 << 41,
        ops in prop::collection::vec((0u8..4, 0u64..700, 0u64..1_000), 1..100),
    ) {
        let format = Format::new(
            match block { 2 => SampleType::Int16, 6 | 9 => SampleType::Int24, _ => SampleType::Float32 },
            Channels::new(match block { 2 | 4 => 1, 6 => 2, 9 => 3, _ => 16 }).unwrap(),
            SampleRate::new(48_000).unwrap(),
        );
        let block = usize::from(format.block_align());
        let mut ring = Ring {
            memory: DmaBuffer::leaked(frames * block + block / 2), // a partial frame at the end
            format: None,
            cap: 0,
            block: 0,
            write_end: 0,
            write_slot: 0,
            valid_from: 0,
            epoch: 0,
        };
        ring.reset(format, start);
        let cap = frames as u64;
        prop_assert_eq!(ring.cap, cap);
        for (op, n, back) in ops {
            match op {
                // Write n frames run by run, as the render path does.
                0 => {
                    let mut left = n;
                    while left > 0 {
                        let (off, run) = ring.write_run(left).unwrap();
                        prop_assert_eq!(off, usize::try_from(ring.write_end % cap).unwrap() * block);
                        prop_assert_eq!(run, left.min(cap - ring.write_end % cap));
                        ring.advance(run);
                        left -= run;
                    }
                }
                // Seek forward (a gap of silence, or a reset past a whole ring).
                1 => ring.seek_write(ring.write_end + n),
                // Seek backwards: a reset.
                2 => ring.seek_write(ring.write_end.saturating_sub(n + 1)),
                _ => ring.reset(format, ring.write_end + n),
            }
            prop_assert_eq!(ring.write_slot, ring.write_end % cap);
            prop_assert!(ring.valid_from >= ring.write_end.saturating_sub(cap));
            // Every readable index is found where `%` puts it.
            let index = ring.write_end.saturating_sub(back % (cap + 1));
            if index >= ring.valid_from && index < ring.write_end {
                let (off, run) = ring.read_run(index, n + 1).unwrap();
                prop_assert_eq!(off, usize::try_from(index % cap).unwrap() * block);
                prop_assert_eq!(run, (n + 1).min(cap - index % cap));
            }
            // More than one capacity back is refused, never misplaced.
            prop_assert!(ring.read_run(ring.write_end.wrapping_sub(cap + 1), 1).is_none());
        }
    }
}

#[test]
fn a_taken_ring_moves_nothing_and_never_spins() {
    let f = fmt(SampleType::Int16, 2);
    let mut c = cable(f, f, 480, 480);
    client_write(&mut c, 0, 960);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    ops::position(&mut c, Direction::Capture, Ticks(50_000)).unwrap();
    let ring = c.take_ring_memory();
    assert!(!ring.is_empty());
    for k in 1..=20u64 {
        ops::position(&mut c, Direction::Capture, Ticks(50_000 + k * 33_333)).unwrap();
    }
    let cpos = ops::position(&mut c, Direction::Capture, Ticks(800_000))
        .unwrap()
        .frames;
    assert!(
        client_read(&c, cpos - 100, cpos)
            .iter()
            .all(|fr| fr.iter().all(|b| *b == 0))
    );
}

/// Everything a client or the status property can see of a cable, and the ring's state: two
/// cables that agree on this behave identically from here on.
fn assert_same(a: &Cable, b: &Cable, step: usize) {
    for d in [Direction::Render, Direction::Capture] {
        let (sa, sb) = (a.stream(d).unwrap(), b.stream(d).unwrap());
        assert_eq!(
            sa.transferred(),
            sb.transferred(),
            "step {step}: {d:?} transferred"
        );
        assert_eq!(sa.stats(), sb.stats(), "step {step}: {d:?} stats");
        assert_eq!(
            sa.level_meter(),
            sb.level_meter(),
            "step {step}: {d:?} meter"
        );
        let (ba, bb) = (sa.buffer().unwrap(), sb.buffer().unwrap());
        assert_eq!(
            ba.memory.slice(0, ba.memory.len()),
            bb.memory.slice(0, bb.memory.len()),
            "step {step}: {d:?} buffer bytes"
        );
    }
    assert_eq!(a.underrun_episodes(), b.underrun_episodes(), "step {step}");
    let (ra, rb) = (&a.ring, &b.ring);
    assert_eq!(
        (
            ra.format,
            ra.write_end,
            ra.write_slot,
            ra.valid_from,
            ra.epoch
        ),
        (
            rb.format,
            rb.write_end,
            rb.write_slot,
            rb.valid_from,
            rb.epoch
        ),
        "step {step}: ring bookkeeping"
    );
    assert_eq!(
        ra.memory.slice(0, ra.memory.len()),
        rb.memory.slice(0, rb.memory.len()),
        "step {step}: ring bytes"
    );
    assert_eq!(
        a.render_side.in_underrun, b.render_side.in_underrun,
        "step {step}"
    );
    for (ca, cb) in [
        (a.render_side.cursor, b.render_side.cursor),
        (a.capture_side.cursor, b.capture_side.cursor),
    ] {
        // A cursor is a cache: equal wherever it is used, i.e. its frame and phase.
        assert_eq!(
            ca.map(|c| (c.frame(), c.phase())),
            cb.map(|c| (c.frame(), c.phase())),
            "step {step}: cursors"
        );
    }
}

proptest! {
    /// The contiguous paths (one copy each way, taken for the usual sync) do exactly what the
    /// general paths do: two cables driven alike, one allowed the contiguous paths and one
    /// not, agree on every buffer byte, ring byte, position, counter and meter after every
    /// step of a random schedule of syncs, client writes (or none), gain changes, meters
    /// armed, packet-mode writes, pauses, stops, restarts and long stalls, with equal or different
    /// formats on the two sides and a ring of any size (smaller or larger than the buffers)
    /// that wraps often.
    #[test]
    fn contiguous_paths_do_exactly_what_the_general_paths_do(
        rpf in 8u32..300,
        cpf in 8u32..300,
        ring_frames in 8u64..800,
        (capture_type, capture_channels) in prop_oneof![
            3 => Just((SampleType::Int16, 2u16)),
            1 => (prop::sample::select(&[SampleType::Int16, SampleType::Float32][..]), 1u16..=2),
        ],
        steps in prop::collection::vec((0u8..13, any::<u64>()), 1..120),
    ) {
        let rf = fmt(SampleType::Int16, 2);
        let cf = fmt(capture_type, capture_channels);
        let make = |general_only: bool| {
            let mut c = Cable::new(DmaBuffer::leaked(usize::try_from(ring_frames * 4).unwrap()), F);
            c.general_only = general_only;
            let mut c = wired(c, rf, cf, rpf, cpf);
            client_write(&mut c, 0, 2 * u64::from(rpf));
            ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
            ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
            c
        };
        let (mut fast, mut general) = (make(false), make(true));
        let rframes = 2 * u64::from(rpf);
        let buffer_ticks = u64::from(rpf.max(cpf)) * 2 * 10_000_000 / 48_000;
        let packet_ticks = u64::from(rpf.min(cpf)) * 10_000_000 / 48_000;
        let (mut t, mut written, mut packet) = (0u64, rframes, 0u32);
        for (i, (kind, v)) in steps.into_iter().enumerate() {
            for c in [&mut fast, &mut general] {
                match kind {
                    6 => {
                        let g = c.gain_mut(Direction::Render);
                        g.set_all_db(if v & 1 == 0 { 0 } else { -6 << 16 }).unwrap();
                    }
                    7 => {
                        let g = c.gain_mut(Direction::Capture);
                        g.set_all_db(if v & 1 == 0 { 0 } else { -6 << 16 }).unwrap();
                    }
                    8 => {
                        let d = if v & 1 == 0 { Direction::Render } else { Direction::Capture };
                        c.stream_mut(d).unwrap().level_meter_mut().arm();
                    }
                    9 => {
                        let r = ops::set_write_packet(c, packet, 0, 0, Ticks(t));
                        let _ = r;
                    }
                    12 => {
                        // Stop a side (its position goes back to 0) and run it again.
                        let d = if v & 1 == 0 { Direction::Render } else { Direction::Capture };
                        if c.stream(d).unwrap().state() == KsState::Run {
                            for to in [KsState::Pause, KsState::Acquire, KsState::Stop] {
                                ops::set_state(c, d, to, Ticks(t)).unwrap();
                            }
                            for to in [KsState::Acquire, KsState::Pause, KsState::Run] {
                                ops::set_state(c, d, to, Ticks(t)).unwrap();
                            }
                        }
                    }
                    10 => {
                        // Pause a running side, run a paused one.
                        let d = if v & 1 == 0 { Direction::Render } else { Direction::Capture };
                        let to = if c.stream(d).unwrap().state() == KsState::Run {
                            KsState::Pause
                        } else {
                            KsState::Run
                        };
                        ops::set_state(c, d, to, Ticks(t)).unwrap();
                    }
                    // Otherwise only time passes (how far: see below); the client keeps one
                    // buffer written ahead (kind 1: it does not write).
                    _ => {}
                }
            }
            if kind == 9 {
                packet = packet.wrapping_add(1);
            }
            t += match kind {
                // A stall longer than the ring holds.
                11 => ring_frames * 10_000_000 / 48_000 + v % buffer_ticks.max(1),
                // A few frames (or none): the smallest syncs.
                2 => v % 800,
                // Up to a buffer and a half.
                3 | 4 => v % (buffer_ticks * 3 / 2).max(1) + 1,
                // Up to the smaller packet: the usual sync.
                _ => v % packet_ticks.max(1) + 1,
            };
            for c in [&mut fast, &mut general] {
                c.sync(Ticks(t));
            }
            let rpos = fast.stream(Direction::Render).unwrap().transferred();
            if kind != 1 && rpos + rframes > written {
                let from = written.max(rpos);
                client_write(&mut fast, from, rpos + rframes);
                client_write(&mut general, from, rpos + rframes);
                written = rpos + rframes;
            }
            assert_same(&fast, &general, i);
        }
    }
}

/// A capture client reading past the last frame a paused render stream played gets
/// silence, never what an earlier lap left in the ring — also when its syncs move one or two
/// frames at a time, the transfers the one-copy path takes.
#[test]
fn capture_past_a_paused_render_reads_silence_not_an_older_lap_of_the_ring() {
    let f = fmt(SampleType::Int16, 2);
    // A ring of 50 frames wraps six times in the 300 frames played.
    let c = Cable::new(DmaBuffer::leaked(50 * 4), F);
    let mut c = wired(c, f, f, 16, 16);
    let at = |frames: u64| Ticks((frames * 10_000_000).div_ceil(48_000));
    client_write(&mut c, 0, 32);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let mut captured = Vec::new();
    let (mut read, mut written) = (0u64, 32u64);
    for k in 1..=340u64 {
        if k == 300 {
            ops::set_state(&mut c, Direction::Render, KsState::Pause, at(k)).unwrap();
        }
        // One frame per sync, then two from the pause on (the first of them reads render's
        // last frame and the first one it did not play).
        let now = at(if k < 300 { k } else { 300 + 2 * (k - 300) });
        c.sync(now);
        let rpos = c.stream(Direction::Render).unwrap().transferred();
        if rpos + 32 > written {
            client_write(&mut c, written, rpos + 32);
            written = rpos + 32;
        }
        let cpos = c.stream(Direction::Capture).unwrap().transferred();
        captured.extend(client_read(&c, read, cpos));
        read = cpos;
    }
    let last_played = c.stream(Direction::Render).unwrap().transferred();
    assert_eq!(last_played, 300);
    assert!(captured.len() > 360, "capture ran on: {}", captured.len());
    for (g, frame) in captured.iter().enumerate() {
        let g = g as u64;
        if (1..=last_played).contains(&g) {
            let expected: Vec<u8> = (0..4).map(|i| pattern(g - 1, i)).collect();
            assert_eq!(
                frame,
                &expected,
                "capture frame {g}: render frame {}",
                g - 1
            );
        } else {
            assert_eq!(frame, &vec![0u8; 4], "capture frame {g}: silence");
        }
    }
}

/// The usual sync — a running loopback, same format both sides, unity gains, nobody
/// watching, each sync moving part of one packet — takes the one-copy path each way (what
/// docs/performance.md's cable figures measure), and so does a sync with nothing to move;
/// only a transfer across the end of the ring goes the general way.
#[test]
fn the_usual_sync_takes_the_one_copy_path_each_way() {
    usual_syncs_take_the_one_copy_path(false);
}

/// The same in packet mode (the client declares each packet with SetWritePacket, as the
/// Windows audio engine does): a declared packet is client data like any other.
#[test]
fn the_usual_sync_takes_the_one_copy_path_in_packet_mode_too() {
    usual_syncs_take_the_one_copy_path(true);
}

fn usual_syncs_take_the_one_copy_path(packet_mode: bool) {
    let f = fmt(SampleType::Float32, 2);
    let mut c = cable(f, f, 480, 480);
    client_write(&mut c, 0, 960);
    let mut next_packet = 0u32;
    if packet_mode {
        for _ in 0..2 {
            ops::set_write_packet(&mut c, next_packet, 0, 0, Ticks(0)).unwrap();
            next_packet += 1;
        }
    }
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let ring_frames = c.ring.cap;
    let at = |frames: u64| Ticks((frames * 10_000_000).div_ceil(48_000));
    // A first sync settles the cursors; every later one should be contiguous.
    c.sync(at(120));
    c.contiguous_taken = [0; 2];
    let (syncs, per_sync) = (2_000u64, 120u64);
    for k in 2..2 + syncs {
        c.sync(at(k * per_sync));
        // The same instant again: nothing to move.
        c.sync(at(k * per_sync));
        let rpos = c.stream(Direction::Render).unwrap().transferred();
        client_write(&mut c, rpos, rpos + 960);
        // Packet mode: the next packet is writable once the one before it plays.
        if packet_mode && u64::from(next_packet) == rpos / 480 + 1 {
            ops::set_write_packet(&mut c, next_packet, 0, 0, at(k * per_sync)).unwrap();
            next_packet += 1;
        }
    }
    if packet_mode {
        let st = c.stream(Direction::Render).unwrap().stats();
        assert_eq!(st.underrun_frames, 0, "every packet was declared in time");
    }
    // Each side crosses the ring's end once per lap: at most that many general syncs.
    let laps = syncs * per_sync / ring_frames + 1;
    for (side, taken) in ["render", "capture"].into_iter().zip(c.contiguous_taken) {
        assert!(
            taken + laps >= 2 * syncs,
            "{side}: {taken} of {} syncs took the one-copy path ({laps} ring laps)",
            2 * syncs
        );
    }
    for d in [Direction::Render, Direction::Capture] {
        assert_eq!(c.stream(d).unwrap().stats().dropped_frames, 0);
    }
}

/// After render pauses and restarts more than a ring later, the capture side gets render's
/// last frames, then silence for the cable time render did not play — never an older lap of
/// the ring — then render's frames from the restart on, in order; also when its syncs move
/// two frames at a time (the one-copy path's transfers) across the restart.
#[test]
fn capture_across_a_late_render_restart_reads_silence_for_the_gap_not_old_ring_audio() {
    let f = fmt(SampleType::Int16, 2);
    // A ring of 50 frames: the 120 frames of the pause are more than it holds.
    let c = Cable::new(DmaBuffer::leaked(50 * 4), F);
    let mut c = wired(c, f, f, 16, 16);
    let at = |frames: u64| Ticks((frames * 10_000_000).div_ceil(48_000));
    client_write(&mut c, 0, 32);
    ops::set_state(&mut c, Direction::Capture, KsState::Run, Ticks(0)).unwrap();
    ops::set_state(&mut c, Direction::Render, KsState::Run, Ticks(0)).unwrap();
    let (pause, restart) = (300u64, 420u64);
    let mut captured = Vec::new();
    let (mut read, mut written) = (0u64, 32u64);
    let mut now_frames = 0u64;
    while now_frames < 520 {
        now_frames += 2;
        if now_frames == pause {
            ops::set_state(&mut c, Direction::Render, KsState::Pause, at(now_frames)).unwrap();
        }
        if now_frames == restart {
            ops::set_state(&mut c, Direction::Render, KsState::Run, at(now_frames)).unwrap();
        }
        c.sync(at(now_frames));
        let rpos = c.stream(Direction::Render).unwrap().transferred();
        if rpos + 32 > written {
            client_write(&mut c, written, rpos + 32);
            written = rpos + 32;
        }
        let cpos = c.stream(Direction::Capture).unwrap().transferred();
        captured.extend(client_read(&c, read, cpos));
        read = cpos;
    }
    assert!(captured.len() >= 518, "capture ran on: {}", captured.len());
    // Capture frame g reads cable time g - 1: render frame g - 1 before the pause, nothing
    // during it, render frame (g - 1 - restart + pause) after the restart.
    for (g, frame) in captured.iter().enumerate() {
        let g = g as u64;
        let render_frame = match g {
            1..=300 => Some(g - 1),
            _ if g > restart => Some(g - 1 - restart + pause),
            _ => None,
        };
        let expected: Vec<u8> = match render_frame {
            Some(r) => (0..4).map(|i| pattern(r, i)).collect(),
            None => vec![0u8; 4],
        };
        assert_eq!(
            frame, &expected,
            "capture frame {g}: render frame {render_frame:?}"
        );
    }
}
