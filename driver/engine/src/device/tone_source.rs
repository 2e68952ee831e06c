//! The tone source: a capture-only device that records a steady sine, for checking an
//! app's input path (levels, channel routing, sample rate) with no cable and no other app.

use super::AudioDevice;
use crate::convert::fill_silence;
use crate::format::Format;
use crate::gain::Gain;
use crate::level::Peaks;
use crate::state::KsState;
use crate::stream::{Direction, Stream, StreamError};
use crate::time::Ticks;
use crate::tone::ToneGenerator;

/// Tone level: −12 dBFS, clearly audible and far from clipping after any conversion.
pub const TONE_LEVEL: i32 = -12 << 16;

#[derive(Debug)]
pub struct ToneSource {
    capture: Option<Stream>,
    millihertz: u32,
    generator: Option<ToneGenerator>,
    /// The capture endpoint's volume and mute. The tone is one signal on every channel, so
    /// channel 0's level (the master level Windows sets) scales all of them; mute records
    /// silence.
    gain: Gain,
}

impl ToneSource {
    /// A source of `hz` hertz (the configuration's `ToneHz`).
    pub const fn new(hz: u32) -> ToneSource {
        ToneSource {
            capture: None,
            millihertz: hz.saturating_mul(1000),
            generator: None,
            gain: Gain::UNITY,
        }
    }

    /// The capture endpoint's volume and mute.
    pub const fn gain(&self) -> &Gain {
        &self.gain
    }

    pub fn gain_mut(&mut self) -> &mut Gain {
        &mut self.gain
    }

    /// The tone's level after the endpoint volume: [`TONE_LEVEL`] plus channel 0's level,
    /// no lower than the quietest level the generator takes.
    fn level(&self) -> i32 {
        let volume = self.gain.channel_db(0).unwrap_or(0);
        TONE_LEVEL.saturating_add(volume).max(Gain::MIN_LEVEL)
    }
}

