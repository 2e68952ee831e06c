//! Promises the loopback cable makes to the people using it, each checked through the
//! engine's public data path (`device::ops` on a `Cable`): what a render client writes into
//! its buffer, what a capture client then finds in its own.
//!
//! Expectations are derived by hand in the comments (frame counts from 48 kHz and a 10 MHz
//! counter: 10 ms = 100 000 ticks = 480 frames), never by calling the engine's own formulas.
//! These tests were written to kill mutants that survived the rest of the suite; see
//! docs/reliability.md, "Mutation testing".

use std::ptr::NonNull;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::ops;
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::DmaBuffer;
use cadenza_engine::state::KsState;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::{CounterFrequency, Ticks};

const F: CounterFrequency = CounterFrequency::TEN_MHZ;

/// −6 dB in the 16.16 fixed-point decibels of KSPROPERTY_AUDIO_VOLUMELEVEL.
const MINUS_6_DB: i32 = -6 * 65_536;

/// 10^(−6/20) = 10^(−0.3), to 19 significant digits (a table value, not computed here).
const MINUS_6_DB_LINEAR: f64 = 0.501_187_233_627_272_3;

/// Leaked, zeroed memory standing in for non-paged memory from the OS.
fn memory(bytes: usize) -> DmaBuffer {
    let leaked: &'static mut [u8] = Box::leak(vec![0u8; bytes].into_boxed_slice());
    let ptr = NonNull::new(leaked.as_mut_ptr()).expect("a boxed slice is never null");
    // SAFETY: the allocation is leaked, so it stays valid for the whole test process, and the
    // `&mut` that pointed at it is not used again: the DmaBuffer is its only user.
    unsafe { DmaBuffer::from_raw_parts(ptr, bytes) }
}

/// How long one scenario may take before the test fails as stuck: they take milliseconds.
const LIMIT: Duration = Duration::from_secs(30);

/// Runs `scenario` on its own thread and returns its result, failing the test — instead of
/// hanging it — when the scenario does not finish within `limit` (a data path stuck in a
/// loop). A panic in the scenario fails the test with the scenario's own message.
fn within<T: Send + 'static>(limit: Duration, scenario: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let result = scenario();
        let _ = done.send(());
        result
    });
    match finished.recv_timeout(limit) {
        Ok(()) | Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(RecvTimeoutError::Timeout) => {
            panic!("no answer within {limit:?}: the data path is stuck (an endless loop?)")
        }
    }
}

fn format(sample: SampleType) -> Format {
    Format::new(
        sample,
        Channels::STEREO,
        SampleRate::new(48_000).expect("48 kHz is a valid rate"),
    )
}

/// Opens a `direction` stream on the cable with a two-packet buffer of `packet_frames` frames
/// per packet, and steps it to PAUSE, as an adapter does for a new pin instance.
fn open(cable: &mut Cable, direction: Direction, fmt: Format, packet_frames: u32) {
    ops::open(cable, 1, direction, fmt, F).expect("open");
    let bytes = packet_frames * u32::from(fmt.block_align()) * 2;
    let g = BufferGeometry::plan(&fmt, bytes, PacketCount::Two, true, &BufferLimits::DEFAULT)
        .expect("a valid buffer");
    assert_eq!(g.packet_frames(), packet_frames, "test setup");
    let span = usize::try_from(g.span_bytes()).expect("fits");
    ops::attach_buffer(cable, direction, memory(span), g)
        .map_err(|(e, _)| e)
        .expect("attach");
    ops::set_state(cable, direction, KsState::Acquire, Ticks(0)).expect("acquire");
    ops::set_state(cable, direction, KsState::Pause, Ticks(0)).expect("pause");
    if direction == Direction::Capture {
        // What the capture buffer held before (never silence), so that a frame the cable
        // failed to write cannot pass for silence in a test.
        fill_capture_buffer(cable, 0x55);
    }
}

fn run(cable: &mut Cable, direction: Direction, at: u64) {
    ops::set_state(cable, direction, KsState::Run, Ticks(at)).expect("run");
}

/// Stores `frames` (one byte vector per frame) into the render buffer from linear frame
/// `first` on, as a render client does.
fn client_write(cable: &mut Cable, first: u64, frames: &[Vec<u8>]) {
    let s = cable.stream_mut(Direction::Render).expect("render stream");
    let b = s.buffer_mut().expect("render buffer");
    let g = b.geometry;
    for (f, bytes) in (first..).zip(frames) {
        let off = usize::try_from(g.wrapped_offset(f)).expect("fits");
        b.memory
            .slice_mut(off, bytes.len())
            .expect("inside the buffer")
            .copy_from_slice(bytes);
    }
}

/// Capture frames `[from, to)` as a capture client finds them in its buffer.
fn client_read(cable: &Cable, from: u64, to: u64) -> Vec<Vec<u8>> {
    // Minutes of audio at most: a position that ran away (a broken clock) fails here with
    // the numbers, instead of allocating a frame vector per frame until memory runs out.
    assert!(
        to.saturating_sub(from) <= 1 << 24,
        "client_read of frames {from}..{to}: the capture position ran away"
    );
    let s = cable.stream(Direction::Capture).expect("capture stream");
    let block = usize::from(s.format().block_align());
    let b = s.buffer().expect("capture buffer");
    (from..to)
        .map(|f| {
            let off = usize::try_from(b.geometry.wrapped_offset(f)).expect("fits");
            b.memory.slice(off, block).expect("inside").to_vec()
        })
        .collect()
}

fn float_frame(left: f32, right: f32) -> Vec<u8> {
    let mut v = left.to_le_bytes().to_vec();
    v.extend_from_slice(&right.to_le_bytes());
    v
}

