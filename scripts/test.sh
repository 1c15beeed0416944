#!/usr/bin/env bash
# The whole test suite: static checks, then every test on SQLite, then on a real PostgreSQL
# server started here on loopback and stopped afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -n "${TEST_WORKERS:-2}" --dist loadfile)

echo "== static checks (ruff, bandit)"
.venv/bin/ruff check .
.venv/bin/bandit -q -c pyproject.toml -r . 

echo "== tests on SQLite"
"${PYTEST[@]}" "$@"

echo "== tests on PostgreSQL"
PGBIN=$(pg_config --bindir)
D=$(mktemp -d); chmod 755 "$D"
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres: "$D"; runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/initdb" -D "$D/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$D/data" -l "$D/log" -w -o "-p $PORT -k $D -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
trap 'as_pg "$PGBIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null; rm -rf "$D"' EXIT
TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres" "${PYTEST[@]}" -m "not browser" "$@"
