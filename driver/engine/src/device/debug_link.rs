//! The link from a device to the driver's debug memory: the trace ring and the table of live
//! streams that WinDbg's `cadenza.js` reads through `CADENZA_DEBUG_ROOT`.
//!
//! A device that carries a [`DebugLink`] has every [`ops`](super::ops) call recorded: state
//! changes, buffers, notifications (and missed ones), packets, events, underruns, overflows,
//! power and removal, errors with their NTSTATUS. Recording is lock-free and allocation-free,
//! so it is safe on the DPC path; a device without a link records nothing.

use crate::debug_registry::{DEFAULT_SLOTS, DebugFramework, StreamTable};
use crate::status::NtStatus;
use crate::stream::{Stream, StreamStats};
use crate::time::Ticks;
use crate::trace::{DEFAULT_CAPACITY, TraceKind, TraceRing};

/// Where a device's streams are recorded.
#[derive(Clone, Copy, Debug)]
pub struct DebugLink {
    pub trace: &'static TraceRing<DEFAULT_CAPACITY>,
    pub table: &'static StreamTable<DEFAULT_SLOTS>,
    pub framework: DebugFramework,
    /// 0-based cable (device) index, shown in the stream table.
    pub cable: u32,
}

/// Operation codes recorded as the second argument of [`TraceKind::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Op {
    Open = 1,
    SetFormat = 2,
    AttachBuffer = 3,
    SetState = 4,
    Position = 5,
    WritePacket = 6,
    ReadPacket = 7,
    RegisterEvent = 8,
    UnregisterEvent = 9,
}

impl DebugLink {
    /// Records one event for `stream` (0 for device-wide events).
    pub fn record(&self, now: Ticks, stream: u32, kind: TraceKind, args: [u64; 4]) {
        // A full ring drops the record and counts it; tracing never waits.
        let _ = self.trace.record(now.get(), stream, kind, args);
    }

    /// Records a refused call.
    pub fn error(&self, now: Ticks, stream: u32, status: NtStatus, op: Op) {
        #[allow(clippy::cast_sign_loss)] // the NTSTATUS bit pattern, as WinDbg shows it
        let code = u64::from(status.0 as u32);
        self.record(now, stream, TraceKind::Error, [code, op as u64, 0, 0]);
    }

    /// Publishes `stream`'s current snapshot to the table.
    pub fn publish(&self, stream: &Stream, now: Ticks) {
        let _ = self
            .table
            .publish_stream(self.framework, self.cable, stream, now);
    }

