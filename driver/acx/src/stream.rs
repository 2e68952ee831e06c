//! [`AcxStream`]: one ACX RT stream, every callback of ACX_STREAM_CALLBACKS and
//! ACX_RT_STREAM_CALLBACKS mapped onto the engine's [`ops`].
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
//! A one-shot timer per stream, created with the stream, armed for exactly the engine's next
//! packet deadline. Its callback (DISPATCH_LEVEL) runs [`ops::on_timer`] and re-arms under the
//! device lock, then — after releasing the lock — reports the completed packet through
//! [`PacketNotify::packet_complete`] (AcxRtStreamNotifyPacketComplete on Windows, which signals
//! the client's events).

use alloc::boxed::Box;
use alloc::sync::Arc;

use cadenza_engine::device::{AudioDevice, ops};
use cadenza_engine::format::Format;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{
    AtMostDispatch, Locked, OneShotTimer, Passive, Platform, TimerTarget,
};
use cadenza_engine::state::{AcxTransition, KsState};
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, StreamStats, TimerRequest};
use cadenza_engine::time::Ticks;

use crate::PAGE_SIZE;
use crate::cable::CableCell;
use crate::circuit::CircuitId;

/// The framework's packet-completion hook.
pub trait PacketNotify {
    /// AcxRtStreamNotifyPacketComplete(stream, `packet`, `qpc`): packet `packet` (0-based since
    /// the stream left STOP) completed at counter value `qpc`. Called at DISPATCH_LEVEL from
    /// the timer, never with the device lock held.
    fn packet_complete(&self, packet: u64, qpc: Ticks);
}

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

/// The part of a stream its timer callback reaches: it must not move while the timer exists,
/// so it lives in a `Box`.
struct StreamCore<P: Platform, N> {
    platform: P,
    cable: Arc<CableCell<P>>,
    direction: Direction,
    notify: N,
    /// The notification timer. Behind its own lock (taken inside the cable lock when arming)
    /// so that the stream can take it out through `&self` and drop it — which waits for a
    /// running expiry in the kernel — while a callback may still hold `&StreamCore`.
    timer: Locked<P::Lock, Option<P::Timer>>,
}

impl<P: Platform, N: PacketNotify> StreamCore<P, N> {
    fn apply_timer(&self, request: TimerRequest, now: Ticks) {
        self.timer.with(|t| {
            if let Some(t) = t.as_ref() {
                match request {
                    TimerRequest::Arm(deadline) => t.arm_at(deadline, now),
                    TimerRequest::Cancel => {
                        t.cancel();
                    }
                    TimerRequest::None => {}
                }
            }
        });
    }

    /// The timer expired (DISPATCH_LEVEL).
    fn on_timer(&self) {
        let now = self.platform.now();
        let notice = self.cable.lock.with(|c| {
            let out = ops::on_timer(&mut **c, self.direction, now);
            if let Some(deadline) = out.next_deadline {
                self.apply_timer(TimerRequest::Arm(deadline), now);
            }
            out.notice
        });
        if let Some(n) = notice {
            self.notify.packet_complete(n.packet, n.qpc);
        }
    }
}

/// The timer's callback: `context` is the stream's `StreamCore`.
fn timer_expired<P: Platform, N: PacketNotify>(context: *const ()) {
    // SAFETY: `context` is the address of the boxed `StreamCore<P, N>` the timer was created
    // for (`AcxStream::new`); the box outlives the timer, which `AcxStream::drop` destroys
    // (waiting for a running expiry) before the box is freed. Only shared references are made.
    let core = unsafe { &*context.cast::<StreamCore<P, N>>() };
    core.on_timer();
}

/// One ACX RT stream on a circuit. Dropping it (the stream object's cleanup) stops the stream,
/// destroys its timer and frees its packets if FreeRtPackets never came.
pub struct AcxStream<P: Platform, N: PacketNotify> {
    core: Box<StreamCore<P, N>>,
    circuit: CircuitId,
    format: Format,
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
    /// Wraps a stream the caller already opened on the cable; creates its timer. On failure
    /// the engine stream is closed again.
    pub(crate) fn new(
        platform: P,
        cable: Arc<CableCell<P>>,
        circuit: CircuitId,
        format: Format,
        notify: N,
        _: Passive,
    ) -> Result<AcxStream<P, N>, NtStatus> {
        let mut core = Box::new(StreamCore {
            platform,
            cable,
            direction: circuit.direction(),
            notify,
            timer: Locked::new(None),
        });
        let target = TimerTarget {
            callback: timer_expired::<P, N>,
            context: (&raw const *core).cast(),
        };
        match core.platform.create_timer(target) {
            Ok(timer) => {
                // Nothing can call back before the timer is first armed, so the box is still
                // exclusively ours here.
                *core.timer.get_mut() = Some(timer);
            }
            Err(status) => {
                let now = core.platform.now();
                if let Some(buffer) = core
                    .cable
                    .lock
                    .with(|c| ops::close(&mut **c, circuit.direction(), now))
                {
                    core.platform.free(buffer);
                }
                return Err(status);
            }
        }
        Ok(AcxStream {
            core,
            circuit,
            format,
        })
    }

    pub fn circuit(&self) -> CircuitId {
        self.circuit
    }
    pub fn direction(&self) -> Direction {
        self.core.direction
    }
    /// The format the stream was created with.
    pub fn format(&self) -> Format {
        self.format
    }
    pub fn notifier(&self) -> &N {
        &self.core.notify
    }

