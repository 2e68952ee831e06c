//! The cyclic (WaveRT) buffer's geometry: how many frames, how many packets, where each
//! frame lives in memory.
//!
//! WaveRT buffers are one contiguous region split into `NotificationCount` packets. ACX hands
//! each packet to the framework as its own page-aligned allocation, so a packet may be
//! followed by padding up to the next page: the geometry carries a packet *stride* in bytes,
//! equal to the packet size for PortCls and page-rounded for ACX.

use crate::format::Format;
use crate::status::NtStatus;

/// The number of packets (notifications) per buffer pass: 1 or 2, as WaveRT and ACX allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketCount {
    One = 1,
    Two = 2,
}

impl PacketCount {
    /// Validates an untrusted NotificationCount / PacketCount.
    pub const fn from_raw(n: u32) -> Result<PacketCount, BufferError> {
        match n {
            1 => Ok(PacketCount::One),
            2 => Ok(PacketCount::Two),
            _ => Err(BufferError::PacketCount),
        }
    }

    pub const fn get(self) -> u32 {
        self as u32
    }
}

/// Limits on the buffers a stream may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferLimits {
    /// The fewest frames a packet may hold. One millisecond at 8 kHz is 8 frames; nothing
    /// useful is smaller, and tiny packets would turn timers into an interrupt storm.
    pub min_packet_frames: u32,
    /// The most bytes a buffer may take. Larger requests are clamped (the DDI returns the
    /// actual size), not refused: a client asking for "as much as you can" gets the maximum.
    pub max_bytes: u32,
}

impl BufferLimits {
    pub const DEFAULT: BufferLimits = BufferLimits {
        min_packet_frames: 8,
        max_bytes: 8 << 20,
    };
}

/// A validated buffer layout for one format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferGeometry {
    packet_frames: u32,
    packets: PacketCount,
    block_align: u16,
    /// Bytes from the start of one packet to the start of the next (≥ packet bytes).
    stride: u32,
    /// Whether the client asked for notifications (events / packet-complete callbacks).
    notify: bool,
}

impl BufferGeometry {
    /// Plans a contiguous buffer (PortCls): `requested_bytes` is rounded down to whole frames,
    /// then to a whole number of equal packets, then clamped to `limits.max_bytes`.
    pub fn plan(
        format: &Format,
        requested_bytes: u32,
        packets: PacketCount,
        notify: bool,
        limits: &BufferLimits,
    ) -> Result<BufferGeometry, BufferError> {
        let block = u32::from(format.block_align());
        let bytes = requested_bytes.min(limits.max_bytes);
        let packet_frames = bytes / block / packets.get();
        Self::from_packet_frames(*format, packet_frames, packets, notify, *limits, 1)
    }

    /// Plans a buffer of `packets` separately allocated packets of `packet_bytes` each, every
    /// packet starting on an `align`-byte boundary (ACX: page-aligned packets).
    pub fn plan_packets(
        format: &Format,
        packet_bytes: u32,
        packets: PacketCount,
        limits: &BufferLimits,
        align: u32,
    ) -> Result<BufferGeometry, BufferError> {
        let block = u32::from(format.block_align());
        let per_packet_max = limits.max_bytes / packets.get();
        let packet_frames = packet_bytes.min(per_packet_max) / block;
        Self::from_packet_frames(*format, packet_frames, packets, true, *limits, align)
    }

    fn from_packet_frames(
        format: Format,
        packet_frames: u32,
        packets: PacketCount,
        notify: bool,
        limits: BufferLimits,
        align: u32,
    ) -> Result<BufferGeometry, BufferError> {
        if packet_frames < limits.min_packet_frames.max(1) {
            return Err(BufferError::TooSmall);
        }
        if !align.is_power_of_two() {
            return Err(BufferError::Alignment);
        }
        let block_align = format.block_align();
        let packet_bytes = packet_frames
            .checked_mul(u32::from(block_align))
            .ok_or(BufferError::TooLarge)?;
        let stride = packet_bytes
            .checked_next_multiple_of(align)
            .ok_or(BufferError::TooLarge)?;
        stride
            .checked_mul(packets.get())
            .ok_or(BufferError::TooLarge)?;
        Ok(BufferGeometry {
            packet_frames,
            packets,
            block_align,
            stride,
            notify,
        })
    }

