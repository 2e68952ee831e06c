#!/usr/bin/env bash
# Stack-frame check of the driver crates for the Windows target.
#
# A kernel stack is 12-24 KiB, and DPC, property and callback paths run on whatever is left of
# it. A function whose frame reaches a page (4096 bytes) also makes the compiler probe the
# stack through `__chkstk`, which the drivers do not link. This script compiles the driver
# crates for x86_64-pc-windows-msvc to assembly, in the dev (debug) and release profiles, and
# fails when any function allocates a frame of LIMIT bytes or more, or when the assembly
# references `__chkstk` at all. It prints every offender with its frame size, and the TOP
# largest frames of each build even when it passes.
#
#   bash tools/stack-check.sh                 # LIMIT=4096, TOP=5
#   LIMIT=2048 TOP=10 bash tools/stack-check.sh
#
# Checked: cadenza-engine, cadenza-kernel, cadenza-acx, and cadenza-portcls with its `wdk`
# feature (the Windows edge, as cadenza-pc-sys builds it). The assembly holds every function
# compiled into each crate, including the generic code (heapless, core) instantiated there.
# The two .sys crates are linked by tools/wdk-check/run.sh (x64 and ARM64), whose link fails
# on any __chkstk reference: nothing there provides it.
#
# The frame size is the immediate of the prologue's `sub rsp, N` (or the `mov eax, N` handed
# to `__chkstk`): the function's locals and outgoing-argument area, without its pushes.
# Builds go to target/stack-check (CARGO_TARGET_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT="${LIMIT:-4096}"
TOP="${TOP:-5}"
TARGET=x86_64-pc-windows-msvc
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/stack-check}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# package, and its extra cargo arguments
crates=(
  "cadenza-engine"
  "cadenza-kernel"
  "cadenza-acx"
  "cadenza-portcls --features wdk"
)

if command -v c++filt >/dev/null; then
  demangle() { c++filt | sed -E 's/::h[0-9a-f]{16}$//'; }
else
  demangle() { cat; }
fi

# Prints "SIZE<TAB>CHKSTK<TAB>SYMBOL" for every function of the assembly file $1; CHKSTK is 1 when
# the function calls __chkstk.
frames() {
  awk '
    # A function starts at its label (`.def`/`.seh_proc` lines surround it in COFF assembly).
    /^[A-Za-z_$?][^ \t]*:$/ && $0 !~ /^\.L/ { fn = substr($0, 1, length($0) - 1); seen[fn] = 0; next }
    fn == "" { next }
    /^[ \t]*movl[ \t]+\$[0-9]+, %eax/ { split($2, a, /[$,]/); pending = a[2] + 0; next }
    /^[ \t]*(callq|jmp|call)[ \t]+__chkstk/ {
      size[fn] = (pending > size[fn]) ? pending : size[fn]; chk[fn] = 1; next
    }
    /^[ \t]*subq[ \t]+\$[0-9]+, %rsp/ {
      split($2, a, /[$,]/); n = a[2] + 0
      if (n > size[fn]) size[fn] = n
      next
    }
    END { for (f in seen) printf "%d\t%d\t%s\n", size[f] + 0, chk[f] + 0, f }
  ' "$1"
}

# Compiles package $1 (further cargo arguments follow) to assembly and prints the path of the
# assembly file. One codegen unit, so the whole crate is one file (and release inlining is at its
# most aggressive, which only makes frames larger). Cargo reports the metadata of the library
# it built (or found fresh); the assembly sits next to it under the same name.
assembly() {
  local package="$1" lib rmeta
  shift
  lib="${package//-/_}"
  rmeta="$(cargo rustc --quiet --locked -p "$package" "$@" --target "$TARGET" --lib \
    --message-format=json -- --emit=asm -C debuginfo=0 -C codegen-units=1 |
    { grep -o "\"[^\"]*/deps/lib${lib}-[0-9a-f]*\\.rmeta\"" || true; } | tail -n1 | tr -d '"')"
  if [ -n "$rmeta" ]; then
    echo "$(dirname "$rmeta")/$(basename "$rmeta" .rmeta | sed 's/^lib//').s"
  fi
}

status=0
for profile in dev release; do
  profile_args=()
  if [ "$profile" = release ]; then
    profile_args=(--release)
  fi
  for spec in "${crates[@]}"; do
    read -r -a words <<<"$spec"
    package="${words[0]}"
    asm="$(assembly "$package" "${words[@]:1}" "${profile_args[@]}")"
    if [ ! -f "$asm" ]; then
      # Cargo found the crate fresh, but its assembly was deleted: rebuild it.
      cargo clean --quiet -p "$package" --target "$TARGET" "${profile_args[@]}"
      asm="$(assembly "$package" "${words[@]:1}" "${profile_args[@]}")"
    fi
    if [ ! -f "$asm" ]; then
      echo "stack-check: no assembly for $package (expected '$asm')" >&2
      exit 2
    fi
    table="$(frames "$asm" | sort -t$'\t' -k1,1nr)"
    count="$(grep -c . <<<"$table" || true)"
    printf '\n%s (%s, %s functions): largest frames\n' "$package" "$profile" "$count"
    head -n "$TOP" <<<"$table" | while IFS=$'\t' read -r size chk name; do
      printf '  %6d  %s%s\n' "$size" "$(printf '%s' "$name" | demangle)" \
        "$([ "$chk" = 1 ] && echo '  (calls __chkstk)')"
    done
    bad="$(awk -F'\t' -v limit="$LIMIT" '$1 >= limit || $2 == 1' <<<"$table")"
    if [ -n "$bad" ]; then
      status=1
      printf '  FAIL: frames of %d bytes or more (or __chkstk calls):\n' "$LIMIT"
      while IFS=$'\t' read -r size chk name; do
        printf '  %6d  %s%s\n' "$size" "$(printf '%s' "$name" | demangle)" \
          "$([ "$chk" = 1 ] && echo '  (calls __chkstk)')"
      done <<<"$bad"
    fi
    if grep -q '__chkstk' "$asm" && [ -z "$bad" ]; then
      status=1
      printf '  FAIL: %s references __chkstk outside a function prologue:\n' "$asm"
      grep -n '__chkstk' "$asm" | sed -n '1,5s/^/    /p'
    fi
  done
done

echo
if [ "$status" -ne 0 ]; then
  echo "stack-check: FAILED: a frame of $LIMIT bytes or more (or a __chkstk reference)."
  echo "Build the large value in its final home (heap, static, the caller's object) instead"
  echo "of on the stack; see the offenders above."
else
  echo "stack-check: ok: every frame is under $LIMIT bytes and nothing references __chkstk."
fi
exit "$status"
