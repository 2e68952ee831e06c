//! A sequence of PortCls calls through the miniports' vtables, decoded from the input, using
//! the port-driver simulator's port objects: NewStream (well-formed or arbitrary format bytes,
//! any pin), SetFormat with arbitrary bytes, SetState with arbitrary values, Allocate(Audio)
//! Buffer(WithNotification) with arbitrary counts/sizes, Free, Register/Unregister of
//! arbitrary events, SetWritePacket / GetReadPacket with arbitrary numbers and flags,
//! GetPosition, presentation position, packet count, DataRangeIntersection with arbitrary
//! ranges and output lengths, virtual time advancing, Release.
//!
//! Never panics; positions stay inside the buffer; at the end every stream is released and
//! the simulator reports no contract violation, no live port stream / MDL / mapping /
//! misuse, no allocation and no timer.
#![no_main]

use std::sync::Arc;

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::format::parse::{KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, write_data_format};
use cadenza_engine::platform::Platform;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use cadenza_engine::{Format, NtStatus};
use cadenza_fuzz::{Input, config};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::scenario::DriverUnderTest;
use cadenza_portcls::com::{IMiniportWaveRTOutputStream, IUnknown};
use cadenza_portcls::kernel::{Mdl, MemoryCachingType};
use cadenza_portcls::ks::{KsDataFormat, KsDataRange};
use cadenza_portcls::ksaudio::{KsAudioPresentationPosition, KsRtAudioHwLatency};
use cadenza_portcls::sim::PortClsDriver;
use cadenza_portcls::sim::port::fake_event;
use libfuzzer_sys::fuzz_target;

macro_rules! vcall {
    ($p:expr, $($field:ident).+ ($($arg:expr),* $(,)?)) => {{
        let p = $p;
        // SAFETY: `p` is a live interface pointer the harness holds a reference to.
        let vtbl = unsafe { &*(*p).vtbl };
        let f = vtbl.$($field).+;
        // SAFETY: the method on its own object with arguments valid for the call.
        unsafe { f(p, $($arg),*) }
    }};
}

/// The largest format / range the miniports read (their cap), 8-aligned like an IRP buffer.
#[repr(C, align(8))]
struct Blob([u8; 1024]);

impl Blob {
    fn from(bytes: &[u8]) -> Box<Blob> {
        let mut b = Box::new(Blob([0; 1024]));
        let n = bytes.len().min(1024);
        b.0[..n].copy_from_slice(&bytes[..n]);
        b
    }
}

/// Format bytes: a valid image of a format (maybe mutated) or arbitrary bytes.
fn format_bytes(input: &mut Input<'_>, cfg_default: Format) -> Box<Blob> {
    match input.u8() % 3 {
        0 => {
            let mut b = Blob::from(&[]);
            write_data_format(&cfg_default, &mut b.0).expect("write");
            b
        }
        1 => {
            let mut b = Blob::from(&[]);
            write_data_format(&cfg_default, &mut b.0).expect("write");
            let at = usize::from(input.u8()) % KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE;
            b.0[at] = input.u8();
            b
        }
        _ => Blob::from(input.bytes(256)),
    }
}

fn dir(b: bool) -> Direction {
    if b { Direction::Capture } else { Direction::Render }
}

