#!/usr/bin/env bash
# Checks that every relative link in the project's Markdown documents points to a file or
# directory inside the repository: README.md, SECURITY.md, docs/*.md and fuzz/README.md.
#
# - Inline links and images, `[text](target)` / `![alt](target)`, and reference definitions,
#   `[label]: target`, are checked; text inside fenced code blocks is not.
# - http(s):// and mailto: links are allowed as they are (not fetched); a pure `#anchor`
#   is allowed; an anchor after a path (`file.md#section`) is ignored, the path is checked.
# - A target resolves relative to the document's directory (a leading `/` means the
#   repository root), and must stay inside the repository.
#
# Prints every broken link as `file:line: target` and exits 1 if there is any; exits 0
# otherwise. Needs only bash, awk and coreutils.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

docs=(README.md SECURITY.md docs/*.md fuzz/README.md)

# file <TAB> line <TAB> raw target, for every link outside fenced code blocks.
extract() {
  awk '
    FNR == 1 { fence = 0 }
    /^[ \t]*(```|~~~)/ { fence = !fence; next }
    fence { next }
    {
      line = $0
      # Reference definitions: [label]: target
      if (match(line, /^[ \t]*\[[^]]+\]:[ \t]*[^ \t]+/)) {
        def = substr(line, RSTART, RLENGTH)
        sub(/^[ \t]*\[[^]]+\]:[ \t]*/, "", def)
        printf "%s\t%d\t%s\n", FILENAME, FNR, def
      }
      # Inline links and images: ](target) or ](target "title")
      rest = line
      while (match(rest, /\]\([^)]*\)/)) {
        target = substr(rest, RSTART + 2, RLENGTH - 3)
        rest = substr(rest, RSTART + RLENGTH)
        printf "%s\t%d\t%s\n", FILENAME, FNR, target
      }
    }
  ' "$@"
}

broken=0
checked=0
while IFS=$'\t' read -r file line target; do
  # Trim spaces, an optional title and angle brackets.
  target="${target#"${target%%[![:space:]]*}"}"
  target="${target%% \"*}"
  target="${target%% \'*}"
  target="${target#<}"
  target="${target%>}"
  case "$target" in
    "" | "#"* | http://* | https://* | mailto:*) continue ;;
  esac
  path="${target%%#*}"
  path="${path%%\?*}"
  [ -n "$path" ] || continue
  if [[ "$path" == /* ]]; then
    resolved="$root$path"
  else
    resolved="$root/$(dirname "$file")/$path"
  fi
  resolved=$(realpath -m "$resolved")
  checked=$((checked + 1))
  if [[ "$resolved" != "$root" && "$resolved" != "$root/"* ]]; then
    echo "$file:$line: $target (outside the repository)"
    broken=$((broken + 1))
  elif [ ! -e "$resolved" ]; then
    echo "$file:$line: $target"
    broken=$((broken + 1))
  fi
done < <(extract "${docs[@]}")

if [ "$broken" -gt 0 ]; then
  echo "doc-links: $broken broken relative link(s) of $checked checked" >&2
  exit 1
fi
echo "doc-links: all $checked relative links resolve"
