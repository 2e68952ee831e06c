//! ABI check: the Rust layouts of `cadenza-portcls` against the mingw-w64 DDK headers.
//!
//! The test generates one C file of `_Static_assert`s from the Rust side — `size_of`,
//! `align_of` and `offset_of!` of every field of every structure, the byte offset of every
//! vtable slot, every GUID's fields, every constant, and every NTSTATUS in `NtStatus::ALL` —
//! and compiles it once with `x86_64-w64-mingw32-gcc -fsyntax-only` against `ntddk.h`,
//! `portcls.h`, `ks.h`, `ksmedia.h` (and through them `wdm.h`, `mmreg.h`, `ntstatus.h`).
//! Any mismatch is a compile error, and the test fails with the compiler's message.
//!
//! GUIDs: `DEFINE_GUID` normally declares an `extern const GUID`, whose fields are not constant
//! expressions. After the system headers, the generated file redefines `DEFINE_GUID` so that
//! every GUID portcls.h defines becomes a set of enum constants (`IID_IPort__cz_d1h`, ...)
//! holding the header's own values; ks.h/ksmedia.h GUIDs are read from their `STATIC_*`
//! initializer macros through the same macro. The assertions compare those with the Rust
//! values, so the header's numbers, not a copy of them, are what the compiler checks.
//!
//! Declared in the generated C because the mingw-w64 headers lack them (their layout and values
//! come from the documented DDK definitions, so for these the check is Rust against an
//! independent transcription of the documentation, not against a vendor header):
//! - structures: `KSRTAUDIO_HWLATENCY`, `KSRTAUDIO_HWREGISTER` (needed before portcls.h, which
//!   uses them), `KSAUDIO_PRESENTATION_POSITION`, `KSDATAFORMAT_WAVEFORMATEXTENSIBLE`;
//! - interfaces: `IMiniportWaveRTInputStream`, `IMiniportWaveRTOutputStream` (vtables and IIDs);
//! - GUIDs: `IID_IMiniportWaveRTInputStream`, `IID_IMiniportWaveRTOutputStream`,
//!   `KSPROPSETID_Jack`;
//! - constants: `KSPROPERTY_RTAUDIO_BUFFER` .. `KSPROPERTY_RTAUDIO_SETWRITEPACKET` (mingw has
//!   only `KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION`; the rest continue its enum),
//!   `KSPROPERTY_JACK_*`, `JACKDESC2_*`.
//!
//! Without the compiler (or the headers): if `CADENZA_REQUIRE_MINGW` is set (to anything but
//! empty, `0` or `false`) the test fails; otherwise it warns loudly and passes. The Linux CI
//! (`.ci/run`) sets `CADENZA_REQUIRE_MINGW=1` after installing mingw-w64, so there a missing
//! toolchain is a failure. The variable, not `CI`, decides: GitHub sets `CI=true` on every
//! runner, and the Windows workflow (`.github/workflows/windows.yml`) has no mingw DDK headers,
//! so it runs this test as the warning-and-pass case.
//! `MINGW_GCC` overrides the compiler, `MINGW_DDK_INCLUDE` the `ddk` include directory.

use core::mem::{align_of, offset_of, size_of};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use cadenza_engine::{Guid, NtStatus};
use cadenza_portcls::com::*;
use cadenza_portcls::descriptor::*;
use cadenza_portcls::guids::*;
use cadenza_portcls::kernel::*;
use cadenza_portcls::ks::*;
use cadenza_portcls::ksaudio::*;

