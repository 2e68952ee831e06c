//! The PortCls contract, driven through the vtables. Tests named `miri_*` are the fast subset
//! CI runs under Miri (`cargo +nightly miri test -p cadenza-portcls --features host miri_`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::vec::Vec;

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::Format;
use cadenza_engine::NtStatus;
use cadenza_engine::gain::Gain;
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState as S;
use cadenza_engine::stream::Direction::{Capture, Render};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{DriverUnderTest, LoopbackConfig, run_loopback};

use super::driver::{FormatBuffer, PortClsDriver, vcall};
use crate::com::{IAdapterPowerManagement, IMiniportWaveRTStream, IUnknown};
use crate::guids::{
    IID_IAdapterPowerManagement, IID_IMiniportWaveRTInputStream, IID_IMiniportWaveRTStream,
    IID_IPortWaveRT, IID_IUnknown,
};
use crate::kernel::{DevicePowerState, PowerState};
use crate::kernel::{Mdl, MemoryCachingType};
use crate::ks::{
    KSPROPERTY_TYPE_BASICSUPPORT, KSPROPERTY_TYPE_GET, KSPROPERTY_TYPE_SET, KsDataRange,
};
use crate::topology::{
    NODE_CAPTURE_MUTE, NODE_CAPTURE_VOLUME, NODE_RENDER_MUTE, NODE_RENDER_VOLUME,
    TOPO_PIN_MICROPHONE, TOPO_PIN_SPEAKER, dispatch, property_items, request_for,
};
use crate::wave::{WAVE_PIN_CAPTURE_HOST, WAVE_PIN_RENDER_BRIDGE, WAVE_PIN_RENDER_HOST};

/// 10 ms at 48 kHz stereo float, two packets: 3840 bytes.
const BYTES_2X10MS: u32 = 480 * 8 * 2;

fn driver() -> (SimPlatform, PortClsDriver) {
    let p = SimPlatform::new(7);
    let d = PortClsDriver::new(p.clone()).expect("driver");
    (p, d)
}

/// Everything is gone: objects, MDLs, mappings, buffers, timers.
fn assert_all_freed(p: &SimPlatform, d: PortClsDriver) {
    assert!(d.violations().is_empty(), "{:?}", d.violations());
    // SAFETY: the Arc is only counted and dropped; the host is never moved out of it.
    let cable = unsafe { core::pin::Pin::into_inner_unchecked(d.cable().clone()) };
    let counters = d.shared_counters();
    drop(d);
    // Every object the port handed out is gone: the port itself (the miniport released the
    // reference it took in Init), port streams, MDLs, mappings; and no call broke its rules.
    assert_eq!(
        counters.snapshot(),
        (0, 0, 0, 0, 0),
        "(ports, port streams, MDLs, mappings, misuse) after teardown"
    );
    assert_eq!(
        Arc::strong_count(&cable),
        1,
        "an object still holds the cable"
    );
    drop(cable);
    assert_eq!(p.live_allocations(), (0, 0));
    assert_eq!(p.live_timers(), 0);
}

fn step(d: &mut PortClsDriver, dir: cadenza_engine::stream::Direction, to: S) {
    let mut s = S::Stop;
    while s != to {
        s = s.step_towards(to);
        d.set_state(dir, s).expect("step");
    }
}

#[test]
fn miri_com_objects_answer_their_interfaces_and_free_at_the_last_release() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    d.open(Capture, &Format::DEFAULT).unwrap();
    let render = d.stream(Render).unwrap();
    let stream = render.stream;
    // Unknown IID: STATUS_NOINTERFACE and a null out-pointer.
    let mut out: *mut c_void = stream.cast();
    let s = vcall!(
        stream,
        base.base.query_interface(&IID_IPortWaveRT, &raw mut out)
    );
    assert_eq!((s, out), (NtStatus::NOINTERFACE, null_mut()));
    // The capture-only packet interface is not offered on render.
    let s = vcall!(
        stream,
        base.base
            .query_interface(&IID_IMiniportWaveRTInputStream, &raw mut out)
    );
    assert_eq!((s, out), (NtStatus::NOINTERFACE, null_mut()));
    // IUnknown and IMiniportWaveRTStream are the object itself, through either interface.
    for iid in [&IID_IUnknown, &IID_IMiniportWaveRTStream] {
        let packet = render.packet.cast::<IUnknown>();
        let s = vcall!(packet, query_interface(iid, &raw mut out));
        assert_eq!(s, NtStatus::SUCCESS);
        assert_eq!(out, stream.cast());
        // SAFETY: the reference QueryInterface returned.
        assert_eq!(unsafe { crate::object::unknown_release(out.cast()) }, 2);
    }
    // AddRef / Release through the adjusted pointer count on the same object.
    let packet = render.packet.cast::<IUnknown>();
    assert_eq!(vcall!(packet, add_ref()), 3);
    assert_eq!(vcall!(stream, base.base.add_ref()), 4);
    assert_eq!(vcall!(packet, release()), 3);
    assert_eq!(vcall!(stream, base.base.release()), 2);
    // Miniport and adapter interfaces.
    let adapter = d.adapter();
    let mut pm: *mut c_void = null_mut();
    let s = vcall!(
        adapter,
        query_interface(&IID_IAdapterPowerManagement, &raw mut pm)
    );
    assert_eq!(s, NtStatus::SUCCESS);
    // SAFETY: the QueryInterface reference.
    unsafe { crate::object::unknown_release(pm.cast()) };
    assert_all_freed(&p, d);
}

