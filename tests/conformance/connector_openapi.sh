#!/bin/bash
# Replays every exchange the connector conformance suite has with the
# Pipedrive and HighLevel emulators through the CRMs' official OpenAPI specs
# (docs/conformance.md). Fails when a CRM recorded no traffic or any
# exchange mismatches its spec.
#
#   connector_openapi.sh CONFORMANCE_TEST_BINARY OUT_DIR CRM...
set -euo pipefail
bin=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
filter=""
for crm in "$@"; do filter="${filter:+$filter:}*/$crm"; done
BRIDGEWORK_CONFORMANCE_TRAFFIC_DIR=$out "$bin" --gtest_filter="$filter" \
  --gtest_brief=1
for crm in "$@"; do
  if [[ ! -s "$out/$crm.jsonl" ]]; then
    echo "no traffic recorded for $crm" >&2
    exit 1
  fi
  echo "== $crm: $(wc -l < "$out/$crm.jsonl") exchanges"
  node "$here/openapi/validate.mjs" --crm "$crm" --traffic "$out/$crm.jsonl" \
    --report "$out/$crm-report.json"
done
