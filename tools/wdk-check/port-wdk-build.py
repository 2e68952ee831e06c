#!/usr/bin/env python3
"""Makes a COPY of crates.io's wdk-build 0.6.0 build on a Linux host, for tools/wdk-check alone.

wdk-build refuses non-Windows hosts in three places, none of which a build script that is given
WDKContentRoot and Version_Number reaches at run time:
  1. utils.rs: `set_var` / `remove_var` end in `compile_error!` off Windows (cargo-make helpers);
  2. utils.rs: the registry lookup of the WDK root uses the `windows` crate, which is empty off
     Windows (`#![cfg(windows)]`), and Cargo.toml depends on it for every host;
  3. cargo_make.rs: the makefile symlink uses `std::os::windows::fs::symlink_file`.
Each edit below keeps the Windows code as it is and adds the non-Windows alternative next to it.
The script fails loudly if the source no longer looks as expected (a new wdk-build version).

usage: port-wdk-build.py DIR   (DIR: the copy to edit in place)
"""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1])


def edit(rel, pattern, replacement, count=1, flags=0):
    path = root / rel
    text = path.read_text()
    new, n = re.subn(pattern, replacement, text, flags=flags)
    if n != count:
        sys.exit(f"port-wdk-build: {rel}: expected {count} match(es) of {pattern!r}, found {n}")
    path.write_text(new)


# 1. the two compile_error! refusals
edit("src/utils.rs",
     r'\r?\n\s*compile_error!\(\s*"windows-drivers-rs is designed to be run on a Windows host[^;]*;',
     "", count=2)

# 2. the registry lookup: Windows only; elsewhere the root must come from WDKContentRoot
edit("src/utils.rs", r"\nuse windows::\{",
     "\n#[cfg(not(windows))]\n"
     "const HKEY_LOCAL_MACHINE: () = ();\n"
     "#[cfg(not(windows))]\n"
     "macro_rules! s { ($s:expr) => { $s }; }\n"
     "#[cfg(windows)]\n"
     "use windows::{")
edit("src/utils.rs", r"\nfn read_registry_key_string_value\(",
     "\n#[cfg(not(windows))]\n"
     "fn read_registry_key_string_value(_: (), _: &str, _: &str) -> Option<String> { None }\n"
     "#[cfg(windows)]\n"
     "fn read_registry_key_string_value(")
edit("Cargo.toml", r"\n\[dependencies\.windows\]\n",
     "\n[target.'cfg(windows)'.dependencies.windows]\n")

# 3. the makefile symlink
edit("src/cargo_make.rs", r"std::os::windows::fs::symlink_file\(", "host_symlink_file(", count=2)
(root / "src/cargo_make.rs").write_text(
    (root / "src/cargo_make.rs").read_text()
    + "\n#[cfg(windows)]\nuse std::os::windows::fs::symlink_file as host_symlink_file;\n"
    "#[cfg(not(windows))]\nuse std::os::unix::fs::symlink as host_symlink_file;\n")
