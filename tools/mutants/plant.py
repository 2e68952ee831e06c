#!/usr/bin/env python3
"""Plant one mutation in the working tree, run a test that should catch it, restore.

    tools/mutants/plant.py FILE ORIGINAL MUTATED -- CARGO_TEST_ARGS...

ORIGINAL must occur exactly once in FILE and MUTATED not at all. ORIGINAL is replaced by
MUTATED, `cargo test CARGO_TEST_ARGS` runs, and then MUTATED is replaced back by ORIGINAL --
only that text, read fresh from disk, so edits someone else made to other parts of the file
meanwhile survive.
The script exits 0 when the test FAILED (the mutant is caught) and 1 when it passed (the
mutant survived), and prints the failing test's assertion. A developer tool (needs python3);
CI runs cargo-mutants instead (tools/mutants/ci.sh).

Do not use it while cargo-mutants runs on the same tree: cargo-mutants copies the tree for
each of its jobs, not only at its start, and a copy taken with a planted mutation in it
makes every mutant tested there look caught.
"""

import os
import subprocess
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def restore(path, original, mutated, backup):
    text = read(path)
    if text.count(mutated) == 1:
        write(path, text.replace(mutated, original, 1))
    else:
        # Should not happen (uniqueness is checked before planting); never leave a mutant.
        write(path, backup)
        print(f"plant.py: restored {path} from its backup", file=sys.stderr)


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[3] != "--":
        sys.exit(__doc__)
    path, original, mutated, test_args = args[0], args[1], args[2], args[4:]
    backup = read(path)
    if backup.count(original) != 1 or backup.count(mutated) != 0:
        sys.exit(
            f"plant.py: ORIGINAL must occur exactly once and MUTATED not at all in {path} "
            f"(found {backup.count(original)} and {backup.count(mutated)}): widen the text"
        )
    write(path, backup.replace(original, mutated, 1))
    try:
        result = subprocess.run(
            ["cargo", "test", *test_args],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ,
        )
    finally:
        restore(path, original, mutated, backup)
    out = result.stdout + result.stderr
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if "panicked at" in line:
            # The panic line, then its message up to the first blank or backtrace line.
            print(line)
            for more in lines[i + 1 : i + 6]:
                if not more.strip() or more.startswith(("note:", "stack backtrace")):
                    break
                print(more)
        elif line.startswith("test result") or (
            line.startswith("test ") and line.endswith("FAILED")
        ):
            print(line)
    if result.returncode == 0:
        print(f"SURVIVED: {path}: {original!r} -> {mutated!r}")
        return 1
    print(f"CAUGHT: {path}: {original!r} -> {mutated!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
