//! The device context the miniports share: one engine [`DeviceHost`] per configured endpoint
//! pair (a cable, tone source or null sink, as `DeviceKind` says).
//!
//! A pair's wave miniport, its streams, its topology miniport and the adapter's power object
//! all hold a `Pin<Arc>` of the same host, so a volume set on the topology filter reaches the
//! gain the device applies to the audio the wave streams move (DESIGN.md: a volume node is a
//! promise), and a power change reaches every stream. The host is created at PASSIVE_LEVEL
//! (StartDevice) and its last reference goes away with the last miniport or stream object,
//! which PortCls releases at PASSIVE_LEVEL; the host then frees the cable's ring.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::pin::Pin;

use cadenza_engine::NtStatus;
use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::virtual_device::VirtualDevice;
use cadenza_engine::host::{DeviceHost, NoPacketNotify};
use cadenza_engine::platform::Platform;
use cadenza_engine::stream::Direction;

/// One endpoint pair's host as the PortCls driver uses it: the registered events are the
/// notification, so there is no packet notifier.
pub type PcHost<P> = DeviceHost<P, NoPacketNotify, Box<VirtualDevice>>;

/// A host shared by the miniports, streams and the adapter.
pub type SharedHost<P> = Pin<Arc<PcHost<P>>>;

/// Creates pair `index` of `config`. PASSIVE_LEVEL (allocates).
pub fn create_host<P: Platform>(
    platform: P,
    index: u8,
    config: &DeviceConfig,
) -> Result<SharedHost<P>, NtStatus> {
    let host = PcHost::new(
        platform,
        index,
        config,
        Box::new(VirtualDevice::null()),
        Some(crate::debug::link(u32::from(index))),
    )?;
    Ok(Arc::pin(host))
}

/// Volume and mute of the two endpoints of one cable, as the topology property handlers see
/// them. Object-safe, so the (non-generic) handlers reach a [`PcHost`] of any platform.
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

impl<P: Platform> EndpointControl for PcHost<P> {
    fn channel_count(&self) -> u32 {
        u32::from(self.channels().get())
    }

    fn volume(&self, direction: Direction, channel: u32) -> Result<i32, NtStatus> {
        DeviceHost::volume(self, direction, channel)
    }

    fn set_volume(
        &self,
        direction: Direction,
        channel: Option<u32>,
        level: i32,
    ) -> Result<(), NtStatus> {
        DeviceHost::set_volume(self, direction, channel, level)
    }

    fn channel_mask(&self) -> u32 {
        cadenza_engine::ChannelMask::default_for(self.channels()).bits()
    }

    fn mute(&self, direction: Direction) -> bool {
        DeviceHost::mute(self, direction).unwrap_or(false)
    }

    fn set_mute(&self, direction: Direction, muted: bool) {
        let _ = DeviceHost::set_mute(self, direction, muted);
    }
}

/// Every endpoint pair of the adapter, created from the configuration at StartDevice.
pub fn create_hosts<P: Platform>(
    platform: &P,
    config: &DeviceConfig,
) -> Result<Vec<SharedHost<P>>, NtStatus> {
    let mut hosts = Vec::new();
    hosts
        .try_reserve_exact(usize::from(config.cables()))
        .map_err(|_| NtStatus::INSUFFICIENT_RESOURCES)?;
    for i in 0..config.cables() {
        hosts.push(create_host(platform.clone(), i, config)?);
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::device::cable::Cable;
    use cadenza_engine::gain::Gain;
    use cadenza_hostsim::SimPlatform;

    #[test]
    fn cables_follow_the_configuration_and_free_their_rings() {
        let p = SimPlatform::new(1);
        let config = DeviceConfig::default();
        let cables = create_hosts(&p, &config).unwrap();
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
        let cables = create_hosts(&p, &DeviceConfig::default()).unwrap();
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
        EndpointControl::set_mute(&**c, Direction::Render, true);
        c.set_volume(Direction::Render, Some(0), -1 << 16).unwrap();
        assert!(EndpointControl::mute(&**c, Direction::Render));
        assert!(!EndpointControl::mute(&**c, Direction::Capture));
        let level = c.with_gain(Direction::Render, |g| g.channel_db(1)).unwrap();
        assert_eq!(level, Ok(-6 << 16));
    }
}
