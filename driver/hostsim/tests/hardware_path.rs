//! The hardware path: the engine over a simulated register-level DMA controller, with the
//! ISR/DPC split, streams data exactly and notifies once per packet.

// Test arithmetic on simulated sizes and times; 64-bit hosts only.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use std::sync::Mutex;

use cadenza_engine::device::hardware::{HwDevice, InterruptLatch, isr};
use cadenza_engine::device::{AudioDevice, ops};
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::{Locked, Platform, SpinRawLock, TimerTarget};
use cadenza_engine::state::KsState;
use cadenza_engine::stream::{Direction, PacketNotice};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::dma::SimDma;

type Device = Locked<SpinRawLock, HwDevice<SimDma>>;

struct Interrupt {
    platform: SimPlatform,
    dma: SimDma,
    latch: InterruptLatch,
    device: *const Device,
    notices: Mutex<Vec<PacketNotice>>,
}

/// The interrupt line: ISR at "DIRQL", then the DPC it queued.
fn interrupt(context: *const ()) {
    // SAFETY: the context is the boxed `Interrupt` that outlives the DMA's interrupt timer.
    let ctx = unsafe { &*context.cast::<Interrupt>() };
    ctx.dma.tick();
    if isr(&ctx.dma, &ctx.latch) {
        let now = ctx.platform.now();
        // SAFETY: the device box outlives the interrupt context.
        let device = unsafe { &*ctx.device };
        if let Some(n) = device.with(|d| d.on_dpc(&ctx.latch, now)) {
            ctx.notices.lock().unwrap().push(n);
        }
    }
}

fn pattern(frame: u64, i: usize) -> u8 {
    ((frame * 3 + i as u64 * 5) % 255) as u8
}

fn write_packet(base: *mut u8, g: &BufferGeometry, packet: u64) {
    let pf = u64::from(g.packet_frames());
    let slot = (packet % u64::from(g.packets().get())) as usize;
    for f in 0..pf {
        for i in 0..4 {
            let at = slot * g.stride() as usize + (f as usize) * 4 + i;
            // SAFETY: `at` is inside the buffer span (slot < packets, f < packet_frames).
            let byte = unsafe { base.add(at) };
            // SAFETY: `byte` is inside the buffer span (slot < packets, f < packet_frames) of
            // the allocation the test keeps attached; a `u8` needs no alignment, and nothing
            // else references the buffer during the write.
            unsafe { byte.write(pattern(packet * pf + f, i)) };
        }
    }
}

fn assert_dac_holds_the_pattern(dac: &[u8], frames: usize) {
    assert_eq!(dac.len(), frames * 4);
    for (f, frame) in dac.chunks_exact(4).enumerate() {
        let expected: Vec<u8> = (0..4).map(|i| pattern(f as u64, i)).collect();
        assert_eq!(frame, &expected[..], "DAC frame {f}");
    }
}

#[test]
fn render_dma_plays_exactly_what_the_client_wrote_with_one_interrupt_per_packet() {
    render_dma_plays_what_the_client_wrote(false);
}

/// The same with packets page-aligned apart (as ACX allocates them): the DMA's two
/// descriptors are not adjacent, and each frame is fetched from its own packet.
#[test]
fn render_dma_plays_page_strided_packets_in_order() {
    render_dma_plays_what_the_client_wrote(true);
}

