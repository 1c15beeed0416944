#!/usr/bin/env bash
# One command from a fresh clone to a running Veraz with demo data on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export FLASK_APP=app
.venv/bin/flask db upgrade
.venv/bin/flask demo
echo "Starting Veraz on http://127.0.0.1:${PORT:-5000} (Ctrl+C stops it)"
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
