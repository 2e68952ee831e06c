//! Quick micro-benchmark of the sample conversions at one 10 ms packet (480 frames, stereo,
//! 48 kHz): the fast kernels (`convert::convert`) against the scalar reference
//! (`convert::reference::convert`), best of several runs.
//!
//! `nice -n 15 cargo run --release -p cadenza-engine --example convert_speed`
use std::hint::black_box;
use std::time::Instant;

use cadenza_engine::convert;
use cadenza_engine::format::{Channels, Format, SampleRate, SampleType};
use cadenza_engine::gain::Gain;

const FRAMES: usize = 480;

fn frames() -> usize {
    std::env::var("FRAMES")
        .ok()
        .and_then(|f| f.parse().ok())
        .unwrap_or(FRAMES)
}
const CALLS: u32 = 1_000;
const RUNS: usize = 40;

fn fmt(t: SampleType) -> Format {
    Format::new(t, Channels::STEREO, SampleRate::new(48_000).unwrap())
}

/// Audio-like samples within full scale (no NaN, no denormals), encoded as `sample`.
#[allow(clippy::cast_possible_truncation)] // the float samples are rounded on purpose
fn source(sample: SampleType, count: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::new();
    for _ in 0..count {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let value = ((state >> 32) as u32).cast_signed();
        let bytes = value.to_le_bytes();
        match sample {
            SampleType::Int16 => out.extend_from_slice(&bytes[2..]),
            SampleType::Int24 => out.extend_from_slice(&bytes[1..]),
            SampleType::Int24In32 => out.extend_from_slice(&(value & !0xFF).to_le_bytes()),
            SampleType::Int32 => out.extend_from_slice(&bytes),
            SampleType::Float32 => {
                let f = (f64::from(value) / 2_147_483_648.0) as f32;
                out.extend_from_slice(&f.to_le_bytes());
            }
        }
    }
    out
}

type ConvertFn =
    fn(&[u8], &Format, &mut [u8], &Format, &Gain) -> Result<usize, convert::ConvertError>;

/// The mean time of one call over `CALLS` calls, in ns.
fn time(f: ConvertFn, src: &[u8], sf: &Format, dst: &mut [u8], df: &Format, g: &Gain) -> f64 {
    let start = Instant::now();
    for _ in 0..CALLS {
        let _ = black_box(f(black_box(src), sf, black_box(&mut *dst), df, g));
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS)
}

/// The minimum over `RUNS` runs of each, the two interleaved so that both see the same
/// machine (it may be shared).
fn compare(src: &[u8], sf: &Format, dst: &mut [u8], df: &Format, g: &Gain) -> (f64, f64) {
    let (mut r, mut f) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..RUNS {
        r = r.min(time(convert::reference::convert, src, sf, dst, df, g));
        f = f.min(time(convert::convert, src, sf, dst, df, g));
    }
    (r, f)
}

fn main() {
    let all = std::env::args().any(|a| a == "--all");
    let mut half = Gain::UNITY;
    half.set_all_db(-(6 << 16)).unwrap();
    let mut balance = Gain::UNITY;
    balance.set_channel_db(1, -(3 << 16)).unwrap();
    let headline = [
        (SampleType::Float32, SampleType::Int16),
        (SampleType::Float32, SampleType::Int32),
        (SampleType::Float32, SampleType::Int24),
        (SampleType::Int24, SampleType::Float32),
        (SampleType::Int16, SampleType::Float32),
        (SampleType::Int32, SampleType::Float32),
    ];
    let mut pairs: Vec<(SampleType, SampleType, &str, Gain)> = headline
        .iter()
        .map(|&(s, d)| (s, d, "unity", Gain::UNITY))
        .collect();
    if all {
        for s in SampleType::ALL {
            for d in SampleType::ALL {
                for (label, g) in [("unity", Gain::UNITY), ("-6dB", half), ("balance", balance)] {
                    // Same type at unity is a copy; the headline pairs are already listed.
                    let listed = label == "unity" && (s == d || headline.contains(&(s, d)));
                    if !listed {
                        pairs.push((s, d, label, g));
                    }
                }
            }
        }
    }
    println!(
        "{} frames stereo, best of {RUNS} runs of {CALLS} calls",
        frames()
    );
    println!(
        "{:>10} -> {:<10} {:>8} {:>10} {:>10} {:>7}",
        "src", "dst", "gain", "ref ns", "fast ns", "ratio"
    );
    for (s, d, label, g) in pairs {
        let (sf, df) = (fmt(s), fmt(d));
        let src = source(s, frames() * 2);
        let mut dst = vec![0u8; frames() * usize::from(df.block_align())];
        let (r, f) = compare(&src, &sf, &mut dst, &df, &g);
        println!(
            "{:>10} -> {:<10} {label:>8} {r:>10.0} {f:>10.0} {:>6.2}x",
            s.name(),
            d.name(),
            r / f
        );
    }
}
