#!/usr/bin/env bash
# CI smoke fuzzing: builds every target once, then runs each for FUZZ_CI_SECONDS (default 15)
# on a scratch copy of its seed corpus; fails on any crash, leak or broken invariant.
# Works on a fresh machine: installs the nightly toolchain and cargo-fuzz if missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${FUZZ_CI_SECONDS:-15}"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz build -O
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
for t in $(cargo +nightly fuzz list); do
  mkdir -p "$work/$t"
  cp corpus/"$t"/* "$work/$t/" 2>/dev/null || true
  # Known crashes stay fixed: every regression input must run clean.
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    if ! cargo +nightly fuzz run -O "$t" regressions/"$t"/* -- -runs=0 >"$work/$t.reg.log" 2>&1; then
      echo "FAIL $t: a regression input crashes"; tail -30 "$work/$t.reg.log"; fail=1
    fi
  fi
  if cargo +nightly fuzz run -O "$t" "$work/$t" -- -max_total_time="$secs" -max_len=4096 \
      -print_final_stats=1 >"$work/$t.log" 2>&1; then
    echo "ok   $t: $(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$work/$t.log" | tail -1) executions"
  else
    echo "FAIL $t"; grep -m1 -A5 "panicked at" "$work/$t.log" || tail -30 "$work/$t.log"; fail=1
  fi
done
exit $fail
