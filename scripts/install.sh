#!/usr/bin/env bash
# Installs what digest needs on a Debian-based machine: the system libraries and fonts that
# WeasyPrint uses for the PDF, libpq for the PostgreSQL store, then the Python package (with the test tools
# when given "test"). With "test", also the PostgreSQL server, which the tests start in a temporary folder, and
# epubcheck (run with java), which checks the EPUB edition, and Chromium with its chromedriver, in which the
# tests drive the web app.
set -euo pipefail
cd "$(dirname "$0")/.."

system_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-wqy-microhei
                 fonts-noto-color-emoji poppler-utils libpq5)
[ "${1:-}" = "test" ] && system_packages+=(postgresql epubcheck chromium chromium-driver)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install: system packages: ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "install: please install these system packages first: ${missing[*]}" >&2
    exit 1
  fi
fi

extra=""
[ "${1:-}" = "test" ] && extra="[test]"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".${extra}"
