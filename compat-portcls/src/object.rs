//! What every COM object of the miniports shares: the generic reference-counted object
//! [`ComObject`] (one QueryInterface / AddRef / Release for every class), the reference count,
//! the checks on the interface pointers PortCls hands in, and the calls on other objects'
//! IUnknown.
//!
//! A class is its data type implementing [`ComClass`]: its primary vtable (whose IUnknown
//! slots are [`ComObject::UNKNOWN`]), which IIDs it answers and with which vtable pointer
//! ([`Interface`]), optionally a second vtable pointer inside its data (whose IUnknown slots
//! are [`ComObject::SECONDARY_UNKNOWN`]), and what runs at the last Release. Its methods take
//! `*mut ComObject<Self>` and reach their data through [`ComObject::data`].

use alloc::boxed::Box;
use core::ffi::c_void;
use core::sync::atomic::{AtomicU32, Ordering};

use cadenza_engine::{Guid, NtStatus};

use crate::com::{IUnknown, IUnknownVtbl};

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

    /// The current count (the object's `Debug` output and tests).
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

/// Calls `IUnknown::AddRef` on a PortCls object.
///
/// # Safety
/// `unknown` must be a live interface pointer.
pub(crate) unsafe fn unknown_add_ref(unknown: *mut IUnknown) -> u32 {
    // SAFETY: a live interface pointer starts with a valid vtable pointer (contract).
    let vtbl = unsafe { (*unknown).vtbl };
    // SAFETY: the vtable is valid; slot 1 is AddRef.
    let add_ref = unsafe { (*vtbl).add_ref };
    // SAFETY: calling AddRef on the live object it belongs to.
    unsafe { add_ref(unknown) }
}

/// Calls `IUnknown::Release` on a PortCls object.
///
/// # Safety
/// `unknown` must be a live interface pointer whose reference the caller owns.
pub(crate) unsafe fn unknown_release(unknown: *mut IUnknown) -> u32 {
    // SAFETY: `unknown` is a live interface pointer (contract), and every live interface
    // pointer points at its vtable pointer, initialised and readable while the object lives.
    let vtbl = unsafe { (*unknown).vtbl };
    // SAFETY: the vtable is valid; slot 2 is Release.
    let release = unsafe { (*vtbl).release };
    // SAFETY: releases the caller's reference.
    unsafe { release(unknown) }
}

/// Which of an object's vtable pointers QueryInterface hands out for an IID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// The object's address: its first field, the primary vtable pointer.
    Primary,
    /// The address of the second vtable pointer, [`ComClass::SECONDARY_OFFSET`] bytes in.
    Secondary,
}

/// What a secondary interface pointer points at: the object's second vtable pointer. Its
/// methods take `*mut SecondaryFace` and find the object with [`ComObject::from_secondary`].
#[derive(Debug)]
#[repr(C)]
pub struct SecondaryFace {
    vtbl: *const c_void,
}

/// One COM class: the data of its objects and what its IUnknown answers.
///
/// # Safety
/// - The IUnknown slots of `*VTBL` are those of [`ComObject::<Self>::UNKNOWN`], and its other
///   slots take `*mut ComObject<Self>` as `this`.
/// - If `interface` can return [`Interface::Secondary`], `SECONDARY_OFFSET` is the byte offset
///   in `ComObject<Self>` of a vtable pointer field (set before the object is shared, never
///   changed while it lives) whose vtable's IUnknown slots are those of
///   [`ComObject::<Self>::SECONDARY_UNKNOWN`] and whose other slots take `*mut SecondaryFace`.
pub unsafe trait ComClass: Sized {
    /// The primary vtable's type.
    type Vtbl: 'static;
    /// The primary vtable, the object's first field points at it.
    const VTBL: &'static Self::Vtbl;
    /// Byte offset of the second vtable pointer in `ComObject<Self>` (classes with one).
    const SECONDARY_OFFSET: usize = 0;

    /// The vtable pointer QueryInterface hands out for `iid`, if the object has that interface.
    fn interface(&self, iid: &Guid) -> Option<Interface>;

