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
//! ## The usual sync: one copy each way
//! Most syncs of a running cable move a few hundred bytes, so what a sync costs besides the
//! copy matters as much as the copy. `sync` first tries the one-copy paths
//! (`Cable::pull_render_contiguous`, `Cable::fill_capture_contiguous`): when a side is
//! running and unwatched, its gain is unity, render has client data for every frame, capture
//! reads the ring's own format, nothing was dropped or skipped, and the frames since the last
//! sync lie in one packet of the stream's buffer and in one stretch of the ring, they do a
//! few comparisons and one copy ([`crate::copy::copy_bytes`]: SSE2 on x64). Anything else goes the general
//! way, which handles every case; the tests drive both on random schedules and require the
//! same bytes, positions and counters, and hold the usual sync to the one-copy path.
//! Positions come from the clock by a multiplication instead of a division
//! ([`crate::time::Divisor`]).
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
use crate::convert::{convert_mapped, fill_silence};
use crate::copy::copy_bytes;
use crate::format::{Channels, Format, FormatError, SampleRate, SampleType};
use crate::gain::Gain;
use crate::geometry::{BufferCursor, BufferGeometry};
use crate::level::Peaks;
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
///
/// Cable index `i` lives in slot `i % cap`. The data path never divides: `reset` computes the
/// capacity, the frame size and the write end's slot once, every move of the write end keeps
/// the slot by one comparison and subtraction, and a read — always within one capacity
/// behind the write end — finds its slot from the write end's.
#[derive(Debug)]
struct Ring {
    memory: DmaBuffer,
    /// Format of the frames held; `None` until a render stream first runs.
    format: Option<Format>,
    /// Frames the memory holds in `format` (0 without a format), set by `reset`.
    cap: u64,
    /// Bytes per frame of `format`, set by `reset`.
    block: usize,
    /// Cable index one past the newest frame written.
    write_end: u64,
    /// `write_end % cap` (0 when `cap` is 0): the slot the next frame is written to.
    write_slot: u64,
    /// Oldest cable index that holds a written frame (older ones read as silence). Always at
    /// least `write_end - cap`, so every readable index is within one capacity of the end.
    valid_from: u64,
    /// Cable index of the last reset: from here on, every index was written (possibly with
    /// silence), so a read that finds no data at or after it lost data.
    epoch: u64,
}

impl Ring {
    /// Starts holding `format` frames from cable index `at` on, forgetting older content.
    fn reset(&mut self, format: Format, at: u64) {
        let block = usize::from(format.block_align());
        self.format = Some(format);
        self.block = block;
        self.cap = self
            .memory
            .len()
            .checked_div(block)
            .and_then(|frames| u64::try_from(frames).ok())
            .unwrap_or(0);
        self.write_end = at;
        self.write_slot = at.checked_rem(self.cap).unwrap_or(0);
        self.valid_from = at;
        self.epoch = at;
    }

    /// Makes `at` the next index to write: a gap since the last write becomes silence.
    #[inline]
    fn seek_write(&mut self, at: u64) {
        if at != self.write_end {
            self.seek_write_gap(at);
        }
        // Else nothing to settle (`valid_from` already covers `write_end - cap`).
    }

    /// [`Self::seek_write`] to an index other than the write end (out of line: the data
    /// path's usual call settles nothing).
    #[cold]
    #[inline(never)]
    fn seek_write_gap(&mut self, at: u64) {
        let Some(format) = self.format else { return };
        let gap = at.wrapping_sub(self.write_end);
        if at < self.write_end || gap >= self.cap {
            // Moving backwards or past a whole ring: nothing older stays meaningful.
            self.reset(format, at);
            return;
        }
        let mut left = gap;
        while left > 0 {
            let Some((offset, run)) = self.write_run(left).filter(|&(_, run)| run > 0) else {
                // Unreachable with cap > gap > 0 (write_run never reports an empty run); never
                // a reason to spin in a DPC.
                self.reset(format, at);
                return;
            };
            if let Some(dst) = self.memory.slice_mut(offset, bytes_of(run, self.block)) {
                fill_silence(dst, &format);
            }
            self.advance(run);
            // run ≤ left (write_run's contract).
            left = left.wrapping_sub(run);
        }
    }

