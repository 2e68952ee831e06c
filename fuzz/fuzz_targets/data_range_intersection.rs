//! Arbitrary bytes as a client's data range (KSDATARANGE, KSDATARANGE_AUDIO or a
//! KSDATAFORMAT used as a range) against a few pins, and arbitrary KsAudioRange values.
//! Never panics; an intersection is a format the pin supports and, for a range with
//! bounds, one the range admits; an exact format as a range matches only itself.
#![no_main]

use std::sync::OnceLock;

use cadenza_engine::format::parse::{
    KSDATAFORMAT_SIZE, KSDATAFORMAT_SUBTYPE_WILDCARD, KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE,
    parse_data_format, write_data_format,
};
use cadenza_engine::format::range::{KSDATARANGE_AUDIO_SIZE, KsAudioRange, PinCapabilities};
use cadenza_engine::format::{Format, FormatError};
use cadenza_engine::Guid;
use cadenza_fuzz::{Input, config};
use libfuzzer_sys::fuzz_target;

fn pins() -> &'static [PinCapabilities] {
    static PINS: OnceLock<Vec<PinCapabilities>> = OnceLock::new();
    PINS.get_or_init(|| {
        (0..4)
            .map(|i| config(i).pin_capabilities().expect("pin capabilities"))
            .collect()
    })
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn guid_at(b: &[u8], at: usize) -> Guid {
    let mut g = [0u8; 16];
    g.copy_from_slice(&b[at..at + 16]);
    Guid::from_bytes(&g)
}

fn check(caps: &PinCapabilities, client: &[u8], result: Result<Format, FormatError>) {
    let Ok(f) = result else { return };
    assert!(caps.supports(&f).is_ok(), "{f:?} not supported by {caps:?}");
    let size = u32_at(client, 0) as usize;
    if size == KSDATARANGE_AUDIO_SIZE {
        // KSDATARANGE_AUDIO: MaximumChannels, Min/MaxBitsPerSample, Min/MaxSampleFrequency.
        let range = KsAudioRange {
            sub_format: guid_at(client, 32),
            max_channels: u32_at(client, 64),
            min_bits: u32_at(client, 68),
            max_bits: u32_at(client, 72),
            min_hz: u32_at(client, 76),
            max_hz: u32_at(client, 80),
        };
        assert!(range.admits(&f), "{f:?} outside {range:?}");
    } else if size != KSDATAFORMAT_SIZE {
        // A complete format used as a range matches only itself.
        assert_eq!(parse_data_format(client).ok(), Some(f));
    }
    // The result offered back as an exact format intersects to itself.
    let mut image = [0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE];
    write_data_format(&f, &mut image).expect("write");
    assert_eq!(caps.intersect(&image).ok(), Some(f));
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let which = input.u8();
    let caps = &pins()[usize::from(which) % pins().len()];
    // A decoded range with arbitrary bounds.
    let sub = match input.u8() % 3 {
        0 => KSDATAFORMAT_SUBTYPE_WILDCARD,
        1 => cadenza_engine::format::parse::KSDATAFORMAT_SUBTYPE_PCM,
        _ => cadenza_engine::format::parse::KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    };
    let range = KsAudioRange {
        sub_format: sub,
        max_channels: input.interesting_u32(),
        min_bits: input.interesting_u32(),
        max_bits: input.interesting_u32(),
        min_hz: input.interesting_u32(),
        max_hz: input.interesting_u32(),
    };
    if let Ok(f) = caps.intersect_ks_audio(&range) {
        assert!(caps.supports(&f).is_ok(), "{f:?}");
        assert!(range.admits(&f), "{f:?} outside {range:?}");
    }
    // The rest is the client's range bytes.
    let client = input.rest();
    let result = caps.intersect(client);
    check(caps, client, result);
    // Every range the pin publishes, written and offered back, intersects inside itself.
    if which & 0x80 != 0 {
        for r in caps.ks_audio_ranges() {
            let mut buf = [0u8; KSDATARANGE_AUDIO_SIZE];
            r.write(&mut buf).expect("write range");
            let f = caps.intersect(&buf).expect("own range intersects");
            assert!(r.admits(&f) && caps.supports(&f).is_ok(), "{f:?} {r:?}");
        }
    }
});
