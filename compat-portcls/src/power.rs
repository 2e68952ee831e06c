//! The adapter object: `IAdapterPowerManagement` over every cable, and the `UnknownAdapter`
//! the ports pass to the miniports' Init.
//!
//! D0 → D3 pauses any stream still running (PortCls normally pauses them first) and refuses
//! RUN until D0; D3 → D0 lets streams run again. Buffers, events and the cables' rings stay:
//! a stream resumes where it was after the port sends RUN.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::c_void;

use cadenza_engine::platform::Platform;
use cadenza_engine::{Guid, NtStatus};

use crate::com::{IAdapterPowerManagementVtbl, IUnknown, IUnknownVtbl};
use crate::device::CableDevice;
use crate::guids::{IID_IAdapterPowerManagement, IID_IUnknown};
use crate::kernel::{DeviceCapabilities, DevicePowerState, PowerState};
use crate::object::{RefCount, answer_query, read_iid};

/// The adapter object. `#[repr(C)]`, vtable first.
#[repr(C)]
pub struct Adapter<P: Platform + 'static> {
    vtbl: *const IAdapterPowerManagementVtbl<Adapter<P>>,
    refs: RefCount,
    cables: Vec<Arc<CableDevice<P>>>,
}

impl<P: Platform + 'static> core::fmt::Debug for Adapter<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Adapter")
            .field("cables", &self.cables.len())
            .finish_non_exhaustive()
    }
}

impl<P: Platform + 'static> Adapter<P> {
    const VTBL: IAdapterPowerManagementVtbl<Adapter<P>> = IAdapterPowerManagementVtbl {
        base: IUnknownVtbl {
            query_interface: Self::query_interface,
            add_ref: Self::add_ref,
            release: Self::release,
        },
        power_change_state: Self::power_change_state,
        query_power_change_state: Self::query_power_change_state,
        query_device_capabilities: Self::query_device_capabilities,
    };

    /// Creates the adapter object with one reference; returns its `IUnknown`. PASSIVE_LEVEL.
    pub fn create(cables: Vec<Arc<CableDevice<P>>>) -> *mut IUnknown {
        let object = Box::new(Adapter {
            vtbl: &Self::VTBL,
            refs: RefCount::new(),
            cables,
        });
        Box::into_raw(object).cast()
    }

    /// The cables of an adapter object made by [`Self::create`].
    ///
    /// # Safety
    /// `this` must be a live adapter object of this platform; the slice lives as long as the
    /// caller's reference.
    pub unsafe fn cables<'a>(this: *mut IUnknown) -> &'a [Arc<CableDevice<P>>] {
        // SAFETY: a live adapter object (contract); shared access only.
        unsafe { &(*this.cast::<Self>()).cables }
    }

    /// # Safety
    /// `this` must be live.
    unsafe fn object<'a>(this: *mut Self) -> &'a Self {
        // SAFETY: live (contract).
        unsafe { &*this }
    }

    unsafe extern "system" fn query_interface(
        this: *mut Self,
        iid: *const Guid,
        out: *mut *mut c_void,
    ) -> NtStatus {
        // SAFETY: a readable IID or null.
        let found = match unsafe { read_iid(iid) } {
            Some(g) if g == IID_IUnknown || g == IID_IAdapterPowerManagement => {
                // SAFETY: live object.
                unsafe { Self::object(this) }.refs.add();
                Some(this.cast::<c_void>())
            }
            _ => None,
        };
        // SAFETY: a writable out-pointer or null.
        unsafe { answer_query(out, found) }
    }

    unsafe extern "system" fn add_ref(this: *mut Self) -> u32 {
        // SAFETY: live object.
        unsafe { Self::object(this) }.refs.add()
    }

    unsafe extern "system" fn release(this: *mut Self) -> u32 {
        // SAFETY: live object; this call gives up a reference.
        let left = unsafe { Self::object(this) }.refs.release();
        if left == 0 {
            // SAFETY: the last reference is gone; made by `Box::into_raw`.
            drop(unsafe { Box::from_raw(this) });
        }
        left
    }

    /// PowerChangeState. PASSIVE_LEVEL.
    unsafe extern "system" fn power_change_state(this: *mut Self, new_state: PowerState) {
        // SAFETY: live object.
        let me = unsafe { Self::object(this) };
        let state = new_state.device_state();
        for cable in &me.cables {
            if state == DevicePowerState::D0 {
                cable.power_up();
            } else {
                cable.power_down();
            }
        }
    }

    /// QueryPowerChangeState: every state is fine (nothing to save). PASSIVE_LEVEL.
    unsafe extern "system" fn query_power_change_state(
        _this: *mut Self,
        _new_state: PowerState,
    ) -> NtStatus {
        NtStatus::SUCCESS
    }

    /// QueryDeviceCapabilities: the bus driver's capabilities stand. PASSIVE_LEVEL.
    unsafe extern "system" fn query_device_capabilities(
        _this: *mut Self,
        _caps: *mut DeviceCapabilities,
    ) -> NtStatus {
        NtStatus::SUCCESS
    }
}
