//! Generic kernel-streaming structures and constants (ks.h).
//!
//! Several KS structures are C unions of their fields with a `LONGLONG Alignment` member, which
//! only forces 8-byte alignment. They are modelled here as plain structs that start with a
//! private zero-length `[i64; 0]` field: same size, same field offsets, same 8-byte alignment,
//! and, unlike `#[repr(align(8))]`, still allowed inside the byte-packed audio format structs
//! (KSDATAFORMAT_WAVEFORMATEX). Build them with their `const fn new`.

use cadenza_engine::Guid;

/// `KSIDENTIFIER`: a property, method or event request header (`Set`, `Id`, `Flags`).
/// 24 bytes, 8-aligned (the C union with `LONGLONG Alignment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsIdentifier {
    /// Stands in for the C union's `LONGLONG Alignment` member.
    align: [i64; 0],
    pub set: Guid,
    pub id: u32,
    pub flags: u32,
}

impl KsIdentifier {
    pub const fn new(set: Guid, id: u32, flags: u32) -> Self {
        KsIdentifier {
            align: [],
            set,
            id,
            flags,
        }
    }
}

/// `KSPROPERTY`: a property request header.
pub type KsProperty = KsIdentifier;
/// `KSMETHOD`: a method request header.
pub type KsMethod = KsIdentifier;
/// `KSEVENT`: an event request header.
pub type KsEvent = KsIdentifier;
/// `KSPIN_INTERFACE`.
pub type KsPinInterface = KsIdentifier;
/// `KSPIN_MEDIUM`.
pub type KsPinMedium = KsIdentifier;

/// `KSDATAFORMAT` (also `KSDATARANGE`): the header of every data format and data range.
/// 64 bytes, 8-aligned (the C union with `LONGLONG Alignment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsDataFormat {
    /// Stands in for the C union's `LONGLONG Alignment` member.
    align: [i64; 0],
    /// Size of the whole format or range, this header included.
    pub format_size: u32,
    pub flags: u32,
    pub sample_size: u32,
    pub reserved: u32,
    pub major_format: Guid,
    pub sub_format: Guid,
    pub specifier: Guid,
}

impl KsDataFormat {
    pub const fn new(
        format_size: u32,
        flags: u32,
        sample_size: u32,
        major_format: Guid,
        sub_format: Guid,
        specifier: Guid,
    ) -> Self {
        KsDataFormat {
            align: [],
            format_size,
            flags,
            sample_size,
            reserved: 0,
            major_format,
            sub_format,
            specifier,
        }
    }
}

/// `KSDATARANGE`: the same layout as [`KsDataFormat`].
pub type KsDataRange = KsDataFormat;

/// `KSPROPERTY_DESCRIPTION`: the header of a basic-support answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsPropertyDescription {
    /// `KSPROPERTY_TYPE_*` flags the property supports.
    pub access_flags: u32,
    /// Size of the whole description, members included.
    pub description_size: u32,
    /// Normally `KSPROPTYPESETID_General` with the VARTYPE of the value as `id`.
    pub prop_type_set: KsIdentifier,
    pub members_list_count: u32,
    pub reserved: u32,
}

/// `KSPROPERTY_MEMBERSHEADER`: introduces one list of ranges or values in a basic-support answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsPropertyMembersHeader {
    /// `KSPROPERTY_MEMBER_RANGES`, `_STEPPEDRANGES` or `_VALUES`.
    pub members_flags: u32,
    pub members_size: u32,
    pub members_count: u32,
    /// `KSPROPERTY_MEMBER_FLAG_*`.
    pub flags: u32,
}

/// The signed view of [`KsPropertyBoundsLong`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsBoundsSigned {
    pub minimum: i32,
    pub maximum: i32,
}

/// The unsigned view of [`KsPropertyBoundsLong`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsBoundsUnsigned {
    pub minimum: u32,
    pub maximum: u32,
}

/// `KSPROPERTY_BOUNDS_LONG`: a signed or unsigned 32-bit range.
#[derive(Clone, Copy)]
#[repr(C)]
pub union KsPropertyBoundsLong {
    pub signed: KsBoundsSigned,
    pub unsigned: KsBoundsUnsigned,
}

impl KsPropertyBoundsLong {
    pub const fn signed(minimum: i32, maximum: i32) -> Self {
        KsPropertyBoundsLong {
            signed: KsBoundsSigned { minimum, maximum },
        }
    }

    pub const fn unsigned(minimum: u32, maximum: u32) -> Self {
        KsPropertyBoundsLong {
            unsigned: KsBoundsUnsigned { minimum, maximum },
        }
    }

