//! Build script of cadenza_pc.sys.
//!
//! For a Windows target, wdk-build configures the kernel-mode link (KMDF 1.33, from
//! `package.metadata.wdk`). The decision is made at run time from `CARGO_CFG_WINDOWS` (the
//! target), not with `#[cfg(windows)]` (the host, where this script runs): a Windows host
//! building a host tool, or the Linux compile check (tools/wdk-check) building the driver,
//! would otherwise do the wrong thing. On a host without wdk-build (Linux, outside the check)
//! the crate is an empty cdylib and there is nothing to configure.

#[cfg(any(windows, cadenza_wdk_cross_check))]
fn main() -> Result<(), wdk_build::ConfigError> {
    if std::env::var_os("CARGO_CFG_WINDOWS").is_some() {
        wdk_build::configure_wdk_binary_build()?;
    }
    Ok(())
}

#[cfg(not(any(windows, cadenza_wdk_cross_check)))]
fn main() {}
