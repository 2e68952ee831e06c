//! [`CableCell`]: one loopback cable behind the platform's DISPATCH_LEVEL lock, shared by the
//! device (which creates it) and the streams of its two circuits.

use alloc::boxed::Box;

use cadenza_engine::device::cable::Cable;
use cadenza_engine::platform::{Locked, Platform};

/// A cable shared by its two circuits' streams. Frees its ring when the last holder drops it.
pub(crate) struct CableCell<P: Platform> {
    /// Boxed: a `Cable` is over a kilobyte, and every by-value move of it through
    /// `AcxDevice::new` (Cable::new → Locked::new → CableCell → Arc::new) would otherwise sit
    /// in one stack frame (5.4 KiB in a debug build: over the 4 KiB that needs __chkstk).
    pub(crate) lock: Locked<P::Lock, Box<Cable>>,
    platform: P,
}

impl<P: Platform> CableCell<P> {
    /// Puts `cable` (whose ring `platform` allocated) behind the lock. PASSIVE_LEVEL.
    pub(crate) fn new(cable: Box<Cable>, platform: P) -> CableCell<P> {
        CableCell {
            lock: Locked::new(cable),
            platform,
        }
    }
}

impl<P: Platform> Drop for CableCell<P> {
    fn drop(&mut self) {
        // In place: moving the cable (over a kilobyte) out and back would copy it on the stack.
        let ring = self.lock.get_mut().take_ring_memory();
        self.platform.free(ring);
    }
}