#[test]
fn miri_short_stream_signals_per_packet_and_frees_everything() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    let buf = d.allocate(Render, BYTES_2X10MS, 2).unwrap();
    assert_eq!(buf.span, BYTES_2X10MS as usize);
    assert_eq!(d.counters().snapshot(), (1, 1, 1, 1, 0));
    step(&mut d, Render, S::Pause);
    for n in 0..2 {
        d.write_packet(n, 0, 0).unwrap();
    }
    step(&mut d, Render, S::Run);
    let start = p.now();
    let mut last = 0;
    // Two buffer passes: 4 packets of 10 ms.
    let end = Ticks(start.0 + 4 * 100_000);
    while let Some(_t) = p.fire_next(end) {
        let pos = d.position(Render).unwrap();
        assert!(pos.frames >= last);
        last = pos.frames;
        let playing = u32::try_from(pos.frames / 480).unwrap();
        let _ = d.write_packet(playing + 1, 0, 0);
    }
    let notes = d.take_notifications(Render);
    // NotificationCount 2: two events per buffer pass, at the exact packet boundaries.
    assert_eq!(notes.len(), 4, "{notes:?}");
    for (k, t) in notes.iter().enumerate() {
        assert_eq!(t.0 - start.0, (k as u64 + 1) * 100_000);
    }
    let (s, presentation) = d.raw_presentation().unwrap();
    assert_eq!(
        (s, presentation.position_in_block),
        (NtStatus::SUCCESS, 4 * 480)
    );
    assert_eq!(d.raw_packet_count().unwrap(), (NtStatus::SUCCESS, 4));
    for to in [S::Pause, S::Acquire, S::Stop] {
        d.set_state(Render, to).unwrap();
    }
    d.close(Render).unwrap();
    assert_eq!(d.counters().snapshot(), (1, 0, 0, 0, 0));
    assert_all_freed(&p, d);
}

#[test]
fn one_notification_per_pass_with_notification_count_1() {
    let (p, mut d) = driver();
    d.open(Capture, &Format::DEFAULT).unwrap();
    d.allocate(Capture, BYTES_2X10MS, 1).unwrap();
    step(&mut d, Capture, S::Run);
    let start = p.now();
    p.run_until(Ticks(start.0 + 10 * 200_000));
    let notes = d.take_notifications(Capture);
    assert_eq!(notes.len(), 10, "one per 20 ms buffer pass");
    step_down(&mut d, Capture);
    d.close(Capture).unwrap();
    assert_all_freed(&p, d);
}

fn step_down(d: &mut PortClsDriver, dir: cadenza_engine::stream::Direction) {
    for to in [S::Pause, S::Acquire, S::Stop] {
        d.set_state(dir, to).unwrap();
    }
}

#[test]
fn buffer_requests_outside_the_contract_get_their_statuses() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    for count in [0, 3, u32::MAX] {
        let (s, mdl, ..) = d.raw_allocate(Render, count, BYTES_2X10MS).unwrap();
        assert_eq!(
            (s, mdl),
            (NtStatus::INVALID_PARAMETER, null_mut()),
            "count {count}"
        );
    }
    for size in [0, 8 * 8 - 1] {
        let (s, ..) = d.raw_allocate(Render, 2, size).unwrap();
        assert_eq!(s, NtStatus::INVALID_BUFFER_SIZE, "size {size}");
    }
    assert_eq!(d.counters().snapshot().2, 0, "failed requests leave no MDL");
    // Huge: clamped to the engine's maximum, not refused.
    let (s, mdl, actual, ..) = d.raw_allocate(Render, 2, u32::MAX).unwrap();
    assert_eq!(s, NtStatus::SUCCESS);
    assert!(
        !mdl.is_null() && actual <= 8 << 20 && actual > 4 << 20,
        "{actual}"
    );
    // A second buffer while one is attached.
    let (s, ..) = d.raw_allocate(Render, 1, BYTES_2X10MS).unwrap();
    assert_eq!(s, NtStatus::INVALID_DEVICE_STATE);
    // Free it through the vtable, then a normal one-notification buffer works.
    let stream = d.stream(Render).unwrap().stream;
    vcall!(stream, free_buffer_with_notification(mdl, actual));
    assert_eq!(d.counters().snapshot().2, 0);
    let (s, _, actual, ..) = d.raw_allocate(Render, 1, BYTES_2X10MS).unwrap();
    assert_eq!((s, actual), (NtStatus::SUCCESS, BYTES_2X10MS));
    // Without notification: AllocateAudioBuffer is refused while one exists, and a free of
    // someone else's MDL is ignored (the buffer stays attached).
    vcall!(stream, base.free_audio_buffer(null_mut(), 0));
    assert_eq!(d.counters().snapshot().2, 1);
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

