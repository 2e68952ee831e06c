//! The live-status property (`KSPROPSETID_CadenzaStatus`, the engine's
//! [`live_status`](cadenza_engine::live_status)) on the wave filter: the filter's automation
//! table lists it, and its handler turns the PCPROPERTY_REQUEST into a call of the pair's
//! [`DeviceHost::status_property`](cadenza_engine::host::DeviceHost::status_property). The
//! engine owns the layout and every status; this module only converts.
//!
//! The handler is a plain (non-generic) function in a static table, so it reaches the host
//! through the wave miniport's first field, a `*const dyn StatusSource`, which sits at the
//! same offset for every platform ([`WavePrefix`]).

use core::ffi::c_void;

use cadenza_engine::NtStatus;
use cadenza_engine::host::DeviceHost;
use cadenza_engine::live_status::{KSPROPSETID_CADENZA_STATUS, PROPERTY_SNAPSHOT, Reply, Verb};
use cadenza_engine::platform::Platform;

use crate::descriptor::{
    PCPROPERTY_ITEM_FLAGS_READ_ONLY, PcAutomationTable, PcPropertyItem, PcPropertyRequest, Shared,
};
use crate::device::PcHost;

/// The live status of one endpoint pair, as the (non-generic) handler sees a [`PcHost`] of any
/// platform.
pub trait StatusSource {
    /// See [`DeviceHost::status_property`].
    fn status_property(&self, id: u32, verb: Verb, out: &mut [u8]) -> Reply;
}

impl<P: Platform> StatusSource for PcHost<P> {
    fn status_property(&self, id: u32, verb: Verb, out: &mut [u8]) -> Reply {
        DeviceHost::status_property(self, id, verb, out)
    }
}

/// Read-only: a SET never reaches the handler (and the engine would refuse one anyway).
static STATUS_PROPERTIES: [Shared<PcPropertyItem>; 1] = [PcPropertyItem::new(
    &KSPROPSETID_CADENZA_STATUS,
    PROPERTY_SNAPSHOT,
    PCPROPERTY_ITEM_FLAGS_READ_ONLY,
    status_handler,
)];

/// The wave filter's automation table: the live-status property only.
pub static WAVE_FILTER_AUTOMATION: Shared<PcAutomationTable> =
    PcAutomationTable::properties(&STATUS_PROPERTIES);

/// The property item (for building requests in the simulator and tests).
pub fn status_item() -> &'static Shared<PcPropertyItem> {
    &STATUS_PROPERTIES[0]
}

/// What every wave miniport object starts with, whatever its platform: the `ComObject`
/// header's vtable pointer, then the miniport's first field (checked by the miniport's
/// `PREFIX_MATCHES`).
#[repr(C)]
pub(crate) struct WavePrefix {
    pub(crate) vtbl: *const c_void,
    pub(crate) status: *const dyn StatusSource,
}

/// The request after its pointers were checked: the KSPROPERTY flags and id, the value buffer.
pub fn status_request(
    source: &dyn StatusSource,
    id: u32,
    verb_flags: u32,
    value: &mut [u8],
) -> Reply {
    match Verb::from_ks_flags(verb_flags) {
        Ok(verb) => source.status_property(id, verb, value),
        Err(status) => Reply { status, bytes: 0 },
    }
}

/// PCPFNPROPERTY_HANDLER for the live-status property of the wave filter. PASSIVE_LEVEL
/// (the item asks for no other), though nothing here would mind DISPATCH_LEVEL.
///
/// Sets ValueSize to the bytes written, or to the size needed for a size query
/// (STATUS_BUFFER_OVERFLOW), or to 0 for a refusal.
///
/// # Safety
/// `request` must be null or a valid PCPROPERTY_REQUEST whose MajorTarget is null or one of our
/// wave miniports, whose PropertyItem is null or one of our items, and whose Value is valid
/// for ValueSize bytes.
pub unsafe extern "system" fn status_handler(request: *mut PcPropertyRequest) -> NtStatus {
    // SAFETY: null or valid (contract).
    let Some(r) = (unsafe { request.as_mut() }) else {
        return NtStatus::INVALID_PARAMETER;
    };
    if r.major_target.is_null() || (r.value.is_null() && r.value_size != 0) {
        return NtStatus::INVALID_PARAMETER;
    }
    // SAFETY: PropertyItem is null or one of our static items (contract).
    let Some(item) = (unsafe { r.property_item.as_ref() }) else {
        return NtStatus::INVALID_PARAMETER;
    };
    // SAFETY: MajorTarget is one of our wave miniports, which begin with this prefix.
    let source = unsafe { (*r.major_target.cast::<WavePrefix>()).status };
    // SAFETY: the prefix points at the miniport's host, alive while the miniport is.
    let source = unsafe { &*source };
    let value: &mut [u8] = if r.value_size == 0 {
        &mut []
    } else {
        // SAFETY: non-null (checked) and valid for ValueSize bytes (contract).
        unsafe { core::slice::from_raw_parts_mut(r.value.cast::<u8>(), r.value_size as usize) }
    };
    let reply = status_request(source, item.id, r.verb, value);
    r.value_size = reply.bytes;
    reply.status
}

