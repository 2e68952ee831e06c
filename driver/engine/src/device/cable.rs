//! The loopback cable: what a client plays on the render pin comes out of the capture pin.
//!
//! ## How time maps across the cable
//! A cable behaves like a wire with a fixed delay, not like a FIFO. It keeps a *cable clock*
//! `c(t) = floor(t × rate / freq)` and a ring of frames indexed by cable time. When the render
//! stream enters RUN at `t0` with position `p0`, render frame `f` is pinned to cable index
//! `f − p0 + c(t0)`; when the capture stream enters RUN at `t1` with position `q0`, capture
//! frame `g` reads cable index `g − q0 + c(t1) − DELAY`. Both mappings are fixed for the
//! whole run, so no rounding jitter can duplicate or drop a frame: with matching formats the
//! capture side receives the render side's samples bit-exactly, however the two streams'
//! packet sizes, start times and timer wake-ups interleave.
//!
//! Render data is pulled on demand: before the capture side reads, [`Cable::sync`] first
//! moves every frame the render stream has played up to that instant into the ring. With
//! both positions computed by floor from the same counter, the newest render index is at
//! least `c(t) − 1` and the newest capture read at most `c(t) − 1 − DELAY`, so `DELAY = 1`
//! frame is enough for capture never to overtake render.
//!
//! ## Formats on the two sides
//! The two sides may use different sample types and channel counts: the ring holds frames in
//! the render format and the capture side converts on the way out (see `convert`). They
//! must share one sample rate: a cable does not resample. While one side is open, the other
//! side's formats at another rate are refused (STATUS_NO_MATCH), so the capture side can
//! never deliver wrong-speed audio; the INF and the configuration offer one rate by default.
//!
//! ## Gain, mute, missing data
//! The render endpoint's volume/mute is applied on the way into the ring, the capture
//! endpoint's on the way out (we expose the nodes, so Windows does not apply them). Where a
//! packet-mode render client did not write a packet, the ring gets silence (never the stale
//! buffer) and the render stream's underrun counters record it. Where the capture side reads
//! cable time that render never wrote (render stopped or not yet started), it gets silence.

use super::AudioDevice;
use crate::channel_map::ChannelMap;
use crate::config::DeviceConfig;
use crate::convert::{convert, convert_mapped, fill_silence};
use crate::format::{Channels, Format, FormatError, SampleRate, SampleType};
use crate::gain::Gain;
use crate::platform::DmaBuffer;
use crate::state::KsState;
use crate::stream::{Direction, RenderData, Stream, StreamError};
use crate::time::{CounterFrequency, Ticks, ticks_to_frames};

/// Frames between a render frame entering the cable and its capture (see module docs).
pub const DELAY_FRAMES: u64 = 1;

/// How much cable time a ring holds, in milliseconds, at the widest configured frame and the
/// highest configured rate: the longest a capture reader may lag before frames are lost.
pub const RING_MILLIS: u32 = 500;

/// Added to every cable index; far larger than any delay, far from overflowing.
const INDEX_BASE: u64 = 1 << 40;

/// Bytes in `frames` frames of `block` bytes; saturates so an impossible size fails the
/// bounds check of the slice it is used for instead of wrapping.
fn bytes_of(frames: u64, block: usize) -> usize {
    usize::try_from(frames)
        .unwrap_or(usize::MAX)
        .saturating_mul(block)
}

/// The ring: frames in the render format, indexed by cable time.
#[derive(Debug)]
struct Ring {
    memory: DmaBuffer,
    /// Format of the frames held; `None` until a render stream first runs.
    format: Option<Format>,
    /// Cable index one past the newest frame written.
    write_end: u64,
    /// Oldest cable index that holds a written frame (older ones read as silence).
    valid_from: u64,
    /// Cable index of the last reset: from here on, every index was written (possibly with
    /// silence), so a read that finds no data at or after it lost data.
    epoch: u64,
}

impl Ring {
    fn capacity(&self) -> u64 {
        self.format.map_or(0, |f| {
            u64::try_from(self.memory.len() / usize::from(f.block_align())).unwrap_or(0)
        })
    }

    /// Starts holding `format` frames from cable index `at` on, forgetting older content.
    fn reset(&mut self, format: Format, at: u64) {
        self.format = Some(format);
        self.write_end = at;
        self.valid_from = at;
        self.epoch = at;
    }

