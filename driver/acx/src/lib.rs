//! # cadenza-acx
//!
//! The ACX face of the Cadenza stream engine: what every ACX callback does to the engine, as
//! plain Rust that builds and is tested on any host.
//!
//! - [`names`]: the names the INF shares with the driver (circuit names = interface reference
//!   strings, endpoint friendly names), for up to [`names::MAX_CABLES`] cables.
//! - [`circuit`]: the circuit model built from a [`DeviceConfig`](cadenza_engine::config::DeviceConfig):
//!   per cable a render and a capture circuit, each with a host pin, a bridge pin with a jack,
//!   volume and mute elements and its data-format list (default first).
//! - [`elements`]: volume and mute property handling with every value validated.
//! - [`device`]: [`AcxDevice`](device::AcxDevice), one engine device host per endpoint pair,
//!   stream creation, element requests and power.
//! - [`live_status`]: the live-status property on each circuit (the engine's snapshot).
//! - [`stream`]: [`AcxStream`](stream::AcxStream), the RT stream callbacks (GetHwLatency,
//!   AllocateRtPackets, FreeRtPackets, PrepareHardware, ReleaseHardware, Run, Pause,
//!   GetCurrentPacket, SetRenderPacket, GetCapturePacket, GetPresentationPosition) mapped onto
//!   the host, which owns the per-stream notification timer.
//! - `sim` (feature `host`, and in tests): an ACX simulator that plays the framework's part in
//!   virtual time, and [`AcxDriver`](sim::AcxDriver), the ACX adapter as a
//!   `cadenza_hostsim::scenario::DriverUnderTest`.
//!
//! The Windows edge — `DriverEntry`, the ACX bindings and the `extern "C"` callback shims —
//! lives in the `cadenza-acx-sys` crate (`driver/acx/sys`), which is the only crate with WDK
//! dependencies. This crate therefore has none, and passes
//! `cargo check --target x86_64-pc-windows-msvc` like the engine.
//!
//! ## Allocation
//! The crate uses `alloc` for objects created at PASSIVE_LEVEL that must not move while a
//! timer may call back into them (the pinned device hosts). Nothing allocates on a
//! timer (DPC) path or a position query.
#![no_std]

extern crate alloc;

#[cfg(any(test, feature = "host"))]
#[macro_use]
extern crate std;

pub mod circuit;
pub mod debug;
pub mod device;
pub mod elements;
pub mod host;
pub mod live_status;
pub mod names;
pub mod stream;

#[cfg(any(test, feature = "host"))]
pub mod sim;

pub use circuit::{CircuitId, CircuitModel, DeviceModel};
pub use device::AcxDevice;
pub use stream::{AcxStream, PacketNotify};

/// The page size ACX packet buffers are aligned to (x64 and arm64 Windows).
pub const PAGE_SIZE: usize = 4096;
