//! The soak (`cadenza_hostsim::soak`) through the ACX adapter: every call is an ACX
//! callback (stream creation, AllocateRtPackets, Prepare/Run/Pause/Release, GetCurrentPacket,
//! packet calls) on the ACX simulator.
//!
//! Default run: 16 cables, 10 simulated seconds (`soak_smoke`). The full hour:
//! `cargo test --release -p cadenza-acx --features host --test soak -- --ignored --nocapture`
//! (`SOAK_SECONDS=n` changes the length, `SOAK_SEED=n` the seed).

use cadenza_acx::sim::AcxDriver;
use cadenza_hostsim::soak::{self, Options};

#[test]
fn soak_smoke() {
    soak::print(&soak::run(&Options::SMOKE, AcxDriver::new));
}

#[test]
#[ignore = "one simulated hour; run with --release --ignored --nocapture"]
fn soak_one_hour() {
    soak::print(&soak::run(&Options::full_from_env(), AcxDriver::new));
}