fn decode_float_frame(bytes: &[u8]) -> (f32, f32) {
    let l = f32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes"));
    let r = f32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    (l, r)
}

/// Render frame `f`'s float samples: distinct per frame and channel, exact in f32
/// (multiples of 1/128 below 1), never zero.
fn float_samples(f: u64) -> (f32, f32) {
    let k = u8::try_from(f % 97 + 1).expect("below 98");
    let x = f32::from(k) / 128.0;
    (x, -x * 0.5)
}

fn assert_scaled(got: f32, input: f32, what: &str) {
    let expected = f64::from(input) * MINUS_6_DB_LINEAR;
    // The factor is Q2.30-exact to 5e-10 and then rounded to f32 (6e-8 relative), and the
    // product is rounded once more: 2e-7 relative covers both with room to spare, while a
    // factor that is off by even one f32 step in 8 would not pass.
    let tolerance = expected.abs() * 2e-7;
    assert!(
        (f64::from(got) - expected).abs() <= tolerance,
        "{what}: got {got}, expected {input} × 10^(-6/20) = {expected}"
    );
}

/// Promise: master volume at −6 dB — on the speaker (render) endpoint or on the microphone
/// (capture) endpoint of the cable — scales float32 samples by 10^(−6/20) ≈ 0.501187 on their
/// way from the render client's buffer to the capture client's buffer. (Setting the master
/// channel is `Gain::set_all_db`; the float data path uses the float factors, so a master
/// volume that updated only the integer factors would leave float audio at full level.)
#[test]
fn master_volume_at_minus_6_db_scales_float32_audio_through_the_cable_by_0_501187() {
    within(LIMIT, || {
        assert!(
            (10f64.powf(-0.3) - MINUS_6_DB_LINEAR).abs() < 1e-15,
            "the table constant is 10^(-0.3)"
        );
        for side in [Direction::Render, Direction::Capture] {
            let fmt = format(SampleType::Float32);
            let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 8, 500)), F);
            open(&mut cable, Direction::Render, fmt, 480);
            open(&mut cable, Direction::Capture, fmt, 480);
            cable
                .gain_mut(side)
                .set_all_db(MINUS_6_DB)
                .expect("-6 dB is in range");
            let frames: Vec<Vec<u8>> = (0..960)
                .map(|f| {
                    let (l, r) = float_samples(f);
                    float_frame(l, r)
                })
                .collect();
            client_write(&mut cable, 0, &frames);
            run(&mut cable, Direction::Capture, 0);
            run(&mut cable, Direction::Render, 0);
            // 20 ms later both positions are at 960 frames; capture frame g carries render frame
            // g − 1 (the cable's one-frame delay), so capture frames 1..960 hold render 0..959.
            let pos = ops::position(&mut cable, Direction::Capture, Ticks(200_000)).expect("pos");
            assert_eq!(pos.frames, 960, "test setup: 20 ms at 48 kHz");
            for (g, bytes) in (1..960u64).zip(client_read(&cable, 1, 960)) {
                let (l_in, r_in) = float_samples(g - 1);
                let (l, r) = decode_float_frame(&bytes);
                assert_scaled(l, l_in, &format!("{side:?} gain, capture frame {g} left"));
                assert_scaled(r, r_in, &format!("{side:?} gain, capture frame {g} right"));
            }
        }
    });
}

/// Int16 stereo frame `f` of the lag test: left = f + 1, right = −(f + 1), so every frame is
/// distinct and none is silence.
fn numbered_frame(f: u64) -> Vec<u8> {
    let v = i16::try_from(f + 1).expect("the test stays below 32767 frames");
    let mut bytes = v.to_le_bytes().to_vec();
    bytes.extend_from_slice(&(-v).to_le_bytes());
    bytes
}

/// The lagging-reader cable: a 960-frame ring (20 ms of int16 stereo: 3840 bytes), a
/// render buffer of 1920 frames (40 ms) that its client fills before the start, and a
/// capture buffer of 2400 frames (50 ms). Both streams run from tick 0.
fn lagging_reader_cable() -> Cable {
    let fmt = format(SampleType::Int16);
    let ring_bytes = 960 * 4;
    let mut cable = Cable::new(memory(ring_bytes), F);
    open(&mut cable, Direction::Render, fmt, 960);
    open(&mut cable, Direction::Capture, fmt, 1200);
    let frames: Vec<Vec<u8>> = (0..1920).map(numbered_frame).collect();
    client_write(&mut cable, 0, &frames);
    run(&mut cable, Direction::Capture, 0);
    run(&mut cable, Direction::Render, 0);
    cable
}

fn capture_dropped(cable: &Cable) -> u64 {
    cable
        .stream(Direction::Capture)
        .expect("capture")
        .stats()
        .dropped_frames
}

