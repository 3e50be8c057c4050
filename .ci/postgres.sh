# shellcheck shell=bash
# Sourced by .ci/run (as root or in CI): a throwaway PostgreSQL server on loopback for the
# PostgreSQL variants of the tests. Installs the Debian packages if the server programs are
# missing, creates a cluster in a temporary folder owned by a non-root user, starts it on a free
# port of 127.0.0.1, creates a database and exports LOYALTY_TEST_PG_URL. The server is stopped
# and its folder removed when the calling shell exits (any EXIT trap of the caller still runs).
#
# Being sourced, this file never calls `exit` and leaves the caller's shell options alone: it
# returns non-zero (which stops a `set -e` caller) when the server cannot be started.

_loyalty_pg_main() {
    local bindir="" candidate
    if [ -n "${LOYALTY_TEST_PG_URL:-}" ]; then
        return 0
    fi
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        bindir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
    else
        for candidate in /usr/lib/postgresql/*/bin; do
            [ -x "$candidate/pg_ctl" ] && bindir=$candidate # the glob sorts: newest last
        done
    fi
    if [ -z "$bindir" ]; then
        if [ "$(id -u)" != "0" ]; then
            echo "postgres.sh: PostgreSQL is not installed and installing needs root" >&2
            return 1
        fi
        echo "postgres.sh: installing PostgreSQL from the Debian packages" >&2
        # Only the programs: no cluster of the package's own that would keep running.
        mkdir -p /etc/postgresql-common
        if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
            echo "create_main_cluster = false" >>/etc/postgresql-common/createcluster.conf
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            postgresql >/dev/null || return 1
        for candidate in /usr/lib/postgresql/*/bin; do
            [ -x "$candidate/pg_ctl" ] && bindir=$candidate
        done
        if [ -z "$bindir" ]; then
            echo "postgres.sh: the postgresql package installed no pg_ctl" >&2
            return 1
        fi
    fi

    # PostgreSQL refuses to run as root: as root the cluster belongs to an unprivileged user.
    local -a as_user=()
    local owner
    owner=$(id -un)
    if [ "$(id -u)" = "0" ]; then
        if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
        if command -v runuser >/dev/null 2>&1; then
            as_user=(runuser -u "$owner" --)
        else
            as_user=(su -s /bin/sh "$owner" -c '"$0" "$@"')
        fi
    fi

    local dir port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/loyalty-pg.XXXXXX") || return 1
    chmod 700 "$dir"
    [ "$(id -u)" = "0" ] && chown "$owner" "$dir"
    _LOYALTY_PG_DIR=$dir
    _LOYALTY_PG_RUN=("${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data")

    port=$(python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
) || return 1

    # UTF-8 whatever the machine's locale (without it initdb may pick SQL_ASCII); trust on
    # loopback only, the cluster lives as long as this test run.
    if ! "${as_user[@]}" "$bindir/initdb" -D "$dir/data" -U loyalty -E UTF8 --locale=C.UTF-8 \
        --auth=trust >"$dir/initdb.log" 2>&1; then
        echo "postgres.sh: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    fi
    if ! "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" \
        start >/dev/null; then
        echo "postgres.sh: the server did not start:" >&2
        cat "$dir/server.log" >&2
        return 1
    fi
    if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U loyalty -d postgres -qAt \
        -c "CREATE DATABASE loyalty_test" >/dev/null; then
        echo "postgres.sh: cannot create the test database" >&2
        return 1
    fi
    export LOYALTY_TEST_PG_URL="postgresql+psycopg://loyalty@127.0.0.1:$port/loyalty_test"
    echo "postgres.sh: $("$bindir/pg_ctl" --version) on 127.0.0.1:$port" >&2
    return 0
}

_loyalty_pg_stop() {
    if [ -n "${_LOYALTY_PG_DIR:-}" ]; then
        "${_LOYALTY_PG_RUN[@]}" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$_LOYALTY_PG_DIR"
        _LOYALTY_PG_DIR=""
    fi
}

_loyalty_pg_trap_command() { printf '%s' "${3:-}"; }

if _loyalty_pg_main; then
    if [ -n "${_LOYALTY_PG_DIR:-}" ]; then
        # Chain any EXIT trap the caller set before sourcing this file.
        eval "_LOYALTY_PG_PREV_TRAP=\$(_loyalty_pg_trap_command $(trap -p EXIT))"
        # shellcheck disable=SC2064
        trap "_loyalty_pg_stop; ${_LOYALTY_PG_PREV_TRAP:-}" EXIT
        # Stopped by a signal: exit, so that the EXIT trap above stops the server too.
        [ -z "$(trap -p INT)" ] && trap 'exit 130' INT
        [ -z "$(trap -p TERM)" ] && trap 'exit 143' TERM
    fi
    true
else
    _loyalty_pg_stop
    return 1
fi
