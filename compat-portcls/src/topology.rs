//! The topology miniport (`IMiniportTopology`) of one cable: one filter with both paths.
//!
//! ```text
//!  render:  pin 0 (from wave, IN) ─▶ node 0 volume ─▶ node 1 mute ─▶ pin 1 speaker (OUT)
//!  capture: pin 2 microphone (IN) ─▶ node 2 volume ─▶ node 3 mute ─▶ pin 3 (to wave, OUT)
//! ```
//!
//! One filter per cable rather than one per direction: the cable is one device with two
//! endpoints, PortCls builds one endpoint per path from host pin to a bridge pin of the
//! topology filter, and one filter halves the subdevices and physical connections to
//! register. The capture bridge is a microphone (not a line input) so that communication apps,
//! which offer microphones first, list the cable's capture side.
//!
//! The volume and mute nodes reach the cable's [`Gain`](cadenza_engine::gain::Gain) (render
//! endpoint → the gain applied on the way into the ring, capture → on the way out), because
//! exposing them tells Windows to stop applying software volume. The bridge pins answer
//! KSPROPERTY_JACK_DESCRIPTION(2).
//!
//! The property handlers are plain (non-generic) functions in static tables; they reach the
//! cable through the object's second field, a `*const dyn EndpointControl`, which has the same
//! offset for every platform.

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::gain::Gain;
use cadenza_engine::platform::Platform;
use cadenza_engine::stream::Direction;
use cadenza_engine::{Guid, NtStatus};

use crate::com::{IMiniportTopologyVtbl, IMiniportVtbl, IPortTopology, IResourceList, IUnknown};
use crate::descriptor::ANALOG_RANGES;
use crate::descriptor::{
    PCFILTER_NODE, PCPROPERTY_ITEM_FLAG_BASICSUPPORT, PCPROPERTY_ITEM_FLAG_GET,
    PCPROPERTY_ITEM_FLAG_SET, PCPROPERTY_ITEM_FLAGS_READ_ONLY, PcAutomationTable,
    PcConnectionDescriptor, PcFilterDescriptor, PcNodeDescriptor, PcPinDescriptor, PcPropertyItem,
    PcPropertyRequest, Shared,
};
use crate::device::{EndpointControl, PcHost, SharedHost};
use crate::guids::{
    IID_IMiniport, IID_IMiniportTopology, IID_IUnknown, KSCATEGORY_AUDIO, KSCATEGORY_TOPOLOGY,
    KSNODETYPE_MICROPHONE, KSNODETYPE_MUTE, KSNODETYPE_SPEAKER, KSNODETYPE_VOLUME,
    KSPROPSETID_Audio, KSPROPSETID_Jack, KSPROPTYPESETID_General,
};
use crate::ks::{
    KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL, KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM,
    KSPROPERTY_MEMBER_STEPPEDRANGES, KSPROPERTY_TYPE_BASICSUPPORT, KSPROPERTY_TYPE_GET,
    KSPROPERTY_TYPE_SET, KsDataRange, KsIdentifier, KsMultipleItem, KsPinCommunication,
    KsPinDataFlow, KsPinDescriptor, KsPropertyDescription, KsPropertyMembersHeader,
};
use crate::ksaudio::{
    ConnectionType, GenLocation, GeoLocation, KSPROPERTY_AUDIO_MUTE, KSPROPERTY_AUDIO_VOLUMELEVEL,
    KSPROPERTY_JACK_DESCRIPTION, KSPROPERTY_JACK_DESCRIPTION2, KsJackDescription,
    KsJackDescription2, PortConnection,
};
use crate::object::{ComClass, ComObject, Interface, write_out};

/// Render input, from the wave filter's render bridge pin.
pub const TOPO_PIN_RENDER_IN: u32 = 0;
/// Render output: the speaker the render endpoint is named after (has the jack).
pub const TOPO_PIN_SPEAKER: u32 = 1;
/// Capture input: the microphone the capture endpoint is named after (has the jack).
pub const TOPO_PIN_MICROPHONE: u32 = 2;
/// Capture output, to the wave filter's capture bridge pin.
pub const TOPO_PIN_CAPTURE_OUT: u32 = 3;

