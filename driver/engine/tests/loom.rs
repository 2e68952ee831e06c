//! Model checking of the engine's lock protocol with loom.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p cadenza-engine --test loom --release`.
//! Under that flag the engine's `sync` module uses loom's atomics and cells, so loom explores
//! every interleaving of: the timer DPC (`ops::on_timer`), a GetPosition poller
//! (`ops::position`), SetState, event registration and packet submission on one cable, each
//! reading the counter before taking the lock, exactly as the drivers do.
#![cfg(loom)]

use std::boxed::Box;
use std::ptr::NonNull;
use std::sync::Arc;

use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::hardware::InterruptLatch;
use cadenza_engine::device::{AudioDevice, ops};
use cadenza_engine::format::Format;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{DmaBuffer, EventHandle, Locked, SpinRawLock};
use cadenza_engine::state::KsState;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::{CounterFrequency, Ticks};
use loom::sync::atomic::{AtomicU64, Ordering};
use loom::thread;

const F: CounterFrequency = CounterFrequency::TEN_MHZ;
const PACKET: u64 = 100_000; // 480 frames at 48 kHz

fn memory(bytes: usize) -> DmaBuffer {
    let leaked: &'static mut [u8] = Box::leak(vec![0u8; bytes].into_boxed_slice());
    // SAFETY: leaked memory lives for the rest of the process and is used only through this.
    unsafe { DmaBuffer::from_raw_parts(NonNull::new(leaked.as_mut_ptr()).unwrap(), bytes) }
}

fn running_cable() -> Locked<SpinRawLock, Cable> {
    let mut cable = Cable::new(memory(1 << 16), F);
    for d in [Direction::Render, Direction::Capture] {
        ops::open(&mut cable, 1, d, Format::DEFAULT, F).unwrap();
        let g = BufferGeometry::plan(
            &Format::DEFAULT,
            7680,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        ops::attach_buffer(&mut cable, d, memory(g.span_bytes() as usize), g)
            .map_err(|(e, _)| e)
            .unwrap();
        for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
            ops::set_state(&mut cable, d, s, Ticks(0)).unwrap();
        }
    }
    Locked::new(cable)
}

/// A shared, monotonic counter: each caller reads it *before* taking the lock.
fn tick(clock: &AtomicU64) -> Ticks {
    Ticks(clock.fetch_add(PACKET / 2, Ordering::SeqCst) + PACKET / 2)
}

/// Two threads with several lock round trips each: bound preemptions so the search stays
/// in CI's budget (bugs of this protocol need at most a couple of preemptions to show).
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    // A spin lock's waiting loop is a branch per attempt; allow enough for two waiters.
    b.max_branches = 100_000;
    b.check(f);
}

#[test]
fn dpc_and_getposition_race_setstate_registration_and_packets() {
    model(|| {
        let cable = Arc::new(running_cable());
        let clock = Arc::new(AtomicU64::new(0));

        // The timer DPC, then a GetPosition poller, on another CPU.
        let other_cpu = {
            let (cable, clock) = (cable.clone(), clock.clone());
            thread::spawn(move || {
                let now = tick(&clock);
                let events = cable.with(|c| {
                    let out = ops::on_timer(c, Direction::Render, now);
                    // Events are read under the same lock as the notification.
                    out.notice
                        .map(|_| c.stream(Direction::Render).map_or(0, |s| s.events().len()))
                });
                let now = tick(&clock);
                let seen = cable
                    .with(|c| ops::position(c, Direction::Render, now))
                    .map(|p| {
                        assert!(p.play_offset < 7680);
                        p.frames
                    });
                (events, seen.unwrap_or(0))
            })
        };

        // The client's thread: register, submit a packet, pause (each reading the counter
        // before taking the lock, as the drivers do).
        // SAFETY: this model never signals events; the handle is only stored and compared.
        let event = unsafe { EventHandle::from_raw(0x1000) }.unwrap();
        let now = tick(&clock);
        cable
            .with(|c| ops::register_event(c, Direction::Render, event))
            .unwrap();
        let _ = cable.with(|c| ops::set_write_packet(c, 2, 0, 0, now));
        cable
            .with(|c| ops::set_state(c, Direction::Render, KsState::Pause, now))
            .unwrap();

        let (events, seen) = other_cpu.join().unwrap();
        assert!(events.is_none_or(|n| n <= 1));
        // Paused: the position is frozen at or after everything any thread saw.
        let frozen = cable.with(|c| {
            c.stream(Direction::Render)
                .unwrap()
                .frames_at(Ticks(u64::MAX / 2))
        });
        assert!(
            frozen >= seen,
            "pause froze at {frozen}, below an observed {seen}"
        );
        cable.with(|c| {
            let s = c.stream(Direction::Render).unwrap();
            assert_eq!(s.state(), KsState::Pause);
            assert_eq!(s.armed_deadline(), None);
        });
    });
}

#[test]
fn isr_latch_never_loses_an_interrupt_status_bit() {
    loom::model(|| {
        let latch = Arc::new(InterruptLatch::new());
        // Two interrupts latch different bits while the DPC takes them.
        let isr = {
            let latch = latch.clone();
            thread::spawn(move || {
                latch.latch(0b01);
                latch.latch(0b10);
            })
        };
        let first = latch.take();
        isr.join().unwrap();
        let second = latch.take();
        assert_eq!(first | second, 0b11, "a status bit was lost");
        assert_eq!(first & second, 0, "a status bit was delivered twice");
    });
}
