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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ops;
    use crate::format::{Channels, SampleRate, SampleType};
    use crate::geometry::{BufferGeometry, BufferLimits, PacketCount};
    use crate::platform::DmaBuffer;
    use crate::time::CounterFrequency;

    const F: CounterFrequency = CounterFrequency::TEN_MHZ;

    /// Promise: the null sink discards what it plays but still meters it, so a status
    /// reader sees whether anything is playing and how loud — here one loud frame per
    /// channel in 100 ms of quiet float audio — and it counts every frame it consumed.
    #[test]
    fn the_null_sink_meters_what_it_discards_and_counts_it() {
        let fmt = Format::new(
            SampleType::Float32,
            Channels::STEREO,
            SampleRate::new(48_000).unwrap(),
        );
        let mut sink = NullSink::new();
        ops::open(&mut sink, 1, Direction::Render, fmt, F).unwrap();
        let g = BufferGeometry::plan(
            &fmt,
            480 * 8 * 2,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        let memory = DmaBuffer::leaked(g.span_bytes() as usize);
        ops::attach_buffer(&mut sink, Direction::Render, memory, g)
            .map_err(|(e, _)| e)
            .unwrap();
        for state in [KsState::Acquire, KsState::Pause] {
            ops::set_state(&mut sink, Direction::Render, state, Ticks(0)).unwrap();
        }
        sink.stream_mut(Direction::Render)
            .unwrap()
            .level_meter_mut()
            .arm();
        let frame = |f: u64| -> [f32; 2] {
            match f {
                100 => [0.5, 0.0625],
                2_000 => [0.125, -0.25],
                _ => [-0.125, 0.0625],
            }
        };
        let write_packet = |sink: &mut NullSink, k: u64| {
            let b = sink
                .stream_mut(Direction::Render)
                .unwrap()
                .buffer_mut()
                .unwrap();
            for f in k * 480..(k + 1) * 480 {
                let off = b.geometry.wrapped_offset(f) as usize;
                let [l, r] = frame(f);
                let bytes = b.memory.slice_mut(off, 8).unwrap();
                bytes[..4].copy_from_slice(&l.to_le_bytes());
                bytes[4..].copy_from_slice(&r.to_le_bytes());
            }
        };
        write_packet(&mut sink, 0);
        ops::set_state(&mut sink, Direction::Render, KsState::Run, Ticks(0)).unwrap();
        for k in 1..=10u64 {
            write_packet(&mut sink, k);
            ops::position(&mut sink, Direction::Render, Ticks(k * 100_000)).unwrap();
        }
        let levels = *sink.stream(Direction::Render).unwrap().levels();
        assert_eq!((levels.windows, levels.window_frames), (1, 4_800));
        // 0.5 and 0.25 of full scale in Q31.
        assert_eq!(levels.peak_q31[..3], [1 << 30, 1 << 29, 0]);
        assert_eq!(sink.consumed_frames(), 4_800);
    }
}