/// Render volume node.
pub const NODE_RENDER_VOLUME: u32 = 0;
/// Render mute node.
pub const NODE_RENDER_MUTE: u32 = 1;
/// Capture volume node.
pub const NODE_CAPTURE_VOLUME: u32 = 2;
/// Capture mute node.
pub const NODE_CAPTURE_MUTE: u32 = 3;

/// `VT_I4`: the property type of a volume level.
const VT_I4: u32 = 3;
/// `VT_BOOL`: the property type of mute.
const VT_BOOL: u32 = 11;
/// `KSNODEPROPERTY_AUDIO_CHANNEL`'s channel for "every channel" (-1).
const MASTER_CHANNEL: u32 = u32::MAX;
/// Jack color (`COLORREF` 0x00BBGGRR): none; a virtual cable has no jack to color.
const JACK_COLOR: u32 = 0;

const GET_SET_BASIC: u32 =
    PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_SET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT;

static VOLUME_PROPERTIES: [Shared<PcPropertyItem>; 1] = [PcPropertyItem::new(
    &KSPROPSETID_Audio,
    KSPROPERTY_AUDIO_VOLUMELEVEL,
    GET_SET_BASIC,
    volume_handler,
)];
static MUTE_PROPERTIES: [Shared<PcPropertyItem>; 1] = [PcPropertyItem::new(
    &KSPROPSETID_Audio,
    KSPROPERTY_AUDIO_MUTE,
    GET_SET_BASIC,
    mute_handler,
)];
static JACK_PROPERTIES: [Shared<PcPropertyItem>; 2] = [
    PcPropertyItem::new(
        &KSPROPSETID_Jack,
        KSPROPERTY_JACK_DESCRIPTION,
        PCPROPERTY_ITEM_FLAGS_READ_ONLY,
        jack_handler,
    ),
    PcPropertyItem::new(
        &KSPROPSETID_Jack,
        KSPROPERTY_JACK_DESCRIPTION2,
        PCPROPERTY_ITEM_FLAGS_READ_ONLY,
        jack_handler,
    ),
];
static VOLUME_AUTOMATION: Shared<PcAutomationTable> =
    PcAutomationTable::properties(&VOLUME_PROPERTIES);
static MUTE_AUTOMATION: Shared<PcAutomationTable> = PcAutomationTable::properties(&MUTE_PROPERTIES);
static JACK_AUTOMATION: Shared<PcAutomationTable> = PcAutomationTable::properties(&JACK_PROPERTIES);

static PINS: [Shared<PcPinDescriptor>; 4] = [
    PcPinDescriptor::new(
        0,
        0,
        0,
        None,
        KsPinDescriptor::new(
            &ANALOG_RANGES,
            KsPinDataFlow::IN,
            KsPinCommunication::NONE,
            Some(&KSCATEGORY_AUDIO),
            None,
        ),
    ),
    PcPinDescriptor::new(
        0,
        0,
        0,
        Some(&JACK_AUTOMATION),
        KsPinDescriptor::new(
            &ANALOG_RANGES,
            KsPinDataFlow::OUT,
            KsPinCommunication::NONE,
            Some(&KSNODETYPE_SPEAKER),
            None,
        ),
    ),
    PcPinDescriptor::new(
        0,
        0,
        0,
        Some(&JACK_AUTOMATION),
        KsPinDescriptor::new(
            &ANALOG_RANGES,
            KsPinDataFlow::IN,
            KsPinCommunication::NONE,
            Some(&KSNODETYPE_MICROPHONE),
            None,
        ),
    ),
    PcPinDescriptor::new(
        0,
        0,
        0,
        None,
        KsPinDescriptor::new(
            &ANALOG_RANGES,
            KsPinDataFlow::OUT,
            KsPinCommunication::NONE,
            Some(&KSCATEGORY_AUDIO),
            None,
        ),
    ),
];

static NODES: [Shared<PcNodeDescriptor>; 4] = [
    PcNodeDescriptor::new(Some(&VOLUME_AUTOMATION), &KSNODETYPE_VOLUME, None),
    PcNodeDescriptor::new(Some(&MUTE_AUTOMATION), &KSNODETYPE_MUTE, None),
    PcNodeDescriptor::new(Some(&VOLUME_AUTOMATION), &KSNODETYPE_VOLUME, None),
    PcNodeDescriptor::new(Some(&MUTE_AUTOMATION), &KSNODETYPE_MUTE, None),
];