    /// Makes `at` the next index to write: a gap since the last write becomes silence.
    fn seek_write(&mut self, at: u64) {
        let Some(format) = self.format else { return };
        let cap = self.capacity();
        if at < self.write_end || at - self.write_end >= cap {
            // Moving backwards or past a whole ring: nothing older stays meaningful.
            self.reset(format, at);
            return;
        }
        let gap = at - self.write_end;
        let mut index = self.write_end;
        let mut left = gap;
        while left > 0 {
            let Some((offset, run)) = self.run_at(index, left) else {
                return;
            };
            let block = usize::from(format.block_align());
            if let Some(dst) = self.memory.slice_mut(offset, bytes_of(run, block)) {
                fill_silence(dst, &format);
            }
            index += run;
            left -= run;
        }
        self.write_end = at;
        self.valid_from = self.valid_from.max(at.saturating_sub(cap));
    }

    /// The byte offset of cable index `index` and how many frames (≤ `max`) run contiguously.
    fn run_at(&self, index: u64, max: u64) -> Option<(usize, u64)> {
        let cap = self.capacity();
        if cap == 0 {
            return None;
        }
        let slot = index % cap;
        let run = max.min(cap - slot);
        let block = u64::from(self.format?.block_align());
        Some((usize::try_from(slot * block).ok()?, run))
    }

    /// Marks `frames` frames written at the write end.
    fn advance(&mut self, frames: u64) {
        self.write_end += frames;
        self.valid_from = self
            .valid_from
            .max(self.write_end.saturating_sub(self.capacity()));
    }
}

/// Per-side bookkeeping that belongs to the cable, not to the stream.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    /// Cable index = stream frame + offset (wrapping arithmetic), fixed for one run.
    offset: u64,
    /// Render: inside an underrun (for counting underrun episodes, not frames).
    in_underrun: bool,
}

/// One loopback cable: a render pin, a capture pin and the ring between them.
#[derive(Debug)]
pub struct Cable {
    render: Option<Stream>,
    capture: Option<Stream>,
    ring: Ring,
    render_side: Side,
    capture_side: Side,
    render_gain: Gain,
    capture_gain: Gain,
    freq: CounterFrequency,
    /// Underrun episodes (a packet-mode render client stopped writing) since creation.
    underrun_episodes: u64,
    /// The ring → capture channel map for the current pair of channel counts.
    capture_map: ChannelMap,
}

impl Cable {
    /// A cable whose ring lives in `ring_memory` (size it for the largest format the
    /// configuration allows times the longest gap a reader may leave — see `ring_bytes`).
    pub fn new(ring_memory: DmaBuffer, freq: CounterFrequency) -> Cable {
        Cable {
            render: None,
            capture: None,
            ring: Ring {
                memory: ring_memory,
                format: None,
                write_end: 0,
                valid_from: 0,
                epoch: 0,
            },
            render_side: Side::default(),
            capture_side: Side::default(),
            render_gain: Gain::UNITY,
            capture_gain: Gain::UNITY,
            freq,
            underrun_episodes: 0,
            capture_map: ChannelMap::new(Channels::STEREO, Channels::STEREO),
        }
    }

    /// Ring bytes for `seconds_x1000` milliseconds of the largest frame at the highest rate.
    pub const fn ring_bytes(max_rate: u32, max_block_align: u16, millis: u32) -> usize {
        (max_rate as usize * millis as usize / 1000) * max_block_align as usize
    }

    /// Ring bytes for a device configured by `config`: [`RING_MILLIS`] of the widest frame
    /// any configured format has (channels × the largest configured sample container) at the
    /// highest configured rate. Both adapters size every cable's ring with this.
    pub fn ring_bytes_for(config: &DeviceConfig) -> usize {
        let max_rate = config.rates().iter().map(SampleRate::hz).max().unwrap_or(0);
        let max_container = config
            .sample_types()
            .iter()
            .map(SampleType::container_bytes)
            .max()
            .unwrap_or(0);
        let block = config.channels().get().saturating_mul(max_container);
        Self::ring_bytes(max_rate, block, RING_MILLIS)
    }

    /// Takes the ring memory back (when the cable is destroyed).
    pub fn into_ring_memory(self) -> DmaBuffer {
        self.ring.memory
    }

    /// Takes the ring memory back in place, leaving a zero-length ring ([`DmaBuffer::empty`]),
    /// for a cable being destroyed from behind a reference (a `Drop`). Unlike
    /// [`Self::into_ring_memory`] it moves no `Cable` (over a kilobyte) through the stack. The
    /// cable moves no audio afterwards: every ring access is bounds-checked against the new
    /// length of 0.
    pub fn take_ring_memory(&mut self) -> DmaBuffer {
        core::mem::replace(&mut self.ring.memory, DmaBuffer::empty())
    }

    pub fn gain(&self, direction: Direction) -> &Gain {
        match direction {
            Direction::Render => &self.render_gain,
            Direction::Capture => &self.capture_gain,
        }
    }

    pub fn gain_mut(&mut self, direction: Direction) -> &mut Gain {
        match direction {
            Direction::Render => &mut self.render_gain,
            Direction::Capture => &mut self.capture_gain,
        }
    }

