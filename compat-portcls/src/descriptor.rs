//! PortCls filter description tables (portcls.h): PCFILTER_DESCRIPTOR and the pin, node,
//! connection and automation tables it points to, plus the property/method/event request
//! structures their handlers receive.
//!
//! A miniport builds these tables once, as `static`s, and hands PortCls a pointer from
//! `IMiniport::GetDescription`. The C structures hold raw pointers, which are neither `Send` nor
//! `Sync`, so they cannot sit in a `static` as they are. [`Shared`] is the answer: a transparent
//! wrapper that is `Sync` because the value inside only points at immutable `'static` data.
//! The `const fn` builders here (`PcPropertyItem::new`, `PcAutomationTable::new`,
//! `KsPinDescriptor::new`, `PcPinDescriptor::new`, `PcNodeDescriptor::new`,
//! `PcFilterDescriptor::new`) take only `&'static` references to data without interior
//! mutability and so produce `Shared` values safely; [`Shared::new_unchecked`] is the `unsafe`
//! escape hatch for anything else.

use core::mem::size_of;
use core::ops::Deref;
use core::ptr;

use cadenza_engine::{Guid, NtStatus};

use crate::kernel::{Irp, KsEventEntry};
use crate::ks::{KsDataRange, KsPinCommunication, KsPinDataFlow, KsPinDescriptor};
use crate::ksaudio::KsDataRangeAudio;
use crate::unknown::IUnknown;

/// `PCFILTER_NODE`: the filter itself, in place of a node number in a connection.
pub const PCFILTER_NODE: u32 = u32::MAX;

/// `PCPROPERTY_ITEM_FLAG_GET`.
pub const PCPROPERTY_ITEM_FLAG_GET: u32 = crate::ks::KSPROPERTY_TYPE_GET;
/// `PCPROPERTY_ITEM_FLAG_SET`.
pub const PCPROPERTY_ITEM_FLAG_SET: u32 = crate::ks::KSPROPERTY_TYPE_SET;
/// `PCPROPERTY_ITEM_FLAG_BASICSUPPORT`.
pub const PCPROPERTY_ITEM_FLAG_BASICSUPPORT: u32 = crate::ks::KSPROPERTY_TYPE_BASICSUPPORT;
/// A read-only property item's flags: GET and BASICSUPPORT, never SET.
pub const PCPROPERTY_ITEM_FLAGS_READ_ONLY: u32 =
    PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT;
/// `PCPROPERTY_ITEM_FLAG_SERIALIZERAW`.
pub const PCPROPERTY_ITEM_FLAG_SERIALIZERAW: u32 = crate::ks::KSPROPERTY_TYPE_SERIALIZERAW;
/// `PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW`.
pub const PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW: u32 = crate::ks::KSPROPERTY_TYPE_UNSERIALIZERAW;
/// `PCPROPERTY_ITEM_FLAG_SERIALIZESIZE`.
pub const PCPROPERTY_ITEM_FLAG_SERIALIZESIZE: u32 = crate::ks::KSPROPERTY_TYPE_SERIALIZESIZE;
/// `PCPROPERTY_ITEM_FLAG_SERIALIZE`: all three serialization flags.
pub const PCPROPERTY_ITEM_FLAG_SERIALIZE: u32 = PCPROPERTY_ITEM_FLAG_SERIALIZERAW
    | PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW
    | PCPROPERTY_ITEM_FLAG_SERIALIZESIZE;
/// `PCPROPERTY_ITEM_FLAG_DEFAULTVALUES`.
pub const PCPROPERTY_ITEM_FLAG_DEFAULTVALUES: u32 = crate::ks::KSPROPERTY_TYPE_DEFAULTVALUES;

