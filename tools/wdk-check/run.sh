#!/usr/bin/env bash
# The Linux compile (and link) check of Cadenza's Windows edge: cadenza_pc.sys and
# cadenza_acx.sys, `cadenza-portcls --features wdk` and `cadenza-kernel`, for
# x86_64-pc-windows-msvc and aarch64-pc-windows-msvc, against the real wdk-sys, wdk,
# wdk-alloc, wdk-panic and wdk-macros from crates.io. docs/windows-edge-check.md explains it.
#
#   bash tools/wdk-check/run.sh [x86_64|aarch64 ...]     (default: both)
#   WDK_CHECK_PACKAGES="-p cadenza-pc-sys" bash tools/wdk-check/run.sh x86_64
#                                           (while editing: compile only those, no link)
#
# What is not the WDK here, and why it is enough for a compile check:
# - wdk-build refuses a non-Windows host (compile_error!, the `windows` crate, a Windows-only
#   symlink call), in code a build script given WDKContentRoot never runs. port-wdk-build.py
#   lifts exactly that from a COPY of the crates.io source, selected with `--config patch` for
#   this check alone (the repository's Cargo.toml and Cargo.lock keep
#   crates.io's wdk-build; the lock file is restored afterwards).
# - The "WDK content root" is a directory made here: Debian's mingw-w64 headers stand in for the
#   WDM, KS and PortCls headers, and include/ holds project-owned declarations of the KMDF 1.33
#   and ACX 1.1 items mingw lacks, each naming its DDI documentation page.
# - rustc runs through host-cfg-rustc.sh so the drivers' build scripts get wdk-build on a Linux
#   host (cargo matches build-dependencies against the host).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
out="$root/target/wdk-check"
mkdir -p "$out"

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 aarch64)

mingw_inc=/usr/share/mingw-w64/include
for need in "$mingw_inc/ddk/ntddk.h" "$mingw_inc/ddk/portcls.h" "$mingw_inc/ks.h"; do
  [ -f "$need" ] || { echo "wdk-check: $need missing (apt-get install mingw-w64-x86-64-dev)" >&2; exit 2; }
done
command -v clang >/dev/null || { echo "wdk-check: clang missing (apt-get install clang libclang-dev)" >&2; exit 2; }

# --- wdk-build with its host refusal removed (a copy; crates.io's source is untouched) -------
wdk_build_version=0.6.0
registry_src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wdk-build-$wdk_build_version 2>/dev/null | head -1 || true)"
if [ -z "$registry_src" ]; then
  cargo fetch --locked >/dev/null
  registry_src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wdk-build-$wdk_build_version | head -1)"
fi
patched="$out/wdk-build-$wdk_build_version"
rm -rf "$patched"
cp -r "$registry_src" "$patched"
python3 "$here/port-wdk-build.py" "$patched"