    pub const fn underrun_episodes(&self) -> u64 {
        self.underrun_episodes
    }

    /// Cable time at `now`, lifted by [`INDEX_BASE`] so that index arithmetic never goes
    /// below zero (a capture stream reads `DELAY_FRAMES` behind a render stream that may
    /// have started at frame 0 of cable time).
    fn cable_index(&self, now: Ticks, rate: u32) -> u64 {
        ticks_to_frames(now.0, rate, self.freq).saturating_add(INDEX_BASE)
    }

    fn pull_render(&mut self, now: Ticks) {
        let Some(render) = self.render.as_mut() else {
            return;
        };
        if !render.timebase().is_running() {
            return;
        }
        let pos = render.frames_at(now);
        let Some(geometry) = render.geometry().copied() else {
            return;
        };
        // Only the last buffer's worth of frames can still be in the buffer.
        let transferred = render.transferred();
        let oldest = pos.saturating_sub(u64::from(geometry.frames()));
        let dropped = oldest.saturating_sub(transferred);
        let from = transferred.max(oldest);
        // Cable time up to `from` is settled, even when no frame was played since the last
        // pull: a gap render did not write (it was paused or stopped) becomes silence here,
        // so a capture read arriving before render's first frame after a restart finds it
        // written instead of counting it as dropped.
        self.ring
            .seek_write(from.wrapping_add(self.render_side.offset));
        if pos <= from {
            return;
        }
        let mut underrun_frames = 0u64;
        let render: &Stream = render;
        let Some(buffer) = render.buffer() else {
            return;
        };
        let format = *render.format();
        let block = usize::from(format.block_align());
        let mut frame = from;
        'runs: while frame < pos {
            let (kind, run) = render.render_data(frame, pos - frame);
            let run = run.clamp(1, pos - frame);
            if kind == RenderData::Valid {
                self.render_side.in_underrun = false;
                let Ok(run32) = u32::try_from(run) else { break };
                for r in geometry.ranges(frame, run32) {
                    let mut done = 0u64;
                    while done < u64::from(r.frames) {
                        let Some((dst_off, n)) = self
                            .ring
                            .run_at(self.ring.write_end, u64::from(r.frames) - done)
                        else {
                            break 'runs;
                        };
                        let src_off = (r.offset as usize).saturating_add(bytes_of(done, block));
                        let bytes = bytes_of(n, block);
                        let (Some(src), Some(dst)) = (
                            buffer.memory.slice(src_off, bytes),
                            self.ring.memory.slice_mut(dst_off, bytes),
                        ) else {
                            break 'runs;
                        };
                        // Same format on both sides: only the gain can make this more than a copy.
                        let _ = convert(src, &format, dst, &format, &self.render_gain);
                        self.ring.advance(n);
                        if n == 0 {
                            // No progress is a bug, never a reason to spin in a DPC.
                            break 'runs;
                        }
                        done += n;
                    }
                }
            } else {
                if kind == RenderData::Missing {
                    if !self.render_side.in_underrun {
                        self.underrun_episodes += 1;
                    }
                    self.render_side.in_underrun = true;
                    underrun_frames += run;
                }
                let end = self.ring.write_end + run;
                self.ring.seek_write(end);
            }
            frame += run;
        }
        if let Some(r) = self.render.as_mut() {
            let st = r.stats_mut();
            st.underrun_frames += underrun_frames;
            st.dropped_frames += dropped;
            r.set_transferred(pos);
        }
    }

    fn fill_capture(&mut self, now: Ticks) {
        let render_running = self
            .render
            .as_ref()
            .is_some_and(|r| r.timebase().is_running());
        let Some(capture) = self.capture.as_mut() else {
            return;
        };
        if !capture.timebase().is_running() {
            return;
        }
        let Some(geometry) = capture.geometry().copied() else {
            return;
        };
        let cformat = *capture.format();
        let cblock = usize::from(cformat.block_align());
        let pos = capture.frames_at(now);
        // Frames older than one buffer would be overwritten before anyone could read them.
        let from = capture
            .transferred()
            .max(pos.saturating_sub(u64::from(geometry.frames())));
        if pos <= from {
            return;
        }
        let Ok(count) = u32::try_from(pos - from) else {
            return;
        };
        let mut dropped = 0u64;
        let ring = &self.ring;
        // The channel map between the ring's and the capture format: built once per pair of
        // channel counts, not per call.
        if let Some(rformat) = ring.format
            && (self.capture_map.src_channels() != rformat.channels()
                || self.capture_map.dst_channels() != cformat.channels())
        {
            self.capture_map = ChannelMap::new(rformat.channels(), cformat.channels());
        }
        let map = &self.capture_map;
        let Some(buffer) = capture.buffer_mut() else {
            return;
        };
        'ranges: for r in geometry.ranges(from, count) {
            let mut done = 0u64;
            while done < u64::from(r.frames) {
                let index = (r.first_frame + done).wrapping_add(self.capture_side.offset);
                let left = u64::from(r.frames) - done;
                let dst_off = (r.offset as usize).saturating_add(bytes_of(done, cblock));
                let readable = match ring.format {
                    Some(rformat) if index >= ring.valid_from && index < ring.write_end => {
                        Some(rformat)
                    }
                    _ => None,
                };
                let n = if let Some(rformat) = readable {
                    let Some((src_off, n)) = ring.run_at(index, left.min(ring.write_end - index))
                    else {
                        break 'ranges;
                    };
                    let src_bytes = bytes_of(n, usize::from(rformat.block_align()));
                    let (Some(src), Some(dst)) = (
                        ring.memory.slice(src_off, src_bytes),
                        buffer.memory.slice_mut(dst_off, bytes_of(n, cblock)),
                    ) else {
                        break 'ranges;
                    };
                    let _ = convert_mapped(src, &rformat, dst, &cformat, &self.capture_gain, map);
                    n
                } else {
                    // Not written (render idle) or already overwritten (reader too late).
                    let n = if index < ring.valid_from {
                        left.min(ring.valid_from - index)
                    } else {
                        left
                    };
                    if render_running && ring.format.is_some() && index >= ring.epoch {
                        dropped += n;
                    }
                    if let Some(dst) = buffer.memory.slice_mut(dst_off, bytes_of(n, cblock)) {
                        fill_silence(dst, &cformat);
                    }
                    n
                };
                if n == 0 {
                    // No progress is a bug, never a reason to spin in a DPC: stop here (the
                    // frames left are silence from the last pass, and tests see them).
                    break 'ranges;
                }
                done += n;
            }
        }
        capture.stats_mut().dropped_frames += dropped;
        capture.set_transferred(pos);
    }
}

