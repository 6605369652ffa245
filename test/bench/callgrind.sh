# Sourced by the instruction-count benchmarks, after test/cluster.sh and cluster_start
# (the cluster stopped again): a single-user backend on the cluster's data directory.
single() { as_pg "$PG_BINDIR/postgres" --single -D "$CLUSTER_DIR/data" postgres; }
# The instructions of a whole single-user backend running the SQL on stdin (valgrind's
# callgrind, which no load on the machine disturbs).
callgrind_instructions() {
    as_pg valgrind --tool=callgrind --callgrind-out-file=/dev/null "$PG_BINDIR/postgres" --single \
        -D "$CLUSTER_DIR/data" postgres 2>&1 >/dev/null | sed -nE 's/.*Collected : ([0-9]+).*/\1/p'
}
