#!/usr/bin/env bash
# clang-tidy (the repository's .clang-tidy) on the C++ sources changed since
# a base commit: `make tidy` (TIDY_BASE, default HEAD~1), or
# tools/scripts/tidy.sh <base>. Prints the findings; exits 2 when it cannot
# run. Not part of CI: docs/adr/2026-11-24-clang-tidy-on-changed-files.md.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
base="${1:-HEAD~1}"
tidy="$(command -v clang-tidy-14 || command -v clang-tidy || true)"
if [ -z "$tidy" ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-tidy-14 >/dev/null
    tidy=clang-tidy-14
  else
    echo "tidy: clang-tidy is missing (apt-get install clang-tidy-14)" >&2
    exit 2
  fi
fi
if [ ! -f build/compile_commands.json ]; then
  echo "tidy: no build/compile_commands.json (run cmake --preset default)" >&2
  exit 2
fi
# Fuzz targets are built by another compiler and preset; not in the database.
mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- '*.cc' |
  grep -v '^fuzz/' || true)
if [ "${#files[@]}" -eq 0 ]; then
  echo "tidy: no C++ source changed since $base"
  exit 0
fi
echo "tidy: ${#files[@]} file(s) changed since $base"
printf '%s\n' "${files[@]}" |
  xargs -r -P "$(nproc)" -n 1 "$tidy" -p build --quiet
