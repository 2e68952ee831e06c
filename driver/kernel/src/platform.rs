//! [`KernelPlatform`]: the engine's [`Platform`] on the Windows kernel. Windows only.
//!
//! | item                             | DDI                                            | IRQL            |
//! |----------------------------------|------------------------------------------------|-----------------|
//! | `now`, `frequency`               | KeQueryPerformanceCounter                      | any             |
//! | [`KernelSpinLock`] acquire       | KeAcquireSpinLockRaiseToDpc                    | ≤ DISPATCH      |
//! | [`KernelSpinLock`] release       | KeReleaseSpinLock                              | DISPATCH (held) |
//! | `create_timer`                   | ExAllocatePool2, ExAllocateTimer               | PASSIVE         |
//! | [`KernelTimer`] arm, cancel      | ExSetTimer, ExCancelTimer                      | ≤ DISPATCH      |
//! | [`KernelTimer`] expiry           | (the callback runs)                            | DISPATCH        |
//! | [`KernelTimer`] drop             | ExDeleteTimer(cancel, wait), ExFreePoolWithTag | PASSIVE         |
//! | `signal`                         | KeSetEvent (no wait)                           | ≤ DISPATCH      |
//! | `allocate`                       | ExAllocatePool2 (non-paged)                    | ≤ DISPATCH      |
//! | `free`                           | ExFreePoolWithTag                              | ≤ DISPATCH      |
//! | `debug`, [`KernelPlatform::log`] | DbgPrintEx("%s", message)                      | any             |

use core::cell::UnsafeCell;
use core::fmt;
use core::mem::{align_of, size_of};
use core::ptr::{NonNull, null_mut, with_exposed_provenance_mut};
use core::sync::atomic::{AtomicU64, Ordering};

use cadenza_engine::NtStatus;
use cadenza_engine::platform::{
    DmaBuffer, EventHandle, OneShotTimer, Platform, RawLock, TimerTarget,
};
use cadenza_engine::time::{CounterFrequency, Ticks};

use crate::ddi::{
    DPFLTR_IHVAUDIO_ID, DbgPrintEx, EX_TIMER, EX_TIMER_HIGH_RESOLUTION, ExAllocatePool2,
    ExAllocateTimer, ExCancelTimer, ExDeleteTimer, ExFreePoolWithTag, ExSetTimer, FALSE,
    IO_NO_INCREMENT, KEVENT, KIRQL, KSPIN_LOCK, KeAcquireSpinLockRaiseToDpc, KeInitializeSpinLock,
    KeQueryPerformanceCounter, KeReleaseSpinLock, KeSetEvent, LARGE_INTEGER, PEX_TIMER,
    POOL_FLAG_NON_PAGED, PVOID, TRUE,
};
use crate::debug_text::{FORMAT, Level, Message};
use crate::due_time::relative_due_time;
use crate::pool::POOL_TAG;

/// The Windows kernel as the engine's platform. Zero-sized: all state is in the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelPlatform;

/// The QPC frequency, read once: it is fixed at boot. 0 until first read.
static FREQUENCY_HZ: AtomicU64 = AtomicU64::new(0);

impl KernelPlatform {
    pub const fn new() -> KernelPlatform {
        KernelPlatform
    }

    /// Prints `cadenza: <message>` to the kernel debugger under `DPFLTR_IHVAUDIO_ID` at
    /// `level` (only `Error` is enabled by default). Formats into a 256-byte stack buffer:
    /// no allocation, long messages are cut. Any IRQL (no Unicode arguments are passed), but
    /// the `Display` impls in `message` run at the caller's IRQL too.
    pub fn log(self, level: Level, message: fmt::Arguments<'_>) {
        let text = Message::format(message);
        // SAFETY: the format is the constant "%s" and its one argument a NUL-terminated
        // string that lives across the call, so nothing in the message is read as a format.
        let _ = unsafe {
            DbgPrintEx(
                DPFLTR_IHVAUDIO_ID,
                level.dpfltr(),
                FORMAT.as_ptr(),
                text.as_c_str().as_ptr(),
            )
        };
    }
}

