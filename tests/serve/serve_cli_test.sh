#!/usr/bin/env bash
# `pcmsim serve` error paths through the binary: usage errors exit 1, bad inputs exit 2 with
# one line naming the file or address; a good start prints its address on stdout.
# usage: serve_cli_test.sh PCMSIM RESULTS_DIR WORK_DIR
set -uo pipefail
pcmsim=$1 results=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fails=0
expect() {  # expect CODE PIECE -- command...
  local code=$1 piece=$2
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [[ $rc -ne $code ]] || ! grep -qF -- "$piece" "$work/err"; then
    echo "FAIL: $* -> exit $rc (want $code), stderr: $(head -c 300 "$work/err")"
    fails=$((fails + 1))
  else
    echo "ok: $* -> exit $rc: $(grep -F -- "$piece" "$work/err" | head -1)"
  fi
}
echo "not hdf5" >"$work/notes.txt"
expect 1 "results is required" -- "$pcmsim" serve
expect 1 "nonexistent.h5" -- "$pcmsim" serve "$work/nonexistent.h5"
expect 2 "notes.txt" -- "$pcmsim" serve "$work/notes.txt"
expect 1 "--port" -- "$pcmsim" serve "$results/fp32.h5" --port 70000
expect 1 "--workers" -- "$pcmsim" serve "$results/fp32.h5" --workers 0
# 192.0.2.1 (TEST-NET-1) is no address of this machine.
expect 2 "cannot listen on 192.0.2.1:0" -- "$pcmsim" serve "$results/fp32.h5" --host 192.0.2.1 --port 0 --workers 1
# A good start: the address on stdout, then SIGTERM stops it cleanly (exit 0).
"$pcmsim" serve "$results/fp32.h5" --port 0 --workers 1 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q "serving on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
if grep -qE '^serving on http://127\.0\.0\.1:[0-9]+/$' "$work/serve.out"; then
  echo "ok: $(cat "$work/serve.out")"
else
  echo "FAIL: no address line: $(cat "$work/serve.out" "$work/serve.err")"
  fails=$((fails + 1))
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
if [[ $rc -ne 0 ]]; then echo "FAIL: serve exited $rc after SIGTERM"; fails=$((fails + 1)); else echo "ok: SIGTERM -> exit 0"; fi
[[ $fails -eq 0 ]] && echo "serve cli: all passed" || echo "serve cli: $fails failed"
exit $((fails > 0))
