//! Which driver the scenario runs against: the engine directly, the PortCls miniports through
//! their vtables, or the ACX adapter through its callbacks, each a [`DriverUnderTest`].

use anyhow::anyhow;
use cadenza_engine::config::DeviceConfig;
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

    /// The driver under test for this framework, on `platform`, started with `config` — the
    /// same [`DeviceConfig`] for every framework.
    pub fn driver(
        self,
        platform: SimPlatform,
        config: &DeviceConfig,
    ) -> anyhow::Result<Box<dyn DriverUnderTest>> {
        match self {
            Framework::Engine => {
                let driver = EngineDriver::with_config(platform, config)
                    .map_err(|s| anyhow!("the engine driver did not start: {s}"))?;
                Ok(Box::new(driver))
            }
            Framework::Portcls => {
                let driver = cadenza_portcls::sim::PortClsDriver::with_config(platform, config)
                    .map_err(|s| anyhow!("the PortCls miniports did not start: {s}"))?;
                Ok(Box::new(driver))
            }
            Framework::Acx => {
                let driver = cadenza_acx::sim::AcxDriver::with_config(platform, config)
                    .map_err(|s| anyhow!("the ACX adapter did not start: {s}"))?;
                Ok(Box::new(driver))
            }
        }
    }
}
