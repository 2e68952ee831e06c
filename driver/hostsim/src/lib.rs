//! # cadenza-hostsim
//!
//! The engine's [`Platform`](cadenza_engine::platform::Platform) in deterministic virtual
//! time, for tests, the `cadenza-sim` tool and both framework simulators:
//!
//! - [`SimPlatform`]: a virtual counter, one-shot timers that fire in deadline order (with
//!   injected lateness, seeded), non-paged memory from the heap with leak accounting and
//!   injected allocation failures, and a log of every event signal;
//! - [`scenario`]: the loopback scenario — a render client writing a known signal the way an
//!   event-driven WASAPI client does and a capture client reading it back — run against any
//!   [`DriverUnderTest`](scenario::DriverUnderTest) (the engine directly, the PortCls
//!   miniport through its vtables, or the ACX adapter through its callbacks);
//! - [`engine_driver`]: the engine-level driver under test;
//! - [`device_config`]: the device configuration, read through the drivers' registry path,
//!   and why a configuration refuses a format;
//! - [`soak`]: 32 cables for a simulated hour on one platform, against any driver under test.
//!
//! Everything is seeded: the same seed replays the same run.

// Host-only test tooling on 64-bit machines: its numeric casts convert simulated times and
// test-signal values, never anything on a driver path, so the cast lints only add noise here.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

pub mod debug_trace;
pub mod device_config;
pub mod dma;
pub mod engine_driver;
pub mod platform;
pub mod rng;
pub mod scenario;
pub mod signal;
pub mod soak;

pub use platform::{FaultPlan, Lateness, SimPlatform};
pub use rng::SplitMix64;
