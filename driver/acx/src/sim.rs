//! The ACX simulator (host only: feature `host`, and in tests).
//!
//! Plays ACX's part against the adapter in the virtual time of
//! [`SimPlatform`](cadenza_hostsim::SimPlatform):
//! - [`PacketRecorder`] stands in for AcxRtStreamNotifyPacketComplete and records every
//!   completion with the virtual time it was reported at;
//! - [`run_lifecycle`] drives a render and a capture stream on one cable through ACX's whole
//!   sequence — AllocateRtPackets → PrepareHardware → Run → (GetCurrentPacket /
//!   SetRenderPacket / GetCapturePacket / GetPresentationPosition while time runs) → Pause →
//!   Run → Pause → ReleaseHardware → FreeRtPackets — probing out-of-order calls on the way, and
//!   returns every contract violation it saw;
//! - [`AcxDriver`] is the adapter as a [`DriverUnderTest`], so the shared loopback scenario
//!   (and `cadenza-sim --framework acx`) runs through the ACX callbacks.

use std::string::String;
use std::sync::{Arc, Mutex, PoisonError};
use std::vec::Vec;

use cadenza_engine::config::DeviceConfig;
use cadenza_engine::device::Presence;
use cadenza_engine::format::Format;
use cadenza_engine::format::parse::{KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE, write_data_format};
use cadenza_engine::platform::{AtMostDispatch, Passive, Platform};
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::{Direction, Position, ReadPacket, StreamStats};
use cadenza_engine::time::Ticks;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::scenario::{ClientBuffer, DriverUnderTest, Published};

use crate::circuit::CircuitId;
use crate::device::AcxDevice;
use crate::stream::{AcxStream, PacketNotify};

/// One AcxRtStreamNotifyPacketComplete call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub packet: u64,
    /// The QPCCompletion value reported.
    pub qpc: Ticks,
    /// The virtual time the call was made at.
    pub at: Ticks,
}

/// Records packet completions (the simulator's AcxRtStreamNotifyPacketComplete).
#[derive(Clone, Debug)]
pub struct PacketRecorder {
    platform: SimPlatform,
    log: Arc<Mutex<Vec<Completion>>>,
}

