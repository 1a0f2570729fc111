#!/usr/bin/env bash
# Runs each libFuzzer target of a `fuzz` preset build for a while
# (docs/fuzzing.md). `make fuzz` calls it.
#
#   fuzz/run_fuzzers.sh <build dir> <seconds per target> <target>...
#
# Each target starts from its checked-in corpus (fuzz/corpus/<target>) and
# regressions (fuzz/regressions/<target>); what it learns goes to
# <build dir>/corpus/<target>, never into the source tree. A crash, leak,
# sanitizer report or timeout leaves the input in
# <build dir>/artifacts/<target>/ and makes the script fail after all
# targets ran; the regression policy (docs/fuzzing.md) says what to do
# with it.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
seconds="$2"
shift 2

failed=()
for t in "$@"; do
  fuzzer="$build/bin/fuzz/${t}_fuzzer"
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  seeds=("$repo/fuzz/corpus/$t")
  [ -d "$repo/fuzz/regressions/$t" ] && seeds+=("$repo/fuzz/regressions/$t")
  echo "== $t: ${seconds}s"
  # The working corpus first: libFuzzer adds new inputs to the first
  # directory only.
  if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$work" "${seeds[@]}" >"$build/fuzz-$t.log" 2>&1; then
    grep -E "^stat::(number_of_executed_units|new_units_added)|^Done" \
      "$build/fuzz-$t.log" | tr '\n' ' '
    echo
  else
    echo "$t FAILED: see $build/fuzz-$t.log and $artifacts"
    grep -E "ERROR|SUMMARY|runtime error" "$build/fuzz-$t.log" | head -5
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in $*"
