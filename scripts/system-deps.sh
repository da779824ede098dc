#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing and we may install.
# In CI (CI=true) a missing package is an error; on a developer's machine without root the
# tests that need it skip with a visible reason.
set -euo pipefail
need=()
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v initdb >/dev/null 2>&1 || [ -x "$(pg_config --bindir 2>/dev/null)/initdb" ] || need+=(postgresql)
# Qt's offscreen platform plugin needs these shared libraries.
for lib in libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libGL.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || { case $lib in
    libEGL.so.1) need+=(libegl1);; libxkbcommon.so.0) need+=(libxkbcommon0);;
    libfontconfig.so.1) need+=(libfontconfig1);; libGL.so.1) need+=(libgl1);; esac; }
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs Debian packages ${need[*]} and cannot install them (not root)" >&2; exit 1
else
  echo "note: missing Debian packages ${need[*]}; tests that need them will be skipped" >&2
fi
