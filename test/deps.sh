#!/usr/bin/env bash
# Installs, from Debian, what building and testing maintmode needs (as root).
set -euo pipefail
packages=(make gcc libc6-dev postgresql-15 postgresql-server-dev-15 postgresql-contrib
          libipc-run-perl perl python3 python3-django python3-psycopg2
          python3-venv python3-pip python3-setuptools python3-wheel "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "deps.sh: missing ${missing[*]}; run as root" >&2; exit 1; }
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
