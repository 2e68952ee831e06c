//! The WaveRT miniport (`IMiniportWaveRT`) of one cable: a filter with a render and a capture
//! path, each a host (streaming) pin and a bridge pin to the topology filter.
//!
//! ```text
//!  pin 0 render host (IN, sink)  ──▶ pin 1 render bridge (OUT) ──▶ topology pin 0
//!  pin 3 capture host (OUT, sink) ◀── pin 2 capture bridge (IN) ◀── topology pin 3
//! ```
//!
//! The data ranges come from the engine ([`PinCapabilities::ks_audio_ranges`]: one
//! KSDATARANGE_AUDIO per bit band per rate, the preferred format's first), so they depend on
//! the configuration and the description is built per miniport, in one heap block whose
//! tables point into each other. The filter has no nodes: the volume and mute nodes the
//! endpoint exposes live on the topology filter. Its automation table carries the live-status
//! property ([`crate::live_status`]).

use alloc::boxed::Box;
use core::ffi::c_void;
use core::ptr::{self, null, null_mut};

use cadenza_engine::format::parse::{
    KSDATAFORMAT_SIZE, KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, parse_data_format, write_data_format,
};
use cadenza_engine::format::range::{KsAudioRange, PinCapabilities};
use cadenza_engine::platform::Platform;
use cadenza_engine::stream::Direction;
use cadenza_engine::{Format, FormatError, Guid, NtStatus};

use crate::com::{
    IMiniportVtbl, IMiniportWaveRTStream, IMiniportWaveRTVtbl, IPortWaveRT, IPortWaveRTStream,
    IResourceList, IUnknown,
};
use crate::descriptor::ANALOG_RANGES;
use crate::descriptor::{
    PCFILTER_NODE, PcConnectionDescriptor, PcFilterDescriptor, PcPinDescriptor,
};
use crate::device::{PcHost, SharedHost};
use crate::guids::{
    IID_IMiniport, IID_IMiniportWaveRT, IID_IUnknown, KSCATEGORY_AUDIO, KSCATEGORY_CAPTURE,
    KSCATEGORY_REALTIME, KSCATEGORY_RENDER, KSDATAFORMAT_TYPE_AUDIO,
};
use crate::kernel::{DeviceDescription, DeviceDescriptionV2};
use crate::ks::{KsDataFormat, KsDataRange, KsPinCommunication, KsPinDataFlow, KsPinDescriptor};
use crate::ksaudio::KsDataRangeAudio;
use crate::live_status::{StatusSource, WAVE_FILTER_AUTOMATION, WavePrefix};
use crate::object::{ComClass, ComObject, Interface, unknown_add_ref, unknown_release, write_out};
use crate::stream::WaveStream;

/// Render host pin: the client writes audio into the filter.
pub const WAVE_PIN_RENDER_HOST: u32 = 0;
/// Render bridge pin: connects to the topology filter's render input.
pub const WAVE_PIN_RENDER_BRIDGE: u32 = 1;
/// Capture bridge pin: comes from the topology filter's capture output.
pub const WAVE_PIN_CAPTURE_BRIDGE: u32 = 2;
/// Capture host pin: the client reads audio out of the filter.
pub const WAVE_PIN_CAPTURE_HOST: u32 = 3;
/// Pins of the wave filter.
pub const WAVE_PIN_COUNT: usize = 4;

/// The largest KSDATAFORMAT / KSDATARANGE we read from a caller. Audio formats are 64 + 40
/// bytes; anything much larger is not an audio format we could accept, and capping the read
/// keeps a lying FormatSize from walking through memory.
const MAX_FORMAT_BYTES: usize = 1024;

/// `INTERFACE_TYPE::PCIBus`.
const PCI_BUS: i32 = 5;

static CONNECTIONS: [PcConnectionDescriptor; 2] = [
    PcConnectionDescriptor::new(
        PCFILTER_NODE,
        WAVE_PIN_RENDER_HOST,
        PCFILTER_NODE,
        WAVE_PIN_RENDER_BRIDGE,
    ),
    PcConnectionDescriptor::new(
        PCFILTER_NODE,
        WAVE_PIN_CAPTURE_BRIDGE,
        PCFILTER_NODE,
        WAVE_PIN_CAPTURE_HOST,
    ),
];