/// Presence and the debug link are the [`VirtualDevice`](super::virtual_device::VirtualDevice)'s
/// (their one owner); a bare cable is always present and records nothing.
impl AudioDevice for Cable {
    fn stream(&self, direction: Direction) -> Option<&Stream> {
        match direction {
            Direction::Render => self.render.as_ref(),
            Direction::Capture => self.capture.as_ref(),
        }
    }

    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream> {
        match direction {
            Direction::Render => self.render.as_mut(),
            Direction::Capture => self.capture.as_mut(),
        }
    }

    fn has_pin(&self, _direction: Direction) -> bool {
        true
    }

    fn check_format(&self, direction: Direction, format: &Format) -> Result<(), StreamError> {
        let other = match direction {
            Direction::Render => Direction::Capture,
            Direction::Capture => Direction::Render,
        };
        match self.stream(other) {
            Some(s) if s.format().rate() != format.rate() => {
                Err(StreamError::Format(FormatError::NotInRange))
            }
            _ => Ok(()),
        }
    }

    fn install(&mut self, stream: Stream) -> Result<(), StreamError> {
        let slot = match stream.direction() {
            Direction::Render => &mut self.render,
            Direction::Capture => &mut self.capture,
        };
        if slot.is_some() {
            return Err(StreamError::Busy);
        }
        *slot = Some(stream);
        Ok(())
    }

    fn remove(&mut self, direction: Direction) -> Option<Stream> {
        match direction {
            Direction::Render => self.render.take(),
            Direction::Capture => self.capture.take(),
        }
    }

    fn sync(&mut self, now: Ticks) {
        // Render first: capture may only read what render has already put in the ring.
        self.pull_render(now);
        self.fill_capture(now);
    }

    fn state_changed(&mut self, direction: Direction, to: KsState, now: Ticks) {
        if to != KsState::Run {
            return;
        }
        let Some(s) = self.stream(direction) else {
            return;
        };
        let format = *s.format();
        let pos = s.frames_at(now);
        let c = self.cable_index(now, format.rate().hz());
        match direction {
            Direction::Render => {
                self.render_side.offset = c.wrapping_sub(pos);
                if self.ring.format != Some(format) {
                    self.ring.reset(format, c);
                }
                if let Some(r) = self.render.as_mut() {
                    r.set_transferred(pos);
                }
            }
            Direction::Capture => {
                self.capture_side.offset = c.wrapping_sub(pos).wrapping_sub(DELAY_FRAMES);
                let latency = Stream::latency_for_delay(&format, 1, self.freq);
                if let Some(cap) = self.capture.as_mut() {
                    cap.set_transferred(pos);
                    cap.set_latency(latency);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
