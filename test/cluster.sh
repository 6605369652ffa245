# Sourced: a throwaway PostgreSQL cluster in a temporary directory, reached over a
# Unix socket there only.  cluster_start exports PGHOST/PGPORT/PGUSER/PGDATABASE;
# cluster_stop (also run on exit) stops it and removes the directory.  CLUSTER_OPTS, if
# set, is appended to the server's options (e.g. "-c shared_preload_libraries=maintmode").
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
PG_BINDIR=$("$PG_CONFIG" --bindir)

# As root the server must run as an ordinary user: Debian's postgres.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cluster_start() {
    CLUSTER_DIR=$(mktemp -d /tmp/maintmode-cluster.XXXXXX)
    chmod 755 "$CLUSTER_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$CLUSTER_DIR"
    export PGHOST=$CLUSTER_DIR PGPORT=$((20000 + RANDOM % 20000)) PGDATABASE=postgres
    PGUSER=$(if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi)
    export PGUSER
    as_pg "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -A trust -U "$PGUSER" >"$CLUSTER_DIR/initdb.log" 2>&1
    as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
        -o "-c listen_addresses='' -k $CLUSTER_DIR -p $PGPORT -c fsync=off ${CLUSTER_OPTS:-}" start >/dev/null
    trap cluster_stop EXIT
}

cluster_stop() {
    [ -n "${CLUSTER_DIR:-}" ] || return 0
    as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_DIR"
    CLUSTER_DIR=
}
