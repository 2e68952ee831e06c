#!/usr/bin/env bash
# tools/cadenza/ci.sh: builds the real cadenza.exe (x86_64-pc-windows-gnu, linked by
# mingw-w64) and runs it under Wine against Wine's SetupAPI and registry, asserting exit codes,
# messages and the registry contents (read back with Wine's reg.exe, not with cadenza).
# docs/cadenza-tool.md says what this covers and what only Windows can confirm.
#
# Installs what it needs when missing (rustup target, mingw-w64, wine64), so it runs on a clean
# Debian/Ubuntu CI machine as root; idempotent. Uses a fresh Wine prefix in a temporary
# directory and removes it at the end. Takes about a minute once the tools are installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Tools --------------------------------------------------------------------------------
rustup target list --installed | grep -qx x86_64-pc-windows-gnu ||
  rustup target add x86_64-pc-windows-gnu
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v x86_64-w64-mingw32-dlltool >/dev/null; then
  apt_install gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
fi
find_wine() {
  if [ -x /usr/lib/wine/wine64 ]; then echo /usr/lib/wine/wine64
  elif command -v wine64 >/dev/null; then command -v wine64
  elif command -v wine >/dev/null; then command -v wine
  fi
}
wine=$(find_wine)
if [ -z "$wine" ]; then
  apt_install wine64
  wine=$(find_wine)
fi
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo "")
echo "cadenza ci: wine is $wine ($("$wine" --version 2>/dev/null || echo 'version unknown'))"

# --- Build ----------------------------------------------------------------------------------
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
cargo build -q -p cadenza-tool --target x86_64-pc-windows-gnu
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
exe=$target_dir/x86_64-pc-windows-gnu/debug/cadenza.exe