/// One structure (or vtable): its C name, Rust size and alignment, and `(C member, Rust offset)`.
struct Layout {
    c_name: &'static str,
    size: usize,
    align: usize,
    fields: Vec<(&'static str, usize)>,
}

macro_rules! layout {
    ($rust:ty => $c_name:literal { $($c_field:literal => $($field:tt).+),* $(,)? }) => {
        Layout {
            c_name: $c_name,
            size: size_of::<$rust>(),
            align: align_of::<$rust>(),
            fields: vec![$(($c_field, offset_of!($rust, $($field).+))),*],
        }
    };
}

#[allow(clippy::too_many_lines)] // a data table: one entry per checked item
fn structures() -> Vec<Layout> {
    vec![
        layout!(Guid => "GUID" {
            "Data1" => data1, "Data2" => data2, "Data3" => data3, "Data4" => data4,
        }),
        layout!(PhysicalAddress => "PHYSICAL_ADDRESS" { "QuadPart" => 0 }),
        layout!(PowerState => "POWER_STATE" {
            "SystemState" => system_state, "DeviceState" => device_state,
        }),
        layout!(SystemPowerState => "SYSTEM_POWER_STATE" {}),
        layout!(DevicePowerState => "DEVICE_POWER_STATE" {}),
        layout!(MemoryCachingType => "MEMORY_CACHING_TYPE" {}),
        layout!(KsState => "KSSTATE" {}),
        layout!(KsPinDataFlow => "KSPIN_DATAFLOW" {}),
        layout!(KsPinCommunication => "KSPIN_COMMUNICATION" {}),
        layout!(KsIdentifier => "KSIDENTIFIER" { "Set" => set, "Id" => id, "Flags" => flags }),
        layout!(KsProperty => "KSPROPERTY" { "Set" => set, "Id" => id, "Flags" => flags }),
        layout!(KsMethod => "KSMETHOD" { "Set" => set }),
        layout!(KsEvent => "KSEVENT" { "Set" => set }),
        layout!(KsDataFormat => "KSDATAFORMAT" {
            "FormatSize" => format_size, "Flags" => flags, "SampleSize" => sample_size,
            "Reserved" => reserved, "MajorFormat" => major_format, "SubFormat" => sub_format,
            "Specifier" => specifier,
        }),
        layout!(KsDataRange => "KSDATARANGE" { "FormatSize" => format_size, "Specifier" => specifier }),
        layout!(KsPropertyDescription => "KSPROPERTY_DESCRIPTION" {
            "AccessFlags" => access_flags, "DescriptionSize" => description_size,
            "PropTypeSet" => prop_type_set, "MembersListCount" => members_list_count,
            "Reserved" => reserved,
        }),
        layout!(KsPropertyMembersHeader => "KSPROPERTY_MEMBERSHEADER" {
            "MembersFlags" => members_flags, "MembersSize" => members_size,
            "MembersCount" => members_count, "Flags" => flags,
        }),
        layout!(KsPropertyBoundsLong => "KSPROPERTY_BOUNDS_LONG" {
            "SignedMinimum" => signed.minimum, "SignedMaximum" => signed.maximum,
            "UnsignedMinimum" => unsigned.minimum, "UnsignedMaximum" => unsigned.maximum,
        }),
        layout!(KsPropertySteppingLong => "KSPROPERTY_STEPPING_LONG" {
            "SteppingDelta" => stepping_delta, "Reserved" => reserved, "Bounds" => bounds,
            "Bounds.SignedMinimum" => bounds.signed.minimum,
            "Bounds.UnsignedMaximum" => bounds.unsigned.maximum,
        }),
        layout!(KsPinDescriptor => "KSPIN_DESCRIPTOR" {
            "InterfacesCount" => interfaces_count, "Interfaces" => interfaces,
            "MediumsCount" => mediums_count, "Mediums" => mediums,
            "DataRangesCount" => data_ranges_count, "DataRanges" => data_ranges,
            "DataFlow" => data_flow, "Communication" => communication,
            "Category" => category, "Name" => name,
            "Reserved" => constrained_data_ranges_count,
            "ConstrainedDataRangesCount" => constrained_data_ranges_count,
            "ConstrainedDataRanges" => constrained_data_ranges,
        }),
        layout!(WaveFormatEx => "WAVEFORMATEX" {
            "wFormatTag" => w_format_tag, "nChannels" => n_channels,
            "nSamplesPerSec" => n_samples_per_sec, "nAvgBytesPerSec" => n_avg_bytes_per_sec,
            "nBlockAlign" => n_block_align, "wBitsPerSample" => w_bits_per_sample,
            "cbSize" => cb_size,
        }),
        layout!(WaveFormatExtensible => "WAVEFORMATEXTENSIBLE" {
            "Format" => format, "Samples.wValidBitsPerSample" => samples,
            "Samples.wSamplesPerBlock" => samples, "Samples.wReserved" => samples,
            "dwChannelMask" => dw_channel_mask, "SubFormat" => sub_format,
        }),
        layout!(KsDataFormatWaveFormatEx => "KSDATAFORMAT_WAVEFORMATEX" {
            "DataFormat" => data_format, "WaveFormatEx" => wave_format_ex,
        }),
        layout!(KsDataFormatWaveFormatExtensible => "KSDATAFORMAT_WAVEFORMATEXTENSIBLE" {
            "DataFormat" => data_format, "WaveFormatExt" => wave_format_ext,
        }),
        layout!(KsDataRangeAudio => "KSDATARANGE_AUDIO" {
            "DataRange" => data_range, "MaximumChannels" => maximum_channels,
            "MinimumBitsPerSample" => minimum_bits_per_sample,
            "MaximumBitsPerSample" => maximum_bits_per_sample,
            "MinimumSampleFrequency" => minimum_sample_frequency,
            "MaximumSampleFrequency" => maximum_sample_frequency,
        }),
        layout!(KsAudioPosition => "KSAUDIO_POSITION" {
            "PlayOffset" => play_offset, "WriteOffset" => write_offset,
        }),
        layout!(KsAudioPresentationPosition => "KSAUDIO_PRESENTATION_POSITION" {
            "u64PositionInBlock" => position_in_block, "u64QPCPosition" => qpc_position,
        }),
        layout!(KsRtAudioHwLatency => "KSRTAUDIO_HWLATENCY" {
            "FifoSize" => fifo_size, "ChipsetDelay" => chipset_delay, "CodecDelay" => codec_delay,
        }),
        layout!(KsMultipleItem => "KSMULTIPLE_ITEM" { "Size" => size, "Count" => count }),
        layout!(DeviceDescriptionV2 => "DEVICE_DESCRIPTION" {
            "Version" => version, "Master" => master, "ScatterGather" => scatter_gather,
            "DemandMode" => demand_mode, "AutoInitialize" => auto_initialize,
            "Dma32BitAddresses" => dma32_bit_addresses, "IgnoreCount" => ignore_count,
            "Reserved1" => reserved1, "Dma64BitAddresses" => dma64_bit_addresses,
            "BusNumber" => bus_number, "DmaChannel" => dma_channel,
            "InterfaceType" => interface_type, "DmaWidth" => dma_width,
            "DmaSpeed" => dma_speed, "MaximumLength" => maximum_length, "DmaPort" => dma_port,
        }),
        layout!(KsRtAudioHwRegister => "KSRTAUDIO_HWREGISTER" {
            "Register" => register, "Width" => width, "Numerator" => numerator,
            "Denominator" => denominator, "Accuracy" => accuracy,
        }),
        layout!(ConnectionType => "EPcxConnectionType" {}),
        layout!(GeoLocation => "EPcxGeoLocation" {}),
        layout!(GenLocation => "EPcxGenLocation" {}),
        layout!(PortConnection => "EPxcPortConnection" {}),
        layout!(KsJackDescription => "KSJACK_DESCRIPTION" {
            "ChannelMapping" => channel_mapping, "Color" => color,
            "ConnectionType" => connection_type, "GeoLocation" => geo_location,
            "GenLocation" => gen_location, "PortConnection" => port_connection,
            "IsConnected" => is_connected,
        }),
        layout!(KsJackDescription2 => "KSJACK_DESCRIPTION2" {
            "DeviceStateInfo" => device_state_info, "JackCapabilities" => jack_capabilities,
        }),
        layout!(KsNodeProperty => "KSNODEPROPERTY" {
            "Property" => property, "NodeId" => node_id, "Reserved" => reserved,
        }),
        layout!(KsNodePropertyAudioChannel => "KSNODEPROPERTY_AUDIO_CHANNEL" {
            "NodeProperty" => node_property, "Channel" => channel, "Reserved" => reserved,
        }),
        layout!(PcPropertyItem => "PCPROPERTY_ITEM" {
            "Set" => set, "Id" => id, "Flags" => flags, "Handler" => handler,
        }),
        layout!(PcMethodItem => "PCMETHOD_ITEM" {
            "Set" => set, "Id" => id, "Flags" => flags, "Handler" => handler,
        }),
        layout!(PcEventItem => "PCEVENT_ITEM" {
            "Set" => set, "Id" => id, "Flags" => flags, "Handler" => handler,
        }),
        layout!(PcPropertyRequest => "PCPROPERTY_REQUEST" {
            "MajorTarget" => major_target, "MinorTarget" => minor_target, "Node" => node,
            "PropertyItem" => property_item, "Verb" => verb, "InstanceSize" => instance_size,
            "Instance" => instance, "ValueSize" => value_size, "Value" => value, "Irp" => irp,
        }),
        layout!(PcMethodRequest => "PCMETHOD_REQUEST" {
            "MajorTarget" => major_target, "MinorTarget" => minor_target, "Node" => node,
            "MethodItem" => method_item, "Verb" => verb,
        }),
        layout!(PcEventRequest => "PCEVENT_REQUEST" {
            "MajorTarget" => major_target, "MinorTarget" => minor_target, "Node" => node,
            "EventItem" => event_item, "EventEntry" => event_entry, "Verb" => verb, "Irp" => irp,
        }),
        layout!(PcAutomationTable => "PCAUTOMATION_TABLE" {
            "PropertyItemSize" => property_item_size, "PropertyCount" => property_count,
            "Properties" => properties, "MethodItemSize" => method_item_size,
            "MethodCount" => method_count, "Methods" => methods,
            "EventItemSize" => event_item_size, "EventCount" => event_count,
            "Events" => events, "Reserved" => reserved,
        }),
        layout!(PcConnectionDescriptor => "PCCONNECTION_DESCRIPTOR" {
            "FromNode" => from_node, "FromNodePin" => from_node_pin,
            "ToNode" => to_node, "ToNodePin" => to_node_pin,
        }),
        layout!(PcPinDescriptor => "PCPIN_DESCRIPTOR" {
            "MaxGlobalInstanceCount" => max_global_instance_count,
            "MaxFilterInstanceCount" => max_filter_instance_count,
            "MinFilterInstanceCount" => min_filter_instance_count,
            "AutomationTable" => automation_table, "KsPinDescriptor" => ks_pin_descriptor,
            "KsPinDescriptor.DataRanges" => ks_pin_descriptor.data_ranges,
            "KsPinDescriptor.Name" => ks_pin_descriptor.name,
        }),
        layout!(PcNodeDescriptor => "PCNODE_DESCRIPTOR" {
            "Flags" => flags, "AutomationTable" => automation_table, "Type" => node_type,
            "Name" => name,
        }),
        layout!(PcFilterDescriptor => "PCFILTER_DESCRIPTOR" {
            "Version" => version, "AutomationTable" => automation_table,
            "PinSize" => pin_size, "PinCount" => pin_count, "Pins" => pins,
            "NodeSize" => node_size, "NodeCount" => node_count, "Nodes" => nodes,
            "ConnectionCount" => connection_count, "Connections" => connections,
            "CategoryCount" => category_count, "Categories" => categories,
        }),
        // Interface objects: one vtable pointer.
        layout!(IUnknown => "IUnknown" { "lpVtbl" => vtbl }),
        layout!(IMiniportWaveRTStream => "IMiniportWaveRTStream" { "lpVtbl" => vtbl }),
        layout!(IPortWaveRTStream => "IPortWaveRTStream" { "lpVtbl" => vtbl }),
    ]
}

/// Vtables: every slot, by its C member name, at the offset `offset_of!` gives on the Rust side.
fn vtables() -> Vec<Layout> {
    vec![
        layout!(IUnknownVtbl => "IUnknownVtbl" {
            "QueryInterface" => query_interface, "AddRef" => add_ref, "Release" => release,
        }),
        layout!(IMiniportVtbl => "IMiniportVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "GetDescription" => get_description,
            "DataRangeIntersection" => data_range_intersection,
        }),
        layout!(IMiniportTopologyVtbl => "IMiniportTopologyVtbl" {
            "QueryInterface" => base.base.query_interface, "AddRef" => base.base.add_ref,
            "Release" => base.base.release, "GetDescription" => base.get_description,
            "DataRangeIntersection" => base.data_range_intersection, "Init" => init,
        }),
        layout!(IMiniportWaveRTVtbl => "IMiniportWaveRTVtbl" {
            "QueryInterface" => base.base.query_interface, "AddRef" => base.base.add_ref,
            "Release" => base.base.release, "GetDescription" => base.get_description,
            "DataRangeIntersection" => base.data_range_intersection, "Init" => init,
            "NewStream" => new_stream, "GetDeviceDescription" => get_device_description,
        }),
        layout!(IMiniportWaveRTStreamVtbl => "IMiniportWaveRTStreamVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "SetFormat" => set_format, "SetState" => set_state,
            "GetPosition" => get_position, "AllocateAudioBuffer" => allocate_audio_buffer,
            "FreeAudioBuffer" => free_audio_buffer, "GetHWLatency" => get_hw_latency,
            "GetPositionRegister" => get_position_register,
            "GetClockRegister" => get_clock_register,
        }),
        layout!(IMiniportWaveRTStreamNotificationVtbl => "IMiniportWaveRTStreamNotificationVtbl" {
            "QueryInterface" => base.base.query_interface, "AddRef" => base.base.add_ref,
            "Release" => base.base.release, "SetFormat" => base.set_format,
            "SetState" => base.set_state, "GetPosition" => base.get_position,
            "AllocateAudioBuffer" => base.allocate_audio_buffer,
            "FreeAudioBuffer" => base.free_audio_buffer, "GetHWLatency" => base.get_hw_latency,
            "GetPositionRegister" => base.get_position_register,
            "GetClockRegister" => base.get_clock_register,
            "AllocateBufferWithNotification" => allocate_buffer_with_notification,
            "FreeBufferWithNotification" => free_buffer_with_notification,
            "RegisterNotificationEvent" => register_notification_event,
            "UnregisterNotificationEvent" => unregister_notification_event,
        }),
        layout!(IMiniportWaveRTInputStreamVtbl => "IMiniportWaveRTInputStreamVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "GetReadPacket" => get_read_packet,
        }),
        layout!(IMiniportWaveRTOutputStreamVtbl => "IMiniportWaveRTOutputStreamVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "SetWritePacket" => set_write_packet,
            "GetOutputStreamPresentationPosition" => get_output_stream_presentation_position,
            "GetPacketCount" => get_packet_count,
        }),
        layout!(IPortVtbl => "IPortVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "Init" => init,
            "GetDeviceProperty" => get_device_property, "NewRegistryKey" => new_registry_key,
        }),
        layout!(IPortTopologyVtbl => "IPortTopologyVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "Init" => init,
            "GetDeviceProperty" => get_device_property, "NewRegistryKey" => new_registry_key,
        }),
        layout!(IPortWaveRTVtbl => "IPortWaveRTVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "Init" => init,
            "GetDeviceProperty" => get_device_property, "NewRegistryKey" => new_registry_key,
        }),
        layout!(IPortWaveRTStreamVtbl => "IPortWaveRTStreamVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "AllocatePagesForMdl" => allocate_pages_for_mdl,
            "AllocateContiguousPagesForMdl" => allocate_contiguous_pages_for_mdl,
            "MapAllocatedPages" => map_allocated_pages,
            "UnmapAllocatedPages" => unmap_allocated_pages,
            "FreePagesFromMdl" => free_pages_from_mdl,
            "GetPhysicalPagesCount" => get_physical_pages_count,
            "GetPhysicalPageAddress" => get_physical_page_address,
        }),
        layout!(IAdapterPowerManagementVtbl => "IAdapterPowerManagementVtbl" {
            "QueryInterface" => base.query_interface, "AddRef" => base.add_ref,
            "Release" => base.release, "PowerChangeState" => power_change_state,
            "QueryPowerChangeState" => query_power_change_state,
            "QueryDeviceCapabilities" => query_device_capabilities,
        }),
    ]
}

