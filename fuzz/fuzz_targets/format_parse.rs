//! Arbitrary bytes as a client's KSDATAFORMAT_WAVEFORMATEX(TENSIBLE) and as a bare
//! WAVEFORMATEX(TENSIBLE). Never panics; whatever parses re-serializes (always as the
//! extensible form) to bytes that parse to an equal format, in both forms.
#![no_main]

use cadenza_engine::format::Format;
use cadenza_engine::format::parse::{
    KSDATAFORMAT_SIZE, KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, WAVEFORMATEXTENSIBLE_SIZE,
    parse_data_format, parse_wave_format, write_data_format, write_wave_format,
};
use libfuzzer_sys::fuzz_target;

fn check_format(f: &Format) {
    let block = u32::from(f.channels().get()) * u32::from(f.sample().container_bytes());
    assert_eq!(u32::from(f.block_align()), block, "{f:?}");
    assert_eq!(
        u64::from(f.bytes_per_second()),
        u64::from(f.rate().hz()) * u64::from(block),
        "{f:?}"
    );
    let mask = f.channel_mask().bits();
    assert!(mask.count_ones() <= u32::from(f.channels().get()), "{f:?}");
}

fn round_trip(f: &Format) {
    check_format(f);
    let mut ks = [0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE];
    let n = write_data_format(f, &mut ks).expect("write_data_format");
    assert_eq!(n, KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE);
    assert_eq!(parse_data_format(&ks[..n]).ok(), Some(*f), "KS round trip");
    let mut wave = [0u8; WAVEFORMATEXTENSIBLE_SIZE];
    let n = write_wave_format(f, &mut wave).expect("write_wave_format");
    assert_eq!(parse_wave_format(&wave[..n]).ok(), Some(*f), "wave round trip");
    // The wave part of the KS image is the bare image.
    assert_eq!(&ks[KSDATAFORMAT_SIZE..], &wave[..]);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = parse_data_format(data) {
        round_trip(&f);
        // The wave structure after the header parses on its own to the same format.
        let size = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
        assert_eq!(
            parse_wave_format(&data[KSDATAFORMAT_SIZE..size]).ok(),
            Some(f),
            "body alone"
        );
    }
    if let Ok(f) = parse_wave_format(data) {
        round_trip(&f);
    }
    // Short output buffers are refused, never overrun.
    let f = Format::DEFAULT;
    let mut small = [0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE - 1];
    let cut = data.first().map_or(0, |&b| usize::from(b) % small.len());
    assert!(write_data_format(&f, &mut small[..cut]).is_err());
});
