//! The live-status property through both adapters: the PortCls wave filter (its automation
//! table, found the way the port finds it, and the handler called with a PCPROPERTY_REQUEST)
//! and the ACX circuits (the request as ACX_REQUEST_PARAMETERS carry it) answer with the same
//! bytes for the same scenario, and those bytes decode to what is worked out here by hand
//! from the scenario (48 kHz, 10 ms packets, so many milliseconds of virtual time).

use cadenza_acx::CircuitId;
use cadenza_acx::live_status::{
    ACX_PROPERTY_VERB_BASIC_SUPPORT, ACX_PROPERTY_VERB_GET, ACX_PROPERTY_VERB_SET,
};
use cadenza_acx::sim::AcxDriver;
use cadenza_engine::config::DeviceConfig;
use cadenza_engine::format::{ChannelMask, Channels, Format, SampleRate, SampleType};
use cadenza_engine::geometry::PacketCount;
use cadenza_engine::level::Levels;
use cadenza_engine::live_status::{
    BufferStatus, Counters, KSPROPSETID_CADENZA_STATUS, Slot, Snapshot, StreamStatus, decode,
};
use cadenza_engine::platform::Platform;
use cadenza_engine::state::KsState;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::Ticks;
use cadenza_engine::{Guid, NtStatus};
use cadenza_hostsim::scenario::DriverUnderTest;
use cadenza_hostsim::{Lateness, SimPlatform};
use cadenza_portcls::sim::PortClsDriver;

/// KSPROPERTY_TYPE_GET / _SET / _BASICSUPPORT, as a KS client puts them in the KSPROPERTY.
const GET: u32 = 0x1;
const SET: u32 = 0x2;
const BASIC: u32 = 0x200;

/// 1 ms of the simulator's 10 MHz counter.
const MS: u64 = 10_000;

/// A framework under test and how its property request is made.
enum Under {
    PortCls(PortClsDriver),
    Acx(AcxDriver),
}

impl Under {
    fn new(framework: &str, platform: SimPlatform, config: &DeviceConfig) -> Under {
        match framework {
            "portcls" => Under::PortCls(PortClsDriver::with_config(platform, config).unwrap()),
            _ => Under::Acx(AcxDriver::with_config(platform, config).unwrap()),
        }
    }

    fn driver(&mut self) -> &mut dyn DriverUnderTest {
        match self {
            Under::PortCls(d) => d,
            Under::Acx(d) => d,
        }
    }

    /// The property request with KS verb flags `verb`; returns the status, the byte count
    /// reported and the value buffer.
    fn request(&self, set: Guid, id: u32, verb: u32, len: usize) -> (NtStatus, u32, Vec<u8>) {
        let mut value = vec![0xEEu8; len];
        let (status, bytes) = match self {
            Under::PortCls(d) => d.wave_filter_property(set, id, verb, &mut value),
            Under::Acx(d) => {
                let acx_verb = match verb {
                    GET => ACX_PROPERTY_VERB_GET,
                    SET => ACX_PROPERTY_VERB_SET,
                    BASIC => ACX_PROPERTY_VERB_BASIC_SUPPORT,
                    other => other,
                };
                // Both circuits answer for the pair; ask the capture one to prove it.
                let circuit = CircuitId::new(0, Direction::Capture).unwrap();
                let r = d
                    .device()
                    .status_property(circuit, &set, id, acx_verb, &mut value);
                (r.status, r.bytes)
            }
        };
        (status, bytes, value)
    }

    fn snapshot_bytes(&self) -> Vec<u8> {
        let (status, bytes, mut value) = self.request(KSPROPSETID_CADENZA_STATUS, 1, GET, 600);
        assert_eq!((status, bytes), (NtStatus::SUCCESS, 472));
        assert!(value[472..].iter().all(|&b| b == 0xEE), "written past 472");
        value.truncate(472);
        value
    }
}

fn stereo_float_48k() -> Format {
    Format::with_mask(
        SampleType::Float32,
        Channels::new(2).unwrap(),
        SampleRate::new(48_000).unwrap(),
        ChannelMask::new(0x3, Channels::new(2).unwrap()).unwrap(),
    )
}

/// The default cable: render opened with two 10 ms packets (2 × 480 frames × 8 bytes) and
/// started; capture opened with the same buffer and left in PAUSE. Then `run_ms` of virtual
/// time. Returns the framework and the counter value at which render started.
fn scenario(framework: &str, lateness: Lateness, run_ms: u64) -> (Under, Ticks) {
    let platform = SimPlatform::new(5);
    platform.set_lateness(lateness);
    let mut under = Under::new(framework, platform.clone(), &DeviceConfig::default());
    let format = stereo_float_48k();
    let d = under.driver();
    for direction in [Direction::Render, Direction::Capture] {
        d.open(direction, &format).unwrap();
        d.allocate(direction, 2 * 480 * 8, 2).unwrap();
        d.set_state(direction, KsState::Acquire).unwrap();
        d.set_state(direction, KsState::Pause).unwrap();
    }
    d.set_state(Direction::Render, KsState::Run).unwrap();
    let start = platform.now();
    platform.run_until(Ticks(start.0 + run_ms * MS));
    (under, start)
}

