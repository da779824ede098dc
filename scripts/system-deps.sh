#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing and we may install.
# In CI (CI=true) a missing package is an error; on a developer's machine without root the
# tests that need it skip with a visible reason.
set -euo pipefail
need=()
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# PostgreSQL for the sync/server tests (the tests start their own throwaway cluster)
if ! command -v initdb >/dev/null 2>&1 && ! [ -x "$(pg_config --bindir 2>/dev/null)/initdb" ] \
   && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
# Qt's offscreen platform plugin needs these shared libraries.
for lib in libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libGL.so.1 libglib-2.0.so.0 libdbus-1.so.3 \
           libX11.so.6 libfreetype.so.6; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || { case $lib in
    libEGL.so.1) need+=(libegl1);; libxkbcommon.so.0) need+=(libxkbcommon0);;
    libfontconfig.so.1) need+=(libfontconfig1);; libGL.so.1) need+=(libgl1);;
    libglib-2.0.so.0) need+=(libglib2.0-0);; libdbus-1.so.3) need+=(libdbus-1-3);;
    libX11.so.6) need+=(libx11-6);; libfreetype.so.6) need+=(libfreetype6);; esac; }
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
