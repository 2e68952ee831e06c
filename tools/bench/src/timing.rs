//! Timing helpers. The machine is shared with other work, so every figure is the minimum
//! (least disturbed) and the median of several repeated runs (batches), never one run; the
//! verdicts use the minimum.

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

/// A job timed in batches: `job(n)` runs `n` iterations of the work (one dynamic call per
/// batch, so the call itself is not part of the per-iteration figure).
pub type Job<'a> = &'a mut dyn FnMut(usize);

/// Times several jobs in alternating batches (after one warm-up batch each), so that a
/// disturbance hits all of them alike. Returns nanoseconds per iteration of each job.
pub fn hot_jobs(batches: usize, iters: usize, jobs: &mut [Job<'_>]) -> Vec<Sample> {
    for job in jobs.iter_mut() {
        job(iters);
    }
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(batches); jobs.len()];
    for _ in 0..batches {
        for (job, v) in jobs.iter_mut().zip(values.iter_mut()) {
            let start = Instant::now();
            job(iters);
            v.push(start.elapsed().as_nanos() as f64 / iters as f64);
        }
    }
    values.into_iter().map(Sample::of).collect()
}

/// What one timed region adds by itself: `Instant::now()` twice around a dynamic call of an
/// empty job (the least of many tries), nanoseconds. Subtracted from cold single-iteration
/// timings.
pub fn timer_overhead_ns() -> f64 {
    let mut empty = |n: usize| {
        black_box(n);
    };
    let job: Job<'_> = &mut empty;
    let mut best = f64::INFINITY;
    for _ in 0..2_000 {
        let start = Instant::now();
        job(black_box(1));
        best = best.min(start.elapsed().as_nanos() as f64);
    }
    best
}

/// Times several jobs with cold caches: each of `runs` runs does, per job, `iters`
/// iterations of "flush the caches, then time one iteration"; a run's value is the mean of
/// its iterations minus `overhead_ns` (see [`timer_overhead_ns`]). Jobs alternate within a
/// run. Returns nanoseconds per iteration of each job, min and median over the runs.
pub fn cold_jobs(
    runs: usize,
    iters: usize,
    flusher: &mut crate::cache::Flusher,
    overhead_ns: f64,
    jobs: &mut [Job<'_>],
) -> Vec<Sample> {
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); jobs.len()];
    for _ in 0..runs {
        for (job, v) in jobs.iter_mut().zip(values.iter_mut()) {
            let mut total = 0.0;
            for _ in 0..iters {
                flusher.flush();
                let start = Instant::now();
                job(1);
                total += start.elapsed().as_nanos() as f64;
            }
            v.push((total / iters as f64 - overhead_ns).max(0.0));
        }
    }
    values.into_iter().map(Sample::of).collect()
}

/// Least-squares line through `(x, y)` points: `(intercept, slope)`.
pub fn linear_fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    if points.len() < 2 {
        return (points.first().map_or(f64::NAN, |p| p.1), f64::NAN);
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    (my - slope * mx, slope)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_line() {
        let pts: Vec<(f64, f64)> = (1..10)
            .map(|x| (f64::from(x), 20.0 + 0.5 * f64::from(x)))
            .collect();
        let (a, b) = linear_fit(&pts);
        assert!((a - 20.0).abs() < 1e-9 && (b - 0.5).abs() < 1e-9, "{a} {b}");
    }

    #[test]
    fn sample_takes_min_and_median() {
        let s = Sample::of(vec![5.0, 1.0, 3.0]);
        assert_eq!((s.min_ns, s.median_ns), (1.0, 3.0));
    }

    #[test]
    fn jobs_run_the_requested_iterations() {
        let mut count = 0usize;
        let mut job = |n: usize| count += n;
        let s = hot_jobs(3, 4, &mut [&mut job]);
        assert_eq!(s.len(), 1);
        assert_eq!(count, 16);
        let mut flusher = crate::cache::Flusher::new(4096);
        let mut cold = 0usize;
        let mut job = |n: usize| cold += n;
        let s = cold_jobs(2, 3, &mut flusher, 0.0, &mut [&mut job]);
        assert_eq!(s.len(), 1);
        assert_eq!(cold, 6);
    }
}