fn query_frequency() -> u64 {
    let mut frequency = LARGE_INTEGER::default();
    // SAFETY: `frequency` is a writable LARGE_INTEGER for the out parameter. Any IRQL.
    let _ = unsafe { KeQueryPerformanceCounter(&raw mut frequency) };
    u64::try_from(frequency.QuadPart).unwrap_or(0)
}

impl Platform for KernelPlatform {
    type Lock = KernelSpinLock;
    type Timer = KernelTimer;

    /// KeQueryPerformanceCounter. Any IRQL.
    fn now(&self) -> Ticks {
        // SAFETY: a NULL frequency pointer is allowed (the frequency is not returned). Any IRQL.
        let count = unsafe { KeQueryPerformanceCounter(null_mut()) };
        Ticks(u64::try_from(count.QuadPart).unwrap_or(0))
    }

    /// The QPC frequency, queried on first use and cached. Any IRQL.
    fn frequency(&self) -> CounterFrequency {
        let mut hz = FREQUENCY_HZ.load(Ordering::Relaxed);
        if hz == 0 {
            // Racing first callers read the same fixed value; storing it twice is harmless.
            hz = query_frequency();
            FREQUENCY_HZ.store(hz, Ordering::Relaxed);
        }
        // Windows always reports a non-zero QPC frequency; 10 MHz is only a type-level default.
        CounterFrequency::new(hz).unwrap_or(CounterFrequency::TEN_MHZ)
    }

    /// A high-resolution one-shot timer calling `target` at DISPATCH_LEVEL. PASSIVE_LEVEL.
    /// STATUS_INSUFFICIENT_RESOURCES if the kernel cannot create it.
    fn create_timer(&self, target: TimerTarget) -> Result<KernelTimer, NtStatus> {
        KernelTimer::new(target)
    }

    /// KeSetEvent(event, IO_NO_INCREMENT, FALSE). ≤ DISPATCH_LEVEL.
    ///
    /// Relies on the adapters' rule for [`EventHandle`]s in the kernel: one is made only from a
    /// PKEVENT the OS handed the driver (a KS event entry, `RegisterNotificationEvent`), and the
    /// engine forgets it before the OS may free the event (on unregistration).
    fn signal(&self, event: EventHandle) {
        let event = with_exposed_provenance_mut::<KEVENT>(event.raw());
        // SAFETY: by the adapters' rule above, `event` is a live KEVENT. Wait = FALSE, so any
        // IRQL ≤ DISPATCH_LEVEL.
        let _ = unsafe { KeSetEvent(event, IO_NO_INCREMENT, FALSE) };
    }

    /// `bytes` of zeroed non-paged pool tagged `Cdnz`. ≤ DISPATCH_LEVEL (PASSIVE_LEVEL by the
    /// trait's contract). Zero bytes, or no memory: STATUS_INSUFFICIENT_RESOURCES (as the host
    /// simulator).
    fn allocate(&self, bytes: usize) -> Result<DmaBuffer, NtStatus> {
        if bytes == 0 {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        // SAFETY: non-paged allocation, ≤ DISPATCH_LEVEL; NULL on failure.
        let memory = unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, bytes, POOL_TAG) };
        let memory = NonNull::new(memory.cast::<u8>()).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        // SAFETY: `memory` is a fresh non-paged block of `bytes` bytes that nothing else
        // refers to, valid until `free` hands it back to ExFreePoolWithTag.
        Ok(unsafe { DmaBuffer::from_raw_parts(memory, bytes) })
    }

    /// Frees a buffer from [`allocate`](Platform::allocate) — only those: PortCls buffers and
    /// MDL pages have their own owners. ≤ DISPATCH_LEVEL.
    fn free(&self, buffer: DmaBuffer) {
        // SAFETY: `buffer` came from `allocate` (ExAllocatePool2 with POOL_TAG), and taking it
        // by value ends the only view of it.
        unsafe { ExFreePoolWithTag(buffer.as_ptr().cast(), POOL_TAG) };
    }

    /// DbgPrintEx at the trace level (quiet unless enabled). Any IRQL.
    fn debug(&self, message: fmt::Arguments<'_>) {
        self.log(Level::Trace, message);
    }
}

