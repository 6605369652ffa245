#!/usr/bin/env bash
# The README's first command: installs what it needs, builds and installs maintmode,
# starts a throwaway cluster, loads a sample fleet and shows maintenance at work
# (test/demo/demo.sql), then stops the cluster.  As root on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/deps.sh
. test/cluster.sh
echo "== Building and installing maintmode for $PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
cluster_start
echo "== Throwaway cluster on $PGHOST, port $PGPORT"
psql -X -q -v ON_ERROR_STOP=1 -f test/demo/demo.sql
