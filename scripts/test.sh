#!/usr/bin/env bash
# Install what the tests need on a fresh machine, check the import layers, then run the whole suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "scripts/test.sh: installing Debian's chromium for the browser tests"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
    else
        echo "scripts/test.sh: /usr/bin/chromium is missing and we are not root, so it cannot be installed here." >&2
        echo "  Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
        echo "  Meanwhile the browser tests skip (and fail when CI=true)." >&2
    fi
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
# The layers contract (pyproject.toml, [tool.importlinter]) before the tests: a broken one names the import.
lint-imports --no-logo --no-cache
python3 -m pytest -q "$@"