/// `PCEVENT_ITEM_FLAG_ENABLE`.
pub const PCEVENT_ITEM_FLAG_ENABLE: u32 = crate::ks::KSEVENT_TYPE_ENABLE;
/// `PCEVENT_ITEM_FLAG_ONESHOT`.
pub const PCEVENT_ITEM_FLAG_ONESHOT: u32 = crate::ks::KSEVENT_TYPE_ONESHOT;
/// `PCEVENT_ITEM_FLAG_BASICSUPPORT`.
pub const PCEVENT_ITEM_FLAG_BASICSUPPORT: u32 = crate::ks::KSEVENT_TYPE_BASICSUPPORT;

/// `PCEVENT_VERB_NONE`.
pub const PCEVENT_VERB_NONE: u32 = 0;
/// `PCEVENT_VERB_ADD`.
pub const PCEVENT_VERB_ADD: u32 = 1;
/// `PCEVENT_VERB_REMOVE`.
pub const PCEVENT_VERB_REMOVE: u32 = 2;
/// `PCEVENT_VERB_SUPPORT`.
pub const PCEVENT_VERB_SUPPORT: u32 = 4;

/// `PCPFNPROPERTY_HANDLER`. Runs at PASSIVE_LEVEL unless the item says otherwise.
pub type PcPropertyHandler = unsafe extern "system" fn(request: *mut PcPropertyRequest) -> NtStatus;
/// `PCPFNMETHOD_HANDLER`.
pub type PcMethodHandler = unsafe extern "system" fn(request: *mut PcMethodRequest) -> NtStatus;
/// `PCPFNEVENT_HANDLER`.
pub type PcEventHandler = unsafe extern "system" fn(request: *mut PcEventRequest) -> NtStatus;

/// A value that may be shared between threads (and so live in a `static`) because every
/// pointer inside it leads to immutable data that lives as long as the value.
///
/// `#[repr(transparent)]`: a `&Shared<T>` or a `[Shared<T>]` has exactly the layout of `T` or
/// `[T]`, so PortCls reads the C structure directly.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct Shared<T>(T);

// SAFETY: a `Shared<T>` is only built by the `const fn` builders of this module, which store
// pointers derived from `&'static` references to types without interior mutability (`Guid`,
// `KsIdentifier`, data ranges, other `Shared` tables, function pointers), or by
// `Shared::new_unchecked`, whose caller promises the same. Such data is never written, so
// reading it from any thread at the same time cannot race, and `Shared` exposes the inner value
// only by shared reference.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// Wraps a value built by hand.
    ///
    /// # Safety
    ///
    /// Every pointer reachable from `value` must be null or point to data that stays valid and
    /// is never written (no interior mutability, no `static mut`) for as long as the `Shared`
    /// exists, typically an immutable `static`.
    pub const unsafe fn new_unchecked(value: T) -> Self {
        Shared(value)
    }

    /// The C structure, for reading.
    pub const fn get(&self) -> &T {
        &self.0
    }

    /// The address PortCls receives (`PPCFILTER_DESCRIPTOR` and friends).
    pub const fn as_ptr(&self) -> *const T {
        ptr::from_ref(&self.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Length of a table as the C `ULONG` count. Tables longer than `u32::MAX` entries cannot
/// exist in a driver image; if one did, the count saturates, so PortCls would read fewer
/// entries than exist, never more.
const fn count(len: usize) -> u32 {
    if len > u32::MAX as usize {
        u32::MAX
    } else {
        #[allow(clippy::cast_possible_truncation)] // checked against u32::MAX just above
        let n = len as u32;
        n
    }
}

/// The C `sizeof` of a table item, as the `ULONG` the tables record.
const fn item_size<T>() -> u32 {
    count(size_of::<T>())
}

/// `null` for `None`, the address for `Some`.
const fn opt_ptr<T>(value: Option<&'static T>) -> *const T {
    match value {
        Some(v) => ptr::from_ref(v),
        None => ptr::null(),
    }
}

/// `null` for `None`, the inner address for `Some`.
const fn opt_shared<T>(value: Option<&'static Shared<T>>) -> *const T {
    match value {
        Some(v) => v.as_ptr(),
        None => ptr::null(),
    }
}

/// `PCPROPERTY_ITEM`: one property a filter, pin or node supports.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcPropertyItem {
    pub set: *const Guid,
    pub id: u32,
    /// `PCPROPERTY_ITEM_FLAG_*`.
    pub flags: u32,
    pub handler: Option<PcPropertyHandler>,
}

impl PcPropertyItem {
    pub const fn new(
        set: &'static Guid,
        id: u32,
        flags: u32,
        handler: PcPropertyHandler,
    ) -> Shared<Self> {
        Shared(PcPropertyItem {
            set: ptr::from_ref(set),
            id,
            flags,
            handler: Some(handler),
        })
    }
}

/// `PCMETHOD_ITEM`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcMethodItem {
    pub set: *const Guid,
    pub id: u32,
    pub flags: u32,
    pub handler: Option<PcMethodHandler>,
}

