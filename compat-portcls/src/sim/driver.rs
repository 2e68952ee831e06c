//! [`PortClsDriver`]: one cable's wave and topology miniports, driven through their vtables.

use std::string::{String, ToString};
use std::sync::Arc;
use std::vec::Vec;

use core::ffi::c_void;
use core::ptr::null_mut;

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::Presence;
use cadenza_engine::format::parse::{KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, write_data_format};
use cadenza_engine::geometry::{BufferGeometry, BufferLimits, PacketCount};
use cadenza_engine::platform::EventHandle;
use cadenza_engine::state::KsState as EngineState;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::Ticks;
use cadenza_engine::{Format, Guid, NtStatus};
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::scenario::{ClientBuffer, DriverUnderTest, Published};

use super::port::{SimCounters, SimMdl, SimPortStream, SimPortWaveRT};
use crate::com::{
    IMiniportTopology, IMiniportWaveRT, IMiniportWaveRTInputStream, IMiniportWaveRTOutputStream,
    IMiniportWaveRTStream, IMiniportWaveRTStreamNotification, IUnknown,
};
use crate::descriptor::{PCFILTER_NODE, PcFilterDescriptor, PcPropertyRequest};
use crate::device::{SharedHost, create_host};
use crate::guids::{
    IID_IMiniportTopology, IID_IMiniportWaveRTInputStream, IID_IMiniportWaveRTOutputStream,
    IID_IMiniportWaveRTStreamNotification,
};
use crate::kernel::{KEvent, Mdl, MemoryCachingType};
use crate::ks::{KsDataFormat, KsState};
use crate::ksaudio::{KsAudioPosition, KsAudioPresentationPosition};
use crate::object::unknown_release;
use crate::power::Adapter;
use crate::topology::TopologyMiniport;
use crate::wave::{WAVE_PIN_CAPTURE_HOST, WAVE_PIN_RENDER_HOST, WaveMiniport};

/// A data format as a client sends it, 8-aligned like an IRP buffer.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(8))]
pub struct FormatBuffer(pub [u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE]);

impl FormatBuffer {
    /// `format` as KSDATAFORMAT_WAVEFORMATEXTENSIBLE.
    pub fn new(format: &Format) -> FormatBuffer {
        let mut b = FormatBuffer([0; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE]);
        let _ = write_data_format(format, &mut b.0);
        b
    }

    pub fn as_ks(&mut self) -> *mut KsDataFormat {
        self.0.as_mut_ptr().cast()
    }
}

/// One open pin instance, as the port holds it.
#[derive(Debug)]
pub struct SimStream {
    pub direction: Direction,
    pub format: Format,
    /// IMiniportWaveRTStreamNotification (the NewStream reference, re-typed by QI).
    pub stream: *mut IMiniportWaveRTStreamNotification,
    /// IMiniportWaveRTOutputStream (render) or IMiniportWaveRTInputStream (capture).
    pub packet: *mut c_void,
    /// The port stream the port created for NewStream (the driver's reference).
    pub port_stream: *mut IUnknown,
    pub event: *mut KEvent,
    pub event_registered: bool,
    /// MDL and size of the allocated buffer.
    pub buffer: Option<(*mut Mdl, u32)>,
    pub geometry: Option<BufferGeometry>,
}

/// The PortCls framework's driver under test: one cable, its wave miniport behind our
/// IPortWaveRT, its topology miniport, and the adapter object.
#[derive(Debug)]
pub struct PortClsDriver {
    platform: SimPlatform,
    counters: Arc<SimCounters>,
    cable: SharedHost<SimPlatform>,
    /// What StartDevice set on the pair's interfaces (IoSetDeviceInterfacePropertyData).
    published: Published,
    adapter: *mut IUnknown,
    port: *mut SimPortWaveRT,
    topology: *mut IMiniportTopology,
    streams: [Option<SimStream>; 2],
    pending: [Vec<Ticks>; 2],
    violations: Vec<String>,
    more_violations: u64,
}