/// Promise: a capture reader that falls behind by more than the cable's ring holds gets
/// silence and a dropped-frame count for what was lost — never old (or any other wrong)
/// audio in its place.
///
/// At 10 ms (frame 480) the reader is up to date: it has capture frames 0..479, i.e. render
/// frames 0..478 (one frame of delay). The render client refills the 480 frames just played
/// (render frames 1920..2399). Then nobody looks at the cable for 40 ms: at 50 ms (frame
/// 2400) one catch-up moves render frames 480..2399 through the 960-frame ring, so only the
/// newest 960 (render 1440..2399) are still there. The reader wants render frames 479..2398:
/// render 479..1439 (961 frames) were overwritten — silence and 961 dropped — and render
/// 1440..2398 arrive intact.
#[test]
fn a_capture_reader_behind_by_more_than_the_ring_gets_silence_and_a_drop_count_not_old_audio() {
    within(LIMIT, || {
        let mut cable = lagging_reader_cable();
        let pos = ops::position(&mut cable, Direction::Capture, Ticks(100_000)).expect("pos");
        assert_eq!(pos.frames, 480, "test setup: 10 ms at 48 kHz");
        assert_eq!(
            capture_dropped(&cable),
            0,
            "an up-to-date reader loses nothing"
        );
        let refill: Vec<Vec<u8>> = (1920..2400).map(numbered_frame).collect();
        client_write(&mut cable, 1920, &refill);

        let pos = ops::position(&mut cable, Direction::Capture, Ticks(500_000)).expect("pos");
        assert_eq!(pos.frames, 2400, "test setup: 50 ms at 48 kHz");
        let captured = client_read(&cable, 480, 2400);
        let silence = vec![0u8; 4];
        for (g, got) in (480..=1440u64).zip(&captured) {
            assert_eq!(
                got,
                &silence,
                "capture frame {g} (render frame {}) was overwritten in the ring before the \
                 reader came: it must be silence, not the audio now in its ring slot",
                g - 1
            );
        }
        for (g, got) in (1441..2400u64).zip(&captured[961..]) {
            assert_eq!(got, &numbered_frame(g - 1), "capture frame {g}");
        }
        assert_eq!(
            capture_dropped(&cable),
            961,
            "render frames 479..1439 were lost to the late reader and are counted as dropped"
        );
        let stats = cable.stream(Direction::Capture).expect("capture").stats();
        assert!(stats.glitches() > 0, "a drop is a glitch the user can see");
        assert_eq!(
            cable
                .stream(Direction::Render)
                .expect("render")
                .stats()
                .dropped_frames,
            0,
            "render lost nothing: its client kept a whole buffer ahead"
        );
    });
}

/// The same promise when the reader's very first look comes after more than a ring of
/// render audio: at 40 ms, capture frames 1..960 (render 0..959) were overwritten, so they
/// are silence and 960 frames are dropped.
///
/// (A silent run that starts before render's first frame — the ring's epoch — and continues
/// into overwritten frames must count the part after the epoch: this test caught
/// `Cable::fill_capture` judging the whole run by its first index.)
#[test]
fn a_first_read_behind_by_more_than_the_ring_counts_every_overwritten_frame_as_dropped() {
    within(LIMIT, || {
        let mut cable = lagging_reader_cable();
        let pos = ops::position(&mut cable, Direction::Capture, Ticks(400_000)).expect("pos");
        assert_eq!(pos.frames, 1920, "test setup: 40 ms at 48 kHz");
        let captured = client_read(&cable, 0, 1920);
        let silence = vec![0u8; 4];
        for (g, got) in captured.iter().enumerate().take(961) {
            assert_eq!(got, &silence, "capture frame {g}");
        }
        for (g, got) in (961..1920u64).zip(&captured[961..]) {
            assert_eq!(got, &numbered_frame(g - 1), "capture frame {g}");
        }
        assert_eq!(
            capture_dropped(&cable),
            960,
            "render frames 0..959 were lost"
        );
    });
}

/// Int16 stereo packet of 480 frames for a packet-mode render client (any non-silent data).
fn packet_frames(first: u64) -> Vec<Vec<u8>> {
    (first..first + 480).map(numbered_frame).collect()
}

/// Writes packet `n` (frames 480·n .. 480·n + 480) and hands it over with SetWritePacket.
fn write_packet(cable: &mut Cable, n: u32, at: u64) {
    let first = u64::from(n) * 480;
    client_write(cable, first, &packet_frames(first));
    ops::set_write_packet(cable, n, 0, 0, Ticks(at)).expect("the packet is in time");
}

fn episodes_at(cable: &mut Cable, at: u64) -> u64 {
    ops::position(cable, Direction::Render, Ticks(at)).expect("position");
    cable.underrun_episodes()
}

/// Promise: a packet-mode render client that misses two (or more) consecutive packets causes
/// one underrun episode, however many packets and position queries the gap spans; two gaps
/// separated by written packets are two episodes. (Frames are counted separately: every
/// unwritten frame is an underrun frame.)
///
/// Packets are 480 frames (10 ms, 100 000 ticks). The client writes packets 0, 1, skips 2
/// and 3, writes 4, 5, skips 6, writes 7.
#[test]
fn consecutive_missing_packets_are_one_underrun_episode_and_separate_gaps_are_two() {
    within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 4, 500)), F);
        open(&mut cable, Direction::Render, fmt, 480);
        write_packet(&mut cable, 0, 0);
        write_packet(&mut cable, 1, 0);
        run(&mut cable, Direction::Render, 0);

        assert_eq!(
            episodes_at(&mut cable, 150_000),
            0,
            "frame 720: packet 1, written"
        );
        assert_eq!(
            episodes_at(&mut cable, 250_000),
            1,
            "frame 1200: packet 2 missing"
        );
        assert_eq!(
            episodes_at(&mut cable, 350_000),
            1,
            "frame 1680: packets 2 and 3 missing — still the same episode"
        );
        // Packet 3 is playing (frames 1440..1920): packet 4 is the next one the client may write.
        write_packet(&mut cable, 4, 350_000);
        // Frame 2016, packet 4 playing: the client writes packet 5.
        write_packet(&mut cable, 5, 420_000);
        assert_eq!(
            episodes_at(&mut cable, 420_000),
            1,
            "playing a written packet ends the episode without starting one"
        );
        // Frame 2976, packet 6 (never written) playing: the client writes packet 7.
        write_packet(&mut cable, 7, 620_000);
        assert_eq!(
            cable.underrun_episodes(),
            2,
            "a new gap after written packets is a second episode"
        );
        // Frame 3840: packet 6 ended, packet 7 played.
        assert_eq!(episodes_at(&mut cable, 800_000), 2);
        let stats = *cable.stream(Direction::Render).expect("render").stats();
        assert_eq!(
            stats.underrun_frames,
            3 * 480,
            "packets 2, 3 and 6 were played as silence"
        );
    });
}

