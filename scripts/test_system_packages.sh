#!/bin/sh
# The system programs some tests drive, installed when missing (as scripts/bootstrap.sh installs
# Pango): Debian's Chromium for the upload page's browser test (never a browser download) and
# LibreOffice Calc for the workbook round trips. Run by `make test` before pytest; when both are
# present it only looks for them. Where they cannot be installed (no apt-get, not root, no
# network), it says so and the tests that need them are skipped, each saying why.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || missing="$missing libreoffice-calc-nogui"
[ -n "$missing" ] || exit 0

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != "0" ]; then
    echo "missing:$missing (no apt-get as root to install them); the tests that need them will be skipped" >&2
    exit 0
fi
echo "installing system packages for the tests:$missing"
apt-get update -qq || echo "apt-get update failed; trying the install with the package lists there are" >&2
for package in $missing; do
    extra=""
    [ "$package" = "chromium" ] || extra="--no-install-recommends"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $extra "$package" >/dev/null ||
        echo "could not install $package; the tests that need it will say so and be skipped" >&2
done
