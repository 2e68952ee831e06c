//! What every COM object of the miniports shares: the reference count, and the checks on the
//! interface pointers PortCls hands in.

use core::ffi::c_void;
use core::sync::atomic::{AtomicU32, Ordering};

use cadenza_engine::{Guid, NtStatus};

/// A COM reference count. Starts at 1 (the creator's reference).
#[derive(Debug)]
pub struct RefCount(AtomicU32);

impl RefCount {
    pub const fn new() -> RefCount {
        RefCount(AtomicU32::new(1))
    }

    /// AddRef: returns the new count.
    pub fn add(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }

    /// Release: returns the new count; 0 means the caller must destroy the object. Acquire
    /// on the last release so that every other holder's writes happen before destruction.
    pub fn release(&self) -> u32 {
        let before = self.0.fetch_sub(1, Ordering::Release);
        if before == 1 {
            core::sync::atomic::fence(Ordering::Acquire);
        }
        before.wrapping_sub(1)
    }

    /// The current count (tests).
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for RefCount {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the IID a caller passes to QueryInterface; `None` for a null pointer.
///
/// # Safety
/// `iid` must be null or point to a readable GUID.
pub unsafe fn read_iid(iid: *const Guid) -> Option<Guid> {
    if iid.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller guarantees it points to a GUID. Unaligned read: the
    // caller's GUID need not be 4-aligned.
    Some(unsafe { iid.read_unaligned() })
}

/// Finishes a QueryInterface: writes `found` (or null) to `out` and returns the status, with
/// the PortCls convention of STATUS_NOINTERFACE and a null out-pointer for an unknown IID.
///
/// # Safety
/// `out` must be null or writable for one pointer.
pub unsafe fn answer_query(out: *mut *mut c_void, found: Option<*mut c_void>) -> NtStatus {
    if out.is_null() {
        return NtStatus::INVALID_PARAMETER;
    }
    let (value, status) = match found {
        Some(p) => (p, NtStatus::SUCCESS),
        None => (core::ptr::null_mut(), NtStatus::NOINTERFACE),
    };
    // SAFETY: non-null and writable by the caller's guarantee.
    unsafe { out.write(value) };
    status
}

/// Writes `value` through an out-parameter if it is not null; returns whether it was written.
///
/// # Safety
/// `out` must be null or valid for an (unaligned) write of `T`.
pub unsafe fn write_out<T>(out: *mut T, value: T) -> bool {
    if out.is_null() {
        return false;
    }
    // SAFETY: non-null and writable by the caller's guarantee.
    unsafe { out.write_unaligned(value) };
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refcount_reports_the_last_release() {
        let r = RefCount::new();
        assert_eq!(r.add(), 2);
        assert_eq!(r.release(), 1);
        assert_eq!(r.release(), 0);
    }

    #[test]
    fn unknown_interfaces_get_a_null_pointer() {
        let mut out: *mut c_void = core::ptr::NonNull::<u8>::dangling().as_ptr().cast();
        // SAFETY: `out` is a writable local.
        let s = unsafe { answer_query(&raw mut out, None) };
        assert_eq!(s, NtStatus::NOINTERFACE);
        assert!(out.is_null());
        // SAFETY: a null out-pointer is allowed.
        let s = unsafe { answer_query(core::ptr::null_mut(), None) };
        assert_eq!(s, NtStatus::INVALID_PARAMETER);
        // SAFETY: null is allowed.
        assert!(unsafe { read_iid(core::ptr::null()) }.is_none());
    }
}
