#!/usr/bin/env bash
# Builds the Debian package postgresql-NN-maintmode (debian/, pg_buildext) from a copy
# of this checkout in a temporary directory (the working tree is left as it is),
# installs it with apt-get, checks where its files went, creates the extension from the
# packaged files on a throwaway cluster and puts an agent into maintenance, then removes
# the package again.  As root: it installs build tools and the package.
# Prints "ok N - what" / "not ok N - what" per assertion and a trailing plan "1..N";
# exits non-zero if any failed.
#
# Removing the package deletes the files it installed, which are the paths
# `make install` writes: run this after every other test (test/run_all.sh runs it
# last), and `make install` again afterwards to use a build from the working tree.
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "debian.sh: run as root (it installs and removes packages)" >&2; exit 1; }

bash test/deps.sh postgresql-server-dev-all debhelper dpkg-dev fakeroot || exit 1
# The package installs into Debian's own PostgreSQL, whatever PG_CONFIG another build used.
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
. test/cluster.sh
. test/tap.sh
export DEBIAN_FRONTEND=noninteractive

major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
# The package installs into Debian's PostgreSQL of that major version (pg_buildext builds
# with its pg_config), also when PG_CONFIG names a private copy: check and run that one.
PG_CONFIG=/usr/lib/postgresql/$major/bin/pg_config
PG_BINDIR=$("$PG_CONFIG" --bindir)
pkg=postgresql-$major-maintmode
pkglibdir=$("$PG_CONFIG" --pkglibdir)
extdir=$("$PG_CONFIG" --sharedir)/extension
work=$(mktemp -d /tmp/maintmode-deb.XXXXXX)

installed() { dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; }
remove_package() { installed && apt-get remove -y -qq "$pkg" >"$work/remove.log" 2>&1; }
cleanup() { cluster_stop; remove_package; rm -rf "$work"; }
trap cleanup EXIT

finish() { tap_done; exit; }
equals() { [ "$1" = "$2" ] || { echo "# got:      $1"; echo "# expected: $2"; return 1; }; }
succeeds() {					# succeeds LOG COMMAND...: on failure, LOG's tail as comments
    local log=$1
    shift
    "$@" >"$log" 2>&1 && return 0
    echo "# exit status $?; last lines of $(basename "$log"):"
    tail -40 "$log" | sed 's/^/#   /'
    return 1
}
lists() { grep -qxF -- "$1" "$work/files" || { echo "# $pkg does not contain $1"; return 1; }; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

if installed; then
    echo "# $pkg was installed already (an interrupted run?); removing it first"
    remove_package || { echo "# could not remove $pkg"; cat "$work/remove.log"; exit 1; }
fi

# The copy: tracked and untracked files, without what .gitignore names (build output).
mkdir "$work/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf - | tar -C "$work/src" -xf -
else
    cp -a . "$work/src"
fi

version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
deb=$work/${pkg}_${version}_$(dpkg --print-architecture).deb
check "dpkg-buildpackage -us -uc -b builds ${pkg}_${version}" \
    succeeds "$work/build.log" bash -c "cd '$work/src' && dpkg-buildpackage -us -uc -b"
check "the build writes $(basename "$deb")" test -f "$deb"
[ -f "$deb" ] || finish
check "the build log has no warnings" \
    equals "$(grep -ci 'warning:' "$work/build.log")" 0

check "apt-get install ./$(basename "$deb") succeeds" \
    succeeds "$work/install.log" apt-get install -y --no-install-recommends "$deb"
installed || finish
dpkg -L "$pkg" >"$work/files"
sed 's/^/# /' "$work/files"
check "the package installs $pkglibdir/maintmode.so" lists "$pkglibdir/maintmode.so"
check "the package installs $extdir/maintmode.control" lists "$extdir/maintmode.control"
check "the package installs $extdir/maintmode--1.0.sql" lists "$extdir/maintmode--1.0.sql"
check "the packaged maintmode.so is on disk" test -f "$pkglibdir/maintmode.so"

cluster_start
trap cleanup EXIT				# cluster_start set its own
check "CREATE EXTENSION maintmode" sql -c 'CREATE EXTENSION maintmode'
default_version=$(sed -nE "s/^default_version *= *'([^']*)'.*/\1/p" "$extdir/maintmode.control")
check "the extension is at the control file's default_version ($default_version)" \
    equals "$(sql -c "SELECT extversion FROM pg_extension WHERE extname = 'maintmode'")" "$default_version"
agent=$(sql -c "INSERT INTO maintmode.client (name) VALUES ('acme');
                INSERT INTO maintmode.site (client_id, name)
                    SELECT id, 'hq' FROM maintmode.client WHERE name = 'acme';
                INSERT INTO maintmode.agent (site_id, hostname)
                    SELECT id, 'web01' FROM maintmode.site WHERE name = 'hq' RETURNING id")
check "a client, a site and an agent are inserted" test -n "$agent"
check "set_agent_maintenance($agent, true) returns 1" \
    equals "$(sql -c "SELECT maintmode.set_agent_maintenance(${agent:-0}, true)")" 1
check "the agent is in maintenance" \
    equals "$(sql -c "SELECT maintenance_mode FROM maintmode.agent WHERE id = ${agent:-0}")" t
cluster_stop

check "apt-get remove $pkg succeeds" succeeds "$work/remove.log" apt-get remove -y "$pkg"
check "removing the package removes maintmode.so" test ! -e "$pkglibdir/maintmode.so"
finish
