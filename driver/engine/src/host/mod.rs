//! The device host: everything between the engine's [`ops`] and a framework, once, for both
//! adapters and the host simulator's engine driver.
//!
//! A [`DeviceHost`] is one endpoint pair (one cable, tone source or null sink, as the
//! configuration's `DeviceKind` says). It alone consumes the [`DeviceConfig`] for that pair,
//! and it owns:
//!
//! - the DISPATCH_LEVEL lock and the [`VirtualDevice`] behind it (the ring is allocated here
//!   and given back to the platform in `Drop`);
//! - stream ids;
//! - each stream's notification timer: created with the stream, armed and cancelled as the
//!   engine's [`TimerRequest`]s say, and on expiry running [`ops::on_timer`], signalling the
//!   registered events, re-arming for the engine's next deadline and reporting the completed
//!   packet to the framework's [`PacketNotify`] with no lock held;
//! - presence and power, through [`ops::set_presence`], whose timer requests it carries out;
//! - the debug link;
//! - what the driver tells Windows about the pair ([`EndpointFacts`]: friendly name, packet
//!   constraints) and what its pins accept;
//! - the pair's live-status snapshot ([`live_status`](crate::live_status)), the private
//!   property both adapters serve with the same bytes.
//!
//! So an adapter is a table "framework call → host call": it converts arguments and results
//! and keeps nothing but framework handles.
//!
//! # Pinning
//! A timer's callback context is the host's address, so a host with a stream open must not
//! move. The host is `!Unpin` and [`DeviceHost::open_stream`] takes `Pin<&Self>`: the adapters
//! keep their hosts in `Pin<Arc<_>>`.

mod endpoint;

use core::marker::PhantomPinned;
use core::ops::DerefMut;
use core::pin::Pin;

pub use endpoint::{
    AUDIO_SIGNALPROCESSINGMODE_DEFAULT, DEVPKEY_DEVICEINTERFACE_FRIENDLYNAME,
    DEVPKEY_KSAUDIO_PACKETSIZE_CONSTRAINTS2, DEVPROP_TYPE_BINARY, DEVPROP_TYPE_STRING,
    EndpointFacts, FriendlyName, INTERFACE_FRIENDLY_NAME_PID, InterfaceProperty, NAME_UTF16_MAX,
    PACKET_CONSTRAINTS_BYTES, PACKET_SIZE_CONSTRAINTS2_PID, PacketConstraints,
};

use crate::config::{DeviceConfig, DeviceKind};
use crate::device::cable::Cable;
use crate::device::debug_link::DebugLink;
use crate::device::virtual_device::VirtualDevice;
use crate::device::{AudioDevice, Presence, ops};
use crate::format::range::PinCapabilities;
use crate::format::{Channels, Format};
use crate::gain::Gain;
use crate::geometry::BufferGeometry;
use crate::live_status::{self, Reply, Slot, Snapshot};
use crate::platform::{DmaBuffer, EventHandle, Locked, OneShotTimer, Platform, TimerTarget};
use crate::state::KsState;
use crate::status::NtStatus;
use crate::stream::{
    Direction, HwLatency, Position, PresentationPosition, ReadPacket, Stream, StreamError,
    TimerRequest,
};
use crate::time::Ticks;

/// How a framework learns that a packet completed, beyond the events the host signals itself.
/// ACX: AcxRtStreamNotifyPacketComplete. PortCls and the engine driver: nothing more
/// ([`NoPacketNotify`]), the registered events are the notification.
///
/// Called at DISPATCH_LEVEL from the timer, never with a host lock held; the host clones the
/// notifier out under its lock first (so `clone` must not allocate or block).
pub trait PacketNotify: Clone {
    /// Packet `packet` (0-based since the stream left STOP) completed at counter value `qpc`.
    fn packet_complete(&self, packet: u64, qpc: Ticks);
}

/// A framework whose notification is the events the host signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoPacketNotify;