#[test]
fn states_events_and_registers_follow_the_contract() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    // RUN before a buffer: refused (the engine's wrong-state status).
    step(&mut d, Render, S::Pause);
    assert_eq!(
        d.raw_set_state(Render, 3).unwrap(),
        NtStatus::INVALID_DEVICE_STATE
    );
    // Not a KSSTATE.
    assert_ne!(d.raw_set_state(Render, 7).unwrap(), NtStatus::SUCCESS);
    assert_ne!(d.raw_set_state(Render, -1).unwrap(), NtStatus::SUCCESS);
    step_down(&mut d, Render);
    // STOP → RUN skips steps: refused.
    d.allocate(Render, BYTES_2X10MS, 2).unwrap();
    assert_ne!(d.raw_set_state(Render, 3).unwrap(), NtStatus::SUCCESS);
    // Events: duplicate, unknown, null.
    let ev = d.stream(Render).unwrap().event;
    assert_eq!(
        d.raw_event(Render, ev, true).unwrap(),
        NtStatus::DUPLICATE_OBJECTID
    );
    let other = super::port::fake_event(9);
    assert_eq!(
        d.raw_event(Render, other, false).unwrap(),
        NtStatus::NOT_FOUND
    );
    assert_eq!(
        d.raw_event(Render, null_mut(), true).unwrap(),
        NtStatus::INVALID_PARAMETER
    );
    // No position or clock register on a virtual device.
    let stream = d.stream(Render).unwrap().stream;
    let mut reg = core::mem::MaybeUninit::uninit();
    assert_eq!(
        vcall!(stream, base.get_position_register(reg.as_mut_ptr())),
        NtStatus::NOT_IMPLEMENTED
    );
    assert_eq!(
        vcall!(stream, base.get_clock_register(reg.as_mut_ptr())),
        NtStatus::NOT_IMPLEMENTED
    );
    let mut lat = crate::ksaudio::KsRtAudioHwLatency {
        fifo_size: 9,
        chipset_delay: 9,
        codec_delay: 9,
    };
    vcall!(stream, base.get_hw_latency(&raw mut lat));
    assert_eq!(lat.fifo_size, 0);
    // SetFormat in STOP with a supported format works; malformed ones are refused.
    let mut ok = FormatBuffer::new(&Format::DEFAULT);
    assert_eq!(
        vcall!(stream, base.set_format(ok.as_ks())),
        NtStatus::SUCCESS
    );
    let mut bad = FormatBuffer::new(&Format::DEFAULT);
    bad.0[64 + 2] = 0; // zero channels
    assert_ne!(
        vcall!(stream, base.set_format(bad.as_ks())),
        NtStatus::SUCCESS
    );
    assert_eq!(
        vcall!(stream, base.set_format(null_mut())),
        NtStatus::INVALID_PARAMETER
    );
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

#[test]
fn packet_numbers_behind_or_far_ahead_are_refused() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    d.open(Capture, &Format::DEFAULT).unwrap();
    d.allocate(Render, BYTES_2X10MS, 2).unwrap();
    d.allocate(Capture, BYTES_2X10MS, 2).unwrap();
    step(&mut d, Capture, S::Run);
    assert_eq!(d.raw_read_packet().unwrap().0, NtStatus::DEVICE_NOT_READY);
    step(&mut d, Render, S::Pause);
    d.write_packet(0, 0, 0).unwrap();
    d.write_packet(1, 0, 0).unwrap();
    assert_eq!(d.raw_write_packet(5, 0, 0).unwrap(), NtStatus::DATA_OVERRUN);
    step(&mut d, Render, S::Run);
    p.run_until(Ticks(p.now().0 + 250_000));
    assert_eq!(
        d.raw_write_packet(0, 0, 0).unwrap(),
        NtStatus::DATA_LATE_ERROR
    );
    assert_eq!(
        d.raw_write_packet(2, 0xFFFF, 0).unwrap(),
        NtStatus::INVALID_PARAMETER
    );
    // 2.5 packets in: packet 2 is overwriting packet 0's slot, so the oldest intact packet
    // (the one GetReadPacket must return) is 1.
    let (s, r) = d.raw_read_packet().unwrap();
    assert_eq!((s, r.number), (NtStatus::SUCCESS, 1));
    step_down(&mut d, Render);
    step_down(&mut d, Capture);
    d.close(Render).unwrap();
    d.close(Capture).unwrap();
    assert_all_freed(&p, d);
}

