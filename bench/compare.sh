#!/usr/bin/env bash
# Measures our server and the Node.js socket.io 4.8 reference in ONE run: every scenario RUNS times
# (default 3) on each, interleaved, each server started fresh per scenario; prints medians and the
# ratio ours/Node. Usage: bench/compare.sh [scenario ...]   (default: all but cluster-broadcast)
# cluster-broadcast runs two servers of each kind on one Redis (redis-server, started here on
# REDIS_PORT): ours with --redis, Node's with @socket.io/redis-adapter.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
OURS_PORT=${OURS_PORT:-3201}
NODE_PORT=${NODE_PORT:-3301}
REDIS_PORT=${REDIS_PORT:-3401}
RESULTS=${RESULTS:-$(mktemp /tmp/bench-results.XXXXXX)}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

dotnet build -c Release -v q -nologo Server/Host/SocketIoChat.Host.csproj >/dev/null
dotnet build -c Release -v q -nologo bench/LoadGenerator/SocketIoChat.LoadGenerator.csproj >/dev/null
# npm ci again whenever the lock file changed since the last install.
if [ ! -f bench/node-reference/node_modules/.package-lock.json ] || [ bench/node-reference/package-lock.json -nt bench/node-reference/node_modules/.package-lock.json ]; then
  (cd bench/node-reference && npm ci --no-audit --no-fund >/dev/null)
fi
LOADGEN=(dotnet bench/LoadGenerator/bin/Release/net10.0/SocketIoChat.LoadGenerator.dll)

wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/socket.io/?EIO=4&transport=polling" && return 0; sleep 0.2; done; echo "server on $1 did not start" >&2; exit 1; }
# start TARGET [PORT-OFFSET [EXTRA ARGS...]]: sets PID and PORT.
start() {
  local target=$1 offset=${2:-0}; shift $(( $# < 2 ? $# : 2 ))
  if [ "$target" = ours ]; then
    PORT=$((OURS_PORT + offset))
    dotnet Server/Host/bin/Release/net10.0/SocketIoChat.Host.dll --profile bench --urls "http://127.0.0.1:$PORT" "$@" >/dev/null 2>&1 &
  else
    PORT=$((NODE_PORT + offset))
    node bench/node-reference/server.js "$PORT" "$@" >/dev/null 2>&1 &
  fi
  PID=$!; wait_port "$PORT"
}
stop() { kill "$@" 2>/dev/null || true; wait "$@" 2>/dev/null || true; }
start_redis() {
  command -v redis-server >/dev/null || { echo "cluster-broadcast needs redis-server (apt-get install redis-server)" >&2; exit 1; }
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server on $REDIS_PORT did not start" >&2; exit 1
}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

declare -A ARGS=(
  [echo]="echo --clients 50 --seconds 10"
  [broadcast]="broadcast --clients 1000 --messages 1000"
  [cluster-broadcast]="cluster-broadcast --clients 1000 --messages 1000"
  [idle5k]="idle --clients 5000"
  [idle10k]="idle --clients 10000"
  [connrate]="connrate --clients 20 --seconds 10"
  [polling-echo]="polling-echo --clients 50 --seconds 10"
)
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(echo broadcast idle5k idle10k connrate polling-echo)

echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024/1024)}') GiB, $(dotnet --version) SDK, node $(node --version); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for scenario in "${SCENARIOS[@]}"; do
  for run in $(seq 1 "$RUNS"); do
    for target in ours node; do
      if [ "$scenario" = cluster-broadcast ]; then
        start_redis
        start "$target" 0 --redis "127.0.0.1:$REDIS_PORT"; PID1=$PID; PORT1=$PORT
        start "$target" 1 --redis "127.0.0.1:$REDIS_PORT"; PID2=$PID; PORT2=$PORT
        line=$("${LOADGEN[@]}" ${ARGS[$scenario]} --url "http://127.0.0.1:$PORT1" --url2 "http://127.0.0.1:$PORT2" \
          --server-pid "$PID1" --server-pid2 "$PID2" || echo '{"ok":false}')
        stop "$PID1" "$PID2" "$REDIS_PID"
      else
        start "$target"
        line=$("${LOADGEN[@]}" ${ARGS[$scenario]} --url "http://127.0.0.1:$PORT" --server-pid "$PID" || echo '{"ok":false}')
        stop "$PID"
      fi
      echo "{\"target\":\"$target\",\"name\":\"$scenario\",\"run\":$run,\"result\":$line}" | tee -a "$RESULTS"
    done
  done
done

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
names = list(dict.fromkeys(r["name"] for r in rows))
def med(name, target, key):
    values = [r["result"].get(key) for r in rows if r["name"] == name and r["target"] == target and r["result"].get("ok")]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")
print()
print(f"{'scenario':<18}{'unit':<14}{'ours':>12}{'node':>12}{'ours/node':>11}{'p99 ours':>10}{'p99 node':>10}{'p99 ratio':>10}{'gen cpu':>9}{'srv cpu o/n':>13}{'cpu/op o/n':>12}")
for n in names:
    unit = next(r["result"].get("unit", "") for r in rows if r["name"] == n)
    o, d = med(n, "ours", "rate"), med(n, "node", "rate")
    po, pd = med(n, "ours", "p99_ms"), med(n, "node", "p99_ms")
    cpu = max(med(n, "ours", "generator_cpu"), med(n, "node", "generator_cpu"))
    p = f"{po:>10.2f}{pd:>10.2f}{po/pd:>10.2f}" if po == po and pd == pd else f"{'':>30}"
    so, sd = med(n, "ours", "server_cpu"), med(n, "node", "server_cpu")
    srv = f"{so:>6.0%}/{sd:<6.0%}" if so == so and sd == sd else f"{'':>13}"
    # CPU per operation, ours over Node: below 1 means we spend less CPU for each message/connection.
    per_op = f"{(so / o) / (sd / d):>12.2f}" if so == so and sd == sd and unit != "KiB/conn" else f"{'':>12}"
    print(f"{n:<18}{unit:<14}{o:>12.1f}{d:>12.1f}{o/d:>11.2f}{p}{cpu:>8.0%}{srv}{per_op}")
print("(medians of", max(r["run"] for r in rows), "runs; gen cpu / srv cpu = share of all cores used by the load generator / each server;")
print(" cpu/op o/n = server CPU per delivered message or connection, ours over Node; cluster-broadcast: both servers' CPU added up)")
PY