static CATEGORIES: [Guid; 4] = [
    KSCATEGORY_AUDIO,
    KSCATEGORY_RENDER,
    KSCATEGORY_CAPTURE,
    KSCATEGORY_REALTIME,
];

/// The filter description of one wave miniport: tables pointing into each other. Never moved
/// after [`WaveDescription::new`] fills the pointers (it lives in a `Box`).
///
/// The ranges and their pointer table are heap slices of exactly the published length, built
/// element by element: inline arrays of `MAX_KS_AUDIO_RANGES` made the description 3.4 KB,
/// and building it a frame over a page (a `__chkstk` probe) in debug builds
/// (tools/stack-check.sh).
#[derive(Debug)]
pub struct WaveDescription {
    ranges: Box<[KsDataRangeAudio]>,
    range_ptrs: Box<[*const KsDataRange]>,
    range_count: u32,
    pins: [PcPinDescriptor; WAVE_PIN_COUNT],
    filter: PcFilterDescriptor,
}

fn pin(
    max_instances: u32,
    ranges: (*const *const KsDataRange, u32),
    data_flow: KsPinDataFlow,
    communication: KsPinCommunication,
) -> PcPinDescriptor {
    PcPinDescriptor {
        max_global_instance_count: max_instances,
        max_filter_instance_count: max_instances,
        min_filter_instance_count: 0,
        automation_table: null(),
        ks_pin_descriptor: KsPinDescriptor {
            interfaces_count: 0,
            interfaces: null(),
            mediums_count: 0,
            mediums: null(),
            data_ranges_count: ranges.1,
            data_ranges: ranges.0,
            data_flow,
            communication,
            category: ptr::from_ref(&KSCATEGORY_AUDIO),
            name: null(),
            constrained_data_ranges_count: 0,
            constrained_data_ranges: null(),
        },
    }
}

fn to_ks_range(r: &KsAudioRange) -> KsDataRangeAudio {
    KsDataRangeAudio {
        data_range: KsDataFormat::new(
            // 88: a constant that fits.
            u32::try_from(core::mem::size_of::<KsDataRangeAudio>()).unwrap_or(u32::MAX),
            0,
            0,
            KSDATAFORMAT_TYPE_AUDIO,
            r.sub_format,
            cadenza_engine::format::parse::KSDATAFORMAT_SPECIFIER_WAVEFORMATEX,
        ),
        maximum_channels: r.max_channels,
        minimum_bits_per_sample: r.min_bits,
        maximum_bits_per_sample: r.max_bits,
        minimum_sample_frequency: r.min_hz,
        maximum_sample_frequency: r.max_hz,
    }
}