#[test]
fn new_stream_and_data_range_intersection_validate_their_input() {
    let (p, mut d) = driver();
    let mut f = FormatBuffer::new(&Format::DEFAULT);
    let release =
        |(s, stream, port_stream): (NtStatus, *mut IMiniportWaveRTStream, *mut IUnknown)| {
            assert!(stream.is_null());
            // SAFETY: the port stream the call made.
            unsafe { crate::object::unknown_release(port_stream) };
            s
        };
    // Pin/direction mismatches and bridge pins.
    assert_eq!(
        release(d.raw_new_stream(WAVE_PIN_RENDER_HOST, true, f.as_ks())),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        release(d.raw_new_stream(WAVE_PIN_CAPTURE_HOST, false, f.as_ks())),
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        release(d.raw_new_stream(WAVE_PIN_RENDER_BRIDGE, false, f.as_ks())),
        NtStatus::INVALID_PARAMETER
    );
    // Malformed: FormatSize larger than the format, a rate the pin does not offer.
    let mut big = f;
    big.0[0] = 200;
    assert_ne!(
        release(d.raw_new_stream(WAVE_PIN_RENDER_HOST, false, big.as_ks())),
        NtStatus::SUCCESS
    );
    let mut rate = FormatBuffer::new(&Format::new(
        cadenza_engine::SampleType::Float32,
        cadenza_engine::Channels::STEREO,
        cadenza_engine::SampleRate::new(44_100).unwrap(),
    ));
    assert_eq!(
        release(d.raw_new_stream(WAVE_PIN_RENDER_HOST, false, rate.as_ks())),
        NtStatus::NO_MATCH
    );
    // One stream per pin.
    d.open(Render, &Format::DEFAULT).unwrap();
    assert_eq!(
        release(d.raw_new_stream(WAVE_PIN_RENDER_HOST, false, f.as_ks())),
        NtStatus::DEVICE_BUSY
    );
    // DataRangeIntersection through the vtable, against our first range.
    let desc = d.wave_description().unwrap();
    // SAFETY: the description lives as long as the miniport.
    let pins = unsafe { (*desc).pins };
    // SAFETY: pin 0 exists.
    let table = unsafe { (*pins).ks_pin_descriptor.data_ranges };
    // SAFETY: pin 0 has ranges; take the first.
    let ours: *mut KsDataRange = unsafe { *table }.cast_mut();
    let wave = d.wave();
    let mut len = 0u32;
    let mut out = [0u64; 16];
    let s = vcall!(
        wave,
        base.data_range_intersection(0, ours, ours, 0, null_mut(), &raw mut len)
    );
    assert_eq!((s, len), (NtStatus::BUFFER_OVERFLOW, 104));
    let s = vcall!(
        wave,
        base.data_range_intersection(0, ours, ours, 50, out.as_mut_ptr().cast(), &raw mut len)
    );
    assert_eq!(s, NtStatus::BUFFER_TOO_SMALL);
    // Exactly the size it asked for is enough (KSDATAFORMAT 64 + WAVEFORMATEXTENSIBLE 40).
    let s = vcall!(
        wave,
        base.data_range_intersection(0, ours, ours, 104, out.as_mut_ptr().cast(), &raw mut len)
    );
    assert_eq!((s, len), (NtStatus::SUCCESS, 104));
    let s = vcall!(
        wave,
        base.data_range_intersection(0, ours, ours, 128, out.as_mut_ptr().cast(), &raw mut len)
    );
    assert_eq!((s, len), (NtStatus::SUCCESS, 104));
    let s = vcall!(
        wave,
        base.data_range_intersection(9, ours, ours, 128, out.as_mut_ptr().cast(), &raw mut len)
    );
    assert_eq!(s, NtStatus::INVALID_PARAMETER);
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

/// A property request through the handler, as PortCls dispatches it.
fn word(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn property(
    d: &PortClsDriver,
    item: usize,
    node: u32,
    verb: u32,
    instance: u32,
    value: &mut [u8],
) -> (NtStatus, u32) {
    let mut inst = instance.to_le_bytes();
    let mut r = request_for(
        d.topology().cast(),
        property_items()[item],
        node,
        verb,
        &mut inst,
        value,
    );
    // SAFETY: a request for our topology miniport with valid buffers.
    let s = unsafe { dispatch(&mut r) };
    (s, r.value_size)
}

#[test]
#[allow(clippy::too_many_lines, clippy::many_single_char_names)] // one property table, walked in order
fn topology_properties_reach_the_cable_gain_with_the_size_protocol() {
    let (p, d) = driver();
    let (get, set, basic) = (
        KSPROPERTY_TYPE_GET,
        KSPROPERTY_TYPE_SET,
        KSPROPERTY_TYPE_BASICSUPPORT,
    );
    // Volume: set channel 1 of render, read back, see it in the cable.
    let mut v = (-6i32 << 16).to_le_bytes();
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, set, 1, &mut v),
        (NtStatus::SUCCESS, 4)
    );
    let mut r = [0u8; 4];
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, get, 1, &mut r).0,
        NtStatus::SUCCESS
    );
    assert_eq!(i32::from_le_bytes(r), -6 << 16);
    let level = d.cable().with_gain(Render, |g| g.channel_db(1)).unwrap();
    assert_eq!(level, Ok(-6 << 16));
    // Master channel sets all; out of range clamps; a third channel does not exist.
    let mut v = (-200i32 << 16).to_le_bytes();
    assert_eq!(
        property(&d, 0, NODE_CAPTURE_VOLUME, set, u32::MAX, &mut v).0,
        NtStatus::SUCCESS
    );
    assert_eq!(
        d.cable().with_gain(Capture, |g| g.channel_db(1)).unwrap(),
        Ok(Gain::MIN_LEVEL)
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, get, 2, &mut r).0,
        NtStatus::INVALID_PARAMETER
    );
    // Wrong node for the property, wrong verb, short value, size query.
    assert_eq!(
        property(&d, 0, NODE_RENDER_MUTE, get, 0, &mut r).0,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, 0, 0, &mut r).0,
        NtStatus::INVALID_DEVICE_REQUEST
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, get, 0, &mut r[..2]).0,
        NtStatus::BUFFER_TOO_SMALL
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, get, 0, &mut []),
        (NtStatus::BUFFER_OVERFLOW, 4)
    );
    // Basic support, graduated: size, ULONG, description, everything.
    let full = 40 + 16 + 16 * 2;
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut []),
        (NtStatus::BUFFER_OVERFLOW, full)
    );
    let mut b = [0u8; 128];
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut b[..4]),
        (NtStatus::SUCCESS, 4)
    );
    assert_eq!(u32::from_le_bytes([b[0], b[1], b[2], b[3]]), 0x203);
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut b[..40]),
        (NtStatus::SUCCESS, 40)
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut b),
        (NtStatus::SUCCESS, full)
    );
    assert_eq!(word(&b, 24), 3, "VT_I4");
    assert_eq!(
        (word(&b, 40), word(&b, 44), word(&b, 48)),
        (2, 16, 2),
        "stepped, 16-byte members, 2 channels"
    );
    assert_eq!(
        (word(&b, 56), word(&b, 64), word(&b, 68)),
        (Gain::STEP_LEVEL, Gain::MIN_LEVEL, Gain::MAX_LEVEL)
    );
    // The whole KSPROPERTY_DESCRIPTION + KSPROPERTY_MEMBERSHEADER + two
    // KSPROPERTY_STEPPING_LONGs, field by field (offsets from the WDK's layouts, by hand), in a
    // buffer that starts as 0xAA, so a field the driver forgets to write shows.
    let mut b = [0xAAu8; 128];
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut b),
        (NtStatus::SUCCESS, full)
    );
    assert_eq!(word(&b, 0), 0x203, "AccessFlags GET | SET | BASICSUPPORT");
    assert_eq!(word(&b, 4), 88, "DescriptionSize: 40 + 16 + 2 × 16");
    assert_eq!(
        (word(&b, 28), word(&b, 32), word(&b, 36)),
        (0, 1, 0),
        "PropTypeSet.Flags, MembersListCount, Reserved"
    );
    assert_eq!(
        word(&b, 52),
        2,
        "Flags: KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL"
    );
    for (ch, at) in [(0, 56), (1, 72)] {
        assert_eq!(
            (
                word(&b, at),
                word(&b, at + 4),
                word(&b, at + 8),
                word(&b, at + 12)
            ),
            (Gain::STEP_LEVEL, 0, Gain::MIN_LEVEL, Gain::MAX_LEVEL),
            "channel {ch}: SteppingDelta, Reserved, Bounds.SignedMinimum, Bounds.SignedMaximum"
        );
    }
    assert!(
        b[88..].iter().all(|&x| x == 0xAA),
        "nothing written past the description"
    );
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut b[..2]).0,
        NtStatus::BUFFER_TOO_SMALL
    );
    // Mute.
    let mut on = 1i32.to_le_bytes();
    assert_eq!(
        property(&d, 1, NODE_CAPTURE_MUTE, set, 0, &mut on).0,
        NtStatus::SUCCESS
    );
    assert_eq!(d.cable().mute(Capture), Ok(true));
    assert_eq!(d.cable().mute(Render), Ok(false));
    assert_eq!(
        property(&d, 1, NODE_CAPTURE_MUTE, get, 1, &mut r).0,
        NtStatus::SUCCESS
    );
    assert_eq!(i32::from_le_bytes(r), 1);
    assert_eq!(
        property(&d, 1, NODE_RENDER_VOLUME, get, 0, &mut r).0,
        NtStatus::INVALID_PARAMETER
    );
    // Jack descriptions on the bridge pins only.
    assert_eq!(
        property(&d, 2, u32::MAX, get, TOPO_PIN_SPEAKER, &mut []),
        (NtStatus::BUFFER_OVERFLOW, 36)
    );
    assert_eq!(
        property(&d, 2, u32::MAX, get, TOPO_PIN_SPEAKER, &mut b[..20]).0,
        NtStatus::BUFFER_TOO_SMALL
    );
    assert_eq!(
        property(&d, 2, u32::MAX, get, TOPO_PIN_MICROPHONE, &mut b),
        (NtStatus::SUCCESS, 36)
    );
    assert_eq!(
        (word(&b, 0), word(&b, 4), word(&b, 8)),
        (36, 1, 3),
        "size, count, stereo mask"
    );
    assert_eq!(word(&b, 32), 1, "connected");
    assert_eq!(
        property(&d, 3, u32::MAX, get, TOPO_PIN_SPEAKER, &mut b),
        (NtStatus::SUCCESS, 16)
    );
    assert_eq!(
        property(&d, 2, u32::MAX, get, 0, &mut b).0,
        NtStatus::INVALID_PARAMETER
    );
    assert_eq!(
        property(&d, 2, u32::MAX, set, TOPO_PIN_SPEAKER, &mut b).0,
        NtStatus::INVALID_DEVICE_REQUEST
    );
    assert_all_freed(&p, d);
}

