//! Real DMA hardware under the engine.
//!
//! A device driver for real hardware implements [`DmaHardware`] (program the buffer,
//! start/stop, read the position register, acknowledge interrupts) and gets the whole stream
//! engine — states, packets, events, positions — by wrapping it in a [`HwDevice`].
//!
//! Interrupt handling is split as Windows requires: [`isr`] runs at DIRQL, touches only the
//! hardware and an atomic latch (it cannot take the DISPATCH_LEVEL device lock), and says
//! whether to queue the DPC; [`HwDevice::on_dpc`] runs at DISPATCH_LEVEL under the device
//! lock, takes the latched status and turns the position register into a notification.

use crate::sync::{AtomicU32, Ordering};

use super::AudioDevice;
use crate::format::Format;
use crate::geometry::BufferGeometry;
use crate::platform::DmaBuffer;
use crate::state::KsState;
use crate::status::NtStatus;
use crate::stream::{Direction, PacketNotice, Stream, StreamError};
use crate::time::{CounterFrequency, Ticks, ticks_to_frames};

/// Interrupt status bit: a packet (descriptor) completed.
pub const INT_PACKET_COMPLETE: u32 = 1 << 0;
/// Interrupt status bit: the DMA engine hit an error (FIFO under/overrun, bus error).
pub const INT_DMA_ERROR: u32 = 1 << 1;

/// A DMA engine with a cyclic buffer and a position register. Methods take `&self`: the
/// registers are device memory shared by the ISR and the DPC (implementations use volatile
/// MMIO, or atomics in a simulation), and a handle is cheap to clone.
pub trait DmaHardware: Clone {
    /// Programs the engine to loop over `memory` laid out as `geometry`, interrupting at each
    /// packet end. PASSIVE_LEVEL.
    fn program(&self, memory: &DmaBuffer, geometry: &BufferGeometry) -> Result<(), NtStatus>;
    /// Starts the transfer at the programmed position. ≤ DISPATCH_LEVEL.
    fn start(&self);
    /// Stops the transfer, keeping the position. ≤ DISPATCH_LEVEL.
    fn stop(&self);
    /// Resets the position to the start of the buffer (KSSTATE_STOP). ≤ DISPATCH_LEVEL.
    fn reset(&self);
    /// The position register: byte offset of the engine in the buffer span. Any IRQL.
    fn position_register(&self) -> u32;
    /// Reads and clears the interrupt status (0: the interrupt is not ours). DIRQL.
    fn acknowledge_interrupt(&self) -> u32;
}

/// Interrupt status latched by the ISR for the DPC.
#[derive(Debug, Default)]
pub struct InterruptLatch(AtomicU32);

impl InterruptLatch {
    pub fn new() -> InterruptLatch {
        InterruptLatch(AtomicU32::new(0))
    }
    /// Adds status bits (ISR).
    pub fn latch(&self, status: u32) {
        self.0.fetch_or(status, Ordering::AcqRel);
    }

    /// Takes every latched bit (DPC).
    pub fn take(&self) -> u32 {
        self.0.swap(0, Ordering::AcqRel)
    }
}

/// The interrupt service routine's whole job (DIRQL): acknowledge, latch, and say whether a
/// DPC must run. No lock, no allocation, no loop.
pub fn isr<H: DmaHardware>(hw: &H, latch: &InterruptLatch) -> bool {
    let status = hw.acknowledge_interrupt();
    if status == 0 {
        return false;
    }
    latch.latch(status);
    true
}

/// A device with one DMA engine (one direction).
#[derive(Debug)]
pub struct HwDevice<H: DmaHardware> {
    hw: H,
    direction: Direction,
    stream: Option<Stream>,
    /// The register value (in frames) at the last observation and the linear position then.
    last_register_frame: u64,
    last_linear: u64,
    last_at: Ticks,
    freq: CounterFrequency,
    /// DMA error interrupts seen.
    dma_errors: u64,
}

impl<H: DmaHardware> HwDevice<H> {
    pub fn new(hw: H, direction: Direction, freq: CounterFrequency) -> HwDevice<H> {
        HwDevice {
            hw,
            direction,
            stream: None,
            last_register_frame: 0,
            last_linear: 0,
            last_at: Ticks::ZERO,
            freq,
            dma_errors: 0,
        }
    }

    pub fn hardware(&self) -> &H {
        &self.hw
    }

    pub const fn dma_errors(&self) -> u64 {
        self.dma_errors
    }

