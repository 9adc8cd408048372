#!/usr/bin/env bash
# Install what the tests need on a fresh machine, check the import layers, then run the whole suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser tests and the review pack's PDF; poppler-utils: pdftotext reads that PDF back;
# fonts-thai-tlwg: Thai text in it (service names, the plan's own words).
if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null || ! fc-list :lang=th | grep -q .; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "scripts/test.sh: installing Debian's chromium, poppler-utils and fonts-thai-tlwg for the tests"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium poppler-utils fonts-thai-tlwg
    else
        echo "scripts/test.sh: chromium, pdftotext or a Thai font is missing and we are not root, so they cannot be installed here." >&2
        echo "  Install them with: sudo apt-get update && sudo apt-get install -y chromium poppler-utils fonts-thai-tlwg" >&2
        echo "  Meanwhile the browser tests skip (and fail when CI=true)." >&2
    fi
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
# The layers contract (pyproject.toml, [tool.importlinter]) before the tests: a broken one names the import.
lint-imports --no-logo --no-cache
python3 -m pytest -q "$@"