/// A capture client that reads everything from `read` up to the capture position at `at`.
fn read_up_to(cable: &mut Cable, read: &mut u64, at: u64, into: &mut Vec<Vec<u8>>) {
    let pos = ops::position(cable, Direction::Capture, Ticks(at))
        .expect("position")
        .frames;
    into.extend(client_read(cable, *read, pos));
    *read = pos;
}

/// Promise: a packet the render client never wrote reaches the capture side as silence —
/// never as older audio still lying in the cable's ring from an earlier pass.
///
/// The ring holds 960 frames (3840 bytes of int16 stereo), so render frames 1920..2399
/// (packet 4) use the ring slots that held render frames 960..1439 (packet 2). The render
/// client writes packets 0–3 and 5 in time and skips 4; the capture client reads every 5 ms.
/// The scenario runs ten times, starting 96 frames (20 000 ticks) later each time: where in
/// the ring packet 4 lands depends on the cable time at the start, and these ten starts
/// put it across the ring's end (where the silence is written in two pieces) at least
/// four times, whatever the cable's time origin.
#[test]
fn an_unwritten_packet_is_silence_at_the_capture_side_not_audio_left_in_the_ring() {
    within(LIMIT, || {
        for start in (0..10u64).map(|k| k * 20_000) {
            unwritten_packet_after_the_ring_wrapped(start);
        }
    });
}

fn unwritten_packet_after_the_ring_wrapped(start: u64) {
    let fmt = format(SampleType::Int16);
    let mut cable = Cable::new(memory(960 * 4), F);
    open(&mut cable, Direction::Render, fmt, 480);
    open(&mut cable, Direction::Capture, fmt, 480);
    write_packet(&mut cable, 0, start);
    write_packet(&mut cable, 1, start);
    run(&mut cable, Direction::Capture, start);
    run(&mut cable, Direction::Render, start);
    let mut captured = Vec::new();
    let mut read = 0;
    // Packet n may be written while packet n − 1 plays (frames 480·(n−1) .. 480·n).
    let writes = [(150_000, 2), (250_000, 3), (450_000, 5)];
    for step in 1..=12u64 {
        let t = step * 50_000;
        read_up_to(&mut cable, &mut read, start + t, &mut captured);
        if let Some(&(_, n)) = writes.iter().find(|(at, _)| *at == t) {
            write_packet(&mut cable, n, start + t);
        }
    }
    assert_eq!(read, 2880, "test setup: 60 ms read");
    for (g, got) in (1..2880u64).zip(&captured[1..]) {
        let render = g - 1;
        if (1920..2400).contains(&render) {
            assert_eq!(
                got,
                &vec![0u8; 4],
                "start {start}: capture frame {g}: render frame {render} (packet 4) was never \
                 written; its ring slot last held render frame {}",
                render - 960
            );
        } else {
            assert_eq!(
                got,
                &numbered_frame(render),
                "start {start}: capture frame {g}"
            );
        }
    }
    let stats = *cable.stream(Direction::Render).expect("render").stats();
    assert_eq!(stats.underrun_frames, 480, "start {start}");
    assert_eq!(cable.underrun_episodes(), 1, "start {start}");
    assert_eq!(
        capture_dropped(&cable),
        0,
        "start {start}: nothing was lost in the cable"
    );
}

/// Promise: silence after the render client's end of stream is silence by design, not lost
/// audio — even for a capture reader that comes back later than the ring holds, no frame of
/// it is counted as dropped.
///
/// Render (packet mode, 480-frame packets, a 1920-frame buffer so that one catch-up can
/// cover more than the 960-frame ring) writes packet 0 and ends the stream after its first
/// 480 frames. At 20 ms both sides are caught up: the capture client has every frame of
/// audio (render 0..479) and silence up to render frame 958. Nobody looks for the next
/// 40 ms: 1920 frames of post-EOS silence go through the 960-frame ring.
#[test]
fn end_of_stream_silence_is_never_counted_as_dropped_even_for_a_late_reader() {
    within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        let mut cable = Cable::new(memory(960 * 4), F);
        open(&mut cable, Direction::Render, fmt, 960);
        open(&mut cable, Direction::Capture, fmt, 1200);
        let frames: Vec<Vec<u8>> = (0..480).map(numbered_frame).collect();
        client_write(&mut cable, 0, &frames);
        ops::set_write_packet(
            &mut cable,
            0,
            cadenza_engine::stream::WRITE_PACKET_FLAG_EOS,
            480 * 4,
            Ticks(0),
        )
        .expect("an EOS packet");
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        let mut captured = Vec::new();
        let mut read = 0;
        read_up_to(&mut cable, &mut read, 200_000, &mut captured);
        read_up_to(&mut cable, &mut read, 600_000, &mut captured);
        assert_eq!(read, 2880, "test setup: 60 ms read");
        for (g, got) in (1..481u64).zip(&captured[1..]) {
            assert_eq!(got, &numbered_frame(g - 1), "capture frame {g}");
        }
        for (g, got) in captured.iter().enumerate().skip(481) {
            assert_eq!(got, &vec![0u8; 4], "capture frame {g}: after end of stream");
        }
        assert_eq!(
            capture_dropped(&cable),
            0,
            "the reader missed no audio: everything after frame 480 is end-of-stream silence"
        );
        let render = *cable.stream(Direction::Render).expect("render").stats();
        assert_eq!(
            render.underrun_frames, 0,
            "end of stream is not an underrun"
        );
    });
}

