//! Our IPortWaveRT and IPortWaveRTStream, as COM objects with the real vtables: what the
//! miniports call back into. Memory comes from the [`SimPlatform`] (so its leak accounting
//! sees every page), MDLs are heap records, and every live object, MDL and mapping is counted.

use std::boxed::Box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::platform::{DmaBuffer, Platform};
use cadenza_engine::{Guid, NtStatus};
use cadenza_hostsim::SimPlatform;

use crate::com::{
    IMiniportWaveRT, IPortVtbl, IPortWaveRTStreamVtbl, IRegistryKey, IResourceList, IUnknown,
    IUnknownVtbl,
};
use crate::guids::{
    IID_IMiniportWaveRT, IID_IPort, IID_IPortWaveRT, IID_IPortWaveRTStream, IID_IUnknown,
};
use crate::kernel::{
    AccessMask, DeviceObject, DeviceRegistryProperty, Irp, Mdl, MemoryCachingType,
    ObjectAttributes, PhysicalAddress,
};
use crate::object::{RefCount, answer_query, read_iid};
use crate::object::{unknown_add_ref, unknown_release};
use crate::stream::PAGE_BYTES;

/// Live counts of everything the simulated port hands out.
#[derive(Debug, Default)]
pub struct SimCounters {
    pub ports: AtomicUsize,
    pub port_streams: AtomicUsize,
    pub mdls: AtomicUsize,
    pub mappings: AtomicUsize,
    /// Calls that broke the port's rules (unmapping what is not mapped, freeing an MDL
    /// twice or while mapped).
    pub misuse: AtomicUsize,
}

impl SimCounters {
    /// (ports, port streams, MDLs, mappings, misuse).
    pub fn snapshot(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.ports.load(Ordering::SeqCst),
            self.port_streams.load(Ordering::SeqCst),
            self.mdls.load(Ordering::SeqCst),
            self.mappings.load(Ordering::SeqCst),
            self.misuse.load(Ordering::SeqCst),
        )
    }
}

/// What an MDL of ours is: pages from the platform, and whether they are mapped.
#[derive(Debug)]
pub struct SimMdl {
    memory: DmaBuffer,
    pages: u32,
    mapped: bool,
}

impl SimMdl {
    /// The start of an MDL's pages (the sim's stand-in for the client's mapping).
    ///
    /// # Safety
    /// `mdl` must be a live MDL from [`SimPortStream`].
    pub unsafe fn start(mdl: *mut Mdl) -> *mut u8 {
        // SAFETY: a live SimMdl (contract).
        unsafe { (*mdl.cast::<SimMdl>()).memory.as_ptr() }
    }
}

/// IPortWaveRTStream.
#[repr(C)]
pub struct SimPortStream {
    vtbl: *const IPortWaveRTStreamVtbl<SimPortStream>,
    refs: RefCount,
    platform: SimPlatform,
    counters: Arc<SimCounters>,
}

impl core::fmt::Debug for SimPortStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SimPortStream")
    }
}

impl SimPortStream {
    const VTBL: IPortWaveRTStreamVtbl<SimPortStream> = IPortWaveRTStreamVtbl {
        base: IUnknownVtbl {
            query_interface: Self::query_interface,
            add_ref: Self::add_ref,
            release: Self::release,
        },
        allocate_pages_for_mdl: Self::allocate_pages_for_mdl,
        allocate_contiguous_pages_for_mdl: Self::allocate_contiguous_pages_for_mdl,
        map_allocated_pages: Self::map_allocated_pages,
        unmap_allocated_pages: Self::unmap_allocated_pages,
        free_pages_from_mdl: Self::free_pages_from_mdl,
        get_physical_pages_count: Self::get_physical_pages_count,
        get_physical_page_address: Self::get_physical_page_address,
    };

