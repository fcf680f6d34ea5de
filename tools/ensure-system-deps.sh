#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need when they are missing, so that
# `npm start` and `npm test` work on a fresh machine. As root it installs them; otherwise
# it prints the one command to run and stops.
#   chromium                      the preview host and the end-to-end tests
#   strongswan-pki, libstrongswan-extra-plugins, certmonger
#                                 independent SCEP clients the lab's fake NDES must satisfy
#   poppler-utils                 pdftotext: reads back the runbook PDF the tests print
set -euo pipefail

# Only Linux machines get packages from Debian; elsewhere the browser is found by path.
[ "$(uname -s)" = "Linux" ] || exit 0

present() {
  case "$1" in
    chromium) command -v chromium >/dev/null 2>&1 ;;
    xvfb) command -v xvfb-run >/dev/null 2>&1 ;;
    strongswan-pki) command -v pki >/dev/null 2>&1 ;;
    libstrongswan-extra-plugins) [ -e /usr/lib/ipsec/plugins/libstrongswan-curl.so ] ;;
    certmonger) [ -x /usr/lib/certmonger/scep-submit ] ;;
    poppler-utils) command -v pdftotext >/dev/null 2>&1 ;;
    *) dpkg -s "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for package in "$@"; do
  present "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