/// Promise: render audio the cable could not collect in time — the render position ran
/// more than a whole render buffer past what the cable had taken — is counted as dropped on
/// the render stream, and the capture side gets silence in its place.
///
/// The render buffer holds 960 frames (2 × 480), filled before the start; nothing looks at
/// the cable for 30 ms (1440 frames), so render frames 0..479 were already overwritten in
/// the buffer (the position went round it) when the cable collected.
#[test]
fn render_audio_not_collected_within_a_buffer_is_counted_as_dropped_and_arrives_as_silence() {
    within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 4, 500)), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 1200);
        let frames: Vec<Vec<u8>> = (0..960).map(numbered_frame).collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        let pos = ops::position(&mut cable, Direction::Capture, Ticks(300_000)).expect("pos");
        assert_eq!(pos.frames, 1440, "test setup: 30 ms at 48 kHz");
        let render = *cable.stream(Direction::Render).expect("render").stats();
        assert_eq!(render.dropped_frames, 480, "render frames 0..479 were lost");
        assert!(render.glitches() > 0, "a drop is a glitch the user can see");
        let captured = client_read(&cable, 0, 961);
        for (g, got) in captured.iter().enumerate().take(481) {
            assert_eq!(got, &vec![0u8; 4], "capture frame {g}");
        }
        for (g, got) in (481..961u64).zip(&captured[481..]) {
            assert_eq!(got, &numbered_frame(g - 1), "capture frame {g}");
        }
    });
}

/// Float32 stereo frame `f` with distinct, exactly representable samples ±(f + 1)/32768.
fn numbered_float_frame(f: u64) -> Vec<u8> {
    let k = u16::try_from(f + 1).expect("the test stays below 65535 frames");
    let x = f32::from(k) / 32_768.0;
    float_frame(x, -x)
}

/// Promise: the ring the adapters allocate for a configuration (`Cable::ring_bytes_for`)
/// holds 500 ms of the widest frame the configuration allows at its highest rate, so a
/// capture reader can fall a full 500 ms behind and still get every frame.
///
/// The default configuration offers 48 kHz stereo up to 32-bit (float32) samples: 8-byte
/// frames, so 500 ms is 24 000 frames = 192 000 bytes. Render (float32, 500 ms buffer,
/// filled before the start) plays 500 ms that nobody collects until the end.
#[test]
fn a_capture_reader_500_ms_behind_loses_nothing_with_the_ring_sized_for_the_configuration() {
    within(LIMIT, || {
        let config = cadenza_engine::config::DeviceConfig::default();
        let bytes = Cable::ring_bytes_for(&config);
        assert_eq!(bytes, 192_000, "500 ms of 8-byte frames at 48 kHz");
        assert_eq!(Cable::ring_bytes(48_000, 8, 500), 192_000);
        assert_eq!(
            Cable::ring_bytes(192_000, 64, 500),
            6_144_000,
            "500 ms of 16 × 32-bit frames at 192 kHz"
        );

        let fmt = format(SampleType::Float32);
        let mut cable = Cable::new(memory(bytes), F);
        open(&mut cable, Direction::Render, fmt, 12_000);
        open(&mut cable, Direction::Capture, fmt, 12_500);
        let frames: Vec<Vec<u8>> = (0..24_000).map(numbered_float_frame).collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        let pos = ops::position(&mut cable, Direction::Capture, Ticks(5_000_000)).expect("pos");
        assert_eq!(pos.frames, 24_000, "test setup: 500 ms at 48 kHz");
        let captured = client_read(&cable, 0, 24_000);
        assert_eq!(captured[0], vec![0u8; 8], "before render's first frame");
        for (g, got) in (1..24_000u64).zip(&captured[1..]) {
            assert_eq!(got, &numbered_float_frame(g - 1), "capture frame {g}");
        }
        assert_eq!(capture_dropped(&cable), 0);
    });
}

/// Promise: when the render side pauses, the capture side gets every frame render played
/// and then silence — never audio left in the cable's ring from an earlier pass.
///
/// A 960-frame ring; render (position mode, 960-frame buffer kept full by its client) plays
/// 2928 frames, so the ring went round three times, and pauses at 61 ms (tick 610 000:
/// 610 000 × 48 000 / 10 000 000 = 2928 frames). The capture client reads every 5 ms until
/// 80 ms. At the pause its read stopped one frame short of render's last frame (the cable's
/// delay), so its next read starts on that frame and runs on into cable time render never
/// played.
#[test]
fn after_render_pauses_the_capture_side_gets_the_last_frames_then_silence_not_old_ring_audio() {
    within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        let mut cable = Cable::new(memory(960 * 4), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 480);
        let first: Vec<Vec<u8>> = (0..960).map(numbered_frame).collect();
        client_write(&mut cable, 0, &first);
        let mut written = 960;
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        let mut captured = Vec::new();
        let mut read = 0;
        for t in (1..=12u64).map(|k| k * 50_000) {
            let rpos = ops::position(&mut cable, Direction::Render, Ticks(t))
                .expect("position")
                .frames;
            assert!(
                rpos + 960 - written <= 1 << 24,
                "render position ran away: {written}..{}",
                rpos + 960
            );
            let more: Vec<Vec<u8>> = (written..rpos + 960).map(numbered_frame).collect();
            client_write(&mut cable, written, &more);
            written = rpos + 960;
            read_up_to(&mut cable, &mut read, t, &mut captured);
        }
        ops::set_state(
            &mut cable,
            Direction::Render,
            KsState::Pause,
            Ticks(610_000),
        )
        .expect("pause");
        assert_eq!(
            cable
                .stream(Direction::Render)
                .expect("render")
                .frames_at(Ticks(610_000)),
            2928,
            "test setup: render paused after 2928 frames"
        );
        for t in (13..=16u64).map(|k| k * 50_000) {
            read_up_to(&mut cable, &mut read, t, &mut captured);
        }
        assert_eq!(read, 3840, "test setup: 80 ms read");
        for (g, got) in (1..=2928u64).zip(&captured[1..]) {
            assert_eq!(got, &numbered_frame(g - 1), "capture frame {g}");
        }
        for (g, got) in captured.iter().enumerate().skip(2929) {
            assert_eq!(
                got,
                &vec![0u8; 4],
                "capture frame {g}: cable time after render paused must be silence"
            );
        }
        assert_eq!(capture_dropped(&cable), 0, "a paused render loses nothing");
    });
}

