//! The null sink: a render-only device that plays into nothing, at the nominal rate.
//!
//! Useful as a "virtual speaker" that keeps an app's clock honest without producing sound,
//! and as the simplest device a test can put under the stream engine.

use super::AudioDevice;
use crate::format::Format;
use crate::gain::Gain;
use crate::level::Peaks;
use crate::state::KsState;
use crate::stream::{Direction, Stream, StreamError};
use crate::time::Ticks;

#[derive(Debug, Default)]
pub struct NullSink {
    render: Option<Stream>,
    /// Frames consumed since creation.
    consumed: u64,
    /// The render endpoint's volume and mute: kept and reported, with nothing to apply them
    /// to (the audio goes nowhere).
    gain: Gain,
}

impl NullSink {
    pub const fn new() -> NullSink {
        NullSink {
            render: None,
            consumed: 0,
            gain: Gain::UNITY,
        }
    }

    /// The render endpoint's volume and mute.
    pub const fn gain(&self) -> &Gain {
        &self.gain
    }

    pub fn gain_mut(&mut self) -> &mut Gain {
        &mut self.gain
    }

    pub const fn consumed_frames(&self) -> u64 {
        self.consumed
    }
}

impl AudioDevice for NullSink {
    fn stream(&self, direction: Direction) -> Option<&Stream> {
        match direction {
            Direction::Render => self.render.as_ref(),
            Direction::Capture => None,
        }
    }
    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream> {
        match direction {
            Direction::Render => self.render.as_mut(),
            Direction::Capture => None,
        }
    }
    fn has_pin(&self, direction: Direction) -> bool {
        direction == Direction::Render
    }
    fn check_format(&self, _direction: Direction, _format: &Format) -> Result<(), StreamError> {
        Ok(())
    }
    fn install(&mut self, stream: Stream) -> Result<(), StreamError> {
        if stream.direction() != Direction::Render {
            return Err(StreamError::WrongState);
        }
        if self.render.is_some() {
            return Err(StreamError::Busy);
        }
        self.render = Some(stream);
        Ok(())
    }
    fn remove(&mut self, direction: Direction) -> Option<Stream> {
        match direction {
            Direction::Render => self.render.take(),
            Direction::Capture => None,
        }
    }
    fn sync(&mut self, now: Ticks) {
        if let Some(s) = self.render.as_mut() {
            let pos = s.frames_at(now);
            self.consumed += pos.saturating_sub(s.transferred());
            meter_played(s, pos);
            s.set_transferred(pos);
        }
    }
    fn state_changed(&mut self, _direction: Direction, to: KsState, now: Ticks) {
        if let Some(s) = self.render.as_mut().filter(|_| to == KsState::Run) {
            let pos = s.frames_at(now);
            s.set_transferred(pos);
        }
    }
}

/// Feeds the render meter with what the client played since the last sync, up to `pos`: the
/// sink discards audio, but a level meter on it shows whether anything is playing. Only the
/// last buffer's worth can still be read (older frames were overwritten). Packet-mode slots
/// the client did not write are read as they are, like a hardware DMA engine would.
fn meter_played(s: &mut Stream, pos: u64) {
    if !s.level_meter().is_armed() {
        return;
    }
    let Some(g) = s.geometry().copied() else {
        return;
    };
    let from = s
        .transferred()
        .max(pos.saturating_sub(u64::from(g.frames())));
    let Ok(count) = u32::try_from(pos.saturating_sub(from)) else {
        return;
    };
    if count == 0 {
        return;
    }
    let format = *s.format();
    let block = usize::from(format.block_align());
    let channels = usize::from(format.channels().get());
    let mut peaks = Peaks::new();
    if let Some(b) = s.buffer() {
        for r in g.ranges(from, count) {
            let bytes = usize::try_from(r.frames).unwrap_or(0).saturating_mul(block);
            if let Some(src) = b.memory.slice(r.offset as usize, bytes) {
                peaks.observe(format.sample(), channels, src);
            }
        }
    }
    s.level_meter_mut().add(&peaks, count);
}
