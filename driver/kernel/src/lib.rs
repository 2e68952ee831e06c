//! # cadenza-kernel
//!
//! The Windows kernel behind the engine's [`Platform`](cadenza_engine::platform::Platform)
//! trait, shared by the ACX and the PortCls drivers:
//!
//! - [`KernelPlatform`]: QPC time (`KeQueryPerformanceCounter`), [`KernelSpinLock`]
//!   (KSPIN_LOCK, usable at ≤ DISPATCH_LEVEL), [`KernelTimer`] (one-shot high-resolution
//!   EX_TIMER), `KeSetEvent`, zeroed non-paged pool (`ExAllocatePool2`, tag [`POOL_TAG`]) and
//!   `DbgPrintEx` messages;
//! - [`mdl`]: MDL-described pages for ACX packets.
//!
//! The DDIs are declared by hand in [`ddi`] (no wdk-sys: it cannot build off Windows) and
//! checked against the mingw-w64 DDK headers by `tests/ddi_prototypes.rs`. Everything that
//! calls the kernel is `#[cfg(windows)]` and passes `cargo check --target
//! x86_64-pc-windows-msvc`; the pure parts — [`due_time`], [`debug_text`], [`pool`] and the
//! MDL flag logic — build and are tested on every target. Every function documents the IRQL
//! it may run at.
#![no_std]

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod ddi;
pub mod debug_text;
pub mod due_time;
pub mod interface;
pub mod mdl;
pub mod pool;

#[cfg(windows)]
pub mod platform;

#[cfg(windows)]
pub use platform::{KernelPlatform, KernelSpinLock, KernelTimer, PreviousIrql};
pub use pool::POOL_TAG;