/// Node pins: 1 is a node's input, 0 its output (the KS convention PortCls samples use).
static CONNECTIONS: [PcConnectionDescriptor; 6] = [
    PcConnectionDescriptor::new(PCFILTER_NODE, TOPO_PIN_RENDER_IN, NODE_RENDER_VOLUME, 1),
    PcConnectionDescriptor::new(NODE_RENDER_VOLUME, 0, NODE_RENDER_MUTE, 1),
    PcConnectionDescriptor::new(NODE_RENDER_MUTE, 0, PCFILTER_NODE, TOPO_PIN_SPEAKER),
    PcConnectionDescriptor::new(PCFILTER_NODE, TOPO_PIN_MICROPHONE, NODE_CAPTURE_VOLUME, 1),
    PcConnectionDescriptor::new(NODE_CAPTURE_VOLUME, 0, NODE_CAPTURE_MUTE, 1),
    PcConnectionDescriptor::new(NODE_CAPTURE_MUTE, 0, PCFILTER_NODE, TOPO_PIN_CAPTURE_OUT),
];

static CATEGORIES: [Guid; 2] = [KSCATEGORY_AUDIO, KSCATEGORY_TOPOLOGY];

/// The topology filter description (the same for every cable).
pub static FILTER: Shared<PcFilterDescriptor> =
    PcFilterDescriptor::new(None, &PINS, &NODES, &CONNECTIONS, &CATEGORIES);

// ------------------------------------------------------------------------------------------
// Property logic (plain Rust, tested without COM)
// ------------------------------------------------------------------------------------------

/// A property request after the handler has checked its pointers.
#[derive(Debug)]
pub struct PropertyCall<'a> {
    /// The node the request addresses (`PCPROPERTY_REQUEST::Node`).
    pub node: u32,
    /// `KSPROPERTY_TYPE_*` (other flags such as TOPOLOGY are ignored).
    pub verb: u32,
    /// The instance data after the KSPROPERTY header: the channel of a
    /// KSNODEPROPERTY_AUDIO_CHANNEL, the pin id of a KSP_PIN.
    pub instance: &'a [u8],
    /// The value buffer; empty for a size query (ValueSize 0).
    pub value: &'a mut [u8],
}

/// What a handler answers: the status and, when set, the ValueSize to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: NtStatus,
    pub value_size: Option<u32>,
}

impl Reply {
    const fn fail(status: NtStatus) -> Reply {
        Reply {
            status,
            value_size: None,
        }
    }
    const fn ok(bytes: usize) -> Reply {
        Reply {
            status: NtStatus::SUCCESS,
            #[allow(clippy::cast_possible_truncation)] // values are a few hundred bytes
            value_size: Some(bytes as u32),
        }
    }
}

/// The operation a verb asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Get,
    Set,
    BasicSupport,
}

fn verb(raw: u32) -> Result<Verb, NtStatus> {
    match raw & (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT) {
        KSPROPERTY_TYPE_GET => Ok(Verb::Get),
        KSPROPERTY_TYPE_SET => Ok(Verb::Set),
        KSPROPERTY_TYPE_BASICSUPPORT => Ok(Verb::BasicSupport),
        _ => Err(NtStatus::INVALID_DEVICE_REQUEST),
    }
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = out.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The size protocol of a fixed-size value: an empty buffer asks for the size
/// (STATUS_BUFFER_OVERFLOW with the size), a shorter one is STATUS_BUFFER_TOO_SMALL.
fn check_value(value: &[u8], needed: usize) -> Result<(), Reply> {
    if value.is_empty() {
        #[allow(clippy::cast_possible_truncation)] // sizes are a few hundred bytes
        return Err(Reply {
            status: NtStatus::BUFFER_OVERFLOW,
            value_size: Some(needed as u32),
        });
    }
    if value.len() < needed {
        return Err(Reply::fail(NtStatus::BUFFER_TOO_SMALL));
    }
    Ok(())
}

const DESCRIPTION_BYTES: usize = core::mem::size_of::<KsPropertyDescription>();
const MEMBERS_HEADER_BYTES: usize = core::mem::size_of::<KsPropertyMembersHeader>();
const STEPPING_BYTES: usize = core::mem::size_of::<crate::ks::KsPropertySteppingLong>();

/// A members list: (KSPROPERTY_MEMBER_* kind, KSPROPERTY_MEMBER_FLAG_*, stepped ranges as
/// (minimum, maximum, step)).
type Members<'a> = (u32, u32, &'a [(i32, i32, u32)]);

