//! Promises of the level meter. Expectations are computed here by an independent method:
//! decode each sample to an exact rational (`f64`, exact for every sample type), divide by
//! full scale, and take `floor(min(peak, 1) × 2^31)`.

use super::*;
use crate::format::{Channels, SampleRate};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

const TYPES: [SampleType; 5] = SampleType::ALL;

/// The value of one sample as a fraction of full scale (None for NaN).
fn fraction(sample: SampleType, s: &[u8]) -> Option<f64> {
    Some(match sample {
        SampleType::Int16 => f64::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
        SampleType::Int24 => {
            let raw = u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16;
            let v = if raw >= 1 << 23 {
                f64::from(raw) - f64::from(1u32 << 24)
            } else {
                f64::from(raw)
            };
            v / 8_388_608.0
        }
        SampleType::Int24In32 | SampleType::Int32 => {
            f64::from(i32::from_le_bytes([s[0], s[1], s[2], s[3]])) / 2_147_483_648.0
        }
        SampleType::Float32 => {
            let x = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            if x.is_nan() {
                return None;
            }
            f64::from(x)
        }
    })
}

// The peak is clamped to 0..=1, so the product is 0..=2^31: no sign, no truncation.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn expected_q31(sample: SampleType, channels: usize, bytes: &[u8]) -> Vec<u32> {
    let size = usize::from(sample.container_bytes());
    let mut peak = vec![0f64; channels];
    for frame in bytes.chunks_exact(size * channels) {
        for (c, s) in frame.chunks_exact(size).enumerate() {
            if let Some(v) = fraction(sample, s) {
                peak[c] = peak[c].max(v.abs());
            }
        }
    }
    peak.iter()
        .map(|&p| (p.min(1.0) * 2_147_483_648.0).floor() as u32)
        .collect()
}

fn observed_q31(sample: SampleType, channels: usize, bytes: &[u8]) -> Vec<u32> {
    let mut p = Peaks::new();
    p.observe(sample, channels, bytes);
    p.channel_peaks(channels)[..channels]
        .iter()
        .map(|&m| to_q31(sample, m))
        .collect()
}

fn format(sample: SampleType, channels: u16, rate: u32) -> Format {
    Format::new(
        sample,
        Channels::new(channels).unwrap(),
        SampleRate::new(rate).unwrap(),
    )
}

#[test]
fn a_half_scale_left_and_quarter_scale_right_read_as_those_fractions() {
    let mut bytes = Vec::new();
    for (l, r) in [(0.5f32, -0.25f32), (-0.125, 0.0), (0.25, 0.1)] {
        bytes.extend_from_slice(&l.to_le_bytes());
        bytes.extend_from_slice(&r.to_le_bytes());
    }
    assert_eq!(
        observed_q31(SampleType::Float32, 2, &bytes),
        [1 << 30, 1 << 29]
    );
}

#[test]
fn full_scale_is_reached_by_the_most_negative_integer_and_by_float_one_or_more() {
    let cases: [(SampleType, Vec<u8>, u32); 8] = [
        (
            SampleType::Int16,
            i16::MIN.to_le_bytes().to_vec(),
            FULL_SCALE_Q31,
        ),
        (
            SampleType::Int16,
            i16::MAX.to_le_bytes().to_vec(),
            32767 << 16,
        ),
        (SampleType::Int24, vec![0x00, 0x00, 0x80], FULL_SCALE_Q31),
        (SampleType::Int24, vec![0xff, 0xff, 0x7f], 0x7f_ffff << 8),
        (
            SampleType::Int32,
            i32::MIN.to_le_bytes().to_vec(),
            FULL_SCALE_Q31,
        ),
        (
            SampleType::Float32,
            1.0f32.to_le_bytes().to_vec(),
            FULL_SCALE_Q31,
        ),
        (
            SampleType::Float32,
            (-3.5f32).to_le_bytes().to_vec(),
            FULL_SCALE_Q31,
        ),
        (
            SampleType::Float32,
            f32::NEG_INFINITY.to_le_bytes().to_vec(),
            FULL_SCALE_Q31,
        ),
    ];
    for (sample, bytes, want) in cases {
        assert_eq!(
            observed_q31(sample, 1, &bytes),
            [want],
            "{sample:?} {bytes:?}"
        );
    }
}

