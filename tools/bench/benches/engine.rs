//! Criterion benchmarks of the same work the `cadenza-bench` binary measures (statistics and
//! outlier analysis; no plots). `cargo bench -p cadenza-bench`.

// Host-only: byte counts of one packet fit any usize this runs on.
#![allow(clippy::cast_possible_truncation)]

use std::hint::black_box;
use std::time::Duration;

use cadenza_bench::experiments::{CONVERT_FRAMES, ScaleRun, encode_noise};
use cadenza_bench::fixture::{CableFixture, format, noise, packet_frames};
use cadenza_bench::memcpy::sse2_copy;
use cadenza_engine::device::AudioDevice;
use cadenza_engine::device::ops;
use cadenza_engine::format::{Format, SampleType};
use cadenza_engine::gain::Gain;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn loopback_copy(c: &mut Criterion) {
    let mut g = c.benchmark_group("loopback_copy");
    for fmt in [Format::DEFAULT, format(SampleType::Float32, 8, 192_000)] {
        let rate = fmt.rate().hz();
        let pf = u64::from(packet_frames(rate, 10_000));
        let pb = pf as usize * usize::from(fmt.block_align());
        let name = format!("{}k_{}ch_10ms", rate / 1000, fmt.channels().get());
        g.throughput(Throughput::Bytes(2 * pb as u64));
        let mut fx = CableFixture::loopback(fmt, 10_000);
        fx.run(Direction::Capture, Ticks(0));
        fx.run(Direction::Render, Ticks(0));
        let mut k = 0u64;
        g.bench_function(format!("cable_sync/{name}"), |b| {
            b.iter(|| {
                k += 1;
                let t = fx.ticks_for(k * pf, rate);
                fx.cable.sync(black_box(t));
            });
        });
        let mut src = vec![0u8; pb];
        noise(&mut src, 1);
        let mut mid = vec![0u8; pb];
        let mut dst = vec![0u8; pb];
        g.bench_function(format!("memcpy_x2/{name}"), |b| {
            b.iter(|| {
                mid.copy_from_slice(black_box(&src));
                dst.copy_from_slice(black_box(&mid));
            });
        });
        g.bench_function(format!("sse2_memcpy_x2/{name}"), |b| {
            b.iter(|| {
                sse2_copy(&mut mid, black_box(&src));
                sse2_copy(&mut dst, black_box(&mid));
            });
        });
    }
    g.finish();
}

fn conversion(c: &mut Criterion) {
    let mut g = c.benchmark_group("convert_2ch");
    for st in SampleType::ALL {
        for dt in SampleType::ALL {
            let sf = format(st, 2, 48_000);
            let df = format(dt, 2, 48_000);
            let src = encode_noise(st, CONVERT_FRAMES * 2, 5);
            let mut dst = vec![0u8; CONVERT_FRAMES * usize::from(df.block_align())];
            g.throughput(Throughput::Bytes(dst.len() as u64));
            g.bench_function(format!("{}_to_{}", st.name(), dt.name()), |b| {
                b.iter(|| {
                    let _ = cadenza_engine::convert::convert(
                        black_box(&src),
                        &sf,
                        &mut dst,
                        &df,
                        &Gain::UNITY,
                    );
                });
            });
        }
    }
    g.finish();
}

fn notification_and_position(c: &mut Criterion) {
    let mut g = c.benchmark_group("dpc");
    let mut fx = CableFixture::loopback(Format::DEFAULT, 1_000);
    fx.run(Direction::Capture, Ticks(0));
    fx.run(Direction::Render, Ticks(0));
    let mut d = fx.armed(Direction::Render).expect("armed");
    g.bench_function("ops_on_timer_cable_1ms", |b| {
        b.iter(|| {
            let o = ops::on_timer(&mut fx.cable, Direction::Render, black_box(d));
            d = o.next_deadline.unwrap_or(d);
        });
    });
    let now = d;
    fx.cable.sync(now);
    g.bench_function("ops_position_idle", |b| {
        b.iter(|| ops::position(&mut fx.cable, Direction::Render, black_box(now)));
    });
    let s = fx.cable.stream(Direction::Render).expect("stream");
    g.bench_function("stream_position", |b| {
        b.iter(|| s.position(black_box(now)));
    });
    g.finish();
}

fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale_one_second");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (n, period_us) in [(64, 1_000), (64, 10_000), (8, 1_000)] {
        g.bench_function(format!("{n}_streams_{}ms", period_us / 1000), |b| {
            b.iter_batched(
                || ScaleRun::prepare(n, period_us),
                |mut r| r.run(),
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    loopback_copy,
    conversion,
    notification_and_position,
    scale
);
criterion_main!(benches);
