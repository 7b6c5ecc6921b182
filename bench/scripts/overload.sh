#!/usr/bin/env bash
# Overload run for #12: capacity (closed loop), then 5x that rate open loop; CPU of both sides, RSS peak and idle.
# LG_PREFIX (e.g. "nice -n 10") runs the load generator under it in both runs; SERVE_JAVA_OPTS are the
# server's JVM options (a JFR recording, say), which the load generator does not get. TARGET is the
# address to load (default 127.0.0.1:7461; unix:/tmp/vigil-overload.sock loads serve's Unix socket).
set -u
unset VIGIL_JAVA_OPTS
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
pkill -f "dev.vigil.cli.VigilCommand serve" ; sleep 2
VIGIL_JAVA_OPTS="${SERVE_JAVA_OPTS:-}" ./vigil serve --socket /tmp/vigil-overload.sock > /tmp/serve2.log 2>&1 &
for i in $(seq 1 90); do curl -sf http://127.0.0.1:7462/readyz >/dev/null && break; sleep 1; done
PID=$(pgrep -f "VigilCommand serve" | head -1)
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
echo "server pid $PID"; grep -E "VmRSS|VmHWM" /proc/$PID/status
C0=$(cpu)
/usr/bin/time -f "load generator (capacity): %e s wall, %U s user, %S s sys" -o /tmp/lgc.time ${LG_PREFIX:-} ./vigil bench load --target ${TARGET:-127.0.0.1:7461} --clients 32 --seconds 20 --warmup 5 --json > /tmp/cap.json 2>/tmp/cap.err
C1=$(cpu)
cat /tmp/lgc.time; echo "server CPU during the capacity run: $(( (C1-C0)/100 )) s"
CAP=$(python3 -c "import json;print(json.load(open('/tmp/cap.json'))['throughput_per_s'])")
echo "capacity (closed loop, 32 clients): $CAP verdicts/s"
RATE=$(python3 -c "print(round(5*$CAP))")
rm -f /tmp/rss.txt
( while kill -0 $PID 2>/dev/null; do grep VmRSS /proc/$PID/status | awk '{print $2}' >> /tmp/rss.txt; sleep 0.5; done ) &
MON=$!
T0=$(cpu)
/usr/bin/time -f "load generator (5x): %e s wall, %U s user, %S s sys" -o /tmp/lg.time ${LG_PREFIX:-} ./vigil bench load --target ${TARGET:-127.0.0.1:7461} --rate $RATE --seconds 30 --warmup 5 --timeout 10 --json > /tmp/over.json 2>/tmp/over.err
T1=$(cpu)
cat /tmp/lg.time; echo "server CPU during the 5x run: $(( (T1-T0)/100 )) s"
grep -E "VmRSS|VmHWM" /proc/$PID/status
echo "idle 30 s"; sleep 30; grep -E "VmRSS|VmHWM" /proc/$PID/status
kill $MON
python3 - <<PY
import json
c=json.load(open('/tmp/cap.json')); o=json.load(open('/tmp/over.json'))
rss=[int(x) for x in open('/tmp/rss.txt').read().split()]
print("offered", o.get('offered_per_s'), "per s; seconds", o['seconds'])
print("requests", o['requests'], "verdicts", o['verdicts'], "failed_closed", o['failed_closed'], "errors", o['errors'], "unsent", o['unsent'], "unfinished", o['unfinished'])
print("errors_by_code", o['errors_by_code'])
print("error_examples", o['error_examples'])
good=(o['verdicts'])/o['seconds']
print("goodput %.1f/s = %.0f%% of capacity %.1f/s" % (good, 100*good/c['throughput_per_s'], c['throughput_per_s']))
refusals=o['errors']+o['failed_closed']
retry=sum(v for k,v in o['errors_by_code'].items() if k in ('OVERLOADED','SHUTTING_DOWN'))
print("refusals %d, retryable %d = %.1f%%" % (refusals, retry, 100*retry/max(1,refusals)))
print("peak RSS sampled %.0f MiB" % (max(rss)/1024))
print("latency_ms", o['latency_ms'], "max_send_lag_ms", o['max_send_lag_ms'])
PY
curl -s http://127.0.0.1:7462/metrics | grep -E "^vigil_(dropped|gate_|memory_budget|connections|errors_total)" | head -20
