//! [`SimPlatform`]: the engine's platform in virtual time.
//!
//! Time only moves when the test says so ([`SimPlatform::advance_to`], [`SimPlatform::fire_next`]).
//! Timers fire in order of their (possibly delayed) expiry; a timer's callback runs with no
//! simulator lock held, so it may call back into the platform exactly as a kernel DPC calls
//! KeQueryPerformanceCounter or KeSetEvent.

use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, MutexGuard};

use cadenza_engine::platform::{
    DmaBuffer, EventHandle, OneShotTimer, Platform, SpinRawLock, TimerTarget,
};
use cadenza_engine::status::NtStatus;
use cadenza_engine::time::{CounterFrequency, Ticks};

use crate::rng::SplitMix64;

/// How late timers fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lateness {
    /// Every timer fires exactly at its deadline.
    OnTime,
    /// Each expiry is late with probability `ppm`/10⁶ by a uniform 0..=`max_ticks`.
    Random { ppm: u32, max_ticks: u64 },
    /// The n-th expiry overall (0-based) is late by the given ticks; the others are on time.
    Scripted(Vec<(u64, u64)>),
}

/// Which fallible platform calls fail on purpose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// 0-based indexes of `allocate` calls that fail with STATUS_INSUFFICIENT_RESOURCES.
    pub fail_allocations: Vec<u64>,
    /// 0-based indexes of `create_timer` calls that fail with STATUS_INSUFFICIENT_RESOURCES.
    pub fail_timers: Vec<u64>,
}

/// A record of one event signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    pub event: EventHandle,
    pub at: Ticks,
}

#[derive(Debug)]
struct TimerSlot {
    target: TimerTarget,
    /// When the timer will actually fire (deadline + injected lateness).
    fire_at: Option<Ticks>,
    deadline: Option<Ticks>,
}

// SAFETY: the context pointer is only handed back to the callback the adapter registered,
// on the thread that runs the simulation; the simulator itself never dereferences it.
unsafe impl Send for TimerSlot {}

#[derive(Debug)]
struct State {
    now: Ticks,
    freq: CounterFrequency,
    timers: BTreeMap<u64, TimerSlot>,
    next_timer: u64,
    timers_created: u64,
    expiries: u64,
    lateness: Lateness,
    rng: SplitMix64,
    faults: FaultPlan,
    allocations: u64,
    live_buffers: BTreeMap<usize, usize>,
    live_bytes: usize,
    peak_bytes: usize,
    signals: Vec<Signal>,
    /// Signals ever recorded (taking them does not lower it).
    signal_count: u64,
    /// Simulated KEVENT addresses handed out by `new_event_address`.
    events_created: usize,
    debug: Vec<String>,
    echo_debug: bool,
    /// The instant of the last expiry and how many expiries in a row happened at it.
    same_instant: (Ticks, u64),
}

/// Timer expiries in a row at one simulated instant after which [`SimPlatform::fire_next`]
/// declares the simulation stuck: far more than every timer a test creates firing at once,
/// and reached within a second of wall time by a timer that keeps re-arming itself for "now"
/// (a device model whose position no longer advances, a deadline computed in the past).
pub const STUCK_EXPIRIES: u64 = 100_000;

/// The simulated platform. Cloning shares the same virtual world.
#[derive(Clone, Debug)]
pub struct SimPlatform(Arc<Mutex<State>>);

impl SimPlatform {
    /// A world at tick 0 with a 10 MHz counter, on-time timers and no faults.
    pub fn new(seed: u64) -> SimPlatform {
        Self::with_frequency(seed, CounterFrequency::TEN_MHZ)
    }

