//! No heap allocation (or free) happens on the streaming path: between RUN and STOP.
//!
//! A counting global allocator wraps the system allocator and counts, per thread, every
//! allocation, reallocation and free. The test sets up a cable, its streams, their buffers and
//! events before RUN (allocating freely), then drives the engine exactly as an adapter does —
//! device lock, state changes, timer callbacks with event signals, re-arming, positions,
//! packet calls, gain and mute changes, a late timer, a pause and restart — and asserts the
//! counters did not move from RUN to STOP.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use cadenza_bench::fixture::{TrivialPlatform, format, noise, packet_frames};
use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::ops;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{EventHandle, Locked, Platform, SpinRawLock};
use cadenza_engine::state::KsState;
use cadenza_engine::stream::{Direction, StreamError, TimerRequest};
use cadenza_engine::time::{CounterFrequency, Ticks};
use cadenza_hostsim::SimPlatform;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static FREES: Cell<u64> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    // `try_with`: during thread teardown the counter may already be gone.
    let _ = counter.try_with(|c| c.set(c.get() + 1));
}

/// The system allocator, counting per thread.
struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        // SAFETY: `GlobalAlloc::alloc`'s contract gives us a `layout` of non-zero size, the
        // one requirement of `System.alloc`, and it is passed unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        // SAFETY: `GlobalAlloc::alloc_zeroed`'s contract gives us a `layout` of non-zero size,
        // the one requirement of `System.alloc_zeroed`, and it is passed unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCS);
        // SAFETY: our caller guarantees `ptr` is a live block of ours allocated with `layout`,
        // and `new_size` is non-zero and does not overflow when rounded to its alignment;
        // every block of ours is a `System` block with the same layout, since `alloc`,
        // `alloc_zeroed` and `realloc` hand out exactly what `System` returned.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&FREES);
        // SAFETY: our caller guarantees `ptr` is a live block of ours allocated with `layout`;
        // every block of ours is a `System` block with the same layout, since `alloc`,
        // `alloc_zeroed` and `realloc` hand out exactly what `System` returned.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn counts() -> (u64, u64) {
    (ALLOCS.with(Cell::get), FREES.with(Cell::get))
}

const FREQ: CounterFrequency = CounterFrequency::TEN_MHZ;

#[test]
fn the_counter_sees_allocations() {
    let before = counts();
    let v = std::hint::black_box(vec![1u8; 100]);
    drop(v);
    let after = counts();
    assert_eq!(after.0 - before.0, 1);
    assert_eq!(after.1 - before.1, 1);
}

/// Opens `direction` on the cable with a buffer of two packets of `period_us`, filled with
/// noise, and one event.
fn open(
    cable: &Locked<SpinRawLock, Cable>,
    platform: &SimPlatform,
    direction: Direction,
    fmt: Format,
    period_us: u32,
) {
    let id = match direction {
        Direction::Render => 1,
        Direction::Capture => 2,
    };
    let pf = packet_frames(fmt.rate().hz(), period_us);
    let g = BufferGeometry::plan(
        &fmt,
        pf * u32::from(fmt.block_align()) * 2,
        PacketCount::Two,
        true,
        &BufferLimits::DEFAULT,
    )
    .unwrap();
    let mut memory = platform.allocate(g.span_bytes() as usize).unwrap();
    noise(memory.slice_mut(0, memory.len()).unwrap(), u64::from(id));
    cable.with(|c| {
        ops::open(c, id, direction, fmt, FREQ).unwrap();
        ops::attach_buffer(c, direction, memory, g)
            .map_err(|(e, _)| e)
            .unwrap();
        ops::register_event(
            c,
            direction,
            EventHandle::host(0x100 * id as usize).unwrap(),
        )
        .unwrap();
    });
}

/// What the adapter does with a state change's timer request.
fn apply(deadline: &mut Option<Ticks>, request: TimerRequest) {
    match request {
        TimerRequest::Arm(d) => *deadline = Some(d),
        TimerRequest::Cancel => *deadline = None,
        TimerRequest::None => {}
    }
}

fn step(
    cable: &Locked<SpinRawLock, Cable>,
    deadline: &mut Option<Ticks>,
    direction: Direction,
    states: &[KsState],
    now: Ticks,
) {
    for &s in states {
        let r = cable
            .with(|c| ops::set_state(c, direction, s, now))
            .unwrap();
        apply(deadline, r);
    }
}

#[derive(Default, Debug)]
struct Work {
    wakeups: u64,
    notifications: u64,
    packets_written: u64,
    packets_read: u64,
    positions: u64,
}