impl PacketRecorder {
    pub fn new(platform: SimPlatform) -> PacketRecorder {
        PacketRecorder {
            platform,
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Removes and returns the completions recorded so far.
    pub fn take(&self) -> Vec<Completion> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl PacketNotify for PacketRecorder {
    fn packet_complete(&self, packet: u64, qpc: Ticks) {
        let at = self.platform.now();
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Completion { packet, qpc, at });
    }
}

/// The KSDATAFORMAT_WAVEFORMATEXTENSIBLE ACX would hand EvtAcxCircuitCreateStream.
pub fn data_format_bytes(format: &Format) -> Vec<u8> {
    let mut buf = vec![0u8; KSDATAFORMAT_WAVEFORMATEXTENSIBLE_SIZE];
    let n = write_data_format(format, &mut buf).unwrap_or(0);
    buf.truncate(n);
    buf
}

/// The ACX adapter as a driver under test: one cable of an [`AcxDevice`], its two circuits'
/// streams, and the recorders standing in for ACX's packet-completion handling.
pub struct AcxDriver {
    streams: [Option<AcxStream<SimPlatform, PacketRecorder>>; 2],
    device: AcxDevice<SimPlatform, PacketRecorder>,
    platform: SimPlatform,
    cable: u8,
}

impl std::fmt::Debug for AcxDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcxDriver")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

fn slot(d: Direction) -> usize {
    match d {
        Direction::Render => 0,
        Direction::Capture => 1,
    }
}

impl AcxDriver {
    /// A device with the default configuration (what the INF installs); streams go to cable 1.
    pub fn new(platform: SimPlatform) -> Result<AcxDriver, NtStatus> {
        Self::with_config(platform, &DeviceConfig::default())
    }

    /// A device for `config`; streams go to cable 1.
    pub fn with_config(
        platform: SimPlatform,
        config: &DeviceConfig,
    ) -> Result<AcxDriver, NtStatus> {
        let device = AcxDevice::new(platform.clone(), config, Passive::host())?;
        Ok(AcxDriver {
            streams: [None, None],
            device,
            platform,
            cable: 0,
        })
    }

    pub fn device(&self) -> &AcxDevice<SimPlatform, PacketRecorder> {
        &self.device
    }

    /// The stream open in `direction`, if any.
    pub fn stream(&self, direction: Direction) -> Option<&AcxStream<SimPlatform, PacketRecorder>> {
        self.streams[slot(direction)].as_ref()
    }

    fn open_stream(
        &self,
        direction: Direction,
    ) -> Result<&AcxStream<SimPlatform, PacketRecorder>, NtStatus> {
        self.stream(direction).ok_or(NtStatus::INVALID_DEVICE_STATE)
    }

    fn circuit(&self, direction: Direction) -> Result<CircuitId, NtStatus> {
        CircuitId::new(self.cable, direction).ok_or(NtStatus::INVALID_PARAMETER)
    }
}

impl DriverUnderTest for AcxDriver {
    fn framework(&self) -> &'static str {
        "acx"
    }

    fn notifies_by_event(&self) -> bool {
        false
    }

    fn platform(&self) -> &SimPlatform {
        &self.platform
    }

    fn has_endpoint(&self, direction: Direction) -> bool {
        self.circuit(direction)
            .is_ok_and(|c| self.device.model().circuit(c).is_some())
    }

    /// What the driver set on the circuit's audio interface right after creating it (the
    /// same list for both circuits of a pair).
    fn published(&self) -> Published {
        self.device
            .interface_properties(self.cable)
            .map_or_else(Published::default, |p| Published::record(&p))
    }

    /// EvtAcxStreamGetCurrentPacket.
    fn render_packet_count(&mut self) -> Result<u32, NtStatus> {
        self.open_stream(Direction::Render)?
            .get_current_packet(AtMostDispatch::host())
    }

    /// EvtAcxStreamGetPresentationPosition.
    fn render_presentation(&mut self) -> Result<(u64, Ticks), NtStatus> {
        let (frames, qpc) = self
            .open_stream(Direction::Render)?
            .get_presentation_position(AtMostDispatch::host())?;
        Ok((frames, Ticks(qpc)))
    }

    /// EvtDeviceD0Exit / EvtDeviceD0Entry / EvtDeviceSurpriseRemoval.
    fn set_presence(&mut self, presence: Presence) -> Result<(), NtStatus> {
        self.device.set_presence(presence, Passive::host());
        Ok(())
    }

    fn open(&mut self, direction: Direction, format: &Format) -> Result<(), NtStatus> {
        if self.streams[slot(direction)].is_some() {
            return Err(NtStatus::DEVICE_BUSY);
        }
        let circuit = self.circuit(direction)?;
        let recorder = PacketRecorder::new(self.platform.clone());
        let stream = self.device.create_stream(
            circuit,
            &data_format_bytes(format),
            recorder,
            Passive::host(),
        )?;
        self.streams[slot(direction)] = Some(stream);
        Ok(())
    }

    fn allocate(
        &mut self,
        direction: Direction,
        requested_bytes: u32,
        notifications: u32,
    ) -> Result<ClientBuffer, NtStatus> {
        let s = self.open_stream(direction)?;
        let packet_size = requested_bytes.checked_div(notifications).unwrap_or(0);
        let layout = s.allocate_rt_packets(notifications, packet_size, Passive::host())?;
        Ok(ClientBuffer {
            ptr: layout.buffer,
            span: layout.buffer_bytes,
            geometry: layout.geometry,
        })
    }

    /// The scenario steps KS states one at a time; ACX moves in bigger steps. STOP→ACQUIRE is
    /// PrepareHardware (which lands in PAUSE, so ACQUIRE→PAUSE has nothing left to do),
    /// PAUSE→ACQUIRE is ReleaseHardware (which lands in STOP).
    fn set_state(&mut self, direction: Direction, state: KsState) -> Result<(), NtStatus> {
        let s = self.open_stream(direction)?;
        let p = Passive::host();
        match (s.state()?, state) {
            (KsState::Stop, KsState::Acquire) => s.prepare_hardware(p),
            (KsState::Pause, KsState::Acquire) => s.release_hardware(p),
            (KsState::Pause | KsState::Run, KsState::Run) => s.run(p),
            (KsState::Run, KsState::Pause) => s.pause(p),
            (KsState::Pause, KsState::Pause) | (KsState::Stop, KsState::Stop) => Ok(()),
            _ => Err(NtStatus::INVALID_DEVICE_STATE),
        }
    }

    /// ACX has no GetPosition callback: the position is GetPresentationPosition's, its offsets
    /// derived from the packet layout.
    fn position(&mut self, direction: Direction) -> Result<Position, NtStatus> {
        let s = self.open_stream(direction)?;
        let (frames, _) = s.get_presentation_position(AtMostDispatch::host())?;
        let offset = s.geometry().map_or(0, |g| g.wrapped_offset(frames));
        Ok(Position {
            frames,
            play_offset: offset,
            write_offset: offset,
        })
    }

    fn write_packet(&mut self, number: u32, flags: u32, eos_bytes: u32) -> Result<(), NtStatus> {
        self.open_stream(Direction::Render)?.set_render_packet(
            number,
            flags,
            eos_bytes,
            Passive::host(),
        )
    }

    fn read_packet(&mut self) -> Result<ReadPacket, NtStatus> {
        let p = self
            .open_stream(Direction::Capture)?
            .get_capture_packet(Passive::host())?;
        Ok(ReadPacket {
            number: p.packet,
            qpc: Ticks(p.qpc_start),
            more_data: p.more_data,
        })
    }

    fn take_notifications(&mut self, direction: Direction) -> Vec<Ticks> {
        self.stream(direction).map_or_else(Vec::new, |s| {
            s.notifier().take().into_iter().map(|c| c.qpc).collect()
        })
    }

    fn stats(&mut self, direction: Direction) -> Option<StreamStats> {
        self.stream(direction).and_then(|s| s.stats().ok())
    }

    /// FreeRtPackets, then the stream object's destruction.
    fn close(&mut self, direction: Direction) -> Result<(), NtStatus> {
        let s = self.streams[slot(direction)]
            .take()
            .ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        if s.geometry().is_some() {
            s.free_rt_packets(Passive::host())?;
        }
        drop(s);
        Ok(())
    }
}

/// What [`run_lifecycle`] does.
#[derive(Clone, Debug)]
pub struct LifecycleConfig {
    pub format: Format,
    /// PacketCount: 1 or 2.
    pub packets: u32,
    pub packet_frames: u32,
    /// Virtual time of each of the two runs, in counter ticks.
    pub run_ticks: u64,
    /// Virtual time spent paused between the runs.
    pub pause_ticks: u64,
}

/// What [`run_lifecycle`] saw.
#[derive(Clone, Debug, Default)]
pub struct LifecycleReport {
    /// Every broken promise, in words. Empty when the adapter kept the contract.
    pub violations: Vec<String>,
    pub render_completions: Vec<Completion>,
    pub capture_completions: Vec<Completion>,
    pub render_stats: StreamStats,
    pub capture_stats: StreamStats,
    /// Render packets the client handed over with SetRenderPacket.
    pub render_packets_written: u64,
    /// Capture packets read with GetCapturePacket.
    pub capture_packets_read: u64,
}

struct Checker {
    violations: Vec<String>,
}

impl Checker {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.violations.push(what());
        }
    }

    fn status<T: std::fmt::Debug>(&mut self, r: &Result<T, NtStatus>, want: NtStatus, what: &str) {
        if r.as_ref().err() != Some(&want) {
            self.violations
                .push(format!("{what}: expected {want:?}, got {r:?}"));
        }
    }
}

