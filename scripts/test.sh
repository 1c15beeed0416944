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

# Real services for the tests of jobs, e-mail and shared limits, on free loopback ports: a Redis
# that keeps nothing on disk, and an SMTP server that saves each message into a folder. The tests
# start their own workers (each points at its own test database). Stopped at exit, however it ends.
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SERVICES=$(mktemp -d)
CLEANUP=()
cleanup() { for ((i=${#CLEANUP[@]}-1; i>=0; i--)); do eval "${CLEANUP[i]}" || true; done; }
trap cleanup EXIT
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$SERVICES" \
  --logfile "$SERVICES/redis.log" --daemonize yes --pidfile "$SERVICES/redis.pid"
CLEANUP+=("kill \$(cat '$SERVICES/redis.pid') 2>/dev/null; rm -rf '$SERVICES'")
SMTP_PORT=$(free_port)
.venv/bin/python tests/support/smtp_sink.py --port "$SMTP_PORT" --dir "$SERVICES/mail" >"$SERVICES/smtp.log" 2>&1 &
SMTP_PID=$!
CLEANUP+=("kill $SMTP_PID 2>/dev/null; wait $SMTP_PID 2>/dev/null")
for _ in $(seq 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && grep -q "SMTP sink" "$SERVICES/smtp.log" && break
  sleep 0.2
done
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" TEST_SMTP_PORT="$SMTP_PORT" TEST_MAIL_DIR="$SERVICES/mail"

echo "== tests on SQLite"
"${PYTEST[@]}" "$@"

echo "== tests on PostgreSQL"
PGBIN=$(pg_config --bindir)
D=$(mktemp -d); chmod 755 "$D"
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres: "$D"; runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/initdb" -D "$D/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$D/data" -l "$D/log" -w -o "-p $PORT -k $D -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
CLEANUP+=('as_pg "$PGBIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null; rm -rf "$D"')
TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres" "${PYTEST[@]}" -m "not browser" "$@"
