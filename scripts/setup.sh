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

# Browser suites use Debian's Chromium (Playwright cannot download its own browser everywhere).
if [ -z "${RELEASEGATE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing chromium from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "chromium is missing: install it (sudo apt-get install chromium), set RELEASEGATE_CHROMIUM"
    say "to a Chromium binary, or run '.venv/bin/playwright install chromium' where downloads work"
  fi
fi
say "ready"