    pub fn with_frequency(seed: u64, freq: CounterFrequency) -> SimPlatform {
        SimPlatform(Arc::new(Mutex::new(State {
            now: Ticks::ZERO,
            freq,
            timers: BTreeMap::new(),
            next_timer: 0,
            timers_created: 0,
            expiries: 0,
            lateness: Lateness::OnTime,
            rng: SplitMix64::new(seed),
            faults: FaultPlan::default(),
            allocations: 0,
            live_buffers: BTreeMap::new(),
            live_bytes: 0,
            peak_bytes: 0,
            signals: Vec::new(),
            signal_count: 0,
            events_created: 0,
            debug: Vec::new(),
            echo_debug: false,
            same_instant: (Ticks::ZERO, 0),
        })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread poisons the lock; the state is still consistent for
        // reporting, so recover it rather than cascade panics.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_lateness(&self, lateness: Lateness) {
        self.state().lateness = lateness;
    }

    pub fn set_faults(&self, faults: FaultPlan) {
        self.state().faults = faults;
    }

    /// Prints debug messages to stderr as they come (off by default).
    pub fn echo_debug(&self, on: bool) {
        self.state().echo_debug = on;
    }

    /// Moves virtual time forward to `t` without firing timers (timers due before `t` fire
    /// late when next asked). Never moves backwards.
    pub fn advance_to(&self, t: Ticks) {
        let mut s = self.state();
        s.now = s.now.max(t);
    }

    /// The earliest pending expiry, if any.
    pub fn next_expiry(&self) -> Option<Ticks> {
        self.state().timers.values().filter_map(|t| t.fire_at).min()
    }

    /// Fires the earliest timer due at or before `limit`: moves time to its expiry, disarms
    /// it and runs its callback. Returns the expiry time, or `None` (time then moves to
    /// `limit`) when nothing is due.
    ///
    /// # Panics
    /// When [`STUCK_EXPIRIES`] expiries in a row happen at one instant: simulated time no
    /// longer advances, and every loop that runs the simulation until some time would spin
    /// forever. The message names the instant and the timer, so a test fails within a second
    /// instead of hanging.
    pub fn fire_next(&self, limit: Ticks) -> Option<Ticks> {
        let target = {
            let mut s = self.state();
            let due = s
                .timers
                .iter()
                .filter_map(|(id, t)| t.fire_at.map(|f| (f, *id)))
                .filter(|(f, _)| *f <= limit)
                .min();
            let Some((at, id)) = due else {
                s.now = s.now.max(limit);
                return None;
            };
            s.now = s.now.max(at);
            s.expiries += 1;
            let in_a_row = if s.same_instant.0 == at {
                s.same_instant.1 + 1
            } else {
                1
            };
            s.same_instant = (at, in_a_row);
            assert!(
                in_a_row < STUCK_EXPIRIES,
                "simulated time is stuck at tick {}: {in_a_row} timer expiries in a row at that \
                 instant, the last of timer {id} (a timer that keeps re-arming for now)",
                at.0
            );
            let slot = s.timers.get_mut(&id)?;
            slot.fire_at = None;
            slot.deadline = None;
            slot.target
        };
        (target.callback)(target.context);
        Some(self.now())
    }

    /// Fires every timer due up to `limit`, then moves time to `limit`.
    pub fn run_until(&self, limit: Ticks) {
        while self.fire_next(limit).is_some() {}
    }

    /// Timer expiries delivered so far.
    pub fn expiries(&self) -> u64 {
        self.state().expiries
    }

    /// Every event signal so far, in order.
    pub fn signals(&self) -> Vec<Signal> {
        self.state().signals.clone()
    }

    /// Removes and returns the signals recorded so far.
    pub fn take_signals(&self) -> Vec<Signal> {
        std::mem::take(&mut self.state().signals)
    }

    /// Removes and returns the signals of `event` only, leaving everyone else's: several
    /// drivers sharing one platform each take their own.
    pub fn take_signals_of(&self, event: EventHandle) -> Vec<Signal> {
        let mut s = self.state();
        let (mine, others) = std::mem::take(&mut s.signals)
            .into_iter()
            .partition(|sig| sig.event == event);
        s.signals = others;
        mine
    }

    /// Event signals recorded since the platform was created, taken or not.
    pub fn signal_count(&self) -> u64 {
        self.state().signal_count
    }

    /// The address of a fresh simulated KEVENT: non-null, 16-byte aligned, never
    /// dereferenced, and distinct from every other one this platform handed out, so that
    /// drivers sharing a platform never receive each other's signals.
    pub fn new_event_address(&self) -> usize {
        let mut s = self.state();
        s.events_created += 1;
        0x1_0000 + 0x10 * s.events_created
    }

    /// Debug messages so far.
    pub fn debug_messages(&self) -> Vec<String> {
        self.state().debug.clone()
    }

    /// Buffers allocated and not yet freed, and their bytes.
    pub fn live_allocations(&self) -> (usize, usize) {
        let s = self.state();
        (s.live_buffers.len(), s.live_bytes)
    }

    /// The most bytes that were allocated at once.
    pub fn peak_bytes(&self) -> usize {
        self.state().peak_bytes
    }

    /// Timers created and not dropped.
    pub fn live_timers(&self) -> usize {
        self.state().timers.len()
    }

    /// Allocation calls so far (failed ones included).
    pub fn allocation_calls(&self) -> u64 {
        self.state().allocations
    }

    /// Timer creation calls so far (failed ones included).
    pub fn timer_calls(&self) -> u64 {
        self.state().timers_created
    }
}

/// A simulated high-resolution timer.
#[derive(Debug)]
pub struct SimTimer {
    world: SimPlatform,
    id: u64,
}

impl OneShotTimer for SimTimer {
    fn arm_at(&self, deadline: Ticks, now: Ticks) {
        let mut s = self.world.state();
        let late = match &s.lateness {
            Lateness::OnTime => 0,
            Lateness::Random { ppm, max_ticks } => {
                let (ppm, max) = (*ppm, *max_ticks);
                if s.rng.chance_ppm(ppm) {
                    s.rng.below(max + 1)
                } else {
                    0
                }
            }
            Lateness::Scripted(list) => {
                let n =
                    s.expiries + s.timers.values().filter(|t| t.fire_at.is_some()).count() as u64;
                list.iter().find(|(i, _)| *i == n).map_or(0, |(_, l)| *l)
            }
        };
        // A deadline in the past fires at once (as a kernel timer with a due time already
        // passed does), plus any injected lateness.
        let fire = Ticks(deadline.0.max(now.0).saturating_add(late));
        if let Some(slot) = s.timers.get_mut(&self.id) {
            slot.deadline = Some(deadline);
            slot.fire_at = Some(fire);
        }
    }

    fn cancel(&self) -> bool {
        let mut s = self.world.state();
        s.timers.get_mut(&self.id).is_some_and(|slot| {
            slot.deadline = None;
            slot.fire_at.take().is_some()
        })
    }
}

impl Drop for SimTimer {
    fn drop(&mut self) {
        self.world.state().timers.remove(&self.id);
    }
}

impl Platform for SimPlatform {
    type Lock = SpinRawLock;
    type Timer = SimTimer;

    fn now(&self) -> Ticks {
        self.state().now
    }

    fn frequency(&self) -> CounterFrequency {
        self.state().freq
    }

    fn create_timer(&self, target: TimerTarget) -> Result<SimTimer, NtStatus> {
        let mut s = self.state();
        let n = s.timers_created;
        s.timers_created += 1;
        if s.faults.fail_timers.contains(&n) {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let id = s.next_timer;
        s.next_timer += 1;
        s.timers.insert(
            id,
            TimerSlot {
                target,
                fire_at: None,
                deadline: None,
            },
        );
        Ok(SimTimer {
            world: self.clone(),
            id,
        })
    }

    fn signal(&self, event: EventHandle) {
        let mut s = self.state();
        let at = s.now;
        s.signals.push(Signal { event, at });
        s.signal_count += 1;
    }

    fn allocate(&self, bytes: usize) -> Result<DmaBuffer, NtStatus> {
        let mut s = self.state();
        let n = s.allocations;
        s.allocations += 1;
        if s.faults.fail_allocations.contains(&n) || bytes == 0 {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let memory: &'static mut [u8] = Box::leak(vec![0u8; bytes].into_boxed_slice());
        let ptr = NonNull::new(memory.as_mut_ptr()).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        s.live_buffers.insert(ptr.as_ptr() as usize, bytes);
        s.live_bytes += bytes;
        s.peak_bytes = s.peak_bytes.max(s.live_bytes);
        // SAFETY: the leaked allocation stays valid until `free` rebuilds and drops the box,
        // and nothing else references it.
        Ok(unsafe { DmaBuffer::from_raw_parts(ptr, bytes) })
    }

    fn free(&self, buffer: DmaBuffer) {
        let mut s = self.state();
        let addr = buffer.as_ptr() as usize;
        let Some(bytes) = s.live_buffers.remove(&addr) else {
            // Freeing something we never handed out is a bug in the caller: record it loudly
            // rather than corrupt the heap.
            s.debug.push(format!("free of unknown buffer {addr:#x}"));
            return;
        };
        s.live_bytes -= bytes;
        let slice = std::ptr::slice_from_raw_parts_mut(buffer.as_ptr(), bytes);
        // SAFETY: `addr` was produced by `Box::leak` of a `[u8]` of exactly `bytes` in
        // `allocate` and is removed from the live set above, so it is rebuilt and dropped once.
        drop(unsafe { Box::from_raw(slice) });
    }

    fn debug(&self, message: std::fmt::Arguments<'_>) {
        let mut s = self.state();
        let text = message.to_string();
        if s.echo_debug {
            eprintln!("[{:>12}] {text}", s.now.0);
        }
        s.debug.push(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn bump(ctx: *const ()) {
        // SAFETY: the tests pass a pointer to a live AtomicU64.
        let counter = unsafe { &*ctx.cast::<AtomicU64>() };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// A timer whose callback re-arms it for "now".
    struct Rearm {
        platform: SimPlatform,
        timer: std::sync::OnceLock<SimTimer>,
    }

    fn rearm_now(ctx: *const ()) {
        // SAFETY: the test passes a pointer to a live `Rearm`.
        let r = unsafe { &*ctx.cast::<Rearm>() };
        if let Some(t) = r.timer.get() {
            let now = r.platform.now();
            t.arm_at(now, now);
        }
    }

    /// A simulation whose time stops advancing (a timer that keeps re-arming for now) fails
    /// within a second, naming the instant, instead of hanging the test that runs it.
    #[test]
    #[should_panic(expected = "simulated time is stuck at tick 100")]
    fn a_timer_that_keeps_firing_at_one_instant_fails_instead_of_hanging() {
        let p = SimPlatform::new(1);
        let r = Rearm {
            platform: p.clone(),
            timer: std::sync::OnceLock::new(),
        };
        let t = p
            .create_timer(TimerTarget {
                callback: rearm_now,
                context: (&raw const r).cast(),
            })
            .unwrap();
        t.arm_at(Ticks(100), p.now());
        assert!(r.timer.set(t).is_ok());
        p.run_until(Ticks(1_000));
    }

    #[test]
    fn timers_fire_in_deadline_order_and_time_follows() {
        let p = SimPlatform::new(1);
        let hits = AtomicU64::new(0);
        let target = TimerTarget {
            callback: bump,
            context: (&raw const hits).cast(),
        };
        let a = p.create_timer(target).unwrap();
        let b = p.create_timer(target).unwrap();
        a.arm_at(Ticks(500), p.now());
        b.arm_at(Ticks(200), p.now());
        assert_eq!(p.fire_next(Ticks(1000)), Some(Ticks(200)));
        assert_eq!(p.fire_next(Ticks(1000)), Some(Ticks(500)));
        assert_eq!(p.fire_next(Ticks(1000)), None);
        assert_eq!(p.now(), Ticks(1000));
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        b.arm_at(Ticks(1500), p.now());
        assert!(b.cancel());
        assert!(!b.cancel());
        p.run_until(Ticks(2000));
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        drop((a, b));
        assert_eq!(p.live_timers(), 0);
    }

    #[test]
    fn scripted_lateness_delays_the_chosen_expiry_only() {
        let p = SimPlatform::new(1);
        p.set_lateness(Lateness::Scripted(vec![(1, 300)]));
        let hits = AtomicU64::new(0);
        let t = p
            .create_timer(TimerTarget {
                callback: bump,
                context: (&raw const hits).cast(),
            })
            .unwrap();
        t.arm_at(Ticks(100), p.now());
        assert_eq!(p.fire_next(Ticks(10_000)), Some(Ticks(100)));
        t.arm_at(Ticks(200), p.now());
        assert_eq!(p.fire_next(Ticks(10_000)), Some(Ticks(500)));
        t.arm_at(Ticks(600), p.now());
        assert_eq!(p.fire_next(Ticks(10_000)), Some(Ticks(600)));
    }

    #[test]
    fn random_lateness_replays_from_the_seed() {
        let run = |seed| {
            let p = SimPlatform::new(seed);
            p.set_lateness(Lateness::Random {
                ppm: 500_000,
                max_ticks: 1_000,
            });
            let hits = AtomicU64::new(0);
            let t = p
                .create_timer(TimerTarget {
                    callback: bump,
                    context: (&raw const hits).cast(),
                })
                .unwrap();
            (0..50)
                .map(|k| {
                    t.arm_at(Ticks(k * 10_000), p.now());
                    p.fire_next(Ticks(u64::MAX)).unwrap().0
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn allocations_are_counted_and_faults_injected() {
        let p = SimPlatform::new(1);
        p.set_faults(FaultPlan {
            fail_allocations: vec![1],
            fail_timers: vec![0],
        });
        let a = p.allocate(100).unwrap();
        assert_eq!(
            p.allocate(100).unwrap_err(),
            NtStatus::INSUFFICIENT_RESOURCES
        );
        assert_eq!(p.allocate(0).unwrap_err(), NtStatus::INSUFFICIENT_RESOURCES);
        assert_eq!(p.live_allocations(), (1, 100));
        p.free(a);
        assert_eq!(p.live_allocations(), (0, 0));
        assert_eq!(p.peak_bytes(), 100);
        let noop = TimerTarget {
            callback: |_| {},
            context: std::ptr::null(),
        };
        assert!(p.create_timer(noop).is_err());
        assert!(p.create_timer(noop).is_ok());
    }
}
