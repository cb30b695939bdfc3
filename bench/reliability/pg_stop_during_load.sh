#!/bin/sh
# PostgreSQL STOPPED for OUTAGE_SECONDS (default 10) during a lighter load, with /healthz polled by curl
# every 0.5 s on its own, so the outage is long enough to see in every answer (issue 13). Run by hand,
# ON A SERVER NO ONE ELSE USES, with the server and worker of load.py running:
#   I_OWN_THIS_POSTGRES=yes PG_STOP_COMMAND="..." PG_START_COMMAND="..." \
#     sh bench/reliability/pg_stop_during_load.sh http://127.0.0.1:8790
# Expect: every request in the outage gets the 503 page, /healthz 503 from the stop until the start,
# then 200 with "worker": "ok" again, with no restart of gunicorn or the worker.
set -eu
URL=${1:-http://127.0.0.1:8790}
if [ "${I_OWN_THIS_POSTGRES:-}" != "yes" ]; then
  echo "Refusing: this stops PostgreSQL for everyone on it. Set I_OWN_THIS_POSTGRES=yes if that is only you." >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
LOG=${LOAD_LOG:-/tmp/reliability_stop_load.log}
HEALTH_LOG=${HEALTH_LOG:-/tmp/reliability_stop_healthz.log}
: > "$HEALTH_LOG"
.venv/bin/python bench/reliability/load.py --url "$URL" --users "${USERS:-10}" --duration "${DURATION:-45}" > "$LOG" 2>&1 &
load=$!
( while kill -0 $load 2>/dev/null; do
    printf '%s %s\n' "$(date +%H:%M:%S.%1N)" "$(curl -s -m 5 -w ' %{http_code}' "$URL/healthz" || echo ' no answer')" >> "$HEALTH_LOG"
    sleep 0.5
  done ) &
poll=$!
until grep -q "load started" "$LOG" 2>/dev/null; do kill -0 $load || exit 1; sleep 0.5; done
sleep "${BEFORE_SECONDS:-10}"
echo "$(date +%H:%M:%S.%1N) stopping PostgreSQL"
sh -c "$PG_STOP_COMMAND"
echo "$(date +%H:%M:%S.%1N) PostgreSQL stopped"
sleep "${OUTAGE_SECONDS:-10}"
echo "$(date +%H:%M:%S.%1N) starting PostgreSQL"
sh -c "$PG_START_COMMAND"
echo "$(date +%H:%M:%S.%1N) PostgreSQL is back"
wait $load
wait $poll || true
cat "$LOG"
echo "--- /healthz, each change of answer:"
awk '{ answer = substr($0, index($0, " ") + 1); if (answer != last) print; last = answer }' "$HEALTH_LOG"