impl PcMethodItem {
    pub const fn new(
        set: &'static Guid,
        id: u32,
        flags: u32,
        handler: PcMethodHandler,
    ) -> Shared<Self> {
        Shared(PcMethodItem {
            set: ptr::from_ref(set),
            id,
            flags,
            handler: Some(handler),
        })
    }
}

/// `PCEVENT_ITEM`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcEventItem {
    pub set: *const Guid,
    pub id: u32,
    /// `PCEVENT_ITEM_FLAG_*`.
    pub flags: u32,
    pub handler: Option<PcEventHandler>,
}

impl PcEventItem {
    pub const fn new(
        set: &'static Guid,
        id: u32,
        flags: u32,
        handler: PcEventHandler,
    ) -> Shared<Self> {
        Shared(PcEventItem {
            set: ptr::from_ref(set),
            id,
            flags,
            handler: Some(handler),
        })
    }
}

/// `PCPROPERTY_REQUEST`: what a property handler receives.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcPropertyRequest {
    /// The miniport (IUnknown of the miniport object).
    pub major_target: *mut IUnknown,
    /// The stream, for pin properties; null otherwise.
    pub minor_target: *mut IUnknown,
    /// The node, or `u32::MAX` for a filter or pin property.
    pub node: u32,
    pub property_item: *const PcPropertyItem,
    /// `KSPROPERTY_TYPE_GET` / `_SET` / `_BASICSUPPORT`.
    pub verb: u32,
    /// Bytes of request data after the KSPROPERTY (e.g. the channel of a KSNODEPROPERTY).
    pub instance_size: u32,
    pub instance: *mut core::ffi::c_void,
    /// Bytes of value buffer (0 asks for the required size).
    pub value_size: u32,
    pub value: *mut core::ffi::c_void,
    pub irp: *mut Irp,
}

/// `PCMETHOD_REQUEST`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcMethodRequest {
    pub major_target: *mut IUnknown,
    pub minor_target: *mut IUnknown,
    pub node: u32,
    pub method_item: *const PcMethodItem,
    pub verb: u32,
}

/// `PCEVENT_REQUEST`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcEventRequest {
    pub major_target: *mut IUnknown,
    pub minor_target: *mut IUnknown,
    pub node: u32,
    pub event_item: *const PcEventItem,
    pub event_entry: *mut KsEventEntry,
    /// `PCEVENT_VERB_*`.
    pub verb: u32,
    pub irp: *mut Irp,
}

/// `PCAUTOMATION_TABLE`: the properties, methods and events of a filter, pin or node.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcAutomationTable {
    pub property_item_size: u32,
    pub property_count: u32,
    pub properties: *const PcPropertyItem,
    pub method_item_size: u32,
    pub method_count: u32,
    pub methods: *const PcMethodItem,
    pub event_item_size: u32,
    pub event_count: u32,
    pub events: *const PcEventItem,
    pub reserved: u32,
}

impl PcAutomationTable {
    pub const fn new(
        properties: &'static [Shared<PcPropertyItem>],
        methods: &'static [Shared<PcMethodItem>],
        events: &'static [Shared<PcEventItem>],
    ) -> Shared<Self> {
        Shared(PcAutomationTable {
            property_item_size: item_size::<PcPropertyItem>(),
            property_count: count(properties.len()),
            properties: properties.as_ptr().cast(),
            method_item_size: item_size::<PcMethodItem>(),
            method_count: count(methods.len()),
            methods: methods.as_ptr().cast(),
            event_item_size: item_size::<PcEventItem>(),
            event_count: count(events.len()),
            events: events.as_ptr().cast(),
            reserved: 0,
        })
    }

