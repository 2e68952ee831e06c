//! `cadenza status`: the plain-Rust half — the KS request the Windows backend sends, which
//! filters of a device answer for which cable, and the text of a decoded snapshot. The
//! snapshot itself is decoded by the engine ([`cadenza_engine::live_status::decode`]), the
//! code the drivers' own tests run on their replies.
//!
//! The KS facts below are written out here (not taken from a header) and checked against
//! windows-sys in the Windows build.

use std::fmt::Write as _;

use cadenza_engine::Guid;
use cadenza_engine::level::{FULL_SCALE_Q31, WINDOW_MILLIS};
use cadenza_engine::live_status::{
    DecodeError, KSPROPERTY_TYPE_GET, KSPROPSETID_CADENZA_STATUS, PROPERTY_SNAPSHOT, Slot,
    Snapshot, StreamStatus,
};

/// `KSCATEGORY_AUDIO` {6994AD04-93EF-11D0-A3CC-00A0C9223196}: the device interface class
/// under which both drivers' filters (PortCls wave and topology filters, ACX circuits) are
/// registered.
pub const KSCATEGORY_AUDIO: Guid = Guid::from_u128(0x6994_ad04_93ef_11d0_a3cc_00a0_c922_3196);

/// `FILE_DEVICE_KS`, the device type of kernel-streaming IOCTLs.
const FILE_DEVICE_KS: u32 = 0x0000_002F;
/// `METHOD_NEITHER`: the buffers are passed as they are (KS probes them itself).
const METHOD_NEITHER: u32 = 3;
/// `FILE_ANY_ACCESS`.
const FILE_ANY_ACCESS: u32 = 0;

/// `CTL_CODE(DeviceType, Function, Method, Access)`.
const fn ctl_code(device_type: u32, function: u32, method: u32, access: u32) -> u32 {
    (device_type << 16) | (access << 14) | (function << 2) | method
}

/// `IOCTL_KS_PROPERTY` = `CTL_CODE(FILE_DEVICE_KS, 0x000, METHOD_NEITHER, FILE_ANY_ACCESS)`
/// (0x002F0003).
pub const IOCTL_KS_PROPERTY: u32 = ctl_code(FILE_DEVICE_KS, 0x000, METHOD_NEITHER, FILE_ANY_ACCESS);

/// Bytes of a `KSPROPERTY` (`KSIDENTIFIER`): GUID `Set`, ULONG `Id`, ULONG `Flags`, in a
/// union with a LONGLONG that makes it 8-byte aligned.
pub const KSPROPERTY_BYTES: usize = 24;

/// The `KSPROPERTY` that asks for the snapshot: `{ KSPROPSETID_CadenzaStatus,
/// PROPERTY_SNAPSHOT, KSPROPERTY_TYPE_GET }`, as its memory image.
pub fn snapshot_request() -> [u8; KSPROPERTY_BYTES] {
    let mut out = [0u8; KSPROPERTY_BYTES];
    out[..16].copy_from_slice(&KSPROPSETID_CADENZA_STATUS.to_bytes());
    out[16..20].copy_from_slice(&PROPERTY_SNAPSHOT.to_le_bytes());
    out[20..24].copy_from_slice(&KSPROPERTY_TYPE_GET.to_le_bytes());
    out
}

/// The largest size the driver's size answer is believed (a version-2 snapshot is 472 bytes).
pub const MAX_STATUS_BYTES: u32 = 64 * 1024;

/// The refresh period of `status --watch`.
pub const WATCH_PERIOD_MS: u32 = 500;

/// How long a one-shot `status` waits before asking again when a running stream had no level
/// window yet: the request started its meter, and one window (100 ms) later it has levels.
pub const LEVEL_WAIT_MS: u32 = WINDOW_MILLIS + 50;