/// Per-stream bookkeeping while time runs.
#[derive(Default)]
struct Client {
    last_packet: Option<u64>,
    last_position: u64,
    written: u64,
    read: u64,
}

type SimStream = AcxStream<SimPlatform, PacketRecorder>;

/// The simulator's state during [`run_lifecycle`].
struct Lifecycle<'a> {
    platform: SimPlatform,
    config: &'a LifecycleConfig,
    checker: Checker,
    report: LifecycleReport,
    /// Render, capture.
    clients: [Client; 2],
}

const PASSIVE: fn() -> Passive = Passive::host;
const DISPATCH: fn() -> AtMostDispatch = AtMostDispatch::host;

impl Lifecycle<'_> {
    fn packet_bytes(&self) -> u32 {
        self.config.packet_frames * u32::from(self.config.format.block_align())
    }

    /// Every call that needs packets, before there are any.
    fn probe_without_packets(&mut self, s: &SimStream) {
        let c = &mut self.checker;
        let bytes = self.config.packet_frames * u32::from(self.config.format.block_align());
        let state = NtStatus::INVALID_DEVICE_STATE;
        c.status(
            &s.prepare_hardware(PASSIVE()),
            state,
            "PrepareHardware before AllocateRtPackets",
        );
        c.status(&s.run(PASSIVE()), state, "Run before AllocateRtPackets");
        c.status(
            &s.free_rt_packets(PASSIVE()),
            state,
            "FreeRtPackets before AllocateRtPackets",
        );
        c.status(
            &s.get_current_packet(DISPATCH()),
            state,
            "GetCurrentPacket without packets",
        );
        for bad in [0, 3] {
            let r = s.allocate_rt_packets(bad, bytes, PASSIVE());
            c.status(
                &r,
                NtStatus::INVALID_PARAMETER,
                "AllocateRtPackets with a bad PacketCount",
            );
        }
    }

    /// AllocateRtPackets and PrepareHardware, with the out-of-order probes between them.
    fn allocate_and_prepare(&mut self, s: &SimStream) -> Result<(), NtStatus> {
        let bytes = self.packet_bytes();
        let packets = self.config.packets;
        let layout = s.allocate_rt_packets(packets, bytes, PASSIVE())?;
        let c = &mut self.checker;
        let state = NtStatus::INVALID_DEVICE_STATE;
        c.check(layout.buffer_bytes % crate::PAGE_SIZE == 0, || {
            format!(
                "packet buffer of {} bytes is not whole pages",
                layout.buffer_bytes
            )
        });
        for i in 0..packets {
            c.check(layout.offset(i) == Some(i * bytes), || {
                format!("packet {i} is not contiguous")
            });
        }
        let again = s.allocate_rt_packets(packets, bytes, PASSIVE());
        c.status(&again, state, "a second AllocateRtPackets");
        c.status(&s.run(PASSIVE()), state, "Run before PrepareHardware");
        c.status(&s.pause(PASSIVE()), state, "Pause before PrepareHardware");
        c.check(s.release_hardware(PASSIVE()).is_ok(), || {
            String::from("ReleaseHardware in STOP (nothing to do) was refused")
        });
        s.prepare_hardware(PASSIVE())?;
        c.check(s.prepare_hardware(PASSIVE()).is_ok(), || {
            String::from("a repeated PrepareHardware was refused")
        });
        c.status(
            &s.free_rt_packets(PASSIVE()),
            state,
            "FreeRtPackets after PrepareHardware",
        );
        c.check(s.geometry().is_some(), || {
            String::from("a refused FreeRtPackets freed the packets")
        });
        Ok(())
    }

    /// What ACX and the client do when a packet completes.
    fn on_completion(&mut self, s: &SimStream, done: Completion, run: u32) -> Result<(), NtStatus> {
        let side = slot(s.direction());
        let dir = s.direction();
        let expected = self.clients[side].last_packet.map_or(0, |l| l + 1);
        let chk = &mut self.checker;
        chk.check(done.packet == expected, || {
            format!(
                "{dir:?} run {run}: packet {} completed, expected {expected}",
                done.packet
            )
        });
        chk.check(done.qpc == done.at, || {
            format!(
                "{dir:?}: packet {} reported at {:?} with QPC {:?}",
                done.packet, done.at, done.qpc
            )
        });
        self.clients[side].last_packet = Some(done.packet);
        match dir {
            Direction::Render => self.report.render_completions.push(done),
            Direction::Capture => self.report.capture_completions.push(done),
        }
        let current = s.get_current_packet(DISPATCH());
        chk.check(current == Ok(packet_number(done.packet + 1)), || {
            format!(
                "{dir:?}: GetCurrentPacket {current:?} right after packet {} completed",
                done.packet
            )
        });
        let (frames, qpc) = s.get_presentation_position(DISPATCH())?;
        let last = self.clients[side].last_position;
        chk.check(frames >= last, || {
            format!("{dir:?}: position went back from {last} to {frames}")
        });
        chk.check(qpc <= self.platform.now().0, || {
            String::from("presentation QPC in the future")
        });
        self.clients[side].last_position = frames;
        match dir {
            Direction::Render if self.config.packets == 2 => {
                // The client refills the packet that just completed: it is next-but-one.
                let n = done.packet + 2;
                let r = s.set_render_packet(packet_number(n), 0, 0, PASSIVE());
                chk.check(r.is_ok(), || {
                    format!(
                        "SetRenderPacket({n}) after packet {} refused: {r:?}",
                        done.packet
                    )
                });
                let late = s.set_render_packet(packet_number(done.packet), 0, 0, PASSIVE());
                chk.status(
                    &late,
                    NtStatus::DATA_LATE_ERROR,
                    "SetRenderPacket for a played packet",
                );
                let ahead = s.set_render_packet(packet_number(n + 1), 0, 0, PASSIVE());
                chk.status(
                    &ahead,
                    NtStatus::DATA_OVERRUN,
                    "SetRenderPacket too far ahead",
                );
                self.clients[side].written += 1;
            }
            Direction::Render => {}
            Direction::Capture => {
                match s.get_capture_packet(PASSIVE()) {
                    Ok(cp) => {
                        chk.check(
                            cp.packet == packet_number(done.packet) && !cp.more_data,
                            || {
                                format!(
                                    "GetCapturePacket {cp:?} after packet {} completed",
                                    done.packet
                                )
                            },
                        );
                        self.clients[side].read += 1;
                    }
                    Err(e) => chk.violations.push(format!(
                        "GetCapturePacket after packet {} completed: {e:?}",
                        done.packet
                    )),
                }
                let none = s.get_capture_packet(PASSIVE());
                chk.status(
                    &none,
                    NtStatus::DEVICE_NOT_READY,
                    "GetCapturePacket with nothing new",
                );
            }
        }
        Ok(())
    }

    /// Run both streams for the configured time, then pause and check that time stands still.
    fn run_and_pause(&mut self, streams: [&SimStream; 2], run: u32) -> Result<(), NtStatus> {
        let [render, capture] = streams;
        capture.run(PASSIVE())?;
        render.run(PASSIVE())?;
        let c = &mut self.checker;
        let state = NtStatus::INVALID_DEVICE_STATE;
        c.check(render.run(PASSIVE()).is_ok(), || {
            String::from("a repeated Run was refused")
        });
        c.status(
            &render.free_rt_packets(PASSIVE()),
            state,
            "FreeRtPackets while running",
        );
        c.status(
            &render.release_hardware(PASSIVE()),
            state,
            "ReleaseHardware while running",
        );
        c.status(
            &render.prepare_hardware(PASSIVE()),
            state,
            "PrepareHardware while running",
        );
        let end = Ticks(self.platform.now().0 + self.config.run_ticks);
        while self.platform.fire_next(end).is_some() {
            for s in streams {
                for done in s.notifier().take() {
                    self.on_completion(s, done, run)?;
                }
            }
        }
        render.pause(PASSIVE())?;
        capture.pause(PASSIVE())?;
        let c = &mut self.checker;
        c.check(render.pause(PASSIVE()).is_ok(), || {
            String::from("a repeated Pause was refused")
        });
        let position = |s: &SimStream| s.get_presentation_position(DISPATCH()).map(|p| p.0);
        let frozen = [position(render)?, position(capture)?];
        let expiries = self.platform.expiries();
        self.platform
            .run_until(Ticks(self.platform.now().0 + self.config.pause_ticks));
        c.check(self.platform.expiries() == expiries, || {
            String::from("a timer fired while paused")
        });
        let quiet = render.notifier().take().is_empty() && capture.notifier().take().is_empty();
        c.check(quiet, || String::from("a packet completed while paused"));
        let after = [position(render)?, position(capture)?];
        c.check(frozen == after, || {
            format!("positions moved while paused: {frozen:?} -> {after:?}")
        });
        Ok(())
    }

    /// ReleaseHardware and FreeRtPackets, with the probes after them.
    fn release_and_free(&mut self, s: &SimStream) -> Result<(), NtStatus> {
        s.release_hardware(PASSIVE())?;
        let c = &mut self.checker;
        let state = NtStatus::INVALID_DEVICE_STATE;
        c.check(s.release_hardware(PASSIVE()).is_ok(), || {
            String::from("a repeated ReleaseHardware was refused")
        });
        let reset = s.get_presentation_position(DISPATCH()).map(|x| x.0) == Ok(0);
        c.check(reset, || {
            String::from("ReleaseHardware did not reset the position")
        });
        c.status(&s.run(PASSIVE()), state, "Run after ReleaseHardware");
        c.status(&s.pause(PASSIVE()), state, "Pause after ReleaseHardware");
        s.free_rt_packets(PASSIVE())?;
        c.status(
            &s.free_rt_packets(PASSIVE()),
            state,
            "a second FreeRtPackets",
        );
        Ok(())
    }
}

