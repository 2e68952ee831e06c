#!/usr/bin/env bash
# CI stage: mutation testing of the engine's data path (docs/reliability.md, "Mutation
# testing").
#
# Runs cargo-mutants (config: .cargo/mutants.toml) on a fixed shard of cadenza-engine and
# fails if any mutant is MISSED — the tests still pass with the code broken — unless it is
# listed in tools/mutants/equivalent.txt as behaviour-identical. A mutant that makes the
# tests run into the timeout counts as caught; one that does not compile (unviable) is
# ignored.
#
# The shard (MUTANTS_SCOPE):
#   data-path (default, sized for about 8 minutes on 2 cores): the functions every frame of
#     audio goes through — the cable's ring (Ring::*), Cable::pull_render / fill_capture
#     (with their one-copy variants, *_contiguous) / sync / state_changed, the stream timebase (Timebase::*) and the volume setters
#     (Gain::set_all_db / set_channel_db) — from the files below;
#   all: every mutant of those files: device/cable.rs, device/cable/*.rs, gain.rs and
#     timebase.rs (about 250 mutants; see docs/reliability.md for its duration);
#   engine: every mutant of the whole engine crate, driver/engine/src (about 2 900; the
#     full run, well over an hour on 2 cores: not a CI stage; docs/reliability.md).
#
# Usage: bash tools/mutants/ci.sh            (from anywhere in the repository)
#
# Environment (all optional):
#   MUTANTS_SCOPE    data-path (default), all or engine
#   MUTANTS_JOBS     parallel build/test jobs (default 2: one per core)
#   MUTANTS_TIMEOUT  seconds a mutant's test run may take before it counts as a hang
#                    (default 30; the unmutated suite takes about 5-10 s)
#   MUTANTS_OUT      output directory (default target/mutants; mutants.out/ inside it)
#   MUTANTS_JUDGE_ONLY=1  judge the results already in MUTANTS_OUT against equivalent.txt
#                    without running anything (after editing the list)
#   PROPTEST_CASES   cases per property test (default 64 here, the suite's own default is
#                    256): every mutant runs the whole engine suite, and the property
#                    tests dominate its run time.
#
# Exit status: 0 when every missed mutant is a listed equivalent; 1 otherwise, or when
# cargo-mutants could not produce a result (usage error, failing baseline, internal error).
#
# tools/mutants/equivalent.txt: one reviewed mutant per line,
#
#     FILE: DESCRIPTION @ CODE # REASON
#
#   FILE: DESCRIPTION  cargo-mutants' name for the mutant without its :LINE:COLUMN, e.g.
#                      `driver/engine/src/gain.rs: replace < with <= in Gain::index`;
#   CODE               the source line the mutation is on, trimmed (the first `-` line of
#                      the mutant's diff in mutants.out/diff/), which tells apart mutants
#                      with the same description in one function;
#   REASON             required: one line on why the mutant cannot change behaviour.
#
#   No line numbers, so entries survive code moving around; an entry whose line of code
#   changes must be reviewed again (it stops matching). Each entry accounts for one missed
#   mutant. Blank lines and lines starting with `#` are comments. A failing run prints the
#   `FILE: DESCRIPTION @ CODE` key of every unexplained mutant, ready to paste.
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO_MUTANTS_VERSION=27.1.0
SCOPE="${MUTANTS_SCOPE:-data-path}"
JOBS="${MUTANTS_JOBS:-2}"
TIMEOUT="${MUTANTS_TIMEOUT:-30}"
OUT="${MUTANTS_OUT:-target/mutants}"
EQUIVALENT=tools/mutants/equivalent.txt
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
# No debug info: every mutant relinks the engine's test binaries, and nobody debugs them.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
# cargo-mutants builds each job in its own copy of the tree, with its own target directory.
unset CARGO_TARGET_DIR

FILES=(
  driver/engine/src/timebase.rs
  driver/engine/src/gain.rs
  driver/engine/src/device/cable.rs
  'driver/engine/src/device/cable/*.rs'
)
DATA_PATH_RE='(Ring::|Cable::pull_render|Cable::fill_capture|<impl AudioDevice for Cable>::(sync|state_changed)|Timebase::|Gain::set_all_db|Gain::set_channel_db)'

args=(--package cadenza-engine --jobs "$JOBS" --timeout "$TIMEOUT" --no-shuffle --output "$OUT")
case "$SCOPE" in
  data-path | all) for f in "${FILES[@]}"; do args+=(--file "$f"); done ;;
esac
case "$SCOPE" in
  data-path) args+=(--re "$DATA_PATH_RE") ;;
  all | engine) ;;
  *)
    echo "MUTANTS_SCOPE must be data-path, all or engine, not '$SCOPE'" >&2
    exit 1
    ;;
