//! The port-driver simulator (host only): our own IPortWaveRT / IPortWaveRTStream, and a
//! driver that calls the miniports **through their vtables** in the order PortCls does —
//! Init, GetDescription, DataRangeIntersection, NewStream, QueryInterface for the
//! notification and packet interfaces, AllocateBufferWithNotification, RegisterNotificationEvent,
//! SetState one step at a time, GetPosition, packet-mode calls, FreeBufferWithNotification,
//! Release — on the host simulator's virtual-time platform.
//!
//! [`PortClsDriver`] is the loopback scenario's `DriverUnderTest` for the PortCls framework.
//! It also checks the contract as it goes (positions inside the buffer and matching the
//! engine, the buffer size it was promised, MDLs mapped and freed properly) and records every
//! violation in [`PortClsDriver::violations`], which tests assert empty.

// Host-only test tooling on 64-bit machines: its casts convert test sizes and simulated
// counter values, never anything on a driver path.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

pub mod driver;
pub mod port;

pub use driver::PortClsDriver;
pub use port::{SimCounters, SimPortStream, SimPortWaveRT};

#[cfg(test)]
mod tests;
