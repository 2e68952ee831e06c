//! Shared by the mingw-w64 checks (`compat-portcls/tests/abi.rs`,
//! `driver/kernel/tests/ddi_prototypes.rs`, each including this file with `#[path]`): whether a
//! missing mingw-w64 toolchain fails the check or only warns.

/// The variable that makes a missing mingw-w64 toolchain a failure rather than a warning (the
/// Linux CI sets it; the Windows workflow, which has no mingw, does not).
pub const REQUIRE_MINGW: &str = "CADENZA_REQUIRE_MINGW";

/// Whether the value of [`REQUIRE_MINGW`] makes the check mandatory: set, and not empty, `0` or
/// `false` (any case).
pub fn mingw_required(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| {
        let v = v.to_string_lossy();
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

#[test]
fn only_an_explicit_require_mingw_makes_the_check_mandatory() {
    use std::ffi::OsStr;
    assert!(!mingw_required(None));
    for off in ["", "0", "false", "FALSE", " 0 "] {
        assert!(!mingw_required(Some(OsStr::new(off))), "{off:?}");
    }
    for on in ["1", "true", "yes"] {
        assert!(mingw_required(Some(OsStr::new(on))), "{on:?}");
    }
}