/// A BASICSUPPORT answer: access flags, value type and stepped ranges, with the documented
/// graduated protocol — an empty buffer asks for the size, a ULONG gets the access flags, a
/// KSPROPERTY_DESCRIPTION gets the description, a full buffer gets everything.
fn basic_support(value: &mut [u8], access: u32, vt: u32, members: Option<Members<'_>>) -> Reply {
    let ranges = members.map_or(&[][..], |m| m.2);
    let full = DESCRIPTION_BYTES
        + if members.is_some() {
            MEMBERS_HEADER_BYTES + STEPPING_BYTES * ranges.len()
        } else {
            0
        };
    if value.is_empty() {
        #[allow(clippy::cast_possible_truncation)] // a few hundred bytes
        return Reply {
            status: NtStatus::BUFFER_OVERFLOW,
            value_size: Some(full as u32),
        };
    }
    if value.len() < 4 {
        return Reply::fail(NtStatus::BUFFER_TOO_SMALL);
    }
    put(value, 0, &access.to_le_bytes());
    if value.len() < DESCRIPTION_BYTES {
        return Reply::ok(4);
    }
    #[allow(clippy::cast_possible_truncation)] // a few hundred bytes
    let description = KsPropertyDescription {
        access_flags: access,
        description_size: full as u32,
        prop_type_set: KsIdentifier::new(KSPROPTYPESETID_General, vt, 0),
        members_list_count: u32::from(members.is_some()),
        reserved: 0,
    };
    put(value, 0, &description.access_flags.to_le_bytes());
    put(value, 4, &description.description_size.to_le_bytes());
    put(value, 8, &description.prop_type_set.set.to_bytes());
    put(value, 24, &description.prop_type_set.id.to_le_bytes());
    put(value, 28, &description.prop_type_set.flags.to_le_bytes());
    put(value, 32, &description.members_list_count.to_le_bytes());
    put(value, 36, &0u32.to_le_bytes());
    let Some((members_flags, flags, ranges)) = members else {
        return Reply::ok(DESCRIPTION_BYTES);
    };
    if value.len() < full {
        return Reply::ok(DESCRIPTION_BYTES);
    }
    let h = DESCRIPTION_BYTES;
    put(value, h, &members_flags.to_le_bytes());
    #[allow(clippy::cast_possible_truncation)] // 16 bytes; at most 16 channels
    {
        put(value, h + 4, &(STEPPING_BYTES as u32).to_le_bytes());
        put(value, h + 8, &(ranges.len() as u32).to_le_bytes());
    }
    put(value, h + 12, &flags.to_le_bytes());
    for (i, &(min, max, step)) in ranges.iter().enumerate() {
        let at = h + MEMBERS_HEADER_BYTES + i * STEPPING_BYTES;
        put(value, at, &step.to_le_bytes());
        put(value, at + 4, &0u32.to_le_bytes());
        put(value, at + 8, &min.to_le_bytes());
        put(value, at + 12, &max.to_le_bytes());
    }
    Reply::ok(full)
}

/// The channel a node request names: `None` for the master channel (-1).
fn channel(call: &PropertyCall<'_>, ctrl: &dyn EndpointControl) -> Result<Option<u32>, Reply> {
    let raw = read_u32(call.instance, 0).ok_or(Reply::fail(NtStatus::INVALID_PARAMETER))?;
    if raw == MASTER_CHANNEL {
        return Ok(None);
    }
    if raw >= ctrl.channel_count() {
        return Err(Reply::fail(NtStatus::INVALID_PARAMETER));
    }
    Ok(Some(raw))
}

fn node_direction(node: u32, volume: bool) -> Option<Direction> {
    match (node, volume) {
        (NODE_RENDER_VOLUME, true) | (NODE_RENDER_MUTE, false) => Some(Direction::Render),
        (NODE_CAPTURE_VOLUME, true) | (NODE_CAPTURE_MUTE, false) => Some(Direction::Capture),
        _ => None,
    }
}