#[cfg(test)]
mod tests {
    use core::ptr::null_mut;

    use super::*;
    use crate::descriptor::PCFILTER_NODE;

    /// A source that records nothing and answers with a marker, to see what the handler
    /// passes on.
    struct Marker;

    impl StatusSource for Marker {
        fn status_property(&self, id: u32, verb: Verb, out: &mut [u8]) -> Reply {
            if let Some(b) = out.first_mut() {
                *b = 0x5A;
            }
            let verb_code = match verb {
                Verb::Get => 1,
                Verb::Set => 2,
                Verb::BasicSupport => 3,
            };
            Reply {
                status: NtStatus::SUCCESS,
                bytes: id * 10 + verb_code,
            }
        }
    }

    /// A fake miniport object: the prefix the handler reads, nothing else.
    fn object(source: &'static dyn StatusSource) -> WavePrefix {
        WavePrefix {
            vtbl: core::ptr::null(),
            status: source,
        }
    }

    fn request(target: *mut WavePrefix, verb: u32, value: &mut [u8]) -> PcPropertyRequest {
        #[allow(clippy::cast_possible_truncation)] // test buffers are small
        PcPropertyRequest {
            major_target: target.cast(),
            minor_target: null_mut(),
            node: PCFILTER_NODE,
            property_item: status_item().as_ptr(),
            verb,
            instance_size: 0,
            instance: null_mut(),
            value_size: value.len() as u32,
            value: if value.is_empty() {
                null_mut()
            } else {
                value.as_mut_ptr().cast()
            },
            irp: null_mut(),
        }
    }

    #[test]
    fn the_wave_filter_table_lists_the_status_property_get_and_basic_support_only() {
        let table = WAVE_FILTER_AUTOMATION.get();
        assert_eq!(table.property_count, 1);
        // SAFETY: one item in the static table.
        let item = unsafe { &*table.properties };
        // SAFETY: the item's set is a static GUID.
        let set = unsafe { *item.set };
        // {0D5BF987-CEC3-4278-9A37-A21090511491}
        assert_eq!(
            set,
            cadenza_engine::Guid::from_u128(0x0d5b_f987_cec3_4278_9a37_a210_9051_1491)
        );
        assert_eq!(item.id, 1);
        // PCPROPERTY_ITEM_FLAG_GET (1) | PCPROPERTY_ITEM_FLAG_BASICSUPPORT (0x200).
        assert_eq!(item.flags, 0x201);
        assert!(item.handler.is_some());
    }

    #[test]
    fn the_handler_passes_id_verb_and_value_through_and_reports_the_byte_count() {
        let mut me = object(&Marker);
        let mut value = [0u8; 8];
        let mut r = request(&raw mut me, 0x1, &mut value);
        // SAFETY: a valid request for our fake miniport.
        assert_eq!(unsafe { status_handler(&raw mut r) }, NtStatus::SUCCESS);
        assert_eq!(r.value_size, 11, "id 1, GET");
        assert_eq!(value[0], 0x5A);
        let mut r = request(&raw mut me, 0x200 | 0x1000_0000, &mut value);
        // SAFETY: `r` is a valid request: MajorTarget is the live fake miniport `me`, the
        // item is our static one, and Value is `value`, valid for its 8 bytes.
        unsafe { status_handler(&raw mut r) };
        assert_eq!(r.value_size, 13, "id 1, BASICSUPPORT; TOPOLOGY ignored");
    }

    #[test]
    fn the_handler_refuses_bad_requests_with_specific_statuses() {
        // SAFETY: null is allowed by the contract.
        let status = unsafe { status_handler(null_mut()) };
        assert_eq!(status, NtStatus::INVALID_PARAMETER);
        let mut value = [0u8; 8];
        let mut r = request(null_mut(), 0x1, &mut value);
        // SAFETY: a null MajorTarget is refused before use.
        let status = unsafe { status_handler(&raw mut r) };
        assert_eq!(status, NtStatus::INVALID_PARAMETER);
        let mut me = object(&Marker);
        let mut r = request(&raw mut me, 0x1, &mut value);
        r.value = null_mut();
        // SAFETY: a null Value with a non-zero size is refused before use.
        let status = unsafe { status_handler(&raw mut r) };
        assert_eq!(status, NtStatus::INVALID_PARAMETER);
        let mut r = request(&raw mut me, 0x1, &mut value);
        r.property_item = core::ptr::null();
        // SAFETY: a null PropertyItem is refused before use.
        let status = unsafe { status_handler(&raw mut r) };
        assert_eq!(status, NtStatus::INVALID_PARAMETER);
        let mut r = request(&raw mut me, 0x3, &mut value);
        r.value_size = 8;
        // SAFETY: a valid request whose flags name two verbs.
        let status = unsafe { status_handler(&raw mut r) };
        assert_eq!(status, NtStatus::INVALID_DEVICE_REQUEST);
        assert_eq!(r.value_size, 0);
        assert_eq!(value[0], 0, "nothing written");
    }
}
