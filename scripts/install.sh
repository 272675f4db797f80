#!/usr/bin/env bash
# Installs on a fresh machine, with the versions CI last passed with (requirements/*.lock, with
# hashes; refreshed by scripts/lock.sh):
#   bash scripts/install.sh app    what the dashboard needs
#   bash scripts/install.sh test   that, the test tools, Debian's chromium for the browser tests and
#                                  LibreOffice Calc (headless) for the tests that open every export in it,
#                                  and PostgreSQL's server binaries (the tests start their own throwaway
#                                  server with scripts/pg.sh, never the cluster Debian sets up)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-test}
case "$kind" in app|test) ;; *) echo "usage: bash scripts/install.sh [app|test]" >&2; exit 2 ;; esac
pip=(python3 -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --require-hashes -r "requirements/$kind.lock"
"${pip[@]}" --no-deps -e .
if [ "$kind" = test ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ "$kind" = test ] && ! command -v soffice >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null
fi
# the exports' print layout is checked in LibreOffice with Calibri's metrics (Carlito), as Excel draws it
if [ "$kind" = test ] && ! fc-match Calibri 2>/dev/null | grep -q Carlito && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-crosextra-carlito >/dev/null
fi
if [ "$kind" = test ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