    /// Records what changed in `stream`'s counters since `before` (missed notifications,
    /// underruns, overflows), then publishes the stream.
    pub fn stats_changed(&self, stream: &Stream, before: &StreamStats, now: Ticks) {
        let after = stream.stats();
        let id = stream.id();
        let missed = after
            .missed_notifications
            .saturating_sub(before.missed_notifications);
        if missed > 0 {
            let newest = stream.completed_packets(now);
            self.record(
                now,
                id,
                TraceKind::MissedNotifications,
                [missed, newest, 0, 0],
            );
        }
        if after.max_lateness_ticks > before.max_lateness_ticks {
            self.record(
                now,
                id,
                TraceKind::LateTimer,
                [after.max_lateness_ticks, 0, 0, 0],
            );
        }
        let underrun = after.underrun_frames.saturating_sub(before.underrun_frames);
        if underrun > 0 {
            self.record(
                now,
                id,
                TraceKind::Underrun,
                [underrun, stream.transferred(), 0, 0],
            );
        }
        let overflow = after
            .overflow_packets
            .saturating_sub(before.overflow_packets);
        if overflow > 0 {
            self.record(now, id, TraceKind::Overflow, [overflow, 0, 0, 0]);
        }
        self.publish(stream, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::virtual_device::VirtualDevice;
    use crate::device::{Presence, ops};
    use crate::format::Format;
    use crate::geometry::{BufferGeometry, BufferLimits, PacketCount};
    use crate::platform::{DmaBuffer, EventHandle};
    use crate::state::KsState;
    use crate::stream::Direction;
    use crate::time::CounterFrequency;
    use std::boxed::Box;
    use std::vec::Vec;

    fn link(cable: u32) -> DebugLink {
        DebugLink {
            trace: Box::leak(Box::new(TraceRing::new())),
            table: Box::leak(Box::new(StreamTable::new())),
            framework: DebugFramework::Acx,
            cable,
        }
    }

    /// What the debugger's trace shows after a DPC: one record per counter that grew, with
    /// the growth, and none for a counter that did not.
    #[test]
    fn stats_changed_records_exactly_the_counters_that_grew() {
        let l = link(0);
        let mut s = Stream::new_virtual(
            4,
            Direction::Capture,
            Format::DEFAULT,
            CounterFrequency::TEN_MHZ,
        );
        let before = *s.stats();
        l.stats_changed(&s, &before, Ticks(100));
        assert_eq!(l.trace.iter().count(), 0, "nothing grew, nothing recorded");
        assert!(
            l.table.find(0, 4).is_some(),
            "the stream is published all the same"
        );

        let st = s.stats_mut();
        st.missed_notifications += 3;
        st.underrun_frames += 10;
        st.overflow_packets += 2;
        st.max_lateness_ticks = 500;
        l.stats_changed(&s, &before, Ticks(200));
        let records: Vec<(Option<TraceKind>, [u64; 4])> =
            l.trace.iter().map(|e| (e.kind(), e.args)).collect();
        assert_eq!(
            records,
            [
                (Some(TraceKind::MissedNotifications), [3, 0, 0, 0]),
                (Some(TraceKind::LateTimer), [500, 0, 0, 0]),
                (Some(TraceKind::Underrun), [10, 0, 0, 0]),
                (Some(TraceKind::Overflow), [2, 0, 0, 0]),
            ]
        );
        // The same lateness again is not news.
        let before = *s.stats();
        l.stats_changed(&s, &before, Ticks(300));
        assert_eq!(l.trace.iter().count(), 4);
    }

    #[test]
    fn ops_record_every_step_of_a_stream_and_keep_the_table_current() {
        const F: CounterFrequency = CounterFrequency::TEN_MHZ;
        let trace: &'static TraceRing<DEFAULT_CAPACITY> = Box::leak(Box::new(TraceRing::new()));
        let table: &'static StreamTable<DEFAULT_SLOTS> = Box::leak(Box::new(StreamTable::new()));
        let mut cable = VirtualDevice::cable(DmaBuffer::leaked(1 << 16), F);
        cable.set_debug_link(DebugLink {
            trace,
            table,
            framework: DebugFramework::PortCls,
            cable: 3,
        });

        ops::open(&mut cable, 7, Direction::Render, Format::DEFAULT, F).unwrap();
        let g = BufferGeometry::plan(
            &Format::DEFAULT,
            7680,
            PacketCount::Two,
            true,
            &BufferLimits::DEFAULT,
        )
        .unwrap();
        ops::attach_buffer(&mut cable, Direction::Render, DmaBuffer::leaked(7680), g)
            .map_err(|(e, _)| e)
            .unwrap();
        ops::register_event(
            &mut cable,
            Direction::Render,
            EventHandle::host(0x40).unwrap(),
        )
        .unwrap();
        for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
            ops::set_state(&mut cable, Direction::Render, s, Ticks(0)).unwrap();
        }
        ops::set_write_packet(&mut cable, 1, 0, 0, Ticks(10)).unwrap();
        assert!(ops::set_write_packet(&mut cable, 0, 0, 0, Ticks(10)).is_err()); // late
        ops::on_timer(&mut cable, Direction::Render, Ticks(350_000)); // 2.5 packets late
        let live = table
            .find(3, 7)
            .expect("the running stream is in the table");
        assert_eq!(live.state, KsState::Run.raw());
        assert_eq!(live.stats.missed_notifications, 2);
        ops::set_presence(&mut cable, Presence::Removed, Ticks(400_000));
        let memory = ops::close(&mut cable, Direction::Render, Ticks(400_000)).unwrap();
        assert_eq!(memory.len(), 7680);
        assert!(
            table.find(3, 7).is_none(),
            "a destroyed stream leaves the table"
        );

        let kinds: Vec<TraceKind> = trace.iter().filter_map(|e| e.kind()).collect();
        assert_eq!(
            kinds,
            [
                TraceKind::StreamCreated,
                TraceKind::BufferAllocated,
                TraceKind::EventRegistered,
                TraceKind::StateChange,
                TraceKind::StateChange,
                TraceKind::StateChange,
                TraceKind::PacketWritten,
                TraceKind::Error,
                TraceKind::Notification,
                TraceKind::MissedNotifications,
                TraceKind::LateTimer,
                TraceKind::DeviceRemoved,
                TraceKind::StreamDestroyed,
            ]
        );
        let error = trace
            .iter()
            .find(|e| e.kind() == Some(TraceKind::Error))
            .unwrap();
        assert_eq!(
            error.args[0], 0xC000_003D,
            "STATUS_DATA_LATE_ERROR is recorded"
        );
    }
}
