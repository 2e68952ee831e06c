//! The device context the miniports share: one loopback [`Cable`] per configured cable, behind
//! the platform's DISPATCH_LEVEL lock.
//!
//! A cable's wave miniport, its streams and its topology miniport all hold an `Arc` of the
//! same [`CableDevice`], so a volume set on the topology filter reaches the gain the cable
//! applies to the audio the wave streams move (DESIGN.md: a volume node is a promise). The
//! `Arc` is created at PASSIVE_LEVEL (StartDevice) and its last reference goes away with the
//! last miniport or stream object, which PortCls releases at PASSIVE_LEVEL.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::cable::Cable;
use cadenza_engine::format::range::PinCapabilities;
use cadenza_engine::gain::Gain;
use cadenza_engine::platform::{Locked, Platform};
use cadenza_engine::state::KsState;
use cadenza_engine::stream::Direction;
use cadenza_engine::{Channels, NtStatus};

/// What the cable lock protects: the engine's cable and the device power state.
///
/// The cable (over a kilobyte) is boxed, so that creating the device does not copy it from
/// value to value through one stack frame (in a debug build each step — cable, state, lock,
/// device, `Arc` — is a copy of its own, together over a page: tools/stack-check.sh).
#[derive(Debug)]
pub struct CableState {
    pub cable: Box<Cable>,
    /// Set between a D3 and the next D0 power change: RUN is refused meanwhile.
    pub powered_down: bool,
    /// Next stream id (for the engine's diagnostics).
    next_stream_id: u32,
}

impl CableState {
    /// A fresh id for a new stream on this cable.
    pub fn take_stream_id(&mut self) -> u32 {
        let id = self.next_stream_id;
        self.next_stream_id = self.next_stream_id.wrapping_add(1);
        id
    }
}

/// One cable: the engine device, the platform, and what its pins can stream.
pub struct CableDevice<P: Platform> {
    platform: P,
    index: u8,
    state: Locked<P::Lock, CableState>,
    caps: PinCapabilities,
    channels: Channels,
}

impl<P: Platform> core::fmt::Debug for CableDevice<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CableDevice")
            .field("index", &self.index)
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

/// The pin capabilities the configuration allows (both pins of every cable offer the same).
pub fn pin_capabilities(config: &DeviceConfig) -> Result<PinCapabilities, NtStatus> {
    Ok(config.pin_capabilities()?)
}

impl<P: Platform> CableDevice<P> {
    /// Creates cable `index` with a ring from `platform`. PASSIVE_LEVEL (allocates).
    pub fn new(
        platform: P,
        index: u8,
        config: &DeviceConfig,
    ) -> Result<Arc<CableDevice<P>>, NtStatus> {
        let caps = pin_capabilities(config)?;
        let ring = platform.allocate(Cable::ring_bytes_for(config))?;
        let mut cable = Box::new(Cable::new(ring, platform.frequency()));
        cable.set_debug_link(crate::debug::link(u32::from(index)));
        Ok(Arc::new(CableDevice {
            platform,
            index,
            state: Locked::new(CableState {
                cable,
                powered_down: false,
                next_stream_id: 1,
            }),
            caps,
            channels: config.channels(),
        }))
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// 0-based cable number (its [`crate::names::CABLES`] entry).
    pub const fn index(&self) -> u8 {
        self.index
    }

    pub const fn capabilities(&self) -> &PinCapabilities {
        &self.caps
    }

    /// Channels of the volume nodes (the configured channel count).
    pub const fn channels(&self) -> Channels {
        self.channels
    }

    /// Runs `f` under the cable lock. Any IRQL ≤ DISPATCH_LEVEL; keep `f` short, no allocation.
    pub fn with<R>(&self, f: impl FnOnce(&mut CableState) -> R) -> R {
        self.state.with(f)
    }

    /// D0 → D3: every running stream steps to PAUSE (its timer then stops re-arming and the
    /// data path stops), and RUN is refused until [`Self::power_up`]. PortCls has normally
    /// paused the streams already; this makes a missed pause harmless. PASSIVE_LEVEL.
    pub fn power_down(&self) {
        let now = self.platform.now();
        self.with(|s| {
            s.powered_down = true;
            for d in [Direction::Render, Direction::Capture] {
                let running = s
                    .cable
                    .stream(d)
                    .is_some_and(|st| st.state() == KsState::Run);
                if running {
                    // The timer needs no cancel: a paused stream's next expiry re-arms nothing.
                    let _ = cadenza_engine::device::ops::set_state(
                        &mut *s.cable,
                        d,
                        KsState::Pause,
                        now,
                    );
                }
            }
        });
    }

    /// D3 → D0: streams may run again (PortCls re-sends RUN from PAUSE). PASSIVE_LEVEL.
    pub fn power_up(&self) {
        self.with(|s| s.powered_down = false);
    }
}

impl<P: Platform> Drop for CableDevice<P> {
    fn drop(&mut self) {
        // Give the ring back to the platform; the cable keeps a zero-length ring in its place.
        let ring = self.state.get_mut().cable.take_ring_memory();
        self.platform.free(ring);
    }
}

/// Volume and mute of the two endpoints of one cable, as the topology property handlers see
/// them. Object-safe, so the (non-generic) handlers reach a [`CableDevice`] of any platform.
pub trait EndpointControl {
    /// Channels of the volume nodes.
    fn channel_count(&self) -> u32;
    /// The level of `channel` in 16.16 dB.
    fn volume(&self, direction: Direction, channel: u32) -> Result<i32, NtStatus>;
    /// Sets `channel` (or every channel for `None`) to `level`, clamped into the published
    /// range as the property's documentation asks ("the closest available value").
    fn set_volume(
        &self,
        direction: Direction,
        channel: Option<u32>,
        level: i32,
    ) -> Result<(), NtStatus>;
    /// The speaker positions of the endpoints (the jack's channel mapping).
    fn channel_mask(&self) -> u32;
    fn mute(&self, direction: Direction) -> bool;
    fn set_mute(&self, direction: Direction, muted: bool);
}

impl<P: Platform> EndpointControl for CableDevice<P> {
    fn channel_count(&self) -> u32 {
        u32::from(self.channels.get())
    }

