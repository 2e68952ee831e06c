//! The stream operations both adapters call, in terms of [`AudioDevice`].
//!
//! Each function is what one DDI does to the engine; the adapter's job is only to convert
//! arguments and results. Each runs with the device lock held (the adapter wraps the call in
//! [`crate::platform::Locked::with`]) and never allocates, blocks or panics.

use super::debug_link::Op;
use super::{AudioDevice, Presence};
use crate::format::Format;
use crate::geometry::BufferGeometry;
use crate::platform::{DmaBuffer, EventHandle};
use crate::state::KsState;
use crate::stream::{
    Direction, HwLatency, Position, PresentationPosition, ReadPacket, Stream, StreamError,
    TimerOutcome, TimerRequest,
};
use crate::time::{CounterFrequency, Ticks};
use crate::trace::TraceKind;

fn stream<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
) -> Result<&mut Stream, StreamError> {
    present(dev)?;
    dev.stream_mut(direction).ok_or(StreamError::WrongState)
}

/// Refuses work on a device that is powered down or gone.
fn present<D: AudioDevice + ?Sized>(dev: &D) -> Result<(), StreamError> {
    match dev.presence() {
        Presence::Present => Ok(()),
        Presence::PoweredDown => Err(StreamError::PoweredDown),
        Presence::Removed => Err(StreamError::DeviceGone),
    }
}

/// Power transitions and surprise removal (IAdapterPowerManagement::PowerChangeState,
/// EvtDeviceD0Exit, IRP_MN_SURPRISE_REMOVAL). Leaving `Present` first brings the data path up
/// to `now`, then freezes every running stream where it is (as a DMA engine losing power
/// stops) and asks for its timer to be cancelled; returning to `Present` from a power-down
/// leaves the streams paused for their clients to restart. Removal is final.
///
/// Returns, per direction, the timer request the adapter must carry out.
pub fn set_presence<D: AudioDevice + ?Sized>(
    dev: &mut D,
    presence: Presence,
    now: Ticks,
) -> [(Direction, TimerRequest); 2] {
    let mut requests = [
        (Direction::Render, TimerRequest::None),
        (Direction::Capture, TimerRequest::None),
    ];
    if dev.presence() == Presence::Removed || dev.presence() == presence {
        return requests;
    }
    if presence != Presence::Present {
        dev.sync(now);
        for (direction, request) in &mut requests {
            if let Some(s) = dev.stream_mut(*direction)
                && s.state() == KsState::Run
                && s.set_state(KsState::Pause, now).is_ok()
            {
                *request = TimerRequest::Cancel;
                dev.state_changed(*direction, KsState::Pause, now);
            }
        }
    }
    if let Some(link) = dev.debug_link() {
        let (kind, args) = match presence {
            Presence::Removed => (TraceKind::DeviceRemoved, [0; 4]),
            Presence::PoweredDown => (TraceKind::Power, [3, 0, 0, 0]),
            Presence::Present => (TraceKind::Power, [0; 4]),
        };
        link.record(now, 0, kind, args);
    }
    dev.store_presence(presence);
    requests
}

/// NewStream / circuit stream creation: a new stream in STOP on the pin.
pub fn open<D: AudioDevice + ?Sized>(
    dev: &mut D,
    id: u32,
    direction: Direction,
    format: Format,
    freq: CounterFrequency,
) -> Result<(), StreamError> {
    present(dev)?;
    if !dev.has_pin(direction) {
        return Err(StreamError::WrongState);
    }
    dev.check_format(direction, &format)?;
    let s = dev.new_stream(id, direction, format, freq);
    dev.install(s)?;
    if let Some(link) = dev.debug_link() {
        // Stream creation runs on no timeline: its records carry counter value 0.
        let args = [
            u64::from(crate::debug_registry::direction_code(direction)),
            u64::from(format.rate().hz()),
            u64::from(format.channels().get()),
            u64::from(crate::debug_registry::sample_type_code(format.sample())),
        ];
        link.record(Ticks::ZERO, id, TraceKind::StreamCreated, args);
    }
    Ok(())
}

