#!/bin/sh
# RUSTC_WRAPPER for the Linux compile check of the Windows drivers (tools/wdk-check/run.sh).
#
# Cargo matches `[target.'cfg(..)'.build-dependencies]` against the HOST, and a build script is
# compiled for the host, so on Linux `cfg(windows)` leaves the .sys crates' build scripts without
# wdk-build. This wrapper adds `--cfg cadenza_wdk_cross_check` to every host invocation (those
# without `--target`), including the `rustc --print cfg` query cargo uses to resolve target
# dependencies; the drivers' manifests and build scripts accept `any(windows,
# cadenza_wdk_cross_check)`. Target (Windows) compilations pass through untouched.
for arg in "$@"; do
  case "$arg" in
    --target | --target=*) exec "$@" ;;
  esac
done
exec "$@" --cfg cadenza_wdk_cross_check