    /// The byte offset of the write end and how many frames (1 ..= `max`) can be written there
    /// contiguously; `None` for an empty ring or `max` of 0.
    #[inline]
    fn write_run(&self, max: u64) -> Option<(usize, u64)> {
        self.run_from_slot(self.write_slot, max)
    }

    /// How many of the `left` unreadable frames from `index` on form one silent run, judged
    /// as a whole (dropped or not): the run ends at the epoch (nothing before render's first
    /// frame is a drop, an overwritten frame after it is) and at `valid_from`; at or past
    /// `valid_from` (not written yet) it is all of `left`. Never 0 when `left` is not.
    #[inline]
    fn silent_run(&self, index: u64, left: u64) -> u64 {
        match [self.epoch, self.valid_from]
            .into_iter()
            .find(|&b| index < b)
        {
            Some(bound) => left.min(bound.wrapping_sub(index)),
            None => left,
        }
    }

    /// The byte offset of cable index `index` and how many frames (1 ..= `max`) run
    /// contiguously from it; `index` must lie within one capacity before the write end
    /// (`write_end - cap ≤ index ≤ write_end`, which every index at or after `valid_from`
    /// does), else `None`.
    // Always inlined: on the one-copy path an out-of-line call costs as much as its body.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn read_run(&self, index: u64, max: u64) -> Option<(usize, u64)> {
        let back = self.write_end.checked_sub(index)?;
        if back > self.cap {
            return None;
        }
        // write_slot < cap and back ≤ cap: the slot `back` frames before the write end,
        // wrapping once at most.
        let slot = if back <= self.write_slot {
            self.write_slot.wrapping_sub(back)
        } else {
            self.write_slot.wrapping_add(self.cap.wrapping_sub(back))
        };
        self.run_from_slot(slot, max)
    }

    #[inline]
    fn run_from_slot(&self, slot: u64, max: u64) -> Option<(usize, u64)> {
        let room = self.cap.checked_sub(slot).filter(|&r| r > 0)?;
        let run = max.min(room);
        if run == 0 {
            return None;
        }
        Some((bytes_of(slot, self.block), run))
    }

    /// Marks `frames` frames written at the write end; `frames` is at most the room
    /// [`Self::write_run`] reported, so the slot wraps at most once.
    // Always inlined: on the one-copy path an out-of-line call costs as much as its body.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn advance(&mut self, frames: u64) {
        self.write_end = self.write_end.wrapping_add(frames);
        let mut slot = self.write_slot.wrapping_add(frames);
        if slot >= self.cap {
            slot = slot.wrapping_sub(self.cap);
            if slot >= self.cap {
                // Only if a caller broke the contract: stay exact anyway.
                slot = self.write_end.checked_rem(self.cap).unwrap_or(0);
            }
        }
        self.write_slot = slot;
        self.valid_from = self.valid_from.max(self.write_end.saturating_sub(self.cap));
    }
}

/// Per-side bookkeeping that belongs to the cable, not to the stream.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    /// Cable index = stream frame + offset (wrapping arithmetic), fixed for one run.
    offset: u64,
    /// Render: inside an underrun (for counting underrun episodes, not frames).
    in_underrun: bool,
    /// Where the last transfer ended in the stream's buffer, so the next one finds its place
    /// without a division (a stale cursor is only slower: see `BufferGeometry::cursor_near`).
    cursor: Option<BufferCursor>,
}

impl Side {
    /// The buffer cursor of `frame` in `geometry`, from the last one when it is close.
    #[inline]
    fn cursor_at(&self, geometry: &BufferGeometry, frame: u64) -> BufferCursor {
        match self.cursor {
            Some(c) => geometry.cursor_near(c, frame),
            None => geometry.cursor(frame),
        }
    }
}