    pub const fn packet_frames(&self) -> u32 {
        self.packet_frames
    }
    pub const fn packets(&self) -> PacketCount {
        self.packets
    }
    pub const fn block_align(&self) -> u16 {
        self.block_align
    }
    pub const fn notify(&self) -> bool {
        self.notify
    }
    /// Frames in one pass of the buffer.
    pub const fn frames(&self) -> u32 {
        self.packet_frames * self.packets.get()
    }
    /// Audio bytes in one packet.
    pub const fn packet_bytes(&self) -> u32 {
        self.packet_frames * self.block_align as u32
    }
    /// Bytes between packet starts.
    pub const fn stride(&self) -> u32 {
        self.stride
    }
    /// Audio bytes in the buffer (what a client may read or write).
    pub const fn audio_bytes(&self) -> u32 {
        self.packet_bytes() * self.packets.get()
    }
    /// Bytes of memory the buffer spans, padding included.
    pub const fn span_bytes(&self) -> u32 {
        self.stride * self.packets.get()
    }

    /// The packet (0-based, counted since the stream started) that linear frame `frame` is in.
    pub const fn packet_of_frame(&self, frame: u64) -> u64 {
        frame / self.packet_frames as u64
    }

    /// The byte offset of linear frame `frame` in the audio data, wrapping at the buffer size
    /// (what KSAUDIO_POSITION reports; padding excluded).
    pub const fn wrapped_offset(&self, frame: u64) -> u32 {
        let f = frame % self.frames() as u64;
        // f < frames() ≤ u32::MAX, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let f = f as u32;
        f * self.block_align as u32
    }

    /// Where linear frame `frame` falls in the buffer: one division (see [`BufferCursor`]).
    pub const fn cursor(&self, frame: u64) -> BufferCursor {
        let frames = self.frames();
        // `frames()` is at least 1 (a geometry has ≥ 1 frame per packet), so `checked_rem`
        // always succeeds; the remainder is below `frames`, so it fits in u32.
        #[allow(clippy::cast_possible_truncation)]
        let phase = match frame.checked_rem(frames as u64) {
            Some(p) => p as u32,
            None => 0,
        };
        BufferCursor {
            frame,
            phase,
            frames,
        }
    }

    /// The cursor of `frame`, derived from `near` by an addition and a subtraction when
    /// `frame` is at most one buffer pass after `near` and `near` was made for a buffer of
    /// this many frames; otherwise computed by [`Self::cursor`]. Exact either way.
    #[inline]
    pub fn cursor_near(&self, near: BufferCursor, frame: u64) -> BufferCursor {
        let frames = self.frames();
        if near.frames == frames
            && let Some(ahead) = frame.checked_sub(near.frame)
            && ahead <= u64::from(frames)
        {
            // near.phase < frames and ahead ≤ frames, so the sum is below 2 × frames (no
            // overflow in u64) and one subtraction brings it below `frames`.
            let mut phase = u64::from(near.phase).wrapping_add(ahead);
            if phase >= u64::from(frames) {
                phase = phase.wrapping_sub(u64::from(frames));
            }
            if let Ok(phase) = u32::try_from(phase) {
                return BufferCursor {
                    frame,
                    phase,
                    frames,
                };
            }
        }
        self.cursor(frame)
    }