    /// A table with properties only (`DEFINE_PCAUTOMATION_TABLE_PROP`).
    pub const fn properties(properties: &'static [Shared<PcPropertyItem>]) -> Shared<Self> {
        Self::new(properties, &[], &[])
    }
}

/// `PCCONNECTION_DESCRIPTOR`: one edge of the filter's topology. Use [`PCFILTER_NODE`] for the
/// filter's own pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct PcConnectionDescriptor {
    pub from_node: u32,
    pub from_node_pin: u32,
    pub to_node: u32,
    pub to_node_pin: u32,
}

impl PcConnectionDescriptor {
    pub const fn new(from_node: u32, from_node_pin: u32, to_node: u32, to_node_pin: u32) -> Self {
        PcConnectionDescriptor {
            from_node,
            from_node_pin,
            to_node,
            to_node_pin,
        }
    }
}

/// One entry of a pin's `DataRanges` array: a pointer to an immutable `'static` data range.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct DataRangePtr(*const KsDataRange);

// SAFETY: the pointer is only ever made from a `&'static` KSDATARANGE or KSDATARANGE_AUDIO,
// which have no interior mutability, so the data it leads to is never written.
unsafe impl Sync for DataRangePtr {}

impl DataRangePtr {
    /// An audio data range (the KSDATARANGE header is its first field).
    pub const fn audio(range: &'static KsDataRangeAudio) -> Self {
        DataRangePtr(ptr::from_ref(range).cast())
    }

    /// A plain data range (e.g. the analog range of a bridge pin).
    pub const fn plain(range: &'static KsDataRange) -> Self {
        DataRangePtr(ptr::from_ref(range))
    }

    pub const fn as_ptr(self) -> *const KsDataRange {
        self.0
    }
}

impl KsPinDescriptor {
    /// A pin with the standard interface and medium (PortCls supplies them when the counts are
    /// zero) and no constrained ranges.
    pub const fn new(
        data_ranges: &'static [DataRangePtr],
        data_flow: KsPinDataFlow,
        communication: KsPinCommunication,
        category: Option<&'static Guid>,
        name: Option<&'static Guid>,
    ) -> Shared<Self> {
        Shared(KsPinDescriptor {
            interfaces_count: 0,
            interfaces: ptr::null(),
            mediums_count: 0,
            mediums: ptr::null(),
            data_ranges_count: count(data_ranges.len()),
            data_ranges: data_ranges.as_ptr().cast(),
            data_flow,
            communication,
            category: opt_ptr(category),
            name: opt_ptr(name),
            constrained_data_ranges_count: 0,
            constrained_data_ranges: ptr::null(),
        })
    }
}

/// `PCPIN_DESCRIPTOR`: a pin of a PortCls filter.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcPinDescriptor {
    pub max_global_instance_count: u32,
    pub max_filter_instance_count: u32,
    pub min_filter_instance_count: u32,
    pub automation_table: *const PcAutomationTable,
    pub ks_pin_descriptor: KsPinDescriptor,
}

impl PcPinDescriptor {
    pub const fn new(
        max_global_instance_count: u32,
        max_filter_instance_count: u32,
        min_filter_instance_count: u32,
        automation_table: Option<&'static Shared<PcAutomationTable>>,
        pin: Shared<KsPinDescriptor>,
    ) -> Shared<Self> {
        let Shared(ks_pin_descriptor) = pin;
        Shared(PcPinDescriptor {
            max_global_instance_count,
            max_filter_instance_count,
            min_filter_instance_count,
            automation_table: opt_shared(automation_table),
            ks_pin_descriptor,
        })
    }
}

