//! Which driver the scenario runs against. Each framework is one [`DriverUnderTest`]; adding
//! the PortCls or ACX simulator is one arm in [`Framework::driver`].

use anyhow::{anyhow, bail};
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
            Framework::Portcls | Framework::Acx => bail!(
                "--framework {name}: the {name} simulator is not built yet (it will come from the \
                 cadenza-{name} crate); --framework engine is available",
                name = self.name()
            ),
        }
    }
}
