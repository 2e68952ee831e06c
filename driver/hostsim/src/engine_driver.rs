//! The engine itself as a driver under test: a cable behind a lock, a timer per stream, and
//! events — the smallest adapter there can be. The PortCls and ACX simulators wrap the same
//! engine calls behind their framework's interfaces.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::ops;
use cadenza_engine::format::Format;
use cadenza_engine::format::range::PinCapabilities;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{
    EventHandle, Locked, OneShotTimer, Platform, SpinRawLock, TimerTarget,
};
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats, TimerRequest};
use cadenza_engine::time::Ticks;

use crate::platform::{SimPlatform, SimTimer};
use crate::scenario::{ClientBuffer, DriverUnderTest};

type SharedCable = Locked<SpinRawLock, Cable>;

/// What a timer callback needs: the cable, its direction, its own timer, and a record of
/// what it delivered.
struct StreamContext {
    cable: Arc<SharedCable>,
    platform: SimPlatform,
    direction: Direction,
    timer: Mutex<Option<SimTimer>>,
    event: EventHandle,
    notifications: Mutex<Vec<Ticks>>,
    callbacks: AtomicU64,
}

fn on_timer(context: *const ()) {
    // SAFETY: the context is the `StreamContext` of an `Arc` that `EngineDriver::streams`
    // holds until `close`, which drops this timer before releasing the `Arc`.
    let ctx = unsafe { &*context.cast::<StreamContext>() };
    ctx.callbacks.fetch_add(1, Ordering::Relaxed);
    let now = ctx.platform.now();
    let cable = &ctx.cable;
    let outcome = cable.with(|c| {
        let out = ops::on_timer(c, ctx.direction, now);
        if out.notice.is_some()
            && let Some(s) = c.stream(ctx.direction)
        {
            for e in s.events() {
                ctx.platform.signal(*e);
            }
        }
        out
    });
    if let Some(n) = outcome.notice {
        ctx.notifications
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(n.qpc);
    }
    if let Some(d) = outcome.next_deadline
        && let Some(t) = ctx
            .timer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
    {
        t.arm_at(d, now);
    }
}

/// The engine-level driver: one cable.
pub struct EngineDriver {
    platform: SimPlatform,
    cable: Arc<SharedCable>,
    // `Arc`, not `Box`: a timer holds a raw pointer to its context, and moving a `Box`
    // re-asserts unique ownership of the pointee, invalidating that pointer (Miri's aliasing
    // models reject it); an `Arc` is shared ownership, so moving it changes nothing.
    streams: [Option<Arc<StreamContext>>; 2],
    next_id: u32,
    /// What the configuration lets a stream open, as both adapters' pins check it; `None`
    /// for the unconfigured engine of [`EngineDriver::new`].
    caps: Option<PinCapabilities>,
}

impl std::fmt::Debug for EngineDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineDriver")
    }
}

