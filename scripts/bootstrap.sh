#!/usr/bin/env bash
# Installs what Veraz needs on a fresh Debian machine: system libraries (when root and missing),
# a virtualenv with the Python packages, and the compiled translations.
# Usage: scripts/bootstrap.sh [--dev]   (--dev adds test tools, Chromium, PostgreSQL, Redis)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1

need=()
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$DEV" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)  # reads the survey poster's QR code in the tests
  command -v wrk >/dev/null 2>&1 || need+=(wrk)  # the benchmark's load generator
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # jobs, e-mail and limit tests
  command -v npm >/dev/null 2>&1 || need+=(npm)  # Spectral, the OpenAPI linter of the tests
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] || need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Please install with apt: ${need[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
req=requirements.txt; [ "$DEV" = 1 ] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$DEV"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
.venv/bin/pybabel compile -d translations >/dev/null
if [ "$DEV" = 1 ]; then
  # schemathesis 4, for tests/test_api_conformance.py: its own virtualenv, since it pins a
  # Hypothesis that the app's test tools (schemathesis 3, in .venv) cannot share.
  st_stamp="tests/.venv-schemathesis/.installed-$(sha256sum tests/schemathesis/requirements.txt | cut -c1-16)"
  if [ ! -f "$st_stamp" ]; then
    [ -x tests/.venv-schemathesis/bin/python ] || "$PY" -m venv tests/.venv-schemathesis
    tests/.venv-schemathesis/bin/pip install -q --disable-pip-version-check -r tests/schemathesis/requirements.txt
    touch "$st_stamp"
  fi
  # openapi-python-client, for tests/test_api_client.py: its own virtualenv too, since it pins its own
  # ruff and pydantic (the client it generates needs only httpx and attrs, which .venv has).
  client_stamp="tests/.venv-client/.installed-$(sha256sum tests/client/requirements.txt | cut -c1-16)"
  if [ ! -f "$client_stamp" ]; then
    [ -x tests/.venv-client/bin/python ] || "$PY" -m venv tests/.venv-client
    tests/.venv-client/bin/pip install -q --disable-pip-version-check -r tests/client/requirements.txt
    touch "$client_stamp"
  fi
  # Spectral, the OpenAPI linter of tests/test_api_spectral.py, from npm into tests/spectral/.
  if command -v npm >/dev/null 2>&1 && [ ! -x tests/spectral/node_modules/.bin/spectral ]; then
    (cd tests/spectral && npm install --no-audit --no-fund --silent)
  fi
fi
