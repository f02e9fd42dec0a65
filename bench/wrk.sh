#!/bin/sh
# Runs every shape in bench/out/shapes-PEER against URL with wrk: 8 connections (16
# for the trivial query, 2 for a GET such as the export), 2 threads, DURATION seconds
# each; prints one line per shape. With SERVER_PID set, each line also gives the CPU
# that server and PostgreSQL's processes spent per request (ms, user + system, from
# /proc), the measure of what a request costs each side.
# Usage: [SERVER_PID=PID] bench/wrk.sh URL [DURATION] [PEER] [SHAPES_DIR]
url=${1:-http://127.0.0.1:8090/graphql}
duration=${2:-10}
peer=${3:-concord}
dir=$(dirname "$0")
shapes=${4:-$dir/out/shapes-$peer}
tick=$(getconf CLK_TCK)
# CPU ticks of a process (0 when it is gone), and of all PostgreSQL's processes.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  total=0
  for p in $(pgrep -x postgres); do total=$((total + $(ticks "$p"))); done
  echo "$total"
}
# Runs wrk with the given arguments; prints its RESULT line, with the CPU per request.
measure() {
  if [ -n "$SERVER_PID" ]; then s0=$(ticks "$SERVER_PID"); p0=$(pg_ticks); fi
  result=$(wrk "$@" | grep RESULT)
  if [ -n "$SERVER_PID" ]; then
    s1=$(ticks "$SERVER_PID"); p1=$(pg_ticks)
    rate=$(echo "$result" | sed 's/.*req\/s=\([0-9.]*\).*/\1/')
    cpu=$(awk -v s="$((s1 - s0))" -v p="$((p1 - p0))" -v r="$rate" -v d="$duration" -v t="$tick" \
      'BEGIN { n = r * d; if (n < 1) n = 1; printf " cpu_ms=%.3f pg_ms=%.3f", s / t * 1000 / n, p / t * 1000 / n }')
    result="$result$cpu"
  fi
  echo "$result"
}
for body in "$shapes"/*.json; do
  name=$(basename "$body" .json)
  connections=8
  [ "$name" = trivial ] && connections=16
  printf '%-22s ' "$name"
  BODY="$body" measure -t2 -c$connections -d"${duration}s" -s "$dir/request.lua" "$url"
done
for shape in "$shapes"/*.get; do
  [ -e "$shape" ] || continue
  name=$(basename "$shape" .get)
  printf '%-22s ' "$name"
  SHAPE="$shape" measure -t2 -c2 -d"${duration}s" --timeout 120s -s "$dir/request.lua" "${url%/graphql}"
done
