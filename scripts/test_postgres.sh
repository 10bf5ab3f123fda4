#!/bin/sh
# Start or stop a throwaway PostgreSQL server on 127.0.0.1 for the history-store tests.
#   sh scripts/test_postgres.sh start   -> prints the server's SQLAlchemy URL (exit 1 if none can run)
#   sh scripts/test_postgres.sh stop
# Installs Debian's postgresql package when it is missing and the machine allows it.
set -eu
PORT="${REPORTER_PG_PORT:-54329}"
DIR="${REPORTER_PG_DIR:-/tmp/reporter-test-pg}"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

case "${1:-start}" in
start)
    PGBIN="$(find_bin)"
    if [ -z "$PGBIN" ]; then
        command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ] || exit 1
        (apt-get install -y -qq postgresql || (apt-get update -qq && apt-get install -y -qq postgresql)) \
            >/dev/null 2>&1 || exit 1
        PGBIN="$(find_bin)"
    fi
    [ -n "$PGBIN" ] || exit 1
    RUN=""
    if [ "$(id -u)" = "0" ]; then RUN="su postgres -s /bin/sh -c"; fi
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ -z "$RUN" ] || chown postgres "$DIR"
    cmd_init="$PGBIN/initdb -D $DIR/data -A trust -U postgres"
    cmd_start="$PGBIN/pg_ctl -D $DIR/data -l $DIR/log -w -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1' start"
    if [ -n "$RUN" ]; then
        $RUN "$cmd_init" >/dev/null 2>&1 && $RUN "$cmd_start" >/dev/null 2>&1 || exit 1
    else
        sh -c "$cmd_init" >/dev/null 2>&1 && sh -c "$cmd_start" >/dev/null 2>&1 || exit 1
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    PGBIN="$(find_bin)"
    [ -n "$PGBIN" ] && [ -d "$DIR/data" ] || exit 0
    if [ "$(id -u)" = "0" ]; then
        su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null 2>&1 || true
    else
        "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
esac