/// Two packets of 480 frames (10 ms at 48 kHz), with notifications.
fn buffer() -> BufferStatus {
    BufferStatus {
        packet_frames: 480,
        packets: PacketCount::Two,
        notify: true,
    }
}

/// The capture side of [`scenario`]: paused, never run, nothing counted.
fn paused_capture() -> Slot {
    Slot::Open(StreamStatus {
        state: KsState::Pause,
        format: stereo_float_48k(),
        buffer: Some(buffer()),
        packet_mode: false,
        position_frames: 0,
        completed_packets: 0,
        transferred_frames: 0,
        counters: Counters::default(),
        levels: Levels::default(),
    })
}

fn both(lateness: &Lateness, run_ms: u64) -> (Vec<u8>, Snapshot) {
    let (pc, pc_start) = scenario("portcls", lateness.clone(), run_ms);
    let (acx, acx_start) = scenario("acx", lateness.clone(), run_ms);
    assert_eq!(
        pc_start, acx_start,
        "both scenarios start at the same instant"
    );
    let (a, b) = (pc.snapshot_bytes(), acx.snapshot_bytes());
    assert_eq!(a, b, "PortCls and ACX return the same bytes");
    let decoded = decode(&a).expect("the snapshot decodes");
    (a, decoded)
}

#[test]
fn after_100_ms_at_48_khz_both_frameworks_report_4800_frames_and_10_on_time_packets() {
    let (bytes, s) = both(&Lateness::OnTime, 100);
    let Slot::Open(render) = s.render else {
        panic!("render not open: {:?}", s.render)
    };
    assert_eq!(render.state, KsState::Run);
    assert_eq!(render.format, stereo_float_48k());
    assert_eq!(render.buffer, Some(buffer()));
    assert!(!render.packet_mode);
    // 100 ms × 48 frames/ms.
    assert_eq!(render.position_frames, 4800);
    // 4800 / 480 frames per packet.
    assert_eq!(render.completed_packets, 10);
    let c = render.counters;
    // One on-time wake-up per 10 ms boundary, at 10, 20, ..., 100 ms, each one notification.
    assert_eq!((c.wakeups, c.notifications), (10, 10));
    assert_eq!((c.early_wakeups, c.missed_notifications), (0, 0));
    assert_eq!((c.max_lateness_hns, c.total_lateness_hns), (0, 0));
    // Nobody asked for the status while it played: nothing was metered.
    assert_eq!(render.levels, Levels::default());
    assert_eq!(s.capture, paused_capture());
    // The same numbers at their documented offsets (render record at 24).
    let quad = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(quad(24 + 40), 4800);
    assert_eq!(quad(24 + 48), 10);
    assert_eq!(quad(24 + 80), 10, "notifications");
}

#[test]
fn a_timer_25_ms_late_shows_as_two_missed_notifications_and_25_ms_of_lateness() {
    // The fourth expiry (index 3, deadline 40 ms) fires at 65 ms: boundaries 40 and 50 get no
    // notification of their own, one is delivered for 60; then 70, 80, 90, 100 on time.
    let (_, s) = both(&Lateness::Scripted(vec![(3, 25 * MS)]), 100);
    let Slot::Open(render) = s.render else {
        panic!("render not open: {:?}", s.render)
    };
    // The clock does not care how late the timer was.
    assert_eq!(render.position_frames, 4800);
    assert_eq!(render.completed_packets, 10);
    let c = render.counters;
    // Wake-ups at 10, 20, 30, 65, 70, 80, 90, 100 ms.
    assert_eq!((c.wakeups, c.notifications), (8, 8));
    assert_eq!(c.missed_notifications, 2);
    // 25 ms = 250 000 × 100 ns.
    assert_eq!(
        (c.max_lateness_hns, c.total_lateness_hns),
        (250_000, 250_000)
    );
}

#[test]
fn before_any_stream_both_slots_are_idle_and_a_tone_source_has_no_render_slot() {
    for framework in ["portcls", "acx"] {
        let u = Under::new(framework, SimPlatform::new(1), &DeviceConfig::default());
        let s = decode(&u.snapshot_bytes()).unwrap();
        assert_eq!(
            (s.render, s.capture),
            (Slot::Idle, Slot::Idle),
            "{framework}"
        );
    }
    let tone = cadenza_engine::config::parse_text("DeviceKind = tone", &mut |w| panic!("{w}"));
    let pc = Under::new("portcls", SimPlatform::new(1), &tone);
    let acx = Under::new("acx", SimPlatform::new(1), &tone);
    let (a, b) = (pc.snapshot_bytes(), acx.snapshot_bytes());
    assert_eq!(a, b);
    let s = decode(&a).unwrap();
    assert_eq!((s.render, s.capture), (Slot::NoEndpoint, Slot::Idle));
}