#[test]
fn render_volume_and_mute_are_applied_to_the_loopback_audio() {
    let p = SimPlatform::new(3);
    let mut d = PortClsDriver::new(p.clone()).unwrap();
    let mut on = 1i32.to_le_bytes();
    assert_eq!(
        property(&d, 1, NODE_RENDER_MUTE, KSPROPERTY_TYPE_SET, 0, &mut on).0,
        NtStatus::SUCCESS
    );
    let mut config = LoopbackConfig::default_for(p.frequency());
    config.duration_ticks = p.frequency().hz() / 5;
    let r = run_loopback(&mut d, &config, &mut |_| {}).unwrap();
    // Muted render: the capture side hears silence, not the signal.
    assert!(!r.check.bit_exact());
    assert!(!r.captured.is_empty() && r.captured.iter().all(|&b| b == 0));
    assert_all_freed(&p, d);
}

#[test]
#[allow(clippy::many_single_char_names)]
fn loopback_through_the_vtables_is_bit_exact_and_matches_the_engine() {
    let p = SimPlatform::new(11);
    let mut d = PortClsDriver::new(p.clone()).unwrap();
    let mut config = LoopbackConfig::default_for(p.frequency());
    config.duration_ticks = 2 * p.frequency().hz();
    let r = run_loopback(&mut d, &config, &mut |_| {}).unwrap();
    assert!(r.check.bit_exact(), "{:?}", r.check);
    assert!(r.check.compared > 90_000 - 1_000, "{:?}", r.check);
    assert_eq!(r.render_stats.glitches(), 0, "{:?}", r.render_stats);
    assert_eq!(r.capture_stats.glitches(), 0, "{:?}", r.capture_stats);
    assert_eq!(r.leaked_buffers, 0);
    assert_eq!(r.final_render_frames, r.expected_render_frames);
    assert_eq!(r.final_capture_frames, r.expected_capture_frames);
    assert_eq!(r.render_notifications.len(), 200);
    // The same run on the engine alone: identical audio and notification times.
    let q = SimPlatform::new(11);
    let mut e = EngineDriver::new(q.clone()).unwrap();
    let er = run_loopback(&mut e, &config, &mut |_| {}).unwrap();
    assert_eq!(r.captured, er.captured);
    assert_eq!(r.render_notifications, er.render_notifications);
    assert_eq!(r.capture_notifications, er.capture_notifications);
    assert_all_freed(&p, d);
}

