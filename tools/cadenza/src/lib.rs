//! `cadenza`: the Windows command that installs, uninstalls and switches the Cadenza device
//! between its ACX and PortCls drivers, lists it, shows or changes its configuration with the
//! drivers' own parser (`cadenza_engine::config`), and shows its streams' live status with the
//! engine's decoder (`cadenza_engine::live_status`). docs/cadenza-tool.md is the manual.
//!
//! Everything but the calls into Windows is plain Rust, tested on any host: the command line
//! ([`cli`]), the commands ([`app`]), the INF reader ([`inf`]), the configuration checks
//! ([`params`]) and the live-status request and report ([`status`]). Windows is behind one
//! trait, [`system::System`]; the `windows` module implements it with SetupAPI, newdev, the
//! registry and `DeviceIoControl` (windows-sys), and the tests with a fake.

pub mod app;
pub mod cli;
pub mod inf;
pub mod params;
pub mod status;
pub mod system;

#[cfg(windows)]
pub mod windows;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
