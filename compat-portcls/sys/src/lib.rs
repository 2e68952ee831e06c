//! # cadenza_pc.sys
//!
//! The PortCls Cadenza driver binary. It holds only what must live in the driver image:
//! `DriverEntry` (and the unload chain), the kernel global allocator and panic handler. The
//! miniports, StartDevice and the registry configuration are `cadenza-portcls` (feature
//! `wdk`), which is compiled and tested off Windows.
//!
//! Off Windows this is an empty (std) cdylib, so the workspace builds everywhere; the wdk-*
//! crates only build on a Windows host with the WDK.
#![cfg_attr(windows, no_std)]

#[cfg(windows)]
mod driver;
