//! The live-status property (`KSPROPSETID_CadenzaStatus`, the engine's
//! [`live_status`](cadenza_engine::live_status)) on each circuit: the circuit's property item
//! (ACX_PROPERTY_ITEM, GET and BASICSUPPORT) hands its request here, converted from
//! ACX_REQUEST_PARAMETERS (property set, id, ACX_PROPERTY_VERB, value buffer), and completes
//! the WDFREQUEST with the [`Reply`]'s status and byte count as its information.
//!
//! Both circuits of a pair answer with the pair's snapshot (render and capture slots), the
//! same bytes the PortCls wave filter returns.

use cadenza_engine::Guid;
use cadenza_engine::live_status::{KSPROPSETID_CADENZA_STATUS, Reply, Verb};
use cadenza_engine::status::NtStatus;

/// `ACX_PROPERTY_VERB` (acxrequest.h): AcxPropertyVerbNone = 0, Get, Set, BasicSupport,
/// SetSupport, Max.
pub const ACX_PROPERTY_VERB_GET: u32 = 1;
pub const ACX_PROPERTY_VERB_SET: u32 = 2;
pub const ACX_PROPERTY_VERB_BASIC_SUPPORT: u32 = 3;

/// Reads an untrusted ACX_PROPERTY_VERB. None, SetSupport and anything past Max name no
/// operation on a value: STATUS_INVALID_DEVICE_REQUEST, the engine's answer for a verb it
/// does not serve.
pub const fn verb_from_acx(raw: u32) -> Result<Verb, NtStatus> {
    match raw {
        ACX_PROPERTY_VERB_GET => Ok(Verb::Get),
        ACX_PROPERTY_VERB_SET => Ok(Verb::Set),
        ACX_PROPERTY_VERB_BASIC_SUPPORT => Ok(Verb::BasicSupport),
        _ => Err(NtStatus::INVALID_DEVICE_REQUEST),
    }
}

/// Whether a request's property set is ours (the circuit registers the item for this set
/// only; a request for another set never reaches the handler, but the check costs nothing).
pub fn is_status_set(set: &Guid) -> bool {
    *set == KSPROPSETID_CADENZA_STATUS
}

/// A refusal before the host is asked.
pub(crate) const fn refuse(status: NtStatus) -> Reply {
    Reply { status, bytes: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acx_verbs_map_by_their_documented_order() {
        // ACX_PROPERTY_VERB: None 0, Get 1, Set 2, BasicSupport 3, SetSupport 4, Max 5.
        assert_eq!(verb_from_acx(1), Ok(Verb::Get));
        assert_eq!(verb_from_acx(2), Ok(Verb::Set));
        assert_eq!(verb_from_acx(3), Ok(Verb::BasicSupport));
        for other in [0, 4, 5, u32::MAX] {
            assert_eq!(verb_from_acx(other), Err(NtStatus::INVALID_DEVICE_REQUEST));
        }
    }

    #[test]
    fn only_our_property_set_is_ours() {
        assert!(is_status_set(&Guid::from_u128(
            0x0d5b_f987_cec3_4278_9a37_a210_9051_1491
        )));
        assert!(!is_status_set(&Guid::from_u128(0)));
    }
}
