//! The live-status property: arbitrary request buffers, lengths, ids, property sets and verb
//! flags into the PortCls wave filter's handler (found through its automation table) and the
//! ACX circuit entry point, while streams of both drivers go through the same arbitrary
//! steps in virtual time; plus arbitrary bytes into the engine's `decode`.
//!
//! Never panics; never writes outside the value buffer (guard bytes); a success reports at
//! most the buffer's length; BUFFER_OVERFLOW only for an empty buffer; a returned snapshot
//! decodes and re-encodes to the same bytes; PortCls and ACX give the same status and byte
//! count for the same request, and the same bytes while both drivers took every stream
//! operation; through ACX another property set is STATUS_NOT_FOUND and a verb outside
//! Get/Set/BasicSupport STATUS_INVALID_DEVICE_REQUEST; whatever `decode` accepts re-encodes
//! identically.
#![no_main]

use cadenza_acx::CircuitId;
use cadenza_acx::sim::AcxDriver;
use cadenza_engine::NtStatus;
use cadenza_engine::live_status::{
    KSPROPSETID_CADENZA_STATUS, SNAPSHOT_BYTES, Verb, decode, encode,
};
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use cadenza_engine::{Guid, NtStatus as Status};
use cadenza_fuzz::{Input, config};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::scenario::DriverUnderTest;
use cadenza_portcls::sim::PortClsDriver;
use libfuzzer_sys::fuzz_target;

const GUARD: usize = 16;
const GUARD_BYTE: u8 = 0xA5;

fn direction(input: &mut Input<'_>) -> Direction {
    if input.bool() {
        Direction::Capture
    } else {
        Direction::Render
    }
}

/// KS state paths both frameworks walk to the same end: ACX moves in bigger steps (its
/// PrepareHardware lands in PAUSE, ReleaseHardware in STOP), so single steps would not.
const PATHS: [&[KsState]; 4] = [
    &[KsState::Acquire, KsState::Pause, KsState::Run],
    &[KsState::Pause],
    &[KsState::Run],
    &[KsState::Pause, KsState::Acquire, KsState::Stop],
];

/// One stream operation, applied to both drivers alike. Returns whether it succeeded in both
/// (only then are the two drivers known to be in the same state).
fn step(input: &mut Input<'_>, drivers: &mut [&mut dyn DriverUnderTest; 2]) -> bool {
    let op = input.u8() % 5;
    let d = direction(input);
    let arg = input.u8();
    let format = cadenza_engine::config::DeviceConfig::default().default_format();
    let mut all_ok = true;
    for drv in drivers.iter_mut() {
        let r = match op {
            0 => drv.open(d, &format),
            1 => drv
                .allocate(
                    d,
                    480 * 8 * (1 + u32::from(arg % 4)),
                    1 + u32::from(arg & 1),
                )
                .map(|_| ()),
            2 => PATHS[usize::from(arg) % PATHS.len()]
                .iter()
                .try_for_each(|&to| drv.set_state(d, to)),
            3 => drv.close(d),
            _ => {
                let p = drv.platform();
                p.run_until(Ticks(p.now().0 + u64::from(arg) * 5_000));
                Ok(())
            }
        };
        all_ok &= r.is_ok();
    }
    all_ok
}

const ACX_VERBS: [(Verb, u32); 3] = [(Verb::Get, 1), (Verb::Set, 2), (Verb::BasicSupport, 3)];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let cfg = config(input.u8());
    let (pp, pa) = (SimPlatform::new(3), SimPlatform::new(3));
    let mut pc = PortClsDriver::with_config(pp.clone(), &cfg).expect("portcls");
    let mut acx = AcxDriver::with_config(pa.clone(), &cfg).expect("acx");
    let mut in_step = true;
    for _ in 0..24 {
        if input.is_empty() {
            break;
        }
        if input.bool() {
            in_step &= step(&mut input, &mut [&mut pc, &mut acx]);
            continue;
        }
        let set = if input.u8() % 8 == 0 {
            Guid::from_u128(u128::from(input.u32()))
        } else {
            KSPROPSETID_CADENZA_STATUS
        };
        let id = if input.bool() {
            1
        } else {
            input.interesting_u32()
        };
        let flags = match input.u8() % 4 {
            0 => 1,
            1 => 2,
            2 => 0x200,
            _ => input.u32(),
        };
        let len = usize::from(input.u16()) % 700;
        let mut a = vec![GUARD_BYTE; len + GUARD];
        let (st, n) = pc.wave_filter_property(set, id, flags, &mut a[..len]);
        assert!(
            a[len..].iter().all(|&b| b == GUARD_BYTE),
            "PortCls wrote past the buffer"
        );
        if st == NtStatus::BUFFER_OVERFLOW {
            assert_eq!(len, 0, "overflow for a non-empty buffer");
        }
        if st.is_success() {
            assert!(n as usize <= len, "success reports {n} of {len}");
            if n as usize == SNAPSHOT_BYTES {
                let s = decode(&a[..SNAPSHOT_BYTES]).expect("our snapshot decodes");
                let mut again = [0u8; SNAPSHOT_BYTES];
                encode(&s, &mut again);
                assert_eq!(&again[..], &a[..SNAPSHOT_BYTES]);
            }
        }
        // The same request through ACX, when the verb has an ACX spelling.
        let acx_verb = match Verb::from_ks_flags(flags) {
            Ok(v) => ACX_VERBS
                .iter()
                .find(|(w, _)| *w == v)
                .map_or(0, |(_, c)| *c),
            Err(_) => u32::from(input.u8() % 8),
        };
        let circuit = CircuitId::new(0, direction(&mut input)).expect("cable 0");
        let mut b = vec![GUARD_BYTE; len + GUARD];
        let r = acx
            .device()
            .status_property(circuit, &set, id, acx_verb, &mut b[..len]);
        assert!(
            b[len..].iter().all(|&x| x == GUARD_BYTE),
            "ACX wrote past the buffer"
        );
        if set != KSPROPSETID_CADENZA_STATUS {
            // Not our set: not found, whatever the verb (the set is checked first).
            assert_eq!((r.status, r.bytes), (Status::NOT_FOUND, 0));
        } else if !(1..=3).contains(&acx_verb) {
            assert_eq!((r.status, r.bytes), (Status::INVALID_DEVICE_REQUEST, 0));
        } else if Verb::from_ks_flags(flags).is_ok() {
            // The status and size never depend on the streams; the bytes do, so they are
            // compared only while both drivers took every step.
            assert_eq!((st, n), (r.status, r.bytes), "PortCls and ACX answer alike");
            if in_step {
                assert_eq!(a, b, "PortCls and ACX write the same bytes");
            }
        }
    }
    // Whatever is left: straight into the decoder.
    let rest = input.rest();
    if let Ok(s) = decode(rest) {
        let mut again = [0u8; SNAPSHOT_BYTES];
        encode(&s, &mut again);
        assert_eq!(&again[..], &rest[..SNAPSHOT_BYTES]);
    }
});
