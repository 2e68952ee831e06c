//! # cadenza-portcls
//!
//! The foundation of Cadenza's PortCls (WaveRT + topology) miniports: the binary shapes that
//! PortCls and KS expect, written as plain `#[repr(C)]` Rust so they compile and are tested on
//! any host.
//!
//! - [`kernel`]: opaque kernel objects (MDL, IRP, KEVENT, ...) and the small kernel value types
//!   that cross the COM boundary (PHYSICAL_ADDRESS, POWER_STATE, MEMORY_CACHING_TYPE).
//! - [`ks`]: generic kernel-streaming structures and constants (KSIDENTIFIER, KSDATAFORMAT,
//!   KSPIN_DESCRIPTOR, property descriptions, KSSTATE, pin data flow and communication).
//! - [`ksaudio`]: audio structures (WAVEFORMATEX family, KSDATARANGE_AUDIO, positions,
//!   KSRTAUDIO_*, jack descriptions, node properties) and audio property ids.
//! - [`descriptor`]: the PortCls filter description tables (PCFILTER_DESCRIPTOR and the pin,
//!   node, connection and automation tables it points to), buildable as safe `static`s.
//! - [`com`]: the PortCls flavour of IUnknown and the vtables of the miniport, port and
//!   stream interfaces, slot for slot.
//! - [`guids`]: interface and class ids, KS categories, node types, property sets and data
//!   format GUIDs.
//!
//! GUIDs and NTSTATUS values are the engine's own [`Guid`] and [`NtStatus`] types.
//!
//! Every layout here is checked by `tests/abi.rs`, which generates C `_Static_assert`s from
//! these definitions and compiles them against the mingw-w64 DDK headers.
#![no_std]

#[cfg(test)]
#[macro_use]
extern crate std;

pub mod com;
pub mod descriptor;
pub mod guids;
pub mod kernel;
pub mod ks;
pub mod ksaudio;

pub use cadenza_engine::{Guid, NtStatus};
