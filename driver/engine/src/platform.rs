//! What the engine needs from the operating system, as small traits.
//!
//! `cadenza-kernel` implements these with KSPIN_LOCK, high-resolution EX_TIMERs, KeSetEvent
//! and non-paged MDL memory; `cadenza-hostsim` implements them in virtual time so tests can
//! control the clock, make timers late and fail allocations.
//!
//! IRQL rules are carried by zero-sized proof tokens ([`Passive`], [`AtMostDispatch`]): an
//! entry point that must run at PASSIVE_LEVEL takes a `Passive`, which only the Windows edge
//! (which knows the IRQL the DDI documents) or the host can create.

use core::marker::PhantomData;
use core::num::NonZeroUsize;
use core::ptr::NonNull;

use crate::status::NtStatus;
use crate::sync::{AtomicBool, Ordering, UnsafeCell, spin_loop};
use crate::time::{CounterFrequency, Ticks};

/// Proof that the caller runs at PASSIVE_LEVEL. Not `Send`: the proof belongs to one call.
#[derive(Clone, Copy, Debug)]
pub struct Passive(PhantomData<*const ()>);

/// Proof that the caller runs at DISPATCH_LEVEL or below.
#[derive(Clone, Copy, Debug)]
pub struct AtMostDispatch(PhantomData<*const ()>);

impl Passive {
    /// # Safety
    /// The caller must be running at PASSIVE_LEVEL (for a DDI callback, the IRQL its
    /// documentation guarantees).
    pub const unsafe fn assume() -> Passive {
        Passive(PhantomData)
    }

    /// On the host there is no IRQL; every caller is "passive".
    #[cfg(any(test, feature = "host"))]
    pub const fn host() -> Passive {
        Passive(PhantomData)
    }
}

impl AtMostDispatch {
    /// # Safety
    /// The caller must be running at or below DISPATCH_LEVEL.
    pub const unsafe fn assume() -> AtMostDispatch {
        AtMostDispatch(PhantomData)
    }

    #[cfg(any(test, feature = "host"))]
    pub const fn host() -> AtMostDispatch {
        AtMostDispatch(PhantomData)
    }
}

impl From<Passive> for AtMostDispatch {
    fn from(_: Passive) -> AtMostDispatch {
        AtMostDispatch(PhantomData)
    }
}

/// A lock usable at DISPATCH_LEVEL (a spin lock that raises IRQL in the kernel).
///
/// # Safety
/// `acquire` must not return while another holder exists, and `release` must end exactly the
/// hold that `acquire` began, so that [`Locked`] can hand out `&mut T`.
pub unsafe trait RawLock {
    /// What `acquire` returns and `release` needs back (the previous IRQL in the kernel).
    type Token;
    fn new() -> Self;
    fn acquire(&self) -> Self::Token;
    /// # Safety
    /// `token` must come from the matching `acquire` on this lock, released once.
    unsafe fn release(&self, token: Self::Token);
}

/// Data behind a [`RawLock`]; reachable only inside [`Locked::with`].
pub struct Locked<L: RawLock, T> {
    raw: L,
    data: UnsafeCell<T>,
}

// SAFETY: all access to `data` goes through `with`, which holds the lock, so sharing a
// `Locked` between threads only ever moves `T` between them one holder at a time.
unsafe impl<L: RawLock + Sync, T: Send> Sync for Locked<L, T> {}
// SAFETY: moving the lock moves `T` with it; nothing is borrowed while it is moved.
unsafe impl<L: RawLock + Send, T: Send> Send for Locked<L, T> {}

