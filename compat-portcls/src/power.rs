//! The adapter object: `IAdapterPowerManagement` over every cable, and the `UnknownAdapter`
//! the ports pass to the miniports' Init.
//!
//! Power changes go to every endpoint pair's host ([`DeviceHost::set_presence`], the same as
//! the ACX driver's D0Entry/D0Exit): leaving D0 pauses any stream still running (PortCls
//! normally pauses them first) and refuses work with STATUS_DEVICE_POWERED_OFF until D0;
//! D0 lets streams run again. Buffers, events and the cables' rings stay: a stream resumes
//! where it was after the port sends RUN. Surprise removal reaches the same hosts through
//! [`Adapter::surprise_removed`].
//!
//! [`DeviceHost::set_presence`]: cadenza_engine::host::DeviceHost::set_presence

use alloc::vec::Vec;

use cadenza_engine::device::Presence;

use cadenza_engine::platform::Platform;
use cadenza_engine::{Guid, NtStatus};

use crate::com::{IAdapterPowerManagementVtbl, IUnknown};
use crate::device::SharedHost;
use crate::guids::{IID_IAdapterPowerManagement, IID_IUnknown};
use crate::kernel::{DeviceCapabilities, DevicePowerState, PowerState};
use crate::object::{ComClass, ComObject, Interface};

/// The adapter class: the data of a `ComObject<Adapter<P>>`.
pub struct Adapter<P: Platform + 'static> {
    cables: Vec<SharedHost<P>>,
}

impl<P: Platform + 'static> core::fmt::Debug for Adapter<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Adapter")
            .field("cables", &self.cables.len())
            .finish_non_exhaustive()
    }
}

/// The adapter object itself.
type Object<P> = ComObject<Adapter<P>>;

// SAFETY: VTBL's IUnknown slots are `ComObject::UNKNOWN` and its methods take the object;
// there is no secondary interface.
unsafe impl<P: Platform + 'static> ComClass for Adapter<P> {
    type Vtbl = IAdapterPowerManagementVtbl<Object<P>>;
    const VTBL: &'static Self::Vtbl = &IAdapterPowerManagementVtbl {
        base: Object::<P>::UNKNOWN,
        power_change_state: Self::power_change_state,
        query_power_change_state: Self::query_power_change_state,
        query_device_capabilities: Self::query_device_capabilities,
    };

    fn interface(&self, iid: &Guid) -> Option<Interface> {
        [IID_IUnknown, IID_IAdapterPowerManagement]
            .contains(iid)
            .then_some(Interface::Primary)
    }
}

impl<P: Platform + 'static> Adapter<P> {
    /// Creates the adapter object with one reference; returns its `IUnknown`. PASSIVE_LEVEL.
    pub fn create(cables: Vec<SharedHost<P>>) -> *mut IUnknown {
        Object::create(Adapter { cables }).cast()
    }

    /// The cables of an adapter object made by [`Self::create`].
    ///
    /// # Safety
    /// `this` must be a live adapter object of this platform; the slice lives as long as the
    /// caller's reference.
    pub unsafe fn cables<'a>(this: *mut IUnknown) -> &'a [SharedHost<P>] {
        // SAFETY: a live adapter object (contract); shared access only.
        unsafe { &Object::data(this.cast::<Object<P>>()).cables }
    }

    /// # Safety
    /// `this` must be a live adapter object made by [`Self::create`], and the returned
    /// reference must not outlive the caller's reference on it.
    unsafe fn object<'a>(this: *mut Object<P>) -> &'a Self {
        // SAFETY: `this` is a live object made by `Object::create` in `create`, and the
        // reference lives no longer than the caller's (contract); nothing takes a unique
        // reference to an adapter's data, so all of `Object::data`'s contract holds.
        unsafe { Object::data(this) }
    }

    /// PowerChangeState. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live adapter object made by [`Self::create`] (PortCls calls through the
    /// IAdapterPowerManagement pointer it was registered with, holding a reference).
    unsafe extern "system" fn power_change_state(this: *mut Object<P>, new_state: PowerState) {
        // SAFETY: PortCls calls PowerChangeState through the reference it holds on the adapter
        // object it was registered with, so `this` is live and made by `create`; `me` is used
        // only within this call.
        let me = unsafe { Self::object(this) };
        let presence = if new_state.device_state() == DevicePowerState::D0 {
            Presence::Present
        } else {
            Presence::PoweredDown
        };
        for host in &me.cables {
            host.set_presence(presence);
        }
    }

    /// IRP_MN_SURPRISE_REMOVAL (PASSIVE_LEVEL), from the driver's PnP dispatch before
    /// PortCls handles the IRP: every pair's streams freeze for good.
    ///
    /// # Safety
    /// `this` must be a live adapter object of this platform.
    pub unsafe fn surprise_removed(this: *mut IUnknown) {
        // SAFETY: a live adapter object (contract).
        for host in unsafe { Self::cables(this) } {
            host.set_presence(Presence::Removed);
        }
    }

    /// QueryPowerChangeState: every state is fine (nothing to save). PASSIVE_LEVEL.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn query_power_change_state(
        _this: *mut Object<P>,
        _new_state: PowerState,
    ) -> NtStatus {
        NtStatus::SUCCESS
    }

    /// QueryDeviceCapabilities: the bus driver's capabilities stand. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn query_device_capabilities(
        _this: *mut Object<P>,
        _caps: *mut DeviceCapabilities,
    ) -> NtStatus {
        NtStatus::SUCCESS
    }
}
