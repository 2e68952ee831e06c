//! The soak (`cadenza_hostsim::soak`) through the PortCls miniport: every call goes through
//! the WaveRT stream vtables the port driver uses, on the port-driver simulator.
//!
//! Default run: 16 cables, 10 simulated seconds (`soak_smoke`). The full hour:
//! `cargo test --release -p cadenza-portcls --features host --test soak -- --ignored --nocapture`
//! (`SOAK_SECONDS=n` changes the length, `SOAK_SEED=n` the seed).

use cadenza_hostsim::soak::{self, Options};
use cadenza_portcls::sim::PortClsDriver;

#[test]
fn soak_smoke() {
    soak::print(&soak::run(&Options::SMOKE, PortClsDriver::new));
}

#[test]
#[ignore = "one simulated hour; run with --release --ignored --nocapture"]
fn soak_one_hour() {
    soak::print(&soak::run(&Options::full_from_env(), PortClsDriver::new));
}
