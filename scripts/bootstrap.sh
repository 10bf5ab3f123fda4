#!/bin/sh
# Create the virtual environment and install reporter with its test tools.
# Installs the few system packages WeasyPrint needs (Pango, fonts: DejaVu, and Nanum for Hangul) when they are
# missing and the machine has apt-get and root rights; otherwise says what to install.
set -eu
VENV="${VENV:-.venv}"

PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    echo "reporter needs Python 3.11 or newer; none was found on PATH" >&2
    exit 1
fi

need_apt=""
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || need_apt="$need_apt python3-venv"
if command -v ldconfig >/dev/null 2>&1; then
    ldconfig -p | grep -q 'libpango-1.0.so' || need_apt="$need_apt libpango-1.0-0"
    ldconfig -p | grep -q 'libpangoft2-1.0.so' || need_apt="$need_apt libpangoft2-1.0-0"
fi
if command -v fc-list >/dev/null 2>&1; then
    fc-list | grep -qi 'dejavu' || need_apt="$need_apt fonts-dejavu-core"
    # Korean reports (--lang ko) need a font with Hangul; any installed one will do.
    [ -n "$(fc-list :lang=ko family)" ] || need_apt="$need_apt fonts-nanum"
else
    need_apt="$need_apt fontconfig fonts-dejavu-core fonts-nanum"
fi
if [ -n "$need_apt" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        echo "installing system packages:$need_apt"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_apt >/dev/null
    else
        echo "please install these system packages first:$need_apt" >&2
        exit 1
    fi
fi

# Java 17 for the Spark engine (PySpark in local mode); without it the Spark tests are skipped.
if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing Java 17 (openjdk-17-jre-headless) for the Spark engine"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } ||
        echo "Java 17 could not be installed; the Spark tests will be skipped" >&2
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
echo "environment ready in $VENV"
