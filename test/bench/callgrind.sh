# Sourced by the instruction-count benchmarks, after test/cluster.sh.
# The fleet both count on, in a throwaway cluster left running (PSQL set): the extension
# built and installed, AGENTS agents, 10 to a site, 100 to a client; each adds its checks.
instruction_fleet() {				# instruction_fleet AGENTS
    make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
    cluster_start
    PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
    "${PSQL[@]}" -v agents="$1" <<'SQL'
CREATE EXTENSION maintmode;
INSERT INTO maintmode.client (name) SELECT 'client' || g FROM generate_series(1, :agents / 100) g;
INSERT INTO maintmode.site (client_id, name)
    SELECT (g - 1) / 10 + 1, 'site' || g FROM generate_series(1, :agents / 10) g;
INSERT INTO maintmode.agent (site_id, hostname, last_seen)
    SELECT (g - 1) / 10 + 1, 'agent' || g, now() FROM generate_series(1, :agents) g;
SQL
}
# Once the cluster is stopped again: a single-user backend on its data directory.
single() { as_pg "$PG_BINDIR/postgres" --single -D "$CLUSTER_DIR/data" postgres; }
# The instructions of a whole single-user backend running the SQL on stdin (valgrind's
# callgrind, which no load on the machine disturbs).
callgrind_instructions() {
    as_pg valgrind --tool=callgrind --callgrind-out-file=/dev/null "$PG_BINDIR/postgres" --single \
        -D "$CLUSTER_DIR/data" postgres 2>&1 >/dev/null | sed -nE 's/.*Collected : ([0-9]+).*/\1/p'
}
