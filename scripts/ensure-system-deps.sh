#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need when they are missing, so that
# `npm start` and `npm test` work on a fresh machine. As root it installs them; otherwise
# it prints the one command to run and stops.
set -euo pipefail

# Only Linux machines get packages from Debian; elsewhere the browser is found by path.
[ "$(uname -s)" = "Linux" ] || exit 0

declare -A binary_of=([chromium]=chromium [xvfb]=xvfb-run)
missing=()
for package in "$@"; do
  command -v "${binary_of[$package]:-$package}" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing from Debian: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
