#!/usr/bin/env bash
# Runs each libFuzzer target of a `fuzz` preset build for a while
# (docs/fuzzing.md). `make fuzz` calls it.
#
#   [FUZZ_JOBS=n] fuzz/run_fuzzers.sh <build dir> <seconds per target> <target>...
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

# FUZZ_JOBS (default 1) targets run at a time; each uses one core.
jobs="${FUZZ_JOBS:-1}"

# Runs one target; its summary goes to <build dir>/fuzz-<target>.summary.
run_one() {
  local t="$1"
  local fuzzer="$build/bin/fuzz/${t}_fuzzer"
  local work="$build/corpus/$t"
  local artifacts="$build/artifacts/$t/"
  local summary="$build/fuzz-$t.summary"
  mkdir -p "$work" "$artifacts"
  local seeds=("$repo/fuzz/corpus/$t")
  [ -d "$repo/fuzz/regressions/$t" ] && seeds+=("$repo/fuzz/regressions/$t")
  # The working corpus first: libFuzzer adds new inputs to the first
  # directory only.
  if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$work" "${seeds[@]}" >"$build/fuzz-$t.log" 2>&1; then
    { echo -n "== $t (${seconds}s): "
      grep -E "^stat::(number_of_executed_units|new_units_added)|^Done" \
        "$build/fuzz-$t.log" | tr '\n' ' '
      echo; } >"$summary"
  else
    { echo "== $t FAILED: see $build/fuzz-$t.log and $artifacts"
      grep -E "ERROR|SUMMARY|runtime error" "$build/fuzz-$t.log" | head -5
    } >"$summary"
    return 1
  fi
}

failed=()
pids=()
names=()
for t in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
  pids+=($!)
  names+=("$t")
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
  cat "$build/fuzz-${names[$i]}.summary"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in $*"