impl WaveDescription {
    /// Builds the description for `caps`. PASSIVE_LEVEL (allocates).
    pub fn new(caps: &PinCapabilities) -> Result<Box<WaveDescription>, NtStatus> {
        let ranges: Box<[KsDataRangeAudio]> =
            caps.ks_audio_ranges().iter().map(to_ks_range).collect();
        let range_count = u32::try_from(ranges.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let empty_pin = pin(0, (null(), 0), KsPinDataFlow::IN, KsPinCommunication::NONE);
        let mut d = Box::new(WaveDescription {
            ranges,
            range_ptrs: Box::default(),
            range_count,
            pins: [empty_pin; WAVE_PIN_COUNT],
            filter: PcFilterDescriptor {
                version: 0,
                automation_table: null(),
                pin_size: 0,
                pin_count: 0,
                pins: null(),
                node_size: 0,
                node_count: 0,
                nodes: null(),
                connection_count: 0,
                connections: null(),
                category_count: 0,
                categories: null(),
            },
        });
        // The tables point into each other; the pointers are taken only now that every table
        // is in its final place.
        d.range_ptrs = d
            .ranges
            .iter()
            .map(|r| ptr::from_ref(r).cast::<KsDataRange>())
            .collect();
        let host = (d.range_ptrs.as_ptr(), d.range_count);
        let analog = (ANALOG_RANGES.as_ptr().cast::<*const KsDataRange>(), 1);
        d.pins = [
            pin(1, host, KsPinDataFlow::IN, KsPinCommunication::SINK),
            pin(0, analog, KsPinDataFlow::OUT, KsPinCommunication::NONE),
            pin(0, analog, KsPinDataFlow::IN, KsPinCommunication::NONE),
            pin(1, host, KsPinDataFlow::OUT, KsPinCommunication::SINK),
        ];
        let filter = PcFilterDescriptor {
            version: 0,
            automation_table: WAVE_FILTER_AUTOMATION.as_ptr(),
            pin_size: size_u32::<PcPinDescriptor>(),
            pin_count: size_u32::<[PcPinDescriptor; WAVE_PIN_COUNT]>()
                / size_u32::<PcPinDescriptor>(),
            pins: d.pins.as_ptr(),
            node_size: 0,
            node_count: 0,
            nodes: null(),
            connection_count: 2,
            connections: CONNECTIONS.as_ptr(),
            category_count: 4,
            categories: CATEGORIES.as_ptr(),
        };
        d.filter = filter;
        Ok(d)
    }

    /// `PPCFILTER_DESCRIPTOR` as PortCls receives it.
    pub fn filter(&self) -> *const PcFilterDescriptor {
        &raw const self.filter
    }

    /// The published ranges (tests and the simulator).
    pub fn ranges(&self) -> &[KsDataRangeAudio] {
        &self.ranges
    }
}

const fn size_u32<T>() -> u32 {
    #[allow(clippy::cast_possible_truncation)] // descriptor structs are a few hundred bytes
    let n = core::mem::size_of::<T>() as u32;
    n
}

/// Reads a caller's KSDATAFORMAT / KSDATARANGE as bytes: its FormatSize, capped at
/// [`MAX_FORMAT_BYTES`], from its header.
///
/// # Safety
/// `header` must be null or point to a KS data format or range that is readable for its
/// FormatSize bytes (KS validates that against the request's buffer).
unsafe fn format_bytes<'a>(header: *const KsDataFormat) -> Option<&'a [u8]> {
    if header.is_null() {
        return None;
    }
    // SAFETY: non-null; the header's first field is readable (see the function's contract).
    let field = unsafe { &raw const (*header).format_size };
    // SAFETY: `field` is FormatSize inside the non-null header, readable (the function's
    // contract); unaligned because a client buffer need not be aligned.
    let size = unsafe { field.read_unaligned() };
    // Below the header: still read the header (KS guarantees that much) and let the parser
    // refuse the size. Above the cap: read the cap, and the parser reports the shortfall.
    let len = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .clamp(KSDATAFORMAT_SIZE, MAX_FORMAT_BYTES);
    // SAFETY: readable for max(FormatSize, header) bytes (contract), and `len` is no more.
    Some(unsafe { core::slice::from_raw_parts(header.cast::<u8>(), len) })
}

/// DataRangeIntersection for a host pin, as plain Rust: the engine's intersection with the
/// client's range, kept only if `matching` (our range PortCls is asking about) admits it, and
/// written with the documented size-query protocol. Returns the status and the resultant
/// length to report.
pub fn intersect(
    caps: &PinCapabilities,
    client: &[u8],
    matching: Option<&KsDataRangeAudio>,
    output: Option<&mut [u8]>,
) -> (NtStatus, u32) {
    let format = match caps.intersect(client) {
        Ok(f) => f,
        // A client buffer shorter than its own FormatSize is a malformed request, not a
        // too-small output buffer.
        Err(FormatError::TooShort) => return (NtStatus::INVALID_PARAMETER, 0),
        Err(e) => return (e.into(), 0),
    };
    if let Some(m) = matching
        && !admits(m, &format)
    {
        return (NtStatus::NO_MATCH, 0);
    }
    let needed = u32::try_from(KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE).unwrap_or(u32::MAX);
    match output {
        // OutputBufferLength 0: a size query.
        None => (NtStatus::BUFFER_OVERFLOW, needed),
        Some(out) if out.len() < KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE => {
            (NtStatus::BUFFER_TOO_SMALL, needed)
        }
        Some(out) => match write_data_format(&format, out) {
            Ok(n) => (NtStatus::SUCCESS, u32::try_from(n).unwrap_or(needed)),
            Err(e) => (e.into(), 0),
        },
    }
}

/// Whether our KSDATARANGE_AUDIO admits `f`.
fn admits(m: &KsDataRangeAudio, f: &Format) -> bool {
    KsAudioRange {
        sub_format: m.data_range.sub_format,
        max_channels: m.maximum_channels,
        min_bits: m.minimum_bits_per_sample,
        max_bits: m.maximum_bits_per_sample,
        min_hz: m.minimum_sample_frequency,
        max_hz: m.maximum_sample_frequency,
    }
    .admits(f)
}

/// The WaveRT miniport class: the data of a `ComObject<WaveMiniport<P>>`, whose address is its
/// `IMiniportWaveRT` (and `IMiniport`, `IUnknown`) interface pointer.
///
/// `#[repr(C)]` with `status` first: the live-status handler, a plain function, reads it
/// through [`WavePrefix`].
#[repr(C)]
pub struct WaveMiniport<P: Platform + 'static> {
    /// Points into `device`, which the object keeps alive.
    status: *const dyn StatusSource,
    device: SharedHost<P>,
    description: Box<WaveDescription>,
    /// The port, AddRef'd in Init, released at destruction.
    port: *mut IPortWaveRT,
}

