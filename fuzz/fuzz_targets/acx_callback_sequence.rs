//! A sequence of ACX callbacks on `cadenza-acx`'s host API, decoded from the input:
//! EvtAcxCircuitCreateStream with arbitrary format bytes on any circuit, AllocateRtPackets
//! with arbitrary counts/sizes, FreeRtPackets, PrepareHardware / Run / Pause /
//! ReleaseHardware in any order, GetCurrentPacket, SetRenderPacket / GetCapturePacket with
//! arbitrary numbers and flags, GetPresentationPosition, GetHwLatency, volume and mute
//! element requests with arbitrary channels/levels/states, virtual time advancing, stream
//! deletion.
//!
//! Never panics; a granted packet layout fits its buffer; packet completions are reported in
//! order; levels read back inside the published range and mute reads 0/1; at the end every
//! stream and the device are gone and the simulator has no live allocation or timer.
#![no_main]

use cadenza_acx::circuit::CircuitId;
use cadenza_acx::device::AcxDevice;
use cadenza_acx::elements::VolumeRange;
use cadenza_acx::sim::PacketRecorder;
use cadenza_acx::stream::AcxStream;
use cadenza_engine::format::parse::{KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, write_data_format};
use cadenza_engine::platform::{AtMostDispatch, Passive, Platform};
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use cadenza_fuzz::{Input, config};
use cadenza_hostsim::SimPlatform;
use libfuzzer_sys::fuzz_target;

type Stream = AcxStream<SimPlatform, PacketRecorder>;

const PASSIVE: Passive = Passive::host();
const DISPATCH: AtMostDispatch = AtMostDispatch::host();

fn circuit(input: &mut Input<'_>) -> Option<CircuitId> {
    let b = input.u8();
    let d = if b & 1 == 0 { Direction::Render } else { Direction::Capture };
    // Mostly cable 0 and 1; sometimes one the device or the INF does not have.
    let cable = match (b >> 1) % 8 {
        0..=4 => 0,
        5 | 6 => 1,
        _ => input.u8(),
    };
    CircuitId::new(cable, d)
}

fn format_bytes(input: &mut Input<'_>, default: cadenza_engine::Format) -> Vec<u8> {
    let mut b = vec![0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE];
    write_data_format(&default, &mut b).expect("write");
    match input.u8() % 3 {
        0 => b,
        1 => {
            let at = usize::from(input.u8()) % b.len();
            b[at] = input.u8();
            b
        }
        _ => input.bytes(256).to_vec(),
    }
}