fn index(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

impl EngineDriver {
    /// The engine without a device configuration: it opens every format the engine can
    /// stream, on a cable whose ring holds half a second of 16-channel float at 192 kHz. For
    /// engine-level tests; a run that stands for a driver uses [`EngineDriver::with_config`].
    pub fn new(platform: SimPlatform) -> Result<EngineDriver, NtStatus> {
        let ring = platform.allocate(Cable::ring_bytes(192_000, 64, 500))?;
        Ok(Self::with_ring(platform, ring, None))
    }

    /// The engine configured as the drivers configure it from `config`: the ring sized as
    /// theirs ([`Cable::ring_bytes_for`]) and only the formats their pins offer
    /// ([`DeviceConfig::pin_capabilities`]) open; any other is refused with the status the
    /// adapters return (STATUS_NO_MATCH).
    pub fn with_config(
        platform: SimPlatform,
        config: &DeviceConfig,
    ) -> Result<EngineDriver, NtStatus> {
        let caps = config.pin_capabilities()?;
        let ring = platform.allocate(Cable::ring_bytes_for(config))?;
        Ok(Self::with_ring(platform, ring, Some(caps)))
    }

    fn with_ring(
        platform: SimPlatform,
        ring: cadenza_engine::platform::DmaBuffer,
        caps: Option<PinCapabilities>,
    ) -> EngineDriver {
        let cable = Arc::new(Locked::new(Cable::new(ring, platform.frequency())));
        EngineDriver {
            platform,
            cable,
            streams: [None, None],
            next_id: 1,
            caps,
        }
    }

    /// Runs `f` on the cable under its lock (tests use it to set gains, read stats).
    pub fn with_cable<R>(&self, f: impl FnOnce(&mut Cable) -> R) -> R {
        self.cable.with(f)
    }

    fn apply_timer(&self, direction: Direction, request: TimerRequest) {
        let Some(ctx) = self.streams[index(direction)].as_ref() else {
            return;
        };
        let timer = ctx
            .timer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = timer.as_ref() {
            match request {
                TimerRequest::Arm(d) => t.arm_at(d, self.platform.now()),
                TimerRequest::Cancel => {
                    t.cancel();
                }
                TimerRequest::None => {}
            }
        }
    }
}

impl Drop for EngineDriver {
    fn drop(&mut self) {
        for d in [Direction::Render, Direction::Capture] {
            let _ = self.close(d);
        }
        let ring = self
            .cable
            .with(|c| std::mem::replace(c, Cable::new(dummy_ring(), self.platform.frequency())));
        self.platform.free(ring.into_ring_memory());
    }
}

/// An empty ring for the cable left behind while the real one is freed.
fn dummy_ring() -> cadenza_engine::platform::DmaBuffer {
    // SAFETY: a dangling, zero-length buffer is never read or written (every access is
    // bounds-checked against length 0).
    unsafe { cadenza_engine::platform::DmaBuffer::from_raw_parts(std::ptr::NonNull::dangling(), 0) }
}

impl DriverUnderTest for EngineDriver {
    fn framework(&self) -> &'static str {
        "engine"
    }

    fn platform(&self) -> &SimPlatform {
        &self.platform
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        if let Some(caps) = &self.caps {
            caps.supports(format)?;
        }
        let id = self.next_id;
        self.next_id += 1;
        let freq = self.platform.frequency();
        self.cable
            .with(|c| ops::open(c, id, direction, *format, freq))
            .map_err(NtStatus::from)
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let packets = PacketCount::from_raw(notifications)?;
        let format = self
            .cable
            .with(|c| c.stream(direction).map(|s| *s.format()))
            .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        let geometry = BufferGeometry::plan(
            &format,
            requested_bytes,
            packets,
            true,
            &BufferLimits::DEFAULT,
        )?;
        // Everything that can fail comes first, so a failure leaves the stream untouched.
        let event = EventHandle::host(0x1000 + index(direction)).ok_or(NtStatus::UNSUCCESSFUL)?;
        let ctx = Arc::new(StreamContext {
            cable: Arc::clone(&self.cable),
            platform: self.platform.clone(),
            direction,
            timer: Mutex::new(None),
            event,
            notifications: Mutex::new(Vec::new()),
            callbacks: AtomicU64::new(0),
        });
        let timer = self.platform.create_timer(TimerTarget {
            callback: on_timer,
            context: Arc::as_ptr(&ctx).cast(),
        })?;
        let memory = self.platform.allocate(geometry.span_bytes() as usize)?;
        let view = ClientBuffer {
            ptr: memory.as_ptr(),
            span: memory.len(),
            geometry,
        };
        if let Err((e, memory)) = self
            .cable
            .with(|c| ops::attach_buffer(c, direction, memory, geometry))
        {
            self.platform.free(memory);
            return Err(e.into());
        }
        if let Err(e) = self
            .cable
            .with(|c| ops::register_event(c, direction, event))
        {
            if let Ok(memory) = self.cable.with(|c| ops::detach_buffer(c, direction)) {
                self.platform.free(memory);
            }
            return Err(e.into());
        }
        *ctx.timer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(timer);
        self.streams[index(direction)] = Some(ctx);
        Ok(view)
    }

    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        let now = self.platform.now();
        let request = self
            .cable
            .with(|c| ops::set_state(c, direction, state, now))?;
        self.apply_timer(direction, request);
        Ok(())
    }

    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        let now = self.platform.now();
        Ok(self.cable.with(|c| ops::position(c, direction, now))?)
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        let now = self.platform.now();
        Ok(self
            .cable
            .with(|c| ops::set_write_packet(c, number, flags, eos_bytes, now))?)
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        let now = self.platform.now();
        Ok(self.cable.with(|c| ops::read_packet(c, now))?)
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        self.streams[index(direction)]
            .as_ref()
            .map_or_else(Vec::new, |ctx| {
                std::mem::take(
                    &mut *ctx
                        .notifications
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                )
            })
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.cable.with(|c| c.stream(direction).map(|s| *s.stats()))
    }

    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        let Some(ctx) = self.streams[index(direction)].take() else {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        };
        // Timer first: after this no callback can reach the context.
        drop(
            ctx.timer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        let now = self.platform.now();
        let _ = self
            .cable
            .with(|c| ops::unregister_event(c, direction, ctx.event));
        if let Some(buffer) = self.cable.with(|c| ops::close(c, direction, now)) {
            self.platform.free(buffer);
        }
        Ok(())
    }
}