impl PacketNotify for NoPacketNotify {
    fn packet_complete(&self, _packet: u64, _qpc: Ticks) {}
}

/// What the host's lock protects.
struct HostState<S> {
    device: S,
    next_stream_id: u32,
}

/// One stream's timer and notifier.
struct TimerSlot<T, N> {
    timer: Option<T>,
    notify: Option<N>,
}

/// A [`TimerSlot`] behind the platform's lock.
type LockedSlot<P, N> = Locked<<P as Platform>::Lock, TimerSlot<<P as Platform>::Timer, N>>;

/// One endpoint pair. See the module documentation.
///
/// `S` is where the device lives: a `Box<VirtualDevice>` in the drivers (the device is over a
/// kilobyte, so it is never moved through kernel stack frames).
pub struct DeviceHost<P: Platform, N: PacketNotify, S: DerefMut<Target = VirtualDevice>> {
    platform: P,
    index: u8,
    kind: DeviceKind,
    state: Locked<P::Lock, HostState<S>>,
    timers: [LockedSlot<P, N>; 2],
    caps: PinCapabilities,
    /// Whether streams must fit `caps` (always, except in engine-level host tests).
    check_pins: bool,
    channels: Channels,
    facts: EndpointFacts,
    _pinned: PhantomPinned,
}

impl<P: Platform, N: PacketNotify, S: DerefMut<Target = VirtualDevice>> core::fmt::Debug
    for DeviceHost<P, N, S>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceHost")
            .field("index", &self.index)
            .field("kind", &self.kind)
            .field("name", &self.facts.name)
            .finish_non_exhaustive()
    }
}