#[test]
fn nan_samples_are_ignored_and_silence_reads_zero() {
    let mut bytes = Vec::new();
    for x in [f32::NAN, 0.0, -0.0, f32::from_bits(0xffc0_0001)] {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    assert_eq!(observed_q31(SampleType::Float32, 1, &bytes), [0]);
    // In a lane of the vector path too (16 samples and more).
    let mut long = Vec::new();
    for i in 0..40 {
        let x = if i % 3 == 0 { f32::NAN } else { 0.125 };
        long.extend_from_slice(&x.to_le_bytes());
    }
    assert_eq!(
        observed_q31(SampleType::Float32, 2, &long),
        [1 << 28, 1 << 28]
    );
}

#[test]
fn a_trailing_partial_frame_is_not_metered() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&100i16.to_le_bytes());
    bytes.extend_from_slice(&200i16.to_le_bytes());
    bytes.extend_from_slice(&30000i16.to_le_bytes()); // half a frame
    assert_eq!(
        observed_q31(SampleType::Int16, 2, &bytes),
        [100 << 16, 200 << 16]
    );
}

fn sample_bytes() -> impl Strategy<Value = (SampleType, usize, Vec<u8>)> {
    (0usize..5, 1usize..=16, 0usize..200).prop_flat_map(|(t, channels, frames)| {
        let sample = TYPES[t];
        let len = frames * channels * usize::from(sample.container_bytes());
        (
            Just(sample),
            Just(channels),
            proptest::collection::vec(any::<u8>(), len..=len + 3),
        )
    })
}

proptest! {
    /// Every sample type and channel count (the 16-lane kernels and the scalar loop alike)
    /// gives each channel's exact peak.
    #[test]
    fn every_layout_reads_the_exact_peak_of_each_channel((sample, channels, bytes) in sample_bytes()) {
        prop_assert_eq!(
            observed_q31(sample, channels, &bytes),
            expected_q31(sample, channels, &bytes)
        );
    }

    /// Observing in pieces (as the data path does across ring wraps) gives the same peaks as
    /// one pass.
    #[test]
    fn observing_in_pieces_equals_one_pass((sample, channels, bytes) in sample_bytes(), cut in 0usize..200) {
        let frame = channels * usize::from(sample.container_bytes());
        let at = (cut * frame).min(bytes.len() / frame * frame);
        let mut a = Peaks::new();
        a.observe(sample, channels, &bytes[..at]);
        let mut b = Peaks::new();
        b.observe(sample, channels, &bytes[at..]);
        a.merge(&b);
        let mut whole = Peaks::new();
        whole.observe(sample, channels, &bytes);
        prop_assert_eq!(a.channel_peaks(channels), whole.channel_peaks(channels));
    }
}

#[test]
fn a_window_is_published_after_100_ms_of_stream_time_and_reading_it_changes_nothing() {
    let f = format(SampleType::Int16, 2, 48_000);
    let mut meter = LevelMeter::new(&f);
    meter.arm();
    let mut loud = Peaks::new();
    loud.observe(SampleType::Int16, 2, &[0x00, 0x40, 0x00, 0xe0]); // 16384, -8192
    // 4 799 frames: not a whole window yet (100 ms at 48 kHz = 4 800 frames).
    meter.add(&loud, 4_000);
    meter.add(&Peaks::new(), 799);
    assert_eq!(*meter.levels(), Levels::default());
    meter.add(&Peaks::new(), 1);
    let first = *meter.levels();
    assert_eq!(first.windows, 1);
    assert_eq!(first.window_frames, 4_800);
    assert_eq!(first.peak_q31[..3], [1 << 30, 1 << 29, 0]);
    assert_eq!(*meter.levels(), first, "reading is not destructive");
    // The next window starts empty: silence publishes zeros.
    meter.add(&Peaks::new(), 9_600);
    let second = *meter.levels();
    assert_eq!((second.windows, second.window_frames), (2, 9_600));
    assert_eq!(second.peak_q31, [0; MAX_CHANNELS]);
}