impl AudioDevice for ToneSource {
    fn stream(&self, direction: Direction) -> Option<&Stream> {
        self.capture
            .as_ref()
            .filter(|_| direction == Direction::Capture)
    }
    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream> {
        self.capture
            .as_mut()
            .filter(|_| direction == Direction::Capture)
    }
    fn has_pin(&self, direction: Direction) -> bool {
        direction == Direction::Capture
    }
    fn check_format(&self, _direction: Direction, format: &Format) -> Result<(), StreamError> {
        // The tone must be below Nyquist for the format, or it would alias.
        ToneGenerator::new(*format, self.millihertz, TONE_LEVEL)
            .map(|_| ())
            .map_err(|_| StreamError::Format(crate::format::FormatError::NotInRange))
    }
    fn install(&mut self, stream: Stream) -> Result<(), StreamError> {
        if stream.direction() != Direction::Capture {
            return Err(StreamError::WrongState);
        }
        if self.capture.is_some() {
            return Err(StreamError::Busy);
        }
        self.capture = Some(stream);
        Ok(())
    }
    fn remove(&mut self, direction: Direction) -> Option<Stream> {
        self.generator = None;
        self.capture
            .take()
            .filter(|_| direction == Direction::Capture)
    }
    fn sync(&mut self, now: Ticks) {
        let level = self.level();
        let muted = self.gain.is_muted();
        let Some(s) = self.capture.as_mut() else {
            return;
        };
        let Some(g) = s.geometry().copied() else {
            return;
        };
        let Some(generator) = self.generator.as_mut() else {
            return;
        };
        if generator.level() != level {
            // In range by construction (`level`); on the impossible error the old level stays.
            let _ = generator.set_level(level);
        }
        let pos = s.frames_at(now);
        // Anything older than one buffer would be overwritten before a client could read it.
        let from = s
            .transferred()
            .max(pos.saturating_sub(u64::from(g.frames())));
        let Ok(count) = u32::try_from(pos.saturating_sub(from)) else {
            return;
        };
        let block = usize::from(s.format().block_align());
        let format = *s.format();
        if let Some((b, meter)) = s.buffer_and_meter_mut() {
            let channels = usize::from(format.channels().get());
            let metering = meter.is_armed();
            let mut peaks = Peaks::new();
            for r in g.ranges(from, count) {
                let bytes = usize::try_from(r.frames).unwrap_or(0).saturating_mul(block);
                if let Some(dst) = b.memory.slice_mut(r.offset as usize, bytes) {
                    // The generator runs on when muted, so unmuting resumes the same sine.
                    generator.fill(dst);
                    if muted {
                        fill_silence(dst, &format);
                    }
                    if metering {
                        peaks.observe(format.sample(), channels, dst);
                    }
                }
            }
            if metering {
                meter.add(&peaks, count);
            }
        }
        s.set_transferred(pos);
    }
    fn state_changed(&mut self, _direction: Direction, to: KsState, now: Ticks) {
        let Some(s) = self.capture.as_mut() else {
            return;
        };
        match to {
            KsState::Run => {
                if self.generator.as_ref().map(ToneGenerator::format) != Some(s.format()) {
                    self.generator =
                        ToneGenerator::new(*s.format(), self.millihertz, TONE_LEVEL).ok();
                    // `sync` applies the endpoint volume before the first frame.
                }
                s.set_transferred(s.frames_at(now));
            }
            KsState::Stop => {
                if let Some(g) = self.generator.as_mut() {
                    g.reset();
                }
            }
            KsState::Acquire | KsState::Pause => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ops;
    use crate::format::{Channels, SampleRate, SampleType};
    use crate::geometry::{BufferGeometry, BufferLimits, PacketCount};
    use crate::platform::DmaBuffer;
    use crate::time::CounterFrequency;

    #[test]
    fn records_a_sine_of_the_configured_frequency() {
        const F: CounterFrequency = CounterFrequency::TEN_MHZ;
        let format = Format::new(
            SampleType::Int16,
            Channels::MONO,
            SampleRate::new(48_000).unwrap(),
        );
        let mut t = ToneSource::new(1_000);
        assert!(ops::open(&mut t, 1, Direction::Render, format, F).is_err());
        ops::open(&mut t, 1, Direction::Capture, format, F).unwrap();
        let g = BufferGeometry::plan(
            &format,
            48_000 * 2,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        let buf = DmaBuffer::leaked(g.span_bytes() as usize);
        ops::attach_buffer(&mut t, Direction::Capture, buf, g)
            .map_err(|(e, _)| e)
            .unwrap();
        for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
            ops::set_state(&mut t, Direction::Capture, s, Ticks(0)).unwrap();
        }
        ops::position(&mut t, Direction::Capture, Ticks(10_000_000)).unwrap(); // one second
        let b = t.stream(Direction::Capture).unwrap().buffer().unwrap();
        let samples: std::vec::Vec<i16> = b
            .memory
            .slice(0, 96_000)
            .unwrap()
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let rising = samples.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        assert!(
            (999..=1001).contains(&rising),
            "{rising} upward zero crossings in one second"
        );
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
        // −12 dBFS ≈ 0.251 of full scale.
        assert!((8_000..8_400).contains(&peak), "peak {peak}");

        // The capture endpoint's volume moves the tone: at −6 dB the next second peaks at
        // −18 dBFS ≈ 0.126 of full scale (4 125 of 32 768).
        t.gain_mut().set_all_db(-6 * 65_536).unwrap();
        ops::position(&mut t, Direction::Capture, Ticks(20_000_000)).unwrap();
        let b = t.stream(Direction::Capture).unwrap().buffer().unwrap();
        let quieter = b
            .memory
            .slice(0, 96_000)
            .unwrap()
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs())
            .max()
            .unwrap();
        assert!((4_000..4_250).contains(&quieter), "peak at -6 dB {quieter}");
    }

    #[test]
    fn a_tone_above_nyquist_is_refused() {
        let format = Format::new(
            SampleType::Int16,
            Channels::MONO,
            SampleRate::new(8_000).unwrap(),
        );
        let mut t = ToneSource::new(5_000);
        let e = ops::open(
            &mut t,
            1,
            Direction::Capture,
            format,
            CounterFrequency::TEN_MHZ,
        )
        .unwrap_err();
        assert_eq!(
            crate::status::NtStatus::from(e),
            crate::status::NtStatus::NO_MATCH
        );
    }
}