#[test]
fn position_mode_one_packet_loopback_is_bit_exact() {
    let p = SimPlatform::new(5);
    let mut d = PortClsDriver::new(p.clone()).unwrap();
    let mut config = LoopbackConfig::default_for(p.frequency());
    config.duration_ticks = p.frequency().hz();
    config.packet_mode = false;
    config.packets = 1;
    let r = run_loopback(&mut d, &config, &mut |_| {}).unwrap();
    assert!(r.check.bit_exact(), "{:?}", r.check);
    assert_eq!(r.render_stats.glitches() + r.capture_stats.glitches(), 0);
    assert_all_freed(&p, d);
}

/// A raw pointer moved to the poller thread.
struct SendPtr(*mut IMiniportWaveRTStream, *mut c_void);
// SAFETY: the objects behind the pointers are built for concurrent calls (GetPosition and
// GetOutputStreamPresentationPosition take only the spin lock), and the main thread keeps
// them alive until the poller is joined.
unsafe impl Send for SendPtr {}

#[test]
fn get_position_from_another_thread_while_streaming() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    d.allocate(Render, BYTES_2X10MS, 2).unwrap();
    step(&mut d, Render, S::Pause);
    d.write_packet(0, 0, 0).unwrap();
    d.write_packet(1, 0, 0).unwrap();
    step(&mut d, Render, S::Run);
    let s = d.stream(Render).unwrap();
    let ptrs = SendPtr(s.stream.cast(), s.packet);
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let poller = std::thread::spawn(move || {
        let ptrs = ptrs;
        let mut polls = 0u32;
        let mut last = 0u64;
        let mut seen = Vec::new();
        while !stop2.load(Ordering::Acquire) || polls < 100 {
            let mut pos = crate::ksaudio::KsAudioPosition::default();
            let st = vcall!(ptrs.0, get_position(&raw mut pos));
            assert_eq!(st, NtStatus::SUCCESS);
            assert!(pos.play_offset < u64::from(BYTES_2X10MS));
            let out = ptrs.1.cast::<crate::com::IMiniportWaveRTOutputStream>();
            let mut pp = crate::ksaudio::KsAudioPresentationPosition::default();
            assert_eq!(
                vcall!(out, get_output_stream_presentation_position(&raw mut pp)),
                NtStatus::SUCCESS
            );
            assert!(
                pp.position_in_block >= last,
                "presentation position went back"
            );
            last = pp.position_in_block;
            seen.push(pos.play_offset);
            polls += 1;
            std::thread::yield_now();
        }
        (polls, last)
    });
    let start = p.now();
    let end = Ticks(start.0 + 2 * 10_000_000 / 10);
    while p.fire_next(end).is_some() {
        let pos = d.position(Render).unwrap();
        let _ = d.write_packet(u32::try_from(pos.frames / 480).unwrap() + 1, 0, 0);
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Release);
    let (polls, last) = poller.join().unwrap();
    assert!(polls >= 100 && last <= 2 * 48_000 / 10, "{polls} {last}");
    step_down(&mut d, Render);
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