/// Drives a render and a capture stream on cable 1 of `device` through ACX's whole callback
/// sequence (module docs) and checks, with on-time timers:
/// - one packet completion per packet, numbered consecutively, reported at exactly its
///   QPCCompletion, with GetCurrentPacket one ahead of it at that moment;
/// - GetPresentationPosition monotone within a run and frozen while paused, reset by
///   ReleaseHardware;
/// - GetCapturePacket returns the packet just completed, with the QPC of its start;
/// - the render client's SetRenderPacket for the next free packet succeeds, one for a played
///   packet is late and one past the buffer is an overrun;
/// - every out-of-order call gets STATUS_INVALID_DEVICE_STATE (bad PacketCount:
///   STATUS_INVALID_PARAMETER) and changes nothing; repeating a state change succeeds;
/// - after FreeRtPackets and the streams' destruction, the platform's live allocations and
///   timers are back where they were before the streams were created.
pub fn run_lifecycle(
    device: &AcxDevice<SimPlatform, PacketRecorder>,
    config: &LifecycleConfig,
) -> Result<LifecycleReport, NtStatus> {
    let platform = device.platform().clone();
    let live_before = platform.live_allocations();
    let timers_before = platform.live_timers();
    let bytes = data_format_bytes(&config.format);
    let rc = CircuitId::new(0, Direction::Render).ok_or(NtStatus::INVALID_PARAMETER)?;
    let cc = CircuitId::new(0, Direction::Capture).ok_or(NtStatus::INVALID_PARAMETER)?;
    let recorder = || PacketRecorder::new(platform.clone());
    let render = device.create_stream(rc, &bytes, recorder(), PASSIVE())?;
    let capture = device.create_stream(cc, &bytes, recorder(), PASSIVE())?;
    let streams = [&render, &capture];
    let mut sim = Lifecycle {
        platform: platform.clone(),
        config,
        checker: Checker {
            violations: Vec::new(),
        },
        report: LifecycleReport::default(),
        clients: [Client::default(), Client::default()],
    };
    for s in streams {
        sim.probe_without_packets(s);
    }
    for s in streams {
        sim.allocate_and_prepare(s)?;
    }
    if config.packets == 2 {
        // Pre-roll: the client writes every packet before Run.
        for n in 0..u64::from(config.packets) {
            let r = render.set_render_packet(packet_number(n), 0, 0, PASSIVE());
            sim.checker.check(r.is_ok(), || {
                format!("pre-roll SetRenderPacket({n}) refused: {r:?}")
            });
            sim.clients[0].written += 1;
        }
    }
    for run in 0..2 {
        sim.run_and_pause(streams, run)?;
    }
    sim.report.render_stats = render.stats()?;
    sim.report.capture_stats = capture.stats()?;
    for s in streams {
        sim.release_and_free(s)?;
    }
    sim.report.render_packets_written = sim.clients[0].written;
    sim.report.capture_packets_read = sim.clients[1].read;
    drop(render);
    drop(capture);
    let live = platform.live_allocations();
    sim.checker.check(live == live_before, || {
        format!("allocations {live:?} after the streams were destroyed, {live_before:?} before")
    });
    let timers = platform.live_timers();
    sim.checker.check(timers == timers_before, || {
        format!("{timers} timers after the streams were destroyed, {timers_before} before")
    });
    sim.report.violations = sim.checker.violations;
    Ok(sim.report)
}

/// The DDI's 32-bit packet number of linear packet `n`.
#[allow(clippy::cast_possible_truncation)] // deliberately the low 32 bits
fn packet_number(n: u64) -> u32 {
    n as u32
}

#[cfg(test)]
mod tests;