    fn volume(&self, direction: Direction, channel: u32) -> Result<i32, NtStatus> {
        if channel >= self.channel_count() {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        Ok(self.with(|s| s.cable.gain(direction).channel_db(channel))?)
    }

    fn set_volume(
        &self,
        direction: Direction,
        channel: Option<u32>,
        level: i32,
    ) -> Result<(), NtStatus> {
        let level = level.clamp(Gain::MIN_LEVEL, Gain::MAX_LEVEL);
        // The dB → linear conversion runs here, at PASSIVE_LEVEL, before the lock is taken;
        // under the lock only the finished factors are copied in.
        let mut gain = self.with(|s| *s.cable.gain(direction));
        match channel {
            Some(c) if c >= self.channel_count() => return Err(NtStatus::INVALID_PARAMETER),
            Some(c) => gain.set_channel_db(c, level)?,
            None => gain.set_all_db(level)?,
        }
        self.with(|s| {
            // Keep a mute set meanwhile: only the levels come from `gain`.
            let muted = s.cable.gain(direction).is_muted();
            gain.set_mute(muted);
            *s.cable.gain_mut(direction) = gain;
        });
        Ok(())
    }

    fn channel_mask(&self) -> u32 {
        cadenza_engine::ChannelMask::default_for(self.channels).bits()
    }

    fn mute(&self, direction: Direction) -> bool {
        self.with(|s| s.cable.gain(direction).is_muted())
    }

    fn set_mute(&self, direction: Direction, muted: bool) {
        self.with(|s| s.cable.gain_mut(direction).set_mute(muted));
    }
}

/// Every cable of the adapter, created from the configuration at StartDevice.
pub fn create_cables<P: Platform>(
    platform: &P,
    config: &DeviceConfig,
) -> Result<Vec<Arc<CableDevice<P>>>, NtStatus> {
    let mut cables = Vec::new();
    cables
        .try_reserve_exact(usize::from(config.cables()))
        .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
    for i in 0..config.cables() {
        cables.push(CableDevice::new(platform.clone(), i, config)?);
    }
    Ok(cables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_hostsim::SimPlatform;

    #[test]
    fn cables_follow_the_configuration_and_free_their_rings() {
        let p = SimPlatform::new(1);
        let config = DeviceConfig::default();
        let cables = create_cables(&p, &config).unwrap();
        assert_eq!(cables.len(), 1);
        assert_eq!(p.live_allocations(), (1, Cable::ring_bytes_for(&config)));
        // 48 kHz stereo, 4-byte containers, half a second.
        assert_eq!(Cable::ring_bytes_for(&config), 24_000 * 8);
        let caps = cables[0].capabilities();
        assert_eq!(caps.preferred(), config.default_format());
        drop(cables);
        assert_eq!(p.live_allocations(), (0, 0));
    }

    #[test]
    fn volume_is_clamped_per_channel_and_reaches_the_cable_gain() {
        let p = SimPlatform::new(1);
        let cables = create_cables(&p, &DeviceConfig::default()).unwrap();
        let c = &cables[0];
        c.set_volume(Direction::Render, Some(1), -6 << 16).unwrap();
        assert_eq!(c.volume(Direction::Render, 1), Ok(-6 << 16));
        assert_eq!(c.volume(Direction::Render, 0), Ok(0));
        assert_eq!(c.volume(Direction::Capture, 1), Ok(0));
        c.set_volume(Direction::Capture, None, i32::MIN).unwrap();
        assert_eq!(c.volume(Direction::Capture, 0), Ok(Gain::MIN_LEVEL));
        c.set_volume(Direction::Capture, Some(0), 12 << 16).unwrap();
        assert_eq!(c.volume(Direction::Capture, 0), Ok(Gain::MAX_LEVEL));
        assert_eq!(
            c.set_volume(Direction::Render, Some(2), 0),
            Err(NtStatus::INVALID_PARAMETER)
        );
        assert_eq!(
            c.volume(Direction::Render, 2),
            Err(NtStatus::INVALID_PARAMETER)
        );
        c.set_mute(Direction::Render, true);
        c.set_volume(Direction::Render, Some(0), -1 << 16).unwrap();
        assert!(c.mute(Direction::Render) && !c.mute(Direction::Capture));
        let level = c.with(|s| s.cable.gain(Direction::Render).channel_db(1));
        assert_eq!(level, Ok(-6 << 16));
    }
}
