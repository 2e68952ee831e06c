//! Promises about where a stream's clock comes from (`timebase`): the counter for virtual
//! devices, the DMA position register for hardware. Checked through the engine's public API
//! (`device::ops`, `Stream`, `Stream::timebase`).
//!
//! Expected values are derived by hand in the comments with a 10 MHz counter: at 48 kHz,
//! 480 frames = 100 000 ticks and 3 frames = 625 ticks exactly; at 44.1 kHz, 441 frames =
//! 100 000 ticks exactly. Frame distances are chosen so no rounding is involved.

use std::ptr::NonNull;

use cadenza_engine::device::null_sink::NullSink;
use cadenza_engine::device::ops;
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::DmaBuffer;
use cadenza_engine::state::KsState;
use cadenza_engine::stream::{Direction, PacketNotice, Stream};
use cadenza_engine::time::{CounterFrequency, Ticks};

const F: CounterFrequency = CounterFrequency::TEN_MHZ;

fn memory(bytes: usize) -> DmaBuffer {
    let leaked: &'static mut [u8] = Box::leak(vec![0u8; bytes].into_boxed_slice());
    let ptr = NonNull::new(leaked.as_mut_ptr()).expect("a boxed slice is never null");
    // SAFETY: the allocation is leaked, so it stays valid for the whole test process, and the
    // `&mut` that pointed at it is not used again: the DmaBuffer is its only user.
    unsafe { DmaBuffer::from_raw_parts(ptr, bytes) }
}

fn int16_stereo(hz: u32) -> Format {
    Format::new(
        SampleType::Int16,
        Channels::STEREO,
        SampleRate::new(hz).expect("a valid rate"),
    )
}

fn geometry(fmt: &Format, packet_frames: u32) -> BufferGeometry {
    let bytes = packet_frames * u32::from(fmt.block_align()) * 2;
    BufferGeometry::plan(fmt, bytes, PacketCount::Two, true, &BufferLimits::DEFAULT)
        .expect("a valid buffer")
}

/// Attaches a two-packet buffer and steps the stream STOP → ACQUIRE → PAUSE → RUN at `at`.
fn attach_and_run(s: &mut Stream, packet_frames: u32, at: u64) {
    let g = geometry(s.format(), packet_frames);
    let span = usize::try_from(g.span_bytes()).expect("fits");
    s.attach_buffer(memory(span), g)
        .map_err(|(e, _)| e)
        .expect("attach");
    for to in [KsState::Acquire, KsState::Pause, KsState::Run] {
        s.set_state(to, Ticks(at)).expect("state step");
    }
}

/// Promise: a rate change through SetFormat moves a virtual stream's clock to the new rate.
/// A stream opened at 48 kHz and switched to 44.1 kHz before it runs reports 44 100 frames
/// after one second, and its first packet (441 frames) completes 10 ms after the start.
#[test]
fn set_format_to_44k1_moves_a_virtual_streams_clock_to_44k1() {
    let mut dev = NullSink::new();
    ops::open(&mut dev, 1, Direction::Render, int16_stereo(48_000), F).expect("open");
    ops::set_format(&mut dev, Direction::Render, int16_stereo(44_100)).expect("set format");
    let g = geometry(&int16_stereo(44_100), 441);
    let span = usize::try_from(g.span_bytes()).expect("fits");
    ops::attach_buffer(&mut dev, Direction::Render, memory(span), g)
        .map_err(|(e, _)| e)
        .expect("attach");
    ops::set_state(&mut dev, Direction::Render, KsState::Acquire, Ticks(0)).expect("acquire");
    ops::set_state(&mut dev, Direction::Render, KsState::Pause, Ticks(0)).expect("pause");
    let armed = ops::set_state(&mut dev, Direction::Render, KsState::Run, Ticks(0)).expect("run");
    assert_eq!(
        armed,
        cadenza_engine::stream::TimerRequest::Arm(Ticks(100_000)),
        "441 frames at 44.1 kHz take 10 ms"
    );
    let pos = ops::position(&mut dev, Direction::Render, Ticks(10_000_000)).expect("position");
    assert_eq!(pos.frames, 44_100, "one second at 44.1 kHz");
    assert_eq!(dev.consumed_frames(), 44_100);
}

