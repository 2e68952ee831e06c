//! # cadenza-bench
//!
//! Performance figures for the Cadenza stream engine, and a model of the classic design it
//! replaces, measured side by side in one run:
//!
//! - [`fixture`]: cables and streams set up the way an adapter sets them up (ring sized like
//!   the adapters size it, buffers planned like PortCls plans them), driven in virtual time;
//! - [`timing`]: batch timers (minimum and median of repeated runs, hot and cold; thread CPU
//!   time; a least-squares line);
//! - [`memcpy`]: the SSE2-only memcpy baseline (what a DPC may use) beside libc's;
//! - [`cache`]: the cache sizes from sysfs and the flusher of the cold-cache figures;
//! - [`classic`]: a clearly labelled model of the classic 1 ms polling sample design;
//! - [`copy`]: the cable copy against memcpy, and the fixed cost per sync;
//! - [`experiments`]: the other measurements of `docs/performance.md`;
//! - [`verdict`]: the goals, each judged from the minimum of repeated runs;
//! - [`report`]: the printed tables, the JSON data and the SVG plots;
//! - [`output`]: the command line, where outputs go, and the provenance (commit, machine).
//!
//! `cargo run --release -p cadenza-bench -- --out DIR` runs everything and writes there;
//! `-- --out docs --write-doc` regenerates `docs/performance.md` and its figures;
//! `cargo bench -p cadenza-bench` runs some of the same work under criterion.

// Host-only measurement code: casts turn counts and nanoseconds into f64 for reporting, never
// anything on a driver path, so the cast lints only add noise here.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
// Set-up failures in a benchmark are bugs to stop on, not errors to handle, so set-up code
// panics (`expect`) without a `# Panics` section each; the report writer is one long
// sequence of tables.
#![allow(clippy::missing_panics_doc, clippy::too_many_lines)]

pub mod cache;
pub mod classic;
pub mod copy;
pub mod experiments;
pub mod fixture;
pub mod memcpy;
pub mod output;
pub mod report;
pub mod timing;
pub mod verdict;
