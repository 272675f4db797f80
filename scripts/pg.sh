#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and trials (never for a province's data):
#   bash scripts/pg.sh start DIR   initdb into DIR (first time), start it listening only on a unix
#                                  socket in DIR (no TCP port to clash with another server), print
#                                  its URL (DCMETRICS_DB=<url> points the app or the CLI at it)
#   bash scripts/pg.sh stop DIR    stop it (the data stays in DIR; rm -rf DIR to forget it)
#   bash scripts/pg.sh url DIR     print the URL again
# Debian's binaries (apt-get install postgresql) live in /usr/lib/postgresql/<version>/bin;
# PG_BIN overrides. initdb refuses to run as root: as root the server runs as user `postgres`.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: bash scripts/pg.sh start|stop|url DIR" >&2; exit 2
fi
bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do bin=$d; break; done
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "Không tìm thấy PostgreSQL (initdb). Cài bằng: apt-get install postgresql" >&2; exit 3
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
url="postgresql://dcmetrics@/dcmetrics?host=$dir"
case "$cmd" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      # trust on the socket only: nothing listens on TCP, and the socket's folder is the test's own
      "${as[@]}" "$bin/initdb" -D "$data" -U dcmetrics --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c full_page_writes=off -c max_connections=300" start >/dev/null
    if ! "$bin/psql" -XtAq "postgresql://dcmetrics@/postgres?host=$dir" \
         -c "SELECT 1 FROM pg_database WHERE datname = 'dcmetrics'" | grep -q 1; then
      "$bin/psql" -XtAq "postgresql://dcmetrics@/postgres?host=$dir" -c "CREATE DATABASE dcmetrics" >/dev/null
    fi
    echo "$url"
    ;;
  stop)
    if [ -f "$data/postmaster.pid" ]; then
      "${as[@]}" "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  url) echo "$url" ;;
  *) echo "usage: bash scripts/pg.sh start|stop|url DIR" >&2; exit 2 ;;
esac
