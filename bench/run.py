#!/usr/bin/env python3
"""Concord against PostGraphile 4 and 5 on one PostgreSQL database, in one run.

Seeds a database (the report, then `concord seed synthetic`), starts Concord's release
build and both PostGraphile versions on it (installed with `npm ci` into
bench/postgraphile4 and bench/postgraphile5), writes each server's request bodies
(bench/shapes.py), runs every shape on every server with wrk (bench/wrk.sh, rounds
alternating between the servers) and prints req/s, p50, p99, each server's peak RSS
and Concord's ratio to the faster PostGraphile.

Usage (PostgreSQL at 127.0.0.1:5432, wrk, node and npm installed):
    python3 bench/run.py [--contributions 200000] [--stakeholders 2000] [--seconds 8]
        [--peers concord,resolved,postgraphile4,postgraphile5] [--rounds 1]
Only the standard library is needed. CI does not run it: it is a benchmark. The API
tests run it in `--smoke` mode (Concord alone, on the test's own database, a given
binary, a few hundred contributions, Python's own requests instead of wrk) so that it
keeps working.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PORTS = {"concord": 8090, "resolved": 8091, "postgraphile4": 5004, "postgraphile5": 5005}
# Concord's own, the peers' not: "resolved" is Concord with compiled reads off
# (CONCORD_COMPILED_READS=false), every query run field by field: the before of
# `src/graphql/compiled.rs`, in the same run.
OURS = ("concord", "resolved")


def sh(cmd, env=None, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, **kw)


def wait_up(url, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        try:
            req = urllib.request.Request(url, b'{"query":"{ __typename }"}',
                                         {"content-type": "application/json"})
            urllib.request.urlopen(req, timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


def peak_rss_mb(pid):
    """Peak resident set of a process and its children (VmHWM), in MB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def start(peer, db_url, binary, out):
    port = PORTS[peer]
    log = open(os.path.join(out, f"{peer}.log"), "w")
    if peer in OURS:
        cmd = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
        # Rate limits stay on (every request is charged, as in production), with a
        # budget wrk cannot spend: the peers have no limits to refuse with.
        env = {"DATABASE_URL": db_url, "RUST_LOG": "warn",
               "CONCORD_RATE_LIMITS": "ANONYMOUS=2147483647/1",
               "CONCORD_COMPILED_READS": "true" if peer == "concord" else "false"}
        cwd = ROOT
    elif peer == "postgraphile4":
        cwd = os.path.join(HERE, "postgraphile4")
        cmd = ["node", "node_modules/.bin/postgraphile", "-c", db_url, "-s", "public",
               "--append-plugins", "@graphile-contrib/pg-simplify-inflector",
               "-p", str(port), "-n", "127.0.0.1", "--disable-query-log"]
        env = {"NODE_ENV": "production"}
    else:
        cwd = os.path.join(HERE, "postgraphile5")
        cmd = ["node", "--require", os.path.join(cwd, "polyfill.cjs"),
               "node_modules/.bin/postgraphile", "-C", "graphile.config.mjs"]
        env = {"DATABASE_URL": db_url, "PORT": str(port), "NODE_ENV": "production"}
    if peer not in OURS and not os.path.isdir(os.path.join(cwd, "node_modules")):
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=cwd)
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    wait_up(f"http://127.0.0.1:{port}/graphql")
    return proc


