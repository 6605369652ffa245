# Sourced by the benchmarks that time ours beside a baseline, statement by statement, in
# one psql session on the same data (alerts.sh, windows.sh).  Builds and installs the
# extension, starts a throwaway cluster, and begins the psql script "$script" with
# pg_temp.ms() and the table runs; the caller appends its fleet, its measure calls and
# its report, then runs the script.
. test/cluster.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start
script=$(mktemp /tmp/maintmode-bench.XXXXXX.sql)
trap 'rm -f "$script"; cluster_stop' EXIT

cat >"$script" <<'SQL'
\set ON_ERROR_STOP on
\set QUIET on
-- Runs a statement and returns how long it took, in ms.
CREATE FUNCTION pg_temp.ms(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t timestamptz := clock_timestamp();
BEGIN
    EXECUTE sql;
    RETURN round(extract(epoch FROM clock_timestamp() - t) * 1000, 1);
END $$;
CREATE TEMP TABLE runs (ord serial, what text, side text, ms numeric);
SQL

# measure WHAT SIDE SETUP STATEMENT: one timed run, in a transaction rolled back so that
# every run starts from the same data.
measure() {
    cat >>"$script" <<SQL
BEGIN;
$3
SELECT pg_temp.ms(\$q\$$4\$q\$) AS t \gset
ROLLBACK;
INSERT INTO runs (what, side, ms) VALUES ('$1', '$2', :t);
SQL
}