const fn slot(direction: Direction) -> usize {
    match direction {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

/// Replaces `device` with the device `config` asks for (allocating a cable's ring).
///
/// Out of line on purpose: a `VirtualDevice` is about 1.8 KiB, and unoptimised builds give
/// every temporary its own stack slot, so building it inside [`DeviceHost::new`] beside the
/// host's own values made a frame of more than 4 KiB there (a `__chkstk` probe, which the
/// drivers do not link; found by tools/wdk-check's debug link).
#[inline(never)]
fn build_device<P: Platform>(
    platform: &P,
    config: &DeviceConfig,
    device: &mut VirtualDevice,
) -> Result<(), NtStatus> {
    *device = match config.device_kind() {
        DeviceKind::Cable => {
            let ring = platform.allocate(Cable::ring_bytes_for(config))?;
            VirtualDevice::cable(ring, platform.frequency())
        }
        DeviceKind::Tone => VirtualDevice::tone(config.tone_hz()),
        DeviceKind::Null => VirtualDevice::null(),
    };
    Ok(())
}

/// The refusal for a direction the device kind has no endpoint in.
const NO_PIN: NtStatus = NtStatus::INVALID_DEVICE_REQUEST;

impl<P: Platform, N: PacketNotify, S: DerefMut<Target = VirtualDevice>> DeviceHost<P, N, S> {
    /// Pair `index` (0-based) of `config`, its device built in `storage` (whose content is
    /// replaced), recording to `debug`. Allocates the cable's ring. PASSIVE_LEVEL.
    ///
    /// Statuses: STATUS_INVALID_PARAMETER for an index past the configured count; the
    /// configuration's format error if its pins could offer nothing; the platform's allocation
    /// failure.
    pub fn new(
        platform: P,
        index: u8,
        config: &DeviceConfig,
        mut storage: S,
        debug: Option<DebugLink>,
    ) -> Result<Self, NtStatus> {
        let facts = EndpointFacts::new(config, index).ok_or(NtStatus::INVALID_PARAMETER)?;
        let caps = config.pin_capabilities()?;
        let kind = config.device_kind();
        build_device(&platform, config, &mut storage)?;
        if let Some(link) = debug {
            storage.set_debug_link(link);
        }
        Ok(DeviceHost {
            platform,
            index,
            kind,
            state: Locked::new(HostState {
                device: storage,
                next_stream_id: 1,
            }),
            timers: [Self::empty_slot(), Self::empty_slot()],
            caps,
            check_pins: true,
            channels: config.channels(),
            facts,
            _pinned: PhantomPinned,
        })
    }

    /// A cable over `ring` that opens every format the engine can stream (no pin check),
    /// for engine-level tests on the host; `config` supplies everything else. Never in a
    /// driver.
    #[cfg(feature = "host")]
    pub fn unchecked_cable(
        platform: P,
        config: &DeviceConfig,
        mut storage: S,
        ring: DmaBuffer,
    ) -> Result<Self, NtStatus> {
        let facts = EndpointFacts::new(config, 0).ok_or(NtStatus::INVALID_PARAMETER)?;
        *storage = VirtualDevice::cable(ring, platform.frequency());
        Ok(DeviceHost {
            platform,
            index: 0,
            kind: DeviceKind::Cable,
            state: Locked::new(HostState {
                device: storage,
                next_stream_id: 1,
            }),
            timers: [Self::empty_slot(), Self::empty_slot()],
            caps: config.pin_capabilities()?,
            check_pins: false,
            channels: config.channels(),
            facts,
            _pinned: PhantomPinned,
        })
    }

    fn empty_slot() -> LockedSlot<P, N> {
        Locked::new(TimerSlot {
            timer: None,
            notify: None,
        })
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// 0-based pair number.
    pub const fn index(&self) -> u8 {
        self.index
    }

    pub const fn kind(&self) -> DeviceKind {
        self.kind
    }

    /// Whether the pair has an endpoint in `direction`.
    pub const fn has_endpoint(&self, direction: Direction) -> bool {
        self.kind.has_pin(direction)
    }

    /// What every pin of the pair accepts.
    pub const fn capabilities(&self) -> &PinCapabilities {
        &self.caps
    }

    /// Channels of the endpoints' volume nodes (the configured channel count).
    pub const fn channels(&self) -> Channels {
        self.channels
    }

    /// The friendly name and packet constraints the driver publishes for this pair.
    pub const fn facts(&self) -> &EndpointFacts {
        &self.facts
    }

    /// Runs `f` on the device under the lock (statistics, tests, the debugger). Any IRQL ≤
    /// DISPATCH_LEVEL; keep `f` short, no allocation.
    pub fn with_device<R>(&self, f: impl FnOnce(&mut VirtualDevice) -> R) -> R {
        self.state.with(|s| f(&mut s.device))
    }

    /// Runs `f` on the open `direction` stream under the lock; STATUS_INVALID_DEVICE_STATE
    /// if there is none.
    pub fn with_stream<R>(
        &self,
        direction: Direction,
        f: impl FnOnce(&Stream) -> R,
    ) -> Result<R, NtStatus> {
        self.with_device(|d| d.stream(direction).map(f))
            .ok_or(NtStatus::INVALID_DEVICE_STATE)
    }

    // ---- streams ---------------------------------------------------------------------

    /// Stream creation (NewStream, EvtAcxCircuitCreateStream): checks `format` against the
    /// pins, opens the engine stream in STOP and creates its notification timer, whose
    /// completions go to `notify`. Returns the stream id. PASSIVE_LEVEL.
    ///
    /// Statuses: STATUS_INVALID_DEVICE_REQUEST for a direction the kind has no endpoint in;
    /// STATUS_NO_MATCH for a format outside the pins or at another rate than the open other
    /// side; STATUS_DEVICE_BUSY if the pin has a stream; the engine's presence statuses; a
    /// timer-creation failure as the platform reports it (the stream is closed again).
    pub fn open_stream(
        self: Pin<&Self>,
        direction: Direction,
        format: Format,
        notify: N,
    ) -> Result<u32, NtStatus> {
        let me = self.get_ref();
        if !me.has_endpoint(direction) {
            return Err(NO_PIN);
        }
        if me.check_pins {
            me.caps.supports(&format)?;
        }
        let freq = me.platform.frequency();
        let id = me.state.with(|s| {
            let id = s.next_stream_id;
            ops::open(&mut *s.device, id, direction, format, freq)?;
            s.next_stream_id = id.wrapping_add(1);
            Ok::<u32, StreamError>(id)
        })?;
        let callback = match direction {
            Direction::Render => Self::render_expired as fn(*const ()),
            Direction::Capture => Self::capture_expired,
        };
        let target = TimerTarget {
            callback,
            context: core::ptr::from_ref(me).cast(),
        };
        match me.platform.create_timer(target) {
            Ok(timer) => {
                me.timer_slot(direction).with(|t| {
                    t.timer = Some(timer);
                    t.notify = Some(notify);
                });
                Ok(id)
            }
            Err(e) => {
                let now = me.platform.now();
                // No buffer is attached yet, so nothing comes back to free.
                let _ = me
                    .state
                    .with(|s| ops::close(&mut *s.device, direction, now));
                Err(e)
            }
        }
    }

    /// Replaces the notifier of the `direction` stream (ACX learns its ACXSTREAM handle only
    /// after the stream object exists). PASSIVE_LEVEL.
    pub fn set_notify(&self, direction: Direction, notify: N) {
        self.timer_slot(direction).with(|t| t.notify = Some(notify));
    }

    /// Stream destruction: destroys the timer (waiting for a running expiry), then stops and
    /// closes the engine stream. Returns the buffer that was still attached, for the adapter
    /// to give back the way it got it. PASSIVE_LEVEL.
    pub fn close_stream(&self, direction: Direction) -> Option<DmaBuffer> {
        let timer = self.timer_slot(direction).with(|t| {
            t.notify = None;
            t.timer.take()
        });
        // Dropped with no lock held: destroying a kernel timer waits for its callback, which
        // takes these locks.
        drop(timer);
        let now = self.platform.now();
        self.state
            .with(|s| ops::close(&mut *s.device, direction, now))
    }

    /// SetFormat: the pins' check, then the engine's.
    pub fn set_format(&self, direction: Direction, format: Format) -> Result<(), NtStatus> {
        if self.check_pins {
            self.caps.supports(&format)?;
        }
        Ok(self
            .state
            .with(|s| ops::set_format(&mut *s.device, direction, format))?)
    }

    /// Attaches a buffer the adapter allocated for `geometry`; on refusal it comes back.
    pub fn attach_buffer(
        &self,
        direction: Direction,
        memory: DmaBuffer,
        geometry: BufferGeometry,
    ) -> Result<(), (NtStatus, DmaBuffer)> {
        self.state
            .with(|s| ops::attach_buffer(&mut *s.device, direction, memory, geometry))
            .map_err(|(e, m)| (NtStatus::from(e), m))
    }

    /// Detaches the buffer for freeing (refused while the stream is past STOP).
    pub fn detach_buffer(&self, direction: Direction) -> Result<DmaBuffer, NtStatus> {
        Ok(self
            .state
            .with(|s| ops::detach_buffer(&mut *s.device, direction))?)
    }

    /// SetState (one KS step); the stream's timer follows.
    pub fn set_state(&self, direction: Direction, to: KsState) -> Result<(), NtStatus> {
        let now = self.platform.now();
        self.state.with(|s| {
            let request = ops::set_state(&mut *s.device, direction, to, now)?;
            self.apply(direction, request, now);
            Ok(())
        })
    }

    /// Walks `steps` (one KS step each, from `from`) as one change under one lock hold: if a
    /// step is refused, the steps taken are walked back, so the stream ends where it started,
    /// and the refusal is returned. Already at the last step: success, nothing done. Refused
    /// with STATUS_INVALID_DEVICE_STATE if the stream is elsewhere than `from`, or has no
    /// buffer.
    pub fn set_state_path(
        &self,
        direction: Direction,
        from: KsState,
        steps: &[KsState],
    ) -> Result<(), NtStatus> {
        let Some(&target) = steps.last() else {
            return Ok(());
        };
        let now = self.platform.now();
        self.state.with(|s| {
            let dev = &mut *s.device;
            let (state, has_buffer) = dev
                .stream(direction)
                .map(|st| (st.state(), st.buffer().is_some()))
                .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
            if state == target {
                return Ok(());
            }
            if state != from || !has_buffer {
                return Err(NtStatus::INVALID_DEVICE_STATE);
            }
            for &step in steps {
                match ops::set_state(dev, direction, step, now) {
                    Ok(request) => self.apply(direction, request, now),
                    Err(e) => {
                        let mut at = dev.stream(direction).map_or(from, Stream::state);
                        for _ in 0..KsState::MAX_STEPS {
                            if at == from {
                                break;
                            }
                            at = at.step_towards(from);
                            match ops::set_state(dev, direction, at, now) {
                                Ok(request) => self.apply(direction, request, now),
                                Err(_) => break,
                            }
                        }
                        return Err(e.into());
                    }
                }
            }
            Ok(())
        })
    }

    /// GetPosition.
    pub fn position(&self, direction: Direction) -> Result<Position, NtStatus> {
        let now = self.platform.now();
        Ok(self
            .state
            .with(|s| ops::position(&mut *s.device, direction, now))?)
    }

    /// GetPresentationPosition / GetOutputStreamPresentationPosition.
    pub fn presentation_position(
        &self,
        direction: Direction,
    ) -> Result<PresentationPosition, NtStatus> {
        let now = self.platform.now();
        Ok(self
            .state
            .with(|s| ops::presentation_position(&mut *s.device, direction, now))?)
    }

    /// GetPacketCount / GetCurrentPacket: packets completed since STOP.
    pub fn completed_packets(&self, direction: Direction) -> Result<u64, NtStatus> {
        let now = self.platform.now();
        Ok(self
            .state
            .with(|s| ops::completed_packets(&mut *s.device, direction, now))?)
    }

    /// SetWritePacket / SetRenderPacket.
    pub fn set_write_packet(
        &self,
        number: u32,
        flags: u32,
        eos_bytes: u32,
    ) -> Result<(), NtStatus> {
        let now = self.platform.now();
        Ok(self
            .state
            .with(|s| ops::set_write_packet(&mut *s.device, number, flags, eos_bytes, now))?)
    }

    /// GetReadPacket / GetCapturePacket.
    pub fn read_packet(&self) -> Result<ReadPacket, NtStatus> {
        let now = self.platform.now();
        Ok(self.state.with(|s| ops::read_packet(&mut *s.device, now))?)
    }

    /// RegisterNotificationEvent.
    pub fn register_event(&self, direction: Direction, event: EventHandle) -> Result<(), NtStatus> {
        Ok(self
            .state
            .with(|s| ops::register_event(&mut *s.device, direction, event))?)
    }

    /// UnregisterNotificationEvent.
    pub fn unregister_event(
        &self,
        direction: Direction,
        event: EventHandle,
    ) -> Result<(), NtStatus> {
        Ok(self
            .state
            .with(|s| ops::unregister_event(&mut *s.device, direction, event))?)
    }

    /// GetHWLatency / GetHwLatency.
    pub fn hw_latency(&self, direction: Direction) -> Result<HwLatency, NtStatus> {
        Ok(self
            .state
            .with(|s| ops::hw_latency(&mut *s.device, direction))?)
    }

    // ---- live status ----------------------------------------------------------------------

    /// The pair's live status (see [`live_status`]): both slots read under one lock hold, so
    /// the two records belong to the same instant. No data is moved and no allocation made;
    /// the one thing it changes is that the open streams' level meters run for the next 5 s
    /// ([`crate::level::LevelMeter::arm`]). Any IRQL ≤ DISPATCH_LEVEL.
    pub fn status_snapshot(&self) -> Snapshot {
        let now = self.platform.now();
        let freq = self.platform.frequency();
        self.with_device(|d| {
            // Someone is watching: keep the open streams' meters running (see `level`).
            for direction in [Direction::Render, Direction::Capture] {
                if let Some(s) = d.stream_mut(direction) {
                    s.level_meter_mut().arm();
                }
            }
            let slot = |direction: Direction| {
                if !self.has_endpoint(direction) {
                    return Slot::NoEndpoint;
                }
                d.stream(direction).map_or(Slot::Idle, |s| {
                    Slot::Open(live_status::stream_status(s, now, freq))
                })
            };
            Snapshot {
                render: slot(Direction::Render),
                capture: slot(Direction::Capture),
            }
        })
    }

    /// The live-status property request (`KSPROPSETID_CadenzaStatus`, id `id`), the same for
    /// both adapters: `out` is the caller's whole value buffer. The lock is taken only for a
    /// GET whose buffer fits; see [`live_status::answer`] for the statuses.
    pub fn status_property(&self, id: u32, verb: live_status::Verb, out: &mut [u8]) -> Reply {
        live_status::answer(id, verb, out, || self.status_snapshot())
    }

    // ---- volume and mute ----------------------------------------------------------------

    /// Runs `f` on the `direction` endpoint's gain under the lock; STATUS_INVALID_DEVICE_REQUEST
    /// if the kind has no endpoint there.
    pub fn with_gain<R>(
        &self,
        direction: Direction,
        f: impl FnOnce(&mut Gain) -> R,
    ) -> Result<R, NtStatus> {
        self.with_device(|d| d.gain_mut(direction).map(f))
            .ok_or(NO_PIN)
    }

    /// Sets `channel` (or every channel for `None`) of the `direction` endpoint to `level`
    /// (16.16 dB), clamped into the published range (KSPROPERTY_AUDIO_VOLUMELEVEL: "the
    /// closest available value"); a mute set meanwhile is kept. The dB → linear conversion
    /// runs before the lock is taken; under it only the finished factors are copied in.
    ///
    /// Statuses: STATUS_INVALID_PARAMETER for a channel past the configured count;
    /// STATUS_INVALID_DEVICE_REQUEST for a missing endpoint.
    pub fn set_volume(
        &self,
        direction: Direction,
        channel: Option<u32>,
        level: i32,
    ) -> Result<(), NtStatus> {
        let level = level.clamp(Gain::MIN_LEVEL, Gain::MAX_LEVEL);
        let mut gain = self.with_gain(direction, |g| *g)?;
        match channel {
            Some(c) if c >= u32::from(self.channels.get()) => {
                return Err(NtStatus::INVALID_PARAMETER);
            }
            Some(c) => gain.set_channel_db(c, level)?,
            None => gain.set_all_db(level)?,
        }
        self.with_gain(direction, |g| {
            let muted = g.is_muted();
            gain.set_mute(muted);
            *g = gain;
        })
    }

    /// The level of `channel` of the `direction` endpoint (16.16 dB).
    pub fn volume(&self, direction: Direction, channel: u32) -> Result<i32, NtStatus> {
        if channel >= u32::from(self.channels.get()) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        Ok(self.with_gain(direction, |g| g.channel_db(channel))??)
    }

    pub fn set_mute(&self, direction: Direction, muted: bool) -> Result<(), NtStatus> {
        self.with_gain(direction, |g| g.set_mute(muted))
    }

    pub fn mute(&self, direction: Direction) -> Result<bool, NtStatus> {
        self.with_gain(direction, |g| g.is_muted())
    }

    // ---- power and removal ----------------------------------------------------------------

    /// The device's presence.
    pub fn presence(&self) -> Presence {
        self.with_device(|d| d.presence())
    }

    /// Power transitions and surprise removal, identical in both frameworks (PortCls's
    /// IAdapterPowerManagement::PowerChangeState; ACX's EvtDeviceD0Entry / D0Exit and
    /// EvtDeviceSurpriseRemoval): leaving D0 or being removed freezes every running stream in
    /// PAUSE with its timer cancelled; calls then fail with STATUS_DEVICE_POWERED_OFF or
    /// STATUS_DEVICE_REMOVED, except cleanup. Back in D0 the streams stay paused for their
    /// clients to restart. Removal is final.
    pub fn set_presence(&self, presence: Presence) {
        let now = self.platform.now();
        self.state.with(|s| {
            for (direction, request) in ops::set_presence(&mut *s.device, presence, now) {
                self.apply(direction, request, now);
            }
        });
    }

    // ---- timers ----------------------------------------------------------------------------

    fn timer_slot(&self, direction: Direction) -> &LockedSlot<P, N> {
        // `slot` is 0 or 1.
        &self.timers[slot(direction)]
    }

    /// Carries out a timer request (the timer lock nests inside the device lock).
    fn apply(&self, direction: Direction, request: TimerRequest, now: Ticks) {
        self.timer_slot(direction).with(|t| {
            if let Some(timer) = t.timer.as_ref() {
                match request {
                    TimerRequest::Arm(deadline) => timer.arm_at(deadline, now),
                    TimerRequest::Cancel => {
                        timer.cancel();
                    }
                    TimerRequest::None => {}
                }
            }
        });
    }

    /// The `direction` stream's timer expired (DISPATCH_LEVEL): moves data and notifies as
    /// the engine says, signals the stream's events and re-arms under the lock, then reports
    /// the completed packet to the framework with no lock held.
    fn expired(&self, direction: Direction) {
        let now = self.platform.now();
        let notice = self.state.with(|s| {
            let out = ops::on_timer(&mut *s.device, direction, now);
            if out.notice.is_some()
                && let Some(stream) = s.device.stream(direction)
            {
                for e in stream.events() {
                    self.platform.signal(*e);
                }
            }
            if let Some(deadline) = out.next_deadline {
                self.apply(direction, TimerRequest::Arm(deadline), now);
            }
            out.notice
        });
        if let Some(n) = notice {
            let notify = self.timer_slot(direction).with(|t| t.notify.clone());
            if let Some(notify) = notify {
                notify.packet_complete(n.packet, n.qpc);
            }
        }
    }

    /// The timer callbacks. Their context is the address of the pinned host that created the timer (`open_stream`);
    /// the timer is destroyed — waiting for a running expiry — in `close_stream` or `Drop`
    /// before the host can move or be freed, and only shared references are made.
    fn render_expired(context: *const ()) {
        // SAFETY: the context is the address of the pinned host that created this timer; the
        // timer is destroyed (waiting for this expiry) before the host moves or is freed, so
        // the pointer is valid for the call, and only shared references to the host are made.
        let me = unsafe { &*context.cast::<Self>() };
        me.expired(Direction::Render);
    }

    fn capture_expired(context: *const ()) {
        // SAFETY: the context is the address of the pinned host that created this timer; the
        // timer is destroyed (waiting for this expiry) before the host moves or is freed, so
        // the pointer is valid for the call, and only shared references to the host are made.
        let me = unsafe { &*context.cast::<Self>() };
        me.expired(Direction::Capture);
    }
}

impl<P: Platform, N: PacketNotify, S: DerefMut<Target = VirtualDevice>> Drop
    for DeviceHost<P, N, S>
{
    fn drop(&mut self) {
        // Timers first: once they are gone no callback can reach the host.
        for t in &mut self.timers {
            drop(t.get_mut().timer.take());
        }
        // A stream the adapter did not close is dropped with the device; its buffer handle is
        // the adapter's and is never touched again.
        let device = &mut self.state.get_mut().device;
        if let Some(ring) = device.take_ring_memory() {
            self.platform.free(ring);
        }
    }
}

// Tested through the host simulator's platform: driver/hostsim/tests/device_host.rs.
