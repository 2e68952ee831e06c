#!/usr/bin/env bash
# The engine's tests on aarch64: its NEON conversion kernels (driver/engine/src/convert/simd/neon.rs)
# and the portable meter kernels are what an ARM64 driver runs, and this x86_64 machine cannot
# run them natively. Builds the engine's tests for aarch64-unknown-linux-gnu with Debian's
# cross linker and runs them under qemu-user; lints the aarch64 build first.
#
# Usage: bash tools/aarch64-test.sh [extra cargo test arguments]
# Needs (installed by .ci/run): qemu-user-static, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in qemu-aarch64-static aarch64-linux-gnu-gcc; do
  command -v "$tool" >/dev/null || {
    echo "aarch64-test: $tool not found (apt-get install qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" >&2
    exit 1
  }
done
rustup target add aarch64-unknown-linux-gnu >/dev/null

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L /usr/aarch64-linux-gnu"
cargo clippy --locked -p cadenza-engine --all-targets --target aarch64-unknown-linux-gnu -- -D warnings
cargo test --locked -p cadenza-engine --target aarch64-unknown-linux-gnu "$@"