impl<P: Platform + 'static> core::fmt::Debug for WaveMiniport<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaveMiniport")
            .field("cable", &self.device.index())
            .finish_non_exhaustive()
    }
}

impl<P: Platform + 'static> Drop for WaveMiniport<P> {
    fn drop(&mut self) {
        if !self.port.is_null() {
            // SAFETY: the port reference taken in Init is ours to release.
            unsafe { unknown_release(self.port.cast()) };
        }
    }
}

/// The miniport object itself.
type Object<P> = ComObject<WaveMiniport<P>>;

// SAFETY: VTBL's IUnknown slots are `ComObject::UNKNOWN` and its methods take the object;
// there is no secondary interface.
unsafe impl<P: Platform + 'static> ComClass for WaveMiniport<P> {
    type Vtbl = IMiniportWaveRTVtbl<Object<P>>;
    const VTBL: &'static Self::Vtbl = &IMiniportWaveRTVtbl {
        base: IMiniportVtbl {
            base: Object::<P>::UNKNOWN,
            get_description: Self::get_description,
            data_range_intersection: Self::data_range_intersection,
        },
        init: Self::init,
        new_stream: Self::new_stream,
        get_device_description: Self::get_device_description,
    };

    fn interface(&self, iid: &Guid) -> Option<Interface> {
        [IID_IUnknown, IID_IMiniport, IID_IMiniportWaveRT]
            .contains(iid)
            .then_some(Interface::Primary)
    }
}