/// Stream destruction: stops the stream if needed and hands back its buffer for freeing.
pub fn close<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    now: Ticks,
) -> Option<DmaBuffer> {
    dev.sync(now);
    let link = dev.debug_link().copied();
    let mut s = dev.remove(direction)?;
    for _ in 0..KsState::MAX_STEPS {
        if s.state() == KsState::Stop {
            break;
        }
        let next = s.state().step_towards(KsState::Stop);
        if s.set_state(next, now).is_err() {
            break;
        }
    }
    if let Some(link) = link {
        link.record(now, s.id(), TraceKind::StreamDestroyed, [0; 4]);
        let _ = link.table.retire(link.cable, s.id());
    }
    s.detach_buffer().ok()
}

/// SetFormat.
pub fn set_format<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    format: Format,
) -> Result<(), StreamError> {
    present(dev)?;
    dev.check_format(direction, &format)?;
    stream(dev, direction)?.set_format(format)
}

/// Attaches a buffer the adapter allocated for `geometry`.
pub fn attach_buffer<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    memory: DmaBuffer,
    geometry: BufferGeometry,
) -> Result<(), (StreamError, DmaBuffer)> {
    if let Err(e) = present(dev) {
        return Err((e, memory));
    }
    let link = dev.debug_link().copied();
    let Some(s) = dev.stream_mut(direction) else {
        return Err((StreamError::WrongState, memory));
    };
    s.attach_buffer(memory, geometry)?;
    if let Some(link) = link {
        let args = [
            u64::from(geometry.span_bytes()),
            u64::from(geometry.packet_frames()),
            u64::from(geometry.packets().get()),
            u64::from(geometry.stride()),
        ];
        link.record(Ticks::ZERO, s.id(), TraceKind::BufferAllocated, args);
    }
    Ok(())
}

/// Detaches the buffer for freeing. Works whatever the presence: cleanup must always work.
pub fn detach_buffer<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
) -> Result<DmaBuffer, StreamError> {
    let link = dev.debug_link().copied();
    let s = stream_any(dev, direction)?;
    let memory = s.detach_buffer()?;
    if let Some(link) = link {
        link.record(
            Ticks::ZERO,
            s.id(),
            TraceKind::BufferFreed,
            [memory.len() as u64, 0, 0, 0],
        );
    }
    Ok(memory)
}

/// SetState (one KS step).
pub fn set_state<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    to: KsState,
    now: Ticks,
) -> Result<TimerRequest, StreamError> {
    // Stepping down (towards STOP) is cleanup and always allowed; stepping up needs a
    // present, powered device.
    let s = dev.stream_mut(direction).ok_or(StreamError::WrongState)?;
    if to > s.state() {
        present(dev)?;
    }
    dev.sync(now);
    let link = dev.debug_link().copied();
    let s = stream_any(dev, direction)?;
    let from = s.state();
    match s.set_state(to, now) {
        Ok(request) => {
            if let Some(link) = link {
                let args = [u64::from(from.raw()), u64::from(to.raw()), 0, 0];
                link.record(now, s.id(), TraceKind::StateChange, args);
                link.publish(s, now);
            }
            dev.state_changed(direction, to, now);
            Ok(request)
        }
        Err(e) => {
            if let Some(link) = link {
                link.error(now, s.id(), e.into(), Op::SetState);
            }
            Err(e)
        }
    }
}

fn stream_any<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
) -> Result<&mut Stream, StreamError> {
    dev.stream_mut(direction).ok_or(StreamError::WrongState)
}

