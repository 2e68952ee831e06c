//! Build script of cadenza_acx.sys.
//!
//! On a Windows host it (1) lets wdk-build configure the KMDF driver link (the
//! `[package.metadata.wdk.driver-model]` in Cargo.toml: KMDF 1.33), and (2) generates Rust
//! bindings for the ACX 1.1 headers with wdk-build's bindgen configuration plus the ACX include
//! directory (`<WDK>\Include\<ver>\km\acx\km\1.1`), and links `acxstub.lib` from
//! `<WDK>\Lib\<ver>\km\<arch>\acx\km\1.1` — the directories Microsoft's ACX sample projects use.
//! On any other host it does nothing (wdk-build refuses to run there).

#[cfg(windows)]
mod acx {
    use std::env;
    use std::error::Error;
    use std::path::PathBuf;

    use wdk_build::{BuilderExt, Config};

    /// The ACX version the driver binds to (`ACX_VERSION_MAJOR` / `_MINOR`).
    const ACX_VERSION: &str = "1.1";

    /// The ACX headers pulled in; `acx.h` includes every `acx*.h` in order.
    const WRAPPER: &str = "#include <ntddk.h>\n#include <wdf.h>\n#include <ks.h>\n\
                           #include <ksmedia.h>\n#include <acx.h>\n";

    fn acx_dir(roots: impl Iterator<Item = PathBuf>) -> Option<PathBuf> {
        roots
            .map(|p| p.join("acx").join("km").join(ACX_VERSION))
            .find(|p| p.is_dir())
    }

    pub fn build() -> Result<(), Box<dyn Error>> {
        wdk_build::configure_wdk_binary_build()?;
        let config = Config::from_env_auto()?;
        let include = acx_dir(config.include_paths()?)
            .ok_or("the WDK has no acx\\km\\1.1 include directory")?;
        let lib = acx_dir(config.library_paths()?)
            .ok_or("the WDK has no acx\\km\\1.1 library directory")?;
        println!("cargo::rustc-link-search=native={}", lib.display());
        println!("cargo::rustc-link-lib=static=acxstub");
        let bindings = bindgen::Builder::wdk_default(&config)?
            .header_contents("cadenza_acx_wrapper.h", WRAPPER)
            .clang_arg(format!("-I{}", include.display()))
            .clang_arg("-DACX_VERSION_MAJOR=1")
            .clang_arg("-DACX_VERSION_MINOR=1")
            // Only ACX's own declarations and the KS types they use; everything from ntddk.h
            // and wdf.h is wdk-sys's (the generated file starts with `use wdk_sys::*`), so WDF
            // handles passed between the two are the same Rust types.
            .allowlist_recursively(false)
            .allowlist_file(r".*[\\/]acx[a-z]*\.h")
            .allowlist_type("_?KSDATAFORMAT.*|_?KSJACK_DESCRIPTION.*|_?WAVEFORMATEX.*|GUID|_GUID")
            .raw_line("use wdk_sys::*;")
            .generate()?;
        let out = PathBuf::from(env::var("OUT_DIR")?).join("acx.rs");
        bindings.write_to_file(out)?;
        println!("cargo::rerun-if-changed=build.rs");
        Ok(())
    }
}

#[cfg(windows)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    acx::build()
}

#[cfg(not(windows))]
fn main() {}
