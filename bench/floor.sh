#!/bin/sh
# The database's own floor for the statements Concord compiles (bench/floor/*.sql):
# pgbench, prepared, 8 clients on 2 threads, as wrk runs the shapes; prints
# statements/s per shape. Usage: bench/floor.sh [DATABASE] [SECONDS]
db=${1:-concord_bench_200000}
seconds=${2:-10}
dir=$(dirname "$0")/floor
for sql in "$dir"/*.sql; do
  name=$(basename "$sql" .sql)
  tps=$(pgbench -h 127.0.0.1 -U postgres -n -M prepared -c 8 -j 2 -T "$seconds" -f "$sql" "$db" 2>/dev/null \
        | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  printf '%-22s FLOOR statements/s=%s\n' "$name" "$tps"
done