#[test]
fn float_q31_conversion_is_exact_at_powers_of_two_and_between() {
    for k in 0..=31u32 {
        let x = 2f32.powi(-i32::try_from(k).unwrap());
        let want = if k == 0 {
            FULL_SCALE_Q31
        } else {
            1u32 << (31 - k)
        };
        assert_eq!(to_q31(SampleType::Float32, x.to_bits()), want, "2^-{k}");
    }
    // 0.75 = 3 × 2^-2 → 3 × 2^29; the largest float below 1.0 → 2^31 - 2^7.
    assert_eq!(to_q31(SampleType::Float32, 0.75f32.to_bits()), 3 << 29);
    let below_one = f32::from_bits(1.0f32.to_bits() - 1);
    assert_eq!(
        to_q31(SampleType::Float32, below_one.to_bits()),
        FULL_SCALE_Q31 - (1 << 7)
    );
    assert_eq!(to_q31(SampleType::Float32, 2f32.powi(-40).to_bits()), 0);
}

/// The portable lane kernels (what ARM64 compiles) meet the same contract as the SIMD ones x86_64
/// runs: each channel's exact peak.
fn portable_q31(sample: SampleType, channels: usize, bytes: &[u8]) -> Vec<u32> {
    let frame = channels * usize::from(sample.container_bytes());
    let whole = &bytes[..bytes.len() / frame * frame];
    let lanes = match sample {
        SampleType::Float32 => super::portable::lanes_f32(whole),
        SampleType::Int16 => super::portable::lanes_i16(whole),
        _ => super::portable::lanes_i32(whole),
    };
    let mut p = Peaks::new();
    p.merge_lanes(&lanes);
    p.channel_peaks(channels)[..channels]
        .iter()
        .map(|&m| to_q31(sample, m))
        .collect()
}

proptest! {
    #[test]
    fn the_portable_kernels_read_the_exact_peak_of_each_channel(
        t in prop_oneof![Just(SampleType::Float32), Just(SampleType::Int32), Just(SampleType::Int24In32), Just(SampleType::Int16)],
        c in 0usize..5,
        words in proptest::collection::vec(any::<u32>(), 0..300),
    ) {
        let channels = [1, 2, 4, 8, 16][c];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        prop_assert_eq!(
            portable_q31(t, channels, &bytes),
            expected_q31(t, channels, &bytes)
        );
    }
}

#[test]
fn special_float_values_in_every_lane_position() {
    // NaN, infinities, ±0, subnormals and values at and around 1.0, in every one of the 16
    // lanes and in the tail, for every channel count: the vector path's (1, 2, 4, 8, 16) and
    // the frame-by-frame path's (5.1 and the rest). Random bytes cannot stand in for these:
    // half of all random floats are at or above 1.0, so every channel reads full scale.
    let specials = [
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        f32::from_bits(1),
        f32::MIN_POSITIVE,
        1.0,
        -1.0,
        f32::from_bits(1.0f32.to_bits() - 1),
        0.5,
        -0.75,
    ];
    for channels in 1usize..=16 {
        for (i, &x) in specials.iter().enumerate() {
            for at in 0..40 {
                let mut samples = [0.001f32 * f32::from(u8::try_from(i).unwrap() + 1); 40];
                samples[at] = x;
                let bytes: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
                let want = expected_q31(SampleType::Float32, channels, &bytes);
                assert_eq!(
                    observed_q31(SampleType::Float32, channels, &bytes),
                    want,
                    "{x} at {at}, {channels} ch"
                );
                // The portable lane kernels serve the 16-lane layouts only.
                if channels.is_power_of_two() {
                    assert_eq!(
                        portable_q31(SampleType::Float32, channels, &bytes),
                        want,
                        "portable: {x} at {at}, {channels} ch"
                    );
                }
            }
        }
    }
}

