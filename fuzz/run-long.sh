#!/usr/bin/env bash
# The documented long fuzzing run: every target for FUZZ_RUNS executions (default 10 million)
# or FUZZ_SECONDS seconds each if that is set, on a scratch corpus seeded from fuzz/corpus/
# (the committed seeds are never grown). Prints per target: executions, exec/s, corpus size,
# crashes; exits non-zero if any target crashed (artifacts in fuzz/artifacts/<target>/).
#   fuzz/run-long.sh                       # 10M runs per target
#   FUZZ_SECONDS=3600 fuzz/run-long.sh     # an hour per target
#   fuzz/run-long.sh inf_parser format_parse
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
runs="${FUZZ_RUNS:-10000000}"
seconds="${FUZZ_SECONDS:-}"
work="${FUZZ_WORK:-$here/target/long-corpus}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(cargo +nightly fuzz list)
cargo +nightly fuzz build -O >/dev/null || exit 1
status=0
printf '%-26s %12s %10s %8s %8s\n' target executions exec/s corpus crashes
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp -n corpus/"$t"/* "$work/$t/" 2>/dev/null || true
  limit=(-runs="$runs")
  [ -n "$seconds" ] && limit=(-max_total_time="$seconds")
  log="$work/$t.log"
  cargo +nightly fuzz run -O "$t" "$work/$t" -- "${limit[@]}" -print_final_stats=1 \
      -max_len=4096 >"$log" 2>&1
  rc=$?
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
  rate=$(grep -oP 'stat::average_exec_per_sec:\s*\K[0-9]+' "$log" | tail -1)
  corpus=$(find "$work/$t" -type f | wc -l)
  crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  printf '%-26s %12s %10s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  if [ $rc -ne 0 ]; then
    status=1
    grep -m1 -A3 "panicked at" "$log" || tail -20 "$log"
  fi
done
exit $status
