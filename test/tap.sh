# Sourced by the test scripts that print TAP ("ok N - what" / "not ok N - what", then
# "1..N"), which the test command counts.  A script may define tap_explain, run after
# each failure to say more.
tap_tests=0
tap_failures=0

check() {						# check DESCRIPTION COMMAND...
    local description=$1
    shift
    tap_tests=$((tap_tests + 1))
    if "$@"; then
        echo "ok $tap_tests - $description"
    else
        tap_failures=$((tap_failures + 1))
        echo "not ok $tap_tests - $description"
        if declare -F tap_explain >/dev/null; then tap_explain; fi
    fi
}

# For check: equal strings, or both shown.
equals() { [ "$1" = "$2" ] || { echo "# got:      $1"; echo "# expected: $2"; return 1; }; }

# The plan line; true when every check passed.
tap_done() {
    echo "1..$tap_tests"
    [ "$tap_failures" = 0 ]
}
