#!/usr/bin/env bash
# Serve rnnviz with N Streamlit processes behind nginx on 127.0.0.1:PORT, in the foreground.
#
#   deploy/serve.sh N PORT
#
# Starts N `streamlit run streamlit_app.py` on free ports of 127.0.0.1 (one shared, freshly
# generated cookie secret), waits until each is healthy, writes nginx's config for PORT
# (deploy/nginx.conf.template) into a temporary folder and runs nginx there without root.
# Prints one line "process <i> pid <pid> port <port>" per process, then
# "rnnviz: ready at http://...". SIGTERM or Ctrl-C stops everything it started; a process
# that dies on its own is reported (its learners move to another process).
#
# Environment: RNNVIZ_* settings reach every process (e.g. RNNVIZ_HOSTED=1);
# PYTHON (default .venv/bin/python, else python3), NGINX (default nginx, else /usr/sbin/nginx),
# RNNVIZ_LISTEN (nginx's address, default 127.0.0.1; 0.0.0.0 to serve other machines),
# RNNVIZ_START_SECONDS (how long a process may take to become healthy, default 180).
set -euo pipefail

usage() { echo "usage: $0 N PORT   (N Streamlit processes behind nginx on PORT)" >&2; exit 2; }
[ $# -eq 2 ] || usage
[[ $1 =~ ^[1-9][0-9]*$ && $2 =~ ^[0-9]+$ ]] || usage
COUNT=$1
PORT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "rnnviz: nginx not found (apt-get install nginx)" >&2; exit 1; }
LISTEN=${RNNVIZ_LISTEN:-127.0.0.1}
START_SECONDS=${RNNVIZ_START_SECONDS:-180}

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rnnviz-serve.XXXXXX")
# Started as root, nginx's workers run as nobody: they must reach the temporary-body folders
# nginx makes (and hands to them) in here, or an upload larger than 16 KB fails with 500.
chmod 711 "$RUN_DIR"
pids=()    # the Streamlit processes, in order
ports=()
NGINX_PID=""

any_alive() {
  local pid
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}

stop_all() {
  local status=$?
  trap - INT TERM EXIT
  local all=("${pids[@]}" ${NGINX_PID:+"$NGINX_PID"})
  if [ ${#all[@]} -gt 0 ]; then
    kill -TERM "${all[@]}" 2>/dev/null || true
    for _ in $(seq 100); do   # up to 10 s for a clean exit
      any_alive "${all[@]}" || break
      sleep 0.1
    done
    kill -KILL "${all[@]}" 2>/dev/null || true
    wait "${all[@]}" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
  echo "rnnviz: stopped"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One secret for every process: Streamlit signs its cookies with it, so a cookie set by one
# process is valid on another (Streamlit's advice for replicas). Not on the command line,
# where `ps` would show it.
STREAMLIT_SERVER_COOKIE_SECRET=$("$PYTHON" -c "import secrets; print(secrets.token_hex(32))")
export STREAMLIT_SERVER_COOKIE_SECRET
# glibc's malloc arenas: at most 2 per process (each session's script thread would get its own and
# keep what a training run freed; bench/rss.py measured 609 -> 541 MB after one learner). Yours wins.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# The upload limit is the one in .streamlit/config.toml (Streamlit's default is 200 MB).
UPLOAD_MB=$("$PYTHON" -c "import tomllib
with open('.streamlit/config.toml', 'rb') as f:
    print(tomllib.load(f).get('server', {}).get('maxUploadSize', 200))")

# N free ports, asked for all at once so they differ.
read -r -a ports <<<"$("$PYTHON" -c "import socket
socks = [socket.socket() for _ in range($COUNT)]
for s in socks:
    s.bind(('127.0.0.1', 0))
print(' '.join(str(s.getsockname()[1]) for s in socks))")"

for i in $(seq 0 $((COUNT - 1))); do
  PYTHONUNBUFFERED=1 "$PYTHON" -m streamlit run streamlit_app.py \
    --server.port "${ports[$i]}" --server.address 127.0.0.1 \
    --server.headless true --server.fileWatcherType none \
    --browser.gatherUsageStats false \
    >"$RUN_DIR/streamlit-$i.log" 2>&1 &
  pids+=($!)
done

healthy() {
  "$PYTHON" -c "import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen('http://127.0.0.1:$1/_stcore/health', timeout=2).status != 200)
except OSError:
    sys.exit(1)"
}

report_death() {  # a Streamlit process that ended on its own, with the end of its log
  echo "rnnviz: process $1 (pid ${pids[$1]}, port ${ports[$1]}) exited on its own${2:+ (status $2)};" \
    "its learners move to another process" >&2
  tail -n 20 "$RUN_DIR/streamlit-$1.log" | sed 's/^/    /' >&2
}

deadline=$((SECONDS + START_SECONDS))
for i in "${!pids[@]}"; do
  until healthy "${ports[$i]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then report_death "$i"; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then
      echo "rnnviz: process $i not healthy after ${START_SECONDS}s" >&2
      tail -n 20 "$RUN_DIR/streamlit-$i.log" | sed 's/^/    /' >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "process $i pid ${pids[$i]} port ${ports[$i]}"
done

servers=""
for p in "${ports[@]}"; do servers+="        server 127.0.0.1:$p;"$'\n'; done
conf=$(<deploy/nginx.conf.template)
conf=${conf//@DIR@/$RUN_DIR}
conf=${conf//@LISTEN@/$LISTEN}
conf=${conf//@PORT@/$PORT}
conf=${conf//@BODY_MB@/$((UPLOAD_MB + 1))}
conf=${conf//@SERVERS@/${servers%$'\n'}}
printf '%s\n' "$conf" >"$RUN_DIR/nginx.conf"

nginx_args=(-p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log")
"$NGINX" "${nginx_args[@]}" -t -q || { cat "$RUN_DIR/error.log" >&2; exit 1; }
"$NGINX" "${nginx_args[@]}" -g "daemon off;" &
NGINX_PID=$!
until healthy "$PORT"; do
  if ! kill -0 "$NGINX_PID" 2>/dev/null; then
    echo "rnnviz: nginx did not start on $LISTEN:$PORT" >&2
    cat "$RUN_DIR/error.log" >&2
    NGINX_PID=""
    exit 1
  fi
  sleep 0.2
done
echo "nginx pid $NGINX_PID config $RUN_DIR/nginx.conf"
echo "rnnviz: ready at http://$LISTEN:$PORT with $COUNT processes (Ctrl-C stops them)"

# Until a signal: report each process that ends on its own; stop when nginx or every
# Streamlit process is gone.
alive=("${!pids[@]}")
while true; do
  waiting=("$NGINX_PID")
  for i in "${alive[@]}"; do waiting+=("${pids[$i]}"); done
  ended_pid="" ended_status=0
  wait -n -p ended_pid "${waiting[@]}" || ended_status=$?
  if ! kill -0 "$NGINX_PID" 2>/dev/null; then
    echo "rnnviz: nginx exited on its own" >&2
    tail -n 20 "$RUN_DIR/error.log" >&2
    exit 1
  fi
  still=()
  for i in "${alive[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      still+=("$i")
    elif [ "${pids[$i]}" = "$ended_pid" ]; then
      report_death "$i" "$ended_status"
    else
      report_death "$i"
    fi
  done
  alive=("${still[@]}")
  if [ ${#alive[@]} -eq 0 ]; then echo "rnnviz: no Streamlit process left" >&2; exit 1; fi
done
