#!/bin/sh
# Runs every shape in bench/out/shapes-PEER against URL with wrk: 8 connections (16
# for the trivial query, 2 for a GET such as the export), 2 threads, DURATION seconds
# each; prints one line per shape.
# Usage: bench/wrk.sh URL [DURATION] [PEER] [SHAPES_DIR]
url=${1:-http://127.0.0.1:8090/graphql}
duration=${2:-10}
peer=${3:-concord}
dir=$(dirname "$0")
shapes=${4:-$dir/out/shapes-$peer}
for body in "$shapes"/*.json; do
  name=$(basename "$body" .json)
  connections=8
  [ "$name" = trivial ] && connections=16
  printf '%-22s ' "$name"
  BODY="$body" wrk -t2 -c$connections -d"${duration}s" -s "$dir/request.lua" "$url" | grep RESULT
done
for shape in "$shapes"/*.get; do
  [ -e "$shape" ] || continue
  name=$(basename "$shape" .get)
  printf '%-22s ' "$name"
  SHAPE="$shape" wrk -t2 -c2 -d"${duration}s" --timeout 120s -s "$dir/request.lua" "${url%/graphql}" | grep RESULT
done