    /// A port stream with one reference (the port's, handed to NewStream).
    pub fn create(platform: SimPlatform, counters: Arc<SimCounters>) -> *mut IUnknown {
        counters.port_streams.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(SimPortStream {
            vtbl: &Self::VTBL,
            refs: RefCount::new(),
            platform,
            counters,
        }))
        .cast()
    }

    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`], and the returned reference
    /// must not be used after the caller's reference on it is released.
    unsafe fn me<'a>(this: *mut Self) -> &'a Self {
        // SAFETY: `this` points at the live, initialised `SimPortStream` boxed by `create`,
        // kept alive while the reference is used (contract); it is changed only through its
        // atomic count and freed only after the last Release, so no `&mut` aliases this.
        unsafe { &*this }
    }

    /// IUnknown::QueryInterface: IUnknown and IPortWaveRTStream.
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference; `iid` must be null or point to a readable GUID, and `out` be null or writable for
    /// one pointer.
    unsafe extern "system" fn query_interface(
        this: *mut Self,
        iid: *const Guid,
        out: *mut *mut c_void,
    ) -> NtStatus {
        // SAFETY: `iid` is null or the caller's readable GUID (the QueryInterface contract),
        // which is what `read_iid` requires.
        let found = match unsafe { read_iid(iid) } {
            Some(g) if g == IID_IUnknown || g == IID_IPortWaveRTStream => {
                // SAFETY: the caller calls QueryInterface through a reference it holds, so
                // `this` is a live port stream made by `create`.
                unsafe { Self::me(this) }.refs.add();
                Some(this.cast())
            }
            _ => None,
        };
        // SAFETY: `out` is null or the caller's writable pointer slot (the QueryInterface
        // contract), which is what `answer_query` requires.
        unsafe { answer_query(out, found) }
    }

    /// IUnknown::AddRef.
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference.
    unsafe extern "system" fn add_ref(this: *mut Self) -> u32 {
        // SAFETY: AddRef is called through a reference the caller holds, so `this` is a live
        // port stream made by `create`.
        unsafe { Self::me(this) }.refs.add()
    }

    /// IUnknown::Release: the last one frees the port stream.
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`]; the caller gives up one
    /// reference it owns and must not use it afterwards.
    unsafe extern "system" fn release(this: *mut Self) -> u32 {
        // SAFETY: Release is called with a reference the caller owns, so `this` is live until
        // the count reaches zero below; the reference is not used after that.
        let left = unsafe { Self::me(this) }.refs.release();
        if left == 0 {
            // SAFETY: last reference; made by Box::into_raw.
            let me = unsafe { Box::from_raw(this) };
            me.counters.port_streams.fetch_sub(1, Ordering::SeqCst);
        }
        left
    }

    /// AllocatePagesForMdl: the platform's pages behind a new heap MDL; null on failure.
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference.
    unsafe extern "system" fn allocate_pages_for_mdl(
        this: *mut Self,
        _high: PhysicalAddress,
        total_bytes: usize,
    ) -> *mut Mdl {
        // SAFETY: the miniport calls through the port stream reference it holds, so `this`
        // is a live port stream made by `create`.
        let me = unsafe { Self::me(this) };
        let Ok(pages) = u32::try_from(total_bytes.div_ceil(PAGE_BYTES as usize)) else {
            return null_mut();
        };
        if pages == 0 {
            return null_mut();
        }
        let Ok(memory) = me.platform.allocate(pages as usize * PAGE_BYTES as usize) else {
            return null_mut();
        };
        me.counters.mdls.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(SimMdl {
            memory,
            pages,
            mapped: false,
        }))
        .cast()
    }

    /// AllocateContiguousPagesForMdl: the same as AllocatePagesForMdl.
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference.
    unsafe extern "system" fn allocate_contiguous_pages_for_mdl(
        this: *mut Self,
        _low: PhysicalAddress,
        high: PhysicalAddress,
        total_bytes: usize,
    ) -> *mut Mdl {
        // SAFETY: `this` is the live port stream this call came through, which is all
        // `allocate_pages_for_mdl` requires; the other arguments are plain values.
        unsafe { Self::allocate_pages_for_mdl(this, high, total_bytes) }
    }

    /// MapAllocatedPages: marks the MDL mapped and returns its memory (null, counted as misuse, for
    /// a null or mapped MDL).
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference; `mdl` must be null or a live MDL from a port stream's AllocatePagesForMdl, not
    /// yet freed, and used by no other thread during the call.
    unsafe extern "system" fn map_allocated_pages(
        this: *mut Self,
        mdl: *mut Mdl,
        _cache: MemoryCachingType,
    ) -> *mut c_void {
        // SAFETY: the miniport calls through the port stream reference it holds, so `this`
        // is a live port stream made by `create`.
        let me = unsafe { Self::me(this) };
        // SAFETY: the miniport passes an MDL of ours, used by one thread at a time.
        let Some(m) = (unsafe { mdl.cast::<SimMdl>().as_mut() }) else {
            me.counters.misuse.fetch_add(1, Ordering::SeqCst);
            return null_mut();
        };
        if m.mapped {
            me.counters.misuse.fetch_add(1, Ordering::SeqCst);
            return null_mut();
        }
        m.mapped = true;
        me.counters.mappings.fetch_add(1, Ordering::SeqCst);
        m.memory.as_ptr().cast()
    }

    /// UnmapAllocatedPages: marks the MDL unmapped (anything else is counted as misuse).
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference; `mdl` must be null or a live MDL from a port stream's AllocatePagesForMdl, not
    /// yet freed, and used by no other thread during the call. `base` is only compared.
    unsafe extern "system" fn unmap_allocated_pages(
        this: *mut Self,
        base: *mut c_void,
        mdl: *mut Mdl,
    ) {
        // SAFETY: the miniport calls through the port stream reference it holds, so `this`
        // is a live port stream made by `create`.
        let me = unsafe { Self::me(this) };
        // SAFETY: the miniport passes null (`None`) or an MDL from our AllocatePagesForMdl,
        // a live `SimMdl` not yet freed, used by one thread at a time.
        match unsafe { mdl.cast::<SimMdl>().as_mut() } {
            Some(m) if m.mapped && base.cast::<u8>() == m.memory.as_ptr() => {
                m.mapped = false;
                me.counters.mappings.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {
                me.counters.misuse.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// FreePagesFromMdl: frees the MDL and its pages (null is counted as misuse).
    ///
    /// # Safety
    /// `this` must be a live port stream made by [`Self::create`] on which the caller holds a
    /// reference; `mdl` must be null or a live MDL from a port stream's AllocatePagesForMdl, not
    /// yet freed (this frees it: it must not be used again), and used by no other thread.
    unsafe extern "system" fn free_pages_from_mdl(this: *mut Self, mdl: *mut Mdl) {
        // SAFETY: the miniport calls through the port stream reference it holds, so `this`
        // is a live port stream made by `create`.
        let me = unsafe { Self::me(this) };
        if mdl.is_null() {
            me.counters.misuse.fetch_add(1, Ordering::SeqCst);
            return;
        }
        // SAFETY: an MDL of ours, made by Box::into_raw, freed once.
        let m = unsafe { Box::from_raw(mdl.cast::<SimMdl>()) };
        if m.mapped {
            // Freeing mapped pages: a bug in the miniport. Count it and still free.
            me.counters.misuse.fetch_add(1, Ordering::SeqCst);
            me.counters.mappings.fetch_sub(1, Ordering::SeqCst);
        }
        me.platform.free(m.memory);
        me.counters.mdls.fetch_sub(1, Ordering::SeqCst);
    }

    /// GetPhysicalPagesCount: the MDL's page count (0 for null).
    ///
    /// # Safety
    /// `mdl` must be null or a live MDL from a port stream's AllocatePagesForMdl, not yet freed;
    /// `_this` is not used.
    unsafe extern "system" fn get_physical_pages_count(_this: *mut Self, mdl: *mut Mdl) -> u32 {
        // SAFETY: the miniport passes null (`None`) or an MDL from our AllocatePagesForMdl,
        // a live `SimMdl` not yet freed; only a shared reference is made.
        unsafe { mdl.cast::<SimMdl>().as_ref() }.map_or(0, |m| m.pages)
    }

    /// GetPhysicalPageAddress: the sim's stand-in address of page `index` (the memory's address).
    ///
    /// # Safety
    /// `result` must be valid and aligned for writing a PHYSICAL_ADDRESS (the hidden return slot);
    /// `mdl` must be null or a live MDL from a port stream's AllocatePagesForMdl, not yet freed;
    /// `_this` is not used.
    unsafe extern "system" fn get_physical_page_address(
        _this: *mut Self,
        result: *mut PhysicalAddress,
        mdl: *mut Mdl,
        index: u32,
    ) -> *mut PhysicalAddress {
        // SAFETY: the miniport passes null (`None`) or an MDL from our AllocatePagesForMdl,
        // a live `SimMdl` not yet freed; only a shared reference is made.
        let base = unsafe { mdl.cast::<SimMdl>().as_ref() }.map_or(0, |m| m.memory.as_ptr() as i64);
        // SAFETY: the caller passes a writable result slot (the hidden return pointer).
        unsafe { result.write(PhysicalAddress(base + i64::from(index) * PAGE_BYTES as i64)) };
        result
    }
}

/// IPortWaveRT: Init connects a miniport the way PortCls does (QueryInterface for
/// IMiniportWaveRT, then its Init with this port), and the port keeps that miniport
/// reference until [`SimPortWaveRT::disconnect`] (PortCls drops it when the subdevice goes).
#[repr(C)]
pub struct SimPortWaveRT {
    vtbl: *const IPortVtbl<SimPortWaveRT>,
    refs: RefCount,
    counters: Arc<SimCounters>,
    miniport: core::cell::Cell<*mut IMiniportWaveRT>,
}

impl core::fmt::Debug for SimPortWaveRT {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SimPortWaveRT")
    }
}

impl SimPortWaveRT {
    const VTBL: IPortVtbl<SimPortWaveRT> = IPortVtbl {
        base: IUnknownVtbl {
            query_interface: Self::query_interface,
            add_ref: Self::add_ref,
            release: Self::release,
        },
        init: Self::init,
        get_device_property: Self::get_device_property,
        new_registry_key: Self::new_registry_key,
    };

    pub fn create(counters: Arc<SimCounters>) -> *mut SimPortWaveRT {
        counters.ports.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(SimPortWaveRT {
            vtbl: &Self::VTBL,
            refs: RefCount::new(),
            counters,
            miniport: core::cell::Cell::new(null_mut()),
        }))
    }

    /// # Safety
    /// `this` must be a live port made by [`Self::create`], and the returned reference must
    /// not be used after the caller's reference on it is released.
    unsafe fn me<'a>(this: *mut Self) -> &'a Self {
        // SAFETY: `this` points at the live, initialised `SimPortWaveRT` boxed by `create`,
        // kept alive while the reference is used (contract); it is changed only through its
        // atomic count and its `Cell`, and freed only after the last Release, so no `&mut`
        // aliases this.
        unsafe { &*this }
    }

    /// The connected miniport (null before Init or after disconnect).
    ///
    /// # Safety
    /// `this` must be live.
    pub unsafe fn miniport(this: *mut Self) -> *mut IMiniportWaveRT {
        // SAFETY: `this` is a live port made by `create` (this function's contract).
        unsafe { Self::me(this) }.miniport.get()
    }

    /// Drops the port's miniport reference (subdevice removal).
    ///
    /// # Safety
    /// `this` must be live.
    pub unsafe fn disconnect(this: *mut Self) {
        // SAFETY: `this` is a live port made by `create` (this function's contract).
        let m = unsafe { Self::me(this) }.miniport.replace(null_mut());
        if !m.is_null() {
            // SAFETY: the reference the port took in Init.
            unsafe { unknown_release(m.cast()) };
        }
    }

    /// Calls the vtable's Release (the driver's reference).
    ///
    /// # Safety
    /// `this` must be live and the caller must own a reference.
    pub unsafe fn release_ref(this: *mut Self) -> u32 {
        // SAFETY: `this` is a live port (contract), an interface pointer since its vtable
        // pointer comes first (`repr(C)`), and the caller owns the reference released.
        unsafe { unknown_release(this.cast()) }
    }

    /// IUnknown::QueryInterface: IUnknown, IPort and IPortWaveRT.
    ///
    /// # Safety
    /// `this` must be a live port made by [`Self::create`] on which the caller holds a reference;
    /// `iid` must be null or point to a readable GUID, and `out` be null or writable for one
    /// pointer.
    unsafe extern "system" fn query_interface(
        this: *mut Self,
        iid: *const Guid,
        out: *mut *mut c_void,
    ) -> NtStatus {
        // SAFETY: `iid` is null or the caller's readable GUID (the QueryInterface contract),
        // which is what `read_iid` requires.
        let found = match unsafe { read_iid(iid) } {
            Some(g) if g == IID_IUnknown || g == IID_IPort || g == IID_IPortWaveRT => {
                // SAFETY: the caller calls QueryInterface through a reference it holds, so
                // `this` is a live port made by `create`.
                unsafe { Self::me(this) }.refs.add();
                Some(this.cast())
            }
            _ => None,
        };
        // SAFETY: `out` is null or the caller's writable pointer slot (the QueryInterface
        // contract), which is what `answer_query` requires.
        unsafe { answer_query(out, found) }
    }

    /// IUnknown::AddRef.
    ///
    /// # Safety
    /// `this` must be a live port made by [`Self::create`] on which the caller holds a reference.
    unsafe extern "system" fn add_ref(this: *mut Self) -> u32 {
        // SAFETY: AddRef is called through a reference the caller holds, so `this` is a live
        // port made by `create`.
        unsafe { Self::me(this) }.refs.add()
    }

    /// IUnknown::Release: the last one frees the port.
    ///
    /// # Safety
    /// `this` must be a live port made by [`Self::create`]; the caller gives up one reference it
    /// owns and must not use it afterwards.
    unsafe extern "system" fn release(this: *mut Self) -> u32 {
        // SAFETY: Release is called with a reference the caller owns, so `this` is live until
        // the count reaches zero below; the reference is not used after that.
        let left = unsafe { Self::me(this) }.refs.release();
        if left == 0 {
            // SAFETY: last reference; made by Box::into_raw.
            let me = unsafe { Box::from_raw(this) };
            me.counters.ports.fetch_sub(1, Ordering::SeqCst);
        }
        left
    }

    /// IPort::Init as PortCls does it for a WaveRT miniport.
    ///
    /// # Safety
    /// `this` must be a live port made by [`Self::create`] on which the caller holds a reference,
    /// on one thread at a time (the miniport slot is a `Cell`); `unknown_miniport` must be null or
    /// a live IUnknown, and `unknown_adapter` and `resources` what that miniport's Init accepts
    /// (they are passed through).
    unsafe extern "system" fn init(
        this: *mut Self,
        _device: *mut DeviceObject,
        _irp: *mut Irp,
        unknown_miniport: *mut IUnknown,
        unknown_adapter: *mut IUnknown,
        resources: *mut IResourceList,
    ) -> NtStatus {
        if unknown_miniport.is_null() {
            return NtStatus::INVALID_PARAMETER;
        }
        let mut miniport: *mut c_void = null_mut();
        // SAFETY: `unknown_miniport` is non-null (checked) and is the live miniport IUnknown
        // the driver passes to IPort::Init, so its first field, the vtable pointer, is readable.
        let vtbl = unsafe { (*unknown_miniport).vtbl };
        // SAFETY: a live COM object's vtable pointer points at a valid, immutable IUnknown
        // vtable, whose slot 0 is QueryInterface.
        let qi = unsafe { (*vtbl).query_interface };
        // SAFETY: calling its QueryInterface with a valid IID and out-pointer.
        let status = unsafe { qi(unknown_miniport, &IID_IMiniportWaveRT, &raw mut miniport) };
        if !status.is_success() {
            return status;
        }
        let miniport = miniport.cast::<IMiniportWaveRT>();
        // SAFETY: a successful QueryInterface wrote a live, AddRef'd IMiniportWaveRT pointer to
        // `miniport`, so its vtable pointer is readable.
        let vtbl = unsafe { (*miniport).vtbl };
        // SAFETY: a live IMiniportWaveRT's vtable pointer points at a valid, immutable
        // IMiniportWaveRT vtable, which has the Init slot.
        let init = unsafe { (*vtbl).init };
        // SAFETY: the miniport's Init with this port (cast to the interface it expects).
        let status = unsafe { init(miniport, unknown_adapter, resources, this.cast()) };
        if !status.is_success() {
            // SAFETY: the QueryInterface reference.
            unsafe { unknown_release(miniport.cast()) };
            return status;
        }
        // SAFETY: the driver calls Init through the port reference it holds, so `this` is a
        // live port made by `create`.
        let old = unsafe { Self::me(this) }.miniport.replace(miniport);
        if !old.is_null() {
            // SAFETY: a previous Init's reference.
            unsafe { unknown_release(old.cast()) };
        }
        NtStatus::SUCCESS
    }

    /// IPort::GetDeviceProperty: STATUS_NOT_IMPLEMENTED.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn get_device_property(
        _this: *mut Self,
        _property: DeviceRegistryProperty,
        _length: u32,
        _buffer: *mut c_void,
        _result_length: *mut u32,
    ) -> NtStatus {
        NtStatus::NOT_IMPLEMENTED
    }

    /// IPort::NewRegistryKey: STATUS_NOT_IMPLEMENTED.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    #[allow(clippy::too_many_arguments)] // the DDI's signature
    unsafe extern "system" fn new_registry_key(
        _this: *mut Self,
        _out: *mut *mut IRegistryKey,
        _outer: *mut IUnknown,
        _key_type: u32,
        _access: AccessMask,
        _attributes: *mut ObjectAttributes,
        _options: u32,
        _disposition: *mut u32,
    ) -> NtStatus {
        NtStatus::NOT_IMPLEMENTED
    }
}

/// AddRef through IUnknown (re-exported for the driver).
///
/// # Safety
/// `p` must be a live interface pointer.
pub unsafe fn add_ref(p: *mut IUnknown) -> u32 {
    // SAFETY: `p` is a live interface pointer (this function's contract), which is all
    // `unknown_add_ref` requires.
    unsafe { unknown_add_ref(p) }
}

/// A non-null pointer that is never dereferenced, as a fake KEVENT.
pub fn fake_event(n: usize) -> *mut crate::kernel::KEvent {
    core::ptr::without_provenance_mut(0x1000 + 0x10 * n)
}