#[test]
fn power_down_pauses_running_streams_and_refuses_work_until_d0() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    d.allocate(Render, BYTES_2X10MS, 2).unwrap();
    step(&mut d, Render, S::Run);
    p.run_until(Ticks(p.now().0 + 100_000));
    let adapter = d.adapter().cast::<IAdapterPowerManagement>();
    assert_eq!(
        vcall!(
            adapter,
            query_power_change_state(PowerState::device(DevicePowerState::D3))
        ),
        NtStatus::SUCCESS
    );
    vcall!(
        adapter,
        power_change_state(PowerState::device(DevicePowerState::D3))
    );
    // Frozen in PAUSE at the instant of D3, its timer cancelled; work is refused.
    assert_eq!(
        d.position(Render),
        Err(NtStatus::DEVICE_POWERED_OFF),
        "GetPosition in D3"
    );
    let before = p.expiries();
    p.run_until(Ticks(p.now().0 + 1_000_000));
    assert_eq!(p.expiries(), before, "no timer runs in D3");
    d.take_notifications(Render);
    // The port's own PAUSE is harmless; RUN waits for D0.
    d.set_state(Render, S::Pause).unwrap();
    assert_eq!(
        d.raw_set_state(Render, 3).unwrap(),
        NtStatus::DEVICE_POWERED_OFF
    );
    vcall!(
        adapter,
        power_change_state(PowerState::device(DevicePowerState::D0))
    );
    let frozen = d.position(Render).unwrap().frames;
    assert_eq!(frozen, 480, "paused after 10 ms at 48 kHz");
    d.set_state(Render, S::Run).unwrap();
    p.run_until(Ticks(p.now().0 + 200_000));
    assert_eq!(d.take_notifications(Render).len(), 2);
    step_down(&mut d, Render);
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