impl<L: RawLock, T> Locked<L, T> {
    pub fn new(value: T) -> Self {
        Locked {
            raw: L::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Runs `f` with exclusive access. Keep `f` short: in the kernel it runs at DISPATCH_LEVEL.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        struct Hold<'a, L: RawLock> {
            raw: &'a L,
            token: Option<L::Token>,
        }
        impl<L: RawLock> Drop for Hold<'_, L> {
            fn drop(&mut self) {
                if let Some(t) = self.token.take() {
                    // SAFETY: `t` came from `self.raw.acquire()` below and is released once.
                    unsafe { self.raw.release(t) };
                }
            }
        }
        let _hold = Hold {
            raw: &self.raw,
            token: Some(self.raw.acquire()),
        };
        self.data.with_mut(|data| {
            // SAFETY: the lock is held until `_hold` drops after `f` returns, so this is the
            // only live reference to `data`.
            let data = unsafe { &mut *data };
            f(data)
        })
    }

    /// Exclusive access without locking, when `&mut self` already proves exclusivity.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` rules out any other access for the returned borrow's lifetime.
        self.data.with_mut(|data| unsafe { &mut *data })
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<L: RawLock, T> core::fmt::Debug for Locked<L, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Locked { .. }")
    }
}

/// A plain spinning lock for the host and for tests (no IRQL to raise). Never in a driver:
/// the kernel platform's lock is a KSPIN_LOCK.
///
/// A holder that never releases would leave every later caller spinning for ever — a hung
/// test instead of a failed one — so `acquire` gives up with a panic after
/// [`SpinRawLock::SPIN_LIMIT`] spins (seconds; a real hold in the simulator lasts
/// microseconds).
#[derive(Debug)]
pub struct SpinRawLock(AtomicBool);

impl SpinRawLock {
    /// Spins after which [`RawLock::acquire`] reports the lock as never released.
    pub const SPIN_LIMIT: u64 = 1 << 28;

    /// Takes the lock, spinning at most `limit` times (then panics: see the type).
    fn acquire_within(&self, limit: u64) {
        let mut spins = 0u64;
        while self
            .0
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spins += 1;
            // Not under loom: its model yields on every spin and bounds them itself.
            #[cfg(not(loom))]
            assert!(
                spins < limit,
                "SpinRawLock: still held after {spins} spins; its holder never released it"
            );
            spin_loop();
        }
    }
}

// SAFETY: compare_exchange from false to true admits one holder; release stores false.
unsafe impl RawLock for SpinRawLock {
    type Token = ();
    fn new() -> Self {
        SpinRawLock(AtomicBool::new(false))
    }
    fn acquire(&self) {
        self.acquire_within(Self::SPIN_LIMIT);
    }
    unsafe fn release(&self, (): ()) {
        self.0.store(false, Ordering::Release);
    }
}

/// The monotonic counter (KeQueryPerformanceCounter).
pub trait Clock {
    fn now(&self) -> Ticks;
    fn frequency(&self) -> CounterFrequency;
}

/// A one-shot high-resolution timer whose expiry calls back into the adapter (at
/// DISPATCH_LEVEL in the kernel). The engine decides deadlines; the timer only waits.
pub trait OneShotTimer {
    /// Arms (or re-arms) the timer to fire once at or after `deadline`.
    fn arm_at(&self, deadline: Ticks, now: Ticks);
    /// Cancels a pending expiry; returns whether one was pending.
    fn cancel(&self) -> bool;
}

/// An opaque notification event (a PKEVENT in the kernel). Never dereferenced by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventHandle(NonZeroUsize);

impl EventHandle {
    /// Wraps the PKEVENT a client registered; null is not an event.
    ///
    /// # Safety
    /// The kernel platform's `signal` passes the handle to KeSetEvent, so `raw` must be a
    /// KEVENT the OS handed in (RegisterNotificationEvent) that stays valid for as long as the
    /// handle is registered with a stream — the port guarantees that until it unregisters it.
    pub unsafe fn from_raw(raw: usize) -> Option<EventHandle> {
        NonZeroUsize::new(raw).map(EventHandle)
    }

    /// Any non-null value as an event, for host platforms, which record signals and never
    /// dereference them.
    #[cfg(any(test, feature = "host"))]
    pub fn host(raw: usize) -> Option<EventHandle> {
        NonZeroUsize::new(raw).map(EventHandle)
    }
    pub const fn raw(self) -> usize {
        self.0.get()
    }
}