/// Whether a stream in `snapshot` is running with no level window (its meter was idle until
/// the request that returned this snapshot).
pub fn running_without_levels(snapshot: &Snapshot) -> bool {
    [snapshot.render, snapshot.capture].iter().any(|slot| {
        matches!(slot, Slot::Open(s)
            if s.state == cadenza_engine::state::KsState::Run && s.levels.windows == 0)
    })
}

/// Clears the terminal and puts the cursor top left (`ESC [ H`, `ESC [ 2 J`).
pub const CLEAR_SCREEN: &str = "\x1b[H\x1b[2J";

/// What a filter is to the live status, from its interface reference string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FilterRole {
    /// An ACX render circuit (`CadenzaRender<n>`): answers for its whole pair.
    Render,
    /// An ACX capture circuit (`CadenzaCapture<n>`): answers for its whole pair.
    Capture,
    /// A PortCls wave filter (`Wave<n>`).
    Wave,
}

/// A filter that may serve the live status: its 1-based cable number, its role and its
/// reference string as the interface path spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusFilter {
    pub cable: u8,
    pub role: FilterRole,
    pub reference: String,
    pub path: String,
}

/// The reference string of a device interface path: what follows the interface class GUID
/// (`\\?\root#media#0000#{6994ad04-...}\wave1` → `wave1`).
pub fn reference_of(path: &str) -> Option<&str> {
    path.rsplit_once("}\\")
        .map(|(_, r)| r)
        .filter(|r| !r.is_empty())
}

/// The filter at `path`, if it is one that serves the live status: a PortCls wave filter
/// (`Wave1`..`Wave8`) or an ACX circuit (`CadenzaRender1`.., `CadenzaCapture1`..). Topology
/// filters and anything else are not. Windows may change the reference string's case.
pub fn status_filter(path: &str) -> Option<StatusFilter> {
    let reference = reference_of(path)?;
    let lower = reference.to_ascii_lowercase();
    let (role, number) = [
        ("cadenzarender", FilterRole::Render),
        ("cadenzacapture", FilterRole::Capture),
        ("wave", FilterRole::Wave),
    ]
    .into_iter()
    .find_map(|(prefix, role)| lower.strip_prefix(prefix).map(|n| (role, n)))?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cable: u8 = number.parse().ok().filter(|n| (1..=8).contains(n))?;
    Some(StatusFilter {
        cable,
        role,
        reference: reference.to_owned(),
        path: path.to_owned(),
    })
}

/// What is wrong with bytes `decode` refused, in words.
pub fn decode_error_text(e: DecodeError) -> &'static str {
    match e {
        DecodeError::Short => "shorter than a snapshot",
        DecodeError::Magic => "not a Cadenza snapshot (wrong magic)",
        DecodeError::Version => "another layout version (this cadenza reads version 2)",
        DecodeError::Shape => "a header whose sizes or pair count are not version 2's",
        DecodeError::Direction => "a record in the wrong direction's place",
        DecodeError::SlotCode => "an unknown slot code",
        DecodeError::NotZero => "non-zero fields in a slot without a stream",
        DecodeError::KsState => "an unknown KS state",
        DecodeError::Flags => "unknown flags",
        DecodeError::Format => "an invalid format",
        DecodeError::Buffer => "inconsistent buffer fields",
        DecodeError::Levels => "inconsistent peak levels",
    }
}

/// `n / d` with three decimals (`d` > 0), rounded down.
fn milli(n: u64, d: u64) -> String {
    let thousandths = u128::from(n) * 1000 / u128::from(d.max(1));
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

fn ks_state_name(s: &StreamStatus) -> &'static str {
    match s.state {
        cadenza_engine::state::KsState::Stop => "STOP",
        cadenza_engine::state::KsState::Acquire => "ACQUIRE",
        cadenza_engine::state::KsState::Pause => "PAUSE",
        cadenza_engine::state::KsState::Run => "RUN",
    }
}