/// A KSPIN_LOCK. Acquiring raises to DISPATCH_LEVEL, so it may be taken at ≤ DISPATCH_LEVEL
/// and protects data shared with DPCs and timer callbacks; keep the hold short.
pub struct KernelSpinLock(UnsafeCell<KSPIN_LOCK>);

// SAFETY: the lock word is only touched by the kernel's spin-lock routines, which are made for
// concurrent use from any processor.
unsafe impl Sync for KernelSpinLock {}
// SAFETY: a lock can only move when nothing borrows it, i.e. when nobody holds it, and then it
// is a plain integer.
unsafe impl Send for KernelSpinLock {}

impl fmt::Debug for KernelSpinLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KernelSpinLock")
    }
}

/// What acquiring a [`KernelSpinLock`] returns: the IRQL to go back to. Not `Copy`, so it is
/// handed back exactly once.
#[derive(Debug)]
#[must_use = "the previous IRQL must be handed back to release the lock"]
pub struct PreviousIrql(KIRQL);

// SAFETY: KeAcquireSpinLockRaiseToDpc spins until it is the only holder; KeReleaseSpinLock with
// the IRQL that acquisition returned ends exactly that hold.
unsafe impl RawLock for KernelSpinLock {
    type Token = PreviousIrql;

    /// KeInitializeSpinLock. Any IRQL.
    fn new() -> Self {
        let lock = KernelSpinLock(UnsafeCell::new(0));
        // SAFETY: the lock word is valid for writes and held by no one.
        unsafe { KeInitializeSpinLock(lock.0.get()) };
        lock
    }

    /// KeAcquireSpinLockRaiseToDpc. ≤ DISPATCH_LEVEL; returns at DISPATCH_LEVEL.
    fn acquire(&self) -> PreviousIrql {
        // SAFETY: the lock word is an initialized KSPIN_LOCK that outlives the hold (`&self`).
        PreviousIrql(unsafe { KeAcquireSpinLockRaiseToDpc(self.0.get()) })
    }

    /// KeReleaseSpinLock, back to the IRQL before `acquire`. DISPATCH_LEVEL (while held).
    unsafe fn release(&self, token: PreviousIrql) {
        // SAFETY: the caller hands back the token of this lock's current hold, once.
        unsafe { KeReleaseSpinLock(self.0.get(), token.0) };
    }
}

// Pool blocks are 16-byte aligned on x64, enough for the TimerTarget we store in one.
const _: () = assert!(align_of::<TimerTarget>() <= 16);

/// A one-shot high-resolution EX_TIMER whose expiry calls a [`TimerTarget`] at DISPATCH_LEVEL.
///
/// The target lives in a small non-paged block (the kernel callback gets one context pointer;
/// the target is two words). Dropping the timer deletes it with Cancel = TRUE, Wait = TRUE,
/// which returns only when no callback is running or can still run; only then is the block
/// freed, and only then may the adapter free what `TimerTarget::context` points to. Without
/// Wait, a callback already running on another processor could read freed memory.
///
/// Drop therefore runs at **PASSIVE_LEVEL** (ExDeleteTimer with Wait requires it), and never
/// from inside the timer's own callback (it would wait for itself).
pub struct KernelTimer {
    timer: NonNull<EX_TIMER>,
    target: NonNull<TimerTarget>,
}

// SAFETY: ExSetTimer, ExCancelTimer and ExDeleteTimer may be called from any processor and
// synchronize on the timer object; the target block is written once before the timer exists
// and only read afterwards. Where `TimerTarget::context` is used (the callback, on any
// processor) does not depend on where the `KernelTimer` is.
unsafe impl Send for KernelTimer {}
// SAFETY: through `&self`, `arm_at` and `cancel` only call ExSetTimer and ExCancelTimer, which
// may run concurrently on any processor and synchronize on the timer object; the target block
// is only read after the timer exists.
unsafe impl Sync for KernelTimer {}

