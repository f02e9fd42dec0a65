#!/usr/bin/env python3
"""Latency of a trivial query while sign-ins run.

Argon2 takes tens of milliseconds of CPU per sign-in; if it ran on the async workers,
every request those workers hold would wait behind it. This sends `{ __typename }`
one after another, first on an idle server, then while LOGINS threads sign in as fast
as they can, and prints the latency figures of both phases.

Usage (a server running, with an account whose password you know):
    python3 bench/login_latency.py --url http://127.0.0.1:8080/graphql \
        --email ops@example.org --password 'a long enough password'
Only the standard library is needed.
"""
import argparse
import json
import statistics
import threading
import time
import urllib.request


def post(url, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def probe(url, seconds):
    """Sequential `{ __typename }` latencies, in milliseconds, for `seconds`."""
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        post(url, "{ __typename }")
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def figures(name, latencies):
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    print(f"{name:<26} n={len(ordered):<6} p50={p(0.50):7.2f} ms  p95={p(0.95):7.2f} ms  "
          f"p99={p(0.99):7.2f} ms  max={ordered[-1]:7.2f} ms  mean={statistics.mean(ordered):7.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--logins", type=int, default=20, help="concurrent sign-in loops")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    args = parser.parse_args()

    login = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
    check = post(args.url, login, {"i": {"email": args.email, "password": args.password}})
    assert "errors" not in check, check

    figures("idle", probe(args.url, args.seconds))

    stop = threading.Event()
    done = [0]

    def sign_in():
        while not stop.is_set():
            post(args.url, login, {"i": {"email": args.email, "password": args.password}})
            done[0] += 1

    threads = [threading.Thread(target=sign_in, daemon=True) for _ in range(args.logins)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    loaded = probe(args.url, args.seconds)
    stop.set()
    for t in threads:
        t.join()
    figures(f"during {args.logins} sign-in loops", loaded)
    print(f"sign-ins completed: {done[0]}")


if __name__ == "__main__":
    main()