esac

entries() { grep -vE '^[[:space:]]*(#|$)' "$EQUIVALENT" || true; }
malformed=$(entries | grep -vE ' @ .+[[:space:]]#[[:space:]]+[^[:space:]]' || true)
if [ -n "$malformed" ]; then
  echo "$EQUIVALENT: every entry needs 'FILE: DESCRIPTION @ CODE # REASON':" >&2
  printf '%s\n' "$malformed" | sed 's/^/  /' >&2
  exit 1
fi

status=0
if [ "${MUTANTS_JUDGE_ONLY:-0}" != 1 ]; then
  installed=$(cargo mutants --version 2>/dev/null || true)
  if [ "$installed" != "cargo-mutants $CARGO_MUTANTS_VERSION" ]; then
    echo "installing cargo-mutants $CARGO_MUTANTS_VERSION (found: ${installed:-none})"
    cargo install cargo-mutants --locked --version "$CARGO_MUTANTS_VERSION"
  fi
  mkdir -p "$OUT"
  cargo mutants "${args[@]}" || status=$?
fi
# 0: all caught; 2: some missed (judged below); 3: some timed out (= caught; missed ones,
# if any, are judged below). Anything else means there is no result to judge.
case "$status" in
  0 | 2 | 3) ;;
  *)
    echo "cargo-mutants failed (exit $status): see $OUT/mutants.out/" >&2
    exit 1
    ;;
esac
result="$OUT/mutants.out"

# The key of a missed mutant: `path:LINE:COL: description` -> `path: description @ code`.
key_of() {
  local name=$1 file rest line col desc prefix diff code=""
  file=${name%%:*}
  rest=${name#*:}
  line=${rest%%:*}
  rest=${rest#*:}
  col=${rest%%:*}
  desc=${rest#*: }
  prefix="$result/diff/${file//\//__}_line_${line}_col_${col}"
  for diff in "$prefix".diff "$prefix"_*.diff; do
    [ -f "$diff" ] || continue
    if [ "$(sed -n 2p "$diff")" = "+++ $desc" ]; then
      code=$(tail -n +3 "$diff" | grep -m1 '^-' | sed -E 's/^-[[:space:]]*//; s/[[:space:]]+$//')
      break
    fi
  done
  printf '%s: %s @ %s\n' "$file" "$desc" "${code:-?}"
}

missed=""
while IFS= read -r name; do
  [ -n "$name" ] && missed+="$(key_of "$name")"$'\n'
done <"$result/missed.txt"
missed_sorted=$(printf '%s' "$missed" | sed '/^$/d' | LC_ALL=C sort)
listed_sorted=$(entries | sed -E 's/[[:space:]]+#[[:space:]].*$//; s/[[:space:]]+$//' | LC_ALL=C sort)
unexplained=$(LC_ALL=C comm -23 <(printf '%s\n' "$missed_sorted") <(printf '%s\n' "$listed_sorted") | sed '/^$/d')
stale=$(LC_ALL=C comm -13 <(printf '%s\n' "$missed_sorted") <(printf '%s\n' "$listed_sorted") | sed '/^$/d')

count() { sed '/^$/d' "$1" 2>/dev/null | wc -l | tr -d ' '; }
n_missed=$(count "$result/missed.txt")
n_unexplained=$(printf '%s\n' "$unexplained" | sed '/^$/d' | wc -l | tr -d ' ')
echo "mutants ($SCOPE): $(count "$result/caught.txt") caught, $n_missed missed" \
  "($((n_missed - n_unexplained)) reviewed equivalents), $(count "$result/timeout.txt") timeouts," \
  "$(count "$result/unviable.txt") unviable"
# Only entries of files this scope mutated can be stale.
case "$SCOPE" in
  data-path) stale="" ;;
  all) stale=$(printf '%s\n' "$stale" | grep -E '^driver/engine/src/(timebase|gain|device/cable)' || true) ;;
esac
if [ -n "$stale" ]; then
  echo "note: listed in $EQUIVALENT but not missed in this run (caught now, or the code changed):"
  printf '%s\n' "$stale" | sed 's/^/  /'
fi
if [ -n "$unexplained" ]; then
  echo "FAIL: missed mutants not listed in $EQUIVALENT. Add a test that catches each one," >&2
  echo "or, if it really cannot change behaviour, list it with the reason:" >&2
  printf '%s\n' "$unexplained" | sed 's/^/  /' >&2
  echo "(diffs: $result/diff/; logs: $result/log/)" >&2
  exit 1
fi
echo "ok: every missed mutant is a reviewed equivalent"