/// Fills the whole capture buffer with `byte`, as left over from an earlier pass.
fn fill_capture_buffer(cable: &mut Cable, byte: u8) {
    let b = cable
        .stream_mut(Direction::Capture)
        .expect("capture stream")
        .buffer_mut()
        .expect("capture buffer");
    let len = b.memory.len();
    b.memory.slice_mut(0, len).expect("whole buffer").fill(byte);
}

/// Promise: a render stream that enters RUN and pauses again before playing a single frame
/// leaves the capture side reading silence — promptly, counting nothing as lost — as the
/// cable time it never played goes by.
#[test]
fn a_render_run_paused_before_its_first_frame_leaves_capture_reading_silence() {
    let (captured, dropped) = within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        let mut cable = Cable::new(memory(960 * 4), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 480);
        let frames: Vec<Vec<u8>> = (0..960).map(numbered_frame).collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 100_000);
        ops::set_state(
            &mut cable,
            Direction::Render,
            KsState::Pause,
            Ticks(100_000),
        )
        .expect("pause");
        let mut captured = Vec::new();
        let mut read = 0;
        for t in (1..=8u64).map(|k| k * 50_000) {
            read_up_to(&mut cable, &mut read, t, &mut captured);
        }
        (captured, capture_dropped(&cable))
    });
    assert_eq!(captured.len(), 1920, "test setup: 40 ms read");
    for (g, got) in captured.iter().enumerate() {
        assert_eq!(got, &vec![0u8; 4], "capture frame {g}: render never played");
    }
    assert_eq!(dropped, 0, "nothing was played, so nothing was lost");
}

/// Promise: master volume scales every channel of a stream with any channel count, not just
/// stereo: a mono and a 4-channel float32 render stream at −6 dB both reach the capture side
/// (same format) scaled by 10^(−6/20) on every channel.
#[test]
fn master_volume_scales_every_channel_of_mono_and_four_channel_streams_through_the_cable() {
    within(LIMIT, || {
        for channels in [1u16, 4] {
            let fmt = Format::new(
                SampleType::Float32,
                Channels::new(channels).expect("a valid channel count"),
                SampleRate::new(48_000).expect("48 kHz is a valid rate"),
            );
            let block = usize::from(fmt.block_align());
            let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 16, 500)), F);
            open(&mut cable, Direction::Render, fmt, 480);
            open(&mut cable, Direction::Capture, fmt, 480);
            cable
                .gain_mut(Direction::Render)
                .set_all_db(MINUS_6_DB)
                .expect("-6 dB is in range");
            // Sample (frame f, channel c): (f % 97 + 1 + 100·c) / 512, exact in f32.
            let sample = |f: u64, c: u16| {
                let k = u16::try_from(f % 97 + 1).expect("below 98") + 100 * c;
                f32::from(k) / 512.0
            };
            let frames: Vec<Vec<u8>> = (0..960)
                .map(|f| {
                    (0..channels)
                        .flat_map(|c| sample(f, c).to_le_bytes())
                        .collect()
                })
                .collect();
            client_write(&mut cable, 0, &frames);
            run(&mut cable, Direction::Capture, 0);
            run(&mut cable, Direction::Render, 0);
            ops::position(&mut cable, Direction::Capture, Ticks(200_000)).expect("position");
            for (g, bytes) in (1..960u64).zip(client_read(&cable, 1, 960)) {
                assert_eq!(bytes.len(), block);
                for (c, got) in (0..channels).zip(bytes.chunks_exact(4)) {
                    let got = f32::from_le_bytes(got.try_into().expect("4 bytes"));
                    let what = format!("{channels} channels, capture frame {g}, channel {c}");
                    assert_scaled(got, sample(g - 1, c), &what);
                }
            }
        }
    });
}

/// Promise: changing the master volume while the cable runs takes effect for the audio that
/// follows: at 0 dB the capture side gets the render samples unchanged, and after the change
/// to −6 dB it gets them scaled by 10^(−6/20).
#[test]
fn a_volume_change_while_the_cable_runs_applies_to_the_audio_that_follows() {
    within(LIMIT, || {
        let fmt = format(SampleType::Float32);
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 8, 500)), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 480);
        let frames: Vec<Vec<u8>> = (0..960)
            .map(|f| {
                let (l, r) = float_samples(f);
                float_frame(l, r)
            })
            .collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        // 5 ms at 0 dB: capture frames 1..239 carry render frames 0..238 unchanged.
        ops::position(&mut cable, Direction::Capture, Ticks(50_000)).expect("position");
        for (g, bytes) in (1..240u64).zip(client_read(&cable, 1, 240)) {
            assert_eq!(
                bytes,
                frames[usize::try_from(g - 1).expect("small")],
                "frame {g}"
            );
        }
        // The user turns the volume down; everything not yet moved through is at -6 dB.
        cable
            .gain_mut(Direction::Render)
            .set_all_db(MINUS_6_DB)
            .expect("-6 dB is in range");
        ops::position(&mut cable, Direction::Capture, Ticks(150_000)).expect("position");
        for (g, bytes) in (241..720u64).zip(client_read(&cable, 241, 720)) {
            let (l_in, r_in) = float_samples(g - 1);
            let (l, r) = decode_float_frame(&bytes);
            assert_scaled(
                l,
                l_in,
                &format!("after the change, capture frame {g} left"),
            );
            assert_scaled(
                r,
                r_in,
                &format!("after the change, capture frame {g} right"),
            );
        }
    });
}

