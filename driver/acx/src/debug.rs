//! This driver's debug memory: the trace ring and the table of live streams that every cable
//! records into (through the engine's `ops`), and that the .sys crate's exported
//! `CADENZA_DEBUG_ROOT` points WinDbg's `cadenza.js` at.

use cadenza_engine::debug_registry::{DEFAULT_SLOTS, DebugFramework, StreamTable};
use cadenza_engine::device::debug_link::DebugLink;
use cadenza_engine::trace::{DEFAULT_CAPACITY, TraceRing};

/// The trace ring (non-paged: a static of the driver image).
pub static TRACE: TraceRing<DEFAULT_CAPACITY> = TraceRing::new();

/// The live-stream table.
pub static STREAMS: StreamTable<DEFAULT_SLOTS> = StreamTable::new();

/// This framework's code in the debug layout.
pub const FRAMEWORK: DebugFramework = DebugFramework::Acx;

/// The link a cable records through (`cable`: 0-based index).
pub fn link(cable: u32) -> DebugLink {
    DebugLink {
        trace: &TRACE,
        table: &STREAMS,
        framework: FRAMEWORK,
        cable,
    }
}
