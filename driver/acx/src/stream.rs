//! [`AcxStream`]: one ACX RT stream, every callback of ACX_STREAM_CALLBACKS and
//! ACX_RT_STREAM_CALLBACKS mapped onto the pair's engine device host.
//!
//! ## Callback order
//! ACX drives a stream as AllocateRtPackets → PrepareHardware → Run ⇄ Pause → ReleaseHardware →
//! FreeRtPackets. The engine's KS state is the only state: `STOP` without a buffer (created),
//! `STOP` with a buffer (packets allocated), `PAUSE` (hardware prepared), `RUN`. The
//! transitions map onto KS steps as [`AcxTransition::steps`] says. A callback out of that
//! order is refused with STATUS_INVALID_DEVICE_STATE and changes nothing:
//!
//! | callback | allowed from | already there |
//! |---|---|---|
//! | AllocateRtPackets | STOP, no buffer | — (a second call is refused) |
//! | PrepareHardware | STOP with a buffer | PAUSE: success, nothing to do |
//! | Run | PAUSE | RUN: success |
//! | Pause | RUN | PAUSE: success |
//! | ReleaseHardware | PAUSE | STOP: success |
//! | FreeRtPackets | STOP with a buffer | — |
//!
//! Repeating a state change that already happened succeeds (as Microsoft's ACX sample does), so
//! a framework retry is harmless; anything that would skip a state is refused. The engine maps
//! refusals to STATUS_INVALID_DEVICE_STATE for both adapters (the ACX sample uses
//! STATUS_INVALID_STATE_TRANSITION; no ACX page documents a code).
//!
//! ## Packets
//! AllocateRtPackets accepts PacketCount 1 or 2 (STATUS_INVALID_PARAMETER otherwise, the
//! documented valid values) and a PacketSize in whole frames. All packets share **one**
//! page-aligned, page-rounded, zero-filled buffer (the layout the EVT_ACX_STREAM_ALLOCATE_RTPACKETS
//! page allows: the second packet's RtPacketOffset is the first's offset plus its size, its
//! descriptor type WdfMemoryDescriptorTypeInvalid). The client therefore sees one contiguous
//! cyclic buffer, exactly the engine's contiguous geometry, and no kernel memory is exposed in
//! the padding.
//!
//! ## Notifications
//! The pair's engine [`DeviceHost`] owns the stream's one-shot timer (created with the stream,
//! armed for exactly the engine's next packet deadline). On expiry (DISPATCH_LEVEL) the host
//! moves the data and re-arms under its lock, then — with no lock held — reports the completed
//! packet through [`PacketNotify::packet_complete`] (AcxRtStreamNotifyPacketComplete on
//! Windows, which signals the client's events).
//!
//! [`DeviceHost`]: cadenza_engine::host::DeviceHost

use cadenza_engine::format::Format;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
pub use cadenza_engine::host::PacketNotify;
use cadenza_engine::platform::{AtMostDispatch, Passive, Platform};
use cadenza_engine::state::{AcxTransition, KsState};
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, StreamStats};

use crate::PAGE_SIZE;
use crate::circuit::CircuitId;
use crate::host::SharedHost;

/// Where the packets of a stream are: what EvtAcxStreamAllocateRtPackets returns in its
/// ACX_RTPACKET array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtPacketLayout {
    /// Start of the one buffer every packet lives in (page-aligned when the platform's
    /// allocations are, as the kernel's are).
    pub buffer: *mut u8,
    /// Bytes of the buffer: the packets rounded up to whole pages (the MDL's byte count).
    pub buffer_bytes: usize,
    /// PacketCount: 1 or 2.
    pub packet_count: PacketCount,
    /// RtPacketSize of every packet.
    pub packet_bytes: u32,
    /// The engine's layout (contiguous packets).
    pub geometry: BufferGeometry,
}

impl RtPacketLayout {
    /// RtPacketOffset of packet `index` (< `packet_count`) in [`Self::buffer`].
    pub fn offset(&self, index: u32) -> Option<u32> {
        if index < self.packet_count.get() {
            index.checked_mul(self.geometry.stride())
        } else {
            None
        }
    }
}

/// What EvtAcxStreamGetCapturePacket reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturePacket {
    /// LastCapturePacket: the packet number (low 32 bits of the linear packet index).
    pub packet: u32,
    /// QPCPacketStart: the counter value of the packet's first frame.
    pub qpc_start: u64,
    /// MoreData: another complete packet is already waiting.
    pub more_data: bool,
}

/// What EvtAcxStreamGetHwLatency reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwLatencyReport {
    /// FifoSize, bytes.
    pub fifo_bytes: u32,
    /// Delay, 100-ns units (chipset + codec).
    pub delay_hns: u32,
}

