#!/usr/bin/env bash
# Installs what Bridgework needs to build and test:
#  1. Debian 12 packages. Idempotent: packages already installed are skipped,
#     and apt-get runs only when one is missing (root needed then).
#     chromium and libpng-dev are for report_render_test (report.html in
#     headless Chromium, its screenshot decoded); clang-14 and
#     libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) for `make fuzz`.
#  2. The npm packages of the OpenAPI conformance validator
#     (tests/conformance/openapi) and of the Kubernetes manifest check
#     (deploy/k8s/check), each with `npm ci` from its committed lockfile.
#     Skipped when node_modules was installed from the same lockfile.
#
# `install-deps.sh --build-only` installs just what building the binaries
# needs (no tests: configure with -DBRIDGEWORK_BUILD_TESTS=OFF) and no npm
# packages: the Dockerfile's build stage.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"

build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
fi

# What the binaries need to build.
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev libphonenumber-dev libicu-dev
  libmariadb-dev prometheus-cpp-dev libjemalloc-dev
)
if [ "$build_only" -eq 0 ]; then
  # What the tests need besides.
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev miller
    python3 python3-grpcio clang-format
    mariadb-server
    chromium libpng-dev
    openssl
    clang-14 libclang-rt-14-dev
  )
  # Node.js and npm usually come with the machine image (Node 20); Debian's
  # own packages (Node 18) are the fallback and suffice for the validators.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
  # `kubectl kustomize` for the manifest check: Debian's kubectl 1.20
  # (kustomize v2.0.3, which deploy/k8s stays compatible with) unless the
  # machine has a kubectl already.
  if ! command -v kubectl >/dev/null; then
    packages+=(kubernetes-client)
  fi
fi

install_debian_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages (run as root to install): ${missing[*]}" >&2
    return 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# npm ci from the lockfile of the directory `$1` (relative to the
# repository); a stamp holding the lockfile's hash marks a finished install,
# so an interrupted one is redone.
install_npm_packages() {
  local dir="$repo/$1"
  local stamp="$dir/node_modules/.bridgework-lock.sha256"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "deps: npm packages of $1 up to date"
    return 0
  fi
  echo "deps: npm ci in $1"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

status=0
install_debian_packages || status=1
if [ "$build_only" -eq 1 ]; then
  exit "$status"
fi
for npm_dir in tests/conformance/openapi deploy/k8s/check; do
  if command -v npm >/dev/null; then
    install_npm_packages "$npm_dir" || status=1
  else
    echo "deps: npm not found; cannot install the packages of $npm_dir" >&2
    status=1
  fi
done
exit "$status"
