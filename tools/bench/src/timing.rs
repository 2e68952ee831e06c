//! Timing helpers. The machine is shared with other work, so every figure is the minimum
//! (least disturbed) and the median of several batches, never one run.

use std::hint::black_box;
use std::time::Instant;

use serde::Serialize;

/// Nanoseconds per iteration: the fastest batch and the median batch.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Sample {
    pub min_ns: f64,
    pub median_ns: f64,
}

impl Sample {
    /// From per-batch values (any order).
    pub fn of(mut values: Vec<f64>) -> Sample {
        values.sort_by(f64::total_cmp);
        let min_ns = values.first().copied().unwrap_or(f64::NAN);
        let median_ns = values.get(values.len() / 2).copied().unwrap_or(f64::NAN);
        Sample { min_ns, median_ns }
    }
}

/// Runs `f` `iters` times per batch for `batches` batches (after one warm-up batch) and
/// returns nanoseconds per call.
pub fn per_call(batches: usize, iters: usize, mut f: impl FnMut()) -> Sample {
    for _ in 0..iters {
        f();
    }
    let values = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    Sample::of(values)
}

/// Times two jobs in alternating batches (so that a disturbance hits both alike) and returns
/// nanoseconds per call of each.
pub fn paired(
    batches: usize,
    iters: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Sample, Sample) {
    let mut ta = Vec::with_capacity(batches);
    let mut tb = Vec::with_capacity(batches);
    for _ in 0..iters {
        a();
        b();
    }
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..iters {
            a();
        }
        ta.push(start.elapsed().as_nanos() as f64 / iters as f64);
        let start = Instant::now();
        for _ in 0..iters {
            b();
        }
        tb.push(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    (Sample::of(ta), Sample::of(tb))
}

/// CPU time consumed by the calling thread so far, in nanoseconds
/// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`).
#[cfg(unix)]
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

/// Elsewhere (the Windows host build of the workspace) there is no per-thread CPU clock in
/// the standard library: report 0; `wall_and_cpu` then reports wall time as CPU time.
#[cfg(not(unix))]
pub fn thread_cpu_ns() -> u64 {
    0
}

/// Wall and thread-CPU nanoseconds of one call of `f`.
pub fn wall_and_cpu<R>(f: impl FnOnce() -> R) -> (u64, u64, R) {
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    let r = black_box(f());
    let wall = start.elapsed().as_nanos() as u64;
    // Without a thread CPU clock, wall time is the honest upper bound.
    let cpu = if cfg!(unix) {
        thread_cpu_ns().saturating_sub(cpu0)
    } else {
        wall
    };
    (wall, cpu, r)
}