    /// When the `count` frames from `at` lie in one packet (one contiguous range of memory):
    /// their byte offset in the span and the cursor one past them, by a few additions — what
    /// the first range of [`Self::ranges_at`] and [`Self::cursor_near`] give for the data
    /// path's usual transfer, without an iterator. `None` when they do not, when `count` is 0,
    /// or when `at` was made for a buffer of another size.
    // Always inlined: measured, the out-of-line call was a quarter of the cable's one-copy
    // sync (returning the pair through memory); both callers are on the data path.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn contiguous(&self, at: BufferCursor, count: u64) -> Option<(u32, BufferCursor)> {
        let frames = self.frames();
        if at.frames != frames {
            return None;
        }
        let packet_frames = self.packet_frames;
        // As in `MemRanges::next`: phase < frames ≤ 2 × packet_frames, so the frame is in
        // packet 0 or 1 and in_packet < packet_frames.
        let (stride_before, in_packet) = if at.phase >= packet_frames {
            (self.stride, at.phase.wrapping_sub(packet_frames))
        } else {
            (0, at.phase)
        };
        let to_end = packet_frames.wrapping_sub(in_packet);
        if count == 0 || count > u64::from(to_end) {
            return None;
        }
        // count ≤ to_end ≤ packet_frames: always fits in u32.
        let Ok(n) = u32::try_from(count) else {
            return None;
        };
        // In the span (see `MemRanges::next`).
        let offset =
            stride_before.wrapping_add(in_packet.wrapping_mul(u32::from(self.block_align)));
        // phase + n ≤ the end of the packet ≤ frames: one subtraction wraps it.
        let mut phase = at.phase.wrapping_add(n);
        if phase >= frames {
            phase = phase.wrapping_sub(frames);
        }
        let next = BufferCursor {
            frame: at.frame.wrapping_add(count),
            phase,
            frames,
        };
        Some((offset, next))
    }

    /// Memory ranges (byte offset in the span, length) holding `count` frames starting at
    /// linear frame `first`, in order. At most one range per packet crossed, so a transfer of
    /// up to one buffer needs at most `packets + 1` ranges.
    pub fn ranges(&self, first: u64, count: u32) -> MemRanges {
        self.ranges_at(self.cursor(first), count)
    }

    /// [`Self::ranges`] from a cursor the caller already has (no division). A cursor made for
    /// another buffer size is recomputed, so it costs time, never wrong ranges.
    #[inline]
    pub fn ranges_at(&self, at: BufferCursor, count: u32) -> MemRanges {
        let at = if at.frames == self.frames() {
            at
        } else {
            self.cursor(at.frame)
        };
        MemRanges {
            geometry: *self,
            at,
            remaining: count,
        }
    }
}

/// A linear frame and its place in the buffer: `frame % frames` for a buffer of `frames`
/// frames per pass. Made by [`BufferGeometry::cursor`] (one division) and moved forward by
/// [`BufferGeometry::cursor_near`] (none), so a data path that moves a little each call
/// finds its place in the buffer without dividing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferCursor {
    frame: u64,
    /// `frame % frames`; always below `frames`.
    phase: u32,
    /// Frames per buffer pass of the geometry the cursor was made for.
    frames: u32,
}

impl BufferCursor {
    /// The linear frame.
    pub const fn frame(&self) -> u64 {
        self.frame
    }

    /// The frame's index in the buffer (`frame % frames`).
    pub const fn phase(&self) -> u32 {
        self.phase
    }
}

/// Iterator over the contiguous memory ranges of a frame run; see [`BufferGeometry::ranges`].
#[derive(Clone, Debug)]
pub struct MemRanges {
    geometry: BufferGeometry,
    /// Where the next range starts (its phase is below the geometry's frames).
    at: BufferCursor,
    remaining: u32,
}

impl MemRanges {
    /// Where the next range would start: one past the last frame returned so far.
    pub const fn cursor(&self) -> BufferCursor {
        self.at
    }
}

/// One contiguous run of frames in buffer memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemRange {
    /// Linear frame number of the first frame in the run.
    pub first_frame: u64,
    /// Byte offset in the buffer span.
    pub offset: u32,
    /// Frames in the run.
    pub frames: u32,
}

impl Iterator for MemRanges {
    type Item = MemRange;

    #[inline]
    fn next(&mut self) -> Option<MemRange> {
        if self.remaining == 0 {
            return None;
        }
        let g = &self.geometry;
        let packet_frames = g.packet_frames;
        let phase = self.at.phase;
        // A buffer has one or two packets (`PacketCount`) and phase < frames(), so the frame
        // is in packet 0 or, at or past the first packet's end, in packet 1.
        let (stride_before, in_packet) = if phase >= packet_frames {
            (g.stride, phase.wrapping_sub(packet_frames))
        } else {
            (0, phase)
        };
        // in_packet < packet_frames (phase < 2 × packet_frames), so no underflow.
        let frames = packet_frames.wrapping_sub(in_packet).min(self.remaining);
        if frames == 0 {
            // Unreachable while the cursor keeps its invariant; a range of no frames would
            // never bring `remaining` down, so end the runs instead of yielding it forever.
            return None;
        }
        // stride × packets fits in u32 (checked when planned) and in_packet × block_align <
        // packet bytes ≤ stride: the offset lies inside the span, so nothing wraps.
        let offset = stride_before.wrapping_add(in_packet.wrapping_mul(u32::from(g.block_align)));
        let range = MemRange {
            first_frame: self.at.frame,
            offset,
            frames,
        };
        // phase + frames ≤ the end of the packet ≤ frames(): one subtraction wraps it.
        let mut next_phase = phase.wrapping_add(frames);
        if next_phase >= g.frames() {
            next_phase = next_phase.wrapping_sub(g.frames());
        }
        self.at.frame = self.at.frame.wrapping_add(u64::from(frames));
        self.at.phase = next_phase;
        // frames ≤ remaining.
        self.remaining = self.remaining.wrapping_sub(frames);
        Some(range)
    }
}

