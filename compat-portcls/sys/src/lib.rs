//! # cadenza_pc.sys
//!
//! The PortCls Cadenza driver binary. It holds only what must live in the driver image:
//! `DriverEntry` (and the unload chain), the kernel global allocator and panic handler. The
//! miniports, StartDevice and the registry configuration are `cadenza-portcls` (feature
//! `wdk`), which is compiled and tested off Windows.
//!
//! For a non-Windows target this is an empty (std) cdylib, so the workspace builds everywhere.
//! For Windows targets it is compiled and linked on Linux by tools/wdk-check (x64 and ARM64,
//! against the real wdk-sys; docs/windows-edge-check.md), and built for real with the WDK.
#![cfg_attr(windows, no_std)]

#[cfg(windows)]
mod driver;