/// KSPROPERTY_AUDIO_VOLUMELEVEL on a volume node: a LONG per channel, 16.16 dB. A value
/// outside the published range is set to the nearest end of it, as the property's
/// documentation asks; GET of the master channel reads channel 0.
pub fn volume_property(ctrl: &dyn EndpointControl, call: &mut PropertyCall<'_>) -> Reply {
    let Some(direction) = node_direction(call.node, true) else {
        return Reply::fail(NtStatus::INVALID_PARAMETER);
    };
    let verb = match verb(call.verb) {
        Ok(v) => v,
        Err(e) => return Reply::fail(e),
    };
    if verb == Verb::BasicSupport {
        let range = (
            Gain::MIN_LEVEL,
            Gain::MAX_LEVEL,
            Gain::STEP_LEVEL.unsigned_abs(),
        );
        let ranges = [range; Gain::CHANNELS];
        let n = (ctrl.channel_count() as usize).min(Gain::CHANNELS);
        return basic_support(
            call.value,
            KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
            VT_I4,
            Some((
                KSPROPERTY_MEMBER_STEPPEDRANGES,
                KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL,
                ranges.get(..n).unwrap_or(&[]),
            )),
        );
    }
    let ch = match channel(call, ctrl) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = check_value(call.value, 4) {
        return r;
    }
    if verb == Verb::Get {
        match ctrl.volume(direction, ch.unwrap_or(0)) {
            Ok(level) => {
                put(call.value, 0, &level.to_le_bytes());
                Reply::ok(4)
            }
            Err(e) => Reply::fail(e),
        }
    } else {
        let level = read_u32(call.value, 0).map_or(0, u32::cast_signed);
        match ctrl.set_volume(direction, ch, level) {
            Ok(()) => Reply::ok(4),
            Err(e) => Reply::fail(e),
        }
    }
}

/// KSPROPERTY_AUDIO_MUTE on a mute node: a BOOL per channel. The engine mutes a whole
/// endpoint, so every channel reads the one switch and setting any channel sets it.
pub fn mute_property(ctrl: &dyn EndpointControl, call: &mut PropertyCall<'_>) -> Reply {
    let Some(direction) = node_direction(call.node, false) else {
        return Reply::fail(NtStatus::INVALID_PARAMETER);
    };
    let verb = match verb(call.verb) {
        Ok(v) => v,
        Err(e) => return Reply::fail(e),
    };
    if verb == Verb::BasicSupport {
        return basic_support(
            call.value,
            KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
            VT_BOOL,
            Some((
                KSPROPERTY_MEMBER_STEPPEDRANGES,
                KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM,
                &[(0, 1, 1)],
            )),
        );
    }
    if let Err(r) = channel(call, ctrl) {
        return r;
    }
    if let Err(r) = check_value(call.value, 4) {
        return r;
    }
    if verb == Verb::Get {
        put(
            call.value,
            0,
            &i32::from(ctrl.mute(direction)).to_le_bytes(),
        );
    } else {
        let on = read_u32(call.value, 0).is_some_and(|v| v != 0);
        ctrl.set_mute(direction, on);
    }
    Reply::ok(4)
}