/// The notification timer fired (DPC).
pub fn on_timer<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    now: Ticks,
) -> TimerOutcome {
    dev.sync(now);
    let link = dev.debug_link().copied();
    let Some(s) = dev.stream_mut(direction) else {
        return TimerOutcome::default();
    };
    let before = *s.stats();
    let outcome = s.on_timer(now);
    if let Some(link) = link {
        if let Some(n) = outcome.notice {
            link.record(
                now,
                s.id(),
                TraceKind::Notification,
                [n.packet, n.qpc.get(), 0, 0],
            );
        }
        link.stats_changed(s, &before, now);
    }
    outcome
}

/// GetPosition.
pub fn position<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    now: Ticks,
) -> Result<Position, StreamError> {
    dev.sync(now);
    Ok(stream(dev, direction)?.position(now))
}

/// GetPresentationPosition / GetOutputStreamPresentationPosition.
pub fn presentation_position<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    now: Ticks,
) -> Result<PresentationPosition, StreamError> {
    dev.sync(now);
    Ok(stream(dev, direction)?.presentation_position(now))
}

/// GetPacketCount / GetCurrentPacket.
pub fn completed_packets<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    now: Ticks,
) -> Result<u64, StreamError> {
    dev.sync(now);
    Ok(stream(dev, direction)?.completed_packets(now))
}

/// SetWritePacket / SetRenderPacket.
pub fn set_write_packet<D: AudioDevice + ?Sized>(
    dev: &mut D,
    number: u32,
    flags: u32,
    eos_bytes: u32,
    now: Ticks,
) -> Result<(), StreamError> {
    dev.sync(now);
    let link = dev.debug_link().copied();
    let s = stream(dev, Direction::Render)?;
    let result = s.set_write_packet(number, flags, eos_bytes, now);
    if let Some(link) = link {
        match result {
            Ok(()) => {
                let args = [u64::from(number), u64::from(flags), u64::from(eos_bytes), 0];
                link.record(now, s.id(), TraceKind::PacketWritten, args);
            }
            Err(e) => link.error(now, s.id(), e.into(), Op::WritePacket),
        }
    }
    result
}

/// GetReadPacket / GetCapturePacket.
pub fn read_packet<D: AudioDevice + ?Sized>(
    dev: &mut D,
    now: Ticks,
) -> Result<ReadPacket, StreamError> {
    dev.sync(now);
    let link = dev.debug_link().copied();
    let s = stream(dev, Direction::Capture)?;
    let before = *s.stats();
    let result = s.read_packet(now);
    if let (Some(link), Ok(p)) = (link, result) {
        let args = [u64::from(p.number), p.qpc.get(), u64::from(p.more_data), 0];
        link.record(now, s.id(), TraceKind::PacketRead, args);
        link.stats_changed(s, &before, now);
    }
    result
}

/// RegisterNotificationEvent.
pub fn register_event<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    event: EventHandle,
) -> Result<(), StreamError> {
    let link = dev.debug_link().copied();
    let s = stream(dev, direction)?;
    s.register_event(event)?;
    if let Some(link) = link {
        link.record(
            Ticks::ZERO,
            s.id(),
            TraceKind::EventRegistered,
            [event.raw() as u64, 0, 0, 0],
        );
    }
    Ok(())
}

/// UnregisterNotificationEvent. Works whatever the presence: cleanup must always work.
pub fn unregister_event<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
    event: EventHandle,
) -> Result<(), StreamError> {
    let link = dev.debug_link().copied();
    let s = stream_any(dev, direction)?;
    s.unregister_event(event)?;
    if let Some(link) = link {
        link.record(
            Ticks::ZERO,
            s.id(),
            TraceKind::EventUnregistered,
            [event.raw() as u64, 0, 0, 0],
        );
    }
    Ok(())
}

/// GetHWLatency / GetHwLatency.
pub fn hw_latency<D: AudioDevice + ?Sized>(
    dev: &mut D,
    direction: Direction,
) -> Result<HwLatency, StreamError> {
    Ok(stream(dev, direction)?.hw_latency())
}