#[derive(Default)]
struct Harness {
    /// Buffers allocated through the vtable: (MDL, size, notification flavour).
    buffers: [Option<(*mut Mdl, u32, bool)>; 2],
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let cfg = config(input.u8());
    let default = cfg.default_format();
    let p = SimPlatform::new(u64::from(input.u8()));
    let mut d = PortClsDriver::with_config(p.clone(), &cfg).expect("driver");
    let mut h = Harness::default();
    for _ in 0..64 {
        if input.is_empty() {
            break;
        }
        let op = input.u8();
        let direction = dir(op & 0x80 != 0);
        let s = slot(direction);
        match op % 16 {
            0 => {
                let _ = d.open_stream(direction, &default);
            }
            1 => {
                // Release (with the buffer still attached half of the time).
                if input.bool() {
                    free(&mut d, &mut h, direction);
                }
                h.buffers[s] = None;
                let _ = d.close(direction);
            }
            2 => {
                // NewStream with arbitrary format bytes on an arbitrary pin; released at once.
                let pin = u32::from(input.u8() % 5);
                let capture = input.bool();
                let mut f = format_bytes(&mut input, default);
                let (st, stream, port_stream) =
                    d.raw_new_stream(pin, capture, f.0.as_mut_ptr().cast::<KsDataFormat>());
                assert_eq!(st.is_success(), !stream.is_null(), "{st:?}");
                if !stream.is_null() {
                    // SAFETY: the NewStream reference, the stream's only one.
                    let left = unsafe { unknown_release(stream.cast()) };
                    assert_eq!(left, 0);
                }
                // SAFETY: the port stream the call made (the harness's reference).
                unsafe { unknown_release(port_stream) };
            }
            3 => {
                let mut f = format_bytes(&mut input, default);
                if let Some(st) = d.stream(direction) {
                    let fp = if input.u8() == 0 {
                        null_mut()
                    } else {
                        f.0.as_mut_ptr().cast::<KsDataFormat>()
                    };
                    let _ = vcall!(st.stream, base.set_format(fp));
                }
            }
            4 => {
                let state = match input.u8() % 3 {
                    0 => input.u32() as i32,
                    _ => i32::from(input.u8() % 5),
                };
                let _ = d.raw_set_state(direction, state);
            }
            5 => {
                // Ramp STOP → … → target one step at a time (the engine refuses skips).
                let target = i32::from(input.u8() % 4);
                for k in 1..=target {
                    let _ = d.raw_set_state(direction, k);
                }
            }
            6 | 7 => {
                let notifications = input.interesting_u32();
                let size = input.interesting_u32();
                let with_notification = op % 16 == 6;
                allocate(&mut d, &mut h, direction, notifications, size, with_notification);
            }
            8 => free(&mut d, &mut h, direction),
            9 => {
                let register = input.bool();
                let n = input.u8();
                let ev = if n == 0 { null_mut() } else { fake_event(usize::from(n % 6)) };
                let _ = d.raw_event(direction, ev, register);
            }
            10 => {
                let number = input.interesting_u32();
                let flags = input.interesting_u32();
                let eos = input.interesting_u32();
                let _ = d.raw_write_packet(number, flags, eos);
            }
            11 => {
                let _ = d.raw_read_packet();
                let _ = d.raw_packet_count();
                if let Some(st) = d.stream(Direction::Render) {
                    let out = st.packet.cast::<IMiniportWaveRTOutputStream>();
                    let mut pp = KsAudioPresentationPosition::default();
                    let _ = vcall!(out, get_output_stream_presentation_position(&raw mut pp));
                }
            }
            12 => {
                if let Ok((st, pos)) = d.raw_position(direction)
                    && st.is_success()
                    && let Some((_, size, _)) = h.buffers[s]
                {
                    assert!(pos.play_offset < u64::from(size), "{pos:?} size {size}");
                    assert!(pos.write_offset < u64::from(size), "{pos:?} size {size}");
                }
                if let Some(st) = d.stream(direction) {
                    let mut lat = KsRtAudioHwLatency { fifo_size: 9, chipset_delay: 9, codec_delay: 9 };
                    vcall!(st.stream, base.get_hw_latency(&raw mut lat));
                }
            }
            13 => {
                // Virtual time: up to ~65 ms, firing timers on the way.
                let dt = u64::from(input.u16()) * 10;
                p.run_until(Ticks(p.now().0 + dt));
                let _ = p.take_signals();
            }
            14 => {
                // DataRangeIntersection with an arbitrary client range and output length.
                let pin = u32::from(input.u8() % 5);
                let out_len = match input.u8() % 4 {
                    0 => 0,
                    1 => 104,
                    _ => u32::from(input.u8()),
                };
                let null_matching = input.bool();
                let mut range = format_bytes(&mut input, default);
                let desc = d.wave_description().expect("description");
                // SAFETY: the description lives as long as the miniport; pin 0 has ranges.
                let ours: *mut KsDataRange =
                    unsafe { *(*(*desc).pins).ks_pin_descriptor.data_ranges }.cast_mut();
                let matching = if null_matching { null_mut() } else { ours };
                let mut out = vec![0xA5u8; out_len as usize + 16];
                let mut len = 0u32;
                let st = vcall!(
                    d.wave(),
                    base.data_range_intersection(
                        pin,
                        range.0.as_mut_ptr().cast(),
                        matching,
                        out_len,
                        if out_len == 0 { null_mut() } else { out.as_mut_ptr().cast::<c_void>() },
                        &raw mut len
                    )
                );
                assert!(out[out_len as usize..].iter().all(|&b| b == 0xA5), "overrun");
                if st.is_success() {
                    assert!(len <= out_len, "{len} > {out_len}");
                    let f = cadenza_engine::format::parse::parse_data_format(&out[..len as usize]);
                    let f = f.expect("the resultant format parses");
                    let caps = cfg.pin_capabilities().expect("caps");
                    assert!(caps.supports(&f).is_ok(), "{f:?}");
                }
            }
            _ => {
                let mut reg = core::mem::MaybeUninit::uninit();
                if let Some(st) = d.stream(direction) {
                    let _ = vcall!(st.stream, base.get_position_register(reg.as_mut_ptr()));
                    let _ = vcall!(st.stream, base.get_clock_register(reg.as_mut_ptr()));
                }
            }
        }
        let snap = d.counters().snapshot();
        assert_eq!(snap.4, 0, "port misuse: {snap:?}");
        assert!(d.violations().is_empty(), "{:?}", d.violations());
    }
    // Release everything, in either order of Free / Release.
    for direction in [Direction::Render, Direction::Capture] {
        if input.bool() {
            free(&mut d, &mut h, direction);
        }
        h.buffers[slot(direction)] = None;
        let _ = d.close(direction);
    }
    assert!(d.violations().is_empty(), "{:?}", d.violations());
    assert_eq!(d.counters().snapshot(), (1, 0, 0, 0, 0), "live objects after Release");
    // SAFETY: the Arc is only counted and dropped; the host is never moved out of it, so
    // its pinning promise (the timers hold its address) is kept.
    let cable = unsafe { core::pin::Pin::into_inner_unchecked(d.cable().clone()) };
    drop(d);
    assert_eq!(Arc::strong_count(&cable), 1, "an object still holds the cable");
    drop(cable);
    assert_eq!(p.live_allocations(), (0, 0), "leaked platform memory");
    assert_eq!(p.live_timers(), 0, "leaked timers");
});