/// Contract breaks kept in words (the rest are counted).
pub const MAX_VIOLATIONS: usize = 16;

fn slot(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

/// Calls a method of an interface through its vtable: `vcall!(ptr, field.path(args))`.
macro_rules! vcall {
    ($p:expr, $($field:ident).+ ($($arg:expr),* $(,)?)) => {{
        let p = $p;
        // SAFETY: `p` is a live interface pointer the driver holds a reference to.
        let vtbl = unsafe { &*(*p).vtbl };
        let f = vtbl.$($field).+;
        // SAFETY: calling the method on its own object with arguments valid for the call.
        unsafe { f(p, $($arg),*) }
    }};
}
#[cfg(test)]
pub(crate) use vcall;

impl PortClsDriver {
    /// One cable with the default configuration.
    pub fn new(platform: SimPlatform) -> Result<PortClsDriver, NtStatus> {
        Self::with_config(platform, &DeviceConfig::default())
    }

    /// One cable (the first of `config`) wired as StartDevice wires it: the wave miniport
    /// initialised by our port, the topology miniport, the adapter.
    pub fn with_config(
        platform: SimPlatform,
        config: &DeviceConfig,
    ) -> Result<PortClsDriver, NtStatus> {
        let counters = Arc::new(SimCounters::default());
        let cable = create_host(platform.clone(), 0, config)?;
        let published = Published::record(&crate::interfaces::interface_properties(&cable));
        let adapter = Adapter::create(std::vec![cable.clone()]);
        let wave = match WaveMiniport::create(cable.clone()) {
            Ok(w) => w,
            Err(e) => {
                // SAFETY: the adapter reference made above.
                unsafe { unknown_release(adapter) };
                return Err(e);
            }
        };
        let port = SimPortWaveRT::create(counters.clone());
        let status = vcall!(
            port.cast::<crate::com::IPortWaveRT>(),
            init(null_mut(), null_mut(), wave, adapter, null_mut())
        );
        // The port holds its own miniport reference now (or failed); drop the creator's.
        // SAFETY: the reference `create` returned.
        unsafe { unknown_release(wave) };
        let topo_unknown = TopologyMiniport::create(cable.clone());
        let mut topology: *mut c_void = null_mut();
        let qi = vcall!(
            topo_unknown,
            query_interface(&IID_IMiniportTopology, &raw mut topology)
        );
        // SAFETY: the creator's reference; the QI reference (if any) remains.
        unsafe { unknown_release(topo_unknown) };
        let driver = PortClsDriver {
            platform,
            counters,
            cable,
            published,
            adapter,
            port,
            topology: topology.cast(),
            streams: [None, None],
            pending: [Vec::new(), Vec::new()],
            violations: Vec::new(),
            more_violations: 0,
        };
        if !status.is_success() {
            return Err(status);
        }
        if !qi.is_success() {
            return Err(qi);
        }
        let topo_init = vcall!(driver.topology, init(adapter, null_mut(), null_mut()));
        // The topology port is not simulated: Init must refuse a null port.
        if topo_init != NtStatus::INVALID_PARAMETER {
            return Err(NtStatus::UNSUCCESSFUL);
        }
        Ok(driver)
    }

    pub fn cable(&self) -> &SharedHost<SimPlatform> {
        &self.cable
    }

    pub fn counters(&self) -> &SimCounters {
        &self.counters
    }

    /// The counters, kept: they outlive the driver, so a test can see what its teardown left.
    pub fn shared_counters(&self) -> Arc<SimCounters> {
        self.counters.clone()
    }

    /// The wave miniport the port connected.
    pub fn wave(&self) -> *mut IMiniportWaveRT {
        // SAFETY: the port lives as long as the driver.
        unsafe { SimPortWaveRT::miniport(self.port) }
    }

    pub fn topology(&self) -> *mut IMiniportTopology {
        self.topology
    }

    pub fn adapter(&self) -> *mut IUnknown {
        self.adapter
    }

    pub fn stream(&self, d: Direction) -> Option<&SimStream> {
        self.streams[slot(d)].as_ref()
    }

    /// Contract violations seen so far.
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// Contract breaks past the first [`MAX_VIOLATIONS`], counted only.
    pub fn more_violations(&self) -> u64 {
        self.more_violations
    }

    /// Records a contract break; after the first [`MAX_VIOLATIONS`] only the count grows (a
    /// broken driver breaks the contract on every call).
    fn violation(&mut self, what: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(what);
        } else {
            self.more_violations += 1;
        }
    }

    /// The wave filter's description (GetDescription through the vtable).
    pub fn wave_description(&self) -> Result<*const PcFilterDescriptor, NtStatus> {
        let mut d: *mut PcFilterDescriptor = null_mut();
        let s = vcall!(self.wave(), base.get_description(&raw mut d));
        if s.is_success() {
            Ok(d.cast_const())
        } else {
            Err(s)
        }
    }

    /// A filter property request on the wave filter as PortCls makes it: the automation table
    /// of the description GetDescription returned is searched for the (`set`, `id`) item —
    /// none is STATUS_NOT_FOUND, as the port answers itself — and its handler gets a
    /// PCPROPERTY_REQUEST with MajorTarget the miniport, Node PCFILTER_NODE and `value` as the
    /// value buffer (empty: ValueSize 0, a null Value). Returns the status and the ValueSize
    /// the handler left.
    pub fn wave_filter_property(
        &self,
        set: Guid,
        id: u32,
        verb: u32,
        value: &mut [u8],
    ) -> (NtStatus, u32) {
        let desc = match self.wave_description() {
            Ok(d) => d,
            Err(e) => return (e, 0),
        };
        // SAFETY: GetDescription returned the miniport's description, alive with it.
        let table = unsafe { (*desc).automation_table };
        // SAFETY: null or the filter's static automation table.
        let Some(table) = (unsafe { table.as_ref() }) else {
            return (NtStatus::NOT_FOUND, 0);
        };
        let stride = table.property_item_size as usize;
        let found = (0..table.property_count as usize).find_map(|i| {
            let item = table.properties.wrapping_byte_add(i * stride);
            // SAFETY: the table holds `property_count` items `property_item_size` apart.
            let it = unsafe { &*item };
            // SAFETY: an item's set points at a static GUID.
            (unsafe { *it.set } == set && it.id == id).then_some(item)
        });
        let Some(item) = found else {
            return (NtStatus::NOT_FOUND, 0);
        };
        let mut request = PcPropertyRequest {
            major_target: self.wave().cast(),
            minor_target: null_mut(),
            node: PCFILTER_NODE,
            property_item: item,
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
        };
        // SAFETY: an item of our table; its handler gets a request valid for the call.
        let handler = unsafe { (*item).handler };
        let status = match handler {
            // SAFETY: `request` is a valid PCPROPERTY_REQUEST: MajorTarget is our live wave
            // miniport, the item is from its table, and Value is `value`, valid for ValueSize.
            Some(h) => unsafe { h(&raw mut request) },
            None => NtStatus::INVALID_DEVICE_REQUEST,
        };
        (status, request.value_size)
    }

    /// NewStream through the vtable with `format` bytes, on `pin` / `capture`; the stream is
    /// not recorded. Returns the new IMiniportWaveRTStream and the port stream made for it.
    #[allow(clippy::not_unsafe_ptr_arg_deref)] // test tooling: `format` goes to the miniport under test
    pub fn raw_new_stream(
        &self,
        pin: u32,
        capture: bool,
        format: *mut KsDataFormat,
    ) -> (NtStatus, *mut IMiniportWaveRTStream, *mut IUnknown) {
        let port_stream = SimPortStream::create(self.platform.clone(), self.counters.clone());
        let mut out: *mut IMiniportWaveRTStream = null_mut();
        let s = vcall!(
            self.wave(),
            new_stream(
                &raw mut out,
                port_stream.cast(),
                pin,
                u8::from(capture),
                format
            )
        );
        (s, out, port_stream)
    }

    /// NewStream + the QueryInterfaces PortCls makes.
    pub fn open_stream(&mut self, d: Direction, format: &Format) -> Result<(), NtStatus> {
        if self.streams[slot(d)].is_some() {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        let mut fb = FormatBuffer::new(format);
        let (pin, capture) = match d {
            Direction::Render => (WAVE_PIN_RENDER_HOST, false),
            Direction::Capture => (WAVE_PIN_CAPTURE_HOST, true),
        };
        let (s, stream, port_stream) = self.raw_new_stream(pin, capture, fb.as_ks());
        if !s.is_success() {
            // SAFETY: the driver's port stream reference.
            unsafe { unknown_release(port_stream) };
            if !stream.is_null() {
                self.violation("NewStream failed but returned a stream".to_string());
            }
            return Err(s);
        }
        let mut notification: *mut c_void = null_mut();
        let q = vcall!(
            stream,
            base.query_interface(
                &IID_IMiniportWaveRTStreamNotification,
                &raw mut notification
            )
        );
        if !q.is_success() || notification.cast::<IMiniportWaveRTStream>() != stream {
            // Calling through a wrong interface would crash the simulator (or worse, seem to
            // work): refuse the stream instead, leaving the references where they are.
            self.violation(std::format!(
                "QueryInterface(IMiniportWaveRTStreamNotification) gave {notification:p} \
                 ({q:?}), not the stream object {stream:p}"
            ));
            return Err(NtStatus::UNSUCCESSFUL);
        }
        // The NewStream reference: PortCls keeps the notification one.
        // SAFETY: the reference NewStream returned.
        unsafe { unknown_release(stream.cast()) };
        let packet_iid: &Guid = match d {
            Direction::Render => &IID_IMiniportWaveRTOutputStream,
            Direction::Capture => &IID_IMiniportWaveRTInputStream,
        };
        let mut packet: *mut c_void = null_mut();
        let notification = notification.cast::<IMiniportWaveRTStreamNotification>();
        let p = vcall!(
            notification,
            base.base.query_interface(packet_iid, &raw mut packet)
        );
        if !p.is_success() || packet.cast::<u8>() != notification.cast::<u8>().wrapping_add(8) {
            self.violation(std::format!(
                "the packet interface ({p:?}) is {packet:p}, not the object's second vtable \
                 pointer at {notification:p} + 8"
            ));
            return Err(NtStatus::UNSUCCESSFUL);
        }
        self.streams[slot(d)] = Some(SimStream {
            direction: d,
            format: *format,
            stream: notification,
            packet,
            port_stream,
            // A KEVENT address of this driver's own: drivers sharing a platform (the soak)
            // must not receive each other's signals.
            event: core::ptr::without_provenance_mut(self.platform.new_event_address()),
            event_registered: false,
            buffer: None,
            geometry: None,
        });
        Ok(())
    }

    fn get(&self, d: Direction) -> Result<&SimStream, NtStatus> {
        self.streams[slot(d)]
            .as_ref()
            .ok_or(NtStatus::INVALID_DEVICE_STATE)
    }

    /// AllocateBufferWithNotification through the vtable; returns (status, MDL, actual size,
    /// offset, cache type).
    pub fn raw_allocate(
        &self,
        d: Direction,
        notifications: u32,
        requested: u32,
    ) -> Result<(NtStatus, *mut Mdl, u32, u32, MemoryCachingType), NtStatus> {
        let s = self.get(d)?;
        let mut mdl: *mut Mdl = null_mut();
        let (mut actual, mut offset) = (0u32, 0u32);
        let mut cache = MemoryCachingType::NON_CACHED;
        let status = vcall!(
            s.stream,
            allocate_buffer_with_notification(
                notifications,
                requested,
                &raw mut mdl,
                &raw mut actual,
                &raw mut offset,
                &raw mut cache
            )
        );
        Ok((status, mdl, actual, offset, cache))
    }

    /// SetState through the vtable with a raw KSSTATE.
    pub fn raw_set_state(&self, d: Direction, state: i32) -> Result<NtStatus, NtStatus> {
        let s = self.get(d)?;
        Ok(vcall!(s.stream, base.set_state(KsState(state))))
    }

    /// GetPosition through the vtable.
    pub fn raw_position(&self, d: Direction) -> Result<(NtStatus, KsAudioPosition), NtStatus> {
        let s = self.get(d)?;
        let mut p = KsAudioPosition::default();
        let status = vcall!(s.stream, base.get_position(&raw mut p));
        Ok((status, p))
    }

    /// Register / unregister an event through the vtable.
    #[allow(clippy::not_unsafe_ptr_arg_deref)] // the event is an opaque address, never read
    pub fn raw_event(
        &self,
        d: Direction,
        event: *mut KEvent,
        register: bool,
    ) -> Result<NtStatus, NtStatus> {
        let s = self.get(d)?;
        Ok(if register {
            vcall!(s.stream, register_notification_event(event))
        } else {
            vcall!(s.stream, unregister_notification_event(event))
        })
    }

    /// SetWritePacket through the output stream vtable.
    pub fn raw_write_packet(
        &self,
        number: u32,
        flags: u32,
        eos: u32,
    ) -> Result<NtStatus, NtStatus> {
        let s = self.get(Direction::Render)?;
        let out = s.packet.cast::<IMiniportWaveRTOutputStream>();
        Ok(vcall!(out, set_write_packet(number, flags, eos)))
    }

    /// GetOutputStreamPresentationPosition through the output stream vtable.
    pub fn raw_presentation(&self) -> Result<(NtStatus, KsAudioPresentationPosition), NtStatus> {
        let s = self.get(Direction::Render)?;
        let out = s.packet.cast::<IMiniportWaveRTOutputStream>();
        let mut p = KsAudioPresentationPosition::default();
        let status = vcall!(out, get_output_stream_presentation_position(&raw mut p));
        Ok((status, p))
    }

    /// GetPacketCount through the output stream vtable.
    pub fn raw_packet_count(&self) -> Result<(NtStatus, u32), NtStatus> {
        let s = self.get(Direction::Render)?;
        let out = s.packet.cast::<IMiniportWaveRTOutputStream>();
        let mut n = 0u32;
        let status = vcall!(out, get_packet_count(&raw mut n));
        Ok((status, n))
    }

    /// GetReadPacket through the input stream vtable.
    pub fn raw_read_packet(&self) -> Result<(NtStatus, ReadPacket), NtStatus> {
        let s = self.get(Direction::Capture)?;
        let input = s.packet.cast::<IMiniportWaveRTInputStream>();
        let (mut number, mut flags, mut qpc, mut more) = (0u32, 0u32, 0u64, 0i32);
        let status = vcall!(
            input,
            get_read_packet(&raw mut number, &raw mut flags, &raw mut qpc, &raw mut more)
        );
        Ok((
            status,
            ReadPacket {
                number,
                qpc: Ticks(qpc),
                more_data: more != 0,
            },
        ))
    }

    /// Frees the buffer through the vtable (FreeBufferWithNotification).
    pub fn free_buffer(&mut self, d: Direction) -> Result<(), NtStatus> {
        let s = self.streams[slot(d)]
            .as_mut()
            .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        if let Some((mdl, size)) = s.buffer.take() {
            let stream = s.stream;
            vcall!(stream, free_buffer_with_notification(mdl, size));
            s.geometry = None;
        }
        Ok(())
    }

    /// The packet boundary a notification signalled at `at` announces. A KSEVENT carries no
    /// time (the client learns which packet completed from GetPacketCount / GetReadPacket),
    /// so this is the boundary of the last packet complete at `at` on the stream's own
    /// timebase — exactly the QPC the engine puts in its notice, which the engine driver and
    /// ACX's packet-complete report hand over directly. Recording the signal time instead
    /// would make every notification look on time (lateness 0) however late its timer fired.
    fn announced_boundary(&self, d: Direction, at: Ticks) -> Ticks {
        self.cable
            .with_stream(d, |stream| {
                let packet_frames = u64::from(stream.geometry()?.packet_frames());
                let complete = stream.completed_packets(at);
                stream
                    .timebase()
                    .ticks_at(complete.saturating_mul(packet_frames))
            })
            .ok()
            .flatten()
            .unwrap_or(at)
    }

    /// Moves this driver's event signals (and only its own) into `pending`, each as the
    /// packet boundary it announces ([`Self::announced_boundary`]).
    fn drain_signals(&mut self) {
        for d in [Direction::Render, Direction::Capture] {
            let Some(event) = self.streams[slot(d)]
                .as_ref()
                .and_then(|s| EventHandle::host(s.event as usize))
            else {
                continue;
            };
            let signals = self.platform.take_signals_of(event);
            let announced: Vec<Ticks> = signals
                .into_iter()
                .map(|sig| self.announced_boundary(d, sig.at))
                .collect();
            self.pending[slot(d)].extend(announced);
        }
    }
}

impl DriverUnderTest for PortClsDriver {
    fn framework(&self) -> &'static str {
        "portcls"
    }

    fn platform(&self) -> &SimPlatform {
        &self.platform
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        self.open_stream(direction, format)
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let (status, mdl, actual, offset, cache) =
            self.raw_allocate(direction, notifications, requested_bytes)?;
        if !status.is_success() {
            return Err(status);
        }
        let format = self.get(direction)?.format;
        let packets = PacketCount::from_raw(notifications)?;
        let geometry = BufferGeometry::plan(
            &format,
            requested_bytes,
            packets,
            true,
            &BufferLimits::DEFAULT,
        )?;
        if actual != geometry.span_bytes() || offset != 0 || cache != MemoryCachingType::CACHED {
            self.violation(std::format!(
                "AllocateBufferWithNotification: size {actual} offset {offset} cache {cache:?}"
            ));
        }
        // SAFETY: a live MDL of our port stream; its pages are the client's mapping.
        let ptr = unsafe { SimMdl::start(mdl) };
        let event = self.get(direction)?.event;
        let reg = self.raw_event(direction, event, true)?;
        if let Some(s) = self.streams[slot(direction)].as_mut() {
            s.buffer = Some((mdl, actual));
            s.geometry = Some(geometry);
            s.event_registered = reg.is_success();
        }
        if !reg.is_success() {
            return Err(reg);
        }
        Ok(ClientBuffer {
            ptr,
            span: actual as usize,
            geometry,
        })
    }

    fn set_state(&mut self, direction: Direction, state: EngineState) -> Result<(), NtStatus> {
        let raw = i32::try_from(state.raw()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let s = self.raw_set_state(direction, raw)?;
        if s.is_success() { Ok(()) } else { Err(s) }
    }

    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        let (status, p) = self.raw_position(direction)?;
        if !status.is_success() {
            return Err(status);
        }
        let frames = crate::stream::engine_frames(&self.cable, direction)
            .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        if let Some(g) = self.get(direction)?.geometry {
            let expected = u64::from(g.wrapped_offset(frames));
            if p.play_offset != expected || p.play_offset >= u64::from(g.audio_bytes()) {
                self.violation(std::format!(
                    "{direction:?} GetPosition {} at frame {frames}, expected {expected}",
                    p.play_offset
                ));
            }
            if p.write_offset >= u64::from(g.audio_bytes()) {
                self.violation(std::format!("write offset {} outside", p.write_offset));
            }
        }
        Ok(Position {
            frames,
            play_offset: p.play_offset as u32,
            write_offset: p.write_offset as u32,
        })
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        let s = self.raw_write_packet(number, flags, eos_bytes)?;
        if s.is_success() { Ok(()) } else { Err(s) }
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        let (s, p) = self.raw_read_packet()?;
        if s.is_success() { Ok(p) } else { Err(s) }
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        self.drain_signals();
        std::mem::take(&mut self.pending[slot(direction)])
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.cable.with_stream(direction, |st| *st.stats()).ok()
    }

    fn has_endpoint(&self, direction: Direction) -> bool {
        self.cable.has_endpoint(direction)
    }

    /// GetPacketCount through the output stream's vtable.
    fn render_packet_count(&mut self) -> Result<u32, NtStatus> {
        let (status, n) = self.raw_packet_count()?;
        if status.is_success() {
            Ok(n)
        } else {
            Err(status)
        }
    }

    /// GetOutputStreamPresentationPosition through the output stream's vtable.
    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus> {
        let (status, p) = self.raw_presentation()?;
        if status.is_success() {
            Ok((p.position_in_block, Ticks(p.qpc_position)))
        } else {
            Err(status)
        }
    }

    fn violations(&self) -> Vec<String> {
        let mut all = self.violations.clone();
        if self.more_violations > 0 {
            all.push(std::format!("... and {} more", self.more_violations));
        }
        all
    }

    fn published(&self) -> Published {
        self.published.clone()
    }

    /// D3 / D0 through the adapter's IAdapterPowerManagement::PowerChangeState, as PortCls
    /// calls it; removal through the driver's IRP_MN_SURPRISE_REMOVAL handling.
    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus> {
        use crate::kernel::{DevicePowerState, PowerState};
        let state = match presence {
            Presence::Present => DevicePowerState::D0,
            Presence::PoweredDown => DevicePowerState::D3,
            Presence::Removed => {
                // SAFETY: the driver's live adapter object.
                unsafe { Adapter::<SimPlatform>::surprise_removed(self.adapter) };
                return Ok(());
            }
        };
        let mut pm: *mut c_void = null_mut();
        let qi = vcall!(
            self.adapter,
            query_interface(&crate::guids::IID_IAdapterPowerManagement, &raw mut pm)
        );
        if !qi.is_success() {
            return Err(qi);
        }
        let pm = pm.cast::<crate::com::IAdapterPowerManagement>();
        vcall!(pm, power_change_state(PowerState::device(state)));
        // SAFETY: the QueryInterface reference.
        unsafe { unknown_release(pm.cast()) };
        Ok(())
    }

    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        self.drain_signals();
        self.free_buffer(direction)?;
        let Some(s) = self.streams[slot(direction)].take() else {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        };
        if s.event_registered {
            let u = vcall!(s.stream, unregister_notification_event(s.event));
            if !u.is_success() {
                self.violation(std::format!("UnregisterNotificationEvent: {u:?}"));
            }
        }
        // SAFETY: the packet interface reference from QueryInterface.
        unsafe { unknown_release(s.packet.cast()) };
        // SAFETY: the notification interface reference (the stream's last).
        let left = unsafe { unknown_release(s.stream.cast()) };
        if left != 0 {
            self.violation(std::format!("stream still has {left} references"));
        }
        // SAFETY: the port's own port-stream reference.
        unsafe { unknown_release(s.port_stream) };
        if crate::stream::is_open(&self.cable, direction) {
            self.violation("engine stream still open after the last Release".to_string());
        }
        Ok(())
    }
}

impl Drop for PortClsDriver {
    fn drop(&mut self) {
        for d in [Direction::Render, Direction::Capture] {
            let _ = self.close(d);
        }
        if !self.topology.is_null() {
            // SAFETY: the QueryInterface reference taken in `with_config`.
            unsafe { unknown_release(self.topology.cast()) };
        }
        // SAFETY: the port is live; disconnect releases its miniport reference, which frees
        // the miniport, which releases its port reference.
        unsafe { SimPortWaveRT::disconnect(self.port) };
        // SAFETY: the driver's port reference.
        unsafe { SimPortWaveRT::release_ref(self.port) };
        // SAFETY: the adapter reference taken in `with_config`.
        unsafe { unknown_release(self.adapter) };
    }
}
