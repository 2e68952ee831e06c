//! # cadenza-portcls
//!
//! Cadenza's PortCls driver logic: the WaveRT miniport pair over the stream engine, the binary
//! shapes PortCls and KS expect, a port-driver simulator, and the thin Windows edge.
//!
//! Foundation (plain `#[repr(C)]` Rust, compiled and tested on any host):
//! - [`kernel`]: opaque kernel objects (MDL, IRP, KEVENT, ...) and the small kernel value types
//!   that cross the COM boundary (PHYSICAL_ADDRESS, POWER_STATE, MEMORY_CACHING_TYPE).
//! - [`ks`]: generic kernel-streaming structures and constants (KSIDENTIFIER, KSDATAFORMAT,
//!   KSPIN_DESCRIPTOR, property descriptions, KSSTATE, pin data flow and communication).
//! - [`ksaudio`]: audio structures (WAVEFORMATEX family, KSDATARANGE_AUDIO, positions,
//!   KSRTAUDIO_*, jack descriptions, node properties) and audio property ids.
//! - [`descriptor`]: the PortCls filter description tables (PCFILTER_DESCRIPTOR and the pin,
//!   node, connection and automation tables it points to), buildable as safe `static`s.
//! - [`unknown`]: the PortCls flavour of IUnknown (NTSTATUS QueryInterface).
//! - [`com`]: the PortCls flavour of IUnknown (re-exported) and the vtables of the miniport, port and
//!   stream interfaces, slot for slot.
//! - [`guids`]: interface and class ids, KS categories, node types, property sets and data
//!   format GUIDs.
//!
//! The driver (generic over the engine's `Platform`, `no_std` + `alloc`):
//! - [`names`]: the subdevice names the INF shares.
//! - [`device`]: the per-cable device context (the engine's cable behind the platform lock).
//! - [`wave`]: `IMiniportWaveRT` — filter description, DataRangeIntersection, NewStream.
//! - [`stream`]: the stream object — `IMiniportWaveRTStream(Notification)` and the packet-mode
//!   `IMiniportWaveRTOutputStream` / `IMiniportWaveRTInputStream`.
//! - [`topology`]: `IMiniportTopology` — volume, mute and jack properties.
//! - [`live_status`]: the live-status property on the wave filter (the engine's snapshot).
//! - [`power`]: the adapter object with `IAdapterPowerManagement`.
//! - [`registry`]: decoding the configuration values StartDevice reads from the registry.
//! - `sim` (feature `host`): our IPortWaveRT / IPortWaveRTStream and a driver that calls the
//!   miniports through their vtables as PortCls does; [`sim::PortClsDriver`] is the
//!   scenario's `DriverUnderTest`.
//! - `windows` (feature `wdk`, Windows targets): Pc* imports, AddDevice/StartDevice, registry
//!   configuration.
//!
//! GUIDs and NTSTATUS values are the engine's own [`Guid`] and [`NtStatus`] types.
//!
//! Every layout here is checked by `tests/abi.rs`, which generates C `_Static_assert`s from
//! these definitions and compiles them against the mingw-w64 DDK headers.
#![no_std]

extern crate alloc;

#[cfg(any(test, feature = "host"))]
#[macro_use]
extern crate std;

pub mod com;
pub mod debug;
pub mod descriptor;
pub mod guids;
pub mod kernel;
pub mod ks;
pub mod ksaudio;

pub mod device;
pub mod interfaces;
pub mod live_status;
pub mod names;
pub mod object;
pub mod power;
pub mod registry;
pub mod removal;
pub mod stream;
pub mod topology;
pub mod unknown;
pub mod wave;

#[cfg(feature = "host")]
pub mod sim;

#[cfg(all(windows, feature = "wdk"))]
pub mod windows;

pub use cadenza_engine::{Guid, NtStatus};
