//! A simulated register-level DMA controller, to prove the engine's hardware path.
//!
//! It behaves like a simple audio DMA engine: the driver programs a descriptor list (one
//! descriptor per packet, each with interrupt-on-completion), starts it, and the engine walks
//! the descriptors at the sample rate, looping at the end. A byte-offset position register
//! tracks it, and each completed descriptor latches a status bit and raises an interrupt —
//! here a virtual-time timer whose callback plays the interrupt controller and calls the
//! driver's ISR, which (as on Windows) queues the DPC.
//!
//! For render it copies the frames it passes into a "DAC" log; for capture it writes a
//! counting pattern from an "ADC" into the buffer. Tests compare both with what the client
//! wrote or read.

use std::sync::{Arc, Mutex, MutexGuard};

use cadenza_engine::device::hardware::{DmaHardware, INT_PACKET_COMPLETE};
use cadenza_engine::geometry::BufferGeometry;
use cadenza_engine::platform::{DmaBuffer, OneShotTimer, Platform, TimerTarget};
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::{Ticks, frames_to_ticks_ceil, ticks_to_frames};

use crate::platform::{SimPlatform, SimTimer};

/// One entry of the descriptor list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub offset: u32,
    pub bytes: u32,
    pub interrupt_on_completion: bool,
}

#[derive(Debug)]
struct Regs {
    direction: Direction,
    rate: u32,
    block: u32,
    descriptors: Vec<Descriptor>,
    /// The programmed buffer (address and span) — the device's view of host memory.
    base: usize,
    span: usize,
    running_since: Option<Ticks>,
    /// Frames transferred before the current run segment.
    frames_before: u64,
    /// Frames whose completion has been processed (DAC/ADC moved, interrupts raised).
    frames_done: u64,
    status: u32,
    dac: Vec<u8>,
    adc_counter: u8,
    interrupts_raised: u64,
    timer: Option<SimTimer>,
}

/// The controller's register block. Cloning gives another handle to the same device, the way
/// a driver keeps its MMIO base in both the ISR and the DPC context.
#[derive(Clone, Debug)]
pub struct SimDma {
    platform: SimPlatform,
    regs: Arc<Mutex<Regs>>,
}

impl SimDma {
    pub fn new(platform: SimPlatform, direction: Direction, rate: u32, block: u16) -> SimDma {
        let regs = Regs {
            direction,
            rate,
            block: u32::from(block),
            descriptors: Vec::new(),
            base: 0,
            span: 0,
            running_since: None,
            frames_before: 0,
            frames_done: 0,
            status: 0,
            dac: Vec::new(),
            adc_counter: 0,
            interrupts_raised: 0,
            timer: None,
        };
        SimDma {
            platform,
            regs: Arc::new(Mutex::new(regs)),
        }
    }

    fn regs(&self) -> MutexGuard<'_, Regs> {
        self.regs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Connects the interrupt line: `target` is called at each interrupt (the ISR).
    pub fn connect_interrupt(&self, target: TimerTarget) -> Result<(), NtStatus> {
        let timer = self.platform.create_timer(target)?;
        self.regs().timer = Some(timer);
        Ok(())
    }

    /// The descriptor list as programmed.
    pub fn descriptors(&self) -> Vec<Descriptor> {
        self.regs().descriptors.clone()
    }

    /// Everything the DAC has played (render).
    pub fn dac(&self) -> Vec<u8> {
        self.regs().dac.clone()
    }

    pub fn interrupts_raised(&self) -> u64 {
        self.regs().interrupts_raised
    }

    fn frames_total(r: &Regs, now: Ticks, freq: cadenza_engine::time::CounterFrequency) -> u64 {
        r.frames_before
            + r.running_since
                .map_or(0, |s| ticks_to_frames(now.since(s), r.rate, freq))
    }

    fn buffer_frames(r: &Regs) -> u64 {
        r.descriptors
            .iter()
            .map(|d| u64::from(d.bytes / r.block.max(1)))
            .sum()
    }

    /// The byte offset in the buffer of linear frame `frame`.
    fn offset_of(r: &Regs, frame: u64) -> Option<u32> {
        let total = Self::buffer_frames(r);
        if total == 0 {
            return None;
        }
        let mut f = frame % total;
        for d in &r.descriptors {
            let n = u64::from(d.bytes / r.block);
            if f < n {
                return Some(d.offset + u32::try_from(f).ok()? * r.block);
            }
            f -= n;
        }
        None
    }