/// Signals notification events (KeSetEvent with no wait).
pub trait EventSignal {
    fn signal(&self, event: EventHandle);
}

/// A region of non-paged memory that the engine reads and writes audio in, and that a client
/// may map and access concurrently (a WaveRT buffer is shared with user mode).
///
/// The engine only ever copies whole samples in and out of it; a client racing with a copy
/// can only produce torn audio, never a memory-safety problem, because every byte pattern is
/// a valid `u8` and no Rust reference to the memory outlives a single copy.
#[derive(Debug)]
pub struct DmaBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer is plain memory owned by whoever holds the DmaBuffer; moving the handle
// between threads moves that ownership.
unsafe impl Send for DmaBuffer {}

impl DmaBuffer {
    /// # Safety
    /// `ptr` must be valid for reads and writes of `len` bytes, suitably for non-paged use at
    /// DISPATCH_LEVEL, until this `DmaBuffer` is handed back to whoever allocated it, and no
    /// Rust reference to that memory may exist elsewhere during that time.
    pub const unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize) -> DmaBuffer {
        DmaBuffer { ptr, len }
    }

    /// A zero-length buffer: a placeholder for memory handed back (see
    /// [`Cable::take_ring_memory`](crate::device::cable::Cable::take_ring_memory)). Its pointer
    /// is dangling and never dereferenced: every access is bounds-checked against the length.
    pub const fn empty() -> DmaBuffer {
        DmaBuffer {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    pub const fn len(&self) -> usize {
        self.len
    }

    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub const fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// A view of `len` bytes at `offset`, or `None` if outside the buffer.
    pub fn slice(&self, offset: usize, len: usize) -> Option<&[u8]> {
        let end = offset.checked_add(len)?;
        if end > self.len {
            return None;
        }
        // SAFETY: `offset <= end <= self.len`, so the result stays inside the allocation.
        let start = unsafe { self.ptr.as_ptr().add(offset) };
        // SAFETY: `start..start + len` is inside the allocation (checked above), which the
        // `from_raw_parts` contract makes valid for reads; see the type's note on client races.
        Some(unsafe { core::slice::from_raw_parts(start, len) })
    }

    /// A mutable view of `len` bytes at `offset`, or `None` if outside the buffer.
    pub fn slice_mut(&mut self, offset: usize, len: usize) -> Option<&mut [u8]> {
        let end = offset.checked_add(len)?;
        if end > self.len {
            return None;
        }
        // SAFETY: `offset <= end <= self.len`, so the result stays inside the allocation.
        let start = unsafe { self.ptr.as_ptr().add(offset) };
        // SAFETY: `start..start + len` is inside the allocation (checked above), which the
        // `from_raw_parts` contract makes valid for writes with no Rust reference to it
        // elsewhere; `&mut self` rules out any other view through this `DmaBuffer` while the
        // slice lives (client races: see the type's note).
        Some(unsafe { core::slice::from_raw_parts_mut(start, len) })
    }
}

/// What to call when a timer expires: a plain function and an opaque context pointer, the
/// shape of a kernel timer callback. The adapter owns whatever `context` points to and keeps
/// it alive until the timer is dropped.
#[derive(Clone, Copy, Debug)]
pub struct TimerTarget {
    pub callback: fn(*const ()),
    pub context: *const (),
}

/// Everything an adapter needs from the OS, bundled so an adapter can be generic over the
/// kernel (`cadenza-kernel`) and the virtual-time host simulator (`cadenza-hostsim`).
pub trait Platform: Clone {
    type Lock: RawLock + Send + Sync;
    type Timer: OneShotTimer;

    fn now(&self) -> Ticks;
    fn frequency(&self) -> CounterFrequency;
    /// Creates a one-shot high-resolution timer (ExAllocateTimer). PASSIVE_LEVEL.
    fn create_timer(&self, target: TimerTarget) -> Result<Self::Timer, NtStatus>;
    /// Signals a notification event (KeSetEvent, no wait). ≤ DISPATCH_LEVEL.
    fn signal(&self, event: EventHandle);
    /// Non-paged memory for audio (cable rings; ACX packet buffers). PASSIVE_LEVEL.
    fn allocate(&self, bytes: usize) -> Result<DmaBuffer, NtStatus>;
    fn free(&self, buffer: DmaBuffer);
    /// A debug message (DbgPrintEx in the kernel); quiet unless enabled.
    fn debug(&self, message: core::fmt::Arguments<'_>);
}

#[cfg(test)]
impl DmaBuffer {
    /// Test memory: `bytes` zeroed heap bytes that are never freed, so the DmaBuffer contract
    /// holds trivially (the bytes outlive every use and nothing else refers to them).
    pub(crate) fn leaked(bytes: usize) -> DmaBuffer {
        let leaked: &'static mut [u8] = std::boxed::Box::leak(vec![0u8; bytes].into_boxed_slice());
        // SAFETY: the leaked allocation lives for ever, is `bytes` long, and the only way to
        // it is the DmaBuffer made here.
        unsafe { DmaBuffer::from_raw_parts(NonNull::from(leaked).cast(), bytes) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn locked_gives_exclusive_access_and_releases() {
        let l: Locked<SpinRawLock, u32> = Locked::new(1);
        l.with(|v| *v += 1);
        assert_eq!(l.with(|v| *v), 2);
    }

    /// A lock whose holder never lets go fails the caller within seconds instead of hanging
    /// the test run.
    #[test]
    fn a_lock_never_released_panics_instead_of_spinning_for_ever() {
        let lock = SpinRawLock::new();
        lock.acquire();
        // The same path as `acquire`, with a limit a test can wait for.
        let again = std::panic::catch_unwind(|| lock.acquire_within(1_000));
        assert!(
            again.is_err(),
            "a second acquire of a held lock must give up"
        );
        // SAFETY: the token is the first `acquire`'s, released once.
        unsafe { lock.release(()) };
        lock.acquire();
    }

    #[test]
    fn empty_buffers_say_so() {
        assert!(DmaBuffer::empty().is_empty());
        assert_eq!(DmaBuffer::empty().len(), 0);
        let b = DmaBuffer::leaked(16);
        assert!(!b.is_empty());
        assert_eq!(b.len(), 16);
    }

    #[test]
    fn locked_serialises_threads() {
        let l: std::sync::Arc<Locked<SpinRawLock, u64>> = std::sync::Arc::new(Locked::new(0));
        let threads: std::vec::Vec<_> = (0..4)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        // Read, wait a moment, write: without mutual exclusion another
                        // thread's increments in between would be lost.
                        l.with(|v| {
                            let seen = *v;
                            for _ in 0..64 {
                                core::hint::spin_loop();
                            }
                            *v = seen + 1;
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(l.with(|v| *v), 40_000);
    }

    #[test]
    fn dma_buffer_views_are_bounds_checked() {
        let mut backing = vec![0u8; 16];
        // SAFETY: `backing` outlives `buf` and is not otherwise referenced while `buf` lives.
        let buf =
            unsafe { DmaBuffer::from_raw_parts(NonNull::new(backing.as_mut_ptr()).unwrap(), 16) };
        {
            let mut buf = buf;
            buf.slice_mut(4, 4).unwrap().copy_from_slice(&[1, 2, 3, 4]);
            assert_eq!(buf.slice(3, 3), Some(&[0u8, 1, 2][..]));
            assert!(buf.slice(13, 4).is_none());
            assert!(buf.slice(usize::MAX, 2).is_none());
            assert!(buf.slice_mut(17, 0).is_none());
        }
        assert_eq!(backing[4..8], [1, 2, 3, 4]);
    }

    #[test]
    fn null_is_not_an_event() {
        assert!(EventHandle::host(0).is_none());
        assert_eq!(
            EventHandle::host(0x1000).map(EventHandle::raw),
            Some(0x1000)
        );
    }
}
