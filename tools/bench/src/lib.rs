//! # cadenza-bench
//!
//! Performance figures for the Cadenza stream engine, and a model of the classic design it
//! replaces, measured side by side in one run:
//!
//! - [`fixture`]: cables and streams set up the way an adapter sets them up (ring sized like
//!   the adapters size it, buffers planned like PortCls plans them), driven in virtual time;
//! - [`timing`]: batch timers (minimum and median of repeated batches; thread CPU time);
//! - [`classic`]: a clearly labelled model of the classic 1 ms polling sample design;
//! - [`experiments`]: the eight measurements of `docs/performance.md`;
//! - [`report`]: the printed table, the JSON data and the SVG plots.
//!
//! `cargo run --release -p cadenza-bench` runs everything once with fixed iteration counts;
//! `cargo bench -p cadenza-bench` runs the same work under criterion.

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

pub mod classic;
pub mod experiments;
pub mod fixture;
pub mod report;
pub mod timing;