#[test]
#[allow(clippy::many_single_char_names)]
fn failures_in_new_stream_and_allocation_leak_nothing() {
    let p = SimPlatform::new(1);
    // Timer creation fails for the first stream.
    p.set_faults(cadenza_hostsim::FaultPlan {
        fail_allocations: vec![2],
        fail_timers: vec![0],
    });
    let mut d = PortClsDriver::new(p.clone()).unwrap();
    assert_eq!(
        d.open(Render, &Format::DEFAULT),
        Err(NtStatus::INSUFFICIENT_RESOURCES)
    );
    assert!(!crate::stream::is_open(d.cable(), Render));
    d.open(Render, &Format::DEFAULT).unwrap();
    assert!(crate::stream::is_open(d.cable(), Render));
    // Allocation 0 was the ring, 1 ... the page allocation of this buffer is number 1; the
    // plan fails number 2, so allocate once fine, free, then fail.
    let (s, mdl, actual, ..) = d.raw_allocate(Render, 2, BYTES_2X10MS).unwrap();
    assert_eq!(s, NtStatus::SUCCESS);
    let stream = d.stream(Render).unwrap().stream;
    vcall!(stream, free_buffer_with_notification(mdl, actual));
    let (s, ..) = d.raw_allocate(Render, 2, BYTES_2X10MS).unwrap();
    assert_eq!(s, NtStatus::INSUFFICIENT_RESOURCES);
    assert_eq!(d.counters().snapshot().2, 0);
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

#[test]
fn the_miniports_answer_for_an_unrun_engine_driver_too() {
    // The scenario's framework name and a second cable configuration.
    let (p, d) = driver();
    assert_eq!(d.framework(), "portcls");
    assert_eq!(d.cable().index(), 0);
    assert_all_freed(&p, d);
}

#[test]
fn the_power_object_accepts_every_state_and_leaves_the_bus_capabilities_alone() {
    use crate::kernel::DeviceCapabilities;
    let (_p, d) = driver();
    let adapter = d.adapter().cast::<IAdapterPowerManagement>();
    for state in [DevicePowerState::D0, DevicePowerState::D3] {
        assert_eq!(
            vcall!(adapter, query_power_change_state(PowerState::device(state))),
            NtStatus::SUCCESS
        );
    }
    // The virtual device has nothing to add to the bus driver's capabilities; the pointer is
    // not dereferenced.
    let caps = core::ptr::null_mut::<DeviceCapabilities>();
    assert_eq!(
        vcall!(adapter, query_device_capabilities(caps)),
        NtStatus::SUCCESS
    );
}

/// Promise: AllocateBufferWithNotification with any one of its four out-pointers null is
/// refused with STATUS_INVALID_PARAMETER before anything is allocated or written, and the
/// stream can then allocate normally.
#[test]
fn a_null_out_pointer_to_allocate_is_refused_and_allocates_nothing() {
    let (p, mut d) = driver();
    d.open(Render, &Format::DEFAULT).unwrap();
    let stream = d.stream(Render).unwrap().stream;
    for which in 0..4 {
        let mut mdl: *mut Mdl = null_mut();
        let (mut actual, mut offset) = (0u32, 0u32);
        let mut cache = MemoryCachingType::NON_CACHED;
        let status = vcall!(
            stream,
            allocate_buffer_with_notification(
                2,
                BYTES_2X10MS,
                if which == 0 { null_mut() } else { &raw mut mdl },
                if which == 1 {
                    null_mut()
                } else {
                    &raw mut actual
                },
                if which == 2 {
                    null_mut()
                } else {
                    &raw mut offset
                },
                if which == 3 {
                    null_mut()
                } else {
                    &raw mut cache
                }
            )
        );
        assert_eq!(
            status,
            NtStatus::INVALID_PARAMETER,
            "out-pointer {which} null"
        );
        assert!(mdl.is_null(), "nothing written (out-pointer {which} null)");
        assert_eq!(
            d.counters().snapshot().2,
            0,
            "no MDL (out-pointer {which} null)"
        );
    }
    let (s, mdl, actual, ..) = d.raw_allocate(Render, 2, BYTES_2X10MS).unwrap();
    assert_eq!((s, actual), (NtStatus::SUCCESS, BYTES_2X10MS));
    assert!(!mdl.is_null());
    d.close(Render).unwrap();
    assert_all_freed(&p, d);
}

/// What Windows reads from the topology filter besides the values themselves: the verbs each
/// property item accepts (PortCls dispatches only those), the basic-support answers of mute
/// and of the jacks, a buffer of exactly the size asked for, and both jack descriptions field
/// by field in buffers pre-filled with 0xAA (a field the driver forgets shows). Expected
/// values are the WDK's numbers, written out here: KSPROPERTY_TYPE_GET 1, SET 2,
/// BASICSUPPORT 0x200; VT_BOOL 11; KSPROPERTY_MEMBER_STEPPEDRANGES 2,
/// KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM 4; eConnTypeUnknown 0, eGeoLocRear 1,
/// eGenLocInternal 1, ePortConnIntegratedDevice 1.
#[test]
fn topology_items_basic_support_and_jacks_are_complete() {
    let flags: Vec<u32> = property_items().iter().map(|i| i.get().flags).collect();
    assert_eq!(
        flags,
        [0x203, 0x203, 0x201, 0x201],
        "volume, mute: get | set | basic support; jack descriptions: get | basic support"
    );
    let (p, d) = driver();
    let (get, basic) = (KSPROPERTY_TYPE_GET, KSPROPERTY_TYPE_BASICSUPPORT);
    // Volume basic support into a buffer of exactly the full size: everything, not just the
    // description.
    let mut exact = [0xAAu8; 88];
    assert_eq!(
        property(&d, 0, NODE_RENDER_VOLUME, basic, 0, &mut exact),
        (NtStatus::SUCCESS, 88)
    );
    assert_eq!(word(&exact, 84), Gain::MAX_LEVEL, "the last field written");
    // Mute basic support: KSPROPERTY_DESCRIPTION (40) + KSPROPERTY_MEMBERSHEADER (16) + one
    // KSPROPERTY_STEPPING_LONG (16).
    let mut b = [0xAAu8; 128];
    assert_eq!(
        property(&d, 1, NODE_RENDER_MUTE, basic, 0, &mut b),
        (NtStatus::SUCCESS, 72)
    );
    let mute: Vec<i32> = (0..18).map(|i| word(&b, 4 * i)).collect();
    assert_eq!(&mute[..2], [0x203, 72], "AccessFlags, DescriptionSize");
    assert_eq!(
        &mute[6..10],
        [11, 0, 1, 0],
        "VT_BOOL, flags, one members list, reserved"
    );
    assert_eq!(
        &mute[10..14],
        [2, 16, 1, 4],
        "stepped ranges of 16 bytes, one, uniform"
    );
    assert_eq!(&mute[14..18], [1, 0, 0, 1], "step 1, reserved, 0 ..= 1");
    assert!(
        b[72..].iter().all(|&x| x == 0xAA),
        "nothing past the answer"
    );
    // Jack basic support: get | basic support, no members: the 40-byte description.
    let mut b = [0xAAu8; 64];
    assert_eq!(
        property(&d, 2, u32::MAX, basic, TOPO_PIN_SPEAKER, &mut b),
        (NtStatus::SUCCESS, 40)
    );
    assert_eq!(
        (word(&b, 0), word(&b, 4), word(&b, 24), word(&b, 32)),
        (0x201, 40, 0, 0),
        "AccessFlags, DescriptionSize, VT_EMPTY, no members list"
    );
    assert!(b[40..].iter().all(|&x| x == 0xAA));
    // KSJACK_DESCRIPTION after the 8-byte KSMULTIPLE_ITEM, every field.
    let mut b = [0xAAu8; 64];
    assert_eq!(
        property(&d, 2, u32::MAX, get, TOPO_PIN_SPEAKER, &mut b),
        (NtStatus::SUCCESS, 36)
    );
    let jack: Vec<i32> = (0..9).map(|i| word(&b, 4 * i)).collect();
    assert_eq!(
        jack,
        [36, 1, 3, 0, 0, 1, 1, 1, 1],
        "size, count; ChannelMapping (stereo), Color, ConnectionType, GeoLocation, \
         GenLocation, PortConnection, IsConnected"
    );
    assert!(b[36..].iter().all(|&x| x == 0xAA));
    // KSJACK_DESCRIPTION2: DeviceStateInfo and JackCapabilities both 0.
    let mut b = [0xAAu8; 64];
    assert_eq!(
        property(&d, 3, u32::MAX, get, TOPO_PIN_MICROPHONE, &mut b),
        (NtStatus::SUCCESS, 16)
    );
    assert_eq!(
        (word(&b, 0), word(&b, 4), word(&b, 8), word(&b, 12)),
        (16, 1, 0, 0)
    );
    assert!(b[16..].iter().all(|&x| x == 0xAA));
    assert_all_freed(&p, d);
}