/// One slot of a pair, `label` (`render` / `capture`) first, each line indented by two.
fn render_slot(out: &mut String, label: &str, slot: &Slot) {
    let s = match slot {
        Slot::NoEndpoint => {
            let _ = writeln!(out, "  {label:<8} no endpoint in this direction");
            return;
        }
        Slot::Idle => {
            let _ = writeln!(out, "  {label:<8} no stream open");
            return;
        }
        Slot::Open(s) => s,
    };
    let f = &s.format;
    let rate = f.rate().hz();
    let mask = f.channel_mask().bits();
    let mask = if mask == 0 {
        "no channel mask".to_owned()
    } else {
        format!("channel mask 0x{mask:X}")
    };
    let _ = writeln!(
        out,
        "  {label:<8} {:<7} {} {} ch {} Hz, {mask}",
        ks_state_name(s),
        f.sample().name(),
        f.channels().get(),
        rate
    );
    let pad = "           ";
    match s.buffer {
        Some(b) => {
            let _ = write!(
                out,
                "{pad}buffer {} x {} frames ({} ms per packet), notifications {}",
                b.packets.get(),
                b.packet_frames,
                milli(u64::from(b.packet_frames) * 1000, u64::from(rate)),
                if b.notify { "on" } else { "off" }
            );
        }
        None => {
            let _ = write!(out, "{pad}no buffer attached");
        }
    }
    out.push_str(if s.packet_mode {
        ", packet mode\n"
    } else {
        "\n"
    });
    let _ = writeln!(
        out,
        "{pad}position {} frames ({} s), {} packets completed, {} frames transferred",
        s.position_frames,
        milli(s.position_frames, u64::from(rate)),
        s.completed_packets,
        s.transferred_frames
    );
    let c = &s.counters;
    let mean = if c.wakeups == 0 {
        "-".to_owned()
    } else {
        milli(c.total_lateness_hns, c.wakeups * 10_000)
    };
    let _ = writeln!(
        out,
        "{pad}timer: {} wake-ups ({} early), lateness max {} ms, mean {mean} ms",
        c.wakeups,
        c.early_wakeups,
        milli(c.max_lateness_hns, 10_000),
    );
    let _ = writeln!(
        out,
        "{pad}notifications {}, missed {} (late timers)",
        c.notifications, c.missed_notifications
    );
    let _ = writeln!(
        out,
        "{pad}glitches: underrun {} frames, late {} packets, overrun {} packets, \
         overflow {} packets, dropped {} frames",
        c.underrun_frames, c.late_packets, c.overrun_packets, c.overflow_packets, c.dropped_frames
    );
    render_levels(out, s);
}

/// Columns of the level meter's bar.
pub const METER_COLUMNS: usize = 40;
/// The bottom of the meter's scale, in dBFS: quieter peaks show an empty bar.
pub const METER_FLOOR_DB: f64 = -60.0;

/// The nearest column to `fraction` (0.0..=1.0) of the bar.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn columns_of(fraction: f64) -> usize {
    // fraction is clamped to 0..=1 by the caller, so the product is 0..=40: no truncation, no
    // sign, and 40 is exact in f64.
    (fraction.clamp(0.0, 1.0) * METER_COLUMNS as f64).round() as usize
}

/// A Q31 peak in dBFS (`None` for silence).
pub fn peak_dbfs(q31: u32) -> Option<f64> {
    (q31 > 0).then(|| 20.0 * (f64::from(q31) / f64::from(FULL_SCALE_Q31)).log10())
}

/// The meter line of one channel: its peak in dBFS and a bar from the floor to 0 dBFS, with
/// `FULL SCALE` when the window held a sample at or beyond full scale.
pub fn meter_line(channel: usize, q31: u32) -> String {
    let db = peak_dbfs(q31);
    let filled = db.map_or(0, |db| {
        let fraction = ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0);
        columns_of(fraction)
    });
    let value = db.map_or_else(|| "   -inf".to_owned(), |db| format!("{db:>7.1}"));
    let mut line = format!(
        "ch {:<2} {value} dBFS |{}{}|",
        channel + 1,
        "#".repeat(filled),
        " ".repeat(METER_COLUMNS - filled)
    );
    if q31 >= FULL_SCALE_Q31 {
        line.push_str(" FULL SCALE");
    }
    line
}