    /// Moves the DMA up to the current time: plays/records the passed frames, latches
    /// completion status and arms the interrupt for the next descriptor end.
    fn advance(&self) {
        let now = self.platform.now();
        let freq = self.platform.frequency();
        let mut r = self.regs();
        let target = Self::frames_total(&r, now, freq);
        // A range, not `while frames_done < target`: the loop is bounded whatever the body
        // does to `frames_done`.
        for frame in r.frames_done..target {
            let Some(off) = Self::offset_of(&r, frame) else {
                break;
            };
            let block = r.block as usize;
            let addr = r.base + off as usize;
            if addr + block > r.base + r.span {
                break;
            }
            match r.direction {
                Direction::Render => {
                    // SAFETY: `addr..addr+block` is inside the programmed buffer (checked
                    // above), which the driver keeps allocated while the DMA is programmed.
                    let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, block) };
                    r.dac.extend_from_slice(bytes);
                }
                Direction::Capture => {
                    let mut sample = [0u8; 64];
                    for b in sample.iter_mut().take(block) {
                        r.adc_counter = r.adc_counter.wrapping_add(1);
                        *b = r.adc_counter;
                    }
                    // SAFETY: `addr..addr+block` is inside the programmed buffer (checked
                    // above), which the driver keeps allocated while the DMA is programmed;
                    // as real DMA does, the device writes captured bytes there, and `dst`
                    // lives only for the copy below.
                    let dst = unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, block) };
                    dst.copy_from_slice(&sample[..block]);
                }
            }
            r.frames_done = frame + 1;
            if let Some(d) = Self::descriptor_ending_at(&r, r.frames_done)
                && d.interrupt_on_completion
            {
                r.status |= INT_PACKET_COMPLETE;
            }
        }
        // Arm the interrupt for the end of the descriptor in progress.
        if let (Some(start), Some(end)) = (r.running_since, Self::next_descriptor_end(&r)) {
            let due = Ticks(start.0 + frames_to_ticks_ceil(end - r.frames_before, r.rate, freq));
            if let Some(t) = r.timer.as_ref() {
                t.arm_at(due, now);
            }
        }
    }

    /// The descriptor whose last frame is linear frame `frames - 1`, if one ends there.
    fn descriptor_ending_at(r: &Regs, frames: u64) -> Option<Descriptor> {
        let total = Self::buffer_frames(r);
        if total == 0 || frames == 0 {
            return None;
        }
        let in_pass = (frames - 1) % total + 1;
        let mut end = 0;
        for d in &r.descriptors {
            end += u64::from(d.bytes / r.block);
            if end == in_pass {
                return Some(*d);
            }
        }
        None
    }

    /// The linear frame count at which the descriptor in progress completes.
    fn next_descriptor_end(r: &Regs) -> Option<u64> {
        let total = Self::buffer_frames(r);
        if total == 0 {
            return None;
        }
        let pass_start = r.frames_done - r.frames_done % total;
        let mut end = 0;
        for d in &r.descriptors {
            end += u64::from(d.bytes / r.block);
            if pass_start + end > r.frames_done {
                return Some(pass_start + end);
            }
        }
        None
    }

    /// Called by the interrupt timer before the ISR: bring the device up to date.
    pub fn tick(&self) {
        self.advance();
        let mut r = self.regs();
        if r.status != 0 {
            r.interrupts_raised += 1;
        }
    }
}

impl DmaHardware for SimDma {
    fn program(&self, memory: &DmaBuffer, geometry: &BufferGeometry) -> Result<(), NtStatus> {
        let mut r = self.regs();
        if r.running_since.is_some() {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        r.base = memory.as_ptr() as usize;
        r.span = memory.len();
        r.block = u32::from(geometry.block_align());
        r.descriptors = (0..geometry.packets().get())
            .map(|k| Descriptor {
                offset: k * geometry.stride(),
                bytes: geometry.packet_bytes(),
                interrupt_on_completion: true,
            })
            .collect();
        Ok(())
    }

    fn start(&self) {
        let now = self.platform.now();
        self.regs().running_since = Some(now);
        self.advance();
    }

    fn stop(&self) {
        self.advance();
        let now = self.platform.now();
        let freq = self.platform.frequency();
        let mut r = self.regs();
        r.frames_before = Self::frames_total(&r, now, freq);
        r.running_since = None;
        if let Some(t) = r.timer.as_ref() {
            t.cancel();
        }
    }

    fn reset(&self) {
        let mut r = self.regs();
        r.frames_before = 0;
        r.frames_done = 0;
        r.status = 0;
    }

    fn position_register(&self) -> u32 {
        self.advance();
        let r = self.regs();
        Self::offset_of(&r, r.frames_done).unwrap_or(0)
    }

    fn acknowledge_interrupt(&self) -> u32 {
        std::mem::take(&mut self.regs().status)
    }
}
