#!/usr/bin/env bash
# Install everything releasegate needs on a fresh Debian machine: a Python environment in .venv/
# with the project and its dependencies, and Chromium from Debian's packages where it is missing.
# Safe to run again: it only does what is not done yet.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "releasegate needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1 || echo missing)"
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
stamp=.venv/.releasegate-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing releasegate and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi

# From Debian's packages: Chromium for the browser suites (Playwright cannot download its own
# browser everywhere), Prometheus and promtool for the monitoring suite, wrk for the load
# benchmark, PostgreSQL for the shared history store's tests.
missing=()
if [ -z "${RELEASEGATE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing from Debian's packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}; install them (sudo apt-get install ${missing[*]})."
    say "For Chromium you may instead set RELEASEGATE_CHROMIUM to a Chromium binary, or run"
    say "'.venv/bin/playwright install chromium' where downloads work"
  fi
fi
# Allure 3 (npm, pinned) for 'releasegate report'; optional: without npm the rest works.
if [ ! -x node_modules/.bin/allure ]; then
  if command -v npm >/dev/null 2>&1; then
    say "installing allure@3.18.0 from npm into node_modules/ (for 'releasegate report')"
    npm install --no-save --no-package-lock --no-audit --no-fund --silent allure@3.18.0 \
      2>&1 | grep -v "Unknown user config" >&2 || true
  else
    say "npm is missing: 'releasegate report' needs Allure 3 (npm install -g allure@3.18.0)"
  fi
fi
say "ready"
