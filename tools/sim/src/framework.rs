//! Which driver the scenario runs against: the engine directly, the PortCls miniports through
//! their vtables, or the ACX adapter through its callbacks, each a [`DriverUnderTest`].

use anyhow::anyhow;
use cadenza_hostsim::SimPlatform;
use cadenza_hostsim::engine_driver::EngineDriver;
use cadenza_hostsim::scenario::DriverUnderTest;
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Framework {
    /// The stream engine driven directly (no framework adapter).
    Engine,
    /// The PortCls WaveRT miniport, through its COM vtables.
    Portcls,
    /// The ACX adapter, through its callbacks.
    Acx,
}

impl Framework {
    pub const fn name(self) -> &'static str {
        match self {
            Framework::Engine => "engine",
            Framework::Portcls => "portcls",
            Framework::Acx => "acx",
        }
    }

    /// The driver under test for this framework, on `platform`.
    pub fn driver(self, platform: SimPlatform) -> anyhow::Result<Box<dyn DriverUnderTest>> {
        match self {
            Framework::Engine => {
                let driver = EngineDriver::new(platform)
                    .map_err(|s| anyhow!("the engine driver did not start: {s}"))?;
                Ok(Box::new(driver))
            }
            Framework::Portcls => {
                let driver = cadenza_portcls::sim::PortClsDriver::new(platform)
                    .map_err(|s| anyhow!("the PortCls miniports did not start: {s}"))?;
                Ok(Box::new(driver))
            }
            Framework::Acx => {
                let driver = cadenza_acx::sim::AcxDriver::new(platform)
                    .map_err(|s| anyhow!("the ACX adapter did not start: {s}"))?;
                Ok(Box::new(driver))
            }
        }
    }
}