/// `PCNODE_DESCRIPTOR`: a node (volume, mute, ...) of a PortCls filter.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcNodeDescriptor {
    pub flags: u32,
    pub automation_table: *const PcAutomationTable,
    pub node_type: *const Guid,
    pub name: *const Guid,
}

impl PcNodeDescriptor {
    pub const fn new(
        automation_table: Option<&'static Shared<PcAutomationTable>>,
        node_type: &'static Guid,
        name: Option<&'static Guid>,
    ) -> Shared<Self> {
        Shared(PcNodeDescriptor {
            flags: 0,
            automation_table: opt_shared(automation_table),
            node_type: ptr::from_ref(node_type),
            name: opt_ptr(name),
        })
    }
}

/// `PCFILTER_DESCRIPTOR`: everything PortCls needs to know about a miniport's filter.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct PcFilterDescriptor {
    /// Always 0.
    pub version: u32,
    pub automation_table: *const PcAutomationTable,
    pub pin_size: u32,
    pub pin_count: u32,
    pub pins: *const PcPinDescriptor,
    pub node_size: u32,
    pub node_count: u32,
    pub nodes: *const PcNodeDescriptor,
    pub connection_count: u32,
    pub connections: *const PcConnectionDescriptor,
    pub category_count: u32,
    pub categories: *const Guid,
}

impl PcFilterDescriptor {
    pub const fn new(
        automation_table: Option<&'static Shared<PcAutomationTable>>,
        pins: &'static [Shared<PcPinDescriptor>],
        nodes: &'static [Shared<PcNodeDescriptor>],
        connections: &'static [PcConnectionDescriptor],
        categories: &'static [Guid],
    ) -> Shared<Self> {
        Shared(PcFilterDescriptor {
            version: 0,
            automation_table: opt_shared(automation_table),
            pin_size: item_size::<PcPinDescriptor>(),
            pin_count: count(pins.len()),
            pins: pins.as_ptr().cast(),
            node_size: item_size::<PcNodeDescriptor>(),
            node_count: count(nodes.len()),
            nodes: nodes.as_ptr().cast(),
            connection_count: count(connections.len()),
            connections: connections.as_ptr(),
            category_count: count(categories.len()),
            categories: categories.as_ptr(),
        })
    }
}

/// The range every bridge pin (wave and topology) offers: analog audio, no format specifier.
static ANALOG_RANGE: KsDataRange = crate::ks::KsDataFormat::new(
    // sizeof(KSDATAFORMAT): a plain range has no audio fields.
    64,
    0,
    0,
    crate::guids::KSDATAFORMAT_TYPE_AUDIO,
    crate::guids::KSDATAFORMAT_SUBTYPE_ANALOG,
    crate::guids::KSDATAFORMAT_SPECIFIER_NONE,
);

