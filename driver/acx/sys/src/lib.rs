//! # cadenza_acx.sys
//!
//! The ACX driver binary. On Windows this crate is the driver: `DriverEntry`, the KMDF/ACX
//! device callbacks, circuit creation and `extern "C"` shims that convert each ACX callback's
//! arguments, call the host-tested logic in `cadenza-acx` with the `cadenza-kernel` platform,
//! and convert the result back (see the `windows` module).
//!
//! On any other host the crate is an empty library, so `cargo build` / `cargo test` of the
//! workspace work on Linux. **The Windows edge is not compiled on Linux**: it needs the WDK
//! (wdk-sys, and the ACX headers and `acxstub.lib` the build script binds and links), which only
//! exists on a Windows build machine. Everything it calls is compiled and tested here.
#![cfg_attr(windows, no_std)]

#[cfg(windows)]
mod windows;
