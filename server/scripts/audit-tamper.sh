#!/usr/bin/env bash
# Tampers with copies of an audit log in each way issue #13 names and prints what
# `vigil audit verify` says about each. Needs a log of two segments or more (two runs of
# `./vigil score --audit-dir DIR ...` make one).
#   server/scripts/audit-tamper.sh DIR
set -euo pipefail
LOG=${1:?usage: audit-tamper.sh AUDIT_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
run() {
  echo "== $1"
  rm -rf "$WORK/t" && cp -r "$LOG" "$WORK/t"
  (cd "$WORK" && eval "$2")
  set +e
  "$ROOT/vigil" audit verify --dir "$WORK/t" --public-key "$LOG/audit-key.pub.pem"
  echo "exit $?"
  set -e
}
run "a record modified (ALLOW -> BLOCK in seq 1)" "sed -i '2s/\"decision\":\"ALLOW\"/\"decision\":\"BLOCK\"/' t/records-000001.jsonl"
run "the last record modified" "sed -i '\$s/\"decision\":\"ALLOW\"/\"decision\":\"BLOCK\"/' \$(ls t/records-*.jsonl | tail -1)"
run "a record deleted" "sed -i '2d' t/records-000002.jsonl"
run "two records reordered" "f=t/records-000002.jsonl; (sed -n 2p \$f; sed -n 1p \$f; sed '1,2d' \$f) > y; mv y \$f"
run "a record inserted (a copy of seq 2 after it)" "sed -i '3p' t/records-000001.jsonl"
run "the log truncated (last 3 records cut)" "f=\$(ls t/records-*.jsonl | tail -1); head -n -3 \$f > y; mv y \$f"
run "a segment deleted" "rm t/records-000001.jsonl"
run "a checkpoint's root changed" "python3 -c \"import json;L=open('t/checkpoints.jsonl').read().splitlines();c=json.loads(L[2]);c['root']='00'*32;L[2]=json.dumps(c,separators=(',',':'));open('t/checkpoints.jsonl','w').write(chr(10).join(L)+chr(10))\""
run "a checkpoint deleted" "sed -i '2d' t/checkpoints.jsonl"
run "a torn last record (a crash mid-write)" "printf '{\"seq\":99,\"prev\":\"ab' >> \$(ls t/records-*.jsonl | tail -1)"
