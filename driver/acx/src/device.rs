//! [`AcxDevice`]: the device behind the ACX circuits — one engine device host per
//! configured endpoint pair (a cable, tone source or null sink, as `DeviceKind` says) — with
//! stream creation (EvtAcxCircuitCreateStream), the element requests and power.
//!
//! On Windows one `AcxDevice` lives in the WDFDEVICE's context from EvtDeviceAdd (where the
//! circuits are created) until the device is destroyed; every circuit, element, stream and
//! power callback reaches it from there.

use alloc::boxed::Box;
use alloc::sync::Arc;

use cadenza_engine::Guid;
use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::Presence;
use cadenza_engine::device::virtual_device::VirtualDevice;
use cadenza_engine::format::Format;
use cadenza_engine::format::parse::parse_data_format;
use cadenza_engine::host::{InterfaceProperty, PacketNotify};
use cadenza_engine::live_status::Reply;
use cadenza_engine::platform::{Passive, Platform};
use cadenza_engine::status::NtStatus;

use crate::circuit::{CircuitId, DeviceModel};
use crate::elements;
use crate::live_status;
use crate::names::MAX_CABLES;
use crate::stream::AcxStream;

pub use crate::host::{AcxHost, SharedHost};

/// The ACX device: its circuit model and its endpoint pairs.
pub struct AcxDevice<P: Platform, N: PacketNotify> {
    platform: P,
    model: DeviceModel,
    hosts: heapless::Vec<SharedHost<P, N>, { MAX_CABLES as usize }>,
}

impl<P: Platform, N: PacketNotify> core::fmt::Debug for AcxDevice<P, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcxDevice")
            .field("pairs", &self.hosts.len())
            .finish_non_exhaustive()
    }
}

/// The storage a host builds its device in (the host replaces the content), boxed in its
/// own out-of-line frame: an unoptimised build keeps the `VirtualDevice` (over 2 KiB) as a
/// stack temporary, and in `AcxDevice::new`'s frame next to the host that would pass a page,
/// which needs `__chkstk` — a symbol the kernel does not export (tools/stack-check.sh).
#[inline(never)]
fn boxed_placeholder() -> Box<VirtualDevice> {
    Box::new(VirtualDevice::null())
}

impl<P: Platform, N: PacketNotify> AcxDevice<P, N> {
    /// Builds the model for `config` and every pair's host (allocating the cables' rings).
    /// PASSIVE_LEVEL (EvtDeviceAdd). On failure everything allocated so far is freed.
    pub fn new(
        platform: P,
        config: &DeviceConfig,
        _: Passive,
    ) -> Result<AcxDevice<P, N>, NtStatus> {
        let model = DeviceModel::from_config(config)?;
        let mut hosts = heapless::Vec::new();
        for index in 0..model.cables() {
            // Earlier hosts free their rings in Drop if this one fails.
            let host = AcxHost::new(
                platform.clone(),
                index,
                config,
                boxed_placeholder(),
                Some(crate::debug::link(u32::from(index))),
            )?;
            hosts
                .push(Arc::pin(host))
                .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
        }
        Ok(AcxDevice {
            platform,
            model,
            hosts,
        })
    }

