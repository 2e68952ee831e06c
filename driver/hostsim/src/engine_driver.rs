//! The engine itself as a driver under test: the engine's device host with nothing in front
//! of it — the smallest adapter there can be. The PortCls and ACX adapters put the same host
//! behind their framework's interfaces.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::Presence;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::virtual_device::VirtualDevice;
use cadenza_engine::format::Format;
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::host::{DeviceHost, PacketNotify};
use cadenza_engine::platform::{EventHandle, Platform};
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::Ticks;

use crate::platform::SimPlatform;
use crate::scenario::{ClientBuffer, DriverUnderTest, Published};

/// Records the counter value of every notification a stream's timer delivered.
#[derive(Clone, Debug, Default)]
pub struct NoteRecorder(Arc<Mutex<Vec<Ticks>>>);

impl NoteRecorder {
    /// Removes and returns the notifications recorded so far.
    pub fn take(&self) -> Vec<Ticks> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl PacketNotify for NoteRecorder {
    fn packet_complete(&self, _packet: u64, qpc: Ticks) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(qpc);
    }
}

/// The engine driver's device host.
pub type EngineHost = DeviceHost<SimPlatform, NoteRecorder, Box<VirtualDevice>>;

/// One open stream: its event and its notification record.
struct OpenStream {
    event: EventHandle,
    notes: NoteRecorder,
}

/// The engine-level driver: one endpoint pair of the engine's device host.
pub struct EngineDriver {
    platform: SimPlatform,
    host: Pin<Box<EngineHost>>,
    streams: [Option<OpenStream>; 2],
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
    /// The engine without a device configuration: a cable that opens every format the engine
    /// can stream, whose ring holds half a second of 16-channel float at 192 kHz. For
    /// engine-level tests; a run that stands for a driver uses [`EngineDriver::with_config`].
    pub fn new(platform: SimPlatform) -> Result<EngineDriver, NtStatus> {
        let ring = platform.allocate(Cable::ring_bytes(192_000, 64, 500))?;
        let host = EngineHost::unchecked_cable(
            platform.clone(),
            &DeviceConfig::default(),
            Box::new(VirtualDevice::null()),
            ring,
        )?;
        Ok(Self::with_host(platform, host))
    }

    /// The engine configured as the drivers configure it from `config`, through the same
    /// device host: pair 0 of `config`, of the configured kind, its ring sized as theirs and
    /// only the formats their pins offer open (others: STATUS_NO_MATCH).
    pub fn with_config(
        platform: SimPlatform,
        config: &DeviceConfig,
    ) -> Result<EngineDriver, NtStatus> {
        let host = EngineHost::new(
            platform.clone(),
            0,
            config,
            Box::new(VirtualDevice::null()),
            None,
        )?;
        Ok(Self::with_host(platform, host))
    }

    fn with_host(platform: SimPlatform, host: EngineHost) -> EngineDriver {
        EngineDriver {
            platform,
            host: Box::pin(host),
            streams: [None, None],
        }
    }

    /// The device host (tests use it to set gains, read stats, change presence).
    pub fn host(&self) -> &EngineHost {
        &self.host
    }

    /// Runs `f` on the cable under its lock (tests use it to set gains, read stats).
    ///
    /// # Panics
    /// If the device is not a cable (`DeviceKind` tone or null): a test asking for a cable
    /// where there is none is a test error.
    pub fn with_cable<R>(&self, f: impl FnOnce(&mut Cable) -> R) -> R {
        self.host.with_device(|d| {
            let cable = d
                .as_cable_mut()
                .expect("EngineDriver::with_cable on a device that is not a cable");
            f(cable)
        })
    }
}

impl Drop for EngineDriver {
    fn drop(&mut self) {
        for d in [Direction::Render, Direction::Capture] {
            let _ = self.close(d);
        }
    }
}

impl DriverUnderTest for EngineDriver {
    fn framework(&self) -> &'static str {
        "engine"
    }

    fn platform(&self) -> &SimPlatform {
        &self.platform
    }

    fn has_endpoint(&self, direction: Direction) -> bool {
        self.host.has_endpoint(direction)
    }

    fn published(&self) -> Published {
        Published::record(&self.host.facts().properties())
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        let notes = NoteRecorder::default();
        self.host
            .as_ref()
            .open_stream(direction, *format, notes.clone())?;
        let event = EventHandle::host(0x1000 + index(direction)).ok_or(NtStatus::UNSUCCESSFUL)?;
        self.streams[index(direction)] = Some(OpenStream { event, notes });
        Ok(())
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let event = self.streams[index(direction)]
            .as_ref()
            .map(|s| s.event)
            .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        let packets = PacketCount::from_raw(notifications)?;
        let format = self.host.with_stream(direction, |s| *s.format())?;
        let geometry = BufferGeometry::plan(
            &format,
            requested_bytes,
            packets,
            true,
            &BufferLimits::DEFAULT,
        )?;
        let memory = self.platform.allocate(geometry.span_bytes() as usize)?;
        let view = ClientBuffer {
            ptr: memory.as_ptr(),
            span: memory.len(),
            geometry,
        };
        if let Err((e, memory)) = self.host.attach_buffer(direction, memory, geometry) {
            self.platform.free(memory);
            return Err(e);
        }
        if let Err(e) = self.host.register_event(direction, event) {
            if let Ok(memory) = self.host.detach_buffer(direction) {
                self.platform.free(memory);
            }
            return Err(e);
        }
        Ok(view)
    }

    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        self.host.set_state(direction, state)
    }

    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        self.host.position(direction)
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        self.host.set_write_packet(number, flags, eos_bytes)
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        self.host.read_packet()
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        self.streams[index(direction)]
            .as_ref()
            .map_or_else(Vec::new, |s| s.notes.take())
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.host.with_stream(direction, |s| *s.stats()).ok()
    }

    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus> {
        self.host.set_presence(presence);
        Ok(())
    }

    fn render_packet_count(&mut self) -> Result<u32, NtStatus> {
        let n = self.host.completed_packets(Direction::Render)?;
        // The DDIs' packet counts are 32 bits and wrap.
        #[allow(clippy::cast_possible_truncation)]
        Ok(n as u32)
    }

    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus> {
        let p = self.host.presentation_position(Direction::Render)?;
        Ok((p.frames, p.qpc))
    }

    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        let Some(stream) = self.streams[index(direction)].take() else {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        };
        let _ = self.host.unregister_event(direction, stream.event);
        if let Some(buffer) = self.host.close_stream(direction) {
            self.platform.free(buffer);
        }
        Ok(())
    }
}