/// The peak levels of the last complete window, one meter line per channel.
fn render_levels(out: &mut String, s: &StreamStatus) {
    let pad = "           ";
    let l = &s.levels;
    if l.windows == 0 {
        let _ = writeln!(
            out,
            "{pad}levels: no complete {WINDOW_MILLIS} ms window yet"
        );
        return;
    }
    let _ = writeln!(
        out,
        "{pad}levels (peak of the last window, {} frames = {} ms; floor {METER_FLOOR_DB} dBFS):",
        l.window_frames,
        milli(
            u64::from(l.window_frames) * 1000,
            u64::from(s.format.rate().hz())
        )
    );
    let channels = usize::from(s.format.channels().get());
    for (ch, &q) in l.peak_q31.iter().enumerate().take(channels) {
        let _ = writeln!(out, "{pad}  {}", meter_line(ch, q));
    }
}

/// The text of one cable's snapshot, read from the filter `reference`.
pub fn render_cable(cable: u8, reference: &str, snapshot: &Snapshot) -> String {
    let mut out = format!("Cable {cable} (filter {reference})\n");
    render_slot(&mut out, "render", &snapshot.render);
    render_slot(&mut out, "capture", &snapshot.capture);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_constants_are_the_documented_values() {
        assert_eq!(IOCTL_KS_PROPERTY, 0x002F_0003);
        assert_eq!(IOCTL_KS_PROPERTY, 3_080_195);
        assert_eq!(
            snapshot_request(),
            [
                0x87, 0xF9, 0x5B, 0x0D, 0xC3, 0xCE, 0x78, 0x42, 0x9A, 0x37, 0xA2, 0x10, 0x90, 0x51,
                0x14, 0x91, 1, 0, 0, 0, 1, 0, 0, 0
            ]
        );
        assert_eq!(
            KSCATEGORY_AUDIO.to_string(),
            "6994AD04-93EF-11D0-A3CC-00A0C9223196"
        );
    }

    #[test]
    fn filters_are_recognised_by_their_reference_strings() {
        let f =
            status_filter("\\\\?\\root#media#0000#{6994ad04-93ef-11d0-a3cc-00a0c9223196}\\wave2")
                .unwrap();
        assert_eq!(
            (f.cable, f.role, f.reference.as_str()),
            (2, FilterRole::Wave, "wave2")
        );
        let f = status_filter("\\\\?\\ROOT#MEDIA#0001#{x}\\CadenzaCapture8").unwrap();
        assert_eq!((f.cable, f.role), (8, FilterRole::Capture));
        let f = status_filter("\\\\?\\ROOT#MEDIA#0001#{x}\\CadenzaRender1").unwrap();
        assert_eq!((f.cable, f.role), (1, FilterRole::Render));
        for other in [
            "\\\\?\\root#media#0000#{x}\\topology1",
            "\\\\?\\root#media#0000#{x}\\wave",
            "\\\\?\\root#media#0000#{x}\\wave9",
            "\\\\?\\root#media#0000#{x}\\wave0",
            "\\\\?\\root#media#0000#{x}\\wave1a",
            "\\\\?\\root#media#0000#{x}\\",
            "no reference",
        ] {
            assert_eq!(status_filter(other), None, "{other}");
        }
    }

    #[test]
    fn milli_rounds_down_to_three_decimals() {
        assert_eq!(milli(480_000, 48_000), "10.000");
        assert_eq!(milli(1, 3), "0.333");
        assert_eq!(milli(5, 0), "5.000");
    }
}