/// KSPROPERTY_JACK_DESCRIPTION / _DESCRIPTION2 on the speaker and microphone pins: a
/// KSMULTIPLE_ITEM with one jack. Get-only.
pub fn jack_property(ctrl: &dyn EndpointControl, id: u32, call: &mut PropertyCall<'_>) -> Reply {
    let pin = read_u32(call.instance, 0);
    if pin != Some(TOPO_PIN_SPEAKER) && pin != Some(TOPO_PIN_MICROPHONE) {
        return Reply::fail(NtStatus::INVALID_PARAMETER);
    }
    let verb = match verb(call.verb) {
        Ok(v) => v,
        Err(e) => return Reply::fail(e),
    };
    match verb {
        Verb::BasicSupport => {
            return basic_support(
                call.value,
                KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT,
                0,
                None,
            );
        }
        Verb::Set => return Reply::fail(NtStatus::INVALID_DEVICE_REQUEST),
        Verb::Get => {}
    }
    let item = match id {
        KSPROPERTY_JACK_DESCRIPTION => core::mem::size_of::<KsJackDescription>(),
        KSPROPERTY_JACK_DESCRIPTION2 => core::mem::size_of::<KsJackDescription2>(),
        _ => return Reply::fail(NtStatus::INVALID_DEVICE_REQUEST),
    };
    let header = core::mem::size_of::<KsMultipleItem>();
    let needed = header + item;
    if let Err(r) = check_value(call.value, needed) {
        return r;
    }
    #[allow(clippy::cast_possible_truncation)] // a few dozen bytes
    {
        put(call.value, 0, &(needed as u32).to_le_bytes());
    }
    put(call.value, 4, &1u32.to_le_bytes());
    if id == KSPROPERTY_JACK_DESCRIPTION {
        let jack = KsJackDescription {
            channel_mapping: ctrl.channel_mask(),
            color: JACK_COLOR,
            connection_type: ConnectionType::UNKNOWN,
            geo_location: GeoLocation::REAR,
            gen_location: GenLocation::INTERNAL,
            port_connection: PortConnection::INTEGRATED_DEVICE,
            // Always plugged in: the cable has no jack to pull.
            is_connected: 1,
        };
        let fields = [
            jack.channel_mapping,
            jack.color,
            jack.connection_type.0.cast_unsigned(),
            jack.geo_location.0.cast_unsigned(),
            jack.gen_location.0.cast_unsigned(),
            jack.port_connection.0.cast_unsigned(),
            jack.is_connected.cast_unsigned(),
        ];
        for (i, f) in fields.iter().enumerate() {
            put(call.value, header + 4 * i, &f.to_le_bytes());
        }
    } else {
        // Active device, no presence detection or dynamic format change to offer.
        put(call.value, header, &0u32.to_le_bytes());
        put(call.value, header + 4, &0u32.to_le_bytes());
    }
    Reply::ok(needed)
}

// ------------------------------------------------------------------------------------------
// The COM object and the handler entry points
// ------------------------------------------------------------------------------------------

/// The part of every topology miniport object the handlers read, whatever the platform: the
/// `ComObject` header's vtable pointer, then the first field of [`TopologyMiniport`]
/// (checked by `TopologyMiniport::PREFIX_MATCHES`).
#[repr(C)]
struct TopologyPrefix {
    vtbl: *const c_void,
    control: *const dyn EndpointControl,
}

/// The topology miniport class, the data of a `ComObject<TopologyMiniport<P>>`: the endpoint
/// control the handlers use first (pointing into `device`, which the object keeps alive).
#[repr(C)]
pub struct TopologyMiniport<P: Platform + 'static> {
    control: *const dyn EndpointControl,
    device: SharedHost<P>,
}

impl<P: Platform + 'static> core::fmt::Debug for TopologyMiniport<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TopologyMiniport")
            .field("cable", &self.device.index())
            .finish_non_exhaustive()
    }
}

/// The miniport object itself.
type Object<P> = ComObject<TopologyMiniport<P>>;

// SAFETY: VTBL's IUnknown slots are `ComObject::UNKNOWN` and its methods take the object;
// there is no secondary interface.
unsafe impl<P: Platform + 'static> ComClass for TopologyMiniport<P> {
    type Vtbl = IMiniportTopologyVtbl<Object<P>>;
    const VTBL: &'static Self::Vtbl = &IMiniportTopologyVtbl {
        base: IMiniportVtbl {
            base: Object::<P>::UNKNOWN,
            get_description: Self::get_description,
            data_range_intersection: Self::data_range_intersection,
        },
        init: Self::init,
    };

    fn interface(&self, iid: &Guid) -> Option<Interface> {
        [IID_IUnknown, IID_IMiniport, IID_IMiniportTopology]
            .contains(iid)
            .then_some(Interface::Primary)
    }
}