impl<P: Platform + 'static> WaveMiniport<P> {
    /// The live-status handler reads `status` through [`WavePrefix`]: it must sit where the
    /// prefix says. Evaluated (at compile time) by `create`.
    const PREFIX_MATCHES: () = assert!(
        Object::<P>::DATA_OFFSET + core::mem::offset_of!(Self, status)
            == core::mem::offset_of!(WavePrefix, status)
    );

    /// Creates the miniport for `device` with one reference (the caller's). PASSIVE_LEVEL.
    /// The returned pointer is the object's `IUnknown`; hand it to `IPort::Init`, then
    /// release it.
    pub fn create(device: SharedHost<P>) -> Result<*mut IUnknown, NtStatus> {
        let () = Self::PREFIX_MATCHES;
        let description = WaveDescription::new(device.capabilities())?;
        let concrete: *const PcHost<P> = &raw const *device;
        let status: *const dyn StatusSource = concrete;
        let object = Object::create(WaveMiniport {
            status,
            device,
            description,
            port: null_mut(),
        });
        Ok(object.cast())
    }

    /// # Safety
    /// `this` must be a live object created by [`Self::create`].
    unsafe fn object<'a>(this: *mut Object<P>) -> &'a Self {
        // SAFETY: `this` is a live object made by `create` (contract); callers use the
        // reference only during the COM call that keeps the object alive.
        unsafe { Object::data(this) }
    }

    /// IMiniport::GetDescription. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live miniport created by [`Self::create`] (PortCls calls through the vtable
    /// `create` installed, holding a reference); `out` must be null (refused) or valid for an
    /// unaligned write of one pointer.
    unsafe extern "system" fn get_description(
        this: *mut Object<P>,
        out: *mut *mut PcFilterDescriptor,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live miniport for the whole call.
        let me = unsafe { Self::object(this) };
        // SAFETY: PortCls passes a writable pointer (or null, refused).
        if unsafe { write_out(out, me.description.filter().cast_mut()) } {
            NtStatus::SUCCESS
        } else {
            NtStatus::INVALID_PARAMETER
        }
    }

    /// IMiniport::DataRangeIntersection. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live miniport created by [`Self::create`] (PortCls holds a reference);
    /// `data_range` must be null or readable for its FormatSize bytes, `matching_data_range` null
    /// or a readable KSDATARANGE (one of ours), `resultant_format` writable for
    /// `output_buffer_length` bytes and `resultant_format_length` null (refused) or writable.
    unsafe extern "system" fn data_range_intersection(
        this: *mut Object<P>,
        pin_id: u32,
        data_range: *mut KsDataRange,
        matching_data_range: *mut KsDataRange,
        output_buffer_length: u32,
        resultant_format: *mut c_void,
        resultant_format_length: *mut u32,
    ) -> NtStatus {
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live miniport for the whole call.
        let me = unsafe { Self::object(this) };
        match pin_id {
            WAVE_PIN_RENDER_HOST | WAVE_PIN_CAPTURE_HOST => {}
            // Bridge pins: the port's default handler knows analog ranges.
            WAVE_PIN_RENDER_BRIDGE | WAVE_PIN_CAPTURE_BRIDGE => {
                return NtStatus::NOT_IMPLEMENTED;
            }
            _ => return NtStatus::INVALID_PARAMETER,
        }
        if resultant_format_length.is_null()
            || (resultant_format.is_null() && output_buffer_length != 0)
        {
            return NtStatus::INVALID_PARAMETER;
        }
        // SAFETY: KS validated the client's range against its buffer.
        let Some(client) = (unsafe { format_bytes(data_range) }) else {
            return NtStatus::INVALID_PARAMETER;
        };
        // Our own range (one of ours, from the description): read it only if it has the
        // KSDATARANGE_AUDIO size.
        let matching = if matching_data_range.is_null() {
            None
        } else {
            // SAFETY: non-null, and PortCls passes one of our own ranges.
            let size = unsafe { (*matching_data_range).format_size };
            if size as usize == core::mem::size_of::<KsDataRangeAudio>() {
                // SAFETY: our ranges are KsDataRangeAudio values in the description.
                Some(unsafe { &*matching_data_range.cast::<KsDataRangeAudio>() })
            } else {
                None
            }
        };
        let output = if output_buffer_length == 0 {
            None
        } else {
            // SAFETY: non-null (checked) and writable for OutputBufferLength bytes (contract).
            Some(unsafe {
                core::slice::from_raw_parts_mut(
                    resultant_format.cast::<u8>(),
                    output_buffer_length as usize,
                )
            })
        };
        let (status, length) = intersect(me.device.capabilities(), client, matching, output);
        if status.is_success() || status == NtStatus::BUFFER_OVERFLOW {
            // SAFETY: non-null (checked), writable by contract.
            unsafe { resultant_format_length.write_unaligned(length) };
        }
        status
    }

    /// IMiniportWaveRT::Init. PASSIVE_LEVEL. Keeps a reference to the port.
    ///
    /// # Safety
    /// `this` must be a live miniport created by [`Self::create`] that no other thread uses during
    /// the call (PortCls calls Init once, from IPort::Init, before any other method); `port` must
    /// be null (refused) or a live IPortWaveRT interface pointer.
    unsafe extern "system" fn init(
        this: *mut Object<P>,
        _unknown_adapter: *mut IUnknown,
        _resource_list: *mut IResourceList,
        port: *mut IPortWaveRT,
    ) -> NtStatus {
        if port.is_null() {
            return NtStatus::INVALID_PARAMETER;
        }
        // SAFETY: `this` is live; Init runs once, before any other thread can use the
        // miniport (PortCls calls it from IPort::Init), so writing the field cannot race.
        let slot = unsafe { &mut (*Object::data_ptr(this)).port };
        if !slot.is_null() {
            return NtStatus::INVALID_DEVICE_STATE;
        }
        // SAFETY: the port is a live interface pointer during Init.
        unsafe { unknown_add_ref(port.cast()) };
        *slot = port;
        NtStatus::SUCCESS
    }

    /// IMiniportWaveRT::NewStream. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `this` must be a live miniport created by [`Self::create`] (PortCls calls through the vtable
    /// `create` installed, holding a reference); `out` must be null (refused) or writable for one
    /// pointer, `port_stream` null (refused) or a live IPortWaveRTStream, and `data_format` null or
    /// readable for its FormatSize bytes (KS validates it).
    unsafe extern "system" fn new_stream(
        this: *mut Object<P>,
        out: *mut *mut IMiniportWaveRTStream,
        port_stream: *mut IPortWaveRTStream,
        pin: u32,
        capture: u8,
        data_format: *mut KsDataFormat,
    ) -> NtStatus {
        if out.is_null() || port_stream.is_null() {
            return NtStatus::INVALID_PARAMETER;
        }
        // SAFETY: `out` is non-null and writable; clear it first so every failure leaves null.
        unsafe { out.write(null_mut()) };
        let direction = match (pin, capture != 0) {
            (WAVE_PIN_RENDER_HOST, false) => Direction::Render,
            (WAVE_PIN_CAPTURE_HOST, true) => Direction::Capture,
            _ => return NtStatus::INVALID_PARAMETER,
        };
        // SAFETY: PortCls calls through an interface pointer it holds a reference on, and only
        // `create` installs this vtable, so `this` is a live miniport for the whole call.
        let me = unsafe { Self::object(this) };
        // SAFETY: KS validated the format against the pin-create request's buffer.
        let Some(bytes) = (unsafe { format_bytes(data_format) }) else {
            return NtStatus::INVALID_PARAMETER;
        };
        let format = match parse_data_format(bytes) {
            Ok(f) => f,
            Err(e) => return e.into(),
        };
        if let Err(e) = me.device.capabilities().supports(&format) {
            return e.into();
        }
        match WaveStream::create(me.device.clone(), port_stream, direction, format) {
            Ok(stream) => {
                // SAFETY: non-null and writable (checked above).
                unsafe { out.write(stream) };
                NtStatus::SUCCESS
            }
            Err(e) => e,
        }
    }

    /// IMiniportWaveRT::GetDeviceDescription. PASSIVE_LEVEL. The virtual device has no DMA
    /// engine; it describes a 32-bit scatter/gather bus master, as Microsoft's virtual
    /// samples do, so the port can create its DMA adapter object.
    ///
    /// # Safety
    /// `description` must be null (refused) or valid for an unaligned write of the version-2 part
    /// of a DEVICE_DESCRIPTION; `_this` is not used.
    unsafe extern "system" fn get_device_description(
        _this: *mut Object<P>,
        description: *mut DeviceDescription,
    ) -> NtStatus {
        let value = DeviceDescriptionV2 {
            master: 1,
            scatter_gather: 1,
            dma32_bit_addresses: 1,
            interface_type: PCI_BUS,
            maximum_length: u32::MAX,
            ..DeviceDescriptionV2::default()
        };
        // SAFETY: PortCls passes a DEVICE_DESCRIPTION, which is at least the version-2 part.
        if unsafe { write_out(description.cast::<DeviceDescriptionV2>(), value) } {
            NtStatus::SUCCESS
        } else {
            NtStatus::INVALID_PARAMETER
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cadenza_engine::config::DeviceConfig;
    use cadenza_engine::format::parse::KSDATAFORMAT_SUBTYPE_IEEE_FLOAT;

    fn caps() -> PinCapabilities {
        DeviceConfig::default().pin_capabilities().unwrap()
    }

    #[test]
    fn description_points_into_itself() {
        let d = WaveDescription::new(&caps()).unwrap();
        // SAFETY: `filter()` points into `d`, alive here.
        let f = unsafe { &*d.filter() };
        assert_eq!((f.pin_count, f.connection_count, f.node_count), (4, 2, 0));
        // SAFETY: `f.pins` points at `d`'s array of WAVE_PIN_COUNT (4) pin descriptors, alive
        // and unmodified while `pins` is used.
        let pins = unsafe { core::slice::from_raw_parts(f.pins, 4) };
        let host = &pins[0].ks_pin_descriptor;
        assert_eq!(host.data_ranges_count as usize, d.ranges().len());
        // SAFETY: `data_ranges` points at the description's pointer table.
        let first = unsafe { *host.data_ranges };
        assert_eq!(
            first.cast::<KsDataRangeAudio>(),
            ptr::from_ref(&d.ranges()[0])
        );
        // The preferred (default) format's range comes first: 48 kHz float.
        assert_eq!(
            d.ranges()[0].data_range.sub_format,
            KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
        );
        assert_eq!(d.ranges()[0].minimum_sample_frequency, 48_000);
        assert_eq!(
            pins[1].ks_pin_descriptor.communication,
            KsPinCommunication::NONE
        );
        assert_eq!(pins[3].ks_pin_descriptor.data_flow, KsPinDataFlow::OUT);
        assert_eq!(pins[0].max_filter_instance_count, 1);
    }

    fn range_bytes(r: &KsDataRangeAudio) -> &[u8] {
        // SAFETY: a plain-data struct viewed as its bytes.
        unsafe {
            core::slice::from_raw_parts(
                ptr::from_ref(r).cast::<u8>(),
                core::mem::size_of::<KsDataRangeAudio>(),
            )
        }
    }

    #[test]
    fn intersection_follows_the_size_protocol() {
        let c = caps();
        let d = WaveDescription::new(&c).unwrap();
        let ours = &d.ranges()[0];
        let client = range_bytes(ours);
        assert_eq!(
            intersect(&c, client, Some(ours), None),
            (NtStatus::BUFFER_OVERFLOW, 104)
        );
        let mut small = [0u8; 103];
        assert_eq!(
            intersect(&c, client, Some(ours), Some(&mut small)),
            (NtStatus::BUFFER_TOO_SMALL, 104)
        );
        assert!(small.iter().all(|&b| b == 0));
        let mut out = [0u8; 200];
        assert_eq!(
            intersect(&c, client, Some(ours), Some(&mut out)),
            (NtStatus::SUCCESS, 104)
        );
        assert_eq!(parse_data_format(&out[..104]), Ok(c.preferred()));
        // A range of ours that does not admit the result: no match, so PortCls tries the next.
        if let Some(other) = d.ranges().get(1) {
            assert_eq!(
                intersect(&c, client, Some(other), Some(&mut out)).0,
                NtStatus::NO_MATCH
            );
        }
        assert_eq!(
            intersect(&c, &client[..40], Some(ours), Some(&mut out)).0,
            NtStatus::INVALID_PARAMETER
        );
        let mut foreign = *ours;
        foreign.data_range.major_format = Guid::from_u128(7);
        assert_eq!(
            intersect(&c, range_bytes(&foreign), None, Some(&mut out)).0,
            NtStatus::NO_MATCH
        );
    }
}