/// [`ANALOG_RANGE`] as a pin's data-range table.
pub static ANALOG_RANGES: [DataRangePtr; 1] = [DataRangePtr::plain(&ANALOG_RANGE)];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guids::{
        KSCATEGORY_AUDIO, KSCATEGORY_RENDER, KSDATAFORMAT_SPECIFIER_WAVEFORMATEX,
        KSDATAFORMAT_SUBTYPE_PCM, KSDATAFORMAT_TYPE_AUDIO, KSNODETYPE_VOLUME, KSPROPSETID_Audio,
    };
    use crate::ks::KsDataFormat;
    use crate::ksaudio::KSPROPERTY_AUDIO_VOLUMELEVEL;

    /// A property handler that succeeds without reading its request.
    ///
    /// # Safety
    /// None: `_request` is not dereferenced (`unsafe` only to fit `PcPropertyHandler`).
    unsafe extern "system" fn handler(_request: *mut PcPropertyRequest) -> NtStatus {
        NtStatus::SUCCESS
    }

    // A complete miniport-style description, built entirely in `static`s without `unsafe`.
    static RANGE: KsDataRangeAudio = KsDataRangeAudio {
        data_range: KsDataFormat::new(
            88,
            0,
            0,
            KSDATAFORMAT_TYPE_AUDIO,
            KSDATAFORMAT_SUBTYPE_PCM,
            KSDATAFORMAT_SPECIFIER_WAVEFORMATEX,
        ),
        maximum_channels: 2,
        minimum_bits_per_sample: 16,
        maximum_bits_per_sample: 32,
        minimum_sample_frequency: 8_000,
        maximum_sample_frequency: 192_000,
    };
    static RANGES: [DataRangePtr; 1] = [DataRangePtr::audio(&RANGE)];
    static VOLUME_PROPS: [Shared<PcPropertyItem>; 1] = [PcPropertyItem::new(
        &KSPROPSETID_Audio,
        KSPROPERTY_AUDIO_VOLUMELEVEL,
        PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_SET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT,
        handler,
    )];
    static VOLUME_AUTOMATION: Shared<PcAutomationTable> =
        PcAutomationTable::properties(&VOLUME_PROPS);
    static PINS: [Shared<PcPinDescriptor>; 1] = [PcPinDescriptor::new(
        1,
        1,
        0,
        None,
        KsPinDescriptor::new(
            &RANGES,
            KsPinDataFlow::IN,
            KsPinCommunication::SINK,
            Some(&KSCATEGORY_AUDIO),
            None,
        ),
    )];
    static NODES: [Shared<PcNodeDescriptor>; 1] = [PcNodeDescriptor::new(
        Some(&VOLUME_AUTOMATION),
        &KSNODETYPE_VOLUME,
        None,
    )];
    static CONNECTIONS: [PcConnectionDescriptor; 2] = [
        PcConnectionDescriptor::new(PCFILTER_NODE, 0, 0, 1),
        PcConnectionDescriptor::new(0, 0, PCFILTER_NODE, 1),
    ];
    static CATEGORIES: [Guid; 2] = [KSCATEGORY_AUDIO, KSCATEGORY_RENDER];
    static FILTER: Shared<PcFilterDescriptor> =
        PcFilterDescriptor::new(None, &PINS, &NODES, &CONNECTIONS, &CATEGORIES);

    #[test]
    fn static_tables_point_where_they_should() {
        let f = FILTER.get();
        assert_eq!(
            (
                f.pin_count,
                f.node_count,
                f.connection_count,
                f.category_count
            ),
            (1, 1, 2, 2)
        );
        assert_eq!(f.pin_size as usize, size_of::<PcPinDescriptor>());
        assert_eq!(f.pins, PINS[0].as_ptr());
        assert!(f.automation_table.is_null());
        let pin = &PINS[0].ks_pin_descriptor;
        assert_eq!(pin.data_ranges_count, 1);
        // SAFETY: `data_ranges` points at `RANGES`, a static array of one element.
        let first = unsafe { *pin.data_ranges };
        assert_eq!(first.cast::<KsDataRangeAudio>(), ptr::from_ref(&RANGE));
        assert_eq!(pin.category, ptr::from_ref(&KSCATEGORY_AUDIO));
        assert!(pin.name.is_null() && pin.interfaces.is_null());
        let node = NODES[0].get();
        assert_eq!(node.automation_table, VOLUME_AUTOMATION.as_ptr());
        assert_eq!(VOLUME_AUTOMATION.property_count, 1);
        assert_eq!(VOLUME_AUTOMATION.method_count, 0);
        assert_eq!(
            VOLUME_AUTOMATION.property_item_size as usize,
            size_of::<PcPropertyItem>()
        );
        assert_eq!(VOLUME_PROPS[0].flags, 0x203);
        assert!(VOLUME_PROPS[0].handler.is_some());
        assert_eq!(
            RANGES[0].as_ptr().cast::<KsDataRangeAudio>(),
            ptr::from_ref(&RANGE)
        );
    }

    #[test]
    fn counts_saturate() {
        assert_eq!(count(3), 3);
        assert_eq!(count(usize::MAX), u32::MAX);
        assert_eq!(PCPROPERTY_ITEM_FLAG_SERIALIZE, 0xE000);
    }
}