/// Why a buffer request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferError {
    /// NotificationCount / PacketCount other than 1 or 2.
    PacketCount,
    /// Fewer frames per packet than the minimum (including a request of 0 bytes).
    TooSmall,
    /// The layout does not fit in 32-bit sizes.
    TooLarge,
    /// The packet alignment is not a power of two.
    Alignment,
    /// The stream already has a buffer, or has none to free.
    WrongBufferState,
    /// The platform could not provide the memory.
    OutOfMemory,
}

impl From<BufferError> for NtStatus {
    fn from(e: BufferError) -> NtStatus {
        match e {
            BufferError::PacketCount | BufferError::Alignment => NtStatus::INVALID_PARAMETER,
            BufferError::TooSmall => NtStatus::INVALID_BUFFER_SIZE,
            BufferError::TooLarge | BufferError::OutOfMemory => NtStatus::INSUFFICIENT_RESOURCES,
            BufferError::WrongBufferState => NtStatus::INVALID_DEVICE_STATE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Channels, SampleRate, SampleType};
    use proptest::prelude::*;
    use std::vec::Vec;

    fn stereo16() -> Format {
        Format::new(
            SampleType::Int16,
            Channels::STEREO,
            SampleRate::new(48_000).unwrap(),
        )
    }

    #[test]
    fn packet_count_accepts_one_and_two_only() {
        assert_eq!(PacketCount::from_raw(1), Ok(PacketCount::One));
        assert_eq!(PacketCount::from_raw(2), Ok(PacketCount::Two));
        for bad in [0, 3, u32::MAX] {
            assert_eq!(PacketCount::from_raw(bad), Err(BufferError::PacketCount));
        }
        assert_eq!(
            NtStatus::from(BufferError::PacketCount),
            NtStatus::INVALID_PARAMETER
        );
    }

    #[test]
    fn size_rounds_down_to_whole_frames_and_equal_packets() {
        let g = BufferGeometry::plan(
            &stereo16(),
            3843,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        // 3843 bytes = 960 frames + 3 bytes; 960 frames split into two packets of 480.
        assert_eq!(g.frames(), 960);
        assert_eq!(g.packet_frames(), 480);
        assert_eq!(g.audio_bytes(), 3840);
        assert_eq!(g.span_bytes(), 3840);
        let g = BufferGeometry::plan(
            &stereo16(),
            804,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        assert_eq!(g.frames(), 200); // 201 frames do not split evenly: one dropped
    }

    #[test]
    fn zero_and_tiny_requests_are_refused() {
        for bytes in [0, 1, 4, 63] {
            assert_eq!(
                BufferGeometry::plan(
                    &stereo16(),
                    bytes,
                    PacketCount::Two,
                    true,
                    &BufferLimits::DEFAULT
                ),
                Err(BufferError::TooSmall)
            );
        }
        assert_eq!(
            NtStatus::from(BufferError::TooSmall),
            NtStatus::INVALID_BUFFER_SIZE
        );
    }

    #[test]
    fn huge_requests_are_clamped_to_the_limit() {
        let g = BufferGeometry::plan(
            &stereo16(),
            u32::MAX,
            PacketCount::One,
            false,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        assert_eq!(g.audio_bytes(), BufferLimits::DEFAULT.max_bytes);
    }

    proptest! {
        /// The data path's one-copy transfer takes `contiguous` for "these frames are one run
        /// of memory, here": it must say so exactly when every frame is in the same packet
        /// (counted by division here), with that packet's offset, in contiguous and in
        /// page-strided (ACX) buffers, and give the cursor of the frame after them.
        #[test]
        fn contiguous_runs_are_exactly_the_runs_within_one_packet(
            packet_frames in 8u32..700,
            two in any::<bool>(),
            strided in any::<bool>(),
            first in 0u64..1 << 40,
            any_count in 0u64..1500,
            near_packet_end in any::<bool>(),
        ) {
            let packets = if two { PacketCount::Two } else { PacketCount::One };
            let g = if strided {
                BufferGeometry::plan_packets(&stereo16(), packet_frames * 4, packets, &BufferLimits::DEFAULT, 4096)
            } else {
                BufferGeometry::plan(&stereo16(), packet_frames * 4 * packets.get(), packets, true, &BufferLimits::DEFAULT)
            }
            .unwrap();
            let pf = u64::from(packet_frames);
            // Half the cases end one frame before, at or one after the packet's last frame.
            let count = if near_packet_end {
                (pf - first % pf + any_count % 3).saturating_sub(1)
            } else {
                any_count
            };
            let one_packet = count > 0 && first / pf == (first + count - 1) / pf;
            let got = g.contiguous(g.cursor(first), count);
            prop_assert_eq!(got.is_some(), one_packet);
            if let Some((offset, next)) = got {
                let slot = (first / pf) % u64::from(packets.get());
                let expected = slot * u64::from(g.stride()) + (first % pf) * 4;
                prop_assert_eq!(u64::from(offset), expected);
                prop_assert_eq!(next, g.cursor(first + count));
            }
        }
    }

    /// Promise: separately allocated packets never add up to more than the buffer limit: a
    /// request for larger packets is cut to an equal share of the limit (whole frames).
    #[test]
    fn packets_larger_than_their_share_of_the_limit_are_cut_to_it() {
        let limits = BufferLimits {
            max_bytes: 1 << 20,
            ..BufferLimits::DEFAULT
        };
        for (packets, share) in [(PacketCount::One, 1u32 << 20), (PacketCount::Two, 1 << 19)] {
            let g =
                BufferGeometry::plan_packets(&stereo16(), 3 << 20, packets, &limits, 1).unwrap();
            assert_eq!(g.packet_bytes(), share, "{packets:?}");
            assert_eq!(g.packet_frames(), share / 4, "{packets:?}");
        }
        // Within the share, the request stands.
        let g =
            BufferGeometry::plan_packets(&stereo16(), 4000, PacketCount::Two, &limits, 1).unwrap();
        assert_eq!(g.packet_bytes(), 4000);
    }

    #[test]
    fn acx_packets_are_page_strided() {
        let g = BufferGeometry::plan_packets(
            &stereo16(),
            1920,
            PacketCount::Two,
            &BufferLimits::DEFAULT,
            4096,
        )
        .unwrap();
        assert_eq!(g.packet_bytes(), 1920);
        assert_eq!(g.stride(), 4096);
        assert_eq!(g.span_bytes(), 8192);
        let r: Vec<_> = g.ranges(400, 200).collect();
        assert_eq!(
            r,
            [
                MemRange {
                    first_frame: 400,
                    offset: 1600,
                    frames: 80
                },
                MemRange {
                    first_frame: 480,
                    offset: 4096,
                    frames: 120
                },
            ]
        );
        assert_eq!(
            BufferGeometry::plan_packets(
                &stereo16(),
                1920,
                PacketCount::Two,
                &BufferLimits::DEFAULT,
                3000
            ),
            Err(BufferError::Alignment)
        );
    }

    #[test]
    fn offsets_wrap_at_the_buffer_size() {
        let g = BufferGeometry::plan(
            &stereo16(),
            3840,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        assert_eq!(g.wrapped_offset(0), 0);
        assert_eq!(g.wrapped_offset(959), 3836);
        assert_eq!(g.wrapped_offset(960), 0);
        assert_eq!(g.packet_of_frame(959), 1);
        assert_eq!(g.packet_of_frame(960), 2);
    }

    proptest! {
        #[test]
        fn ranges_cover_exactly_the_requested_frames_inside_the_span(
            bytes in 64u32..1_000_000,
            two in any::<bool>(),
            align_shift in 0u32..13,
            first in 0u64..1u64 << 40,
            count in 0u32..100_000,
        ) {
            let packets = if two { PacketCount::Two } else { PacketCount::One };
            let align = 1u32 << align_shift;
            let Ok(g) = BufferGeometry::plan_packets(&stereo16(), bytes, packets, &BufferLimits::DEFAULT, align) else {
                return Ok(());
            };
            let count = count.min(g.frames());
            let mut expected = first;
            let mut total = 0;
            for r in g.ranges(first, count) {
                prop_assert_eq!(r.first_frame, expected);
                prop_assert!(r.frames > 0);
                prop_assert!(r.offset + r.frames * 4 <= g.span_bytes());
                expected += u64::from(r.frames);
                total += r.frames;
            }
            prop_assert_eq!(total, count);
            prop_assert!(g.wrapped_offset(first) < g.audio_bytes());
        }

        /// Cursors carried from call to call (no division) and the ranges started from them
        /// are exactly what the division formulas give, for any sequence of positions: small
        /// steps, whole-buffer steps, jumps far ahead, backwards, and cursors made for another
        /// buffer size.
        #[test]
        fn carried_cursors_and_their_ranges_equal_the_division_formulas(
            bytes in 64u32..200_000,
            two in any::<bool>(),
            align_shift in 0u32..13,
            start in 0u64..1u64 << 40,
            steps in prop::collection::vec(
                (prop_oneof![
                    4 => 0u64..2_000,
                    1 => Just(u64::MAX), // one whole buffer
                    1 => 0u64..1 << 30,
                    1 => Just(u64::MAX - 1), // backwards
                ], 0u32..100_000),
                1..64,
            ),
        ) {
            let packets = if two { PacketCount::Two } else { PacketCount::One };
            let Ok(g) = BufferGeometry::plan_packets(&stereo16(), bytes, packets, &BufferLimits::DEFAULT, 1 << align_shift) else {
                return Ok(());
            };
            let frames = u64::from(g.frames());
            // A cursor for another buffer size must be recomputed, not trusted.
            let other = BufferGeometry::plan(&stereo16(), bytes.saturating_mul(3), PacketCount::One, true, &BufferLimits::DEFAULT).unwrap();
            let mut cursor = other.cursor(start);
            let mut frame = start;
            for (step, count) in steps {
                frame = match step {
                    u64::MAX => frame + frames,
                    s if s == u64::MAX - 1 => frame.saturating_sub(frames / 2 + 1),
                    s => frame + s,
                };
                cursor = g.cursor_near(cursor, frame);
                prop_assert_eq!(cursor.frame(), frame);
                prop_assert_eq!(u64::from(cursor.phase()), frame % frames);
                let count = count % (g.frames() + 1);
                let mut ranges = g.ranges_at(cursor, count);
                let mut expected = reference_ranges(&g, frame, count).into_iter();
                for r in ranges.by_ref() {
                    prop_assert_eq!(Some(r), expected.next());
                }
                prop_assert_eq!(expected.next(), None);
                let end = ranges.cursor();
                prop_assert_eq!(end.frame(), frame + u64::from(count));
                prop_assert_eq!(u64::from(end.phase()), end.frame() % frames);
                // The same ranges from a stale cursor of the other geometry.
                let stale: Vec<_> = g.ranges_at(other.cursor(frame), count).collect();
                prop_assert_eq!(stale, reference_ranges(&g, frame, count));
            }
        }
    }

    /// The ranges as the division formulas give them (how `MemRanges` computed them before
    /// cursors): the reference the carried cursors are checked against.
    fn reference_ranges(g: &BufferGeometry, first: u64, count: u32) -> Vec<MemRange> {
        let mut out = Vec::new();
        let (mut next, mut remaining) = (first, count);
        let pf = u64::from(g.packet_frames());
        while remaining > 0 {
            let in_buffer = next % u64::from(g.frames());
            let packet = u32::try_from(in_buffer / pf).unwrap();
            let in_packet = u32::try_from(in_buffer % pf).unwrap();
            let frames = (g.packet_frames() - in_packet).min(remaining);
            out.push(MemRange {
                first_frame: next,
                offset: packet * g.stride() + in_packet * u32::from(g.block_align()),
                frames,
            });
            next += u64::from(frames);
            remaining -= frames;
        }
        out
    }
}
