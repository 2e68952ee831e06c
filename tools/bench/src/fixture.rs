//! Cables and streams set up as an adapter sets them up, for measuring.
//!
//! Memory comes from [`SimPlatform`] (heap memory standing in for non-paged memory) and is
//! handed back when a fixture is dropped. Nothing here runs inside a measurement except the
//! engine calls the experiments time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::device::ops;
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{
    DmaBuffer, EventHandle, OneShotTimer, Platform, SpinRawLock, TimerTarget,
};
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::{CounterFrequency, Ticks, frames_to_ticks_ceil};
use cadenza_hostsim::SimPlatform;

/// Milliseconds of the widest frame the adapters give a cable's ring.
pub use cadenza_engine::device::cable::RING_MILLIS;

/// A format from its parts; panics on an invalid one (bench set-up only).
pub fn format(sample: SampleType, channels: u16, rate: u32) -> Format {
    Format::new(
        sample,
        Channels::new(channels).expect("valid channel count"),
        SampleRate::new(rate).expect("valid rate"),
    )
}

/// Packet frames for a period in microseconds, as a client's request turns into one
/// (`rate × period`, rounded down to whole frames).
pub fn packet_frames(rate: u32, period_us: u32) -> u32 {
    (u64::from(rate) * u64::from(period_us) / 1_000_000) as u32
}

