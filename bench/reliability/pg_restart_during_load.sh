#!/bin/sh
# PostgreSQL restarted during the load (issue 13, reliability suite). Run by hand, ON A SERVER NO ONE
# ELSE USES: it restarts the whole PostgreSQL cluster. Needs the server and worker of load.py running.
#   I_OWN_THIS_POSTGRES=yes DATABASE_URL=... sh bench/reliability/pg_restart_during_load.sh http://127.0.0.1:8790
# PG_RESTART_COMMAND replaces the restart, e.g. for a private instance started with pg_ctl:
#   PG_RESTART_COMMAND="su postgres -c '/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/h1pg/data restart -w'"
# Expect: requests during the outage get the 503 page, /healthz goes 503 then back to 200 by itself,
# the worker logs "Database unavailable ... trying again" and carries on (no restart of anything).
set -eu
URL=${1:-http://127.0.0.1:8790}
if [ "${I_OWN_THIS_POSTGRES:-}" != "yes" ]; then
  echo "Refusing: this restarts PostgreSQL for everyone on it. Set I_OWN_THIS_POSTGRES=yes if that is only you." >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
LOG=${LOAD_LOG:-/tmp/reliability_load.log}
.venv/bin/python bench/reliability/load.py --url "$URL" --users 50 --duration 60 > "$LOG" 2>&1 &
load=$!
sleep 20
echo "$(date +%H:%M:%S) restarting PostgreSQL"
if [ -n "${PG_RESTART_COMMAND:-}" ]; then
  sh -c "$PG_RESTART_COMMAND"
else
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main restart
fi
echo "$(date +%H:%M:%S) PostgreSQL is back"
wait $load
cat "$LOG"