    pub fn model(&self) -> &DeviceModel {
        &self.model
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// The host of pair `index` (0-based), if configured.
    pub fn host(&self, index: u8) -> Option<&SharedHost<P, N>> {
        self.hosts.get(usize::from(index))
    }

    /// What the driver sets on each circuit of pair `index` right after creating it
    /// (IoSetDeviceInterfacePropertyData on the circuit's KSCATEGORY_AUDIO interface alias):
    /// the friendly name (`CableName`) and the packet-size constraints (`PeriodUs`).
    pub fn interface_properties(&self, index: u8) -> Option<[InterfaceProperty<'_>; 2]> {
        self.host(index).map(|h| h.facts().properties())
    }

    fn host_of(&self, circuit: CircuitId) -> Result<&SharedHost<P, N>, NtStatus> {
        self.host(circuit.cable())
            .ok_or(NtStatus::INVALID_PARAMETER)
    }

    /// EvtAcxCircuitCreateStream: validates the KSDATAFORMAT the stream is created with
    /// (`data_format`, untrusted bytes) against the engine's parser and the circuit's pin, and
    /// opens the stream in the pair's host (STOP, no buffer, its notification timer created).
    /// PASSIVE_LEVEL.
    ///
    /// Statuses: the parser's (e.g. STATUS_NO_MATCH for a non-audio format), STATUS_NO_MATCH
    /// for a format outside the pin or at another rate than the open other side of the cable,
    /// STATUS_DEVICE_BUSY if the circuit already has a stream, STATUS_INVALID_PARAMETER for a
    /// circuit the device does not have, a timer-creation failure as the platform reports it.
    pub fn create_stream(
        &self,
        circuit: CircuitId,
        data_format: &[u8],
        notify: N,
        passive: Passive,
    ) -> Result<AcxStream<P, N>, NtStatus> {
        let format = parse_data_format(data_format)?;
        self.create_stream_with_format(circuit, format, notify, passive)
    }

    /// [`Self::create_stream`] for an already parsed format.
    pub fn create_stream_with_format(
        &self,
        circuit: CircuitId,
        format: Format,
        notify: N,
        _: Passive,
    ) -> Result<AcxStream<P, N>, NtStatus> {
        let model = self
            .model
            .circuit(circuit)
            .ok_or(NtStatus::INVALID_PARAMETER)?;
        model.accepts(&format)?;
        let host = self.host_of(circuit)?;
        host.as_ref()
            .open_stream(circuit.direction(), format, notify.clone())?;
        Ok(AcxStream::new(host.clone(), circuit, format, notify))
    }

    fn with_gain<R>(
        &self,
        circuit: CircuitId,
        f: impl FnOnce(&mut cadenza_engine::gain::Gain, u32) -> Result<R, elements::ElementError>,
    ) -> Result<R, NtStatus> {
        let channels = self
            .model
            .circuit(circuit)
            .map(|m| m.volume.channels)
            .ok_or(NtStatus::INVALID_PARAMETER)?;
        self.host_of(circuit)?
            .with_gain(circuit.direction(), |g| f(g, channels))?
            .map_err(NtStatus::from)
    }

    /// EvtAcxVolumeAssignLevel (PASSIVE_LEVEL): sets the level the device applies to this
    /// circuit's audio. See [`elements`] for the statuses.
    pub fn assign_volume(
        &self,
        circuit: CircuitId,
        channel: u32,
        level: i32,
        _: Passive,
    ) -> Result<(), NtStatus> {
        self.with_gain(circuit, |g, n| {
            elements::assign_volume(g, n, channel, level)
        })
    }

    /// EvtAcxVolumeRetrieveLevel (PASSIVE_LEVEL).
    pub fn retrieve_volume(
        &self,
        circuit: CircuitId,
        channel: u32,
        _: Passive,
    ) -> Result<i32, NtStatus> {
        self.with_gain(circuit, |g, n| elements::retrieve_volume(g, n, channel))
    }

    /// EvtAcxMuteAssignState (PASSIVE_LEVEL).
    pub fn assign_mute(
        &self,
        circuit: CircuitId,
        channel: u32,
        state: u32,
        _: Passive,
    ) -> Result<(), NtStatus> {
        self.with_gain(circuit, |g, _| elements::assign_mute(g, channel, state))
    }

    /// EvtAcxMuteRetrieveState (PASSIVE_LEVEL).
    pub fn retrieve_mute(
        &self,
        circuit: CircuitId,
        channel: u32,
        _: Passive,
    ) -> Result<u32, NtStatus> {
        self.with_gain(circuit, |g, _| elements::retrieve_mute(g, channel))
    }

    /// EvtDeviceD0Entry (Present), EvtDeviceD0Exit (PoweredDown) and
    /// EvtDeviceSurpriseRemoval (Removed), for every pair: see
    /// [`DeviceHost::set_presence`](cadenza_engine::host::DeviceHost::set_presence). PASSIVE_LEVEL.
    pub fn set_presence(&self, presence: Presence, _: Passive) {
        for host in &self.hosts {
            host.set_presence(presence);
        }
    }

    /// The live-status property on `circuit` (EvtAcxObjectProcessRequest of the circuit's
    /// `KSPROPSETID_CadenzaStatus` item): `set`, `id` and `verb` (ACX_PROPERTY_VERB) as the
    /// request's parameters carry them, `value` its whole value buffer. The driver completes
    /// the request with the reply's status and byte count. Any IRQL ≤ DISPATCH_LEVEL; no
    /// allocation.
    ///
    /// Statuses: STATUS_NOT_FOUND for another property set (or an unknown id, from the
    /// engine), STATUS_INVALID_DEVICE_REQUEST for a verb other than GET / SET /
    /// BASICSUPPORT, STATUS_INVALID_PARAMETER for a circuit the device does not have; the
    /// engine's size protocol and SET refusal
    /// ([`live_status::answer`](cadenza_engine::live_status::answer)).
    pub fn status_property(
        &self,
        circuit: CircuitId,
        set: &Guid,
        id: u32,
        verb: u32,
        value: &mut [u8],
    ) -> Reply {
        if !live_status::is_status_set(set) {
            return live_status::refuse(NtStatus::NOT_FOUND);
        }
        let verb = match live_status::verb_from_acx(verb) {
            Ok(v) => v,
            Err(e) => return live_status::refuse(e),
        };
        match self.host_of(circuit) {
            Ok(host) => host.status_property(id, verb, value),
            Err(e) => live_status::refuse(e),
        }
    }

    /// Whether any stream is open on `circuit` (tests and the debugger).
    pub fn has_stream(&self, circuit: CircuitId) -> bool {
        self.host_of(circuit)
            .is_ok_and(|h| h.with_stream(circuit.direction(), |_| ()).is_ok())
    }
}
