//! [`VirtualDevice`]: the virtual device behind one endpoint pair, of the kind the
//! configuration's `DeviceKind` chose — the loopback [`Cable`], the [`ToneSource`] or the
//! [`NullSink`] — as one type, so the device host and both adapters serve every kind through
//! the same code (an enum: no `dyn`, no allocation).

use super::cable::Cable;
use super::debug_link::DebugLink;
use super::null_sink::NullSink;
use super::tone_source::ToneSource;
use super::{AudioDevice, Presence};
use crate::config::DeviceKind;
use crate::format::Format;
use crate::gain::Gain;
use crate::platform::DmaBuffer;
use crate::state::KsState;
use crate::stream::{Direction, Stream, StreamError};
use crate::time::{CounterFrequency, Ticks};

/// What the device is.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "the adapters box the whole VirtualDevice (no allocation in the engine), so the \
              small variants waste heap, never stack; one kind per pair, for its lifetime"
)]
enum Kind {
    Cable(Cable),
    Tone(ToneSource),
    Null(NullSink),
}

/// A cable as a [`Kind`], built in its own (out-of-line) frame: an unoptimised build holds a
/// `Cable` and the `Kind` around it as two stack temporaries, and both in one frame would pass
/// a page, which needs `__chkstk` — a symbol the kernel does not export
/// (tools/stack-check.sh checks every frame).
#[inline(never)]
fn cable_kind(ring: DmaBuffer, freq: CounterFrequency) -> Kind {
    Kind::Cable(Cable::new(ring, freq))
}

/// One endpoint pair's virtual device, its presence and its debugger link.
#[derive(Debug)]
pub struct VirtualDevice {
    kind: Kind,
    presence: Presence,
    debug: Option<DebugLink>,
}

impl VirtualDevice {
    /// A loopback cable over `ring` (see [`Cable::ring_bytes_for`]).
    pub fn cable(ring: DmaBuffer, freq: CounterFrequency) -> VirtualDevice {
        Self::of(cable_kind(ring, freq))
    }

    /// A tone source of `hz` hertz.
    pub const fn tone(hz: u32) -> VirtualDevice {
        Self::of(Kind::Tone(ToneSource::new(hz)))
    }

    /// A null sink.
    pub const fn null() -> VirtualDevice {
        Self::of(Kind::Null(NullSink::new()))
    }

    const fn of(kind: Kind) -> VirtualDevice {
        VirtualDevice {
            kind,
            presence: Presence::Present,
            debug: None,
        }
    }

    /// Which kind this is.
    pub const fn kind(&self) -> DeviceKind {
        match self.kind {
            Kind::Cable(_) => DeviceKind::Cable,
            Kind::Tone(_) => DeviceKind::Tone,
            Kind::Null(_) => DeviceKind::Null,
        }
    }

    /// The cable, if this is one (statistics, tests).
    pub const fn as_cable(&self) -> Option<&Cable> {
        match &self.kind {
            Kind::Cable(c) => Some(c),
            _ => None,
        }
    }

    /// The cable, if this is one.
    pub fn as_cable_mut(&mut self) -> Option<&mut Cable> {
        match &mut self.kind {
            Kind::Cable(c) => Some(c),
            _ => None,
        }
    }

    /// Records this device's activity in the driver's trace ring and stream table.
    pub fn set_debug_link(&mut self, link: DebugLink) {
        self.debug = Some(link);
    }

    /// The volume and mute of the `direction` endpoint, if the device has that endpoint.
    pub fn gain(&self, direction: Direction) -> Option<&Gain> {
        match &self.kind {
            Kind::Cable(c) => Some(c.gain(direction)),
            Kind::Tone(t) if direction == Direction::Capture => Some(t.gain()),
            Kind::Null(n) if direction == Direction::Render => Some(n.gain()),
            Kind::Tone(_) | Kind::Null(_) => None,
        }
    }

    /// The volume and mute of the `direction` endpoint, to change them.
    pub fn gain_mut(&mut self, direction: Direction) -> Option<&mut Gain> {
        match &mut self.kind {
            Kind::Cable(c) => Some(c.gain_mut(direction)),
            Kind::Tone(t) if direction == Direction::Capture => Some(t.gain_mut()),
            Kind::Null(n) if direction == Direction::Render => Some(n.gain_mut()),
            Kind::Tone(_) | Kind::Null(_) => None,
        }
    }

    /// Takes the cable's ring back in place (a zero-length ring stays), for freeing; `None`
    /// for the kinds that have no ring.
    pub fn take_ring_memory(&mut self) -> Option<DmaBuffer> {
        self.as_cable_mut().map(Cable::take_ring_memory)
    }
}

/// Delegates to the variant: a direct, inlinable call per kind (no trait object).
macro_rules! each {
    (ref $self:ident, $d:ident => $e:expr) => {
        match &$self.kind {
            Kind::Cable($d) => $e,
            Kind::Tone($d) => $e,
            Kind::Null($d) => $e,
        }
    };
    ($self:ident, $d:ident => $e:expr) => {
        match &mut $self.kind {
            Kind::Cable($d) => $e,
            Kind::Tone($d) => $e,
            Kind::Null($d) => $e,
        }
    };
}

