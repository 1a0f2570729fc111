#!/usr/bin/env bash
# The static half of `make k8s-check` (docs/deploy.md "What k8s-check
# proves"): renders every overlay under deploy/k8s/overlays with
# `kubectl kustomize`, validates every rendered object offline
# (validate.mjs: Kubernetes schemas, unknown fields, the deployment's
# rules) and lints the Dockerfile (dockerfile-utils). An overlay's
# kustomization names the objects the operator creates outside it on a
# line `# k8s-check external: Kind/name ...`.
#
# Usage: k8s-check.sh OUT_DIR   (rendered manifests are written there)
# Needs kubectl, node and this directory's npm packages
# (tools/scripts/install-deps.sh). Exit 1 on any problem.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="${1:?usage: k8s-check.sh OUT_DIR}"
mkdir -p "$out"

for tool in kubectl node; do
  if ! command -v "$tool" >/dev/null; then
    echo "k8s-check: $tool not found (tools/scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done
if [ ! -d "$here/node_modules/kubernetes-models" ]; then
  echo "k8s-check: npm packages missing in deploy/k8s/check (tools/scripts/install-deps.sh)" >&2
  exit 1
fi

echo "k8s-check: $(kubectl version --client 2>/dev/null | head -n2 | tr '\n' ' ')"
status=0
overlays=0
for dir in "$repo"/deploy/k8s/overlays/*/; do
  name="$(basename "$dir")"
  rendered="$out/$name.yaml"
  overlays=$((overlays + 1))
  # kustomize's deprecation notes (bases, patchesStrategicMerge: kept for
  # kustomize v2.0.3) are not failures; errors are.
  if ! kubectl kustomize "$dir" >"$rendered" 2>"$out/$name.stderr"; then
    echo "k8s-check: kubectl kustomize $name failed:" >&2
    cat "$out/$name.stderr" >&2
    status=1
    continue
  fi
  external=()
  while read -r ref; do
    external+=(--external "$ref")
  done < <(sed -n 's/^# k8s-check external:\(.*\)$/\1/p' "$dir/kustomization.yaml" | tr ' ' '\n' | sed '/^$/d')
  node "$here/validate.mjs" "${external[@]}" "$rendered" || status=1
done
if [ "$overlays" -eq 0 ]; then
  echo "k8s-check: no overlays under deploy/k8s/overlays" >&2
  status=1
fi

if "$here/node_modules/.bin/dockerfile-utils" lint "$repo/Dockerfile"; then
  echo "k8s-check: Dockerfile lints clean"
else
  echo "k8s-check: Dockerfile has problems (above)" >&2
  status=1
fi
exit "$status"