/// Where the C side of a GUID lives.
#[derive(Clone, Copy)]
enum GuidSource {
    /// `DEFINE_GUID(name, ...)` (portcls.h, punknown.h, or the declarations of missing ones).
    DefineGuid,
    /// A `STATIC_name` initializer macro (ks.h, ksmedia.h, mmreg.h).
    StaticMacro,
    /// `DEFINE_GUID` in a mingw-w64 header that gets the value wrong. The generated C asserts
    /// the header still has this wrong value (so a fixed header is noticed and the exception
    /// removed); the Rust constant keeps the correct one.
    KnownHeaderBug(Guid),
}

/// mingw-w64's `ddk/punknown.h` declares IID_IUnknown with the bytes of `Data4` shifted
/// (`..., 0x00, 0x00, 0xC0, 0x00, ...` instead of `0xC0, 0x00, ...`), i.e.
/// 00000000-0000-0000-0000-C00000000046. The COM value, which mingw-w64's own `unknwnbase.h`
/// also has, is 00000000-0000-0000-C000-000000000046.
const MINGW_PUNKNOWN_IID_IUNKNOWN: Guid = Guid::from_u128(0x00000000_0000_0000_0000_C00000000046);

fn guids() -> Vec<(&'static str, Guid, GuidSource)> {
    use GuidSource::{DefineGuid as D, KnownHeaderBug, StaticMacro as S};
    vec![
        (
            "IID_IUnknown",
            IID_IUnknown,
            KnownHeaderBug(MINGW_PUNKNOWN_IID_IUNKNOWN),
        ),
        ("IID_IMiniport", IID_IMiniport, D),
        ("IID_IPort", IID_IPort, D),
        ("IID_IPortTopology", IID_IPortTopology, D),
        ("IID_IMiniportTopology", IID_IMiniportTopology, D),
        ("CLSID_PortTopology", CLSID_PortTopology, D),
        ("IID_IMiniportWaveRT", IID_IMiniportWaveRT, D),
        ("IID_IMiniportWaveRTStream", IID_IMiniportWaveRTStream, D),
        (
            "IID_IMiniportWaveRTStreamNotification",
            IID_IMiniportWaveRTStreamNotification,
            D,
        ),
        (
            "IID_IMiniportWaveRTInputStream",
            IID_IMiniportWaveRTInputStream,
            D,
        ),
        (
            "IID_IMiniportWaveRTOutputStream",
            IID_IMiniportWaveRTOutputStream,
            D,
        ),
        ("IID_IPortWaveRT", IID_IPortWaveRT, D),
        ("IID_IPortWaveRTStream", IID_IPortWaveRTStream, D),
        ("CLSID_PortWaveRT", CLSID_PortWaveRT, D),
        (
            "IID_IAdapterPowerManagement",
            IID_IAdapterPowerManagement,
            D,
        ),
        ("KSCATEGORY_AUDIO", KSCATEGORY_AUDIO, S),
        ("KSCATEGORY_RENDER", KSCATEGORY_RENDER, S),
        ("KSCATEGORY_CAPTURE", KSCATEGORY_CAPTURE, S),
        ("KSCATEGORY_REALTIME", KSCATEGORY_REALTIME, S),
        ("KSCATEGORY_TOPOLOGY", KSCATEGORY_TOPOLOGY, S),
        ("KSNODETYPE_VOLUME", KSNODETYPE_VOLUME, S),
        ("KSNODETYPE_MUTE", KSNODETYPE_MUTE, S),
        ("KSNODETYPE_SPEAKER", KSNODETYPE_SPEAKER, S),
        ("KSNODETYPE_MICROPHONE", KSNODETYPE_MICROPHONE, S),
        ("KSNODETYPE_LINE_CONNECTOR", KSNODETYPE_LINE_CONNECTOR, S),
        ("KSPROPSETID_General", KSPROPSETID_General, S),
        ("KSPROPTYPESETID_General", KSPROPTYPESETID_General, S),
        ("KSPROPSETID_Pin", KSPROPSETID_Pin, S),
        ("KSPROPSETID_Audio", KSPROPSETID_Audio, S),
        ("KSPROPSETID_Jack", KSPROPSETID_Jack, S),
        ("KSPROPSETID_RtAudio", KSPROPSETID_RtAudio, S),
        ("KSDATAFORMAT_TYPE_WILDCARD", KSDATAFORMAT_TYPE_WILDCARD, S),
        (
            "KSDATAFORMAT_SUBTYPE_WILDCARD",
            KSDATAFORMAT_SUBTYPE_WILDCARD,
            S,
        ),
        (
            "KSDATAFORMAT_SPECIFIER_WILDCARD",
            KSDATAFORMAT_SPECIFIER_WILDCARD,
            S,
        ),
        ("KSDATAFORMAT_TYPE_AUDIO", KSDATAFORMAT_TYPE_AUDIO, S),
        (
            "KSDATAFORMAT_SUBTYPE_ANALOG",
            KSDATAFORMAT_SUBTYPE_ANALOG,
            S,
        ),
        ("KSDATAFORMAT_SUBTYPE_PCM", KSDATAFORMAT_SUBTYPE_PCM, S),
        (
            "KSDATAFORMAT_SUBTYPE_IEEE_FLOAT",
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
            S,
        ),
        (
            "KSDATAFORMAT_SPECIFIER_WAVEFORMATEX",
            KSDATAFORMAT_SPECIFIER_WAVEFORMATEX,
            S,
        ),
        (
            "KSDATAFORMAT_SPECIFIER_NONE",
            KSDATAFORMAT_SPECIFIER_NONE,
            S,
        ),
    ]
}

