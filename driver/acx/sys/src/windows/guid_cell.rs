//! [`GuidCell`]: a GUID in the layout the DDIs point at, for statics. Its own module because
//! both `circuit` (pin categories) and `status` (the property set) point ACX at GUIDs, and
//! `circuit` registers `status`'s item: kept in either, the two would import each other.

use cadenza_engine::guid::Guid;
use wdk_sys::GUID;

/// A GUID in the layout the DDIs point at, in static memory.
pub(super) struct GuidCell(pub(super) GUID);

impl GuidCell {
    pub(super) const fn new(g: Guid) -> GuidCell {
        let b = g.to_bytes();
        GuidCell(GUID {
            Data1: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Data2: u16::from_le_bytes([b[4], b[5]]),
            Data3: u16::from_le_bytes([b[6], b[7]]),
            Data4: [b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]],
        })
    }
}

// SAFETY: a GuidCell is plain data with no interior mutability, built in a const and never
// written afterwards (its field is only read, or pointed at as `const GUID *`), so shared
// references on any thread can only read the same bytes.
unsafe impl Sync for GuidCell {}
