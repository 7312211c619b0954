#!/usr/bin/env bash
# Throughput and latency of our SPARQL endpoint and pages beside Oxigraph's own server and
# rdflib-endpoint, on the same data, in one run. A script, not a test: the figures depend on the
# machine. See docs/performance.md for what it measures and the last figures.
#
#   scripts/bench_web.sh                 # everything (about 4 servers x 24 cases x DURATION)
#   DURATION=3s scripts/bench_web.sh     # a quicker, noisier run
#
# Settings (environment): DURATION (10s), THREADS (2), CONNECTIONS (16), RDFLIB_CONNECTIONS (4), WORK (a temporary folder),
# PYTHON (python3), OXIGRAPH (oxigraph), RDFLIB_ENDPOINT (rdflib-endpoint),
# KOS_DIR (../shared/vocab/un-sdg-kos), SERVERS ("ours ours-nocache oxigraph rdflib-endpoint"),
# CASES (a regex the case names must match, e.g. 'tiny|aggregate'), BUILT (a dist folder to copy instead of building), KEEP_RUNNING=1 leaves the servers up at the end (for profiling; stop them by the printed pids).
#
# Installs nothing. It needs: wrk (Debian: apt-get install -y wrk), the oxigraph CLI
# (pip install oxigraph) and rdflib-endpoint (pip install 'rdflib-endpoint[cli]'), e.g. in a venv
# on PATH. The server and wrk share this machine's cores: on a 2-core machine the client takes
# about one core, so every figure is a lower bound of what the server alone could do.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
PYTHON=${PYTHON:-python3}
OXIGRAPH=${OXIGRAPH:-oxigraph}
RDFLIB_ENDPOINT=${RDFLIB_ENDPOINT:-rdflib-endpoint}
KOS_DIR=${KOS_DIR:-$REPO/../shared/vocab/un-sdg-kos}
SERVERS=${SERVERS:-ours ours-nocache oxigraph rdflib-endpoint}
WORK=${WORK:-$(mktemp -d -t kemi-bench-XXXXXX)}
KOS_GRAPH=https://w3id.org/kemi-graph/graph/un-sdg-kos
PORT_OURS=5181 PORT_NOCACHE=5182 PORT_OXIGRAPH=7881 PORT_RDFLIB=8181

missing=0
need() {  # need COMMAND HOW-TO-INSTALL
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing: $1 — install it with: $2" >&2
    missing=1
  fi
}
need wrk "apt-get install -y wrk"
need curl "apt-get install -y curl"
need "$PYTHON" "a Python 3.11+ with kemi-graph's dependencies (pip install '.[test]')"
case " $SERVERS " in *" oxigraph "*) need "$OXIGRAPH" "pip install oxigraph   (the CLI: oxigraph serve-read-only)";; esac
case " $SERVERS " in *" rdflib-endpoint "*) need "$RDFLIB_ENDPOINT" "pip install 'rdflib-endpoint[cli]'   (runs on uvicorn)";; esac
[ -d "$KOS_DIR" ] || { echo "missing: the UN SDG KOS in $KOS_DIR (set KOS_DIR)" >&2; missing=1; }
[ "$missing" = 0 ] || exit 2

PIDS=()
cleanup() {
  if [ "${KEEP_RUNNING:-0}" = 1 ]; then
    echo "servers left running: ${PIDS[*]:-none}" >&2
    return
  fi
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  sleep 2
  for pid in "${PIDS[@]:-}"; do  # uvicorn waits for queries still running; don't
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_for() {  # wait_for URL NAME LOG
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$2 did not answer at $1; its log:" >&2
  tail -20 "$3" >&2
  exit 1
}

mkdir -p "$WORK"
echo "work folder: $WORK" >&2
cd "$REPO"

# 1. The data: the Kemi build (or a copy of BUILT, a finished build), plus the full UN SDG KOS in its own graph.
rm -rf "$WORK/dist" "$WORK/oxigraph"
if [ -n "${BUILT:-}" ]; then
  cp -r "$BUILT" "$WORK/dist"
else
  "$PYTHON" -m kemi_graph.cli --dist-dir "$WORK/dist" build >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; exit 1; }