#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom: RUN ... STOP
fn nothing_allocates_between_run_and_stop() {
    let platform = SimPlatform::new(1);
    let signals = TrivialPlatform::default();
    // Render float32 stereo in packet mode; capture int16 mono, so the capture side converts
    // (sample type and down-mix) and applies gain on the way out.
    let render_fmt = Format::DEFAULT;
    let capture_fmt = format(SampleType::Int16, 1, 48_000);
    let period_us = 10_000;
    let ring = platform
        .allocate(Cable::ring_bytes(48_000, 8, 500))
        .unwrap();
    let cable: Locked<SpinRawLock, Cable> = Locked::new(Cable::new(ring, FREQ));
    open(
        &cable,
        &platform,
        Direction::Capture,
        capture_fmt,
        period_us,
    );
    open(&cable, &platform, Direction::Render, render_fmt, period_us);
    cable.with(|c| {
        c.gain_mut(Direction::Capture)
            .set_all_db(-(6 << 16))
            .unwrap();
    });
    let mut work = Work::default();
    let mut deadlines = [None::<Ticks>; 2];
    let dirs = [Direction::Render, Direction::Capture];
    let run = [KsState::Acquire, KsState::Pause, KsState::Run];
    let stop = [KsState::Pause, KsState::Acquire, KsState::Stop];

    let before = counts();
    // ---- RUN ----------------------------------------------------------------------------
    let mut now = Ticks(1_000);
    step(&cable, &mut deadlines[1], Direction::Capture, &run, now);
    // Pre-fill both packets (packet mode), as WASAPI does before RUN.
    for p in 0..2 {
        cable
            .with(|c| ops::set_write_packet(c, p, 0, 0, now))
            .unwrap();
        work.packets_written += 1;
    }
    let mut next_write = 2u32;
    now = Ticks(now.0 + 31_234);
    step(&cable, &mut deadlines[0], Direction::Render, &run, now);

    let end = Ticks(now.0 + 3 * FREQ.hz());
    let mut paused = false;
    while let Some((i, due)) = deadlines
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (i, d)))
        .min_by_key(|&(i, d)| (d, i))
    {
        if due > end {
            break;
        }
        // One late timer: 25 ms late, so boundaries pass without their own notification.
        // Time never goes backwards: a timer due before a late one fires after it.
        let fire = if work.wakeups == 40 {
            due.0 + 250_000
        } else {
            due.0
        };
        now = Ticks(now.0.max(fire));
        let direction = dirs[i];
        work.wakeups += 1;
        // The timer callback (DISPATCH_LEVEL, device lock held).
        let outcome = cable.with(|c| {
            let o = ops::on_timer(c, direction, now);
            if o.notice.is_some()
                && let Some(s) = c.stream(direction)
            {
                for e in s.events() {
                    signals.signal(*e);
                }
            }
            o
        });
        deadlines[i] = outcome.next_deadline;
        if outcome.notice.is_none() {
            continue;
        }
        work.notifications += 1;
        // The clients react to the event: positions, packets.
        cable.with(|c| {
            for d in dirs {
                ops::position(c, d, now).unwrap();
                ops::presentation_position(c, d, now).unwrap();
                ops::completed_packets(c, d, now).unwrap();
                ops::hw_latency(c, d).unwrap();
                work.positions += 1;
            }
            match direction {
                Direction::Render => {
                    // Keep the buffer full: write every packet up to one buffer ahead of
                    // the one playing.
                    let playing = ops::completed_packets(c, Direction::Render, now).unwrap();
                    while u64::from(next_write) < playing + 2 {
                        match ops::set_write_packet(c, next_write, 0, 0, now) {
                            Ok(()) => work.packets_written += 1,
                            Err(StreamError::PacketLate) => {}
                            Err(e) => panic!("SetWritePacket: {e:?}"),
                        }
                        next_write += 1;
                    }
                }
                Direction::Capture => {
                    while ops::read_packet(c, now).is_ok() {
                        work.packets_read += 1;
                    }
                }
            }
        });
        // The user moves the sliders; the render client pauses and resumes once.
        match work.notifications {
            50 => cable.with(|c| {
                c.gain_mut(Direction::Render)
                    .set_all_db(-(3 << 16))
                    .unwrap();
            }),
            80 => cable.with(|c| c.gain_mut(Direction::Capture).set_mute(true)),
            100 => cable.with(|c| c.gain_mut(Direction::Capture).set_mute(false)),
            120 if !paused => {
                paused = true;
                step(
                    &cable,
                    &mut deadlines[0],
                    Direction::Render,
                    &[KsState::Pause],
                    now,
                );
                let later = Ticks(now.0 + 20_000);
                step(
                    &cable,
                    &mut deadlines[0],
                    Direction::Render,
                    &[KsState::Run],
                    later,
                );
            }
            _ => {}
        }
    }
    let final_now = Ticks(end.0 + 1);
    for d in dirs {
        cable.with(|c| ops::position(c, d, final_now)).unwrap();
    }
    step(
        &cable,
        &mut deadlines[0],
        Direction::Render,
        &stop,
        final_now,
    );
    step(
        &cable,
        &mut deadlines[1],
        Direction::Capture,
        &stop,
        final_now,
    );
    // ---- STOP ---------------------------------------------------------------------------
    let after = counts();

    // The loop did real work: every kind of call ran, audio reached the capture buffer.
    let stats = cable.with(|c| {
        let s = |d| *c.stream(d).unwrap().stats();
        (s(Direction::Render), s(Direction::Capture))
    });
    let captured_nonzero = cable.with(|c| {
        let b = c.stream(Direction::Capture).unwrap().buffer().unwrap();
        b.memory
            .slice(0, b.memory.len())
            .unwrap()
            .iter()
            .any(|&x| x != 0)
    });
    for d in dirs {
        let buffer = cable.with(|c| ops::close(c, d, final_now)).unwrap();
        platform.free(buffer);
    }
    platform.free(cable.into_inner().into_ring_memory());

    assert!(work.wakeups > 500, "{work:?}");
    assert!(
        work.packets_written > 250 && work.packets_read > 250,
        "{work:?}"
    );
    assert!(
        stats.0.missed_notifications + stats.1.missed_notifications > 0,
        "the late timer was exercised: {stats:?}"
    );
    assert!(captured_nonzero, "audio reached the capture buffer");
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (0, 0),
        "heap allocations / frees between RUN and STOP ({work:?})"
    );
}