/// `(C expression, Rust value)`: macros and enum constants.
#[allow(clippy::too_many_lines)] // a data table: one entry per checked item
fn constants() -> Vec<(&'static str, i128)> {
    let mut c: Vec<(&'static str, i128)> = vec![
        ("KSPROPERTY_TYPE_GET", KSPROPERTY_TYPE_GET.into()),
        ("KSPROPERTY_TYPE_SET", KSPROPERTY_TYPE_SET.into()),
        (
            "KSPROPERTY_TYPE_SETSUPPORT",
            KSPROPERTY_TYPE_SETSUPPORT.into(),
        ),
        (
            "KSPROPERTY_TYPE_BASICSUPPORT",
            KSPROPERTY_TYPE_BASICSUPPORT.into(),
        ),
        (
            "KSPROPERTY_TYPE_RELATIONS",
            KSPROPERTY_TYPE_RELATIONS.into(),
        ),
        (
            "KSPROPERTY_TYPE_SERIALIZERAW",
            KSPROPERTY_TYPE_SERIALIZERAW.into(),
        ),
        (
            "KSPROPERTY_TYPE_UNSERIALIZERAW",
            KSPROPERTY_TYPE_UNSERIALIZERAW.into(),
        ),
        (
            "KSPROPERTY_TYPE_SERIALIZESIZE",
            KSPROPERTY_TYPE_SERIALIZESIZE.into(),
        ),
        (
            "KSPROPERTY_TYPE_DEFAULTVALUES",
            KSPROPERTY_TYPE_DEFAULTVALUES.into(),
        ),
        ("KSPROPERTY_TYPE_TOPOLOGY", KSPROPERTY_TYPE_TOPOLOGY.into()),
        ("KSPROPERTY_MEMBER_RANGES", KSPROPERTY_MEMBER_RANGES.into()),
        (
            "KSPROPERTY_MEMBER_STEPPEDRANGES",
            KSPROPERTY_MEMBER_STEPPEDRANGES.into(),
        ),
        ("KSPROPERTY_MEMBER_VALUES", KSPROPERTY_MEMBER_VALUES.into()),
        (
            "KSPROPERTY_MEMBER_FLAG_DEFAULT",
            KSPROPERTY_MEMBER_FLAG_DEFAULT.into(),
        ),
        (
            "KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL",
            KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL.into(),
        ),
        (
            "KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM",
            KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM.into(),
        ),
        ("KSEVENT_TYPE_ENABLE", KSEVENT_TYPE_ENABLE.into()),
        ("KSEVENT_TYPE_ONESHOT", KSEVENT_TYPE_ONESHOT.into()),
        (
            "KSEVENT_TYPE_BASICSUPPORT",
            KSEVENT_TYPE_BASICSUPPORT.into(),
        ),
        (
            "KSSTREAM_HEADER_OPTIONSF_ENDOFSTREAM",
            KSSTREAM_HEADER_OPTIONSF_ENDOFSTREAM.into(),
        ),
        ("KSDATAFORMAT_ATTRIBUTES", KSDATAFORMAT_ATTRIBUTES.into()),
        ("KSFILTER_NODE", KSFILTER_NODE.into()),
        (
            "KSPROPERTY_PIN_CINSTANCES",
            KSPROPERTY_PIN_CINSTANCES.into(),
        ),
        ("KSPROPERTY_PIN_CTYPES", KSPROPERTY_PIN_CTYPES.into()),
        ("KSPROPERTY_PIN_DATAFLOW", KSPROPERTY_PIN_DATAFLOW.into()),
        (
            "KSPROPERTY_PIN_DATARANGES",
            KSPROPERTY_PIN_DATARANGES.into(),
        ),
        (
            "KSPROPERTY_PIN_DATAINTERSECTION",
            KSPROPERTY_PIN_DATAINTERSECTION.into(),
        ),
        (
            "KSPROPERTY_PIN_COMMUNICATION",
            KSPROPERTY_PIN_COMMUNICATION.into(),
        ),
        ("KSPROPERTY_PIN_CATEGORY", KSPROPERTY_PIN_CATEGORY.into()),
        ("KSPROPERTY_PIN_NAME", KSPROPERTY_PIN_NAME.into()),
        (
            "KSPROPERTY_PIN_PROPOSEDATAFORMAT",
            KSPROPERTY_PIN_PROPOSEDATAFORMAT.into(),
        ),
        ("WAVE_FORMAT_PCM", WAVE_FORMAT_PCM.into()),
        ("WAVE_FORMAT_IEEE_FLOAT", WAVE_FORMAT_IEEE_FLOAT.into()),
        ("WAVE_FORMAT_EXTENSIBLE", WAVE_FORMAT_EXTENSIBLE.into()),
        ("KSPROPERTY_AUDIO_LATENCY", KSPROPERTY_AUDIO_LATENCY.into()),
        (
            "KSPROPERTY_AUDIO_CHANNEL_CONFIG",
            KSPROPERTY_AUDIO_CHANNEL_CONFIG.into(),
        ),
        (
            "KSPROPERTY_AUDIO_VOLUMELEVEL",
            KSPROPERTY_AUDIO_VOLUMELEVEL.into(),
        ),
        ("KSPROPERTY_AUDIO_MUTE", KSPROPERTY_AUDIO_MUTE.into()),
        (
            "KSPROPERTY_JACK_DESCRIPTION",
            KSPROPERTY_JACK_DESCRIPTION.into(),
        ),
        (
            "KSPROPERTY_JACK_DESCRIPTION2",
            KSPROPERTY_JACK_DESCRIPTION2.into(),
        ),
        (
            "KSPROPERTY_JACK_SINK_INFO",
            KSPROPERTY_JACK_SINK_INFO.into(),
        ),
        (
            "KSPROPERTY_JACK_CONTAINERID",
            KSPROPERTY_JACK_CONTAINERID.into(),
        ),
        (
            "JACKDESC2_PRESENCE_DETECT_CAPABILITY",
            JACKDESC2_PRESENCE_DETECT_CAPABILITY.into(),
        ),
        (
            "JACKDESC2_DYNAMIC_FORMAT_CHANGE_CAPABILITY",
            JACKDESC2_DYNAMIC_FORMAT_CHANGE_CAPABILITY.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION",
            KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_BUFFER",
            KSPROPERTY_RTAUDIO_BUFFER.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_HWLATENCY",
            KSPROPERTY_RTAUDIO_HWLATENCY.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_POSITIONREGISTER",
            KSPROPERTY_RTAUDIO_POSITIONREGISTER.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_CLOCKREGISTER",
            KSPROPERTY_RTAUDIO_CLOCKREGISTER.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_BUFFER_WITH_NOTIFICATION",
            KSPROPERTY_RTAUDIO_BUFFER_WITH_NOTIFICATION.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_REGISTER_NOTIFICATION_EVENT",
            KSPROPERTY_RTAUDIO_REGISTER_NOTIFICATION_EVENT.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_UNREGISTER_NOTIFICATION_EVENT",
            KSPROPERTY_RTAUDIO_UNREGISTER_NOTIFICATION_EVENT.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_QUERY_NOTIFICATION_SUPPORT",
            KSPROPERTY_RTAUDIO_QUERY_NOTIFICATION_SUPPORT.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_PACKETCOUNT",
            KSPROPERTY_RTAUDIO_PACKETCOUNT.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_PRESENTATION_POSITION",
            KSPROPERTY_RTAUDIO_PRESENTATION_POSITION.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_GETREADPACKET",
            KSPROPERTY_RTAUDIO_GETREADPACKET.into(),
        ),
        (
            "KSPROPERTY_RTAUDIO_SETWRITEPACKET",
            KSPROPERTY_RTAUDIO_SETWRITEPACKET.into(),
        ),
        ("PCFILTER_NODE", PCFILTER_NODE.into()),
        ("PCPROPERTY_ITEM_FLAG_GET", PCPROPERTY_ITEM_FLAG_GET.into()),
        ("PCPROPERTY_ITEM_FLAG_SET", PCPROPERTY_ITEM_FLAG_SET.into()),
        (
            "PCPROPERTY_ITEM_FLAG_BASICSUPPORT",
            PCPROPERTY_ITEM_FLAG_BASICSUPPORT.into(),
        ),
        (
            "PCPROPERTY_ITEM_FLAG_SERIALIZERAW",
            PCPROPERTY_ITEM_FLAG_SERIALIZERAW.into(),
        ),
        (
            "PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW",
            PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW.into(),
        ),
        (
            "PCPROPERTY_ITEM_FLAG_SERIALIZESIZE",
            PCPROPERTY_ITEM_FLAG_SERIALIZESIZE.into(),
        ),
        (
            "PCPROPERTY_ITEM_FLAG_SERIALIZE",
            PCPROPERTY_ITEM_FLAG_SERIALIZE.into(),
        ),
        (
            "PCPROPERTY_ITEM_FLAG_DEFAULTVALUES",
            PCPROPERTY_ITEM_FLAG_DEFAULTVALUES.into(),
        ),
        ("PCEVENT_ITEM_FLAG_ENABLE", PCEVENT_ITEM_FLAG_ENABLE.into()),
        (
            "PCEVENT_ITEM_FLAG_ONESHOT",
            PCEVENT_ITEM_FLAG_ONESHOT.into(),
        ),
        (
            "PCEVENT_ITEM_FLAG_BASICSUPPORT",
            PCEVENT_ITEM_FLAG_BASICSUPPORT.into(),
        ),
        ("PCEVENT_VERB_NONE", PCEVENT_VERB_NONE.into()),
        ("PCEVENT_VERB_ADD", PCEVENT_VERB_ADD.into()),
        ("PCEVENT_VERB_REMOVE", PCEVENT_VERB_REMOVE.into()),
        ("PCEVENT_VERB_SUPPORT", PCEVENT_VERB_SUPPORT.into()),
    ];
    let newtypes: [(&'static str, i32); 34] = [
        ("KSSTATE_STOP", KsState::STOP.0),
        ("KSSTATE_ACQUIRE", KsState::ACQUIRE.0),
        ("KSSTATE_PAUSE", KsState::PAUSE.0),
        ("KSSTATE_RUN", KsState::RUN.0),
        ("KSPIN_DATAFLOW_IN", KsPinDataFlow::IN.0),
        ("KSPIN_DATAFLOW_OUT", KsPinDataFlow::OUT.0),
        ("KSPIN_COMMUNICATION_NONE", KsPinCommunication::NONE.0),
        ("KSPIN_COMMUNICATION_SINK", KsPinCommunication::SINK.0),
        ("KSPIN_COMMUNICATION_SOURCE", KsPinCommunication::SOURCE.0),
        ("KSPIN_COMMUNICATION_BOTH", KsPinCommunication::BOTH.0),
        ("KSPIN_COMMUNICATION_BRIDGE", KsPinCommunication::BRIDGE.0),
        ("MmNonCached", MemoryCachingType::NON_CACHED.0),
        ("MmCached", MemoryCachingType::CACHED.0),
        ("MmWriteCombined", MemoryCachingType::WRITE_COMBINED.0),
        ("PowerSystemUnspecified", SystemPowerState::UNSPECIFIED.0),
        ("PowerSystemWorking", SystemPowerState::WORKING.0),
        ("PowerSystemSleeping3", SystemPowerState::SLEEPING3.0),
        ("PowerSystemHibernate", SystemPowerState::HIBERNATE.0),
        ("PowerSystemShutdown", SystemPowerState::SHUTDOWN.0),
        ("PowerDeviceUnspecified", DevicePowerState::UNSPECIFIED.0),
        ("PowerDeviceD0", DevicePowerState::D0.0),
        ("PowerDeviceD1", DevicePowerState::D1.0),
        ("PowerDeviceD2", DevicePowerState::D2.0),
        ("PowerDeviceD3", DevicePowerState::D3.0),
        ("eConnTypeUnknown", ConnectionType::UNKNOWN.0),
        ("eConnType3Point5mm", ConnectionType::JACK_3_5MM.0),
        ("eConnTypeOtherAnalog", ConnectionType::OTHER_ANALOG.0),
        ("eGeoLocRear", GeoLocation::REAR.0),
        ("eGeoLocFront", GeoLocation::FRONT.0),
        ("eGeoLocBottom", GeoLocation::BOTTOM.0),
        ("eGenLocPrimaryBox", GenLocation::PRIMARY_BOX.0),
        ("eGenLocOther", GenLocation::OTHER.0),
        ("ePortConnJack", PortConnection::JACK.0),
        (
            "ePortConnIntegratedDevice",
            PortConnection::INTEGRATED_DEVICE.0,
        ),
    ];
    c.extend(newtypes.iter().map(|&(n, v)| (n, i128::from(v))));
    c
}

/// The fixed part of the generated file: the headers, the `DEFINE_GUID` trick, and the
/// declarations the mingw-w64 headers lack (see the module documentation).
const PRELUDE: &str = r"/* Generated by compat-portcls/tests/abi.rs from the Rust definitions. Do not edit. */
#include <ntddk.h>

/* ksmedia.h uses TCHAR in a user-mode structure; its width does not matter here. */
typedef char TCHAR;

/* Missing from mingw-w64 ksmedia.h, needed before portcls.h (which uses them). */
typedef struct {
    ULONG FifoSize;
    ULONG ChipsetDelay;
    ULONG CodecDelay;
} KSRTAUDIO_HWLATENCY, *PKSRTAUDIO_HWLATENCY;
typedef struct {
    PVOID Register;
    ULONG Width;
    ULONGLONG Numerator;
    ULONGLONG Denominator;
    ULONG Accuracy;
} KSRTAUDIO_HWREGISTER, *PKSRTAUDIO_HWREGISTER;

#include <windef.h>
#include <basetyps.h>
#define NOBITMAP
#include <mmreg.h>
#undef NOBITMAP
#include <ks.h>
#include <ksmedia.h>

/* From here on, DEFINE_GUID(name, l, w1, w2, b1..b8) records the GUID's fields as integer
   constant expressions (enum constants) instead of declaring an extern GUID, so the header's
   values can be compared in _Static_assert. guiddef.h re-#defines DEFINE_GUID whenever it is
   included, so every header that includes it comes before this point; if one slipped in
   later, the comparisons below would name undeclared identifiers and fail to compile. */
#undef DEFINE_GUID
#define DEFINE_GUID(n, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    enum { n##__cz_d1h = (int)((((unsigned long long)(l)) >> 16) & 0xFFFF), \
           n##__cz_d1l = (int)(((unsigned long long)(l)) & 0xFFFF), \
           n##__cz_d2 = (int)((w1) & 0xFFFF), n##__cz_d3 = (int)((w2) & 0xFFFF), \
           n##__cz_b1 = (int)((b1) & 0xFF), n##__cz_b2 = (int)((b2) & 0xFF), \
           n##__cz_b3 = (int)((b3) & 0xFF), n##__cz_b4 = (int)((b4) & 0xFF), \
           n##__cz_b5 = (int)((b5) & 0xFF), n##__cz_b6 = (int)((b6) & 0xFF), \
           n##__cz_b7 = (int)((b7) & 0xFF), n##__cz_b8 = (int)((b8) & 0xFF) }
#define CZ_EXPAND(m, ...) m(__VA_ARGS__)
#define CZ_GUID_EQ(n, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    (n##__cz_d1h == (int)(((l) >> 16) & 0xFFFF) && n##__cz_d1l == (int)((l) & 0xFFFF) && \
     n##__cz_d2 == (w1) && n##__cz_d3 == (w2) && n##__cz_b1 == (b1) && n##__cz_b2 == (b2) && \
     n##__cz_b3 == (b3) && n##__cz_b4 == (b4) && n##__cz_b5 == (b5) && n##__cz_b6 == (b6) && \
     n##__cz_b7 == (b7) && n##__cz_b8 == (b8))

#include <portcls.h>

/* ---- Declared here because mingw-w64 lacks them (documented DDK layouts and values) ---- */

typedef struct {
    KSDATAFORMAT DataFormat;
    WAVEFORMATEXTENSIBLE WaveFormatExt;
} KSDATAFORMAT_WAVEFORMATEXTENSIBLE, *PKSDATAFORMAT_WAVEFORMATEXTENSIBLE;

typedef struct {
    UINT64 u64PositionInBlock;
    UINT64 u64QPCPosition;
} KSAUDIO_PRESENTATION_POSITION, *PKSAUDIO_PRESENTATION_POSITION;

#define STATIC_KSPROPSETID_Jack \
    0x4509F757, 0x2D46, 0x4637, 0x8E, 0x62, 0xCE, 0x7D, 0xB9, 0x44, 0xF5, 0x7B
enum {
    KSPROPERTY_JACK_DESCRIPTION = 1,
    KSPROPERTY_JACK_DESCRIPTION2,
    KSPROPERTY_JACK_SINK_INFO,
    KSPROPERTY_JACK_CONTAINERID
};
#define JACKDESC2_PRESENCE_DETECT_CAPABILITY 0x00000001
#define JACKDESC2_DYNAMIC_FORMAT_CHANGE_CAPABILITY 0x00000002

/* mingw-w64 stops its KSPROPERTY_RTAUDIO enum after GETPOSITIONFUNCTION; continue it. */
enum {
    KSPROPERTY_RTAUDIO_BUFFER = KSPROPERTY_RTAUDIO_GETPOSITIONFUNCTION + 1,
    KSPROPERTY_RTAUDIO_HWLATENCY,
    KSPROPERTY_RTAUDIO_POSITIONREGISTER,
    KSPROPERTY_RTAUDIO_CLOCKREGISTER,
    KSPROPERTY_RTAUDIO_BUFFER_WITH_NOTIFICATION,
    KSPROPERTY_RTAUDIO_REGISTER_NOTIFICATION_EVENT,
    KSPROPERTY_RTAUDIO_UNREGISTER_NOTIFICATION_EVENT,
    KSPROPERTY_RTAUDIO_QUERY_NOTIFICATION_SUPPORT,
    KSPROPERTY_RTAUDIO_PACKETCOUNT,
    KSPROPERTY_RTAUDIO_PRESENTATION_POSITION,
    KSPROPERTY_RTAUDIO_GETREADPACKET,
    KSPROPERTY_RTAUDIO_SETWRITEPACKET
};

DEFINE_GUID(IID_IMiniportWaveRTInputStream,
    0xCD8E756A, 0x5FC7, 0x4624, 0x98, 0x4B, 0x2A, 0xF0, 0x29, 0x25, 0xB9, 0x1F);
DEFINE_GUID(IID_IMiniportWaveRTOutputStream,
    0x831FC7BC, 0x6347, 0x44BC, 0xB4, 0x7B, 0xC0, 0xC6, 0x57, 0xB5, 0xBF, 0x73);

#undef INTERFACE
#define INTERFACE IMiniportWaveRTInputStream
DECLARE_INTERFACE_(IMiniportWaveRTInputStream, IUnknown)
{
    DEFINE_ABSTRACT_UNKNOWN()
    STDMETHOD_(NTSTATUS, GetReadPacket)(THIS_ ULONG *PacketNumber, DWORD *Flags,
        ULONG64 *PerformanceCounterValue, BOOL *MoreData) PURE;
};

#undef INTERFACE
#define INTERFACE IMiniportWaveRTOutputStream
DECLARE_INTERFACE_(IMiniportWaveRTOutputStream, IUnknown)
{
    DEFINE_ABSTRACT_UNKNOWN()
    STDMETHOD_(NTSTATUS, SetWritePacket)(THIS_ ULONG PacketNumber, DWORD Flags,
        ULONG EosPacketLength) PURE;
    STDMETHOD_(NTSTATUS, GetOutputStreamPresentationPosition)(THIS_
        KSAUDIO_PRESENTATION_POSITION *PresentationPosition) PURE;
    STDMETHOD_(NTSTATUS, GetPacketCount)(THIS_ ULONG *PacketCount) PURE;
};
#undef INTERFACE

/* ---- Assertions generated from the Rust side ---- */
";

/// The whole C file.
fn generate() -> String {
    let mut c = String::from(PRELUDE);
    let mut n = 0usize;
    let mut check = |c: &mut String, cond: String, msg: String| {
        n += 1;
        writeln!(c, "_Static_assert({cond}, \"{msg}\");").expect("writing to a String");
    };

    c.push_str("\n/* Structures */\n");
    for l in structures() {
        emit_layout(&mut c, &l, false, &mut check);
    }
    c.push_str("\n/* Vtables: slot n is at byte n * 8 */\n");
    for l in vtables() {
        emit_layout(&mut c, &l, true, &mut check);
    }

    c.push_str("\n/* GUIDs */\n");
    for (name, rust, source) in guids() {
        let (g, what) = match source {
            GuidSource::KnownHeaderBug(header) => (
                header,
                format!(
                    "GUID {name}: the header no longer has its known-wrong value {header} \
                     (Rust has the correct {rust}); re-check and drop the exception"
                ),
            ),
            GuidSource::DefineGuid | GuidSource::StaticMacro => (
                rust,
                format!("GUID {name}: the header differs from Rust's {rust}"),
            ),
        };
        let d = g.data4;
        let expected = format!(
            "0x{:08X}ULL, 0x{:04X}, 0x{:04X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, 0x{:02X}, \
             0x{:02X}, 0x{:02X}, 0x{:02X}",
            g.data1, g.data2, g.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        );
        let key = match source {
            GuidSource::DefineGuid | GuidSource::KnownHeaderBug(_) => name.to_string(),
            GuidSource::StaticMacro => {
                let key = format!("CZS_{name}");
                writeln!(c, "CZ_EXPAND(DEFINE_GUID, {key}, STATIC_{name});").expect("String");
                key
            }
        };
        check(&mut c, format!("CZ_GUID_EQ({key}, {expected})"), what);
    }

    c.push_str("\n/* Constants */\n");
    for (name, value) in constants() {
        check(
            &mut c,
            format!("(long long)({name}) == {value}LL"),
            format!("{name}: the header differs from Rust's {value}"),
        );
    }

    c.push_str("\n/* NTSTATUS values (cadenza_engine::NtStatus::ALL) */\n");
    for &(name, status) in NtStatus::ALL {
        let bits = status.0.cast_unsigned();
        check(
            &mut c,
            format!("{name} == (NTSTATUS)0x{bits:08X}UL"),
            format!("{name}: the header differs from Rust's 0x{bits:08X}"),
        );
    }
    writeln!(c, "\n/* {n} assertions */").expect("String");
    c
}

fn emit_layout(
    c: &mut String,
    l: &Layout,
    vtable: bool,
    check: &mut impl FnMut(&mut String, String, String),
) {
    let t = l.c_name;
    check(
        c,
        format!("sizeof({t}) == {}", l.size),
        format!("sizeof({t}): Rust has {}", l.size),
    );
    check(
        c,
        format!("_Alignof({t}) == {}", l.align),
        format!("alignof({t}): Rust has {}", l.align),
    );
    for &(field, offset) in &l.fields {
        let what = if vtable {
            format!(" (slot {})", offset / SLOT_BYTES)
        } else {
            String::new()
        };
        check(
            c,
            format!("offsetof({t}, {field}) == {offset}"),
            format!("offsetof({t}, {field}): Rust has {offset}{what}"),
        );
    }
}

#[path = "../../tools/test-support/require_mingw.rs"]
mod require_mingw;
use require_mingw::{REQUIRE_MINGW, mingw_required};

/// The compiler and the `ddk` include directory, if installed.
fn toolchain() -> Result<(PathBuf, PathBuf), String> {
    let gcc = std::env::var_os("MINGW_GCC")
        .map_or_else(|| PathBuf::from("x86_64-w64-mingw32-gcc"), PathBuf::from);
    match Command::new(&gcc).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => return Err(format!("{} --version failed: {}", gcc.display(), o.status)),
        Err(e) => return Err(format!("cannot run {}: {e}", gcc.display())),
    }
    let candidates: Vec<PathBuf> = match std::env::var_os("MINGW_DDK_INCLUDE") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            PathBuf::from("/usr/share/mingw-w64/include/ddk"),
            PathBuf::from("/usr/x86_64-w64-mingw32/include/ddk"),
            PathBuf::from("/usr/x86_64-w64-mingw32/sys-root/mingw/include/ddk"),
        ],
    };
    candidates
        .into_iter()
        .find(|d| d.join("portcls.h").is_file())
        .map(|ddk| (gcc, ddk))
        .ok_or_else(|| "no mingw-w64 ddk/portcls.h found (set MINGW_DDK_INCLUDE)".to_string())
}

