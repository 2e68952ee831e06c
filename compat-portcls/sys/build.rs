//! On Windows (with the WDK installed), wdk-build configures the kernel-mode link of
//! cadenza_pc.sys (KMDF 1.33, from `package.metadata.wdk`). Elsewhere there is nothing to do:
//! the crate is an empty cdylib.

#[cfg(windows)]
fn main() -> Result<(), wdk_build::ConfigError> {
    wdk_build::configure_wdk_binary_build()
}

#[cfg(not(windows))]
fn main() {}