/// One ACX RT stream on a circuit. Dropping it (the stream object's cleanup) closes the stream
/// in the host (destroying its timer first) and frees its packets if FreeRtPackets never came.
pub struct AcxStream<P: Platform, N: PacketNotify> {
    host: SharedHost<P, N>,
    circuit: CircuitId,
    format: Format,
    /// A copy of the notifier the host reports to (for a recorder, the same record).
    notify: N,
}

impl<P: Platform, N: PacketNotify> core::fmt::Debug for AcxStream<P, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcxStream")
            .field("circuit", &self.circuit)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl<P: Platform, N: PacketNotify> AcxStream<P, N> {
    /// Wraps a stream the caller already opened in `host`.
    pub(crate) fn new(
        host: SharedHost<P, N>,
        circuit: CircuitId,
        format: Format,
        notify: N,
    ) -> Self {
        AcxStream {
            host,
            circuit,
            format,
            notify,
        }
    }

    pub fn circuit(&self) -> CircuitId {
        self.circuit
    }
    pub fn direction(&self) -> Direction {
        self.circuit.direction()
    }
    /// The format the stream was created with.
    pub fn format(&self) -> Format {
        self.format
    }
    /// Gives the stream's packet completions to `notify` from now on (ACX hands out the
    /// ACXSTREAM only after the stream object exists).
    pub fn set_notify(&mut self, notify: N) {
        self.host.set_notify(self.direction(), notify.clone());
        self.notify = notify;
    }

    /// The stream's notifier (the one given at creation or by [`Self::set_notify`]).
    pub fn notifier(&self) -> &N {
        &self.notify
    }

    fn with_stream<R>(
        &self,
        f: impl FnOnce(&cadenza_engine::stream::Stream) -> R,
    ) -> Result<R, NtStatus> {
        self.host.with_stream(self.direction(), f)
    }

    /// The engine's KS state.
    pub fn state(&self) -> Result<KsState, NtStatus> {
        self.with_stream(cadenza_engine::stream::Stream::state)
    }
    /// The attached packets' layout, if any.
    pub fn geometry(&self) -> Option<BufferGeometry> {
        self.with_stream(|s| s.geometry().copied()).ok().flatten()
    }
    pub fn stats(&self) -> Result<StreamStats, NtStatus> {
        self.with_stream(|s| *s.stats())
    }

    /// EvtAcxStreamAllocateRtPackets (PASSIVE_LEVEL). See the module docs for the layout.
    ///
    /// Statuses: STATUS_INVALID_PARAMETER for a PacketCount other than 1 or 2 or a PacketSize
    /// that is not whole frames; STATUS_INVALID_BUFFER_SIZE for packets under the engine's
    /// minimum; STATUS_INSUFFICIENT_RESOURCES for packets over its maximum or when memory runs
    /// out; STATUS_INVALID_DEVICE_STATE unless the stream is in STOP without packets.
    pub fn allocate_rt_packets(
        &self,
        packet_count: u32,
        packet_size: u32,
        _: Passive,
    ) -> Result<RtPacketLayout, NtStatus> {
        let packets = PacketCount::from_raw(packet_count)?;
        let format = self.with_stream(|s| {
            if s.state() == KsState::Stop && s.buffer().is_none() {
                Ok(*s.format())
            } else {
                Err(NtStatus::INVALID_DEVICE_STATE)
            }
        })??;
        if !packet_size.is_multiple_of(u32::from(format.block_align())) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let geometry =
            BufferGeometry::plan_packets(&format, packet_size, packets, &BufferLimits::DEFAULT, 1)?;
        if geometry.packet_bytes() != packet_size {
            // Clamped to the engine's maximum: ACX needs exactly the size it asked for.
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        let span =
            usize::try_from(geometry.span_bytes()).map_err(|_| NtStatus::INTEGER_OVERFLOW)?;
        let bytes = span
            .checked_next_multiple_of(PAGE_SIZE)
            .ok_or(NtStatus::INTEGER_OVERFLOW)?;
        let mut memory = self.host.platform().allocate(bytes)?;
        // The whole buffer (padding included) is mapped to user mode: never expose old memory.
        if let Some(all) = memory.slice_mut(0, memory.len()) {
            all.fill(0);
        }
        let layout = RtPacketLayout {
            buffer: memory.as_ptr(),
            buffer_bytes: memory.len(),
            packet_count: packets,
            packet_bytes: packet_size,
            geometry,
        };
        // The state was checked above, and only this stream's callbacks (serialised by ACX)
        // change it.
        match self.host.attach_buffer(self.direction(), memory, geometry) {
            Ok(()) => Ok(layout),
            Err((status, memory)) => {
                self.host.platform().free(memory);
                Err(status)
            }
        }
    }

    /// EvtAcxStreamFreeRtPackets (PASSIVE_LEVEL). The DDI returns nothing; a refused call
    /// (STATUS_INVALID_DEVICE_STATE: not in STOP, or no packets) leaves the packets attached, and
    /// they are freed with the stream.
    pub fn free_rt_packets(&self, _: Passive) -> Result<(), NtStatus> {
        if self.state()? != KsState::Stop {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        // Without a buffer the engine refuses too (STATUS_INVALID_DEVICE_STATE).
        let buffer = self.host.detach_buffer(self.direction())?;
        self.host.platform().free(buffer);
        Ok(())
    }

    fn transition(&self, t: AcxTransition) -> Result<(), NtStatus> {
        let (from, steps) = t.steps();
        self.host.set_state_path(self.direction(), from, steps)
    }

    /// EvtAcxStreamPrepareHardware (PASSIVE_LEVEL): STOP → ACQUIRE → PAUSE. Needs packets.
    pub fn prepare_hardware(&self, _: Passive) -> Result<(), NtStatus> {
        self.transition(AcxTransition::PrepareHardware)
    }

    /// EvtAcxStreamRun (PASSIVE_LEVEL): PAUSE → RUN; arms the timer for the next packet.
    pub fn run(&self, _: Passive) -> Result<(), NtStatus> {
        self.transition(AcxTransition::Run)
    }

    /// EvtAcxStreamPause (PASSIVE_LEVEL): RUN → PAUSE; cancels the timer. The position holds.
    pub fn pause(&self, _: Passive) -> Result<(), NtStatus> {
        self.transition(AcxTransition::Pause)
    }

    /// EvtAcxStreamReleaseHardware (PASSIVE_LEVEL): PAUSE → ACQUIRE → STOP; positions and
    /// packet numbers reset.
    pub fn release_hardware(&self, _: Passive) -> Result<(), NtStatus> {
        self.transition(AcxTransition::ReleaseHardware)
    }

    /// EvtAcxStreamGetHwLatency (PASSIVE_LEVEL).
    pub fn get_hw_latency(&self, _: Passive) -> Result<HwLatencyReport, NtStatus> {
        let l = self.host.hw_latency(self.direction())?;
        Ok(HwLatencyReport {
            fifo_bytes: l.fifo_bytes,
            delay_hns: l.chipset_delay_hns.saturating_add(l.codec_delay_hns),
        })
    }

    /// EvtAcxStreamGetCurrentPacket (≤ DISPATCH_LEVEL): the 0-based packet in transfer (its
    /// low 32 bits). STATUS_INVALID_DEVICE_STATE without packets.
    pub fn get_current_packet(&self, _: AtMostDispatch) -> Result<u32, NtStatus> {
        if !self.with_stream(|s| s.buffer().is_some())? {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        let packet = self.host.completed_packets(self.direction())?;
        // The DDI's packet number is 32 bits and wraps.
        #[allow(clippy::cast_possible_truncation)]
        Ok(packet as u32)
    }

    /// EvtAcxStreamSetRenderPacket (PASSIVE_LEVEL): the engine's packet-mode rules —
    /// STATUS_DATA_LATE_ERROR for a packet playing or played, STATUS_DATA_OVERRUN for one past
    /// what the buffer holds, STATUS_INVALID_DEVICE_STATE after end of stream (or on a capture
    /// stream, or without packets), STATUS_INVALID_PARAMETER for unknown flags or an EOS length
    /// over a packet.
    pub fn set_render_packet(
        &self,
        packet: u32,
        flags: u32,
        eos_packet_length: u32,
        _: Passive,
    ) -> Result<(), NtStatus> {
        if self.direction() != Direction::Render {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        self.host.set_write_packet(packet, flags, eos_packet_length)
    }

    /// EvtAcxStreamGetCapturePacket (PASSIVE_LEVEL): the oldest completely captured packet the
    /// client has not read (overwritten ones are skipped and counted), or
    /// STATUS_DEVICE_NOT_READY when none is complete yet.
    pub fn get_capture_packet(&self, _: Passive) -> Result<CapturePacket, NtStatus> {
        if self.direction() != Direction::Capture {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        let p = self.host.read_packet()?;
        Ok(CapturePacket {
            packet: p.number,
            qpc_start: p.qpc.0,
            more_data: p.more_data,
        })
    }

    /// EvtAcxStreamGetPresentationPosition (≤ DISPATCH_LEVEL): PositionInBlocks (frames since
    /// the stream left STOP) and the exact counter value that position was reached at.
    pub fn get_presentation_position(&self, _: AtMostDispatch) -> Result<(u64, u64), NtStatus> {
        let p = self.host.presentation_position(self.direction())?;
        Ok((p.frames, p.qpc.0))
    }
}

impl<P: Platform, N: PacketNotify> Drop for AcxStream<P, N> {
    fn drop(&mut self) {
        // The host destroys the timer first: once it is gone no callback can run.
        if let Some(buffer) = self.host.close_stream(self.direction()) {
            self.host.platform().free(buffer);
        }
    }
}