fn compile(gcc: &Path, ddk: &Path, source: &Path) -> Result<(), String> {
    let out = Command::new(gcc)
        .args(["-fsyntax-only", "-std=gnu11", "-Wall", "-Wno-unused"])
        .arg("-I")
        .arg(ddk)
        .arg(source)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", gcc.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn layouts_match_the_mingw_ddk_headers() {
    let source = generate();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cadenza_portcls_abi_check.c");
    std::fs::write(&path, &source).expect("write the generated C file");

    let (gcc, ddk) = match toolchain() {
        Ok(t) => t,
        Err(why) => {
            assert!(
                !mingw_required(std::env::var_os(REQUIRE_MINGW).as_deref()),
                "ABI check cannot run, and {REQUIRE_MINGW} makes it mandatory: {why}. Install \
                 gcc-mingw-w64-x86-64 and mingw-w64-x86-64-dev."
            );
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !!! WARNING: PortCls ABI check SKIPPED: {why}\n\
                 !!! Nothing about the COM/KS layouts was verified. Install\n\
                 !!! gcc-mingw-w64-x86-64 and mingw-w64-x86-64-dev (or set MINGW_GCC /\n\
                 !!! MINGW_DDK_INCLUDE). With CADENZA_REQUIRE_MINGW=1 this fails.\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            return;
        }
    };

    if let Err(errors) = compile(&gcc, &ddk, &path) {
        let failed: Vec<&str> = errors.lines().filter(|l| l.contains("error")).collect();
        panic!(
            "PortCls ABI mismatch: {} error(s) compiling {}\n{}\n\n--- full compiler output ---\n{errors}",
            failed.len(),
            path.display(),
            failed.join("\n"),
        );
    }
}

#[test]
fn generator_covers_every_status_and_slot() {
    let c = generate();
    for &(name, _) in NtStatus::ALL {
        assert!(
            c.contains(&format!("_Static_assert({name} ==")),
            "{name} not checked"
        );
    }
    // 15 slots of the notification vtable, each at slot * 8.
    assert!(c.contains(
        "offsetof(IMiniportWaveRTStreamNotificationVtbl, UnregisterNotificationEvent) == 112"
    ));
    assert!(c.contains("sizeof(IMiniportWaveRTStreamNotificationVtbl) == 120"));
    assert!(c.contains("CZ_EXPAND(DEFINE_GUID, CZS_KSPROPSETID_Jack, STATIC_KSPROPSETID_Jack);"));
}