    /// Runs at the last Release with shared access, before the object is dropped: for work
    /// that must finish while other code may still hold `&self` (a timer callback).
    fn last_release(&self) {}
}

/// A reference-counted COM object of class `T`: the primary vtable pointer first (so a pointer
/// to the object is its primary interface pointer), then the class's data, then the count.
/// Made by [`Self::create`] (one reference, the caller's); destroyed by the last Release.
#[repr(C)]
pub struct ComObject<T: ComClass> {
    vtbl: *const T::Vtbl,
    data: T,
    refs: RefCount,
}

impl<T: ComClass + core::fmt::Debug> core::fmt::Debug for ComObject<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ComObject")
            .field("data", &self.data)
            .field("refs", &self.refs.get())
            .finish_non_exhaustive()
    }
}

impl<T: ComClass> ComObject<T> {
    /// The IUnknown slots of the primary vtable.
    pub const UNKNOWN: IUnknownVtbl<ComObject<T>> = IUnknownVtbl {
        query_interface: Self::query_interface,
        add_ref: Self::add_ref,
        release: Self::release,
    };

    /// The IUnknown slots of the secondary vtable(s).
    pub const SECONDARY_UNKNOWN: IUnknownVtbl<SecondaryFace> = IUnknownVtbl {
        query_interface: Self::secondary_query_interface,
        add_ref: Self::secondary_add_ref,
        release: Self::secondary_release,
    };

    /// Makes an object holding `data` with one reference (the caller's). PASSIVE_LEVEL.
    pub fn create(data: T) -> *mut ComObject<T> {
        Box::into_raw(Box::new(ComObject {
            vtbl: T::VTBL,
            data,
            refs: RefCount::new(),
        }))
    }

    /// The data of a live object.
    ///
    /// # Safety
    /// `this` must be a live object made by [`Self::create`]; the reference must not outlive
    /// the caller's reference on it. Only shared references are taken while it lives.
    pub unsafe fn data<'a>(this: *mut Self) -> &'a T {
        // SAFETY: `this` is a live object made by `create` (contract), so it points at an
        // initialised `ComObject<T>` that the caller's reference keeps alive for as long as the
        // returned reference; only shared references are taken while it lives, so none aliases
        // a unique one.
        unsafe { &(*this).data }
    }

    /// Byte offset of the class's data in the object (for [`ComClass::SECONDARY_OFFSET`]).
    pub const DATA_OFFSET: usize = core::mem::offset_of!(ComObject<T>, data);

    /// The data field's address, for the rare write made before the object is shared
    /// (IMiniportWaveRT::Init). Wrapping arithmetic from `this`: safe to compute, keeps the
    /// provenance; using it needs a live object.
    pub fn data_ptr(this: *mut Self) -> *mut T {
        this.wrapping_byte_add(Self::DATA_OFFSET).cast()
    }

    /// The object behind a secondary interface pointer: that pointer is the object's address
    /// plus `SECONDARY_OFFSET` (made by `query_interface` from the object pointer), so
    /// subtracting it gives the object back with its provenance. Wrapping arithmetic keeps
    /// this safe to compute; using the result is what needs a live object.
    pub fn from_secondary(face: *mut SecondaryFace) -> *mut Self {
        face.wrapping_byte_sub(T::SECONDARY_OFFSET).cast()
    }

    /// IUnknown::QueryInterface: AddRef and the interface pointer for a known IID,
    /// STATUS_NOINTERFACE and null otherwise. Any IRQL.
    ///
    /// # Safety
    /// `this` must be a live object made by [`Self::create`] on which the caller holds a reference
    /// (COM calls through an interface pointer it owns); `iid` must be null or point to a readable
    /// GUID, and `out` be null or writable for one pointer.
    unsafe extern "system" fn query_interface(
        this: *mut Self,
        iid: *const Guid,
        out: *mut *mut c_void,
    ) -> NtStatus {
        // SAFETY: `this` is live: the caller calls through a reference it holds.
        let me = unsafe { &*this };
        // SAFETY: the caller passes a readable IID or null.
        let found = unsafe { read_iid(iid) }.and_then(|g| me.data.interface(&g));
        let found = found.map(|face| match face {
            Interface::Primary => this.cast::<c_void>(),
            // Inside the object (ComClass contract), derived from `this` so it keeps its
            // provenance.
            Interface::Secondary => this.wrapping_byte_add(T::SECONDARY_OFFSET).cast(),
        });
        if found.is_some() {
            me.refs.add();
        }
        // SAFETY: the caller passes a writable out-pointer or null.
        unsafe { answer_query(out, found) }
    }

