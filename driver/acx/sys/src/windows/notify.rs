//! [`AcxNotify`]: how the device host reports a completed packet to ACX (shared by the device
//! state and stream creation, so it has a module of its own).

use cadenza_acx::PacketNotify;
use cadenza_engine::time::Ticks;

use super::bindings as acx;
use crate::acx_call;

/// AcxRtStreamNotifyPacketComplete for one ACXSTREAM (null until AcxRtStreamCreate returned
/// it). The device host copies it out under its lock and calls it with no lock held.
#[derive(Clone, Copy, Debug)]
pub struct AcxNotify(pub acx::ACXSTREAM);

// SAFETY: an ACXSTREAM handle may be used from any thread; the handle stays valid until the
// stream's cleanup, which closes the stream in the host (destroying its timer, the only
// caller) before WDF frees the object.
unsafe impl Send for AcxNotify {}
// SAFETY: through `&self`, `packet_complete` only passes the handle to ACX, which accepts it
// from any thread concurrently; the handle stays valid until the stream's cleanup, which
// destroys the only caller (the host's timer) before WDF frees the object.
unsafe impl Sync for AcxNotify {}

impl PacketNotify for AcxNotify {
    /// AcxRtStreamNotifyPacketComplete (≤ DISPATCH_LEVEL); ACX signals the client's events.
    fn packet_complete(&self, packet: u64, qpc: Ticks) {
        if !self.0.is_null() {
            let _ = acx_call!(AcxRtStreamNotifyPacketCompleteTableIndex
                as PFN_ACXRTSTREAMNOTIFYPACKETCOMPLETE(self.0, packet, qpc.0));
        }
    }
}
