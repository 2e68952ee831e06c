//! PortCls topology property requests (volume, mute, jack description(2), basic support)
//! dispatched as PortCls does, with arbitrary property ids, nodes, verbs/flags, instance
//! data (channel / pin) and value buffers of arbitrary length and content.
//!
//! Never panics; never writes outside the value buffer; a reported ValueSize never exceeds
//! the buffer on success; a size query (empty buffer) is the only BUFFER_OVERFLOW; levels stay
//! inside the published range and mute reads 0/1; at the end everything is freed.
#![no_main]

use std::sync::Arc;

use cadenza_engine::NtStatus;
use cadenza_engine::gain::Gain;
use cadenza_engine::stream::Direction;
use cadenza_fuzz::{Input, config};
use cadenza_hostsim::SimPlatform;
use cadenza_portcls::descriptor::PcPropertyItem;
use cadenza_portcls::ks::{KSPROPERTY_TYPE_BASICSUPPORT, KSPROPERTY_TYPE_GET, KSPROPERTY_TYPE_SET};
use cadenza_portcls::sim::PortClsDriver;
use cadenza_portcls::topology::{dispatch, property_items, request_for};
use libfuzzer_sys::fuzz_target;

const GUARD: usize = 16;
const GUARD_BYTE: u8 = 0xA5;

fn verb(input: &mut Input<'_>) -> u32 {
    match input.u8() % 6 {
        0 => KSPROPERTY_TYPE_GET,
        1 => KSPROPERTY_TYPE_SET,
        2 => KSPROPERTY_TYPE_BASICSUPPORT,
        3 => KSPROPERTY_TYPE_GET | 0x1000_0000, // with KSPROPERTY_TYPE_TOPOLOGY
        _ => input.u32(),
    }
}

fn check_levels(d: &PortClsDriver, channels: u32) {
    for dir in [Direction::Render, Direction::Capture] {
        d.cable().with_device(|device| {
            let g = device.gain(dir).expect("the cable has both directions");
            for c in 0..channels {
                let l = g.channel_db(c).expect("configured channel");
                assert!((Gain::MIN_LEVEL..=Gain::MAX_LEVEL).contains(&l), "{l}");
            }
        });
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let cfg = config(input.u8());
    let channels = u32::from(cfg.channels().get());
    let p = SimPlatform::new(1);
    let d = PortClsDriver::with_config(p.clone(), &cfg).expect("driver");
    let items = property_items();
    for _ in 0..32 {
        if input.is_empty() {
            break;
        }
        let which = input.u8();
        let node = match input.u8() % 4 {
            0 => u32::MAX,
            1 => u32::from(input.u8() % 6),
            _ => input.u32(),
        };
        let verb = verb(&mut input);
        // Instance: a channel / pin id (often master or small), of arbitrary length.
        let mut instance = [0u8; 8];
        let inst_len = usize::from(input.u8() % 9);
        let word = match input.u8() % 3 {
            0 => u32::MAX,
            1 => u32::from(input.u8() % 20),
            _ => input.u32(),
        };
        instance[..4].copy_from_slice(&word.to_le_bytes());
        for b in &mut instance[4..] {
            *b = input.u8();
        }
        let value_len = match input.u8() % 4 {
            0 => 0,
            1 => 4,
            _ => usize::from(input.u8()),
        };
        let mut value = vec![GUARD_BYTE; value_len + GUARD];
        for b in &mut value[..value_len] {
            *b = input.u8();
        }
        let item = items[usize::from(which) % items.len()];
        // Sometimes an arbitrary property id with the same handler (the jack handler reads it).
        let custom = PcPropertyItem {
            id: if which & 0x80 != 0 { input.u32() } else { item.id },
            ..**item
        };
        let mut r = request_for(
            d.topology().cast(),
            item,
            node,
            verb,
            &mut instance[..inst_len],
            &mut value[..value_len],
        );
        r.property_item = &raw const custom;
        if inst_len == 0 && which & 0x40 != 0 {
            r.instance = core::ptr::null_mut();
        }
        // SAFETY: a request for our topology miniport with buffers valid for their sizes.
        let s = unsafe { dispatch(&mut r) };
        assert!(
            value[value_len..].iter().all(|&b| b == GUARD_BYTE),
            "wrote past the value buffer"
        );
        if s == NtStatus::SUCCESS {
            assert!(r.value_size as usize <= value_len, "{} > {value_len}", r.value_size);
        } else if s == NtStatus::BUFFER_OVERFLOW {
            assert_eq!(value_len, 0, "BUFFER_OVERFLOW for a non-empty buffer");
            assert!(r.value_size > 0);
        } else {
            assert_eq!(r.value_size as usize, value_len, "ValueSize changed on failure");
        }
        let get = verb & (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT)
            == KSPROPERTY_TYPE_GET;
        if s == NtStatus::SUCCESS && get && which % 4 < 2 {
            let v = i32::from_le_bytes([value[0], value[1], value[2], value[3]]);
            if which % 4 == 0 {
                assert!((Gain::MIN_LEVEL..=Gain::MAX_LEVEL).contains(&v), "volume {v}");
            } else {
                assert!(v == 0 || v == 1, "mute {v}");
            }
        }
        check_levels(&d, channels);
    }
    // Nothing leaks.
    assert!(d.violations().is_empty(), "{:?}", d.violations());
    assert_eq!(d.counters().snapshot(), (1, 0, 0, 0, 0));
    // SAFETY: the Arc is only counted and dropped; the host is never moved out of it, so
    // its pinning promise (the timers hold its address) is kept.
    let cable = unsafe { core::pin::Pin::into_inner_unchecked(d.cable().clone()) };
    drop(d);
    assert_eq!(Arc::strong_count(&cable), 1, "an object still holds the cable");
    drop(cable);
    assert_eq!(p.live_allocations(), (0, 0));
    assert_eq!(p.live_timers(), 0);
});
