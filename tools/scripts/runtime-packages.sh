#!/usr/bin/env bash
# Prints, one per line, the Debian packages that hold the shared libraries
# the given executables load (ldd), for the Dockerfile's runtime stage: the
# image gets exactly the libraries the binaries link, never the -dev
# packages. Fails naming a library no installed package holds.
#
# Usage: runtime-packages.sh build/bin/bridgework build/bin/bridgework-*
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 EXECUTABLE..." >&2
  exit 2
fi

libs="$(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)"
owners=()
for lib in $libs; do
  # dpkg knows a file by the path its package ships it under; with merged
  # /usr, ldd may report /lib/... for a file shipped as /usr/lib/... (or the
  # other way), so match any path ending in its last two components.
  key="$(basename "$(dirname "$lib")")/$(basename "$lib")"
  owner="$(dpkg -S "*/$key" 2>/dev/null | head -n1 | cut -d: -f1 || true)"
  if [ -z "$owner" ]; then
    echo "runtime-packages: no package holds $lib" >&2
    exit 1
  fi
  owners+=("$owner")
done
printf '%s\n' "${owners[@]}" | sort -u
