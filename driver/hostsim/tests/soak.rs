//! The soak (`cadenza_hostsim::soak`) against the engine-level driver.
//!
//! Default run: 16 cables, 10 simulated seconds (`soak_smoke`). The full hour:
//! `cargo test --release -p cadenza-hostsim --test soak -- --ignored --nocapture`
//! (`SOAK_SECONDS=n` changes the length, `SOAK_SEED=n` the seed).

use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::soak::{self, Options};

#[test]
fn soak_smoke() {
    // 16 cables cover every behaviour; the debug build runs this in about 5 s.
    soak::print(&soak::run(&Options::SMOKE, EngineDriver::new));
}

#[test]
#[ignore = "one simulated hour; run with --release --ignored --nocapture"]
fn soak_one_hour() {
    soak::print(&soak::run(&Options::full_from_env(), EngineDriver::new));
}
