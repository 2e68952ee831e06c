//! Devices: what moves audio in and out of a stream's buffer.
//!
//! Every device is one lock domain holding at most one stream per direction (a pin
//! instance), and implements [`AudioDevice`]. Both adapters (ACX and PortCls) drive every
//! device through the same functions in [`ops`], so the data path, the timer policy and
//! the packet rules are one piece of code for both frameworks.
//!
//! The central rule of the data path: **data moves before position is revealed.** Every
//! operation that lets a client learn the position (GetPosition, a notification, a packet
//! query, a state change) first calls [`AudioDevice::sync`], which moves render data out of
//! the buffer and capture data into it up to that instant. So a render client never
//! overwrites frames that have not been consumed, and a capture client never reads frames
//! that have not been produced.

pub mod cable;
pub mod debug_link;
pub mod hardware;
pub mod null_sink;
pub mod ops;
pub mod tone_source;
pub mod virtual_device;

use crate::format::Format;
use crate::state::KsState;
use crate::stream::{Direction, Stream, StreamError};
use crate::time::{CounterFrequency, Ticks};

/// Whether the device can stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Presence {
    /// Powered (D0) and present.
    #[default]
    Present,
    /// Powered down (D1–D3): streams are frozen; calls other than cleanup get
    /// STATUS_DEVICE_POWERED_OFF until the device is back in D0.
    PoweredDown,
    /// Surprise-removed: streams are frozen for good; calls other than cleanup get
    /// STATUS_DEVICE_REMOVED.
    Removed,
}

/// A device with a render and/or a capture pin.
pub trait AudioDevice {
    /// Whether the device can stream (see [`Presence`]); virtual devices are always present
    /// unless an adapter says otherwise through [`ops::set_presence`].
    fn presence(&self) -> Presence {
        Presence::Present
    }
    /// Records a presence change. Devices that can lose power or be removed keep it.
    fn store_presence(&mut self, _presence: Presence) {}
    /// Where this device's activity is recorded for the debugger, if anywhere.
    fn debug_link(&self) -> Option<&debug_link::DebugLink> {
        None
    }
    /// The stream open on the `direction` pin, if any.
    fn stream(&self, direction: Direction) -> Option<&Stream>;
    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream>;
    /// Whether the device has a pin in this direction.
    fn has_pin(&self, direction: Direction) -> bool;
    /// Device-level constraints on a format for `direction` beyond the pin's data ranges
    /// (the cable requires both sides at one rate).
    fn check_format(&self, direction: Direction, format: &Format) -> Result<(), StreamError>;
    /// Puts a new stream (no buffer yet) on the pin. Fails with `Busy` if one is open; the
    /// refused stream is simply dropped.
    fn install(&mut self, stream: Stream) -> Result<(), StreamError>;
    /// Takes the stream off the pin (the caller frees its buffer).
    fn remove(&mut self, direction: Direction) -> Option<Stream>;
    /// Moves audio for every running stream up to `now`.
    fn sync(&mut self, now: Ticks);
    /// Called right after the `direction` stream stepped to `to` at `now`.
    fn state_changed(&mut self, direction: Direction, to: KsState, now: Ticks);
    /// Creates the stream object for a new pin instance (virtual devices time streams by
    /// the counter; hardware devices by their position register).
    fn new_stream(
        &self,
        id: u32,
        direction: Direction,
        format: Format,
        freq: CounterFrequency,
    ) -> Stream {
        Stream::new_virtual(id, direction, format, freq)
    }
}