    /// Reads the register and extends it to a 64-bit linear position. The counter says
    /// roughly how many frames should have passed; the number of whole buffer wraps is the
    /// one that makes the register's answer closest to that, so even a DPC delayed by more
    /// than a buffer pass keeps an exact position.
    fn observe(&mut self, now: Ticks) -> Option<u64> {
        let s = self.stream.as_ref()?;
        let g = s.geometry()?;
        let frames = u64::from(g.frames());
        let register = u64::from(self.hw.position_register());
        let stride = u64::from(g.stride());
        let block = u64::from(g.block_align());
        let packet = register / stride.max(1);
        let in_packet = (register % stride.max(1)) / block.max(1);
        let reg_frame = (packet * u64::from(g.packet_frames())
            + in_packet.min(u64::from(g.packet_frames())))
            % frames;
        let raw_delta = (reg_frame + frames - self.last_register_frame % frames) % frames;
        let expected = if s.timebase().is_running() {
            ticks_to_frames(now.since(self.last_at), s.format().rate().hz(), self.freq)
        } else {
            raw_delta
        };
        let wraps = expected
            .saturating_sub(raw_delta)
            .saturating_add(frames / 2)
            / frames;
        let linear = self.last_linear + raw_delta + wraps * frames;
        self.last_register_frame = reg_frame;
        self.last_linear = linear;
        self.last_at = now;
        Some(linear)
    }

    /// The DPC: takes the ISR's latched status and reports the packet completion, if any.
    pub fn on_dpc(&mut self, latch: &InterruptLatch, now: Ticks) -> Option<PacketNotice> {
        let status = latch.take();
        if status & INT_DMA_ERROR != 0 {
            self.dma_errors += 1;
        }
        let linear = self.observe(now)?;
        self.stream.as_mut()?.on_hw_position(linear, now)
    }
}