/// Promise: a cable without usable ring memory (none, or too little for one frame) moves no
/// audio — the capture side reads silence — and never stalls the caller; nor does one whose
/// ring memory was handed back at teardown while its streams still run.
#[test]
fn a_cable_without_ring_memory_delivers_silence_and_never_stalls() {
    within(LIMIT, || {
        let fmt = format(SampleType::Int16);
        for ring_bytes in [0usize, 3] {
            let mut cable = Cable::new(memory(ring_bytes), F);
            open(&mut cable, Direction::Render, fmt, 480);
            open(&mut cable, Direction::Capture, fmt, 480);
            let frames: Vec<Vec<u8>> = (0..960).map(numbered_frame).collect();
            client_write(&mut cable, 0, &frames);
            run(&mut cable, Direction::Capture, 0);
            run(&mut cable, Direction::Render, 0);
            let mut captured = Vec::new();
            let mut read = 0;
            for t in (1..=4u64).map(|k| k * 50_000) {
                read_up_to(&mut cable, &mut read, t, &mut captured);
            }
            for (g, got) in captured.iter().enumerate() {
                assert_eq!(
                    got,
                    &vec![0u8; 4],
                    "{ring_bytes}-byte ring: capture frame {g}"
                );
            }
        }
        // Memory handed back (teardown) while both streams still run: later calls return.
        let mut cable = Cable::new(memory(960 * 4), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 480);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        ops::position(&mut cable, Direction::Capture, Ticks(50_000)).expect("position");
        let ring = cable.take_ring_memory();
        assert_eq!(ring.len(), 960 * 4, "the whole ring is handed back");
        for t in (2..=4u64).map(|k| k * 50_000) {
            let pos = ops::position(&mut cable, Direction::Capture, Ticks(t)).expect("position");
            assert_eq!(pos.frames, t * 48_000 / 10_000_000, "capture keeps time");
        }
    });
}

/// Steps a stream down to STOP and closes it, as an adapter does when a client goes away.
fn close(cable: &mut Cable, direction: Direction, at: u64) {
    for to in [KsState::Pause, KsState::Acquire, KsState::Stop] {
        ops::set_state(cable, direction, to, Ticks(at)).expect("state step");
    }
    assert!(
        ops::close(cable, direction, Ticks(at)).is_some(),
        "buffer handed back"
    );
}

/// Promise: a volume set on one channel applies to that channel of whatever stream plays
/// later: with the right channel (1) at −6 dB, a mono stream (which has no right channel)
/// plays unchanged, and a stereo stream opened after it has its right channel scaled by
/// 10^(−6/20) and its left one unchanged.
#[test]
fn a_per_channel_volume_applies_to_streams_with_other_channel_counts_opened_later() {
    within(LIMIT, || {
        let stereo = format(SampleType::Float32);
        let mono = Format::new(SampleType::Float32, Channels::MONO, stereo.rate());
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 8, 500)), F);
        cable
            .gain_mut(Direction::Render)
            .set_channel_db(1, MINUS_6_DB)
            .expect("-6 dB is in range");
        open(&mut cable, Direction::Render, mono, 480);
        open(&mut cable, Direction::Capture, mono, 480);
        let frames: Vec<Vec<u8>> = (0..960)
            .map(|f| float_samples(f).0.to_le_bytes().to_vec())
            .collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        ops::position(&mut cable, Direction::Capture, Ticks(100_000)).expect("position");
        for (g, bytes) in (1..480u64).zip(client_read(&cable, 1, 480)) {
            assert_eq!(
                bytes,
                frames[usize::try_from(g - 1).expect("small")],
                "mono frame {g}"
            );
        }
        close(&mut cable, Direction::Render, 100_000);
        close(&mut cable, Direction::Capture, 100_000);

        open(&mut cable, Direction::Render, stereo, 480);
        open(&mut cable, Direction::Capture, stereo, 480);
        let frames: Vec<Vec<u8>> = (0..960)
            .map(|f| {
                let (l, r) = float_samples(f);
                float_frame(l, r)
            })
            .collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 200_000);
        run(&mut cable, Direction::Render, 200_000);
        ops::position(&mut cable, Direction::Capture, Ticks(300_000)).expect("position");
        for (g, bytes) in (1..480u64).zip(client_read(&cable, 1, 480)) {
            let (l_in, r_in) = float_samples(g - 1);
            let (l, r) = decode_float_frame(&bytes);
            assert_eq!(
                l.to_bits(),
                l_in.to_bits(),
                "stereo frame {g}: left is at 0 dB"
            );
            assert_scaled(r, r_in, &format!("stereo frame {g} right"));
        }
    });
}