impl fmt::Debug for KernelTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelTimer")
            .field("timer", &self.timer)
            .finish_non_exhaustive()
    }
}

/// The EXT_CALLBACK of every [`KernelTimer`]: calls its target. Runs at DISPATCH_LEVEL.
///
/// # Safety
/// `context` must be the target block of a live `KernelTimer` (the kernel passes the one given
/// to ExAllocateTimer; Drop frees it only after no callback can run).
unsafe extern "system" fn timer_expired(_timer: PEX_TIMER, context: PVOID) {
    // SAFETY: per the contract, `context` points to the initialized, still-allocated target.
    let target = unsafe { context.cast::<TimerTarget>().read() };
    (target.callback)(target.context);
}

impl KernelTimer {
    /// ExAllocatePool2 (the target block) + ExAllocateTimer(EX_TIMER_HIGH_RESOLUTION).
    /// PASSIVE_LEVEL (both allow ≤ DISPATCH_LEVEL).
    fn new(target: TimerTarget) -> Result<KernelTimer, NtStatus> {
        // SAFETY: non-paged allocation, ≤ DISPATCH_LEVEL; NULL on failure.
        let block =
            unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, size_of::<TimerTarget>(), POOL_TAG) };
        let block =
            NonNull::new(block.cast::<TimerTarget>()).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        // SAFETY: `block` is a fresh, 16-byte-aligned block of `size_of::<TimerTarget>()`.
        unsafe { block.as_ptr().write(target) };
        // SAFETY: `timer_expired` matches EXT_CALLBACK and its context contract holds: the block
        // is initialized and outlives the timer (see Drop). ≤ DISPATCH_LEVEL.
        let timer = unsafe {
            ExAllocateTimer(
                Some(timer_expired),
                block.as_ptr().cast(),
                EX_TIMER_HIGH_RESOLUTION,
            )
        };
        let Some(timer) = NonNull::new(timer) else {
            // SAFETY: no timer refers to `block`; it came from ExAllocatePool2 with POOL_TAG.
            unsafe { ExFreePoolWithTag(block.as_ptr().cast(), POOL_TAG) };
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        Ok(KernelTimer {
            timer,
            target: block,
        })
    }
}

impl OneShotTimer for KernelTimer {
    /// ExSetTimer with the relative due time of `deadline` (rounded up: never early) and no
    /// period; re-arming replaces a pending expiry. ≤ DISPATCH_LEVEL.
    fn arm_at(&self, deadline: Ticks, now: Ticks) {
        let due = relative_due_time(deadline, now, KernelPlatform.frequency());
        // SAFETY: `timer` is live until Drop; NULL parameters are allowed. ≤ DISPATCH_LEVEL.
        let _ = unsafe { ExSetTimer(self.timer.as_ptr(), due, 0, null_mut()) };
    }

    /// ExCancelTimer; whether an expiry was pending. Does not wait for a callback that has
    /// already started. ≤ DISPATCH_LEVEL.
    fn cancel(&self) -> bool {
        // SAFETY: `timer` is live until Drop; NULL parameters are allowed. ≤ DISPATCH_LEVEL.
        let was_set = unsafe { ExCancelTimer(self.timer.as_ptr(), null_mut()) };
        was_set != FALSE
    }
}

impl Drop for KernelTimer {
    /// ExDeleteTimer(Cancel = TRUE, Wait = TRUE), then frees the target. PASSIVE_LEVEL, not
    /// from the timer's own callback (see the type's documentation).
    fn drop(&mut self) {
        // SAFETY: `timer` is live and deleted once, here. Cancel + Wait: when this returns no
        // callback is running or pending. PASSIVE_LEVEL by the type's contract.
        let _ = unsafe { ExDeleteTimer(self.timer.as_ptr(), TRUE, TRUE, null_mut()) };
        // SAFETY: the timer is gone and waited for, so nothing reads the block any more; it
        // came from ExAllocatePool2 with POOL_TAG.
        unsafe { ExFreePoolWithTag(self.target.as_ptr().cast(), POOL_TAG) };
    }
}
