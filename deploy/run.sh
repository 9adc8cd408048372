#!/usr/bin/env bash
# N app processes on loopback behind nginx (deploy/nginx.conf.in), for one machine.
# Usage: OPSPLAN_DB=/srv/opsplan/warehouse.duckdb bash deploy/run.sh [N] [LISTEN_PORT]
# Every process serves the same warehouse: each reads its newest published version and writes
# through the warehouse's one lock (README, "Serving and writing at once"); give them the same
# .streamlit/secrets.toml (the same cookie_secret) so a sign-in holds on every process.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2}"
LISTEN="${2:-8080}"
PREFIX="${OPSPLAN_PROXY_DIR:-$PWD/.proxy}"
PORTS=()
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
for i in $(seq 1 "$N"); do
    PORT=$((8500 + i))
    PORTS+=("$PORT")
    python3 -m streamlit run app.py --server.port "$PORT" --server.headless true &
    PIDS+=("$!")
done
python3 deploy/proxy.py --listen "$LISTEN" --ports "${PORTS[@]}" --prefix "$PREFIX" &
PIDS+=("$!")
echo "opsplan: http://127.0.0.1:$LISTEN/ in front of ports ${PORTS[*]}"
wait -n