struct Slot {
    stream: Stream,
    buffer_bytes: Option<usize>,
    last_completed: Option<u64>,
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let cfg = config(input.u8());
    let default = cfg.default_format();
    let channels = u32::from(cfg.channels().get());
    let p = SimPlatform::new(u64::from(input.u8()));
    let device = AcxDevice::new(p.clone(), &cfg, PASSIVE).expect("device");
    let mut slots: Vec<Slot> = Vec::new();
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        let op = input.u8();
        let pick = usize::from(op >> 4);
        match op % 16 {
            0 => {
                let Some(c) = circuit(&mut input) else { continue };
                let f = format_bytes(&mut input, default);
                let busy = device.has_stream(c);
                if let Ok(stream) =
                    device.create_stream(c, &f, PacketRecorder::new(p.clone()), PASSIVE)
                {
                    assert!(!busy, "two streams on one circuit");
                    assert!(device.has_stream(c));
                    slots.push(Slot { stream, buffer_bytes: None, last_completed: None });
                }
            }
            1 => {
                if !slots.is_empty() {
                    let s = slots.swap_remove(pick % slots.len());
                    let c = s.stream.circuit();
                    drop(s);
                    assert!(!device.has_stream(c), "stream still open after delete");
                }
            }
            op => {
                if slots.is_empty() {
                    continue;
                }
                let n = slots.len();
                let slot = &mut slots[pick % n];
                let s = &slot.stream;
                match op {
                    2 => {
                        let count = input.interesting_u32();
                        let size = match input.u8() % 3 {
                            0 => input.interesting_u32(),
                            _ => u32::from(input.u16()) * u32::from(s.format().block_align()),
                        };
                        if let Ok(layout) = s.allocate_rt_packets(count, size, PASSIVE) {
                            assert_eq!(layout.packet_bytes, size);
                            assert_eq!(layout.packet_count.get(), count);
                            for i in 0..count {
                                let off = layout.offset(i).expect("offset") as usize;
                                assert!(off + size as usize <= layout.buffer_bytes, "{layout:?}");
                            }
                            assert!(layout.offset(count).is_none());
                            slot.buffer_bytes = Some(layout.buffer_bytes);
                        }
                    }
                    3 => {
                        if s.free_rt_packets(PASSIVE).is_ok() {
                            slot.buffer_bytes = None;
                        }
                    }
                    4 => {
                        let _ = s.prepare_hardware(PASSIVE);
                    }
                    5 => {
                        let _ = s.run(PASSIVE);
                    }
                    6 => {
                        let _ = s.pause(PASSIVE);
                    }
                    7 => {
                        let _ = s.release_hardware(PASSIVE);
                    }
                    8 => {
                        let _ = s.get_current_packet(DISPATCH);
                        let _ = s.get_presentation_position(DISPATCH);
                        let _ = s.get_hw_latency(PASSIVE);
                        let _ = s.state();
                        let _ = s.stats();
                    }
                    9 => {
                        let number = input.interesting_u32();
                        let flags = input.interesting_u32();
                        let eos = input.interesting_u32();
                        let _ = s.set_render_packet(number, flags, eos, PASSIVE);
                    }
                    10 => {
                        let _ = s.get_capture_packet(PASSIVE);
                    }
                    11 => {
                        let dt = u64::from(input.u16()) * 10;
                        p.run_until(Ticks(p.now().0 + dt));
                    }
                    12 | 13 | 14 | 15 => {
                        let c = s.circuit();
                        let ch = match input.u8() % 3 {
                            0 => u32::MAX,
                            1 => u32::from(input.u8() % 20),
                            _ => input.u32(),
                        };
                        match op {
                            12 => {
                                let r = VolumeRange::PUBLISHED;
                                let level = match input.u8() % 3 {
                                    0 => r.minimum,
                                    1 => input.u32() as i32,
                                    _ => r.maximum,
                                };
                                let ok = device.assign_volume(c, ch, level, PASSIVE).is_ok();
                                if ok {
                                    assert!((r.minimum..=r.maximum).contains(&level));
                                    if ch != u32::MAX {
                                        assert_eq!(device.retrieve_volume(c, ch, PASSIVE), Ok(level));
                                    }
                                }
                            }
                            13 => {
                                if let Ok(v) = device.retrieve_volume(c, ch, PASSIVE) {
                                    let r = VolumeRange::PUBLISHED;
                                    assert!((r.minimum..=r.maximum).contains(&v), "{v}");
                                    assert!(ch == u32::MAX || ch < channels);
                                }
                            }
                            14 => {
                                let state = input.interesting_u32();
                                if device.assign_mute(c, ch, state, PASSIVE).is_ok() {
                                    assert!(state <= 1);
                                    assert_eq!(device.retrieve_mute(c, ch, PASSIVE), Ok(state));
                                }
                            }
                            _ => {
                                if let Ok(m) = device.retrieve_mute(c, ch, PASSIVE) {
                                    assert!(m <= 1, "{m}");
                                }
                            }
                        }
                    }
                    _ => unreachable!(),
                }
            }
        }
        // Completions are reported in packet order.
        for slot in &mut slots {
            for done in slot.stream.notifier().take() {
                if let Some(last) = slot.last_completed {
                    assert!(done.packet > last || done.packet == 0, "{done:?} after {last}");
                }
                slot.last_completed = Some(done.packet);
            }
        }
    }
    let circuits: Vec<CircuitId> = slots.iter().map(|s| s.stream.circuit()).collect();
    drop(slots);
    for c in circuits {
        assert!(!device.has_stream(c));
    }
    drop(device);
    assert_eq!(p.live_allocations(), (0, 0), "leaked platform memory");
    assert_eq!(p.live_timers(), 0, "leaked timers");
});