/// Promise: a rate change through SetFormat moves a hardware stream's time estimates to the
/// new rate. A DMA engine at 44.1 kHz with 882-frame packets reports frame 1323 at 30 ms: the
/// packet-0 completion (frame 882, 441 frames = 10 ms earlier) is stamped at 20 ms.
#[test]
fn set_format_to_44k1_moves_a_hardware_streams_estimates_to_44k1() {
    let mut s = Stream::new_hardware(1, Direction::Render, int16_stereo(48_000), F);
    s.set_format(int16_stereo(44_100)).expect("set format");
    attach_and_run(&mut s, 882, 0);
    assert_eq!(
        s.on_hw_position(1323, Ticks(300_000)),
        Some(PacketNotice {
            packet: 0,
            qpc: Ticks(200_000)
        })
    );
    // And forward: frame 1764 (441 frames after the last read) is expected at 40 ms.
    assert_eq!(s.timebase().ticks_at(1764), Some(Ticks(400_000)));
}

/// Promise: a running hardware stream estimates when any frame was or will be reached from
/// its last DMA position read, at the nominal rate: forward for frames still to come,
/// backward for frames already played, exactly at the read for the frame it read.
#[test]
fn a_running_hardware_stream_dates_frames_from_its_last_position_read_at_the_nominal_rate() {
    let mut s = Stream::new_hardware(1, Direction::Capture, int16_stereo(48_000), F);
    attach_and_run(&mut s, 480, 1_000_000);
    // The DMA engine reports frame 960 at 1 000 000 + 200 000 ticks (20 ms after the start).
    let notice = s.on_hw_position(960, Ticks(1_200_000));
    assert_eq!(
        notice,
        Some(PacketNotice {
            packet: 1,
            qpc: Ticks(1_200_000)
        }),
        "packet 1 ends on the frame read: stamped with the read's time"
    );
    // GetReadPacket: packet 0's first frame (frame 0) was sampled at the start.
    let p = s.read_packet(Ticks(1_200_000)).expect("a packet is ready");
    assert_eq!((p.number, p.qpc), (0, Ticks(1_000_000)));
    let tb = s.timebase();
    assert_eq!(tb.ticks_at(960), Some(Ticks(1_200_000)), "the frame read");
    assert_eq!(tb.ticks_at(963), Some(Ticks(1_200_625)), "3 frames ahead");
    assert_eq!(tb.ticks_at(1440), Some(Ticks(1_300_000)), "480 ahead");
    assert_eq!(tb.ticks_at(957), Some(Ticks(1_199_375)), "3 frames back");
    assert_eq!(tb.ticks_at(480), Some(Ticks(1_100_000)), "480 back");
    assert_eq!(tb.ticks_at(0), Some(Ticks(1_000_000)), "the start");
    // A later read moves the reference: frame 1443 read at 1 300 625 ticks.
    assert_eq!(
        s.on_hw_position(1443, Ticks(1_300_625)),
        Some(PacketNotice {
            packet: 2,
            qpc: Ticks(1_300_000)
        }),
        "packet 2 ended 3 frames (625 ticks) before the read"
    );
}

/// Promise: a paused (or stopped) hardware stream predicts no time for any frame: it will not
/// reach a future frame until it runs again, so no deadline or timestamp is derived from a
/// clock that is not moving. Running again brings the estimates back.
#[test]
fn a_paused_or_stopped_hardware_stream_predicts_no_time_for_any_frame() {
    let mut s = Stream::new_hardware(1, Direction::Render, int16_stereo(48_000), F);
    assert_eq!(s.timebase().ticks_at(0), None, "never started");
    attach_and_run(&mut s, 480, 0);
    s.on_hw_position(480, Ticks(100_000));
    assert_eq!(s.timebase().ticks_at(960), Some(Ticks(200_000)));
    s.set_state(KsState::Pause, Ticks(150_000)).expect("pause");
    assert!(!s.timebase().is_running());
    for frame in [0, 480, 960] {
        assert_eq!(s.timebase().ticks_at(frame), None, "paused: frame {frame}");
    }
    s.set_state(KsState::Acquire, Ticks(160_000))
        .expect("acquire");
    s.set_state(KsState::Stop, Ticks(170_000)).expect("stop");
    assert_eq!(s.timebase().ticks_at(0), None, "stopped");
    assert_eq!(s.frames_at(Ticks(170_000)), 0, "STOP resets the position");
}
