//! WDF object contexts that hold the driver's Rust objects.
//!
//! Each context is one pointer-sized slot (what `WDF_DECLARE_CONTEXT_TYPE` would declare for a
//! pointer) holding a `Box` made with [`put`] and taken back by [`take`] in the object's
//! EvtCleanupCallback. DDIs: WdfObjectGetTypedContextWorker (≤ DISPATCH_LEVEL).

use alloc::boxed::Box;
use core::ffi::c_void;
use core::mem::size_of;
use core::ptr::null_mut;

use wdk_sys::{
    _WDF_EXECUTION_LEVEL, _WDF_SYNCHRONIZATION_SCOPE, WDF_OBJECT_ATTRIBUTES,
    WDF_OBJECT_CONTEXT_TYPE_INFO, WDFOBJECT, call_unsafe_wdf_function_binding,
};

/// A context type: its WDF_OBJECT_CONTEXT_TYPE_INFO (UniqueType points at itself).
#[repr(transparent)]
pub struct ContextType(WDF_OBJECT_CONTEXT_TYPE_INFO);

// SAFETY: the type info is immutable after compilation; WDF only reads it.
unsafe impl Sync for ContextType {}

/// One context slot: a `Box` pointer or null.
type Slot = *mut c_void;

#[allow(clippy::cast_possible_truncation)] // a 40-byte structure
const INFO_SIZE: u32 = size_of::<WDF_OBJECT_CONTEXT_TYPE_INFO>() as u32;

macro_rules! context_type {
    ($name:ident, $label:literal) => {
        pub static $name: ContextType = ContextType(WDF_OBJECT_CONTEXT_TYPE_INFO {
            Size: INFO_SIZE,
            ContextName: concat!($label, "\0").as_ptr().cast(),
            ContextSize: size_of::<Slot>(),
            UniqueType: &raw const $name.0,
            EvtDriverGetUniqueContextType: None,
        });
    };
}

context_type!(DEVICE_CONTEXT, "CADENZA_DEVICE_CONTEXT");
context_type!(CIRCUIT_CONTEXT, "CADENZA_CIRCUIT_CONTEXT");
context_type!(ELEMENT_CONTEXT, "CADENZA_ELEMENT_CONTEXT");
context_type!(STREAM_CONTEXT, "CADENZA_STREAM_CONTEXT");

/// WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(`ty`) with an optional cleanup callback.
pub fn attributes(
    ty: &'static ContextType,
    cleanup: wdk_sys::PFN_WDF_OBJECT_CONTEXT_CLEANUP,
) -> WDF_OBJECT_ATTRIBUTES {
    WDF_OBJECT_ATTRIBUTES {
        #[allow(clippy::cast_possible_truncation)] // a small structure
        Size: size_of::<WDF_OBJECT_ATTRIBUTES>() as u32,
        EvtCleanupCallback: cleanup,
        EvtDestroyCallback: None,
        ExecutionLevel: _WDF_EXECUTION_LEVEL::WdfExecutionLevelInheritFromParent,
        SynchronizationScope: _WDF_SYNCHRONIZATION_SCOPE::WdfSynchronizationScopeInheritFromParent,
        ParentObject: null_mut(),
        ContextSizeOverride: 0,
        ContextTypeInfo: &raw const ty.0,
    }
}

/// The slot of `ty` on `object`, or null if the object has no such context.
///
/// # Safety
/// `object` must be a live WDF object handle.
unsafe fn slot(object: WDFOBJECT, ty: &'static ContextType) -> *mut Slot {
    // SAFETY: `object` is live (caller); the type info is a static. ≤ DISPATCH_LEVEL.
    let p = unsafe {
        call_unsafe_wdf_function_binding!(WdfObjectGetTypedContextWorker, object, &raw const ty.0)
    };
    p.cast()
}

/// Stores `value` in `object`'s `ty` context. Returns it back if the object has none.
///
/// # Safety
/// `object` must be a live WDF object created with [`attributes`]`(ty, ..)`, whose slot is
/// empty, and `T` must be the type every reader of this context type uses.
pub unsafe fn put<T>(
    object: WDFOBJECT,
    ty: &'static ContextType,
    value: Box<T>,
) -> Result<(), Box<T>> {
    // SAFETY: `object` is a live WDF object handle (our contract), which is all `slot`
    // requires; `ty` is one of this module's static context types.
    let s = unsafe { slot(object, ty) };
    if s.is_null() {
        return Err(value);
    }
    // SAFETY: `s` points to this object's pointer-sized, zero-initialised context slot.
    unsafe { s.write(Box::into_raw(value).cast()) };
    Ok(())
}

/// The `T` in `object`'s `ty` context.
///
/// # Safety
/// `object` must be a live WDF object handle; if it has a `ty` context, that slot must be
/// empty or hold a value stored by [`put`] with this same `T`. [`take`] must not run during
/// this call, and the returned reference must not be used after it empties the slot (the
/// object's cleanup).
pub unsafe fn get<'a, T>(object: WDFOBJECT, ty: &'static ContextType) -> Option<&'a T> {
    // SAFETY: `object` is a live WDF object handle (our contract), which is all `slot`
    // requires; `ty` is one of this module's static context types.
    let s = unsafe { slot(object, ty) };
    if s.is_null() {
        return None;
    }
    // SAFETY: `s` is the object's slot (non-null), holding null or a `Box<T>` from `put`.
    let p = unsafe { s.read() }.cast::<T>();
    // SAFETY: a non-null slot value is a live `Box<T>` until `take`; only shared refs are made.
    unsafe { p.as_ref() }
}

/// Takes the `T` back out of `object`'s `ty` context (EvtCleanupCallback).
///
/// # Safety
/// `object` must be a live WDF object handle; if it has a `ty` context, that slot must be
/// empty or hold a value stored by [`put`] with this same `T`. No reference from [`get`] on
/// this slot may be used after this call.
pub unsafe fn take<T>(object: WDFOBJECT, ty: &'static ContextType) -> Option<Box<T>> {
    // SAFETY: `object` is a live WDF object handle (our contract), which is all `slot`
    // requires; `ty` is one of this module's static context types.
    let s = unsafe { slot(object, ty) };
    if s.is_null() {
        return None;
    }
    // SAFETY: `s` is the object's slot; swapping in null makes this the only owner.
    let p = unsafe { s.replace(null_mut()) }.cast::<T>();
    if p.is_null() {
        None
    } else {
        // SAFETY: `p` came from `Box::into_raw` in `put` and is taken exactly once.
        Some(unsafe { Box::from_raw(p) })
    }
}