# --- the stand-in WDK content root ----------------------------------------------------------
sdk=10.0.22000.0   # Windows 11 21H2: the oldest Windows the drivers support
kit="$out/kit"
rm -rf "$kit"
inc="$kit/Include/$sdk"
mkdir -p "$inc/km/crt" "$inc/km/ufx/1.1" "$inc/shared" "$kit/Include/wdf/kmdf"
# km: the mingw-w64 DDK headers; shared: the rest of mingw-w64's headers (ks.h, ksmedia.h...).
for f in "$mingw_inc"/ddk/*.h; do ln -s "$f" "$inc/km/"; done
rmdir "$inc/shared"; ln -s "$mingw_inc" "$inc/shared"
ln -s "$here/include/kmdf/1.33" "$kit/Include/wdf/kmdf/1.33"
# ARM64: mingw-w64's wdm.h has no ARM64 block; with _M_ARM (set below for aarch64) it includes
# armddk.h, which mingw does not ship: the project's ARM64 stand-in takes its place.
ln -s "$here/include/arm64/armddk.h" "$inc/km/armddk.h"
mkdir -p "$kit/Include/$sdk/km/acx/km"
ln -s "$here/include/acx/km/1.1" "$kit/Include/$sdk/km/acx/km/1.1"
for a in x64 ARM64; do   # wdk-build's names (CpuArchitecture::as_windows_str)
  mkdir -p "$kit/Lib/$sdk/km/$a" "$kit/Lib/wdf/kmdf/$a/1.33" "$kit/Lib/$sdk/km/$a/acx/km/1.1"
done

# --- stand-in libraries for the link (kit/Lib/<sdk>/km/<arch>, where wdk-build looks) -------
# Import libraries made from kernel-exports.txt alone: an import not in the table cannot link.
# The KMDF/ACX stub libraries: standin/wdk_stub_libraries.c (see there). The rest of what
# wdk-build names (WdfLdr, BufferOverflowFastFailK, wmilib, arm64rt) contributes nothing the
# drivers reference; empty archives stand in for them.
make_standin_libs() {
  local arch=$1 triple=$2 lib_dir=$3 machine
  case $arch in x86_64) machine=i386:x86-64 ;; aarch64) machine=arm64 ;; esac
  local work="$out/standin-$arch"
  rm -rf "$work" && mkdir -p "$work"
  local module
  for module in $(grep -v '^\s*#' "$here/kernel-exports.txt" | awk 'NF {print $1}' | sort -u); do
    local base="${module%.*}"
    { echo "LIBRARY $module"; echo "EXPORTS"
      awk -v m="$module" '!/^[[:space:]]*#/ && $1 == m {print "  " $2}' "$here/kernel-exports.txt"
    } > "$work/$base.def"
    llvm-dlltool -m "$machine" -d "$work/$base.def" -l "$lib_dir/$base.lib"
  done
  clang --target="$triple" -c -O1 -DCADENZA_STANDIN_KMDF "$here/standin/wdk_stub_libraries.c" \
    -o "$work/kmdf.obj"
  clang --target="$triple" -c -O1 -DCADENZA_STANDIN_ACX "$here/standin/wdk_stub_libraries.c" \
    -o "$work/acx.obj"
  llvm-lib /out:"$lib_dir/WdfDriverEntry.lib" "$work/kmdf.obj"
  llvm-lib /out:"$lib_dir/acx/km/1.1/acxstub.lib" "$work/acx.obj"
  printf '' > "$work/empty.c"
  clang --target="$triple" -c "$work/empty.c" -o "$work/empty.obj"
  local empty
  for empty in WdfLdr BufferOverflowFastFailK wmilib arm64rt hal ks; do
    # hal and ks: import libraries of modules no table entry names yet — nothing to import.
    [ -f "$lib_dir/$empty.lib" ] || llvm-lib /out:"$lib_dir/$empty.lib" "$work/empty.obj"
  done
}

mkdir -p "$out/bin"
ln -sf "$(command -v clang)" "$out/bin/clang-cl"

lock_backup="$out/Cargo.lock.orig"
cp Cargo.lock "$lock_backup"
trap 'cp "$lock_backup" "$root/Cargo.lock"' EXIT

# What is checked: the two drivers and every crate of the Windows edge they build on.
packages="-p cadenza-kernel -p cadenza-portcls --features cadenza-portcls/wdk -p cadenza-pc-sys -p cadenza-acx-sys"

# The image checker is a host tool of the workspace, built without any of the settings above.
cargo build --locked --quiet -p cadenza-driver-image-check
checker="$root/target/debug/cadenza-driver-image-check"

# The exports an image may have: ours (DriverEntry, which FxDriverEntry calls, and the
# debugger's CADENZA_DEBUG_ROOT) and the four wdk-sys 0.5 defines as `#[no_mangle] pub` for the
# MSVC toolchain (a cdylib exports every such symbol); anything else is an accidental export.
wdk_sys_exports=(--export _fltused --export __CxxFrameHandler3 --export __CxxFrameHandler4
  --export __GSHandlerCheck_EH4)

# wdk-macros caches the WDF function table it read from the headers (in the `scratch` crate's
# build directory) and never looks again; the stand-in wdf.h may have changed since.
find "$out/target" -name cached_function_info_map.json -delete 2>/dev/null || true

status=0
for arch in "${arches[@]}"; do
  triple="$arch-pc-windows-msvc"
  echo "=== wdk-check: $triple"
  rustup target add "$triple" >/dev/null 2>&1 || true
  tvar="${triple//-/_}"
  # mingw-w64's DDK headers know x86, x64 and 32-bit ARM, but not ARM64 (wdm.h ends its
  # per-architecture block in "#error Unknown Architecture"). For an ARM64 check:
  # - bindgen parses them as x64 (the last --target wins): the generated layouts are x64's,
  #   which for everything LLP64 the drivers use (WDF handles and structures, UNICODE_STRING,
  #   DRIVER_OBJECT, MDL, GUID, KS formats) are ARM64's too; the Rust code is then compiled
  #   and linked for ARM64 against them;
  # - the C compiles (which only materialise __declspec(selectany) data) take the headers'
  #   32-bit-ARM branch (_M_ARM) with include/arm64/armddk.h standing in for the file mingw
  #   does not ship, so their objects are ARM64 objects.
  bindgen_target="--target=$triple"
  c_defs=""
  if [ "$arch" = aarch64 ]; then
    bindgen_target="--target=x86_64-pc-windows-msvc"
    c_defs="-D_M_ARM"
  fi
  # C compiles (wdk-sys's wdf.c, the ACX headers): clang in cl mode for the MSVC target;
  # mingw-w64's headers need __GNUC__ (-fgnuc-version), as with their own gcc.
  export "CC_$tvar=$out/bin/clang-cl"
  export "AR_$tvar=$(command -v llvm-lib)"
  export "CFLAGS_$tvar=--target=$triple -fgnuc-version=4.2.1 $c_defs -Wno-everything /FI$here/include/cadenza_wdm_extra.h"
  # bindgen: libclang does not find its own resource directory (intrinsics headers) from
  # Debian's libclang.so, so it is named.
  export "BINDGEN_EXTRA_CLANG_ARGS_$tvar=$bindgen_target -fgnuc-version=4.2.1 -isystem $(clang -print-resource-dir)/include -include $here/include/cadenza_wdm_extra.h"
  common=(--target "$triple" --config "patch.crates-io.wdk-build.path=\"$patched\"")
  export "CARGO_TARGET_${tvar^^}_LINKER=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld"
  export WDKContentRoot="$kit" Version_Number="$sdk"
  case $arch in x86_64) kit_arch=x64 ;; aarch64) kit_arch=ARM64 ;; esac
  make_standin_libs "$arch" "$triple" "$kit/Lib/$sdk/km/$kit_arch"

  echo "--- compile: clippy -D warnings ($triple): ${WDK_CHECK_PACKAGES:-$packages}"
  if ! RUSTC_WRAPPER="$here/host-cfg-rustc.sh" CARGO_TARGET_DIR="$out/target" \
      cargo clippy "${common[@]}" ${WDK_CHECK_PACKAGES:-$packages} -- -D warnings; then
    status=1
    continue
  fi
  [ -z "${WDK_CHECK_PACKAGES:-}" ] || continue

  # Both profiles: `cargo make default --release` ships the release images, and their PDBs are
  # what the debugger gets (docs/debugging.md).
  for profile in dev release; do
    echo "--- link ($profile): cadenza_pc.sys and cadenza_acx.sys with rust-lld ($triple)"
    if ! RUSTC_WRAPPER="$here/host-cfg-rustc.sh" CARGO_TARGET_DIR="$out/target" \
        cargo build "${common[@]}" --profile "$profile" -p cadenza-pc-sys -p cadenza-acx-sys; then
      status=1
      continue
    fi
    images="$out/target/$triple/$([ "$profile" = dev ] && echo debug || echo "$profile")"
    for driver in cadenza_pc cadenza_acx; do
      echo "--- image check ($profile): $driver.sys ($triple)"
      if ! "$checker" --image "$images/$driver.dll" --exports-table "$here/kernel-exports.txt" \
          --export DriverEntry --export CADENZA_DEBUG_ROOT "${wdk_sys_exports[@]}" \
          --max-build 22000 --pdb "$images/$driver.pdb" --pdb-symbol CADENZA_DEBUG_ROOT \
          --pdb-type cadenza_engine::debug_registry::CadenzaDebugRoot \
          --pdb-natvis "$root/driver/engine/natvis/cadenza.natvis"; then
        status=1
      fi
    done
  done
done
exit $status
