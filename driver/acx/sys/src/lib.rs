//! # cadenza_acx.sys
//!
//! The ACX driver binary. On Windows this crate is the driver: `DriverEntry`, the KMDF/ACX
//! device callbacks, circuit creation and `extern "C"` shims that convert each ACX callback's
//! arguments, call the host-tested logic in `cadenza-acx` with the `cadenza-kernel` platform,
//! and convert the result back (see the `windows` module).
//!
//! On any other host the crate is an empty library, so `cargo build` / `cargo test` of the
//! workspace work on Linux. The Windows edge is compiled and linked on Linux only by the
//! Windows-edge check (tools/wdk-check, in CI, for x64 and ARM64); it needs the WDK
//! (wdk-sys, and the ACX headers and `acxstub.lib` the build script binds and links); that check
//! stands in Debian's mingw-w64 headers and project-owned declarations for it
//! (docs/windows-edge-check.md). Everything it calls is compiled and tested here.
#![cfg_attr(windows, no_std)]

// At the crate root, so `alloc::` paths resolve in every module of the Windows edge.
#[cfg(windows)]
extern crate alloc;

#[cfg(windows)]
mod windows;
