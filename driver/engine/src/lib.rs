//! # cadenza-engine
//!
//! The stream engine shared by both Cadenza drivers (ACX and PortCls): formats, the KS state
//! machine, the WaveRT cyclic buffer and its packets, positions and clocks, notification
//! deadlines, glitch accounting, and the device model (virtual loopback cable, tone source,
//! null sink, and a trait for real DMA hardware).
//!
//! The engine never calls the operating system. Time comes in as counter values (`Ticks`),
//! and everything it needs from the OS — a lock usable at DISPATCH_LEVEL, a one-shot timer,
//! event signalling, non-paged memory — comes through the traits in [`platform`], implemented
//! by `cadenza-kernel` on Windows and by `cadenza-hostsim` in virtual time on the host.
#![no_std]
// Embedded in the PDB on MSVC targets (WinDbg / Visual Studio); accepted and ignored elsewhere.
#![debugger_visualizer(natvis_file = "../natvis/cadenza.natvis")]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod format;
pub mod guid;
pub mod status;

pub mod channel_map;
pub mod clock;
pub mod config;
pub mod convert;
pub mod copy;
pub mod debug_registry;
pub mod device;
pub mod gain;
pub mod geometry;
pub mod host;
pub mod level;
pub mod live_status;
pub mod platform;
pub mod state;
pub mod stream;
pub mod sync;
pub mod time;
pub mod timebase;
pub mod tone;
pub mod trace;

pub use format::{ChannelMask, Channels, Format, FormatError, SampleRate, SampleType};
pub use guid::Guid;
pub use status::NtStatus;
