//! Build script of cadenza_acx.sys.
//!
//! For a Windows target it (1) lets wdk-build configure the KMDF driver link (the
//! `[package.metadata.wdk.driver-model]` in Cargo.toml: KMDF 1.33), and (2) generates Rust
//! bindings for the ACX 1.1 headers with wdk-build's bindgen configuration plus the ACX include
//! directory (`<WDK>\Include\<ver>\km\acx\km\1.1`), and links `acxstub.lib` from
//! `<WDK>\Lib\<ver>\km\<arch>\acx\km\1.1` — the directories Microsoft's ACX sample projects use.
//!
//! The decision is made at run time from `CARGO_CFG_WINDOWS` (the target), not with
//! `#[cfg(windows)]` (the host this script runs on). wdk-build is a build-dependency on Windows
//! hosts and in the Linux compile check (tools/wdk-check, `cadenza_wdk_cross_check`); anywhere
//! else the crate is an empty library and there is nothing to do.

#[cfg(any(windows, cadenza_wdk_cross_check))]
mod acx {
    use std::env;
    use std::error::Error;
    use std::path::PathBuf;

    use wdk_build::{BuilderExt, Config};

    /// The ACX version the driver binds to (`ACX_VERSION_MAJOR` / `_MINOR`).
    const ACX_VERSION: &str = "1.1";

    /// The headers, in the order Microsoft's ACX samples include them: the kernel and WDF first,
    /// then the Win32 base types and multimedia definitions that ks.h and ksmedia.h build on
    /// (WAVEFORMATEX), then KS, then ACX (`acx.h` includes every `Acx*.h` in order).
    const WRAPPER: &str = "#include <ntddk.h>\n#include <wdf.h>\n#include <windef.h>\n\
                           #include <mmsystem.h>\n#include <ks.h>\n#include <ksmedia.h>\n\
                           #include <acx.h>\n";

    /// The KS and multimedia types ACX's declarations use, each by typedef name AND by the
    /// struct tag bindgen names the struct after (`KSIDENTIFIER` is a typedef of a union-holding
    /// struct, `PKSDATAFORMAT` points at `KSDATAFORMAT`), plus the Win32 base types their
    /// fields use that wdk-sys (kernel headers only) lacks. Jack descriptions are ACX's own
    /// (ACX_JACK_DESCRIPTION with ACX_JACK_* enums), so no KSJACK_DESCRIPTION* and no EPcx*
    /// enum (anonymous in ksmedia.h) is needed. Everything else (GUID, NTSTATUS, WDF handles,
    /// PVOID, MDL) is wdk-sys's, so handles passed between the two are the same Rust types.
    /// A KS type the WDK's ACX headers reference but this list misses dangles and fails the
    /// compile — loudly, on the Windows build.
    const KS_TYPES: &str = "_?KSIDENTIFIER|P?KSIDENTIFIER|KSPROPERTY|PKSPROPERTY|KSMETHOD\
                            |PKSMETHOD|KSEVENT|PKSEVENT|_?KSDATAFORMAT|P?KSDATAFORMAT\
                            |KSDATARANGE|PKSDATARANGE|_?KSSTATE|KSSTATE|PKSSTATE\
                            |BYTE|WORD|DWORD";

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
            // and wdf.h is wdk-sys's (the generated file starts with `use wdk_sys::*`). The
            // WDK names the headers `Acx*.h` (AcxDevice.h, AcxFuncEnum.h...): case-insensitive.
            .allowlist_recursively(false)
            .allowlist_file(r"(?i).*[\\/]acx[a-z]*\.h")
            .allowlist_type(KS_TYPES)
            .raw_line("use wdk_sys::*;")
            .generate()?;
        let out_dir = PathBuf::from(env::var("OUT_DIR")?);
        bindings.write_to_file(out_dir.join("acx.rs"))?;
        // The ACX headers DEFINE `AcxMinimumVersionRequired` (__declspec(selectany)), which
        // acxstub.lib reads to refuse an ACX older than the driver needs; bindgen only declares
        // it. Compiling the headers once gives the definition with the header's own value.
        let c_file = out_dir.join("acx_selectany.c");
        std::fs::write(&c_file, WRAPPER)?;
        let mut cc = cc::Build::new();
        for (key, value) in config.preprocessor_definitions() {
            cc.define(&key, value.as_deref());
        }
        cc.includes(config.include_paths()?)
            .include(&include)
            .define("ACX_VERSION_MAJOR", "1")
            .define("ACX_VERSION_MINOR", "1")
            .file(c_file)
            .compile("cadenza_acx_selectany");
        println!("cargo::rerun-if-changed=build.rs");
        Ok(())
    }
}

#[cfg(any(windows, cadenza_wdk_cross_check))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("CARGO_CFG_WINDOWS").is_some() {
        acx::build()?;
    }
    Ok(())
}

#[cfg(not(any(windows, cadenza_wdk_cross_check)))]
fn main() {}