#[allow(clippy::too_many_lines)] // one scenario (set up, play a second, pause, stop) in order
fn render_dma_plays_what_the_client_wrote(strided: bool) {
    let platform = SimPlatform::new(3);
    let freq = platform.frequency();
    let format = Format::new(
        SampleType::Int16,
        Channels::STEREO,
        SampleRate::new(48_000).unwrap(),
    );
    let dma = SimDma::new(platform.clone(), Direction::Render, 48_000, 4);
    let device: Box<Device> = Box::new(Locked::new(HwDevice::new(
        dma.clone(),
        Direction::Render,
        freq,
    )));
    let ctx = Box::new(Interrupt {
        platform: platform.clone(),
        dma: dma.clone(),
        latch: InterruptLatch::new(),
        device: &raw const *device,
        notices: Mutex::new(Vec::new()),
    });
    dma.connect_interrupt(TimerTarget {
        callback: interrupt,
        context: (&raw const *ctx).cast(),
    })
    .unwrap();

    device
        .with(|d| ops::open(d, 1, Direction::Render, format, freq))
        .unwrap();
    let g = if strided {
        BufferGeometry::plan_packets(
            &format,
            1920,
            PacketCount::Two,
            &BufferLimits::DEFAULT,
            4096,
        )
    } else {
        BufferGeometry::plan(
            &format,
            3840,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
    }
    .unwrap();
    assert_eq!(g.stride(), if strided { 4096 } else { 1920 });
    let memory = platform.allocate(g.span_bytes() as usize).unwrap();
    let base = memory.as_ptr();
    device
        .with(|d| ops::attach_buffer(d, Direction::Render, memory, g))
        .map_err(|(e, _)| e)
        .unwrap();
    write_packet(base, &g, 0);
    write_packet(base, &g, 1);
    for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
        device
            .with(|d| ops::set_state(d, Direction::Render, s, platform.now()))
            .unwrap();
    }
    assert_eq!(dma.descriptors().len(), 2);

    let mut next = 2;
    while platform.fire_next(Ticks(10_000_000)).is_some() {
        for n in std::mem::take(&mut *ctx.notices.lock().unwrap()) {
            assert_eq!(
                n.packet + 2,
                next,
                "packets complete in order, one notice each"
            );
            write_packet(base, &g, next);
            next += 1;
        }
    }
    assert_eq!(next, 102, "100 packets in one second");
    assert_eq!(dma.interrupts_raised(), 100);
    let pos = device
        .with(|d| ops::position(d, Direction::Render, platform.now()))
        .unwrap();
    assert_eq!(pos.frames, 48_000);
    assert_eq!(pos.play_offset, 0);
    assert_dac_holds_the_pattern(&dma.dac(), 48_000);
    let stats = device.with(|d| *d.stream(Direction::Render).unwrap().stats());
    assert_eq!(stats.missed_notifications, 0);
    assert_eq!(stats.notifications, 100);

    // Pause holds the position; STOP resets it.
    device
        .with(|d| ops::set_state(d, Direction::Render, KsState::Pause, platform.now()))
        .unwrap();
    platform.run_until(Ticks(12_000_000));
    let pos = device
        .with(|d| ops::position(d, Direction::Render, platform.now()))
        .unwrap();
    assert_eq!(pos.frames, 48_000);
    device
        .with(|d| ops::set_state(d, Direction::Render, KsState::Acquire, platform.now()))
        .unwrap();
    device
        .with(|d| ops::set_state(d, Direction::Render, KsState::Stop, platform.now()))
        .unwrap();
    let pos = device
        .with(|d| ops::position(d, Direction::Render, platform.now()))
        .unwrap();
    assert_eq!(pos.frames, 0);
    let memory = device
        .with(|d| ops::close(d, Direction::Render, platform.now()))
        .unwrap();
    platform.free(memory);
    assert_eq!(platform.live_allocations().0, 0);
}

#[test]
fn a_dpc_delayed_past_a_whole_buffer_keeps_the_exact_position() {
    let platform = SimPlatform::new(4);
    let freq = platform.frequency();
    let format = Format::new(
        SampleType::Int16,
        Channels::STEREO,
        SampleRate::new(48_000).unwrap(),
    );
    let dma = SimDma::new(platform.clone(), Direction::Capture, 48_000, 4);
    let mut device = HwDevice::new(dma.clone(), Direction::Capture, freq);
    ops::open(&mut device, 1, Direction::Capture, format, freq).unwrap();
    let g = BufferGeometry::plan(
        &format,
        3840,
        PacketCount::Two,
        true,
        &BufferLimits::DEFAULT,
    )
    .unwrap();
    let memory = platform.allocate(g.span_bytes() as usize).unwrap();
    ops::attach_buffer(&mut device, Direction::Capture, memory, g)
        .map_err(|(e, _)| e)
        .unwrap();
    for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
        ops::set_state(&mut device, Direction::Capture, s, platform.now()).unwrap();
    }
    // No interrupt handled for 2.5 buffer passes: the register alone is ambiguous, the
    // counter-guided extension is not.
    platform.advance_to(Ticks(500_000));
    let latch = InterruptLatch::new();
    let notice = device.on_dpc(&latch, platform.now()).unwrap();
    assert_eq!(notice.packet, 4);
    assert_eq!(
        device
            .stream(Direction::Capture)
            .unwrap()
            .stats()
            .missed_notifications,
        4
    );
    let pos = ops::position(&mut device, Direction::Capture, platform.now()).unwrap();
    assert_eq!(pos.frames, 2_400);
    let memory = ops::close(&mut device, Direction::Capture, platform.now()).unwrap();
    platform.free(memory);
}