#[test]
fn both_frameworks_refuse_and_size_the_same_way() {
    let pc = Under::new("portcls", SimPlatform::new(1), &DeviceConfig::default());
    let acx = Under::new("acx", SimPlatform::new(1), &DeviceConfig::default());
    let set = KSPROPSETID_CADENZA_STATUS;
    for u in [&pc, &acx] {
        // The KS size query: no buffer, STATUS_BUFFER_OVERFLOW and the size.
        assert_eq!(u.request(set, 1, GET, 0).0, NtStatus::BUFFER_OVERFLOW);
        assert_eq!(u.request(set, 1, GET, 0).1, 472);
        let (status, bytes, value) = u.request(set, 1, GET, 471);
        assert_eq!((status, bytes), (NtStatus::BUFFER_TOO_SMALL, 0));
        assert!(value.iter().all(|&b| b == 0xEE), "nothing written");
        assert_eq!(
            u.request(set, 1, SET, 472).0,
            NtStatus::INVALID_DEVICE_REQUEST
        );
        let (status, bytes, value) = u.request(set, 1, BASIC, 4);
        assert_eq!((status, bytes), (NtStatus::SUCCESS, 4));
        assert_eq!(value, 0x201u32.to_le_bytes(), "GET | BASICSUPPORT");
        // Not our property: the port (PortCls) or our handler (ACX) says not found.
        assert_eq!(u.request(set, 2, GET, 328).0, NtStatus::NOT_FOUND);
        assert_eq!(
            u.request(Guid::from_u128(1), 1, GET, 328).0,
            NtStatus::NOT_FOUND
        );
    }
}

/// Both sides of the default cable running for 250 ms after a first status request, the render
/// client's buffer holding a constant frame (left 0.5, right −0.25): the snapshot's meters read
/// those fractions.
fn metered(framework: &str) -> Vec<u8> {
    let platform = SimPlatform::new(5);
    let mut under = Under::new(framework, platform.clone(), &DeviceConfig::default());
    let format = stereo_float_48k();
    let d = under.driver();
    for direction in [Direction::Render, Direction::Capture] {
        d.open(direction, &format).unwrap();
        let b = d.allocate(direction, 2 * 480 * 8, 2).unwrap();
        if direction == Direction::Render {
            let frame: Vec<u8> = [0.5f32, -0.25]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect();
            assert!(b.span >= 960 * 8, "test setup: a 960-frame buffer");
            for f in 0..b.geometry.frames() {
                let at = usize::try_from(b.geometry.wrapped_offset(u64::from(f))).unwrap();
                assert!(at + 8 <= b.span, "frame {f} inside the buffer");
                // SAFETY: `at + 8 ≤ span` (asserted), so the pointer stays in the mapping.
                let dst = unsafe { b.ptr.add(at) };
                // SAFETY: `dst..dst + 8` is inside the client buffer, which the driver keeps
                // mapped while the stream exists; nothing else touches it until the stream
                // runs, and `frame` is a separate allocation of 8 bytes.
                unsafe { std::ptr::copy_nonoverlapping(frame.as_ptr(), dst, 8) };
            }
        }
        d.set_state(direction, KsState::Acquire).unwrap();
        d.set_state(direction, KsState::Pause).unwrap();
    }
    d.set_state(Direction::Capture, KsState::Run).unwrap();
    d.set_state(Direction::Render, KsState::Run).unwrap();
    // A status reader arrives as the streams start: its request starts both meters, and
    // reports no window yet.
    let first = decode(&under.snapshot_bytes()).unwrap();
    for slot in [first.render, first.capture] {
        let Slot::Open(s) = slot else {
            panic!("open: {slot:?}")
        };
        assert_eq!(s.levels, Levels::default(), "no window before the request");
    }
    let start = platform.now();
    platform.run_until(Ticks(start.0 + 250 * MS));
    under.snapshot_bytes()
}

#[test]
fn the_meters_read_the_played_levels_on_both_sides_identically_through_portcls_and_acx() {
    let (a, b) = (metered("portcls"), metered("acx"));
    assert_eq!(a, b, "PortCls and ACX return the same bytes");
    let s = decode(&a).unwrap();
    let (Slot::Open(render), Slot::Open(capture)) = (s.render, s.capture) else {
        panic!("both sides open: {s:?}")
    };
    // 250 ms at 10 ms packets: 25 data moves per side, 4 800 frames make a window, so the
    // windows close after 100 and 200 ms.
    for (side, levels) in [("render", render.levels), ("capture", capture.levels)] {
        assert_eq!(levels.windows, 2, "{side}");
        assert_eq!(levels.window_frames, 4800, "{side}");
        // 0.5 and 0.25 of full scale, in Q31.
        assert_eq!(levels.peak_q31[..3], [1 << 30, 1 << 29, 0], "{side}");
    }
    // The peaks at their documented offsets: render record at 24, capture at 248, peaks at
    // 160 within a record.
    let word = |at: usize| u32::from_le_bytes(a[at..at + 4].try_into().unwrap());
    assert_eq!((word(24 + 160), word(24 + 164)), (1 << 30, 1 << 29));
    assert_eq!((word(248 + 160), word(248 + 164)), (1 << 30, 1 << 29));
    assert_eq!(word(248 + 156), 2, "capture windows");
}