/// Whether a gain is unity for a channel count, remembered until the gain may have changed.
/// Every change to a cable's gains goes through [`Cable::gain_mut`], which forgets it, so the
/// data path asks [`Gain::is_unity_for`] once per change instead of once per call.
#[derive(Clone, Copy, Debug, Default)]
struct UnityCache(Option<(Channels, bool)>);

impl UnityCache {
    #[inline]
    fn get(&mut self, gain: &Gain, channels: Channels) -> bool {
        match self.0 {
            Some((c, unity)) if c == channels => unity,
            _ => {
                let unity = gain.is_unity_for(channels);
                self.0 = Some((channels, unity));
                unity
            }
        }
    }
}

/// Moves one contiguous run from `src` to `dst` (both in `format` when `plain`): a plain copy
/// when `plain` (metered in the same pass while `metering`), else `convert` and, while
/// metering, a pass over what it wrote.
#[inline]
fn move_run(
    plain: bool,
    metering: bool,
    peaks: &mut Peaks,
    format: &Format,
    src: &[u8],
    dst: &mut [u8],
    convert: impl FnOnce(&[u8], &mut [u8]),
) {
    let (sample, channels) = (format.sample(), usize::from(format.channels().get()));
    if plain && peaks.copy_maybe_observe(metering, sample, channels, src, dst) {
        return;
    }
    convert(src, dst);
    if metering {
        peaks.observe(sample, channels, dst);
    }
}