/// Promise: a capture side in another sample type of the same size gets the audio
/// converted, not the render side's bytes: int32 render samples ±2^30 (±0.5 of full
/// scale) and 2^29 arrive at a float32 capture side as ±0.5 and 0.25.
#[test]
fn int32_render_audio_reaches_a_float32_capture_side_converted_not_copied() {
    within(LIMIT, || {
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 8, 500)), F);
        open(
            &mut cable,
            Direction::Render,
            format(SampleType::Int32),
            480,
        );
        open(
            &mut cable,
            Direction::Capture,
            format(SampleType::Float32),
            480,
        );
        let int_frame = |f: u64| -> Vec<u8> {
            let left: i32 = if f.is_multiple_of(2) {
                1 << 30
            } else {
                -(1 << 30)
            };
            let mut v = left.to_le_bytes().to_vec();
            v.extend_from_slice(&(1i32 << 29).to_le_bytes());
            v
        };
        let frames: Vec<Vec<u8>> = (0..960).map(int_frame).collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        ops::position(&mut cable, Direction::Capture, Ticks(100_000)).expect("position");
        for (g, bytes) in (1..480u64).zip(client_read(&cable, 1, 480)) {
            let expected_left = if (g - 1).is_multiple_of(2) {
                0.5f32
            } else {
                -0.5
            };
            assert_eq!(
                decode_float_frame(&bytes),
                (expected_left, 0.25),
                "capture frame {g}"
            );
        }
    });
}

/// Promise: audio a closed render stream left in the cable never reaches a capture stream
/// opened afterwards at another rate; that stream reads silence.
///
/// Render (48 kHz) plays 20 ms (960 frames) and closes. A 44.1 kHz capture stream starts at
/// that moment: its cable time, counted at 44.1 kHz, is 882 frames, which is inside what
/// the 48 kHz render stream wrote, so the ring still holds frames it could be handed.
#[test]
fn a_capture_stream_at_another_rate_never_hears_what_a_closed_render_stream_left() {
    within(LIMIT, || {
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 4, 500)), F);
        open(
            &mut cable,
            Direction::Render,
            format(SampleType::Int16),
            480,
        );
        let frames: Vec<Vec<u8>> = (0..960).map(numbered_frame).collect();
        client_write(&mut cable, 0, &frames);
        run(&mut cable, Direction::Render, 0);
        for t in [100_000, 200_000] {
            ops::position(&mut cable, Direction::Render, Ticks(t)).expect("position");
        }
        close(&mut cable, Direction::Render, 200_000);

        let rate = SampleRate::new(44_100).expect("44.1 kHz is a valid rate");
        let fmt = Format::new(SampleType::Int16, Channels::STEREO, rate);
        open(&mut cable, Direction::Capture, fmt, 441);
        run(&mut cable, Direction::Capture, 200_000);
        let mut captured = Vec::new();
        let mut read = 0;
        for t in [250_000, 300_000] {
            read_up_to(&mut cable, &mut read, t, &mut captured);
        }
        assert_eq!(read, 441, "test setup: 10 ms at 44.1 kHz");
        for (g, got) in captured.iter().enumerate() {
            assert_eq!(got, &vec![0u8; 4], "capture frame {g}");
        }
    });
}

/// Promise: while a status reader watches, the level meter of each cable side shows that
/// side's audio — the render meter the peaks the render client played, the capture meter what
/// the capture client received after the capture volume — once 100 ms (4 800 frames at 48 kHz)
/// of stream time has been moved, and not before.
#[test]
fn each_side_meters_the_peaks_of_its_own_audio_after_100_ms() {
    within(LIMIT, || {
        let fmt = format(SampleType::Float32);
        let mut cable = Cable::new(memory(Cable::ring_bytes(48_000, 8, 500)), F);
        open(&mut cable, Direction::Render, fmt, 480);
        open(&mut cable, Direction::Capture, fmt, 480);
        cable
            .gain_mut(Direction::Capture)
            .set_all_db(MINUS_6_DB)
            .expect("-6 dB is in range");
        // A status reader is watching: both meters run (a live-status request arms them).
        for d in [Direction::Render, Direction::Capture] {
            cable.stream_mut(d).expect("stream").level_meter_mut().arm();
        }
        // Quiet everywhere (1/8 left, 1/16 right) but for one loud frame per channel.
        let frame = |f: u64| match f {
            100 => float_frame(0.5, 0.0625),
            2_000 => float_frame(0.125, -0.25),
            _ => float_frame(-0.125, 0.0625),
        };
        run(&mut cable, Direction::Capture, 0);
        run(&mut cable, Direction::Render, 0);
        for k in 1..=10u64 {
            // The client writes each 10 ms packet before the cable reaches it.
            let first = (k - 1) * 480;
            let frames: Vec<Vec<u8>> = (first..first + 480).map(frame).collect();
            client_write(&mut cable, first, &frames);
            if k == 10 {
                for d in [Direction::Render, Direction::Capture] {
                    let s = cable.stream(d).expect("stream");
                    assert_eq!(s.levels().windows, 0, "{d:?}: 90 ms is not a window yet");
                }
            }
            ops::position(&mut cable, Direction::Capture, Ticks(k * 100_000)).expect("pos");
        }
        let render = *cable.stream(Direction::Render).expect("render").levels();
        assert_eq!((render.windows, render.window_frames), (1, 4_800));
        // 0.5 and 0.25 of full scale in Q31.
        assert_eq!(render.peak_q31[..3], [1 << 30, 1 << 29, 0]);
        let capture = *cable.stream(Direction::Capture).expect("capture").levels();
        assert_eq!((capture.windows, capture.window_frames), (1, 4_800));
        for (ch, peak) in [(0, 0.5), (1, 0.25)] {
            let want = peak * MINUS_6_DB_LINEAR * 2_147_483_648.0;
            let got = f64::from(capture.peak_q31[ch]);
            assert!(
                (got - want).abs() <= want * 2e-7 + 1.0,
                "capture channel {ch}: {got} vs {peak} × 10^(-6/20) of full scale = {want}"
            );
        }
    });
}
