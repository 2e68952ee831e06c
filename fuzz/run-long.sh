#!/usr/bin/env bash
# The documented long fuzzing run: every target for FUZZ_RUNS executions (default 10 million)
# or FUZZ_SECONDS seconds each if that is set, on a scratch corpus seeded from fuzz/corpus/
# (the committed seeds are never grown). Prints a row per target as it finishes: executions,
# exec/s, wall seconds, corpus size, crashes; exits non-zero if any target crashed (artifacts
# in fuzz/artifacts/<target>/, log in $FUZZ_WORK/<target>.log).
#
#   fuzz/run-long.sh                              # 10M runs per target, no sanitizer
#   FUZZ_JOBS=2 fuzz/run-long.sh                  # two targets at a time (one per core)
#   FUZZ_SANITIZER=address fuzz/run-long.sh       # with ASan (3-4x slower)
#   FUZZ_SECONDS=3600 fuzz/run-long.sh            # an hour per target
#   fuzz/run-long.sh inf_parser format_parse      # some targets only
#
# Sanitizer: the long run defaults to none. The fuzzed code is safe Rust except the COM glue
# and DmaBuffer, which CI runs under ASan (fuzz/run-ci.sh) and Miri; ASan costs 2.4-4.4x the
# execution rate here, and the long run's job is breadth of inputs.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
runs="${FUZZ_RUNS:-10000000}"
seconds="${FUZZ_SECONDS:-}"
jobs="${FUZZ_JOBS:-1}"
sanitizer="${FUZZ_SANITIZER:-none}"
work="${FUZZ_WORK:-$here/target/long-corpus}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(cargo +nightly fuzz list)
cargo +nightly fuzz build -O -s "$sanitizer" >/dev/null || exit 1
mkdir -p "$work"

# Runs one target; its row goes to $work/<target>.row, its exit code is its own.
run_one() {
  local t="$1" log="$work/$1.log" start end rc
  mkdir -p "$work/$t"
  cp -n corpus/"$t"/* "$work/$t/" 2>/dev/null || true
  local limit=(-runs="$runs")
  [ -n "$seconds" ] && limit=(-max_total_time="$seconds")
  start=$(date +%s)
  cargo +nightly fuzz run -O -s "$sanitizer" "$t" "$work/$t" -- "${limit[@]}" \
      -print_final_stats=1 -max_len=4096 >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  local execs rate corpus crashes
  execs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
  rate=$(grep -oP 'stat::average_exec_per_sec:\s*\K[0-9]+' "$log" | tail -1)
  corpus=$(find "$work/$t" -type f | wc -l)
  crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  printf '%-26s %12s %10s %8s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$((end - start))" \
      "$corpus" "$crashes"
  if [ $rc -ne 0 ]; then
    grep -m1 -A3 "panicked at" "$log" || tail -20 "$log"
  fi
  return $rc
}

echo "sanitizer: $sanitizer, jobs: $jobs, limit: ${seconds:+$seconds s}${seconds:-$runs runs} per target"
printf '%-26s %12s %10s %8s %8s %8s\n' target executions exec/s wall_s corpus crashes
status=0
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