impl<P: Platform + 'static> TopologyMiniport<P> {
    /// The handlers read `control` through [`TopologyPrefix`]: it must sit where the prefix
    /// says. Evaluated (at compile time) by `create`.
    const PREFIX_MATCHES: () = assert!(
        Object::<P>::DATA_OFFSET + core::mem::offset_of!(Self, control)
            == core::mem::offset_of!(TopologyPrefix, control)
    );

    /// Creates the miniport with one reference; returns its `IUnknown`. PASSIVE_LEVEL.
    pub fn create(device: SharedHost<P>) -> *mut IUnknown {
        let () = Self::PREFIX_MATCHES;
        let concrete: *const PcHost<P> = &raw const *device;
        let control: *const dyn EndpointControl = concrete;
        Object::create(TopologyMiniport { control, device }).cast()
    }

    /// IMiniport::GetDescription: the static topology filter.
    ///
    /// # Safety
    /// `out` must be null (refused) or valid for an unaligned write of one pointer; `_this` is not
    /// used.
    unsafe extern "system" fn get_description(
        _this: *mut Object<P>,
        out: *mut *mut PcFilterDescriptor,
    ) -> NtStatus {
        // SAFETY: a writable pointer or null (refused). PortCls only reads the table.
        if unsafe { write_out(out, FILTER.as_ptr().cast_mut()) } {
            NtStatus::SUCCESS
        } else {
            NtStatus::INVALID_PARAMETER
        }
    }

    /// Only analog bridge pins here: the port's default intersection handles them.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`unsafe` only to fit the vtable slot).
    unsafe extern "system" fn data_range_intersection(
        _this: *mut Object<P>,
        _pin_id: u32,
        _data_range: *mut KsDataRange,
        _matching_data_range: *mut KsDataRange,
        _output_buffer_length: u32,
        _resultant_format: *mut c_void,
        _resultant_format_length: *mut u32,
    ) -> NtStatus {
        NtStatus::NOT_IMPLEMENTED
    }

    /// IMiniportTopology::Init: keeps nothing; a null port is refused.
    ///
    /// # Safety
    /// None: no argument is dereferenced (`port` is only checked for null).
    unsafe extern "system" fn init(
        _this: *mut Object<P>,
        _unknown_adapter: *mut IUnknown,
        _resource_list: *mut IResourceList,
        port: *mut IPortTopology,
    ) -> NtStatus {
        if port.is_null() {
            NtStatus::INVALID_PARAMETER
        } else {
            NtStatus::SUCCESS
        }
    }
}

