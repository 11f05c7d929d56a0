#!/usr/bin/env bash
# Soak test for exactly-once output: runs the w1-windows pipeline with checkpoints, kills it with
# SIGKILL at random moments (KILLS times, 200 by default), resumes it with --restore latest each
# time, and checks that the committed output equals, byte for byte, that of a run never killed.
# Whenever a run finishes before its kill, its output is checked and the next round starts afresh.
#
#   scripts/soak-kill.sh [KILLS] [EVENTS]
set -euo pipefail

KILLS=${1:-200}
EVENTS=${2:-1000000}
cd "$(dirname "$0")/.."
swift build -c release --product stream-job >/dev/null
BIN=.build/release/stream-job
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

INPUT="$WORK/input.csv"
"$BIN" bench window --events "$EVENTS" --runs 1 --data-dir "$WORK/gen" >/dev/null
mv "$WORK/gen/w1-$EVENTS-seed42.csv" "$INPUT"
SETTINGS=(--set "input=$INPUT" --set window-ms=100 --set chunk-bytes=65536)

now_ms() { date +%s%3N; }
start=$(now_ms)
"$BIN" run w1-windows "${SETTINGS[@]}" --set "output=$WORK/reference/out.csv" 2>/dev/null
duration=$(( $(now_ms) - start ))
echo "reference run: ${duration} ms, $(wc -c < "$WORK/reference/out.csv") bytes of output"

same_as_reference() {
    cmp -s "$WORK/out/out.csv" "$WORK/reference/out.csv" && cmp -s "$WORK/out/out.csv.late" "$WORK/reference/out.csv.late"
}

kills=0
rounds=0
while (( kills < KILLS )); do
    "$BIN" run w1-windows "${SETTINGS[@]}" --set "output=$WORK/out/out.csv" \
        --checkpoint-dir "$WORK/state" --checkpoint-interval 50ms --restore latest 2>>"$WORK/log" &
    pid=$!
    delay_ms=$(( RANDOM % (duration + 1) ))
    sleep "$(awk "BEGIN { print $delay_ms / 1000 }")"
    if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        kills=$(( kills + 1 ))
        (( kills % 25 == 0 )) && echo "$kills kills"
    else
        wait "$pid"
        same_as_reference || { echo "FAILED: a finished run's output differs (round $rounds)"; exit 1; }
        rounds=$(( rounds + 1 ))
        rm -rf "$WORK/state" "$WORK/out"
    fi
done
"$BIN" run w1-windows "${SETTINGS[@]}" --set "output=$WORK/out/out.csv" \
    --checkpoint-dir "$WORK/state" --restore latest 2>>"$WORK/log"
same_as_reference || { echo "FAILED: output after $kills kills differs from the reference"; exit 1; }
echo "passed: $kills kills, $rounds complete rounds checked in between, final output identical"
