//! [`AcxDevice`]: the device behind the ACX circuits — one loopback [`Cable`] per configured
//! cable, each behind the platform's DISPATCH_LEVEL lock — with stream creation
//! (EvtAcxCircuitCreateStream) and the element requests.
//!
//! On Windows one `AcxDevice` lives in the WDFDEVICE's context from EvtDeviceAdd (where the
//! circuits are created) until the device is destroyed; every circuit, element and stream
//! callback reaches it from there.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::ops;
use cadenza_engine::format::Format;
use cadenza_engine::format::parse::parse_data_format;
use cadenza_engine::platform::{Passive, Platform};
use cadenza_engine::status::NtStatus;

use crate::cable::CableCell;
use crate::circuit::{CircuitId, DeviceModel};
use crate::elements;
use crate::names::MAX_CABLES;
use crate::stream::{AcxStream, PacketNotify};

/// The ACX device: its circuit model and its cables.
pub struct AcxDevice<P: Platform> {
    platform: P,
    model: DeviceModel,
    cables: heapless::Vec<Arc<CableCell<P>>, { MAX_CABLES as usize }>,
    next_stream_id: AtomicU32,
}

impl<P: Platform> core::fmt::Debug for AcxDevice<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcxDevice")
            .field("cables", &self.cables.len())
            .finish_non_exhaustive()
    }
}

impl<P: Platform> AcxDevice<P> {
    /// Builds the model for `config` and allocates every cable's ring. PASSIVE_LEVEL
    /// (EvtDeviceAdd). On failure everything allocated so far is freed.
    pub fn new(platform: P, config: &DeviceConfig, _: Passive) -> Result<AcxDevice<P>, NtStatus> {
        let model = DeviceModel::from_config(config)?;
        let ring_bytes = Cable::ring_bytes_for(config);
        let mut cables = heapless::Vec::new();
        for index in 0..model.cables() {
            // Earlier cables are freed by their Drop if this one fails.
            let ring = platform.allocate(ring_bytes)?;
            let mut cable = Box::new(Cable::new(ring, platform.frequency()));
            cable.set_debug_link(crate::debug::link(u32::from(index)));
            let cell = Arc::new(CableCell::new(cable, platform.clone()));
            cables
                .push(cell)
                .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
        }
        Ok(AcxDevice {
            platform,
            model,
            cables,
            next_stream_id: AtomicU32::new(1),
        })
    }

    pub fn model(&self) -> &DeviceModel {
        &self.model
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    fn cable(&self, circuit: CircuitId) -> Result<&Arc<CableCell<P>>, NtStatus> {
        self.cables
            .get(usize::from(circuit.cable()))
            .ok_or(NtStatus::INVALID_PARAMETER)
    }

    /// Runs `f` on cable `cable` under its lock (statistics, tests). `None` if there is no
    /// such cable.
    pub fn with_cable<R>(&self, cable: u8, f: impl FnOnce(&mut Cable) -> R) -> Option<R> {
        self.cables
            .get(usize::from(cable))
            .map(|c| c.lock.with(|boxed| f(boxed)))
    }

    /// EvtAcxCircuitCreateStream: validates the KSDATAFORMAT the stream is created with
    /// (`data_format`, untrusted bytes) against the engine's parser and the circuit's pin, opens
    /// the engine stream on the cable (STOP, no buffer) and creates its notification timer.
    /// PASSIVE_LEVEL.
    ///
    /// Statuses: the parser's (e.g. STATUS_NO_MATCH for a non-audio format), STATUS_NO_MATCH
    /// for a format outside the pin or at another rate than the open other side of the cable,
    /// STATUS_DEVICE_BUSY if the circuit already has a stream, STATUS_INVALID_PARAMETER for a
    /// circuit the device does not have, a timer-creation failure as the platform reports it.
    pub fn create_stream<N: PacketNotify>(
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
    pub fn create_stream_with_format<N: PacketNotify>(
        &self,
        circuit: CircuitId,
        format: Format,
        notify: N,
        passive: Passive,
    ) -> Result<AcxStream<P, N>, NtStatus> {
        let model = self
            .model
            .circuit(circuit)
            .ok_or(NtStatus::INVALID_PARAMETER)?;
        model.accepts(&format)?;
        let cable = self.cable(circuit)?;
        let id = self.next_stream_id.fetch_add(1, Ordering::Relaxed);
        let freq = self.platform.frequency();
        cable
            .lock
            .with(|c| ops::open(&mut **c, id, circuit.direction(), format, freq))?;
        AcxStream::new(
            self.platform.clone(),
            Arc::clone(cable),
            circuit,
            format,
            notify,
            passive,
        )
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
        let cable = self.cable(circuit)?;
        cable
            .lock
            .with(|c| f(c.gain_mut(circuit.direction()), channels))
            .map_err(NtStatus::from)
    }

    /// EvtAcxVolumeAssignLevel (PASSIVE_LEVEL): sets the level the cable applies to this
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

    /// Whether any stream is open on `circuit` (tests and the debugger).
    pub fn has_stream(&self, circuit: CircuitId) -> bool {
        self.with_cable(circuit.cable(), |c| {
            cadenza_engine::device::AudioDevice::stream(c, circuit.direction()).is_some()
        })
        .unwrap_or(false)
    }
}
