//! Arbitrary (name, value) sequences into ConfigBuilder::apply + finish (as the drivers feed
//! the registry), and arbitrary text into parse_text (the simulator's --config file).
//!
//! Never panics; every DeviceConfig satisfies its documented invariants (cables 1..=8,
//! rates and types non-empty, the default rate offered, period 1 000..=100 000 µs, the tone
//! 20..=20 000 Hz and below half the lowest rate, names within 31 UTF-16 units, pin
//! capabilities valid), and write_text → parse_text reproduces it without warnings.
#![no_main]

use cadenza_engine::config::{
    ConfigBuilder, DeviceConfig, KeyId, MissingKeys, NAME_MAX_UNITS, RegValue, parse_text,
};
use cadenza_fuzz::Input;
use libfuzzer_sys::fuzz_target;

fn check(c: &DeviceConfig) {
    assert!((1..=8).contains(&c.cables()), "{c:?}");
    assert!(!c.rates().is_empty() && !c.sample_types().is_empty(), "{c:?}");
    assert!(c.rates().contains(c.default_rate()), "{c:?}");
    assert!((1_000..=100_000).contains(&c.period_us()), "{c:?}");
    assert!((20..=20_000).contains(&c.tone_hz()), "{c:?}");
    let lowest = c.rates().lowest().expect("non-empty");
    assert!(u64::from(c.tone_hz()) * 2 < u64::from(lowest.hz()), "{c:?}");
    for r in c.rates().iter() {
        let frames = c.period_frames(r);
        assert!((8..=38_400).contains(&frames), "{frames} at {r:?}");
    }
    for i in 0..c.cables() {
        let name = c.cable_name(i).expect("a name for every cable");
        assert!(!name.is_empty() || c.cable_name_template().is_empty());
        assert!(name.encode_utf16().count() <= NAME_MAX_UNITS, "{name:?}");
    }
    assert!(c.cable_name(c.cables()).is_none());
    let caps = c.pin_capabilities().expect("valid pin capabilities");
    assert_eq!(caps.preferred(), c.default_format());
    let mut text = String::new();
    c.write_text(&mut text).expect("write_text");
    let mut warnings = Vec::new();
    let back = parse_text(&text, &mut |w| warnings.push(w.to_string()));
    assert!(warnings.is_empty(), "{text}\n{warnings:?}");
    assert_eq!(&back, c, "{text}");
}

fn name(input: &mut Input<'_>, scratch: String) -> String {
    match input.u8() % 4 {
        0 | 1 => {
            let k = KeyId::ALL[usize::from(input.u8()) % KeyId::ALL.len()].name();
            if input.bool() { k.to_ascii_uppercase() } else { k.to_string() }
        }
        _ => scratch,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.u8();
    if mode % 2 == 0 {
        let text = String::from_utf8_lossy(input.rest());
        let c = parse_text(&text, &mut |w| {
            let _ = w.to_string();
        });
        check(&c);
        return;
    }
    let missing = if mode & 2 != 0 { MissingKeys::Report } else { MissingKeys::Ignore };
    let mut b = ConfigBuilder::new(missing);
    for _ in 0..16 {
        if input.is_empty() {
            break;
        }
        let raw_name = String::from_utf8_lossy(input.bytes(40)).into_owned();
        let n = name(&mut input, raw_name);
        let kind = input.u8() % 4;
        let s = String::from_utf8_lossy(input.bytes(200)).into_owned();
        let value = match kind {
            0 => RegValue::Dword(input.interesting_u32()),
            1 => RegValue::Sz(&s),
            2 => RegValue::MultiSz(&s),
            _ => RegValue::Other { reg_type: input.u32() },
        };
        if let Some(w) = b.apply(&n, value) {
            let _ = w.to_string();
        }
    }
    let c = b.finish(&mut |w| {
        let _ = w.to_string();
    });
    check(&c);
});
