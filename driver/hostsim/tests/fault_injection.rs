//! Fault injection on the engine-level driver: every fallible platform call in stream
//! creation, buffer allocation and start fails in turn. Each failure must surface as
//! STATUS_INSUFFICIENT_RESOURCES, leave the stream as it was (the same call can be retried
//! and succeeds), and leak nothing.

use cadenza_engine::format::Format;
use cadenza_engine::state::KsState;
use cadenza_engine::status::NtStatus;
use cadenza_engine::stream::Direction;
use cadenza_engine::time::CounterFrequency;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::{DriverUnderTest, LoopbackConfig, run_loopback};
use cadenza_hostsim::{FaultPlan, SimPlatform};

#[test]
fn each_failing_allocation_and_timer_is_reported_rolled_back_and_leak_free() {
    // Count the fallible calls of a clean run first.
    let clean = SimPlatform::new(1);
    {
        let mut d = EngineDriver::new(clean.clone()).unwrap();
        let mut c = LoopbackConfig::default_for(CounterFrequency::TEN_MHZ);
        c.duration_ticks = 1_000_000;
        run_loopback(&mut d, &c, &mut |_| {}).unwrap();
    }
    let (allocs, timers) = (clean.allocation_calls(), clean.timer_calls());
    assert!(
        allocs >= 3 && timers >= 2,
        "{allocs} allocations, {timers} timers"
    );

    let plans = (0..allocs)
        .map(|n| FaultPlan {
            fail_allocations: vec![n],
            fail_timers: vec![],
        })
        .chain((0..timers).map(|n| FaultPlan {
            fail_allocations: vec![],
            fail_timers: vec![n],
        }));
    for plan in plans {
        let p = SimPlatform::new(1);
        p.set_faults(plan.clone());
        match EngineDriver::new(p.clone()) {
            Err(e) => assert_eq!(e, NtStatus::INSUFFICIENT_RESOURCES, "{plan:?}"),
            Ok(mut d) => {
                // The stream's timer is created with the stream.
                if let Err(e) = d.open(Direction::Render, &Format::DEFAULT) {
                    assert_eq!(e, NtStatus::INSUFFICIENT_RESOURCES, "{plan:?}");
                    // Nothing half-done: the same request now succeeds.
                    d.open(Direction::Render, &Format::DEFAULT).unwrap();
                }
                let first = d.allocate(Direction::Render, 3840 * 2, 2);
                if let Err(e) = first {
                    assert_eq!(e, NtStatus::INSUFFICIENT_RESOURCES, "{plan:?}");
                    // Nothing half-done: the same request now succeeds.
                    d.allocate(Direction::Render, 3840 * 2, 2).unwrap();
                }
                for s in [KsState::Acquire, KsState::Pause, KsState::Run] {
                    d.set_state(Direction::Render, s).unwrap();
                }
                d.close(Direction::Render).unwrap();
            }
        }
        assert_eq!(p.live_allocations().0, 0, "leak with {plan:?}");
        assert_eq!(p.live_timers(), 0, "timer leak with {plan:?}");
    }
}