impl AudioDevice for VirtualDevice {
    fn presence(&self) -> Presence {
        self.presence
    }
    fn store_presence(&mut self, presence: Presence) {
        self.presence = presence;
    }
    fn debug_link(&self) -> Option<&DebugLink> {
        self.debug.as_ref()
    }
    fn stream(&self, direction: Direction) -> Option<&Stream> {
        each!(ref self, d => d.stream(direction))
    }
    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream> {
        each!(self, d => d.stream_mut(direction))
    }
    fn has_pin(&self, direction: Direction) -> bool {
        each!(ref self, d => d.has_pin(direction))
    }
    fn check_format(&self, direction: Direction, format: &Format) -> Result<(), StreamError> {
        each!(ref self, d => d.check_format(direction, format))
    }
    fn install(&mut self, stream: Stream) -> Result<(), StreamError> {
        each!(self, d => d.install(stream))
    }
    fn remove(&mut self, direction: Direction) -> Option<Stream> {
        each!(self, d => d.remove(direction))
    }
    fn sync(&mut self, now: Ticks) {
        each!(self, d => d.sync(now));
    }
    fn state_changed(&mut self, direction: Direction, to: KsState, now: Ticks) {
        each!(self, d => d.state_changed(direction, to, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ops;
    use crate::geometry::{BufferGeometry, BufferLimits, PacketCount};

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    #[test]
    fn each_kind_offers_exactly_its_pins() {
        let ring = DmaBuffer::empty();
        let cases = [
            (VirtualDevice::cable(ring, F), true, true),
            (VirtualDevice::tone(440), false, true),
            (VirtualDevice::null(), true, false),
        ];
        for (mut dev, render, capture) in cases {
            let kind = dev.kind();
            assert_eq!(dev.has_pin(Direction::Render), render, "{kind:?}");
            assert_eq!(dev.has_pin(Direction::Capture), capture, "{kind:?}");
            assert_eq!(kind.has_pin(Direction::Render), render);
            assert_eq!(kind.has_pin(Direction::Capture), capture);
            // Each endpoint has its own volume, and only the endpoints the kind has.
            assert_eq!(dev.gain(Direction::Render).is_some(), render, "{kind:?}");
            assert_eq!(dev.gain(Direction::Capture).is_some(), capture, "{kind:?}");
            assert_eq!(
                dev.gain_mut(Direction::Render).is_some(),
                render,
                "{kind:?}"
            );
            assert_eq!(
                dev.gain_mut(Direction::Capture).is_some(),
                capture,
                "{kind:?}"
            );
            assert_eq!(dev.as_cable().is_some(), render && capture, "{kind:?}");
            assert_eq!(dev.as_cable_mut().is_some(), render && capture, "{kind:?}");
            let opened = ops::open(&mut dev, 7, Direction::Render, Format::DEFAULT, F);
            assert_eq!(opened.is_ok(), render, "{kind:?}");
        }
    }

    /// Promise: closing a stream hands back its buffer (for the adapter to free) and frees
    /// the pin for the next open, on every kind and every pin it has; the cable's ring comes
    /// back once, the other kinds have none.
    #[test]
    fn closing_returns_the_buffer_and_frees_the_pin_on_every_kind() {
        let g = BufferGeometry::plan(
            &Format::DEFAULT,
            4800,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        let span = g.span_bytes() as usize;
        for (mut dev, ring) in [
            (VirtualDevice::cable(DmaBuffer::leaked(4096), F), Some(4096)),
            (VirtualDevice::tone(440), None),
            (VirtualDevice::null(), None),
        ] {
            let kind = dev.kind();
            for direction in [Direction::Render, Direction::Capture] {
                if !dev.has_pin(direction) {
                    assert!(ops::close(&mut dev, direction, Ticks(0)).is_none());
                    continue;
                }
                ops::open(&mut dev, 1, direction, Format::DEFAULT, F).unwrap();
                ops::attach_buffer(&mut dev, direction, DmaBuffer::leaked(span), g)
                    .map_err(|(e, _)| e)
                    .unwrap();
                ops::set_state(&mut dev, direction, KsState::Acquire, Ticks(0)).unwrap();
                let back = ops::close(&mut dev, direction, Ticks(10));
                assert_eq!(back.map(|m| m.len()), Some(span), "{kind:?} {direction:?}");
                assert!(dev.stream(direction).is_none(), "{kind:?} {direction:?}");
                ops::open(&mut dev, 2, direction, Format::DEFAULT, F)
                    .unwrap_or_else(|e| panic!("{kind:?} {direction:?} reopen: {e:?}"));
                assert!(
                    ops::close(&mut dev, direction, Ticks(20)).is_none(),
                    "no buffer"
                );
            }
            assert_eq!(dev.take_ring_memory().map(|m| m.len()), ring, "{kind:?}");
        }
    }

    /// Promise: the cable wrapper keeps the cable's rule that both ends run at one rate: a
    /// capture stream at 44.1 kHz is refused while a 48 kHz render stream is open.
    #[test]
    fn the_wrapped_cable_refuses_a_second_rate() {
        let mut dev = VirtualDevice::cable(DmaBuffer::leaked(4096), F);
        ops::open(&mut dev, 1, Direction::Render, Format::DEFAULT, F).unwrap();
        let f44 = Format::new(
            Format::DEFAULT.sample(),
            Format::DEFAULT.channels(),
            crate::format::SampleRate::new(44_100).unwrap(),
        );
        assert!(ops::open(&mut dev, 2, Direction::Capture, f44, F).is_err());
        assert!(dev.stream(Direction::Capture).is_none());
    }

    #[test]
    fn presence_is_kept_by_the_wrapper_for_every_kind() {
        for mut dev in [VirtualDevice::tone(440), VirtualDevice::null()] {
            assert_eq!(dev.presence(), Presence::Present);
            let _ = ops::set_presence(&mut dev, Presence::PoweredDown, Ticks(5));
            assert_eq!(dev.presence(), Presence::PoweredDown);
            let e = ops::open(&mut dev, 1, Direction::Render, Format::DEFAULT, F);
            assert_eq!(e, Err(StreamError::PoweredDown));
        }
    }
}