/// # Safety
/// `p` must be a live interface pointer the caller owns a reference to.
unsafe fn unknown_release(p: *mut IUnknown) -> u32 {
    vcall!(p, release())
}

fn allocate(
    d: &mut PortClsDriver,
    h: &mut Harness,
    direction: Direction,
    notifications: u32,
    size: u32,
    with_notification: bool,
) {
    let Some(st) = d.stream(direction) else { return };
    let mut mdl: *mut Mdl = null_mut();
    let (mut actual, mut offset) = (0u32, 0u32);
    let mut cache = MemoryCachingType::NON_CACHED;
    let status = if with_notification {
        vcall!(
            st.stream,
            allocate_buffer_with_notification(
                notifications,
                size,
                &raw mut mdl,
                &raw mut actual,
                &raw mut offset,
                &raw mut cache
            )
        )
    } else {
        vcall!(
            st.stream,
            base.allocate_audio_buffer(size, &raw mut mdl, &raw mut actual, &raw mut offset, &raw mut cache)
        )
    };
    let s = slot(direction);
    if status == NtStatus::SUCCESS {
        assert!(!mdl.is_null());
        assert!(h.buffers[s].is_none(), "a second buffer was granted");
        h.buffers[s] = Some((mdl, actual, with_notification));
    } else {
        assert!(mdl.is_null(), "{status:?} with an MDL");
    }
}

fn free(d: &mut PortClsDriver, h: &mut Harness, direction: Direction) {
    let Some(st) = d.stream(direction) else { return };
    let s = slot(direction);
    let (mdl, size, notify) = h.buffers[s].unwrap_or((null_mut(), 0, true));
    if notify {
        vcall!(st.stream, free_buffer_with_notification(mdl, size));
    } else {
        vcall!(st.stream, base.free_audio_buffer(mdl, size));
    }
    // A free in the wrong state is refused and the buffer stays; only record it as gone when
    // the port saw the MDL freed.
    if !mdl.is_null() && d.counters().snapshot().2 < live_mdls(h) {
        h.buffers[s] = None;
    }
}

fn live_mdls(h: &Harness) -> usize {
    h.buffers.iter().filter(|b| b.is_some()).count()
}