    fn with_stream<R>(
        &self,
        f: impl FnOnce(&cadenza_engine::stream::Stream) -> R,
    ) -> Result<R, NtStatus> {
        self.core.cable.lock.with(|c| {
            c.stream(self.core.direction)
                .map(f)
                .ok_or(NtStatus::INVALID_DEVICE_STATE)
        })
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
        let mut memory = self.core.platform.allocate(bytes)?;
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
        let attached = self.core.cable.lock.with(|c| {
            let ok = c
                .stream(self.core.direction)
                .is_some_and(|s| s.state() == KsState::Stop);
            if ok {
                ops::attach_buffer(&mut **c, self.core.direction, memory, geometry)
                    .map_err(|(e, m)| (NtStatus::from(e), m))
            } else {
                Err((NtStatus::INVALID_DEVICE_STATE, memory))
            }
        });
        match attached {
            Ok(()) => Ok(layout),
            Err((status, memory)) => {
                self.core.platform.free(memory);
                Err(status)
            }
        }
    }

    /// EvtAcxStreamFreeRtPackets (PASSIVE_LEVEL). The DDI returns nothing; a refused call
    /// (STATUS_INVALID_DEVICE_STATE: not in STOP, or no packets) leaves the packets attached, and
    /// they are freed with the stream.
    pub fn free_rt_packets(&self, _: Passive) -> Result<(), NtStatus> {
        let buffer = self.core.cable.lock.with(|c| {
            match c
                .stream(self.core.direction)
                .map(cadenza_engine::stream::Stream::state)
            {
                Some(KsState::Stop) => {
                    ops::detach_buffer(&mut **c, self.core.direction).map_err(NtStatus::from)
                }
                _ => Err(NtStatus::INVALID_DEVICE_STATE),
            }
        })?;
        self.core.platform.free(buffer);
        Ok(())
    }

    fn transition(&self, t: AcxTransition) -> Result<(), NtStatus> {
        let (from, steps) = t.steps();
        let Some(&target) = steps.last() else {
            return Ok(());
        };
        let now = self.core.platform.now();
        let d = self.core.direction;
        self.core.cable.lock.with(|c| {
            let (state, has_buffer) = c
                .stream(d)
                .map(|s| (s.state(), s.buffer().is_some()))
                .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
            if state == target {
                return Ok(());
            }
            if state != from || !has_buffer {
                return Err(NtStatus::INVALID_DEVICE_STATE);
            }
            for &step in steps {
                match ops::set_state(&mut **c, d, step, now) {
                    Ok(request) => self.core.apply_timer(request, now),
                    Err(e) => {
                        // Walk back so a refused callback changes nothing.
                        let mut s = c
                            .stream(d)
                            .map_or(from, cadenza_engine::stream::Stream::state);
                        while s != from {
                            s = s.step_towards(from);
                            if let Ok(request) = ops::set_state(&mut **c, d, s, now) {
                                self.core.apply_timer(request, now);
                            } else {
                                break;
                            }
                        }
                        return Err(NtStatus::from(e));
                    }
                }
            }
            Ok(())
        })
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
        let l = self
            .core
            .cable
            .lock
            .with(|c| ops::hw_latency(&mut **c, self.core.direction))?;
        Ok(HwLatencyReport {
            fifo_bytes: l.fifo_bytes,
            delay_hns: l.chipset_delay_hns.saturating_add(l.codec_delay_hns),
        })
    }

    /// EvtAcxStreamGetCurrentPacket (≤ DISPATCH_LEVEL): the 0-based packet in transfer (its
    /// low 32 bits). STATUS_INVALID_DEVICE_STATE without packets.
    pub fn get_current_packet(&self, _: AtMostDispatch) -> Result<u32, NtStatus> {
        let now = self.core.platform.now();
        let d = self.core.direction;
        let packet = self.core.cable.lock.with(|c| {
            if c.stream(d).is_some_and(|s| s.buffer().is_some()) {
                ops::completed_packets(&mut **c, d, now).map_err(NtStatus::from)
            } else {
                Err(NtStatus::INVALID_DEVICE_STATE)
            }
        })?;
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
        if self.core.direction != Direction::Render {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        let now = self.core.platform.now();
        Ok(self
            .core
            .cable
            .lock
            .with(|c| ops::set_write_packet(&mut **c, packet, flags, eos_packet_length, now))?)
    }

    /// EvtAcxStreamGetCapturePacket (PASSIVE_LEVEL): the oldest completely captured packet the
    /// client has not read (overwritten ones are skipped and counted), or
    /// STATUS_DEVICE_NOT_READY when none is complete yet.
    pub fn get_capture_packet(&self, _: Passive) -> Result<CapturePacket, NtStatus> {
        if self.core.direction != Direction::Capture {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        let now = self.core.platform.now();
        let p = self
            .core
            .cable
            .lock
            .with(|c| ops::read_packet(&mut **c, now))?;
        Ok(CapturePacket {
            packet: p.number,
            qpc_start: p.qpc.0,
            more_data: p.more_data,
        })
    }

    /// EvtAcxStreamGetPresentationPosition (≤ DISPATCH_LEVEL): PositionInBlocks (frames since
    /// the stream left STOP) and the exact counter value that position was reached at.
    pub fn get_presentation_position(&self, _: AtMostDispatch) -> Result<(u64, u64), NtStatus> {
        let now = self.core.platform.now();
        let p = self
            .core
            .cable
            .lock
            .with(|c| ops::presentation_position(&mut **c, self.core.direction, now))?;
        Ok((p.frames, p.qpc.0))
    }
}

impl<P: Platform, N: PacketNotify> Drop for AcxStream<P, N> {
    fn drop(&mut self) {
        // The timer first: once it is gone no callback can reach the core.
        let timer = self.core.timer.with(Option::take);
        drop(timer);
        let now = self.core.platform.now();
        let d = self.core.direction;
        if let Some(buffer) = self.core.cable.lock.with(|c| ops::close(&mut **c, d, now)) {
            self.core.platform.free(buffer);
        }
    }
}