    /// The bounds read as signed values.
    pub const fn as_signed(self) -> KsBoundsSigned {
        // SAFETY: both members are two 32-bit integers at the same offsets; every bit pattern
        // is a valid value of either.
        unsafe { self.signed }
    }
}

impl core::fmt::Debug for KsPropertyBoundsLong {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.as_signed(), f)
    }
}

/// `KSPROPERTY_STEPPING_LONG`: one stepped range in a basic-support answer (volume: dB in
/// 1/65536 steps).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct KsPropertySteppingLong {
    pub stepping_delta: u32,
    pub reserved: u32,
    pub bounds: KsPropertyBoundsLong,
}

/// `KSMULTIPLE_ITEM`: the header of a property value holding `count` items (e.g. the jack
/// descriptions), `size` bytes in all, header included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct KsMultipleItem {
    pub size: u32,
    pub count: u32,
}

/// `KSSTATE`: the state of a KS pin. PortCls steps it one state at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct KsState(pub i32);

impl KsState {
    pub const STOP: Self = Self(0);
    pub const ACQUIRE: Self = Self(1);
    pub const PAUSE: Self = Self(2);
    pub const RUN: Self = Self(3);
}

/// `KSPIN_DATAFLOW`: the direction of data at a pin, seen from the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct KsPinDataFlow(pub i32);

impl KsPinDataFlow {
    /// Data flows into the filter (a render sink pin, a capture bridge pin).
    pub const IN: Self = Self(1);
    /// Data flows out of the filter.
    pub const OUT: Self = Self(2);
}

/// `KSPIN_COMMUNICATION`: how a pin connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct KsPinCommunication(pub i32);

impl KsPinCommunication {
    pub const NONE: Self = Self(0);
    /// A pin a client can instantiate (the streaming pin).
    pub const SINK: Self = Self(1);
    pub const SOURCE: Self = Self(2);
    pub const BOTH: Self = Self(3);
    /// A pin that only describes a physical connection (bridge pin).
    pub const BRIDGE: Self = Self(4);
}

/// `KSPIN_DESCRIPTOR`: the KS description of one pin, embedded in `PCPIN_DESCRIPTOR`.
///
/// In C the last two fields share a union with `LONGLONG Reserved` (which overlaps
/// `constrained_data_ranges_count`); the union adds no size or alignment on x64.
/// A safe `'static` builder is [`KsPinDescriptor::new`].
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct KsPinDescriptor {
    pub interfaces_count: u32,
    pub interfaces: *const KsPinInterface,
    pub mediums_count: u32,
    pub mediums: *const KsPinMedium,
    pub data_ranges_count: u32,
    /// An array of `data_ranges_count` pointers to data ranges (usually KSDATARANGE_AUDIO).
    pub data_ranges: *const *const KsDataRange,
    pub data_flow: KsPinDataFlow,
    pub communication: KsPinCommunication,
    pub category: *const Guid,
    pub name: *const Guid,
    pub constrained_data_ranges_count: u32,
    pub constrained_data_ranges: *const *const KsDataRange,
}

/// `KSPROPERTY_TYPE_GET`.
pub const KSPROPERTY_TYPE_GET: u32 = 0x0000_0001;
/// `KSPROPERTY_TYPE_SET`.
pub const KSPROPERTY_TYPE_SET: u32 = 0x0000_0002;
/// `KSPROPERTY_TYPE_SETSUPPORT`.
pub const KSPROPERTY_TYPE_SETSUPPORT: u32 = 0x0000_0100;
/// `KSPROPERTY_TYPE_BASICSUPPORT`.
pub const KSPROPERTY_TYPE_BASICSUPPORT: u32 = 0x0000_0200;
/// `KSPROPERTY_TYPE_RELATIONS`.
pub const KSPROPERTY_TYPE_RELATIONS: u32 = 0x0000_0400;
/// `KSPROPERTY_TYPE_SERIALIZERAW`.
pub const KSPROPERTY_TYPE_SERIALIZERAW: u32 = 0x0000_2000;
/// `KSPROPERTY_TYPE_UNSERIALIZERAW`.
pub const KSPROPERTY_TYPE_UNSERIALIZERAW: u32 = 0x0000_4000;
/// `KSPROPERTY_TYPE_SERIALIZESIZE`.
pub const KSPROPERTY_TYPE_SERIALIZESIZE: u32 = 0x0000_8000;
/// `KSPROPERTY_TYPE_DEFAULTVALUES`.
pub const KSPROPERTY_TYPE_DEFAULTVALUES: u32 = 0x0001_0000;
/// `KSPROPERTY_TYPE_TOPOLOGY`: the request is a KSP_NODE (it names a node).
pub const KSPROPERTY_TYPE_TOPOLOGY: u32 = 0x1000_0000;