proptest! {
    /// The fused copy delivers every byte and meters what it copied, whatever the layout and
    /// length (64-byte runs, tails, partial frames).
    #[test]
    fn copy_observe_copies_every_byte_and_meters_like_observe((sample, channels, bytes) in sample_bytes()) {
        let mut dst = vec![0x5Au8; bytes.len()];
        let mut fused = Peaks::new();
        prop_assert!(fused.copy_observe(sample, channels, &bytes, &mut dst));
        prop_assert_eq!(&dst, &bytes);
        let mut plain = Peaks::new();
        plain.observe(sample, channels, &bytes);
        prop_assert_eq!(fused.channel_peaks(channels), plain.channel_peaks(channels));
        let mut short = vec![0u8; bytes.len() + 1];
        prop_assert!(!Peaks::new().copy_observe(sample, channels, &bytes, &mut short));
    }

    /// A window's peaks see every copy made into them: copying in pieces (as syncs do, one
    /// packet each, into peaks that already hold earlier packets) meters what one pass over
    /// the whole does, whichever piece holds the loudest sample.
    #[test]
    fn copying_in_pieces_keeps_the_peaks_of_every_piece((sample, channels, bytes) in sample_bytes(), cut in 0usize..200, loud_first: bool) {
        let frame = channels * usize::from(sample.container_bytes());
        let at = (cut * frame).min(bytes.len() / frame * frame);
        let (head, tail) = bytes.split_at(at);
        let (first, second) = if loud_first { (head, tail) } else { (tail, head) };
        let mut dst = vec![0u8; bytes.len()];
        let mut pieces = Peaks::new();
        let (d1, d2) = dst.split_at_mut(first.len());
        prop_assert!(pieces.copy_observe(sample, channels, first, d1));
        prop_assert!(pieces.copy_observe(sample, channels, second, d2));
        let mut whole = Peaks::new();
        whole.observe(sample, channels, &bytes);
        prop_assert_eq!(pieces.channel_peaks(channels), whole.channel_peaks(channels));
    }
}

#[test]
fn fused_float_copy_meters_specials_like_the_reference() {
    for channels in [1usize, 2, 4, 8, 16] {
        for at in 0..70 {
            for x in [f32::NAN, f32::INFINITY, -0.5, 1.0, f32::from_bits(1)] {
                let mut samples = vec![0.25f32; 70];
                samples[at] = x;
                let bytes: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
                let mut dst = vec![0u8; bytes.len()];
                let mut p = Peaks::new();
                assert!(p.copy_observe(SampleType::Float32, channels, &bytes, &mut dst));
                assert_eq!(dst, bytes);
                let got: Vec<u32> = p.channel_peaks(channels)[..channels]
                    .iter()
                    .map(|&m| to_q31(SampleType::Float32, m))
                    .collect();
                assert_eq!(
                    got,
                    expected_q31(SampleType::Float32, channels, &bytes),
                    "{x} at {at}, {channels} ch"
                );
            }
        }
    }
}

/// Promise: metering costs nothing unless someone watches — a meter nobody armed publishes
/// nothing however much audio passes; an armed one runs for 50 windows (5 s) after the last
/// request and then stops; and a reader arriving after that sees no stale levels, only the
/// windows that complete after its own request.
#[test]
fn a_meter_runs_only_for_five_seconds_after_a_request_and_restarts_clean() {
    let f = format(SampleType::Int16, 1, 48_000);
    let mut meter = LevelMeter::new(&f);
    assert!(!meter.is_armed());
    let mut loud = Peaks::new();
    loud.observe(SampleType::Int16, 1, &16_384i16.to_le_bytes());
    meter.add(&loud, 48_000);
    assert_eq!(
        *meter.levels(),
        Levels::default(),
        "not armed: nothing published"
    );

    meter.arm();
    for w in 1..=50u32 {
        assert!(meter.is_armed(), "window {w} is metered");
        meter.add(&loud, 4_800);
        assert_eq!(meter.levels().windows, w);
    }
    assert!(
        !meter.is_armed(),
        "50 windows (5 s) after the request it stops"
    );
    meter.add(&loud, 4_800);
    assert_eq!(meter.levels().windows, 50, "and publishes no more");

    // A request after the idle spell: no stale window, then fresh ones.
    meter.arm();
    assert_eq!(*meter.levels(), Levels::default());
    meter.add(&Peaks::new(), 4_800);
    assert_eq!(
        (meter.levels().windows, meter.levels().peak_q31[0]),
        (1, 0),
        "the new window holds only the audio after the request"
    );
    // A request while running only extends it: nothing is reset.
    meter.arm();
    assert_eq!(meter.levels().windows, 1);
}