/// Views a handler's request: the endpoint control behind MajorTarget, the instance bytes
/// and the value buffer.
///
/// # Safety
/// `request` must be null or a valid PCPROPERTY_REQUEST whose MajorTarget is one of our
/// topology miniports and whose Instance/Value pointers are valid for their sizes.
unsafe fn with_request(
    request: *mut PcPropertyRequest,
    f: impl FnOnce(&dyn EndpointControl, &mut PropertyCall<'_>) -> Reply,
) -> NtStatus {
    // SAFETY: null or valid (contract).
    let Some(r) = (unsafe { request.as_mut() }) else {
        return NtStatus::INVALID_PARAMETER;
    };
    if r.major_target.is_null() || (r.value.is_null() && r.value_size != 0) {
        return NtStatus::INVALID_PARAMETER;
    }
    // SAFETY: MajorTarget is one of our topology miniports, which start with this prefix.
    let control = unsafe { (*r.major_target.cast::<TopologyPrefix>()).control };
    // SAFETY: the control points at the miniport's device, alive while the miniport is.
    let control = unsafe { &*control };
    let instance: &[u8] = if r.instance.is_null() {
        &[]
    } else {
        // SAFETY: valid for InstanceSize bytes (contract).
        unsafe { core::slice::from_raw_parts(r.instance.cast::<u8>(), r.instance_size as usize) }
    };
    let value: &mut [u8] = if r.value_size == 0 {
        &mut []
    } else {
        // SAFETY: non-null (checked) and valid for ValueSize bytes (contract).
        unsafe { core::slice::from_raw_parts_mut(r.value.cast::<u8>(), r.value_size as usize) }
    };
    let mut call = PropertyCall {
        node: r.node,
        verb: r.verb,
        instance,
        value,
    };
    let reply = f(control, &mut call);
    if let Some(size) = reply.value_size {
        r.value_size = size;
    }
    reply.status
}

/// PCPFNPROPERTY_HANDLER for KSPROPERTY_AUDIO_VOLUMELEVEL. PASSIVE_LEVEL.
///
/// # Safety
/// `request` must be null (refused) or a valid PCPROPERTY_REQUEST whose MajorTarget is one of our
/// topology miniports (only our filter's items name this handler) and whose Instance/Value pointers
/// are valid for their sizes.
unsafe extern "system" fn volume_handler(request: *mut PcPropertyRequest) -> NtStatus {
    // SAFETY: PortCls passes a valid request for our topology filter.
    unsafe { with_request(request, volume_property) }
}

/// PCPFNPROPERTY_HANDLER for KSPROPERTY_AUDIO_MUTE. PASSIVE_LEVEL.
///
/// # Safety
/// `request` must be null (refused) or a valid PCPROPERTY_REQUEST whose MajorTarget is one of our
/// topology miniports (only our filter's items name this handler) and whose Instance/Value pointers
/// are valid for their sizes.
unsafe extern "system" fn mute_handler(request: *mut PcPropertyRequest) -> NtStatus {
    // SAFETY: PortCls passes null or a valid request whose MajorTarget is our topology
    // miniport and whose Instance/Value are valid for their sizes (the handler contract).
    unsafe { with_request(request, mute_property) }
}

/// PCPFNPROPERTY_HANDLER for KSPROPERTY_JACK_DESCRIPTION(2). PASSIVE_LEVEL.
///
/// # Safety
/// `request` must be null (refused) or a valid PCPROPERTY_REQUEST whose MajorTarget is one of our
/// topology miniports (only our filter's items name this handler) and whose Instance/Value pointers
/// are valid for their sizes; its PropertyItem must be null or point at a readable PCPROPERTY_ITEM.
unsafe extern "system" fn jack_handler(request: *mut PcPropertyRequest) -> NtStatus {
    // SAFETY: a valid request (contract) whose item pointer is one of JACK_PROPERTIES.
    let id = unsafe { request.as_ref() }
        .and_then(|r| {
            // SAFETY: PortCls points PropertyItem at the item it dispatched.
            unsafe { r.property_item.as_ref() }
        })
        .map_or(u32::MAX, |item| item.id);
    // SAFETY: PortCls passes null or a valid request whose MajorTarget is our topology
    // miniport and whose Instance/Value are valid for their sizes; no reference from above
    // is still live.
    unsafe { with_request(request, |c, call| jack_property(c, id, call)) }
}

/// Builds a property request the way PortCls does, for the simulator and tests: MajorTarget
/// the miniport, Instance the bytes after the KSNODEPROPERTY / KSP_PIN header.
pub fn request_for(
    miniport: *mut IUnknown,
    item: &'static Shared<PcPropertyItem>,
    node: u32,
    verb: u32,
    instance: &mut [u8],
    value: &mut [u8],
) -> PcPropertyRequest {
    #[allow(clippy::cast_possible_truncation)] // test buffers are small
    PcPropertyRequest {
        major_target: miniport,
        minor_target: null_mut(),
        node,
        property_item: item.as_ptr(),
        verb,
        instance_size: instance.len() as u32,
        instance: instance.as_mut_ptr().cast(),
        value_size: value.len() as u32,
        value: if value.is_empty() {
            null_mut()
        } else {
            value.as_mut_ptr().cast()
        },
        irp: null_mut(),
    }
}

/// The property items, for building requests: volume, mute, jack description,
/// jack description 2.
pub fn property_items() -> [&'static Shared<PcPropertyItem>; 4] {
    [
        &VOLUME_PROPERTIES[0],
        &MUTE_PROPERTIES[0],
        &JACK_PROPERTIES[0],
        &JACK_PROPERTIES[1],
    ]
}

/// Calls a property item's handler as PortCls does.
///
/// # Safety
/// `request` must be a valid PCPROPERTY_REQUEST whose PropertyItem is null or one of this
/// module's static property items, whose MajorTarget is one of our live topology miniports
/// and whose Instance/Value pointers are valid for their sizes (as [`request_for`] builds).
pub unsafe fn dispatch(request: &mut PcPropertyRequest) -> NtStatus {
    // SAFETY: PropertyItem points at one of our static items.
    let Some(item) = (unsafe { request.property_item.as_ref() }) else {
        return NtStatus::INVALID_PARAMETER;
    };
    match item.handler {
        // SAFETY: our handler, with a request valid by the caller's guarantee.
        Some(h) => unsafe { h(request) },
        None => NtStatus::INVALID_DEVICE_REQUEST,
    }
}