/// `KSPROPERTY_MEMBER_RANGES`.
pub const KSPROPERTY_MEMBER_RANGES: u32 = 0x0000_0001;
/// `KSPROPERTY_MEMBER_STEPPEDRANGES`.
pub const KSPROPERTY_MEMBER_STEPPEDRANGES: u32 = 0x0000_0002;
/// `KSPROPERTY_MEMBER_VALUES`.
pub const KSPROPERTY_MEMBER_VALUES: u32 = 0x0000_0003;
/// `KSPROPERTY_MEMBER_FLAG_DEFAULT`.
pub const KSPROPERTY_MEMBER_FLAG_DEFAULT: u32 = 0x0000_0001;
/// `KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL`.
pub const KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL: u32 = 0x0000_0002;
/// `KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM`.
pub const KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM: u32 = 0x0000_0004;

/// `KSEVENT_TYPE_ENABLE`.
pub const KSEVENT_TYPE_ENABLE: u32 = 0x0000_0001;
/// `KSEVENT_TYPE_ONESHOT`.
pub const KSEVENT_TYPE_ONESHOT: u32 = 0x0000_0002;
/// `KSEVENT_TYPE_BASICSUPPORT`.
pub const KSEVENT_TYPE_BASICSUPPORT: u32 = 0x0000_0200;

/// `KSSTREAM_HEADER_OPTIONSF_ENDOFSTREAM`: also the end-of-stream flag of
/// `IMiniportWaveRTOutputStream::SetWritePacket`.
pub const KSSTREAM_HEADER_OPTIONSF_ENDOFSTREAM: u32 = 0x0000_0200;

/// `KSDATAFORMAT_ATTRIBUTES`: attributes follow the format.
pub const KSDATAFORMAT_ATTRIBUTES: u32 = 0x0000_0002;

/// `KSPROPERTY_PIN_CINSTANCES` (KSPROPSETID_Pin).
pub const KSPROPERTY_PIN_CINSTANCES: u32 = 0;
/// `KSPROPERTY_PIN_CTYPES`.
pub const KSPROPERTY_PIN_CTYPES: u32 = 1;
/// `KSPROPERTY_PIN_DATAFLOW`.
pub const KSPROPERTY_PIN_DATAFLOW: u32 = 2;
/// `KSPROPERTY_PIN_DATARANGES`.
pub const KSPROPERTY_PIN_DATARANGES: u32 = 3;
/// `KSPROPERTY_PIN_DATAINTERSECTION`.
pub const KSPROPERTY_PIN_DATAINTERSECTION: u32 = 4;
/// `KSPROPERTY_PIN_COMMUNICATION`.
pub const KSPROPERTY_PIN_COMMUNICATION: u32 = 7;
/// `KSPROPERTY_PIN_CATEGORY`.
pub const KSPROPERTY_PIN_CATEGORY: u32 = 11;
/// `KSPROPERTY_PIN_NAME`.
pub const KSPROPERTY_PIN_NAME: u32 = 12;
/// `KSPROPERTY_PIN_PROPOSEDATAFORMAT`: a client asks whether a format would be accepted.
pub const KSPROPERTY_PIN_PROPOSEDATAFORMAT: u32 = 14;

/// `KSFILTER_NODE` / `KSALL_NODES`.
pub const KSFILTER_NODE: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn union_backed_headers_are_8_aligned() {
        assert_eq!(
            (size_of::<KsIdentifier>(), align_of::<KsIdentifier>()),
            (24, 8)
        );
        assert_eq!(
            (size_of::<KsDataFormat>(), align_of::<KsDataFormat>()),
            (64, 8)
        );
        assert_eq!(offset_of!(KsDataFormat, specifier), 48);
        assert_eq!(size_of::<KsPinDescriptor>(), 88);
        assert_eq!(offset_of!(KsPinDescriptor, constrained_data_ranges), 80);
    }

    #[test]
    fn constructors_fill_fields() {
        let g = Guid::from_u128(1);
        let p = KsIdentifier::new(g, 4, KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_TOPOLOGY);
        assert_eq!((p.set, p.id, p.flags), (g, 4, 0x1000_0001));
        let f = KsDataFormat::new(64, 0, 4, g, g, g);
        assert_eq!((f.format_size, f.reserved, f.sample_size), (64, 0, 4));
        let b = KsPropertyBoundsLong::unsigned(0, u32::MAX);
        assert_eq!(
            b.as_signed(),
            KsBoundsSigned {
                minimum: 0,
                maximum: -1
            }
        );
        assert_eq!(
            format!("{:?}", KsPropertyBoundsLong::signed(-5, 5)),
            "KsBoundsSigned { minimum: -5, maximum: 5 }"
        );
        assert!(KsState::STOP < KsState::RUN);
    }
}