fi
KOS_FILES=("$KOS_DIR"/*.ttl)
for file in "${KOS_FILES[@]}"; do  # into our store as well, so ours serves the built store read-only like Oxigraph
  "$OXIGRAPH" load --location "$WORK/dist/store" --file "$file" --graph "$KOS_GRAPH" >>"$WORK/load.log" 2>&1
done
"$OXIGRAPH" load --location "$WORK/oxigraph" --file "$WORK/dist/dataset.nq" >>"$WORK/load.log" 2>&1
for file in "${KOS_FILES[@]}"; do
  "$OXIGRAPH" load --location "$WORK/oxigraph" --file "$file" --graph "$KOS_GRAPH" >>"$WORK/load.log" 2>&1
done
"$PYTHON" scripts/bench_report.py cases "$WORK/dist" "$WORK/cases"

# 2. The servers, each on the same data; the default graph is the union of all graphs in each.
start_ours() {  # start_ours PORT CACHE_BYTES
  KEMI_GRAPH_RESPONSE_CACHE_BYTES=$2 "$PYTHON" -m kemi_graph.cli --dist-dir "$WORK/dist" serve --port "$1" --workers 2 \
    >"$WORK/ours-$1.log" 2>&1 &
  PIDS+=($!)
  wait_for "http://127.0.0.1:$1/sparql?query=ASK%7B%7D" "kemi-graph serve" "$WORK/ours-$1.log"
}
declare -A BASE
for server in $SERVERS; do
  case $server in
    ours) start_ours $PORT_OURS 64000000; BASE[$server]="http://127.0.0.1:$PORT_OURS" ;;
    ours-nocache) start_ours $PORT_NOCACHE 0; BASE[$server]="http://127.0.0.1:$PORT_NOCACHE" ;;
    oxigraph)
      "$OXIGRAPH" serve-read-only --location "$WORK/oxigraph" --bind "127.0.0.1:$PORT_OXIGRAPH" --union-default-graph \
        >"$WORK/oxigraph.log" 2>&1 &
      PIDS+=($!)
      wait_for "http://127.0.0.1:$PORT_OXIGRAPH/query?query=ASK%7B%7D" oxigraph "$WORK/oxigraph.log"
      BASE[$server]="http://127.0.0.1:$PORT_OXIGRAPH" ;;
    rdflib-endpoint)
      "$RDFLIB_ENDPOINT" serve --host 127.0.0.1 --port $PORT_RDFLIB "$WORK/dist/dataset.nq" "${KOS_FILES[@]}" \
        >"$WORK/rdflib-endpoint.log" 2>&1 &
      PIDS+=($!)
      wait_for "http://127.0.0.1:$PORT_RDFLIB/?query=ASK%7B%7D" rdflib-endpoint "$WORK/rdflib-endpoint.log"
      BASE[$server]="http://127.0.0.1:$PORT_RDFLIB" ;;
    *) echo "unknown server $server" >&2; exit 2 ;;
  esac
done
echo "servers: ${PIDS[*]}" >&2

# 3. wrk: every case against every server (pages only exist on ours), one server after the
# other, so that queries a slow server is still working on do not slow the next one down.
# rdflib-endpoint (one process, one query at a time under the GIL) gets RDFLIB_CONNECTIONS
# connections: with 16, its slower queries would not finish one answer within DURATION.
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
for server in $SERVERS; do
  connections=$CONNECTIONS
  [ "$server" = rdflib-endpoint ] && connections=${RDFLIB_CONNECTIONS:-4}
  for case_file in "$WORK"/cases/*.path; do
    name=$(basename "$case_file" .path)           # NN-group-case
    [[ $name =~ ${CASES:-.} ]] || continue
    group=$(echo "$name" | cut -d- -f2)
    case_name=$(echo "$name" | cut -d- -f3-)
    accept="application/sparql-results+json"
    if [ "$group" = page ]; then
      case $server in ours|ours-nocache) ;; *) continue ;; esac
      accept="text/html"
      cp "$case_file" "$WORK/path"
    else
      case $server in  # each server's query path
        oxigraph) endpoint=/query ;;
        rdflib-endpoint) endpoint=/ ;;  # the CLI mounts its endpoint at the root
        *) endpoint=/sparql ;;
      esac
      printf '%s?%s' "$endpoint" "$(cat "$case_file")" >"$WORK/path"
    fi
    # The answer must be a 200 before it is timed.
    status=$(curl -s --max-time 120 -o /dev/null -w '%{http_code}' -H "Accept: $accept" "${BASE[$server]}$(cat "$WORK/path")" || true)
    if [ "$status" != 200 ]; then
      echo "$server $case_name: HTTP $status, skipped" >&2
      continue
    fi
    line=$(BENCH_PATH_FILE="$WORK/path" BENCH_ACCEPT="$accept" \
      wrk -t"$THREADS" -c"$connections" -d"$DURATION" --timeout 30s --latency -s scripts/bench_wrk.lua "${BASE[$server]}" \
      | sed -n 's/^BENCH //p')
    echo "{\"group\": \"$group\", \"case\": \"$case_name\", \"server\": \"$server\", ${line#\{}" >>"$RESULTS"
    echo "$server $group $case_name $line" >&2
  done
done

# 4. The report.
{
  echo "command: DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS RDFLIB_CONNECTIONS=${RDFLIB_CONNECTIONS:-4} scripts/bench_web.sh"
  echo "machine: $(nproc) cores; $(free -h | awk '/^Mem:/ {print $2}') memory; $(uname -sr)"
  versions=$("$PYTHON" -c 'import sys
from importlib.metadata import version
print(f"Python {sys.version.split()[0]}", *(f"{name} {version(name)}" for name in ("pyoxigraph", "flask", "werkzeug", "gunicorn")), sep=", ")' 2>/dev/null || echo "Python ?")
  echo "versions: $versions; $("$OXIGRAPH" --version 2>/dev/null || echo oxigraph ?); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo
  "$PYTHON" scripts/bench_report.py report "$RESULTS"
} | tee "$WORK/report.md"
echo "report: $WORK/report.md" >&2
