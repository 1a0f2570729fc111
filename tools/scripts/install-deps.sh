#!/usr/bin/env bash
# Installs what Bridgework needs to build and test:
#  1. Debian 12 packages. Idempotent: packages already installed are skipped,
#     and apt-get runs only when one is missing (root needed then).
#     chromium and libpng-dev are for report_render_test (report.html in
#     headless Chromium, its screenshot decoded).
#  2. The npm packages of the OpenAPI conformance validator
#     (tests/conformance/openapi), with `npm ci` from its committed lockfile.
#     Skipped when node_modules was installed from the same lockfile.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libcpp-httplib-dev
  libcurl4-openssl-dev libssl-dev libphonenumber-dev libicu-dev
  python3 python3-grpcio clang-format
  libmariadb-dev mariadb-server
  chromium libpng-dev
)
# Node.js and npm usually come with the machine image (Node 20); Debian's
# own packages (Node 18) are the fallback and suffice for the validator.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
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

# npm ci from the lockfile; a stamp holding the lockfile's hash marks a
# finished install, so an interrupted one is redone.
install_npm_packages() {
  local dir="$repo/tests/conformance/openapi"
  local stamp="$dir/node_modules/.bridgework-lock.sha256"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "deps: npm packages of tests/conformance/openapi up to date"
    return 0
  fi
  echo "deps: npm ci in tests/conformance/openapi"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

status=0
install_debian_packages || status=1
if command -v npm >/dev/null; then
  install_npm_packages || status=1
else
  echo "deps: npm not found; cannot install tests/conformance/openapi packages" >&2
  status=1
fi
exit "$status"