impl<H: DmaHardware> AudioDevice for HwDevice<H> {
    fn stream(&self, direction: Direction) -> Option<&Stream> {
        self.stream.as_ref().filter(|_| direction == self.direction)
    }
    fn stream_mut(&mut self, direction: Direction) -> Option<&mut Stream> {
        let d = self.direction;
        self.stream.as_mut().filter(|_| direction == d)
    }
    fn has_pin(&self, direction: Direction) -> bool {
        direction == self.direction
    }
    fn check_format(&self, _direction: Direction, _format: &Format) -> Result<(), StreamError> {
        Ok(())
    }
    fn install(&mut self, stream: Stream) -> Result<(), StreamError> {
        if stream.direction() != self.direction {
            return Err(StreamError::WrongState);
        }
        if self.stream.is_some() {
            return Err(StreamError::Busy);
        }
        self.stream = Some(stream);
        Ok(())
    }
    fn remove(&mut self, direction: Direction) -> Option<Stream> {
        if direction != self.direction {
            return None;
        }
        self.hw.stop();
        self.stream.take()
    }
    fn sync(&mut self, now: Ticks) {
        // The hardware moves the data itself; the engine only needs a fresh position.
        if let Some(linear) = self.observe(now)
            && let Some(s) = self.stream.as_mut()
        {
            s.timebase_mut().observe(linear, now);
        }
    }
    fn state_changed(&mut self, _direction: Direction, to: KsState, now: Ticks) {
        match to {
            KsState::Run => {
                let programmed = self
                    .stream
                    .as_ref()
                    .and_then(|s| s.buffer())
                    .map(|b| self.hw.program(&b.memory, &b.geometry));
                if matches!(programmed, Some(Ok(()))) {
                    self.last_at = now;
                    self.hw.start();
                }
            }
            KsState::Pause => self.hw.stop(),
            KsState::Stop => {
                self.hw.reset();
                self.last_register_frame = 0;
                self.last_linear = 0;
            }
            KsState::Acquire => {}
        }
    }
    fn new_stream(
        &self,
        id: u32,
        direction: Direction,
        format: Format,
        freq: CounterFrequency,
    ) -> Stream {
        Stream::new_hardware(id, direction, format, freq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    /// Hardware whose only live register is the interrupt status, read-and-clear.
    #[derive(Clone, Default)]
    struct StatusOnly {
        status: Cell<u32>,
    }

    impl DmaHardware for StatusOnly {
        fn program(&self, _: &DmaBuffer, _: &BufferGeometry) -> Result<(), NtStatus> {
            Ok(())
        }
        fn start(&self) {}
        fn stop(&self) {}
        fn reset(&self) {}
        fn position_register(&self) -> u32 {
            0
        }
        fn acknowledge_interrupt(&self) -> u32 {
            self.status.replace(0)
        }
    }

    /// The two status bits are distinct single bits (the latch ORs them together, the DPC
    /// tells them apart).
    #[test]
    fn the_status_bits_are_bits_0_and_1() {
        assert_eq!(INT_PACKET_COMPLETE, 0b01);
        assert_eq!(INT_DMA_ERROR, 0b10);
    }

    /// Promise: an interrupt that is not ours (status 0) queues no DPC and latches nothing;
    /// ours queues one; statuses of interrupts that arrive before the DPC runs are all kept
    /// (ORed), and the DPC takes them exactly once.
    #[test]
    fn the_isr_latches_every_status_bit_for_the_dpc_exactly_once() {
        let hw = StatusOnly::default();
        let latch = InterruptLatch::new();
        assert!(!isr(&hw, &latch), "a shared interrupt that is not ours");
        assert_eq!(latch.take(), 0);
        hw.status.set(INT_PACKET_COMPLETE);
        assert!(isr(&hw, &latch));
        assert_eq!(hw.status.get(), 0, "acknowledged");
        hw.status.set(INT_DMA_ERROR);
        assert!(isr(&hw, &latch));
        assert_eq!(latch.take(), INT_PACKET_COMPLETE | INT_DMA_ERROR);
        assert_eq!(latch.take(), 0, "taken once");
    }

    /// Hardware with a position register the test moves (shared by the device's clone).
    #[derive(Clone, Default)]
    struct Register(std::rc::Rc<Cell<u32>>);

    impl DmaHardware for Register {
        fn program(&self, _: &DmaBuffer, _: &BufferGeometry) -> Result<(), NtStatus> {
            Ok(())
        }
        fn start(&self) {}
        fn stop(&self) {}
        fn reset(&self) {
            self.0.set(0);
        }
        fn position_register(&self) -> u32 {
            self.0.get()
        }
        fn acknowledge_interrupt(&self) -> u32 {
            0
        }
    }

    /// Promise: the position a client reads is the DMA register turned into frames —
    /// through page-strided packets (a register in a packet's page padding means that
    /// packet is done) — and extended to a linear count that stays exact when the DPC comes
    /// more than a buffer pass late.
    #[test]
    fn register_offsets_become_exact_linear_positions_across_padding_and_late_dpcs() {
        use crate::device::ops;
        use crate::format::{Channels, SampleRate, SampleType};
        use crate::geometry::{BufferLimits, PacketCount};
        const F: CounterFrequency = CounterFrequency::TEN_MHZ;
        let f = Format::new(
            SampleType::Int16,
            Channels::STEREO,
            SampleRate::new(48_000).unwrap(),
        );
        let reg = Register::default();
        let mut dev = HwDevice::new(reg.clone(), Direction::Render, F);
        // One DMA engine, one direction: a render device has no capture pin.
        assert!(dev.has_pin(Direction::Render));
        assert!(!dev.has_pin(Direction::Capture));
        assert_eq!(
            ops::open(&mut dev, 2, Direction::Capture, f, F),
            Err(StreamError::WrongState)
        );
        ops::open(&mut dev, 1, Direction::Render, f, F).unwrap();
        // Two packets of 480 frames (1920 bytes), each starting on a 4096-byte page.
        let g =
            BufferGeometry::plan_packets(&f, 1920, PacketCount::Two, &BufferLimits::DEFAULT, 4096)
                .unwrap();
        let memory = DmaBuffer::leaked(g.span_bytes() as usize);
        ops::attach_buffer(&mut dev, Direction::Render, memory, g)
            .map_err(|(e, _)| e)
            .unwrap();
        for state in [KsState::Acquire, KsState::Pause, KsState::Run] {
            ops::set_state(&mut dev, Direction::Render, state, Ticks::ZERO).unwrap();
        }
        // (register byte offset, frames played by then, the position expected): the time
        // is ⌈frames × 10^7 / 48 000⌉ ticks, written out.
        for (register, ticks, want) in [
            (100 * 4, 20_834, 100),
            // Packet 0's page padding: packet 0 is done, packet 1 not begun.
            (4096 - 4, 100_000, 480),
            (4096 + 100 * 4, 120_834, 580),
            // Two and a half buffer passes later, back in packet 0 at frame 200.
            (200 * 4, 641_667, 3080),
            // Another two and a half passes, in packet 1 at frame 200, with the counter
            // reading 10 frames short of what the DMA played (5470 frames' ticks): the pass
            // count is rounded to the nearest, not cut down.
            (4096 + 200 * 4, 1_139_584, 5480),
        ] {
            reg.0.set(register);
            let got = ops::position(&mut dev, Direction::Render, Ticks(ticks))
                .unwrap()
                .frames;
            assert_eq!(got, want, "register {register} at tick {ticks}");
        }
    }

    /// Promise: each DPC that finds the DMA-error bit latched counts one DMA error (the
    /// counter a user reads to tell a FIFO or bus fault from a late DPC); packet-complete
    /// alone counts none, even with no stream open.
    #[test]
    fn each_dpc_with_the_error_bit_counts_one_dma_error() {
        let hw = StatusOnly::default();
        let latch = InterruptLatch::new();
        let mut dev = HwDevice::new(hw.clone(), Direction::Render, CounterFrequency::TEN_MHZ);
        assert_eq!(dev.dma_errors(), 0);
        for (status, errors) in [
            (INT_PACKET_COMPLETE, 0),
            (INT_DMA_ERROR, 1),
            (INT_DMA_ERROR | INT_PACKET_COMPLETE, 2),
            (INT_PACKET_COMPLETE, 2),
            (INT_DMA_ERROR, 3),
        ] {
            latch.latch(status);
            assert_eq!(
                dev.on_dpc(&latch, Ticks::ZERO),
                None,
                "no stream, no packet"
            );
            assert_eq!(dev.dma_errors(), errors, "after status {status:#b}");
            assert_eq!(latch.take(), 0, "the DPC took the status");
        }
    }
}