work=$(mktemp -d /tmp/cadenza-ci.XXXXXX)
export WINEPREFIX=$work/prefix WINEDEBUG=-all
cleanup() {
  if [ -n "$wineserver" ]; then "$wineserver" -k >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/bin" "$work/pkg" "$work/pkg-wine"
cp "$exe" "$work/bin/cadenza.exe"
# Rust's standard library imports bcryptprimitives.dll (ProcessPrng), which Wine 8 lacks: a
# test-only stand-in beside the exe (see wine/bcryptprimitives.c). Windows uses its own.
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bin/bcryptprimitives.dll" \
  tools/cadenza/wine/bcryptprimitives.c tools/cadenza/wine/bcryptprimitives.def -ladvapi32
"$wine" wineboot -i >/dev/null 2>&1 || true

# --- Helpers --------------------------------------------------------------------------------
checks=0
fail() {
  echo "cadenza ci: FAILED: $*" >&2
  echo "--- stdout:" >&2; cat "$work/out" >&2 || true
  echo "--- stderr:" >&2; cat "$work/err" >&2 || true
  exit 1
}
# run ARGS...: runs cadenza.exe under Wine; sets $code; output in $work/out and $work/err.
run() {
  set +e
  (cd "$work/bin" && "$wine" ./cadenza.exe "$@" >"$work/out" 2>"$work/err")
  code=$?
  set -e
}
# expect CODE TEXT ARGS...: cadenza ARGS exits with CODE and prints TEXT (stdout or stderr).
expect() {
  local want=$1 text=$2
  shift 2
  run "$@"
  [ "$code" = "$want" ] || fail "cadenza $* exited $code, expected $want"
  grep -qF -- "$text" "$work/out" "$work/err" || fail "cadenza $* did not print: $text"
  checks=$((checks + 1))
  echo "ok $checks: cadenza $* -> exit $code, printed: $text"
}
reg() { "$wine" reg "$@" 2>/dev/null | tr -d '\r'; }
# expect_reg KEY NAME TYPE DATA: Wine's reg.exe shows that value in KEY.
expect_reg() {
  local key=$1 name=$2 type=$3 data=$4 line
  line=$(reg query "$key" /v "$name" | grep -E "^ +$name +" || true)
  printf '%s\n' "$line" | grep -qE "^ +$name +$type +" || fail "$key\\$name is not $type: '$line'"
  [ "$(printf '%s' "$line" | sed -E "s/^ +$name +$type +//")" = "$data" ] ||
    fail "$key\\$name is '$line', expected $type $data"
  checks=$((checks + 1))
  echo "ok $checks: registry $key\\$name = $type $data"
}
# The INF's Parameters defaults as reg.exe shows them, computed from inf/cadenza.inx's
# [Cadenza.Parameters.AddReg] lines here (not by cadenza): NAME TYPE DATA per line.
inf_defaults() {
  python3 - "$root/inf/cadenza.inx" <<'PY'
import sys
section = None
for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.split(";", 1)[0].strip()
    if line.startswith("["):
        section = line.strip("[]")
        continue
    if section != "Cadenza.Parameters.AddReg" or not line:
        continue
    fields = [f.strip().strip('"') for f in line.split(",")]
    _, _, name, flags, *data = fields
    flags = int(flags, 16) & ~0x2  # FLG_ADDREG_NOCLOBBER does not change the type
    if flags == 0x00010001:
        print(name, "REG_DWORD", hex(int(data[0])))
    elif flags == 0x00010000:
        print(name, "REG_MULTI_SZ", "\\0".join(data))
    elif flags == 0:
        print(name, "REG_SZ", data[0])
    else:
        sys.exit(f"unexpected AddReg flags for {name}")
PY
}
expect_inf_defaults() {
  local key=$1 n=0 name type data
  while read -r name type data; do
    expect_reg "$key" "$name" "$type" "$data"
    n=$((n + 1))
  done < <(inf_defaults)
  [ "$n" = 9 ] || fail "expected 9 AddReg lines in the INF, read $n"
}

# --- Without a device -----------------------------------------------------------------------
expect 0 "exit codes:" --help
expect 2 'unknown command "statuz"' statuz
expect 7 "no Cadenza device is installed" status
expect 7 "no Cadenza device is installed" status --watch --count 2
expect 7 "ROOT\\MEDIA\\0099 is not a Cadenza device" status --device 'ROOT\MEDIA\0099'
expect 2 '--count applies to `status --watch` only' status --count 2
expect 2 '`config set` needs KEY and VALUE' config set Channels
expect 7 "no Cadenza device is installed" list
expect 7 "no Cadenza device is installed" config show

# --- config against a plain registry key (--key: no device, no restart) ---------------------
K='HKCU\Software\CadenzaCi\Parameters'
expect 0 "Wrote every key's INF default to registry key $K." config reset --key "$K"
expect_inf_defaults "$K"
expect 8 "configuration: Channels: 20 is out of range 1..=16; using the default 2" \
  config set Channels 20 --key "$K"
expect_reg "$K" Channels REG_DWORD 0x2
expect 0 "Set Channels = 8 in registry key $K." config set Channels 8 --key "$K"
expect_reg "$K" Channels REG_DWORD 0x8
expect 0 "Set SampleRates = 44100, 48000" config set SampleRates 44100,48000 --key "$K"
expect_reg "$K" SampleRates REG_MULTI_SZ '44100\048000'
expect 8 "configuration: DefaultSampleRate: 96000 is not in SampleRates; using 48000" \
  config set DefaultSampleRate 96000 --key "$K"
expect 8 "configuration: CableName: may not contain '%'" config set CableName '50% {n}' --key "$K"
expect 0 "SampleRates        REG_MULTI_SZ  44100, 48000   (default: 48000)" config show --key "$K"
reg add "$K" /v Cables /t REG_SZ /d two /f >/dev/null
expect 0 "configuration: Cables: is REG_SZ, expected REG_DWORD; using the default 1" \
  config show --key "$K"

# --- install / list / config / switch / uninstall against Wine's SetupAPI ---------------------
sed -e 's/\$ARCH\$/amd64/g' -e 's/\$KMDFVERSION\$/1.33/g' inf/cadenza.inx >"$work/pkg/cadenza.inf"
expect 4 "test signing is off" install --framework acx --inf 'Z:'"$work/pkg/cadenza.inf"
reg add 'HKLM\SYSTEM\CurrentControlSet\Control' /v SystemStartOptions /t REG_SZ \
  /d ' NOEXECUTE=OPTIN  TESTSIGNING' /f >/dev/null
expect 5 "driver package missing: cannot read" install --framework acx --inf 'Z:'"$work/nowhere.inf"
expect 5 "unstamped template" install --framework acx --inf 'Z:'"$root/inf/cadenza.inx"
expect 5 "cadenza_acx.sys, cadenza_pc.sys missing beside" \
  install --framework acx --inf 'Z:'"$work/pkg/cadenza.inf"
# Stand-in driver files: Wine copies them but cannot load a kernel driver anyway.
printf 'MZ' >"$work/pkg/cadenza_acx.sys"
printf 'MZ' >"$work/pkg/cadenza_pc.sys"
# Wine 8's SetupAPI does not match the version-decorated models section the real INF has
# ([Cadenza.NTamd64.10.0...22000]); its newdev then reports success without installing any
# driver. cadenza must notice and undo the device.
expect 1 "the device has no driver key (no model of the INF was chosen for ROOT\\CadenzaAcx)" \
  install --framework acx --inf 'Z:'"$work/pkg/cadenza.inf"
expect 7 "no Cadenza device is installed" list
# A Wine-only copy with the undecorated NTamd64 models section; everything else as stamped.
cp "$work/pkg/"*.sys "$work/pkg-wine/"
sed -e 's/NTamd64\.10\.0\.\.\.22000/NTamd64/g' "$work/pkg/cadenza.inf" >"$work/pkg-wine/cadenza.inf"
grep -q '^\[Cadenza.NTamd64\]' "$work/pkg-wine/cadenza.inf" || fail "the Wine INF copy has no [Cadenza.NTamd64]"
WINF='Z:'"$work/pkg-wine/cadenza.inf"
expect 0 "with hardware ID ROOT\\CadenzaAcx." install --framework acx --inf "$WINF"
expect 0 "framework: ACX (cadenza_acx.sys)" list
expect 0 "endpoint names (from its configuration): Cadenza Cable 1" list
device=$(head -n1 "$work/out")
drv=$(reg query "HKLM\\SYSTEM\\CurrentControlSet\\Enum\\$device" /v Driver | sed -nE 's/^ +Driver +REG_SZ +//p')
[ -n "$drv" ] || fail "device $device has no Driver value in its Enum key"
P="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\$drv\\Parameters"
echo "cadenza ci: device $device, Parameters key $P"
expect_inf_defaults "$P"
expect 6 "a Cadenza device is already installed: $device" install --framework portcls --inf "$WINF"
# Wine cannot start the driver, so the device has no audio filter to ask for its live status.
expect 10 "device $device has no audio filter interface: its driver is not running" status
expect 0 "The driver accepts every value" config show
expect 8 "configuration: Cables: 9 is out of range 1..=8; using the default 1" config set Cables 9
# Wine's SetupDiSetClassInstallParamsW is a stub, so the restart fails: exit 9, and the
# change is written.
expect 9 "The change is written, but restarting $device failed" config set Cables 2
expect_reg "$P" Cables REG_DWORD 0x2
expect 0 "endpoint names (from its configuration): Cadenza Cable 1, Cadenza Cable 2" list
expect 6 "already uses ACX" switch --framework acx --inf "$WINF"
expect 9 "Copied the configuration (9 values) to the new device." switch --framework portcls --inf "$WINF"
expect 0 "framework: PortCls (cadenza_pc.sys)" list
device=$(head -n1 "$work/out")
drv=$(reg query "HKLM\\SYSTEM\\CurrentControlSet\\Enum\\$device" /v Driver | sed -nE 's/^ +Driver +REG_SZ +//p')
P="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\$drv\\Parameters"
expect_reg "$P" Cables REG_DWORD 0x2
expect 9 "Wrote every key's INF default to the Parameters key of device $device." config reset
expect_inf_defaults "$P"
expect 0 "Removed device $device (PortCls (cadenza_pc.sys))." uninstall
expect 7 "no Cadenza device is installed" list
expect 7 "no Cadenza device is installed" uninstall

echo "cadenza ci: all $checks checks passed in $(($(date +%s) - started)) s"