/// Readies the ring → capture conversion: the channel map between the ring's format and
/// `cformat` (built once per pair of channel counts, not per call), and whether frames can be
/// copied as they are — same layout on both sides and a unity gain, what `convert_mapped`
/// would do, without its per-call checks.
fn prepare_capture(
    ring_format: Option<Format>,
    cformat: &Format,
    map: &mut ChannelMap,
    unity: &mut UnityCache,
    gain: &Gain,
) -> bool {
    let Some(rformat) = ring_format else {
        return false;
    };
    if map.src_channels() != rformat.channels() || map.dst_channels() != cformat.channels() {
        *map = ChannelMap::new(rformat.channels(), cformat.channels());
    }
    rformat.sample() == cformat.sample()
        && rformat.channels() == cformat.channels()
        && rformat.rate() == cformat.rate()
        && unity.get(gain, cformat.channels())
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
    render_unity: UnityCache,
    capture_unity: UnityCache,
    freq: CounterFrequency,
    /// Underrun episodes (a packet-mode render client stopped writing) since creation.
    underrun_episodes: u64,
    /// The ring → capture channel map for the current pair of channel counts.
    capture_map: ChannelMap,
    /// The render → ring map (the identity for the render channel count), for a render gain
    /// that is not unity.
    render_map: ChannelMap,
    /// Tests only: take the general paths always, to compare the contiguous ones with them.
    #[cfg(test)]
    general_only: bool,
    /// Tests only: syncs each contiguous path (render, capture) handled, so a test can hold
    /// the usual sync to the one-copy path the performance figures rely on.
    #[cfg(test)]
    contiguous_taken: [u64; 2],
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
                cap: 0,
                block: 0,
                write_end: 0,
                write_slot: 0,
                valid_from: 0,
                epoch: 0,
            },
            render_side: Side::default(),
            capture_side: Side::default(),
            render_gain: Gain::UNITY,
            capture_gain: Gain::UNITY,
            render_unity: UnityCache::default(),
            capture_unity: UnityCache::default(),
            freq,
            underrun_episodes: 0,
            capture_map: ChannelMap::new(Channels::STEREO, Channels::STEREO),
            render_map: ChannelMap::new(Channels::STEREO, Channels::STEREO),
            #[cfg(test)]
            general_only: false,
            #[cfg(test)]
            contiguous_taken: [0; 2],
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
        self.ring.cap = 0;
        self.ring.write_slot = 0;
        core::mem::replace(&mut self.ring.memory, DmaBuffer::empty())
    }

    pub fn gain(&self, direction: Direction) -> &Gain {
        match direction {
            Direction::Render => &self.render_gain,
            Direction::Capture => &self.capture_gain,
        }
    }

    /// The gain to change. The data path's note of whether it is unity is forgotten here, so
    /// whatever the caller changes takes effect on the next sync.
    pub fn gain_mut(&mut self, direction: Direction) -> &mut Gain {
        match direction {
            Direction::Render => {
                self.render_unity = UnityCache::default();
                &mut self.render_gain
            }
            Direction::Capture => {
                self.capture_unity = UnityCache::default();
                &mut self.capture_gain
            }
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

    /// Whether the contiguous paths may be taken (always outside tests).
    #[inline]
    #[cfg_attr(not(test), allow(clippy::unused_self))]
    fn contiguous_allowed(&self) -> bool {
        #[cfg(test)]
        {
            !self.general_only
        }
        #[cfg(not(test))]
        {
            true
        }
    }

    /// The usual render pull in one copy: running, unwatched, unity gain, client data for
    /// every frame, nothing dropped, no gap, and the frames contiguous both in the render
    /// buffer and in the ring. Does exactly what [`Self::pull_render`] would do then (the
    /// tests compare the two on random schedules) with a fraction of its bookkeeping; returns
    /// `false`, having changed nothing, whenever anything else applies.
    #[inline]
    fn pull_render_contiguous(&mut self, now: Ticks) -> bool {
        let Some(render) = self.render.as_mut() else {
            return false;
        };
        let Some(cursor) = self.render_side.cursor else {
            return false;
        };
        let from = render.transferred();
        if !render.timebase().is_running()
            || render.level_meter().is_armed()
            || cursor.frame() != from
            || from.wrapping_add(self.render_side.offset) != self.ring.write_end
        {
            return false;
        }
        let pos = render.frames_at(now);
        // Nothing played since the last pull: all `pull_render` would do is settle the write
        // end where it already is.
        let Some(count) = pos.checked_sub(from).filter(|&n| n > 0) else {
            return true;
        };
        let format = *render.format();
        if self.ring.format != Some(format)
            || !self.render_unity.get(&self.render_gain, format.channels())
            || !(render.plays_every_frame()
                || render.render_data(from, count) == (RenderData::Valid, count))
        {
            return false;
        }
        let Some(buffer) = render.buffer() else {
            return false;
        };
        // One packet holds all `count` frames (so nothing is older than a buffer: none dropped).
        let Some((src_off, next)) = buffer.geometry.contiguous(cursor, count) else {
            return false;
        };
        let Some((dst_off, room)) = self.ring.write_run(count) else {
            return false;
        };
        let bytes = bytes_of(count, self.ring.block);
        let (true, Some(src), Some(dst)) = (
            room == count,
            buffer.memory.slice(src_off as usize, bytes),
            self.ring.memory.slice_mut(dst_off, bytes),
        ) else {
            return false;
        };
        copy_bytes(dst, src);
        self.ring.advance(count);
        self.render_side.in_underrun = false;
        self.render_side.cursor = Some(next);
        render.set_transferred(pos);
        true
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
        // The ring holds frames in the render format: with a unity gain a frame is copied as
        // it is (what `convert` would do, without its per-call checks and channel map).
        let plain = self.render_unity.get(&self.render_gain, format.channels());
        if !plain && self.render_map.src_channels() != format.channels() {
            self.render_map = ChannelMap::new(format.channels(), format.channels());
        }
        // Metering only while a status reader watches (see `level`).
        let metering = render.level_meter().is_armed();
        let mut peaks = render.level_meter().filling();
        // pos - from ≤ one buffer: every cursor below is found without a division.
        let start = self.render_side.cursor_at(&geometry, from);
        let mut frame = from;
        'runs: while frame < pos {
            let (kind, run) = render.render_data(frame, pos.wrapping_sub(frame));
            let run = run.clamp(1, pos.wrapping_sub(frame));
            if kind == RenderData::Valid {
                self.render_side.in_underrun = false;
                let Ok(run32) = u32::try_from(run) else { break };
                let at = geometry.cursor_near(start, frame);
                for r in geometry.ranges_at(at, run32) {
                    let mut done = 0u64;
                    let frames = u64::from(r.frames);
                    while done < frames {
                        // done < frames: no underflow. A run of 0 frames would be no
                        // progress: a bug, never a reason to spin in a DPC.
                        let Some((dst_off, n)) = self
                            .ring
                            .write_run(frames.wrapping_sub(done))
                            .filter(|&(_, n)| n > 0)
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
                        // The meter reads what enters the cable (after the render gain).
                        let (gain, map) = (&self.render_gain, &self.render_map);
                        move_run(plain, metering, &mut peaks, &format, src, dst, |s, d| {
                            // Same format on both sides: only the gain makes this more than a
                            // copy.
                            let _ = convert_mapped(s, &format, d, &format, gain, map);
                        });
                        // n ≥ 1 (checked above), so every pass makes progress.
                        self.ring.advance(n);
                        done = done.wrapping_add(n);
                    }
                }
            } else {
                if kind == RenderData::Missing {
                    if !self.render_side.in_underrun {
                        self.underrun_episodes = self.underrun_episodes.saturating_add(1);
                    }
                    self.render_side.in_underrun = true;
                    underrun_frames = underrun_frames.saturating_add(run);
                }
                let end = self.ring.write_end.wrapping_add(run);
                self.ring.seek_write(end);
            }
            // frame < pos and run ≤ pos - frame.
            frame = frame.wrapping_add(run);
        }
        self.render_side.cursor = Some(geometry.cursor_near(start, pos));
        if let Some(r) = self.render.as_mut() {
            let st = r.stats_mut();
            st.underrun_frames = st.underrun_frames.saturating_add(underrun_frames);
            st.dropped_frames = st.dropped_frames.saturating_add(dropped);
            // pos - from ≤ one buffer (u32 frames); silence and gaps count as moved frames.
            let moved = u32::try_from(pos.wrapping_sub(from)).unwrap_or(u32::MAX);
            if metering {
                r.level_meter_mut().put_back(peaks, moved);
            }
            r.set_transferred(pos);
        }
    }

    /// The usual capture fill in one copy: running, unwatched, the same format as the ring's
    /// with a unity gain, every frame written and not yet overwritten, nothing dropped, and
    /// the frames contiguous both in the ring and in the capture buffer. Does exactly what
    /// [`Self::fill_capture`] would do then (compared on random schedules by the tests);
    /// returns `false`, having changed nothing, whenever anything else applies.
    #[inline]
    fn fill_capture_contiguous(&mut self, now: Ticks) -> bool {
        let Some(capture) = self.capture.as_mut() else {
            return false;
        };
        let Some(cursor) = self.capture_side.cursor else {
            return false;
        };
        let from = capture.transferred();
        if !capture.timebase().is_running()
            || capture.level_meter().is_armed()
            || cursor.frame() != from
        {
            return false;
        }
        let pos = capture.frames_at(now);
        // Nothing to fill: `fill_capture` would change nothing either.
        let Some(count) = pos.checked_sub(from).filter(|&n| n > 0) else {
            return true;
        };
        let index = from.wrapping_add(self.capture_side.offset);
        let ring = &self.ring;
        // Every frame readable: written (before the write end) and not overwritten.
        if index < ring.valid_from
            || index >= ring.write_end
            || count > ring.write_end.wrapping_sub(index)
            || ring.format != Some(*capture.format())
            || !self
                .capture_unity
                .get(&self.capture_gain, capture.format().channels())
        {
            return false;
        }
        let Some((src_off, run)) = ring.read_run(index, count) else {
            return false;
        };
        let Some(buffer) = capture.buffer_mut() else {
            return false;
        };
        let Some((dst_off, next)) = buffer.geometry.contiguous(cursor, count) else {
            return false;
        };
        let bytes = bytes_of(count, ring.block);
        let (true, Some(src), Some(dst)) = (
            run == count,
            ring.memory.slice(src_off, bytes),
            buffer.memory.slice_mut(dst_off as usize, bytes),
        ) else {
            return false;
        };
        copy_bytes(dst, src);
        self.capture_side.cursor = Some(next);
        capture.set_transferred(pos);
        true
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
        let pos = capture.frames_at(now);
        // Frames older than one buffer would be overwritten before anyone could read them.
        let from = capture
            .transferred()
            .max(pos.saturating_sub(u64::from(geometry.frames())));
        if pos <= from {
            return;
        }
        let Ok(count) = u32::try_from(pos.wrapping_sub(from)) else {
            return;
        };
        let cformat = *capture.format();
        let cblock = usize::from(cformat.block_align());
        let mut dropped = 0u64;
        let plain = prepare_capture(
            self.ring.format,
            &cformat,
            &mut self.capture_map,
            &mut self.capture_unity,
            &self.capture_gain,
        );
        let ring = &self.ring;
        let map = &self.capture_map;
        // pos - from ≤ one buffer: the cursors are found without a division.
        let start = self.capture_side.cursor_at(&geometry, from);
        self.capture_side.cursor = Some(geometry.cursor_near(start, pos));
        let Some((buffer, meter)) = capture.buffer_and_meter_mut() else {
            return;
        };
        let metering = meter.is_armed();
        let mut peaks = meter.filling();
        'ranges: for r in geometry.ranges_at(start, count) {
            let mut done = 0u64;
            let frames = u64::from(r.frames);
            while done < frames {
                let index = r
                    .first_frame
                    .wrapping_add(done)
                    .wrapping_add(self.capture_side.offset);
                // done < frames: no underflow.
                let left = frames.wrapping_sub(done);
                let dst_off = (r.offset as usize).saturating_add(bytes_of(done, cblock));
                let readable = match ring.format {
                    Some(rformat) if index >= ring.valid_from && index < ring.write_end => {
                        Some(rformat)
                    }
                    _ => None,
                };
                let n = if let Some(rformat) = readable {
                    // valid_from ≤ index < write_end: within one capacity of the write end.
                    let Some((src_off, n)) =
                        ring.read_run(index, left.min(ring.write_end.wrapping_sub(index)))
                    else {
                        break 'ranges;
                    };
                    let src_bytes = bytes_of(n, ring.block);
                    let (Some(src), Some(dst)) = (
                        ring.memory.slice(src_off, src_bytes),
                        buffer.memory.slice_mut(dst_off, bytes_of(n, cblock)),
                    ) else {
                        break 'ranges;
                    };
                    // The meter reads what the capture client gets (after conversion and
                    // the capture gain).
                    let gain = &self.capture_gain;
                    move_run(plain, metering, &mut peaks, &cformat, src, dst, |s, d| {
                        let _ = convert_mapped(s, &rformat, d, &cformat, gain, map);
                    });
                    n
                } else {
                    // Not written (render idle) or already overwritten (reader too late).
                    let n = ring.silent_run(index, left);
                    if render_running && ring.format.is_some() && index >= ring.epoch {
                        dropped = dropped.saturating_add(n);
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
                done = done.wrapping_add(n);
            }
        }
        if metering {
            meter.put_back(peaks, count);
        }
        let st = capture.stats_mut();
        st.dropped_frames = st.dropped_frames.saturating_add(dropped);
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
        // The contiguous paths first: the usual sync moves one contiguous run each way.
        if self.contiguous_allowed() && self.pull_render_contiguous(now) {
            #[cfg(test)]
            {
                self.contiguous_taken[0] += 1;
            }
        } else {
            self.pull_render(now);
        }
        if self.contiguous_allowed() && self.fill_capture_contiguous(now) {
            #[cfg(test)]
            {
                self.contiguous_taken[1] += 1;
            }
        } else {
            self.fill_capture(now);
        }
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