def measure(url, directory, seconds):
    """wrk's RESULT lines, measured with plain sequential requests (the smoke mode)."""
    lines = []
    for name in sorted(os.listdir(directory)):
        shape, kind = os.path.splitext(name)
        with open(os.path.join(directory, name)) as f:
            content = f.read()
        times, errors = [], 0
        end = time.time() + seconds
        while time.time() < end or not times:
            started = time.time()
            try:
                if kind == ".get":
                    req = urllib.request.Request(url.rsplit("/graphql", 1)[0] + content.strip())
                else:
                    req = urllib.request.Request(url, content.encode(),
                                                 {"content-type": "application/json"})
                with urllib.request.urlopen(req, timeout=60) as r:
                    body = r.read()
                if kind == ".json" and "errors" in json.loads(body):
                    errors += 1
            except OSError:
                errors += 1
            times.append((time.time() - started) * 1000)
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
        lines.append(f"{shape} RESULT req/s={len(times) / seconds:.1f} p50_ms={p(0.5):.2f} "
                     f"p99_ms={p(0.99):.2f} errors={errors}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contributions", type=int, default=200_000)
    parser.add_argument("--stakeholders", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--peers", default="concord,resolved,postgraphile4,postgraphile5")
    parser.add_argument("--database", default=None,
                        help="database name (default concord_bench_<contributions>)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database-url", default=None,
                        help="use this database as it is (SQLite or PostgreSQL) instead")
    parser.add_argument("--binary", default=None,
                        help="Concord binary to run (default: build and run the release one)")
    parser.add_argument("--port", type=int, default=PORTS["concord"])
    parser.add_argument("--out", default=os.path.join(HERE, "out"),
                        help="where the shapes and the servers' logs go")
    parser.add_argument("--smoke", action="store_true",
                        help="measure with sequential requests from Python instead of wrk")
    args = parser.parse_args()
    peers = args.peers.split(",")
    PORTS["concord"] = args.port
    os.makedirs(args.out, exist_ok=True)
    name = args.database or f"concord_bench_{args.contributions}"
    # Plain TCP on loopback for every server: node-postgres (both PostGraphiles) does not
    # ask for TLS, while sqlx's default (`sslmode=prefer`) would encrypt Concord's
    # statements and rows, at a cost to Concord and PostgreSQL alike. In production,
    # across a network, keep TLS.
    db_url = args.database_url or f"{args.pg}/{name}?sslmode=disable"

    concord = args.binary
    if concord is None:
        sh(["cargo", "build", "--release", "--locked"], cwd=ROOT)
        concord = os.path.join(ROOT, "target", "release", "concord")
    if args.database_url is None:
        exists = subprocess.run(["psql", f"{args.pg}/postgres", "-tAc",
                                 f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                                capture_output=True, text=True).stdout.strip() == "1"
        if not exists:
            sh(["psql", f"{args.pg}/postgres", "-qc", f'CREATE DATABASE "{name}"'])
    sh([concord, "seed", "report-2010"], env={"DATABASE_URL": db_url})
    sh([concord, "seed", "synthetic", "--stakeholders", str(args.stakeholders),
        "--contributions", str(args.contributions)], env={"DATABASE_URL": db_url})
    if args.database_url is None:
        # Measure the steady state: a database just loaded has its visibility map unset
        # (index-only scans read the heap) and its GIN indexes' pending lists unmerged
        # (every search scans them: 39 searches/s before, 232 after, on 200,000
        # contributions) until autovacuum comes by.
        sh(["psql", f"{args.pg}/{name}", "-qc", "VACUUM ANALYZE"])

    procs = {}
    try:
        for peer in peers:
            procs[peer] = start(peer, db_url, concord, args.out)
            sh([sys.executable, os.path.join(HERE, "shapes.py"),
                "--peer", "concord" if peer in OURS else peer,
                "--url", f"http://127.0.0.1:{PORTS[peer]}/graphql",
                "--dir", os.path.join(args.out, f"shapes-{peer}")], stdout=subprocess.DEVNULL)
        results, errors, cpu = {}, {}, {}
        for _ in range(args.rounds):
            for peer in peers:
                url = f"http://127.0.0.1:{PORTS[peer]}/graphql"
                if args.smoke:
                    out = measure(url, os.path.join(args.out, f"shapes-{peer}"), args.seconds)
                else:
                    out = subprocess.run([os.path.join(HERE, "wrk.sh"), url,
                                          str(args.seconds), peer,
                                          os.path.join(args.out, f"shapes-{peer}")],
                                         capture_output=True, text=True, check=True,
                                         env={**os.environ,
                                              "SERVER_PID": str(procs[peer].pid)}).stdout
                for line in out.splitlines():
                    m = re.match(r"(\S+)\s+RESULT req/s=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) errors=(\d+)", line)
                    c = re.search(r"cpu_ms=([\d.]+) pg_ms=([\d.]+)", line)
                    if m and c:
                        cpu.setdefault((peer, m.group(1)), (float(c.group(1)), float(c.group(2))))
                    if m:
                        shape = m.group(1)
                        errors[(peer, shape)] = errors.get((peer, shape), 0) + int(m.group(5))
                        best = results.get((peer, shape))
                        row = tuple(float(x) for x in m.groups()[1:])
                        if best is None or row[0] > best[0]:
                            results[(peer, shape)] = row
        rss = {peer: peak_rss_mb(proc.pid) for peer, proc in procs.items()}
    finally:
        for proc in procs.values():
            os.killpg(proc.pid, 15)

    shapes = sorted({shape for (_, shape) in results})
    print(f"\n{args.contributions} synthetic contributions, {args.stakeholders} stakeholders, "
          f"{args.seconds} s a shape, best of {args.rounds} round(s)\n")
    print("| shape | " + " | ".join(f"{p} req/s (p50/p99 ms)" for p in peers) + " | ratio |")
    print("|---|" + "---:|" * (len(peers) + 1))
    for shape in shapes:
        cells = []
        for peer in peers:
            r = results.get((peer, shape))
            rate = f"{r[0]:,.0f}" if r and r[0] >= 10 else f"{r[0]:.2f}" if r else ""
            cells.append(f"{rate} ({r[1]:.1f}/{r[2]:.1f})" if r else "—")
        others = [results[(p, shape)][0] for p in peers if p not in OURS and (p, shape) in results]
        ours = results.get(("concord", shape))
        ratio = f"{ours[0] / max(others):.2f}×" if ours and others else "—"
        print(f"| {shape} | " + " | ".join(cells) + f" | {ratio} |")
    print("| peak RSS MB | " + " | ".join(f"{rss[p]:.0f}" for p in peers) + " | |")
    if cpu:
        # What a request cost each side, from /proc: the server's CPU and PostgreSQL's
        # (all its processes), in ms per request, during the server's first round.
        print("\nCPU per request, ms (the server's / PostgreSQL's):\n")
        print("| shape | " + " | ".join(peers) + " |")
        print("|---|" + "---:|" * len(peers))
        for shape in shapes:
            cells = [f"{cpu[(p, shape)][0]:.3f} / {cpu[(p, shape)][1]:.3f}"
                     if (p, shape) in cpu else "—" for p in peers]
            print(f"| {shape} | " + " | ".join(cells) + " |")
    failed = sorted(f"{peer} {shape}" for (peer, shape), r in errors.items() if r)
    if failed:
        print("\nshapes with errors: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