/// Pseudo-random audio-like bytes (a deterministic LCG), so that no copy or conversion sees
/// constant data.
pub fn noise(bytes: &mut [u8], seed: u64) {
    let mut s = seed | 1;
    for chunk in bytes.chunks_mut(8) {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let v = s.to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

/// One side of a cable to open.
#[derive(Clone, Copy, Debug)]
pub struct SideSpec {
    pub format: Format,
    pub packet_frames: u32,
    pub packets: PacketCount,
}

/// The ring the adapters give a cable offering these sides' formats: [`RING_MILLIS`] of the
/// widest frame (4-byte containers) at the highest rate.
fn ring_bytes_for(sides: &[Option<SideSpec>]) -> usize {
    let rate = sides
        .iter()
        .flatten()
        .map(|s| s.format.rate().hz())
        .max()
        .unwrap_or(48_000);
    let channels = sides
        .iter()
        .flatten()
        .map(|s| s.format.channels().get())
        .max()
        .unwrap_or(2);
    Cable::ring_bytes(rate, channels * 4, RING_MILLIS)
}

/// A cable with its streams, set up before RUN: buffers attached, one event registered per
/// stream. Dropping it closes the streams and frees every buffer.
#[derive(Debug)]
pub struct CableFixture {
    platform: SimPlatform,
    pub cable: Cable,
    pub freq: CounterFrequency,
    pub render: Option<SideSpec>,
    pub capture: Option<SideSpec>,
}

impl CableFixture {
    /// A cable whose ring is sized as the adapters size it for a configuration offering these
    /// formats (500 ms of the widest frame, 4-byte containers), with the given sides open.
    pub fn new(render: Option<SideSpec>, capture: Option<SideSpec>) -> CableFixture {
        let platform = SimPlatform::new(1);
        let freq = platform.frequency();
        let mut ring = platform
            .allocate(ring_bytes_for(&[render, capture]))
            .expect("ring memory");
        // Fault every page in now (the simulator's memory is mapped lazily, a kernel's
        // non-paged pool is not), so that no timed sync pays for a first touch.
        if let Some(bytes) = ring.slice_mut(0, ring.len()) {
            bytes.fill(0);
        }
        let mut cable = Cable::new(ring, freq);
        for (direction, side) in [(Direction::Render, render), (Direction::Capture, capture)] {
            let Some(side) = side else { continue };
            let id = if direction == Direction::Render { 1 } else { 2 };
            ops::open(&mut cable, id, direction, side.format, freq).expect("open");
            let block = u32::from(side.format.block_align());
            let geometry = BufferGeometry::plan(
                &side.format,
                side.packet_frames * block * side.packets.get(),
                side.packets,
                true,
                &BufferLimits::DEFAULT,
            )
            .expect("buffer geometry");
            let mut memory = platform
                .allocate(geometry.span_bytes() as usize)
                .expect("buffer memory");
            if let Some(bytes) = memory.slice_mut(0, memory.len()) {
                noise(bytes, u64::from(id));
            }
            ops::attach_buffer(&mut cable, direction, memory, geometry)
                .map_err(|(e, _)| e)
                .expect("attach");
            let event = EventHandle::host(0x1000 + id as usize).expect("non-null event");
            ops::register_event(&mut cable, direction, event).expect("event");
        }
        CableFixture {
            platform,
            cable,
            freq,
            render,
            capture,
        }
    }

    /// Both sides open with one format and period (packets of `period_us`, two per buffer).
    pub fn loopback(format: Format, period_us: u32) -> CableFixture {
        Self::loopback_frames(format, packet_frames(format.rate().hz(), period_us))
    }

    /// Both sides open with one format and packets of `packet_frames` frames, two per buffer.
    pub fn loopback_frames(format: Format, packet_frames: u32) -> CableFixture {
        let side = SideSpec {
            format,
            packet_frames,
            packets: PacketCount::Two,
        };
        CableFixture::new(Some(side), Some(side))
    }

    /// Bytes of the cable's ring.
    pub fn ring_len(&self) -> usize {
        ring_bytes_for(&[self.render, self.capture])
    }

    /// Steps the `direction` stream from STOP to RUN at `now` (the cable pins its mapping).
    pub fn run(&mut self, direction: Direction, now: Ticks) {
        for state in [KsState::Acquire, KsState::Pause, KsState::Run] {
            ops::set_state(&mut self.cable, direction, state, now).expect("state step");
        }
    }

    /// Steps the `direction` stream from RUN to STOP at `now`.
    pub fn stop(&mut self, direction: Direction, now: Ticks) {
        for state in [KsState::Pause, KsState::Acquire, KsState::Stop] {
            ops::set_state(&mut self.cable, direction, state, now).expect("state step");
        }
    }

    /// The counter value at which `frames` frames at `rate` have passed since tick 0.
    pub fn ticks_for(&self, frames: u64, rate: u32) -> Ticks {
        Ticks(frames_to_ticks_ceil(frames, rate, self.freq))
    }

    /// The deadline the `direction` stream's timer is armed for.
    pub fn armed(&self, direction: Direction) -> Option<Ticks> {
        self.cable
            .stream(direction)
            .and_then(cadenza_engine::stream::Stream::armed_deadline)
    }
}

/// A zero-length buffer for the cable left behind while the real ring is freed.
fn empty_ring() -> DmaBuffer {
    // SAFETY: a dangling, zero-length buffer is never read or written (every access is
    // bounds-checked against length 0).
    unsafe { DmaBuffer::from_raw_parts(std::ptr::NonNull::dangling(), 0) }
}

impl Drop for CableFixture {
    fn drop(&mut self) {
        let now = self.platform.now();
        for direction in [Direction::Render, Direction::Capture] {
            if let Some(buffer) = ops::close(&mut self.cable, direction, now) {
                self.platform.free(buffer);
            }
        }
        let cable = std::mem::replace(&mut self.cable, Cable::new(empty_ring(), self.freq));
        self.platform.free(cable.into_ring_memory());
    }
}

/// The cheapest possible platform: `signal` is one atomic increment (standing in for
/// KeSetEvent without a waiter), timers do nothing, and memory is never handed out. It lets
/// the benchmarks time the engine's own work around a signal without a simulator's
/// bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct TrivialPlatform {
    pub signals: Arc<AtomicU64>,
}

/// A timer that never fires.
#[derive(Debug)]
pub struct NoTimer;

impl OneShotTimer for NoTimer {
    fn arm_at(&self, _deadline: Ticks, _now: Ticks) {}
    fn cancel(&self) -> bool {
        false
    }
}

impl Platform for TrivialPlatform {
    type Lock = SpinRawLock;
    type Timer = NoTimer;

    fn now(&self) -> Ticks {
        Ticks::ZERO
    }
    fn frequency(&self) -> CounterFrequency {
        CounterFrequency::TEN_MHZ
    }
    fn create_timer(&self, _target: TimerTarget) -> Result<NoTimer, NtStatus> {
        Ok(NoTimer)
    }
    fn signal(&self, _event: EventHandle) {
        self.signals.fetch_add(1, Ordering::Relaxed);
    }
    fn allocate(&self, _bytes: usize) -> Result<DmaBuffer, NtStatus> {
        Err(NtStatus::INSUFFICIENT_RESOURCES)
    }
    fn free(&self, _buffer: DmaBuffer) {}
    fn debug(&self, _message: core::fmt::Arguments<'_>) {}
}
