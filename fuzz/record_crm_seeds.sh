#!/usr/bin/env bash
# Records the seed corpora of the CRM fuzz targets (fuzz/corpus/<crm>/)
# from the emulators: for each op sequence below, a fresh bridgework-sandbox
# of the CRM answers the harness's requests and crm_seed_recorder writes
# the responses in the fuzz input format (fuzz/crm_fuzz_harness.h).
# Re-run after a connector or emulator changes what it sends or answers;
# the seeds are checked in.
#
#   fuzz/record_crm_seeds.sh [build dir, default build]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
cmake --build "$build" --target crm_seed_recorder bridgework-sandbox
bin="$build/bin"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# <name> <ops>: the op letters and object digits of crm_fuzz_harness.h.
sequences=(
  "users u0"
  "schema-plan s0"
  "schema-apply S0"
  "create-each S0c0c1c2c3c4c5c6c7"
  "create-get-update S0c0g0U0g0"
  "create-find-list c0f0l0"
  "create-patch-restore S0c1p1r1g1"
  "create-delete-get c0d0g0d0"
  "plan-write s0w0w2w4"
  "bulk S0b0b1b2"
  "list-each l0l1l2l3l4l5"
)

for crm in freshsales pipedrive highlevel; do
  out="$repo/fuzz/corpus/$crm"
  mkdir -p "$out"
  prefix=""
  [ "$crm" = freshsales ] && prefix=/crm/sales/api
  extra=()
  [ "$crm" = highlevel ] && extra=(--location loc1 --company cmp1)
  for seq in "${sequences[@]}"; do
    name="${seq%% *}"
    ops="${seq#* }"
    rm -f "$work/port"
    "$bin/bridgework-sandbox" --crm "$crm" --token seed-token --port 0 \
      --port-file "$work/port" "${extra[@]}" >"$work/sandbox.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
    addr="$(cat "$work/port")"
    "$bin/crm_seed_recorder" "$crm" "http://$addr$prefix" \
      seed-token "$ops" "$out/$name"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    echo "$crm/$name: $(wc -c <"$out/$name") bytes"
  done
done