    /// IUnknown::AddRef. Any IRQL.
    ///
    /// # Safety
    /// `this` must be a live object made by [`Self::create`] on which the caller holds a reference
    /// (COM calls through an interface pointer it owns).
    unsafe extern "system" fn add_ref(this: *mut Self) -> u32 {
        // SAFETY: called through a live reference.
        unsafe { &(*this).refs }.add()
    }

    /// IUnknown::Release: the last one runs `last_release` and frees the object.
    ///
    /// # Safety
    /// `this` must be a live object made by [`Self::create`]; the caller gives up one reference it
    /// owns and must not use it afterwards (the last Release frees the object).
    unsafe extern "system" fn release(this: *mut Self) -> u32 {
        // SAFETY: called through a live reference, which this call gives up.
        let left = unsafe { &(*this).refs }.release();
        if left == 0 {
            // SAFETY: the last reference is gone, so only this call uses the object now.
            unsafe { Self::data(this) }.last_release();
            // SAFETY: made by `Box::into_raw` in `create`; `last_release` has returned, so no
            // reference into the object remains.
            drop(unsafe { Box::from_raw(this) });
        }
        left
    }

    /// IUnknown::QueryInterface through a secondary interface pointer.
    ///
    /// # Safety
    /// `face` must be a live secondary interface pointer that QueryInterface handed out for an
    /// object made by [`Self::create`], on which the caller holds a reference; `iid` must be null
    /// or point to a readable GUID, and `out` be null or writable for one pointer.
    unsafe extern "system" fn secondary_query_interface(
        face: *mut SecondaryFace,
        iid: *const Guid,
        out: *mut *mut c_void,
    ) -> NtStatus {
        // SAFETY: `face` is a live secondary interface pointer, so `from_secondary` gives the
        // live object it lies in; `iid` (null or a readable GUID) and `out` (null or a writable
        // pointer slot) are our caller's, under the QueryInterface contract `query_interface`
        // relies on.
        unsafe { Self::query_interface(Self::from_secondary(face), iid, out) }
    }

    /// IUnknown::AddRef through a secondary interface pointer.
    ///
    /// # Safety
    /// `face` must be a live secondary interface pointer that QueryInterface handed out for an
    /// object made by [`Self::create`], on which the caller holds a reference.
    unsafe extern "system" fn secondary_add_ref(face: *mut SecondaryFace) -> u32 {
        // SAFETY: a live secondary interface pointer.
        unsafe { Self::add_ref(Self::from_secondary(face)) }
    }

    /// IUnknown::Release through a secondary interface pointer.
    ///
    /// # Safety
    /// `face` must be a live secondary interface pointer that QueryInterface handed out for an
    /// object made by [`Self::create`]; the caller gives up one reference it owns and must not use
    /// it afterwards.
    unsafe extern "system" fn secondary_release(face: *mut SecondaryFace) -> u32 {
        // SAFETY: a live secondary interface pointer whose reference the caller gives up.
        unsafe { Self::release(Self::from_secondary(face)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refcount_reports_the_last_release() {
        let r = RefCount::new();
        assert_eq!(r.get(), 1, "the creator's reference");
        assert_eq!(r.add(), 2);
        assert_eq!(r.get(), 2);
        assert_eq!(r.release(), 1);
        assert_eq!(r.get(), 1);
        assert_eq!(r.release(), 0);
        assert_eq!(r.get(), 0);
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
