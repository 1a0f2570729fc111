#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"; bad=1
  fi
done < <(git ls-files '*.cc' '*.h')
exit $bad
